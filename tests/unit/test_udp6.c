/*
 * tests/unit/test_udp6.c - UDP over IPv6 (RFC 768, RFC 8200 §8.1) and
 * AF_INET6 datagram sockets, as packet traces.
 *
 * The host is 2001:db8::1 (and 10.0.0.1) on the test NIC; the test plays
 * the peer 2001:db8::2 / fe80::2 (static neighbours) and 10.0.0.2 (learned
 * from an ARP request in the fixture).  Frames are built here with
 * ip6test.c's independent checksum.  A test feeds a datagram and checks
 * what the socket gives, or what the host sends, byte for byte: datagrams
 * in and out, the mandatory checksum (zero and bad ones dropped and
 * counted), the path MTU (EMSGSIZE; lowered by Packet Too Big), ICMPv6
 * port unreachable for a closed port (rate-limited, never to a group), ICMPv6 errors as ECONNREFUSED on
 * a connected socket, IPv4-mapped addresses on a dual-stack socket and
 * IPV6_V6ONLY, the bind rule across families, and Linux's errno for
 * misuse.  Every fixture ends with a leak check (tn_host_down).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/utcp.h>

#include "core/base/bytes.h"
#include "core/wire/udp.h"
#include "tests/unit/ip6test.h"

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
#define SA(a) ((struct sockaddr *)&(a))

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
	t6_config(&c, 0);
	c.nb_neigh6 = 2;
	c.neigh6[0] = (struct utcp_neigh6_entry){ .ip6 = t6_peer, .port = 0 };
	c.neigh6[1] = (struct utcp_neigh6_entry){ .ip6 = t6_peer_ll, .port = 0 };
	memcpy(c.neigh6[0].mac, tn_peer_mac, 6);
	memcpy(c.neigh6[1].mac, tn_peer_mac, 6);
	tn_host_up(&h, &c, 1);
	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
		     TN_HOST_IP));
	ck_assert_uint_eq(tn_tx_drain(h.nic), 1);
}

static void teardown(void)
{
	tn_host_down(&h);
}

static struct sockaddr_in6 sa6(const struct utcp_in6 *a, uint16_t port)
{
	struct sockaddr_in6 s;
	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	if (a != NULL)
		memcpy(&s.sin6_addr, a->b, 16);
	return s;
}

/* ::ffff:a.b.c.d (a in network order). */
static struct sockaddr_in6 sa_mapped(uint32_t a, uint16_t port)
{
	struct sockaddr_in6 s = sa6(NULL, port);
	s.sin6_addr.s6_addr[10] = s.sin6_addr.s6_addr[11] = 0xff;
	memcpy(s.sin6_addr.s6_addr + 12, &a, 4);
	return s;
}

static struct sockaddr_in sa4(uint32_t a, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = a };
	return s;
}

/* A UDP datagram into u, its checksum over the IPv6 pseudo-header
 * (ip6test.c's sum) unless ck_zero.  Returns its length. */
static size_t udp6_build(uint8_t *u, const struct utcp_in6 *src, const struct utcp_in6 *dst,
			 uint16_t sport, uint16_t dport, const void *data, size_t len, int ck_zero)
{
	wr16(u, sport);
	wr16(u + 2, dport);
	wr16(u + 4, (uint16_t)(8 + len));
	u[6] = u[7] = 0;
	if (len)
		memcpy(u + 8, data, len);
	if (!ck_zero) {
		uint16_t ck = t6_csum(src, dst, 17, u, 8 + len);
		wr16(u + 6, ck == 0 ? 0xffff : ck);
	}
	return 8 + len;
}

/* Peer -> host (to dst) datagram frame in f. */
static size_t peer6(const struct utcp_in6 *dst, uint16_t sport, uint16_t dport, const void *d,
		    size_t len)
{
	uint8_t u[TN_FRAME_MAX];
	size_t ul = udp6_build(u, &t6_peer, dst, sport, dport, d, len, 0);
	const uint8_t *mac = utcp_in6_is_multicast(dst) ? t6_all_nodes_mac : tn_host_mac;
	return t6_ipv6(f, mac, tn_peer_mac, &t6_peer, dst, 17, 64, u, ul);
}

/* Host -> peer datagram, as it must leave, in want. */
static size_t host6(const struct utcp_in6 *src, const struct utcp_in6 *dst, uint16_t sport,
		    uint16_t dport, const void *d, size_t len)
{
	uint8_t u[TN_FRAME_MAX];
	size_t ul = udp6_build(u, src, dst, sport, dport, d, len, 0);
	return t6_ipv6(want, tn_peer_mac, tn_host_mac, src, dst, 17, 64, u, ul);
}

/* The next frame sent is exactly want. */
static void expect_tx(size_t wl)
{
	size_t n = tn_tx_pop(h.nic, 0, out, sizeof(out));
	ck_assert_uint_eq(n, wl);
	ck_assert_mem_eq(out, want, wl);
}

