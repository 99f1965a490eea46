# Loss recovery and congestion control: unit traces (tests/unit/test_tcp_recovery.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_recovery
TESTS += tests/unit/test_tcp_recovery
endif

tests_unit_test_tcp_recovery_SOURCES = tests/unit/test_tcp_recovery.c $(TCP_TESTLIB)
tests_unit_test_tcp_recovery_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_recovery_LDADD = $(UNIT_LIBS)

# Congestion control measured on the simulator, with a goodput snapshot.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_cc_sim
TESTS += tests/unit/test_cc_sim
endif
tests_unit_test_cc_sim_SOURCES = tests/unit/test_cc_sim.c $(TCP_TESTLIB)
tests_unit_test_cc_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cc_sim_LDADD = $(UNIT_LIBS)
EXTRA_DIST += tests/sim/cc_goodput.snap

# Recovery seen on the wire (utcp-sim, pcap, tshark).
TESTS += tests/sim/cc_recovery.sh
EXTRA_DIST += tests/sim/cc_recovery.sh
