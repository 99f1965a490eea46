/*
 * tests/unit/test_rss.c - the Toeplitz hash of Microsoft RSS.
 *
 * The Microsoft RSS verification suite ("Verifying the RSS Hash
 * Calculation"; also the 82599 datasheet §7.1.2.8.3) with its default key,
 * for IPv4 alone and IPv4 with TCP ports, IPv6 alone and IPv6 with TCP
 * ports; then the symmetric key: both directions of a flow hash, and
 * therefore queue, alike, over IPv4 and IPv6.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire/wire.h"

static const uint8_t ms_key[UTCP_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

#define IP4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* Destination, source (as the suite's table lists them), expected hashes. */
static const struct {
	uint8_t dst[4];
	uint16_t dport;
	uint8_t src[4];
	uint16_t sport;
	uint32_t hash_ip, hash_tcp;
} vec[] = {
	{ { 161, 142, 100, 80 }, 1766, { 66, 9, 149, 187 }, 2794, 0x323e8fc2, 0x51ccc178 },
	{ { 65, 69, 140, 83 }, 4739, { 199, 92, 111, 2 }, 14230, 0xd718262a, 0xc626b0ea },
	{ { 12, 22, 207, 184 }, 38024, { 24, 19, 198, 95 }, 12898, 0xd2d0a5de, 0x5c2b394a },
	{ { 209, 142, 163, 6 }, 2217, { 38, 27, 205, 30 }, 48228, 0x82989176, 0xafc7327f },
	{ { 202, 188, 127, 2 }, 1303, { 153, 39, 163, 191 }, 44251, 0x5d1809c5, 0x10e828a2 },
};

