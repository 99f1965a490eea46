#!/bin/sh
# tests/sim/ecn.sh - ECN end to end on the simulator: a link that meets
# congestion on 1 % of frames (utcp-sim --ecn-mark 0.01) drops them for a
# connection without ECN and marks them CE for one with it (--ecn: both
# hosts ask, tcp_ecn = 1).  Over 20 seeds every transfer must pass both
# ways; without ECN the drops cost retransmissions, with ECN the marks
# cost none (RFC 3168: the sender reduces cwnd and resends nothing; only
# pure ACKs, Not-ECT, are still dropped, which TCP's cumulative ACKs
# absorb).
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "ecn: $sim is not built" >&2
	exit 99
fi
status=0

# retransmissions summed over the seeds' verdict lines; "FAIL" if any failed
sweep() {
	"$sim" -q --seeds 1-20 --rate 100mbit --delay 5ms --ecn-mark 0.01 "$@" transfer --bytes 2M |
		awk '/^PASS transfer seed=/ { n++; for (i = 1; i <= NF; i++)
			if ($i ~ /^retransmits=/) { split($i, a, "="); s += a[2] } }
		     /^FAIL/ { f++ }
		     END { if (f > 0 || n != 20) print "FAIL"; else print s + 0 }'
}

plain=$(sweep)
ecn=$(sweep --ecn)
echo "ecn: 20 seeds at 1 % congestion: retransmissions $plain without ECN, $ecn with it"
[ "$plain" != FAIL ] || { echo "FAIL: a transfer without ECN failed" >&2; status=1; }
[ "$ecn" != FAIL ] || { echo "FAIL: a transfer with ECN failed" >&2; status=1; }
if [ $status = 0 ]; then
	[ "$plain" -gt 0 ] || { echo "FAIL: no drops without ECN: the impairment did nothing" >&2; status=1; }
	[ "$ecn" -eq 0 ] || { echo "FAIL: $ecn retransmissions with ECN (marks, not drops)" >&2; status=1; }
fi
exit $status
