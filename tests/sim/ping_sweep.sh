#!/bin/sh
# tests/sim/ping_sweep.sh - ping over many seeds and impairments.
#
# Every run must pass: on a clean link every reply arrives; on impaired
# links (loss, bursts, duplication, corruption, reordering, jitter, a small
# drop-tail queue) no duplicate or corrupt reply is taken for a good one,
# no buffer leaks and every run ends within its bound.  A failing seed is
# printed; `tools/utcp-sim --seed N <same options> ping` replays it.
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "ping_sweep: $sim is not built" >&2
	exit 99
fi

status=0
sweep() {
	out=$("$sim" "$@" 2>&1)
	rc=$?
	echo "$out" | grep -v '^PASS ping seed='
	if [ $rc -ne 0 ]; then
		echo "FAIL: utcp-sim $* exited with $rc" >&2
		status=1
	fi
}

sweep --seeds 1-50 ping --count 20
sweep --seeds 1-50 --delay 1ms --cores 2 ping --count 20
sweep --seeds 1-100 --loss 0.2 ping --count 50 --interval 100us
sweep --seeds 1-100 --burst-loss 0.05 --burst-len 4 --delay 500us ping --count 50
sweep --seeds 1-100 --delay 2ms --jitter 3ms --loss 0.1 --dup 0.1 --corrupt-undetected 0.1 \
	--reorder 0.1 ping --count 50 --size 1000
sweep --seeds 1-50 --rate 10mbit --queue 5 ping --count 100 --interval 100us --size 1400
exit $status
