/*
 * core/tcp/tcp_icmp.c - ICMP errors about our segments (RFC 1122 §4.2.3.9,
 * RFC 1191, RFC 5927).
 *
 * Call order: utcp_icmp_input (core/net) -> ctx->l4_error[TCP] (IPv6:
 * utcp_icmp6_input -> ctx->l6_error[TCP] = utcp_tcp_icmp6_error, the same
 * rules with RFC 4443's types and RFC 8201's "packet too big"), which
 * core/stack fills with utcp_tcp_icmp_error when a context is created ->
 * the connection of the quoted segment (flow table) -> RFC 5927 §4.1: its
 * sequence number must lie in SND.UNA..SND.NXT, else the error is dropped
 * (drop_tcp_icmp) -> one of:
 *   "fragmentation needed" (type 3 code 4): path MTU discovery (RFC 1191
 *     §6.4): the send MSS goes down, never below TCP_PMTU_MIN, and the first
 *     unacknowledged segment goes again at the new size;
 *   a hard error (port or protocol unreachable, administratively
 *     prohibited, ...: Linux's fatal codes) while the connection is being
 *     opened: it is aborted (connect() fails with ECONNREFUSED,
 *     EHOSTUNREACH, ...; a passive one goes back to LISTEN);
 *   anything else, and every error on a synchronized connection (RFC 5927
 *     §7: hard errors there are taken as soft): remembered, and reported
 *     instead of ETIMEDOUT if the connection times out (RFC 1122 §4.2.3.9,
 *     as Linux does).
 */
#include <errno.h>
#include <string.h>

#include "core/tcp/tcp.h"
#include "core/base/bytes.h"

#define ICMP_UNREACH 3
#define ICMP_UNREACH_NEEDFRAG 4
#define ICMP_TIME_EXCEEDED 11

/* errno and hardness of each Destination Unreachable code (RFC 792,
 * RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1), as Linux's icmp_err_convert. */
static const struct {
	uint8_t err;
	uint8_t hard;
} tcp_unreach[16] = {
	[0] = { ENETUNREACH, 0 },  [1] = { EHOSTUNREACH, 0 }, [2] = { ENOPROTOOPT, 1 },
	[3] = { ECONNREFUSED, 1 }, [4] = { EMSGSIZE, 0 },     [5] = { EOPNOTSUPP, 0 },
	[6] = { ENETUNREACH, 1 },  [7] = { EHOSTDOWN, 1 },    [8] = { ENONET, 1 },
	[9] = { ENETUNREACH, 1 },  [10] = { EHOSTUNREACH, 1 }, [11] = { ENETUNREACH, 0 },
	[12] = { EHOSTUNREACH, 0 }, [13] = { EHOSTUNREACH, 1 }, [14] = { EHOSTUNREACH, 1 },
	[15] = { EHOSTUNREACH, 1 },
};

/* RFC 1191 §5: a router that names no MTU; the plateau below the length
 * of the datagram it refused. */
static uint32_t tcp_pmtu_plateau(uint32_t len)
{
	static const uint16_t plateau[] = { 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508 };
	for (unsigned i = 0; i < sizeof(plateau) / sizeof(plateau[0]); i++)
		if (plateau[i] < len)
			return plateau[i];
	return TCP_PMTU_MIN;
}

/* RFC 1191 §6.4: lower the MSS, resend what the router refused.  Without
 * SACK the rest goes again behind it (go back N); with SACK, RACK finds
 * the segments sent before the resent one lost once it is delivered. */
static void tcp_pmtu_set(struct utcp_tcb *tp, uint32_t mss);

static void tcp_pmtu_reduce(struct utcp_tcb *tp, const struct utcp_icmp_error *e,
			    const struct utcp_ipv4_view *q)
{
	uint32_t mtu = e->mtu != 0 ? e->mtu : tcp_pmtu_plateau(q->total_len);
	if (mtu < TCP_PMTU_MIN) /* RFC 5927 §7.2: no tiny segments on an attacker's word */
		mtu = TCP_PMTU_MIN;
	tcp_pmtu_set(tp, mtu - UTCP_IPV4_HLEN - TCP_HLEN);
}

static void tcp_pmtu_set(struct utcp_tcb *tp, uint32_t mss)
{
	if (mss >= tp->mss || tp->state < TCPS_ESTABLISHED || tcp_pmtud_off(tp))
		return;
	tp->mss = (uint16_t)mss;
	tp->ctx->stats.tcp_pmtu_updates++;
	if (tp->snd_una == tp->snd_max)
		return;
	if (!(tp->flags & TF_SACK))
		tp->snd_nxt = tp->snd_una;
	tcp_retransmit_first(tp);
	tcp_output_schedule(tp);
}

