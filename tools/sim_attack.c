/*
 * tools/sim_attack.c - utcp-sim's robustness scenarios, rr's applications
 * (tools/sim_tcp.c) under attack or overload:
 *
 *   synflood  legitimate clients on B make requests of A while an attacker
 *             on B sends A spoofed SYNs (random sources in 198.18.0.0/15,
 *             routed back through B, where A's SYN-ACKs die) at ten times
 *             the rate A accepts legitimate connections, measured first in
 *             a run without the attacker.  The verdict: the share of
 *             legitimate requests answered within --deadline (goal 99 %).
 *   exhaust   B keeps more connections in flight than A's socket table
 *             and buffer pools hold.  A must refuse cleanly (no SYN-ACK
 *             without buffers, EMFILE to accept while its listener waits),
 *             count what it refused, and serve everything once connections
 *             close: every request is answered in the end.  A client whose
 *             SYNs all went unanswered (A out of TCBs for its 127 s of SYN
 *             retries) is told ETIMEDOUT and dials again, as an application
 *             would; the run counts it (syn-timeouts).
 *
 * The attacker builds its segments itself and hands them to B's IPv4 output
 * (checksums right, sources forged), or with --ip6 to B's IPv6 output (the
 * spoofed sources then in 2001:2::/48, routed back through B); its
 * randomness comes from the world's seed, so a run is as repeatable as any
 * other.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/prng.h"
#include "core/net/net.h"
#include "core/tcp/tcp.h" /* blind-inject reads A's connections */
#include "tools/sim_tcp.h"

#define FLOOD_TICK UTCP_NSEC_PER_MSEC
#define SPOOF_NET 0xc6120000u /* 198.18.0.0/15 (RFC 2544 benchmarking) */

/* ---- shared: rr's applications, and an attacker beside them ----------------------- */

/* Run rr's server on every context of A and its client on every context of
 * B, and attack(arg) as one more coroutine on B when attack is not NULL
 * (seed(arg, world) first gives it its randomness).  A's counters end in
 * *a_stats; with judge, rr's verdict is written; with print, both hosts'
 * TCP counters are printed.  0 if it ran. */
static int rr_beside(const struct sim_opts *o, uint64_t seed, struct rr *r,
		     utcp_sim_coro_fn attack, void (*seed_fn)(void *, struct utcp_sim_world *),
		     void *arg, int judge, int print, struct utcp_stats *a_stats,
		     struct verdict *v)
{
	struct testbed tb;
	struct rr_core rc[2][UTCP_MAX_CORES];
	char err[256];
	int ran = -1;
	r->tb = &tb;
	r->v = v;
	for (int c = 0; c < UTCP_MAX_CORES; c++)
		rc[0][c] = rc[1][c] = (struct rr_core){ .r = r, .core = c };
	if (testbed_open(&tb, o, seed, err, sizeof(err)) < 0) {
		fail_at(v, "setup: %s", err);
	} else if ((attack != NULL && seed_fn != NULL ? seed_fn(arg, tb.w) : (void)0,
		    spawn_per_core(&tb, 0, rr_server, rc[0], sizeof(rc[0][0])) < 0) ||
		   spawn_per_core(&tb, 1, rr_client, rc[1], sizeof(rc[1][0])) < 0 ||
		   (attack != NULL && utcp_sim_host_spawn(tb.host[1], attack, arg, 0) < 0)) {
		fail_at(v, "setup: spawn: %s", strerror(errno));
	} else {
		r->t0 = utcp_sim_world_now(tb.w);
		run_apps(&tb, r->ro->c.limit + TCP_DRAIN_BOUND, v);
		check_empty(&tb, v);
		if (judge)
			rr_judge(r, r->t_last - r->t0, v);
		if (print)
			print_tcp_counters(&tb);
		utcp_sim_host_stats(tb.host[0], a_stats);
		ran = 0;
	}
	testbed_close(&tb, v);
	r->tb = NULL;
	return ran;
}

/* ---- synflood ------------------------------------------------------------------ */

struct flood_opts {
	struct rr_opts rr;
	uint64_t backlog;
	double rate;              /* spoofed SYNs per second; 0: 10x the accept rate */
	double goal;              /* share of requests answered within the deadline */
	utcp_time_t deadline;
	int cookies;
};

struct flood {
	struct rr *r;                /* the legitimate workload (r->tb: the testbed) */
	double rate;
	struct utcp_prng prng;
	uint64_t sent;
	uint64_t cookies_sent, cookies_ok;   /* A's counters after the run */
	uint64_t allow;                      /* requests that may fail the goal */
	utcp_time_t t_stop;                  /* the flood stopped early (or 0) */
};

