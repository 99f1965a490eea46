/*
 * core/tcp/cc_hystart.c - slow-start exit on RTT increase, shared by the
 * congestion control modules (RFC 9406 §4.2, simplified).
 *
 * Call order: a module's init and on_rto -> tcp_hystart_reset; its on_rtt
 * -> tcp_hystart_rtt; its on_ack in slow start -> tcp_hystart_ack.
 *
 * RTT samples are grouped in rounds (a round ends when the ACK passes what
 * was sent when it began); once cwnd >= 16 SMSS, with at least 8 samples in
 * the round, a minimum RTT that grew by eta = clamp(lastRoundMinRTT / 8,
 * 4 ms, 16 ms) ends slow start: ssthresh = cwnd, straight to congestion
 * avoidance, as Linux's HyStart does.  HyStart++'s Conservative Slow Start
 * phase is not implemented.  Without it a slow start that fills a drop-tail
 * queue doubles into it and loses half a window.
 */
#include "core/tcp/tcp_cc.h"

#define HYSTART_LOW_WINDOW 16   /* SMSS */
#define HYSTART_N_RTT_SAMPLE 8
#define HYSTART_MIN_ETA (4 * UTCP_NSEC_PER_MSEC)
#define HYSTART_MAX_ETA (16 * UTCP_NSEC_PER_MSEC)

void tcp_hystart_reset(const struct tcp_cc_var *v, struct tcp_hystart *hs)
{
	hs->cur_min = hs->last_min = UTCP_TIME_NEVER;
	hs->samples = 0;
	hs->round_end = v->snd_max;
}

void tcp_hystart_rtt(const struct tcp_cc_var *v, struct tcp_hystart *hs, utcp_time_t rtt)
{
	if (v->cwnd >= v->ssthresh)
		return;
	if (rtt < hs->cur_min)
		hs->cur_min = rtt;
	hs->samples++;
}

void tcp_hystart_ack(struct tcp_cc_var *v, struct tcp_hystart *hs)
{
	if (v->cwnd >= HYSTART_LOW_WINDOW * v->mss && hs->samples >= HYSTART_N_RTT_SAMPLE &&
	    hs->last_min != UTCP_TIME_NEVER && hs->cur_min != UTCP_TIME_NEVER) {
		utcp_time_t eta = hs->last_min / 8;
		if (eta < HYSTART_MIN_ETA)
			eta = HYSTART_MIN_ETA;
		if (eta > HYSTART_MAX_ETA)
			eta = HYSTART_MAX_ETA;
		if (hs->cur_min >= hs->last_min + eta) {
			v->ssthresh = v->cwnd;
			v->hystart_exits++;
		}
	}
	/* A new round once snd_una reaches round_end (SEQ_GEQ, RFC 9293 §3.4). */
	if ((int32_t)(v->snd_una - hs->round_end) >= 0) {
		hs->last_min = hs->cur_min;
		hs->cur_min = UTCP_TIME_NEVER;
		hs->samples = 0;
		hs->round_end = v->snd_max;
	}
}
