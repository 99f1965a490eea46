# core/api: the socket table, sockets, socket I/O and options, epoll.
libutcp_la_SOURCES += core/api/sock.h \
	core/api/socktab.c \
	core/api/socket.c \
	core/api/sockio.c \
	core/api/sockzc.c \
	core/api/sockopt.c \
	core/api/tcpinfo.c \
	core/api/epoll.c \
	core/api/eventfd.c \
	core/api/udpsock.c \
	core/api/sockmsg.c \
	core/api/sockaddr.c

# A context's connections as snapshots, and the sender-state trace.
libutcp_la_SOURCES += core/api/conninfo.c
utcpinclude_HEADERS += include/utcp/conninfo.h

# mTCP's per-second statistics lines, for every program.
libutcp_la_SOURCES += core/api/statprint.c
utcpinclude_HEADERS += include/utcp/statprint.h
