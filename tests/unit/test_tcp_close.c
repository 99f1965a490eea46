/*
 * tests/unit/test_tcp_close.c - closing (RFC 9293 §3.6) and the timers of
 * an established connection, as traces: active, passive and simultaneous
 * close, half-close, TIME-WAIT (its length, 0, its reuse by a newer SYN),
 * a RST in every synchronized state, RST on close with unread data or on
 * data after close, abort and SO_LINGER, FIN retransmission, keepalive,
 * the idle timeout, orphaned FIN-WAIT-2.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static int L = -1;

static void setup(void)
{
	tt_up(NULL);
	L = tt_listen(TT_HOST_PORT, 16);
}

static void teardown(void)
{
	if (L >= 0)
		tt_ok(utcp_close(tt_h.ctx, L));
	L = -1;
	tt_down();
}

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(tt_h.ctx);
}

static void poll1(void)
{
	utcp_ctx_poll(tt_h.ctx);
}

static struct utcp_sock_usage usage(void)
{
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(tt_h.ctx, &u);
	return u;
}

static int so_error(int sock)
{
	int e = -1;
	socklen_t el = sizeof(e);
	tt_ok(utcp_getsockopt(tt_h.ctx, sock, SOL_SOCKET, SO_ERROR, &e, &el));
	return e;
}

/* close() and the host's FIN: FIN-WAIT-1 */
static void host_close(struct tt_conn *c)
{
	struct tt_seg s;
	tt_ok(utcp_close(tt_h.ctx, c->sock));
	poll1();
	tt_hout(c, &s, TH_FIN | TH_ACK, c->pnxt, 0);
}

/* ---- active close ------------------------------------------------------------------ */

START_TEST(active_close_to_time_wait)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	host_close(&c);           /* FIN-WAIT-1 */
	tt_pack(&c);              /* FIN-WAIT-2 */
	tt_expect_none();
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0); /* TIME-WAIT */
	ck_assert_uint_eq(usage().timewait, 1);
	/* A retransmitted FIN is acknowledged and restarts 2*MSL. */
	tt_advance(30 * TT_SEC);
	c.pnxt--;
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	tt_advance(59 * TT_SEC);
	ck_assert_uint_eq(usage().timewait, 1);
	tt_advance(1 * TT_SEC);   /* 60 s after the last FIN: CLOSED */
	ck_assert_uint_eq(usage().timewait, 0);
	ck_assert_uint_eq(usage().tcbs, 0);
	tt_expect_none();
}
END_TEST

START_TEST(fin_and_ack_together)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	host_close(&c);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0); /* acks our FIN and brings its own */
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(usage().timewait, 1);
}
END_TEST

START_TEST(time_wait_zero)
{
	struct utcp_config cfg;
	struct tt_conn c;
	struct tt_seg s;
	tt_ok(utcp_close(tt_h.ctx, L));
	tt_down();
	tt_config(&cfg);
	cfg.tcp_timewait = 0; /* as mTCP: no TIME-WAIT at all */
	tt_up(&cfg);
	L = tt_listen(TT_HOST_PORT, 16);
	tt_passive(&c, L, TT_OPT_MSS);
	host_close(&c);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0); /* the last ACK still goes out */
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

START_TEST(fin_retransmitted)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	host_close(&c);
	ck_assert(tt_next_timer());
	tt_expect(&s, TH_FIN | TH_ACK, c.hnxt - 1, c.pnxt, -1);
	utcp_time_t t = tt_now();
	ck_assert(tt_next_timer());
	ck_assert_uint_eq(tt_now() - t, 2 * TT_SEC);
	tt_expect(&s, TH_FIN | TH_ACK, c.hnxt - 1, c.pnxt, -1);
	tt_pack(&c);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
}
END_TEST

START_TEST(orphan_fin_wait_2_times_out)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_MSS);
	host_close(&c);
	tt_pack(&c); /* FIN-WAIT-2, and the peer never closes */
	tt_advance(59 * TT_SEC);
	ck_assert_uint_eq(usage().tcbs, 1);
	tt_advance(1 * TT_SEC);
	ck_assert_uint_eq(usage().tcbs, 0);
	tt_expect_none();
}
END_TEST

