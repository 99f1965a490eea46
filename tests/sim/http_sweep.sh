#!/bin/sh
# tests/sim/http_sweep.sh - utcp-sim http: epwget against epserver (the
# programs' own code) on the simulated wire.
#
# Every run must pass (every body byte-exact, no error, no incomplete, no
# leaked buffer): the quickstart demo; impaired links over several seeds
# (loss, reordering, duplication, corruption, delay) with 20 kB bodies;
# keep-alive on two cores; 100 kB bodies with jitter; a missing file must fail with status 404 unless
# 404 is expected; the same seed must give the same output and pcap.
# A failing seed is printed; `tools/utcp-sim --seed N <same options> http
# ...` replays it.
set -u
top_builddir=${top_builddir:-.}
sim="$top_builddir/tools/utcp-sim"
if [ ! -x "$sim" ]; then
	echo "http_sweep: $sim is not built" >&2
	exit 99
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
# run WANT_RC ARGS...: the verdict lines, and the exit status checked
run() {
	want=$1
	shift
	"$sim" "$@" > "$tmp/out" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL) ' "$tmp/out"
	if [ $rc -ne "$want" ]; then
		echo "FAIL: utcp-sim $* exited with $rc, want $want" >&2
		cat "$tmp/out" >&2
		status=1
	fi
}

run 0 -q http --conns 100 --requests 10000
run 0 --seeds 1-6 --loss 0.02 --reorder 0.02 --dup 0.01 --corrupt-undetected 0.001 --delay 1ms \
	http --conns 50 --requests 1000 --size 20000
run 0 --seeds 1-3 --cores 2 --loss 0.01 http --conns 100 --requests 2000 --keepalive
run 0 --seeds 1-3 --loss 0.01 --jitter 200us http --conns 20 --requests 500 --size 100000 \
	--keepalive
run 1 -q http --path /missing --requests 100
grep -q 'first: status 404' "$tmp/out" || { echo "FAIL: 404 not reported" >&2; status=1; }
run 0 -q http --path /missing --requests 100 --expect-status 404 --keepalive
run 2 http --conns 0
run 0 -q --cores 3 http --requests 2 --conns 7 --keepalive # a core without requests

# The output lines of a run that lasts a few virtual seconds: mTCP's
# epwget line, its per-port statistics line, utcp's own counters.
"$sim" --seed 1 --delay 5ms http --conns 100 --requests 10000 --stats > "$tmp/demo" 2>&1
n=0
for re in \
	'^\[ ALL \] connect: +[0-9]+, read: +[0-9]+ MB, write: +[0-9]+ MB, completes: +[0-9]+ \(resp_time avg: +[0-9]+, max: +[0-9]+ us\)$' \
	'^\[CPU 0\] sim0 flows: +[0-9]+, RX: +[0-9]+\(pps\) \(err: +[0-9]+\), +[0-9.]+\(Gbps\), TX: +[0-9]+\(pps\), +[0-9.]+\(Gbps\)$' \
	'^\[ ALL \] sim0 flows: ' \
	'^\[ ALL \] utcp: retransmits: [0-9]+, rto: [0-9]+, fast_recoveries: [0-9]+, drops: [0-9]+.*, pkt_bufs: [0-9]+/[0-9]+, sockets: [0-9]+/[0-9]+, bufs: [0-9]+/[0-9]+$' \
	'^\[CPU 0\] Completed 10000 connections, errors: 0 incompletes: 0$' \
	'^PASS http seed=1 requests=10000 completes=10000 errors=0 incompletes=0 '; do
	n=$((n + 1))
	if ! grep -Eq "$re" "$tmp/demo"; then
		echo "FAIL: line $n of the demo's output is missing: $re" >&2
		status=1
	fi
done
echo "ok: the demo prints the mTCP lines"

# Determinism: the same seed, the same lines and the same frames.
for i in 1 2; do
	"$sim" --seed 11 --loss 0.03 --pcap "$tmp/$i.pcap" http --conns 20 --requests 300 \
		> "$tmp/$i.out" 2>&1
done
if cmp -s "$tmp/1.pcap" "$tmp/2.pcap" && cmp -s "$tmp/1.out" "$tmp/2.out"; then
	echo "ok: seed 11 twice: identical output and pcap"
else
	echo "FAIL: seed 11 twice: the runs differ" >&2
	status=1
fi
exit $status
