/*
 * core/tcp/tcp_output.c - building and sending segments.
 *
 * Call order: utcp_tcp_output (end of a round, for every connection on the
 * output list) -> tcp_output -> tcp_output_fast (the usual single
 * segment, built directly) or tcp_output_data (as much as the windows,
 * Nagle and SWS avoidance allow) -> a pure ACK if one is still owed.
 * Control segments (SYN, SYN-ACK, RST, keepalive and window probes) are
 * built directly by the functions below, from input and timer handlers.
 * Every segment goes to utcp_ipv4_output (an IPv6 connection's, or a reply
 * to an IPv6 segment, with tcp_out.a6 set: utcp_ipv6_output_tc, RFC 8200
 * §8.1's pseudo-header) in its transmit class: SYN, FIN
 * and RST as CTRL, pure ACKs as ACK, data as DATA.  Payload is copied from
 * the send ring; no packet is kept for retransmission.
 *
 * The output list: input, timers and the socket layer put a connection on
 * it (tcp_output_schedule) instead of sending at once, so that one round
 * sends one segment train per connection, with the ACK for everything
 * that arrived.
 */
#include <errno.h>
#include <string.h>

#include "core/tcp/tcp.h"
#include "core/base/bytes.h"
#include "core/net/ipv4_out.h"

uint32_t tcp_ts_now(const struct utcp_tcb *tp)
{
	return (uint32_t)(tp->ctx->now / UTCP_NSEC_PER_MSEC) + tp->ts_offset;
}

/* ---- segment assembly -------------------------------------------------- */

/* Header + options + payload into a fresh buffer, checksum, IPv4 output. */
int tcp_xmit(struct utcp_ctx *ctx, int port, uint32_t laddr, uint16_t lport, uint32_t raddr,
	     uint16_t rport, const struct tcp_out *o, const struct tcp_sndbuf *snd,
	     enum utcp_tx_class cls)
{
	struct utcp_pkt *pkt = o->pkt;
	if (ctx->tcp->quiet) { /* the context is being torn down */
		if (pkt != NULL)
			utcp_ctx_free(ctx, port, pkt);
		return 0;
	}
	if (pkt == NULL)
		pkt = utcp_ctx_alloc(ctx, port);
	if (pkt == NULL) {
		errno = ENOBUFS;
		return -1;
	}
	unsigned hlen = TCP_HLEN + o->optlen;
	uint32_t l4len = hlen + o->data_len;
	if (l4len > utcp_pkt_tailroom(pkt)) {
		utcp_ctx_free(ctx, port, pkt);
		errno = EMSGSIZE;
		return -1;
	}
	uint8_t *h = pkt->data;
	memcpy(h, &lport, 2);
	memcpy(h + 2, &rport, 2);
	wr32(h + 4, o->seq);
	wr32(h + 8, o->ack);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = o->flags;
	wr16(h + 14, o->win);
	memset(h + 16, 0, 4);
	if (o->optlen == 12) /* timestamps alone: a copy of known size, inline */
		memcpy(h + TCP_HLEN, o->opt, 12);
	else
		memcpy(h + TCP_HLEN, o->opt, o->optlen);
	if (o->data_len > 0)
		tcp_sndbuf_copy(snd, o->data_off, h + hlen, o->data_len);
	pkt->len = (uint16_t)l4len;

	const struct tcp_addr6 *a6 = o->a6;
	uint32_t sum = a6 == NULL ? utcp_csum_pseudo(laddr, raddr, UTCP_IPPROTO_TCP, (uint16_t)l4len)
				  : utcp_csum_pseudo6(&a6->laddr, &a6->raddr, UTCP_IPPROTO_TCP, l4len);
	uint16_t csum;
	if (o->pkt != NULL) { /* TSO: the NIC cuts the frame and sums each piece */
		pkt->ol_flags |= UTCP_PKT_TX_TCP_SEG | UTCP_PKT_TX_TCP_CKSUM;
		pkt->tso_segsz = o->tso_segsz;
		csum = (uint16_t)~utcp_csum_fold(sum);
	} else if (ctx_nic(ctx, port)->caps.offloads & UTCP_NIC_TX_TCP_CKSUM) {
		pkt->ol_flags |= UTCP_PKT_TX_TCP_CKSUM;
		csum = (uint16_t)~utcp_csum_fold(sum);
	} else {
		csum = utcp_csum_fold(utcp_csum_partial(h, l4len, sum));
	}
	memcpy(h + 16, &csum, 2);
	ctx->stats.tcp_tx++;
	if (o->flags & TH_RST)
		ctx->stats.tcp_rst_tx++;
	if (a6 != NULL) /* RFC 8200 §8.1 pseudo-header above; no DF in IPv6 */
		return utcp_ipv6_output_tc(ctx, port, pkt, &a6->laddr, &a6->raddr, UTCP_IPPROTO_TCP,
					   0, cls, o->tos, a6->flow);
	if (utcp_ipv4_out_memo(ctx, pkt, laddr, raddr, UTCP_IPPROTO_TCP, cls, o->tos, !o->no_df))
		return 0; /* inline, the usual case */
	return utcp_ipv4_output_tos(ctx, pkt, laddr, raddr, UTCP_IPPROTO_TCP, cls, o->tos, !o->no_df);
}

/* ---- options ----------------------------------------------------------- */

static unsigned opt_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	p[0] = TCPOPT_NOP;
	p[1] = TCPOPT_NOP;
	p[2] = TCPOPT_TIMESTAMP;
	p[3] = 10;
	wr32(p + 4, tsval);
	wr32(p + 8, tsecr);
	return 12;
}

static unsigned put_block(uint8_t *p, unsigned n, const struct tcp_sack_block *b)
{
	wr32(p + 4 + 8 * n, b->start);
	wr32(p + 8 + 8 * n, b->end);
	return n + 1;
}

/* RFC 2018 §4: the first block reports the most recently received
 * segment's range, then the most recently reported ones, as many as fit
 * (tcp_ooo_sack_blocks).  RFC 2883 §4: a D-SACK block goes first,
 * followed by the range containing it if any. */
static unsigned opt_sack(struct utcp_tcb *tp, uint8_t *p, unsigned room)
{
	const struct tcp_rcvbuf *b = &tp->rcv;
	int dsack = (tp->flags & TF_DSACK) != 0;
	unsigned max = room >= 12 ? (room - 4) / 8 : 0, n = 0;
	if ((b->nooo == 0 && !dsack) || max == 0)
		return 0;
	struct tcp_sack_block blk[4];
	if (max > 4)
		max = 4;
	if (dsack)
		blk[n++] = tp->dsack;
	n += tcp_ooo_sack_blocks(b, dsack ? &tp->dsack.start : NULL, blk + n, max - n);
	p[0] = TCPOPT_NOP;
	p[1] = TCPOPT_NOP;
	p[2] = TCPOPT_SACK;
	for (unsigned i = 0; i < n; i++)
		put_block(p, i, &blk[i]);
	p[3] = (uint8_t)(2 + 8 * n);
	tp->ctx->stats.tcp_sack_blocks_tx += n;
	return 4 + 8 * n;
}

