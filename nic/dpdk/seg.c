/*
 * nic/dpdk/seg.c - jumbo frames and multi-segment mbufs for the DPDK
 * backend (see seg.h for the call order).
 *
 * MTU (dpdk_mtu): up to 9000 where the port takes it: dev_info's max_mtu,
 * min_mtu and max_rx_pktlen (the frame with its Ethernet header and CRC)
 * bound it, as rte_eth_dev_configure checks; the MTU is set through
 * rxmode.mtu at configure.  DPDK 22.11's net_tap, net_memif and
 * net_af_packet report frames of 1518-1522 bytes at most, so they keep 1500;
 * net_ring and hardware ports take jumbo frames.
 *
 * Buffers: the stack builds every frame in one contiguous buffer, so the
 * pool alloc() draws from has a data room of headroom + one frame of the
 * MTU (2176 bytes, DPDK's default, up to MTU 1500).  The receive mbufs
 * have that room too unless dpdk_mbuf_size makes them smaller; then the
 * port must scatter a frame over several mbufs (RTE_ETH_RX_OFFLOAD_SCATTER)
 * and the backend copies each chain it receives into one buffer of the
 * frame pool before the stack sees it (counted: dpdk_seg_join).  A frame
 * that arrives as one mbuf is handed up as it is, zero copy.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/base/err.h"
#include "nic/dpdk/seg.h"

#define SEG_MIN_MTU 576    /* RFC 791's datagram every host takes */
#define SEG_MIN_ROOM 512   /* dpdk_mbuf_size's floor: headroom and some data */
#define SEG_FRAME_HDRS (RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN)
#define SEG_MAX_TX_SEGS 64 /* a 9018-byte frame in 384-byte pieces takes 24 */

/* The most frame bytes beyond the MTU the port counts (ethdev's rule: the
 * difference of max_rx_pktlen and max_mtu when the PMD gives both). */
static uint32_t overhead(const struct rte_eth_dev_info *di)
{
	if (di->max_mtu != UINT16_MAX && di->max_rx_pktlen > di->max_mtu)
		return di->max_rx_pktlen - di->max_mtu;
	return RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
}

static int check_mtu(const struct utcp_config *cfg, uint16_t port_id,
		     const struct rte_eth_dev_info *di, char *err, size_t errlen)
{
	uint32_t mtu = (uint32_t)cfg->dpdk_mtu, oh = overhead(di);
	uint32_t most = di->max_rx_pktlen > oh ? di->max_rx_pktlen - oh : 0;
	if (most > di->max_mtu)
		most = di->max_mtu;
	if (mtu < SEG_MIN_MTU || mtu < di->min_mtu) {
		utcp_set_err(err, errlen, "dpdk_mtu = %u: at least %u (port %u, %s)", mtu,
			     di->min_mtu > SEG_MIN_MTU ? di->min_mtu : SEG_MIN_MTU, port_id,
			     di->driver_name);
		return -1;
	}
	if (mtu > most) {
		utcp_set_err(err, errlen, "dpdk_mtu = %u: port %u (%s) takes frames of at most %u "
			     "bytes (dev_info.max_rx_pktlen), so an MTU of at most %u", mtu, port_id,
			     di->driver_name, di->max_rx_pktlen, most);
		return -1;
	}
	return 0;
}

