#!/bin/sh
# tests/dpdk/tap.sh - test_dpdk_tap (utcp on net_tap <-> the kernel's TCP in
# a private network namespace), bounded to 90 s, one DPDK test at a time.
. "${top_srcdir:-.}/tests/dpdk/run_one.sh"
dpdk_run 90 "${top_builddir:-.}/tests/dpdk/test_dpdk_tap"
