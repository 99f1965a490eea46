/*
 * nic/dpdk/keys.c - the DPDK backend's utcp.conf keys (see dpdk.h).
 *
 * dpdk_args: EAL's command line, split into words as a shell would
 * (core/base/args.h); the config parser checks that it splits when it reads
 * the line.
 * dpdk_tso: 1 (the default) turns TCP segmentation offload on when the port
 * offers RTE_ETH_TX_OFFLOAD_TCP_TSO, 0 keeps MSS-sized frames.
 * dpdk_mtu: the port's MTU, 576..9000 (jumbo frames where dev_info allows
 * them); 0 (the default) keeps the port's own, at most 1500.
 * dpdk_mbuf_size: the data room of the receive mbufs (headroom included),
 * 512..65535; 0 (the default) sizes it for one frame of the MTU.  Smaller
 * than a frame: the port scatters frames over several mbufs
 * (RTE_ETH_RX_OFFLOAD_SCATTER), which the backend joins (nic/dpdk/seg.c).
 * dpdk_gro: 1 joins in-order TCP segments of one flow within each receive
 * burst (core/wire/gro.c) when the port verifies TCP checksums; 0 (the
 * default) hands every segment up alone: the join copies each payload once
 * more, which cost as much as the per-segment work it saved over net_tap
 * (tests/dpdk/bench_seg.sh).
 * Descriptor ring sizes (num_rx_desc, num_tx_desc) are generic keys: the
 * simulated NIC reads them too.
 */
#include <stddef.h>
#include <utcp/utcp.h>

#include "nic/dpdk/dpdk.h"

const struct utcp_config_key utcp_dpdk_keys[UTCP_DPDK_NB_KEYS] = {
	{ "dpdk_args", UTCP_KEY_ARGS, offsetof(struct utcp_config, dpdk_args), 0,
	  sizeof(((struct utcp_config *)0)->dpdk_args), 0, 0 },
	{ "dpdk_tso", UTCP_KEY_INT, offsetof(struct utcp_config, dpdk_tso), 0, 1, 0, 0 },
	{ "dpdk_mtu", UTCP_KEY_INT, offsetof(struct utcp_config, dpdk_mtu), 0, 9000, 0, 0 },
	{ "dpdk_mbuf_size", UTCP_KEY_INT, offsetof(struct utcp_config, dpdk_mbuf_size), 0, 65535, 0,
	  0 },
	{ "dpdk_gro", UTCP_KEY_INT, offsetof(struct utcp_config, dpdk_gro), 0, 1, 0, 0 },
};
