/*
 * tests/unit/test_tcp_open.c - opening connections (RFC 9293 §3.5) as traces:
 * passive and active open with every option combination, simultaneous
 * open, SYN and SYN-ACK retransmission to ETIMEDOUT, resets during the
 * handshake, segments to closed ports, listen queue overflow.
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

/* ---- passive open ---------------------------------------------------------------- */

START_TEST(passive_open_all_options)
{
	struct tt_conn c;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	/* SYN-ACK: MSS 1460 (MTU 1500), SACK-permitted, TS echoing ours, WS;
	 * Linux's layout; window unscaled in a SYN (RFC 7323 §2.2). */
	const struct tt_seg *sa = &c.syn;
	ck_assert_uint_eq(sa->optlen, 20);
	ck_assert_uint_eq(sa->opt[0], TCPOPT_MSS);
	ck_assert_uint_eq(sa->o.mss, 1460);
	ck_assert(sa->o.flags & TOF_SACK_PERM);
	ck_assert(sa->o.flags & TOF_TS);
	ck_assert_uint_eq(sa->o.tsecr, 1000);
	ck_assert(sa->o.flags & TOF_WSCALE);
	ck_assert_uint_eq(sa->o.wscale, 1); /* 65536-byte buffer: shift 1 */
	ck_assert_uint_eq(sa->win, 65535);
	ck_assert_uint_eq(st()->tcp_passive_opens, 1);
	tt_expect_none();
	/* getpeername / getsockname of the accepted socket */
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	tt_ok(utcp_getpeername(tt_h.ctx, c.sock, (struct sockaddr *)&a, &al));
	ck_assert_uint_eq(a.sin_addr.s_addr, TN_PEER_IP);
	ck_assert_uint_eq(ntohs(a.sin_port), c.pport);
	tt_ok(utcp_getsockname(tt_h.ctx, c.sock, (struct sockaddr *)&a, &al));
	ck_assert_uint_eq(a.sin_addr.s_addr, TN_HOST_IP);
	ck_assert_uint_eq(ntohs(a.sin_port), TT_HOST_PORT);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

START_TEST(passive_open_no_options)
{
	struct tt_conn c;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, 0);
	/* Only MSS: no WS, TS or SACK unless the peer offered them. */
	ck_assert_uint_eq(c.syn.optlen, 4);
	ck_assert_uint_eq(c.syn.o.flags, TOF_MSS);
	/* The peer sent no MSS: 536 (RFC 9293 §3.7.1) bounds our segments. */
	static char big[2000];
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, big, 1000), 1000);
	utcp_ctx_poll(tt_h.ctx);
	struct tt_seg s;
	tt_hout(&c, &s, TH_ACK, c.pnxt, 536);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 464); /* no short segment in flight */
	tt_pack(&c);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

START_TEST(passive_open_timestamps_only)
{
	struct tt_conn c;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_MSS | TT_OPT_TS);
	ck_assert_uint_eq(c.syn.o.flags, TOF_MSS | TOF_TS);
	ck_assert_uint_eq(c.syn.optlen, 16); /* MSS, NOP, NOP, TS */
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST


/* Peer SYN to the listener, by hand. */
static void peer_syn(uint16_t sport, uint32_t seq, int opts_mss)
{
	struct tt_seg syn = { .sport = sport, .dport = TT_HOST_PORT, .seq = seq,
			      .flags = TH_SYN, .win = 8192 };
	if (opts_mss)
		tt_opt_mss(&syn, 1460);
	tt_in(&syn);
}

