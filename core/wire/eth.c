/*
 * core/wire/eth.c - the checked view of an Ethernet II header.
 */
#include "core/wire/wire.h"

int utcp_eth_parse(const uint8_t *frame, size_t len, struct utcp_eth_view *v)
{
	if (len < UTCP_ETH_HLEN)
		return UTCP_PARSE_SHORT;
	if (len > UINT16_MAX)
		return UTCP_PARSE_LEN;
	v->dst = frame;
	v->src = frame + UTCP_ETH_ALEN;
	v->type = (uint16_t)(frame[12] << 8 | frame[13]);
	v->payload = frame + UTCP_ETH_HLEN;
	v->payload_len = (uint16_t)(len - UTCP_ETH_HLEN);
	return UTCP_PARSE_OK;
}
