/*
 * core/tcp/tcp_check.c - invariants of every connection of a context, for
 * the simulator and the tests to assert while a world runs:
 *
 *   - SND.UNA <= SND.NXT <= SND.MAX (RFC 9293 §3.3.1: the send sequence
 *     space is ordered);
 *   - data in flight never beyond the largest window the peer offered
 *     (RFC 9293 §3.8.6: a sender must not send beyond SND.UNA + SND.WND;
 *     one extra MSS allows a persist probe, one octet a FIN);
 *   - buffers never hold more than their size;
 *   - the out-of-order ranges are sorted, disjoint and merged, inside
 *     (RCV.NXT, the advertised right edge] and the ring, within their
 *     room, and the SACK history names ranges still held (tcp_ooo.c);
 *   - no state change outside RFC 9293 Figure 5 ever happened;
 *   - the TIME-WAIT records' FIFO, table and timer agree (tcp_tw_check).
 *
 * Reads the context, changes nothing.
 */
#include "core/tcp/tcp.h"

#include <stdio.h>

static int tcb_check(const struct utcp_tcb *tp, char *msg, size_t len)
{
	if (!SEQ_LEQ(tp->snd_una, tp->snd_nxt) || !SEQ_LEQ(tp->snd_nxt, tp->snd_max)) {
		snprintf(msg, len, "%s: snd_una %u snd_nxt %u snd_max %u out of order",
			 tcp_state_names[tp->state], tp->snd_una, tp->snd_nxt, tp->snd_max);
		return -1;
	}
	if (tp->state >= TCPS_ESTABLISHED &&
	    tp->snd_max - tp->snd_una > tp->max_sndwnd + tp->mss + 1) {
		snprintf(msg, len, "%s: %u octets in flight, beyond the peer's window %u",
			 tcp_state_names[tp->state], tp->snd_max - tp->snd_una, tp->max_sndwnd);
		return -1;
	}
	if (tp->snd.len > tp->snd.size || tp->rcv.len > tp->rcv.size) {
		snprintf(msg, len, "%s: buffer holds more than its size",
			 tcp_state_names[tp->state]);
		return -1;
	}
	return tcp_ooo_check(tp, msg, len);
}

int utcp_ctx_check_invariants(const struct utcp_ctx *ctx, char *msg, size_t len)
{
	const struct utcp_tcp_ctx *t = ctx->tcp;
	if (ctx->stats.tcp_illegal_transitions != 0) {
		snprintf(msg, len, "%llu state changes outside RFC 9293 Figure 5",
			 (unsigned long long)ctx->stats.tcp_illegal_transitions);
		return -1;
	}
	if (t == NULL)
		return 0;
	for (uint32_t i = 0; i <= t->flow_mask; i++)
		for (const struct utcp_tcb *tp = t->flows[i]; tp != NULL; tp = tp->hnext)
			if (tcb_check(tp, msg, len) < 0)
				return -1;
	return tcp_tw_check(t, msg, len);
}
