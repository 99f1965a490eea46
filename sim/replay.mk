# sim/replay*: trace replay (a recorded side of a TCP connection played
# into a utcp stack on the simulator); the tool and its tests are in
# tools/replay.mk.
libutcp_la_SOURCES += \
	sim/replay.h sim/replay_int.h \
	sim/replay_trace.c \
	sim/replay.c \
	sim/replay_run.c \
	sim/replay_expect.c

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_replay
TESTS += tests/unit/test_replay
endif
tests_unit_test_replay_SOURCES = tests/unit/test_replay.c
tests_unit_test_replay_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_replay_LDADD = $(UNIT_LIBS)
