/*
 * core/net/addr6.c - our IPv6 addresses and groups, per port (RFC 4291,
 * RFC 4862).
 *
 * Call order: utcp_net_init -> utcp_addr6_init (before utcp_nd_init, which
 * runs duplicate address detection on what this file lists);
 * utcp_ipv6_input -> utcp_addr6_accepts; utcp_ipv6_output, ND, ICMPv6 ->
 * utcp_addr6_source, utcp_addr6_find; utcp_net_destroy ->
 * utcp_addr6_destroy.
 *
 * A port speaks IPv6 when `<port>.ip6` is set.  It then has two unicast
 * addresses: the link-local fe80::/64 one formed from its MAC (modified
 * EUI-64, RFC 4862 §5.3) and the configured global one, each TENTATIVE
 * until DAD passes (RFC 4862 §5.4; at once PREFERRED when
 * ip6_dad_transmits is 0), and it joins (at the Ethernet layer, RFC 2464
 * §7) the all-nodes group and the solicited-node group of each address,
 * tentative ones included (RFC 4862 §5.4.2).
 */
#include <stdlib.h>

#include "core/net/net.h"

static void addr6_join(struct utcp_ctx *ctx, int port, const struct utcp_in6 *group)
{
	uint8_t mac[UTCP_ETH_ALEN];
	utcp_in6_mcast_mac(group, mac);
	(void)utcp_eth_mcast_join(ctx, port, mac); /* at most 3 per port: room for them */
}

static void addr6_port_init(struct utcp_ctx *ctx, int port)
{
	const struct utcp_port_config *pc = &ctx->cfg->ports[port];
	struct utcp_addr6 *a = ctx->ip6->addr[port];
	uint8_t state = ctx->cfg->ip6_dad_transmits > 0 ? UTCP_ADDR6_TENTATIVE
							 : UTCP_ADDR6_PREFERRED;
	struct utcp_in6 sn;

	utcp_in6_linklocal(ctx_mac(ctx, port), &a[UTCP_ADDR6_LL].a);
	a[UTCP_ADDR6_LL].plen = 64;
	a[UTCP_ADDR6_GLOBAL].a = pc->ip6;
	a[UTCP_ADDR6_GLOBAL].plen = pc->prefix6;
	addr6_join(ctx, port, &utcp_in6_all_nodes);
	for (int i = 0; i < UTCP_ADDR6_PER_PORT; i++) {
		a[i].state = state;
		utcp_in6_solicited_node(&a[i].a, &sn);
		addr6_join(ctx, port, &sn);
	}
}

int utcp_addr6_init(struct utcp_ctx *ctx)
{
	ctx->ip6 = calloc(1, sizeof(*ctx->ip6));
	if (ctx->ip6 == NULL)
		return -1;
	for (int p = 0; p < ctx->cfg->nb_ports && p < UTCP_MAX_PORTS; p++)
		if (!utcp_in6_is_unspec(&ctx->cfg->ports[p].ip6))
			addr6_port_init(ctx, p);
	return 0;
}

void utcp_addr6_destroy(struct utcp_ctx *ctx)
{
	free(ctx->ip6);
	ctx->ip6 = NULL;
}

int utcp_addr6_enabled(const struct utcp_ctx *ctx, int port)
{
	return ctx->ip6 != NULL && ctx->ip6->addr[port][UTCP_ADDR6_LL].state != UTCP_ADDR6_NONE;
}

struct utcp_addr6 *utcp_addr6_find(struct utcp_ctx *ctx, int port, const struct utcp_in6 *a)
{
	if (!utcp_addr6_enabled(ctx, port))
		return NULL;
	for (int i = 0; i < UTCP_ADDR6_PER_PORT; i++) {
		struct utcp_addr6 *x = &ctx->ip6->addr[port][i];
		if (x->state != UTCP_ADDR6_NONE && utcp_in6_eq(&x->a, a))
			return x;
	}
	return NULL;
}

int utcp_addr6_accepts(struct utcp_ctx *ctx, int port, const struct utcp_in6 *a)
{
	struct utcp_in6 sn;

	if (!utcp_addr6_enabled(ctx, port))
		return 0;
	if (!utcp_in6_is_multicast(a)) {
		const struct utcp_addr6 *x = utcp_addr6_find(ctx, port, a);
		return x != NULL && x->state == UTCP_ADDR6_PREFERRED;
	}
	if (utcp_in6_eq(a, &utcp_in6_all_nodes))
		return 1;
	for (int i = 0; i < UTCP_ADDR6_PER_PORT; i++) {
		utcp_in6_solicited_node(&ctx->ip6->addr[port][i].a, &sn);
		if (utcp_in6_eq(a, &sn))
			return 1;
	}
	return 0;
}

const struct utcp_in6 *utcp_addr6_source(struct utcp_ctx *ctx, int port,
					 const struct utcp_in6 *dst)
{
	if (!utcp_addr6_enabled(ctx, port))
		return NULL;
	/* RFC 6724 §5 rule 2: the scope of the destination (ff02::/16 is
	 * link-local scope, RFC 4291 §2.7). */
	int ll = utcp_in6_is_linklocal(dst) ||
		 (utcp_in6_is_multicast(dst) && (dst->b[1] & 0x0f) <= 2);
	const struct utcp_addr6 *x = &ctx->ip6->addr[port][ll ? UTCP_ADDR6_LL : UTCP_ADDR6_GLOBAL];
	return x->state == UTCP_ADDR6_PREFERRED ? &x->a : NULL;
}
