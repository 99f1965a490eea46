# tests/mtcp: programs written against mTCP's API (compat/mtcp/examples) on
# TAP against the kernel and each other (root; 77 otherwise).
TESTS += tests/mtcp/tap_echo.sh
EXTRA_DIST += tests/mtcp/tap_echo.sh
