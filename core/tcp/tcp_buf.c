/*
 * core/tcp/tcp_buf.c - send and receive byte rings, taken from the
 * context's lazy pools when data needs them and given back when drained.
 *
 * Call order: tcp_tcb_new / tcp_passive_tcb -> tcp_bufs_defer (sizes only:
 * an idle or half-open connection holds its TCB and nothing else).
 * tcp_send -> tcp_snd_need (the send ring and the loss-recovery tables,
 * struct tcp_sndx) -> tcp_sndbuf_append; tcp_output -> tcp_sndbuf_copy;
 * ACK processing -> tcp_sndbuf_drop -> tcp_snd_drained (all acknowledged:
 * drained).  Segment text -> tcp_rcvbuf_store (takes the receive ring);
 * tcp_recv -> tcp_rcvbuf_read -> tcp_rcv_drained (all read: drained).  A
 * drained ring goes back after TCP_RING_IDLE (tcp_bufs_sweep, each round
 * from utcp_tcp_output), or sooner when rings are short (tcp_bufs_drained,
 * tcp_bufs_reclaim).  The window offered comes from tcp_rcv_space.
 * tcp_drop, TIME-WAIT, close -> tcp_bufs_release.
 *
 * Exhaustion: a write that finds no send ring gets EAGAIN (as Linux's
 * sk_stream_wait_memory under memory pressure; a blocking write waits for
 * EPOLLOUT); text that finds no receive ring is dropped unacknowledged (the
 * peer retransmits it) and a connection without a ring offers no new
 * window.  Either joins the FIFO of waiters, which tcp_bufs_wake serves,
 * oldest first, as rings come back: a receiver takes its ring and
 * announces its window, a writer is woken.  Windows are offered without
 * reserving rings (a reservation per window would make every idle
 * connection cost a ring): like Linux under tcp_mem pressure, utcp
 * overcommits, drops what it cannot hold and never shrinks a window.
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

/* Sizes of the rings the connection will have (SO_RCVBUF, SO_SNDBUF): the
 * memory comes when data needs it (tcp_rcv_take, tcp_snd_need). */
void tcp_bufs_defer(struct utcp_tcb *tp, uint32_t rcvbuf, uint32_t sndbuf)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	memset(&tp->rcv, 0, sizeof(tp->rcv));
	memset(&tp->snd, 0, sizeof(tp->snd));
	tp->rcv.size = t->rcvbuf;
	tp->rcv.want = tp->rcv.cap = tcp_clamp_buf(&t->rcvbuf_pool, (int)rcvbuf);
	tp->snd.size = t->sndbuf;
	tp->snd.want = tp->snd.cap = tcp_clamp_buf(&t->sndbuf_pool, (int)sndbuf);
}

/* A receive ring (with its out-of-order ranges) could be taken now. */
static int tcp_rcv_room(const struct utcp_tcp_ctx *t)
{
	return utcp_pool_avail(&t->rcvbuf_pool) > 0 && utcp_pool_avail(&t->ooo_pool) > 0;
}

/* A send ring (with its loss-recovery tables) could be taken now. */
static int tcp_snd_room(const struct utcp_tcp_ctx *t)
{
	return utcp_pool_avail(&t->sndbuf_pool) > 0 && utcp_pool_avail(&t->sndx_pool) > 0;
}

int tcp_bufs_room(const struct utcp_tcp_ctx *t)
{
	return tcp_rcv_room(t) && tcp_snd_room(t);
}

/* The window a SYN-ACK sent by a cookie may offer (tcp_syncookie.c). */
int tcp_bufs_offer(const struct utcp_tcp_ctx *t)
{
	return tcp_rcv_room(t);
}

/* The FIFO of connections that found the pools empty: a write that got
 * EAGAIN (TCP_BW_SND), a window held shut or text dropped for want of a
 * receive ring (TCP_BW_RCV).  Counted once per wait. */
static void tcp_bufs_wait(struct utcp_tcb *tp, uint8_t what)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	tp->bufwait |= what;
	if (tp->flags & TF_BUFWAIT)
		return;
	tp->ctx->stats.tcp_no_sock_buf++;
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
	tp->bufwait = 0;
}

