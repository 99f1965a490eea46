# tests/psio: Always: the backend compiled against the FAKE engine in tests/psio-fake
# (no 82599 NIC or ps_ixgbe driver exists on test machines), TCP over it.
check_PROGRAMS += tests/psio/test_psio_fake
TESTS += tests/psio/test_psio_fake
tests_psio_test_psio_fake_SOURCES = tests/psio/test_psio_fake.c nic/psio/psio.c \
	tests/psio-fake/fake_ps.c tests/psio-fake/include/ps.h
tests_psio_test_psio_fake_CPPFLAGS = -I$(top_srcdir)/tests/psio-fake/include $(AM_CPPFLAGS)
tests_psio_test_psio_fake_CFLAGS = $(AM_CFLAGS)
tests_psio_test_psio_fake_LDADD = libutcp.la -lpthread
