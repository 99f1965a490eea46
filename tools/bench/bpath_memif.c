/*
 * tools/bench/bpath_memif.c - utcp-bench --path memif: the workloads
 * between two processes, the server in one and the client in the other,
 * each pinned to its own CPU.
 *
 *   utcp:   utcp's server and utcp's client, each on utcp's DPDK backend
 *           (EAL without hugepages, PCI or telemetry), joined by net_memif:
 *           shared-memory packet rings, no kernel on the data path.  Each
 *           process is a poll loop (utcp_epoll_wait with timeout 0), so it
 *           keeps its CPU busy whether there is work or not.
 *   kernel: the kernel's server and client over loopback, each an epoll
 *           loop that sleeps when there is nothing to do.
 *
 * The workload code is wl.c's, each process running one side of it (wl_init
 * with only a server or only a client net).  The processes share one page
 * (mmap MAP_SHARED before fork): the server says when it listens, the
 * client when its timed phase begins and ends (wl_run.on_measure) and when
 * it has finished; the server reads its own clocks as it sees those marks,
 * so both processes count the same stretch of time.  CPU time is each
 * process's own (CLOCK_PROCESS_CPUTIME_ID, every thread: DPDK's interrupt
 * thread too), and the figure is the sum of the two.  Static ARP entries and
 * fixed memif MACs: no ARP exchange in the timed phase.
 *
 * Call order: bench_memif_setup (two CPUs, utcp built with DPDK, and one
 * probe: both utcp processes open their stacks and see the memif link up)
 * -> bench_memif_run per run: fork the server, fork the client, wait (bounded)
 * for both, add their figures -> exit.  Each process starts DPDK afresh (an
 * EAL cannot start twice in one process) with its own --file-prefix and a
 * memif socket of the run's own; the parent never starts DPDK.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "tools/bench/bench.h"
#include "tools/bench/report.h"

#define M_EVENTS 512
#define M_SRV_IP 0x0a500001u /* 10.80.0.1: the server's memif port */
#define M_CLI_IP 0x0a500002u /* 10.80.0.2 */
#define M_START_S 30.0       /* for DPDK to start and the memif link to come up */
#define M_AFTER_S 5.0        /* for the server to finish after the client */

enum { M_SRV, M_CLI };

/* What one process reports. */
struct m_side {
	struct wl_result res;
	uint64_t sent, srv_bytes;     /* bulk: written by the client, verified by the server */
	uint64_t segs, retrans, drops, tx_full; /* utcp's counters */
	char drop_names[80];          /* the drop counters that are not 0 */
	char why[200];
};

/* The page both processes and the parent share. */
struct m_shared {
	int srv_ready;      /* the server listens (utcp: its stack is open) */
	uint16_t port;      /* ... on this port */
	int phase;          /* the client's timed phase: 1 begun, 2 ended */
	int cli_done, srv_done;
	int abort;          /* a process failed: the other one stops */
	int first;          /* 1 + the side that failed first (0: none) */
	struct m_side side[2];
};

struct m_job {
	const struct wl_spec *sp; /* NULL: the probe (start, link up, stop) */
	int utcp, side, cpu;
	char sock[64], prefix[64];
	struct m_shared *sh;
};

static int m_cpu[2] = { -1, -1 };
static unsigned m_runs;

