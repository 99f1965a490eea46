#!/bin/sh
# tests/dpdk/ring_valgrind.sh - test_dpdk_ring under valgrind memcheck:
# any memory error, definite or possible leak fails; the same conversation
# (4 MB each way, 1 queue then 2; RING_VALGRIND_BYTES changes the size), then
# 2 MB with MTU 9000 and 2 KiB mbufs (chains sent and joined).  tests/dpdk/valgrind.supp
# holds the one suppression DPDK's EAL needs, and says why.
if ! command -v valgrind >/dev/null 2>&1; then
	echo "skipped: valgrind is not installed"
	exit 77
fi
. "${top_srcdir:-.}/tests/dpdk/run_one.sh"
memcheck() {
	RING_BYTES=${RING_VALGRIND_BYTES:-4194304} RING_TIMEOUT=400 \
	dpdk_run 480 "${top_builddir:-.}/libtool" --mode=execute valgrind -q --error-exitcode=3 \
		--leak-check=full --errors-for-leak-kinds=definite,possible \
		--show-leak-kinds=definite,possible \
		--suppressions="${top_srcdir:-.}/tests/dpdk/valgrind.supp" \
		"${top_builddir:-.}/tests/dpdk/test_dpdk_ring" "$@"
}
memcheck || exit $?
memcheck --queues 2 || exit $?
# jumbo frames sent as chains of indirect mbufs, joined on receipt
export RING_MTU=9000 RING_MBUF_SIZE=2048 RING_VALGRIND_BYTES=2097152
memcheck || exit $?
