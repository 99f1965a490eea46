#!/bin/sh
# tests/dpdk/ring.sh - test_dpdk_ring (two stacks over net_ring, 4 MB each
# way), bounded to 120 s, one DPDK test at a time.
. "${top_srcdir:-.}/tests/dpdk/run_one.sh"
dpdk_run 120 "${top_builddir:-.}/tests/dpdk/test_dpdk_ring"
