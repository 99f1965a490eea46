/*
 * tests/unit/ip6test.c - IPv6 frames for the packet-trace tests (see
 * ip6test.h).
 */
#include <string.h>

#include "tests/unit/ip6test.h"

#define A6(...) { { __VA_ARGS__ } }
const struct utcp_in6 t6_host = A6(0x20, 0x01, 0x0d, 0xb8, [15] = 1);
const struct utcp_in6 t6_peer = A6(0x20, 0x01, 0x0d, 0xb8, [15] = 2);
const struct utcp_in6 t6_host_ll = A6(0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 1);
const struct utcp_in6 t6_peer_ll = A6(0xfe, 0x80, [15] = 2);
const struct utcp_in6 t6_gw_ll = A6(0xfe, 0x80, [15] = 0xfe);
const struct utcp_in6 t6_all_nodes = A6(0xff, 0x02, [15] = 1);
const struct utcp_in6 t6_host_sn = A6(0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1);
const struct utcp_in6 t6_unspec;
const uint8_t t6_host_sn_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 1 };
const uint8_t t6_all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

void t6_config(struct utcp_config *cfg, int dad)
{
	tn_host_config(cfg);
	cfg->ports[0].ip6 = t6_host;
	cfg->ports[0].prefix6 = 64;
	cfg->ports[0].gateway6 = t6_gw_ll;
	cfg->ip6_dad_transmits = dad;
	cfg->nb_routes6 = 2;
	cfg->routes6[0] = (struct utcp_route6){ .dst = A6(0x20, 0x01, 0x0d, 0xb8), .prefix = 64 };
	cfg->routes6[1] = (struct utcp_route6){ .prefix = 0, .gateway = t6_gw_ll };
}

uint16_t t6_csum(const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt,
		 const uint8_t *msg, size_t len)
{
	uint8_t ph[40] = { 0 };
	uint32_t sum = 0;

	memcpy(ph, src->b, 16);
	memcpy(ph + 16, dst->b, 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[39] = nxt;
	for (size_t i = 0; i < 40; i += 2)
		sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(msg[i] << 8 | (i + 1 < len ? msg[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum; /* host order */
}

size_t t6_ipv6(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
	       const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt, uint8_t hlim,
	       const void *payload, size_t len)
{
	uint8_t *h = f + tn_eth(f, dst_mac, src_mac, 0x86dd);

	memset(h, 0, 8);
	h[0] = 0x60;
	h[4] = (uint8_t)(len >> 8);
	h[5] = (uint8_t)len;
	h[6] = nxt;
	h[7] = hlim;
	memcpy(h + 8, src->b, 16);
	memcpy(h + 24, dst->b, 16);
	if (len)
		memcpy(h + 40, payload, len);
	return 14 + 40 + len;
}

size_t t6_icmp6(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t hlim,
		const uint8_t *msg, size_t len)
{
	uint8_t m[TN_FRAME_MAX];

	memcpy(m, msg, len);
	m[2] = m[3] = 0;
	uint16_t ck = t6_csum(src, dst, 58, m, len);
	m[2] = (uint8_t)(ck >> 8);
	m[3] = (uint8_t)ck;
	return t6_ipv6(f, dst_mac, src_mac, src, dst, 58, hlim, m, len);
}

size_t t6_echo(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
	       const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t type, uint16_t id,
	       uint16_t seq, const void *data, size_t len)
{
	uint8_t m[TN_FRAME_MAX] = { type, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id,
				    (uint8_t)(seq >> 8), (uint8_t)seq };
	if (len)
		memcpy(m + 8, data, len);
	return t6_icmp6(f, dst_mac, src_mac, src, dst, 64, m, 8 + len);
}

static size_t t6_nd(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		    const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t type,
		    uint8_t flags, const struct utcp_in6 *target, uint8_t opt, const uint8_t *lla)
{
	uint8_t m[32] = { type, 0, 0, 0, flags };
	size_t len = 24;

	memcpy(m + 8, target->b, 16);
	if (lla != NULL) {
		m[24] = opt;
		m[25] = 1;
		memcpy(m + 26, lla, 6);
		len = 32;
	}
	return t6_icmp6(f, dst_mac, src_mac, src, dst, 255, m, len);
}

size_t t6_ns(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
	     const struct utcp_in6 *src, const struct utcp_in6 *dst, const struct utcp_in6 *target,
	     const uint8_t *lla)
{
	return t6_nd(f, dst_mac, src_mac, src, dst, 135, 0, target, 1, lla);
}

size_t t6_na(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
	     const struct utcp_in6 *src, const struct utcp_in6 *dst, const struct utcp_in6 *target,
	     uint8_t flags, const uint8_t *lla)
{
	return t6_nd(f, dst_mac, src_mac, src, dst, 136, flags, target, 2, lla);
}
