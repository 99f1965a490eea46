/*
 * core/net/ipv6.c - receiving IPv6 packets (RFC 8200), and the next-header
 * table of the upper layers.
 *
 * Receive: utcp_eth_input -> ctx->l3_input[0x86dd] = utcp_ipv6_input ->
 *          utcp_ipv6_parse (checked view, extension headers walked) ->
 *          destination: a unicast address of ours in use, or a group the
 *          port joined -> source checks -> ctx->l6_input[next header]:
 *          utcp_icmp6_input, and the upper layers that registered.
 *
 * A packet that cannot be processed is dropped and counted under one
 * reason; where RFC 8200 asks for it, a parameter problem goes back
 * (utcp_icmp6_error_output applies RFC 4443 §2.4's exceptions and rate):
 * an unrecognized next header (§4, code 1), an unrecognized routing type
 * with segments left (§4.4, code 0), an option whose type says so (§4.2,
 * code 2), a malformed extension header (code 0).  Fragments are dropped
 * (drop_ip6_frag) as IPv4's are.  Only packets for the receiving port's
 * addresses are accepted (strong host model, as IPv4).  A copy a
 * multi-queue NIC hands every queue (UTCP_PKT_RX_COPY) is never answered.
 */
#include "core/net/net.h"

#define ICMP6_PARAM_PROB 4 /* RFC 4443 §3.4 */

static void ipv6_count_drop(struct utcp_stats *s, int err)
{
	switch (err) {
	case UTCP_PARSE_SHORT:
		s->drop_ip6_short++;
		break;
	case UTCP_PARSE_VERSION:
		s->drop_ip6_version++;
		break;
	case UTCP_PARSE_LEN:
		s->drop_ip6_len++;
		break;
	case UTCP_PARSE_FRAG:
		s->drop_ip6_frag++;
		break;
	default:
		s->drop_ip6_ext++;
		break;
	}
}

/* RFC 4291 §2.5.2, §2.5.3, §2.7: a source is never a group or the loopback
 * address, nor one of ours in use (a looped-back copy of our own packet;
 * a tentative one may be the owner defending it, RFC 4862 §5.4.4); :: is
 * allowed for DAD's solicitations only (RFC 4862 §5.4.2), checked by ND. */
static int ipv6_src_ok(struct utcp_ctx *ctx, int port, const struct utcp_ipv6_view *ip)
{
	if (utcp_in6_is_multicast(&ip->src) || utcp_in6_is_loopback(&ip->src))
		return 0;
	if (utcp_in6_is_unspec(&ip->src))
		return ip->nxt == UTCP_IPPROTO_ICMPV6;
	const struct utcp_addr6 *a = utcp_addr6_find(ctx, port, &ip->src);
	return a == NULL || a->state != UTCP_ADDR6_PREFERRED;
}

/* The parameter problem an extension-header error asks for, if any. */
static void ipv6_ext_error(struct utcp_ctx *ctx, int port, int err,
			   const struct utcp_ipv6_view *ip, const struct utcp_eth_view *eth)
{
	uint8_t code = 0;
	if (err == UTCP_PARSE_OPT) {
		if (ip->opt_action == 1) /* §4.2 01: discard silently */
			return;
		if (ip->opt_action == 3 && utcp_in6_is_multicast(&ip->dst))
			return; /* 11: only to a unicast destination */
		code = 2;
	} else if (err == UTCP_PARSE_EXT && ip->err_ptr == ip->nxt_off &&
		   ip->hdr[ip->nxt_off] == UTCP_IPPROTO_HOPOPTS && ip->nxt_off > 6) {
		code = 1; /* §4.1: hop-by-hop out of place, "unrecognized Next Header" */
	}
	utcp_icmp6_error_output(ctx, port, ICMP6_PARAM_PROB, code, ip->err_ptr, eth->payload,
				UTCP_IPV6_HLEN + (size_t)ip->plen);
}

void utcp_ipv6_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_eth_view *eth)
{
	struct utcp_ipv6_view ip;
	int err;

	ctx->stats.ip6_rx++;
	err = utcp_ipv6_parse(eth->payload, eth->payload_len, &ip);
	if (err == UTCP_PARSE_SHORT || err == UTCP_PARSE_VERSION || err == UTCP_PARSE_LEN) {
		ipv6_count_drop(&ctx->stats, err);
		goto drop;
	}
	if (!utcp_addr6_accepts(ctx, port, &ip.dst)) {
		ctx->stats.drop_ip6_dst++;
		goto drop;
	}
	if (err != UTCP_PARSE_OK) {
		ipv6_count_drop(&ctx->stats, err);
		if (err != UTCP_PARSE_FRAG && !(pkt->ol_flags & UTCP_PKT_RX_COPY))
			ipv6_ext_error(ctx, port, err, &ip, eth);
		goto drop;
	}
	if (!ipv6_src_ok(ctx, port, &ip)) {
		ctx->stats.drop_ip6_src++;
		goto drop;
	}
	uint16_t l3 = (uint16_t)(ip.payload - ip.hdr);
	if (ctx->l6_input[ip.nxt] != NULL && ip.nxt != UTCP_IPPROTO_NONE) {
		utcp_pkt_pull(pkt, (uint16_t)(UTCP_ETH_HLEN + l3));
		pkt->len = ip.payload_len;
		pkt->l2_len = UTCP_ETH_HLEN;
		pkt->l3_len = l3;
		ctx->l6_input[ip.nxt](ctx, port, pkt, &ip);
		return;
	}
	ctx->stats.drop_ip6_proto++;
	/* §4: "No Next Header" ends the packet quietly; anything else we do
	 * not speak draws a parameter problem at its Next Header field. */
	if (ip.nxt != UTCP_IPPROTO_NONE && !(pkt->ol_flags & UTCP_PKT_RX_COPY))
		utcp_icmp6_error_output(ctx, port, ICMP6_PARAM_PROB, 1, ip.nxt_off, eth->payload,
					UTCP_IPV6_HLEN + (size_t)ip.plen);
drop:
	utcp_ctx_free(ctx, port, pkt);
}

void utcp_ipv6_set_handler(struct utcp_ctx *ctx, uint8_t nxt, utcp_l6_input_fn fn)
{
	ctx->l6_input[nxt] = fn;
}

void utcp_ipv6_set_error_handler(struct utcp_ctx *ctx, uint8_t nxt, utcp_l6_error_fn fn)
{
	ctx->l6_error[nxt] = fn;
}