/* The suite's IPv6 table: destination, source, expected hashes. */
static const struct {
	const char *dst;
	uint16_t dport;
	const char *src;
	uint16_t sport;
	uint32_t hash_ip, hash_tcp;
} vec6[] = {
	{ "3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2cc18cd5, 0x40207d3d },
	{ "ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0f0c461c, 0xdde51bbf },
	{ "fe80::200:f8ff:fe21:67cf", 38024, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251,
	  0x4b61e985, 0x02d1feef },
};

static struct utcp_in6 in6(const char *s)
{
	struct utcp_in6 a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

static struct utcp_in6 rand6(uint64_t *x)
{
	struct utcp_in6 a;

	for (int i = 0; i < 16; i += 8) {
		*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
		memcpy(a.b + i, x, 8);
	}
	return a;
}

static uint32_t addr(const uint8_t b[4])
{
	uint32_t a;

	memcpy(&a, b, 4);
	return a;
}

START_TEST(ms_vectors_ipv4_tcp)
{
	uint32_t h = utcp_rss_hash_v4(ms_key, addr(vec[_i].src), addr(vec[_i].dst),
				      htons(vec[_i].sport), htons(vec[_i].dport));
	ck_assert_msg(h == vec[_i].hash_tcp, "vector %d: %08x", _i, h);
}
END_TEST

START_TEST(ms_vectors_ipv4_only)
{
	uint8_t in[8];

	memcpy(in, vec[_i].src, 4);
	memcpy(in + 4, vec[_i].dst, 4);
	ck_assert_uint_eq(utcp_toeplitz(ms_key, sizeof(ms_key), in, 8), vec[_i].hash_ip);
}
END_TEST

START_TEST(ms_vectors_ipv6_tcp)
{
	struct utcp_in6 src = in6(vec6[_i].src), dst = in6(vec6[_i].dst);
	uint32_t h = utcp_rss_hash_v6(ms_key, &src, &dst, htons(vec6[_i].sport),
				      htons(vec6[_i].dport));
	ck_assert_msg(h == vec6[_i].hash_tcp, "vector %d: %08x", _i, h);
}
END_TEST

START_TEST(ms_vectors_ipv6_only)
{
	struct utcp_in6 src = in6(vec6[_i].src), dst = in6(vec6[_i].dst);
	uint8_t in[32];

	memcpy(in, src.b, 16);
	memcpy(in + 16, dst.b, 16);
	ck_assert_uint_eq(utcp_toeplitz(ms_key, sizeof(ms_key), in, 32), vec6[_i].hash_ip);
}
END_TEST

/* Addresses 128 bits apart, ports 16: the 16-bit period of 6d5a keeps the
 * IPv6 hash symmetric too, so a connection's two directions share a queue. */
START_TEST(symmetric_ipv6_both_directions_same_queue)
{
	struct utcp_nic_caps caps;
	uint64_t x = 0x13198a2e03707344ull;

	memset(&caps, 0, sizeof(caps));
	for (int i = 0; i < 10000; i++) {
		struct utcp_in6 a = rand6(&x), b = rand6(&x);
		uint16_t pa = (uint16_t)(x >> 11), pb = (uint16_t)(x >> 41);
		uint32_t fwd = utcp_rss_hash_v6(utcp_rss_symmetric_key, &a, &b, pa, pb);
		uint32_t rev = utcp_rss_hash_v6(utcp_rss_symmetric_key, &b, &a, pb, pa);

		ck_assert_uint_eq(fwd, rev);
		for (uint16_t nq = 1; nq <= 16; nq++) {
			caps.nb_queues = nq;
			ck_assert_uint_eq(utcp_rss_queue(&caps, fwd), utcp_rss_queue(&caps, rev));
		}
	}
	/* and the Microsoft key is not */
	struct utcp_in6 s = in6(vec6[0].src), d = in6(vec6[0].dst);
	ck_assert_uint_ne(utcp_rss_hash_v6(ms_key, &s, &d, htons(2794), htons(1766)),
			  utcp_rss_hash_v6(ms_key, &d, &s, htons(1766), htons(2794)));
}
END_TEST

START_TEST(symmetric_ipv6_still_spreads)
{
	struct utcp_nic_caps caps = { .nb_queues = 4 };
	struct utcp_in6 c = in6("2001:db8::2"), s = in6("2001:db8::1");
	unsigned count[4] = { 0 };

	for (uint32_t p = 0; p < 4096; p++)
		count[utcp_rss_queue(&caps, utcp_rss_hash_v6(utcp_rss_symmetric_key, &c, &s,
							     htons((uint16_t)(20000 + p)),
							     htons(80)))]++;
	for (int q = 0; q < 4; q++)
		ck_assert_msg(count[q] > 700 && count[q] < 1350, "queue %d got %u", q, count[q]);
}
END_TEST

START_TEST(ms_key_is_not_symmetric)
{
	/* The default key is direction-sensitive: why utcp has its own. */
	uint32_t a = addr(vec[0].src), b = addr(vec[0].dst);
	uint16_t pa = htons(vec[0].sport), pb = htons(vec[0].dport);

	ck_assert_uint_ne(utcp_rss_hash_v4(ms_key, a, b, pa, pb),
			  utcp_rss_hash_v4(ms_key, b, a, pb, pa));
}
END_TEST

START_TEST(symmetric_key_is_6d5a_repeated)
{
	for (int i = 0; i < UTCP_RSS_KEY_LEN; i += 2) {
		ck_assert_uint_eq(utcp_rss_symmetric_key[i], 0x6d);
		ck_assert_uint_eq(utcp_rss_symmetric_key[i + 1], 0x5a);
	}
}
END_TEST

START_TEST(symmetric_both_directions_same_queue)
{
	struct utcp_nic_caps caps;

	memset(&caps, 0, sizeof(caps));
	srand(11);
	for (int i = 0; i < 10000; i++) {
		uint32_t a = (uint32_t)rand() ^ (uint32_t)rand() << 16;
		uint32_t b = (uint32_t)rand() ^ (uint32_t)rand() << 16;
		uint16_t pa = (uint16_t)rand(), pb = (uint16_t)rand();
		uint32_t fwd = utcp_rss_hash_v4(utcp_rss_symmetric_key, a, b, pa, pb);
		uint32_t rev = utcp_rss_hash_v4(utcp_rss_symmetric_key, b, a, pb, pa);

		ck_assert_uint_eq(fwd, rev);
		for (uint16_t nq = 1; nq <= 16; nq++) {
			caps.nb_queues = nq;
			ck_assert_uint_eq(utcp_rss_queue(&caps, fwd), utcp_rss_queue(&caps, rev));
		}
	}
}
END_TEST

START_TEST(symmetric_key_still_spreads)
{
	/* Symmetric, not degenerate: 4096 client ports to one server spread
	 * over 4 queues roughly evenly. */
	struct utcp_nic_caps caps = { .nb_queues = 4 };
	unsigned count[4] = { 0 };

	for (uint32_t p = 0; p < 4096; p++) {
		uint32_t h = utcp_rss_hash_v4(utcp_rss_symmetric_key, IP4(10, 0, 0, 2),
					      IP4(10, 0, 0, 1), htons((uint16_t)(20000 + p)),
					      htons(80));
		count[utcp_rss_queue(&caps, h)]++;
	}
	for (int q = 0; q < 4; q++)
		ck_assert_msg(count[q] > 700 && count[q] < 1350, "queue %d got %u", q, count[q]);
}
END_TEST

START_TEST(queue_from_reta_or_modulo)
{
	struct utcp_nic_caps caps;

	memset(&caps, 0, sizeof(caps));
	caps.nb_queues = 3;
	ck_assert_uint_eq(utcp_rss_queue(&caps, 0x51ccc178), 0x51ccc178u % 3);
	caps.nb_queues = 1;
	ck_assert_uint_eq(utcp_rss_queue(&caps, 0xffffffff), 0);
	caps.nb_queues = 0;
	ck_assert_uint_eq(utcp_rss_queue(&caps, 12345), 0);
	/* A 128-entry table: the low 7 bits of the hash pick the entry. */
	caps.nb_queues = 4;
	caps.reta_size = 128;
	for (int i = 0; i < 128; i++)
		caps.reta[i] = (uint16_t)((i * 5) & 3);
	ck_assert_uint_eq(utcp_rss_queue(&caps, 0x51ccc178), caps.reta[0x78]);
	ck_assert_uint_eq(utcp_rss_queue(&caps, 0x00000081), caps.reta[1]);
	caps.reta_size = 4;
	ck_assert_uint_eq(utcp_rss_queue(&caps, 0x00000006), caps.reta[2]);
}
END_TEST

START_TEST(toeplitz_edge_cases)
{
	static const uint8_t zero[12];

	/* No input bits set: hash 0, whatever the key. */
	ck_assert_uint_eq(utcp_toeplitz(ms_key, sizeof(ms_key), zero, sizeof(zero)), 0);
	ck_assert_uint_eq(utcp_toeplitz(ms_key, sizeof(ms_key), zero, 0), 0);
	/* The first input bit alone selects the first 32 key bits. */
	uint8_t one = 0x80;
	ck_assert_uint_eq(utcp_toeplitz(ms_key, sizeof(ms_key), &one, 1), 0x6d5a56da);
	/* The last bit of a byte selects the window shifted by 7 bits. */
	one = 0x01;
	ck_assert_uint_eq(utcp_toeplitz(ms_key, sizeof(ms_key), &one, 1),
			  (uint32_t)(0x6d5a56da25ull >> 1));
}
END_TEST

/* The table form gives the bit-serial hash: the Microsoft vectors with the
 * Microsoft key, and random 4-tuples with both keys. */
START_TEST(table_matches_bit_serial)
{
	static struct utcp_rss_table ms, sym;
	utcp_rss_table_init(&ms, ms_key);
	utcp_rss_table_init(&sym, utcp_rss_symmetric_key);
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		ck_assert_uint_eq(utcp_rss_table_hash_v4(&ms, addr(vec[i].src), addr(vec[i].dst),
							 htons(vec[i].sport), htons(vec[i].dport)),
				  vec[i].hash_tcp);
	uint64_t x = 0x243f6a8885a308d3ull;
	for (int i = 0; i < 10000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t a = (uint32_t)x, b = (uint32_t)(x >> 32);
		uint16_t pa = (uint16_t)(x >> 7), pb = (uint16_t)(x >> 29);
		ck_assert_uint_eq(utcp_rss_table_hash_v4(&ms, a, b, pa, pb),
				  utcp_rss_hash_v4(ms_key, a, b, pa, pb));
		ck_assert_uint_eq(utcp_rss_table_hash_v4(&sym, a, b, pa, pb),
				  utcp_rss_hash_v4(utcp_rss_symmetric_key, a, b, pa, pb));
	}
	for (size_t i = 0; i < sizeof(vec6) / sizeof(vec6[0]); i++) {
		struct utcp_in6 s6 = in6(vec6[i].src), d6 = in6(vec6[i].dst);
		ck_assert_uint_eq(utcp_rss_table_hash_v6(&ms, &s6, &d6, htons(vec6[i].sport),
							 htons(vec6[i].dport)),
				  vec6[i].hash_tcp);
	}
	for (int i = 0; i < 10000; i++) {
		struct utcp_in6 a = rand6(&x), b = rand6(&x);
		uint16_t pa = (uint16_t)(x >> 7), pb = (uint16_t)(x >> 29);
		ck_assert_uint_eq(utcp_rss_table_hash_v6(&ms, &a, &b, pa, pb),
				  utcp_rss_hash_v6(ms_key, &a, &b, pa, pb));
		ck_assert_uint_eq(utcp_rss_table_hash_v6(&sym, &a, &b, pa, pb),
				  utcp_rss_hash_v6(utcp_rss_symmetric_key, &a, &b, pa, pb));
	}
}
END_TEST

static Suite *rss_suite(void)
{
	Suite *s = suite_create("rss");
	TCase *tc = tcase_create("toeplitz");
	int n = (int)(sizeof(vec) / sizeof(vec[0]));

	tcase_add_loop_test(tc, ms_vectors_ipv4_tcp, 0, n);
	tcase_add_loop_test(tc, ms_vectors_ipv4_only, 0, n);
	tcase_add_loop_test(tc, ms_vectors_ipv6_tcp, 0, (int)(sizeof(vec6) / sizeof(vec6[0])));
	tcase_add_loop_test(tc, ms_vectors_ipv6_only, 0, (int)(sizeof(vec6) / sizeof(vec6[0])));
	tcase_add_test(tc, symmetric_ipv6_both_directions_same_queue);
	tcase_add_test(tc, symmetric_ipv6_still_spreads);
	tcase_add_test(tc, ms_key_is_not_symmetric);
	tcase_add_test(tc, symmetric_key_is_6d5a_repeated);
	tcase_add_test(tc, symmetric_both_directions_same_queue);
	tcase_add_test(tc, symmetric_key_still_spreads);
	tcase_add_test(tc, queue_from_reta_or_modulo);
	tcase_add_test(tc, toeplitz_edge_cases);
	tcase_add_test(tc, table_matches_bit_serial);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rss_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
