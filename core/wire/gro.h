/*
 * core/wire/gro.h - views of Ethernet frames holding one TCP segment, and
 * receive coalescing (GRO) over a burst of them, by Linux's
 * tcp_gro_receive rules (core/wire/gro.c).  Used by the NICs that coalesce
 * in software: the simulated NIC (sim/sim_tso.c) and DPDK (nic/dpdk).
 *
 * Call order: utcp_tcp_frame_view on a frame -> (its payload changed)
 * utcp_tcp_frame_set_pay.  A receive burst: utcp_gro_burst(pkts, n, &gro)
 * -> the frames left, in arrival order.
 */
#ifndef UTCP_CORE_WIRE_GRO_H
#define UTCP_CORE_WIRE_GRO_H

#include <stdint.h>
#include <utcp/nic.h>

/* The headers of an Ethernet frame of one TCP segment. */
struct utcp_tcp_frame {
	uint8_t *ip, *th;              /* IP header, TCP header */
	uint32_t l3, thl, hdrs, pay;   /* IP and TCP header lengths, all headers, payload */
	int v6;
};

/* 0 and v filled when pkt is an Ethernet frame of one unfragmented TCP
 * segment over IPv4 or IPv6 (no extension headers) whose lengths agree;
 * -1 otherwise. */
int utcp_tcp_frame_view(const struct utcp_pkt *pkt, struct utcp_tcp_frame *v);
/* The IP lengths (and the IPv4 header checksum) for a payload of pay bytes. */
void utcp_tcp_frame_set_pay(struct utcp_tcp_frame *v, uint32_t pay);

/* Where joined frames live: a large buffer (NULL when there is none: the
 * segments then go up alone), and the way back for a buffer whose payload
 * moved into one. */
struct utcp_gro {
	uint32_t max;                  /* most bytes of a joined frame */
	struct utcp_pkt *(*alloc_large)(void *arg);
	void (*free)(void *arg, struct utcp_pkt *pkt);
	void *arg;
	uint64_t joined;               /* segments that went into an earlier one */
	uint64_t frames;               /* frames that came to hold more than one */
};

/* Join what may be joined in pkts[0..n); the frames left in pkts[0..ret). */
uint16_t utcp_gro_burst(struct utcp_pkt **pkts, uint16_t n, struct utcp_gro *g);

#endif
