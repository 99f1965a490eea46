/*
 * core/net/route6.c - output port and next hop for an IPv6 destination.
 *
 * Call order: utcp_ipv6_output -> utcp_route6_lookup.
 *
 * Longest-prefix match over cfg->routes6 (the connected prefix of each
 * port with `<port>.ip6`, and a default route via the first
 * `<port>.gateway6`), the first listed among equally long ones, as for
 * IPv4 (route.c).  A link-local destination (fe80::/10) is on-link on the
 * first port that speaks IPv6: utcp has no zone index in its addresses yet,
 * so a stack with several IPv6 ports reaches link-local peers on the first.
 */
#include <errno.h>

#include "core/net/net.h"

static int route6_linklocal(const struct utcp_config *cfg, const struct utcp_in6 *dst, int *port,
			    struct utcp_in6 *nexthop)
{
	for (int i = 0; i < cfg->nb_ports; i++) {
		if (!utcp_in6_is_unspec(&cfg->ports[i].ip6)) {
			*port = i;
			*nexthop = *dst;
			return 0;
		}
	}
	errno = ENETUNREACH;
	return -1;
}

int utcp_route6_lookup(const struct utcp_config *cfg, const struct utcp_in6 *dst, int *port,
		       struct utcp_in6 *nexthop)
{
	const struct utcp_route6 *best = NULL;

	if (utcp_in6_is_linklocal(dst))
		return route6_linklocal(cfg, dst, port, nexthop);
	for (int i = 0; i < cfg->nb_routes6; i++) {
		const struct utcp_route6 *r = &cfg->routes6[i];
		if (r->port < 0 || r->port >= cfg->nb_ports)
			continue;
		if (!utcp_in6_prefix_eq(dst, &r->dst, r->prefix))
			continue;
		if (best == NULL || r->prefix > best->prefix)
			best = r;
	}
	if (best == NULL) {
		errno = ENETUNREACH;
		return -1;
	}
	*port = best->port;
	*nexthop = utcp_in6_is_unspec(&best->gateway) ? *dst : best->gateway;
	return 0;
}
