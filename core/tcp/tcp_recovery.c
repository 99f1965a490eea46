/*
 * core/tcp/tcp_recovery.c - loss recovery on the ACK path: duplicate ACKs,
 * fast retransmit and fast recovery, NewReno for connections without SACK,
 * SACK-based recovery for the others.
 *
 * Call order, for each acceptable ACK (tcp_in_ack, tcp_input.c):
 *   [SACK] tcp_rack_ack_begin, tcp_sack_update (scoreboard, RFC 6675 Update())
 *   -> new data acknowledged: tcp_recovery_advance
 *      | SEG.ACK = SND.UNA: tcp_recovery_dupack
 *   -> [SACK] tcp_rack_ack_end (RFC 8985 §6.2 step 5) -> tcp_recovery_sack_ack.
 * RACK's reordering timer (tcp_rack.c) enters through tcp_sack_loss_detected.
 * What to resend is chosen at output (tcp_output_recovery, NextSeg()); the
 * module (tcp_cc.c) sets ssthresh on entry and grows cwnd outside recovery.
 *
 * Without SACK (RFC 5681 §3.2, RFC 6582 §3.2): the third duplicate ACK
 * retransmits the first unacknowledged segment and enters fast recovery,
 * once per window (recover); further duplicates inflate cwnd; a partial ACK
 * resends the next hole and deflates cwnd; a full ACK ends recovery.
 * RFC 3042 limited transmit lets the first two duplicates send new data.
 *
 * With SACK (RFC 6675 §5): recovery starts at DupThresh duplicates, when
 * the scoreboard says SND.UNA is lost (IsLost), or when RACK marks a
 * segment lost (RFC 8985 §6.2); during it PRR (RFC 6937) sets cwnd per ACK,
 * and it ends with an ACK beyond recover, cwnd = ssthresh.  After an RTO
 * (TF_LOSS, RFC 6675 §5.1) ACKs keep clocking out retransmissions until
 * loss_point is acknowledged.
 */
#include "core/tcp/tcp.h"

/* ---- new data acknowledged ------------------------------------------------ */

/* RFC 6582 §3.2 steps 3 and 4, after snd_una moved by `data` bytes. */
static int tcp_newreno_ack(struct utcp_tcb *tp, const struct tcp_seg *s, uint32_t data)
{
	if (SEQ_GT(s->ack, tp->recover)) { /* full acknowledgment */
		tp->flags &= ~(TF_RECOVERY | TF_PARTIAL_ACKED);
		tp->dupacks = 0;
		tp->cc->on_recovery_end(tp);
		return 1;
	}
	/* Partial: resend the next hole, deflate by what was acked, add back
	 * one SMSS if at least that much was acked. */
	tp->cwnd = tp->cwnd > data ? tp->cwnd - data : 0;
	if (data >= tp->mss)
		tp->cwnd += tp->mss;
	if (tp->cwnd < tp->mss)
		tp->cwnd = tp->mss;
	tcp_retransmit_first(tp);
	int first = !(tp->flags & TF_PARTIAL_ACKED);
	tp->flags |= TF_PARTIAL_ACKED;
	return first; /* the timer restarts on the first partial ACK only */
}

/* New data acknowledged (snd_una already moved by `data` bytes of the send
 * buffer): leave recovery on a full ACK, handle a partial one, or let the
 * module grow cwnd.  Returns whether the RTO timer restarts. */
/* RFC 5681 grows cwnd on every ACK outside recovery; with tcp_cwnd_limited
 * only while the sender uses it, as Linux's tcp_is_cwnd_limited (RFC 7661
 * §4.3 would not grow a window the sender does not fill): in slow start
 * while cwnd < 2 x the most in flight of the last window, after it while
 * the flight filled cwnd. */
static int tcp_may_grow_cwnd(const struct utcp_tcb *tp)
{
	if (!tp->ctx->tcp->cwnd_limited)
		return 1;
	if (tp->cwnd < tp->ssthresh)
		return tp->cwnd < 2 * tp->max_flight;
	return tp->cwnd_filled;
}

int tcp_recovery_advance(struct utcp_tcb *tp, const struct tcp_seg *s, uint32_t data)
{
	if ((tp->flags & TF_RECOVERY) && (tp->flags & TF_SACK)) {
		if (SEQ_GT(s->ack, tp->recover)) { /* RFC 6675 §5, RFC 6937 §3: done */
			tp->flags &= ~(TF_RECOVERY | TF_PARTIAL_ACKED);
			tp->dupacks = 0;
			tp->cwnd = tp->ssthresh;
		}
		return 1;
	}
	if (tp->flags & TF_RECOVERY)
		return tcp_newreno_ack(tp, s, data);
	if ((tp->flags & TF_LOSS) && SEQ_GEQ(s->ack, tp->sb.loss_point))
		tp->flags &= ~TF_LOSS; /* RFC 6675 §5.1: RTO recovery over */
	tp->dupacks = 0;
	if (tcp_may_grow_cwnd(tp))
		tp->cc->on_ack(tp, data);
	return 1;
}

