/*
 * tools/sim_tcp.c - utcp-sim's TCP scenarios, ordinary socket + epoll
 * applications run as coroutines on the simulated hosts (one per context):
 *
 *   transfer  B connects K flows to A and writes N bytes on each, then
 *             half-closes; with --both-ways A writes N bytes back.  Every
 *             byte is checked against the pattern it was written with, and
 *             a digest of each stream is compared end to end.
 *   rr        request/response: C connections in flight, R requests in
 *             all, S bytes each way, a new connection per request unless
 *             --persistent.
 *
 * While the world runs, every step checks the invariants of every
 * connection of both hosts (utcp_ctx_check_invariants).  When the
 * applications are done they keep driving their contexts until every
 * connection has gone, TIME-WAIT included; a socket, TCB or packet buffer
 * left at the end fails the run.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/tcp/tcp.h"
#include "tools/sim_tcp.h"

#define IO_CHUNK 65536

/* ---- shared by both scenarios -------------------------------------------------- */

/* The byte at offset i of a stream in direction dir (0: B->A, 1: A->B). */
static inline uint8_t pat_byte(int dir, uint64_t i)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ (uint32_t)(i >> 32) ^ (dir ? 0x5a5a5a5au : 0x3c3c3c3cu);
	return (uint8_t)(x >> 13);
}

static void pat_fill(uint8_t *b, int dir, uint64_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pat_byte(dir, off + i);
}

/* Offset of the first byte that differs from the pattern, or -1. */
static int64_t pat_check(const uint8_t *b, int dir, uint64_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != pat_byte(dir, off + i))
			return (int64_t)(off + i);
	return -1;
}

/* FNV-1a, 64 bits: the digest of a stream as written and as read. */
static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ull

/* Invariants of both hosts, checked at every step of the world. */
struct watch {
	struct testbed *tb;
	char msg[160];
};

static int watch_step(struct utcp_sim_world *w, void *arg)
{
	struct watch *wa = arg;
	(void)w;
	sim_timed_step(wa->tb);
	for (int i = 0; i < 2; i++) {
		struct utcp_sim_host *h = wa->tb->host[i];
		for (int c = 0; c < utcp_sim_host_nb_ctx(h); c++)
			if (utcp_ctx_check_invariants(utcp_sim_host_ctx(h, c), wa->msg,
						      sizeof(wa->msg)) < 0)
				return 1;
	}
	return utcp_sim_host_coros_done(wa->tb->host[0]) &&
	       utcp_sim_host_coros_done(wa->tb->host[1]);
}

/* Run the world until every coroutine returned; invariants on each step. */
void run_apps(struct testbed *tb, utcp_time_t bound, struct verdict *v)
{
	struct watch wa = { .tb = tb };
	char b[32];
	switch (utcp_sim_world_run_until(tb->w, watch_step, &wa,
					 utcp_sim_world_now(tb->w) + bound)) {
	case UTCP_SIM_DONE:
		if (wa.msg[0] != 0)
			fail_at(v, "invariant broken at %s: %s",
				fmt_dur(b, sizeof(b), utcp_sim_world_now(tb->w)), wa.msg);
		break;
	case UTCP_SIM_BOUND:
		fail_at(v, "did not finish within %s of virtual time", fmt_dur(b, sizeof(b), bound));
		break;
	case UTCP_SIM_IDLE:
		fail_at(v, "the world went idle at %s before the applications finished",
			fmt_dur(b, sizeof(b), utcp_sim_world_now(tb->w)));
		break;
	case UTCP_SIM_ERROR:
		fail_at(v, "simulation stopped at %s: %s",
			fmt_dur(b, sizeof(b), utcp_sim_world_now(tb->w)),
			errno == ELOOP ? "livelock (no progress in virtual time)" : strerror(errno));
		break;
	}
}

/* The stack's own give-up times (core/tcp/tcp.h, the config's defaults,
 * which the testbed keeps for TIME-WAIT; its idle timeout is off): a FIN
 * sent TCP_DATA_RETRIES + 1 times, each wait at most TCP_RTO_MAX (RFC 6298
 * §2.5), then an orphan's FIN-WAIT-2, then TIME-WAIT.  900 s. */
utcp_time_t tcp_drain_bound(void)
{
	struct utcp_config cfg;
	utcp_config_defaults(&cfg);
	return (utcp_time_t)(TCP_DATA_RETRIES + 1) * TCP_RTO_MAX + TCP_FIN_WAIT_2_TIMEOUT +
	       (utcp_time_t)cfg.tcp_timewait * UTCP_NSEC_PER_SEC;
}

/* An application that is done keeps driving its context until its closed
 * connections are gone, TIME-WAIT included, so that the run ends with an
 * empty stack to check (the world would poll it once every coroutine has
 * returned, but the run stops there). */
void drain(struct utcp_ctx *ctx)
{
	struct utcp_sock_usage u;
	utcp_time_t end = utcp_ctx_now(ctx) + TCP_DRAIN_BOUND;
	for (;;) {
		utcp_ctx_sock_usage(ctx, &u);
		if (u.tcbs == 0 || utcp_ctx_now(ctx) > end)
			return;
		if (utcp_ctx_wait(ctx, utcp_ctx_now(ctx) + 100 * UTCP_NSEC_PER_MSEC) < 0)
			return;
	}
}

/* Nothing may be left on either host once the applications are done. */
void check_empty(const struct testbed *tb, struct verdict *v)
{
	for (int i = 0; i < 2; i++) {
		struct utcp_sim_host *h = tb->host[i];
		for (int c = 0; c < utcp_sim_host_nb_ctx(h); c++) {
			struct utcp_sock_usage u;
			utcp_ctx_sock_usage(utcp_sim_host_ctx(h, c), &u);
			if (u.sockets || u.tcbs || u.rcvbufs || u.sndbufs)
				fail_at(v, "host %s core %d: %u sockets, %u connections (%u in "
					"TIME-WAIT) left at the end", utcp_sim_host_name(h), c,
					u.sockets, u.tcbs, u.timewait);
		}
	}
}

