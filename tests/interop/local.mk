# tests/interop: utcp against TCP implementations other than the Linux
# kernel's, over TAP (root; 77 otherwise).  lwip_peer is built by make check
# only when liblwip-dev is installed; without it the test skips.
if HAVE_LWIP
check_PROGRAMS += tests/interop/lwip_peer
tests_interop_lwip_peer_SOURCES = tests/interop/lwip_peer.c
tests_interop_lwip_peer_CFLAGS = $(AM_CFLAGS) $(LWIP_CFLAGS)
tests_interop_lwip_peer_LDADD = $(LWIP_LIBS) -lpthread
endif
TESTS += tests/interop/tap_lwip.sh
EXTRA_DIST += tests/interop/tap_lwip.sh tests/interop/lwip_peer.c
