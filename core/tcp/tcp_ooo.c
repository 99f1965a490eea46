/*
 * core/tcp/tcp_ooo.c - the receiver's out-of-order ranges and the SACK
 * blocks that report them (RFC 2018 §4, RFC 2883 §4).
 *
 * Call order: tcp_in_text -> tcp_ooo_overlap (a duplicate to D-SACK) ->
 * tcp_rcvbuf_store -> tcp_ooo_insert (a segment above RCV.NXT) or
 * tcp_ooo_advance (RCV.NXT moved: the ranges it reaches join the in-order
 * data); tcp_output -> tcp_ooo_sack_blocks; tcp_check -> tcp_ooo_check.
 *
 * The data lies in the receive ring at its own sequence offset
 * (tcp_buf.c); here only its extent is kept, in a sorted array of
 * disjoint, non-adjacent ranges inside (RCV.NXT, the advertised right
 * edge].  The array comes from the context's ooo_pool together with the
 * ring (tcp_bufs_alloc), so nothing is allocated per segment, and its
 * room grows with the ring: TCP_OOO_MIN ranges plus one per TCP_OOO_GRAIN
 * bytes.  A window of segments of at least TCP_OOO_GRAIN / 2 octets, lost
 * in any pattern, never needs more; only smaller segments (a tiny MSS, or
 * a peer carving holes on purpose) can exhaust it, and then the segment
 * that needs one more range is dropped and counted (drop_tcp_ooo_mem), as
 * Linux bounds its out-of-order queue by receive memory.
 *
 * Lookups are binary searches; an insert or a merge moves the ranges
 * above it once (memmove), so a segment costs O(log n + n) at worst with
 * n <= the room, and O(log n) when it extends a range.
 */
#include <stdio.h>
#include <string.h>

#include "core/tcp/tcp.h"

uint32_t tcp_ooo_room(uint32_t size)
{
	return TCP_OOO_MIN + size / TCP_OOO_GRAIN;
}

/* Index of the first range that ends at or after seq (nooo if none): the
 * first one that [seq, ...) could touch. */
