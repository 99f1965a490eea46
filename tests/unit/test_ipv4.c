/*
 * tests/unit/test_ipv4.c - IPv4 (RFC 791) validation and output.
 *
 * An ICMP echo request from the peer (whose MAC the host learned from its
 * ARP request) is the probe: a valid one draws an exact echo reply; each
 * damaged variant is dropped under exactly one counter, with nothing sent
 * and nothing leaked.  Output: header fields, identification, checksum in
 * software or offloaded, MTU.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/net.h"
#include "tests/unit/testnic.h"

static struct tn_host h;
static uint8_t f[TN_FRAME_MAX], want[TN_FRAME_MAX], out[TN_FRAME_MAX];

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(h.ctx);
}

static void rx_flags(const uint8_t *frame, size_t len, uint32_t flags)
{
	ck_assert_int_eq(tn_inject_flags(h.nic, 0, frame, len, flags), 0);
	utcp_ctx_poll(h.ctx);
}

static void rx(const uint8_t *frame, size_t len)
{
	rx_flags(frame, len, 0);
}

static void setup(void)
{
	struct utcp_config c;

	tn_host_config(&c);
	tn_host_up(&h, &c, 1);
	/* The peer introduces itself; the host answers and remembers it. */
	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
		     TN_HOST_IP));
	ck_assert_uint_eq(tn_tx_drain(h.nic), 1);
}

static void teardown(void)
{
	tn_host_down(&h);
}

/* Echo request from the peer with 4 bytes of data. */
static size_t echo_request(void)
{
	return tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 8, 0x1234, 1,
			    "ping", 4);
}

static void expect_echo_reply(const char *data, size_t len)
{
	size_t wl = tn_icmp_echo(want, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 0, 0x1234,
				 1, data, len);
	tn_expect_tx_ipv4(h.nic, 0, want, wl);
}

START_TEST(valid_datagram_accepted)
{
	rx(f, echo_request());
	expect_echo_reply("ping", 4);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->ip_rx, 1);
	ck_assert_uint_eq(st()->ip_tx, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
}
END_TEST

enum { B_SHORT, B_IHL_BEYOND, B_VERSION, B_IHL4, B_LEN_BIG, B_LEN_SMALL, B_CKSUM, B_MF, B_OFFSET,
       B_DST, B_DST_BCAST, B_SRC_BCAST, B_SRC_MCAST, B_SRC_ZERO, B_SRC_LOOP, B_SRC_OURS, B_UDP,
       B_TCP, B_COUNT };

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

START_TEST(damaged_datagram_dropped)
{
	size_t len = echo_request();
	uint8_t *ip = f + 14;
	const uint64_t *counter = NULL;
	int fix = 1;

	switch (_i) {
	case B_SHORT: len = 14 + 19; fix = 0; counter = &st()->drop_ip_short; break;
	case B_IHL_BEYOND: ip[0] = 0x4f; fix = 0; counter = &st()->drop_ip_short; break;
	case B_VERSION: ip[0] = 0x65; counter = &st()->drop_ip_version; break;
	case B_IHL4: ip[0] = 0x44; fix = 0; counter = &st()->drop_ip_ihl; break;
	case B_LEN_BIG: ip[3]++; counter = &st()->drop_ip_len; break;
	case B_LEN_SMALL: ip[2] = 0; ip[3] = 19; counter = &st()->drop_ip_len; break;
	case B_CKSUM: ip[10] ^= 0x01; fix = 0; counter = &st()->drop_ip_cksum; break;
	case B_MF: ip[6] = 0x20; counter = &st()->drop_ip_frag; break;
	case B_OFFSET: ip[6] = 0x40; ip[7] = 0x01; counter = &st()->drop_ip_frag; break;
	case B_DST: put32(ip + 16, TN_IP(10, 0, 0, 3)); counter = &st()->drop_ip_dst; break;
	case B_DST_BCAST: put32(ip + 16, TN_IP(10, 0, 0, 255)); counter = &st()->drop_ip_dst; break;
	case B_SRC_BCAST: put32(ip + 12, 0xffffffff); counter = &st()->drop_ip_src; break;
	case B_SRC_MCAST: put32(ip + 12, TN_IP(224, 0, 0, 5)); counter = &st()->drop_ip_src; break;
	case B_SRC_ZERO: put32(ip + 12, 0); counter = &st()->drop_ip_src; break;
	case B_SRC_LOOP: put32(ip + 12, TN_IP(127, 0, 0, 1)); counter = &st()->drop_ip_src; break;
	case B_SRC_OURS: put32(ip + 12, TN_HOST_IP); counter = &st()->drop_ip_src; break;
	case B_UDP: ip[9] = 17; counter = &st()->drop_udp_len; break; /* UDP Length 0x1234 */
	case B_TCP: ip[9] = 6; counter = &st()->drop_tcp_short; break; /* TCP: 12 bytes */
	}
	if (fix)
		tn_ipv4_fix_cksum(f);
	rx(f, len);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->ip_rx, 1);
	ck_assert_uint_eq(*counter, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

START_TEST(nic_verified_checksum_is_trusted)
{
	size_t len = echo_request();

	f[14 + 10] ^= 0x01; /* would fail verification */
	rx_flags(f, len, UTCP_PKT_RX_IP_CKSUM_GOOD);
	expect_echo_reply("ping", 4);
	rx_flags(f, len, UTCP_PKT_RX_IP_CKSUM_BAD); /* a bad flag proves nothing: verify */
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_ip_cksum, 1);
}
END_TEST

