/*
 * tests/unit/test_udp.c - UDP (RFC 768) as packet traces.
 *
 * The host is 10.0.0.1 on the test NIC; the test plays the peer 10.0.0.2
 * (its MAC learned from an ARP request in the fixture).  A test builds a
 * datagram, feeds it, and checks what the socket gives or what the host
 * sends, byte for byte: datagrams in and out, the checksum (zero accepted,
 * a zero sum sent as all ones, a bad one dropped), damaged headers dropped
 * and counted, port unreachable for a closed port and its rate limit,
 * ECONNREFUSED on a connected socket, the receive-buffer bound, the
 * message flags and Linux's errno for misuse.  Every fixture ends with a
 * leak check (tn_host_down: the NIC's pool whole again).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/statprint.h>
#include <utcp/utcp.h>

#include "core/base/bytes.h"
#include "core/wire/udp.h"
#include "tests/unit/testnic.h"

#define X h.ctx
#define HOST_PORT 5000
#define PEER_PORT 4000

static struct tn_host h;
static uint8_t f[TN_FRAME_MAX], want[TN_FRAME_MAX], out[TN_FRAME_MAX];

#define tt_ok(expr) ck_assert_msg((expr) >= 0, "%s: %s", #expr, strerror(errno))
#define tt_err(expr, e)                                                                  \
	do {                                                                             \
		errno = 0;                                                               \
		long r_ = (long)(expr);                                                  \
		ck_assert_msg(r_ == -1 && errno == (e), "%s: got %ld errno %d (%s), want %s", \
			      #expr, r_, errno, strerror(errno), #e);                    \
	} while (0)

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(h.ctx);
}

static void rx(const uint8_t *frame, size_t len)
{
	ck_assert_int_eq(tn_inject(h.nic, 0, frame, len), 0);
	utcp_ctx_poll(h.ctx);
}

static void setup(void)
{
	struct utcp_config c;
	tn_host_config(&c);
	tn_host_up(&h, &c, 1);
	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
		     TN_HOST_IP));
	ck_assert_uint_eq(tn_tx_drain(h.nic), 1);
}

static void teardown(void)
{
	tn_host_down(&h);
}

static struct sockaddr_in sa(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = ip };
	return a;
}
#define SA(a) ((struct sockaddr *)&(a))

/* A UDP datagram (header + data) into u; checksum computed unless
 * cksum_zero.  Returns its length. */
static size_t udp_build(uint8_t *u, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
			const void *data, size_t len, int cksum_zero)
{
	struct utcp_inaddr s = { .family = AF_INET, .u.v4 = src };
	struct utcp_inaddr d = { .family = AF_INET, .u.v4 = dst };
	wr16(u, sport);
	wr16(u + 2, dport);
	wr16(u + 4, (uint16_t)(8 + len));
	u[6] = u[7] = 0;
	memcpy(u + 8, data, len);
	if (!cksum_zero) {
		uint16_t ck = utcp_udp_csum(&s, &d, u, 8 + len);
		memcpy(u + 6, &ck, 2);
	}
	return 8 + len;
}

/* Peer -> host datagram frame in f. */
static size_t peer_dgram(uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	uint8_t u[TN_FRAME_MAX];
	size_t ul = udp_build(u, TN_PEER_IP, TN_HOST_IP, sport, dport, data, len, 0);
	return tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, ul);
}

/* Host -> peer datagram, as it must leave, into want. */
static size_t host_dgram(uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	uint8_t u[TN_FRAME_MAX];
	size_t ul = udp_build(u, TN_HOST_IP, TN_PEER_IP, sport, dport, data, len, 0);
	return tn_ipv4(want, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 17, u, ul);
}

