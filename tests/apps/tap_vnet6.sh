#!/bin/sh
# tests/apps/tap_vnet6.sh - TAP checksum offload (tap_vnet_hdr = 1, the
# virtio-net header) for TCP over IPv6, both ways, against the Linux kernel
# in a network namespace of its own:
#   socat TCP6 sends 10 MB to utcp-nc -l on an offloading tap (the kernel
#   hands over segments whose checksum it never computed: NEEDS_CSUM), and
#   utcp-nc sends 10 MB back to socat (utcp hands the kernel partial sums);
#   utcp -> kernel forwarding -> utcp: the offloading side (2001:db8:61::1)
#   and one without offload (2001:db8:62::1) exchange 10 MB each way; the
#   kernel finishes the partial checksums (csum_start / csum_offset from
#   utcp's header, the IPv6 pseudo-header sum in the field) on the way to
#   the other tap, whose utcp verifies every segment in software, so a
#   wrong IPv6 partial sum fails the transfer.
# SHA-256 equal everywhere.  Bounded to 240 s.  Needs root, /dev/net/tun,
# socat, sha256sum, ip: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
me=tap_vnet6
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 240 "${1:-}" socat sha256sum ip

netns_tmp
ip link set lo up
head -c 10485760 /dev/urandom > "$tmp/big.bin"
head -c 10485760 /dev/urandom > "$tmp/back.bin"
conf() { # conf NAME TAP NET VNET: utcp NET::1/64, the kernel NET::2 (its router)
	cat > "$tmp/$1.conf" <<CONF
io = tap
port = tap0
tap_name = $2
tap0.ip = 10.9.$4.1/24
tap0.mac = 02:00:00:00:6$4:01
tap0.ip6 = $3::1/64
tap0.gateway6 = $3::2
ip6_dad_transmits = 0
tap_vnet_hdr = $4
rcvbuf = 262144
sndbuf = 262144
tcp_timewait = 0
CONF
	ip tuntap add dev "$2" mode tap multi_queue 2> /dev/null || ip tuntap add dev "$2" mode tap
	ip link set "$2" up
	ip -6 addr add "$3::2/64" dev "$2" nodad
}

# ---- the kernel's own TCP6 and an offloading tap ----
conf k utcpv6k 2001:db8:60 1
"$nc" -f "$tmp/k.conf" -t 100 -r "$tmp/in.bin" -s "$tmp/back.bin" -l 9000 \
	> "$tmp/k.out" 2> "$tmp/k.err" &
ncpid=$!
pids="$pids $ncpid"
sleep 0.5
timeout 110 socat TCP6:[2001:db8:60::1]:9000,connect-timeout=5 \
	SYSTEM:"cat $tmp/big.bin & cat > $tmp/out.bin; wait" 2> "$tmp/socat.err"
wait "$ncpid"
rc=$?
check "kernel <-> utcp over IPv6 with tap_vnet_hdr = 1: utcp-nc exits 0 (got $rc)" [ $rc -eq 0 ]
check "socat TCP6 -> utcp (NEEDS_CSUM from the kernel): 10 MB, SHA-256 equal" \
	same "$tmp/in.bin" "$tmp/big.bin"
check "utcp -> socat TCP6 (partial sums to the kernel): 10 MB, SHA-256 equal" \
	same "$tmp/out.bin" "$tmp/back.bin"
ip link del utcpv6k

# ---- utcp -> kernel forwarding -> utcp ----
echo 1 > /proc/sys/net/ipv6/conf/all/forwarding # this namespace only
conf fw1 utcpv6f1 2001:db8:61 1
conf fw0 utcpv6f0 2001:db8:62 0
"$nc" -f "$tmp/fw1.conf" -t 100 -s "$tmp/back.bin" -r "$tmp/fw-got1.bin" -l 9100 \
	> "$tmp/fw1.out" 2> "$tmp/fw1.err" &
lp=$!
pids="$pids $lp"
sleep 0.5
"$nc" -f "$tmp/fw0.conf" -t 100 -s "$tmp/big.bin" -r "$tmp/fw-got0.bin" 2001:db8:61::1 9100 \
	> "$tmp/fw0.out" 2> "$tmp/fw0.err"
rc=$?
wait $lp
lrc=$?
check "utcp -> kernel -> utcp over IPv6 (offload on one side): exit $rc and $lrc" \
	[ $((rc + lrc)) -eq 0 ]
check "offloading side received 10 MB, SHA-256 equal" same "$tmp/fw-got1.bin" "$tmp/big.bin"
check "software side received 10 MB summed by the kernel, SHA-256 equal" \
	same "$tmp/fw-got0.bin" "$tmp/back.bin"
[ $status -eq 0 ] || tail -n 5 "$tmp"/*.err
exit $status
