/*
 * core/tcp/tcp_buf.c - send and receive byte rings.
 *
 * Call order: tcp_send -> tcp_sndbuf_append; tcp_output -> tcp_sndbuf_copy;
 * ACK processing -> tcp_sndbuf_drop.  Segment text -> tcp_rcvbuf_store;
 * tcp_recv -> tcp_rcvbuf_read.
 *
 * The receive ring holds the unread in-order bytes followed, at their own
 * sequence offsets, by out-of-order data: everything we accept lies inside
 * the window we advertised, which never exceeds the free space of the ring,
 * so out-of-order data needs no memory of its own.  At most TCP_OOO_MAX
 * disjoint ranges are remembered; a segment that would need another one
 * is dropped (the bound on out-of-order state) and counted.
 */
#include <string.h>

#include "core/tcp/tcp.h"

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

static void ooo_remove(struct tcp_rcvbuf *b, unsigned i)
{
	memmove(&b->ooo[i], &b->ooo[i + 1], (b->nooo - i - 1) * sizeof(b->ooo[0]));
	b->nooo--;
	if (b->ooo_last > i)
		b->ooo_last--;
	else if (b->ooo_last == i)
		b->ooo_last = 0;
}

/* Record [start, end) as held, merging with overlapping or adjacent ranges.
 * -1 if it would need more than TCP_OOO_MAX ranges. */
static int ooo_insert(struct tcp_rcvbuf *b, uint32_t start, uint32_t end)
{
	unsigned i = 0;
	while (i < b->nooo && SEQ_LT(b->ooo[i].end, start))
		i++;
	if (i == b->nooo || SEQ_LT(end, b->ooo[i].start)) {
		if (b->nooo == TCP_OOO_MAX)
			return -1;
		memmove(&b->ooo[i + 1], &b->ooo[i], (b->nooo - i) * sizeof(b->ooo[0]));
		b->ooo[i].start = start;
		b->ooo[i].end = end;
		b->nooo++;
		b->ooo_last = (uint8_t)i;
		return 0;
	}
	/* Overlaps or touches range i: widen it, then absorb followers. */
	b->ooo[i].start = SEQ_MIN(b->ooo[i].start, start);
	b->ooo[i].end = SEQ_MAX(b->ooo[i].end, end);
	while (i + 1 < b->nooo && SEQ_LEQ(b->ooo[i + 1].start, b->ooo[i].end)) {
		b->ooo[i].end = SEQ_MAX(b->ooo[i].end, b->ooo[i + 1].end);
		ooo_remove(b, i + 1);
	}
	b->ooo_last = (uint8_t)i;
	return 0;
}

/* Caller has trimmed [seq, seq + len) to [rcv_nxt, rcv_adv).  Returns the
 * bytes that became readable (rcv_nxt advanced by as much), or -1 if the
 * out-of-order bound refused the segment. */
uint32_t tcp_rcvbuf_store(struct utcp_tcb *tp, uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct tcp_rcvbuf *b = &tp->rcv;
	uint32_t off = seq - tp->rcv_nxt;
	if (off > 0 && ooo_insert(b, seq, seq + len) < 0)
		return UINT32_MAX;
	ring_write(b->mem, b->size, ring_idx(b->size, b->head, b->len + off), data, len);
	if (off > 0)
		return 0;
	uint32_t start = tp->rcv_nxt;
	tp->rcv_nxt += len;
	/* Ranges now reached by rcv_nxt join the in-order data. */
	while (b->nooo > 0 && SEQ_LEQ(b->ooo[0].start, tp->rcv_nxt)) {
		if (SEQ_GT(b->ooo[0].end, tp->rcv_nxt))
			tp->rcv_nxt = b->ooo[0].end;
		ooo_remove(b, 0);
	}
	uint32_t n = tp->rcv_nxt - start;
	b->len += n;
	return n;
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
