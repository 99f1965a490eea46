# tools/: programs built on the library.
bin_PROGRAMS += tools/utcp-sim
tools_utcp_sim_SOURCES = tools/utcp-sim.c tools/utcp-sim.h tools/sim_common.c \
	tools/sim_ping.c tools/sim_tcp.c tools/sim_tcp.h tools/sim_attack.c
tools_utcp_sim_LDADD = libutcp.la

# Simulator scenario tests (shell scripts run by make check).
SIM_TESTS = tests/sim/ping_determinism.sh tests/sim/ping_sweep.sh \
	tests/sim/tcp_determinism.sh tests/sim/tcp_sweep.sh tests/sim/attack.sh
TESTS += $(SIM_TESTS)
EXTRA_DIST += $(SIM_TESTS) tests/sim/tcp_long.sh

# 10 000 seeds with loss up to 20 %: long, run by hand or nightly.
check-long: tools/utcp-sim
	top_builddir='$(top_builddir)' $(SHELL) $(top_srcdir)/tests/sim/tcp_long.sh
.PHONY: check-long

include $(top_srcdir)/tools/apps.mk
include $(top_srcdir)/tools/bench.mk
include $(top_srcdir)/tools/replay.mk

# utcp-nc: one TCP connection over any backend (development against the
# kernel), and the TAP interop test that uses it (root; 77 otherwise).
bin_PROGRAMS += tools/utcp-nc
tools_utcp_nc_SOURCES = tools/utcp-nc.c
tools_utcp_nc_LDADD = libutcp.la
TESTS += tests/apps/tap_interop.sh
EXTRA_DIST += tests/apps/tap_interop.sh

# utcp-taprate: the raw frame rate of a TAP device through the backend, to
# set beside TCP over the same device (tests/bench/tap_rate.sh, `make bench-tap`).
bin_PROGRAMS += tools/utcp-taprate
tools_utcp_taprate_SOURCES = tools/utcp-taprate.c
tools_utcp_taprate_LDADD = libutcp.la -lpthread
