# nic/psio: the PacketShader I/O engine backend.  Only its design (psio.h)
# exists so far; the registry lists `io = psio` as not built.  When
# nic/psio/psio.c is written it is added here under `if HAVE_PSIO` together
# with -DUTCP_PSIO_BACKEND in libutcp_la_CPPFLAGS, $(PSIO_CFLAGS) and $(PSIO_LIBS).
libutcp_la_SOURCES += nic/psio/psio.h
