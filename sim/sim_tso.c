/*
 * sim/sim_tso.c - TCP segmentation offload and receive coalescing for the
 * simulated NIC (utcp_sim_nic_set_tso), done as hardware and Linux's GRO
 * do them, on Ethernet frames holding IPv4 or IPv6 and TCP.
 *
 * Call order (from sim_nic.c):
 *   tx_burst: a frame flagged UTCP_PKT_TX_TCP_SEG whose IP packet is longer
 *     than the link's frame_mtu -> sim_tso_segment (wire segments from the
 *     sending queue's pool, the large buffer freed);
 *   arrival: sim_tso_arrived (a TSO frame that crossed the link whole, as
 *     loopback carries 64 KiB frames, becomes an UTCP_PKT_RX_LRO frame);
 *   rx_burst with GRO on: sim_gro joins in-order segments of one flow that
 *     follow each other in the burst.
 *
 * Segmentation (as DPDK's RTE_MBUF_F_TX_TCP_SEG and Linux's tcp_gso_segment):
 * every segment gets the headers of the frame, its own IPv4 identification
 * (the frame's + i), total length and header checksum (IPv6: payload
 * length), the sequence number of its first byte, FIN and PSH only on the
 * last segment, CWR only on the first, and its TCP checksum left partial
 * (the pseudo-header sum, UTCP_PKT_TX_TCP_CKSUM) for whatever finishes it.
 *
 * Coalescing (Linux's tcp_gro_receive rules): a segment joins the one
 * before it when both carry TCP checksums the NIC verified, the same
 * addresses, ports, IP TOS/traffic class and TTL/hop limit, ACK, window and
 * options (timestamps included), its sequence number follows on, its
 * payload is no longer than the first one's and the first's flags are ACK
 * alone; one with CWR (or other flags than ACK, PSH, FIN) never joins, and
 * one with PSH or FIN, or shorter than the first, ends the frame.  The
 * joined frame lives in a large buffer of the receiving queue, keeps the
 * first segment's headers (PSH and FIN or-ed in, lengths and the IPv4
 * header checksum fixed) and says how many segments it holds.
 */
#include "config.h"

#include <string.h>

#include "core/base/bytes.h"
#include "core/wire/wire.h"
#include "sim/sim_int.h"

#define TH_FIN 0x01
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_CWR 0x80

/* The headers of a TCP frame. */
struct tso_view {
	uint8_t *ip, *th;
	uint32_t l3, thl, hdrs, pay;
	int v6;
};

/* 0 and v filled when pkt is an Ethernet frame of one unfragmented TCP
 * segment over IPv4 or IPv6 (no extension headers) whose lengths agree. */