/* A listening nonblocking socket on TCP_PORT and an epoll set holding it. */
int listen_on(struct utcp_ctx *ctx, int *ep, int backlog)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(TCP_PORT) };
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
	int l = utcp_socket(ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	*ep = utcp_epoll_create1(ctx, 0);
	if (l < 0 || *ep < 0 || utcp_bind(ctx, l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    utcp_listen(ctx, l, backlog) < 0 || utcp_epoll_ctl(ctx, *ep, EPOLL_CTL_ADD, l, &e) < 0)
		return -1;
	return l;
}

/* A nonblocking connect to A:TCP_PORT; the socket, or -1. */
int connect_to(struct utcp_ctx *ctx, uint32_t ip, uint16_t *lport)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(TCP_PORT),
				  .sin_addr.s_addr = ip };
	socklen_t sl = sizeof(sa);
	int s = utcp_socket(ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -1;
	if (utcp_connect(ctx, s, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		int e = errno;
		utcp_close(ctx, s);
		errno = e;
		return -1;
	}
	if (lport != NULL && utcp_getsockname(ctx, s, (struct sockaddr *)&sa, &sl) == 0)
		*lport = ntohs(sa.sin_port);
	return s;
}

void print_tcp_counters(const struct testbed *tb)
{
	for (int i = 0; i < 2; i++) {
		struct utcp_stats s;
		utcp_sim_host_stats(tb->host[i], &s);
		printf("host %s: segments rx %" PRIu64 " tx %" PRIu64 "; retransmits %" PRIu64
		       " rto %" PRIu64 " fast-retransmits %" PRIu64 " fast-recoveries %" PRIu64
		       " sack-recoveries %" PRIu64 " dup-acks %" PRIu64 " ooo %" PRIu64
		       " sack-blocks-tx %" PRIu64 " dsack-tx %" PRIu64 " hystart-exits %" PRIu64
		       " syn-retransmits %" PRIu64 " timeouts %" PRIu64 " idle-timeouts %" PRIu64
		       " rack-lost %" PRIu64 " tlp-probes %" PRIu64 " tlp-recoveries %" PRIu64
		       "; drops %" PRIu64,
		       utcp_sim_host_name(tb->host[i]), s.tcp_rx, s.tcp_tx, s.tcp_retransmits,
		       s.tcp_rto, s.tcp_fast_retransmits, s.tcp_fast_recoveries,
		       s.tcp_sack_recoveries, s.tcp_dup_acks, s.tcp_ooo_segs, s.tcp_sack_blocks_tx,
		       s.tcp_dsack_tx, s.tcp_hystart_exits, s.tcp_syn_retransmits, s.tcp_timeouts,
		       s.tcp_idle_timeouts, s.tcp_rack_marks, s.tcp_tlp_probes, s.tcp_tlp_recoveries,
		       utcp_stats_drops(&s));
		print_drops(&s);
	}
	struct utcp_sim_link_stats ls[2];
	if (utcp_sim_link_get_stats(tb->link, 0, &ls[0]) == 0 &&
	    utcp_sim_link_get_stats(tb->link, 1, &ls[1]) == 0 &&
	    ls[0].mtu_drops + ls[1].mtu_drops > 0) {
		struct utcp_stats a, b;
		utcp_sim_host_stats(tb->host[0], &a);
		utcp_sim_host_stats(tb->host[1], &b);
		printf("path MTU: mtu-drops %" PRIu64 " icmp-needfrag %" PRIu64
		       " pmtu-updates A %" PRIu64 " B %" PRIu64 "\n",
		       ls[0].mtu_drops + ls[1].mtu_drops, ls[0].icmp_needfrag + ls[1].icmp_needfrag,
		       a.tcp_pmtu_updates, b.tcp_pmtu_updates);
	}
}

void sum_stats(const struct testbed *tb, struct utcp_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < 2; i++) {
		struct utcp_stats s;
		utcp_sim_host_stats(tb->host[i], &s);
		utcp_stats_add(sum, &s);
	}
}


void common_defaults(struct tcp_common_opts *c, uint64_t buf)
{
	c->rcvbuf = c->sndbuf = buf;
	c->cc[0] = '\0';
	c->limit = 600 * UTCP_NSEC_PER_SEC;
}


/* A common option: 0 taken, -1 bad value, 1 not a common option. */
int common_opt(struct tcp_common_opts *c, int opt, const char *v)
{
	switch (opt) {
	case OPT_RCVBUF: return parse_size(v, 1024, 64u << 20, &c->rcvbuf);
	case OPT_SNDBUF: return parse_size(v, 1024, 64u << 20, &c->sndbuf);
	case OPT_LIMIT: return parse_time(v, &c->limit) < 0 || c->limit == 0 ? -1 : 0;
	case OPT_CC:
		if (strlen(v) >= sizeof(c->cc))
			return -1;
		strcpy(c->cc, v);
		return 0;
	case 'h':
		sim_usage(stdout);
		exit(0);
	}
	return 1;
}

void common_config(struct utcp_config *cfg, const struct tcp_common_opts *c)
{
	cfg->rcvbuf = (int)c->rcvbuf;
	cfg->sndbuf = (int)c->sndbuf;
	/* mTCP's idle timeout (tcp_timeout, 30 s by default) would cut a
	 * connection whose retransmissions back off past it on a lossy link;
	 * here connections end by the RFC's retry limits only. */
	cfg->tcp_timeout = -1;
	if (c->cc[0] != '\0')
		snprintf(cfg->cc, sizeof(cfg->cc), "%s", c->cc);
}

