# core/stack: stacks over the NICs they are handed, per-core contexts, the
# poll loop.
libutcp_la_SOURCES += core/stack/stack.h core/stack/stack.c