/* Options on a synchronized-state segment: timestamps, then SACK blocks. */
static unsigned tcp_opts_fill(struct utcp_tcb *tp, uint8_t *p)
{
	/* The usual layout, timestamps alone (no SACK block owed): the same
	 * bytes without opt_sack's checks. */
	if ((tp->flags & (TF_TS | TF_DSACK)) == TF_TS && tp->rcv.nooo == 0)
		return opt_ts(p, tcp_ts_now(tp), tp->ts_recent);
	unsigned n = 0;
	if (tp->flags & TF_TS)
		n += opt_ts(p, tcp_ts_now(tp), tp->ts_recent);
	if (tp->flags & TF_SACK)
		n += opt_sack(tp, p + n, TCP_MAX_OPTLEN - n);
	return n;
}

/* SYN options (RFC 9293 §3.7.1 MSS; RFC 7323 WS, TS; RFC 2018 SACK-permitted),
 * in Linux's layout.  On a SYN-ACK only what the peer offered (RFC 7323
 * §2.2, §3.2; RFC 2018 §2). */
static unsigned tcp_syn_opts(struct utcp_tcb *tp, uint8_t *p)
{
	const struct utcp_tcp_ctx *t = tp->ctx->tcp;
	int synack = tp->state == TCPS_SYN_RECEIVED;
	int ws = synack ? (tp->flags & TF_RCV_WSCALE) != 0 : !t->no_ws;
	int ts = synack ? (tp->flags & TF_TS) != 0 : !t->no_ts;
	int sack = synack ? (tp->flags & TF_SACK) != 0 : !t->no_sack;
	unsigned n = 0;
	p[n++] = TCPOPT_MSS;
	p[n++] = 4;
	wr16(p + n, tp->our_mss);
	n += 2;
	if (sack && ts) {
		p[n++] = TCPOPT_SACK_PERM;
		p[n++] = 2;
		p[n++] = TCPOPT_TIMESTAMP;
		p[n++] = 10;
		wr32(p + n, tcp_ts_now(tp));
		wr32(p + n + 4, synack ? tp->ts_recent : 0);
		n += 8;
	} else if (ts) {
		n += opt_ts(p + n, tcp_ts_now(tp), synack ? tp->ts_recent : 0);
	} else if (sack) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_SACK_PERM;
		p[n++] = 2;
	}
	if (ws) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_WSCALE;
		p[n++] = 3;
		p[n++] = tp->rcv_wscale;
	}
	return n;
}

/* ---- receive window ------------------------------------------------------ */

/* The window to advertise, in bytes, and the new right edge (rcv_adv).
 * RFC 9293 §3.8.6.2.2: the right edge only moves when it can move by
 * min(RCV.BUFF / 2, MSS) (receiver SWS avoidance), and never moves left
 * (§3.8.6.2.1).  The field is scaled (RFC 7323 §2.3), rounding down. */
uint32_t tcp_rcv_window(struct utcp_tcb *tp)
{
	const struct tcp_rcvbuf *b = &tp->rcv;
	uint32_t free = b->mem == NULL ? tcp_rcv_space(tp) /* the ring it may take */
			: b->cap > b->len ? b->cap - b->len : 0;
	uint32_t cur = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	uint32_t sws = b->cap / 2 < tp->our_mss ? b->cap / 2 : tp->our_mss;
	uint32_t wnd = free;
	if (wnd <= cur || wnd - cur < sws)
		wnd = cur;
	uint8_t s = (tp->flags & TF_RCV_WSCALE) ? tp->rcv_wscale : 0;
	uint32_t max = (uint32_t)65535 << s;
	if (wnd > max)
		wnd = max;
	wnd = (wnd >> s) << s;
	if (SEQ_GT(tp->rcv_nxt + wnd, tp->rcv_adv))
		tp->rcv_adv = tp->rcv_nxt + wnd;
	tp->rcv_wnd = tp->rcv_adv - tp->rcv_nxt;
	return wnd;
}

static uint16_t tcp_win_field(struct utcp_tcb *tp)
{
	uint32_t wnd = tcp_rcv_window(tp);
	uint8_t s = (tp->flags & TF_RCV_WSCALE) ? tp->rcv_wscale : 0;
	return (uint16_t)(wnd >> s);
}

/* An ACK goes out with this segment: no ACK is owed any more. */
static void tcp_ack_sent(struct utcp_tcb *tp)
{
	if (tp->flags & TF_DSACK) /* RFC 2883 §4: each duplicate reported once */
		tp->ctx->stats.tcp_dsack_tx++;
	tp->flags &= ~(TF_ACKNOW | TF_DELACK | TF_DSACK);
	utcp_timer_cancel(&tp->ctx->timers, &tp->t_delack);
	tp->rcv_unacked = 0;
	tp->last_ack_sent = tp->rcv_nxt;
}

static int tcp_xmit_tcb(struct utcp_tcb *tp, const struct tcp_out *o, enum utcp_tx_class cls)
{
	tp->last_snd = tp->ctx->now;
	int no_df = tcp_no_df(tp);
	if (tp->ip_tos != 0 || no_df || tp->ecn != 0 || tp->is6) { /* IP_TOS, IP_MTU_DISCOVER, ECN, IPv6 */
		struct tcp_out c = *o;
		c.tos = (uint8_t)(tp->ip_tos | (o->tos & UTCP_IP_ECN_MASK));
		c.flags = tcp_ecn_flags(tp, o->flags);
		c.no_df = (uint8_t)no_df;
		c.a6 = tp->is6 ? &tp->a6 : NULL;
		return tcp_xmit(tp->ctx, tp->port, tp->laddr, tp->lport, tp->raddr, tp->rport, &c,
				&tp->snd, cls);
	}
	return tcp_xmit(tp->ctx, tp->port, tp->laddr, tp->lport, tp->raddr, tp->rport, o,
			&tp->snd, cls);
}

/* ---- control segments ---------------------------------------------------- */

int tcp_send_syn(struct utcp_tcb *tp)
{
	struct tcp_out o = { .seq = tp->iss, .flags = TH_SYN };
	/* RFC 7323 §2.2: the window in a SYN is never scaled. */
	uint32_t free = tcp_rcv_space(tp);
	o.win = (uint16_t)(free > 65535 ? 65535 : free);
	if (tp->state == TCPS_SYN_RECEIVED) {
		o.flags |= TH_ACK;
		o.ack = tp->rcv_nxt;
		tp->rcv_adv = tp->rcv_nxt + o.win;
		tp->rcv_wnd = o.win;
		tcp_ack_sent(tp);
	}
	o.optlen = tcp_syn_opts(tp, o.opt);
	tcp_ecn_syn_out(tp, &o); /* RFC 3168 §6.1.1 */
	tp->snd_nxt = tp->iss + 1;
	if (tp->tfo != 0) /* RFC 7413: the Fast Open option, data with a cookie */
		tcp_fastopen_syn(tp, &o);
	if (SEQ_GT(tp->snd_nxt, tp->snd_max))
		tp->snd_max = tp->snd_nxt;
	if (!utcp_timer_pending(&tp->t_rexmt))
		tcp_rexmt_arm(tp);
	return tcp_xmit_tcb(tp, &o, UTCP_TX_CTRL);
}

/* SEQ for a segment without data: SND.NXT (snd_max), unless that lies
 * beyond the peer's window -- data sent before the window closed, dropped
 * by the peer -- when the peer's acceptability test (RFC 9293 §3.10.7.4)
 * would discard it, ACK field and all; then the window's right edge (as
 * Linux's tcp_acceptable_seq). */
