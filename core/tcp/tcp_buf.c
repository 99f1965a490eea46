/*
 * core/tcp/tcp_buf.c - send and receive byte rings, taken from and given
 * back to the context's lazy pools.
 *
 * Call order: tcp_connect -> tcp_bufs_alloc; tcp_passive_tcb ->
 * tcp_bufs_defer (sizes only: a half-open connection holds no ring), then
 * tcp_established -> tcp_bufs_attach (the rings, or a place in the FIFO of
 * connections waiting for them); tcp_drop, TIME-WAIT, close ->
 * tcp_bufs_release (which hands the freed rings to the oldest waiter).  tcp_send -> tcp_sndbuf_append; tcp_output -> tcp_sndbuf_copy;
 * ACK processing -> tcp_sndbuf_drop.  Segment text -> tcp_rcvbuf_store;
 * tcp_recv -> tcp_rcvbuf_read.
 *
 * The receive ring holds the unread in-order bytes followed, at their own
 * sequence offsets, by out-of-order data: everything we accept lies inside
 * the window we advertised, which never exceeds the free space of the ring,
 * so out-of-order data needs no memory of its own.  Which ranges are held
 * is kept by tcp_ooo.c, with room that grows with the ring; a segment that
 * would need more ranges than that is refused (and counted by the caller).
 */
#include <stddef.h>
#include <string.h>

#include "core/tcp/tcp.h"

/* ---- allocation ------------------------------------------------------------ */

/* Pool objects are rounded up to 64 bytes; the buffers use the size asked for. */
uint32_t tcp_clamp_buf(const struct utcp_pool *pool, int want)
{
	uint32_t max = (uint32_t)pool->obj_size;
	uint32_t min = max < TCP_BUF_MIN ? max : TCP_BUF_MIN;
	if (want <= 0 || (uint32_t)want > max)
		return max;
	return (uint32_t)want < min ? min : (uint32_t)want;
}

/* Sizes of the rings the connection will have: recorded now, the memory
 * comes with tcp_bufs_attach.  cap stays 0 (the SYN-ACK offers a zero
 * window; the window opens when the rings come) unless more sets are free
 * than windows already offered by half-open connections: then the SYN-ACK
 * offers the window the connection will most likely have.  Such an offer
 * reserves nothing (a flood of SYNs pins no ring): whoever reaches
 * ESTABLISHED first takes the rings. */
void tcp_bufs_defer(struct utcp_tcb *tp, uint32_t rcvbuf, uint32_t sndbuf)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	int room = tcp_bufs_offer(t);
	memset(&tp->rcv, 0, sizeof(tp->rcv));
	memset(&tp->snd, 0, sizeof(tp->snd));
	tp->rcv.size = t->rcvbuf;
	tp->rcv.want = tcp_clamp_buf(&t->rcvbuf_pool, (int)rcvbuf);
	tp->rcv.cap = room ? tp->rcv.want : 0;
	t->bufs_promised += room; /* cap > 0 without mem: a window offered */
	tp->snd.size = t->sndbuf;
	tp->snd.want = tcp_clamp_buf(&t->sndbuf_pool, (int)sndbuf);
}

/* More sets of rings free than windows offered by half-open connections. */
int tcp_bufs_offer(const struct utcp_tcp_ctx *t)
{
	return tcp_bufs_room(t) && utcp_pool_avail(&t->rcvbuf_pool) > t->bufs_promised &&
	       utcp_pool_avail(&t->sndbuf_pool) > t->bufs_promised &&
	       utcp_pool_avail(&t->ooo_pool) > t->bufs_promised;
}

int tcp_bufs_room(const struct utcp_tcp_ctx *t)
{
	return utcp_pool_avail(&t->rcvbuf_pool) > 0 && utcp_pool_avail(&t->ooo_pool) > 0 &&
	       utcp_pool_avail(&t->sndbuf_pool) > 0;
}

static void tcp_bufs_unpromise(struct utcp_tcb *tp)
{
	if (tp->rcv.mem == NULL && tp->rcv.cap > 0) {
		tp->ctx->tcp->bufs_promised--;
		tp->rcv.cap = 0;
	}
}

/* The send ring comes with the loss-recovery tables (struct tcp_sndx):
 * the pools hold as many of each, so one is free when the other is. */
static void tcp_snd_take(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	struct tcp_sndx *x = utcp_pool_get(&t->sndx_pool);
	tp->snd.mem = utcp_pool_get(&t->sndbuf_pool);
	tp->snd.cap = tp->snd.want;
	tp->sb.blk = x->blk;
	tp->rack.run = x->run;
}

