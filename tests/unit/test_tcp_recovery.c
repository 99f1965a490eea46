/*
 * tests/unit/test_tcp_recovery.c - loss recovery and congestion control as
 * packet traces: the exact segments after one, two and three duplicate
 * ACKs (limited transmit, RFC 3042; SACK recovery, RFC 6675, paced by PRR,
 * RFC 6937); a SACK hole retransmitted once; NewReno partial ACKs for a
 * peer without SACK (RFC 6582); RACK-TLP (RFC 8985): the reordering timer,
 * a lost retransmission found without a timeout, tail losses repaired by
 * a loss probe, and by fast recovery's probe when its ACK clock stops; a probe of new data nothing answered sent again (tcp_tlp_again); RTO recovery that skips SACKed data (RFC 6675 §5.1); D-SACK for duplicates (RFC 2883) and a reduction they show was spurious undone (RFC 3708, tcp_undo), also from an ACK below SND.UNA, whose SACK blocks the scoreboard takes (RFC 6675 §5); IW10 (RFC 6928) and
 * the restart window after idle (RFC 5681 §4.1); TCP_CONGESTION; a path MTU
 * black hole (RFC 4821, tcp_mtu_probing).
 *
 * The host sends full segments of 1460 bytes (the peer offers MSS 1460,
 * no timestamps), so sequence numbers are h0 + k * 1460: "segment k" is
 * [h0 + k*1460, h0 + (k+1)*1460), counting from 0.  The peer's ACKs come
 * RTT (10 ms) after the segments they acknowledge unless a step says so.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

#define MSS 1460
#define RTT (10 * TT_MS)
static uint8_t pat[100 * MSS];

static void setup(void)
{
	tt_up(NULL);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

static void teardown(void)
{
	tt_down();
}

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(tt_h.ctx);
}

static void read_expect(int sock, size_t n)
{
	static uint8_t b[sizeof(pat)];
	ck_assert_int_eq(utcp_read(tt_h.ctx, sock, b, n), (ssize_t)n);
	ck_assert_mem_eq(b, pat, n);
}

/* A listener whose children use congestion control `cc`. */
static int listen_cc(const char *cc)
{
	int l = tt_listen(TT_HOST_PORT, 4);
	tt_ok(utcp_setsockopt(tt_h.ctx, l, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)));
	return l;
}

/* Peer ACK of `ack` carrying SACK blocks [s0, e0), [s1, e1) ... (segment
 * numbers relative to h0, end exclusive). */
static void sack_in(struct tt_conn *c, uint32_t h0, uint32_t ack, int n, const int *blk)
{
	struct tt_seg a;
	uint8_t o[36] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, (uint8_t)(2 + 8 * n) };
	tt_pseg(c, &a, TH_ACK, NULL, 0);
	a.ack = ack;
	for (int i = 0; i < 2 * n; i++) {
		uint32_t v = h0 + (uint32_t)blk[i] * MSS;
		o[4 + 4 * i] = (uint8_t)(v >> 24);
		o[5 + 4 * i] = (uint8_t)(v >> 16);
		o[6 + 4 * i] = (uint8_t)(v >> 8);
		o[7 + 4 * i] = (uint8_t)v;
	}
	if (n > 0)
		tt_opt_raw(&a, o, (uint8_t)(4 + 8 * n));
	tt_in(&a);
}

static void sack1(struct tt_conn *c, uint32_t h0, uint32_t ack, int s0, int e0)
{
	int b[2] = { s0, e0 };
	sack_in(c, h0, ack, 1, b);
}

/* Expect segment k (a full one) from the host. */
static void expect_seg(uint32_t h0, int k, const struct tt_conn *c)
{
	struct tt_seg s;
	ck_assert_msg(tt_out(&s), "no segment, want segment %d", k);
	ck_assert_msg(s.seq == h0 + (uint32_t)k * MSS, "segment at %d, want %d",
		      (int)((s.seq - h0) / MSS), k);
	ck_assert_uint_eq(s.len, MSS);
	ck_assert_uint_eq(s.ack, c->pnxt);
	ck_assert_mem_eq(s.payload, pat + (size_t)k * MSS, MSS);
}

/* Connection with `segs` segments written, the first IW (10) sent. */
static uint32_t start_bulk(struct tt_conn *c, int l, unsigned opts, int segs)
{
	tt_passive(c, l, opts);
	uint32_t h0 = c->hnxt;
	ck_assert_int_eq(utcp_write(tt_h.ctx, c->sock, pat, (size_t)segs * MSS), segs * MSS);
	utcp_ctx_poll(tt_h.ctx);
	for (int k = 0; k < 10; k++) /* RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)) */
		expect_seg(h0, k, c);
	tt_expect_none();
	tt_advance(RTT); /* the peer's ACKs come a round trip later */
	tt_expect_none();
	return h0;
}

/* The peer acknowledges everything up to hnxt and whatever the host sends
 * after it, until the host is done; then both sides close. */
static void finish(struct tt_conn *c, uint32_t hnxt, int l)
{
	struct tt_seg s;
	c->hnxt = hnxt;
	for (int i = 0; i < 1000; i++) {
		tt_pack(c);
		int any = 0;
		while (tt_out(&s)) {
			any = 1;
			ck_assert_uint_eq(s.seq, c->hnxt); /* in order, nothing resent */
			c->hnxt = s.seq + s.len;
		}
		if (!any)
			break;
	}
	tt_finish(c);
	tt_ok(utcp_close(tt_h.ctx, l));
}

/* ---- SACK: 1, 2, 3 duplicate ACKs ------------------------------------------------- */

START_TEST(sack_dupacks_one_two_three)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 30);
	/* Segment 0 is lost; 1, 2, 3 arrive and draw duplicate ACKs with SACK. */
	sack1(&c, h0, h0, 1, 2);
	expect_seg(h0, 10, &c); /* RFC 3042: one new segment beyond cwnd */
	tt_expect_none();
	sack1(&c, h0, h0, 1, 3);
	expect_seg(h0, 11, &c); /* and a second */
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_fast_recoveries, 0);
	sack1(&c, h0, h0, 1, 4);
	expect_seg(h0, 0, &c); /* third: fast retransmit of the hole only */
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	ck_assert_uint_eq(st()->tcp_retransmits, 1);
	/* CUBIC: ssthresh = 0.7 * 14600 = 10220.  PRR (RFC 6937): while pipe
	 * > ssthresh, ceil(prr_delivered * 10220 / RecoverFS 17520) - prr_out
	 * (less than a segment here); then, pipe 6 segments < ssthresh, the
	 * slow start reduction bound sends one more. */
	sack1(&c, h0, h0, 1, 5);
	tt_expect_none();
	sack1(&c, h0, h0, 1, 6);
	tt_expect_none();
	sack1(&c, h0, h0, 1, 7);
	expect_seg(h0, 12, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 1); /* the hole went once */
	/* The retransmission arrives: everything up to 13 acknowledged, a
	 * full ACK: recovery ends with cwnd = ssthresh = 7 segments. */
	sack1(&c, h0, h0 + 13 * MSS, 0, 0);
	for (int k = 13; k < 20; k++)
		expect_seg(h0, k, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_rto, 0);
	finish(&c, h0 + 20 * MSS, l);
}
END_TEST

/* ---- SACK: two holes, each retransmitted exactly once ----------------------------- */