static int sock6(uint16_t port)
{
	int s = utcp_socket(X, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(s, 0);
	if (port) {
		struct sockaddr_in6 a = sa6(&t6_unspec, port);
		tt_ok(utcp_bind(X, s, SA(a), sizeof(a)));
	}
	return s;
}

static void v6only(int s, int on)
{
	tt_ok(utcp_setsockopt(X, s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)));
}

START_TEST(datagram_in_reaches_socket)
{
	int s = sock6(HOST_PORT);
	char buf[64];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);

	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	rx(f, peer6(&t6_host, PEER_PORT, HOST_PORT, "hello6", 6));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_int_eq(utcp_recvfrom(X, s, buf, sizeof(buf), 0, SA(from), &fl), 6);
	ck_assert_mem_eq(buf, "hello6", 6);
	ck_assert_uint_eq(fl, sizeof(from));
	ck_assert_uint_eq(from.sin6_family, AF_INET6);
	ck_assert_mem_eq(&from.sin6_addr, t6_peer.b, 16);
	ck_assert_uint_eq(ntohs(from.sin6_port), PEER_PORT);
	/* To the link-local address too, and the name cut to 8 bytes. */
	rx(f, peer6(&t6_host_ll, PEER_PORT, HOST_PORT, "ll", 2));
	memset(&from, 0xaa, sizeof(from));
	fl = 8;
	ck_assert_int_eq(utcp_recvfrom(X, s, buf, sizeof(buf), 0, SA(from), &fl), 2);
	ck_assert_uint_eq(fl, sizeof(from));
	ck_assert_uint_eq(from.sin6_family, AF_INET6);
	ck_assert_uint_eq(from.sin6_addr.s6_addr[0], 0xaa);
	ck_assert_uint_eq(st()->udp_rx, 2);
	ck_assert_uint_eq(st()->udp_rx_delivered, 2);
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* Out, byte for byte; 1452 octets fill a 1500-octet MTU, 1453 do not. */
START_TEST(datagram_out_exact)
{
	static const size_t sizes[] = { 0, 1, 3, 100, 1452 };
	static uint8_t data[1453];
	size_t n = sizes[_i];
	int s = sock6(HOST_PORT);
	struct sockaddr_in6 to = sa6(&t6_peer, PEER_PORT);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(utcp_sendto(X, s, data, n, 0, SA(to), sizeof(to)), (ssize_t)n);
	utcp_ctx_poll(X);
	expect_tx(host6(&t6_host, &t6_peer, HOST_PORT, PEER_PORT, data, n));
	tn_expect_no_tx(h.nic, 0);
	tt_err(utcp_sendto(X, s, data, 1453, 0, SA(to), sizeof(to)), EMSGSIZE);
	/* A link-local peer: from our link-local address. */
	to = sa6(&t6_peer_ll, PEER_PORT);
	ck_assert_int_eq(utcp_sendto(X, s, data, n, 0, SA(to), sizeof(to)), (ssize_t)n);
	utcp_ctx_poll(X);
	expect_tx(host6(&t6_host_ll, &t6_peer_ll, HOST_PORT, PEER_PORT, data, n));
	ck_assert_uint_eq(st()->udp_tx, 2);
	ck_assert_uint_eq(st()->ip6_tx, 2);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* RFC 8200 §8.1: the checksum is not optional over IPv6.  A zero one is
 * dropped and counted, even when the NIC vouches for the datagram; a bad
 * one too; neither draws an ICMPv6 error. */
START_TEST(zero_checksum_dropped)
{
	int s = sock6(HOST_PORT);
	uint8_t u[64];
	char buf[16];
	size_t ul = udp6_build(u, &t6_peer, &t6_host, PEER_PORT, HOST_PORT, "nock", 4, 1);
	size_t fl = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 17, 64, u, ul);
	rx(f, fl);
	ck_assert_int_eq(tn_inject_flags(h.nic, 0, f, fl, UTCP_PKT_RX_L4_CKSUM_GOOD), 0);
	utcp_ctx_poll(X);
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	ck_assert_uint_eq(st()->drop_udp_cksum, 2);
	ul = udp6_build(u, &t6_peer, &t6_host, PEER_PORT, HOST_PORT, "bad!", 4, 0);
	u[9] ^= 0x20;
	rx(f, t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 17, 64, u, ul));
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	ck_assert_uint_eq(st()->drop_udp_cksum, 3);
	ck_assert_uint_eq(utcp_stats_drops(st()), 3);
	/* To a closed port: still no error for a bad sum. */
	ul = udp6_build(u, &t6_peer, &t6_host, PEER_PORT, 9999, "x", 1, 1);
	rx(f, t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 17, 64, u, ul));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->icmp6_err_tx, 0);
	/* The same datagram with its sum goes through. */
	rx(f, peer6(&t6_host, PEER_PORT, HOST_PORT, "good", 4));
	ck_assert_int_eq(utcp_recv(X, s, buf, sizeof(buf), 0), 4);
	ck_assert_mem_eq(buf, "good", 4);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* A copy a multi-queue NIC hands every queue (IPv6 is not steered): only
 * a socket connected to its source takes it, and a closed port draws no
 * error from a copy; the context with the original serves the rest. */
