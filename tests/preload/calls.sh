#!/bin/sh
# tests/preload/calls.sh - tests/preload/calls, a plain libc program, under
# libutcp-preload against the kernel's socat echo server over TAP, in a
# network namespace of its own: every intercepted call as a program sees it
# (socket options recorded before connect, mixed poll / select / epoll
# waits over a pipe and a utcp socket, EINTR, the idle wait's CPU, dup,
# dup2, F_DUPFD, FIONBIO, FIONREAD, writev of 1024 iovecs, recvmsg,
# sendfile, shutdown, fork with a connection, kernel sockets untouched);
# then a bad config: reported once on stderr, socket() fails with ENETDOWN.
# Needs root and socat: else 77.
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/preload/common.sh"
pl_need calls.sh socat
calls="$top_builddir/tests/preload/calls"
if [ "${1:-}" != inside ]; then
	unshare --net true 2> /dev/null || { echo "calls.sh: no network namespace" >&2; exit 77; }
	exec timeout 120 unshare --net sh "$0" inside
fi
tmp=$(mktemp -d)
so_pid=
cleanup() {
	[ -n "$so_pid" ] && kill "$so_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # the EXIT trap runs on these too
ip link set lo up
cat > "$tmp/utcp.conf" <<CONF
io = tap
port = tap0
tap_name = uplcl0
tap0.ip = 10.9.10.1/24
tap0.peer_ip = 10.9.10.2
num_cores = 1
CONF
socat TCP-LISTEN:7100,bind=0.0.0.0,reuseaddr,fork PIPE 2> /dev/null &
so_pid=$!
sleep 0.3
timeout 60 "$PL_RUN" -f "$tmp/utcp.conf" -- "$calls" 10.9.10.2 7100 > "$tmp/out" 2> "$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
check "calls against the kernel's echo server: every check passed (exit $rc)" [ $rc -eq 0 ]
printf 'io = tap\nport = tap0\nnum_cores = 1\ntap0.ip = 10.9.10.1/24\nbogus_key = 1\n' > "$tmp/bad.conf"
timeout 20 "$PL_RUN" -f "$tmp/bad.conf" -- "$calls" badconf > "$tmp/out" 2> "$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
check "bad config: socket() fails with ENETDOWN (exit $rc)" [ $rc -eq 0 ]
check "bad config: said once on stderr, naming file, line and key" \
	sh -c "[ \$(grep -c 'utcp-preload: .*bad.conf:5: .*bogus_key' '$tmp/err') -eq 1 ]"
exit $status
