# Out-of-order ranges and SACK generation: unit traces (tests/unit/test_tcp_ooo.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_ooo
TESTS += tests/unit/test_tcp_ooo
endif

tests_unit_test_tcp_ooo_SOURCES = tests/unit/test_tcp_ooo.c $(TCP_TESTLIB)
tests_unit_test_tcp_ooo_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_ooo_LDADD = $(UNIT_LIBS)

# Many holes at long round trips on the simulator, every invariant checked.
TESTS += tests/sim/ooo_holes.sh
EXTRA_DIST += tests/sim/ooo_holes.sh
