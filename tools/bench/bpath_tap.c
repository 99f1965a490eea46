/*
 * tools/bench/bpath_tap.c - utcp-bench --path tap: the workloads over real
 * kernel devices instead of the simulated wire.
 *
 *   utcp:   utcp's server on a TAP device, the kernel's client sockets on
 *           the other side of that device (the TAP's kernel end);
 *   kernel: the kernel's server in one network namespace, its client in
 *           another, over a veth pair.
 *
 * So each side is one real server and one kernel client, and both have the
 * kernel send and receive real frames through a device driver.  One thread
 * pinned to one CPU drives both endpoints (the kernel client's epoll and
 * utcp's context in one loop that sleeps in epoll_wait on the kernel
 * sockets and the TAP's descriptor), and CPU time is that thread's: utcp,
 * the kernel client, and the TAP/veth work the kernel does in its system
 * calls.  softirq work that spills to ksoftirqd is not counted (noted).
 *
 * Call order: bench_tap_setup (unshare: a namespace of the process's own,
 * plus a second one for the veth's far end; exits with the reason when not
 * root or without /dev/net/tun) -> bench_tap_utcp_run / bench_tap_kernel_run
 * per run -> bench_tap_teardown (back to the original namespace; the two
 * namespaces, the veth pair and every TAP go with their last reference).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utcp/utcp.h>

#include "tools/bench/bench.h"

#define T_EVENTS 512
#define T_TAP_TAG (~0ull)          /* epoll data of the TAP descriptor */
#define T_UTCP_IP 0x0a4e0001u      /* 10.78.0.1: utcp on the TAP */
#define T_TAP_PEER "10.78.0.2"     /* the TAP's kernel end */
#define T_VETH_SRV 0x0a4d0002u     /* 10.77.0.2: kernel server, far namespace */
#define T_DRAIN_S 10.0

static int ns_orig = -1, ns_cli = -1, ns_srv = -1;

static int sh(const char *cmd)
{
	int rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

/* Per-namespace settings: ports are reused at the rate of the short
 * workload (loopback gets this by default, real devices do not). */
static int ns_tune(void)
{
	return sh("ip link set lo up && sysctl -q -w net.ipv4.tcp_tw_reuse=1 "
		  "net.ipv4.ip_local_port_range='1024 65000' > /dev/null");
}

/* A process sitting in a fresh namespace, for `ip link ... netns PID`. */
static pid_t ns_holder(void)
{
	int p[2];
	char c = 0;
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (unshare(CLONE_NEWNET) == 0 && write(p[1], &c, 1) == 1)
			pause();
		_exit(1);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

static int veth_pair(char *err, size_t errlen)
{
	char cmd[300], path[64];
	pid_t pid = ns_holder();
	if (pid < 0)
		return snprintf(err, errlen, "second namespace: %s", strerror(errno)), -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	ns_srv = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(cmd, sizeof(cmd),
		 "ip link add ubench0 type veth peer name ubench1 netns %d && "
		 "ip addr add 10.77.0.1/24 dev ubench0 && ip link set ubench0 up", (int)pid);
	int rc = ns_srv >= 0 ? sh(cmd) : -1;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (rc < 0 || setns(ns_srv, CLONE_NEWNET) < 0)
		return snprintf(err, errlen, "veth pair (ip link add ... type veth) failed"), -1;
	rc = sh("ip addr add 10.77.0.2/24 dev ubench1 && ip link set ubench1 up") < 0 ||
	     ns_tune() < 0;
	if (setns(ns_cli, CLONE_NEWNET) < 0 || rc)
		return snprintf(err, errlen, "configuring the veth's far end failed"), -1;
	return 0;
}

int bench_tap_setup(char *err, size_t errlen)
{
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) < 0)
		return snprintf(err, errlen, "needs root and /dev/net/tun"), -1;
	if (sh("command -v ip > /dev/null && command -v sysctl > /dev/null") < 0)
		return snprintf(err, errlen, "needs ip(8) and sysctl(8)"), -1;
	ns_orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_orig < 0 || unshare(CLONE_NEWNET) < 0)
		return snprintf(err, errlen, "unshare(CLONE_NEWNET): %s", strerror(errno)), -1;
	ns_cli = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_cli < 0 || ns_tune() < 0)
		return snprintf(err, errlen, "new namespace: setup failed"), -1;
	return veth_pair(err, errlen);
}

