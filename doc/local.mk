# doc/: the manual pages, installed by `make install`, and the test that
# keeps them in step with the programs' usage texts and the config keys.
UTCP_MANS = doc/utcp.7 doc/utcp.conf.5 doc/utcp-sim.1 doc/utcp-replay.1 \
	doc/utcp-bench.1 doc/utcp-nc.1 doc/utcp-taprate.1 doc/epserver.1 doc/epwget.1 \
	doc/utcp-ss.1 doc/utcp-plot.1 doc/utcp-run.1
dist_man_MANS = $(UTCP_MANS)


# The API reference: Doxygen over include/utcp/*.h (doc/Doxyfile), HTML in
# doc/api/html.  tests/doc/doxygen.sh holds the headers to it in make check.
EXTRA_DIST += doc/Doxyfile doc/api.dox
@DX_RULES@
MOSTLYCLEANFILES = $(DX_CLEANFILES)
if HAVE_DOXYGEN
$(DX_DOCDIR)/$(PACKAGE).tag: $(utcpinclude_HEADERS) $(srcdir)/doc/api.dox $(srcdir)/examples/echo_sim.c
else
doxygen-doc:
	@echo "doxygen-doc: doxygen was not found by configure (apt-get install doxygen, then ./configure)" >&2; exit 1
endif

# The pictures README.md shows (tools/utcp-sim --plot, tools/utcp-replay --plot).
EXTRA_DIST += doc/img/sim-loss-tsg.svg doc/img/sim-loss-state.svg doc/img/replay-tsg.svg \
	doc/img/replay-state.svg
