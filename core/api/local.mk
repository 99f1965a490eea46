libutcp_la_SOURCES += core/ctx.h \
	core/api/ctx.c
