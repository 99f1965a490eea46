#!/bin/sh
# tests/determinism.sh - `make check` test: core/ never reads a clock or an
# ambient random source (DESIGN.md §3).  Checks the checker first, then the
# sources under core/ and the library's compiled core/ objects.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
"$PY" "$top_srcdir/tests/determinism.py" --self-test || exit 99
objs=$(find "$top_builddir/core" -name '*.o' 2>/dev/null | sort)
[ -n "$objs" ] || { echo "determinism: no compiled core/ objects under $top_builddir" >&2; exit 99; }
# shellcheck disable=SC2086
exec "$PY" "$top_srcdir/tests/determinism.py" "$top_srcdir" $objs
