/*
 * core/io/io.h - the per-core context's lower half (internal): the context
 * and stack structures, packet buffers, transmit batches.
 *
 * A utcp_stack holds what every core reads and nobody writes after open: the
 * parsed config (ports, routes, static ARP) and the NICs.  A utcp_ctx is one
 * core's whole world: its queue on each NIC, clock, PRNG, counters, timer
 * wheel, transmit batches, and one slot per layer above (ARP cache, the IPv4
 * protocol table, TCP's sockets and flows), each owned by its layer.
 * Nothing in a context is shared with another context.
 *
 * Every layer takes and gives back buffers only through utcp_ctx_alloc /
 * utcp_ctx_free and hands finished frames to utcp_tx_enqueue; core/stack's
 * poll round hands received frames up and calls utcp_tx_flush at its end:
 *   rx burst -> eth -> ctx->l3_input (ARP, IPv4) -> ctx->l4_input (ICMP,
 *   TCP; ICMP errors go on to ctx->l4_error by the quoted protocol) -> timers
 *   -> TCP output -> utcp_tx_flush: one burst per port, control, ACKs, data.
 */
#ifndef UTCP_CORE_IO_IO_H
#define UTCP_CORE_IO_IO_H

#include <utcp/utcp.h>

#include "core/base/prng.h"
#include "core/base/timer.h"
#include "core/wire/wire.h"

