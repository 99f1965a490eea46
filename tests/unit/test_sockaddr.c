/*
 * tests/unit/test_sockaddr.c - a user's socket address in and out
 * (core/api/sockaddr.c), call by call, against the errno values Linux
 * gives: inet_bind / inet6_bind, ip4_ / ip6_datagram_connect,
 * tcp_v4_ / tcp_v6_connect, udp_sendmsg / udpv6_sendmsg for the parse;
 * getsockname / recvfrom's truncation for the fill.  The helper takes no
 * context and no packet buffer, so there is no fixture and nothing to leak.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>

#include "core/api/sock.h"

#define A4(a, b, c, d) htonl(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static struct utcp_inaddr ia;
static uint16_t port;

static struct sockaddr_in sin4(sa_family_t fam, uint32_t a, uint16_t p)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof(s));
	s.sin_family = fam;
	s.sin_addr.s_addr = a;
	s.sin_port = htons(p);
	return s;
}

static struct sockaddr_in6 sin6(sa_family_t fam, const char *a, uint16_t p)
{
	struct sockaddr_in6 s;
	memset(&s, 0, sizeof(s));
	s.sin6_family = fam;
	ck_assert_int_eq(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
	s.sin6_port = htons(p);
	return s;
}

/* parse: the result (0, SOCK_ADDR_UNSPEC) or errno when it fails. */
static int parse(const void *a, socklen_t len, int domain, int v6only, enum sock_addr_call c)
{
	memset(&ia, 0xee, sizeof(ia));
	port = 0xeeee;
	errno = 0;
	int r = sock_addr_parse(a, len, domain, v6only, c, &ia, &port);
	if (r < 0) {
		ck_assert_int_eq(r, -1);
		ck_assert_int_ne(errno, 0);
		return -errno;
	}
	return r;
}

static void is_v4(uint32_t a, uint16_t p)
{
	ck_assert_uint_eq(ia.family, AF_INET);
	ck_assert_uint_eq(ia.u.v4, a);
	ck_assert_uint_eq(port, htons(p));
}

static void is_v6(const char *a, uint16_t p)
{
	uint8_t want[16];
	ck_assert_int_eq(inet_pton(AF_INET6, a, want), 1);
	ck_assert_uint_eq(ia.family, AF_INET6);
	ck_assert_mem_eq(ia.u.v6, want, 16);
	ck_assert_uint_eq(port, htons(p));
}

/* An IPv4 socket: sockaddr_in only, AF_UNSPEC as Linux's inet_bind and
 * udp_sendmsg take it, and the lengths. */
