/*
 * core/api/sockaddr.c - a user's struct sockaddr in and out, for sockets of
 * either family, with the errno values Linux gives.
 *
 * In: sock_addr_parse reads the address bind, connect or sendto was handed
 * (AF_INET: struct sockaddr_in; AF_INET6: struct sockaddr_in6, whose
 * IPv4-mapped addresses ::ffff:a.b.c.d come back as IPv4 ones, RFC 4291
 * §2.5.5.2; AF_UNSPEC where the call takes it) into a struct utcp_inaddr
 * and a port.  Out: sock_addr_fill writes an address back the way
 * getsockname, getpeername, recvfrom and accept do (a sockaddr_in6 with a
 * mapped address for an IPv4 peer of an IPv6 socket; truncated to the
 * caller's length, the full length returned).
 *
 * Call order: a socket call -> sock_addr_parse -> (its own checks: local
 * address, port, broadcast) ...; a name asked -> sock_addr_fill.
 *
 * The rules are Linux's, call by call: inet_bind / inet6_bind,
 * ip4_datagram_connect / ip6_datagram_connect, tcp_v4_connect /
 * tcp_v6_connect, udp_sendmsg / udpv6_sendmsg, and move_addr_to_kernel /
 * move_addr_to_user around them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core/api/sock.h"

/* RFC 2133's struct sockaddr_in6, without sin6_scope_id: the shortest an
 * IPv6 address may be handed in (Linux SIN6_LEN_RFC2133). */
#define SIN6_LEN_RFC2133 24

static int sa_fail(int e)
{
	errno = e;
	return -1;
}

static void sa_v4(struct utcp_inaddr *ia, uint32_t a)
{
	memset(ia, 0, sizeof(*ia));
	ia->family = AF_INET;
	ia->u.v4 = a;
}

/* RFC 4291 §2.5.5.2: ::ffff:0:0/96. */
static int sa_mapped(const uint8_t a[16])
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

/* An AF_INET address, for an IPv4 socket or a dual-stack IPv6 one. */
static int sa_parse_in(const struct sockaddr *addr, socklen_t len, int unspec_ok,
		       struct utcp_inaddr *ia, uint16_t *port)
{
	struct sockaddr_in sin;
	if (len < sizeof(sin))
		return sa_fail(EINVAL);
	memcpy(&sin, addr, sizeof(sin));
	if (sin.sin_family != AF_INET && !(unspec_ok && sin.sin_family == AF_UNSPEC))
		return sa_fail(EAFNOSUPPORT);
	sa_v4(ia, sin.sin_addr.s_addr);
	*port = sin.sin_port;
	return 0;
}

/* An AF_INET6 address (its family checked by the caller); mapped ones
 * become IPv4, refused on an IPV6_V6ONLY socket with `mapped_err`. */
static int sa_parse_in6(const struct sockaddr *addr, socklen_t len, int v6only, int mapped_err,
			struct utcp_inaddr *ia, uint16_t *port)
{
	struct sockaddr_in6 sin6;
	if (len < SIN6_LEN_RFC2133)
		return sa_fail(EINVAL);
	memset(&sin6, 0, sizeof(sin6));
	memcpy(&sin6, addr, len < sizeof(sin6) ? len : sizeof(sin6));
	if (sin6.sin6_family != AF_INET6)
		return sa_fail(EAFNOSUPPORT);
	if (sa_mapped(sin6.sin6_addr.s6_addr)) {
		if (v6only)
			return sa_fail(mapped_err);
		uint32_t a;
		memcpy(&a, sin6.sin6_addr.s6_addr + 12, 4);
		sa_v4(ia, a);
	} else {
		memset(ia, 0, sizeof(*ia));
		ia->family = AF_INET6;
		memcpy(ia->u.v6, sin6.sin6_addr.s6_addr, 16);
	}
	*port = sin6.sin6_port;
	return 0;
}

/* An IPv4 socket: inet_bind (AF_UNSPEC with INADDR_ANY only),
 * ip4_datagram_connect and tcp_v4_connect (AF_INET only), udp_sendmsg
 * (AF_UNSPEC taken as AF_INET). */
