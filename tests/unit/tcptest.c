/*
 * tests/unit/tcptest.c - the scripted TCP peer of tcptest.h.
 *
 * Call order: tt_up -> (tt_listen / tt_passive / tt_active) -> tt_in /
 * tt_out / tt_expect ... -> tt_down.
 */
#include <errno.h>
#include <string.h>

#include "core/net/net.h"
#include "tests/unit/tcptest.h"
#include "core/base/bytes.h"

struct tn_host tt_h;
static unsigned tt_nconn;

void tt_config(struct utcp_config *cfg)
{
	tn_host_config(cfg);
	cfg->tcp_timeout = -1;
	cfg->tcp_timewait = 60;
	cfg->rcvbuf = 65536;
	cfg->sndbuf = 65536;
	cfg->max_concurrency = 64;
	cfg->max_num_buffers = 64;
	strcpy(cfg->cc, "newreno");
	cfg->arp[0] = (struct utcp_arp_entry){ .ip = TN_PEER_IP, .prefix = 32 };
	memcpy(cfg->arp[0].mac, tn_peer_mac, 6);
	cfg->nb_arp = 1;
}

void tt_up(const struct utcp_config *cfg)
{
	struct utcp_config c;
	if (cfg == NULL) {
		tt_config(&c);
		cfg = &c;
	}
	tt_nconn = 0;
	tn_host_up(&tt_h, cfg, 1);
	tn_set_now(tt_h.nic, 1 * TT_SEC);
	utcp_ctx_poll(tt_h.ctx);
}

utcp_time_t tt_now(void)
{
	return utcp_ctx_now(tt_h.ctx);
}

void tt_advance(utcp_time_t dt)
{
	tn_advance(tt_h.nic, dt);
	utcp_ctx_poll(tt_h.ctx);
}

int tt_next_timer(void)
{
	utcp_time_t d = utcp_ctx_next_deadline(tt_h.ctx);
	if (d == UTCP_TIME_NEVER)
		return 0;
	if (d > tn_of(tt_h.nic)->now)
		tn_set_now(tt_h.nic, d);
	utcp_ctx_poll(tt_h.ctx);
	return 1;
}

int tt_timers_until_out(void)
{
	for (int i = 0; i < 100000; i++) {
		if (tt_pending() > 0)
			return 1;
		if (!tt_next_timer())
			return 0;
	}
	return tt_pending() > 0;
}

void tt_down(void)
{
	struct utcp_sock_usage u;
	utcp_ctx_poll(tt_h.ctx); /* what the last calls queued leaves */
	tn_tx_drain(tt_h.nic);
	utcp_ctx_sock_usage(tt_h.ctx, &u);
	ck_assert_msg(u.sockets == 0, "%u sockets left open", u.sockets);
	/* Let every timer run out: retransmissions give up, TIME-WAIT ends. */
	for (int i = 0; i < 100000 && tt_next_timer(); i++)
		tn_tx_drain(tt_h.nic);
	utcp_ctx_sock_usage(tt_h.ctx, &u);
	ck_assert_msg(u.tcbs == 0, "%u TCBs leaked", u.tcbs);
	ck_assert_uint_eq(u.timewait, 0);
	ck_assert_uint_eq(u.listeners, 0);
	ck_assert_uint_eq(u.rcvbufs, 0);
	ck_assert_uint_eq(tt_h.ctx->tcp->ooo_pool.in_use, 0); /* out-of-order range arrays */
	ck_assert_uint_eq(u.sndbufs, 0);
	ck_assert_uint_eq(utcp_ctx_stats(tt_h.ctx)->tcp_illegal_transitions, 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(tt_h.ctx), 0);
	tn_host_down(&tt_h);
}

/* ---- segments ------------------------------------------------------------- */

static size_t tt_build(uint8_t *tcp, const struct tt_seg *s)
{
	unsigned optlen = (s->optlen + 3u) & ~3u;
	unsigned hlen = 20 + optlen;
	wr16(tcp, s->sport);
	wr16(tcp + 2, s->dport);
	wr32(tcp + 4, s->seq);
	wr32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)((hlen / 4) << 4);
	tcp[13] = s->flags;
	wr16(tcp + 14, s->win);
	memset(tcp + 16, 0, 4);
	memset(tcp + 20, 0, optlen);
	memcpy(tcp + 20, s->opt, s->optlen);
	if (s->len > 0)
		memcpy(tcp + hlen, s->data, s->len);
	return hlen + s->len;
}

