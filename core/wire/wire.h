/*
 * core/wire/wire.h - stateless packet views and builders: header constants,
 * the Internet checksum, checked Ethernet, IPv4 and IPv6 views, IPv6
 * addresses, the RSS hash.
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
#include <string.h>

#include <utcp/nic.h>
#include <utcp/utcp.h>

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
/* RFC 3168 §5: the ECN field, the two low bits of the IPv4 TOS byte (the
 * IPv6 traffic class); the six above are the DSCP (RFC 2474). */
#define UTCP_IP_ECN_MASK 0x03
#define UTCP_IP_ECN_NOT_ECT 0x00
#define UTCP_IP_ECN_ECT1 0x01
#define UTCP_IP_ECN_ECT0 0x02
#define UTCP_IP_ECN_CE 0x03

/* ---- checksums (RFC 1071) ------------------------------------------- */
/* Add len bytes of data to a running 32-bit one's-complement sum. */
uint32_t utcp_csum_partial(const void *data, size_t len, uint32_t sum);
/* Fold and complement: the value to store in a checksum field. */
uint16_t utcp_csum_fold(uint32_t sum);
/* Sum of the IPv4 pseudo-header (RFC 793 §3.1 / RFC 9293 §3.1). */
uint32_t utcp_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len);
/* utcp_csum_partial(h, 20, 0), inline: an IPv4 header without options,
 * summed on every datagram sent and received. */
static inline uint32_t utcp_csum_hdr20(const void *h)
{
	const uint8_t *p = (const uint8_t *)h;
	uint32_t w[5];
	memcpy(w, p, sizeof(w));
	uint64_t acc = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}
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
	UTCP_PARSE_EXT,     /* IPv6: an extension header runs past the packet, or is out of place */
	UTCP_PARSE_OPT,     /* IPv6: an option whose type says discard (RFC 8200 §4.2) */
	UTCP_PARSE_ROUTING, /* IPv6: a routing header we cannot process (RFC 8200 §4.4) */
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

/* ---- IPv6 (RFC 8200) -------------------------------------------------- */
#define UTCP_ETH_P_IPV6 0x86dd
#define UTCP_IPV6_HLEN 40
#define UTCP_IPV6_MIN_MTU 1280     /* RFC 8200 §5 */
#define UTCP_IPV6_DEFAULT_HLIM 64
#define UTCP_IPPROTO_HOPOPTS 0     /* RFC 8200 §4.3 */
#define UTCP_IPPROTO_ROUTING 43    /* §4.4 */
#define UTCP_IPPROTO_FRAGMENT 44   /* §4.5 */
#define UTCP_IPPROTO_ICMPV6 58     /* RFC 4443 */
#define UTCP_IPPROTO_NONE 59       /* §4.7 */
#define UTCP_IPPROTO_DSTOPTS 60    /* §4.6 */
#define UTCP_IPV6_MAX_EXT 8        /* extension headers walked before giving up */
#define UTCP_IN6_STRLEN 46         /* INET6_ADDRSTRLEN */

/* A checked IPv6 packet: the fixed header, then the extension headers
 * walked up to the upper-layer header (nxt, at payload).  nxt_off is the
 * offset (from hdr) of the Next Header field that names nxt, the pointer
 * of an RFC 4443 §3.4 "unrecognized Next Header" error.  On
 * UTCP_PARSE_EXT / _OPT / _ROUTING, err_ptr is the offset of the octet at
 * fault and opt_action an option type's two high bits (RFC 8200 §4.2). */
struct utcp_ipv6_view {
	const uint8_t *hdr;
	struct utcp_in6 src, dst;
	uint32_t flow;            /* flow label, 20 bits */
	uint16_t plen;            /* Payload Length, validated against the frame */
	uint8_t tclass, hlim;
	uint8_t nxt;              /* upper-layer protocol */
	uint16_t nxt_off;
	uint16_t err_ptr;
	uint8_t opt_action;
	const uint8_t *payload;   /* upper-layer header */
	uint16_t payload_len;     /* its length (trailing Ethernet padding excluded) */
};

