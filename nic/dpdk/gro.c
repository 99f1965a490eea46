/*
 * nic/dpdk/gro.c - software receive coalescing for the DPDK backend, for
 * ports without LRO (every virtual device): Linux's tcp_gro_receive rules,
 * as the simulated NIC applies them (sim/sim_tso.c), on Ethernet frames
 * holding IPv4 or IPv6 and TCP.
 *
 * Call order: rx_chunk (nic/dpdk/dpdk.c) wraps a burst of mbufs, then
 * dpdk_gro(pkts, n, ops) walks it once: a frame that may take more opens a
 * run, and each next segment of the same flow either joins it or closes it.
 *
 * A segment joins the frame before it when both carry TCP checksums the
 * port verified (RTE_MBUF_F_RX_L4_CKSUM_GOOD), the same addresses, ports,
 * IP TOS/traffic class and TTL/hop limit, ACK, window and options
 * (timestamps included), its sequence number follows on, its payload is no
 * longer than the first one's and the first's flags are ACK alone; one with
 * CWR (or other flags than ACK, PSH, FIN) never joins, and one with PSH or
 * FIN, or shorter than the first, ends the frame.  The joined frame lives in
 * a large mbuf of the queue (the TSO pool), keeps the first segment's
 * headers (PSH and FIN or-ed in, lengths and the IPv4 header checksum
 * fixed) and says how many segments it holds (lro_segs, tso_segsz), so TCP
 * acknowledges as for LRO.  Only segments next to each other in the burst
 * join: a burst that interleaves flows leaves them as they are.
 */
#include "config.h"

#include <string.h>

#include "core/base/bytes.h"
#include "core/wire/wire.h"
#include "nic/dpdk/gro.h"

#define TH_FIN 0x01
#define TH_PSH 0x08
#define TH_ACK 0x10

/* The headers of a TCP frame. */
struct gro_view {
	uint8_t *ip, *th;
	uint32_t l3, thl, hdrs, pay;
	int v6;
};

/* 0 and v filled when pkt is an Ethernet frame of one unfragmented TCP
 * segment over IPv4 or IPv6 (no extension headers) whose lengths agree. */
static int gro_view(const struct utcp_pkt *pkt, struct gro_view *v)
{
	uint8_t *f = pkt->data;
	uint32_t len = pkt->len, iplen;
	if (len < UTCP_ETH_HLEN + UTCP_IPV4_HLEN + 20)
		return -1;
	v->ip = f + UTCP_ETH_HLEN;
	if (rd16(f + 12) == UTCP_ETH_P_IPV4) {
		v->v6 = 0;
		v->l3 = (v->ip[0] & 0xfu) * 4u;
		iplen = rd16(v->ip + 2);
		if ((v->ip[0] >> 4) != 4 || v->l3 < UTCP_IPV4_HLEN || v->ip[9] != UTCP_IPPROTO_TCP ||
		    (rd16(v->ip + 6) & 0x3fff) != 0)
			return -1;
	} else if (rd16(f + 12) == UTCP_ETH_P_IPV6 && len >= UTCP_ETH_HLEN + UTCP_IPV6_HLEN + 20) {
		v->v6 = 1;
		v->l3 = UTCP_IPV6_HLEN;
		iplen = UTCP_IPV6_HLEN + rd16(v->ip + 4);
		if ((v->ip[0] >> 4) != 6 || v->ip[6] != UTCP_IPPROTO_TCP)
			return -1;
	} else {
		return -1;
	}
	if (iplen != len - UTCP_ETH_HLEN || v->l3 + 20 > iplen)
		return -1;
	v->th = v->ip + v->l3;
	v->thl = (uint32_t)(v->th[12] >> 4) * 4u;
	if (v->thl < 20 || v->l3 + v->thl > iplen)
		return -1;
	v->hdrs = UTCP_ETH_HLEN + v->l3 + v->thl;
	v->pay = len - v->hdrs;
	return 0;
}

/* IP lengths and the IPv4 header checksum after the payload grew. */
static void fix_ip(struct gro_view *v)
{
	if (v->v6) {
		wr16(v->ip + 4, (uint16_t)(v->thl + v->pay));
		return;
	}
	wr16(v->ip + 2, (uint16_t)(v->l3 + v->thl + v->pay));
	memset(v->ip + 10, 0, 2);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(v->ip, v->l3, 0));
	memcpy(v->ip + 10, &ck, 2);
}

/* The payload bytes per segment of a (its first segment's). */
static uint32_t gro_mss(const struct utcp_pkt *a, const struct gro_view *av)
{
	return a->lro_segs > 0 ? a->tso_segsz : av->pay;
}