static int tso_view(const struct utcp_pkt *pkt, struct tso_view *v)
{
	uint8_t *f = pkt->data;
	uint32_t len = pkt->len, iplen;
	if (len < UTCP_ETH_HLEN + UTCP_IPV6_HLEN + 20)
		return -1;
	v->ip = f + UTCP_ETH_HLEN;
	if (rd16(f + 12) == UTCP_ETH_P_IPV4) {
		v->v6 = 0;
		v->l3 = (v->ip[0] & 0xfu) * 4u;
		iplen = rd16(v->ip + 2);
		if ((v->ip[0] >> 4) != 4 || v->l3 < UTCP_IPV4_HLEN || v->ip[9] != UTCP_IPPROTO_TCP ||
		    (rd16(v->ip + 6) & 0x3fff) != 0)
			return -1;
	} else if (rd16(f + 12) == UTCP_ETH_P_IPV6) {
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

/* IP lengths and the IPv4 header checksum after the payload changed. */
static void fix_ip(struct tso_view *v, uint32_t pay)
{
	if (v->v6) {
		wr16(v->ip + 4, (uint16_t)(v->thl + pay));
		return;
	}
	wr16(v->ip + 2, (uint16_t)(v->l3 + v->thl + pay));
	memset(v->ip + 10, 0, 2);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(v->ip, v->l3, 0));
	memcpy(v->ip + 10, &ck, 2);
}

/* The pseudo-header sum (RFC 9293 §3.1, RFC 8200 §8.1) of a TCP segment of
 * l4len bytes, as the partial checksum a NIC finishes. */
static void partial_csum(struct tso_view *v, uint32_t l4len)
{
	uint32_t sum;
	if (v->v6) {
		struct utcp_in6 src, dst;
		memcpy(src.b, v->ip + 8, 16);
		memcpy(dst.b, v->ip + 24, 16);
		sum = utcp_csum_pseudo6(&src, &dst, UTCP_IPPROTO_TCP, l4len);
	} else {
		uint32_t src, dst;
		memcpy(&src, v->ip + 12, 4);
		memcpy(&dst, v->ip + 16, 4);
		sum = utcp_csum_pseudo(src, dst, UTCP_IPPROTO_TCP, (uint16_t)l4len);
	}
	uint16_t ck = (uint16_t)~utcp_csum_fold(sum);
	memcpy(v->th + 16, &ck, 2);
}

/* Segment i (of pay bytes at off) of the frame f into a buffer of pp. */
static struct utcp_pkt *one_segment(const struct utcp_pkt *f, const struct tso_view *fv,
				    struct utcp_pkt_pool *pp, uint32_t i, uint32_t off,
				    uint32_t pay, int last)
{
	struct utcp_pkt *s = utcp_pkt_pool_get(pp);
	if (s == NULL)
		return NULL;
	if (fv->hdrs + pay > utcp_pkt_tailroom(s)) {
		utcp_pkt_pool_put(s);
		return NULL;
	}
	memcpy(s->data, f->data, fv->hdrs);
	memcpy(s->data + fv->hdrs, f->data + fv->hdrs + off, pay);
	s->len = (uint16_t)(fv->hdrs + pay);
	s->queue = f->queue;
	s->l2_len = UTCP_ETH_HLEN;
	s->l3_len = (uint16_t)fv->l3;
	struct tso_view v;
	tso_view(f, &v); /* the frame's offsets hold for the copy */
	v.ip = s->data + UTCP_ETH_HLEN;
	v.th = v.ip + v.l3;
	if (!v.v6)
		wr16(v.ip + 4, (uint16_t)(rd16(v.ip + 4) + i));
	fix_ip(&v, pay);
	wr32(v.th + 4, rd32(v.th + 4) + off);
	if (!last)
		v.th[13] &= (uint8_t)~(TH_FIN | TH_PSH);
	if (i > 0)
		v.th[13] &= (uint8_t)~TH_CWR;
	partial_csum(&v, v.thl + pay);
	s->ol_flags = UTCP_PKT_TX_TCP_CKSUM;
	return s;
}

struct utcp_pkt *sim_tso_segment(struct utcp_pkt *pkt, struct utcp_pkt_pool *pp, uint32_t *lost)
{
	struct tso_view fv;
	struct utcp_pkt *head = NULL, **tail = &head;
	uint32_t mss = pkt->tso_segsz;
	*lost = 0;
	if (tso_view(pkt, &fv) < 0 || mss == 0) {
		*lost = 1;
		utcp_pkt_pool_put(pkt);
		return NULL;
	}
	for (uint32_t off = 0, i = 0; off < fv.pay || (off == 0 && fv.pay == 0); i++) {
		uint32_t n = fv.pay - off < mss ? fv.pay - off : mss;
		struct utcp_pkt *s = one_segment(pkt, &fv, pp, i, off, n, off + n == fv.pay);
		if (s == NULL)
			(*lost)++;
		else {
			*tail = s;
			tail = &s->next;
		}
		off += n;
		if (n == 0)
			break;
	}
	*tail = NULL;
	utcp_pkt_pool_put(pkt);
	return head;
}

void sim_tso_arrived(struct utcp_pkt *pkt, uint16_t segsz)
{
	struct tso_view v;
	if (segsz == 0 || tso_view(pkt, &v) < 0 || v.pay <= segsz)
		return;
	pkt->ol_flags |= UTCP_PKT_RX_LRO;
	pkt->tso_segsz = segsz;
	pkt->lro_segs = (uint16_t)((v.pay + segsz - 1) / segsz);
}

/* ---- receive coalescing ------------------------------------------------------- */

/* b may join a (Linux's tcp_gro_receive rules, above). */
static int gro_match(const struct utcp_pkt *a, const struct tso_view *av,
		     const struct utcp_pkt *b, const struct tso_view *bv, uint32_t max)
{
	uint32_t mss = a->lro_segs > 0 ? a->tso_segsz : av->pay;
	if (!(b->ol_flags & UTCP_PKT_RX_L4_CKSUM_GOOD) || (b->ol_flags & UTCP_PKT_RX_COPY) ||
	    av->v6 != bv->v6 || av->l3 != bv->l3 || av->thl != bv->thl)
		return 0;
	if (bv->pay == 0 || bv->pay > mss || a->len + bv->pay > max ||
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

/* a into a large buffer of pool lg (if not there already); a itself or
 * the copy, NULL when there is none. */
static struct utcp_pkt *gro_large(struct utcp_pkt *a, struct utcp_pkt_pool *lg, uint32_t max)
{
	if (utcp_pkt_tailroom(a) + a->len >= max)
		return a;
	struct utcp_pkt *c = utcp_pkt_pool_get(lg);
	if (c == NULL)
		return NULL;
	if (utcp_pkt_tailroom(c) < max) {
		utcp_pkt_pool_put(c);
		return NULL;
	}
	memcpy(c->data, a->data, a->len);
	c->len = a->len;
	c->queue = a->queue;
	c->ol_flags = a->ol_flags;
	c->rss_hash = a->rss_hash;
	c->ts = a->ts;
	utcp_pkt_pool_put(a);
	return c;
}

/* b's payload onto a (a large buffer); b freed. */
static void gro_append(struct utcp_pkt *a, struct tso_view *av, struct utcp_pkt *b,
		       const struct tso_view *bv)
{
	if (a->lro_segs == 0) {
		a->lro_segs = 1;
		a->tso_segsz = (uint16_t)av->pay;
		a->ol_flags |= UTCP_PKT_RX_LRO;
	}
	memcpy(a->data + a->len, bv->th + bv->thl, bv->pay);
	a->len = (uint16_t)(a->len + bv->pay);
	a->lro_segs++;
	av->pay += bv->pay;
	av->th[13] |= bv->th[13] & (TH_PSH | TH_FIN);
	fix_ip(av, av->pay);
	utcp_pkt_pool_put(b);
}

uint16_t sim_gro(struct utcp_pkt **pkts, uint16_t n, struct utcp_pkt_pool *lg, uint32_t max)
{
	uint16_t out = 0;
	int open = 0; /* pkts[out - 1] may take more */
	struct tso_view av, bv;
	for (uint16_t i = 0; i < n; i++) {
		struct utcp_pkt *b = pkts[i];
		int ok = tso_view(b, &bv) == 0;
		if (open && ok && gro_match(pkts[out - 1], &av, b, &bv, max)) {
			struct utcp_pkt *a = gro_large(pkts[out - 1], lg, max);
			if (a != NULL) {
				pkts[out - 1] = a;
				tso_view(a, &av);
				uint32_t mss = a->lro_segs > 0 ? a->tso_segsz : av.pay;
				int ends = (bv.th[13] & (TH_PSH | TH_FIN)) || bv.pay < mss;
				gro_append(a, &av, b, &bv);
				open = !ends;
				continue;
			}
		}
		pkts[out++] = b;
		av = bv;
		open = ok && (b->ol_flags & UTCP_PKT_RX_L4_CKSUM_GOOD) && bv.pay > 0 &&
		       !(b->ol_flags & UTCP_PKT_RX_COPY) && bv.th[13] == TH_ACK &&
		       (b->lro_segs == 0 || bv.pay % b->tso_segsz == 0);
	}
	return out;
}