/* getopt over a scenario's options; per-scenario ones go to fn. */
int parse_scenario(const char *name, int argc, char **argv, const char *shortopts,
			  const struct option *longopts, struct tcp_common_opts *c,
			  int (*fn)(void *so, int opt, const char *v), void *so)
{
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == ':' || opt == '?') {
			usage_error(opt == ':' ? "%s: %s needs a value" : "%s: unknown option '%s'",
				    name, argv[optind - 1]);
			return EXIT_USAGE;
		}
		int r = common_opt(c, opt, optarg);
		if (r == 1)
			r = fn(so, opt, optarg);
		if (r != 0) {
			usage_error("%s: bad value '%s' for %s", name, optarg,
				    opt_name(longopts, opt));
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_error("%s: unexpected argument '%s'", name, argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- scenario: transfer ---------------------------------------------------------- */

#define XFER_MAX_FLOWS 1024

struct xfer_opts {
	struct tcp_common_opts c;
	uint64_t bytes;
	uint64_t flows;
	int both_ways;
};

struct xfer_flow {
	uint16_t lport;                 /* B's port: how A finds the flow */
	utcp_time_t start, end[2];      /* connect; last byte read per direction */
	uint64_t wdigest[2], rdigest[2];
	uint64_t got[2];
	int done;
};

struct xfer {
	const struct xfer_opts *xo;
	struct testbed *tb;
	struct xfer_flow *flow;
	uint64_t nflows, srv_closed, cli_done;
	struct verdict *v;
	int failed;
};

/* One endpoint of one flow, on either host. */
struct xfer_conn {
	struct xfer *x;
	struct xfer_flow *f;            /* NULL on A until its port is known */
	int fd, side;                   /* side 0: B (client), 1: A (server) */
	uint64_t sent, got, wdigest, rdigest;
	int eof, shut;
	uint32_t mask;                  /* epoll events registered */
};

struct xfer_core {
	struct xfer *x;
	int core;
};

static void xfer_fail(struct xfer *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void xfer_fail(struct xfer *x, const char *fmt, ...)
{
	va_list ap;
	char msg[160];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_at(x->v, "%s", msg);
	x->failed = 1;
}

/* Bytes each side writes: B always, A only with --both-ways. */
static uint64_t xfer_to_send(const struct xfer_conn *k)
{
	return k->side == 0 || k->x->xo->both_ways ? k->x->xo->bytes : 0;
}

static int xfer_read(struct utcp_ctx *ctx, struct xfer_conn *k)
{
	static uint8_t buf[IO_CHUNK];
	int dir = k->side == 0 ? 1 : 0;  /* what this side reads */
	uint64_t want = dir == 1 ? (k->x->xo->both_ways ? k->x->xo->bytes : 0) : k->x->xo->bytes;
	for (;;) {
		ssize_t n = utcp_read(ctx, k->fd, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			xfer_fail(k->x, "%s read: %s", k->side ? "A" : "B", strerror(errno));
			return -1;
		}
		if (n == 0) {
			k->eof = 1;
			if (k->got != want) {
				xfer_fail(k->x, "%s: stream ended at %" PRIu64 " of %" PRIu64
					  " bytes", k->side ? "A" : "B", k->got, want);
				return -1;
			}
			return 0;
		}
		int64_t bad = pat_check(buf, dir, k->got, (size_t)n);
		if (bad >= 0 || k->got + (uint64_t)n > want) {
			xfer_fail(k->x, "%s: byte %" PRId64 " differs from what was written",
				  k->side ? "A" : "B", bad >= 0 ? bad : (int64_t)want);
			return -1;
		}
		k->rdigest = fnv(k->rdigest, buf, (size_t)n);
		k->got += (size_t)n;
		if (k->f != NULL && k->got == want)
			k->f->end[dir] = utcp_ctx_now(ctx);
	}
}

static int xfer_write(struct utcp_ctx *ctx, struct xfer_conn *k)
{
	static uint8_t buf[IO_CHUNK];
	uint64_t total = xfer_to_send(k);
	int dir = k->side == 0 ? 0 : 1;
	while (k->sent < total) {
		size_t want = total - k->sent < sizeof(buf) ? (size_t)(total - k->sent) : sizeof(buf);
		pat_fill(buf, dir, k->sent, want);
		ssize_t n = utcp_write(ctx, k->fd, buf, want);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			xfer_fail(k->x, "%s write: %s", k->side ? "A" : "B", strerror(errno));
			return -1;
		}
		k->wdigest = fnv(k->wdigest, buf, (size_t)n);
		k->sent += (size_t)n;
	}
	if (!k->shut) {
		k->shut = 1;
		if (utcp_shutdown(ctx, k->fd, SHUT_WR) < 0) {
			xfer_fail(k->x, "shutdown: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Record the stream digests in the flow (A learns its flow by B's port). */
static void xfer_record(struct xfer_conn *k)
{
	if (k->f == NULL)
		return;
	int wdir = k->side == 0 ? 0 : 1;
	k->f->wdigest[wdir] = k->wdigest;
	k->f->rdigest[!wdir] = k->rdigest;
	k->f->got[!wdir] = k->got;
}

/* One event on a connection; 1 when it is finished and closed. */
static int xfer_step(struct utcp_ctx *ctx, int ep, struct xfer_conn *k, uint32_t ev)
{
	if (ev & EPOLLERR) {
		int e = 0;
		socklen_t el = sizeof(e);
		utcp_getsockopt(ctx, k->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		xfer_fail(k->x, "%s: connection error: %s", k->side ? "A" : "B", strerror(e));
		return -1;
	}
	if ((ev & EPOLLOUT) && xfer_write(ctx, k) < 0)
		return -1;
	if ((ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) && xfer_read(ctx, k) < 0)
		return -1;
	uint32_t mask = (k->eof ? 0 : EPOLLIN | EPOLLRDHUP) | (k->shut ? 0 : EPOLLOUT);
	if (mask == 0) {
		xfer_record(k);
		utcp_close(ctx, k->fd);
		return 1;
	}
	if (mask != k->mask) {
		struct epoll_event e = { .events = mask, .data.ptr = k };
		k->mask = mask;
		utcp_epoll_ctl(ctx, ep, EPOLL_CTL_MOD, k->fd, &e);
	}
	return 0;
}

static struct xfer_flow *xfer_flow_by_port(struct xfer *x, uint16_t port)
{
	for (uint64_t i = 0; i < x->nflows; i++)
		if (x->flow[i].lport == port)
			return &x->flow[i];
	return NULL;
}

static void xfer_accept(struct utcp_ctx *ctx, int l, int ep, struct xfer *x)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd;
	while ((fd = utcp_accept(ctx, l, (struct sockaddr *)&sa, &sl)) >= 0) {
		struct xfer_conn *k = calloc(1, sizeof(*k));
		if (k == NULL) {
			xfer_fail(x, "out of memory");
			utcp_close(ctx, fd);
			return;
		}
		*k = (struct xfer_conn){ .x = x, .fd = fd, .side = 1, .wdigest = FNV_INIT,
					 .rdigest = FNV_INIT,
					 .f = xfer_flow_by_port(x, ntohs(sa.sin_port)) };
		k->mask = EPOLLIN | EPOLLRDHUP | (xfer_to_send(k) > 0 ? EPOLLOUT : 0);
		k->shut = xfer_to_send(k) == 0; /* nothing to send: the close sends the FIN */
		struct epoll_event e = { .events = k->mask, .data.ptr = k };
		utcp_setsock_nonblock(ctx, fd);
		utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, fd, &e);
		sl = sizeof(sa);
	}
	if (errno != EAGAIN)
		xfer_fail(x, "accept: %s", strerror(errno));
}

/* A: accept flows on this core, read (and write back), close on EOF. */
static int xfer_server(void *arg)
{
	struct xfer_core *xc = arg;
	struct xfer *x = xc->x;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(x->tb->host[0], xc->core);
	struct epoll_event evs[64];
	int ep, l = listen_on(ctx, &ep, 1024);
	if (l < 0)
		xfer_fail(x, "A: listen: %s", strerror(errno));
	while (!x->failed && x->srv_closed < x->nflows) {
		int n = utcp_epoll_wait(ctx, ep, evs, 64, 100);
		if (n < 0)
			break;
		for (int i = 0; i < n && !x->failed; i++) {
			struct xfer_conn *k = evs[i].data.ptr;
			if (k == NULL) {
				xfer_accept(ctx, l, ep, x);
			} else if (xfer_step(ctx, ep, k, evs[i].events) != 0) {
				x->srv_closed++;
				free(k); /* a failed connection is abandoned with the run */
			}
		}
	}
	utcp_close(ctx, l);
	utcp_close(ctx, ep);
	drain(ctx);
	return 0;
}

/* B: open this core's flows (flow i runs on core i mod cores). */
static int xfer_client(void *arg)
{
	struct xfer_core *xc = arg;
	struct xfer *x = xc->x;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(x->tb->host[1], xc->core);
	int cores = utcp_sim_host_nb_ctx(x->tb->host[1]), ep = utcp_epoll_create1(ctx, 0);
	uint64_t mine = 0, closed = 0;
	struct xfer_conn *conns = calloc(x->nflows, sizeof(*conns));
	struct epoll_event evs[64];
	for (uint64_t i = (uint64_t)xc->core; conns != NULL && i < x->nflows; i += (uint64_t)cores) {
		struct xfer_conn *k = &conns[mine++];
		*k = (struct xfer_conn){ .x = x, .f = &x->flow[i], .side = 0, .wdigest = FNV_INIT,
					 .rdigest = FNV_INIT, .mask = EPOLLIN | EPOLLRDHUP | EPOLLOUT };
		k->f->start = utcp_ctx_now(ctx);
		k->fd = connect_to(ctx, x->tb->ip[0], &k->f->lport);
		struct epoll_event e = { .events = k->mask, .data.ptr = k };
		if (k->fd < 0 || utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, k->fd, &e) < 0) {
			xfer_fail(x, "B: connect: %s", strerror(errno));
			break;
		}
	}
	while (!x->failed && closed < mine) {
		int n = utcp_epoll_wait(ctx, ep, evs, 64, 100);
		if (n < 0)
			break;
		for (int i = 0; i < n && !x->failed; i++)
			if (xfer_step(ctx, ep, evs[i].data.ptr, evs[i].events) != 0)
				closed++;
	}
	x->cli_done += closed;
	utcp_close(ctx, ep);
	drain(ctx);
	free(conns);
	return 0;
}

static void xfer_defaults(void *p)
{
	struct xfer_opts *xo = p;
	common_defaults(&xo->c, 1024 * 1024); /* above a 100 Mbit/s x 20 ms BDP: Linux autotunes to that */
	xo->bytes = 1 << 20;
	xo->flows = 1;
	xo->both_ways = 0;
}

enum { OPT_BYTES = 400, OPT_FLOWS, OPT_BOTH };

static int xfer_opt(void *so, int opt, const char *v)
{
	struct xfer_opts *xo = so;
	switch (opt) {
	case OPT_BYTES: return parse_size(v, 1, 1ull << 40, &xo->bytes);
	case OPT_FLOWS: return parse_u64(v, 1, XFER_MAX_FLOWS, &xo->flows);
	case OPT_BOTH: xo->both_ways = 1; return 0;
	}
	return -1;
}

static int xfer_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "bytes", required_argument, NULL, OPT_BYTES },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "both-ways", no_argument, NULL, OPT_BOTH },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct xfer_opts *xo = p;
	return parse_scenario("transfer", argc, argv, ":h", longopts, &xo->c, xfer_opt, xo);
}

static void xfer_config(struct utcp_config *cfg, int host, const void *p)
{
	const struct xfer_opts *xo = p;
	(void)host;
	common_config(cfg, &xo->c);
}

/* Goodput of direction dir over all flows, and Jain's fairness index. */
static double xfer_goodput(const struct xfer *x, int dir, double *jain)
{
	utcp_time_t t0 = UTCP_TIME_NEVER, t1 = 0;
	double sum = 0, sq = 0;
	for (uint64_t i = 0; i < x->nflows; i++) {
		const struct xfer_flow *f = &x->flow[i];
		double r = f->end[dir] > f->start
				   ? (double)f->got[dir] * 8e9 / (double)(f->end[dir] - f->start)
				   : 0;
		sum += r;
		sq += r * r;
		t0 = f->start < t0 ? f->start : t0;
		t1 = f->end[dir] > t1 ? f->end[dir] : t1;
	}
	*jain = sq > 0 ? sum * sum / ((double)x->nflows * sq) : 0;
	return t1 > t0 ? (double)x->xo->bytes * (double)x->nflows * 8e9 / (double)(t1 - t0) : 0;
}

/* Every stream complete, and its digest as read equal to its digest as written. */
static void xfer_judge(struct xfer *x, const struct sim_opts *o, struct verdict *v)
{
	int dirs = x->xo->both_ways ? 2 : 1;
	for (uint64_t i = 0; i < x->nflows && v->pass; i++)
		for (int d = 0; d < dirs; d++)
			if (x->flow[i].got[d] != x->xo->bytes ||
			    x->flow[i].rdigest[d] != x->flow[i].wdigest[d])
				fail_at(v, "flow %" PRIu64 " %s: %" PRIu64 " of %" PRIu64
					" bytes, digest %016" PRIx64 " read, %016" PRIx64 " written",
					i, d ? "A->B" : "B->A", x->flow[i].got[d], x->xo->bytes,
					x->flow[i].rdigest[d], x->flow[i].wdigest[d]);
	struct utcp_stats s;
	double jain, jain2, up = xfer_goodput(x, 0, &jain), down = 0;
	char r[32];
	sum_stats(x->tb, &s);
	size_t n = (size_t)snprintf(v->summary, sizeof(v->summary),
				    "bytes=%" PRIu64 " flows=%" PRIu64 " goodput=%.2fMbit/s",
				    x->xo->bytes, x->nflows, up / 1e6);
	if (x->xo->both_ways) {
		down = xfer_goodput(x, 1, &jain2);
		n += (size_t)snprintf(v->summary + n, sizeof(v->summary) - n, "+%.2fMbit/s",
				      down / 1e6);
	}
	if (o->link.rate > 0)
		n += (size_t)snprintf(v->summary + n, sizeof(v->summary) - n, " (%.1f%% of %s)",
				      100.0 * up / (double)o->link.rate,
				      fmt_rate(r, sizeof(r), o->link.rate));
	if (x->nflows > 1)
		n += (size_t)snprintf(v->summary + n, sizeof(v->summary) - n, " jain=%.3f", jain);
	snprintf(v->summary + n, sizeof(v->summary) - n,
		 " retransmits=%" PRIu64 " rto=%" PRIu64 " fast-recoveries=%" PRIu64,
		 s.tcp_retransmits, s.tcp_rto, s.tcp_fast_recoveries);
}

static void xfer_print_flows(const struct xfer *x)
{
	char a[32];
	for (uint64_t i = 0; i < x->nflows; i++) {
		const struct xfer_flow *f = &x->flow[i];
		printf("flow %" PRIu64 " (port %u): B->A %" PRIu64 " bytes in %s", i, f->lport,
		       f->got[0], fmt_dur(a, sizeof(a), f->end[0] - f->start));
		if (f->end[0] > f->start)
			printf(" (%.2f Mbit/s)", (double)f->got[0] * 8e3 / (double)(f->end[0] - f->start));
		if (x->xo->both_ways)
			printf(", A->B %" PRIu64 " bytes in %s", f->got[1],
			       fmt_dur(a, sizeof(a), f->end[1] - f->start));
		printf(", digest %016" PRIx64 "\n", f->rdigest[0]);
	}
}

int spawn_per_core(struct testbed *tb, int host, utcp_sim_coro_fn fn, void *arg,
			  size_t size)
{
	for (int c = 0; c < utcp_sim_host_nb_ctx(tb->host[host]); c++)
		if (utcp_sim_host_spawn(tb->host[host], fn, (char *)arg + (size_t)c * size, 0) < 0)
			return -1;
	return 0;
}

static void xfer_run(const struct sim_opts *o, const void *sopts, uint64_t seed, struct verdict *v)
{
	const struct xfer_opts *xo = sopts;
	struct testbed tb;
	struct xfer x = { .xo = xo, .tb = &tb, .nflows = xo->flows, .v = v };
	struct xfer_core xc[2][UTCP_MAX_CORES];
	char err[256];

	x.flow = calloc(xo->flows, sizeof(*x.flow));
	for (int c = 0; c < UTCP_MAX_CORES; c++)
		xc[0][c] = xc[1][c] = (struct xfer_core){ .x = &x, .core = c };
	if (x.flow == NULL) {
		fail_at(v, "setup: out of memory");
	} else if (testbed_open(&tb, o, seed, err, sizeof(err)) < 0) {
		fail_at(v, "setup: %s", err);
	} else if (spawn_per_core(&tb, 0, xfer_server, xc[0], sizeof(xc[0][0])) < 0 ||
		   spawn_per_core(&tb, 1, xfer_client, xc[1], sizeof(xc[1][0])) < 0) {
		fail_at(v, "setup: spawn: %s", strerror(errno));
	} else {
		if (!o->quiet)
			print_link(o, seed);
		run_apps(&tb, xo->c.limit + TCP_DRAIN_BOUND, v);
		check_empty(&tb, v);
		xfer_judge(&x, o, v);
		if (!o->quiet) {
			xfer_print_flows(&x);
			print_tcp_counters(&tb);
		}
	}
	testbed_close(&tb, v);
	free(x.flow);
}

const struct scenario sim_scenario_transfer = {
	.name = "transfer",
	.summary = "B sends N bytes to A on K flows (and A back, --both-ways), checked byte for byte",
	.usage = "transfer [--bytes N (1M; k, M, G suffixes)] [--flows K (1)] [--both-ways]\n"
		 "     [--rcvbuf B] [--sndbuf B] (1M) [--cc cubic|newreno] [--time-limit T (600s)]",
	.opts_size = sizeof(struct xfer_opts),
	.defaults = xfer_defaults,
	.parse = xfer_parse,
	.config = xfer_config,
	.run = xfer_run,
};

/* ---- scenario: rr ------------------------------------------------------------------ */

/* A request that fails counts against the run unless r->tolerant (the
 * attack scenarios), where it is counted and the client goes on. */
static int rr_fail(struct rr *r, const char *what, const char *detail)
{
	if (r->tolerant) {
		r->errors++;
		return 1;
	}
	fail_at(r->v, "%s: %s", what, detail);
	r->failed = 1;
	return -1;
}

static void rr_mod(struct utcp_ctx *ctx, int ep, struct rr_conn *k, uint32_t mask)
{
	if (mask == k->mask)
		return;
	struct epoll_event e = { .events = mask, .data.ptr = k };
	k->mask = mask;
	utcp_epoll_ctl(ctx, ep, EPOLL_CTL_MOD, k->fd, &e);
}

/* Write what is left of this side's message (request or response). */
static int rr_write(struct utcp_ctx *ctx, struct rr_conn *k)
{
	static uint8_t buf[IO_CHUNK];
	uint64_t size = k->r->ro->size;
	while (k->sent < size) {
		size_t want = size - k->sent < sizeof(buf) ? (size_t)(size - k->sent) : sizeof(buf);
		pat_fill(buf, k->side, k->sent, want);
		ssize_t n = utcp_write(ctx, k->fd, buf, want);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			if (k->side == 0)
				rr_fail(k->r, "B write", strerror(errno));
			return -1;
		}
		k->sent += (size_t)n;
	}
	return 0;
}

