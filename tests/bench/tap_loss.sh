#!/bin/sh
# tests/bench/tap_loss.sh - TCP as a sender under loss over TAP, utcp beside
# the kernel in one run (`make bench-tap-loss`; root; a minute or two):
#
#   utcp as sender:   utcp-nc -n uploads BYTES to a kernel socat;
#   kernel as sender: a kernel socat sends BYTES to utcp-nc -n;
#
# both through utcp's fault middleware with fault_loss and fault_reorder
# (LOSS, REORDER: 0.02 each by default) on both directions of the TAP
# device, so the data of either sender meets the same impairments.  ROUNDS
# (3) interleaved rounds, medians printed: seconds, Mbit/s, utcp's RTOs,
# fast recoveries and reductions undone (tcp_undo), the kernel's timeouts,
# SACK recoveries and lost retransmissions detected without a timeout
# (nstat), and utcp / kernel.
# Extra utcp.conf lines for utcp's side: CONF_EXTRA (e.g. "tcp_rto_min = 200").
set -u
top_builddir=$(cd "${top_builddir:-.}" && pwd)
nc="$top_builddir/tools/utcp-nc"
ROUNDS=${ROUNDS:-3}
BYTES=${BYTES:-52428800}
LOSS=${LOSS:-0.02}
REORDER=${REORDER:-0.02}
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "tap_loss: needs root and /dev/net/tun" >&2
	exit 77
fi
for t in unshare socat timeout awk nstat; do
	command -v $t > /dev/null || { echo "tap_loss: needs $t" >&2; exit 77; }
done
if [ "${1:-}" != inside ]; then
	unshare --net true 2> /dev/null || { echo "tap_loss: no network namespace" >&2; exit 77; }
	exec timeout 1800 unshare --net sh "$0" inside
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ip link set lo up
head -c "$BYTES" /dev/urandom > "$tmp/f.bin"
{
	echo "io = tap"
	echo "port = tap0"
	echo "tap_name = utcploss0"
	echo "tap0.ip = 10.9.12.1/24"
	echo "tap0.peer_ip = 10.9.12.2"
	echo "rcvbuf = 262144"
	echo "sndbuf = 262144"
	echo "tcp_timewait = 0"
	echo "tap_vnet_hdr = 0"
	echo "fault_loss = $LOSS"
	echo "fault_reorder = $REORDER"
	[ -n "${CONF_EXTRA:-}" ] && echo "$CONF_EXTRA"
} > "$tmp/nc.conf"
secs() { sed -n 's/.* in \([0-9.]*\) s (CPU.*/\1/p' "$1"; }
i=1
while [ $i -le "$ROUNDS" ]; do
	echo "fault_seed = $i" > "$tmp/seed.conf"
	cat "$tmp/nc.conf" "$tmp/seed.conf" > "$tmp/r.conf"
	socat -u TCP-LISTEN:9000,reuseaddr CREATE:/dev/null 2> /dev/null &
	sp=$!
	sleep 0.3
	"$nc" -f "$tmp/r.conf" -t 600 -n -s "$tmp/f.bin" 10.9.12.2 9000 > "$tmp/up.out" 2>&1
	wait $sp
	up=$(secs "$tmp/up.out")
	rto=$(sed -n 's/.* rto \([0-9]*\) .*/\1/p' "$tmp/up.out")
	fr=$(sed -n 's/.* fast-recoveries \([0-9]*\).*/\1/p' "$tmp/up.out")
	un=$(sed -n 's/.* undos \([0-9]*\).*/\1/p' "$tmp/up.out")
	nstat -n > /dev/null
	socat -u OPEN:"$tmp/f.bin" TCP-LISTEN:9001,reuseaddr 2> /dev/null &
	sp=$!
	sleep 0.3
	"$nc" -f "$tmp/r.conf" -t 600 -n 10.9.12.2 9001 > "$tmp/down.out" 2>&1
	wait $sp
	down=$(secs "$tmp/down.out")
	k=$(nstat 2> /dev/null | awk '$1 == "TcpExtTCPTimeouts" { t = $2 }
		$1 == "TcpExtTCPSackRecovery" { r = $2 } $1 == "TcpExtTCPLostRetransmit" { l = $2 }
		END { printf "%d %d %d", t, r, l }')
	echo "round $i: utcp sends in ${up:-?} s (rto ${rto:-?}, fast recoveries ${fr:-?}, undone ${un:-?});" \
		"the kernel sends in ${down:-?} s (timeouts, SACK recoveries, lost retransmits: $k)"
	echo "$up $down $rto $fr $k ${un:-0}" >> "$tmp/rounds"
	i=$((i + 1))
done
awk -v bytes="$BYTES" -v loss="$LOSS" -v reo="$REORDER" '
function median(a, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n++; u[n] = $1; k[n] = $2; r[n] = $3; f[n] = $4; kt[n] = $5; ks[n] = $6; kl[n] = $7; ud[n] = $8 }
END {
	mu = median(u, n); mk = median(k, n)
	printf "loss %s, reordering %s, %d bytes, median of %d rounds:\n", loss, reo, bytes, n
	printf "  utcp as sender:   %7.3f s %8.1f Mbit/s  rto %d, fast recoveries %d, undone %d\n", mu, bytes * 8 / mu / 1e6, median(r, n), median(f, n), median(ud, n)
	printf "  kernel as sender: %7.3f s %8.1f Mbit/s  timeouts %d, SACK recoveries %d, lost retransmits found %d\n", mk, bytes * 8 / mk / 1e6, median(kt, n), median(ks, n), median(kl, n)
	printf "  utcp / kernel: %.2fx\n", mk / mu
}' "$tmp/rounds"
