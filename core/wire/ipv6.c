/*
 * core/wire/ipv6.c - the checked view of an IPv6 packet (RFC 8200), its
 * extension headers, the pseudo-header sum, and IPv6 addresses.
 *
 * Call order: utcp_ipv6_input (core/net) -> utcp_ipv6_parse: fixed header
 * (§3), Payload Length against the frame, then the extension headers in
 * the order they come (§4.1): hop-by-hop options only first, destination
 * options and routing headers skipped after their options are checked,
 * a fragment header refused (utcp does not reassemble, as for IPv4).  Every
 * extension header is bounds-checked before a byte of it is read, and at
 * most UTCP_IPV6_MAX_EXT are walked, so no frame makes the walk long.
 * An ICMPv6 error's quote goes through utcp_ipv6_quote_parse instead.
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/base/bytes.h"
#include "core/wire/wire.h"

#define OPT_PAD1 0
#define OPT_PADN 1
#define OPT_ROUTER_ALERT 5 /* RFC 2711 */

/* RFC 8200 §4.2: the options of a hop-by-hop or destination options header
 * at p[off .. off+len).  Pad1, PadN and Router Alert are known; an unknown
 * option whose type's two high bits are 00 is skipped, any other makes the
 * packet be discarded (UTCP_PARSE_OPT, err_ptr at the option type). */
static int ipv6_walk_options(const uint8_t *p, size_t off, size_t len, struct utcp_ipv6_view *v)
{
	size_t i = off + 2, end = off + len;

	while (i < end) {
		uint8_t type = p[i];
		if (type == OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > end || i + 2 + p[i + 1] > end) {
			v->err_ptr = (uint16_t)(i + 1);
			return UTCP_PARSE_EXT;
		}
		if (type != OPT_PADN && type != OPT_ROUTER_ALERT && (type >> 6) != 0) {
			v->err_ptr = (uint16_t)i;
			v->opt_action = (uint8_t)(type >> 6);
			return UTCP_PARSE_OPT;
		}
		i += 2u + p[i + 1];
	}
	return UTCP_PARSE_OK;
}

/* One extension header at p[off]: its length in *len, or an error.  quote:
 * the quoted packet of an ICMPv6 error (not checked beyond its bounds). */
static int ipv6_ext(const uint8_t *p, size_t off, size_t end, uint8_t nxt, int quote,
		    size_t *len, struct utcp_ipv6_view *v)
{
	if (nxt == UTCP_IPPROTO_FRAGMENT) {
		/* §4.5: 8 octets; only the first fragment (offset 0) of a
		 * quote still carries the transport header after it. */
		if (!quote || off + 8 > end || (rd16(p + off + 2) & 0xfff8) != 0)
			return UTCP_PARSE_FRAG;
		*len = 8;
		return UTCP_PARSE_OK;
	}
	if (off + 8 > end) {
		v->err_ptr = (uint16_t)off;
		return quote ? UTCP_PARSE_SHORT : UTCP_PARSE_EXT;
	}
	*len = (p[off + 1] + 1u) * 8u; /* Hdr Ext Len: 8-octet units beyond the first 8 */
	if (off + *len > end) {
		v->err_ptr = (uint16_t)(off + 1);
		return quote ? UTCP_PARSE_SHORT : UTCP_PARSE_EXT;
	}
	if (quote)
		return UTCP_PARSE_OK;
	if (nxt == UTCP_IPPROTO_ROUTING) {
		/* §4.4: we implement no routing type (type 0 is deprecated,
		 * RFC 5095); with Segments Left 0 the header is ignored, else
		 * the packet is discarded with a parameter problem at the type. */
		if (p[off + 3] != 0) {
			v->err_ptr = (uint16_t)(off + 2);
			return UTCP_PARSE_ROUTING;
		}
		return UTCP_PARSE_OK;
	}
	return ipv6_walk_options(p, off, *len, v);
}

static int ipv6_is_ext(uint8_t nxt)
{
	return nxt == UTCP_IPPROTO_HOPOPTS || nxt == UTCP_IPPROTO_ROUTING ||
	       nxt == UTCP_IPPROTO_DSTOPTS || nxt == UTCP_IPPROTO_FRAGMENT;
}

/* Walk the chain from the fixed header to the upper-layer header within
 * p[0 .. end). */
static int ipv6_walk(const uint8_t *p, size_t end, int quote, struct utcp_ipv6_view *v)
{
	v->nxt_off = 6;
	size_t off = UTCP_IPV6_HLEN, len;
	uint16_t nxt_off = 6;
	uint8_t nxt = p[6];

	for (int n = 0; ipv6_is_ext(nxt); n++) {
		v->nxt_off = nxt_off; /* the field naming this header, for errors */
		/* §4.1: the hop-by-hop header only right after the fixed one. */
		if (n == UTCP_IPV6_MAX_EXT || (nxt == UTCP_IPPROTO_HOPOPTS && n > 0)) {
			v->err_ptr = nxt_off;
			return UTCP_PARSE_EXT;
		}
		int err = ipv6_ext(p, off, end, nxt, quote, &len, v);
		if (err != UTCP_PARSE_OK)
			return err;
		nxt = p[off];
		nxt_off = (uint16_t)off;
		off += len;
	}
	v->nxt = nxt;
	v->nxt_off = nxt_off;
	v->payload = p + off;
	v->payload_len = (uint16_t)(end - off);
	return UTCP_PARSE_OK;
}

static void ipv6_fixed(const uint8_t *p, struct utcp_ipv6_view *v)
{
	v->hdr = p;
	v->tclass = (uint8_t)(rd16(p) >> 4);
	v->flow = rd32(p) & 0xfffff;
	v->plen = rd16(p + 4);
	v->hlim = p[7];
	memcpy(v->src.b, p + 8, 16);
	memcpy(v->dst.b, p + 24, 16);
	v->err_ptr = 0;
	v->opt_action = 0;
}