START_TEST(copies_to_connected_only)
{
	int s = sock6(HOST_PORT), c = sock6(HOST_PORT + 1);
	struct sockaddr_in6 to = sa6(&t6_peer, PEER_PORT);
	char buf[8];
	tt_ok(utcp_connect(X, c, SA(to), sizeof(to)));
	size_t fl = peer6(&t6_host, PEER_PORT, HOST_PORT, "w", 1);
	ck_assert_int_eq(tn_inject_flags(h.nic, 0, f, fl, UTCP_PKT_RX_COPY), 0);
	fl = peer6(&t6_host, PEER_PORT, 9999, "z", 1);
	ck_assert_int_eq(tn_inject_flags(h.nic, 0, f, fl, UTCP_PKT_RX_COPY), 0);
	fl = peer6(&t6_host, PEER_PORT, HOST_PORT + 1, "c", 1);
	ck_assert_int_eq(tn_inject_flags(h.nic, 0, f, fl, UTCP_PKT_RX_COPY), 0);
	utcp_ctx_poll(X);
	tn_expect_no_tx(h.nic, 0);
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	ck_assert_int_eq(utcp_recv(X, c, buf, sizeof(buf), 0), 1);
	ck_assert_int_eq(buf[0], 'c');
	ck_assert_uint_eq(st()->drop_udp_no_port, 2);
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, c));
}
END_TEST

/* Damaged headers: short, Length below 8 or past the IPv6 payload. */
START_TEST(damaged_header_dropped)
{
	int s = sock6(HOST_PORT);
	uint8_t u[64];
	size_t ul = udp6_build(u, &t6_peer, &t6_host, PEER_PORT, HOST_PORT, "abcd", 4, 0);
	rx(f, t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 17, 64, u, 7));
	wr16(u + 4, 13);
	rx(f, t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 17, 64, u, ul));
	wr16(u + 4, 7);
	rx(f, t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 17, 64, u, ul));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_udp_short, 1);
	ck_assert_uint_eq(st()->drop_udp_len, 2);
	ck_assert_uint_eq(st()->udp_rx_delivered, 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(X), 0);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* RFC 4443 §3.1 destination unreachable, code 4 (port), quoting the
 * datagram, from the address it was sent to. */
static size_t port_unreach6(const uint8_t *frame, size_t flen)
{
	uint8_t m[TN_FRAME_MAX];
	size_t q = flen - 14;
	memset(m, 0, 8);
	m[0] = 1;
	m[1] = 4;
	memcpy(m + 8, frame + 14, q);
	return t6_icmp6(want, tn_peer_mac, tn_host_mac, &t6_host, &t6_peer, 64, m, 8 + q);
}

START_TEST(closed_port_unreachable)
{
	size_t fl = peer6(&t6_host, PEER_PORT, 9999, "anyone?", 7);
	rx(f, fl);
	expect_tx(port_unreach6(f, fl));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_udp_no_port, 1);
	ck_assert_uint_eq(st()->icmp6_err_tx, 1);
	/* §2.4(e.3): never about a datagram to a group. */
	rx(f, peer6(&t6_all_nodes, PEER_PORT, 9999, "all?", 4));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_udp_no_port, 2);
	/* An IPv4 socket on the port takes no IPv6 datagram. */
	int s = utcp_socket(X, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = sa4(INADDR_ANY, 9999);
	tt_ok(utcp_bind(X, s, SA(a), sizeof(a)));
	rx(f, peer6(&t6_host, PEER_PORT, 9999, "anyone?", 7));
	expect_tx(port_unreach6(f, fl));
	/* Nor one bound to another address (here the link-local one). */
	int t = sock6(0);
	struct sockaddr_in6 ll = sa6(&t6_host_ll, 9999);
	tt_ok(utcp_bind(X, t, SA(ll), sizeof(ll)));
	rx(f, fl);
	expect_tx(port_unreach6(f, fl));
	ck_assert_uint_eq(st()->udp_rx_delivered, 0);
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, t));
}
END_TEST

/* RFC 4443 §2.4(f): the context's bucket for ICMP errors, 50 at once,
 * then one per millisecond. */
START_TEST(port_unreachable_rate_limited)
{
	size_t fl = peer6(&t6_host, PEER_PORT, 9999, "x", 1);
	for (int i = 0; i < 60; i++) {
		ck_assert_int_eq(tn_inject(h.nic, 0, f, fl), 0);
		if (i % 16 == 15)
			utcp_ctx_poll(X);
	}
	utcp_ctx_poll(X);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 50);
	ck_assert_uint_eq(st()->icmp6_err_tx, 50);
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

