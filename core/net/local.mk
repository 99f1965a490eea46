libutcp_la_SOURCES += core/net/net.h \
	core/net/net.c \
	core/net/eth.c \
	core/net/arp.c \
	core/net/ipv4.c \
	core/net/icmp.c \
	core/net/route.c

# Unit suites for core/net and core/api/ctx.c.  Those that drive frames
# through a context link the in-memory test NIC (tests/unit/testnic.c).
NET_TESTNIC = tests/unit/testnic.c tests/unit/testnic.h

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_checksum tests/unit/test_eth tests/unit/test_arp \
	tests/unit/test_ipv4 tests/unit/test_icmp tests/unit/test_route tests/unit/test_rss \
	tests/unit/test_ctx
TESTS += tests/unit/test_checksum tests/unit/test_eth tests/unit/test_arp \
	tests/unit/test_ipv4 tests/unit/test_icmp tests/unit/test_route tests/unit/test_rss \
	tests/unit/test_ctx
endif

tests_unit_test_checksum_SOURCES = tests/unit/test_checksum.c
tests_unit_test_checksum_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_checksum_LDADD = $(UNIT_LIBS)

tests_unit_test_eth_SOURCES = tests/unit/test_eth.c $(NET_TESTNIC)
tests_unit_test_eth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_eth_LDADD = $(UNIT_LIBS)

tests_unit_test_arp_SOURCES = tests/unit/test_arp.c $(NET_TESTNIC)
tests_unit_test_arp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_arp_LDADD = $(UNIT_LIBS)

tests_unit_test_ipv4_SOURCES = tests/unit/test_ipv4.c $(NET_TESTNIC)
tests_unit_test_ipv4_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ipv4_LDADD = $(UNIT_LIBS)

tests_unit_test_icmp_SOURCES = tests/unit/test_icmp.c $(NET_TESTNIC)
tests_unit_test_icmp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_icmp_LDADD = $(UNIT_LIBS)

tests_unit_test_route_SOURCES = tests/unit/test_route.c $(NET_TESTNIC)
tests_unit_test_route_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_route_LDADD = $(UNIT_LIBS)

tests_unit_test_rss_SOURCES = tests/unit/test_rss.c
tests_unit_test_rss_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rss_LDADD = $(UNIT_LIBS)

tests_unit_test_ctx_SOURCES = tests/unit/test_ctx.c $(NET_TESTNIC)
tests_unit_test_ctx_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ctx_LDADD = $(UNIT_LIBS)
