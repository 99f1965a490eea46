/*
 * tests/dpdk/test_dpdk_tap.c - utcp on DPDK's net_tap PMD talking to the
 * Linux kernel's TCP, in a network namespace of its own.
 *
 * net_tap is the one virtual device here with checksum offloads (IPv4 and
 * TCP, both directions), so this is where the backend's offload path meets
 * a peer that verifies every checksum: the kernel.
 *
 * The conversation:
 *   unshare(CLONE_NEWNET); the EAL starts with --vdev=net_tap0,iface=utcpdt0;
 *   the kernel side gets 10.77.0.1/24, utcp is 10.77.0.2 and listens on
 *   :8080.  A kernel socket connects (ARP from the kernel, handshake), sends
 *   TAP_BYTES (default 1 MB) and reads as many back; utcp sends its own
 *   pattern while it reads the kernel's, both verified byte for byte; the
 *   kernel closes first, utcp closes after reading its FIN.
 * Checks: the offloads dev_info offers were taken (caps), the kernel saw no
 * TCP checksum error (Tcp InCsumErrors in this namespace), utcp dropped no
 * frame for a bad checksum or any other reason but two reported ones (see
 * the end of main), no socket, TCB or buffer is left.  TAP_PCAP=FILE
 * captures the conversation.  Needs root (netns,
 * tap): exit 77 otherwise.  Bounded by 60 s of wall time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <utcp/utcp.h>

#include "nic/dpdk/dpdk.h"

#define SRV_PORT 8080

static size_t tap_bytes = 1u << 20;
static char file_prefix[64];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static struct utcp_ctx *dump_ctx; /* its counters are printed on failure */

static void die(const char *fmt, ...)
{
	va_list ap;
	if (dump_ctx != NULL)
		utcp_stats_print(stdout, "utcp counter: ", utcp_ctx_stats(dump_ctx));
	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
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
	uint32_t x = (uint32_t)i * 2654435761u ^ (dir ? 0x13572468u : 0x24681357u);
	return (uint8_t)(x >> 7);
}

static void cfg_set(struct utcp_config *cfg, const char *key, const char *value)
{
	char err[512];
	if (utcp_config_set(cfg, key, value, err, sizeof(err)) != 0)
		die("config %s = %s: %s", key, value, err);
}

static void make_config(struct utcp_config *cfg)
{
	char args[400], err[512];
	utcp_config_defaults(cfg);
	cfg_set(cfg, "io", "dpdk");
	snprintf(args, sizeof(args),
		 "-l 0 --no-huge -m 256 --no-pci --no-shconf --no-telemetry --file-prefix=%s "
		 "--log-level='*:error' --vdev=net_tap0,iface=utcpdt0", file_prefix);
	cfg_set(cfg, "dpdk_args", args);
	cfg_set(cfg, "port", "net_tap0");
	cfg_set(cfg, "net_tap0.ip", "10.77.0.2/24");
	/* the tap PMD and the kernel's end of it share one MAC: utcp needs its own */
	cfg_set(cfg, "net_tap0.mac", "02:00:00:77:00:02");
	cfg_set(cfg, "num_cores", "1");
	cfg_set(cfg, "max_pkt_buffers", "4096");
	cfg_set(cfg, "num_rx_desc", "512");
	cfg_set(cfg, "num_tx_desc", "512");
	cfg_set(cfg, "tcp_timewait", "1");
	if (getenv("TAP_PCAP") != NULL)
		cfg_set(cfg, "pcap", getenv("TAP_PCAP"));
	if (utcp_config_finish(cfg, err, sizeof(err)) != 0)
		die("config: %s", err);
}

/* InCsumErrors of the Tcp line of /proc/net/snmp (this namespace). */
static long tcp_in_csum_errors(void)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	char names[1024], values[1024];
	long v = -1;
	if (f == NULL)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "Tcp:", 4) != 0)
			continue;
		char *sn, *sv, *n = strtok_r(names, " \n", &sn), *x = strtok_r(values, " \n", &sv);
		while (n && x) {
			if (strcmp(n, "InCsumErrors") == 0)
				v = atol(x);
			n = strtok_r(NULL, " \n", &sn);
			x = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return v;
}

/* ---- the two ends ------------------------------------------------------- */

struct kend {             /* the kernel's socket */
	int fd;
	size_t sent, got;
	int shut, eof;
};

struct uend {             /* utcp's */
	struct utcp_ctx *ctx;
	int lsock, sock;
	size_t sent, got;
	int eof, closed;
};

