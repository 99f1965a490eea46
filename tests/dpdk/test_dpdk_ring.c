/*
 * tests/dpdk/test_dpdk_ring.c - two utcp stacks in one process on the DPDK
 * backend, joined by DPDK's net_ring PMD: two ethdev ports made with
 * rte_eth_from_rings() whose rings cross (A's tx ring is B's rx ring and the
 * other way round), so every frame goes through rte_eth_tx_burst and
 * rte_eth_rx_burst of the real PMD.
 *
 * The conversation:
 *   A (10.99.0.1) listens on :80; B (10.99.0.2) connects (ARP, then the
 *   three-way handshake); both send RING_BYTES (default 4 MB) of a pattern at
 *   once and verify every byte they receive; each shuts down its sending side
 *   when done and closes after reading the peer's FIN; the stacks run until
 *   no TCB is left (TIME-WAIT is 1 s here).
 * Then: no socket, TCB or packet buffer held by either context, every mbuf
 * back in its pool, both rings empty, and the EAL shuts down.
 *
 * EAL arguments are the ones that work without hugepages or a NIC (set
 * through the `dpdk_args` key, as a config file would); the whole run is
 * bounded by RING_TIMEOUT seconds of wall time (default 60).  Exit 77 when
 * the EAL cannot start here (the reason is printed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include <utcp/utcp.h>

#include "nic/dpdk/dpdk.h"

#define SRV_PORT 80

static size_t ring_bytes = 4u << 20;
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
	exit(1);
}

static uint8_t pat_byte(int dir, size_t i)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ (dir ? 0xa5a5a5a5u : 0x3c3c3c3cu);
	return (uint8_t)(x >> 11);
}

/* ---- configuration, as utcp.conf lines ----------------------------------- */

static void cfg_set(struct utcp_config *cfg, const char *key, const char *value)
{
	char err[512];
	if (utcp_config_set(cfg, key, value, err, sizeof(err)) != 0)
		die("config %s = %s: %s", key, value, err);
}

static void eal_config(struct utcp_config *cfg)
{
	char args[400];
	utcp_config_defaults(cfg);
	cfg_set(cfg, "io", "dpdk");
	snprintf(args, sizeof(args),
		 "-l 0 --no-huge -m 256 --no-pci --no-shconf --no-telemetry "
		 "--file-prefix=%s --log-level='*:warning'", file_prefix);
	cfg_set(cfg, "dpdk_args", args);
}

static void make_config(struct utcp_config *cfg, const char *port, const char *ip,
			const char *mac, const char *seed)
{
	char key[64], err[512];
	eal_config(cfg);
	cfg_set(cfg, "port", port);
	snprintf(key, sizeof(key), "%s.ip", port);
	cfg_set(cfg, key, ip);
	snprintf(key, sizeof(key), "%s.mac", port);
	cfg_set(cfg, key, mac);
	cfg_set(cfg, "num_cores", "1");
	cfg_set(cfg, "max_pkt_buffers", "4096");
	cfg_set(cfg, "num_rx_desc", "512");
	cfg_set(cfg, "num_tx_desc", "512");
	cfg_set(cfg, "rcvbuf", "262144");
	cfg_set(cfg, "sndbuf", "262144");
	cfg_set(cfg, "tcp_timewait", "1");
	cfg_set(cfg, "seed", seed);
	if (utcp_config_finish(cfg, err, sizeof(err)) != 0)
		die("config: %s", err);
}

/* ---- the two ethdev ports on crossing rings --------------------------------- */

struct rings {
	struct rte_ring *ab, *ba; /* A -> B, B -> A */
	char name_a[RTE_ETH_NAME_MAX_LEN], name_b[RTE_ETH_NAME_MAX_LEN]; /* ethdev names */
};

static void ethdev_name(int port_id, char *name)
{
	if (port_id < 0 || rte_eth_dev_get_name_by_port((uint16_t)port_id, name) != 0)
		die("rte_eth_from_rings: %s", rte_strerror(rte_errno));
}

static void make_ring_ports(struct rings *r)
{
	r->ab = rte_ring_create("utcp_ab", 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	r->ba = rte_ring_create("utcp_ba", 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r->ab == NULL || r->ba == NULL)
		die("rte_ring_create: %s", rte_strerror(rte_errno));
	ethdev_name(rte_eth_from_rings("a", &r->ba, 1, &r->ab, 1, rte_socket_id()), r->name_a);
	ethdev_name(rte_eth_from_rings("b", &r->ab, 1, &r->ba, 1, rte_socket_id()), r->name_b);
}

/* ---- one side of the conversation ----------------------------------------------- */

struct side {
	const char *name;
	struct utcp_stack *st;
	struct utcp_ctx *ctx;
	int lsock, sock;
	int dir;                 /* pattern of what this side sends */
	size_t sent, got;
	int shut_wr, eof, closed;
};

static void side_send(struct side *s)
{
	uint8_t buf[16384];
	while (s->sent < ring_bytes) {
		size_t n = ring_bytes - s->sent < sizeof(buf) ? ring_bytes - s->sent : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pat_byte(s->dir, s->sent + i);
		ssize_t w = utcp_write(s->ctx, s->sock, buf, n);
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0)
			die("%s: write at byte %zu: %s", s->name, s->sent, strerror(errno));
		s->sent += (size_t)w;
	}
	if (!s->shut_wr) {
		if (utcp_shutdown(s->ctx, s->sock, SHUT_WR) != 0)
			die("%s: shutdown: %s", s->name, strerror(errno));
		printf("%s: sent %zu bytes, FIN\n", s->name, s->sent);
		s->shut_wr = 1;
	}
}

