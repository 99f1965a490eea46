libutcp_la_SOURCES += core/net/net.h
