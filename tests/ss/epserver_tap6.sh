#!/bin/sh
# tests/ss/epserver_tap6.sh - utcp-ss over IPv6: epserver on TAP (dual-stack
# listener, 2001:db8:9::1) answers on its control socket while a
# rate-limited `curl -6` download is in flight; utcp-ss lists the
# connection with its IPv6 addresses as ss(8) writes them
# ([2001:db8:9::1]:80 [2001:db8:9::2]:PORT), the listener as [::]:80
# [::]:* with -l, and an IPv4 download beside it as 10.9.9.1:80.
# Needs root (tap device, unshare --net), curl and ip: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
srv="$top_builddir/tools/epserver"
ss="$top_builddir/tools/utcp-ss"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "epserver_tap6: needs root and /dev/net/tun" >&2
	exit 77
fi
for t in unshare curl timeout ip; do
	if ! command -v $t > /dev/null; then
		echo "epserver_tap6: needs $t" >&2
		exit 77
	fi
done
if [ "${1:-}" != inside ]; then
	if ! unshare --net true 2> /dev/null; then
		echo "epserver_tap6: cannot create a network namespace" >&2
		exit 77
	fi
	exec timeout 120 unshare --net sh "$0" inside
fi

tmp=$(mktemp -d)
srv_pid= curl_pids=
cleanup() {
	for p in $curl_pids; do kill "$p" 2> /dev/null; done
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null
	wait 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip link set lo up
mkdir "$tmp/www"
head -c 20000000 /dev/zero > "$tmp/www/big"
echo hello > "$tmp/www/small.txt"
cat > "$tmp/srv.conf" <<CONF
io = tap
port = tap0
tap_name = utcpss6
tap0.ip = 10.9.9.1/24
tap0.peer_ip = 10.9.9.2
tap0.mac = 02:00:00:00:09:01
tap0.ip6 = 2001:db8:9::1/64
ip6_dad_transmits = 0
tcp_timewait = 0
control_socket = $tmp/ctl.sock
CONF

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

"$srv" -p "$tmp/www" -f "$tmp/srv.conf" > "$tmp/srv.out" 2> "$tmp/srv.err" &
srv_pid=$!
i=0
until ip link show utcpss6 > /dev/null 2>&1 || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
ip -6 addr add 2001:db8:9::2/64 dev utcpss6 nodad 2> /dev/null
i=0
until curl -6 -s -o /dev/null -m 1 "http://[2001:db8:9::1]/small.txt" || [ $i -ge 30 ]; do
	sleep 0.2
	i=$((i + 1))
done
check "epserver made its control socket" [ -S "$tmp/ctl.sock" ]
"$ss" -l "$tmp/ctl.sock" > "$tmp/listen"
rc=$?
cat "$tmp/listen"
check "utcp-ss -l: exit 0 (got $rc)" [ $rc -eq 0 ]
check "utcp-ss -l: the dual-stack listener as [::]:80 [::]:*" \
	grep -q '^LISTEN .* \[::\]:80  *\[::\]:\* ' "$tmp/listen"

curl -6 -s -o /dev/null -m 60 --limit-rate 200k "http://[2001:db8:9::1]/big" &
curl_pids="$curl_pids $!"
curl -4 -s -o /dev/null -m 60 --limit-rate 200k "http://10.9.9.1/big" &
curl_pids="$curl_pids $!"
sleep 2
"$ss" "$tmp/ctl.sock" > "$tmp/conns"
rc=$?
"$ss" -r "$tmp/ctl.sock" > "$tmp/raw"
cat "$tmp/conns"
check "utcp-ss: exit 0 (got $rc)" [ $rc -eq 0 ]
check "utcp-ss: the IPv6 download as [2001:db8:9::1]:80 [2001:db8:9::2]:PORT" \
	grep -q '^ESTAB .* \[2001:db8:9::1\]:80  *\[2001:db8:9::2\]:[0-9][0-9]* ' "$tmp/conns"
check "utcp-ss: the IPv4 download beside it as 10.9.9.1:80 10.9.9.2:PORT" \
	grep -q '^ESTAB .* 10\.9\.9\.1:80  *10\.9\.9\.2:[0-9][0-9]* ' "$tmp/conns"
check "utcp-ss: no address key (0.x.x.x) shown" [ "$(grep -c ' 0\.[0-9.]*:' "$tmp/conns")" -eq 0 ]
check "the control socket's line: local=[2001:db8:9::1]:80" \
	grep -q '^conn state=ESTABLISHED local=\[2001:db8:9::1\]:80 peer=\[2001:db8:9::2\]:' \
	"$tmp/raw"
for p in $curl_pids; do kill "$p" 2> /dev/null; done
curl_pids=
kill -INT "$srv_pid"
wait "$srv_pid"
rc=$?
srv_pid=
check "epserver exits 0 on SIGINT (got $rc)" [ $rc -eq 0 ]
exit $status
