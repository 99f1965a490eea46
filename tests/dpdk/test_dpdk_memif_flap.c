/*
 * tests/dpdk/test_dpdk_memif_flap.c - a memif peer that leaves and comes back
 * again and again while the DPDK backend's pollers are busy on the port.
 *
 * One process, two net_memif vdevs on one abstract socket:
 *   net_memif0, role=server: opened through the backend (utcp_dpdk_open)
 *     with 2 queues; one thread per queue polls it as a context does:
 *     rx_burst, then every frame straight back with tx_burst.
 *   net_memif1, role=client: the peer, driven by the main thread with plain
 *     ethdev calls: start (connect), send frames on both queues and read the
 *     echoes for FLAP_MS ms (default 10; longer until the first echo is
 *     back, at most 5 s), then stop while frames are still in flight.
 * The client's stop closes its control socket; the server's memif PMD sees
 * the EOF on DPDK's interrupt thread and unmaps the shared regions there
 * (memif_disconnect), while the pollers are inside rte_eth_rx_burst and
 * rte_eth_tx_burst.  Without nic/dpdk/gate.c every run crashed (SIGSEGV in
 * librte_net_memif under rx_chunk, 10 runs of 10); the test passes when the
 * process survives FLAP_CYCLES (default 100) cycles.
 * Each cycle must connect (both links up within 5 s), carry frames both ways
 * and disconnect (server link down within 5 s).  At the end: the interrupt
 * thread closed the gate at least once per cycle, no buffer is held, every
 * mbuf is back in its pool, the EAL shuts down.  Bounded by FLAP_TIMEOUT s
 * (default 60).  Exit 77 when the EAL cannot start here.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "nic/dpdk/dpdk.h"
#include "nic/dpdk/gate.h"

#define NQ 2
#define BURST 32
#define FRAME_LEN 60

static char file_prefix[64];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stdout, "FAIL: ");
	vfprintf(stdout, fmt, ap);
	fprintf(stdout, "\n");
	va_end(ap);
	fflush(stdout);
	_exit(1); /* the pollers may be running: no exit handlers */
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "FAIL: timed out (FLAP_TIMEOUT)\n";
	(void)!write(1, msg, sizeof(msg) - 1);
	_exit(1);
}

/* ---- the server side: the backend's port and its pollers ------------------ */

struct poller {
	pthread_t tid;
	struct utcp_nic *nic;
	uint16_t q;
	uint64_t rx, tx;
};

static int stop_polling;

static void *poll_queue(void *arg)
{
	struct poller *p = arg;
	struct utcp_pkt *pkts[BURST];
	while (!__atomic_load_n(&stop_polling, __ATOMIC_ACQUIRE)) {
		uint16_t n = utcp_nic_rx_burst(p->nic, p->q, pkts, BURST);
		p->rx += n;
		for (uint16_t i = 0; i < n; i++)
			pkts[i]->ol_flags = 0; /* back as received, no offloads */
		uint16_t sent = utcp_nic_tx_burst(p->nic, p->q, pkts, n);
		p->tx += sent;
		for (uint16_t i = sent; i < n; i++)
			utcp_nic_free(p->nic, pkts[i]);
	}
	return NULL;
}

static struct utcp_nic *open_server(struct utcp_config *cfg, const char *sock)
{
	char args[512], err[512];
	utcp_config_defaults(cfg);
	snprintf(args, sizeof(args),
		 "--lcores=0@(0-1) --no-huge -m 256 --no-pci --no-shconf --no-telemetry "
		 "--file-prefix=%s --log-level=*:error "
		 "--vdev=net_memif0,role=server,socket=%s "
		 "--vdev=net_memif1,role=client,socket=%s", file_prefix, sock, sock);
	if (utcp_config_set(cfg, "io", "dpdk", err, sizeof(err)) != 0 ||
	    utcp_config_set(cfg, "dpdk_args", args, err, sizeof(err)) != 0 ||
	    utcp_config_set(cfg, "port", "net_memif0", err, sizeof(err)) != 0 ||
	    utcp_config_set(cfg, "net_memif0.ip", "10.81.0.1/24", err, sizeof(err)) != 0 ||
	    utcp_config_set(cfg, "num_cores", "2", err, sizeof(err)) != 0 ||
	    utcp_config_set(cfg, "max_pkt_buffers", "2048", err, sizeof(err)) != 0 ||
	    utcp_config_finish(cfg, err, sizeof(err)) != 0)
		die("config: %s", err);
	struct utcp_nic *nic = utcp_dpdk_open(cfg, &cfg->ports[0], NQ, err, sizeof(err));
	if (nic == NULL) {
		printf("SKIP: the DPDK backend cannot open net_memif0 here: %s\n", err);
		exit(77);
	}
	return nic;
}