START_TEST(syn_ack_retransmitted_and_resent_on_dup_syn)
{
	struct tt_seg s, s2;
	int l = tt_listen(TT_HOST_PORT, 8);
	peer_syn(40001, 5000, 1);
	tt_out(&s);
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ACK);
	/* The SYN again (our SYN-ACK lost): the same SYN-ACK at once. */
	peer_syn(40001, 5000, 1);
	tt_expect(&s2, TH_SYN | TH_ACK, s.seq, 5001, s.win);
	/* No answer: RTO 1 s, then 2 s (RFC 6298 §2.1, §5.5). */
	tt_advance(999 * TT_MS);
	tt_expect_none();
	tt_advance(1 * TT_MS);
	tt_expect(&s2, TH_SYN | TH_ACK, s.seq, 5001, s.win);
	tt_advance(1999 * TT_MS);
	tt_expect_none();
	tt_advance(1 * TT_MS);
	tt_expect(&s2, TH_SYN | TH_ACK, s.seq, 5001, s.win);
	ck_assert_uint_eq(st()->tcp_syn_retransmits, 3); /* one for the duplicate SYN */
	/* The ACK completes it; the connection is accepted. */
	struct tt_seg ack = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 5001,
			      .ack = s.seq + 1, .flags = TH_ACK, .win = 8192 };
	tt_in(&ack);
	tt_expect_none();
	int a = utcp_accept(tt_h.ctx, l, NULL, NULL);
	ck_assert_int_ge(a, 0);
	tt_ok(utcp_abort(tt_h.ctx, a));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s2, TH_RST, s.seq + 1, 0, 0);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

START_TEST(syn_received_gives_up_silently)
{
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	peer_syn(40001, 5000, 1);
	tt_out(&s);
	int n = 0;
	while (tt_next_timer()) {
		struct tt_seg r;
		while (tt_out(&r)) {
			ck_assert_uint_eq(r.flags, TH_SYN | TH_ACK);
			n++;
		}
	}
	ck_assert_int_eq(n, TCP_SYN_RETRIES);
	ck_assert_uint_eq(st()->tcp_timeouts, 1);
	tt_err(utcp_accept(tt_h.ctx, l, NULL, NULL), EAGAIN);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

START_TEST(rst_in_syn_received_returns_to_listen)
{
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	peer_syn(40001, 5000, 1);
	tt_out(&s);
	struct tt_seg rst = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 5001, .flags = TH_RST };
	tt_in(&rst);
	tt_expect_none();
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(tt_h.ctx, &u);
	ck_assert_uint_eq(u.tcbs, 0);
	/* The listener still takes new connections. */
	struct tt_conn c;
	tt_passive(&c, l, TT_OPT_ALL);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

START_TEST(bad_ack_in_syn_received_draws_rst)
{
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	peer_syn(40001, 5000, 1);
	tt_out(&s);
	/* RFC 9293 §3.10.7.4 fifth step: SEG.ACK outside SND.UNA < ACK =< SND.NXT. */
	struct tt_seg ack = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 5001,
			      .ack = s.seq + 7, .flags = TH_ACK, .win = 8192 };
	tt_in(&ack);
	tt_expect(&s, TH_RST, s.seq + 7, 0, 0);
	tt_err(utcp_accept(tt_h.ctx, l, NULL, NULL), EAGAIN);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- closed ports and listeners (RFC 9293 §3.10.7.1, §3.10.7.2) ------------------ */

START_TEST(syn_to_closed_port_gets_rst_ack)
{
	struct tt_seg s;
	struct tt_seg syn = { .sport = 40001, .dport = 81, .seq = 5000, .flags = TH_SYN,
			      .win = 8192, .data = "xy", .len = 2 };
	tt_in(&syn);
	/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN and data counted */
	tt_expect(&s, TH_RST | TH_ACK, 0, 5003, 0);
	ck_assert_uint_eq(s.sport, 81);
	ck_assert_uint_eq(s.dport, 40001);
	ck_assert_uint_eq(st()->drop_tcp_no_sock, 1);
}
END_TEST

START_TEST(ack_to_closed_port_gets_rst)
{
	struct tt_seg s;
	struct tt_seg ack = { .sport = 40001, .dport = 81, .seq = 5000, .ack = 777,
			      .flags = TH_ACK, .win = 8192 };
	tt_in(&ack);
	tt_expect(&s, TH_RST, 777, 0, 0); /* <SEQ=SEG.ACK><CTL=RST> */
	ack.flags = TH_RST | TH_ACK;
	tt_in(&ack);
	tt_expect_none(); /* never a RST for a RST */
}
END_TEST

START_TEST(listener_ignores_rst_and_resets_ack)
{
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	struct tt_seg seg = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 1, .ack = 99,
			      .flags = TH_RST, .win = 8192 };
	tt_in(&seg);
	tt_expect_none();
	seg.flags = TH_ACK;
	tt_in(&seg);
	tt_expect(&s, TH_RST, 99, 0, 0);
	seg.flags = TH_SYN | TH_FIN; /* not a connection request */
	tt_in(&seg);
	tt_expect_none();
	seg.flags = 0;
	tt_in(&seg);
	tt_expect_none();
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

START_TEST(listen_overflow)
{
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 2);
	/* SYN queue bounded by the backlog: the third SYN gets a SYN cookie
	 * and leaves no state (RFC 4987 §3.6; test_syncookie.c has the rest). */
	peer_syn(40001, 1000, 1);
	peer_syn(40002, 2000, 1);
	peer_syn(40003, 3000, 1);
	uint32_t iss[2];
	tt_out(&s);
	iss[0] = s.seq;
	tt_out(&s);
	iss[1] = s.seq;
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(s.ack, 3001);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_syn_cookies_sent, 1);
	ck_assert_uint_eq(st()->drop_tcp_backlog, 0);
	/* Complete both: the accept queue holds 2 = backlog. */
	struct tt_seg ack = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 1001,
			      .ack = iss[0] + 1, .flags = TH_ACK, .win = 8192 };
	tt_in(&ack);
	ack.sport = 40002;
	ack.seq = 2001;
	ack.ack = iss[1] + 1;
	tt_in(&ack);
	tt_expect_none();
	/* Accept queue full: a new SYN is dropped, cookie or not. */
	peer_syn(40004, 4000, 1);
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_backlog, 1);
	int a1 = utcp_accept(tt_h.ctx, l, NULL, NULL);
	int a2 = utcp_accept(tt_h.ctx, l, NULL, NULL);
	ck_assert_int_ge(a1, 0);
	ck_assert_int_ge(a2, 0);
	tt_err(utcp_accept(tt_h.ctx, l, NULL, NULL), EAGAIN);
	/* Closing the listener is independent of accepted sockets. */
	tt_ok(utcp_close(tt_h.ctx, l));
	tt_ok(utcp_abort(tt_h.ctx, a1));
	tt_ok(utcp_abort(tt_h.ctx, a2));
	tn_tx_drain(tt_h.nic);
}
END_TEST

