# sim: the deterministic simulator (world, links, sim NIC, hosts).
libutcp_la_SOURCES += \
	sim/sim.h sim/sim_int.h \
	sim/sched.c \
	sim/world.c \
	sim/link.c \
	sim/sim_nic.c \
	sim/host.c

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_sim
TESTS += tests/unit/test_sim
endif
tests_unit_test_sim_SOURCES = tests/unit/test_sim.c
tests_unit_test_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sim_LDADD = $(UNIT_LIBS)
include $(top_srcdir)/sim/replay.mk