/* The peer answers our datagram (frame in out[0..ol)) with an ICMPv6
 * error of type/code, quoting it whole. */
static void icmp6_about(const uint8_t *frame, size_t flen, uint8_t type, uint8_t code)
{
	uint8_t m[TN_FRAME_MAX];
	size_t q = flen - 14;
	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	if (type == 2)
		wr32(m + 4, 1280); /* packet too big: the MTU */
	memcpy(m + 8, frame + 14, q);
	rx(f, t6_icmp6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 64, m, 8 + q));
}

START_TEST(port_unreachable_is_econnrefused)
{
	static uint8_t frame[TN_FRAME_MAX];
	int s = sock6(0), ep = utcp_epoll_create1(X, 0);
	struct sockaddr_in6 to = sa6(&t6_peer, PEER_PORT);
	struct epoll_event ev = { .events = EPOLLIN }, evs[2];
	char buf[8];
	tt_ok(utcp_connect(X, s, SA(to), sizeof(to)));
	tt_ok(utcp_epoll_ctl(X, ep, EPOLL_CTL_ADD, s, &ev));
	ck_assert_int_eq(utcp_epoll_wait(X, ep, evs, 2, 0), 0);
	ck_assert_int_eq(utcp_send(X, s, "ping", 4, 0), 4);
	utcp_ctx_poll(X);
	size_t ol = tn_tx_pop(h.nic, 0, frame, sizeof(frame));
	ck_assert_uint_eq(ol, 14 + 40 + 12);
	icmp6_about(frame, ol, 1, 4);
	ck_assert_uint_eq(st()->udp_icmp_errors, 1);
	ck_assert_int_eq(utcp_epoll_wait(X, ep, evs, 2, 0), 1);
	ck_assert_uint_eq(evs[0].events, EPOLLERR);
	/* RFC 1122 §4.1.3.3: reported once, by the next call. */
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), ECONNREFUSED);
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	icmp6_about(frame, ol, 1, 4);
	tt_err(utcp_send(X, s, "ping", 4, 0), ECONNREFUSED);
	ck_assert_int_eq(utcp_send(X, s, "ping", 4, 0), 4);
	/* Other hard errors: no route (ENETUNREACH), prohibited (EACCES),
	 * address unreachable (EHOSTUNREACH), parameter problem (EPROTO). */
	static const struct { uint8_t type, code; int err; } hard[] = {
		{ 1, 0, ENETUNREACH }, { 1, 1, EACCES }, { 1, 3, EHOSTUNREACH }, { 4, 0, EPROTO },
	};
	for (size_t i = 0; i < sizeof(hard) / sizeof(hard[0]); i++) {
		icmp6_about(frame, ol, hard[i].type, hard[i].code);
		int e = 0;
		socklen_t l = sizeof(e);
		tt_ok(utcp_getsockopt(X, s, SOL_SOCKET, SO_ERROR, &e, &l));
		ck_assert_int_eq(e, hard[i].err);
	}
	/* Soft errors (packet too big, time exceeded) are not reported. */
	icmp6_about(frame, ol, 2, 0);
	icmp6_about(frame, ol, 3, 0);
	ck_assert_int_eq(utcp_send(X, s, "ping", 4, 0), 4);
	ck_assert_uint_eq(st()->drop_udp_icmp, 1); /* the packet too big was learned */
	tn_tx_drain(h.nic);
	tt_ok(utcp_close(X, ep));
	tt_ok(utcp_close(X, s));
}
END_TEST

/* RFC 8201: a Packet Too Big lowers the connected peer's path MTU (never
 * below 1280, never up); utcp does not fragment, so a larger datagram is
 * EMSGSIZE.  A new connect starts from the link's MTU again. */
