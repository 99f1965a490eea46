/*
 * core/net/icmp.c - ICMP echo (RFC 792, RFC 1122 §3.2.2.6) and the
 * delivery of ICMP errors to the transport protocol (RFC 1122 §3.2.2.1).
 *
 * Receive: utcp_ipv4_input -> utcp_icmp_input -> checksum -> echo request:
 *          utcp_icmp_echo_output (reply) | echo reply: ctx->echo_fn |
 *          destination unreachable, time exceeded, parameter problem:
 *          icmp_error_input -> the quoted header (core/wire) ->
 *          ctx->l4_error[quoted protocol] (TCP registers its own when a
 *          context is created; what it does is its business: RFC 5927).
 * Transmit: utcp_ping / echo reply -> utcp_icmp_echo_output -> utcp_ipv4_output;
 *          a datagram for no one (UDP's closed ports) -> utcp_icmp_unreach_output
 *          (token bucket, RFC 1812 §4.3.2.8) -> utcp_ipv4_output.
 *
 * Other types (source quench: RFC 6633 says ignore it; redirect,
 * timestamp, ...) are counted as drop_icmp_type and dropped, and so is an
 * error that quotes no datagram of a protocol that asked for its errors.
 */
#include <errno.h>
#include <string.h>

#include "core/net/net.h"
#include "core/base/bytes.h"

#define ICMP_HLEN 8
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_UNREACH 3
#define ICMP_UNREACH_NEEDFRAG 4 /* RFC 1191 §4: next-hop MTU in octets 6-7 */
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12
#define ICMP_QUOTE_MIN 8 /* RFC 792: the first 64 bits of the datagram's data */

int utcp_icmp_echo_output(struct utcp_ctx *ctx, uint32_t src, uint32_t dst, uint8_t type,
			  uint16_t id, uint16_t seq, const void *payload, size_t len)
{
	struct utcp_pkt *pkt;
	uint32_t nexthop;
	uint16_t ck;
	uint8_t *d;
	int port;

	if (utcp_route_lookup(ctx->cfg, dst, &port, &nexthop) != 0) {
		ctx->stats.drop_no_route++;
		errno = ENETUNREACH;
		return -1;
	}
	pkt = utcp_ctx_alloc(ctx, port);
	if (pkt == NULL) {
		errno = ENOBUFS;
		return -1;
	}
	if (len + ICMP_HLEN > utcp_pkt_tailroom(pkt)) {
		utcp_ctx_free(ctx, port, pkt);
		errno = EMSGSIZE;
		return -1;
	}
	/* RFC 792 "Echo or Echo Reply Message": type, code 0, checksum,
	 * identifier, sequence number, data. */
	d = pkt->data;
	d[0] = type;
	d[1] = 0;
	d[2] = d[3] = 0;
	d[4] = (uint8_t)(id >> 8);
	d[5] = (uint8_t)id;
	d[6] = (uint8_t)(seq >> 8);
	d[7] = (uint8_t)seq;
	if (len)
		memcpy(d + ICMP_HLEN, payload, len);
	pkt->len = (uint16_t)(ICMP_HLEN + len);
	ck = utcp_csum_fold(utcp_csum_partial(d, pkt->len, 0));
	memcpy(d + 2, &ck, 2);
	if (utcp_ipv4_output(ctx, pkt, src, dst, UTCP_IPPROTO_ICMP, UTCP_TX_CTRL) != 0)
		return -1;
	if (type == ICMP_ECHO_REPLY)
		ctx->stats.icmp_echo_rep_tx++;
	else
		ctx->stats.icmp_echo_req_tx++;
	return 0;
}

#define ICMP_ERR_MAX 576 /* RFC 1812 §4.3.2.3: an error's datagram at most */
#define ICMP_TOKEN_NS (UTCP_NSEC_PER_SEC / UTCP_ICMP_RATE)

/* RFC 1812 §4.3.2.8: a token bucket refilled from the context clock, one
 * token per ICMP_TOKEN_NS up to UTCP_ICMP_BURST (Linux icmp_global_allow).
 * 1 if an error may go now (it takes a token).  ICMPv6 errors draw from
 * the same bucket (icmp6.c; RFC 4443 §2.4(f)), as Linux's do. */
int utcp_icmp_allow(struct utcp_ctx *ctx)
{
	utcp_time_t dt = ctx->now > ctx->icmp_rl.last ? ctx->now - ctx->icmp_rl.last : 0;
	utcp_time_t add = dt / ICMP_TOKEN_NS;
	if (add > 0) {
		uint64_t t = ctx->icmp_rl.tokens + (add < UTCP_ICMP_BURST ? add : UTCP_ICMP_BURST);
		ctx->icmp_rl.tokens = t < UTCP_ICMP_BURST ? (uint32_t)t : UTCP_ICMP_BURST;
		ctx->icmp_rl.last += add * ICMP_TOKEN_NS;
	}
	if (ctx->icmp_rl.tokens == UTCP_ICMP_BURST)
		ctx->icmp_rl.last = ctx->now; /* a full bucket saves nothing up */
	if (ctx->icmp_rl.tokens == 0) {
		ctx->stats.icmp_ratelimited++;
		return 0;
	}
	ctx->icmp_rl.tokens--;
	return 1;
}

