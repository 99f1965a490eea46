/*
 * tests/unit/test_tcp_fast.c - header prediction (core/tcp/tcp_input.c
 * tcp_fast_ok, core/tcp/tcp_output.c tcp_output_fast) as traces: the
 * usual segments of a request/response exchange (in-order data, data that
 * also acknowledges, a pure ACK that advances SND.UNA; one short reply
 * sent) take the fast paths, with or without timestamps and SACK; each
 * excluded case (out-of-order data and the segment that fills the hole, a
 * SACK option, a window update that acknowledges nothing, FIN, URG, an old
 * TSval, an ACK during fast recovery) takes the full path and gets the
 * full path's answer.  The counters tcp_fast_acks, tcp_fast_data and
 * tcp_fast_tx tell which path ran; tt_down checks that nothing leaked.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static int L;
static uint8_t pat[16384];

static void setup(void)
{
	tt_up(NULL);
	L = tt_listen(TT_HOST_PORT, 16);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
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

/* Segments the receive fast path took. */
static uint64_t fast_rx(void)
{
	return st()->tcp_fast_acks + st()->tcp_fast_data;
}

static void read_expect(int sock, const void *want, size_t n)
{
	static uint8_t b[16384];
	ck_assert_int_eq(utcp_read(tt_h.ctx, sock, b, sizeof(b)), (ssize_t)n);
	ck_assert(memcmp(b, want, n) == 0);
}

/* The host's immediate ACK, if it sent one (quick-ACK mode at the start). */
static void ack_if_any(struct tt_conn *c)
{
	struct tt_seg s;
	if (tt_pending() > 0)
		tt_hout(c, &s, TH_ACK, c->pnxt, 0);
	tt_expect_none();
}

/* The host writes n bytes of pat. */
static void host_write(struct tt_conn *c, uint32_t n)
{
	ck_assert_int_eq(utcp_write(tt_h.ctx, c->sock, pat, n), (ssize_t)n);
	utcp_ctx_poll(tt_h.ctx);
}

/* ---- the usual segments -------------------------------------------------------- */

static const unsigned usual_opts[] = {
	TT_OPT_ALL,                            /* timestamps, SACK, window scaling */
	TT_OPT_MSS | TT_OPT_SACK,              /* no timestamps */
	TT_OPT_MSS | TT_OPT_TS,                /* no SACK */
};

START_TEST(usual_segments_take_fast_path)
{
	struct tt_conn c;
	struct tt_seg s;
	unsigned opts = usual_opts[_i];
	tt_passive(&c, L, opts);
	/* A request: in-order data, ACK = SND.UNA. */
	uint64_t data = st()->tcp_fast_data, acks = st()->tcp_fast_acks, tx = st()->tcp_fast_tx;
	tt_pin(&c, TH_ACK | TH_PSH, "request", 7);
	ck_assert_uint_eq(st()->tcp_fast_data, data + 1);
	read_expect(c.sock, "request", 7);
	ack_if_any(&c);
	/* The reply: one short segment, all that is queued; the transmit
	 * fast path sends it when timestamps are the option to carry. */
	host_write(&c, 300);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 300);
	ck_assert(memcmp(s.payload, pat, 300) == 0);
	ck_assert_uint_eq(st()->tcp_fast_tx, tx + ((opts & TT_OPT_TS) ? 1 : 0));
	/* The next request acknowledges the reply: data and a new ACK. */
	tt_pin(&c, TH_ACK | TH_PSH, "again", 5);
	ck_assert_uint_eq(st()->tcp_fast_data, data + 2);
	read_expect(c.sock, "again", 5);
	ack_if_any(&c);
	/* A reply acknowledged by a pure ACK. */
	host_write(&c, 100);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 100);
	tt_pack(&c);
	ck_assert_uint_eq(st()->tcp_fast_acks, acks + 1);
	tt_expect_none();
	tt_finish(&c);
}
END_TEST

/* A larger write goes out in full segments through the full path; their
 * ACKs still take the fast path. */
