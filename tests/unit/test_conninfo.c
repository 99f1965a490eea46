/*
 * tests/unit/test_conninfo.c - a context's connections as snapshots
 * (utcp_ctx_conns) and the sender-state trace (utcp_ctx_set_trace), what
 * utcp-ss and utcp-sim --trace read (<utcp/conninfo.h>).
 *
 * Each test plays the peer against host 10.0.0.1:80 (tcptest.h) and checks
 * the snapshot after each step: the listener, the handshake's connection,
 * queued and acknowledged data, a retransmission timeout; and the trace
 * lines the steps produce (one per ACK taken in, state change, RTO).
 */
#include <arpa/inet.h>
#include <string.h>
#include <utcp/conninfo.h>

#include "tests/unit/tcptest.h"

static int L;
static uint8_t pat[3000];

#define MAX_SEEN 64
struct seen {
	int n;
	struct utcp_conn_info ci[MAX_SEEN];
	enum utcp_trace_event ev[MAX_SEEN];
	char state[MAX_SEEN][16];
};

static void setup(void)
{
	tt_up(NULL);
	L = tt_listen(TT_HOST_PORT, 16);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7);
}

static void teardown(void)
{
	utcp_ctx_set_trace(tt_h.ctx, NULL, NULL);
	tt_ok(utcp_close(tt_h.ctx, L));
	tt_down();
}

static void collect(void *arg, const struct utcp_conn_info *ci)
{
	struct seen *s = arg;
	ck_assert_int_lt(s->n, MAX_SEEN);
	s->ci[s->n] = *ci;
	snprintf(s->state[s->n], sizeof(s->state[0]), "%s", ci->state);
	s->n++;
}

static void trace(void *arg, utcp_time_t now, enum utcp_trace_event ev,
		  const struct utcp_conn_info *ci)
{
	struct seen *s = arg;
	ck_assert_uint_eq(now, tt_now());
	s->ev[s->n] = ev;
	collect(arg, ci);
}

/* The snapshot of the one connection (the listener is first). */
static struct utcp_conn_info conn_now(void)
{
	static struct seen s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(utcp_ctx_conns(tt_h.ctx, collect, &s), 2);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.state[0], "LISTEN");
	return s.ci[1];
}

START_TEST(listener_and_connection)
{
	struct seen s = { 0 };
	struct tt_conn c;

	ck_assert_int_eq(utcp_ctx_conns(tt_h.ctx, collect, &s), 1);
	ck_assert_str_eq(s.state[0], "LISTEN");
	ck_assert_uint_eq(ntohs(s.ci[0].lport), TT_HOST_PORT);
	ck_assert_uint_eq(s.ci[0].raddr, 0);
	ck_assert_uint_eq(s.ci[0].send_q, 16); /* the backlog, as ss shows it */
	ck_assert_uint_eq(s.ci[0].recv_q, 0);

	tt_passive(&c, L, TT_OPT_ALL);
	struct utcp_conn_info ci = conn_now();
	ck_assert_str_eq(ci.state, "ESTABLISHED");
	ck_assert_uint_eq(ci.laddr, htonl(0x0a000001));
	ck_assert_uint_eq(ci.raddr, htonl(0x0a000002));
	ck_assert_uint_eq(ntohs(ci.lport), TT_HOST_PORT);
	ck_assert_uint_eq(ntohs(ci.rport), c.pport);
	ck_assert_uint_eq(ci.snd_una, c.hnxt);
	ck_assert_uint_eq(ci.rcv_nxt, c.pnxt);
	ck_assert_uint_gt(ci.cwnd, 0);
	ck_assert_uint_gt(ci.rto, 0);
	ck_assert_uint_eq(ci.flight, 0);
	ck_assert_uint_eq(ci.retrans, 0);

	/* 10 bytes received and not read, 1000 sent and not acknowledged:
	 * the two queues */
	tt_pin(&c, TH_ACK, "0123456789", 10);
	tn_tx_drain(tt_h.nic); /* a delayed or immediate ACK: not looked at */
	tt_ok(utcp_write(tt_h.ctx, c.sock, pat, 1000));
	utcp_ctx_poll(tt_h.ctx);
	struct tt_seg seg;
	tt_hout(&c, &seg, TH_ACK | TH_PSH, c.pnxt, 1000);
	ci = conn_now();
	ck_assert_uint_eq(ci.send_q, 1000);
	ck_assert_uint_eq(ci.flight, 1000);
	ck_assert_uint_eq(ci.recv_q, 10);
	ck_assert_uint_eq(ci.snd_max - ci.snd_una, 1000);

	char buf[16];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, buf, sizeof(buf)), 10);
	tt_pack(&c);
	ci = conn_now();
	ck_assert_uint_eq(ci.recv_q, 0);
	ck_assert_uint_eq(ci.send_q, 0);
	ck_assert_uint_eq(ci.flight, 0);
	ck_assert_uint_eq(ci.pipe, 0);
	tn_tx_drain(tt_h.nic);
	tt_finish(&c);
}
END_TEST

