/*
 * nic/tap/tap.c - the TAP backend: a Linux tap device (/dev/net/tun) as a
 * utcp NIC, for developing against the kernel's own TCP/IP on one machine.
 *
 * utcp_tap_open(cfg, port, nb_queues):
 *   one nonblocking fd per queue, each attached to the same device with
 *   TUNSETIFF (IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE); one packet pool per
 *   queue; then, if we may (CAP_NET_ADMIN), the kernel side of the link is
 *   brought up and given port->peer_ip/prefix (ioctl, no shelling out).
 * per queue: alloc / rx_burst (read until EAGAIN) / tx_burst (one write per
 *   frame; EAGAIN means not accepted) / free / wait (ppoll on the fd and
 *   on an eventfd of the queue, which wake() writes from any thread)
 * close: the fds and pools.  A device this backend created (not persistent)
 *   disappears with its last fd.
 *
 * Frames the kernel sends to the device are spread over the queues by the
 * kernel's flow hash, which utcp cannot compute: caps.rss is UTCP_RSS_OPAQUE
 * with several queues.  The clock is CLOCK_MONOTONIC.
 *
 * Checksum offload (`tap_vnet_hdr = 1`): IFF_VNET_HDR puts a struct
 * virtio_net_hdr before every frame in both directions, and TUNSETOFFLOAD
 * with TUN_F_CSUM lets the kernel hand over frames whose L4 checksum it never
 * computed (VIRTIO_NET_HDR_F_NEEDS_CSUM: the field holds the pseudo-header
 * sum) or already verified (VIRTIO_NET_HDR_F_DATA_VALID); both arrive marked
 * UTCP_PKT_RX_L4_CKSUM_GOOD.  On transmit the core leaves the TCP checksum
 * to us (UTCP_NIC_TX_TCP_CKSUM) and we pass NEEDS_CSUM with csum_start and
 * csum_offset: a frame for a local socket is then never summed at all, one
 * the kernel forwards is summed by it (or by the next offloading device).
 *
 * Segmentation offload (`tap_vnet_hdr = 2`): TUNSETOFFLOAD adds TUN_F_TSO4
 * and TUN_F_TSO6, both ways through the same header.  The kernel may hand
 * over TCP frames of up to 64 KiB (gso_type TCPV4/TCPV6, gso_size: its
 * segments' size), read into a large buffer of the queue's own pool and
 * marked UTCP_PKT_RX_LRO (a frame that fits a packet buffer is copied into
 * one, the large buffer kept); the device offers UTCP_NIC_TX_TCP_TSO, and a
 * UTCP_PKT_TX_TCP_SEG frame goes out with gso_type, gso_size (tso_segsz)
 * and hdr_len set: the kernel delivers it to a local socket whole or cuts
 * it where it forwards it.  Otherwise no GSO: every frame fits one packet
 * buffer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "core/base/pool.h"
#include "nic/tap/tap.h"

#define TAP_DEFAULT_NAME "utcp0"
#define TAP_DEFAULT_BUFS 1024
#define TAP_LARGE_BUFS 64                           /* per queue, tap_vnet_hdr = 2 */
#define TAP_LARGE_BUF (UTCP_PKT_HEADROOM + 65536 + 64) /* a 64 KiB frame and slack */

struct tap_queue {
	int fd;
	int wake_fd;             /* eventfd: wake() ends the queue's ppoll */
	struct utcp_pkt_pool pool;
	int has_pool;
	struct utcp_pkt_pool large; /* tap_vnet_hdr = 2: GSO frames both ways */
	int has_large;
	uint64_t rx_pkts, rx_bytes, rx_errors, rx_missed;
	uint64_t tx_pkts, tx_bytes, tx_errors;
};

struct tap_priv {
	char ifname[IFNAMSIZ];
	int ctl;                 /* AF_INET socket for interface ioctls */
	int vnet_hdr;            /* frames carry a struct virtio_net_hdr */
	int tso;                 /* and may be GSO frames (TUN_F_TSO4, TUN_F_TSO6) */
	uint16_t nb_queues;
	struct tap_queue q[];
};

static struct tap_queue *tapq(struct utcp_nic *nic, uint16_t q)
{
	return &((struct tap_priv *)nic->priv)->q[q];
}

/* ---- data path --------------------------------------------------------- */

