/*
 * core/tcp/tcp_cc.c - the congestion control interface: the module table
 * (cc_newreno.c, cc_cubic.c), the initial window and FlightSize.
 *
 * Call order: tcp_init_cc_and_rtt -> cc->init; ACK processing -> on_ack
 * (new data acked, outside recovery) | on_loss (recovery entry) |
 * on_recovery_end (full ACK, non-SACK NewReno recovery); every RTT
 * measurement -> on_rtt; RTO -> on_rto; output after idle -> after_idle.
 * The loss-recovery mechanics (which segment to resend, NewReno's window
 * inflation and deflation (RFC 6582), PRR's cwnd during SACK recovery
 * (RFC 6937, tcp_sack.c)) live in tcp_recovery.c and tcp_output.c; a module
 * decides ssthresh, and cwnd outside recovery.
 */
#include <string.h>

#include "core/tcp/tcp.h"

/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)); RFC 5681 §3.1: one
 * segment if the SYN or SYN-ACK had to be retransmitted. */
uint32_t tcp_initial_window(const struct utcp_tcb *tp)
{
	uint32_t mss = tp->mss;
	if (tp->flags & TF_SYN_REXMT)
		return mss;
	uint32_t iw = 2 * mss > 14600 ? 2 * mss : 14600;
	return iw < 10 * mss ? iw : 10 * mss;
}

/*
 * Slow-start exit (RFC 9406 §4.2, simplified): RTT samples are grouped in
 * rounds (a round ends when the ACK passes what was sent when it began);
 * once cwnd >= 16 SMSS, with at least 8 samples in the round, a minimum
 * RTT that grew by eta = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms) ends slow
 * start: ssthresh = cwnd, straight to congestion avoidance, as Linux's
 * HyStart does.  HyStart++'s Conservative Slow Start phase is not
 * implemented.  Without it a slow start that fills a drop-tail queue
 * doubles into it and loses half a window.
 */
#define HYSTART_LOW_WINDOW 16   /* SMSS */
#define HYSTART_N_RTT_SAMPLE 8
#define HYSTART_MIN_ETA (4 * UTCP_NSEC_PER_MSEC)
#define HYSTART_MAX_ETA (16 * UTCP_NSEC_PER_MSEC)

void tcp_hystart_reset(struct utcp_tcb *tp, struct tcp_hystart *hs)
{
	hs->cur_min = hs->last_min = UTCP_TIME_NEVER;
	hs->samples = 0;
	hs->round_end = tp->snd_max;
}

void tcp_hystart_rtt(struct utcp_tcb *tp, struct tcp_hystart *hs, utcp_time_t rtt)
{
	if (tp->cwnd >= tp->ssthresh)
		return;
	if (rtt < hs->cur_min)
		hs->cur_min = rtt;
	hs->samples++;
}

void tcp_hystart_ack(struct utcp_tcb *tp, struct tcp_hystart *hs)
{
	if (tp->cwnd >= HYSTART_LOW_WINDOW * (uint32_t)tp->mss &&
	    hs->samples >= HYSTART_N_RTT_SAMPLE && hs->last_min != UTCP_TIME_NEVER &&
	    hs->cur_min != UTCP_TIME_NEVER) {
		utcp_time_t eta = hs->last_min / 8;
		if (eta < HYSTART_MIN_ETA)
			eta = HYSTART_MIN_ETA;
		if (eta > HYSTART_MAX_ETA)
			eta = HYSTART_MAX_ETA;
		if (hs->cur_min >= hs->last_min + eta) {
			tp->ssthresh = tp->cwnd;
			tp->ctx->stats.tcp_hystart_exits++;
		}
	}
	if (SEQ_GEQ(tp->snd_una, hs->round_end)) { /* a new round */
		hs->last_min = hs->cur_min;
		hs->cur_min = UTCP_TIME_NEVER;
		hs->samples = 0;
		hs->round_end = tp->snd_max;
	}
}

/* RFC 5681 §2: FlightSize, data sent but not yet acknowledged. */
uint32_t tcp_flight_size(const struct utcp_tcb *tp)
{
	return tp->snd_max - tp->snd_una;
}

static const struct utcp_cc_ops *const tcp_cc_modules[] = {
	&tcp_cc_newreno,
	&tcp_cc_cubic,
};

/* The module called `name` ("reno" is NewReno; "" the default), or NULL. */
const struct utcp_cc_ops *tcp_cc_find(const char *name)
{
	if (name == NULL || name[0] == '\0' || strcmp(name, "reno") == 0)
		return &tcp_cc_newreno;
	for (size_t i = 0; i < sizeof(tcp_cc_modules) / sizeof(tcp_cc_modules[0]); i++)
		if (strcmp(tcp_cc_modules[i]->name, name) == 0)
			return tcp_cc_modules[i];
	return NULL;
}