START_TEST(sack_holes_retransmitted_once)
{
	struct tt_conn c;
	int l = listen_cc("newreno");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	/* Segments 0 and 4 lost.  1, 2, 3 SACKed: the third duplicate. */
	sack1(&c, h0, h0, 1, 2);
	sack1(&c, h0, h0, 1, 3);
	tt_expect_none(); /* no new data to send under limited transmit */
	sack1(&c, h0, h0, 1, 4);
	expect_seg(h0, 0, &c);
	tt_expect_none();
	/* 5 and 6 SACKed: only two segments above 4, not yet lost (IsLost,
	 * DupThresh = 3); 7 makes three: 4 is lost and is sent, once. */
	int b56[4] = { 5, 7, 1, 4 };
	sack_in(&c, h0, h0, 2, b56);
	int b57[4] = { 5, 8, 1, 4 };
	sack_in(&c, h0, h0, 2, b57);
	expect_seg(h0, 4, &c);
	tt_expect_none();
	int b59[4] = { 5, 10, 1, 4 };
	sack_in(&c, h0, h0, 2, b59);
	sack_in(&c, h0, h0, 2, b59); /* a reordered copy changes nothing */
	tt_expect_none();
	/* The retransmission of 0 arrives: a partial ACK up to 4 (4 was
	 * already resent, so nothing is resent again). */
	sack1(&c, h0, h0 + 4 * MSS, 5, 10);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 2);
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	sack1(&c, h0, h0 + 10 * MSS, 0, 0); /* full ACK */
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_rto, 0);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* ---- NewReno (RFC 6582) for a peer without SACK ------------------------------------ */

START_TEST(newreno_partial_ack)
{
	struct tt_conn c;
	struct tt_seg a;
	int l = listen_cc("newreno");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS, 30);
	tt_pseg(&c, &a, TH_ACK, NULL, 0);
	a.ack = h0; /* segments 0 and 5 lost */
	tt_in(&a);
	expect_seg(h0, 10, &c); /* limited transmit, as with SACK */
	tt_in(&a);
	expect_seg(h0, 11, &c);
	tt_in(&a);
	expect_seg(h0, 0, &c); /* fast retransmit */
	tt_expect_none();
	/* ssthresh = FlightSize / 2 = 6 segments, cwnd = ssthresh + 3 = 9,
	 * inflated by one per further duplicate (RFC 6582 §3.2 step 3): new
	 * data once cwnd exceeds the 12 segments in flight. */
	tt_in(&a); /* 4: cwnd 10 */
	tt_in(&a); /* 6: 11 */
	tt_in(&a); /* 7: 12 */
	tt_expect_none();
	tt_in(&a); /* 8: 13 */
	expect_seg(h0, 12, &c);
	tt_in(&a); /* 9: 14 */
	expect_seg(h0, 13, &c);
	tt_expect_none();
	/* Partial ACK up to the second hole: it is resent at once; cwnd
	 * deflates by the 5 segments acked and adds one back (RFC 6582 §3.2
	 * step 5): 10, with 9 in flight, so one new segment goes too. */
	a.ack = h0 + 5 * MSS;
	tt_in(&a);
	expect_seg(h0, 5, &c);
	expect_seg(h0, 14, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 2);
	/* Further duplicates inflate by one each: one new segment each. */
	tt_in(&a);
	expect_seg(h0, 15, &c);
	tt_in(&a);
	expect_seg(h0, 16, &c);
	tt_expect_none();
	/* Full ACK (everything sent before recovery, up to 12): recovery
	 * ends, cwnd = min(ssthresh, FlightSize + SMSS) = 6 segments (step 3). */
	a.ack = h0 + 12 * MSS;
	tt_in(&a);
	expect_seg(h0, 17, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_fast_recoveries, 1);
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 0);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	finish(&c, h0 + 18 * MSS, l);
}
END_TEST

/* ---- RACK-TLP (RFC 8985) --------------------------------------------------------- */

/* Every segment the host sends now: bit k of the result for segment k. */
static uint64_t drain(uint32_t h0, const struct tt_conn *c)
{
	struct tt_seg s;
	uint64_t m = 0;
	while (tt_out(&s)) {
		uint32_t k = (s.seq - h0) / MSS;
		ck_assert_msg(s.seq == h0 + k * MSS && s.len == MSS && k < 64, "odd segment at %u len %u",
			      (unsigned)(s.seq - h0), (unsigned)s.len);
		ck_assert_uint_eq(s.ack, c->pnxt);
		ck_assert_mem_eq(s.payload, pat + (size_t)k * MSS, MSS);
		m |= 1ull << k;
	}
	return m;
}

START_TEST(rack_reordering_timer)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	utcp_time_t t0 = tt_now() - RTT; /* when 0..9 were sent */
	/* 0 and 1 lost, 2 and 3 arrive: two SACKed segments, below DupThresh,
	 * and RACK gives reordering min_RTT / 4 = 2.5 ms (§6.2 step 4). */
	sack1(&c, h0, h0, 2, 3);
	sack1(&c, h0, h0, 2, 4);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 0);
	/* §6.3: the reordering timer, RACK.rtt + reo_wnd after 0 and 1 were
	 * sent (a tick late at most), finds them lost: fast recovery starts,
	 * RFC 6675 §5 step 4.3 resends HighACK + 1 at once. */
	ck_assert(tt_next_timer());
	ck_assert_uint_ge(tt_now() - t0, RTT + RTT / 4);
	ck_assert_uint_le(tt_now() - t0, RTT + RTT / 4 + TT_MS);
	expect_seg(h0, 0, &c);
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	ck_assert_uint_ge(st()->tcp_rack_marks, 1);
	/* Its ACK a round trip later: 1 goes (RACK marked it lost), and 4..9,
	 * sent before the retransmission that just arrived, are lost too. */
	tt_advance(RTT);
	tt_expect_none();
	sack1(&c, h0, h0 + MSS, 2, 4);
	uint64_t m = drain(h0, &c);
	ck_assert_uint_eq(m & 0x2, 0x2);
	tt_advance(RTT);
	sack1(&c, h0, h0 + 4 * MSS, 0, 0);
	m |= drain(h0, &c);
	for (int i = 0; i < 8 && m != 0x3f2; i++) {
		tt_advance(RTT);
		sack1(&c, h0, h0 + 4 * MSS, 0, 0);
		m |= drain(h0, &c);
	}
	ck_assert_uint_eq(m, 0x3f2); /* 1, 4..9: never 2 or 3 again */
	ck_assert_uint_eq(st()->tcp_rto, 0);
	ck_assert_uint_eq(st()->tcp_retransmits, 8);
	tt_advance(RTT);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

START_TEST(rack_lost_retransmission)
{
	struct tt_conn c;
	int l = listen_cc("newreno");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 30);
	/* 0 lost; 1, 2, 3 SACKed: the third duplicate, fast retransmit. */
	sack1(&c, h0, h0, 1, 2);
	expect_seg(h0, 10, &c); /* RFC 3042 */
	sack1(&c, h0, h0, 1, 3);
	expect_seg(h0, 11, &c);
	sack1(&c, h0, h0, 1, 4);
	expect_seg(h0, 0, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 1);
	/* The retransmission of 0 is lost as well.  4..11 arrive over the
	 * next round trip, and new data goes out as PRR allows. */
	tt_advance(RTT);
	uint64_t m = 0;
	for (int k = 5; k <= 10; k++) {
		sack1(&c, h0, h0, 1, k);
		m |= drain(h0, &c);
	}
	ck_assert_uint_eq(m & 1, 0); /* 0 is not sent again yet */
	ck_assert(m != 0);
	ck_assert_uint_eq(st()->tcp_retransmits, 1);
	/* A round trip after them, the first new segment sent in recovery is
	 * SACKed: it was sent after the retransmission of 0, so that
	 * retransmission is lost (RFC 8985 §6.2 step 5, §9.2).  0 goes a
	 * third time, at once: no RTO. */
	tt_advance(RTT);
	int b[4] = { 12, 13, 1, 12 };
	sack_in(&c, h0, h0, 2, b);
	m = drain(h0, &c);
	ck_assert_uint_eq(m & 1, 1);
	ck_assert_uint_eq(st()->tcp_retransmits, 2);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	ck_assert(m >> 15 != 0); /* and new data beyond 14 */
	int top = 64 - __builtin_clzll(m);
	tt_advance(RTT);
	sack1(&c, h0, h0 + (uint32_t)top * MSS, 0, 0);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	finish(&c, h0 + (uint32_t)top * MSS, l);
}
END_TEST

