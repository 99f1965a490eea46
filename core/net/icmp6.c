/*
 * core/net/icmp6.c - ICMPv6 (RFC 4443): echo, errors received and sent,
 * and the neighbour discovery messages handed to nd.c.
 *
 * Receive: utcp_ipv6_input -> ctx->l6_input[58] = utcp_icmp6_input ->
 *          checksum over the pseudo-header (§2.3) -> echo request: reply |
 *          NS, NA: utcp_nd_input | destination unreachable, packet too
 *          big, time exceeded, parameter problem: the quoted packet
 *          (core/wire) -> ctx->l6_error[its next header] (§2.4(d)).
 * Transmit: echo replies and errors -> utcp_ipv6_output.
 *
 * Errors we send (utcp_icmp6_error_output: the IP layer's parameter
 * problems) follow §2.4(e): never about an ICMPv6 error, a packet to a
 * group (except a parameter problem about an option, code 2), or one from
 * :: or a group; and §2.4(f): the context's token bucket for ICMP errors
 * (utcp_icmp_allow, icmp.c), shared with ICMP as Linux shares it.  Router
 * solicitations and advertisements, redirects (no routing here: addresses
 * and routes come from the config) and unknown informational messages
 * (§2.4(b)) are counted as drop_icmp6_type.
 */
#include <string.h>

#include "core/base/bytes.h"
#include "core/net/net.h"

#define ICMP6_HLEN 8
#define ICMP6_DST_UNREACH 1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROB 4
#define ICMP6_PARAM_PROB_OPTION 2 /* §3.4 code 2: unrecognized IPv6 option */
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_ND_NS 135
#define ICMP6_ND_NA 136
#define ICMP6_QUOTE_MIN 8

/* §2.4(e): whether the packet at orig may be answered with an error. */
static int icmp6_may_answer(uint8_t type, uint8_t code, const uint8_t *orig, size_t len)
{
	struct utcp_ipv6_view v;

	if (len < UTCP_IPV6_HLEN || orig[0] >> 4 != 6)
		return 0;
	/* The fixed header is read whatever the chain after it holds. */
	int err = utcp_ipv6_quote_parse(orig, len, &v);
	if (utcp_in6_is_unspec(&v.src) || utcp_in6_is_multicast(&v.src)) /* (e.6) */
		return 0;
	if (utcp_in6_is_multicast(&v.dst) && /* (e.3) */
	    !(type == ICMP6_PARAM_PROB && code == ICMP6_PARAM_PROB_OPTION) &&
	    type != ICMP6_PACKET_TOO_BIG)
		return 0;
	/* (e.1): not about an error message (nor one whose type is unreadable). */
	if (err == UTCP_PARSE_OK && v.nxt == UTCP_IPPROTO_ICMPV6 &&
	    (v.payload_len < 1 || v.payload[0] < 128))
		return 0;
	return 1;
}

static void icmp6_send(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		       const struct utcp_in6 *src, const struct utcp_in6 *dst)
{
	uint8_t *m = pkt->data;
	memset(m + 2, 0, 2);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(
		m, pkt->len, utcp_csum_pseudo6(src, dst, UTCP_IPPROTO_ICMPV6, pkt->len)));
	memcpy(m + 2, &ck, 2);
	(void)utcp_ipv6_output(ctx, port, pkt, src, dst, UTCP_IPPROTO_ICMPV6, 0, UTCP_TX_CTRL);
}

void utcp_icmp6_error_output(struct utcp_ctx *ctx, int port, uint8_t type, uint8_t code,
			     uint32_t param, const uint8_t *orig, size_t orig_len)
{
	struct utcp_in6 osrc, odst;
	const struct utcp_in6 *src;
	struct utcp_pkt *pkt;

	if (!icmp6_may_answer(type, code, orig, orig_len))
		return;
	memcpy(osrc.b, orig + 8, 16);
	memcpy(odst.b, orig + 24, 16);
	/* §2.2: from the address the packet was sent to when it is ours. */
	const struct utcp_addr6 *a = utcp_addr6_find(ctx, port, &odst);
	src = a != NULL && a->state == UTCP_ADDR6_PREFERRED ? &a->a
							     : utcp_addr6_source(ctx, port, &osrc);
	if (src == NULL)
		return;
	if (!utcp_icmp_allow(ctx)) /* §2.4(f) */
		return;
	if ((pkt = utcp_ctx_alloc(ctx, port)) == NULL)
		return;
	/* §2.4(c): as much of the packet as fits in the minimum MTU. */
	size_t room = UTCP_IPV6_MIN_MTU - UTCP_IPV6_HLEN - ICMP6_HLEN;
	size_t n = orig_len < room ? orig_len : room;
	if (n + ICMP6_HLEN > utcp_pkt_tailroom(pkt))
		n = utcp_pkt_tailroom(pkt) - ICMP6_HLEN;
	pkt->data[0] = type;
	pkt->data[1] = code;
	wr32(pkt->data + 4, param);
	memcpy(pkt->data + ICMP6_HLEN, orig, n);
	pkt->len = (uint16_t)(ICMP6_HLEN + n);
	ctx->stats.icmp6_err_tx++;
	icmp6_send(ctx, port, pkt, src, &osrc);
}

