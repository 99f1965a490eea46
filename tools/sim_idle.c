/*
 * tools/sim_idle.c - utcp-sim's idle-million scenario: one context holds
 * --conns established connections that carry nothing (no keepalive), and
 * what each costs is read from the context's own pools.
 *
 * A listens on --ports ports (TCP_PORT and up; one port's ephemeral range
 * on B holds about 28 000 connections); B opens --conns connections to
 * them, --batch at a time, and A accepts them all.  Once every connection
 * is established and accepted, A's context is measured: the bytes its TCB
 * pool, its ring pools (send, receive, out-of-order ranges, loss-recovery
 * tables), its flow table and its socket table hold, per connection.
 * Judged: every connection open on both sides, no ring held by any of them
 * (an idle connection holds its TCB only, tcp_buf.c), and A's TCB cost and
 * rings within --max-bytes per connection.  Then B aborts them all (one RST
 * each) and A closes its sockets, and nothing may be left.
 *
 * The world is run with a check at every step of the coroutines' progress
 * only (not the per-step invariants of run_apps, which look at every
 * connection: a million of them at every step would take hours).
 *
 * Call order: testbed_open (idle_config: max_concurrency above --conns) ->
 * spawn A's acceptor and B's opener -> run until both are done -> judge ->
 * testbed_close.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/api/sock.h"  /* the socket table's size */
#include "core/tcp/tcp.h"   /* the pools' accounting */
#include "tools/sim_tcp.h"

#define IDLE_PER_PORT 25000 /* connections per listening port (B's ephemeral range: 28 232) */
#define IDLE_MAX_PORTS 64

struct idle_opts {
	struct tcp_common_opts c;
	uint64_t conns, batch, max_bytes;
};

struct idle {
	const struct idle_opts *io;
	struct testbed *tb;
	uint32_t ports;
	uint64_t opened, established, accepted, errors;
	int *afd, *bfd;                /* A's accepted sockets, B's connecting ones */
	int open_done, measured;       /* B opened all; A measured */
	char why[200];
	/* A's context, measured with every connection idle */
	uint64_t tcbs, tcb_bytes, ring_bytes, rings, flow_bytes, sock_bytes;
	uint64_t tcb_size, tcb_stride;
};

static uint64_t pool_bytes(const struct utcp_pool *p)
{
	return (uint64_t)p->in_use * p->size;
}

/* A's context with every connection open: what its pools hold. */
static void idle_measure(struct idle *id, struct utcp_ctx *ctx)
{
	const struct utcp_tcp_ctx *t = ctx->tcp;
	const struct utcp_socktab *st = sock_table(ctx);
	id->tcbs = t->tcb_pool.in_use;
	id->tcb_size = sizeof(struct utcp_tcb);
	id->tcb_stride = t->tcb_pool.size;
	id->tcb_bytes = pool_bytes(&t->tcb_pool);
	id->rings = (uint64_t)t->rcvbuf_pool.in_use + t->sndbuf_pool.in_use;
	id->ring_bytes = pool_bytes(&t->rcvbuf_pool) + pool_bytes(&t->sndbuf_pool) +
			 pool_bytes(&t->ooo_pool) + pool_bytes(&t->sndx_pool);
	id->flow_bytes = ((uint64_t)t->flow_mask + 1) * sizeof(t->flows[0]);
	id->sock_bytes = st != NULL ? (uint64_t)st->n * sizeof(st->s[0]) : 0;
	id->measured = 1;
}

/* Drive ctx for dt of virtual time (utcp_ctx_wait returns early when
 * something happened). */
static void idle_pause(struct utcp_ctx *ctx, utcp_time_t dt)
{
	utcp_time_t end = utcp_ctx_now(ctx) + dt;
	while (utcp_ctx_now(ctx) < end && utcp_ctx_wait(ctx, end) >= 0)
		;
}

