# tests/gates.mk: quality gates that run inside `make check` and the
# settings of `make check-valgrind` and `make check-code-coverage`.
# .ci/gates runs the builds that use them (sanitizers, valgrind, coverage,
# fuzzing), each in its own build directory.

# core/ reads no clock and draws no ambient randomness (DESIGN.md §3).
TESTS += tests/determinism.sh
EXTRA_DIST += tests/determinism.sh tests/determinism.py .ci/gates

# check-valgrind: memcheck runs every Check program (extensionless tests)
# with CK_FORK=no, so the test code itself runs under memcheck rather than
# in a forked child, and any error or leak (definite or possible) fails the
# test.  Shell tests (.sh) run as usual; the ones that run C programs over
# inputs (tests/fuzz/run-corpus.sh) put them under memcheck through
# UTCP_VALGRIND.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
VALGRIND_memcheck_FLAGS = --leak-check=full --show-reachable=no \
	--errors-for-leak-kinds=definite,possible --track-origins=yes
VALGRIND_TESTS_ENVIRONMENT = \
	$(TESTS_ENVIRONMENT) \
	env VALGRIND=$(VALGRIND) CK_FORK=no \
	UTCP_VALGRIND='$(valgrind_lt) $(VALGRIND) --error-exitcode=1 $(VALGRIND_FLAGS) $(valgrind_memcheck_flags)'

# Regression tests for what the fuzz targets found.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_persist
TESTS += tests/unit/test_tcp_persist
endif
tests_unit_test_tcp_persist_SOURCES = tests/unit/test_tcp_persist.c $(TCP_TESTLIB)
tests_unit_test_tcp_persist_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_persist_LDADD = $(UNIT_LIBS)
