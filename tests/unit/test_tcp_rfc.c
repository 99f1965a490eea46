/*
 * tests/unit/test_tcp_rfc.c - RFC points outside test suites (packetdrill,
 * FreeBSD's tcp-testsuite) check, as traces: TS.Recent only from an
 * acceptable ACK, ICMP errors (RFC 1122 §4.2.3.9, RFC 1191, RFC 5927),
 * challenge ACKs in SYN-RECEIVED, data on a SYN in simultaneous open, TSopt
 * on RSTs, the window's right edge for RSTs, RACK per whole segment, RSTs
 * from bound but not listening ports, the clock at socket calls after idle.
 */
#include <errno.h>
#include <linux/sockios.h>
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

/* ---- 2. ICMP errors (RFC 1122 §4.2.3.9, RFC 1191, RFC 5927) ------------------- */

static int connect_to_peer(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = TN_PEER_IP };
	int so = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tt_err(utcp_connect(tt_h.ctx, so, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	return so;
}

static int so_error(int so)
{
	int e = -1;
	socklen_t el = sizeof(e);
	tt_ok(utcp_getsockopt(tt_h.ctx, so, SOL_SOCKET, SO_ERROR, &e, &el));
	return e;
}

/* A hard error in SYN-SENT aborts the open at once: code 3 (port
 * unreachable) ECONNREFUSED, code 13 (administratively prohibited)
 * EHOSTUNREACH, code 2 (protocol unreachable) ENOPROTOOPT. */
START_TEST(icmp_hard_error_aborts_syn_sent)
{
	static const struct {
		uint8_t code;
		int err;
	} cases[] = { { 3, ECONNREFUSED }, { 13, EHOSTUNREACH }, { 2, ENOPROTOOPT } };
	struct tt_seg syn;
	int so = connect_to_peer(7);
	tt_out(&syn);
	tt_icmp_in(3, cases[_i].code, 0, &syn);
	ck_assert_uint_eq(st()->icmp_err_rx, 1);
	ck_assert_uint_eq(st()->tcp_icmp_aborts, 1);
	ck_assert_int_eq(so_error(so), cases[_i].err);
	ck_assert(!tt_next_timer() || tt_pending() == 0); /* no SYN goes again */
	tt_expect_none();
	tt_ok(utcp_close(tt_h.ctx, so));
}
END_TEST

/* RFC 5927 §4.1: an error quoting a sequence number outside
 * SND.UNA..SND.NXT, or a connection that does not exist, is ignored. */
START_TEST(icmp_error_outside_the_window_ignored)
{
	struct tt_seg syn, s;
	int so = connect_to_peer(7);
	tt_out(&syn);
	struct tt_seg q = syn;
	q.seq = syn.seq + 1000;
	tt_icmp_in(3, 3, 0, &q);
	q = syn;
	q.dport = 8; /* no such connection */
	tt_icmp_in(3, 3, 0, &q);
	ck_assert_uint_eq(st()->drop_tcp_icmp, 2);
	ck_assert_uint_eq(st()->tcp_icmp_aborts, 0);
	tt_err(utcp_connect(tt_h.ctx, so, &(struct sockaddr){ .sa_family = AF_INET }, 16), EALREADY);
	ck_assert(tt_timers_until_out());
	tt_expect(&s, TH_SYN, syn.seq, 0, -1); /* still trying */
	tt_ok(utcp_close(tt_h.ctx, so));
}
END_TEST

/* A soft error (host unreachable) does not abort; if the open then times
 * out, connect() reports it instead of ETIMEDOUT (RFC 1122 §4.2.3.9). */
START_TEST(icmp_soft_error_reported_at_timeout)
{
	struct tt_seg syn;
	int so = connect_to_peer(7);
	tt_out(&syn);
	tt_icmp_in(3, 1, 0, &syn);
	ck_assert_uint_eq(st()->tcp_icmp_aborts, 0);
	tt_err(utcp_connect(tt_h.ctx, so, &(struct sockaddr){ .sa_family = AF_INET }, 16), EALREADY);
	while (tt_next_timer())
		tn_tx_drain(tt_h.nic);
	ck_assert_uint_eq(st()->tcp_timeouts, 1);
	ck_assert_int_eq(so_error(so), EHOSTUNREACH);
	tt_ok(utcp_close(tt_h.ctx, so));
}
END_TEST

/* The host resends [una, una + len) in segments of mss octets. */
static void expect_resent(uint32_t una, uint32_t ack, uint32_t len, uint32_t mss)
{
	struct tt_seg r;
	for (uint32_t off = 0; off < len; off += mss) {
		uint32_t n = len - off < mss ? len - off : mss;
		ck_assert(tt_out(&r));
		ck_assert_uint_eq(r.seq, una + off);
		ck_assert_uint_eq(r.ack, ack);
		ck_assert_uint_eq(r.len, n);
	}
	tt_expect_none();
}

/* RFC 1191: "fragmentation needed" with a next-hop MTU of 1000 lowers the
 * MSS to 960 and the refused segment goes again at that size; without SACK
 * the rest follows it (go back N, as Linux resends every
 * segment too big for the new MSS).  A router's MTU below 552 is raised to
 * 552 (RFC 5927 §7.2). */
START_TEST(icmp_frag_needed_lowers_mss_and_resends)
{
	static char big[4000];
	struct tt_conn c;
	struct tt_seg s1, s2;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, big, 2920), 2920);
	utcp_ctx_poll(tt_h.ctx);
	uint32_t una = c.hnxt;
	tt_hout(&c, &s1, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s2, TH_ACK | TH_PSH, c.pnxt, 1460);
	tt_icmp_in(3, 4, 1000, &s1);
	ck_assert_uint_eq(st()->tcp_pmtu_updates, 1);
	expect_resent(una, c.pnxt, 2920, 960);
	/* A smaller MTU, below the floor: 552 - 40. */
	tt_icmp_in(3, 4, 300, &s2);
	ck_assert_uint_eq(st()->tcp_pmtu_updates, 2);
	expect_resent(una, c.pnxt, 2920, 512);
	/* An MTU above the current one changes nothing. */
	tt_icmp_in(3, 4, 1500, &s1);
	ck_assert_uint_eq(st()->tcp_pmtu_updates, 2);
	tt_expect_none();
	c.hnxt = una + 2920;
	tt_pack(&c);
	tt_expect_none();
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- 3. challenge ACK in SYN-RECEIVED (RFC 5961 §3.2) ------------------------- */

