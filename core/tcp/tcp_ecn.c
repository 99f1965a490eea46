/*
 * core/tcp/tcp_ecn.c - Explicit Congestion Notification (RFC 3168 §6.1):
 * the negotiation in the handshake, ECT(0) on new data, the receiver's
 * ECN-Echo until CWR, and the sender's one reduction per window of data.
 *
 * Call order:
 *   handshake: tcp_send_syn -> tcp_ecn_syn_out (ECE|CWR on an active open's
 *     first SYN with tcp_ecn = 1, ECE on the SYN-ACK of an ECN-setup SYN);
 *     tcp_syn_options (a SYN or SYN-ACK received) -> tcp_ecn_syn_in;
 *   sending: tcp_send_segment -> tcp_ecn_data_out (ECT(0), CWR) ->
 *     tcp_xmit_tcb -> tcp_ecn_tos / tcp_ecn_flags (the IP ECN field, ECE);
 *   receiving: tcp_in_data -> tcp_ecn_rcv (CWR ends the echo, CE starts
 *     it); tcp_in_ack -> tcp_ecn_ack (ECE: reduce once per window);
 *   any other reduction (cc_on_loss, cc_on_rto in tcp_cc.c) ->
 *     tcp_ecn_reduced (CWR owed; no second ECN reduction in this window).
 * A connection without ECN (tp->ecn == 0: tcp_ecn = 0, or the peer did
 * not agree) pays one test per segment.
 *
 * tcp_ecn (utcp.conf(5)) takes Linux's values: 0 never, 1 request ECN on
 * active opens and accept it on passive ones, 2 accept only.
 */
#include "core/tcp/tcp.h"

/* ---- handshake (RFC 3168 §6.1.1) ------------------------------------------ */

/* An active open's SYN is an ECN-setup SYN (ECE and CWR) with tcp_ecn = 1;
 * a retransmitted SYN is not, since a middlebox may drop ECN-setup SYNs
 * (§6.1.1.1 lets the host fall back; Linux does, tcp_ecn_fallback).  A
 * SYN-ACK answers an ECN-setup SYN with ECE alone (ECN-setup SYN-ACK).
 * Neither is ECT (§6.1.1). */
void tcp_ecn_syn_out(struct utcp_tcb *tp, struct tcp_out *o)
{
	if (tp->state == TCPS_SYN_SENT) {
		if (tp->ctx->tcp->ecn == TCP_ECN_ON && !(tp->flags & TF_SYN_REXMT)) {
			o->flags |= TH_ECE | TH_CWR;
			tp->ecn |= TCP_ECN_SETUP;
		}
		return;
	}
	if (tp->ecn & TCP_ECN_OK)
		o->flags |= TH_ECE;
}

/* A SYN or SYN-ACK taken in (tcp_syn_options): ECN is on for the
 * connection when both sides agreed.  Passive: the SYN had ECE and CWR
 * and tcp_ecn is not 0.  Active: we sent an ECN-setup SYN and the SYN-ACK
 * has ECE without CWR (§6.1.1: a SYN-ACK with both is no ECN-setup SYN-ACK,
 * from a host that reflects the flags), or, in a simultaneous open, the
 * peer's SYN is an ECN-setup SYN too. */
void tcp_ecn_syn_in(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	uint8_t ec = s->flags & (TH_ECE | TH_CWR);
	int ok;
	if (!(s->flags & TH_SYN))
		ok = 0; /* a SYN cookie's ACK: the SYN is gone, no ECN */
	else if (tp->flags & TF_PASSIVE)
		ok = tp->ctx->tcp->ecn != TCP_ECN_OFF && ec == (TH_ECE | TH_CWR);
	else if (s->flags & TH_ACK)
		ok = (tp->ecn & TCP_ECN_SETUP) && ec == TH_ECE;
	else
		ok = (tp->ecn & TCP_ECN_SETUP) && ec == (TH_ECE | TH_CWR);
	tp->ecn = ok ? TCP_ECN_OK : 0;
}

/* ---- sending --------------------------------------------------------------- */

/* A data segment: new data goes out ECT(0) (§6.1.2; ECT(1) is left to
 * L4S, RFC 8311 §4.2), with CWR on the first one after a reduction; a
 * retransmission is not ECT (§6.1.5), nor are pure ACKs (§6.1.4) and
 * window probes (§6.1.6), which do not come here. */
