#!/bin/sh
# tests/dpdk/tap_seg.sh - the DPDK backend's receive side against the Linux
# kernel's TCP over net_tap in a private network namespace:
#   1. dpdk_mtu = 9000 on net_tap, whose dev_info takes frames of 1522
#      bytes at most (DPDK 22.11): utcp-nc refuses the config (exit 2) with
#      a message naming the key and the limit;
#   2. software GRO (dpdk_gro = 1; net_tap verifies TCP checksums): 20 MB each way between utcp-nc and socat, SHA-256 equal,
#      and utcp's TCP handed fewer than half as many frames as the kernel
#      sent segments (/proc/net/snmp OutSegs), the backend's counters
#      (--log-level=utcp.dpdk:info) saying how many it joined;
#   3. dpdk_gro = 0 (the default): kernel -> utcp, a frame a segment;
#   4. multi-segment receive: dpdk_mbuf_size = 1024, smaller than a
#      1514-byte frame and the headroom, so net_tap scatters every full
#      frame over two mbufs (RTE_ETH_RX_OFFLOAD_SCATTER): 20 MB each way,
#      SHA-256 equal, chains joined counted and none dropped (net_tap
#      verifies no checksum of a chain, so GRO leaves these segments alone);
#      and utcp -> kernel with dpdk_tso = 0, each full frame sent to net_tap
#      as a chain of two mbufs (the port offers MULTI_SEGS).
# The backend's counters come from its line at close, which
# --log-level=utcp.dpdk:info shows when it comes before --log-level=*:...
# (EAL applies the last matching option first).
#   utcp: 10.78.0.2 (net_tap0); kernel: .1 on utcpseg.  MB/s of each run go
# to the log.  Bounded to 240 s; one DPDK test at a time.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
nc="$top_builddir/tools/utcp-nc"
me=tap_seg
netns_dpdk=1
. "$top_srcdir/tests/netns.sh"
netns_enter 240 "${1:-}" socat sha256sum ip awk

netns_tmp
prefix=utcp-seg-$$
netns_on_exit() { rmdir "/var/run/dpdk/$prefix" 2> /dev/null; }
ip link set lo up
head -c 20971520 /dev/urandom > "$tmp/big.bin"
conf() { # conf EXTRA-LINES...: the utcp.conf for one run
	cat <<CONF
io = dpdk
dpdk_args = -l 0 --no-huge -m 256 --no-pci --no-shconf --no-telemetry --file-prefix=$prefix --log-level=utcp.dpdk:info --log-level=*:error --vdev=net_tap0,iface=utcpseg
port = net_tap0
net_tap0.ip = 10.78.0.2/24
net_tap0.mac = 02:00:00:78:00:02
sndbuf = 1048576
rcvbuf = 1048576
tcp_timewait = 0
CONF
	for l in "$@"; do echo "$l"; done
}

