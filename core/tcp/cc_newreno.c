/*
 * core/tcp/cc_newreno.c - NewReno congestion control (RFC 5681, RFC 6582):
 * slow start and congestion avoidance with byte counting (RFC 3465),
 * ssthresh = FlightSize / 2 on loss, cwnd = 1 SMSS after a timeout.
 * Slow start ends early on an RTT increase (HyStart++, RFC 9406, which
 * applies to any algorithm; tcp_hystart_* in tcp_cc.c).
 *
 * Call order: see tcp_cc.c.
 */
#include "core/tcp/tcp.h"

static struct tcp_hystart *hystart_of(struct utcp_tcb *tp)
{
	return (struct tcp_hystart *)(void *)tp->cc_priv;
}

static void newreno_on_rtt(struct utcp_tcb *tp, utcp_time_t rtt)
{
	tcp_hystart_rtt(tp, hystart_of(tp), rtt);
}

static void newreno_init(struct utcp_tcb *tp)
{
	tp->cwnd = tcp_initial_window(tp);
	tp->ssthresh = UINT32_MAX; /* RFC 5681 §3.1: arbitrarily high */
	tp->bytes_acked = 0;
	tcp_hystart_reset(tp, hystart_of(tp));
}

static void newreno_on_ack(struct utcp_tcb *tp, uint32_t acked)
{
	if (tp->cwnd < tp->ssthresh) {
		/* RFC 5681 §3.1 eq. 2: slow start, at most SMSS per ACK. */
		tp->cwnd += acked < tp->mss ? acked : tp->mss;
		tcp_hystart_ack(tp, hystart_of(tp));
		return;
	}
	/* RFC 5681 §3.1 eq. 3 (byte counting, RFC 3465): one SMSS per cwnd acked. */
	tp->bytes_acked += acked;
	if (tp->bytes_acked >= tp->cwnd) {
		tp->bytes_acked -= tp->cwnd;
		tp->cwnd += tp->mss;
	}
}

/* RFC 5681 §3.1 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS). */
static uint32_t newreno_ssthresh(const struct utcp_tcb *tp)
{
	uint32_t half = tcp_flight_size(tp) / 2;
	return half > 2u * tp->mss ? half : 2u * tp->mss;
}

static void newreno_on_loss(struct utcp_tcb *tp)
{
	/* RFC 6582 §3.2 step 2: cwnd = ssthresh + 3*SMSS. */
	tp->ssthresh = newreno_ssthresh(tp);
	tp->cwnd = tp->ssthresh + 3 * tp->mss;
	tp->bytes_acked = 0;
}

static void newreno_on_recovery_end(struct utcp_tcb *tp)
{
	/* RFC 6582 §3.2 step 3, option (1): min(ssthresh, FlightSize + SMSS). */
	uint32_t fs = tcp_flight_size(tp) + tp->mss;
	tp->cwnd = fs < tp->ssthresh ? fs : tp->ssthresh;
}

static void newreno_on_rto(struct utcp_tcb *tp)
{
	/* RFC 5681 §3.1 eq. 4 and 5: cwnd = LW = 1 SMSS. */
	tp->ssthresh = newreno_ssthresh(tp);
	tp->cwnd = tp->mss;
	tp->bytes_acked = 0;
	tcp_hystart_reset(tp, hystart_of(tp));
}

static void newreno_after_idle(struct utcp_tcb *tp)
{
	/* RFC 5681 §4.1: cwnd = min(RW, cwnd), RW = IW. */
	uint32_t rw = tcp_initial_window(tp);
	if (tp->cwnd > rw)
		tp->cwnd = rw;
}

const struct utcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_loss = newreno_on_loss,
	.on_recovery_end = newreno_on_recovery_end,
	.on_rtt = newreno_on_rtt,
	.on_rto = newreno_on_rto,
	.after_idle = newreno_after_idle,
};
