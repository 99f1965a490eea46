/*
 * core/tcp/tcp_rack.c - RACK-TLP loss detection (RFC 8985) for SACK
 * connections: segments are declared lost by time (a segment sent before
 * one that was delivered, and older than RACK.rtt + RACK.reo_wnd, is lost),
 * which also finds lost retransmissions, and a Tail Loss Probe elicits the
 * ACK that lets RACK see losses at the end of a flight.
 *
 * Call order:
 *   tcp_send_segment / tcp_send_probe -> tcp_rack_xmit (every data segment,
 *     sent or resent, stamped with the context's clock) -> tcp_rack_pto_arm
 *     after new data (RFC 8985 §7.2);
 *   tcp_in_ack -> tcp_rack_ack_begin (before the scoreboard takes the ACK:
 *     which bytes are newly delivered; §6.2 steps 1-3) -> tcp_sack_update
 *     -> the ACK field -> tcp_rack_ack_end (step 4, step 5, §7.4; the RACK
 *     timer) -> tcp_recovery_sack_ack enters fast recovery when anything
 *     is lost;
 *   t_rack fires: the reordering timer (§6.3) or the PTO (§7.3).
 * The recovery sender asks tcp_rack_next_lost for lost ranges not yet
 * resent (before RFC 6675 NextSeg() rule 1), tcp_sack_pipe takes them out
 * of the pipe (tcp_rack_lost_pipe), an RTO clears every mark
 * (tcp_rack_on_rto).
 *
 * Transmit times are kept per run of sequence space, not per segment: run
 * i covers [run[i].start, run[i + 1].start) (the last one up to `end`) and
 * was sent at one instant.  Consecutive segments sent in the same round
 * share a run.  When the table is full the two neighbouring runs closest in
 * time merge; the merged run keeps both its latest (ts: used to decide it
 * is lost, so it is never declared lost early) and its earliest send time
 * (ts_lo: used when it is delivered, so RACK.xmit_ts is never advanced too
 * far).  Times are microseconds of the context's clock, modulo 2^32.
 * A run also knows where its segments begin (base + k * seg, the last one
 * perhaps shorter): a segment is delivered when all of it is acknowledged
 * (RFC 8985 §6.2 works per segment), not when a SACK block covers one octet.
 */
#include <string.h>

#include "core/tcp/tcp.h"

#define TS_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define TCP_RACK_WCDELACKT (200 * 1000u) /* RFC 8985 §7.2 WCDelAckT, us */
#define TCP_RACK_PTO_NOSRTT (1000 * 1000u) /* §7.2: no SRTT yet, 1 s */

static uint32_t rack_now(const struct utcp_tcb *tp)
{
	return (uint32_t)(tp->ctx->now / 1000);
}

static uint32_t run_end(const struct tcp_rack *r, unsigned i)
{
	return i + 1 < r->n ? r->run[i + 1].start : r->end;
}

/* Index of the run holding seq, or r->n. */
static unsigned run_find(const struct tcp_rack *r, uint32_t seq)
{
	for (unsigned i = 0; i < r->n; i++)
		if (SEQ_GEQ(seq, r->run[i].start) && SEQ_LT(seq, run_end(r, i)))
			return i;
	return r->n;
}

static void run_remove(struct tcp_rack *r, unsigned i)
{
	if (i + 1 < r->n) /* the last run (an ACK of everything) moves nothing */
		memmove(&r->run[i], &r->run[i + 1], (r->n - i - 1) * sizeof(r->run[0]));
	r->n--;
}

/* Cost of merging runs i and i + 1: their distance in time, doubled when
 * their marks differ (then the marks are or-ed). */
static uint32_t run_merge_cost(const struct tcp_rack *r, unsigned i)
{
	const struct tcp_rack_run *a = &r->run[i], *b = &r->run[i + 1];
	uint32_t d = TS_LT(a->ts, b->ts) ? b->ts - a->ts : a->ts - b->ts;
	return a->flags == b->flags ? d : (d > UINT32_MAX / 2 ? UINT32_MAX : 2 * d + 1);
}

static void rack_tlp_again_arm(struct utcp_tcb *tp);

/* Runs a and b (its right neighbour) cut their segments at the same places. */
static int run_same_grid(const struct tcp_rack_run *a, const struct tcp_rack_run *b)
{
	return a->seg != 0 && a->seg == b->seg && (b->base - a->base) % a->seg == 0;
}

static void run_merge(struct tcp_rack *r, unsigned i)
{
	struct tcp_rack_run *a = &r->run[i], *b = &r->run[i + 1];
	if (!run_same_grid(a, b))
		a->seg = 0; /* any piece acknowledged counts, as before the grid */
	if (TS_LT(a->ts, b->ts))
		a->ts = b->ts;
	if (TS_LT(b->ts_lo, a->ts_lo))
		a->ts_lo = b->ts_lo;
	a->flags |= b->flags;
	run_remove(r, i + 1);
}

