/*
 * tests/unit/loopnic.h - a minimal in-memory loopback NIC for middleware
 * tests: frames accepted by tx_burst appear, in order, on rx_burst.
 *
 * loop_init(&l) -> wrap &l.nic in the middleware under test -> drive it,
 * setting l.now (a virtual clock) and l.tx_room (how many frames tx_burst
 * still accepts) -> close the wrapper, which closes the loopback: it frees
 * the frames it still holds and records in l.leaked the buffers the caller
 * never gave back.  The struct is the caller's; close does not free it.
 */
#ifndef UTCP_TESTS_LOOPNIC_H
#define UTCP_TESTS_LOOPNIC_H

#include <stdint.h>
#include <string.h>
#include <utcp/nic.h>

#include "core/base/pool.h"

#define LOOP_RING 4096
#define LOOP_BUFS 4096

struct loop_nic {
	struct utcp_nic nic;
	struct utcp_pkt_pool pool;
	struct utcp_pkt *ring[LOOP_RING];
	uint32_t head, count;
	uint32_t tx_room;            /* frames tx_burst still accepts */
	utcp_time_t now;
	utcp_time_t last_deadline;   /* deadline of the last wait() */
	unsigned waits;
	int closed;
	uint32_t leaked;             /* buffers in use at close, not held by the NIC */
	uint64_t tx_pkts, rx_pkts;
};

static inline struct loop_nic *loop_of(struct utcp_nic *nic)
{
	return (struct loop_nic *)nic;
}

static inline void loop_push(struct loop_nic *l, struct utcp_pkt *p)
{
	l->ring[(l->head + l->count) % LOOP_RING] = p;
	l->count++;
}

static uint16_t loop_rx(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct loop_nic *l = loop_of(nic);
	uint16_t i;
	for (i = 0; i < n && l->count > 0; i++) {
		pkts[i] = l->ring[l->head];
		pkts[i]->queue = q;
		l->head = (l->head + 1) % LOOP_RING;
		l->count--;
	}
	l->rx_pkts += i;
	return i;
}

static uint16_t loop_tx(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct loop_nic *l = loop_of(nic);
	uint16_t i;
	(void)q;
	for (i = 0; i < n && l->tx_room > 0 && l->count < LOOP_RING; i++) {
		loop_push(l, pkts[i]);
		l->tx_room--;
	}
	l->tx_pkts += i;
	return i;
}

static struct utcp_pkt *loop_alloc(struct utcp_nic *nic, uint16_t q)
{
	struct utcp_pkt *p = utcp_pkt_pool_get(&loop_of(nic)->pool);
	if (p != NULL)
		p->queue = q;
	return p;
}

static void loop_free(struct utcp_nic *nic, struct utcp_pkt *p)
{
	(void)nic;
	utcp_pkt_pool_put(p);
}

static int loop_wait(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline)
{
	struct loop_nic *l = loop_of(nic);
	(void)q;
	l->last_deadline = deadline;
	l->waits++;
	return l->count > 0;
}

static utcp_time_t loop_now(struct utcp_nic *nic)
{
	return loop_of(nic)->now;
}

static int loop_stats(struct utcp_nic *nic, struct utcp_nic_stats *st)
{
	struct loop_nic *l = loop_of(nic);
	memset(st, 0, sizeof(*st));
	st->rx_pkts = l->rx_pkts;
	st->tx_pkts = l->tx_pkts;
	st->bufs_in_use = l->pool.pool.in_use;
	st->link_up = 1;
	return 0;
}

static void loop_close(struct utcp_nic *nic)
{
	struct loop_nic *l = loop_of(nic);
	while (l->count > 0) {
		utcp_pkt_pool_put(l->ring[l->head]);
		l->head = (l->head + 1) % LOOP_RING;
		l->count--;
	}
	l->leaked = l->pool.pool.in_use;
	utcp_pkt_pool_destroy(&l->pool);
	l->closed = 1;
}

static const struct utcp_nic_ops loop_ops = {
	.name = "loop",
	.rx_burst = loop_rx,
	.tx_burst = loop_tx,
	.alloc = loop_alloc,
	.free = loop_free,
	.wait = loop_wait,
	.now = loop_now,
	.stats = loop_stats,
	.close = loop_close,
};

static inline int loop_init(struct loop_nic *l)
{
	memset(l, 0, sizeof(*l));
	l->nic.ops = &loop_ops;
	l->nic.caps.nb_queues = 1;
	l->nic.caps.max_queues = 1;
	l->nic.caps.mtu = 1500;
	l->nic.caps.buf_size = UTCP_PKT_BUF_SIZE;
	memcpy(l->nic.caps.mac, "\x02\x00\x00\x00\x00\x01", UTCP_ETH_ALEN);
	strcpy(l->nic.name, "loop0");
	l->tx_room = UINT32_MAX;
	return utcp_pkt_pool_init(&l->pool, "loop", UTCP_PKT_BUF_SIZE, LOOP_BUFS);
}

/* A frame of `len` bytes whose payload carries `tag` (big endian) at byte 14. */
static inline struct utcp_pkt *loop_frame(struct loop_nic *l, uint16_t len, uint32_t tag)
{
	struct utcp_pkt *p = utcp_pkt_pool_get(&l->pool);
	if (p == NULL)
		return NULL;
	memset(p->data, 0, len);
	memcpy(p->data, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x88\xb5", 14);
	if (len >= 18) {
		p->data[14] = (uint8_t)(tag >> 24);
		p->data[15] = (uint8_t)(tag >> 16);
		p->data[16] = (uint8_t)(tag >> 8);
		p->data[17] = (uint8_t)tag;
	}
	for (uint16_t i = 18; i < len; i++)
		p->data[i] = (uint8_t)(i ^ tag);
	p->len = len;
	return p;
}

static inline uint32_t loop_tag(const struct utcp_pkt *p)
{
	return (uint32_t)p->data[14] << 24 | (uint32_t)p->data[15] << 16 |
	       (uint32_t)p->data[16] << 8 | p->data[17];
}

#endif
