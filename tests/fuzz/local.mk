# tests/fuzz: libFuzzer targets (frames into a stack with connections, TCP
# options, the config parser, pcap traces, UDP datagrams and sockets), their seed corpus, and the
# scripts that run them.
#
# With --enable-fuzz (CC=clang, see tests/fuzz/fuzz.sh) the targets link
# libFuzzer's main.  Otherwise they link tests/fuzz/driver.c and `make check`
# replays every seed and regression input through them
# (tests/fuzz/run-corpus.sh), so the corpus runs in the sanitizer and
# valgrind builds too.  The targets that reuse tests/unit/tcptest.c do not
# link Check: tests/fuzz/ckshim.c turns its assertions into abort().
FUZZ_TARGETS = tests/fuzz/fuzz_frame tests/fuzz/fuzz_tcp_opt tests/fuzz/fuzz_config \
	tests/fuzz/fuzz_pcap tests/fuzz/fuzz_udp tests/fuzz/fuzz_ipv6
FUZZ_HOST = tests/fuzz/fuzzhost.c tests/fuzz/fuzzhost.h tests/fuzz/ckshim.c $(TCP_TESTLIB)

if ENABLE_FUZZ
noinst_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_MAIN =
FUZZ_LINK = -fsanitize=fuzzer
else
if HAVE_CHECK
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += tests/fuzz/run-corpus.sh
endif
FUZZ_MAIN = tests/fuzz/driver.c
FUZZ_LINK =
endif

tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz_frame.c $(FUZZ_HOST) $(FUZZ_MAIN)
tests_fuzz_fuzz_frame_CFLAGS = $(UNIT_CFLAGS)
tests_fuzz_fuzz_frame_LDADD = libutcp.la $(CODE_COVERAGE_LIBS)
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_LINK)

tests_fuzz_fuzz_tcp_opt_SOURCES = tests/fuzz/fuzz_tcp_opt.c $(FUZZ_MAIN)
tests_fuzz_fuzz_tcp_opt_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_tcp_opt_LDADD = libutcp.la $(CODE_COVERAGE_LIBS)
tests_fuzz_fuzz_tcp_opt_LDFLAGS = $(FUZZ_LINK)

tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c $(FUZZ_MAIN)
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_config_LDADD = libutcp.la $(CODE_COVERAGE_LIBS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK)

tests_fuzz_fuzz_pcap_SOURCES = tests/fuzz/fuzz_pcap.c $(FUZZ_HOST) $(FUZZ_MAIN)
tests_fuzz_fuzz_pcap_CFLAGS = $(UNIT_CFLAGS)
tests_fuzz_fuzz_pcap_LDADD = libutcp.la $(PCAP_LIBS) $(CODE_COVERAGE_LIBS)
tests_fuzz_fuzz_pcap_LDFLAGS = $(FUZZ_LINK)

tests_fuzz_fuzz_udp_SOURCES = tests/fuzz/fuzz_udp.c tests/fuzz/ckshim.c \
	tests/unit/ip6test.c tests/unit/ip6test.h $(NET_TESTNIC) $(FUZZ_MAIN)
tests_fuzz_fuzz_udp_CFLAGS = $(UNIT_CFLAGS)
tests_fuzz_fuzz_udp_LDADD = libutcp.la $(CODE_COVERAGE_LIBS)
tests_fuzz_fuzz_udp_LDFLAGS = $(FUZZ_LINK)

tests_fuzz_fuzz_ipv6_SOURCES = tests/fuzz/fuzz_ipv6.c tests/fuzz/ckshim.c \
	tests/unit/ip6test.c tests/unit/ip6test.h $(NET_TESTNIC) $(FUZZ_MAIN)
tests_fuzz_fuzz_ipv6_CFLAGS = $(UNIT_CFLAGS)
tests_fuzz_fuzz_ipv6_LDADD = libutcp.la $(CODE_COVERAGE_LIBS)
tests_fuzz_fuzz_ipv6_LDFLAGS = $(FUZZ_LINK)

# Hours of fuzzing (FUZZ_TIME s per target, default 3600), and the share of
# core/ the committed corpus reaches (gcov): separate builds under build/.
fuzz-long:
	$(SHELL) $(top_srcdir)/tests/fuzz/long.sh fuzz
fuzz-coverage:
	$(SHELL) $(top_srcdir)/tests/fuzz/long.sh coverage
.PHONY: fuzz-long fuzz-coverage

EXTRA_DIST += tests/fuzz/run-corpus.sh tests/fuzz/fuzz.sh tests/fuzz/long.sh tests/fuzz/mkseeds.py \
	tests/fuzz/corpus tests/fuzz/README.md
