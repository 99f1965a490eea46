# nic/tap: the TAP backend (Linux tun/tap, always built).
libutcp_la_SOURCES += nic/tap/tap.c nic/tap/tap.h

# Needs root (or CAP_NET_ADMIN) and /dev/net/tun; exits 77 without them.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tap
TESTS += tests/unit/test_tap
endif
tests_unit_test_tap_SOURCES = tests/unit/test_tap.c
tests_unit_test_tap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tap_LDADD = $(UNIT_LIBS)