int utcp_icmp_unreach_output(struct utcp_ctx *ctx, const struct utcp_ipv4_view *ip, uint8_t code)
{
	struct utcp_pkt *pkt;
	uint32_t nexthop;
	int port;

	if (!utcp_icmp_allow(ctx)) {
		errno = EAGAIN;
		return -1;
	}
	if (utcp_route_lookup(ctx->cfg, ip->src, &port, &nexthop) != 0) {
		ctx->stats.drop_no_route++;
		errno = ENETUNREACH;
		return -1;
	}
	pkt = utcp_ctx_alloc(ctx, port);
	if (pkt == NULL) {
		errno = ENOBUFS;
		return -1;
	}
	/* RFC 792 "Destination Unreachable Message": type, code, checksum,
	 * unused, then the internet header and the datagram's first octets. */
	size_t quote = (size_t)ip->hlen + ip->payload_len;
	size_t room = ICMP_ERR_MAX - UTCP_IPV4_HLEN - ICMP_HLEN;
	if (quote > room)
		quote = room;
	uint8_t *d = pkt->data;
	memset(d, 0, ICMP_HLEN);
	d[0] = ICMP_UNREACH;
	d[1] = code;
	memcpy(d + ICMP_HLEN, ip->hdr, quote);
	pkt->len = (uint16_t)(ICMP_HLEN + quote);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(d, pkt->len, 0));
	memcpy(d + 2, &ck, 2);
	if (utcp_ipv4_output(ctx, pkt, ip->dst, ip->src, UTCP_IPPROTO_ICMP, UTCP_TX_CTRL) != 0)
		return -1;
	ctx->stats.icmp_unreach_tx++;
	return 0;
}

/* RFC 1122 §3.2.2.1: an error goes to the transport protocol of the
 * datagram it quotes, which must be one we sent (from our address) and
 * carry at least 8 octets of its transport header.  1 if handed on. */
static int icmp_error_input(struct utcp_ctx *ctx, const uint8_t *d, uint16_t len, int port)
{
	struct utcp_ipv4_view q;
	if (utcp_ipv4_quote_parse(d + ICMP_HLEN, len - ICMP_HLEN, &q) != UTCP_PARSE_OK ||
	    q.payload_len < ICMP_QUOTE_MIN || q.src != ctx->cfg->ports[port].ip ||
	    ctx->l4_error[q.proto] == NULL)
		return 0;
	struct utcp_icmp_error e = { .type = d[0], .code = d[1] };
	if (e.type == ICMP_UNREACH && e.code == ICMP_UNREACH_NEEDFRAG)
		e.mtu = rd16(d + 6);
	ctx->stats.icmp_err_rx++;
	ctx->l4_error[q.proto](ctx, &e, &q);
	return 1;
}

void utcp_icmp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_ipv4_view *ip)
{
	const uint8_t *d = pkt->data;
	uint16_t id, seq;

	ctx->stats.icmp_rx++;
	if (pkt->len < ICMP_HLEN) {
		ctx->stats.drop_icmp_short++;
		goto out;
	}
	/* RFC 792: the checksum covers the whole ICMP message. */
	if (utcp_csum_fold(utcp_csum_partial(d, pkt->len, 0)) != 0) {
		ctx->stats.drop_icmp_cksum++;
		goto out;
	}
	id = rd16(d + 4);
	seq = rd16(d + 6);
	switch (d[0]) {
	case ICMP_ECHO_REQUEST:
		/* RFC 1122 §3.2.2.6: the reply carries the request's identifier,
		 * sequence number and data unchanged, from the address the
		 * request was sent to. */
		ctx->stats.icmp_echo_req_rx++;
		utcp_icmp_echo_output(ctx, ip->dst, ip->src, ICMP_ECHO_REPLY, id, seq,
				      d + ICMP_HLEN, pkt->len - ICMP_HLEN);
		break;
	case ICMP_ECHO_REPLY:
		ctx->stats.icmp_echo_rep_rx++;
		if (ctx->echo_fn != NULL)
			ctx->echo_fn(ctx->echo_arg, ip->src, id, seq, d + ICMP_HLEN,
				     pkt->len - ICMP_HLEN, ctx->now);
		break;
	case ICMP_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAM_PROBLEM:
		if (!icmp_error_input(ctx, d, pkt->len, port))
			ctx->stats.drop_icmp_type++;
		break;
	default:
		ctx->stats.drop_icmp_type++;
		break;
	}
out:
	utcp_ctx_free(ctx, port, pkt);
}

/* ---- the public ping API (utcp.h) ------------------------------------- */

void utcp_ctx_set_echo_handler(struct utcp_ctx *ctx, utcp_echo_handler fn, void *arg)
{
	ctx->echo_fn = fn;
	ctx->echo_arg = arg;
}

int utcp_ping(struct utcp_ctx *ctx, uint32_t dst, uint16_t id, uint16_t seq, const void *payload,
	      size_t len)
{
	if (payload == NULL && len > 0) {
		errno = EFAULT;
		return -1;
	}
	return utcp_icmp_echo_output(ctx, 0, dst, 8 /* RFC 792 echo request */, id, seq, payload,
				     len);
}
