/*
 * core/tcp/tcp_isn.c - initial sequence numbers (RFC 6528) and timestamp
 * offsets (RFC 7323 §5.4), both keyed by the context's secret isn_key
 * (SipHash-2-4, core/base/hash.h).
 *
 * Call order: tcp_connect and tcp_passive_tcb -> tcp_isn; tcp_tcb_new and
 * the SYN cookies -> tcp_ts_offset.  The clock M is the context's virtual
 * time (ctx->now): nothing here reads a clock.
 */
#include <string.h>

#include "core/base/hash.h"
#include "core/tcp/tcp.h"

/* RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a timer.  RFC 793's 4 us tick assumed 2 Mbit/s links: a connection that
 * moves more than 1 sequence number per 4 us and closes leaves its
 * successor on the same 4-tuple, opened at once, an ISN below the old
 * RCV.NXT, which TIME-WAIT at the peer must refuse (RFC 6191 §2, when the
 * timestamps are equal too).  M ticks every 64 ns, as Linux's: 2^32 ticks
 * are 275 s, still more than an MSL, so M does not wrap within one
 * (RFC 9293 §3.4.1). */
uint32_t tcp_isn(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport, uint32_t raddr,
		 uint16_t rport)
{
	uint8_t in[12];
	memcpy(in, &laddr, 4);
	memcpy(in + 4, &lport, 2);
	memcpy(in + 6, &raddr, 4);
	memcpy(in + 10, &rport, 2);
	uint32_t f = (uint32_t)utcp_siphash(ctx->tcp->isn_key, in, sizeof(in));
	uint32_t m = (uint32_t)(ctx->now >> 6);
	return m + f;
}

/* RFC 7323 §5.4 / RFC 6191 §3: the TSval offset, a keyed hash of the two
 * addresses (as Linux's secure_tcp_ts_off).  Random per connection would
 * hide nothing more, but a new connection on a 4-tuple still in TIME-WAIT
 * at the peer could then carry a smaller TSval than the old one and be
 * refused (RFC 6191 needs timestamps to grow across connections between
 * the same two hosts).  The flows of one 4-tuple always meet the same
 * context (RSS), so the per-context key is enough. */
uint32_t tcp_ts_offset(struct utcp_ctx *ctx, uint32_t laddr, uint32_t raddr)
{
	uint8_t in[9];
	struct utcp_tcp_ctx *t = ctx->tcp;
	/* A function of the pair and the key only: the last one is kept, and
	 * a run of connections to one peer hashes once (the ISN, which takes
	 * the ports and the clock too, is the only hash per connection). */
	if (t->ts_last.valid && t->ts_last.laddr == laddr && t->ts_last.raddr == raddr)
		return t->ts_last.off;
	memcpy(in, &laddr, 4);
	memcpy(in + 4, &raddr, 4);
	in[8] = 'T'; /* not the ISN's input */
	t->ts_last.off = (uint32_t)utcp_siphash(t->isn_key, in, sizeof(in));
	t->ts_last.laddr = laddr;
	t->ts_last.raddr = raddr;
	t->ts_last.valid = 1;
	return t->ts_last.off;
}
