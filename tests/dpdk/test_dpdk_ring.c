/*
 * tests/dpdk/test_dpdk_ring.c - two utcp stacks in one process on the DPDK
 * backend, joined by DPDK's net_ring PMD: two ethdev ports made with
 * rte_eth_from_rings() whose rings cross (A's tx ring is B's rx ring and the
 * other way round), so every frame goes through rte_eth_tx_burst and
 * rte_eth_rx_burst of the real PMD.
 *
 * The conversation (`--queues N`, N = 1 or 2 rings, contexts and
 * connections per side; default 1):
 *   A (10.99.0.1) listens on :80 in every context; B (10.99.0.2) connects
 *   once from every context (ARP, then the three-way handshake); the ring
 *   PMD pairs queue k with queue k, so A's context k must accept B's context
 *   k's connection.  Both ends send RING_BYTES (default 4 MB) of a pattern at
 *   once and verify every byte they receive; each shuts down its sending
 *   side when done and closes after reading the peer's FIN; the stacks run
 *   until no TCB is left (TIME-WAIT is 1 s here).  With 2 queues, ARP frames
 *   reach one queue and the backend's copies teach the other context.
 * Then: no socket, TCB or packet buffer held by any context, every queue
 * carried frames, the port counters agree with the stack's, every mbuf is
 * back in its pool, the rings are empty, and the EAL shuts down.
 *
 * RING_MTU=N sets dpdk_mtu on both sides (jumbo frames: the frames sent
 * must then average more than 1514 bytes, a full standard frame),
 * RING_MBUF_SIZE=N dpdk_mbuf_size (mbufs smaller than a frame: each side
 * sends its long frames as chains, net_ring hands the chains to the other
 * side as they are, and that side joins them; both must be counted, with
 * nothing dropped).
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
#define MAX_Q 2

static size_t ring_bytes = 4u << 20;
static int nq = 1;
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
	if (file_prefix[0] != '\0') { /* the EAL's directory, empty under --no-shconf */
		char dir[128];
		snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", file_prefix);
		rmdir(dir);
	}
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
	cfg_set(cfg, "num_cores", nq == 1 ? "1" : "2");
	cfg_set(cfg, "max_pkt_buffers", "4096");
	cfg_set(cfg, "num_rx_desc", "512");
	cfg_set(cfg, "num_tx_desc", "512");
	cfg_set(cfg, "rcvbuf", "262144");
	cfg_set(cfg, "sndbuf", "262144");
	cfg_set(cfg, "tcp_timewait", "1");
	cfg_set(cfg, "seed", seed);
	if (getenv("RING_MTU") != NULL)
		cfg_set(cfg, "dpdk_mtu", getenv("RING_MTU"));
	if (getenv("RING_MBUF_SIZE") != NULL)
		cfg_set(cfg, "dpdk_mbuf_size", getenv("RING_MBUF_SIZE"));
	if (utcp_config_finish(cfg, err, sizeof(err)) != 0)
		die("config: %s", err);
}

/* ---- the two ethdev ports on crossing rings --------------------------------- */

struct rings {
	struct rte_ring *ab[MAX_Q], *ba[MAX_Q]; /* A -> B, B -> A, per queue */
	char name_a[RTE_ETH_NAME_MAX_LEN], name_b[RTE_ETH_NAME_MAX_LEN]; /* ethdev names */
};

static void ethdev_name(int port_id, char *name)
{
	if (port_id < 0 || rte_eth_dev_get_name_by_port((uint16_t)port_id, name) != 0)
		die("rte_eth_from_rings: %s", rte_strerror(rte_errno));
}

