/*
 * tools/utcp-bench.c - utcp against the Linux kernel, side by side, in one
 * run: the same workloads (tools/bench/wl.c) on utcp's client and server on
 * the simulated wire and on a kernel client and server over loopback, both
 * in one thread pinned to one CPU, rounds interleaved, and a table of
 * figures per CPU-second and per wall-second with their ratio (median and
 * per round) and utcp's instructions per transaction (callgrind,
 * deterministic) in one table; then the scaling from one to two CPUs
 * (independent instances, one per CPU).  The header gives this kernel's
 * cost of a null system call, socket+close and a loopback round trip.
 *
 *   utcp-bench [--quick] [--rounds N] [--cpu N] [--time S] [--seed N]
 *              [--workloads short,pingpong,bulk,latency] [--count N] [--conns N]
 *              [--only utcp|kernel] [--no-callgrind] [--no-scaling] [--no-offload] [--no-tso]
 *              [--zc]
 *              [--path sim|tap|memif]
 *   utcp-bench --instructions [--workloads ...]   (callgrind figures only)
 *
 * Call order: parse_args -> finish_opts -> bench_pin -> report_header ->
 * run_rounds -> report_callgrind -> report_table -> report_scaling ->
 * report_footer.
 *
 * --path tap (tools/bench/bpath_tap.c) runs utcp's server on a TAP device
 * against kernel client sockets, beside a kernel server and client over a
 * veth pair between two network namespaces (no callgrind, no scaling).
 * --path memif (tools/bench/bpath_memif.c) runs the server and the client
 * in two processes, each pinned to its own CPU: utcp's on DPDK net_memif,
 * the kernel's over loopback (no callgrind, no scaling).
 *
 * Exit status: 0 when every run completed with every byte verified, 1 when
 * a run failed (the reason and, for utcp, the seed are printed), 2 on bad
 * usage, 77 when --path tap cannot run here (not root, no /dev/net/tun) or
 * --path memif cannot (utcp built without DPDK, memif does not start, one CPU).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/base/args.h"
#include "tools/bench/bench.h"
#include "tools/bench/report.h"
#include "tools/progress.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: utcp-bench [options]\n"
		"  --quick            small counts, one round, no callgrind/scaling (smoke test)\n"
		"  --rounds N         interleaved rounds per workload (default: short and bulk 5,\n"
		"                     pingpong and latency 3; median reported, and each round's ratio)\n"
		"  --cpu N            the CPU both stacks run on (default: the last one; not\n"
		"                     with --path memif)\n"
		"  --time S           wall-time bound per run, s (default 5)\n"
		"  --seed N           simulator seed (default 1)\n"
		"  --workloads LIST   comma-separated: short,pingpong,bulk,latency (default all)\n"
		"  --count N          transactions (bulk: bytes) per run, for every workload chosen\n"
		"  --conns N          connections in flight for short and pingpong (default 1000, 64)\n"
		"  --only utcp|kernel run one stack only\n"
		"  --no-callgrind     skip instructions per transaction (valgrind)\n"
		"  --instructions     only the instructions per transaction (valgrind; what\n"
		"                     tests/bench/ceiling.sh checks)\n"
		"  --no-scaling       skip the one-CPU / two-CPU scaling runs\n"
		"  --no-offload       utcp's simulated NICs compute every TCP checksum in\n"
		"                     software (default: checksum offload, as loopback)\n"
		"  --no-tso           bulk: utcp's simulated NICs without segmentation offload,\n"
		"                     frames of one MSS (default: TSO frames up to 64 KiB on a\n"
		"                     wire that carries them whole, as loopback's)\n"
		"  --zc               bulk: utcp's client and server use the zero-copy calls\n"
		"                     (utcp_send_zc_reserve/commit, utcp_recv_zc/done): the server\n"
		"                     checks the bytes in the receive ring, one copy less; the\n"
		"                     kernel's side keeps read and write\n"
		"  --path P           sim (default): utcp on the simulated wire, the kernel over\n"
		"                     loopback; tap: utcp's server on TAP against kernel client\n"
		"                     sockets, the kernel over a veth pair between two network\n"
		"                     namespaces (root; default workloads short,pingpong);\n"
		"                     memif: server and client in two processes, each pinned\n"
		"                     to its own CPU (the first two allowed), utcp's on DPDK\n"
		"                     net_memif, the kernel's over loopback, CPU-s of both\n"
		"                     processes (utcp's poll loops count while idle); default\n"
		"                     workloads short,pingpong; 77 without DPDK\n"
		"  --ip6              then short and pingpong on utcp over IPv6 against utcp over\n"
		"                     IPv4, rounds interleaved, per CPU-second (sim path only)\n");
}

static int parse_workloads(const char *s, int *want)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", s);
	memset(want, 0, sizeof(int) * WL_NKINDS);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k;
		for (k = 0; k < WL_NKINDS && strcmp(t, wl_names[k]) != 0; k++)
			;
		if (k == WL_NKINDS)
			return -1;
		want[k] = 1;
	}
	return 0;
}

/* A number >= min (core/base/args.h). */
static int parse_num(const char *s, double min, double *out)
{
	return utcp_parse_double(s, min, HUGE_VAL, out) == 0 ? 0 : -1;
}

