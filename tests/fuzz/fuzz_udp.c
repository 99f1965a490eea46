/*
 * tests/fuzz/fuzz_udp.c - fuzz target: UDP datagrams over IPv4 and IPv6,
 * ICMP and ICMPv6 errors about them and datagram-socket calls into a host
 * (the test NIC's 10.0.0.1 and 2001:db8::1) holding five UDP sockets: 0
 * bound to port 5000, 1 connected to the peer 10.0.0.2:4000, 2 not bound
 * (AF_INET); 3 a dual-stack one bound to [::]:5001, 4 connected to
 * [2001:db8::2]:4000 (AF_INET6).
 *
 * The input is a program; each operation is an opcode byte and its
 * arguments (missing bytes read as 0); a socket number is taken mod 5:
 *   0 DGRAM  port flags len bytes...   a datagram from the peer to port
 *            (0: 5000, or 5001 over IPv6; 1: the connected socket's of the
 *            family; 2: a closed one; 3: two more bytes); flags 1: the
 *            bytes are the whole UDP datagram (no header built, no fixups),
 *            2: zero checksum, 4: three octets of padding after it, 8: the
 *            NIC vouched for the checksum, 16: over IPv6 (2001:db8::2 to
 *            2001:db8::1)
 *   1 ICMP   type code sock            an ICMP error (ICMPv6 for sockets 3
 *            and 4) quoting a datagram of socket sock to the peer (its
 *            ports), from the peer
 *   2 RECV   sock flags len            recvmsg (flags bit 0 MSG_PEEK,
 *            bit 1 MSG_TRUNC), len octets of buffer over two iovecs
 *   3 SEND   sock len                  send (connected) or sendto the peer
 *            (socket 3: 2001:db8::2 for an even len, ::ffff:10.0.0.2 odd)
 *   4 TICK   ms                        the clock goes on, one round
 *   5 RCVBUF sock kb                   SO_RCVBUF
 *   6 CONN   sock what                 connect to the peer, or AF_UNSPEC
 *   7 EPOLL                            one utcp_epoll_wait
 * The oracle beyond no crash and no sanitizer report: after every socket is
 * closed, no packet buffer is left (tn_host_down checks the NIC's pool).
 */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/utcp.h>

#include "core/base/bytes.h"
#include "core/wire/udp.h"
#include "tests/unit/ip6test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct prog {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t next(struct prog *g)
{
	return g->i < g->n ? g->p[g->i++] : 0;
}

#define NSOCK 5
static struct tn_host h;
static int socks[NSOCK], ep;
static uint8_t frame[TN_FRAME_MAX], u[TN_FRAME_MAX], buf[TN_FRAME_MAX];

static uint16_t local_port(int s)
{
	struct sockaddr_in6 a; /* the port at the same offset in sockaddr_in */
	socklen_t l = sizeof(a);
	if (utcp_getsockname(h.ctx, s, (struct sockaddr *)&a, &l) < 0)
		return 0;
	return ntohs(a.sin6_port);
}

static int sock_of(struct prog *g)
{
	return socks[next(g) % NSOCK];
}

static struct sockaddr_in peer4(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(4000),
				 .sin_addr.s_addr = TN_PEER_IP };
	return a;
}

static struct sockaddr_in6 peer6(int mapped)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(4000) };
	if (mapped) {
		uint32_t p = TN_PEER_IP;
		a.sin6_addr.s6_addr[10] = a.sin6_addr.s6_addr[11] = 0xff;
		memcpy(a.sin6_addr.s6_addr + 12, &p, 4);
	} else {
		memcpy(&a.sin6_addr, t6_peer.b, 16);
	}
	return a;
}

/* The UDP datagram u[0..ul) from the peer, in an IPv4 or IPv6 frame. */
static size_t dgram_frame(int v6, const uint8_t *u, size_t ul)
{
	if (v6)
		return t6_ipv6(frame, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 17, 64, u, ul);
	return tn_ipv4(frame, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 17, u, ul);
}

