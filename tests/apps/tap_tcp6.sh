#!/bin/sh
# tests/apps/tap_tcp6.sh - utcp's TCP over IPv6 on TAP against the Linux
# kernel, inside a network namespace of its own (tap0.ip6 =
# 2001:db8:7::1/64, the kernel 2001:db8:7::2):
#   curl -6 downloads a 1 MB file from epserver over IPv6, and curl -4 from
#   the same dual-stack listener (an IPv4 peer as ::ffff:10.9.7.2), SHA-256
#   equal;
#   utcp-nc uploads 10 MB to socat TCP6-LISTEN and downloads 10 MB from
#   one, SHA-256 equal both ways;
#   the same two transfers with utcp's fault middleware at 2 % loss and
#   2 % reordering (with retransmissions seen);
#   socat TCP6 connects to utcp-nc -l (a dual-stack listener) and sends
#   10 MB.
# Each utcp program attaches to a TAP device made beforehand with the
# kernel's 2001:db8:7::2 (utcp's backend gives the kernel side an IPv4
# address only), one device at a time.  TAP_TCP6_TIMEOUT bounds the run
# (300 s), NETNS_SH_OPTS=-x traces it.
# Both sides are captured (utcp's pcap middleware; tcpdump when installed);
# on failure the captures are kept in $top_builddir/tests/apps/tap_tcp6.fail/.
# Needs root, /dev/net/tun, curl, socat, sha256sum, ip: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
srv="$top_builddir/tools/epserver"
nc="$top_builddir/tools/utcp-nc"
me=tap_tcp6
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter ${TAP_TCP6_TIMEOUT:-300} "${1:-}" curl socat sha256sum ip

netns_tmp "$top_builddir/tests/apps/tap_tcp6.fail"
ip link set lo up
mkdir "$tmp/www"
head -c 10485760 /dev/urandom > "$tmp/big.bin"
head -c 1048576 /dev/urandom > "$tmp/www/mid.bin"
echo hello > "$tmp/www/small.txt"
conf() { # conf NAME TAP [lines...]
	name=$1 tap=$2
	shift 2
	{
		echo "io = tap"
		echo "port = tap0"
		echo "tap_name = $tap"
		echo "tap0.ip = 10.9.7.1/24"
		echo "tap0.peer_ip = 10.9.7.2"
		echo "tap0.mac = 02:00:00:00:07:01"
		echo "tap0.ip6 = 2001:db8:7::1/64"
		echo "ip6_dad_transmits = 0"
		echo "rcvbuf = 262144"
		echo "sndbuf = 262144"
		echo "tcp_timewait = 0"
		echo "pcap = $tmp/$name.pcap"
		echo "pcap_snaplen = 128"
		for l in "$@"; do echo "$l"; done
	} > "$tmp/$name.conf"
}
# mktap DEV: the TAP device made beforehand (utcp's backend attaches to
# it), with the kernel's addresses, so that the kernel answers utcp's
# first neighbour solicitation and SYN; a kernel capture when tcpdump is
# installed.
mktap() {
	ip tuntap add dev "$1" mode tap || return 1
	ip link set "$1" up
	ip -6 addr add 2001:db8:7::2/64 dev "$1" nodad
	command -v tcpdump > /dev/null || return 0
	tcpdump -i "$1" -s 128 -w "$tmp/$1.kernel.pcap" > /dev/null 2>&1 &
	pids="$pids $!"
	sleep 0.2
}
# nc_run NAME TAP [config lines...] -- ARGS...: utcp-nc in the background
nc_run() {
	name=$1 tap=$2
	shift 2
	: > "$tmp/$name.extra"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		echo "$1" >> "$tmp/$name.extra"
		shift
	done
	shift
	conf "$name" "$tap"
	cat "$tmp/$name.extra" >> "$tmp/$name.conf"
	mktap "$tap"
	"$nc" -f "$tmp/$name.conf" -t 120 "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
	ncpid=$!
	pids="$pids $ncpid"
}

