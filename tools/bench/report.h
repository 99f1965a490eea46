/*
 * tools/bench/report.h - utcp-bench's options, result table and reports
 * (report.c: the side-by-side table, callgrind instruction counts, the
 * one-CPU / two-CPU scaling runs).
 */
#ifndef UTCP_TOOLS_BENCH_REPORT_H
#define UTCP_TOOLS_BENCH_REPORT_H

#include "tools/bench/bench.h"

#define BENCH_MAX_ROUNDS 15

enum { STACK_UTCP, STACK_KERNEL };

struct bench_opts {
	int quick, rounds, cpu, only; /* only: 0 both, 1 utcp, 2 kernel */
	int no_callgrind, no_scaling, child, no_offload;
	int no_tso;                   /* --no-tso: bulk in MSS-sized frames */
	int zc;                       /* --zc: bulk on utcp's zero-copy calls */
	int conns;                    /* --conns: short and pingpong (0: default) */
	int instructions;             /* --instructions: callgrind figures only */
	int path_tap;                 /* --path tap: TAP and veth, not sim and loopback */
	int path_memif;               /* --path memif: two processes, DPDK memif / loopback */
	int ip6;                      /* --ip6: utcp over IPv6 against utcp over IPv4 too */
	int rounds_k[WL_NKINDS];      /* rounds per workload */
	double max_wall;
	uint64_t seed, count;
	int want[WL_NKINDS];
	int scale_cpu[2];             /* the CPUs of the scaling runs */
	struct wl_spec spec[WL_NKINDS];
};

struct bench_table {
	struct wl_result res[WL_NKINDS][2][BENCH_MAX_ROUNDS];
	int n[WL_NKINDS][2];
	double ir[WL_NKINDS];         /* utcp instructions per unit (callgrind); 0: none */
};

/* Busy time of one CPU from /proc/stat. */
struct cpu_ticks {
	unsigned long long busy;
	int ok;
};
void cpu_ticks_read(int cpu, struct cpu_ticks *t);
double cpu_ticks_busy(const struct cpu_ticks *a, const struct cpu_ticks *b);

/* CPU time (s) of the ksoftirqd thread of `cpu` so far (0 if not found):
 * kernel network work deferred out of the benchmark thread lands there. */
double ksoftirqd_cpu(int cpu);

int bench_pin(int cpu);
/* The n-th CPU this process may run on (n = -1: the last one); -1 if none. */
int bench_allowed_cpu(int n);
void report_header(const struct bench_opts *o, int argc, char **argv);
void report_table(const struct bench_opts *o, const struct bench_table *t);
/* Instructions per unit of each workload chosen into t->ir; 1 if one failed. */
int report_callgrind(const struct bench_opts *o, struct bench_table *t);
/* This machine's kernel: a null system call, socket+close, a loopback
 * round trip (CPU us each), for comparing machines (kcost.c). */
void report_kernel_costs(void);
int report_scaling(const struct bench_opts *o);
void report_footer(const struct bench_opts *o, const struct bench_table *t, int failed);
int callgrind_child(const struct bench_opts *o);

#endif
