/*
 * core/tcp/tcp_pacing.c - pacing in the sender, as Linux's TCP paces with
 * the fq qdisc or by itself (its "earliest departure time" model,
 * tcp_update_skb_after_send): each packet leaves no sooner than the
 * previous one plus its length at the pacing rate.
 *
 * Call order: tcp_output_data, before each packet -> tcp_pace_wait (not
 * yet: the pacing timer is armed, output stops); after it ->
 * tcp_pace_sent (the next departure time); the timer -> tcp_pace_fire ->
 * tcp_output_schedule.  Time is the context's (ctx->now), so a paced run
 * in the simulator is as deterministic as any other.
 *
 * The rate (Linux's tcp_update_pacing_rate): max(cwnd, FlightSize) / SRTT
 * times tcp_pacing_ss_ratio (200 %) while cwnd < ssthresh / 2, else
 * tcp_pacing_ca_ratio (120 %): the window spread over less than a round
 * trip, so pacing never holds back what the window allows for long; capped
 * by the socket's SO_MAX_PACING_RATE.  Before an RTT sample there is no
 * rate (nothing held) unless SO_MAX_PACING_RATE gives one.  The first ten
 * segments of a connection go unpaced, as fq lets them.  A packet is a TSO
 * packet as tcp_push_each_write = 2 models them (else one segment); its
 * payload bytes count, and a late packet's lateness is credited against
 * the next gap, up to half of it (Linux's allowance for timer drift).
 * Loss recovery's retransmissions (tcp_output_recovery) are not paced.
 *
 * On for every connection with tcp_pacing = 1, or for one socket once
 * SO_MAX_PACING_RATE sets a finite rate (as Linux paces such a socket
 * itself); off, a connection pays one test per packet.
 */
#include "core/tcp/tcp.h"

#define TCP_PACE_FREE_SEGS 10 /* unpaced at the start (Linux's sch_fq) */

/* Bytes per second; 0: no rate (send as the windows allow). */
static uint64_t tcp_pacing_rate(const struct utcp_tcb *tp)
{
	const struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (!(tp->flags & TF_HAVE_RTT) || tp->srtt == 0)
		return tp->max_pacing_rate != UINT64_MAX ? tp->max_pacing_rate : 0;
	uint64_t ratio = tp->cwnd < tp->ssthresh / 2 ? t->pacing_ss_ratio : t->pacing_ca_ratio;
	uint32_t flight = tcp_flight_size(tp);
	uint64_t w = tp->cwnd > flight ? tp->cwnd : flight;
	/* w * ratio% per SRTT: w < 2^32, ratio <= 1000, 10^7 (ns / 100): < 2^64 */
	uint64_t rate = w * ratio * (UTCP_NSEC_PER_SEC / 100) / tp->srtt;
	return rate < tp->max_pacing_rate ? rate : tp->max_pacing_rate;
}

/* 1 if the next packet must wait: the pacing timer is armed for it.  The
 * segments of a packet begun go together. */
int tcp_pace_wait(struct utcp_tcb *tp)
{
	if (tp->pkt_segs != 0 || tp->pace_next <= tp->ctx->now)
		return 0;
	if (!utcp_timer_pending(&tp->t_pace) || tp->t_pace.expires != tp->pace_next) {
		utcp_timer_cancel(&tp->ctx->timers, &tp->t_pace);
		utcp_timer_add(&tp->ctx->timers, &tp->t_pace, tp->pace_next);
	}
	return 1;
}

/* A packet of `bytes` payload in `segs` segments left now: the earliest
 * departure of the next one. */
static void tcp_pace_packet(struct utcp_tcb *tp, uint32_t bytes, uint32_t segs)
{
	utcp_time_t now = tp->ctx->now, credit = 0;
	if (tp->pace_next < now) { /* late (or idle): the gap starts now */
		credit = now - tp->pace_next;
		tp->pace_next = now;
	}
	if (tp->pace_segs < TCP_PACE_FREE_SEGS) {
		tp->pace_segs = (uint8_t)(tp->pace_segs + segs < TCP_PACE_FREE_SEGS
						  ? tp->pace_segs + segs : TCP_PACE_FREE_SEGS);
		if (tp->pace_segs < TCP_PACE_FREE_SEGS)
			return;
	}
	uint64_t rate = tcp_pacing_rate(tp);
	if (rate == 0 || bytes == 0)
		return;
	utcp_time_t gap = (utcp_time_t)bytes * UTCP_NSEC_PER_SEC / rate;
	if (gap > UTCP_NSEC_PER_SEC)
		gap = UTCP_NSEC_PER_SEC; /* a rate lowered later must not stall it */
	gap -= credit < gap / 2 ? credit : gap / 2;
	tp->pace_next += gap;
}

/* A segment of len bytes went (len 0, segment 0 with end: the burst is
 * over); end: it ends its packet. */
void tcp_pace_sent(struct utcp_tcb *tp, uint32_t len, int end)
{
	if (len > 0 || !end) {
		tp->pkt_bytes += len;
		tp->pkt_segs++;
	}
	if (!end || tp->pkt_segs == 0)
		return;
	tcp_pace_packet(tp, tp->pkt_bytes, tp->pkt_segs);
	tp->pkt_bytes = 0;
	tp->pkt_segs = 0;
}

void tcp_pace_fire(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct utcp_tcb *tp = arg;
	(void)t;
	(void)now;
	tcp_output_schedule(tp);
}

/* SO_MAX_PACING_RATE (bytes per second; UINT64_MAX: none): a finite rate
 * turns pacing on for the connection, as Linux; it stays on. */
void tcp_pace_set_max(struct utcp_tcb *tp, uint64_t rate)
{
	tp->max_pacing_rate = rate;
	if (rate != UINT64_MAX)
		tp->pacing = 1;
}