/* b may join a (the rules at the top). */
static int gro_match(const struct utcp_pkt *a, const struct gro_view *av,
		     const struct utcp_pkt *b, const struct gro_view *bv, uint32_t max)
{
	if (!(b->ol_flags & UTCP_PKT_RX_L4_CKSUM_GOOD) || (b->ol_flags & UTCP_PKT_RX_COPY) ||
	    av->v6 != bv->v6 || av->l3 != bv->l3 || av->thl != bv->thl)
		return 0;
	if (bv->pay == 0 || bv->pay > gro_mss(a, av) || a->len + bv->pay > max ||
	    (bv->th[13] & (uint8_t)~(TH_PSH | TH_FIN)) != TH_ACK)
		return 0;
	if (av->v6) { /* version, class, flow label; hop limit; addresses */
		if (memcmp(av->ip, bv->ip, 4) != 0 || av->ip[7] != bv->ip[7] ||
		    memcmp(av->ip + 8, bv->ip + 8, 32) != 0)
			return 0;
	} else if (av->ip[1] != bv->ip[1] || av->ip[8] != bv->ip[8] ||
		   memcmp(av->ip + 12, bv->ip + 12, 8) != 0 ||
		   memcmp(av->ip + UTCP_IPV4_HLEN, bv->ip + UTCP_IPV4_HLEN,
			  av->l3 - UTCP_IPV4_HLEN) != 0) {
		return 0;
	}
	/* ports; then ACK, header length, window; then the options */
	return memcmp(av->th, bv->th, 4) == 0 && rd32(av->th + 4) + av->pay == rd32(bv->th + 4) &&
	       memcmp(av->th + 8, bv->th + 8, 4) == 0 && av->th[12] == bv->th[12] &&
	       memcmp(av->th + 14, bv->th + 14, 2) == 0 &&
	       memcmp(av->th + 20, bv->th + 20, av->thl - 20) == 0;
}

/* a into a large buffer (if not there already): a itself or the copy, NULL
 * when there is none. */
static struct utcp_pkt *gro_large(struct utcp_pkt *a, struct dpdk_gro_ops *ops)
{
	if (utcp_pkt_tailroom(a) + a->len >= ops->max)
		return a;
	struct utcp_pkt *c = ops->alloc_large(ops->nic, ops->queue);
	if (c == NULL)
		return NULL;
	if (utcp_pkt_tailroom(c) < ops->max) {
		ops->free(ops->nic, c);
		return NULL;
	}
	memcpy(c->data, a->data, a->len);
	c->len = a->len;
	c->queue = a->queue;
	c->ol_flags = a->ol_flags;
	c->rss_hash = a->rss_hash;
	c->ts = a->ts;
	ops->free(ops->nic, a);
	return c;
}

/* b's payload onto a (a large buffer); b freed. */
static void gro_append(struct utcp_pkt *a, struct gro_view *av, struct utcp_pkt *b,
		       const struct gro_view *bv, struct dpdk_gro_ops *ops)
{
	if (a->lro_segs == 0) {
		a->lro_segs = 1;
		a->tso_segsz = (uint16_t)av->pay;
		a->ol_flags |= UTCP_PKT_RX_LRO;
		ops->frames++;
	}
	memcpy(a->data + a->len, bv->th + bv->thl, bv->pay);
	a->len = (uint16_t)(a->len + bv->pay);
	a->lro_segs++;
	av->pay += bv->pay;
	av->th[13] |= bv->th[13] & (TH_PSH | TH_FIN);
	fix_ip(av);
	ops->free(ops->nic, b);
	ops->joined++;
}

/* A frame that may take the segments after it. */
static int gro_opens(const struct utcp_pkt *b, const struct gro_view *bv)
{
	return (b->ol_flags & UTCP_PKT_RX_L4_CKSUM_GOOD) && !(b->ol_flags & UTCP_PKT_RX_COPY) &&
	       bv->pay > 0 && bv->th[13] == TH_ACK &&
	       (b->lro_segs == 0 || bv->pay % b->tso_segsz == 0);
}

uint16_t dpdk_gro(struct utcp_pkt **pkts, uint16_t n, struct dpdk_gro_ops *ops)
{
	uint16_t out = 0;
	int open = 0; /* pkts[out - 1] may take more */
	struct gro_view av, bv;
	for (uint16_t i = 0; i < n; i++) {
		struct utcp_pkt *b = pkts[i];
		int ok = gro_view(b, &bv) == 0;
		if (open && ok && gro_match(pkts[out - 1], &av, b, &bv, ops->max)) {
			struct utcp_pkt *a = gro_large(pkts[out - 1], ops);
			if (a != NULL) {
				pkts[out - 1] = a;
				gro_view(a, &av);
				int ends = (bv.th[13] & (TH_PSH | TH_FIN)) || bv.pay < gro_mss(a, &av);
				gro_append(a, &av, b, &bv, ops);
				open = !ends;
				continue;
			}
		}
		pkts[out++] = b;
		av = bv;
		open = ok && gro_opens(b, &bv);
	}
	return out;
}
