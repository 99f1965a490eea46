# config/: sample utcp.conf, arp.conf and route.conf, installed as examples.
utcpsampledir = $(docdir)/config
dist_utcpsample_DATA = config/sample_utcp.conf config/sample_arp.conf config/sample_route.conf
