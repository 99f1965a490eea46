/*
 * core/wire/tcp.h - TCP on the wire (RFC 9293 §3.1): header flags, option
 * kinds, modular sequence comparisons, and the parsed options of a segment
 * with their parser (tcp_opt.c).  No connection state.
 */
#ifndef UTCP_CORE_WIRE_TCP_H
#define UTCP_CORE_WIRE_TCP_H

#include <stdint.h>

#define TCP_HLEN 20
#define TCP_MAX_OPTLEN 40
#define TCP_MAX_WSCALE 14 /* RFC 7323 §2.3 */

/* Header flags (RFC 9293 §3.1). */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40 /* RFC 3168 §6.1: ECN-Echo */
#define TH_CWR 0x80 /* RFC 3168 §6.1: Congestion Window Reduced */

/* Option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018). */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TIMESTAMP 8
#define TCPOPT_FASTOPEN 34 /* RFC 7413 §2 */
#define TCP_FO_COOKIE_MIN 4
#define TCP_FO_COOKIE_MAX 16

/* Modular sequence comparisons (RFC 9293 §3.4). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))

/* ---- parsed options ------------------------------------------------- */
#define TOF_MSS 0x01
#define TOF_WSCALE 0x02
#define TOF_SACK_PERM 0x04
#define TOF_TS 0x08
#define TOF_SACK 0x10
#define TOF_FASTOPEN 0x20 /* fo_len bytes of cookie (0: a cookie request) */

struct tcp_sack_block {
	uint32_t start, end;
};

struct tcp_opts {
	uint8_t flags;      /* TOF_* present */
	uint8_t wscale;
	uint16_t mss;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	struct tcp_sack_block sack[4];
	uint8_t fo_len;     /* with TOF_FASTOPEN only (not cleared by the parser) */
	uint8_t fo_cookie[TCP_FO_COOKIE_MAX];
};

/* Parse the options area; 0, or -1 if a length is malformed (RFC 9293
 * §3.1: never read past the header). */
int tcp_opts_parse(const uint8_t *p, unsigned len, int syn, struct tcp_opts *o);

#endif