/* Regions of buf (just read on k) that differ from the pattern: a
 * differing byte within r->corrupt_gap of the previous one joins its region
 * (a spoofed byte may equal the pattern's by chance). */
static uint64_t pat_regions(struct rr_conn *k, const uint8_t *b, size_t n)
{
	uint64_t regions = 0;
	for (size_t i = 0; i < n; i++) {
		if (b[i] == pat_byte(!k->side, k->got + i))
			continue;
		uint64_t at = k->stream + i + 1;
		if (k->bad_end == 0 || at > k->bad_end + k->r->corrupt_gap)
			regions++;
		k->bad_end = at;
	}
	return regions;
}

/* Read the other side's message; 1 when complete, 2 on a clean EOF
 * between messages, 0 for more to come, -1 on error. */
static int rr_read(struct utcp_ctx *ctx, struct rr_conn *k)
{
	static uint8_t buf[IO_CHUNK];
	uint64_t size = k->r->ro->size;
	while (k->got < size) {
		ssize_t n = utcp_read(ctx, k->fd, buf,
				      size - k->got < sizeof(buf) ? (size_t)(size - k->got) : sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n == 0 && k->got == 0)
			return 2;
		if (n <= 0) {
			if (k->side == 0) /* the server counts nothing: its client does */
				rr_fail(k->r, "B read", n == 0 ? "message cut short" : strerror(errno));
			return -1;
		}
		if (pat_check(buf, !k->side, k->got, (size_t)n) >= 0) {
			if (k->r->corrupt_gap) {
				k->r->corrupt += pat_regions(k, buf, (size_t)n);
			} else {
				k->r->tolerant = 0; /* never tolerated: a byte differs */
				rr_fail(k->r, k->side ? "A read" : "B read", "a byte differs");
				return -1;
			}
		}
		k->got += (size_t)n;
		k->stream += (size_t)n;
	}
	return 1;
}