/* The table is full: merge the cheapest neighbouring pair. */
static void run_compact(struct tcp_rack *r)
{
	unsigned best = 0;
	uint32_t best_cost = UINT32_MAX;
	for (unsigned i = 0; i + 1 < r->n; i++) {
		uint32_t c = run_merge_cost(r, i);
		if (c < best_cost) {
			best_cost = c;
			best = i;
		}
	}
	run_merge(r, best);
}

/* A boundary at seq (inside [run[0].start, end)); 0, or -1 if full. */
static int run_split(struct tcp_rack *r, uint32_t seq)
{
	unsigned i = run_find(r, seq);
	if (i == r->n || r->run[i].start == seq)
		return 0;
	if (r->n == TCP_RACK_RUNS)
		return -1;
	memmove(&r->run[i + 2], &r->run[i + 1], (r->n - i - 1) * sizeof(r->run[0]));
	r->run[i + 1] = r->run[i];
	r->run[i + 1].start = seq;
	r->n++;
	return 0;
}

/* Runs a and b (its right neighbour) can be one: sent at the same moment,
 * the same marks, the same segment grid. */
static int run_joinable(const struct tcp_rack_run *a, const struct tcp_rack_run *b)
{
	return a->ts == b->ts && a->ts_lo == b->ts_lo && a->flags == b->flags &&
	       run_same_grid(a, b);
}

/* Run i takes its neighbours in when they were sent at the same moment. */
static void run_coalesce(struct tcp_rack *r, unsigned i)
{
	if (i + 1 < r->n && run_joinable(&r->run[i], &r->run[i + 1]))
		run_remove(r, i + 1);
	if (i > 0 && run_joinable(&r->run[i - 1], &r->run[i]))
		run_remove(r, i);
}

/* RFC 8985 §6.2 "Upon transmitting a data segment": Segment.xmit_ts = Now(),
 * Segment.lost = FALSE, Segment.retransmitted when rexmt. */
static __attribute__((noinline)) void rack_xmit_any(struct utcp_tcb *tp, uint32_t seq,
						    uint32_t len, int rexmt);

/* The usual send first: new data (not resent) appended to the last run or
 * after it while the table has room, without calls (rack_xmit_any, the
 * general way, does the same then). */
void tcp_rack_xmit(struct utcp_tcb *tp, uint32_t seq, uint32_t len, int rexmt)
{
	struct tcp_rack *r = &tp->rack;
	if (rexmt || !(tp->flags & TF_SACK) || len == 0 || r->run == NULL ||
	    (r->n != 0 && !SEQ_GEQ(seq, r->end))) {
		rack_xmit_any(tp, seq, len, rexmt);
		return;
	}
	uint32_t now = rack_now(tp), e = seq + len;
	struct tcp_rack_run *last = r->n > 0 ? &r->run[r->n - 1] : NULL;
	if (last != NULL && last->ts == now && last->ts_lo == now && last->flags == 0 &&
	    last->seg != 0 && len <= last->seg && (seq - last->base) % last->seg == 0) {
		r->end = e;
		return;
	}
	if (r->n == TCP_RACK_RUNS) { /* a run to merge first */
		rack_xmit_any(tp, seq, len, rexmt);
		return;
	}
	if (last == NULL)
		r->end = seq;
	r->run[r->n++] = (struct tcp_rack_run){ .start = r->end, .ts = now, .ts_lo = now,
						.base = seq, .seg = (uint16_t)len, .flags = 0 };
	r->end = e;
}

static void rack_xmit_any(struct utcp_tcb *tp, uint32_t seq, uint32_t len, int rexmt)
{
	struct tcp_rack *r = &tp->rack;
	uint32_t now = rack_now(tp), e = seq + len;
	uint32_t flags = rexmt ? TCP_RACK_RETRANS : 0;
	if (!(tp->flags & TF_SACK) || len == 0 || r->run == NULL) /* no send ring (a lone FIN) */
		return;
	if (rexmt)
		tcp_undo_rexmt(tp, seq, len);
	if (r->n == 0 || SEQ_GEQ(seq, r->end)) { /* new data: append */
		struct tcp_rack_run *last = r->n > 0 ? &r->run[r->n - 1] : NULL;
		if (last == NULL)
			r->end = seq;
		if (last != NULL && last->ts == now && last->ts_lo == now && last->flags == flags &&
		    last->seg != 0 && len <= last->seg && (seq - last->base) % last->seg == 0) {
			r->end = e;
			return;
		}
		if (r->n == TCP_RACK_RUNS)
			run_compact(r);
		r->run[r->n++] = (struct tcp_rack_run){ .start = r->end, .ts = now, .ts_lo = now,
							.base = seq, .seg = (uint16_t)len,
							.flags = (uint16_t)flags };
		r->end = e;
		return;
	}
	if (SEQ_LT(seq, r->run[0].start))
		seq = r->run[0].start;
	if (!SEQ_LT(seq, e))
		return;
	if (SEQ_GT(e, r->end))
		r->end = e;
	while (r->n + 2 > TCP_RACK_RUNS)
		run_compact(r);
	run_split(r, seq);
	run_split(r, e);
	unsigned i = run_find(r, seq), j = i + 1;
	while (j < r->n && SEQ_LT(r->run[j].start, e))
		j++;
	r->run[i] = (struct tcp_rack_run){ .start = seq, .ts = now, .ts_lo = now, .base = seq,
					   .seg = (uint16_t)len, .flags = (uint16_t)flags };
	memmove(&r->run[i + 1], &r->run[j], (r->n - j) * sizeof(r->run[0]));
	r->n -= j - i - 1;
	run_coalesce(r, i);
}