START_TEST(bulk_acks_take_fast_path)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	uint64_t acks = st()->tcp_fast_acks, tx = st()->tcp_fast_tx;
	host_write(&c, 3 * 1448);
	for (int i = 0; i < 3; i++)
		tt_hout(&c, &s, i == 2 ? TH_ACK | TH_PSH : TH_ACK, c.pnxt, 1448);
	ck_assert_uint_eq(st()->tcp_fast_tx, tx);
	tt_pack(&c);
	ck_assert_uint_eq(st()->tcp_fast_acks, acks + 1);
	tt_expect_none();
	tt_finish(&c);
}
END_TEST

/* ---- excluded: each takes the full path ------------------------------------------ */

START_TEST(out_of_order_and_hole_fill_not_fast)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	uint32_t b = c.pnxt;
	uint64_t n = fast_rx();
	/* [b + 100, b + 200) before [b, b + 100): a duplicate ACK with SACK. */
	tt_pseg(&c, &s, TH_ACK, pat + 100, 100);
	s.seq = b + 100;
	tt_in(&s);
	ck_assert_uint_eq(fast_rx(), n);
	tt_expect(&s, TH_ACK, c.hnxt, b, -1);
	ck_assert(s.o.flags & TOF_SACK);
	ck_assert_uint_eq(s.o.sack[0].start, b + 100);
	ck_assert_uint_eq(s.o.sack[0].end, b + 200);
	/* In order, but out-of-order data is held: the gap fills, ACK at once. */
	tt_pin(&c, TH_ACK, pat, 100);
	ck_assert_uint_eq(fast_rx(), n);
	tt_expect(&s, TH_ACK, c.hnxt, b + 200, -1);
	ck_assert(!(s.o.flags & TOF_SACK));
	c.pnxt = b + 200;
	read_expect(c.sock, pat, 200);
	/* Nothing held any more: the next segment is predicted again. */
	tt_pin(&c, TH_ACK | TH_PSH, pat + 200, 50);
	ck_assert_uint_eq(fast_rx(), n + 1);
	read_expect(c.sock, pat + 200, 50);
	ack_if_any(&c);
	tt_finish(&c);
}
END_TEST

START_TEST(sack_option_not_fast)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	uint32_t h0 = c.hnxt;
	host_write(&c, 3 * 1448);
	for (int i = 0; i < 3; i++)
		tt_hout(&c, &s, i == 2 ? TH_ACK | TH_PSH : TH_ACK, c.pnxt, 1448);
	/* The first segment acknowledged, the third SACKed. */
	uint64_t n = fast_rx();
	tt_pseg(&c, &s, TH_ACK, NULL, 0);
	s.ack = h0 + 1448;
	uint8_t sack[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 10 };
	uint32_t l = h0 + 2 * 1448, r = h0 + 3 * 1448;
	for (int k = 0; k < 4; k++) {
		sack[4 + k] = (uint8_t)(l >> (24 - 8 * k));
		sack[8 + k] = (uint8_t)(r >> (24 - 8 * k));
	}
	tt_opt_raw(&s, sack, sizeof(sack));
	tt_in(&s);
	ck_assert_uint_eq(fast_rx(), n);
	/* Then all of it: the scoreboard held a block, so the full path again. */
	while (tt_out(&s))
		; /* whatever recovery sent: the ACK below covers it */
	tt_pack(&c);
	ck_assert_uint_eq(fast_rx(), n);
	tt_expect_none();
	tt_finish(&c);
}
END_TEST

START_TEST(window_update_not_fast)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_ALL);
	uint64_t n = fast_rx();
	/* A pure window update acknowledges nothing new: RFC 5681 §2 must
	 * look at it (a duplicate ACK or not), the full path. */
	c.pwin = 1000;
	tt_pack(&c);
	ck_assert_uint_eq(fast_rx(), n);
	tt_expect_none();
	/* Text under a changed window is predicted (the window is not, as
	 * BSD and Linux do not): the update is the full path's. */
	c.pwin = 2000;
	tt_pin(&c, TH_ACK | TH_PSH, "x", 1);
	ck_assert_uint_eq(fast_rx(), n + 1);
	read_expect(c.sock, "x", 1);
	ack_if_any(&c);
	tt_finish(&c);
}
END_TEST

