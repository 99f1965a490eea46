/*
 * core/tcp/tcp_input.c - segment arrival (RFC 9293 §3.10.7), one handler
 * per state.
 *
 * Call order: utcp_ipv4_input -> utcp_tcp_input (utcp_ipv6_input ->
 * utcp_tcp_input6, the same over IPv6): validate the header and
 * checksum, parse options -> find the connection (flow table), else a
 * listener, else the CLOSED rules -> tcp_state_input[state] (ESTABLISHED:
 * header prediction first, tcp_fast_ok -> tcp_fast_input) -> the packet is
 * freed (payload is copied into the receive ring).  Replies are queued with
 * TF_ACKNOW and sent by utcp_tcp_output at the end of the round, except
 * RSTs for unknown connections, which go out at once.
 *
 * Synchronized states share the steps of RFC 9293 §3.10.7.4, each a
 * function: tcp_in_sync (PAWS, sequence check, RST, SYN, ACK bit, trim),
 * tcp_in_ack (fifth step; duplicate ACKs and loss recovery are in
 * tcp_recovery.c), tcp_in_data (seventh and eighth).  A state's
 * handler strings together the steps and adds its own transitions.  A
 * handler returns IN_DONE when the segment is finished with or the TCB
 * may be gone; the caller then never touches the TCB again.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include "core/tcp/tcp.h"
#include "core/base/bytes.h"

enum { IN_CONT = 0, IN_DONE = 1 };

static void tcp_ack_now(struct utcp_tcb *tp)
{
	tp->flags |= TF_ACKNOW;
	tcp_output_schedule(tp);
}

/* RFC 5961 §7: challenge ACKs are rate limited per context (TIME-WAIT
 * records' too, tcp_timewait.c). */
int tcp_challenge_ok(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	utcp_time_t sec = ctx->now / UTCP_NSEC_PER_SEC;
	if (sec != t->challenge_sec) {
		t->challenge_sec = sec;
		t->challenge_count = 0;
	}
	if (t->challenge_count++ >= TCP_CHALLENGE_ACK_LIMIT)
		return 0;
	ctx->stats.tcp_challenge_acks++;
	return 1;
}

static void tcp_challenge_ack(struct utcp_tcb *tp)
{
	if (tcp_challenge_ok(tp->ctx))
		tcp_ack_now(tp);
}

static void tcp_rtt_ts(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	/* RFC 7323 §4.1: RTTM from the echoed timestamp of an ACK of new data. */
	uint32_t ms = tcp_ts_now(tp) - s->opt.tsecr;
	if ((int32_t)ms >= 0)
		tcp_rtt_sample(tp, (utcp_time_t)ms * UTCP_NSEC_PER_MSEC);
}

/* ---- options carried by a SYN --------------------------------------------- */

/* RFC 9293 §3.7.1 (MSS), RFC 7323 §2.2 and §3.2 (WS, TS: only when both
 * sides send them), RFC 2018 §2 (SACK-permitted); an option switched off
 * (tcp_timestamps, tcp_sack, tcp_window_scaling) is neither sent nor used. */
static void tcp_syn_options(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	const struct utcp_tcp_ctx *t = tp->ctx->tcp;
	uint32_t mss = (s->opt.flags & TOF_MSS) ? s->opt.mss : TCP_DEFAULT_MSS;
	uint32_t ours = tcp_route_mss(tp->ctx, tp->port);
	if (tp->user_mss != 0 && tp->user_mss < ours)
		ours = tp->user_mss;
	if (mss > ours)
		mss = ours;
	tp->mss = (uint16_t)(mss < 64 ? 64 : mss); /* never tiny segments */
	if (t->mtu_probing == 2 && tp->mss > t->base_mss) /* RFC 4821 §7.2: start low */
		tp->mss = t->base_mss;
	if ((s->opt.flags & TOF_WSCALE) && !t->no_ws) {
		tp->flags |= TF_RCV_WSCALE;
		tp->snd_wscale = s->opt.wscale;
		tp->rcv_wscale = tcp_wscale_for(tp->ctx, tp->rcv.size);
	} else {
		tp->flags &= ~TF_RCV_WSCALE;
		tp->snd_wscale = tp->rcv_wscale = 0;
	}
	if ((s->opt.flags & TOF_TS) && !t->no_ts) {
		tp->flags |= TF_TS;
		tp->ts_recent = s->opt.tsval;
		tp->ts_recent_age = tp->ctx->now;
	}
	if ((s->opt.flags & TOF_SACK_PERM) && !t->no_sack)
		tp->flags |= TF_SACK;
	tcp_ecn_syn_in(tp, s); /* RFC 3168 §6.1.1 */
}

/* RTT of the handshake: timestamps, or the SYN's own timing if it was
 * not retransmitted (Karn). */
static void tcp_rtt_handshake(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	if ((tp->flags & TF_TS) && (s->opt.flags & TOF_TS) && s->opt.tsecr != 0) {
		if (SEQ_GEQ(s->opt.tsecr, tp->ts_rtx)) /* see tcp_ack_rtt */
			tcp_rtt_ts(tp, s);
	} else if (!(tp->flags & TF_SYN_REXMT) && tp->rtt_start != UTCP_TIME_NEVER)
		tcp_rtt_sample(tp, tp->ctx->now - tp->rtt_start); /* NEVER: a cookie's */
}

/* ---- CLOSED and LISTEN --------------------------------------------------- */

/* RFC 9293 §3.10.7.1: no connection.  Anything but a RST draws a RST. */
static void tcp_in_closed(struct utcp_ctx *ctx, const struct tcp_seg *s)
{
	ctx->stats.drop_tcp_no_sock++;
	if (s->flags & TH_RST)
		return;
	if (s->flags & TH_ACK) {
		tcp_respond_rst_seg(ctx, s, s->ack, 0, TH_RST);
	} else {
		uint32_t seglen = s->len0 + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
		tcp_respond_rst_seg(ctx, s, 0, s->seq + seglen, TH_RST | TH_ACK);
	}
}

static int tcp_listener_full(const struct tcp_listener *l)
{
	uint32_t max = l->backlog > 0 ? (uint32_t)l->backlog : 1;
	return l->nsyn >= max || l->naccept >= max;
}

static void tcp_listener_add_syn(struct tcp_listener *l, struct utcp_tcb *tp)
{
	tp->listener = l;
	tp->qprev = NULL;
	tp->qnext = l->syn_head;
	if (l->syn_head != NULL)
		l->syn_head->qprev = tp;
	l->syn_head = tp;
	l->nsyn++;
}

/* RFC 9293 §3.10.7.2 third step: a SYN creates a TCB in SYN-RECEIVED.
 * iss 0: choose (RFC 6528).  Nothing is sent here. */
