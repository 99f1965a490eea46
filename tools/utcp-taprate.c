/*
 * tools/utcp-taprate.c - the raw packet rate of a TAP device: frames through
 * utcp's TAP backend (nic/tap, the same rx_burst / tx_burst / wait a stack
 * uses) to and from a kernel UDP socket, with no TCP and no stack, so a
 * TCP transfer over the same device can be put beside the device's own
 * ceiling.
 *
 *   utcp-taprate -f CONF [-d tx|rx] [-t SECONDS] [-s FRAME_BYTES]
 *
 * tx: the backend writes IPv4/UDP frames (no UDP checksum) addressed to the
 *     kernel side (<port>.peer_ip), as fast as the device takes them; a
 *     thread reads them from a kernel UDP socket.  Counted: frames written,
 *     and frames the kernel socket received.
 * rx: a thread sends UDP from a kernel socket to utcp's address as fast as
 *     the kernel lets it, 64 KiB per send cut into frames by UDP GSO (as
 *     the kernel's TCP sends); the backend reads the frames (and answers
 *     the kernel's ARP requests).  Counted: frames read.
 *
 * Prints one line: direction, frame size, vnet header, frames handed over
 * and delivered, the time, delivered frames/s and payload Mbit/s.  Exit 0
 * when frames were delivered, 1 when none were, 2 on bad usage or config.
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <utcp/nic.h>
#include <utcp/utcp.h>

#define RATE_PORT 9999
#define BURST 32
#define HDRS (14 + 20 + 8) /* Ethernet, IPv4, UDP */