START_TEST(rst_in_window_in_syn_received_draws_challenge_ack)
{
	struct tt_seg sa, s;
	int l = tt_listen(TT_HOST_PORT, 8);
	struct tt_seg syn = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 5000, .flags = TH_SYN,
			      .win = 8192 };
	tt_in(&syn);
	ck_assert(tt_out(&sa));
	ck_assert_uint_eq(sa.flags, TH_SYN | TH_ACK);
	/* In the window, not at RCV.NXT: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
	struct tt_seg rst = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 5100, .flags = TH_RST };
	tt_in(&rst);
	tt_expect(&s, TH_ACK, sa.seq + 1, 5001, -1);
	ck_assert_uint_eq(st()->tcp_challenge_acks, 1);
	/* The half-open connection is still there: the handshake completes. */
	struct tt_seg ack = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 5001,
			      .ack = sa.seq + 1, .flags = TH_ACK, .win = 8192 };
	tt_in(&ack);
	int so = utcp_accept(tt_h.ctx, l, NULL, NULL);
	tt_ok(so);
	tt_ok(utcp_abort(tt_h.ctx, so));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_RST, sa.seq + 1, 0, 0);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- 4. text and FIN on a SYN in simultaneous open (RFC 9293 §3.10.7.3) ------- */

START_TEST(simultaneous_open_keeps_text_and_fin_of_the_syn)
{
	struct tt_seg syn, s;
	int so = connect_to_peer(7);
	tt_out(&syn);
	struct tt_seg psyn = { .sport = 7, .dport = syn.sport, .seq = 300,
			       .flags = TH_SYN | TH_FIN, .win = 8192, .data = "hello", .len = 5 };
	tt_in(&psyn);
	tt_expect(&s, TH_SYN | TH_ACK, syn.seq, 301, 65535); /* the SYN only, for now */
	char buf[16];
	tt_err(utcp_read(tt_h.ctx, so, buf, sizeof(buf)), EAGAIN);
	/* ESTABLISHED: the text and the FIN are taken and acknowledged. */
	struct tt_seg sa = { .sport = 7, .dport = syn.sport, .seq = 300, .ack = syn.seq + 1,
			     .flags = TH_SYN | TH_ACK, .win = 8192 };
	tt_in(&sa);
	tt_expect(&s, TH_ACK, syn.seq + 1, 307, -1);
	ck_assert_int_eq(utcp_read(tt_h.ctx, so, buf, sizeof(buf)), 5);
	ck_assert(memcmp(buf, "hello", 5) == 0);
	ck_assert_int_eq(utcp_read(tt_h.ctx, so, buf, sizeof(buf)), 0); /* the FIN */
	tt_ok(utcp_close(tt_h.ctx, so));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_FIN | TH_ACK, syn.seq + 1, 307, -1);
	struct tt_seg ack = { .sport = 7, .dport = syn.sport, .seq = 307, .ack = syn.seq + 2,
			      .flags = TH_ACK, .win = 8192 };
	tt_in(&ack);
	tt_expect_none();
}
END_TEST