struct utcp_tcb *tcp_passive_tcb(struct utcp_ctx *ctx, struct tcp_listener *l,
				 const struct tcp_seg *s, uint32_t iss)
{
	int port;
	if (tcp_seg_route(ctx, s, &port) < 0)
		return NULL;
	struct utcp_tcb *tp = tcp_tcb_new(ctx, port, s->daddr, s->dport, s->saddr, s->sport);
	if (tp == NULL)
		return NULL;
	if (s->a6 != NULL)
		tcp_tcb_set6(tp, s->a6);
	tcp_bufs_defer(tp, l->rcvbuf, l->sndbuf); /* rings when data needs them */
	tp->flags |= (l->tflags & (TF_NODELAY | TF_KEEPALIVE | TF_REUSEADDR)) | TF_PASSIVE;
	tp->user_mss = l->user_mss;
	tp->keepidle = l->keepidle ? l->keepidle : tp->keepidle;
	tp->keepintvl = l->keepintvl ? l->keepintvl : tp->keepintvl;
	tp->keepcnt = l->keepcnt ? l->keepcnt : tp->keepcnt;
	if (l->cc != NULL)
		tp->cc = l->cc;
	if (tp->user_mss != 0 && tp->user_mss < tp->our_mss)
		tp->our_mss = tp->user_mss;
	tcp_syn_options(tp, s);
	tp->irs = s->seq;
	tp->rcv_nxt = s->seq + 1;
	tp->snd_wnd = tp->max_sndwnd = s->wnd; /* RFC 7323 §2.2: never scaled in a SYN */
	tp->snd_wl1 = s->seq;
	tp->iss = iss != 0 ? iss : tcp_isn(ctx, s->daddr, s->dport, s->saddr, s->sport);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->snd_sml = tp->snd_push = tp->recover = tp->iss;
	tp->snd_wl2 = tp->iss;
	tcp_set_state(tp, TCPS_SYN_RECEIVED);
	tcp_flow_insert(tp);
	tcp_port_ref(ctx, tp->lport, tp->flags & TF_REUSEADDR, 0);
	tp->flags |= TF_PORT_REF;
	tcp_listener_add_syn(l, tp);
	tp->rtt_start = ctx->now;
	ctx->stats.tcp_passive_opens++;
	return tp;
}

/* A SYN for l: a TCB and its SYN-ACK; with the SYN queue full, a SYN
 * cookie instead (RFC 4987 §3.6), unless the accept queue is full too.
 * With no TCB left the SYN goes unanswered: a client given a cookie would
 * take itself for connected and spend its data retransmissions (a shorter
 * fuse than its SYN retries) on a server that has no TCB for it. */
void tcp_passive_open(struct utcp_ctx *ctx, struct tcp_listener *l, const struct tcp_seg *s,
		      uint32_t iss)
{
	if (!tcp_tcb_room(ctx)) { /* out of TCBs: silence, the client's SYN retries */
		ctx->stats.tcp_no_sock_buf++;
		return;
	}
	if (tcp_listener_full(l)) {
		uint32_t max = l->backlog > 0 ? (uint32_t)l->backlog : 1;
		if (ctx->cfg->tcp_syncookies && l->naccept < max)
			tcp_syncookie_send(ctx, l, s);
		else
			ctx->stats.drop_tcp_backlog++;
		return;
	}
	struct utcp_tcb *tp = tcp_passive_tcb(ctx, l, s, iss);
	if (tp != NULL)
		tcp_send_syn(tp);
}

typedef int (*tcp_state_fn)(struct utcp_tcb *tp, struct tcp_seg *s);
static const tcp_state_fn tcp_state_input[TCPS_NSTATES];

/* RFC 9293 §3.10.7.2 LISTEN. */
static void tcp_in_listen(struct utcp_ctx *ctx, struct tcp_listener *l, struct tcp_seg *s)
{
	if (s->flags & TH_RST) { /* first: an RST is ignored */
		ctx->stats.drop_tcp_state++;
		return;
	}
	if (s->flags & TH_ACK) { /* second: <SEQ=SEG.ACK><CTL=RST> */
		int drop;
		struct utcp_tcb *tp = tcp_syncookie_check(ctx, l, s, &drop);
		if (tp != NULL) { /* RFC 4987 §3.6: the ACK of a cookie */
			tcp_state_input[TCPS_SYN_RECEIVED](tp, s);
			return;
		}
		if (drop)
			return;
		ctx->stats.drop_tcp_state++;
		tcp_respond_rst_seg(ctx, s, s->ack, 0, TH_RST);
		return;
	}
	/* RFC 1122 §4.2.3.10: no SYN from broadcast or multicast; SYN+FIN is
	 * not a connection request (Linux drops it too). */
	uint32_t src = ntohl(s->saddr); /* IPv6: utcp_ipv6_input checked the source */
	if (!(s->flags & TH_SYN) || (s->flags & TH_FIN) ||
	    (s->a6 == NULL && (src == 0xffffffffu || (src >> 28) == 0xe || src == 0))) {
		ctx->stats.drop_tcp_state++;
		return;
	}
	tcp_passive_open(ctx, l, s, 0);
}

/* ---- SYN-SENT ----------------------------------------------------------------- */

/* RFC 9293 §3.10.7.3. */
static int tcp_in_data(struct utcp_tcb *tp, struct tcp_seg *s);
static void tcp_trim(struct utcp_tcb *tp, struct tcp_seg *s);

/* RFC 9293 §3.10.7.3 fourth step, a SYN without ACK: "If there are other
 * controls or text in the segment, queue them for processing after the
 * ESTABLISHED state has been reached".  The text waits in the ring at
 * RCV.NXT (inside the window the SYN-ACK offers), a FIN as one beyond
 * RCV.NXT; tcp_syn_text_release takes them once ESTABLISHED. */
static void tcp_syn_text_hold(struct utcp_tcb *tp, struct tcp_seg *s)
{
	s->seq++;
	s->flags &= ~TH_SYN;
	tcp_trim(tp, s);
	tp->flags &= ~TF_ACKNOW; /* the SYN-ACK acknowledges the SYN only */
	if (s->len > 0 && tcp_rcvbuf_hold(tp, s->data, s->len) == 0) /* else resent later */
		tp->syn_text = s->len;
	if (s->flags & TH_FIN) {
		tp->flags |= TF_OOO_FIN;
		tp->rcv_fin_seq = s->seq + s->len;
	}
}

/* ESTABLISHED: the text held since the SYN becomes readable; s, the
 * segment being processed, is trimmed again to what lies beyond it. */
static void tcp_syn_text_release(struct utcp_tcb *tp, struct tcp_seg *s)
{
	if (tp->syn_text == 0)
		return;
	tcp_rcvbuf_unhold(tp, tp->syn_text);
	tp->syn_text = 0;
	tp->rcv_wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	tp->flags |= TF_ACKNOW; /* RFC 9293 §3.10.7.4 seventh step */
	tcp_notify(tp, EPOLLIN);
	tcp_trim(tp, s); /* a copy of the held text is a duplicate now */
}