/* --ip6: the SYN at pkt->data sent from 2001:2::<n> (RFC 5180's
 * benchmarking 2001:2::/48, n the 17 random bits an IPv4 source would
 * take in SPOOF_NET) to 2001:db8::1, its checksum over the IPv6
 * pseudo-header (RFC 8200 §8.1). */
static void flood_syn6(struct utcp_ctx *ctx, struct utcp_pkt *pkt, uint32_t n)
{
	struct utcp_in6 src = { .b = { 0x20, 0x01, 0x00, 0x02 } }, dst;
	struct in6_addr a;
	src.b[13] = (uint8_t)(n >> 16);
	src.b[14] = (uint8_t)(n >> 8);
	src.b[15] = (uint8_t)n;
	sim_host_in6(0, &a);
	memcpy(dst.b, &a, 16);
	uint16_t sum = utcp_csum_fold(utcp_csum_partial(
		pkt->data, pkt->len, utcp_csum_pseudo6(&src, &dst, UTCP_IPPROTO_TCP, pkt->len)));
	memcpy(pkt->data + 16, &sum, 2);
	utcp_ipv6_output(ctx, 0, pkt, &src, &dst, UTCP_IPPROTO_TCP, 0, UTCP_TX_CTRL);
}

/* One spoofed SYN (with an MSS option, as any client's) from B to A. */
static void flood_syn(struct flood *f, struct utcp_ctx *ctx)
{
	struct utcp_pkt *pkt = utcp_ctx_alloc(ctx, 0);
	if (pkt == NULL)
		return;
	uint32_t src = htonl(SPOOF_NET | (uint32_t)utcp_prng_below(&f->prng, 1u << 17));
	uint16_t sport = htons((uint16_t)(1024 + utcp_prng_below(&f->prng, 64511)));
	uint16_t dport = htons(TCP_PORT);
	uint32_t seq = htonl((uint32_t)utcp_prng_next(&f->prng));
	uint8_t *h = pkt->data;
	memset(h, 0, 24);
	memcpy(h, &sport, 2);
	memcpy(h + 2, &dport, 2);
	memcpy(h + 4, &seq, 4);
	h[12] = 6 << 4;       /* 24-byte header */
	h[13] = 0x02;         /* SYN */
	h[14] = 0xfa;         /* window 64240 */
	h[15] = 0xf0;
	h[20] = 2;            /* MSS 1460 */
	h[21] = 4;
	h[22] = 0x05;
	h[23] = 0xb4;
	pkt->len = 24;
	if (f->r->tb->o->ip6) {
		flood_syn6(ctx, pkt, ntohl(src) & 0x1ffffu);
	} else {
		uint16_t sum = utcp_csum_fold(utcp_csum_partial(
			h, 24, utcp_csum_pseudo(src, f->r->tb->ip[0], UTCP_IPPROTO_TCP, 24)));
		memcpy(h + 16, &sum, 2);
		utcp_ipv4_output(ctx, pkt, src, f->r->tb->ip[0], UTCP_IPPROTO_TCP, UTCP_TX_CTRL);
	}
	f->sent++;
}

/* The attacker: f->rate SYNs per second, in 1 ms batches, while the
 * legitimate clients run, until more requests have failed or come late
 * than the goal allows: the verdict is then known (FAIL), and the clients
 * finish unattacked instead of each waiting out its give-up time under the
 * flood (without cookies that took hours of wall time). */
static int flood_attacker(void *arg)
{
	struct flood *f = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(f->r->tb->host[1], 0);
	int cores = utcp_sim_host_nb_ctx(f->r->tb->host[1]);
	double due = 0;
	while (f->r->cli_done < cores && !f->r->failed) {
		if (f->r->errors + f->r->late > f->allow) {
			f->t_stop = utcp_ctx_now(ctx);
			break;
		}
		due += f->rate * (double)FLOOD_TICK / 1e9;
		for (; due >= 1; due -= 1)
			flood_syn(f, ctx);
		utcp_ctx_poll(ctx); /* flush the batch */
		if (utcp_sim_sleep_until(utcp_ctx_now(ctx) + FLOOD_TICK) < 0)
			break;
	}
	return 0;
}

static void flood_defaults(void *p)
{
	struct flood_opts *fo = p;
	common_defaults(&fo->rr.c, 16 * 1024);
	fo->rr.conns = 20;
	fo->rr.requests = 2000;
	fo->rr.size = 64;
	fo->backlog = 64;
	fo->rate = 0;
	fo->goal = 0.99;
	fo->deadline = 3 * UTCP_NSEC_PER_SEC;
	fo->cookies = 1;
}

enum { OPT_CONNS = 600, OPT_REQUESTS, OPT_BACKLOG, OPT_RATE, OPT_GOAL, OPT_DEADLINE, OPT_NOCOOKIES };

