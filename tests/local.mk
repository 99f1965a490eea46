# tests/: every suite, one fragment per folder, and the quality gates that
# run inside `make check`.  .ci/gates runs the builds that use the gates'
# settings (sanitizers, valgrind, coverage, fuzzing), each in its own build
# directory.
include $(top_srcdir)/tests/unit/local.mk
include $(top_srcdir)/tests/sim/local.mk
include $(top_srcdir)/tests/apps/local.mk
include $(top_srcdir)/tests/interop/local.mk
include $(top_srcdir)/tests/mtcp/local.mk
include $(top_srcdir)/tests/preload/local.mk
include $(top_srcdir)/tests/bench/local.mk
include $(top_srcdir)/tests/dpdk/local.mk
include $(top_srcdir)/tests/psio/local.mk
include $(top_srcdir)/tests/doc/local.mk
include $(top_srcdir)/tests/fuzz/local.mk
include $(top_srcdir)/tests/packetdrill/local.mk

# core/ reads no clock and draws no ambient randomness (DESIGN.md §3); every
# dependency points down the floors of ARCHITECTURE.md.
TESTS += tests/determinism.sh tests/floors.sh
EXTRA_DIST += tests/determinism.sh tests/determinism.py tests/floors.sh tests/floors.py .ci/gates

# utcp-ss against epserver on TAP (root; 77 otherwise).
TESTS += tests/ss/epserver_tap.sh
EXTRA_DIST += tests/ss/epserver_tap.sh
# The same over IPv6: [addr]:port as ss(8) writes it.
TESTS += tests/ss/epserver_tap6.sh
EXTRA_DIST += tests/ss/epserver_tap6.sh
EXTRA_DIST += tests/ss/common.sh
EXTRA_DIST += tests/netns.sh

# The pictures: utcp-sim --plot, utcp-plot, utcp-replay --plot (gnuplot; 77 without).
TESTS += tests/plot/svg.sh
EXTRA_DIST += tests/plot/svg.sh

# The progress line of long runs (tools/progress.c).
TESTS += tests/progress/progress.sh
EXTRA_DIST += tests/progress/progress.sh
