#!/bin/sh
# tests/apps/tap_tso.sh - TAP segmentation offload (tap_vnet_hdr = 2:
# TUN_F_TSO4 and TUN_F_TSO6 through the virtio-net header, both ways)
# against the Linux kernel in a network namespace of its own:
#   socat sends 20 MB to utcp-nc -l over IPv4 and over IPv6 (the kernel hands
#   utcp GSO frames of up to 64 KiB, gso_type TCPV4/TCPV6) and utcp-nc sends
#   20 MB back (utcp's TSO frames, which the kernel delivers whole);
#   utcp with TSO -> kernel forwarding -> utcp without any offload
#   (tap_vnet_hdr = 0): the kernel must cut utcp's TSO frames with the
#   gso_size, hdr_len and partial sum utcp gave, and the far utcp verifies
#   every segment's checksum in software; 20 MB each way.
# SHA-256 equal everywhere.  Bounded to 240 s.  Needs root, /dev/net/tun,
# socat, sha256sum, ip: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
me=tap_tso
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 240 "${1:-}" socat sha256sum ip

netns_tmp
ip link set lo up
head -c 20971520 /dev/urandom > "$tmp/big.bin"
head -c 20971520 /dev/urandom > "$tmp/back.bin"
conf() { # conf NAME TAP N VNET: utcp 10.9.N.1/24 and 2001:db8:7N::1/64, the kernel .2 and ::2
	cat > "$tmp/$1.conf" <<CONF
io = tap
port = tap0
tap_name = $2
tap0.ip = 10.9.$3.1/24
tap0.peer_ip = 10.9.$3.2
tap0.gateway = 10.9.$3.2
tap0.mac = 02:00:00:00:7$3:01
tap0.ip6 = 2001:db8:7$3::1/64
tap0.gateway6 = 2001:db8:7$3::2
ip6_dad_transmits = 0
tap_vnet_hdr = $4
rcvbuf = 1048576
sndbuf = 1048576
tcp_timewait = 0
CONF
	ip tuntap add dev "$2" mode tap multi_queue 2> /dev/null || ip tuntap add dev "$2" mode tap
	ip link set "$2" up
	ip addr add "10.9.$3.2/24" dev "$2"
	ip -6 addr add "2001:db8:7$3::2/64" dev "$2" nodad
}

# until utcp-nc listens (its stderr says so), bounded to 30 s: a sanitizer
# build on a loaded machine takes more than a fixed pause to get there
listening() {
	i=0
	until grep -q "listening on port" "$1" 2> /dev/null || [ $i -ge 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# ---- the kernel's own TCP and a TSO tap, IPv4 then IPv6 ----
conf k utcptsok 1 2
for addr in 10.9.1.1 '[2001:db8:71::1]'; do
	fam=TCP4
	[ "$addr" = 10.9.1.1 ] || fam=TCP6
	"$nc" -f "$tmp/k.conf" -t 100 -r "$tmp/in.bin" -s "$tmp/back.bin" -l 9000 \
		> "$tmp/k.out" 2> "$tmp/k.err" &
	ncpid=$!
	pids="$pids $ncpid"
	listening "$tmp/k.err"
	rm -f "$tmp/out.bin"
	timeout 110 socat $fam:$addr:9000,connect-timeout=20 \
		SYSTEM:"cat $tmp/big.bin & cat > $tmp/out.bin; wait" 2> "$tmp/socat.err"
	wait "$ncpid"
	rc=$?
	check "kernel <-> utcp over $fam with tap_vnet_hdr = 2: utcp-nc exits 0 (got $rc)" [ $rc -eq 0 ]
	check "socat $fam -> utcp (the kernel's GSO frames): 20 MB, SHA-256 equal" \
		same "$tmp/in.bin" "$tmp/big.bin"
	check "utcp -> socat $fam (utcp's TSO frames): 20 MB, SHA-256 equal" \
		same "$tmp/out.bin" "$tmp/back.bin"
done
ip link del utcptsok

# ---- utcp (TSO) -> kernel forwarding -> utcp (no offload) ----
echo 1 > /proc/sys/net/ipv4/ip_forward # this namespace only
conf fw2 utcptsof2 2 2
conf fw0 utcptsof0 3 0
"$nc" -f "$tmp/fw0.conf" -t 100 -s "$tmp/back.bin" -r "$tmp/fw-got0.bin" -l 9100 \
	> "$tmp/fw0.out" 2> "$tmp/fw0.err" &
lp=$!
pids="$pids $lp"
listening "$tmp/fw0.err"
"$nc" -f "$tmp/fw2.conf" -t 100 -s "$tmp/big.bin" -r "$tmp/fw-got2.bin" 10.9.3.1 9100 \
	> "$tmp/fw2.out" 2> "$tmp/fw2.err"
rc=$?
wait $lp
lrc=$?
check "utcp (TSO) -> kernel -> utcp (software): exit $rc and $lrc" [ $((rc + lrc)) -eq 0 ]
check "software side received 20 MB the kernel cut from TSO frames, SHA-256 equal" \
	same "$tmp/fw-got0.bin" "$tmp/big.bin"
check "TSO side received 20 MB, SHA-256 equal" same "$tmp/fw-got2.bin" "$tmp/back.bin"
[ $status -eq 0 ] || tail -n 5 "$tmp"/*.err
exit $status