void tcp_rack_xmit_segs(struct utcp_tcb *tp, uint32_t seq, uint32_t len, uint32_t seg)
{
	struct tcp_rack *r = &tp->rack;
	uint32_t now = rack_now(tp);
	if (!(tp->flags & TF_SACK) || len == 0 || r->run == NULL)
		return;
	if (r->n > 0 && SEQ_LT(seq, r->end)) { /* not new data: one segment at a time */
		for (uint32_t at = 0; at < len; at += seg)
			tcp_rack_xmit(tp, seq + at, len - at < seg ? len - at : seg, 0);
		return;
	}
	struct tcp_rack_run *last = r->n > 0 ? &r->run[r->n - 1] : NULL;
	if (last == NULL)
		r->end = seq;
	if (last != NULL && last->ts == now && last->ts_lo == now && last->flags == 0 &&
	    last->seg == seg && (seq - last->base) % seg == 0) {
		r->end = seq + len; /* the run sent this instant takes them */
		return;
	}
	if (r->n == TCP_RACK_RUNS)
		run_compact(r);
	r->run[r->n++] = (struct tcp_rack_run){ .start = r->end, .ts = now, .ts_lo = now,
						.base = seq, .seg = (uint16_t)seg, .flags = 0 };
	r->end = seq + len;
}

/* The end of the segment, as first sent, that holds seq; 0 when not known. */
uint32_t tcp_rack_seg_end(const struct utcp_tcb *tp, uint32_t seq)
{
	const struct tcp_rack *r = &tp->rack;
	unsigned i = run_find(r, seq);
	if (i >= r->n)
		return 0;
	const struct tcp_rack_run *run = &r->run[i];
	if (run->seg == 0 || SEQ_LT(seq, run->base))
		return 0;
	uint32_t e = run->base + ((seq - run->base) / run->seg + 1) * run->seg;
	uint32_t re = run_end(r, i);
	return SEQ_GT(e, re) ? re : e;
}

/* RFC 8985 §7.3: where the most recently sent segment, the one ending at
 * snd_max, began (its run's segment edges); 0 when not known. */
int tcp_rack_last_segment(const struct utcp_tcb *tp, uint32_t *start)
{
	const struct tcp_rack *r = &tp->rack;
	if (r->n == 0 || r->end != tp->snd_max)
		return 0;
	const struct tcp_rack_run *run = &r->run[r->n - 1];
	if (run->seg == 0 || SEQ_LT(r->end - 1, run->base))
		return 0;
	uint32_t s = run->base + (r->end - 1 - run->base) / run->seg * run->seg;
	*start = SEQ_LT(s, run->start) ? run->start : s;
	return 1;
}

/* Runs below snd_una leave. */
static void rack_trim(struct tcp_rack *r, uint32_t una)
{
	while (r->n > 0 && SEQ_LEQ(run_end(r, 0), una))
		run_remove(r, 0);
	if (r->n > 0 && SEQ_LT(r->run[0].start, una))
		r->run[0].start = una;
}

/* RFC 8985 §6.2: RACK_sent_after(t1, seq1, t2, seq2). */
static int rack_sent_after(uint32_t t1, uint32_t seq1, uint32_t t2, uint32_t seq2)
{
	return TS_LT(t2, t1) || (t1 == t2 && SEQ_GT(seq1, seq2));
}