START_TEST(v4_socket)
{
	struct sockaddr_in any = sin4(AF_INET, INADDR_ANY, 80), one = sin4(AF_INET, A4(10, 0, 0, 1), 7);
	struct sockaddr_in un0 = sin4(AF_UNSPEC, INADDR_ANY, 81);
	struct sockaddr_in un1 = sin4(AF_UNSPEC, A4(10, 0, 0, 1), 81);
	struct sockaddr_in6 six = sin6(AF_INET6, "2001:db8::1", 9);
	struct sockaddr_storage big;
	memset(&big, 0, sizeof(big));
	memcpy(&big, &one, sizeof(one));

	ck_assert_int_eq(parse(&any, sizeof(any), AF_INET, 0, SA_BIND), 0);
	is_v4(INADDR_ANY, 80);
	ck_assert_int_eq(parse(&one, sizeof(one), AF_INET, 0, SA_SEND), 0);
	is_v4(A4(10, 0, 0, 1), 7);
	ck_assert_int_eq(parse(&one, sizeof(one) - 1, AF_INET, 0, SA_BIND), -EINVAL);
	ck_assert_int_eq(parse(&one, 0, AF_INET, 0, SA_BIND), -EINVAL);
	ck_assert_int_eq(parse(NULL, sizeof(one), AF_INET, 0, SA_BIND), -EFAULT);
	ck_assert_int_eq(parse(NULL, 0, AF_INET, 0, SA_CONNECT), -EINVAL);
	ck_assert_int_eq(parse(&six, sizeof(six), AF_INET, 0, SA_BIND), -EAFNOSUPPORT);
	ck_assert_int_eq(parse(&six, sizeof(six), AF_INET, 0, SA_CONNECT), -EAFNOSUPPORT);
	ck_assert_int_eq(parse(&six, sizeof(six), AF_INET, 0, SA_SEND), -EAFNOSUPPORT);
	/* inet_bind: AF_UNSPEC with INADDR_ANY only. */
	ck_assert_int_eq(parse(&un0, sizeof(un0), AF_INET, 0, SA_BIND), 0);
	is_v4(INADDR_ANY, 81);
	ck_assert_int_eq(parse(&un1, sizeof(un1), AF_INET, 0, SA_BIND), -EAFNOSUPPORT);
	/* udp_sendmsg: AF_UNSPEC is AF_INET. */
	ck_assert_int_eq(parse(&un1, sizeof(un1), AF_INET, 0, SA_SEND), 0);
	is_v4(A4(10, 0, 0, 1), 81);
	/* connect: AF_UNSPEC disconnects, from 2 bytes on; fewer: EINVAL. */
	ck_assert_int_eq(parse(&un1, sizeof(sa_family_t), AF_INET, 0, SA_CONNECT), SOCK_ADDR_UNSPEC);
	ck_assert_int_eq(parse(&un1, 1, AF_INET, 0, SA_CONNECT), -EINVAL);
	ck_assert_int_eq(parse(&un1, sizeof(un1), AF_INET, 0, SA_CONNECT_STREAM), SOCK_ADDR_UNSPEC);
	/* move_addr_to_kernel: longer than sockaddr_storage; sendmsg cuts it. */
	ck_assert_int_eq(parse(&big, sizeof(big) + 1, AF_INET, 0, SA_BIND), -EINVAL);
	ck_assert_int_eq(parse(&big, sizeof(big) + 1, AF_INET, 0, SA_SEND), 0);
	is_v4(A4(10, 0, 0, 1), 7);
	/* A socket whose domain was never set is an IPv4 one. */
	ck_assert_int_eq(parse(&one, sizeof(one), 0, 0, SA_CONNECT), 0);
	is_v4(A4(10, 0, 0, 1), 7);
}
END_TEST

/* An IPv6 socket: sockaddr_in6 from RFC 2133's 24 bytes on, IPv4-mapped
 * addresses as IPv4 unless IPV6_V6ONLY, each call's own errno. */
