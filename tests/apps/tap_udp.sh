#!/bin/sh
# tests/apps/tap_udp.sh - utcp's UDP on TAP against the Linux kernel's, in a
# network namespace of its own:
#   socat (UDP4, the kernel's sockets) sends 10 000 datagrams of 1..1024
#   octets, one at a time, to utcp-nc -u -l (an echo server): each must come
#   back byte for byte, and utcp must count exactly 10 000 each way with the
#   same bytes; without checksum offload and with it (tap_vnet_hdr);
#   utcp-nc -u sends 10 000 datagrams of 1..1400 octets to a kernel echo
#   (socat UDP4-LISTEN ... PIPE), each checked as it comes back;
#   the kernel's connected UDP socket gets ECONNREFUSED from a closed utcp
#   port (utcp's ICMP port unreachable), and so does socat's;
#   utcp-nc -u gets ECONNREFUSED from a closed kernel port (the kernel's
#   ICMP port unreachable, delivered to the connected utcp socket).
# Captures (utcp's pcap, tcpdump on the kernel side when installed) are kept
# in $top_builddir/tests/apps/tap_udp.fail/ on failure.
# Needs root, /dev/net/tun, socat, python3: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
me=tap_udp
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 240 "${1:-}" socat python3 ip

netns_tmp "$top_builddir/tests/apps/tap_udp.fail"
ip link set lo up
tap=utcpudp0
conf() { # conf NAME VNET: the tap, with or without checksum offload
	cat > "$tmp/$1.conf" <<CONF
io = tap
port = tap0
tap_name = $tap
tap0.ip = 10.9.10.1/24
tap0.peer_ip = 10.9.10.2
rcvbuf = 262144
tap_vnet_hdr = $2
pcap = $tmp/$1.pcap
pcap_snaplen = 128
CONF
}
conf u 0
conf v 1
wait_tap() { # until the kernel side of the tap has its address
	i=0
	until ip -4 addr show dev $tap 2> /dev/null | grep -q 10.9.10.2 || [ $i -ge 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if command -v tcpdump > /dev/null; then
		tcpdump -i $tap -s 128 -w "$tmp/kernel-$1.pcap" udp or icmp > /dev/null 2>&1 &
		pids="$pids $!"
		sleep 0.3
	fi
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
expect_bytes=$(python3 -c 'print(sum(1 + (i * 7919) % 1024 for i in range(10000)))')

# ---- socat (kernel) -> utcp echo server, without and with checksum offload ----
# (with it, the kernel's datagrams arrive with only the pseudo-header sum,
# marked NEEDS_CSUM, and the tap backend vouches for them)
echo_test() { # echo_test CONF
	"$nc" -f "$tmp/$1.conf" -u -c 10000 -t 120 -l 9000 > "$tmp/echo-$1.out" \
		2> "$tmp/echo-$1.err" &
	ep=$!
	pids="$pids $ep"
	wait_tap "echo-$1"
	socat -T 10 UDP4:10.9.10.1:9000 EXEC:"python3 $tmp/drv.py 10000 1024",pipes \
		2> "$tmp/socat-client-$1.err"
	src=$?
	wait $ep
	erc=$?
	cat "$tmp/echo-$1.out"
	grep kernel: "$tmp/socat-client-$1.err"
	check "$1: socat UDP4 -> utcp echo: 10 000 datagrams back exactly (socat exit $src)" \
		[ $src -eq 0 ]
	check "$1: utcp echo counted 10 000 datagrams, $expect_bytes bytes each way (exit $erc)" \
		grep -q "udp sent 10000 datagrams $expect_bytes bytes .* received 10000 datagrams $expect_bytes bytes .* bad 0 " "$tmp/echo-$1.out"
}
echo_test u
echo_test v

# ---- utcp-nc -> kernel echo (socat) ----
socat -T 10 UDP4-LISTEN:9001,reuseaddr PIPE 2> "$tmp/socat-echo.err" &
sp=$!
pids="$pids $sp"
"$nc" -f "$tmp/u.conf" -u -c 10000 -b 1400 -t 120 10.9.10.2 9001 > "$tmp/client.out" \
	2> "$tmp/client.err"
crc=$?
cat "$tmp/client.out"
kill $sp 2> /dev/null
check "utcp-nc -u -> socat UDP4 echo: 10 000 datagrams back byte for byte (exit $crc)" \
	sh -c "[ $crc -eq 0 ] && grep -q 'udp sent 10000 datagrams .* received 10000 datagrams .* bad 0 ' '$tmp/client.out'"

# ---- a closed utcp port: the kernel's sender gets ECONNREFUSED ----
"$nc" -f "$tmp/u.conf" -u -t 4 -l 9000 > "$tmp/closed.out" 2> "$tmp/closed.err" &
cp=$!
pids="$pids $cp"
wait_tap closed
python3 - > "$tmp/refused.out" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("10.9.10.1", 9002))
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
check "the kernel's connected UDP socket: ECONNREFUSED from a closed utcp port" [ $prc -eq 0 ]
echo x | socat -T 3 - UDP4:10.9.10.1:9003 > /dev/null 2> "$tmp/socat-refused.err"
check "socat UDP4 to a closed utcp port: Connection refused" \
	grep -q "Connection refused" "$tmp/socat-refused.err"
wait $cp
cat "$tmp/closed.out"
check "utcp sent port unreachable for them" \
	sh -c "grep -q 'port-unreachable-tx [1-9]' '$tmp/closed.out'"

# ---- a closed kernel port: utcp's connected socket gets ECONNREFUSED ----
"$nc" -f "$tmp/u.conf" -u -c 1 -t 10 10.9.10.2 9004 > "$tmp/urefused.out" \
	2> "$tmp/urefused.err"
urc=$?
cat "$tmp/urefused.err"
check "utcp-nc -u to a closed kernel port: ECONNREFUSED (exit $urc)" \
	sh -c "[ $urc -eq 1 ] && grep -q 'Connection refused' '$tmp/urefused.err'"
exit $status
