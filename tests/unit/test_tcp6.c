/*
 * tests/unit/test_tcp6.c - TCP over IPv6 (RFC 8200 §8.1, RFC 9293) as
 * traces: the host is 2001:db8::1 (and 10.0.0.1) on the test NIC, the test
 * plays 2001:db8::2 (static neighbour entry: no ND traffic).
 *
 * A passive and an active handshake over IPv6 (MSS 1440 = MTU - 60, the
 * pseudo-header checksum checked independently, a flow label kept for the
 * connection, getsockname/getpeername as struct sockaddr_in6), data both
 * ways, a RST for a closed port, a bad checksum dropped, a SYN cookie
 * when the SYN queue is full, ICMPv6 "packet too big" lowering the MSS
 * (RFC 8201), port unreachable aborting a connect, IPV6_TCLASS in the
 * header, and the dual-stack listener: an IPv4 SYN taken as
 * ::ffff:10.0.0.2, refused with IPV6_V6ONLY; a copy every queue got
 * (UTCP_PKT_RX_COPY) never answered; with the peer a dynamic neighbour,
 * acknowledged data keeping it REACHABLE and repeated timeouts probing it
 * (RFC 4861 §7.3.1); the connection snapshot (<utcp/conninfo.h>) of an
 * IPv6 listener and connection beside an IPv4 one; TIME-WAIT as a compact
 * record with the full addresses and flow label.  Every fixture ends
 * with a leak check.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core/base/bytes.h"
#include <utcp/conninfo.h>

#include "core/tcp/tcp.h"
#include "tests/unit/ip6test.h"

static struct tn_host h;
static uint8_t f[TN_FRAME_MAX];

/* A segment as the peer sends it or the host sent it. */
struct seg6 {
	uint16_t sport, dport; /* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint8_t opt[40];
	uint8_t optlen;
	const void *data;
	uint32_t len;
	/* filled for received ones */
	uint8_t tclass, hlim;
	uint32_t flow;
	uint8_t payload[2048];
	struct tcp_opts o;
};

static void setup_cfg(int syncookies)
{
	struct utcp_config c;
	t6_config(&c, 0);
	c.nb_neigh6 = 1;
	c.neigh6[0] = (struct utcp_neigh6_entry){ .ip6 = t6_peer, .port = 0 };
	memcpy(c.neigh6[0].mac, tn_peer_mac, 6);
	c.arp[0] = (struct utcp_arp_entry){ .ip = TN_PEER_IP, .prefix = 32 };
	memcpy(c.arp[0].mac, tn_peer_mac, 6);
	c.nb_arp = 1;
	c.tcp_timeout = -1;
	c.tcp_timewait = 1;
	c.tcp_syncookies = syncookies;
	c.rcvbuf = c.sndbuf = 65536;
	c.max_concurrency = 16;
	tn_host_up(&h, &c, 1);
}

static void setup(void)
{
	setup_cfg(0);
}

static void setup_cookies(void)
{
	setup_cfg(1);
}

static void teardown(void)
{
	tn_host_down(&h);
}

static void poll_once(void)
{
	utcp_ctx_poll(h.ctx);
}

/* Peer -> host over IPv6 (checksum computed here). */
static size_t seg_build(uint8_t *tcp, const struct seg6 *s)
{
	size_t hl = 20 + ((s->optlen + 3u) & ~3u);
	memset(tcp, 0, hl);
	wr16(tcp, s->sport);
	wr16(tcp + 2, s->dport);
	wr32(tcp + 4, s->seq);
	wr32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)((hl / 4) << 4);
	tcp[13] = s->flags;
	wr16(tcp + 14, s->win);
	memcpy(tcp + 20, s->opt, s->optlen);
	if (s->len > 0)
		memcpy(tcp + hl, s->data, s->len);
	return hl + s->len;
}

static void in6(const struct seg6 *s)
{
	uint8_t tcp[2048];
	size_t n = seg_build(tcp, s);
	wr16(tcp + 16, t6_csum(&t6_peer, &t6_host, 6, tcp, n));
	size_t len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 6, 64, tcp, n);
	ck_assert_int_eq(tn_inject(h.nic, 0, f, len), 0);
	poll_once();
}

/* Host -> peer: the next frame must be IPv6/TCP from 2001:db8::1 to
 * 2001:db8::2 with a right checksum; 1 if there was one. */
static void parse6(const uint8_t *fr, size_t n, struct seg6 *s);

static int out6(struct seg6 *s)
{
	uint8_t fr[TN_FRAME_MAX];
	size_t n = tn_tx_pop(h.nic, 0, fr, sizeof(fr));
	if (n == 0)
		return 0;
	parse6(fr, n, s);
	return 1;
}

