#!/bin/sh
# tests/sim/replay_traces6.sh - tests/sim/replay_traces.sh over IPv6: every
# trace in traces/ipv6/ replayed into utcp over IPv6.
exec "$(dirname "$0")/replay_traces.sh" --ip6
