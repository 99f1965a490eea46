# tests/sim: scenarios on the simulator (tools/utcp-sim, tools/utcp-replay),
# shell scripts run by make check.
SIM_TESTS = tests/sim/ping_determinism.sh tests/sim/ping_sweep.sh \
	tests/sim/tcp_determinism.sh tests/sim/tcp_sweep.sh tests/sim/attack.sh
TESTS += $(SIM_TESTS)
# The same over IPv6 (utcp-sim --ip6).
TESTS += tests/sim/tcp6_sweep.sh tests/sim/tcp6_determinism.sh
EXTRA_DIST += tests/sim/tcp6_sweep.sh tests/sim/tcp6_determinism.sh
EXTRA_DIST += $(SIM_TESTS) tests/sim/tcp_long.sh

# 10 000 seeds with loss up to 20 %: long, run by hand or nightly.
# blind-inject over 1 000 seeds (and 200 of a harsh mix) with its statistical rule.
check-long: tools/utcp-sim tools/utcp-progress
	top_builddir='$(top_builddir)' $(SHELL) $(top_srcdir)/tests/sim/tcp_long.sh
	top_builddir='$(top_builddir)' $(SHELL) $(top_srcdir)/tests/sim/attack.sh long
.PHONY: check-long

# Recovery seen on the wire (utcp-sim, pcap, tshark).
TESTS += tests/sim/cc_recovery.sh
EXTRA_DIST += tests/sim/cc_recovery.sh

# Many holes at long round trips on the simulator, every invariant checked.
TESTS += tests/sim/ooo_holes.sh
EXTRA_DIST += tests/sim/ooo_holes.sh

# The goodput snapshot tests/unit/test_cc_sim compares against.
EXTRA_DIST += tests/sim/cc_goodput.snap

# The epserver/epwget application code against each other, many seeds.
TESTS += tests/sim/http_sweep.sh
EXTRA_DIST += tests/sim/http_sweep.sh

# Every recorded trace replayed; the replay tool's errors.
TESTS += tests/sim/replay_traces.sh tests/sim/replay_errors.sh
# the IPv6 traces (traces/ipv6/), replayed the same way
TESTS += tests/sim/replay_traces6.sh
EXTRA_DIST += tests/sim/replay_traces6.sh traces/ipv6/README.md traces/ipv6/record6.sh \
	traces/ipv6/bulk-download6.pcap traces/ipv6/bulk-upload6.pcap \
	traces/ipv6/client-close-first6.pcap traces/ipv6/bulk-download6.expect \
	traces/ipv6/bulk-upload6.expect traces/ipv6/client-close-first6.expect
EXTRA_DIST += tests/sim/replay_traces.sh tests/sim/replay_errors.sh $(UTCP_TRACES:.pcap=.expect)

# The link's faults as on a real wire: time-based loss bursts, FCS,
# link flaps, refused values.
TESTS += tests/sim/faults.sh
EXTRA_DIST += tests/sim/faults.sh

# ECN end to end: CE marks instead of drops cost no retransmission.
TESTS += tests/sim/ecn.sh
EXTRA_DIST += tests/sim/ecn.sh

# utcp-sim udp: datagrams under impairments, every byte and loss accounted.
TESTS += tests/sim/udp_sweep.sh
EXTRA_DIST += tests/sim/udp_sweep.sh

# utcp-sim idle-million: many idle connections in one context, memory per
# connection from the pools (the README's figure is of a million).
TESTS += tests/sim/idle_conns.sh
EXTRA_DIST += tests/sim/idle_conns.sh

# TCP with segmentation offload and GRO on the simulated NICs, many seeds.
TESTS += tests/sim/tso_sweep.sh
EXTRA_DIST += tests/sim/tso_sweep.sh