static int udp_sock(uint16_t port)
{
	int s = utcp_socket(X, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(s, 0);
	if (port) {
		struct sockaddr_in a = sa(INADDR_ANY, port);
		tt_ok(utcp_bind(X, s, SA(a), sizeof(a)));
	}
	return s;
}

START_TEST(datagram_in_reaches_socket)
{
	int s = udp_sock(HOST_PORT);
	char buf[64];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);

	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	rx(f, peer_dgram(PEER_PORT, HOST_PORT, "hello", 5));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_int_eq(utcp_recvfrom(X, s, buf, sizeof(buf), 0, SA(from), &fl), 5);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_uint_eq(fl, sizeof(from));
	ck_assert_uint_eq(from.sin_family, AF_INET);
	ck_assert_uint_eq(from.sin_addr.s_addr, TN_PEER_IP);
	ck_assert_uint_eq(ntohs(from.sin_port), PEER_PORT);
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	ck_assert_uint_eq(st()->udp_rx, 1);
	ck_assert_uint_eq(st()->udp_rx_delivered, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
	tt_ok(utcp_close(X, s));
}
END_TEST

START_TEST(datagram_out_exact)
{
	static const size_t sizes[] = { 0, 1, 3, 100, 1472 };
	static uint8_t data[1472];
	size_t n = sizes[_i];
	int s = udp_sock(HOST_PORT);
	struct sockaddr_in to = sa(TN_PEER_IP, PEER_PORT);

	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(utcp_sendto(X, s, data, n, 0, SA(to), sizeof(to)), (ssize_t)n);
	utcp_ctx_poll(X);
	tn_expect_tx_ipv4(h.nic, 0, want, host_dgram(HOST_PORT, PEER_PORT, data, n));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->udp_tx, 1);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* RFC 768: a computed checksum of zero goes out as all ones. */
START_TEST(zero_sum_sent_as_ones)
{
	int s = udp_sock(HOST_PORT);
	struct sockaddr_in to = sa(TN_PEER_IP, PEER_PORT);
	struct utcp_inaddr a = { .family = AF_INET, .u.v4 = TN_HOST_IP };
	struct utcp_inaddr b = { .family = AF_INET, .u.v4 = TN_PEER_IP };
	uint8_t u[10], data[2] = { 0, 0 };
	/* Find the two payload octets whose sum makes the checksum 0. */
	for (unsigned v = 0; v < 65536; v++) {
		wr16(data, (uint16_t)v);
		udp_build(u, TN_HOST_IP, TN_PEER_IP, HOST_PORT, PEER_PORT, data, 2, 1);
		uint32_t sum = utcp_inaddr_pseudo(&a, &b, 17, 10);
		if (utcp_csum_fold(utcp_csum_partial(u, 10, sum)) == 0)
			break;
	}
	ck_assert_int_eq(utcp_sendto(X, s, data, 2, 0, SA(to), sizeof(to)), 2);
	utcp_ctx_poll(X);
	size_t n = tn_tx_pop(h.nic, 0, out, sizeof(out));
	ck_assert_uint_eq(n, 14 + 20 + 10);
	ck_assert_uint_eq(rd16(out + 14 + 20 + 6), 0xffff);
	tt_ok(utcp_close(X, s));
}
END_TEST

START_TEST(zero_checksum_accepted_bad_dropped)
{
	int s = udp_sock(HOST_PORT);
	uint8_t u[64];
	char buf[16];
	size_t ul = udp_build(u, TN_PEER_IP, TN_HOST_IP, PEER_PORT, HOST_PORT, "nock", 4, 1);
	rx(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, ul));
	ck_assert_int_eq(utcp_recv(X, s, buf, sizeof(buf), 0), 4);
	ck_assert_mem_eq(buf, "nock", 4);
	ul = udp_build(u, TN_PEER_IP, TN_HOST_IP, PEER_PORT, HOST_PORT, "bad!", 4, 0);
	u[9] ^= 0x20; /* one bit of data */
	rx(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, ul));
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_udp_cksum, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
	/* A NIC's verdict is trusted either way. */
	peer_dgram(PEER_PORT, HOST_PORT, "good", 4);
	f[14 + 20 + 6] ^= 0xff;
	ck_assert_int_eq(tn_inject_flags(h.nic, 0, f, 14 + 20 + 12, UTCP_PKT_RX_L4_CKSUM_GOOD), 0);
	utcp_ctx_poll(X);
	ck_assert_int_eq(utcp_recv(X, s, buf, sizeof(buf), 0), 4);
	tt_ok(utcp_close(X, s));
}
END_TEST

