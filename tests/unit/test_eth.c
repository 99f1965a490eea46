/*
 * tests/unit/test_eth.c - Ethernet II input filtering and output framing.
 *
 * Frames are injected into the test NIC and the context polled: what is ours
 * (our MAC or broadcast, EtherType ARP or IPv4) goes up; the rest is dropped
 * under exactly one counter.  The fixture asserts no buffer leaked.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/net.h"
#include "tests/unit/testnic.h"

static struct tn_host h;
static uint8_t f[TN_FRAME_MAX], want[TN_FRAME_MAX];

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(h.ctx);
}

static void setup(void)
{
	struct utcp_config c;

	tn_host_config(&c);
	tn_host_up(&h, &c, 1);
}

static void teardown(void)
{
	tn_host_down(&h);
}

static void rx(const uint8_t *frame, size_t len)
{
	ck_assert_int_eq(tn_inject(h.nic, 0, frame, len), 0);
	utcp_ctx_poll(h.ctx);
}

/* Exactly one counter moved, by one, and nothing was sent or kept. */
static void expect_one_drop(const uint64_t *counter)
{
	ck_assert_uint_eq(*counter, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}

START_TEST(truncated_header)
{
	static const size_t lens[] = { 0, 1, 6, 12, 13 };

	tn_eth(f, tn_host_mac, tn_peer_mac, 0x0800);
	rx(f, lens[_i]);
	ck_assert_uint_eq(st()->rx_frames, 1);
	expect_one_drop(&st()->drop_eth_short);
}
END_TEST

START_TEST(header_only_goes_up)
{
	/* 14 bytes is a frame; its empty IPv4 payload is IPv4's problem. */
	rx(f, tn_eth(f, tn_host_mac, tn_peer_mac, 0x0800));
	expect_one_drop(&st()->drop_ip_short);
	rx(f, tn_eth(f, tn_bcast, tn_peer_mac, 0x0806));
	ck_assert_uint_eq(st()->drop_arp_short, 1);
}
END_TEST

START_TEST(other_unicast_dropped)
{
	static const uint8_t other[6] = { 0x02, 0, 0, 0, 0, 0x09 };
	size_t len = tn_arp(f, other, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
			    TN_HOST_IP);

	rx(f, len);
	expect_one_drop(&st()->drop_eth_dst);
	ck_assert_uint_eq(st()->arp_rx, 0);
}
END_TEST

START_TEST(multicast_dropped)
{
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	rx(f, tn_icmp_echo(f, mcast, tn_peer_mac, TN_PEER_IP, TN_IP(224, 0, 0, 1), 8, 1, 1, "", 0));
	expect_one_drop(&st()->drop_eth_dst);
}
END_TEST

START_TEST(unknown_ethertypes_dropped)
{
	static const uint16_t types[] = { 0x86dd /* IPv6 */, 0x8100 /* VLAN */, 0x8035 /* RARP */,
					  0x0060 /* 802.3 length */, 0x88cc /* LLDP */ };

	tn_eth(f, tn_host_mac, tn_peer_mac, types[_i]);
	memset(f + 14, 0x45, 46);
	rx(f, 60);
	expect_one_drop(&st()->drop_eth_type);
}
END_TEST

START_TEST(broadcast_and_ours_accepted)
{
	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
		     TN_HOST_IP));
	rx(f, tn_arp(f, tn_host_mac, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
		     TN_HOST_IP));
	ck_assert_uint_eq(st()->arp_rx, 2);
	ck_assert_uint_eq(st()->rx_frames, 2);
	ck_assert_uint_eq(st()->rx_bytes, 84);
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 2);
	tn_tx_drain(h.nic);
}
END_TEST

START_TEST(output_frames_carry_our_mac_and_type)
{
	struct tn_meta m;
	size_t len;

	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
		     TN_HOST_IP));
	len = tn_tx_pop_meta(h.nic, 0, want, sizeof(want), &m);
	ck_assert_uint_eq(len, 42);
	ck_assert_mem_eq(want, tn_peer_mac, 6);    /* destination */
	ck_assert_mem_eq(want + 6, tn_host_mac, 6); /* source */
	ck_assert_uint_eq(want[12], 0x08);
	ck_assert_uint_eq(want[13], 0x06);
	ck_assert_uint_eq(m.l2_len, 14);
	ck_assert_uint_eq(st()->tx_frames, 1);
	ck_assert_uint_eq(st()->tx_bytes, 42);
}
END_TEST

START_TEST(garbage_never_crashes_or_leaks)
{
	srand(14);
	for (int i = 0; i < 3000; i++) {
		size_t len = (size_t)(rand() % 200);
		for (size_t j = 0; j < len; j++)
			f[j] = (uint8_t)rand();
		if (len >= 6 && (i & 1))
			memcpy(f, tn_host_mac, 6);
		rx(f, len);
	}
	ck_assert_uint_eq(st()->rx_frames, 3000);
	ck_assert_uint_eq(utcp_stats_drops(st()), 3000);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

START_TEST(burst_of_many_frames)
{
	/* More frames than one rx burst: the rest waits for the next round. */
	size_t len = tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
			    TN_HOST_IP);

	for (int i = 0; i < UTCP_RX_BURST + 5; i++)
		ck_assert_int_eq(tn_inject(h.nic, 0, f, len), 0);
	ck_assert_int_eq(utcp_ctx_poll(h.ctx), UTCP_RX_BURST);
	ck_assert_int_eq(utcp_ctx_poll(h.ctx), 5);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), UTCP_RX_BURST + 5);
	tn_tx_drain(h.nic);
}
END_TEST

static Suite *eth_suite(void)
{
	Suite *s = suite_create("eth");
	TCase *tc = tcase_create("eth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, truncated_header, 0, 5);
	tcase_add_test(tc, header_only_goes_up);
	tcase_add_test(tc, other_unicast_dropped);
	tcase_add_test(tc, multicast_dropped);
	tcase_add_loop_test(tc, unknown_ethertypes_dropped, 0, 5);
	tcase_add_test(tc, broadcast_and_ours_accepted);
	tcase_add_test(tc, output_frames_carry_our_mac_and_type);
	tcase_add_test(tc, garbage_never_crashes_or_leaks);
	tcase_add_test(tc, burst_of_many_frames);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(eth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