/* RFC 8985 §6.2 steps 1-3 for one newly delivered piece [x, y) of run i. */
static void rack_delivered(struct utcp_tcb *tp, const struct tcp_rack_run *run, uint32_t y)
{
	struct tcp_rack *r = &tp->rack;
	uint32_t rtt = rack_now(tp) - run->ts_lo;
	int rexmt = (run->flags & TCP_RACK_RETRANS) != 0;
	/* Step 3: delivered below the highest delivered octet, never resent:
	 * the network reordered it. */
	if (!r->fack_on || SEQ_GT(y, r->fack)) {
		r->fack = y;
		r->fack_on = 1;
	} else if (SEQ_LT(y, r->fack) && !rexmt) {
		r->reordering_seen = 1;
	}
	/* Step 2: an ACK of a resent segment faster than the minimum RTT was
	 * for the original: it says nothing about the retransmission. */
	if (rexmt && r->min_rtt != 0 && rack_now(tp) - run->ts < r->min_rtt)
		return;
	if (!rexmt) { /* step 1: RACK.min_RTT, and the smoothed RTT of §7.2 */
		if (r->min_rtt == 0 || rtt < r->min_rtt)
			r->min_rtt = rtt ? rtt : 1;
		r->srtt = r->srtt == 0 ? rtt : r->srtt - r->srtt / 8 + rtt / 8;
	}
	if (!r->have_xmit || !rack_sent_after(r->xmit_ts, r->end_seq, run->ts_lo, y)) {
		r->rtt = rtt;
		r->xmit_ts = run->ts_lo;
		r->end_seq = y;
		r->have_xmit = 1;
	}
}

/* The whole segments of run i inside [x, y): x rounded up and y down to
 * the run's segment edges (its start and end are edges too). */
static void rack_whole_segments(const struct tcp_rack *r, unsigned i, uint32_t *x, uint32_t *y)
{
	const struct tcp_rack_run *run = &r->run[i];
	uint32_t seg = run->seg;
	if (seg == 0)
		return;
	if (*x != run->start)
		*x = run->base + (*x - run->base + seg - 1) / seg * seg;
	if (*y != run_end(r, i))
		*y = run->base + (*y - run->base) / seg * seg;
}

/* Every run piece of [a, b) with whole segments the scoreboard does not
 * hold yet. */
static void rack_delivered_range(struct utcp_tcb *tp, uint32_t a, uint32_t b)
{
	const struct tcp_rack *r = &tp->rack;
	for (unsigned i = 0; i < r->n; i++) {
		uint32_t x = SEQ_MAX(a, r->run[i].start), y = SEQ_MIN(b, run_end(r, i));
		if (!SEQ_LT(x, y))
			continue;
		rack_whole_segments(r, i, &x, &y);
		/* an empty scoreboard holds none of [x, y) */
		if (SEQ_LT(x, y) && (tp->sb.n == 0 || tcp_sack_unsacked(tp, x, y) > 0))
			rack_delivered(tp, &r->run[i], y);
	}
}

/* RFC 2883 §4: the first block of the ACK reports a duplicate. */
static int rack_dsack(uint32_t ack, const struct tcp_opts *o)
{
	if (!(o->flags & TOF_SACK) || o->nsack == 0)
		return 0;
	const struct tcp_sack_block *b = &o->sack[0];
	if (!SEQ_LT(b->start, b->end))
		return 0; /* an empty block reports nothing */
	if (SEQ_LEQ(b->end, ack))
		return 1;
	return o->nsack > 1 && SEQ_GEQ(b->start, o->sack[1].start) &&
	       SEQ_LEQ(b->end, o->sack[1].end);
}

/* Before the scoreboard takes an ACK of [snd_una, ack) and its SACK
 * blocks: RFC 8985 §6.2 steps 1-3 for each newly delivered segment. */
void tcp_rack_ack_begin(struct utcp_tcb *tp, uint32_t ack, const struct tcp_opts *o)
{
	struct tcp_rack *r = &tp->rack;
	r->dsack = rack_dsack(ack, o);
	if (r->dsack)
		tcp_undo_dsack(tp, ack, o->sack[0].start, o->sack[0].end);
	rack_delivered_range(tp, tp->snd_una, ack);
	if (!(o->flags & TOF_SACK))
		return;
	for (unsigned i = r->dsack ? 1 : 0; i < o->nsack; i++) {
		uint32_t s = o->sack[i].start, e = o->sack[i].end;
		if (SEQ_LT(s, e) && SEQ_GT(s, ack) && SEQ_LEQ(e, tp->snd_max))
			rack_delivered_range(tp, s, e);
	}
}

/* SRTT (us): RACK's own, from the microsecond send times; before its first
 * sample, RFC 6298's (timestamps or a timed segment); 0 if none. */
static uint32_t rack_srtt(const struct utcp_tcb *tp)
{
	if (tp->rack.srtt != 0)
		return tp->rack.srtt;
	if (!(tp->flags & TF_HAVE_RTT))
		return 0;
	utcp_time_t us = tp->srtt / 1000;
	return us > UINT32_MAX / 4 ? UINT32_MAX / 4 : (uint32_t)us;
}