/* What the kernel's virtio_net_hdr says about a received frame: 0 and the
 * checksum flags to set, or -1 for a frame we did not ask for (GSO, or
 * other than TCP's with tso). */
static int vnet_rx_flags(const struct virtio_net_hdr *vh, int tso, struct utcp_pkt *pkt)
{
	uint8_t gso = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	if (gso != VIRTIO_NET_HDR_GSO_NONE) {
		if (!tso || (gso != VIRTIO_NET_HDR_GSO_TCPV4 && gso != VIRTIO_NET_HDR_GSO_TCPV6) ||
		    vh->gso_size == 0)
			return -1;
		pkt->ol_flags |= UTCP_PKT_RX_LRO;
		pkt->tso_segsz = vh->gso_size;
	}
	if (vh->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
		pkt->ol_flags |= UTCP_PKT_RX_L4_CKSUM_GOOD;
	return 0;
}

/* A GSO frame of r bytes: how many segments of tso_segsz it holds (its
 * TCP payload after the Ethernet, IP and TCP headers). */
static void gso_segs(struct utcp_pkt *pkt, uint32_t r)
{
	const uint8_t *f = pkt->data;
	uint32_t l3 = f[12] == 0x86 && f[13] == 0xdd ? 40u : (uint32_t)(f[14] & 0xf) * 4u;
	uint32_t hdrs = 14 + l3;
	if (r < hdrs + 20) {
		pkt->ol_flags &= ~UTCP_PKT_RX_LRO;
		return;
	}
	hdrs += (uint32_t)(f[hdrs + 12] >> 4) * 4u;
	uint32_t pay = r > hdrs ? r - hdrs : 0;
	pkt->lro_segs = (uint16_t)((pay + pkt->tso_segsz - 1) / pkt->tso_segsz);
	if (pkt->lro_segs < 2)
		pkt->ol_flags &= ~UTCP_PKT_RX_LRO;
}

/* One frame into pkt: its length; 0 for nothing to read; -1 for a frame
 * read and refused (too big, or GSO); -2 for a read error. */
static ssize_t tap_read_one(struct tap_priv *tp, int fd, struct utcp_pkt *pkt)
{
	uint32_t room = utcp_pkt_tailroom(pkt);
	struct virtio_net_hdr vh;
	struct iovec iov[2] = { { &vh, sizeof(vh) }, { pkt->data, room } };
	ssize_t r = tp->vnet_hdr ? readv(fd, iov, 2) : read(fd, pkt->data, room);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -2;
	if (r == 0)
		return -2;
	if (tp->vnet_hdr) {
		if (r < (ssize_t)sizeof(vh) || vnet_rx_flags(&vh, tp->tso, pkt) != 0)
			return -1;
		r -= (ssize_t)sizeof(vh);
	}
	if (r == 0 || (uint32_t)r >= room)
		return -1; /* empty after the header, or too big */
	if (pkt->ol_flags & UTCP_PKT_RX_LRO)
		gso_segs(pkt, (uint32_t)r);
	return r;
}

/* tap_vnet_hdr = 2: read into a large buffer (a frame may be 64 KiB); one
 * that fits a packet buffer moves into pkt and the large one stays for the
 * next read.  As tap_read_one; *out: the buffer that holds the frame. */
static ssize_t tap_read_large(struct tap_priv *tp, struct tap_queue *tq, struct utcp_pkt *pkt,
			      struct utcp_pkt **out)
{
	struct utcp_pkt *big = utcp_pkt_pool_get(&tq->large);
	*out = pkt;
	if (big == NULL)
		return tap_read_one(tp, tq->fd, pkt); /* none free: frames of one MSS only */
	ssize_t r = tap_read_one(tp, tq->fd, big);
	if (r > 0 && (uint32_t)r < utcp_pkt_tailroom(pkt)) {
		memcpy(pkt->data, big->data, (size_t)r);
		pkt->ol_flags = big->ol_flags;
		pkt->tso_segsz = big->tso_segsz;
		pkt->lro_segs = big->lro_segs;
		utcp_pkt_pool_put(big);
		return r;
	}
	if (r > 0) {
		utcp_pkt_pool_put(pkt);
		*out = big;
		return r;
	}
	utcp_pkt_pool_put(big);
	return r;
}

static uint16_t tap_rx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct tap_priv *tp = nic->priv;
	struct tap_queue *tq = &tp->q[q];
	uint16_t got = 0;
	while (got < n) {
		struct utcp_pkt *pkt = utcp_pkt_pool_get(&tq->pool);
		if (pkt == NULL)
			break; /* frames wait in the kernel until buffers come back */
		ssize_t r = tp->tso ? tap_read_large(tp, tq, pkt, &pkt) : tap_read_one(tp, tq->fd, pkt);
		if (r <= 0) {
			utcp_pkt_pool_put(pkt);
			if (r < 0)
				tq->rx_errors++; /* an error, or a frame too big or unasked for */
			if (r == -1)
				continue;
			break;
		}
		pkt->len = (uint16_t)r;
		pkt->queue = q;
		tq->rx_pkts++;
		tq->rx_bytes += (uint64_t)r;
		pkts[got++] = pkt;
	}
	return got;
}

