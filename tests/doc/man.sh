#!/bin/sh
# tests/doc/man.sh - `make check` test: the manual pages render without a
# single groff warning, and cannot drift from what they describe:
#   - every installed program (bin_PROGRAMS) has a page NAME.1;
#   - every option a program's usage text prints (its --help or -h) is
#     described in its page, in the tag of a .TP paragraph, and every option
#     such a tag describes is in the usage text (-h and --help excepted);
#   - every key of the key tables in setup/config.c (keys[], and
#     port_keys[] as PORT.KEY) and of the backends' tables under nic/ starts a .TP tag in utcp.conf(5), and every
#     key-like tag there is in the tables.
# Exit 0 pass, 1 a check failed, 77 only groff is missing (every other
# check passed), 99 the test could not run (programs not built, nothing
# extracted).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"

if [ -z "${UTCP_MANS:-}" ]; then
	UTCP_MANS=$(cd "$top_srcdir" && ls doc/*.[1-8])
fi
if [ -z "${UTCP_BIN_PROGRAMS:-}" ]; then
	UTCP_BIN_PROGRAMS=$(sed -n 's/^bin_PROGRAMS *+= *//p' "$top_srcdir"/tools/*.mk)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-man.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}
hard() {
	echo "ERROR: $*"
	exit 99
}

# The page's text as troff prints it, one output line per source line:
# the arguments of font macros joined (.BI and friends without blanks),
# font and other escapes removed, \- as -.  Tag lines of .TP paragraphs
# are marked with a leading "TAG ".
norm() {
	awk '
	function unesc(s) {
		gsub(/\\f\[[^]]*\]/, "", s)
		gsub(/\\f\([A-Za-z][A-Za-z]/, "", s)
		gsub(/\\f[A-Za-z0-9]/, "", s)
		gsub(/\\&/, "", s)
		gsub(/\\c/, "", s)
		gsub(/\\-/, "-", s)
		gsub(/\\~/, " ", s)
		gsub(/\\\(en/, "-", s)
		gsub(/\\\([a-z][a-z]/, "", s)
		gsub(/\\e/, "\\", s)
		return s
	}
	# The arguments of a macro line, quotes honoured, joined with sep.
	function joinargs(s, sep,   out, n, i, c, cur, inq, have) {
		sub(/^\.[A-Za-z]+[ \t]*/, "", s)
		out = ""; n = 0; cur = ""; inq = 0; have = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\"") { inq = !inq; have = 1; continue }
			if ((c == " " || c == "\t") && !inq) {
				if (have) { out = out (n++ ? sep : "") cur; cur = ""; have = 0 }
				continue
			}
			cur = cur c; have = 1
		}
		if (have)
			out = out (n++ ? sep : "") cur
		return out
	}
	/^\.\\"/ { next }
	{
		line = $0
		if (line ~ /^\.(B|I|SM|SH|SS)([ \t]|$)/)
			text = joinargs(line, " ")
		else if (line ~ /^\.(BI|IB|BR|RB|IR|RI)([ \t]|$)/)
			text = joinargs(line, "")
		else if (line ~ /^\.TP/) {
			tag = 1
			next
		} else if (line ~ /^[.\047]/)
			text = ""
		else
			text = line
		text = unesc(text)
		if (tag) {
			print "TAG " text
			tag = 0
		} else
			print text
	}' "$1"
}

# Options in text (stdin), one per line: -x or --long-name, not preceded
# by a letter, digit or dash (so "one-way" and "utcp-sim" are not options).
options() {
	grep -oE '(^|[^A-Za-z0-9-])--?[A-Za-z][A-Za-z0-9-]*' |
		sed -e 's/^[^-]*//' -e 's/-*$//' | sort -u
}

# ---- every page exists and renders without a warning --------------------------
have_groff=1
command -v groff >/dev/null 2>&1 || have_groff=0
for page in $UTCP_MANS; do
	src="$top_srcdir/$page"
	[ -f "$src" ] || { fail "$page: no such page"; continue; }
	if [ $have_groff -eq 1 ]; then
		for dev in utf8 ascii; do
			groff -man -ww -z -T$dev "$src" >"$tmp/groff" 2>&1
			rc=$?
			if [ $rc -ne 0 ] || [ -s "$tmp/groff" ]; then
				fail "$page: groff -man -ww -T$dev (exit $rc):"
				sed 's/^/    /' "$tmp/groff"
			fi
		done
	fi
done

# ---- every installed program has a page, and its usage matches ------------------
nprog=0
for prog in $UTCP_BIN_PROGRAMS; do
	name=$(basename "$prog")
	name=${name%.exe}
	page="doc/$name.1"
	case " $(echo $UTCP_MANS) " in
	*" $page "*) ;;
	*) fail "$name is installed (bin_PROGRAMS) but has no page $page"; continue ;;
	esac
	[ -f "$top_srcdir/$page" ] || continue
	bin="$top_builddir/$prog"
	[ -x "$bin" ] || hard "$bin is not built"
	: >"$tmp/usage"
	for flag in --help -h; do
		timeout 20 "$bin" $flag </dev/null >"$tmp/out" 2>&1
		if grep -q '^usage:' "$tmp/out"; then
			sed -n '/^usage:/,$p' "$tmp/out" >"$tmp/usage"
			break
		fi
	done
	[ -s "$tmp/usage" ] || hard "$name: neither --help nor -h prints a usage text"
	options <"$tmp/usage" >"$tmp/usage.opts"
	[ -s "$tmp/usage.opts" ] || hard "$name: no option found in its usage text"
	norm "$top_srcdir/$page" >"$tmp/page"
	sed -n 's/^TAG //p' "$tmp/page" | options >"$tmp/page.opts"
	while read -r opt; do
		grep -qxe "$opt" "$tmp/page.opts" ||
			fail "$name: option $opt of the usage text is not described in $page"
	done <"$tmp/usage.opts"
	while read -r opt; do
		case $opt in -h | --help) continue ;; esac
		grep -qxe "$opt" "$tmp/usage.opts" ||
			fail "$name: $page describes $opt, which the usage text does not have"
	done <"$tmp/page.opts"
	nprog=$((nprog + 1))