static int tcp_in_syn_sent(struct utcp_tcb *tp, struct tcp_seg *s)
{
	struct utcp_ctx *ctx = tp->ctx;
	int ack_ok = 0;
	if (s->flags & TH_ACK) { /* first: the ACK must cover our SYN, nothing more */
		if (SEQ_LEQ(s->ack, tp->iss) || SEQ_GT(s->ack, tp->snd_max)) {
			ctx->stats.drop_tcp_ack++;
			if (!(s->flags & TH_RST))
				tcp_respond_rst_tcb(tp, s->ack, 0, TH_RST);
			return IN_DONE;
		}
		ack_ok = 1;
	}
	if (s->flags & TH_RST) { /* second: "connection reset" only if it acks our SYN */
		if (!ack_ok) {
			ctx->stats.drop_tcp_rst++;
			return IN_DONE;
		}
		ctx->stats.tcp_rst_rx++;
		ctx->stats.tcp_conn_refused++;
		tcp_drop(tp, ECONNREFUSED);
		return IN_DONE;
	}
	if (!(s->flags & TH_SYN)) { /* fifth: neither SYN nor RST */
		ctx->stats.drop_tcp_state++;
		return IN_DONE;
	}
	/* fourth: the SYN */
	tcp_syn_options(tp, s);
	tp->irs = s->seq;
	tp->rcv_nxt = s->seq + 1;
	uint32_t free = tcp_rcv_space(tp);
	tp->rcv_adv = tp->rcv_nxt + (free > 65535 ? 65535 : free); /* what our SYN offered */
	tp->rcv_wnd = tp->rcv_adv - tp->rcv_nxt;
	tp->snd_wnd = tp->max_sndwnd = s->wnd; /* RFC 7323 §2.2: unscaled in a SYN */
	tp->snd_wl1 = s->seq;
	tp->snd_wl2 = s->ack;
	tp->last_rcv = ctx->now;
	if (!ack_ok) { /* simultaneous open (RFC 9293 §3.5, Figure 7) */
		tcp_set_state(tp, TCPS_SYN_RECEIVED);
		tcp_syn_text_hold(tp, s);
		tcp_send_syn(tp);
		return IN_DONE;
	}
	tp->snd_una = s->ack;
	if (tp->tfo != 0) /* RFC 7413 §4.1.2, §4.2.2 */
		tcp_fastopen_synack(tp, s);
	tcp_rtt_handshake(tp, s);
	tcp_established(tp);
	tcp_ack_now(tp);
	/* Data or FIN on the SYN-ACK: continue at the sixth step. */
	s->seq++;
	s->flags &= ~TH_SYN;
	tcp_trim(tp, s);
	return tcp_in_data(tp, s);
}

/* ---- steps shared by the synchronized states (RFC 9293 §3.10.7.4) ------------ */

/* RFC 7323 §5.3 R1: PAWS.  1 if the segment is an old duplicate. */
/* A duplicate ACK overtaken by a later segment (the network reordered the
 * peer's ACKs): a pure ACK at RCV.NXT with SEG.ACK = SND.UNA, offering the
 * window we hold, its TSval at most one RTO (in ms ticks) behind TS.Recent.
 * RFC 7323 §5.3 R1 would drop it, but PAWS is there against old duplicates
 * of data (§5.1); this carries none and changes nothing but the SACK
 * scoreboard, whose news the sender needs (Linux accepts it too).  One
 * from further back may be an old duplicate: that one is still dropped. */
static int tcp_disordered_ack(const struct utcp_tcb *tp, const struct tcp_seg *s)
{
	uint32_t behind = tp->ts_recent - s->opt.tsval;
	return (s->flags & (TH_ACK | TH_SYN | TH_FIN)) == TH_ACK && s->len == 0 &&
	       s->seq == tp->rcv_nxt && s->ack == tp->snd_una &&
	       ((uint32_t)s->wnd << tp->snd_wscale) == tp->snd_wnd &&
	       behind <= (uint32_t)(tp->rto / UTCP_NSEC_PER_MSEC);
}

static int tcp_paws_reject(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	if (!(tp->flags & TF_TS) || !(s->opt.flags & TOF_TS) || (s->flags & TH_RST))
		return 0;
	if (SEQ_GEQ(s->opt.tsval, tp->ts_recent) || tcp_disordered_ack(tp, s))
		return 0;
	/* RFC 7323 §5.5: TS.Recent idle for 24 days is no longer valid. */
	if (tp->ctx->now - tp->ts_recent_age > TCP_PAWS_IDLE)
		return 0;
	tp->ctx->stats.drop_tcp_paws++;
	tcp_ack_now(tp);
	return 1;
}

/* First step: the acceptability test.  A zero-length segment at the right
 * edge is also accepted (as Linux does), so that a pure ACK from a peer
 * that filled our window is not lost; not a RST: RFC 5961 §3.2 takes the
 * window as [RCV.NXT, RCV.NXT + RCV.WND) and drops one outside silently. */
static int tcp_seq_acceptable(const struct utcp_tcb *tp, const struct tcp_seg *s)
{
	uint32_t seglen = s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	uint32_t wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	if (seglen == 0 && (s->flags & TH_RST) && wnd > 0)
		return SEQ_GEQ(s->seq, tp->rcv_nxt) && SEQ_LT(s->seq, tp->rcv_nxt + wnd);
	if (seglen == 0)
		return SEQ_GEQ(s->seq, tp->rcv_nxt) && SEQ_LEQ(s->seq, tp->rcv_nxt + wnd);
	if (wnd == 0) /* "special allowance" for ACKs and RSTs; the text is trimmed */
		return s->seq == tp->rcv_nxt;
	uint32_t last = s->seq + seglen - 1;
	return (SEQ_GEQ(s->seq, tp->rcv_nxt) && SEQ_LT(s->seq, tp->rcv_nxt + wnd)) ||
	       (SEQ_GEQ(last, tp->rcv_nxt) && SEQ_LT(last, tp->rcv_nxt + wnd));
}

/* Keep only the part inside the window; duplicated or cut data owes an ACK. */
static void tcp_trim(struct utcp_tcb *tp, struct tcp_seg *s)
{
	if (SEQ_LT(s->seq, tp->rcv_nxt)) {
		uint32_t d = tp->rcv_nxt - s->seq;
		if (d > s->len)
			s->flags &= ~TH_FIN; /* that FIN is old too */
		d = d < s->len ? d : s->len;
		tcp_dsack_note(tp, s->seq, s->seq + d); /* RFC 2883 §4 */
		s->data += d;
		s->len -= d;
		s->seq = tp->rcv_nxt;
		tp->flags |= TF_ACKNOW;
	}
	if (SEQ_GT(s->seq + s->len, tp->rcv_adv)) {
		s->len = SEQ_GT(tp->rcv_adv, s->seq) ? tp->rcv_adv - s->seq : 0;
		s->flags &= ~TH_FIN;
		tp->flags |= TF_ACKNOW;
	}
}

/* Second step with RFC 5961 §3.2: only a RST exactly at RCV.NXT resets;
 * one elsewhere in the window draws a challenge ACK. */
static int tcp_in_rst(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	struct utcp_ctx *ctx = tp->ctx;
	if (s->seq != tp->rcv_nxt) {
		ctx->stats.drop_tcp_rst++;
		tcp_challenge_ack(tp);
		return IN_DONE;
	}
	ctx->stats.tcp_rst_rx++;
	switch (tp->state) {
	case TCPS_SYN_RECEIVED:
		if (tp->flags & TF_PASSIVE) {
			tcp_drop(tp, 0); /* back to LISTEN: the listener carries on */
		} else {
			ctx->stats.tcp_conn_refused++;
			tcp_drop(tp, ECONNREFUSED);
		}
		break;
	case TCPS_ESTABLISHED:
		ctx->stats.tcp_estab_resets++;
		/* fall through */
	case TCPS_FIN_WAIT_1:
	case TCPS_FIN_WAIT_2:
		tcp_drop(tp, ECONNRESET);
		break;
	case TCPS_CLOSE_WAIT:
		ctx->stats.tcp_estab_resets++;
		tcp_drop(tp, EPIPE); /* Linux: the next write reports EPIPE */
		break;
	default: /* CLOSING, LAST-ACK, TIME-WAIT */
		tcp_drop(tp, 0);
		break;
	}
	return IN_DONE;
}

