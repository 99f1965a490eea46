/*
 * core/net/ipv6_out.c - sending IPv6 packets (RFC 8200).
 *
 * Call order: ICMPv6, TCP (utcp_ipv6_output_tc: its traffic class and
 * flow label), UDP -> utcp_ipv6_output ->
 * utcp_route6_lookup (unless the caller names the port of a link-local or
 * group destination) -> utcp_addr6_source (when the caller leaves the
 * source to us) -> the 40-byte header (core/wire) -> utcp_nd_resolve ->
 * utcp_eth_output, or the frame waits in the neighbour entry's queue.
 *
 * utcp sends no extension headers and never fragments (§5: a packet
 * larger than the link MTU is refused with EMSGSIZE, as IPv4 with DF).
 */
#include <errno.h>

#include "core/net/net.h"

static uint16_t ipv6_mtu(const struct utcp_nic *nic)
{
	return nic->caps.mtu ? nic->caps.mtu : 1500;
}

/* The port and next hop: the caller's port for a destination on its link
 * (link-local, a group, or inside the port's prefix), else the route. */
static int ipv6_next_hop(struct utcp_ctx *ctx, int *port, const struct utcp_in6 *dst,
			 struct utcp_in6 *nexthop)
{
	if (*port >= 0) {
		const struct utcp_port_config *pc = &ctx->cfg->ports[*port];
		if (utcp_in6_is_linklocal(dst) || utcp_in6_is_multicast(dst) ||
		    (!utcp_in6_is_unspec(&pc->ip6) && utcp_in6_prefix_eq(dst, &pc->ip6, pc->prefix6))) {
			*nexthop = *dst;
			return 0;
		}
	}
	int p;
	if (utcp_route6_lookup(ctx->cfg, dst, &p, nexthop) != 0)
		return -1;
	if (*port < 0)
		*port = p;
	return 0;
}

int utcp_ipv6_output(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt,
		     uint8_t hlim, enum utcp_tx_class cls)
{
	return utcp_ipv6_output_tc(ctx, port, pkt, src, dst, nxt, hlim, cls, 0, 0);
}

/* RFC 8200 §3: the first word is version, traffic class, flow label. */
static void ipv6_set_class(uint8_t *h, uint8_t tclass, uint32_t flow)
{
	h[0] = (uint8_t)(0x60 | tclass >> 4);
	h[1] = (uint8_t)(tclass << 4 | ((flow >> 16) & 0x0f));
	h[2] = (uint8_t)(flow >> 8);
	h[3] = (uint8_t)flow;
}

int utcp_ipv6_output_tc(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
			const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt,
			uint8_t hlim, enum utcp_tx_class cls, uint8_t tclass, uint32_t flow)
{
	int alloc_port = port < 0 ? 0 : port, err;
	struct utcp_in6 nexthop;
	const uint8_t *mac;

	if (ipv6_next_hop(ctx, &port, dst, &nexthop) != 0) {
		ctx->stats.drop_no_route++;
		utcp_ctx_free(ctx, alloc_port, pkt);
		errno = ENETUNREACH;
		return -1;
	}
	if (src == NULL && (src = utcp_addr6_source(ctx, port, dst)) == NULL) {
		err = EADDRNOTAVAIL; /* the address needed is tentative or duplicate */
		goto fail;
	}
	if (pkt->len > ipv6_mtu(ctx_nic(ctx, port)) - UTCP_IPV6_HLEN &&
	    !(pkt->ol_flags & UTCP_PKT_TX_TCP_SEG)) { /* a TSO frame: the NIC cuts it */
		err = EMSGSIZE;
		goto fail;
	}
	if (utcp_pkt_push(pkt, UTCP_IPV6_HLEN) == NULL) {
		err = ENOBUFS;
		goto fail;
	}
	utcp_ipv6_build(pkt->data, src, dst, nxt, (uint16_t)(pkt->len - UTCP_IPV6_HLEN),
			hlim ? hlim : UTCP_IPV6_DEFAULT_HLIM, 0);
	if (tclass != 0 || flow != 0)
		ipv6_set_class(pkt->data, tclass, flow);
	pkt->l2_len = UTCP_ETH_HLEN;
	pkt->l3_len = UTCP_IPV6_HLEN;
	ctx->stats.ip6_tx++;
	mac = utcp_nd_resolve(ctx, port, &nexthop, pkt, cls);
	if (mac != NULL)
		utcp_eth_output(ctx, port, pkt, mac, UTCP_ETH_P_IPV6, cls);
	return 0;
fail:
	utcp_ctx_free(ctx, port, pkt);
	errno = err;
	return -1;
}
