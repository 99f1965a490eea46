/*
 * tools/epwget_app.c - mTCP's epwget as per-core application code: an
 * HTTP load generator that keeps `concurrency` requests in flight and
 * checks every response.
 *
 * Per core (epwget_core): its share of the requests and of the
 * concurrency -> open that many non-blocking connections -> loop {
 * utcp_epoll_wait -> write the request when connected, read the head,
 * then exactly Content-Length bytes of body -> on completion open a new
 * connection (or, with keep-alive, send the next request on the same one)
 * -> core 0 prints mTCP's per-second line } -> close what is left -> let
 * the closes finish.
 *
 * A connection waits for EPOLLOUT only until its request is written, then
 * for EPOLLIN.  Every response is checked: the status (200 unless told
 * otherwise), a valid Content-Length, the body length, and the body bytes
 * (against the expected body when given, else every body on a core must
 * hash like the core's first one, and the cores must agree).  A failed
 * request counts as an error by kind; requests still in flight when the
 * run stops are incompletes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tools/apps.h"

#define CLI_EVENTS 256
#define CLI_TICK_MS 1000
#define CLI_DRAIN_NS (5 * UTCP_NSEC_PER_SEC)
#define CLI_READ 65536

enum cli_state { CS_FREE = 0, CS_CONNECTING, CS_SENDING, CS_HEAD, CS_BODY };

struct cli_conn {
	int fd;
	enum cli_state state;
	int fresh;                  /* no request completed on it yet */
	int server_close;           /* the response said Connection: close */
	int bad_body, record;
	size_t req_off;
	size_t head_len;
	uint64_t body_len, body_got, hash;
	utcp_time_t t_start;
	char head[HTTP_MAX_HEADER];
};

/* Figures core 0 reads while the others run (one writer each). */
struct cli_live {
	_Atomic uint64_t connects, completes, bytes_in, bytes_out, resp_sum, resp_n, resp_max;
};

struct cli_core {
	struct epwget *c;
	struct utcp_ctx *ctx;
	int ep;
	struct cli_conn *conns;
	int nb_conns;
	uint64_t total, to_start, finished; /* finished: completed or failed */
	int ref_set;                 /* first body seen: its length and hash */
	uint64_t ref_len, ref_hash;
	FILE *record;                /* core 0: outfile, until one body is in */
	struct epwget_core_stats st;
	struct cli_live live;
	uint64_t prev[7];            /* core 0's printer: live sums last printed */
	utcp_time_t next_print;
	uint8_t buf[CLI_READ];
} __attribute__((aligned(64)));

struct epwget {
	struct epwget_opts o;
	atomic_int stop;
	atomic_int cores_done;       /* cores whose share is finished */
	int nb_cores;
	char req[512];
	size_t req_len;
	struct cli_core *core;
};

