/*
 * tools/sim_common.h - what utcp-sim's scenarios share (sim_common.c): the
 * options common to every scenario, the verdict, the two-host testbed and
 * the value parsers.
 *
 * A scenario is one file (tools/sim_<name>.c) defining a `struct scenario`
 * and listed in the table in tools/utcp-sim.c.  Call order for each seed:
 * testbed_open (world, link, hosts A and B with configs built in code, the
 * scenario's config hook applied) -> the scenario's run() drives the world
 * with run_world() and records failures with fail_at() -> testbed_close
 * counts leaked buffers -> main prints the verdict line.
 */
#ifndef UTCP_TOOLS_SIM_H
#define UTCP_TOOLS_SIM_H

#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <netinet/in.h>
#include <stdio.h>
#include <utcp/utcp.h>
#include <utcp/sim.h>

#include "core/base/args.h"
#include "tools/plot.h"

#define EXIT_USAGE 2
#define PKT_BUFS 2048 /* packet buffers per queue in the testbed */

#define HINT_TIME "a duration with a unit: 500us, 10ms, 1.5s"
#define HINT_PROB "a probability: 0.1 or 10%"

struct scenario;

/* Options shared by every scenario. */
struct sim_opts {
	uint64_t seed_first, seed_last;
	int sweep;                       /* --seeds given */
	const char *pcap;
	const char *trace;               /* --trace FILE.csv (or DIR/trace.csv of --plot) */
	const char *plot;                /* --plot DIR */
	FILE *trace_f;                   /* the open trace, while the run lasts */
	int quiet;
	int cores;
	struct utcp_sim_link_params link;
	int impaired;                    /* any impairment given */
	int flap;                        /* --flap: down at flap_at for flap_for */
	utcp_time_t flap_at, flap_for;
	int mtu_drop, mtu_icmp;          /* --mtu-drop AT:MTU[:noicmp] */
	utcp_time_t mtu_at;
	uint32_t mtu;
	int mtu_probing;                 /* --mtu-probing N: both hosts' tcp_mtu_probing */
	int mac_change;                  /* --mac-change: B's MAC changes at mac_change_at */
	int ip6;                         /* --ip6: TCP between 2001:db8::1 and ::2 */
	utcp_time_t mac_change_at;
	int ecn;                         /* --ecn: tcp_ecn = 1 on both hosts */
	int tso, gro;                    /* --tso, --gro: the NICs' offloads */
	const struct scenario *sc;       /* the scenario being run, and its options */
	const void *sopts;
};

struct verdict {
	int pass;
	char summary[400];               /* "sent=10 received=9 loss=10.0%" */
	char reason[200];                /* why it failed */
};

struct testbed {
	struct utcp_sim_world *w;
	struct utcp_sim_link *link;
	struct utcp_sim_host *host[2];
	uint32_t ip[2];
	struct trace_sink sink[2][UTCP_MAX_CORES]; /* --trace: each context's */
	const struct sim_opts *o;        /* for the timed faults (tools/sim_timed.c) */
	int mac_changed;
};

struct scenario {
	const char *name;
	const char *summary;
	const char *usage;
	size_t opts_size;
	void (*defaults)(void *sopts);
	/* 0, or EXIT_USAGE after printing the problem */
	int (*parse)(int argc, char **argv, void *sopts);
	int ip6;                         /* runs over IPv6 with --ip6 */
	/* Optional: adjust host's stack config (0: A, 1: B) before it opens. */
	void (*config)(struct utcp_config *cfg, int host, const void *sopts);
	void (*run)(const struct sim_opts *o, const void *sopts, uint64_t seed, struct verdict *v);
};

extern const struct scenario sim_scenario_ping;
extern const struct scenario sim_scenario_transfer;
extern const struct scenario sim_scenario_rr;
extern const struct scenario sim_scenario_synflood;
extern const struct scenario sim_scenario_exhaust;
extern const struct scenario sim_scenario_blind_inject;
extern const struct scenario sim_scenario_reboot;
extern const struct scenario sim_scenario_http;
extern const struct scenario sim_scenario_udp;
extern const struct scenario sim_scenario_idle;

void sim_usage(FILE *f);
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fail_at(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *opt_name(const struct option *opts, int c);

int parse_time(const char *s, utcp_time_t *out);
int parse_rate(const char *s, uint64_t *out);
/* Numbers (core/base/args.h): 0, or -1 when not a number within range. */
static inline int parse_prob(const char *s, double *out)
{
	return utcp_parse_prob(s, out) == 0 ? 0 : -1;
}
/* A number >= min. */
static inline int parse_double_min(const char *s, double min, double *out)
{
	return utcp_parse_double(s, min, HUGE_VAL, out) == 0 ? 0 : -1;
}
/* Decimal, or hexadecimal after 0x. */
static inline int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return utcp_parse_u64(s, 0, min, max, out) == 0 ? 0 : -1;
}
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_seeds(const char *s, uint64_t *first, uint64_t *last);
const char *fmt_dur(char *buf, size_t len, utcp_time_t ns);
const char *fmt_rate(char *buf, size_t len, uint64_t r);

int testbed_open(struct testbed *tb, const struct sim_opts *o, uint64_t seed, char *err,
		 size_t errlen);
/* --ip6: listen_on and connect_to (tools/sim_tcp.c) speak IPv6, host i
 * (0: A) being 2001:db8::(i + 1)/64; set by testbed_open. */
extern int sim_ip6;
void sim_host_in6(int i, struct in6_addr *a);
void testbed_close(struct testbed *tb, struct verdict *v);
/* tools/sim_timed.c: faults due at a moment of the run. */
void sim_timed_step(struct testbed *tb);
void print_drops(const struct utcp_stats *s);
void print_counters(const struct testbed *tb);
void print_link(const struct sim_opts *o, uint64_t seed);
/* Run the world until *done, within bound (virtual ns from now). */
void run_world(struct testbed *tb, int *done, utcp_time_t bound, struct verdict *v);

#endif /* UTCP_TOOLS_SIM_H */
