/*
 * core/net/net.h - Ethernet, ARP, IPv4, ICMP, routing: the per-context network
 * layer (the stateless parsers, checksums and RSS are in core/wire).
 *
 * Receive path: utcp_eth_input -> ctx->l3_input[EtherType]: utcp_arp_input,
 *               utcp_ipv4_input
 *               -> ctx->l4_input[protocol]: utcp_icmp_input, and the upper
 *               layers that registered (core/tcp: utcp_tcp_input).
 * Every input function consumes its packet (frees it or passes it on).
 * Parsers validate lengths once into a checked view; after a successful
 * parse no accessor can read outside the frame.  A malformed frame is
 * dropped and counted under exactly one drop_* reason.
 *
 * Transmit path: an upper layer builds its header at pkt->data (leaving the
 * standard headroom) and calls utcp_ipv4_output, which routes, pushes the
 * IPv4 and Ethernet headers, resolves the next hop (queueing behind ARP if
 * needed) and enqueues the frame in its tx class.
 */
#ifndef UTCP_CORE_NET_H
#define UTCP_CORE_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/io/io.h"
#include "core/wire/wire.h"

/* ---- receive -------------------------------------------------------- */
void utcp_eth_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt);
void utcp_arp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		    const struct utcp_eth_view *eth);
void utcp_ipv4_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_eth_view *eth);
void utcp_icmp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_ipv4_view *ip);

/* The receive function for EtherType type (host order; fn NULL: no longer
 * spoken, counted as drop_eth_type).  0, or -1 when UTCP_L3_MAX types are
 * already registered. */
int utcp_eth_set_handler(struct utcp_ctx *ctx, uint16_t type, utcp_l3_input_fn fn);

/* An upper layer's receive function for IPv4 protocol number proto (NULL:
 * no longer spoken; such datagrams are counted as drop_ip_proto). */
void utcp_ipv4_set_handler(struct utcp_ctx *ctx, uint8_t proto, utcp_l4_input_fn fn);
/* The same protocol's ICMP error function (NULL: its errors are counted
 * as drop_icmp_type and ignored). */
void utcp_ipv4_set_error_handler(struct utcp_ctx *ctx, uint8_t proto, utcp_l4_error_fn fn);

/* Per-context state of this floor: the ARP cache and the ICMP handler.
 * 0, or -1 with errno ENOMEM. */
int utcp_net_init(struct utcp_ctx *ctx);
void utcp_net_destroy(struct utcp_ctx *ctx);

/* ---- transmit ------------------------------------------------------- */
/* pkt->data points at the L4 header, len = L4 length.  Consumes pkt, which
 * must come from utcp_ctx_alloc for the port utcp_route_lookup gives for dst.
 * Returns 0 (sent or queued behind ARP) or -1 with errno ENETUNREACH /
 * ENOBUFS / EMSGSIZE.  If pkt->ol_flags has UTCP_PKT_TX_TCP_CKSUM, the NIC
 * fills the L4 checksum. */
int utcp_ipv4_output(struct utcp_ctx *ctx, struct utcp_pkt *pkt, uint32_t src, uint32_t dst,
		     uint8_t proto, enum utcp_tx_class cls);
/* The same with the header's TOS byte and, df 0, without DF (a socket's
 * IP_TOS and IP_MTU_DISCOVER = IP_PMTUDISC_DONT). */
int utcp_ipv4_output_tos(struct utcp_ctx *ctx, struct utcp_pkt *pkt, uint32_t src, uint32_t dst,
			 uint8_t proto, enum utcp_tx_class cls, uint8_t tos, int df);
/* Push an Ethernet header and enqueue. */
void utcp_eth_output(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt, const uint8_t *dst_mac,
		     uint16_t type, enum utcp_tx_class cls);

/* Send an ICMP echo message (RFC 792): type 8 (request) or 0 (reply), id and
 * seq in host order, from src (0: the output port's address) to dst.  Routes
 * first, so the buffer comes from the output port.  0, or -1 with errno
 * ENETUNREACH / ENOBUFS / EMSGSIZE. */
