/*
 * tests/unit/test_tcp_ooo.c - the receiver's out-of-order ranges as
 * traces (core/tcp/tcp_ooo.c): 25 holes filled in random orders, every ACK
 * and its SACK blocks checked against RFC 2018 §4 on a model of its own;
 * the recency order with more ranges than an option holds; a segment
 * across several ranges (RFC 2883 D-SACK); exhaustion of the ranges' room
 * (dropped and counted, the connection goes on); the invariant checker
 * catching each kind of broken range list.  The context's invariants are
 * checked after every segment; tt_down checks that no buffer leaked.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static int L;
static uint8_t pat[70000];

static void setup_with(uint32_t rcvbuf)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.rcvbuf = (int)rcvbuf;
	tt_up(&cfg);
	L = tt_listen(TT_HOST_PORT, 16);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 13 + i / 253);
}

static void setup(void)
{
	setup_with(65536);
}

static void setup_small(void)
{
	setup_with(8192); /* room for tcp_ooo_room(8192) = 16 ranges */
}

static void teardown(void)
{
	tt_ok(utcp_close(tt_h.ctx, L));
	tt_down();
}

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(tt_h.ctx);
}

static void invariants(void)
{
	char msg[256];
	ck_assert_msg(utcp_ctx_check_invariants(tt_h.ctx, msg, sizeof(msg)) == 0, "%s", msg);
}

static void read_expect(int sock, const uint8_t *want, size_t n)
{
	static uint8_t b[70000];
	ck_assert_int_eq(utcp_read(tt_h.ctx, sock, b, sizeof(b)), (ssize_t)n);
	ck_assert_mem_eq(b, want, n);
}

/* Peer -> host: stream octets [off, off + len) (seq base + off). */
static void pin_at(struct tt_conn *c, uint32_t base, uint32_t off, uint32_t len)
{
	struct tt_seg a;
	tt_pseg(c, &a, TH_ACK, pat + off, len);
	a.seq = base + off;
	tt_in(&a);
	invariants();
}

/* The host's next segment is a pure ACK of base + ack whose SACK blocks
 * are exactly blk[] (start, end pairs relative to base), in that order. */
static void expect_ack(struct tt_conn *c, uint32_t base, uint32_t ack, const uint32_t *blk,
		       unsigned n)
{
	struct tt_seg s;
	tt_hout(c, &s, TH_ACK, base + ack, 0);
	ck_assert_msg(s.o.nsack == n, "ACK %u: %u SACK blocks, want %u", ack, s.o.nsack, n);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_uint_eq(s.o.sack[i].start - base, blk[2 * i]);
		ck_assert_uint_eq(s.o.sack[i].end - base, blk[2 * i + 1]);
	}
}
#define BLKS(...) (const uint32_t[]){ __VA_ARGS__ }, sizeof((uint32_t[]){ __VA_ARGS__ }) / 8
#define NOBLK NULL, 0

/* The host's next segment is a pure ACK of base + ack (SACK blocks not
 * looked at). */
static void ack_only(struct tt_conn *c, uint32_t ack)
{
	struct tt_seg s;
	tt_hout(c, &s, TH_ACK, ack, 0);
}

/* ---- many holes, random order, against a model ----------------------------------- */

/* The receiver as RFC 2018 §4 describes it, on whole segments: which
 * arrived, and the segments whose ranges went first in the last SACK
 * options (the most recent first, one per range, as many as the host
 * remembers). */
#define SEG 1000
#define NSEG 49 /* odd ones arrive first: 24 ranges, 25 holes */
struct model {
	int got[NSEG];
	unsigned hist[TCP_SACK_HIST], nhist;
};

static unsigned m_ack(const struct model *m)
{
	unsigned k = 0;
	while (k < NSEG && m->got[k])
		k++;
	return k;
}

static void m_range(const struct model *m, unsigned k, uint32_t *lo, uint32_t *hi)
{
	unsigned a = k, b = k + 1;
	while (a > 0 && m->got[a - 1])
		a--;
	while (b < NSEG && m->got[b])
		b++;
	*lo = a * SEG;
	*hi = b * SEG;
}

