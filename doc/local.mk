# doc/: the manual pages, installed by `make install`, and the test that
# keeps them in step with the programs' usage texts and the config keys.
UTCP_MANS = doc/utcp.7 doc/utcp.conf.5 doc/utcp-sim.1 doc/utcp-replay.1 \
	doc/utcp-bench.1 doc/utcp-nc.1 doc/utcp-taprate.1 doc/epserver.1 doc/epwget.1
dist_man_MANS = $(UTCP_MANS)

