/*
 * tests/unit/test_syncookie.c - SYN cookies (RFC 4987 §3.6) as traces: a
 * listener whose SYN queue is full answers SYNs with cookie SYN-ACKs and
 * keeps no state; the ACK echoing a cookie recreates the connection with
 * the options the SYN negotiated (MSS from the cookie, window scale and
 * SACK-permitted from the echoed timestamp); forged, stale and mistimed
 * cookies are refused; cookies can be turned off.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

#define FILLER_PORT 40001
#define PEER_PORT 40002
#define PEER_ISN 5000u

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(tt_h.ctx);
}

static void setup(void)
{
	tt_up(NULL);
}

static void teardown(void)
{
	tt_down();
}

static struct utcp_sock_usage usage(void)
{
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(tt_h.ctx, &u);
	return u;
}

/* A listener with backlog 1 and its SYN queue filled by another peer. */
static int full_listener(void)
{
	struct tt_seg syn = { .sport = FILLER_PORT, .dport = TT_HOST_PORT, .seq = 100,
			      .flags = TH_SYN, .win = 8192 }, s;
	int l = tt_listen(TT_HOST_PORT, 1);
	tt_opt_mss(&syn, 1460);
	tt_in(&syn);
	tt_out(&s); /* its ordinary SYN-ACK */
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(usage().tcbs, 1);
	return l;
}

/* The peer's SYN (MSS 1400, and with ts: WS 7, SACK-permitted, TSval 1000). */
static void peer_syn(int ts, struct tt_seg *synack)
{
	struct tt_seg syn = { .sport = PEER_PORT, .dport = TT_HOST_PORT, .seq = PEER_ISN,
			      .flags = TH_SYN, .win = 65535 };
	tt_opt_mss(&syn, 1400);
	if (ts) {
		tt_opt_sackok(&syn);
		tt_opt_ts(&syn, 1000, 0);
		tt_opt_ws(&syn, 7);
	}
	tt_in(&syn);
	ck_assert(tt_out(synack));
	ck_assert_uint_eq(synack->flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(synack->ack, PEER_ISN + 1);
}

/* The peer's ACK of the SYN-ACK (cookie), TSval 1001 echoing its TSval. */
static void peer_ack(const struct tt_seg *synack, uint32_t ack, const void *data, uint32_t len)
{
	struct tt_seg a = { .sport = PEER_PORT, .dport = TT_HOST_PORT, .seq = PEER_ISN + 1,
			    .ack = ack, .flags = TH_ACK, .win = 512, .data = data, .len = len };
	if (synack->o.flags & TOF_TS)
		tt_opt_ts(&a, 1001, synack->o.tsval);
	tt_in(&a);
}

START_TEST(cookie_answers_a_full_syn_queue_and_completes_with_options)
{
	struct tt_seg sa, s;
	int l = full_listener();
	peer_syn(1, &sa);
	/* A SYN-ACK that keeps no state: options as for any SYN-ACK. */
	ck_assert_uint_eq(st()->tcp_syn_cookies_sent, 1);
	ck_assert_uint_eq(usage().tcbs, 1);
	ck_assert_uint_eq(sa.o.mss, 1460);
	ck_assert(sa.o.flags & TOF_SACK_PERM);
	ck_assert(sa.o.flags & TOF_TS);
	ck_assert_uint_eq(sa.o.tsecr, 1000);
	ck_assert(sa.o.flags & TOF_WSCALE);
	ck_assert_uint_eq(sa.o.wscale, 1);
	ck_assert_uint_eq(sa.win, 65535);
	/* The ACK echoing it, with the first request: a connection, established. */
	peer_ack(&sa, sa.seq + 1, "GET", 3);
	ck_assert_uint_eq(st()->tcp_syn_cookies_ok, 1);
	ck_assert_uint_eq(usage().tcbs, 2);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int c = utcp_accept(tt_h.ctx, l, (struct sockaddr *)&a, &al);
	ck_assert_int_ge(c, 0);
	ck_assert_uint_eq(ntohs(a.sin_port), PEER_PORT);
	char buf[8];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c, buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "GET", 3), 0);
	/* The answer: segments bounded by the cookie's MSS (1300, the largest
	 * it carries not above the peer's 1400) less the timestamp option; the
	 * peer's window is scaled by 7 (512 << 7); TSvals go on from the
	 * cookie's, never back (RFC 7323 §5.4). */
	static char big[4000];
	ck_assert_int_eq(utcp_write(tt_h.ctx, c, big, sizeof(big)), (int)sizeof(big));
	utcp_ctx_poll(tt_h.ctx);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags & TH_ACK, TH_ACK);
	ck_assert_uint_eq(s.seq, sa.seq + 1);
	ck_assert_uint_eq(s.ack, PEER_ISN + 4);
	ck_assert_uint_eq(s.len, 1300 - 12);
	ck_assert(s.o.flags & TOF_TS);
	ck_assert_uint_eq(s.o.tsecr, 1001);
	ck_assert((int32_t)(s.o.tsval - sa.o.tsval) >= 0);
	/* The host's window is scaled by the shift its SYN-ACK announced; its
	 * right edge stays where the SYN-ACK's 65535 put it (3 bytes were
	 * consumed, less than receiver SWS avoidance moves it for). */
	ck_assert_uint_eq(s.win, (65535 - 3) >> 1);
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_abort(tt_h.ctx, c));
	tt_ok(utcp_close(tt_h.ctx, l));
	tn_tx_drain(tt_h.nic);
}
END_TEST

