#!/bin/sh
# tests/dpdk/epserver_tap.sh - epserver on the DPDK backend (net_tap PMD),
# the Linux kernel's curl downloading from it, in a private network
# namespace (unshare --net: the tap device, its addresses and the EAL's
# traffic vanish with it).
#   epserver: utcp 10.78.0.2 on --vdev=net_tap0,iface=utcpde0;
#   kernel:   10.78.0.1/24 on utcpde0;
#   curl downloads a 1 MB file (byte for byte) and a small one, gets a 404,
#   then epserver stops on SIGINT and has printed its per-port statistics.
# Needs root, /dev/net/tun, curl, unshare: else 77.  Bounded to 90 s; one
# DPDK test at a time.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
srv="$top_builddir/tools/epserver"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "epserver_tap: skipped: needs root and /dev/net/tun"
	exit 77
fi
for t in unshare curl timeout ip; do
	if ! command -v $t > /dev/null; then
		echo "epserver_tap: skipped: needs $t"
		exit 77
	fi
done
if [ "${1:-}" != inside ]; then
	. "$top_srcdir/tests/dpdk/run_one.sh"
	dpdk_run 90 unshare --net sh "$0" inside
	exit $?
fi

tmp=$(mktemp -d)
prefix=utcp-ept-$$
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null && wait "$srv_pid"
	rm -rf "$tmp"
	rmdir "/var/run/dpdk/$prefix" 2> /dev/null
}
trap cleanup EXIT
ip link set lo up
mkdir "$tmp/www"
head -c 1048576 /dev/urandom > "$tmp/www/big.bin"
echo hello > "$tmp/www/small.txt"
cat > "$tmp/srv.conf" <<CONF
io = dpdk
dpdk_args = -l 0 --no-huge -m 256 --no-pci --no-shconf --no-telemetry --file-prefix=$prefix --log-level=*:error --vdev=net_tap0,iface=utcpde0
port = net_tap0
net_tap0.ip = 10.78.0.2/24
# the tap PMD and the kernel's end share one MAC: utcp needs its own
net_tap0.mac = 02:00:00:78:00:02
stat_print = net_tap0
tcp_timewait = 0
CONF

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

"$srv" -p "$tmp/www" -f "$tmp/srv.conf" -s > "$tmp/srv.out" 2> "$tmp/srv.err" &
srv_pid=$!
i=0
until ip link show utcpde0 > /dev/null 2>&1 || [ $i -ge 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
ip addr add 10.78.0.1/24 dev utcpde0 && ip link set utcpde0 up
i=0
until curl -s -o /dev/null -m 1 http://10.78.0.2/small.txt || [ $i -ge 30 ]; do
	sleep 0.2
	i=$((i + 1))
done
curl -sS -m 30 -o "$tmp/got" http://10.78.0.2/big.bin
check "curl GET /big.bin: 1048576 bytes byte for byte" cmp -s "$tmp/got" "$tmp/www/big.bin"
curl -sS -m 10 -o "$tmp/small" http://10.78.0.2/small.txt
check "curl GET /small.txt" cmp -s "$tmp/small" "$tmp/www/small.txt"
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' http://10.78.0.2/missing)
check "curl GET /missing: 404 (got $code)" [ "$code" = 404 ]
sleep 1.5 # the statistics print once a second
kill -INT "$srv_pid"
wait "$srv_pid"
rc=$?
srv_pid=
check "epserver exits 0 on SIGINT (got $rc)" [ $rc -eq 0 ]
check "epserver printed the port's statistics line" \
	grep -Eq '^\[CPU 0\] net_tap0 flows: +[0-9]+, RX: +[0-9]+\(pps\)' "$tmp/srv.err"
if [ $status -ne 0 ]; then
	echo "--- epserver stdout"; cat "$tmp/srv.out"
	echo "--- epserver stderr"; tail -30 "$tmp/srv.err"
fi
exit $status