/* The peer's ACK carries the text again (it was not acknowledged): the
 * held copy is taken once. */
START_TEST(simultaneous_open_text_resent_with_the_ack)
{
	struct tt_seg syn, s;
	int so = connect_to_peer(7);
	tt_out(&syn);
	struct tt_seg psyn = { .sport = 7, .dport = syn.sport, .seq = 300, .flags = TH_SYN,
			       .win = 8192, .data = "abc", .len = 3 };
	tt_in(&psyn);
	tt_expect(&s, TH_SYN | TH_ACK, syn.seq, 301, 65535);
	struct tt_seg ack = { .sport = 7, .dport = syn.sport, .seq = 301, .ack = syn.seq + 1,
			      .flags = TH_ACK, .win = 8192, .data = "abcdef", .len = 6 };
	tt_in(&ack);
	tt_expect(&s, TH_ACK, syn.seq + 1, 307, -1);
	char buf[16];
	ck_assert_int_eq(utcp_read(tt_h.ctx, so, buf, sizeof(buf)), 6);
	ck_assert(memcmp(buf, "abcdef", 6) == 0);
	tt_ok(utcp_abort(tt_h.ctx, so));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_RST, syn.seq + 1, 0, 0);
}
END_TEST

/* ---- 5. TSopt on a RST (RFC 7323 §3.2) ----------------------------------------- */

START_TEST(rst_carries_timestamps)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	c.pts = 5555;
	tt_pin(&c, TH_ACK | TH_PSH, "unread", 6);
	tt_advance(10 * TT_MS);
	tt_ok(utcp_close(tt_h.ctx, c.sock)); /* RFC 2525 §2.17: data unread, RST */
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_RST, c.hnxt, 0, -1);
	ck_assert(s.o.flags & TOF_TS);
	ck_assert_uint_eq(s.o.tsecr, 5555);
	ck_assert_uint_ge(s.o.tsval, c.hts);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- 6. a RST at the right edge of the window (RFC 5961 §3.2) ------------------ */

static struct utcp_tcb *tcb_of(const struct tt_conn *c)
{
	return tcp_flow_lookup(tt_h.ctx, TN_HOST_IP, htons(c->hport), TN_PEER_IP, htons(c->pport));
}

/* The window is [RCV.NXT, RCV.NXT + RCV.WND): a RST at RCV.NXT + RCV.WND is
 * outside it and dropped silently; one just inside draws a challenge ACK. */
START_TEST(rst_at_right_window_edge_dropped_silently)
{
	struct tt_conn c;
	struct tt_seg s, rst;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	struct utcp_tcb *tp = tcb_of(&c);
	ck_assert_ptr_nonnull(tp);
	uint32_t wnd = tp->rcv_adv - tp->rcv_nxt;
	ck_assert_uint_gt(wnd, 0);
	tt_pseg(&c, &rst, TH_RST, NULL, 0);
	rst.seq = c.pnxt + wnd;
	tt_in(&rst);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_challenge_acks, 0);
	rst.seq = c.pnxt + wnd - 1;
	tt_in(&rst);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	ck_assert_uint_eq(st()->tcp_challenge_acks, 1);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- 7. RACK counts whole segments (RFC 8985 §6.2) ----------------------------- */

/* A peer ACK of ack with one SACK block [s, e). */
static void sack_block(struct tt_conn *c, uint32_t ack, uint32_t s, uint32_t e)
{
	struct tt_seg a;
	uint8_t o[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 10 };
	tt_pseg(c, &a, TH_ACK, NULL, 0);
	a.ack = ack;
	for (int i = 0; i < 4; i++) {
		o[4 + i] = (uint8_t)(s >> (24 - 8 * i));
		o[8 + i] = (uint8_t)(e >> (24 - 8 * i));
	}
	tt_opt_raw(&a, o, sizeof(o));
	tt_in(&a);
}

