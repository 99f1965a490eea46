#!/bin/sh
# tests/packetdrill/suite.sh - make check: packetdrill's Linux TCP scripts
# against utcp, each result compared with expected.txt.
#
#   suite.sh            run, compare, print the summary; exit 1 on any
#                       unexpected pass or failure
#   suite.sh --update   run, then rewrite expected.txt (in the source tree)
#                       from the results, keeping the reasons written for
#                       scripts that still fail (make packetdrill-update)
#   suite.sh --ip-version ipv6|ipv4-mapped-ipv6
#                       the same scripts with packetdrill's --ip_version
#                       (IPv6 on the wire; or AF_INET6 sockets over IPv4),
#                       as packetdrill's own run_all.py runs them: each is
#                       expected to do what expected.txt says, unless
#                       expected-VERSION.txt (same format, optional) says
#                       otherwise for it (suite_ipv6.sh, suite_mapped.sh)
#
# The scripts: every .pkt under gtests/net/tcp of PACKETDRILL_SRC except the
# directories of Linux-only features (LINUX_ONLY below).  expected.txt has
# one line per script: "DIR/NAME.pkt PASS" or "DIR/NAME.pkt FAIL reason".
# Scripts run two at a time (PD_JOBS), with packetdrill's default timing
# tolerance.  Results and logs: tests/packetdrill/suite.out/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-.}
top_builddir=$(cd "$top_builddir" && pwd)
export top_builddir
PACKETDRILL_SRC=${PACKETDRILL_SRC:-$top_srcdir/../shared/third_party/packetdrill}
export PACKETDRILL_SRC
EXPECTED=$here/expected.txt
OUT=$top_builddir/tests/packetdrill/suite.out
LINUX_ONLY='fastopen|zerocopy|timestamping|inq|notsent_lowat|eor|md5|mtu_probe|gro|sendfile|splice|tcp_info'
update=0 ipv=ipv4
while [ $# -gt 0 ]; do
	case $1 in
	--update) update=1 ;;
	--ip-version) ipv=$2; shift ;;
	*) echo "suite.sh: unknown argument $1" >&2; exit 99 ;;
	esac
	shift
done
case $ipv in
ipv4) ;;
ipv6 | ipv4-mapped-ipv6)
	[ $update = 1 ] && { echo "suite.sh: --update rewrites expected.txt, from an ipv4 run only" >&2; exit 99; }
	OUT=$OUT-$ipv ;;
*) echo "suite.sh: --ip-version ipv4, ipv6 or ipv4-mapped-ipv6" >&2; exit 99 ;;
esac

TCP=$PACKETDRILL_SRC/gtests/net/tcp
if [ ! -d "$TCP" ] || ! TCP=$(cd "$TCP" && pwd); then
	echo "SKIP: no packetdrill tree at $PACKETDRILL_SRC (google/packetdrill; set PACKETDRILL_SRC)"
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: packetdrill must run as root (it locks its memory)"
	exit 77
fi
SO=$top_builddir/tests/packetdrill/.libs/utcp_packetdrill.so
if [ ! -f "$SO" ]; then
	echo "SKIP: no adapter (a build without shared libraries, --disable-shared)"
	exit 77
fi
if nm -D "$SO" 2>/dev/null | grep -q __asan_init; then
	echo "SKIP: an AddressSanitizer adapter cannot be loaded by packetdrill (RTLD_DEEPBIND)"
	exit 77
fi
"$here/prepare.sh" "$top_builddir/tests/packetdrill/build" "$PACKETDRILL_SRC" || exit $?

rm -rf "$OUT"
mkdir -p "$OUT"
(cd "$TCP" && find . -name '*.pkt' | sed 's|^\./||' | grep -vE "^($LINUX_ONLY)/" | sort) \
	>"$OUT/scripts"
start=$(date +%s.%N)
# What each script is expected to do in this variant.
if [ "$ipv" = ipv4 ]; then
	want=$EXPECTED
else
	want=$OUT/expected
	over=$here/expected-$ipv.txt
	[ -f "$over" ] || over=/dev/null
	awk 'FILENAME == ARGV[1] { if ($0 !~ /^#/ && NF >= 2) o[$1] = $0; next }
	     /^#/ || NF < 2 { next } { print ($1 in o) ? o[$1] : $0 }' "$over" "$EXPECTED" >"$want"
fi
sed "s|^|$TCP/|" "$OUT/scripts" |
	xargs -P "${PD_JOBS:-2}" -n 1 "$here/run.sh" --ip_version="$ipv" --log "$OUT/logs" \
		>"$OUT/results" 2>"$OUT/stderr"
end=$(date +%s.%N)
# "DIR/NAME.pkt PASS" or "DIR/NAME.pkt FAIL first error", in script order.
awk -v p="$TCP/" '{ v = $1; f = $2; sub(/:$/, "", f); f = substr(f, length(p) + 1)
	r = $0; sub(/^[A-Z]+ [^ ]+ ?/, "", r); print f, v, r }' "$OUT/results" | sort >"$OUT/got"

if [ $update = 1 ]; then
	awk 'FNR == NR { if ($2 == "FAIL") { r = $0; sub(/^[^ ]+ FAIL +/, "", r); why[$1] = r } next }
	     /^#/ { next }
	     $2 == "PASS" { print $1, "PASS"; next }
	     { if ($1 in why) print $1, "FAIL", why[$1];
	       else { r = $0; sub(/^[^ ]+ FAIL +/, "", r); print $1, "FAIL", "(no reason written yet) " r } }' \
		"$EXPECTED" "$OUT/got" >"$OUT/expected.new"
	{ grep '^#' "$EXPECTED"; cat "$OUT/expected.new"; } >"$EXPECTED.tmp" && mv "$EXPECTED.tmp" "$EXPECTED"
	echo "rewrote $EXPECTED"
fi

awk -v out="$OUT" 'FNR == NR { if ($0 !~ /^#/ && NF >= 2) want[$1] = $2; next }
	{ n++; if ($2 == "PASS") pass++
	  if (!($1 in want)) { printf "UNEXPECTED %s %s (not in expected.txt)\n", $2, $0; bad++ }
	  else if (want[$1] != $2) { printf "UNEXPECTED %s\n", $0; bad++ }
	  seen[$1] = 1 }
	END { for (s in want) if (!(s in seen)) { printf "MISSING %s (in expected.txt, not run)\n", s; bad++ }
	      printf "packetdrill (%s): %d scripts, %d passed, %d failed; %d as expected, %d unexpected\n",
		ipv, n, pass, n - pass, n - bad, bad
	      exit bad > 0 }' ipv="$ipv" "$want" "$OUT/got"
rc=$?
awk -v s="$start" -v e="$end" 'BEGIN { printf "packetdrill: wall time %.1f s\n", e - s }'
exit $rc
