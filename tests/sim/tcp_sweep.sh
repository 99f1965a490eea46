#!/bin/sh
# tests/sim/tcp_sweep.sh - TCP over many seeds of an impaired link.
#
# Every run must pass: both byte streams arrive complete and equal to what
# was written (pattern and digest), no invariant breaks while the world runs
# (sequence space ordered, nothing beyond the peer's window, legal state
# changes only), every connection ends within its bound and nothing (socket,
# connection, packet buffer) is left.  The sweep's last line names every
# failing seed; `tools/utcp-sim --seed N <same options> SCENARIO ...`
# replays one (add --pcap FILE to look at it).
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "tcp_sweep: $sim is not built" >&2
	exit 99
fi

status=0
sweep() {
	out=$("$sim" "$@" 2>&1)
	rc=$?
	echo "$out" | grep -v '^PASS [a-z]* seed='
	if [ $rc -ne 0 ]; then
		echo "FAIL: utcp-sim $* exited with $rc" >&2
		status=1
	fi
}

IMPAIR="--loss 0.05 --reorder 0.05 --dup 0.01 --corrupt-undetected 0.001"
sweep --seeds 1-100 $IMPAIR transfer --bytes 4M --both-ways
sweep --seeds 1-100 $IMPAIR rr --conns 200 --requests 1000
sweep --seeds 1-20 $IMPAIR rr --conns 200 --requests 2000 --persistent
sweep --seeds 1-20 --delay 2ms --jitter 1ms $IMPAIR --cores 2 transfer --bytes 1M --flows 4 --both-ways
sweep --seeds 1-20 --rate 10mbit --queue 20 --delay 5ms transfer --bytes 2M --flows 2
sweep --seeds 1-20 --burst-loss 0.02 --burst-len 4 --delay 1ms rr --conns 50 --requests 500 --size 3000
exit $status