START_TEST(tlp_repairs_tail_loss)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	/* 8 and 9, the tail, are lost: the ACK of 0..7 is the last ACK, and
	 * no duplicate ACK will follow. */
	sack1(&c, h0, h0 + 8 * MSS, 0, 0);
	tt_expect_none();
	/* RFC 8985 §7.2: PTO = 2 * SRTT = 20 ms after that ACK (two segments
	 * in flight: no WCDelAckT); §7.3: nothing new to send, so the highest
	 * segment goes again. */
	utcp_time_t t = tt_now();
	ck_assert(tt_next_timer());
	ck_assert_uint_ge(tt_now() - t, 2 * RTT);
	ck_assert_uint_le(tt_now() - t, 2 * RTT + TT_MS);
	expect_seg(h0, 9, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_tlp_probes, 1);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	/* Its ACK SACKs 9: 8, sent before it, is lost (RACK), and is resent. */
	tt_advance(RTT);
	sack1(&c, h0, h0 + 8 * MSS, 9, 10);
	expect_seg(h0, 8, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	tt_advance(RTT);
	sack1(&c, h0, h0 + 10 * MSS, 0, 0);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_rto, 0);
	ck_assert_uint_eq(st()->tcp_retransmits, 2);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

START_TEST(tlp_repairs_last_segment)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	/* Only 9, the last segment, is lost. */
	sack1(&c, h0, h0 + 9 * MSS, 0, 0);
	tt_expect_none();
	/* RFC 8985 §7.2: one segment in flight, PTO = 2 * SRTT + WCDelAckT
	 * (200 ms), well before the RTO (1 s). */
	utcp_time_t t = tt_now();
	ck_assert(tt_next_timer());
	ck_assert_uint_ge(tt_now() - t, 2 * RTT + 200 * TT_MS);
	ck_assert_uint_le(tt_now() - t, 2 * RTT + 200 * TT_MS + TT_MS);
	expect_seg(h0, 9, &c);
	tt_expect_none();
	/* §7.4: the probe's ACK covers it and carries no D-SACK: the probe
	 * repaired a loss, and congestion control responds once. */
	tt_advance(RTT);
	sack1(&c, h0, h0 + 10 * MSS, 0, 0);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_tlp_probes, 1);
	ck_assert_uint_eq(st()->tcp_tlp_recoveries, 1);
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 0);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

START_TEST(tlp_dsack_no_loss)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	/* 9 is only late: the probe resends it, and the peer reports the
	 * copy with a D-SACK (RFC 2883): no loss, no response (§7.4). */
	sack1(&c, h0, h0 + 9 * MSS, 0, 0);
	ck_assert(tt_next_timer());
	expect_seg(h0, 9, &c);
	tt_advance(RTT);
	sack1(&c, h0, h0 + 10 * MSS, 9, 10);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_tlp_probes, 1);
	ck_assert_uint_eq(st()->tcp_tlp_recoveries, 0);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

START_TEST(tlp_sends_new_data)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	/* 0..7 acknowledged; 8 and 9 lost.  Then the application writes one
	 * more segment, which cwnd lets through at once. */
	sack1(&c, h0, h0 + 8 * MSS, 0, 0);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat + 10 * MSS, MSS), MSS);
	utcp_ctx_poll(tt_h.ctx);
	expect_seg(h0, 10, &c);
	tt_expect_none();
	/* §7.3 with nothing new left: the probe is 10 again (the highest). */
	ck_assert(tt_next_timer());
	expect_seg(h0, 10, &c);
	tt_expect_none();
	/* 10's ACK (SACK) shows 8 and 9 lost: both resent, no RTO. */
	tt_advance(RTT);
	sack1(&c, h0, h0 + 8 * MSS, 10, 11);
	uint64_t m = drain(h0, &c);
	for (int i = 0; i < 4 && m != 0x300; i++) {
		tt_advance(RTT);
		sack1(&c, h0, h0 + 8 * MSS, 10, 11);
		m |= drain(h0, &c);
	}
	ck_assert_uint_eq(m, 0x300);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	tt_advance(RTT);
	sack1(&c, h0, h0 + 11 * MSS, 0, 0);
	finish(&c, h0 + 11 * MSS, l);
}
END_TEST

START_TEST(tlp_probe_is_new_segment)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 40);
	/* 0..7 acknowledged: slow start sends 10..n-1, as cwnd allows.  Then
	 * the whole flight (8..n-1) is lost. */
	sack1(&c, h0, h0 + 8 * MSS, 0, 0);
	uint64_t sent = drain(h0, &c);
	int n = 64 - __builtin_clzll(sent);
	ck_assert_int_gt(n, 10);
	ck_assert_uint_eq(sent, ((1ull << n) - 1) & ~0x3ffull);
	ck_assert_int_lt(n, 40);
	/* RFC 8985 §7.3: unsent data and the peer's window allows it: the
	 * probe is a new segment, n, beyond cwnd. */
	ck_assert(tt_next_timer());
	expect_seg(h0, n, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_tlp_probes, 1);
	/* Its ACK SACKs n: everything sent before it is lost (RACK). */
	tt_advance(RTT);
	sack1(&c, h0, h0 + 8 * MSS, n, n + 1);
	uint64_t m = drain(h0, &c);
	ck_assert_uint_eq(m & 0x300, 0x300); /* 8 and 9 first */
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	uint64_t lost = ((1ull << n) - 1) & ~0xffull; /* 8..n-1 */
	for (int i = 0; i < 20 && (m & lost) != lost; i++) {
		int upto = 8; /* the retransmissions arrive */
		while (upto < n && (m >> upto & 1))
			upto++;
		tt_advance(RTT);
		sack1(&c, h0, h0 + (uint32_t)upto * MSS, n, n + 1);
		m |= drain(h0, &c);
	}
	ck_assert_uint_eq(m & lost, lost); /* 8..n-1 resent */
	ck_assert_uint_eq(st()->tcp_rto, 0);
	int top = 64 - __builtin_clzll(m | (1ull << n));
	tt_advance(RTT);
	sack1(&c, h0, h0 + (uint32_t)top * MSS, 0, 0);
	finish(&c, h0 + (uint32_t)top * MSS, l);
}
END_TEST

/* ---- RTO: resend what the scoreboard says is lost (RFC 6675 §5.1) ------------------ */

START_TEST(rto_skips_sacked_data)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	/* 0, 1 and 4..9 lost; 2 and 3 arrive, then silence.  RACK's
	 * reordering timer resends 0, and that is lost too: no ACK comes back,
	 * and only the RTO is left. */
	sack1(&c, h0, h0, 2, 3);
	sack1(&c, h0, h0, 2, 4);
	tt_expect_none();
	ck_assert(tt_next_timer()); /* RFC 8985 §6.3 */
	expect_seg(h0, 0, &c);
	tt_expect_none();
	ck_assert(tt_next_timer()); /* RTO: cwnd = 1 SMSS */
	expect_seg(h0, 0, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_rto, 1);
	sack1(&c, h0, h0 + MSS, 2, 4); /* slow start: two segments, 1 and 4 */
	expect_seg(h0, 1, &c);
	expect_seg(h0, 4, &c);
	tt_expect_none();
	sack1(&c, h0, h0 + 4 * MSS, 0, 0); /* 1 and the SACKed 2, 3 */
	expect_seg(h0, 5, &c);
	expect_seg(h0, 6, &c);
	tt_expect_none();
	sack1(&c, h0, h0 + 5 * MSS, 0, 0);
	expect_seg(h0, 7, &c);
	expect_seg(h0, 8, &c);
	tt_expect_none();
	sack1(&c, h0, h0 + 7 * MSS, 0, 0);
	expect_seg(h0, 9, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_retransmits, 9); /* never 2 or 3 */
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

