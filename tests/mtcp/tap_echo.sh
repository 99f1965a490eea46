#!/bin/sh
# tests/mtcp/tap_echo.sh - programs written against <mtcp_api.h> alone
# (compat/mtcp/examples, built with what `pkg-config --cflags --libs
# utcp-mtcp` gives) on the TAP backend, 2 contexts (threads) each, inside a
# network namespace of their own:
#   the Linux kernel's socat against mtcp-echo-server: 20 connections, each
#   echoed byte for byte; 10 connections at once;
#   mtcp-echo-client (one context: see below) against the kernel's socat
#   echo server: 8 connections, 50 messages of 1000 bytes each, every byte
#   checked;
#   mtcp-echo-client against mtcp-echo-server, the kernel routing between
#   their taps; the same client stopped by SIGINT midway exits 0;
#   the server's contexts wait in mtcp_epoll_wait(-1) and the main thread's
#   mtcp_write to their pipes wakes them (pipe ticks counted on both);
#   SIGINT stops the server: every thread leaves its loop, exit status 0;
#   a port without an address takes the Linux interface's of that name, and
#   without one mtcp_init fails naming the key to add.
# And, with pkg-config: the server builds from its source alone with
# `pkg-config --cflags --libs utcp-mtcp` pointed at this tree.
# Needs root (tap devices, unshare --net) and socat: else 77.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
srv="$top_builddir/compat/mtcp/examples/mtcp-echo-server"
cli="$top_builddir/compat/mtcp/examples/mtcp-echo-client"
me=tap_echo
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 150 "${1:-}" socat ip

netns_tmp
srv_pid= so_pid=
netns_on_exit() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null
	[ -n "$so_pid" ] && kill "$so_pid" 2> /dev/null
}
ip link set lo up
cat > "$tmp/srv.conf" <<'CONF'
io = tap
port = tap0
tap_name = utcpme0
tap0.ip = 10.9.4.1/24
tap0.peer_ip = 10.9.4.2
num_cores = 2
tcp_timewait = 0
CONF
cat > "$tmp/cli.conf" <<'CONF'
io = tap
port = tap0
tap_name = utcpme1
tap0.ip = 10.9.5.1/24
tap0.peer_ip = 10.9.5.2
num_cores = 2
tcp_timewait = 0
CONF

status=0
wait_port() { # wait_port ADDR PORT
	i=0
	until echo x | timeout 2 socat -T 1 - "TCP:$1:$2,connect-timeout=1" 2> /dev/null | grep -q x ||
		[ $i -ge 30 ]; do
		sleep 0.2
		i=$((i + 1))
	done
}
stop_server() { # SIGINT, then its exit status in $rc
	kill -INT "$srv_pid"
	wait "$srv_pid"
	rc=$?
	srv_pid=
}

# ---- the kernel's socat against mtcp-echo-server ----
"$srv" -f "$tmp/srv.conf" -N 2 -p 7000 -t 100 > "$tmp/srv.out" 2> "$tmp/srv.err" &
srv_pid=$!
wait_port 10.9.4.1 7000
head -c 3000 /dev/urandom > "$tmp/blob"
ok=0
for i in $(seq 1 20); do
	timeout 5 socat -T 2 - TCP:10.9.4.1:7000 < "$tmp/blob" > "$tmp/back" 2> /dev/null
	cmp -s "$tmp/blob" "$tmp/back" && ok=$((ok + 1))
done
check "socat -> mtcp-echo-server: 20 of 20 connections echoed 3000 bytes ($ok)" [ $ok -eq 20 ]
pids=
for i in $(seq 1 10); do
	timeout 5 socat -T 2 - TCP:10.9.4.1:7000 < "$tmp/blob" > "$tmp/par$i" 2> /dev/null &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p"
done
ok=0
for i in $(seq 1 10); do cmp -s "$tmp/blob" "$tmp/par$i" && ok=$((ok + 1)); done
check "socat x 10 at once: all echoed ($ok)" [ $ok -eq 10 ]
sleep 0.5 # idle: only the main thread's pipe writes wake the contexts
stop_server
cat "$tmp/srv.out"
check "mtcp-echo-server exits 0 on SIGINT (got $rc)" [ $rc -eq 0 ]
for c in 0 1; do
	check "server context $c left its loop and was woken by its pipe" \
		grep -Eq "^\[CPU $c\] connections: [0-9]+, bytes: [0-9]+, pipe ticks: [1-9][0-9]*$" "$tmp/srv.out"
done
total=$(sed -n 's/^\[CPU .\] connections: \([0-9]*\),.*/\1/p' "$tmp/srv.out" | awk '{ s += $1 } END { print s + 0 }')
check "the server's contexts accepted 30 connections and more (got $total)" [ "$total" -ge 30 ]

