# nic/mw: middleware that wraps any NIC (pcap capture, fault injection) and
# the impairment decisions it shares with the simulator's links.
libutcp_la_SOURCES += nic/mw/impair.c nic/mw/impair.h
libutcp_la_SOURCES += nic/mw/pcap.c nic/mw/fault.c nic/mw/mw.h

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_pcap tests/unit/test_fault tests/unit/test_registry
TESTS += tests/unit/test_pcap tests/unit/test_fault tests/unit/test_registry
endif
tests_unit_test_pcap_SOURCES = tests/unit/test_pcap.c tests/unit/loopnic.h
tests_unit_test_pcap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pcap_LDADD = $(UNIT_LIBS) $(PCAP_LIBS)
tests_unit_test_fault_SOURCES = tests/unit/test_fault.c tests/unit/loopnic.h
tests_unit_test_fault_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fault_LDADD = $(UNIT_LIBS)
tests_unit_test_registry_SOURCES = tests/unit/test_registry.c
tests_unit_test_registry_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_registry_LDADD = $(UNIT_LIBS)
