/*
 * core/tcp/tcp_undo.c - undoing a congestion response that D-SACKs show
 * was spurious (tcp_undo, SACK connections): a fast recovery or a
 * retransmission timeout whose every retransmitted octet the receiver
 * reports as a duplicate (RFC 2883 §4) lost nothing; the original
 * segments were only reordered or delayed, or their ACKs lost.
 *
 * Detection is RFC 3708's (§3, "Detecting spurious retransmissions with
 * D-SACK"): count what the episode resent, take off what D-SACK blocks
 * report, and when the episode is over with nothing left the reduction
 * was spurious.  The response restores cwnd and ssthresh to their values
 * before the reduction, as RFC 4015 §3 (the Eifel response restores the
 * window the spurious retransmission cut) and Linux's
 * tcp_undo_cwnd_reduction (tcp_try_undo_recovery, tcp_try_undo_dsack,
 * tcp_try_undo_loss) do: never lower than they are now.
 *
 * Call order:
 *   tcp_sack_enter_recovery (tcp_recovery.c), tcp_rexmt_data's first
 *     timeout (tcp_timer.c) -> tcp_undo_start, before the reduction (a
 *     timeout inside a recovery continues that episode, Linux's
 *     undo_marker);
 *   tcp_rack_xmit -> tcp_undo_rexmt for each retransmission;
 *   tcp_rack_ack_begin -> tcp_undo_dsack for an ACK's D-SACK block;
 *   tcp_in_ack -> tcp_undo_check after the ACK was processed: the episode
 *     ends with its recovery; D-SACKs still count for one more window
 *     (they usually arrive just after: the original ended the recovery,
 *     the copy follows it), then the record closes.
 */
#include <string.h>

#include "core/tcp/tcp.h"

/* The record, with the send ring; NULL without one. */
static struct tcp_undo *undo_of(const struct utcp_tcb *tp)
{
	if (tp->rack.run == NULL)
		return NULL;
	return (struct tcp_undo *)((uint8_t *)tp->rack.run - offsetof(struct tcp_sndx, run) +
				   offsetof(struct tcp_sndx, undo));
}

/* A reduction that must stay (ECN, a loss a probe repaired). */
void tcp_undo_cancel(struct utcp_tcb *tp)
{
	struct tcp_undo *u = undo_of(tp);
	if (u != NULL)
		u->on = 0;
}

void tcp_undo_start(struct utcp_tcb *tp)
{
	struct tcp_undo *u = undo_of(tp);
	if (u == NULL || !tp->ctx->tcp->undo || !(tp->flags & TF_SACK))
		return;
	if (u->on && !u->over && (tp->flags & (TF_RECOVERY | TF_LOSS)))
		return; /* the episode goes on: its first reduction is the one to undo */
	u->cwnd = tp->cwnd;
	u->ssthresh = tp->ssthresh;
	u->lo = u->hi = u->rexmt = u->end = 0;
	u->on = 1;
	u->over = u->sent = 0;
	memcpy(u->cc_priv, tp->cc_priv, sizeof(u->cc_priv));
}

void tcp_undo_rexmt(struct utcp_tcb *tp, uint32_t seq, uint32_t len)
{
	struct tcp_undo *u = undo_of(tp);
	if (u == NULL || !u->on || u->over || len == 0)
		return;
	if (!u->sent || SEQ_LT(seq, u->lo))
		u->lo = seq;
	if (!u->sent || SEQ_GT(seq + len, u->hi))
		u->hi = seq + len;
	u->sent = 1;
	u->rexmt = u->rexmt + len < u->rexmt ? UINT32_MAX : u->rexmt + len;
}

/* RFC 3708 §3: a D-SACK block inside what the episode resent, on an ACK
 * no later than the episode's end (a copy sent in the episode arrives
 * before what was sent after it). */
void tcp_undo_dsack(struct utcp_tcb *tp, uint32_t ack, uint32_t start, uint32_t end)
{
	struct tcp_undo *u = undo_of(tp);
	if (u == NULL)
		return;
	if (u->on && u->over && SEQ_GT(ack, u->end))
		u->on = 0; /* a window since the episode ended: too late */
	if (!u->on || !u->sent)
		return;
	uint32_t s = SEQ_MAX(start, u->lo), e = SEQ_MIN(end, u->hi);
	if (!SEQ_LT(s, e))
		return;
	u->rexmt -= e - s < u->rexmt ? e - s : u->rexmt;
}

/* After an ACK: the episode's end, the undo, or the record's end. */
void tcp_undo_check(struct utcp_tcb *tp)
{
	struct tcp_undo *u = undo_of(tp);
	if (u == NULL || !u->on)
		return;
	if (!u->over) {
		if (tp->flags & (TF_RECOVERY | TF_LOSS))
			return;
		u->over = 1;
		u->end = tp->snd_max;
	}
	if (u->sent && u->rexmt == 0) {
		if (tp->cwnd < u->cwnd)
			tp->cwnd = u->cwnd;
		if (tp->ssthresh < u->ssthresh)
			tp->ssthresh = u->ssthresh;
		memcpy(tp->cc_priv, u->cc_priv, sizeof(tp->cc_priv));
		u->on = 0;
		tp->ctx->stats.tcp_undos++;
		tcp_output_schedule(tp);
		return;
	}
	if (SEQ_GT(tp->snd_una, u->end))
		u->on = 0; /* no D-SACK for the episode is coming any more */
}