/* RFC 8985 §6.2 step 4: RACK.reo_wnd, adapted by D-SACK (us). */
static uint32_t rack_reo_wnd(const struct utcp_tcb *tp)
{
	const struct tcp_rack *r = &tp->rack;
	if (!r->reordering_seen) {
		if (tp->flags & (TF_RECOVERY | TF_LOSS))
			return 0;
		if (tp->sb.sacked >= TCP_DUPTHRESH * (uint32_t)tp->mss)
			return 0;
	}
	uint64_t w = (uint64_t)r->reo_wnd_mult * r->min_rtt / 4;
	uint32_t srtt = rack_srtt(tp);
	if (srtt != 0 && w > srtt)
		w = srtt;
	return (uint32_t)w;
}

static void rack_reo_wnd_update(struct utcp_tcb *tp, int exited)
{
	struct tcp_rack *r = &tp->rack;
	if (r->reo_wnd_mult == 0)
		r->reo_wnd_mult = 1;
	if (r->dsack_round_on && SEQ_GEQ(tp->snd_una, r->dsack_round))
		r->dsack_round_on = 0;
	if (!r->dsack_round_on && r->dsack) {
		r->dsack_round_on = 1;
		r->dsack_round = tp->snd_max;
		if (r->reo_wnd_mult < 255)
			r->reo_wnd_mult++;
		r->reo_wnd_persist = 16;
	} else if (exited && r->reo_wnd_persist > 0 && --r->reo_wnd_persist == 0) {
		r->reo_wnd_mult = 1;
	}
}

/* RFC 8985 §6.2 step 5 RACK_detect_loss(): marks lost runs; returns how
 * many, and in *timeout (us) when the next one may be due (0: none). */
static unsigned rack_detect_loss(struct utcp_tcb *tp, uint32_t *timeout)
{
	struct tcp_rack *r = &tp->rack;
	uint32_t reo = rack_reo_wnd(tp), now = rack_now(tp);
	unsigned marked = 0;
	*timeout = 0;
	if (!r->have_xmit)
		return 0;
	for (unsigned i = 0; i < r->n; i++) {
		struct tcp_rack_run *run = &r->run[i];
		if ((run->flags & TCP_RACK_LOST) || tcp_sack_unsacked(tp, run->start, run_end(r, i)) == 0)
			continue;
		uint32_t e = run_end(r, i);
		if (run->ts == r->xmit_ts) {
			/* Sent in the same instant as RACK's segment: only what
			 * lies below its end was sent before it (or is it). */
			if (!SEQ_LT(run->start, r->end_seq))
				continue;
			if (SEQ_GT(e, r->end_seq)) {
				if (run_split(r, r->end_seq) < 0)
					continue;
				e = r->end_seq;
				if (tcp_sack_unsacked(tp, run->start, e) == 0)
					continue;
			}
		} else if (!TS_LT(run->ts, r->xmit_ts)) {
			continue; /* not sent before RACK's segment */
		}
		int32_t remaining = (int32_t)(run->ts + r->rtt + reo - now);
		if (remaining <= 0) {
			run->flags |= TCP_RACK_LOST;
			marked++;
		} else if ((uint32_t)remaining > *timeout) {
			*timeout = (uint32_t)remaining;
		}
	}
	tp->ctx->stats.tcp_rack_marks += marked;
	return marked;
}

static void rack_timer_set(struct utcp_tcb *tp, uint8_t kind, uint32_t us)
{
	tp->rack.timer = kind;
	utcp_timer_add(&tp->ctx->timers, &tp->t_rack, tp->ctx->now + (utcp_time_t)us * 1000);
}

/* RFC 8985 §7.2: arm the PTO after new data was sent or an ACK advanced
 * snd_una, unless in recovery, a probe is out, or the reordering timer
 * runs.  PTO = 2 * SRTT (+ WCDelAckT for a single segment in flight), and
 * no later than the RTO: by default the RTO then comes first and no probe
 * is armed; with tcp_pto_cap, "If Now() + PTO > TCP_RTO_expire(), PTO =
 * TCP_RTO_expire() - Now()" (§7.2), as Linux: the probe goes in the
 * timeout's place (tcp_rexmt_fire leaves the tie to it). */
void tcp_rack_pto_arm(struct utcp_tcb *tp)
{
	struct tcp_rack *r = &tp->rack;
	if ((tp->flags & TF_RECOVERY) && !(tp->flags & TF_LOSS)) {
		tcp_rack_recovery_arm(tp);
		return;
	}
	if (!(tp->flags & TF_SACK) || (tp->flags & (TF_RECOVERY | TF_LOSS | TF_PERSIST)) ||
	    r->tlp_on || tp->snd_una == tp->snd_max || tp->snd_wnd == 0)
		return;
	if (utcp_timer_pending(&tp->t_rack) && r->timer == TCP_RACK_T_REO)
		return;
	uint32_t srtt = rack_srtt(tp);
	uint32_t pto = srtt != 0 ? 2 * srtt : TCP_RACK_PTO_NOSRTT;
	if (tp->snd_max - tp->snd_una <= tp->mss)
		pto += TCP_RACK_WCDELACKT;
	utcp_time_t due = tp->ctx->now + (utcp_time_t)pto * 1000;
	if (utcp_timer_pending(&tp->t_rexmt) && tp->t_rexmt.expires <= due) {
		if (!tp->ctx->tcp->pto_cap) {
			utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack); /* the RTO first */
			return;
		}
		due = tp->t_rexmt.expires;
	}
	tp->rack.timer = TCP_RACK_T_PTO;
	utcp_timer_add(&tp->ctx->timers, &tp->t_rack, due);
}

