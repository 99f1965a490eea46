#!/bin/bash
# traces/ipv6/record6.sh - record the IPv6 traces in traces/ipv6/ from the running Linux
# kernel: two network namespaces (client 2001:db8:55::1, server 2001:db8:55::2) joined by a
# veth pair, offloads off so segments are wire-size with real checksums, tcpdump on the
# client's veth, the conversations of ../tools/tcpapp.py (as traces/record.sh runs them
# over IPv4).
#
# Call order: for each trace: namespaces + veth (no DAD) -> tcpdump -> server, client ->
# stop tcpdump -> delete the namespaces (also on error or signal, by trap).
# Usage: record6.sh [-o DIR]   (root; needs iproute2 tcpdump ethtool python3 procps)
set -eu -o pipefail
export PYTHONDONTWRITEBYTECODE=1
HERE=$(cd "$(dirname "$0")" && pwd)
TCPAPP=$HERE/../tools/tcpapp.py
OUT=$HERE
[ "${1:-}" = -o ] && OUT=$2
A=utcp-rec6-a-$$
B=utcp-rec6-b-$$
C=2001:db8:55::1
S=2001:db8:55::2
PIDS=()
WORK=$(mktemp -d)
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || { echo "record6.sh: needs root" >&2; exit 1; }

setup() {
	ip netns add "$A"
	ip netns add "$B"
	ip -n "$A" link set lo up
	ip -n "$B" link set lo up
	ip link add veth-c netns "$A" type veth peer name veth-s netns "$B"
	for ns_dev_addr in "$A veth-c $C" "$B veth-s $S"; do
		set -- $ns_dev_addr
		ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null
		ip -n "$1" -6 addr add "$3/64" dev "$2" nodad
		ip -n "$1" link set "$2" up
	done
}
teardown() {
	ip netns del "$A"
	ip netns del "$B"
}

# record NAME BEHAVIOUR CLIENT-PORT "SERVER-OPTIONS" "CLIENT-OPTIONS"
record() {
	local name=$1 b=$2 cport=$3 sopt=$4 copt=$5 cap srv i
	setup
	ip netns exec "$A" timeout 30 tcpdump -i veth-c -w "$OUT/$name.pcap" -s 0 -U \
		--immediate-mode -n -Z root tcp >"$WORK/tcpdump.log" 2>&1 &
	cap=$!
	PIDS+=("$cap")
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$WORK/tcpdump.log" && break
		sleep 0.05
	done
	# shellcheck disable=SC2086
	ip netns exec "$B" timeout 30 python3 "$TCPAPP" server "$b" --addr "$S" --port 9000 \
		--tag "$name" --out "$WORK" $sopt >"$WORK/server.log" 2>&1 &
	srv=$!
	PIDS+=("$srv")
	for ((i = 0; i < 100; i++)); do
		[ -n "$(ip netns exec "$B" ss -Hltn "sport = :9000")" ] && break
		sleep 0.05
	done
	# shellcheck disable=SC2086
	ip netns exec "$A" timeout 30 python3 "$TCPAPP" client "$b" --addr "$S" --port 9000 \
		--bind "$C" --bind-port "$cport" --tag "$name" --out "$WORK" $copt
	wait "$srv"
	sleep 0.3
	kill -INT "$cap"
	wait "$cap" || true
	grep -q "^0 packets dropped by kernel" "$WORK/tcpdump.log" ||
		{ echo "record6.sh: tcpdump dropped packets" >&2; exit 1; }
	teardown
	echo "record6.sh: $name.pcap: $(grep -o '^[0-9]* packets captured' "$WORK/tcpdump.log")"
}

record bulk-download6 download 40101 "--size 200000" ""
record bulk-upload6 upload 40102 "--size 200000" "--size 200000"
record client-close-first6 client-close 40103 "--req 1000 --resp 4000 --pause 0.05" \
	"--req 1000 --resp 4000"