/* Write one frame, with a virtio_net_hdr asking the kernel to finish the
 * TCP checksum when the core left it to the NIC. */
static ssize_t tap_write_one(struct tap_priv *tp, int fd, const struct utcp_pkt *pkt)
{
	if (!tp->vnet_hdr)
		return write(fd, pkt->data, pkt->len);
	struct virtio_net_hdr vh;
	memset(&vh, 0, sizeof(vh));
	if (pkt->ol_flags & UTCP_PKT_TX_TCP_CKSUM) {
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)(pkt->l2_len + pkt->l3_len);
		vh.csum_offset = 16; /* RFC 9293 §3.1: the checksum field */
	}
	if (pkt->ol_flags & UTCP_PKT_TX_TCP_SEG) { /* the kernel's GSO cuts it if it must */
		const uint8_t *th = pkt->data + pkt->l2_len + pkt->l3_len;
		vh.gso_type = pkt->l3_len == 40 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		if (th[13] & 0x80) /* CWR: on the first segment only */
			vh.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		vh.gso_size = pkt->tso_segsz;
		vh.hdr_len = (uint16_t)(vh.csum_start + (th[12] >> 4) * 4);
	}
	struct iovec iov[2] = { { &vh, sizeof(vh) }, { pkt->data, pkt->len } };
	return writev(fd, iov, 2);
}

static uint16_t tap_tx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct tap_priv *tp = nic->priv;
	struct tap_queue *tq = &tp->q[q];
	uint16_t i;
	for (i = 0; i < n; i++) {
		ssize_t w = tap_write_one(tp, tq->fd, pkts[i]);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
			      errno == EINTR))
			break; /* not accepted: still the caller's */
		if (w < 0) {
			tq->tx_errors++; /* e.g. EIO, link down: accepted and dropped */
		} else {
			tq->tx_pkts++;
			tq->tx_bytes += pkts[i]->len;
		}
		utcp_pkt_pool_put(pkts[i]);
	}
	return i;
}

static struct utcp_pkt *tap_alloc(struct utcp_nic *nic, uint16_t q)
{
	return utcp_pkt_pool_get(&tapq(nic, q)->pool);
}

static struct utcp_pkt *tap_alloc_large(struct utcp_nic *nic, uint16_t q)
{
	struct tap_queue *tq = tapq(nic, q);
	return tq->has_large ? utcp_pkt_pool_get(&tq->large) : NULL;
}

static void tap_free(struct utcp_nic *nic, struct utcp_pkt *pkt)
{
	(void)nic;
	utcp_pkt_pool_put(pkt);
}

