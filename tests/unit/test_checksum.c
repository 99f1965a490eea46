/*
 * tests/unit/test_checksum.c - RFC 1071 Internet checksum.
 *
 * Known vectors (RFC 1071 §3, a textbook IPv4 header), odd lengths, every
 * alignment, chained partial sums and the pseudo-header, each checked
 * against a byte-by-byte reference written straight from RFC 1071 §1.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire/wire.h"

/* RFC 1071 §1: sum adjacent octet pairs as 16-bit big-endian integers, pad an
 * odd last octet with zero, fold carries, complement.  Host order result. */
static uint16_t ref_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The folded checksum as the two bytes that go on the wire. */
static uint16_t wire16(uint16_t field)
{
	uint8_t b[2];

	memcpy(b, &field, 2);
	return (uint16_t)(b[0] << 8 | b[1]);
}

START_TEST(rfc1071_example)
{
	/* RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2; checksum 220d. */
	static const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	ck_assert_uint_eq(wire16(utcp_csum_fold(utcp_csum_partial(d, sizeof(d), 0))), 0x220d);
	ck_assert_uint_eq(ref_cksum(d, sizeof(d)), 0x220d);
}
END_TEST

START_TEST(odd_length)
{
	/* 00 01 f2 -> 0x0001 + 0xf200 = 0xf201 -> checksum 0x0dfe. */
	static const uint8_t d[] = { 0x00, 0x01, 0xf2 };

	ck_assert_uint_eq(wire16(utcp_csum_fold(utcp_csum_partial(d, 3, 0))), 0x0dfe);
	/* One byte alone. */
	ck_assert_uint_eq(wire16(utcp_csum_fold(utcp_csum_partial(d + 2, 1, 0))), 0x0dff);
}
END_TEST

START_TEST(ipv4_header_known)
{
	/* 192.168.0.1 -> 192.168.0.199, UDP, total length 0x73: checksum b861. */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(h, 20, 0));

	ck_assert_uint_eq(wire16(ck), 0xb861);
	memcpy(h + 10, &ck, 2);
	ck_assert_uint_eq(h[10], 0xb8);
	ck_assert_uint_eq(h[11], 0x61);
	/* A header with a correct checksum verifies to zero. */
	ck_assert_uint_eq(utcp_csum_fold(utcp_csum_partial(h, 20, 0)), 0);
	h[8]--; /* TTL decremented, checksum not updated */
	ck_assert_uint_ne(utcp_csum_fold(utcp_csum_partial(h, 20, 0)), 0);
}
END_TEST

START_TEST(empty_is_identity)
{
	ck_assert_uint_eq(utcp_csum_partial(NULL, 0, 0), 0);
	ck_assert_uint_eq(utcp_csum_partial(NULL, 0, 0x1234), 0x1234);
	ck_assert_uint_eq(utcp_csum_fold(0), 0xffff);
}
END_TEST

START_TEST(every_length_and_alignment)
{
	uint8_t buf[1600 + 8];

	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 1600; len += (len < 80 ? 1 : 37)) {
			uint16_t ck = utcp_csum_fold(utcp_csum_partial(buf + off, len, 0));
			ck_assert_msg(wire16(ck) == ref_cksum(buf + off, len),
				      "offset %zu length %zu", off, len);
		}
}
END_TEST

START_TEST(all_ones_carries)
{
	/* 0xff bytes maximise carries in the 64-bit accumulator. */
	static uint8_t d[65535];

	memset(d, 0xff, sizeof(d));
	ck_assert_uint_eq(wire16(utcp_csum_fold(utcp_csum_partial(d, sizeof(d), 0))),
			  ref_cksum(d, sizeof(d)));
	ck_assert_uint_eq(wire16(utcp_csum_fold(utcp_csum_partial(d, 65534, 0xffffffffu))),
			  0x0000);
}
END_TEST

START_TEST(chained_partial_sums)
{
	uint8_t d[301];

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7 + 3);
	/* Even-sized chunks, then one odd tail. */
	uint32_t s = utcp_csum_partial(d, 20, 0);
	s = utcp_csum_partial(d + 20, 100, s);
	s = utcp_csum_partial(d + 120, 181, s);
	ck_assert_uint_eq(wire16(utcp_csum_fold(s)), ref_cksum(d, sizeof(d)));
}
END_TEST

START_TEST(pseudo_header)
{
	/* 10.0.0.1 -> 10.0.0.2, TCP, length 0x0123, as the bytes a reference
	 * sum would see in front of the segment. */
	uint32_t src = htonl(0x0a000001), dst = htonl(0x0a000002);
	uint8_t seg[0x123];
	uint8_t all[12 + sizeof(seg)] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0x01, 0x23 };

	for (size_t i = 0; i < sizeof(seg); i++)
		seg[i] = (uint8_t)(i ^ 0x5a);
	memcpy(all + 12, seg, sizeof(seg));
	uint32_t s = utcp_csum_pseudo(src, dst, UTCP_IPPROTO_TCP, sizeof(seg));
	s = utcp_csum_partial(seg, sizeof(seg), s);
	ck_assert_uint_eq(wire16(utcp_csum_fold(s)), ref_cksum(all, sizeof(all)));
}
END_TEST

static Suite *checksum_suite(void)
{
	Suite *s = suite_create("checksum");
	TCase *tc = tcase_create("rfc1071");

	tcase_add_test(tc, rfc1071_example);
	tcase_add_test(tc, odd_length);
	tcase_add_test(tc, ipv4_header_known);
	tcase_add_test(tc, empty_is_identity);
	tcase_add_test(tc, every_length_and_alignment);
	tcase_add_test(tc, all_ones_carries);
	tcase_add_test(tc, chained_partial_sums);
	tcase_add_test(tc, pseudo_header);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(checksum_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
