/*
 * tests/unit/test_tcp_ecn.c - ECN (RFC 3168 §6.1) as traces: the
 * negotiation both ways (tcp_ecn = 0, 1, 2), ECT(0) on new data only, the
 * receiver's ECN-Echo from a CE mark until CWR, and the sender's one cwnd
 * reduction per window with CWR on the next new data segment.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "tests/unit/tcptest.h"

#define ECN(s) ((s)->tos & UTCP_IP_ECN_MASK)

static void setup_with(int ecn)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_ecn = ecn;
	tt_up(&cfg);
}

static void setup(void) /* the default, 2: accept only */
{
	struct utcp_config cfg;
	tt_config(&cfg);
	ck_assert_int_eq(cfg.tcp_ecn, 2);
	tt_up(&cfg);
}

static void setup_on(void)
{
	setup_with(1);
}

static void setup_off(void)
{
	setup_with(0);
}

static void teardown(void)
{
	tt_down();
}

static struct tcp_info info(const struct tt_conn *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	tt_ok(utcp_getsockopt(tt_h.ctx, c->sock, IPPROTO_TCP, TCP_INFO, &ti, &len));
	return ti;
}

/* The peer opens with SYN + syn_flags (MSS 1000, no other option); the
 * SYN-ACK must carry SYN|ACK + want and be Not-ECT (§6.1.1). */
static void ecn_passive(struct tt_conn *c, uint8_t syn_flags, uint8_t want)
{
	int l = tt_listen(TT_HOST_PORT, 8);
	struct tt_seg syn = { 0 };
	memset(c, 0, sizeof(*c));
	c->pport = TT_PEER_PORT;
	c->hport = TT_HOST_PORT;
	c->piss = 5000;
	c->pnxt = c->piss + 1;
	c->pwin = 65535;
	syn.sport = c->pport;
	syn.dport = c->hport;
	syn.seq = c->piss;
	syn.flags = TH_SYN | syn_flags;
	syn.win = 65535;
	tt_opt_mss(&syn, 1000);
	tt_in(&syn);
	ck_assert_msg(tt_out(&c->syn), "no SYN-ACK");
	ck_assert_uint_eq(c->syn.flags, TH_SYN | TH_ACK | want);
	ck_assert_uint_eq(ECN(&c->syn), UTCP_IP_ECN_NOT_ECT);
	c->hiss = c->syn.seq;
	c->hnxt = c->hiss + 1;
	tt_pin(c, TH_ACK, NULL, 0);
	c->sock = utcp_accept(tt_h.ctx, l, NULL, NULL);
	ck_assert_int_ge(c->sock, 0);
	tt_ok(utcp_setsock_nonblock(tt_h.ctx, c->sock));
	tt_ok(utcp_close(tt_h.ctx, l));
}

/* The host connects; its SYN must be want_syn; the peer answers with
 * SYN|ACK + sa_flags. */