static uint32_t tcp_acceptable_seq(const struct utcp_tcb *tp)
{
	uint32_t edge = tp->snd_una + tp->snd_wnd;
	return SEQ_GT(tp->snd_max, edge) ? edge : tp->snd_max;
}

int tcp_send_ack(struct utcp_tcb *tp)
{
	struct tcp_out o = { .seq = tcp_acceptable_seq(tp), .ack = tp->rcv_nxt, .flags = TH_ACK };
	o.win = tcp_win_field(tp);
	o.optlen = tcp_opts_fill(tp, o.opt);
	tcp_ack_sent(tp);
	return tcp_xmit_tcb(tp, &o, UTCP_TX_ACK);
}

/* RFC 9293 §3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST> (inside the peer's window),
 * with TSopt once negotiated (RFC 7323 §3.2 SHOULD; Linux does).  With
 * tcp_rst_ack also <ACK=RCV.NXT><CTL=RST,ACK>, as Linux: the RFC's form
 * leaves the ACK bit open, and a peer takes the RST by its sequence
 * number either way (RFC 5961 §3.2). */
int tcp_send_rst(struct utcp_tcb *tp)
{
	struct tcp_out o = { .seq = tcp_acceptable_seq(tp), .flags = TH_RST };
	if (tp->ctx->tcp->rst_ack) {
		o.flags |= TH_ACK;
		o.ack = tp->rcv_nxt;
	}
	if (tp->flags & TF_TS)
		o.optlen = (uint8_t)opt_ts(o.opt, tcp_ts_now(tp), tp->ts_recent);
	return tcp_xmit_tcb(tp, &o, UTCP_TX_CTRL);
}

/* RFC 1122 §4.2.3.6: <SEQ=SND.UNA-1>, no data, elicits an ACK. */
int tcp_send_keepalive(struct utcp_tcb *tp)
{
	struct tcp_out o = { .seq = tp->snd_una - 1, .ack = tp->rcv_nxt, .flags = TH_ACK };
	o.win = tcp_win_field(tp);
	o.optlen = tcp_opts_fill(tp, o.opt);
	tp->ctx->stats.tcp_keepalive_probes++;
	return tcp_xmit_tcb(tp, &o, UTCP_TX_ACK);
}

/* RFC 9293 §3.8.6.1: into a zero window, one octet of new data.  It is the
 * octet at SND.UNA; snd_nxt stays, so it is simply sent again (with more)
 * once the window opens.  With tcp_zwp_empty, as Linux (tcp_xmit_probe_skb):
 * <SEQ=SND.UNA-1>, no data -- outside the peer's window, so it draws an ACK
 * with the window (RFC 9293 §3.10.7.4) and carries nothing to be dropped. */
int tcp_send_probe(struct utcp_tcb *tp)
{
	if (tp->snd.len == 0)
		return 0;
	if (tp->ctx->tcp->zwp_empty) {
		struct tcp_out e = { .seq = tp->snd_una - 1, .ack = tp->rcv_nxt, .flags = TH_ACK };
		e.win = tcp_win_field(tp);
		e.optlen = tcp_opts_fill(tp, e.opt);
		tcp_ack_sent(tp);
		tp->ctx->stats.tcp_zero_window_probes++;
		return tcp_xmit_tcb(tp, &e, UTCP_TX_ACK);
	}
	struct tcp_out o = { .seq = tp->snd_una, .ack = tp->rcv_nxt, .flags = TH_ACK };
	o.win = tcp_win_field(tp);
	o.optlen = tcp_opts_fill(tp, o.opt);
	o.data_off = 0;
	o.data_len = 1;
	tcp_rack_xmit(tp, tp->snd_una, 1, SEQ_LT(tp->snd_una, tp->snd_max));
	if (SEQ_GT(tp->snd_una + 1, tp->snd_max))
		tp->snd_max = tp->snd_una + 1;
	tcp_ack_sent(tp);
	tp->ctx->stats.tcp_zero_window_probes++;
	return tcp_xmit_tcb(tp, &o, UTCP_TX_DATA);
}

/* RST in reply to a segment that belongs to no connection. */
void tcp_respond_rst(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport, uint32_t raddr,
		     uint16_t rport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	int port;
	uint32_t nexthop;
	if (utcp_route_lookup(ctx->cfg, raddr, &port, &nexthop) < 0) {
		ctx->stats.drop_no_route++;
		return;
	}
	struct tcp_out o = { .seq = seq, .ack = ack, .flags = flags };
	tcp_xmit(ctx, port, laddr, lport, raddr, rport, &o, NULL, UTCP_TX_CTRL);
}

int tcp_seg_route(struct utcp_ctx *ctx, const struct tcp_seg *s, int *port)
{
	int rc;
	if (s->a6 != NULL) {
		struct utcp_in6 nh6;
		rc = utcp_route6_lookup(ctx->cfg, &s->a6->raddr, port, &nh6);
	} else {
		uint32_t nexthop;
		rc = utcp_route_lookup(ctx->cfg, s->saddr, port, &nexthop);
	}
	if (rc < 0)
		ctx->stats.drop_no_route++;
	return rc;
}

/* RST in reply to s, from the address it was sent to (either family). */
void tcp_respond_rst_seg(struct utcp_ctx *ctx, const struct tcp_seg *s, uint32_t seq,
			 uint32_t ack, uint8_t flags)
{
	int port;
	if (s->a6 == NULL) {
		tcp_respond_rst(ctx, s->daddr, s->dport, s->saddr, s->sport, seq, ack, flags);
		return;
	}
	if (tcp_seg_route(ctx, s, &port) < 0)
		return;
	struct tcp_out o = { .seq = seq, .ack = ack, .flags = flags, .a6 = s->a6 };
	tcp_xmit(ctx, port, s->daddr, s->dport, s->saddr, s->sport, &o, NULL, UTCP_TX_CTRL);
}

/* A RST on tp's 4-tuple that is not tp's own (its state stays). */
void tcp_respond_rst_tcb(struct utcp_tcb *tp, uint32_t seq, uint32_t ack, uint8_t flags)
{
	if (!tp->is6) {
		tcp_respond_rst(tp->ctx, tp->laddr, tp->lport, tp->raddr, tp->rport, seq, ack, flags);
		return;
	}
	struct tcp_out o = { .seq = seq, .ack = ack, .flags = flags, .a6 = &tp->a6 };
	tcp_xmit(tp->ctx, tp->port, tp->laddr, tp->lport, tp->raddr, tp->rport, &o, NULL,
		 UTCP_TX_CTRL);
}

/* ---- data ------------------------------------------------------------------ */

/* RFC 9293 §3.9.1 leaves PSH to the sender.  By default it goes on the
 * segment that empties the send queue; with tcp_push_each_write on the one
 * that holds the last byte of the latest write, as Linux's tcp_push marks
 * the skb holding it (a write appended to unsent bytes moves the mark:
 * Linux clears PSH on the skb it appends to). */
