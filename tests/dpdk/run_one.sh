# tests/dpdk/run_one.sh - sourced by the DPDK test scripts: run a command
# bounded in time, never two DPDK tests at once (a poll loop takes a whole
# core, and `make -j check` would otherwise start them side by side).
#   dpdk_run SECONDS command...
dpdk_run() {
	secs=$1
	shift
	lock="${top_builddir:-.}/tests/dpdk/.dpdk-test.lock"
	mkdir -p "$(dirname "$lock")"
	if command -v flock >/dev/null 2>&1; then
		flock "$lock" timeout -k 5 "$secs" "$@"
	else
		timeout -k 5 "$secs" "$@"
	fi
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "FAIL: timed out after $secs s: $*"
		return 1
	fi
	return $rc
}

# Hold the DPDK test lock for the rest of this shell (for scripts that run
# several processes): dpdk_lock; ... (released when the shell exits).
dpdk_lock() {
	lock="${top_builddir:-.}/tests/dpdk/.dpdk-test.lock"
	mkdir -p "$(dirname "$lock")"
	exec 9> "$lock"
	command -v flock > /dev/null 2>&1 && flock 9
}
