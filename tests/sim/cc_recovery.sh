#!/bin/sh
# tests/sim/cc_recovery.sh - loss recovery as seen on the wire.
#
# The bulk transfer of the loss-recovery measurements (100 Mbit/s, 20 ms
# RTT, 100-frame drop-tail queue, 1 % random loss both ways) with each
# congestion control module, through utcp-sim with a pcap: every byte must
# arrive, SACK recovery must repair the losses with timeouts the rare
# exception (RTOs at most 1/20 of the fast recoveries), and the capture
# must show the receiver's SACK blocks (tshark filter tcp.options.sack_le).
# Needs tshark (exit 77 without it).
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "cc_recovery: $sim is not built" >&2
	exit 99
fi
if ! command -v tshark >/dev/null 2>&1; then
	echo "cc_recovery: tshark not found (apt-get install tshark)" >&2
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/cc_recovery.XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT

status=0
for cc in cubic newreno; do
	pcap="$dir/$cc.pcap"
	args="--seed 1 --rate 100mbit --delay 10ms --queue 100 --loss 0.01 --pcap $pcap transfer --bytes 8M --cc $cc --sndbuf 1M --rcvbuf 1M"
	out=$("$sim" $args 2>&1)
	rc=$?
	verdict=$(echo "$out" | tail -n 1)
	echo "$verdict"
	if [ $rc -ne 0 ]; then
		echo "FAIL: utcp-sim $args exited with $rc" >&2
		echo "$out" >&2
		status=1
		continue
	fi
	rto=$(echo "$verdict" | sed -n 's/.* rto=\([0-9]*\).*/\1/p')
	fr=$(echo "$verdict" | sed -n 's/.* fast-recoveries=\([0-9]*\).*/\1/p')
	sack=$(tshark -r "$pcap" -Y tcp.options.sack_le 2>/dev/null | wc -l)
	echo "$cc: rto $rto fast-recoveries $fr, $sack segments with SACK blocks in the capture"
	if [ -z "$rto" ] || [ -z "$fr" ] || [ "$fr" -lt 20 ] || [ $((rto * 20)) -gt "$fr" ]; then
		echo "FAIL: $cc: recovery by timeouts, not SACK (rto $rto, fast-recoveries $fr)" >&2
		status=1
	fi
	if [ "$sack" -eq 0 ]; then
		echo "FAIL: $cc: no SACK blocks in the capture" >&2
		status=1
	fi
done
exit $status
