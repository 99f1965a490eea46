/*
 * tests/unit/test_tcp_persist.c - a zero window is not a way to pin a
 * connection forever (RFC 1122 §4.2.2.17, RFC 9293 §3.8.6.1).
 *
 * Probing a zero window goes on as long as the peer answers
 * (test_tcp_data.c: zero_window_probing).  A peer that stops answering, or
 * a socket the application has closed, must not keep its TCB and buffers
 * for ever.  fuzz_frame found the persist timer probing a silent peer
 * without end (tests/fuzz/corpus/frame/regress-persist-forever); these are
 * the unit tests for it.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static int L;
static uint8_t pat[1000];

static void setup(void)
{
	tt_up(NULL);
	L = tt_listen(TT_HOST_PORT, 16);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 13);
}

static void teardown(void)
{
	tt_ok(utcp_close(tt_h.ctx, L));
	tt_down();
}

static uint32_t tcbs(void)
{
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(tt_h.ctx, &u);
	return u.tcbs;
}

/* The peer closes its window after the handshake; the host has data. */
static void zero_window_with_data(struct tt_conn *c)
{
	tt_passive(c, L, TT_OPT_MSS);
	c->pwin = 0;
	tt_pack(c);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c->sock, pat, sizeof(pat)), (ssize_t)sizeof(pat));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect_none();
}

/* Run timers, dropping whatever the host sends, until the TCB is gone or
 * `limit` of virtual time has passed; returns the time it took. */
static utcp_time_t run_until_dropped(utcp_time_t limit)
{
	utcp_time_t t0 = tt_now();
	while (tcbs() > 0 && tt_now() - t0 <= limit && tt_next_timer())
		tn_tx_drain(tt_h.nic);
	return tt_now() - t0;
}

START_TEST(silent_peer_zero_window_times_out)
{
	struct tt_conn c;
	struct tt_seg s;
	int err = 0;
	socklen_t len = sizeof(err);
	zero_window_with_data(&c);
	/* The first probe goes out; then the peer is never heard again. */
	ck_assert(tt_next_timer());
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.len, 1);
	utcp_time_t t0 = tt_now();
	while (utcp_ctx_stats(tt_h.ctx)->tcp_timeouts == 0 && tt_now() - t0 < 3600 * TT_SEC &&
	       tt_next_timer())
		tn_tx_drain(tt_h.nic);
	/* Given up once the peer has been silent for TCP_ZWP_IDLE, at the
	 * next probe after it (probes are at most TCP_PERSIST_MAX apart). */
	ck_assert_uint_eq(utcp_ctx_stats(tt_h.ctx)->tcp_timeouts, 1);
	ck_assert_uint_le(tt_now() - t0, TCP_ZWP_IDLE + TCP_PERSIST_MAX);
	ck_assert_uint_ge(tt_now() - t0, TCP_ZWP_IDLE - 2 * TT_SEC);
	tt_ok(utcp_getsockopt(tt_h.ctx, c.sock, SOL_SOCKET, SO_ERROR, &err, &len));
	ck_assert_int_eq(err, ETIMEDOUT);
	tt_err(utcp_write(tt_h.ctx, c.sock, pat, 1), EPIPE);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	ck_assert_uint_eq(tcbs(), 0);
}
END_TEST

START_TEST(orphan_zero_window_silent_peer_released)
{
	struct tt_conn c;
	zero_window_with_data(&c);
	/* The application closes with 1000 bytes unsent; the peer is gone. */
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	utcp_ctx_poll(tt_h.ctx);
	utcp_time_t took = run_until_dropped(3600 * TT_SEC);
	ck_assert_uint_eq(tcbs(), 0);
	ck_assert_uint_le(took, TCP_ZWP_IDLE + TCP_PERSIST_MAX);
	ck_assert_uint_eq(utcp_ctx_stats(tt_h.ctx)->tcp_timeouts, 1);
}
END_TEST

START_TEST(orphan_zero_window_answering_peer_released)
{
	struct tt_conn c;
	struct tt_seg s;
	unsigned probes = 0;
	zero_window_with_data(&c);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	utcp_ctx_poll(tt_h.ctx);
	/* The peer answers every probe, window still 0: nobody will ever read
	 * what the closed socket still holds, so the TCB goes after a bounded
	 * number of probes (as Linux's tcp_orphan_retries). */
	while (tcbs() > 0 && probes < 100 && tt_next_timer()) {
		if (!tt_out(&s))
			continue;
		ck_assert_uint_eq(s.len, 1);
		ck_assert_uint_eq(s.seq, c.hnxt);
		probes++;
		tt_pack(&c);
		tn_tx_drain(tt_h.nic);
	}
	ck_assert_uint_eq(tcbs(), 0);
	ck_assert_uint_le(probes, TCP_DATA_RETRIES + 1);
	ck_assert_uint_ge(probes, 2);
	ck_assert_uint_eq(utcp_ctx_stats(tt_h.ctx)->tcp_timeouts, 1);
}
END_TEST

static Suite *tcp_persist_suite(void)
{
	Suite *su = suite_create("tcp_persist");
	TCase *tc = tcase_create("zero_window");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, silent_peer_zero_window_times_out);
	tcase_add_test(tc, orphan_zero_window_silent_peer_released);
	tcase_add_test(tc, orphan_zero_window_answering_peer_released);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_persist_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
