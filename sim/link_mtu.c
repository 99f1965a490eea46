/*
 * sim/link_mtu.c - a path MTU on a simulated link (utcp_sim_link_mtu_drop):
 * from a moment on, IPv4 packets longer than the MTU are dropped before the
 * link's queue, as a router further on with a smaller MTU drops a packet
 * with DF set (TCP sets it: RFC 1191 §3).  With ICMP, the dropped frame's
 * buffer becomes the router's "fragmentation needed" (type 3 code 4, the
 * next-hop MTU in octets 6-7, RFC 1191 §4; the quoted IPv4 header and 8
 * octets, RFC 792), sent back to the sender on the other direction from
 * the dropped packet's destination address; without, the path is a black
 * hole (RFC 2923 §2.1, RFC 4821).
 *
 * Call order: utcp_sim_link_mtu_drop (setup) -> sim_link_mtu_check from
 * sim_link_send, for each frame handed to the link (which sends the error).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/wire/wire.h"
#include "sim/sim_int.h"

#define ETH_TYPE_IPV4 0x0800
#define ICMP_QUOTE (UTCP_IPV4_HLEN + 8)   /* IPv4 header (no options here) and 8 octets */
#define ICMP_NEEDFRAG_LEN (UTCP_ETH_HLEN + UTCP_IPV4_HLEN + 8 + ICMP_QUOTE)

int utcp_sim_link_mtu_drop(struct utcp_sim_link *l, utcp_time_t at, uint32_t mtu, int icmp)
{
	if (mtu < 68 || mtu > 65535) { /* RFC 791: every host takes 68 */
		errno = EINVAL;
		return -1;
	}
	l->mtu = mtu;
	l->mtu_at = at;
	l->mtu_icmp = icmp;
	return 0;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Turn the frame in pkt (an IPv4 packet of total length tot) into the ICMP
 * error for it, in place. */
static void needfrag(struct utcp_pkt *pkt, uint32_t mtu)
{
	uint8_t *f = pkt->data, quote[ICMP_QUOTE], mac[UTCP_ETH_ALEN], src[4], dst[4];
	uint8_t *ip = f + UTCP_ETH_HLEN, *icmp = ip + UTCP_IPV4_HLEN;
	memcpy(quote, ip, ICMP_QUOTE);
	memcpy(src, ip + 12, 4);
	memcpy(dst, ip + 16, 4);
	memcpy(mac, f, UTCP_ETH_ALEN); /* back the way it came */
	memcpy(f, f + UTCP_ETH_ALEN, UTCP_ETH_ALEN);
	memcpy(f + UTCP_ETH_ALEN, mac, UTCP_ETH_ALEN);
	memset(ip, 0, UTCP_IPV4_HLEN + 8);
	ip[0] = 0x45;
	wr16(ip + 2, UTCP_IPV4_HLEN + 8 + ICMP_QUOTE);
	ip[8] = 64;
	ip[9] = 1; /* ICMP */
	memcpy(ip + 12, dst, 4);
	memcpy(ip + 16, src, 4);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(ip, UTCP_IPV4_HLEN, 0));
	memcpy(ip + 10, &ck, 2);
	icmp[0] = 3;
	icmp[1] = 4;
	wr16(icmp + 6, (uint16_t)mtu);
	memcpy(icmp + 8, quote, ICMP_QUOTE);
	ck = utcp_csum_fold(utcp_csum_partial(icmp, 8 + ICMP_QUOTE, 0));
	memcpy(icmp + 2, &ck, 2);
	pkt->len = ICMP_NEEDFRAG_LEN;
	pkt->ol_flags = 0;
}

int sim_link_mtu_check(struct sim_dir *d, struct utcp_pkt *pkt)
{
	const uint8_t *f = pkt->data;
	if (pkt->len < UTCP_ETH_HLEN + UTCP_IPV4_HLEN + 8 ||
	    (f[12] << 8 | f[13]) != ETH_TYPE_IPV4 || (f[14] >> 4) != 4)
		return 0;
	uint32_t tot = (uint32_t)(f[16] << 8 | f[17]);
	if (tot <= d->link->mtu)
		return 0;
	d->st.mtu_drops++;
	if (!d->link->mtu_icmp || (f[14] & 0x0f) != 5 || f[23] == 1) { /* no error for an error */
		utcp_pkt_pool_put(pkt);
		return 1;
	}
	needfrag(pkt, d->link->mtu);
	d->st.icmp_needfrag++;
	return 2;
}
