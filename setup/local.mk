# setup/: a stack from a config (the backend registry, then core/stack).
libutcp_la_SOURCES += setup/open.c
