/*
 * core/tcp/tcp_timer.c - the three timers of a connection.
 *
 * Call order: armed by input, output and the socket layer; fired by the
 * context's timer wheel (utcp_timer_run in each round, before TCP output).
 *
 *   t_rexmt   retransmission timeout (RFC 6298) for SYN, data and FIN, with
 *             exponential backoff and a retry limit (ETIMEDOUT), or, when
 *             TF_PERSIST is set, the persist timer probing a zero window
 *             (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17).
 *             Timeouts in a row may lower the MSS (RFC 4821 black hole,
 *             tcp_mtu_probing).
 *   t_delack  delayed ACK (RFC 1122 §4.2.3.2, RFC 9293 §3.8.6.3).
 *   t_keep    keepalive (RFC 1122 §4.2.3.6), the idle timeout (tcp_timeout),
 *             orphaned FIN-WAIT-2, and TIME-WAIT (2*MSL = tcp_timewait).
 *   t_rack    RACK's reordering timer or the Tail Loss Probe's PTO
 *             (RFC 8985 §6.3, §7.2), fired in tcp_rack.c.
 * Idle-based deadlines are checked lazily: the timer fires at the earliest
 * possible deadline and re-arms itself if traffic has moved it.
 */
#include <errno.h>

#include "core/tcp/tcp.h"

static void tcp_rexmt_fire(struct utcp_timer *t, void *arg, utcp_time_t now);
static void tcp_delack_fire(struct utcp_timer *t, void *arg, utcp_time_t now);
static void tcp_keep_fire(struct utcp_timer *t, void *arg, utcp_time_t now);

void tcp_timers_init(struct utcp_tcb *tp)
{
	utcp_timer_init(&tp->t_rexmt, tcp_rexmt_fire, tp);
	utcp_timer_init(&tp->t_delack, tcp_delack_fire, tp);
	utcp_timer_init(&tp->t_keep, tcp_keep_fire, tp);
	utcp_timer_init(&tp->t_rack, tcp_rack_timer_fire, tp);
	utcp_timer_init(&tp->t_pace, tcp_pace_fire, tp);
}

void tcp_timers_cancel(struct utcp_tcb *tp)
{
	struct utcp_timer_wheel *tw = &tp->ctx->timers;
	utcp_timer_cancel(tw, &tp->t_rexmt);
	utcp_timer_cancel(tw, &tp->t_delack);
	utcp_timer_cancel(tw, &tp->t_keep);
	utcp_timer_cancel(tw, &tp->t_rack);
	utcp_timer_cancel(tw, &tp->t_pace);
	tp->flags &= ~TF_PERSIST;
}

/* ---- RTO (RFC 6298) --------------------------------------------------- */

/* RFC 6298 §2.2, §2.3: SRTT, RTTVAR and RTO from a measurement R. */
void tcp_rtt_sample(struct utcp_tcb *tp, utcp_time_t r)
{
	if (!(tp->flags & TF_HAVE_RTT)) {
		tp->srtt = r;
		tp->rttvar = r / 2;
		tp->flags |= TF_HAVE_RTT;
	} else {
		utcp_time_t delta = tp->srtt > r ? tp->srtt - r : r - tp->srtt;
		tp->rttvar = (3 * tp->rttvar + delta) / 4; /* beta = 1/4 */
		tp->srtt = (7 * tp->srtt + r) / 8;         /* alpha = 1/8 */
	}
	utcp_time_t k = 4 * tp->rttvar;
	if (tp->ctx->tcp->rto_min_var && k < tp->ctx->tcp->rto_min)
		k = tp->ctx->tcp->rto_min; /* tcp_rto_min_var: Linux's floor */
	tp->rto = tp->srtt + (k > TCP_CLOCK_G ? k : TCP_CLOCK_G);
	/* RFC 6298 §2.4: 1 s, or the configured floor (Linux: 200 ms, on the
	 * variation term: RTO = SRTT + max(4 * RTTVAR, 200 ms), never below
	 * the RFC's value with the same floor). */
	if (tp->rto < tp->ctx->tcp->rto_min)
		tp->rto = tp->ctx->tcp->rto_min;
	if (tp->rto > TCP_RTO_MAX) /* RFC 6298 §2.5 */
		tp->rto = TCP_RTO_MAX;
	if (tp->cc->on_rtt != NULL)
		tp->cc->on_rtt(tp, r);
}

