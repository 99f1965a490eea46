#!/bin/sh
# tests/packetdrill/suite_mapped.sh - make check: packetdrill's Linux TCP scripts
# against utcp with --ip_version=ipv4-mapped-ipv6 (suite.sh --ip-version).
exec "$(dirname "$0")/suite.sh" --ip-version ipv4-mapped-ipv6 "$@"
