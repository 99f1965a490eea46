/*
 * tests/unit/test_tcp_data.c - data transfer as traces: delayed ACKs,
 * Nagle, window scaling, zero windows and persist probes, receiver SWS
 * avoidance and window updates, out-of-order reassembly with SACK blocks
 * and its memory bound, fast retransmit with NewReno recovery, RTO
 * backoff to ETIMEDOUT, PAWS, RFC 5961 checks, malformed segments.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static int L;
static uint8_t pat[70000];

static void wr32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void setup(void)
{
	tt_up(NULL);
	L = tt_listen(TT_HOST_PORT, 16);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

static void teardown(void)
{
	tt_ok(utcp_close(tt_h.ctx, L));
	tt_down();
}

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(tt_h.ctx);
}

static void poll1(void)
{
	utcp_ctx_poll(tt_h.ctx);
}

static void read_expect(int sock, const uint8_t *want, size_t n)
{
	static uint8_t b[70000];
	ck_assert_int_eq(utcp_read(tt_h.ctx, sock, b, n), (ssize_t)n);
	ck_assert_mem_eq(b, want, n);
}

/* ---- receiving: delayed ACK (RFC 1122 §4.2.3.2) ------------------------------------- */

START_TEST(delayed_ack_timer)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pin(&c, TH_ACK | TH_PSH, pat, 100);
	tt_expect_none();
	tt_advance(39 * TT_MS);
	tt_expect_none();
	tt_advance(1 * TT_MS); /* 40 ms */
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(s.win, 65435); /* the right edge does not move for 100 bytes */
	ck_assert_uint_eq(st()->tcp_delayed_acks, 1);
	read_expect(c.sock, pat, 100);
	tt_finish(&c);
}
END_TEST

START_TEST(ack_every_second_full_segment)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pin(&c, TH_ACK, pat, 1460);
	tt_expect_none();
	tt_pin(&c, TH_ACK, pat + 1460, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	tt_pin(&c, TH_ACK, pat + 2920, 1460);
	tt_expect_none();
	tt_pin(&c, TH_ACK, pat + 4380, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(st()->tcp_delayed_acks, 0);
	read_expect(c.sock, pat, 4 * 1460);
	tt_finish(&c);
}
END_TEST

START_TEST(data_piggybacks_the_ack)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pin(&c, TH_ACK | TH_PSH, "req", 3);
	read_expect(c.sock, (const uint8_t *)"req", 3);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "resp", 4), 4);
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 4); /* the response carries the ACK */
	ck_assert_mem_eq(s.payload, "resp", 4);
	tt_advance(100 * TT_MS);
	tt_expect_none(); /* the delayed ACK was cancelled */
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

/* ---- out of order (RFC 5681 §4.2, RFC 2018) ------------------------------------------- */

START_TEST(out_of_order_reassembly_with_sack)
{
	struct tt_conn c;
	struct tt_seg s, a;
	tt_passive(&c, L, TT_OPT_ALL);
	uint32_t base = c.pnxt;
	tt_pseg(&c, &a, TH_ACK, pat + 1000, 1000);
	a.seq = base + 1000;
	tt_in(&a); /* the first 1000 bytes are missing */
	tt_hout(&c, &s, TH_ACK, base, 0);
	ck_assert_uint_eq(s.o.nsack, 1);
	ck_assert_uint_eq(s.o.sack[0].start, base + 1000);
	ck_assert_uint_eq(s.o.sack[0].end, base + 2000);
	tt_pseg(&c, &a, TH_ACK, pat + 3000, 500);
	a.seq = base + 3000;
	tt_in(&a);
	tt_hout(&c, &s, TH_ACK, base, 0);
	ck_assert_uint_eq(s.o.nsack, 2); /* newest first (RFC 2018 §4) */
	ck_assert_uint_eq(s.o.sack[0].start, base + 3000);
	ck_assert_uint_eq(s.o.sack[1].start, base + 1000);
	tt_pseg(&c, &a, TH_ACK, pat + 2000, 1000);
	a.seq = base + 2000;
	tt_in(&a); /* joins the two ranges */
	tt_hout(&c, &s, TH_ACK, base, 0);
	ck_assert_uint_eq(s.o.nsack, 1);
	ck_assert_uint_eq(s.o.sack[0].start, base + 1000);
	ck_assert_uint_eq(s.o.sack[0].end, base + 3500);
	int n;
	tt_ok(utcp_ioctl(tt_h.ctx, c.sock, FIONREAD, &n));
	ck_assert_int_eq(n, 0);
	tt_pin(&c, TH_ACK, pat, 1000); /* fills the hole: ACK at once */
	c.pnxt = base + 3500;
	tt_hout(&c, &s, TH_ACK, base + 3500, 0);
	ck_assert_uint_eq(s.o.nsack, 0);
	ck_assert_uint_eq(st()->tcp_ooo_segs, 3);
	read_expect(c.sock, pat, 3500);
	tt_finish(&c);
}
END_TEST