snmp() { # snmp FIELD: the kernel's Tcp counter FIELD in this namespace
	awk -v f="$1" '/^Tcp:/ { if (h) { for (i = 1; i <= NF; i++) if (n[i] == f) print $i; exit }
		h = 1; for (i = 1; i <= NF; i++) n[i] = $i }' /proc/net/snmp
}
now_ns() { date +%s%N; }
up_link() { # wait for the PMD's device, give the kernel side its address
	i=0
	until ip link show utcpseg > /dev/null 2>&1 || [ $i -ge 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	ip addr add 10.78.0.1/24 dev utcpseg 2> /dev/null
	ip link set utcpseg up
}
# counter WHAT FILE: a number from the backend's line at close
counter() {
	sed -n "s/.*utcp.dpdk: port 0: .* \([0-9]*\) $1.*/\1/p" "$2" | head -n 1
}

# run NAME DIR PORT CONF-LINES...: 20 MB between utcp-nc (listening) and
# socat, DIR = in (kernel -> utcp) or out (utcp -> kernel); leaves frames
# (utcp's TCP received, for in), segs (the kernel's OutSegs), joined,
# chains, dropped (the backend's), the output in $tmp/NAME.out
run() {
	name=$1 dir=$2 port=$3
	shift 3
	conf "$@" > "$tmp/$name.conf"
	rm -f "$tmp/got.bin"
	if [ "$dir" = in ]; then
		set -- -r "$tmp/got.bin"
		sc_from="OPEN:$tmp/big.bin" sc_to=
	else
		set -- -s "$tmp/big.bin"
		sc_from= sc_to="CREATE:$tmp/got.bin"
	fi
	timeout -k 5 60 "$nc" -f "$tmp/$name.conf" -t 50 "$@" -l "$port" \
		> "$tmp/$name.out" 2> "$tmp/$name.err" &
	ncpid=$!
	pids="$pids $ncpid"
	up_link
	s0=$(snmp OutSegs)
	i=0
	while :; do
		t0=$(now_ns)
		if [ "$dir" = in ]; then
			socat -u "$sc_from" "TCP:10.78.0.2:$port,connect-timeout=2" 2> "$tmp/socat.err" &&
				break
		else
			socat -u "TCP:10.78.0.2:$port,connect-timeout=2" "$sc_to" 2> "$tmp/socat.err" &&
				break
		fi
		[ $i -ge 30 ] && break
		sleep 0.3
		i=$((i + 1))
	done
	t1=$(now_ns)
	wait "$ncpid"
	rc=$?
	segs=$(($(snmp OutSegs) - s0))
	cat "$tmp/$name.out" "$tmp/$name.err" > "$tmp/$name.log"
	frames=$(sed -n 's/^utcp-nc: port 0 sent .*, received \([0-9]*\)$/\1/p' "$tmp/$name.log")
	joined=$(counter "segments joined" "$tmp/$name.log")
	chains=$(counter "chained frames joined" "$tmp/$name.log")
	txchains=$(counter "frames sent as chains" "$tmp/$name.log")
	dropped=$(sed -n 's/.* chained frames joined, \([0-9]*\) dropped.*/\1/p' "$tmp/$name.log")
	mbps=$(awk -v b=20971520 -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", b / 1048576 / (ns / 1e9) }')
	echo "$name ($dir): 20 MB in $(((t1 - t0) / 1000000)) ms, $mbps MB/s; utcp's TCP received ${frames:-?} frames, the kernel sent $segs segments"
	grep '^utcp-nc\|utcp.dpdk' "$tmp/$name.log"
	check "$name ($dir): utcp-nc exits 0 (got $rc)" [ $rc -eq 0 ]
	check "$name ($dir): 20 MB over DPDK net_tap, SHA-256 equal" same "$tmp/got.bin" "$tmp/big.bin"
	[ $status -eq 0 ] || { echo "--- utcp-nc"; tail -n 20 "$tmp/$name.err" "$tmp/socat.err"; }
	frames=${frames:-0} joined=${joined:-0} chains=${chains:-0} dropped=${dropped:-x}
	txchains=${txchains:-0}
}

# 1. jumbo frames where the port cannot take them
conf "dpdk_mtu = 9000" > "$tmp/jumbo.conf"
timeout -k 5 30 "$nc" -f "$tmp/jumbo.conf" -t 5 -l 9100 > "$tmp/jumbo.out" 2>&1
rc=$?
cat "$tmp/jumbo.out"
check "dpdk_mtu = 9000 on net_tap: refused (exit 2, got $rc)" [ $rc -eq 2 ]
check "dpdk_mtu = 9000 on net_tap: the message names the key and the port's limit" \
	grep -q "dpdk_mtu = 9000: port 0 (net_tap) takes frames of at most 1522 bytes.*MTU of at most 1504" "$tmp/jumbo.out"

# 2. GRO
run gro in 9101 "dpdk_gro = 1"
check "GRO: utcp's TCP got fewer than half as many frames ($frames) as the kernel sent segments ($segs)" \
	[ $((frames * 2)) -lt "$segs" ]
check "GRO: the backend joined segments ($joined)" [ "$joined" -gt 0 ]
run gro out 9102 "dpdk_gro = 1"
# 3. no GRO
run nogro in 9103
check "dpdk_gro = 0: a frame a segment (utcp's $frames frames + 8 >= the kernel's $segs segments)" \
	[ $((frames + 8)) -ge "$segs" ]
check "dpdk_gro = 0: nothing joined ($joined)" [ "$joined" -eq 0 ]
# 4. chains; utcp -> kernel without TSO: every full frame goes to net_tap
# as a chain of two mbufs (net_tap offers RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
run chains in 9104 "dpdk_mbuf_size = 1024" "dpdk_gro = 1"
check "dpdk_mbuf_size = 1024 (in): chained frames joined ($chains), none dropped ($dropped)" \
	[ "$chains" -gt 1000 ] && [ "$dropped" = 0 ]
run chains out 9105 "dpdk_mbuf_size = 1024" "dpdk_tso = 0"
check "dpdk_mbuf_size = 1024, dpdk_tso = 0 (out): frames sent as chains ($txchains), none dropped ($dropped)" \
	[ "$txchains" -gt 1000 ] && [ "$dropped" = 0 ]
exit $status
