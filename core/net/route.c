/*
 * core/net/route.c - output interface and next hop for a destination.
 *
 * Call order: utcp_ipv4_output / utcp_icmp_echo_output / TCP connect
 *             -> utcp_route_lookup.
 *
 * Longest-prefix match over cfg->routes (RFC 1812 §5.2.4.3): the most
 * specific covering route wins; among equally long ones, the first listed.
 * (mTCP's GetOutputInterface returns the first match whatever its length.)
 * The table is a copy of the config (at most UTCP_MAX_ROUTES entries) and is
 * read-only once the stack is open, so a linear scan is all it needs.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "core/net/net.h"

static inline uint32_t prefix_mask(uint8_t plen)
{
	if (plen == 0)
		return 0;
	if (plen >= 32)
		return 0xffffffffu;
	return htonl(~0u << (32 - plen));
}

int utcp_route_lookup(const struct utcp_config *cfg, uint32_t dst, int *port, uint32_t *nexthop)
{
	const struct utcp_route *best = NULL;

	for (int i = 0; i < cfg->nb_routes; i++) {
		const struct utcp_route *r = &cfg->routes[i];
		if (r->port < 0 || r->port >= cfg->nb_ports)
			continue;
		if (((dst ^ r->dst) & prefix_mask(r->prefix)) != 0)
			continue;
		if (best == NULL || r->prefix > best->prefix)
			best = r;
	}
	if (best == NULL) {
		errno = ENETUNREACH;
		return -1;
	}
	*port = best->port;
	*nexthop = best->gateway != 0 ? best->gateway : dst;
	return 0;
}
