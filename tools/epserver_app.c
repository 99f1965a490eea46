/*
 * tools/epserver_app.c - mTCP's epserver as per-core application code: an
 * epoll HTTP/1.1 file server over files held in memory.
 *
 * Per core (epserver_core): a non-blocking listener on INADDR_ANY:port
 * (every core listens on the same port; RSS spreads the connections) ->
 * loop { utcp_epoll_wait -> accept / read requests / write responses ->
 * statistics tick } -> close everything -> let the closes finish.
 *
 * A connection waits for EPOLLIN while it reads a request and for EPOLLOUT
 * only while a response is partly written, so an idle server sleeps.
 * Requests: GET and HEAD (200 with Content-Length, 404 for unknown files),
 * other methods 501, malformed heads 400, heads over HTTP_MAX_HEADER 431.
 * Persistence follows RFC 9112 §9.3 (1.1 persists unless "Connection:
 * close"; 1.0 only with "Connection: keep-alive"); pipelined requests are
 * answered in order.  After an error status the connection closes.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tools/apps.h"

#define SRV_EVENTS 256
#define SRV_TICK_MS 100         /* longest wait: how soon a stop is seen */
#define SRV_DRAIN_NS (5 * UTCP_NSEC_PER_SEC)

struct srv_conn {
	int fd;
	int out_armed;              /* registered for EPOLLOUT (a response is pending) */
	int close_after;            /* close once the response is out */
	size_t req_len;
	char hdr[256];              /* response head */
	size_t hdr_len, hdr_off;
	const uint8_t *body;
	size_t body_len, body_off;
	char req[HTTP_MAX_HEADER];
};

struct srv_core {
	struct epserver *s;
	struct utcp_ctx *ctx;
	int ep, lis;
	int lis_paused;             /* out of sockets: the listener waits for a close */
	struct srv_conn **conns;    /* by socket id */
	uint32_t nb_conns;
	struct epserver_core_stats st;
} __attribute__((aligned(64)));

struct epserver {
	struct epserver_opts o;
	atomic_int stop;
	int nb_cores;
	struct srv_core core[UTCP_MAX_CORES];
};

static const char body_404[] = "<html><body><h1>404 Not Found</h1></body></html>\n";

