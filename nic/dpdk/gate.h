/*
 * nic/dpdk/gate.h - keeps the pollers out of the PMDs while DPDK's interrupt
 * thread runs (nic/dpdk/gate.c explains why and how).
 *
 * Use: one struct dpdk_gate per port (dpdk_gate_new / dpdk_gate_free), one
 * slot per queue plus one for calls that are not a queue's (statistics).
 *   if (dpdk_gate_enter(g, slot)) { rte_eth_rx_burst(...); dpdk_gate_leave(g, slot); }
 * dpdk_gate_enter returns 0, and the caller skips the PMD call this time,
 * while the interrupt thread is handling an event.
 */
#ifndef UTCP_NIC_DPDK_GATE_H
#define UTCP_NIC_DPDK_GATE_H

#include <stdint.h>

struct dpdk_gate;

/* A gate of nb_slots slots, registered so the interrupt thread waits for
 * its pollers; NULL when out of memory. */
struct dpdk_gate *dpdk_gate_new(unsigned nb_slots);
/* Unregister and free; no thread may be inside any slot. */
void dpdk_gate_free(struct dpdk_gate *g);

/* 1: the caller is inside `slot` and may call the PMD; 0: the interrupt
 * thread is changing a device, do not touch the PMD now. */
int dpdk_gate_enter(struct dpdk_gate *g, unsigned slot);
void dpdk_gate_leave(struct dpdk_gate *g, unsigned slot);

/* Keep DPDK's interrupt thread out of its callbacks (a memif peer's
 * disconnect) while the caller stops or closes a port or shuts the EAL down:
 * it waits, between two epoll_wait calls, until dpdk_gate_release_intr. */
void dpdk_gate_hold_intr(void);
void dpdk_gate_release_intr(void);

/* Times the interrupt thread closed the gates, and times a caller found them
 * closed and skipped the PMD, in this process. */
uint64_t dpdk_gate_closures(void);
uint64_t dpdk_gate_skips(void);

#endif
