#!/bin/sh
# tests/packetdrill/own.sh - make check: the project's own packetdrill
# scripts (tests/packetdrill/own/*.pkt), one per socket option or utcp.conf
# key that changes what goes on the wire, each at a setting other than its
# default.  Every one must pass.  They run through run.sh like Google's
# scripts: a "sysctl -q net.ipv4.KEY=V" line sets the utcp.conf key of that
# name, a "// utcp.conf: KEY=V" line any other key.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-.}
top_builddir=$(cd "$top_builddir" && pwd)
export top_builddir
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: packetdrill must run as root (it locks its memory)"
	exit 77
fi
if [ ! -f "$top_builddir/tests/packetdrill/.libs/utcp_packetdrill.so" ]; then
	echo "SKIP: no adapter (a build without shared libraries, --disable-shared)"
	exit 77
fi
if nm -D "$top_builddir/tests/packetdrill/.libs/utcp_packetdrill.so" 2>/dev/null |
	grep -q __asan_init; then
	echo "SKIP: an AddressSanitizer adapter cannot be loaded by packetdrill (RTLD_DEEPBIND)"
	exit 77
fi
exec "$here/run.sh" "$here"/own/*.pkt
