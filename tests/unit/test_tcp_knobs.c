/*
 * tests/unit/test_tcp_knobs.c - the socket options and utcp.conf keys
 * deployers know from Linux, as traces: TCP_INFO, TCP_CORK and MSG_MORE,
 * TCP_USER_TIMEOUT, TCP_NOTSENT_LOWAT, SO_RCVLOWAT, tcp_timestamps /
 * tcp_sack / tcp_window_scaling off, tcp_wscale, tcp_retries2,
 * sock_buf_double, IP_TOS and IP_MTU_DISCOVER (the packetdrill scripts
 * under tests/packetdrill/own check the same on the wire).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>

#include "tests/unit/tcptest.h"

static void setup(void)
{
	tt_up(NULL);
}

static void teardown(void)
{
	tt_down();
}

static int set_int(int sock, int level, int name, int v)
{
	return utcp_setsockopt(tt_h.ctx, sock, level, name, &v, sizeof(v));
}

static int get_int(int sock, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);
	tt_ok(utcp_getsockopt(tt_h.ctx, sock, level, name, &v, &len));
	ck_assert_int_eq(len, sizeof(v));
	return v;
}

/* TCP_INFO: Linux's layout and numbering, truncated to the caller's length. */
START_TEST(tcp_info_fields)
{
	static char data[3 * 1448];
	struct tt_conn c;
	struct tt_seg s;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_ok(utcp_getsockopt(tt_h.ctx, l, IPPROTO_TCP, TCP_INFO, &ti, &len));
	ck_assert_int_eq(ti.tcpi_state, 10); /* TCP_LISTEN */
	tt_passive(&c, l, TT_OPT_ALL);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), (ssize_t)sizeof(data));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1448);
	len = sizeof(ti);
	tt_ok(utcp_getsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_INFO, &ti, &len));
	ck_assert_int_eq(len, sizeof(ti));
	ck_assert_int_eq(ti.tcpi_state, 1); /* TCP_ESTABLISHED */
	ck_assert_int_eq(ti.tcpi_options, TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE);
	ck_assert_int_eq(ti.tcpi_snd_wscale, c.pws);
	ck_assert_int_eq(ti.tcpi_rcv_wscale, c.hws);
	ck_assert_uint_eq(ti.tcpi_snd_mss, 1448);
	ck_assert_uint_eq(ti.tcpi_unacked, 3);
	ck_assert_uint_eq(ti.tcpi_snd_cwnd, 10); /* IW10, in segments */
	ck_assert_uint_eq(ti.tcpi_total_retrans, 0);
	ck_assert_uint_eq(ti.tcpi_rto, 1000000); /* us: RFC 6298's 1 s floor */
	/* A timeout: the first segment again, counted. */
	ck_assert(tt_timers_until_out());
	tt_expect(&s, TH_ACK, c.hnxt - sizeof(data), c.pnxt, -1);
	tn_tx_drain(tt_h.nic);
	len = sizeof(ti);
	tt_ok(utcp_getsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_INFO, &ti, &len));
	ck_assert_uint_eq(ti.tcpi_total_retrans, 1);
	ck_assert_uint_eq(ti.tcpi_retransmits, 1);
	ck_assert_uint_eq(ti.tcpi_rto, 2000000); /* backed off */
	ck_assert_uint_eq(ti.tcpi_snd_cwnd, 1);
	/* A short buffer gets the first bytes, as on Linux. */
	uint8_t head[4] = { 0 };
	len = sizeof(head);
	tt_ok(utcp_getsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_INFO, head, &len));
	ck_assert_int_eq(len, 4);
	ck_assert_int_eq(head[0], 1);
	tt_err(utcp_setsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_INFO, &ti, sizeof(ti)),
	       ENOPROTOOPT);
	tt_pack(&c);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* TCP_CORK: a short tail waits for the cork to go; full segments do not. */
