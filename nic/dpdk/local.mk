# nic/dpdk: the DPDK backend.  Only its design (dpdk.h) exists so far; the
# registry lists `io = dpdk` as not built.  When nic/dpdk/dpdk.c is written it
# is added here under `if HAVE_DPDK` together with -DUTCP_DPDK_BACKEND in
# libutcp_la_CPPFLAGS, $(DPDK_CFLAGS) and $(DPDK_LIBS).
libutcp_la_SOURCES += nic/dpdk/dpdk.h
