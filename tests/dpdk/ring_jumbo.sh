#!/bin/sh
# tests/dpdk/ring_jumbo.sh - test_dpdk_ring with jumbo frames: two stacks
# over net_ring (which takes any frame length) with dpdk_mtu = 9000, 20 MB
# each way byte-exact, the frames sent averaging more than 1514 bytes (the
# longest standard frame); then the same with dpdk_mbuf_size = 2048, so
# each side sends its 9 KB frames as chains of 2 KiB segments and the other
# receives chains, joins them and drops none; every mbuf back in its pool at the end.  Each run
# bounded to 120 s, one DPDK test at a time.
. "${top_srcdir:-.}/tests/dpdk/run_one.sh"
prog="${top_builddir:-.}/tests/dpdk/test_dpdk_ring"
RING_BYTES=20971520 RING_MTU=9000 dpdk_run 120 "$prog" || exit $?
RING_BYTES=20971520 RING_MTU=9000 RING_MBUF_SIZE=2048 dpdk_run 120 "$prog"
