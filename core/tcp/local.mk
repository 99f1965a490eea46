# core/tcp: TCP (RFC 9293).
libutcp_la_SOURCES += \
	core/tcp/tcp.h \
	core/tcp/tcp_ctx.c \
	core/tcp/tcp_flow.c \
	core/tcp/tcp_port.c \
	core/tcp/tcp_isn.c \
	core/tcp/tcp_tcb.c \
	core/tcp/tcp_buf.c \
	core/tcp/tcp_ooo.c \
	core/tcp/tcp_cc.h \
	core/tcp/tcp_cc.c \
	core/tcp/cc_hystart.c \
	core/tcp/cc_newreno.c \
	core/tcp/cc_cubic.c \
	core/tcp/tcp_sack.c \
	core/tcp/tcp_conn.c \
	core/tcp/tcp_input.c \
	core/tcp/tcp_recovery.c \
	core/tcp/tcp_output.c \
	core/tcp/tcp_timer.c \
	core/tcp/tcp_check.c \
	core/tcp/tcp_syncookie.c

# Unit suites: TCP as packet traces on the in-memory test NIC, and the API.
TCP_TESTLIB = tests/unit/tcptest.c tests/unit/tcptest.h tests/unit/testnic.c tests/unit/testnic.h
TCP_TESTS = tests/unit/test_tcp_open tests/unit/test_tcp_data tests/unit/test_tcp_close \
	tests/unit/test_socket tests/unit/test_epoll tests/unit/test_tcp_sim tests/unit/test_syncookie

if HAVE_CHECK
check_PROGRAMS += $(TCP_TESTS)
TESTS += $(TCP_TESTS)
endif

tests_unit_test_tcp_open_SOURCES = tests/unit/test_tcp_open.c $(TCP_TESTLIB)
tests_unit_test_tcp_open_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_open_LDADD = $(UNIT_LIBS)

tests_unit_test_tcp_data_SOURCES = tests/unit/test_tcp_data.c $(TCP_TESTLIB)
tests_unit_test_tcp_data_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_data_LDADD = $(UNIT_LIBS)

tests_unit_test_tcp_close_SOURCES = tests/unit/test_tcp_close.c $(TCP_TESTLIB)
tests_unit_test_tcp_close_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_close_LDADD = $(UNIT_LIBS)

tests_unit_test_socket_SOURCES = tests/unit/test_socket.c $(TCP_TESTLIB)
tests_unit_test_socket_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_socket_LDADD = $(UNIT_LIBS)

tests_unit_test_epoll_SOURCES = tests/unit/test_epoll.c $(TCP_TESTLIB)
tests_unit_test_epoll_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_epoll_LDADD = $(UNIT_LIBS)

tests_unit_test_tcp_sim_SOURCES = tests/unit/test_tcp_sim.c $(TCP_TESTLIB)
tests_unit_test_tcp_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_sim_LDADD = $(UNIT_LIBS) $(PCAP_LIBS)

tests_unit_test_syncookie_SOURCES = tests/unit/test_syncookie.c $(TCP_TESTLIB)
tests_unit_test_syncookie_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_syncookie_LDADD = $(UNIT_LIBS)
include $(top_srcdir)/core/tcp/cc.mk
include $(top_srcdir)/core/tcp/ooo.mk
include $(top_srcdir)/core/tcp/rack.mk
