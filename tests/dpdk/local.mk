# Tests of the DPDK backend (one at a time: a DPDK poll loop takes a core).
if HAVE_DPDK
check_PROGRAMS += tests/dpdk/test_dpdk_ring tests/dpdk/test_dpdk_tap
check_PROGRAMS += tests/dpdk/test_dpdk_memif_flap
check_PROGRAMS += tests/dpdk/test_dpdk_memif_close
TESTS += tests/dpdk/ring.sh tests/dpdk/ring_valgrind.sh tests/dpdk/tap.sh \
	tests/dpdk/epserver_tap.sh tests/dpdk/epserver_memif.sh
TESTS += tests/dpdk/memif_flap.sh
TESTS += tests/dpdk/memif_close.sh
TESTS += tests/dpdk/tap_tcp6.sh
TESTS += tests/dpdk/tap_tso.sh
TESTS += tests/dpdk/tap_seg.sh tests/dpdk/ring_jumbo.sh
else
TESTS += tests/dpdk/no_dpdk.sh
endif
EXTRA_DIST += tests/dpdk/ring.sh tests/dpdk/run_one.sh tests/dpdk/ring_valgrind.sh tests/dpdk/no_dpdk.sh tests/dpdk/valgrind.supp \
	tests/dpdk/tap.sh tests/dpdk/epserver_tap.sh tests/dpdk/epserver_memif.sh
EXTRA_DIST += tests/dpdk/memif_flap.sh
EXTRA_DIST += tests/dpdk/memif_close.sh
EXTRA_DIST += tests/dpdk/tap_tcp6.sh
EXTRA_DIST += tests/dpdk/tap_tso.sh
EXTRA_DIST += tests/dpdk/tap_seg.sh tests/dpdk/ring_jumbo.sh tests/dpdk/bench_seg.sh
tests_dpdk_test_dpdk_ring_SOURCES = tests/dpdk/test_dpdk_ring.c
tests_dpdk_test_dpdk_ring_CPPFLAGS = $(AM_CPPFLAGS) -DALLOW_EXPERIMENTAL_API
tests_dpdk_test_dpdk_ring_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS)
tests_dpdk_test_dpdk_ring_LDADD = libutcp.la $(DPDK_LIBS) -lrte_net_ring
tests_dpdk_test_dpdk_tap_SOURCES = tests/dpdk/test_dpdk_tap.c
tests_dpdk_test_dpdk_tap_LDADD = libutcp.la
tests_dpdk_test_dpdk_memif_flap_SOURCES = tests/dpdk/test_dpdk_memif_flap.c
tests_dpdk_test_dpdk_memif_flap_CPPFLAGS = $(AM_CPPFLAGS) -DALLOW_EXPERIMENTAL_API
tests_dpdk_test_dpdk_memif_flap_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS)
tests_dpdk_test_dpdk_memif_flap_LDADD = libutcp.la $(DPDK_LIBS) -lpthread
tests_dpdk_test_dpdk_memif_close_SOURCES = tests/dpdk/test_dpdk_memif_close.c
tests_dpdk_test_dpdk_memif_close_CPPFLAGS = $(AM_CPPFLAGS) -DALLOW_EXPERIMENTAL_API
tests_dpdk_test_dpdk_memif_close_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS)
tests_dpdk_test_dpdk_memif_close_LDADD = libutcp.la $(DPDK_LIBS) -lpthread

# tests/dpdk/run_one.sh's lock (one DPDK test at a time), left in the build
# directory by every DPDK test.
CLEANFILES += tests/dpdk/.dpdk-test.lock