START_TEST(options_are_skipped)
{
	uint8_t icmp[12];
	size_t len = echo_request();

	/* Rebuild with IHL 6: four NOP options between header and ICMP. */
	memcpy(icmp, f + 34, 12);
	memmove(f + 38, icmp, 12);
	memset(f + 34, 1, 4);
	f[14] = 0x46;
	f[14 + 3] = (uint8_t)(f[14 + 3] + 4);
	tn_ipv4_fix_cksum(f);
	rx(f, len + 4);
	expect_echo_reply("ping", 4); /* our reply carries no options */
}
END_TEST

START_TEST(ethernet_padding_is_trimmed)
{
	size_t len = tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 8, 0x1234, 1,
				  "", 0);

	ck_assert_uint_eq(len, 42);
	memset(f + len, 0xa5, 60 - len); /* padding must not become echo data */
	rx(f, 60);
	expect_echo_reply("", 0);
	len = echo_request();
	memset(f + len, 0xa5, 1514 - len); /* oversized frame, small datagram */
	rx(f, 1514);
	expect_echo_reply("ping", 4);
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
}
END_TEST

START_TEST(full_size_datagram)
{
	static char data[1472];
	size_t len;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 13);
	len = tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 8, 0x1234, 1, data,
			   sizeof(data));
	ck_assert_uint_eq(len, 1514);
	rx(f, len);
	expect_echo_reply(data, sizeof(data));
}
END_TEST

START_TEST(output_header_fields)
{
	struct tn_meta m;
	uint16_t id1, id2;
	size_t len;

	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 1, "a", 1), 0);
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 2, "b", 1), 0);
	utcp_ctx_poll(h.ctx);
	len = tn_tx_pop_meta(h.nic, 0, out, sizeof(out), &m);
	ck_assert_uint_eq(len, 14 + 20 + 8 + 1);
	ck_assert_uint_eq(out[14], 0x45);              /* version 4, IHL 5 */
	ck_assert_uint_eq(out[16] << 8 | out[17], 29);  /* total length */
	ck_assert_uint_eq(out[20], 0x40);              /* DF, offset 0 */
	ck_assert_uint_eq(out[21], 0x00);
	ck_assert_uint_eq(out[22], 64);                /* TTL */
	ck_assert_uint_eq(out[23], 1);                 /* ICMP */
	ck_assert_mem_eq(out + 26, &(uint32_t){ TN_HOST_IP }, 4); /* src: the port's */
	ck_assert_mem_eq(out + 30, &(uint32_t){ TN_PEER_IP }, 4);
	ck_assert_uint_eq(utcp_csum_fold(utcp_csum_partial(out + 14, 20, 0)), 0);
	ck_assert_uint_eq(m.l2_len, 14);
	ck_assert_uint_eq(m.l3_len, 20);
	ck_assert_uint_eq(m.ol_flags & UTCP_PKT_TX_IP_CKSUM, 0);
	id1 = tn_ipv4_id_of(out);
	tn_tx_pop(h.nic, 0, out, sizeof(out));
	id2 = tn_ipv4_id_of(out);
	ck_assert_uint_eq(id2, (uint16_t)(id1 + 1)); /* one counter per context */
}
END_TEST

START_TEST(checksum_offloaded_when_offered)
{
	struct tn_meta m;

	h.nic->caps.offloads |= UTCP_NIC_TX_IPV4_CKSUM;
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 1, "a", 1), 0);
	utcp_ctx_poll(h.ctx);
	tn_tx_pop_meta(h.nic, 0, out, sizeof(out), &m);
	ck_assert_uint_eq(out[24], 0); /* left for the NIC */
	ck_assert_uint_eq(out[25], 0);
	ck_assert(m.ol_flags & UTCP_PKT_TX_IP_CKSUM);
	ck_assert_uint_eq(m.l2_len, 14);
	ck_assert_uint_eq(m.l3_len, 20);
}
END_TEST

START_TEST(mtu_enforced)
{
	static char data[1473];

	errno = 0;
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 1, data, 1473), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 1, data, 1472), 0);
	utcp_ctx_poll(h.ctx);
	ck_assert_uint_eq(tn_tx_pop(h.nic, 0, out, sizeof(out)), 1514);
}
END_TEST

START_TEST(garbage_never_crashes_or_leaks)
{
	srand(791);
	for (int i = 0; i < 3000; i++) {
		size_t len = 14 + (size_t)(rand() % 120);
		tn_eth(f, tn_host_mac, tn_peer_mac, 0x0800);
		for (size_t j = 14; j < len; j++)
			f[j] = (uint8_t)rand();
		if ((i & 1) && len >= 34) { /* a header that passes, random inside */
			f[14] = 0x45;
			f[16] = 0;
			f[17] = (uint8_t)(len - 14);
			f[20] = 0x40;
			f[21] = 0;
			put32(f + 26, TN_PEER_IP);
			put32(f + 30, TN_HOST_IP);
			tn_ipv4_fix_cksum(f);
		}
		rx(f, len);
	}
	ck_assert_uint_eq(st()->ip_rx, 3000);
	ck_assert_uint_eq(utcp_stats_drops(st()), 3000);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

static Suite *ipv4_suite(void)
{
	Suite *s = suite_create("ipv4");
	TCase *tc = tcase_create("ipv4");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_datagram_accepted);
	tcase_add_loop_test(tc, damaged_datagram_dropped, 0, B_COUNT);
	tcase_add_test(tc, nic_verified_checksum_is_trusted);
	tcase_add_test(tc, options_are_skipped);
	tcase_add_test(tc, ethernet_padding_is_trimmed);
	tcase_add_test(tc, full_size_datagram);
	tcase_add_test(tc, output_header_fields);
	tcase_add_test(tc, checksum_offloaded_when_offered);
	tcase_add_test(tc, mtu_enforced);
	tcase_add_test(tc, garbage_never_crashes_or_leaks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ipv4_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