static void tcp_snd_give(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->snd.mem == NULL)
		return;
	utcp_pool_put(&t->sndbuf_pool, tp->snd.mem);
	utcp_pool_put(&t->sndx_pool, (uint8_t *)tp->sb.blk - offsetof(struct tcp_sndx, blk));
	tp->snd.mem = NULL;
	tp->sb.blk = NULL;
	tp->sb.n = 0;
	tp->sb.sacked = 0;
	tp->rack.run = NULL;
	tp->rack.n = 0;
}

/* The receive ring comes with its out-of-order range array (tcp_ooo.c);
 * the three pools hold max_num_buffers objects each.  -1 (nothing taken)
 * when one is empty. */
static int tcp_bufs_take(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (!tcp_bufs_room(t))
		return -1;
	tcp_bufs_unpromise(tp);
	tp->rcv.mem = utcp_pool_get(&t->rcvbuf_pool);
	tp->rcv.ooo = utcp_pool_get(&t->ooo_pool);
	tp->rcv.ooo_max = tcp_ooo_room(tp->rcv.size);
	tp->rcv.cap = tp->rcv.want;
	tcp_snd_take(tp);
	return 0;
}

/* Active opens: the rings now, or -1 (counted). */
int tcp_bufs_alloc(struct utcp_tcb *tp, uint32_t rcvbuf, uint32_t sndbuf)
{
	tcp_bufs_defer(tp, rcvbuf, sndbuf);
	if (tcp_bufs_take(tp) == 0)
		return 0;
	tp->ctx->stats.tcp_no_sock_buf++;
	return -1;
}

/* The rings arrived: open the window at once (the peer may be waiting on
 * a zero window it was shown) and let the user write. */
static void tcp_bufs_arrived(struct utcp_tcb *tp)
{
	tp->flags |= TF_ACKNOW;
	tcp_output_schedule(tp);
	tcp_notify(tp, EPOLLOUT);
}

/* A passive open reached ESTABLISHED (tcp_established): it takes its rings
 * now, so that no half-open connection holds any.  With the pools empty it
 * waits, first come first served, with a zero window (RFC 9293 §3.8.6.2:
 * the peer probes it), and tcp_bufs_release hands it the next free set. */
void tcp_bufs_attach(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->rcv.mem != NULL || (tp->flags & TF_BUFWAIT))
		return;
	if (t->bw_head == NULL && tcp_bufs_take(tp) == 0) {
		if (!SEQ_GT(tp->rcv_adv, tp->rcv_nxt)) /* the SYN-ACK offered 0 */
			tcp_bufs_arrived(tp);
		return;
	}
	tp->ctx->stats.tcp_no_sock_buf++;
	tcp_bufs_unpromise(tp);
	tp->flags |= TF_BUFWAIT;
	tp->bw_next = NULL;
	tp->bw_prev = t->bw_tail;
	if (t->bw_tail != NULL)
		t->bw_tail->bw_next = tp;
	else
		t->bw_head = tp;
	t->bw_tail = tp;
}

static void tcp_bufs_unwait(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (!(tp->flags & TF_BUFWAIT))
		return;
	if (tp->bw_prev != NULL)
		tp->bw_prev->bw_next = tp->bw_next;
	else
		t->bw_head = tp->bw_next;
	if (tp->bw_next != NULL)
		tp->bw_next->bw_prev = tp->bw_prev;
	else
		t->bw_tail = tp->bw_prev;
	tp->bw_next = tp->bw_prev = NULL;
	tp->flags &= ~TF_BUFWAIT;
}

/* Rings were given back: the oldest waiting connections take them. */
static void tcp_bufs_wake(struct utcp_tcp_ctx *t)
{
	while (t->bw_head != NULL && tcp_bufs_room(t)) {
		struct utcp_tcb *tp = t->bw_head;
		tcp_bufs_unwait(tp);
		if (tp->state != TCPS_ESTABLISHED && tp->state != TCPS_CLOSE_WAIT)
			continue; /* closing already: nothing more to receive or send */
		tcp_bufs_take(tp);
		tcp_bufs_arrived(tp);
	}
}

void tcp_bufs_release(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	int had = tp->rcv.mem != NULL;
	tcp_bufs_unwait(tp);
	tcp_bufs_unpromise(tp);
	if (tp->rcv.mem != NULL)
		utcp_pool_put(&t->rcvbuf_pool, tp->rcv.mem);
	if (tp->rcv.ooo != NULL)
		utcp_pool_put(&t->ooo_pool, tp->rcv.ooo);
	tcp_snd_give(tp);
	tp->rcv.mem = NULL;
	tp->rcv.ooo = NULL;
	tp->rcv.len = tp->rcv.nooo = tp->rcv.ooo_max = 0;
	tp->rcv.nhist = 0;
	tp->snd.len = 0;
	if (had && t->bw_head != NULL && !t->quiet)
		tcp_bufs_wake(t);
}

