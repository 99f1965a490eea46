/*
 * tests/unit/test_tcp_timewait.c - TIME-WAIT as a compact record
 * (core/tcp/tcp_timewait.c), as traces: a closed socket's connection in
 * TIME-WAIT keeps a 64-byte record and no TCB, and answers as the TCB did
 * (RFC 9293 §3.10.7.4): a retransmitted FIN re-ACKed with the 2*MSL
 * restarted, RSTs (RFC 5961 §3.2), a newer SYN reopening the 4-tuple (RFC
 * 6191), PAWS (RFC 7323 §5.3), a D-SACK for old data (RFC 2883 §4), the
 * listing (utcp_ctx_conns); a segment after it expired draws a RST; a full
 * pool recycles the oldest record; a socket closed in TIME-WAIT hands over
 * the rest of its 2*MSL.  Each fixture ends with tt_down's leak check.
 */
#include <errno.h>
#include <string.h>
#include <utcp/conninfo.h>

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

static struct utcp_sock_usage usage(void)
{
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(tt_h.ctx, &u);
	return u;
}

/* n connections in TIME-WAIT, each a record: no TCB behind them. */
static void assert_records(uint32_t n)
{
	const struct utcp_tcp_ctx *t = tt_h.ctx->tcp;
	ck_assert_uint_eq(t->twr_pool.in_use, n);
	ck_assert_uint_eq(t->tcb_pool.in_use, 0);
	ck_assert_uint_eq(usage().timewait, n);
	ck_assert_uint_eq(usage().tcbs, n);
	char msg[256];
	ck_assert_msg(utcp_ctx_check_invariants(tt_h.ctx, msg, sizeof(msg)) == 0, "%s", msg);
}

/* Peer connects, the host closes first, the peer's FIN: TIME-WAIT on the
 * host; *fin_ack is the host's last ACK. */
static void to_time_wait(struct tt_conn *c, unsigned opts, struct tt_seg *fin_ack)
{
	struct tt_seg s;
	tt_passive(c, L, opts);
	tt_ok(utcp_close(tt_h.ctx, c->sock));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(c, &s, TH_FIN | TH_ACK, c->pnxt, 0);
	tt_pack(c);
	c->pts++;
	tt_pin(c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(c, fin_ack, TH_ACK, c->pnxt, 0);
}

START_TEST(time_wait_is_a_record)
{
	struct tt_conn c;
	struct tt_seg s;
	ck_assert_uint_eq(sizeof(struct tcp_tw), 64);
	to_time_wait(&c, TT_OPT_ALL, &s);
	assert_records(1);
	ck_assert_uint_eq(usage().rcvbufs + usage().sndbufs, 0);
	tt_expect_none();
}
END_TEST

/* A retransmitted FIN is acknowledged as the last ACK was (window, TSecr =
 * TS.Recent) and restarts 2*MSL; the record then expires, and a segment on
 * its 4-tuple draws the RST of a closed port (RFC 9293 §3.10.7.1). */
START_TEST(fin_reacked_and_2msl_restarts)
{
	struct tt_conn c;
	struct tt_seg last, s, f;
	to_time_wait(&c, TT_OPT_ALL, &last);
	tt_advance(30 * TT_SEC);
	tt_pseg(&c, &f, TH_FIN | TH_ACK, NULL, 0);
	f.seq = c.pnxt - 1;
	tt_opt_ts(&f, c.pts + 5, c.hts);
	tt_in(&f);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, last.win);
	ck_assert_uint_eq(s.o.tsecr, c.pts); /* the FIN's path leaves TS.Recent alone */
	ck_assert_uint_eq(s.o.tsval, last.o.tsval + 30000);
	tt_expect_none();
	assert_records(1);
	tt_advance(59 * TT_SEC);
	assert_records(1);
	tt_advance(1 * TT_SEC); /* 60 s after the FIN: gone */
	assert_records(0);
	tt_pseg(&c, &f, TH_ACK, NULL, 0);
	tt_in(&f);
	tt_expect(&s, TH_RST, c.hnxt, 0, 0);
}
END_TEST

/* RFC 5961 §3.2 as the TCB in TIME-WAIT: an RST outside the window is
 * dropped, one inside it but not at RCV.NXT draws a challenge ACK, one at
 * RCV.NXT ends TIME-WAIT (Linux with tcp_rfc1337 = 0). */
