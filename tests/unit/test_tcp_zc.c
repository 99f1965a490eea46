/*
 * tests/unit/test_tcp_zc.c - the zero-copy data calls as traces:
 * utcp_recv_zc / utcp_recv_zc_done read the receive ring in place (the
 * bytes the peer sent, in two spans where the ring wraps; the window
 * update a read would send), utcp_send_zc_reserve / utcp_send_zc_commit
 * write into the send ring's free room (the segments a write would send;
 * EAGAIN on a full ring); errors as Linux gives for read and write; a
 * reservation closed or left unused holds no ring.  Each test ends with
 * tt_down's leak check.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

#define X tt_h.ctx

static int L;
static uint8_t pat[70000];

/* The host with receive and send rings of rcvbuf and sndbuf bytes (0: the
 * tests' default, 65536) and a listener. */
static void up(int rcvbuf, int sndbuf)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	if (rcvbuf > 0)
		cfg.rcvbuf = rcvbuf;
	if (sndbuf > 0)
		cfg.sndbuf = sndbuf;
	tt_up(&cfg);
	L = tt_listen(TT_HOST_PORT, 16);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

static void down(void)
{
	tt_ok(utcp_close(X, L));
	tt_down();
}

static struct utcp_sock_usage usage(void)
{
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(X, &u);
	return u;
}

/* ---- receive ------------------------------------------------------------------- */

START_TEST(recv_zc_reads_the_bytes_in_place)
{
	struct tt_conn c;
	struct tt_seg s;
	struct iovec v[2], w[2];
	up(0, 0);
	tt_passive(&c, L, TT_OPT_MSS);
	tt_err(utcp_recv_zc(X, c.sock, v, 2), EAGAIN); /* nothing yet */
	tt_pin(&c, TH_ACK | TH_PSH, "hello world", 11);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 11);
	ck_assert_uint_eq(v[0].iov_len, 11);
	ck_assert_mem_eq(v[0].iov_base, "hello world", 11);
	ck_assert_ptr_null(v[1].iov_base); /* one span: no wrap */
	ck_assert_uint_eq(v[1].iov_len, 0);
	/* Nothing consumed: the same bytes, and what came since after them. */
	tt_pin(&c, TH_ACK | TH_PSH, "!?", 2);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, w, 2), 13);
	ck_assert_ptr_eq(w[0].iov_base, v[0].iov_base);
	ck_assert_mem_eq(w[0].iov_base, "hello world!?", 13);
	int n;
	tt_ok(utcp_ioctl(X, c.sock, FIONREAD, &n));
	ck_assert_int_eq(n, 13);
	tt_ok(utcp_recv_zc_done(X, c.sock, 6));
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 1), 7);
	ck_assert_mem_eq(v[0].iov_base, "world!?", 7);
	tt_err(utcp_recv_zc_done(X, c.sock, 8), EINVAL); /* more than is there */
	tt_ok(utcp_recv_zc_done(X, c.sock, 0));
	tt_ok(utcp_recv_zc_done(X, c.sock, 7));
	tt_err(utcp_recv_zc(X, c.sock, v, 2), EAGAIN);
	tt_err(utcp_recv_zc_done(X, c.sock, 1), EINVAL);
	/* A read after: the stream goes on where the zero-copy calls left it. */
	tt_pin(&c, TH_ACK | TH_PSH, "abc", 3);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 3);
	tt_ok(utcp_recv_zc_done(X, c.sock, 1));
	char b[8];
	ck_assert_int_eq(utcp_read(X, c.sock, b, sizeof(b)), 2);
	ck_assert_mem_eq(b, "bc", 2);
	/* The peer's FIN: end of stream. */
	tt_pin(&c, TH_ACK | TH_FIN, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 0);
	ck_assert_uint_eq(v[0].iov_len, 0);
	tt_ok(utcp_close(X, c.sock));
	utcp_ctx_poll(X);
	tt_hout(&c, &s, TH_ACK | TH_FIN, c.pnxt, 0); /* LAST-ACK */
	tt_pack(&c);
	down();
}
END_TEST

/* A receive ring of 4096 bytes: after 3000 bytes consumed, 2000 more lie
 * at 3000..4095 and 0..903. */
