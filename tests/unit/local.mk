# tests/unit: the Check suites, as packet traces against the in-memory test
# NIC (testnic.c, tcptest.c) or the simulator.  Each ends with a leak check.
NET_TESTNIC = tests/unit/testnic.c tests/unit/testnic.h
TCP_TESTLIB = tests/unit/tcptest.c tests/unit/tcptest.h tests/unit/testnic.c tests/unit/testnic.h

# core/base
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_timer tests/unit/test_prng tests/unit/test_pool \
	tests/unit/test_args
TESTS += tests/unit/test_timer tests/unit/test_prng tests/unit/test_pool tests/unit/test_args
endif
tests_unit_test_timer_SOURCES = tests/unit/test_timer.c
tests_unit_test_timer_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_timer_LDADD = $(UNIT_LIBS)
tests_unit_test_prng_SOURCES = tests/unit/test_prng.c
tests_unit_test_prng_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_prng_LDADD = $(UNIT_LIBS)
tests_unit_test_pool_SOURCES = tests/unit/test_pool.c
tests_unit_test_pool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pool_LDADD = $(UNIT_LIBS)
tests_unit_test_args_SOURCES = tests/unit/test_args.c
tests_unit_test_args_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_args_LDADD = $(UNIT_LIBS)

# setup/
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
endif
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LIBS)

# core/net, core/io, core/stack: frames through a context on the test NIC.

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_checksum tests/unit/test_eth tests/unit/test_arp \
	tests/unit/test_ipv4 tests/unit/test_icmp tests/unit/test_route tests/unit/test_rss \
	tests/unit/test_ctx
TESTS += tests/unit/test_checksum tests/unit/test_eth tests/unit/test_arp \
	tests/unit/test_ipv4 tests/unit/test_icmp tests/unit/test_route tests/unit/test_rss \
	tests/unit/test_ctx
endif

tests_unit_test_checksum_SOURCES = tests/unit/test_checksum.c
tests_unit_test_checksum_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_checksum_LDADD = $(UNIT_LIBS)

tests_unit_test_eth_SOURCES = tests/unit/test_eth.c $(NET_TESTNIC)
tests_unit_test_eth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_eth_LDADD = $(UNIT_LIBS)

tests_unit_test_arp_SOURCES = tests/unit/test_arp.c $(NET_TESTNIC)
tests_unit_test_arp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_arp_LDADD = $(UNIT_LIBS)

tests_unit_test_ipv4_SOURCES = tests/unit/test_ipv4.c $(NET_TESTNIC)
tests_unit_test_ipv4_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ipv4_LDADD = $(UNIT_LIBS)

tests_unit_test_icmp_SOURCES = tests/unit/test_icmp.c $(NET_TESTNIC)
tests_unit_test_icmp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_icmp_LDADD = $(UNIT_LIBS)

tests_unit_test_route_SOURCES = tests/unit/test_route.c $(NET_TESTNIC)
tests_unit_test_route_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_route_LDADD = $(UNIT_LIBS)

tests_unit_test_rss_SOURCES = tests/unit/test_rss.c
tests_unit_test_rss_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rss_LDADD = $(UNIT_LIBS)

tests_unit_test_ctx_SOURCES = tests/unit/test_ctx.c $(NET_TESTNIC)
tests_unit_test_ctx_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ctx_LDADD = $(UNIT_LIBS)

# IPv6, ICMPv6, neighbour discovery (core/wire, core/net)
IP6_TESTLIB = tests/unit/ip6test.c tests/unit/ip6test.h $(NET_TESTNIC)
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_ipv6 tests/unit/test_nd
TESTS += tests/unit/test_ipv6 tests/unit/test_nd
endif
tests_unit_test_ipv6_SOURCES = tests/unit/test_ipv6.c $(IP6_TESTLIB)
tests_unit_test_ipv6_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ipv6_LDADD = $(UNIT_LIBS)
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp6
TESTS += tests/unit/test_tcp6
endif
tests_unit_test_tcp6_SOURCES = tests/unit/test_tcp6.c $(IP6_TESTLIB)
tests_unit_test_tcp6_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp6_LDADD = $(UNIT_LIBS)
tests_unit_test_nd_SOURCES = tests/unit/test_nd.c $(IP6_TESTLIB)
tests_unit_test_nd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_nd_LDADD = $(UNIT_LIBS)

