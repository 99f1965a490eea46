/*
 * core/tcp/tcp_tcb.c - TCBs from the context's pool, and the TIME-WAIT
 * FIFO that gives them back when the pool runs dry.
 *
 * Call order: tcp_tcb_new (tcp_conn.c) -> tcp_tcb_alloc; tcp_enter_time_wait
 * -> tcp_timewait_link; tcp_drop -> tcp_timewait_unlink, tcp_tcb_free.
 *
 * The FIFO keeps TIME-WAIT connections that still hold a TCB (their socket
 * is open; an orphan's TIME-WAIT is a compact record, tcp_timewait.c)
 * oldest first.  When no TCB is left, the oldest one ends its TIME-WAIT
 * early and its TCB is reused (counted in tcp_timewait_recycled):
 * TIME-WAIT lasts its full 2 MSL (RFC 9293 §3.10.7.4) only while the pool
 * has room.
 */
#include <string.h>

#include "core/tcp/tcp.h"

struct utcp_tcb *tcp_tcb_alloc(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	struct utcp_tcb *tp = utcp_pool_get(&t->tcb_pool);
	if (tp == NULL && t->tw_head != NULL) {
		/* Out of TCBs: the oldest TIME-WAIT connection gives way. */
		ctx->stats.tcp_timewait_recycled++;
		tcp_drop(t->tw_head, 0);
		tp = utcp_pool_get(&t->tcb_pool);
	}
	if (tp == NULL) {
		ctx->stats.tcp_no_sock_buf++;
		return NULL;
	}
	memset(tp, 0, sizeof(*tp));
	tp->ctx = ctx;
	return tp;
}

/* 1 if tcp_tcb_alloc can succeed (a free TCB, or a TIME-WAIT one to reclaim). */
int tcp_tcb_room(const struct utcp_ctx *ctx)
{
	return utcp_pool_avail(&ctx->tcp->tcb_pool) > 0 || ctx->tcp->tw_head != NULL;
}

void tcp_tcb_free(struct utcp_tcb *tp)
{
	utcp_pool_put(&tp->ctx->tcp->tcb_pool, tp);
}

/* ---- TIME-WAIT FIFO ----------------------------------------------------- */

void tcp_timewait_link(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	tp->tw_next = NULL;
	tp->tw_prev = t->tw_tail;
	if (t->tw_tail != NULL)
		t->tw_tail->tw_next = tp;
	else
		t->tw_head = tp;
	t->tw_tail = tp;
	t->ntimewait++;
}

void tcp_timewait_unlink(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->tw_prev == NULL && t->tw_head != tp)
		return;
	if (tp->tw_prev != NULL)
		tp->tw_prev->tw_next = tp->tw_next;
	else
		t->tw_head = tp->tw_next;
	if (tp->tw_next != NULL)
		tp->tw_next->tw_prev = tp->tw_prev;
	else
		t->tw_tail = tp->tw_prev;
	tp->tw_next = tp->tw_prev = NULL;
	t->ntimewait--;
}