static void op_dgram(struct prog *g)
{
	uint8_t sel = next(g) & 3, flags = next(g);
	int v6 = (flags & 16) != 0;
	uint16_t dport = sel == 0   ? (v6 ? 5001 : 5000)
			 : sel == 1 ? local_port(socks[v6 ? 4 : 1])
			 : sel == 2 ? 9999
				    : 0;
	if (sel == 3)
		dport = (uint16_t)(next(g) << 8 | next(g));
	size_t len = next(g), ul;
	for (size_t k = 0; k < len; k++)
		buf[k] = next(g);
	if (flags & 1) {
		memcpy(u, buf, len);
		ul = len;
	} else {
		wr16(u, 4000);
		wr16(u + 2, dport);
		wr16(u + 4, (uint16_t)(8 + len));
		u[6] = u[7] = 0;
		memcpy(u + 8, buf, len);
		ul = 8 + len;
		struct utcp_inaddr s = { .family = AF_INET, .u.v4 = TN_PEER_IP };
		struct utcp_inaddr d = { .family = AF_INET, .u.v4 = TN_HOST_IP };
		if (v6) {
			s.family = d.family = AF_INET6;
			memcpy(s.u.v6, t6_peer.b, 16);
			memcpy(d.u.v6, t6_host.b, 16);
		}
		if (!(flags & 2)) {
			uint16_t ck = utcp_udp_csum(&s, &d, u, ul);
			memcpy(u + 6, &ck, 2);
		}
	}
	if (flags & 4) {
		memset(u + ul, 0xee, 3);
		ul += 3;
	}
	size_t fl = dgram_frame(v6, u, ul);
	if (tn_inject_flags(h.nic, 0, frame, fl, (flags & 8) ? UTCP_PKT_RX_L4_CKSUM_GOOD : 0) == 0)
		utcp_ctx_poll(h.ctx);
}

/* ICMPv6 (RFC 4443) type/code from the peer quoting a datagram of
 * socket s to the peer. */
static void op_icmp6(uint8_t type, uint8_t code, int s)
{
	uint8_t m[8 + 48], l4[8];
	wr16(l4, local_port(s));
	wr16(l4 + 2, 4000);
	wr16(l4 + 4, 12);
	l4[6] = l4[7] = 0;
	t6_ipv6(frame, tn_peer_mac, tn_host_mac, &t6_host, &t6_peer, 17, 64, l4, 8);
	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	memcpy(m + 8, frame + 14, 48);
	size_t fl = t6_icmp6(frame, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 64, m, sizeof(m));
	if (tn_inject(h.nic, 0, frame, fl) == 0)
		utcp_ctx_poll(h.ctx);
}

static void op_icmp(struct prog *g)
{
	uint8_t type = next(g), code = next(g), s = next(g) % NSOCK;
	if (s >= 3) {
		op_icmp6(type, code, socks[s]);
		return;
	}
	uint8_t m[8 + 28], q[28];
	uint8_t l4[8];
	wr16(l4, local_port(socks[s]));
	wr16(l4 + 2, 4000);
	wr16(l4 + 4, 12);
	l4[6] = l4[7] = 0;
	tn_ipv4(frame, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 17, l4, 8);
	memcpy(q, frame + 14, 28);
	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	memcpy(m + 8, q, 28);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(m, sizeof(m), 0));
	memcpy(m + 2, &ck, 2);
	size_t fl = tn_ipv4(frame, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 1, m,
			    sizeof(m));
	if (tn_inject(h.nic, 0, frame, fl) == 0)
		utcp_ctx_poll(h.ctx);
}

static void op_recv(struct prog *g)
{
	int s = sock_of(g);
	uint8_t fl = next(g);
	size_t len = next(g) * 8u;
	struct sockaddr_in6 from;
	struct iovec iov[2] = { { buf, len / 2 }, { buf + len / 2, len - len / 2 } };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = iov,
			    .msg_iovlen = 2 };
	int flags = MSG_DONTWAIT | ((fl & 1) ? MSG_PEEK : 0) | ((fl & 2) ? MSG_TRUNC : 0);
	(void)utcp_recvmsg(h.ctx, s, &m, flags);
}

static void op_send(struct prog *g)
{
	uint8_t which = next(g) % NSOCK;
	size_t len = ((size_t)next(g) << 8 | next(g)) % 1600;
	struct sockaddr_in6 to6 = peer6(len & 1);
	struct sockaddr_in to = peer4();
	memset(buf, 0x5a, len);
	if (which == 1 || which == 4)
		(void)utcp_send(h.ctx, socks[which], buf, len, 0);
	else if (which == 3)
		(void)utcp_sendto(h.ctx, socks[3], buf, len, 0, (struct sockaddr *)&to6,
				  sizeof(to6));
	else
		(void)utcp_sendto(h.ctx, socks[which], buf, len, 0, (struct sockaddr *)&to,
				  sizeof(to));
	utcp_ctx_poll(h.ctx);
	tn_tx_drain(h.nic);
}

