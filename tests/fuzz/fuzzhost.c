/*
 * tests/fuzz/fuzzhost.c - the stack under fuzzing (see fuzzhost.h).
 *
 * An input is a sequence of operations, each an opcode byte and its
 * arguments.  Segments for the host's connections are built with correct
 * checksums and with sequence and acknowledgment numbers relative to what
 * the host last said (its snd_nxt and the ack it sent), so that short inputs
 * reach every state handler instead of dying at the checksum or the window
 * test.  Raw frames and raw TCP headers reach the parsers directly.
 *
 *   0 frame   u16 len, bytes            an Ethernet frame as received
 *   1 rawtcp  u16 len, bytes            a TCP header+payload, checksum fixed
 *   2 seg     u8 conn, u8 flags, u16 dseq, u16 dack, u16 win, u8 optlen,
 *             options, u16 paylen        a segment on a connection
 *   3 time    u16 ms                     advance the clock
 *   4 timer                              jump to the next timer
 *   5 app     u8 conn, u8 call, u16 n    read / write / shutdown / close ...
 *   6 accept                             accept from the listener
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/net.h"
#include "tests/fuzz/fuzzhost.h"
#include "tests/unit/tcptest.h"
#include "core/base/bytes.h"

#define FH_NCONN 8              /* 0 passive, 1 active, 2.. accepted later */
#define FH_FRAME_CAP (UTCP_PKT_BUF_SIZE - UTCP_PKT_HEADROOM)

struct fh_conn {
	int sock;               /* -1: none or closed */
	uint16_t hport, pport;
	uint32_t hnxt;          /* next sequence number the host sends */
	uint32_t pnxt;          /* what the host acknowledged last */
};

static struct fh_conn fh_c[FH_NCONN];
static int fh_lsock = -1;
static uint8_t fh_buf[65536];

uint8_t fz_u8(struct fz *f)
{
	if (f->n == 0)
		return 0;
	f->n--;
	return *f->p++;
}

uint16_t fz_u16(struct fz *f)
{
	uint16_t hi = fz_u8(f);
	return (uint16_t)(hi << 8 | fz_u8(f));
}

uint32_t fz_u32(struct fz *f)
{
	uint32_t hi = fz_u16(f);
	return hi << 16 | fz_u16(f);
}

size_t fz_bytes(struct fz *f, uint8_t *out, size_t want)
{
	size_t k = want < f->n ? want : f->n;
	memcpy(out, f->p, k);
	memset(out + k, 0, want - k);
	f->p += k;
	f->n -= k;
	return want;
}

static void fh_bug(const char *what)
{
	fprintf(stderr, "fuzzhost: %s\n", what);
	abort();
}

/* Learn from one frame the host sent: its next sequence number and the ack
 * it gave, per connection (matched by ports). */
static void fh_learn(const uint8_t *f, size_t n)
{
	if (n < 54 || (f[12] << 8 | f[13]) != UTCP_ETH_P_IPV4 || f[23] != UTCP_IPPROTO_TCP)
		return;
	const uint8_t *t = f + 14 + (f[14] & 15u) * 4;
	unsigned tot = (unsigned)(f[16] << 8 | f[17]);
	unsigned tl = tot - (f[14] & 15u) * 4, hl = (t[12] >> 4) * 4u;
	uint16_t sport = (uint16_t)(t[0] << 8 | t[1]), dport = (uint16_t)(t[2] << 8 | t[3]);
	for (int i = 0; i < FH_NCONN; i++) {
		struct fh_conn *c = &fh_c[i];
		if (c->hport != sport || c->pport != dport)
			continue;
		c->hnxt = rd32(t + 4) + (tl - hl) + !!(t[13] & TH_SYN) + !!(t[13] & TH_FIN);
		if (t[13] & TH_ACK)
			c->pnxt = rd32(t + 8);
	}
}

static void fh_drain(void)
{
	static uint8_t f[TN_FRAME_MAX];
	size_t n;
	while ((n = tn_tx_pop(tt_h.nic, 0, f, sizeof(f))) > 0)
		fh_learn(f, n);
}

