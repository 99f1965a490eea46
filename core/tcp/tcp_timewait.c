/*
 * core/tcp/tcp_timewait.c - TIME-WAIT records: a connection in TIME-WAIT
 * whose socket is gone keeps 64 bytes (struct tcp_tw) instead of its TCB,
 * for its 2*MSL (RFC 9293 §3.10.7.4, tcp_timewait seconds).
 *
 * Call order: tcp_enter_time_wait (an orphan) or tcp_close (a socket closed
 * in TIME-WAIT) -> tcp_tw_take: the record, the TCB freed -> per segment,
 * utcp_tcp_input(6), when the flow table has no TCB -> tcp_tw_input ->
 * tcp_tw_segment -> the record's timer (tcp_tw_fire) or a new record, the
 * pool full (tcp_tw_alloc), or an RST or a SYN that reopens it -> tcp_tw_free.
 * tcp_connect and tcp_ephemeral_port ask tcp_tw_holds whether a 4-tuple is
 * taken; utcp_tcp_ctx_init / _destroy -> tcp_tw_init / tcp_tw_destroy.
 *
 * What a record answers is what the TCB in TIME-WAIT answered
 * (tcp_input.c's tcp_in_time_wait, then its synchronized-state steps): a
 * SYN clearly newer than the old connection opens a new one (RFC 6191,
 * RFC 1122 §4.2.2.13); a retransmitted FIN is acknowledged and restarts
 * the 2*MSL; otherwise TSopt required (tcp_ts_required), PAWS (RFC 7323
 * §5.3), the acceptability test (an ACK, with a D-SACK for old data, RFC
 * 2883 §4), an RST at RCV.NXT ends the record (RFC 5961 §3.2, as the TCB
 * did and Linux does with tcp_rfc1337 = 0; one elsewhere in the window
 * draws a challenge ACK, one outside it is dropped), a SYN a challenge ACK
 * (RFC 5961 §4.2), RFC 5961 §5.2 on the ACK field, TS.Recent updated (RFC
 * 7323 §4.3), and an ACK to a FIN or to anything trimmed.  The ACKs leave
 * at once, the window the last one offered, no ECN flag.
 *
 * Records come from their own lazy pool of max_concurrency per context
 * (touched only when used).  They hang in a table by 4-tuple (the flow
 * table's hash, chains of indices) and in one FIFO by expiry: every
 * record lasts tcp_timewait seconds from its last (re)start, so the FIFO
 * is sorted and one timer, at the head's expiry, serves them all.  When the
 * pool is dry the oldest record gives way (tcp_timewait_recycled), as the
 * oldest TIME-WAIT TCB does for a TCB (tcp_tcb.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tcp/tcp.h"
#include "core/base/bytes.h"

_Static_assert(sizeof(struct tcp_tw) == 64, "a TIME-WAIT record is one cache line");
_Static_assert(UTCP_MAX_PORTS <= 256, "tcp_tw.port is 8 bits");

static struct tcp_tw *tw_at(struct utcp_tcp_ctx *t, uint32_t i)
{
	return (struct tcp_tw *)tcp_tw_rec(t, i);
}

static uint32_t tw_index(const struct utcp_tcp_ctx *t, const struct tcp_tw *w)
{
	return (uint32_t)(((const char *)w - (const char *)t->twr_pool.mem) / sizeof(*w)) + 1;
}

static uint32_t tw_secs(const struct utcp_ctx *ctx)
{
	return (uint32_t)(ctx->now / UTCP_NSEC_PER_SEC);
}

/* ---- table and FIFO --------------------------------------------------------- */

static uint32_t *tw_bucket(struct utcp_tcp_ctx *t, const struct tcp_tw *w)
{
	return &t->twr_hash[tcp_tw_hash(t, w->laddr, w->lport, w->raddr, w->rport) & t->twr_mask];
}

/* The same from the TCB's flow hash (tcp_flow_insert's, of the same 4-tuple). */
static uint32_t *tw_bucket_tcb(struct utcp_tcp_ctx *t, const struct utcp_tcb *tp)
{
	return &t->twr_hash[tp->hash & t->twr_mask];
}

