# tests/preload: unmodified Debian programs over utcp through
# libutcp-preload (utcp-run) on TAP in network namespaces of their own,
# against the kernel's clients and servers (root; 77 otherwise).
PRELOAD_TESTS = tests/preload/nginx.sh
TESTS += $(PRELOAD_TESTS)
EXTRA_DIST += $(PRELOAD_TESTS) tests/preload/common.sh
