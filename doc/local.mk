# doc/: the manual pages, installed by `make install`, and the test that
# keeps them in step with the programs' usage texts and the config keys.
UTCP_MANS = doc/utcp.7 doc/utcp.conf.5 doc/utcp-sim.1 doc/utcp-replay.1 \
	doc/utcp-bench.1 doc/utcp-nc.1 doc/utcp-taprate.1 doc/epserver.1 doc/epwget.1
dist_man_MANS = $(UTCP_MANS)

# Every page renders without a groff warning; every option a program's
# usage text prints is described in its page, every key of utcp.conf in
# utcp.conf(5); every installed program has a page.
TESTS += tests/doc/man.sh
EXTRA_DIST += tests/doc/man.sh
AM_TESTS_ENVIRONMENT += \
	UTCP_MANS='$(UTCP_MANS)'; export UTCP_MANS; \
	UTCP_BIN_PROGRAMS='$(bin_PROGRAMS)'; export UTCP_BIN_PROGRAMS;