START_TEST(packet_too_big_lowers_path_mtu)
{
	static uint8_t frame[TN_FRAME_MAX], big[1452];
	int s = sock6(0);
	struct sockaddr_in6 to = sa6(&t6_peer, PEER_PORT);
	tt_ok(utcp_connect(X, s, SA(to), sizeof(to)));
	ck_assert_int_eq(utcp_send(X, s, big, 1452, 0), 1452);
	utcp_ctx_poll(X);
	size_t ol = tn_tx_pop(h.nic, 0, frame, sizeof(frame));
	ck_assert_uint_eq(ol, 14 + 1500);
	uint8_t m[8 + 1232];
	memset(m, 0, 8);
	m[0] = 2;
	wr32(m + 4, 1400);
	memcpy(m + 8, frame + 14, 1232); /* §3.2: as much as fits in 1280 */
	rx(f, t6_icmp6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 64, m, sizeof(m)));
	tt_err(utcp_send(X, s, big, 1353, 0), EMSGSIZE);
	tt_err(utcp_sendto(X, s, big, 1353, 0, SA(to), sizeof(to)), EMSGSIZE);
	ck_assert_int_eq(utcp_send(X, s, big, 1352, 0), 1352);
	wr32(m + 4, 1450); /* §4: never raised by a Packet Too Big */
	rx(f, t6_icmp6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 64, m, sizeof(m)));
	tt_err(utcp_send(X, s, big, 1353, 0), EMSGSIZE);
	wr32(m + 4, 600); /* §4: never below the IPv6 minimum */
	rx(f, t6_icmp6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 64, m, sizeof(m)));
	tt_err(utcp_send(X, s, big, 1233, 0), EMSGSIZE);
	ck_assert_int_eq(utcp_send(X, s, big, 1232, 0), 1232);
	ck_assert_uint_eq(st()->udp_icmp_errors, 3);
	tt_ok(utcp_connect(X, s, SA(to), sizeof(to)));
	ck_assert_int_eq(utcp_send(X, s, big, 1452, 0), 1452);
	tn_tx_drain(h.nic);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* An unconnected socket cannot tell which peer an error is about. */
