# tests/: Check unit suites (tests/unit), simulator and interop scripts.
include $(top_srcdir)/tests/unit/local.mk
include $(top_srcdir)/tests/fuzz/local.mk
include $(top_srcdir)/tests/gates.mk
