/*
 * tests/unit/test_fault.c - the fault-injection middleware (nic/mw/fault.c).
 *
 * A loopback NIC (tests/unit/loopnic.h, virtual clock) is wrapped in
 * utcp_fault_wrap(); tagged frames are sent and received through the wrapper
 * and the test checks what came out: the loss rate, exact determinism for a
 * seed, duplicates, single-byte corruption (after finishing the checksums a
 * frame left to the NIC; dropping the NIC's verdict on a received one),
 * pairwise reordering, delays that
 * wait() wakes up for, the receive direction, and that every held frame is
 * freed on close (the loopback counts leaked buffers).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/nic.h>

#include "core/wire/wire.h"
#include "tests/unit/loopnic.h"

static struct loop_nic loop;

static void setup(void)
{
	ck_assert_int_eq(loop_init(&loop), 0);
}

static void teardown(void)
{
	if (!loop.closed)
		utcp_nic_close(&loop.nic);
	ck_assert_uint_eq(loop.leaked, 0); /* no packet buffer leaked */
}

static struct utcp_nic *wrap(const struct utcp_fault_params *fp)
{
	char err[128];
	struct utcp_nic *nic = utcp_fault_wrap(&loop.nic, fp, err, sizeof(err));
	ck_assert_msg(nic != NULL, "%s", err);
	return nic;
}

static void send_tags(struct utcp_nic *nic, uint32_t first, uint16_t n)
{
	struct utcp_pkt *p[64];
	ck_assert_uint_le(n, 64);
	for (uint16_t i = 0; i < n; i++)
		ck_assert_ptr_nonnull(p[i] = loop_frame(&loop, 64, first + i));
	ck_assert_uint_eq(utcp_nic_tx_burst(nic, 0, p, n), n);
}

/* Receive everything due now; tags into out[], frames freed. */
static int recv_tags(struct utcp_nic *nic, uint32_t *out, int max)
{
	struct utcp_pkt *p[64];
	int n = 0;
	uint16_t got;
	while ((got = utcp_nic_rx_burst(nic, 0, p, 64)) > 0) {
		for (uint16_t i = 0; i < got; i++) {
			if (n < max)
				out[n++] = loop_tag(p[i]);
			utcp_nic_free(nic, p[i]);
		}
	}
	return n;
}

/* FNV-1a over every frame received, in order, for determinism checks. */
static uint64_t recv_hash(struct utcp_nic *nic, uint64_t h, int *count)
{
	struct utcp_pkt *p[64];
	uint16_t got;
	while ((got = utcp_nic_rx_burst(nic, 0, p, 64)) > 0) {
		for (uint16_t i = 0; i < got; i++) {
			for (uint16_t b = 0; b < p[i]->len; b++)
				h = (h ^ p[i]->data[b]) * 0x100000001b3ull;
			(*count)++;
			utcp_nic_free(nic, p[i]);
		}
	}
	return h;
}

/* Impairments act per wire frame: the wrapper offers no TSO (a frame of
 * 45 segments lost as one would be a burst no link makes); the lower NIC's
 * other offloads, receive coalescing included, are passed on. */
