/*
 * tests/unit/test_tcp_rfc.c - RFC points outside test suites (packetdrill,
 * FreeBSD's tcp-testsuite) check, as traces: TS.Recent only from an
 * acceptable ACK, ICMP errors (RFC 1122 §4.2.3.9, RFC 1191, RFC 5927),
 * challenge ACKs in SYN-RECEIVED, data on a SYN in simultaneous open, TSopt
 * on RSTs, the window's right edge for RSTs, RACK per whole segment, RSTs
 * from bound but not listening ports, the clock at socket calls after idle.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static void setup(void)
{
	tt_up(NULL);
}

static void teardown(void)
{
	tt_down();
}

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(tt_h.ctx);
}

/* ---- 1. TS.Recent and unacceptable ACKs (RFC 7323 §4.3, §5.3 R3) ------------- */

START_TEST(ts_recent_not_taken_from_ack_beyond_snd_nxt)
{
	struct tt_conn c;
	struct tt_seg s, bad;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	/* In the window, SEG.ACK beyond SND.NXT, a TSval far ahead: RFC 9293
	 * §3.10.7.4 fifth step answers with an ACK and drops it. */
	tt_pseg(&c, &bad, TH_ACK, "evil", 4);
	bad.ack = c.hnxt + 100000;
	bad.optlen = 0;
	tt_opt_ts(&bad, c.pts + 0x10000000u, c.hts);
	tt_in(&bad);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	/* Its TSval must not have become TS.Recent: the next real segment
	 * passes PAWS and its data is taken. */
	c.pts += 1;
	tt_pin(&c, TH_ACK | TH_PSH, "good", 4);
	ck_assert_uint_eq(st()->drop_tcp_paws, 0);
	char buf[8];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, buf, sizeof(buf)), 4);
	ck_assert(memcmp(buf, "good", 4) == 0);
	ck_assert(tt_timers_until_out()); /* the delayed ACK */
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	ck_assert_uint_eq(s.o.tsecr, c.pts);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

static Suite *tcp_rfc_suite(void)
{
	Suite *su = suite_create("tcp_rfc");
	TCase *tc = tcase_create("rfc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ts_recent_not_taken_from_ack_beyond_snd_nxt);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_rfc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
