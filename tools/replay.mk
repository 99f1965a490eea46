# tools/utcp-replay: replay a recorded side of a TCP connection into utcp
# (sim/replay*), and the make check tests replaying every trace.
bin_PROGRAMS += tools/utcp-replay
tools_utcp_replay_SOURCES = tools/utcp-replay.c
tools_utcp_replay_LDADD = libutcp.la

TESTS += tests/sim/replay_traces.sh tests/sim/replay_errors.sh
EXTRA_DIST += tests/sim/replay_traces.sh tests/sim/replay_errors.sh $(UTCP_TRACES:.pcap=.expect)