START_TEST(trace_lines)
{
	static struct seen s;
	struct tt_conn c;
	struct tt_seg seg;

	memset(&s, 0, sizeof(s));
	utcp_ctx_set_trace(tt_h.ctx, trace, &s);
	tt_passive(&c, L, TT_OPT_ALL);
	/* SYN-RECEIVED, then the handshake's ACK: ESTABLISHED and its ACK line */
	ck_assert_int_ge(s.n, 2);
	ck_assert_int_eq(s.ev[0], UTCP_TRACE_STATE);
	ck_assert_str_eq(s.state[0], "SYN-RECEIVED");
	int estab = -1;
	for (int i = 0; i < s.n; i++)
		if (s.ev[i] == UTCP_TRACE_STATE && strcmp(s.state[i], "ESTABLISHED") == 0)
			estab = i;
	ck_assert_int_ge(estab, 1);

	/* data out, its ACK in: one "ack" line with the flight gone */
	int n0 = s.n;
	tt_ok(utcp_write(tt_h.ctx, c.sock, pat, 1000));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &seg, TH_ACK | TH_PSH, c.pnxt, 1000);
	ck_assert_int_eq(s.n, n0); /* sending writes no line */
	tt_advance(10 * TT_MS);    /* the round trip the ACK measures */
	tt_pack(&c);
	ck_assert_int_eq(s.n, n0 + 1);
	ck_assert_int_eq(s.ev[n0], UTCP_TRACE_ACK);
	ck_assert_str_eq(s.state[n0], "ESTABLISHED");
	ck_assert_uint_eq(s.ci[n0].flight, 0);
	ck_assert_uint_eq(s.ci[n0].snd_una, c.hnxt);
	ck_assert_uint_gt(s.ci[n0].srtt, 0); /* 10 ms smoothed into the handshake's 0 */
	ck_assert_uint_le(s.ci[n0].srtt, 10 * TT_MS);

	/* data the peer never acknowledges: the RTO line, backed off, one resent */
	tt_ok(utcp_write(tt_h.ctx, c.sock, pat, 500));
	utcp_ctx_poll(tt_h.ctx);
	tn_tx_drain(tt_h.nic);
	n0 = s.n;
	while (s.n == n0 && tt_next_timer())
		tn_tx_drain(tt_h.nic); /* the tail loss probe, then the RTO */
	ck_assert_int_eq(s.n, n0 + 1);
	ck_assert_int_eq(s.ev[n0], UTCP_TRACE_RTO);
	ck_assert_uint_eq(s.ci[n0].backoff, 1);
	ck_assert_uint_ge(s.ci[n0].retrans, 1);
	ck_assert_int_eq(s.ci[n0].recovery, 1);
	ck_assert_str_eq(utcp_trace_event_name(s.ev[n0]), "rto");

	/* cleared: nothing more */
	utcp_ctx_set_trace(tt_h.ctx, NULL, NULL);
	n0 = s.n;
	c.hnxt += 500;
	tt_pack(&c);
	tn_tx_drain(tt_h.nic);
	tt_finish(&c);
	ck_assert_int_eq(s.n, n0);
}
END_TEST

static Suite *conninfo_suite(void)
{
	Suite *su = suite_create("conninfo");
	TCase *tc = tcase_create("conninfo");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, listener_and_connection);
	tcase_add_test(tc, trace_lines);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(conninfo_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