START_TEST(cookie_without_timestamps_has_no_window_scale_or_sack)
{
	struct tt_seg sa, s;
	int l = full_listener();
	peer_syn(0, &sa);
	ck_assert_uint_eq(sa.o.flags, TOF_MSS); /* nothing to carry WS and SACK in */
	peer_ack(&sa, sa.seq + 1, NULL, 0);
	ck_assert_uint_eq(st()->tcp_syn_cookies_ok, 1);
	int c = utcp_accept(tt_h.ctx, l, NULL, NULL);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c, "ok", 2), 2);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.len, 2);
	ck_assert_uint_eq(s.optlen, 0);
	ck_assert_uint_eq(s.win, 65535); /* unscaled */
	tt_ok(utcp_abort(tt_h.ctx, c));
	tt_ok(utcp_close(tt_h.ctx, l));
	tn_tx_drain(tt_h.nic);
}
END_TEST

START_TEST(forged_cookie_draws_rst)
{
	struct tt_seg sa, s;
	int l = full_listener();
	peer_syn(1, &sa);
	/* Every bit of the hash and of the MSS index counts. */
	uint32_t flips[] = { 1u, 1u << 12, 1u << 23, 1u << 24, 1u << 27 };
	for (unsigned i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		uint32_t ack = (sa.seq ^ flips[i]) + 1;
		peer_ack(&sa, ack, NULL, 0);
		tt_expect(&s, TH_RST, ack, 0, -1);
	}
	ck_assert_uint_eq(st()->tcp_syn_cookies_ok, 0);
	ck_assert_uint_eq(usage().tcbs, 1);
	tt_err(utcp_accept(tt_h.ctx, l, NULL, NULL), EAGAIN);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

START_TEST(stale_cookie_draws_rst)
{
	struct tt_seg sa, s;
	int l = full_listener();
	peer_syn(1, &sa);
	/* Good for two 64 s periods at most: 200 s later it is refused. */
	for (int i = 0; i < 200; i++) {
		tt_advance(UTCP_NSEC_PER_SEC);
		tn_tx_drain(tt_h.nic);
	}
	peer_ack(&sa, sa.seq + 1, NULL, 0);
	tt_expect(&s, TH_RST, sa.seq + 1, 0, -1);
	ck_assert_uint_eq(st()->tcp_syn_cookies_ok, 0);
	tt_err(utcp_accept(tt_h.ctx, l, NULL, NULL), EAGAIN);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

START_TEST(valid_cookie_waits_while_the_accept_queue_is_full)
{
	struct tt_seg sa, s;
	int l = full_listener();
	peer_syn(1, &sa);
	/* The filler completes and takes the one accept slot. */
	struct tt_seg fa = { .sport = FILLER_PORT, .dport = TT_HOST_PORT, .seq = 101,
			     .flags = TH_ACK, .win = 8192 };
	struct utcp_tcb *f = tcp_flow_lookup(tt_h.ctx, TN_HOST_IP, htons(TT_HOST_PORT),
					     TN_PEER_IP, htons(FILLER_PORT));
	ck_assert_ptr_nonnull(f);
	fa.ack = f->iss + 1;
	tt_in(&fa);
	/* The cookie's ACK is ignored (no RST): the peer will send it again. */
	peer_ack(&sa, sa.seq + 1, NULL, 0);
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_backlog, 1);
	int c1 = utcp_accept(tt_h.ctx, l, NULL, NULL);
	ck_assert_int_ge(c1, 0);
	/* Room again: the retransmitted ACK completes the connection. */
	peer_ack(&sa, sa.seq + 1, NULL, 0);
	ck_assert_uint_eq(st()->tcp_syn_cookies_ok, 1);
	int c2 = utcp_accept(tt_h.ctx, l, NULL, NULL);
	ck_assert_int_ge(c2, 0);
	tt_ok(utcp_abort(tt_h.ctx, c1));
	tt_ok(utcp_abort(tt_h.ctx, c2));
	tt_ok(utcp_close(tt_h.ctx, l));
	tn_tx_drain(tt_h.nic);
	(void)s;
}
END_TEST

START_TEST(cookies_off_drop_the_syn)
{
	struct utcp_config cfg;
	struct tt_seg s;
	tt_down();
	tt_config(&cfg);
	cfg.tcp_syncookies = 0;
	tt_up(&cfg);
	int l = full_listener();
	struct tt_seg syn = { .sport = PEER_PORT, .dport = TT_HOST_PORT, .seq = PEER_ISN,
			      .flags = TH_SYN, .win = 65535 };
	tt_in(&syn);
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_backlog, 1);
	ck_assert_uint_eq(st()->tcp_syn_cookies_sent, 0);
	/* An ACK that would have been a cookie is just an ACK to a listener. */
	struct tt_seg a = { .sport = PEER_PORT, .dport = TT_HOST_PORT, .seq = PEER_ISN + 1,
			    .ack = 12345, .flags = TH_ACK, .win = 512 };
	tt_in(&a);
	tt_expect(&s, TH_RST, 12345, 0, -1);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

Suite *syncookie_suite(void)
{
	Suite *su = suite_create("syncookie");
	TCase *tc = tcase_create("cookie");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cookie_answers_a_full_syn_queue_and_completes_with_options);
	tcase_add_test(tc, cookie_without_timestamps_has_no_window_scale_or_sack);
	tcase_add_test(tc, forged_cookie_draws_rst);
	tcase_add_test(tc, stale_cookie_draws_rst);
	tcase_add_test(tc, valid_cookie_waits_while_the_accept_queue_is_full);
	tcase_add_test(tc, cookies_off_drop_the_syn);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(syncookie_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