void utcp_tcp_icmp_error(struct utcp_ctx *ctx, const struct utcp_icmp_error *e,
			 const struct utcp_ipv4_view *q)
{
	uint16_t sport, dport;
	memcpy(&sport, q->payload, 2);
	memcpy(&dport, q->payload + 2, 2);
	uint32_t seq = rd32(q->payload + 4);
	struct utcp_tcb *tp = tcp_flow_lookup(ctx, q->src, sport, q->dst, dport);
	/* RFC 5927 §4.1: only an error about a segment in flight is believed. */
	if (tp == NULL || SEQ_LT(seq, tp->snd_una) || SEQ_GEQ(seq, tp->snd_max)) {
		ctx->stats.drop_tcp_icmp++;
		return;
	}
	if (e->type == ICMP_UNREACH && e->code == ICMP_UNREACH_NEEDFRAG) {
		tcp_pmtu_reduce(tp, e, q);
		return;
	}
	int err = EHOSTUNREACH, hard = 0; /* time exceeded (Linux: EHOSTUNREACH) */
	if (e->type == ICMP_UNREACH && e->code < 16) {
		err = tcp_unreach[e->code].err;
		hard = tcp_unreach[e->code].hard;
	} else if (e->type != ICMP_TIME_EXCEEDED) {
		err = EPROTO; /* parameter problem */
	}
	/* RFC 1122 §4.2.3.9: hard errors abort a connection being opened. */
	if (hard && (tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED)) {
		ctx->stats.tcp_icmp_aborts++;
		tcp_drop(tp, (tp->flags & TF_PASSIVE) ? 0 : err);
		return;
	}
	tp->soft_error = err;
}

/* ---- ICMPv6 (RFC 4443 §3) -------------------------------------------------- */

#define ICMP6_DST_UNREACH 1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3

/* errno and hardness of each Destination Unreachable code (RFC 4443 §3.1),
 * as Linux's icmpv6_err_convert: no route, beyond scope, address and
 * source-policy failures are soft (EHOSTUNREACH / ENETUNREACH), refused by
 * policy (1, 5, 6: EACCES) and port unreachable (4: ECONNREFUSED) hard. */
static const struct {
	uint8_t err;
	uint8_t hard;
} tcp_unreach6[8] = {
	[0] = { ENETUNREACH, 0 }, [1] = { EACCES, 1 },   [2] = { EHOSTUNREACH, 0 },
	[3] = { EHOSTUNREACH, 0 }, [4] = { ECONNREFUSED, 1 }, [5] = { EACCES, 1 },
	[6] = { EACCES, 1 },      [7] = { EHOSTUNREACH, 0 },
};

/* RFC 8201 §4: "packet too big" names the next hop's MTU; never below the
 * IPv6 minimum (RFC 8200 §5: a smaller one is taken as 1280). */
static void tcp_pmtu6(struct utcp_tcb *tp, uint32_t mtu)
{
	if (mtu < UTCP_IPV6_MIN_MTU)
		mtu = UTCP_IPV6_MIN_MTU;
	tcp_pmtu_set(tp, mtu - UTCP_IPV6_HLEN - TCP_HLEN);
}

void utcp_tcp_icmp6_error(struct utcp_ctx *ctx, const struct utcp_icmp6_error *e,
			  const struct utcp_ipv6_view *q)
{
	struct tcp_addr6 a6 = { .laddr = q->src, .raddr = q->dst };
	uint16_t sport, dport;
	memcpy(&sport, q->payload, 2);
	memcpy(&dport, q->payload + 2, 2);
	uint32_t seq = rd32(q->payload + 4);
	struct utcp_tcb *tp = tcp_flow_lookup6(ctx, &a6, tcp_addr6_key(ctx, &q->src), sport,
					       tcp_addr6_key(ctx, &q->dst), dport);
	/* RFC 5927 §4.1: only an error about a segment in flight is believed. */
	if (tp == NULL || SEQ_LT(seq, tp->snd_una) || SEQ_GEQ(seq, tp->snd_max)) {
		ctx->stats.drop_tcp_icmp++;
		return;
	}
	if (e->type == ICMP6_PACKET_TOO_BIG) {
		tcp_pmtu6(tp, e->param);
		return;
	}
	int err = EHOSTUNREACH, hard = 0; /* time exceeded */
	if (e->type == ICMP6_DST_UNREACH) {
		err = e->code < 8 ? tcp_unreach6[e->code].err : EHOSTUNREACH;
		hard = e->code < 8 && tcp_unreach6[e->code].hard;
	} else if (e->type != ICMP6_TIME_EXCEEDED) {
		err = EPROTO; /* parameter problem */
		hard = 1;     /* Linux: ICMPV6_PARAMPROB is fatal */
	}
	if (hard && (tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED)) {
		ctx->stats.tcp_icmp_aborts++;
		tcp_drop(tp, (tp->flags & TF_PASSIVE) ? 0 : err);
		return;
	}
	tp->soft_error = err;
}
