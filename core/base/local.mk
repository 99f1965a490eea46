# core/base: packet/object pools, timer wheel, PRNG, counters, value parsers.
libutcp_la_SOURCES += \
	core/base/prng.c core/base/prng.h \
	core/base/hash.c core/base/hash.h core/base/bytes.h \
	core/base/pool.c core/base/pool.h \
	core/base/timer.c core/base/timer.h \
	core/base/stats.c \
	core/base/args.c core/base/args.h \
	core/base/err.c core/base/err.h