/* A: a connection that failed (reset, timed out) is closed; its client
 * accounts for the request. */
static int rr_serve_drop(struct utcp_ctx *ctx, struct rr_conn *k)
{
	utcp_close(ctx, k->fd);
	return k->r->failed ? -1 : 1;
}

/* A: answer each request; close on the client's EOF.  1 when closed. */
static int rr_serve(struct utcp_ctx *ctx, int ep, struct rr_conn *k, uint32_t ev)
{
	if ((ev & EPOLLOUT) && rr_write(ctx, k) < 0)
		return rr_serve_drop(ctx, k);
	for (;;) {
		if (k->got == k->r->ro->size && k->sent < k->r->ro->size)
			break; /* the response is still being written */
		if (k->got == k->r->ro->size) /* previous exchange done */
			k->got = k->sent = 0;
		int st = rr_read(ctx, k);
		if (st < 0)
			return rr_serve_drop(ctx, k);
		if (st == 2 || (ev & EPOLLERR)) {
			utcp_close(ctx, k->fd);
			return 1;
		}
		if (st == 0)
			break;
		if (rr_write(ctx, k) < 0)
			return rr_serve_drop(ctx, k);
	}
	rr_mod(ctx, ep, k, k->sent < k->r->ro->size && k->got == k->r->ro->size
				   ? EPOLLOUT : EPOLLIN | EPOLLRDHUP);
	return 0;
}

