/*
 * core/wire/tcp_opt.c - parsing received TCP options.
 *
 * Call order: tcp_input -> tcp_opts_parse(options area, SYN?) -> struct
 * tcp_opts used by the state handlers.  Options are written by
 * tcp_output.c.
 *
 * RFC 9293 §3.1: an option is a kind byte, or kind + length + data; every
 * length is checked against the options area before anything is read, so a
 * malformed length can never make us read past the header.  Unknown kinds
 * are skipped by their length (RFC 9293 §3.2, RFC 1122 §4.2.2.5).  A known
 * option with the wrong length is ignored, as Linux does.
 */
#include <stddef.h>
#include <string.h>

#include "core/wire/tcp.h"
#include "core/base/bytes.h"

static void opt_sack(const uint8_t *p, unsigned olen, struct tcp_opts *o)
{
	/* RFC 2018 §3: 2 + 8n bytes, at most four blocks fit in 40 bytes. */
	if (olen < 10 || (olen - 2) % 8 != 0)
		return;
	unsigned n = (olen - 2) / 8;
	o->nsack = 0;
	for (unsigned i = 0; i < n && i < 4; i++) {
		o->sack[i].start = rd32(p + 2 + 8 * i);
		o->sack[i].end = rd32(p + 6 + 8 * i);
		o->nsack++;
	}
	o->flags |= TOF_SACK;
}

static void opt_one(const uint8_t *p, unsigned olen, int syn, struct tcp_opts *o)
{
	switch (p[0]) {
	case TCPOPT_MSS: /* RFC 9293 §3.7.1: only in SYN segments */
		if (olen == 4 && syn) {
			uint16_t mss = (uint16_t)(p[2] << 8 | p[3]);
			if (mss != 0) {
				o->mss = mss;
				o->flags |= TOF_MSS;
			}
		}
		break;
	case TCPOPT_WSCALE: /* RFC 7323 §2.2: only in SYN; §2.3: > 14 means 14 */
		if (olen == 3 && syn) {
			o->wscale = p[2] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : p[2];
			o->flags |= TOF_WSCALE;
		}
		break;
	case TCPOPT_SACK_PERM: /* RFC 2018 §2: only in SYN */
		if (olen == 2 && syn)
			o->flags |= TOF_SACK_PERM;
		break;
	case TCPOPT_TIMESTAMP: /* RFC 7323 §3.2 */
		if (olen == 10) {
			o->tsval = rd32(p + 2);
			o->tsecr = rd32(p + 6);
			o->flags |= TOF_TS;
		}
		break;
	case TCPOPT_SACK:
		opt_sack(p, olen, o);
		break;
	case TCPOPT_FASTOPEN: /* RFC 7413 §2: empty, or a 4..16-byte cookie */
		if (syn && (olen == 2 || (olen >= 2 + TCP_FO_COOKIE_MIN &&
					  olen <= 2 + TCP_FO_COOKIE_MAX))) {
			o->fo_len = (uint8_t)(olen - 2);
			memcpy(o->fo_cookie, p + 2, olen - 2);
			o->flags |= TOF_FASTOPEN;
		}
		break;
	default:
		break; /* unknown: skipped */
	}
}

int tcp_opts_parse(const uint8_t *p, unsigned len, int syn, struct tcp_opts *o)
{
	memset(o, 0, offsetof(struct tcp_opts, fo_len)); /* fo_*: read under TOF_FASTOPEN */
	/* RFC 7323 Appendix A's layout, NOP NOP TS, on nearly every segment
	 * after the handshake (utcp's and Linux's): read it in one step. */
	if (len == 12 && rd32(p) == (uint32_t)(TCPOPT_NOP << 24 | TCPOPT_NOP << 16 |
					      TCPOPT_TIMESTAMP << 8 | 10)) {
		o->tsval = rd32(p + 4);
		o->tsecr = rd32(p + 8);
		o->flags = TOF_TS;
		return 0;
	}
	unsigned i = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1; /* no room for the length byte */
		unsigned olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return -1; /* RFC 9293 §3.1: illegal option length */
		opt_one(p + i, olen, syn, o);
		i += olen;
	}
	return 0;
}