static int flood_opt(void *so, int opt, const char *v)
{
	struct flood_opts *fo = so;
	switch (opt) {
	case OPT_CONNS: return parse_u64(v, 1, 10000, &fo->rr.conns);
	case OPT_REQUESTS: return parse_u64(v, 1, 10000000, &fo->rr.requests);
	case OPT_BACKLOG: return parse_u64(v, 1, 65535, &fo->backlog);
	case OPT_RATE: return parse_double_min(v, 0, &fo->rate);
	case OPT_GOAL: return parse_prob(v, &fo->goal);
	case OPT_DEADLINE: return parse_time(v, &fo->deadline) < 0 || fo->deadline == 0 ? -1 : 0;
	case OPT_NOCOOKIES: fo->cookies = 0; return 0;
	}
	return -1;
}

static int flood_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "conns", required_argument, NULL, OPT_CONNS },
		{ "requests", required_argument, NULL, OPT_REQUESTS },
		{ "backlog", required_argument, NULL, OPT_BACKLOG },
		{ "syn-rate", required_argument, NULL, OPT_RATE },
		{ "goal", required_argument, NULL, OPT_GOAL },
		{ "deadline", required_argument, NULL, OPT_DEADLINE },
		{ "no-cookies", no_argument, NULL, OPT_NOCOOKIES },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct flood_opts *fo = p;
	return parse_scenario("synflood", argc, argv, ":h", longopts, &fo->rr.c, flood_opt, fo);
}

/* A routes the spoofed sources back through B (B drops what A sends them). */
static void flood_config(struct utcp_config *cfg, int host, const void *p)
{
	const struct flood_opts *fo = p;
	common_config(cfg, &fo->rr.c);
	cfg->tcp_syncookies = fo->cookies;
	if (host == 0) {
		cfg->ports[0].gateway = htonl(0x0a000002);
		struct in6_addr b;
		sim_host_in6(1, &b);
		if (cfg->ports[0].prefix6 != 0) /* --ip6: 2001:2::/48 by way of B too */
			memcpy(cfg->ports[0].gateway6.b, &b, 16);
	}
}

static void flood_seed(void *arg, struct utcp_sim_world *w)
{
	struct flood *f = arg;
	utcp_prng_seed(&f->prng, utcp_sim_world_derive_seed(w, "attacker", 0));
}

/* One run of the legitimate workload, with the attacker when rate > 0.
 * Fills r (completed, late, errors, t0, t_last); returns 0 if it ran. */
/* One run of the legitimate workload, with the attacker when rate > 0.
 * Fills r (completed, late, errors, t0, t_last); returns 0 if it ran. */
static int flood_once(const struct sim_opts *o, const struct flood_opts *fo, uint64_t seed,
		      double rate, struct rr *r, struct flood *f, struct verdict *v)
{
	struct utcp_stats s;
	*r = (struct rr){ .ro = &fo->rr, .backlog = (int)fo->backlog, .tolerant = 1,
			  .deadline = fo->deadline, .give_up = 4 * fo->deadline, .lat = r->lat };
	*f = (struct flood){ .r = r, .rate = rate,
			     .allow = (uint64_t)((1.0 - fo->goal) * (double)fo->rr.requests) };
	if (rr_beside(o, seed, r, rate > 0 ? flood_attacker : NULL, flood_seed, f, 0,
		      !o->quiet && rate > 0, &s, v) < 0)
		return -1;
	f->cookies_sent = s.tcp_syn_cookies_sent;
	f->cookies_ok = s.tcp_syn_cookies_ok;
	return 0;
}

static void flood_run(const struct sim_opts *o, const void *sopts, uint64_t seed, struct verdict *v)
{
	const struct flood_opts *fo = sopts;
	struct rr r = { 0 };
	struct flood f;
	r.lat = calloc(fo->rr.requests, sizeof(*r.lat));
	if (r.lat == NULL) {
		fail_at(v, "setup: out of memory");
		return;
	}
	/* Baseline: the rate A accepts legitimate connections, unattacked. */
	double rate = fo->rate;
	if (flood_once(o, fo, seed, 0, &r, &f, v) == 0 && rate <= 0) {
		utcp_time_t el = r.t_last > r.t0 ? r.t_last - r.t0 : 1;
		rate = 10.0 * (double)r.completed * 1e9 / (double)el;
	}
	double base = r.t_last > r.t0 ? (double)r.completed * 1e9 / (double)(r.t_last - r.t0) : 0;
	if (v->pass && flood_once(o, fo, seed, rate, &r, &f, v) == 0) {
		char stop[32];
		uint64_t ok = r.completed - r.late;
		double share = (double)ok / (double)fo->rr.requests;
		snprintf(v->summary, sizeof(v->summary),
			 "legit=%" PRIu64 "/%" PRIu64 " (%.2f%%) within %.1fs, late=%" PRIu64
			 " failed=%" PRIu64 " accept-rate=%.0f/s syn-rate=%.0f/s spoofed=%" PRIu64
			 " cookies=%" PRIu64 "/%" PRIu64 "%s%s%s",
			 ok, fo->rr.requests, 100.0 * share, (double)fo->deadline / 1e9, r.late,
			 r.errors, base, rate, f.sent, f.cookies_ok, f.cookies_sent,
			 fo->cookies ? "" : " (cookies off)",
			 f.t_stop ? " flood stopped at " : "",
			 f.t_stop ? fmt_dur(stop, sizeof(stop), f.t_stop - r.t0) : "");
		if (share < fo->goal)
			fail_at(v, "%.2f%% of legitimate requests answered in time, goal %.2f%%",
				100.0 * share, 100.0 * fo->goal);
	}
	free(r.lat);
}