/* A: take what the accept queue holds.  Out of descriptors or buffers
 * (EMFILE, ENFILE, ENOBUFS), the listener leaves the epoll set until a
 * connection closes (the connections wait in the accept queue, as on
 * Linux); a level-triggered listener would otherwise spin. */
static void rr_accept(struct utcp_ctx *ctx, int l, int ep, struct rr *r, int *paused)
{
	int fd;
	while ((fd = utcp_accept(ctx, l, NULL, NULL)) >= 0) {
		struct rr_conn *k = calloc(1, sizeof(*k));
		if (k == NULL) {
			r->tolerant = 0;
			rr_fail(r, "A", "out of memory");
			utcp_close(ctx, fd);
			return;
		}
		*k = (struct rr_conn){ .r = r, .fd = fd, .side = 1, .mask = EPOLLIN | EPOLLRDHUP };
		struct epoll_event e = { .events = k->mask, .data.ptr = k };
		utcp_setsock_nonblock(ctx, fd);
		utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, fd, &e);
		r->srv_open++;
	}
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS) {
		r->accept_refused++;
		utcp_epoll_ctl(ctx, ep, EPOLL_CTL_DEL, l, NULL);
		*paused = 1;
	} else if (errno != EAGAIN) {
		r->tolerant = 0;
		rr_fail(r, "A accept", strerror(errno));
	}
}

static void rr_resume(struct utcp_ctx *ctx, int l, int ep, int *paused)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
	if (*paused && utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, l, &e) == 0)
		*paused = 0;
}

int rr_server(void *arg)
{
	struct rr_core *rc = arg;
	struct rr *r = rc->r;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(r->tb->host[0], rc->core);
	struct epoll_event evs[64];
	int ep, paused = 0, l = listen_on(ctx, &ep, r->backlog ? r->backlog : 4096);
	if (l < 0) {
		r->tolerant = 0;
		rr_fail(r, "A listen", strerror(errno));
	}
	while (!r->failed && !(r->cli_done == utcp_sim_host_nb_ctx(r->tb->host[1]) &&
			       r->srv_open == 0)) {
		int n = utcp_epoll_wait(ctx, ep, evs, 64, 100);
		if (n < 0)
			break;
		for (int i = 0; i < n && !r->failed; i++) {
			struct rr_conn *k = evs[i].data.ptr;
			if (k == NULL) {
				rr_accept(ctx, l, ep, r, &paused);
			} else if (rr_serve(ctx, ep, k, evs[i].events) != 0) {
				r->srv_open--;
				free(k);
				rr_resume(ctx, l, ep, &paused);
			}
		}
	}
	utcp_close(ctx, l);
	utcp_close(ctx, ep);
	drain(ctx);
	return 0;
}

/* B: open a connection for the next request(s); 0 when none is left. */
/* B: a connection for k's requests. */
static int rr_dial(struct utcp_ctx *ctx, int ep, struct rr_conn *k)
{
	struct rr *r = k->r;
	k->sent = k->got = 0;
	k->established = 0;
	k->fd = connect_to(ctx, r->tb->ip[0], NULL);
	k->mask = EPOLLOUT;
	struct epoll_event e = { .events = k->mask, .data.ptr = k };
	if (k->fd < 0 || utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, k->fd, &e) < 0) {
		r->tolerant = 0; /* the client's own resources never run out */
		rr_fail(r, "B connect", strerror(errno));
		return -1;
	}
	return 1;
}

