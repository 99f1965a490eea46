/*
 * core/tcp/tcp_syncookie.c - SYN cookies (RFC 4987 §3.6): when a listener's
 * SYN queue is full, a SYN is answered with a SYN-ACK whose ISS encodes the
 * connection, and no state is kept; the ACK that echoes it recreates the
 * connection.
 *
 * Call order: tcp_passive_open (SYN queue full) -> tcp_syncookie_send;
 * tcp_in_listen (an ACK for a listener) -> tcp_syncookie_check -> the
 * SYN-RECEIVED handler completes the handshake as for any other TCB.
 *
 * The cookie (the ISS) is 32 bits:
 *
 *   31..27  t mod 32, t = now / 64 s        accepted for two periods
 *   26..24  index of the MSS in cookie_mss  (largest not above the peer's)
 *   23..0   SipHash(secret, 4-tuple, peer's ISN, t, index) mod 2^24
 *
 * so that a forged ACK must guess 24 bits for one 4-tuple, and a cookie
 * older than two periods is refused.  What else the SYN negotiated travels
 * in the low six bits of our TSval when the peer sent timestamps (as Linux
 * does): the peer's window shift (0xf: none) and SACK-permitted; without
 * timestamps the connection has neither window scaling nor SACK (RFC 4987
 * §3.6: the trade-off of stateless SYNs).  The secret is the context's
 * RFC 6528 key, with a domain tag, so cookies and ISNs never share a hash.
 */
#include <string.h>

#include "core/base/hash.h"
#include "core/tcp/tcp.h"
#include "core/base/bytes.h"

#define COOKIE_PERIOD (64 * UTCP_NSEC_PER_SEC)
#define COOKIE_TS_BITS 6
#define COOKIE_TS_MASK ((1u << COOKIE_TS_BITS) - 1)
#define COOKIE_NO_WS 0xf
#define COOKIE_SACK 0x10

/* MSS values a cookie can carry (TCP_MIN_MSS, RFC 9293's default, common
 * tunnel and Ethernet sizes, jumbo frames). */
static const uint16_t cookie_mss[8] = { TCP_MIN_MSS, 536, 1220, 1300, 1440, 1460, 4312, 8960 };

static uint32_t cookie_hash(const struct utcp_ctx *ctx, const struct tcp_seg *s, uint8_t tag,
			    uint32_t peer_isn, uint32_t t, uint8_t idx)
{
	uint8_t in[26];
	in[0] = 'C';
	in[1] = tag;
	memcpy(in + 2, &s->daddr, 4);
	memcpy(in + 6, &s->dport, 2);
	memcpy(in + 8, &s->saddr, 4);
	memcpy(in + 12, &s->sport, 2);
	memcpy(in + 14, &peer_isn, 4);
	memcpy(in + 18, &t, 4);
	in[22] = idx;
	in[23] = in[24] = in[25] = 0;
	return (uint32_t)utcp_siphash(ctx->tcp->isn_key, in, sizeof(in));
}

static uint32_t cookie_make(const struct utcp_ctx *ctx, const struct tcp_seg *s,
			    uint32_t peer_isn, uint32_t t, uint8_t idx)
{
	return (t & 31) << 27 | (uint32_t)idx << 24 |
	       (cookie_hash(ctx, s, 'I', peer_isn, t, idx) & 0xffffff);
}

/* Our TSval clock for this peer: what its TCB's ts_offset will be. */
static uint32_t cookie_ts_offset(struct utcp_ctx *ctx, const struct tcp_seg *s)
{
	return tcp_ts_offset(ctx, s->daddr, s->saddr);
}

static uint8_t cookie_mss_index(const struct tcp_seg *s)
{
	uint16_t mss = (s->opt.flags & TOF_MSS) ? s->opt.mss : TCP_DEFAULT_MSS;
	uint8_t i = 7;
	while (i > 0 && cookie_mss[i] > mss)
		i--;
	return i;
}

/* TSval of the cookie SYN-ACK: our clock with its low bits replaced by the
 * options, never ahead of the clock (the TCB's later TSvals must not go
 * back, RFC 7323 §5.4). */
