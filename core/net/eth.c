/*
 * core/net/eth.c - Ethernet II framing.
 *
 * Receive: utcp_ctx_poll -> utcp_eth_input -> utcp_eth_parse (checked view)
 *          -> destination filter -> the handler registered for the EtherType
 *          (utcp_eth_set_handler; utcp_net_init registers ARP and IPv4).
 * Transmit: utcp_ipv4_output / ARP -> utcp_eth_output (push header)
 *           -> utcp_tx_enqueue.
 *
 * Only Ethernet II (DIX) frames carrying IPv4, ARP or IPv6 are spoken; 802.3
 * length-field frames, VLAN tags and other EtherTypes are dropped and counted
 * as drop_eth_type.  A frame is ours if it is addressed to the port's MAC,
 * to the broadcast address or to a group the port joined
 * (utcp_eth_mcast_join: IPv6's all-nodes and solicited-node groups, RFC
 * 2464 §7); anything else (other unicast, multicast) is counted as
 * drop_eth_dst.
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/net/net.h"

static const uint8_t eth_bcast[UTCP_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A group address the port listens to. */
static int eth_joined(const struct utcp_ctx *ctx, int port, const uint8_t *dst)
{
	if (!(dst[0] & 1))
		return 0;
	for (unsigned i = 0; i < ctx->nb_eth_mcast[port]; i++)
		if (memcmp(dst, ctx->eth_mcast[port][i], UTCP_ETH_ALEN) == 0)
			return 1;
	return 0;
}

int utcp_eth_mcast_join(struct utcp_ctx *ctx, int port, const uint8_t *mac)
{
	if (eth_joined(ctx, port, mac))
		return 0;
	if (!(mac[0] & 1) || ctx->nb_eth_mcast[port] == UTCP_ETH_MCAST_MAX)
		return -1;
	memcpy(ctx->eth_mcast[port][ctx->nb_eth_mcast[port]++], mac, UTCP_ETH_ALEN);
	return 0;
}

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
	    memcmp(eth.dst, eth_bcast, UTCP_ETH_ALEN) != 0 && !eth_joined(ctx, port, eth.dst)) {
		ctx->stats.drop_eth_dst++;
		goto drop;
	}
	for (int i = 0; i < UTCP_L3_MAX; i++) {
		if (ctx->l3_input[i].type == eth.type && eth.type != 0) {
			ctx->l3_input[i].fn(ctx, port, pkt, &eth);
			return;
		}
	}
	ctx->stats.drop_eth_type++;
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

int utcp_eth_set_handler(struct utcp_ctx *ctx, uint16_t type, utcp_l3_input_fn fn)
{
	int free_slot = -1;

	for (int i = 0; i < UTCP_L3_MAX; i++) {
		if (ctx->l3_input[i].type == type) {
			free_slot = i;
			break;
		}
		if (ctx->l3_input[i].type == 0 && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -1;
	ctx->l3_input[free_slot].type = fn != NULL ? type : 0;
	ctx->l3_input[free_slot].fn = fn;
	return 0;
}
