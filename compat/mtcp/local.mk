# compat/mtcp: libutcp-mtcp, mTCP's API (<mtcp_api.h>, <mtcp_epoll.h>) over
# libutcp's public API: found with `pkg-config --cflags --libs utcp-mtcp`.
lib_LTLIBRARIES += libutcp-mtcp.la
libutcp_mtcp_la_SOURCES = compat/mtcp/mtcp_int.h compat/mtcp/core.c compat/mtcp/conf.c \
	compat/mtcp/socket.c compat/mtcp/epoll.c compat/mtcp/pipe.c
# the public headers only (include/), as an outside program would see them
libutcp_mtcp_la_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir) $(CODE_COVERAGE_CPPFLAGS)
libutcp_mtcp_la_LIBADD = libutcp.la -lpthread
libutcp_mtcp_la_LDFLAGS = -version-info 0:0:0

mtcpincludedir = $(includedir)/mtcp
mtcpinclude_HEADERS = include/mtcp/mtcp_api.h include/mtcp/mtcp_epoll.h
EXTRA_DIST += utcp-mtcp.pc.in

# Programs written against <mtcp_api.h> alone, built with what
# `pkg-config --cflags --libs utcp-mtcp` gives an installed program:
# -I<includedir>/mtcp -I<includedir>, -lutcp-mtcp -lutcp.
MTCP_APP_CPPFLAGS = -I$(top_srcdir)/include/mtcp -I$(top_srcdir)/include
MTCP_APP_LDADD = libutcp-mtcp.la libutcp.la -lpthread
noinst_PROGRAMS += compat/mtcp/examples/mtcp-echo-server compat/mtcp/examples/mtcp-echo-client
compat_mtcp_examples_mtcp_echo_server_SOURCES = compat/mtcp/examples/echo_server.c
compat_mtcp_examples_mtcp_echo_server_CPPFLAGS = $(MTCP_APP_CPPFLAGS)
compat_mtcp_examples_mtcp_echo_server_LDADD = $(MTCP_APP_LDADD)
compat_mtcp_examples_mtcp_echo_client_SOURCES = compat/mtcp/examples/echo_client.c
compat_mtcp_examples_mtcp_echo_client_CPPFLAGS = $(MTCP_APP_CPPFLAGS)
compat_mtcp_examples_mtcp_echo_client_LDADD = $(MTCP_APP_LDADD)
