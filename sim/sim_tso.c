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
 * Coalescing: utcp_gro_burst (core/wire/gro.c, Linux's tcp_gro_receive
 * rules), the joined frames in large buffers of the receiving queue.
 */
#include "config.h"

#include <string.h>

#include "core/base/bytes.h"
#include "core/wire/gro.h"
#include "core/wire/wire.h"
#include "sim/sim_int.h"

#define TH_FIN 0x01
#define TH_PSH 0x08
#define TH_CWR 0x80

/* The pseudo-header sum (RFC 9293 §3.1, RFC 8200 §8.1) of a TCP segment of
 * l4len bytes, as the partial checksum a NIC finishes. */
static void partial_csum(struct utcp_tcp_frame *v, uint32_t l4len)
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
static struct utcp_pkt *one_segment(const struct utcp_pkt *f, const struct utcp_tcp_frame *fv,
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
	struct utcp_tcp_frame v;
	utcp_tcp_frame_view(f, &v); /* the frame's offsets hold for the copy */
	v.ip = s->data + UTCP_ETH_HLEN;
	v.th = v.ip + v.l3;
	if (!v.v6)
		wr16(v.ip + 4, (uint16_t)(rd16(v.ip + 4) + i));
	utcp_tcp_frame_set_pay(&v, pay);
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
	struct utcp_tcp_frame fv;
	struct utcp_pkt *head = NULL, **tail = &head;
	uint32_t mss = pkt->tso_segsz;
	*lost = 0;
	if (utcp_tcp_frame_view(pkt, &fv) < 0 || mss == 0) {
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
	struct utcp_tcp_frame v;
	if (segsz == 0 || utcp_tcp_frame_view(pkt, &v) < 0 || v.pay <= segsz)
		return;
	pkt->ol_flags |= UTCP_PKT_RX_LRO;
	pkt->tso_segsz = segsz;
	pkt->lro_segs = (uint16_t)((v.pay + segsz - 1) / segsz);
}

/* ---- receive coalescing ------------------------------------------------------- */

static struct utcp_pkt *gro_alloc(void *arg)
{
	return utcp_pkt_pool_get(arg);
}

static void gro_free(void *arg, struct utcp_pkt *pkt)
{
	(void)arg;
	utcp_pkt_pool_put(pkt);
}

uint16_t sim_gro(struct utcp_pkt **pkts, uint16_t n, struct utcp_pkt_pool *lg, uint32_t max)
{
	struct utcp_gro g = { .max = max, .alloc_large = gro_alloc, .free = gro_free, .arg = lg };
	return utcp_gro_burst(pkts, n, &g);
}