# core/tcp and core/api
TCP_TESTS = tests/unit/test_tcp_open tests/unit/test_tcp_data tests/unit/test_tcp_close \
	tests/unit/test_tcp_timewait tests/unit/test_socket tests/unit/test_epoll tests/unit/test_tcp_sim tests/unit/test_syncookie

if HAVE_CHECK
check_PROGRAMS += $(TCP_TESTS)
TESTS += $(TCP_TESTS)
endif

tests_unit_test_tcp_open_SOURCES = tests/unit/test_tcp_open.c $(TCP_TESTLIB)
tests_unit_test_tcp_open_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_open_LDADD = $(UNIT_LIBS)

tests_unit_test_tcp_data_SOURCES = tests/unit/test_tcp_data.c $(TCP_TESTLIB)
tests_unit_test_tcp_data_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_data_LDADD = $(UNIT_LIBS)

tests_unit_test_tcp_close_SOURCES = tests/unit/test_tcp_close.c $(TCP_TESTLIB)
tests_unit_test_tcp_close_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_close_LDADD = $(UNIT_LIBS)

tests_unit_test_tcp_timewait_SOURCES = tests/unit/test_tcp_timewait.c $(TCP_TESTLIB)
tests_unit_test_tcp_timewait_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_timewait_LDADD = $(UNIT_LIBS)

tests_unit_test_socket_SOURCES = tests/unit/test_socket.c $(TCP_TESTLIB)
tests_unit_test_socket_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_socket_LDADD = $(UNIT_LIBS)

tests_unit_test_epoll_SOURCES = tests/unit/test_epoll.c $(TCP_TESTLIB)
tests_unit_test_epoll_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_epoll_LDADD = $(UNIT_LIBS)

tests_unit_test_tcp_sim_SOURCES = tests/unit/test_tcp_sim.c $(TCP_TESTLIB)
tests_unit_test_tcp_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_sim_LDADD = $(UNIT_LIBS) $(PCAP_LIBS)

tests_unit_test_syncookie_SOURCES = tests/unit/test_syncookie.c $(TCP_TESTLIB)
tests_unit_test_syncookie_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_syncookie_LDADD = $(UNIT_LIBS)

# Zero-copy data calls (core/api/sockzc.c, core/tcp/tcp_zc.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_zc
TESTS += tests/unit/test_tcp_zc
endif
tests_unit_test_tcp_zc_SOURCES = tests/unit/test_tcp_zc.c $(TCP_TESTLIB)
tests_unit_test_tcp_zc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_zc_LDADD = $(UNIT_LIBS)

# Loss recovery and congestion control: unit traces (tests/unit/test_tcp_recovery.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_recovery
TESTS += tests/unit/test_tcp_recovery
endif

tests_unit_test_tcp_recovery_SOURCES = tests/unit/test_tcp_recovery.c $(TCP_TESTLIB)
tests_unit_test_tcp_recovery_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_recovery_LDADD = $(UNIT_LIBS)

# Congestion control measured on the simulator, with a goodput snapshot.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_cc_sim
TESTS += tests/unit/test_cc_sim
endif
tests_unit_test_cc_sim_SOURCES = tests/unit/test_cc_sim.c $(TCP_TESTLIB)
tests_unit_test_cc_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cc_sim_LDADD = $(UNIT_LIBS)

# Out-of-order ranges and SACK generation: unit traces (tests/unit/test_tcp_ooo.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_ooo
TESTS += tests/unit/test_tcp_ooo
endif

tests_unit_test_tcp_ooo_SOURCES = tests/unit/test_tcp_ooo.c $(TCP_TESTLIB)
tests_unit_test_tcp_ooo_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_ooo_LDADD = $(UNIT_LIBS)

# Header prediction, both directions: unit traces (tests/unit/test_tcp_fast.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_fast
TESTS += tests/unit/test_tcp_fast
endif

