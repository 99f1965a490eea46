/*
 * core/ctx.h - the per-core context and the process-level stack (internal).
 *
 * A utcp_stack holds what every core reads and nobody writes after open: the
 * parsed config (ports, routes, static ARP) and the NICs.  A utcp_ctx is one
 * core's whole world: its queue on each NIC, clock, PRNG, counters, timer
 * wheel, ARP cache, transmit batches and (core/tcp) sockets and flows.
 * Nothing in a context is shared with another context.
 *
 * One poll round (utcp_ctx_poll, core/api/ctx.c):
 *   now = clock -> rx burst on every port -> eth/arp/ipv4/icmp/tcp input
 *   -> timers -> upper-layer output (TCP: control, ACKs, data)
 *   -> tx flush: one burst per port, control first, then ACKs, then data.
 */
#ifndef UTCP_CORE_CTX_H
#define UTCP_CORE_CTX_H

#include <utcp/utcp.h>

#include "core/base/prng.h"
#include "core/base/timer.h"

#define UTCP_RX_BURST 32
#define UTCP_TX_BATCH 512       /* frames batched per class per port per round */
#define UTCP_ARP_CACHE_SIZE 256 /* open-addressed, power of two */
/* Packets waiting for one resolution: a burst of connects to a new next hop
 * all wait (Linux bounds the queue by bytes, unres_qlen_bytes = 212992, a few
 * hundred small frames). */
#define UTCP_ARP_PENDING_MAX 256
#define UTCP_ARP_RETRY_NS (1000 * UTCP_NSEC_PER_MSEC) /* one request per second per address */
#define UTCP_ARP_MAX_TRIES 3    /* then the waiting packets are dropped */

struct utcp_stack {
	struct utcp_config cfg;
	struct utcp_nic *nics[UTCP_MAX_PORTS];
	int nb_nics;
	uint8_t macs[UTCP_MAX_PORTS][UTCP_ETH_ALEN]; /* effective MAC per port */
	struct utcp_ctx *ctxs[UTCP_MAX_CORES];
};

/* Transmit classes, flushed in this order each round (mTCP's order). */
enum utcp_tx_class {
	UTCP_TX_CTRL = 0, /* SYN, SYN-ACK, FIN, RST, ARP, ICMP */
	UTCP_TX_ACK,      /* pure ACKs */
	UTCP_TX_DATA,     /* data segments */
	UTCP_TX_NCLASS
};

struct utcp_txq {
	uint16_t n[UTCP_TX_NCLASS];
	struct utcp_pkt *pkts[UTCP_TX_NCLASS][UTCP_TX_BATCH];
};

enum utcp_arp_state {
	UTCP_ARP_FREE = 0,
	UTCP_ARP_INCOMPLETE, /* request sent, packets may be waiting */
	UTCP_ARP_REACHABLE,  /* learned; expires */
	UTCP_ARP_STATIC,     /* from arp.conf; never expires */
};

struct utcp_arp_entry_rt {
	uint32_t ip;
	uint8_t state;
	uint8_t port;
	uint8_t tries;
	uint8_t mac[UTCP_ETH_ALEN];
	uint16_t nb_pending;
	utcp_time_t expires;        /* REACHABLE: when it ages out */
	utcp_time_t last_request;   /* INCOMPLETE: rate limit */
	struct utcp_pkt *pending;   /* frames (L3 and up built) waiting, FIFO via next */
	struct utcp_pkt *pending_tail;
	uint8_t pending_class[UTCP_ARP_PENDING_MAX];
};

struct utcp_arp_cache {
	struct utcp_arp_entry_rt e[UTCP_ARP_CACHE_SIZE];
	uint32_t used;
	struct utcp_timer timer;    /* ages entries, retries requests */
};

struct utcp_tcp_ctx; /* core/tcp */

struct utcp_ctx {
	struct utcp_stack *stack;
	const struct utcp_config *cfg;
	int core;
	uint16_t queue;                 /* our queue on every port */
	utcp_time_t now;                /* clock at the start of this round */
	struct utcp_prng prng;
	struct utcp_stats stats;
	struct utcp_port_stats port_stats[UTCP_MAX_PORTS]; /* frames and bytes per port */
	struct utcp_timer_wheel timers;
	struct utcp_arp_cache arp;
	struct utcp_txq txq[UTCP_MAX_PORTS];
	utcp_echo_handler echo_fn;
	void *echo_arg;
	uint16_t ip_id;                 /* next IPv4 identification (RFC 6864) */
	uint64_t bufs_held;             /* buffers allocated or received, not yet freed or sent */
	uint32_t busy_polls;            /* epoll_waits in a row that returned without waiting */
	struct utcp_tcp_ctx *tcp;       /* sockets, flows, listeners (core/tcp) */
};

/* An application that never waits (epoll_wait always has an event for it,
 * e.g. a level-triggered EPOLLOUT it never turns off) gives the NIC a wait
 * that is already due every UTCP_BUSY_POLL_YIELD such calls: on a real NIC
 * a cheap poll, on the simulated one a slice of virtual time, without which
 * the simulated world could never move on. */
#define UTCP_BUSY_POLL_YIELD 64

static inline struct utcp_nic *ctx_nic(const struct utcp_ctx *ctx, int port)
{
	return ctx->stack->nics[port];
}

static inline const uint8_t *ctx_mac(const struct utcp_ctx *ctx, int port)
{
	return ctx->stack->macs[port];
}

/* A fresh transmit buffer from port's NIC (our queue), counted on failure.
 * core/ takes and gives back buffers only through these two (and the
 * rx/tx paths in ctx.c), so that bufs_held, and utcp_ctx_bufs_in_use(), is
 * exact. */
struct utcp_pkt *utcp_ctx_alloc(struct utcp_ctx *ctx, int port);
/* Free a buffer we own (through the NIC it came from). */
void utcp_ctx_free(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt);
/* Queue a complete frame for the end-of-round burst; consumes pkt. */
void utcp_tx_enqueue(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt, enum utcp_tx_class cls);
/* Send every queued frame: per port, one burst, CTRL then ACK then DATA. */
void utcp_tx_flush(struct utcp_ctx *ctx);

#endif
