#!/bin/sh
# tests/dpdk/tap_tcp6.sh - TCP over IPv6 on the DPDK backend: utcp-nc on
# net_tap (a tap device made by the PMD) against the kernel's TCP6 (socat)
# in a private network namespace.
#   utcp: 2001:db8:78::2 (net_tap0, no DAD); kernel: 2001:db8:78::1 on utcpd6.
#   down: socat TCP6 sends 10 MB to `utcp-nc -l` (utcp receives);
#   up:   socat TCP6 reads 10 MB from `utcp-nc -l -s` (utcp sends).
# The PMD's checksum offloads are used as far as it offers them
# (RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM on transmit, its verdict on
# receive); the kernel checks every checksum.  Pass: SHA-256 equal both
# ways, utcp-nc exits 0.  Bounded to 150 s; one DPDK test at a time.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
nc="$top_builddir/tools/utcp-nc"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "tap_tcp6: skipped: needs root and /dev/net/tun"
	exit 77
fi
for t in unshare socat sha256sum timeout ip; do
	if ! command -v $t > /dev/null; then
		echo "tap_tcp6: skipped: needs $t"
		exit 77
	fi
done
if [ "${1:-}" != inside ]; then
	. "$top_srcdir/tests/dpdk/run_one.sh"
	dpdk_run 150 unshare --net sh "$0" inside
	exit $?
fi

tmp=$(mktemp -d)
prefix=utcp-d6-$$
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
head -c 10485760 /dev/urandom > "$tmp/big.bin"
cat > "$tmp/nc.conf" <<CONF
io = dpdk
dpdk_args = -l 0 --no-huge -m 256 --no-pci --no-shconf --no-telemetry --file-prefix=$prefix --log-level=*:error --vdev=net_tap0,iface=utcpd6
port = net_tap0
net_tap0.ip = 10.78.6.2/24
net_tap0.mac = 02:00:00:78:06:02
net_tap0.ip6 = 2001:db8:78::2/64
ip6_dad_transmits = 0
rcvbuf = 262144
sndbuf = 262144
tcp_timewait = 0
CONF

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
# up_link: wait for the PMD's device, give the kernel side its address.
up_link() {
	i=0
	until ip link show utcpd6 > /dev/null 2>&1 || [ $i -ge 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	ip -6 addr add 2001:db8:78::1/64 dev utcpd6 nodad && ip link set utcpd6 up
}
# kernel_conn PORT SOCAT-ARGS...: retry socat until utcp-nc listens.
kernel_conn() {
	port=$1
	shift
	i=0
	until socat "$@" 2> "$tmp/socat.err" || [ $i -ge 30 ]; do
		sleep 0.3
		i=$((i + 1))
	done
}

# down: the kernel sends, utcp receives
rm -f "$tmp/down.bin"
timeout -k 5 60 "$nc" -f "$tmp/nc.conf" -t 50 -r "$tmp/down.bin" -l 9000 \
	> "$tmp/down.out" 2> "$tmp/down.err" &
ncpid=$!
pids="$pids $ncpid"
up_link
kernel_conn 9000 -u OPEN:"$tmp/big.bin" TCP6:[2001:db8:78::2]:9000,connect-timeout=2
wait "$ncpid"
rc=$?
check "down: utcp-nc -l exits 0 (got $rc)" [ $rc -eq 0 ]
check "down: 10 MB from the kernel's TCP6 over DPDK net_tap, SHA-256 equal" \
	same "$tmp/down.bin" "$tmp/big.bin"
[ $status -eq 0 ] || { echo "--- utcp-nc"; tail -n 20 "$tmp/down.err" "$tmp/socat.err"; }

# up: utcp sends, the kernel receives
timeout -k 5 60 "$nc" -f "$tmp/nc.conf" -t 50 -s "$tmp/big.bin" -l 9001 \
	> "$tmp/up.out" 2> "$tmp/up.err" &
ncpid=$!
pids="$pids $ncpid"
up_link
kernel_conn 9001 -u TCP6:[2001:db8:78::2]:9001,connect-timeout=2 CREATE:"$tmp/up.bin"
wait "$ncpid"
rc=$?
check "up: utcp-nc -l -s exits 0 (got $rc)" [ $rc -eq 0 ]
check "up: 10 MB to the kernel's TCP6 over DPDK net_tap, SHA-256 equal" \
	same "$tmp/up.bin" "$tmp/big.bin"
[ $status -eq 0 ] || { echo "--- utcp-nc"; tail -n 20 "$tmp/up.err" "$tmp/socat.err"; }
exit $status