static void fh_poll(void)
{
	utcp_ctx_poll(tt_h.ctx);
	fh_drain();
}

void fh_frame(const uint8_t *frame, size_t len)
{
	if (len > FH_FRAME_CAP)
		len = FH_FRAME_CAP;
	(void)tn_inject(tt_h.nic, 0, frame, len); /* -1: no buffer, a drop at the NIC */
	fh_poll();
}

void fh_advance(uint64_t dt)
{
	tn_advance(tt_h.nic, dt);
	fh_poll();
}

/* TCP bytes from the peer to the host, the checksum made right. */
static void fh_tcp(uint8_t *tcp, size_t len)
{
	static uint8_t f[TN_FRAME_MAX];
	if (len > FH_FRAME_CAP - 34)
		len = FH_FRAME_CAP - 34;
	if (len >= 18) {
		uint16_t ck = 0;
		memcpy(tcp + 16, &ck, 2);
		ck = utcp_csum_fold(utcp_csum_partial(
			tcp, len, utcp_csum_pseudo(TN_PEER_IP, TN_HOST_IP, UTCP_IPPROTO_TCP, (uint16_t)len)));
		memcpy(tcp + 16, &ck, 2);
	}
	fh_frame(f, tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP,
			     UTCP_IPPROTO_TCP, tcp, len));
}

/* Ports of conn k; k beyond the table is a new peer port to the listener
 * (a SYN there opens a connection) or a closed port. */
static void fh_ports(uint8_t k, uint16_t *sport, uint16_t *dport, uint32_t *seq, uint32_t *ack)
{
	struct fh_conn *c = &fh_c[k % FH_NCONN];
	if (k < FH_NCONN && c->pport != 0) {
		*sport = c->pport;
		*dport = c->hport;
		*seq = c->pnxt;
		*ack = c->hnxt;
		return;
	}
	*sport = (uint16_t)(50000 + k);
	*dport = (k & 1) ? TT_HOST_PORT : 81;
	*seq = 7000000u * k;
	*ack = 0;
}

static void op_seg(struct fz *f)
{
	static uint8_t t[TN_FRAME_MAX];
	uint8_t k = fz_u8(f), flags = fz_u8(f);
	uint16_t sport, dport;
	uint32_t seq, ack;
	fh_ports(k, &sport, &dport, &seq, &ack);
	seq += (uint32_t)(int32_t)(int16_t)fz_u16(f);
	ack += (uint32_t)(int32_t)(int16_t)fz_u16(f);
	uint16_t win = fz_u16(f);
	unsigned optlen = fz_u8(f) % 41u, olen4 = (optlen + 3u) & ~3u;
	unsigned paylen = fz_u16(f) % 1461u;
	memset(t, 0, 20 + olen4);
	wr16(t, sport);
	wr16(t + 2, dport);
	wr32(t + 4, seq);
	wr32(t + 8, ack);
	t[12] = (uint8_t)(((20 + olen4) / 4) << 4);
	t[13] = flags;
	wr16(t + 14, win);
	fz_bytes(f, t + 20, optlen);
	for (unsigned i = 0; i < paylen; i++)
		t[20 + olen4 + i] = (uint8_t)(seq + i);
	fh_tcp(t, 20 + olen4 + paylen);
}

static void op_app(struct fz *f)
{
	struct fh_conn *c = &fh_c[fz_u8(f) % FH_NCONN];
	uint8_t call = fz_u8(f);
	size_t n = fz_u16(f);
	if (c->sock < 0)
		return;
	switch (call % 7) {
	case 0:
		(void)utcp_read(tt_h.ctx, c->sock, fh_buf, n);
		break;
	case 1:
		(void)utcp_write(tt_h.ctx, c->sock, fh_buf, n);
		break;
	case 2:
		(void)utcp_shutdown(tt_h.ctx, c->sock, SHUT_WR);
		break;
	case 3:
		(void)utcp_shutdown(tt_h.ctx, c->sock, SHUT_RD);
		break;
	case 4:
		(void)utcp_recv(tt_h.ctx, c->sock, fh_buf, n, MSG_PEEK);
		break;
	case 5:
		(void)utcp_close(tt_h.ctx, c->sock);
		c->sock = -1;
		break;
	default:
		(void)utcp_abort(tt_h.ctx, c->sock);
		c->sock = -1;
		break;
	}
	fh_poll();
}