START_TEST(unconnected_ignores_icmp)
{
	int s = sock6(HOST_PORT);
	struct sockaddr_in6 to = sa6(&t6_peer, PEER_PORT);
	char buf[8];
	ck_assert_int_eq(utcp_sendto(X, s, "ping", 4, 0, SA(to), sizeof(to)), 4);
	utcp_ctx_poll(X);
	size_t ol = tn_tx_pop(h.nic, 0, out, sizeof(out));
	icmp6_about(out, ol, 1, 4);
	ck_assert_uint_eq(st()->drop_udp_icmp, 1);
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* connect: the route's source, getsockname / getpeername in sockaddr_in6,
 * only the peer's datagrams; AF_UNSPEC: any again. */
START_TEST(connect_names_and_filters)
{
	int s = sock6(HOST_PORT);
	struct sockaddr_in6 to = sa6(&t6_peer, PEER_PORT), me;
	socklen_t l = sizeof(me);
	char buf[8];
	tt_ok(utcp_connect(X, s, SA(to), sizeof(to)));
	tt_ok(utcp_getsockname(X, s, SA(me), &l));
	ck_assert_uint_eq(l, sizeof(me));
	ck_assert_uint_eq(me.sin6_family, AF_INET6);
	ck_assert_mem_eq(&me.sin6_addr, t6_host.b, 16);
	ck_assert_uint_eq(ntohs(me.sin6_port), HOST_PORT);
	l = sizeof(me);
	tt_ok(utcp_getpeername(X, s, SA(me), &l));
	ck_assert_mem_eq(&me.sin6_addr, t6_peer.b, 16);
	ck_assert_uint_eq(ntohs(me.sin6_port), PEER_PORT);
	size_t fl = peer6(&t6_host, PEER_PORT + 1, HOST_PORT, "other", 5);
	rx(f, fl);
	expect_tx(port_unreach6(f, fl));
	rx(f, peer6(&t6_host, PEER_PORT, HOST_PORT, "mine", 4));
	ck_assert_int_eq(utcp_read(X, s, buf, sizeof(buf)), 4);
	ck_assert_mem_eq(buf, "mine", 4);
	ck_assert_int_eq(utcp_write(X, s, "w", 1), 1);
	utcp_ctx_poll(X);
	expect_tx(host6(&t6_host, &t6_peer, HOST_PORT, PEER_PORT, "w", 1));
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	tt_ok(utcp_connect(X, s, &un, sizeof(un)));
	l = sizeof(me);
	tt_ok(utcp_getsockname(X, s, SA(me), &l));
	ck_assert_mem_eq(&me.sin6_addr, t6_unspec.b, 16);
	rx(f, peer6(&t6_host, PEER_PORT + 1, HOST_PORT, "other", 5));
	ck_assert_int_eq(utcp_read(X, s, buf, sizeof(buf)), 5);
	tt_err(utcp_getpeername(X, s, SA(me), &l), ENOTCONN);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* A dual-stack socket (IPV6_V6ONLY 0, Linux's default): IPv4 peers as
 * ::ffff:a.b.c.d, its datagrams out as IPv4. */
START_TEST(dual_stack_mapped)
{
	int s = sock6(HOST_PORT), on = -1;
	socklen_t l = sizeof(on);
	char buf[16];
	uint8_t u[64];
	tt_ok(utcp_getsockopt(X, s, IPPROTO_IPV6, IPV6_V6ONLY, &on, &l));
	ck_assert_int_eq(on, 0);
	size_t ul = 8 + 3;
	wr16(u, PEER_PORT);
	wr16(u + 2, HOST_PORT);
	wr16(u + 4, (uint16_t)ul);
	memcpy(u + 8, "v4!", 3);
	u[6] = u[7] = 0; /* zero checksum: allowed over IPv4 */
	rx(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, ul));
	struct sockaddr_in6 from, want_from = sa_mapped(TN_PEER_IP, PEER_PORT);
	l = sizeof(from);
	ck_assert_int_eq(utcp_recvfrom(X, s, buf, sizeof(buf), 0, SA(from), &l), 3);
	ck_assert_mem_eq(buf, "v4!", 3);
	ck_assert_uint_eq(l, sizeof(from));
	ck_assert_mem_eq(&from, &want_from, sizeof(from));
	/* The reply to the mapped address leaves as IPv4, exact. */
	ck_assert_int_eq(utcp_sendto(X, s, "re", 2, 0, SA(from), sizeof(from)), 2);
	utcp_ctx_poll(X);
	struct utcp_inaddr a = { .family = AF_INET, .u.v4 = TN_HOST_IP };
	struct utcp_inaddr b = { .family = AF_INET, .u.v4 = TN_PEER_IP };
	wr16(u, HOST_PORT);
	wr16(u + 2, PEER_PORT);
	wr16(u + 4, 10);
	memcpy(u + 8, "re", 2);
	u[6] = u[7] = 0;
	uint16_t ck = utcp_udp_csum(&a, &b, u, 10);
	memcpy(u + 6, &ck, 2);
	tn_expect_tx_ipv4(h.nic, 0, want, tn_ipv4(want, tn_peer_mac, tn_host_mac, TN_HOST_IP,
						   TN_PEER_IP, 17, u, 10));
	/* A plain sockaddr_in also goes (udpv6_sendmsg hands it to IPv4). */
	struct sockaddr_in p4 = sa4(TN_PEER_IP, PEER_PORT);
	ck_assert_int_eq(utcp_sendto(X, s, "re", 2, 0, SA(p4), sizeof(p4)), 2);
	utcp_ctx_poll(X);
	tn_expect_tx_ipv4(h.nic, 0, want, 14 + 20 + 10);
	/* Connected to the mapped peer: the names are mapped too. */
	tt_ok(utcp_connect(X, s, SA(from), sizeof(from)));
	struct sockaddr_in6 me, my = sa_mapped(TN_HOST_IP, HOST_PORT);
	l = sizeof(me);
	tt_ok(utcp_getsockname(X, s, SA(me), &l));
	ck_assert_mem_eq(&me, &my, sizeof(me));
	/* ...and IPv6 to the same port no longer reaches it (bound to IPv4). */
	size_t fl = peer6(&t6_host, PEER_PORT, HOST_PORT, "v6", 2);
	rx(f, fl);
	expect_tx(port_unreach6(f, fl));
	tt_ok(utcp_close(X, s));
}
END_TEST

/* IPV6_V6ONLY: no IPv4 in or out; set before bind only; AF_INET sockets
 * do not know it. */
START_TEST(v6only_refuses_ipv4)
{
	int s = sock6(0), on = 1, t = utcp_socket(X, AF_INET, SOCK_DGRAM, 0);
	socklen_t l = sizeof(on);
	char buf[8];
	v6only(s, 1);
	struct sockaddr_in6 any = sa6(&t6_unspec, HOST_PORT);
	tt_ok(utcp_bind(X, s, SA(any), sizeof(any)));
	tt_err(utcp_setsockopt(X, s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)), EINVAL);
	on = 0;
	tt_ok(utcp_getsockopt(X, s, IPPROTO_IPV6, IPV6_V6ONLY, &on, &l));
	ck_assert_int_eq(on, 1);
	tt_err(utcp_setsockopt(X, t, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)), ENOPROTOOPT);
	tt_err(utcp_getsockopt(X, t, IPPROTO_IPV6, IPV6_V6ONLY, &on, &l), ENOPROTOOPT);
	/* An IPv4 datagram to the port finds nobody: ICMP port unreachable. */
	uint8_t u[16] = { 0 };
	wr16(u, PEER_PORT);
	wr16(u + 2, HOST_PORT);
	wr16(u + 4, 9);
	u[8] = 'x';
	rx(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, 9));
	ck_assert_uint_eq(st()->icmp_unreach_tx, 1);
	tn_tx_drain(h.nic);
	tt_err(utcp_recv(X, s, buf, sizeof(buf), 0), EAGAIN);
	struct sockaddr_in6 m = sa_mapped(TN_PEER_IP, PEER_PORT);
	struct sockaddr_in p4 = sa4(TN_PEER_IP, PEER_PORT);
	tt_err(utcp_sendto(X, s, "x", 1, 0, SA(m), sizeof(m)), ENETUNREACH);
	tt_err(utcp_sendto(X, s, "x", 1, 0, SA(p4), sizeof(p4)), ENETUNREACH);
	tt_err(utcp_connect(X, s, SA(m), sizeof(m)), ENETUNREACH);
	tt_err(utcp_connect(X, s, SA(p4), sizeof(p4)), EAFNOSUPPORT);
	/* The IPv4 socket may now take the port: the families do not overlap. */
	struct sockaddr_in a4 = sa4(INADDR_ANY, HOST_PORT);
	tt_ok(utcp_bind(X, t, SA(a4), sizeof(a4)));
	rx(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, 9));
	ck_assert_int_eq(utcp_recv(X, t, buf, sizeof(buf), 0), 1);
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, t));
}
END_TEST

