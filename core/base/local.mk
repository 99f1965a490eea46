libutcp_la_SOURCES += \
	core/base/prng.c core/base/prng.h \
	core/base/pool.c core/base/pool.h \
	core/base/timer.c core/base/timer.h \
	core/base/stats.c \
	core/base/config.c
