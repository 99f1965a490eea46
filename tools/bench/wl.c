/*
 * tools/bench/wl.c - the benchmark workloads, written once against struct
 * bnet so that utcp and the kernel run exactly the same application code.
 *
 *   short     a new connection per transaction: connect, 64 B request,
 *             64 B response, the server closes, the client reads EOF and
 *             closes; `conns` connections in flight.
 *   pingpong  `conns` persistent connections, 64 B request / 64 B response.
 *   bulk      one connection, the client writes `count` bytes in `wsize`
 *             writes, the server reads them; then both close.  With
 *             spec->zc, on a stack that has them (utcp), the zero-copy
 *             calls instead: the client copies the pattern into the send
 *             ring's room and commits it, the server checks the bytes in
 *             the receive ring and consumes them (one copy less).
 *   latency   pingpong on one connection, each round trip timed.
 *
 * Every byte is verified: a request or response carries its transaction
 * id in its first 8 bytes and a pattern derived from the id and the
 * direction in the rest; bulk bytes follow a pseudo-random table whose
 * period (65521, a prime) is not a multiple of any write or read size.
 *
 * The timed phase: short starts with the first connect; pingpong and
 * latency once every connection is established; bulk once the connection
 * is; all end when the last transaction (byte) is verified.  A run stops
 * starting new work after spec->max_wall wall seconds (the figures then
 * cover what was done).
 *
 * Two processes: wl_init with only a server net (cli NULL) or only a client
 * net (srv NULL) runs one side.  Its clocks are then the process's
 * (CLOCK_PROCESS_CPUTIME_ID, getrusage RUSAGE_SELF: every thread counted);
 * the client calls r->on_measure as its timed phase begins and ends, and
 * the driver hands that to the server's side (wl_measure) and sets
 * r->peer_done there once the client has finished.  The server alone cannot
 * know how many bulk bytes were sent: the driver compares its srv_bytes
 * with the client's sent.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_ZERO_STATS
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

#include "tools/bench/bench.h"

#define MSG_MAX 1024
#define BULK_PERIOD 65521u
#define BULK_RBUF (256 * 1024)

enum role { R_LISTEN = 1, R_SRV, R_CLI };
enum cstate { C_FREE, C_CONNECTING, C_IDLE, C_SENDING, C_WAITING, C_EOF, C_BULK, C_BULK_FIN };

struct sconn {
	int open, sending;
	uint32_t got, out;
	uint64_t id;
	uint8_t in[MSG_MAX];
};

struct cconn {
	int fd;
	enum cstate state;
	uint32_t events;          /* what the socket is registered for */
	uint32_t got, out;
	uint64_t id;
	double t_sent;
	uint8_t in[MSG_MAX];
};

const char *const wl_names[WL_NKINDS] = { "short", "pingpong", "bulk", "latency" };

/* Shared, read-only after the first call: the bulk pattern. */
static uint8_t *bulk_tab;
static size_t bulk_len;

static uint64_t ev_data(enum role role, uint32_t idx)
{
	return (uint64_t)role << 32 | idx;
}