static uint32_t ooo_search(const struct tcp_rcvbuf *b, uint32_t seq)
{
	uint32_t lo = 0, hi = b->nooo;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (SEQ_LT(b->ooo[mid].end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first range that starts after seq (nooo if none). */
static uint32_t ooo_search_after(const struct tcp_rcvbuf *b, uint32_t seq)
{
	uint32_t lo = 0, hi = b->nooo;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (SEQ_LEQ(b->ooo[mid].start, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the range holding seq, or -1. */
static int64_t ooo_find(const struct tcp_rcvbuf *b, uint32_t seq)
{
	uint32_t i = ooo_search(b, seq);
	if (i < b->nooo && SEQ_LEQ(b->ooo[i].start, seq) && SEQ_LT(seq, b->ooo[i].end))
		return i;
	return -1;
}

static int in_blk(const struct tcp_sack_block *r, uint32_t seq)
{
	return SEQ_LEQ(r->start, seq) && SEQ_LT(seq, r->end);
}

/* RFC 2018 §4: the segment at seq, now inside range r, was the most
 * recently received; it goes first in the history, and so does its range
 * in the next SACK option.  Entries inside r (ranges it merged) leave. */
static void hist_note(struct tcp_rcvbuf *b, const struct tcp_sack_block *r, uint32_t seq)
{
	uint8_t n = 0;
	uint32_t keep[TCP_SACK_HIST];
	for (uint8_t k = 0; k < b->nhist; k++)
		if (!in_blk(r, b->hist[k]) && n < TCP_SACK_HIST - 1)
			keep[n++] = b->hist[k];
	b->hist[0] = seq;
	memcpy(&b->hist[1], keep, n * sizeof(keep[0]));
	b->nhist = (uint8_t)(n + 1);
}

int tcp_ooo_insert(struct tcp_rcvbuf *b, uint32_t start, uint32_t end)
{
	uint32_t i = ooo_search(b, start);      /* first range touching or above */
	uint32_t j = ooo_search_after(b, end);  /* first range wholly above */
	if (i == j) { /* touches nothing: a new range at i */
		if (b->nooo >= b->ooo_max)
			return -1;
		memmove(&b->ooo[i + 1], &b->ooo[i], (b->nooo - i) * sizeof(b->ooo[0]));
		b->ooo[i].start = start;
		b->ooo[i].end = end;
		b->nooo++;
	} else { /* ranges i .. j-1 overlap or touch it: one range */
		b->ooo[i].start = SEQ_MIN(b->ooo[i].start, start);
		b->ooo[i].end = SEQ_MAX(b->ooo[j - 1].end, end);
		memmove(&b->ooo[i + 1], &b->ooo[j], (b->nooo - j) * sizeof(b->ooo[0]));
		b->nooo -= j - i - 1;
	}
	hist_note(b, &b->ooo[i], start);
	return 0;
}

uint32_t tcp_ooo_advance(struct tcp_rcvbuf *b, uint32_t rcv_nxt)
{
	uint32_t k = 0;
	while (k < b->nooo && SEQ_LEQ(b->ooo[k].start, rcv_nxt)) {
		rcv_nxt = SEQ_MAX(rcv_nxt, b->ooo[k].end);
		k++;
	}
	if (k > 0) {
		memmove(&b->ooo[0], &b->ooo[k], (b->nooo - k) * sizeof(b->ooo[0]));
		b->nooo -= k;
	}
	/* RFC 2018 §4: cumulatively acknowledged data is not SACKed again. */
	uint8_t n = 0;
	for (uint8_t h = 0; h < b->nhist; h++)
		if (SEQ_GEQ(b->hist[h], rcv_nxt))
			b->hist[n++] = b->hist[h];
	b->nhist = n;
	return rcv_nxt;
}

int tcp_ooo_overlap(const struct tcp_rcvbuf *b, uint32_t start, uint32_t end,
		    struct tcp_sack_block *blk)
{
	uint32_t i = ooo_search(b, start + 1);  /* first range ending after start */
	if (i == b->nooo || !SEQ_LT(b->ooo[i].start, end))
		return 0;
	*blk = b->ooo[i];
	return 1;
}

static unsigned put_range(const struct tcp_rcvbuf *b, int64_t i, struct tcp_sack_block *out,
			  unsigned n)
{
	if (i < 0)
		return n;
	for (unsigned k = 0; k < n; k++)
		if (out[k].start == b->ooo[i].start)
			return n; /* already in: not repeated (RFC 2018 §4) */
	out[n] = b->ooo[i];
	return n + 1;
}

unsigned tcp_ooo_sack_blocks(const struct tcp_rcvbuf *b, const uint32_t *first,
			     struct tcp_sack_block *out, unsigned max)
{
	unsigned n = 0;
	/* RFC 2883 §4: after a D-SACK block, the range that contains it. */
	if (first != NULL && n < max)
		n = put_range(b, ooo_find(b, *first), out, n);
	/* RFC 2018 §4: the range of the segment that triggered this ACK, then
	 * the most recently reported ones ... */
	for (uint8_t h = 0; h < b->nhist && n < max; h++)
		n = put_range(b, ooo_find(b, b->hist[h]), out, n);
	/* ... and with room left, the lowest others: the holes the sender
	 * must fill first. */
	for (uint32_t i = 0; i < b->nooo && n < max; i++)
		n = put_range(b, i, out, n);
	return n;
}

/* Each range nonempty, above RCV.NXT, within the right edge we advertised
 * and within the ring; sorted, disjoint, not adjacent (merged). */
static int ooo_check_ranges(const struct utcp_tcb *tp, char *msg, size_t len)
{
	const struct tcp_rcvbuf *b = &tp->rcv;
	for (uint32_t i = 0; i < b->nooo; i++) {
		const struct tcp_sack_block *r = &b->ooo[i];
		const char *bad = NULL;
		if (!SEQ_LT(r->start, r->end))
			bad = "empty";
		else if (!SEQ_GT(r->start, tp->rcv_nxt))
			bad = "not above rcv_nxt";
		else if (SEQ_GT(r->end, tp->rcv_adv))
			bad = "beyond the advertised window";
		else if ((uint64_t)b->len + (r->end - tp->rcv_nxt) > b->size)
			bad = "beyond the ring";
		else if (i > 0 && !SEQ_LT(b->ooo[i - 1].end, r->start))
			bad = "not sorted, disjoint and merged";
		if (bad != NULL) {
			snprintf(msg, len, "%s: out-of-order range %u [%u, %u) %s (rcv_nxt %u rcv_adv %u)",
				 tcp_state_names[tp->state], i, r->start, r->end, bad, tp->rcv_nxt,
				 tp->rcv_adv);
			return -1;
		}
	}
	return 0;
}

int tcp_ooo_check(const struct utcp_tcb *tp, char *msg, size_t len)
{
	const struct tcp_rcvbuf *b = &tp->rcv;
	if (b->nooo > b->ooo_max || (b->nooo > 0 && b->ooo == NULL) || b->nhist > TCP_SACK_HIST) {
		snprintf(msg, len, "%s: %u out-of-order ranges, room for %u, %u reported",
			 tcp_state_names[tp->state], b->nooo, b->ooo_max, b->nhist);
		return -1;
	}
	if (ooo_check_ranges(tp, msg, len) < 0)
		return -1;
	/* The SACK history names distinct ranges we still hold. */
	for (uint8_t h = 0; h < b->nhist; h++) {
		int64_t i = ooo_find(b, b->hist[h]);
		for (uint8_t k = 0; i >= 0 && k < h; k++)
			if (ooo_find(b, b->hist[k]) == i)
				i = -1;
		if (i < 0) {
			snprintf(msg, len, "%s: SACK history entry %u (%u) names no range of its own",
				 tcp_state_names[tp->state], h, b->hist[h]);
			return -1;
		}
	}
	return 0;
}