/* ---- receive ring ------------------------------------------------------- */

static void tcp_rcv_get(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	tp->rcv.mem = utcp_pool_get(&t->rcvbuf_pool);
	tp->rcv.ooo = utcp_pool_get(&t->ooo_pool);
	tp->rcv.ooo_max = tcp_ooo_room(tp->rcv.size);
	tp->rcv.head = tp->rcv.len = tp->rcv.nooo = 0;
	tp->rcv.nhist = 0;
}

/* Text arrived (tcp_rcvbuf_store, tcp_rcvbuf_hold): the ring, or -1 (the
 * text is dropped and not acknowledged: the peer sends it again, and the
 * connection waits in the FIFO for the next ring given back). */
static void tcp_bufs_reclaim(struct utcp_tcp_ctx *t, int (*room)(const struct utcp_tcp_ctx *));

static int tcp_rcv_take(struct utcp_tcb *tp)
{
	tcp_bufs_reclaim(tp->ctx->tcp, tcp_rcv_room);
	if (!tcp_rcv_room(tp->ctx->tcp)) {
		tcp_bufs_wait(tp, TCP_BW_RCV);
		return -1;
	}
	tcp_rcv_get(tp);
	return 0;
}

/* Free space the window may offer (RFC 9293 §3.8.6): the ring's, or
 * without a ring the whole SO_RCVBUF when a ring could be had now, else
 * nothing new (the connection waits for a ring; what was offered stays
 * offered, the window never shrinks, RFC 9293 §3.8.6.2.2). */
uint32_t tcp_rcv_space(struct utcp_tcb *tp)
{
	const struct tcp_rcvbuf *b = &tp->rcv;
	if (b->mem != NULL)
		return b->cap > b->len ? b->cap - b->len : 0;
	tcp_bufs_reclaim(tp->ctx->tcp, tcp_rcv_room);
	if (tcp_rcv_room(tp->ctx->tcp) && !(tp->bufwait & TCP_BW_RCV))
		return b->cap;
	tcp_bufs_wait(tp, TCP_BW_RCV);
	return 0;
}

static void tcp_bufs_wake(struct utcp_tcp_ctx *t);

static void tcp_rcv_give(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->rcv.mem == NULL)
		return;
	utcp_pool_put(&t->rcvbuf_pool, tp->rcv.mem);
	utcp_pool_put(&t->ooo_pool, tp->rcv.ooo);
	tp->rcv.mem = NULL;
	tp->rcv.ooo = NULL;
	tp->rcv.head = tp->rcv.len = tp->rcv.nooo = tp->rcv.ooo_max = 0;
	tp->rcv.nhist = 0;
}

/* A passive open reached ESTABLISHED (tcp_established) after a SYN-ACK
 * that offered a zero window for want of rings: it opens the window now if
 * a ring can be had, else it waits in the FIFO (the peer probes the zero
 * window meanwhile, RFC 9293 §3.8.6.1). */
void tcp_bufs_attach(struct utcp_tcb *tp)
{
	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt) || tp->rcv.mem != NULL)
		return; /* a window was offered: the ring comes with the text */
	tcp_bufs_reclaim(tp->ctx->tcp, tcp_rcv_room);
	if (!tcp_rcv_room(tp->ctx->tcp)) {
		tcp_bufs_wait(tp, TCP_BW_RCV);
		return;
	}
	tcp_bufs_unwait(tp);
	tcp_rcv_get(tp);
	tp->flags |= TF_ACKNOW;
	tcp_output_schedule(tp);
}

/* ---- send ring ------------------------------------------------------------ */

/* The send ring comes with the loss-recovery tables (struct tcp_sndx):
 * the pools hold as many of each, so one is free when the other is. */
