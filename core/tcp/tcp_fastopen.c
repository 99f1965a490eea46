/*
 * core/tcp/tcp_fastopen.c - TCP Fast Open (RFC 7413), the client side:
 * the Fast Open option on an active open's SYN (a cookie request, or the
 * cached cookie with the first data), the context's cookie cache keyed by
 * the server address (TCP_FO_CACHE entries, least recently used replaced),
 * and the SYN-ACK's answer (its cookie cached; SYN data it did not
 * acknowledge sent again after the handshake, RFC 7413 §4.2.2).
 *
 * Call order: tcp_connect (a socket with TCP_FASTOPEN_CONNECT or
 * MSG_FASTOPEN) -> tcp_fastopen_connect (no cookie: the SYN goes at once
 * with a request; a cookie: the SYN waits, TFO_DEFER) -> the first write
 * -> tcp_fastopen_write (the data queued, the SYN sent) -> tcp_send_syn ->
 * tcp_fastopen_syn (option, data) ... SYN-ACK in SYN-SENT ->
 * tcp_fastopen_synack.  A connection without Fast Open never gets here
 * (tp->tfo is 0; one byte tested in tcp_send_syn and in SYN-SENT).
 */
#include <string.h>

#include "core/tcp/tcp.h"

/* ---- the cookie cache ------------------------------------------------------ */

static struct tcp_fo_entry *fo_find(struct utcp_tcp_ctx *t, uint32_t raddr)
{
	for (int i = 0; i < TCP_FO_CACHE; i++)
		if (t->fo_cache.e[i].len != 0 && t->fo_cache.e[i].raddr == raddr)
			return &t->fo_cache.e[i];
	return NULL;
}

/* RFC 7413 §4.1.3: the client caches the cookie per server address, and
 * with it the server's MSS option (§4.1.3 suggests it; Linux keeps it). */
static void fo_store(struct utcp_ctx *ctx, uint32_t raddr, const uint8_t *cookie, uint8_t len,
		     uint16_t mss)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	struct tcp_fo_entry *e = fo_find(t, raddr);
	for (int i = 0; e == NULL && i < TCP_FO_CACHE; i++) /* a free one, else the oldest */
		if (t->fo_cache.e[i].len == 0)
			e = &t->fo_cache.e[i];
	for (int i = 0; e == NULL && i < TCP_FO_CACHE; i++)
		if (i == 0 || t->fo_cache.e[i].used < e->used)
			e = &t->fo_cache.e[i];
	e->raddr = raddr;
	e->len = len;
	memcpy(e->cookie, cookie, len);
	e->mss = mss;
	e->used = ctx->now;
}

/* ---- active open ------------------------------------------------------------ */

int tcp_fastopen_connect(struct utcp_tcb *tp)
{
	if (!(tp->ctx->tcp->fastopen & TFO_CLIENT))
		return 0; /* tcp_fastopen without bit 1: a plain SYN */
	tp->tfo = TFO_ON;
	struct tcp_fo_entry *e = fo_find(tp->ctx->tcp, tp->raddr);
	if (e == NULL)
		return 0; /* RFC 7413 §4.1.1: the SYN asks for a cookie */
	e->used = tp->ctx->now;
	tp->tfo |= TFO_DEFER | TFO_COOKIE; /* Linux: the SYN leaves with the first write */
	return 1;
}

/* Room for data on the SYN: the MSS less the largest options area, as
 * Linux's tcp_send_syn_data (1420 bytes on a 1500-byte MTU). */
static uint32_t fo_syn_space(struct utcp_tcb *tp)
{
	const struct tcp_fo_entry *e = fo_find(tp->ctx->tcp, tp->raddr);
	uint32_t mss = tp->our_mss;
	if (e != NULL && e->mss != 0 && e->mss < mss)
		mss = e->mss; /* the server's, from the cookie's SYN-ACK */
	return mss > TCP_MAX_OPTLEN ? mss - TCP_MAX_OPTLEN : 0;
}

