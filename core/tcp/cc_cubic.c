/*
 * core/tcp/cc_cubic.c - CUBIC congestion control (RFC 9438), the default,
 * with a delay-based slow-start exit after HyStart++ (RFC 9406).
 *
 * Call order: see tcp_cc.c.  Window arithmetic is in bytes and virtual
 * nanoseconds, integer only (core/ stays deterministic across machines):
 *   W_cubic(t) = C * (t - K)^3 + W_max           RFC 9438 §4.2, eq. 1
 *   K = cbrt((W_max - cwnd_epoch) / C)            eq. 2
 *   W_est += alpha_cubic * segments_acked / cwnd  §4.3 (Reno-friendly)
 * with C = 0.4, beta_cubic = 0.7, alpha_cubic = 3 (1 - beta) / (1 + beta)
 * = 9/17, time in ms and windows in segments of SMSS where the RFC says so.

 * Slow start ends early on an RTT increase (tcp_hystart_*, cc_hystart.c).
 * The module sees the connection through a struct tcp_cc_var (tcp_cc.h)
 * only.
 */
#include "core/tcp/tcp_cc.h"

#define CUBIC_BETA_NUM 7        /* beta_cubic = 0.7 */
#define CUBIC_BETA_DEN 10

struct cubic {
	struct tcp_hystart hs;
	uint32_t w_max;           /* bytes: cwnd before the last reduction */
	uint32_t origin;          /* bytes: W_max of the running epoch */
	uint32_t k_ms;            /* K */
	utcp_time_t epoch;        /* start of the congestion avoidance epoch, 0: none */
	uint64_t w_est;           /* bytes << 10 */
	uint64_t acc;             /* cwnd growth not yet applied (bytes * cwnd) */
};

_Static_assert(sizeof(struct cubic) <= TCP_CC_PRIV_WORDS * sizeof(uint64_t),
	       "struct cubic fits the private state");

static struct cubic *cubic_of(struct tcp_cc_var *v)
{
	return (struct cubic *)v->priv;
}

