/*
 * tests/unit/test_tcp_tso.c - TCP segmentation offload and receive
 * coalescing as packet traces, on the test NIC with TSO offered
 * (tn_set_tso): the host sends frames of whole segments (UTCP_PKT_TX_TCP_SEG,
 * tso_segsz the MSS, the window and Linux's tcp_tso_autosize bounding
 * them); a SACK of the middle of a TSO frame resends only the hole, one
 * MSS; without a large buffer the host falls back to MSS segments; a
 * coalesced frame (UTCP_PKT_RX_LRO) counts as its segments for the
 * delayed ACK, as Linux's GRO does.
 *
 * The peer offers MSS 1460, SACK, no timestamps: segment k is
 * [h0 + k*1460, h0 + (k+1)*1460).
 */
#include <errno.h>
#include <string.h>

#include "core/base/bytes.h"
#include "tests/unit/tcptest.h"

#define MSS 1460
#define RTT (10 * TT_MS)
static uint8_t pat[64 * MSS];

static void setup(void)
{
	tt_up(NULL);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

static void teardown(void)
{
	tt_down();
}

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(tt_h.ctx);
}

/* What the host handed the NIC: one frame, its TCP fields. */
struct frame {
	struct tn_meta m;
	uint32_t seq, len;
	uint8_t flags;
};

/* Pop the host's next frame (TSO or not); its payload must be pat's. */
static int pop(uint32_t h0, struct frame *fr)
{
	static uint8_t f[70000];
	size_t n = tn_tx_pop_meta(tt_h.nic, 0, f, sizeof(f), &fr->m);
	if (n == 0)
		return 0;
	const uint8_t *ip = f + 14, *th = ip + 20;
	ck_assert_uint_eq(rd16(ip + 2), n - 14);
	uint32_t hl = (uint32_t)(th[12] >> 4) * 4u;
	fr->seq = rd32(th + 4);
	fr->flags = th[13];
	fr->len = (uint32_t)n - 14 - 20 - hl;
	ck_assert_mem_eq(th + hl, pat + (fr->seq - h0), fr->len);
	return 1;
}

/* Expect a TSO frame of segments [k, k + segs). */
static void expect_tso(uint32_t h0, int k, int segs)
{
	struct frame fr;
	ck_assert(pop(h0, &fr));
	ck_assert_msg(fr.m.ol_flags & UTCP_PKT_TX_TCP_SEG, "not a TSO frame: %u bytes at %d",
		      fr.len, (int)((fr.seq - h0) / MSS));
	ck_assert(fr.m.ol_flags & UTCP_PKT_TX_TCP_CKSUM);
	ck_assert_uint_eq(fr.m.tso_segsz, MSS);
	ck_assert_uint_eq(fr.seq, h0 + (uint32_t)k * MSS);
	ck_assert_uint_eq(fr.len, (uint32_t)segs * MSS);
}

/* Expect a plain segment k (one MSS). */
static void expect_seg(uint32_t h0, int k)
{
	struct tt_seg s;
	ck_assert_msg(tt_out(&s), "no segment, want segment %d", k);
	ck_assert_uint_eq(s.seq, h0 + (uint32_t)k * MSS);
	ck_assert_uint_eq(s.len, MSS);
	ck_assert_mem_eq(s.payload, pat + (size_t)k * MSS, MSS);
}

/* Peer ACK of `ack` with one SACK block [h0 + s0*MSS, h0 + e0*MSS). */
static void sack1(struct tt_conn *c, uint32_t h0, uint32_t ack, int s0, int e0)
{
	struct tt_seg a;
	uint32_t b0 = h0 + (uint32_t)s0 * MSS, b1 = h0 + (uint32_t)e0 * MSS;
	uint8_t o[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 10 };
	wr32(o + 4, b0);
	wr32(o + 8, b1);
	tt_pseg(c, &a, TH_ACK, NULL, 0);
	a.ack = ack;
	tt_opt_raw(&a, o, sizeof(o));
	tt_in(&a);
}

/* A connection with `segs` segments written and what IW allows sent. */
static uint32_t start(struct tt_conn *c, int *l, int segs)
{
	*l = tt_listen(TT_HOST_PORT, 4);
	tt_passive(c, *l, TT_OPT_MSS | TT_OPT_SACK);
	uint32_t h0 = c->hnxt;
	ck_assert_int_eq(utcp_write(tt_h.ctx, c->sock, pat, (size_t)segs * MSS), segs * MSS);
	utcp_ctx_poll(tt_h.ctx);
	return h0;
}

static void finish(struct tt_conn *c, uint32_t end, int l)
{
	struct frame fr;
	c->hnxt = end;
	tt_pack(c);
	while (pop(end, &fr))
		;
	tt_finish(c);
	tt_ok(utcp_close(tt_h.ctx, l));
}

/* IW10 (RFC 6928): 10 segments; TSO frames of at most half of cwnd (5
 * segments, tcp_tso_autosize's bound), so two frames; the last one
 * empties the queue and carries PSH. */