/* ---- rings ------------------------------------------------------------------ */

static inline uint32_t ring_idx(uint32_t size, uint32_t head, uint32_t off)
{
	uint64_t i = (uint64_t)head + off;
	return (uint32_t)(i % size);
}

static void ring_write(uint8_t *mem, uint32_t size, uint32_t at, const uint8_t *src, uint32_t n)
{
	uint32_t first = size - at < n ? size - at : n;
	memcpy(mem + at, src, first);
	memcpy(mem, src + first, n - first);
}

static void ring_read(const uint8_t *mem, uint32_t size, uint32_t at, uint8_t *dst, uint32_t n)
{
	uint32_t first = size - at < n ? size - at : n;
	memcpy(dst, mem + at, first);
	memcpy(dst + first, mem, n - first);
}

/* ---- send ---------------------------------------------------------------- */

uint32_t tcp_sndbuf_space(const struct tcp_sndbuf *b)
{
	return b->len >= b->cap ? 0 : b->cap - b->len;
}

uint32_t tcp_sndbuf_append(struct tcp_sndbuf *b, const uint8_t *data, uint32_t len)
{
	uint32_t n = tcp_sndbuf_space(b);
	if (n > len)
		n = len;
	if (n == 0)
		return 0;
	ring_write(b->mem, b->size, ring_idx(b->size, b->head, b->len), data, n);
	b->len += n;
	return n;
}

void tcp_sndbuf_copy(const struct tcp_sndbuf *b, uint32_t off, uint8_t *dst, uint32_t len)
{
	ring_read(b->mem, b->size, ring_idx(b->size, b->head, off), dst, len);
}

void tcp_sndbuf_drop(struct tcp_sndbuf *b, uint32_t n)
{
	if (n > b->len)
		n = b->len;
	b->head = ring_idx(b->size, b->head, n);
	b->len -= n;
	if (b->len == 0)
		b->head = 0;
}

/* ---- receive ------------------------------------------------------------- */

/* Caller has trimmed [seq, seq + len) to [rcv_nxt, rcv_adv).  Returns the
 * bytes that became readable (rcv_nxt advanced by as much), or UINT32_MAX
 * (nothing stored) if the out-of-order bound refused the segment. */
uint32_t tcp_rcvbuf_store(struct utcp_tcb *tp, uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct tcp_rcvbuf *b = &tp->rcv;
	uint32_t off = seq - tp->rcv_nxt;
	if (b->mem == NULL) /* waiting for its rings (tcp_bufs_attach) */
		return UINT32_MAX;
	if (off > 0 && tcp_ooo_insert(b, seq, seq + len) < 0)
		return UINT32_MAX;
	ring_write(b->mem, b->size, ring_idx(b->size, b->head, b->len + off), data, len);
	if (off > 0)
		return 0;
	uint32_t start = tp->rcv_nxt;
	/* Ranges now reached by RCV.NXT join the in-order data. */
	tp->rcv_nxt = tcp_ooo_advance(b, tp->rcv_nxt + len);
	uint32_t n = tp->rcv_nxt - start;
	b->len += n;
	return n;
}

void tcp_rcvbuf_hold(struct utcp_tcb *tp, const uint8_t *data, uint32_t len)
{
	struct tcp_rcvbuf *b = &tp->rcv;
	ring_write(b->mem, b->size, ring_idx(b->size, b->head, b->len), data, len);
}

uint32_t tcp_rcvbuf_unhold(struct utcp_tcb *tp, uint32_t len)
{
	uint32_t start = tp->rcv_nxt;
	tp->rcv_nxt = tcp_ooo_advance(&tp->rcv, tp->rcv_nxt + len);
	tp->rcv.len += tp->rcv_nxt - start;
	return tp->rcv_nxt - start;
}

uint32_t tcp_rcvbuf_read(struct tcp_rcvbuf *b, const struct iovec *iov, int iovcnt, int peek)
{
	uint32_t done = 0;
	for (int i = 0; i < iovcnt && done < b->len; i++) {
		uint32_t n = b->len - done;
		if (iov[i].iov_len < n)
			n = (uint32_t)iov[i].iov_len;
		ring_read(b->mem, b->size, ring_idx(b->size, b->head, done), iov[i].iov_base, n);
		done += n;
	}
	if (!peek && done > 0) {
		b->head = ring_idx(b->size, b->head, done);
		b->len -= done;
	}
	return done;
}
