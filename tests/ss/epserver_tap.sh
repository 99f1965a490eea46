#!/bin/sh
# tests/ss/epserver_tap.sh - utcp-ss against epserver on TAP under curl
# load, in a network namespace of its own: epserver (two contexts) answers
# on its control socket (control_socket = PATH); while N rate-limited curl
# downloads are in flight, utcp-ss lists exactly N established connections
# to port 80 with sane values (MSS 1460, a congestion window, an SRTT and
# an RTO in range, data queued to send), the listener with -l, and -s
# agrees with epserver's own statistics line (flows) and counts at least
# the connections curl made as passive opens.
# Needs root (tap device, unshare --net) and curl: else 77.
set -u
me=epserver_tap
N=6
. "${top_srcdir:-.}/tests/ss/common.sh"

cat > "$tmp/srv.conf" <<CONF
io = tap
port = tap0
tap_name = utcpss0
tap0.ip = 10.9.2.1/24
tap0.peer_ip = 10.9.2.2
stat_print = tap0
tcp_timewait = 0
control_socket = $tmp/ctl.sock
CONF

"$srv" -p "$tmp/www" -f "$tmp/srv.conf" -N 2 > "$tmp/srv.out" 2> "$tmp/srv.err" &
srv_pid=$!
i=0
until curl -s -o /dev/null -m 1 http://10.9.2.1/small.txt || [ $i -ge 25 ]; do
	sleep 0.2
	i=$((i + 1))
done
check "epserver made its control socket" [ -S "$tmp/ctl.sock" ]
"$ss" -l "$tmp/ctl.sock" > "$tmp/listen"
rc=$?
cat "$tmp/listen"
check "utcp-ss -l: exit 0, both contexts answered (got $rc)" [ $rc -eq 0 ]
check "utcp-ss -l: a listener on port 80 per context" \
	[ "$(grep -c '^LISTEN .*:80 ' "$tmp/listen")" -eq 2 ]

j=0
while [ $j -lt $N ]; do
	curl -s -o /dev/null -m 60 --limit-rate 200k http://10.9.2.1/big &
	curl_pids="$curl_pids $!"
	j=$((j + 1))
done
sleep 3 # each connection has sent a window ahead of curl's reading
"$ss" "$tmp/ctl.sock" > "$tmp/conns"
rc=$?
"$ss" -s "$tmp/ctl.sock" > "$tmp/sum"
rc2=$?
sleep 1.2 # the statistics print once a second
"$ss" "$tmp/ctl.sock" > "$tmp/conns2"
cat "$tmp/conns" "$tmp/sum"
check "utcp-ss: exit 0 (got $rc, -s $rc2)" [ $rc -eq 0 ] && [ $rc2 -eq 0 ]
estab=$(grep -c '^ESTAB .*10\.9\.2\.1:80 .*10\.9\.2\.2:' "$tmp/conns")
check "utcp-ss lists the $N live connections (got $estab)" [ "$estab" -eq $N ]
check "utcp-ss -s: the same count" grep -q "^state ESTABLISHED *$N\$" "$tmp/sum"
flows=$(grep '^\[ ALL \] tap0 flows:' "$tmp/srv.err" | tail -1 | sed 's/.*flows: *\([0-9]*\),.*/\1/')
check "epserver's own flows count agrees ($flows)" [ "${flows:-x}" = "$N" ]
opens=$(sed -n 's/^stat tcp_passive_opens *//p' "$tmp/sum")
check "passive opens: at least the $N downloads and the probe ($opens)" [ "${opens:-0}" -gt $N ]
# Every connection: MSS 1460, cwnd of at least 2 segments, 0 <= SRTT < 5 s
# (RTT samples come from 1 ms timestamps, so a fast TAP round trip measures
# 0; 5 s: a loaded machine), RTO from 200 ms to 60 s, the bytes in flight within
# the send queue (which holds them until they are acknowledged).
sane=$(awk '
	/^ESTAB/ { sendq = $3; next }
	/^\t/ {
		ok = 1
		for (i = 1; i <= NF; i++) {
			split($i, kv, ":")
			if (kv[1] == "mss" && kv[2] != 1460) ok = 0
			if (kv[1] == "cwnd" && kv[2] < 2) ok = 0
			if (kv[1] == "rto" && (kv[2] < 200 || kv[2] > 60000)) ok = 0
			if (kv[1] == "rtt") { split(kv[2], r, "/"); if (r[1] == "" || r[1] < 0 || r[1] >= 5000) ok = 0 }
			if (kv[1] == "bytes_in_flight" && kv[2] > sendq) ok = 0
		}
		n += ok
	}
	END { print n + 0 }' "$tmp/conns")
check "every connection's values are sane ($sane of $N)" [ "$sane" -eq $N ]
check "a second look: the same $N" [ "$(grep -c '^ESTAB' "$tmp/conns2")" -eq $N ]
for p in $curl_pids; do kill "$p" 2> /dev/null; done
curl_pids=
kill -INT "$srv_pid"
wait "$srv_pid"
rc=$?
srv_pid=
check "epserver exits 0 on SIGINT (got $rc)" [ $rc -eq 0 ]
check "the control socket is removed at exit" [ ! -e "$tmp/ctl.sock" ]
exit $status