struct rate {
	struct utcp_config cfg;
	struct utcp_nic *nic;
	uint32_t our_ip, peer_ip;
	uint8_t peer_mac[6];
	uint16_t frame;       /* frame bytes, headers included */
	double secs;
	atomic_int stop;
	uint64_t handed, delivered; /* frames written or sent / frames received */
	double t_first, t_last;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t payload_len(const struct rate *r)
{
	return (uint16_t)(r->frame - HDRS);
}

static int usage(void)
{
	fprintf(stderr, "usage: utcp-taprate -f CONF [-d tx|rx] [-t SECONDS] [-s FRAME_BYTES]\n"
			"  (CONF: io = tap, with <port>.ip and <port>.peer_ip)\n");
	return 2;
}

/* ---- set-up ------------------------------------------------------------ */

static int load_config(struct rate *r, const char *path)
{
	char err[512];
	utcp_config_defaults(&r->cfg);
	if (utcp_config_load(&r->cfg, path, err, sizeof(err)) < 0 ||
	    utcp_config_finish(&r->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "utcp-taprate: %s\n", err);
		return -1;
	}
	const struct utcp_port_config *p = &r->cfg.ports[0];
	if (strcmp(r->cfg.io, "tap") != 0 || p->peer_ip == 0) {
		fprintf(stderr, "utcp-taprate: %s: needs io = tap and %s.peer_ip\n", path, p->name);
		return -1;
	}
	r->our_ip = p->ip;
	r->peer_ip = p->peer_ip;
	return 0;
}

/* The kernel side's MAC: the tap device's own address. */
static int peer_mac(struct rate *r)
{
	const char *name = r->cfg.tap_name[0] ? r->cfg.tap_name : "utcp0";
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.*s", IFNAMSIZ - 1, name);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ok = s >= 0 && ioctl(s, SIOCGIFHWADDR, &ifr) == 0;
	if (s >= 0)
		close(s);
	if (!ok) {
		fprintf(stderr, "utcp-taprate: %s: SIOCGIFHWADDR: %s\n", name, strerror(errno));
		return -1;
	}
	memcpy(r->peer_mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static int kernel_socket(uint32_t addr, int bind_it)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int big = 64 << 20;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(RATE_PORT),
				   .sin_addr.s_addr = addr };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	if (s < 0)
		return -1;
	/* FORCE needs CAP_NET_ADMIN, which opening the tap needed anyway */
	if (setsockopt(s, SOL_SOCKET, bind_it ? SO_RCVBUFFORCE : SO_SNDBUFFORCE, &big,
		       sizeof(big)) < 0)
		setsockopt(s, SOL_SOCKET, bind_it ? SO_RCVBUF : SO_SNDBUF, &big, sizeof(big));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int r = bind_it ? bind(s, (struct sockaddr *)&sin, sizeof(sin))
			: connect(s, (struct sockaddr *)&sin, sizeof(sin));
	if (r < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* ---- frames ------------------------------------------------------------ */

static uint16_t ip_csum(const uint8_t *h)
{
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An IPv4/UDP frame from utcp's address to the kernel's (UDP checksum 0:
 * none, RFC 768), IP ID `id`. */
static void build_udp(const struct rate *r, uint8_t *f, uint16_t id)
{
	uint16_t ilen = (uint16_t)(r->frame - 14), ulen = (uint16_t)(ilen - 20);
	uint16_t port = htons(RATE_PORT);
	memcpy(f, r->peer_mac, 6);
	memcpy(f + 6, r->nic->caps.mac, 6);
	f[12] = 0x08, f[13] = 0x00;
	uint8_t *ip = f + 14, *udp = ip + 20;
	memset(ip, 0, 20);
	ip[0] = 0x45, ip[2] = (uint8_t)(ilen >> 8), ip[3] = (uint8_t)ilen;
	ip[4] = (uint8_t)(id >> 8), ip[5] = (uint8_t)id, ip[8] = 64, ip[9] = 17;
	memcpy(ip + 12, &r->our_ip, 4);
	memcpy(ip + 16, &r->peer_ip, 4);
	uint16_t ck = ip_csum(ip);
	ip[10] = (uint8_t)(ck >> 8), ip[11] = (uint8_t)ck;
	memcpy(udp, &port, 2);
	memcpy(udp + 2, &port, 2);
	udp[4] = (uint8_t)(ulen >> 8), udp[5] = (uint8_t)ulen, udp[6] = udp[7] = 0;
}

/* ---- tx: the backend writes, a kernel socket counts --------------------- */

static void *kernel_reader(void *arg)
{
	struct rate *r = arg;
	int s = kernel_socket(r->peer_ip, 1);
	if (s < 0) {
		perror("utcp-taprate: kernel UDP socket");
		return NULL;
	}
	static uint8_t bufs[BURST][2048];
	struct mmsghdr m[BURST];
	struct iovec iov[BURST];
	for (int i = 0; i < BURST; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	int idle = 0;
	while (!atomic_load(&r->stop) || idle == 0) {
		int n = recvmmsg(s, m, BURST, 0, NULL);
		idle = n <= 0;
		if (n > 0)
			r->delivered += (uint64_t)n;
	}
	close(s);
	return NULL;
}

static int run_tx(struct rate *r)
{
	pthread_t th;
	if (pthread_create(&th, NULL, kernel_reader, r) != 0)
		return -1;
	usleep(100000); /* the reader's socket is bound */
	uint16_t id = 0;
	r->t_first = now_s();
	double end = r->t_first + r->secs;
	while (now_s() < end) {
		struct utcp_pkt *p[BURST];
		uint16_t n = 0, sent;
		while (n < BURST && (p[n] = utcp_nic_alloc(r->nic, 0)) != NULL) {
			build_udp(r, p[n]->data, id++);
			p[n]->len = r->frame;
			n++;
		}
		sent = utcp_nic_tx_burst(r->nic, 0, p, n);
		r->handed += sent;
		for (uint16_t i = sent; i < n; i++)
			utcp_nic_free(r->nic, p[i]);
	}
	r->t_last = now_s();
	usleep(200000); /* what was written is in the socket by now */
	atomic_store(&r->stop, 1);
	pthread_join(th, NULL);
	return 0;
}

/* ---- rx: a kernel socket sends, the backend reads ----------------------- */

/* The kernel's cheapest way to make many frames: UDP GSO (UDP_SEGMENT,
 * Linux 4.18), one send of up to 64 KiB cut into frames at the device,
 * as the kernel's TCP does with its GSO; without it, a datagram per frame. */
static int gso_segments(const struct rate *r, int s)
{
	int gso = payload_len(r);
	int segs = 65507 / gso;
	if (segs > 64)
		segs = 64; /* UDP_MAX_SEGMENTS */
	if (segs > 1 && setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &gso, sizeof(gso)) == 0)
		return segs;
	return 1;
}

static void *kernel_writer(void *arg)
{
	struct rate *r = arg;
	int s = kernel_socket(r->our_ip, 0);
	if (s < 0) {
		perror("utcp-taprate: kernel UDP socket");
		return NULL;
	}
	static uint8_t buf[65536];
	int segs = gso_segments(r, s);
	struct mmsghdr m[BURST];
	struct iovec iov = { buf, (size_t)payload_len(r) * (size_t)segs };
	for (int i = 0; i < BURST; i++)
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };
	while (!atomic_load(&r->stop)) {
		int n = sendmmsg(s, m, segs > 1 ? 1 : BURST, 0);
		if (n > 0)
			r->handed += (uint64_t)n * (uint64_t)segs;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			usleep(1000); /* e.g. EHOSTUNREACH before ARP completes */
	}
	close(s);
	return NULL;
}

/* Answer an ARP request for our address in place; 1 if pkt became a reply. */
static int arp_reply(const struct rate *r, struct utcp_pkt *pkt)
{
	uint8_t *f = pkt->data;
	if (pkt->len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[21] != 1 ||
	    memcmp(f + 38, &r->our_ip, 4) != 0)
		return 0;
	memcpy(f, f + 6, 6);
	memcpy(f + 6, r->nic->caps.mac, 6);
	f[21] = 2;
	memcpy(f + 32, f + 22, 10);          /* target = the asker */
	memcpy(f + 22, r->nic->caps.mac, 6); /* sender = us */
	memcpy(f + 28, &r->our_ip, 4);
	pkt->len = 42;
	return 1;
}

/* One UDP frame for us on RATE_PORT? */
static int is_ours(const struct rate *r, const struct utcp_pkt *pkt)
{
	const uint8_t *f = pkt->data;
	return pkt->len >= HDRS && f[12] == 0x08 && f[13] == 0x00 && f[23] == 17 &&
	       memcmp(f + 30, &r->our_ip, 4) == 0 && f[36] == (RATE_PORT >> 8) &&
	       f[37] == (RATE_PORT & 0xff);
}

static void rx_frames(struct rate *r, struct utcp_pkt **p, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (is_ours(r, p[i])) {
			if (r->delivered++ == 0)
				r->t_first = now_s();
		} else if (arp_reply(r, p[i]) && utcp_nic_tx_burst(r->nic, 0, &p[i], 1) == 1) {
			continue;
		}
		utcp_nic_free(r->nic, p[i]);
	}
}

static int run_rx(struct rate *r)
{
	pthread_t th;
	if (pthread_create(&th, NULL, kernel_writer, r) != 0)
		return -1;
	double start = now_s(), end = start + r->secs + 1; /* 1 s for ARP */
	double t;
	while ((t = now_s()) < end && (r->delivered == 0 || t < r->t_first + r->secs)) {
		struct utcp_pkt *p[BURST];
		uint16_t n = utcp_nic_rx_burst(r->nic, 0, p, BURST);
		if (n == 0)
			utcp_nic_wait(r->nic, 0, utcp_nic_now(r->nic) + 10 * UTCP_NSEC_PER_MSEC);
		rx_frames(r, p, n);
	}
	r->t_last = now_s();
	atomic_store(&r->stop, 1);
	pthread_join(th, NULL);
	return 0;
}

/* ---- main -------------------------------------------------------------- */

static void report(const struct rate *r, const char *dir)
{
	double dt = r->t_last - r->t_first;
	double fps = dt > 0 ? (double)r->delivered / dt : 0;
	printf("utcp-taprate %s: frame %u B, vnet_hdr %d: handed over %" PRIu64
	       " frames, delivered %" PRIu64 " in %.3f s: %.0f frames/s, %.1f Mbit/s payload\n",
	       dir, r->frame, r->cfg.tap_vnet_hdr, r->handed, r->delivered, dt, fps,
	       fps * payload_len(r) * 8 / 1e6);
}

int main(int argc, char **argv)
{
	static struct rate r = { .frame = 1514, .secs = 3 };
	const char *conf = NULL, *dir = "tx";
	int c;
	while ((c = getopt(argc, argv, "f:d:t:s:h")) != -1) {
		switch (c) {
		case 'f': conf = optarg; break;
		case 'd': dir = optarg; break;
		case 't': r.secs = atof(optarg); break;
		case 's': r.frame = (uint16_t)atoi(optarg); break;
		default: return usage();
		}
	}
	if (conf == NULL || optind != argc || r.secs <= 0 || r.secs > 600 || r.frame < HDRS + 1 ||
	    r.frame > 1514 || (strcmp(dir, "tx") != 0 && strcmp(dir, "rx") != 0))
		return usage();
	char err[512];
	if (load_config(&r, conf) < 0)
		return 2;
	r.nic = utcp_nic_open(&r.cfg, &r.cfg.ports[0], 1, err, sizeof(err));
	if (r.nic == NULL) {
		fprintf(stderr, "utcp-taprate: %s\n", err);
		return 2;
	}
	int rc = strcmp(dir, "tx") == 0 ? (peer_mac(&r) < 0 ? -1 : run_tx(&r)) : run_rx(&r);
	if (rc == 0)
		report(&r, dir);
	utcp_nic_close(r.nic);
	return rc < 0 ? 2 : r.delivered > 0 ? 0 : 1;
}
