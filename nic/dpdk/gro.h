/*
 * nic/dpdk/gro.h - software receive coalescing (GRO) for the DPDK backend
 * (nic/dpdk/gro.c): in-order TCP segments of one flow that follow each
 * other in a receive burst become one UTCP_PKT_RX_LRO frame.
 *
 * Call order: rx_burst -> (frames wrapped, chains joined) -> dpdk_gro(pkts,
 * n, &ops) -> the frames left, in arrival order.
 */
#ifndef UTCP_NIC_DPDK_GRO_H
#define UTCP_NIC_DPDK_GRO_H

#include <utcp/nic.h>

/* Where the joined frames live: a large buffer of the receiving queue
 * (NULL when there is none: the segments then go up alone) and the way
 * back for a buffer whose payload moved into one. */
struct dpdk_gro_ops {
	struct utcp_nic *nic;
	uint16_t queue;
	uint32_t max;            /* most bytes of a joined frame */
	struct utcp_pkt *(*alloc_large)(struct utcp_nic *nic, uint16_t q);
	void (*free)(struct utcp_nic *nic, struct utcp_pkt *pkt);
	uint64_t joined;         /* segments that went into an earlier one */
	uint64_t frames;         /* frames that hold more than one segment */
};

/* Join what may be joined in pkts[0..n); the frames left in pkts[0..ret). */
uint16_t dpdk_gro(struct utcp_pkt **pkts, uint16_t n, struct dpdk_gro_ops *ops);

#endif