/* RFC 7323 §4.3 R3: TS.Recent follows the segment at the left window edge,
 * once its ACK is found acceptable (§5.3, Appendix D: in the fifth step):
 * a segment answered with an ACK and dropped for an ACK beyond SND.NXT
 * (RFC 5961 §5.2) must not move it, or every later segment fails PAWS. */
static void tcp_ts_recent_update(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	if ((tp->flags & TF_TS) && (s->opt.flags & TOF_TS) &&
	    SEQ_GEQ(s->opt.tsval, tp->ts_recent) && SEQ_LEQ(s->seq, tp->last_ack_sent)) {
		tp->ts_recent = s->opt.tsval;
		tp->ts_recent_age = tp->ctx->now;
	}
}

/* RFC 7323 §3.2: once timestamps are negotiated, a non-RST segment without
 * TSopt SHOULD be dropped (tcp_ts_required, on by default; Linux accepts
 * them, FreeBSD too since 2021 for stacks that leave TSopt out of later
 * segments or keep-alives).  Such a segment outside the window goes on to
 * the sequence check and is answered with an ACK as any unacceptable one,
 * so a keep-alive probe without TSopt is still answered; inside the window
 * it is dropped silently: a blind attacker must also forge a TSopt that
 * passes PAWS.  1 to drop. */
static int tcp_ts_missing(const struct utcp_tcb *tp, const struct tcp_seg *s)
{
	return (tp->flags & TF_TS) && !(s->opt.flags & TOF_TS) && !(s->flags & TH_RST) &&
	       tp->ctx->cfg->tcp_ts_required && tcp_seq_acceptable(tp, s);
}

/* Steps one to five up to the ACK field.  IN_CONT: acceptable, trimmed,
 * with ACK set. */
static int tcp_in_sync(struct utcp_tcb *tp, struct tcp_seg *s)
{
	struct utcp_ctx *ctx = tp->ctx;
	if (tcp_ts_missing(tp, s)) {
		ctx->stats.drop_tcp_no_ts++;
		return IN_DONE;
	}
	if (tcp_paws_reject(tp, s))
		return IN_DONE;
	if (!tcp_seq_acceptable(tp, s)) {
		ctx->stats.drop_tcp_unacceptable++;
		if (s->len > 0 && SEQ_LEQ(s->seq + s->len, tp->rcv_nxt)) /* RFC 2883 §4 */
			tcp_dsack_note(tp, s->seq, s->seq + s->len);
		if (!(s->flags & TH_RST)) /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
			tcp_ack_now(tp);
		return IN_DONE;
	}
	if (s->flags & TH_RST)
		return tcp_in_rst(tp, s);
	if (s->flags & TH_SYN) { /* fourth step, RFC 5961 §4.2: challenge ACK */
		ctx->stats.drop_tcp_syn++;
		tcp_challenge_ack(tp);
		return IN_DONE;
	}
	if (!(s->flags & TH_ACK)) { /* fifth step: no ACK, drop */
		ctx->stats.drop_tcp_state++;
		return IN_DONE;
	}
	tcp_trim(tp, s);
	tp->last_rcv = ctx->now;
	tp->keep_probes = 0;
	return IN_CONT;
}

/* ---- fifth step: the ACK field -------------------------------------------------- */

/* RTT from an ACK of new data.  With timestamps (RFC 7323 §4.1), unless
 * the echoed TSval predates our last retransmission: the peer's TS.Recent
 * does not move for the duplicates a retransmission produces (§4.3), so
 * such an echo can be minutes old and would measure our backoff, not the
 * path -- the ambiguity Karn's rule avoids (RFC 6298 §3). */
static void tcp_ack_rtt(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	if ((tp->flags & TF_TS) && (s->opt.flags & TOF_TS) && s->opt.tsecr != 0) {
		if (SEQ_GEQ(s->opt.tsecr, tp->ts_rtx))
			tcp_rtt_ts(tp, s);
	} else if ((tp->flags & TF_RTT_TIMING) && SEQ_GT(s->ack, tp->rtt_seq)) {
		tp->flags &= ~TF_RTT_TIMING; /* RFC 6298 §3: Karn, never a resent one */
		tcp_rtt_sample(tp, tp->ctx->now - tp->rtt_start);
	}
}

/* What the congestion window grows by for an ACK of `data` new bytes: the
 * bytes acknowledged (RFC 5681 §3.1, RFC 3465 §2.2); with tcp_abc_nolimit
 * what the ACK delivered, as Linux.  Bytes SACKed by earlier ACKs
 * (delivered: RFC 6937 DeliveredData, -1 without SACK), or the segments
 * whose duplicate ACKs arrived (RFC 5681 §3.2: each left the network),
 * were delivered then, when cwnd did not grow, and are not counted again. */
static uint32_t tcp_ack_grow(const struct utcp_tcb *tp, uint32_t data, int64_t delivered)
{
	if (!tp->ctx->tcp->abc_nolimit)
		return data;
	if (delivered >= 0)
		return delivered > 0 ? (uint32_t)delivered : 0;
	uint32_t dup = (uint32_t)tp->dupacks * tp->mss;
	if (data > dup + tp->mss)
		return data - dup;
	return data < tp->mss ? data : tp->mss; /* one segment filled the hole */
}

/* New data acknowledged: RTT, congestion window, send buffer, timer.
 * delivered: RFC 6937's DeliveredData of a SACK connection, or -1. */
static void tcp_ack_advance(struct utcp_tcb *tp, const struct tcp_seg *s, int64_t delivered)
{
	uint32_t acked = s->ack - tp->snd_una;
	uint32_t data = acked < tp->snd.len ? acked : tp->snd.len;
	uint32_t grow = tcp_ack_grow(tp, data, delivered);
	tcp_ack_rtt(tp, s);
	tp->rxtshift = 0;
	tcp_sndbuf_drop(&tp->snd, data);
	tp->snd_una = s->ack;
	tcp_nh_confirm(tp);
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	/* NewReno's partial ACKs (RFC 6582) deflate by what was acknowledged */
	int restart = tcp_recovery_advance(tp, s, (tp->flags & TF_RECOVERY) ? data : grow);
	/* RFC 6298 §5.2, §5.3. */
	if (tp->snd_una == tp->snd_max)
		tcp_rexmt_stop(tp);
	else if (restart)
		tcp_rexmt_arm(tp);
	if (tp->sndmem.limit != 0)
		tcp_sndmem_acked(tp); /* tcp_wmem: the writer is woken after output */
	else if (data > 0)
		tcp_notify(tp, EPOLLOUT);
	tcp_output_schedule(tp);
}

/* An ACK below SND.UNA (reordered behind a later one) with SACK blocks:
 * RFC 6675 §5 updates the scoreboard on "any ACK containing SACK
 * information", as Linux's tcp_ack does for an old ACK; a D-SACK on it
 * counts for tcp_undo (RFC 3708).  Nothing is acknowledged, no duplicate
 * ACK counted; RACK and recovery see what it SACKed. */
