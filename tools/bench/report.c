/*
 * tools/bench/report.c - what utcp-bench prints: the side-by-side table
 * (medians over the interleaved rounds, each round's ratio, and utcp's
 * instructions per transaction under callgrind), the scaling from one CPU
 * to two, and the legend that says how each figure was obtained.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/bench/report.h"

int bench_pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static const char *const wl_desc[WL_NKINDS] = {
	"short: new connection per 64 B request/response",
	"pingpong: 64 B request/response, persistent",
	"bulk: one flow, one-way",
	"latency: 64 B request/response, 1 connection",
};

void cpu_ticks_read(int cpu, struct cpu_ticks *t)
{
	char want[32], line[512];
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	t->ok = 0;
	if (f == NULL)
		return;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
			/* user nice system idle iowait irq softirq steal */
			t->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
			t->ok = 1;
		}
		break;
	}
	fclose(f);
}

double cpu_ticks_busy(const struct cpu_ticks *a, const struct cpu_ticks *b)
{
	if (!a->ok || !b->ok)
		return 0;
	return (double)(b->busy - a->busy) / (double)sysconf(_SC_CLK_TCK);
}

static int ksoftirqd_pid(int cpu)
{
	char want[32], path[64], comm[64];
	snprintf(want, sizeof(want), "ksoftirqd/%d\n", cpu);
	for (int pid = 2; pid < 4096; pid++) { /* kernel threads start early */
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		int hit = fgets(comm, sizeof(comm), f) != NULL && strcmp(comm, want) == 0;
		fclose(f);
		if (hit)
			return pid;
	}
	return -1;
}

double ksoftirqd_cpu(int cpu)
{
	static int pids[64]; /* per CPU: 0 not looked up yet, -1 none */
	int pid = cpu >= 0 && cpu < 64 ? pids[cpu] : -1;
	char path[64];
	unsigned long long ut, st;
	if (pid == 0)
		pid = pids[cpu] = ksoftirqd_pid(cpu);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = pid > 0 ? fopen(path, "r") : NULL;
	/* fields 14 and 15: utime, stime (the comm field has no spaces here) */
	int n = f != NULL ? fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				   &ut, &st) : 0;
	if (f != NULL)
		fclose(f);
	return n == 2 ? (double)(ut + st) / (double)sysconf(_SC_CLK_TCK) : 0;
}

/* ---- numbers ------------------------------------------------------------------------- */

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

enum metric { M_PER_CPU, M_PER_WALL, M_CPU_PER_UNIT, M_P50, M_P99, M_USER, M_OTHER };

static double metric(const struct wl_result *r, enum wl_kind k, enum metric m)
{
	double units = k == WL_BULK ? (double)r->units * 8 / 1e9 : (double)r->units;
	switch (m) {
	case M_PER_CPU: return r->cpu > 0 ? units / r->cpu : 0;
	case M_PER_WALL: return r->wall > 0 ? units / r->wall : 0;
	case M_CPU_PER_UNIT: return units > 0 ? r->cpu / units : 0;
	case M_P50: return r->p50;
	case M_P99: return r->p99;
	case M_USER: return r->user + r->sys > 0 ? r->user / (r->user + r->sys) : 0;
	case M_OTHER: return r->wall > 0 ? r->other / r->wall : 0;
	}
	return 0;
}

