#!/bin/sh
# tests/bench/ceiling.sh - utcp's instructions per transaction (bulk: per
# byte), both endpoints, in utcp-bench's timed phase under callgrind
# (`utcp-bench --instructions`: deterministic, the same build and seed give
# the same count), each at most its ceiling in tests/bench/ceiling.txt plus
# the file's margin.  A change that adds instructions on the hot path fails
# here until the ceiling is raised on purpose (see ceiling.txt).
#
# Skips (77) without valgrind, and for a build other than the one the
# ceilings were measured with (compiler, CFLAGS, shared library, no
# coverage instrumentation): their counts say nothing about the code.
# UTCP_CEILING=FILE checks against another file (e.g. to see it fail).
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
ceiling=${UTCP_CEILING:-$top_srcdir/tests/bench/ceiling.txt}
bench="$(cd "$top_builddir" && pwd)/tools/utcp-bench"

skip() {
	echo "SKIP: $*"
	exit 77
}

[ -x "$bench" ] || { echo "ceiling: $bench is not built" >&2; exit 99; }
[ -r "$ceiling" ] || { echo "ceiling: cannot read $ceiling" >&2; exit 99; }
valgrind --version >/dev/null 2>&1 || skip "valgrind not found"

# The build the ceilings hold for: "build COMPILER VERSION | CFLAGS".
mk="$top_builddir/Makefile"
cc=$(sed -n 's/^CC = //p' "$mk")
cflags=$(sed -n 's/^CFLAGS = //p' "$mk")
ccv="$($cc --version 2>/dev/null | awk 'NR == 1 { print $1 }') $($cc -dumpfullversion 2>/dev/null)"
have="$ccv | $cflags"
want=$(sed -n 's/^build //p' "$ceiling")
[ "$have" = "$want" ] || skip "build '$have', ceilings are for '$want'"
grep -q '^CODE_COVERAGE_ENABLED = yes' "$mk" && skip "coverage build"
grep -q '^build_libtool_libs=yes' "$top_builddir/libtool" 2>/dev/null || skip "no shared library"

out=$(mktemp "${TMPDIR:-/tmp}/utcp-ceiling.XXXXXX") || exit 99
trap 'rm -f "$out"' EXIT
trap 'exit 1' INT TERM
timeout 900 "$bench" --instructions >"$out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	cat "$out" >&2
	echo "FAIL: utcp-bench --instructions exited with $rc" >&2
	exit 1
fi

# ceiling.txt: "margin PERCENT", then "WORKLOAD CEILING" lines.
awk -v file="$ceiling" '
	FNR == NR {
		if ($1 == "margin") margin = $2
		else if ($1 ~ /^(short|pingpong|bulk|bulk-zc|latency)$/) { ceil[$1] = $2; order[++n] = $1 }
		next
	}
	$1 == "instructions:" { got[$2] = $3; unit[$2] = $5 }
	END {
		bad = 0
		for (i = 1; i <= n; i++) {
			w = order[i]
			if (!(w in got)) { printf "FAIL: no figure for %s\n", w; bad = 1; continue }
			lim = ceil[w] * (1 + margin / 100)
			pct = 100 * (got[w] / ceil[w] - 1)
			verdict = got[w] <= lim ? "ok" : "OVER"
			printf "%-8s %12s per %-11s ceiling %10s (+%s%%: %.2f)  %+.1f%%  %s\n",
				w, got[w], unit[w], ceil[w], margin, lim, pct, verdict
			if (got[w] > lim) bad = 1
			else if (pct < -2 * margin)
				printf "  note: %s is %.1f%% under its ceiling: lower it in %s to keep the gain\n",
					w, -pct, file
		}
		if (bad)
			printf "FAIL: instructions over the ceiling; if the cost is wanted, raise it in %s (how: see its header)\n", file
		exit bad
	}' "$ceiling" "$out"