START_TEST(recv_zc_two_spans_where_the_ring_wraps)
{
	struct tt_conn c;
	struct tt_seg s;
	struct iovec v[2];
	up(4096, 0);
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pin(&c, TH_ACK, pat, 1460);
	tt_pin(&c, TH_ACK, pat + 1460, 1460);
	tt_pin(&c, TH_ACK | TH_PSH, pat + 2920, 80);
	tn_tx_drain(tt_h.nic); /* their ACKs */
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 3000);
	ck_assert_mem_eq(v[0].iov_base, pat, 3000);
	uint8_t *ring = (uint8_t *)v[0].iov_base;
	tt_ok(utcp_recv_zc_done(X, c.sock, 3000));
	utcp_ctx_poll(X);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0); /* the window update */
	ck_assert_uint_eq(s.win, 4096);
	tt_pin(&c, TH_ACK, pat + 3000, 1460);
	tt_pin(&c, TH_ACK | TH_PSH, pat + 4460, 540);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 2000);
	ck_assert_ptr_eq(v[0].iov_base, ring + 3000);
	ck_assert_uint_eq(v[0].iov_len, 1096);
	ck_assert_ptr_eq(v[1].iov_base, ring);
	ck_assert_uint_eq(v[1].iov_len, 904);
	ck_assert_mem_eq(v[0].iov_base, pat + 3000, 1096);
	ck_assert_mem_eq(v[1].iov_base, pat + 4096, 904);
	/* One iovec: the first span only. */
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 1), 1096);
	tt_ok(utcp_recv_zc_done(X, c.sock, 1096));
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 904);
	ck_assert_ptr_eq(v[0].iov_base, ring);
	ck_assert_mem_eq(v[0].iov_base, pat + 4096, 904);
	tt_ok(utcp_recv_zc_done(X, c.sock, 904));
	tt_advance(40 * TT_MS);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	tt_finish(&c);
	down();
}
END_TEST

/* test_tcp_data's receiver_zero_window_and_update with done in place of
 * read: the same segments, the same windows (RFC 9293 §3.8.6.2.2). */
START_TEST(recv_zc_done_updates_the_window_as_read)
{
	struct tt_conn c;
	struct tt_seg s;
	struct iovec v[2];
	up(0, 0);
	tt_ok(utcp_setsockopt(X, L, SOL_SOCKET, SO_RCVBUF, &(int){ 4096 }, sizeof(int)));
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_uint_eq(c.syn.win, 4096);
	tt_pin(&c, TH_ACK, pat, 1460);
	tt_pin(&c, TH_ACK, pat + 1460, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(s.win, 1176);
	tt_pin(&c, TH_ACK, pat + 2920, 1176);
	tt_advance(40 * TT_MS);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(s.win, 0);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 4096);
	ck_assert_mem_eq(v[0].iov_base, pat, 4096);
	/* 100 bytes: too little to open the window (SWS avoidance). */
	tt_ok(utcp_recv_zc_done(X, c.sock, 100));
	utcp_ctx_poll(X);
	tt_expect_none();
	/* 2000 more: >= min(RCV.BUFF/2, MSS): a window update at once. */
	tt_ok(utcp_recv_zc_done(X, c.sock, 2000));
	utcp_ctx_poll(X);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(s.win, 2100);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 1996);
	ck_assert_mem_eq(v[0].iov_base, pat + 2100, 1996);
	tt_ok(utcp_recv_zc_done(X, c.sock, 1996));
	tt_finish(&c);
	down();
}
END_TEST

START_TEST(recv_zc_blocking_drives_the_stack)
{
	struct tt_conn c;
	struct tt_seg s;
	struct iovec v[2];
	up(0, 0);
	tt_passive(&c, L, TT_OPT_MSS);
	tt_ok(utcp_fcntl(X, c.sock, F_SETFL, 0)); /* blocking */
	tt_pseg(&c, &s, TH_ACK | TH_PSH, "late news", 9);
	tt_inject(&s);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 9);
	ck_assert_mem_eq(v[0].iov_base, "late news", 9);
	c.pnxt += 9;
	tt_ok(utcp_recv_zc_done(X, c.sock, 9));
	tt_err(utcp_recv_zc(X, c.sock, v, 2), EDEADLK); /* nothing more will come */
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_abort(X, c.sock));
	down();
}
END_TEST

