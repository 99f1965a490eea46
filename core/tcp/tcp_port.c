/*
 * core/tcp/tcp_port.c - local ports: reference counts for bind(2) rules,
 * and the choice of an ephemeral port whose return traffic RSS steers to
 * this context's own queue.
 *
 * Call order: bind / listen / connect (core/api, tcp_connect) ->
 * tcp_port_bindable, tcp_port_ref ... tcp_port_unref (tcp_drop, close);
 * tcp_connect without a local port -> tcp_ephemeral_port.
 *
 * IPv6 connections pass their full addresses (tcp_addr6) beside the keys.
 *
 * Ports are indexed in host order in ctx->tcp->ports[65536] and passed in
 * network order, as everywhere in core/tcp.
 */
#include <arpa/inet.h>

#include "core/tcp/tcp.h"

void tcp_port_ref(struct utcp_ctx *ctx, uint16_t port, int reuse, int eph)
{
	struct tcp_portinfo *pi = &ctx->tcp->ports[ntohs(port)];
	pi->refs++;
	pi->noreuse += !reuse;
	pi->eph += !!eph;
}

void tcp_port_unref(struct utcp_ctx *ctx, uint16_t port, int reuse, int eph)
{
	struct tcp_portinfo *pi = &ctx->tcp->ports[ntohs(port)];
	pi->refs--;
	pi->noreuse -= !reuse;
	pi->eph -= !!eph;
}

/* bind(2) rule as in Linux: a listener on the port always conflicts;
 * other users conflict unless all of them and the newcomer set SO_REUSEADDR. */
int tcp_port_bindable(struct utcp_ctx *ctx, uint32_t laddr, uint16_t port, int reuse)
{
	const struct tcp_portinfo *pi = &ctx->tcp->ports[ntohs(port)];
	if (tcp_listener_overlaps(ctx, laddr, port))
		return 0;
	if (pi->refs == 0)
		return 1;
	return reuse && pi->noreuse == 0;
}

/* Would a segment from raddr:rport to laddr:lport arrive on our queue?
 * (mTCP's mtcp_init_rss, done per connection.)  IPv6 (a6 not NULL): the
 * NIC hashes the full addresses, not their keys. */
static int tcp_rss_ok(struct utcp_ctx *ctx, int nic_port, uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport, const struct tcp_addr6 *a6)
{
	const struct utcp_nic_caps *caps = &ctx_nic(ctx, nic_port)->caps;
	if (caps->rss != UTCP_RSS_TOEPLITZ || caps->nb_queues <= 1)
		return 1;
	uint32_t h = a6 != NULL ? utcp_rss_hash_v6(caps->rss_key, &a6->raddr, &a6->laddr, rport,
						   lport)
				: utcp_rss_hash_v4(caps->rss_key, raddr, laddr, rport, lport);
	return utcp_rss_queue(caps, h) == ctx->queue;
}

/* An ephemeral port for a connection to raddr:rport, starting at a random
 * point of the range and scanning: only ports nobody bound explicitly, a
 * 4-tuple not in use, and return traffic steered to our own queue.
 * Returns 0 if none (EADDRNOTAVAIL).  IPv6 (a6 not NULL): laddr and raddr
 * are the keys, the RSS hash is over the full addresses. */
uint16_t tcp_ephemeral_port(struct utcp_ctx *ctx, int nic_port, uint32_t laddr, uint32_t raddr,
			    uint16_t rport, const struct tcp_addr6 *a6)
{
	const uint32_t n = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1;
	uint32_t start = (uint32_t)utcp_prng_below(&ctx->prng, n);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t hport = (uint16_t)(TCP_EPHEMERAL_LO + (start + i) % n);
		uint16_t port = htons(hport);
		const struct tcp_portinfo *pi = &ctx->tcp->ports[hport];
		if (pi->refs != pi->eph || tcp_listener_overlaps(ctx, laddr, port))
			continue;
		if (!tcp_rss_ok(ctx, nic_port, laddr, port, raddr, rport, a6))
			continue;
		if (pi->refs != 0 && ((a6 != NULL ? tcp_flow_lookup6(ctx, a6, laddr, port, raddr, rport)
						  : tcp_flow_lookup(ctx, laddr, port, raddr, rport)) != NULL ||
				      tcp_tw_holds(ctx, a6, laddr, port, raddr, rport)))
			continue;
		return port;
	}
	return 0;
}

int tcp_is_local_addr(const struct utcp_ctx *ctx, uint32_t addr)
{
	for (int i = 0; i < ctx->cfg->nb_ports; i++)
		if (ctx->cfg->ports[i].ip == addr)
			return 1;
	return 0;
}