/* Into the FIFO by expiry: at the tail, but for a socket's TCB closed in
 * TIME-WAIT (its 2*MSL began before the newest records'). */
static void tw_fifo_insert(struct utcp_tcp_ctx *t, struct tcp_tw *w, uint32_t i)
{
	uint32_t after = t->twr_tail;
	while (after != 0 && tw_at(t, after)->expire > w->expire)
		after = tw_at(t, after)->prev;
	w->prev = after;
	w->next = after != 0 ? tw_at(t, after)->next : t->twr_head;
	if (w->prev != 0)
		tw_at(t, w->prev)->next = i;
	else
		t->twr_head = i;
	if (w->next != 0)
		tw_at(t, w->next)->prev = i;
	else
		t->twr_tail = i;
}

static void tw_fifo_remove(struct utcp_tcp_ctx *t, struct tcp_tw *w)
{
	if (w->prev != 0)
		tw_at(t, w->prev)->next = w->next;
	else
		t->twr_head = w->next;
	if (w->next != 0)
		tw_at(t, w->next)->prev = w->prev;
	else
		t->twr_tail = w->prev;
}

/* The timer follows the head of the FIFO. */
static void tw_arm(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	if (t->twr_head == 0) {
		utcp_timer_cancel(&ctx->timers, &t->twr_timer);
		return;
	}
	utcp_time_t at = tw_at(t, t->twr_head)->expire;
	if (!utcp_timer_pending(&t->twr_timer) || t->twr_timer.expires != at)
		utcp_timer_add(&ctx->timers, &t->twr_timer, at);
}

/* The record is gone: table, FIFO, port reference, pool. */
static void tcp_tw_free(struct utcp_ctx *ctx, struct tcp_tw *w)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	uint32_t i = tw_index(t, w);
	for (uint32_t *pp = tw_bucket(t, w); *pp != 0; pp = &tw_at(t, *pp)->hnext)
		if (*pp == i) {
			*pp = w->hnext;
			break;
		}
	int head = t->twr_head == i;
	tw_fifo_remove(t, w);
	t->ntimewait--;
	if (w->flags & TW_PORT_REF)
		tcp_port_unref(ctx, w->lport, w->flags & TW_REUSEADDR, w->flags & TW_EPHEMERAL);
	utcp_pool_put(&t->twr_pool, w);
	if (head)
		tw_arm(ctx);
}

/* RFC 9293 §3.10.8: 2*MSL elapsed for the records at the head. */
static void tcp_tw_fire(struct utcp_timer *tm, void *arg, utcp_time_t now)
{
	struct utcp_ctx *ctx = arg;
	struct utcp_tcp_ctx *t = ctx->tcp;
	utcp_time_t limit = now > tm->expires ? now : tm->expires;
	for (unsigned n = 0; t->twr_head != 0 && n < t->twr_pool.count; n++) {
		struct tcp_tw *w = tw_at(t, t->twr_head);
		if (w->expire > limit)
			break;
		tcp_tw_free(ctx, w);
	}
	tw_arm(ctx);
}

/* A record from the pool; when it is dry, the oldest gives way. */
static struct tcp_tw *tcp_tw_alloc(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	struct tcp_tw *w = utcp_pool_get(&t->twr_pool);
	if (w == NULL && t->twr_head != 0) {
		ctx->stats.tcp_timewait_recycled++;
		tcp_tw_free(ctx, tw_at(t, t->twr_head));
		w = utcp_pool_get(&t->twr_pool);
	}
	return w;
}

int tcp_tw_init(struct utcp_ctx *ctx, struct utcp_tcp_ctx *t)
{
	const struct utcp_config *cfg = ctx->cfg;
	uint32_t n = cfg->max_concurrency > 0 ? (uint32_t)cfg->max_concurrency : 1024;
	uint32_t nb = 1;
	while (nb < n && nb < (1u << 30))
		nb <<= 1;
	if (utcp_pool_init_lazy(&t->twr_pool, "timewait", sizeof(struct tcp_tw), n) < 0 ||
	    t->twr_pool.size != sizeof(struct tcp_tw)) /* one cache line each, indexed */
		return -1;
	t->twr_mask = nb - 1;
	t->twr_hash = calloc(nb, sizeof(*t->twr_hash));
	t->twr6 = calloc(n, sizeof(*t->twr6));
	utcp_timer_init(&t->twr_timer, tcp_tw_fire, ctx);
	return t->twr_hash != NULL && t->twr6 != NULL ? 0 : -1;
}

