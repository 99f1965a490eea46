#!/bin/sh
# tests/sim/ooo_holes.sh - long round trips whose windows hold many holes:
# slow start overflows a 100-frame drop-tail queue at 50-100 ms RTT (with
# reordering and duplicates on top), so the receiver holds tens of
# out-of-order ranges at once (42 to 64 at the peak in these runs).
#
# Every run must pass as in tcp_sweep.sh (streams equal, the context's
# invariants -- the out-of-order ranges sorted, disjoint, merged and inside
# the window among them -- hold after every step, nothing left), and with
# full-sized segments no out-of-order data may be dropped for want of
# ranges (drop_tcp_ooo_mem absent from both hosts' drop lists; when at
# most 8 ranges were kept, these runs dropped 575 to 1018 segments each).
# A failing run prints the command that replays it.
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "ooo_holes: $sim is not built" >&2
	exit 99
fi

status=0
run() {
	out=$("$sim" "$@" 2>&1)
	rc=$?
	echo "$out" | grep -E '^(PASS|FAIL)'
	if [ $rc -ne 0 ]; then
		echo "FAIL: utcp-sim $* exited with $rc" >&2
		echo "$out" | tail -n 5 >&2
		status=1
	elif echo "$out" | grep -q 'drop_tcp_ooo_mem='; then
		echo "FAIL: utcp-sim $*: out-of-order data dropped for want of ranges:" >&2
		echo "$out" | grep '^host' >&2
		status=1
	fi
}

BUF="--rcvbuf 2M --sndbuf 2M"
for seed in 1 2 3; do
	run --seed $seed --rate 100mbit --delay 50ms --queue 100 --reorder 0.02 --dup 0.01 \
		transfer --bytes 8M $BUF
done
run --seed 1 --rate 100mbit --delay 25ms --queue 100 transfer --bytes 8M $BUF
run --seed 1 --rate 100mbit --delay 50ms --queue 100 --loss 0.0005 transfer --bytes 8M $BUF --cc newreno
exit $status