START_TEST(rto_recovery_lost_retransmission)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	/* As above up to the RTO: 0 and 1 lost, 2 and 3 SACKed, the
	 * reordering timer's retransmission of 0 lost too. */
	sack1(&c, h0, h0, 2, 3);
	sack1(&c, h0, h0, 2, 4);
	ck_assert(tt_next_timer());
	expect_seg(h0, 0, &c);
	ck_assert(tt_next_timer());
	expect_seg(h0, 0, &c);
	ck_assert_uint_eq(st()->tcp_rto, 1);
	tt_advance(RTT);
	sack1(&c, h0, h0 + MSS, 2, 4);
	expect_seg(h0, 1, &c);
	expect_seg(h0, 4, &c);
	tt_expect_none();
	/* 1 is lost once more; 4 arrives.  The duplicate ACK SACKing 4 shows
	 * 1, sent just before it, lost (RFC 8985 §6.2 step 5), and RTO
	 * recovery sends on it (RFC 6675 §5.1): 1 goes again, no second
	 * timeout. */
	tt_advance(RTT);
	int b[4] = { 4, 5, 2, 4 };
	uint64_t marks = st()->tcp_rack_marks;
	sack_in(&c, h0, h0 + MSS, 2, b);
	uint64_t m = drain(h0, &c);
	ck_assert_uint_gt(st()->tcp_rack_marks, marks);
	ck_assert_uint_eq(m & 0x2, 0x2);
	ck_assert_uint_eq(st()->tcp_rto, 1);
	/* From here on everything arrives: the peer acknowledges what it got. */
	for (int i = 0; i < 10 && m != 0x3e2; i++) {
		uint32_t upto = 5;
		while (upto < 10 && (m >> upto & 1))
			upto++;
		tt_advance(RTT);
		sack1(&c, h0, h0 + upto * MSS, 0, 0);
		m |= drain(h0, &c);
	}
	ck_assert_uint_eq(m, 0x3e2); /* 1, then 5..9 */
	ck_assert_uint_eq(st()->tcp_rto, 1);
	ck_assert_uint_eq(st()->tcp_retransmits, 10); /* 0 0, 1 4, 1, 5..9: each once */
	tt_advance(RTT);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* ---- receiver: D-SACK (RFC 2883) ------------------------------------------------------ */

START_TEST(dsack_for_duplicates)
{
	struct tt_conn c;
	struct tt_seg s, a;
	int l = tt_listen(TT_HOST_PORT, 4);
	tt_passive(&c, l, TT_OPT_MSS | TT_OPT_SACK);
	uint32_t p0 = c.pnxt;
	tt_pin(&c, TH_ACK, pat, 1000);
	tt_pin(&c, TH_ACK, pat + 1000, 1000);
	tt_hout(&c, &s, TH_ACK, p0 + 2000, 0);
	ck_assert_uint_eq(s.o.nsack, 0);
	/* The first segment again (a spurious retransmission): an ACK at
	 * once, its first SACK block the duplicate, below the ACK (§4.1). */
	tt_pseg(&c, &a, TH_ACK, pat, 1000);
	a.seq = p0;
	tt_in(&a);
	tt_hout(&c, &s, TH_ACK, p0 + 2000, 0);
	ck_assert_uint_eq(s.o.nsack, 1);
	ck_assert_uint_eq(s.o.sack[0].start, p0);
	ck_assert_uint_eq(s.o.sack[0].end, p0 + 1000);
	ck_assert_uint_eq(st()->tcp_dsack_tx, 1);
	/* Out of order: 3000..4000 held; it comes again.  The D-SACK block
	 * first, then the range containing it (§4.2). */
	tt_pseg(&c, &a, TH_ACK, pat + 3000, 1000);
	a.seq = p0 + 3000;
	tt_in(&a);
	tt_hout(&c, &s, TH_ACK, p0 + 2000, 0);
	ck_assert_uint_eq(s.o.nsack, 1);
	tt_pseg(&c, &a, TH_ACK, pat + 3500, 500);
	a.seq = p0 + 3500;
	tt_in(&a);
	tt_hout(&c, &s, TH_ACK, p0 + 2000, 0);
	ck_assert_uint_eq(s.o.nsack, 2);
	ck_assert_uint_eq(s.o.sack[0].start, p0 + 3500);
	ck_assert_uint_eq(s.o.sack[0].end, p0 + 4000);
	ck_assert_uint_eq(s.o.sack[1].start, p0 + 3000);
	ck_assert_uint_eq(s.o.sack[1].end, p0 + 4000);
	/* Reported once: the next ACK has the plain SACK block only. */
	tt_pseg(&c, &a, TH_ACK, pat + 5000, 100);
	a.seq = p0 + 5000;
	tt_in(&a);
	tt_hout(&c, &s, TH_ACK, p0 + 2000, 0);
	ck_assert_uint_eq(s.o.nsack, 2);
	ck_assert_uint_eq(s.o.sack[0].start, p0 + 5000);
	ck_assert_uint_eq(s.o.sack[1].start, p0 + 3000);
	ck_assert_uint_eq(st()->tcp_dsack_tx, 2);
	/* The holes filled, everything is there, byte for byte. */
	tt_pseg(&c, &a, TH_ACK, pat + 2000, 1000);
	a.seq = p0 + 2000;
	tt_in(&a);
	tt_hout(&c, &s, TH_ACK, p0 + 4000, 0);
	tt_pseg(&c, &a, TH_ACK, pat + 4000, 1000);
	a.seq = p0 + 4000;
	tt_in(&a);
	tt_hout(&c, &s, TH_ACK, p0 + 5100, 0);
	c.pnxt = p0 + 5100;
	read_expect(c.sock, 5100);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

START_TEST(no_dsack_without_sack)
{
	struct tt_conn c;
	struct tt_seg s, a;
	int l = tt_listen(TT_HOST_PORT, 4);
	tt_passive(&c, l, TT_OPT_MSS);
	uint32_t p0 = c.pnxt;
	tt_pin(&c, TH_ACK, pat, 1000);
	tt_pseg(&c, &a, TH_ACK, pat, 1000);
	a.seq = p0;
	tt_in(&a);
	tt_hout(&c, &s, TH_ACK, p0 + 1000, 0);
	ck_assert_uint_eq(s.optlen, 0);
	ck_assert_uint_eq(st()->tcp_dsack_tx, 0);
	read_expect(c.sock, 1000);
	tt_finish(&c);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* ---- idle restart (RFC 5681 §4.1) and TCP_CONGESTION ---------------------------------- */

START_TEST(restart_window_after_idle)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	c.hnxt = h0 + 10 * MSS;
	tt_pack(&c); /* slow start: cwnd 20 segments */
	tt_advance(5 * TT_SEC); /* idle for longer than the RTO */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat, 30 * MSS), 30 * MSS);
	utcp_ctx_poll(tt_h.ctx);
	for (int k = 0; k < 10; k++) /* back to the initial window */
		expect_seg(h0 + 10 * MSS, k, &c);
	tt_expect_none();
	finish(&c, h0 + 20 * MSS, l);
}
END_TEST