int utcp_ipv6_parse(const uint8_t *p, size_t len, struct utcp_ipv6_view *v)
{
	if (len < UTCP_IPV6_HLEN)
		return UTCP_PARSE_SHORT;
	if (p[0] >> 4 != 6) /* §3 Version */
		return UTCP_PARSE_VERSION;
	ipv6_fixed(p, v);
	/* §3 Payload Length: the rest of the packet, extension headers
	 * included; bytes past it are link-layer padding. */
	if ((size_t)UTCP_IPV6_HLEN + v->plen > len)
		return UTCP_PARSE_LEN;
	return ipv6_walk(p, UTCP_IPV6_HLEN + (size_t)v->plen, 0, v);
}

int utcp_ipv6_quote_parse(const uint8_t *p, size_t len, struct utcp_ipv6_view *v)
{
	if (len < UTCP_IPV6_HLEN)
		return UTCP_PARSE_SHORT;
	if (p[0] >> 4 != 6)
		return UTCP_PARSE_VERSION;
	ipv6_fixed(p, v);
	size_t end = UTCP_IPV6_HLEN + (size_t)v->plen;
	return ipv6_walk(p, end < len ? end : len, 1, v);
}

void utcp_ipv6_build(uint8_t *h, const struct utcp_in6 *src, const struct utcp_in6 *dst,
		     uint8_t nxt, uint16_t plen, uint8_t hlim, uint32_t flow)
{
	wr32(h, 6u << 28 | (flow & 0xfffff)); /* version, traffic class 0, flow label */
	wr16(h + 4, plen);
	h[6] = nxt;
	h[7] = hlim;
	memcpy(h + 8, src->b, 16);
	memcpy(h + 24, dst->b, 16);
}

uint32_t utcp_csum_pseudo6(const struct utcp_in6 *src, const struct utcp_in6 *dst, uint8_t nxt,
			   uint32_t l4_len)
{
	/* RFC 8200 §8.1: source, destination, upper-layer packet length
	 * (32 bits), three zero octets, next header. */
	uint8_t tail[8];

	wr32(tail, l4_len);
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = nxt;
	uint32_t sum = utcp_csum_partial(src->b, 16, 0);
	sum = utcp_csum_partial(dst->b, 16, sum);
	return utcp_csum_partial(tail, sizeof(tail), sum);
}

/* ---- addresses ---------------------------------------------------------- */

const struct utcp_in6 utcp_in6_all_nodes = { { 0xff, 0x02, [15] = 1 } };

int utcp_in6_parse(const char *s, struct utcp_in6 *a)
{
	return inet_pton(AF_INET6, s, a->b) == 1 ? 0 : -1;
}

int utcp_in6_parse_net(const char *s, struct utcp_in6 *a, uint8_t *plen, int need_prefix)
{
	char buf[UTCP_IN6_STRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (utcp_in6_parse(buf, a) < 0)
		return -1;
	if (slash == NULL) {
		*plen = 128;
		return need_prefix ? -1 : 0;
	}
	unsigned p = 0;
	const char *d = slash + 1;
	if (*d == '\0' || strlen(d) > 3)
		return -1;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return -1;
		p = p * 10 + (unsigned)(*d - '0');
	}
	if (p > 128)
		return -1;
	*plen = (uint8_t)p;
	return 0;
}

const char *utcp_in6_format(const struct utcp_in6 *a, char *buf, size_t len)
{
	return inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
}

int utcp_in6_eq(const struct utcp_in6 *a, const struct utcp_in6 *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

int utcp_in6_prefix_eq(const struct utcp_in6 *a, const struct utcp_in6 *b, unsigned plen)
{
	unsigned whole = plen >= 128 ? 16 : plen / 8, bits = plen >= 128 ? 0 : plen % 8;

	if (memcmp(a->b, b->b, whole) != 0)
		return 0;
	if (bits == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return ((a->b[whole] ^ b->b[whole]) & mask) == 0;
}

int utcp_in6_is_unspec(const struct utcp_in6 *a)
{
	static const struct utcp_in6 zero;
	return utcp_in6_eq(a, &zero);
}

int utcp_in6_is_multicast(const struct utcp_in6 *a)
{
	return a->b[0] == 0xff;
}

int utcp_in6_is_linklocal(const struct utcp_in6 *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

int utcp_in6_is_loopback(const struct utcp_in6 *a)
{
	static const struct utcp_in6 one = { { [15] = 1 } };
	return utcp_in6_eq(a, &one);
}

int utcp_in6_is_v4mapped(const struct utcp_in6 *a)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };
	return memcmp(a->b, pfx, sizeof(pfx)) == 0;
}

void utcp_in6_solicited_node(const struct utcp_in6 *a, struct utcp_in6 *out)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	memcpy(out->b, pfx, sizeof(pfx));
	memcpy(out->b + 13, a->b + 13, 3);
}

void utcp_in6_mcast_mac(const struct utcp_in6 *a, uint8_t mac[UTCP_ETH_ALEN])
{
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, a->b + 12, 4);
}

void utcp_in6_linklocal(const uint8_t mac[UTCP_ETH_ALEN], struct utcp_in6 *out)
{
	memset(out->b, 0, 16);
	out->b[0] = 0xfe;
	out->b[1] = 0x80;
	out->b[8] = mac[0] ^ 0x02; /* the universal/local bit, inverted */
	out->b[9] = mac[1];
	out->b[10] = mac[2];
	out->b[11] = 0xff;
	out->b[12] = 0xfe;
	out->b[13] = mac[3];
	out->b[14] = mac[4];
	out->b[15] = mac[5];
}