enum { D_SHORT, D_LEN_SMALL, D_LEN_BIG, D_LEN_ZERO, D_COUNT };

START_TEST(damaged_header_dropped)
{
	int s = udp_sock(HOST_PORT);
	uint8_t u[64];
	size_t ul = udp_build(u, TN_PEER_IP, TN_HOST_IP, PEER_PORT, HOST_PORT, "abcd", 4, 0);
	const uint64_t *counter = &st()->drop_udp_len;
	switch (_i) {
	case D_SHORT: ul = 7; counter = &st()->drop_udp_short; break;
	case D_LEN_SMALL: wr16(u + 4, 7); break;
	case D_LEN_BIG: wr16(u + 4, 13); break; /* beyond the IP datagram */
	case D_LEN_ZERO: wr16(u + 4, 0); break;
	}
	rx(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, ul));
	tn_expect_no_tx(h.nic, 0); /* no port unreachable for garbage */
	ck_assert_uint_eq(st()->udp_rx, 1);
	ck_assert_uint_eq(*counter, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
	ck_assert_uint_eq(st()->udp_rx_delivered, 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(X), 0);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* Octets after the UDP Length are IP padding: cut off, not delivered. */
START_TEST(padding_after_length_ignored)
{
	int s = udp_sock(HOST_PORT);
	uint8_t u[64];
	char buf[16];
	size_t ul = udp_build(u, TN_PEER_IP, TN_HOST_IP, PEER_PORT, HOST_PORT, "abc", 3, 0);
	memcpy(u + ul, "PAD", 3);
	rx(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, ul + 3));
	ck_assert_int_eq(utcp_recv(X, s, buf, sizeof(buf), 0), 3);
	ck_assert_mem_eq(buf, "abc", 3);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* RFC 792 destination unreachable, code 3, quoting the datagram. */
static size_t port_unreach(const uint8_t *frame, size_t flen)
{
	uint8_t m[TN_FRAME_MAX];
	size_t q = flen - 14;
	memset(m, 0, 8);
	m[0] = 3;
	m[1] = 3;
	memcpy(m + 8, frame + 14, q);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(m, 8 + q, 0));
	memcpy(m + 2, &ck, 2);
	return tn_ipv4(want, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 1, m, 8 + q);
}

START_TEST(closed_port_unreachable)
{
	size_t fl = peer_dgram(PEER_PORT, 9999, "anyone?", 7);
	rx(f, fl);
	tn_expect_tx_ipv4(h.nic, 0, want, port_unreach(f, fl));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_udp_no_port, 1);
	ck_assert_uint_eq(st()->icmp_unreach_tx, 1);
	/* A socket on the port, but bound to another address: still closed. */
	int s = utcp_socket(X, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = sa(TN_HOST_IP, 9999);
	tt_ok(utcp_bind(X, s, SA(a), sizeof(a)));
	rx(f, fl);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 0);
	ck_assert_uint_eq(st()->udp_rx_delivered, 1);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* RFC 1812 §4.3.2.8: a burst of UTCP_ICMP_BURST, then one per ms. */
