libutcp_la_SOURCES += core/ctx.h \
	core/api/ctx.c
# Per-second statistics lines (mTCP's format) for every program.
libutcp_la_SOURCES += core/api/statprint.c
utcpinclude_HEADERS += include/utcp/statprint.h
