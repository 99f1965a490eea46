/*
 * tests/unit/test_sim_tso.c - the simulated NIC's segmentation offload and
 * receive coalescing (utcp_sim_nic_set_tso, sim/sim_tso.c) as frame traces.
 *
 * Two sim NICs on a link; a TCP frame built here goes in with tx_burst and
 * the far end's rx_burst shows what crossed: a 64 KiB TSO frame on a link
 * of 1500-byte frames arrives as 45 segments with the headers hardware
 * gives them (IPv4 ID + i, lengths, checksums, sequence numbers, CWR on the
 * first, PSH and FIN on the last); on a link of 64 KiB frames it crosses
 * whole and arrives as one coalesced frame; GRO joins in-order segments of
 * one flow in a burst and keeps out-of-order, CWR-marked and foreign ones
 * apart.  teardown() asserts that no buffer leaked.
 */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>
#include <utcp/sim.h>

#include "core/base/bytes.h"
#include "core/wire/wire.h"

#define SEGSZ 1448
#define NSEG 45
#define SEQ0 1000000u
#define ID0 0x1000

static struct utcp_sim_world *w;
static struct utcp_nic *na, *nb;
static struct utcp_sim_link *lnk;
static uint8_t pat[NSEG * SEGSZ];

static void teardown(void)
{
	if (w == NULL)
		return;
	uint64_t leaked = utcp_sim_world_shutdown(w, stderr);
	utcp_sim_world_destroy(w);
	w = NULL;
	ck_assert_uint_eq(leaked, 0);
}

/* A world with one link of frame_mtu; NIC a with TSO (and offload when
 * a_off), NIC b with GRO and offload when b_gro. */
static void make_pair(uint32_t frame_mtu, int a_off, int b_gro)
{
	char err[128];
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.rate = 0;
	p.queue_frames = 0;
	p.latency = 10 * UTCP_NSEC_PER_USEC;
	p.frame_mtu = frame_mtu;
	w = utcp_sim_world_create(1);
	ck_assert_ptr_nonnull(w);
	struct utcp_sim_link *l = lnk = utcp_sim_link_create(w, &p, NULL);
	na = utcp_sim_nic_create(w, NULL, "a", 1, 128, 0, NULL, err, sizeof(err));
	nb = utcp_sim_nic_create(w, NULL, "b", 1, 128, 0, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(na);
	ck_assert_ptr_nonnull(nb);
	ck_assert_int_eq(utcp_sim_link_attach(l, 0, na), 0);
	ck_assert_int_eq(utcp_sim_link_attach(l, 1, nb), 0);
	ck_assert_int_eq(utcp_sim_nic_set_offload(na, a_off), 0);
	ck_assert_int_eq(utcp_sim_nic_set_tso(na, 65535, 0), 0);
	ck_assert_int_eq(utcp_sim_nic_set_offload(nb, b_gro), 0);
	ck_assert_int_eq(utcp_sim_nic_set_tso(nb, 0, b_gro), 0);
	ck_assert(na->caps.offloads & UTCP_NIC_TX_TCP_TSO);
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
}

/* An IPv4 TCP frame from a to b: 10.0.0.1:1000 -> 10.0.0.2:80, segment
 * [seq, seq + len) of pat (offset seq - SEQ0), flags, the TCP checksum
 * left partial (the pseudo-header sum).  In a large buffer when len is
 * more than one segment (then flagged TX_TCP_SEG). */
static struct utcp_pkt *tcp_frame(uint32_t seq, uint32_t len, uint8_t flags, uint16_t id)
{
	struct utcp_pkt *p = len > SEGSZ ? na->ops->alloc_large(na, 0) : utcp_nic_alloc(na, 0);
	ck_assert_ptr_nonnull(p);
	uint8_t *f = p->data, *ip = f + 14, *th = ip + 20;
	memcpy(f, nb->caps.mac, 6);
	memcpy(f + 6, na->caps.mac, 6);
	wr16(f + 12, UTCP_ETH_P_IPV4);
	memset(ip, 0, 40);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(40 + len));
	wr16(ip + 4, id);
	wr16(ip + 6, UTCP_IP_DF);
	ip[8] = 64;
	ip[9] = UTCP_IPPROTO_TCP;
	uint32_t src = htonl(0x0a000001), dst = htonl(0x0a000002);
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(ip, 20, 0));
	memcpy(ip + 10, &ck, 2);
	wr16(th, 1000);
	wr16(th + 2, 80);
	wr32(th + 4, seq);
	wr32(th + 8, 5);
	th[12] = 5 << 4;
	th[13] = flags;
	wr16(th + 14, 1000);
	memcpy(th + 20, pat + (seq - SEQ0), len);
	ck = (uint16_t)~utcp_csum_fold(utcp_csum_pseudo(src, dst, UTCP_IPPROTO_TCP,
							(uint16_t)(20 + len)));
	memcpy(th + 16, &ck, 2);
	p->len = (uint16_t)(54 + len);
	p->l2_len = 14;
	p->l3_len = 20;
	p->ol_flags = UTCP_PKT_TX_TCP_CKSUM;
	if (len > SEGSZ) {
		p->ol_flags |= UTCP_PKT_TX_TCP_SEG;
		p->tso_segsz = SEGSZ;
	}
	return p;
}

