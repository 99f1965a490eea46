# tools/apps.mk: epserver and epwget.  The application code (tools/*_app.c,
# tools/http.c) is shared with utcp-sim's http scenario; tools/apprun.c runs
# it on real backends, one thread per core.
APPS_CORE = tools/apps.h tools/http.c tools/epserver_app.c tools/epwget_app.c
APPS_RUN = tools/apprun.h tools/apprun.c

bin_PROGRAMS += tools/epserver tools/epwget
tools_epserver_SOURCES = tools/epserver.c $(APPS_CORE) $(APPS_RUN)
tools_epserver_LDADD = libutcp.la
tools_epwget_SOURCES = tools/epwget.c $(APPS_CORE) $(APPS_RUN)
tools_epwget_LDADD = libutcp.la

# utcp-sim's http scenario runs the same application code.
tools_utcp_sim_SOURCES += tools/sim_http.c $(APPS_CORE)

# The apps against each other on the simulator, and their parsers.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_apps_sim
TESTS += tests/unit/test_apps_sim
endif
tests_unit_test_apps_sim_SOURCES = tests/unit/test_apps_sim.c $(APPS_CORE)
tests_unit_test_apps_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_apps_sim_LDADD = $(UNIT_LIBS)

# Command-line and config errors; the programs on TAP against the kernel.
APPS_TESTS = tests/apps/options.sh tests/apps/tap_http.sh tests/sim/http_sweep.sh
TESTS += $(APPS_TESTS)
EXTRA_DIST += $(APPS_TESTS)
