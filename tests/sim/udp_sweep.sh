#!/bin/sh
# tests/sim/udp_sweep.sh - utcp-sim udp over many seeds and impairments.
#
# Every run must pass: every datagram read has the length and bytes it was
# sent with, and each direction's frames balance exactly (sent + copies
# made by the link = read + dropped by the link + dropped by the receive
# buffer); on a clean link nothing is missing.  Streams and request/
# response, loss, duplication, reordering, corruption caught by the FCS and
# past it (the UDP and IP checksums), jitter, a small drop-tail queue, a
# reader too slow for its receive buffer, two cores; over IPv4 and over
# IPv6 (--ip6: the checksum mandatory, copies of unsteered IPv6 frames on
# the second core taken by no unconnected socket).  A failing seed is
# printed; `tools/utcp-sim --seed N <same options> udp ...` replays it.
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "udp_sweep: $sim is not built" >&2
	exit 99
fi

status=0
sweep() {
	out=$("$sim" "$@" 2>&1)
	rc=$?
	echo "$out" | grep -v '^PASS udp seed='
	if [ $rc -ne 0 ]; then
		echo "FAIL: utcp-sim $* exited with $rc" >&2
		status=1
	fi
}

sweep --seeds 1-20 udp --count 500
sweep --seeds 1-20 --cores 2 --delay 100us udp --mode rr --count 200
sweep --seeds 1-50 --loss 0.1 --dup 0.05 --reorder 0.1 --corrupt 0.05 \
	--corrupt-undetected 0.1 udp --count 500
sweep --seeds 1-50 --delay 1ms --jitter 2ms --loss 0.1 --dup 0.1 --reorder 0.2 \
	--corrupt-undetected 0.1 udp --mode rr --count 200 --timeout 10ms
sweep --seeds 1-20 --burst-loss 0.05 --burst-len 4 udp --count 500 --size 1472
sweep --seeds 1-20 --rate 10mbit --queue 5 udp --count 300 --interval 0 --size 1472
sweep --seeds 1-20 --loss 0.05 udp --count 1000 --interval 1us --read-interval 200us \
	--rcvbuf 8192
# Over IPv6.
sweep --seeds 1-20 udp --count 500 --ip6
sweep --seeds 1-20 --cores 2 --delay 100us udp --mode rr --count 200 --ip6
sweep --seeds 1-50 --loss 0.1 --dup 0.05 --reorder 0.1 --corrupt 0.05 \
	--corrupt-undetected 0.1 udp --count 500 --ip6
sweep --seeds 1-50 --delay 1ms --jitter 2ms --loss 0.1 --dup 0.1 --reorder 0.2 \
	--corrupt-undetected 0.1 udp --mode rr --count 200 --timeout 10ms --ip6
sweep --seeds 1-20 --burst-loss 0.05 --burst-len 4 udp --count 500 --size 1452 --ip6
sweep --seeds 1-20 --loss 0.05 udp --count 1000 --interval 1us --read-interval 200us \
	--rcvbuf 8192 --ip6

# One seed, one run: the same frames, byte for byte and to the nanosecond.
tmp=$(mktemp -d) || exit 99
for i in 1 2; do
	"$sim" -q --seed 9 --pcap "$tmp/$i.pcap" --delay 1ms --jitter 1ms --loss 0.1 \
		--reorder 0.1 --dup 0.05 udp --mode rr --count 100 >/dev/null || status=1
	"$sim" -q --seed 9 --pcap "$tmp/6-$i.pcap" --delay 1ms --jitter 1ms --loss 0.1 \
		--reorder 0.1 --dup 0.05 udp --mode rr --count 100 --ip6 >/dev/null || status=1
done
if ! cmp -s "$tmp/1.pcap" "$tmp/2.pcap" || ! cmp -s "$tmp/6-1.pcap" "$tmp/6-2.pcap"; then
	echo "FAIL: utcp-sim udp seed 9 is not deterministic" >&2
	status=1
fi
rm -rf "$tmp"
exit $status