static void tcp_snd_take(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	struct tcp_sndx *x = utcp_pool_get(&t->sndx_pool);
	tp->snd.mem = utcp_pool_get(&t->sndbuf_pool);
	tp->snd.head = tp->snd.len = 0;
	tp->sb.blk = x->blk;
	tp->sb.n = 0;
	tp->sb.sacked = 0;
	tp->rack.run = x->run;
	tp->rack.n = 0;
	tp->sndmem.run = x->mrun;
	tp->sndmem.n = 0;
	x->undo.on = 0;
}

/* A write without a ring (tcp_snd_need): the ring, or -1 (the write gets
 * EAGAIN; the socket is not writable until a ring is given back, when
 * EPOLLOUT comes). */
int tcp_snd_take_ring(struct utcp_tcb *tp)
{
	tcp_bufs_reclaim(tp->ctx->tcp, tcp_snd_room);
	if (!tcp_snd_room(tp->ctx->tcp)) {
		tcp_bufs_wait(tp, TCP_BW_SND);
		return -1;
	}
	tcp_snd_take(tp);
	return 0;
}

static void tcp_snd_give(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->snd.mem == NULL)
		return;
	utcp_pool_put(&t->sndbuf_pool, tp->snd.mem);
	utcp_pool_put(&t->sndx_pool, (uint8_t *)tp->sb.blk - offsetof(struct tcp_sndx, blk));
	tp->snd.mem = NULL;
	tp->snd.head = tp->snd.len = 0;
	tp->sb.blk = NULL;
	tp->sb.n = 0;
	tp->sb.sacked = 0;
	tp->rack.run = NULL;
	tp->rack.n = 0;
	tp->sndmem.run = NULL;
	tp->sndmem.n = 0;
}

/* ---- drained rings ---------------------------------------------------------- */

/* A ring is drained when everything written into it was acknowledged (the
 * send ring) or read (the receive ring).  It goes back once the connection
 * has been idle TCP_RING_IDLE (the FIFO of drained rings, swept each
 * round), at once when a connection waits for a ring, and whenever a
 * ring is wanted and the pools are empty (tcp_bufs_reclaim): an idle
 * connection ends up holding its TCB only, and a busy one does not give
 * its rings back and take them again at each request and response. */

static int tcp_rcv_is_drained(const struct utcp_tcb *tp)
{
	return tp->rcv.mem != NULL && tp->rcv.len == 0 && tp->rcv.nooo == 0 && tp->syn_text == 0;
}

static int tcp_snd_is_drained(const struct utcp_tcb *tp)
{
	return tp->snd.mem != NULL && tp->snd.len == 0;
}

static void tcp_dr_unlink(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (!tp->drained)
		return;
	if (tp->bw_prev != NULL)
		tp->bw_prev->bw_next = tp->bw_next;
	else
		t->dr_head = tp->bw_next;
	if (tp->bw_next != NULL)
		tp->bw_next->bw_prev = tp->bw_prev;
	else
		t->dr_tail = tp->bw_prev;
	tp->bw_next = tp->bw_prev = NULL;
	tp->drained = 0;
}

/* The oldest drained connection gives back what of its rings is still
 * drained; 0 when there was none. */
static int tcp_dr_give_oldest(struct utcp_tcp_ctx *t)
{
	struct utcp_tcb *tp = t->dr_head;
	if (tp == NULL)
		return 0;
	tcp_dr_unlink(tp);
	if (tcp_rcv_is_drained(tp))
		tcp_rcv_give(tp);
	if (tcp_snd_is_drained(tp))
		tcp_snd_give(tp);
	return 1;
}

/* The pools are empty: drained rings go back, oldest first, until room
 * of the kind wanted is made (or none is left). */
static void tcp_bufs_reclaim(struct utcp_tcp_ctx *t, int (*room)(const struct utcp_tcp_ctx *))
{
	while (!room(t) && tcp_dr_give_oldest(t))
		;
}

/* tcp_snd_drained, tcp_rcv_drained: a ring of tp is drained. */
static __attribute__((noinline)) void tcp_bufs_drained_any(struct utcp_tcb *tp);

/* The usual case, nobody waiting and tp in the FIFO already, here; the
 * rest in tcp_bufs_drained_any. */
