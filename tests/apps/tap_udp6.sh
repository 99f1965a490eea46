#!/bin/sh
# tests/apps/tap_udp6.sh - utcp's UDP over IPv6 on TAP against the Linux
# kernel's, in a network namespace of its own (utcp 2001:db8:16::1, the
# kernel 2001:db8:16::2 on a tap made first, so its address is in place
# before utcp starts):
#   socat (UDP6, the kernel's sockets) sends 10 000 datagrams of 1..1024
#   octets, one at a time, to utcp-nc -u -l (an echo server on a dual-stack
#   AF_INET6 socket): each must come back byte for byte, and utcp must
#   count exactly 10 000 each way with the same bytes and no bad checksum;
#   without checksum offload and (at the end) with it (tap_vnet_hdr);
#   socat UDP4 to the same dual-stack server (IPv4-mapped peers): 2 000
#   datagrams back exactly;
#   utcp-nc -u 2001:db8:16::2 sends 10 000 datagrams of 1..1452 octets (the
#   most a 1500-octet MTU carries over IPv6) to a kernel echo (socat
#   UDP6-LISTEN ... PIPE), each checked as it comes back;
#   the kernel's connected UDP6 socket gets ECONNREFUSED from a closed utcp
#   port (utcp's ICMPv6 port unreachable), and so does socat's;
#   utcp-nc -u gets ECONNREFUSED from a closed kernel port (the kernel's
#   ICMPv6 port unreachable, delivered to the connected utcp socket).
# Captures and logs are kept in $top_builddir/tests/apps/tap_udp6.fail/ on
# failure.  Needs root, /dev/net/tun, socat, python3, ip: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
me=tap_udp6
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 300 "${1:-}" socat python3 ip

