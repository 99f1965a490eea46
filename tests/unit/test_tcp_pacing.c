/*
 * tests/unit/test_tcp_pacing.c - pacing in the sender as traces:
 * tcp_pacing = 1 (Linux's rate, 200 % of cwnd / SRTT in slow start) and
 * SO_MAX_PACING_RATE (a cap, and pacing for one socket), on the virtual
 * clock: the first ten segments unpaced, then one packet per gap.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "tests/unit/tcptest.h"

static void setup(void) /* the default: tcp_pacing = 0 */
{
	tt_up(NULL);
}

static void setup_on(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_pacing = 1;
	tt_up(&cfg);
}

static void teardown(void)
{
	tt_down();
}

/* The peer connects (MSS 1000, no options) with a 100 ms round trip. */
static void passive_100ms(struct tt_conn *c)
{
	int l = tt_listen(TT_HOST_PORT, 8);
	struct tt_seg syn = { 0 };
	memset(c, 0, sizeof(*c));
	c->pport = TT_PEER_PORT;
	c->hport = TT_HOST_PORT;
	c->piss = 7000;
	c->pnxt = c->piss + 1;
	c->pwin = 65535;
	syn.sport = c->pport;
	syn.dport = c->hport;
	syn.seq = c->piss;
	syn.flags = TH_SYN;
	syn.win = 65535;
	tt_opt_mss(&syn, 1000);
	tt_in(&syn);
	ck_assert(tt_out(&c->syn));
	c->hiss = c->syn.seq;
	c->hnxt = c->hiss + 1;
	tt_advance(100 * TT_MS);
	tt_pin(c, TH_ACK, NULL, 0);
	c->sock = utcp_accept(tt_h.ctx, l, NULL, NULL);
	ck_assert_int_ge(c->sock, 0);
	tt_ok(utcp_setsock_nonblock(tt_h.ctx, c->sock));
	tt_ok(utcp_close(tt_h.ctx, l));
}

/* Full segments the host sends within `ms` milliseconds, in 1 ms steps. */
static unsigned sent_within(struct tt_conn *c, unsigned ms)
{
	struct tt_seg s;
	unsigned n = 0;
	for (unsigned i = 0; i <= ms; i++) {
		while (tt_out(&s)) {
			ck_assert_uint_eq(s.seq, c->hnxt);
			ck_assert_uint_eq(s.len, 1000);
			c->hnxt += s.len;
			n++;
		}
		if (i < ms)
			tt_advance(TT_MS);
	}
	return n;
}

/* Ten segments at once (IW10, unpaced), then the ACK of all of them. */
static void first_window(struct tt_conn *c, uint32_t bytes)
{
	static char data[30000];
	struct tt_seg s;
	ck_assert_int_eq(utcp_write(tt_h.ctx, c->sock, data, bytes), (ssize_t)bytes);
	utcp_ctx_poll(tt_h.ctx);
	for (int i = 0; i < 10; i++)
		tt_hout(c, &s, TH_ACK, c->pnxt, 1000);
	tt_expect_none();
	tt_advance(100 * TT_MS);
	tt_pack(c);
}

/* tcp_pacing = 1: cwnd 11 (one SMSS for the ACK, tcp_abc = 1), SRTT
 * 100 ms: 220000 bytes/s, a 1000-byte segment every 4.5 ms (the first
 * gap halved: it left late).  Unpaced, all ten would leave at once. */
START_TEST(paced_at_twice_cwnd_per_srtt)
{
	struct tt_conn c;
	struct tt_seg s;
	passive_100ms(&c);
	first_window(&c, 20000);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1000);
	tt_expect_none();
	unsigned n = sent_within(&c, 10);
	ck_assert_msg(n >= 2 && n <= 3, "%u segments in 10 ms, want 2 or 3", n);
	n += sent_within(&c, 40);
	ck_assert_uint_eq(n, 9); /* the rest of the write, cwnd allowing */
	tn_tx_drain(tt_h.nic);
	ck_assert_int_eq(utcp_close(tt_h.ctx, c.sock), 0);
}
END_TEST

/* SO_MAX_PACING_RATE: an unsigned int or long, ~0 (the default) no limit;
 * a finite rate paces the socket even with tcp_pacing = 0. */
START_TEST(max_pacing_rate_caps)
{
	struct tt_conn c;
	struct tt_seg s;
	unsigned v = 0;
	uint64_t lv = 0;
	socklen_t len = sizeof(v);
	passive_100ms(&c);
	tt_ok(utcp_getsockopt(tt_h.ctx, c.sock, SOL_SOCKET, SO_MAX_PACING_RATE, &v, &len));
	ck_assert_uint_eq(v, ~0u);
	len = sizeof(lv);
	tt_ok(utcp_getsockopt(tt_h.ctx, c.sock, SOL_SOCKET, SO_MAX_PACING_RATE, &lv, &len));
	ck_assert_uint_eq(len, sizeof(lv));
	ck_assert(lv == UINT64_MAX);
	v = 1;
	tt_err(utcp_setsockopt(tt_h.ctx, c.sock, SOL_SOCKET, SO_MAX_PACING_RATE, &v, 2), EINVAL);
	lv = 100000; /* 1000 bytes every 10 ms */
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, SOL_SOCKET, SO_MAX_PACING_RATE, &lv, sizeof(lv)));
	len = sizeof(v);
	tt_ok(utcp_getsockopt(tt_h.ctx, c.sock, SOL_SOCKET, SO_MAX_PACING_RATE, &v, &len));
	ck_assert_uint_eq(v, 100000);
	first_window(&c, 13000);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1000); /* late: the next gap halved */
	tt_expect_none();
	tt_advance(4 * TT_MS);
	tt_expect_none();
	tt_advance(2 * TT_MS);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1000); /* at 5 ms (+ the timer's tick) */
	tt_advance(8 * TT_MS);
	tt_expect_none();
	tt_advance(2 * TT_MS); /* 10 ms after the last one was due */
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1000);
	tt_pack(&c);
	tt_advance(11 * TT_MS); /* a FIN is paced too */
	tt_finish(&c);
}
END_TEST

static Suite *tcp_pacing_suite(void)
{
	Suite *su = suite_create("tcp_pacing");
	TCase *on = tcase_create("on");
	tcase_add_checked_fixture(on, setup_on, teardown);
	tcase_add_test(on, paced_at_twice_cwnd_per_srtt);
	suite_add_tcase(su, on);
	TCase *off = tcase_create("sockopt");
	tcase_add_checked_fixture(off, setup, teardown);
	tcase_add_test(off, max_pacing_rate_caps);
	suite_add_tcase(su, off);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_pacing_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
