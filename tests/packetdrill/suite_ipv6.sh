#!/bin/sh
# tests/packetdrill/suite_ipv6.sh - make check: packetdrill's Linux TCP scripts
# against utcp with --ip_version=ipv6 (suite.sh --ip-version).
exec "$(dirname "$0")/suite.sh" --ip-version ipv6 "$@"
