/*
 * core/tcp/tcp_addr6.c - what makes a TCB an IPv6 one (RFC 8200): the keys
 * of IPv6 addresses, the MSS over IPv6, the flow label.
 *
 * Call order: utcp_tcp_input6 / tcp_connect6 / tcp_listen6 ->
 * tcp_addr6_key (the 32-bit fields); tcp_passive_tcb / tcp_connect6 ->
 * tcp_tcb_new -> tcp_tcb_set6.
 *
 * An IPv6 connection keeps its full addresses in tp->a6 (a cold part of
 * the TCB) and, in the 32-bit laddr/raddr that IPv4 uses, their keys: a
 * seeded fold of the 128 bits into 0.0.0.0/8 ("this network", RFC 1122
 * §3.2.1.3, never the address of an IPv4 segment we take in).  So the
 * flow hash, the ISN (RFC 6528: a keyed hash of the keys, which are
 * themselves a function of the full addresses), the timestamp offset and
 * the SYN cookie run on IPv4's code unchanged, and IPv4's hot path pays
 * nothing: the flow table's chains are shared, tcp_flow_lookup6 compares
 * the full addresses, and no IPv4 lookup can meet an IPv6 TCB (its keys
 * are no address an IPv4 segment for us carries).
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/base/hash.h"
#include "core/tcp/tcp.h"

uint32_t tcp_addr6_key(const struct utcp_ctx *ctx, const struct utcp_in6 *a)
{
	if (utcp_in6_is_unspec(a))
		return 0;
	uint32_t h = ctx->tcp->hash_seed, w;
	for (int i = 0; i < 16; i += 4) {
		memcpy(&w, a->b + i, 4);
		h = utcp_fmix32(h ^ w);
	}
	h &= 0x00ffffffu;
	return htonl(h != 0 ? h : 1);
}

/* RFC 8200 §5 (the link's MTU, at least 1280), RFC 9293 §3.7.1: MTU minus
 * the 40-byte IPv6 and 20-byte TCP headers. */
uint16_t tcp_route_mss6(struct utcp_ctx *ctx, int port)
{
	uint16_t mtu = ctx_nic(ctx, port)->caps.mtu;
	if (mtu == 0)
		mtu = 1500;
	if (mtu < UTCP_IPV6_MIN_MTU)
		mtu = UTCP_IPV6_MIN_MTU;
	return (uint16_t)(mtu - UTCP_IPV6_HLEN - TCP_HLEN);
}

/* RFC 6437 §3: a flow label per connection, uniformly distributed and
 * not 0 (0 says "no label"), from the context's PRNG. */
void tcp_tcb_set6(struct utcp_tcb *tp, const struct tcp_addr6 *a6)
{
	tp->is6 = 1;
	tp->a6.laddr = a6->laddr;
	tp->a6.raddr = a6->raddr;
	uint32_t fl;
	do
		fl = (uint32_t)utcp_prng_next(&tp->ctx->prng) & 0xfffffu;
	while (fl == 0);
	tp->a6.flow = fl;
	tp->our_mss = tcp_route_mss6(tp->ctx, tp->port);
}
