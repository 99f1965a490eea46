#!/bin/sh
# tests/packetdrill/prepare.sh - builds packetdrill and the stubs its scripts
# need, once, into BUILD (tests/packetdrill/build of the build tree).
#
#   prepare.sh BUILD PACKETDRILL_SRC
#
# PACKETDRILL_SRC is google/packetdrill's top directory (read-only; it is
# copied to BUILD/src and built there: ./configure && make packetdrill).
# BUILD/tree/common holds what the scripts' init commands call:
# defaults.sh and set_sysctls.py that do nothing (the set_sysctls.py stub
# writes the restore script the scripts run at their end, also doing
# nothing), and BUILD/stubs holds sysctl, tc, ip, ethtool and nstat that do
# nothing, put first on PATH by run.sh.  utcp has none of these knobs; the
# commands must not reach the host.  Exit 0 when ready; 77 (skip) when a
# build tool is missing; 1 when the build fails.
set -eu
BUILD=$1
SRC=$2
mkdir -p "$BUILD"
exec 9>"$BUILD/.lock"
flock 9

if [ ! -x "$BUILD/src/packetdrill/packetdrill" ]; then
	for t in bison flex cc make; do
		command -v $t >/dev/null 2>&1 || {
			echo "packetdrill needs $t to build (apt-get install bison flex)" >&2
			exit 77
		}
	done
	rm -rf "$BUILD/src"
	mkdir -p "$BUILD/src"
	cp -R "$SRC/gtests/net/packetdrill" "$BUILD/src/"
	chmod -R u+w "$BUILD/src"
	# Not the make that runs us: no jobserver, no overrides.
	(cd "$BUILD/src/packetdrill" && unset MAKEFLAGS MFLAGS MAKELEVEL &&
		./configure >/dev/null && make -j2 packetdrill >build.log 2>&1) || {
		echo "building packetdrill failed; see $BUILD/src/packetdrill/build.log" >&2
		tail -20 "$BUILD/src/packetdrill/build.log" >&2 || true
		exit 1
	}
fi

mkdir -p "$BUILD/stubs" "$BUILD/tree/common"
# Each stub is written beside its place and renamed over it: scripts running
# in parallel may be executing the previous copy (rewriting it in place
# would make their exec fail with "text file busy", status 126).
put_stub() { # PATH: the text on stdin
	cat >"$1.tmp.$$" && chmod +x "$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}
for t in sysctl tc ip ethtool nstat; do
	printf '#!/bin/sh\n# utcp has no such knob: do nothing.\nexit 0\n' | put_stub "$BUILD/stubs/$t"
done
printf '#!/bin/sh\n# Linux defaults: utcp has none of these knobs.\nexit 0\n' |
	put_stub "$BUILD/tree/common/defaults.sh"
put_stub "$BUILD/tree/common/set_sysctls.py" <<'STUB'
#!/bin/sh
# utcp has no sysctls; the scripts run /tmp/sysctl_restore_$PPID.sh at
# their end, so write one that does nothing (run.sh removes it).
f=/tmp/sysctl_restore_${PACKETDRILL_PID:-$PPID}.sh
printf '#!/bin/sh\nexit 0\n' >"$f.tmp" && chmod +x "$f.tmp" && mv -f "$f.tmp" "$f"
STUB
# Some scripts call ../../common/defaults.sh.
ln -sfn tree/common "$BUILD/common"