static void op_other(struct prog *g, uint8_t op)
{
	struct epoll_event evs[4];
	struct sockaddr_in6 to6 = peer6(0);
	struct sockaddr_in to = peer4();
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	uint8_t i;
	int s, v;
	switch (op) {
	case 4:
		tn_advance(h.nic, (utcp_time_t)next(g) * UTCP_NSEC_PER_MSEC);
		utcp_ctx_poll(h.ctx);
		tn_tx_drain(h.nic);
		break;
	case 5:
		s = sock_of(g);
		v = next(g) * 1024;
		(void)utcp_setsockopt(h.ctx, s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		break;
	case 6:
		i = next(g) % NSOCK;
		s = socks[i];
		if (next(g) & 1)
			(void)utcp_connect(h.ctx, s, &un, sizeof(un));
		else if (i >= 3)
			(void)utcp_connect(h.ctx, s, (struct sockaddr *)&to6, sizeof(to6));
		else
			(void)utcp_connect(h.ctx, s, (struct sockaddr *)&to, sizeof(to));
		break;
	default:
		(void)utcp_epoll_wait(h.ctx, ep, evs, 4, 0);
		tn_tx_drain(h.nic);
		break;
	}
}

static void setup(void)
{
	struct utcp_config c;
	t6_config(&c, 0); /* 10.0.0.1 and 2001:db8::1, addresses in use at once */
	c.nb_neigh6 = 1;  /* the IPv6 peer, statically: no ND traffic */
	c.neigh6[0] = (struct utcp_neigh6_entry){ .ip6 = t6_peer, .port = 0 };
	memcpy(c.neigh6[0].mac, tn_peer_mac, 6);
	c.max_concurrency = 16; /* small tables: a fresh host per input is cheap */
	c.max_num_buffers = 16;
	c.nb_arp = 1; /* the peer, statically: no ARP traffic */
	c.arp[0].ip = TN_PEER_IP;
	c.arp[0].prefix = 32;
	memcpy(c.arp[0].mac, tn_peer_mac, 6);
	tn_host_up(&h, &c, 1);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5000) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(5001) };
	struct sockaddr_in6 to6 = peer6(0);
	struct sockaddr_in to = peer4();
	for (int i = 0; i < NSOCK; i++)
		socks[i] = utcp_socket(h.ctx, i < 3 ? AF_INET : AF_INET6,
				       SOCK_DGRAM | SOCK_NONBLOCK, 0);
	utcp_bind(h.ctx, socks[0], (struct sockaddr *)&a, sizeof(a));
	utcp_connect(h.ctx, socks[1], (struct sockaddr *)&to, sizeof(to));
	utcp_bind(h.ctx, socks[3], (struct sockaddr *)&a6, sizeof(a6));
	utcp_connect(h.ctx, socks[4], (struct sockaddr *)&to6, sizeof(to6));
	ep = utcp_epoll_create1(h.ctx, 0);
	for (int i = 0; i < NSOCK; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | (i ? EPOLLET : 0) };
		utcp_epoll_ctl(h.ctx, ep, EPOLL_CTL_ADD, socks[i], &ev);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prog g = { data, size, 0 };
	setup();
	while (g.i < g.n) {
		uint8_t op = next(&g) & 7;
		if (op == 0)
			op_dgram(&g);
		else if (op == 1)
			op_icmp(&g);
		else if (op == 2)
			op_recv(&g);
		else if (op == 3)
			op_send(&g);
		else
			op_other(&g, op);
	}
	for (int i = 0; i < NSOCK; i++)
		utcp_close(h.ctx, socks[i]);
	utcp_close(h.ctx, ep);
	utcp_ctx_poll(h.ctx);
	tn_tx_drain(h.nic);
	if (utcp_ctx_bufs_in_use(h.ctx) != 0)
		abort(); /* a datagram's buffer outlived its socket */
	tn_host_down(&h);
	return 0;
}
