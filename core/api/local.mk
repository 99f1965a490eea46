libutcp_la_SOURCES += core/ctx.h