START_TEST(v6_socket)
{
	struct sockaddr_in6 any = sin6(AF_INET6, "::", 80), one = sin6(AF_INET6, "2001:db8::1", 7);
	struct sockaddr_in6 map = sin6(AF_INET6, "::ffff:10.0.0.2", 53);
	struct sockaddr_in6 fam9 = sin6(99, "2001:db8::1", 7), un = sin6(AF_UNSPEC, "::", 0);
	struct sockaddr_in v4 = sin4(AF_INET, A4(10, 0, 0, 3), 5);
	struct sockaddr_in6 v4pad; /* a sockaddr_in in 28 bytes */
	memset(&v4pad, 0, sizeof(v4pad));
	memcpy(&v4pad, &v4, sizeof(v4));

	ck_assert_int_eq(parse(&any, sizeof(any), AF_INET6, 0, SA_BIND), 0);
	is_v6("::", 80);
	ck_assert_int_eq(parse(&one, 24, AF_INET6, 0, SA_BIND), 0); /* no sin6_scope_id */
	is_v6("2001:db8::1", 7);
	ck_assert_int_eq(parse(&one, 23, AF_INET6, 0, SA_BIND), -EINVAL);
	ck_assert_int_eq(parse(&map, sizeof(map), AF_INET6, 0, SA_BIND), 0);
	is_v4(A4(10, 0, 0, 2), 53);
	ck_assert_int_eq(parse(&map, sizeof(map), AF_INET6, 1, SA_BIND), -EINVAL);
	ck_assert_int_eq(parse(&v4, sizeof(v4), AF_INET6, 0, SA_BIND), -EINVAL);
	ck_assert_int_eq(parse(&v4pad, sizeof(v4pad), AF_INET6, 0, SA_BIND), -EAFNOSUPPORT);
	ck_assert_int_eq(parse(&un, sizeof(un), AF_INET6, 0, SA_BIND), -EAFNOSUPPORT);

	/* ip6_datagram_connect: AF_INET goes to IPv4 on a dual-stack socket. */
	ck_assert_int_eq(parse(&v4, sizeof(v4), AF_INET6, 0, SA_CONNECT), 0);
	is_v4(A4(10, 0, 0, 3), 5);
	ck_assert_int_eq(parse(&v4, sizeof(v4), AF_INET6, 1, SA_CONNECT), -EAFNOSUPPORT);
	ck_assert_int_eq(parse(&v4, 8, AF_INET6, 0, SA_CONNECT), -EINVAL);
	ck_assert_int_eq(parse(&map, sizeof(map), AF_INET6, 0, SA_CONNECT), 0);
	is_v4(A4(10, 0, 0, 2), 53);
	ck_assert_int_eq(parse(&map, sizeof(map), AF_INET6, 1, SA_CONNECT), -ENETUNREACH);
	ck_assert_int_eq(parse(&fam9, sizeof(fam9), AF_INET6, 0, SA_CONNECT), -EAFNOSUPPORT);
	ck_assert_int_eq(parse(&un, sizeof(sa_family_t), AF_INET6, 1, SA_CONNECT), SOCK_ADDR_UNSPEC);
	/* tcp_v6_connect: sockaddr_in6 only. */
	ck_assert_int_eq(parse(&v4, sizeof(v4), AF_INET6, 0, SA_CONNECT_STREAM), -EINVAL);
	ck_assert_int_eq(parse(&v4pad, sizeof(v4pad), AF_INET6, 0, SA_CONNECT_STREAM),
			 -EAFNOSUPPORT);
	ck_assert_int_eq(parse(&map, sizeof(map), AF_INET6, 1, SA_CONNECT_STREAM), -ENETUNREACH);
	ck_assert_int_eq(parse(&one, sizeof(one), AF_INET6, 1, SA_CONNECT_STREAM), 0);
	is_v6("2001:db8::1", 7);

	/* udpv6_sendmsg: AF_UNSPEC is no address, another family EINVAL. */
	ck_assert_int_eq(parse(&un, sizeof(un), AF_INET6, 0, SA_SEND), SOCK_ADDR_UNSPEC);
	ck_assert_int_eq(parse(&fam9, sizeof(fam9), AF_INET6, 0, SA_SEND), -EINVAL);
	ck_assert_int_eq(parse(&one, 1, AF_INET6, 0, SA_SEND), -EINVAL);
	ck_assert_int_eq(parse(&one, 20, AF_INET6, 0, SA_SEND), -EINVAL);
	ck_assert_int_eq(parse(&v4, sizeof(v4), AF_INET6, 0, SA_SEND), 0);
	is_v4(A4(10, 0, 0, 3), 5);
	ck_assert_int_eq(parse(&v4, sizeof(v4) - 1, AF_INET6, 0, SA_SEND), -EINVAL);
	ck_assert_int_eq(parse(&v4, sizeof(v4), AF_INET6, 1, SA_SEND), -ENETUNREACH);
	ck_assert_int_eq(parse(&map, sizeof(map), AF_INET6, 1, SA_SEND), -ENETUNREACH);
	ck_assert_int_eq(parse(&map, sizeof(map), AF_INET6, 0, SA_SEND), 0);
	is_v4(A4(10, 0, 0, 2), 53);
	ck_assert_int_eq(parse(NULL, sizeof(one), AF_INET6, 0, SA_SEND), -EFAULT);
}
END_TEST

/* Filling: the family's structure, cut to the caller's length, the full
 * length returned (getsockname, getpeername, recvfrom, accept). */