/* Context teardown: every record goes, nothing is sent. */
void tcp_tw_destroy(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	while (t->twr_head != 0)
		tcp_tw_free(ctx, tw_at(t, t->twr_head));
	utcp_timer_cancel(&ctx->timers, &t->twr_timer);
}

/* ---- from a TCB --------------------------------------------------------------- */

static void tw_fill(struct tcp_tw *w, const struct utcp_tcb *tp, utcp_time_t expire)
{
	w->expire = expire; /* every field set (the links by tcp_tw_take) */
	w->laddr = tp->laddr;
	w->raddr = tp->raddr;
	w->lport = tp->lport;
	w->rport = tp->rport;
	w->rcv_nxt = tp->rcv_nxt;
	w->snd_nxt = tp->snd_max;
	w->rcv_wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	w->max_sndwnd = tp->max_sndwnd;
	w->ts_recent = tp->ts_recent;
	w->ts_offset = tp->ts_offset;
	w->ts_age = (uint32_t)(tp->ts_recent_age / UTCP_NSEC_PER_SEC);
	w->rcv_wscale = (tp->flags & TF_RCV_WSCALE) ? tp->rcv_wscale : 0;
	w->port = (uint8_t)tp->port;
	w->tos = tp->ip_tos;
	w->flags = (uint8_t)(((tp->flags & TF_TS) ? TW_TS : 0) | ((tp->flags & TF_SACK) ? TW_SACK : 0) |
			     (tp->is6 ? TW_IS6 : 0) | ((tp->flags & TF_PORT_REF) ? TW_PORT_REF : 0) |
			     ((tp->flags & TF_REUSEADDR) ? TW_REUSEADDR : 0) |
			     ((tp->flags & TF_EPHEMERAL) ? TW_EPHEMERAL : 0) |
			     (tcp_no_df(tp) ? TW_NO_DF : 0));
}

int tcp_tw_take(struct utcp_tcb *tp, utcp_time_t expire)
{
	struct utcp_ctx *ctx = tp->ctx;
	struct utcp_tcp_ctx *t = ctx->tcp;
	if (tp->sock != NULL || tp->listener != NULL || t->quiet)
		return -1;
	struct tcp_tw *w = tcp_tw_alloc(ctx);
	if (w == NULL)
		return -1;
	tw_fill(w, tp, expire);
	uint32_t i = tw_index(t, w);
	if (tp->is6)
		t->twr6[i - 1] = tp->a6;
	uint32_t *b = tw_bucket_tcb(t, tp);
	w->hnext = *b;
	*b = i;
	tw_fifo_insert(t, w, i);
	t->ntimewait++;
	if (t->twr_head == i)
		tw_arm(ctx);
	/* The TCB leaves every table as tcp_drop's would, its port reference
	 * now the record's; the connection is not CLOSED yet. */
	tp->flags &= ~TF_PORT_REF;
	tcp_timers_cancel(tp);
	tcp_output_unschedule(tp);
	tcp_flow_remove(tp);
	tcp_timewait_unlink(tp);
	tcp_bufs_release(tp);
	tcp_tcb_free(tp);
	return 0;
}

/* ---- lookup ----------------------------------------------------------------- */

static struct tcp_tw *tcp_tw_lookup(struct utcp_ctx *ctx, const struct tcp_addr6 *a6,
				    uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	uint32_t h = tcp_tw_hash(t, laddr, lport, raddr, rport);
	for (uint32_t i = t->twr_hash[h & t->twr_mask]; i != 0;) {
		struct tcp_tw *w = tw_at(t, i);
		if (w->lport == lport && w->rport == rport && w->laddr == laddr && w->raddr == raddr &&
		    (a6 == NULL ? !(w->flags & TW_IS6)
				: (w->flags & TW_IS6) && utcp_in6_eq(&t->twr6[i - 1].laddr, &a6->laddr) &&
					  utcp_in6_eq(&t->twr6[i - 1].raddr, &a6->raddr)))
			return w;
		i = w->hnext;
	}
	return NULL;
}

