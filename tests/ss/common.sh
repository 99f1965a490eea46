# tests/ss/common.sh - sourced by the utcp-ss tests after they set `me`
# (their name, for messages), through tests/netns.sh: skips (77) without root, /dev/net/tun,
# unshare, curl, timeout or ip; runs the test again inside a network
# namespace of its own, bounded to 120 s; then sets srv/ss (the tools), tmp
# (a directory removed at exit, with www/big of 20 MB and www/small.txt to
# serve) and check WHAT COND..., which prints ok/FAIL and sets status.  The
# test records the PIDs it starts in srv_pid and curl_pids; they are ended
# at exit.
top_builddir=$(cd "${top_builddir:-.}" && pwd)
srv="$top_builddir/tools/epserver"
ss="$top_builddir/tools/utcp-ss"
. "${top_srcdir:-.}/tests/netns.sh"
netns_enter 120 "${1:-}" curl ip
netns_tmp
srv_pid= curl_pids=
netns_on_exit() {
	for p in $curl_pids; do kill "$p" 2> /dev/null; done
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null
}
ip link set lo up
mkdir "$tmp/www"
head -c 20000000 /dev/zero > "$tmp/www/big"
echo hello > "$tmp/www/small.txt"

