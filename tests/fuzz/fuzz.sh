#!/bin/sh
# tests/fuzz/fuzz.sh - run the libFuzzer targets for a bounded time each.
#
#   tests/fuzz/fuzz.sh BUILDDIR [TARGET...]
#
# BUILDDIR is a build configured with clang, libFuzzer and the sanitizers
# (.ci/gates does it):
#   CC=clang CFLAGS='-g -O1 -fsanitize=fuzzer-no-link,address,undefined
#     -fno-sanitize-recover=all' ../configure --enable-fuzz --disable-shared
# TARGETs: frame tcp_opt config pcap udp ipv6 (default: all).  FUZZ_TIME seconds per
# target (default 60).  Each target starts from its seed corpus in
# tests/fuzz/corpus/TARGET (never written to: new inputs go to
# BUILDDIR/fuzz-work/TARGET).  Prints the executions per target; exits 1 on
# any crash, leak, sanitizer report or timeout, and leaves the input that
# caused it in BUILDDIR/fuzz-work/ (add it to the corpus as regress-NAME
# once fixed, and a unit test for the bug).
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILDDIR [TARGET...]" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2
shift
targets=${*:-frame tcp_opt config pcap udp ipv6}
time=${FUZZ_TIME:-60}
status=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
for t in $targets; do
	case $t in
	frame) max=8192 ;;
	tcp_opt) max=64 ;;
	config) max=4096 ;;
	pcap) max=16384 ;;
	udp) max=4096 ;;
	ipv6) max=8192 ;;
	*) echo "fuzz: unknown target $t" >&2; exit 2 ;;
	esac
	bin=$build/tests/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "fuzz: $bin is not built" >&2; exit 2; }
	work=$build/fuzz-work/$t
	mkdir -p "$work"
	log=$build/fuzz-work/$t.log
	"$bin" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -max_len=$max \
		-print_final_stats=1 -artifact_prefix="$build/fuzz-work/$t-" \
		"$work" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	if [ $rc -ne 0 ]; then
		tail -n 40 "$log"
		echo "FAIL fuzz $t: exit $rc after ${execs:-?} executions; input: $(ls "$build/fuzz-work/$t-"* 2>/dev/null)"
		status=1
	else
		echo "PASS fuzz $t: ${execs:-?} executions in ${time} s, coverage ${cov:-?} edges, corpus $(ls "$work" | wc -l) new inputs, 0 crashes"
	fi
done
exit $status