/* Sleep until a frame, the deadline or a wake(); a wake-up is consumed. */
static int tap_wait(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline)
{
	struct tap_queue *tq = tapq(nic, q);
	struct pollfd pfd[2] = { { .fd = tq->fd, .events = POLLIN },
				 { .fd = tq->wake_fd, .events = POLLIN } };
	struct timespec ts, *tsp = NULL;
	if (deadline != UTCP_TIME_NEVER) {
		utcp_time_t now = utcp_nic_monotonic_now(nic);
		utcp_time_t left = deadline > now ? deadline - now : 0;
		ts.tv_sec = (time_t)(left / UTCP_NSEC_PER_SEC);
		ts.tv_nsec = (long)(left % UTCP_NSEC_PER_SEC);
		tsp = &ts;
	}
	int r = ppoll(pfd, 2, tsp, NULL);
	if (r < 0)
		return -1;
	if (pfd[1].revents & POLLIN) {
		uint64_t v;
		if (read(tq->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return -1;
	}
	return r > 0 ? 1 : 0;
}

/* Any thread, or a signal handler: write(2) on an eventfd is safe there. */
static int tap_wake(struct utcp_nic *nic, uint16_t q)
{
	uint64_t one = 1;
	int saved = errno;
	ssize_t w = write(tapq(nic, q)->wake_fd, &one, sizeof(one));
	errno = saved;
	return w == (ssize_t)sizeof(one) ? 0 : -1; /* EAGAIN: a wake-up is pending already */
}

static int tap_poll_fd(struct utcp_nic *nic, uint16_t q)
{
	return tapq(nic, q)->fd;
}

static int tap_stats(struct utcp_nic *nic, struct utcp_nic_stats *st)
{
	struct tap_priv *tp = nic->priv;
	memset(st, 0, sizeof(*st));
	for (uint16_t q = 0; q < tp->nb_queues; q++) {
		const struct tap_queue *tq = &tp->q[q];
		st->rx_pkts += tq->rx_pkts;
		st->rx_bytes += tq->rx_bytes;
		st->rx_missed += tq->rx_missed;
		st->rx_errors += tq->rx_errors;
		st->tx_pkts += tq->tx_pkts;
		st->tx_bytes += tq->tx_bytes;
		st->tx_errors += tq->tx_errors;
		st->bufs_in_use += tq->pool.pool.in_use;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, tp->ifname, IFNAMSIZ);
	if (tp->ctl >= 0 && ioctl(tp->ctl, SIOCGIFFLAGS, &ifr) == 0)
		st->link_up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	else
		st->link_up = -1;
	return 0;
}

static void tap_priv_free(struct tap_priv *tp)
{
	for (uint16_t q = 0; q < tp->nb_queues; q++) {
		if (tp->q[q].fd >= 0)
			close(tp->q[q].fd);
		if (tp->q[q].wake_fd >= 0)
			close(tp->q[q].wake_fd);
		if (tp->q[q].has_pool)
			utcp_pkt_pool_destroy(&tp->q[q].pool);
		if (tp->q[q].has_large)
			utcp_pkt_pool_destroy(&tp->q[q].large);
	}
	if (tp->ctl >= 0)
		close(tp->ctl);
	free(tp);
}

static void tap_close(struct utcp_nic *nic)
{
	tap_priv_free(nic->priv);
	free(nic);
}

static const struct utcp_nic_ops tap_ops = {
	.name = "tap",
	.rx_burst = tap_rx_burst,
	.tx_burst = tap_tx_burst,
	.alloc = tap_alloc,
	.free = tap_free,
	.wait = tap_wait,
	.now = utcp_nic_monotonic_now,
	.stats = tap_stats,
	.close = tap_close,
	.wake = tap_wake,
	.poll_fd = tap_poll_fd,
	.alloc_large = tap_alloc_large,
};

/* ---- setup ------------------------------------------------------------- */

static const char *perm_hint(int e)
{
	return e == EPERM || e == EACCES ? " (run as root or give CAP_NET_ADMIN)" : "";
}

/* Frames with a virtio_net_hdr, and the kernel may leave TCP/UDP checksums
 * to us (TUN_F_CSUM): the device then offers checksum offload to the stack. */
static int tap_set_offload(int fd, const char *ifname, int tso, char *err, size_t errlen)
{
	int hdrsz = (int)sizeof(struct virtio_net_hdr);
	unsigned long off = TUN_F_CSUM | (tso ? TUN_F_TSO4 | TUN_F_TSO6 : 0);
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdrsz) < 0 || ioctl(fd, TUNSETOFFLOAD, off) < 0) {
		snprintf(err, errlen, "tap %s: checksum offload (tap_vnet_hdr): %s", ifname,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int tap_setiff(int fd, char *ifname, short flags, uint16_t nb_queues)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, IFNAMSIZ);
	ifr.ifr_flags = (short)(flags | IFF_MULTI_QUEUE);
	int r = ioctl(fd, TUNSETIFF, &ifr);
	if (r < 0 && errno == EINVAL && nb_queues == 1) {
		/* An existing single-queue device (ip tuntap add mode tap). */
		ifr.ifr_flags = flags;
		r = ioctl(fd, TUNSETIFF, &ifr);
	}
	if (r == 0) {
		memcpy(ifname, ifr.ifr_name, IFNAMSIZ); /* the kernel may have filled in "%d" */
		ifname[IFNAMSIZ - 1] = '\0';
	}
	return r;
}

/* Attach one more queue to the device; -1 with err set on failure. */
static int tap_attach(char *ifname, uint16_t nb_queues, int vnet_hdr, int tso, char *err,
		      size_t errlen)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "/dev/net/tun: %s%s", strerror(e),
			 e == ENOENT || e == ENODEV ? " (load the tun module)" : perm_hint(e));
		errno = e;
		return -1;
	}
	short flags = (short)(IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0));
	if (tap_setiff(fd, ifname, flags, nb_queues) < 0) {
		int e = errno;
		const char *hint = perm_hint(e);
		if (e == EINVAL)
			hint = " (it exists and is not a multiqueue tap device)";
		else if (e == EBUSY)
			hint = " (another process has it open)";
		snprintf(err, errlen, "tap %s: TUNSETIFF: %s%s", ifname, strerror(e), hint);
		close(fd);
		errno = e;
		return -1;
	}
	if (vnet_hdr && tap_set_offload(fd, ifname, tso, err, errlen) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int ifreq_ioctl(struct tap_priv *tp, unsigned long req, struct ifreq *ifr)
{
	memcpy(ifr->ifr_name, tp->ifname, IFNAMSIZ);
	return ioctl(tp->ctl, req, ifr);
}

static void set_sin(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = addr;
	memcpy(sa, &sin, sizeof(sin));
}

/* Kernel side: peer_ip/prefix, link up.  Without CAP_NET_ADMIN the device
 * was set up by whoever created it, so EPERM is not an error. */
static int tap_config_kernel(struct tap_priv *tp, const struct utcp_port_config *port, char *err,
			     size_t errlen)
{
	struct ifreq ifr;
	const char *what = "SIOCSIFADDR";
	memset(&ifr, 0, sizeof(ifr));
	if (port->peer_ip != 0) {
		set_sin(&ifr.ifr_addr, port->peer_ip);
		if (ifreq_ioctl(tp, SIOCSIFADDR, &ifr) < 0)
			goto fail;
		uint32_t mask = port->prefix ? htonl(~0u << (32 - port->prefix)) : 0;
		set_sin(&ifr.ifr_netmask, mask);
		what = "SIOCSIFNETMASK";
		if (ifreq_ioctl(tp, SIOCSIFNETMASK, &ifr) < 0)
			goto fail;
	}
	what = "SIOCGIFFLAGS";
	if (ifreq_ioctl(tp, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		what = "SIOCSIFFLAGS";
		if (ifreq_ioctl(tp, SIOCSIFFLAGS, &ifr) < 0)
			goto fail;
	}
	return 0;
fail:
	if (errno == EPERM || errno == EACCES)
		return 0;
	snprintf(err, errlen, "tap %s: %s: %s", tp->ifname, what, strerror(errno));
	return -1;
}

/* A locally administered unicast MAC derived from the name (FNV-1a), so the
 * same tap name always gets the same address. */
static void tap_mac(const char *name, uint8_t mac[UTCP_ETH_ALEN])
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
	mac[0] = 0x02;
	for (int i = 1; i < UTCP_ETH_ALEN; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
}

/* utcp.conf: tap_name (one port's device, at most IFNAMSIZ - 1 characters)
 * and tap_vnet_hdr (0 none, 1 checksum offload, 2 and TSO/GSO both ways). */
const struct utcp_config_key utcp_tap_keys[UTCP_TAP_NB_KEYS] = {
	{ "tap_name", UTCP_KEY_STR, offsetof(struct utcp_config, tap_name), 0, IFNAMSIZ, 0, 0 },
	{ "tap_vnet_hdr", UTCP_KEY_INT, offsetof(struct utcp_config, tap_vnet_hdr), 0, 2, 0, 0 },
};

/* One port: cfg->tap_name (default utcp0).  Several ports: each port's name
 * is its own tap device. */
static const char *tap_ifname(const struct utcp_config *cfg, const struct utcp_port_config *port)
{
	if (cfg->nb_ports > 1 && port->name[0] != '\0')
		return port->name;
	return cfg->tap_name[0] != '\0' ? cfg->tap_name : TAP_DEFAULT_NAME;
}

static int tap_open_queues(struct tap_priv *tp, const struct utcp_config *cfg, char *err,
			   size_t errlen)
{
	uint32_t bufs = cfg->max_pkt_buffers > 0 ? (uint32_t)cfg->max_pkt_buffers : TAP_DEFAULT_BUFS;
	for (uint16_t q = 0; q < tp->nb_queues; q++) {
		tp->q[q].fd = tap_attach(tp->ifname, tp->nb_queues, tp->vnet_hdr, tp->tso, err, errlen);
		if (tp->q[q].fd < 0)
			return -1;
		tp->q[q].wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (tp->q[q].wake_fd < 0) {
			snprintf(err, errlen, "tap %s: eventfd: %s", tp->ifname, strerror(errno));
			return -1;
		}
		if (utcp_pkt_pool_init(&tp->q[q].pool, "tap", UTCP_PKT_BUF_SIZE, bufs) != 0) {
			snprintf(err, errlen, "tap %s: no memory for %u packet buffers", tp->ifname,
				 bufs);
			return -1;
		}
		tp->q[q].has_pool = 1;
		if (tp->tso) {
			if (utcp_pkt_pool_init(&tp->q[q].large, "tap large", TAP_LARGE_BUF,
					       TAP_LARGE_BUFS) != 0) {
				snprintf(err, errlen, "tap %s: no memory for %u large buffers",
					 tp->ifname, TAP_LARGE_BUFS);
				return -1;
			}
			tp->q[q].has_large = 1;
		}
	}
	return 0;
}

struct utcp_nic *utcp_tap_open(const struct utcp_config *cfg, const struct utcp_port_config *port,
			       uint16_t nb_queues, char *err, size_t errlen)
{
	const char *name = tap_ifname(cfg, port);
	if (strlen(name) >= IFNAMSIZ) {
		snprintf(err, errlen, "tap %s: name longer than %d characters", name, IFNAMSIZ - 1);
		errno = EINVAL;
		return NULL;
	}
	struct tap_priv *tp = calloc(1, sizeof(*tp) + nb_queues * sizeof(tp->q[0]));
	struct utcp_nic *nic = calloc(1, sizeof(*nic));
	if (tp == NULL || nic == NULL) {
		free(tp);
		free(nic);
		snprintf(err, errlen, "tap %s: out of memory", name);
		errno = ENOMEM;
		return NULL;
	}
	tp->nb_queues = nb_queues;
	tp->vnet_hdr = cfg->tap_vnet_hdr != 0;
	tp->tso = cfg->tap_vnet_hdr == 2;
	for (uint16_t q = 0; q < nb_queues; q++)
		tp->q[q].fd = tp->q[q].wake_fd = -1;
	snprintf(tp->ifname, sizeof(tp->ifname), "%s", name);
	tp->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tp->ctl < 0) {
		snprintf(err, errlen, "tap %s: socket: %s", name, strerror(errno));
		goto fail;
	}
	if (tap_open_queues(tp, cfg, err, errlen) != 0 || tap_config_kernel(tp, port, err, errlen))
		goto fail;

	nic->ops = &tap_ops;
	nic->priv = tp;
	snprintf(nic->name, sizeof(nic->name), "%s", port->name[0] ? port->name : tp->ifname);
	struct utcp_nic_caps *c = &nic->caps;
	c->nb_queues = nb_queues;
	c->max_queues = UTCP_MAX_QUEUES;
	c->mtu = 1500;
	if (port->has_mac)
		memcpy(c->mac, port->mac, UTCP_ETH_ALEN);
	else
		tap_mac(tp->ifname, c->mac);
	c->rss = nb_queues > 1 ? UTCP_RSS_OPAQUE : UTCP_RSS_NONE;
	if (tp->vnet_hdr)
		c->offloads = UTCP_NIC_RX_TCP_CKSUM | UTCP_NIC_TX_TCP_CKSUM;
	if (tp->tso) {
		c->offloads |= UTCP_NIC_TX_TCP_TSO | UTCP_NIC_RX_TCP_LRO;
		c->tso_max = 65535;
	}
	c->buf_size = UTCP_PKT_BUF_SIZE;
	return nic;
fail:;
	int e = errno;
	tap_priv_free(tp);
	free(nic);
	errno = e;
	return NULL;
}
