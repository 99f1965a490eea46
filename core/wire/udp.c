/*
 * core/wire/udp.c - UDP header view and checksum (RFC 768).
 *
 * Call order: see udp.h.  The pseudo-header sum takes the family from the
 * addresses, so the IPv6 pseudo-header (RFC 8200 §8.1) slots in here.
 */
#include <string.h>

#include "core/base/bytes.h"
#include "core/wire/udp.h"

int utcp_udp_parse(const uint8_t *p, size_t len, struct utcp_udp_view *v)
{
	if (len < UTCP_UDP_HLEN)
		return UTCP_PARSE_SHORT;
	v->ulen = rd16(p + 4);
	if (v->ulen < UTCP_UDP_HLEN || v->ulen > len)
		return UTCP_PARSE_LEN;
	memcpy(&v->sport, p, 2);
	memcpy(&v->dport, p + 2, 2);
	memcpy(&v->cksum, p + 6, 2);
	v->payload = p + UTCP_UDP_HLEN;
	v->payload_len = (uint16_t)(v->ulen - UTCP_UDP_HLEN);
	return UTCP_PARSE_OK;
}

uint32_t utcp_inaddr_pseudo(const struct utcp_inaddr *src, const struct utcp_inaddr *dst,
			    uint8_t proto, uint32_t l4_len)
{
	if (src->family == AF_INET)
		return utcp_csum_pseudo(src->u.v4, dst->u.v4, proto, (uint16_t)l4_len);
	struct utcp_in6 s6, d6; /* RFC 8200 §8.1 (core/wire/ipv6.c) */
	memcpy(s6.b, src->u.v6, 16);
	memcpy(d6.b, dst->u.v6, 16);
	return utcp_csum_pseudo6(&s6, &d6, proto, l4_len);
}

uint16_t utcp_udp_csum(const struct utcp_inaddr *src, const struct utcp_inaddr *dst,
		       const uint8_t *udp, size_t len)
{
	uint32_t sum = utcp_inaddr_pseudo(src, dst, UTCP_IPPROTO_UDP, (uint32_t)len);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(udp, len, sum));
	return ck == 0 ? 0xffff : ck;
}

int utcp_udp_csum_ok(const struct utcp_inaddr *src, const struct utcp_inaddr *dst,
		     const uint8_t *udp, size_t len)
{
	if (udp[6] == 0 && udp[7] == 0)
		return src->family == AF_INET; /* RFC 8200 §8.1: mandatory on IPv6 */
	uint32_t sum = utcp_inaddr_pseudo(src, dst, UTCP_IPPROTO_UDP, (uint32_t)len);
	return utcp_csum_fold(utcp_csum_partial(udp, len, sum)) == 0;
}