static unsigned m_put(const struct model *m, unsigned k, uint32_t *blk, unsigned n)
{
	uint32_t lo, hi;
	m_range(m, k, &lo, &hi);
	for (unsigned i = 0; i < n; i++)
		if (blk[2 * i] == lo)
			return n;
	blk[2 * n] = lo;
	blk[2 * n + 1] = hi;
	return n + 1;
}

/* Segment k arrives; the blocks the ACK must carry. */
static unsigned m_receive(struct model *m, unsigned k, unsigned max, uint32_t *blk)
{
	m->got[k] = 1;
	unsigned ack = m_ack(m), n = 0, keep = 0;
	uint32_t lo, hi;
	m_range(m, k, &lo, &hi);
	/* History: entries now acknowledged or inside k's range leave; k
	 * goes first if it is above the ACK. */
	unsigned old[TCP_SACK_HIST];
	for (unsigned h = 0; h < m->nhist; h++)
		if (m->hist[h] >= ack && !(m->hist[h] * SEG >= lo && m->hist[h] * SEG < hi))
			old[keep++] = m->hist[h];
	m->nhist = 0;
	if (k >= ack)
		m->hist[m->nhist++] = k;
	for (unsigned h = 0; h < keep && m->nhist < TCP_SACK_HIST; h++)
		m->hist[m->nhist++] = old[h];
	for (unsigned h = 0; h < m->nhist && n < max; h++)
		n = m_put(m, m->hist[h], blk, n);
	for (unsigned i = ack; i < NSEG && n < max; i++) /* then the lowest others */
		if (m->got[i])
			n = m_put(m, i, blk, n);
	return n;
}

/* A fixed shuffle per seed (xorshift32): the order the holes are filled. */
static void shuffle(unsigned *v, unsigned n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	for (unsigned i = n; i-- > 1;) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		unsigned j = x % (i + 1), t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/* Even loop iterations: no timestamps, four blocks fit; odd: timestamps
 * and window scaling, three blocks. */
START_TEST(holes_filled_in_random_order)
{
	struct tt_conn c;
	struct model m = { 0 };
	unsigned opts = (_i & 1) ? TT_OPT_ALL : (TT_OPT_MSS | TT_OPT_SACK);
	unsigned max = (_i & 1) ? 3 : 4;
	tt_passive(&c, L, opts);
	uint32_t base = c.pnxt, blk[8];
	for (unsigned k = 1; k < NSEG; k += 2) { /* every odd segment: a range each */
		pin_at(&c, base, k * SEG, SEG);
		unsigned n = m_receive(&m, k, max, blk);
		ck_assert_uint_eq(n, (k + 1) / 2 < max ? (k + 1) / 2 : max);
		ck_assert_uint_eq(blk[0], k * SEG); /* the newest range first */
		expect_ack(&c, base, 0, blk, n);
	}
	unsigned holes[25];
	for (unsigned h = 0; h < 25; h++)
		holes[h] = 2 * h;
	shuffle(holes, 25, (uint32_t)_i + 1);
	for (unsigned h = 0; h < 25; h++) {
		unsigned k = holes[h];
		pin_at(&c, base, k * SEG, SEG);
		unsigned n = m_receive(&m, k, max, blk);
		unsigned ack = m_ack(&m);
		if (k >= ack) { /* RFC 2018 §4: the first block holds the segment */
			ck_assert_uint_le(blk[0], k * SEG);
			ck_assert_uint_ge(blk[1], (k + 1) * SEG);
		}
		expect_ack(&c, base, ack * SEG, blk, n);
	}
	ck_assert_uint_eq(m_ack(&m), NSEG);
	ck_assert_uint_eq(st()->drop_tcp_ooo_mem, 0);
	read_expect(c.sock, pat, NSEG * SEG);
	c.pnxt = base + NSEG * SEG;
	tt_finish(&c);
}
END_TEST

/* ---- RFC 2018 §4 recency with more ranges than blocks ------------------------------ */

START_TEST(sack_blocks_most_recent_first)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_MSS | TT_OPT_SACK); /* four blocks fit */
	uint32_t b = c.pnxt;
	/* Six ranges, R1..R6 = [1000k, 1000k + 100), arriving in order. */
	for (uint32_t k = 1; k <= 6; k++)
		pin_at(&c, b, 1000 * k, 100), ack_only(&c, b);
	/* R2 grows: it goes first, the others as last reported (R6 R5 R4). */
	pin_at(&c, b, 2100, 100);
	expect_ack(&c, b, 0, BLKS(2000, 2200, 6000, 6100, 5000, 5100, 4000, 4100));
	/* R1 grows: first; then R2 R6 R5. */
	pin_at(&c, b, 900, 100);
	expect_ack(&c, b, 0, BLKS(900, 1100, 2000, 2200, 6000, 6100, 5000, 5100));
	/* The hole below R1 filled: R1 leaves with the ACK; this segment
	 * advanced the ACK, so the history goes on: R2 R6 R5, then the lowest
	 * other, R3. */
	pin_at(&c, b, 0, 900);
	expect_ack(&c, b, 1100, BLKS(2000, 2200, 6000, 6100, 5000, 5100, 3000, 3100));
	/* A segment that joins R4 and R5: one range, first; R5 is not
	 * repeated (it is inside it). */
	pin_at(&c, b, 4100, 900);
	expect_ack(&c, b, 1100, BLKS(4000, 5100, 2000, 2200, 6000, 6100, 3000, 3100));
	/* Fill the rest in order; all of it arrives, byte for byte. */
	pin_at(&c, b, 1100, 900);
	expect_ack(&c, b, 2200, BLKS(4000, 5100, 6000, 6100, 3000, 3100));
	pin_at(&c, b, 2200, 800);
	expect_ack(&c, b, 3100, BLKS(4000, 5100, 6000, 6100));
	pin_at(&c, b, 3100, 900);
	expect_ack(&c, b, 5100, BLKS(6000, 6100));
	pin_at(&c, b, 5100, 900);
	expect_ack(&c, b, 6100, NOBLK);
	read_expect(c.sock, pat, 6100);
	c.pnxt = b + 6100;
	tt_finish(&c);
}
END_TEST

