#!/bin/sh
# tests/ss/epserver_tap6.sh - utcp-ss over IPv6: epserver on TAP (dual-stack
# listener, 2001:db8:9::1) answers on its control socket while a
# rate-limited `curl -6` download is in flight; utcp-ss lists the
# connection with its IPv6 addresses as ss(8) writes them
# ([2001:db8:9::1]:80 [2001:db8:9::2]:PORT), the listener as [::]:80
# [::]:* with -l, and an IPv4 download beside it as 10.9.9.1:80.
# Needs root (tap device, unshare --net), curl and ip: else 77.
set -u
me=epserver_tap6
. "${top_srcdir:-.}/tests/ss/common.sh"

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