START_TEST(tcp_congestion_option)
{
	char name[16];
	socklen_t len = sizeof(name);
	int s = utcp_socket(tt_h.ctx, AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s, 0);
	tt_ok(utcp_getsockopt(tt_h.ctx, s, IPPROTO_TCP, TCP_CONGESTION, name, &len));
	ck_assert_str_eq(name, "newreno"); /* the configured default (tt_config) */
	tt_ok(utcp_setsockopt(tt_h.ctx, s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5));
	len = sizeof(name);
	tt_ok(utcp_getsockopt(tt_h.ctx, s, IPPROTO_TCP, TCP_CONGESTION, name, &len));
	ck_assert_str_eq(name, "cubic");
	tt_err(utcp_setsockopt(tt_h.ctx, s, IPPROTO_TCP, TCP_CONGESTION, "bbr", 3), ENOENT);
	tt_ok(utcp_close(tt_h.ctx, s));
}
END_TEST

/* ---- the CUBIC window function (RFC 9438 §4.2, §4.6) ---------------------------------- */

/* One window's worth of ACKs per RTT, in 10 pieces, on a bare TCB; returns
 * cwnd after `ms` milliseconds of congestion avoidance. */
static void cubic_ca(struct utcp_tcb *tp, utcp_time_t rtt, uint32_t ms, uint32_t *trace, int n)
{
	struct utcp_ctx *ctx = tt_h.ctx;
	utcp_time_t end = ctx->now + (utcp_time_t)ms * TT_MS;
	int k = 0;
	while (ctx->now < end) {
		uint32_t piece = tp->cwnd / 10;
		for (int i = 0; i < 10; i++) {
			ctx->now += rtt / 10;
			tp->snd_una += piece;
			tp->snd_max += piece;
			tp->cc->on_ack(tp, piece);
		}
		if (k < n)
			trace[k++] = tp->cwnd;
	}
}

START_TEST(cubic_window_curve)
{
	struct utcp_tcb tp;
	uint32_t tr[64];
	memset(&tp, 0, sizeof(tp));
	tp.ctx = tt_h.ctx;
	tp.mss = 1000;
	tp.cc = tcp_cc_find("cubic");
	tp.srtt = 200 * TT_MS;
	tp.cc->init(&tp);
	ck_assert_uint_eq(tp.cwnd, 10000); /* IW10 */
	/* A loss at cwnd = FlightSize = 100 segments: ssthresh = 0.7 of it. */
	tp.cwnd = 100000;
	tp.snd_max = 100000;
	tp.cc->on_loss(&tp);
	ck_assert_uint_eq(tp.ssthresh, 70000);
	tp.cwnd = tp.ssthresh; /* recovery over */
	/* K = cbrt(W_max (1 - beta) / C) = cbrt(30 / 0.4) s = 4.217 s: the
	 * window climbs back to W_max = 100 segments (concave), stays near it
	 * around K, then grows beyond (convex).  One sample per RTT. */
	cubic_ca(&tp, 200 * TT_MS, 8000, tr, 40);
	for (int i = 0; i < 19; i++) /* 0.2 .. 3.8 s: below W_max, increasing */
		ck_assert_msg(tr[i] < 100000 && tr[i] >= (i ? tr[i - 1] : 70000), "rtt %d: %u", i, tr[i]);
	ck_assert_uint_ge(tr[0], 73000);          /* fast at first */
	/* after 2 s, one RTT behind W_cubic(2 s) = 100 - 0.4 * 2.217^3 = 95.6 */
	ck_assert_uint_ge(tr[9], 95600 - 1000);
	ck_assert_uint_le(tr[9], 95600 + 1000);
	ck_assert_uint_le(tr[18] - tr[17], 200);  /* flat near W_max */
	ck_assert_uint_ge(tr[21], 99500);         /* K + 0.2 s: at W_max */
	ck_assert_uint_le(tr[21], 100500);
	ck_assert_uint_gt(tr[39], 115000);        /* 8 s: probing beyond */
	/* A second loss, below the previous W_max: ssthresh = 0.7 cwnd again
	 * (and W_max = cwnd (1 + beta) / 2, fast convergence, §4.7). */
	tp.cwnd = 80000;
	tp.snd_max = tp.snd_una + 80000;
	tp.cc->on_loss(&tp);
	ck_assert_uint_eq(tp.ssthresh, 56000);
}
END_TEST

/* RFC 8985 §7.3: the probe resends the most recently sent segment.  0..7
 * acknowledged, then shutdown sends a bare FIN after 8 and 9; with nothing
 * new to send the probe is that FIN again, not the last MSS of data with
 * it. */
START_TEST(tlp_probe_is_last_bare_fin)
{
	struct tt_conn c;
	struct tt_seg s;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	sack1(&c, h0, h0 + 8 * MSS, 0, 0);
	tt_expect_none();
	tt_ok(utcp_shutdown(tt_h.ctx, c.sock, SHUT_WR));
	utcp_ctx_poll(tt_h.ctx);
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.flags, TH_ACK | TH_FIN);
	ck_assert_uint_eq(s.seq, h0 + 10 * MSS);
	ck_assert_uint_eq(s.len, 0);
	tt_expect_none();
	ck_assert(tt_next_timer());
	ck_assert(tt_out(&s)); /* the loss probe */
	ck_assert_uint_eq(st()->tcp_tlp_probes, 1);
	ck_assert_uint_eq(s.flags & TH_FIN, TH_FIN);
	ck_assert_uint_eq(s.seq, h0 + 10 * MSS);
	ck_assert_uint_eq(s.len, 0);
	tt_expect_none();
	tt_ok(utcp_abort(tt_h.ctx, c.sock));
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(tt_h.ctx, l));
}
END_TEST

/* RFC 6675 §4: a segment a SACK covered only in part (its last octet,
 * with 4..6) goes again whole when it is resent, not one octet short. */
