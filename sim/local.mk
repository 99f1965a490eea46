# sim/: the deterministic simulator (clock and events, sim NIC, links,
# hosts, the world) and trace replay.
libutcp_la_SOURCES += \
	sim/sim_int.h \
	sim/sched.c \
	sim/world.c \
	sim/link.c \
	sim/link_mtu.c \
	sim/sim_nic.c \
	sim/sim_tso.c \
	sim/host.c

# Trace replay: a recorded side of a TCP connection played into a utcp
# stack on the simulator (tools/utcp-replay).
libutcp_la_SOURCES += \
	sim/replay.h sim/replay_int.h \
	sim/replay_trace.c \
	sim/replay.c \
	sim/replay_run.c \
	sim/replay_expect.c
