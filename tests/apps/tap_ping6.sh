#!/bin/sh
# tests/apps/tap_ping6.sh - utcp's IPv6 layer on TAP against the Linux
# kernel, inside a network namespace of its own: utcp-nc listens (it only
# opens the stack and polls; a kernel connection that closes at once ends
# it cleanly, so its capture is complete) on a port with tap0.ip6 = 2001:db8:6::1/64;
# after utcp's duplicate address detection, the kernel's `ping -6` of
# utcp's global address and of its link-local address (fe80::ff:fe00:601,
# from tap0.mac 02:00:00:00:06:01, modified EUI-64) is answered: the
# kernel's neighbour solicitation answered by utcp, utcp's solicitation
# for the kernel answered by it, the echo replies exact (ping checks the
# data).  The pcap middleware records the IPv6 frames (read back with
# tcpdump, when installed), and the fault middleware (delay, duplicates)
# passes them unchanged.  Needs root, /dev/net/tun, ping and
# ip: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
me=tap_ping6
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 120 "${1:-}" ping ip bash

netns_tmp "$top_builddir/tests/apps/tap_ping6.fail"
pid=
netns_on_exit() {
	[ -n "$pid" ] && kill "$pid" 2> /dev/null
}
ip link set lo up
# start NAME DEV [LINES...]: utcp-nc listening on DEV; waits for the device
start() {
	name=$1 dev=$2
	shift 2
	cat > "$tmp/$name.conf" <<CONF
io = tap
port = tap0
tap_name = $dev
tap0.ip = 10.9.6.1/24
tap0.peer_ip = 10.9.6.2
tap0.mac = 02:00:00:00:06:01
tap0.ip6 = 2001:db8:6::1/64
pcap = $tmp/$name.pcap
CONF
	for l in "$@"; do echo "$l" >> "$tmp/$name.conf"; done
	"$nc" -f "$tmp/$name.conf" -s /dev/null -l 5000 > "$tmp/$name.out" \
		2> "$tmp/$name.err" < /dev/null &
	pid=$!
	for i in $(seq 50); do
		ip link show "$dev" > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "tap_ping6: $dev did not appear" >&2
	return 1
}
# echo_replies PCAP: the echo replies utcp's capture holds (tcpdump reads it)
echo_replies() {
	tcpdump -nr "$1" 'icmp6 and ip6[40] == 129' 2> /dev/null | wc -l
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

# finish: a kernel TCP connection (IPv4) that closes at once ends utcp-nc,
# which closes its stack and so completes the capture (a killed one would
# not); killed after 10 s if it does not end.
finish() {
	timeout 10 bash -c 'exec 3<> /dev/tcp/10.9.6.1/5000 && exec 3>&-' 2> /dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	kill "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	pid=
}

start global utcp6p0 || { status=1; exit 1; }
ip -6 addr add 2001:db8:6::2/64 dev utcp6p0 nodad
check "ping -6 of utcp's global address" ping6 2001:db8:6::1
check "ping -6 of utcp's link-local address" ping6 fe80::ff:fe00:601%utcp6p0
check "the kernel learned utcp's MAC by neighbour discovery" \
	sh -c "ip -6 neigh show 2001:db8:6::1 dev utcp6p0 | grep -q 02:00:00:00:06:01"
check "a large echo (1400 bytes) answered" ping -6 -c 1 -W 2 -s 1400 2001:db8:6::1
finish
if command -v tcpdump > /dev/null; then
	check "the pcap middleware recorded the IPv6 echo replies" \
		test "$(echo_replies "$tmp/global.pcap")" -ge 7
fi

# Through the fault middleware (delay and duplicates, no loss): every
# frame reaches the kernel unchanged (ping verifies checksums and data).
start fault utcp6p1 "fault_delay_us = 2000" "fault_dup = 0.5" "fault_seed = 6" ||
	{ status=1; exit 1; }
ip -6 addr add 2001:db8:6::2/64 dev utcp6p1 nodad
check "ping -6 through the fault middleware" ping6 2001:db8:6::1
check "ping -6 of the link-local address through it" ping6 fe80::ff:fe00:601%utcp6p1
exit $status
