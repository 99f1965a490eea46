#!/bin/sh
# tests/dpdk/memif_close.sh - test_dpdk_memif_close: two processes joined by
# net_memif close their ports at the same instant, round after round; fails
# on a crash, a child's error or an error line from the EAL or a PMD
# ("EAL: Error", "Invalid memory").  Bounded to 60 s, never two DPDK tests
# at once.  No root needed (memif uses an abstract unix socket).
. "${top_srcdir:-.}/tests/dpdk/run_one.sh"
log="${top_builddir:-.}/tests/dpdk/memif_close.log.$$"
dpdk_run 60 "${top_builddir:-.}/tests/dpdk/test_dpdk_memif_close" > "$log" 2>&1
rc=$?
cat "$log"
if [ $rc -eq 0 ] && grep -E -q "Error|Invalid memory|PANIC" "$log"; then
	echo "FAIL: an error from DPDK while the ports closed (above)"
	rc=1
fi
rm -f "$log"
for d in /var/run/dpdk/utcp-mclose-* "${XDG_RUNTIME_DIR:-/tmp}"/dpdk/utcp-mclose-*; do
	[ -d "$d" ] && rmdir "$d" 2> /dev/null
done
exit $rc
