#!/bin/sh
# tests/dpdk/bench_seg.sh - throughput of the DPDK backend's receive paths
# (not part of `make check`; root, one DPDK run at a time):
#   GRO: the kernel's socat sends 100 MB to utcp-nc -n over net_tap in a
#     private network namespace, dpdk_gro = 1 and 0 alternating, RUNS
#     times each (default 5): MB/s (socat's connect to its exit) and
#     utcp-nc's CPU seconds;
#   MTU: test_dpdk_ring (two stacks in one process over net_ring, 100 MB
#     each way) with dpdk_mtu = 1500 and 9000 alternating: the seconds from
#     the start of the conversation until both ends had every byte.
#   usage: [PIN=1] [MTU_RUNS=0] sh tests/dpdk/bench_seg.sh [RUNS]
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
runs=${1:-5}
# PIN=1: socat on CPU 0 with utcp-nc (the EAL's -l 0), so that the two
# share one CPU and utcp's cost per byte shows in the throughput
pin=
[ "${PIN:-0}" = 1 ] && pin="taskset -c 0"
if [ "${2:-}" != inside ]; then
	. "$top_srcdir/tests/dpdk/run_one.sh"
	dpdk_run $((runs * 200 + 60)) unshare --net sh "$0" "$runs" inside
	exit $?
fi
tmp=$(mktemp -d)
prefix=utcp-bseg-$$
trap 'rm -rf "$tmp"; rmdir "/var/run/dpdk/$prefix" 2> /dev/null' EXIT
ip link set lo up
head -c 104857600 /dev/urandom > "$tmp/big.bin"
now_ns() { date +%s%N; }
gro_run() { # gro_run GRO PORT
	cat > "$tmp/c.conf" <<CONF
io = dpdk
dpdk_args = -l 0 --no-huge -m 256 --no-pci --no-shconf --no-telemetry --file-prefix=$prefix --log-level=*:error --vdev=net_tap0,iface=utcpbseg
dpdk_gro = $1
port = net_tap0
net_tap0.ip = 10.76.0.2/24
net_tap0.mac = 02:00:00:76:00:02
sndbuf = 1048576
rcvbuf = 1048576
tcp_timewait = 0
CONF
	timeout -k 5 120 "$top_builddir/tools/utcp-nc" -f "$tmp/c.conf" -t 100 -n -l "$2" \
		> "$tmp/nc.out" 2> /dev/null &
	nc=$!
	i=0
	until ip link show utcpbseg > /dev/null 2>&1 || [ $i -ge 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	ip addr add 10.76.0.1/24 dev utcpbseg 2> /dev/null
	ip link set utcpbseg up
	i=0
	while :; do
		t0=$(now_ns)
		$pin socat -u "OPEN:$tmp/big.bin" "TCP:10.76.0.2:$2,connect-timeout=2" 2> /dev/null &&
			break
		[ $i -ge 30 ] && break
		sleep 0.3
		i=$((i + 1))
	done
	t1=$(now_ns)
	wait $nc
	cpu=$(sed -n 's/.*(CPU \([0-9.]*\) s).*/\1/p' "$tmp/nc.out")
	frames=$(sed -n 's/^utcp-nc: port 0 sent .*, received \([0-9]*\)$/\1/p' "$tmp/nc.out")
	awk -v g="$1" -v ns=$((t1 - t0)) -v cpu="$cpu" -v f="$frames" 'BEGIN {
		printf "dpdk_gro = %s: 100 MB kernel -> utcp in %.3f s, %.1f MB/s, utcp CPU %s s, %s frames to TCP\n",
			g, ns / 1e9, 100 / (ns / 1e9), cpu, f }'
}
mtu_run() { # mtu_run MTU
	t0=$(now_ns)
	RING_BYTES=104857600 RING_MTU=$1 "$top_builddir/tests/dpdk/test_dpdk_ring" > "$tmp/ring.out" 2>&1
	rc=$?
	t1=$(now_ns)
	conv=$(sed -n 's/.*rounds (the data in \([0-9.]*\) s)$/\1/p' "$tmp/ring.out")
	awk -v m="$1" -v ns=$((t1 - t0)) -v rc=$rc -v c="$conv" 'BEGIN {
		printf "net_ring dpdk_mtu = %s: 100 MB each way in %s s (%.1f MB/s each way; whole run %.3f s, exit %d)\n",
			m, c, 100 / c, ns / 1e9, rc }'
}
r=0
while [ $r -lt "$runs" ]; do
	gro_run 1 $((9200 + 2 * r))
	gro_run 0 $((9201 + 2 * r))
	r=$((r + 1))
done
r=0
while [ $r -lt "${MTU_RUNS:-$runs}" ]; do
	mtu_run 1500
	mtu_run 9000
	r=$((r + 1))
done
