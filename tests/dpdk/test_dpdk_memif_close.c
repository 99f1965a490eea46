/*
 * tests/dpdk/test_dpdk_memif_close.c - two processes joined by net_memif
 * close their ports at the same instant, again and again.
 *
 * Each round forks a server and a client process, each on the DPDK backend
 * (utcp_dpdk_open, net_memif0 with role=server / role=client on one abstract
 * socket of the round's own), each with a thread polling its queue (rx_burst,
 * frames echoed back with tx_burst) and the main thread sending a frame now
 * and then, so frames are in flight.  When both links are up, both report
 * to the parent and wait; the parent releases them together (one write to a
 * pipe both read), and each closes its port (utcp_nic_close: stop, close,
 * pools freed, EAL shut down) after a short delay that sweeps the race
 * window round by round (0..2 ms on one side or the other), with its poller
 * still running until just before.  Each side's close then meets the
 * peer's disconnect, which DPDK's interrupt thread handles in this process
 * (memif_disconnect: rings unmapped, regions freed) at any point of its own
 * stop and close.
 *
 * Fails on any crash (a child killed by a signal), a child that exits with
 * an error, or output from the EAL or a PMD at error level ("EAL: Error",
 * "Invalid memory", caught by tests/dpdk/memif_close.sh, which reads the
 * children's stderr).  Rounds: CLOSE_ROUNDS (default 40), bounded by
 * CLOSE_TIMEOUT s (default 50; the rounds done by then count, at least 5).
 * Exit 77 when the EAL cannot start here.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "nic/dpdk/dpdk.h"

#define BURST 32
#define FRAME_LEN 60
#define CHILD_SKIP 77

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? atoi(v) : def;
}

/* ---- a child: one side of the memif ------------------------------------------ */

static int stop_polling;

static void *poll_queue(void *arg)
{
	struct utcp_nic *nic = arg;
	struct utcp_pkt *pkts[BURST];
	while (!__atomic_load_n(&stop_polling, __ATOMIC_ACQUIRE)) {
		uint16_t n = utcp_nic_rx_burst(nic, 0, pkts, BURST);
		uint16_t sent = utcp_nic_tx_burst(nic, 0, pkts, n);
		for (uint16_t i = sent; i < n; i++)
			utcp_nic_free(nic, pkts[i]);
	}
	return NULL;
}

static struct utcp_nic *open_side(struct utcp_config *cfg, const char *role, const char *prefix,
				  const char *sock)
{
	char args[512], err[512];
	utcp_config_defaults(cfg);
	snprintf(args, sizeof(args),
		 "--lcores=0@(0-1) --no-huge -m 256 --no-pci --no-shconf --no-telemetry "
		 "--file-prefix=%s --log-level=*:error --vdev=net_memif0,role=%s,socket=%s",
		 prefix, role, sock);
	if (utcp_config_set(cfg, "io", "dpdk", err, sizeof(err)) != 0 ||
	    utcp_config_set(cfg, "dpdk_args", args, err, sizeof(err)) != 0 ||
	    utcp_config_set(cfg, "port", "net_memif0", err, sizeof(err)) != 0 ||
	    utcp_config_set(cfg, "net_memif0.ip", "10.82.0.1/24", err, sizeof(err)) != 0 ||
	    utcp_config_set(cfg, "max_pkt_buffers", "1024", err, sizeof(err)) != 0 ||
	    utcp_config_finish(cfg, err, sizeof(err)) != 0) {
		printf("FAIL: %s: config: %s\n", role, err);
		_exit(1);
	}
	struct utcp_nic *nic = utcp_dpdk_open(cfg, &cfg->ports[0], 1, err, sizeof(err));
	if (nic == NULL) {
		printf("SKIP: %s: the DPDK backend cannot open net_memif0 here: %s\n", role, err);
		_exit(CHILD_SKIP);
	}
	return nic;
}