static void tt_inject_tos(const void *tcp, size_t len, uint8_t tos)
{
	static uint8_t buf[TN_FRAME_MAX], f[TN_FRAME_MAX];
	memcpy(buf, tcp, len);
	uint16_t ck = 0;
	memcpy(buf + 16, &ck, 2);
	ck = utcp_csum_fold(utcp_csum_partial(
		buf, len, utcp_csum_pseudo(TN_PEER_IP, TN_HOST_IP, UTCP_IPPROTO_TCP, (uint16_t)len)));
	memcpy(buf + 16, &ck, 2);
	size_t fl = tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, UTCP_IPPROTO_TCP,
			    buf, len);
	if (tos != 0) {
		f[14 + 1] = tos;
		tn_ipv4_fix_cksum(f);
	}
	ck_assert_int_eq(tn_inject(tt_h.nic, 0, f, fl), 0);
}

static void tt_inject_raw(const void *tcp, size_t len)
{
	tt_inject_tos(tcp, len, 0);
}

void tt_in_raw(const void *tcp, size_t len)
{
	tt_inject_raw(tcp, len);
	utcp_ctx_poll(tt_h.ctx);
}

void tt_inject(const struct tt_seg *s)
{
	static uint8_t tcp[TN_FRAME_MAX];
	tt_inject_tos(tcp, tt_build(tcp, s), s->tos);
}

void tt_in(const struct tt_seg *s)
{
	tt_inject(s);
	utcp_ctx_poll(tt_h.ctx);
}

void tt_icmp_in(uint8_t type, uint8_t code, uint16_t mtu, const struct tt_seg *q)
{
	static uint8_t tcp[TN_FRAME_MAX], f[TN_FRAME_MAX];
	uint8_t icmp[8 + 20 + 8] = { type, code };
	size_t tl = tt_build(tcp, q);
	wr16(icmp + 6, mtu);
	/* The quoted datagram: the header the host sent, its checksum right. */
	size_t ql = tn_ipv4(f, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, UTCP_IPPROTO_TCP,
			    tcp, tl);
	ck_assert_uint_ge(ql, 14 + 20 + 8);
	memcpy(icmp + 8, f + 14, 20 + 8);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(icmp, sizeof(icmp), 0));
	memcpy(icmp + 2, &ck, 2);
	size_t fl = tn_ipv4(f, tn_host_mac, tn_gw_mac, TN_GW_IP, TN_HOST_IP, UTCP_IPPROTO_ICMP, icmp,
			    sizeof(icmp));
	ck_assert_int_eq(tn_inject(tt_h.nic, 0, f, fl), 0);
	utcp_ctx_poll(tt_h.ctx);
}

unsigned tt_pending(void)
{
	return tn_tx_count(tt_h.nic, 0);
}

int tt_out(struct tt_seg *s)
{
	static uint8_t f[TN_FRAME_MAX];
	size_t n = tn_tx_pop(tt_h.nic, 0, f, sizeof(f));
	if (n == 0)
		return 0;
	ck_assert_uint_ge(n, 14 + 20 + 20);
	ck_assert_uint_eq(f[12] << 8 | f[13], UTCP_ETH_P_IPV4);
	ck_assert_mem_eq(f, tn_peer_mac, 6);
	const uint8_t *ip = f + 14;
	unsigned ihl = (ip[0] & 15u) * 4;
	unsigned tot = (unsigned)(ip[2] << 8 | ip[3]);
	ck_assert_uint_eq(ip[9], UTCP_IPPROTO_TCP);
	ck_assert_uint_eq(utcp_csum_fold(utcp_csum_partial(ip, ihl, 0)), 0);
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	ck_assert_uint_eq(src, TN_HOST_IP);
	ck_assert_uint_eq(dst, TN_PEER_IP);
	const uint8_t *t = ip + ihl;
	unsigned tl = tot - ihl;
	ck_assert_uint_eq(utcp_csum_fold(utcp_csum_partial(
				  t, tl, utcp_csum_pseudo(src, dst, UTCP_IPPROTO_TCP, (uint16_t)tl))), 0);
	memset(s, 0, sizeof(*s));
	s->sport = (uint16_t)(t[0] << 8 | t[1]);
	s->dport = (uint16_t)(t[2] << 8 | t[3]);
	s->seq = rd32(t + 4);
	s->ack = rd32(t + 8);
	s->tos = ip[1];
	unsigned hlen = (t[12] >> 4) * 4u;
	s->flags = t[13];
	s->win = (uint16_t)(t[14] << 8 | t[15]);
	s->optlen = (uint8_t)(hlen - 20);
	memcpy(s->opt, t + 20, s->optlen);
	ck_assert_int_eq(tcp_opts_parse(s->opt, s->optlen, s->flags & TH_SYN, &s->o), 0);
	s->len = tl - hlen;
	memcpy(s->payload, t + hlen, s->len);
	s->data = s->payload;
	return 1;
}