START_TEST(out_of_order_memory_bound)
{
	struct tt_conn c;
	struct tt_seg s, a;
	tt_passive(&c, L, TT_OPT_MSS);
	uint32_t base = c.pnxt;
	/* As many disjoint ranges as the ring's room (64 KiB: 72) are kept;
	 * one more is refused. */
	const unsigned room = tcp_ooo_room(65536);
	ck_assert_uint_eq(room, 72);
	for (unsigned i = 0; i <= room; i++) {
		tt_pseg(&c, &a, TH_ACK, pat + 200 * (i + 1), 100);
		a.seq = base + 200 * (i + 1);
		tt_in(&a);
		tt_hout(&c, &s, TH_ACK, base, 0); /* a duplicate ACK each time */
	}
	ck_assert_uint_eq(st()->drop_tcp_ooo_mem, 1);
	ck_assert_uint_eq(st()->tcp_ooo_segs, room);
	/* Fill the holes in order: each filled gap is ACKed at once, up to
	 * the end of the range above it; all of it arrives, byte for byte. */
	for (unsigned j = 0; j < room; j++) {
		uint32_t h = j == 0 ? 0 : 200 * j + 100, e = 200 * (j + 1);
		tt_pseg(&c, &a, TH_ACK, pat + h, e - h);
		a.seq = base + h;
		tt_in(&a);
		tt_hout(&c, &s, TH_ACK, base + e + 100, 0);
	}
	const uint32_t top = 200 * room + 100; /* end of the last range kept */
	c.pnxt = base + top;
	tt_pin(&c, TH_ACK, pat + top, 1000);
	tt_pin(&c, TH_ACK, pat + top + 1000, 1000);
	tt_hout(&c, &s, TH_ACK, base + top + 2000, 0);
	read_expect(c.sock, pat, top + 2000);
	tt_finish(&c);
}
END_TEST

START_TEST(out_of_order_fin_waits_for_the_data)
{
	struct tt_conn c;
	struct tt_seg s, a;
	tt_passive(&c, L, TT_OPT_MSS);
	uint32_t base = c.pnxt;
	tt_pseg(&c, &a, TH_ACK | TH_FIN, pat + 100, 100);
	a.seq = base + 100;
	tt_in(&a);
	tt_hout(&c, &s, TH_ACK, base, 0);
	char b[10];
	tt_err(utcp_read(tt_h.ctx, c.sock, b, 10), EAGAIN); /* no EOF yet */
	tt_pin(&c, TH_ACK, pat, 100);
	c.pnxt = base + 201;
	tt_hout(&c, &s, TH_ACK, base + 201, 0); /* data and FIN acknowledged */
	read_expect(c.sock, pat, 200);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, 10), 0);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_FIN, c.pnxt, 0); /* LAST-ACK */
	tt_pack(&c);
	tt_expect_none();
}
END_TEST

/* ---- receive window (RFC 9293 §3.8.6.2) ---------------------------------------------- */

START_TEST(receiver_zero_window_and_update)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_ok(utcp_setsockopt(tt_h.ctx, L, SOL_SOCKET, SO_RCVBUF, &(int){ 4096 }, sizeof(int)));
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
	/* A probe into the zero window: dropped, acknowledged with window 0. */
	tt_pseg(&c, &s, TH_ACK, pat + 4096, 1);
	tt_in(&s);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(s.win, 0);
	/* Reading 100 bytes: too little to open the window (SWS avoidance). */
	read_expect(c.sock, pat, 100);
	poll1();
	tt_expect_none();
	/* 2000 more: >= min(RCV.BUFF/2, MSS): a window update at once. */
	read_expect(c.sock, pat + 100, 2000);
	poll1();
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(s.win, 2100);
	read_expect(c.sock, pat + 2100, 1996);
	tt_finish(&c);
}
END_TEST

