# tests/netns.sh - sourced by the tests that run utcp against the Linux
# kernel over TAP in a network namespace of their own, after they set `me`
# (their name, for messages).
#
#   netns_enter SECONDS "${1:-}" TOOL...
#       skips (exit 77) without root, /dev/net/tun, unshare, timeout or a
#       TOOL; outside (the second argument is not "inside") runs the test
#       script again inside a new network namespace, bounded to SECONDS
#       (NETNS_SH_OPTS=-x traces it), and exits with its status.  With
#       netns_dpdk=1 set first, the run holds the DPDK test lock
#       (tests/dpdk/run_one.sh's dpdk_run: one DPDK test at a time).
#   netns_tmp [KEEP]
#       tmp (a directory removed at exit), pids (PIDs the test starts, ended
#       at exit), status=0; netns_on_exit, if the test defines it, runs at
#       exit before the children are waited for and tmp goes (PIDs kept in
#       other variables, devices to delete); with KEEP, a failed run
#       (status not 0) leaves tmp's captures and logs (*.pcap *.out *.err)
#       in KEEP.
#   check WHAT COND...
#       runs COND: prints "ok: WHAT", or "FAIL: WHAT" and sets status=1.
#   same FILE1 FILE2
#       true when FILE1 exists and both have the same SHA-256.
netns_enter() {
	_secs=$1 _arg=$2
	shift 2
	if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
		echo "$me: needs root and /dev/net/tun" >&2
		exit 77
	fi
	for _t in unshare timeout "$@"; do
		command -v "$_t" > /dev/null || { echo "$me: needs $_t" >&2; exit 77; }
	done
	[ "$_arg" = inside ] && return 0
	unshare --net true 2> /dev/null || { echo "$me: no network namespace" >&2; exit 77; }
	if [ -n "${netns_dpdk:-}" ]; then
		. "$top_srcdir/tests/dpdk/run_one.sh"
		# shellcheck disable=SC2086 # NETNS_SH_OPTS: options or nothing
		dpdk_run "$_secs" unshare --net sh ${NETNS_SH_OPTS:-} "$0" inside
		exit $?
	fi
	# shellcheck disable=SC2086 # NETNS_SH_OPTS: options or nothing
	exec timeout "$_secs" unshare --net sh ${NETNS_SH_OPTS:-} "$0" inside
}

netns_tmp() {
	tmp=$(mktemp -d)
	pids=
	status=0
	_keep=${1:-}
	trap netns_cleanup EXIT
	trap 'exit 1' INT TERM
}

netns_cleanup() {
	for _p in $pids; do kill "$_p" 2> /dev/null; done
	command -v netns_on_exit > /dev/null && netns_on_exit
	wait 2> /dev/null
	if [ $status -ne 0 ] && [ -n "$_keep" ]; then
		rm -rf "$_keep"
		mkdir -p "$_keep" && cp "$tmp"/*.pcap "$tmp"/*.out "$tmp"/*.err "$_keep"/ 2> /dev/null
		echo "$me: captures and logs kept in $_keep" >&2
	fi
	rm -rf "$tmp"
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

same() { # same FILE1 FILE2: SHA-256 equal
	[ -f "$1" ] && [ "$(sha256sum < "$1")" = "$(sha256sum < "$2")" ]
}