/* ---- passive close ---------------------------------------------------------------------- */

START_TEST(passive_close)
{
	struct tt_conn c;
	struct tt_seg s;
	char b[8];
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pin(&c, TH_FIN | TH_ACK | TH_PSH, "bye", 3);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0); /* a FIN is acknowledged at once */
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, sizeof(b)), 3);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, sizeof(b)), 0); /* CLOSE-WAIT: EOF */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "late", 4), 4);   /* still may send */
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 4);
	tt_pack(&c);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	poll1();
	tt_hout(&c, &s, TH_FIN | TH_ACK, c.pnxt, 0); /* LAST-ACK */
	tt_pack(&c);
	ck_assert_uint_eq(usage().tcbs, 0); /* CLOSED, no TIME-WAIT on this side */
	tt_expect_none();
}
END_TEST

START_TEST(simultaneous_close)
{
	struct tt_conn c;
	struct tt_seg s, f;
	tt_passive(&c, L, TT_OPT_MSS);
	host_close(&c);
	/* The peer's FIN crosses ours: it does not ack our FIN. */
	tt_pseg(&c, &f, TH_FIN | TH_ACK, NULL, 0);
	f.ack = c.hnxt - 1;
	tt_in(&f);
	c.pnxt++;
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0); /* CLOSING */
	tt_expect_none();
	tt_pack(&c);                        /* our FIN acked: TIME-WAIT */
	ck_assert_uint_eq(usage().timewait, 1);
	tt_expect_none();
}
END_TEST

START_TEST(half_close_keeps_receiving)
{
	struct tt_conn c;
	struct tt_seg s;
	char b[16];
	tt_passive(&c, L, TT_OPT_MSS);
	tt_ok(utcp_shutdown(tt_h.ctx, c.sock, SHUT_WR));
	poll1();
	tt_hout(&c, &s, TH_FIN | TH_ACK, c.pnxt, 0);
	tt_err(utcp_write(tt_h.ctx, c.sock, "x", 1), EPIPE);
	tt_pack(&c);
	tt_pin(&c, TH_ACK | TH_PSH, "more data", 9);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, sizeof(b)), 9);
	ck_assert_mem_eq(b, "more data", 9);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, sizeof(b)), 0);
	ck_assert_uint_eq(usage().timewait, 1);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
}
END_TEST

/* ---- TIME-WAIT reuse (RFC 6191, RFC 1122 §4.2.2.13) --------------------------------------- */

static void to_time_wait(struct tt_conn *c, unsigned opts)
{
	struct tt_seg s;
	tt_passive(c, L, opts);
	host_close(c);
	tt_pin(c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(c, &s, TH_ACK, c->pnxt, 0);
	ck_assert_uint_eq(usage().timewait, 1);
}

START_TEST(time_wait_reused_by_newer_timestamp)
{
	struct tt_conn c;
	struct tt_seg syn = { 0 }, s;
	to_time_wait(&c, TT_OPT_ALL);
	syn.sport = c.pport;
	syn.dport = c.hport;
	syn.seq = c.piss + 7; /* older sequence number, but a newer timestamp */
	syn.flags = TH_SYN;
	syn.win = 65535;
	tt_opt_mss(&syn, 1460);
	tt_opt_ts(&syn, c.pts + 1, 0);
	tt_in(&syn);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(s.ack, c.piss + 8);
	ck_assert(SEQ_GT(s.seq, c.hnxt)); /* the new ISS is beyond the old connection */
	ck_assert_uint_eq(st()->tcp_timewait_reused, 1);
	ck_assert_uint_eq(usage().timewait, 0);
	struct tt_seg ack = { .sport = c.pport, .dport = c.hport, .seq = c.piss + 8,
			      .ack = s.seq + 1, .flags = TH_ACK, .win = 65535 };
	tt_opt_ts(&ack, c.pts + 1, s.o.tsval);
	tt_in(&ack);
	int a = utcp_accept(tt_h.ctx, L, NULL, NULL);
	ck_assert_int_ge(a, 0);
	tt_ok(utcp_abort(tt_h.ctx, a));
}
END_TEST

START_TEST(time_wait_refuses_older_timestamp)
{
	struct tt_conn c;
	struct tt_seg syn = { 0 }, s;
	to_time_wait(&c, TT_OPT_ALL);
	syn.sport = c.pport;
	syn.dport = c.hport;
	syn.seq = c.pnxt + 100000;
	syn.flags = TH_SYN;
	syn.win = 65535;
	tt_opt_ts(&syn, c.pts - 1, 0); /* older: an old duplicate perhaps */
	tt_in(&syn);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1); /* plain ACK, no new connection */
	ck_assert_uint_eq(st()->tcp_timewait_reused, 0);
	ck_assert_uint_eq(usage().timewait, 1);
}
END_TEST

