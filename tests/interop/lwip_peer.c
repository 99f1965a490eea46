/*
 * tests/interop/lwip_peer.c - an independent TCP for utcp to talk to: lwIP
 * (Debian's liblwip-dev) on a TAP device of its own, with its socket API.
 *
 *   lwip_peer -i TAP -a IP/PREFIX [-m MTU] [-t SECONDS] [-s FILE] [-r FILE] -l PORT
 *   lwip_peer -i TAP -a IP/PREFIX [-m MTU] [-t SECONDS] [-s FILE] [-r FILE] HOST PORT
 *
 * Accepts one connection (-l) or connects to HOST PORT, sends FILE (-s)
 * then half-closes, and keeps what the other end sends until its FIN in
 * FILE (-r; default: discard).  One connection, one direction at a time:
 * with both -s and -r it sends first, then reads.  Prints one line: bytes
 * each way and the seconds taken.  Exit 0 when both streams ended cleanly,
 * 1 on an error or timeout, 2 on bad usage.
 *
 * The netif is written here (lwIP's contrib tapif runs ifconfig and reads
 * into fixed buffers): a thread reads frames from /dev/net/tun into PBUF_RAM
 * pbufs and hands them to tcpip_input; linkoutput writes one frame per
 * write().  The TAP device should exist already (the test creates it
 * persistent and bridges it); -m sets the netif MTU, hence lwIP's MSS.
 *
 * Call order: tcpip_init -> tap open -> netif_add (core locked) -> reader
 * thread -> socket -> accept or connect -> send, shutdown, recv to EOF ->
 * close -> close_wait -> report.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sockets.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#define FRAME_MAX 2048
#define CHUNK 16384

struct tap {
	int fd;
	struct netif nif;
	uint16_t mtu;
};

static err_t tap_linkoutput(struct netif *nif, struct pbuf *p)
{
	struct tap *t = nif->state;
	uint8_t buf[FRAME_MAX];
	if (p->tot_len > sizeof(buf))
		return ERR_BUF;
	u16_t n = pbuf_copy_partial(p, buf, p->tot_len, 0);
	if (write(t->fd, buf, n) != (ssize_t)n)
		return ERR_IF;
	return ERR_OK;
}

static err_t tap_netif_init(struct netif *nif)
{
	struct tap *t = nif->state;
	static const uint8_t mac[6] = { 0x02, 0x4c, 0x77, 0x49, 0x50, 0x01 };
	nif->name[0] = 't';
	nif->name[1] = 'p';
	nif->output = etharp_output;
	nif->linkoutput = tap_linkoutput;
	nif->mtu = t->mtu;
	nif->hwaddr_len = 6;
	memcpy(nif->hwaddr, mac, 6);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		     NETIF_FLAG_LINK_UP;
	return ERR_OK;
}

static void *tap_reader(void *arg)
{
	struct tap *t = arg;
	uint8_t buf[FRAME_MAX];
	for (;;) {
		ssize_t n = read(t->fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return NULL;
		}
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
		if (p == NULL)
			continue; /* out of memory: the frame is lost, TCP repairs */
		pbuf_take(p, buf, (u16_t)n);
		if (t->nif.input(p, &t->nif) != ERR_OK)
			pbuf_free(p);
	}
}