int utcp_icmp_echo_output(struct utcp_ctx *ctx, uint32_t src, uint32_t dst, uint8_t type,
			  uint16_t id, uint16_t seq, const void *payload, size_t len);

/* ICMP Destination Unreachable (RFC 792, type 3) with `code` about a
 * datagram we received (ip: its checked view; header and data still in
 * the buffer): from ip->dst to ip->src, quoting its header and as much of
 * its data as keeps the message within 576 octets (RFC 1812 §4.3.2.3).
 * Rate-limited (RFC 1812 §4.3.2.8) by a token bucket on the context clock,
 * as Linux's icmp_msgs_per_sec / icmp_msgs_burst: UTCP_ICMP_RATE a second,
 * bursts of UTCP_ICMP_BURST.  0 sent (or queued behind ARP), or -1 with
 * errno EAGAIN (over the limit; counted icmp_ratelimited), ENETUNREACH,
 * ENOBUFS. */
#define UTCP_ICMP_RATE 1000
#define UTCP_ICMP_BURST 50
/* Take a token from that bucket for an ICMP or ICMPv6 error: 1, or 0
 * (counted as icmp_ratelimited). */
int utcp_icmp_allow(struct utcp_ctx *ctx);
#define UTCP_ICMP_UNREACH_PORT 3 /* RFC 792 code 3: port unreachable */
int utcp_icmp_unreach_output(struct utcp_ctx *ctx, const struct utcp_ipv4_view *ip, uint8_t code);

/* ---- ARP (RFC 826) ---------------------------------------------------- */
#define UTCP_ARP_CACHE_SIZE 256 /* open-addressed, power of two */
/* Packets waiting for one resolution: a burst of connects to a new next hop
 * all wait (Linux bounds the queue by bytes, unres_qlen_bytes = 212992, a few
 * hundred small frames). */
#define UTCP_ARP_PENDING_MAX 256
#define UTCP_ARP_RETRY_NS (1000 * UTCP_NSEC_PER_MSEC) /* one request per second per address */
#define UTCP_ARP_MAX_TRIES 3    /* then the waiting packets are dropped */
/* Neighbour unreachability detection (RFC 4861 §7.3, as Linux applies it
 * to ARP): REACHABLE for a random time in [1/2, 3/2) of the base after a
 * confirmation (Linux base_reachable_time), then STALE; a STALE entry in
 * use waits UTCP_ARP_DELAY_NS for a confirmation (DELAY), then PROBEs:
 * UTCP_ARP_UCAST_PROBES requests to the cached MAC, then
 * UTCP_ARP_MCAST_PROBES broadcast, one per UTCP_ARP_RETRY_NS; unanswered,
 * the entry is removed (the next packet resolves afresh). */
#define UTCP_ARP_REACHABLE_NS (30 * UTCP_NSEC_PER_SEC)
#define UTCP_ARP_DELAY_NS (5 * UTCP_NSEC_PER_SEC)
#define UTCP_ARP_UCAST_PROBES 3
#define UTCP_ARP_MCAST_PROBES 3

/* Frames waiting for a next hop's link-layer address (ARP, ND): a FIFO
 * through pkt->next, each frame's transmit class in pkt->user
 * (core/net/pending.c). */
struct utcp_pending {
	struct utcp_pkt *head, *tail;
	uint16_t n;
};
/* 0, or -1 when max frames already wait (pkt not taken). */
int utcp_pending_add(struct utcp_pending *q, struct utcp_pkt *pkt, enum utcp_tx_class cls,
		     unsigned max);
/* Free every waiting frame (port's NIC); returns how many. */
unsigned utcp_pending_drop(struct utcp_ctx *ctx, int port, struct utcp_pending *q);
/* Send every waiting frame to mac with EtherType type, in order. */
void utcp_pending_release(struct utcp_ctx *ctx, int port, struct utcp_pending *q,
			  const uint8_t *mac, uint16_t type);


enum utcp_arp_state {
	UTCP_ARP_FREE = 0,
	UTCP_ARP_INCOMPLETE, /* request sent, packets may be waiting */
	UTCP_ARP_REACHABLE,  /* learned; expires */
	UTCP_ARP_STATIC,     /* from arp.conf; never expires */
};

