#!/bin/sh
# tests/bench/bench_smoke.sh - utcp-bench --quick works: every workload ran
# on both stacks, the table has a utcp and a kernel figure in each row, and
# utcp verified every byte of its transactions; bulk on utcp's zero-copy
# calls (--zc) verifies every byte too.  Figures are not judged
# (performance is compared side by side in `make bench`, never in tests).
set -u
top_builddir=${top_builddir:-.}
bench="$(cd "$top_builddir" && pwd)/tools/utcp-bench"
if [ ! -x "$bench" ]; then
	echo "bench_smoke: $bench is not built" >&2
	exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-bench-smoke.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	cat "$tmp/out" >&2
	exit 1
}

timeout 300 "$bench" --quick >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "utcp-bench --quick exited with $rc"
grep -q '^| workload ' "$tmp/out" || fail "no table"
for w in short pingpong bulk latency; do
	line=$(grep "^| $w " "$tmp/out") || fail "no row for $w"
	# | name | figure | kernel | utcp | ratio |: both figures present
	echo "$line" | awk -F'|' '{ if ($4 ~ /^ *-? *$/ || $5 ~ /^ *-? *$/) exit 1 }' ||
		fail "row for $w lacks a figure: $line"
done
grep -Eq '^utcp-bench: utcp verified: [1-9][0-9]* transactions and [1-9][0-9]* bulk bytes, every byte checked; 0 failed runs$' "$tmp/out" ||
	fail "utcp did not verify its bytes"
grep -q '^utcp-bench: PASS$' "$tmp/out" || fail "no PASS verdict"
sed -n '/^| workload/,/^$/p' "$tmp/out"

timeout 300 "$bench" --quick --workloads bulk --only utcp --zc >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "utcp-bench --quick --zc exited with $rc"
grep -q '^utcp-bench: bulk: utcp.s side on its zero-copy calls' "$tmp/out" || fail "--zc not in the header"
grep -Eq '^utcp-bench: utcp verified: 0 transactions and [1-9][0-9]* bulk bytes, every byte checked; 0 failed runs$' "$tmp/out" ||
	fail "utcp did not verify its bytes on the zero-copy calls"
grep -q '^utcp-bench: PASS$' "$tmp/out" || fail "no PASS verdict (--zc)"
exit 0