START_TEST(port_unreachable_rate_limited)
{
	size_t fl = peer_dgram(PEER_PORT, 9999, "x", 1);
	for (int i = 0; i < 60; i++) {
		ck_assert_int_eq(tn_inject(h.nic, 0, f, fl), 0);
		if (i % 16 == 15)
			utcp_ctx_poll(X);
	}
	utcp_ctx_poll(X);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 50);
	ck_assert_uint_eq(st()->icmp_unreach_tx, 50);
	ck_assert_uint_eq(st()->icmp_ratelimited, 10);
	ck_assert_uint_eq(st()->drop_udp_no_port, 60);
	tn_tx_drain(h.nic);
	tn_advance(h.nic, 5 * UTCP_NSEC_PER_MSEC + 1);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(tn_inject(h.nic, 0, f, fl), 0);
	utcp_ctx_poll(X);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 5);
	ck_assert_uint_eq(st()->icmp_ratelimited, 15);
}
END_TEST

/* The peer's gateway (or the peer) says port unreachable about our
 * datagram in out[0..ol). */
static void icmp_about(const uint8_t *frame, size_t flen, uint8_t type, uint8_t code)
{
	uint8_t m[TN_FRAME_MAX];
	size_t q = flen - 14 < 28 ? flen - 14 : 28;
	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	memcpy(m + 8, frame + 14, q);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(m, 8 + q, 0));
	memcpy(m + 2, &ck, 2);
	rx(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 1, m, 8 + q));
}

START_TEST(port_unreachable_is_econnrefused)
{
	int s = udp_sock(0), ep = utcp_epoll_create1(X, 0);
	struct sockaddr_in to = sa(TN_PEER_IP, PEER_PORT);
	struct epoll_event ev = { .events = EPOLLIN }, evs[2];
	char buf[8];
	tt_ok(utcp_connect(X, s, SA(to), sizeof(to)));
	tt_ok(utcp_epoll_ctl(X, ep, EPOLL_CTL_ADD, s, &ev));
	ck_assert_int_eq(utcp_epoll_wait(X, ep, evs, 2, 0), 0);
	ck_assert_int_eq(utcp_send(X, s, "ping", 4, 0), 4);
	utcp_ctx_poll(X);
	size_t ol = tn_tx_pop(h.nic, 0, out, sizeof(out));
	ck_assert_uint_eq(ol, 14 + 20 + 12);
	icmp_about(out, ol, 3, 3);
	ck_assert_uint_eq(st()->udp_icmp_errors, 1);
	ck_assert_int_eq(utcp_epoll_wait(X, ep, evs, 2, 0), 1);
	ck_assert_uint_eq(evs[0].events, EPOLLERR);
	/* RFC 1122 §4.1.3.3: reported once, by the next call. */
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), ECONNREFUSED);
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	ck_assert_int_eq(utcp_epoll_wait(X, ep, evs, 2, 0), 0);
	icmp_about(out, ol, 3, 3);
	tt_err(utcp_send(X, s, "ping", 4, 0), ECONNREFUSED);
	ck_assert_int_eq(utcp_send(X, s, "ping", 4, 0), 4);
	/* A soft error (time exceeded, net unreachable) is not reported. */
	icmp_about(out, ol, 11, 0);
	icmp_about(out, ol, 3, 0);
	ck_assert_int_eq(utcp_send(X, s, "ping", 4, 0), 4);
	ck_assert_uint_eq(st()->drop_udp_icmp, 2);
	tn_tx_drain(h.nic);
	tt_ok(utcp_close(X, ep));
	tt_ok(utcp_close(X, s));
}
END_TEST