int tcp_tw_holds(struct utcp_ctx *ctx, const struct tcp_addr6 *a6, uint32_t laddr,
		 uint16_t lport, uint32_t raddr, uint16_t rport)
{
	return ctx->tcp->twr_head != 0 && tcp_tw_lookup(ctx, a6, laddr, lport, raddr, rport) != NULL;
}

/* ---- segments ----------------------------------------------------------------- */

/* What one segment owes: an ACK, with a D-SACK block (RFC 2883 §4). */
struct tw_reply {
	int ack;
	int dsack;
	struct tcp_sack_block blk;
};

static void tw_dsack(const struct tcp_tw *w, struct tw_reply *r, uint32_t start, uint32_t end)
{
	if ((w->flags & TW_SACK) && SEQ_LT(start, end)) {
		r->dsack = 1;
		r->blk.start = start;
		r->blk.end = end;
	}
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, TSopt and a D-SACK block as the TCB's. */
static void tcp_tw_ack(struct utcp_ctx *ctx, const struct tcp_tw *w, const struct tw_reply *r)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	struct tcp_out o = { .seq = w->snd_nxt, .ack = w->rcv_nxt, .flags = TH_ACK };
	uint32_t win = w->rcv_wnd >> w->rcv_wscale;
	o.win = (uint16_t)(win > 65535 ? 65535 : win);
	if (w->flags & TW_TS) {
		o.opt[0] = TCPOPT_NOP;
		o.opt[1] = TCPOPT_NOP;
		o.opt[2] = TCPOPT_TIMESTAMP;
		o.opt[3] = 10;
		wr32(o.opt + 4, (uint32_t)(ctx->now / UTCP_NSEC_PER_MSEC) + w->ts_offset);
		wr32(o.opt + 8, w->ts_recent);
		o.optlen = 12;
	}
	if (r != NULL && r->dsack) {
		uint8_t *p = o.opt + o.optlen;
		p[0] = TCPOPT_NOP;
		p[1] = TCPOPT_NOP;
		p[2] = TCPOPT_SACK;
		p[3] = 10;
		wr32(p + 4, r->blk.start);
		wr32(p + 8, r->blk.end);
		o.optlen += 12;
		ctx->stats.tcp_sack_blocks_tx++;
		ctx->stats.tcp_dsack_tx++;
	}
	o.tos = w->tos;
	o.no_df = (w->flags & TW_NO_DF) != 0;
	o.a6 = (w->flags & TW_IS6) ? &t->twr6[tw_index(t, w) - 1] : NULL;
	tcp_xmit(ctx, w->port, w->laddr, w->lport, w->raddr, w->rport, &o, NULL, UTCP_TX_ACK);
}

/* RFC 6191 §2, RFC 1122 §4.2.2.13: a SYN clearly newer than the old
 * connection (a greater TSval, or the same one and a greater sequence
 * number) may reopen the 4-tuple (tcp_input.c's tcp_timewait_reusable). */
static int tcp_tw_reusable(const struct tcp_tw *w, const struct tcp_seg *s)
{
	if ((s->flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) != TH_SYN)
		return 0;
	if ((w->flags & TW_TS) && (s->opt.flags & TOF_TS) && s->opt.tsval != w->ts_recent)
		return SEQ_GT(s->opt.tsval, w->ts_recent);
	return SEQ_GT(s->seq, w->rcv_nxt);
}

/* RFC 9293 §3.10.7.4 first step, as tcp_seq_acceptable with RCV.WND fixed. */
static int tw_acceptable(const struct tcp_tw *w, const struct tcp_seg *s)
{
	uint32_t seglen = s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	uint32_t nxt = w->rcv_nxt, wnd = w->rcv_wnd;
	if (seglen == 0 && (s->flags & TH_RST) && wnd > 0)
		return SEQ_GEQ(s->seq, nxt) && SEQ_LT(s->seq, nxt + wnd);
	if (seglen == 0)
		return SEQ_GEQ(s->seq, nxt) && SEQ_LEQ(s->seq, nxt + wnd);
	if (wnd == 0)
		return s->seq == nxt;
	uint32_t last = s->seq + seglen - 1;
	return (SEQ_GEQ(s->seq, nxt) && SEQ_LT(s->seq, nxt + wnd)) ||
	       (SEQ_GEQ(last, nxt) && SEQ_LT(last, nxt + wnd));
}