/* Median over the rounds that completed; -1 if none did. */
static double median(const struct bench_table *t, enum wl_kind k, int stack, enum metric m)
{
	double v[BENCH_MAX_ROUNDS];
	int n = 0;
	for (int i = 0; i < t->n[k][stack]; i++)
		if (t->res[k][stack][i].ok)
			v[n++] = metric(&t->res[k][stack][i], k, m);
	if (n == 0)
		return -1;
	qsort(v, (size_t)n, sizeof(v[0]), dcmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *fmt_num(char *b, size_t len, double v)
{
	if (v < 0)
		snprintf(b, len, "-");
	else if (v >= 1e6)
		snprintf(b, len, "%.2f M", v / 1e6);
	else if (v >= 1e4)
		snprintf(b, len, "%.1f k", v / 1e3);
	else if (v >= 100)
		snprintf(b, len, "%.0f", v);
	else
		snprintf(b, len, "%.2f", v);
	return b;
}

/* Each round's ratio (utcp against the kernel of the same round), e.g.
 * "10.4 9.8 11.0"; "-" when no round has both. */
static void round_ratios(const struct bench_table *t, enum wl_kind k, enum metric m,
			 int lower_better, char *buf, size_t len)
{
	size_t at = 0;
	int n = t->n[k][0] < t->n[k][1] ? t->n[k][0] : t->n[k][1];
	snprintf(buf, len, "-");
	for (int i = 0; i < n && at < len; i++) {
		const struct wl_result *u = &t->res[k][STACK_UTCP][i], *kr = &t->res[k][STACK_KERNEL][i];
		double vu = metric(u, k, m), vk = metric(kr, k, m);
		if (!u->ok || !kr->ok || vu <= 0 || vk <= 0)
			at += (size_t)snprintf(buf + at, len - at, "%s-", at ? " " : "");
		else
			at += (size_t)snprintf(buf + at, len - at, "%s%.1f", at ? " " : "",
					       lower_better ? vk / vu : vu / vk);
	}
}

/* One row: kernel, utcp, how many times better utcp is (median, then
 * each round), and utcp's instructions per unit (first row only). */
static void row(const struct bench_table *t, enum wl_kind k, const char *what, enum metric m,
		double scale, int lower_better, const char *ir)
{
	char a[32], b[32], ratio[32] = "-", rounds[64];
	double kern = median(t, k, STACK_KERNEL, m), utcp = median(t, k, STACK_UTCP, m);
	kern = kern < 0 ? kern : kern * scale;
	utcp = utcp < 0 ? utcp : utcp * scale;
	if (kern > 0 && utcp > 0)
		snprintf(ratio, sizeof(ratio), "%.2fx", lower_better ? kern / utcp : utcp / kern);
	round_ratios(t, k, m, lower_better, rounds, sizeof(rounds));
	printf("| %-9s | %-26s | %12s | %12s | %11s | %-24s | %12s |\n", ir ? wl_names[k] : "", what,
	       fmt_num(a, sizeof(a), kern), fmt_num(b, sizeof(b), utcp), ratio, rounds, ir ? ir : "");
}

static void rows_for(const struct bench_table *t, enum wl_kind k)
{
	char ir[32] = "-";
	if (t->ir[k] > 0)
		snprintf(ir, sizeof(ir), k == WL_BULK ? "%.2f /B" : "%.0f", t->ir[k]);
	switch (k) {
	case WL_SHORT:
	case WL_PINGPONG:
		row(t, k, "transactions / CPU-s", M_PER_CPU, 1, 0, ir);
		row(t, k, "transactions / wall-s", M_PER_WALL, 1, 0, NULL);
		break;
	case WL_BULK:
		row(t, k, "Gbit/s per CPU-s", M_PER_CPU, 1, 0, ir);
		row(t, k, "Gbit/s (wall)", M_PER_WALL, 1, 0, NULL);
		break;
	default:
		row(t, k, "CPU us / round trip", M_CPU_PER_UNIT, 1e6, 1, ir);
		row(t, k, "p50 wall us / round trip", M_P50, 1e6, 1, NULL);
		row(t, k, "p99 wall us / round trip", M_P99, 1e6, 1, NULL);
		break;
	}
}

/* ---- the report -------------------------------------------------------------------- */

static void cpu_model(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");
	snprintf(buf, len, "unknown CPU");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && c != NULL) {
			snprintf(buf, len, "%s", c + 2);
			buf[strcspn(buf, "\n")] = 0;
			break;
		}
	}
	if (f != NULL)
		fclose(f);
}