static uint32_t cookie_tsval(struct utcp_ctx *ctx, const struct tcp_seg *s)
{
	uint32_t now = (uint32_t)(ctx->now / UTCP_NSEC_PER_MSEC) + cookie_ts_offset(ctx, s);
	uint32_t opts = (s->opt.flags & TOF_WSCALE) ? s->opt.wscale : COOKIE_NO_WS;
	if (s->opt.flags & TOF_SACK_PERM)
		opts |= COOKIE_SACK;
	uint32_t ts = (now & ~COOKIE_TS_MASK) | opts;
	if ((int32_t)(ts - now) > 0)
		ts -= COOKIE_TS_MASK + 1;
	return ts;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* SYN-ACK options, in tcp_output.c's layout: MSS, then timestamps only if
 * the peer sent them (they carry WS and SACK-permitted), window scale. */
static unsigned cookie_opts(struct utcp_ctx *ctx, const struct tcp_seg *s, uint16_t mss,
			    uint8_t *p)
{
	unsigned n = 0;
	int ts = (s->opt.flags & TOF_TS) && !ctx->tcp->no_ts; /* tcp_timestamps */
	p[n++] = TCPOPT_MSS;
	p[n++] = 4;
	wr16(p + n, mss);
	n += 2;
	if (ts) {
		if ((s->opt.flags & TOF_SACK_PERM) && !ctx->tcp->no_sack) {
			p[n++] = TCPOPT_SACK_PERM;
			p[n++] = 2;
		} else {
			p[n++] = TCPOPT_NOP;
			p[n++] = TCPOPT_NOP;
		}
		p[n++] = TCPOPT_TIMESTAMP;
		p[n++] = 10;
		put32(p + n, cookie_tsval(ctx, s));
		put32(p + n + 4, s->opt.tsval);
		n += 8;
		if ((s->opt.flags & TOF_WSCALE) && !ctx->tcp->no_ws) {
			p[n++] = TCPOPT_NOP;
			p[n++] = TCPOPT_WSCALE;
			p[n++] = 3;
			p[n++] = tcp_wscale_for(ctx, ctx->tcp->rcvbuf);
		}
	}
	return n;
}

/* The window our SYN-ACK offers, as its TCB will compute it. */
static uint16_t cookie_window(const struct utcp_ctx *ctx, const struct tcp_listener *l)
{
	uint32_t cap = l->rcvbuf < ctx->tcp->rcvbuf ? l->rcvbuf : ctx->tcp->rcvbuf;
	if (!tcp_bufs_offer(ctx->tcp))
		return 0; /* no rings to spare: the window opens when they come */
	return (uint16_t)(cap > 65535 ? 65535 : cap);
}

static uint16_t cookie_our_mss(struct utcp_ctx *ctx, const struct tcp_listener *l,
			       const struct tcp_seg *s, int port)
{
	uint16_t mss = s->a6 != NULL ? tcp_route_mss6(ctx, port) : tcp_route_mss(ctx, port);
	return l->user_mss != 0 && l->user_mss < mss ? l->user_mss : mss;
}

void tcp_syncookie_send(struct utcp_ctx *ctx, const struct tcp_listener *l,
			const struct tcp_seg *s)
{
	int port;
	if (tcp_seg_route(ctx, s, &port) < 0)
		return;
	uint32_t t = (uint32_t)(ctx->now / COOKIE_PERIOD);
	struct tcp_out o = { .seq = cookie_make(ctx, s, s->seq, t, cookie_mss_index(s)),
			     .ack = s->seq + 1, .flags = TH_SYN | TH_ACK,
			     .win = cookie_window(ctx, l), .a6 = s->a6 };
	o.optlen = cookie_opts(ctx, s, cookie_our_mss(ctx, l, s, port), o.opt);
	ctx->stats.tcp_syn_cookies_sent++;
	tcp_xmit(ctx, port, s->daddr, s->dport, s->saddr, s->sport, &o, NULL, UTCP_TX_CTRL);
}

/* The MSS index if SEG.ACK - 1 is a cookie we made in the last two
 * periods for this segment's 4-tuple and ISN, else -1. */
static int cookie_valid(const struct utcp_ctx *ctx, const struct tcp_seg *s)
{
	uint32_t c = s->ack - 1, now_t = (uint32_t)(ctx->now / COOKIE_PERIOD);
	uint8_t idx = (uint8_t)((c >> 24) & 7);
	for (uint32_t age = 0; age < 2 && age <= now_t; age++) {
		uint32_t t = now_t - age;
		if ((t & 31) == c >> 27 && cookie_make(ctx, s, s->seq - 1, t, idx) == c)
			return idx;
	}
	return -1;
}

/* The SYN the cookie stands for: its ISN, MSS and what the echoed TSval
 * says of window scaling and SACK. */
static void cookie_syn(const struct tcp_seg *s, int idx, struct tcp_seg *syn)
{
	*syn = *s;
	syn->seq = s->seq - 1;
	syn->flags = TH_SYN;
	syn->len = syn->len0 = 0;
	memset(&syn->opt, 0, sizeof(syn->opt));
	syn->opt.flags = TOF_MSS;
	syn->opt.mss = cookie_mss[idx];
	if (!(s->opt.flags & TOF_TS))
		return;
	uint32_t opts = s->opt.tsecr & COOKIE_TS_MASK;
	syn->opt.flags |= TOF_TS;
	syn->opt.tsval = s->opt.tsval;
	if ((opts & COOKIE_NO_WS) != COOKIE_NO_WS) {
		syn->opt.flags |= TOF_WSCALE;
		syn->opt.wscale = (uint8_t)(opts & COOKIE_NO_WS);
	}
	if (opts & COOKIE_SACK)
		syn->opt.flags |= TOF_SACK_PERM;
}

struct utcp_tcb *tcp_syncookie_check(struct utcp_ctx *ctx, struct tcp_listener *l,
				     const struct tcp_seg *s, int *drop)
{
	uint32_t max = l->backlog > 0 ? (uint32_t)l->backlog : 1;
	struct tcp_seg syn;
	*drop = 0;
	if (!ctx->cfg->tcp_syncookies || (s->flags & (TH_SYN | TH_RST)))
		return NULL;
	int idx = cookie_valid(ctx, s);
	if (idx < 0)
		return NULL;
	if (l->naccept >= max) { /* accept queue full: as if the ACK was lost */
		ctx->stats.drop_tcp_backlog++;
		*drop = 1;
		return NULL;
	}
	cookie_syn(s, idx, &syn);
	struct utcp_tcb *tp = tcp_passive_tcb(ctx, l, &syn, s->ack - 1);
	if (tp == NULL) {
		*drop = 1;
		return NULL;
	}
	/* As if our SYN-ACK had just been sent: */
	tp->snd_nxt = tp->snd_max = tp->iss + 1;
	tp->rcv_wnd = cookie_window(ctx, l);
	tp->rcv_adv = tp->rcv_nxt + tp->rcv_wnd;
	tp->ts_offset = cookie_ts_offset(ctx, s);
	tp->rtt_start = UTCP_TIME_NEVER; /* when it left is unknown: no RTT sample */
	ctx->stats.tcp_syn_cookies_ok++;
	return tp;
}
