# tests/doc: every page renders without a groff warning; every option a program's
# usage text prints is described in its page, every key of utcp.conf in
# utcp.conf(5); every installed program has a page.  The API reference builds
# from include/utcp without a Doxygen warning (every declaration documented).
TESTS += tests/doc/man.sh tests/doc/doxygen.sh
EXTRA_DIST += tests/doc/man.sh tests/doc/doxygen.sh
AM_TESTS_ENVIRONMENT += \
	UTCP_MANS='$(UTCP_MANS)'; export UTCP_MANS; \
	UTCP_BIN_PROGRAMS='$(bin_PROGRAMS) $(bin_SCRIPTS)'; export UTCP_BIN_PROGRAMS;
