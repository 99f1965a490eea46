#!/bin/sh
# tests/dpdk/ring.sh - test_dpdk_ring: two stacks over net_ring, 4 MB each
# way, with 1 queue and then with 2 (one EAL per process, so two runs);
# each bounded to 120 s, never two DPDK tests at once.
. "${top_srcdir:-.}/tests/dpdk/run_one.sh"
dpdk_run 120 "${top_builddir:-.}/tests/dpdk/test_dpdk_ring" || exit $?
dpdk_run 120 "${top_builddir:-.}/tests/dpdk/test_dpdk_ring" --queues 2