/* An unconnected socket cannot tell which peer an error is about. */
START_TEST(unconnected_ignores_icmp)
{
	int s = udp_sock(HOST_PORT);
	struct sockaddr_in to = sa(TN_PEER_IP, PEER_PORT);
	char buf[8];
	ck_assert_int_eq(utcp_sendto(X, s, "ping", 4, 0, SA(to), sizeof(to)), 4);
	utcp_ctx_poll(X);
	size_t ol = tn_tx_pop(h.nic, 0, out, sizeof(out));
	icmp_about(out, ol, 3, 3);
	ck_assert_uint_eq(st()->drop_udp_icmp, 1);
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	ck_assert_int_eq(utcp_sendto(X, s, "ping", 4, 0, SA(to), sizeof(to)), 4);
	tn_tx_drain(h.nic);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* A connected socket takes only its peer's datagrams. */
START_TEST(connected_filters_sources)
{
	int s = udp_sock(HOST_PORT);
	struct sockaddr_in to = sa(TN_PEER_IP, PEER_PORT);
	char buf[8];
	tt_ok(utcp_connect(X, s, SA(to), sizeof(to)));
	size_t fl = peer_dgram(PEER_PORT + 1, HOST_PORT, "other", 5);
	rx(f, fl);
	tn_expect_tx_ipv4(h.nic, 0, want, port_unreach(f, fl));
	rx(f, peer_dgram(PEER_PORT, HOST_PORT, "mine", 4));
	ck_assert_int_eq(utcp_read(X, s, buf, sizeof(buf)), 4);
	ck_assert_mem_eq(buf, "mine", 4);
	/* Disconnected: anyone again, and the bound port stays. */
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	tt_ok(utcp_connect(X, s, &un, sizeof(un)));
	rx(f, peer_dgram(PEER_PORT + 1, HOST_PORT, "other", 5));
	ck_assert_int_eq(utcp_read(X, s, buf, sizeof(buf)), 5);
	tt_err(utcp_write(X, s, "x", 1), EDESTADDRREQ);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* Bound in bytes: each datagram costs its length + UDP_DGRAM_OVERHEAD. */
START_TEST(receive_buffer_bound)
{
	static char data[500];
	int s = udp_sock(HOST_PORT), rb = 2048;
	char buf[600];
	socklen_t l = sizeof(rb);
	tt_ok(utcp_setsockopt(X, s, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb)));
	rb = 0;
	tt_ok(utcp_getsockopt(X, s, SOL_SOCKET, SO_RCVBUF, &rb, &l));
	ck_assert_int_eq(rb, 2048);
	memset(data, 'q', sizeof(data));
	for (int i = 0; i < 5; i++) {
		data[0] = (char)('0' + i);
		rx(f, peer_dgram(PEER_PORT, HOST_PORT, data, sizeof(data)));
	}
	ck_assert_uint_eq(st()->udp_rx_delivered, 2); /* 2 * 756 <= 2048 < 3 * 756 */
	ck_assert_uint_eq(st()->drop_udp_rcvbuf, 3);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(X), 2);
	int n = 0;
	tt_ok(utcp_ioctl(X, s, FIONREAD, &n));
	ck_assert_int_eq(n, 500);
	ck_assert_int_eq(utcp_recv(X, s, buf, sizeof(buf), 0), 500);
	ck_assert_int_eq(buf[0], '0');
	rx(f, peer_dgram(PEER_PORT, HOST_PORT, data, sizeof(data))); /* room again */
	ck_assert_uint_eq(st()->udp_rx_delivered, 3);
	ck_assert_int_eq(utcp_recv(X, s, buf, sizeof(buf), 0), 500);
	ck_assert_int_eq(buf[0], '1');
	/* Closing with a datagram queued gives its buffer back (teardown checks). */
	tt_ok(utcp_close(X, s));
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(X), 0);
}
END_TEST