static void parse6(const uint8_t *fr, size_t n, struct seg6 *s)
{
	memset(s, 0, sizeof(*s));
	ck_assert_uint_ge(n, 14 + 40 + 20);
	ck_assert_uint_eq(rd16(fr + 12), 0x86dd);
	const uint8_t *ip = fr + 14;
	ck_assert_uint_eq(ip[0] >> 4, 6);
	s->tclass = (uint8_t)(ip[0] << 4 | ip[1] >> 4);
	s->flow = rd32(ip) & 0xfffff;
	ck_assert_uint_eq(ip[6], 6);
	s->hlim = ip[7];
	ck_assert(memcmp(ip + 8, t6_host.b, 16) == 0);
	ck_assert(memcmp(ip + 24, t6_peer.b, 16) == 0);
	uint16_t plen = rd16(ip + 4);
	ck_assert_uint_eq(14 + 40 + plen, n);
	const uint8_t *th = ip + 40;
	ck_assert_uint_eq(t6_csum(&t6_host, &t6_peer, 6, th, plen), 0); /* RFC 8200 §8.1 */
	s->sport = rd16(th);
	s->dport = rd16(th + 2);
	s->seq = rd32(th + 4);
	s->ack = rd32(th + 8);
	s->flags = th[13];
	s->win = rd16(th + 14);
	unsigned doff = (unsigned)(th[12] >> 4) * 4;
	ck_assert_int_eq(tcp_opts_parse(th + 20, doff - 20, s->flags & TH_SYN, &s->o), 0);
	s->len = plen - doff;
	memcpy(s->payload, th + doff, s->len);
}

static void expect6(struct seg6 *s, uint8_t flags, uint32_t seq, uint32_t ack)
{
	ck_assert_msg(out6(s), "no segment");
	ck_assert_uint_eq(s->flags, flags);
	ck_assert_uint_eq(s->seq, seq);
	ck_assert_uint_eq(s->ack, ack);
}

static void opt_mss(struct seg6 *s, uint16_t mss)
{
	s->opt[s->optlen] = 2;
	s->opt[s->optlen + 1] = 4;
	wr16(s->opt + s->optlen + 2, mss);
	s->optlen += 4;
}