START_TEST(fin_not_fast)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	uint64_t n = fast_rx();
	tt_pin(&c, TH_ACK | TH_FIN, "bye", 3);
	ck_assert_uint_eq(fast_rx(), n);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0); /* the FIN acknowledged at once */
	read_expect(c.sock, "bye", 3);
	char b[4];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, sizeof(b)), 0);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_FIN | TH_ACK, c.pnxt, 0);
	tt_pack(&c); /* LAST-ACK: the TCB goes */
	ck_assert_uint_eq(fast_rx(), n);
	tt_expect_none();
}
END_TEST

START_TEST(urg_not_fast)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_ALL);
	uint64_t n = fast_rx();
	tt_pin(&c, TH_ACK | TH_URG, "u", 1);
	ck_assert_uint_eq(fast_rx(), n);
	read_expect(c.sock, "u", 1); /* no urgent mode: the octet is in line */
	ack_if_any(&c);
	tt_finish(&c);
}
END_TEST

START_TEST(old_tsval_not_fast)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	uint64_t n = fast_rx();
	uint32_t pts = c.pts;
	c.pts = pts - 100; /* RFC 7323 §5.3 R1: PAWS drops it and ACKs */
	tt_pseg(&c, &s, TH_ACK | TH_PSH, "old", 3);
	tt_in(&s);
	ck_assert_uint_eq(fast_rx(), n);
	ck_assert_uint_eq(st()->drop_tcp_paws, 1);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	c.pts = pts;
	tt_expect_none();
	tt_finish(&c);
}
END_TEST

/* NewReno (no SACK): three duplicate ACKs, fast retransmit; the partial
 * ACK and the full ACK during recovery take the full path (RFC 6582 §3.2
 * steps 4 and 3), which resends the next hole and ends the recovery. */
START_TEST(recovery_acks_not_fast)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS | TT_OPT_TS);
	uint32_t h0 = c.hnxt, m = 1448;
	host_write(&c, 5 * m);
	for (int i = 0; i < 5; i++)
		tt_hout(&c, &s, i == 4 ? TH_ACK | TH_PSH : TH_ACK, c.pnxt, m);
	uint32_t h5 = c.hnxt;
	/* The first segment acknowledged: predicted. */
	uint64_t n = fast_rx();
	c.hnxt = h0 + m;
	tt_pack(&c);
	ck_assert_uint_eq(fast_rx(), n + 1);
	/* Three duplicates: the full path counts them; the third resends. */
	for (int i = 0; i < 3; i++)
		tt_pack(&c);
	ck_assert_uint_eq(fast_rx(), n + 1);
	ck_assert_uint_eq(st()->tcp_fast_retransmits, 1);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.seq, h0 + m);
	ck_assert_uint_eq(s.len, m);
	/* A partial ACK in recovery: the next hole goes again. */
	c.hnxt = h0 + 2 * m;
	tt_pack(&c);
	ck_assert_uint_eq(fast_rx(), n + 1);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.seq, h0 + 2 * m);
	/* The full ACK ends the recovery, still on the full path. */
	c.hnxt = h5;
	tt_pack(&c);
	ck_assert_uint_eq(fast_rx(), n + 1);
	while (tt_out(&s))
		ck_assert_uint_eq(s.len, 0);
	/* Out of recovery: predicted again. */
	tt_pin(&c, TH_ACK | TH_PSH, "ok", 2);
	ck_assert_uint_eq(fast_rx(), n + 2);
	read_expect(c.sock, "ok", 2);
	ack_if_any(&c);
	tt_finish(&c);
}
END_TEST

static Suite *suite(void)
{
	Suite *su = suite_create("tcp_fast");
	TCase *tc = tcase_create("fast");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, usual_segments_take_fast_path, 0,
			    (int)(sizeof(usual_opts) / sizeof(usual_opts[0])));
	tcase_add_test(tc, bulk_acks_take_fast_path);
	suite_add_tcase(su, tc);
	TCase *tx = tcase_create("excluded");
	tcase_add_checked_fixture(tx, setup, teardown);
	tcase_add_test(tx, out_of_order_and_hole_fill_not_fast);
	tcase_add_test(tx, sack_option_not_fast);
	tcase_add_test(tx, window_update_not_fast);
	tcase_add_test(tx, fin_not_fast);
	tcase_add_test(tx, urg_not_fast);
	tcase_add_test(tx, old_tsval_not_fast);
	tcase_add_test(tx, recovery_acks_not_fast);
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