/* The address of A's port (host 0: A; ip: A's IPv4 address, or with
 * --ip6 (sim_ip6) 2001:db8::1), or the wildcard when ip is 0; its length. */
static socklen_t idle_addr(struct sockaddr_in6 *ss, uint32_t ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (sim_ip6) {
		ss->sin6_family = AF_INET6;
		ss->sin6_port = htons(port);
		if (ip != 0)
			sim_host_in6(0, &ss->sin6_addr);
		return sizeof(*ss);
	}
	struct sockaddr_in *sa = (struct sockaddr_in *)(void *)ss;
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = ip;
	return sizeof(*sa);
}

/* A: listen on every port, accept until --conns are in, measure, then
 * close each once B has reset it. */
static int idle_acceptor(void *arg)
{
	struct idle *id = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(id->tb->host[0], 0);
	int ep = utcp_epoll_create1(ctx, 0), lfd[IDLE_MAX_PORTS];
	struct epoll_event evs[16];
	for (uint32_t p = 0; p < id->ports; p++) {
		struct sockaddr_in6 sa;
		socklen_t sl = idle_addr(&sa, 0, (uint16_t)(TCP_PORT + p));
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = p };
		lfd[p] = utcp_socket(ctx, sa.sin6_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (lfd[p] < 0 || utcp_bind(ctx, lfd[p], (struct sockaddr *)&sa, sl) < 0 ||
		    utcp_listen(ctx, lfd[p], 4096) < 0 ||
		    utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, lfd[p], &e) < 0) {
			snprintf(id->why, sizeof(id->why), "A: listen: %s", strerror(errno));
			return 0;
		}
	}
	utcp_time_t end = utcp_ctx_now(ctx) + id->io->c.limit;
	while (id->accepted < id->io->conns && utcp_ctx_now(ctx) < end) {
		int n = utcp_epoll_wait(ctx, ep, evs, 16, 100);
		for (int i = 0; i < n; i++) {
			int s;
			while (id->accepted < id->io->conns &&
			       (s = utcp_accept(ctx, lfd[evs[i].data.u32], NULL, NULL)) >= 0)
				id->afd[id->accepted++] = s;
		}
	}
	/* Let B see its last handshakes complete, then measure. */
	while (!id->open_done && utcp_ctx_now(ctx) < end)
		idle_pause(ctx, 10 * UTCP_NSEC_PER_MSEC);
	idle_measure(id, ctx);
	while (id->open_done < 2 && utcp_ctx_now(ctx) < end) /* B resets them */
		idle_pause(ctx, 10 * UTCP_NSEC_PER_MSEC);
	for (uint64_t i = 0; i < id->accepted; i++)
		utcp_close(ctx, id->afd[i]);
	for (uint32_t p = 0; p < id->ports; p++)
		utcp_close(ctx, lfd[p]);
	utcp_close(ctx, ep);
	drain(ctx);
	return 0;
}

/* B: open --conns connections, --batch between rounds of the world; wait
 * until all are established; after A's measure, abort them. */
