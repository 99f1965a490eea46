# tools/: programs built on the library.
bin_PROGRAMS += tools/utcp-sim
tools_utcp_sim_SOURCES = tools/utcp-sim.c
tools_utcp_sim_LDADD = libutcp.la

# Simulator scenario tests (shell scripts run by make check).
TESTS += tests/sim/ping_determinism.sh tests/sim/ping_sweep.sh
EXTRA_DIST += tests/sim/ping_determinism.sh tests/sim/ping_sweep.sh
include $(top_srcdir)/tools/apps.mk
