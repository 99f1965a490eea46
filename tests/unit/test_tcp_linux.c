/*
 * tests/unit/test_tcp_linux.c - what packetdrill's Linux scripts found, as
 * traces: the choices the RFCs leave to the sender where utcp has a knob
 * for Linux's, at Linux's setting (the packetdrill adapter sets them all):
 * slow start without a per-ACK limit (tcp_abc_nolimit), the RTO floor on
 * the variation term (tcp_rto_min_var), a loss probe in the place of a
 * timeout due first (tcp_pto_cap), RST,ACK on abort (tcp_rst_ack), PSH as
 * Linux's TSO packets carry it (tcp_push_each_write = 2); and RFC points:
 * no window update after a read that cannot open the window further.
 *
 * Each fixture brings a stack up with the knob set (tt_up), runs a trace
 * and ends with tt_down's leak check.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static void teardown(void)
{
	tt_down();
}

static struct utcp_tcb *tcb_of(const struct tt_conn *c)
{
	return tcp_flow_lookup(tt_h.ctx, TN_HOST_IP, htons(c->hport), TN_PEER_IP, htons(c->pport));
}

/* ---- tcp_abc_nolimit: slow start by all an ACK covers ------------------------ */

static void setup_abc_nolimit(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_abc = 2;
	cfg.tcp_abc_nolimit = 1;
	tt_up(&cfg);
}

/* A stretch ACK of four segments in slow start adds four SMSS to cwnd
 * (Linux's tcp_slow_start), so it releases the four segments it freed
 * plus four more; with L = 2 SMSS (RFC 3465 §2.2) it would be six. */
START_TEST(abc_nolimit_stretch_ack_grows_by_all_acked)
{
	static char data[30 * 1448];
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	struct utcp_tcb *tp = tcb_of(&c);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), (ssize_t)sizeof(data));
	utcp_ctx_poll(tt_h.ctx);
	uint32_t cwnd0 = tp->cwnd, una = c.hnxt;
	for (int i = 0; i < 10; i++)
		tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_expect_none();
	uint32_t end = c.hnxt;
	c.hnxt = una + 4 * 1448;
	tt_pack(&c);
	ck_assert_uint_eq(tp->cwnd, cwnd0 + 4 * 1448);
	c.hnxt = end;
	for (int i = 0; i < 8; i++)
		tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_expect_none();
	c.hnxt = una + sizeof(data);
	tt_ok(utcp_abort(tt_h.ctx, c.sock));
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- tcp_rto_min_var and tcp_pto_cap ------------------------------------------ */

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(tt_h.ctx);
}

static void setup_rto_linux(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_rto_min = 200;
	cfg.tcp_rto_min_var = 1;
	cfg.tcp_pto_cap = 1;
	cfg.tcp_rst_ack = 1;
	tt_up(&cfg);
}

/* A round trip of 2 ms, one segment in flight: RTO = SRTT + 200 ms (not
 * max(SRTT + 4 * RTTVAR, 200 ms)); the PTO, 2 * SRTT + WCDelAckT (RFC 8985
 * §7.2), would come after it, so the probe is sent at the RTO's time in
 * its place: a loss probe, no timeout. */
START_TEST(rto_min_var_and_pto_cap)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	struct utcp_tcb *tp = tcb_of(&c);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "x", 1), 1);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	tt_advance(2 * TT_MS);
	tt_pack(&c);
	ck_assert_uint_eq(tp->rto, tp->srtt + 200 * TT_MS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "y", 1), 1);
	utcp_ctx_poll(tt_h.ctx);
	utcp_time_t t0 = tt_now();
	tt_expect(&s, TH_ACK | TH_PSH, c.hnxt, c.pnxt, -1);
	ck_assert(tt_timers_until_out());
	tt_expect(&s, TH_ACK | TH_PSH, c.hnxt, c.pnxt, -1); /* the same octet again */
	ck_assert_uint_ge(tt_now() - t0, tp->srtt + 200 * TT_MS);
	ck_assert_uint_le(tt_now() - t0, tp->srtt + 201 * TT_MS); /* a tick late at most */
	ck_assert_uint_eq(st()->tcp_rto, 0);
	ck_assert_uint_eq(st()->tcp_tlp_probes, 1);
	c.hnxt++;
	tt_pack(&c);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* tcp_rst_ack: close with unread data aborts (RFC 2525 §2.17) with a
 * RST,ACK acknowledging what arrived. */