static int idle_opener(void *arg)
{
	struct idle *id = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(id->tb->host[1], 0);
	utcp_time_t end = utcp_ctx_now(ctx) + id->io->c.limit;
	for (uint64_t i = 0; i < id->io->conns && utcp_ctx_now(ctx) < end; i++) {
		struct sockaddr_in6 sa;
		socklen_t sl = idle_addr(&sa, id->tb->ip[0], (uint16_t)(TCP_PORT + i % id->ports));
		int s = utcp_socket(ctx, sa.sin6_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s < 0 || (utcp_connect(ctx, s, (struct sockaddr *)&sa, sl) < 0 &&
			      errno != EINPROGRESS)) {
			id->errors++;
			snprintf(id->why, sizeof(id->why), "B: connection %" PRIu64 ": %s", i,
				 strerror(errno));
			if (s >= 0)
				utcp_close(ctx, s);
			break;
		}
		id->bfd[id->opened++] = s;
		if (id->opened % id->io->batch == 0) /* within the link's queue */
			idle_pause(ctx, UTCP_NSEC_PER_MSEC);
	}
	/* Every connection established: each socket writable, no error. */
	for (uint64_t i = 0; i < id->opened && utcp_ctx_now(ctx) < end;) {
		int err = 0;
		socklen_t el = sizeof(err);
		struct sockaddr_in6 peer;
		socklen_t pl = sizeof(peer);
		if (utcp_getpeername(ctx, id->bfd[i], (struct sockaddr *)&peer, &pl) == 0) {
			id->established++;
			i++;
			continue;
		}
		utcp_getsockopt(ctx, id->bfd[i], SOL_SOCKET, SO_ERROR, &err, &el);
		if (err != 0) {
			id->errors++;
			i++;
			continue;
		}
		idle_pause(ctx, 10 * UTCP_NSEC_PER_MSEC);
	}
	id->open_done = 1;
	while (!id->measured && utcp_ctx_now(ctx) < end)
		idle_pause(ctx, 10 * UTCP_NSEC_PER_MSEC);
	for (uint64_t i = 0; i < id->opened; i++) {
		utcp_abort(ctx, id->bfd[i]);
		if ((i + 1) % id->io->batch == 0) /* let A take the RSTs as they come */
			idle_pause(ctx, UTCP_NSEC_PER_MSEC);
	}
	idle_pause(ctx, 100 * UTCP_NSEC_PER_MSEC);
	id->open_done = 2;
	drain(ctx);
	return 0;
}

static int idle_done(struct utcp_sim_world *w, void *arg)
{
	struct idle *id = arg;
	(void)w;
	return utcp_sim_host_coros_done(id->tb->host[0]) &&
	       utcp_sim_host_coros_done(id->tb->host[1]);
}

static void idle_judge(const struct idle *id, struct verdict *v)
{
	uint64_t n = id->tcbs > 0 ? id->tcbs : 1;
	uint64_t per = (id->tcb_bytes + id->ring_bytes) / n;
	uint64_t all = (id->tcb_bytes + id->ring_bytes + id->flow_bytes + id->sock_bytes) / n;
	snprintf(v->summary, sizeof(v->summary),
		 "conns=%" PRIu64 " established=%" PRIu64 " accepted=%" PRIu64
		 " A: tcb=%" PRIu64 "B (pool stride %" PRIu64 ") rings=%" PRIu64
		 " bytes/conn: tcb+rings=%" PRIu64 " +flow table=%.1f +socket=%.1f total=%" PRIu64,
		 id->io->conns, id->established, id->accepted, id->tcb_size, id->tcb_stride,
		 id->rings, per, (double)id->flow_bytes / (double)n,
		 (double)id->sock_bytes / (double)n, all);
	if (id->why[0] != 0)
		fail_at(v, "%s", id->why);
	else if (id->established != id->io->conns || id->accepted != id->io->conns)
		fail_at(v, "%" PRIu64 " of %" PRIu64 " connections established, %" PRIu64
			" accepted", id->established, id->io->conns, id->accepted);
	else if (!id->measured || id->tcbs < id->io->conns)
		fail_at(v, "A holds %" PRIu64 " TCBs, want %" PRIu64, id->tcbs, id->io->conns);
	else if (id->rings != 0)
		fail_at(v, "idle connections hold %" PRIu64 " rings, want none", id->rings);
	else if (per > id->io->max_bytes)
		fail_at(v, "%" PRIu64 " bytes per idle connection, want at most %" PRIu64, per,
			id->io->max_bytes);
}