const struct scenario sim_scenario_synflood = {
	.name = "synflood",
	.summary = "legitimate rr clients beside spoofed SYNs at 10x A's accept rate",
	.usage = "synflood [--conns C (20)] [--requests R (2000)] [--backlog N (64)]\n"
		 "     [--syn-rate N/s (10x the accept rate)] [--deadline T (3s)] [--goal P (0.99)]\n"
		 "     [--no-cookies] [--rcvbuf B] [--sndbuf B] [--cc NAME] [--time-limit T]",
	.opts_size = sizeof(struct flood_opts),
	.defaults = flood_defaults,
	.parse = flood_parse,
	.ip6 = 1,
	.config = flood_config,
	.run = flood_run,
};

/* ---- exhaust ------------------------------------------------------------------ */

struct exhaust_opts {
	struct rr_opts rr;
	uint64_t sockets, buffers;     /* A's max_concurrency and max_num_buffers */
};

static void exhaust_defaults(void *p)
{
	struct exhaust_opts *eo = p;
	common_defaults(&eo->rr.c, 16 * 1024);
	eo->rr.conns = 300;
	eo->rr.requests = 3000;
	eo->rr.size = 64;
	eo->sockets = 64;
	eo->buffers = 48;
}

enum { OPT_E_CONNS = 700, OPT_E_REQUESTS, OPT_E_SOCKETS, OPT_E_BUFFERS };

static int exhaust_opt(void *so, int opt, const char *v)
{
	struct exhaust_opts *eo = so;
	switch (opt) {
	case OPT_E_CONNS: return parse_u64(v, 1, 10000, &eo->rr.conns);
	case OPT_E_REQUESTS: return parse_u64(v, 1, 10000000, &eo->rr.requests);
	case OPT_E_SOCKETS: return parse_u64(v, 4, 1000000, &eo->sockets);
	case OPT_E_BUFFERS: return parse_u64(v, 2, 1000000, &eo->buffers);
	}
	return -1;
}

static int exhaust_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "conns", required_argument, NULL, OPT_E_CONNS },
		{ "requests", required_argument, NULL, OPT_E_REQUESTS },
		{ "sockets", required_argument, NULL, OPT_E_SOCKETS },
		{ "buffers", required_argument, NULL, OPT_E_BUFFERS },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct exhaust_opts *eo = p;
	return parse_scenario("exhaust", argc, argv, ":h", longopts, &eo->rr.c, exhaust_opt, eo);
}

static void exhaust_config(struct utcp_config *cfg, int host, const void *p)
{
	const struct exhaust_opts *eo = p;
	common_config(cfg, &eo->rr.c);
	if (host == 0) {
		cfg->max_concurrency = (int)eo->sockets;
		cfg->max_num_buffers = (int)eo->buffers;
	} else if (cfg->max_concurrency < (int)eo->rr.conns + 16) {
		cfg->max_concurrency = (int)eo->rr.conns + 16;
		cfg->max_num_buffers = cfg->max_concurrency;
	}
}

static void exhaust_run(const struct sim_opts *o, const void *sopts, uint64_t seed,
			struct verdict *v)
{
	const struct exhaust_opts *eo = sopts;
	/* every unanswered attempt may be dialled again: silence is how A
	 * refuses a SYN without a TCB (tcp_passive_open) */
	struct rr r = { .ro = &eo->rr, .syn_allow = eo->rr.requests };
	struct utcp_stats s;
	r.lat = calloc(eo->rr.requests, sizeof(*r.lat));
	if (r.lat == NULL) {
		fail_at(v, "setup: out of memory");
		return;
	}
	if (rr_beside(o, seed, &r, NULL, NULL, NULL, 1, !o->quiet, &s, v) == 0) {
		uint64_t refused = s.tcp_no_sock_buf + s.drop_tcp_backlog + r.accept_refused;
		size_t n = strlen(v->summary);
		snprintf(v->summary + n, sizeof(v->summary) - n,
			 " refused: no-buffer=%" PRIu64 " backlog=%" PRIu64 " accept-emfile=%" PRIu64,
			 s.tcp_no_sock_buf, s.drop_tcp_backlog, r.accept_refused);
		if (refused == 0)
			fail_at(v, "A never ran out: raise --conns or lower --sockets/--buffers");
	}
	free(r.lat);
}