void report_header(const struct bench_opts *o, int argc, char **argv)
{
	struct utsname u;
	char model[128];
	uname(&u);
	cpu_model(model, sizeof(model));
	const char *name = strrchr(argv[0], '/');
	name = name != NULL ? name + 1 : argv[0];
	printf("utcp-bench: command: %s", strncmp(name, "lt-", 3) == 0 ? name + 3 : name);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	char where[64];
	if (o->path_memif)
		snprintf(where, sizeof(where), "servers on CPU %d, clients on CPU %d", o->scale_cpu[0],
			 o->scale_cpu[1]);
	else
		snprintf(where, sizeof(where), "both stacks on CPU %d", o->cpu);
	printf("\nutcp-bench: Linux %s, %s, %ld CPUs; %s; rounds interleaved; seed %" PRIu64 "\n",
	       u.release, model, sysconf(_SC_NPROCESSORS_ONLN), where, o->seed);
	report_kernel_costs();
	if (o->path_memif) {
		printf("utcp-bench: path memif: two processes, the server pinned to CPU %d and the client\n"
		       "utcp-bench:   to CPU %d; utcp = utcp's server and client on utcp's DPDK backend\n"
		       "utcp-bench:   joined by net_memif (shared-memory rings, no kernel on the data path,\n"
		       "utcp-bench:   static ARP); kernel = the kernel's server and client over loopback\n"
		       "utcp-bench:   (127.0.0.1, not a veth pair); CPU-s = both processes' own CPU time\n"
		       "utcp-bench:   (CLOCK_PROCESS_CPUTIME_ID) over the client's timed phase, added.\n"
		       "utcp-bench:   DPDK's poll loop burns its core whether busy or not: utcp's CPU-s count\n"
		       "utcp-bench:   the polling too (about 2 CPU-s per wall-s), the kernel's processes\n"
		       "utcp-bench:   sleep when idle; so the per-wall-s rows stand beside them\n",
		       o->scale_cpu[0], o->scale_cpu[1]);
	} else if (o->path_tap) {
		printf("utcp-bench: path tap: utcp = utcp's server on a TAP device (checksum offload)\n"
		       "utcp-bench:   against kernel client sockets at the TAP's kernel end; kernel =\n"
		       "utcp-bench:   kernel server and client over a veth pair between two network\n"
		       "utcp-bench:   namespaces; one thread on CPU %d drives both ends in each\n", o->cpu);
	} else {
		printf("utcp-bench: utcp's simulated NICs: %s\n",
		       o->no_offload ? "no offloads (every checksum in software)"
				     : "TCP checksum offload, as loopback (--no-offload: in software)");
		if (o->want[WL_BULK])
			printf("utcp-bench: bulk: %s\n",
			       o->no_tso ? "frames of one MSS (--no-tso)"
					 : "TSO frames up to 64 KiB crossing the wire whole, as loopback's "
					   "(--no-tso: one MSS per frame)");
	}
	if (o->want[WL_BULK])
		printf("utcp-bench: bulk: %s\n",
		       o->zc ? "utcp's side on its zero-copy calls (--zc): a utcp client copies the "
			       "pattern into the\nutcp-bench:   send ring's room (the copy write() makes) "
			       "and commits it, a utcp server checks\nutcp-bench:   the bytes in the "
			       "receive ring (no copy out); the kernel's side reads and writes"
			     : "both stacks read and write (--zc: utcp's side on its zero-copy calls, "
			       "the kernel's\nutcp-bench:   still reading and writing)");
	for (int k = 0; k < WL_NKINDS; k++) {
		const struct wl_spec *s = &o->spec[k];
		if (!o->want[k])
			continue;
		if (k == WL_BULK)
			printf("utcp-bench:   %-8s %s, %" PRIu64 " MB in %zu B writes; %d round%s\n",
			       wl_names[k], wl_desc[k], s->count >> 20, s->wsize, o->rounds_k[k],
			       o->rounds_k[k] > 1 ? "s" : "");
		else
			printf("utcp-bench:   %-8s %s, %d in flight, %" PRIu64 " transactions; "
			       "%d round%s\n", wl_names[k], wl_desc[k], s->conns, s->count,
			       o->rounds_k[k], o->rounds_k[k] > 1 ? "s" : "");
	}
	printf("utcp-bench:   each run bounded to %.1f s wall (work started later is not)\n",
	       o->spec[0].max_wall);
	fflush(stdout);
}