START_TEST(rst_ack_on_close_with_unread_data)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	tt_pin(&c, TH_ACK | TH_PSH, "unread", 6);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_RST | TH_ACK, c.hnxt, c.pnxt, -1);
	tt_expect_none();
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* tcp_rst_ack: data arriving after close() (RFC 1122 §4.2.2.13) is
 * answered as Linux answers it, like a segment to a closed port (RFC 9293
 * §3.10.7.1): <SEQ=SEG.ACK><CTL=RST>, no ACK bit -- here the FIN is not
 * yet acknowledged, so SEQ is the FIN's, not SND.NXT. */
START_TEST(rst_on_data_after_close_is_a_reply)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_MSS | TT_OPT_SACK);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	utcp_ctx_poll(tt_h.ctx);
	uint32_t fin = c.hnxt;
	tt_hout(&c, &s, TH_ACK | TH_FIN, c.pnxt, 0);
	c.hnxt = fin; /* the peer has not seen the FIN */
	tt_pin(&c, TH_ACK, "x", 1);
	tt_expect(&s, TH_RST, fin, 0, -1);
	tt_expect_none();
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- tcp_push_each_write = 2 ---------------------------------------------- */

static void setup_push_tso(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_push_each_write = 2;
	tt_up(&cfg);
}

/* The initial window of 10 segments goes as Linux's two TSO packets of
 * cwnd/2 = 5 (the round trip is short, so autosizing allows more): PSH on
 * the 5th and the 10th.  After an ACK of one segment cwnd is 11 and two
 * segments may go: a packet of two, PSH on its end. */
START_TEST(push_tso_packets)
{
	static char data[30 * 1460];
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), (ssize_t)sizeof(data));
	utcp_ctx_poll(tt_h.ctx);
	for (int i = 1; i <= 10; i++)
		tt_hout(&c, &s, TH_ACK | (i % 5 == 0 ? TH_PSH : 0), c.pnxt, 1460);
	tt_expect_none();
	uint32_t end = c.hnxt;
	c.hnxt -= 9 * 1460;
	tt_advance(TT_MS);
	tt_pack(&c);
	c.hnxt = end;
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1460);
	tt_expect_none();
	c.hnxt = c.hiss + 1 + sizeof(data);
	tt_ok(utcp_abort(tt_h.ctx, c.sock));
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

static void setup_min_tso(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_push_each_write = 2;
	cfg.tcp_min_tso_segs = 10;
	tt_up(&cfg);
}

/* tcp_min_tso_segs = 10: at a round trip of 100 ms autosizing alone would
 * give packets of 2 segments (a millisecond at the pacing rate); the
 * floor of 10 leaves cwnd/2 = 5, so PSH ends the 5th and the 10th segment
 * of the 11 the window allows, and the 11th goes alone, without PSH. */
START_TEST(min_tso_segs_floor)
{
	static char data[30 * 1460];
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), (ssize_t)sizeof(data));
	utcp_ctx_poll(tt_h.ctx);
	for (int i = 1; i <= 10; i++)
		tt_hout(&c, &s, TH_ACK | (i % 5 == 0 ? TH_PSH : 0), c.pnxt, 1460);
	tt_advance(100 * TT_MS);
	tt_pack(&c);
	for (int i = 1; i <= 11; i++)
		tt_hout(&c, &s, TH_ACK | (i % 5 == 0 ? TH_PSH : 0), c.pnxt, 1460);
	tt_expect_none();
	c.hnxt = c.hiss + 1 + sizeof(data);
	tt_ok(utcp_abort(tt_h.ctx, c.sock));
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

static void setup_zwp(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_rto_min = 200;
	cfg.tcp_zwp_empty = 1;
	tt_up(&cfg);
}

