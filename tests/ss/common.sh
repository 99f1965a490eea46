# tests/ss/common.sh - sourced by the utcp-ss tests after they set `me`
# (their name, for messages): skips (77) without root, /dev/net/tun,
# unshare, curl, timeout or ip; runs the test again inside a network
# namespace of its own, bounded to 120 s; then sets srv/ss (the tools), tmp
# (a directory removed at exit, with www/big of 20 MB and www/small.txt to
# serve) and check WHAT COND..., which prints ok/FAIL and sets status.  The
# test records the PIDs it starts in srv_pid and curl_pids; they are ended
# at exit.
top_builddir=$(cd "${top_builddir:-.}" && pwd)
srv="$top_builddir/tools/epserver"
ss="$top_builddir/tools/utcp-ss"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "$me: needs root and /dev/net/tun" >&2
	exit 77
fi
for t in unshare curl timeout ip; do
	if ! command -v $t > /dev/null; then
		echo "$me: needs $t" >&2
		exit 77
	fi
done
if [ "${1:-}" != inside ]; then
	if ! unshare --net true 2> /dev/null; then
		echo "$me: cannot create a network namespace" >&2
		exit 77
	fi
	exec timeout 120 unshare --net sh "$0" inside
fi

tmp=$(mktemp -d)
srv_pid= curl_pids=
cleanup() {
	for p in $curl_pids; do kill "$p" 2> /dev/null; done
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null
	wait 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip link set lo up
mkdir "$tmp/www"
head -c 20000000 /dev/zero > "$tmp/www/big"
echo hello > "$tmp/www/small.txt"

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
