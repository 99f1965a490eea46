#!/bin/sh
# tests/sim/replay_traces.sh [--ip6] - replay every trace in traces/ (with
# --ip6: every IPv6 trace in traces/ipv6/, into utcp over IPv6).
#
# For each trace and each side played from it (client, server): one clean
# run per pacing mode (recorded timestamps, reactive), then seeds 1-5 with
# 5 % loss and 5 % reordering on what the replayer sends, in both modes.
# Every run must meet the built-in invariants (the bytes utcp sends are the
# recorded stream, never outside the offered window, no bad ACK or
# checksum, no leaked packet buffer, done within the virtual-time bound) and
# the trace's NAME.expect.  A failing run prints its verdict line with the
# seed; the command below it reproduces it, and --out FILE captures it.
# Then: the same seed gives a byte-identical capture, and tshark (when
# installed) reads the capture as one TCP conversation of the family
# replayed with the server's bytes, good checksums and no acknowledgment
# of data never sent.
# REPLAY_SEEDS=A-B changes the impaired sweep.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
rp="$top_builddir/tools/utcp-replay"
seeds=${REPLAY_SEEDS:-1-5}
if [ "${1:-}" = --ip6 ]; then
	me=replay_traces6 dir=$top_srcdir/traces/ipv6 min=3
	capture=bulk-download6.pcap other=ip ipck=
else
	me=replay_traces dir=$top_srcdir/traces min=10
	capture=retrans-download.pcap other=ipv6 ipck='-o ip.check_checksum:TRUE'
fi
if [ ! -x "$rp" ]; then
	echo "$me: $rp is not built" >&2
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
for t in "$dir"/*.pcap; do
	ntraces=$((ntraces + 1))
	for side in client server; do
		for pace in time react; do
			run "$t" --side $side --pace $pace
			run "$t" --side $side --pace $pace --seeds "$seeds" --loss 5% --reorder 5%
		done
	done
done
if [ $ntraces -lt $min ]; then
	echo "$me: only $ntraces traces in $dir" >&2
	status=1
fi

# Determinism and capture: one impaired run twice, byte-identical pcaps.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2; do
	"$rp" "$dir/$capture" --side server --seed 3 --loss 5% --reorder 5% \
		--out "$tmp/$i.pcap" >/dev/null || status=1
done
if ! cmp -s "$tmp/1.pcap" "$tmp/2.pcap"; then
	echo "$me: the same seed gave different captures" >&2
	status=1
fi
if command -v tshark >/dev/null 2>&1; then
	# both directions, one TCP stream of the family replayed, the
	# server's 200000 bytes delivered
	n=$(tshark -r "$tmp/1.pcap" -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
	nother=$(tshark -r "$tmp/1.pcap" -Y "$other" 2>/dev/null | wc -l)
	bytes=$(tshark -r "$tmp/1.pcap" -q -z follow,tcp,raw,0 2>/dev/null |
		grep -E '^[[:space:]]+[0-9a-f]+$' | tr -d ' \t\n' | wc -c)
	if [ "$n" -ne 1 ] || [ "$nother" -ne 0 ] || [ "$bytes" -lt 400000 ]; then
		echo "$me: tshark sees $n streams, $nother $other frames," \
			"$((bytes / 2)) server bytes in the capture" >&2
		status=1
	fi
	# rewritten right: every checksum good, no ACK of a segment never sent
	# shellcheck disable=SC2086 # $ipck: options or nothing
	bad=$(tshark -r "$tmp/1.pcap" -o tcp.check_checksum:TRUE $ipck \
		-Y 'tcp.checksum.status == 0 || ip.checksum.status == 0 || tcp.analysis.ack_lost_segment' \
		2>/dev/null | wc -l)
	if [ "$bad" -ne 0 ]; then
		echo "$me: tshark finds $bad bad checksums or ACKs of unseen data" >&2
		status=1
	fi
else
	echo "$me: tshark not installed, capture contents not checked"
fi
echo "$me: $runs replays of $ntraces traces"
exit $status