START_TEST(window_scaling_both_ways)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS | TT_OPT_WS);
	ck_assert_uint_eq(c.syn.o.wscale, 1);
	/* Our windows are scaled by 1 after the SYN. */
	tt_pin(&c, TH_ACK | TH_PSH, pat, 10);
	tt_advance(40 * TT_MS);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(s.win, (65535 - 10) >> 1);
	read_expect(c.sock, pat, 10);
	/* The peer's window field 16 with shift 7 means 2048 bytes. */
	c.pwin = 16;
	tt_pack(&c);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 5000), 5000);
	poll1();
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_expect_none(); /* 588 more fit, but far less than half the largest window */
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_expect_none();
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 620); /* the rest, nothing in flight */
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

START_TEST(sws_override_by_persist_timer)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS | TT_OPT_WS);
	c.pwin = 4; /* 512 bytes: too small a piece to send (RFC 1122 §4.2.3.4) */
	tt_pack(&c);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 2000), 2000);
	poll1();
	tt_expect_none();
	ck_assert(tt_next_timer()); /* ...until the override timeout */
	tt_hout(&c, &s, TH_ACK, c.pnxt, 512);
	ck_assert_mem_eq(s.payload, pat, 512);
	c.pwin = 1000;
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 28);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

START_TEST(nagle_coalesces_small_writes)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "a", 1), 1);
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1); /* nothing in flight: goes */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "b", 1), 1);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "c", 1), 1);
	poll1();
	tt_expect_none(); /* held until "a" is acknowledged */
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 2);
	ck_assert_mem_eq(s.payload, "bc", 2);
	tt_pack(&c);
	/* TCP_NODELAY: each write leaves at once. */
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)));
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "d", 1), 1);
	poll1();
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "e", 1), 1);
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	ck_assert_mem_eq(s.payload, "e", 1);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

START_TEST(nodelay_set_pushes_held_data)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "a", 1), 1);
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "b", 1), 1);
	poll1();
	tt_expect_none();
	tt_ok(utcp_setsockopt(tt_h.ctx, c.sock, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)));
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

START_TEST(initial_window_ten_segments)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 20000), 20000);
	poll1();
	for (int i = 0; i < 10; i++) /* RFC 6928: IW = 10 segments of 1460 */
		tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_expect_none();
	tt_pack(&c); /* one ACK: cwnd 11 segments, all of the rest fits */
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1020);
	tt_expect_none();
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

/* tcp_push_each_write = 1 (Linux's PSH): the last segment of the burst
 * cwnd cut short carries PSH, and so does the one holding the last byte
 * of the latest write; a second write before the bytes went out moves
 * the mark to its own end. */
START_TEST(psh_each_write_and_burst_end)
{
	struct utcp_config cfg;
	struct tt_conn c;
	struct tt_seg s;
	tt_ok(utcp_close(tt_h.ctx, L));
	tt_down();
	tt_config(&cfg);
	cfg.tcp_push_each_write = 1;
	tt_up(&cfg);
	L = tt_listen(TT_HOST_PORT, 16);
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 15000), 15000);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat + 15000, 5000), 5000);
	poll1();
	for (int i = 0; i < 9; i++)
		tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1460); /* cwnd ends the burst */
	tt_expect_none();
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1020); /* 20000: the second write's end */
	tt_expect_none();
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

/* ---- zero window, persist timer (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17) -------------- */