struct epwget *epwget_create(const struct epwget_opts *o, int nb_cores, char *err, size_t errlen)
{
	if (nb_cores < 1 || nb_cores > UTCP_MAX_CORES || o->requests == 0 ||
	    o->concurrency < 1 || o->path[0] != '/') {
		snprintf(err, errlen, "need 1 to %d cores, at least 1 request and 1 connection, "
			 "and a path starting with '/'", UTCP_MAX_CORES);
		errno = EINVAL;
		return NULL;
	}
	struct epwget *c = calloc(1, sizeof(*c));
	if (c == NULL || posix_memalign((void **)&c->core, 64,
					sizeof(*c->core) * (size_t)nb_cores) != 0) {
		free(c);
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	memset(c->core, 0, sizeof(*c->core) * (size_t)nb_cores);
	c->o = *o;
	if (c->o.expect_status == 0)
		c->o.expect_status = 200;
	c->nb_cores = nb_cores;
	atomic_init(&c->stop, 0);
	atomic_init(&c->cores_done, 0);
	c->req_len = (size_t)snprintf(c->req, sizeof(c->req),
				      "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: utcp-epwget\r\n"
				      "Connection: %s\r\n\r\n",
				      o->path, o->host, o->keepalive ? "keep-alive" : "close");
	for (int i = 0; i < nb_cores; i++) {
		struct cli_core *cc = &c->core[i];
		cc->c = c;
		cc->ep = -1;
		cc->total = o->requests / (uint64_t)nb_cores +
			    ((uint64_t)i < o->requests % (uint64_t)nb_cores);
		cc->nb_conns = o->concurrency / nb_cores + (i < o->concurrency % nb_cores);
		if (cc->nb_conns < 1)
			cc->nb_conns = 1;
		if ((uint64_t)cc->nb_conns > cc->total)
			cc->nb_conns = (int)cc->total;
	}
	return c;
}

void epwget_stop(struct epwget *c)
{
	atomic_store_explicit(&c->stop, 1, memory_order_relaxed);
}

void epwget_destroy(struct epwget *c)
{
	if (c == NULL)
		return;
	free(c->core);
	free(c);
}

const struct epwget_core_stats *epwget_stats(const struct epwget *c, int core)
{
	return core >= 0 && core < c->nb_cores ? &c->core[core].st : NULL;
}

static void live_add(_Atomic uint64_t *v, uint64_t d)
{
	atomic_fetch_add_explicit(v, d, memory_order_relaxed);
}

/* ---- one connection ------------------------------------------------------- */

static void conn_close(struct cli_core *cc, struct cli_conn *k)
{
	if (k->fd >= 0)
		utcp_close(cc->ctx, k->fd);
	k->fd = -1;
	k->state = CS_FREE;
}

static void conn_start(struct cli_core *cc, struct cli_conn *k);

/* Count a failed request (the first one's reason is kept). */
static void count_error(struct cli_core *cc, struct cli_conn *k, enum epwget_err kind,
			const char *fmt, const char *detail)
{
	cc->st.errors++;
	cc->st.err[kind]++;
	if (cc->st.first_error[0] == '\0')
		snprintf(cc->st.first_error, sizeof(cc->st.first_error), fmt, detail);
	if (k->record && cc->record != NULL) { /* try again with a later response */
		rewind(cc->record);
		k->record = 0;
	}
	cc->finished++;
	conn_close(cc, k);
}

/* The request failed: count it, then the connection makes a new start. */
static void conn_fail(struct cli_core *cc, struct cli_conn *k, enum epwget_err kind,
		      const char *fmt, const char *detail)
{
	count_error(cc, k, kind, fmt, detail);
	conn_start(cc, k);
}

/* Arm a connection's request: the first on a fresh connection, or the next one. */
static void request_begin(struct cli_core *cc, struct cli_conn *k)
{
	cc->to_start--;
	k->t_start = utcp_ctx_now(cc->ctx);
	k->req_off = k->head_len = 0;
	k->body_len = k->body_got = 0;
	k->hash = HTTP_HASH_INIT;
	k->bad_body = k->server_close = 0;
}

static void conn_start(struct cli_core *cc, struct cli_conn *k)
{
	const struct epwget_opts *o = &cc->c->o;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(o->dport),
				  .sin_addr.s_addr = o->daddr };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(o->dport) };
	memcpy(&sa6.sin6_addr, o->daddr6, 16);
	const struct sockaddr *to = o->v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa;
	socklen_t tolen = o->v6 ? sizeof(sa6) : sizeof(sa);
	/* A failed attempt fails its request; the next request tries again. */
	while (cc->to_start > 0 && !atomic_load_explicit(&cc->c->stop, memory_order_relaxed)) {
		request_begin(cc, k);
		k->fresh = 1;
		k->state = CS_CONNECTING;
		k->fd = utcp_socket(cc->ctx, o->v6 ? AF_INET6 : AF_INET,
				    SOCK_STREAM | SOCK_NONBLOCK, 0);
		struct epoll_event e = { .events = EPOLLOUT, .data.ptr = k };
		if (k->fd >= 0 && (utcp_connect(cc->ctx, k->fd, to, tolen) == 0 ||
		     errno == EINPROGRESS) &&
		    utcp_epoll_ctl(cc->ctx, cc->ep, EPOLL_CTL_ADD, k->fd, &e) == 0) {
			cc->st.connects++;
			live_add(&cc->live.connects, 1);
			return;
		}
		count_error(cc, k, EW_ERR_CONN, "connect: %s", strerror(errno));
	}
}

