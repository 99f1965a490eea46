# tests/gates.mk: quality gates that run inside `make check` and the
# settings of `make check-valgrind` and `make check-code-coverage`.
# .ci/gates runs the builds that use them (sanitizers, valgrind, coverage,
# fuzzing), each in its own build directory.

# core/ reads no clock and draws no ambient randomness (DESIGN.md §3).
TESTS += tests/determinism.sh tests/floors.sh
EXTRA_DIST += tests/determinism.sh tests/determinism.py tests/floors.sh tests/floors.py .ci/gates tests/valgrind.mk

# Regression tests for what the fuzz targets found.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_persist
TESTS += tests/unit/test_tcp_persist
endif
tests_unit_test_tcp_persist_SOURCES = tests/unit/test_tcp_persist.c $(TCP_TESTLIB)
tests_unit_test_tcp_persist_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_persist_LDADD = $(UNIT_LIBS)
