/*
 * tests/unit/test_prng.c - xoshiro256** seeded by splitmix64 (core/base/prng.c).
 *
 * The expected numbers were computed from the published algorithms
 * (https://prng.di.unimi.it/: splitmix64.c, xoshiro256starstar.c) by an
 * independent implementation; splitmix64's first output for seed 0,
 * 0xe220a8397b1dcdaf, is the well-known reference value.  The rest checks
 * determinism and the edges of below(), double(), chance() and fill().
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/prng.h"

START_TEST(test_seed_state)
{
	struct utcp_prng r;
	utcp_prng_seed(&r, 0);
	ck_assert_uint_eq(r.s[0], 0xe220a8397b1dcdafull);
	ck_assert_uint_eq(r.s[1], 0x6e789e6aa1b965f4ull);
	ck_assert_uint_eq(r.s[2], 0x06c45d188009454full);
	ck_assert_uint_eq(r.s[3], 0xf88bb8a8724c81ecull);
}
END_TEST

START_TEST(test_known_outputs)
{
	static const struct {
		uint64_t seed;
		uint64_t out[5];
	} want[] = {
		{ 0, { 0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull, 0x1a5f849d4933e6e0ull,
		       0x6aa594f1262d2d2cull, 0xbba5ad4a1f842e59ull } },
		{ 42, { 0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull, 0xae17533239e499a1ull,
			0xecb8ad4703b360a1ull, 0xfde6dc7fe2ec5e64ull } },
		{ 0xdeadbeefcafef00dull,
		  { 0x9e32cfb5bb93eebbull, 0x16006bd9d4ac0014ull, 0x8ada5d6d34b6538eull,
		    0x7c327ca32346a238ull, 0xc43a6d6a3492ced2ull } },
	};
	for (unsigned k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		struct utcp_prng r;
		utcp_prng_seed(&r, want[k].seed);
		for (int i = 0; i < 5; i++)
			ck_assert_uint_eq(utcp_prng_next(&r), want[k].out[i]);
	}
}
END_TEST

START_TEST(test_deterministic)
{
	struct utcp_prng a, b, c;
	utcp_prng_seed(&a, 12345);
	utcp_prng_seed(&b, 12345);
	utcp_prng_seed(&c, 12346);
	int same_as_c = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = utcp_prng_next(&a);
		ck_assert_uint_eq(x, utcp_prng_next(&b));
		same_as_c += x == utcp_prng_next(&c);
	}
	ck_assert_int_eq(same_as_c, 0);
	/* Re-seeding restarts the sequence. */
	utcp_prng_seed(&a, 42);
	ck_assert_uint_eq(utcp_prng_next(&a), 0x15780b2e0c2ec716ull);
}
END_TEST

START_TEST(test_below_bounds)
{
	struct utcp_prng r, copy;
	utcp_prng_seed(&r, 1);
	/* bound 0 gives 0 and draws nothing. */
	copy = r;
	ck_assert_uint_eq(utcp_prng_below(&r, 0), 0);
	ck_assert_mem_eq(&r, &copy, sizeof(r));
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(utcp_prng_below(&r, 1), 0);
	/* Small bound: always in range, every value seen. */
	int seen[7] = { 0 };
	for (int i = 0; i < 2000; i++) {
		uint64_t v = utcp_prng_below(&r, 7);
		ck_assert_uint_lt(v, 7);
		seen[v]++;
	}
	for (int i = 0; i < 7; i++)
		ck_assert_int_gt(seen[i], 200);
	/* Large bounds, including one where half the range is rejected. */
	const uint64_t big[] = { 1ull << 32, (1ull << 63) + 1, UINT64_MAX - 1, UINT64_MAX };
	for (unsigned k = 0; k < sizeof(big) / sizeof(big[0]); k++)
		for (int i = 0; i < 200; i++)
			ck_assert_uint_lt(utcp_prng_below(&r, big[k]), big[k]);
	/* A power of two takes the value's low bits (no rejection at all). */
	utcp_prng_seed(&r, 0);
	ck_assert_uint_eq(utcp_prng_below(&r, 1u << 16), 0x99ec5f36cb75f2b4ull & 0xffff);
}
END_TEST

START_TEST(test_double_range)
{
	struct utcp_prng r;
	utcp_prng_seed(&r, 3);
	double sum = 0;
	for (int i = 0; i < 10000; i++) {
		double d = utcp_prng_double(&r);
		ck_assert(d >= 0.0 && d < 1.0);
		sum += d;
	}
	ck_assert(fabs(sum / 10000 - 0.5) < 0.02);
	/* The top 53 bits of the next output, scaled. */
	utcp_prng_seed(&r, 0);
	ck_assert(utcp_prng_double(&r) == (double)(0x99ec5f36cb75f2b4ull >> 11) * 0x1.0p-53);
}
END_TEST

START_TEST(test_chance_edges)
{
	struct utcp_prng r, copy;
	utcp_prng_seed(&r, 9);
	/* Certain outcomes draw nothing. */
	copy = r;
	ck_assert_int_eq(utcp_prng_chance(&r, 0.0), 0);
	ck_assert_int_eq(utcp_prng_chance(&r, -0.5), 0);
	ck_assert_int_eq(utcp_prng_chance(&r, 1.0), 1);
	ck_assert_int_eq(utcp_prng_chance(&r, 7.0), 1);
	ck_assert_mem_eq(&r, &copy, sizeof(r));
	/* NaN is never true. */
	ck_assert_int_eq(utcp_prng_chance(&r, NAN), 0);
	int hits = 0;
	for (int i = 0; i < 20000; i++)
		hits += utcp_prng_chance(&r, 0.25);
	ck_assert_int_gt(hits, 4600);
	ck_assert_int_lt(hits, 5400);
	hits = 0;
	for (int i = 0; i < 20000; i++)
		hits += utcp_prng_chance(&r, 1e-12);
	ck_assert_int_eq(hits, 0);
}
END_TEST

START_TEST(test_fill)
{
	struct utcp_prng r, ref;
	uint8_t buf[16], want[16];
	utcp_prng_seed(&r, 5);
	ref = r;
	memset(buf, 0xaa, sizeof(buf));
	utcp_prng_fill(&r, buf, 0);
	ck_assert_mem_eq(&r, &ref, sizeof(r));
	/* 13 bytes: all of one output, then the first 5 bytes of the next;
	 * the bytes after stay untouched. */
	utcp_prng_fill(&r, buf, 13);
	uint64_t v1 = utcp_prng_next(&ref), v2 = utcp_prng_next(&ref);
	memset(want, 0xaa, sizeof(want));
	memcpy(want, &v1, 8);
	memcpy(want + 8, &v2, 5);
	ck_assert_mem_eq(buf, want, sizeof(buf));
	ck_assert_mem_eq(&r, &ref, sizeof(r));
}
END_TEST

static Suite *prng_suite(void)
{
	Suite *s = suite_create("prng");
	TCase *tc = tcase_create("xoshiro256ss");
	tcase_add_test(tc, test_seed_state);
	tcase_add_test(tc, test_known_outputs);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_below_bounds);
	tcase_add_test(tc, test_double_range);
	tcase_add_test(tc, test_chance_edges);
	tcase_add_test(tc, test_fill);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(prng_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