START_TEST(close_listener_resets_queued)
{
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 4);
	peer_syn(40001, 1000, 1);
	tt_out(&s);
	struct tt_seg ack = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 1001,
			      .ack = s.seq + 1, .flags = TH_ACK, .win = 8192 };
	tt_in(&ack);
	peer_syn(40002, 2000, 1);
	struct tt_seg s2;
	tt_out(&s2);
	tt_ok(utcp_close(tt_h.ctx, l));
	utcp_ctx_poll(tt_h.ctx);
	/* Both the unaccepted connection and the half-open one are reset. */
	struct tt_seg r1, r2;
	tt_out(&r1);
	tt_out(&r2);
	ck_assert_uint_eq(r1.flags, TH_RST);
	ck_assert_uint_eq(r2.flags, TH_RST);
	tt_expect_none();
}
END_TEST

/* ---- active open (RFC 9293 §3.10.7.3) ---------------------------------------------- */

START_TEST(active_open_all_options)
{
	struct tt_conn c;
	tt_active(&c, TT_OPT_ALL);
	/* SYN: MSS 1460, SACK-permitted, TS (TSecr 0), NOP, WS 1 */
	const struct tt_seg *syn = &c.syn;
	static const uint8_t lead[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10 };
	ck_assert_uint_eq(syn->optlen, 20);
	ck_assert_mem_eq(syn->opt, lead, sizeof(lead));
	ck_assert_uint_eq(syn->o.tsecr, 0);
	ck_assert_uint_eq(syn->opt[16], TCPOPT_NOP);
	ck_assert_uint_eq(syn->o.wscale, 1);
	ck_assert_uint_eq(syn->win, 65535);
	ck_assert_uint_ge(c.hport, TCP_EPHEMERAL_LO);
	ck_assert_uint_le(c.hport, TCP_EPHEMERAL_HI);
	ck_assert_uint_eq(st()->tcp_active_opens, 1);
	tt_finish(&c);
}
END_TEST