/* Linux's bind rule across families: a dual-stack :: overlaps 0.0.0.0;
 * the more specific endpoint and the datagram's own family win. */
START_TEST(bind_rule_across_families)
{
	int v4 = utcp_socket(X, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), d = sock6(0);
	int g = sock6(0), m = sock6(0);
	struct sockaddr_in a4 = sa4(INADDR_ANY, HOST_PORT);
	struct sockaddr_in6 any = sa6(&t6_unspec, HOST_PORT), glob = sa6(&t6_host, HOST_PORT);
	struct sockaddr_in6 map = sa_mapped(TN_HOST_IP, HOST_PORT + 1);
	struct sockaddr_in6 far = sa6(&t6_peer, HOST_PORT);
	char buf[8];
	tt_ok(utcp_bind(X, v4, SA(a4), sizeof(a4)));
	tt_err(utcp_bind(X, d, SA(any), sizeof(any)), EADDRINUSE);
	tt_ok(utcp_bind(X, g, SA(glob), sizeof(glob))); /* IPv6 only: no overlap */
	tt_err(utcp_bind(X, d, SA(far), sizeof(far)), EADDRNOTAVAIL);
	tt_ok(utcp_bind(X, m, SA(map), sizeof(map)));
	struct sockaddr_in6 me;
	socklen_t l = sizeof(me);
	tt_ok(utcp_getsockname(X, m, SA(me), &l));
	ck_assert_mem_eq(&me, &map, sizeof(me));
	/* An IPv6 datagram to the port: the IPv6-bound socket's. */
	rx(f, peer6(&t6_host, PEER_PORT, HOST_PORT, "six", 3));
	ck_assert_int_eq(utcp_recv(X, g, buf, sizeof(buf), 0), 3);
	tt_err(utcp_recv(X, v4, buf, sizeof(buf), 0), EAGAIN);
	/* The mapped-bound socket takes IPv4 only. */
	size_t fl = peer6(&t6_host, PEER_PORT, HOST_PORT + 1, "no", 2);
	rx(f, fl);
	expect_tx(port_unreach6(f, fl));
	tt_ok(utcp_close(X, v4));
	tt_ok(utcp_close(X, d));
	tt_ok(utcp_close(X, g));
	tt_ok(utcp_close(X, m));
}
END_TEST

/* SO_REUSEADDR on both: 0.0.0.0 and a dual-stack :: share the port, and
 * an IPv4 datagram goes to the IPv4 socket (Linux compute_score). */