static int link_up(uint16_t port)
{
	struct rte_eth_link link;
	memset(&link, 0, sizeof(link));
	return rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

/* A broadcast frame of an unused ethertype: the peer's poller echoes it. */
static void send_one(struct utcp_nic *nic)
{
	struct utcp_pkt *pkt = utcp_nic_alloc(nic, 0);
	if (pkt == NULL)
		return;
	memset(pkt->data, 0xff, 6);
	memset(pkt->data + 6, 0x02, 6);
	pkt->data[12] = 0x88;
	pkt->data[13] = 0xb5;
	memset(pkt->data + 14, 0x5a, FRAME_LEN - 14);
	pkt->len = FRAME_LEN;
	if (utcp_nic_tx_burst(nic, 0, &pkt, 1) != 1)
		utcp_nic_free(nic, pkt);
}

/* open, tell the parent (1 byte on up_fd) when the link is up, wait for the
 * go (a byte on go_fd), wait delay_us, close */
static void side(const char *role, const char *prefix, const char *sock, int up_fd, int go_fd,
		 int delay_us)
{
	struct utcp_config cfg;
	pthread_t tid;
	struct utcp_nic *nic = open_side(&cfg, role, prefix, sock);
	(void)!write(up_fd, "o", 1); /* the port is open (the server listens) */
	if (pthread_create(&tid, NULL, poll_queue, nic) != 0)
		_exit(1);
	double until = now_s() + 10;
	while (!link_up(utcp_dpdk_port_id(nic))) {
		if (now_s() > until) {
			printf("FAIL: %s: the memif link did not come up in 10 s\n", role);
			_exit(1);
		}
		usleep(500);
	}
	for (int i = 0; i < 8; i++)
		send_one(nic);
	(void)!write(up_fd, "u", 1);
	char c;
	if (read(go_fd, &c, 1) != 1)
		_exit(1);
	send_one(nic);
	if (delay_us > 0)
		usleep((useconds_t)delay_us);
	__atomic_store_n(&stop_polling, 1, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);
	utcp_nic_close(nic); /* stop, close, pools freed, EAL shut down */
	char dir[128];
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
	rmdir(dir);
	_exit(0);
}

/* ---- the parent: the rounds ---------------------------------------------------- */

static pid_t spawn(const char *role, const char *prefix, const char *sock, int up[2], int go[2],
		   int delay_us)
{
	pid_t pid = fork();
	if (pid == 0) {
		close(up[0]);
		close(go[1]);
		side(role, prefix, sock, up[1], go[0], delay_us);
	}
	return pid;
}

/* 0: a byte came; -1: the child closed the pipe (exited) */
static int expect(int fd, char want)
{
	char c;
	return read(fd, &c, 1) == 1 && c == want ? 0 : -1;
}

static int reap(pid_t pid, const char *role, int round)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return printf("FAIL: round %d: %s: waitpid: %s\n", round, role, strerror(errno)), 1;
	if (WIFSIGNALED(st))
		return printf("FAIL: round %d: %s died of signal %d (%s)\n", round, role,
			      WTERMSIG(st), strsignal(WTERMSIG(st))), 1;
	if (WEXITSTATUS(st) == CHILD_SKIP)
		return CHILD_SKIP;
	if (WEXITSTATUS(st) != 0)
		return printf("FAIL: round %d: %s exited %d\n", round, role, WEXITSTATUS(st)), 1;
	return 0;
}

/* One round: both sides up, released together, each closing after its delay. */
static int round_once(int round, int srv_delay, int cli_delay)
{
	char sock[64], sp[64], cp[64];
	int su[2], cu[2], go[2];
	snprintf(sock, sizeof(sock), "/run/utcp-mclose-%d-%d.sock", (int)getpid(), round);
	snprintf(sp, sizeof(sp), "utcp-mclose-%d-s", (int)getpid());
	snprintf(cp, sizeof(cp), "utcp-mclose-%d-c", (int)getpid());
	if (pipe(su) != 0 || pipe(cu) != 0 || pipe(go) != 0)
		return printf("FAIL: pipe: %s\n", strerror(errno)), 1;
	pid_t srv = spawn("server", sp, sock, su, go, srv_delay);
	close(su[1]);
	int bad = expect(su[0], 'o'); /* the server listens: the client may start */
	pid_t cli = bad ? -1 : spawn("client", cp, sock, cu, go, cli_delay);
	close(cu[1]);
	close(go[0]);
	if (!bad)
		bad = expect(su[0], 'u') || expect(cu[0], 'o') || expect(cu[0], 'u');
	if (!bad && write(go[1], "gg", 2) != 2) /* one byte each: the same instant */
		bad = 1;
	close(go[1]); /* a child still waiting (a failed round) reads EOF and exits */
	int r = reap(srv, "server", round);
	int rc = cli > 0 ? reap(cli, "client", round) : 1;
	close(su[0]);
	close(cu[0]);
	if (r == CHILD_SKIP || rc == CHILD_SKIP)
		return CHILD_SKIP;
	return r || rc || bad;
}

int main(void)
{
	int rounds = env_int("CLOSE_ROUNDS", 40), limit = env_int("CLOSE_TIMEOUT", 50);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	double t0 = now_s();
	int done = 0;
	for (int i = 1; i <= rounds && now_s() < t0 + limit; i++, done++) {
		/* sweep the window: 0..2 ms on one side, then on the other */
		int d = (i / 2) % 9 * 250;
		int r = round_once(i, i % 2 ? d : 0, i % 2 ? 0 : d);
		if (r == CHILD_SKIP && i == 1)
			return 77;
		if (r != 0)
			return 1;
	}
	if (done < 5) {
		printf("FAIL: only %d rounds in %d s\n", done, limit);
		return 1;
	}
	printf("ok: %d rounds of both memif ports closed at once in %.1f s, no crash\n", done,
	       now_s() - t0);
	return 0;
}
