#!/bin/sh
# tests/progress/progress.sh - the progress line (tools/progress.c): quiet
# when stderr is not a terminal (a log), drawn when asked (UTCP_PROGRESS=1
# stands for a terminal) with done/total, the percentage and the time
# left, and erased at the end; utcp-progress (make check-long) counts the
# verdict lines on its stdin, drops the passing ones and passes on the
# rest.
set -u
: "${top_builddir:=.}"
sim="$top_builddir/tools/utcp-sim"
prog="$top_builddir/tools/utcp-progress"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-progress.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0
check() { # check WHAT COND...
	what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAIL: $what" >&2
		status=1
	fi
}
esc=$(printf '\033')

"$sim" --seeds 1-5 transfer --bytes 20k > "$tmp/out" 2> "$tmp/err"
check "utcp-sim --seeds into a log: stderr stays empty" [ ! -s "$tmp/err" ]
check "utcp-sim --seeds: the verdicts on stdout" grep -q 'seeds=1-5: 5 of 5 passed' "$tmp/out"
UTCP_PROGRESS=1 "$sim" --seeds 1-5 transfer --bytes 20k > "$tmp/out2" 2> "$tmp/err2"
check "UTCP_PROGRESS=1: 5/5 seeds, 100 %, the time left" \
	sh -c "tr '\r' '\n' < '$tmp/err2' | grep -q '^.*5/5 seeds (100%), [0-9]* s, about 0 s left'"
check "UTCP_PROGRESS=1: the line is erased at the end" \
	sh -c "tail -c 4 '$tmp/err2' | od -c | grep -q 'r 033'"
check "stdout is the same either way" cmp -s "$tmp/out" "$tmp/out2"
UTCP_PROGRESS=0 "$sim" --seeds 1-3 transfer --bytes 20k > /dev/null 2> "$tmp/err3"
check "UTCP_PROGRESS=0: nothing" [ ! -s "$tmp/err3" ]

printf 'PASS rr seed=1 x\nFAIL rr seed=2 y\nutcp-sim: a note\nPASS rr seed=3 z\nPASS rr seeds=1-3: 2 of 3 passed\n' |
	UTCP_PROGRESS=1 "$prog" 3 > "$tmp/pout" 2> "$tmp/perr"
rc=$?
check "utcp-progress: exit 0 (got $rc)" [ $rc -eq 0 ]
check "utcp-progress: passes on the failing verdict, notes, the summary" \
	sh -c "[ \"\$(cat '$tmp/pout')\" = \"\$(printf 'FAIL rr seed=2 y\nutcp-sim: a note\nPASS rr seeds=1-3: 2 of 3 passed')\" ]"
check "utcp-progress: counts the three verdicts" \
	sh -c "tr '\r' '\n' < '$tmp/perr' | grep -q '3/3 seeds (100%)'"
printf 'PASS rr seed=1 x\n' | "$prog" 3 > /dev/null 2> "$tmp/perr2"
check "utcp-progress into a log: quiet" [ ! -s "$tmp/perr2" ]
"$prog" x < /dev/null > /dev/null 2>&1
check "utcp-progress x: bad usage" [ $? -eq 2 ]
grep -q "$esc" "$tmp/out2" && { echo "FAIL: escape codes on stdout" >&2; status=1; }
exit $status
