/*
 * tests/unit/test_tcp_tfo.c - TCP Fast Open (RFC 7413), the client side,
 * as traces: the first SYN to a server asks for a cookie (an empty Fast
 * Open option, §4.1.1), the SYN-ACK's cookie is cached, the next connect
 * returns at once and its SYN leaves with the first write carrying the
 * cookie and the data (§4.2.1); SYN data the server does not acknowledge
 * is sent again after the handshake (§4.2.2); MSG_FASTOPEN; Linux's errors.
 *
 * Each fixture brings a stack up (tt_up), runs a trace and ends with
 * tt_down's leak check.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static const uint8_t cookie[8] = { 0xab, 0xcd, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };

static void setup(void)
{
	tt_up(NULL);
}

static void teardown(void)
{
	tt_down();
}

static struct sockaddr_in peer(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = TN_PEER_IP };
	a.sin_port = htons(port);
	return a;
}

static int fo_socket(void)
{
	int one = 1;
	int s = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(s, 0);
	tt_ok(utcp_setsockopt(tt_h.ctx, s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)));
	return s;
}

/* The peer's SYN-ACK to the host's SYN in c->syn, acknowledging `ack`,
 * with a Fast Open option of `len` cookie bytes (-1: none). */
static void synack(struct tt_conn *c, uint32_t ack, int len)
{
	struct tt_seg sa = { 0 };
	sa.sport = c->pport;
	sa.dport = c->hport;
	sa.seq = c->piss;
	sa.ack = ack;
	sa.flags = TH_SYN | TH_ACK;
	sa.win = 65535;
	tt_opt_mss(&sa, 1460);
	if (len >= 0) {
		uint8_t o[2 + sizeof(cookie)] = { TCPOPT_FASTOPEN, (uint8_t)(2 + len) };
		memcpy(o + 2, cookie, (size_t)len);
		tt_opt_raw(&sa, o, (uint8_t)(2 + len));
	}
	tt_in(&sa);
}

static void conn_from_syn(struct tt_conn *c, const struct tt_seg *syn, uint16_t pport)
{
	memset(c, 0, sizeof(*c));
	c->syn = *syn;
	c->pport = pport;
	c->piss = 5000000;
	c->pnxt = c->piss + 1;
	c->pwin = 65535;
	c->hport = c->syn.sport;
	c->hiss = c->syn.seq;
	c->hnxt = c->hiss + 1;
}