static int listen6(int v6only, uint16_t port, int backlog)
{
	int l = utcp_socket(h.ctx, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(l, 0);
	if (v6only)
		ck_assert_int_eq(utcp_setsockopt(h.ctx, l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
						 sizeof(v6only)), 0);
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	ck_assert_int_eq(utcp_bind(h.ctx, l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(utcp_listen(h.ctx, l, backlog), 0);
	return l;
}

struct conn6 {
	int sock;
	uint32_t hnxt, pnxt;
	uint32_t flow;
};

/* SYN (MSS 1460) -> SYN-ACK -> ACK -> accept. */
static void passive6(struct conn6 *c, int l, uint16_t pport)
{
	struct seg6 s = { .sport = pport, .dport = 80, .seq = 1000, .flags = TH_SYN,
			  .win = 65535 };
	opt_mss(&s, 1460);
	in6(&s);
	struct seg6 r;
	ck_assert(out6(&r));
	ck_assert_uint_eq(r.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(r.ack, 1001);
	ck_assert_uint_eq(r.sport, 80);
	ck_assert_uint_eq(r.dport, pport);
	ck_assert(r.o.flags & TOF_MSS);
	ck_assert_uint_eq(r.o.mss, 1500 - 60); /* RFC 8200 §5, RFC 9293 §3.7.1 */
	ck_assert_uint_eq(r.hlim, 64);
	ck_assert_uint_ne(r.flow, 0); /* RFC 6437 */
	c->flow = r.flow;
	c->hnxt = r.seq + 1;
	c->pnxt = 1001;
	struct seg6 a = { .sport = pport, .dport = 80, .seq = 1001, .ack = c->hnxt,
			  .flags = TH_ACK, .win = 65535 };
	in6(&a);
	tn_expect_no_tx(h.nic, 0);
	c->sock = utcp_accept(h.ctx, l, NULL, NULL);
	ck_assert_int_ge(c->sock, 0);
}

START_TEST(passive_handshake_and_data)
{
	int l = listen6(0, 80, 4);
	struct conn6 c;
	passive6(&c, l, 40000);

	struct sockaddr_in6 sa;
	socklen_t sl = sizeof(sa);
	ck_assert_int_eq(utcp_getpeername(h.ctx, c.sock, (struct sockaddr *)&sa, &sl), 0);
	ck_assert_uint_eq(sl, sizeof(sa));
	ck_assert_int_eq(sa.sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(sa.sin6_port), 40000);
	ck_assert(memcmp(&sa.sin6_addr, t6_peer.b, 16) == 0);
	sl = sizeof(sa);
	ck_assert_int_eq(utcp_getsockname(h.ctx, c.sock, (struct sockaddr *)&sa, &sl), 0);
	ck_assert_uint_eq(ntohs(sa.sin6_port), 80);
	ck_assert(memcmp(&sa.sin6_addr, t6_host.b, 16) == 0);

	/* peer -> host: data, acknowledged (delayed ACK or at once) */
	struct seg6 d = { .sport = 40000, .dport = 80, .seq = c.pnxt, .ack = c.hnxt,
			  .flags = TH_ACK | TH_PUSH, .win = 65535, .data = "hello", .len = 5 };
	in6(&d);
	char buf[16];
	ck_assert_int_eq(utcp_recv(h.ctx, c.sock, buf, sizeof(buf), 0), 5);
	ck_assert(memcmp(buf, "hello", 5) == 0);
	c.pnxt += 5;
	/* host -> peer: data, same flow label */
	ck_assert_int_eq(utcp_send(h.ctx, c.sock, "world!", 6, 0), 6);
	poll_once();
	struct seg6 r;
	ck_assert(out6(&r));
	if (r.len == 0) /* the ACK of "hello" went first */
		ck_assert(out6(&r));
	ck_assert_uint_eq(r.len, 6);
	ck_assert(memcmp(r.payload, "world!", 6) == 0);
	ck_assert_uint_eq(r.seq, c.hnxt);
	ck_assert_uint_eq(r.ack, c.pnxt);
	ck_assert_uint_eq(r.flow, c.flow);
	c.hnxt += 6;
	/* RST from the peer ends it */
	struct seg6 rst = { .sport = 40000, .dport = 80, .seq = c.pnxt, .flags = TH_RST };
	in6(&rst);
	ck_assert_int_eq(utcp_recv(h.ctx, c.sock, buf, sizeof(buf), 0), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	utcp_close(h.ctx, c.sock);
	utcp_close(h.ctx, l);
	tn_tx_drain(h.nic);
}
END_TEST

START_TEST(active_handshake)
{
	int s = utcp_socket(h.ctx, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(5000) };
	memcpy(&sa.sin6_addr, t6_peer.b, 16);
	errno = 0;
	ck_assert_int_eq(utcp_connect(h.ctx, s, (struct sockaddr *)&sa, sizeof(sa)), -1);
	ck_assert_int_eq(errno, EINPROGRESS);
	poll_once();
	struct seg6 r;
	ck_assert(out6(&r));
	ck_assert_uint_eq(r.flags, TH_SYN);
	ck_assert_uint_eq(r.dport, 5000);
	ck_assert_uint_eq(r.o.mss, 1440);
	struct seg6 sa_ = { .sport = 5000, .dport = r.sport, .seq = 7000, .ack = r.seq + 1,
			    .flags = TH_SYN | TH_ACK, .win = 65535 };
	opt_mss(&sa_, 1440);
	in6(&sa_);
	struct seg6 a;
	expect6(&a, TH_ACK, r.seq + 1, 7001);
	ck_assert_uint_eq(a.flow, r.flow);
	struct sockaddr_in6 me;
	socklen_t sl = sizeof(me);
	ck_assert_int_eq(utcp_getsockname(h.ctx, s, (struct sockaddr *)&me, &sl), 0);
	ck_assert(memcmp(&me.sin6_addr, t6_host.b, 16) == 0);
	ck_assert_uint_eq(ntohs(me.sin6_port), r.sport);
	/* abort: a RST goes out, nothing is left */
	utcp_abort(h.ctx, s);
	poll_once();
	ck_assert(out6(&a));
	ck_assert(a.flags & TH_RST);
	ck_assert_uint_eq(a.seq, r.seq + 1);
}
END_TEST

START_TEST(rst_for_closed_port_and_bad_checksum)
{
	struct seg6 s = { .sport = 40001, .dport = 81, .seq = 5, .flags = TH_SYN, .win = 1000 };
	in6(&s);
	struct seg6 r;
	expect6(&r, TH_RST | TH_ACK, 0, 6); /* RFC 9293 §3.10.7.1 */
	ck_assert_uint_eq(r.flow, 0);
	/* a checksum one off: dropped and counted, no RST */
	uint8_t tcp[64];
	size_t n = seg_build(tcp, &s);
	wr16(tcp + 16, (uint16_t)(t6_csum(&t6_peer, &t6_host, 6, tcp, n) + 1));
	size_t len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 6, 64, tcp, n);
	uint64_t before = utcp_ctx_stats(h.ctx)->drop_tcp_cksum;
	ck_assert_int_eq(tn_inject(h.nic, 0, f, len), 0);
	poll_once();
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->drop_tcp_cksum, before + 1);
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

START_TEST(syn_cookie)
{
	int l = listen6(0, 80, 1);
	struct seg6 s1 = { .sport = 41000, .dport = 80, .seq = 100, .flags = TH_SYN,
			   .win = 65535 };
	opt_mss(&s1, 1460);
	in6(&s1);
	struct seg6 r;
	ck_assert(out6(&r)); /* a TCB's SYN-ACK */
	struct seg6 s2 = s1;
	s2.sport = 41001;
	in6(&s2); /* the SYN queue is full: a cookie */
	ck_assert(out6(&r));
	ck_assert_uint_eq(r.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(r.ack, 101);
	ck_assert_uint_le(r.o.mss, 1440);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->tcp_syn_cookies_sent, 1);
	/* the cookie's ACK: a connection without a SYN queue entry */
	struct seg6 a2 = { .sport = 41001, .dport = 80, .seq = 101, .ack = r.seq + 1,
			   .flags = TH_ACK, .win = 65535 };
	in6(&a2);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->tcp_syn_cookies_ok, 1);
	int c = utcp_accept(h.ctx, l, NULL, NULL);
	ck_assert_int_ge(c, 0);
	struct sockaddr_in6 sa;
	socklen_t sl = sizeof(sa);
	ck_assert_int_eq(utcp_getpeername(h.ctx, c, (struct sockaddr *)&sa, &sl), 0);
	ck_assert_uint_eq(ntohs(sa.sin6_port), 41001);
	ck_assert(memcmp(&sa.sin6_addr, t6_peer.b, 16) == 0);
	utcp_abort(h.ctx, c);
	poll_once(); /* its RST leaves */
	utcp_close(h.ctx, l);
	tn_tx_drain(h.nic);
}
END_TEST

/* ICMPv6 error (RFC 4443) from the router about segment q (its IPv6
 * header and TCP header quoted). */
static void icmp6_in(uint8_t type, uint8_t code, uint32_t param, const struct seg6 *q)
{
	uint8_t m[8 + 40 + 20] = { 0 };
	m[0] = type;
	m[1] = code;
	wr32(m + 4, param);
	uint8_t *ip = m + 8;
	ip[0] = 0x60;
	wr16(ip + 4, 20 + 1440);
	ip[6] = 6;
	ip[7] = 64;
	memcpy(ip + 8, t6_host.b, 16);
	memcpy(ip + 24, t6_peer.b, 16);
	wr16(ip + 40, q->sport);
	wr16(ip + 42, q->dport);
	wr32(ip + 44, q->seq);
	wr32(ip + 48, q->ack);
	ip[52] = 0x50;
	ip[53] = q->flags;
	size_t len = t6_icmp6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 64, m, sizeof(m));
	ck_assert_int_eq(tn_inject(h.nic, 0, f, len), 0);
	poll_once();
}

START_TEST(icmp6_packet_too_big)
{
	int l = listen6(0, 80, 4);
	struct conn6 c;
	passive6(&c, l, 40002);
	static uint8_t big[3000];
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(utcp_send(h.ctx, c.sock, big, 1440, 0), 1440);
	poll_once();
	struct seg6 r;
	ck_assert(out6(&r));
	ck_assert_uint_eq(r.len, 1440);
	/* RFC 8201 §4: MTU 1280 on the path; then a smaller one than the
	 * IPv6 minimum is taken as 1280 (RFC 8200 §5) */
	icmp6_in(2, 0, 1280, &r);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->tcp_pmtu_updates, 1);
	struct seg6 x;
	ck_assert(out6(&x)); /* resent at the new size */
	ck_assert_uint_eq(x.seq, r.seq);
	ck_assert_uint_eq(x.len, 1280 - 60);
	icmp6_in(2, 0, 600, &x);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->tcp_pmtu_updates, 1); /* 1220 already */
	utcp_abort(h.ctx, c.sock);
	poll_once(); /* its RST leaves */
	utcp_close(h.ctx, l);
	tn_tx_drain(h.nic);
}
END_TEST

