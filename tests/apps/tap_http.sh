#!/bin/sh
# tests/apps/tap_http.sh - epserver and epwget on the TAP backend against
# the Linux kernel's TCP, inside a network namespace of their own:
#   curl and ab (kernel clients) against epserver: a 100 kB body byte for
#   byte, 404, HEAD, 1000 requests with and without keep-alive;
#   epwget against python3's http.server (kernel server): every body
#   checked against the file, -o, a 404 run that must fail;
#   epserver stops on SIGINT and has printed mTCP's statistics lines;
#   epwget against epserver, each on its own tap device, the kernel routing
#   between them: 100 kB bodies byte for byte, and keep-alive.
# Needs root (tap devices, unshare --net), curl, ab and python3: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
srv="$top_builddir/tools/epserver"
cli="$top_builddir/tools/epwget"
me=tap_http
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 120 "${1:-}" curl ab python3

netns_tmp
srv_pid= py_pid=
netns_on_exit() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null
	[ -n "$py_pid" ] && kill "$py_pid" 2> /dev/null
}
ip link set lo up
mkdir "$tmp/www"
head -c 100000 /dev/urandom > "$tmp/www/index.html"
echo hello > "$tmp/www/small.txt"
cat > "$tmp/srv.conf" <<'CONF'
io = tap
port = tap0
tap_name = utcpht0
tap0.ip = 10.9.0.1/24
tap0.peer_ip = 10.9.0.2
stat_print = tap0
tcp_timewait = 0
CONF
cat > "$tmp/cli.conf" <<'CONF'
io = tap
port = tap0
tap_name = utcpht1
tap0.ip = 10.9.1.1/24
tap0.peer_ip = 10.9.1.2
tcp_timewait = 0
CONF

status=0

# ---- kernel clients against epserver ----
"$srv" -p "$tmp/www" -f "$tmp/srv.conf" -s > "$tmp/srv.out" 2> "$tmp/srv.err" &
srv_pid=$!
i=0
until curl -s -o /dev/null -m 1 http://10.9.0.1/small.txt || [ $i -ge 20 ]; do
	sleep 0.2
	i=$((i + 1))
done
curl -sS -m 10 -o "$tmp/got" http://10.9.0.1/index.html
check "curl GET: 100000-byte body byte for byte" cmp -s "$tmp/got" "$tmp/www/index.html"
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' http://10.9.0.1/missing)
check "curl GET /missing: 404 (got $code)" [ "$code" = 404 ]
curl -sS -m 10 -I http://10.9.0.1/index.html > "$tmp/head"
check "curl HEAD: 200 with Content-Length 100000" grep -q 'Content-Length: 100000' "$tmp/head"
ab -q -n 1000 -c 20 http://10.9.0.1/small.txt > "$tmp/ab" 2>&1
check "ab -n 1000 -c 20: 1000 complete, 0 failed" \
	sh -c "grep -q 'Complete requests: *1000' '$tmp/ab' && grep -q 'Failed requests: *0' '$tmp/ab'"
ab -q -k -n 1000 -c 20 http://10.9.0.1/small.txt > "$tmp/abk" 2>&1
check "ab -k: 1000 keep-alive requests, 0 failed" \
	sh -c "grep -q 'Keep-Alive requests: *1000' '$tmp/abk' && grep -q 'Failed requests: *0' '$tmp/abk'"
sleep 2.5 # the statistics print once a second
kill -INT "$srv_pid"
wait "$srv_pid"
rc=$?
srv_pid=
check "epserver exits 0 on SIGINT (got $rc)" [ $rc -eq 0 ]
check "epserver printed mTCP's per-core line" \
	grep -Eq '^\[CPU 0\] tap0 flows: +[0-9]+, RX: +[0-9]+\(pps\) \(err: +[0-9]+\), +[0-9.]+\(Gbps\), TX: +[0-9]+\(pps\), +[0-9.]+\(Gbps\)$' "$tmp/srv.err"
check "epserver printed the [ ALL ] line and utcp's counters (-s)" \
	sh -c "grep -q '^\[ ALL \] tap0 flows:' '$tmp/srv.err' && grep -q '^\[ ALL \] utcp: retransmits: ' '$tmp/srv.err'"

# ---- epwget against the kernel's server ----
# 0.0.0.0: 10.9.1.2 exists only while epwget holds its tap device
python3 -m http.server --bind 0.0.0.0 --directory "$tmp/www" 8080 > /dev/null 2>&1 &
py_pid=$!
i=0
until curl -s -o /dev/null -m 1 http://127.0.0.1:8080/small.txt || [ $i -ge 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
"$cli" 10.9.1.2:8080/index.html 200 -f "$tmp/cli.conf" -c 10 -t 60 -e "$tmp/www/index.html" \
	-o "$tmp/first" > "$tmp/cli.out" 2>&1
rc=$?
cat "$tmp/cli.out"
check "epwget: 200 requests, exit 0 (got $rc)" [ $rc -eq 0 ]
check "epwget: completes 200, errors 0, incompletes 0" \
	grep -q 'requests: 200, completes: 200, errors: 0 .*incompletes: 0' "$tmp/cli.out"
check "epwget -o: the first body" cmp -s "$tmp/first" "$tmp/www/index.html"
"$cli" 10.9.1.2:8080/missing 10 -f "$tmp/cli.conf" -c 2 -t 60 > "$tmp/cli404.out" 2>&1
rc=$?
check "epwget on a missing file: exit 1, 10 status errors (got $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q 'errors: 10 (connection: 0, status: 10' '$tmp/cli404.out'"

# ---- epwget against epserver, the kernel forwarding between the two taps ----
sed -e 's/^stat_print.*//' -e 's/^tap0.peer_ip = 10.9.0.2/&\ntap0.gateway = 10.9.0.2/' \
	"$tmp/srv.conf" > "$tmp/srvg.conf"
sed -e 's/^tap0.peer_ip = 10.9.1.2/&\ntap0.gateway = 10.9.1.2/' "$tmp/cli.conf" > "$tmp/clig.conf"
echo 1 > /proc/sys/net/ipv4/ip_forward # this namespace only
"$srv" -p "$tmp/www" -f "$tmp/srvg.conf" > /dev/null 2> "$tmp/srvg.err" &
srv_pid=$!
i=0
until curl -s -o /dev/null -m 1 http://10.9.0.1/small.txt || [ $i -ge 20 ]; do
	sleep 0.2
	i=$((i + 1))
done
"$cli" 10.9.0.1/index.html 500 -f "$tmp/clig.conf" -c 20 -t 60 -e "$tmp/www/index.html" \
	> "$tmp/u2u.out" 2>&1
rc=$?
check "epwget -> kernel -> epserver: 500 x 100 kB, exit 0 (got $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'requests: 500, completes: 500, errors: 0 .*incompletes: 0' '$tmp/u2u.out'"
"$cli" 10.9.0.1/small.txt 2000 -f "$tmp/clig.conf" -c 20 -k -t 60 -e "$tmp/www/small.txt" \
	> "$tmp/u2uk.out" 2>&1
rc=$?
check "the same with -k: 2000 requests on 20 connections (got $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'requests: 2000, completes: 2000, errors: 0 .*incompletes: 0' '$tmp/u2uk.out' &&
	       grep -q 'connections: 20,' '$tmp/u2uk.out'"
kill -INT "$srv_pid"
wait "$srv_pid"
rc=$?
srv_pid=
check "epserver exits 0 on SIGINT (got $rc)" [ $rc -eq 0 ]
exit $status
