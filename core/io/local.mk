# core/io: the context's lower half (buffers, transmit batches).
libutcp_la_SOURCES += core/io/io.h core/io/io.c