static void make_ring_ports(struct rings *r)
{
	char name[32];
	for (int q = 0; q < nq; q++) {
		snprintf(name, sizeof(name), "utcp_ab%d", q);
		r->ab[q] = rte_ring_create(name, 1024, (int)rte_socket_id(),
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "utcp_ba%d", q);
		r->ba[q] = rte_ring_create(name, 1024, (int)rte_socket_id(),
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (r->ab[q] == NULL || r->ba[q] == NULL)
			die("rte_ring_create: %s", rte_strerror(rte_errno));
	}
	ethdev_name(rte_eth_from_rings("a", r->ba, (unsigned)nq, r->ab, (unsigned)nq,
				       rte_socket_id()), r->name_a);
	ethdev_name(rte_eth_from_rings("b", r->ab, (unsigned)nq, r->ba, (unsigned)nq,
				       rte_socket_id()), r->name_b);
}

/* ---- one end of a connection ------------------------------------------------------ */

struct end {
	char name[8];
	struct utcp_ctx *ctx;
	int sock;
	int dir;                 /* pattern of what this end sends */
	size_t sent, got;
	int shut_wr, eof, closed;
};

static void end_send(struct end *s)
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

static void end_recv(struct end *s)
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

static void end_step(struct end *s)
{
	if (s->sock < 0 || s->closed)
		return;
	end_send(s);
	end_recv(s);
	if (s->eof && s->shut_wr) {
		if (s->got != ring_bytes)
			die("%s: %zu bytes received, %zu expected", s->name, s->got, ring_bytes);
		if (utcp_close(s->ctx, s->sock) != 0)
			die("%s: close: %s", s->name, strerror(errno));
		s->closed = 1;
	}
}

/* ---- a stack with one context per queue ---------------------------------------------- */

struct host {
	const char *name;
	struct utcp_stack *st;
	struct utcp_nic *nic;
	struct utcp_ctx *ctx[MAX_Q];
	int lsock[MAX_Q];
	struct end e[MAX_Q];     /* the connection end in each context */
};

static void host_open(struct host *h, const struct utcp_config *cfg, int dir)
{
	char err[512];
	h->st = utcp_stack_open(cfg, err, sizeof(err));
	if (h->st == NULL)
		die("%s: stack open: %s", h->name, err);
	h->nic = utcp_stack_nic(h->st, 0);
	for (int c = 0; c < nq; c++) {
		h->ctx[c] = utcp_ctx_create(h->st, c);
		if (h->ctx[c] == NULL)
			die("%s: context %d: %s", h->name, c, strerror(errno));
		h->lsock[c] = -1;
		struct end *e = &h->e[c];
		snprintf(e->name, sizeof(e->name), "%s%d", h->name, c);
		e->ctx = h->ctx[c];
		e->sock = -1;
		e->dir = dir;
	}
	printf("%s: port %s (dpdk port %u), %u queues, offloads %#x, rss %d\n", h->name,
	       h->nic->name, utcp_dpdk_port_id(h->nic), h->nic->caps.nb_queues,
	       h->nic->caps.offloads, (int)h->nic->caps.rss);
}

static int host_tcbs(const struct host *h)
{
	int n = 0;
	for (int c = 0; c < nq; c++) {
		struct utcp_sock_usage u;
		utcp_ctx_sock_usage(h->ctx[c], &u);
		n += (int)u.tcbs;
	}
	return n;
}

static int host_closed(const struct host *h)
{
	for (int c = 0; c < nq; c++)
		if (!h->e[c].closed)
			return 0;
	return 1;
}

static void start(struct host *a, struct host *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	for (int c = 0; c < nq; c++) {
		int s = utcp_socket(a->ctx[c], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s < 0 || utcp_bind(a->ctx[c], s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
		    utcp_listen(a->ctx[c], s, 16) != 0)
			die("A%d: listen: %s", c, strerror(errno));
		a->lsock[c] = s;
		printf("A%d: listening on :%d\n", c, SRV_PORT);
	}
	sin.sin_addr.s_addr = inet_addr("10.99.0.1");
	for (int c = 0; c < nq; c++) {
		struct end *e = &b->e[c];
		e->sock = utcp_socket(e->ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (e->sock < 0 ||
		    (utcp_connect(e->ctx, e->sock, (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
		     errno != EINPROGRESS))
			die("%s: connect: %s", e->name, strerror(errno));
		printf("%s: connecting to 10.99.0.1:%d\n", e->name, SRV_PORT);
	}
}

static uint16_t local_port(struct end *e)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	if (utcp_getsockname(e->ctx, e->sock, (struct sockaddr *)&me, &len) != 0)
		die("%s: getsockname: %s", e->name, strerror(errno));
	return me.sin_port;
}

/* A's context c accepts; the ring pairs queues, so it is B's context c. */
static void server_accept(struct host *a, struct host *b, int c)
{
	struct end *e = &a->e[c];
	if (e->sock >= 0)
		return;
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	e->sock = utcp_accept(a->ctx[c], a->lsock[c], (struct sockaddr *)&peer, &len);
	if (e->sock < 0 && errno != EAGAIN)
		die("%s: accept: %s", e->name, strerror(errno));
	if (e->sock < 0)
		return;
	printf("%s: accepted %s:%u\n", e->name, inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
	if (peer.sin_port != local_port(&b->e[c]))
		die("%s accepted a connection that is not %s's", e->name, b->e[c].name);
	if (utcp_setsock_nonblock(a->ctx[c], e->sock) != 0)
		die("%s: nonblock: %s", e->name, strerror(errno));
	if (utcp_close(a->ctx[c], a->lsock[c]) != 0)
		die("%s: close listener: %s", e->name, strerror(errno));
	a->lsock[c] = -1;
}

/* Both stacks run in turn until every end closed and no TCB is left. */
static void run(struct host *a, struct host *b, utcp_time_t bound)
{
	utcp_time_t t0 = utcp_nic_now(a->nic), end = t0 + bound, t_data = 0;
	unsigned long rounds = 0;
	while (!(host_closed(a) && host_closed(b) && host_tcbs(a) == 0 && host_tcbs(b) == 0)) {
		if (utcp_nic_now(a->nic) > end)
			die("not done after %llu s (A0 sent %zu got %zu, B0 sent %zu got %zu, "
			    "tcbs %d/%d)", (unsigned long long)(bound / UTCP_NSEC_PER_SEC),
			    a->e[0].sent, a->e[0].got, b->e[0].sent, b->e[0].got, host_tcbs(a),
			    host_tcbs(b));
		for (int c = 0; c < nq; c++) {
			utcp_ctx_poll(a->ctx[c]);
			utcp_ctx_poll(b->ctx[c]);
		}
		for (int c = 0; c < nq; c++) {
			server_accept(a, b, c);
			end_step(&a->e[c]);
			end_step(&b->e[c]);
		}
		rounds++;
		if (t_data == 0 && a->e[0].got == ring_bytes && b->e[0].got == ring_bytes)
			t_data = utcp_nic_now(a->nic); /* every byte there (connection 0) */
	}
	printf("every end closed, no TCB left, after %lu rounds (the data in %.3f s)\n", rounds,
	       (double)(t_data - t0) / 1e9);
}

/* ---- checks at the end --------------------------------------------------------- */

static void check_contexts(const struct host *h, struct utcp_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int c = 0; c < nq; c++) {
		struct utcp_sock_usage u;
		const struct utcp_stats *cs = utcp_ctx_stats(h->ctx[c]);
		utcp_ctx_sock_usage(h->ctx[c], &u);
		if (u.sockets != 0 || u.tcbs != 0)
			die("%s%d: %u sockets, %u TCBs left", h->name, c, u.sockets, u.tcbs);
		if (utcp_ctx_bufs_in_use(h->ctx[c]) != 0)
			die("%s%d: %llu packet buffers leaked", h->name, c,
			    (unsigned long long)utcp_ctx_bufs_in_use(h->ctx[c]));
		if (cs->tcp_rx == 0 || utcp_stats_drops(cs) != 0)
			die("%s%d: %llu segments in, %llu frames dropped", h->name, c,
			    (unsigned long long)cs->tcp_rx, (unsigned long long)utcp_stats_drops(cs));
		utcp_stats_add(sum, cs);
	}
}

/* RING_MTU: jumbo frames sent; RING_MBUF_SIZE: chains sent and joined. */
static void check_segs(const struct host *h, const struct utcp_stats *cs)
{
	struct utcp_dpdk_seg_stats ss;
	utcp_dpdk_seg_stats(h->nic, &ss);
	double avg = cs->tx_frames ? (double)cs->tx_bytes / (double)cs->tx_frames : 0;
	printf("%s: MTU %u, %.0f bytes a frame sent; %llu chains sent, %llu received and joined, "
	       "%llu dropped\n", h->name, h->nic->caps.mtu, avg,
	       (unsigned long long)ss.tx_chains, (unsigned long long)ss.rx_joined,
	       (unsigned long long)ss.rx_dropped);
	const char *mtu = getenv("RING_MTU");
	if (mtu != NULL && (h->nic->caps.mtu != atoi(mtu) || (atoi(mtu) > 1500 && avg <= 1514)))
		die("%s: dpdk_mtu = %s: MTU %u, %.0f bytes a frame", h->name, mtu, h->nic->caps.mtu,
		    avg);
	if (getenv("RING_MBUF_SIZE") != NULL && (ss.tx_chains == 0 || ss.rx_joined == 0))
		die("%s: dpdk_mbuf_size = %s: no chain sent or joined", h->name,
		    getenv("RING_MBUF_SIZE"));
	if (ss.rx_dropped != 0)
		die("%s: %llu chains dropped", h->name, (unsigned long long)ss.rx_dropped);
}

static void check_port(const struct host *h, const struct utcp_stats *cs)
{
	struct utcp_nic_stats ns;
	struct rte_eth_stats es;
	if (h->nic->ops->stats(h->nic, &ns) != 0 || ns.bufs_in_use != 0)
		die("%s: the NIC counts %llu buffers in use", h->name,
		    (unsigned long long)ns.bufs_in_use);
	printf("%s: port rx %llu frames, tx %llu frames, errors %llu/%llu, missed %llu, link %s; "
	       "tcp rx %llu tx %llu retransmits %llu\n",
	       h->name, (unsigned long long)ns.rx_pkts, (unsigned long long)ns.tx_pkts,
	       (unsigned long long)ns.rx_errors, (unsigned long long)ns.tx_errors,
	       (unsigned long long)ns.rx_missed,
	       ns.link_up == 1 ? "up" : ns.link_up == 0 ? "down" : "unknown",
	       (unsigned long long)cs->tcp_rx, (unsigned long long)cs->tcp_tx,
	       (unsigned long long)cs->tcp_retransmits);
	if (ns.link_up != 1 || ns.rx_errors || ns.tx_errors || ns.rx_missed)
		die("%s: link down or port errors", h->name);
	/* every frame the contexts sent went through the port; with several
	 * queues the contexts also received the backend's ARP copies */
	if (ns.tx_pkts != cs->tx_frames || ns.rx_pkts > cs->rx_frames ||
	    (nq == 1 && ns.rx_pkts != cs->rx_frames))
		die("%s: port counters (%llu tx, %llu rx) differ from the stack's (%llu, %llu)",
		    h->name, (unsigned long long)ns.tx_pkts, (unsigned long long)ns.rx_pkts,
		    (unsigned long long)cs->tx_frames, (unsigned long long)cs->rx_frames);
	check_segs(h, cs);
	if (rte_eth_stats_get(utcp_dpdk_port_id(h->nic), &es) != 0)
		die("%s: rte_eth_stats_get", h->name);
	for (int q = 0; q < nq; q++) {
		printf("%s: queue %d received %llu frames\n", h->name, q,
		       (unsigned long long)es.q_ipackets[q]);
		if (es.q_ipackets[q] == 0)
			die("%s: queue %d carried nothing", h->name, q);
	}
}

static void close_host(struct host *h)
{
	for (int c = 0; c < nq; c++)
		utcp_ctx_destroy(h->ctx[c]);
	uint64_t left = utcp_dpdk_mbufs_in_use(h->nic);
	if (left != 0)
		die("%s: %llu mbufs not back in the pool", h->name, (unsigned long long)left);
	utcp_stack_close(h->st);
}

static void parse_args(int argc, char **argv)
{
	const char *e = getenv("RING_BYTES");
	if (e != NULL)
		ring_bytes = strtoul(e, NULL, 0);
	if (argc == 3 && strcmp(argv[1], "--queues") == 0)
		nq = atoi(argv[2]);
	else if (argc != 1)
		die("usage: %s [--queues 1|2]", argv[0]);
	if (nq < 1 || nq > MAX_Q)
		die("--queues: 1 or 2");
}

int main(int argc, char **argv)
{
	struct utcp_config ca, cb;
	struct rings r;
	struct utcp_stats sa, sb;
	char err[512];
	parse_args(argc, argv);
	const char *e = getenv("RING_TIMEOUT");
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
	struct host a = { .name = "A" }, b = { .name = "B" };
	host_open(&a, &ca, 0);
	host_open(&b, &cb, 1);
	start(&a, &b);
	run(&a, &b, bound);
	check_contexts(&a, &sa);
	check_contexts(&b, &sb);
	check_port(&a, &sa);
	check_port(&b, &sb);
	close_host(&a);
	close_host(&b);
	if (utcp_dpdk_mbufs_lost() != 0)
		die("%llu mbufs not back in their pools at close",
		    (unsigned long long)utcp_dpdk_mbufs_lost());
	for (int q = 0; q < nq; q++) {
		if (rte_ring_count(r.ab[q]) != 0 || rte_ring_count(r.ba[q]) != 0)
			die("frames left in the rings of queue %d", q);
		rte_ring_free(r.ab[q]);
		rte_ring_free(r.ba[q]);
	}
	utcp_dpdk_eal_release();
	char dir[128];
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", file_prefix);
	rmdir(dir); /* --no-shconf leaves an empty directory */
	printf("PASS dpdk net_ring, %d queue%s: handshake, %zu bytes each way on %d connection%s "
	       "byte-exact, close, no leak\n", nq, nq > 1 ? "s" : "", ring_bytes, nq,
	       nq > 1 ? "s" : "");
	return 0;
}