/* ---- send ------------------------------------------------------------------------- */

START_TEST(send_zc_reserve_commit_sends_as_write)
{
	struct tt_conn c;
	struct tt_seg s;
	struct iovec v[2];
	up(0, 0);
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_uint_eq(usage().sndbufs, 0); /* idle: no send ring */
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 65536);
	ck_assert_uint_eq(usage().sndbufs, 1); /* the reserve took it */
	ck_assert_uint_eq(v[0].iov_len, 65536);
	ck_assert_ptr_null(v[1].iov_base);
	memcpy(v[0].iov_base, "hello", 5);
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 5), 5);
	utcp_ctx_poll(X);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 5);
	ck_assert_mem_eq(s.payload, "hello", 5);
	/* Nagle as for writes: the next small ones wait for the ACK. */
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 65536 - 5);
	memcpy(v[0].iov_base, "b", 1);
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 1), 1);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 1), 65536 - 6);
	memcpy(v[0].iov_base, "c", 1);
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 1), 1);
	utcp_ctx_poll(X);
	tt_expect_none();
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 2);
	ck_assert_mem_eq(s.payload, "bc", 2);
	tt_pack(&c);
	/* A commit of more than was reserved, or without a reservation. */
	tt_err(utcp_send_zc_commit(X, c.sock, 1), EINVAL);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 65536);
	tt_err(utcp_send_zc_commit(X, c.sock, 65537), EINVAL);
	tt_err(utcp_send_zc_commit(X, c.sock, 1), EINVAL); /* that ended it */
	/* A write between reserve and commit moves the room: refused. */
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 65536);
	ck_assert_int_eq(utcp_write(X, c.sock, "w", 1), 1);
	tt_err(utcp_send_zc_commit(X, c.sock, 1), EINVAL);
	utcp_ctx_poll(X);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	ck_assert_mem_eq(s.payload, "w", 1);
	tt_pack(&c);
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 0), 0);
	tt_finish(&c);
	down();
}
END_TEST

/* A send ring of 4096 bytes: 3000 written, 2000 acknowledged; the free
 * room is 3000..4095 and 0..1999. */
START_TEST(send_zc_two_spans_where_the_ring_wraps)
{
	struct tt_conn c;
	struct tt_seg s;
	struct iovec v[2];
	up(0, 4096);
	tt_passive(&c, L, TT_OPT_MSS);
	uint32_t base = c.hnxt;
	ck_assert_int_eq(utcp_write(X, c.sock, pat, 3000), 3000);
	utcp_ctx_poll(X);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 80);
	struct tt_seg a;
	tt_pseg(&c, &a, TH_ACK, NULL, 0);
	a.ack = base + 2000;
	tt_in(&a);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 3096);
	ck_assert_uint_eq(v[0].iov_len, 1096);
	ck_assert_uint_eq(v[1].iov_len, 2000);
	ck_assert_ptr_eq((uint8_t *)v[1].iov_base + 3000, v[0].iov_base);
	memcpy(v[0].iov_base, pat + 3000, 1096);
	memcpy(v[1].iov_base, pat + 4096, 2000);
	/* One iovec: the first span only. */
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 1), 1096);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 3096);
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 3096), 3096);
	tt_err(utcp_send_zc_reserve(X, c.sock, v, 2), EAGAIN); /* the ring is full */
	tt_pack(&c); /* everything sent so far: the rest goes */
	static uint8_t got[6096];
	uint32_t end = base + 3000;
	while (tt_out(&s)) {
		ck_assert_uint_eq(s.seq, end);
		ck_assert_uint_le(s.seq - base + s.len, sizeof(got));
		memcpy(got + (s.seq - base), s.payload, s.len);
		end += s.len;
	}
	ck_assert_uint_eq(end - base, 6096);
	ck_assert_mem_eq(got + 3000, pat + 3000, 3096);
	c.hnxt = end;
	tt_pack(&c);
	tt_finish(&c);
	down();
}
END_TEST