#define UTCP_RX_BURST 32
#define UTCP_TX_BATCH 512       /* frames batched per class per port per round */
struct utcp_stack {
	struct utcp_config cfg;
	uint64_t seed;                /* every context's PRNG derives from it */
	struct utcp_nic *nics[UTCP_MAX_PORTS];
	int nb_nics;
	uint8_t macs[UTCP_MAX_PORTS][UTCP_ETH_ALEN]; /* effective MAC per port */
	struct utcp_ctx *ctxs[UTCP_MAX_CORES];
	struct utcp_stack_hooks *hooks; /* setup/'s (core/stack/stack.h); NULL: none */
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

struct utcp_ctx;
struct utcp_arp_cache; /* core/net/arp.c */
struct utcp_tcp_ctx;   /* core/tcp */
struct utcp_udp_ctx;   /* core/udp */

/* A network-layer protocol's receive function, by EtherType (ARP, IPv4):
 * consumes pkt, whose Ethernet header the view describes. */
typedef void (*utcp_l3_input_fn)(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
				 const struct utcp_eth_view *eth);
#define UTCP_L3_MAX 4 /* EtherTypes a context can speak */

/* An IPv4 upper-layer protocol's receive function (RFC 791 §3.1 Protocol):
 * consumes pkt, whose ip view is checked and addressed to us. */
typedef void (*utcp_l4_input_fn)(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
				 const struct utcp_ipv4_view *ip);

/* An ICMP error about a datagram we sent (RFC 792; RFC 1122 §3.2.2.1: it
 * goes to the transport protocol the quoted header names): type, code,
 * and the next-hop MTU of a "fragmentation needed" (RFC 1191 §4; 0 when
 * the router did not say or for other messages).  quoted is a checked
 * view of the datagram's header (utcp_ipv4_quote_parse): its payload
 * holds payload_len >= 8 octets of the transport header. */
struct utcp_icmp_error {
	uint8_t type, code;
	uint16_t mtu;
};
typedef void (*utcp_l4_error_fn)(struct utcp_ctx *ctx, const struct utcp_icmp_error *e,
				 const struct utcp_ipv4_view *quoted);

/* IPv6 (RFC 8200): an upper-layer protocol's receive function, by the
 * Next Header after the extension headers (the same table mechanism as
 * l4_input, with the IPv6 view), and its ICMPv6 errors (RFC 4443 §3):
 * type, code, and the MTU of a Packet Too Big or the pointer of a
 * Parameter Problem; quoted is utcp_ipv6_quote_parse's view. */
typedef void (*utcp_l6_input_fn)(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
				 const struct utcp_ipv6_view *ip);
struct utcp_icmp6_error {
	uint8_t type, code;
	uint32_t param;
};
typedef void (*utcp_l6_error_fn)(struct utcp_ctx *ctx, const struct utcp_icmp6_error *e,
				 const struct utcp_ipv6_view *quoted);
struct utcp_ip6_ctx;  /* core/net/addr6.c */
struct utcp_nd_cache; /* core/net/nd.c */
#define UTCP_ETH_MCAST_MAX 4 /* Ethernet groups a port listens to (IPv6: all-nodes, solicited-node) */

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
	struct utcp_arp_cache *arp;     /* next-hop resolution (core/net/arp.c) */
	struct utcp_txq txq[UTCP_MAX_PORTS];
	utcp_echo_handler echo_fn;
	void *echo_arg;
	uint16_t ip_id;                 /* next IPv4 identification (RFC 6864) */
	uint64_t bufs_held;             /* buffers allocated or received, not yet freed or sent */
	uint32_t busy_polls;            /* epoll_waits in a row that returned without waiting */
	struct utcp_tcp_ctx *tcp;       /* sockets, flows, listeners (core/tcp) */
	struct utcp_udp_ctx *udp;       /* datagram endpoints (core/udp) */
	struct {                        /* ICMP errors sent: a token bucket (core/net/icmp.c) */
		uint32_t tokens;
		utcp_time_t last;
	} icmp_rl;
	struct {
		uint16_t type;          /* EtherType, host order; 0: free slot */
		utcp_l3_input_fn fn;
	} l3_input[UTCP_L3_MAX];
	utcp_l4_input_fn l4_input[256]; /* by IPv4 protocol number; NULL: not spoken */
	utcp_l4_error_fn l4_error[256]; /* ICMP errors by the quoted protocol; NULL: ignored */
	struct utcp_ip6_ctx *ip6;       /* IPv6 addresses, DAD, ICMPv6 rate (core/net/addr6.c) */
	struct utcp_nd_cache *nd;       /* IPv6 neighbour cache (core/net/nd.c) */
	utcp_l6_input_fn l6_input[256]; /* by IPv6 next header; NULL: not spoken */
	utcp_l6_error_fn l6_error[256]; /* ICMPv6 errors by the quoted next header */
	uint8_t eth_mcast[UTCP_MAX_PORTS][UTCP_ETH_MCAST_MAX][UTCP_ETH_ALEN]; /* core/net/eth.c */
	uint8_t nb_eth_mcast[UTCP_MAX_PORTS];
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

/* Bring the context's clock up to the NIC's (port 0's, the clock of the
 * poll round).  The round sets ctx->now; a socket call made between
 * rounds, after idle, that arms a timer or starts an RTT measurement at
 * once calls this first (connect: the SYN and its timer; SO_LINGER's wait;
 * keepalive options), or it would arm the timer in the past and time the
 * RTT from the last round.  send, close and shutdown only queue: what they
 * queue is sent, timed and its timer armed by the next round's output,
 * at that round's time.  The simulator's NIC gives virtual time, so
 * determinism holds.  Never moves the clock back. */
static inline void utcp_ctx_clock_sync(struct utcp_ctx *ctx)
{
	utcp_time_t t = utcp_nic_now(ctx->stack->nics[0]);
	if (t > ctx->now)
		ctx->now = t;
}

/* A fresh transmit buffer from port's NIC (our queue), counted on failure.
 * core/ takes and gives back buffers only through these two (and the
 * rx/tx paths in ctx.c), so that bufs_held, and utcp_ctx_bufs_in_use(), is
 * exact. */
struct utcp_pkt *utcp_ctx_alloc(struct utcp_ctx *ctx, int port);
/* A buffer for a TSO frame (up to caps.tso_max bytes) from port's NIC, or
 * NULL when it has no TSO or none left (not counted: the caller sends
 * MSS-sized segments instead). */
struct utcp_pkt *utcp_ctx_alloc_large(struct utcp_ctx *ctx, int port);
/* Free a buffer we own (through the NIC it came from). */
void utcp_ctx_free(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt);
/* Queue a complete frame for the end-of-round burst; consumes pkt. */
void utcp_tx_enqueue(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt, enum utcp_tx_class cls);
/* Send every queued frame: per port, one burst, CTRL then ACK then DATA. */
void utcp_tx_flush(struct utcp_ctx *ctx);

#endif