START_TEST(zero_window_probing)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	c.pwin = 0;
	tt_pack(&c); /* the peer closes its window */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 100), 100);
	poll1();
	tt_expect_none();
	/* Probes of one octet at SND.UNA, backing off 1, 2, 4, ... capped at 60 s,
	 * never giving up while the peer answers. */
	static const unsigned gaps[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60, 60, 60, 60 };
	for (unsigned i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
		utcp_time_t t = tt_now();
		ck_assert(tt_next_timer());
		ck_assert_uint_eq(tt_now() - t, gaps[i] * TT_SEC);
		ck_assert(tt_out(&s));
		ck_assert_uint_eq(s.seq, c.hnxt);
		ck_assert_uint_eq(s.len, 1);
		ck_assert_uint_eq(s.payload[0], pat[0]);
		tt_pack(&c); /* still window 0: the octet is not accepted */
		tt_expect_none();
	}
	ck_assert_uint_eq(st()->tcp_zero_window_probes, 15);
	ck_assert_uint_eq(st()->tcp_timeouts, 0);
	c.pwin = 65535; /* the window opens: everything goes */
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 100);
	ck_assert_mem_eq(s.payload, pat, 100);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

START_TEST(zero_window_probe_accepted)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	c.pwin = 0;
	tt_pack(&c);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 100), 100);
	poll1();
	ck_assert(tt_next_timer());
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.len, 1);
	/* The peer took the octet and opens its window. */
	c.hnxt += 1;
	c.pwin = 65535;
	tt_pack(&c);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 99);
	ck_assert_mem_eq(s.payload, pat + 1, 99);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

/* RFC 9293 §3.8.6: a peer that shrinks its window to zero while data is in
 * flight (it keeps all but the last 100 octets sent, window 0) gets only
 * the old data again on the timeout, never new data beyond SND.UNA +
 * SND.WND (SHLD-15, MAY-7).  Found by replaying zero-window.pcap (side
 * server, seed 22, loss/reorder 10 %, dup/corrupt 5 %, jitter 2 ms). */
START_TEST(rto_into_shrunk_window_sends_no_new_data)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	uint32_t h0 = c.hnxt;
	c.pwin = 2920;
	tt_pin(&c, TH_ACK, NULL, 0); /* a window of two segments */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 6560), 6560);
	poll1();
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_expect_none();
	c.hnxt = h0 + 2820; /* the last 100 octets trimmed; the peer's buffer is full */
	c.pwin = 0;
	tt_pin(&c, TH_ACK, NULL, 0);
	tt_expect_none();
	ck_assert(tt_next_timer()); /* RTO: the 100 octets in flight, nothing new */
	tt_hout(&c, &s, TH_ACK, c.pnxt, 100);
	ck_assert_mem_eq(s.payload, pat + 2820, 100);
	tt_expect_none();
	c.pwin = 65535; /* they arrive and the window opens: the rest goes, in order */
	tt_pack(&c);
	for (int i = 0; i < 20 && c.hnxt != h0 + 6560; i++) {
		ck_assert(tt_out(&s));
		ck_assert_uint_eq(s.seq, c.hnxt);
		ck_assert_mem_eq(s.payload, pat + (c.hnxt - h0), s.len);
		c.hnxt += s.len;
		tt_pack(&c);
	}
	ck_assert_uint_eq(c.hnxt, h0 + 6560);
	tt_finish(&c);
}
END_TEST

/* ---- loss: fast retransmit, NewReno, RTO ------------------------------------------------ */

START_TEST(fast_retransmit_newreno)
{
	struct tt_conn c;
	struct tt_seg s, a;
	tt_passive(&c, L, TT_OPT_MSS);
	uint32_t h0 = c.hnxt;
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 14600), 14600);
	poll1();
	for (int i = 0; i < 10; i++)
		tt_hout(&c, &s, i == 9 ? TH_ACK | TH_PSH : TH_ACK, c.pnxt, 1460);
	/* Segment 2 is lost: one new ACK, then duplicates. */
	tt_pseg(&c, &a, TH_ACK, NULL, 0);
	a.ack = h0 + 1460;
	tt_in(&a);
	tt_in(&a);
	tt_in(&a);
	tt_expect_none(); /* two duplicates: nothing (no new data for limited transmit) */
	tt_in(&a);       /* the third: fast retransmit (RFC 5681 §3.2) */
	tt_expect(&s, TH_ACK, h0 + 1460, c.pnxt, -1);
	ck_assert_uint_eq(s.len, 1460);
	ck_assert_uint_eq(st()->tcp_fast_retransmits, 1);
	ck_assert_uint_eq(st()->tcp_dup_acks, 3);
	/* Partial ACK (segment 5 lost too): resend it at once (RFC 6582). */
	a.ack = h0 + 4 * 1460;
	tt_in(&a);
	tt_expect(&s, TH_ACK, h0 + 4 * 1460, c.pnxt, -1);
	ck_assert_uint_eq(s.len, 1460);
	/* Full ACK: recovery ends; nothing left to send. */
	a.ack = h0 + 14600;
	tt_in(&a);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 2);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	c.hnxt = h0 + 14600;
	tt_finish(&c);
}
END_TEST

