/*
 * core/net/eth.c - Ethernet II framing.
 *
 * Receive: utcp_ctx_poll -> utcp_eth_input -> utcp_eth_parse (checked view)
 *          -> destination filter -> utcp_arp_input | utcp_ipv4_input.
 * Transmit: utcp_ipv4_output / ARP -> utcp_eth_output (push header)
 *           -> utcp_tx_enqueue.
 *
 * Only Ethernet II (DIX) frames carrying IPv4 or ARP are spoken; 802.3
 * length-field frames, VLAN tags and other EtherTypes are dropped and counted
 * as drop_eth_type.  A frame is ours if it is addressed to the port's MAC or
 * to the broadcast address; anything else (other unicast, multicast) is
 * counted as drop_eth_dst.
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/net/net.h"

static const uint8_t eth_bcast[UTCP_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void utcp_eth_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt)
{
	struct utcp_eth_view eth;

	ctx->stats.rx_frames++;
	ctx->stats.rx_bytes += pkt->len;
	if (utcp_eth_parse(pkt->data, pkt->len, &eth) != UTCP_PARSE_OK) {
		ctx->stats.drop_eth_short++;
		goto drop;
	}
	if (memcmp(eth.dst, ctx_mac(ctx, port), UTCP_ETH_ALEN) != 0 &&
	    memcmp(eth.dst, eth_bcast, UTCP_ETH_ALEN) != 0) {
		ctx->stats.drop_eth_dst++;
		goto drop;
	}
	switch (eth.type) {
	case UTCP_ETH_P_ARP:
		utcp_arp_input(ctx, port, pkt, &eth);
		return;
	case UTCP_ETH_P_IPV4:
		utcp_ipv4_input(ctx, port, pkt, &eth);
		return;
	default:
		ctx->stats.drop_eth_type++;
		goto drop;
	}
drop:
	utcp_ctx_free(ctx, port, pkt);
}

void utcp_eth_output(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt, const uint8_t *dst_mac,
		     uint16_t type, enum utcp_tx_class cls)
{
	uint8_t *h = utcp_pkt_push(pkt, UTCP_ETH_HLEN);
	uint16_t t = htons(type);

	if (h == NULL) {
		/* Every transmit buffer starts with UTCP_PKT_HEADROOM; only a
		 * caller that ate it can get here. */
		ctx->stats.drop_no_buf++;
		utcp_ctx_free(ctx, port, pkt);
		return;
	}
	memcpy(h, dst_mac, UTCP_ETH_ALEN);
	memcpy(h + UTCP_ETH_ALEN, ctx_mac(ctx, port), UTCP_ETH_ALEN);
	memcpy(h + 12, &t, 2);
	pkt->l2_len = UTCP_ETH_HLEN;
	utcp_tx_enqueue(ctx, port, pkt, cls);
}