const struct scenario sim_scenario_exhaust = {
	.name = "exhaust",
	.summary = "B keeps more connections in flight than A's sockets and buffers hold",
	.usage = "exhaust [--conns C (300)] [--requests R (3000)] [--sockets N (64)]\n"
		 "     [--buffers N (48)] [--rcvbuf B] [--sndbuf B] [--cc NAME] [--time-limit T]",
	.opts_size = sizeof(struct exhaust_opts),
	.defaults = exhaust_defaults,
	.parse = exhaust_parse,
	.ip6 = 1,
	.config = exhaust_config,
	.run = exhaust_run,
};

/* ---- blind-inject -------------------------------------------------------------- */

/* Spoofed segments on live connections: the attacker knows each
 * connection's addresses and ports, not its sequence numbers.  It sends A,
 * as if from B, RSTs, SYNs, bare ACKs and data, half with sequence numbers
 * inside A's receive window (the worst a blind attacker can hope for: never
 * exactly RCV.NXT) and half outside, with random acknowledgment numbers.
 *
 * The verdict is statistical, as the protection is (RFC 5961 §3.2, §4, §5).
 * A SYN never resets (a challenge ACK).  A RST resets only exactly at
 * RCV.NXT: the attacker aims inside the window but not at RCV.NXT as it
 * sends, yet RCV.NXT moves while the segment travels, so an in-window RST
 * lands with probability at most 1 / (RCV.WND - 1); their sum is e-rst.
 * Spoofed data is another matter: RFC 5961 §5.2
 * accepts a segment whose ACK lies in [SND.UNA - MAX.SND.WND, SND.MAX], so a
 * random ACK passes with probability
 *
 *     p = (MAX.SND.WND + (SND.MAX - SND.UNA) + 1) / 2^32
 *
 * (RFC 5961 §5.1 and §5.2: the window of acceptable ACKs is the attacker's
 * target), and an in-window spoofed data segment that passes is stored in
 * the stream.  The expected number of such acceptances over a run is
 *
 *     E = sum over in-window spoofed data segments of p
 *
 * (taken from A's TCB as each is sent), and the number observed, regions of
 * A's received stream that differ from what B wrote, must not exceed the
 * Poisson bound K(E): the least k with P(X > k) <= 1e-6 for X ~ Poisson(E).
 * tests/sim/attack.sh sums E and the observed count over a seed sweep and
 * checks the sum against the same bound.  An acceptable spoofed ACK that also
 * lies above SND.UNA (probability (SND.MAX - SND.UNA) / 2^32) acknowledges
 * bytes B never received, after which the connection waits for them until B
 * gives up on the request (after 120 s): the expected count of those is
 * printed as ack-advance-expected, and the spoofed ACKs that may have done it
 * (SND.UNA < ACK <= SND.MAX + MAX.SND.WND as sent: A may send a window
 * more while the segment travels) as ack-advances.
 *
 * A run passes when: resets <= K(e-rst); regions of corrupt data <= K(E);
 * and requests fail only if a reset or an advancing ACK explains it.
 *
 * resets counts the connections of A that a spoofed RST closed: A's RSTs
 * received (tcp_rst_rx) less those that B's own aborts (a request given up
 * after 120 s) delivered.  An abort delivers a reset only if A still holds
 * the connection at B's SND.NXT (inject_on_reap): when a spoofed RST has
 * already closed it, which is the usual reason B waits 120 s for a response
 * (A's application saw the reset and closed; B, idle, learns nothing), the
 * abort's RST finds nothing on A and must not cancel the spoofed reset.  An
 * abort whose RST the link loses is still subtracted (resets then reads
 * one low, never high).
 * attack.sh also sums each figure over its seed sweep and checks the sums
 * against the same bounds. */
struct inject_opts {
	struct rr_opts rr;
	double rate;                 /* spoofed segments per second */
};

struct inject {
	struct rr *r;                /* the workload under attack (r->tb: the testbed) */
	double rate;
	struct utcp_prng prng;
	uint64_t sent[4];            /* RST, SYN, ACK, data */
	double e_data, e_adv, e_rst; /* expected acceptances: data, advancing ACK, RST */
	uint64_t adv_sent;           /* spoofed ACKs that may have advanced SND.UNA */
	uint64_t abort_resets;       /* B's aborts whose RST finds A's connection */
};