static void set_events(struct cli_core *cc, struct cli_conn *k, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = k };
	utcp_epoll_ctl(cc->ctx, cc->ep, EPOLL_CTL_MOD, k->fd, &e);
}

/* Write the request; -1 when the connection failed. */
static int conn_send(struct cli_core *cc, struct cli_conn *k)
{
	struct epwget *c = cc->c;
	while (k->req_off < c->req_len) {
		ssize_t m = utcp_write(cc->ctx, k->fd, c->req + k->req_off, c->req_len - k->req_off);
		if (m < 0 && errno == EAGAIN)
			return 0;
		if (m <= 0) {
			conn_fail(cc, k, EW_ERR_CONN, "write: %s", strerror(errno));
			return -1;
		}
		k->req_off += (size_t)m;
		cc->st.bytes_out += (uint64_t)m;
		live_add(&cc->live.bytes_out, (uint64_t)m);
	}
	k->state = CS_HEAD;
	set_events(cc, k, EPOLLIN);
	return 0;
}

static void resp_time(struct cli_core *cc, utcp_time_t ns)
{
	uint64_t us = ns / UTCP_NSEC_PER_USEC;
	cc->st.resp_sum_ns += ns;
	if (ns > cc->st.resp_max_ns)
		cc->st.resp_max_ns = ns;
	live_add(&cc->live.resp_sum, us);
	live_add(&cc->live.resp_n, 1);
	uint64_t m = atomic_load_explicit(&cc->live.resp_max, memory_order_relaxed);
	while (us > m && !atomic_compare_exchange_weak_explicit(&cc->live.resp_max, &m, us,
								  memory_order_relaxed,
								  memory_order_relaxed))
		;
}

/* The whole body is in: check it, then the next request. */
static void conn_complete(struct cli_core *cc, struct cli_conn *k)
{
	const struct epwget_opts *o = &cc->c->o;
	char d[64];
	if (o->expect_body == NULL && !cc->ref_set) {
		cc->ref_set = 1;
		cc->ref_len = k->body_len;
		cc->ref_hash = k->hash;
		if (o->out != NULL && utcp_ctx_core(cc->ctx) == 0)
			fprintf(o->out, "Response size set to %" PRIu64 "\n", k->body_len);
	}
	uint64_t want = o->expect_body != NULL ? o->expect_len : cc->ref_len;
	if (k->body_len != want) {
		snprintf(d, sizeof(d), "%" PRIu64 " bytes, expected %" PRIu64, k->body_len, want);
		conn_fail(cc, k, EW_ERR_LENGTH, "body length %s", d);
		return;
	}
	if (k->bad_body || (o->expect_body == NULL && k->hash != cc->ref_hash)) {
		conn_fail(cc, k, EW_ERR_BODY, "body differs%s", "");
		return;
	}
	if (k->record) { /* the outfile holds one whole body: done with it */
		fclose(cc->record);
		cc->record = NULL;
		k->record = 0;
	}
	cc->st.completes++;
	cc->finished++;
	live_add(&cc->live.completes, 1);
	resp_time(cc, utcp_ctx_now(cc->ctx) - k->t_start);
	k->fresh = 0;
	if (!o->keepalive || k->server_close || cc->to_start == 0) {
		conn_close(cc, k);
		conn_start(cc, k);
		return;
	}
	request_begin(cc, k);
	k->state = CS_SENDING;
	set_events(cc, k, EPOLLOUT);
	conn_send(cc, k);
}