/* RFC 6191 §2: the same TSval (the same clock tick) and a greater sequence
 * number is a new incarnation too; the same TSval and an older one is not. */
START_TEST(time_wait_equal_timestamp_decided_by_sequence)
{
	struct tt_conn c;
	struct tt_seg syn = { 0 }, s;
	to_time_wait(&c, TT_OPT_ALL);
	syn.sport = c.pport;
	syn.dport = c.hport;
	syn.seq = c.pnxt - 10;
	syn.flags = TH_SYN;
	syn.win = 65535;
	tt_opt_ts(&syn, c.pts, 0);
	tt_in(&syn);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1); /* not newer: no new connection */
	ck_assert_uint_eq(st()->tcp_timewait_reused, 0);
	syn.seq = c.pnxt + 10;
	tt_in(&syn);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(s.ack, c.pnxt + 11);
	ck_assert_uint_eq(st()->tcp_timewait_reused, 1);
	ck_assert_uint_eq(usage().timewait, 0);
}
END_TEST

START_TEST(time_wait_reused_by_higher_sequence)
{
	struct tt_conn c;
	struct tt_seg syn = { 0 }, s;
	to_time_wait(&c, TT_OPT_MSS);
	syn.sport = c.pport;
	syn.dport = c.hport;
	syn.seq = c.pnxt + 5;
	syn.flags = TH_SYN;
	syn.win = 65535;
	tt_in(&syn);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(s.ack, c.pnxt + 6);
	ck_assert_uint_eq(st()->tcp_timewait_reused, 1);
	/* A lower sequence number would not have done. */
}
END_TEST

/* ---- RST in every synchronized state (RFC 9293 §3.10.7.4, RFC 5961 §3.2) ----------------- */

static void peer_rst(struct tt_conn *c, int32_t off)
{
	struct tt_seg r;
	tt_pseg(c, &r, TH_RST, NULL, 0);
	r.seq = c->pnxt + (uint32_t)off;
	r.optlen = 0;
	tt_in(&r);
}

START_TEST(rst_in_established)
{
	struct tt_conn c;
	struct tt_seg s;
	char b[4];
	tt_passive(&c, L, TT_OPT_ALL);
	peer_rst(&c, 100); /* in the window, not at RCV.NXT: challenge ACK */
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	peer_rst(&c, 1000000); /* outside: silently ignored */
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_rst, 1);
	peer_rst(&c, 0); /* exactly RCV.NXT: reset */
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_estab_resets, 1);
	tt_err(utcp_read(tt_h.ctx, c.sock, b, 4), ECONNRESET);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, 4), 0);
	tt_err(utcp_write(tt_h.ctx, c.sock, b, 4), EPIPE);
	ck_assert_uint_eq(usage().tcbs, 1); /* kept for the socket */
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

START_TEST(rst_in_fin_wait_1)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_MSS);
	host_close(&c);
	peer_rst(&c, 0);
	tt_expect_none();
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