tests_unit_test_tcp_fast_SOURCES = tests/unit/test_tcp_fast.c $(TCP_TESTLIB)
tests_unit_test_tcp_fast_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_fast_LDADD = $(UNIT_LIBS)

# RFC points outside suites check (tests/unit/test_tcp_rfc.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_rfc
TESTS += tests/unit/test_tcp_rfc
endif
tests_unit_test_tcp_rfc_SOURCES = tests/unit/test_tcp_rfc.c $(TCP_TESTLIB)
tests_unit_test_tcp_rfc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_rfc_LDADD = $(UNIT_LIBS)

# The options and keys deployers know from Linux (tests/unit/test_tcp_knobs.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_knobs
TESTS += tests/unit/test_tcp_knobs
endif
tests_unit_test_tcp_knobs_SOURCES = tests/unit/test_tcp_knobs.c $(TCP_TESTLIB)
tests_unit_test_tcp_knobs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_knobs_LDADD = $(UNIT_LIBS)

# ECN (RFC 3168), tests/unit/test_tcp_ecn.c.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_ecn
TESTS += tests/unit/test_tcp_ecn
endif
tests_unit_test_tcp_ecn_SOURCES = tests/unit/test_tcp_ecn.c $(TCP_TESTLIB)
tests_unit_test_tcp_ecn_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_ecn_LDADD = $(UNIT_LIBS)

# Pacing, tests/unit/test_tcp_pacing.c.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_pacing
TESTS += tests/unit/test_tcp_pacing
endif
tests_unit_test_tcp_pacing_SOURCES = tests/unit/test_tcp_pacing.c $(TCP_TESTLIB)
tests_unit_test_tcp_pacing_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_pacing_LDADD = $(UNIT_LIBS)

# Regression tests for what the fuzz targets found.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_persist
TESTS += tests/unit/test_tcp_persist
endif
tests_unit_test_tcp_persist_SOURCES = tests/unit/test_tcp_persist.c $(TCP_TESTLIB)
tests_unit_test_tcp_persist_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_persist_LDADD = $(UNIT_LIBS)

# nic/: the middleware, the registry, the TAP backend
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_pcap tests/unit/test_fault tests/unit/test_registry
TESTS += tests/unit/test_pcap tests/unit/test_fault tests/unit/test_registry
endif
tests_unit_test_pcap_SOURCES = tests/unit/test_pcap.c tests/unit/loopnic.h
tests_unit_test_pcap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pcap_LDADD = $(UNIT_LIBS) $(PCAP_LIBS)
tests_unit_test_fault_SOURCES = tests/unit/test_fault.c tests/unit/loopnic.h
tests_unit_test_fault_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fault_LDADD = $(UNIT_LIBS)
tests_unit_test_registry_SOURCES = tests/unit/test_registry.c
tests_unit_test_registry_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_registry_LDADD = $(UNIT_LIBS)

# Needs root (or CAP_NET_ADMIN) and /dev/net/tun; exits 77 without them.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tap
TESTS += tests/unit/test_tap
endif
tests_unit_test_tap_SOURCES = tests/unit/test_tap.c
tests_unit_test_tap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tap_LDADD = $(UNIT_LIBS) -lpthread