static void kernel_step(struct kend *k)
{
	uint8_t buf[16384];
	while (k->sent < tap_bytes) {
		size_t n = tap_bytes - k->sent < sizeof(buf) ? tap_bytes - k->sent : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pat_byte(0, k->sent + i);
		ssize_t w = send(k->fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOTCONN))
			break;
		if (w < 0)
			die("kernel: send: %s", strerror(errno));
		k->sent += (size_t)w;
	}
	while (!k->eof) {
		ssize_t r = recv(k->fd, buf, sizeof(buf), 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOTCONN))
			break;
		if (r < 0)
			die("kernel: recv: %s", strerror(errno));
		if (r == 0) {
			k->eof = 1;
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pat_byte(1, k->got + (size_t)i))
				die("kernel: byte %zu differs", k->got + (size_t)i);
		k->got += (size_t)r;
	}
	if (!k->shut && k->sent == tap_bytes && k->got == tap_bytes) {
		printf("kernel: sent and received %zu bytes, closing\n", tap_bytes);
		close(k->fd);
		k->shut = 1;
	}
}

static void utcp_accept_one(struct uend *u)
{
	if (u->sock >= 0)
		return;
	u->sock = utcp_accept(u->ctx, u->lsock, NULL, NULL);
	if (u->sock < 0 && errno != EAGAIN)
		die("utcp: accept: %s", strerror(errno));
	if (u->sock >= 0) {
		printf("utcp: accepted the kernel's connection\n");
		utcp_setsock_nonblock(u->ctx, u->sock);
		utcp_close(u->ctx, u->lsock);
		u->lsock = -1;
	}
}

static void utcp_step(struct uend *u)
{
	uint8_t buf[16384];
	if (u->sock < 0 || u->closed)
		return;
	while (u->sent < tap_bytes) {
		size_t n = tap_bytes - u->sent < sizeof(buf) ? tap_bytes - u->sent : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pat_byte(1, u->sent + i);
		ssize_t w = utcp_write(u->ctx, u->sock, buf, n);
		if (w < 0 && errno == EAGAIN)
			break;
		if (w <= 0)
			die("utcp: write: %s", strerror(errno));
		u->sent += (size_t)w;
	}
	while (!u->eof) {
		ssize_t r = utcp_read(u->ctx, u->sock, buf, sizeof(buf));
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0)
			die("utcp: read: %s", strerror(errno));
		if (r == 0) {
			u->eof = 1;
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pat_byte(0, u->got + (size_t)i))
				die("utcp: byte %zu differs", u->got + (size_t)i);
		u->got += (size_t)r;
	}
	if (u->eof && u->sent == tap_bytes) {
		if (u->got != tap_bytes)
			die("utcp: %zu bytes received, %zu expected", u->got, tap_bytes);
		printf("utcp: received %zu bytes and the kernel's FIN, closing\n", u->got);
		utcp_close(u->ctx, u->sock);
		u->closed = 1;
	}
}

static int utcp_tcbs(struct utcp_ctx *ctx)
{
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(ctx, &u);
	return (int)u.tcbs;
}

