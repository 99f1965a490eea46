/*
 * core/net/ipv4_out.h - the usual IPv4 datagram's way out, inline: the
 * next hop's MAC memoised (utcp_arp_memo), room in front of the packet
 * and within the MTU.  The IPv4 and Ethernet headers are written in one
 * go and the frame is queued -- the same bytes, packet fields and counters
 * as utcp_ipv4_output_tos's general way (ipv4_build, utcp_eth_output).
 *
 * Call order: utcp_ipv4_output_tos, tcp_xmit -> utcp_ipv4_out_memo
 * (1: queued; 0: not the usual case, nothing done: the caller takes the
 * general way).
 */
#ifndef UTCP_CORE_NET_IPV4_OUT_H
#define UTCP_CORE_NET_IPV4_OUT_H

#include <string.h>

#include "core/base/bytes.h"
#include "core/net/net.h"

static inline int utcp_ipv4_out_memo(struct utcp_ctx *ctx, struct utcp_pkt *pkt, uint32_t src,
				     uint32_t dst, uint8_t proto, enum utcp_tx_class cls,
				     uint8_t tos, int df)
{
	int port;
	uint32_t nexthop;
	const uint8_t *mac = utcp_arp_memo(ctx, dst, &port, &nexthop);
	if (mac == NULL || src == 0 || utcp_pkt_headroom(pkt) < UTCP_ETH_HLEN + UTCP_IPV4_HLEN)
		return 0;
	const struct utcp_nic *nic = ctx_nic(ctx, port);
	if (pkt->len > (nic->caps.mtu ? nic->caps.mtu : 1500) - UTCP_IPV4_HLEN)
		return 0;
	uint8_t *e = pkt->data - UTCP_ETH_HLEN - UTCP_IPV4_HLEN, *h = e + UTCP_ETH_HLEN;
	uint16_t len = (uint16_t)(pkt->len + UTCP_IPV4_HLEN);
	memcpy(e, mac, UTCP_ETH_ALEN);
	memcpy(e + UTCP_ETH_ALEN, ctx_mac(ctx, port), UTCP_ETH_ALEN);
	e[12] = UTCP_ETH_P_IPV4 >> 8;
	e[13] = UTCP_ETH_P_IPV4 & 0xff;
	h[0] = 0x45;                /* RFC 791 §3.1, as ipv4_build */
	h[1] = tos;
	wr16(h + 2, len);
	wr16(h + 4, ctx->ip_id++);
	wr16(h + 6, df ? UTCP_IP_DF : 0);
	h[8] = UTCP_IP_DEFAULT_TTL;
	h[9] = proto;
	h[10] = h[11] = 0;
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	pkt->data = e;
	pkt->len = (uint16_t)(len + UTCP_ETH_HLEN);
	pkt->l2_len = UTCP_ETH_HLEN;
	pkt->l3_len = UTCP_IPV4_HLEN;
	if (nic->caps.offloads & UTCP_NIC_TX_IPV4_CKSUM) {
		pkt->ol_flags |= UTCP_PKT_TX_IP_CKSUM;
	} else {
		uint16_t ck = utcp_csum_fold(utcp_csum_hdr20(h));
		memcpy(h + 10, &ck, 2);
	}
	ctx->stats.ip_tx++;
	utcp_tx_enqueue(ctx, port, pkt, cls);
	return 1;
}

#endif
