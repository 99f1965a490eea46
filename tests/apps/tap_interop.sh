#!/bin/sh
# tests/apps/tap_interop.sh - utcp on TAP against the Linux kernel's TCP with
# large transfers, inside a network namespace of its own:
#   curl downloads a 10 MB file from epserver (SHA-256 equal);
#   ab -n 10000 -c 100 against epserver: 10000 complete, 0 failed;
#   utcp-nc uploads 10 MB to a kernel server (socat) and downloads 10 MB
#   from one, both byte for byte;
#   the same two transfers again with utcp's fault injection at 2 % loss
#   and 2 % reordering on the tap (there is no netem here);
#   all of it again with checksum offload (tap_vnet_hdr = 1), impaired
#   runs adding 0.2 % corruption, which the receivers must catch;
#   utcp-nc to utcp-nc through the kernel's forwarding, one side leaving its
#   checksums to the kernel and the other verifying them: 10 MB each way;
#   utcp-taprate's raw frame rate, both directions (the harness works; the
#   figures are for `make bench-tap`).
# Both sides are captured (utcp's pcap middleware, tcpdump on the kernel
# side when installed); on failure the captures are kept in
# $top_builddir/tests/apps/tap_interop.fail/.  Prints requests/s and Mbit/s.
# Needs root, /dev/net/tun, curl, ab, socat, sha256sum: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
srv="$top_builddir/tools/epserver"
nc="$top_builddir/tools/utcp-nc"
me=tap_interop
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 300 "${1:-}" curl ab socat sha256sum
taprate="$top_builddir/tools/utcp-taprate"

netns_tmp "$top_builddir/tests/apps/tap_interop.fail"
ip link set lo up
mkdir "$tmp/www"
head -c 10485760 /dev/urandom > "$tmp/www/big.bin"
echo hello > "$tmp/www/small.txt"
conf() { # conf NAME TAP NET [fault lines...]
	name=$1 tap=$2 net=$3
	shift 3
	{
		echo "io = tap"
		echo "port = tap0"
		echo "tap_name = $tap"
		echo "tap0.ip = $net.1/24"
		echo "tap0.peer_ip = $net.2"
		echo "rcvbuf = 262144"
		echo "sndbuf = 262144"
		echo "tcp_timewait = 0"
		echo "pcap = $tmp/$name.pcap"
		echo "pcap_snaplen = 128"
		for l in "$@"; do echo "$l"; done
	} > "$tmp/$name.conf"
}
kcap() { # kcap DEV NAME: tcpdump on the kernel side, if there is one
	command -v tcpdump > /dev/null || return 0
	tcpdump -i "$1" -s 128 -w "$tmp/$2.kernel.pcap" > /dev/null 2>&1 &
	pids="$pids $!"
}
wait_up() { # wait_up URL
	i=0
	until curl -s -o /dev/null -m 1 "$1" || [ $i -ge 30 ]; do sleep 0.2; i=$((i + 1)); done
}

# ---- kernel clients against epserver ----
curl_big() { # curl_big LABEL TAP NET [config lines...]: 10 MB from epserver
	label=$1 tap=$2 net=$3
	shift 3
	conf "srv-$label" "$tap" "$net" "$@"
	"$srv" -p "$tmp/www" -f "$tmp/srv-$label.conf" > "$tmp/srv-$label.out" \
		2> "$tmp/srv-$label.err" &
	spid=$!
	pids="$pids $spid"
	wait_up "http://$net.1/small.txt"
	kcap "$tap" "srv-$label"
	t0=$(date +%s.%N)
	curl -sS -m 60 -o "$tmp/got.bin" "http://$net.1/big.bin"
	t1=$(date +%s.%N)
	check "$label: curl: 10 MB from epserver, SHA-256 equal" \
		[ "$(sha256sum < "$tmp/got.bin")" = "$(sha256sum < "$tmp/www/big.bin")" ]
	echo "$label: curl 10 MB over TAP: $(echo "$t0 $t1" | awk '{printf "%.1f Mbit/s", 83.886 / ($2 - $1)}')"
	rm -f "$tmp/got.bin"
}
curl_big plain utcpio0 10.9.3 "tap_vnet_hdr = 0"
ab -q -n 10000 -c 100 http://10.9.3.1/small.txt > "$tmp/ab.out" 2>&1
check "ab -n 10000 -c 100: 10000 complete, 0 failed" \
	sh -c "grep -q '^Complete requests: *10000' '$tmp/ab.out' && grep -q '^Failed requests: *0' '$tmp/ab.out'"
grep '^Requests per second' "$tmp/ab.out"
curl_big offload utcpio1 10.9.5 "tap_vnet_hdr = 1"

