/*
 * core/udp/udp.h - UDP (RFC 768) for one context: endpoints (PCBs), local
 * ports, the receive queues, input, output and ICMP errors.
 *
 * Call order:
 *   utcp_udp_ctx_init (utcp_ctx_create, which registers utcp_udp_input
 *   and utcp_udp_icmp_error for protocol 17) -> the socket layer (core/api)
 *   between rounds: udp_pcb_new -> udp_bind / udp_connect ->
 *   udp_output ... udp_rq_head / udp_rq_pop ... -> udp_pcb_free;
 *   per round: utcp_udp_input (datagram in: checks, lookup, queue,
 *   udp->notify) and utcp_udp_icmp_error -> utcp_udp_ctx_destroy.
 *
 * Endpoints hold struct utcp_inaddr (core/wire/udp.h) of either family.
 * A PCB of an AF_INET6 socket (v6) is dual-stack unless v6only (Linux's
 * IPV6_V6ONLY): bound to :: (family 0, or AF_INET6 zeros) it takes
 * datagrams of both families; bound to an IPv4(-mapped) address (family
 * AF_INET) only IPv4 ones; bound to an IPv6 address only IPv6 ones.  An
 * AF_INET socket's PCB takes IPv4 only.  Ports are in network order, as
 * everywhere in utcp.
 * A received datagram stays in its packet buffer, queued on the PCB with
 * pkt->data at the UDP header; the IP header in front of it (pkt->l3_len
 * bytes) says where it came from.  The queue is bound in bytes (rcvbuf):
 * each datagram is charged its payload plus UDP_DGRAM_OVERHEAD, the way
 * Linux charges an skb's truesize, so that a socket flooded with tiny
 * datagrams cannot hold every buffer of the NIC.
 */
#ifndef UTCP_CORE_UDP_H
#define UTCP_CORE_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "core/base/pool.h"
#include "core/net/net.h"
#include "core/wire/udp.h"

#define UDP_HASH 256                   /* PCB chains by local port */
#define UDP_EPHEMERAL_LO 32768         /* Linux ip_local_port_range */
#define UDP_EPHEMERAL_HI 60999
#define UDP_DGRAM_OVERHEAD 256         /* receive-buffer charge per datagram */
#define UDP_RCVBUF_MIN 2048            /* smallest receive bound honoured */
#define UDP_RCVBUF_MAX (4u << 20)      /* largest SO_RCVBUF taken */

/* One end of a datagram exchange. */
struct udp_ep {
	struct utcp_inaddr addr;       /* family 0: unspecified (any) */
	uint16_t port;                 /* network order; 0: none */
};

struct udp_pcb {
	struct udp_ep local;           /* local.port 0: not bound */
	struct udp_ep remote;          /* remote.port 0: not connected */
	uint8_t reuse;                 /* bound with SO_REUSEADDR */
	uint8_t v6;                    /* an AF_INET6 socket's */
	uint8_t v6only;                /* ...with IPV6_V6ONLY */
	uint8_t hashed;                /* on its port's chain */
	int so_error;                  /* RFC 1122 §4.1.3.3: the next call reports it */
	uint16_t pmtu;                 /* RFC 8201: the connected IPv6 peer's path MTU
					* from a Packet Too Big; 0: the link's */
	void *sock;                    /* the socket layer's */
	struct utcp_pkt *rq_head, *rq_tail; /* received datagrams, FIFO via next */
	uint32_t rq_count;
	uint32_t rq_charge;            /* bytes charged against rcvbuf */
	uint32_t rcvbuf;               /* receive bound, bytes */
	struct udp_pcb *hnext;         /* port chain */
	struct udp_pcb *prev, *next;   /* every PCB of the context */
};

typedef void (*udp_notify_fn)(struct utcp_ctx *ctx, void *sock, uint32_t events);

struct utcp_udp_ctx {
	struct utcp_pool pcb_pool;
	struct udp_pcb *hash[UDP_HASH];
	struct udp_pcb *all;
	uint32_t rcvbuf;               /* default receive bound */
	udp_notify_fn notify;          /* the socket layer's readiness callback */
};

/* ---- the context (udp_ctx.c) ---- */
int utcp_udp_ctx_init(struct utcp_ctx *ctx);
/* Every PCB and every datagram still queued goes back. */
void utcp_udp_ctx_destroy(struct utcp_ctx *ctx);
/* A PCB for sock (NULL with errno ENOBUFS). */
struct udp_pcb *udp_pcb_new(struct utcp_ctx *ctx, void *sock);
void udp_pcb_free(struct utcp_ctx *ctx, struct udp_pcb *pcb);
/* Bind to local (port 0: an ephemeral one; whose replies from `toward`
 * reach this context's queue when toward is given).  0, or -1 with errno
 * EADDRINUSE (Linux's rule: the same port on overlapping addresses, unless
 * every user set SO_REUSEADDR) or EAGAIN (no ephemeral port left). */
