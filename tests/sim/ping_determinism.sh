#!/bin/sh
# tests/sim/ping_determinism.sh - the simulator is deterministic.
#
#   1. utcp-sim --seed 7 --loss 0.1 --pcap a.pcap ping, twice: byte-identical
#      captures and identical reports;
#   2. another seed with impairments: a different capture;
#   3. tshark (when installed; else exit 77) reads the capture and finds no
#      malformed frame.
# Runs from make check ($top_builddir, $top_srcdir) or by hand from a build
# directory.  Works in a temporary directory that it deletes.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
sim="$(cd "$top_builddir" && pwd)/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "ping_determinism: $sim is not built" >&2
	exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-ping-det.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run NAME ARGS...: utcp-sim ARGS with its report in $tmp/NAME.log
run() {
	name=$1
	shift
	"$sim" "$@" >"$tmp/$name.log" 2>&1
	rc=$?
	cat "$tmp/$name.log"
	[ $rc -eq 0 ] || fail "utcp-sim $* exited with $rc"
	tail -n 1 "$tmp/$name.log" | grep -q '^PASS ping seed=' ||
		fail "utcp-sim $*: no PASS verdict on the last line"
}

cd "$tmp" || exit 99
run a --seed 7 --loss 0.1 --pcap a.pcap ping
run b --seed 7 --loss 0.1 --pcap b.pcap ping
cmp a.pcap b.pcap || fail "same seed, different captures"
cmp a.log b.log || fail "same seed, different reports"
[ -s a.pcap ] || fail "empty capture"

run c --seed 8 --loss 0.1 --delay 1ms --jitter 200us --reorder 0.1 --dup 0.1 \
	--pcap c.pcap ping --count 20
cmp -s a.pcap c.pcap && fail "different seeds and impairments, identical captures"

if ! command -v tshark >/dev/null 2>&1; then
	echo "SKIP: tshark is not installed (apt-get install tshark); captures not dissected"
	exit 77
fi
for f in a.pcap c.pcap; do
	HOME="$tmp" tshark -n -r "$f" >"$f.txt" 2>"$f.err" ||
		{ cat "$f.err"; fail "tshark cannot read $f"; }
	[ -s "$f.txt" ] || fail "tshark shows no frame in $f"
	HOME="$tmp" tshark -n -r "$f" -Y '_ws.malformed' >"$f.bad" 2>/dev/null
	if [ -s "$f.bad" ]; then
		cat "$f.bad"
		fail "malformed frames in $f"
	fi
	echo "$f: $(wc -l <"$f.txt") frames, none malformed"
done
grep -q 'Echo (ping) reply' a.pcap.txt || fail "no echo reply in a.pcap"
grep -q 'ARP' a.pcap.txt || fail "no ARP in a.pcap"
echo "PASS ping_determinism"
exit 0