static int link_up(uint16_t port)
{
	struct rte_eth_link link;
	memset(&link, 0, sizeof(link));
	return rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

/* ---- the client side: the peer that comes and goes ------------------------- */

struct peer {
	uint16_t port;
	struct rte_mempool *pool;
	uint64_t tx, rx;
};

static void open_peer(struct peer *c)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_get_port_by_name("net_memif1", &c->port) != 0)
		die("no port net_memif1");
	c->pool = rte_pktmbuf_pool_create("flap_peer", 2047, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_eth_dev_socket_id(c->port));
	if (c->pool == NULL)
		die("peer mbuf pool: %s", rte_strerror(rte_errno));
	if (rte_eth_dev_configure(c->port, NQ, NQ, &conf) != 0)
		die("peer configure");
	for (uint16_t q = 0; q < NQ; q++)
		if (rte_eth_rx_queue_setup(c->port, q, 512, rte_eth_dev_socket_id(c->port), NULL,
					   c->pool) != 0 ||
		    rte_eth_tx_queue_setup(c->port, q, 512, rte_eth_dev_socket_id(c->port), NULL) != 0)
			die("peer queue %u setup", q);
}

static void peer_send(struct peer *c, uint16_t q)
{
	struct rte_mbuf *m[BURST];
	if (rte_pktmbuf_alloc_bulk(c->pool, m, BURST) != 0)
		return;
	for (int i = 0; i < BURST; i++) {
		if (rte_pktmbuf_append(m[i], FRAME_LEN) == NULL)
			die("rte_pktmbuf_append");
		uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);
		memset(d, 0xff, 6); /* broadcast, from 02:..., ethertype 0x88b5 */
		memset(d + 6, 0x02, 6);
		d[12] = 0x88;
		d[13] = 0xb5;
		memset(d + 14, (int)(c->tx + (uint64_t)i), FRAME_LEN - 14);
	}
	uint16_t sent = rte_eth_tx_burst(c->port, q, m, BURST);
	c->tx += sent;
	for (uint16_t i = sent; i < BURST; i++)
		rte_pktmbuf_free(m[i]);
}

