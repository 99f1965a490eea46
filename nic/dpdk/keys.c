/*
 * nic/dpdk/keys.c - the DPDK backend's utcp.conf keys (see dpdk.h).
 *
 * dpdk_args: EAL's command line, split into words as a shell would
 * (core/base/args.h); the config parser checks that it splits when it reads
 * the line.
 * dpdk_tso: 1 (the default) turns TCP segmentation offload on when the port
 * offers RTE_ETH_TX_OFFLOAD_TCP_TSO, 0 keeps MSS-sized frames.  Descriptor ring sizes (num_rx_desc, num_tx_desc) are generic
 * keys: the simulated NIC reads them too.
 */
#include <stddef.h>
#include <utcp/utcp.h>

#include "nic/dpdk/dpdk.h"

const struct utcp_config_key utcp_dpdk_keys[UTCP_DPDK_NB_KEYS] = {
	{ "dpdk_args", UTCP_KEY_ARGS, offsetof(struct utcp_config, dpdk_args), 0,
	  sizeof(((struct utcp_config *)0)->dpdk_args), 0, 0 },
	{ "dpdk_tso", UTCP_KEY_INT, offsetof(struct utcp_config, dpdk_tso), 0, 1, 0, 0 },
};
