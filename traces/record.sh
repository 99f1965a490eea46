#!/bin/bash
# record.sh - re-record the pcap traces in traces/ from the running Linux kernel.
#
# Each trace is one short conversation between two real Linux TCP stacks: two network
# namespaces (client 10.55.0.1, server 10.55.0.2) joined by a veth pair, or, for loss, delay
# and simultaneous close, by two veth pairs and tools/relay.py bridging them in a third
# namespace.  tcpdump runs on the client's veth; offloads are off so the capture shows
# wire-size segments with valid checksums.  After each recording tools/tracecheck.py checks
# the pcap against what the programs wrote and read and that the trace shows what it is for,
# then writes NAME.md; at the end it rewrites manifest.txt.
#
# Call order: check tools -> for each trace: make namespaces, start tcpdump (and relay),
# run server and client, stop tcpdump, delete namespaces, verify, write NAME.md -> manifest.
# Everything started is ended by PID; the namespaces are deleted on exit, error or signal.
#
# Usage: record.sh [-o DIR] [-l] [TRACE...]     (root; default: every trace, into traces/)
# Needs: apt-get install iproute2 tcpdump tshark ethtool curl python3 procps coreutils
#
# Environment: PYTHON (python3 to use), TRACE_CC (congestion control to set in the
# namespaces; a non-initial namespace may only choose one listed in the host's
# net.ipv4.tcp_allowed_congestion_control; default: leave the inherited one).

set -eu -o pipefail
export PYTHONDONTWRITEBYTECODE=1

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$HERE/tools
OUTDIR=$HERE
PY=${PYTHON:-$(command -v python3 || true)}
CC_ALGO=${TRACE_CC:-}		# empty: the namespace default (inherited from the host)
NS_A=utcp-rec-a-$$		# client
NS_B=utcp-rec-b-$$		# server
NS_M=utcp-rec-m-$$		# relay, only for traces that need one
CLIENT=10.55.0.1
SERVER=10.55.0.2
PROC_TIMEOUT=30			# no program runs longer than this (timeout(1))
WORK=
PIDS=()				# processes started and not yet reaped
NAMESPACES=()			# namespaces created and not yet deleted
SYSCTLS=()			# per-trace sysctls, set in both end namespaces
TRACES=(http-get bulk-upload bulk-download client-close-first server-close-first half-close
	refused reset-mid-transfer close-with-unread-data zero-window retrans-upload
	retrans-download no-ts-no-sack no-wscale small-writes simultaneous-close syn-retransmit)

die() { echo "record.sh: $*" >&2; exit 1; }
say() { echo "record.sh: $*"; }

kill_all() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
}

teardown() {
	local ns
	kill_all
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	NAMESPACES=()
}

cleanup() {
	teardown
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_tools() {
	local t missing=
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces, tcpdump)"
	[ -n "$PY" ] || missing="$missing python3"
	for t in ip tcpdump tshark ethtool curl ss timeout sysctl; do
		command -v $t >/dev/null || missing="$missing $t"
	done
	[ -z "$missing" ] || die "missing:$missing (apt-get install iproute2 tcpdump tshark" \
		"ethtool curl python3 procps coreutils)"
	[ -z "$CC_ALGO" ] ||
		grep -qw "$CC_ALGO" /proc/sys/net/ipv4/tcp_allowed_congestion_control ||
		die "TRACE_CC=$CC_ALGO is not in net.ipv4.tcp_allowed_congestion_control"
}

