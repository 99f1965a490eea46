# core/wire: stateless packet views and builders (no context).
libutcp_la_SOURCES += core/wire/wire.h \
	core/wire/checksum.c \
	core/wire/rss.c \
	core/wire/eth.c \
	core/wire/ipv4.c \
	core/wire/ipv6.c \
	core/wire/tcp.h core/wire/tcp_opt.c \
	core/wire/udp.h core/wire/udp.c \
	core/wire/gro.h core/wire/gro.c