static int tcp_segment_pushes(const struct utcp_tcb *tp, uint32_t off, uint32_t len)
{
	if (len == 0)
		return 0;
	if (!tp->ctx->tcp->push_each_write)
		return off + len == tp->snd.len;
	uint32_t seq = tp->snd_una + off;
	int chunk_end;
	if (tp->sndmem.limit != 0 && tcp_sndmem_pushes(tp, seq, len, &chunk_end))
		return 1; /* tcp_wmem's chunks carry Linux's forced pushes */
	if (tp->fpush_step != 0 && SEQ_GEQ(seq, tp->fpush_from) && SEQ_LT(seq, tp->snd_push)) {
		uint32_t k = (seq - tp->fpush_from) / tp->fpush_step + 1;
		uint32_t point = tp->fpush_from + k * tp->fpush_step;
		if (SEQ_LEQ(point, seq + len) && SEQ_LT(point, tp->snd_push))
			return 1;
	}
	return SEQ_LT(seq, tp->snd_push) && SEQ_LEQ(tp->snd_push, seq + len);
}

/* tcp_push_each_write = 2: Linux's tcp_sendmsg copies a write into packets
 * of its size goal (the TSO autosize, at most half the peer's largest
 * window) and marks PSH on the first packet that ends more than half that
 * window past the last push (forced_push), then on every such packet:
 * points `from` + k x step.  A write shorter than that has none. */
void tcp_forced_push(struct utcp_tcb *tp, uint32_t from)
{
	tp->fpush_step = 0;
	uint32_t half = tp->max_sndwnd / 2;
	uint32_t seg_mss = tp->mss - ((tp->flags & TF_TS) ? 12 : 0);
	if (tp->ctx->tcp->push_each_write != 2 || seg_mss == 0 || half < seg_mss ||
	    tp->snd_push - from <= half || tp->sndmem.limit != 0)
		return;
	uint32_t cwnd_segs = tp->cwnd / seg_mss;
	uint64_t srtt_us = tp->srtt / 1000, segs = 2;
	if (tp->flags & TF_HAVE_RTT)
		segs = srtt_us > 0 ? 2000ull * cwnd_segs / srtt_us : 64;
	if (segs < tp->ctx->tcp->min_tso_segs)
		segs = tp->ctx->tcp->min_tso_segs;
	if (segs > 64)
		segs = 64;
	uint32_t goal = (uint32_t)segs * seg_mss, goal_max = half - half % seg_mss;
	if (goal > goal_max)
		goal = goal_max;
	tp->fpush_from = from;
	tp->fpush_step = (half / goal + 1) * goal;
}

/* RFC 8985 §6.2 per segment of a TSO frame of len bytes at snd_nxt
 * (+ FIN): the wire carries seg-sized segments, and SACK, RACK and
 * retransmission see those, not the frame. */
static void tcp_rack_xmit_tso(struct utcp_tcb *tp, uint32_t len, int fin, int rexmt, uint32_t seg)
{
	if (!fin && !rexmt) {
		tcp_rack_xmit_segs(tp, tp->snd_nxt, len, seg);
		return;
	}
	for (uint32_t at = 0; at < len; at += seg) {
		uint32_t n = len - at < seg ? len - at : seg;
		tcp_rack_xmit(tp, tp->snd_nxt + at, n + (fin && at + n == len ? 1 : 0), rexmt);
	}
}

/* Build and send one segment of [snd_nxt, snd_nxt + len) (+ FIN). */
static int tcp_send_segment(struct utcp_tcb *tp, uint32_t len, int fin, const struct tcp_out *tmpl)
{
	struct utcp_ctx *ctx = tp->ctx;
	struct tcp_out o = *tmpl;
	uint32_t off = tp->snd_nxt - tp->snd_una;
	o.seq = tp->snd_nxt;
	o.ack = tp->rcv_nxt;
	o.flags = TH_ACK;
	if (tcp_segment_pushes(tp, off, len))
		o.flags |= TH_PSH;
	o.flags |= tmpl->flags & TH_PSH; /* tcp_burst_end */
	if (fin)
		o.flags |= TH_FIN;
	o.data_off = off;
	o.data_len = len;
	o.win = tcp_win_field(tp);
	int rexmt = SEQ_LT(tp->snd_nxt, tp->snd_max);
	if (rexmt) {
		ctx->stats.tcp_retransmits++;
		tp->total_retrans++;
		tp->flags &= ~TF_RTT_TIMING; /* Karn: no sample from a resent segment */
		tp->ts_rtx = tcp_ts_now(tp);
	} else if (!(tp->flags & (TF_RTT_TIMING | TF_TS)) && len > 0) {
		tp->flags |= TF_RTT_TIMING;
		tp->rtt_seq = tp->snd_nxt;
		tp->rtt_start = ctx->now;
	}
	if (tp->ecn & TCP_ECN_OK)
		tcp_ecn_data_out(tp, &o, rexmt); /* RFC 3168 §6.1.2, §6.1.5 */
	tcp_ack_sent(tp);
	if (tp->sndmem.limit != 0) /* tcp_wmem: chunks split where packets end */
		tcp_sndmem_sent(tp, tp->snd_nxt, tp->snd_nxt + len, (o.flags & TH_PSH) != 0);
	if (len > tmpl->data_len) /* a TSO frame: RACK keeps each wire segment */
		tcp_rack_xmit_tso(tp, len, fin, rexmt, tmpl->data_len);
	else
		tcp_rack_xmit(tp, tp->snd_nxt, len + (fin ? 1 : 0), rexmt); /* RFC 8985 §6.2 */
	if (len > 0 && (len < tmpl->data_len || (len > tmpl->data_len && len % tmpl->data_len)))
		tp->snd_sml = tp->snd_nxt + len; /* data_len: the full segment size here */
	tp->snd_nxt += len + (fin ? 1 : 0);
	if (SEQ_GT(tp->snd_nxt, tp->snd_max))
		tp->snd_max = tp->snd_nxt;
	if (fin)
		tp->flags |= TF_FIN_SENT;
	/* RFC 6298 §5.1: the timer runs while data is outstanding. */
	if (tp->flags & TF_PERSIST)
		tcp_rexmt_stop(tp);
	if (!utcp_timer_pending(&tp->t_rexmt))
		tcp_rexmt_arm(tp);
	if (!rexmt && (len > 0 || fin)) /* RFC 8985 §7.2: new data arms the PTO */
		tcp_rack_pto_arm(tp);
	return tcp_xmit_tcb(tp, &o, len > 0 ? UTCP_TX_DATA : UTCP_TX_CTRL);
}

/* Does [snd_nxt, +len) deserve a segment now?  RFC 1122 §4.2.3.4 (sender
 * SWS avoidance) with Nagle (RFC 896; TCP_NODELAY turns it off) in
 * Minshall's form, as Linux: the last short piece of the queue may go
 * unless an earlier short segment is still unacknowledged, so that a
 * reply of a few segments is not held back by the peer's delayed ACK. */
static int tcp_should_send(const struct utcp_tcb *tp, uint32_t len, uint32_t avail,
			   uint32_t seg_mss, int fin)
{
	if (len == seg_mss || fin)
		return 1;
	if (len == 0)
		return 0;
	if (tcp_corked(tp) && SEQ_GEQ(tp->snd_nxt, tp->snd_max))
		return 0; /* TCP_CORK, MSG_MORE: no short segment */
	if (len == avail && ((tp->flags & TF_NODELAY) || SEQ_LEQ(tp->snd_sml, tp->snd_una)))
		return 1;
	if (tp->max_sndwnd > 0 && len >= tp->max_sndwnd / 2)
		return 1;
	return SEQ_LT(tp->snd_nxt, tp->snd_max); /* resending after a timeout */
}