static void peer_recv(struct peer *c, uint16_t q)
{
	struct rte_mbuf *m[BURST];
	uint16_t n = rte_eth_rx_burst(c->port, q, m, BURST);
	c->rx += n;
	for (uint16_t i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

static void wait_link(uint16_t port, int up, const char *what, int cycle)
{
	double until = now_s() + 5;
	while (link_up(port) != up) {
		if (now_s() > until)
			die("cycle %d: %s link still %s after 5 s", cycle, what, up ? "down" : "up");
		usleep(200);
	}
}

/* One cycle: connect, traffic both ways for ms, leave with frames in flight. */
static void flap(struct peer *c, uint16_t srv_port, int cycle, int ms)
{
	if (rte_eth_dev_start(c->port) != 0)
		die("cycle %d: peer start", cycle);
	wait_link(c->port, 1, "peer", cycle);
	wait_link(srv_port, 1, "server", cycle);
	uint64_t rx0 = c->rx, tx0 = c->tx;
	double t0 = now_s(), t;
	/* ms of traffic, longer if no echo has come back yet (a busy machine) */
	while ((t = now_s()) < t0 + ms / 1000.0 || c->rx == rx0) {
		if (t > t0 + 5)
			die("cycle %d: no frames both ways in 5 s (sent %llu, echoed %llu)", cycle,
			    (unsigned long long)(c->tx - tx0), (unsigned long long)(c->rx - rx0));
		for (uint16_t q = 0; q < NQ; q++) {
			peer_send(c, q);
			peer_recv(c, q);
		}
	}
	if (rte_eth_dev_stop(c->port) != 0)
		die("cycle %d: peer stop", cycle);
	wait_link(srv_port, 0, "server", cycle);
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? atoi(v) : def;
}

int main(void)
{
	int cycles = env_int("FLAP_CYCLES", 100), ms = env_int("FLAP_MS", 10);
	char sock[64];
	struct utcp_config cfg;
	struct poller p[NQ];
	struct peer c;

	signal(SIGALRM, on_alarm);
	alarm((unsigned)env_int("FLAP_TIMEOUT", 60));
	const char *prefix = getenv("FLAP_PREFIX"); /* the script removes its directory */
	if (prefix != NULL && *prefix != '\0')
		snprintf(file_prefix, sizeof(file_prefix), "%s", prefix);
	else
		snprintf(file_prefix, sizeof(file_prefix), "utcp-flap-%d", (int)getpid());
	snprintf(sock, sizeof(sock), "/run/utcp-flap-%d.sock", (int)getpid());
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct utcp_nic *nic = open_server(&cfg, sock);
	uint16_t srv_port = utcp_dpdk_port_id(nic);
	memset(&c, 0, sizeof(c));
	open_peer(&c);
	for (uint16_t q = 0; q < NQ; q++) {
		p[q] = (struct poller){ .nic = nic, .q = q };
		if (pthread_create(&p[q].tid, NULL, poll_queue, &p[q]) != 0)
			die("pthread_create");
	}
	uint64_t closures0 = dpdk_gate_closures();
	double t0 = now_s();
	for (int i = 1; i <= cycles; i++)
		flap(&c, srv_port, i, ms);
	uint64_t closures = dpdk_gate_closures() - closures0;
	__atomic_store_n(&stop_polling, 1, __ATOMIC_RELEASE);
	for (uint16_t q = 0; q < NQ; q++)
		pthread_join(p[q].tid, NULL);
	printf("%d cycles of connect, %d ms of frames both ways, disconnect in %.2f s\n", cycles,
	       ms, now_s() - t0);
	printf("peer: sent %llu, echoed %llu; server queue 0: rx %llu tx %llu, queue 1: rx %llu "
	       "tx %llu\n", (unsigned long long)c.tx, (unsigned long long)c.rx,
	       (unsigned long long)p[0].rx, (unsigned long long)p[0].tx,
	       (unsigned long long)p[1].rx, (unsigned long long)p[1].tx);
	printf("interrupt thread closed the gate %llu times; pollers skipped the PMD %llu times\n",
	       (unsigned long long)closures, (unsigned long long)dpdk_gate_skips());
	int status = 0;
	if (closures < (uint64_t)cycles) {
		printf("FAIL: the gate closed %llu times for %d disconnects\n",
		       (unsigned long long)closures, cycles);
		status = 1;
	}
	for (uint16_t q = 0; q < NQ; q++)
		if (p[q].rx == 0) {
			printf("FAIL: server queue %u received nothing\n", q);
			status = 1;
		}
	struct utcp_nic_stats st;
	nic->ops->stats(nic, &st);
	if (st.bufs_in_use != 0) {
		printf("FAIL: %llu buffers still held\n", (unsigned long long)st.bufs_in_use);
		status = 1;
	}
	rte_eth_dev_close(c.port);
	rte_mempool_free(c.pool);
	utcp_nic_close(nic); /* stops the port, frees the pools, shuts the EAL down */
	if (utcp_dpdk_mbufs_lost() != 0) {
		printf("FAIL: %llu mbufs not back in their pools\n",
		       (unsigned long long)utcp_dpdk_mbufs_lost());
		status = 1;
	}
	char dir[128];
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", file_prefix);
	rmdir(dir);
	if (status == 0)
		printf("ok: %d disconnects under load, no crash, no buffer lost\n", cycles);
	return status;
}