static void default_specs(struct bench_opts *o)
{
	static const struct wl_spec full[WL_NKINDS] = {
		{ WL_SHORT, 1000, 200000, 64, 0, 5, 0, 0, 0, 0 },
		{ WL_PINGPONG, 64, 1000000, 64, 0, 5, 0, 0, 0, 0 },
		{ WL_BULK, 1, 8ull << 30, 0, 65536, 5, 0, 0, 0, 0 },
		{ WL_LATENCY, 1, 50000, 64, 0, 5, 0, 0, 0, 0 },
	};
	static const struct wl_spec quick[WL_NKINDS] = {
		{ WL_SHORT, 1000, 3000, 64, 0, 2, 0, 0, 0, 0 },
		{ WL_PINGPONG, 64, 20000, 64, 0, 2, 0, 0, 0, 0 },
		{ WL_BULK, 1, 64ull << 20, 0, 65536, 2, 0, 0, 0, 0 },
		{ WL_LATENCY, 1, 2000, 64, 0, 2, 0, 0, 0, 0 },
	};
	memcpy(o->spec, o->quick ? quick : full, sizeof(o->spec));
}

static int parse_opt(struct bench_opts *o, int c, const char *arg)
{
	double v;
	switch (c) {
	case 'q': o->quick = 1; return 0;
	case 'r': return parse_num(arg, 1, &v) < 0 ? -1 : (o->rounds = (int)v, 0);
	case 'c': return parse_num(arg, 0, &v) < 0 ? -1 : (o->cpu = (int)v, 0);
	case 't': return parse_num(arg, 0.01, &o->max_wall);
	case 's': return parse_num(arg, 0, &v) < 0 ? -1 : (o->seed = (uint64_t)v, 0);
	case 'w': return parse_workloads(arg, o->want);
	case 'n': return parse_num(arg, 1, &v) < 0 ? -1 : (o->count = (uint64_t)v, 0);
	case 'N': return parse_num(arg, 1, &v) < 0 || v > 1000000 ? -1 : (o->conns = (int)v, 0);
	case 'I': o->instructions = 1; return 0;
	case 'o':
		if (strcmp(arg, "utcp") && strcmp(arg, "kernel"))
			return -1;
		o->only = arg[0] == 'u' ? 1 : 2;
		return 0;
	case 'C': o->no_callgrind = 1; return 0;
	case 'S': o->no_scaling = 1; return 0;
	case 'O': o->no_offload = 1; return 0;
	case 'T': o->no_tso = 1; return 0;
	case 'Z': o->zc = 1; return 0;
	case '6': o->ip6 = 1; return 0;
	case 'X': o->child = 1; return 0;
	case 'P':
		if (strcmp(arg, "sim") && strcmp(arg, "tap") && strcmp(arg, "memif"))
			return -1;
		o->path_tap = arg[0] == 't';
		o->path_memif = arg[0] == 'm';
		return 0;
	}
	return -1;
}

static const char *opt_name(const struct option *opts, int c)
{
	for (; opts->name != NULL; opts++)
		if (opts->val == c)
			return opts->name;
	return "?";
}