START_TEST(partly_sacked_segment_resent_whole)
{
	struct tt_conn c;
	struct tt_seg a;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	uint32_t b0 = h0 + 4 * MSS - 1, b1 = h0 + 7 * MSS;
	const uint8_t o[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 10,
				(uint8_t)(b0 >> 24), (uint8_t)(b0 >> 16), (uint8_t)(b0 >> 8), (uint8_t)b0,
				(uint8_t)(b1 >> 24), (uint8_t)(b1 >> 16), (uint8_t)(b1 >> 8), (uint8_t)b1 };
	tt_pseg(&c, &a, TH_ACK, NULL, 0);
	tt_opt_raw(&a, o, sizeof(o));
	tt_in(&a);
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	uint64_t m = drain(h0, &c); /* drain: full segments only */
	ck_assert_uint_eq(m & 0x1, 0x1); /* 0 first */
	tt_advance(RTT);
	tt_pseg(&c, &a, TH_ACK, NULL, 0); /* 0..2 arrived: the hole is 3 */
	a.ack = h0 + 3 * MSS;
	tt_opt_raw(&a, o, sizeof(o));
	tt_in(&a);
	m |= drain(h0, &c);
	ck_assert_uint_eq(m & 0x8, 0x8); /* 3, whole */
	tt_advance(RTT);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* tcp_prr_safeack (RFC 6937bis SafeACK, Linux): 2, 6 and 8 SACKed one
 * ACK at a time; the third starts recovery.  Those ACKs only SACK, so PRR
 * keeps the conservative bound: each sends what it delivered, one segment
 * (RFC 6937's slow start bound would send two). */
static void setup_safeack(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_prr_safeack = 1;
	tt_up(&cfg);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

START_TEST(prr_safeack_conservative_on_sack_only_acks)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	const int b[6] = { 2, 3, 6, 7, 8, 9 };
	sack_in(&c, h0, h0, 1, b);
	sack_in(&c, h0, h0, 2, b);
	tt_expect_none();
	sack_in(&c, h0, h0, 3, b);
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	ck_assert_uint_eq(drain(h0, &c), 0x1); /* 0 only */
	const int b2[6] = { 2, 4, 6, 7, 8, 9 };
	tt_advance(TT_MS);
	sack_in(&c, h0, h0, 3, b2);
	ck_assert_uint_eq(drain(h0, &c), 0x2); /* 1 only */
	tt_advance(RTT);
	sack_in(&c, h0, h0 + MSS, 3, b2); /* 0's retransmission arrived */
	ck_assert_uint_eq(drain(h0, &c) & 0x10, 0x10); /* 4 next */
	tt_advance(RTT);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* tcp_abc_nolimit (Linux): slow start grows by what an ACK delivered.
 * 1 and 2 SACKed by two duplicate ACKs (limited transmit sends 10 and
 * 11); the ACK of 0..2 then delivers one segment, 0: cwnd grows by one
 * SMSS, not by the three it cumulatively acknowledges. */
static void setup_abc_nolimit(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_abc_nolimit = 1;
	tt_up(&cfg);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

START_TEST(abc_nolimit_counts_delivered_not_resacked)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 20);
	struct utcp_tcb *tp = tcp_flow_lookup(tt_h.ctx, TN_HOST_IP, htons(c.hport), TN_PEER_IP,
					      htons(c.pport));
	uint32_t cwnd0 = tp->cwnd;
	sack1(&c, h0, h0, 1, 2);
	expect_seg(h0, 10, &c); /* RFC 3042 */
	sack1(&c, h0, h0, 1, 3);
	expect_seg(h0, 11, &c);
	tt_expect_none();
	sack1(&c, h0, h0 + 3 * MSS, 0, 0);
	ck_assert_uint_eq(tp->cwnd, cwnd0 + MSS);
	ck_assert_uint_eq(drain(h0, &c), 0x3000); /* 12 and 13: flight 9 + 2 = 11 */
	tt_advance(RTT);
	finish(&c, h0 + 14 * MSS, l);
}
END_TEST

/* The same without SACK: the two duplicate ACKs stood for two segments
 * delivered; the ACK of 0..2 adds one SMSS (Linux's delivered count). */
START_TEST(abc_nolimit_counts_dupacks_as_delivered)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS, 20);
	struct utcp_tcb *tp = tcp_flow_lookup(tt_h.ctx, TN_HOST_IP, htons(c.hport), TN_PEER_IP,
					      htons(c.pport));
	uint32_t cwnd0 = tp->cwnd;
	sack_in(&c, h0, h0, 0, NULL);
	expect_seg(h0, 10, &c); /* RFC 3042 */
	sack_in(&c, h0, h0, 0, NULL);
	expect_seg(h0, 11, &c);
	tt_expect_none();
	sack_in(&c, h0, h0 + 3 * MSS, 0, NULL);
	ck_assert_uint_eq(tp->cwnd, cwnd0 + MSS);
	ck_assert_uint_eq(drain(h0, &c), 0x3000);
	tt_advance(RTT);
	finish(&c, h0 + 14 * MSS, l);
}
END_TEST

/* ---- fast recovery's probe (tcp_recovery_probe) ------------------------------------ */

/* 0 is lost, 1..3 SACKed: limited transmit sends 10 and 11, the third
 * duplicate resends 0.  Returns the time of that retransmission. */
static utcp_time_t recovery_with_retransmission(struct tt_conn *c, uint32_t h0, int more)
{
	sack1(c, h0, h0, 1, 2);
	if (more)
		expect_seg(h0, 10, c);
	sack1(c, h0, h0, 1, 3);
	if (more)
		expect_seg(h0, 11, c);
	sack1(c, h0, h0, 1, 4);
	expect_seg(h0, 0, c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	return tt_now();
}

START_TEST(recovery_probe_after_lost_ack)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 20);
	utcp_time_t t = recovery_with_retransmission(&c, h0, 1);
	/* Everything up to 12 arrives, but the one ACK that says so is lost:
	 * the ACK clock stops.  2 * SRTT (20 ms) after the last ACK a probe
	 * goes, new data: 12 (without it, the RTO a second later). */
	ck_assert(tt_timers_until_out());
	ck_assert_uint_le(tt_now() - t, 2 * RTT + RTT / 2);
	expect_seg(h0, 12, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_recovery_probes, 1);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	/* Its ACK covers everything: recovery ends, the transfer goes on. */
	tt_advance(RTT);
	sack1(&c, h0, h0 + 13 * MSS, 0, 0);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	ck_assert_uint_eq(st()->tcp_retransmits, 1);
	finish(&c, h0 + 13 * MSS, l);
}
END_TEST

START_TEST(recovery_probe_resends_lost_retransmission)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	recovery_with_retransmission(&c, h0, 0);
	/* 4..9 are SACKed over the round trip; the retransmission of 0 is
	 * lost and nothing was sent after it: RACK has no later delivery to
	 * find it lost by (RFC 8985 §6.2 step 5), and nothing new to send. */
	tt_advance(RTT);
	sack1(&c, h0, h0, 1, 10);
	tt_expect_none();
	utcp_time_t t = tt_now();
	/* 2 * SRTT later the probe resends the segment at SND.UNA. */
	ck_assert(tt_timers_until_out());
	ck_assert_uint_le(tt_now() - t, 2 * RTT + RTT / 2);
	expect_seg(h0, 0, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_recovery_probes, 1);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	tt_advance(RTT);
	sack1(&c, h0, h0 + 10 * MSS, 0, 0);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_rto, 0);
	ck_assert_uint_eq(st()->tcp_retransmits, 2);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* With tcp_recovery_probe = 0 (Linux): the RTO, as before. */
static void setup_no_probe(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_recovery_probe = 0;
	tt_up(&cfg);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

START_TEST(recovery_probe_off_waits_for_rto)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 20);
	utcp_time_t t = recovery_with_retransmission(&c, h0, 1);
	struct tt_seg s;
	ck_assert(tt_timers_until_out());
	ck_assert(tt_out(&s));
	ck_assert_uint_ge(tt_now() - t, 200 * TT_MS);
	ck_assert_uint_eq(s.seq, h0); /* the RTO resends 0 */
	ck_assert_uint_eq(st()->tcp_recovery_probes, 0);
	ck_assert_uint_eq(st()->tcp_rto, 1);
	tt_advance(RTT);
	while (tt_out(&s))
		;
	finish(&c, h0 + 12 * MSS, l);
}
END_TEST

/* ---- undo (tcp_undo): a reduction D-SACKs show was spurious (RFC 3708) ------------- */

static struct utcp_tcb *tcb_of(const struct tt_conn *c)
{
	return tcp_flow_lookup(tt_h.ctx, TN_HOST_IP, htons(c->hport), TN_PEER_IP, htons(c->pport));
}

/* Segment 0 is only late: 1..3 arrive before it and the third duplicate
 * ACK resends it; then 0 and 4..9 arrive, a full ACK.  Returns the
 * connection's cwnd and ssthresh before the recovery. */
static uint32_t late_segment_recovery(struct tt_conn *c, uint32_t h0, uint32_t *ssthresh0)
{
	struct utcp_tcb *tp = tcb_of(c);
	uint32_t cwnd0 = tp->cwnd;
	*ssthresh0 = tp->ssthresh;
	sack1(c, h0, h0, 1, 2);
	sack1(c, h0, h0, 1, 3);
	sack1(c, h0, h0, 1, 4);
	expect_seg(h0, 0, c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	ck_assert_uint_lt(tp->ssthresh, *ssthresh0);
	tt_advance(RTT);
	sack1(c, h0, h0 + 10 * MSS, 0, 0);
	ck_assert_uint_lt(tp->cwnd, cwnd0); /* recovery over: cwnd = ssthresh */
	return cwnd0;
}

START_TEST(dsack_undoes_spurious_recovery)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10), ss0;
	uint32_t cwnd0 = late_segment_recovery(&c, h0, &ss0);
	/* The copy of 0 reaches the peer, which reports it as a duplicate
	 * (RFC 2883 §4): every octet the episode resent was D-SACKed, the
	 * reduction was spurious (RFC 3708 §3) and cwnd and ssthresh return
	 * to what they were (RFC 4015 §3). */
	sack1(&c, h0, h0 + 10 * MSS, 0, 1);
	struct utcp_tcb *tp = tcb_of(&c);
	ck_assert_uint_eq(st()->tcp_undos, 1);
	ck_assert_uint_eq(tp->cwnd, cwnd0);
	ck_assert_uint_eq(tp->ssthresh, ss0);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

