/*
 * tests/unit/test_args.c - the number parsers of core/base/args.h.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/base/args.h"

START_TEST(test_u64)
{
	uint64_t v = 7;
	ck_assert_int_eq(utcp_parse_u64("42", 10, 0, 100, &v), UTCP_NUM_OK);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(utcp_parse_u64("0x1f", 0, 0, 100, &v), UTCP_NUM_OK);
	ck_assert_uint_eq(v, 31);
	ck_assert_int_eq(utcp_parse_u64("010", 0, 0, 100, &v), UTCP_NUM_OK);
	ck_assert_uint_eq(v, 10); /* not octal */
	ck_assert_int_eq(utcp_parse_u64("ff", 16, 0, UINT64_MAX, &v), UTCP_NUM_OK);
	ck_assert_uint_eq(v, 255);
	ck_assert_int_eq(utcp_parse_u64("0xff", 16, 0, UINT64_MAX, &v), UTCP_NUM_OK);
	ck_assert_uint_eq(v, 255);
	ck_assert_int_eq(utcp_parse_u64("18446744073709551615", 10, 0, UINT64_MAX, &v),
			 UTCP_NUM_OK);
	ck_assert_uint_eq(v, UINT64_MAX);
	v = 7;
	static const char *const bad[] = { "", " 1", "1 ", "-1", "+1", "0x", "1x", "ff", "0x0x1" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(utcp_parse_u64(bad[i], 0, 0, UINT64_MAX, &v) == UTCP_NUM_SYNTAX,
			      "'%s'", bad[i]);
	ck_assert_int_eq(utcp_parse_u64("0x10", 10, 0, 100, &v), UTCP_NUM_SYNTAX);
	ck_assert_int_eq(utcp_parse_u64("101", 10, 0, 100, &v), UTCP_NUM_RANGE);
	ck_assert_int_eq(utcp_parse_u64("0", 10, 1, 100, &v), UTCP_NUM_RANGE);
	ck_assert_int_eq(utcp_parse_u64("18446744073709551616", 10, 0, UINT64_MAX, &v),
			 UTCP_NUM_RANGE);
	ck_assert_uint_eq(v, 7); /* untouched on failure */
}
END_TEST

START_TEST(test_long_int)
{
	long l = 0;
	int i = 0;
	ck_assert_int_eq(utcp_parse_long("-1", -1, 10, &l), UTCP_NUM_OK);
	ck_assert_int_eq(l, -1);
	ck_assert_int_eq(utcp_parse_long("+5", 0, 10, &l), UTCP_NUM_OK);
	ck_assert_int_eq(l, 5);
	ck_assert_int_eq(utcp_parse_long("4.0", 0, 10, &l), UTCP_NUM_SYNTAX);
	ck_assert_int_eq(utcp_parse_long("", 0, 10, &l), UTCP_NUM_SYNTAX);
	ck_assert_int_eq(utcp_parse_long(" 4", 0, 10, &l), UTCP_NUM_SYNTAX);
	ck_assert_int_eq(utcp_parse_long("11", 0, 10, &l), UTCP_NUM_RANGE);
	ck_assert_int_eq(utcp_parse_long("99999999999999999999999", 0, 10, &l), UTCP_NUM_RANGE);
	ck_assert_int_eq(utcp_parse_int("65535", 1, 65535, &i), UTCP_NUM_OK);
	ck_assert_int_eq(i, 65535);
	ck_assert_int_eq(utcp_parse_int("65536", 1, 65535, &i), UTCP_NUM_RANGE);
	ck_assert_int_eq(i, 65535);
}
END_TEST

START_TEST(test_double_prob)
{
	double d = 0;
	ck_assert_int_eq(utcp_parse_double("1.5", 1, HUGE_VAL, &d), UTCP_NUM_OK);
	ck_assert(d == 1.5);
	ck_assert_int_eq(utcp_parse_double("0.5", 1, HUGE_VAL, &d), UTCP_NUM_RANGE);
	ck_assert_int_eq(utcp_parse_double("nan", 0, 1, &d), UTCP_NUM_SYNTAX);
	ck_assert_int_eq(utcp_parse_double("inf", 0, HUGE_VAL, &d), UTCP_NUM_SYNTAX);
	ck_assert_int_eq(utcp_parse_double("1e999", 0, HUGE_VAL, &d), UTCP_NUM_SYNTAX);
	ck_assert_int_eq(utcp_parse_double("1%", 0, 1, &d), UTCP_NUM_SYNTAX);
	ck_assert_int_eq(utcp_parse_double("often", 0, 1, &d), UTCP_NUM_SYNTAX);
	ck_assert_int_eq(utcp_parse_prob("5%", &d), UTCP_NUM_OK);
	ck_assert(d == 0.05);
	ck_assert_int_eq(utcp_parse_prob("0.25", &d), UTCP_NUM_OK);
	ck_assert(d == 0.25);
	ck_assert_int_eq(utcp_parse_prob("150%", &d), UTCP_NUM_RANGE);
	ck_assert_int_eq(utcp_parse_prob("-0.1", &d), UTCP_NUM_RANGE);
	ck_assert_int_eq(utcp_parse_prob("5%%", &d), UTCP_NUM_SYNTAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("args");
	TCase *tc = tcase_create("numbers");
	tcase_add_test(tc, test_u64);
	tcase_add_test(tc, test_long_int);
	tcase_add_test(tc, test_double_prob);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