/* RFC 6298 §5.5: the RTO doubles with each consecutive timeout. */
utcp_time_t tcp_rto_backoff(const struct utcp_tcb *tp)
{
	utcp_time_t rto = tp->rto;
	for (unsigned i = 0; i < tp->rxtshift && rto < TCP_RTO_MAX; i++)
		rto *= 2;
	return rto < TCP_RTO_MAX ? rto : TCP_RTO_MAX;
}

/* The timer starts afresh (no backoff): the user timeout counts from here.
 * RFC 5482 §3: with TCP_USER_TIMEOUT a backed-off timer fires no later
 * than the moment the connection would give up (as Linux's
 * tcp_clamp_rto_to_user_timeout), so that it gives up on time. */
void tcp_rexmt_arm(struct utcp_tcb *tp)
{
	/* tcp_rto_backoff without its loop when nothing is backed off */
	utcp_time_t rto = tp->rxtshift != 0	  ? tcp_rto_backoff(tp)
			  : tp->rto < TCP_RTO_MAX ? tp->rto
						  : TCP_RTO_MAX;
	utcp_time_t now = tp->ctx->now, at = now + rto;
	tp->flags &= ~TF_PERSIST;
	if (tp->rxtshift == 0)
		tp->rexmt_since = now;
	if (tp->user_timeout != 0 && tp->rxtshift > 0 && tp->state >= TCPS_ESTABLISHED) {
		utcp_time_t end = tp->rexmt_since + (utcp_time_t)tp->user_timeout * UTCP_NSEC_PER_MSEC;
		if (at > end && end > now) /* (past it: probing a zero window) */
			at = end;
	}
	utcp_timer_add(&tp->ctx->timers, &tp->t_rexmt, at);
}

/* Another timeout of data or FIN: give up?  RFC 1122 §4.2.3.5's R2 as a
 * count of retransmissions (tcp_retries2), or, with TCP_USER_TIMEOUT, as
 * the time the data has gone unacknowledged (RFC 5482). */
static int tcp_rexmt_expired(struct utcp_tcb *tp)
{
	if (tp->user_timeout == 0)
		return ++tp->rxtshift > tp->ctx->tcp->retries2;
	if (tp->rxtshift < 64)
		tp->rxtshift++;
	return tp->ctx->now - tp->rexmt_since >=
	       (utcp_time_t)tp->user_timeout * UTCP_NSEC_PER_MSEC;
}

void tcp_rexmt_stop(struct utcp_tcb *tp)
{
	tp->flags &= ~TF_PERSIST;
	utcp_timer_cancel(&tp->ctx->timers, &tp->t_rexmt);
	utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack); /* RFC 8985 §8: nothing to watch */
}

/* RFC 1122 §4.2.2.17: the first zero-window probe one RTO after the window
 * closed, then backed off as retransmissions are; never sooner than the
 * RTO's floor (tcp_rto_min, RFC 6298 §2.4's 1 s by default). */
void tcp_persist_arm(struct utcp_tcb *tp)
{
	utcp_time_t t = tcp_rto_backoff(tp);
	if (t < tp->ctx->tcp->rto_min)
		t = tp->ctx->tcp->rto_min;
	if (t > TCP_PERSIST_MAX)
		t = TCP_PERSIST_MAX;
	tp->flags |= TF_PERSIST;
	utcp_timer_add(&tp->ctx->timers, &tp->t_rexmt, tp->ctx->now + t);
}

/* Linux flushes a corked tail when its probe timer fires, one RTO after
 * the data was held, its RTO being SRTT + max(4 RTTVAR, rto_min) (1 s
 * before any sample).  The timer is t_rexmt as the persist timer. */
void tcp_cork_arm(struct utcp_tcb *tp)
{
	utcp_time_t var = 4 * tp->rttvar, t = TCP_RTO_INIT;
	if (tp->flags & TF_HAVE_RTT)
		t = tp->srtt + (var > tp->ctx->tcp->rto_min ? var : tp->ctx->tcp->rto_min);
	tp->flags |= TF_PERSIST;
	utcp_timer_add(&tp->ctx->timers, &tp->t_rexmt, tp->ctx->now + t);
}

