# setup/: configuration files (utcp.conf, arp.conf, route.conf) and a stack
# from a config.  Generic keys are parsed here; a backend's or middleware's
# own keys come from the key tables the NIC registry lists.  utcp_stack_open
# opens the NICs through the registry, then core/stack adopts them.
libutcp_la_SOURCES += setup/config.c setup/open.c

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
endif
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LIBS)