/* Body bytes: compare or hash them, record them. */
static void body_bytes(struct cli_core *cc, struct cli_conn *k, const uint8_t *p, size_t n)
{
	const struct epwget_opts *o = &cc->c->o;
	if (o->expect_body != NULL) {
		if (k->body_got + n > o->expect_len ||
		    memcmp(p, o->expect_body + k->body_got, n) != 0)
			k->bad_body = 1;
	} else {
		k->hash = http_hash(k->hash, p, n);
	}
	if (k->record && fwrite(p, 1, n, cc->record) != n)
		k->record = 0;
	k->body_got += n;
}

/* A complete head: check it and start the body.  -1 if the request failed. */
static int head_done(struct cli_core *cc, struct cli_conn *k, size_t end)
{
	const struct epwget_opts *o = &cc->c->o;
	struct http_response rs;
	char d[32];
	if (http_parse_response(k->head, end, &rs) < 0 || rs.content_length < 0) {
		conn_fail(cc, k, EW_ERR_HEADER, "%s", "malformed response head or no Content-Length");
		return -1;
	}
	if (rs.status != o->expect_status) {
		snprintf(d, sizeof(d), "%d", rs.status);
		conn_fail(cc, k, EW_ERR_STATUS, "status %s", d);
		return -1;
	}
	k->server_close = rs.close;
	k->body_len = (uint64_t)rs.content_length;
	k->state = CS_BODY;
	if (cc->record != NULL && !k->record) {
		int busy = 0;
		for (int i = 0; i < cc->nb_conns; i++)
			busy |= cc->conns[i].record;
		k->record = !busy;
	}
	size_t extra = k->head_len - end;
	if (extra > k->body_len) {
		conn_fail(cc, k, EW_ERR_LENGTH, "%s", "more bytes than Content-Length");
		return -1;
	}
	body_bytes(cc, k, (const uint8_t *)k->head + end, extra);
	return 0;
}

/* Read what is there.  Returns when it would block or the request ended. */
static void conn_read(struct cli_core *cc, struct cli_conn *k)
{
	while (k->state == CS_HEAD || k->state == CS_BODY) {
		uint8_t *dst = k->state == CS_HEAD ? (uint8_t *)k->head + k->head_len : cc->buf;
		size_t room = k->state == CS_HEAD ? sizeof(k->head) - k->head_len : sizeof(cc->buf);
		if (k->state == CS_BODY && room > k->body_len - k->body_got)
			room = (size_t)(k->body_len - k->body_got);
		ssize_t m = room > 0 ? utcp_read(cc->ctx, k->fd, dst, room) : 0;
		if (m < 0 && errno == EAGAIN)
			return;
		if (m < 0) {
			conn_fail(cc, k, EW_ERR_CONN, "read: %s", strerror(errno));
			return;
		}
		if (m == 0 && !(k->state == CS_BODY && k->body_got == k->body_len)) {
			if (k->state == CS_BODY)
				conn_fail(cc, k, EW_ERR_LENGTH, "%s", "connection closed inside the body");
			else if (k->head_len == sizeof(k->head))
				conn_fail(cc, k, EW_ERR_HEADER, "%s", "response head too long");
			else
				conn_fail(cc, k, EW_ERR_CONN, "%s", "connection closed before the response");
			return;
		}
		cc->st.bytes_in += (uint64_t)m;
		live_add(&cc->live.bytes_in, (uint64_t)m);
		if (k->state == CS_HEAD) {
			k->head_len += (size_t)m;
			size_t end = http_header_end(k->head, k->head_len);
			if (end == 0)
				continue;
			if (head_done(cc, k, end) < 0)
				return;
		} else {
			body_bytes(cc, k, dst, (size_t)m);
		}
		if (k->body_got == k->body_len) {
			conn_complete(cc, k);
			return;
		}
	}
}

