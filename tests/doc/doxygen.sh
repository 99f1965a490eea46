#!/bin/sh
# tests/doc/doxygen.sh - `make check` test: the API reference builds from
# the public headers (include/utcp/*.h) without a single Doxygen warning:
# every function, type, macro and struct member is documented, and no
# documentation error (a @param that names no parameter, a bad command).
# Runs doc/Doxyfile (FAIL_ON_WARNINGS) into a scratch directory, XML only.
# Exit 0 pass, 1 a warning, 77 doxygen is not installed, 99 it could not run.
set -u
: "${top_srcdir:=.}"
DOXYGEN=${DOXYGEN:-doxygen}
command -v "$DOXYGEN" >/dev/null 2>&1 || { echo "SKIP: doxygen not found (apt-get install doxygen)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/utcp-doxygen.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
SRCDIR=$top_srcdir DOCDIR=$tmp PROJECT=utcp VERSION=test GENERATE_HTML=NO GENERATE_MAN=NO \
GENERATE_RTF=NO GENERATE_XML=YES GENERATE_HTMLHELP=NO HAVE_DOT=NO DOT_PATH= \
	"$DOXYGEN" "$top_srcdir/doc/Doxyfile" >"$tmp/log" 2>&1
rc=$?
if [ -s "$tmp/log" ] || [ $rc -ne 0 ]; then
	cat "$tmp/log"
	n=$(grep -c . "$tmp/log")
	echo "FAIL doxygen: $n line(s) of warnings over include/utcp (exit $rc)"
	exit 1
fi
[ -f "$tmp/xml/index.xml" ] || { echo "ERROR: doxygen wrote no index"; exit 99; }
n=$(grep -c 'kind="function"' "$tmp/xml/index.xml")
echo "PASS doxygen: include/utcp documented, $n functions, no warning"
