# nic/: backends and middleware behind include/utcp/nic.h.
include $(top_srcdir)/nic/mw/local.mk
include $(top_srcdir)/nic/tap/local.mk
include $(top_srcdir)/nic/dpdk/local.mk
include $(top_srcdir)/nic/psio/local.mk
libutcp_la_SOURCES += nic/registry.c nic/clock.c nic/fanout.c nic/fanout.h