START_TEST(dsack_elsewhere_keeps_reduction)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10), ss0;
	uint32_t cwnd0 = late_segment_recovery(&c, h0, &ss0);
	struct utcp_tcb *tp = tcb_of(&c);
	uint32_t cwnd1 = tp->cwnd;
	/* A duplicate of 5, which was never resent (the network copied it):
	 * it says nothing about the retransmission of 0. */
	sack1(&c, h0, h0 + 10 * MSS, 5, 6);
	ck_assert_uint_eq(st()->tcp_undos, 0);
	ck_assert_uint_eq(tp->cwnd, cwnd1);
	ck_assert_uint_lt(tp->cwnd, cwnd0);
	/* A window later the record is closed: a late D-SACK of 0 changes
	 * nothing either. */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, pat + 10 * MSS, 2 * MSS), 2 * MSS);
	utcp_ctx_poll(tt_h.ctx);
	expect_seg(h0, 10, &c);
	expect_seg(h0, 11, &c);
	tt_advance(RTT);
	sack1(&c, h0, h0 + 12 * MSS, 0, 1);
	ck_assert_uint_eq(st()->tcp_undos, 0);
	finish(&c, h0 + 12 * MSS, l);
}
END_TEST

START_TEST(dsack_undoes_spurious_timeout)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	struct utcp_tcb *tp = tcb_of(&c);
	uint32_t cwnd0 = tp->cwnd, ss0 = tp->ssthresh;
	/* Every ACK of 0..9 is lost: the timeout resends 0 with cwnd = 1 SMSS. */
	struct tt_seg s;
	ck_assert(tt_timers_until_out());
	ck_assert(tt_out(&s));
	ck_assert_uint_eq(s.seq, h0);
	ck_assert_uint_eq(st()->tcp_rto, 1);
	ck_assert_uint_eq(tp->cwnd, MSS);
	/* The peer had it all: its ACK of 10 segments D-SACKs the copy. */
	tt_advance(RTT);
	sack1(&c, h0, h0 + 10 * MSS, 0, 1);
	ck_assert_uint_eq(st()->tcp_undos, 1);
	ck_assert_uint_ge(tp->cwnd, cwnd0);
	ck_assert_uint_eq(tp->ssthresh, ss0);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

START_TEST(dsack_on_old_ack_undoes)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10), ss0;
	uint32_t cwnd0 = late_segment_recovery(&c, h0, &ss0);
	/* The peer's D-SACK of 0's copy rides an ACK that was overtaken (its
	 * ACK field below SND.UNA): RFC 6675 §5 takes the SACK information of
	 * any ACK, and the reduction is undone all the same. */
	sack1(&c, h0, h0 + 9 * MSS, 0, 1);
	ck_assert_uint_eq(st()->tcp_undos, 1);
	ck_assert_uint_eq(tcb_of(&c)->cwnd, cwnd0);
	ck_assert_uint_eq(tcb_of(&c)->ssthresh, ss0);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

START_TEST(sack_on_old_ack_updates_scoreboard)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10);
	/* 0..3 acknowledged; then an ACK of 0..1 overtaken by that one
	 * arrives, SACKing 5..9: 4 is the only hole.  RFC 6675 §5: the
	 * scoreboard takes the blocks; IsLost(4) (more than (DupThresh - 1) *
	 * SMSS SACKed above it) starts the recovery, which resends 4 alone. */
	sack1(&c, h0, h0 + 4 * MSS, 0, 0);
	tt_expect_none();
	sack1(&c, h0, h0 + 2 * MSS, 5, 10);
	expect_seg(h0, 4, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 1);
	tt_advance(RTT);
	sack1(&c, h0, h0 + 10 * MSS, 0, 0);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

static void setup_no_undo(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_undo = 0;
	tt_up(&cfg);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

START_TEST(undo_off_keeps_reduction)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 10), ss0;
	uint32_t cwnd0 = late_segment_recovery(&c, h0, &ss0);
	sack1(&c, h0, h0 + 10 * MSS, 0, 1);
	ck_assert_uint_eq(st()->tcp_undos, 0);
	ck_assert_uint_lt(tcb_of(&c)->cwnd, cwnd0);
	finish(&c, h0 + 10 * MSS, l);
}
END_TEST

/* ---- tcp_tlp_again: a probe of new data nothing answered, sent again ------------- */

/* 0..7 acknowledged, slow start sends 10..n-1, the whole flight (8..n-1)
 * and its ACKs lost; the PTO sends new segment n as the probe (RFC 8985
 * §7.3).  Returns n; *t is when the probe went. */
static int unanswered_probe(struct tt_conn *c, uint32_t h0, utcp_time_t *t)
{
	sack1(c, h0, h0 + 8 * MSS, 0, 0);
	uint64_t sent = drain(h0, c);
	int n = 64 - __builtin_clzll(sent);
	ck_assert(tt_next_timer());
	expect_seg(h0, n, c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_tlp_probes, 1);
	*t = tt_now();
	return n;
}

/* The peer resets the connection (RST at RCV.NXT): nothing left held. */
static void reset_by_peer(struct tt_conn *c, int l)
{
	struct tt_seg r;
	tt_pseg(c, &r, TH_RST, NULL, 0);
	tt_in(&r);
	while (tt_out(&r))
		;
	tt_ok(utcp_close(tt_h.ctx, c->sock));
	tt_ok(utcp_close(tt_h.ctx, l));
}

START_TEST(tlp_again_resends_unanswered_probe)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 40);
	utcp_time_t t;
	int n = unanswered_probe(&c, h0, &t);
	/* No ACK (the receiver holds its ACK of a lone segment, or it was
	 * lost): 2 * SRTT later n goes again, then 4 * SRTT after that, a
	 * duplicate the receiver acknowledges at once. */
	ck_assert(tt_next_timer());
	ck_assert_uint_eq(tt_now() - t, 2 * RTT);
	expect_seg(h0, n, &c);
	tt_expect_none();
	ck_assert(tt_next_timer());
	ck_assert_uint_eq(tt_now() - t, 2 * RTT + 4 * RTT);
	expect_seg(h0, n, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_tlp_again, 2);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	/* Its ACK: everything arrived, n twice (D-SACK): no loss, no
	 * reduction (§7.4), no timeout. */
	sack1(&c, h0, h0 + (uint32_t)(n + 1) * MSS, n, n + 1);
	ck_assert_uint_eq(st()->tcp_tlp_recoveries, 0);
	ck_assert_uint_eq(st()->tcp_sack_recoveries, 0);
	finish(&c, h0 + (uint32_t)(n + 1) * MSS, l);
	ck_assert_uint_eq(st()->tcp_rto, 0);
}
END_TEST

