# core/: the stack.  Each layer lists its files in its own fragment.
include $(top_srcdir)/core/base/local.mk
include $(top_srcdir)/core/net/local.mk
include $(top_srcdir)/core/api/local.mk
include $(top_srcdir)/core/tcp/local.mk
