/*
 * core/wire/gro.c - TCP frame views and receive coalescing (GRO) over a
 * burst, for NICs that coalesce in software (see gro.h).
 *
 * Call order: utcp_gro_burst walks the burst once: a frame that may take
 * more opens a run (gro_opens), and each next segment of the same flow
 * either joins it (gro_match -> gro_large -> gro_append) or closes it.
 *
 * The rules are Linux's tcp_gro_receive: a segment joins the frame before
 * it when both carry TCP checksums the NIC verified, the same addresses,
 * ports, IP TOS/traffic class and TTL/hop limit, ACK, window and options
 * (timestamps included), its sequence number follows on, its payload is no
 * longer than the first one's and the first's flags are ACK alone; one
 * with CWR (or other flags than ACK, PSH, FIN) never joins, and one with
 * PSH or FIN, or shorter than the first, ends the frame.  The joined frame
 * lives in a large buffer, keeps the first segment's headers (PSH and FIN
 * or-ed in, lengths and the IPv4 header checksum fixed) and says how many
 * segments it holds (UTCP_PKT_RX_LRO, lro_segs, tso_segsz), so TCP
 * acknowledges as for LRO.  Only segments next to each other in the burst
 * join: a burst that interleaves flows leaves them as they are.
 */
#include <string.h>

#include "core/base/bytes.h"
#include "core/wire/gro.h"
#include "core/wire/wire.h"

#define TH_FIN 0x01
#define TH_PSH 0x08
#define TH_ACK 0x10

/* The IP header's length and the IP packet's, or -1. */
static int frame_ip(const uint8_t *f, uint32_t len, struct utcp_tcp_frame *v, uint32_t *iplen)
{
	v->ip = (uint8_t *)f + UTCP_ETH_HLEN;
	if (rd16(f + 12) == UTCP_ETH_P_IPV4) {
		v->v6 = 0;
		v->l3 = (v->ip[0] & 0xfu) * 4u;
		*iplen = rd16(v->ip + 2);
		return (v->ip[0] >> 4) != 4 || v->l3 < UTCP_IPV4_HLEN ||
				       v->ip[9] != UTCP_IPPROTO_TCP || (rd16(v->ip + 6) & 0x3fff) != 0
			       ? -1
			       : 0;
	}
	if (rd16(f + 12) != UTCP_ETH_P_IPV6 || len < UTCP_ETH_HLEN + UTCP_IPV6_HLEN + 20)
		return -1;
	v->v6 = 1;
	v->l3 = UTCP_IPV6_HLEN;
	*iplen = UTCP_IPV6_HLEN + rd16(v->ip + 4);
	return (v->ip[0] >> 4) != 6 || v->ip[6] != UTCP_IPPROTO_TCP ? -1 : 0;
}