static void tcp_in_old_sack(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	if (!(tp->flags & TF_SACK) || !(s->opt.flags & TOF_SACK) || tp->rack.run == NULL ||
	    tp->state == TCPS_TIME_WAIT)
		return;
	tcp_rack_ack_begin(tp, tp->snd_una, &s->opt);
	int64_t delivered = tcp_sack_update(tp, tp->snd_una, &s->opt);
	unsigned lost = tcp_rack_ack_end(tp, 0, 0);
	tcp_recovery_sack_ack(tp, delivered > 0 ? (uint32_t)delivered : 0, lost, 0);
	tcp_undo_check(tp);
}

/* Fifth step for ESTABLISHED and the states after it. */
static int tcp_in_ack(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	struct utcp_ctx *ctx = tp->ctx;
	if (SEQ_GT(s->ack, tp->snd_max)) { /* acks something not yet sent */
		ctx->stats.drop_tcp_ack++;
		tcp_ack_now(tp);
		return IN_DONE;
	}
	if (SEQ_LT(s->ack, tp->snd_una - tp->max_sndwnd)) { /* RFC 5961 §5.2 */
		ctx->stats.drop_tcp_ack++;
		tcp_challenge_ack(tp);
		return IN_DONE;
	}
	tcp_ts_recent_update(tp, s);
	uint32_t wnd = (uint32_t)s->wnd << tp->snd_wscale;
	int old = SEQ_LT(s->ack, tp->snd_una);
	int64_t delivered = 0;
	int sack = !old && (tp->flags & TF_SACK);
	uint32_t una0 = tp->snd_una, rec0 = tp->flags & (TF_RECOVERY | TF_LOSS);
	if (sack) { /* RFC 8985 §6.2 steps 1-3, then RFC 6937 DeliveredData */
		tcp_rack_ack_begin(tp, s->ack, &s->opt);
		delivered = (int64_t)(s->ack - tp->snd_una) + tcp_sack_update(tp, s->ack, &s->opt);
	}
	if (SEQ_GT(s->ack, tp->snd_una))
		tcp_ack_advance(tp, s, sack ? delivered : -1);
	else if (s->ack == tp->snd_una)
		tcp_recovery_dupack(tp, s, wnd);
	else
		tcp_in_old_sack(tp, s); /* RFC 6675 §5 */
	if (sack && tp->state != TCPS_TIME_WAIT) {
		int exited = rec0 && !(tp->flags & (TF_RECOVERY | TF_LOSS));
		unsigned lost = tcp_rack_ack_end(tp, tp->snd_una != una0, exited);
		tcp_recovery_sack_ack(tp, delivered > 0 ? (uint32_t)delivered : 0, lost,
				      tp->snd_una != una0);
		tcp_undo_check(tp); /* RFC 3708: the reduction was spurious */
	}
	if (tp->ecn != 0 && !old)
		tcp_ecn_ack(tp, s); /* RFC 3168 §6.1.2 */
	/* Window update (SND.UNA =< SEG.ACK =< SND.NXT, and not older than
	 * the last update: SND.WL1, SND.WL2). */
	if (!old && (SEQ_LT(tp->snd_wl1, s->seq) ||
		     (tp->snd_wl1 == s->seq && SEQ_LEQ(tp->snd_wl2, s->ack)))) {
		if (wnd > tp->snd_wnd)
			tcp_output_schedule(tp);
		tp->snd_wnd = wnd;
		tp->snd_wl1 = s->seq;
		tp->snd_wl2 = s->ack;
		if (wnd > tp->max_sndwnd)
			tp->max_sndwnd = wnd;
	}
	tcp_snd_drained(tp); /* everything written acknowledged: the ring goes back */
	tcp_trace(tp, UTCP_TRACE_ACK);
	return IN_CONT;
}

/* Our FIN is sent and everything up to it acknowledged. */
static int tcp_fin_acked(const struct utcp_tcb *tp)
{
	return (tp->flags & TF_FIN_SENT) && tp->snd.len == 0 && tp->snd_una == tp->snd_max;
}

/* ---- seventh and eighth steps: text and FIN ---------------------------------------- */

/* RFC 2883 §4: out-of-order data we already hold is reported as D-SACK
 * (the first overlap found). */
static void tcp_dsack_ooo(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	struct tcp_sack_block r;
	if (tcp_ooo_overlap(&tp->rcv, s->seq, s->seq + s->len, &r))
		tcp_dsack_note(tp, SEQ_MAX(r.start, s->seq), SEQ_MIN(r.end, s->seq + s->len));
}

static void tcp_in_text(struct utcp_tcb *tp, struct tcp_seg *s)
{
	struct utcp_ctx *ctx = tp->ctx;
	int had_ooo = tp->rcv.nooo > 0;
	int in_order = s->seq == tp->rcv_nxt;
	if (!in_order)
		tcp_dsack_ooo(tp, s);
	uint32_t n = tcp_rcvbuf_store(tp, s->seq, s->data, s->len);
	if (n == UINT32_MAX) {
		ctx->stats.drop_tcp_ooo_mem++;
		s->flags &= ~TH_FIN;
		tp->flags |= TF_ACKNOW;
		return;
	}
	/* RFC 1122 §4.2.3.2 counts segments as sent: a frame the NIC joined
	 * (GRO, LRO) is as many full-sized ones, ACKed at once as Linux does. */
	uint32_t seg_len = s->lro_mss != 0 && s->lro_mss < s->len ? s->lro_mss : s->len;
	if (seg_len > tp->rcv_mss)
		tp->rcv_mss = seg_len;
	if (!in_order) {
		ctx->stats.tcp_ooo_segs++;
		/* RFC 5681 §4.2: an immediate duplicate ACK for each out-of-order
		 * segment, not one for the round: a sender without SACK counts
		 * three of them before it retransmits (RFC 5681 §3.2). */
		tcp_send_ack(tp);
		return;
	}
	tcp_nh_confirm(tp);
	tp->rcv_wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	tp->rcv_unacked += n;
	/* RFC 5681 §4.2: ACK at once when a gap is filled; RFC 1122 §4.2.3.2:
	 * at least every second full-sized segment; in quick-ACK mode (the
	 * start of a connection, TCP_QUICKACK) every one; else delay. */
	if (had_ooo || tp->rcv_unacked >= 2u * tp->rcv_mss || tp->quickack > 0) {
		tp->flags |= TF_ACKNOW;
		if (tp->quickack > 0)
			tp->quickack--;
	} else {
		tcp_delack_arm(tp);
	}
	tcp_notify(tp, EPOLLIN);
}