/* tcp_zwp_empty: the peer's window closes with data waiting; the probe is
 * an empty segment at SND.UNA-1 (Linux's), one RTO later -- here the RTO
 * is tcp_rto_min's 200 ms, not 1 s (RFC 1122 §4.2.2.17) -- and the next
 * one RTO doubled later; the window opens and the data goes. */
START_TEST(zero_window_probe_empty)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "ab", 2), 2);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 2);
	c.pwin = 0;
	tt_pack(&c);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "cd", 2), 2);
	utcp_ctx_poll(tt_h.ctx);
	tt_expect_none();
	utcp_time_t t0 = tt_now();
	ck_assert(tt_timers_until_out());
	tt_expect(&s, TH_ACK, c.hnxt - 1, c.pnxt, -1);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_ge(tt_now() - t0, 200 * TT_MS);
	ck_assert_uint_lt(tt_now() - t0, 300 * TT_MS);
	tt_pack(&c);
	t0 = tt_now();
	ck_assert(tt_timers_until_out());
	tt_expect(&s, TH_ACK, c.hnxt - 1, c.pnxt, -1);
	ck_assert_uint_ge(tt_now() - t0, 400 * TT_MS);
	ck_assert_uint_lt(tt_now() - t0, 600 * TT_MS);
	c.pwin = 65535;
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 2);
	tt_pack(&c);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

static void setup_cwnd_linux(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	snprintf(cfg.cc, sizeof(cfg.cc), "cubic");
	cfg.tcp_cubic_md_cwnd = 1;
	cfg.tcp_cwnd_limited = 1;
	tt_up(&cfg);
}

/* tcp_cwnd_limited: one segment in flight does not fill the initial window
 * of 10, so its ACK leaves cwnd as it was (RFC 5681 alone would add an
 * SMSS).  tcp_cubic_md_cwnd: the timeout of the next lone segment sets
 * ssthresh to 0.7 x cwnd, 7 segments, not 0.7 x FlightSize (floored at 2). */
START_TEST(cwnd_limited_and_cubic_md_cwnd)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_MSS);
	struct utcp_tcb *tp = tcb_of(&c);
	uint32_t cwnd0 = tp->cwnd;
	ck_assert_uint_eq(cwnd0, 10 * tp->mss);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "x", 1), 1);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	tt_advance(10 * TT_MS);
	tt_pack(&c);
	ck_assert_uint_eq(tp->cwnd, cwnd0);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "y", 1), 1);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	for (int i = 0; i < 4 && st()->tcp_rto == 0; i++) {
		ck_assert(tt_timers_until_out());
		tt_expect(&s, TH_ACK | TH_PSH, c.hnxt - 1, c.pnxt, -1);
	}
	ck_assert_uint_eq(st()->tcp_rto, 1);
	ck_assert_uint_ge(tp->ssthresh, 6 * tp->mss);
	ck_assert_uint_le(tp->ssthresh, 7 * tp->mss);
	tt_pack(&c);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* A passive open whose peer offers `win` from its SYN on (no options but
 * MSS 1460), so that the largest window seen is `win`. */
static void passive_syn_win(struct tt_conn *c, int lsock, uint16_t win)
{
	struct tt_seg syn = { 0 };
	memset(c, 0, sizeof(*c));
	c->pport = TT_PEER_PORT + 99;
	c->hport = TT_HOST_PORT;
	c->piss = 7000000u;
	c->pnxt = c->piss + 1;
	c->pwin = win;
	syn.sport = c->pport;
	syn.dport = c->hport;
	syn.seq = c->piss;
	syn.flags = TH_SYN;
	syn.win = win;
	tt_opt_mss(&syn, 1460);
	tt_in(&syn);
	ck_assert_msg(tt_out(&c->syn), "no SYN-ACK");
	ck_assert_uint_eq(c->syn.flags, TH_SYN | TH_ACK);
	c->hiss = c->syn.seq;
	c->hnxt = c->hiss + 1;
	tt_pin(c, TH_ACK, NULL, 0);
	c->sock = utcp_accept(tt_h.ctx, lsock, NULL, NULL);
	ck_assert_int_ge(c->sock, 0);
	tt_ok(utcp_setsock_nonblock(tt_h.ctx, c->sock));
}