START_TEST(cork_holds_the_short_tail)
{
	static char data[1448 + 100];
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	tt_err(utcp_setsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_CORK, "\1", 1), EINVAL);
	tt_ok(set_int(c.sock, IPPROTO_TCP, TCP_CORK, 1));
	ck_assert_int_eq(get_int(c.sock, IPPROTO_TCP, TCP_CORK), 1);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), (ssize_t)sizeof(data));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_expect_none();
	tt_ok(set_int(c.sock, IPPROTO_TCP, TCP_CORK, 0));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 100);
	tt_pack(&c);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* MSG_MORE corks until a write without it, or until an ACK; the timer
 * flushes a corked tail one RTO later, with PSH. */
START_TEST(msg_more_corks_one_write)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	tt_ok(set_int(c.sock, IPPROTO_TCP, TCP_NODELAY, 1));
	ck_assert_int_eq(utcp_send(tt_h.ctx, c.sock, "abc", 3, MSG_MORE), 3);
	utcp_ctx_poll(tt_h.ctx);
	tt_expect_none();
	ck_assert_int_eq(utcp_send(tt_h.ctx, c.sock, "de", 2, 0), 2);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 5);
	tt_pack(&c);
	ck_assert_int_eq(utcp_send(tt_h.ctx, c.sock, "fg", 2, MSG_MORE), 2);
	utcp_ctx_poll(tt_h.ctx);
	tt_expect_none();
	utcp_time_t t0 = tt_now();
	ck_assert(tt_timers_until_out());
	ck_assert_uint_ge(tt_now() - t0, 1 * TT_SEC); /* no RTT sample: 1 s */
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 2);
	tt_pack(&c);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* SO_ZEROCOPY is taken (0 or 1, EINVAL otherwise, inherited by accept);
 * send's MSG_ZEROCOPY copies: empty iovecs skipped, one segment with PSH. */
START_TEST(zerocopy_copies)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_err(set_int(l, SOL_SOCKET, SO_ZEROCOPY, 2), EINVAL);
	tt_ok(set_int(l, SOL_SOCKET, SO_ZEROCOPY, 1));
	tt_passive(&c, l, TT_OPT_ALL);
	ck_assert_int_eq(get_int(c.sock, SOL_SOCKET, SO_ZEROCOPY), 1);
	char a[10] = "0123456789", b[50] = { 0 };
	struct iovec iov[4] = { { a, 0 }, { a, sizeof(a) }, { b, 0 }, { b, sizeof(b) } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 4 };
	ck_assert_int_eq(utcp_sendmsg(tt_h.ctx, c.sock, &m, MSG_ZEROCOPY), 60);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 60);
	ck_assert(memcmp(s.payload, a, sizeof(a)) == 0);
	tt_pack(&c);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* TCP_USER_TIMEOUT (RFC 5482): the connection gives up when data stays
 * unacknowledged that long, on time, before tcp_retries2 would. */