static int sa_parse_v4sock(const struct sockaddr *addr, socklen_t len, enum sock_addr_call call,
			   struct utcp_inaddr *ia, uint16_t *port)
{
	if (sa_parse_in(addr, len, call != SA_CONNECT && call != SA_CONNECT_STREAM, ia, port) < 0)
		return -1;
	if (call == SA_BIND && addr->sa_family == AF_UNSPEC && ia->u.v4 != INADDR_ANY)
		return sa_fail(EAFNOSUPPORT);
	return 0;
}

/* An IPv6 socket. */
static int sa_parse_v6sock(const struct sockaddr *addr, socklen_t len, int v6only,
			   enum sock_addr_call call, struct utcp_inaddr *ia, uint16_t *port)
{
	sa_family_t fam = addr->sa_family;
	switch (call) {
	case SA_BIND: /* __inet6_bind: a mapped address on a v6-only socket */
		return sa_parse_in6(addr, len, v6only, EINVAL, ia, port);
	case SA_CONNECT: /* __ip6_datagram_connect: AF_INET goes to IPv4 */
		if (fam == AF_INET)
			return v6only ? sa_fail(EAFNOSUPPORT) : sa_parse_in(addr, len, 0, ia, port);
		return sa_parse_in6(addr, len, v6only, ENETUNREACH, ia, port);
	case SA_CONNECT_STREAM: /* tcp_v6_connect */
		return sa_parse_in6(addr, len, v6only, ENETUNREACH, ia, port);
	case SA_SEND: /* udpv6_sendmsg */
		if (fam == AF_UNSPEC)
			return SOCK_ADDR_UNSPEC;
		if (fam == AF_INET)
			return v6only ? sa_fail(ENETUNREACH) : sa_parse_in(addr, len, 0, ia, port);
		if (fam != AF_INET6)
			return sa_fail(EINVAL);
		return sa_parse_in6(addr, len, v6only, ENETUNREACH, ia, port);
	}
	return sa_fail(EINVAL);
}

int sock_addr_parse(const struct sockaddr *addr, socklen_t len, int domain, int v6only,
		    enum sock_addr_call call, struct utcp_inaddr *ia, uint16_t *port)
{
	/* move_addr_to_kernel: longer than any address (sendmsg cuts it) */
	if (len > sizeof(struct sockaddr_storage)) {
		if (call != SA_SEND)
			return sa_fail(EINVAL);
		len = sizeof(struct sockaddr_storage);
	}
	if (len < sizeof(sa_family_t)) /* not even a family */
		return sa_fail(EINVAL);
	if (addr == NULL)
		return sa_fail(EFAULT);
	/* inet_dgram_connect / __inet_stream_connect: AF_UNSPEC disconnects */
	if ((call == SA_CONNECT || call == SA_CONNECT_STREAM) && addr->sa_family == AF_UNSPEC)
		return SOCK_ADDR_UNSPEC;
	if (domain == AF_INET6)
		return sa_parse_v6sock(addr, len, v6only, call, ia, port);
	return sa_parse_v4sock(addr, len, call, ia, port);
}

int sock_addr_fill(struct sockaddr *addr, socklen_t *addrlen, int domain,
		   const struct utcp_inaddr *ia, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t full;
	if (addr == NULL || addrlen == NULL)
		return sa_fail(EFAULT);
	if ((int)*addrlen < 0) /* move_addr_to_user: a negative length */
		return sa_fail(EINVAL);
	memset(&ss, 0, sizeof(ss));
	if (domain == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		if (ia->family == AF_INET6) {
			memcpy(sin6->sin6_addr.s6_addr, ia->u.v6, 16);
		} else if (ia->family == AF_INET) { /* RFC 4291 §2.5.5.2 */
			sin6->sin6_addr.s6_addr[10] = sin6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(sin6->sin6_addr.s6_addr + 12, &ia->u.v4, 4);
		}
		full = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		sin->sin_addr.s_addr = ia->family == AF_INET ? ia->u.v4 : INADDR_ANY;
		full = sizeof(*sin);
	}
	/* "fromlen shall refer to the value before truncation" (1003.1g) */
	memcpy(addr, &ss, *addrlen < full ? *addrlen : full);
	*addrlen = full;
	return 0;
}
