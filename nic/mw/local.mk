# nic/mw: middleware that wraps any NIC (pcap capture, fault injection) and
# the impairment decisions it shares with the simulator's links.
libutcp_la_SOURCES += nic/mw/impair.c nic/mw/impair.h
libutcp_la_SOURCES += nic/mw/pcap.c nic/mw/fault.c nic/mw/mw.h