void tcp_bufs_drained(struct utcp_tcb *tp)
{
	if (tp->ctx->tcp->bw_head == NULL && tp->drained)
		return; /* already in the FIFO: the sweep looks at it again */
	tcp_bufs_drained_any(tp);
}

static void tcp_bufs_drained_any(struct utcp_tcb *tp)
{
	struct utcp_ctx *ctx = tp->ctx;
	struct utcp_tcp_ctx *t = ctx->tcp;
	if (t->bw_head != NULL) { /* someone waits: the ring goes to them now */
		if (tcp_rcv_is_drained(tp))
			tcp_rcv_give(tp);
		if (tcp_snd_is_drained(tp))
			tcp_snd_give(tp);
		tcp_bufs_wake(t);
		return;
	}
	if (tp->drained)
		return; /* already in the FIFO: the sweep looks at it again */
	tp->drained = 1;
	tp->dr_since = ctx->now;
	tp->bw_next = NULL;
	tp->bw_prev = t->dr_tail;
	if (t->dr_tail != NULL)
		t->dr_tail->bw_next = tp;
	else
		t->dr_head = tp;
	t->dr_tail = tp;
}

/* The context's sweep, once a round (utcp_tcp_output): rings drained
 * TCP_RING_IDLE ago go back (a ring used again since is looked at again
 * when it drains).  No timer: a context nobody polls keeps its drained
 * rings until the next round or until a ring is wanted (tcp_bufs_reclaim). */
static __attribute__((noinline)) void tcp_bufs_sweep_all(struct utcp_tcp_ctx *t, utcp_time_t now)
{
	while (t->dr_head != NULL && t->dr_head->dr_since + TCP_RING_IDLE <= now)
		tcp_dr_give_oldest(t);
}

/* Usually the oldest is not idle long enough: nothing to do, and no
 * registers saved for the walk. */
void tcp_bufs_sweep(struct utcp_tcp_ctx *t, utcp_time_t now)
{
	if (t->dr_head != NULL && t->dr_head->dr_since + TCP_RING_IDLE <= now)
		tcp_bufs_sweep_all(t, now);
}

/* ---- waiting for rings ------------------------------------------------------ */

/* Rings were given back: the oldest waiting connections come first.  A
 * receiver takes its ring before it opens its window (so the window it
 * then offers is backed) and announces it at once; a writer is told it
 * may write. */
static void tcp_bufs_wake(struct utcp_tcp_ctx *t)
{
	struct utcp_tcb *next;
	for (struct utcp_tcb *tp = t->bw_head; tp != NULL && !t->quiet; tp = next) {
		uint8_t what = tp->bufwait;
		next = tp->bw_next;
		if (((what & TCP_BW_RCV) && !tcp_rcv_room(t)) ||
		    ((what & TCP_BW_SND) && !tcp_snd_room(t)))
			continue;
		tcp_bufs_unwait(tp);
		if (tp->state < TCPS_ESTABLISHED || tp->state == TCPS_TIME_WAIT)
			continue; /* half-open: tcp_bufs_attach at ESTABLISHED */
		if ((what & TCP_BW_RCV) && !(tp->flags & TF_RCVD_FIN) && tp->rcv.mem == NULL) {
			tcp_rcv_get(tp);
			tp->flags |= TF_ACKNOW;
			tcp_output_schedule(tp);
		}
		if (what & TCP_BW_SND)
			tcp_notify(tp, EPOLLOUT);
	}
}

void tcp_bufs_release(struct utcp_tcb *tp)
{
	int had = tp->rcv.mem != NULL || tp->snd.mem != NULL;
	tcp_bufs_unwait(tp);
	tcp_dr_unlink(tp);
	tcp_rcv_give(tp);
	tcp_snd_give(tp);
	if (had && tp->ctx->tcp->bw_head != NULL)
		tcp_bufs_wake(tp->ctx->tcp);
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
	if (n > first) /* wrapped: the rest from the ring's start */
		memcpy(mem, src + first, n - first);
}