static double m_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int m_get(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void m_set(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* ---- utcp's stack on net_memif ------------------------------------------------------- */

static void m_mac(uint8_t *mac, int side)
{
	static const uint8_t base[UTCP_ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x50, 0x01 };
	memcpy(mac, base, UTCP_ETH_ALEN);
	mac[5] = (uint8_t)(1 + side);
}

/* The settings of the simulated run (bnet_utcp.c), on one DPDK port. */
static struct utcp_stack *m_stack(const struct m_job *j, char *err, size_t errlen)
{
	struct utcp_config cfg;
	char args[512], ip[32], n[32];
	int conns = j->sp != NULL ? j->sp->conns : 1, bulk = j->sp != NULL && j->sp->kind == WL_BULK;
	int nbufs = j->sp != NULL && j->sp->kind == WL_SHORT ? 8 * conns + 4096 : 16384;
	utcp_config_defaults(&cfg);
	/* memif's rings: 4096 slots (rsize=12) each way, not 1024: the short
	 * workload's thousand SYNs leave at once (as the TAP path's queue) */
	snprintf(args, sizeof(args),
		 "--lcores=0@%d --no-huge -m 256 --no-pci --no-shconf --no-telemetry "
		 "--log-level=*:error --file-prefix=%s --vdev=net_memif0,role=%s,socket=/run/%s.sock,"
		 "mac=02:00:00:00:50:0%d,rsize=12",
		 j->cpu, j->prefix, j->side == M_SRV ? "server" : "client", j->sock, 1 + j->side);
	snprintf(ip, sizeof(ip), "10.80.0.%d/24", 1 + j->side);
	const char *kv[][2] = {
		{ "io", "dpdk" }, { "dpdk_args", args }, { "port", "net_memif0" },
		{ "net_memif0.ip", ip }, { "num_cores", "1" }, { "tcp_timeout", "-1" },
		{ "rcvbuf", bulk ? "1048576" : "16384" }, { "sndbuf", bulk ? "1048576" : "16384" },
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (utcp_config_set(&cfg, kv[i][0], kv[i][1], err, errlen) < 0)
			return NULL;
	snprintf(n, sizeof(n), "%d", 4 * conns + 64);
	if (utcp_config_set(&cfg, "max_concurrency", n, err, errlen) < 0)
		return NULL;
	snprintf(n, sizeof(n), "%d", 2 * conns + 64);
	if (utcp_config_set(&cfg, "max_num_buffers", n, err, errlen) < 0)
		return NULL;
	snprintf(n, sizeof(n), "%d", nbufs);
	if (utcp_config_set(&cfg, "max_pkt_buffers", n, err, errlen) < 0)
		return NULL;
	cfg.nb_arp = 1; /* the peer, static */
	cfg.arp[0].ip = htonl(j->side == M_SRV ? M_CLI_IP : M_SRV_IP);
	cfg.arp[0].prefix = 32;
	m_mac(cfg.arp[0].mac, !j->side);
	if (utcp_config_finish(&cfg, err, errlen) < 0)
		return NULL;
	return utcp_stack_open(&cfg, err, errlen);
}

static int m_link_up(struct utcp_stack *st)
{
	struct utcp_nic *nic = utcp_stack_nic(st, 0);
	struct utcp_nic_stats ns;
	memset(&ns, 0, sizeof(ns));
	return nic != NULL && nic->ops->stats != NULL && nic->ops->stats(nic, &ns) == 0 &&
	       ns.link_up == 1;
}

/* ---- one process ---------------------------------------------------------------------- */

struct m_proc {
	struct m_job *j;
	struct wl_run r;
	struct bnet net;
	struct utcp_stack *st;
	struct utcp_ctx *ctx;
};

static int m_fail(struct m_proc *p, const char *fmt, const char *arg)
{
	struct m_shared *sh = p->j->sh;
	int none = 0;
	snprintf(sh->side[p->j->side].why, sizeof(sh->side[0].why), fmt, arg);
	__atomic_compare_exchange_n(&sh->first, &none, 1 + p->j->side, 0, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	m_set(&sh->abort, 1);
	return -1;
}

/* Poll (utcp) or sleep a little (kernel) until *flag, the other side's
 * failure or the time bound. */
static int m_wait_for(struct m_proc *p, const int *flag, double secs)
{
	double end = m_wall() + secs;
	while (!m_get(flag)) {
		if (m_get(&p->j->sh->abort) || m_wall() > end)
			return -1;
		if (p->ctx != NULL)
			utcp_ctx_poll(p->ctx);
		else
			usleep(1000);
	}
	return 0;
}

/* The client's marks, seen from the server: its timed phase, its end.
 * cli_done is read first: the client sets it after its last phase, so
 * once it is seen that phase is seen too (read the other way round, the
 * client could finish between the two reads, and the server would end
 * without its end mark). */
static void m_follow(struct wl_run *r, struct m_shared *sh)
{
	int done = m_get(&sh->cli_done);
	int ph = m_get(&sh->phase);
	if (ph >= 1)
		wl_measure(r, 0);
	if (ph >= 2)
		wl_measure(r, 1);
	if (done)
		r->peer_done = 1;
}

static void m_on_measure(struct wl_run *r, int end)
{
	struct m_shared *sh = r->arg;
	m_set(&sh->phase, end ? 2 : 1);
}

static void m_loop(struct m_proc *p)
{
	struct epoll_event evs[M_EVENTS];
	struct wl_run *r = &p->r;
	struct m_shared *sh = p->j->sh;
	int srv = p->j->side == M_SRV, tmo = p->ctx != NULL ? 0 : 5;
	double end = m_wall() + 3 * p->j->sp->max_wall + 10;
	for (unsigned long it = 0; !(srv ? wl_server_finished(r) : wl_client_finished(r)); it++) {
		if (srv)
			m_follow(r, sh);
		int m = p->net.ops->epoll_wait(p->net.c, p->net.ep, evs, M_EVENTS, tmo);
		if (m < 0 && errno != EINTR) {
			wl_fail(r, "epoll_wait: %s", strerror(errno));
			return;
		}
		if (srv)
			m_follow(r, sh);
		for (int i = 0; i < m; i++)
			if (wl_dispatch(r, &p->net, &evs[i]) < 0)
				return;
		if ((it & 1023) == 0 || p->ctx == NULL) {
			if (m_get(&sh->abort))
				wl_fail(r, "the %s process failed", srv ? "client" : "server");
			else if (m_wall() > end)
				wl_fail(r, "no progress: %llu of %llu done", (unsigned long long)r->done,
					(unsigned long long)r->sp->count);
		}
	}
}

/* Open the stack (utcp) or nothing (kernel), then the epoll instance. */
static int m_open(struct m_proc *p)
{
	char err[160];
	struct m_job *j = p->j;
	if (!j->utcp) {
		p->net = (struct bnet){ .ops = &bnet_kernel_ops, .c = NULL, .ep = epoll_create1(0) };
		return p->net.ep < 0 ? m_fail(p, "epoll_create1: %s", strerror(errno)) : 0;
	}
	p->st = m_stack(j, err, sizeof(err));
	p->ctx = p->st != NULL ? utcp_ctx_create(p->st, 0) : NULL;
	if (p->ctx == NULL)
		return m_fail(p, "utcp on net_memif: %s", p->st == NULL ? err : strerror(errno));
	p->net = (struct bnet){ .ops = &bnet_utcp_ops, .c = p->ctx,
				.ep = utcp_epoll_create1(p->ctx, 0) };
	return p->net.ep < 0 ? m_fail(p, "utcp_epoll_create1: %s", strerror(errno)) : 0;
}

static void m_echo(void *arg, uint32_t src, uint16_t id, uint16_t seq, const uint8_t *payload,
		   size_t len, utcp_time_t now)
{
	(void)src, (void)id, (void)seq, (void)payload, (void)len, (void)now;
	*(int *)arg = 1;
}

/* Ping the server until it answers: frames cross the memif both ways.
 * (Right after the link comes up the first frames can meet a full ring: a
 * thousand SYNs then would wait for their 1 s retransmission.) */
static int m_ping(struct m_proc *p, double end)
{
	int got = 0;
	utcp_ctx_set_echo_handler(p->ctx, m_echo, &got);
	for (uint16_t seq = 0; !got; seq++) {
		if (m_get(&p->j->sh->abort) || m_wall() > end)
			break;
		utcp_ping(p->ctx, htonl(M_SRV_IP), 1, seq, NULL, 0);
		for (double next = m_wall() + 0.01; !got && m_wall() < next;)
			utcp_ctx_poll(p->ctx);
	}
	utcp_ctx_set_echo_handler(p->ctx, NULL, NULL);
	return got ? 0 : m_fail(p, "%s", "the server did not answer a ping over memif");
}

/* Until both processes are ready to start: the server listens, the
 * client's memif link is up (which it is only once the server's is). */
static int m_ready(struct m_proc *p)
{
	struct m_shared *sh = p->j->sh;
	if (p->j->side == M_SRV) {
		sh->port = p->r.port;
		m_set(&sh->srv_ready, 1);
		return 0;
	}
	double end = m_wall() + M_START_S;
	while (p->st != NULL && !m_link_up(p->st)) {
		if (m_get(&sh->abort) || m_wall() > end)
			return m_fail(p, "%s", "the memif link did not come up");
		utcp_ctx_poll(p->ctx);
		usleep(1000);
	}
	if (p->st != NULL && m_ping(p, end) < 0)
		return -1;
	p->r.port = sh->port;
	return 0;
}

static void m_counters(struct m_proc *p, struct m_side *s)
{
	if (p->ctx == NULL)
		return;
	const struct utcp_stats *u = utcp_ctx_stats(p->ctx);
	s->segs = u->tcp_tx;
	s->retrans = u->tcp_retransmits;
	s->drops = utcp_stats_drops(u);
	s->tx_full = u->tx_full;
	size_t at = 0;
	for (unsigned i = 0; i < UTCP_STATS_COUNT && at < sizeof(s->drop_names); i++) {
		uint64_t n = utcp_stats_get(u, i);
		if (n != 0 && strncmp(utcp_stats_names[i], "drop_", 5) == 0)
			at += (size_t)snprintf(s->drop_names + at, sizeof(s->drop_names) - at, " %s=%llu",
					       utcp_stats_names[i] + 5, (unsigned long long)n);
	}
}

/* The workload's side, from wl_init to its figures in the shared page. */
static int m_work(struct m_proc *p)
{
	struct m_job *j = p->j;
	struct m_shared *sh = j->sh;
	struct m_side *s = &sh->side[j->side];
	int srv = j->side == M_SRV;
	uint32_t ip = j->utcp ? M_SRV_IP : INADDR_LOOPBACK;
	if (wl_init(&p->r, j->sp, srv ? &p->net : NULL, srv ? NULL : &p->net, ip, 0) < 0)
		return m_fail(p, "%s", p->r.why);
	p->r.on_measure = srv ? NULL : m_on_measure;
	p->r.arg = sh;
	if (srv && wl_server_start(&p->r) < 0)
		return m_fail(p, "%s", p->r.why);
	if (m_ready(p) < 0)
		return -1;
	if (!srv && wl_client_start(&p->r) < 0)
		return m_fail(p, "%s", p->r.why);
	m_loop(p);
	wl_result(&p->r, &s->res);
	s->sent = p->r.sent;
	s->srv_bytes = p->r.srv_bytes;
	m_counters(p, s);
	if (!s->res.ok)
		return m_fail(p, "%s", s->res.why);
	return 0;
}

/* The probe: the server opens its stack and waits; the client opens its
 * stack and sees the link up. */
static int m_probe(struct m_proc *p)
{
	struct m_shared *sh = p->j->sh;
	if (p->j->side == M_SRV) {
		m_set(&sh->srv_ready, 1);
		return m_wait_for(p, &sh->cli_done, M_START_S) < 0 ? m_fail(p, "%s", "no client") : 0;
	}
	return m_ready(p);
}

/* Close every socket wl left open (and the listener). */
static void m_close_all(struct m_proc *p)
{
	struct wl_run *r = &p->r;
	if (r->sc == NULL || r->cc == NULL)
		return;
	if (r->lfd >= 0)
		p->net.ops->close(p->net.c, r->lfd);
	for (int fd = 0; fd < r->sc_cap; fd++)
		if (wl_server_fd_open(r, fd))
			p->net.ops->close(p->net.c, fd);
	for (int i = 0; i < r->sp->conns; i++)
		if (wl_client_fd(r, i) >= 0)
			p->net.ops->close(p->net.c, wl_client_fd(r, i));
}

static void m_close(struct m_proc *p)
{
	if (p->j->sp != NULL)
		m_close_all(p);
	wl_free(&p->r);
	if (p->ctx != NULL)
		utcp_ctx_destroy(p->ctx);
	if (p->st != NULL)
		utcp_stack_close(p->st);
	else if (p->net.ep >= 0)
		close(p->net.ep);
}

static int m_child(struct m_job *j)
{
	struct m_proc p = { .j = j, .net = { .ep = -1 } };
	struct m_shared *sh = j->sh;
	int rc = 0;
	if (bench_pin(j->cpu) < 0)
		rc = m_fail(&p, "pinning to a CPU: %s", strerror(errno));
	if (rc == 0 && j->side == M_CLI && m_wait_for(&p, &sh->srv_ready, M_START_S) < 0)
		rc = m_fail(&p, "%s", "the server did not start");
	if (rc == 0)
		rc = m_open(&p);
	if (rc == 0 && j->sp == NULL)
		rc = m_probe(&p);
	else if (rc == 0)
		rc = m_work(&p);
	/* The server stops first, the client keeps its stack going (its FINs
	 * out) until then: neither port sees its peer leave while it closes. */
	if (j->side == M_CLI) {
		m_set(&sh->cli_done, 1);
		m_wait_for(&p, &sh->srv_done, M_AFTER_S);
	}
	m_close(&p);
	if (j->side == M_SRV)
		m_set(&sh->srv_done, 1);
	return rc == 0 ? 0 : 1;
}

/* ---- the parent -------------------------------------------------------------------------- */

static void m_clean_prefix(const char *prefix)
{
	char path[256];
	const char *rt = getenv("XDG_RUNTIME_DIR");
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/dpdk/%s", rt != NULL ? rt : "/tmp", prefix);
	rmdir(path);
}

/* Busy time of both CPUs as the client's timed phase begins and ends (the
 * parent looks every 10 ms; /proc/stat counts in ticks of 10 ms anyway). */
struct m_load {
	struct cpu_ticks t[2][2]; /* [begin, end][cpu] */
	int seen;                 /* phases seen */
};

static void m_load_look(struct m_load *l, const struct m_shared *sh)
{
	int ph = m_get(&sh->phase);
	while (l->seen < ph && l->seen < 2) {
		for (int i = 0; i < 2; i++)
			cpu_ticks_read(m_cpu[i], &l->t[l->seen][i]);
		l->seen++;
	}
}

/* Wait for both children, bounded; kill what is left at the bound.  Their
 * exit statuses into st[]. */
static void m_reap(pid_t pid[2], int st[2], struct m_shared *sh, double secs, struct m_load *l)
{
	double end = m_wall() + secs;
	int left = 2;
	while (left > 0) {
		m_load_look(l, sh);
		for (int i = 0; i < 2; i++) {
			int ws;
			if (pid[i] <= 0 || waitpid(pid[i], &ws, WNOHANG) != pid[i])
				continue;
			st[i] = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
			if (st[i] != 0)
				m_set(&sh->abort, 1);
			pid[i] = 0;
			left--;
		}
		if (left > 0 && m_wall() > end) {
			for (int i = 0; i < 2; i++)
				if (pid[i] > 0)
					kill(pid[i], SIGKILL);
			end = m_wall() + 1e9;
		}
		if (left > 0)
			usleep(10000);
	}
}

/* A child that dies with the parent: a poll loop must not outlive a
 * utcp-bench that was killed (a test's timeout). */
static pid_t m_fork(struct m_job *j)
{
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		_exit(m_child(j));
	}
	return pid;
}

/* Add the two processes' figures into res. */
static void m_combine(const struct wl_spec *sp, int utcp, const struct m_shared *sh,
		      struct wl_result *res)
{
	const struct m_side *s = &sh->side[M_SRV], *c = &sh->side[M_CLI];
	res->ok = s->res.ok && c->res.ok;
	res->units = sp->kind == WL_BULK ? s->srv_bytes : c->res.units;
	res->cpu = s->res.cpu + c->res.cpu;
	res->user = s->res.user + c->res.user;
	res->sys = s->res.sys + c->res.sys;
	res->wall = c->res.wall;
	res->p50 = c->res.p50;
	res->p99 = c->res.p99;
	if (res->ok && sp->kind == WL_BULK && s->srv_bytes != c->sent) {
		res->ok = 0;
		snprintf(res->why, sizeof(res->why), "the server verified %llu of %llu bytes",
			 (unsigned long long)s->srv_bytes, (unsigned long long)c->sent);
	}
	double units = res->units ? (double)res->units / (sp->kind == WL_BULK ? 1e6 : 1) : 1;
	int at = snprintf(res->note, sizeof(res->note), "%s; CPU-s server %.3f, client %.3f",
			  utcp ? "memif" : "loopback", s->res.cpu, c->res.cpu);
	if (utcp)
		snprintf(res->note + at, sizeof(res->note) - (size_t)at,
			 "; segments/%s %.1f, retransmits %llu, drops %llu (server%s; client%s), "
			 "tx ring full %llu+%llu",
			 sp->kind == WL_BULK ? "MB" : "transaction", (double)(s->segs + c->segs) / units,
			 (unsigned long long)(s->retrans + c->retrans),
			 (unsigned long long)(s->drops + c->drops), s->drop_names, c->drop_names,
			 (unsigned long long)s->tx_full, (unsigned long long)c->tx_full);
}

/* One run (sp NULL: the probe).  -1 with res->why when it failed. */
static int m_run(const struct wl_spec *sp, int utcp, struct wl_result *res)
{
	struct m_job j[2];
	pid_t pid[2] = { 0, 0 };
	int st[2] = { 1, 1 };
	struct m_shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(res, 0, sizeof(*res));
	if (sh == MAP_FAILED) {
		snprintf(res->why, sizeof(res->why), "mmap: %s", strerror(errno));
		return -1;
	}
	memset(sh, 0, sizeof(*sh));
	unsigned run = m_runs++;
	for (int i = 0; i < 2; i++) {
		j[i] = (struct m_job){ .sp = sp, .utcp = utcp, .side = i, .cpu = m_cpu[i], .sh = sh };
		snprintf(j[i].sock, sizeof(j[i].sock), "utcp-bench-%d-%u", (int)getpid(), run);
		snprintf(j[i].prefix, sizeof(j[i].prefix), "utcp-bench-%d-%u-%c", (int)getpid(), run,
			 "sc"[i]);
	}
	fflush(NULL);
	for (int i = 0; i < 2; i++)
		if ((pid[i] = m_fork(&j[i])) < 0)
			snprintf(res->why, sizeof(res->why), "fork: %s", strerror(errno));
	double bound = M_START_S + M_AFTER_S + (sp != NULL ? 3 * sp->max_wall + 20 : 0);
	struct m_load load = { .seen = 0 };
	double sirq = ksoftirqd_cpu(m_cpu[0]) + ksoftirqd_cpu(m_cpu[1]);
	m_reap(pid, st, sh, bound, &load);
	for (int i = 0; i < 2 && utcp; i++)
		m_clean_prefix(j[i].prefix);
	if (sp != NULL)
		m_combine(sp, utcp, sh, res);
	if (sp != NULL && load.seen == 2) /* the mean over the two CPUs */
		res->other = (cpu_ticks_busy(&load.t[0][0], &load.t[1][0]) +
			      cpu_ticks_busy(&load.t[0][1], &load.t[1][1]) - res->cpu) / 2;
	res->softirqd = ksoftirqd_cpu(m_cpu[0]) + ksoftirqd_cpu(m_cpu[1]) - sirq;
	size_t at = strlen(res->note);
	snprintf(res->note + at, sizeof(res->note) - at, "; ksoftirqd/%d,%d ran %.0f ms (not counted)",
		 m_cpu[0], m_cpu[1], 1e3 * res->softirqd);
	int ok = st[0] == 0 && st[1] == 0 && (sp == NULL || res->ok);
	if (!ok && res->why[0] == 0) {
		int bad = sh->first > 0 ? sh->first - 1 : st[0] != 0 ? M_SRV : M_CLI;
		const char *why = sh->side[bad].why;
		if (why[0] != 0)
			snprintf(res->why, sizeof(res->why), "%s: %s", bad ? "client" : "server", why);
		else
			snprintf(res->why, sizeof(res->why), "%s process: exit status %d",
				 bad ? "client" : "server", st[bad]);
	}
	res->ok = ok;
	munmap(sh, sizeof(*sh));
	return ok ? 0 : -1;
}

int bench_memif_setup(const int cpus[2], int need_utcp, char *err, size_t errlen)
{
	struct wl_result res;
	m_cpu[0] = cpus[0];
	m_cpu[1] = cpus[1];
	if (cpus[0] < 0 || cpus[1] < 0)
		return snprintf(err, errlen, "needs two CPUs (this process may use one)"), -1;
	if (!need_utcp)
		return 0;
	const struct utcp_nic_backend *b = utcp_nic_backend_find("dpdk");
	if (b == NULL || b->open == NULL)
		return snprintf(err, errlen, "%s", b != NULL && b->missing != NULL
				? b->missing : "utcp was built without DPDK"), -1;
	if (m_run(NULL, 1, &res) < 0)
		return snprintf(err, errlen, "net_memif cannot start: %s", res.why), -1;
	return 0;
}

int bench_memif_run(const struct wl_spec *sp, int utcp, struct wl_result *res)
{
	return m_run(sp, utcp, res);
}