/* A non-blocking write queues only what the SYN carries (Linux returns
 * that much); a blocking one all it can, the rest after the handshake. */
size_t tcp_fastopen_write(struct utcp_tcb *tp, const struct iovec *iov, int iovcnt, int nonblock)
{
	size_t n = 0;
	if (!nonblock)
		n = tcp_send(tp, iov, iovcnt);
	for (int i = 0; nonblock && i < iovcnt && n < fo_syn_space(tp); i++) {
		size_t left = fo_syn_space(tp) - n;
		struct iovec one = { iov[i].iov_base,
				     iov[i].iov_len < left ? iov[i].iov_len : left };
		size_t k = tcp_send(tp, &one, 1);
		n += k;
		if (k < iov[i].iov_len)
			break;
	}
	tp->tfo &= (uint8_t)~TFO_DEFER;
	tp->rtt_start = tp->ctx->now;
	tcp_send_syn(tp);
	return n;
}

/* The option at the end of the SYN's (RFC 7413 §2), padded with NOPs to
 * a 4-byte boundary as Linux; with a cookie also the first data (§4.2.1).
 * A retransmitted SYN carries neither (Linux: the SYN or its data may be
 * what a middlebox drops, §4.1.3.2); the data goes after the handshake. */
void tcp_fastopen_syn(struct utcp_tcb *tp, struct tcp_out *o)
{
	if (tp->flags & TF_SYN_REXMT)
		return;
	struct tcp_fo_entry *e = (tp->tfo & TFO_COOKIE) ? fo_find(tp->ctx->tcp, tp->raddr) : NULL;
	uint8_t len = e != NULL ? e->len : 0;
	uint8_t *p = o->opt + o->optlen;
	if (o->optlen + ((2u + len + 3u) & ~3u) > TCP_MAX_OPTLEN)
		return; /* no room beside the other options: a plain SYN */
	p[0] = TCPOPT_FASTOPEN;
	p[1] = (uint8_t)(2 + len);
	if (len > 0)
		memcpy(p + 2, e->cookie, len);
	unsigned n = 2u + len;
	while (n % 4 != 0)
		p[n++] = TCPOPT_NOP;
	o->optlen += n;
	if (e == NULL || tp->snd.len == 0)
		return;
	uint32_t room = fo_syn_space(tp);
	o->data_off = 0;
	o->data_len = tp->snd.len < room ? tp->snd.len : room;
	tp->tfo |= TFO_SYN_DATA;
	tp->snd_nxt = tp->iss + 1 + o->data_len; /* tcp_send_syn keeps the larger */
}

/* SYN-ACK in SYN-SENT, SND.UNA already at SEG.ACK: cache the cookie the
 * server gave (RFC 7413 §4.1.2); drop from the send ring the SYN data it
 * acknowledged, and send again what it did not (§4.2.2). */
void tcp_fastopen_synack(struct utcp_tcb *tp, const struct tcp_seg *s)
{
	uint16_t mss = (s->opt.flags & TOF_MSS) ? s->opt.mss : 0;
	struct tcp_fo_entry *e = fo_find(tp->ctx->tcp, tp->raddr);
	if ((s->opt.flags & TOF_FASTOPEN) && s->opt.fo_len >= TCP_FO_COOKIE_MIN)
		fo_store(tp->ctx, tp->raddr, s->opt.fo_cookie, s->opt.fo_len, mss);
	else if (e != NULL && mss != 0) /* no new cookie: the old one stays, the MSS is news */
		e->mss = mss;
	if (!(tp->tfo & TFO_SYN_DATA))
		return;
	uint32_t acked = s->ack - (tp->iss + 1);
	if (acked > tp->snd.len)
		acked = tp->snd.len;
	tcp_sndbuf_drop(&tp->snd, acked);
	if (tp->sndmem.limit != 0)
		tcp_sndmem_acked(tp);
	tp->snd_nxt = tp->snd_una; /* the rest goes after the handshake */
}