START_TEST(user_timeout_gives_up_on_time)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	tt_err(set_int(c.sock, IPPROTO_TCP, TCP_USER_TIMEOUT, -1), EINVAL);
	tt_ok(set_int(c.sock, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000));
	ck_assert_int_eq(get_int(c.sock, IPPROTO_TCP, TCP_USER_TIMEOUT), 5000);
	utcp_time_t t0 = tt_now();
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "x", 1), 1);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	/* Timeouts at 1, 3 s; the next (7 s) is cut to 5 s, and it gives up. */
	int resent = 0;
	while (tt_timers_until_out()) {
		tn_tx_drain(tt_h.nic);
		resent++;
		if (tt_now() - t0 > 10 * TT_SEC)
			break;
	}
	ck_assert_int_eq(resent, 2);
	char b;
	tt_err(utcp_read(tt_h.ctx, c.sock, &b, 1), ETIMEDOUT);
	ck_assert_uint_eq(tt_now() - t0, 5 * TT_SEC);
	c.hnxt -= 1;
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* TCP_NOTSENT_LOWAT: no more than the mark unsent; EPOLLOUT below it. */
START_TEST(notsent_lowat_limits_unsent)
{
	static char data[8000];
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	tt_ok(set_int(c.sock, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 2000));
	ck_assert_int_eq(get_int(c.sock, IPPROTO_TCP, TCP_NOTSENT_LOWAT), 2000);
	int ep = utcp_epoll_create(tt_h.ctx, 1);
	struct epoll_event ev = { .events = EPOLLOUT, .data.fd = c.sock };
	tt_ok(utcp_epoll_ctl(tt_h.ctx, ep, EPOLL_CTL_ADD, c.sock, &ev));
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), 2000);
	tt_err(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), EAGAIN);
	utcp_ctx_poll(tt_h.ctx); /* sent: nothing unsent any more */
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 552);
	tt_pack(&c);
	ck_assert_int_eq(utcp_epoll_wait(tt_h.ctx, ep, &ev, 1, 0), 1);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), 2000);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 552);
	tt_pack(&c);
	tt_ok(utcp_close(tt_h.ctx, ep));
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* SO_RCVLOWAT: EPOLLIN once that many bytes are there (or the FIN). */
START_TEST(rcvlowat_gates_epollin)
{
	struct tt_conn c;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	ck_assert_int_eq(get_int(c.sock, SOL_SOCKET, SO_RCVLOWAT), 1);
	tt_ok(set_int(c.sock, SOL_SOCKET, SO_RCVLOWAT, 0));
	ck_assert_int_eq(get_int(c.sock, SOL_SOCKET, SO_RCVLOWAT), 1); /* as Linux */
	tt_ok(set_int(c.sock, SOL_SOCKET, SO_RCVLOWAT, 6));
	int ep = utcp_epoll_create(tt_h.ctx, 1);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = c.sock };
	tt_ok(utcp_epoll_ctl(tt_h.ctx, ep, EPOLL_CTL_ADD, c.sock, &ev));
	tt_pin(&c, TH_ACK | TH_PSH, "abc", 3);
	ck_assert_int_eq(utcp_epoll_wait(tt_h.ctx, ep, &ev, 1, 0), 0);
	tt_pin(&c, TH_ACK | TH_PSH, "def", 3);
	ck_assert_int_eq(utcp_epoll_wait(tt_h.ctx, ep, &ev, 1, 0), 1);
	char buf[8];
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, buf, sizeof(buf)), 6);
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(tt_h.ctx, ep));
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* IP_TOS and IP_MTU_DISCOVER: Linux's values, one-byte optlen, errno. */
START_TEST(ip_tos_and_mtu_discover)
{
	int s = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(get_int(s, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_WANT);
	tt_err(set_int(s, IPPROTO_IP, IP_MTU_DISCOVER, 6), EINVAL);
	tt_err(set_int(s, IPPROTO_IP, IP_MTU_DISCOVER, -1), EINVAL);
	unsigned char one = IP_PMTUDISC_DONT;
	tt_ok(utcp_setsockopt(tt_h.ctx, s, IPPROTO_IP, IP_MTU_DISCOVER, &one, 1));
	ck_assert_int_eq(get_int(s, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_DONT);
	tt_ok(set_int(s, IPPROTO_IP, IP_TOS, 0x13));
	ck_assert_int_eq(get_int(s, IPPROTO_IP, IP_TOS), 0x10); /* ECN bits kept out */
	unsigned char b = 0;
	socklen_t bl = 1;
	tt_ok(utcp_getsockopt(tt_h.ctx, s, IPPROTO_IP, IP_TOS, &b, &bl));
	ck_assert_int_eq(bl, 1);
	ck_assert_int_eq(b, 0x10);
	tt_ok(utcp_close(tt_h.ctx, s));
}
END_TEST

/* sock_buf_double off (the default): a buffer reads back as set. */
START_TEST(sock_buf_as_set)
{
	int s = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM, 0);
	tt_ok(set_int(s, SOL_SOCKET, SO_SNDBUF, 5000));
	ck_assert_int_eq(get_int(s, SOL_SOCKET, SO_SNDBUF), 5000);
	tt_ok(utcp_close(tt_h.ctx, s));
}
END_TEST

/* ---- utcp.conf keys ------------------------------------------------------- */

static void setup_ts_off(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_timestamps = 0;
	cfg.tcp_window_scaling = 0;
	tt_up(&cfg);
}

/* tcp_timestamps = 0, tcp_window_scaling = 0: the SYN-ACK offers neither
 * though the peer did, and the TCB uses neither. */
START_TEST(timestamps_and_wscale_off)
{
	struct tt_conn c;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	ck_assert_int_eq(c.syn.o.flags & (TOF_TS | TOF_WSCALE), 0);
	ck_assert(c.syn.o.flags & TOF_SACK_PERM);
	struct utcp_tcb *tp = tcp_flow_lookup(tt_h.ctx, TN_HOST_IP, htons(c.hport), TN_PEER_IP,
					      htons(c.pport));
	ck_assert_ptr_nonnull(tp);
	ck_assert_int_eq(tp->flags & (TF_TS | TF_RCV_WSCALE), 0);
	tt_ok(utcp_abort(tt_h.ctx, c.sock));
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

static void setup_off(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_sack = 0;
	cfg.tcp_wscale = 3;
	cfg.tcp_retries2 = 2;
	cfg.sock_buf_double = 1;
	tt_up(&cfg);
}

/* tcp_sack = 0: no SACK-permitted in the SYN-ACK though the peer sent it;
 * tcp_wscale = 3 is the shift offered whatever rcvbuf is (65536: 1). */
START_TEST(options_switched_off)
{
	struct tt_conn c;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	ck_assert_int_eq(c.syn.o.flags & TOF_SACK_PERM, 0);
	ck_assert(c.syn.o.flags & TOF_WSCALE);
	ck_assert_int_eq(c.syn.o.wscale, 3);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* tcp_retries2 = 2: two retransmissions, ETIMEDOUT at the third timeout. */
START_TEST(retries2_counts)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&c, l, TT_OPT_ALL);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "x", 1), 1);
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	int resent = 0;
	while (resent < 10 && tt_timers_until_out()) {
		tn_tx_drain(tt_h.nic);
		resent++;
	}
	ck_assert_int_eq(resent, 2);
	char b;
	tt_err(utcp_read(tt_h.ctx, c.sock, &b, 1), ETIMEDOUT);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* sock_buf_double = 1: doubled and read back doubled, as Linux. */
