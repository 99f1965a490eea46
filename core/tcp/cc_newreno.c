/*
 * core/tcp/cc_newreno.c - NewReno congestion control (RFC 5681, RFC 6582):
 * slow start and congestion avoidance with byte counting (RFC 3465),
 * ssthresh = FlightSize / 2 on loss, cwnd = 1 SMSS after a timeout.
 * Slow start ends early on an RTT increase (HyStart++, RFC 9406, which
 * applies to any algorithm; cc_hystart.c).
 *
 * Call order: see tcp_cc.c.  The module sees the connection through a
 * struct tcp_cc_var (tcp_cc.h) only.
 */
#include "core/tcp/tcp_cc.h"

static struct tcp_hystart *hystart_of(struct tcp_cc_var *v)
{
	return (struct tcp_hystart *)v->priv;
}

static void newreno_on_rtt(struct tcp_cc_var *v, utcp_time_t rtt)
{
	tcp_hystart_rtt(v, hystart_of(v), rtt);
}

static void newreno_init(struct tcp_cc_var *v, uint32_t iw)
{
	v->cwnd = iw;
	v->ssthresh = UINT32_MAX; /* RFC 5681 §3.1: arbitrarily high */
	v->bytes_acked = 0;
	tcp_hystart_reset(v, hystart_of(v));
}

static void newreno_on_ack(struct tcp_cc_var *v, uint32_t acked)
{
	if (v->cwnd < v->ssthresh) {
		/* RFC 5681 §3.1 eq. 2: slow start, at most SMSS per ACK (or
		 * L = 2 SMSS, RFC 3465 §2.2, with tcp_abc = 2). */
		v->cwnd += acked < v->ss_max ? acked : v->ss_max;
		tcp_hystart_ack(v, hystart_of(v));
		return;
	}
	/* RFC 5681 §3.1 eq. 3 (byte counting, RFC 3465): one SMSS per cwnd acked. */
	v->bytes_acked += acked;
	if (v->bytes_acked >= v->cwnd) {
		v->bytes_acked -= v->cwnd;
		v->cwnd += v->mss;
	}
}

/* RFC 5681 §3.1 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS). */
static uint32_t newreno_ssthresh(const struct tcp_cc_var *v)
{
	uint32_t half = v->flight / 2;
	return half > 2u * v->mss ? half : 2u * v->mss;
}

static void newreno_on_loss(struct tcp_cc_var *v)
{
	/* RFC 6582 §3.2 step 2: cwnd = ssthresh + 3*SMSS. */
	v->ssthresh = newreno_ssthresh(v);
	v->cwnd = v->ssthresh + 3 * v->mss;
	v->bytes_acked = 0;
}

static void newreno_on_recovery_end(struct tcp_cc_var *v)
{
	/* RFC 6582 §3.2 step 3, option (1): min(ssthresh, FlightSize + SMSS). */
	uint32_t fs = v->flight + v->mss;
	v->cwnd = fs < v->ssthresh ? fs : v->ssthresh;
}

static void newreno_on_rto(struct tcp_cc_var *v)
{
	/* RFC 5681 §3.1 eq. 4 and 5: cwnd = LW = 1 SMSS. */
	v->ssthresh = newreno_ssthresh(v);
	v->cwnd = v->mss;
	v->bytes_acked = 0;
	tcp_hystart_reset(v, hystart_of(v));
}

static void newreno_after_idle(struct tcp_cc_var *v, uint32_t rw)
{
	/* RFC 5681 §4.1: cwnd = min(RW, cwnd), RW = IW. */
	if (v->cwnd > rw)
		v->cwnd = rw;
}

const struct tcp_cc_algo tcp_cc_algo_newreno = {
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_loss = newreno_on_loss,
	.on_recovery_end = newreno_on_recovery_end,
	.on_rtt = newreno_on_rtt,
	.on_rto = newreno_on_rto,
	.after_idle = newreno_after_idle,
};
