#!/bin/sh
# check-traces.sh - `make check` test: traces/manifest.txt matches the pcaps beside it.
#
# Re-reads every pcap with tools/tracecheck.py (no root, no tshark needed) and compares
# addresses, packet counts, stream lengths and SHA-256 digests, how the connection ends and
# the SYN options with manifest.txt.  Exits 77 (skip) without python3.
srcdir=${top_srcdir:-$(dirname "$0")/..}
PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
	echo "check-traces: python3 not found, skipping"
	exit 77
fi
exec "$PY" "$srcdir/traces/tools/tracecheck.py" check "$srcdir/traces"
