# Loss recovery and congestion control: unit traces (tests/unit/test_tcp_recovery.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_recovery
TESTS += tests/unit/test_tcp_recovery
endif

tests_unit_test_tcp_recovery_SOURCES = tests/unit/test_tcp_recovery.c $(TCP_TESTLIB)
tests_unit_test_tcp_recovery_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_recovery_LDADD = $(UNIT_LIBS)