START_TEST(rst_in_fin_wait_2)
{
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_MSS);
	host_close(&c);
	tt_pack(&c);
	peer_rst(&c, 0);
	tt_expect_none();
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

START_TEST(rst_in_close_wait)
{
	struct tt_conn c;
	struct tt_seg s;
	char b[4];
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	peer_rst(&c, 0);
	tt_err(utcp_write(tt_h.ctx, c.sock, b, 4), EPIPE); /* as Linux */
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, 4), 0);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
}
END_TEST

START_TEST(rst_in_closing)
{
	struct tt_conn c;
	struct tt_seg s, f;
	tt_passive(&c, L, TT_OPT_MSS);
	host_close(&c);
	tt_pseg(&c, &f, TH_FIN | TH_ACK, NULL, 0);
	f.ack = c.hnxt - 1;
	tt_in(&f);
	c.pnxt++;
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	peer_rst(&c, 0);
	tt_expect_none();
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

START_TEST(rst_in_last_ack)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	poll1();
	tt_hout(&c, &s, TH_FIN | TH_ACK, c.pnxt, 0);
	peer_rst(&c, 0);
	tt_expect_none();
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

START_TEST(rst_in_time_wait)
{
	struct tt_conn c;
	to_time_wait(&c, TT_OPT_MSS);
	peer_rst(&c, 0);
	tt_expect_none();
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

/* ---- RST from us ----------------------------------------------------------------------------- */

START_TEST(close_with_unread_data_resets)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pin(&c, TH_ACK | TH_PSH, "unread", 6);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	poll1();
	tt_expect(&s, TH_RST, c.hnxt, 0, 0); /* RFC 1122 §4.2.2.13 */
	tt_expect_none();
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

START_TEST(data_after_close_resets)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	host_close(&c);
	tt_pin(&c, TH_ACK | TH_PSH, "late", 4); /* nobody will read it */
	tt_expect(&s, TH_RST, c.hnxt, 0, 0);
	ck_assert_uint_eq(st()->drop_tcp_rcv_closed, 1);
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

START_TEST(abort_and_linger_zero_reset)
{
	struct tt_conn c, d;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_ok(utcp_abort(tt_h.ctx, c.sock));
	poll1();
	tt_expect(&s, TH_RST, c.hnxt, 0, 0);
	tt_passive(&d, L, TT_OPT_MSS);
	struct linger lg = { 1, 0 };
	tt_ok(utcp_setsockopt(tt_h.ctx, d.sock, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	tt_ok(utcp_close(tt_h.ctx, d.sock));
	poll1();
	tt_expect(&s, TH_RST, d.hnxt, 0, 0);
	ck_assert_uint_eq(usage().tcbs, 0);
}
END_TEST

START_TEST(linger_waits_for_the_fin_ack)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "abc", 3), 3);
	struct linger lg = { 1, 5 };
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	/* Nobody answers: close blocks (driving the stack, the FIN is
	 * retransmitted) for the linger time, then returns. */
	utcp_time_t t = tt_now();
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	ck_assert_uint_ge(tt_now() - t, 5 * TT_SEC);
	tt_hout(&c, &s, TH_ACK | TH_PSH | TH_FIN, c.pnxt, 3);
	while (tt_out(&s))
		ck_assert(s.flags & TH_FIN);
	tt_pack(&c);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
}
END_TEST

/* ---- keepalive (RFC 1122 §4.2.3.6) and the idle timeout -------------------------------------- */

START_TEST(keepalive_probes_then_gives_up)
{
	struct tt_conn c;
	struct tt_seg s;
	char b[4];
	tt_passive(&c, L, TT_OPT_MSS);
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, SOL_SOCKET, SO_KEEPALIVE, &(int){ 1 }, sizeof(int)));
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_KEEPIDLE, &(int){ 10 }, sizeof(int)));
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_KEEPINTVL, &(int){ 5 }, sizeof(int)));
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_KEEPCNT, &(int){ 3 }, sizeof(int)));
	utcp_time_t t0 = tt_now();
	/* First probe after 10 s idle: <SEQ=SND.UNA-1>, no data. */
	static const unsigned at[] = { 10, 20, 25, 30 };
	for (unsigned i = 0; i < 4; i++) {
		ck_assert(tt_timers_until_out());
		ck_assert_uint_eq(tt_now() - t0, at[i] * TT_SEC);
		tt_expect(&s, TH_ACK, c.hnxt - 1, c.pnxt, -1);
		ck_assert_uint_eq(s.len, 0);
		if (i == 0)
			tt_pack(&c); /* answered: the peer is alive, idle starts again */
	}
	/* Three probes unanswered (at 20, 25, 30 s): RST and ETIMEDOUT at 35 s. */
	ck_assert(tt_timers_until_out());
	ck_assert_uint_eq(tt_now() - t0, 35 * TT_SEC);
	tt_expect(&s, TH_RST, c.hnxt, 0, 0);
	ck_assert_uint_eq(st()->tcp_keepalive_probes, 4);
	ck_assert_uint_eq(st()->tcp_keepalive_drops, 1);
	tt_err(utcp_read(tt_h.ctx, c.sock, b, 4), ETIMEDOUT);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
}
END_TEST

