#!/bin/sh
# tests/preload/clients.sh - Debian's clients (unmodified) over utcp on TAP
# through utcp-run against the kernel's servers, in a network namespace of
# its own: curl downloads a 100 MB file from python3's http.server (sha256
# equal); redis-cli SET/GET and redis-benchmark -q -n 100000 -t
# set,get,incr,lpush -P 16 against the kernel's redis-server, which counts
# every command.  The TAP device is made first (ip tuntap, multi_queue) so
# the kernel's servers can bind its address before any client opens it.
# Needs root, curl, python3, redis-server, redis-cli, redis-benchmark,
# sha256sum: else 77.
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/preload/common.sh"
pl_need clients.sh curl python3 redis-server redis-cli redis-benchmark sha256sum
if [ "${1:-}" != inside ]; then
	unshare --net true 2> /dev/null || { echo "clients.sh: no network namespace" >&2; exit 77; }
	exec timeout 240 unshare --net sh "$0" inside
fi
tmp=$(mktemp -d)
hs_pid= rd_pid=
cleanup() {
	[ -n "$hs_pid" ] && kill "$hs_pid" 2> /dev/null
	[ -n "$rd_pid" ] && kill "$rd_pid" 2> /dev/null
	ip link del uplcu0 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # the EXIT trap runs on these too
ip link set lo up
cat > "$tmp/utcp.conf" <<CONF
io = tap
port = tap0
tap_name = uplcu0
tap0.ip = 10.9.12.1/24
tap0.peer_ip = 10.9.12.2
num_cores = 1
CONF
ip tuntap add dev uplcu0 mode tap multi_queue
ip addr add 10.9.12.2/24 dev uplcu0
ip link set uplcu0 up
mkdir "$tmp/www"
head -c 100000000 /dev/urandom > "$tmp/www/big.bin"
python3 -m http.server --bind 10.9.12.2 8000 --directory "$tmp/www" > /dev/null 2>&1 &
hs_pid=$!
redis-server --port 6380 --bind 10.9.12.2 --save '' --appendonly no --protected-mode no \
	--daemonize no --dir "$tmp" > "$tmp/redis.out" 2>&1 &
rd_pid=$!
i=0
until curl -s -o /dev/null -m 1 http://10.9.12.2:8000/ &&
	[ "$(redis-cli -h 10.9.12.2 -p 6380 ping 2> /dev/null)" = PONG ] || [ $i -ge 40 ]; do
	sleep 0.25
	i=$((i + 1))
done
run() { timeout 120 "$PL_RUN" -f "$tmp/utcp.conf" -- "$@"; }
want=$(sha256sum < "$tmp/www/big.bin")
got=$(run curl -s -m 110 http://10.9.12.2:8000/big.bin | sha256sum)
check "curl over utcp: 100 MB from the kernel's http.server, sha256 equal" [ "$got" = "$want" ]
run redis-cli -h 10.9.12.2 -p 6380 set k "set over utcp" > /dev/null
got=$(run redis-cli -h 10.9.12.2 -p 6380 get k)
check "redis-cli over utcp: SET then GET ('$got')" [ "$got" = "set over utcp" ]
run redis-benchmark -h 10.9.12.2 -p 6380 -q -n 100000 -t set,get,incr,lpush -P 16 \
	> "$tmp/bench.out" 2>&1
rc=$?
tr '\r' '\n' < "$tmp/bench.out" | grep -E "requests per second, p50" | tee "$tmp/bench.txt"
check "redis-benchmark over utcp: exit 0, 4 tests reported (exit $rc)" \
	sh -c "[ $rc -eq 0 ] && [ \$(grep -c 'requests per second' '$tmp/bench.txt') -eq 4 ]"
n=$(redis-cli -h 10.9.12.2 -p 6380 info stats | tr -d '\r' | sed -n 's/^total_commands_processed://p')
check "the kernel's redis processed every command (${n:-?} >= 400000)" [ "${n:-0}" -ge 400000 ]
exit $status