/* A connect that asks for a cookie and gets one (RFC 7413 §4.1.1). */
static void warm_cache(uint16_t pport)
{
	struct tt_conn c;
	struct tt_seg s, syn;
	struct sockaddr_in a = peer(pport);
	int fd = fo_socket();
	tt_err(utcp_connect(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert_msg(tt_out(&syn), "no SYN");
	ck_assert_uint_eq(syn.flags, TH_SYN);
	ck_assert_msg(syn.o.flags & TOF_FASTOPEN, "no cookie request");
	ck_assert_uint_eq(syn.o.fo_len, 0);
	ck_assert_uint_eq(syn.len, 0);
	conn_from_syn(&c, &syn, pport);
	synack(&c, c.hnxt, sizeof(cookie));
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	tt_ok(utcp_connect(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)));
	tt_ok(utcp_abort(tt_h.ctx, fd));
	utcp_ctx_poll(tt_h.ctx);
	tn_tx_drain(tt_h.nic);
}

/* The deferred SYN: connect returns 0 and sends nothing; the write sends
 * SYN + cookie + data. */
static int fo_connect_write(struct tt_conn *c, uint16_t pport, const char *msg)
{
	struct sockaddr_in a = peer(pport);
	int fd = fo_socket();
	tt_ok(utcp_connect(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect_none();
	ck_assert_int_eq(utcp_write(tt_h.ctx, fd, msg, strlen(msg)), (ssize_t)strlen(msg));
	utcp_ctx_poll(tt_h.ctx);
	ck_assert_msg(tt_out(&c->syn), "no SYN");
	ck_assert_uint_eq(c->syn.flags, TH_SYN);
	ck_assert_msg(c->syn.o.flags & TOF_FASTOPEN, "no cookie");
	ck_assert_uint_eq(c->syn.o.fo_len, sizeof(cookie));
	ck_assert_mem_eq(c->syn.o.fo_cookie, cookie, sizeof(cookie));
	ck_assert_uint_eq(c->syn.len, strlen(msg));
	ck_assert_mem_eq(c->syn.payload, msg, strlen(msg));
	struct tt_seg syn = c->syn;
	conn_from_syn(c, &syn, pport);
	c->sock = fd;
	return fd;
}

START_TEST(cookie_then_data_in_syn)
{
	struct tt_conn c;
	struct tt_seg s;
	warm_cache(41000);
	int fd = fo_connect_write(&c, 41000, "hello");
	synack(&c, c.hiss + 1 + 5, -1); /* §4.2.1: the server took the data */
	tt_expect(&s, TH_ACK, c.hiss + 6, c.pnxt, -1);
	utcp_ctx_poll(tt_h.ctx);
	tt_expect_none(); /* nothing to send again */
	tt_ok(utcp_abort(tt_h.ctx, fd));
	utcp_ctx_poll(tt_h.ctx);
	tn_tx_drain(tt_h.nic);
}
END_TEST

/* The zero-copy send on a deferred connect: the first reserve sends the
 * SYN (with the cookie, without data) and finds no room until the
 * handshake is done; then reserve and commit send as a write. */
START_TEST(send_zc_reserve_sends_the_deferred_syn)
{
	struct tt_conn c;
	struct tt_seg s;
	struct iovec v[2];
	warm_cache(41002);
	struct sockaddr_in a = peer(41002);
	int fd = fo_socket();
	tt_ok(utcp_connect(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect_none();
	tt_err(utcp_send_zc_reserve(tt_h.ctx, fd, v, 2), EAGAIN);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert_msg(tt_out(&s), "no SYN");
	ck_assert_uint_eq(s.flags, TH_SYN);
	ck_assert_msg(s.o.flags & TOF_FASTOPEN, "no cookie");
	ck_assert_uint_eq(s.len, 0);
	conn_from_syn(&c, &s, 41002);
	c.sock = fd;
	synack(&c, c.hnxt, -1);
	tt_expect(&s, TH_ACK, c.hnxt, c.pnxt, -1);
	ck_assert_int_gt(utcp_send_zc_reserve(tt_h.ctx, fd, v, 2), 0);
	memcpy(v[0].iov_base, "hi", 2);
	ck_assert_int_eq(utcp_send_zc_commit(tt_h.ctx, fd, 2), 2);
	utcp_ctx_poll(tt_h.ctx);
	tt_expect(&s, TH_ACK | TH_PSH, c.hnxt, c.pnxt, -1);
	ck_assert_uint_eq(s.len, 2);
	ck_assert_mem_eq(s.payload, "hi", 2);
	tt_ok(utcp_abort(tt_h.ctx, fd));
	utcp_ctx_poll(tt_h.ctx);
	tn_tx_drain(tt_h.nic);
}
END_TEST

START_TEST(syn_data_not_acked_is_sent_after_handshake)
{
	struct tt_conn c;
	struct tt_seg s;
	warm_cache(41001);
	int fd = fo_connect_write(&c, 41001, "hello");
	synack(&c, c.hiss + 1, -1); /* §4.2.2: only the SYN acknowledged */
	ck_assert_msg(tt_out(&s), "nothing after the SYN-ACK");
	if (s.len == 0) /* the handshake's ACK, then the data */
		ck_assert_msg(tt_out(&s), "SYN data not sent again");
	ck_assert_uint_eq(s.seq, c.hiss + 1);
	ck_assert_uint_eq(s.len, 5);
	ck_assert_mem_eq(s.payload, "hello", 5);
	tt_ok(utcp_abort(tt_h.ctx, fd));
	utcp_ctx_poll(tt_h.ctx);
	tn_tx_drain(tt_h.nic);
}
END_TEST

/* A SYN that times out goes again plain, no option and no data (as
 * Linux); the data follows the handshake. */
START_TEST(syn_retransmitted_plain)
{
	struct tt_conn c;
	struct tt_seg s;
	warm_cache(41005);
	int fd = fo_connect_write(&c, 41005, "hello");
	ck_assert_int_gt(tt_timers_until_out(), 0);
	ck_assert_msg(tt_out(&s), "no SYN retransmitted");
	ck_assert_uint_eq(s.flags, TH_SYN);
	ck_assert_uint_eq(s.seq, c.hiss);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_msg(!(s.o.flags & TOF_FASTOPEN), "Fast Open option on a retransmitted SYN");
	synack(&c, c.hiss + 1, -1);
	ck_assert_msg(tt_out(&s), "SYN data not sent after the handshake");
	ck_assert_uint_eq(s.seq, c.hiss + 1);
	ck_assert_uint_eq(s.len, 5);
	tt_ok(utcp_abort(tt_h.ctx, fd));
	utcp_ctx_poll(tt_h.ctx);
	tn_tx_drain(tt_h.nic);
}
END_TEST

/* sendto with MSG_FASTOPEN: connect and write in one call; a non-blocking
 * one takes only what the SYN carries, the MSS less 40 bytes of options
 * (Linux: 1420 bytes on a 1500-byte MTU). */
START_TEST(msg_fastopen_sends_syn_with_data)
{
	static char data[3000];
	struct tt_seg syn;
	warm_cache(41002);
	struct sockaddr_in a = peer(41002);
	int fd = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_eq(utcp_sendto(tt_h.ctx, fd, data, sizeof(data), MSG_FASTOPEN,
				     (struct sockaddr *)&a, sizeof(a)), 1420);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert_msg(tt_out(&syn), "no SYN");
	ck_assert_uint_eq(syn.flags, TH_SYN);
	ck_assert_uint_eq(syn.o.fo_len, sizeof(cookie));
	ck_assert_uint_eq(syn.len, 1420);
	tt_ok(utcp_close(tt_h.ctx, fd));
	tn_tx_drain(tt_h.nic);
}
END_TEST

/* The server's MSS comes with its cookie into the cache: the next SYN
 * carries at most that MSS less 40 bytes of options (Linux). */
START_TEST(cached_mss_bounds_syn_data)
{
	static char data[3000];
	struct tt_conn c;
	struct tt_seg syn, sa = { 0 };
	struct sockaddr_in a = peer(41007);
	int fd = fo_socket();
	tt_err(utcp_connect(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert_msg(tt_out(&syn), "no SYN");
	conn_from_syn(&c, &syn, 41007);
	sa.sport = c.pport;
	sa.dport = c.hport;
	sa.seq = c.piss;
	sa.ack = c.hnxt;
	sa.flags = TH_SYN | TH_ACK;
	sa.win = 65535;
	tt_opt_mss(&sa, 940);
	uint8_t o[2 + sizeof(cookie)] = { TCPOPT_FASTOPEN, 2 + sizeof(cookie) };
	memcpy(o + 2, cookie, sizeof(cookie));
	tt_opt_raw(&sa, o, sizeof(o));
	tt_in(&sa);
	tt_ok(utcp_abort(tt_h.ctx, fd));
	utcp_ctx_poll(tt_h.ctx);
	tn_tx_drain(tt_h.nic);
	fd = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_eq(utcp_sendto(tt_h.ctx, fd, data, sizeof(data), MSG_FASTOPEN,
				     (struct sockaddr *)&a, sizeof(a)), 900);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert_msg(tt_out(&syn), "no SYN");
	ck_assert_uint_eq(syn.len, 900);
	tt_ok(utcp_close(tt_h.ctx, fd));
	tn_tx_drain(tt_h.nic);
}
END_TEST

/* Linux: a NULL buffer with a length is EFAULT, and nothing is sent
 * (packetdrill's syscall_bad_arg/fastopen-invalid-buf-ptr). */
START_TEST(null_buffer_is_efault)
{
	warm_cache(41003);
	struct sockaddr_in a = peer(41003);
	int fd = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tt_err(utcp_sendto(tt_h.ctx, fd, NULL, 1, MSG_FASTOPEN, (struct sockaddr *)&a, sizeof(a)),
	       EFAULT);
	tt_ok(utcp_close(tt_h.ctx, fd));
	fd = fo_socket();
	tt_ok(utcp_connect(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)));
	tt_err(utcp_sendto(tt_h.ctx, fd, NULL, 1, 0, NULL, 0), EFAULT);
	tt_ok(utcp_close(tt_h.ctx, fd));
	utcp_ctx_poll(tt_h.ctx);
	tt_expect_none();
}
END_TEST

/* The option reads back; after connect it cannot be changed (Linux:
 * EINVAL), and a value other than 0 or 1 is EINVAL. */
START_TEST(option_read_back_and_errors)
{
	int v = 0, two = 2;
	socklen_t len = sizeof(v);
	int fd = fo_socket();
	tt_ok(utcp_getsockopt(tt_h.ctx, fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &v, &len));
	ck_assert_int_eq(v, 1);
	tt_err(utcp_setsockopt(tt_h.ctx, fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &two, sizeof(two)),
	       EINVAL);
	struct sockaddr_in a = peer(41006);
	tt_err(utcp_connect(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	tt_err(utcp_setsockopt(tt_h.ctx, fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &v, sizeof(v)),
	       EINVAL);
	tt_ok(utcp_close(tt_h.ctx, fd));
	utcp_ctx_poll(tt_h.ctx);
	tn_tx_drain(tt_h.nic);
}
END_TEST

/* tcp_fastopen = 0: the option is refused (Linux: EOPNOTSUPP), and a
 * connect sends a plain SYN. */
START_TEST(fastopen_off)
{
	struct utcp_config cfg;
	struct tt_seg syn;
	int one = 1;
	tt_down();
	tt_config(&cfg);
	cfg.tcp_fastopen = 0;
	tt_up(&cfg);
	int fd = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tt_err(utcp_setsockopt(tt_h.ctx, fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)),
	       EOPNOTSUPP);
	struct sockaddr_in a = peer(41004);
	tt_err(utcp_connect(tt_h.ctx, fd, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert_msg(tt_out(&syn), "no SYN");
	ck_assert_msg(!(syn.o.flags & TOF_FASTOPEN), "Fast Open option with tcp_fastopen = 0");
	tt_ok(utcp_close(tt_h.ctx, fd));
	tn_tx_drain(tt_h.nic);
}
END_TEST

static Suite *tfo_suite(void)
{
	Suite *su = suite_create("tcp_tfo");
	TCase *tc = tcase_create("client");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cookie_then_data_in_syn);
	tcase_add_test(tc, syn_data_not_acked_is_sent_after_handshake);
	tcase_add_test(tc, send_zc_reserve_sends_the_deferred_syn);
	tcase_add_test(tc, syn_retransmitted_plain);
	tcase_add_test(tc, msg_fastopen_sends_syn_with_data);
	tcase_add_test(tc, cached_mss_bounds_syn_data);
	tcase_add_test(tc, null_buffer_is_efault);
	tcase_add_test(tc, option_read_back_and_errors);
	tcase_add_test(tc, fastopen_off);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tfo_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
