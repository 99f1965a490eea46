#!/bin/sh
# tests/dpdk/epserver_memif.sh - epserver and epwget in two processes on the
# DPDK backend, joined by net_memif (shared-memory packet rings between
# processes) with 2 queues on each side: 2 contexts per process, both used.
#   epserver: 10.79.0.1, memif role=server; epwget: 10.79.0.2, role=client;
#   epwget makes MEMIF_REQUESTS (default 1000) short connections (HTTP/1.0,
#   one request each) with 16 in flight, every body checked against the file.
# Pass: epwget exits 0 (every request completed, 0 errors), both of its
# contexts completed connections, epserver survives epwget's disconnect and
# exits 0 on SIGINT, and its per-core statistics show traffic on both of its
# contexts.  Bounded to 120 s; one DPDK test at a
# time.  No root needed (memif uses an abstract unix socket).
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
srv="$top_builddir/tools/epserver"
cli="$top_builddir/tools/epwget"
requests=${MEMIF_REQUESTS:-1000}
. "$top_srcdir/tests/dpdk/run_one.sh"
dpdk_lock

tmp=$(mktemp -d)
sock="utcp-memif-$$"
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null && wait "$srv_pid"
	rm -rf "$tmp"
	memif_clean "utcp-ems-$$" "utcp-emc-$$"
}
trap cleanup EXIT
mkdir "$tmp/www"
head -c 2000 /dev/urandom > "$tmp/www/page.bin"
memif_confs "$tmp" "$sock" "utcp-ems-$$" "utcp-emc-$$" 10.79.0
echo "stat_print = net_memif0" >> "$tmp/srv.conf"

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

timeout -k 5 110 "$srv" -p "$tmp/www" -f "$tmp/srv.conf" -N 2 > "$tmp/srv.out" 2> "$tmp/srv.err" &
srv_pid=$!
memif_wait "$sock"
start=$(date +%s.%N)
timeout -k 5 100 "$cli" 10.79.0.1/page.bin "$requests" -f "$tmp/cli.conf" -N 2 -c 16 -t 90 \
	-e "$tmp/www/page.bin" > "$tmp/cli.out" 2>&1
rc=$?
end=$(date +%s.%N)
cat "$tmp/cli.out"
echo "epwget: $requests requests in $(awk "BEGIN { printf \"%.2f\", $end - $start }") s"
check "epwget: $requests requests, exit 0 (got $rc)" [ $rc -eq 0 ]
for c in 0 1; do
	check "epwget context $c completed connections with 0 errors" \
		grep -Eq "^\[CPU $c\] Completed [1-9][0-9]* connections, errors: 0 incompletes: 0" "$tmp/cli.out"
done
sleep 1.5 # the statistics print once a second
kill -INT "$srv_pid"
wait "$srv_pid"
src=$?
srv_pid=
# 139 here was SIGSEGV in memif's rx path as epwget disconnected: DPDK's
# interrupt thread unmapped the rings under a polling context; the backend
# now keeps its pollers out while that thread runs (nic/dpdk/gate.c).
check "epserver exits 0 on SIGINT (got $src)" [ $src -eq 0 ]
for c in 0 1; do
	check "epserver context $c carried traffic" \
		grep -Eq "^\[CPU $c\] net_memif0 flows: +[0-9]+, RX: +[1-9][0-9]*\(pps\)" "$tmp/srv.err"
done
if [ $status -ne 0 ]; then
	echo "--- epserver stdout"; cat "$tmp/srv.out"
	echo "--- epserver stderr"; tail -40 "$tmp/srv.err"
fi
exit $status
