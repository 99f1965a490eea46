#!/bin/sh
# tests/apps/nc_limits.sh - utcp-nc's limits and messages over TAP, in a
# network namespace of its own:
#   -t bounds the connect to a peer that never answers (no ARP reply):
#     exit 1 within the limit, "connect to ... Connection timed out";
#   a kernel port nobody listens on: "Connection refused" at once;
#   -l 0 prints the port the stack picked, and -t bounds the wait for a
#     connection; a kernel client (socat) then connects to the printed port;
#   bad values of -t, -l and PORT: exit 2 naming the option.
# Needs root, /dev/net/tun, socat: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
me=nc_limits
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 120 "${1:-}" socat cmp

netns_tmp
ip link set lo up
has() { # has FILE TEXT: the file holds the line TEXT
	grep -qxF "$2" "$1" || { echo "  $1 holds:" >&2; sed 's/^/    /' "$1" >&2; return 1; }
}
{
	echo "io = tap"
	echo "port = tap0"
	echo "tap_name = utcpncl0"
	echo "tap0.ip = 10.9.11.1/24"
	echo "tap0.peer_ip = 10.9.11.2"
	echo "tcp_timewait = 0"
} > "$tmp/nc.conf"

# A peer that never answers: nobody owns 10.9.11.99.
t0=$(date +%s)
"$nc" -f "$tmp/nc.conf" -t 2 10.9.11.99 9000 > "$tmp/unreach.out" 2> "$tmp/unreach.err"
rc=$?
dt=$(($(date +%s) - t0))
check "-t 2 to a peer that never answers: exit 1 (got $rc) in under 6 s (took $dt s)" \
	[ $rc -eq 1 ] && [ $dt -lt 6 ]
check "-t 2: the message names the peer and the limit" has "$tmp/unreach.err" \
	"utcp-nc: connect to 10.9.11.99 port 9000: Connection timed out (the -t limit)"

# The kernel answers a SYN to a closed port with a RST.
"$nc" -f "$tmp/nc.conf" -t 10 10.9.11.2 9 > "$tmp/refused.out" 2> "$tmp/refused.err"
rc=$?
check "a closed kernel port: exit 1 (got $rc)" [ $rc -eq 1 ]
check "a closed kernel port: Connection refused" has "$tmp/refused.err" \
	"utcp-nc: connect to 10.9.11.2 port 9: Connection refused"

# -l 0 and nobody connects.
t0=$(date +%s)
"$nc" -f "$tmp/nc.conf" -t 1 -l 0 > "$tmp/lonely.out" 2> "$tmp/lonely.err"
rc=$?
dt=$(($(date +%s) - t0))
port=$(sed -n 's/^utcp-nc: listening on port \([0-9]*\)$/\1/p' "$tmp/lonely.err")
check "-l 0 -t 1, nobody connects: exit 1 (got $rc) in under 5 s (took $dt s)" \
	[ $rc -eq 1 ] && [ $dt -lt 5 ]
check "-l 0: the port is printed (got '$port')" [ -n "$port" ] && [ "$port" -gt 0 ]
check "-l 0 -t 1: the wait is bounded, and said so" has "$tmp/lonely.err" \
	"utcp-nc: no connection on port $port: Connection timed out (the -t limit)"

# -l 0 and the kernel connects to the printed port.
head -c 1048576 /dev/urandom > "$tmp/in.bin"
"$nc" -f "$tmp/nc.conf" -t 30 -r "$tmp/got.bin" -l 0 > "$tmp/listen.out" 2> "$tmp/listen.err" &
lp=$!
pids="$pids $lp"
i=0
port=
while [ -z "$port" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
	port=$(sed -n 's/^utcp-nc: listening on port \([0-9]*\)$/\1/p' "$tmp/listen.err")
done
check "-l 0: a port printed before the wait (got '$port')" [ -n "$port" ]
[ -n "$port" ] && socat -u OPEN:"$tmp/in.bin" TCP:10.9.11.1:"$port" 2> "$tmp/socat.err"
wait $lp
rc=$?
check "-l 0: the kernel connects to the printed port, 1 MB arrives (exit $rc)" \
	sh -c "[ $rc -eq 0 ] && cmp -s '$tmp/got.bin' '$tmp/in.bin'"

# Bad values.
bad() { # bad EXPECTED-MESSAGE ARGS...
	want=$1
	shift
	"$nc" -f "$tmp/nc.conf" "$@" > "$tmp/bad.out" 2> "$tmp/bad.err"
	rc=$?
	check "utcp-nc $*: exit 2 (got $rc)" [ $rc -eq 2 ]
	check "utcp-nc $*: $want" has "$tmp/bad.err" "$want"
}
bad "utcp-nc: -t 'abc': want seconds, 0.001..1000000" -t abc 10.9.11.2 9000
bad "utcp-nc: -t '0': want seconds, 0.001..1000000" -t 0 10.9.11.2 9000
bad "utcp-nc: -l '70000': want a port, 0..65535 (0: any)" -l 70000
bad "utcp-nc: PORT '0': want a port, 1..65535" 10.9.11.2 0
bad "utcp-nc: PORT 'http': want a port, 1..65535" 10.9.11.2 http
exit $status