static void op_accept(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int s = utcp_accept(tt_h.ctx, fh_lsock, (struct sockaddr *)&a, &al);
	if (s < 0)
		return;
	for (int i = 2; i < FH_NCONN; i++) {
		if (fh_c[i].sock < 0 && fh_c[i].pport == 0) {
			fh_c[i] = (struct fh_conn){ .sock = s, .hport = TT_HOST_PORT,
						    .pport = ntohs(a.sin_port) };
			(void)utcp_setsock_nonblock(tt_h.ctx, s);
			return;
		}
	}
	(void)utcp_close(tt_h.ctx, s); /* table full */
	fh_poll();
}

void fh_run(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	while (f.n > 0) {
		uint8_t op = fz_u8(&f);
		uint16_t len;
		switch (op % 7) {
		case 0:
			len = fz_u16(&f) % FH_FRAME_CAP;
			fh_frame(fh_buf, fz_bytes(&f, fh_buf, len));
			break;
		case 1:
			len = fz_u16(&f) % (FH_FRAME_CAP - 34);
			fh_tcp(fh_buf, fz_bytes(&f, fh_buf, len));
			break;
		case 2:
			op_seg(&f);
			break;
		case 3:
			fh_advance((uint64_t)fz_u16(&f) * TT_MS);
			break;
		case 4:
			(void)tt_next_timer();
			fh_drain();
			break;
		case 5:
			op_app(&f);
			break;
		default:
			op_accept();
			break;
		}
	}
}

static void fh_track(int i, const struct tt_conn *tc)
{
	fh_c[i] = (struct fh_conn){ .sock = tc->sock, .hport = tc->hport, .pport = tc->pport,
				    .hnxt = tc->hnxt, .pnxt = tc->pnxt };
}

void fh_up(void)
{
	struct tt_conn pc, ac;
	for (int i = 0; i < FH_NCONN; i++)
		fh_c[i] = (struct fh_conn){ .sock = -1 };
	struct utcp_config cfg;
	/* Small pools and buffers: a fresh stack per input stays cheap, and the
	 * limits (no free TCB, a full buffer) are within an input's reach. */
	tt_config(&cfg);
	cfg.max_concurrency = 16;
	cfg.rcvbuf = 16384;
	cfg.sndbuf = 16384;
	tn_host_nb_bufs = 256;
	tt_up(&cfg);
	fh_lsock = tt_listen(TT_HOST_PORT, 8);
	tt_passive(&pc, fh_lsock, TT_OPT_ALL);
	tt_active(&ac, TT_OPT_MSS | TT_OPT_SACK);
	fh_track(0, &pc);
	fh_track(1, &ac);
	fh_drain();
}

void fh_down(void)
{
	struct utcp_sock_usage u;
	for (int i = 0; i < FH_NCONN; i++)
		if (fh_c[i].sock >= 0)
			(void)utcp_close(tt_h.ctx, fh_c[i].sock);
	(void)utcp_close(tt_h.ctx, fh_lsock);
	fh_poll();
	for (int i = 0; i < 100000 && tt_next_timer(); i++)
		fh_drain();
	utcp_ctx_sock_usage(tt_h.ctx, &u);
	if (u.sockets || u.tcbs || u.timewait || u.listeners || u.rcvbufs || u.sndbufs) {
		fprintf(stderr, "fuzzhost: left after close and timers: sockets %u tcbs %u "
			"timewait %u listeners %u rcvbufs %u sndbufs %u\n", u.sockets, u.tcbs,
			u.timewait, u.listeners, u.rcvbufs, u.sndbufs);
		abort();
	}
	if (utcp_ctx_stats(tt_h.ctx)->tcp_illegal_transitions != 0)
		fh_bug("illegal TCP state transition counted");
	if (utcp_ctx_bufs_in_use(tt_h.ctx) != 0)
		fh_bug("packet buffers still held by the context");
	tn_host_down(&tt_h);
}