# ---- utcp-nc against kernel servers (socat), clean and impaired ----
xfer() { # xfer LABEL [fault lines...]
	label=$1
	shift
	conf "nc-$label" "utcpnc$label" 10.9.4 "$@"
	# upload: utcp-nc sends, the kernel writes what it gets
	socat -u TCP-LISTEN:9000,reuseaddr CREATE:"$tmp/up.bin" 2> "$tmp/socat-up.err" &
	sp=$!
	sleep 0.3
	"$nc" -f "$tmp/nc-$label.conf" -t 120 -s "$tmp/www/big.bin" 10.9.4.2 9000 \
		> "$tmp/nc-up-$label.out" 2> "$tmp/nc-up-$label.err"
	rc=$?
	wait $sp
	check "$label: utcp-nc uploads 10 MB to the kernel (exit $rc), byte for byte" \
		cmp -s "$tmp/up.bin" "$tmp/www/big.bin"
	cat "$tmp/nc-up-$label.out"
	# download: the kernel sends the file, utcp-nc keeps it
	socat -u OPEN:"$tmp/www/big.bin" TCP-LISTEN:9001,reuseaddr 2> "$tmp/socat-down.err" &
	sp=$!
	sleep 0.3
	"$nc" -f "$tmp/nc-$label.conf" -t 120 -r "$tmp/down.bin" 10.9.4.2 9001 \
		> "$tmp/nc-down-$label.out" 2> "$tmp/nc-down-$label.err"
	rc=$?
	wait $sp
	check "$label: utcp-nc downloads 10 MB from the kernel (exit $rc), byte for byte" \
		cmp -s "$tmp/down.bin" "$tmp/www/big.bin"
	cat "$tmp/nc-down-$label.out"
	rm -f "$tmp/up.bin" "$tmp/down.bin"
}
xfer clean "tap_vnet_hdr = 0"
xfer lossy "tap_vnet_hdr = 0" "fault_loss = 0.02" "fault_reorder = 0.02" "fault_seed = 7"
grep -q "retransmits [1-9]" "$tmp/nc-up-lossy.out" ||
	{ echo "FAIL: lossy upload shows no retransmission: fault injection inactive?" >&2; status=1; }
xfer vnet "tap_vnet_hdr = 1"
xfer vnetlossy "tap_vnet_hdr = 1" "fault_loss = 0.02" "fault_reorder = 0.02" \
	"fault_corrupt = 0.002" "fault_seed = 8"

# ---- utcp to utcp through the kernel's forwarding ----
# The offloading side hands the kernel partial checksums (pseudo-header
# sums); the kernel finishes them on the way to the other tap, whose utcp
# verifies every segment in software.
echo 1 > /proc/sys/net/ipv4/ip_forward # this namespace only
conf fw1 utcpfw1 10.9.6 "tap_vnet_hdr = 1" "tap0.gateway = 10.9.6.2"
conf fw0 utcpfw0 10.9.7 "tap_vnet_hdr = 0" "tap0.gateway = 10.9.7.2"
head -c 10485760 /dev/urandom > "$tmp/back.bin"
"$nc" -f "$tmp/fw1.conf" -t 120 -s "$tmp/back.bin" -r "$tmp/fw-got1.bin" -l 9100 \
	> "$tmp/fw1.out" 2> "$tmp/fw1.err" &
lp=$!
pids="$pids $lp"
sleep 0.5
"$nc" -f "$tmp/fw0.conf" -t 120 -s "$tmp/www/big.bin" -r "$tmp/fw-got0.bin" 10.9.6.1 9100 \
	> "$tmp/fw0.out" 2> "$tmp/fw0.err"
rc=$?
wait $lp
lrc=$?
check "utcp -> kernel -> utcp (offload on one side): exit $rc and $lrc, 10 MB each way" \
	sh -c "[ $rc -eq 0 ] && [ $lrc -eq 0 ] && cmp -s '$tmp/fw-got1.bin' '$tmp/www/big.bin' &&
	       cmp -s '$tmp/fw-got0.bin' '$tmp/back.bin'"
cat "$tmp/fw0.out"

# ---- the raw frame rate harness ----
conf raw utcpraw0 10.9.8
for d in tx rx; do
	"$taprate" -f "$tmp/raw.conf" -d $d -t 0.5 > "$tmp/raw-$d.out" 2> "$tmp/raw-$d.err"
	rc=$?
	check "utcp-taprate -d $d: frames delivered through the kernel (exit $rc)" [ $rc -eq 0 ]
	cat "$tmp/raw-$d.out"
done
exit $status