/* An attempt fails when, for each of its syn_retries + 1 SYNs, the SYN or
 * the SYN-ACK it drew is lost (the server's SYN-ACK retransmissions only
 * help, so this bounds the probability from above): q = (1 - (1 - p)^2)^k,
 * p the chance a frame is lost or damaged.  The allowance is the smallest
 * m with P(X > m) < 1e-7 for X ~ Poisson(n q). */
uint64_t syn_timeouts_allowed(const struct sim_opts *o, uint64_t n)
{
	const struct utcp_fault_params *f = &o->link.fault;
	struct utcp_config c;
	if (f->burst_loss > 0)
		return 0;
	utcp_config_defaults(&c);
	double p = f->loss + f->corrupt + o->link.corrupt_fcs;
	double q = 1.0, lambda, term, tail;
	for (int i = 0; i <= c.tcp_syn_retries; i++)
		q *= 1.0 - (1.0 - p) * (1.0 - p);
	lambda = (double)n * q;
	term = exp(-lambda);        /* P(X = 0) */
	tail = 1.0 - term;          /* P(X > 0) */
	uint64_t m = 0;
	while (tail >= 1e-7 && m < n) {
		m++;
		term *= lambda / (double)m;
		tail -= term;
	}
	return m;
}

static int rr_open(struct utcp_ctx *ctx, int ep, struct rr_conn *k)
{
	struct rr *r = k->r;
	uint64_t per = r->ro->persistent ? (r->ro->requests + r->ro->conns - 1) / r->ro->conns : 1;
	if (r->started >= r->ro->requests)
		return 0;
	k->left = r->ro->requests - r->started < per ? r->ro->requests - r->started : per;
	r->started += k->left;
	k->t0 = utcp_ctx_now(ctx);
	return rr_dial(ctx, ep, k);
}

/* B: again for an attempt whose SYNs all went unanswered (RFC 9293
 * §3.10.7.x: the user is told ETIMEDOUT; an application dials again). */
static int rr_redial(struct utcp_ctx *ctx, int ep, struct rr_conn *k)
{
	k->r->syn_timeouts++;
	utcp_close(ctx, k->fd);
	return rr_dial(ctx, ep, k) < 0 ? -1 : 0;
}

/* B: a failed connection (tolerated: st 1) is closed with the requests it
 * still had; they count as errors. */
static int rr_give_up(struct utcp_ctx *ctx, struct rr_conn *k, int st)
{
	if (st == 1) {
		k->r->errors += k->left - 1; /* rr_fail counted one */
		k->left = 0;
		utcp_close(ctx, k->fd);
	}
	return st;
}

/* B (tolerant runs): abandon connections older than r->give_up. */
static void rr_reap(struct utcp_ctx *ctx, int ep, struct rr_conn *conns, uint64_t n,
		    uint64_t *active)
{
	struct rr *r = n > 0 ? conns[0].r : NULL;
	for (uint64_t i = 0; r != NULL && r->give_up && i < n; i++) {
		struct rr_conn *k = &conns[i];
		if (k->left == 0 || utcp_ctx_now(ctx) - k->t0 <= r->give_up)
			continue;
		r->errors += k->left;
		r->reaped++;
		k->left = 0;
		if (r->on_reap != NULL)
			r->on_reap(r->on_reap_arg, ctx, k->fd);
		utcp_abort(ctx, k->fd);
		if (rr_open(ctx, ep, k) <= 0)
			(*active)--;
	}
}

/* B: one event; 1 when the connection is done with (closed). */
static int rr_ask(struct utcp_ctx *ctx, int ep, struct rr_conn *k, uint32_t ev)
{
	struct rr *r = k->r;
	if (ev & EPOLLERR) {
		int e = 0;
		socklen_t el = sizeof(e);
		utcp_getsockopt(ctx, k->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e == ETIMEDOUT && !k->established && r->syn_timeouts < r->syn_allow)
			return rr_redial(ctx, ep, k);
		return rr_give_up(ctx, k, rr_fail(r, "B connection error", strerror(e)));
	}
	k->established = 1;
	if (k->sent < r->ro->size) {
		if (rr_write(ctx, k) < 0)
			return rr_give_up(ctx, k, r->failed ? -1 : 1);
		rr_mod(ctx, ep, k, k->sent < r->ro->size ? EPOLLOUT : EPOLLIN | EPOLLRDHUP);
		return 0;
	}
	int st = rr_read(ctx, k);
	if (st == 2)
		return rr_give_up(ctx, k,
				  rr_fail(r, "B read", "the connection closed before the response"));
	if (st != 1)
		return st == 0 ? 0 : rr_give_up(ctx, k, r->failed ? -1 : 1);
	if (r->deadline && utcp_ctx_now(ctx) - k->t0 > r->deadline)
		r->late++;
	r->lat[r->completed++] = utcp_ctx_now(ctx) - k->t0;
	r->t_last = utcp_ctx_now(ctx);
	if (--k->left == 0) {
		utcp_close(ctx, k->fd);
		return 1;
	}
	k->sent = k->got = 0;        /* persistent: the next request */
	k->t0 = utcp_ctx_now(ctx);
	rr_mod(ctx, ep, k, EPOLLOUT);
	return 0;
}

int rr_client(void *arg)
{
	struct rr_core *rc = arg;
	struct rr *r = rc->r;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(r->tb->host[1], rc->core);
	int cores = utcp_sim_host_nb_ctx(r->tb->host[1]), ep = utcp_epoll_create1(ctx, 0);
	uint64_t mine = r->ro->conns / (uint64_t)cores +
			((uint64_t)rc->core < r->ro->conns % (uint64_t)cores);
	struct rr_conn *conns = calloc(mine ? mine : 1, sizeof(*conns));
	struct epoll_event evs[64];
	uint64_t active = 0;
	for (uint64_t i = 0; conns != NULL && i < mine && !r->failed; i++) {
		conns[i].r = r;
		int st = rr_open(ctx, ep, &conns[i]);
		active += st > 0;
	}
	while (!r->failed && active > 0) {
		int n = utcp_epoll_wait(ctx, ep, evs, 64, 100);
		if (n < 0)
			break;
		for (int i = 0; i < n && !r->failed; i++) {
			struct rr_conn *k = evs[i].data.ptr;
			int st = rr_ask(ctx, ep, k, evs[i].events);
			if (st == 1 && rr_open(ctx, ep, k) <= 0)
				active--;
		}
		rr_reap(ctx, ep, conns, mine, &active);
	}
	r->cli_done++;
	utcp_close(ctx, ep);
	drain(ctx);
	free(conns);
	return 0;
}

