#!/bin/sh
# tests/preload/nginx.sh - Debian's nginx (unmodified) serving static files
# over utcp on TAP through libutcp-preload (utcp-run), inside a network
# namespace of its own, against the kernel's clients:
#   worker_processes 1: the worker, idle, sleeps (less than 0.1 s of CPU in
#   1 s: no core spins); curl fetches a 100 MB file (sendfile: a file to a
#   utcp socket), sha256 equal; ab -n 20000 -c 100: 20000 complete, 0
#   failed; SIGQUIT (the master tells the worker, which waits in epoll on
#   utcp sockets and the master's socketpair) ends both, exit 0;
#   worker_processes 2: the master forks two workers that accept on the
#   listener they inherited, each on its own context and TAP queue;
#   ab -n 20000 -c 100, 0 failed, both workers answered.
# The master only records socket/bind/listen: the workers open the NIC (the
# worker runs as root here: opening the TAP device needs CAP_NET_ADMIN).
# Needs root, nginx, ab, curl, sha256sum: else 77.
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/preload/common.sh"
pl_need nginx.sh nginx ab curl sha256sum
if [ "${1:-}" != inside ]; then
	unshare --net true 2> /dev/null || { echo "nginx.sh: no network namespace" >&2; exit 77; }
	exec timeout 300 unshare --net sh "$0" inside
fi

tmp=$(mktemp -d)
ng_pid=
cleanup() {
	[ -n "$ng_pid" ] && kill -9 "$ng_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # the EXIT trap runs on these too
ip link set lo up
cat > "$tmp/utcp.conf" <<CONF
io = tap
port = tap0
tap_name = uplng0
tap0.ip = 10.9.8.1/24
tap0.peer_ip = 10.9.8.2
num_cores = 1
tcp_timewait = 0
CONF
mkdir -p "$tmp/www"
echo "hello from nginx over utcp" > "$tmp/www/index.html"
head -c 100000000 /dev/urandom > "$tmp/www/big.bin"
ngconf() { # ngconf WORKERS
	cat <<CONF
daemon off;
worker_processes $1;
user root root;
pid $tmp/nginx.pid;
error_log $tmp/error.log notice;
events { worker_connections 1024; }
http {
	log_format w '\$pid \$status \$body_bytes_sent';
	access_log $tmp/access.log w;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 10;
	client_body_temp_path $tmp/t1;
	proxy_temp_path $tmp/t2;
	fastcgi_temp_path $tmp/t3;
	uwsgi_temp_path $tmp/t4;
	scgi_temp_path $tmp/t5;
	server { listen 10.9.8.1:8080; root $tmp/www; }
}
CONF
}
start_nginx() { # start_nginx WORKERS
	ngconf "$1" > "$tmp/nginx.conf"
	: > "$tmp/access.log"
	"$PL_RUN" -f "$tmp/utcp.conf" -- nginx -c "$tmp/nginx.conf" -p "$tmp" \
		> "$tmp/nginx.out" 2>&1 &
	ng_pid=$!
	wait_http http://10.9.8.1:8080/index.html
}
stop_nginx() { # SIGQUIT, at most 15 s; exit status in $rc
	kill -QUIT "$ng_pid"
	i=0
	while kill -0 "$ng_pid" 2> /dev/null && [ $i -lt 60 ]; do
		sleep 0.25
		i=$((i + 1))
	done
	kill -9 "$ng_pid" 2> /dev/null
	wait "$ng_pid"
	rc=$?
	ng_pid=
}
run_ab() { # run_ab: ab -n 20000 -c 100, its report in $tmp/ab.out
	timeout 120 ab -n 20000 -c 100 http://10.9.8.1:8080/index.html > "$tmp/ab.out" 2>&1
	grep -E "^(Complete|Failed) requests|^Requests per second" "$tmp/ab.out"
}

# ---- one worker ----
start_nginx 1
got=$(curl -s -m 5 http://10.9.8.1:8080/index.html)
check "curl: index.html over utcp ($got)" [ "$got" = "hello from nginx over utcp" ]
worker=$(pgrep -P "$ng_pid" | head -1)
t0=$(cpu_ticks "$worker")
sleep 1
t1=$(cpu_ticks "$worker")
check "the idle worker sleeps: $((t1 - t0)) ticks of CPU in 1 s (< 10)" [ $((t1 - t0)) -lt 10 ]
want=$(sha256sum < "$tmp/www/big.bin")
got=$(timeout 120 curl -s -m 110 http://10.9.8.1:8080/big.bin | sha256sum)
check "curl: 100 MB file by sendfile, sha256 equal" [ "$got" = "$want" ]
run_ab
check "ab -n 20000 -c 100 (1 worker): 20000 complete, 0 failed" \
	sh -c "grep -Eq '^Complete requests: +20000$' '$tmp/ab.out' && grep -Eq '^Failed requests: +0$' '$tmp/ab.out'"
stop_nginx
check "SIGQUIT: the worker leaves its epoll wait, nginx exits 0 (got $rc)" [ $rc -eq 0 ]
grep -E "\[(alert|crit|emerg)\]" "$tmp/error.log" && status=1

# ---- two workers, each with its own listener, context and TAP queue ----
start_nginx 2
run_ab
check "ab -n 20000 -c 100 (2 workers): 20000 complete, 0 failed" \
	sh -c "grep -Eq '^Complete requests: +20000$' '$tmp/ab.out' && grep -Eq '^Failed requests: +0$' '$tmp/ab.out'"
pids=$(awk '$2 == 200 { print $1 }' "$tmp/access.log" | sort -u | wc -l)
check "both workers answered requests ($pids pids in the access log)" [ "$pids" -eq 2 ]
stop_nginx
check "SIGQUIT with 2 workers: nginx exits 0 (got $rc)" [ $rc -eq 0 ]
grep -E "\[(alert|crit|emerg)\]" "$tmp/error.log" && status=1
cat "$tmp/nginx.out"
exit $status
