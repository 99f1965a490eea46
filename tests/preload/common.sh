# tests/preload/common.sh - sourced by the tests of libutcp-preload: the
# library and utcp-run of this build, the checks every test makes first
# (root, /dev/net/tun, the programs it needs: else exit 77), a network
# namespace of its own (the test re-executes itself inside one, under a
# time limit), check() and wait_http().
#   pl_setup NAME SECONDS PROGRAM...   (call with "$@" of the script after)
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_srcdir top_builddir
PL_LIB="$top_builddir/.libs/libutcp-preload.so"
PL_RUN="$top_builddir/preload/utcp-run"
UTCP_PRELOAD_LIB=$PL_LIB
export UTCP_PRELOAD_LIB
status=0

pl_need() { # pl_need NAME PROGRAM...: 77 unless root, tun and every program
	name=$1
	shift
	if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
		echo "$name: needs root and /dev/net/tun" >&2
		exit 77
	fi
	if [ ! -f "$PL_LIB" ] || [ ! -x "$PL_RUN" ]; then
		echo "$name: libutcp-preload.so was not built (a build without shared libraries)" >&2
		exit 77
	fi
	for t in unshare timeout ip "$@"; do
		if ! command -v "$t" > /dev/null; then
			echo "$name: needs $t" >&2
			exit 77
		fi
	done
}

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

wait_http() { # wait_http URL: until it answers, at most 10 s
	i=0
	until curl -s -o /dev/null -m 1 "$1" || [ $i -ge 40 ]; do
		sleep 0.25
		i=$((i + 1))
	done
}

cpu_ticks() { # cpu_ticks PID: user + system clock ticks so far
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2> /dev/null || echo 0
}