struct epserver *epserver_create(const struct epserver_opts *o, int nb_cores)
{
	if (nb_cores < 1 || nb_cores > UTCP_MAX_CORES) {
		errno = EINVAL;
		return NULL;
	}
	struct epserver *s;
	if (posix_memalign((void **)&s, 64, sizeof(*s)) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->o = *o;
	s->nb_cores = nb_cores;
	atomic_init(&s->stop, 0);
	return s;
}

void epserver_stop(struct epserver *s)
{
	atomic_store_explicit(&s->stop, 1, memory_order_relaxed);
}

const struct epserver_core_stats *epserver_stats(const struct epserver *s, int core)
{
	return core >= 0 && core < s->nb_cores ? &s->core[core].st : NULL;
}

void epserver_destroy(struct epserver *s)
{
	free(s);
}

static const struct http_file *find_file(const struct epserver *s, const char *path)
{
	char name[256];
	size_t n = strcspn(path, "?#"); /* the query is not part of the name */
	if (path[0] != '/' || n >= sizeof(name))
		return NULL;
	memcpy(name, path + 1, n - 1);
	name[n - 1] = '\0';
	if (name[0] == '\0')
		snprintf(name, sizeof(name), "index.html");
	for (int i = 0; i < s->o.nb_files; i++)
		if (strcmp(s->o.files[i].name, name) == 0)
			return &s->o.files[i];
	return NULL;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* Set up the response to one request head (status 0: parse it first). */
static void build_response(struct srv_core *sc, struct srv_conn *k, const char *head, size_t len,
			   int status)
{
	struct http_request rq = { .keepalive = 0 };
	const struct http_file *f = NULL;
	if (status == 0)
		status = http_parse_request(head, len, &rq);
	if (status == 0) {
		f = find_file(sc->s, rq.path);
		status = f != NULL ? 200 : 404;
	}
	sc->st.requests++;
	if (status == 200)
		sc->st.responses_200++;
	else if (status == 404)
		sc->st.responses_404++;
	else
		sc->st.responses_other++;
	/* Errors other than 404 end the connection: the request stream may be garbled. */
	k->close_after = !rq.keepalive || (status != 200 && status != 404);
	k->body = status == 200 ? f->data : (const uint8_t *)body_404;
	k->body_len = status == 200 ? f->len : (status == 404 ? sizeof(body_404) - 1 : 0);
	k->hdr_len = (size_t)snprintf(k->hdr, sizeof(k->hdr),
				      "HTTP/1.1 %d %s\r\nServer: utcp-epserver\r\n"
				      "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
				      status, reason(status), k->body_len,
				      k->close_after ? "close" : "keep-alive");
	if (strcmp(rq.method, "HEAD") == 0)
		k->body_len = 0; /* RFC 9110 §9.3.2: the head of a GET, no content */
	k->hdr_off = k->body_off = 0;
}

/* The listener's events on or off (off while no socket is left to accept
 * with: a ready listener that cannot be served would wake us forever). */
static void listener_arm(struct srv_core *sc, int on)
{
	struct epoll_event e = { .events = on ? EPOLLIN : 0, .data.fd = -1 };
	sc->lis_paused = !on;
	utcp_epoll_ctl(sc->ctx, sc->ep, EPOLL_CTL_MOD, sc->lis, &e);
}

static void srv_close(struct srv_core *sc, struct srv_conn *k)
{
	utcp_close(sc->ctx, k->fd);
	sc->conns[k->fd] = NULL;
	free(k);
	if (sc->lis_paused && sc->lis >= 0)
		listener_arm(sc, 1);
}

static int arm(struct srv_core *sc, struct srv_conn *k, int out)
{
	if (k->out_armed == out)
		return 0;
	struct epoll_event e = { .events = out ? EPOLLOUT : EPOLLIN, .data.fd = k->fd };
	k->out_armed = out;
	return utcp_epoll_ctl(sc->ctx, sc->ep, EPOLL_CTL_MOD, k->fd, &e);
}

static int serve_pending(struct srv_core *sc, struct srv_conn *k);

/* Write what is left of the response.  -1 when the connection was closed. */
static int srv_send(struct srv_core *sc, struct srv_conn *k)
{
	while (k->hdr_off < k->hdr_len || k->body_off < k->body_len) {
		struct iovec iov[2] = {
			{ k->hdr + k->hdr_off, k->hdr_len - k->hdr_off },
			{ (void *)(k->body + k->body_off), k->body_len - k->body_off },
		};
		int first = k->hdr_off < k->hdr_len ? 0 : 1;
		ssize_t m = utcp_writev(sc->ctx, k->fd, iov + first, 2 - first);
		if (m < 0 && errno == EAGAIN)
			return arm(sc, k, 1); /* wait for room */
		if (m <= 0) {
			sc->st.conn_errors++;
			srv_close(sc, k);
			return -1;
		}
		sc->st.bytes_out += (uint64_t)m;
		size_t h = k->hdr_len - k->hdr_off < (size_t)m ? k->hdr_len - k->hdr_off : (size_t)m;
		k->hdr_off += h;
		k->body_off += (size_t)m - h;
	}
	k->hdr_len = k->body_len = 0;
	if (k->close_after) {
		srv_close(sc, k);
		return -1;
	}
	if (arm(sc, k, 0) < 0)
		return -1;
	return serve_pending(sc, k); /* pipelined requests */
}

/* Answer every complete request head in the buffer, in order. */
static int serve_pending(struct srv_core *sc, struct srv_conn *k)
{
	if (k->hdr_len > 0)
		return 0; /* still writing the previous response */
	size_t end = http_header_end(k->req, k->req_len);
	if (end == 0) {
		if (k->req_len < sizeof(k->req))
			return 0;
		build_response(sc, k, k->req, k->req_len, 431);
		k->req_len = 0;
		return srv_send(sc, k);
	}
	build_response(sc, k, k->req, end, 0);
	memmove(k->req, k->req + end, k->req_len - end);
	k->req_len -= end;
	return srv_send(sc, k);
}

static void srv_readable(struct srv_core *sc, struct srv_conn *k)
{
	while (k->hdr_len == 0 && k->req_len < sizeof(k->req)) {
		ssize_t m = utcp_read(sc->ctx, k->fd, k->req + k->req_len, sizeof(k->req) - k->req_len);
		if (m < 0 && errno == EAGAIN)
			return;
		if (m <= 0) { /* the client closed (or reset): nothing more to answer */
			if (m < 0)
				sc->st.conn_errors++;
			srv_close(sc, k);
			return;
		}
		k->req_len += (size_t)m;
		if (serve_pending(sc, k) < 0)
			return;
	}
}

static void srv_accept(struct srv_core *sc)
{
	for (;;) {
		int fd = utcp_accept(sc->ctx, sc->lis, NULL, NULL);
		if (fd < 0) {
			if (errno != EAGAIN) /* out of sockets: the accept queue waits */
				listener_arm(sc, 0);
			return;
		}
		struct srv_conn *k = (uint32_t)fd < sc->nb_conns ? malloc(sizeof(*k)) : NULL;
		struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };
		if (k == NULL || utcp_setsock_nonblock(sc->ctx, fd) < 0 ||
		    utcp_epoll_ctl(sc->ctx, sc->ep, EPOLL_CTL_ADD, fd, &e) < 0) {
			utcp_close(sc->ctx, fd);
			free(k);
			sc->st.conn_errors++;
			continue;
		}
		memset(k, 0, offsetof(struct srv_conn, req));
		k->fd = fd;
		sc->conns[fd] = k;
		sc->st.accepted++;
	}
}

static int srv_has_ip6(const struct utcp_config *cfg)
{
	static const struct utcp_in6 none;
	for (int i = 0; i < cfg->nb_ports; i++)
		if (memcmp(&cfg->ports[i].ip6, &none, sizeof(none)) != 0)
			return 1;
	return 0;
}

static int srv_open(struct srv_core *sc)
{
	const struct utcp_config *cfg = utcp_ctx_config(sc->ctx);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(sc->s->o.port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	/* With IPv6 on a port: AF_INET6 on ::, IPv4 clients as ::ffff:a.b.c.d */
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(sc->s->o.port) };
	int v6 = srv_has_ip6(cfg);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = -1 };
	sc->nb_conns = (uint32_t)cfg->max_concurrency;
	sc->conns = calloc(sc->nb_conns, sizeof(*sc->conns));
	sc->ep = utcp_epoll_create(sc->ctx, cfg->max_concurrency);
	sc->lis = utcp_socket(sc->ctx, v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (sc->conns == NULL || sc->ep < 0 || sc->lis < 0 ||
	    utcp_bind(sc->ctx, sc->lis, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa,
		      v6 ? sizeof(sa6) : sizeof(sa)) < 0 ||
	    utcp_listen(sc->ctx, sc->lis, sc->s->o.backlog) < 0 ||
	    utcp_epoll_ctl(sc->ctx, sc->ep, EPOLL_CTL_ADD, sc->lis, &e) < 0) {
		fprintf(sc->s->o.log, "epserver: core %d: cannot listen on port %u: %s\n",
			utcp_ctx_core(sc->ctx), sc->s->o.port, strerror(errno));
		return -1;
	}
	return 0;
}

static void srv_teardown(struct srv_core *sc)
{
	for (uint32_t i = 0; sc->conns != NULL && i < sc->nb_conns; i++)
		if (sc->conns[i] != NULL)
			srv_close(sc, sc->conns[i]);
	free(sc->conns);
	sc->conns = NULL;
	if (sc->lis >= 0)
		utcp_close(sc->ctx, sc->lis);
	if (sc->ep >= 0)
		utcp_close(sc->ctx, sc->ep);
	app_drain(sc->ctx, SRV_DRAIN_NS);
}

int epserver_core(struct epserver *s, struct utcp_ctx *ctx)
{
	struct srv_core *sc = &s->core[utcp_ctx_core(ctx)];
	struct epoll_event ev[SRV_EVENTS];
	int rc = 0;
	sc->s = s;
	sc->ctx = ctx;
	sc->ep = sc->lis = -1;
	if (srv_open(sc) < 0) {
		srv_teardown(sc);
		return -1;
	}
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		int n = utcp_epoll_wait(ctx, sc->ep, ev, SRV_EVENTS,
					app_timeout_ms(ctx, s->o.stats, SRV_TICK_MS));
		if (n < 0 && errno != EINTR) {
			rc = errno == ESHUTDOWN ? 0 : -1; /* the simulated world ends */
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			if (fd < 0) {
				srv_accept(sc);
			} else if (sc->conns[fd] != NULL) {
				if (ev[i].events & EPOLLOUT)
					srv_send(sc, sc->conns[fd]);
				else
					srv_readable(sc, sc->conns[fd]);
			}
		}
		if (s->o.stats != NULL)
			utcp_statprint_tick(s->o.stats, ctx);
	}
	srv_teardown(sc);
	return rc;
}
