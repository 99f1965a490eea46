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