static void idle_run(const struct sim_opts *o, const void *sopts, uint64_t seed,
		     struct verdict *v)
{
	const struct idle_opts *io = sopts;
	struct testbed tb;
	struct idle id = { .io = io, .tb = &tb };
	char err[256];
	id.ports = (uint32_t)((io->conns + IDLE_PER_PORT - 1) / IDLE_PER_PORT);
	id.afd = calloc(io->conns, sizeof(int));
	id.bfd = calloc(io->conns, sizeof(int));
	if (id.afd == NULL || id.bfd == NULL) {
		fail_at(v, "setup: %s", strerror(errno));
	} else if (testbed_open(&tb, o, seed, err, sizeof(err)) < 0) {
		fail_at(v, "setup: %s", err);
		free(id.afd);
		free(id.bfd);
		return;
	} else if (utcp_sim_host_spawn(tb.host[0], idle_acceptor, &id, 0) < 0 ||
		   utcp_sim_host_spawn(tb.host[1], idle_opener, &id, 0) < 0) {
		fail_at(v, "setup: spawn: %s", strerror(errno));
	} else {
		char b[32];
		utcp_time_t bound = 2 * io->c.limit + TCP_DRAIN_BOUND;
		if (utcp_sim_world_run_until(tb.w, idle_done, &id,
					     utcp_sim_world_now(tb.w) + bound) != UTCP_SIM_DONE)
			fail_at(v, "did not finish within %s of virtual time",
				fmt_dur(b, sizeof(b), bound));
		idle_judge(&id, v);
		check_empty(&tb, v);
		if (!o->quiet) {
			struct utcp_stats st;
			print_tcp_counters(&tb);
			sum_stats(&tb, &st);
			print_drops(&st);
		}
	}
	if (id.afd != NULL && id.bfd != NULL)
		testbed_close(&tb, v);
	free(id.afd);
	free(id.bfd);
}

static void idle_defaults(void *p)
{
	struct idle_opts *io = p;
	common_defaults(&io->c, 8192);
	io->conns = 1000000;
	io->batch = 500;
	io->max_bytes = 1024;
}

enum { OPT_I_CONNS = 900, OPT_I_BATCH, OPT_I_MAX };

static int idle_opt(void *so, int opt, const char *v)
{
	struct idle_opts *io = so;
	switch (opt) {
	case OPT_I_CONNS:
		return parse_u64(v, 1, (uint64_t)IDLE_PER_PORT * IDLE_MAX_PORTS, &io->conns);
	case OPT_I_BATCH: return parse_u64(v, 1, 1000000, &io->batch);
	case OPT_I_MAX: return parse_u64(v, 1, UINT32_MAX, &io->max_bytes);
	}
	return -1;
}

static int idle_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "conns", required_argument, NULL, OPT_I_CONNS },
		{ "batch", required_argument, NULL, OPT_I_BATCH },
		{ "max-bytes", required_argument, NULL, OPT_I_MAX },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct idle_opts *io = p;
	return parse_scenario("idle-million", argc, argv, ":h", longopts, &io->c, idle_opt, io);
}

/* Room for every connection (and the listeners, epoll) on both hosts; a
 * small ring pool: idle connections must not need one. */
static void idle_config(struct utcp_config *cfg, int host, const void *p)
{
	const struct idle_opts *io = p;
	(void)host;
	common_config(cfg, &io->c);
	cfg->max_concurrency = (int)io->conns + IDLE_MAX_PORTS + 16;
	cfg->max_num_buffers = 1024;
	cfg->tcp_timewait = 0;
}

const struct scenario sim_scenario_idle = {
	.name = "idle-million",
	.ip6 = 1,
	.summary = "one context holds --conns idle established connections; memory per connection",
	.usage = "idle-million [--conns N (1000000)] [--batch N (500)] [--max-bytes B (1024)]\n"
		 "     [--rcvbuf B] [--sndbuf B] (8k) [--cc NAME] [--time-limit T (600s)]",
	.opts_size = sizeof(struct idle_opts),
	.defaults = idle_defaults,
	.parse = idle_parse,
	.config = idle_config,
	.run = idle_run,
};
