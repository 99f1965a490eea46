#!/bin/sh
# tests/sim/attack.sh - the stack under attack and overload, a few seeds each:
#   synflood  spoofed SYNs at 10x the accept rate beside legitimate clients:
#             >= 99 % of legitimate requests answered within 3 s (SYN cookies);
#   exhaust   more connections than A's sockets and buffers: refused cleanly,
#             counted, and every request answered once resources return;
#   blind-inject  spoofed RST/SYN/ACK/data in and out of the window on live
#             connections: none is reset, every byte arrives exact.
# Each run also checks the invariants of every connection and that nothing
# leaks.  A failing seed is named; `tools/utcp-sim --seed N <options>` replays it.
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
[ -x "$sim" ] || { echo "attack: $sim is not built" >&2; exit 99; }

status=0
sweep() {
	out=$("$sim" "$@" 2>&1)
	rc=$?
	echo "$out"
	if [ $rc -ne 0 ]; then
		echo "FAIL: utcp-sim $* exited with $rc" >&2
		status=1
	fi
}

sweep --seeds 1-5 --delay 1ms synflood --requests 1000
sweep --seeds 1-3 --delay 1ms --loss 0.01 synflood --requests 1000 --conns 10
sweep --seeds 1-5 --delay 500us exhaust
sweep --seeds 1-3 --delay 500us --loss 0.02 exhaust --conns 200 --requests 1000
sweep --seeds 1-10 --delay 1ms blind-inject
sweep --seeds 1-5 --delay 1ms --loss 0.01 --reorder 0.02 blind-inject --requests 1000
exit $status