/* CPU clocks of the thread (proc 0) or of the whole process (proc 1). */
static void bclock_take(struct bclock *c, int proc)
{
	struct timespec ts;
	struct rusage ru;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->wall = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	clock_gettime(proc ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_THREAD_CPUTIME_ID, &ts);
	c->cpu = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	getrusage(proc ? RUSAGE_SELF : RUSAGE_THREAD, &ru);
	c->user = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	c->sys = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

void bclock_now(struct bclock *c)
{
	bclock_take(c, 0);
}

/* One side of two processes: the process's clocks. */
static int one_side(const struct wl_run *r)
{
	return r->srv == NULL || r->cli == NULL;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int wl_fail(struct wl_run *r, const char *fmt, ...)
{
	if (!r->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
		r->failed = 1;
	}
	return -1;
}

static int sys_fail(struct wl_run *r, const char *what)
{
	return wl_fail(r, "%s: %s", what, strerror(errno));
}

/* ---- messages and the bulk pattern ------------------------------------------ */

static void msg_fill(uint8_t *b, size_t n, uint64_t id, int dir)
{
	uint64_t h = (id + 1) * 0x9e3779b97f4a7c15ull ^ (dir ? 0xa5c3e187d2b4f069ull : 0);
	size_t i = sizeof(id);
	memcpy(b, &id, sizeof(id));
	for (; i + 8 <= n; i += 8) {
		uint64_t w = h + i * 0xbf58476d1ce4e5b9ull;
		memcpy(b + i, &w, 8);
	}
	for (; i < n; i++)
		b[i] = (uint8_t)(h >> (i & 7) * 8);
}

/* 0 and the id when b is a well-formed message of direction dir. */
static int msg_check(const uint8_t *b, size_t n, int dir, uint64_t *id)
{
	uint8_t want[MSG_MAX];
	memcpy(id, b, sizeof(*id));
	msg_fill(want, n, *id, dir);
	return memcmp(want, b, n) == 0 ? 0 : -1;
}

static int bulk_init(size_t wsize)
{
	size_t need = BULK_PERIOD + (wsize > BULK_RBUF ? wsize : BULK_RBUF);
	if (bulk_tab != NULL && bulk_len >= need)
		return 0;
	uint8_t *t = realloc(bulk_tab, need);
	if (t == NULL)
		return -1;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < need; i++) {
		if (i < BULK_PERIOD) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			t[i] = (uint8_t)(x >> 29);
		} else {
			t[i] = t[i - BULK_PERIOD];
		}
	}
	bulk_tab = t;
	bulk_len = need;
	return 0;
}

static const uint8_t *bulk_at(uint64_t off)
{
	return bulk_tab + off % BULK_PERIOD;
}

/* ---- run state ----------------------------------------------------------------- */

int wl_init(struct wl_run *r, const struct wl_spec *sp, struct bnet *srv, struct bnet *cli,
	    uint32_t srv_ip, uint16_t port)
{
	memset(r, 0, sizeof(*r));
	r->sp = sp;
	r->srv = srv;
	r->cli = cli;
	r->srv_ip = srv_ip;
	r->port = port;
	r->lfd = -1;
	if (sp->kind != WL_BULK && (sp->msg < 16 || sp->msg > MSG_MAX))
		return wl_fail(r, "message size %zu not in 16..%d", sp->msg, MSG_MAX);
	if (sp->kind == WL_BULK && bulk_init(sp->wsize) < 0)
		return sys_fail(r, "bulk table");
	r->cc = calloc((size_t)sp->conns, sizeof(*r->cc));
	/* The server's table sized (and its pages touched) before the timed
	 * phase: utcp's socket ids stay below its max_concurrency (4 per
	 * connection in flight, bnet_utcp.c), the kernel's fds lower still. */
	r->sc_cap = 4 * sp->conns + 1024;
	r->sc = malloc((size_t)r->sc_cap * sizeof(*r->sc));
	if (r->sc != NULL)
		memset(r->sc, 0, (size_t)r->sc_cap * sizeof(*r->sc));
	if (sp->kind == WL_LATENCY)
		r->lat = calloc(sp->count, sizeof(*r->lat));
	if (r->cc == NULL || r->sc == NULL || (sp->kind == WL_LATENCY && r->lat == NULL))
		return sys_fail(r, "memory");
	for (int i = 0; i < sp->conns; i++)
		r->cc[i].fd = -1;
	return 0;
}

void wl_free(struct wl_run *r)
{
	free(r->cc);
	free(r->sc);
	free(r->lat);
	r->cc = NULL;
	r->sc = NULL;
	r->lat = NULL;
}

static void measure_begin(struct wl_run *r)
{
	r->started = 1;
	CALLGRIND_ZERO_STATS;
	bclock_take(&r->t0, one_side(r));
	if (r->on_measure != NULL)
		r->on_measure(r, 0);
}

