#!/bin/sh
# tests/preload/bench_nginx.sh - by hand (root): the same nginx (Debian's,
# unmodified, 1 worker) and the same `ab -n N -c 100` for a 13-byte page,
# in one run, in network namespaces of its own:
#   utcp:   nginx through utcp-run on a TAP device; ab in the namespace;
#   kernel: nginx on the kernel in a second namespace joined by a veth
#           pair; ab in the first.
# Prints requests/s (ab's) and requests per CPU-second, where the CPU is
# nginx's (master and worker, user + system, from /proc) plus ab's (GNU
# time): both ends.  Softirq work the kernel does outside these processes
# is not counted on either side.
#   sh tests/preload/bench_nginx.sh [N]     (default 50000)
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/preload/common.sh"
pl_need bench_nginx.sh nginx ab curl nsenter /usr/bin/time
n=${1:-50000}
if [ "${2:-}" != inside ]; then
	exec timeout 600 unshare --net sh "$0" "$n" inside
fi
tmp=$(mktemp -d)
ng_pid= ns_pid=
cleanup() {
	[ -n "$ng_pid" ] && kill -9 "$ng_pid" 2> /dev/null
	[ -n "$ns_pid" ] && kill -9 "$ns_pid" 2> /dev/null
	ip link del uplbv0 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # the EXIT trap runs on these too
ip link set lo up
mkdir "$tmp/www"
echo "hello, world" > "$tmp/www/index.html"
ngconf() { # ngconf ADDR
	cat <<CONF
daemon off;
worker_processes 1;
user root root;
pid $tmp/nginx-$1.pid;
error_log $tmp/error.log error;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $tmp/t1;
	proxy_temp_path $tmp/t2;
	fastcgi_temp_path $tmp/t3;
	uwsgi_temp_path $tmp/t4;
	scgi_temp_path $tmp/t5;
	server { listen $1:8080; root $tmp/www; }
}
CONF
}
cpu_tree() { # cpu_tree PID: ticks of PID and its children
	t=$(cpu_ticks "$1")
	for c in $(pgrep -P "$1"); do t=$((t + $(cpu_ticks "$c"))); done
	echo $t
}
measure() { # measure NAME ADDR SERVER-PID
	wait_http "http://$2:8080/index.html"
	ab -q -n 2000 -c 100 "http://$2:8080/index.html" > /dev/null 2>&1 # warm up
	s0=$(cpu_tree "$3")
	/usr/bin/time -f "%U %S" -o "$tmp/abtime" ab -n "$n" -c 100 "http://$2:8080/index.html" \
		> "$tmp/ab.out" 2>&1
	s1=$(cpu_tree "$3")
	rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$tmp/ab.out")
	failed=$(sed -n 's/^Failed requests: *//p' "$tmp/ab.out")
	hz=$(getconf CLK_TCK)
	awk -v name="$1" -v rps="$rps" -v n="$n" -v st=$((s1 - s0)) -v hz="$hz" -v f="$failed" \
		'{ cpu = st / hz + $1 + $2;
		   printf "| %-22s | %9.0f | %6.2f | %5.2f | %8.0f | %s |\n", name, rps, st / hz, $1 + $2, n / cpu, f }' \
		"$tmp/abtime"
}
echo "| nginx, ab -n $n -c 100 | requests/s | server CPU s | ab CPU s | requests per CPU-second | failed |"
echo "|---|---|---|---|---|---|"
# ---- utcp on TAP ----
printf 'io = tap\nport = tap0\ntap_name = uplbt0\ntap0.ip = 10.9.13.1/24\ntap0.peer_ip = 10.9.13.2\nnum_cores = 1\ntcp_timewait = 0\n' > "$tmp/utcp.conf"
ngconf 10.9.13.1 > "$tmp/u.conf"
"$PL_RUN" -f "$tmp/utcp.conf" -- nginx -c "$tmp/u.conf" -p "$tmp" > "$tmp/u.out" 2>&1 &
ng_pid=$!
measure "utcp (TAP)" 10.9.13.1 "$ng_pid"
kill -QUIT "$ng_pid"
wait "$ng_pid"
ng_pid=
# ---- the kernel over veth ----
unshare --net sh -c 'ip link set lo up; exec sleep 600' &
ns_pid=$!
sleep 0.3
ip link add uplbv0 type veth peer name uplbv1
ip link set uplbv1 netns "$ns_pid"
ip addr add 10.9.14.2/24 dev uplbv0
ip link set uplbv0 up
nsenter -t "$ns_pid" -n ip addr add 10.9.14.1/24 dev uplbv1
nsenter -t "$ns_pid" -n ip link set uplbv1 up
ngconf 10.9.14.1 > "$tmp/k.conf"
nsenter -t "$ns_pid" -n nginx -c "$tmp/k.conf" -p "$tmp" > "$tmp/k.out" 2>&1 &
ng_pid=$!
measure "Linux kernel (veth)" 10.9.14.1 "$ng_pid"
kill -QUIT "$ng_pid"
wait "$ng_pid"
ng_pid=