/* Eighth step: the FIN at RCV.NXT. */
static int tcp_fin(struct utcp_tcb *tp)
{
	tp->flags |= TF_ACKNOW;
	tcp_output_schedule(tp);
	if (tp->flags & TF_RCVD_FIN)
		return IN_CONT; /* a retransmission: just acknowledge it */
	tp->flags &= ~TF_OOO_FIN;
	tp->flags |= TF_RCVD_FIN;
	tp->rcv_nxt++;
	if (SEQ_LT(tp->rcv_adv, tp->rcv_nxt))
		tp->rcv_adv = tp->rcv_nxt;
	tp->rcv_wnd = tp->rcv_adv - tp->rcv_nxt;
	tcp_notify(tp, EPOLLIN | EPOLLRDHUP);
	switch (tp->state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tcp_set_state(tp, TCPS_CLOSE_WAIT);
		break;
	case TCPS_FIN_WAIT_1: /* our FIN is not acked yet: simultaneous close */
		tcp_set_state(tp, TCPS_CLOSING);
		break;
	case TCPS_FIN_WAIT_2:
		tcp_enter_time_wait(tp);
		return IN_DONE;
	default:
		break;
	}
	return IN_CONT;
}

/* RFC 1122 §4.2.2.13: data after close() draws an RST.  By default the
 * abort's <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5); with tcp_rst_ack, as
 * Linux (tcp_rcv_state_process's abort on data, answered by
 * tcp_v4_send_reset), a reply to the segment as from a closed port
 * (RFC 9293 §3.10.7.1): <SEQ=SEG.ACK><CTL=RST>, no ACK -- the sequence
 * number the peer last acknowledged, so exactly its RCV.NXT even when our
 * FIN did not reach it. */
static void tcp_rst_orphan_data(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	if (!tp->ctx->tcp->rst_ack || !(s->flags & TH_ACK)) {
		tcp_send_rst(tp);
		return;
	}
	tcp_respond_rst_tcb(tp, s->ack, 0, TH_RST);
}

static int tcp_in_data(struct utcp_tcb *tp, struct tcp_seg *s)
{
	struct utcp_ctx *ctx = tp->ctx;
	int text_ok = tp->state == TCPS_ESTABLISHED || tp->state == TCPS_FIN_WAIT_1 ||
		      tp->state == TCPS_FIN_WAIT_2;
	if (s->len > 0 && text_ok && !(tp->flags & TF_RCVD_FIN)) {
		if (tp->flags & TF_ORPHAN) { /* RFC 1122 §4.2.2.13: nobody will read it */
			ctx->stats.drop_tcp_rcv_closed++;
			tcp_rst_orphan_data(tp, s);
			tcp_drop(tp, 0);
			return IN_DONE;
		}
		if (tp->ecn != 0)
			tcp_ecn_rcv(tp, s); /* RFC 3168 §6.1.3 */
		tcp_in_text(tp, s);
	}
	if (s->flags & TH_FIN) {
		uint32_t fin_seq = s->seq + s->len;
		if (fin_seq == tp->rcv_nxt || (tp->flags & TF_RCVD_FIN))
			return tcp_fin(tp);
		if (SEQ_GT(fin_seq, tp->rcv_nxt)) { /* out of order: remember it */
			tp->flags |= TF_OOO_FIN;
			tp->rcv_fin_seq = fin_seq;
		}
	} else if ((tp->flags & TF_OOO_FIN) && tp->rcv_fin_seq == tp->rcv_nxt) {
		return tcp_fin(tp);
	}
	if (tp->flags & TF_ACKNOW)
		tcp_output_schedule(tp);
	return IN_CONT;
}

/* ---- one handler per synchronized state ------------------------------------------- */

static int tcp_in_syn_received(struct utcp_tcb *tp, struct tcp_seg *s)
{
	struct utcp_ctx *ctx = tp->ctx;
	uint8_t ctl = s->flags & (TH_SYN | TH_ACK | TH_RST);
	if (ctl == TH_SYN && s->seq == tp->irs) { /* our SYN-ACK was lost: send it again */
		tp->flags |= TF_SYN_REXMT;
		tp->ts_rtx = tcp_ts_now(tp);
		tp->ctx->stats.tcp_syn_retransmits++;
		tcp_send_syn(tp);
		return IN_DONE;
	}
	if (ctl == (TH_SYN | TH_ACK) && s->seq == tp->irs && !(tp->flags & TF_PASSIVE)) {
		s->seq++; /* simultaneous open: the peer's SYN-ACK completes it */
		s->flags &= ~TH_SYN;
		tp->flags |= TF_ACKNOW;
	}
	if (tcp_in_sync(tp, s) == IN_DONE)
		return IN_DONE;
	/* Fifth step, SYN-RECEIVED: SND.UNA < SEG.ACK =< SND.NXT, else RST. */
	if (!SEQ_LT(tp->snd_una, s->ack) || SEQ_GT(s->ack, tp->snd_max)) {
		ctx->stats.drop_tcp_ack++;
		tcp_respond_rst_tcb(tp, s->ack, 0, TH_RST);
		return IN_DONE;
	}
	tcp_ts_recent_update(tp, s);
	if ((tp->flags & TF_PASSIVE) && tp->listener != NULL &&
	    tp->listener->naccept >= (uint32_t)(tp->listener->backlog > 0 ? tp->listener->backlog : 1)) {
		ctx->stats.drop_tcp_backlog++; /* accept queue full: as if lost (Linux) */
		return IN_DONE;
	}
	tcp_rtt_handshake(tp, s);
	tp->snd_una = s->ack;
	tp->snd_wnd = (uint32_t)s->wnd << tp->snd_wscale;
	if (tp->snd_wnd > tp->max_sndwnd)
		tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = s->seq;
	tp->snd_wl2 = s->ack;
	tcp_established(tp);
	tcp_syn_text_release(tp, s);
	tcp_output_schedule(tp);
	return tcp_in_data(tp, s);
}

/* ---- header prediction --------------------------------------------------------- */

/* Jacobson's header prediction (4.4BSD tcp_input, Stevens, TCP/IP
 * Illustrated Vol. 2 §28.4; Linux tcp_rcv_established's fast path): in
 * ESTABLISHED most segments are the next one expected, with ACK (and
 * PSH) alone, the options every segment carries (timestamps, or none), and
 * nothing to recover from.  (The window is not predicted, as BSD and Linux
 * do: a request/response peer's receiver SWS avoidance, RFC 9293
 * §3.8.6.2.2, moves it by a few bytes on nearly every segment.)  For those the steps of
 * RFC 9293 §3.10.7.4 reduce to what they change: the checks of
 * tcp_in_sync all pass and tcp_trim has nothing to cut (1: PAWS, RFC 7323
 * §5.3 R1, passes on a TSval not older than TS.Recent; the segment starts
 * at RCV.NXT and its text fits in the window; no RST, SYN, FIN or URG), the
 * ACK field only advances (or repeats, under text) SND.UNA, there is no
 * SACK block to take in and no scoreboard, and the text goes in order
 * behind no out-of-order data.  A pure ACK that does not advance SND.UNA
 * may be a duplicate ACK and takes the full path.  The work that follows
 * is the full path's, step by step (tcp_fast_ack, tcp_fast_input), with
 * nothing it would have skipped and nothing more: the same state, the same
 * replies. */
