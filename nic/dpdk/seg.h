/*
 * nic/dpdk/seg.h - multi-segment mbufs and jumbo frames for the DPDK
 * backend (nic/dpdk/seg.c).
 *
 * Call order: utcp_dpdk_open -> dpdk_seg_plan (before rte_eth_dev_configure:
 * the MTU, the mbufs' data rooms, scattered receive) -> pools sized from
 * the plan; per received burst, a chained (or foreign) mbuf ->
 * dpdk_seg_join -> one mbuf of ours holding the whole frame; per sent
 * frame longer than the port's mbufs (tx_seg) -> dpdk_seg_split.
 */
#ifndef UTCP_NIC_DPDK_SEG_H
#define UTCP_NIC_DPDK_SEG_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <utcp/utcp.h>

/* What the port's frames need. */
struct dpdk_seg_plan {
	uint16_t mtu;        /* the MTU asked for (dpdk_mtu), 0: the port's own */
	uint32_t frame_room; /* data room of a buffer the stack builds a frame in */
	uint32_t rx_room;    /* data room of the receive mbufs */
	int scatter;         /* rx_room < one frame: the port chains mbufs */
	uint32_t tx_seg;     /* 0, or the most bytes of a segment of a sent frame */
};

/* The plan for cfg on the port di describes, written into conf (rxmode.mtu,
 * RTE_ETH_RX_OFFLOAD_SCATTER); -1 with a message naming the key and the
 * port's limit when it cannot be done. */
int dpdk_seg_plan(struct dpdk_seg_plan *p, const struct utcp_config *cfg, uint16_t port_id,
		  const struct rte_eth_dev_info *di, struct rte_eth_conf *conf, char *err,
		  size_t errlen);

/* A frame longer than seg bytes as a chain of segments of seg bytes (the
 * last shorter): m keeps the first, and mbufs from ind attached to m
 * (indirect, zero copy) point at the rest.  0; -1 (m left whole) when ind
 * has too few mbufs or it would take more than 64 segments. */
int dpdk_seg_split(struct rte_mbuf *m, uint32_t seg, struct rte_mempool *ind);
/* m alone again: the segments a split left behind it freed. */
void dpdk_seg_unsplit(struct rte_mbuf *m);

/* The frame of chain m (or of an mbuf without room for our struct) copied
 * into one mbuf from fit, or from large when it is longer than fit's data
 * room; m freed either way; NULL when there is no buffer. */
struct rte_mbuf *dpdk_seg_join(struct rte_mbuf *m, struct rte_mempool *fit,
			       struct rte_mempool *large);

#endif