/* Reachability of a resolved dynamic entry (state UTCP_ARP_REACHABLE). */
enum utcp_arp_nud {
	UTCP_ARP_NUD_STALE = 0, /* unconfirmed: usable, probed once used */
	UTCP_ARP_NUD_REACHABLE, /* confirmed less than its reachable time ago */
	UTCP_ARP_NUD_DELAY,     /* used while STALE: a confirmation may still come */
	UTCP_ARP_NUD_PROBE,     /* requests sent, unicast then broadcast */
};

struct utcp_arp_entry_rt {
	uint32_t ip;
	uint8_t state;
	uint8_t nud;                /* enum utcp_arp_nud (state REACHABLE) */
	uint8_t port;
	uint8_t tries;
	uint8_t mac[UTCP_ETH_ALEN];
	utcp_time_t expires;        /* REACHABLE: when it ages out */
	utcp_time_t last_request;   /* INCOMPLETE: rate limit; PROBE: last probe */
	utcp_time_t confirmed;      /* last reachability confirmation */
	utcp_time_t reach_until;    /* NUD REACHABLE until then */
	utcp_time_t probe_at;       /* DELAY, PROBE: next step */
	struct utcp_pending pending; /* frames (L3 and up built) waiting */
};

/* 0, or -1 (ENOMEM). */
int utcp_arp_init(struct utcp_ctx *ctx);
void utcp_arp_destroy(struct utcp_ctx *ctx);
/* MAC for next hop `ip` on port, or NULL (then a request is sent if allowed
 * and pkt, if non-NULL, waits in the entry's bounded queue; consumed). */
const uint8_t *utcp_arp_resolve(struct utcp_ctx *ctx, int port, uint32_t ip, struct utcp_pkt *pkt,
				enum utcp_tx_class cls);
/* The MAC, port and next hop of dst when dst is the destination last
 * remembered (utcp_arp_memo_set) and its entry is usable as it is (no route
 * lookup, no hash); NULL otherwise: take the full path. */
const uint8_t *utcp_arp_memo(struct utcp_ctx *ctx, uint32_t dst, int *port, uint32_t *nexthop);
/* After the full path resolved dst: remember it. */
void utcp_arp_memo_set(struct utcp_ctx *ctx, uint32_t dst, int port, uint32_t nexthop);
/* Cached entry for ip, or NULL. */
const struct utcp_arp_entry_rt *utcp_arp_lookup(const struct utcp_ctx *ctx, uint32_t ip);
/* Upper-layer advice about the next hop towards dst (RFC 1122 §2.3.2.1,
 * RFC 4861 §7.3.1).  confirm: forward progress (new data acknowledged or
 * received in order) proves the entry REACHABLE; returns when asking again
 * is worth it (half its reachable time on), so the caller needs no lookup
 * per segment.  suspect: a repeated retransmission timeout; an entry not confirmed
 * within the last UTCP_ARP_RETRY_NS is probed now. */
utcp_time_t utcp_arp_confirm(struct utcp_ctx *ctx, uint32_t dst);
void utcp_arp_suspect(struct utcp_ctx *ctx, uint32_t dst);

/* ---- routing -------------------------------------------------------- */
/* Longest-prefix match over cfg->routes.  Returns 0 and sets *port and
 * *nexthop (the gateway, or dst when directly connected); -1 if no route. */
int utcp_route_lookup(const struct utcp_config *cfg, uint32_t dst, int *port, uint32_t *nexthop);

/* ---- IPv6 (RFC 8200), ICMPv6 (RFC 4443), neighbour discovery (RFC 4861) -- */
/* Files, bottom up: route6.c (longest prefix), addr6.c (our addresses and
 * groups per port), nd.c (neighbour cache, NS/NA, DAD) over eth.c,
 * ipv6_out.c (route, header, resolve) over nd.c, icmp6.c (echo, errors,
 * ND dispatch) over ipv6_out.c, ipv6.c (input) over icmp6.c.
 *
 * Receive: utcp_eth_input -> utcp_ipv6_input (checked view, our address or
 *          group, extension headers) -> ctx->l6_input[next header]:
 *          utcp_icmp6_input -> echo reply | utcp_nd_input | errors ->
 *          ctx->l6_error[quoted next header].
 * Transmit: utcp_ipv6_output -> utcp_route6_lookup -> header ->
 *           utcp_nd_resolve -> utcp_eth_output (or wait behind ND). */