static int parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },      { "rounds", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'c' },   { "time", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },  { "workloads", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' }, { "only", required_argument, NULL, 'o' },
		{ "no-callgrind", no_argument, NULL, 'C' }, { "no-scaling", no_argument, NULL, 'S' },
		{ "no-offload", no_argument, NULL, 'O' }, { "conns", required_argument, NULL, 'N' },
		{ "instructions", no_argument, NULL, 'I' }, { "path", required_argument, NULL, 'P' },
		{ "callgrind-child", no_argument, NULL, 'X' }, { "help", no_argument, NULL, 'h' },
		{ "ip6", no_argument, NULL, '6' },         { "no-tso", no_argument, NULL, 'T' },
		{ "zc", no_argument, NULL, 'Z' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	memset(o, 0, sizeof(*o));
	o->rounds = -1;
	o->cpu = -1;
	o->seed = 1;
	for (int k = 0; k < WL_NKINDS; k++)
		o->want[k] = -1; /* the default set */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || parse_opt(o, c, optarg) < 0) {
			if (c != '?')
				fprintf(stderr, "utcp-bench: bad value '%s' for --%s\n", optarg,
					opt_name(opts, c));
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "utcp-bench: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static void finish_opts(struct bench_opts *o)
{
	default_specs(o);
	for (int k = 0; k < WL_NKINDS; k++) {
		/* the noisiest two get more rounds */
		int r = o->rounds > 0 ? o->rounds : o->quick ? 1 : k == WL_SHORT || k == WL_BULK ? 5 : 3;
		o->rounds_k[k] = r < BENCH_MAX_ROUNDS ? r : BENCH_MAX_ROUNDS;
		if (o->conns > 0 && (k == WL_SHORT || k == WL_PINGPONG))
			o->spec[k].conns = o->conns;
	}
	if (o->rounds > BENCH_MAX_ROUNDS)
		o->rounds = BENCH_MAX_ROUNDS;
	if (o->cpu < 0)
		o->cpu = bench_allowed_cpu(-1);
	o->scale_cpu[0] = bench_allowed_cpu(0); /* before this thread is pinned */
	o->scale_cpu[1] = bench_allowed_cpu(1);
	for (int k = 0; k < WL_NKINDS; k++) {
		if (o->count)
			o->spec[k].count = o->count;
		if (o->max_wall > 0)
			o->spec[k].max_wall = o->max_wall;
		o->spec[k].no_offload = o->no_offload;
		o->spec[k].no_tso = o->no_tso;
		o->spec[k].zc = o->zc;
	}
	int real = o->path_tap || o->path_memif;
	for (int k = 0; k < WL_NKINDS; k++) /* tap, memif: bulk and latency only when asked */
		if (o->want[k] < 0)
			o->want[k] = !real || k == WL_SHORT || k == WL_PINGPONG;
	if (o->quick || real) {
		o->no_callgrind = 1;
		o->no_scaling = 1;
	}
}

/* The n-th CPU this process may run on (n = -1: the last one); -1 if none. */
int bench_allowed_cpu(int n)
{
	cpu_set_t set;
	int last = -1, seen = 0;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return n <= 0 ? 0 : -1;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (seen++ == n)
			return c;
		last = c;
	}
	return n < 0 ? last : -1;
}

/* One run of one stack on one CPU, with the load other processes put on it. */
static int run_one_cpu(const struct bench_opts *o, int stack, enum wl_kind k, struct wl_result *res)
{
	struct cpu_ticks before, after;
	cpu_ticks_read(o->cpu, &before);
	double sirq = ksoftirqd_cpu(o->cpu);
	int rc = o->path_tap ? (stack == STACK_UTCP ? bench_tap_utcp_run(&o->spec[k], res)
						    : bench_tap_kernel_run(&o->spec[k], res))
		 : stack == STACK_UTCP ? bench_utcp_run(&o->spec[k], o->seed, res)
				       : bench_kernel_run(&o->spec[k], res);
	cpu_ticks_read(o->cpu, &after);
	res->softirqd = ksoftirqd_cpu(o->cpu) - sirq;
	if (stack == STACK_KERNEL && !o->path_tap)
		snprintf(res->note, sizeof(res->note), "ksoftirqd/%d ran %.0f ms meanwhile (not counted)",
			 o->cpu, 1e3 * res->softirqd);
	else if (o->path_tap) /* both stacks have the kernel's device work */
		snprintf(res->note + strlen(res->note), sizeof(res->note) - strlen(res->note),
			 "; ksoftirqd/%d ran %.0f ms (not counted)", o->cpu, 1e3 * res->softirqd);
	res->other = cpu_ticks_busy(&before, &after) - res->cpu;
	return rc;
}

/* One run of one stack (memif: on two CPUs, which bpath_memif.c watches). */
static int run_one(const struct bench_opts *o, int stack, enum wl_kind k, struct wl_result *res)
{
	int rc = o->path_memif ? bench_memif_run(&o->spec[k], stack == STACK_UTCP, res)
			       : run_one_cpu(o, stack, k, res);
	if (rc < 0)
		fprintf(stderr, "utcp-bench: %s %s failed: %s\n", stack == STACK_UTCP ? "utcp" : "kernel",
			wl_names[k], res->why);
	return rc;
}

/* Rounds interleaved: utcp then kernel, then kernel then utcp, ... */
static int run_rounds(const struct bench_opts *o, struct bench_table *t)
{
	int failed = 0, runs = 0, done = 0;
	struct progress pr;
	for (int k = 0; k < WL_NKINDS; k++)
		runs += o->want[k] ? o->rounds * (o->only ? 1 : 2) : 0;
	progress_start(&pr, "runs", (uint64_t)runs);
	for (int k = 0; k < WL_NKINDS; k++) {
		if (!o->want[k])
			continue;
		for (int round = 0; round < o->rounds_k[k]; round++) {
			for (int j = 0; j < 2; j++) {
				int stack = (round + j) % 2 == 0 ? STACK_UTCP : STACK_KERNEL;
				if (o->only && o->only != stack + 1)
					continue;
				struct wl_result *res = &t->res[k][stack][round];
				if (run_one(o, stack, (enum wl_kind)k, res) < 0)
					failed = 1;
				t->n[k][stack] = round + 1;
				progress_step(&pr, (uint64_t)++done);
			}
		}
	}
	progress_end(&pr);
	return failed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* --ip6: short and pingpong on utcp over IPv4 and over IPv6, rounds
 * interleaved (v4 first, then v6 first, ...), median units per CPU-second. */
static int run_ip6(const struct bench_opts *o)
{
	static const enum wl_kind kinds[] = { WL_SHORT, WL_PINGPONG };
	int failed = 0;
	printf("\nutcp over IPv6 against utcp over IPv4 (sim, per CPU-second, median):\n");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		enum wl_kind k = kinds[i];
		int n = o->rounds_k[k];
		double rate[2][BENCH_MAX_ROUNDS];
		if (!o->want[k])
			continue;
		for (int round = 0; round < n; round++)
			for (int j = 0; j < 2; j++) {
				int v6 = (round + j) % 2;
				struct wl_spec sp = o->spec[k];
				struct wl_result res;
				sp.ip6 = v6;
				if (bench_utcp_run(&sp, o->seed, &res) < 0 || res.cpu <= 0) {
					failed = 1;
					rate[v6][round] = 0;
					continue;
				}
				rate[v6][round] = (double)res.units / res.cpu;
			}
		qsort(rate[0], (size_t)n, sizeof(double), cmp_double);
		qsort(rate[1], (size_t)n, sizeof(double), cmp_double);
		double r4 = rate[0][n / 2], r6 = rate[1][n / 2];
		printf("  %-9s IPv4 %10.0f/s  IPv6 %10.0f/s  IPv6/IPv4 %.3f (%d rounds)\n", wl_names[k],
		       r4, r6, r4 > 0 ? r6 / r4 : 0.0, n);
	}
	return failed;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	static struct bench_table t;
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	finish_opts(&o);
	if (bench_pin(o.cpu) < 0) {
		fprintf(stderr, "utcp-bench: cannot run on CPU %d (--cpu): %s\n", o.cpu, strerror(errno));
		return 2;
	}
	if (o.child)
		return callgrind_child(&o);
	if (o.instructions)
		return report_callgrind(&o, &t) ? 1 : 0;
	char err[300];
	if (o.path_tap && bench_tap_setup(err, sizeof(err)) < 0) {
		fprintf(stderr, "utcp-bench: --path tap: %s; skipped\n", err);
		bench_tap_teardown();
		return 77;
	}
	if (o.path_memif && bench_memif_setup(o.scale_cpu, o.only != 2, err, sizeof(err)) < 0) {
		fprintf(stderr, "utcp-bench: --path memif: %s; skipped\n", err);
		return 77;
	}
	report_header(&o, argc, argv);
	int failed = run_rounds(&o, &t);
	if (!o.no_callgrind && !o.only)
		failed |= report_callgrind(&o, &t);
	report_table(&o, &t);
	if (o.ip6 && !o.path_tap && !o.path_memif)
		failed |= run_ip6(&o);
	if (!o.no_scaling)
		failed |= report_scaling(&o);
	report_footer(&o, &t, failed);
	if (o.path_tap)
		bench_tap_teardown();
	return failed ? 1 : 0;
}