void report_table(const struct bench_opts *o, const struct bench_table *t)
{
	printf("\n| %-9s | %-26s | %12s | %12s | %11s | %-24s | %12s |\n", "workload",
	       "figure (median of rounds)", "Linux kernel", "utcp", "utcp better", "each round",
	       "utcp instr.");
	printf("|-----------|----------------------------|--------------|--------------|-------------|"
	       "--------------------------|--------------|\n");
	for (int k = 0; k < WL_NKINDS; k++)
		if (o->want[k])
			rows_for(t, (enum wl_kind)k);
	printf("\n");
	for (int k = 0; k < WL_NKINDS; k++) {
		if (!o->want[k])
			continue;
		for (int s = 0; s < 2; s++) {
			if (t->n[k][s] == 0)
				continue;
			const struct wl_result *r = &t->res[k][s][t->n[k][s] - 1];
			char other[32] = "n/a (run too short)";
			if (r->wall >= 0.5) /* /proc/stat counts in ticks of 10 ms */
				snprintf(other, sizeof(other), "%.0f%%",
					 100 * median(t, (enum wl_kind)k, s, M_OTHER));
			printf("utcp-bench: %-8s %-6s user %3.0f%% of CPU, CPU-s %.3f, wall-s %.3f, "
			       "other load on the CPU %s; %s\n", wl_names[k], s ? "kernel" : "utcp",
			       100 * median(t, (enum wl_kind)k, s, M_USER), r->cpu, r->wall, other,
			       r->note);
		}
	}
}

static void verified_line(const struct bench_table *t)
{
	uint64_t txn[2] = { 0, 0 }, bytes[2] = { 0, 0 };
	int bad[2] = { 0, 0 };
	for (int k = 0; k < WL_NKINDS; k++)
		for (int s = 0; s < 2; s++)
			for (int i = 0; i < t->n[k][s]; i++) {
				const struct wl_result *r = &t->res[k][s][i];
				bad[s] += !r->ok;
				if (k == WL_BULK)
					bytes[s] += r->units;
				else
					txn[s] += r->units;
			}
	for (int s = 0; s < 2; s++)
		printf("utcp-bench: %s verified: %" PRIu64 " transactions and %" PRIu64
		       " bulk bytes, every byte checked; %d failed run%s\n",
		       s ? "kernel" : "utcp", txn[s], bytes[s], bad[s], bad[s] == 1 ? "" : "s");
}