/* §4.2: the reply carries the request's identifier, sequence and data,
 * from the address the request was sent to (a unicast one of ours; for a
 * request to a group, the address of the scope of its source). */
static void icmp6_echo_reply(struct utcp_ctx *ctx, int port, const struct utcp_pkt *req,
			     const struct utcp_ipv6_view *ip)
{
	const struct utcp_in6 *src = utcp_in6_is_multicast(&ip->dst)
					     ? utcp_addr6_source(ctx, port, &ip->src)
					     : &ip->dst;
	struct utcp_pkt *pkt;

	if (src == NULL || (pkt = utcp_ctx_alloc(ctx, port)) == NULL)
		return;
	if (req->len > utcp_pkt_tailroom(pkt)) {
		utcp_ctx_free(ctx, port, pkt);
		return;
	}
	memcpy(pkt->data, req->data, req->len);
	pkt->data[0] = ICMP6_ECHO_REPLY;
	pkt->len = req->len;
	ctx->stats.icmp6_echo_rep_tx++;
	icmp6_send(ctx, port, pkt, src, &ip->src);
}

/* §2.4(d): an error goes to the upper layer of the packet it quotes, which
 * must be one we sent and hold 8 octets of its header.  1 if handed on. */
static int icmp6_error_input(struct utcp_ctx *ctx, int port, const uint8_t *d, uint16_t len)
{
	struct utcp_ipv6_view q;
	if (len < ICMP6_HLEN ||
	    utcp_ipv6_quote_parse(d + ICMP6_HLEN, len - ICMP6_HLEN, &q) != UTCP_PARSE_OK ||
	    q.payload_len < ICMP6_QUOTE_MIN || utcp_addr6_find(ctx, port, &q.src) == NULL ||
	    ctx->l6_error[q.nxt] == NULL)
		return 0;
	struct utcp_icmp6_error e = { .type = d[0], .code = d[1], .param = rd32(d + 4) };
	ctx->stats.icmp6_err_rx++;
	ctx->l6_error[q.nxt](ctx, &e, &q);
	return 1;
}

void utcp_icmp6_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		      const struct utcp_ipv6_view *ip)
{
	const uint8_t *d = pkt->data;

	ctx->stats.icmp6_rx++;
	if (pkt->len < 4) {
		ctx->stats.drop_icmp6_short++;
		goto out;
	}
	/* §2.3: the checksum covers the pseudo-header and the message. */
	if (utcp_csum_fold(utcp_csum_partial(d, pkt->len,
					     utcp_csum_pseudo6(&ip->src, &ip->dst,
							       UTCP_IPPROTO_ICMPV6, pkt->len))) != 0) {
		ctx->stats.drop_icmp6_cksum++;
		goto out;
	}
	switch (d[0]) {
	case ICMP6_ECHO_REQUEST:
		if (pkt->len < ICMP6_HLEN) {
			ctx->stats.drop_icmp6_short++;
			break;
		}
		ctx->stats.icmp6_echo_req_rx++;
		/* A NIC with several queues hands every queue a copy of what
		 * it does not steer (IPv6 today): only the original is
		 * answered. */
		if (!(pkt->ol_flags & UTCP_PKT_RX_COPY))
			icmp6_echo_reply(ctx, port, pkt, ip);
		break;
	case ICMP6_ECHO_REPLY:
		ctx->stats.icmp6_echo_rep_rx++;
		break;
	case ICMP6_ND_NS:
	case ICMP6_ND_NA:
		utcp_nd_input(ctx, port, pkt, ip);
		break;
	case ICMP6_DST_UNREACH:
	case ICMP6_PACKET_TOO_BIG:
	case ICMP6_TIME_EXCEEDED:
	case ICMP6_PARAM_PROB:
		if (!icmp6_error_input(ctx, port, d, pkt->len))
			ctx->stats.drop_icmp6_type++;
		break;
	default:
		ctx->stats.drop_icmp6_type++;
		break;
	}
out:
	utcp_ctx_free(ctx, port, pkt);
}
