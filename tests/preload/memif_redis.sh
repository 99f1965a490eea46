#!/bin/sh
# tests/preload/memif_redis.sh - Debian's redis-server and its clients,
# unmodified, each over utcp on the DPDK backend through utcp-run, two
# processes joined by net_memif (the server process opens the memif server
# side when redis registers its listener with epoll; each client process
# its own EAL and the client side): a redis-cli SET/GET round trip, then
# redis-benchmark -q -n 100000 -t set,get,incr,lpush -P 16 with every
# command counted by the server; SIGTERM ends the server, exit 0.  A wait
# on DPDK has no descriptor to sleep on: it sleeps 1 ms at a time.
# One DPDK test at a time (run_one.sh); no root needed (memif uses an
# abstract unix socket); 77 without the programs or the shared library.
. "${top_srcdir:-.}/tests/preload/common.sh"
run=$PL_RUN
if [ ! -f "$UTCP_PRELOAD_LIB" ]; then
	echo "memif_redis.sh: libutcp-preload.so was not built" >&2
	exit 77
fi
for t in redis-server redis-cli redis-benchmark timeout; do
	command -v $t > /dev/null || { echo "memif_redis.sh: needs $t" >&2; exit 77; }
done
. "$top_srcdir/tests/dpdk/run_one.sh"
dpdk_lock

tmp=$(mktemp -d)
sock="utcp-plmemif-$$"
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill -9 "$srv_pid" 2> /dev/null
	rm -rf "$tmp"
	memif_clean "utcp-pls-$$" "utcp-plc-$$"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # the EXIT trap runs on these too
memif_confs "$tmp" "$sock" "utcp-pls-$$" "utcp-plc-$$" 10.79.3
sed -i 's/^num_cores = 2$/num_cores = 1/' "$tmp/srv.conf" "$tmp/cli.conf"
timeout -k 5 150 "$run" -f "$tmp/srv.conf" -- redis-server --port 6379 --bind 10.79.3.1 \
	--save '' --appendonly no --protected-mode no --daemonize no --dir "$tmp" \
	> "$tmp/redis.out" 2>&1 &
srv_pid=$!
memif_wait "$sock"
cli() { timeout -k 5 60 "$run" -f "$tmp/cli.conf" -- "$@"; }
cli redis-cli -h 10.79.3.1 set utcp-key "over memif" > "$tmp/set.out" 2>&1
got=$(cli redis-cli -h 10.79.3.1 get utcp-key 2> "$tmp/get.err")
check "redis-cli SET then GET over memif, both ends utcp ('$got')" [ "$got" = "over memif" ]
cli redis-benchmark -h 10.79.3.1 -q -n 100000 -t set,get,incr,lpush -P 16 > "$tmp/bench.out" 2>&1
rc=$?
tr '\r' '\n' < "$tmp/bench.out" | grep -E "requests per second, p50" | tee "$tmp/bench.txt"
check "redis-benchmark -P 16 over memif: exit 0, 4 tests reported (exit $rc)" \
	sh -c "[ $rc -eq 0 ] && [ \$(grep -c 'requests per second' '$tmp/bench.txt') -eq 4 ]"
n=$(cli redis-cli -h 10.79.3.1 info stats 2> /dev/null | tr -d '\r' |
	sed -n 's/^total_commands_processed://p')
check "the server processed every command (${n:-?} >= 400000)" [ "${n:-0}" -ge 400000 ]
kill -TERM "$srv_pid"
wait "$srv_pid"
rc=$?
srv_pid=
check "SIGTERM: redis-server exits 0 (got $rc)" [ $rc -eq 0 ]
if [ $status -ne 0 ]; then
	tail -20 "$tmp/redis.out" "$tmp/set.out" "$tmp/get.err" "$tmp/bench.out"
fi
exit $status
