# tests/bench: a quick utcp-bench run in make check (the harness works, the
# table is produced and every utcp byte was verified; figures are not
# judged), and the TAP rate comparison behind `make bench-tap`.
TESTS += tests/bench/bench_smoke.sh
# utcp-bench --path tap --quick (root; a few seconds; 77 otherwise).
TESTS += tests/bench/bench_tap_smoke.sh
EXTRA_DIST += tests/bench/bench_tap_smoke.sh
EXTRA_DIST += tests/bench/bench_smoke.sh tests/bench/tap_rate.sh tests/bench/tap_loss.sh
# Instructions per transaction under callgrind, against tests/bench/ceiling.txt.
TESTS += tests/bench/ceiling.sh
EXTRA_DIST += tests/bench/ceiling.sh tests/bench/ceiling.txt
# utcp-bench --ip6 --quick: utcp over IPv6 beside IPv4 (short, pingpong).
TESTS += tests/bench/bench_ip6_smoke.sh
EXTRA_DIST += tests/bench/bench_ip6_smoke.sh
# utcp-bench --path memif (two processes on DPDK net_memif beside two over
# loopback; one DPDK test at a time; 77 without DPDK).
TESTS += tests/bench/bench_memif_smoke.sh
EXTRA_DIST += tests/bench/bench_memif_smoke.sh