# Commands are logged, with local paths shortened, for the "How it was recorded" section.
note() { printf '%s\n' "$*" >>"$NOTES"; }
note_cmd() {
	local where=$1 line
	shift
	line="$*"
	line=${line//$TOOLS/tools}
	line=${line//$WORK/\$WORK}
	line=${line//$PY/python3}
	printf '[%s] %s\n' "$where" "$line" >>"$TDIR/commands.txt"
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

ns_make() {
	local ns=$1 s
	ip netns add "$ns"
	NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	if [ -d /proc/sys/net/ipv6 ]; then
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	fi
	[ -z "$CC_ALGO" ] || nsx "$ns" sysctl -qw net.ipv4.tcp_congestion_control="$CC_ALGO"
	if [ "$ns" != "$NS_M" ]; then
		for s in "${SYSCTLS[@]}"; do
			nsx "$ns" sysctl -qw "$s"
		done
	fi
}

veth_up() {	# veth_up NS DEV [ADDR]: offloads off so segments are wire-size, checksums real
	nsx "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null
	[ -z "${3:-}" ] || ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$1" link set "$2" up
}

# setup direct|relay: client namespace veth-c, server namespace veth-s.
setup() {
	ns_make "$NS_A"
	ns_make "$NS_B"
	if [ "$1" = direct ]; then
		ip link add veth-c netns "$NS_A" type veth peer name veth-s netns "$NS_B"
		note "- topology: namespaces A (client, veth-c $CLIENT/24) and B (server, veth-s" \
			"$SERVER/24) joined by one veth pair"
	else
		ns_make "$NS_M"
		ip link add veth-c netns "$NS_A" type veth peer name veth-mc netns "$NS_M"
		ip link add veth-ms netns "$NS_M" type veth peer name veth-s netns "$NS_B"
		veth_up "$NS_M" veth-mc
		veth_up "$NS_M" veth-ms
		ip -n "$NS_M" link set veth-mc promisc on
		ip -n "$NS_M" link set veth-ms promisc on
		note "- topology: A (client, veth-c $CLIENT/24) -- veth -- M (veth-mc, veth-ms:" \
			"no addresses, tools/relay.py bridges them) -- veth -- B (server, veth-s" \
			"$SERVER/24)"
	fi
	veth_up "$NS_A" veth-c "$CLIENT"
	veth_up "$NS_B" veth-s "$SERVER"
	note "- offloads: \`ethtool -K <veth> tso off gso off gro off tx off\` on every veth"
	note_env
}

note_env() {
	local s a b
	note "- sysctls, read back in both end namespaces:"
	for s in net.ipv4.tcp_timestamps net.ipv4.tcp_sack net.ipv4.tcp_dsack \
		net.ipv4.tcp_window_scaling net.ipv4.tcp_ecn net.ipv4.tcp_congestion_control \
		net.ipv4.tcp_early_retrans net.ipv4.tcp_recovery net.ipv4.tcp_autocorking \
		net.ipv4.tcp_rmem net.ipv4.tcp_wmem; do
		a=$(nsx "$NS_A" sysctl -n "$s" 2>/dev/null | tr '\t' ' ' || echo '?')
		b=$(nsx "$NS_B" sysctl -n "$s" 2>/dev/null | tr '\t' ' ' || echo '?')
		if [ "$a" = "$b" ]; then
			note "  - \`$s = $a\`"
		else
			note "  - \`$s = $a\` (client), \`$b\` (server)"
		fi
	done
	local set="${CC_ALGO:+net.ipv4.tcp_congestion_control=$CC_ALGO }${SYSCTLS[*]}"
	note "  (set by record.sh: ${set:-none}; the others are the kernel defaults)"
}

# bg NS LABEL LOG CMD...: start CMD in NS, bounded by timeout; its PID is left in BG_PID.
bg() {
	local ns=$1 label=$2 log=$3
	shift 3
	note_cmd "$label" "$@"
	# Not through a shell function: $! must be the process itself (ip netns exec execs
	# timeout, which passes SIGTERM and SIGINT on to the command).
	ip netns exec "$ns" timeout "$PROC_TIMEOUT" "$@" >"$log" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# fg NS LABEL CMD...: run CMD in NS to completion, bounded by timeout.
fg() {
	local ns=$1 label=$2
	shift 2
	note_cmd "$label" "$@"
	nsx "$ns" timeout "$PROC_TIMEOUT" "$@"
}

# reap PID SECONDS: wait (bounded) for a background process to exit; returns its status.
reap() {
	local pid=$1 i st=0
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" || st=$?
	local keep=() p
	for p in "${PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
	return $st
}

# wait_for FILE PATTERN: bounded wait (5 s) until FILE contains PATTERN.
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	die "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}

wait_listen() {	# wait_listen PORT: bounded wait until the server listens (ss, no probe)
	local i
	for ((i = 0; i < 100; i++)); do
		[ -n "$(nsx "$NS_B" ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.05
	done
	die "server did not listen on port $1"
}

capture_start() {
	bg "$NS_A" "client ns" "$TDIR/tcpdump.log" \
		tcpdump -i veth-c -w "$TDIR/trace.pcap" -s 0 -U --immediate-mode -n -Z root tcp
	CAP_PID=$BG_PID
	wait_for "$TDIR/tcpdump.log" "listening on"
}

capture_stop() {
	sleep 0.3			# let the last ACKs through
	kill -INT "$CAP_PID"
	reap "$CAP_PID" 5 || true
	grep -q "^0 packets dropped by kernel" "$TDIR/tcpdump.log" ||
		die "tcpdump dropped packets: $(cat "$TDIR/tcpdump.log")"
}

relay_start() {	# relay_start RELAY-OPTIONS...
	bg "$NS_M" "middle ns" "$TDIR/relay.log" "$PY" "$TOOLS/relay.py" veth-mc veth-ms \
		--timeout "$PROC_TIMEOUT" "$@"
	RELAY_PID=$BG_PID
	wait_for "$TDIR/relay.log" "^ready"
	RELAY_DROPS=0			# how many frames the options ask it to drop
	while [ $# -gt 0 ]; do
		case $1 in
		--drop) case $2 in *x*) RELAY_DROPS=$((RELAY_DROPS + ${2##*x})) ;;
			*) RELAY_DROPS=$((RELAY_DROPS + 1)) ;; esac; shift ;;
		--drop-syn) RELAY_DROPS=$((RELAY_DROPS + $2)); shift ;;
		esac
		shift
	done
}

relay_stop() {
	kill "$RELAY_PID" 2>/dev/null || true
	reap "$RELAY_PID" 5 || true
	note "- relay.py output:"
	sed 's/^/  - /' "$TDIR/relay.log" >>"$NOTES"
	grep -q "^summary .* dropped=$RELAY_DROPS " "$TDIR/relay.log" ||
		die "relay did not drop the $RELAY_DROPS frames asked for: $(cat "$TDIR/relay.log")"
}

# app_pair BEHAVIOUR CLIENT-PORT "SERVER-OPTIONS" "CLIENT-OPTIONS": one tcpapp conversation.
app_pair() {
	local b=$1 cport=$2 sopt=$3 copt=$4 spid
	# shellcheck disable=SC2086
	bg "$NS_B" "server ns" "$TDIR/server.log" "$PY" "$TOOLS/tcpapp.py" server "$b" \
		--addr "$SERVER" --port 9000 --tag "$NAME" --out "$TDIR" $sopt
	spid=$BG_PID
	wait_listen 9000
	# shellcheck disable=SC2086
	fg "$NS_A" "client ns" "$PY" "$TOOLS/tcpapp.py" client "$b" --addr "$SERVER" --port 9000 \
		--bind "$CLIENT" --bind-port "$cport" --tag "$NAME" --out "$TDIR" $copt ||
		die "client failed"
	reap "$spid" 10 || die "server failed: $(cat "$TDIR/server.log")"
}

# --- the traces: each sets DESC, VERIFY (tracecheck verify options) and records ---

t_http_get() {
	DESC="curl fetches a 20000-byte file from python3's http.server. The response is HTTP/1.0,
so the server closes right after it; tools/relay.py adds 2 ms one-way delay so that the
server's FIN is always on its way before curl, which also closes once it has the whole body,
can close (on a bare veth the two closes race)."
	VERIFY=(--served "$TDIR/www/file.bin" --body "$TDIR/body" --require end=fin
		--require closer=server)
	mkdir -p "$TDIR/www"
	"$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import tcpapp
open(sys.argv[2], "wb").write(tcpapp.payload("http-get/file", 20000))' "$TOOLS" "$TDIR/www/file.bin"
	setup relay
	relay_start --delay-ms 2
	capture_start
	bg "$NS_B" "server ns" "$TDIR/server.log" "$PY" -m http.server 8080 --bind "$SERVER" \
		--directory "$TDIR/www"
	local spid=$BG_PID
	wait_listen 8080
	fg "$NS_A" "client ns" curl -sS --max-time 10 --local-port 40001 -o "$TDIR/body" \
		"http://$SERVER:8080/file.bin"
	capture_stop
	relay_stop
	reap "$spid" 0 || true
	note "- the served file is tcpapp.payload(\"http-get/file\", 20000)"
}

t_bulk_upload() {
	DESC="The client writes 200000 bytes; the server reads exactly that many and closes; the
client reads end of stream and closes."
	VERIFY=(--require end=fin --require closer=server)
	setup direct
	capture_start
	app_pair upload 40002 "--size 200000" "--size 200000"
	capture_stop
}

t_bulk_download() {
	DESC="The server writes 200000 bytes and closes; the client, which sends nothing, reads
to end of stream and closes."
	VERIFY=(--require end=fin --require closer=server)
	setup direct
	capture_start
	app_pair download 40003 "--size 200000" ""
	capture_stop
}

t_client_close_first() {
	DESC="Request 1000 bytes, response 4000 bytes; the client closes first (active close,
TIME-WAIT on the client), the server reads end of stream, waits 50 ms and closes."
	VERIFY=(--require end=fin --require closer=client)
	setup direct
	capture_start
	app_pair client-close 40004 "--req 1000 --resp 4000 --pause 0.05" "--req 1000 --resp 4000"
	capture_stop
}

t_server_close_first() {
	DESC="Request 1000 bytes, response 4000 bytes; the server closes right after the response,
the client reads end of stream, waits 50 ms and closes."
	VERIFY=(--require end=fin --require closer=server)
	setup direct
	capture_start
	app_pair server-close 40005 "--req 1000 --resp 4000" "--req 1000 --pause 0.05"
	capture_stop
}

t_half_close() {
	DESC="The client sends a 1000-byte request and shuts down writing (shutdown(SHUT_WR), FIN);
the server reads to end of stream, then sends 50000 bytes in 5 writes 20 ms apart and closes:
data keeps flowing to a client in FIN-WAIT-2."
	VERIFY=(--require end=fin --require closer=client --require data-after-client-fin)
	setup direct
	capture_start
	app_pair half-close 40006 "--resp 50000 --chunks 5 --pause 0.02" "--req 1000"
	capture_stop
}

t_refused() {
	DESC="The client connects to port 9001 where nothing listens: SYN answered by RST-ACK
(RFC 793 §3.4), connect() fails with ECONNREFUSED."
	VERIFY=(--require end=refused)
	setup direct
	capture_start
	fg "$NS_A" "client ns" "$PY" "$TOOLS/tcpapp.py" client refused --addr "$SERVER" \
		--port 9001 --bind "$CLIENT" --bind-port 40007 --tag "$NAME" --out "$TDIR"
	capture_stop
	grep -q '"end": "refused"' "$TDIR/client.json" || die "connection was not refused"
}

t_reset_mid_transfer() {
	DESC="The server sends 98304 bytes, waits until they are acknowledged, writes 32768 more
and at once closes with SO_LINGER {1, 0}: it aborts with a RST (RFC 793 §3.8 ABORT) while the
part of it the congestion window let out is still in flight (tools/relay.py adds 5 ms one-way
delay); the rest is discarded unsent. The client receives that data, then the RST; its ACKs
of the data reach a server that no longer has the connection and are answered by more RSTs.
The client reads until the reset (ECONNRESET)."
	VERIFY=(--require end=rst --require closer=server)
	setup relay
	relay_start --delay-ms 5
	capture_start
	app_pair abort-send 40008 "--size 98304 --tail 32768" ""
	capture_stop
	relay_stop
}

t_close_with_unread_data() {
	DESC="The server sends 100000 bytes; the client reads only 10000 and closes: closing with
unread data sends a RST instead of a FIN (RFC 2525 §2.17). The server sees the reset."
	VERIFY=(--require end=rst --require closer=client)
	setup direct
	capture_start
	app_pair close-unread 40009 "--size 100000" "--resp 10000"
	capture_stop
}

t_zero_window() {
	DESC="The server's SO_RCVBUF is 4096 (set before listen()), and it stalls 1.2 s, reads
12000 bytes, stalls 1.2 s again, then drains; the client sends 40000 bytes and shuts down
writing. The server advertises a zero window twice; the client sends zero-window probes
(Linux probes carry no data and use seq = SND.UNA - 1, tshark calls them keep-alives)."
	VERIFY=(--require end=fin --require zero-window --require client-zero-window-probe)
	setup direct
	capture_start
	app_pair slow-reader 40010 "--rcvbuf 4096 --pause 1.2 --resp 12000" "--size 40000"
	capture_stop
}

t_retrans_upload() {
	DESC="Upload of 200000 bytes (as bulk-upload) through tools/relay.py with 2 ms one-way
delay. The relay drops the first transmission of the client's segments carrying stream offsets
30000, 60000 and 61500, and the first two transmissions of the one carrying 150000. The capture
is on the client's side of the relay, so it shows the original segments and the
retransmissions, and the server's duplicate ACKs with SACK blocks."
	VERIFY=(--require end=fin --require retransmission --require sack)
	setup relay
	relay_start --delay-ms 2 --drop c2s:30000 --drop c2s:60000 --drop c2s:61500 \
		--drop c2s:150000x2
	capture_start
	app_pair upload 40011 "--size 200000" "--size 200000"
	capture_stop
	relay_stop
}

t_retrans_download() {
	DESC="Download of 200000 bytes (as bulk-download) through tools/relay.py with 2 ms
one-way delay. The relay drops the first transmission of the server's segments carrying stream
offsets 20000, 100000 (twice) and 199999 (the tail, which carries the FIN). The capture is on
the client's side, so dropped segments are missing and their retransmissions arrive later; the
client's duplicate ACKs carry SACK blocks."
	VERIFY=(--require end=fin --require retransmission --require sack)
	setup relay
	relay_start --delay-ms 2 --drop s2c:20000 --drop s2c:100000x2 --drop s2c:199999
	capture_start
	app_pair download 40012 "--size 200000" ""
	capture_stop
	relay_stop
}

t_no_ts_no_sack() {
	DESC="Download of 100000 bytes with net.ipv4.tcp_timestamps=0 and net.ipv4.tcp_sack=0 in
both namespaces (SYNs carry only MSS and window scale), through tools/relay.py with 2 ms delay
dropping the server's segment at offset 30000 once: loss recovery without SACK (NewReno)."
	VERIFY=(--require end=fin --require no-opt:ts --require no-opt:sackok
		--require retransmission)
	SYSCTLS=(net.ipv4.tcp_timestamps=0 net.ipv4.tcp_sack=0)
	setup relay
	relay_start --delay-ms 2 --drop s2c:30000
	capture_start
	app_pair download 40013 "--size 100000" ""
	capture_stop
	relay_stop
}

t_no_wscale() {
	DESC="Download of 150000 bytes with net.ipv4.tcp_window_scaling=0 in both namespaces: no
window scale option, windows are at most 65535."
	VERIFY=(--require end=fin --require no-opt:ws)
	SYSCTLS=(net.ipv4.tcp_window_scaling=0)
	setup direct
	capture_start
	app_pair download 40014 "--size 150000" ""
	capture_stop
}

t_small_writes() {
	DESC="The client writes 6000 bytes as 300 writes of 20 bytes with Nagle's algorithm on
(RFC 896, RFC 1122 §4.2.3.4): after the first small segment the rest is coalesced while an ACK
is outstanding. Then it shuts down writing; the server reads to end of stream and closes."
	VERIFY=(--require end=fin --require closer=client)
	setup direct
	capture_start
	app_pair small-writes 40015 "" "--size 6000 --write 20"
	capture_stop
}

t_simultaneous_close() {
	DESC="Request 100 bytes, response 100 bytes, then both sides close at the same agreed
wall-clock time through tools/relay.py with 50 ms one-way delay, so the two FINs cross:
simultaneous close (RFC 793 §3.5, CLOSING state on both sides)."
	VERIFY=(--require end=fin --require closer=both --require simultaneous-close)
	setup relay
	relay_start --delay-ms 50
	capture_start
	local at
	at=$(awk -v t="$(date +%s.%N)" 'BEGIN { printf "%.3f", t + 1.5 }')
	app_pair simultaneous-close 40016 "--req 100 --resp 100 --close-at $at" \
		"--req 100 --resp 100 --close-at $at"
	capture_stop
	relay_stop
}

t_syn_retransmit() {
	DESC="The relay drops the client's first SYN; the client retransmits it after its initial
RTO (1 s, RFC 6298 §2.1); then request 500 bytes, response 500 bytes, client closes first."
	VERIFY=(--require end=fin --require client-syn-retransmit)
	setup relay
	relay_start --drop-syn 1
	capture_start
	app_pair client-close 40017 "--req 500 --resp 500 --pause 0.05" "--req 500 --resp 500"
	capture_stop
	relay_stop
}

# record NAME: record one trace (up to 3 attempts), verify it, write NAME.pcap and NAME.md.
record() {
	local attempt fn=t_${1//-/_}
	NAME=$1
	declare -F "$fn" >/dev/null || die "no trace named $1 (-l lists them)"
	for attempt in 1 2 3; do
		TDIR=$WORK/$NAME.$attempt
		NOTES=$TDIR/notes.md
		mkdir -p "$TDIR"
		SYSCTLS=()
		: >"$NOTES"
		: >"$TDIR/commands.txt"
		note "## How it was recorded"
		note ""
		note "- recorded $(date -u +%Y-%m-%d) by \`traces/record.sh $NAME\` on Linux" \
			"$(uname -r) ($(uname -m))"
		note "- tools: $(tcpdump --version 2>&1 | head -1), Python $("$PY" -c \
			'import platform; print(platform.python_version())'),"\
			"$(curl --version | head -1 | cut -d' ' -f1-2)"
		note "- capture: \`tcpdump -i veth-c -w $NAME.pcap -s 0 -U --immediate-mode" \
			"-n tcp\` in the client namespace (TCP only, as seen on the client's veth)"
		"$fn"
		teardown
		note_apps
		if "$PY" "$TOOLS/tracecheck.py" verify "$TDIR/trace.pcap" "$TDIR" "${VERIFY[@]}"
		then
			cp "$TDIR/trace.pcap" "$OUTDIR/$NAME.pcap"
			{ printf '%s\n\n' "$DESC"; cat "$NOTES"; } >"$TDIR/notes.full.md"
			"$PY" "$TOOLS/tracecheck.py" sidecar "$NAME" "$OUTDIR" "$TDIR/notes.full.md"
			say "$NAME: $(stat -c %s "$OUTDIR/$NAME.pcap") bytes"
			return 0
		fi
		say "$NAME: attempt $attempt did not verify"
	done
	die "$NAME: no good recording in 3 attempts"
}

note_apps() {
	local side
	note "- commands, in order ([client ns] stands for \`ip netns exec $NS_A timeout" \
		"$PROC_TIMEOUT\`, likewise server ns and middle ns; \$WORK is a scratch directory):"
	note ""
	note '  ```'
	sed 's/^/  /' "$TDIR/commands.txt" >>"$NOTES"
	note '  ```'
	note ""
	for side in client server; do
		[ -f "$TDIR/$side.json" ] || continue
		note "- $side program report: $("$PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print("end=%s, wrote %d bytes, read %d bytes" % (r["end"], r["sent_bytes"], r["recv_bytes"]))' \
			"$TDIR/$side.json")"
	done
}

main() {
	local t list=()
	while getopts "o:l" opt; do
		case $opt in
		o) OUTDIR=$(cd "$OPTARG" && pwd) ;;
		l) printf '%s\n' "${TRACES[@]}"; exit 0 ;;
		*) die "usage: record.sh [-o DIR] [-l] [TRACE...]" ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -gt 0 ] && list=("$@") || list=("${TRACES[@]}")
	need_tools
	WORK=$(mktemp -d /tmp/utcp-record.XXXXXX)
	for t in "${list[@]}"; do
		record "$t"
	done
	"$PY" "$TOOLS/tracecheck.py" manifest "$OUTDIR"
}

main "$@"
