#!/bin/sh
# tests/mtcp/memif_echo.sh - the programs written against <mtcp_api.h>
# (compat/mtcp/examples) on the DPDK backend, in two processes joined by
# net_memif with 2 queues on each side (2 contexts, one thread each):
#   mtcp-echo-client: 2 x 8 connections x 100 messages of 2000 bytes, every
#   byte checked, against mtcp-echo-server; then SIGINT stops the server:
#   every thread leaves its loop and it exits 0; its per-core lines show
#   connections on both contexts and the pipe wake-ups from the main thread.
# Bounded to 120 s; one DPDK test at a time (run_one.sh).  No root needed
# (memif uses an abstract unix socket); 77 without the DPDK backend.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
srv="$top_builddir/compat/mtcp/examples/mtcp-echo-server"
cli="$top_builddir/compat/mtcp/examples/mtcp-echo-client"
. "$top_srcdir/tests/dpdk/run_one.sh"
dpdk_lock

tmp=$(mktemp -d)
sock="utcp-mmemif-$$"
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null && wait "$srv_pid"
	rm -rf "$tmp"
	memif_clean "utcp-mms-$$" "utcp-mmc-$$"
}
trap cleanup EXIT
memif_confs "$tmp" "$sock" "utcp-mms-$$" "utcp-mmc-$$" 10.79.1

status=0
check() { # check WHAT COND...
	what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAIL: $what"
		status=1
	fi
}

timeout -k 5 110 "$srv" -f "$tmp/srv.conf" -N 2 -p 7000 -t 100 > "$tmp/srv.out" 2> "$tmp/srv.err" &
srv_pid=$!
memif_wait "$sock"
timeout -k 5 90 "$cli" -f "$tmp/cli.conf" -N 2 -s 10.79.1.1 -p 7000 -c 8 -m 100 -z 2000 \
	> "$tmp/cli.out" 2> "$tmp/cli.err"
rc=$?
cat "$tmp/cli.out"
check "mtcp-echo-client -> mtcp-echo-server over memif: exit 0, 2 x 8 connections x 100 messages (got $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q '^total: connections: 16 of 16$' '$tmp/cli.out'"
for c in 0 1; do
	check "client context $c: 8 connections, 800 messages, 0 errors" \
		grep -q "^\[CPU $c\] connections: 8, messages: 800, errors: 0$" "$tmp/cli.out"
done
sleep 0.5
kill -INT "$srv_pid"
wait "$srv_pid"
src=$?
srv_pid=
cat "$tmp/srv.out"
check "mtcp-echo-server exits 0 on SIGINT (got $src)" [ $src -eq 0 ]
for c in 0 1; do
	check "server context $c: connections served and pipe wake-ups" \
		grep -Eq "^\[CPU $c\] connections: [0-9]+, bytes: [0-9]+, pipe ticks: [1-9][0-9]*$" "$tmp/srv.out"
done
total=$(sed -n 's/^\[CPU .\] connections: \([0-9]*\),.*/\1/p' "$tmp/srv.out" | awk '{ s += $1 } END { print s + 0 }')
check "the server's contexts served the 16 connections ($total)" [ "$total" -eq 16 ]
if [ $status -ne 0 ]; then
	echo "--- server stderr"; tail -40 "$tmp/srv.err"
	echo "--- client stderr"; tail -40 "$tmp/cli.err"
fi
exit $status