void bench_tap_teardown(void)
{
	if (ns_orig >= 0 && setns(ns_orig, CLONE_NEWNET) < 0)
		perror("utcp-bench: setns back");
	int *fds[] = { &ns_orig, &ns_cli, &ns_srv };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* ---- the loop: utcp's context and the kernel's epoll in one thread -------------------- */

/* Until the server is done: poll utcp (rx, timers, tx) and take its events,
 * then the kernel's; sleep in the kernel's epoll (which holds the TAP's
 * descriptor) only when utcp had nothing, for at most its next timer. */
static void t_loop(struct wl_run *r, struct bnet *u, struct bnet *k)
{
	struct epoll_event evs[T_EVENTS];
	struct bclock start, now;
	bclock_now(&start);
	while (!wl_server_finished(r)) {
		int m = 0;
		if (u != NULL && (m = u->ops->epoll_wait(u->c, u->ep, evs, T_EVENTS, 0)) < 0) {
			wl_fail(r, "utcp epoll_wait: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < m; i++)
			if (wl_dispatch(r, u, &evs[i]) < 0)
				return;
		int tmo = m > 0 ? 0 : 1;
		if (u != NULL && m == 0) {
			utcp_time_t d = utcp_ctx_next_deadline(u->c), t = utcp_ctx_now(u->c);
			tmo = d <= t ? 0 : d - t > 100 * UTCP_NSEC_PER_MSEC ? 100
			      : (int)((d - t + UTCP_NSEC_PER_MSEC - 1) / UTCP_NSEC_PER_MSEC);
		} else if (u == NULL) {
			tmo = 1000;
		}
		int n = epoll_wait(k->ep, evs, T_EVENTS, tmo);
		if (n < 0 && errno != EINTR) {
			wl_fail(r, "epoll_wait: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++)
			if (evs[i].data.u64 != T_TAP_TAG && wl_dispatch(r, k, &evs[i]) < 0)
				return;
		bclock_now(&now);
		if (now.wall - start.wall > 3 * r->sp->max_wall + 10) {
			wl_fail(r, "no progress: %llu of %llu done after %.0f s",
				(unsigned long long)r->done, (unsigned long long)r->sp->count,
				now.wall - start.wall);
			return;
		}
	}
}

/* Close what is left: the server's sockets on `srv`, the client's (kernel). */
static void t_close_all(struct wl_run *r, struct bnet *srv)
{
	if (r->sc == NULL || r->cc == NULL)
		return;
	if (r->lfd >= 0)
		srv->ops->close(srv->c, r->lfd);
	for (int fd = 0; fd < r->sc_cap; fd++)
		if (wl_server_fd_open(r, fd))
			srv->ops->close(srv->c, fd);
	for (int i = 0; i < r->sp->conns; i++)
		if (wl_client_fd(r, i) >= 0)
			close(wl_client_fd(r, i));
}

/* ---- kernel server in the far namespace, kernel client here, over veth ----------------- */

static int ns_socket(void *c)
{
	(void)c;
	if (setns(ns_srv, CLONE_NEWNET) < 0)
		return -1;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), e = errno;
	if (setns(ns_cli, CLONE_NEWNET) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	errno = e;
	return s;
}

int bench_tap_kernel_run(const struct wl_spec *sp, struct wl_result *res)
{
	static struct bnet_ops srv_ops;
	struct wl_run r;
	srv_ops = bnet_kernel_ops;
	srv_ops.socket = ns_socket;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct bnet srv = { .ops = &srv_ops, .c = NULL, .ep = ep };
	struct bnet cli = { .ops = &bnet_kernel_ops, .c = NULL, .ep = ep };
	memset(res, 0, sizeof(*res));
	if (ep < 0) {
		snprintf(res->why, sizeof(res->why), "epoll_create1: %s", strerror(errno));
		return -1;
	}
	if (wl_init(&r, sp, &srv, &cli, T_VETH_SRV, 0) == 0 && wl_server_start(&r) == 0 &&
	    wl_client_start(&r) == 0)
		t_loop(&r, NULL, &cli);
	wl_result(&r, res);
	t_close_all(&r, &srv);
	close(ep);
	wl_free(&r);
	snprintf(res->note, sizeof(res->note), "veth between two namespaces");
	return res->ok ? 0 : -1;
}

/* ---- utcp server on TAP, kernel client at the TAP's kernel end ----------------------- */

static struct utcp_stack *t_stack(const struct wl_spec *sp, char *err, size_t errlen)
{
	struct utcp_config cfg;
	char n[32];
	utcp_config_defaults(&cfg);
	const char *kv[][2] = {
		{ "io", "tap" }, { "port", "tap0" }, { "tap_name", "ubtap0" },
		{ "tap0.ip", "10.78.0.1/24" }, { "tap0.peer_ip", T_TAP_PEER },
		{ "tap_vnet_hdr", "1" }, { "tcp_timewait", "0" }, { "tcp_timeout", "-1" },
		{ "rcvbuf", "16384" }, { "sndbuf", "16384" },
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (utcp_config_set(&cfg, kv[i][0], kv[i][1], err, errlen) < 0)
			return NULL;
	snprintf(n, sizeof(n), "%d", 4 * sp->conns + 64);
	if (utcp_config_set(&cfg, "max_concurrency", n, err, errlen) < 0 ||
	    utcp_config_set(&cfg, "max_num_buffers", n, err, errlen) < 0 ||
	    utcp_config_finish(&cfg, err, errlen) < 0)
		return NULL;
	return utcp_stack_open(&cfg, err, errlen);
}

/* Let utcp finish its closes (FIN handshakes) outside the timed phase. */
static void t_drain(struct utcp_ctx *ctx)
{
	struct utcp_sock_usage u;
	struct bclock start, now;
	bclock_now(&start);
	do {
		utcp_ctx_sock_usage(ctx, &u);
		if (u.tcbs == 0)
			return;
		utcp_ctx_wait(ctx, utcp_ctx_now(ctx) + 10 * UTCP_NSEC_PER_MSEC);
		bclock_now(&now);
	} while (now.wall - start.wall < T_DRAIN_S);
}

static void t_note(struct utcp_ctx *ctx, struct wl_result *res)
{
	const struct utcp_stats *s = utcp_ctx_stats(ctx);
	double units = res->units ? (double)res->units : 1;
	char drops[96];
	size_t at = 0;
	drops[0] = 0;
	for (unsigned i = 0; i < UTCP_STATS_COUNT && at < sizeof(drops); i++) {
		uint64_t n = utcp_stats_get(s, i);
		if (n != 0 && strncmp(utcp_stats_names[i], "drop_", 5) == 0)
			at += (size_t)snprintf(drops + at, sizeof(drops) - at, " %s=%llu",
					       utcp_stats_names[i], (unsigned long long)n);
	}
	snprintf(res->note, sizeof(res->note),
		 "TAP; utcp segments/transaction %.1f, retransmits %llu, drops %llu%s",
		 (double)s->tcp_tx / units, (unsigned long long)s->tcp_retransmits,
		 (unsigned long long)utcp_stats_drops(s), drops);
}

static int t_utcp_run(struct utcp_ctx *ctx, const struct wl_spec *sp, struct wl_result *res)
{
	struct wl_run r;
	int kep = epoll_create1(EPOLL_CLOEXEC);
	struct bnet srv = { .ops = &bnet_utcp_ops, .c = ctx, .ep = utcp_epoll_create1(ctx, 0) };
	struct bnet cli = { .ops = &bnet_kernel_ops, .c = NULL, .ep = kep };
	struct epoll_event tev = { .events = EPOLLIN, .data.u64 = T_TAP_TAG };
	if (kep < 0 || srv.ep < 0 ||
	    epoll_ctl(kep, EPOLL_CTL_ADD, utcp_ctx_poll_fd(ctx), &tev) < 0) {
		snprintf(res->why, sizeof(res->why), "epoll: %s", strerror(errno));
		if (kep >= 0)
			close(kep);
		return -1;
	}
	if (wl_init(&r, sp, &srv, &cli, T_UTCP_IP, 0) == 0 && wl_server_start(&r) == 0 &&
	    wl_client_start(&r) == 0)
		t_loop(&r, &srv, &cli);
	wl_result(&r, res);
	t_close_all(&r, &srv);
	utcp_close(ctx, srv.ep);
	close(kep);
	wl_free(&r);
	t_drain(ctx);
	t_note(ctx, res);
	return res->ok ? 0 : -1;
}

/* The short workload's thousand SYNs leave the kernel at once: room for
 * them in the TAP's queue (500 frames by default) and in the queue of
 * frames waiting for utcp's ARP reply, not a 1 s SYN retransmit.  (The
 * simulated runs have static ARP entries and no queue limit likewise.) */
static void t_room(void)
{
	struct ifreq ifr = { .ifr_qlen = 8192 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "ubtap0");
	if (s >= 0 && ioctl(s, SIOCSIFTXQLEN, &ifr) < 0)
		perror("utcp-bench: TAP txqueuelen");
	if (s >= 0)
		close(s);
	FILE *f = fopen("/proc/sys/net/ipv4/neigh/ubtap0/unres_qlen_bytes", "w");
	if (f != NULL)
		fputs("16777216\n", f), fclose(f);
}

int bench_tap_utcp_run(const struct wl_spec *sp, struct wl_result *res)
{
	char err[160];
	memset(res, 0, sizeof(*res));
	struct utcp_stack *st = t_stack(sp, err, sizeof(err));
	struct utcp_ctx *ctx = st != NULL ? utcp_ctx_create(st, 0) : NULL;
	if (ctx == NULL) {
		snprintf(res->why, sizeof(res->why), "utcp on TAP: %s",
			 st == NULL ? err : strerror(errno));
		if (st != NULL)
			utcp_stack_close(st);
		return -1;
	}
	t_room();
	int rc = t_utcp_run(ctx, sp, res);
	utcp_ctx_destroy(ctx);
	utcp_stack_close(st);
	return rc;
}