static void conn_event(struct cli_core *cc, struct cli_conn *k, uint32_t ev)
{
	if (k->state == CS_CONNECTING) {
		int e = 0;
		socklen_t el = sizeof(e);
		if ((ev & (EPOLLERR | EPOLLHUP)) &&
		    (utcp_getsockopt(cc->ctx, k->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e != 0)) {
			conn_fail(cc, k, EW_ERR_CONN, "connect: %s", strerror(e ? e : errno));
			return;
		}
		k->state = CS_SENDING;
	}
	if (k->state == CS_SENDING && conn_send(cc, k) < 0)
		return;
	if (k->state == CS_HEAD || k->state == CS_BODY)
		conn_read(cc, k);
}

/* ---- per core -------------------------------------------------------------- */

/* mTCP's line, on core 0, summed over the cores, once a second. */
static void print_second(struct epwget *c, struct cli_core *cc)
{
	uint64_t cur[7] = { 0 };
	for (int i = 0; i < c->nb_cores; i++) {
		struct cli_live *l = &c->core[i].live;
		cur[0] += atomic_load_explicit(&l->connects, memory_order_relaxed);
		cur[1] += atomic_load_explicit(&l->bytes_in, memory_order_relaxed);
		cur[2] += atomic_load_explicit(&l->bytes_out, memory_order_relaxed);
		cur[3] += atomic_load_explicit(&l->completes, memory_order_relaxed);
		cur[4] += atomic_load_explicit(&l->resp_sum, memory_order_relaxed);
		cur[5] += atomic_load_explicit(&l->resp_n, memory_order_relaxed);
		uint64_t m = atomic_exchange_explicit(&l->resp_max, 0, memory_order_relaxed);
		if (m > cur[6])
			cur[6] = m;
	}
	uint64_t n = cur[5] - cc->prev[5];
	fprintf(c->o.out,
		"[ ALL ] connect: %7" PRIu64 ", read: %4" PRIu64 " MB, write: %4" PRIu64
		" MB, completes: %7" PRIu64 " (resp_time avg: %4" PRIu64 ", max: %6" PRIu64 " us)\n",
		cur[0] - cc->prev[0], (cur[1] - cc->prev[1]) >> 20, (cur[2] - cc->prev[2]) >> 20,
		cur[3] - cc->prev[3], n ? (cur[4] - cc->prev[4]) / n : 0, cur[6]);
	fflush(c->o.out);
	memcpy(cc->prev, cur, sizeof(cur));
}

static int cli_timeout(struct cli_core *cc)
{
	int ms = app_timeout_ms(cc->ctx, cc->c->o.stats, CLI_TICK_MS);
	utcp_time_t now = utcp_ctx_now(cc->ctx);
	if (cc->next_print != 0) {
		utcp_time_t left = cc->next_print > now ? cc->next_print - now : 0;
		uint64_t pm = (left + UTCP_NSEC_PER_MSEC - 1) / UTCP_NSEC_PER_MSEC;
		if (pm < (uint64_t)ms)
			ms = (int)pm;
	}
	if (cc->c->o.time_limit != 0) {
		utcp_time_t end = cc->st.t_start + cc->c->o.time_limit;
		uint64_t lm = end > now ? (end - now + UTCP_NSEC_PER_MSEC - 1) / UTCP_NSEC_PER_MSEC : 0;
		if (lm < (uint64_t)ms)
			ms = (int)lm;
	}
	return ms;
}

static int cli_open(struct cli_core *cc)
{
	const struct epwget_opts *o = &cc->c->o;
	char ip[INET6_ADDRSTRLEN];
	cc->conns = calloc(cc->nb_conns > 0 ? (size_t)cc->nb_conns : 1, sizeof(*cc->conns));
	cc->ep = utcp_epoll_create(cc->ctx, cc->nb_conns > 0 ? cc->nb_conns : 1);
	if (cc->conns == NULL || cc->ep < 0)
		return -1;
	for (int i = 0; i < cc->nb_conns; i++)
		cc->conns[i].fd = -1;
	if (o->outfile != NULL && utcp_ctx_core(cc->ctx) == 0) {
		cc->record = fopen(o->outfile, "wb");
		if (cc->record == NULL) {
			fprintf(stderr, "epwget: %s: %s\n", o->outfile, strerror(errno));
			return -1;
		}
	}
	if (o->out != NULL) {
		if (o->v6)
			inet_ntop(AF_INET6, o->daddr6, ip, sizeof(ip));
		else
			inet_ntop(AF_INET, &o->daddr, ip, sizeof(ip));
		fprintf(o->out, "Thread %d handles %" PRIu64 " flows. connecting to %s:%u\n",
			utcp_ctx_core(cc->ctx), cc->total, ip, o->dport);
	}
	return 0;
}

static void cli_teardown(struct cli_core *cc)
{
	for (int i = 0; cc->conns != NULL && i < cc->nb_conns; i++) {
		struct cli_conn *k = &cc->conns[i];
		if (k->state != CS_FREE)
			cc->st.incompletes++;
		conn_close(cc, k);
	}
	cc->st.incompletes += cc->to_start; /* never started */
	cc->to_start = 0;
	if (cc->record != NULL)
		fclose(cc->record);
	cc->record = NULL;
	free(cc->conns);
	cc->conns = NULL;
	if (cc->ep >= 0)
		utcp_close(cc->ctx, cc->ep);
	cc->ep = -1;
	app_drain(cc->ctx, CLI_DRAIN_NS);
}

static int cli_loop(struct epwget *c, struct cli_core *cc)
{
	struct epoll_event ev[CLI_EVENTS];
	while (cc->finished < cc->total && !atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		utcp_time_t now = utcp_ctx_now(cc->ctx);
		if (c->o.time_limit != 0 && now - cc->st.t_start >= c->o.time_limit)
			break;
		if (cc->next_print != 0 && now >= cc->next_print) {
			print_second(c, cc);
			cc->next_print += UTCP_NSEC_PER_SEC;
		}
		int n = utcp_epoll_wait(cc->ctx, cc->ep, ev, CLI_EVENTS, cli_timeout(cc));
		if (n < 0 && errno != EINTR)
			return errno == ESHUTDOWN ? 0 : -1;
		for (int i = 0; i < n; i++)
			conn_event(cc, ev[i].data.ptr, ev[i].events);
	}
	return 0;
}

/* Core 0 prints the per-second line until every core is done (its own
 * share may end first), driving its context meanwhile. */
static void print_until_all_done(struct epwget *c, struct cli_core *cc)
{
	while (cc->next_print != 0 &&
	       atomic_load_explicit(&c->cores_done, memory_order_relaxed) < c->nb_cores &&
	       !atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		utcp_time_t now = utcp_ctx_now(cc->ctx);
		if (c->o.time_limit != 0 && now - cc->st.t_start >= c->o.time_limit)
			return;
		if (now >= cc->next_print) {
			print_second(c, cc);
			cc->next_print += UTCP_NSEC_PER_SEC;
		}
		utcp_time_t until = cc->next_print;
		utcp_time_t slice = now + 100 * UTCP_NSEC_PER_MSEC; /* see the others finish */
		if (utcp_ctx_wait(cc->ctx, until < slice ? until : slice) < 0 && errno != EINTR)
			return;
	}
}

int epwget_core(struct epwget *c, struct utcp_ctx *ctx)
{
	struct cli_core *cc = &c->core[utcp_ctx_core(ctx)];
	int rc = -1;
	cc->ctx = ctx;
	cc->to_start = cc->total;
	cc->st.t_start = utcp_ctx_now(ctx);
	if (c->o.print_seconds && utcp_ctx_core(ctx) == 0)
		cc->next_print = cc->st.t_start + UTCP_NSEC_PER_SEC;
	if (cli_open(cc) == 0) {
		for (int i = 0; i < cc->nb_conns; i++)
			conn_start(cc, &cc->conns[i]);
		rc = cli_loop(c, cc);
	}
	cc->st.t_end = utcp_ctx_now(ctx);
	atomic_fetch_add_explicit(&c->cores_done, 1, memory_order_relaxed);
	if (rc == 0)
		print_until_all_done(c, cc);
	cli_teardown(cc);
	return rc;
}

/* ---- results --------------------------------------------------------------- */

void epwget_totals(const struct epwget *c, struct epwget_core_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < c->nb_cores; i++) {
		const struct epwget_core_stats *x = &c->core[i].st;
		s->connects += x->connects;
		s->completes += x->completes;
		s->bytes_in += x->bytes_in;
		s->bytes_out += x->bytes_out;
		s->errors += x->errors;
		for (int k = 0; k < EPWGET_ERR_KINDS; k++)
			s->err[k] += x->err[k];
		s->incompletes += x->incompletes;
		s->resp_sum_ns += x->resp_sum_ns;
		if (x->resp_max_ns > s->resp_max_ns)
			s->resp_max_ns = x->resp_max_ns;
		if (i == 0 || x->t_start < s->t_start)
			s->t_start = x->t_start;
		if (x->t_end > s->t_end)
			s->t_end = x->t_end;
		if (s->first_error[0] == '\0')
			memcpy(s->first_error, x->first_error, sizeof(s->first_error));
	}
}

