EXTRA_DIST += config/sample_utcp.conf config/sample_arp.conf config/sample_route.conf