netns_tmp "$top_builddir/tests/apps/tap_udp6.fail"
tap=utcpudp6
netns_on_exit() {
	ip link del $tap 2> /dev/null
}
ip link set lo up
# The kernel's side first: its IPv6 address is there when utcp sends.
ip tuntap add dev $tap mode tap || { status=1; exit 1; }
ip link set dev $tap up
ip -6 addr add 2001:db8:16::2/64 dev $tap nodad
conf() { # conf NAME VNET: with or without checksum offload
	cat > "$tmp/$1.conf" <<CONF
io = tap
port = tap0
tap_name = $tap
tap0.ip = 10.9.16.1/24
tap0.peer_ip = 10.9.16.2
tap0.ip6 = 2001:db8:16::1/64
ip6_dad_transmits = 0
rcvbuf = 262144
tap_vnet_hdr = $2
pcap = $tmp/$1.pcap
pcap_snaplen = 128
CONF
}
conf u 0
conf v 1
# until utcp-nc has the tap (its kernel side has the IPv4 address utcp set)
wait_tap() {
	i=0
	until grep -q "listening on port" "$1" 2> /dev/null || [ $i -ge 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# The kernel's side: one datagram at a time through socat, each checked.
cat > "$tmp/drv.py" <<'PY'
import os, select, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
total = 0
for i in range(n):
    ln = 1 + (i * 7919) % size
    d = bytes((i * 31 + k * 7 + 11) & 0xff for k in range(ln))
    os.write(1, d)
    got = b""
    while len(got) < ln:
        r, _, _ = select.select([0], [], [], 2.0)
        if not r:
            sys.exit("datagram %d: no echo" % i)
        b = os.read(0, 65536)
        if not b:
            sys.exit("datagram %d: end of input" % i)
        got += b
    if got != d:
        sys.exit("datagram %d: echo differs" % i)
    total += ln
sys.stderr.write("kernel: %d datagrams %d bytes echoed exactly\n" % (n, total))
PY
bytes_for() { python3 -c "print(sum(1 + (i * 7919) % $2 for i in range($1)))"; }
expect_bytes=$(bytes_for 10000 1024)

# ---- socat UDP6 (kernel) -> utcp echo server, without and with offload ----
echo_test() { # echo_test CONF
	"$nc" -f "$tmp/$1.conf" -u -c 10000 -t 120 -l 9000 > "$tmp/echo-$1.out" \
		2> "$tmp/echo-$1.err" &
	ep=$!
	pids="$pids $ep"
	wait_tap "$tmp/echo-$1.err"
	socat -T 10 UDP6:[2001:db8:16::1]:9000 EXEC:"python3 $tmp/drv.py 10000 1024",pipes \
		2> "$tmp/socat-client-$1.err"
	src=$?
	wait $ep
	erc=$?
	cat "$tmp/echo-$1.out"
	grep kernel: "$tmp/socat-client-$1.err"
	check "$1: socat UDP6 -> utcp echo: 10 000 datagrams back exactly (socat exit $src)" \
		[ $src -eq 0 ]
	check "$1: utcp echo counted 10 000 datagrams, $expect_bytes bytes each way (exit $erc)" \
		grep -q "udp sent 10000 datagrams $expect_bytes bytes .* received 10000 datagrams $expect_bytes bytes .* bad 0 .* udp-cksum-drops 0" "$tmp/echo-$1.out"
}
echo_test u

# ---- socat UDP4 -> the same dual-stack server (IPv4-mapped peers) ----
v4_bytes=$(bytes_for 2000 1024)
"$nc" -f "$tmp/u.conf" -u -c 2000 -t 60 -l 9000 > "$tmp/echo4.out" 2> "$tmp/echo4.err" &
ep=$!
pids="$pids $ep"
wait_tap "$tmp/echo4.err"
socat -T 10 UDP4:10.9.16.1:9000 EXEC:"python3 $tmp/drv.py 2000 1024",pipes \
	2> "$tmp/socat-client4.err"
src=$?
wait $ep
cat "$tmp/echo4.out"
check "socat UDP4 -> utcp's dual-stack echo: 2 000 datagrams back exactly (socat exit $src)" \
	sh -c "[ $src -eq 0 ] && grep -q 'udp sent 2000 datagrams $v4_bytes bytes .* received 2000 datagrams $v4_bytes bytes .* bad 0 ' '$tmp/echo4.out'"

# ---- utcp-nc -> kernel echo (socat UDP6) ----
socat -T 10 UDP6-LISTEN:9001,reuseaddr PIPE 2> "$tmp/socat-echo.err" &
sp=$!
pids="$pids $sp"
sleep 0.2
"$nc" -f "$tmp/u.conf" -u -c 10000 -b 1452 -t 120 2001:db8:16::2 9001 > "$tmp/client.out" \
	2> "$tmp/client.err"
crc=$?
cat "$tmp/client.out" "$tmp/client.err"
kill $sp 2> /dev/null
client_bytes=$(bytes_for 10000 1452)
check "utcp-nc -u -> socat UDP6 echo: 10 000 datagrams of 1..1452 back byte for byte (exit $crc)" \
	sh -c "[ $crc -eq 0 ] && grep -q 'udp sent 10000 datagrams $client_bytes bytes .* received 10000 datagrams $client_bytes bytes .* bad 0 ' '$tmp/client.out'"

# ---- a closed utcp port: the kernel's UDP6 sender gets ECONNREFUSED ----
"$nc" -f "$tmp/u.conf" -u -t 4 -l 9000 > "$tmp/closed.out" 2> "$tmp/closed.err" &
cp=$!
pids="$pids $cp"
wait_tap "$tmp/closed.err"
python3 - > "$tmp/refused.out" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.connect(("2001:db8:16::1", 9002))
s.settimeout(3)
s.send(b"anyone there?")
try:
    s.recv(100)
    sys.exit("an answer from a closed port")
except ConnectionRefusedError:
    print("kernel: recv: ECONNREFUSED")
PY
prc=$?
cat "$tmp/refused.out"
check "the kernel's connected UDP6 socket: ECONNREFUSED from a closed utcp port" [ $prc -eq 0 ]
echo x | socat -T 3 - UDP6:[2001:db8:16::1]:9003 > /dev/null 2> "$tmp/socat-refused.err"
check "socat UDP6 to a closed utcp port: Connection refused" \
	grep -q "Connection refused" "$tmp/socat-refused.err"
wait $cp
cat "$tmp/closed.out"
check "utcp sent ICMPv6 port unreachable for them" \
	sh -c "grep -q 'icmp6-errors-tx [1-9]' '$tmp/closed.out'"

# ---- a closed kernel port: utcp's connected socket gets ECONNREFUSED ----
"$nc" -f "$tmp/u.conf" -u -c 1 -t 10 2001:db8:16::2 9004 > "$tmp/urefused.out" \
	2> "$tmp/urefused.err"
urc=$?
cat "$tmp/urefused.err"
check "utcp-nc -u to a closed kernel UDP6 port: ECONNREFUSED (exit $urc)" \
	sh -c "[ $urc -eq 1 ] && grep -q 'Connection refused' '$tmp/urefused.err'"

# With checksum offload last: the offloads it sets stay on the tap, and
# the kernel then leaves checksums to a reader without the virtio header.
echo_test v
exit $status
