/*
 * core/net/net.h - Ethernet, ARP, IPv4, ICMP, routing, checksums, RSS.
 *
 * Receive path: utcp_eth_input -> utcp_arp_input | utcp_ipv4_input
 *               -> utcp_icmp_input | utcp_tcp_input (core/tcp).
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

#include "core/ctx.h"

#define UTCP_ETH_HLEN 14
#define UTCP_ETH_P_IPV4 0x0800
#define UTCP_ETH_P_ARP 0x0806
#define UTCP_IPV4_HLEN 20
#define UTCP_IPPROTO_ICMP 1
#define UTCP_IPPROTO_TCP 6
#define UTCP_IP_DEFAULT_TTL 64

/* ---- checksums (RFC 1071) ------------------------------------------- */
/* Add len bytes of data to a running 32-bit one's-complement sum. */
uint32_t utcp_csum_partial(const void *data, size_t len, uint32_t sum);
/* Fold and complement: the value to store in a checksum field. */
uint16_t utcp_csum_fold(uint32_t sum);
/* Sum of the IPv4 pseudo-header (RFC 793 §3.1 / RFC 9293 §3.1). */
uint32_t utcp_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len);
/* Fill in the checksums a transmit frame left to the NIC (UTCP_PKT_TX_*_CKSUM,
 * with l2_len / l3_len set) and clear those flags. */
void utcp_csum_finish_tx(struct utcp_pkt *pkt);

/* ---- checked views -------------------------------------------------- */
struct utcp_eth_view {
	const uint8_t *dst, *src;
	uint16_t type;            /* host order */
	const uint8_t *payload;
	uint16_t payload_len;
};

struct utcp_ipv4_view {
	const uint8_t *hdr;
	uint8_t hlen;             /* bytes */
	uint8_t proto, ttl, tos;
	uint16_t total_len;       /* host order, validated against the frame */
	uint16_t id;
	uint16_t frag;            /* flags + offset, host order */
	uint32_t src, dst;        /* network order */
	const uint8_t *payload;   /* L4 header */
	uint16_t payload_len;     /* total_len - hlen (trailing Ethernet padding excluded) */
};

enum utcp_parse_err {
	UTCP_PARSE_OK = 0,
	UTCP_PARSE_SHORT,
	UTCP_PARSE_VERSION,
	UTCP_PARSE_IHL,
	UTCP_PARSE_LEN,
	UTCP_PARSE_CKSUM,
	UTCP_PARSE_FRAG,
	UTCP_PARSE_BAD,
};

int utcp_eth_parse(const uint8_t *frame, size_t len, struct utcp_eth_view *v);
/* verify_cksum: 0 when the NIC already checked it. */
int utcp_ipv4_parse(const uint8_t *p, size_t len, int verify_cksum, struct utcp_ipv4_view *v);

/* ---- receive -------------------------------------------------------- */
void utcp_eth_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt);
void utcp_arp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		    const struct utcp_eth_view *eth);
void utcp_ipv4_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_eth_view *eth);
void utcp_icmp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_ipv4_view *ip);

/* ---- transmit ------------------------------------------------------- */
/* pkt->data points at the L4 header, len = L4 length.  Consumes pkt, which
 * must come from utcp_ctx_alloc for the port utcp_route_lookup gives for dst.
 * Returns 0 (sent or queued behind ARP) or -1 with errno ENETUNREACH /
 * ENOBUFS / EMSGSIZE.  If pkt->ol_flags has UTCP_PKT_TX_TCP_CKSUM, the NIC
 * fills the L4 checksum. */
int utcp_ipv4_output(struct utcp_ctx *ctx, struct utcp_pkt *pkt, uint32_t src, uint32_t dst,
		     uint8_t proto, enum utcp_tx_class cls);
/* Push an Ethernet header and enqueue. */
void utcp_eth_output(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt, const uint8_t *dst_mac,
		     uint16_t type, enum utcp_tx_class cls);

/* Send an ICMP echo message (RFC 792): type 8 (request) or 0 (reply), id and
 * seq in host order, from src (0: the output port's address) to dst.  Routes
 * first, so the buffer comes from the output port.  0, or -1 with errno
 * ENETUNREACH / ENOBUFS / EMSGSIZE. */
int utcp_icmp_echo_output(struct utcp_ctx *ctx, uint32_t src, uint32_t dst, uint8_t type,
			  uint16_t id, uint16_t seq, const void *payload, size_t len);

/* ---- ARP (RFC 826) ---------------------------------------------------- */
void utcp_arp_init(struct utcp_ctx *ctx);
void utcp_arp_destroy(struct utcp_ctx *ctx);
/* MAC for next hop `ip` on port, or NULL (then a request is sent if allowed
 * and pkt, if non-NULL, waits in the entry's bounded queue; consumed). */
const uint8_t *utcp_arp_resolve(struct utcp_ctx *ctx, int port, uint32_t ip, struct utcp_pkt *pkt,
				enum utcp_tx_class cls);
/* Cached entry for ip, or NULL. */
const struct utcp_arp_entry_rt *utcp_arp_lookup(const struct utcp_ctx *ctx, uint32_t ip);

/* ---- routing -------------------------------------------------------- */
/* Longest-prefix match over cfg->routes.  Returns 0 and sets *port and
 * *nexthop (the gateway, or dst when directly connected); -1 if no route. */
int utcp_route_lookup(const struct utcp_config *cfg, uint32_t dst, int *port, uint32_t *nexthop);

/* ---- RSS (Microsoft RSS Toeplitz hash) -------------------------------- */
extern const uint8_t utcp_rss_symmetric_key[UTCP_RSS_KEY_LEN];
uint32_t utcp_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len);
/* Hash of the IPv4/TCP 4-tuple as a NIC computes it for a received packet
 * (src, dst, sport, dport in wire order; all network byte order). */
uint32_t utcp_rss_hash_v4(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport,
			  uint16_t dport);
/* The same hash from a table built once per key: 12 lookups instead of 96
 * key-window steps (for a NIC model that hashes every frame it receives).
 * The table covers the 12 input bytes of the IPv4/TCP 4-tuple. */
#define UTCP_RSS_V4_INPUT 12
struct utcp_rss_table {
	uint32_t t[UTCP_RSS_V4_INPUT][256];
};
void utcp_rss_table_init(struct utcp_rss_table *tab, const uint8_t *key);
uint32_t utcp_rss_table_hash_v4(const struct utcp_rss_table *tab, uint32_t src, uint32_t dst,
				uint16_t sport, uint16_t dport);
/* Queue the NIC described by caps would deliver that hash to. */
uint16_t utcp_rss_queue(const struct utcp_nic_caps *caps, uint32_t hash);

#endif