START_TEST(sock_buf_doubled)
{
	int s = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM, 0);
	tt_ok(set_int(s, SOL_SOCKET, SO_SNDBUF, 5000));
	ck_assert_int_eq(get_int(s, SOL_SOCKET, SO_SNDBUF), 10000);
	tt_ok(set_int(s, SOL_SOCKET, SO_RCVBUF, 1 << 30)); /* capped by rcvbuf */
	ck_assert_int_eq(get_int(s, SOL_SOCKET, SO_RCVBUF), 65536);
	tt_ok(utcp_close(tt_h.ctx, s));
}
END_TEST

static Suite *tcp_knobs_suite(void)
{
	Suite *su = suite_create("tcp_knobs");
	TCase *tc = tcase_create("sockopt");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tcp_info_fields);
	tcase_add_test(tc, cork_holds_the_short_tail);
	tcase_add_test(tc, msg_more_corks_one_write);
	tcase_add_test(tc, user_timeout_gives_up_on_time);
	tcase_add_test(tc, notsent_lowat_limits_unsent);
	tcase_add_test(tc, rcvlowat_gates_epollin);
	tcase_add_test(tc, ip_tos_and_mtu_discover);
	tcase_add_test(tc, zerocopy_copies);
	tcase_add_test(tc, sock_buf_as_set);
	suite_add_tcase(su, tc);
	TCase *tk = tcase_create("conf");
	tcase_add_checked_fixture(tk, setup_off, teardown);
	tcase_add_test(tk, options_switched_off);
	tcase_add_test(tk, retries2_counts);
	tcase_add_test(tk, sock_buf_doubled);
	suite_add_tcase(su, tk);
	TCase *tt = tcase_create("ts_off");
	tcase_add_checked_fixture(tt, setup_ts_off, teardown);
	tcase_add_test(tt, timestamps_and_wscale_off);
	suite_add_tcase(su, tt);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_knobs_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
