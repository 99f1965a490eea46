# core/: the stack, one folder per floor (ARCHITECTURE.md), bottom first.
include $(top_srcdir)/core/base/local.mk
include $(top_srcdir)/core/wire/local.mk
include $(top_srcdir)/core/io/local.mk
include $(top_srcdir)/core/net/local.mk
include $(top_srcdir)/core/tcp/local.mk
include $(top_srcdir)/core/udp/local.mk
include $(top_srcdir)/core/api/local.mk
include $(top_srcdir)/core/stack/local.mk
