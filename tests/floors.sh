#!/bin/sh
# tests/floors.sh - `make check` test: the layering of ARCHITECTURE.md holds
# (includes and the compiled objects' symbol references point down the
# floors; circles of files only inside core/tcp).  Checks the checker first.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "SKIP: nm not found"; exit 77; }
"$PY" "$top_srcdir/tests/floors.py" --self-test || exit 99
exec "$PY" "$top_srcdir/tests/floors.py" "$top_srcdir" "$top_builddir"