START_TEST(icmp6_unreachable_aborts_connect)
{
	int s = utcp_socket(h.ctx, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(5001) };
	memcpy(&sa.sin6_addr, t6_peer.b, 16);
	ck_assert_int_eq(utcp_connect(h.ctx, s, (struct sockaddr *)&sa, sizeof(sa)), -1);
	poll_once();
	struct seg6 r;
	ck_assert(out6(&r));
	icmp6_in(1, 4, 0, &r); /* port unreachable: hard (RFC 4443 §3.1) */
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->tcp_icmp_aborts, 1);
	errno = 0;
	ck_assert_int_eq(utcp_connect(h.ctx, s, (struct sockaddr *)&sa, sizeof(sa)), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	utcp_close(h.ctx, s);
}
END_TEST

START_TEST(tclass_option)
{
	int s = utcp_socket(h.ctx, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int tc = 0xb8, v6only = -1;
	socklen_t sl = sizeof(v6only);
	ck_assert_int_eq(utcp_getsockopt(h.ctx, s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &sl), 0);
	ck_assert_int_eq(v6only, 0); /* Linux's default, bindv6only = 0 */
	ck_assert_int_eq(utcp_setsockopt(h.ctx, s, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof(tc)), 0);
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(5002) };
	memcpy(&sa.sin6_addr, t6_peer.b, 16);
	ck_assert_int_eq(utcp_connect(h.ctx, s, (struct sockaddr *)&sa, sizeof(sa)), -1);
	poll_once();
	struct seg6 r;
	ck_assert(out6(&r));
	ck_assert_uint_eq(r.tclass, 0xb8);
	/* IPV6_V6ONLY after bind: EINVAL, as Linux */
	errno = 0;
	ck_assert_int_eq(utcp_setsockopt(h.ctx, s, IPPROTO_IPV6, IPV6_V6ONLY, &tc, sizeof(tc)), -1);
	ck_assert_int_eq(errno, EINVAL);
	utcp_close(h.ctx, s);
	tn_tx_drain(h.nic);
}
END_TEST

/* An IPv4 SYN from 10.0.0.2 to the dual-stack listener's port. */
static void syn4(uint16_t sport, uint16_t dport)
{
	uint8_t tcp[24] = { 0 };
	wr16(tcp, sport);
	wr16(tcp + 2, dport);
	wr32(tcp + 4, 500);
	tcp[12] = 0x50;
	tcp[13] = TH_SYN;
	wr16(tcp + 14, 65535);
	/* checksum over the IPv4 pseudo-header */
	uint32_t sum = (10 << 8) + 1 + (10 << 8) + 2 + 6 + 20;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(tcp[i] << 8 | tcp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wr16(tcp + 16, (uint16_t)~sum);
	size_t len = tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 6, tcp, 20);
	ck_assert_int_eq(tn_inject(h.nic, 0, f, len), 0);
	poll_once();
}