#define INJECT_MAX_DATA 100      /* bytes of spoofed data at most */
#define INJECT_ALPHA 1e-6        /* the bound's tail probability */

enum { INJ_RST, INJ_SYN, INJ_ACK, INJ_DATA };

/* A sequence number for tp's receive window: inside but never RCV.NXT
 * (*inside set), or outside (below it, or beyond the right edge). */
static uint32_t inject_seq(struct inject *in, const struct utcp_tcb *tp, int *inside)
{
	uint32_t wnd = tp->rcv_wnd > 1 ? tp->rcv_wnd : 2;
	*inside = utcp_prng_chance(&in->prng, 0.5);
	if (*inside)
		return tp->rcv_nxt + 1 + (uint32_t)utcp_prng_below(&in->prng, wnd - 1);
	if (utcp_prng_chance(&in->prng, 0.5))
		return tp->rcv_nxt - 1 - (uint32_t)utcp_prng_below(&in->prng, 1u << 30);
	return tp->rcv_nxt + wnd + (uint32_t)utcp_prng_below(&in->prng, 1u << 30);
}

/* What an in-window spoofed ACK or data segment adds to the expected
 * acceptances (see the verdict above). */
static void inject_expect(struct inject *in, const struct utcp_tcb *tp, int kind, uint32_t ack)
{
	if (kind == INJ_RST) {
		in->e_rst += 1.0 / (double)(tp->rcv_wnd > 2 ? tp->rcv_wnd - 1 : 1);
		return;
	}
	double flight = (double)(tp->snd_max - tp->snd_una);
	if (kind == INJ_DATA)
		in->e_data += ((double)tp->max_sndwnd + flight + 1) / 4294967296.0;
	in->e_adv += flight / 4294967296.0;
	if (SEQ_GT(ack, tp->snd_una) && SEQ_LEQ(ack, tp->snd_max + tp->max_sndwnd))
		in->adv_sent++;
}

/* K(e): the least k with P(X > k) <= INJECT_ALPHA, X ~ Poisson(e). */
static uint64_t poisson_bound(double e)
{
	double p = exp(-e), cdf = p;
	uint64_t k = 0;
	while (1 - cdf > INJECT_ALPHA && k < 1000000) {
		k++;
		p *= e / (double)k;
		cdf += p;
	}
	return k;
}

/* The segment at pkt->data sent to A as if from B, its checksum over the
 * pseudo-header of tp's family (RFC 9293 §3.1, RFC 8200 §8.1). */
static void inject_send(struct utcp_ctx *ctx, struct utcp_pkt *pkt, const struct utcp_tcb *tp)
{
	uint16_t sum;
	if (tp->is6) {
		sum = utcp_csum_fold(utcp_csum_partial(pkt->data, pkt->len, utcp_csum_pseudo6(
			&tp->a6.raddr, &tp->a6.laddr, UTCP_IPPROTO_TCP, pkt->len)));
		memcpy(pkt->data + 16, &sum, 2);
		utcp_ipv6_output(ctx, 0, pkt, &tp->a6.raddr, &tp->a6.laddr, UTCP_IPPROTO_TCP, 0,
				 UTCP_TX_DATA);
		return;
	}
	sum = utcp_csum_fold(utcp_csum_partial(
		pkt->data, pkt->len, utcp_csum_pseudo(tp->raddr, tp->laddr, UTCP_IPPROTO_TCP, pkt->len)));
	memcpy(pkt->data + 16, &sum, 2);
	utcp_ipv4_output(ctx, pkt, tp->raddr, tp->laddr, UTCP_IPPROTO_TCP, UTCP_TX_DATA);
}