START_TEST(rto_backoff_to_etimedout)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 100), 100);
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 100);
	/* RFC 6298: RTO 1 s (the minimum), doubling, capped at 60 s; after
	 * TCP_DATA_RETRIES retransmissions the connection is given up. */
	static const unsigned gaps[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60 };
	for (unsigned i = 0; i < 12; i++) {
		utcp_time_t t = tt_now();
		ck_assert(tt_next_timer());
		ck_assert_uint_eq(tt_now() - t, gaps[i] * TT_SEC);
		tt_expect(&s, TH_ACK | TH_PSH, c.hnxt - 100, c.pnxt, -1);
		ck_assert_uint_eq(s.len, 100);
	}
	utcp_time_t t = tt_now();
	ck_assert(tt_next_timer());
	ck_assert_uint_eq(tt_now() - t, 60 * TT_SEC);
	tt_expect_none(); /* given up: no RST (Linux neither) */
	ck_assert_uint_eq(st()->tcp_timeouts, 1);
	ck_assert_uint_eq(st()->tcp_rto, 13);
	char b[4];
	tt_err(utcp_read(tt_h.ctx, c.sock, b, 4), ETIMEDOUT);
	ck_assert_int_eq(utcp_read(tt_h.ctx, c.sock, b, 4), 0);
	tt_err(utcp_write(tt_h.ctx, c.sock, b, 4), EPIPE);
	tt_ok(utcp_close(tt_h.ctx, c.sock));
}
END_TEST

START_TEST(rto_goes_back_n_with_one_segment)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	uint32_t h0 = c.hnxt;
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 4380), 4380);
	poll1();
	for (int i = 0; i < 3; i++)
		tt_hout(&c, &s, i == 2 ? TH_ACK | TH_PSH : TH_ACK, c.pnxt, 1460);
	ck_assert(tt_next_timer()); /* all three lost: cwnd = 1 segment */
	tt_expect(&s, TH_ACK, h0, c.pnxt, -1);
	tt_expect_none();
	c.hnxt = h0 + 1460;
	tt_pack(&c); /* slow start again: two segments */
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1460);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1460);
	tt_pack(&c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 3);
	tt_finish(&c);
}
END_TEST

/* ---- RFC 7323: timestamps, PAWS --------------------------------------------------------- */

START_TEST(paws_rejects_old_timestamp)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	c.pts = 2000;
	tt_pin(&c, TH_ACK | TH_PSH, pat, 10);
	tt_advance(40 * TT_MS);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(s.o.tsecr, 2000); /* TS.Recent */
	c.pts = 1999; /* an old duplicate's timestamp: rejected, ACKed */
	tt_pin(&c, TH_ACK | TH_PSH, pat + 10, 10);
	c.pnxt -= 10;
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(st()->drop_tcp_paws, 1);
	c.pts = 2001;
	tt_pin(&c, TH_ACK | TH_PSH, pat + 10, 10);
	read_expect(c.sock, pat, 20);
	tt_advance(40 * TT_MS);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(s.o.tsecr, 2001);
	tt_finish(&c);
}
END_TEST

/* Drain the host's output; how many segments were pure ACKs. */
static int pure_acks_out(void)
{
	struct tt_seg s;
	int n = 0;
	while (tt_out(&s))
		n += s.len == 0 && s.flags == TH_ACK;
	return n;
}

/* The network swaps two of the peer's duplicate ACKs: the older one
 * (TSval 1999, behind TS.Recent 2000) changes nothing but carries SACK
 * news, so PAWS lets it through, without the ACK a drop would draw.  One
 * from more than an RTO back (1 s, TSval 999) is dropped and ACKed as
 * before, and so is a reordered one that offers another window. */