void tt_expect(struct tt_seg *s, uint8_t flags, uint32_t seq, uint32_t ack, int win)
{
	ck_assert_msg(tt_out(s), "no segment sent");
	ck_assert_msg(s->flags == flags, "flags %#x, want %#x", s->flags, flags);
	ck_assert_msg(s->seq == seq, "seq %u, want %u", s->seq, seq);
	ck_assert_msg(s->ack == ack, "ack %u, want %u", s->ack, ack);
	if (win >= 0)
		ck_assert_msg(s->win == win, "win %u, want %d", s->win, win);
}

void tt_expect_none(void)
{
	struct tt_seg s;
	if (tt_out(&s))
		ck_abort_msg("unexpected segment flags %#x seq %u ack %u len %u", s.flags, s.seq,
			     s.ack, s.len);
}

/* ---- options ------------------------------------------------------------------ */

void tt_opt_raw(struct tt_seg *s, const void *bytes, uint8_t len)
{
	ck_assert_uint_le(s->optlen + len, 40);
	memcpy(s->opt + s->optlen, bytes, len);
	s->optlen = (uint8_t)(s->optlen + len);
}

void tt_opt_mss(struct tt_seg *s, uint16_t mss)
{
	uint8_t o[4] = { TCPOPT_MSS, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	tt_opt_raw(s, o, 4);
}

void tt_opt_ws(struct tt_seg *s, uint8_t shift)
{
	uint8_t o[4] = { TCPOPT_NOP, TCPOPT_WSCALE, 3, shift };
	tt_opt_raw(s, o, 4);
}

void tt_opt_sackok(struct tt_seg *s)
{
	uint8_t o[4] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERM, 2 };
	tt_opt_raw(s, o, 4);
}

void tt_opt_ts(struct tt_seg *s, uint32_t tsval, uint32_t tsecr)
{
	uint8_t o[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, 10 };
	wr32(o + 4, tsval);
	wr32(o + 8, tsecr);
	tt_opt_raw(s, o, 12);
}

/* ---- connections ------------------------------------------------------------------ */

int tt_listen(uint16_t port, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(s, 0);
	tt_ok(utcp_bind(tt_h.ctx, s, (struct sockaddr *)&a, sizeof(a)));
	tt_ok(utcp_listen(tt_h.ctx, s, backlog));
	return s;
}

static void tt_syn_opts(struct tt_seg *s, unsigned opts, uint32_t tsval, uint32_t tsecr)
{
	if (opts & TT_OPT_MSS)
		tt_opt_mss(s, 1460);
	if (opts & TT_OPT_SACK)
		tt_opt_sackok(s);
	if (opts & TT_OPT_TS)
		tt_opt_ts(s, tsval, tsecr);
	if (opts & TT_OPT_WS)
		tt_opt_ws(s, 7);
}

static void tt_conn_init(struct tt_conn *c, unsigned opts)
{
	memset(c, 0, sizeof(*c));
	tt_nconn++;
	c->pport = (uint16_t)(TT_PEER_PORT + tt_nconn);
	c->hport = TT_HOST_PORT;
	c->piss = 1000000u * tt_nconn;
	c->pnxt = c->piss + 1;
	c->pts = 1000;
	c->ts = (opts & TT_OPT_TS) != 0;
	c->pws = (opts & TT_OPT_WS) ? 7 : 0;
	c->pwin = 65535;
}