START_TEST(active_open_peer_without_options)
{
	struct tt_conn c;
	tt_active(&c, 0);
	/* No WS from the peer: our windows are not scaled either (RFC 7323 §2.2). */
	static char d[10];
	tt_pin(&c, TH_ACK | TH_PSH, d, 10);
	tt_advance(40 * TT_MS);
	struct tt_seg s;
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	/* The right edge stays put (65535 offered in the SYN, 10 bytes used):
	 * 1 byte more room is no reason to move it (RFC 9293 §3.8.6.2.2). */
	ck_assert_uint_eq(s.win, 65525);
	ck_assert_uint_eq(s.optlen, 0);
	char b[10];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, sizeof(b)), 10);
	tt_finish(&c);
}
END_TEST

START_TEST(syn_retransmission_backoff_to_etimedout)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7),
				 .sin_addr.s_addr = TN_PEER_IP };
	int so = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tt_err(utcp_connect(tt_h.ctx, so, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	struct tt_seg syn, r;
	tt_out(&syn);
	utcp_time_t t0 = tt_now();
	/* RFC 6298 §5.5: 1, 2, 4, 8, 16, 32, then capped at 60 s (§2.5). */
	static const unsigned gaps[] = { 1, 2, 4, 8, 16, 32, 60 };
	utcp_time_t t = t0;
	for (unsigned i = 0; i < 7; i++) {
		t += gaps[i] * TT_SEC;
		ck_assert(tt_next_timer());
		ck_assert_uint_eq(tt_now(), t);
		tt_expect(&r, TH_SYN, syn.seq, 0, 65535);
		ck_assert_uint_eq(r.optlen, syn.optlen);
		tt_err(utcp_connect(tt_h.ctx, so, (struct sockaddr *)&a, sizeof(a)), EALREADY);
	}
	ck_assert(tt_next_timer());
	ck_assert_uint_eq(tt_now(), t + 60 * TT_SEC); /* 183 s: RFC 1122 §4.2.3.5 */
	tt_expect_none();
	tt_err(utcp_connect(tt_h.ctx, so, (struct sockaddr *)&a, sizeof(a)), ETIMEDOUT);
	ck_assert_uint_eq(st()->tcp_timeouts, 1);
	/* The socket may try again. */
	tt_err(utcp_connect(tt_h.ctx, so, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	tt_ok(utcp_close(tt_h.ctx, so));
	tn_tx_drain(tt_h.nic);
}
END_TEST

static int connect_to_peer(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = TN_PEER_IP };
	int so = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tt_err(utcp_connect(tt_h.ctx, so, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	return so;
}

START_TEST(rst_ack_in_syn_sent_is_refused)
{
	struct tt_seg syn;
	int so = connect_to_peer(7);
	tt_out(&syn);
	struct tt_seg rst = { .sport = 7, .dport = syn.sport, .seq = 0, .ack = syn.seq + 1,
			      .flags = TH_RST | TH_ACK };
	tt_in(&rst);
	tt_expect_none();
	int e;
	socklen_t el = sizeof(e);
	tt_ok(utcp_getsockopt(tt_h.ctx, so, SOL_SOCKET, SO_ERROR, &e, &el));
	ck_assert_int_eq(e, ECONNREFUSED);
	ck_assert_uint_eq(st()->tcp_conn_refused, 1);
	tt_ok(utcp_close(tt_h.ctx, so));
}
END_TEST

START_TEST(rst_without_acceptable_ack_in_syn_sent_ignored)
{
	struct tt_seg syn, s;
	int so = connect_to_peer(7);
	tt_out(&syn);
	struct tt_seg rst = { .sport = 7, .dport = syn.sport, .seq = 0, .ack = syn.seq + 5,
			      .flags = TH_RST | TH_ACK };
	tt_in(&rst); /* acks something never sent: dropped, no RST back to a RST */
	tt_expect_none();
	rst.flags = TH_RST; /* no ACK at all: dropped */
	tt_in(&rst);
	tt_expect_none();
	/* An ACK of the wrong sequence (no RST bit) draws <SEQ=SEG.ACK><CTL=RST>. */
	struct tt_seg ack = { .sport = 7, .dport = syn.sport, .seq = 1, .ack = syn.seq + 9,
			      .flags = TH_ACK, .win = 100 };
	tt_in(&ack);
	tt_expect(&s, TH_RST, syn.seq + 9, 0, 0);
	tt_err(utcp_connect(tt_h.ctx, so, &(struct sockaddr){ .sa_family = AF_INET }, 16),
	       EALREADY);
	tt_ok(utcp_close(tt_h.ctx, so));
}
END_TEST

START_TEST(simultaneous_open)
{
	struct tt_seg syn, s;
	int so = connect_to_peer(7);
	tt_out(&syn);
	/* RFC 9293 §3.5 Figure 7: the peer's own SYN crosses ours. */
	struct tt_seg psyn = { .sport = 7, .dport = syn.sport, .seq = 300, .flags = TH_SYN,
			       .win = 8192 };
	tt_opt_mss(&psyn, 1460);
	tt_in(&psyn);
	tt_expect(&s, TH_SYN | TH_ACK, syn.seq, 301, 65535); /* SYN-RECEIVED */
	ck_assert_uint_eq(s.o.flags, TOF_MSS); /* only what the peer offered */
	/* The peer's SYN-ACK completes it. */
	struct tt_seg sa = { .sport = 7, .dport = syn.sport, .seq = 300, .ack = syn.seq + 1,
			     .flags = TH_SYN | TH_ACK, .win = 8192 };
	tt_opt_mss(&sa, 1460);
	tt_in(&sa);
	tt_expect(&s, TH_ACK, syn.seq + 1, 301, -1);
	tt_ok(utcp_connect(tt_h.ctx, so, &(struct sockaddr){ .sa_family = AF_INET }, 16));
	ck_assert_int_eq(utcp_write(tt_h.ctx, so, "hi", 2), 2);
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_ACK | TH_PSH, syn.seq + 1, 301, -1);
	ck_assert_uint_eq(s.len, 2);
	tt_ok(utcp_abort(tt_h.ctx, so));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_RST, syn.seq + 3, 0, 0);
}
END_TEST

START_TEST(simultaneous_open_plain_ack)
{
	struct tt_seg syn, s;
	int so = connect_to_peer(7);
	tt_out(&syn);
	struct tt_seg psyn = { .sport = 7, .dport = syn.sport, .seq = 300, .flags = TH_SYN,
			       .win = 8192 };
	tt_in(&psyn);
	tt_expect(&s, TH_SYN | TH_ACK, syn.seq, 301, 65535);
	struct tt_seg ack = { .sport = 7, .dport = syn.sport, .seq = 301, .ack = syn.seq + 1,
			      .flags = TH_ACK, .win = 8192 };
	tt_in(&ack);
	tt_expect_none();
	tt_ok(utcp_connect(tt_h.ctx, so, &(struct sockaddr){ .sa_family = AF_INET }, 16));
	tt_ok(utcp_abort(tt_h.ctx, so));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_RST, syn.seq + 1, 0, 0);
}
END_TEST

START_TEST(mss_clamped_to_peer_and_route)
{
	struct tt_seg syn, s;
	int so = connect_to_peer(7);
	tt_out(&syn);
	ck_assert_uint_eq(syn.o.mss, 1460); /* route MTU 1500 - 40 */
	struct tt_seg sa = { .sport = 7, .dport = syn.sport, .seq = 300, .ack = syn.seq + 1,
			     .flags = TH_SYN | TH_ACK, .win = 65535 };
	tt_opt_mss(&sa, 9000); /* more than our route allows: 1460 wins */
	tt_in(&sa);
	tt_expect(&s, TH_ACK, syn.seq + 1, 301, -1);
	static char big[3000];
	tt_ok(utcp_setsockopt(tt_h.ctx, so, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)));
	ck_assert_int_eq(utcp_write(tt_h.ctx, so, big, 3000), 3000);
	utcp_ctx_poll(tt_h.ctx);
	tt_out(&s);
	ck_assert_uint_eq(s.len, 1460);
	tt_out(&s);
	ck_assert_uint_eq(s.len, 1460);
	tt_out(&s);
	ck_assert_uint_eq(s.len, 80);
	int v;
	socklen_t vl = sizeof(v);
	tt_ok(utcp_getsockopt(tt_h.ctx, so, IPPROTO_TCP, TCP_MAXSEG, &v, &vl));
	ck_assert_int_eq(v, 1460);
	tt_ok(utcp_abort(tt_h.ctx, so));
	tn_tx_drain(tt_h.nic);
}
END_TEST