/* RFC 7323 §3.2 (tcp_ts_required) and §5.3 R1 PAWS, TS.Recent idle for
 * 24 days no longer valid (§5.5).  1: dropped (r says whether to ACK). */
static int tw_ts_check(struct utcp_ctx *ctx, const struct tcp_tw *w, const struct tcp_seg *s,
		       struct tw_reply *r)
{
	if (!(w->flags & TW_TS) || (s->flags & TH_RST))
		return 0;
	if (!(s->opt.flags & TOF_TS)) {
		if (!ctx->cfg->tcp_ts_required || !tw_acceptable(w, s))
			return 0;
		ctx->stats.drop_tcp_no_ts++;
		return 1;
	}
	if (SEQ_GEQ(s->opt.tsval, w->ts_recent) ||
	    (uint64_t)(tw_secs(ctx) - w->ts_age) * UTCP_NSEC_PER_SEC > TCP_PAWS_IDLE)
		return 0;
	ctx->stats.drop_tcp_paws++;
	r->ack = 1;
	return 1;
}

/* Steps one to four (tcp_in_sync): 0 to go on, 1 when done; the record
 * may be gone (an RST). */
static int tw_sync(struct utcp_ctx *ctx, struct tcp_tw *w, struct tcp_seg *s, struct tw_reply *r)
{
	if (tw_ts_check(ctx, w, s, r))
		return 1;
	if (!tw_acceptable(w, s)) {
		ctx->stats.drop_tcp_unacceptable++;
		if (s->len > 0 && SEQ_LEQ(s->seq + s->len, w->rcv_nxt))
			tw_dsack(w, r, s->seq, s->seq + s->len);
		r->ack = !(s->flags & TH_RST);
		return 1;
	}
	if (s->flags & TH_RST) { /* RFC 5961 §3.2 */
		if (s->seq != w->rcv_nxt) {
			ctx->stats.drop_tcp_rst++;
			r->ack = tcp_challenge_ok(ctx);
			return 1;
		}
		ctx->stats.tcp_rst_rx++;
		tcp_tw_free(ctx, w);
		return 1;
	}
	if (s->flags & TH_SYN) { /* RFC 5961 §4.2 */
		ctx->stats.drop_tcp_syn++;
		r->ack = tcp_challenge_ok(ctx);
		return 1;
	}
	if (!(s->flags & TH_ACK)) {
		ctx->stats.drop_tcp_state++;
		return 1;
	}
	return 0;
}

/* Trim to the window (tcp_trim), the ACK field (tcp_in_ack: RFC 5961 §5.2,
 * RFC 7323 §4.3), then the FIN (tcp_in_data: it was received already). */
static void tw_rest(struct utcp_ctx *ctx, struct tcp_tw *w, struct tcp_seg *s,
		    struct tw_reply *r)
{
	uint32_t seq = s->seq, len = s->len, edge = w->rcv_nxt + w->rcv_wnd;
	uint8_t fin = s->flags & TH_FIN;
	if (SEQ_LT(seq, w->rcv_nxt)) {
		uint32_t d = w->rcv_nxt - seq;
		if (d > len)
			fin = 0;
		d = d < len ? d : len;
		tw_dsack(w, r, seq, seq + d);
		len -= d;
		seq = w->rcv_nxt;
		r->ack = 1;
	}
	if (SEQ_GT(seq + len, edge)) {
		fin = 0;
		r->ack = 1;
	}
	if (SEQ_GT(s->ack, w->snd_nxt)) {
		ctx->stats.drop_tcp_ack++;
		r->ack = 1;
		return;
	}
	if (SEQ_LT(s->ack, w->snd_nxt - w->max_sndwnd)) {
		ctx->stats.drop_tcp_ack++;
		r->ack = tcp_challenge_ok(ctx);
		return;
	}
	if ((w->flags & TW_TS) && (s->opt.flags & TOF_TS) && SEQ_GEQ(s->opt.tsval, w->ts_recent) &&
	    SEQ_LEQ(s->seq, w->rcv_nxt)) {
		w->ts_recent = s->opt.tsval;
		w->ts_age = tw_secs(ctx);
	}
	if (fin)
		r->ack = 1;
}