void report_footer(const struct bench_opts *o, const struct bench_table *t, int failed)
{
	if (o->path_memif) {
		printf("\nLegend (--path memif): two processes, the server's pinned to one CPU and the\n"
		       "client's to the other, each running one side of the same workload code.  utcp:\n"
		       "utcp on its DPDK backend in each (EAL without hugepages or PCI, one poll loop per\n"
		       "process), joined by net_memif.  Kernel: server and client sockets over loopback, an\n"
		       "epoll loop per process.  CPU-s: each process's CLOCK_PROCESS_CPUTIME_ID over the\n"
		       "client's timed phase (the server reads its clocks as it sees the client's marks in\n"
		       "a shared page), the two added: both ends counted.  utcp's poll loops burn their\n"
		       "CPUs whether there is work or not, so utcp's per CPU-second counts idle polling\n"
		       "too; per wall-second is beside it.  'other load' is the mean share of the two CPUs\n"
		       "other processes used during the timed phase.  'utcp better' is utcp/kernel, of the\n"
		       "medians and of each round's pair.\n");
		verified_line(t);
		printf("utcp-bench: %s\n", failed ? "FAIL" : "PASS");
		return;
	}
	if (o->path_tap) {
		printf("\nLegend (--path tap): one thread on one CPU runs both endpoints and the kernel\n"
		       "work of their system calls.  utcp: utcp's server on a TAP device (tap_vnet_hdr,\n"
		       "checksum offload) and the kernel's client sockets at the TAP's kernel end, in\n"
		       "one loop that sleeps in epoll_wait on the client sockets and the TAP descriptor;\n"
		       "so the utcp figure includes a kernel client.  Kernel: kernel server in one network\n"
		       "namespace, kernel client in another, over a veth pair, in one epoll loop.  CPU-s:\n"
		       "CLOCK_THREAD_CPUTIME_ID over the timed phase; softirq work that ksoftirqd takes\n"
		       "over is not counted.  'utcp better' is utcp/kernel, of the medians and of each\n"
		       "round's pair.\n");
		verified_line(t);
		printf("utcp-bench: %s\n", failed ? "FAIL" : "PASS");
		return;
	}
	printf("\nLegend: one thread on one CPU runs both endpoints.  utcp: client and server are two\n"
	       "hosts of the simulator (link latency 1 us, no rate or queue limit, no impairment), each\n"
	       "application a coroutine; the simulator's own work is counted against utcp.  Kernel:\n"
	       "client and server sockets over loopback in one epoll loop; loopback's softirq runs in\n"
	       "that thread and is part of its CPU time.  CPU-s: CLOCK_THREAD_CPUTIME_ID over the timed\n"
	       "phase (user/sys split: getrusage).  Latency: virtual time means nothing for cost, so\n"
	       "both stacks report real time: CPU per round trip, and the wall time of each round trip\n"
	       "(one CPU does the client, the server and both stacks in between).  'utcp better' is\n"
	       "utcp/kernel for rates and kernel/utcp for times, of the medians and of each round's\n"
	       "pair.  'utcp instr.': utcp's instructions per transaction (bulk: per byte), both\n"
	       "endpoints, under callgrind (deterministic; tests/bench/ceiling.txt bounds them).\n"
	       "'other load' is the share of the CPU other processes used during the run (wall\n"
	       "figures suffer from it, CPU figures hardly).\n");
	verified_line(t);
	printf("utcp-bench: %s\n", failed ? "FAIL" : "PASS");
}

/* ---- instructions per transaction (callgrind) ---------------------------------------- */

static const uint64_t cg_count[WL_NKINDS] = { 3000, 20000, 64ull << 20, 3000 };

int callgrind_child(const struct bench_opts *o)
{
	for (int k = 0; k < WL_NKINDS; k++) {
		if (!o->want[k])
			continue;
		struct wl_result res;
		int rc = bench_utcp_run(&o->spec[k], o->seed, &res);
		printf("%s units %" PRIu64 " ok %d\n", wl_names[k], res.units, res.ok);
		return rc < 0 ? 1 : 0;
	}
	return 2;
}

static uint64_t cg_totals(const char *path)
{
	char line[256];
	uint64_t v = 0;
	FILE *f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "totals: %" SCNu64, &v) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return v;
}

/* Run this program under callgrind for one workload (zc: bulk on utcp's
 * zero-copy calls, as --zc); -1 on failure. */