/* tcp_push_each_write = 1: the last segment of a burst the window cut
 * short carries PSH too (not in limited transmit or recovery). */
static int tcp_burst_end(const struct utcp_tcb *tp, uint32_t len, uint32_t usable)
{
	return tp->ctx->tcp->push_each_write == 1 && len > 0 && len == usable &&
	       tp->dupacks == 0 && !(tp->flags & (TF_RECOVERY | TF_LOSS));
}

/* tcp_push_each_write = 2: Linux sends a burst as TSO packets of up to
 * min(cwnd / 2, its autosized size) segments -- at least tcp_min_tso_segs
 * (Linux's sysctl, 2 by default), and about a millisecond of data at the
 * pacing rate (2 * cwnd / SRTT), 64 at most (tcp_tso_autosize) -- and each
 * packet of two segments or more ends with PSH on the wire, one of a
 * single segment does not.  Segments in a burst per such packet. */
static uint32_t tcp_tso_unit(const struct utcp_tcb *tp, uint32_t seg_mss)
{
	if (tp->ctx->tcp->push_each_write != 2)
		return 0; /* no packets to model */
	uint32_t cwnd_segs = tp->cwnd / seg_mss;
	uint32_t half = cwnd_segs / 2 > 1 ? cwnd_segs / 2 : 1;
	uint64_t srtt_us = tp->srtt / 1000, auto_segs = 2; /* no RTT yet: the minimum */
	if (tp->flags & TF_HAVE_RTT)
		auto_segs = srtt_us > 0 ? 2000ull * cwnd_segs / srtt_us : 64; /* per ms */
	uint32_t min_segs = tp->ctx->tcp->min_tso_segs;
	if (auto_segs < min_segs)
		auto_segs = min_segs;
	uint32_t tso = auto_segs > 64 ? 64 : (uint32_t)auto_segs;
	return half < tso ? half : tso;
}

/* tcp_push_each_write = 2: PSH on the segment that completes a TSO packet of
 * `unit` new segments (tcp_tso_unit), or ends the burst (last: the window
 * allows no more) with two or more in its packet; *in_unit counts them. */
static uint8_t tcp_unit_push(const struct utcp_tcb *tp, uint32_t len, uint32_t unit,
			     uint32_t *in_unit, int last)
{
	uint8_t psh = 0;
	if (tp->ctx->tcp->push_each_write == 2 && len > 0 && unit >= 2 &&
	    (++*in_unit == unit || (last && *in_unit >= 2))) {
		psh = TH_PSH;
		*in_unit = 0;
	}
	int chunk_end = 0;
	if (*in_unit > 0 && tp->sndmem.limit != 0) { /* tcp_wmem: a packet per chunk */
		tcp_sndmem_pushes(tp, tp->snd_nxt, len, &chunk_end);
		if (chunk_end && *in_unit >= 2)
			psh = TH_PSH;
	}
	if (chunk_end || tcp_segment_pushes(tp, tp->snd_nxt - tp->snd_una, len))
		*in_unit = 0; /* the write's end ends its packet too */
	return psh;
}

/* TCP segmentation offload: the most payload one frame may carry (a
 * multiple of seg_mss), 0 for none.  The NIC must offer it (and its large
 * buffers), and the connection send in the default way: Linux's packet
 * models (tcp_push_each_write, tcp_wmem) and pacing keep MSS segments.
 * Linux's tcp_tso_autosize bounds a frame to about a millisecond of data
 * at the pacing rate (2 * cwnd / SRTT), at least tcp_min_tso_segs
 * segments; half of cwnd at most, so that the ACK clock keeps ticking. */
static uint32_t tcp_tso_max(const struct utcp_tcb *tp, const struct tcp_out *tmpl,
			    uint32_t seg_mss)
{
	const struct utcp_nic *nic = ctx_nic(tp->ctx, tp->port);
	if (tp->ctx->tcp->push_each_write != 0 || tp->sndmem.limit != 0 || tp->pacing)
		return 0;
	if (tp->is6 && (nic->caps.offloads & UTCP_NIC_TX_TCP_TSO4_ONLY))
		return 0;
	uint32_t hdrs = UTCP_ETH_HLEN + (tp->is6 ? UTCP_IPV6_HLEN : UTCP_IPV4_HLEN) + TCP_HLEN +
			tmpl->optlen;
	if (nic->caps.tso_max <= hdrs + seg_mss)
		return 0;
	uint32_t segs = (nic->caps.tso_max - hdrs) / seg_mss, cwnd_segs = tp->cwnd / seg_mss;
	uint32_t half = cwnd_segs / 2 > 1 ? cwnd_segs / 2 : 1;
	if (tp->flags & TF_HAVE_RTT) {
		uint64_t srtt_us = tp->srtt / 1000;
		uint64_t auto_segs = srtt_us > 0 ? 2000ull * cwnd_segs / srtt_us : segs;
		if (auto_segs < tp->ctx->tcp->min_tso_segs)
			auto_segs = tp->ctx->tcp->min_tso_segs;
		if (auto_segs < segs)
			segs = (uint32_t)auto_segs;
	}
	if (half < segs)
		segs = half;
	return segs >= 2 ? segs * seg_mss : 0;
}

/* The payload of a TSO frame at SND.NXT: what the windows allow, up to
 * tcp_tso_max, in whole segments, or every byte left when Nagle would send
 * the short tail anyway (tcp_should_send).  It takes the large buffer
 * (tmpl->pkt); without one, a segment of seg_mss. */
static __attribute__((noinline)) uint32_t tcp_tso_len(struct utcp_tcb *tp, uint32_t avail,
							uint32_t usable, uint32_t seg_mss,
							struct tcp_out *tmpl)
{
	uint32_t tso = tcp_tso_max(tp, tmpl, seg_mss);
	if (tso == 0)
		return seg_mss;
	uint32_t len = avail < usable ? avail : usable;
	if (len > tso)
		len = tso;
	uint32_t tail = len % seg_mss;
	int fin = (tp->flags & TF_FIN_QUEUED) && len == avail;
	int nagle_ok = !tcp_corked(tp) && /* tcp_should_send for the last piece */
		       ((tp->flags & TF_NODELAY) || SEQ_LEQ(tp->snd_sml, tp->snd_una));
	if (tail != 0 && !(len == avail && (fin || nagle_ok)))
		len -= tail;
	if (len <= seg_mss)
		return seg_mss;
	tmpl->pkt = utcp_ctx_alloc_large(tp->ctx, tp->port);
	if (tmpl->pkt == NULL)
		return seg_mss;
	tmpl->tso_segsz = (uint16_t)seg_mss;
	return len;
}

/* tcp_cwnd_limited, as Linux's tcp_cwnd_validate after each send: over a
 * window of data (until SND.UNA passes cwnd_usage_seq) the most in flight,
 * and whether the flight filled cwnd; a window that filled it, or a larger
 * flight, starts the record afresh. */
static void tcp_cwnd_usage(struct utcp_tcb *tp)
{
	uint32_t flight = tcp_flight_size(tp);
	uint8_t filled = flight >= tp->cwnd;
	if (SEQ_GEQ(tp->snd_una, tp->cwnd_usage_seq) || filled ||
	    (!tp->cwnd_filled && flight > tp->max_flight)) {
		tp->cwnd_filled = filled;
		tp->max_flight = flight;
		tp->cwnd_usage_seq = tp->snd_max;
	}
}