/* Three segments in flight; the peer SACKs one octet of the third.  No
 * segment is delivered whole, so RACK learns nothing and marks nothing
 * lost (RFC 6675's IsLost would not fire either): nothing is resent before
 * the tail loss probe.  SACKing the rest of the third makes it delivered. */
START_TEST(rack_sack_of_one_octet_delivers_no_segment)
{
	static char data[3 * 1448];
	struct tt_conn c;
	struct tt_seg s[3], r;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_MSS | TT_OPT_SACK);
	/* A first round trip of 10 ms: RACK's RTT and the PTO (2 SRTT). */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "x", 1), 1);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &r, TH_ACK | TH_PSH, c.pnxt, 1);
	tt_advance(10 * TT_MS);
	tt_pack(&c);
	uint32_t una = c.hnxt;
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), (ssize_t)sizeof(data));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s[0], TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s[1], TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s[2], TH_ACK | TH_PSH, c.pnxt, 3 * 1448 - 2 * 1460);
	tt_advance(10 * TT_MS);
	sack_block(&c, una, s[2].seq, s[2].seq + 1);
	tt_expect_none();
	tt_advance(5 * TT_MS); /* past RACK.rtt + reo_wnd, before the PTO */
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 0);
	ck_assert_uint_eq(st()->tcp_rack_marks, 0);
	/* The whole third segment SACKed: the first two are lost after
	 * RACK.rtt + reo_wnd and go again. */
	sack_block(&c, una, s[2].seq, s[2].seq + s[2].len);
	tt_advance(5 * TT_MS);
	ck_assert_uint_ge(st()->tcp_rack_marks, 1);
	ck_assert(tt_out(&r));
	ck_assert_uint_eq(r.seq, una);
	tn_tx_drain(tt_h.nic);
	c.hnxt = una + sizeof(data);
	tt_pack(&c);
	tn_tx_drain(tt_h.nic);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- 8. a bound socket that does not listen (RFC 9293 §3.10.7.1) --------------- */

/* No connection and no listener: CLOSED.  A SYN, an ACK or data draws a
 * RST, whether or not a socket is bound to the port (or listened and was
 * closed). */
START_TEST(segments_to_bound_port_draw_rst)
{
	struct tt_seg s;
	int so = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(81) };
	tt_ok(utcp_bind(tt_h.ctx, so, (struct sockaddr *)&a, sizeof(a)));
	if (_i == 1) { /* listened once, and that listener is gone */
		int l = tt_listen(82, 8);
		tt_ok(utcp_close(tt_h.ctx, l));
		utcp_ctx_poll(tt_h.ctx);
	}
	uint16_t port = _i == 1 ? 82 : 81;
	struct tt_seg syn = { .sport = 40001, .dport = port, .seq = 5000, .flags = TH_SYN,
			      .win = 8192 };
	tt_in(&syn);
	tt_expect(&s, TH_RST | TH_ACK, 0, 5001, 0);
	struct tt_seg ack = { .sport = 40001, .dport = port, .seq = 5001, .ack = 777,
			      .flags = TH_ACK, .win = 8192 };
	tt_in(&ack);
	tt_expect(&s, TH_RST, 777, 0, 0);
	struct tt_seg data = { .sport = 40001, .dport = port, .seq = 5001, .ack = 778,
			       .flags = TH_ACK | TH_PSH, .win = 8192, .data = "abc", .len = 3 };
	tt_in(&data);
	tt_expect(&s, TH_RST, 778, 0, 0);
	struct tt_seg bare = { .sport = 40001, .dport = port, .seq = 5001, .flags = 0,
			       .win = 8192, .data = "abc", .len = 3 };
	tt_in(&bare);
	tt_expect(&s, TH_RST | TH_ACK, 0, 5004, 0);
	ck_assert_uint_eq(st()->drop_tcp_no_sock, 4);
	tt_ok(utcp_close(tt_h.ctx, so));
}
END_TEST

/* ---- 9. the clock at socket calls after idle ------------------------------------- */

/* A second passes on the NIC clock with no poll round; connect() then arms
 * its SYN timer from the time it is called: one SYN, the next 1 s later
 * (RFC 6298 §2.1), and the handshake's RTT sample is the 10 ms the SYN-ACK
 * took, not 1.01 s. */