/* The cork timer fired: the tail goes as one segment with PSH (as Linux's
 * probe); MSG_MORE's cork is spent, TCP_CORK's stays for later writes. */
static void tcp_cork_flush(struct utcp_tcb *tp)
{
	tp->cork &= TCP_CORK_ON;
	tp->snd_push = tp->snd_una + tp->snd.len;
	tcp_output_forced(tp);
}

/* A SYN or SYN-ACK went unanswered (RFC 9293 §3.8.1, RFC 1122 §4.2.3.5). */
static void tcp_rexmt_syn(struct utcp_tcb *tp)
{
	struct utcp_ctx *ctx = tp->ctx;
	if (++tp->rxtshift > ctx->tcp->syn_retries) { /* tcp_syn_retries */
		ctx->stats.tcp_timeouts++;
		tcp_drop(tp, tcp_timeout_errno(tp));
		return;
	}
	tp->flags |= TF_SYN_REXMT;
	tp->flags &= ~TF_RTT_TIMING;
	tp->ts_rtx = tcp_ts_now(tp); /* an echo of the first SYN is ambiguous */
	ctx->stats.tcp_syn_retransmits++;
	tcp_rexmt_arm(tp);
	tcp_send_syn(tp);
}

/* RFC 6675 §5.1 with SACK: what the scoreboard does not show as received
 * is lost; tcp_output_recovery resends it, skipping SACKed ranges, as
 * cwnd slow-starts.  A repeated timeout forgets the SACK information
 * (RFC 2018 §8: the receiver may have reneged). */
static void tcp_rexmt_sack(struct utcp_tcb *tp)
{
	if (tp->rxtshift > 1)
		tcp_sack_reset(tp);
	tp->flags &= ~(TF_RECOVERY | TF_RTT_TIMING);
	tp->flags |= TF_LOSS;
	tp->sb.high_rxt = tp->snd_una;
	tp->sb.loss_point = tp->snd_max;
	tp->sb.fast_rexmt = 0;
	tp->recover = tp->snd_max - 1; /* §5.1: no new recovery before it */
	tp->dupacks = 0;
	tcp_rack_on_rto(tp);
	tcp_rexmt_arm(tp);
	tcp_output_recovery(tp);
}

/* RFC 4821 §3 and §7.5: a path that silently drops large packets (an MTU
 * drop without ICMP "fragmentation needed", a PMTUD black hole) shows as
 * full-sized segments timing out again and again.  With tcp_mtu_probing
 * (Linux's tcp_mtu_probing in tcp_write_timeout): from the
 * TCP_MTU_PROBE_RTOS-th timeout in a row the MSS falls to tcp_base_mss,
 * and halves at each further one (never below TCP_MTU_PROBE_FLOOR); the
 * retransmission that follows is cut to the new size.  No search back up
 * (RFC 4821 §7.3's probing) is done: the MSS stays lowered. */
static void tcp_mtu_blackhole(struct utcp_tcb *tp)
{
	const struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (t->mtu_probing == 0 || tp->rxtshift < TCP_MTU_PROBE_RTOS || tp->snd_wnd == 0)
		return;
	uint32_t mss = tp->mss > t->base_mss ? t->base_mss : tp->mss / 2u;
	if (mss < TCP_MTU_PROBE_FLOOR)
		mss = TCP_MTU_PROBE_FLOOR;
	if (mss >= tp->mss)
		return;
	tp->mss = (uint16_t)mss;
	tp->ctx->stats.tcp_mtu_blackholes++;
}

/* RFC 6298 §5.4-5.6 and RFC 5681 §3.1: resend the earliest segment, back
 * off, collapse cwnd; go back N: snd_nxt returns to snd_una. */