START_TEST(send_zc_full_ring_eagain)
{
	struct tt_conn c;
	struct tt_seg s;
	struct iovec v[2];
	up(0, 4096);
	tt_passive(&c, L, TT_OPT_MSS);
	c.pwin = 0; /* the peer's window shut: nothing leaves */
	tt_pack(&c);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 4096);
	memcpy(v[0].iov_base, pat, 4096);
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 4096), 4096);
	tt_err(utcp_send_zc_reserve(X, c.sock, v, 2), EAGAIN);
	tt_err(utcp_write(X, c.sock, pat, 1), EAGAIN); /* as a write finds it */
	c.pwin = 65535;
	tt_pack(&c);
	uint32_t sent = 0;
	while (tt_out(&s)) {
		ck_assert_mem_eq(s.payload, pat + sent, s.len);
		sent += s.len;
		c.hnxt += s.len;
		tt_pack(&c);
	}
	ck_assert_uint_eq(sent, 4096);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 4096); /* room again */
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 0), 0);
	tt_finish(&c);
	down();
}
END_TEST

/* A blocking reserve on a full ring drives the stack until an ACK frees
 * room, as a blocking write waits. */
START_TEST(send_zc_blocking_reserve_waits_for_room)
{
	struct tt_conn c;
	struct tt_seg s;
	struct iovec v[2];
	up(0, 4096);
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 4096);
	memcpy(v[0].iov_base, pat, 4096);
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 4096), 4096);
	utcp_ctx_poll(X);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1176);
	tt_ok(utcp_fcntl(X, c.sock, F_SETFL, 0)); /* blocking */
	tt_pseg(&c, &s, TH_ACK, NULL, 0); /* all acknowledged, waiting in the NIC */
	tt_inject(&s);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 4096);
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 0), 0);
	tt_ok(utcp_setsock_nonblock(X, c.sock));
	tt_finish(&c);
	down();
}
END_TEST

/* ---- errors, close, rings -------------------------------------------------------------- */

START_TEST(zc_errors)
{
	struct tt_conn c;
	struct iovec v[2];
	up(0, 0);
	tt_passive(&c, L, TT_OPT_MSS);
	/* No such socket, not a socket, a datagram socket. */
	tt_err(utcp_recv_zc(X, 999, v, 2), EBADF);
	tt_err(utcp_recv_zc_done(X, 999, 1), EBADF);
	tt_err(utcp_send_zc_reserve(X, 999, v, 2), EBADF);
	tt_err(utcp_send_zc_commit(X, 999, 1), EBADF);
	tt_err(utcp_recv_zc(X, -1, v, 2), EBADF);
	int ep = utcp_epoll_create(X, 1);
	tt_err(utcp_recv_zc(X, ep, v, 2), ENOTSOCK);
	tt_err(utcp_recv_zc_done(X, ep, 0), ENOTSOCK);
	tt_err(utcp_send_zc_reserve(X, ep, v, 2), ENOTSOCK);
	tt_err(utcp_send_zc_commit(X, ep, 0), ENOTSOCK);
	int u = utcp_socket(X, AF_INET, SOCK_DGRAM, 0);
	tt_ok(u);
	tt_err(utcp_recv_zc(X, u, v, 2), EINVAL);
	tt_err(utcp_recv_zc_done(X, u, 0), EINVAL);
	tt_err(utcp_send_zc_reserve(X, u, v, 2), EINVAL);
	tt_err(utcp_send_zc_commit(X, u, 0), EINVAL);
	/* Bad vectors. */
	tt_err(utcp_recv_zc(X, c.sock, v, 0), EINVAL);
	tt_err(utcp_recv_zc(X, c.sock, NULL, 2), EFAULT);
	tt_err(utcp_send_zc_reserve(X, c.sock, v, -1), EINVAL);
	tt_err(utcp_send_zc_reserve(X, c.sock, NULL, 1), EFAULT);
	/* Listening and unconnected sockets: ENOTCONN to read, EPIPE to write. */
	tt_err(utcp_recv_zc(X, L, v, 2), ENOTCONN);
	tt_err(utcp_recv_zc_done(X, L, 0), ENOTCONN);
	tt_err(utcp_send_zc_reserve(X, L, v, 2), EPIPE);
	tt_err(utcp_send_zc_commit(X, L, 0), EPIPE);
	int t = utcp_socket(X, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	tt_err(utcp_recv_zc(X, t, v, 2), ENOTCONN);
	tt_err(utcp_send_zc_reserve(X, t, v, 2), EPIPE);
	/* Connecting (non-blocking): EAGAIN, as a write. */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = TN_PEER_IP,
				 .sin_port = htons(7) };
	tt_err(utcp_connect(X, t, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	tt_err(utcp_send_zc_reserve(X, t, v, 2), EAGAIN);
	tt_err(utcp_recv_zc(X, t, v, 2), EAGAIN);
	tt_ok(utcp_close(X, t));
	utcp_ctx_poll(X);
	tn_tx_drain(tt_h.nic); /* its SYN */
	/* The sending side shut: EPIPE, and a reservation made before fails. */
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 65536);
	tt_ok(utcp_shutdown(X, c.sock, SHUT_WR));
	tt_err(utcp_send_zc_commit(X, c.sock, 1), EPIPE);
	tt_err(utcp_send_zc_reserve(X, c.sock, v, 2), EPIPE);
	struct tt_seg s;
	utcp_ctx_poll(X);
	tt_hout(&c, &s, TH_ACK | TH_FIN, c.pnxt, 0);
	/* The peer resets: the error once, as read reports it. */
	tt_pin(&c, TH_RST | TH_ACK, NULL, 0);
	tt_err(utcp_recv_zc(X, c.sock, v, 2), ECONNRESET);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 0);
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(X, c.sock));
	tt_ok(utcp_close(X, u));
	tt_ok(utcp_close(X, ep));
	down();
}
END_TEST

