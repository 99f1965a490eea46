# tools/bench: utcp-bench, utcp against the Linux kernel side by side.
bin_PROGRAMS += tools/utcp-bench
tools_utcp_bench_SOURCES = tools/utcp-bench.c tools/bench/bench.h tools/bench/wl.c \
	tools/bench/bnet_kernel.c tools/bench/bnet_utcp.c tools/bench/bpath_tap.c tools/bench/bpath_memif.c tools/bench/report.h \
	tools/bench/report.c tools/bench/kcost.c tools/progress.h tools/progress.c
tools_utcp_bench_LDADD = libutcp.la -lpthread

# The full comparison, for people (minutes): `make bench`.
bench: tools/utcp-bench
	tools/utcp-bench $(BENCH_ARGS)

# TCP over TAP beside the TAP device's raw frame rate (root; minutes).
bench-tap: tools/utcp-nc tools/utcp-taprate
	top_builddir='$(top_builddir)' $(SHELL) $(top_srcdir)/tests/bench/tap_rate.sh
# TCP as a sender at 2 % loss and 2 % reordering over TAP: utcp beside the
# kernel, in one run (root; a minute or two).
bench-tap-loss: tools/utcp-nc
	top_builddir='$(top_builddir)' $(SHELL) $(top_srcdir)/tests/bench/tap_loss.sh
.PHONY: bench bench-tap bench-tap-loss