void tcp_ecn_data_out(struct utcp_tcb *tp, struct tcp_out *o, int rexmt)
{
	if (rexmt || o->data_len == 0)
		return;
	o->tos |= UTCP_IP_ECN_ECT0;
	if (tp->ecn & TCP_ECN_CWR) {
		o->flags |= TH_CWR;
		tp->ecn &= (uint8_t)~TCP_ECN_CWR;
		tp->ctx->stats.tcp_ecn_cwr_tx++;
	}
}

/* ECE on every ACK but a SYN-ACK while the receiver owes the echo
 * (§6.1.3); not on RSTs, which end the connection. */
uint8_t tcp_ecn_flags(const struct utcp_tcb *tp, uint8_t flags)
{
	if ((tp->ecn & TCP_ECN_ECHO) && (flags & (TH_ACK | TH_SYN | TH_RST)) == TH_ACK)
		flags |= TH_ECE;
	return flags;
}

/* ---- receiving --------------------------------------------------------------- */

/* A segment with data, in the window (§6.1.3): CWR ends the echo, then CE
 * (re)starts it -- a CWR segment marked CE is echoed again.  A new echo,
 * and the ACK of a CWR segment, are sent at once, as Linux (its quick-ACK
 * mode, tcp_ecn_accept_cwr): the sender's window may be small, and a
 * delayed ACK delays the signal. */
void tcp_ecn_rcv(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	if (s->flags & TH_CWR) {
		tp->ecn &= (uint8_t)~TCP_ECN_ECHO;
		tp->flags |= TF_ACKNOW; /* its cwnd may be one segment: no delay */
	}
	if (s->ecn != UTCP_IP_ECN_CE)
		return;
	tp->ctx->stats.tcp_ecn_ce_rx++;
	if (!(tp->ecn & TCP_ECN_ECHO)) {
		tp->ecn |= TCP_ECN_ECHO;
		tp->flags |= TF_ACKNOW;
	}
}

/* In a reduction window: the acknowledgments (una) have not gone beyond
 * what was sent when cwnd was last reduced.  The ACK of exactly that is
 * still in it: the receiver sent it before our CWR, on the first data
 * sent after, could reach it (as Linux holds its CWR state until
 * something above high_seq is acknowledged). */
static int tcp_ecn_in_window(const struct utcp_tcb *tp, uint32_t una)
{
	return (tp->ecn & TCP_ECN_REDUCED) && SEQ_LEQ(una, tp->ecn_high);
}

/* An acceptable ACK, SEG.ACK >= SND.UNA, with ECE (§6.1.2), after its
 * acknowledgment was taken (as Linux: FlightSize is what is still out):
 * at most once per window of data (none until SND.UNA is beyond what was
 * sent at the last reduction), ssthresh and cwnd from the congestion
 * control module's loss response (RFC 5681 §3.1's halving with NewReno,
 * CUBIC's beta: RFC 9438 §4.6 treats ECE as a loss), cwnd = ssthresh --
 * what the ACK grew is undone --, nothing resent, and CWR on the next new
 * data.  In loss recovery the recovery's reduction is this window's
 * (§6.1.2: not twice in one round trip). */
void tcp_ecn_ack(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	if (s->flags & TH_ECE)
		tcp_undo_cancel(tp); /* congestion the network reported: nothing to undo */
	if (!(s->flags & TH_ECE) || tcp_ecn_in_window(tp, tp->snd_una) ||
	    (tp->flags & (TF_RECOVERY | TF_LOSS)))
		return;
	tp->ctx->stats.tcp_ecn_ece_rx++;
	tp->cc->on_loss(tp); /* -> tcp_ecn_reduced: CWR owed, ecn_high */
	tp->cwnd = tp->ssthresh;
	tp->bytes_acked = 0;
	tp->ctx->stats.tcp_ecn_reductions++;
}

/* cwnd is being reduced (ECE, fast recovery or a timeout): CWR goes on the
 * first new data segment after it (§6.1.2), and ECE is not answered again
 * until what was sent by now is acknowledged.  Returns 1 when this window
 * already had its reduction (a loss after an ECE: §6.1.2, ssthresh is not
 * reduced twice in one round trip). */
int tcp_ecn_reduced(struct utcp_tcb *tp)
{
	int again = tcp_ecn_in_window(tp, tp->snd_una);
	tp->ecn |= TCP_ECN_CWR | TCP_ECN_REDUCED;
	tp->ecn_high = tp->snd_max;
	return again;
}