void tt_passive(struct tt_conn *c, int lsock, unsigned opts)
{
	struct tt_seg syn = { 0 }, s;
	tt_conn_init(c, opts);
	syn.sport = c->pport;
	syn.dport = c->hport;
	syn.seq = c->piss;
	syn.flags = TH_SYN;
	syn.win = 65535;
	tt_syn_opts(&syn, opts, c->pts, 0);
	tt_in(&syn);
	ck_assert_msg(tt_out(&c->syn), "no SYN-ACK");
	ck_assert_uint_eq(c->syn.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(c->syn.ack, c->piss + 1);
	c->hiss = c->syn.seq;
	c->hnxt = c->hiss + 1;
	c->hts = c->syn.o.tsval;
	c->hws = (opts & TT_OPT_WS) ? c->syn.o.wscale : 0;
	tt_pin(c, TH_ACK, NULL, 0);
	c->sock = utcp_accept(tt_h.ctx, lsock, NULL, NULL);
	ck_assert_msg(c->sock >= 0, "accept: %s", strerror(errno));
	tt_ok(utcp_setsock_nonblock(tt_h.ctx, c->sock)); /* accept does not inherit it */
	(void)s;
}

void tt_active(struct tt_conn *c, unsigned opts)
{
	struct tt_seg sa = { 0 }, s;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = TN_PEER_IP };
	tt_conn_init(c, opts);
	a.sin_port = htons(c->pport);
	c->sock = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(c->sock, 0);
	tt_err(utcp_connect(tt_h.ctx, c->sock, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	utcp_ctx_poll(tt_h.ctx);
	ck_assert_msg(tt_out(&c->syn), "no SYN");
	ck_assert_uint_eq(c->syn.flags, TH_SYN);
	ck_assert_uint_eq(c->syn.dport, c->pport);
	c->hport = c->syn.sport;
	c->hiss = c->syn.seq;
	c->hnxt = c->hiss + 1;
	c->hts = c->syn.o.tsval;
	c->hws = (opts & TT_OPT_WS) ? c->syn.o.wscale : 0;
	sa.sport = c->pport;
	sa.dport = c->hport;
	sa.seq = c->piss;
	sa.ack = c->hnxt;
	sa.flags = TH_SYN | TH_ACK;
	sa.win = 65535;
	tt_syn_opts(&sa, opts, c->pts, c->hts);
	tt_in(&sa);
	tt_expect(&s, TH_ACK, c->hnxt, c->pnxt, -1);
	if (c->ts)
		c->hts = s.o.tsval;
	tt_ok(utcp_connect(tt_h.ctx, c->sock, (struct sockaddr *)&a, sizeof(a)));
}

void tt_pseg(struct tt_conn *c, struct tt_seg *s, uint8_t flags, const void *data, uint32_t len)
{
	memset(s, 0, sizeof(*s));
	s->sport = c->pport;
	s->dport = c->hport;
	s->seq = c->pnxt;
	s->ack = c->hnxt;
	s->flags = flags;
	s->win = c->pwin;
	s->data = data;
	s->len = len;
	if (c->ts)
		tt_opt_ts(s, c->pts, c->hts);
}

void tt_pin(struct tt_conn *c, uint8_t flags, const void *data, uint32_t len)
{
	struct tt_seg s;
	tt_pseg(c, &s, flags, data, len);
	tt_in(&s);
	c->pnxt += len + !!(flags & TH_SYN) + !!(flags & TH_FIN);
}

uint32_t tt_hout(struct tt_conn *c, struct tt_seg *s, uint8_t flags, uint32_t ack, uint32_t len)
{
	ck_assert_msg(tt_out(s), "no segment from the host");
	ck_assert_msg(s->flags == flags, "flags %#x, want %#x", s->flags, flags);
	ck_assert_msg(s->seq == c->hnxt, "seq %u, want %u", s->seq, c->hnxt);
	ck_assert_msg(s->ack == ack, "ack %u, want %u", s->ack, ack);
	ck_assert_msg(s->len == len, "len %u, want %u", s->len, len);
	ck_assert_uint_eq(s->dport, c->pport);
	ck_assert_uint_eq(s->sport, c->hport);
	if (c->ts) {
		ck_assert(s->o.flags & TOF_TS);
		c->hts = s->o.tsval;
	}
	c->hnxt += s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	return s->len;
}

void tt_pack(struct tt_conn *c)
{
	tt_pin(c, TH_ACK, NULL, 0);
}

void tt_finish(struct tt_conn *c)
{
	struct tt_seg s;
	tt_ok(utcp_close(tt_h.ctx, c->sock));
	utcp_ctx_poll(tt_h.ctx);
	tt_hout(c, &s, TH_FIN | TH_ACK, c->pnxt, 0);
	tt_pin(c, TH_FIN | TH_ACK, NULL, 0);
	tt_expect(&s, TH_ACK, c->hnxt, c->pnxt, -1);
}