/* floor(cbrt(x)) */
static uint32_t icbrt(uint64_t x)
{
	uint64_t lo = 0, hi = 1u << 21; /* (2^21)^3 > 2^63 */
	while (lo < hi) {
		uint64_t mid = (lo + hi + 1) / 2;
		if (mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (uint32_t)lo;
}

/* Eq. 2 in ms: K^3 = (W_max - cwnd) / (C * SMSS) s^3 = diff * 2.5e9 / SMSS ms^3. */
static uint32_t cubic_k_ms(uint32_t diff, uint32_t mss)
{
	unsigned __int128 k3 = (unsigned __int128)diff * 2500000000u / mss;
	if (k3 > ((unsigned __int128)1 << 63))
		k3 = (unsigned __int128)1 << 63;
	return icbrt((uint64_t)k3);
}

/* Eq. 1 in bytes at t ms into the epoch. */
static uint32_t cubic_w(const struct cubic *c, uint64_t t_ms, uint32_t mss)
{
	int64_t d = (int64_t)t_ms - c->k_ms;
	if (d > (1 << 20))
		d = 1 << 20;
	if (d < -(1 << 20))
		d = -(1 << 20);
	__int128 w = (__int128)d * d * d * mss * 4 / 10000000000LL + c->origin;
	if (w < 0)
		return 0;
	return w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
}

static void cubic_init(struct tcp_cc_var *v, uint32_t iw)
{
	struct cubic *c = cubic_of(v);
	*c = (struct cubic){ 0 };
	v->cwnd = iw; /* RFC 6928 */
	v->ssthresh = UINT32_MAX;
	tcp_hystart_reset(v, &c->hs);
}

static void cubic_on_rtt(struct tcp_cc_var *v, utcp_time_t rtt)
{
	tcp_hystart_rtt(v, &cubic_of(v)->hs, rtt);
}

/* Start of a congestion avoidance epoch (RFC 9438 §4.2). */
static void cubic_epoch(struct tcp_cc_var *v, struct cubic *c)
{
	c->epoch = v->now;
	if (v->cwnd < c->w_max) {
		c->k_ms = cubic_k_ms(c->w_max - v->cwnd, v->mss);
		c->origin = c->w_max;
	} else {
		c->k_ms = 0;
		c->origin = v->cwnd;
	}
	c->w_est = (uint64_t)v->cwnd << 10;
	c->acc = 0;
}

static void cubic_on_ack(struct tcp_cc_var *v, uint32_t acked)
{
	struct cubic *c = cubic_of(v);
	uint32_t mss = v->mss;
	if (v->cwnd < v->ssthresh) { /* RFC 5681 §3.1 slow start */
		v->cwnd += acked < v->ss_max ? acked : v->ss_max; /* RFC 3465 §2.2 L */
		tcp_hystart_ack(v, &c->hs);
		return;
	}
	if (c->epoch == 0)
		cubic_epoch(v, c);
	utcp_time_t el = v->now - c->epoch;
	uint64_t t_ms = el / UTCP_NSEC_PER_MSEC;
	/* §4.3: alpha_cubic until W_est reaches W_max, then 1. */
	uint64_t a_num = (c->w_est >> 10) >= c->w_max ? 1 : 9, a_den = a_num == 1 ? 1 : 17;
	c->w_est += ((uint64_t)acked * mss * a_num << 10) / (a_den * v->cwnd);
	uint32_t w_est = (uint32_t)(c->w_est >> 10);
	if (cubic_w(c, t_ms, mss) < w_est) { /* Reno-friendly region */
		if (w_est > v->cwnd)
			v->cwnd = w_est;
		return;
	}
	/* §4.4, §4.5: grow toward W_cubic(t + RTT), at most 1.5 cwnd. */
	uint64_t rtt_ms = v->srtt / UTCP_NSEC_PER_MSEC;
	uint32_t target = cubic_w(c, t_ms + rtt_ms, mss);
	uint32_t cap = v->cwnd + v->cwnd / 2;
	target = target > cap ? cap : target;
	if (target <= v->cwnd)
		return;
	c->acc += (uint64_t)(target - v->cwnd) * acked;
	uint64_t inc = c->acc / v->cwnd;
	c->acc -= inc * v->cwnd;
	v->cwnd += (uint32_t)inc;
}

/* §4.6 multiplicative decrease and §4.7 fast convergence: from FlightSize
 * (RFC 9438 §4.6), or with tcp_cubic_md_cwnd from cwnd, as RFC 8312 §4.5
 * and Linux (whose cwnd does not grow while application-limited). */
static void cubic_reduce(struct tcp_cc_var *v)
{
	struct cubic *c = cubic_of(v);
	uint32_t w = v->flight;
	if (w > v->cwnd || v->md_cwnd)
		w = v->cwnd;
	if (w < c->w_max)
		c->w_max = (uint32_t)((uint64_t)w * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) /
				      (2 * CUBIC_BETA_DEN));
	else
		c->w_max = w;
	uint32_t ss = (uint32_t)((uint64_t)w * CUBIC_BETA_NUM / CUBIC_BETA_DEN);
	v->ssthresh = ss > 2u * v->mss ? ss : 2u * v->mss;
	c->epoch = 0;
}

static void cubic_on_loss(struct tcp_cc_var *v)
{
	cubic_reduce(v);
	/* RFC 6582 §3.2 step 2 for the non-SACK recovery; PRR overrides it. */
	v->cwnd = v->ssthresh + 3 * v->mss;
}

static void cubic_on_recovery_end(struct tcp_cc_var *v)
{
	/* RFC 6582 §3.2 step 3, option (1). */
	uint32_t fs = v->flight + v->mss;
	v->cwnd = fs < v->ssthresh ? fs : v->ssthresh;
}

static void cubic_on_rto(struct tcp_cc_var *v)
{
	/* §4.8: ssthresh as for a loss, cwnd = 1 SMSS, a fresh epoch. */
	struct cubic *c = cubic_of(v);
	cubic_reduce(v);
	v->cwnd = v->mss;
	tcp_hystart_reset(v, &c->hs);
}

static void cubic_after_idle(struct tcp_cc_var *v, uint32_t rw)
{
	/* RFC 5681 §4.1 restart window; the epoch restarts too (§5.8). */
	if (v->cwnd > rw)
		v->cwnd = rw;
	cubic_of(v)->epoch = 0;
}

const struct tcp_cc_algo tcp_cc_algo_cubic = {
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_loss = cubic_on_loss,
	.on_recovery_end = cubic_on_recovery_end,
	.on_rtt = cubic_on_rtt,
	.on_rto = cubic_on_rto,
	.after_idle = cubic_after_idle,
};