/* Send what the windows allow; returns segments sent.  force: a persist
 * timeout allows one segment however small (RFC 1122 §4.2.3.4 (d)). */
static int tcp_output_data(struct utcp_tcb *tp, int force)
{
	struct tcp_out tmpl = { 0 };
	int dsack = (tp->flags & TF_DSACK) != 0;
	tmpl.optlen = tcp_opts_fill(tp, tmpl.opt);
	uint32_t seg_mss = tp->mss > tmpl.optlen ? tp->mss - tmpl.optlen : 1;
	tmpl.data_len = seg_mss;
	int sent = 0, pace = tp->pacing && !force; /* a persist probe is not held */
	uint32_t cwnd = tp->cwnd, unit = tcp_tso_unit(tp, seg_mss), in_unit = 0;
	/* RFC 3042 §2 limited transmit: on the first and second duplicate
	 * ACK, one new segment each, FlightSize <= cwnd + 2*SMSS. */
	if (!(tp->flags & (TF_RECOVERY | TF_LOSS)) && tp->dupacks > 0 &&
	    tp->dupacks < TCP_DUPTHRESH && tp->snd_nxt == tp->snd_max)
		cwnd += tp->dupacks * tp->mss;
	for (;;) {
		uint32_t off = tp->snd_nxt - tp->snd_una;
		uint32_t avail = tp->snd.len > off ? tp->snd.len - off : 0;
		uint32_t wnd = tp->snd_wnd < cwnd ? tp->snd_wnd : cwnd;
		uint32_t usable = wnd > off ? wnd - off : 0;
		uint32_t len = avail < usable ? avail : usable;
		if (len > seg_mss)
			len = seg_mss;
		int fin = (tp->flags & TF_FIN_QUEUED) && off <= tp->snd.len && off + len == tp->snd.len;
		if (!tcp_should_send(tp, len, avail, seg_mss, fin) && !(force && len > 0))
			break;
		if (pace && tcp_pace_wait(tp))
			break; /* a packet not before its departure time (tcp_pacing.c) */
		tmpl.flags = tcp_unit_push(tp, len, unit, &in_unit, len == usable);
		if (tcp_burst_end(tp, len, usable))
			tmpl.flags = TH_PSH;
		if (len == seg_mss && avail > len && usable > len && !force &&
		    (ctx_nic(tp->ctx, tp->port)->caps.offloads & UTCP_NIC_TX_TCP_TSO)) {
			len = tcp_tso_len(tp, avail, usable, seg_mss, &tmpl); /* one TSO frame */
			fin = (tp->flags & TF_FIN_QUEUED) && off + len == tp->snd.len;
		}
		int rc = tcp_send_segment(tp, len, fin, &tmpl);
		tmpl.pkt = NULL;
		if (rc < 0 && errno == ENOBUFS)
			break;
		sent++;
		force = 0;
		if (pace) /* a packet ends where tcp_unit_push ended it */
			tcp_pace_sent(tp, len, unit < 2 || in_unit == 0);
		if (fin || len == 0)
			break;
		if (dsack && sent == 1) /* a D-SACK goes out once */
			tmpl.optlen = tcp_opts_fill(tp, tmpl.opt);
	}
	if (pace)
		tcp_pace_sent(tp, 0, 1); /* the burst ends its packet */
	tcp_cwnd_usage(tp);
	return sent;
}

/* The usual segment (the transmit half of header prediction, see
 * tcp_fast_ok): new data in order, all that is queued fitting in one
 * segment the windows allow, timestamps the only option, nothing to
 * resend, no FIN, no SACK block owed, no ECN, no pacing, no TSO frame and
 * none of Linux's packet models (tcp_push_each_write, tcp_wmem).  Then
 * tcp_output_data's loop sends exactly this one segment (Nagle permitting,
 * tcp_should_send) and stops; here it is built directly, with the state
 * changes of tcp_send_segment in the same order.  Returns segments sent,
 * or -1 when the segment is not the usual one (tcp_output_data decides). */
static int tcp_output_fast(struct utcp_tcb *tp)
{
	const struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if ((tp->flags & (TF_TS | TF_RECOVERY | TF_LOSS | TF_FIN_QUEUED | TF_DSACK)) != TF_TS ||
	    tp->rcv.nooo != 0 || tp->ecn != 0 || tp->pacing || tp->dupacks != 0 ||
	    tp->snd_nxt != tp->snd_max || t->push_each_write != 0 || tp->sndmem.limit != 0)
		return -1;
	uint32_t seg_mss = tp->mss > 12 ? tp->mss - 12u : 1;
	uint32_t off = tp->snd_nxt - tp->snd_una;
	uint32_t avail = tp->snd.len > off ? tp->snd.len - off : 0;
	uint32_t wnd = tp->snd_wnd < tp->cwnd ? tp->snd_wnd : tp->cwnd;
	uint32_t usable = wnd > off ? wnd - off : 0;
	if (avail == 0 || avail > seg_mss || avail > usable)
		return -1;
	struct tcp_out o;
	o.optlen = opt_ts(o.opt, tcp_ts_now(tp), tp->ts_recent);
	if (!tcp_should_send(tp, avail, avail, seg_mss, 0)) {
		tcp_cwnd_usage(tp);
		return 0;
	}
	o.seq = tp->snd_nxt;
	o.ack = tp->rcv_nxt;
	o.flags = TH_ACK | TH_PSH; /* it empties the queue (tcp_segment_pushes) */
	o.data_off = off;
	o.data_len = avail;
	o.tos = o.no_df = 0;
	o.a6 = NULL;
	o.pkt = NULL;
	o.tso_segsz = 0;
	o.win = tcp_win_field(tp);
	tcp_ack_sent(tp);
	tcp_rack_xmit(tp, tp->snd_nxt, avail, 0); /* RFC 8985 §6.2 */
	if (avail < seg_mss)
		tp->snd_sml = tp->snd_nxt + avail;
	tp->snd_nxt += avail;
	tp->snd_max = tp->snd_nxt;
	if (tp->flags & TF_PERSIST) /* RFC 6298 §5.1 */
		tcp_rexmt_stop(tp);
	if (!utcp_timer_pending(&tp->t_rexmt))
		tcp_rexmt_arm(tp);
	tcp_rack_pto_arm(tp); /* RFC 8985 §7.2 */
	tp->ctx->stats.tcp_fast_tx++;
	int rc = tcp_xmit_tcb(tp, &o, UTCP_TX_DATA);
	tcp_cwnd_usage(tp);
	return rc < 0 && errno == ENOBUFS ? 0 : 1;
}

/* ---- SACK loss recovery (RFC 6675 §5, RFC 6937) ------------------------------ */

/* Resend [seq, seq + len) (len counts a FIN already sent); 0 or -1.
 * HighRxt (RFC 6675 §4) moves only over what it covers without a gap: a
 * range RACK found lost above an unresent hole leaves it where it is. */
