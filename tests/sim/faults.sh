#!/bin/sh
# tests/sim/faults.sh - utcp-sim's link faults behave as on a real wire:
#   - loss bursts last in time: a sender that backs off outlives them, so
#     transfers through 2 % bursts of 5 frames all finish (counted in
#     frames, 44 of 200 seeds timed out), and --burst-time gives the mean
#     duration directly;
#   - --corrupt is caught by the receiver's FCS (fcs-errors on the link,
#     no checksum drop in the stack), --corrupt-undetected is not (the
#     stack's checksums catch it);
#   - a link flap of a few seconds is survived through retransmission;
#   - B's MAC changing unannounced (--mac-change): A re-resolves it by ARP
#     (its entry is no longer confirmed by TCP progress) and every request
#     is answered, the slowest within 10 s;
#   - B rebooting under A's stream (the reboot scenario): B's RST to A's
#     next retransmission resets A's connection (ECONNRESET) within a few
#     RTOs of B's return, clean and at 2 % loss;
#   - the path MTU dropping to 1280 mid-transfer (--mtu-drop): with ICMP
#     frag-needed, path MTU discovery lowers the MSS once each way and no
#     RTO is needed; without ICMP (a black hole) the connection times out
#     with tcp_mtu_probing = 0 (the default, as Linux) and finishes within
#     10 s with --mtu-probing 1 (RFC 4821 black-hole detection);
#   - --rate 0 and a malformed --flap are refused with a clear message.
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "faults: $sim is not built" >&2
	exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-faults.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
status=0
fail() {
	echo "FAIL: $*" >&2
	status=1
}

# run WANT_RC ARGS...: output in $tmp/out, the exit status checked
run() {
	want=$1
	shift
	"$sim" "$@" >"$tmp/out" 2>&1
	rc=$?
	tail -n 1 "$tmp/out"
	[ $rc -eq "$want" ] || { cat "$tmp/out" >&2; fail "utcp-sim $* exited with $rc, want $want"; }
}
has() {
	grep -q -- "$1" "$tmp/out" || { cat "$tmp/out" >&2; fail "no '$1' in the output of: $2"; }
}

run 0 --seeds 1-50 --burst-loss 0.02 --burst-len 5 transfer
run 0 --seeds 1-20 --burst-loss 0.02 --burst-time 2ms --delay 1ms rr --conns 20 --requests 200
run 0 --seed 3 --burst-loss 0.05 --burst-time 300us ping --count 50
has 'burst-time 300.000 us' "--burst-time"

run 0 --seed 3 --corrupt 0.1 ping --count 50
has 'fcs-errors' "--corrupt"
grep -q 'cksum' "$tmp/out" && fail "--corrupt: a damaged frame reached the stack"
run 0 --seed 3 --corrupt-undetected 0.1 ping --count 50
grep -q 'cksum' "$tmp/out" || fail "--corrupt-undetected: no checksum drop in the stack"
grep -q 'fcs-errors' "$tmp/out" && fail "--corrupt-undetected: counted as an FCS error"
run 0 --seeds 1-10 --corrupt 0.02 --delay 1ms transfer --bytes 256k --both-ways

run 0 --seed 1 --rate 10mbit --flap 300ms:3s transfer --bytes 2M
has 'down at 300.000 ms for 3.000 s' "--flap"
has ' rto=[1-9]' "--flap (the outage recovered by retransmission timeouts)"
run 0 --seed 2 --flap 20ms:2s ping --count 40
has 'link-down [1-9]' "--flap (frames lost while the link is down)"

run 0 --seed 1 --delay 1ms --mac-change 100ms transfer --bytes 20M
has "B's MAC changes at 100.000 ms" "--mac-change"
has 'drop_eth_dst=[1-9]' "--mac-change (B drops frames to its old MAC)"
run 0 --seeds 1-10 --delay 1ms --mac-change 50ms rr --conns 10 --requests 2000
"$sim" --seeds 1-10 --delay 1ms --mac-change 50ms rr --conns 10 --requests 2000 2>&1 |
	awk '/^PASS rr seed=/ { for (i = 1; i <= NF; i++) if ($i ~ /^max=/) {
		v = substr($i, 5) + 0; u = $(i + 1); s = u == "s" ? v : u == "ms" ? v / 1e3 : v / 1e6
		if (s > worst) worst = s } }
	END { printf "--mac-change: slowest request %.3f s\n", worst; if (worst <= 0 || worst >= 10) exit 1 }' ||
	fail "--mac-change: a request waited 10 s or more for B's new MAC"
run 0 --seeds 1-10 --delay 1ms reboot
has 'Connection reset by peer' "reboot"
run 0 --seeds 1-10 --delay 1ms --loss 0.02 reboot --at 2s --boot 10s
# bursts that cost the handshake its first SYNs: the reboot waits for data
run 0 --seeds 1-10 --delay 1ms --burst-loss 0.02 --burst-len 4 reboot
run 0 --seeds 1-10 --delay 1ms --rate 100mbit --mtu-drop 100ms:1280 transfer --bytes 5M --both-ways
run 0 --seed 1 --delay 1ms --rate 100mbit --mtu-drop 100ms:1280 transfer --bytes 5M --both-ways
has 'path MTU 1280 from 100.000 ms (ICMP frag-needed)' "--mtu-drop"
has 'pmtu-updates A 1 B 1' "--mtu-drop (each sender lowers its MSS once)"
has ' rto=0 ' "--mtu-drop (repaired without a timeout)"
run 1 --seed 1 --delay 1ms --rate 100mbit --mtu-drop 100ms:1280:noicmp transfer --bytes 5M
has 'Connection timed out' "--mtu-drop ...:noicmp (a black hole, tcp_mtu_probing 0)"
# With tcp_mtu_probing = 1 (RFC 4821 black-hole detection, as Linux): the
# third timeout in a row of a full-sized segment drops the MSS to
# tcp_base_mss (1024) and the transfer finishes, each way, within 10 s of
# virtual time (1 + 2 + 4 s of timeouts, then 1064-octet packets).
run 0 --seeds 1-10 --delay 1ms --rate 100mbit --mtu-probing 1 --mtu-drop 100ms:1280:noicmp transfer --bytes 5M --both-ways
run 0 --seed 1 --delay 1ms --rate 100mbit --mtu-probing 1 --mtu-drop 100ms:1280:noicmp transfer --bytes 5M --both-ways
awk '/^flow 0/ { for (i = 1; i <= NF; i++) if ($i == "in" && $(i + 2) ~ /^s/) { n++; if ($(i + 1) + 0 >= 10) bad = 1 } }
	END { exit !(n == 2 && !bad) }' "$tmp/out" ||
	{ cat "$tmp/out" >&2; fail "--mtu-probing 1: each way within 10 s of a black hole"; }
run 2 --mtu-probing 3 ping
has "for --mtu-probing" "--mtu-probing 3"
run 2 --mtu-drop 1s:40 ping
has "for --mtu-drop" "--mtu-drop 1s:40"
run 2 --mac-change soon ping
has "for --mac-change" "--mac-change soon"
run 2 --rate 0 ping
has "rate must be above 0" "--rate 0"
run 2 --flap 3s ping
has "want AT:FOR" "--flap 3s"
run 2 --burst-time 0 ping
has "for --burst-time" "--burst-time 0"
exit $status
