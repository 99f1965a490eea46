# RACK-TLP loss detection (RFC 8985), core/tcp/tcp_rack.c; its unit traces
# are in tests/unit/test_tcp_recovery.c (core/tcp/cc.mk).
libutcp_la_SOURCES += core/tcp/tcp_rack.c