START_TEST(connect_after_idle_uses_current_time)
{
	struct tt_seg syn, s;
	tn_advance(tt_h.nic, TT_SEC); /* idle: nobody polls */
	utcp_time_t t0 = tn_of(tt_h.nic)->now;
	int so = connect_to_peer(7);
	tt_out(&syn);
	tt_expect_none(); /* not a second SYN at once */
	ck_assert_uint_eq(utcp_ctx_next_deadline(tt_h.ctx), t0 + TT_SEC);
	tt_advance(10 * TT_MS);
	struct tt_seg sa = { .sport = 7, .dport = syn.sport, .seq = 300, .ack = syn.seq + 1,
			     .flags = TH_SYN | TH_ACK, .win = 8192 };
	tt_opt_mss(&sa, 1460);
	tt_in(&sa);
	tt_expect(&s, TH_ACK, syn.seq + 1, 301, -1);
	struct utcp_tcb *tp = tcp_flow_lookup(tt_h.ctx, TN_HOST_IP, htons(syn.sport), TN_PEER_IP,
					      htons(7));
	ck_assert_ptr_nonnull(tp);
	ck_assert_uint_eq(tp->srtt, 10 * TT_MS);
	/* write() after idle: what it queues goes out, and is timed, in the
	 * next round, at that round's time. */
	tn_advance(tt_h.nic, 5 * TT_SEC);
	utcp_time_t t1 = tn_of(tt_h.nic)->now;
	ck_assert_int_eq(utcp_write(tt_h.ctx, so, "abc", 3), 3);
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_ACK | TH_PSH, syn.seq + 1, 301, -1);
	tt_expect_none();
	ck_assert_uint_eq(utcp_ctx_next_deadline(tt_h.ctx), t1 + tp->rto);
	tt_ok(utcp_abort(tt_h.ctx, so));
	utcp_ctx_poll(tt_h.ctx);
	tn_tx_drain(tt_h.nic);
}
END_TEST

/* ---- knobs at non-default settings ------------------------------------------------ */

static void setup_knobs(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_rto_min = 200; /* Linux's */
	cfg.tcp_delack = 100;
	cfg.tcp_abc = 2;
	tt_up(&cfg);
}

static void setup_quickack(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_quickack = 2;
	tt_up(&cfg);
}

/* tcp_rto_min = 200: with a round trip of a few ms, the first
 * retransmission comes 200 ms after the segment, not 1 s. */
START_TEST(knob_rto_min)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "x", 1), 1);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	tt_advance(2 * TT_MS);
	tt_pack(&c);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "y", 1), 1);
	utcp_ctx_poll(tt_h.ctx);
	utcp_time_t t0 = tt_now();
	tt_expect(&s, TH_ACK | TH_PSH, c.hnxt, c.pnxt, -1);
	ck_assert(tt_timers_until_out());
	tt_expect(&s, TH_ACK | TH_PSH, c.hnxt, c.pnxt, -1); /* the same octet again */
	ck_assert_uint_eq(st()->tcp_rto, 1);
	ck_assert_uint_eq(tt_now() - t0, 200 * TT_MS);
	c.hnxt++;
	tt_pack(&c);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* tcp_delack = 100: one small segment is acknowledged 100 ms later. */
START_TEST(knob_delack)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	tt_pin(&c, TH_ACK | TH_PSH, "ping", 4);
	utcp_time_t t0 = tt_now();
	tt_expect_none();
	ck_assert(tt_timers_until_out());
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	ck_assert_uint_eq(tt_now() - t0, 100 * TT_MS);
	char buf[8];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, buf, sizeof(buf)), 4);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* tcp_quickack = 2: the first two segments are acknowledged at once, the
 * third waits for the delayed-ACK timer. */
START_TEST(knob_quickack_at_start)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	tt_pin(&c, TH_ACK | TH_PSH, "a", 1);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	tt_pin(&c, TH_ACK | TH_PSH, "b", 1);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	tt_pin(&c, TH_ACK | TH_PSH, "c", 1);
	tt_expect_none();
	ck_assert(tt_timers_until_out());
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	char buf[8];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, buf, sizeof(buf)), 3);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* TCP_QUICKACK (default config): an ACK being delayed goes at once, and
 * the next segments are acknowledged at once too. */
