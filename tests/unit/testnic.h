/*
 * tests/unit/testnic.h - test harness for the core: an in-memory NIC and
 * frame builders, so that unit tests read like packet traces.
 *
 * The test NIC implements the whole utcp_nic vtable over its own packet
 * pool.  The test sets its clock, injects received frames into a queue, and
 * pops what the stack transmitted.  Nothing is sent anywhere.
 *
 * Typical fixture:
 *   tn_host_config(&cfg);                      one port 10.0.0.1/24 + routes
 *   tn_host_up(&h, &cfg, 1);                   test NIC, stack, context 0
 *   tn_inject(h.nic, 0, frame, len); utcp_ctx_poll(h.ctx);
 *   len = tn_tx_pop(h.nic, 0, out, sizeof(out));  the reply, byte for byte
 *   tn_host_down(&h);                          asserts no buffer leaked
 *
 * Addresses (uint32_t) are in network byte order, as everywhere in utcp.
 */
#ifndef UTCP_TESTS_TESTNIC_H
#define UTCP_TESTS_TESTNIC_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <utcp/utcp.h>

#include "core/base/pool.h"

#define TN_IP(a, b, c, d) \
	htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define TN_FRAME_MAX 2048

struct tn_fifo {
	struct utcp_pkt *head, *tail;
	unsigned n;
};

struct testnic {
	struct utcp_nic nic;
	struct utcp_pkt_pool pool;
	utcp_time_t now;
	struct tn_fifo rx[UTCP_MAX_QUEUES];
	struct tn_fifo tx[UTCP_MAX_QUEUES];
	uint32_t tx_room;            /* frames tx_burst still takes; UINT32_MAX: no limit */
	unsigned tx_calls;           /* tx_burst calls with n > 0 */
	unsigned waits;              /* wait() calls */
	utcp_time_t last_wait;       /* deadline of the last wait() */
	struct utcp_pkt_pool large;  /* tn_set_tso: TSO frames */
	int has_large;
};

/* A NIC named `name` with nb_queues queues, MAC `mac`, nb_bufs buffers. */
struct utcp_nic *tn_new(const char *name, uint16_t nb_queues, const uint8_t mac[6],
			uint32_t nb_bufs);
struct testnic *tn_of(struct utcp_nic *nic);

/* Clock. */
void tn_set_now(struct utcp_nic *nic, utcp_time_t now);
void tn_advance(struct utcp_nic *nic, utcp_time_t dt);

/* Receive side: copy a frame into a fresh buffer waiting on queue q.
 * 0, or -1 when the pool is empty.  _flags also sets pkt->ol_flags. */
int tn_inject(struct utcp_nic *nic, uint16_t q, const void *frame, size_t len);
int tn_inject_flags(struct utcp_nic *nic, uint16_t q, const void *frame, size_t len,
		    uint32_t ol_flags);

/* Transmit side: frames the stack sent on queue q, oldest first. */
unsigned tn_tx_count(struct utcp_nic *nic, uint16_t q);
/* Copy the oldest frame into out (at most cap bytes), free it, return its
 * length; 0 if none.  _meta also gives its offload flags and header lengths. */
struct tn_meta {
	uint32_t ol_flags;
	uint16_t l2_len, l3_len, queue;
	uint16_t tso_segsz;
};
size_t tn_tx_pop(struct utcp_nic *nic, uint16_t q, uint8_t *out, size_t cap);
size_t tn_tx_pop_meta(struct utcp_nic *nic, uint16_t q, uint8_t *out, size_t cap,
		      struct tn_meta *m);
/* Free every captured frame on every queue; returns how many. */
unsigned tn_tx_drain(struct utcp_nic *nic);
/* Offer TCP segmentation offload with frames up to tso_max bytes, from a
 * pool of nb_large large buffers (alloc_large); the NIC keeps TSO frames
 * whole in its tx queue, for the test to read (tn_tx_pop_meta). */