static void run(struct uend *u, struct kend *k, struct utcp_nic *nic)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	u->lsock = utcp_socket(u->ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (u->lsock < 0 || utcp_bind(u->ctx, u->lsock, (struct sockaddr *)&sin, sizeof(sin)) ||
	    utcp_listen(u->ctx, u->lsock, 4))
		die("utcp: listen: %s", strerror(errno));
	u->sock = -1;
	k->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sin.sin_addr.s_addr = inet_addr("10.77.0.2");
	if (connect(k->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 && errno != EINPROGRESS)
		die("kernel: connect: %s", strerror(errno));
	printf("kernel: connecting to 10.77.0.2:%d\n", SRV_PORT);
	utcp_time_t end = utcp_nic_now(nic) + 60 * UTCP_NSEC_PER_SEC;
	while (!(u->closed && k->shut && utcp_tcbs(u->ctx) == 0)) {
		if (utcp_nic_now(nic) > end)
			die("not done after 60 s (kernel sent %zu got %zu, utcp sent %zu got %zu)",
			    k->sent, k->got, u->sent, u->got);
		utcp_ctx_poll(u->ctx);
		utcp_accept_one(u);
		utcp_step(u);
		if (!k->shut)
			kernel_step(k);
	}
}

static void setup_kernel_side(void)
{
	if (system("ip link set lo up && ip addr add 10.77.0.1/24 dev utcpdt0 && "
		   "ip link set utcpdt0 up") != 0)
		die("ip: could not configure utcpdt0");
}

int main(void)
{
	struct utcp_config cfg;
	char err[512];
	const char *e = getenv("TAP_BYTES");
	if (e != NULL)
		tap_bytes = strtoul(e, NULL, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("test_dpdk_tap: skipped: needs root for a network namespace and a tap "
		       "device (%s)\n", geteuid() != 0 ? "not root" : strerror(errno));
		return 77;
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		printf("test_dpdk_tap: skipped: no /dev/net/tun\n");
		return 77;
	}
	snprintf(file_prefix, sizeof(file_prefix), "utcp-tap-%d", (int)getpid());
	make_config(&cfg);
	struct utcp_stack *st = utcp_stack_open(&cfg, err, sizeof(err));
	if (st == NULL)
		die("stack open: %s", err);
	struct utcp_nic *nic = utcp_stack_nic(st, 0);
	printf("utcp: port %s, offloads %#x (rx ip %d tcp %d, tx ip %d tcp %d)\n", nic->name,
	       nic->caps.offloads, !!(nic->caps.offloads & UTCP_NIC_RX_IPV4_CKSUM),
	       !!(nic->caps.offloads & UTCP_NIC_RX_TCP_CKSUM),
	       !!(nic->caps.offloads & UTCP_NIC_TX_IPV4_CKSUM),
	       !!(nic->caps.offloads & UTCP_NIC_TX_TCP_CKSUM));
	if (!(nic->caps.offloads & UTCP_NIC_TX_TCP_CKSUM))
		die("net_tap offers TCP checksum offload, the backend did not take it");
	setup_kernel_side();
	long csum0 = tcp_in_csum_errors();
	struct uend u = { .ctx = utcp_ctx_create(st, 0) };
	struct kend k = { .fd = -1 };
	if (u.ctx == NULL)
		die("context: %s", strerror(errno));
	dump_ctx = u.ctx;
	run(&u, &k, nic);
	long csum1 = tcp_in_csum_errors();
	const struct utcp_stats *cs = utcp_ctx_stats(u.ctx);
	struct utcp_nic_stats ns;
	nic->ops->stats(nic, &ns);
	printf("kernel: TCP InCsumErrors %ld -> %ld; utcp: tcp rx %llu tx %llu, drops %llu; port "
	       "rx %llu tx %llu, link %s\n", csum0, csum1, (unsigned long long)cs->tcp_rx,
	       (unsigned long long)cs->tcp_tx, (unsigned long long)utcp_stats_drops(cs),
	       (unsigned long long)ns.rx_pkts, (unsigned long long)ns.tx_pkts,
	       ns.link_up == 1 ? "up" : "not up");
	if (csum0 < 0 || csum1 != csum0)
		die("the kernel found bad TCP checksums in utcp's segments");
	/* In promiscuous mode (utcp has its own MAC) frames for the kernel's own
	 * multicast groups arrive too and are dropped as not ours (drop_eth_dst).
	 * Now and then the kernel re-sends the segment that filled utcp's window
	 * (seen: seq = rcv_nxt - 952, len 952); utcp already has those bytes, so
	 * the copy is entirely old: unacceptable, answered with an ACK (RFC 9293
	 * §3.10.7.4) and counted in drop_tcp_unacceptable.  Nothing else may be
	 * dropped, checksums least of all. */
	uint64_t other = utcp_stats_drops(cs) - cs->drop_eth_dst - cs->drop_tcp_unacceptable;
	printf("utcp: drops: %llu not for our MAC, %llu unacceptable segments, %llu other\n",
	       (unsigned long long)cs->drop_eth_dst, (unsigned long long)cs->drop_tcp_unacceptable,
	       (unsigned long long)other);
	if (other != 0 || cs->drop_tcp_cksum != 0 || cs->drop_ip_cksum != 0)
		die("utcp dropped frames");
	if (utcp_ctx_bufs_in_use(u.ctx) != 0 || ns.bufs_in_use != 0)
		die("packet buffers leaked");
	utcp_ctx_destroy(u.ctx);
	dump_ctx = NULL;
	utcp_stack_close(st); /* stops the port: the PMD gives its rx mbufs back */
	if (utcp_dpdk_mbufs_lost() != 0)
		die("%llu mbufs not back in the pool", (unsigned long long)utcp_dpdk_mbufs_lost());
	char dir[128];
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", file_prefix);
	rmdir(dir);
	printf("PASS dpdk net_tap: kernel TCP <-> utcp, %zu bytes each way, checksum offloads, "
	       "no checksum error, no leak\n", tap_bytes);
	return 0;
}
