#!/bin/sh
# tests/sim/tso_sweep.sh - TCP with segmentation offload and receive
# coalescing on the simulated NICs (utcp-sim --tso --gro), over many seeds
# of an impaired link: on a link of 1500-byte frames (--frame-mtu 1500:
# the NIC cuts each TSO frame, and loss, reordering and duplication act on
# the wire segments, which GRO joins again when they arrive in order) and
# on a link that carries 64 KiB frames whole, as loopback (a loss then
# takes a whole frame).  As tcp_sweep.sh: every byte arrives, every
# invariant holds, nothing is left.  The last line names failing seeds;
# `tools/utcp-sim --seed N <same options> SCENARIO ...` replays one.
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "tso_sweep: $sim is not built" >&2
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

IMPAIR="--loss 0.02 --reorder 0.05 --dup 0.01 --corrupt-undetected 0.001"
WIRE="--tso --gro --frame-mtu 1500"
sweep --seeds 1-20 $WIRE $IMPAIR transfer --bytes 4M --both-ways
sweep --seeds 1-10 $WIRE $IMPAIR rr --conns 50 --requests 500 --size 20000
sweep --seeds 1-5 $WIRE --rate 1gbit --queue 40 --delay 1ms transfer --bytes 4M --flows 2
sweep --seeds 1-5 $WIRE --delay 2ms --jitter 1ms $IMPAIR --cores 2 transfer --bytes 1M --flows 4 --both-ways
sweep --seeds 1-5 --ip6 $WIRE $IMPAIR transfer --bytes 2M --both-ways
sweep --seeds 1-10 --tso --gro --loss 0.01 --reorder 0.02 transfer --bytes 4M --both-ways
sweep --seeds 1-5 --tso $IMPAIR transfer --bytes 2M --both-ways
exit $status