int utcp_ipv6_parse(const uint8_t *p, size_t len, struct utcp_ipv6_view *v);
/* The packet an ICMPv6 error quotes (RFC 4443 §2.4(c): as much as fits in
 * the minimum MTU): the fixed header, extension headers walked as far as
 * the quote holds them (options not checked), payload_len what the quote
 * holds of the upper-layer data.  A fragment other than the first has no
 * transport header: UTCP_PARSE_FRAG. */
int utcp_ipv6_quote_parse(const uint8_t *p, size_t len, struct utcp_ipv6_view *v);
/* Write the 40-byte fixed header at h (RFC 8200 §3): traffic class 0. */
void utcp_ipv6_build(uint8_t *h, const struct utcp_in6 *src, const struct utcp_in6 *dst,
		     uint8_t nxt, uint16_t plen, uint8_t hlim, uint32_t flow);
/* Sum of the IPv6 pseudo-header (RFC 8200 §8.1) for TCP, UDP, ICMPv6. */
uint32_t utcp_csum_pseudo6(const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt,
			   uint32_t l4_len);

/* IPv6 addresses (RFC 4291), one set of helpers for every floor.
 * parse: the text forms of RFC 4291 §2.2 (inet_pton); 0 or -1.
 * parse_net: "ADDR/PLEN" (plen 0..128); without "/", *plen = 128 when
 * need_prefix is 0, else -1.  format: RFC 5952 text (inet_ntop) into buf
 * (UTCP_IN6_STRLEN). */
int utcp_in6_parse(const char *s, struct utcp_in6 *a);
int utcp_in6_parse_net(const char *s, struct utcp_in6 *a, uint8_t *plen, int need_prefix);
const char *utcp_in6_format(const struct utcp_in6 *a, char *buf, size_t len);
int utcp_in6_eq(const struct utcp_in6 *a, const struct utcp_in6 *b);
/* The first plen bits of a and b agree. */
int utcp_in6_prefix_eq(const struct utcp_in6 *a, const struct utcp_in6 *b, unsigned plen);
int utcp_in6_is_unspec(const struct utcp_in6 *a);      /* :: */
int utcp_in6_is_multicast(const struct utcp_in6 *a);   /* ff00::/8 */
int utcp_in6_is_linklocal(const struct utcp_in6 *a);   /* fe80::/10 */
int utcp_in6_is_loopback(const struct utcp_in6 *a);    /* ::1 */
int utcp_in6_is_v4mapped(const struct utcp_in6 *a);    /* ::ffff:0:0/96 */
/* ff02::1, all nodes on the link (RFC 4291 §2.7.1). */
extern const struct utcp_in6 utcp_in6_all_nodes;
/* The solicited-node multicast address of a: ff02::1:ffXX:XXXX (§2.7.1). */
void utcp_in6_solicited_node(const struct utcp_in6 *a, struct utcp_in6 *out);
/* The Ethernet group address of multicast a: 33:33 and its last 32 bits
 * (RFC 2464 §7). */
void utcp_in6_mcast_mac(const struct utcp_in6 *a, uint8_t mac[UTCP_ETH_ALEN]);
/* fe80::/64 with the modified EUI-64 interface identifier of mac (RFC 4291
 * §2.5.1 and appendix A, RFC 2464 §4-5): the U/L bit inverted, ff:fe in
 * the middle. */
void utcp_in6_linklocal(const uint8_t mac[UTCP_ETH_ALEN], struct utcp_in6 *out);

/* ---- RSS (Microsoft RSS Toeplitz hash) -------------------------------- */
extern const uint8_t utcp_rss_symmetric_key[UTCP_RSS_KEY_LEN];
uint32_t utcp_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len);
/* Hash of the IPv4/TCP 4-tuple as a NIC computes it for a received packet
 * (src, dst, sport, dport in wire order; all network byte order). */
uint32_t utcp_rss_hash_v4(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport,
			  uint16_t dport);
/* The IPv6/TCP (UDP) 4-tuple's (36 bytes of input; ports network order). */
uint32_t utcp_rss_hash_v6(const uint8_t *key, const struct utcp_in6 *src,
			  const struct utcp_in6 *dst, uint16_t sport, uint16_t dport);
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
