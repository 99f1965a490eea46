/*
 * core/net/net.c - this floor's per-context state.
 *
 * Call order: utcp_ctx_create (core/stack) -> utcp_net_init -> ... ->
 * utcp_ctx_destroy -> utcp_net_destroy.  Upper layers register their IPv4
 * protocol handlers after utcp_net_init (utcp_ipv4_set_handler).
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
	return 0;
}

void utcp_net_destroy(struct utcp_ctx *ctx)
{
	utcp_arp_destroy(ctx);
	utcp_ipv4_set_handler(ctx, UTCP_IPPROTO_ICMP, NULL);
	(void)utcp_eth_set_handler(ctx, UTCP_ETH_P_IPV4, NULL);
	(void)utcp_eth_set_handler(ctx, UTCP_ETH_P_ARP, NULL);
}
