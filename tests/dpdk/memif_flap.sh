#!/bin/sh
# tests/dpdk/memif_flap.sh - test_dpdk_memif_flap: a net_memif peer leaves
# and comes back FLAP_CYCLES times (default 100) while the backend's two
# pollers are busy on the port; the process must survive every disconnect
# (DPDK's interrupt thread unmaps the rings each time; nic/dpdk/gate.c).
# Bounded to 90 s, never two DPDK tests at once.  No root needed (memif uses
# an abstract unix socket).
. "${top_srcdir:-.}/tests/dpdk/run_one.sh"
# EAL's (empty) run directory is removed here too, even after a crash.
FLAP_PREFIX="utcp-flap-$$"
export FLAP_PREFIX
dpdk_run 90 "${top_builddir:-.}/tests/dpdk/test_dpdk_memif_flap"
rc=$?
rmdir "/var/run/dpdk/$FLAP_PREFIX" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$FLAP_PREFIX" 2> /dev/null
exit $rc