static void measure_end(struct wl_run *r)
{
	if (r->measured)
		return;
	bclock_take(&r->t1, one_side(r));
	CALLGRIND_DUMP_STATS_AT("timed");
	r->measured = 1;
	if (r->on_measure != NULL)
		r->on_measure(r, 1);
}

void wl_measure(struct wl_run *r, int end)
{
	if (!end && !r->started)
		measure_begin(r);
	else if (end && r->started)
		measure_end(r);
}

/* Whether to start another transaction; checks the wall bound now and then. */
static int want_more(struct wl_run *r)
{
	if (r->stop || r->issued >= r->sp->count)
		return 0;
	if ((r->issued & 255) == 0 && wall_now() - r->t0.wall > r->sp->max_wall)
		r->stop = 1;
	return !r->stop;
}

static int ctl(struct wl_run *r, struct bnet *n, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = { .events = events, .data.u64 = data };
	if (n->ops->epoll_ctl(n->c, n->ep, op, fd, &e) < 0)
		return sys_fail(r, "epoll_ctl");
	return 0;
}

/* ---- server ---------------------------------------------------------------------- */

int wl_server_start(struct wl_run *r)
{
	struct bnet *n = r->srv;
	r->lfd = n->ops->socket(n->c);
	if (r->lfd < 0)
		return sys_fail(r, "server socket");
	if (n->ops->listen(n->c, r->lfd, r->srv_ip, &r->port, 4096) < 0)
		return sys_fail(r, "listen");
	return ctl(r, n, EPOLL_CTL_ADD, r->lfd, EPOLLIN, ev_data(R_LISTEN, 0));
}

static int sc_room(struct wl_run *r, int fd)
{
	if (fd < r->sc_cap)
		return 0;
	int cap = r->sc_cap;
	while (cap <= fd)
		cap *= 2;
	struct sconn *sc = realloc(r->sc, (size_t)cap * sizeof(*sc));
	if (sc == NULL)
		return sys_fail(r, "memory");
	memset(sc + r->sc_cap, 0, (size_t)(cap - r->sc_cap) * sizeof(*sc));
	r->sc = sc;
	r->sc_cap = cap;
	return 0;
}

