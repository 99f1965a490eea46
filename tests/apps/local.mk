# tests/apps: the programs' command-line and config errors, and the programs
# on TAP against the kernel (root; 77 otherwise).
APPS_TESTS = tests/apps/options.sh tests/apps/tap_http.sh tests/apps/tap_interop.sh \
	tests/apps/tap_udp.sh tests/apps/nc_limits.sh
APPS_TESTS += tests/apps/tap_ping6.sh tests/apps/tap_tcp6.sh
APPS_TESTS += tests/apps/tap_udp6.sh tests/apps/sockaddr_kernel.sh
APPS_TESTS += tests/apps/tap_vnet6.sh
# TAP segmentation offload (tap_vnet_hdr = 2) both ways and through forwarding.
APPS_TESTS += tests/apps/tap_tso.sh
TESTS += $(APPS_TESTS)
EXTRA_DIST += $(APPS_TESTS)