/* ---- one segment across several ranges (RFC 2883) ------------------------------------ */

START_TEST(segment_across_several_ranges)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_MSS | TT_OPT_SACK);
	uint32_t b = c.pnxt;
	static const uint32_t at[] = { 1000, 1400, 1800, 2200, 2600, 3000 };
	for (unsigned i = 0; i < 6; i++)
		pin_at(&c, b, at[i], 200), ack_only(&c, b);
	/* [1100, 2300) covers the tail of [1000, 1200), all of [1400, 1600)
	 * and [1800, 2000), the head of [2200, 2400), and the three holes
	 * between.  D-SACK: the first duplicate part; then the one range
	 * containing it (RFC 2883 §4); then the others by recency. */
	pin_at(&c, b, 1100, 1200);
	expect_ack(&c, b, 0, BLKS(1100, 1200, 1000, 2400, 3000, 3200, 2600, 2800));
	ck_assert_uint_eq(st()->tcp_dsack_tx, 1);
	/* In order: [0, 1000) reaches the merged range, RCV.NXT jumps to
	 * 2400; then [2400, 2700) reaches into [2600, 2800): to 2800. */
	pin_at(&c, b, 0, 1000);
	expect_ack(&c, b, 2400, BLKS(3000, 3200, 2600, 2800));
	pin_at(&c, b, 2400, 300);
	expect_ack(&c, b, 2800, BLKS(3000, 3200));
	/* A segment exactly between two ranges' edges: adjacent data merges. */
	pin_at(&c, b, 3300, 100); /* [3300, 3400): not adjacent to [3000, 3200) */
	expect_ack(&c, b, 2800, BLKS(3300, 3400, 3000, 3200));
	pin_at(&c, b, 3200, 100); /* fills [3200, 3300): one range [3000, 3400) */
	expect_ack(&c, b, 2800, BLKS(3000, 3400));
	pin_at(&c, b, 2800, 200);
	expect_ack(&c, b, 3400, NOBLK);
	read_expect(c.sock, pat, 3400);
	c.pnxt = b + 3400;
	tt_finish(&c);
}
END_TEST