int utcp_tcp_frame_view(const struct utcp_pkt *pkt, struct utcp_tcp_frame *v)
{
	uint32_t len = pkt->len, iplen;
	if (len < UTCP_ETH_HLEN + UTCP_IPV4_HLEN + 20 || frame_ip(pkt->data, len, v, &iplen) < 0)
		return -1;
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

void utcp_tcp_frame_set_pay(struct utcp_tcp_frame *v, uint32_t pay)
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

/* The payload bytes per segment of a (its first segment's). */
static uint32_t gro_mss(const struct utcp_pkt *a, const struct utcp_tcp_frame *av)
{
	return a->lro_segs > 0 ? a->tso_segsz : av->pay;
}

/* The same IP header fields (the rules at the top). */
static int gro_same_ip(const struct utcp_tcp_frame *av, const struct utcp_tcp_frame *bv)
{
	if (av->v6) /* version, class, flow label; hop limit; addresses */
		return memcmp(av->ip, bv->ip, 4) == 0 && av->ip[7] == bv->ip[7] &&
		       memcmp(av->ip + 8, bv->ip + 8, 32) == 0;
	return av->ip[1] == bv->ip[1] && av->ip[8] == bv->ip[8] &&
	       memcmp(av->ip + 12, bv->ip + 12, 8) == 0 &&
	       memcmp(av->ip + UTCP_IPV4_HLEN, bv->ip + UTCP_IPV4_HLEN, av->l3 - UTCP_IPV4_HLEN) == 0;
}

/* b may join a (the rules at the top). */
static int gro_match(const struct utcp_pkt *a, const struct utcp_tcp_frame *av,
		     const struct utcp_pkt *b, const struct utcp_tcp_frame *bv, uint32_t max)
{
	if (!(b->ol_flags & UTCP_PKT_RX_L4_CKSUM_GOOD) || (b->ol_flags & UTCP_PKT_RX_COPY) ||
	    av->v6 != bv->v6 || av->l3 != bv->l3 || av->thl != bv->thl)
		return 0;
	if (bv->pay == 0 || bv->pay > gro_mss(a, av) || a->len + bv->pay > max ||
	    (bv->th[13] & (uint8_t)~(TH_PSH | TH_FIN)) != TH_ACK || !gro_same_ip(av, bv))
		return 0;
	/* ports; then ACK, header length, window; then the options */
	return memcmp(av->th, bv->th, 4) == 0 && rd32(av->th + 4) + av->pay == rd32(bv->th + 4) &&
	       memcmp(av->th + 8, bv->th + 8, 4) == 0 && av->th[12] == bv->th[12] &&
	       memcmp(av->th + 14, bv->th + 14, 2) == 0 &&
	       memcmp(av->th + 20, bv->th + 20, av->thl - 20) == 0;
}

/* a in a large buffer (if not there already): a itself or the copy, NULL
 * when there is none. */
static struct utcp_pkt *gro_large(struct utcp_pkt *a, struct utcp_gro *g)
{
	if (utcp_pkt_tailroom(a) + a->len >= g->max)
		return a;
	struct utcp_pkt *c = g->alloc_large(g->arg);
	if (c == NULL)
		return NULL;
	if (utcp_pkt_tailroom(c) < g->max) {
		g->free(g->arg, c);
		return NULL;
	}
	memcpy(c->data, a->data, a->len);
	c->len = a->len;
	c->queue = a->queue;
	c->ol_flags = a->ol_flags;
	c->rss_hash = a->rss_hash;
	c->ts = a->ts;
	g->free(g->arg, a);
	return c;
}

/* b's payload onto a (a large buffer); b freed. */
static void gro_append(struct utcp_pkt *a, struct utcp_tcp_frame *av, struct utcp_pkt *b,
		       const struct utcp_tcp_frame *bv, struct utcp_gro *g)
{
	if (a->lro_segs == 0) {
		a->lro_segs = 1;
		a->tso_segsz = (uint16_t)av->pay;
		a->ol_flags |= UTCP_PKT_RX_LRO;
		g->frames++;
	}
	memcpy(a->data + a->len, bv->th + bv->thl, bv->pay);
	a->len = (uint16_t)(a->len + bv->pay);
	a->lro_segs++;
	av->pay += bv->pay;
	av->th[13] |= bv->th[13] & (TH_PSH | TH_FIN);
	utcp_tcp_frame_set_pay(av, av->pay);
	g->free(g->arg, b);
	g->joined++;
}

/* A frame that may take the segments after it. */
static int gro_opens(const struct utcp_pkt *b, const struct utcp_tcp_frame *bv)
{
	return (b->ol_flags & UTCP_PKT_RX_L4_CKSUM_GOOD) && !(b->ol_flags & UTCP_PKT_RX_COPY) &&
	       bv->pay > 0 && bv->th[13] == TH_ACK &&
	       (b->lro_segs == 0 || bv->pay % b->tso_segsz == 0);
}

uint16_t utcp_gro_burst(struct utcp_pkt **pkts, uint16_t n, struct utcp_gro *g)
{
	uint16_t out = 0;
	int open = 0; /* pkts[out - 1] may take more */
	struct utcp_tcp_frame av, bv;
	for (uint16_t i = 0; i < n; i++) {
		struct utcp_pkt *b = pkts[i];
		int ok = utcp_tcp_frame_view(b, &bv) == 0;
		if (open && ok && gro_match(pkts[out - 1], &av, b, &bv, g->max)) {
			struct utcp_pkt *a = gro_large(pkts[out - 1], g);
			if (a != NULL) {
				pkts[out - 1] = a;
				utcp_tcp_frame_view(a, &av);
				int ends = (bv.th[13] & (TH_PSH | TH_FIN)) || bv.pay < gro_mss(a, &av);
				gro_append(a, &av, b, &bv, g);
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
