# tests/mtcp: programs written against mTCP's API (compat/mtcp/examples) on
# TAP against the kernel and each other (root; 77 otherwise).
TESTS += tests/mtcp/tap_echo.sh
EXTRA_DIST += tests/mtcp/tap_echo.sh

# The same programs over DPDK, two processes joined by net_memif.
if HAVE_DPDK
TESTS += tests/mtcp/memif_echo.sh
endif
EXTRA_DIST += tests/mtcp/memif_echo.sh
