#!/bin/sh
# tests/sim/tcp_long.sh - `make check-long`: 10 000 seeds of TCP with loss
# from 0 to 20 % (1 000 seeds per level), transfer and rr, run on every CPU.
# Slow (tens of minutes); not part of make check.  Prints every failing
# seed with the command that replays it; exit 1 if any failed.  On a
# terminal, a progress line with the time left (tools/utcp-progress).
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
progress="$top_builddir/tools/utcp-progress" # the seeds done and the time left, on a terminal
[ -x "$sim" ] || { echo "tcp_long: $sim is not built" >&2; exit 99; }
[ -x "$progress" ] || { echo "tcp_long: $progress is not built" >&2; exit 99; }
jobs=$(nproc 2>/dev/null || echo 2)

levels="0.02 0.04 0.06 0.08 0.10 0.12 0.14 0.16 0.18 0.20"
i=0
for loss in $levels; do
	lo=$((i * 1000 + 1))
	hi=$((i * 1000 + 1000))
	i=$((i + 1))
	echo "--seeds $lo-$hi --loss $loss --reorder 0.05 --dup 0.01 --corrupt-undetected 0.001 transfer --bytes 256k --both-ways"
	echo "--seeds $lo-$hi --loss $loss --reorder 0.05 --dup 0.01 --corrupt-undetected 0.001 rr --conns 50 --requests 200"
done | UTCP_PROGRESS=0 xargs -P "$jobs" -I{} sh -c "\"$sim\" {}; exit 0" |
	"$progress" 20000 | tee "${TMPDIR:-/tmp}/utcp-check-long.$$"
if grep -q '^FAIL' "${TMPDIR:-/tmp}/utcp-check-long.$$"; then
	rm -f "${TMPDIR:-/tmp}/utcp-check-long.$$"
	exit 1
fi
rm -f "${TMPDIR:-/tmp}/utcp-check-long.$$"
exit 0