static uint8_t pop4_flags(uint32_t *seq)
{
	uint8_t fr[TN_FRAME_MAX];
	size_t n = tn_tx_pop(h.nic, 0, fr, sizeof(fr));
	ck_assert_uint_ge(n, 14 + 20 + 20);
	ck_assert_uint_eq(rd16(fr + 12), 0x0800);
	*seq = rd32(fr + 34 + 4);
	return fr[34 + 13];
}

START_TEST(dual_stack_listener)
{
	int l = listen6(0, 80, 4);
	syn4(42000, 80);
	uint32_t iss;
	ck_assert_uint_eq(pop4_flags(&iss), TH_SYN | TH_ACK);
	uint8_t tcp[20] = { 0 };
	wr16(tcp, 42000);
	wr16(tcp + 2, 80);
	wr32(tcp + 4, 501);
	wr32(tcp + 8, iss + 1);
	tcp[12] = 0x50;
	tcp[13] = TH_ACK;
	wr16(tcp + 14, 65535);
	uint32_t sum = (10 << 8) + 1 + (10 << 8) + 2 + 6 + 20;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(tcp[i] << 8 | tcp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wr16(tcp + 16, (uint16_t)~sum);
	size_t len = tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 6, tcp, 20);
	ck_assert_int_eq(tn_inject(h.nic, 0, f, len), 0);
	poll_once();
	struct sockaddr_in6 sa;
	socklen_t sl = sizeof(sa);
	int c = utcp_accept(h.ctx, l, (struct sockaddr *)&sa, &sl);
	ck_assert_int_ge(c, 0);
	ck_assert_uint_eq(sl, sizeof(sa));
	ck_assert_int_eq(sa.sin6_family, AF_INET6);
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2 };
	ck_assert(memcmp(&sa.sin6_addr, mapped, 16) == 0); /* ::ffff:10.0.0.2 */
	ck_assert_uint_eq(ntohs(sa.sin6_port), 42000);
	utcp_abort(h.ctx, c);
	poll_once(); /* its RST leaves */
	utcp_close(h.ctx, l);
	tn_tx_drain(h.nic);

	/* IPV6_V6ONLY: the IPv4 SYN finds no listener, and a RST */
	l = listen6(1, 80, 4);
	syn4(42001, 80);
	ck_assert_uint_eq(pop4_flags(&iss), TH_RST | TH_ACK);
	utcp_close(h.ctx, l);
}
END_TEST

/* ---- snapshots (<utcp/conninfo.h>: what utcp-ss shows) ------------------- */

#define MAX_SNAP 4
struct snaps {
	int n;
	struct utcp_conn_info ci[MAX_SNAP];
};

static void snap(void *arg, const struct utcp_conn_info *ci)
{
	struct snaps *s = arg;
	ck_assert_int_lt(s->n, MAX_SNAP);
	s->ci[s->n++] = *ci;
}

START_TEST(snapshot_has_ipv6_addresses)
{
	static const uint8_t any[16];
	int l = listen6(0, 80, 4);
	struct conn6 c;
	passive6(&c, l, 40000);
	syn4(42002, 80); /* and an IPv4 one on the same dual-stack listener */
	uint32_t iss;
	ck_assert_uint_eq(pop4_flags(&iss), TH_SYN | TH_ACK);
	struct snaps s = { 0 };
	ck_assert_int_eq(utcp_ctx_conns(h.ctx, snap, &s), 3);
	/* the listener first: [::]:80 */
	ck_assert_str_eq(s.ci[0].state, "LISTEN");
	ck_assert_int_eq(s.ci[0].family, AF_INET6);
	ck_assert_mem_eq(s.ci[0].laddr6, any, 16);
	ck_assert_mem_eq(s.ci[0].raddr6, any, 16);
	ck_assert_uint_eq(ntohs(s.ci[0].lport), 80);
	const struct utcp_conn_info *v6 = s.ci[1].family == AF_INET6 ? &s.ci[1] : &s.ci[2];
	const struct utcp_conn_info *v4 = s.ci[1].family == AF_INET6 ? &s.ci[2] : &s.ci[1];
	/* [2001:db8::1]:80 <-> [2001:db8::2]:40000 */
	ck_assert_int_eq(v6->family, AF_INET6);
	ck_assert_str_eq(v6->state, "ESTABLISHED");
	ck_assert_mem_eq(v6->laddr6, t6_host.b, 16);
	ck_assert_mem_eq(v6->raddr6, t6_peer.b, 16);
	ck_assert_uint_eq(ntohs(v6->lport), 80);
	ck_assert_uint_eq(ntohs(v6->rport), 40000);
	/* 10.0.0.1:80 <-> 10.0.0.2:42002, the IPv4 fields as before */
	ck_assert_int_eq(v4->family, AF_INET);
	ck_assert_str_eq(v4->state, "SYN-RECEIVED");
	ck_assert_uint_eq(v4->laddr, TN_HOST_IP);
	ck_assert_uint_eq(v4->raddr, TN_PEER_IP);
	ck_assert_uint_eq(ntohs(v4->rport), 42002);
	ck_assert_mem_eq(v4->raddr6, any, 16);
	/* as utcp-ss and the trace write them (ss(8)'s form) */
	char a[UTCP_CONN_ADDRSTRLEN];
	ck_assert_str_eq(utcp_conn_addr(&s.ci[0], 1, a, sizeof(a)), "[::]:80");
	ck_assert_str_eq(utcp_conn_addr(v6, 1, a, sizeof(a)), "[2001:db8::1]:80");
	ck_assert_str_eq(utcp_conn_addr(v6, 0, a, sizeof(a)), "[2001:db8::2]:40000");
	ck_assert_str_eq(utcp_conn_addr(v4, 1, a, sizeof(a)), "10.0.0.1:80");
	ck_assert_str_eq(utcp_conn_addr(v4, 0, a, sizeof(a)), "10.0.0.2:42002");
	/* the longest there is fits */
	struct utcp_conn_info big = { .family = AF_INET6, .lport = 0xffff };
	memset(big.laddr6, 0xfe, 16);
	ck_assert_str_eq(utcp_conn_addr(&big, 1, a, sizeof(a)),
			 "[fefe:fefe:fefe:fefe:fefe:fefe:fefe:fefe]:65535");
	utcp_abort(h.ctx, c.sock);
	utcp_close(h.ctx, l);
	poll_once();
	tn_tx_drain(h.nic);
}
END_TEST

