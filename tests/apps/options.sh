#!/bin/sh
# tests/apps/options.sh - epserver and epwget refuse bad command lines and
# bad config files before touching a device, each with a message that says
# what is wrong (and for the config: file, line and key), exit status 2.
set -u
top_builddir=${top_builddir:-.}
srv="$top_builddir/tools/epserver"
cli="$top_builddir/tools/epwget"
for p in "$srv" "$cli"; do
	if [ ! -x "$p" ]; then
		echo "options: $p is not built" >&2
		exit 99
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/www"
echo hello > "$tmp/www/index.html"
cat > "$tmp/ok.conf" <<'CONF'
io = sim
port = sim0
sim0.ip = 10.0.0.1/24
CONF
printf 'io = sim\nport = sim0\nsim0.ip = 10.0.0.1/24\nmax_concurency = 10\n' > "$tmp/typo.conf"
printf 'io = sim\nport = sim0\nsim0.ip = 10.0.0.1/24\nrcvbuf = 12\n' > "$tmp/small.conf"

status=0
# expect RC PATTERN -- command...: exit status RC and PATTERN in its stderr
expect() {
	want_rc=$1 pattern=$2
	shift 3
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -ne "$want_rc" ] || ! grep -q -- "$pattern" "$tmp/err"; then
		echo "FAIL: $* -> exit $rc (want $want_rc), stderr:" >&2
		cat "$tmp/err" >&2
		echo "  (wanted: $pattern)" >&2
		status=1
	else
		echo "ok: $(echo "$*" | sed "s|$tmp|TMP|g") -> $(head -1 "$tmp/err" | sed "s|$tmp|TMP|g")"
	fi
}

expect 2 '-p WWW_DIR is required' -- "$srv" -f "$tmp/ok.conf"
expect 2 '-f CONF is required' -- "$srv" -p "$tmp/www"
expect 2 'unknown option -x' -- "$srv" -x
expect 2 '-N 0: want 1 to 16 cores' -- "$srv" -p "$tmp/www" -f "$tmp/ok.conf" -N 0
expect 2 '-b many: want a backlog' -- "$srv" -p "$tmp/www" -f "$tmp/ok.conf" -b many
expect 2 'multi-process mode is not supported' -- "$srv" -p "$tmp/www" -f "$tmp/ok.conf" -c 0
expect 2 '-P needs a value' -- "$srv" -p "$tmp/www" -f "$tmp/ok.conf" -P
expect 2 "typo.conf:4: key 'max_concurency'" -- "$srv" -p "$tmp/www" -f "$tmp/typo.conf"
expect 2 "small.conf:4: key 'rcvbuf'" -- "$srv" -p "$tmp/www" -f "$tmp/small.conf"
expect 2 'nothere.conf' -- "$srv" -p "$tmp/www" -f "$tmp/nothere.conf"
expect 1 'nodir: No such file or directory' -- "$srv" -p "$tmp/nodir" -f "$tmp/ok.conf"

expect 2 'want HOST\[/path\] and REQUESTS' -- "$cli" -f "$tmp/ok.conf" 10.0.0.1
expect 2 "'10.0.0.300/': want an IPv4 address" -- "$cli" 10.0.0.300/ 10 -f "$tmp/ok.conf"
expect 2 "'10.0.0.1:0/': want an IPv4 address" -- "$cli" 10.0.0.1:0/ 10 -f "$tmp/ok.conf"
expect 2 "REQUESTS '0': want a number" -- "$cli" 10.0.0.1 0 -f "$tmp/ok.conf"
expect 2 "REQUESTS '12x'" -- "$cli" 10.0.0.1 12x -f "$tmp/ok.conf"
expect 2 '-c 0: want 1 to 1000000' -- "$cli" 10.0.0.1 10 -c 0 -f "$tmp/ok.conf"
expect 2 '-f CONF is required' -- "$cli" 10.0.0.1 10
expect 2 'multi-process mode is not supported' -- "$cli" 10.0.0.1 10 -f "$tmp/ok.conf" -n 1
expect 2 "typo.conf:4: key 'max_concurency'" -- "$cli" 10.0.0.1 10 -f "$tmp/typo.conf"
expect 2 'nobody: No such file' -- "$cli" 10.0.0.1 10 -f "$tmp/ok.conf" -e "$tmp/nobody"
# Errors found once the config is complete: exit 2, the file named once.
printf 'io = sim\n' > "$tmp/np.conf"
expect 2 "^epserver: $tmp/np.conf: key 'port': required key is missing" -- \
	"$srv" -p "$tmp/www" -f "$tmp/np.conf"
expect 2 "^epwget: $tmp/np.conf: key 'port': required key is missing" -- \
	"$cli" 10.0.0.1 10 -f "$tmp/np.conf"
grep -q "np.conf: $tmp/np.conf" "$tmp/err" && { echo "FAIL: file named twice" >&2; status=1; }
# A gateway off its port's subnet in route.conf is route.conf's line.
mkdir "$tmp/rt" "$tmp/rt/config"
cp "$tmp/ok.conf" "$tmp/rt/u.conf"
printf 'ROUTES 1\n10.1.0.0/16 sim0 via 192.168.9.1\n' > "$tmp/rt/config/route.conf"
expect 2 "config/route.conf:2: gateway 192.168.9.1 is not on sim0's subnet" -- \
	"$srv" -p "$tmp/www" -f "$tmp/rt/u.conf"
# A directory, a NUL byte, control characters in a key.
expect 2 "^epserver: /: is a directory" -- "$srv" -p "$tmp/www" -f /
printf 'io = sim\nport = sim0\0junk\nsim0.ip = 10.0.0.1/24\n' > "$tmp/nul.conf"
expect 2 "nul.conf:2: the line holds a NUL byte" -- "$srv" -p "$tmp/www" -f "$tmp/nul.conf"
printf 'io = sim\nport = sim0\nsim0.ip = 10.0.0.1/24\nx\033[2Jy = 1\n' > "$tmp/ctl.conf"
expect 2 "ctl.conf:4: key 'x.x1b\[2Jy': unknown key" -- "$srv" -p "$tmp/www" -f "$tmp/ctl.conf"
# --help as -h: the usage text on stdout, exit 0; other long options named whole.
for p in "$srv" "$cli"; do
	"$p" --help > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] || ! grep -q '^usage: ' "$tmp/out" || [ -s "$tmp/err" ]; then
		echo "FAIL: $p --help -> exit $rc" >&2
		status=1
	else
		echo "ok: $(basename "$p") --help -> usage, exit 0"
	fi
done
expect 2 'unknown option --bogus' -- "$cli" --bogus
# A valid config with io = sim outside the simulator: the device cannot open.
expect 1 'epserver: ' -- "$srv" -p "$tmp/www" -f "$tmp/ok.conf"
exit $status