START_TEST(user_maxseg_in_syn)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7),
				 .sin_addr.s_addr = TN_PEER_IP };
	int so = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tt_ok(utcp_setsockopt(tt_h.ctx, so, IPPROTO_TCP, TCP_MAXSEG, &(int){ 1000 }, sizeof(int)));
	tt_err(utcp_connect(tt_h.ctx, so, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	struct tt_seg syn;
	tt_out(&syn);
	ck_assert_uint_eq(syn.o.mss, 1000);
	tt_ok(utcp_close(tt_h.ctx, so));
}
END_TEST

START_TEST(ephemeral_ports_differ)
{
	struct tt_seg s1, s2;
	int a = connect_to_peer(7);
	tt_out(&s1);
	int b = connect_to_peer(7);
	tt_out(&s2);
	ck_assert_uint_ne(s1.sport, s2.sport);
	ck_assert_uint_ne(s1.seq, s2.seq); /* RFC 6528: different tuples, unrelated ISNs */
	tt_ok(utcp_close(tt_h.ctx, a));
	tt_ok(utcp_close(tt_h.ctx, b));
}
END_TEST

/* RFC 6191 §3: a new connection's TSval must exceed what the peer's
 * TIME-WAIT of an earlier connection between the same hosts remembers, so
 * the offset depends on the address pair only, not on the connection. */
START_TEST(timestamps_grow_across_connections)
{
	struct tt_seg s1, s2, s3;
	int a = connect_to_peer(7);
	tt_out(&s1);
	int b = connect_to_peer(8);
	tt_out(&s2);
	ck_assert_uint_ne(s1.sport, s2.sport);
	ck_assert_uint_eq(s2.o.tsval, s1.o.tsval); /* same pair, same instant */
	tt_ok(utcp_close(tt_h.ctx, a));
	tt_ok(utcp_close(tt_h.ctx, b));
	tt_advance(5 * TT_MS);
	int c = connect_to_peer(7);
	tt_out(&s3);
	ck_assert_uint_eq(s3.o.tsval, s1.o.tsval + 5); /* a 1 ms clock, 5 ms later */
	tt_ok(utcp_close(tt_h.ctx, c));
}
END_TEST

/* RFC 6528 §3's timer M ticks every 64 ns: a connection that moved a 64-byte
 * request and closed leaves its successor on the same 4-tuple, opened
 * 10 us later, an ISN beyond the old RCV.NXT (ISN + SYN + 64 + FIN), so
 * the peer's TIME-WAIT takes the new SYN even when the TSvals are equal
 * (RFC 6191 §2).  With RFC 793's 4 us tick it would be 2 numbers on. */
START_TEST(isn_clock_outruns_a_short_connection)
{
	uint32_t a = tcp_isn(tt_h.ctx, 0x0100000a, 40001, 0x0200000a, 80);
	tt_advance(10 * UTCP_NSEC_PER_USEC);
	uint32_t b = tcp_isn(tt_h.ctx, 0x0100000a, 40001, 0x0200000a, 80);
	ck_assert_uint_eq(b - a, 10000 / 64);
	ck_assert(SEQ_GT(b, a + 1 + 64 + 1));
}
END_TEST

/* A half-open connection holds no ring, nor does an idle established one:
 * the rings come with data (tcp_buf.c). */
START_TEST(half_open_holds_no_rings)
{
	struct tt_conn c;
	const struct utcp_tcp_ctx *t = tt_h.ctx->tcp;
	int l = tt_listen(TT_HOST_PORT, 8);
	peer_syn(40100, 5000, 1);
	struct tt_seg s;
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(s.win, 65535); /* the window it will have */
	ck_assert_uint_eq(t->rcvbuf_pool.in_use, 0);
	ck_assert_uint_eq(t->sndbuf_pool.in_use, 0);
	ck_assert_uint_eq(t->ooo_pool.in_use, 0);
	tt_passive(&c, l, TT_OPT_ALL);
	ck_assert_uint_eq(t->rcvbuf_pool.in_use, 0);
	ck_assert_uint_eq(t->sndbuf_pool.in_use, 0);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* The receive ring comes with the first text and goes back once it has
 * been read and the connection has stayed idle TCP_RING_IDLE; the send
 * ring (with the loss-recovery tables) comes with the first write and goes
 * back once all of it is acknowledged and the connection idle as long. */
START_TEST(rings_come_with_data_and_go_when_drained)
{
	struct tt_conn c;
	struct tt_seg s;
	char buf[16];
	const struct utcp_tcp_ctx *t = tt_h.ctx->tcp;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	tt_pin(&c, TH_ACK | TH_PSH, "hello", 5);
	ck_assert_uint_eq(t->rcvbuf_pool.in_use, 1);
	ck_assert_uint_eq(t->ooo_pool.in_use, 1);
	ck_assert_uint_eq(t->sndbuf_pool.in_use, 0);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, buf, sizeof(buf)), 5);
	ck_assert_uint_eq(t->rcvbuf_pool.in_use, 1); /* drained, kept a while */
	tt_advance(TCP_RING_IDLE + TT_MS);
	ck_assert_uint_eq(t->rcvbuf_pool.in_use, 0);
	ck_assert_uint_eq(t->ooo_pool.in_use, 0);
	tn_tx_drain(tt_h.nic);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "world", 5), 5);
	ck_assert_uint_eq(t->sndbuf_pool.in_use, 1);
	ck_assert_uint_eq(t->sndx_pool.in_use, 1);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 5);
	ck_assert_mem_eq(s.payload, "world", 5);
	tt_pack(&c);
	ck_assert_uint_eq(t->sndbuf_pool.in_use, 1);
	tt_advance(TCP_RING_IDLE + TT_MS);
	ck_assert_uint_eq(t->sndbuf_pool.in_use, 0);
	ck_assert_uint_eq(t->sndx_pool.in_use, 0);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* Out of receive rings: text for a connection without one is dropped, not
 * acknowledged (the peer sends it again), and the window it offered stays
 * offered (RFC 9293 §3.8.6.2.2); the ring another connection gives back
 * goes to it, announced by an ACK at once. */
