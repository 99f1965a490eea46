/*
 * tools/sim_tcp.h - what utcp-sim's TCP scenarios share (tools/sim_tcp.c):
 * the applications (rr's server and client, run as coroutines, one per
 * context), their options, and the run helpers (invariants at each step,
 * draining TIME-WAIT, the end-of-run leak check).  The attack scenarios
 * (tools/sim_attack.c) run rr's applications beside an attacker.
 */
#ifndef UTCP_TOOLS_SIM_TCP_H
#define UTCP_TOOLS_SIM_TCP_H

#include "tools/sim_common.h"

#define TCP_PORT 5001
/* The longest a connection its application has closed may stay in the
 * stack, so that draining never gives up before the stack does. */
#define TCP_DRAIN_BOUND tcp_drain_bound()
utcp_time_t tcp_drain_bound(void);

/* Options every TCP scenario takes. */
struct tcp_common_opts {
	uint64_t rcvbuf, sndbuf;
	char cc[16];
	utcp_time_t limit;       /* virtual-time bound of the applications */
};

enum { OPT_RCVBUF = 300, OPT_SNDBUF, OPT_CC, OPT_LIMIT, OPT_HELP };

#define COMMON_LONGOPTS                                                                    \
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },                                 \
	{ "sndbuf", required_argument, NULL, OPT_SNDBUF },                                 \
	{ "cc", required_argument, NULL, OPT_CC },                                         \
	{ "time-limit", required_argument, NULL, OPT_LIMIT },                              \
	{ "help", no_argument, NULL, 'h' }

void common_defaults(struct tcp_common_opts *c, uint64_t buf);
/* A common option: 0 taken, -1 bad value, 1 not a common option. */
int common_opt(struct tcp_common_opts *c, int opt, const char *v);
void common_config(struct utcp_config *cfg, const struct tcp_common_opts *c);
/* getopt over a scenario's options; the scenario's own go to fn. */
int parse_scenario(const char *name, int argc, char **argv, const char *shortopts,
		   const struct option *longopts, struct tcp_common_opts *c,
		   int (*fn)(void *so, int opt, const char *v), void *so);

/* ---- rr: request/response applications --------------------------------- */

struct rr_opts {
	struct tcp_common_opts c;
	uint64_t conns, requests, size;
	int persistent;
};

struct rr {
	const struct rr_opts *ro;
	struct testbed *tb;
	uint64_t started, completed, srv_open;
	utcp_time_t *lat;                /* response time of each request */
	utcp_time_t t0, t_last;          /* start; the last response */
	int cli_done;
	struct verdict *v;
	int failed;
	/* for the attack scenarios */
	int backlog;                     /* A's listen backlog (0: 4096) */
	int tolerant;                    /* a failed request is counted, not fatal */
	utcp_time_t deadline;            /* a response later than this is late */
	utcp_time_t give_up;             /* B abandons a request older than this */
	uint64_t errors, late, accept_refused;
	/* blind-inject: bytes that differ from the pattern are counted, not
	 * fatal; differing bytes within corrupt_gap of the previous ones are
	 * one region (one spoofed segment) */
	uint64_t corrupt_gap, corrupt;
	uint64_t reaped;                 /* connections B aborted after give_up */
	/* connection attempts whose every SYN went unanswered (ETIMEDOUT in
	 * SYN-SENT): B dials again, as an application would, up to syn_allow
	 * times, the most independent loss explains (syn_timeouts_allowed) */
	uint64_t syn_timeouts, syn_allow;
	/* called on B just before it aborts a reaped connection (or NULL) */
	void (*on_reap)(void *arg, struct utcp_ctx *ctx, int fd);
	void *on_reap_arg;
};

/* A connection on either side of rr. */
struct rr_conn {
	struct rr *r;
	int fd, side;
	uint64_t sent, got, left;        /* left: requests still to make on it (B) */
	utcp_time_t t0;
	uint32_t mask;
	int established;                 /* B: connect completed */
	uint64_t stream, bad_end;        /* bytes read in all; just past the last differing one */
};

struct rr_core {
	struct rr *r;
	int core;
};

int rr_server(void *arg);            /* on host A, one per context */
int rr_client(void *arg);            /* on host B, one per context */
void rr_judge(struct rr *r, utcp_time_t elapsed, struct verdict *v);

/* ---- run helpers ------------------------------------------------------------ */

/* Run the world until every coroutine returned; invariants on each step. */
void run_apps(struct testbed *tb, utcp_time_t bound, struct verdict *v);
/* Keep driving ctx until its connections are gone (TIME-WAIT included). */
void drain(struct utcp_ctx *ctx);
/* Nothing (socket, connection, buffer) may be left on either host. */
void check_empty(const struct testbed *tb, struct verdict *v);
int listen_on(struct utcp_ctx *ctx, int *ep, int backlog);
int connect_to(struct utcp_ctx *ctx, uint32_t ip, uint16_t *lport);
/* The most of n connection attempts that may fail with every SYN (or the
 * SYN-ACK it drew) lost, on a link that loses frames independently as o's
 * does, at a false-alarm rate below 1e-7 per run; 0 with bursty loss. */
uint64_t syn_timeouts_allowed(const struct sim_opts *o, uint64_t n);
void print_tcp_counters(const struct testbed *tb);
void sum_stats(const struct testbed *tb, struct utcp_stats *sum);
/* Spawn fn on every context of tb->host[host], arg[i] (size bytes apart) for context i. */
int spawn_per_core(struct testbed *tb, int host, utcp_sim_coro_fn fn, void *arg, size_t size);

#endif /* UTCP_TOOLS_SIM_TCP_H */