/* Send a link-layer group address's frames up (RFC 2464 §7); 0, or -1
 * when the port listens to UTCP_ETH_MCAST_MAX groups already. */
int utcp_eth_mcast_join(struct utcp_ctx *ctx, int port, const uint8_t *mac);

/* Our addresses on a port (RFC 4862): the link-local one derived from the
 * MAC and the configured global one, TENTATIVE until duplicate address
 * detection passes. */
enum utcp_addr6_state {
	UTCP_ADDR6_NONE = 0,
	UTCP_ADDR6_TENTATIVE, /* DAD running: not used, packets to it dropped */
	UTCP_ADDR6_PREFERRED, /* in use */
	UTCP_ADDR6_DUPLICATE, /* DAD found another owner: never used */
};
#define UTCP_ADDR6_LL 0
#define UTCP_ADDR6_GLOBAL 1
#define UTCP_ADDR6_PER_PORT 2
struct utcp_addr6 {
	struct utcp_in6 a;
	uint8_t plen;
	uint8_t state;      /* enum utcp_addr6_state */
	uint8_t dad_sent;   /* DAD solicitations sent */
	utcp_time_t dad_at; /* TENTATIVE: next solicitation, or the verdict */
};
/* The context's IPv6 state (ctx->ip6). */
struct utcp_ip6_ctx {
	struct utcp_addr6 addr[UTCP_MAX_PORTS][UTCP_ADDR6_PER_PORT];
};
int utcp_addr6_init(struct utcp_ctx *ctx);
void utcp_addr6_destroy(struct utcp_ctx *ctx);
/* IPv6 is configured on port. */
int utcp_addr6_enabled(const struct utcp_ctx *ctx, int port);
/* Our address a on port (any state), or NULL. */
struct utcp_addr6 *utcp_addr6_find(struct utcp_ctx *ctx, int port, const struct utcp_in6 *a);
/* a is a unicast address of ours in use, or a group the port joined
 * (all-nodes, the solicited-node group of one of its addresses). */
int utcp_addr6_accepts(struct utcp_ctx *ctx, int port, const struct utcp_in6 *a);
/* Source for dst on port (RFC 6724 §5, reduced to scope): the link-local
 * address for a link-local or multicast link-scope dst, else the global
 * one; NULL when the one needed is not PREFERRED. */
const struct utcp_in6 *utcp_addr6_source(struct utcp_ctx *ctx, int port,
					 const struct utcp_in6 *dst);

/* Longest-prefix match over cfg->routes6; a link-local dst is on the first
 * port with IPv6.  0 with *port and *nexthop, or -1. */
int utcp_route6_lookup(const struct utcp_config *cfg, const struct utcp_in6 *dst, int *port,
		       struct utcp_in6 *nexthop);

/* Neighbour cache (RFC 4861 §5.1, §7.3): bounded like ARP's, with the same
 * pending queue and the RFC's states. */
#define UTCP_ND_CACHE_SIZE 256 /* open-addressed, power of two */
#define UTCP_ND_PENDING_MAX UTCP_ARP_PENDING_MAX
#define UTCP_ND_RETRANS_NS (1000 * UTCP_NSEC_PER_MSEC) /* RetransTimer (§10) */
#define UTCP_ND_MAX_MCAST_SOLICIT 3
#define UTCP_ND_MAX_UCAST_SOLICIT 3
#define UTCP_ND_REACHABLE_NS UTCP_ARP_REACHABLE_NS      /* REACHABLE_TIME */
#define UTCP_ND_DELAY_NS UTCP_ARP_DELAY_NS              /* DELAY_FIRST_PROBE_TIME */
#define UTCP_ND_MAX_RTR_SOLICIT_DELAY_NS UTCP_NSEC_PER_SEC /* RFC 4862 §5.4.2 */

