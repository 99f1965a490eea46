#!/bin/sh
# tests/apps/tap_ping6.sh - utcp's IPv6 layer on TAP against the Linux
# kernel, inside a network namespace of its own: utcp-nc listens (it only
# opens the stack and polls) on a port with tap0.ip6 = 2001:db8:6::1/64;
# after utcp's duplicate address detection, the kernel's `ping -6` of
# utcp's global address and of its link-local address (fe80::ff:fe00:601,
# from tap0.mac 02:00:00:00:06:01, modified EUI-64) is answered: the
# kernel's neighbour solicitation answered by utcp, utcp's solicitation
# for the kernel answered by it, the echo replies exact (ping checks the
# data).  Needs root, /dev/net/tun, ping and
# ip: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "tap_ping6: needs root and /dev/net/tun" >&2
	exit 77
fi
for t in unshare ping ip timeout; do
	command -v $t > /dev/null || { echo "tap_ping6: needs $t" >&2; exit 77; }
done
if [ "${1:-}" != inside ]; then
	unshare --net true 2> /dev/null || { echo "tap_ping6: no network namespace" >&2; exit 77; }
	exec timeout 60 unshare --net sh "$0" inside
fi

tmp=$(mktemp -d)
pid=
status=0
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2> /dev/null
	wait 2> /dev/null
	if [ $status -ne 0 ]; then
		keep="$top_builddir/tests/apps/tap_ping6.fail"
		rm -rf "$keep"
		mkdir -p "$keep" && cp "$tmp"/* "$keep"/ 2> /dev/null
		echo "tap_ping6: capture and logs kept in $keep" >&2
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
ip link set lo up
check() { # check WHAT COND...
	what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; status=1; fi
}
# start NAME DEV: utcp-nc listening on DEV; waits for the device
start() {
	cat > "$tmp/$1.conf" <<CONF
io = tap
port = tap0
tap_name = $2
tap0.ip = 10.9.6.1/24
tap0.peer_ip = 10.9.6.2
tap0.mac = 02:00:00:00:06:01
tap0.ip6 = 2001:db8:6::1/64
pcap = $tmp/$1.pcap
CONF
	"$nc" -f "$tmp/$1.conf" -l 5000 > "$tmp/$1.out" 2> "$tmp/$1.err" &
	pid=$!
	for i in $(seq 50); do
		ip link show "$2" > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "tap_ping6: $2 did not appear" >&2
	return 1
}
# ping6 ADDR: answered within a bounded number of tries (utcp's DAD takes
# up to 2 s before its addresses answer)
ping6() {
	for i in $(seq 10); do
		ping -6 -c 3 -i 0.2 -W 1 -s 56 "$1" > "$tmp/ping.out" 2>&1 && return 0
		sleep 0.5
	done
	cat "$tmp/ping.out" >&2
	return 1
}

start global utcp6p0 || { status=1; exit 1; }
ip -6 addr add 2001:db8:6::2/64 dev utcp6p0 nodad
check "ping -6 of utcp's global address" ping6 2001:db8:6::1
check "ping -6 of utcp's link-local address" ping6 fe80::ff:fe00:601%utcp6p0
check "the kernel learned utcp's MAC by neighbour discovery" \
	sh -c "ip -6 neigh show 2001:db8:6::1 dev utcp6p0 | grep -q 02:00:00:00:06:01"
check "a large echo (1400 bytes) answered" ping -6 -c 1 -W 2 -s 1400 2001:db8:6::1
exit $status