/* ---- exhaustion --------------------------------------------------------------------- */

START_TEST(room_exhausted_drops_and_counts)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_MSS | TT_OPT_SACK);
	uint32_t b = c.pnxt;
	const unsigned room = tcp_ooo_room(8192);
	ck_assert_uint_eq(room, 16);
	/* 10-octet segments 10 octets apart: one range each, [20i, 20i + 10),
	 * up to the room. */
	for (unsigned i = 1; i <= room; i++)
		pin_at(&c, b, 20 * i, 10), ack_only(&c, b);
	ck_assert_uint_eq(st()->tcp_ooo_segs, room);
	/* One range more: refused and counted; the ACK SACKs what is held. */
	pin_at(&c, b, 340, 10);
	ck_assert_uint_eq(st()->drop_tcp_ooo_mem, 1);
	expect_ack(&c, b, 0, BLKS(320, 330, 300, 310, 280, 290, 260, 270));
	/* Full, a segment that extends a range needs none: taken. */
	pin_at(&c, b, 30, 5);
	expect_ack(&c, b, 0, BLKS(20, 35, 320, 330, 300, 310, 280, 290));
	/* One that joins two ranges frees one ... */
	pin_at(&c, b, 35, 5);
	expect_ack(&c, b, 0, BLKS(20, 50, 320, 330, 300, 310, 280, 290));
	/* ... so the segment refused before is taken now, and the next new
	 * range is refused again. */
	pin_at(&c, b, 340, 10);
	expect_ack(&c, b, 0, BLKS(340, 350, 20, 50, 320, 330, 300, 310));
	pin_at(&c, b, 360, 10);
	expect_ack(&c, b, 0, BLKS(340, 350, 20, 50, 320, 330, 300, 310));
	ck_assert_uint_eq(st()->drop_tcp_ooo_mem, 2);
	ck_assert_uint_eq(st()->tcp_ooo_segs, room + 3);
	/* Fill the holes from the top down (each out of order), then the
	 * first: everything held arrives, byte for byte. */
	pin_at(&c, b, 330, 10), ack_only(&c, b);
	for (unsigned i = 15; i >= 2; i--)
		pin_at(&c, b, 20 * i + 10, 10), ack_only(&c, b);
	pin_at(&c, b, 0, 20);
	expect_ack(&c, b, 350, NOBLK);
	pin_at(&c, b, 350, 50);
	tt_advance(40 * TT_MS); /* delayed ACK */
	expect_ack(&c, b, 400, NOBLK);
	read_expect(c.sock, pat, 400);
	c.pnxt = b + 400;
	tt_finish(&c);
}
END_TEST

/* ---- the invariant checker sees broken ranges ---------------------------------------- */

/* utcp_ctx_check_invariants fails, naming what (want), then passes again
 * once the range list is put back. */
static void broken(struct utcp_tcb *tp, const struct tcp_rcvbuf *good, const char *want)
{
	char msg[256];
	ck_assert_int_eq(utcp_ctx_check_invariants(tt_h.ctx, msg, sizeof(msg)), -1);
	ck_assert_msg(strstr(msg, want) != NULL, "\"%s\" does not say \"%s\"", msg, want);
	memcpy(tp->rcv.ooo, good->ooo, good->nooo * sizeof(good->ooo[0]));
	tp->rcv.nooo = good->nooo;
	memcpy(tp->rcv.hist, good->hist, sizeof(good->hist));
	tp->rcv.nhist = good->nhist;
	invariants();
}