/* Fast recovery's probe (tcp_recovery_probe).  RFC 8985 §7.2 arms no PTO
 * in fast recovery and leaves a stopped ACK clock to the RTO: when the ACK
 * of the last retransmission is lost, or the retransmission itself and
 * nothing was sent after it, RACK has no later delivery to reason from
 * (§6.2 step 5) and a window of few segments waits a whole RTO (1 s by
 * default) per such episode.  So each ACK in recovery arms the PTO of
 * §7.2 (2 * SRTT, the RTO first when it is due sooner), unless the
 * reordering timer runs; when it fires (tcp_rack_probe) one segment goes
 * as §7.3's probe, new data, else the segment at SND.UNA, and its ACK
 * restarts the clock: SACKing new data, it lets RACK find the lost
 * retransmission (§6.2 step 2, the retransmission's own xmit time). */
void tcp_rack_recovery_arm(struct utcp_tcb *tp)
{
	struct tcp_rack *r = &tp->rack;
	if (!tp->ctx->tcp->recovery_probe || !(tp->flags & TF_RECOVERY) ||
	    (tp->flags & (TF_LOSS | TF_PERSIST)) || tp->snd_una == tp->snd_max ||
	    tp->snd_wnd == 0)
		return;
	if (utcp_timer_pending(&tp->t_rack) && r->timer == TCP_RACK_T_REO)
		return;
	uint32_t srtt = rack_srtt(tp);
	uint32_t pto = srtt != 0 ? 2 * srtt : TCP_RACK_PTO_NOSRTT;
	utcp_time_t due = tp->ctx->now + (utcp_time_t)pto * 1000;
	if (utcp_timer_pending(&tp->t_rexmt) && tp->t_rexmt.expires <= due) {
		utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack); /* the RTO first */
		return;
	}
	r->timer = TCP_RACK_T_PTO;
	utcp_timer_add(&tp->ctx->timers, &tp->t_rack, due);
}

/* The recovery probe fired: one segment, then the RTO (RFC 8985 §7.3). */
static void rack_recovery_probe(struct utcp_tcb *tp)
{
	utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack);
	if (!tp->ctx->tcp->recovery_probe)
		return;
	if (tcp_output_recovery_probe(tp) >= 0)
		tp->ctx->stats.tcp_recovery_probes++;
	tcp_rexmt_arm(tp);
}

/* RFC 8985 §7.4: the ACKs of a loss probe.  A D-SACK for a resent probe
 * says nothing was lost; an ACK beyond it without one says the probe
 * repaired a loss, and congestion control reacts as for fast recovery. */
static void rack_tlp_ack(struct utcp_tcb *tp)
{
	struct tcp_rack *r = &tp->rack;
	if (!r->tlp_on)
		return;
	if (tp->flags & (TF_RECOVERY | TF_LOSS)) {
		r->tlp_on = 0; /* the episode became a recovery */
		return;
	}
	if (r->tlp_is_retrans && r->dsack) {
		r->tlp_on = 0;
		return;
	}
	if (!SEQ_GEQ(tp->snd_una, r->tlp_end_seq))
		return;
	r->tlp_on = 0;
	if (r->tlp_is_retrans) {
		tp->ctx->stats.tcp_tlp_recoveries++;
		tcp_undo_cancel(tp); /* a real loss: an earlier reduction stays */
		tp->cc->on_loss(tp);
		tp->cwnd = tp->ssthresh;
	}
}

/* After the ACK was processed (snd_una moved, scoreboard updated):
 * §6.2 steps 4 and 5, §7.4, and the RACK timer (§8).  Returns how many
 * runs were newly marked lost.  exited: the ACK ended a recovery. */
