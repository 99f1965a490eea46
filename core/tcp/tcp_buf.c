/*
 * core/tcp/tcp_buf.c - send and receive byte rings, taken from and given
 * back to the context's lazy pools.
 *
 * Call order: tcp_connect / tcp_passive_tcb -> tcp_bufs_alloc; tcp_drop,
 * TIME-WAIT, close -> tcp_bufs_release.  tcp_send -> tcp_sndbuf_append; tcp_output -> tcp_sndbuf_copy;
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

/* The receive ring comes with its out-of-order range array (tcp_ooo.c);
 * both pools hold max_num_buffers objects. */
int tcp_bufs_alloc(struct utcp_tcb *tp, uint32_t rcvbuf, uint32_t sndbuf)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	uint8_t *r = utcp_pool_get(&t->rcvbuf_pool);
	void *q = r != NULL ? utcp_pool_get(&t->ooo_pool) : NULL;
	uint8_t *s = q != NULL ? utcp_pool_get(&t->sndbuf_pool) : NULL;
	if (s == NULL) {
		if (q != NULL)
			utcp_pool_put(&t->ooo_pool, q);
		if (r != NULL)
			utcp_pool_put(&t->rcvbuf_pool, r);
		tp->ctx->stats.tcp_no_sock_buf++;
		return -1;
	}
	memset(&tp->rcv, 0, sizeof(tp->rcv));
	memset(&tp->snd, 0, sizeof(tp->snd));
	tp->rcv.mem = r;
	tp->rcv.size = t->rcvbuf;
	tp->rcv.cap = tcp_clamp_buf(&t->rcvbuf_pool, (int)rcvbuf);
	tp->rcv.ooo = q;
	tp->rcv.ooo_max = tcp_ooo_room(tp->rcv.size);
	tp->snd.mem = s;
	tp->snd.size = t->sndbuf;
	tp->snd.cap = tcp_clamp_buf(&t->sndbuf_pool, (int)sndbuf);
	return 0;
}

void tcp_bufs_release(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->rcv.mem != NULL)
		utcp_pool_put(&t->rcvbuf_pool, tp->rcv.mem);
	if (tp->rcv.ooo != NULL)
		utcp_pool_put(&t->ooo_pool, tp->rcv.ooo);
	if (tp->snd.mem != NULL)
		utcp_pool_put(&t->sndbuf_pool, tp->snd.mem);
	tp->rcv.mem = NULL;
	tp->rcv.ooo = NULL;
	tp->snd.mem = NULL;
	tp->rcv.len = tp->rcv.nooo = tp->rcv.ooo_max = 0;
	tp->rcv.nhist = 0;
	tp->snd.len = 0;
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
