# nic/psio: the PacketShader I/O engine backend, built into libutcp with
# --with-psio=DIR (an io_engine tree: DIR/include/ps.h, DIR/lib/libps).
# Its config keys are known to every build.
libutcp_la_SOURCES += nic/psio/psio.h nic/psio/keys.c
if HAVE_PSIO
noinst_LTLIBRARIES += libutcp_psio.la
libutcp_psio_la_SOURCES = nic/psio/psio.c
libutcp_psio_la_CPPFLAGS = $(AM_CPPFLAGS) $(PSIO_CFLAGS)
libutcp_psio_la_CFLAGS = $(AM_CFLAGS)
libutcp_la_LIBADD += libutcp_psio.la $(PSIO_LIBS)
libutcp_la_CPPFLAGS += -DUTCP_PSIO_BACKEND
endif

# Always: the backend compiled against the FAKE engine in tests/psio-fake
# (no 82599 NIC or ps_ixgbe driver exists on test machines), TCP over it.
check_PROGRAMS += tests/psio/test_psio_fake
TESTS += tests/psio/test_psio_fake
tests_psio_test_psio_fake_SOURCES = tests/psio/test_psio_fake.c nic/psio/psio.c \
	tests/psio-fake/fake_ps.c tests/psio-fake/include/ps.h
tests_psio_test_psio_fake_CPPFLAGS = -I$(top_srcdir)/tests/psio-fake/include $(AM_CPPFLAGS)
tests_psio_test_psio_fake_CFLAGS = $(AM_CFLAGS)
tests_psio_test_psio_fake_LDADD = libutcp.la -lpthread