static void ecn_active(struct tt_conn *c, uint8_t want_syn, uint8_t sa_flags)
{
	struct tt_seg sa = { 0 }, s;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = TN_PEER_IP };
	memset(c, 0, sizeof(*c));
	c->pport = TT_PEER_PORT;
	c->piss = 9000;
	c->pnxt = c->piss + 1;
	c->pwin = 65535;
	a.sin_port = htons(c->pport);
	c->sock = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(c->sock, 0);
	tt_err(utcp_connect(tt_h.ctx, c->sock, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert_msg(tt_out(&c->syn), "no SYN");
	ck_assert_uint_eq(c->syn.flags, want_syn);
	ck_assert_uint_eq(ECN(&c->syn), UTCP_IP_ECN_NOT_ECT);
	c->hport = c->syn.sport;
	c->hiss = c->syn.seq;
	c->hnxt = c->hiss + 1;
	sa.sport = c->pport;
	sa.dport = c->hport;
	sa.seq = c->piss;
	sa.ack = c->hnxt;
	sa.flags = TH_SYN | TH_ACK | sa_flags;
	sa.win = 65535;
	tt_opt_mss(&sa, 1000);
	tt_in(&sa);
	tt_expect(&s, TH_ACK, c->hnxt, c->pnxt, -1);
	ck_assert_uint_eq(ECN(&s), UTCP_IP_ECN_NOT_ECT); /* §6.1.4: pure ACKs */
}

/* The host writes n bytes and sends one segment of them: ECT(0)? */
static uint8_t one_segment_ecn(struct tt_conn *c, uint32_t n, uint8_t flags)
{
	static char data[1000];
	struct tt_seg s;
	ck_assert_int_eq(utcp_write(tt_h.ctx, c->sock, data, n), (ssize_t)n);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(c, &s, flags, c->pnxt, n);
	return ECN(&s);
}

/* tcp_ecn = 2: an ECN-setup SYN is answered with an ECN-setup SYN-ACK and
 * new data goes ECT(0); the host's own SYN asks for nothing. */
START_TEST(passive_accepts_ecn)
{
	struct tt_conn c, d;
	ecn_passive(&c, TH_ECE | TH_CWR, TH_ECE);
	ck_assert_uint_eq(one_segment_ecn(&c, 100, TH_ACK | TH_PSH), UTCP_IP_ECN_ECT0);
	tt_pack(&c);
	tt_finish(&c);
	ecn_active(&d, TH_SYN, TH_ECE); /* not asked for: not used */
	ck_assert_uint_eq(one_segment_ecn(&d, 100, TH_ACK | TH_PSH), UTCP_IP_ECN_NOT_ECT);
	tt_pack(&d);
	tt_finish(&d);
}
END_TEST

/* A SYN with ECE alone (or CWR alone) is no ECN-setup SYN (§6.1.1). */
START_TEST(passive_needs_both_flags)
{
	struct tt_conn c;
	ecn_passive(&c, TH_ECE, 0);
	ck_assert_uint_eq(one_segment_ecn(&c, 100, TH_ACK | TH_PSH), UTCP_IP_ECN_NOT_ECT);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

/* tcp_ecn = 0: neither asked nor agreed to. */
START_TEST(off_ignores_ecn_setup)
{
	struct tt_conn c;
	ecn_passive(&c, TH_ECE | TH_CWR, 0);
	ck_assert_uint_eq(one_segment_ecn(&c, 100, TH_ACK | TH_PSH), UTCP_IP_ECN_NOT_ECT);
	/* ECE from a peer that never agreed changes nothing. */
	tt_pin(&c, TH_ACK | TH_ECE, NULL, 0);
	ck_assert_uint_eq(info(&c).tcpi_snd_cwnd, 10);
	tt_finish(&c);
}
END_TEST

/* tcp_ecn = 1: the SYN is an ECN-setup SYN; an ECN-setup SYN-ACK (ECE
 * without CWR) turns ECN on. */
START_TEST(active_requests_ecn)
{
	struct tt_conn c;
	ecn_active(&c, TH_SYN | TH_ECE | TH_CWR, TH_ECE);
	ck_assert_uint_eq(one_segment_ecn(&c, 100, TH_ACK | TH_PSH), UTCP_IP_ECN_ECT0);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

/* A SYN-ACK with both ECE and CWR comes from a host that reflects flags:
 * no ECN (§6.1.1); nor without ECE. */
START_TEST(active_reflected_flags_no_ecn)
{
	struct tt_conn c, d;
	ecn_active(&c, TH_SYN | TH_ECE | TH_CWR, TH_ECE | TH_CWR);
	ck_assert_uint_eq(one_segment_ecn(&c, 100, TH_ACK | TH_PSH), UTCP_IP_ECN_NOT_ECT);
	tt_pack(&c);
	tt_finish(&c);
	ecn_active(&d, TH_SYN | TH_ECE | TH_CWR, 0);
	ck_assert_uint_eq(one_segment_ecn(&d, 100, TH_ACK | TH_PSH), UTCP_IP_ECN_NOT_ECT);
	tt_pack(&d);
	tt_finish(&d);
}
END_TEST

/* §6.1.1.1: a retransmitted SYN is a plain SYN (a middlebox may drop
 * ECN-setup SYNs), as Linux's tcp_ecn_fallback. */
START_TEST(active_syn_retransmission_plain)
{
	struct tt_seg s;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = TN_PEER_IP,
				 .sin_port = htons(TT_PEER_PORT) };
	int sock = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tt_err(utcp_connect(tt_h.ctx, sock, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ECE | TH_CWR);
	ck_assert(tt_timers_until_out());
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_SYN);
	tt_ok(utcp_close(tt_h.ctx, sock));
}
END_TEST

/* §6.1.3: a CE mark is echoed at once and on every ACK after it until a
 * segment with CWR arrives; CE on that segment starts the echo again. */
START_TEST(receiver_echoes_ce_until_cwr)
{
	static char d[1000];
	struct tt_conn c;
	struct tt_seg s;
	ecn_passive(&c, TH_ECE | TH_CWR, TH_ECE);
	tt_pseg(&c, &s, TH_ACK, d, 500);
	s.tos = UTCP_IP_ECN_CE;
	tt_in(&s);
	c.pnxt += 500;
	tt_expect(&s, TH_ACK | TH_ECE, c.hnxt, c.pnxt, -1); /* at once, not delayed */
	ck_assert_uint_eq(ECN(&s), UTCP_IP_ECN_NOT_ECT);
	ck_assert_uint_eq(utcp_ctx_stats(tt_h.ctx)->tcp_ecn_ce_rx, 1);
	/* Unmarked data: the echo goes on (the delayed ACK carries it). */
	tt_pin(&c, TH_ACK, d, 1000);
	tt_pin(&c, TH_ACK, d, 1000);
	tt_expect(&s, TH_ACK | TH_ECE, c.hnxt, c.pnxt, -1);
	/* Data the host sends carries it too, and is ECT(0). */
	ck_assert_uint_eq(one_segment_ecn(&c, 10, TH_ACK | TH_PSH | TH_ECE), UTCP_IP_ECN_ECT0);
	/* CWR ends it, ACKed at once (the sender's cwnd may be one segment). */
	tt_pin(&c, TH_ACK | TH_CWR, d, 1000);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	tt_pin(&c, TH_ACK, d, 1000);
	tt_expect_none(); /* delayed again */
	/* CWR on a segment marked CE: echoed again. */
	tt_pseg(&c, &s, TH_ACK | TH_CWR, d, 1000);
	s.tos = UTCP_IP_ECN_CE;
	tt_in(&s);
	c.pnxt += 1000;
	tt_expect(&s, TH_ACK | TH_ECE, c.hnxt, c.pnxt, -1);
	tt_expect_none();
	tt_pin(&c, TH_ACK | TH_CWR | TH_PSH, d, 10);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, d, sizeof(d)), (ssize_t)sizeof(d));
	while (utcp_read(tt_h.ctx, c.sock, d, sizeof(d)) > 0)
		;
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

/* §6.1.2: ECE halves cwnd (NewReno: ssthresh = FlightSize / 2, after the
 * ACK), once per window of data; the next new data segment carries CWR,
 * the ones after it not; nothing is resent. */
START_TEST(sender_reduces_once_per_window)
{
	static char data[20000];
	struct tt_conn c;
	struct tt_seg s;
	ecn_passive(&c, TH_ECE | TH_CWR, TH_ECE);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, 10000), 10000);
	utcp_ctx_poll(tt_h.ctx);
	for (int i = 0; i < 10; i++) {
		tt_hout(&c, &s, i == 9 ? TH_ACK | TH_PSH : TH_ACK, c.pnxt, 1000);
		ck_assert_uint_eq(ECN(&s), UTCP_IP_ECN_ECT0);
	}
	uint32_t high = c.hnxt;
	tt_pseg(&c, &s, TH_ACK | TH_ECE, NULL, 0);
	s.ack = c.hiss + 1 + 2000;
	tt_in(&s);
	struct tcp_info ti = info(&c);
	ck_assert_uint_eq(ti.tcpi_snd_ssthresh, 4);
	ck_assert_uint_eq(ti.tcpi_snd_cwnd, 4);
	tt_expect_none(); /* 8 segments out, cwnd 4: nothing sent, nothing resent */
	ck_assert_uint_eq(utcp_ctx_stats(tt_h.ctx)->tcp_ecn_reductions, 1);
	/* The peer keeps echoing (no CWR seen yet): not a second reduction. */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, 10000), 10000);
	tt_pseg(&c, &s, TH_ACK | TH_ECE, NULL, 0);
	s.ack = c.hiss + 1 + 6000;
	tt_in(&s);
	ck_assert_uint_eq(info(&c).tcpi_snd_ssthresh, 4);
	ck_assert_uint_eq(utcp_ctx_stats(tt_h.ctx)->tcp_ecn_reductions, 1);
	/* 4 in flight, cwnd 5 (congestion avoidance counted the 4000 bytes
	 * acknowledged, RFC 5681 §3.1): one new segment, with CWR, ECT(0). */
	ck_assert_uint_eq(info(&c).tcpi_snd_cwnd, 5);
	tt_hout(&c, &s, TH_ACK | TH_CWR, c.pnxt, 1000);
	ck_assert_uint_eq(ECN(&s), UTCP_IP_ECN_ECT0);
	tt_expect_none();
	tt_pseg(&c, &s, TH_ACK, NULL, 0);
	s.ack = c.hiss + 1 + 7000;
	tt_in(&s);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1000); /* no CWR any more */
	ck_assert_uint_eq(ECN(&s), UTCP_IP_ECN_ECT0);
	tt_expect_none();
	/* The ACK of exactly what was sent at the reduction is still in its
	 * window: the peer sent it before our CWR could reach it. */
	tt_pseg(&c, &s, TH_ACK | TH_ECE, NULL, 0);
	s.ack = high;
	tt_in(&s);
	ck_assert_uint_eq(utcp_ctx_stats(tt_h.ctx)->tcp_ecn_reductions, 1);
	ck_assert_uint_eq(info(&c).tcpi_snd_cwnd, 5); /* 2000 in flight: three more */
	for (int i = 0; i < 3; i++)
		tt_hout(&c, &s, TH_ACK, c.pnxt, 1000);
	tt_expect_none();
	/* A new window: an ECE past what was sent at the reduction reduces again. */
	tt_pseg(&c, &s, TH_ACK | TH_ECE, NULL, 0);
	s.ack = high + 1000;
	tt_in(&s);
	ck_assert_uint_eq(utcp_ctx_stats(tt_h.ctx)->tcp_ecn_reductions, 2);
	ck_assert_uint_eq(info(&c).tcpi_snd_ssthresh, 2); /* FlightSize 4000 */
	ck_assert_uint_eq(info(&c).tcpi_snd_cwnd, 2);
	tt_expect_none();
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK | TH_CWR, c.pnxt, 1000);
	tn_tx_drain(tt_h.nic);
	ck_assert_int_eq(utcp_close(tt_h.ctx, c.sock), 0);
}
END_TEST