static int tcp_fast_ok(const struct utcp_tcb *tp, const struct tcp_seg *s)
{
	uint8_t ts = (tp->flags & TF_TS) ? TOF_TS : 0;
	if ((s->flags & (uint8_t)~TH_PSH) != TH_ACK || s->opt.flags != ts || s->seq != tp->rcv_nxt ||
	    tp->ecn != 0 || tp->sb.n != 0 ||
	    (tp->flags & (TF_RECOVERY | TF_LOSS | TF_OOO_FIN | TF_RCVD_FIN | TF_ORPHAN)))
		return 0;
	if (ts && SEQ_LT(s->opt.tsval, tp->ts_recent)) /* PAWS decides */
		return 0;
	if (SEQ_LT(s->ack, tp->snd_una) || SEQ_GT(s->ack, tp->snd_max))
		return 0;
	if (s->len == 0)
		return SEQ_GT(s->ack, tp->snd_una);
	return tp->rcv.nooo == 0 && SEQ_GT(tp->rcv_adv, tp->rcv_nxt) &&
	       s->len <= tp->rcv_adv - tp->rcv_nxt;
}

/* tcp_in_ack for a predicted segment: SND.UNA <= SEG.ACK <= SND.MAX, no
 * SACK option, an empty scoreboard, no recovery, no ECN.  A SACK
 * connection still runs RACK's steps (RFC 8985 §6.2: its RTT and
 * transmit-time records) and the recovery and undo checks, as tcp_in_ack;
 * the scoreboard update finds nothing to do and is left out.  With
 * SEG.ACK = SND.UNA the segment carries text: not a duplicate ACK (RFC
 * 5681 §2), and RACK's first steps see nothing delivered. */
static void tcp_fast_ack(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	uint32_t una0 = tp->snd_una;
	int sack = (tp->flags & TF_SACK) != 0;
	tcp_ts_recent_update(tp, s);
	if (SEQ_GT(s->ack, una0)) {
		if (sack)
			tcp_rack_ack_begin(tp, s->ack, &s->opt);
		tcp_ack_advance(tp, s, sack ? (int64_t)(s->ack - una0) : -1);
	}
	if (sack) {
		unsigned lost = tcp_rack_ack_end(tp, tp->snd_una != una0, 0);
		tcp_recovery_sack_ack(tp, s->ack - una0, lost, tp->snd_una != una0);
		tcp_undo_check(tp);
	}
	/* The window update of tcp_in_ack (SND.WL1, SND.WL2). */
	if (SEQ_LT(tp->snd_wl1, s->seq) || (tp->snd_wl1 == s->seq && SEQ_LEQ(tp->snd_wl2, s->ack))) {
		uint32_t wnd = (uint32_t)s->wnd << tp->snd_wscale;
		if (wnd > tp->snd_wnd)
			tcp_output_schedule(tp);
		tp->snd_wnd = wnd;
		tp->snd_wl1 = s->seq;
		tp->snd_wl2 = s->ack;
		if (wnd > tp->max_sndwnd)
			tp->max_sndwnd = wnd;
	}
	tcp_snd_drained(tp);
	tcp_trace(tp, UTCP_TRACE_ACK);
}

/* A segment tcp_fast_ok accepted, from the sixth step on: text, then the
 * ACK owed (tcp_in_data without FIN, orphan or ECN). */
static int tcp_fast_input(struct utcp_tcb *tp, struct tcp_seg *s)
{
	struct utcp_ctx *ctx = tp->ctx;
	tp->last_rcv = ctx->now; /* tcp_in_sync's */
	tp->keep_probes = 0;
	tcp_fast_ack(tp, s);
	if (s->len > 0) {
		ctx->stats.tcp_fast_data++;
		tcp_in_text(tp, s);
	} else {
		ctx->stats.tcp_fast_acks++;
	}
	if (tp->flags & TF_ACKNOW)
		tcp_output_schedule(tp);
	return IN_CONT;
}

static int tcp_in_established(struct utcp_tcb *tp, struct tcp_seg *s)
{
	if (tcp_fast_ok(tp, s))
		return tcp_fast_input(tp, s);
	if (tcp_in_sync(tp, s) == IN_DONE || tcp_in_ack(tp, s) == IN_DONE)
		return IN_DONE;
	return tcp_in_data(tp, s);
}

static int tcp_in_fin_wait_1(struct utcp_tcb *tp, struct tcp_seg *s)
{
	if (tcp_in_sync(tp, s) == IN_DONE || tcp_in_ack(tp, s) == IN_DONE)
		return IN_DONE;
	if (tcp_fin_acked(tp)) { /* our FIN is acknowledged */
		tcp_set_state(tp, TCPS_FIN_WAIT_2);
		tcp_keep_arm(tp); /* orphans do not wait forever */
	}
	return tcp_in_data(tp, s);
}

static int tcp_in_fin_wait_2(struct utcp_tcb *tp, struct tcp_seg *s)
{
	if (tcp_in_sync(tp, s) == IN_DONE || tcp_in_ack(tp, s) == IN_DONE)
		return IN_DONE;
	return tcp_in_data(tp, s);
}

static int tcp_in_close_wait(struct utcp_tcb *tp, struct tcp_seg *s)
{
	if (tcp_in_sync(tp, s) == IN_DONE || tcp_in_ack(tp, s) == IN_DONE)
		return IN_DONE;
	return tcp_in_data(tp, s); /* no text after a FIN; a FIN again is acked */
}

static int tcp_in_closing(struct utcp_tcb *tp, struct tcp_seg *s)
{
	if (tcp_in_sync(tp, s) == IN_DONE || tcp_in_ack(tp, s) == IN_DONE)
		return IN_DONE;
	if (tcp_fin_acked(tp)) {
		tcp_enter_time_wait(tp);
		return IN_DONE;
	}
	return tcp_in_data(tp, s);
}

static int tcp_in_last_ack(struct utcp_tcb *tp, struct tcp_seg *s)
{
	if (tcp_in_sync(tp, s) == IN_DONE || tcp_in_ack(tp, s) == IN_DONE)
		return IN_DONE;
	if (tcp_fin_acked(tp)) {
		tcp_drop(tp, 0);
		return IN_DONE;
	}
	return tcp_in_data(tp, s);
}

/* RFC 6191 §2 (timestamps) and RFC 1122 §4.2.2.13 (sequence numbers): a
 * new SYN may take over a TIME-WAIT connection if it is clearly newer: a
 * greater TSval, or an equal TSval (the same clock tick) and a greater
 * sequence number. */
static int tcp_timewait_reusable(const struct utcp_tcb *tp, const struct tcp_seg *s)
{
	if ((s->flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) != TH_SYN)
		return 0;
	if ((tp->flags & TF_TS) && (s->opt.flags & TOF_TS) && s->opt.tsval != tp->ts_recent)
		return SEQ_GT(s->opt.tsval, tp->ts_recent);
	return SEQ_GT(s->seq, tp->rcv_nxt);
}