/* Close with room reserved and nothing committed: the FIN goes, and the
 * ring is given back with the connection (tt_down's leak check). */
START_TEST(close_with_a_reservation)
{
	struct tt_conn c;
	struct iovec v[2];
	up(0, 0);
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 65536);
	memcpy(v[0].iov_base, "never sent", 10);
	ck_assert_uint_eq(usage().sndbufs, 1);
	tt_finish(&c); /* FIN with no data before it */
	down();
}
END_TEST

/* Rings taken lazily: a reservation left unused, and bytes consumed in
 * place, leave drained rings that go back once idle (TCP_RING_IDLE). */
START_TEST(zc_rings_go_back_when_drained)
{
	struct tt_conn c;
	struct iovec v[2];
	up(0, 0);
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_int_eq(utcp_send_zc_reserve(X, c.sock, v, 2), 65536);
	ck_assert_int_eq(utcp_send_zc_commit(X, c.sock, 0), 0);
	ck_assert_uint_eq(usage().sndbufs, 1);
	tt_advance(TCP_RING_IDLE + TT_MS);
	ck_assert_uint_eq(usage().sndbufs, 0);
	tt_pin(&c, TH_ACK | TH_PSH, "data", 4);
	ck_assert_int_eq(utcp_recv_zc(X, c.sock, v, 2), 4);
	tt_ok(utcp_recv_zc_done(X, c.sock, 4));
	ck_assert_uint_eq(usage().rcvbufs, 1);
	tt_advance(TCP_RING_IDLE + TT_MS);
	ck_assert_uint_eq(usage().rcvbufs, 0);
	tn_tx_drain(tt_h.nic); /* the delayed ACK */
	tt_finish(&c);
	down();
}
END_TEST

Suite *zc_suite(void)
{
	Suite *su = suite_create("tcp_zc");
	TCase *tc = tcase_create("zc");
	tcase_add_test(tc, recv_zc_reads_the_bytes_in_place);
	tcase_add_test(tc, recv_zc_two_spans_where_the_ring_wraps);
	tcase_add_test(tc, recv_zc_done_updates_the_window_as_read);
	tcase_add_test(tc, recv_zc_blocking_drives_the_stack);
	tcase_add_test(tc, send_zc_reserve_commit_sends_as_write);
	tcase_add_test(tc, send_zc_two_spans_where_the_ring_wraps);
	tcase_add_test(tc, send_zc_full_ring_eagain);
	tcase_add_test(tc, send_zc_blocking_reserve_waits_for_room);
	tcase_add_test(tc, zc_errors);
	tcase_add_test(tc, close_with_a_reservation);
	tcase_add_test(tc, zc_rings_go_back_when_drained);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(zc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