# sim/
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_sim
TESTS += tests/unit/test_sim
endif
tests_unit_test_sim_SOURCES = tests/unit/test_sim.c
tests_unit_test_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sim_LDADD = $(UNIT_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_sim_events
TESTS += tests/unit/test_sim_events
endif
tests_unit_test_sim_events_SOURCES = tests/unit/test_sim_events.c
tests_unit_test_sim_events_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sim_events_LDADD = $(UNIT_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_replay
TESTS += tests/unit/test_replay
endif
tests_unit_test_replay_SOURCES = tests/unit/test_replay.c
tests_unit_test_replay_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_replay_LDADD = $(UNIT_LIBS)

# tools/: the epserver and epwget application code against each other on the
# simulator, and their parsers.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_apps_sim
TESTS += tests/unit/test_apps_sim
endif
tests_unit_test_apps_sim_SOURCES = tests/unit/test_apps_sim.c $(APPS_CORE)
tests_unit_test_apps_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_apps_sim_LDADD = $(UNIT_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_arp_sim
TESTS += tests/unit/test_arp_sim
endif
tests_unit_test_arp_sim_SOURCES = tests/unit/test_arp_sim.c
tests_unit_test_arp_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_arp_sim_LDADD = $(UNIT_LIBS)

# core/udp and its sockets (core/api/udpsock.c)
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_udp
TESTS += tests/unit/test_udp
endif
tests_unit_test_udp_SOURCES = tests/unit/test_udp.c $(NET_TESTNIC)
tests_unit_test_udp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_udp_LDADD = $(UNIT_LIBS)

# UDP over IPv6 and AF_INET6 datagram sockets.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_udp6
TESTS += tests/unit/test_udp6
endif
tests_unit_test_udp6_SOURCES = tests/unit/test_udp6.c $(IP6_TESTLIB)
tests_unit_test_udp6_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_udp6_LDADD = $(UNIT_LIBS)

# core/api/sockaddr.c: a user's sockaddr in and out, Linux's errno values.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_sockaddr
TESTS += tests/unit/test_sockaddr
endif
tests_unit_test_sockaddr_SOURCES = tests/unit/test_sockaddr.c
tests_unit_test_sockaddr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sockaddr_LDADD = $(UNIT_LIBS)

# core/api/conninfo.c: the snapshots utcp-ss reads, the sender-state trace.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_conninfo
TESTS += tests/unit/test_conninfo
endif
tests_unit_test_conninfo_SOURCES = tests/unit/test_conninfo.c $(TCP_TESTLIB)
tests_unit_test_conninfo_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conninfo_LDADD = $(UNIT_LIBS)

# Linux's choices at the knobs that select them (tests/unit/test_tcp_linux.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_linux
TESTS += tests/unit/test_tcp_linux
endif
tests_unit_test_tcp_linux_SOURCES = tests/unit/test_tcp_linux.c $(TCP_TESTLIB)
tests_unit_test_tcp_linux_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_linux_LDADD = $(UNIT_LIBS)

# tcp_wmem: the send buffer counted as Linux counts it (tests/unit/test_tcp_sndmem.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_sndmem
TESTS += tests/unit/test_tcp_sndmem
endif
tests_unit_test_tcp_sndmem_SOURCES = tests/unit/test_tcp_sndmem.c $(TCP_TESTLIB)
tests_unit_test_tcp_sndmem_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_sndmem_LDADD = $(UNIT_LIBS)

# TCP Fast Open, client side (tests/unit/test_tcp_tfo.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_tfo
TESTS += tests/unit/test_tcp_tfo
endif
tests_unit_test_tcp_tfo_SOURCES = tests/unit/test_tcp_tfo.c $(TCP_TESTLIB)
tests_unit_test_tcp_tfo_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_tfo_LDADD = $(UNIT_LIBS)

# RSS over IPv6 on a multi-queue sim NIC
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_rss6_sim
TESTS += tests/unit/test_rss6_sim
endif
tests_unit_test_rss6_sim_SOURCES = tests/unit/test_rss6_sim.c
tests_unit_test_rss6_sim_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rss6_sim_LDADD = $(UNIT_LIBS)

# TCP segmentation offload and receive coalescing: TCP on a test NIC with
# TSO (tests/unit/test_tcp_tso.c), the sim NIC's segmentation and GRO
# (tests/unit/test_sim_tso.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_tcp_tso tests/unit/test_sim_tso
TESTS += tests/unit/test_tcp_tso tests/unit/test_sim_tso
endif

tests_unit_test_tcp_tso_SOURCES = tests/unit/test_tcp_tso.c $(TCP_TESTLIB)
tests_unit_test_tcp_tso_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tcp_tso_LDADD = $(UNIT_LIBS)
tests_unit_test_sim_tso_SOURCES = tests/unit/test_sim_tso.c
tests_unit_test_sim_tso_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sim_tso_LDADD = $(UNIT_LIBS)