enum utcp_nd_state {
	UTCP_ND_FREE = 0,
	UTCP_ND_INCOMPLETE,
	UTCP_ND_REACHABLE,
	UTCP_ND_STALE,
	UTCP_ND_DELAY,
	UTCP_ND_PROBE,
	UTCP_ND_STATIC, /* <port>.neigh6: never expires */
};

struct utcp_nd_entry {
	struct utcp_in6 ip;
	uint8_t state;
	uint8_t port;
	uint8_t tries;
	uint8_t is_router;
	uint8_t mac[UTCP_ETH_ALEN];
	utcp_time_t due;            /* the state's next step */
	utcp_time_t confirmed;      /* last reachability confirmation */
	struct utcp_pending pending; /* frames (IPv6 header built) waiting */
};

int utcp_nd_init(struct utcp_ctx *ctx);
void utcp_nd_destroy(struct utcp_ctx *ctx);
/* MAC for next hop ip on port, or NULL (then a solicitation is sent if
 * allowed and pkt, if non-NULL, waits in the entry's bounded queue). */
const uint8_t *utcp_nd_resolve(struct utcp_ctx *ctx, int port, const struct utcp_in6 *ip,
			       struct utcp_pkt *pkt, enum utcp_tx_class cls);
const struct utcp_nd_entry *utcp_nd_lookup(const struct utcp_ctx *ctx, const struct utcp_in6 *ip);
/* Upper-layer advice about the next hop towards dst, as utcp_arp_confirm
 * and utcp_arp_suspect give ARP (RFC 4861 §7.3.1, §7.3.3).  confirm:
 * forward progress moves the entry to REACHABLE; returns when asking again
 * is worth it.  suspect: a repeated retransmission timeout; an entry not
 * confirmed within the last UTCP_ND_RETRANS_NS is probed now (PROBE,
 * unicast solicitations). */
utcp_time_t utcp_nd_confirm(struct utcp_ctx *ctx, const struct utcp_in6 *dst);
void utcp_nd_suspect(struct utcp_ctx *ctx, const struct utcp_in6 *dst);
/* A neighbour solicitation (135) or advertisement (136) whose ICMPv6
 * checksum is correct; consumes nothing (the caller frees pkt). */
void utcp_nd_input(struct utcp_ctx *ctx, int port, const struct utcp_pkt *pkt,
		   const struct utcp_ipv6_view *ip);

/* pkt->data at the upper-layer header, len its length; consumes pkt, which
 * comes from port's NIC (port < 0: the route's port, which the caller
 * allocated from).  src NULL: chosen (utcp_addr6_source).  0, or -1 with
 * errno ENETUNREACH / EADDRNOTAVAIL / ENOBUFS / EMSGSIZE. */
int utcp_ipv6_output(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt,
		     uint8_t hlim, enum utcp_tx_class cls);
/* The same with the header's traffic class and flow label (RFC 8200 §3,
 * §7, RFC 6437): a connection's IPV6_TCLASS and label. */
int utcp_ipv6_output_tc(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
			const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt,
			uint8_t hlim, enum utcp_tx_class cls, uint8_t tclass, uint32_t flow);
void utcp_ipv6_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_eth_view *eth);
void utcp_icmp6_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		      const struct utcp_ipv6_view *ip);
/* An ICMPv6 error (RFC 4443 §3) about the packet at orig (its IPv6 header,
 * orig_len bytes), received on port, with the §2.4(e) exceptions and the
 * §2.4(f) rate limit (utcp_icmp_allow's bucket, shared with ICMP) applied. */
void utcp_icmp6_error_output(struct utcp_ctx *ctx, int port, uint8_t type, uint8_t code,
			     uint32_t param, const uint8_t *orig, size_t orig_len);

/* An upper layer's receive and error functions for IPv6 next header nxt
 * (NULL: no longer spoken). */
void utcp_ipv6_set_handler(struct utcp_ctx *ctx, uint8_t nxt, utcp_l6_input_fn fn);
void utcp_ipv6_set_error_handler(struct utcp_ctx *ctx, uint8_t nxt, utcp_l6_error_fn fn);

#endif