static void inject_one(struct inject *in, struct utcp_ctx *ctx, const struct utcp_tcb *tp)
{
	static const uint8_t flags[4] = { 0x04, 0x02, 0x10, 0x18 }; /* RST SYN ACK PSH|ACK */
	int kind = (int)utcp_prng_below(&in->prng, 4);
	uint32_t dlen = kind == INJ_DATA ? 1 + (uint32_t)utcp_prng_below(&in->prng, INJECT_MAX_DATA) : 0;
	struct utcp_pkt *pkt = utcp_ctx_alloc(ctx, 0);
	if (pkt == NULL)
		return;
	uint8_t *h = pkt->data;
	int inside;
	uint32_t seq = htonl(inject_seq(in, tp, &inside)), ack = htonl((uint32_t)utcp_prng_next(&in->prng));
	if (inside && kind != INJ_SYN)
		inject_expect(in, tp, kind, ntohl(ack));
	/* With timestamps in use, a segment without them is dropped before
	 * anything else (RFC 7323 §3.2); the attacker is given a plausible
	 * TSval (the last one A saw) so that RFC 5961's checks are what stop it. */
	unsigned hl = (tp->flags & TF_TS) ? 32 : 20;
	memset(h, 0, hl);
	if (hl == 32) {
		uint32_t tsval = htonl(tp->ts_recent + 1);
		h[20] = h[21] = 1;    /* NOP NOP TS */
		h[22] = 8;
		h[23] = 10;
		memcpy(h + 24, &tsval, 4);
	}
	memcpy(h, &tp->rport, 2);     /* from B's port to A's */
	memcpy(h + 2, &tp->lport, 2);
	memcpy(h + 4, &seq, 4);
	if (kind != INJ_RST && kind != INJ_SYN)
		memcpy(h + 8, &ack, 4);
	h[12] = (uint8_t)(hl / 4 << 4);
	h[13] = flags[kind];
	h[14] = 0x40;                 /* window 16384 */
	for (uint32_t i = 0; i < dlen; i++)
		h[hl + i] = (uint8_t)utcp_prng_next(&in->prng); /* not the stream's bytes */
	pkt->len = (uint16_t)(hl + dlen);
	inject_send(ctx, pkt, tp);
	in->sent[kind]++;
}

/* A random established connection of A (context 0), or NULL. */
static const struct utcp_tcb *inject_target(struct inject *in)
{
	const struct utcp_tcp_ctx *t = utcp_sim_host_ctx(in->r->tb->host[0], 0)->tcp;
	uint32_t start = (uint32_t)utcp_prng_below(&in->prng, t->flow_mask + 1u);
	for (uint32_t k = 0; k <= t->flow_mask; k++)
		for (const struct utcp_tcb *tp = t->flows[(start + k) & t->flow_mask]; tp != NULL;
		     tp = tp->hnext)
			if (tp->state == TCPS_ESTABLISHED)
				return tp;
	return NULL;
}

/* ctx's TCB with local port lport (remote, if by_rport), state at least
 * SYN-RECEIVED, or NULL. */
static const struct utcp_tcb *inject_find(const struct utcp_ctx *ctx, uint16_t port, int by_rport)
{
	const struct utcp_tcp_ctx *t = ctx->tcp;
	for (uint32_t k = 0; k <= t->flow_mask; k++)
		for (const struct utcp_tcb *tp = t->flows[k]; tp != NULL; tp = tp->hnext)
			if ((by_rport ? tp->rport : tp->lport) == port &&
			    tp->state >= TCPS_SYN_RECEIVED)
				return tp;
	return NULL;
}

/* B is about to abort fd (see the verdict): its RST, sent at SND.NXT,
 * resets A's side only if A still holds the connection with RCV.NXT there
 * (RFC 5961 §3.2). */
static void inject_on_reap(void *arg, struct utcp_ctx *ctx, int fd)
{
	struct inject *in = arg;
	struct sockaddr_in6 sa; /* sin_port and sin6_port lie at one offset */
	socklen_t len = sizeof(sa);
	if (utcp_getsockname(ctx, fd, (struct sockaddr *)&sa, &len) < 0)
		return;
	const struct utcp_tcb *b = inject_find(ctx, sa.sin6_port, 0);
	const struct utcp_tcb *a =
		inject_find(utcp_sim_host_ctx(in->r->tb->host[0], 0), sa.sin6_port, 1);
	if (b != NULL && a != NULL && a->rcv_nxt == b->snd_nxt)
		in->abort_resets++;
}

static int inject_attacker(void *arg)
{
	struct inject *in = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(in->r->tb->host[1], 0);
	int cores = utcp_sim_host_nb_ctx(in->r->tb->host[1]);
	double due = 0;
	while (in->r->cli_done < cores && !in->r->failed) {
		due += in->rate * (double)FLOOD_TICK / 1e9;
		for (const struct utcp_tcb *tp; due >= 1 && (tp = inject_target(in)) != NULL; due -= 1)
			inject_one(in, ctx, tp);
		utcp_ctx_poll(ctx);
		if (utcp_sim_sleep_until(utcp_ctx_now(ctx) + FLOOD_TICK) < 0)
			break;
	}
	return 0;
}

static void inject_defaults(void *p)
{
	struct inject_opts *io = p;
	common_defaults(&io->rr.c, 64 * 1024);
	io->rr.conns = 10;
	io->rr.requests = 2000;
	io->rr.size = 4000;
	io->rr.persistent = 1;
	io->rate = 5000;
}

enum { OPT_I_CONNS = 800, OPT_I_REQUESTS, OPT_I_SIZE, OPT_I_RATE };

