#!/bin/sh
# tests/sim/tcp6_determinism.sh - tests/sim/tcp_determinism.sh over IPv6
# (utcp-sim --ip6): the same seed twice gives byte-identical captures.
exec "$(dirname "$0")/tcp_determinism.sh" --ip6