static int srv_accept(struct wl_run *r)
{
	struct bnet *n = r->srv;
	for (;;) {
		int fd = n->ops->accept(n->c, r->lfd);
		if (fd < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : sys_fail(r, "accept");
		if (sc_room(r, fd) < 0)
			return -1;
		if (r->sp->kind != WL_BULK && n->ops->nodelay(n->c, fd) < 0)
			return sys_fail(r, "server TCP_NODELAY");
		struct sconn *k = &r->sc[fd]; /* the header only: in[] is written before read */
		k->sending = 0;
		k->got = k->out = 0;
		k->id = 0;
		k->open = 1;
		r->srv_open++;
		if (ctl(r, n, EPOLL_CTL_ADD, fd, EPOLLIN, ev_data(R_SRV, (uint32_t)fd)) < 0)
			return -1;
	}
}

static int srv_close(struct wl_run *r, int fd)
{
	struct bnet *n = r->srv;
	r->sc[fd].open = 0;
	r->srv_open--;
	if (n->ops->close(n->c, fd) < 0)
		return sys_fail(r, "server close");
	return 0;
}

/* Write (the rest of) the response; short connections close after it. */
static int srv_respond(struct wl_run *r, int fd)
{
	struct bnet *n = r->srv;
	struct sconn *k = &r->sc[fd];
	uint8_t out[MSG_MAX];
	msg_fill(out, r->sp->msg, k->id, 1);
	ssize_t m = n->ops->write(n->c, fd, out + k->out, r->sp->msg - k->out);
	if (m < 0 && errno != EAGAIN)
		return sys_fail(r, "server write");
	k->out += m > 0 ? (uint32_t)m : 0;
	int more = k->out < r->sp->msg;
	if (more != k->sending) { /* wait for room only while something is left */
		k->sending = more;
		if (ctl(r, n, EPOLL_CTL_MOD, fd, more ? EPOLLOUT : EPOLLIN, ev_data(R_SRV, (uint32_t)fd)) < 0)
			return -1;
	}
	if (!more && r->sp->kind == WL_SHORT)
		return srv_close(r, fd);
	return 0;
}

static int srv_request(struct wl_run *r, int fd)
{
	struct sconn *k = &r->sc[fd];
	if (msg_check(k->in, r->sp->msg, 0, &k->id) < 0)
		return wl_fail(r, "server: corrupt request on socket %d", fd);
	k->got = 0;
	k->out = 0;
	return srv_respond(r, fd);
}

static int srv_rr(struct wl_run *r, int fd)
{
	struct bnet *n = r->srv;
	struct sconn *k = &r->sc[fd];
	if (k->sending)
		return srv_respond(r, fd);
	while (k->open) {
		ssize_t m = n->ops->read(n->c, fd, k->in + k->got, r->sp->msg - k->got);
		if (m < 0)
			return errno == EAGAIN ? 0 : sys_fail(r, "server read");
		if (m == 0 && k->got != 0)
			return wl_fail(r, "server: request cut at %u bytes", k->got);
		if (m == 0)
			return srv_close(r, fd);
		k->got += (uint32_t)m;
		if (k->got == r->sp->msg) /* one request per event: no read just to see EAGAIN */
			return srv_request(r, fd);
	}
	return 0;
}

/* The len bytes at p are the pattern's from r->srv_bytes + off. */
static int bulk_check(struct wl_run *r, const uint8_t *p, size_t len, uint64_t off)
{
	for (size_t k; len > 0; p += k, off += k, len -= k) {
		k = len < BULK_RBUF ? len : BULK_RBUF; /* bulk_at holds BULK_RBUF on */
		if (memcmp(p, bulk_at(r->srv_bytes + off), k) != 0)
			return wl_fail(r, "server: bulk bytes at %llu differ",
				       (unsigned long long)(r->srv_bytes + off));
	}
	return 0;
}

/* Read and check what has come: 1 at EOF, 0 when nothing more is there
 * now, -1 when the run failed. */
static int srv_bulk_read(struct wl_run *r, int fd)
{
	static __thread uint8_t buf[BULK_RBUF];
	struct bnet *n = r->srv;
	for (;;) {
		ssize_t m = n->ops->read(n->c, fd, buf, sizeof(buf));
		if (m < 0)
			return errno == EAGAIN ? 0 : sys_fail(r, "server read");
		if (m == 0)
			return 1;
		if (bulk_check(r, buf, (size_t)m, 0) < 0)
			return -1;
		r->srv_bytes += (uint64_t)m;
	}
}

/* The same with the zero-copy calls (--zc): the bytes checked where they
 * lie in the receive ring, then consumed; no copy out. */
static int srv_bulk_zc(struct wl_run *r, int fd)
{
	struct bnet *n = r->srv;
	struct iovec v[2];
	for (;;) {
		ssize_t m = n->ops->recv_zc(n->c, fd, v, 2);
		if (m < 0)
			return errno == EAGAIN ? 0 : sys_fail(r, "server recv_zc");
		if (m == 0)
			return 1;
		if (bulk_check(r, v[0].iov_base, v[0].iov_len, 0) < 0 ||
		    bulk_check(r, v[1].iov_base, v[1].iov_len, v[0].iov_len) < 0)
			return -1;
		if (n->ops->recv_zc_done(n->c, fd, (size_t)m) < 0)
			return sys_fail(r, "server recv_zc_done");
		r->srv_bytes += (uint64_t)m;
	}
}

static int srv_bulk(struct wl_run *r, int fd)
{
	int zc = r->sp->zc && r->srv->ops->recv_zc != NULL;
	int eof = zc ? srv_bulk_zc(r, fd) : srv_bulk_read(r, fd);
	if (eof <= 0)
		return eof;
	if ((r->cli != NULL && r->srv_bytes != r->sent) || r->srv_bytes == 0)
		return wl_fail(r, "server: EOF after %llu of %llu bytes",
			       (unsigned long long)r->srv_bytes, (unsigned long long)r->sent);
	measure_end(r);
	return srv_close(r, fd);
}

/* ---- client ---------------------------------------------------------------------- */

static int cli_connect(struct wl_run *r, int i)
{
	struct bnet *n = r->cli;
	struct cconn *k = &r->cc[i];
	k->fd = n->ops->socket(n->c);
	if (k->fd < 0)
		return sys_fail(r, "client socket");
	if (r->sp->kind != WL_BULK && n->ops->nodelay(n->c, k->fd) < 0)
		return sys_fail(r, "client TCP_NODELAY");
	if (n->ops->connect(n->c, k->fd, r->srv_ip, r->port) < 0 && errno != EINPROGRESS)
		return sys_fail(r, "connect");
	k->state = C_CONNECTING;
	k->events = EPOLLOUT;
	k->got = k->out = 0;
	r->cli_open++;
	if (r->sp->kind == WL_SHORT)
		k->id = r->issued++;
	return ctl(r, n, EPOLL_CTL_ADD, k->fd, EPOLLOUT, ev_data(R_CLI, (uint32_t)i));
}

static int cli_close(struct wl_run *r, int i)
{
	struct bnet *n = r->cli;
	struct cconn *k = &r->cc[i];
	int fd = k->fd;
	k->fd = -1;
	k->state = C_FREE;
	r->cli_open--;
	if (n->ops->close(n->c, fd) < 0)
		return sys_fail(r, "client close");
	if (r->cli_open == 0 && (r->sp->kind != WL_BULK || r->srv == NULL))
		measure_end(r); /* bulk with both sides: the server ends it at EOF */
	return 0;
}

/* Register connection i for `events` if it is not already. */
static int cli_want(struct wl_run *r, int i, uint32_t events)
{
	struct cconn *k = &r->cc[i];
	if (k->events == events)
		return 0;
	k->events = events;
	return ctl(r, r->cli, EPOLL_CTL_MOD, k->fd, events, ev_data(R_CLI, (uint32_t)i));
}

/* Write (the rest of) the request of connection i. */
static int cli_send(struct wl_run *r, int i)
{
	struct bnet *n = r->cli;
	struct cconn *k = &r->cc[i];
	uint8_t out[MSG_MAX];
	if (k->state != C_SENDING) {
		k->out = 0;
		k->got = 0;
		if (r->sp->kind == WL_LATENCY)
			k->t_sent = wall_now();
	}
	msg_fill(out, r->sp->msg, k->id, 0);
	ssize_t m = n->ops->write(n->c, k->fd, out + k->out, r->sp->msg - k->out);
	if (m < 0 && errno != EAGAIN)
		return sys_fail(r, "client write");
	k->out += m > 0 ? (uint32_t)m : 0;
	int more = k->out < r->sp->msg;
	k->state = more ? C_SENDING : C_WAITING;
	return cli_want(r, i, more ? EPOLLOUT : EPOLLIN);
}

static int cli_next(struct wl_run *r, int i)
{
	if (r->sp->kind == WL_SHORT) {
		if (cli_close(r, i) < 0)
			return -1;
		return want_more(r) ? cli_connect(r, i) : 0;
	}
	if (!want_more(r))
		return cli_close(r, i);
	r->cc[i].id = r->issued++;
	r->cc[i].state = C_IDLE;
	return cli_send(r, i);
}

/* The response of connection i is complete and verified. */
static int cli_response(struct wl_run *r, int i)
{
	struct cconn *k = &r->cc[i];
	uint64_t id;
	if (msg_check(k->in, r->sp->msg, 1, &id) < 0 || id != k->id)
		return wl_fail(r, "client: corrupt response (transaction %llu)",
			       (unsigned long long)k->id);
	if (r->sp->kind == WL_LATENCY)
		r->lat[r->nlat++] = wall_now() - k->t_sent;
	if (r->sp->kind == WL_SHORT) {
		k->state = C_EOF;
		return 0;
	}
	r->done++;
	return cli_next(r, i);
}

static int cli_read(struct wl_run *r, int i)
{
	struct bnet *n = r->cli;
	struct cconn *k = &r->cc[i];
	uint8_t extra[16];
	while (k->state == C_WAITING || k->state == C_EOF) {
		int eof_wait = k->state == C_EOF;
		ssize_t m = eof_wait ? n->ops->read(n->c, k->fd, extra, sizeof(extra))
				     : n->ops->read(n->c, k->fd, k->in + k->got, r->sp->msg - k->got);
		if (m < 0)
			return errno == EAGAIN ? 0 : sys_fail(r, "client read");
		if (m == 0 && eof_wait) {
			r->done++;
			return cli_next(r, i);
		}
		if (m == 0 || eof_wait)
			return wl_fail(r, "client: %s after %u response bytes",
				       m ? "data after the response" : "EOF", k->got);
		k->got += (uint32_t)m;
		if (k->got < r->sp->msg)
			continue;
		if (cli_response(r, i) < 0)
			return -1;
		if (r->sp->kind != WL_SHORT)
			return 0; /* the next request is out: its response is a new event */
	}
	return 0;
}

static int cli_kick_all(struct wl_run *r)
{
	measure_begin(r);
	for (int i = 0; i < r->sp->conns; i++) {
		if (!want_more(r)) {
			if (cli_close(r, i) < 0)
				return -1;
			continue;
		}
		r->cc[i].id = r->issued++;
		if (cli_send(r, i) < 0)
			return -1;
	}
	return 0;
}

/* Write up to len bytes of the pattern from r->sent: write(), or with the
 * zero-copy calls (--zc) the pattern copied into the send ring's room
 * (the copy write() would make) and committed. */
static ssize_t cli_bulk_put(struct wl_run *r, int fd, size_t len)
{
	struct bnet *n = r->cli;
	if (!r->sp->zc || n->ops->send_zc_reserve == NULL)
		return n->ops->write(n->c, fd, bulk_at(r->sent), len);
	struct iovec v[2];
	if (n->ops->send_zc_reserve(n->c, fd, v, 2) < 0)
		return -1;
	size_t done = 0;
	for (int j = 0; j < 2 && done < len; j++) {
		size_t k = v[j].iov_len < len - done ? v[j].iov_len : len - done;
		if (k == 0) /* no second span: its base is NULL */
			break;
		memcpy(v[j].iov_base, bulk_at(r->sent + done), k);
		done += k;
	}
	return n->ops->send_zc_commit(n->c, fd, done);
}

static int cli_bulk_write(struct wl_run *r, int i)
{
	struct bnet *n = r->cli;
	struct cconn *k = &r->cc[i];
	while (r->sent < r->sp->count && !r->stop) {
		uint64_t left = r->sp->count - r->sent;
		size_t len = left < r->sp->wsize ? (size_t)left : r->sp->wsize;
		ssize_t m = cli_bulk_put(r, k->fd, len);
		if (m < 0)
			return errno == EAGAIN ? cli_want(r, i, EPOLLOUT) : sys_fail(r, "client write");
		r->sent += (uint64_t)m;
		if (wall_now() - r->t0.wall > r->sp->max_wall)
			r->stop = 1;
	}
	k->state = C_BULK_FIN;
	if (n->ops->shutdown_wr(n->c, k->fd) < 0)
		return sys_fail(r, "shutdown");
	return cli_want(r, i, EPOLLIN);
}

static int cli_connected(struct wl_run *r, int i)
{
	struct bnet *n = r->cli;
	struct cconn *k = &r->cc[i];
	int err = n->ops->so_error(n->c, k->fd);
	if (err != 0)
		return wl_fail(r, "connect: %s", strerror(err));
	switch (r->sp->kind) {
	case WL_SHORT:
		return cli_send(r, i);
	case WL_BULK:
		k->state = C_BULK;
		measure_begin(r);
		return cli_bulk_write(r, i);
	default:
		k->state = C_IDLE; /* EPOLLIN only: an early EOF shows */
		if (cli_want(r, i, EPOLLIN) < 0)
			return -1;
		return ++r->cli_ready == r->sp->conns ? cli_kick_all(r) : 0;
	}
}

static int cli_event(struct wl_run *r, int i, uint32_t events)
{
	struct cconn *k = &r->cc[i];
	switch (k->state) {
	case C_CONNECTING:
		return cli_connected(r, i);
	case C_SENDING:
		return cli_send(r, i);
	case C_WAITING:
	case C_EOF:
		return cli_read(r, i);
	case C_BULK:
		return cli_bulk_write(r, i);
	case C_BULK_FIN: {
		char b[16];
		ssize_t m = r->cli->ops->read(r->cli->c, k->fd, b, sizeof(b));
		if (m < 0 && errno == EAGAIN)
			return 0;
		return m == 0 ? cli_close(r, i) : wl_fail(r, "client: bulk: unexpected read %zd", m);
	}
	default:
		return wl_fail(r, "client: event %#x on connection %d in state %d", events, i,
			       k->state);
	}
}

int wl_client_start(struct wl_run *r)
{
	const struct wl_spec *sp = r->sp;
	int n = sp->kind == WL_SHORT && sp->count < (uint64_t)sp->conns ? (int)sp->count : sp->conns;
	if (sp->kind == WL_SHORT)
		measure_begin(r);
	for (int i = 0; i < n; i++)
		if (cli_connect(r, i) < 0)
			return -1;
	return 0;
}

int wl_dispatch(struct wl_run *r, struct bnet *net, const struct epoll_event *ev)
{
	uint32_t idx = (uint32_t)ev->data.u64;
	(void)net;
	if (r->failed)
		return -1;
	switch ((enum role)(ev->data.u64 >> 32)) {
	case R_LISTEN:
		return srv_accept(r);
	case R_SRV:
		if (idx >= (uint32_t)r->sc_cap || !r->sc[idx].open)
			return wl_fail(r, "server: event for closed socket %u", idx);
		return r->sp->kind == WL_BULK ? srv_bulk(r, (int)idx) : srv_rr(r, (int)idx);
	case R_CLI:
		return cli_event(r, (int)idx, ev->events);
	}
	return wl_fail(r, "unknown event data %#llx", (unsigned long long)ev->data.u64);
}

int wl_client_finished(const struct wl_run *r)
{
	return r->failed || (r->started && r->cli_open == 0 && r->measured);
}

int wl_server_finished(const struct wl_run *r)
{
	int client_done = r->cli != NULL ? wl_client_finished(r) : r->peer_done;
	return r->failed || (client_done && r->srv_open == 0);
}

int wl_client_fd(const struct wl_run *r, int i)
{
	return i >= 0 && i < r->sp->conns ? r->cc[i].fd : -1;
}

int wl_server_fd_open(const struct wl_run *r, int fd)
{
	return fd >= 0 && fd < r->sc_cap && r->sc[fd].open;
}

/* ---- figures ----------------------------------------------------------------------- */

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void wl_result(const struct wl_run *r, struct wl_result *res)
{
	memset(res, 0, sizeof(*res));
	res->ok = !r->failed && r->measured;
	snprintf(res->why, sizeof(res->why), "%s", r->failed ? r->why : r->measured ? "" : "not measured");
	res->units = r->sp->kind == WL_BULK ? r->srv_bytes : r->done;
	res->cpu = r->t1.cpu - r->t0.cpu;
	res->user = r->t1.user - r->t0.user;
	res->sys = r->t1.sys - r->t0.sys;
	res->wall = r->t1.wall - r->t0.wall;
	if (r->nlat > 0) {
		qsort(r->lat, r->nlat, sizeof(*r->lat), dcmp);
		res->p50 = r->lat[(r->nlat - 1) / 2];
		res->p99 = r->lat[(r->nlat - 1) * 99 / 100];
	}
}