/* §6.1.5: a retransmission is Not-ECT, and does not carry the CWR owed. */
START_TEST(retransmission_not_ect)
{
	static char data[3000];
	struct tt_conn c;
	struct tt_seg s;
	ecn_passive(&c, TH_ECE | TH_CWR, TH_ECE);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, 2000), 2000);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1000);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1000);
	ck_assert(tt_timers_until_out()); /* RTO: the first segment again */
	tt_expect(&s, TH_ACK, c.hiss + 1, c.pnxt, -1);
	ck_assert_uint_eq(s.len, 1000);
	ck_assert_uint_eq(ECN(&s), UTCP_IP_ECN_NOT_ECT);
	tt_pseg(&c, &s, TH_ACK, NULL, 0);
	s.ack = c.hnxt;
	tt_in(&s);
	tn_tx_drain(tt_h.nic);
	/* The timeout's reduction owes CWR: on the next new data. */
	ck_assert_uint_eq(one_segment_ecn(&c, 10, TH_ACK | TH_PSH | TH_CWR), UTCP_IP_ECN_ECT0);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

static Suite *tcp_ecn_suite(void)
{
	Suite *su = suite_create("tcp_ecn");
	TCase *tc = tcase_create("accept");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, passive_accepts_ecn);
	tcase_add_test(tc, passive_needs_both_flags);
	tcase_add_test(tc, receiver_echoes_ce_until_cwr);
	tcase_add_test(tc, sender_reduces_once_per_window);
	tcase_add_test(tc, retransmission_not_ect);
	suite_add_tcase(su, tc);
	TCase *on = tcase_create("on");
	tcase_add_checked_fixture(on, setup_on, teardown);
	tcase_add_test(on, active_requests_ecn);
	tcase_add_test(on, active_reflected_flags_no_ecn);
	tcase_add_test(on, active_syn_retransmission_plain);
	suite_add_tcase(su, on);
	TCase *off = tcase_create("off");
	tcase_add_checked_fixture(off, setup_off, teardown);
	tcase_add_test(off, off_ignores_ecn_setup);
	suite_add_tcase(su, off);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_ecn_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