START_TEST(paws_lets_a_reordered_duplicate_ack_through)
{
	struct tt_conn c;
	struct tt_seg s, a;
	tt_passive(&c, L, TT_OPT_ALL);
	c.pts = 2000;
	tt_pack(&c);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 3000), 3000);
	poll1();
	uint32_t una = c.hnxt;
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 1448);
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 104);
	uint8_t sack[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 10 };
	wr32be(sack + 4, una + 1448);
	wr32be(sack + 8, una + 2896);
	c.pts = 2001; /* the later duplicate ACK arrives first */
	tt_pseg(&c, &a, TH_ACK, NULL, 0);
	a.ack = una;
	tt_opt_raw(&a, sack, 12);
	tt_in(&a);
	ck_assert_int_eq(pure_acks_out(), 0); /* whatever loss recovery sends */
	c.pts = 2000; /* then the earlier one: a duplicate ACK, no ACK in reply */
	tt_pseg(&c, &a, TH_ACK, NULL, 0);
	a.ack = una;
	tt_in(&a);
	ck_assert_int_eq(pure_acks_out(), 0);
	ck_assert_uint_eq(st()->drop_tcp_paws, 0);
	c.pts = 999; /* more than an RTO older: PAWS drops it and ACKs */
	tt_pseg(&c, &a, TH_ACK, NULL, 0);
	a.ack = una;
	tt_in(&a);
	ck_assert_int_eq(pure_acks_out(), 1);
	ck_assert_uint_eq(st()->drop_tcp_paws, 1);
	c.pts = 2000; /* recent enough, but another window: dropped too */
	tt_pseg(&c, &a, TH_ACK, NULL, 0);
	a.ack = una;
	a.win = (uint16_t)(c.pwin - 1);
	tt_in(&a);
	ck_assert_int_eq(pure_acks_out(), 1);
	ck_assert_uint_eq(st()->drop_tcp_paws, 2);
	c.pts = 2002;
	c.hnxt = una + 3000;
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

START_TEST(segment_without_timestamp_dropped)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	tt_pseg(&c, &s, TH_ACK | TH_PSH, pat, 10);
	s.optlen = 0; /* RFC 7323 §3.2: negotiated, then missing */
	tt_in(&s);
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_no_ts, 1);
	char b[10];
	tt_err(utcp_read(tt_h.ctx, c.sock, b, 10), EAGAIN);
	tt_finish(&c);
}
END_TEST

/* A keep-alive probe without TSopt (SEG.SEQ = RCV.NXT - 1, outside the
 * window): answered with an ACK, as any unacceptable segment, not dropped
 * silently, so a peer that leaves TSopt out of its probes keeps the
 * connection (RFC 7323 §3.2 with RFC 9293 §3.10.7.4). */
START_TEST(keepalive_without_timestamp_answered)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	tt_pseg(&c, &s, TH_ACK, NULL, 0);
	s.seq = c.pnxt - 1;
	s.optlen = 0;
	tt_in(&s);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(st()->drop_tcp_no_ts, 0);
	ck_assert_uint_eq(st()->drop_tcp_unacceptable, 1);
	tt_finish(&c);
}
END_TEST

/* tcp_ts_required = 0 (Linux's behaviour): the segment without TSopt is
 * taken as if timestamps were not in use. */
START_TEST(segment_without_timestamp_tolerated)
{
	struct utcp_config cfg;
	struct tt_conn c;
	struct tt_seg s;
	tt_ok(utcp_close(tt_h.ctx, L));
	tt_down();
	tt_config(&cfg);
	cfg.tcp_ts_required = 0;
	tt_up(&cfg);
	L = tt_listen(TT_HOST_PORT, 16);
	tt_passive(&c, L, TT_OPT_ALL);
	tt_pseg(&c, &s, TH_ACK | TH_PSH, pat, 10);
	s.optlen = 0;
	tt_in(&s);
	c.pnxt += 10;
	ck_assert_uint_eq(st()->drop_tcp_no_ts, 0);
	read_expect(c.sock, pat, 10);
	tt_finish(&c);
}
END_TEST