START_TEST(text_without_ring_waits_unacknowledged)
{
	struct utcp_config cfg;
	struct tt_conn a, b;
	struct tt_seg s;
	char buf[8];
	tt_down();
	tt_config(&cfg);
	cfg.max_num_buffers = 1;
	tt_up(&cfg);
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&a, l, 0);
	tt_passive(&b, l, 0);
	ck_assert_uint_eq(b.syn.win, 65535); /* a ring could be had then */
	tt_pin(&a, TH_ACK | TH_PSH, "GET", 3); /* a takes the one ring */
	tn_tx_drain(tt_h.nic);
	tt_pin(&b, TH_ACK | TH_PSH, "GET", 3);
	tt_hout(&b, &s, TH_ACK, b.pnxt - 3, 0); /* not taken */
	ck_assert_uint_eq(s.win, 65535);
	ck_assert_uint_eq(st()->tcp_no_sock_buf, 1);
	ck_assert_int_eq(utcp_read(tt_h.ctx, a.sock, buf, sizeof(buf)), 3);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&b, &s, TH_ACK, b.pnxt - 3, 0); /* b holds the ring now */
	ck_assert_uint_eq(tt_h.ctx->tcp->rcvbuf_pool.in_use, 1);
	b.pnxt -= 3;
	tt_pin(&b, TH_ACK | TH_PSH, "GET", 3);
	ck_assert_int_eq(utcp_read(tt_h.ctx, b.sock, buf, sizeof(buf)), 3);
	tt_finish(&a);
	tt_finish(&b);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* Out of rings (another connection holds them, with data): the SYN-ACK
 * offers a zero window, the connection is established and waits; the rings another connection gives back open
 * its window at once (no wait for the peer's probe). */
START_TEST(no_rings_zero_window_until_given_back)
{
	struct utcp_config cfg;
	struct tt_conn a, b;
	struct tt_seg s;
	tt_down();
	tt_config(&cfg);
	cfg.max_num_buffers = 1;
	tt_up(&cfg);
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&a, l, 0);
	tt_pin(&a, TH_ACK | TH_PSH, "GET", 3); /* a holds the rings: text unread, */
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_write(tt_h.ctx, a.sock, "x", 1)); /* and a byte in flight */
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&a, &s, TH_ACK | TH_PSH, a.pnxt, 1);
	tt_passive(&b, l, 0);
	ck_assert_uint_eq(b.syn.win, 0);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_no_sock_buf, 1);
	char buf[8];
	tt_err(utcp_write(tt_h.ctx, b.sock, "x", 1), EAGAIN);
	tt_pin(&b, TH_ACK | TH_PSH, "GET", 3); /* beyond the zero window: not taken */
	tt_hout(&b, &s, TH_ACK, b.piss + 1, 0);
	ck_assert_uint_eq(s.win, 0);
	b.pnxt -= 3;
	tt_ok(utcp_abort(tt_h.ctx, a.sock)); /* its rings go to b */
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_RST, a.hnxt, 0, -1);
	tt_hout(&b, &s, TH_ACK, b.piss + 1, 0);
	ck_assert_uint_eq(s.win, 65535);
	tt_pin(&b, TH_ACK | TH_PSH, "GET", 3);
	ck_assert_int_eq(utcp_read(tt_h.ctx, b.sock, buf, sizeof(buf)), 3);
	tt_finish(&b);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* A drained ring is kept while its connection may be busy, but goes to
 * another connection at once when the pools are empty. */