static int tcp_resend_range(struct utcp_tcb *tp, uint32_t seq, uint32_t len,
			    const struct tcp_out *tmpl)
{
	uint32_t data_end = tp->snd_una + tp->snd.len;
	uint32_t dlen = SEQ_LT(seq, data_end) ? SEQ_MIN(seq + len, data_end) - seq : 0;
	int fin = (tp->flags & TF_FIN_SENT) && SEQ_GT(seq + len, data_end);
	uint32_t save = tp->snd_nxt;
	tp->snd_nxt = seq;
	int rc = tcp_send_segment(tp, dlen, fin, tmpl);
	tp->snd_nxt = SEQ_MAX(save, tp->snd_nxt);
	uint32_t hr = SEQ_MAX(tp->sb.high_rxt, tp->snd_una);
	if (SEQ_LEQ(seq, hr) || tcp_sack_unsacked(tp, hr, seq) == 0)
		tp->sb.high_rxt = SEQ_MAX(hr, seq + len);
	return rc;
}

/* NextSeg() rule 2: new data (and FIN) the peer's window allows; its
 * length, 0 if none.  Nagle does not hold back data during recovery. */
static uint32_t tcp_recovery_new(struct utcp_tcb *tp, uint32_t seg_mss, int *fin)
{
	uint32_t off = tp->snd_max - tp->snd_una;
	uint32_t avail = tp->snd.len > off ? tp->snd.len - off : 0;
	uint32_t room = tp->snd_wnd > off ? tp->snd_wnd - off : 0;
	uint32_t len = avail < room ? avail : room;
	if (len > seg_mss)
		len = seg_mss;
	*fin = (tp->flags & TF_FIN_QUEUED) && off <= tp->snd.len && off + len == tp->snd.len;
	if (len < seg_mss && len < avail)
		return 0; /* window too small for a full segment */
	return len;
}

/* One segment chosen by NextSeg(); its sequence length, or 0 if none.
 * New data (rule 2) goes in TSO packets of `unit` (*in_unit so far). */
static uint32_t tcp_recovery_one(struct utcp_tcb *tp, uint32_t seg_mss, const struct tcp_out *tmpl,
				 uint32_t unit, uint32_t *in_unit)
{
	uint32_t seq, len;
	int fin;
	struct tcp_sack_scoreboard *sb = &tp->sb;
	if (sb->fast_rexmt) { /* RFC 6675 §5 step 4.3: HighACK + 1 first */
		sb->fast_rexmt = 0;
		uint32_t stop = sb->n > 0 ? sb->blk[0].start : tp->snd_max;
		len = SEQ_MIN(tp->snd_una + seg_mss, stop) - tp->snd_una;
		return tcp_resend_range(tp, tp->snd_una, len, tmpl) < 0 ? 0 : len;
	}
	/* RFC 8985 §6.2 step 5: what RACK found lost (a lost retransmission
	 * too) goes first, as RFC 6675 rule 1 sends the lowest lost octets. */
	if (tcp_rack_next_lost(tp, seg_mss, &seq, &len) ||
	    tcp_sack_next_rexmt(tp, seg_mss, 0, &seq, &len)) { /* rule 1 */
		len = tcp_sack_whole_segment(tp, seq, len, seg_mss);
		return tcp_resend_range(tp, seq, len, tmpl) < 0 ? 0 : len;
	}
	len = tcp_recovery_new(tp, seg_mss, &fin); /* rule 2 */
	if (len > 0 || fin) {
		tp->snd_nxt = tp->snd_max;
		struct tcp_out o = *tmpl;
		o.flags = tcp_unit_push(tp, len, unit, in_unit,
					tp->cwnd < tcp_sack_pipe(tp) + len + seg_mss);
		return tcp_send_segment(tp, len, fin, &o) < 0 ? 0 : len + (fin ? 1 : 0);
	}
	if (tcp_sack_next_rexmt(tp, seg_mss, 1, &seq, &len)) /* rule 3 */
		return tcp_resend_range(tp, seq, len, tmpl) < 0 ? 0 : len;
	return 0;
}

/* RFC 6675 §5 step (C): while cwnd - pipe >= 1 SMSS, send NextSeg().
 * The same loop serves RTO recovery (TF_LOSS), where everything unSACKed
 * that was outstanding counts as lost (§5.1) and cwnd slow-starts. */
int tcp_output_recovery(struct utcp_tcb *tp)
{
	struct tcp_out tmpl = { 0 };
	int dsack = (tp->flags & TF_DSACK) != 0;
	tmpl.optlen = tcp_opts_fill(tp, tmpl.opt);
	uint32_t seg_mss = tp->mss > tmpl.optlen ? tp->mss - tmpl.optlen : 1;
	tmpl.data_len = seg_mss;
	uint32_t pipe = tcp_sack_pipe(tp);
	uint32_t unit = tcp_tso_unit(tp, seg_mss), in_unit = 0;
	int sent = 0;
	while (tp->sb.fast_rexmt || (tp->cwnd > pipe && tp->cwnd - pipe >= seg_mss)) {
		uint32_t n = tcp_recovery_one(tp, seg_mss, &tmpl, unit, &in_unit);
		if (n == 0)
			break;
		pipe += n;
		tp->sb.prr_out += n;
		sent++;
		if (dsack && sent == 1)
			tmpl.optlen = tcp_opts_fill(tp, tmpl.opt);
	}
	return sent;
}

/* RFC 8985 §7.3: one new segment if there is unsent data and the peer's
 * window allows it, else the highest segment sent again. */
int tcp_output_tlp(struct utcp_tcb *tp)
{
	struct tcp_out tmpl = { 0 };
	tmpl.optlen = tcp_opts_fill(tp, tmpl.opt);
	uint32_t seg_mss = tp->mss > tmpl.optlen ? tp->mss - tmpl.optlen : 1;
	tmpl.data_len = seg_mss;
	int fin;
	uint32_t len = tcp_recovery_new(tp, seg_mss, &fin);
	if (len > 0 || fin) {
		tp->snd_nxt = tp->snd_max;
		return tcp_send_segment(tp, len, fin, &tmpl) < 0 ? -1 : 0;
	}
	return tcp_output_tlp_resend(tp);
}

/* RFC 8985 §7.3's other probe: the most recently sent segment again;
 * 1 resent, -1 none. */
int tcp_output_tlp_resend(struct utcp_tcb *tp)
{
	struct tcp_out tmpl = { 0 };
	tmpl.optlen = tcp_opts_fill(tp, tmpl.opt);
	uint32_t seg_mss = tp->mss > tmpl.optlen ? tp->mss - tmpl.optlen : 1;
	tmpl.data_len = seg_mss;
	uint32_t out = tp->snd_max - tp->snd_una, len;
	if (out == 0)
		return -1;
	len = out < seg_mss ? out : seg_mss; /* the last octets sent (and FIN) */
	uint32_t start; /* RFC 8985 §7.3: the most recently sent segment, a bare FIN too */
	if (tcp_rack_last_segment(tp, &start) && SEQ_GEQ(start, tp->snd_una) &&
	    tp->snd_max - start <= len)
		len = tp->snd_max - start;
	return tcp_resend_range(tp, tp->snd_max - len, len, &tmpl) < 0 ? -1 : 1;
}

/* The probe of a fast recovery whose ACK clock stopped (tcp_rack.c): one
 * new segment as tcp_output_tlp, else the segment at SND.UNA again (the
 * lowest hole, where a lost retransmission sits); 0 new, 1 resent, -1 none. */