/* tcp_push_each_write = 2, a write longer than half the peer's window
 * (8760 here, 6 segments): Linux's forced push marks PSH on the packet that
 * first ends more than half the window past the last push -- packets of
 * 3 segments (at most half the window), so on the 6th segment -- beside
 * the TSO packet end at the 5th (cwnd/2). */
START_TEST(push_forced_half_window)
{
	static char data[20 * 1460];
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	passive_syn_win(&c, l, 6 * 1460);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), (ssize_t)sizeof(data));
	utcp_ctx_poll(tt_h.ctx);
	for (int i = 1; i <= 6; i++)
		tt_hout(&c, &s, TH_ACK | (i >= 5 ? TH_PSH : 0), c.pnxt, 1460);
	tt_expect_none();
	c.hnxt = c.hiss + 1 + sizeof(data);
	tt_ok(utcp_abort(tt_h.ctx, c.sock));
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- window updates after a read (RFC 9293 §3.8.6.2.2) ------------------- */

static void setup_bigbuf(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.rcvbuf = 1 << 20;
	tt_up(&cfg);
}

/* No window scaling, a 1 MiB buffer: the window offered is 65535, the most
 * the field carries.  Reading 1000 bytes moves the right edge by 1000,
 * less than an MSS: no window update (receiver SWS avoidance); the
 * delayed ACK comes when its timer runs out. */
START_TEST(read_below_field_limit_sends_no_window_update)
{
	static char data[1000];
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_MSS | TT_OPT_SACK);
	tt_pin(&c, TH_ACK | TH_PSH, data, sizeof(data));
	tt_expect_none();
	char buf[sizeof(data)];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect_none();
	ck_assert(tt_timers_until_out());
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, 65535);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

static Suite *tcp_linux_suite(void)
{
	Suite *su = suite_create("tcp_linux");
	TCase *ta = tcase_create("abc_nolimit");
	tcase_add_checked_fixture(ta, setup_abc_nolimit, teardown);
	tcase_add_test(ta, abc_nolimit_stretch_ack_grows_by_all_acked);
	suite_add_tcase(su, ta);
	TCase *tr = tcase_create("rto_linux");
	tcase_add_checked_fixture(tr, setup_rto_linux, teardown);
	tcase_add_test(tr, rto_min_var_and_pto_cap);
	tcase_add_test(tr, rst_ack_on_close_with_unread_data);
	tcase_add_test(tr, rst_on_data_after_close_is_a_reply);
	suite_add_tcase(su, tr);
	TCase *tp = tcase_create("push_tso");
	tcase_add_checked_fixture(tp, setup_push_tso, teardown);
	tcase_add_test(tp, push_tso_packets);
	tcase_add_test(tp, push_forced_half_window);
	suite_add_tcase(su, tp);
	TCase *tm = tcase_create("min_tso_segs");
	tcase_add_checked_fixture(tm, setup_min_tso, teardown);
	tcase_add_test(tm, min_tso_segs_floor);
	suite_add_tcase(su, tm);
	TCase *tz = tcase_create("zero_window_probe");
	tcase_add_checked_fixture(tz, setup_zwp, teardown);
	tcase_add_test(tz, zero_window_probe_empty);
	suite_add_tcase(su, tz);
	TCase *tcw = tcase_create("cwnd_linux");
	tcase_add_checked_fixture(tcw, setup_cwnd_linux, teardown);
	tcase_add_test(tcw, cwnd_limited_and_cubic_md_cwnd);
	suite_add_tcase(su, tcw);
	TCase *tw = tcase_create("window_update");
	tcase_add_checked_fixture(tw, setup_bigbuf, teardown);
	tcase_add_test(tw, read_below_field_limit_sends_no_window_update);
	suite_add_tcase(su, tw);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_linux_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
