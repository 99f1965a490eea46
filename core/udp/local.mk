# core/udp: UDP (RFC 768), beside core/tcp.
libutcp_la_SOURCES += core/udp/udp.h \
	core/udp/udp_ctx.c \
	core/udp/udp_input.c \
	core/udp/udp_output.c
