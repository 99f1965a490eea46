#!/bin/sh
# tests/packetdrill/run.sh - run packetdrill scripts against utcp.
#
#   tests/packetdrill/run.sh [-v] [--log DIR] [--so-flags 'K=V ...'] [--OPT=V ...] FILE.pkt...
#
# Each script runs in its own packetdrill process (run from the build tree,
# or set top_builddir) with utcp's adapter loaded (--so_filename), on a
# prepared copy: `%{ }%` code blocks are removed (they read Linux's
# TCP_INFO through the kernel, which utcp is not; the packets are still
# checked), writes to /sys and /proc become writes to /dev/null, and the
# init commands meet stubs (prepare.sh).  The sysctls a script sets that
# utcp has as utcp.conf keys (SYSCTL_KEYS: tcp_timestamps, tcp_sack, ...,
# set with sysctl or set_sysctls.py anywhere in the script) go to the adapter
# as those keys, and so do the words of a "// utcp.conf: KEY=V ..." line,
# before --so-flags.  It runs in a network namespace of
# its own (unshare -n) when it can.  --OPT=V words go to packetdrill
# (e.g. --tolerance_usecs=10000); --so-flags to the adapter (adapter.c).
# Prints "PASS FILE" or "FAIL FILE: the first error" per script, packetdrill's
# whole output with -v or in DIR/NAME.log with --log; exit 0 when all passed.
# Needs root (packetdrill locks its memory) and PACKETDRILL_SRC, by default
# ../shared/third_party/packetdrill beside the source tree; 77 without them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
if [ -z "${top_builddir:-}" ]; then
	if [ -f ./libutcp.la ]; then top_builddir=.; else top_builddir=$top_srcdir; fi
fi
top_builddir=$(cd "$top_builddir" && pwd)
PACKETDRILL_SRC=${PACKETDRILL_SRC:-$top_srcdir/../shared/third_party/packetdrill}
BUILD=$top_builddir/tests/packetdrill/build
SO=$top_builddir/tests/packetdrill/.libs/utcp_packetdrill.so
IP_LOCAL=192.168.0.1
IP_REMOTE=192.0.2.1

verbose=0 logdir= soflags= pdopts=
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1 ;;
	--log) logdir=$2; shift ;;
	--so-flags) soflags=$2; shift ;;
	--*=*) pdopts="$pdopts $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || { sed -n '2,19s/^# \{0,1\}//p' "$0" >&2; exit 2; }
# --ip_version=ipv6: the same scripts over IPv6 with the addresses and the
# MTU of packetdrill's run_all.py (1520, so that an MSS of 1460 stays the
# scripts' MSS: RFC 8200's 40-byte header).  --ip_version=ipv4-mapped-ipv6:
# AF_INET6 sockets, IPv4 on the wire.
variant=
case " $pdopts " in
*" --ip_version=ipv4-mapped-ipv6 "*) variant=-mapped ;;
*" --ip_version=ipv6 "*)
	variant=-ipv6
	IP_LOCAL=fd3d:a0b:17d6::1 IP_REMOTE=fd3d:fa7b:d17d::1
	pdopts="$pdopts --mtu=1520 --gateway_ip=fd3d:a0b:17d6:8888::1"
	soflags="mtu=1520 $soflags" ;;
esac

if [ ! -d "$PACKETDRILL_SRC/gtests/net/packetdrill" ]; then
	echo "SKIP: no packetdrill tree at $PACKETDRILL_SRC (set PACKETDRILL_SRC)" >&2
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: packetdrill must run as root (it locks its memory)" >&2
	exit 77
fi
if [ ! -f "$SO" ]; then
	make -C "$top_builddir" tests/packetdrill/utcp_packetdrill.la >/dev/null || exit 1
fi
"$top_srcdir/tests/packetdrill/prepare.sh" "$BUILD" "$PACKETDRILL_SRC" || exit $?
NETNS="unshare -n"
$NETNS true 2>/dev/null || NETNS=

# A copy of FILE under BUILD/tree/DIR/ (so ../common/ finds the stubs),
# named for this run (runs of the IPv4 and IPv6 suites side by side).
prepare_copy() {
	d=$BUILD/tree/$(basename "$(dirname "$1")")
	mkdir -p "$d"
	c=$d/$(basename "$1" .pkt)$variant.pkt
	perl -0pe 's{^([ \t]*[-+*0-9.~]*[ \t]*%\{.*?\}%[^\n]*)}{"\n" x ($1 =~ tr/\n//)}gmse;
		s{>\s*/(?:sys|proc)/\S+}{>/dev/null}g' "$1" >"$c"
	echo "$c"
}

# The utcp.conf keys of the Linux sysctls FILE sets (net.ipv4.KEY=V,
# net/ipv4/KEY=V or /proc/sys/net/ipv4/KEY=V), as KEY=V words; the fq qdisc
# (tc qdisc ... fq), which paces Linux's TCP, is tcp_pacing=1.
SYSCTL_KEYS='tcp_timestamps|tcp_sack|tcp_window_scaling|tcp_syn_retries|tcp_retries2|tcp_min_tso_segs|tcp_ecn|tcp_pacing_ss_ratio|tcp_pacing_ca_ratio'
sysctl_flags() {
	grep -oE "(net\.ipv4\.|net/ipv4/|/proc/sys/net/ipv4/)($SYSCTL_KEYS)=[0-9]+" "$1" |
		sed -E 's#^(net\.ipv4\.|net/ipv4/|/proc/sys/net/ipv4/)##' | tr '\n' ' '
	# tcp_wmem="MIN DEFAULT MAX": the default is the first limit.
	grep -oE '(net\.ipv4\.|net/ipv4/|/proc/sys/net/ipv4/)tcp_wmem="[0-9]+ [0-9]+ [0-9]+"' "$1" |
		sed -E 's#.*"[0-9]+ ([0-9]+) [0-9]+"#tcp_wmem=\1#' | tr '\n' ' '
	grep -qE '^[^/]*tc qdisc .* fq( |$)' "$1" && printf 'tcp_pacing=1 '
	sed -n 's#^// utcp\.conf: *##p' "$1" | tr '\n' ' '
}

status=0
for f in "$@"; do
	[ -f "$f" ] || { echo "FAIL $f: no such file"; status=1; continue; }
	copy=$(prepare_copy "$f")
	keys=$(sysctl_flags "$f")
	out=$copy.out
	(cd "$(dirname "$copy")" &&
		PATH=$BUILD/stubs:$PATH LD_LIBRARY_PATH=$top_builddir/.libs \
		exec timeout 120 $NETNS "$BUILD/src/packetdrill/packetdrill" \
			--so_filename="$SO" \
			--so_flags="local_ip=$IP_LOCAL remote_ip=$IP_REMOTE $keys$soflags" \
			--local_ip=$IP_LOCAL --remote_ip=$IP_REMOTE $pdopts \
			"$(basename "$copy")") >"$out" 2>&1 &
	pid=$!
	wait $pid
	rc=$?
	rm -f "/tmp/sysctl_restore_$pid.sh"
	[ -n "$logdir" ] && { mkdir -p "$logdir"; cp "$out" "$logdir/$(basename "$f" .pkt).log"; }
	[ $verbose = 1 ] && cat "$out"
	if [ $rc = 0 ]; then
		echo "PASS $f"
	else
		why=$(grep -m1 -E 'error|assert|Fatal|utcp-packetdrill' "$out" || tail -n1 "$out")
		[ $rc = 124 ] && why="timed out after 120 s real time"
		echo "FAIL $f: $why"
		status=1
	fi
	rm -f "$out"
done
exit $status
