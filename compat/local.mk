# compat/: other stacks' application interfaces over libutcp's public API.
include $(top_srcdir)/compat/mtcp/local.mk