static int cg_run(const struct bench_opts *o, const char *self, enum wl_kind k, int zc,
		  const char *dir, uint64_t *units, uint64_t *ir)
{
	char out[512], cnt[32], seed[32], res[512];
	const char *tag = zc ? ".zc" : "";
	snprintf(out, sizeof(out), "--callgrind-out-file=%s/cg.%s%s", dir, wl_names[k], tag);
	snprintf(res, sizeof(res), "%s/child.%s%s", dir, wl_names[k], tag);
	snprintf(cnt, sizeof(cnt), "%" PRIu64, cg_count[k]);
	snprintf(seed, sizeof(seed), "%" PRIu64, o->seed);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(res, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			dup2(fd, 1);
		/* Callgrind counts each byte a `rep movsb` moves as one instruction,
		 * so the C library's choice of it for copies of 2-4 KiB and more
		 * would make the count follow the bytes copied, not the work done:
		 * under callgrind its vector loop copies every size (the code under
		 * test is the same; outside callgrind the library chooses). */
		setenv("GLIBC_TUNABLES", "glibc.cpu.x86_rep_movsb_threshold=4294967295", 1);
		char *argv[20] = { "valgrind", "--tool=callgrind", "-q", out, (char *)self,
				   "--callgrind-child", "--workloads", (char *)wl_names[k], "--count", cnt,
				   "--seed", seed, "--time", "600" };
		int a = 14;
		if (o->no_offload)
			argv[a++] = "--no-offload";
		if (o->no_tso)
			argv[a++] = "--no-tso";
		if (zc)
			argv[a++] = "--zc";
		argv[a] = NULL;
		execvp("valgrind", argv);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	char name[32];
	int ok = 0;
	FILE *f = fopen(res, "r");
	if (f == NULL || fscanf(f, "%31s units %" SCNu64 " ok %d", name, units, &ok) != 3)
		ok = 0;
	if (f != NULL)
		fclose(f);
	snprintf(res, sizeof(res), "%s/cg.%s%s.1", dir, wl_names[k], tag);
	*ir = cg_totals(res);
	return ok && *ir > 0 ? 0 : -1;
}

/* Bulk on utcp's zero-copy calls beside bulk on read and write (the
 * table's figure, unless --zc made it this one): "bulk-zc" for
 * tests/bench/ceiling.sh.  1 if the run failed. */
static int cg_bulk_zc(const struct bench_opts *o, const char *self, const char *dir)
{
	uint64_t units = 0, ir = 0;
	if (cg_run(o, self, WL_BULK, 1, dir, &units, &ir) < 0 || units == 0) {
		printf("utcp-bench:   bulk-zc  callgrind run failed (files in %s)\n", dir);
		return 1;
	}
	if (o->instructions)
		printf("instructions: bulk-zc %.4f per byte\n", (double)ir / (double)units);
	else
		printf("utcp-bench:   bulk     %.2f instructions per byte on the zero-copy calls "
		       "(--zc; %" PRIu64 " bytes)\n", (double)ir / (double)units, units);
	return 0;
}

int report_callgrind(const struct bench_opts *o, struct bench_table *t)
{
	char self[512], dir[] = "/tmp/utcp-bench-cg.XXXXXX";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int failed = 0;
	if (n <= 0 || system("valgrind --version >/dev/null 2>&1") != 0 || mkdtemp(dir) == NULL) {
		printf("\nutcp-bench: callgrind: skipped (valgrind not found)\n");
		return 0;
	}
	self[n] = 0;
	printf("\nutcp instructions in the timed phase (valgrind --tool=callgrind; deterministic: the "
	       "same seed gives the same count):\n");
	for (int k = 0; k < WL_NKINDS; k++) {
		uint64_t units = 0, ir = 0;
		if (!o->want[k])
			continue;
		if (cg_run(o, self, (enum wl_kind)k, o->zc, dir, &units, &ir) < 0 || units == 0) {
			printf("utcp-bench:   %-8s callgrind run failed (files in %s)\n", wl_names[k], dir);
			failed = 1;
			continue;
		}
		t->ir[k] = (double)ir / (double)units;
		if (o->instructions) /* for tests/bench/ceiling.sh */
			printf("instructions: %s %.*f per %s\n", wl_names[k], k == WL_BULK ? 4 : 1,
			       t->ir[k], k == WL_BULK ? "byte" : "transaction");
		else if (k == WL_BULK)
			printf("utcp-bench:   %-8s %.2f instructions per byte (%" PRIu64 " bytes)\n",
			       wl_names[k], (double)ir / (double)units, units);
		else
			printf("utcp-bench:   %-8s %.0f instructions per transaction, both endpoints "
			       "(%" PRIu64 " transactions)\n", wl_names[k], (double)ir / (double)units,
			       units);
	}
	if (o->want[WL_BULK] && !o->zc)
		failed |= cg_bulk_zc(o, self, dir);
	if (!failed) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "utcp-bench: could not remove %s\n", dir);
	}
	return failed;
}

/* ---- scaling: one CPU against two ------------------------------------------------- */

