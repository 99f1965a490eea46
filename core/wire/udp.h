/*
 * core/wire/udp.h - UDP (RFC 768) on the wire: the header, a checked view,
 * and the checksum over a pseudo-header of either address family.
 *
 * Addresses travel as struct utcp_inaddr, an IPv4 or an IPv6 address: the
 * checksum helper takes the family from it, so the UDP layer above never
 * assumes 32-bit addresses outside the IPv4 path.  Nothing here knows a
 * context.
 *
 * Call order: receive: utcp_udp_parse (lengths) -> utcp_udp_csum_ok;
 * transmit: build the header -> utcp_udp_csum (the value to store).
 */
#ifndef UTCP_CORE_WIRE_UDP_H
#define UTCP_CORE_WIRE_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/wire/wire.h"

#define UTCP_IPPROTO_UDP 17
#define UTCP_UDP_HLEN 8
/* RFC 768 / RFC 791: the largest UDP payload an IPv4 datagram can carry. */
#define UTCP_UDP_MAX_PAYLOAD (65535 - UTCP_IPV4_HLEN - UTCP_UDP_HLEN)

/* An IP address of either family (AF_INET: v4; AF_INET6: v6). */
struct utcp_inaddr {
	uint16_t family;            /* AF_INET; 0: none (unspecified) */
	union {
		uint32_t v4;        /* network order */
		uint8_t v6[16];
	} u;
};

/* A checked view of a received datagram: the header fields (ports in
 * network order) and the payload, cut to the UDP Length field. */
struct utcp_udp_view {
	uint16_t sport, dport;      /* network order */
	uint16_t ulen;              /* RFC 768 Length: header + data, host order */
	uint16_t cksum;             /* as received (0: none sent, IPv4 only) */
	const uint8_t *payload;
	uint16_t payload_len;       /* ulen - 8 */
};

/* UTCP_PARSE_SHORT: fewer than 8 bytes; UTCP_PARSE_LEN: Length < 8 or
 * longer than what the IP datagram carries (RFC 768; bytes after Length
 * are IP padding and ignored, as Linux does). */
int utcp_udp_parse(const uint8_t *p, size_t len, struct utcp_udp_view *v);

/* The sum of the pseudo-header (RFC 768: source, destination, zero,
 * protocol, UDP length; RFC 8200 §8.1 for IPv6). */
uint32_t utcp_inaddr_pseudo(const struct utcp_inaddr *src, const struct utcp_inaddr *dst,
			    uint8_t proto, uint32_t l4_len);

/* The checksum to store in a datagram of len bytes at udp (its checksum
 * field zero): RFC 768 "if the computed checksum is zero, it is
 * transmitted as all ones". */
uint16_t utcp_udp_csum(const struct utcp_inaddr *src, const struct utcp_inaddr *dst,
		       const uint8_t *udp, size_t len);
/* 1 if the received datagram's checksum is right, or absent (0) on IPv4
 * (RFC 768: "all zero ... means the transmitter generated no checksum"). */
int utcp_udp_csum_ok(const struct utcp_inaddr *src, const struct utcp_inaddr *dst,
		     const uint8_t *udp, size_t len);

#endif
