# core/net: Ethernet, ARP, IPv4, ICMP echo, routing, IPv6, ICMPv6, ND (per context).
libutcp_la_SOURCES += core/net/net.h \
	core/net/ipv4_out.h \
	core/net/net.c \
	core/net/eth.c \
	core/net/pending.c \
	core/net/arp.c \
	core/net/ipv4.c \
	core/net/icmp.c \
	core/net/route.c \
	core/net/route6.c \
	core/net/addr6.c \
	core/net/nd.c \
	core/net/ipv6_out.c \
	core/net/icmp6.c \
	core/net/ipv6.c
