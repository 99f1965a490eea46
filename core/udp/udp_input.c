/*
 * core/udp/udp_input.c - datagrams in (RFC 768, RFC 1122 §4.1.3) and the
 * ICMP errors about datagrams we sent (RFC 1122 §4.1.3.3).
 *
 * Call order: utcp_ipv4_input -> ctx->l4_input[17] = utcp_udp_input, and
 *   utcp_ipv6_input -> ctx->l6_input[17] = utcp_udp6_input ->
 *   utcp_udp_parse (lengths; drop_udp_short, drop_udp_len) -> checksum
 *   (drop_udp_cksum; zero accepted on IPv4, dropped on IPv6) -> udp_lookup
 *   -> no endpoint: ICMP / ICMPv6 port unreachable, rate-limited
 *   (drop_udp_no_port) |
 *   udp_rq_push (drop_udp_rcvbuf when full) -> udp->notify(EPOLLIN).
 * utcp_icmp_input -> ctx->l4_error[17] = utcp_udp_icmp_error (and
 *   utcp_icmp6_input -> ctx->l6_error[17] = utcp_udp6_icmp_error) -> the
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

/* A datagram whose header and checksum passed: to its endpoint, or 0
 * when none takes it (the caller answers with port unreachable). */
static int udp_deliver(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		       const struct udp_ep *src, const struct udp_ep *dst, uint16_t ulen)
{
	pkt->len = ulen; /* what follows Length is padding */
	struct udp_pcb *pcb = udp_lookup(ctx, dst, src);
	/* A copy every queue of a multi-queue NIC was handed (IPv6 is not
	 * steered by RSS): only a socket connected to its source takes it; the
	 * context that got the original serves the others, so that no
	 * datagram is read twice. */
	if (pcb != NULL && (pkt->ol_flags & UTCP_PKT_RX_COPY) && pcb->remote.port == 0)
		pcb = NULL;
	if (pcb == NULL) {
		ctx->stats.drop_udp_no_port++;
		return 0;
	}
	if (udp_rq_push(ctx, pcb, port, pkt) < 0) {
		ctx->stats.drop_udp_rcvbuf++;
		utcp_ctx_free(ctx, port, pkt);
		return 1;
	}
	ctx->stats.udp_rx_delivered++;
	if (ctx->udp->notify != NULL)
		ctx->udp->notify(ctx, pcb->sock, EPOLLIN | EPOLLRDNORM);
	return 1;
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
	if (udp_deliver(ctx, port, pkt, &src, &dst, v.ulen))
		return;
	/* RFC 1122 §4.1.3.1: port unreachable (RFC 792 code 3); the
	 * destination was our unicast address (utcp_ipv4_input). */
	utcp_icmp_unreach_output(ctx, ip, UTCP_ICMP_UNREACH_PORT);
drop:
	utcp_ctx_free(ctx, port, pkt);
}

#define ICMP6_DST_UNREACH 1       /* RFC 4443 §3.1 */
#define ICMP6_UNREACH_PORT 4
#define ICMP6_PACKET_TOO_BIG 2    /* §3.2 */
#define ICMP6_TIME_EXCEEDED 3     /* §3.3 */
#define ICMP6_PARAM_PROB 4        /* §3.4 */

