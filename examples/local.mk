# examples/: small programs a user copies, written against the installed
# API only (<utcp/...>).  `make check` builds them in the tree and runs them;
# `make installcheck` (and so `make distcheck`) builds them again against the
# installed library, with nothing but `pkg-config --cflags --libs utcp`, and
# runs them.
UTCP_EXAMPLES = echo_sim

check_PROGRAMS += examples/echo_sim
examples_echo_sim_SOURCES = examples/echo_sim.c
examples_echo_sim_CPPFLAGS = -I$(top_srcdir)/include
examples_echo_sim_LDADD = libutcp.la
TESTS += examples/echo_sim

installcheck-local: installcheck-examples
installcheck-examples:
	@rm -rf examples-installed && $(MKDIR_P) examples-installed
	@set -e; \
	PKG_CONFIG_PATH='$(DESTDIR)$(libdir)/pkgconfig'; export PKG_CONFIG_PATH; \
	if test -n '$(DESTDIR)'; then PKG_CONFIG_SYSROOT_DIR='$(DESTDIR)'; export PKG_CONFIG_SYSROOT_DIR; fi; \
	flags=`$(PKG_CONFIG) --cflags --libs utcp`; \
	for e in $(UTCP_EXAMPLES); do \
	  echo "$(CC) -o $$e examples/$$e.c $$flags"; \
	  $(CC) $(CFLAGS) -o examples-installed/$$e $(srcdir)/examples/$$e.c $$flags; \
	  LD_LIBRARY_PATH='$(DESTDIR)$(libdir)' ./examples-installed/$$e \
	    > examples-installed/$$e.log || { cat examples-installed/$$e.log; exit 1; }; \
	  tail -n 1 examples-installed/$$e.log; \
	done
	@rm -rf examples-installed
.PHONY: installcheck-examples
clean-local: clean-examples-installed
clean-examples-installed:
	-rm -rf examples-installed
.PHONY: clean-examples-installed
