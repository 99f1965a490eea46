libutcp_la_SOURCES += nic/mw/impair.c nic/mw/impair.h
