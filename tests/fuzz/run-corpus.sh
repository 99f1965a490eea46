#!/bin/sh
# tests/fuzz/run-corpus.sh - `make check` test: every fuzz target, built with
# tests/fuzz/driver.c instead of libFuzzer, runs every input of its corpus
# (the seeds and the regress-* inputs that once made it fail).  Under the
# sanitizer build a report fails it; under check-valgrind memcheck does.
set -e
: "${top_srcdir:=.}" "${top_builddir:=.}"
for t in frame tcp_opt config pcap udp ipv6; do
	${UTCP_VALGRIND:-} "$top_builddir/tests/fuzz/fuzz_$t" "$top_srcdir/tests/fuzz/corpus/$t"
done
