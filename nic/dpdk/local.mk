# nic/dpdk: the DPDK backend, built when configure finds libdpdk (HAVE_DPDK).
# DPDK's cflags (-march=corei7, -include rte_config.h) go on this backend's
# objects only: it is a convenience library of its own.
# Its config keys are known to every build.
libutcp_la_SOURCES += nic/dpdk/dpdk.h nic/dpdk/keys.c
if HAVE_DPDK
noinst_LTLIBRARIES += libutcp_dpdk.la
libutcp_dpdk_la_SOURCES = nic/dpdk/dpdk.c nic/dpdk/dpdk.h nic/dpdk/gate.c nic/dpdk/gate.h \
	nic/dpdk/seg.c nic/dpdk/seg.h
libutcp_dpdk_la_CPPFLAGS = $(AM_CPPFLAGS) -DALLOW_EXPERIMENTAL_API
libutcp_dpdk_la_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS)
libutcp_la_LIBADD += libutcp_dpdk.la $(DPDK_LIBS)
libutcp_la_CPPFLAGS += -DUTCP_DPDK_BACKEND
endif