struct scale_job {
	const struct wl_spec *sp;
	uint64_t seed;
	int stack, cpu, rc;
	struct wl_result res;
};

static void *scale_thread(void *arg)
{
	struct scale_job *j = arg;
	if (bench_pin(j->cpu) < 0) {
		j->rc = -1;
		snprintf(j->res.why, sizeof(j->res.why), "pin: %s", strerror(errno));
		return NULL;
	}
	j->rc = j->stack == STACK_UTCP ? bench_utcp_run(j->sp, j->seed, &j->res)
				       : bench_kernel_run(j->sp, &j->res);
	return NULL;
}

/* p independent instances on CPUs 0..p-1: their summed rate per wall-s
 * (*wall) and the sum of each one's rate per CPU-s (*cpu). */
static int scale_run(const struct bench_opts *o, enum wl_kind k, int stack, int p, double *wall,
		     double *cpu)
{
	struct scale_job j[2];
	pthread_t th[2];
	double units = 0, span = 0;
	*cpu = 0;
	for (int i = 0; i < p; i++) {
		j[i] = (struct scale_job){ .sp = &o->spec[k], .seed = o->seed + (uint64_t)i,
					   .stack = stack, .cpu = o->scale_cpu[i] };
		if (pthread_create(&th[i], NULL, scale_thread, &j[i]) != 0)
			return -1;
	}
	int rc = 0;
	for (int i = 0; i < p; i++) {
		pthread_join(th[i], NULL);
		if (j[i].rc < 0 || j[i].res.cpu <= 0) {
			fprintf(stderr, "utcp-bench: scaling %s failed: %s\n", wl_names[k], j[i].res.why);
			rc = -1;
			continue;
		}
		units += (double)j[i].res.units;
		span = j[i].res.wall > span ? j[i].res.wall : span;
		*cpu += (double)j[i].res.units / j[i].res.cpu;
	}
	*wall = span > 0 ? units / span : 0;
	return rc;
}

static void scale_line(const struct bench_opts *o, enum wl_kind k, int s, int *failed)
{
	double w1, c1, w2, c2;
	char a[32], b[32], c[32], d[32];
	if (scale_run(o, k, s, 1, &w1, &c1) < 0 || scale_run(o, k, s, 2, &w2, &c2) < 0) {
		*failed = 1;
		return;
	}
	printf("| %-8s | %-6s | %9s | %9s | %6.2fx | %9s | %9s | %6.2fx |\n", wl_names[k],
	       s ? "kernel" : "utcp", fmt_num(a, sizeof(a), w1), fmt_num(b, sizeof(b), w2), w2 / w1,
	       fmt_num(c, sizeof(c), c1), fmt_num(d, sizeof(d), c2), c2 / c1);
}

int report_scaling(const struct bench_opts *o)
{
	int failed = 0;
	if (o->scale_cpu[1] < 0) {
		printf("\nutcp-bench: scaling: skipped (only one CPU allowed)\n");
		return 0;
	}
	printf("\nScaling from one CPU to two: independent instances, one thread pinned per CPU (utcp:\n"
	       "a simulated client+server world each; kernel: a loopback client+server each, sharing\n"
	       "one kernel).  Transactions per wall-second summed over the instances (depends on other\n"
	       "load on the machine), and per CPU-second summed (what dedicated CPUs would give);\n"
	       "CPUs %d and %d:\n\n", o->scale_cpu[0], o->scale_cpu[1]);
	printf("| %-8s | %-6s | %9s | %9s | %7s | %9s | %9s | %7s |\n", "workload", "stack",
	       "1 CPU/w", "2 CPUs/w", "wall", "1 CPU/c", "2 CPUs/c", "CPU");
	printf("|----------|--------|-----------|-----------|---------|-----------|-----------|---------|\n");
	for (int k = WL_SHORT; k <= WL_PINGPONG; k++) {
		if (!o->want[k])
			continue;
		for (int s = 0; s < 2; s++)
			if (!o->only || o->only == s + 1)
				scale_line(o, (enum wl_kind)k, s, &failed);
	}
	return failed;
}
