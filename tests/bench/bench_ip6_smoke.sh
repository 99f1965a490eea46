#!/bin/sh
# tests/bench/bench_ip6_smoke.sh - utcp-bench --ip6 works: short and pingpong
# ran on utcp over IPv6 and over IPv4 (every byte verified; a failed run
# makes utcp-bench exit 1) and both figures are printed.  Figures are not
# judged here (the comparison is for people: `utcp-bench --ip6`).
set -u
top_builddir=${top_builddir:-.}
bench="$(cd "$top_builddir" && pwd)/tools/utcp-bench"
if [ ! -x "$bench" ]; then
	echo "bench_ip6_smoke: $bench is not built" >&2
	exit 99
fi
out=$(timeout 300 "$bench" --quick --only utcp --workloads short,pingpong --ip6 2>&1)
rc=$?
status=0
[ $rc -eq 0 ] || { echo "FAIL: utcp-bench --ip6 exited with $rc" >&2; status=1; }
for w in short pingpong; do
	echo "$out" | grep -Eq "^  $w +IPv4 +[1-9][0-9]*/s  IPv6 +[1-9][0-9]*/s  IPv6/IPv4 [0-9.]+ " ||
		{ echo "FAIL: no IPv4 / IPv6 figures for $w" >&2; status=1; }
done
[ $status -eq 0 ] || echo "$out" >&2
echo "$out" | grep -A3 "^utcp over IPv6"
exit $status
