# core/base: packet/object pools, timer wheel, PRNG, counters, value parsers.
libutcp_la_SOURCES += \
	core/base/prng.c core/base/prng.h \
	core/base/hash.c core/base/hash.h core/base/bytes.h \
	core/base/pool.c core/base/pool.h \
	core/base/timer.c core/base/timer.h \
	core/base/stats.c \
	core/base/args.c core/base/args.h

# Unit tests (Check).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_timer tests/unit/test_prng tests/unit/test_pool \
	tests/unit/test_args
TESTS += tests/unit/test_timer tests/unit/test_prng tests/unit/test_pool tests/unit/test_args
endif
tests_unit_test_timer_SOURCES = tests/unit/test_timer.c
tests_unit_test_timer_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_timer_LDADD = $(UNIT_LIBS)
tests_unit_test_prng_SOURCES = tests/unit/test_prng.c
tests_unit_test_prng_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_prng_LDADD = $(UNIT_LIBS)
tests_unit_test_pool_SOURCES = tests/unit/test_pool.c
tests_unit_test_pool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pool_LDADD = $(UNIT_LIBS)
tests_unit_test_args_SOURCES = tests/unit/test_args.c
tests_unit_test_args_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_args_LDADD = $(UNIT_LIBS)