static void send_run(struct utcp_pkt **p, uint16_t n)
{
	ck_assert_uint_eq(utcp_nic_tx_burst(na, 0, p, n), n);
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
}

/* The IPv4 header checksum holds and the TCP checksum (when not left to
 * the NIC) sums to zero over the pseudo-header. */
static void check_sums(const struct utcp_pkt *p, int tcp)
{
	const uint8_t *ip = p->data + 14;
	ck_assert_uint_eq(utcp_csum_fold(utcp_csum_partial(ip, 20, 0)), 0);
	if (!tcp)
		return;
	uint32_t src, dst, l4 = rd16(ip + 2) - 20u;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	ck_assert_uint_eq(utcp_csum_fold(utcp_csum_partial(
				  ip + 20, l4, utcp_csum_pseudo(src, dst, UTCP_IPPROTO_TCP,
								 (uint16_t)l4))), 0);
}

/* 64 KiB (45 segments) on a link of 1500-byte frames: 45 wire frames. */
START_TEST(tso_frame_cut_for_a_1500_link)
{
	struct utcp_pkt *rx[64];
	make_pair(1500, 0, 0);
	struct utcp_pkt *p = tcp_frame(SEQ0, NSEG * SEGSZ,
				       0x10 | 0x08 | 0x01 | 0x80 /* ACK PSH FIN CWR */, ID0);
	ck_assert_uint_eq(p->len, 14 + 40 + NSEG * SEGSZ);
	send_run(&p, 1);
	uint16_t n = utcp_nic_rx_burst(nb, 0, rx, 64);
	ck_assert_uint_eq(n, NSEG);
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *ip = rx[i]->data + 14, *th = ip + 20;
		ck_assert_uint_eq(rx[i]->len, 14 + 40 + SEGSZ);
		ck_assert_uint_eq(rd16(ip + 2), 40 + SEGSZ);
		ck_assert_uint_eq(rd16(ip + 4), ID0 + i);
		ck_assert_uint_eq(rd16(ip + 6), UTCP_IP_DF);
		ck_assert_uint_eq(rd32(th + 4), SEQ0 + (uint32_t)i * SEGSZ);
		ck_assert_uint_eq(rd32(th + 8), 5);
		uint8_t want = 0x10;
		if (i == 0)
			want |= 0x80;
		if (i == n - 1)
			want |= 0x08 | 0x01;
		ck_assert_uint_eq(th[13], want);
		ck_assert(!(rx[i]->ol_flags & UTCP_PKT_RX_LRO));
		check_sums(rx[i], 1); /* b has no offload: the sums are finished */
		ck_assert_mem_eq(th + 20, pat + (size_t)i * SEGSZ, SEGSZ);
		utcp_nic_free(nb, rx[i]);
	}
	struct utcp_sim_link_stats ls;
	ck_assert_int_eq(utcp_sim_link_get_stats(lnk, 0, &ls), 0);
	ck_assert_uint_eq(ls.tx_frames, NSEG);
	teardown();
}
END_TEST

