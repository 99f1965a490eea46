/*
 * core/wire/ipv4.c - the checked view of an IPv4 header (RFC 791 §3.1).
 *
 * A view is returned only for a header that is complete, of version 4, with
 * a legal IHL and Total Length inside the frame, a correct checksum (unless
 * the NIC verified it) and no fragmentation (utcp does not reassemble).
 * utcp_ipv4_quote_parse reads the header an ICMP error quotes.
 */
#include <string.h>

#include "core/base/bytes.h"
#include "core/wire/wire.h"

int utcp_ipv4_parse(const uint8_t *p, size_t len, int verify_cksum, struct utcp_ipv4_view *v)
{
	unsigned hlen;

	if (len < UTCP_IPV4_HLEN)
		return UTCP_PARSE_SHORT;
	if (p[0] >> 4 != 4) /* RFC 791 §3.1 Version */
		return UTCP_PARSE_VERSION;
	hlen = (p[0] & 0x0f) * 4u; /* IHL: "minimum value ... is 5" */
	if (hlen < UTCP_IPV4_HLEN)
		return UTCP_PARSE_IHL;
	if (hlen > len)
		return UTCP_PARSE_SHORT;
	v->total_len = rd16(p + 2);
	/* Total Length covers header and data; bytes past it are link-layer
	 * padding (Ethernet's 60-byte minimum) and are not part of it. */
	if (v->total_len < hlen || v->total_len > len)
		return UTCP_PARSE_LEN;
	if (verify_cksum && utcp_csum_fold(hlen == UTCP_IPV4_HLEN ? utcp_csum_hdr20(p)
							      : utcp_csum_partial(p, hlen, 0)) != 0)
		return UTCP_PARSE_CKSUM;
	v->frag = rd16(p + 6);
	if (v->frag & (UTCP_IP_MF | UTCP_IP_OFFMASK))
		return UTCP_PARSE_FRAG;
	v->hdr = p;
	v->hlen = (uint8_t)hlen;
	v->tos = p[1];
	v->id = rd16(p + 4);
	v->ttl = p[8];
	v->proto = p[9];
	memcpy(&v->src, p + 12, 4);
	memcpy(&v->dst, p + 16, 4);
	v->payload = p + hlen;
	v->payload_len = (uint16_t)(v->total_len - hlen);
	return UTCP_PARSE_OK;
}

int utcp_ipv4_quote_parse(const uint8_t *p, size_t len, struct utcp_ipv4_view *v)
{
	if (len < UTCP_IPV4_HLEN)
		return UTCP_PARSE_SHORT;
	if (p[0] >> 4 != 4)
		return UTCP_PARSE_VERSION;
	unsigned hlen = (p[0] & 0x0f) * 4u;
	if (hlen < UTCP_IPV4_HLEN)
		return UTCP_PARSE_IHL;
	if (hlen > len)
		return UTCP_PARSE_SHORT;
	v->total_len = rd16(p + 2);
	if (v->total_len < hlen)
		return UTCP_PARSE_LEN;
	v->frag = rd16(p + 6);
	if (v->frag & UTCP_IP_OFFMASK) /* not the first fragment: no transport header */
		return UTCP_PARSE_FRAG;
	size_t end = v->total_len < len ? v->total_len : len;
	v->hdr = p;
	v->hlen = (uint8_t)hlen;
	v->tos = p[1];
	v->id = rd16(p + 4);
	v->ttl = p[8];
	v->proto = p[9];
	memcpy(&v->src, p + 12, 4);
	memcpy(&v->dst, p + 16, 4);
	v->payload = p + hlen;
	v->payload_len = (uint16_t)(end - hlen);
	return UTCP_PARSE_OK;
}
