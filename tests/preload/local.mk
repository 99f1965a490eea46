# tests/preload: unmodified Debian programs over utcp through
# libutcp-preload (utcp-run) on TAP in network namespaces of their own,
# against the kernel's clients and servers (root; 77 otherwise).
PRELOAD_TESTS = tests/preload/calls.sh tests/preload/nginx.sh tests/preload/redis.sh \
	tests/preload/clients.sh
TESTS += $(PRELOAD_TESTS)
EXTRA_DIST += $(PRELOAD_TESTS) tests/preload/common.sh tests/preload/bench_nginx.sh \
	tests/preload/bench_redis.sh
# redis-server and its clients over DPDK, two processes joined by net_memif.
# nginx likewise (its worker opens the EAL), against ab and curl on memif.
if HAVE_DPDK
TESTS += tests/preload/memif_redis.sh tests/preload/memif_nginx.sh
endif
EXTRA_DIST += tests/preload/memif_redis.sh tests/preload/memif_nginx.sh
# A plain libc program: it knows nothing of utcp (no utcp header, no -lutcp).
check_PROGRAMS += tests/preload/calls
tests_preload_calls_SOURCES = tests/preload/calls.c
tests_preload_calls_LDADD = -lpthread