static int inject_opt(void *so, int opt, const char *v)
{
	struct inject_opts *io = so;
	switch (opt) {
	case OPT_I_CONNS: return parse_u64(v, 1, 10000, &io->rr.conns);
	case OPT_I_REQUESTS: return parse_u64(v, 1, 10000000, &io->rr.requests);
	case OPT_I_SIZE: return parse_size(v, 1, 64u << 20, &io->rr.size);
	case OPT_I_RATE: return parse_double_min(v, 1, &io->rate);
	}
	return -1;
}

static int inject_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "conns", required_argument, NULL, OPT_I_CONNS },
		{ "requests", required_argument, NULL, OPT_I_REQUESTS },
		{ "size", required_argument, NULL, OPT_I_SIZE },
		{ "rate", required_argument, NULL, OPT_I_RATE },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct inject_opts *io = p;
	return parse_scenario("blind-inject", argc, argv, ":h", longopts, &io->rr.c, inject_opt, io);
}

static void inject_config(struct utcp_config *cfg, int host, const void *p)
{
	const struct inject_opts *io = p;
	(void)host;
	common_config(cfg, &io->rr.c);
}

static void inject_seed(void *arg, struct utcp_sim_world *w)
{
	struct inject *in = arg;
	utcp_prng_seed(&in->prng, utcp_sim_world_derive_seed(w, "attacker", 1));
}

/* The verdict (see the top of blind-inject). */
static void inject_judge(const struct inject *in, const struct utcp_stats *s, struct verdict *v)
{
	const struct rr *r = in->r;
	/* B's own aborts of requests it gave up on reach A as RSTs too, when
	 * A still has the connection (inject_on_reap). */
	uint64_t resets = s->tcp_rst_rx > in->abort_resets ? s->tcp_rst_rx - in->abort_resets : 0;
	uint64_t k_rst = poisson_bound(in->e_rst), k_data = poisson_bound(in->e_data);
	size_t n = strlen(v->summary);
	snprintf(v->summary + n, sizeof(v->summary) - n,
		 " spoofed rst/syn/ack/data=%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64
		 " challenge-acks=%" PRIu64 " resets=%" PRIu64 " e-rst=%.6f accepted=%" PRIu64
		 " expected=%.6f ack-advances=%" PRIu64 " ack-advance-expected=%.6f failed=%" PRIu64,
		 in->sent[0], in->sent[1], in->sent[2], in->sent[3], s->tcp_challenge_acks, resets,
		 in->e_rst, r->corrupt, in->e_data, in->adv_sent, in->e_adv, r->errors);
	if (resets > k_rst)
		fail_at(v, "%" PRIu64 " connections reset by spoofed RSTs, %.4f expected, at most %" PRIu64
			   " (RFC 5961 §3.2)", resets, in->e_rst, k_rst);
	else if (r->corrupt > k_data)
		fail_at(v, "%" PRIu64 " spoofed data segments in the stream, %.4f expected, at most %" PRIu64
			   " (RFC 5961 §5.2)", r->corrupt, in->e_data, k_data);
	else if (r->errors > 0 && resets == 0 && in->adv_sent == 0)
		fail_at(v, "%" PRIu64 " requests failed and no spoofed segment explains it", r->errors);
}

static void inject_run(const struct sim_opts *o, const void *sopts, uint64_t seed,
		       struct verdict *v)
{
	const struct inject_opts *io = sopts;
	/* Tolerant: a request on a connection a lucky segment broke is counted
	 * and the client goes on; the verdict below judges the count. */
	struct rr r = { .ro = &io->rr, .corrupt_gap = INJECT_MAX_DATA, .tolerant = 1,
			.give_up = 120 * UTCP_NSEC_PER_SEC };
	struct inject in = { .r = &r, .rate = io->rate };
	r.on_reap = inject_on_reap;
	r.on_reap_arg = &in;
	struct utcp_stats s;
	r.lat = calloc(io->rr.requests, sizeof(*r.lat));
	if (r.lat == NULL) {
		fail_at(v, "setup: out of memory");
		return;
	}
	if (rr_beside(o, seed, &r, inject_attacker, inject_seed, &in, 1, !o->quiet, &s, v) == 0)
		inject_judge(&in, &s, v);
	free(r.lat);
}

const struct scenario sim_scenario_blind_inject = {
	.name = "blind-inject",
	.summary = "spoofed RST/SYN/ACK/data on A's live connections; RFC 5961's odds, no worse",
	.usage = "blind-inject [--conns C (10)] [--requests R (2000)] [--size S (4000)]\n"
		 "     [--rate N spoofed segments/s (5000)] [--rcvbuf B] [--sndbuf B] (64k)\n"
		 "     [--cc NAME] [--time-limit T]   (requests are persistent: R/C per connection)",
	.opts_size = sizeof(struct inject_opts),
	.defaults = inject_defaults,
	.parse = inject_parse,
	.ip6 = 1,
	.config = inject_config,
	.run = inject_run,
};
