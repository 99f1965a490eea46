#!/bin/sh
# tests/sim/attack.sh - the stack under attack and overload, a few seeds each:
#   synflood  spoofed SYNs at 10x the accept rate beside legitimate clients:
#             >= 99 % of legitimate requests answered within 3 s (SYN cookies);
#             without cookies the goal fails, and the flood stops once it is
#             out of reach;
#   exhaust   more connections than A's sockets and buffers: refused cleanly,
#             counted, and every request answered once resources return;
#   blind-inject  spoofed RST/SYN/ACK/data in and out of the window on live
#             connections: resets and spoofed bytes in the stream no more
#             often than RFC 5961 lets a blind attacker succeed (the rule is
#             at the top of blind-inject in tools/sim_attack.c), per seed and
#             summed over each sweep (blind_sweep).
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

# Over a sweep: the resets and the spoofed data regions summed over the
# seeds must stay within the Poisson bound of their summed expectations
# (the least k with P(X > k) <= 1e-6), as each seed's do.
blind_sweep() {
	out=$("$sim" "$@" 2>&1)
	rc=$?
	echo "$out" | tail -1
	if [ $rc -ne 0 ]; then
		echo "$out" | grep '^FAIL' >&2
		echo "FAIL: utcp-sim $* exited with $rc" >&2
		status=1
	fi
	echo "$out" | awk -v what="$*" '
	function bound(e,   p, cdf, k) {
		p = exp(-e); cdf = p; k = 0
		while (1 - cdf > 1e-6 && k < 100000) { k++; p *= e / k; cdf += p }
		return k
	}
	/^(PASS|FAIL) blind-inject seed=/ {
		n++
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "resets") resets += kv[2]
			else if (kv[1] == "e-rst") erst += kv[2]
			else if (kv[1] == "accepted") acc += kv[2]
			else if (kv[1] == "expected") eacc += kv[2]
		}
	}
	END {
		printf "blind-inject over %d seeds: resets %d (expected %.3f, at most %d), " \
		       "spoofed data in the stream %d (expected %.3f, at most %d)\n",
		       n, resets, erst, bound(erst), acc, eacc, bound(eacc)
		if (n == 0 || resets > bound(erst) || acc > bound(eacc)) {
			print "FAIL: blind-inject sums beyond their bounds: " what > "/dev/stderr"
			exit 1
		}
	}' || status=1
}
if [ "${1:-}" = long ]; then # make check-long: 1 000 seeds, and the harsh mix
	blind_sweep --seeds 1-1000 --delay 1ms blind-inject
	blind_sweep --seeds 1-200 --delay 1ms --loss 0.05 --reorder 0.05 --dup 0.01 \
		--corrupt 0.001 blind-inject --requests 500
	exit $status
fi
sweep --seeds 1-5 --delay 1ms synflood --requests 1000
sweep --seeds 1-3 --delay 1ms --loss 0.01 synflood --requests 1000 --conns 10
out=$(timeout 600 "$sim" --seed 2 --delay 1ms synflood --no-cookies --requests 200 --deadline 1s 2>&1)
echo "$out" | tail -1
if ! echo "$out" | tail -1 | grep -q '^FAIL synflood .*(cookies off) flood stopped at '; then
	echo "FAIL: synflood --no-cookies did not fail as it should, in time" >&2
	status=1
fi
sweep --seeds 1-5 --delay 500us exhaust
sweep --seeds 1-3 --delay 500us --loss 0.02 exhaust --conns 200 --requests 1000
blind_sweep --seeds 1-40 --delay 1ms blind-inject
blind_sweep --seeds 1-10 --delay 1ms --loss 0.01 --reorder 0.02 blind-inject --requests 1000
exit $status
