/*
 * core/udp/udp_input.c - datagrams in (RFC 768, RFC 1122 §4.1.3) and the
 * ICMP errors about datagrams we sent (RFC 1122 §4.1.3.3).
 *
 * Call order: utcp_ipv4_input -> ctx->l4_input[17] = utcp_udp_input ->
 *   utcp_udp_parse (lengths; drop_udp_short, drop_udp_len) -> checksum
 *   (drop_udp_cksum; zero accepted on IPv4) -> udp_lookup ->
 *   no endpoint: ICMP port unreachable, rate-limited (drop_udp_no_port) |
 *   udp_rq_push (drop_udp_rcvbuf when full) -> udp->notify(EPOLLIN).
 * utcp_icmp_input -> ctx->l4_error[17] = utcp_udp_icmp_error -> the
 *   connected endpoint of the quoted datagram: a hard error is kept for its
 *   next call (ECONNREFUSED for port unreachable) and EPOLLERR raised.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "core/udp/udp.h"

static void udp_count_drop(struct utcp_stats *s, int err)
{
	if (err == UTCP_PARSE_SHORT)
		s->drop_udp_short++;
	else
		s->drop_udp_len++;
}

/* The checksum, unless the NIC vouched for it (RFC 768; RFC 1122
 * §4.1.3.4: a datagram with a bad checksum is discarded silently). */
static int udp_rx_csum_ok(const struct utcp_pkt *pkt, const struct udp_ep *src,
			  const struct udp_ep *dst, uint16_t ulen)
{
	if (pkt->ol_flags & UTCP_PKT_RX_L4_CKSUM_GOOD)
		return 1;
	if (pkt->ol_flags & UTCP_PKT_RX_L4_CKSUM_BAD)
		return 0;
	return utcp_udp_csum_ok(&src->addr, &dst->addr, pkt->data, ulen);
}

void utcp_udp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		    const struct utcp_ipv4_view *ip)
{
	struct utcp_udp_view v;
	struct udp_ep src = { .addr = { .family = AF_INET } }, dst = src;
	int err;

	ctx->stats.udp_rx++;
	err = utcp_udp_parse(pkt->data, pkt->len, &v);
	if (err != UTCP_PARSE_OK) {
		udp_count_drop(&ctx->stats, err);
		goto drop;
	}
	src.addr.u.v4 = ip->src;
	src.port = v.sport;
	dst.addr.u.v4 = ip->dst;
	dst.port = v.dport;
	if (!udp_rx_csum_ok(pkt, &src, &dst, v.ulen)) {
		ctx->stats.drop_udp_cksum++;
		goto drop;
	}
	pkt->len = v.ulen; /* what follows Length is padding */
	struct udp_pcb *pcb = udp_lookup(ctx, &dst, &src);
	if (pcb == NULL) {
		/* RFC 1122 §4.1.3.1: port unreachable (RFC 792 code 3); the
		 * destination was our unicast address (utcp_ipv4_input). */
		ctx->stats.drop_udp_no_port++;
		utcp_icmp_unreach_output(ctx, ip, UTCP_ICMP_UNREACH_PORT);
		goto drop;
	}
	if (udp_rq_push(ctx, pcb, port, pkt) < 0) {
		ctx->stats.drop_udp_rcvbuf++;
		goto drop;
	}
	ctx->stats.udp_rx_delivered++;
	if (ctx->udp->notify != NULL)
		ctx->udp->notify(ctx, pcb->sock, EPOLLIN | EPOLLRDNORM);
	return;
drop:
	utcp_ctx_free(ctx, port, pkt);
}

#define ICMP_UNREACH 3

/* Destination Unreachable codes that are hard errors, and their errno
 * (Linux icmp_err_convert; RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1). */
static int udp_unreach_errno(uint8_t code)
{
	static const uint8_t err[16] = {
		[0] = 0,             [1] = 0,             [2] = ENOPROTOOPT,   [3] = ECONNREFUSED,
		[4] = 0,             [5] = 0,             [6] = ENETUNREACH,   [7] = EHOSTDOWN,
		[8] = ENONET,        [9] = ENETUNREACH,   [10] = EHOSTUNREACH, [11] = 0,
		[12] = 0,            [13] = EHOSTUNREACH, [14] = EHOSTUNREACH, [15] = EHOSTUNREACH,
	};
	return code < 16 ? err[code] : 0;
}

void utcp_udp_icmp_error(struct utcp_ctx *ctx, const struct utcp_icmp_error *e,
			 const struct utcp_ipv4_view *quoted)
{
	const uint8_t *h = quoted->payload; /* the quoted UDP header's first 8 octets */
	struct udp_ep us = { .addr = { .family = AF_INET } }, peer = us;
	us.addr.u.v4 = quoted->src;
	peer.addr.u.v4 = quoted->dst;
	memcpy(&us.port, h, 2);
	memcpy(&peer.port, h + 2, 2);
	struct udp_pcb *pcb = udp_lookup(ctx, &us, &peer);
	int err = e->type == ICMP_UNREACH ? udp_unreach_errno(e->code) : 0;
	/* RFC 1122 §4.1.3.3: the error goes up to the application.  As Linux
	 * (without IP_RECVERR), only a hard error, and only to a connected
	 * socket: an unconnected one could not tell which peer it was about. */
	if (pcb == NULL || pcb->remote.port == 0 || err == 0) {
		ctx->stats.drop_udp_icmp++;
		return;
	}
	pcb->so_error = err;
	ctx->stats.udp_icmp_errors++;
	if (ctx->udp->notify != NULL)
		ctx->udp->notify(ctx, pcb->sock, EPOLLERR);
}
