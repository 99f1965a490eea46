#!/bin/sh
# tests/preload/bench_redis.sh - by hand (root): the same redis-server
# (Debian's, unmodified) and the same `redis-benchmark -n N -t set,get -P 16`
# in one run, in network namespaces of its own:
#   utcp:   redis-server through utcp-run on a TAP device, the benchmark in
#           the namespace (the kernel's);
#   kernel: redis-server on the kernel in a second namespace joined by a
#           veth pair, the benchmark in the first.
# Prints requests/s (the benchmark's, SET and GET) and requests per
# CPU-second: redis-server's CPU (user + system, /proc) plus the
# benchmark's (GNU time), both ends.  Softirq work outside these processes
# is counted on neither side.
#   sh tests/preload/bench_redis.sh [N]     (default 1000000)
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/preload/common.sh"
pl_need bench_redis.sh redis-server redis-cli redis-benchmark nsenter /usr/bin/time
n=${1:-1000000}
if [ "${2:-}" != inside ]; then
	exec timeout 600 unshare --net sh "$0" "$n" inside
fi
tmp=$(mktemp -d)
rd_pid= ns_pid=
cleanup() {
	[ -n "$rd_pid" ] && kill -9 "$rd_pid" 2> /dev/null
	[ -n "$ns_pid" ] && kill -9 "$ns_pid" 2> /dev/null
	ip link del uplbv2 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # the EXIT trap runs on these too
ip link set lo up
measure() { # measure NAME ADDR SERVER-PID
	i=0
	until [ "$(redis-cli -h "$2" ping 2> /dev/null)" = PONG ] || [ $i -ge 40 ]; do
		sleep 0.25
		i=$((i + 1))
	done
	s0=$(cpu_ticks "$3")
	/usr/bin/time -f "%U %S" -o "$tmp/btime" redis-benchmark -h "$2" -q -n "$n" -t set,get \
		-P 16 > "$tmp/b.out" 2>&1
	s1=$(cpu_ticks "$3")
	set=$(tr '\r' '\n' < "$tmp/b.out" | sed -n 's/^SET: \([0-9.]*\) requests per second.*/\1/p')
	get=$(tr '\r' '\n' < "$tmp/b.out" | sed -n 's/^GET: \([0-9.]*\) requests per second.*/\1/p')
	hz=$(getconf CLK_TCK)
	awk -v name="$1" -v set="$set" -v get="$get" -v n="$n" -v st=$((s1 - s0)) -v hz="$hz" \
		'{ cpu = st / hz + $1 + $2;
		   printf "| %-22s | %9.0f | %9.0f | %6.2f | %5.2f | %8.0f |\n", name, set, get, st / hz, $1 + $2, 2 * n / cpu }' \
		"$tmp/btime"
}
echo "| redis, -n $n -P 16 | SET/s | GET/s | server CPU s | benchmark CPU s | requests per CPU-second |"
echo "|---|---|---|---|---|---|"
printf 'io = tap\nport = tap0\ntap_name = uplbt1\ntap0.ip = 10.9.15.1/24\ntap0.peer_ip = 10.9.15.2\nnum_cores = 1\ntcp_timewait = 0\n' > "$tmp/utcp.conf"
"$PL_RUN" -f "$tmp/utcp.conf" -- redis-server --port 6379 --bind 10.9.15.1 --save '' \
	--appendonly no --protected-mode no --daemonize no --dir "$tmp" > "$tmp/u.out" 2>&1 &
rd_pid=$!
measure "utcp (TAP)" 10.9.15.1 "$rd_pid"
kill "$rd_pid"
wait "$rd_pid"
unshare --net sh -c 'ip link set lo up; exec sleep 600' &
ns_pid=$!
sleep 0.3
ip link add uplbv2 type veth peer name uplbv3
ip link set uplbv3 netns "$ns_pid"
ip addr add 10.9.16.2/24 dev uplbv2
ip link set uplbv2 up
nsenter -t "$ns_pid" -n ip addr add 10.9.16.1/24 dev uplbv3
nsenter -t "$ns_pid" -n ip link set uplbv3 up
nsenter -t "$ns_pid" -n redis-server --port 6379 --bind 10.9.16.1 --save '' \
	--appendonly no --protected-mode no --daemonize no --dir "$tmp" > "$tmp/k.out" 2>&1 &
rd_pid=$!
measure "Linux kernel (veth)" 10.9.16.1 "$rd_pid"
kill "$rd_pid"
wait "$rd_pid"
rd_pid=