START_TEST(rst_in_time_wait)
{
	struct tt_conn c;
	struct tt_seg last, s, r;
	to_time_wait(&c, TT_OPT_MSS, &last);
	uint64_t unacc = st()->drop_tcp_unacceptable, chall = st()->tcp_challenge_acks;
	tt_pseg(&c, &r, TH_RST, NULL, 0);
	r.seq = c.pnxt - 1;
	tt_in(&r);
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_unacceptable, unacc + 1);
	assert_records(1);
	r.seq = c.pnxt + 1;
	tt_in(&r);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, last.win);
	ck_assert_uint_eq(st()->tcp_challenge_acks, chall + 1);
	assert_records(1);
	uint64_t rst = st()->tcp_rst_rx;
	r.seq = c.pnxt;
	tt_in(&r);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_rst_rx, rst + 1);
	assert_records(0);
}
END_TEST

/* RFC 6191 §2: a SYN with a newer timestamp reopens the 4-tuple; an older
 * one fails PAWS (RFC 7323 §5.3) and gets an ACK. */
START_TEST(syn_reuses_the_record)
{
	struct tt_conn c;
	struct tt_seg last, s, syn = { 0 };
	to_time_wait(&c, TT_OPT_ALL, &last);
	syn.sport = c.pport;
	syn.dport = c.hport;
	syn.seq = c.pnxt + 100000;
	syn.flags = TH_SYN;
	syn.win = 65535;
	tt_opt_ts(&syn, c.pts - 1, 0);
	uint64_t paws = st()->drop_tcp_paws;
	tt_in(&syn);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, last.win);
	ck_assert_uint_eq(st()->drop_tcp_paws, paws + 1);
	assert_records(1);
	syn.optlen = 0;
	tt_opt_mss(&syn, 1460);
	tt_opt_ts(&syn, c.pts + 1, 0);
	tt_in(&syn);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(s.ack, c.pnxt + 100001);
	ck_assert_uint_eq(s.seq, c.hnxt + 65535 + 2); /* beyond the old connection */
	ck_assert_uint_eq(st()->tcp_timewait_reused, 1);
	ck_assert_uint_eq(tt_h.ctx->tcp->twr_pool.in_use, 0);
	ck_assert_uint_eq(usage().timewait, 0);
	ck_assert_uint_eq(usage().tcbs, 1);
	struct tt_seg ack = { .sport = c.pport, .dport = c.hport, .seq = syn.seq + 1,
			      .ack = s.seq + 1, .flags = TH_ACK, .win = 65535 };
	tt_opt_ts(&ack, c.pts + 1, s.o.tsval);
	tt_in(&ack);
	int a = utcp_accept(tt_h.ctx, L, NULL, NULL);
	ck_assert_int_ge(a, 0);
	tt_ok(utcp_abort(tt_h.ctx, a));
}
END_TEST

/* Old data again: unacceptable, answered with an ACK that reports it in a
 * D-SACK block (RFC 2883 §4); TS.Recent moves with an acceptable ACK at
 * RCV.NXT (RFC 7323 §4.3), as in the TCB. */
START_TEST(old_data_gets_a_dsack)
{
	struct tt_conn c;
	struct tt_seg s, d;
	char b[8];
	tt_passive(&c, L, TT_OPT_ALL);
	tt_pin(&c, TH_ACK | TH_PSH, "abc", 3);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, sizeof(b)), 3);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_FIN | TH_ACK, c.pnxt, 0);
	tt_pack(&c);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	assert_records(1);
	uint64_t dsack = st()->tcp_dsack_tx;
	tt_pseg(&c, &d, TH_ACK | TH_PSH, "abc", 3);
	d.seq = c.pnxt - 4;
	tt_in(&d);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	ck_assert_uint_eq(s.o.nsack, 1);
	ck_assert_uint_eq(s.o.sack[0].start, c.pnxt - 4);
	ck_assert_uint_eq(s.o.sack[0].end, c.pnxt - 1);
	ck_assert_uint_eq(st()->tcp_dsack_tx, dsack + 1);
	tt_expect_none();
	c.pts += 7;
	tt_pin(&c, TH_ACK, NULL, 0); /* acceptable, nothing owed */
	tt_expect_none();
	tt_pseg(&c, &d, TH_ACK | TH_PSH, "abc", 3);
	d.seq = c.pnxt - 4;
	tt_in(&d);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	ck_assert_uint_eq(s.o.tsecr, c.pts); /* TS.Recent taken from the ACK */
	assert_records(1);
}
END_TEST

/* The pool holds max_concurrency records: the oldest gives way to a new
 * one (tcp_timewait_recycled); its 4-tuple is then closed. */