/* ---- duplicate ACKs and recovery entry ------------------------------------- */

/* RFC 5681 §2 duplicate ACK; §3.2 fast retransmit on the third, with the
 * NewReno entry test of RFC 6582 §3.2 step 2. */
void tcp_recovery_dupack(struct utcp_tcb *tp, const struct tcp_seg *s, uint32_t wnd)
{
	struct utcp_ctx *ctx = tp->ctx;
	/* A zero window answers a window probe: not a sign of loss. */
	if (s->len0 != 0 || (s->flags & (TH_SYN | TH_FIN)) || wnd != tp->snd_wnd || wnd == 0 ||
	    tp->snd_max == tp->snd_una)
		return;
	tp->dupacks++;
	ctx->stats.tcp_dup_acks++;
	if (tp->flags & TF_SACK) { /* RFC 6675: tcp_recovery_sack_ack decides */
		if (!(tp->flags & TF_RECOVERY) && tp->dupacks < TCP_DUPTHRESH)
			tcp_output_schedule(tp); /* RFC 3042 limited transmit */
		return;
	}
	if (tp->flags & TF_RECOVERY) {
		tp->cwnd += tp->mss; /* RFC 6582 §3.2 step 3: inflate */
		tcp_output_schedule(tp);
		return;
	}
	if (tp->dupacks < 3) {
		tcp_output_schedule(tp); /* RFC 3042 limited transmit */
		return;
	}
	if (tp->dupacks != 3 || !SEQ_GT(s->ack, tp->recover))
		return;
	tp->recover = tp->snd_max - 1;
	tp->cc->on_loss(tp);
	tp->flags |= TF_RECOVERY;
	tp->flags &= ~TF_PARTIAL_ACKED;
	ctx->stats.tcp_fast_retransmits++;
	ctx->stats.tcp_fast_recoveries++;
	tcp_retransmit_first(tp);
}

/* RFC 6675 §5: enter loss recovery when DupThresh duplicate ACKs arrived
 * or the scoreboard says HighACK + 1 is lost, once per window (RFC 6582
 * §3.2 step 2's test on recover); set ssthresh, start PRR (RFC 6937). */
static void tcp_sack_enter_recovery(struct utcp_tcb *tp)
{
	struct tcp_sack_scoreboard *sb = &tp->sb;
	tp->recover = tp->snd_max - 1;
	tcp_undo_start(tp); /* RFC 3708: the reduction, in case it proves spurious */
	tp->cc->on_loss(tp);
	tp->flags |= TF_RECOVERY;
	tp->flags &= ~TF_PARTIAL_ACKED;
	sb->prr_delivered = sb->prr_out = 0;
	sb->recover_fs = tcp_flight_size(tp);
	sb->high_rxt = tp->snd_una;
	sb->fast_rexmt = 1;
	tp->ctx->stats.tcp_fast_retransmits++;
	tp->ctx->stats.tcp_fast_recoveries++;
	tp->ctx->stats.tcp_sack_recoveries++;
}

/* After the ACK field of a SACK connection was processed: recovery entry
 * (DupThresh, IsLost(HighACK + 1), or RACK found a segment lost: RFC 8985
 * §6.2 step 5), or PRR's cwnd for this ACK during recovery. */
void tcp_recovery_sack_ack(struct utcp_tcb *tp, uint32_t delivered, unsigned rack_lost,
			   int advanced)
{
	if (tp->flags & TF_RECOVERY) {
		tcp_prr_ack(tp, delivered, advanced && rack_lost == 0);
		tcp_output_schedule(tp);
		tcp_rack_recovery_arm(tp); /* the clock runs: probe later */
		return;
	}
	if (tp->flags & TF_LOSS) {
		/* RFC 6675 §5.1: after a timeout the ACKs keep clocking out
		 * NextSeg() as SACKed data leaves the pipe, duplicates too. */
		if (delivered > 0 || rack_lost > 0)
			tcp_output_schedule(tp);
		return;
	}
	if (tp->snd_max == tp->snd_una || !SEQ_GT(tp->snd_una, tp->recover))
		return;
	if (tp->dupacks < TCP_DUPTHRESH && rack_lost == 0 && !tcp_sack_is_lost(tp, tp->snd_una))
		return;
	tcp_sack_enter_recovery(tp);
	tcp_prr_ack(tp, delivered, advanced && rack_lost == 0);
	tcp_output_schedule(tp);
	tcp_rack_recovery_arm(tp);
}

void tcp_sack_loss_detected(struct utcp_tcb *tp)
{
	tcp_recovery_sack_ack(tp, 0, 1, 0);
}
