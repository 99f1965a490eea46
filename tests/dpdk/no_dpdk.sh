#!/bin/sh
# tests/dpdk/no_dpdk.sh - stands in for the DPDK tests when utcp was built
# without DPDK: says why and exits 77 (skip).
echo "DPDK tests skipped: configure did not find libdpdk (apt-get install libdpdk-dev, re-run configure)"
exit 77