START_TEST(sockopt_quickack)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	int v = -1;
	socklen_t vl = sizeof(v);
	tt_ok(utcp_getsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_QUICKACK, &v, &vl));
	ck_assert_int_eq(v, 0);
	tt_pin(&c, TH_ACK | TH_PSH, "a", 1);
	tt_expect_none(); /* delayed */
	v = 1;
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_QUICKACK, &v, sizeof(v)));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	tt_ok(utcp_getsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_QUICKACK, &v, &vl));
	ck_assert_int_eq(v, 1);
	tt_pin(&c, TH_ACK | TH_PSH, "b", 1);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	v = 0;
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_QUICKACK, &v, sizeof(v)));
	tt_pin(&c, TH_ACK | TH_PSH, "c", 1);
	tt_expect_none();
	tn_tx_drain(tt_h.nic);
	char buf[8];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, buf, sizeof(buf)), 3);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* tcp_abc = 2 (RFC 3465 §2.2, L = 2 SMSS): in slow start an ACK of two
 * segments grows cwnd by what it acknowledges (2896 octets); by one SMSS
 * with the default. */
static void abc_case(uint32_t want_segs)
{
	static char data[20 * 1448];
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
	c.hnxt = una + 2 * 1448;
	tt_pack(&c);
	uint32_t grow = want_segs * tp->mss < 2 * 1448 ? want_segs * tp->mss : 2 * 1448;
	ck_assert_uint_eq(tp->cwnd, cwnd0 + grow); /* min(acked, L * SMSS) */
	tn_tx_drain(tt_h.nic);
	c.hnxt = una + sizeof(data);
	tt_ok(utcp_abort(tt_h.ctx, c.sock));
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(tt_h.ctx, l));
}

START_TEST(knob_abc_two_smss)
{
	abc_case(2);
}
END_TEST

START_TEST(abc_default_one_smss)
{
	abc_case(1);
}
END_TEST

/* SIOCOUTQ: bytes written and not yet acknowledged, sent or not. */
START_TEST(ioctl_siocoutq)
{
	static char data[3000];
	struct tt_conn c;
	struct tt_seg s;
	int n = -1;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	tt_ok(utcp_ioctl(tt_h.ctx, c.sock, SIOCOUTQ, &n));
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), (ssize_t)sizeof(data));
	tt_ok(utcp_ioctl(tt_h.ctx, c.sock, SIOCOUTQ, &n));
	ck_assert_int_eq(n, 3000);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 104);
	uint32_t end = c.hnxt;
	c.hnxt -= 104 + 1448; /* the peer acknowledges the first segment */
	tt_pack(&c);
	tt_ok(utcp_ioctl(tt_h.ctx, c.sock, SIOCOUTQ, &n));
	ck_assert_int_eq(n, 3000 - 1448);
	c.hnxt = end;
	tt_pack(&c);
	tt_ok(utcp_ioctl(tt_h.ctx, c.sock, SIOCOUTQ, &n));
	ck_assert_int_eq(n, 0);
	tt_err(utcp_ioctl(tt_h.ctx, l, SIOCOUTQ, &n), EINVAL);
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
	tcase_add_loop_test(tc, icmp_hard_error_aborts_syn_sent, 0, 3);
	tcase_add_test(tc, icmp_error_outside_the_window_ignored);
	tcase_add_test(tc, icmp_soft_error_reported_at_timeout);
	tcase_add_test(tc, icmp_frag_needed_lowers_mss_and_resends);
	tcase_add_test(tc, rst_in_window_in_syn_received_draws_challenge_ack);
	tcase_add_test(tc, simultaneous_open_keeps_text_and_fin_of_the_syn);
	tcase_add_test(tc, simultaneous_open_text_resent_with_the_ack);
	tcase_add_test(tc, rst_carries_timestamps);
	tcase_add_test(tc, rst_at_right_window_edge_dropped_silently);
	tcase_add_test(tc, rack_sack_of_one_octet_delivers_no_segment);
	tcase_add_loop_test(tc, segments_to_bound_port_draw_rst, 0, 2);
	tcase_add_test(tc, connect_after_idle_uses_current_time);
	tcase_add_test(tc, sockopt_quickack);
	tcase_add_test(tc, abc_default_one_smss);
	tcase_add_test(tc, ioctl_siocoutq);
	suite_add_tcase(su, tc);
	TCase *tk = tcase_create("knobs");
	tcase_add_checked_fixture(tk, setup_knobs, teardown);
	tcase_add_test(tk, knob_rto_min);
	tcase_add_test(tk, knob_delack);
	tcase_add_test(tk, knob_abc_two_smss);
	suite_add_tcase(su, tk);
	TCase *tq = tcase_create("quickack");
	tcase_add_checked_fixture(tq, setup_quickack, teardown);
	tcase_add_test(tq, knob_quickack_at_start);
	suite_add_tcase(su, tq);
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
