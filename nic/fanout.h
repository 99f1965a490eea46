/*
 * nic/fanout.h - copies of ARP and ICMP frames for every queue, for backends
 * whose hardware delivers each frame to one queue only (DPDK, PSIO).
 *
 * Each context keeps its own ARP cache and must see the ICMP errors that
 * concern its connections (core/net/arp.c), so a multiqueue NIC hands those
 * frames to every queue: the queue that received the frame keeps the
 * original, and every other queue gets a copy flagged UTCP_PKT_RX_COPY
 * (learned from, never answered), as the simulated NIC does (sim).
 *
 *   rx on queue r:  if utcp_fanout_wanted(frame) -> utcp_fanout_push(r, frame)
 *   rx on queue q:  utcp_fanout_pop(q, ...) while it returns frames
 *
 * Contexts run on different threads, so each destination queue has a small
 * ring of frame copies guarded by a mutex; an atomic count lets an empty
 * ring be skipped without locking (these frames are rare).  A full ring
 * drops the copy and counts it.
 */
#ifndef UTCP_NIC_FANOUT_H
#define UTCP_NIC_FANOUT_H

#include <pthread.h>
#include <stdint.h>

#define UTCP_FANOUT_SLOTS 64
#define UTCP_FANOUT_FRAME 1536 /* an Ethernet frame without FCS fits */

struct utcp_fanout_ring {
	pthread_mutex_t lock;
	uint32_t head, count;      /* count is also read without the lock */
	uint16_t len[UTCP_FANOUT_SLOTS];
	uint8_t (*data)[UTCP_FANOUT_FRAME];
	uint64_t dropped;          /* copies lost to a full ring */
};

struct utcp_fanout {
	uint16_t nb_queues;
	struct utcp_fanout_ring *ring; /* one per queue; NULL with one queue */
};

/* 0, or -1 with errno ENOMEM.  With one queue nothing is allocated. */
int utcp_fanout_init(struct utcp_fanout *f, uint16_t nb_queues);
void utcp_fanout_destroy(struct utcp_fanout *f);
/* 1 if this frame must reach every queue: not IP (ARP...), or ICMP / ICMPv6
 * (directly after the fixed header) other than an echo request (which one
 * context answers). */
int utcp_fanout_wanted(const uint8_t *frame, uint32_t len);
/* Copy the frame that arrived on queue `from` to every other queue. */
void utcp_fanout_push(struct utcp_fanout *f, uint16_t from, const uint8_t *frame, uint32_t len);
/* Next copy for queue q into buf (room bytes): its length, or 0 if none. */
uint32_t utcp_fanout_pop(struct utcp_fanout *f, uint16_t q, uint8_t *buf, uint32_t room);
uint64_t utcp_fanout_dropped(const struct utcp_fanout *f);

/* 1 if queue q may have copies waiting (no lock taken). */
static inline int utcp_fanout_pending(struct utcp_fanout *f, uint16_t q)
{
	return f->ring != NULL && __atomic_load_n(&f->ring[q].count, __ATOMIC_ACQUIRE) != 0;
}

#endif