/* Without an expected body, every core's reference body must be the same. */
static uint64_t cores_disagree(const struct epwget *c)
{
	uint64_t n = 0;
	for (int i = 1; i < c->nb_cores; i++)
		if (c->core[i].ref_set && c->core[0].ref_set &&
		    (c->core[i].ref_len != c->core[0].ref_len ||
		     c->core[i].ref_hash != c->core[0].ref_hash))
			n++;
	return n;
}

int epwget_report(struct epwget *c, FILE *f)
{
	struct epwget_core_stats s;
	for (int i = 0; i < c->nb_cores; i++)
		fprintf(f, "[CPU %d] Completed %" PRIu64 " connections, errors: %" PRIu64
			" incompletes: %" PRIu64 "\n", i, c->core[i].st.completes,
			c->core[i].st.errors, c->core[i].st.incompletes);
	epwget_totals(c, &s);
	uint64_t disagree = cores_disagree(c);
	double secs = (double)(s.t_end - s.t_start) / 1e9;
	fprintf(f, "[ ALL ] requests: %" PRIu64 ", completes: %" PRIu64 ", errors: %" PRIu64
		" (connection: %" PRIu64 ", status: %" PRIu64 ", header: %" PRIu64
		", length: %" PRIu64 ", body: %" PRIu64 "), incompletes: %" PRIu64 "\n",
		c->o.requests, s.completes, s.errors, s.err[EW_ERR_CONN], s.err[EW_ERR_STATUS],
		s.err[EW_ERR_HEADER], s.err[EW_ERR_LENGTH], s.err[EW_ERR_BODY], s.incompletes);
	fprintf(f, "[ ALL ] connections: %" PRIu64 ", read: %" PRIu64 " B, write: %" PRIu64
		" B, elapsed: %.3f s, %.0f requests/s, resp_time avg: %" PRIu64 " us, max: %" PRIu64
		" us\n", s.connects, s.bytes_in, s.bytes_out, secs,
		secs > 0 ? (double)s.completes / secs : 0.0,
		s.completes ? s.resp_sum_ns / s.completes / 1000 : 0, s.resp_max_ns / 1000);
	if (s.first_error[0] != '\0')
		fprintf(f, "[ ALL ] first error: %s\n", s.first_error);
	if (disagree)
		fprintf(f, "[ ALL ] %" PRIu64 " core(s) received a different body than core 0\n",
			disagree);
	return s.errors == 0 && s.incompletes == 0 && disagree == 0 &&
			       s.completes == c->o.requests ? 0 : 1;
}
