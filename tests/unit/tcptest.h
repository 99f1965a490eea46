/*
 * tests/unit/tcptest.h - a TCP peer for unit tests that read like traces.
 *
 * The stack under test is host 10.0.0.1 on the in-memory test NIC
 * (testnic.h); the test plays the peer 10.0.0.2 (a static ARP entry, so no
 * ARP traffic).  A test crafts a segment (flags, seq, ack, window, options,
 * payload), feeds it, and checks the exact segment(s) the host answers:
 *
 *   tt_up(NULL);                          host up, defaults for tests
 *   tt_in(&(struct tt_seg){ ... });       peer -> host, then one poll round
 *   tt_out(&s);                           next host -> peer segment, parsed
 *   tt_expect(&s, TH_ACK, seq, ack, win)  its header fields, exactly
 *   tt_down();                            no socket, TCB, buffer or packet left
 *
 * Connections: tt_passive / tt_active run a handshake and fill a
 * struct tt_conn that tracks both sides' sequence numbers and timestamps,
 * so that later segments are one line: tt_pin(&c, TH_ACK, "data", 4).
 * Ports are in host order here; sequence numbers are plain numbers.
 */
#ifndef UTCP_TESTS_TCPTEST_H
#define UTCP_TESTS_TCPTEST_H

#include <check.h>
#include <stdint.h>
#include <utcp/utcp.h>

#include "core/tcp/tcp.h"
#include "tests/unit/testnic.h"

#define TT_MS UTCP_NSEC_PER_MSEC
#define TT_SEC UTCP_NSEC_PER_SEC

struct tt_seg {
	uint16_t sport, dport;         /* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint8_t opt[40];               /* raw options, as sent or received */
	uint8_t optlen;
	const void *data;              /* payload to send */
	uint32_t len;
	uint8_t tos;                   /* the IP TOS byte, sent with or received */
	/* filled for received segments */
	uint8_t payload[2048];
	struct tcp_opts o;             /* parsed options */
};

extern struct tn_host tt_h;        /* the host under test */

/* Default test config: tcp_timeout off (-1), tcp_timewait 60, static ARP
 * for the peer, rcvbuf/sndbuf 65536, max_concurrency 64. */
void tt_config(struct utcp_config *cfg);
void tt_up(const struct utcp_config *cfg);   /* NULL: tt_config() */
/* Sockets must all be closed.  Runs every timer out (virtual time), then
 * asserts that no TCB, listener, buffer or packet is left. */
void tt_down(void);

/* Clock (virtual): set the NIC clock forward by dt and run one round. */
void tt_advance(utcp_time_t dt);
utcp_time_t tt_now(void);
/* Jump to the host's next timer deadline and run it; 0 if there is none. */
int tt_next_timer(void);
/* Run timers until the host sends something; 1 if it did (the segment
 * stays queued for tt_out), 0 if the timers ran out first. */
int tt_timers_until_out(void);

/* Peer -> host: build the frame (checksums right) and run one round. */
void tt_in(const struct tt_seg *s);
/* Only queue it on the NIC (a blocking call will pick it up). */
void tt_inject(const struct tt_seg *s);
/* The same with the raw TCP bytes given (malformed segments). */
void tt_in_raw(const void *tcp, size_t len);
/* An ICMP error (type, code, next-hop MTU for type 3 code 4) from the
 * gateway about a host -> peer segment q: the quoted IPv4 header (Total
 * Length as sent) and the first 8 octets of q's TCP header; one round. */
void tt_icmp_in(uint8_t type, uint8_t code, uint16_t mtu, const struct tt_seg *q);
/* Host -> peer: pop the next segment (asserts IPv4/TCP, addresses, both
 * checksums).  1 if there was one. */
int tt_out(struct tt_seg *s);
/* Pop one and assert its header: flags, seq, ack, win (-1: any). */
void tt_expect(struct tt_seg *s, uint8_t flags, uint32_t seq, uint32_t ack, int win);
void tt_expect_none(void);
unsigned tt_pending(void);

/* Option builders; each appends to s->opt. */
void tt_opt_mss(struct tt_seg *s, uint16_t mss);
void tt_opt_ws(struct tt_seg *s, uint8_t shift);
void tt_opt_sackok(struct tt_seg *s);
void tt_opt_ts(struct tt_seg *s, uint32_t tsval, uint32_t tsecr);
void tt_opt_raw(struct tt_seg *s, const void *bytes, uint8_t len);

/* ---- connections -------------------------------------------------------- */
#define TT_PEER_PORT 40000
#define TT_HOST_PORT 80

struct tt_conn {
	int sock;                      /* host socket (accepted or connecting) */
	uint16_t hport, pport;
	uint32_t hiss, piss;
	uint32_t hnxt, pnxt;           /* next sequence number each side sends */
	int ts;                        /* timestamps negotiated */
	uint32_t pts;                  /* the peer's TSval */
	uint32_t hts;                  /* last TSval seen from the host */
	uint8_t hws, pws;              /* window shifts: host's (applies to its
					  windows), peer's */
	uint16_t pwin;                 /* window field the peer sends */
	struct tt_seg syn;             /* the host's SYN or SYN-ACK */
};

/* Peer SYN options for a handshake. */
#define TT_OPT_MSS 0x1
#define TT_OPT_WS 0x2
#define TT_OPT_SACK 0x4
#define TT_OPT_TS 0x8
#define TT_OPT_ALL (TT_OPT_MSS | TT_OPT_WS | TT_OPT_SACK | TT_OPT_TS)

/* A nonblocking listener on TT_HOST_PORT (or `port`). */
int tt_listen(uint16_t port, int backlog);
/* Peer connects to the listener: SYN, SYN-ACK (returned in c->syn),
 * ACK; then accept (the accepted socket is made nonblocking).
 * opts: TT_OPT_*; the peer's window shift is 7. */
void tt_passive(struct tt_conn *c, int lsock, unsigned opts);
/* Host connects (nonblocking socket) to the peer; peer answers SYN-ACK
 * with opts, host ACKs. */
void tt_active(struct tt_conn *c, unsigned opts);
/* A segment from the peer on c: seq = pnxt, ack = hnxt, window pwin,
 * TS if negotiated; pnxt advances by len (+SYN/FIN). */
void tt_pin(struct tt_conn *c, uint8_t flags, const void *data, uint32_t len);
/* Build (not send) such a segment, pnxt unchanged. */
void tt_pseg(struct tt_conn *c, struct tt_seg *s, uint8_t flags, const void *data, uint32_t len);
/* Pop the host's next segment on c and check flags, seq = hnxt, ack, len;
 * hnxt advances past it; hts is updated.  Returns the payload length. */
uint32_t tt_hout(struct tt_conn *c, struct tt_seg *s, uint8_t flags, uint32_t ack, uint32_t len);
/* Peer acknowledges everything the host sent. */
void tt_pack(struct tt_conn *c);
/* Close the host socket and complete the FIN exchange from the peer side
 * so that no TCB is left (TIME-WAIT passes with tt_down's timer run). */
void tt_finish(struct tt_conn *c);

/* errno-checking wrappers */
#define tt_ok(expr) ck_assert_msg((expr) >= 0, "%s: %s", #expr, strerror(errno))
#define tt_err(expr, e)                                                            \
	do {                                                                       \
		errno = 0;                                                         \
		long r_ = (long)(expr);                                            \
		ck_assert_msg(r_ == -1 && errno == (e), "%s: got %ld errno %d (%s), want %s", \
			      #expr, r_, errno, strerror(errno), #e);              \
	} while (0)

#endif
