#!/bin/sh
# tests/bench/bench_tap_smoke.sh - utcp-bench --path tap --quick works (a
# few seconds; root): short and pingpong ran on utcp over TAP and on the
# kernel over veth, the table has both figures in each row, every byte was
# verified and no namespace device was left behind.  Figures are not
# judged.  77 (skipped) when utcp-bench says TAP cannot run here.
set -u
top_builddir=${top_builddir:-.}
bench="$(cd "$top_builddir" && pwd)/tools/utcp-bench"
if [ ! -x "$bench" ]; then
	echo "bench_tap_smoke: $bench is not built" >&2
	exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-bench-tap.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	cat "$tmp/out" >&2
	exit 1
}

timeout 120 "$bench" --path tap --quick >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
	cat "$tmp/out"
	exit 77
fi
[ $rc -eq 0 ] || fail "utcp-bench --path tap --quick exited with $rc"
for w in short pingpong; do
	line=$(grep "^| $w " "$tmp/out") || fail "no row for $w"
	echo "$line" | awk -F'|' '{ if ($4 ~ /^ *-? *$/ || $5 ~ /^ *-? *$/) exit 1 }' ||
		fail "row for $w lacks a figure: $line"
done
for s in utcp kernel; do
	grep -Eq "^utcp-bench: $s verified: [1-9][0-9]* transactions and 0 bulk bytes, every byte checked; 0 failed runs\$" "$tmp/out" ||
		fail "$s did not verify its bytes"
done
grep -q '^utcp-bench: PASS$' "$tmp/out" || fail "no PASS verdict"
! ip link show 2> /dev/null | grep -q 'ubench\|ubtap' || fail "a device was left in this namespace"
sed -n '/^| workload/,/^$/p' "$tmp/out"
exit 0
