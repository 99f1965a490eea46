# setup/: configuration files (utcp.conf, arp.conf, route.conf) and a stack
# from a config.  Generic keys are parsed here; a backend's or middleware's
# own keys come from the key tables the NIC registry lists.  utcp_stack_open
# opens the NICs through the registry, then core/stack adopts them.
libutcp_la_SOURCES += setup/config.c setup/open.c
# The control socket (control_socket = PATH) utcp-ss reads.
libutcp_la_SOURCES += setup/ctl.h setup/ctl.c