int dpdk_seg_plan(struct dpdk_seg_plan *p, const struct utcp_config *cfg, uint16_t port_id,
		  const struct rte_eth_dev_info *di, struct rte_eth_conf *conf, char *err,
		  size_t errlen)
{
	memset(p, 0, sizeof(*p));
	errno = EINVAL;
	if (cfg->dpdk_mtu != 0) {
		if (check_mtu(cfg, port_id, di, err, errlen) != 0)
			return -1;
		p->mtu = (uint16_t)cfg->dpdk_mtu;
		conf->rxmode.mtu = p->mtu;
	}
	uint32_t need = RTE_PKTMBUF_HEADROOM + (p->mtu ? p->mtu : 1500) + SEG_FRAME_HDRS;
	p->frame_room = RTE_ALIGN_CEIL(need, 64);
	if (p->frame_room < RTE_MBUF_DEFAULT_BUF_SIZE)
		p->frame_room = RTE_MBUF_DEFAULT_BUF_SIZE;
	p->rx_room = p->frame_room;
	if (cfg->dpdk_mbuf_size != 0) {
		if (cfg->dpdk_mbuf_size < SEG_MIN_ROOM) {
			utcp_set_err(err, errlen, "dpdk_mbuf_size = %d: at least %u (the headroom of "
				     "%u bytes and some data)", cfg->dpdk_mbuf_size, SEG_MIN_ROOM,
				     RTE_PKTMBUF_HEADROOM);
			return -1;
		}
		p->rx_room = (uint32_t)cfg->dpdk_mbuf_size;
	}
	p->scatter = p->rx_room < need;
	if (p->scatter && !(di->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)) {
		utcp_set_err(err, errlen, "dpdk_mbuf_size = %u: smaller than a frame of the MTU "
			     "(%u bytes with the headroom) and port %u (%s) cannot scatter a frame "
			     "over several mbufs; give it at least %u, or 0", p->rx_room, need,
			     port_id, di->driver_name, need);
		return -1;
	}
	if (p->scatter)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (p->rx_room < p->frame_room && (di->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)) {
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		p->tx_seg = p->rx_room - RTE_PKTMBUF_HEADROOM;
	}
	errno = 0;
	return 0;
}

struct rte_mbuf *dpdk_seg_join(struct rte_mbuf *m, struct rte_mempool *fit,
			       struct rte_mempool *large)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *n = NULL;
	if (len + RTE_PKTMBUF_HEADROOM <= (uint32_t)rte_pktmbuf_data_room_size(fit))
		n = rte_pktmbuf_alloc(fit);
	if (n == NULL && large != NULL &&
	    len + RTE_PKTMBUF_HEADROOM <= (uint32_t)rte_pktmbuf_data_room_size(large))
		n = rte_pktmbuf_alloc(large);
	if (n != NULL) {
		uint8_t *to = rte_pktmbuf_mtod(n, uint8_t *);
		uint32_t left = len;
		for (const struct rte_mbuf *s = m; s != NULL && left > 0; s = s->next) {
			uint32_t k = s->data_len < left ? s->data_len : left;
			memcpy(to, rte_pktmbuf_mtod(s, const uint8_t *), k);
			to += k;
			left -= k;
		}
		len -= left; /* a chain shorter than its pkt_len: what it holds */
		n->data_len = (uint16_t)len;
		n->pkt_len = len;
		n->ol_flags = m->ol_flags;
		n->hash = m->hash;
		n->packet_type = m->packet_type;
		n->port = m->port;
	}
	rte_pktmbuf_free(m);
	return n;
}

int dpdk_seg_split(struct rte_mbuf *m, uint32_t seg, struct rte_mempool *ind)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *segs[SEG_MAX_TX_SEGS - 1];
	if (len <= seg || seg == 0)
		return 0;
	uint32_t n = (len + seg - 1) / seg;
	if (n > SEG_MAX_TX_SEGS || rte_pktmbuf_alloc_bulk(ind, segs, n - 1) != 0)
		return -1;
	struct rte_mbuf *prev = m;
	for (uint32_t i = 1; i < n; i++) {
		struct rte_mbuf *s = segs[i - 1];
		rte_pktmbuf_attach(s, m); /* m's refcnt counts s */
		s->data_off = (uint16_t)(m->data_off + i * seg);
		s->data_len = (uint16_t)(len - i * seg < seg ? len - i * seg : seg);
		s->pkt_len = s->data_len;
		s->ol_flags = RTE_MBUF_F_INDIRECT;
		prev->next = s;
		prev = s;
	}
	m->data_len = (uint16_t)seg;
	m->nb_segs = (uint16_t)n;
	return 0;
}

void dpdk_seg_unsplit(struct rte_mbuf *m)
{
	if (m->next == NULL)
		return;
	rte_pktmbuf_free(m->next); /* each detaches from m */
	m->next = NULL;
	m->nb_segs = 1;
}