START_TEST(own_family_preferred)
{
	int v4 = utcp_socket(X, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), d = sock6(0), on = 1;
	struct sockaddr_in a4 = sa4(INADDR_ANY, HOST_PORT);
	struct sockaddr_in6 any = sa6(&t6_unspec, HOST_PORT);
	char buf[8];
	uint8_t u[16] = { 0 };
	tt_ok(utcp_setsockopt(X, d, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	tt_ok(utcp_setsockopt(X, v4, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	tt_ok(utcp_bind(X, v4, SA(a4), sizeof(a4)));
	tt_ok(utcp_bind(X, d, SA(any), sizeof(any))); /* first on the chain */
	wr16(u, PEER_PORT);
	wr16(u + 2, HOST_PORT);
	wr16(u + 4, 9);
	u[8] = '4';
	rx(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, 9));
	rx(f, peer6(&t6_host, PEER_PORT, HOST_PORT, "6", 1));
	ck_assert_int_eq(utcp_recv(X, v4, buf, sizeof(buf), 0), 1);
	ck_assert_int_eq(buf[0], '4');
	ck_assert_int_eq(utcp_recv(X, d, buf, sizeof(buf), 0), 1);
	ck_assert_int_eq(buf[0], '6');
	tt_err(utcp_recv(X, v4, buf, sizeof(buf), 0), EAGAIN);
	tt_err(utcp_recv(X, d, buf, sizeof(buf), 0), EAGAIN);
	tt_ok(utcp_close(X, v4));
	tt_ok(utcp_close(X, d));
}
END_TEST

/* Linux's errno for the AF_INET6 socket calls. */
START_TEST(misuse_errno)
{
	int s = sock6(0);
	struct sockaddr_in6 to = sa6(&t6_peer, PEER_PORT), p0 = sa6(&t6_peer, 0);
	struct sockaddr_in6 any = sa6(&t6_unspec, PEER_PORT), grp = sa6(&t6_all_nodes, PEER_PORT);
	int v = 0;
	socklen_t l = sizeof(v);
	tt_err(utcp_socket(X, AF_INET6, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
	/* Unbound: getsockname says [::]:0. */
	struct sockaddr_in6 me;
	l = sizeof(me);
	tt_ok(utcp_getsockname(X, s, SA(me), &l));
	ck_assert_uint_eq(l, sizeof(me));
	ck_assert_uint_eq(me.sin6_family, AF_INET6);
	ck_assert_mem_eq(&me.sin6_addr, t6_unspec.b, 16);
	ck_assert_uint_eq(me.sin6_port, 0);
	tt_err(utcp_sendto(X, s, "x", 1, 0, SA(to), 23), EINVAL);
	tt_err(utcp_sendto(X, s, "x", 1, 0, SA(to), 0), EINVAL);
	tt_err(utcp_sendto(X, s, "x", 1, 0, SA(p0), sizeof(p0)), EINVAL);
	tt_err(utcp_bind(X, s, SA(to), 16), EINVAL);
	tt_err(utcp_connect(X, s, SA(any), sizeof(any)), ENETUNREACH); /* no loopback */
	tt_err(utcp_connect(X, s, SA(grp), sizeof(grp)), ENETUNREACH);
	tt_err(utcp_sendto(X, s, "x", 1, 0, SA(grp), sizeof(grp)), ENETUNREACH);
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	tt_err(utcp_sendto(X, s, "x", 1, 0, &un, sizeof(un)), EDESTADDRREQ); /* no address */
	struct sockaddr odd = { .sa_family = AF_UNIX };
	tt_err(utcp_sendto(X, s, "x", 1, 0, &odd, sizeof(odd)), EINVAL);
	tt_ok(utcp_getsockopt(X, s, SOL_SOCKET, SO_DOMAIN, &v, &l));
	ck_assert_int_eq(v, AF_INET6);
	tt_ok(utcp_close(X, s));
}
END_TEST

/* sendto autobinds to an ephemeral port; sendmsg gathers; recvmsg gives
 * the name and MSG_TRUNC. */
START_TEST(msg_calls)
{
	int s = sock6(0);
	struct sockaddr_in6 to = sa6(&t6_peer, PEER_PORT), me, from;
	struct iovec o[2] = { { "ab", 2 }, { "cde", 3 } };
	struct msghdr om = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = o,
			     .msg_iovlen = 2 };
	ck_assert_int_eq(utcp_sendmsg(X, s, &om, 0), 5);
	socklen_t l = sizeof(me);
	tt_ok(utcp_getsockname(X, s, SA(me), &l));
	uint16_t port = ntohs(me.sin6_port);
	ck_assert_uint_ge(port, 32768);
	ck_assert_uint_le(port, 60999);
	ck_assert_mem_eq(&me.sin6_addr, t6_unspec.b, 16); /* bound to any */
	utcp_ctx_poll(X);
	expect_tx(host6(&t6_host, &t6_peer, port, PEER_PORT, "abcde", 5));
	rx(f, peer6(&t6_host, PEER_PORT, port, "0123456789", 10));
	char a[4];
	struct iovec iov = { a, sizeof(a) };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			    .msg_iovlen = 1 };
	ck_assert_int_eq(utcp_recvmsg(X, s, &m, 0), 4);
	ck_assert_int_eq(m.msg_flags, MSG_TRUNC);
	ck_assert_uint_eq(m.msg_namelen, sizeof(from));
	ck_assert_mem_eq(&from.sin6_addr, t6_peer.b, 16);
	tt_ok(utcp_close(X, s));
}
END_TEST

static Suite *udp6_suite(void)
{
	Suite *s = suite_create("udp6");
	TCase *tc = tcase_create("udp6");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, datagram_in_reaches_socket);
	tcase_add_loop_test(tc, datagram_out_exact, 0, 5);
	tcase_add_test(tc, zero_checksum_dropped);
	tcase_add_test(tc, damaged_header_dropped);
	tcase_add_test(tc, copies_to_connected_only);
	tcase_add_test(tc, closed_port_unreachable);
	tcase_add_test(tc, port_unreachable_rate_limited);
	tcase_add_test(tc, port_unreachable_is_econnrefused);
	tcase_add_test(tc, packet_too_big_lowers_path_mtu);
	tcase_add_test(tc, unconnected_ignores_icmp);
	tcase_add_test(tc, connect_names_and_filters);
	tcase_add_test(tc, dual_stack_mapped);
	tcase_add_test(tc, v6only_refuses_ipv4);
	tcase_add_test(tc, bind_rule_across_families);
	tcase_add_test(tc, own_family_preferred);
	tcase_add_test(tc, misuse_errno);
	tcase_add_test(tc, msg_calls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(udp6_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