unsigned tcp_rack_ack_end(struct utcp_tcb *tp, int advanced, int exited)
{
	struct tcp_rack *r = &tp->rack;
	uint32_t timeout;
	if (r->tlp_on && r->timer == TCP_RACK_T_PTO)
		utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack); /* an ACK came: rearmed below */
	rack_trim(r, tp->snd_una);
	rack_reo_wnd_update(tp, exited);
	rack_tlp_ack(tp);
	/* Nothing left in flight (the usual ACK of a request or response):
	 * no run to look at, nothing to mark, no timeout. */
	unsigned marked = 0;
	timeout = 0;
	if (r->n > 0)
		marked = rack_detect_loss(tp, &timeout);
	if (tp->snd_una == tp->snd_max)
		utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack);
	else if (timeout != 0) /* §6.3: the reordering timer */
		rack_timer_set(tp, TCP_RACK_T_REO, timeout);
	else if (advanced || (utcp_timer_pending(&tp->t_rack) && r->timer == TCP_RACK_T_REO))
		tcp_rack_pto_arm(tp);
	/* A probe of new data still unanswered (the ACK was of data before
	 * it): tcp_tlp_again's next probe, from now. */
	if (r->tlp_on && (r->tlp_again > 0 || !r->tlp_is_retrans) && tp->snd_una != tp->snd_max &&
	    !utcp_timer_pending(&tp->t_rack) && !(tp->flags & (TF_RECOVERY | TF_LOSS | TF_PERSIST)))
		rack_tlp_again_arm(tp);
	r->dsack = 0;
	return marked;
}

int tcp_rack_is_lost(const struct utcp_tcb *tp, uint32_t seq)
{
	unsigned i = run_find(&tp->rack, seq);
	return i < tp->rack.n && (tp->rack.run[i].flags & TCP_RACK_LOST);
}

/* 1 if seq was resent and that retransmission is not known lost; *end is
 * then the end of its run (NextSeg() rule 1 does not send it again). */
int tcp_rack_is_resent(const struct utcp_tcb *tp, uint32_t seq, uint32_t *end)
{
	const struct tcp_rack *r = &tp->rack;
	unsigned i = run_find(r, seq);
	if (i == r->n || (r->run[i].flags & (TCP_RACK_RETRANS | TCP_RACK_LOST)) != TCP_RACK_RETRANS)
		return 0;
	*end = run_end(r, i);
	return 1;
}

/* The first octets RACK marked lost that were not resent since: at most
 * mss, not into a SACKed range. */
int tcp_rack_next_lost(const struct utcp_tcb *tp, uint32_t mss, uint32_t *seq, uint32_t *len)
{
	const struct tcp_rack *r = &tp->rack;
	for (unsigned i = 0; i < r->n; i++) {
		if (!(r->run[i].flags & TCP_RACK_LOST))
			continue;
		uint32_t s = r->run[i].start, e = run_end(r, i), se;
		while (SEQ_LT(s, e) && tcp_sack_is_sacked(tp, s, &se))
			s = se;
		if (!SEQ_LT(s, e))
			continue;
		uint32_t stop = e;
		for (unsigned k = 0; k < tp->sb.n; k++)
			if (SEQ_GT(tp->sb.blk[k].start, s)) {
				stop = SEQ_MIN(stop, tp->sb.blk[k].start);
				break;
			}
		*seq = s;
		*len = stop - s < mss ? stop - s : mss;
		return 1;
	}
	return 0;
}

/* Octets RACK marked lost that RFC 6675 SetPipe() counts as in flight:
 * the unSACKed ones below rxt (taken as resent) or at or above edge (not
 * lost by IsLost()). */
uint32_t tcp_rack_lost_pipe(const struct utcp_tcb *tp, uint32_t rxt, uint32_t edge)
{
	const struct tcp_rack *r = &tp->rack;
	uint32_t n = 0;
	for (unsigned i = 0; i < r->n; i++) {
		if (!(r->run[i].flags & TCP_RACK_LOST))
			continue;
		uint32_t s = r->run[i].start, e = run_end(r, i);
		n += tcp_sack_unsacked(tp, s, SEQ_MIN(e, rxt));
		n += tcp_sack_unsacked(tp, SEQ_MAX(s, edge), e);
	}
	return n;
}

/* RFC 6675 §5.1: after a timeout everything outstanding is lost and is
 * resent from the scoreboard; RACK's marks start over (RFC 8985 §6.3),
 * and a probe episode ends. */
void tcp_rack_on_rto(struct utcp_tcb *tp)
{
	struct tcp_rack *r = &tp->rack;
	for (unsigned i = 0; i < r->n; i++)
		r->run[i].flags = 0;
	for (unsigned i = 0; i + 1 < r->n;)
		if (r->run[i].ts == r->run[i + 1].ts && r->run[i].ts_lo == r->run[i + 1].ts_lo)
			run_remove(r, i + 1);
		else
			i++;
	r->tlp_on = 0;
	utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack);
}

/* The PTO is due now (it was capped at the RTO, §7.2): the probe goes
 * instead of the timeout. */
int tcp_rack_pto_due(const struct utcp_tcb *tp)
{
	return utcp_timer_pending(&tp->t_rack) && tp->rack.timer == TCP_RACK_T_PTO &&
	       tp->t_rack.expires <= tp->ctx->now;
}

