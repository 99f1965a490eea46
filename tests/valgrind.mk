# tests/valgrind.mk: settings of `make check-valgrind`, included from
# Makefile.am after the valgrind rules of AX_VALGRIND_CHECK, so that they
# replace its defaults.
#
# check-valgrind: memcheck runs every Check program (extensionless tests)
# with CK_FORK=no, so the test code itself runs under memcheck rather than
# in a forked child, and any error or leak (definite or possible) fails the
# test.  Shell tests (.sh) run as usual; the ones that run C programs over
# inputs (tests/fuzz/run-corpus.sh) put them under memcheck through
# UTCP_VALGRIND.  (`override`: automake moves plain assignments above the
# rules, whose own assignment would then win.)
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
VALGRIND_memcheck_FLAGS = --leak-check=full --show-reachable=no \
	--errors-for-leak-kinds=definite,possible
override VALGRIND_TESTS_ENVIRONMENT = \
	$(TESTS_ENVIRONMENT) \
	env VALGRIND=$(VALGRIND) CK_FORK=no \
	UTCP_VALGRIND='$(valgrind_lt) $(VALGRIND) --error-exitcode=1 $(VALGRIND_FLAGS) $(valgrind_memcheck_flags)'