static void tcp_rexmt_data(struct utcp_tcb *tp)
{
	struct utcp_ctx *ctx = tp->ctx;
	/* RFC 1122 §4.2.2.17: into a zero window the retransmissions are
	 * window probes; while the peer answers them the connection stays
	 * (an orphan, or a peer silent for TCP_ZWP_IDLE, is given up). */
	int zwp = tp->snd_wnd == 0 && !(tp->flags & TF_ORPHAN) &&
		  ctx->now - tp->last_rcv <= TCP_ZWP_IDLE;
	if (zwp) {
		if (tp->rxtshift < ctx->tcp->retries2)
			tp->rxtshift++;
	} else if (tcp_rexmt_expired(tp)) {
		ctx->stats.tcp_timeouts++;
		tcp_drop(tp, tcp_timeout_errno(tp));
		return;
	}
	tcp_mtu_blackhole(tp);
	if (tp->rxtshift == 1) {
		tcp_undo_start(tp); /* RFC 3708: all of it D-SACKed undoes it */
		tp->cc->on_rto(tp);
	}
	else
		tp->cwnd = tp->mss; /* RFC 5681 §3.1: ssthresh held after a repeat */
	if (tp->flags & TF_SACK) {
		tcp_rexmt_sack(tp);
		return;
	}
	tp->flags &= ~(TF_RECOVERY | TF_RTT_TIMING); /* Karn (RFC 6298 §3) */
	tp->recover = tp->snd_max;                   /* RFC 6582 §3.2 step 4 */
	tp->dupacks = 0;
	tp->snd_nxt = tp->snd_una;
	tcp_rexmt_arm(tp);
	tcp_retransmit_first(tp);
}

static void tcp_persist_fire(struct utcp_tcb *tp)
{
	struct utcp_ctx *ctx = tp->ctx;
	/* RFC 1122 §4.2.2.17: probing goes on while the peer answers.  As for
	 * retransmissions into a zero window (tcp_rexmt_data), a peer silent for
	 * TCP_ZWP_IDLE is given up, and so is an orphan after tcp_retries2
	 * probes: nobody will read what it still holds. */
	if (tp->snd_wnd > tp->snd_nxt - tp->snd_una && tcp_corked(tp)) {
		tcp_cork_flush(tp);
		return;
	}
	if (ctx->now - tp->last_rcv > TCP_ZWP_IDLE ||
	    ((tp->flags & TF_ORPHAN) && tp->rxtshift >= ctx->tcp->retries2)) {
		ctx->stats.tcp_timeouts++;
		tcp_drop(tp, tcp_timeout_errno(tp));
		return;
	}
	if (tp->rxtshift < 16)
		tp->rxtshift++;
	if (tp->snd_wnd == 0)
		tcp_send_probe(tp);
	else
		tcp_output_forced(tp);
	if (!utcp_timer_pending(&tp->t_rexmt))
		tcp_persist_arm(tp);
}

static void tcp_rexmt_fire(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct utcp_tcb *tp = arg;
	(void)t;
	(void)now;
	if (tp->flags & TF_PERSIST) {
		tp->flags &= ~TF_PERSIST;
		tcp_persist_fire(tp);
		return;
	}
	switch (tp->state) {
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		tp->ctx->stats.tcp_rto++;
		if (tp->rxtshift > 0) /* RFC 1122 §2.3.2.1, on a repeated timeout */
			tcp_nh_suspect(tp);
		tcp_rexmt_syn(tp);
		break;
	case TCPS_ESTABLISHED:
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSE_WAIT:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		if (tp->snd_max == tp->snd_una)
			break;
		if (tcp_rack_pto_due(tp)) { /* RFC 8985 §7.2: the probe first */
			utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack);
			tcp_rack_probe(tp);
			break;
		}
		tp->ctx->stats.tcp_rto++;
		if (tp->rxtshift > 0)
			tcp_nh_suspect(tp);
		tcp_rexmt_data(tp);
		tcp_trace(tp, UTCP_TRACE_RTO);
		break;
	default:
		break;
	}
}

/* ---- delayed ACK -------------------------------------------------------- */

/* RFC 1122 §4.2.3.2: under 0.5 s; 40 ms (Linux's minimum) or tcp_delack. */
void tcp_delack_arm(struct utcp_tcb *tp)
{
	tp->flags |= TF_DELACK;
	if (!utcp_timer_pending(&tp->t_delack))
		utcp_timer_add(&tp->ctx->timers, &tp->t_delack, tp->ctx->now + tp->ctx->tcp->delack);
}