START_TEST(test_no_tso_through_the_wrapper)
{
	struct utcp_fault_params fp = { .loss = 0.1, .seed = 1 };
	loop.nic.caps.offloads = UTCP_NIC_TX_TCP_TSO | UTCP_NIC_RX_TCP_LRO | UTCP_NIC_TX_TCP_CKSUM;
	struct utcp_nic *nic = wrap(&fp);
	ck_assert_uint_eq(nic->caps.offloads, UTCP_NIC_RX_TCP_LRO | UTCP_NIC_TX_TCP_CKSUM);
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_loss_rate_near_p)
{
	struct utcp_fault_params fp = { .loss = 0.1, .seed = 42, .tx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	static uint32_t tags[10000];
	int n = 0;
	for (uint32_t i = 0; i < 10000; i += 50) {
		send_tags(nic, i, 50);
		n += recv_tags(nic, tags + n, 10000 - n);
	}
	ck_assert_int_ge(n, 8800); /* mean 9000, sd 30 */
	ck_assert_int_le(n, 9200);
	for (int i = 1; i < n; i++)
		ck_assert_uint_gt(tags[i], tags[i - 1]); /* loss alone keeps order */
	struct utcp_fault_stats st;
	ck_assert_int_eq(utcp_fault_get_stats(nic, &st), 0);
	ck_assert_uint_eq(st.dropped, 10000 - (uint64_t)n);
	ck_assert_uint_eq(st.duplicated + st.reordered + st.corrupted + st.delayed, 0);
	utcp_nic_close(nic);
}
END_TEST

/* Everything at once, on both directions; returns a digest of the output. */
static uint64_t mixed_run(uint64_t seed, int *count, struct utcp_fault_stats *st)
{
	struct utcp_fault_params fp = {
		.loss = 0.05, .burst_loss = 0.01, .burst_len = 3, .reorder = 0.05,
		.dup = 0.05, .corrupt = 0.05, .delay = 20000, .jitter = 30000, .seed = seed,
	};
	if (loop.closed) /* the fixture's loopback was used by the previous run */
		ck_assert_int_eq(loop_init(&loop), 0);
	struct utcp_nic *nic = wrap(&fp);
	uint64_t h = 0xcbf29ce484222325ull;
	*count = 0;
	for (uint32_t i = 0; i < 2000; i += 20) {
		loop.now += 7000;
		send_tags(nic, i, 20);
		h = recv_hash(nic, h, count);
	}
	loop.now += UTCP_NSEC_PER_SEC; /* let every held frame out */
	utcp_nic_wait(nic, 0, loop.now);
	h = recv_hash(nic, h, count);
	loop.now += UTCP_NSEC_PER_SEC; /* frames the rx side held back */
	h = recv_hash(nic, h, count);
	ck_assert_int_eq(utcp_fault_get_stats(nic, st), 0);
	utcp_nic_close(nic);
	ck_assert_uint_eq(loop.leaked, 0);
	return h;
}

START_TEST(test_same_seed_same_frames)
{
	struct utcp_fault_stats a, b, c;
	int na, nb, nc;
	uint64_t ha = mixed_run(7, &na, &a);
	uint64_t hb = mixed_run(7, &nb, &b);
	uint64_t hc = mixed_run(8, &nc, &c);
	ck_assert_uint_eq(ha, hb);
	ck_assert_int_eq(na, nb);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	ck_assert_uint_ne(ha, hc);
	/* Every kind of impairment happened, and the count adds up (the stats
	 * sum both directions: frames out = in - dropped + duplicated). */
	ck_assert(a.dropped && a.duplicated && a.corrupted && a.reordered && a.delayed);
	ck_assert_int_eq(na, (int)(2000 - a.dropped + a.duplicated));
}
END_TEST

START_TEST(test_dup_delivers_every_frame_twice)
{
	struct utcp_fault_params fp = { .dup = 1.0, .seed = 1 };
	struct utcp_nic *nic = wrap(&fp);
	uint32_t tags[16];
	send_tags(nic, 100, 4);
	/* tx duplicates each frame, and rx each copy again: 4 x 2 x 2 */
	ck_assert_int_eq(recv_tags(nic, tags, 16), 16);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(tags[i], 100 + i / 4);
	struct utcp_fault_stats st;
	utcp_fault_get_stats(nic, &st);
	ck_assert_uint_eq(st.duplicated, 4 + 8);
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_corrupt_flips_exactly_one_byte)
{
	struct utcp_fault_params fp = { .corrupt = 1.0, .seed = 3, .tx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	for (uint32_t t = 0; t < 50; t++) {
		struct utcp_pkt *ref = loop_frame(&loop, 200, t);
		struct utcp_pkt *p = loop_frame(&loop, 200, t);
		ck_assert_uint_eq(utcp_nic_tx_burst(nic, 0, &p, 1), 1);
		ck_assert_uint_eq(utcp_nic_rx_burst(nic, 0, &p, 1), 1);
		int diff = 0;
		for (int b = 0; b < 200; b++)
			diff += p->data[b] != ref->data[b];
		ck_assert_int_eq(diff, 1);
		utcp_nic_free(nic, p);
		utcp_nic_free(nic, ref);
	}
	struct utcp_fault_stats st;
	utcp_fault_get_stats(nic, &st);
	ck_assert_uint_eq(st.corrupted, 50);
	utcp_nic_close(nic);
}
END_TEST

/* An IPv4/TCP frame with 100 payload bytes whose checksums are left to the
 * NIC, as the core builds it on an offloading device: IP checksum 0, TCP
 * checksum field = the pseudo-header sum, not complemented. */
static struct utcp_pkt *offload_frame(uint32_t tag)
{
	struct utcp_pkt *p = loop_frame(&loop, 14 + 20 + 20 + 100, tag);
	uint8_t *ip = p->data + 14, *th = ip + 20;
	uint32_t src = htonl(0x0a000001), dst = htonl(0x0a000002);
	memset(ip, 0, 140);
	p->data[12] = 0x08, p->data[13] = 0x00;
	ip[0] = 0x45, ip[3] = 140, ip[8] = 64, ip[9] = UTCP_IPPROTO_TCP;
	memcpy(ip + 12, &src, 4), memcpy(ip + 16, &dst, 4);
	th[12] = 5 << 4, th[13] = 0x18;
	for (int i = 0; i < 100; i++)
		th[20 + i] = (uint8_t)(tag + i);
	uint16_t pseudo = (uint16_t)~utcp_csum_fold(utcp_csum_pseudo(src, dst, UTCP_IPPROTO_TCP, 120));
	memcpy(th + 16, &pseudo, 2);
	p->l2_len = 14, p->l3_len = 20;
	p->ol_flags = UTCP_PKT_TX_IP_CKSUM | UTCP_PKT_TX_TCP_CKSUM;
	return p;
}

START_TEST(test_corrupt_on_transmit_finishes_offloaded_checksums_first)
{
	struct utcp_fault_params fp = { .corrupt = 1.0, .seed = 5, .tx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	for (uint32_t t = 0; t < 20; t++) {
		struct utcp_pkt *p = offload_frame(t);
		/* what a NIC would have sent: both checksums filled in */
		uint8_t want[154];
		memcpy(want, p->data, sizeof(want));
		uint16_t ipck = utcp_csum_fold(utcp_csum_partial(want + 14, 20, 0));
		memcpy(want + 24, &ipck, 2);
		uint16_t tcpck = utcp_csum_fold(utcp_csum_partial(want + 34, 120, 0));
		memcpy(want + 50, &tcpck, 2);
		ck_assert_uint_eq(utcp_nic_tx_burst(nic, 0, &p, 1), 1);
		ck_assert_uint_eq(utcp_nic_rx_burst(nic, 0, &p, 1), 1);
		ck_assert_uint_eq(p->ol_flags & (UTCP_PKT_TX_IP_CKSUM | UTCP_PKT_TX_TCP_CKSUM), 0);
		int diff = 0; /* the sums came first, then one byte was flipped */
		for (int i = 0; i < 154; i++)
			diff += p->data[i] != want[i];
		ck_assert_int_eq(diff, 1);
		utcp_nic_free(nic, p);
	}
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_corrupt_on_receive_drops_the_nic_checksum_verdict)
{
	struct utcp_fault_params fp = { .corrupt = 1.0, .seed = 6, .rx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	struct utcp_pkt *p = loop_frame(&loop, 100, 1);
	p->ol_flags = UTCP_PKT_RX_IP_CKSUM_GOOD | UTCP_PKT_RX_L4_CKSUM_GOOD | UTCP_PKT_RX_RSS_HASH;
	loop_push(&loop, p);
	ck_assert_uint_eq(utcp_nic_rx_burst(nic, 0, &p, 1), 1);
	ck_assert_uint_eq(p->ol_flags, UTCP_PKT_RX_RSS_HASH); /* the stack must verify again */
	utcp_nic_free(nic, p);
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_reorder_swaps_each_pair)
{
	struct utcp_fault_params fp = { .reorder = 1.0, .seed = 5, .tx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	uint32_t tags[8];
	send_tags(nic, 0, 6);
	/* 0 is held, 1 overtakes it and releases it; 2 is held, 3 ... */
	ck_assert_int_eq(recv_tags(nic, tags, 8), 6);
	const uint32_t want[6] = { 1, 0, 3, 2, 5, 4 };
	ck_assert_mem_eq(tags, want, sizeof(want));
	struct utcp_fault_stats st;
	utcp_fault_get_stats(nic, &st);
	ck_assert_uint_eq(st.reordered, 3);
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_reordered_frame_leaves_alone_after_bounded_time)
{
	struct utcp_fault_params fp = { .reorder = 1.0, .seed = 5, .tx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	uint32_t tag;
	loop.now = 1000;
	send_tags(nic, 9, 1);
	ck_assert_int_eq(recv_tags(nic, &tag, 1), 0); /* held, nobody overtakes */
	ck_assert_int_eq(utcp_nic_wait(nic, 0, UTCP_TIME_NEVER), 1);
	ck_assert_uint_eq(loop.last_deadline, 1000 + UTCP_NSEC_PER_MSEC);
	loop.now = 1000 + UTCP_NSEC_PER_MSEC;
	ck_assert_int_eq(recv_tags(nic, &tag, 1), 1);
	ck_assert_uint_eq(tag, 9);
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_delay_holds_until_due_and_wait_wakes_for_it)
{
	struct utcp_fault_params fp = { .delay = 100000, .seed = 1, .tx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	uint32_t tag;
	loop.now = 5000;
	send_tags(nic, 77, 1);
	ck_assert_uint_eq(loop.tx_pkts, 0); /* still in the delay line */
	/* wait() caps the caller's deadline at the frame's release time */
	ck_assert_int_eq(utcp_nic_wait(nic, 0, UTCP_TIME_NEVER), 1);
	ck_assert_uint_eq(loop.last_deadline, 105000);
	/* an earlier caller deadline wins, and is reported as such */
	ck_assert_int_eq(utcp_nic_wait(nic, 0, 50000), 0);
	ck_assert_uint_eq(loop.last_deadline, 50000);
	loop.now = 104999;
	ck_assert_int_eq(recv_tags(nic, &tag, 1), 0);
	loop.now = 105000;
	ck_assert_int_eq(recv_tags(nic, &tag, 1), 1);
	ck_assert_uint_eq(tag, 77);
	struct utcp_fault_stats st;
	utcp_fault_get_stats(nic, &st);
	ck_assert_uint_eq(st.delayed, 1);
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_jitter_delays_within_bound_and_keeps_order)
{
	struct utcp_fault_params fp = { .delay = 10000, .jitter = 50000, .seed = 11, .tx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	uint32_t tags[200];
	int n = 0;
	send_tags(nic, 0, 50);
	send_tags(nic, 50, 50);
	for (loop.now = 0; loop.now <= 60000; loop.now += 1000) {
		int got = recv_tags(nic, tags + n, 200 - n);
		if (loop.now < 10000)
			ck_assert_int_eq(got, 0);
		n += got;
	}
	ck_assert_int_eq(n, 100); /* all out by delay + jitter */
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(tags[i], (uint32_t)i);
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_rx_direction_delays_received_frames)
{
	struct utcp_fault_params fp = { .delay = 50000, .seed = 2, .rx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	uint32_t tags[4];
	/* frames arriving from the wire: straight into the loopback's ring */
	for (uint32_t t = 0; t < 3; t++)
		loop_push(&loop, loop_frame(&loop, 60, t));
	ck_assert_int_eq(recv_tags(nic, tags, 4), 0);
	ck_assert_uint_eq(loop.count, 0); /* pulled into the rx delay line */
	ck_assert_int_eq(utcp_nic_wait(nic, 0, UTCP_TIME_NEVER), 1);
	ck_assert_uint_eq(loop.last_deadline, 50000);
	loop.now = 50000;
	ck_assert_int_eq(utcp_nic_wait(nic, 0, UTCP_TIME_NEVER), 1);
	ck_assert_int_eq(recv_tags(nic, tags, 4), 3);
	ck_assert_uint_eq(tags[2], 2);
	/* transmit is untouched in this direction */
	send_tags(nic, 9, 1);
	ck_assert_uint_eq(loop.tx_pkts, 1);
	ck_assert_int_eq(recv_tags(nic, tags, 4), 0); /* it now waits in the rx line */
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_lower_refusal_keeps_frames_for_later)
{
	struct utcp_fault_params fp = { .delay = 1, .seed = 2, .tx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	uint32_t tags[8];
	loop.tx_room = 2;
	send_tags(nic, 0, 5); /* all taken into the line */
	loop.now = 10;
	ck_assert_int_eq(recv_tags(nic, tags, 8), 2); /* lower took two */
	ck_assert_int_eq(utcp_nic_wait(nic, 0, UTCP_TIME_NEVER), 1);
	ck_assert_uint_eq(loop.last_deadline, 10 + 10000); /* retry soon */
	loop.tx_room = UINT32_MAX;
	ck_assert_int_eq(recv_tags(nic, tags + 2, 6), 3);
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(tags[i], (uint32_t)i);
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_full_line_refuses_and_close_frees_held)
{
	struct utcp_fault_params fp = { .delay = UTCP_NSEC_PER_SEC, .reorder = 0.3, .seed = 4 };
	struct utcp_nic *nic = wrap(&fp);
	struct utcp_pkt *p[64];
	unsigned taken = 0;
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 64; i++)
			p[i] = loop_frame(&loop, 60, (uint32_t)i);
		uint16_t ok = utcp_nic_tx_burst(nic, 0, p, 64);
		taken += ok;
		for (int i = ok; i < 64; i++) /* refused: still ours */
			utcp_nic_free(nic, p[i]);
	}
	ck_assert_uint_lt(taken, 40 * 64);
	ck_assert_uint_ge(taken, 1000);
	/* rx side holds frames too */
	for (uint32_t t = 0; t < 10; t++)
		loop_push(&loop, loop_frame(&loop, 60, t));
	ck_assert_uint_eq(utcp_nic_rx_burst(nic, 0, p, 64), 0);
	utcp_nic_close(nic); /* teardown: nothing leaked */
}
END_TEST

START_TEST(test_full_rx_line_drops_tail)
{
	struct utcp_fault_params fp = { .delay = UTCP_NSEC_PER_SEC, .seed = 4, .rx = 1 };
	struct utcp_nic *nic = wrap(&fp);
	struct utcp_pkt *p[64];
	for (uint32_t t = 0; t < 1100; t++)
		loop_push(&loop, loop_frame(&loop, 60, t));
	for (int i = 0; i < 20; i++)
		ck_assert_uint_eq(utcp_nic_rx_burst(nic, 0, p, 64), 0);
	ck_assert_uint_eq(loop.count, 0); /* nothing left waiting below */
	struct utcp_fault_stats st;
	utcp_fault_get_stats(nic, &st);
	ck_assert_uint_ge(st.dropped, 1100 - 1024);
	ck_assert_uint_le(st.dropped, 1100 - 1000);
	loop.now = UTCP_NSEC_PER_SEC;
	uint32_t tags[1100];
	int n = recv_tags(nic, tags, 1100);
	ck_assert_int_eq(n, 1100 - (int)st.dropped);
	for (int i = 0; i < n; i++)
		ck_assert_uint_eq(tags[i], (uint32_t)i); /* the head got in, the tail was lost */
	utcp_nic_close(nic);
}
END_TEST

START_TEST(test_stats_found_under_pcap)
{
	char err[128];
	struct utcp_fault_params fp = { .loss = 1.0, .seed = 1 };
	struct utcp_fault_stats st;
	errno = 0;
	ck_assert_int_eq(utcp_fault_get_stats(&loop.nic, &st), -1);
	ck_assert_int_eq(errno, EINVAL);
	struct utcp_nic *f = wrap(&fp);
	struct utcp_nic *top = utcp_pcap_wrap(f, "/dev/null", 0, err, sizeof(err));
	ck_assert_msg(top != NULL, "%s", err);
	send_tags(top, 0, 3);
	ck_assert_int_eq(utcp_fault_get_stats(top, &st), 0);
	ck_assert_uint_eq(st.dropped, 3);
	utcp_nic_close(top);
	ck_assert(loop.closed);
}
END_TEST

START_TEST(test_parse_keys)
{
	struct utcp_fault_params fp;
	memset(&fp, 0, sizeof(fp));
	ck_assert_int_eq(utcp_fault_parse(&fp, "loss", "0.01"), 0);
	ck_assert(fp.loss == 0.01);
	ck_assert_int_eq(utcp_fault_parse(&fp, "loss", "2%"), 0);
	ck_assert(fp.loss == 0.02);
	ck_assert_int_eq(utcp_fault_parse(&fp, "burst_loss", "0.001"), 0);
	ck_assert_int_eq(utcp_fault_parse(&fp, "burst_len", "4"), 0);
	ck_assert(fp.burst_len == 4.0);
	ck_assert_int_eq(utcp_fault_parse(&fp, "reorder", "0.5"), 0);
	ck_assert_int_eq(utcp_fault_parse(&fp, "dup", "0.25"), 0);
	ck_assert_int_eq(utcp_fault_parse(&fp, "corrupt", "1"), 0);
	ck_assert_int_eq(utcp_fault_parse(&fp, "delay_us", "250"), 0);
	ck_assert_uint_eq(fp.delay, 250000);
	ck_assert_int_eq(utcp_fault_parse(&fp, "jitter_us", "1.5"), 0);
	ck_assert_uint_eq(fp.jitter, 1500);
	ck_assert_int_eq(utcp_fault_parse(&fp, "seed", "0xdeadbeef"), 0);
	ck_assert_uint_eq(fp.seed, 0xdeadbeef);
	ck_assert_int_eq(utcp_fault_parse(&fp, "fault_dup", "0.125"), 0);
	ck_assert(fp.dup == 0.125);
	ck_assert_int_eq(utcp_fault_parse(&fp, "rx", "1"), 0);
	ck_assert_int_eq(fp.rx, 1);

	errno = 0;
	ck_assert_int_eq(utcp_fault_parse(&fp, "loss", "1.5"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(utcp_fault_parse(&fp, "loss", "abc"), -1);
	ck_assert_int_eq(utcp_fault_parse(&fp, "dup", ""), -1);
	ck_assert_int_eq(utcp_fault_parse(&fp, "burst_len", "0.5"), -1);
	ck_assert_int_eq(utcp_fault_parse(&fp, "delay_us", "-1"), -1);
	ck_assert_int_eq(utcp_fault_parse(&fp, "seed", "12x"), -1);
	errno = 0;
	ck_assert_int_eq(utcp_fault_parse(&fp, "lossy", "0.1"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(fp.loss == 0.02); /* failed parses change nothing */
}
END_TEST

START_TEST(test_wrap_rejects_bad_params)
{
	char err[128] = "";
	struct utcp_fault_params fp = { .loss = -0.5 };
	ck_assert_ptr_null(utcp_fault_wrap(&loop.nic, &fp, err, sizeof(err)));
	ck_assert_msg(strstr(err, "probability") != NULL, "%s", err);
	ck_assert(!loop.closed);
}
END_TEST

static Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("impair");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_tso_through_the_wrapper);
	tcase_add_test(tc, test_loss_rate_near_p);
	tcase_add_test(tc, test_same_seed_same_frames);
	tcase_add_test(tc, test_dup_delivers_every_frame_twice);
	tcase_add_test(tc, test_corrupt_flips_exactly_one_byte);
	tcase_add_test(tc, test_corrupt_on_transmit_finishes_offloaded_checksums_first);
	tcase_add_test(tc, test_corrupt_on_receive_drops_the_nic_checksum_verdict);
	tcase_add_test(tc, test_reorder_swaps_each_pair);
	tcase_add_test(tc, test_reordered_frame_leaves_alone_after_bounded_time);
	tcase_add_test(tc, test_delay_holds_until_due_and_wait_wakes_for_it);
	tcase_add_test(tc, test_jitter_delays_within_bound_and_keeps_order);
	tcase_add_test(tc, test_rx_direction_delays_received_frames);
	tcase_add_test(tc, test_lower_refusal_keeps_frames_for_later);
	tcase_add_test(tc, test_full_line_refuses_and_close_frees_held);
	tcase_add_test(tc, test_full_rx_line_drops_tail);
	tcase_add_test(tc, test_stats_found_under_pcap);
	tcase_add_test(tc, test_parse_keys);
	tcase_add_test(tc, test_wrap_rejects_bad_params);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fault_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
