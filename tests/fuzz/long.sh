#!/bin/sh
# tests/fuzz/long.sh - the fuzz targets beyond CI's one-minute gate:
#
#   tests/fuzz/long.sh fuzz [TARGET...]   (make fuzz-long)
#       builds the libFuzzer targets as .ci/gates does (clang, ASan, UBSan)
#       and runs each for FUZZ_TIME seconds (default 3600: an hour each;
#       the stateful targets frame and pcap first, then tcp_opt and config).
#       New inputs land in DIR/fuzz/fuzz-work/TARGET; keep those that reach
#       new code with `fuzz_X -merge=1 tests/fuzz/corpus/X NEWDIR` (as found-*).
#   tests/fuzz/long.sh coverage            (make fuzz-coverage)
#       builds the targets with gcov instrumentation (no libFuzzer) and runs
#       the committed corpus through them once: the lines and functions of
#       core/ the corpus reaches, per floor, and in all.
#
# Builds go to FUZZ_DIR (default build/fuzz-long under the source tree), each
# a VPATH build of a `make distdir` copy, so the tree's own build is left
# alone.  Exit 1 on a crash, a sanitizer report or a failed build.
set -u
cd "$(dirname "$0")/../.."
top=$(pwd)
mode=${1:-}
[ $# -gt 0 ] && shift
D=${FUZZ_DIR:-$top/build/fuzz-long}
jobs=${JOBS:-2}
case $mode in fuzz | coverage) ;; *) echo "usage: $0 fuzz [TARGET...] | coverage" >&2; exit 2 ;; esac

prepare() { # a clean source copy in $D/src
	[ -f Makefile ] || { [ -x configure ] || ./bootstrap; ./configure -q; } || return 1
	rm -rf "$D/src"
	mkdir -p "$D"
	make distdir distdir="$D/src" >"$D/distdir.log" 2>&1 ||
		{ tail -n 20 "$D/distdir.log"; return 1; }
}
configure_in() { # configure_in NAME ARGS...
	name=$1
	shift
	rm -rf "${D:?}/$name"
	mkdir -p "$D/$name"
	(cd "$D/$name" && "$D/src/configure" -q "$@") >"$D/$name.configure.log" 2>&1 ||
		{ tail -n 30 "$D/$name.configure.log"; return 1; }
}
build() { # build NAME: the four targets
	make -C "$D/$1" -j"$jobs" tests/fuzz/fuzz_frame tests/fuzz/fuzz_tcp_opt \
		tests/fuzz/fuzz_config tests/fuzz/fuzz_pcap >"$D/$1.build.log" 2>&1 ||
		{ tail -n 30 "$D/$1.build.log"; return 1; }
}

prepare || exit 1
if [ "$mode" = fuzz ]; then
	san='-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all'
	configure_in fuzz CC=clang CFLAGS="-g -O1 $san" LDFLAGS="-fsanitize=address,undefined" \
		--enable-fuzz --disable-shared --disable-valgrind --with-dpdk=no || exit 1
	build fuzz || exit 1
	FUZZ_TIME=${FUZZ_TIME:-3600} exec "$top/tests/fuzz/fuzz.sh" "$D/fuzz" ${*:-frame pcap tcp_opt config}
fi

# coverage: gcov counters from one pass over the committed corpus
configure_in cov CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage" --disable-shared \
	--disable-valgrind --with-dpdk=no || exit 1
build cov || exit 1
find "$D/cov" -name '*.gcda' -delete
status=0
for t in frame tcp_opt config pcap; do
	n=$(ls "$top/tests/fuzz/corpus/$t" | wc -l)
	"$D/cov/tests/fuzz/fuzz_$t" "$top/tests/fuzz/corpus/$t" >"$D/cov-$t.log" 2>&1 ||
		{ tail -n 20 "$D/cov-$t.log"; status=1; }
	echo "corpus $t: $n inputs"
done
lcov -q --capture --directory "$D/cov" --output-file "$D/cov.info" >"$D/lcov.log" 2>&1 ||
	{ tail -n 20 "$D/lcov.log"; exit 1; }
line() { # line PATTERN LABEL: lines and functions of the files matching
	lcov -q --extract "$D/cov.info" "$1" -o "$D/part.info" >/dev/null 2>&1 || return 0
	lcov --summary "$D/part.info" 2>&1 | awk -v l="$2" '
		/lines\.*:/ { sub(/^.*: /, ""); lines = $0 }
		/functions\.*:/ { sub(/^.*: /, ""); fn = $0 }
		END { printf "%-12s %-30s %s\n", l, lines, fn }'
}
echo "core/ reached by the fuzz corpus (tests/fuzz/corpus, one pass):"
for f in base wire io net tcp stack api; do
	line "*/core/$f/*" "core/$f"
done
line '*/core/*' "core/ (all)"
exit $status