static void tcp_delack_fire(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct utcp_tcb *tp = arg;
	(void)t;
	(void)now;
	if (!(tp->flags & TF_DELACK))
		return;
	tp->ctx->stats.tcp_delayed_acks++;
	tp->flags |= TF_ACKNOW;
	tcp_output_schedule(tp);
}

/* ---- keepalive, idle timeout, FIN-WAIT-2, TIME-WAIT ----------------------- */

static utcp_time_t secs(unsigned s)
{
	return (utcp_time_t)s * UTCP_NSEC_PER_SEC;
}

/* Earliest moment something of t_keep's may be due, or UTCP_TIME_NEVER. */
static utcp_time_t tcp_keep_deadline(const struct utcp_tcb *tp)
{
	const struct utcp_config *cfg = tp->ctx->cfg;
	utcp_time_t d = UTCP_TIME_NEVER;
	if (tp->state == TCPS_FIN_WAIT_2 && (tp->flags & TF_ORPHAN))
		d = tp->last_rcv + TCP_FIN_WAIT_2_TIMEOUT;
	if (cfg->tcp_timeout > 0 && tp->state != TCPS_TIME_WAIT) {
		utcp_time_t i = tp->last_rcv + secs((unsigned)cfg->tcp_timeout);
		d = i < d ? i : d;
	}
	if ((tp->flags & TF_KEEPALIVE) &&
	    (tp->state == TCPS_ESTABLISHED || tp->state == TCPS_CLOSE_WAIT)) {
		utcp_time_t k = tp->keep_probes == 0 ? tp->last_rcv + secs(tp->keepidle)
						     : tp->last_snd + secs(tp->keepintvl);
		d = k < d ? k : d;
	}
	return d;
}

void tcp_keep_arm(struct utcp_tcb *tp)
{
	if (tp->state == TCPS_TIME_WAIT)
		return;
	utcp_time_t d = tcp_keep_deadline(tp);
	if (d == UTCP_TIME_NEVER) {
		utcp_timer_cancel(&tp->ctx->timers, &tp->t_keep);
		return;
	}
	if (d < tp->ctx->now)
		d = tp->ctx->now;
	utcp_timer_add(&tp->ctx->timers, &tp->t_keep, d);
}

/* RFC 1122 §4.2.3.6: probe only an idle connection with nothing in flight;
 * after keepcnt unanswered probes the peer is dead. */
static int tcp_keepalive_check(struct utcp_tcb *tp, utcp_time_t now)
{
	if (!(tp->flags & TF_KEEPALIVE) ||
	    (tp->state != TCPS_ESTABLISHED && tp->state != TCPS_CLOSE_WAIT))
		return 0;
	if (now < tp->last_rcv + secs(tp->keepidle))
		return 0;
	if (tp->keep_probes > 0 && now < tp->last_snd + secs(tp->keepintvl))
		return 0;
	if (tp->keep_probes >= tp->keepcnt) {
		tp->ctx->stats.tcp_keepalive_drops++;
		tcp_send_rst(tp);
		tcp_drop(tp, tcp_timeout_errno(tp));
		return 1;
	}
	if (tp->snd_max != tp->snd_una || tp->snd.len != 0)
		return 0; /* data in flight: the RTO watches the peer */
	tp->keep_probes++;
	tcp_send_keepalive(tp);
	return 0;
}

static void tcp_keep_fire(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct utcp_tcb *tp = arg;
	const struct utcp_config *cfg = tp->ctx->cfg;
	(void)t;
	if (tp->state == TCPS_TIME_WAIT) {
		tcp_drop(tp, 0); /* RFC 9293 §3.10.8: 2*MSL elapsed */
		return;
	}
	if (tp->state == TCPS_FIN_WAIT_2 && (tp->flags & TF_ORPHAN) &&
	    now >= tp->last_rcv + TCP_FIN_WAIT_2_TIMEOUT) {
		tcp_drop(tp, 0);
		return;
	}
	if (cfg->tcp_timeout > 0 && now >= tp->last_rcv + secs((unsigned)cfg->tcp_timeout)) {
		tp->ctx->stats.tcp_idle_timeouts++;
		tcp_send_rst(tp);
		tcp_drop(tp, ETIMEDOUT);
		return;
	}
	if (tcp_keepalive_check(tp, now) == 0)
		tcp_keep_arm(tp);
}