/* A copy of a frame every queue got (UTCP_PKT_RX_COPY, nic/fanout): a
 * SYN to a listener opens nothing and a segment of no connection draws no
 * RST; the context that owns the flow still takes its copies. */
START_TEST(rx_copy_is_never_answered)
{
	int l = listen6(0, 80, 4);
	struct seg6 s = { .sport = 43000, .dport = 80, .seq = 9, .flags = TH_SYN, .win = 65535 };
	uint8_t tcp[64];
	size_t n = seg_build(tcp, &s);
	wr16(tcp + 16, t6_csum(&t6_peer, &t6_host, 6, tcp, n));
	size_t len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 6, 64, tcp, n);
	ck_assert_int_eq(tn_inject_flags(h.nic, 0, f, len, UTCP_PKT_RX_COPY), 0);
	poll_once();
	tn_expect_no_tx(h.nic, 0);
	s.dport = 81; /* no listener: no RST either */
	n = seg_build(tcp, &s);
	wr16(tcp + 16, t6_csum(&t6_peer, &t6_host, 6, tcp, n));
	len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 6, 64, tcp, n);
	ck_assert_int_eq(tn_inject_flags(h.nic, 0, f, len, UTCP_PKT_RX_COPY), 0);
	poll_once();
	tn_expect_no_tx(h.nic, 0);
	/* a connection's own segments are taken from a copy */
	struct conn6 c;
	passive6(&c, l, 43001);
	struct seg6 d = { .sport = 43001, .dport = 80, .seq = c.pnxt, .ack = c.hnxt,
			  .flags = TH_ACK | TH_PUSH, .win = 65535, .data = "abc", .len = 3 };
	n = seg_build(tcp, &d);
	wr16(tcp + 16, t6_csum(&t6_peer, &t6_host, 6, tcp, n));
	len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 6, 64, tcp, n);
	ck_assert_int_eq(tn_inject_flags(h.nic, 0, f, len, UTCP_PKT_RX_COPY), 0);
	poll_once();
	char buf[8];
	ck_assert_int_eq(utcp_recv(h.ctx, c.sock, buf, sizeof(buf), 0), 3);
	utcp_abort(h.ctx, c.sock);
	poll_once(); /* its RST leaves */
	utcp_close(h.ctx, l);
	tn_tx_drain(h.nic);
}
END_TEST

