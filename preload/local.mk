# preload/: libutcp-preload.so, the program's AF_INET stream sockets on utcp
# through LD_PRELOAD (unmodified binaries), and utcp-run, which sets it up.
# Written over libutcp's public API only (include/utcp), as compat/mtcp.
# A build without shared libraries (the sanitizer and fuzz gates) has
# neither: nothing could be preloaded.
if ENABLE_SHARED
lib_LTLIBRARIES += libutcp-preload.la
libutcp_preload_la_SOURCES = preload/preload.h preload/state.c preload/sock.c preload/io.c \
	preload/wait.c
libutcp_preload_la_CPPFLAGS = -I$(top_srcdir)/include -I$(top_srcdir) $(CODE_COVERAGE_CPPFLAGS)
libutcp_preload_la_LIBADD = libutcp.la -lpthread -ldl
libutcp_preload_la_LDFLAGS = -module -avoid-version -shared

bin_SCRIPTS = preload/utcp-run
CLEANFILES += preload/utcp-run
preload/utcp-run: $(srcdir)/preload/utcp-run.in Makefile
	$(AM_V_GEN)mkdir -p preload && \
	sed -e 's|@libdir[@]|$(libdir)|g' -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
		$(srcdir)/preload/utcp-run.in > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
endif
EXTRA_DIST += preload/utcp-run.in
