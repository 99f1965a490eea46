/*
 * tests/unit/ip6test.h - IPv6 frames for the packet-trace tests
 * (test_ipv6.c, test_nd.c): a one-port host with IPv6 on the test NIC, and
 * builders for IPv6, ICMPv6 echo, neighbour solicitations and
 * advertisements.  Checksums are computed here independently of core/wire
 * (a plain RFC 1071 sum over the RFC 8200 §8.1 pseudo-header).
 *
 * Host: tn0 = 10.0.0.1/24 and 2001:db8::1/64, MAC 02:00:00:00:00:01, so
 * its link-local address is fe80::ff:fe00:1; peer 2001:db8::2 /
 * fe80::2, MAC 02:00:00:00:00:02; default router fe80::fe.
 */
#ifndef UTCP_TESTS_IP6TEST_H
#define UTCP_TESTS_IP6TEST_H

#include <stddef.h>
#include <stdint.h>
#include <utcp/utcp.h>

#include "tests/unit/testnic.h"

extern const struct utcp_in6 t6_host, t6_host_ll, t6_peer, t6_peer_ll, t6_gw_ll, t6_all_nodes,
	t6_host_sn, t6_unspec;
extern const uint8_t t6_host_sn_mac[6];   /* 33:33:ff:00:00:01 */
extern const uint8_t t6_all_nodes_mac[6]; /* 33:33:00:00:00:01 */

/* tn_host_config plus the IPv6 port and routes (2001:db8::/64 on tn0,
 * ::/0 via fe80::fe); dad: ip6_dad_transmits (0: addresses in use at once). */
void t6_config(struct utcp_config *cfg, int dad);

/* The Internet checksum of an upper-layer message under the pseudo-header. */
uint16_t t6_csum(const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt,
		 const uint8_t *msg, size_t len);
/* Ethernet + IPv6 header (hop limit hlim) + payload as given. */
size_t t6_ipv6(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
	       const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt, uint8_t hlim,
	       const void *payload, size_t len);
/* The same with an ICMPv6 message whose checksum field this fills. */
size_t t6_icmp6(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t hlim,
		const uint8_t *msg, size_t len);
/* Echo request (128) or reply (129), hop limit 64. */
size_t t6_echo(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
	       const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t type, uint16_t id,
	       uint16_t seq, const void *data, size_t len);
/* Neighbour solicitation (RFC 4861 §4.3) for target, with a source
 * link-layer address option when lla is not NULL; hop limit 255. */
size_t t6_ns(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
	     const struct utcp_in6 *src, const struct utcp_in6 *dst, const struct utcp_in6 *target,
	     const uint8_t *lla);
/* Neighbour advertisement (§4.4) with flags (0x80 R, 0x40 S, 0x20 O) and a
 * target link-layer address option when lla is not NULL; hop limit 255. */
size_t t6_na(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
	     const struct utcp_in6 *src, const struct utcp_in6 *dst, const struct utcp_in6 *target,
	     uint8_t flags, const uint8_t *lla);

#endif