static int tap_open(struct tap *t, const char *name)
{
	struct ifreq ifr;
	t->fd = open("/dev/net/tun", O_RDWR);
	if (t->fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	return ioctl(t->fd, TUNSETIFF, &ifr);
}

static int netif_start(struct tap *t, const char *cidr)
{
	char ip[32];
	int prefix = 24;
	snprintf(ip, sizeof(ip), "%s", cidr);
	char *slash = strchr(ip, '/');
	if (slash) {
		*slash = '\0';
		prefix = atoi(slash + 1);
	}
	ip4_addr_t a, m, g;
	if (!ip4addr_aton(ip, &a) || prefix < 1 || prefix > 32)
		return -1;
	ip4_addr_set_u32(&m, lwip_htonl(0xffffffffu << (32 - prefix)));
	ip4_addr_set_zero(&g);
	LOCK_TCPIP_CORE();
	netif_add(&t->nif, &a, &m, &g, t, tap_netif_init, tcpip_input);
	netif_set_default(&t->nif);
	netif_set_up(&t->nif);
	UNLOCK_TCPIP_CORE();
	return 0;
}

/* After close, until lwIP's connection has left the active states (its
 * FIN acknowledged: TIME-WAIT or gone), at most `timeout` seconds.  This
 * stands in for SO_LINGER: with it, lwip_close in Debian's lwIP 2.1 once
 * freed a block its tcpip thread had freed already (AddressSanitizer, the
 * lwIP -> utcp run). */
static void close_wait(int timeout)
{
	for (int i = 0; i < timeout * 100; i++) {
		LOCK_TCPIP_CORE();
		int busy = tcp_active_pcbs != NULL;
		UNLOCK_TCPIP_CORE();
		if (!busy)
			return;
		usleep(10000);
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The connection: accept one on PORT (host NULL) or connect to host:port. */
static int open_conn(const char *host, int port, int timeout)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (host && inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -1;
	int s = lwip_socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return -1;
	struct timeval tv = { .tv_sec = timeout };
	if (host) {
		lwip_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		lwip_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		return lwip_connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 ? s : -1;
	}
	if (lwip_bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || lwip_listen(s, 1) < 0)
		return -1;
	int c = lwip_accept(s, NULL, NULL);
	lwip_close(s);
	if (c >= 0) {
		lwip_setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		lwip_setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return c;
}

static int send_file(int s, FILE *in, long long *sent)
{
	static char buf[CHUNK];
	size_t n;
	while (in && (n = fread(buf, 1, sizeof(buf), in)) > 0) {
		for (size_t off = 0; off < n;) {
			ssize_t w = lwip_send(s, buf + off, n - off, 0);
			if (w <= 0)
				return -1;
			off += (size_t)w;
			*sent += w;
		}
	}
	return lwip_shutdown(s, SHUT_WR);
}

static int recv_file(int s, FILE *out, long long *got)
{
	static char buf[CHUNK];
	for (;;) {
		ssize_t n = lwip_recv(s, buf, sizeof(buf), 0);
		if (n == 0)
			return 0;
		if (n < 0)
			return -1;
		if (out && fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			return -1;
		*got += n;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: lwip_peer -i TAP -a IP/PREFIX [-m MTU] [-t SECONDS] "
			"[-s FILE] [-r FILE] (-l PORT | HOST PORT)\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct tap t = { .fd = -1, .mtu = 1500 };
	const char *ifname = NULL, *cidr = NULL, *sfile = NULL, *rfile = NULL, *host = NULL;
	int port = -1, timeout = 60, opt;
	while ((opt = getopt(argc, argv, "i:a:m:t:s:r:l:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'a': cidr = optarg; break;
		case 'm': t.mtu = (uint16_t)atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		case 's': sfile = optarg; break;
		case 'r': rfile = optarg; break;
		case 'l': port = atoi(optarg); break;
		default: return usage();
		}
	}
	if (port < 0 && optind + 2 == argc) {
		host = argv[optind];
		port = atoi(argv[optind + 1]);
	} else if (optind != argc) {
		return usage();
	}
	if (!ifname || !cidr || port <= 0 || port > 65535 || t.mtu < 576 || t.mtu > 1500 ||
	    timeout <= 0)
		return usage();
	FILE *in = sfile ? fopen(sfile, "rb") : NULL;
	FILE *out = rfile ? fopen(rfile, "wb") : NULL;
	if ((sfile && !in) || (rfile && !out)) {
		perror("lwip_peer: file");
		return 2;
	}
	alarm((unsigned)timeout + 5); /* the whole run is bounded */
	tcpip_init(NULL, NULL);
	pthread_t th;
	if (tap_open(&t, ifname) < 0 || netif_start(&t, cidr) < 0 ||
	    pthread_create(&th, NULL, tap_reader, &t) != 0) {
		fprintf(stderr, "lwip_peer: tap %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	double t0 = now_s();
	long long sent = 0, got = 0;
	int s = open_conn(host, port, timeout);
	if (s < 0) {
		fprintf(stderr, "lwip_peer: %s: errno %d\n", host ? "connect" : "accept", errno);
		return 1;
	}
	int rc = send_file(s, in, &sent) < 0 || recv_file(s, out, &got) < 0;
	if (rc)
		fprintf(stderr, "lwip_peer: transfer: errno %d\n", errno);
	lwip_close(s);
	close_wait(timeout);
	usleep(200000); /* the last ACK leaves before the process ends */
	if (out && fclose(out) != 0)
		rc = 1;
	printf("lwip_peer: sent %lld got %lld in %.2f s\n", sent, got, now_s() - t0);
	return rc;
}
