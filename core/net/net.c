/*
 * core/net/net.c - this floor's per-context state.
 *
 * Call order: utcp_ctx_create (core/stack) -> utcp_net_init -> ... ->
 * utcp_ctx_destroy -> utcp_net_destroy.  Upper layers register their IPv4
 * protocol handlers after utcp_net_init (utcp_ipv4_set_handler), their
 * IPv6 next-header handlers likewise (utcp_ipv6_set_handler).  IPv6 is
 * spoken when a port has `<port>.ip6`: addresses (addr6.c), then the
 * neighbour cache and DAD (nd.c).
 */
#include <errno.h>

#include "core/net/net.h"

int utcp_net_init(struct utcp_ctx *ctx)
{
	ctx->ip_id = (uint16_t)utcp_prng_next(&ctx->prng); /* RFC 6864 §4.1 */
	ctx->icmp_rl.tokens = UTCP_ICMP_BURST; /* ICMP errors: a full bucket */
	ctx->icmp_rl.last = ctx->now;
	if (utcp_arp_init(ctx) != 0) {
		errno = ENOMEM;
		return -1;
	}
	/* Fresh context: the table has room for both. */
	(void)utcp_eth_set_handler(ctx, UTCP_ETH_P_ARP, utcp_arp_input);
	(void)utcp_eth_set_handler(ctx, UTCP_ETH_P_IPV4, utcp_ipv4_input);
	utcp_ipv4_set_handler(ctx, UTCP_IPPROTO_ICMP, utcp_icmp_input);
	if (utcp_addr6_init(ctx) != 0 || utcp_nd_init(ctx) != 0) {
		utcp_net_destroy(ctx);
		errno = ENOMEM;
		return -1;
	}
	/* A context with no IPv6 port does not speak it: its frames count
	 * as drop_eth_type, as before. */
	for (int p = 0; p < ctx->cfg->nb_ports && p < UTCP_MAX_PORTS; p++) {
		if (utcp_addr6_enabled(ctx, p)) {
			(void)utcp_eth_set_handler(ctx, UTCP_ETH_P_IPV6, utcp_ipv6_input);
			break;
		}
	}
	utcp_ipv6_set_handler(ctx, UTCP_IPPROTO_ICMPV6, utcp_icmp6_input);
	return 0;
}

void utcp_net_destroy(struct utcp_ctx *ctx)
{
	utcp_ipv6_set_handler(ctx, UTCP_IPPROTO_ICMPV6, NULL);
	(void)utcp_eth_set_handler(ctx, UTCP_ETH_P_IPV6, NULL);
	utcp_nd_destroy(ctx);
	utcp_addr6_destroy(ctx);
	utcp_arp_destroy(ctx);
	utcp_ipv4_set_handler(ctx, UTCP_IPPROTO_ICMP, NULL);
	(void)utcp_eth_set_handler(ctx, UTCP_ETH_P_IPV4, NULL);
	(void)utcp_eth_set_handler(ctx, UTCP_ETH_P_ARP, NULL);
}
