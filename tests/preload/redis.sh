#!/bin/sh
# tests/preload/redis.sh - Debian's redis-server (unmodified) over utcp on
# TAP through utcp-run, in a network namespace of its own, against the
# kernel's clients: a redis-cli SET/GET round trip returns the value;
# redis-benchmark -q -n 100000 -t set,get,incr,lpush -P 16 reports every
# test and the server counts every command (INFO: 400000 and more);
# SIGTERM ends it, exit 0.  (redis's AF_INET6 listener, when asked for,
# stays the kernel's: only AF_INET is utcp's today.)
# Needs root, redis-server, redis-cli, redis-benchmark: else 77.
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/preload/common.sh"
pl_need redis.sh redis-server redis-cli redis-benchmark
if [ "${1:-}" != inside ]; then
	unshare --net true 2> /dev/null || { echo "redis.sh: no network namespace" >&2; exit 77; }
	exec timeout 240 unshare --net sh "$0" inside
fi
tmp=$(mktemp -d)
rd_pid=
cleanup() {
	[ -n "$rd_pid" ] && kill -9 "$rd_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # the EXIT trap runs on these too
ip link set lo up
cat > "$tmp/utcp.conf" <<CONF
io = tap
port = tap0
tap_name = uplrd0
tap0.ip = 10.9.11.1/24
tap0.peer_ip = 10.9.11.2
num_cores = 1
tcp_timewait = 0
CONF
"$PL_RUN" -f "$tmp/utcp.conf" -- redis-server --port 6379 --bind 10.9.11.1 --save '' \
	--appendonly no --protected-mode no --daemonize no --dir "$tmp" > "$tmp/redis.out" 2>&1 &
rd_pid=$!
i=0
until [ "$(timeout 2 redis-cli -h 10.9.11.1 ping 2> /dev/null)" = PONG ] || [ $i -ge 40 ]; do
	sleep 0.25
	i=$((i + 1))
done
timeout 10 redis-cli -h 10.9.11.1 set utcp-key "value over utcp" > /dev/null
got=$(timeout 10 redis-cli -h 10.9.11.1 get utcp-key)
check "redis-cli SET then GET: '$got'" [ "$got" = "value over utcp" ]
timeout 120 redis-benchmark -h 10.9.11.1 -q -n 100000 -t set,get,incr,lpush -P 16 \
	> "$tmp/bench.out" 2>&1
rc=$?
tr '\r' '\n' < "$tmp/bench.out" | grep -E "requests per second, p50" | tee "$tmp/bench.txt"
check "redis-benchmark -P 16: exit 0, 4 tests reported (exit $rc)" \
	sh -c "[ $rc -eq 0 ] && [ \$(grep -c 'requests per second' '$tmp/bench.txt') -eq 4 ]"
n=$(timeout 10 redis-cli -h 10.9.11.1 info stats | tr -d '\r' | sed -n 's/^total_commands_processed://p')
check "the server processed every command (${n:-?} >= 400000)" [ "${n:-0}" -ge 400000 ]
kill -TERM "$rd_pid"
i=0
while kill -0 "$rd_pid" 2> /dev/null && [ $i -lt 40 ]; do
	sleep 0.25
	i=$((i + 1))
done
kill -9 "$rd_pid" 2> /dev/null
wait "$rd_pid"
rc=$?
rd_pid=
check "SIGTERM: redis-server exits 0 (got $rc)" [ $rc -eq 0 ]
grep -q "utcp-preload" "$tmp/redis.out" && grep "utcp-preload" "$tmp/redis.out"
exit $status
