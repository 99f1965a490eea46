#!/bin/sh
# tests/dpdk/tap_tso.sh - TCP segmentation offload on the DPDK backend:
# utcp-nc on net_tap (whose TSO is DPDK's software GSO) sends 20 MB to the
# kernel's socat in a private network namespace, once with dpdk_tso = 1
# (the default) and once with dpdk_tso = 0; then with TSO over IPv6, which
# DPDK's GSO does not cut (net_tap would write 64 KiB frames whole, past
# the MTU), so utcp must send it MSS-sized frames.
#   utcp: 10.79.0.2, 2001:db8:79::2 (net_tap0); kernel: .1 on utcptso.
# Pass: SHA-256 equal both times, utcp-nc exits 0; with TSO, utcp handed
# the PMD fewer than a quarter as many frames as the kernel's TCP received
# segments (/proc/net/snmp InSegs: the PMD cut the rest); without it, about as
# many.  MB/s of each run go to the log (the time of the socat run
# that connected: connect, 20 MB, close).  Bounded to 150 s; one DPDK test
# at a time.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
nc="$top_builddir/tools/utcp-nc"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "tap_tso: skipped: needs root and /dev/net/tun"
	exit 77
fi
for t in unshare socat sha256sum timeout ip awk; do
	if ! command -v $t > /dev/null; then
		echo "tap_tso: skipped: needs $t"
		exit 77
	fi
done
if [ "${1:-}" != inside ]; then
	. "$top_srcdir/tests/dpdk/run_one.sh"
	dpdk_run 150 unshare --net sh "$0" inside
	exit $?
fi

tmp=$(mktemp -d)
prefix=utcp-tso-$$
pids=
status=0
cleanup() {
	for p in $pids; do kill "$p" 2> /dev/null; done
	wait 2> /dev/null
	rm -rf "$tmp"
	rmdir "/var/run/dpdk/$prefix" 2> /dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip link set lo up
head -c 20971520 /dev/urandom > "$tmp/big.bin"
conf() { # conf TSO: the utcp.conf for one run
	cat <<CONF
io = dpdk
dpdk_args = -l 0 --no-huge -m 256 --no-pci --no-shconf --no-telemetry --file-prefix=$prefix --log-level=*:error --vdev=net_tap0,iface=utcptso
dpdk_tso = $1
port = net_tap0
net_tap0.ip = 10.79.0.2/24
net_tap0.mac = 02:00:00:79:00:02
net_tap0.ip6 = 2001:db8:79::2/64
ip6_dad_transmits = 0
sndbuf = 1048576
rcvbuf = 262144
tcp_timewait = 0
CONF
}

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
same() { # same FILE1 FILE2: SHA-256 equal
	[ -f "$1" ] && [ "$(sha256sum < "$1")" = "$(sha256sum < "$2")" ]
}
insegs() { # the kernel's TCP InSegs in this namespace
	awk '/^Tcp:/ { if (h) { print $11; exit } h = 1 }' /proc/net/snmp
}
now_ns() { date +%s%N; }
up_link() { # wait for the PMD's device, give the kernel side its address
	i=0
	until ip link show utcptso > /dev/null 2>&1 || [ $i -ge 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	ip addr add 10.79.0.1/24 dev utcptso && ip -6 addr add 2001:db8:79::1/64 dev utcptso nodad &&
		ip link set utcptso up
}

# run TSO PORT [SOCAT-ADDR]: utcp-nc sends big.bin to socat; leaves frames, segs, mbps
run() {
	conf "$1" > "$tmp/nc$1.conf"
	rm -f "$tmp/up.bin"
	timeout -k 5 60 "$nc" -f "$tmp/nc$1.conf" -t 50 -s "$tmp/big.bin" -l "$2" \
		> "$tmp/up$1.out" 2> "$tmp/up$1.err" &
	ncpid=$!
	pids="$pids $ncpid"
	up_link
	s0=$(insegs)
	i=0
	while :; do
		t0=$(now_ns)
		socat -u "${3:-TCP:10.79.0.2}:$2",connect-timeout=2 CREATE:"$tmp/up.bin" \
			2> "$tmp/socat.err" && break
		[ $i -ge 30 ] && break
		sleep 0.3
		i=$((i + 1))
	done
	t1=$(now_ns)
	wait "$ncpid"
	rc=$?
	segs=$(($(insegs) - s0))
	frames=$(sed -n 's/^utcp-nc: port 0 sent \([0-9]*\) frames.*/\1/p' "$tmp/up$1.out")
	mbps=$(awk -v b=20971520 -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", b / 1048576 / (ns / 1e9) }')
	echo "dpdk_tso = $1 (${3:-TCP}): 20 MB in $(((t1 - t0) / 1000000)) ms, $mbps MB/s; utcp sent ${frames:-?} frames, the kernel received $segs segments"
	cat "$tmp/up$1.out"
	check "dpdk_tso = $1: utcp-nc -l -s exits 0 (got $rc)" [ $rc -eq 0 ]
	check "dpdk_tso = $1: 20 MB to the kernel over DPDK net_tap, SHA-256 equal" \
		same "$tmp/up.bin" "$tmp/big.bin"
	[ $status -eq 0 ] || { echo "--- utcp-nc"; tail -n 20 "$tmp/up$1.err" "$tmp/socat.err"; }
	frames=${frames:-0}
}

run 1 9000
check "dpdk_tso = 1: TSO frames used (utcp's $frames frames * 4 < the kernel's $segs segments)" \
	[ $((frames * 4)) -lt "$segs" ]
run 0 9001
check "dpdk_tso = 0: a frame a segment (utcp's $frames frames + 8 >= the kernel's $segs segments)" \
	[ $((frames + 8)) -ge "$segs" ]
run 1 9002 "TCP6:[2001:db8:79::2]"
check "dpdk_tso = 1 over IPv6: MTU-sized frames (the kernel's $segs segments >= 20 MB / 1500)" \
	[ $((segs * 1500)) -ge 20971520 ]
exit $status
