/*
 * tests/fuzz/ckshim.c - Check's two assertion hooks, for the fuzz targets
 * that reuse the unit tests' scripted peer (tests/unit/tcptest.c).
 *
 * Outside a Check runner every ck_assert, passing or not, would try to
 * report to a runner that is not there.  These definitions take the place of
 * libcheck's (the targets do not link it): a passing assertion does nothing;
 * a failing one prints where and why and aborts, which the fuzzer reports as
 * a crash with the input that caused it.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void _mark_point(const char *file, int line)
{
	(void)file;
	(void)line;
}

void _ck_assert_failed(const char *file, int line, const char *expr, const char *msg, ...)
{
	fprintf(stderr, "%s:%d: %s", file, line, expr);
	if (msg != NULL) {
		va_list ap;
		va_start(ap, msg);
		fputs(": ", stderr);
		vfprintf(stderr, msg, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	abort();
}
