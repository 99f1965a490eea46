#!/bin/sh
# tests/bench/bench_memif_smoke.sh - utcp-bench --path memif works: short
# and pingpong, 2000 transactions each, one round, on utcp (server and
# client in two processes on DPDK net_memif) and on the kernel (two
# processes over loopback).  Pass: exit 0, each workload's two rows
# (per CPU-second, per wall-second) have a kernel and a utcp figure, both
# stacks verified all 4000 transactions (none cut short by the time bound)
# with no failed run, the PASS verdict, and no DPDK run directory left.
# Figures are not judged.  77 (skipped) when utcp-bench says memif cannot
# run here (built without DPDK, memif does not start, one CPU).  Holds the
# DPDK test lock (tests/dpdk/run_one.sh) throughout: one DPDK test at a
# time; bounded to 60 s, about 10 s on an idle machine.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
bench="$top_builddir/tools/utcp-bench"
if [ ! -x "$bench" ]; then
	echo "bench_memif_smoke: $bench is not built" >&2
	exit 99
fi
. "$top_srcdir/tests/dpdk/run_one.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-bench-memif.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	cat "$tmp/out" >&2
	exit 1
}

run_dirs() { # DPDK run directories utcp-bench's processes make (and remove)
	ls -d /var/run/dpdk/utcp-bench-* "${XDG_RUNTIME_DIR:-/tmp}"/dpdk/utcp-bench-* 2> /dev/null
}
dpdk_lock # for the whole script: no other DPDK run's directories either
run_dirs > "$tmp/dirs.before"
timeout -k 5 60 "$bench" --path memif --workloads short,pingpong --rounds 1 --count 2000 \
	--time 20 >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 124 ] || [ $rc -eq 137 ] && fail "timed out after 60 s"
if [ $rc -eq 77 ]; then
	cat "$tmp/out"
	exit 77
fi
[ $rc -eq 0 ] || fail "utcp-bench --path memif exited with $rc"
for w in short pingpong; do
	rows=$(sed -n "/^| $w /,+1p" "$tmp/out")
	[ "$(echo "$rows" | grep -c '^|')" -eq 2 ] || fail "no two rows for $w"
	echo "$rows" | awk -F'|' '{ if ($4 ~ /^ *-? *$/ || $5 ~ /^ *-? *$/) exit 1 }' ||
		fail "a row for $w lacks a figure: $rows"
done
for s in utcp kernel; do
	grep -Eq "^utcp-bench: $s verified: 4000 transactions and 0 bulk bytes, every byte checked; 0 failed runs\$" "$tmp/out" ||
		fail "$s did not verify all 4000 transactions"
done
grep -q '^utcp-bench: PASS$' "$tmp/out" || fail "no PASS verdict"
grep -q "DPDK's poll loop burns its core" "$tmp/out" ||
	fail "the header does not say that the poll loops count"
run_dirs | grep -vxF -f "$tmp/dirs.before" > "$tmp/dirs.left" &&
	fail "DPDK run directories were left: $(cat "$tmp/dirs.left")"
sed -n '/^| workload/,/^$/p' "$tmp/out"
exit 0