int tcp_output_recovery_probe(struct utcp_tcb *tp)
{
	struct tcp_out tmpl = { 0 };
	tmpl.optlen = tcp_opts_fill(tp, tmpl.opt);
	uint32_t seg_mss = tp->mss > tmpl.optlen ? tp->mss - tmpl.optlen : 1;
	tmpl.data_len = seg_mss;
	int fin;
	uint32_t len = tcp_recovery_new(tp, seg_mss, &fin);
	if (len > 0 || fin) {
		tp->snd_nxt = tp->snd_max;
		return tcp_send_segment(tp, len, fin, &tmpl) < 0 ? -1 : 0;
	}
	uint32_t stop = tp->sb.n > 0 ? tp->sb.blk[0].start : tp->snd_max;
	len = SEQ_MIN(tp->snd_una + seg_mss, stop) - tp->snd_una;
	if (len == 0)
		return -1;
	return tcp_resend_range(tp, tp->snd_una, len, &tmpl) < 0 ? -1 : 1;
}

int tcp_output_forced(struct utcp_tcb *tp)
{
	return tcp_output_data(tp, 1);
}

/* Nothing new to send and nothing tcp_output_data would do beyond
 * tcp_cwnd_usage: no data or FIN past SND.NXT, no pacing, and no SACK
 * block to build (opt_sack counts the blocks it writes). */
static int tcp_output_idle(const struct utcp_tcb *tp)
{
	uint32_t off = tp->snd_nxt - tp->snd_una;
	return tp->snd.len <= off && !tp->pacing && tp->rcv.nooo == 0 &&
	       !(tp->flags & TF_DSACK) && !((tp->flags & TF_FIN_QUEUED) && off == tp->snd.len);
}

/* Everything a synchronized connection owes: data, FIN, then an ACK. */
int tcp_output(struct utcp_tcb *tp)
{
	struct utcp_ctx *ctx = tp->ctx;
	switch (tp->state) {
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		break;
	case TCPS_SYN_RECEIVED: /* RFC 5961 §3.2 challenge ACK; an ACK to an
				   unacceptable segment (RFC 9293 §3.10.7.4) */
	case TCPS_FIN_WAIT_2:
	case TCPS_TIME_WAIT:
		if (tp->flags & TF_ACKNOW)
			tcp_send_ack(tp);
		return 0;
	default:
		return 0;
	}
	/* RFC 5681 §4.1: restart from at most IW after an idle RTO. */
	if (tp->snd_max == tp->snd_una && tp->snd.len > 0 && tp->last_snd != 0 &&
	    ctx->now - tp->last_snd > tp->rto)
		tp->cc->after_idle(tp);
	int sent;
	if ((tp->flags & TF_SACK) && (tp->flags & (TF_RECOVERY | TF_LOSS)))
		sent = tcp_output_recovery(tp);
	else if (tcp_output_idle(tp)) {
		sent = 0;
		tcp_cwnd_usage(tp); /* all tcp_output_data would do */
	} else if ((sent = tcp_output_fast(tp)) < 0)
		sent = tcp_output_data(tp, 0);
	if (sent == 0 && (tp->flags & TF_ACKNOW))
		tcp_send_ack(tp);
	if (tp->sndmem.check) /* tcp_wmem: after an ACK's output, as Linux */
		tcp_sndmem_check(tp);
	/* RFC 9293 §3.8.6.1: data waits and nothing is in flight to elicit
	 * an ACK: the persist timer probes the window (or, when the window is
	 * open and a cork holds the data, flushes it later). */
	uint32_t off = tp->snd_nxt - tp->snd_una;
	if (tp->snd.len > off && tp->snd_nxt == tp->snd_una &&
	    !utcp_timer_pending(&tp->t_rexmt)) {
		if (tcp_corked(tp) && tp->snd_wnd > off)
			tcp_cork_arm(tp);
		else
			tcp_persist_arm(tp);
	}
	return sent;
}

int tcp_output_push(struct utcp_tcb *tp)
{
	uint8_t cork = tp->cork;
	tp->cork = 0;
	int sent = tcp_output(tp);
	tp->cork = cork & TCP_CORK_ON;
	return sent;
}

/* Resend the first unacknowledged segment (fast retransmit, RFC 5681
 * §3.2 step 4; partial ACK, RFC 6582 §3.2 step 5). */
int tcp_retransmit_first(struct utcp_tcb *tp)
{
	uint32_t save_nxt = tp->snd_nxt;
	struct tcp_out tmpl = { 0 };
	tmpl.optlen = tcp_opts_fill(tp, tmpl.opt);
	uint32_t seg_mss = tp->mss > tmpl.optlen ? tp->mss - tmpl.optlen : 1;
	tmpl.data_len = seg_mss;
	uint32_t len = tp->snd.len < seg_mss ? tp->snd.len : seg_mss;
	/* RFC 9293 §3.8.6 (SHLD-15, MAY-7): old data may go again beyond a
	 * shrunk window, new data not beyond SND.UNA + SND.WND. */
	uint32_t room = SEQ_MAX(tp->snd_max, tp->snd_una + tp->snd_wnd) - tp->snd_una;
	if (len > room)
		len = room;
	int fin = (tp->flags & TF_FIN_SENT) && len == tp->snd.len;
	if (len == 0 && !fin)
		return 0;
	tp->snd_nxt = tp->snd_una;
	int rc = tcp_send_segment(tp, len, fin, &tmpl);
	if (SEQ_GT(save_nxt, tp->snd_nxt))
		tp->snd_nxt = save_nxt;
	return rc;
}

/* ---- the context's output list --------------------------------------------- */

void tcp_output_schedule(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->flags & TF_IN_OUTQ)
		return;
	tp->flags |= TF_IN_OUTQ;
	tp->out_next = NULL;
	tp->out_prev = t->out_tail;
	if (t->out_tail != NULL)
		t->out_tail->out_next = tp;
	else
		t->out_head = tp;
	t->out_tail = tp;
}

void tcp_output_unschedule(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (!(tp->flags & TF_IN_OUTQ))
		return;
	tp->flags &= ~TF_IN_OUTQ;
	if (tp->out_prev != NULL)
		tp->out_prev->out_next = tp->out_next;
	else
		t->out_head = tp->out_next;
	if (tp->out_next != NULL)
		tp->out_next->out_prev = tp->out_prev;
	else
		t->out_tail = tp->out_prev;
	tp->out_next = tp->out_prev = NULL;
}

int utcp_tcp_output(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	int n = 0;
	if (t == NULL)
		return 0;
	/* tcp_output may schedule again (it never does for itself); bound the
	 * walk to what was queued when we started. */
	uint32_t budget = t->tcb_pool.in_use + 1;
	struct utcp_tcb *tp;
	if (t->dr_head != NULL) /* drained rings idle long enough go back (tcp_buf.c) */
		tcp_bufs_sweep(t, ctx->now);
	while (budget-- > 0 && (tp = t->out_head) != NULL) {
		/* tcp_output_unschedule of the head (out_prev NULL) */
		tp->flags &= ~TF_IN_OUTQ;
		t->out_head = tp->out_next;
		if (tp->out_next != NULL)
			tp->out_next->out_prev = NULL;
		else
			t->out_tail = NULL;
		tp->out_next = NULL;
		tcp_output(tp);
		n++;
	}
	return n;
}