static void ring_read(const uint8_t *mem, uint32_t size, uint32_t at, uint8_t *dst, uint32_t n)
{
	uint32_t first = size - at < n ? size - at : n;
	memcpy(dst, mem + at, first);
	if (n > first)
		memcpy(dst + first, mem, n - first);
}

/* ---- send ---------------------------------------------------------------- */

/* tcp_sndbuf_space, for this file's calls (an exported function is not
 * inlined in the shared library). */
static inline uint32_t sndbuf_space(const struct tcp_sndbuf *b)
{
	return b->len >= b->cap ? 0 : b->cap - b->len;
}

uint32_t tcp_sndbuf_space(const struct tcp_sndbuf *b)
{
	return sndbuf_space(b);
}

uint32_t tcp_sndbuf_append(struct tcp_sndbuf *b, const uint8_t *data, uint32_t len)
{
	uint32_t n = sndbuf_space(b);
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
	if (b->mem == NULL && tcp_rcv_take(tp) < 0) /* no ring to be had: not taken, */
		return UINT32_MAX;                        /* not acknowledged */
	if (off > 0 && tcp_ooo_insert(b, seq, seq + len) < 0)
		return UINT32_MAX;
	ring_write(b->mem, b->size, ring_idx(b->size, b->head, b->len + off), data, len);
	if (off > 0)
		return 0;
	uint32_t start = tp->rcv_nxt;
	/* Ranges now reached by RCV.NXT join the in-order data (none held,
	 * no SACK history: nothing to join or prune). */
	if (b->nooo == 0 && b->nhist == 0)
		tp->rcv_nxt += len;
	else
		tp->rcv_nxt = tcp_ooo_advance(b, tp->rcv_nxt + len);
	uint32_t n = tp->rcv_nxt - start;
	b->len += n;
	return n;
}

int tcp_rcvbuf_hold(struct utcp_tcb *tp, const uint8_t *data, uint32_t len)
{
	struct tcp_rcvbuf *b = &tp->rcv;
	if (b->mem == NULL && tcp_rcv_take(tp) < 0)
		return -1;
	ring_write(b->mem, b->size, ring_idx(b->size, b->head, b->len), data, len);
	return 0;
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

/* ---- zero-copy views (tcp_zc.c) ----------------------------------------------- */

/* The n ring bytes from index at as at most two spans (the second when
 * they wrap), in at most iovcnt iovecs; the bytes described. */
static uint32_t ring_spans(uint8_t *mem, uint32_t size, uint32_t at, uint32_t n,
			   struct iovec *iov, int iovcnt)
{
	uint32_t first = size - at < n ? size - at : n;
	iov[0].iov_base = mem + at;
	iov[0].iov_len = first;
	if (iovcnt < 2)
		return first;
	iov[1].iov_base = n > first ? mem : NULL;
	iov[1].iov_len = n - first;
	return n;
}

/* The unread in-order bytes where they lie, from the first (the ring has
 * one, iovcnt >= 1); nothing moves. */
uint32_t tcp_rcvbuf_view(const struct tcp_rcvbuf *b, struct iovec *iov, int iovcnt)
{
	return ring_spans(b->mem, b->size, b->head, b->len, iov, iovcnt);
}

/* The first n unread bytes are read (n <= len): tcp_rcvbuf_read without
 * the copy. */
void tcp_rcvbuf_consume(struct tcp_rcvbuf *b, uint32_t n)
{
	b->head = ring_idx(b->size, b->head, n);
	b->len -= n;
}

/* The ring's free room after the queued bytes, room bytes of it at most
 * (the ring is there, iovcnt >= 1), where a write would copy them. */
uint32_t tcp_sndbuf_free_view(const struct tcp_sndbuf *b, uint32_t room, struct iovec *iov,
			      int iovcnt)
{
	uint32_t space = sndbuf_space(b);
	return ring_spans(b->mem, b->size, ring_idx(b->size, b->head, b->len),
			  room < space ? room : space, iov, iovcnt);
}

/* n bytes written into the free room are queued (n <= space):
 * tcp_sndbuf_append without the copy. */
void tcp_sndbuf_commit(struct tcp_sndbuf *b, uint32_t n)
{
	b->len += n;
}
