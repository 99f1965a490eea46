# tests/packetdrill: the Linux TCP scripts of google/packetdrill against utcp.
# The adapter (a shared object packetdrill loads with --so_filename) is built
# with the tests; packetdrill itself is built at check time from the tree
# beside the project ($(top_srcdir)/../shared/third_party/packetdrill, or
# PACKETDRILL_SRC) into tests/packetdrill/build; without that tree the test
# is skipped.  README.md, "packetdrill", says how to run your own scripts.
# A build without shared libraries (--disable-shared: the sanitizer and fuzz
# gates) has no adapter, and the test skips.
if ENABLE_SHARED
check_LTLIBRARIES += tests/packetdrill/utcp_packetdrill.la
endif
tests_packetdrill_utcp_packetdrill_la_SOURCES = tests/packetdrill/adapter.c \
	tests/packetdrill/pd_nic.c tests/packetdrill/pd.h tests/packetdrill/pd_ifc.h
tests_packetdrill_utcp_packetdrill_la_LIBADD = libutcp.la -lpthread
# -rpath makes libtool build a shared object out of a library it never installs.
tests_packetdrill_utcp_packetdrill_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

PD_SHELL_FILES = tests/packetdrill/run.sh tests/packetdrill/suite.sh \
	tests/packetdrill/suite_ipv6.sh tests/packetdrill/suite_mapped.sh \
	tests/packetdrill/prepare.sh tests/packetdrill/own.sh
TESTS += tests/packetdrill/suite.sh tests/packetdrill/suite_ipv6.sh \
	tests/packetdrill/suite_mapped.sh tests/packetdrill/own.sh
EXTRA_DIST += $(PD_SHELL_FILES) tests/packetdrill/expected.txt
# The project's own scripts (own.sh), one per knob.
EXTRA_DIST += \
	tests/packetdrill/own/abc_nolimit.pkt \
	tests/packetdrill/own/cork.pkt \
	tests/packetdrill/own/cubic_md_cwnd.pkt \
	tests/packetdrill/own/cwnd_limited.pkt \
	tests/packetdrill/own/ecn.pkt \
	tests/packetdrill/own/fastopen.pkt \
	tests/packetdrill/own/max_pacing_rate.pkt \
	tests/packetdrill/own/ip_tos.pkt \
	tests/packetdrill/own/min_tso_segs.pkt \
	tests/packetdrill/own/notsent_lowat.pkt \
	tests/packetdrill/own/pacing.pkt \
	tests/packetdrill/own/prr_safeack.pkt \
	tests/packetdrill/own/pto_cap.pkt \
	tests/packetdrill/own/push_each_write.pkt \
	tests/packetdrill/own/rcvlowat.pkt \
	tests/packetdrill/own/retries.pkt \
	tests/packetdrill/own/rst_ack.pkt \
	tests/packetdrill/own/rto_min_var.pkt \
	tests/packetdrill/own/sack_off.pkt \
	tests/packetdrill/own/sock_buf_double.pkt \
	tests/packetdrill/own/syn_retries.pkt \
	tests/packetdrill/own/timestamps_off.pkt \
	tests/packetdrill/own/user_timeout.pkt \
	tests/packetdrill/own/window_scaling_off.pkt \
	tests/packetdrill/own/wmem.pkt \
	tests/packetdrill/own/wscale.pkt \
	tests/packetdrill/own/zwp_empty.pkt

# make packetdrill-update: rewrite expected.txt from a run (reasons kept).
packetdrill-update: tests/packetdrill/utcp_packetdrill.la
	top_srcdir='$(top_srcdir)' top_builddir='$(top_builddir)' \
		$(SHELL) $(top_srcdir)/tests/packetdrill/suite.sh --update
.PHONY: packetdrill-update

clean-local: packetdrill-clean
packetdrill-clean:
	rm -rf tests/packetdrill/build tests/packetdrill/suite.out \
		tests/packetdrill/suite.out-ipv6 tests/packetdrill/suite.out-ipv4-mapped-ipv6
.PHONY: packetdrill-clean