int udp_bind(struct utcp_ctx *ctx, struct udp_pcb *pcb, const struct udp_ep *local, int reuse,
	     const struct udp_ep *toward);
/* Connect (RFC 1122 §4.1.3.4 is silent; Linux ip4_ / ip6_datagram_connect):
 * the local address becomes the route's source when it was any, an
 * unbound PCB takes an ephemeral port.  0, or -1 with errno ENETUNREACH
 * (no route, or a destination of the other family than the bound
 * address) / EADDRNOTAVAIL (the IPv6 source is tentative) / EADDRINUSE /
 * EAGAIN. */
int udp_connect(struct utcp_ctx *ctx, struct udp_pcb *pcb, const struct udp_ep *remote);
/* connect(AF_UNSPEC): forget the peer; as Linux __udp_disconnect, the
 * local address goes back to any (reset_addr: bind did not give it) and
 * the port is given up (reset_port: it was not bound explicitly). */
void udp_disconnect(struct utcp_ctx *ctx, struct udp_pcb *pcb, int reset_addr, int reset_port);
/* The best PCB for a datagram (RFC 768 demultiplexing by port; Linux's
 * score: connected beats bound to the address beats bound to any, and a
 * PCB of the datagram's own family beats a dual-stack one). */
struct udp_pcb *udp_lookup(struct utcp_ctx *ctx, const struct udp_ep *dst,
			   const struct udp_ep *src);
/* The oldest queued datagram (pkt->data at its UDP header), or NULL. */
static inline struct utcp_pkt *udp_rq_head(const struct udp_pcb *pcb)
{
	return pcb->rq_head;
}
/* Queue a received datagram (pkt->data at its UDP header, from NIC port
 * `port`); -1 when the receive buffer is full (pkt stays the caller's). */
int udp_rq_push(struct utcp_ctx *ctx, struct udp_pcb *pcb, int port, struct utcp_pkt *pkt);
/* Drop the oldest queued datagram. */
void udp_rq_pop(struct utcp_ctx *ctx, struct udp_pcb *pcb);
/* A queued datagram's source. */
void udp_dgram_source(const struct utcp_pkt *pkt, struct udp_ep *src);
/* Its payload and length. */
static inline const uint8_t *udp_dgram_data(const struct utcp_pkt *pkt)
{
	return pkt->data + UTCP_UDP_HLEN;
}
static inline uint32_t udp_dgram_len(const struct utcp_pkt *pkt)
{
	return (uint32_t)pkt->len - UTCP_UDP_HLEN;
}

/* ---- input (udp_input.c) ---- */
void utcp_udp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		    const struct utcp_ipv4_view *ip);
void utcp_udp_icmp_error(struct utcp_ctx *ctx, const struct utcp_icmp_error *e,
			 const struct utcp_ipv4_view *quoted);
/* The same over IPv6 (ctx->l6_input[17], ctx->l6_error[17]): the checksum
 * is mandatory (RFC 8200 §8.1), a closed port draws ICMPv6 port
 * unreachable (RFC 4443 §3.1 code 4). */
void utcp_udp6_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_ipv6_view *ip);
void utcp_udp6_icmp_error(struct utcp_ctx *ctx, const struct utcp_icmp6_error *e,
			  const struct utcp_ipv6_view *quoted);

/* ---- output (udp_output.c) ---- */
/* One datagram of `total` bytes gathered from iov to dst (NULL: the
 * connected peer, measured against its path MTU when a Packet Too Big
 * taught one); an unbound PCB is bound first (Linux autobind).
 * Returns total, or -1 with errno EMSGSIZE (more than the path MTU
 * carries: no fragmentation), ENETUNREACH, ENOBUFS, EADDRINUSE. */
ssize_t udp_output(struct utcp_ctx *ctx, struct udp_pcb *pcb, const struct udp_ep *dst,
		   const struct iovec *iov, int iovcnt, size_t total);
/* The largest payload one datagram to dst may carry (the route's MTU,
 * less the IPv4 or IPv6 header); 0 when there is no route. */
uint32_t udp_max_payload(const struct utcp_ctx *ctx, const struct udp_ep *dst);

#endif
