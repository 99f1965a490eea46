#!/bin/sh
# tests/sim/idle_conns.sh - one context holds many idle established
# connections (utcp-sim idle-million, 20 000 of them here; the README's
# figure is the million of its default): every connection opens and is
# accepted, none holds a ring (rings come with data, core/tcp/tcp_buf.c),
# and the TCB pool's bytes per connection stay within 1 KiB.  The same
# with more, larger rings configured: an idle connection's cost does not
# depend on them.  A failing run prints the command that replays it.
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "idle_conns: $sim is not built" >&2
	exit 99
fi

status=0
run() {
	out=$("$sim" "$@" 2>&1)
	rc=$?
	echo "$out" | grep -E '^(PASS|FAIL)'
	if [ $rc -ne 0 ]; then
		echo "FAIL: utcp-sim $* exited with $rc" >&2
		echo "$out" | tail -n 5 >&2
		status=1
	fi
}

run --seed 1 idle-million --conns 20000
run --seed 2 --delay 1ms idle-million --conns 5000 --rcvbuf 256k --sndbuf 256k --max-bytes 1024
exit $status
