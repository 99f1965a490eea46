# core/net: Ethernet, ARP, IPv4, ICMP echo, routing (per context).
libutcp_la_SOURCES += core/net/net.h \
	core/net/net.c \
	core/net/eth.c \
	core/net/arp.c \
	core/net/ipv4.c \
	core/net/icmp.c \
	core/net/route.c