void tn_set_tso(struct utcp_nic *nic, uint32_t tso_max, uint32_t nb_large);
/* Make tx_burst take at most n more frames (UINT32_MAX: no limit). */
void tn_set_tx_room(struct utcp_nic *nic, uint32_t n);
/* Buffers of the NIC's pool not yet returned (queued rx/tx frames count). */
uint32_t tn_bufs_in_use(struct utcp_nic *nic);

/* ---- frame builders: each writes a whole frame at f, returns its length ---- */
extern const uint8_t tn_bcast[6];
extern const uint8_t tn_zero_mac[6];

size_t tn_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
/* ARP for IPv4 over Ethernet (RFC 826), op 1 request / 2 reply. */
size_t tn_arp(uint8_t *f, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint16_t op,
	      const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa);
/* IPv4 (20-byte header, DF, TTL 64, given id, correct checksum) around l4. */
size_t tn_ipv4_id(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6], uint32_t src,
		  uint32_t dst, uint8_t proto, uint16_t id, const void *l4, size_t l4_len);
size_t tn_ipv4(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6], uint32_t src,
	       uint32_t dst, uint8_t proto, const void *l4, size_t l4_len);
/* ICMP echo (type 8 request / 0 reply) with host-order id and seq. */
size_t tn_icmp_echo(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6], uint32_t src,
		    uint32_t dst, uint8_t type, uint16_t id, uint16_t seq, const void *payload,
		    size_t len);
/* Recompute the IPv4 header checksum of a frame built above (after a test
 * edited the header). */
void tn_ipv4_fix_cksum(uint8_t *f);
/* IPv4 identification of a frame (to build the exact expected copy). */
uint16_t tn_ipv4_id_of(const uint8_t *f);

/* ---- assertions on what was sent ---- */
/* The next frame on queue q is exactly want. */
void tn_expect_tx(struct utcp_nic *nic, uint16_t q, const uint8_t *want, size_t wl);
/* The next frame on queue q is want (an IPv4 frame built above) once want
 * takes the frame's IPv4 identification, which the stack chooses.  Returns
 * that identification. */
uint16_t tn_expect_tx_ipv4(struct utcp_nic *nic, uint16_t q, uint8_t *want, size_t wl);
/* Nothing more was sent on queue q. */
void tn_expect_no_tx(struct utcp_nic *nic, uint16_t q);

/* ---- a one-port host: test NIC + stack + context ---- */
extern const uint8_t tn_host_mac[6];   /* 02:00:00:00:00:01, the stack */
extern const uint8_t tn_peer_mac[6];   /* 02:00:00:00:00:02, a neighbour */
extern const uint8_t tn_gw_mac[6];     /* 02:00:00:00:00:fe, the gateway */
#define TN_HOST_IP TN_IP(10, 0, 0, 1)
#define TN_PEER_IP TN_IP(10, 0, 0, 2)
#define TN_GW_IP TN_IP(10, 0, 0, 254)

struct tn_host {
	struct utcp_config cfg;
	struct utcp_nic *nic;
	struct utcp_stack *st;
	struct utcp_ctx *ctx;
};

/* Defaults plus: io "test", one core, port tn0 = 10.0.0.1/24 (MAC from the
 * NIC), routes 10.0.0.0/24 direct and 0.0.0.0/0 via 10.0.0.254, arp_timeout
 * 60 s, seed 1. */
void tn_host_config(struct utcp_config *cfg);
/* Open a test NIC with nb_queues queues under cfg, the stack, and the
 * context for core 0.  Aborts the test on failure. */
void tn_host_up(struct tn_host *h, const struct utcp_config *cfg, uint16_t nb_queues);
/* Buffers of the test NIC tn_host_up opens (default 1024). */
extern unsigned tn_host_nb_bufs;
/* Destroy the context (which gives back every buffer it holds: frames
 * waiting for ARP, unsent batches), drain the captured frames, assert that
 * the NIC's pool is whole again, and close the stack. */
void tn_host_down(struct tn_host *h);

#endif
