# nic/tap: the TAP backend (Linux tun/tap, always built).
libutcp_la_SOURCES += nic/tap/tap.c nic/tap/tap.h