static void side_recv(struct side *s)
{
	uint8_t buf[16384];
	while (!s->eof) {
		ssize_t r = utcp_read(s->ctx, s->sock, buf, sizeof(buf));
		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0)
			die("%s: read at byte %zu: %s", s->name, s->got, strerror(errno));
		if (r == 0) {
			printf("%s: received %zu bytes, then the peer's FIN\n", s->name, s->got);
			s->eof = 1;
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pat_byte(!s->dir, s->got + (size_t)i))
				die("%s: byte %zu differs", s->name, s->got + (size_t)i);
		s->got += (size_t)r;
		if (s->got > ring_bytes)
			die("%s: more than %zu bytes received", s->name, ring_bytes);
	}
}

static void side_step(struct side *s)
{
	if (s->sock < 0 || s->closed)
		return;
	side_send(s);
	side_recv(s);
	if (s->eof && s->shut_wr) {
		if (s->got != ring_bytes)
			die("%s: %zu bytes received, %zu expected", s->name, s->got, ring_bytes);
		if (utcp_close(s->ctx, s->sock) != 0)
			die("%s: close: %s", s->name, strerror(errno));
		s->closed = 1;
	}
}

static void server_accept(struct side *a)
{
	if (a->sock >= 0)
		return;
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	a->sock = utcp_accept(a->ctx, a->lsock, (struct sockaddr *)&peer, &len);
	if (a->sock < 0 && errno != EAGAIN)
		die("A: accept: %s", strerror(errno));
	if (a->sock >= 0) {
		printf("A: accepted %s:%u\n", inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
		if (utcp_setsock_nonblock(a->ctx, a->sock) != 0)
			die("A: nonblock: %s", strerror(errno));
		if (utcp_close(a->ctx, a->lsock) != 0)
			die("A: close listener: %s", strerror(errno));
		a->lsock = -1;
	}
}

static void start(struct side *a, struct side *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	a->lsock = utcp_socket(a->ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (a->lsock < 0 || utcp_bind(a->ctx, a->lsock, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    utcp_listen(a->ctx, a->lsock, 16) != 0)
		die("A: listen: %s", strerror(errno));
	printf("A: listening on :%d\n", SRV_PORT);
	b->sock = utcp_socket(b->ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sin.sin_addr.s_addr = inet_addr("10.99.0.1");
	if (b->sock < 0 ||
	    (utcp_connect(b->ctx, b->sock, (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
	     errno != EINPROGRESS))
		die("B: connect: %s", strerror(errno));
	printf("B: connecting to 10.99.0.1:%d\n", SRV_PORT);
}

static int tcbs(const struct side *s)
{
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(s->ctx, &u);
	return (int)u.tcbs;
}

/* Both stacks run in turn until both sides closed and no TCB is left. */
static void run(struct side *a, struct side *b, utcp_time_t bound)
{
	utcp_time_t t0 = utcp_ctx_now(a->ctx), end = t0 + bound;
	unsigned long rounds = 0;
	while (!(a->closed && b->closed && tcbs(a) == 0 && tcbs(b) == 0)) {
		if (utcp_ctx_now(a->ctx) > end)
			die("not done after %llu s (A sent %zu got %zu, B sent %zu got %zu, tcbs %d/%d)",
			    (unsigned long long)(bound / UTCP_NSEC_PER_SEC), a->sent, a->got,
			    b->sent, b->got, tcbs(a), tcbs(b));
		utcp_ctx_poll(a->ctx);
		utcp_ctx_poll(b->ctx);
		server_accept(a);
		side_step(a);
		side_step(b);
		rounds++;
	}
	printf("both sides closed, no TCB left, after %lu rounds\n", rounds);
}

/* ---- checks at the end --------------------------------------------------------- */

static void check_side(const struct side *s)
{
	struct utcp_sock_usage u;
	struct utcp_nic_stats ns;
	const struct utcp_stats *cs = utcp_ctx_stats(s->ctx);
	struct utcp_nic *nic = utcp_stack_nic(s->st, 0);
	utcp_ctx_sock_usage(s->ctx, &u);
	if (u.sockets != 0 || u.tcbs != 0)
		die("%s: %u sockets, %u TCBs left", s->name, u.sockets, u.tcbs);
	if (utcp_ctx_bufs_in_use(s->ctx) != 0)
		die("%s: %llu packet buffers leaked", s->name,
		    (unsigned long long)utcp_ctx_bufs_in_use(s->ctx));
	if (nic->ops->stats(nic, &ns) != 0 || ns.bufs_in_use != 0)
		die("%s: the NIC counts %llu buffers in use", s->name,
		    (unsigned long long)ns.bufs_in_use);
	printf("%s: port rx %llu frames %llu bytes, tx %llu frames %llu bytes, errors %llu/%llu, "
	       "link %s; tcp rx %llu tx %llu retransmits %llu, drops %llu\n",
	       s->name, (unsigned long long)ns.rx_pkts, (unsigned long long)ns.rx_bytes,
	       (unsigned long long)ns.tx_pkts, (unsigned long long)ns.tx_bytes,
	       (unsigned long long)ns.rx_errors, (unsigned long long)ns.tx_errors,
	       ns.link_up == 1 ? "up" : ns.link_up == 0 ? "down" : "unknown",
	       (unsigned long long)cs->tcp_rx, (unsigned long long)cs->tcp_tx,
	       (unsigned long long)cs->tcp_retransmits, (unsigned long long)utcp_stats_drops(cs));
	if (ns.link_up != 1)
		die("%s: link not up", s->name);
	if (ns.tx_pkts != cs->tx_frames || ns.rx_pkts != cs->rx_frames)
		die("%s: port counters (%llu tx, %llu rx) differ from the stack's (%llu, %llu)",
		    s->name, (unsigned long long)ns.tx_pkts, (unsigned long long)ns.rx_pkts,
		    (unsigned long long)cs->tx_frames, (unsigned long long)cs->rx_frames);
	if (cs->tcp_rx == 0 || utcp_stats_drops(cs) != 0)
		die("%s: %llu segments in, %llu frames dropped", s->name,
		    (unsigned long long)cs->tcp_rx, (unsigned long long)utcp_stats_drops(cs));
}

static void open_side(struct side *s, const struct utcp_config *cfg, int dir)
{
	char err[512];
	s->st = utcp_stack_open(cfg, err, sizeof(err));
	if (s->st == NULL)
		die("%s: stack open: %s", s->name, err);
	s->ctx = utcp_ctx_create(s->st, 0);
	if (s->ctx == NULL)
		die("%s: context: %s", s->name, strerror(errno));
	s->lsock = s->sock = -1;
	s->dir = dir;
	const struct utcp_nic *nic = utcp_stack_nic(s->st, 0);
	printf("%s: port %s (dpdk port %u), %u queue, offloads %#x, rss %d\n", s->name, nic->name,
	       utcp_dpdk_port_id((struct utcp_nic *)nic), nic->caps.nb_queues, nic->caps.offloads,
	       (int)nic->caps.rss);
}

static void close_side(struct side *s)
{
	struct utcp_nic *nic = utcp_stack_nic(s->st, 0);
	utcp_ctx_destroy(s->ctx);
	uint64_t left = utcp_dpdk_mbufs_in_use(nic);
	if (left != 0)
		die("%s: %llu mbufs not back in the pool", s->name, (unsigned long long)left);
	utcp_stack_close(s->st);
}

int main(void)
{
	struct utcp_config ca, cb;
	struct rings r;
	char err[512];
	const char *e = getenv("RING_BYTES");
	if (e != NULL)
		ring_bytes = strtoul(e, NULL, 0);
	e = getenv("RING_TIMEOUT");
	utcp_time_t bound = (e ? strtoull(e, NULL, 0) : 60) * UTCP_NSEC_PER_SEC;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(file_prefix, sizeof(file_prefix), "utcp-ring-%d", (int)getpid());
	eal_config(&ca);
	if (utcp_dpdk_eal_acquire(&ca, err, sizeof(err)) != 0) {
		printf("test_dpdk_ring: skipped: %s\n", err);
		return 77;
	}
	make_ring_ports(&r);
	make_config(&ca, r.name_a, "10.99.0.1/24", "02:00:00:99:00:01", "11");
	make_config(&cb, r.name_b, "10.99.0.2/24", "02:00:00:99:00:02", "22");
	struct side a = { .name = "A" }, b = { .name = "B" };
	open_side(&a, &ca, 0);
	open_side(&b, &cb, 1);
	start(&a, &b);
	run(&a, &b, bound);
	check_side(&a);
	check_side(&b);
	close_side(&a);
	close_side(&b);
	if (rte_ring_count(r.ab) != 0 || rte_ring_count(r.ba) != 0)
		die("frames left in the rings (%u, %u)", rte_ring_count(r.ab), rte_ring_count(r.ba));
	rte_ring_free(r.ab);
	rte_ring_free(r.ba);
	utcp_dpdk_eal_release();
	char dir[128];
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", file_prefix);
	rmdir(dir); /* --no-shconf leaves an empty directory */
	printf("PASS dpdk net_ring: handshake, %zu bytes each way byte-exact, close, no leak\n",
	       ring_bytes);
	return 0;
}