# ---- mtcp-echo-client against the kernel's socat echo server ----
# One context here: tun sends a local socket's segments to the queue its
# own random hash picks, not to the queue (context) that sent the flow, so
# with two queues a connection's replies may reach the other context.
socat TCP-LISTEN:7001,bind=0.0.0.0,reuseaddr,fork PIPE 2> /dev/null &
so_pid=$!
sed -e 's/^num_cores = 2/num_cores = 1/' "$tmp/cli.conf" > "$tmp/cli1.conf"
sleep 0.5
timeout 60 "$cli" -f "$tmp/cli1.conf" -N 1 -s 10.9.5.2 -p 7001 -c 8 -m 50 -z 1000 \
	> "$tmp/cli.out" 2> "$tmp/cli.err"
rc=$?
cat "$tmp/cli.out"
check "mtcp-echo-client -> socat: exit 0 (got $rc)" [ $rc -eq 0 ]
check "client context 0: 8 connections, 400 messages, 0 errors" \
	grep -q "^\[CPU 0\] connections: 8, messages: 400, errors: 0$" "$tmp/cli.out"
kill "$so_pid"
so_pid=

# ---- mtcp-echo-client against mtcp-echo-server, the kernel forwarding ----
sed -e 's/^tap0.peer_ip = 10.9.5.2/&\ntap0.gateway = 10.9.5.2/' "$tmp/cli.conf" > "$tmp/clig.conf"
echo 1 > /proc/sys/net/ipv4/ip_forward # this namespace only
sed -e 's/^tap0.peer_ip = 10.9.4.2/&\ntap0.gateway = 10.9.4.2/' "$tmp/srv.conf" > "$tmp/srvg.conf"
"$srv" -f "$tmp/srvg.conf" -N 2 -p 7000 > "$tmp/srvg.out" 2> "$tmp/srvg.err" &
srv_pid=$!
wait_port 10.9.4.1 7000
timeout 60 "$cli" -f "$tmp/clig.conf" -N 2 -s 10.9.4.1 -p 7000 -c 8 -m 100 -z 2000 \
	> "$tmp/u2u.out" 2> "$tmp/u2u.err"
rc=$?
cat "$tmp/u2u.out"
check "mtcp-echo-client -> mtcp-echo-server: exit 0, 2 x 8 connections x 100 messages (got $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q '^total: connections: 16 of 16$' '$tmp/u2u.out'"
timeout 60 "$cli" -f "$tmp/clig.conf" -N 2 -s 10.9.4.1 -p 7000 -c 2 -m 100000000 -z 100 \
	> "$tmp/int.out" 2> "$tmp/int.err" &
cli_pid=$!
sleep 1.5
kill -INT "$cli_pid"
wait "$cli_pid"
rc=$?
check "the client stopped by SIGINT midway: exit 0, interrupted, 0 errors (got $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'interrupted' '$tmp/int.out' && ! grep -q 'errors: [1-9]' '$tmp/int.out'"
stop_server
check "mtcp-echo-server exits 0 on SIGINT (got $rc)" [ $rc -eq 0 ]

# ---- a port's address from the Linux interface of its name ----
ip link add mtcpd0 type veth peer name mtcpd1
ip addr add 10.9.6.7/24 dev mtcpd0
printf 'io = tap\nport = mtcpd0\ntap_name = utcpme2\nnum_cores = 1\n' > "$tmp/linux.conf"
"$srv" -f "$tmp/linux.conf" -p 7000 > /dev/null 2> "$tmp/linux.err" &
srv_pid=$!
sleep 1
stop_server
check "port mtcpd0 without an address: 10.9.6.7/24 from Linux, exit 0 (got $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'mtcpd0.ip = 10.9.6.7/24 (from the Linux interface mtcpd0)' '$tmp/linux.err'"
ip link del mtcpd0
printf 'io = tap\nport = nosuch0\ntap_name = utcpme3\n' > "$tmp/none.conf"
"$srv" -f "$tmp/none.conf" > /dev/null 2> "$tmp/none.err"
rc=$?
check "no address and no such interface: mtcp_init fails naming nosuch0.ip (got $rc)" \
	sh -c "[ $rc -ne 0 ] && grep -q \"key 'nosuch0.ip': required key is missing\" '$tmp/none.err' &&
	       grep -q \"add 'nosuch0.ip = A.B.C.D/N'\" '$tmp/none.err'"

# ---- the same source, built as an installed program would be ----
# (A build without shared libraries, as the sanitizer gate's, has only
# libutcp.a, whose static dependencies (libpcap's) need -dev packages the
# tests do not install: there this part is left out.)
if command -v pkg-config > /dev/null && command -v cc > /dev/null &&
   [ -f "$top_builddir/utcp-mtcp.pc" ] && [ -e "$top_builddir/.libs/libutcp.so" ]; then
	flags=$(PKG_CONFIG_PATH="$top_builddir" pkg-config --define-variable=includedir="$top_srcdir/include" \
		--define-variable=libdir="$top_builddir/.libs" --cflags --libs utcp-mtcp)
	cc -o "$tmp/pkgsrv" "$top_srcdir/compat/mtcp/examples/echo_server.c" $flags -lpthread \
		2> "$tmp/cc.err"
	rc=$?
	check "echo_server.c builds with \`pkg-config --cflags --libs utcp-mtcp\` (got $rc)" [ $rc -eq 0 ]
	cat "$tmp/cc.err"
fi
exit $status