START_TEST(tlp_again_after_late_ack)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 44);
	utcp_time_t t;
	int n = unanswered_probe(&c, h0, &t);
	/* A late ACK of the flight before the probe (8..n-1 arrived after
	 * all): new data goes, the probe is still unanswered, and nothing
	 * more comes.  The next probe follows 2 * SRTT after that ACK, not
	 * the RTO a second later. */
	tt_advance(RTT / 2);
	sack1(&c, h0, h0 + (uint32_t)n * MSS, 0, 0);
	uint64_t m = drain(h0, &c);
	ck_assert_uint_ne(m, 0);
	int top = 63 - __builtin_clzll(m); /* the highest segment sent */
	utcp_time_t ack_at = tt_now();
	ck_assert(tt_next_timer());
	ck_assert_uint_lt(tt_now() - ack_at, 200 * TT_MS);
	expect_seg(h0, top, &c);
	tt_expect_none();
	ck_assert_uint_eq(st()->tcp_tlp_again, 1);
	ck_assert_uint_eq(st()->tcp_rto, 0);
	reset_by_peer(&c, l);
}
END_TEST

static void setup_no_again(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_tlp_again = 0;
	tt_up(&cfg);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

START_TEST(tlp_again_off_waits_for_rto)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 40);
	utcp_time_t t;
	unanswered_probe(&c, h0, &t);
	/* RFC 8985 §7.3: after the probe, the RTO (1 s at least). */
	ck_assert(tt_next_timer());
	ck_assert_uint_ge(tt_now() - t, 1 * TT_SEC);
	expect_seg(h0, 8, &c);
	ck_assert_uint_eq(st()->tcp_rto, 1);
	ck_assert_uint_eq(st()->tcp_tlp_again, 0);
	reset_by_peer(&c, l);
}
END_TEST

/* ---- RFC 4821 black hole (tcp_mtu_probing) ------------------------------------------- */

static void setup_mtu_probing(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.tcp_mtu_probing = 1;
	tt_up(&cfg);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

/* The next timeout's retransmission: its length. */
static uint32_t rto_resend(uint32_t h0)
{
	struct tt_seg s;
	ck_assert(tt_timers_until_out());
	ck_assert(tt_out(&s));
	tt_expect_none();
	ck_assert_uint_eq(s.seq, h0);
	ck_assert_mem_eq(s.payload, pat, s.len);
	return s.len;
}

/* A path MTU drop without ICMP: every full-sized segment vanishes. */
START_TEST(mtu_blackhole_lowers_mss)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 20);
	ck_assert_uint_eq(rto_resend(h0), MSS); /* timeouts 1 and 2: full size */
	ck_assert_uint_eq(rto_resend(h0), MSS);
	ck_assert_uint_eq(st()->tcp_mtu_blackholes, 0);
	/* The third in a row: a black hole; the MSS falls to tcp_base_mss. */
	ck_assert_uint_eq(rto_resend(h0), 1024);
	ck_assert_uint_eq(st()->tcp_mtu_blackholes, 1);
	ck_assert_uint_eq(st()->tcp_rto, 3);
	/* It gets through: what follows goes in 1024-octet segments. */
	struct tt_seg s;
	c.hnxt = h0 + 1024;
	tt_pack(&c);
	uint32_t top = h0 + 1024;
	for (int i = 0; i < 100 && tt_out(&s); i++) {
		ck_assert_uint_le(s.len, 1024);
		top = SEQ_MAX(top, s.seq + s.len);
	}
	ck_assert_uint_gt(top, h0 + 1024);
	tt_advance(RTT);
	finish(&c, top, l);
}
END_TEST

/* tcp_mtu_probing = 0 (the default): full-sized retransmissions on. */
START_TEST(mtu_blackhole_off_keeps_mss)
{
	struct tt_conn c;
	int l = listen_cc("cubic");
	uint32_t h0 = start_bulk(&c, l, TT_OPT_MSS | TT_OPT_SACK, 20);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(rto_resend(h0), MSS);
	ck_assert_uint_eq(st()->tcp_mtu_blackholes, 0);
	c.hnxt = h0 + MSS;
	tt_pack(&c);
	struct tt_seg s;
	uint32_t top = h0 + MSS;
	for (int i = 0; i < 100 && tt_out(&s); i++)
		top = SEQ_MAX(top, s.seq + s.len);
	tt_advance(RTT);
	finish(&c, top, l);
}
END_TEST

static Suite *suite(void)
{
	Suite *su = suite_create("tcp_recovery");
	TCase *tc = tcase_create("recovery");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sack_dupacks_one_two_three);
	tcase_add_test(tc, sack_holes_retransmitted_once);
	tcase_add_test(tc, newreno_partial_ack);
	tcase_add_test(tc, rack_reordering_timer);
	tcase_add_test(tc, rack_lost_retransmission);
	tcase_add_test(tc, tlp_repairs_tail_loss);
	tcase_add_test(tc, tlp_repairs_last_segment);
	tcase_add_test(tc, tlp_dsack_no_loss);
	tcase_add_test(tc, tlp_sends_new_data);
	tcase_add_test(tc, tlp_probe_is_new_segment);
	tcase_add_test(tc, tlp_probe_is_last_bare_fin);
	tcase_add_test(tc, recovery_probe_after_lost_ack);
	tcase_add_test(tc, recovery_probe_resends_lost_retransmission);
	tcase_add_test(tc, partly_sacked_segment_resent_whole);
	tcase_add_test(tc, dsack_for_duplicates);
	tcase_add_test(tc, no_dsack_without_sack);
	tcase_add_test(tc, restart_window_after_idle);
	tcase_add_test(tc, tcp_congestion_option);
	tcase_add_test(tc, cubic_window_curve);
	tcase_add_test(tc, dsack_undoes_spurious_recovery);
	tcase_add_test(tc, dsack_elsewhere_keeps_reduction);
	tcase_add_test(tc, dsack_undoes_spurious_timeout);
	tcase_add_test(tc, dsack_on_old_ack_undoes);
	tcase_add_test(tc, sack_on_old_ack_updates_scoreboard);
	tcase_add_test(tc, tlp_again_resends_unanswered_probe);
	tcase_add_test(tc, tlp_again_after_late_ack);
	suite_add_tcase(su, tc);
	TCase *tg = tcase_create("no_tlp_again");
	tcase_add_checked_fixture(tg, setup_no_again, teardown);
	tcase_add_test(tg, tlp_again_off_waits_for_rto);
	suite_add_tcase(su, tg);
	TCase *tu = tcase_create("no_undo");
	tcase_add_checked_fixture(tu, setup_no_undo, teardown);
	tcase_add_test(tu, undo_off_keeps_reduction);
	suite_add_tcase(su, tu);
	TCase *ts = tcase_create("prr_safeack");
	tcase_add_checked_fixture(ts, setup_safeack, teardown);
	tcase_add_test(ts, prr_safeack_conservative_on_sack_only_acks);
	suite_add_tcase(su, ts);
	TCase *tn = tcase_create("no_recovery_probe");
	tcase_add_checked_fixture(tn, setup_no_probe, teardown);
	tcase_add_test(tn, recovery_probe_off_waits_for_rto);
	/* RTO recovery (RFC 6675 §5.1) needs the timeout the probe avoids. */
	tcase_add_test(tn, rto_skips_sacked_data);
	tcase_add_test(tn, rto_recovery_lost_retransmission);
	suite_add_tcase(su, tn);
	TCase *tm = tcase_create("mtu_probing");
	tcase_add_checked_fixture(tm, setup_mtu_probing, teardown);
	tcase_add_test(tm, mtu_blackhole_lowers_mss);
	suite_add_tcase(su, tm);
	tcase_add_test(tn, mtu_blackhole_off_keeps_mss);
	TCase *ta = tcase_create("abc_nolimit");
	tcase_add_checked_fixture(ta, setup_abc_nolimit, teardown);
	tcase_add_test(ta, abc_nolimit_counts_delivered_not_resacked);
	tcase_add_test(ta, abc_nolimit_counts_dupacks_as_delivered);
	suite_add_tcase(su, ta);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