START_TEST(invariants_catch_broken_ranges)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_MSS | TT_OPT_SACK);
	uint32_t b = c.pnxt;
	for (uint32_t k = 1; k <= 3; k++) /* [1000k, 1000k + 100) */
		pin_at(&c, b, 1000 * k, 100), ack_only(&c, b);
	struct utcp_tcb *tp = tcp_flow_lookup(tt_h.ctx, TN_HOST_IP, htons(c.hport), TN_PEER_IP,
					      htons(c.pport));
	ck_assert_ptr_nonnull(tp);
	ck_assert_uint_eq(tp->rcv.nooo, 3);
	struct tcp_sack_block keep[3];
	struct tcp_rcvbuf good = tp->rcv;
	memcpy(keep, tp->rcv.ooo, sizeof(keep));
	good.ooo = keep;
	struct tcp_sack_block *r = tp->rcv.ooo;
	r[0] = good.ooo[1], r[1] = good.ooo[0];
	broken(tp, &good, "not sorted");
	r[1].start = r[0].end; /* adjacent: should have been merged */
	broken(tp, &good, "not sorted, disjoint and merged");
	r[0].start = r[0].end;
	broken(tp, &good, "empty");
	r[0].start = b;
	broken(tp, &good, "not above rcv_nxt");
	r[2].end = tp->rcv_adv + 1;
	broken(tp, &good, "beyond the advertised window");
	tp->rcv.nooo = tp->rcv.ooo_max + 1;
	broken(tp, &good, "room for");
	tp->rcv.hist[0] = b + 1500; /* in no range */
	broken(tp, &good, "names no range");
	tp->rcv.hist[1] = tp->rcv.hist[0] + 1; /* the same range twice */
	broken(tp, &good, "names no range");
	/* Put back, the connection goes on. */
	pin_at(&c, b, 0, 1000);
	expect_ack(&c, b, 1100, BLKS(3000, 3100, 2000, 2100));
	pin_at(&c, b, 1100, 900);
	expect_ack(&c, b, 2100, BLKS(3000, 3100));
	pin_at(&c, b, 2100, 900);
	expect_ack(&c, b, 3100, NOBLK);
	read_expect(c.sock, pat, 3100);
	c.pnxt = b + 3100;
	tt_finish(&c);
}
END_TEST

/* ---- one duplicate ACK per out-of-order segment (RFC 5681 §4.2) -------------------- */

/* Three segments beyond a hole arrive in one receive round, from a peer
 * without SACK (lwIP, for one): each draws its own immediate duplicate
 * ACK, so the peer reaches its three duplicates and retransmits fast,
 * instead of seeing one ACK per round and waiting for its RTO. */
START_TEST(dup_ack_per_out_of_order_segment)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_MSS); /* no SACK */
	uint32_t b = c.pnxt;
	struct tt_seg a[3];
	for (uint32_t k = 0; k < 3; k++) {
		tt_pseg(&c, &a[k], TH_ACK, pat + 1000 * (k + 1), 1000);
		a[k].seq = b + 1000 * (k + 1);
	}
	tt_inject(&a[0]);
	tt_inject(&a[1]);
	tt_in(&a[2]); /* one round for the three */
	for (int k = 0; k < 3; k++)
		ack_only(&c, b);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_ooo_segs, 3);
	pin_at(&c, b, 0, 1000); /* the hole filled: one ACK of everything */
	ack_only(&c, b + 4000);
	read_expect(c.sock, pat, 4000);
	c.pnxt = b + 4000;
	tt_finish(&c);
}
END_TEST

static Suite *suite(void)
{
	Suite *su = suite_create("tcp_ooo");
	TCase *tc = tcase_create("ooo");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, holes_filled_in_random_order, 0, 6);
	tcase_add_test(tc, sack_blocks_most_recent_first);
	tcase_add_test(tc, segment_across_several_ranges);
	tcase_add_test(tc, invariants_catch_broken_ranges);
	tcase_add_test(tc, dup_ack_per_out_of_order_segment);
	suite_add_tcase(su, tc);
	TCase *tx = tcase_create("exhaustion");
	tcase_add_checked_fixture(tx, setup_small, teardown);
	tcase_add_test(tx, room_exhausted_drops_and_counts);
	suite_add_tcase(su, tx);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
