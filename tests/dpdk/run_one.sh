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

# Two utcp.conf files for a pair of processes joined by net_memif (the EAL
# runs without hugepages, PCI or telemetry; 2 cores, one queue each):
#   memif_confs DIR SOCK SRV_PREFIX CLI_PREFIX NET
# writes DIR/srv.conf (role=server, NET.1/24) and DIR/cli.conf (role=client,
# NET.2/24); memif_wait SOCK waits (10 s at most) until the server listens,
# as the memif client fails to start before that; memif_clean SRV_PREFIX
# CLI_PREFIX removes the EAL's run directories.
memif_confs() {
	eal="--lcores=0@(0-1) --no-huge -m 256 --no-pci --no-shconf --no-telemetry --log-level=*:error"
	for side in srv:server:"$3":1 cli:client:"$4":2; do
		IFS=: read -r f role prefix host <<SIDE
$side
SIDE
		cat > "$1/$f.conf" <<CONF
io = dpdk
dpdk_args = $eal --file-prefix=$prefix --vdev=net_memif0,role=$role,socket=/run/$2.sock
port = net_memif0
net_memif0.ip = $5.$host/24
num_cores = 2
tcp_timewait = 0
CONF
	done
}
memif_wait() {
	i=0
	until grep -q "@/run/$1.sock" /proc/net/unix 2> /dev/null || [ $i -ge 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
memif_clean() {
	for p in "$@"; do
		rmdir "/var/run/dpdk/$p" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$p" 2> /dev/null
	done
}