# ---- curl -6 (and -4) against epserver's dual-stack listener ----
conf srv utcp6s0
mktap utcp6s0
"$srv" -p "$tmp/www" -f "$tmp/srv.conf" > "$tmp/srv.out" 2> "$tmp/srv.err" &
spid=$!
pids="$pids $spid"
i=0
until curl -6 -s -o /dev/null -m 1 "http://[2001:db8:7::1]/small.txt" || [ $i -ge 30 ]; do
	sleep 0.2
	i=$((i + 1))
done
curl -6 -sS -m 60 -o "$tmp/got.bin" "http://[2001:db8:7::1]/mid.bin" 2> "$tmp/curl.err"
check "curl -6: 1 MB from epserver over IPv6, SHA-256 equal" same "$tmp/got.bin" "$tmp/www/mid.bin"
curl -4 -sS -m 60 -o "$tmp/got4.bin" "http://10.9.7.1/mid.bin" 2> "$tmp/curl4.err"
check "curl -4 to the same dual-stack listener, SHA-256 equal" \
	same "$tmp/got4.bin" "$tmp/www/mid.bin"
kill "$spid" 2> /dev/null
wait "$spid" 2> /dev/null
ip link del utcp6s0 # one device holds 2001:db8:7::2 at a time
rm -f "$tmp/got.bin" "$tmp/got4.bin"

# ---- utcp-nc against socat TCP6, clean and impaired ----
xfer() { # xfer LABEL TAP [config lines...] (conf and nc_run set name and tap)
	xl=$1 xt=$2
	shift 2
	socat -u TCP6-LISTEN:9000,reuseaddr CREATE:"$tmp/up.bin" 2> "$tmp/socat-up-$xl.err" &
	sp=$!
	sleep 0.2
	nc_run "up-$xl" "${xt}u" "$@" -- -s "$tmp/big.bin" 2001:db8:7::2 9000
	wait "$ncpid"
	rc=$?
	wait $sp
	ip link del "${xt}u"
	check "$xl: utcp-nc uploads 10 MB to socat TCP6 (exit $rc), SHA-256 equal" \
		same "$tmp/up.bin" "$tmp/big.bin"
	cat "$tmp/up-$xl.out"
	socat -u OPEN:"$tmp/big.bin" TCP6-LISTEN:9001,reuseaddr 2> "$tmp/socat-down-$xl.err" &
	sp=$!
	sleep 0.2
	nc_run "down-$xl" "${xt}d" "$@" -- -r "$tmp/down.bin" 2001:db8:7::2 9001
	wait "$ncpid"
	rc=$?
	wait $sp
	ip link del "${xt}d"
	check "$xl: utcp-nc downloads 10 MB from socat TCP6 (exit $rc), SHA-256 equal" \
		same "$tmp/down.bin" "$tmp/big.bin"
	cat "$tmp/down-$xl.out"
	rm -f "$tmp/up.bin" "$tmp/down.bin"
}
xfer clean utcp6c
xfer lossy utcp6l "fault_loss = 0.02" "fault_reorder = 0.02" "fault_seed = 7"
grep -q "retransmits [1-9]" "$tmp/up-lossy.out" ||
	{ echo "FAIL: lossy upload shows no retransmission: fault injection inactive?" >&2; status=1; }

# ---- socat TCP6 to utcp-nc's listener ----
nc_run listen utcp6n -- -r "$tmp/in.bin" -l 9100
sleep 0.5
timeout 120 socat -u OPEN:"$tmp/big.bin" TCP6:[2001:db8:7::1]:9100 2> "$tmp/socat-to.err"
wait "$ncpid"
rc=$?
check "socat TCP6 -> utcp-nc -l: 10 MB (exit $rc), SHA-256 equal" same "$tmp/in.bin" "$tmp/big.bin"
exit $status
