/*
 * nic/tap/tap.h - the TAP backend: a Linux tun/tap device as a multiqueue NIC.
 *
 * utcp_tap_open() attaches one nonblocking file descriptor per queue to the
 * tap device (IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE); the kernel spreads
 * frames it sends to the device over the queues by its own flow hash.  The
 * registry (nic/registry.c) calls it for `io = tap`.
 */
#ifndef UTCP_NIC_TAP_H
#define UTCP_NIC_TAP_H

#include <utcp/nic.h>

/* Its utcp.conf keys: tap_name, tap_vnet_hdr (listed by the registry). */
#define UTCP_TAP_NB_KEYS 2
extern const struct utcp_config_key utcp_tap_keys[UTCP_TAP_NB_KEYS];

struct utcp_nic *utcp_tap_open(const struct utcp_config *cfg, const struct utcp_port_config *port,
			       uint16_t nb_queues, char *err, size_t errlen);

#endif