START_TEST(drained_ring_reclaimed_when_short)
{
	struct utcp_config cfg;
	struct tt_conn a, b;
	char buf[8];
	tt_down();
	tt_config(&cfg);
	cfg.max_num_buffers = 1;
	tt_up(&cfg);
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&a, l, 0);
	tt_passive(&b, l, 0);
	tt_pin(&a, TH_ACK | TH_PSH, "GET", 3);
	ck_assert_int_eq(utcp_read(tt_h.ctx, a.sock, buf, sizeof(buf)), 3);
	ck_assert_uint_eq(tt_h.ctx->tcp->rcvbuf_pool.in_use, 1); /* a keeps it, drained */
	tn_tx_drain(tt_h.nic);
	tt_pin(&b, TH_ACK | TH_PSH, "GET", 3); /* b takes it */
	ck_assert_int_eq(utcp_read(tt_h.ctx, b.sock, buf, sizeof(buf)), 3);
	ck_assert_uint_eq(st()->tcp_no_sock_buf, 0);
	tn_tx_drain(tt_h.nic);
	tt_finish(&a);
	tt_finish(&b);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

Suite *tcp_open_suite(void)
{
	Suite *su = suite_create("tcp_open");
	TCase *tc = tcase_create("open");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, passive_open_all_options);
	tcase_add_test(tc, passive_open_no_options);
	tcase_add_test(tc, passive_open_timestamps_only);
	tcase_add_test(tc, syn_ack_retransmitted_and_resent_on_dup_syn);
	tcase_add_test(tc, syn_received_gives_up_silently);
	tcase_add_test(tc, half_open_holds_no_rings);
	tcase_add_test(tc, no_rings_zero_window_until_given_back);
	tcase_add_test(tc, rings_come_with_data_and_go_when_drained);
	tcase_add_test(tc, text_without_ring_waits_unacknowledged);
	tcase_add_test(tc, drained_ring_reclaimed_when_short);
	tcase_add_test(tc, rst_in_syn_received_returns_to_listen);
	tcase_add_test(tc, bad_ack_in_syn_received_draws_rst);
	tcase_add_test(tc, syn_to_closed_port_gets_rst_ack);
	tcase_add_test(tc, ack_to_closed_port_gets_rst);
	tcase_add_test(tc, listener_ignores_rst_and_resets_ack);
	tcase_add_test(tc, listen_overflow);
	tcase_add_test(tc, close_listener_resets_queued);
	tcase_add_test(tc, active_open_all_options);
	tcase_add_test(tc, active_open_peer_without_options);
	tcase_add_test(tc, syn_retransmission_backoff_to_etimedout);
	tcase_add_test(tc, rst_ack_in_syn_sent_is_refused);
	tcase_add_test(tc, rst_without_acceptable_ack_in_syn_sent_ignored);
	tcase_add_test(tc, simultaneous_open);
	tcase_add_test(tc, simultaneous_open_plain_ack);
	tcase_add_test(tc, mss_clamped_to_peer_and_route);
	tcase_add_test(tc, user_maxseg_in_syn);
	tcase_add_test(tc, ephemeral_ports_differ);
	tcase_add_test(tc, timestamps_grow_across_connections);
	tcase_add_test(tc, isn_clock_outruns_a_short_connection);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_open_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