/* A last segment shorter than the others. */
START_TEST(tso_short_tail)
{
	struct utcp_pkt *rx[8];
	make_pair(1500, 1, 0);
	struct utcp_pkt *p = tcp_frame(SEQ0, 2 * SEGSZ + 100, 0x10, ID0);
	send_run(&p, 1);
	uint16_t n = utcp_nic_rx_burst(nb, 0, rx, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(rx[2]->len, 54 + 100);
	ck_assert_uint_eq(rd32(rx[2]->data + 34 + 4), SEQ0 + 2 * SEGSZ);
	for (uint16_t i = 0; i < n; i++)
		utcp_nic_free(nb, rx[i]);
	teardown();
}
END_TEST

/* A link of 64 KiB frames (frame_mtu 0, as loopback) carries the frame
 * whole: one frame, marked as the segments it holds. */
START_TEST(tso_frame_crosses_whole)
{
	struct utcp_pkt *rx[4];
	make_pair(0, 1, 0);
	struct utcp_pkt *p = tcp_frame(SEQ0, NSEG * SEGSZ, 0x10, ID0);
	send_run(&p, 1);
	ck_assert_uint_eq(utcp_nic_rx_burst(nb, 0, rx, 4), 1);
	ck_assert(rx[0]->ol_flags & UTCP_PKT_RX_LRO);
	ck_assert_uint_eq(rx[0]->tso_segsz, SEGSZ);
	ck_assert_uint_eq(rx[0]->lro_segs, NSEG);
	ck_assert_uint_eq(rx[0]->len, 54 + NSEG * SEGSZ);
	check_sums(rx[0], 1); /* b without offload finished the whole sum */
	utcp_nic_free(nb, rx[0]);
	teardown();
}
END_TEST

/* GRO: segments 0, 1, 2 in order join; 4 (a gap before it) stays apart;
 * 5 carries CWR and stays apart; 6 and 7 (PSH) join and close; 8 stays
 * apart. */
START_TEST(gro_joins_in_order_segments_only)
{
	struct utcp_pkt *tx[10], *rx[16];
	make_pair(1500, 1, 1);
	uint8_t fl[9] = { 0x10, 0x10, 0x10, 0, 0x10, 0x90, 0x10, 0x18, 0x10 };
	uint16_t n = 0;
	for (int k = 0; k < 9; k++)
		if (k != 3)
			tx[n++] = tcp_frame(SEQ0 + (uint32_t)k * SEGSZ, SEGSZ, fl[k], (uint16_t)(ID0 + k));
	send_run(tx, n);
	uint16_t got = utcp_nic_rx_burst(nb, 0, rx, 16);
	uint32_t want_seq[5] = { 0, 4, 5, 6, 8 }, want_segs[5] = { 3, 1, 1, 2, 1 };
	ck_assert_uint_eq(got, 5);
	for (int i = 0; i < 5; i++) {
		const uint8_t *ip = rx[i]->data + 14, *th = ip + 20;
		ck_assert_uint_eq(rd32(th + 4), SEQ0 + want_seq[i] * SEGSZ);
		ck_assert_uint_eq(rx[i]->len, 54 + want_segs[i] * SEGSZ);
		ck_assert_uint_eq(rd16(ip + 2), 40 + want_segs[i] * SEGSZ);
		check_sums(rx[i], 0);
		ck_assert(rx[i]->ol_flags & UTCP_PKT_RX_L4_CKSUM_GOOD);
		if (want_segs[i] > 1) {
			ck_assert(rx[i]->ol_flags & UTCP_PKT_RX_LRO);
			ck_assert_uint_eq(rx[i]->lro_segs, want_segs[i]);
			ck_assert_uint_eq(rx[i]->tso_segsz, SEGSZ);
		} else {
			ck_assert(!(rx[i]->ol_flags & UTCP_PKT_RX_LRO));
		}
		ck_assert_mem_eq(th + 20, pat + want_seq[i] * SEGSZ, want_segs[i] * SEGSZ);
		utcp_nic_free(nb, rx[i]);
	}
	teardown();
}
END_TEST

/* Without checksum offload the NIC has verified nothing: no joining. */
START_TEST(gro_needs_verified_checksums)
{
	struct utcp_pkt *tx[3], *rx[4];
	make_pair(1500, 1, 1);
	ck_assert_int_eq(utcp_sim_nic_set_offload(nb, 0), 0);
	ck_assert(nb->caps.offloads & UTCP_NIC_RX_TCP_LRO);
	for (int k = 0; k < 3; k++)
		tx[k] = tcp_frame(SEQ0 + (uint32_t)k * SEGSZ, SEGSZ, 0x10, (uint16_t)(ID0 + k));
	send_run(tx, 3);
	ck_assert_uint_eq(utcp_nic_rx_burst(nb, 0, rx, 4), 3);
	for (int i = 0; i < 3; i++)
		utcp_nic_free(nb, rx[i]);
	teardown();
}
END_TEST

START_TEST(set_tso_checks_its_arguments)
{
	make_pair(0, 0, 0);
	ck_assert_int_eq(utcp_sim_nic_set_tso(na, 70000, 0), -1);
	ck_assert_int_eq(utcp_sim_nic_set_tso(na, 1000, 0), -1);
	ck_assert_int_eq(utcp_sim_nic_set_tso(na, 0, 0), 0);
	ck_assert(!(na->caps.offloads & UTCP_NIC_TX_TCP_TSO));
	ck_assert_ptr_null(na->ops->alloc_large(na, 0));
	teardown();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim_tso");
	TCase *tc = tcase_create("tso");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, tso_frame_cut_for_a_1500_link);
	tcase_add_test(tc, tso_short_tail);
	tcase_add_test(tc, tso_frame_crosses_whole);
	tcase_add_test(tc, gro_joins_in_order_segments_only);
	tcase_add_test(tc, gro_needs_verified_checksums);
	tcase_add_test(tc, set_tso_checks_its_arguments);
	suite_add_tcase(s, tc);
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