START_TEST(full_pool_recycles_the_oldest)
{
	struct utcp_config cfg;
	struct tt_conn c[5];
	struct tt_seg s, f;
	tt_ok(utcp_close(tt_h.ctx, L));
	tt_down();
	tt_config(&cfg);
	cfg.max_concurrency = 4;
	tt_up(&cfg);
	L = tt_listen(TT_HOST_PORT, 16);
	for (int i = 0; i < 4; i++)
		to_time_wait(&c[i], TT_OPT_MSS, &s);
	assert_records(4);
	ck_assert_uint_eq(st()->tcp_timewait_recycled, 0);
	to_time_wait(&c[4], TT_OPT_MSS, &s);
	assert_records(4);
	ck_assert_uint_eq(st()->tcp_timewait_recycled, 1);
	tt_pseg(&c[0], &f, TH_FIN | TH_ACK, NULL, 0); /* the oldest: gone */
	f.seq = c[0].pnxt - 1;
	tt_in(&f);
	tt_expect(&s, TH_RST, c[0].hnxt, 0, 0);
	tt_pseg(&c[1], &f, TH_FIN | TH_ACK, NULL, 0); /* the next: still there */
	f.seq = c[1].pnxt - 1;
	tt_in(&f);
	tt_expect(&s, TH_ACK, c[1].hnxt, c[1].pnxt, -1);
	tt_expect_none();
}
END_TEST

/* A socket still open in TIME-WAIT keeps its TCB (the socket API sees
 * TIME-WAIT, reads EOF); closing it hands the rest of the 2*MSL to a
 * record, which expires before a younger one. */
START_TEST(close_in_time_wait_hands_over)
{
	struct tt_conn c, y;
	struct tt_seg s;
	char b[4];
	tt_passive(&c, L, TT_OPT_MSS);
	tt_ok(utcp_shutdown(tt_h.ctx, c.sock, SHUT_WR));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_FIN | TH_ACK, c.pnxt, 0);
	tt_pack(&c);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(usage().timewait, 1);
	ck_assert_uint_eq(tt_h.ctx->tcp->twr_pool.in_use, 0);
	ck_assert_uint_eq(tt_h.ctx->tcp->tcb_pool.in_use, 1);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, sizeof(b)), 0);
	tt_advance(10 * TT_SEC);
	to_time_wait(&y, TT_OPT_MSS, &s); /* a record until 70 s */
	ck_assert_uint_eq(tt_h.ctx->tcp->twr_pool.in_use, 1);
	tt_advance(10 * TT_SEC);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	assert_records(2);
	tt_advance(39 * TT_SEC);
	assert_records(2);
	tt_advance(1 * TT_SEC); /* 60 s after TIME-WAIT began */
	assert_records(1);
	tt_pseg(&y, &s, TH_FIN | TH_ACK, NULL, 0); /* the younger one still answers */
	s.seq = y.pnxt - 1;
	tt_in(&s);
	tt_expect(&s, TH_ACK, y.hnxt, y.pnxt, -1);
	tt_advance(60 * TT_SEC);
	assert_records(0);
	tt_expect_none();
}
END_TEST

struct listing {
	int tw;
	uint16_t rport;
};

static void count_tw(void *arg, const struct utcp_conn_info *ci)
{
	struct listing *l = arg;
	if (strcmp(ci->state, "TIME-WAIT") == 0) {
		l->tw++;
		l->rport = ntohs(ci->rport);
	}
}

/* utcp-ss lists the record, and the record keeps its local port: an
 * active close leaves the ephemeral port bound until 2*MSL is over. */
START_TEST(record_is_listed_and_keeps_its_port)
{
	struct tt_conn c;
	struct tt_seg s;
	struct listing l = { 0 };
	tt_active(&c, TT_OPT_MSS);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_FIN | TH_ACK, c.pnxt, 0);
	tt_pack(&c);
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	assert_records(1);
	ck_assert_int_eq(utcp_ctx_conns(tt_h.ctx, count_tw, &l), 2); /* listener, record */
	ck_assert_int_eq(l.tw, 1);
	ck_assert_uint_eq(l.rport, c.pport);
	int fd = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = TN_HOST_IP,
				 .sin_port = htons(c.hport) };
	tt_err(utcp_bind(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	tt_advance(60 * TT_SEC);
	assert_records(0);
	tt_ok(utcp_bind(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)));
	tt_ok(utcp_close(tt_h.ctx, fd));
}
END_TEST

Suite *tcp_timewait_suite(void)
{
	Suite *su = suite_create("tcp_timewait");
	TCase *tc = tcase_create("timewait");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, time_wait_is_a_record);
	tcase_add_test(tc, fin_reacked_and_2msl_restarts);
	tcase_add_test(tc, rst_in_time_wait);
	tcase_add_test(tc, syn_reuses_the_record);
	tcase_add_test(tc, old_data_gets_a_dsack);
	tcase_add_test(tc, full_pool_recycles_the_oldest);
	tcase_add_test(tc, close_in_time_wait_hands_over);
	tcase_add_test(tc, record_is_listed_and_keeps_its_port);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_timewait_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