START_TEST(rtt_from_timestamps)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_ALL);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 100), 100);
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 100);
	tt_advance(300 * TT_MS);
	tt_pack(&c); /* echoes the TSval: R = 300 ms */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 100), 100);
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 100);
	/* First the tail loss probe (RFC 8985 §7.2): 2 * SRTT + WCDelAckT for
	 * a single segment in flight, SRTT 300 ms from RACK's sample: 800 ms.
	 * It resends the segment (§7.3). */
	utcp_time_t t = tt_now();
	ck_assert(tt_next_timer());
	ck_assert_uint_eq(tt_now() - t, 800 * TT_MS);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.seq, c.hnxt - 100);
	ck_assert_uint_eq(s.len, 100);
	ck_assert_uint_eq(st()->tcp_tlp_probes, 1);
	/* After the probe the RTO runs again (§7.3).  SRTT from a 0 sample and
	 * a 300 ms one: RTO = max(1 s, ...) = 1 s (RFC 6298 §2.4). */
	t = tt_now();
	ck_assert(tt_next_timer());
	ck_assert_uint_eq(tt_now() - t, 1 * TT_SEC);
	tt_out(&s);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

/* ---- RFC 9293 §3.10.7.4 checks and RFC 5961 ------------------------------------------- */

START_TEST(unacceptable_segments_draw_ack)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pseg(&c, &s, TH_ACK, pat, 10);
	s.seq = c.pnxt + 70000; /* beyond the window */
	tt_in(&s);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	tt_pseg(&c, &s, TH_ACK, pat, 10);
	s.seq = c.pnxt - 20; /* entirely old */
	tt_in(&s);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(st()->drop_tcp_unacceptable, 2);
	/* Overlapping the left edge: only the new part is taken. */
	tt_pseg(&c, &s, TH_ACK, pat, 10);
	tt_in(&s);
	tt_pseg(&c, &s, TH_ACK, pat + 5, 10);
	s.seq = c.pnxt + 5;
	tt_in(&s);
	c.pnxt += 15;
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	read_expect(c.sock, pat, 15);
	tt_finish(&c);
}
END_TEST

START_TEST(ack_of_unsent_data_draws_ack)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pseg(&c, &s, TH_ACK, NULL, 0);
	s.ack = c.hnxt + 1000;
	tt_in(&s);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_uint_eq(st()->drop_tcp_ack, 1);
	tt_finish(&c);
}
END_TEST

START_TEST(syn_in_established_challenge_ack)
{
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_pseg(&c, &s, TH_SYN, NULL, 0);
	s.seq = c.pnxt + 100;
	tt_in(&s);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0); /* RFC 5961 §4.2 */
	ck_assert_uint_eq(st()->tcp_challenge_acks, 1);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, "x", 1), 1); /* still open */
	poll1();
	tt_hout(&c, &s, TH_ACK | TH_PSH, c.pnxt, 1);
	tt_pack(&c);
	tt_finish(&c);
}
END_TEST

/* ---- malformed segments: dropped, counted, never read past the end ---------------------- */

START_TEST(malformed_segments)
{
	uint8_t t[60];
	struct tt_seg syn = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 9, .flags = TH_SYN,
			      .win = 100 };
	/* Option length 0. */
	tt_opt_raw(&syn, (const uint8_t[]){ 2, 0, 0, 0 }, 4);
	tt_in(&syn);
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_opt, 1);
	/* Option running past the header. */
	syn.optlen = 0;
	tt_opt_raw(&syn, (const uint8_t[]){ 1, 1, 8, 10 }, 4);
	tt_in(&syn);
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_opt, 2);
	/* A kind byte with no room for its length. */
	syn.optlen = 0;
	tt_opt_raw(&syn, (const uint8_t[]){ 1, 1, 1, 3 }, 4);
	tt_in(&syn);
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_opt, 3);
	/* Short, bad data offset (too small, past the end), bad checksum. */
	memset(t, 0, sizeof(t));
	t[12] = 5 << 4;
	tt_in_raw(t, 19);
	ck_assert_uint_eq(st()->drop_tcp_short, 1);
	t[12] = 4 << 4;
	tt_in_raw(t, 20);
	t[12] = 15 << 4;
	tt_in_raw(t, 40);
	ck_assert_uint_eq(st()->drop_tcp_hlen, 2);
	tt_expect_none();
}
END_TEST