done
[ $nprog -gt 0 ] || hard "no program checked (UTCP_BIN_PROGRAMS='$UTCP_BIN_PROGRAMS')"

# ---- every config key is in utcp.conf(5), and nothing else -----------------------
conf_page="$top_srcdir/doc/utcp.conf.5"
# The generic keys (setup/config.c: keys[], port_keys[] as PORT.KEY) and
# every table of keys a backend or middleware owns (const struct
# utcp_config_key NAME[...] under nic/).
KEY_SOURCES="$top_srcdir/setup/config.c $(find "$top_srcdir/nic" -name '*.c' | sort)"
# shellcheck disable=SC2086
awk '
	/^static const struct key_def keys\[\] = \{/ { k = 1; next }
	/^static const struct key_def port_keys\[\] = \{/ { p = 1; next }
	/^const struct utcp_config_key [a-z0-9_]+\[[A-Z0-9_]*\] = \{/ { k = 1; next }
	/^\};/ { k = 0; p = 0 }
	(k || p) && match($0, /(\{ |_KEY\()"[a-z0-9_]+"/) {
		e = substr($0, RSTART, RLENGTH)
		sub(/^[^"]*"/, "", e)
		sub(/"$/, "", e)
		print (p ? "port." : "") e
	}' $KEY_SOURCES | sort -u >"$tmp/keys"
[ "$(wc -l <"$tmp/keys")" -ge 30 ] || hard "fewer than 30 keys found in setup/config.c and nic/"
grep -q '^port\.' "$tmp/keys" || hard "no per-port key found in setup/config.c"
norm "$conf_page" | sed -n 's/^TAG \([^ ]*\).*/\1/p' |
	grep -E '^(port\.)?[a-z][a-z0-9_]*$' | sort -u >"$tmp/conf.tags"
while read -r key; do
	grep -qxe "$key" "$tmp/conf.tags" ||
		fail "utcp.conf(5) does not describe the key $key (setup/config.c or a key table under nic/)"
done <"$tmp/keys"
while read -r key; do
	grep -qxe "$key" "$tmp/keys" ||
		fail "utcp.conf(5) describes $key, which no key table has"
done <"$tmp/conf.tags"

[ $failed -eq 0 ] || exit 1
echo "man: $(echo $UTCP_MANS | wc -w) pages, $nprog programs' usage texts, $(wc -l <"$tmp/keys") config keys checked"
if [ $have_groff -eq 0 ]; then
	echo "SKIP: groff not found: the pages were not rendered (Debian: groff-base)"
	exit 77
fi
exit 0
