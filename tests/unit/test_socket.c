/*
 * tests/unit/test_socket.c - the socket API: every call's error cases
 * with Linux's errno (checked against a Linux kernel), options, fcntl and
 * ioctl, MSG_PEEK, readv/writev, the socket table limit, and blocking
 * calls that drive the stack on the test NIC's virtual clock.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static struct utcp_ctx *X;

static void setup(void)
{
	tt_up(NULL);
	X = tt_h.ctx;
}

static void teardown(void)
{
	tt_down();
}

static int tcp_sock(void)
{
	int s = utcp_socket(X, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(s, 0);
	return s;
}

static struct sockaddr_in sa_in(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = ip };
	return a;
}

#define SA(a) ((struct sockaddr *)&(a))

START_TEST(socket_errors)
{
	tt_err(utcp_socket(X, AF_UNIX, SOCK_STREAM, 0), EAFNOSUPPORT); /* AF_INET6: test_tcp6 */
	tt_err(utcp_socket(X, 99, SOCK_STREAM, 0), EAFNOSUPPORT);
	tt_err(utcp_socket(X, AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT); /* UDP: test_udp */
	tt_err(utcp_socket(X, AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
	tt_err(utcp_socket(X, AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	tt_err(utcp_socket(X, AF_INET, 99, 0), EINVAL);
	tt_err(utcp_socket(X, AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	int s = utcp_socket(X, AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(utcp_fcntl(X, s, F_GETFL, 0), O_RDWR);
	int n = utcp_socket(X, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_eq(utcp_fcntl(X, n, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, n));
	tt_err(utcp_close(X, n), EBADF);
	tt_err(utcp_close(X, -1), EBADF);
	tt_err(utcp_close(X, 100000), EBADF);
}
END_TEST

START_TEST(socket_table_full_emfile)
{
	int ids[64];
	for (int i = 0; i < 64; i++)
		ids[i] = tcp_sock();
	tt_err(utcp_socket(X, AF_INET, SOCK_STREAM, 0), EMFILE);
	tt_err(utcp_epoll_create(X, 1), EMFILE);
	tt_ok(utcp_close(X, ids[10]));
	tt_ok(utcp_close(X, ids[20]));
	ids[10] = tcp_sock(); /* freed ids come back oldest first */
	ids[20] = tcp_sock();
	ck_assert_int_eq(ids[10], 10);
	ck_assert_int_eq(ids[20], 20);
	for (int i = 0; i < 64; i++)
		tt_ok(utcp_close(X, ids[i]));
}
END_TEST

START_TEST(bind_errors)
{
	int s = tcp_sock(), t = tcp_sock(), ep = utcp_epoll_create(X, 1);
	struct sockaddr_in a = sa_in(0, 80), far = sa_in(TN_IP(10, 9, 9, 9), 80);
	tt_err(utcp_bind(X, 999, SA(a), sizeof(a)), EBADF);
	tt_err(utcp_bind(X, ep, SA(a), sizeof(a)), ENOTSOCK);
	tt_err(utcp_bind(X, s, NULL, sizeof(a)), EFAULT);
	tt_err(utcp_bind(X, s, SA(a), 8), EINVAL);
	struct sockaddr_in six = a;
	six.sin_family = AF_INET6;
	tt_err(utcp_bind(X, s, SA(six), sizeof(six)), EAFNOSUPPORT);
	tt_err(utcp_bind(X, s, SA(far), sizeof(far)), EADDRNOTAVAIL);
	tt_ok(utcp_bind(X, s, SA(a), sizeof(a)));
	tt_err(utcp_bind(X, s, SA(a), sizeof(a)), EINVAL); /* bound already */
	tt_err(utcp_bind(X, t, SA(a), sizeof(a)), EADDRINUSE);
	struct sockaddr_in own = sa_in(TN_HOST_IP, 80);
	tt_err(utcp_bind(X, t, SA(own), sizeof(own)), EADDRINUSE); /* overlaps INADDR_ANY */
	/* Port 0: an ephemeral port. */
	struct sockaddr_in z = sa_in(0, 0), got;
	socklen_t gl = sizeof(got);
	tt_ok(utcp_bind(X, t, SA(z), sizeof(z)));
	tt_ok(utcp_getsockname(X, t, SA(got), &gl));
	ck_assert_uint_ge(ntohs(got.sin_port), TCP_EPHEMERAL_LO);
	ck_assert_uint_le(ntohs(got.sin_port), TCP_EPHEMERAL_HI);
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, t));
	tt_ok(utcp_close(X, ep));
	/* After close the port is free again. */
	s = tcp_sock();
	tt_ok(utcp_bind(X, s, SA(a), sizeof(a)));
	tt_ok(utcp_close(X, s));
}
END_TEST

START_TEST(bind_reuseaddr)
{
	int s = tcp_sock(), t = tcp_sock(), u = tcp_sock();
	struct sockaddr_in a = sa_in(0, 8080);
	int on = 1;
	tt_ok(utcp_setsockopt(X, s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	tt_ok(utcp_setsockopt(X, t, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	tt_ok(utcp_bind(X, s, SA(a), sizeof(a)));
	tt_ok(utcp_bind(X, t, SA(a), sizeof(a))); /* both set it, nobody listens */
	tt_err(utcp_bind(X, u, SA(a), sizeof(a)), EADDRINUSE); /* u did not */
	tt_ok(utcp_listen(X, s, 4));
	tt_err(utcp_listen(X, t, 4), EADDRINUSE); /* one listener per address */
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_listen(X, t, 4));
	tt_ok(utcp_close(X, t));
	tt_ok(utcp_close(X, u));
}
END_TEST

/* IP_BIND_ADDRESS_NO_PORT: bind(addr, 0) sets the address only; connect
 * picks the port, listen takes one. */
START_TEST(bind_address_no_port)
{
	int s = tcp_sock(), t = tcp_sock(), on = 1, v = 0;
	socklen_t vl = sizeof(v), gl;
	struct sockaddr_in own = sa_in(TN_HOST_IP, 0), peer = sa_in(TN_PEER_IP, 7), got;
	tt_ok(utcp_setsockopt(X, s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof(on)));
	tt_ok(utcp_getsockopt(X, s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &v, &vl));
	ck_assert_int_eq(v, 1);
	tt_err(utcp_setsockopt(X, s, IPPROTO_IP, IP_TTL, &on, sizeof(on)), ENOPROTOOPT);
	tt_ok(utcp_bind(X, s, SA(own), sizeof(own)));
	gl = sizeof(got);
	tt_ok(utcp_getsockname(X, s, SA(got), &gl));
	ck_assert_uint_eq(got.sin_addr.s_addr, own.sin_addr.s_addr);
	ck_assert_uint_eq(got.sin_port, 0);
	tt_err(utcp_bind(X, s, SA(own), sizeof(own)), EINVAL); /* bound already */
	utcp_setsock_nonblock(X, s);
	tt_err(utcp_connect(X, s, SA(peer), sizeof(peer)), EINPROGRESS);
	gl = sizeof(got);
	tt_ok(utcp_getsockname(X, s, SA(got), &gl));
	ck_assert_uint_eq(got.sin_addr.s_addr, own.sin_addr.s_addr);
	ck_assert_uint_ge(ntohs(got.sin_port), TCP_EPHEMERAL_LO);
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_abort(X, s));
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_setsockopt(X, t, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof(on)));
	tt_ok(utcp_bind(X, t, SA(own), sizeof(own)));
	tt_ok(utcp_listen(X, t, 4));
	gl = sizeof(got);
	tt_ok(utcp_getsockname(X, t, SA(got), &gl));
	ck_assert_uint_ge(ntohs(got.sin_port), TCP_EPHEMERAL_LO);
	tt_ok(utcp_close(X, t));
}
END_TEST

START_TEST(listen_accept_errors)
{
	int s = tcp_sock(), ep = utcp_epoll_create(X, 1);
	tt_err(utcp_listen(X, 999, 1), EBADF);
	tt_err(utcp_listen(X, ep, 1), ENOTSOCK);
	tt_err(utcp_accept(X, s, NULL, NULL), EINVAL); /* not listening */
	tt_ok(utcp_listen(X, s, 1)); /* unbound: an ephemeral port */
	struct sockaddr_in got;
	socklen_t gl = sizeof(got);
	tt_ok(utcp_getsockname(X, s, SA(got), &gl));
	ck_assert_uint_ne(got.sin_port, 0);
	tt_ok(utcp_listen(X, s, 5)); /* again: the backlog changes */
	tt_err(utcp_accept(X, s, NULL, NULL), EAGAIN);
	tt_err(utcp_accept(X, s, SA(got), NULL), EFAULT);
	tt_err(utcp_accept(X, ep, NULL, NULL), ENOTSOCK);
	int on;
	socklen_t ol = sizeof(on);
	tt_ok(utcp_getsockopt(X, s, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol));
	ck_assert_int_eq(on, 1);
	tt_err(utcp_ioctl(X, s, FIONREAD, &on), EINVAL);
	char b[4];
	tt_err(utcp_read(X, s, b, 4), ENOTCONN);
	tt_err(utcp_write(X, s, b, 4), EPIPE);
	tt_err(utcp_connect(X, s, SA(got), sizeof(got)), EISCONN);
	tt_err(utcp_getpeername(X, s, SA(got), &gl), ENOTCONN);
	tt_ok(utcp_shutdown(X, s, SHUT_WR)); /* no effect on a listener */
	tt_ok(utcp_shutdown(X, s, SHUT_RD)); /* stops listening */
	tt_err(utcp_accept(X, s, NULL, NULL), EINVAL);
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, ep));
}
END_TEST

START_TEST(accept_emfile_keeps_connection_queued)
{
	struct tt_conn c;
	int l = tt_listen(TT_HOST_PORT, 4);
	struct tt_seg syn = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 1, .flags = TH_SYN,
			      .win = 65535 }, sa;
	tt_in(&syn);
	tt_out(&sa);
	struct tt_seg ack = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 2, .ack = sa.seq + 1,
			      .flags = TH_ACK, .win = 65535 };
	tt_in(&ack);
	int ids[63];
	for (int i = 0; i < 63; i++)
		ids[i] = tcp_sock();
	tt_err(utcp_accept(X, l, NULL, NULL), EMFILE);
	tt_ok(utcp_close(X, ids[0]));
	struct sockaddr_in peer;
	socklen_t pl = 4; /* truncated, and told the real size */
	int a = utcp_accept(X, l, SA(peer), &pl);
	ck_assert_int_ge(a, 0);
	ck_assert_uint_eq(pl, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(peer.sin_family, AF_INET);
	for (int i = 1; i < 63; i++)
		tt_ok(utcp_close(X, ids[i]));
	tt_ok(utcp_abort(X, a));
	tt_ok(utcp_close(X, l));
	(void)c;
}
END_TEST

START_TEST(connect_errors_and_sequence)
{
	int s = tcp_sock(), ep = utcp_epoll_create(X, 1);
	struct sockaddr_in a = sa_in(TN_PEER_IP, 7);
	tt_err(utcp_connect(X, 999, SA(a), sizeof(a)), EBADF);
	tt_err(utcp_connect(X, ep, SA(a), sizeof(a)), ENOTSOCK);
	tt_err(utcp_connect(X, s, NULL, sizeof(a)), EFAULT);
	tt_err(utcp_connect(X, s, SA(a), 4), EINVAL);
	struct sockaddr_in six = a;
	six.sin_family = AF_INET6;
	tt_err(utcp_connect(X, s, SA(six), sizeof(six)), EAFNOSUPPORT);
	struct sockaddr_in any = sa_in(0, 7);
	tt_err(utcp_connect(X, s, SA(any), sizeof(any)), ENETUNREACH);
	char b[4];
	tt_err(utcp_read(X, s, b, 4), ENOTCONN);   /* never connected */
	tt_err(utcp_write(X, s, b, 4), EPIPE);     /* Linux: EPIPE, not ENOTCONN */
	tt_err(utcp_shutdown(X, s, SHUT_WR), ENOTCONN);
	tt_err(utcp_shutdown(X, s, 7), EINVAL);
	struct sockaddr_in got;
	socklen_t gl = sizeof(got);
	tt_err(utcp_getpeername(X, s, SA(got), &gl), ENOTCONN);
	tt_err(utcp_getpeername(X, s, NULL, &gl), EFAULT);
	tt_err(utcp_getsockname(X, s, SA(got), NULL), EFAULT);
	tt_err(utcp_connect(X, s, SA(a), sizeof(a)), EINPROGRESS);
	tt_err(utcp_connect(X, s, SA(a), sizeof(a)), EALREADY);
	tt_err(utcp_read(X, s, b, 4), EAGAIN);   /* connecting */
	tt_err(utcp_write(X, s, b, 4), EAGAIN);
	tt_err(utcp_getpeername(X, s, SA(got), &gl), ENOTCONN);
	tt_err(utcp_listen(X, s, 1), EINVAL);
	tt_err(utcp_bind(X, s, SA(any), sizeof(any)), EINVAL);
	utcp_ctx_poll(X);
	struct tt_seg syn, sa;
	tt_out(&syn);
	memset(&sa, 0, sizeof(sa));
	sa.sport = 7;
	sa.dport = syn.sport;
	sa.seq = 100;
	sa.ack = syn.seq + 1;
	sa.flags = TH_SYN | TH_ACK;
	sa.win = 1000;
	tt_in(&sa);
	tt_ok(utcp_connect(X, s, SA(a), sizeof(a))); /* completes, as Linux */
	tt_err(utcp_connect(X, s, SA(a), sizeof(a)), EISCONN);
	tt_err(utcp_listen(X, s, 1), EINVAL);
	tt_ok(utcp_getpeername(X, s, SA(got), &gl));
	ck_assert_uint_eq(got.sin_addr.s_addr, TN_PEER_IP);
	/* The same 4-tuple again from an explicitly bound socket. */
	int t = tcp_sock();
	struct sockaddr_in mine = sa_in(0, syn.sport);
	int on = 1;
	tt_ok(utcp_setsockopt(X, t, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	tt_err(utcp_bind(X, t, SA(mine), sizeof(mine)), EADDRINUSE); /* the connection did not set it */
	tt_ok(utcp_abort(X, s));
	tt_ok(utcp_close(X, t));
	tt_ok(utcp_close(X, ep));
}
END_TEST

START_TEST(connect_refused_then_again)
{
	int s = tcp_sock();
	struct sockaddr_in a = sa_in(TN_PEER_IP, 7);
	tt_err(utcp_connect(X, s, SA(a), sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(X);
	struct tt_seg syn;
	tt_out(&syn);
	struct tt_seg rst = { .sport = 7, .dport = syn.sport, .ack = syn.seq + 1,
			      .flags = TH_RST | TH_ACK };
	tt_in(&rst);
	tt_err(utcp_connect(X, s, SA(a), sizeof(a)), ECONNREFUSED);
	tt_err(utcp_connect(X, s, SA(a), sizeof(a)), EINPROGRESS); /* a new attempt */
	tt_ok(utcp_close(X, s));
}
END_TEST

START_TEST(data_calls_errors)
{
	struct tt_conn c;
	int l = tt_listen(TT_HOST_PORT, 4);
	tt_passive(&c, l, TT_OPT_MSS);
	char b[16];
	tt_err(utcp_read(X, c.sock, NULL, 4), EFAULT);
	ck_assert_int_eq(utcp_read(X, c.sock, NULL, 0), 0);
	tt_err(utcp_write(X, c.sock, NULL, 4), EFAULT);
	ck_assert_int_eq(utcp_write(X, c.sock, b, 0), 0);
	tt_err(utcp_read(X, c.sock, b, 4), EAGAIN);
	tt_err(utcp_recv(X, c.sock, b, 4, MSG_OOB), EINVAL);
	tt_err(utcp_send(X, c.sock, b, 4, MSG_OOB), EOPNOTSUPP);
	tt_err(utcp_readv(X, c.sock, NULL, 1), EFAULT);
	tt_err(utcp_readv(X, c.sock, (struct iovec[1]){ { b, 4 } }, -1), EINVAL);
	tt_err(utcp_readv(X, c.sock, (struct iovec[1]){ { b, 4 } }, 1025), EINVAL);
	tt_err(utcp_writev(X, c.sock, (struct iovec[2]){ { b, 4 }, { NULL, 2 } }, 2), EFAULT);
	int ep = utcp_epoll_create(X, 1);
	tt_err(utcp_read(X, ep, b, 4), ENOTSOCK);
	tt_err(utcp_write(X, ep, b, 4), ENOTSOCK);
	tt_err(utcp_read(X, 999, b, 4), EBADF);
	/* MSG_PEEK leaves the data; readv scatters it. */
	tt_pin(&c, TH_ACK | TH_PSH, "0123456789", 10);
	ck_assert_int_eq(utcp_recv(X, c.sock, b, 4, MSG_PEEK), 4);
	ck_assert_mem_eq(b, "0123", 4);
	int n;
	tt_ok(utcp_ioctl(X, c.sock, FIONREAD, &n));
	ck_assert_int_eq(n, 10);
	char x[3], y[5];
	struct iovec iov[2] = { { x, 3 }, { y, 5 } };
	ck_assert_int_eq(utcp_readv(X, c.sock, iov, 2), 8);
	ck_assert_mem_eq(x, "012", 3);
	ck_assert_mem_eq(y, "34567", 5);
	ck_assert_int_eq(utcp_recv(X, c.sock, b, 16, MSG_DONTWAIT), 2);
	ck_assert_mem_eq(b, "89", 2);
	/* writev gathers. */
	struct iovec w[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
	ck_assert_int_eq(utcp_writev(X, c.sock, w, 3), 5);
	utcp_ctx_poll(X);
	struct tt_seg s;
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 5);
	ck_assert_mem_eq(s.payload, "abcde", 5);
	tt_pack(&c);
	tt_ok(utcp_close(X, ep));
	tt_finish(&c);
	tt_ok(utcp_close(X, l));
}
END_TEST

START_TEST(send_buffer_full_eagain_and_partial)
{
	struct tt_conn c;
	static uint8_t big[70000];
	int l = tt_listen(TT_HOST_PORT, 4);
	tt_passive(&c, l, TT_OPT_MSS);
	c.pwin = 0;
	tt_pack(&c); /* nothing leaves: the buffer fills */
	ck_assert_int_eq(utcp_write(X, c.sock, big, sizeof(big)), 65536); /* partial */
	tt_err(utcp_write(X, c.sock, big, 1), EAGAIN);
	int v;
	socklen_t vl = sizeof(v);
	tt_ok(utcp_getsockopt(X, c.sock, SOL_SOCKET, SO_SNDBUF, &v, &vl));
	ck_assert_int_eq(v, 65536);
	tt_ok(utcp_abort(X, c.sock));
	tt_ok(utcp_close(X, l));
}
END_TEST

START_TEST(sockopt_errors_and_values)
{
	int s = tcp_sock(), ep = utcp_epoll_create(X, 1);
	int v = 1;
	socklen_t vl = sizeof(v);
	char name[16];
	tt_err(utcp_setsockopt(X, s, 999, 1, &v, sizeof(v)), ENOPROTOOPT);
	tt_err(utcp_setsockopt(X, s, SOL_SOCKET, 12345, &v, sizeof(v)), ENOPROTOOPT);
	tt_err(utcp_setsockopt(X, s, SOL_SOCKET, SO_ERROR, &v, sizeof(v)), ENOPROTOOPT);
	tt_err(utcp_setsockopt(X, s, SOL_SOCKET, SO_RCVTIMEO, &v, sizeof(v)), ENOPROTOOPT);
	tt_err(utcp_setsockopt(X, s, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v)), ENOPROTOOPT);
	tt_err(utcp_getsockopt(X, s, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v, &vl), ENOPROTOOPT);
	tt_err(utcp_setsockopt(X, s, SOL_SOCKET, SO_KEEPALIVE, &v, 2), EINVAL);
	tt_err(utcp_setsockopt(X, s, SOL_SOCKET, SO_KEEPALIVE, NULL, 4), EFAULT);
	tt_err(utcp_getsockopt(X, s, SOL_SOCKET, SO_KEEPALIVE, NULL, &vl), EFAULT);
	tt_err(utcp_setsockopt(X, ep, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)), ENOTSOCK);
	tt_err(utcp_setsockopt(X, 999, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)), EBADF);
	tt_err(utcp_setsockopt(X, s, IPPROTO_TCP, TCP_MAXSEG, &(int){ 50 }, sizeof(int)), EINVAL);
	tt_err(utcp_setsockopt(X, s, IPPROTO_TCP, TCP_KEEPIDLE, &(int){ 0 }, sizeof(int)), EINVAL);
	tt_err(utcp_setsockopt(X, s, IPPROTO_TCP, TCP_KEEPINTVL, &(int){ 40000 }, sizeof(int)),
	       EINVAL);
	tt_err(utcp_setsockopt(X, s, IPPROTO_TCP, TCP_KEEPCNT, &(int){ 128 }, sizeof(int)), EINVAL);
	tt_err(utcp_setsockopt(X, s, IPPROTO_TCP, TCP_CONGESTION, "nope", 4), ENOENT);
	tt_ok(utcp_setsockopt(X, s, IPPROTO_TCP, TCP_CONGESTION, "newreno", 7));
	vl = sizeof(name);
	tt_ok(utcp_getsockopt(X, s, IPPROTO_TCP, TCP_CONGESTION, name, &vl));
	ck_assert_str_eq(name, "newreno");
	/* Values read back. */
	tt_ok(utcp_setsockopt(X, s, IPPROTO_TCP, TCP_KEEPIDLE, &(int){ 77 }, sizeof(int)));
	vl = sizeof(v);
	tt_ok(utcp_getsockopt(X, s, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl));
	ck_assert_int_eq(v, 77);
	tt_ok(utcp_getsockopt(X, s, IPPROTO_TCP, TCP_KEEPCNT, &v, &vl));
	ck_assert_int_eq(v, TCP_KEEPCNT_DEFAULT);
	tt_ok(utcp_getsockopt(X, s, IPPROTO_TCP, TCP_MAXSEG, &v, &vl));
	ck_assert_int_eq(v, TCP_DEFAULT_MSS); /* unconnected, as Linux */
	tt_ok(utcp_setsockopt(X, s, SOL_SOCKET, SO_RCVBUF, &(int){ 1 << 30 }, sizeof(int)));
	tt_ok(utcp_getsockopt(X, s, SOL_SOCKET, SO_RCVBUF, &v, &vl));
	ck_assert_int_eq(v, 65536); /* capped by the context's rcvbuf */
	tt_ok(utcp_setsockopt(X, s, SOL_SOCKET, SO_SNDBUF, &(int){ 100 }, sizeof(int)));
	tt_ok(utcp_getsockopt(X, s, SOL_SOCKET, SO_SNDBUF, &v, &vl));
	ck_assert_int_eq(v, TCP_BUF_MIN);
	tt_ok(utcp_getsockopt(X, s, SOL_SOCKET, SO_TYPE, &v, &vl));
	ck_assert_int_eq(v, SOCK_STREAM);
	tt_ok(utcp_setsockopt(X, s, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)));
	tt_ok(utcp_getsockopt(X, s, IPPROTO_TCP, TCP_NODELAY, &v, &vl));
	ck_assert_int_eq(v, 1);
	struct linger lg = { 1, 3 }, lg2;
	tt_err(utcp_setsockopt(X, s, SOL_SOCKET, SO_LINGER, &lg, 4), EINVAL);
	tt_ok(utcp_setsockopt(X, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	vl = sizeof(lg2);
	tt_ok(utcp_getsockopt(X, s, SOL_SOCKET, SO_LINGER, &lg2, &vl));
	ck_assert_int_eq(lg2.l_onoff, 1);
	ck_assert_int_eq(lg2.l_linger, 3);
	vl = sizeof(v);
	tt_ok(utcp_getsockopt(X, s, SOL_SOCKET, SO_ERROR, &v, &vl));
	ck_assert_int_eq(v, 0);
	/* fcntl / ioctl */
	tt_ok(utcp_fcntl(X, s, F_SETFL, 0));
	ck_assert_int_eq(utcp_fcntl(X, s, F_GETFL, 0), O_RDWR);
	tt_ok(utcp_ioctl(X, s, FIONBIO, &(int){ 1 }));
	ck_assert_int_eq(utcp_fcntl(X, s, F_GETFL, 0), O_RDWR | O_NONBLOCK);
	tt_err(utcp_fcntl(X, s, F_DUPFD, 0), EINVAL);
	tt_err(utcp_ioctl(X, s, 0x1234, &v), ENOTTY);
	tt_err(utcp_ioctl(X, s, FIONREAD, NULL), EFAULT);
	tt_err(utcp_fcntl(X, 999, F_GETFL, 0), EBADF);
	tt_ok(utcp_ioctl(X, s, FIONREAD, &v));
	ck_assert_int_eq(v, 0);
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, ep));
}
END_TEST

/* ---- blocking calls drive the stack (virtual time on the test NIC) ------------------------ */

START_TEST(blocking_read_drives_the_stack)
{
	struct tt_conn c;
	struct tt_seg s;
	char b[16];
	int l = tt_listen(TT_HOST_PORT, 4);
	tt_passive(&c, l, TT_OPT_MSS);
	tt_ok(utcp_fcntl(X, c.sock, F_SETFL, 0)); /* blocking */
	/* The segment waits in the NIC; read processes it and returns it. */
	tt_pseg(&c, &s, TH_ACK | TH_PSH, "late news", 9);
	tt_inject(&s);
	ck_assert_int_eq(utcp_read(X, c.sock, b, sizeof(b)), 9);
	ck_assert_mem_eq(b, "late news", 9);
	c.pnxt += 9;
	/* Nothing more will ever come: the NIC's wait says so (EDEADLK). */
	tt_err(utcp_read(X, c.sock, b, sizeof(b)), EDEADLK);
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_abort(X, c.sock));
	tt_ok(utcp_close(X, l));
}
END_TEST

START_TEST(blocking_connect_times_out)
{
	int s = utcp_socket(X, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = sa_in(TN_PEER_IP, 7);
	utcp_time_t t = tt_now();
	tt_err(utcp_connect(X, s, SA(a), sizeof(a)), ETIMEDOUT);
	ck_assert_uint_eq(tt_now() - t, 183 * TT_SEC); /* RFC 1122 §4.2.3.5: > 3 minutes */
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(X, s));
}
END_TEST

START_TEST(blocking_write_partial_on_error)
{
	struct tt_conn c;
	static uint8_t big[100000];
	int l = tt_listen(TT_HOST_PORT, 4);
	tt_passive(&c, l, TT_OPT_MSS);
	tt_ok(utcp_fcntl(X, c.sock, F_SETFL, 0));
	/* The peer vanishes: the write fills the buffer, waits, and returns what
	 * it queued once the connection times out. */
	ck_assert_int_eq(utcp_write(X, c.sock, big, sizeof(big)), 65536);
	char b[4];
	tt_err(utcp_write(X, c.sock, b, 4), ETIMEDOUT);
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(X, c.sock));
	tt_ok(utcp_close(X, l));
}
END_TEST

Suite *socket_suite(void)
{
	Suite *su = suite_create("socket");
	TCase *tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, socket_errors);
	tcase_add_test(tc, socket_table_full_emfile);
	tcase_add_test(tc, bind_errors);
	tcase_add_test(tc, bind_reuseaddr);
	tcase_add_test(tc, bind_address_no_port);
	tcase_add_test(tc, listen_accept_errors);
	tcase_add_test(tc, accept_emfile_keeps_connection_queued);
	tcase_add_test(tc, connect_errors_and_sequence);
	tcase_add_test(tc, connect_refused_then_again);
	tcase_add_test(tc, data_calls_errors);
	tcase_add_test(tc, send_buffer_full_eagain_and_partial);
	tcase_add_test(tc, sockopt_errors_and_values);
	tcase_add_test(tc, blocking_read_drives_the_stack);
	tcase_add_test(tc, blocking_connect_times_out);
	tcase_add_test(tc, blocking_write_partial_on_error);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(socket_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
