#!/bin/sh
# tests/sim/tcp6_sweep.sh - TCP over IPv6 (utcp-sim --ip6: hosts 2001:db8::1
# and ::2) over many seeds of an impaired link, with the rules of
# tests/sim/tcp_sweep.sh: both byte streams complete and equal, every
# invariant held while the world runs, every connection ended in its
# bound, nothing left; http's bodies checked byte for byte.  Two contexts per host exercise RSS over the IPv6
# 4-tuple (the client's ephemeral ports chosen for it).  The last line of a
# sweep names every failing seed; `tools/utcp-sim --ip6 --seed N ...`
# replays one.
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "tcp6_sweep: $sim is not built" >&2
	exit 99
fi

status=0
sweep() {
	out=$("$sim" --ip6 "$@" 2>&1)
	rc=$?
	echo "$out" | grep -v '^PASS [a-z-]* seed='
	if [ $rc -ne 0 ]; then
		echo "FAIL: utcp-sim --ip6 $* exited with $rc" >&2
		status=1
	fi
}

IMPAIR="--loss 0.05 --reorder 0.05 --dup 0.01 --corrupt-undetected 0.001"
sweep --seeds 1-100 $IMPAIR transfer --bytes 1M --both-ways
sweep --seeds 1-100 $IMPAIR rr --conns 50 --requests 300
sweep --seeds 1-20 --delay 2ms --jitter 1ms $IMPAIR --cores 2 transfer --bytes 1M --flows 4 --both-ways
sweep --seeds 1-10 --delay 1ms --loss 0.02 reboot --at 2s --boot 10s
# epwget to [2001:db8::1] against epserver listening dual-stack on ::
sweep --seeds 1-6 --delay 1ms $IMPAIR http --conns 50 --requests 1000 --size 20000
sweep --seeds 1-3 --cores 2 --loss 0.01 http --conns 100 --requests 2000 --keepalive
# tests/sim/attack.sh's verdicts over IPv6: more connections than A holds
# (refused, all answered in the end); spoofed SYNs from 2001:2::/48 (the
# SYN cookies of RFC 4987 keep 99 % answered in time); spoofed segments on
# live connections (RFC 5961's odds, no worse)
sweep --seeds 1-2 --delay 500us exhaust --conns 200 --requests 1000
sweep --seeds 1-2 --delay 1ms synflood --requests 500
sweep --seeds 1-3 --delay 1ms blind-inject --requests 1000
# idle connections over IPv6, A's pools measured as over IPv4
sweep -q --seed 2 --delay 1ms idle-million --conns 5000 --max-bytes 1024
# ICMPv6 echo after neighbour discovery: every reply on a clean link, none
# corrupt or unasked-for on an impaired one
sweep --seeds 1-20 --delay 1ms --cores 2 ping --count 20
sweep --seeds 1-20 --delay 2ms --jitter 3ms --loss 0.1 --dup 0.1 --corrupt-undetected 0.1 \
	--reorder 0.1 ping --count 50 --size 1000
exit $status