void utcp_udp6_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_ipv6_view *ip)
{
	struct utcp_udp_view v;
	struct udp_ep src = { .addr = { .family = AF_INET6 } }, dst = src;
	int err;

	ctx->stats.udp_rx++;
	err = utcp_udp_parse(pkt->data, pkt->len, &v);
	if (err != UTCP_PARSE_OK) {
		udp_count_drop(&ctx->stats, err);
		goto drop;
	}
	memcpy(src.addr.u.v6, ip->src.b, 16);
	src.port = v.sport;
	memcpy(dst.addr.u.v6, ip->dst.b, 16);
	dst.port = v.dport;
	/* RFC 8200 §8.1: "IPv6 receivers must discard UDP packets containing
	 * a zero checksum" (whatever a NIC says of it), counted as a bad one. */
	if (v.cksum == 0 || !udp_rx_csum_ok(pkt, &src, &dst, v.ulen)) {
		ctx->stats.drop_udp_cksum++;
		goto drop;
	}
	if (udp_deliver(ctx, port, pkt, &src, &dst, v.ulen))
		return;
	/* RFC 4443 §3.1 code 4, from utcp_icmp6_error_output: its §2.4(e)
	 * exceptions (a datagram to a group draws nothing) and §2.4(f) rate.
	 * A copy every queue of a multi-queue NIC was handed is not answered:
	 * the endpoint may be another queue's. */
	if (!(pkt->ol_flags & UTCP_PKT_RX_COPY))
		utcp_icmp6_error_output(ctx, port, ICMP6_DST_UNREACH, ICMP6_UNREACH_PORT, 0,
					ip->hdr, UTCP_IPV6_HLEN + (size_t)ip->plen);
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

/* ICMPv6 errors and their errno (Linux icmpv6_err_convert): destination
 * unreachable and parameter problem are hard errors, packet too big and
 * time exceeded soft ones (RFC 4443 §3). */
static int udp6_icmp_errno(uint8_t type, uint8_t code)
{
	static const uint8_t unreach[7] = {
		ENETUNREACH,  /* 0 no route to destination */
		EACCES,       /* 1 administratively prohibited */
		EHOSTUNREACH, /* 2 beyond scope of source address */
		EHOSTUNREACH, /* 3 address unreachable */
		ECONNREFUSED, /* 4 port unreachable */
		EACCES,       /* 5 source address failed policy */
		EACCES,       /* 6 reject route to destination */
	};
	if (type == ICMP6_DST_UNREACH)
		return code < 7 ? unreach[code] : EPROTO;
	if (type == ICMP6_PARAM_PROB)
		return EPROTO;
	return 0; /* ICMP6_PACKET_TOO_BIG, ICMP6_TIME_EXCEEDED: soft */
}

/* RFC 8201 §4: a Packet Too Big about a datagram to the connected peer
 * lowers its path MTU, never below the IPv6 minimum (1280) and never up
 * (§4: "a node MUST NOT increase its estimate" on a Packet Too Big).
 * utcp does not fragment, so larger datagrams become EMSGSIZE; a soft
 * error otherwise (Linux reports it only with IPV6_RECVERR). */
static void udp6_learn_pmtu(struct utcp_ctx *ctx, struct udp_pcb *pcb, uint32_t mtu)
{
	if (mtu < UTCP_IPV6_MIN_MTU)
		mtu = UTCP_IPV6_MIN_MTU;
	if (pcb->pmtu == 0 || mtu < pcb->pmtu)
		pcb->pmtu = (uint16_t)(mtu > 0xffff ? 0xffff : mtu);
	ctx->stats.udp_icmp_errors++;
}

void utcp_udp6_icmp_error(struct utcp_ctx *ctx, const struct utcp_icmp6_error *e,
			  const struct utcp_ipv6_view *quoted)
{
	const uint8_t *h = quoted->payload; /* the quoted UDP header (icmp6.c: 8 octets) */
	struct udp_ep us = { .addr = { .family = AF_INET6 } }, peer = us;
	memcpy(us.addr.u.v6, quoted->src.b, 16);
	memcpy(peer.addr.u.v6, quoted->dst.b, 16);
	memcpy(&us.port, h, 2);
	memcpy(&peer.port, h + 2, 2);
	struct udp_pcb *pcb = udp_lookup(ctx, &us, &peer);
	int err = udp6_icmp_errno(e->type, e->code);
	if (pcb != NULL && pcb->remote.port != 0 && e->type == ICMP6_PACKET_TOO_BIG) {
		udp6_learn_pmtu(ctx, pcb, e->param);
		return;
	}
	/* RFC 1122 §4.1.3.3 (RFC 4443 §3's errors alike): as Linux without
	 * IPV6_RECVERR, a hard error, to a connected socket only. */
	if (pcb == NULL || pcb->remote.port == 0 || err == 0) {
		ctx->stats.drop_udp_icmp++;
		return;
	}
	pcb->so_error = err;
	ctx->stats.udp_icmp_errors++;
	if (ctx->udp->notify != NULL)
		ctx->udp->notify(ctx, pcb->sock, EPOLLERR);
}