START_TEST(unknown_and_odd_options_skipped)
{
	struct tt_seg s;
	struct tt_seg syn = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 9, .flags = TH_SYN,
			      .win = 100 };
	/* Unknown kind 99 (skipped by its length), an MSS of the wrong
	 * length (ignored), then a good MSS, then EOL and garbage. */
	tt_opt_raw(&syn, (const uint8_t[]){ 99, 4, 0xaa, 0xbb, 2, 3, 1, 2, 4, 0x04, 0x00, 0,
					    0xff, 0xff, 0xff, 0xff },
		   16);
	tt_in(&syn);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_SYN | TH_ACK);
	ck_assert_uint_eq(s.ack, 10);
	ck_assert_uint_eq(s.o.flags, TOF_MSS);
	/* Our first data segment is bounded by the peer's MSS 1024. */
	struct tt_seg ack = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 10, .ack = s.seq + 1,
			      .flags = TH_ACK, .win = 65535 };
	tt_in(&ack);
	int a = utcp_accept(tt_h.ctx, L, NULL, NULL);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(utcp_write(tt_h.ctx, a, pat, 2000), 2000);
	poll1();
	struct tt_seg d;
	tt_out(&d);
	ck_assert_uint_eq(d.len, 1024);
	tt_ok(utcp_abort(tt_h.ctx, a));
	tn_tx_drain(tt_h.nic);
}
END_TEST

START_TEST(bad_checksum_dropped)
{
	uint8_t t[20] = { 0x9c, 0x41, 0, 80, 0, 0, 0, 9, 0, 0, 0, 0, 5 << 4, TH_SYN, 1, 0 };
	uint8_t f[TN_FRAME_MAX];
	/* Build it ourselves with a wrong checksum. */
	t[16] = 0x12;
	t[17] = 0x34;
	size_t fl = tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 6, t, 20);
	ck_assert_int_eq(tn_inject(tt_h.nic, 0, f, fl), 0);
	poll1();
	tt_expect_none();
	ck_assert_uint_eq(st()->drop_tcp_cksum, 1);
}
END_TEST

Suite *tcp_data_suite(void)
{
	Suite *su = suite_create("tcp_data");
	TCase *tc = tcase_create("data");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, delayed_ack_timer);
	tcase_add_test(tc, ack_every_second_full_segment);
	tcase_add_test(tc, data_piggybacks_the_ack);
	tcase_add_test(tc, out_of_order_reassembly_with_sack);
	tcase_add_test(tc, out_of_order_memory_bound);
	tcase_add_test(tc, out_of_order_fin_waits_for_the_data);
	tcase_add_test(tc, receiver_zero_window_and_update);
	tcase_add_test(tc, window_scaling_both_ways);
	tcase_add_test(tc, sws_override_by_persist_timer);
	tcase_add_test(tc, nagle_coalesces_small_writes);
	tcase_add_test(tc, nodelay_set_pushes_held_data);
	tcase_add_test(tc, initial_window_ten_segments);
	tcase_add_test(tc, psh_each_write_and_burst_end);
	tcase_add_test(tc, zero_window_probing);
	tcase_add_test(tc, zero_window_probe_accepted);
	tcase_add_test(tc, rto_into_shrunk_window_sends_no_new_data);
	tcase_add_test(tc, fast_retransmit_newreno);
	tcase_add_test(tc, rto_backoff_to_etimedout);
	tcase_add_test(tc, rto_goes_back_n_with_one_segment);
	tcase_add_test(tc, paws_rejects_old_timestamp);
	tcase_add_test(tc, paws_lets_a_reordered_duplicate_ack_through);
	tcase_add_test(tc, segment_without_timestamp_dropped);
	tcase_add_test(tc, keepalive_without_timestamp_answered);
	tcase_add_test(tc, segment_without_timestamp_tolerated);
	tcase_add_test(tc, rtt_from_timestamps);
	tcase_add_test(tc, unacceptable_segments_draw_ack);
	tcase_add_test(tc, ack_of_unsent_data_draws_ack);
	tcase_add_test(tc, syn_in_established_challenge_ack);
	tcase_add_test(tc, malformed_segments);
	tcase_add_test(tc, unknown_and_odd_options_skipped);
	tcase_add_test(tc, bad_checksum_dropped);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_data_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
