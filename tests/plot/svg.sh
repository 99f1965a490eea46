#!/bin/sh
# tests/plot/svg.sh - the pictures (tools/plot.c through gnuplot):
#   utcp-sim --plot on a 1 % loss transfer: a well-formed SVG time-sequence
#   graph with data, retransmissions, ACKs, the receive window's edge and
#   SACK blocks, and a sender-state SVG with cwnd, ssthresh, bytes in
#   flight, pipe, SRTT and RTO from the trace; the trace's rows are the
#   sender's (cwnd and RTO in range, the states of a whole connection);
#   utcp-plot on that capture alone: the state from the capture (bytes in
#   flight, RTT samples); utcp-replay --plot on a recorded trace; the
#   errors (no such capture, not a pcap file, --plot with --seeds).
# Exit 77 without gnuplot or python3 (the XML parser).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
sim="$top_builddir/tools/utcp-sim"
plot="$top_builddir/tools/utcp-plot"
replay="$top_builddir/tools/utcp-replay"
for t in gnuplot python3; do
	if ! command -v $t > /dev/null; then
		echo "svg: needs $t" >&2
		exit 77
	fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-plot.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0
check() { # check WHAT COND...
	what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAIL: $what" >&2
		status=1
	fi
}
# series FILE.svg TITLE...: FILE parses as XML, and each TITLE is the title
# of one of its plots (gnuplot writes <g id="gnuplot_plot_N"><title>T</title>).
series() {
	python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
path, want = sys.argv[1], sys.argv[2:]
try:
    root = ET.parse(path).getroot()
except Exception as e:
    print("%s: not well-formed: %s" % (path, e)); sys.exit(1)
ns = "{http://www.w3.org/2000/svg}"
got = set()
for g in root.iter(ns + "g"):
    if g.get("id", "").startswith("gnuplot_plot_"):
        t = g.find(ns + "title")
        if t is not None and t.text:
            got.add(t.text)
missing = [w for w in want if w not in got]
if missing:
    print("%s: no series %s (has %s)" % (path, missing, sorted(got))); sys.exit(1)
PY
}

# ---- utcp-sim: a transfer with 1 % loss ----
"$sim" -q --seed 3 --loss 1% --delay 5ms --rate 100mbit --plot "$tmp/sim" transfer --bytes 1M \
	> "$tmp/sim.out" 2>&1
rc=$?
cat "$tmp/sim.out"
check "utcp-sim --plot: the run passes (got $rc)" [ $rc -eq 0 ]
check "time-sequence graph: well formed, every series" \
	series "$tmp/sim/conn-1-tsg.svg" data retransmission ACK "receive window edge" "SACK block"
check "sender state: well formed, every series from the trace" \
	series "$tmp/sim/conn-1-state.svg" cwnd ssthresh "bytes in flight" "pipe (RFC 6675)" \
	"SRTT (ms)" "RTO (ms)"
check "one connection drawn" [ ! -e "$tmp/sim/conn-2-tsg.svg" ]
# The trace: B's rows for its connection to A: cwnd of at least 2 MSS
# once established, RTO from 200 ms to 60 s, every state of an orderly close.
check "trace.csv: B's sender state, sane" awk -F, '
	NR == 1 { ok = $1 == "time_s" && $7 == "cwnd" && $13 == "rto_us"; next }
	$2 == "B/0" && $4 == "10.0.0.1:5001" {
		n++; st[$6] = 1
		if ($6 == "ESTABLISHED" && $5 == "ack" && ($7 < 2 * 1448 || $13 < 200000 || $13 > 60000000)) bad++
	}
	END { exit !(ok && n > 100 && !bad && st["SYN-SENT"] && st["ESTABLISHED"] && st["FIN-WAIT-1"] && st["TIME-WAIT"]) }
	' "$tmp/sim/trace.csv"
check "trace.csv: the rows of both hosts" grep -q ',A/0,' "$tmp/sim/trace.csv"

# ---- utcp-plot: the same capture without the trace ----
"$plot" -d "$tmp/cap" "$tmp/sim/capture.pcap" > "$tmp/plot.out" 2>&1
rc=$?
cat "$tmp/plot.out"
check "utcp-plot: exit 0 (got $rc), names the pictures" \
	sh -c "[ $rc -eq 0 ] && grep -q 'conn-1-tsg.svg' '$tmp/plot.out'"
check "utcp-plot: the same time-sequence graph" \
	series "$tmp/cap/conn-1-tsg.svg" data retransmission ACK "receive window edge" "SACK block"
check "utcp-plot: the state the capture shows" \
	series "$tmp/cap/conn-1-state.svg" "bytes in flight" "RTT sample (ms)"
"$plot" -t "$tmp/sim/trace.csv" -d "$tmp/cap2" "$tmp/sim/capture.pcap" > /dev/null 2>&1
check "utcp-plot -t: the state from the trace" series "$tmp/cap2/conn-1-state.svg" cwnd "RTO (ms)"

# ---- utcp-replay: a recorded trace, 3 % loss toward utcp ----
"$replay" "$top_srcdir/traces/retrans-download.pcap" --loss 3% --plot "$tmp/rep" \
	> "$tmp/rep.out" 2>&1
rc=$?
cat "$tmp/rep.out"
check "utcp-replay --plot: the replay passes (got $rc)" [ $rc -eq 0 ]
check "utcp-replay: time-sequence graph" series "$tmp/rep/conn-1-tsg.svg" data ACK "SACK block"
check "utcp-replay: utcp's sender state" series "$tmp/rep/conn-1-state.svg" cwnd "SRTT (ms)"

# ---- errors ----
"$plot" "$tmp/missing.pcap" > /dev/null 2> "$tmp/err1"
rc=$?
check "utcp-plot on a missing file: exit 1 and the reason (got $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q 'missing.pcap: No such file' '$tmp/err1'"
"$plot" "$tmp/sim/trace.csv" > /dev/null 2> "$tmp/err2"
rc=$?
check "utcp-plot on a text file: exit 1, not a pcap file (got $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q 'not a pcap file' '$tmp/err2'"
"$sim" --seeds 1-2 --plot "$tmp/x" transfer > /dev/null 2> "$tmp/err3"
rc=$?
check "utcp-sim --plot with --seeds: bad usage (got $rc)" \
	sh -c "[ $rc -eq 2 ] && grep -q -- '--plot records one run' '$tmp/err3'"
exit $status