START_TEST(bind_rules)
{
	int s = utcp_socket(h.ctx, AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(90) };
	memcpy(&sa.sin6_addr, t6_peer.b, 16); /* not ours */
	errno = 0;
	ck_assert_int_eq(utcp_bind(h.ctx, s, (struct sockaddr *)&sa, sizeof(sa)), -1);
	ck_assert_int_eq(errno, EADDRNOTAVAIL);
	errno = 0; /* a short address */
	ck_assert_int_eq(utcp_bind(h.ctx, s, (struct sockaddr *)&sa, sizeof(struct sockaddr_in)),
			 -1);
	ck_assert_int_eq(errno, EINVAL);
	memcpy(&sa.sin6_addr, t6_host.b, 16);
	ck_assert_int_eq(utcp_bind(h.ctx, s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(utcp_listen(h.ctx, s, 1), 0);
	/* an AF_INET socket on 0.0.0.0:90 meets it */
	int t = utcp_socket(h.ctx, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(90) };
	errno = 0;
	ck_assert_int_eq(utcp_bind(h.ctx, t, (struct sockaddr *)&sin, sizeof(sin)), -1);
	ck_assert_int_eq(errno, EADDRINUSE);
	utcp_close(h.ctx, t);
	utcp_close(h.ctx, s);
	/* IPV6_V6ONLY: an IPv4-mapped peer is unreachable (Linux tcp_v6_connect) */
	int u = utcp_socket(h.ctx, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	ck_assert_int_eq(utcp_setsockopt(h.ctx, u, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	struct sockaddr_in6 m = { .sin6_family = AF_INET6, .sin6_port = htons(7) };
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2 };
	memcpy(&m.sin6_addr, mapped, 16);
	errno = 0;
	ck_assert_int_eq(utcp_connect(h.ctx, u, (struct sockaddr *)&m, sizeof(m)), -1);
	ck_assert_int_eq(errno, ENETUNREACH);
	utcp_close(h.ctx, u);
}
END_TEST

/* ---- neighbour unreachability detection (RFC 4861 §7.3.1) ---------------- */

/* The peer as a dynamic neighbour: resolved by the first segment sent. */
static void setup_nud(void)
{
	struct utcp_config c;
	t6_config(&c, 0);
	c.tcp_timeout = -1;
	c.rcvbuf = c.sndbuf = 65536;
	c.max_concurrency = 16;
	tn_host_up(&h, &c, 1);
}

static const struct utcp_in6 peer_sn = { { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0,
					   2 } };
static const uint8_t peer_sn_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 2 };

static void tick(utcp_time_t dt)
{
	tn_advance(h.nic, dt);
	poll_once();
}

/* The next frame is the host's NS for the peer: to its solicited-node group
 * (resolution) or to its MAC (a probe, §7.3.3). */
static void expect_ns(int ucast)
{
	uint8_t want[TN_FRAME_MAX];
	size_t wl = ucast ? t6_ns(want, tn_peer_mac, tn_host_mac, &t6_host, &t6_peer, &t6_peer,
				  tn_host_mac)
			  : t6_ns(want, peer_sn_mac, tn_host_mac, &t6_host, &peer_sn, &t6_peer,
				  tn_host_mac);
	tn_expect_tx(h.nic, 0, want, wl);
}

/* The peer's solicited advertisement: the entry becomes REACHABLE. */
static void peer_na(void)
{
	size_t len = t6_na(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, &t6_peer, 0x60,
			   tn_peer_mac);
	ck_assert_int_eq(tn_inject(h.nic, 0, f, len), 0);
	poll_once();
}

/* SYN -> NS (the SYN-ACK waits) -> NA -> SYN-ACK -> ACK -> accept. */
static void passive6_nd(struct conn6 *c, int l)
{
	struct seg6 s = { .sport = 40000, .dport = 80, .seq = 1000, .flags = TH_SYN,
			  .win = 65535 };
	in6(&s);
	expect_ns(0);
	tn_expect_no_tx(h.nic, 0);
	peer_na();
	struct seg6 r;
	ck_assert(out6(&r));
	ck_assert_uint_eq(r.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(r.ack, 1001);
	c->hnxt = r.seq + 1;
	c->pnxt = 1001;
	struct seg6 a = { .sport = 40000, .dport = 80, .seq = 1001, .ack = c->hnxt,
			  .flags = TH_ACK, .win = 65535 };
	in6(&a);
	c->sock = utcp_accept(h.ctx, l, NULL, NULL);
	ck_assert_int_ge(c->sock, 0);
}

/* The host sends 8 bytes; the peer acknowledges them if ack. */
static void host_data(struct conn6 *c, int ack)
{
	struct seg6 r;
	ck_assert_int_eq(utcp_send(h.ctx, c->sock, "progress", 8, 0), 8);
	poll_once();
	expect6(&r, TH_ACK | TH_PUSH, c->hnxt, c->pnxt); /* an NS here fails the trace */
	ck_assert_uint_eq(r.len, 8);
	c->hnxt += 8;
	if (!ack)
		return;
	struct seg6 a = { .sport = 40000, .dport = 80, .seq = c->pnxt, .ack = c->hnxt,
			  .flags = TH_ACK, .win = 65535 };
	in6(&a);
}

START_TEST(progress_keeps_neighbour_reachable)
{
	int l = listen6(0, 80, 4);
	struct conn6 c;
	passive6_nd(&c, l);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->nd_ns_tx, 1);
	/* Two minutes of acknowledged data, well past any ReachableTime
	 * (at most 45 s): forward progress confirms the peer each time, so
	 * it never goes STALE, DELAY, PROBE, and no NS is sent. */
	for (int i = 0; i < 24; i++) {
		tick(5 * UTCP_NSEC_PER_SEC);
		host_data(&c, 1);
		tn_expect_no_tx(h.nic, 0);
		ck_assert_uint_eq(utcp_nd_lookup(h.ctx, &t6_peer)->state, UTCP_ND_REACHABLE);
	}
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->nd_ns_tx, 1);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->nd_probes, 0);
	utcp_abort(h.ctx, c.sock);
	utcp_close(h.ctx, l);
	poll_once();
	tn_tx_drain(h.nic);
}
END_TEST

START_TEST(repeated_rto_probes_neighbour)
{
	int l = listen6(0, 80, 4);
	struct conn6 c;
	passive6_nd(&c, l);
	tick(2 * UTCP_NSEC_PER_SEC);
	host_data(&c, 1);
	/* Data unanswered: the first RTO retransmits, the second also asks
	 * ND to probe the peer (RFC 1122 §2.3.2.1, RFC 4861 §7.3.3). */
	host_data(&c, 0);
	uint8_t fr[TN_FRAME_MAX];
	int rto = 0, ns = 0;
	for (int ms = 0; ms < 5000 && !ns; ms += 100) {
		tick(100 * UTCP_NSEC_PER_MSEC);
		size_t n;
		while ((n = tn_tx_pop(h.nic, 0, fr, sizeof(fr))) > 0) {
			if (fr[14 + 6] == 58) { /* ICMPv6: the probe */
				uint8_t want[TN_FRAME_MAX];
				size_t wl = t6_ns(want, tn_peer_mac, tn_host_mac, &t6_host,
						  &t6_peer, &t6_peer, tn_host_mac);
				ck_assert_uint_eq(n, wl);
				ck_assert_mem_eq(fr, want, wl);
				ns++;
				continue;
			}
			struct seg6 r;
			parse6(fr, n, &r);
			ck_assert_uint_eq(r.seq, c.hnxt - 8); /* a retransmission */
			rto++;
		}
	}
	ck_assert_int_eq(ns, 1);
	ck_assert_int_ge(rto, 2);
	ck_assert_uint_eq(utcp_nd_lookup(h.ctx, &t6_peer)->state, UTCP_ND_PROBE);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->nd_probes, 1);
	/* The answer confirms it; the acknowledgement too. */
	peer_na();
	ck_assert_uint_eq(utcp_nd_lookup(h.ctx, &t6_peer)->state, UTCP_ND_REACHABLE);
	struct seg6 a = { .sport = 40000, .dport = 80, .seq = c.pnxt, .ack = c.hnxt,
			  .flags = TH_ACK, .win = 65535 };
	in6(&a);
	tick(10 * UTCP_NSEC_PER_SEC);
	tn_expect_no_tx(h.nic, 0);
	utcp_abort(h.ctx, c.sock);
	utcp_close(h.ctx, l);
	poll_once();
	tn_tx_drain(h.nic);
}
END_TEST