START_TEST(fill)
{
	struct utcp_inaddr v4 = { .family = AF_INET, .u.v4 = A4(10, 0, 0, 1) }, none = { 0 };
	struct utcp_inaddr v6 = { .family = AF_INET6 };
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::2", v6.u.v6), 1);
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		uint8_t b[64];
	} u;
	socklen_t l;
	char txt[INET6_ADDRSTRLEN];

	memset(&u, 0xaa, sizeof(u));
	l = sizeof(u);
	ck_assert_int_eq(sock_addr_fill(&u.sa, &l, AF_INET, &v4, htons(80)), 0);
	ck_assert_uint_eq(l, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(u.in.sin_family, AF_INET);
	ck_assert_uint_eq(u.in.sin_addr.s_addr, A4(10, 0, 0, 1));
	ck_assert_uint_eq(u.in.sin_port, htons(80));
	ck_assert_uint_eq(u.b[sizeof(struct sockaddr_in)], 0xaa); /* nothing past it */

	memset(&u, 0xaa, sizeof(u));
	l = sizeof(u);
	ck_assert_int_eq(sock_addr_fill(&u.sa, &l, AF_INET6, &v4, htons(80)), 0);
	ck_assert_uint_eq(l, sizeof(struct sockaddr_in6));
	ck_assert_uint_eq(u.in6.sin6_family, AF_INET6);
	inet_ntop(AF_INET6, &u.in6.sin6_addr, txt, sizeof(txt));
	ck_assert_str_eq(txt, "::ffff:10.0.0.1");
	ck_assert_uint_eq(u.in6.sin6_flowinfo, 0);
	ck_assert_uint_eq(u.in6.sin6_scope_id, 0);

	l = sizeof(u);
	ck_assert_int_eq(sock_addr_fill(&u.sa, &l, AF_INET6, &v6, htons(9)), 0);
	inet_ntop(AF_INET6, &u.in6.sin6_addr, txt, sizeof(txt));
	ck_assert_str_eq(txt, "2001:db8::2");
	ck_assert_uint_eq(u.in6.sin6_port, htons(9));
	l = sizeof(u);
	ck_assert_int_eq(sock_addr_fill(&u.sa, &l, AF_INET6, &none, 0), 0);
	inet_ntop(AF_INET6, &u.in6.sin6_addr, txt, sizeof(txt));
	ck_assert_str_eq(txt, "::");
	l = sizeof(u);
	ck_assert_int_eq(sock_addr_fill(&u.sa, &l, AF_INET, &none, 0), 0);
	ck_assert_uint_eq(u.in.sin_addr.s_addr, INADDR_ANY);

	/* Truncated: 8 bytes written, the full 28 reported. */
	memset(&u, 0xaa, sizeof(u));
	l = 8;
	ck_assert_int_eq(sock_addr_fill(&u.sa, &l, AF_INET6, &v6, htons(9)), 0);
	ck_assert_uint_eq(l, sizeof(struct sockaddr_in6));
	ck_assert_uint_eq(u.in6.sin6_family, AF_INET6);
	ck_assert_uint_eq(u.b[8], 0xaa);
	memset(&u, 0xaa, sizeof(u));
	l = 0;
	ck_assert_int_eq(sock_addr_fill(&u.sa, &l, AF_INET, &v4, htons(9)), 0);
	ck_assert_uint_eq(l, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(u.b[0], 0xaa);

	l = (socklen_t)-1;
	errno = 0;
	ck_assert_int_eq(sock_addr_fill(&u.sa, &l, AF_INET, &v4, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_addr_fill(NULL, &l, AF_INET, &v4, 0), -1);
	ck_assert_int_eq(errno, EFAULT);
	ck_assert_int_eq(sock_addr_fill(&u.sa, NULL, AF_INET, &v4, 0), -1);
	ck_assert_int_eq(errno, EFAULT);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sockaddr");
	TCase *tc = tcase_create("sockaddr");
	tcase_add_test(tc, v4_socket);
	tcase_add_test(tc, v6_socket);
	tcase_add_test(tc, fill);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
