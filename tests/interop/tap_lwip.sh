#!/bin/sh
# tests/interop/tap_lwip.sh - utcp against a second, independent TCP: lwIP
# (Debian's liblwip-dev, tests/interop/lwip_peer.c), each on a TAP device of
# its own, the two taps joined by a kernel bridge inside a network namespace.
# The bridge has no address: the kernel only switches frames, its TCP takes
# no part.
#   utcp-nc uploads 10 MB to lwIP and downloads 10 MB from it (lwIP listens),
#   then uploads 10 MB to lwIP connecting to utcp-nc -l;
#   the first two again with utcp's fault middleware at 1 % loss and 1 %
#   reordering in both directions.  lwIP has no SACK: its fast retransmit
#   needs three duplicate ACKs, one per out-of-order segment (RFC 5681
#   §4.2; utcp sent one per receive round before, and lwIP -> utcp took
#   about 100 s, each loss a 1.5 s timeout; now about 13 s).
# Every file is compared by SHA-256, and both programs must exit 0.  lwIP's
# netif MTU is 1500 (LWIP_MTU=576 in the environment gives MSS 536, for
# setups where Debian's lwIP build crashes on larger frames).
# Captures (utcp's pcap middleware) and logs are kept in
# $top_builddir/tests/interop/tap_lwip.fail/ on failure.
# Needs root, /dev/net/tun, ip, the lwip_peer program (built by make check
# when liblwip-dev is installed), sha256sum: else 77.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
peer="$top_builddir/tests/interop/lwip_peer"
mtu=${LWIP_MTU:-1500}
me=tap_lwip
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 540 "${1:-}" ip sha256sum
[ -x "$peer" ] || { echo "tap_lwip: no $peer (liblwip-dev not installed?)" >&2; exit 77; }

netns_tmp "$top_builddir/tests/interop/tap_lwip.fail"
netns_on_exit() {
	ip link del lwipbr0 2> /dev/null
	ip link del lwiptap0 2> /dev/null
	ip link del utcplw0 2> /dev/null
}
sha() { sha256sum < "$1" | cut -d' ' -f1; }
same() { # same EXITS GOT SENT: both programs exited 0, the digests are equal
	[ "$1" = 00 ] && [ "$(sha "$2")" = "$(sha "$3")" ]
}

# The switch: a bridge with no address, one tap for each stack.
ip link set lo up
ip link add lwipbr0 type bridge || exit 77
ip tuntap add dev lwiptap0 mode tap
ip tuntap add dev utcplw0 mode tap
for d in lwiptap0 utcplw0; do ip link set "$d" master lwipbr0 up; done
ip link set lwipbr0 up

head -c 10485760 /dev/urandom > "$tmp/a.bin"
head -c 10485760 /dev/urandom > "$tmp/b.bin"
conf() { # conf NAME [extra lines...]: utcp at 10.9.10.1, no kernel address
	name=$1
	shift
	{
		echo "io = tap"
		echo "port = tap0"
		echo "tap_name = utcplw0"
		echo "tap0.ip = 10.9.10.1/24"
		echo "rcvbuf = 262144"
		echo "sndbuf = 262144"
		echo "tcp_timewait = 0"
		echo "pcap = $tmp/$name.pcap"
		echo "pcap_snaplen = 96"
		for l in "$@"; do echo "$l"; done
	} > "$tmp/$name.conf"
}
lwip() { # lwip NAME ARGS...: lwIP at 10.9.10.2 in the background
	name=$1
	shift
	"$peer" -i lwiptap0 -a 10.9.10.2/24 -m "$mtu" -t 180 "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
	lp=$!
	pids="$pids $lp"
}
run() { # run WHAT NAME: utcp-nc ARGS... already in $@ after shift 2
	what=$1 name=$2
	shift 2
	t0=$(date +%s.%N)
	"$nc" -t 180 "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
	rc=$?
	wait $lp
	lrc=$?
	t1=$(date +%s.%N)
	echo "$what: utcp-nc exit $rc, lwip_peer exit $lrc, $(echo "$t0 $t1" |
		awk '{printf "%.1f Mbit/s", 83.886 / ($2 - $1)}')"
	cat "$tmp/$name.out"
}

xfer() { # xfer LABEL [fault lines...]
	label=$1
	shift
	conf "$label" "$@"
	# utcp sends, lwIP receives (lwIP listens)
	lwip "lw-up-$label" -r "$tmp/up.bin" -l 9000
	sleep 0.3
	run "$label: utcp -> lwIP" "nc-up-$label" -f "$tmp/$label.conf" -s "$tmp/a.bin" 10.9.10.2 9000
	check "$label: utcp -> lwIP 10 MB, SHA-256 equal" same $rc$lrc "$tmp/up.bin" "$tmp/a.bin"
	# lwIP sends, utcp receives (lwIP listens)
	lwip "lw-down-$label" -s "$tmp/b.bin" -l 9001
	sleep 0.3
	run "$label: lwIP -> utcp" "nc-down-$label" -f "$tmp/$label.conf" -r "$tmp/down.bin" 10.9.10.2 9001
	check "$label: lwIP -> utcp 10 MB, SHA-256 equal" same $rc$lrc "$tmp/down.bin" "$tmp/b.bin"
	[ "$label" = clean ] || return 0
	# lwIP connects, utcp-nc accepts and sends
	rm -f "$tmp/up.bin"
	"$nc" -t 180 -f "$tmp/$label.conf" -s "$tmp/a.bin" -l 9002 > "$tmp/nc-acc-$label.out" \
		2> "$tmp/nc-acc-$label.err" &
	np=$!
	pids="$pids $np"
	sleep 0.5
	"$peer" -i lwiptap0 -a 10.9.10.2/24 -m "$mtu" -t 180 -r "$tmp/up.bin" 10.9.10.1 9002 \
		> "$tmp/lw-con-$label.out" 2> "$tmp/lw-con-$label.err"
	lrc=$?
	wait $np
	rc=$?
	echo "$label: lwIP connects to utcp-nc -l: exit $rc and $lrc"
	check "$label: utcp (passive) -> lwIP (active) 10 MB, SHA-256 equal" \
		same $rc$lrc "$tmp/up.bin" "$tmp/a.bin"
	rm -f "$tmp/up.bin" "$tmp/down.bin"
}
xfer clean
xfer lossy "fault_loss = 0.01" "fault_reorder = 0.01" "fault_seed = 11"
grep -q "retransmits [1-9]" "$tmp/nc-up-lossy.out" ||
	{ echo "FAIL: lossy upload shows no retransmission: fault injection inactive?" >&2; status=1; }
exit $status