/* TIME-WAIT over IPv6 is a compact record too (core/tcp/tcp_timewait.c):
 * its full addresses and flow label kept, a retransmitted FIN re-ACKed
 * from them, listed as an IPv6 endpoint; gone after tcp_timewait (1 s). */
START_TEST(time_wait_record_over_ipv6)
{
	int l = listen6(0, 80, 4);
	struct conn6 c;
	struct seg6 r;
	passive6(&c, l, 40000);
	utcp_close(h.ctx, c.sock);
	poll_once();
	expect6(&r, TH_FIN | TH_ACK, c.hnxt, c.pnxt);
	c.hnxt++;
	struct seg6 fin = { .sport = 40000, .dport = 80, .seq = c.pnxt, .ack = c.hnxt,
			    .flags = TH_FIN | TH_ACK, .win = 65535 };
	in6(&fin);
	c.pnxt++;
	expect6(&r, TH_ACK, c.hnxt, c.pnxt);
	ck_assert_uint_eq(h.ctx->tcp->twr_pool.in_use, 1);
	ck_assert_uint_eq(h.ctx->tcp->tcb_pool.in_use, 0);
	struct snaps s = { 0 };
	ck_assert_int_eq(utcp_ctx_conns(h.ctx, snap, &s), 2);
	ck_assert_str_eq(s.ci[1].state, "TIME-WAIT");
	ck_assert_int_eq(s.ci[1].family, AF_INET6);
	ck_assert_mem_eq(s.ci[1].laddr6, t6_host.b, 16);
	ck_assert_mem_eq(s.ci[1].raddr6, t6_peer.b, 16);
	ck_assert_uint_eq(ntohs(s.ci[1].rport), 40000);
	in6(&fin); /* again: the record answers, from the same addresses and flow */
	expect6(&r, TH_ACK, c.hnxt, c.pnxt);
	ck_assert_uint_eq(r.flow, c.flow);
	tn_expect_no_tx(h.nic, 0);
	tn_advance(h.nic, UTCP_NSEC_PER_SEC + 10 * UTCP_NSEC_PER_MSEC);
	poll_once();
	ck_assert_uint_eq(h.ctx->tcp->twr_pool.in_use, 0);
	utcp_close(h.ctx, l);
	poll_once();
	tn_tx_drain(h.nic);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tcp6");
	TCase *tc = tcase_create("ipv6");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, passive_handshake_and_data);
	tcase_add_test(tc, active_handshake);
	tcase_add_test(tc, rst_for_closed_port_and_bad_checksum);
	tcase_add_test(tc, icmp6_packet_too_big);
	tcase_add_test(tc, icmp6_unreachable_aborts_connect);
	tcase_add_test(tc, tclass_option);
	tcase_add_test(tc, dual_stack_listener);
	tcase_add_test(tc, snapshot_has_ipv6_addresses);
	tcase_add_test(tc, bind_rules);
	tcase_add_test(tc, rx_copy_is_never_answered);
	tcase_add_test(tc, time_wait_record_over_ipv6);
	suite_add_tcase(s, tc);
	TCase *tk = tcase_create("cookies");
	tcase_add_checked_fixture(tk, setup_cookies, teardown);
	tcase_add_test(tk, syn_cookie);
	suite_add_tcase(s, tk);
	TCase *tn = tcase_create("nud");
	tcase_add_checked_fixture(tn, setup_nud, teardown);
	tcase_add_test(tn, progress_keeps_neighbour_reachable);
	tcase_add_test(tn, repeated_rto_probes_neighbour);
	suite_add_tcase(s, tn);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