START_TEST(recvmsg_flags)
{
	int s = udp_sock(HOST_PORT);
	char a[4], b[8];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct sockaddr_in from;
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = iov,
			    .msg_iovlen = 2 };
	rx(f, peer_dgram(PEER_PORT, HOST_PORT, "0123456789abcdef", 16));
	/* Peek, cut: MSG_TRUNC in msg_flags, the datagram stays. */
	ck_assert_int_eq(utcp_recvmsg(X, s, &m, MSG_PEEK), 12);
	ck_assert_int_eq(m.msg_flags, MSG_TRUNC);
	ck_assert_mem_eq(a, "0123", 4);
	ck_assert_mem_eq(b, "456789ab", 8);
	ck_assert_uint_eq(ntohs(from.sin_port), PEER_PORT);
	/* MSG_TRUNC in flags: the whole length is returned. */
	ck_assert_int_eq(utcp_recv(X, s, a, 2, MSG_TRUNC | MSG_PEEK), 16);
	ck_assert_int_eq(utcp_recv(X, s, a, 4, 0), 4);
	tt_err(utcp_recv(X, s, a, 4, MSG_DONTWAIT), EAGAIN);
	/* recv of 0 bytes takes a datagram away, as Linux. */
	rx(f, peer_dgram(PEER_PORT, HOST_PORT, "zz", 2));
	ck_assert_int_eq(utcp_recv(X, s, a, 0, 0), 0);
	tt_err(utcp_recv(X, s, a, 4, 0), EAGAIN);
	/* sendmsg gathers. */
	struct sockaddr_in to = sa(TN_PEER_IP, PEER_PORT);
	struct iovec o[2] = { { "ab", 2 }, { "cde", 3 } };
	struct msghdr om = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = o,
			     .msg_iovlen = 2 };
	ck_assert_int_eq(utcp_sendmsg(X, s, &om, 0), 5);
	utcp_ctx_poll(X);
	tn_expect_tx_ipv4(h.nic, 0, want, host_dgram(HOST_PORT, PEER_PORT, "abcde", 5));
	tt_ok(utcp_close(X, s));
}
END_TEST

START_TEST(misuse_errno)
{
	static char big[1473];
	int s = udp_sock(0), t = udp_sock(HOST_PORT);
	struct sockaddr_in any = sa(INADDR_ANY, HOST_PORT), to = sa(TN_PEER_IP, PEER_PORT);
	struct sockaddr_in far = sa(TN_IP(10, 0, 0, 9), HOST_PORT);
	struct sockaddr_in6 six = { .sin6_family = AF_INET6 };
	socklen_t l = sizeof(to);
	char buf[4];
	tt_err(utcp_socket(X, AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
	tt_err(utcp_send(X, s, "x", 1, 0), EDESTADDRREQ);
	tt_err(utcp_bind(X, s, SA(any), sizeof(any)), EADDRINUSE);
	tt_err(utcp_bind(X, s, SA(far), sizeof(far)), EADDRNOTAVAIL);
	tt_err(utcp_bind(X, s, SA(six), sizeof(six)), EAFNOSUPPORT);
	tt_err(utcp_bind(X, s, SA(any), 4), EINVAL);
	tt_err(utcp_bind(X, s, NULL, sizeof(any)), EFAULT);
	tt_err(utcp_bind(X, t, SA(any), sizeof(any)), EINVAL); /* bound already */
	tt_err(utcp_getpeername(X, s, SA(to), &l), ENOTCONN);
	tt_err(utcp_shutdown(X, s, SHUT_RD), ENOTCONN);
	tt_err(utcp_listen(X, s, 1), EOPNOTSUPP);
	tt_err(utcp_accept(X, s, NULL, NULL), EOPNOTSUPP);
	struct sockaddr_in p0 = sa(TN_PEER_IP, 0), bc = sa(INADDR_BROADCAST, 1);
	tt_err(utcp_sendto(X, s, "x", 1, 0, SA(p0), sizeof(p0)), EINVAL);
	tt_err(utcp_sendto(X, s, "x", 1, 0, SA(bc), sizeof(bc)), EACCES);
	tt_err(utcp_connect(X, s, SA(bc), sizeof(bc)), EACCES);
	tt_err(utcp_connect(X, s, SA(six), sizeof(six)), EAFNOSUPPORT);
	/* No fragmentation: 1472 octets fill a 1500-octet MTU, 1473 do not. */
	tt_err(utcp_sendto(X, s, big, sizeof(big), 0, SA(to), sizeof(to)), EMSGSIZE);
	ck_assert_int_eq(utcp_sendto(X, s, big, sizeof(big) - 1, 0, SA(to), sizeof(to)), 1472);
	/* sendto autobound s to an ephemeral port. */
	struct sockaddr_in me;
	l = sizeof(me);
	tt_ok(utcp_getsockname(X, s, SA(me), &l));
	ck_assert_uint_ge(ntohs(me.sin_port), 32768);
	ck_assert_uint_le(ntohs(me.sin_port), 60999);
	/* Connected: sendto elsewhere still works (Linux), getpeername answers. */
	tt_ok(utcp_connect(X, t, SA(to), sizeof(to)));
	l = sizeof(me);
	tt_ok(utcp_getpeername(X, t, SA(me), &l));
	ck_assert_uint_eq(me.sin_addr.s_addr, TN_PEER_IP);
	tt_ok(utcp_getsockname(X, t, SA(me), &l));
	ck_assert_uint_eq(me.sin_addr.s_addr, TN_HOST_IP); /* the route's source */
	struct sockaddr_in gw = sa(TN_GW_IP, 53);
	ck_assert_int_eq(utcp_sendto(X, t, "y", 1, 0, SA(gw), sizeof(gw)), 1);
	tt_ok(utcp_shutdown(X, t, SHUT_WR));
	tt_err(utcp_send(X, t, "x", 1, 0), EPIPE);
	tt_ok(utcp_shutdown(X, t, SHUT_RD));
	ck_assert_int_eq(utcp_recv(X, t, buf, sizeof(buf), 0), 0);
	int ty = 0;
	l = sizeof(ty);
	tt_ok(utcp_getsockopt(X, t, SOL_SOCKET, SO_TYPE, &ty, &l));
	ck_assert_int_eq(ty, SOCK_DGRAM);
	utcp_ctx_poll(X);
	tn_tx_drain(h.nic);
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, t));
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(X, &u);
	ck_assert_uint_eq(u.sockets, 0);
}
END_TEST