static void rr_defaults(void *p)
{
	struct rr_opts *ro = p;
	common_defaults(&ro->c, 16 * 1024);
	ro->conns = 10;
	ro->requests = 1000;
	ro->size = 64;
	ro->persistent = 0;
}

enum { OPT_CONNS = 500, OPT_REQUESTS, OPT_SIZE, OPT_PERSISTENT };

static int rr_opt(void *so, int opt, const char *v)
{
	struct rr_opts *ro = so;
	switch (opt) {
	case OPT_CONNS: return parse_u64(v, 1, 100000, &ro->conns);
	case OPT_REQUESTS: return parse_u64(v, 1, 100000000, &ro->requests);
	case OPT_SIZE: return parse_size(v, 1, 64u << 20, &ro->size);
	case OPT_PERSISTENT: ro->persistent = 1; return 0;
	}
	return -1;
}

static int rr_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "conns", required_argument, NULL, OPT_CONNS },
		{ "requests", required_argument, NULL, OPT_REQUESTS },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "persistent", no_argument, NULL, OPT_PERSISTENT },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct rr_opts *ro = p;
	int rc = parse_scenario("rr", argc, argv, ":h", longopts, &ro->c, rr_opt, ro);
	if (rc == 0 && ro->conns > ro->requests)
		ro->conns = ro->requests; /* no connection without a request */
	return rc;
}

static void rr_config(struct utcp_config *cfg, int host, const void *p)
{
	const struct rr_opts *ro = p;
	(void)host;
	common_config(cfg, &ro->c);
	if (cfg->max_concurrency < (int)ro->conns + 16)
		cfg->max_concurrency = (int)ro->conns + 16;
}

static int cmp_time(const void *a, const void *b)
{
	utcp_time_t x = *(const utcp_time_t *)a, y = *(const utcp_time_t *)b;
	return x < y ? -1 : x > y;
}

void rr_judge(struct rr *r, utcp_time_t elapsed, struct verdict *v)
{
	char p50[32], p99[32], mx[32];
	struct utcp_stats s;
	if (r->completed != r->ro->requests && !r->tolerant)
		fail_at(v, "%" PRIu64 " of %" PRIu64 " requests answered", r->completed,
			r->ro->requests);
	sum_stats(r->tb, &s);
	if (r->completed == 0) {
		snprintf(v->summary, sizeof(v->summary), "requests=0");
		return;
	}
	qsort(r->lat, r->completed, sizeof(*r->lat), cmp_time);
	snprintf(v->summary, sizeof(v->summary),
		 "requests=%" PRIu64 " conns=%" PRIu64 " size=%" PRIu64 "%s rate=%.0f/s"
		 " resp p50=%s p99=%s max=%s retransmits=%" PRIu64 " rto=%" PRIu64,
		 r->completed, r->ro->conns, r->ro->size, r->ro->persistent ? " persistent" : "",
		 elapsed ? (double)r->completed * 1e9 / (double)elapsed : 0.0,
		 fmt_dur(p50, sizeof(p50), r->lat[r->completed / 2]),
		 fmt_dur(p99, sizeof(p99), r->lat[r->completed * 99 / 100]),
		 fmt_dur(mx, sizeof(mx), r->lat[r->completed - 1]), s.tcp_retransmits, s.tcp_rto);
	if (r->syn_timeouts > 0) {
		size_t len = strlen(v->summary);
		snprintf(v->summary + len, sizeof(v->summary) - len,
			 " syn-timeouts=%" PRIu64 " (allowed %" PRIu64 ")", r->syn_timeouts,
			 r->syn_allow);
	}
}

static void rr_run(const struct sim_opts *o, const void *sopts, uint64_t seed, struct verdict *v)
{
	const struct rr_opts *ro = sopts;
	struct testbed tb;
	struct rr r = { .ro = ro, .tb = &tb, .v = v,
			.syn_allow = syn_timeouts_allowed(o, ro->persistent ? ro->conns : ro->requests) };
	struct rr_core rc[2][UTCP_MAX_CORES];
	char err[256];

	r.lat = calloc(ro->requests, sizeof(*r.lat));
	for (int c = 0; c < UTCP_MAX_CORES; c++)
		rc[0][c] = rc[1][c] = (struct rr_core){ .r = &r, .core = c };
	if (r.lat == NULL) {
		fail_at(v, "setup: out of memory");
	} else if (testbed_open(&tb, o, seed, err, sizeof(err)) < 0) {
		fail_at(v, "setup: %s", err);
	} else if (spawn_per_core(&tb, 0, rr_server, rc[0], sizeof(rc[0][0])) < 0 ||
		   spawn_per_core(&tb, 1, rr_client, rc[1], sizeof(rc[1][0])) < 0) {
		fail_at(v, "setup: spawn: %s", strerror(errno));
	} else {
		if (!o->quiet)
			print_link(o, seed);
		r.t0 = utcp_sim_world_now(tb.w);
		run_apps(&tb, ro->c.limit + TCP_DRAIN_BOUND, v);
		check_empty(&tb, v);
		rr_judge(&r, r.t_last - r.t0, v);
		if (!o->quiet)
			print_tcp_counters(&tb);
	}
	testbed_close(&tb, v);
	free(r.lat);
}

const struct scenario sim_scenario_rr = {
	.name = "rr",
	.summary = "request/response: B keeps C connections asking A, R requests of S bytes",
	.usage = "rr [--conns C (10)] [--requests R in all (1000)] [--size S each way (64)]\n"
		 "     [--persistent: R/C requests per connection, else one]\n"
		 "     [--rcvbuf B] [--sndbuf B] (16k) [--cc cubic|newreno] [--time-limit T (600s)]",
	.opts_size = sizeof(struct rr_opts),
	.defaults = rr_defaults,
	.parse = rr_parse,
	.config = rr_config,
	.run = rr_run,
};