START_TEST(idle_timeout)
{
	struct utcp_config cfg;
	struct tt_conn c;
	struct tt_seg s;
	tt_ok(utcp_close(tt_h.ctx, L));
	tt_down();
	tt_config(&cfg);
	cfg.tcp_timeout = 30;
	tt_up(&cfg);
	L = tt_listen(TT_HOST_PORT, 16);
	tt_passive(&c, L, TT_OPT_MSS);
	tt_advance(20 * TT_SEC);
	tt_pin(&c, TH_ACK | TH_PSH, "x", 1); /* activity restarts the clock */
	tt_advance(40 * TT_MS);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	utcp_time_t t = tt_now();
	ck_assert(tt_timers_until_out());
	ck_assert_uint_eq(tt_now() - t, 30 * TT_SEC - 40 * TT_MS);
	tt_expect(&s, TH_RST, c.hnxt, 0, 0);
	ck_assert_uint_eq(st()->tcp_idle_timeouts, 1);
	ck_assert_int_eq(so_error(c.sock), ETIMEDOUT);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
}
END_TEST

Suite *tcp_close_suite(void)
{
	Suite *su = suite_create("tcp_close");
	TCase *tc = tcase_create("close");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, active_close_to_time_wait);
	tcase_add_test(tc, fin_and_ack_together);
	tcase_add_test(tc, time_wait_zero);
	tcase_add_test(tc, fin_retransmitted);
	tcase_add_test(tc, orphan_fin_wait_2_times_out);
	tcase_add_test(tc, passive_close);
	tcase_add_test(tc, simultaneous_close);
	tcase_add_test(tc, half_close_keeps_receiving);
	tcase_add_test(tc, time_wait_reused_by_newer_timestamp);
	tcase_add_test(tc, time_wait_refuses_older_timestamp);
	tcase_add_test(tc, time_wait_reused_by_higher_sequence);
	tcase_add_test(tc, time_wait_equal_timestamp_decided_by_sequence);
	tcase_add_test(tc, rst_in_established);
	tcase_add_test(tc, rst_in_fin_wait_1);
	tcase_add_test(tc, rst_in_fin_wait_2);
	tcase_add_test(tc, rst_in_close_wait);
	tcase_add_test(tc, rst_in_closing);
	tcase_add_test(tc, rst_in_last_ack);
	tcase_add_test(tc, rst_in_time_wait);
	tcase_add_test(tc, close_with_unread_data_resets);
	tcase_add_test(tc, data_after_close_resets);
	tcase_add_test(tc, abort_and_linger_zero_reset);
	tcase_add_test(tc, linger_waits_for_the_fin_ack);
	tcase_add_test(tc, keepalive_probes_then_gives_up);
	tcase_add_test(tc, idle_timeout);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_close_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
