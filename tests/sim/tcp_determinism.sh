#!/bin/sh
# tests/sim/tcp_determinism.sh - a TCP run on an impaired link is the same
# run every time: the same seed twice gives byte-identical captures and
# reports, another seed a different capture, and tshark (when installed)
# dissects the capture without a malformed frame.
#   tcp_determinism.sh [--ip6]   --ip6: the same over IPv6 (utcp-sim --ip6)
set -u
ip6=
[ "${1:-}" = --ip6 ] && ip6=--ip6
top_builddir=${top_builddir:-.}
sim="$(cd "$top_builddir" && pwd)/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "tcp_determinism: $sim is not built" >&2
	exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-tcp-det.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

run() {
	name=$1
	shift
	"$sim" $ip6 "$@" >"$tmp/$name.log" 2>&1 || { cat "$tmp/$name.log"; fail "utcp-sim $* failed"; }
	cat "$tmp/$name.log"
	tail -n 1 "$tmp/$name.log" | grep -q '^PASS ' || fail "utcp-sim $*: no PASS verdict"
}

cd "$tmp" || exit 99
IMPAIR="--delay 1ms --jitter 300us --loss 0.03 --reorder 0.05 --dup 0.02 --corrupt-undetected 0.01"
run a --seed 11 $IMPAIR --pcap a.pcap transfer --bytes 300k --both-ways
run b --seed 11 $IMPAIR --pcap b.pcap transfer --bytes 300k --both-ways
cmp a.pcap b.pcap || fail "same seed, different captures"
cmp a.log b.log || fail "same seed, different reports"
run c --seed 12 $IMPAIR --pcap c.pcap transfer --bytes 300k --both-ways
cmp -s a.pcap c.pcap && fail "different seeds, identical captures"
run d --seed 11 $IMPAIR --pcap d.pcap rr --conns 20 --requests 100
run e --seed 11 $IMPAIR --pcap e.pcap rr --conns 20 --requests 100
cmp d.pcap e.pcap || fail "rr: same seed, different captures"

if ! command -v tshark >/dev/null 2>&1; then
	echo "SKIP: tshark is not installed (apt-get install tshark); captures not dissected"
	exit 77
fi
for f in a.pcap d.pcap; do
	HOME="$tmp" tshark -n -r "$f" -Y tcp >"$f.txt" 2>"$f.err" ||
		{ cat "$f.err"; fail "tshark cannot read $f"; }
	[ -s "$f.txt" ] || fail "tshark shows no TCP segment in $f"
	# Corrupted frames are sent on purpose (--corrupt-undetected): tshark flags their
	# checksums, not their structure.  Nothing utcp wrote may be malformed.
	HOME="$tmp" tshark -n -r "$f" -Y '_ws.malformed' >"$f.bad" 2>/dev/null
	if [ -s "$f.bad" ]; then
		head "$f.bad"
		fail "tshark finds malformed frames in $f"
	fi
	echo "$f: $(wc -l <"$f.txt") TCP segments dissected, none malformed"
done
exit 0