/* SO_REUSEADDR on both: the same port twice (Linux's UDP rule). */
START_TEST(reuseaddr_shares_port)
{
	int s = utcp_socket(X, AF_INET, SOCK_DGRAM, 0), t = utcp_socket(X, AF_INET, SOCK_DGRAM, 0);
	int on = 1;
	struct sockaddr_in a = sa(INADDR_ANY, HOST_PORT);
	tt_ok(utcp_setsockopt(X, s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	tt_ok(utcp_bind(X, s, SA(a), sizeof(a)));
	tt_err(utcp_bind(X, t, SA(a), sizeof(a)), EADDRINUSE);
	tt_ok(utcp_setsockopt(X, t, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	tt_ok(utcp_bind(X, t, SA(a), sizeof(a)));
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, t));
}
END_TEST

START_TEST(epoll_in_out)
{
	int s = udp_sock(HOST_PORT), ep = utcp_epoll_create1(X, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = 7 }, evs[2];
	char buf[8];
	tt_ok(utcp_epoll_ctl(X, ep, EPOLL_CTL_ADD, s, &ev));
	ck_assert_int_eq(utcp_epoll_wait(X, ep, evs, 2, 0), 1);
	ck_assert_uint_eq(evs[0].events, EPOLLOUT);
	ck_assert_int_eq(utcp_epoll_wait(X, ep, evs, 2, 0), 0); /* edge: reported once */
	ck_assert_int_eq(tn_inject(h.nic, 0, f, peer_dgram(PEER_PORT, HOST_PORT, "in", 2)), 0);
	ck_assert_int_eq(utcp_epoll_wait(X, ep, evs, 2, 0), 1);
	ck_assert_uint_eq(evs[0].events, EPOLLIN | EPOLLOUT);
	ck_assert_uint_eq(evs[0].data.u32, 7);
	ck_assert_int_eq(utcp_recv(X, s, buf, sizeof(buf), 0), 2);
	tt_ok(utcp_close(X, ep));
	tt_ok(utcp_close(X, s));
}
END_TEST

/* A blocking receive drives the stack until a datagram arrives. */
START_TEST(blocking_recv_drives)
{
	int s = utcp_socket(X, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = sa(INADDR_ANY, HOST_PORT);
	char buf[8];
	tt_ok(utcp_bind(X, s, SA(a), sizeof(a)));
	ck_assert_int_eq(tn_inject(h.nic, 0, f, peer_dgram(PEER_PORT, HOST_PORT, "wait", 4)), 0);
	ck_assert_int_eq(utcp_recv(X, s, buf, sizeof(buf), 0), 4);
	ck_assert_mem_eq(buf, "wait", 4);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* The statistics printer's UDP line: one second's counters. */
START_TEST(statprint_udp_line)
{
	char *text = NULL;
	size_t tl = 0;
	FILE *mem = open_memstream(&text, &tl);
	struct utcp_statprint *sp = utcp_statprint_create(h.st, mem,
							  UTCP_STATPRINT_UTCP | UTCP_STATPRINT_ALWAYS);
	int s = udp_sock(HOST_PORT);
	struct sockaddr_in to = sa(TN_PEER_IP, PEER_PORT);
	char buf[8];
	utcp_statprint_tick(sp, X); /* the baseline */
	rx(f, peer_dgram(PEER_PORT, HOST_PORT, "a", 1));
	rx(f, peer_dgram(PEER_PORT, HOST_PORT, "b", 1));
	rx(f, peer_dgram(PEER_PORT, 9999, "c", 1));
	ck_assert_int_eq(utcp_sendto(X, s, "d", 1, 0, SA(to), sizeof(to)), 1);
	tn_advance(h.nic, UTCP_NSEC_PER_SEC);
	utcp_ctx_poll(X);
	utcp_statprint_tick(sp, X);
	fclose(mem);
	ck_assert_msg(strstr(text, "[ ALL ] udp: in: 3, out: 1, rcvbuf_drops: 0, cksum_drops: 0, "
				   "len_drops: 0, no_port: 1, unreach_tx: 1, ratelimited: 0\n") != NULL,
		      "%s", text);
	free(text);
	utcp_statprint_destroy(sp);
	ck_assert_int_eq(utcp_recv(X, s, buf, sizeof(buf), 0), 1);
	tn_tx_drain(h.nic);
	tt_ok(utcp_close(X, s));
}
END_TEST

static Suite *udp_suite(void)
{
	Suite *s = suite_create("udp");
	TCase *tc = tcase_create("udp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, datagram_in_reaches_socket);
	tcase_add_loop_test(tc, datagram_out_exact, 0, 5);
	tcase_add_test(tc, zero_sum_sent_as_ones);
	tcase_add_test(tc, zero_checksum_accepted_bad_dropped);
	tcase_add_loop_test(tc, damaged_header_dropped, 0, D_COUNT);
	tcase_add_test(tc, padding_after_length_ignored);
	tcase_add_test(tc, closed_port_unreachable);
	tcase_add_test(tc, port_unreachable_rate_limited);
	tcase_add_test(tc, port_unreachable_is_econnrefused);
	tcase_add_test(tc, unconnected_ignores_icmp);
	tcase_add_test(tc, connected_filters_sources);
	tcase_add_test(tc, receive_buffer_bound);
	tcase_add_test(tc, recvmsg_flags);
	tcase_add_test(tc, misuse_errno);
	tcase_add_test(tc, reuseaddr_shares_port);
	tcase_add_test(tc, epoll_in_out);
	tcase_add_test(tc, blocking_recv_drives);
	tcase_add_test(tc, statprint_udp_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(udp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