/* RFC 8985 §6.3: the reordering timer ran out; §7.3: the PTO did. */
void tcp_rack_timer_fire(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct utcp_tcb *tp = arg;
	(void)t;
	(void)now;
	if (tp->snd_una == tp->snd_max || !(tp->flags & TF_SACK))
		return;
	switch (tp->state) {
	case TCPS_ESTABLISHED:
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSE_WAIT:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		break;
	default:
		return;
	}
	if (tp->rack.timer == TCP_RACK_T_REO) {
		uint32_t timeout;
		if (rack_detect_loss(tp, &timeout) > 0)
			tcp_sack_loss_detected(tp);
		if (timeout != 0)
			rack_timer_set(tp, TCP_RACK_T_REO, timeout);
		else
			tcp_rack_pto_arm(tp);
		return;
	}
	tcp_rack_probe(tp);
}

/* tcp_tlp_again: RFC 8985 §7.3 leaves a probe nothing answered to the
 * RTO.  On a path of few segments in flight, where one ACK covers a whole
 * flight, a probe of new data often goes unanswered for two reasons: the
 * receiver holds its ACK of a lone new segment (RFC 5681 §4.2 lets it wait
 * up to 500 ms; Linux waits 40 ms), or the flight's ACK and the probe (or
 * its ACK) were both lost; the RTO then costs a second (RFC 6298's floor).
 * So after a probe of new data, as QUIC does in place of an RTO (RFC 9002
 * §6.2: probe timeouts backed off exponentially, one probe each), up to
 * tcp_tlp_again more probes go, the k-th 2 * SRTT * 2^k after the one
 * before if no ACK came since (the RTO first when it is due sooner, and it
 * stays armed), each the highest segment again (§7.3's resend: a
 * duplicate, which the receiver acknowledges at once, RFC 5681 §4.2, and
 * reports with a D-SACK, so §7.4 sees no loss when there was none).  A
 * probe that resent data was answered at once if it arrived: the RTO
 * follows it, as §7.3 says.  An ACK that leaves the probe unacknowledged
 * (a late one, of the flight before it) restarts the wait from its
 * arrival; the ACK of the probe ends the series. */
static void rack_tlp_again_arm(struct utcp_tcb *tp)
{
	uint32_t srtt = rack_srtt(tp);
	if (srtt == 0 || tp->rack.tlp_again >= tp->ctx->tcp->tlp_again)
		return;
	utcp_time_t due = tp->ctx->now + ((utcp_time_t)2 * srtt * 1000 << tp->rack.tlp_again);
	if (utcp_timer_pending(&tp->t_rexmt) && tp->t_rexmt.expires <= due)
		return; /* the RTO first */
	tp->rack.timer = TCP_RACK_T_PTO;
	utcp_timer_add(&tp->ctx->timers, &tp->t_rack, due);
}

static void rack_tlp_again(struct utcp_tcb *tp)
{
	struct tcp_rack *r = &tp->rack;
	utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack);
	if (r->tlp_again >= tp->ctx->tcp->tlp_again || tcp_output_tlp_resend(tp) < 0) {
		if (!utcp_timer_pending(&tp->t_rexmt))
			tcp_rexmt_arm(tp); /* the timeout stays due */
		return;
	}
	r->tlp_again++;
	r->tlp_is_retrans = 1;
	r->tlp_end_seq = tp->snd_max;
	tp->ctx->stats.tcp_tlp_again++;
	tcp_rexmt_arm(tp);
	rack_tlp_again_arm(tp);
}

/* RFC 8985 §7.3: send one new segment if the peer's window allows, else
 * resend the highest one; then the RTO is armed again, not the PTO. */
void tcp_rack_probe(struct utcp_tcb *tp)
{
	struct tcp_rack *r = &tp->rack;
	if ((tp->flags & (TF_RECOVERY | TF_LOSS | TF_PERSIST)) == TF_RECOVERY) {
		rack_recovery_probe(tp);
		return;
	}
	if (tp->flags & (TF_RECOVERY | TF_LOSS | TF_PERSIST))
		return;
	if (r->tlp_on) {
		rack_tlp_again(tp);
		return;
	}
	int rc = tcp_output_tlp(tp);
	if (rc >= 0) {
		r->tlp_on = 1;
		r->tlp_again = 0;
		r->tlp_is_retrans = (uint8_t)rc;
		r->tlp_end_seq = tp->snd_max;
		tp->ctx->stats.tcp_tlp_probes++;
	}
	/* One probe per episode: a new segment as the probe armed the PTO. */
	utcp_timer_cancel(&tp->ctx->timers, &tp->t_rack);
	tcp_rexmt_arm(tp);
	if (rc == 0) /* new data: its ACK may be a delayed one */
		rack_tlp_again_arm(tp);
}
