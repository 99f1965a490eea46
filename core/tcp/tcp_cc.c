/*
 * core/tcp/tcp_cc.c - the congestion control interface: the module table
 * (cc_newreno.c, cc_cubic.c), the adapter between the TCB and a module's
 * narrow view (struct tcp_cc_var, tcp_cc.h) and the initial window.
 *
 * Call order: tcp_init_cc_and_rtt -> cc->init; ACK processing -> on_ack
 * (new data acked, outside recovery) | on_loss (recovery entry) |
 * on_recovery_end (full ACK, non-SACK NewReno recovery); every RTT
 * measurement -> on_rtt; RTO -> on_rto; output after idle -> after_idle.
 * Each hook here fills a tcp_cc_var from the TCB, runs the module's hook
 * and writes cwnd, ssthresh and bytes_acked back.
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

/* ---- the adapter ----------------------------------------------------------- */

static void cc_fill(struct tcp_cc_var *v, struct utcp_tcb *tp)
{
	v->cwnd = tp->cwnd;
	v->ssthresh = tp->ssthresh;
	v->bytes_acked = tp->bytes_acked;
	v->hystart_exits = 0;
	v->mss = tp->mss;
	/* tcp_abc (RFC 3465 §2.2 L); tcp_abc_nolimit: every byte acknowledged,
	 * as Linux's slow start counts every segment an ACK covers. */
	v->ss_max = tp->ctx->tcp->abc_nolimit ? UINT32_MAX
					      : (uint32_t)tp->mss << tp->ctx->tcp->abc_shift;
	v->flight = tcp_flight_size(tp);
	v->md_cwnd = tp->ctx->tcp->cubic_md_cwnd;
	v->snd_una = tp->snd_una;
	v->snd_max = tp->snd_max;
	v->srtt = tp->srtt;
	v->now = tp->ctx->now;
	v->priv = tp->cc_priv;
}

static void cc_writeback(struct utcp_tcb *tp, const struct tcp_cc_var *v)
{
	tp->cwnd = v->cwnd;
	tp->ssthresh = v->ssthresh;
	tp->bytes_acked = v->bytes_acked;
	if (v->hystart_exits != 0)
		tp->ctx->stats.tcp_hystart_exits += v->hystart_exits;
}

static void cc_init(struct utcp_tcb *tp)
{
	struct tcp_cc_var v;
	cc_fill(&v, tp);
	tp->cc->algo->init(&v, tcp_initial_window(tp));
	cc_writeback(tp, &v);
}

static void cc_on_ack(struct utcp_tcb *tp, uint32_t acked)
{
	struct tcp_cc_var v;
	cc_fill(&v, tp);
	tp->cc->algo->on_ack(&v, acked);
	cc_writeback(tp, &v);
}

/* RFC 3168 §6.1.2: every reduction owes CWR on an ECN connection, and an
 * ECE already reduced ssthresh in this window: a loss in it does not again
 * (cwnd as the modules set it on entry, RFC 6582 §3.2 step 2). */
static void cc_on_loss(struct utcp_tcb *tp)
{
	if ((tp->ecn & TCP_ECN_OK) && tcp_ecn_reduced(tp)) {
		tp->cwnd = tp->ssthresh + 3 * (uint32_t)tp->mss;
		tp->bytes_acked = 0;
		return;
	}
	struct tcp_cc_var v;
	cc_fill(&v, tp);
	tp->cc->algo->on_loss(&v);
	cc_writeback(tp, &v);
}

static void cc_on_recovery_end(struct utcp_tcb *tp)
{
	struct tcp_cc_var v;
	cc_fill(&v, tp);
	tp->cc->algo->on_recovery_end(&v);
	cc_writeback(tp, &v);
}

/* An RTT sample, on every ACK that gives one: the module sees the window
 * and the times (tcp_cc.h), not the per-ACK figures cc_fill adds. */
static void cc_on_rtt(struct utcp_tcb *tp, utcp_time_t rtt)
{
	if (tp->cc->algo->on_rtt == NULL)
		return;
	struct tcp_cc_var v;
	v.cwnd = tp->cwnd;
	v.ssthresh = tp->ssthresh;
	v.bytes_acked = tp->bytes_acked;
	v.hystart_exits = 0;
	v.mss = tp->mss;
	v.ss_max = v.flight = v.snd_una = v.snd_max = 0;
	v.md_cwnd = 0;
	v.srtt = tp->srtt;
	v.now = tp->ctx->now;
	v.priv = tp->cc_priv;
	tp->cc->algo->on_rtt(&v, rtt);
	cc_writeback(tp, &v);
}

static void cc_on_rto(struct utcp_tcb *tp)
{
	if (tp->ecn & TCP_ECN_OK)
		tcp_ecn_reduced(tp); /* RFC 3168 §6.1.2: CWR after a timeout too */
	struct tcp_cc_var v;
	cc_fill(&v, tp);
	tp->cc->algo->on_rto(&v);
	cc_writeback(tp, &v);
}

static void cc_after_idle(struct utcp_tcb *tp)
{
	struct tcp_cc_var v;
	cc_fill(&v, tp);
	tp->cc->algo->after_idle(&v, tcp_initial_window(tp)); /* RW = IW */
	cc_writeback(tp, &v);
}

#define TCP_CC_OPS(n, a)                                                                   \
	{                                                                                  \
		.name = (n), .algo = (a), .init = cc_init, .on_ack = cc_on_ack,            \
		.on_loss = cc_on_loss, .on_recovery_end = cc_on_recovery_end,              \
		.on_rtt = cc_on_rtt, .on_rto = cc_on_rto, .after_idle = cc_after_idle,     \
	}

const struct utcp_cc_ops tcp_cc_newreno = TCP_CC_OPS("newreno", &tcp_cc_algo_newreno);
const struct utcp_cc_ops tcp_cc_cubic = TCP_CC_OPS("cubic", &tcp_cc_algo_cubic);

/* ---- the module table ------------------------------------------------------- */

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
