/*
 * core/wire/wire.h - stateless packet views and builders: header constants,
 * the Internet checksum, checked Ethernet and IPv4 views, the RSS hash.
 *
 * Nothing here knows a context: every function takes bytes and returns
 * bytes or a view, so backends (nic/), the simulator and tools use the same
 * parsers as the stack.  A parser validates lengths once into a checked
 * view; after a successful parse no accessor can read outside the frame.
 */
#ifndef UTCP_CORE_WIRE_H
#define UTCP_CORE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <utcp/nic.h>

#define UTCP_ETH_HLEN 14
#define UTCP_ETH_P_IPV4 0x0800
#define UTCP_ETH_P_ARP 0x0806
#define UTCP_IPV4_HLEN 20
#define UTCP_IPPROTO_ICMP 1
#define UTCP_IPPROTO_TCP 6
#define UTCP_IP_DEFAULT_TTL 64
#define UTCP_IP_DF 0x4000 /* RFC 791 §3.1 flags and fragment offset */
#define UTCP_IP_MF 0x2000
#define UTCP_IP_OFFMASK 0x1fff

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
/* The datagram an ICMP error quotes (RFC 792: "Internet Header + 64 bits
 * of Original Data Datagram"; RFC 1812 §4.3.2.3 allows more): a complete
 * header of version 4 whose Total Length may run past the quote, and the
 * first fragment (the only one with a transport header).  payload_len is
 * what the quote holds of its data (at most Total Length - IHL); the
 * checksum is not checked (a router may have changed the TTL). */
int utcp_ipv4_quote_parse(const uint8_t *p, size_t len, struct utcp_ipv4_view *v);

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