static int tcp_in_time_wait(struct utcp_tcb *tp, struct tcp_seg *s)
{
	struct utcp_ctx *ctx = tp->ctx;
	struct tcp_listener *l = tp->is6 ? tcp_listener_lookup6(ctx, &tp->a6.laddr, tp->laddr,
								tp->lport)
					 : tcp_listener_lookup(ctx, tp->laddr, tp->lport);
	if (l != NULL && tcp_timewait_reusable(tp, s)) {
		uint32_t iss = tp->snd_max + 65535 + 2; /* beyond anything the old one used */
		ctx->stats.tcp_timewait_reused++;
		tcp_drop(tp, 0);
		tcp_passive_open(ctx, l, s, iss == 0 ? 1 : iss);
		return IN_DONE;
	}
	/* The only thing that can arrive: a retransmission of the remote FIN.
	 * Acknowledge it and restart the 2*MSL timeout. */
	if ((s->flags & (TH_FIN | TH_RST | TH_SYN)) == TH_FIN && s->seq + s->len + 1 == tp->rcv_nxt) {
		tcp_ack_now(tp);
		utcp_timer_add(&ctx->timers, &tp->t_keep,
			       ctx->now + (utcp_time_t)ctx->cfg->tcp_timewait * UTCP_NSEC_PER_SEC);
		return IN_DONE;
	}
	if (tcp_in_sync(tp, s) == IN_DONE || tcp_in_ack(tp, s) == IN_DONE)
		return IN_DONE;
	return tcp_in_data(tp, s);
}

static const tcp_state_fn tcp_state_input[TCPS_NSTATES] = {
	[TCPS_SYN_SENT] = tcp_in_syn_sent,
	[TCPS_SYN_RECEIVED] = tcp_in_syn_received,
	[TCPS_ESTABLISHED] = tcp_in_established,
	[TCPS_FIN_WAIT_1] = tcp_in_fin_wait_1,
	[TCPS_FIN_WAIT_2] = tcp_in_fin_wait_2,
	[TCPS_CLOSE_WAIT] = tcp_in_close_wait,
	[TCPS_CLOSING] = tcp_in_closing,
	[TCPS_LAST_ACK] = tcp_in_last_ack,
	[TCPS_TIME_WAIT] = tcp_in_time_wait,
};

/* ---- entry point -------------------------------------------------------------------- */

/* Validate the header (RFC 9293 §3.1) and fill s.  0, or -1 (counted). */
static inline int tcp_parse(struct utcp_ctx *ctx, const struct utcp_pkt *pkt, const uint8_t *th,
			    uint16_t len, uint32_t src, uint32_t dst, const struct tcp_addr6 *a6,
			    struct tcp_seg *s)
{
	if (len < TCP_HLEN) {
		ctx->stats.drop_tcp_short++;
		return -1;
	}
	unsigned doff = (unsigned)(th[12] >> 4) * 4;
	if (doff < TCP_HLEN || doff > len) {
		ctx->stats.drop_tcp_hlen++;
		return -1;
	}
	int verified = (pkt->ol_flags & UTCP_PKT_RX_L4_CKSUM_GOOD) != 0;
	if ((pkt->ol_flags & UTCP_PKT_RX_L4_CKSUM_BAD) ||
	    (!verified &&
	     utcp_csum_fold(utcp_csum_partial(
		     th, len,
		     a6 == NULL ? utcp_csum_pseudo(src, dst, UTCP_IPPROTO_TCP, len)
				: utcp_csum_pseudo6(&a6->raddr, &a6->laddr, UTCP_IPPROTO_TCP, len))) !=
		     0)) { /* RFC 8200 §8.1 for IPv6 */
		ctx->stats.drop_tcp_cksum++;
		return -1;
	}
	s->saddr = src;
	s->daddr = dst;
	s->a6 = a6;
	memcpy(&s->sport, th, 2);
	memcpy(&s->dport, th + 2, 2);
	s->seq = rd32(th + 4);
	s->ack = rd32(th + 8);
	s->flags = th[13];
	s->wnd = (uint16_t)(th[14] << 8 | th[15]);
	s->data = th + doff;
	s->len = s->len0 = len - doff;
	if (tcp_opts_parse(th + TCP_HLEN, doff - TCP_HLEN, s->flags & TH_SYN, &s->opt) < 0) {
		ctx->stats.drop_tcp_opt++;
		return -1;
	}
	return 0;
}

void utcp_tcp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		    const struct utcp_ipv4_view *ip)
{
	struct tcp_seg s;
	ctx->stats.tcp_rx++;
	if (ctx->tcp == NULL ||
	    tcp_parse(ctx, pkt, ip->payload, ip->payload_len, ip->src, ip->dst, NULL, &s) < 0) {
		if (ctx->tcp == NULL)
			ctx->stats.drop_tcp_no_sock++;
		utcp_ctx_free(ctx, port, pkt);
		return;
	}
	s.ecn = ip->tos & UTCP_IP_ECN_MASK; /* RFC 3168 §5 */
	s.lro_mss = (pkt->ol_flags & UTCP_PKT_RX_LRO) ? pkt->tso_segsz : 0; /* GRO, LRO */
	struct utcp_tcb *tp = tcp_flow_lookup(ctx, s.daddr, s.dport, s.saddr, s.sport);
	if (tp != NULL) {
		tcp_state_input[tp->state](tp, &s);
	} else if (ctx->tcp->twr_head != 0 && tcp_tw_input(ctx, &s)) {
		/* a TIME-WAIT record's (tcp_timewait.c) */
	} else {
		struct tcp_listener *l = tcp_listener_lookup(ctx, s.daddr, s.dport);
		if (l != NULL)
			tcp_in_listen(ctx, l, &s);
		else
			tcp_in_closed(ctx, &s);
	}
	utcp_ctx_free(ctx, port, pkt);
}

/* The same over IPv6 (RFC 8200; ctx->l6_input[6]): the addresses in a
 * tcp_addr6 the segment points at, their keys in saddr/daddr. */
void utcp_tcp_input6(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_ipv6_view *ip)
{
	struct tcp_seg s;
	struct tcp_addr6 a6 = { .laddr = ip->dst, .raddr = ip->src, .flow = 0 };
	ctx->stats.tcp_rx++;
	if (ctx->tcp == NULL ||
	    tcp_parse(ctx, pkt, ip->payload, ip->payload_len, tcp_addr6_key(ctx, &ip->src),
		      tcp_addr6_key(ctx, &ip->dst), &a6, &s) < 0) {
		if (ctx->tcp == NULL)
			ctx->stats.drop_tcp_no_sock++;
		utcp_ctx_free(ctx, port, pkt);
		return;
	}
	s.ecn = ip->tclass & UTCP_IP_ECN_MASK; /* RFC 3168 §5, RFC 8200 §7 */
	s.lro_mss = (pkt->ol_flags & UTCP_PKT_RX_LRO) ? pkt->tso_segsz : 0;
	struct utcp_tcb *tp = tcp_flow_lookup6(ctx, &a6, s.daddr, s.dport, s.saddr, s.sport);
	if (tp != NULL) {
		tcp_state_input[tp->state](tp, &s);
	} else if (ctx->tcp->twr_head != 0 && tcp_tw_input(ctx, &s)) {
		/* a TIME-WAIT record's (tcp_timewait.c) */
	} else if (pkt->ol_flags & UTCP_PKT_RX_COPY) {
		/* a copy every queue got (nic/fanout: a NIC whose RSS leaves IPv6
		 * to software): another context's; never answered, never opened */
		ctx->stats.drop_tcp_no_sock++;
	} else {
		struct tcp_listener *l = tcp_listener_lookup6(ctx, &a6.laddr, s.daddr, s.dport);
		if (l != NULL)
			tcp_in_listen(ctx, l, &s);
		else
			tcp_in_closed(ctx, &s);
	}
	utcp_ctx_free(ctx, port, pkt);
}