START_TEST(tso_frames_of_whole_segments)
{
	struct tt_conn c;
	struct frame fr;
	int l;
	tn_set_tso(tt_h.nic, 65535, 8);
	uint32_t h0 = start(&c, &l, 10);
	ck_assert(pop(h0, &fr));
	ck_assert(fr.m.ol_flags & UTCP_PKT_TX_TCP_SEG);
	ck_assert_uint_eq(fr.m.tso_segsz, MSS);
	ck_assert_uint_eq(fr.seq, h0);
	ck_assert_uint_eq(fr.len, 5 * MSS);
	ck_assert_uint_eq(fr.flags, TH_ACK);
	ck_assert(pop(h0, &fr));
	ck_assert(fr.m.ol_flags & UTCP_PKT_TX_TCP_SEG);
	ck_assert_uint_eq(fr.seq, h0 + 5 * MSS);
	ck_assert_uint_eq(fr.len, 5 * MSS);
	ck_assert_uint_eq(fr.flags, TH_ACK | TH_PSH);
	tt_expect_none();
	tt_advance(RTT);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* Segment 1, in the middle of the first TSO frame, is lost; the peer
 * SACKs 2..10 (RFC 6675 IsLost: more than DupThresh - 1 segments above):
 * the host resends segment 1 alone, one MSS, not the frame. */
START_TEST(sack_of_middle_resends_only_the_hole)
{
	struct tt_conn c;
	int l;
	tn_set_tso(tt_h.nic, 65535, 8);
	uint32_t h0 = start(&c, &l, 10);
	expect_tso(h0, 0, 5);
	expect_tso(h0, 5, 5);
	tt_advance(RTT);
	sack1(&c, h0, h0 + MSS, 2, 10);
	expect_seg(h0, 1);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 1);
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	tt_advance(RTT);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* The same with the hole at the start of the second frame and the first
 * acknowledged: segment 5 alone again. */
START_TEST(sack_resends_first_segment_of_second_frame)
{
	struct tt_conn c;
	int l;
	tn_set_tso(tt_h.nic, 65535, 8);
	uint32_t h0 = start(&c, &l, 10);
	expect_tso(h0, 0, 5);
	expect_tso(h0, 5, 5);
	tt_advance(RTT);
	sack1(&c, h0, h0 + 5 * MSS, 6, 10);
	struct frame fr;
	ck_assert(pop(h0, &fr)); /* segment 5 alone; new data none (all sent) */
	ck_assert(!(fr.m.ol_flags & UTCP_PKT_TX_TCP_SEG));
	ck_assert_uint_eq(fr.seq, h0 + 5 * MSS);
	ck_assert_uint_eq(fr.len, MSS);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 1);
	tt_advance(RTT);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* One large buffer: the first frame takes it (the NIC still holds it);
 * the rest goes as MSS segments. */
START_TEST(no_large_buffer_falls_back_to_mss)
{
	struct tt_conn c;
	int l;
	tn_set_tso(tt_h.nic, 65535, 1);
	uint32_t h0 = start(&c, &l, 10);
	expect_tso(h0, 0, 5);
	for (int k = 5; k < 10; k++)
		expect_seg(h0, k);
	tt_expect_none();
	tt_advance(RTT);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* Without TSO offered: MSS segments, as always. */
START_TEST(no_tso_without_the_capability)
{
	struct tt_conn c;
	int l;
	uint32_t h0 = start(&c, &l, 10);
	for (int k = 0; k < 10; k++)
		expect_seg(h0, k);
	tt_expect_none();
	tt_advance(RTT);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* 1800 bytes in one frame.  As two coalesced segments of 900 (GRO): two
 * full-sized segments, an ACK at once (RFC 1122 §4.2.3.2); as one segment
 * of 1800, the delayed ACK waits. */
static void lro_frame(int lro, int acked_at_once)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 4);
	tt_passive(&c, l, TT_OPT_MSS | TT_OPT_SACK);
	tt_pseg(&c, &s, TH_ACK, pat, 1800);
	tt_inject(&s);
	c.pnxt += 1800;
	if (lro) {
		struct utcp_pkt *p = tn_of(tt_h.nic)->rx[0].tail;
		p->ol_flags |= UTCP_PKT_RX_LRO;
		p->tso_segsz = 900;
		p->lro_segs = 2;
	}
	utcp_ctx_poll(tt_h.ctx);
	if (acked_at_once)
		tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	else
		tt_expect_none();
	uint8_t b[1800];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, sizeof(b)), 1800);
	ck_assert_mem_eq(b, pat, 1800);
	tt_advance(RTT);
	while (tt_out(&s))
		;
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}

START_TEST(lro_frame_acked_as_its_segments)
{
	lro_frame(1, 1);
}
END_TEST

START_TEST(one_large_segment_delays_its_ack)
{
	lro_frame(0, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tcp_tso");
	TCase *tc = tcase_create("tso");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tso_frames_of_whole_segments);
	tcase_add_test(tc, sack_of_middle_resends_only_the_hole);
	tcase_add_test(tc, sack_resends_first_segment_of_second_frame);
	tcase_add_test(tc, no_large_buffer_falls_back_to_mss);
	tcase_add_test(tc, no_tso_without_the_capability);
	tcase_add_test(tc, lro_frame_acked_as_its_segments);
	tcase_add_test(tc, one_large_segment_delays_its_ack);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
