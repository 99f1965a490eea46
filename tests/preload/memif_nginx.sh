#!/bin/sh
# tests/preload/memif_nginx.sh - Debian's nginx (unmodified, 1 worker) over
# utcp on the DPDK backend through utcp-run, against curl and ab, also
# unmodified and over utcp on DPDK, the two joined by net_memif: the master
# only records its listener, the worker it forks opens the EAL and the memif
# server side; curl gets the page, ab -n 5000 -c 50 with 0 failed; SIGQUIT
# ends nginx, exit 0.  One DPDK test at a time (run_one.sh); no root needed
# (memif uses an abstract unix socket; the worker stays root only because
# `user` is given); 77 without the programs or the shared library.
. "${top_srcdir:-.}/tests/preload/common.sh"
run=$PL_RUN
if [ ! -f "$UTCP_PRELOAD_LIB" ]; then
	echo "memif_nginx.sh: libutcp-preload.so was not built" >&2
	exit 77
fi
for t in nginx curl ab timeout; do
	command -v $t > /dev/null || { echo "memif_nginx.sh: needs $t" >&2; exit 77; }
done
. "$top_srcdir/tests/dpdk/run_one.sh"
dpdk_lock

tmp=$(mktemp -d)
sock="utcp-plngx-$$"
ng_pid=
cleanup() {
	[ -n "$ng_pid" ] && kill -9 "$ng_pid" 2> /dev/null
	rm -rf "$tmp"
	memif_clean "utcp-plns-$$" "utcp-plnc-$$"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # the EXIT trap runs on these too
memif_confs "$tmp" "$sock" "utcp-plns-$$" "utcp-plnc-$$" 10.79.4
sed -i 's/^num_cores = 2$/num_cores = 1/' "$tmp/srv.conf" "$tmp/cli.conf"
mkdir "$tmp/www"
echo "hello from nginx over utcp on dpdk" > "$tmp/www/index.html"
user=
[ "$(id -u)" -eq 0 ] && user="user root root;"
cat > "$tmp/nginx.conf" <<CONF
daemon off;
worker_processes 1;
$user
pid $tmp/nginx.pid;
error_log $tmp/error.log notice;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $tmp/t1;
	proxy_temp_path $tmp/t2;
	fastcgi_temp_path $tmp/t3;
	uwsgi_temp_path $tmp/t4;
	scgi_temp_path $tmp/t5;
	server { listen 10.79.4.1:8080; root $tmp/www; }
}
CONF
timeout -k 5 150 "$run" -f "$tmp/srv.conf" -- nginx -c "$tmp/nginx.conf" -p "$tmp" \
	> "$tmp/nginx.out" 2>&1 &
ng_pid=$!
memif_wait "$sock"
cli() { timeout -k 5 60 "$run" -f "$tmp/cli.conf" -- "$@"; }
got=$(cli curl -s -m 20 http://10.79.4.1:8080/index.html 2> "$tmp/curl.err")
check "curl over utcp on memif: the page ('$got')" [ "$got" = "hello from nginx over utcp on dpdk" ]
cli ab -n 5000 -c 50 http://10.79.4.1:8080/index.html > "$tmp/ab.out" 2>&1
grep -E "^(Complete|Failed) requests|^Requests per second" "$tmp/ab.out"
check "ab -n 5000 -c 50 over memif: 5000 complete, 0 failed" \
	sh -c "grep -Eq '^Complete requests: +5000$' '$tmp/ab.out' && grep -Eq '^Failed requests: +0$' '$tmp/ab.out'"
kill -QUIT "$ng_pid"
wait "$ng_pid"
rc=$?
ng_pid=
check "SIGQUIT: nginx exits 0 (got $rc)" [ $rc -eq 0 ]
if [ $status -ne 0 ]; then
	tail -20 "$tmp/nginx.out" "$tmp/error.log" "$tmp/curl.err" "$tmp/ab.out"
fi
exit $status
