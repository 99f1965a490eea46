#!/bin/sh
# tests/bench/tap_rate.sh - TCP over TAP beside the TAP device's own frame
# rate, measured the same way (`make bench-tap`; root; minutes):
#
#   raw:  tools/utcp-taprate moves 1514-byte IPv4/UDP frames through the
#         TAP backend to and from a kernel UDP socket (no TCP, no stack);
#   utcp: tools/utcp-nc sends BYTES to a kernel socat, and receives BYTES
#         from one (TCP, MSS 1448 with timestamps, over the same backend);
#
# each with tap_vnet_hdr = 0, 1 (checksum offload) and 2 (and TSO/GSO both
# ways: utcp's TCP frames and the kernel's up to 64 KiB), in ROUNDS interleaved
# rounds inside a network namespace of its own.  Prints the median of each
# as data frames/s and payload Mbit/s, the share of a CPU utcp-nc used (below
# 100 %: it waited for the kernel side), and utcp / raw as a ratio.  Figures
# drift on a shared machine; the ratios within one run are what to compare.
# ROUNDS (3), BYTES (104857600) and SECS (2, per raw run) may be set.
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
taprate="$top_builddir/tools/utcp-taprate"
ROUNDS=${ROUNDS:-3}
BYTES=${BYTES:-104857600}
SECS=${SECS:-2}
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "tap_rate: needs root and /dev/net/tun" >&2
	exit 77
fi
for t in unshare socat timeout awk; do
	command -v $t > /dev/null || { echo "tap_rate: needs $t" >&2; exit 77; }
done
if [ "${1:-}" != inside ]; then
	exec timeout 900 unshare --net sh "$0" inside
fi

tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2> /dev/null; done
	wait 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip link set lo up
head -c "$BYTES" /dev/zero > "$tmp/data"

conf() { # conf VNET
	cat > "$tmp/v$1.conf" <<EOF
io = tap
port = tap0
tap_name = utcprate$1
tap0.ip = 10.9.9.1/24
tap0.peer_ip = 10.9.9.2
tap_vnet_hdr = $1
rcvbuf = 1048576
sndbuf = 1048576
tcp_timewait = 0
EOF
}
conf 0
conf 1
conf 2

# raw VNET DIR: frames/s and Mbit/s of the raw device
raw() {
	"$taprate" -f "$tmp/v$1.conf" -d "$2" -t "$SECS" |
		awk '{for (i = 1; i < NF; i++) { if ($(i+1) == "frames/s,") f = $i;
		      if ($(i+1) == "Mbit/s") m = $i } } END { print f, m }'
}

# tcp VNET DIR: data frames/s (payload / 1448), Mbit/s and utcp-nc's CPU
# share (CPU seconds / seconds) of one utcp-nc run
tcp() {
	if [ "$2" = tx ]; then
		socat -u TCP-LISTEN:9000,reuseaddr OPEN:/dev/null &
		opt="-s $tmp/data"
	else
		socat -u OPEN:"$tmp/data" TCP-LISTEN:9000,reuseaddr &
		opt=
	fi
	sp=$!
	sleep 0.3
	# shellcheck disable=SC2086
	"$nc" -f "$tmp/v$1.conf" -t 120 -n $opt 10.9.9.2 9000 |
		awk -v b="$BYTES" '{for (i = 1; i < NF; i++) { if ($i == "in") t = $(i+1);
		     if ($i == "(CPU") c = $(i+1) } }
		     END { if (t > 0) printf "%.0f %.1f %.2f\n", b / 1448 / t, b * 8 / t / 1e6, c / t }'
	wait $sp
}

r=1
while [ $r -le "$ROUNDS" ]; do
	for v in 0 1 2; do
		for d in tx rx; do
			echo "raw $v $d $(raw $v $d)" >> "$tmp/results"
			echo "tcp $v $d $(tcp $v $d)" >> "$tmp/results"
		done
	done
	r=$((r + 1))
done

median() { # median KIND VNET DIR FIELD
	awk -v k="$1" -v v="$2" -v d="$3" -v f="$4" '$1 == k && $2 == v && $3 == d && NF >= 5 { print $f }' \
		"$tmp/results" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'
}

echo "TAP on $(uname -r), $(nproc) CPUs: median of $ROUNDS rounds; frames of 1514 bytes;"
echo "raw = utcp-taprate (UDP through the backend), utcp = utcp-nc TCP, $BYTES bytes"
printf '%-28s %-9s %12s %10s %13s %10s %9s %7s\n' direction vnet_hdr "raw frames/s" "Mbit/s" \
	"utcp frames/s" "Mbit/s" "utcp CPU" ratio
for d in tx rx; do
	for v in 0 1 2; do
		rf=$(median raw $v $d 4) rm=$(median raw $v $d 5)
		tf=$(median tcp $v $d 4) tm=$(median tcp $v $d 5) tc=$(median tcp $v $d 6)
		name="utcp -> kernel (upload)"
		[ $d = rx ] && name="kernel -> utcp (download)"
		printf '%-28s %-9s %12s %10s %13s %10s %8.0f%% %7s\n' "$name" "$v" "$rf" "$rm" "$tf" "$tm" \
			"$(awk -v c="$tc" 'BEGIN { print c * 100 }')" \
			"$(awk -v a="$tf" -v b="$rf" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
	done
done
if awk '($1 == "raw" && NF != 5) || ($1 == "tcp" && NF != 6) { bad = 1 } END { exit !bad }' \
	"$tmp/results"; then
	echo "tap_rate: some runs produced no figure:" >&2
	cat "$tmp/results" >&2
	exit 1
fi
exit 0
