#!/bin/sh
# tests/sim/replay_traces6.sh - replay every IPv6 trace in traces/ipv6/ into
# utcp over IPv6, as replay_traces.sh does for the IPv4 ones: for each trace
# and each side, one clean run per pacing mode (recorded timestamps,
# reactive), then seeds 1-5 with 5 % loss and 5 % reordering on what the
# replayer sends, in both modes.  Every run meets the built-in invariants
# and the trace's NAME.expect (stream digests, how it ends).  Then one
# impaired run's capture: IPv6 only, one TCP stream, every checksum good
# and no ACK of data never sent (tshark, when installed).
# REPLAY_SEEDS=A-B changes the impaired sweep.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
rp="$top_builddir/tools/utcp-replay"
seeds=${REPLAY_SEEDS:-1-5}
if [ ! -x "$rp" ]; then
	echo "replay_traces6: $rp is not built" >&2
	exit 99
fi

status=0
runs=0
run() {
	out=$("$rp" "$@" 2>&1)
	rc=$?
	runs=$((runs + $(echo "$out" | grep -c '^PASS\|^FAIL')))
	if [ $rc -ne 0 ]; then
		echo "$out" | grep -v '^PASS'
		echo "  reproduce: tools/utcp-replay $* -v --out replay.pcap" >&2
		status=1
	fi
}

ntraces=0
for t in "$top_srcdir"/traces/ipv6/*.pcap; do
	ntraces=$((ntraces + 1))
	for side in client server; do
		for pace in time react; do
			run "$t" --side $side --pace $pace
			run "$t" --side $side --pace $pace --seeds "$seeds" --loss 5% --reorder 5%
		done
	done
done
if [ $ntraces -lt 3 ]; then
	echo "replay_traces6: only $ntraces traces in $top_srcdir/traces/ipv6" >&2
	status=1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$rp" "$top_srcdir/traces/ipv6/bulk-download6.pcap" --side server --seed 3 --loss 5% \
	--reorder 5% --out "$tmp/1.pcap" > /dev/null || status=1
if command -v tshark > /dev/null 2>&1; then
	n=$(tshark -r "$tmp/1.pcap" -T fields -e tcp.stream 2> /dev/null | sort -u | wc -l)
	v4=$(tshark -r "$tmp/1.pcap" -Y ip 2> /dev/null | wc -l)
	bad=$(tshark -r "$tmp/1.pcap" -o tcp.check_checksum:TRUE \
		-Y 'tcp.checksum.status == 0 || tcp.analysis.ack_lost_segment' 2> /dev/null | wc -l)
	if [ "$n" -ne 1 ] || [ "$v4" -ne 0 ] || [ "$bad" -ne 0 ]; then
		echo "replay_traces6: tshark sees $n streams, $v4 IPv4 frames, $bad bad checksums" \
			"or ACKs of unseen data" >&2
		status=1
	fi
else
	echo "replay_traces6: tshark not installed, capture contents not checked"
fi
echo "replay_traces6: $runs replays of $ntraces IPv6 traces"
exit $status