/* The FIN again: acknowledge it and restart the 2*MSL (RFC 9293
 * §3.10.7.4): the record goes to the FIFO's tail. */
static void tw_restart(struct utcp_ctx *ctx, struct tcp_tw *w)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	uint32_t i = tw_index(t, w);
	int head = t->twr_head == i;
	tw_fifo_remove(t, w);
	w->expire = ctx->now + (utcp_time_t)ctx->cfg->tcp_timewait * UTCP_NSEC_PER_SEC;
	tw_fifo_insert(t, w, i);
	if (head || t->twr_head == i)
		tw_arm(ctx);
}

static void tcp_tw_segment(struct utcp_ctx *ctx, struct tcp_tw *w, struct tcp_seg *s)
{
	struct tw_reply r = { 0 };
	struct tcp_listener *l;
	if (tcp_tw_reusable(w, s)) {
		l = (w->flags & TW_IS6)
			    ? tcp_listener_lookup6(ctx, &ctx->tcp->twr6[tw_index(ctx->tcp, w) - 1].laddr,
						   w->laddr, w->lport)
			    : tcp_listener_lookup(ctx, w->laddr, w->lport);
		if (l != NULL) {
			uint32_t iss = w->snd_nxt + 65535 + 2; /* beyond anything the old one used */
			ctx->stats.tcp_timewait_reused++;
			tcp_tw_free(ctx, w);
			tcp_passive_open(ctx, l, s, iss == 0 ? 1 : iss);
			return;
		}
	}
	if ((s->flags & (TH_FIN | TH_RST | TH_SYN)) == TH_FIN && s->seq + s->len + 1 == w->rcv_nxt) {
		tcp_tw_ack(ctx, w, NULL);
		tw_restart(ctx, w);
		return;
	}
	if (tw_sync(ctx, w, s, &r) == 0)
		tw_rest(ctx, w, s, &r);
	if (r.ack) /* w is still there: only an RST frees it, and then owes nothing */
		tcp_tw_ack(ctx, w, &r);
}

int tcp_tw_input(struct utcp_ctx *ctx, struct tcp_seg *s)
{
	struct tcp_tw *w = tcp_tw_lookup(ctx, s->a6, s->daddr, s->dport, s->saddr, s->sport);
	if (w == NULL)
		return 0;
	tcp_tw_segment(ctx, w, s);
	return 1;
}

/* ---- invariants (tcp_check.c) ------------------------------------------------- */

/* The FIFO is sorted by expiry, its links agree, each record is in its
 * table chain, the pool counts them, and the timer waits for the head. */
int tcp_tw_check(const struct utcp_tcp_ctx *t, char *msg, size_t len)
{
	uint32_t n = 0, prev = 0;
	for (uint32_t i = t->twr_head; i != 0 && n <= t->twr_pool.count; n++) {
		const struct tcp_tw *w = tcp_tw_rec(t, i);
		const struct tcp_tw *p = tcp_tw_rec(t, prev);
		uint32_t h = tcp_tw_hash(t, w->laddr, w->lport, w->raddr, w->rport);
		uint32_t j = t->twr_hash[h & t->twr_mask];
		while (j != 0 && j != i)
			j = tcp_tw_rec(t, j)->hnext;
		if (w->prev != prev || (p != NULL && p->expire > w->expire) || j != i) {
			snprintf(msg, len, "TIME-WAIT record %u: FIFO or table links broken", i);
			return -1;
		}
		prev = i;
		i = w->next;
	}
	if (n != t->twr_pool.in_use || prev != t->twr_tail || t->ntimewait < n ||
	    (n > 0 && (!utcp_timer_pending(&t->twr_timer) ||
		       t->twr_timer.expires != tcp_tw_rec(t, t->twr_head)->expire))) {
		snprintf(msg, len, "TIME-WAIT records: %u in the FIFO, %u taken, timer %s", n,
			 t->twr_pool.in_use, utcp_timer_pending(&t->twr_timer) ? "set" : "not set");
		return -1;
	}
	return 0;
}
