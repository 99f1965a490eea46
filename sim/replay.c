/*
 * sim/replay.c - the replay engine: plays the recorded side of a TCP
 * connection on its own sim NIC, against utcp on the other end of the link.
 *
 * Call order: rp_init -> the world runs rp_step as the replayer host's step
 * callback (frames from utcp arrived, or a wake-up it asked for) ->
 * rp_observe -> rp_free.
 *
 * Each recorded segment of the replayed side is sent, in trace order, once
 * its gates are open:
 *   - ACK gate (always): its acknowledgment and SACK blocks cover only what
 *     utcp has really sent (in order), so the replayer never acknowledges
 *     bytes that do not exist; a segment without ACK waits until utcp has
 *     sent what the trace shows the other side had sent before it;
 *   - window gate (always): new data must fit the window utcp offered;
 *   - pace: REPLAY_PACE_TIME waits the recorded gap since the previous
 *     replayed segment; REPLAY_PACE_REACT instead waits until utcp has
 *     acknowledged what the trace shows the other side had acknowledged.
 * The replayer also does what any live peer must (RFC 9293 §3.10.7.4): it
 * answers a segment that is old or outside its window with an ACK (or by
 * resending its first unacknowledged segment), retransmits its own first
 * unacknowledged segment on a timeout (lost to impairments), and if it is
 * held up waiting for data utcp will only send after an ACK, acknowledges
 * what it has after RP_DELACK.  Everything utcp sends is checked: its bytes
 * against the recorded stream, its window use, its ACKs, its options.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/bytes.h"
#include "core/wire/tcp.h"
#include "core/wire/wire.h"
#include "sim/replay_int.h"

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_ACK 0x10

static uint32_t seg_end(const struct replay_seg *s)
{
	return s->seq + s->len + ((s->flags & F_SYN) ? 1 : 0) + ((s->flags & F_FIN) ? 1 : 0);
}

static const struct replay_seg *pseg(const struct rp *rp, int i)
{
	return &rp->t->seg[rp->pseg[i]];
}

/* ---- setup ------------------------------------------------------------ */

/* Per replayed segment: what utcp must have sent / acknowledged first. */
static void compute_gates(struct rp *rp)
{
	const struct replay_trace *t = rp->t;
	uint32_t hw = t->isn[rp->R], una = 0;
	int have_una = 0, k = 0;
	for (int i = 0; i < t->nseg; i++) {
		const struct replay_seg *s = &t->seg[i];
		if (s->from == rp->R) {
			if (SEQ_GT(seg_end(s), hw))
				hw = seg_end(s);
			if ((s->flags & F_ACK) && (!have_una || SEQ_GT(s->ack, una))) {
				una = s->ack;
				have_una = 1;
			}
			continue;
		}
		rp->pseg[k] = i;
		rp->need_hw[k] = hw;
		rp->need_una[k] = una;
		rp->has_need_una[k] = (uint8_t)have_una;
		k++;
	}
	rp->npseg = k;
}

int rp_init(struct rp *rp, const struct replay_trace *t, const struct replay_opts *o,
	    struct replay_obs *obs)
{
	memset(rp, 0, sizeof(*rp));
	rp->t = t;
	rp->o = o;
	rp->obs = obs;
	rp->P = o->side;
	rp->R = 1 - o->side;
	size_t n = (size_t)t->nseg + 1;
	rp->pseg = calloc(n, sizeof(int));
	rp->need_hw = calloc(n, sizeof(uint32_t));
	rp->need_una = calloc(n, sizeof(uint32_t));
	rp->has_need_una = calloc(n, 1);
	if (!rp->pseg || !rp->need_hw || !rp->need_una || !rp->has_need_una)
		return -1;
	compute_gates(rp);
	rp->u_una = t->isn[rp->P];
	rp->snd_max = t->isn[rp->P];
	rp->rto = RP_RTO_INIT;
	rp->rto_at = rp->dack_at = UTCP_TIME_NEVER;
	return 0;
}

void rp_free(struct rp *rp)
{
	free(rp->pseg);
	free(rp->need_hw);
	free(rp->need_una);
	free(rp->has_need_una);
}

/* ---- building frames -------------------------------------------------- */

static int opt_tsval(const uint8_t *o, unsigned n, uint32_t *v);

static int ts_on(const struct rp *rp)
{
	return rp->t->has_ts[rp->P] && (!rp->have_isn || rp->u_ts);
}

static uint32_t map_ack(const struct rp *rp, uint32_t rec)
{
	return rec - rp->t->isn[rp->R] + rp->utcp_isn;
}

/* Rewrite the options: TSecr echoes utcp, SACK blocks move to utcp's ISN,
 * options utcp did not agree to become NOPs (RFC 7323 §3.2, RFC 2018 §2). */
static void rewrite_opts(const struct rp *rp, uint8_t *o, unsigned n, uint8_t flags, int gen)
{
	for (unsigned i = 0; i < n;) {
		if (o[i] == 0)
			break;
		if (o[i] == 1 || i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) {
			i++;
			continue;
		}
		unsigned kind = o[i], len = o[i + 1];
		int strip = 0;
		if (kind == 8 && len == 10) {
			strip = !ts_on(rp);
			/* never below a TSval already sent (RFC 7323 §5.3 R1: PAWS) */
			if (rp->last_tsval && SEQ_GT(rp->last_tsval, rd32(o + i + 2)))
				wr32(o + i + 2, rp->last_tsval);
			wr32(o + i + 6, (flags & F_ACK) && rp->have_tsr ? rp->ts_recent : 0);
		} else if (kind == 5) {
			strip = gen || !rp->u_sack || !rp->have_isn;
			for (unsigned b = i + 2; !strip && b + 4 <= i + len; b += 4)
				wr32(o + b, map_ack(rp, rd32(o + b)));
		} else if (rp->have_isn && ((kind == 4 && !rp->u_sack) || (kind == 3 && !rp->u_ws))) {
			strip = 1;
		}
		if (strip)
			memset(o + i, 1, len);
		i += len;
	}
}

static int ws_on(const struct rp *rp);

/* The furthest right edge we ever offered (RFC 9293 §3.8.6: the window
 * may not shrink, so utcp may use it whatever came later). */
static void offered(struct rp *rp, uint32_t ack, uint16_t win, uint8_t flags)
{
	uint32_t w = (flags & F_SYN) || !ws_on(rp) ? win : (uint32_t)win << rp->t->wscale[rp->P];
	if (!rp->have_right || SEQ_GT(ack + w, rp->right_edge))
		rp->right_edge = ack + w;
	rp->have_right = 1;
}

/* The IPv4 header of a segment of the replayed side (the recorded TOS and
 * IP ID, DF, the simulated addresses). */
static void ip4_header(const struct rp *rp, const struct replay_seg *s, uint8_t *ip,
		       unsigned tlen)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = s ? s->tos : 0;
	wr16(ip + 2, (uint16_t)(20 + tlen));
	wr16(ip + 4, s ? s->ip_id : 0);
	wr16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &rp->ip[rp->P], 4);
	memcpy(ip + 16, &rp->ip[rp->R], 4);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(ip, 20, 0));
	memcpy(ip + 10, &ck, 2); /* the sum is in network order as stored */
}

/* The TCP header and payload (checksum left 0). */
static void seg_tcp(struct rp *rp, const struct replay_seg *s, uint8_t *th, uint32_t seq,
		    uint32_t ack, uint8_t flags, uint16_t win, unsigned optlen, unsigned dlen)
{
	memcpy(th, &rp->port[rp->P], 2);
	memcpy(th + 2, &rp->port[rp->R], 2);
	wr32(th + 4, seq);
	wr32(th + 8, (flags & F_ACK) ? map_ack(rp, ack) : ack);
	th[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	th[13] = flags;
	wr16(th + 14, win);
	wr32(th + 16, 0);
	if (s != NULL) {
		memcpy(th + 20, s->opt, optlen);
		memcpy(th + 20 + optlen, s->payload, dlen);
	} else if (optlen) {
		static const uint8_t ts[12] = { 1, 1, 8, 10 };
		memcpy(th + 20, ts, 12);
		wr32(th + 24, rp->last_tsval);
	}
}

/* Send a segment of the replayed side with utcp's numbers.  gen: built by
 * the replayer (a retransmission or an ACK), not as recorded. */
static void send_seg(struct rp *rp, const struct replay_seg *s, uint32_t seq, uint32_t ack,
		     uint8_t flags, uint16_t win, int gen)
{
	struct utcp_pkt *pkt = utcp_nic_alloc(rp->nic, 0);
	if (pkt == NULL) {
		replay_obs_fail(rp->obs, "replayer: out of packet buffers");
		return;
	}
	unsigned optlen = s ? s->optlen : (ts_on(rp) ? 12 : 0);
	unsigned dlen = s ? s->len : 0, tlen = 20 + optlen + dlen;
	unsigned iphl = rp->v6 ? UTCP_IPV6_HLEN : 20;
	uint8_t *f = pkt->data, *ip = f + 14, *th = ip + iphl;
	memcpy(f, rp->mac[rp->R], 6);
	memcpy(f + 6, rp->mac[rp->P], 6);
	wr16(f + 12, rp->v6 ? 0x86dd : 0x0800);
	if (rp->v6) /* RFC 8200 §3: the recorded traffic class, no flow label */
		utcp_ipv6_build(ip, &rp->ip6[rp->P], &rp->ip6[rp->R], 6, (uint16_t)tlen, 64, 0);
	else
		ip4_header(rp, s, ip, tlen);
	seg_tcp(rp, s, th, seq, ack, flags, win, optlen, dlen);
	rewrite_opts(rp, th + 20, optlen, flags, gen || s == NULL);
	uint32_t tsv; /* our TSvals never go back (RFC 7323 §5.3: PAWS) */
	if (opt_tsval(th + 20, optlen, &tsv) && (rp->last_tsval == 0 || SEQ_GT(tsv, rp->last_tsval)))
		rp->last_tsval = tsv;
	uint32_t sum = rp->v6 ? utcp_csum_pseudo6(&rp->ip6[rp->P], &rp->ip6[rp->R], 6, tlen)
			      : utcp_csum_pseudo(rp->ip[rp->P], rp->ip[rp->R], 6, (uint16_t)tlen);
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(th, tlen, sum));
	memcpy(th + 16, &ck, 2);
	pkt->len = (uint16_t)(14 + iphl + tlen);
	if (flags & F_ACK)
		offered(rp, ack, win, flags);
	if (utcp_nic_tx_burst(rp->nic, 0, &pkt, 1) != 1)
		utcp_nic_free(rp->nic, pkt);
	rp->tx++;
}

/* The TSval in an options area, if there is one. */
static int opt_tsval(const uint8_t *o, unsigned n, uint32_t *v)
{
	for (unsigned i = 0; i + 1 < n;) {
		if (o[i] == 0)
			return 0;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i] == 8 && o[i + 1] == 10 && i + 10 <= n) {
			*v = rd32(o + i + 2);
			return 1;
		}
		if (o[i + 1] < 2)
			return 0;
		i += o[i + 1];
	}
	return 0;
}

/* Window scaling in effect both ways (RFC 7323 §2.2). */
static int ws_on(const struct rp *rp)
{
	return rp->t->has_wscale[rp->P] && rp->have_isn && rp->u_ws;
}

/* Book-keeping after a segment of ours left: what we acknowledged, the
 * window we offered, our highest sequence number, the RTO. */
static void sent(struct rp *rp, const struct replay_seg *s, utcp_time_t now)
{
	if (s->flags & F_ACK) {
		if (!rp->have_last_ack || SEQ_GT(s->ack, rp->last_ack))
			rp->last_ack = s->ack;
		rp->have_last_ack = 1;
		rp->last_win = s->win;
	}
	if (SEQ_GT(seg_end(s), rp->snd_max)) {
		rp->snd_max = seg_end(s);
		if (rp->rto_at == UTCP_TIME_NEVER)
			rp->rto_at = now + rp->rto;
	}
	if (s->flags & F_RST) {
		if (!rp->u_rst && !rp->p_rst)
			rp->fins_before_rst = rp->u_fin && rp->p_fin;
		rp->reset = 1;
		rp->p_rst++;
	}
	rp->p_syn += (s->flags & F_SYN) != 0;
	rp->p_fin += (s->flags & F_FIN) != 0;
	rp->last_send = now;
}

/* A pure ACK with what we last acknowledged (ack: or more, within the
 * window we offered). */
static void send_ack(struct rp *rp, uint32_t ack)
{
	if (!rp->have_last_ack)
		return;
	if (SEQ_GT(ack, rp->last_ack))
		rp->last_ack = ack;
	send_seg(rp, NULL, rp->snd_max, rp->last_ack, F_ACK, rp->last_win, 1);
	rp->tx_gen_ack++;
}

/* Resend our first segment utcp has not acknowledged. */
static int resend_first(struct rp *rp)
{
	uint32_t una = rp->u_una;
	for (int i = 0; i < rp->npseg; i++) {
		const struct replay_seg *s = pseg(rp, i);
		if (SEQ_LEQ(s->seq, una) && SEQ_LT(una, seg_end(s)) && !(s->flags & F_RST)) {
			uint32_t ack = rp->have_last_ack && SEQ_GT(rp->last_ack, s->ack) ? rp->last_ack
											  : s->ack;
			uint16_t win = (s->flags & F_SYN) || !rp->have_last_ack ? s->win : rp->last_win;
			send_seg(rp, s, s->seq, ack, s->flags, win, 1);
			rp->tx_rexmit++;
			return 1;
		}
	}
	return 0;
}

/* ---- sending the recorded segments ------------------------------------ */

/* Gates of replayed segment i that do not depend on time; 1 if open. */
static int gates_open(struct rp *rp, int i)
{
	const struct replay_seg *s = pseg(rp, i);
	if (s->flags & F_ACK) {
		if (!rp->have_isn || SEQ_GT(s->ack, rp->rcv_nxt))
			return 0;
		for (unsigned k = 0; k + 1 < s->optlen;) { /* SACK blocks too */
			if (s->opt[k] <= 1) {
				k++;
				continue;
			}
			if (s->opt[k] == 5)
				for (unsigned b = k + 2; b + 8 <= (unsigned)k + s->opt[k + 1]; b += 8)
					if (SEQ_GT(rd32(s->opt + b + 4), rp->rcv_nxt))
						return 0;
			if (s->opt[k + 1] < 2)
				break;
			k += s->opt[k + 1];
		}
	} else if (SEQ_GT(rp->need_hw[i], rp->t->isn[rp->R]) &&
		   (!rp->have_isn || SEQ_GT(rp->need_hw[i], rp->rcv_nxt))) {
		return 0;
	}
	if (s->len > 0 && SEQ_GT(s->seq + s->len, rp->snd_max) &&
	    !(rp->have_edge && SEQ_LEQ(s->seq + s->len, rp->u_edge)))
		return 0;
	if (rp->o->pace == REPLAY_PACE_REACT && rp->has_need_una[i] &&
	    SEQ_LT(rp->u_una, rp->need_una[i]))
		return 0;
	return 1;
}

static utcp_time_t due_time(const struct rp *rp, int i)
{
	if (rp->o->pace != REPLAY_PACE_TIME || i == 0)
		return 0;
	return rp->last_send + (pseg(rp, i)->t - pseg(rp, i - 1)->t);
}

/* Send every replayed segment that may go now; the next wake-up time. */
static utcp_time_t send_due(struct rp *rp, utcp_time_t now)
{
	while (rp->next < rp->npseg && !rp->reset) {
		utcp_time_t due = due_time(rp, rp->next);
		if (due > now)
			return due;
		if (!gates_open(rp, rp->next)) {
			/* Held up by the ACK gate with utcp's data unacknowledged: a live
			 * receiver would acknowledge it (RFC 9293 §3.8.6.3). */
			if (rp->dack_at == UTCP_TIME_NEVER && rp->have_last_ack &&
			    SEQ_GT(rp->rcv_nxt, rp->last_ack))
				rp->dack_at = now + RP_DELACK;
			return UTCP_TIME_NEVER;
		}
		const struct replay_seg *s = pseg(rp, rp->next);
		send_seg(rp, s, s->seq, s->ack, s->flags, s->win, 0);
		sent(rp, s, now);
		rp->next++;
		rp->dack_at = UTCP_TIME_NEVER;
	}
	return UTCP_TIME_NEVER;
}

static void timers(struct rp *rp, utcp_time_t now)
{
	if (rp->rto_at <= now) {
		if (!rp->reset && SEQ_LT(rp->u_una, rp->snd_max) && resend_first(rp)) {
			rp->rto = rp->rto * 2 > RP_RTO_MAX ? RP_RTO_MAX : rp->rto * 2;
			rp->rto_at = now + rp->rto;
		} else {
			rp->rto_at = UTCP_TIME_NEVER;
		}
	}
	if (rp->dack_at <= now) {
		rp->dack_at = UTCP_TIME_NEVER;
		uint32_t ack = rp->rcv_nxt;
		if (rp->have_right && SEQ_GT(ack, rp->right_edge))
			ack = rp->right_edge;
		if (!rp->reset && SEQ_GT(ack, rp->last_ack))
			send_ack(rp, ack);
	}
}

/* ---- what utcp sends -------------------------------------------------- */

static void utcp_syn(struct rp *rp, const uint8_t *th, unsigned optlen, uint32_t seq)
{
	const struct replay_trace *t = rp->t;
	rp->u_syn++;
	if (rp->have_isn)
		return;
	rp->have_isn = 1;
	rp->utcp_isn = seq;
	rp->rcv_nxt = t->isn[rp->R] + 1;
	if (rp->R == REPLAY_CLIENT)
		memcpy(&rp->port[rp->R], th, 2);
	char *o = rp->u_synopts;
	size_t n = sizeof(rp->u_synopts), used = 0;
	const uint8_t *p = th + 20;
	o[0] = 0;
	for (unsigned i = 0; i < optlen;) {
		if (p[i] == 0)
			break;
		if (p[i] == 1 || i + 1 >= optlen || p[i + 1] < 2) {
			i++;
			continue;
		}
		const char *sep = used ? "," : "";
		if (p[i] == 2 && p[i + 1] == 4)
			used += (size_t)snprintf(o + used, n - used, "%smss%u", sep, rd16(p + i + 2));
		else if (p[i] == 3 && p[i + 1] == 3) {
			rp->u_ws = 1;
			rp->u_wscale = p[i + 2] > 14 ? 14 : p[i + 2];
			used += (size_t)snprintf(o + used, n - used, "%sws%u", sep, p[i + 2]);
		} else if (p[i] == 4) {
			rp->u_sack = 1;
			used += (size_t)snprintf(o + used, n - used, "%ssackok", sep);
		} else if (p[i] == 8) {
			rp->u_ts = 1;
			used += (size_t)snprintf(o + used, n - used, "%sts", sep);
		}
		if (used >= n)
			used = n - 1;
		i += p[i + 1];
	}
	if (!used)
		snprintf(o, n, "none");
}

/* Options of a segment from utcp: TSval, and what it uses unagreed. */
static void utcp_opts(struct rp *rp, const uint8_t *p, unsigned n, int syn)
{
	for (unsigned i = 0; i < n;) {
		if (p[i] == 0)
			break;
		if (p[i] == 1 || i + 1 >= n || p[i + 1] < 2) {
			i++;
			continue;
		}
		if (p[i] == 8 && p[i + 1] == 10) {
			uint32_t v = rd32(p + i + 2);
			if (!syn && !(rp->t->has_ts[rp->P] && rp->u_ts))
				rp->u_ts_unneg++;
			if (!rp->have_tsr || SEQ_GEQ(v, rp->ts_recent))
				rp->ts_recent = v;
			rp->have_tsr = 1;
		} else if (p[i] == 5) {
			rp->u_sack_segs++;
			if (!(rp->t->has_sackok[rp->P] && rp->u_sack))
				rp->u_sack_unneg++;
		}
		i += p[i + 1];
	}
}

/* utcp's bytes must be the recorded stream of its side. */
static void utcp_data(struct rp *rp, uint32_t rseq, const uint8_t *d, unsigned len)
{
	const struct replay_trace *t = rp->t;
	uint32_t off = rseq - t->isn[rp->R] - 1;
	if (len == 0)
		return;
	rp->u_data_segs++;
	if (SEQ_LT(rseq, rp->rcv_nxt))
		rp->u_rexmit++;
	if (off > t->stream_len[rp->R] || len > t->stream_len[rp->R] - off ||
	    memcmp(t->stream[rp->R] + off, d, len) != 0) {
		if (!rp->v_stream++)
			replay_obs_fail(rp->obs, "utcp sent %u bytes at stream offset %u that are not "
				       "the recorded stream (%u bytes)", len, off,
				       t->stream_len[rp->R]);
	}
}

/* Window and probe checks of a segment from utcp (RFC 9293 §3.8.6). */
static void utcp_window(struct rp *rp, uint32_t rseq, unsigned len)
{
	if (!rp->have_right || len == 0)
		return;
	if (rp->last_win == 0 && len == 1 && rseq == rp->last_ack)
		rp->u_probes++;
	if (SEQ_LEQ(rseq + len, rp->right_edge))
		return;
	if (len == 1 && rseq == rp->right_edge)
		return; /* a zero-window probe (RFC 9293 §3.8.6.1) */
	if (!rp->v_window++)
		replay_obs_fail(rp->obs, "utcp sent [%u, %u) beyond the offered window's right "
			       "edge %u (stream offsets)", rseq - rp->t->isn[rp->R] - 1,
			       rseq + len - rp->t->isn[rp->R] - 1,
			       rp->right_edge - rp->t->isn[rp->R] - 1);
}

static void utcp_ack(struct rp *rp, uint32_t ack, uint16_t win, int syn, utcp_time_t now)
{
	if (SEQ_GT(ack, rp->snd_max)) {
		if (!rp->v_ack++)
			replay_obs_fail(rp->obs, "utcp acknowledged %u bytes beyond what was sent",
					ack - rp->snd_max);
		return;
	}
	if (SEQ_GT(ack, rp->u_una)) {
		rp->u_una = ack;
		rp->rto = RP_RTO_INIT;
		rp->rto_at = SEQ_LT(ack, rp->snd_max) ? now + rp->rto : UTCP_TIME_NEVER;
	}
	uint32_t w = syn || !ws_on(rp) ? win : (uint32_t)win << rp->u_wscale;
	if (SEQ_GEQ(ack, rp->u_una)) { /* the latest window utcp offers */
		rp->u_edge = ack + w;
		rp->have_edge = 1;
	}
}

/* A live peer answers what is old or outside its window (RFC 9293 §3.10.7.4). */
static void answer(struct rp *rp, uint32_t rseq, uint32_t rend, unsigned len, uint32_t before)
{
	if (rp->reset || !rp->have_last_ack)
		return;
	/* a keepalive: seq = SND.UNA - 1, no data or one old byte (RFC 1122 §4.2.3.6) */
	int ka = len <= 1 && rend == rseq + len && SEQ_LT(rseq, before) && SEQ_LEQ(rend, before);
	if (rend == rseq && !ka)
		return;
	int old = ka || SEQ_LEQ(rend, rp->last_ack);
	int beyond = rp->have_right && len > 0 && SEQ_GEQ(rseq, rp->right_edge);
	if (!old && !beyond)
		return;
	if (SEQ_LT(rp->u_una, rp->snd_max) && resend_first(rp))
		return;
	send_ack(rp, rp->last_ack);
}

/* After our RST the connection is gone here: anything but a RST gets a RST
 * (RFC 9293 §3.10.7.1), as the recorded side's kernel would answer. */
static void answer_closed(struct rp *rp, const uint8_t *th, unsigned len)
{
	uint8_t flags = th[13];
	if (flags & F_RST)
		return;
	if (flags & F_ACK) {
		send_seg(rp, NULL, rd32(th + 8), 0, F_RST, 0, 1);
	} else {
		uint32_t ack = rd32(th + 4) + len + ((flags & F_SYN) ? 1 : 0) + (flags & F_FIN);
		/* into the recorded space, which send_seg maps back */
		send_seg(rp, NULL, 0, ack - rp->utcp_isn + rp->t->isn[rp->R], F_RST | F_ACK, 0, 1);
	}
	rp->rst_answers++;
}

static void utcp_segment(struct rp *rp, const uint8_t *th, unsigned tlen, utcp_time_t now)
{
	unsigned doff = (th[12] >> 4) * 4u, len = tlen - doff;
	uint8_t flags = th[13] & 0x3f;
	uint32_t seq = rd32(th + 4);
	if (rp->p_rst) {
		answer_closed(rp, th, len);
		return;
	}
	if (flags & F_RST) { /* refusal or reset; either ends the replay */
		if (!rp->u_rst && !rp->p_rst)
			rp->fins_before_rst = rp->u_fin && rp->p_fin;
		rp->u_rst++;
		rp->reset = 1;
		return;
	}
	if (flags & F_SYN)
		utcp_syn(rp, th, doff - 20, seq);
	if (!rp->have_isn) {
		rp->rx_ignored++;
		return;
	}
	uint32_t rseq = seq - rp->utcp_isn + rp->t->isn[rp->R];
	uint32_t dseq = rseq + ((flags & F_SYN) ? 1 : 0);
	uint32_t rend = dseq + len + ((flags & F_FIN) ? 1 : 0);
	utcp_opts(rp, th + 20, doff - 20, flags & F_SYN);
	utcp_data(rp, dseq, th + doff, len);
	utcp_window(rp, dseq, len);
	if (flags & F_FIN)
		rp->u_fin++;
	uint32_t before = rp->rcv_nxt;
	if (SEQ_GT(rseq, rp->rcv_nxt))
		rp->u_ooo++;
	else if (SEQ_GT(rend, rp->rcv_nxt))
		rp->rcv_nxt = rend;
	if (flags & F_ACK)
		utcp_ack(rp, rd32(th + 8), rd16(th + 14), flags & F_SYN, now);
	answer(rp, rseq, rend, len, before);
}

/* The same for an IPv6 trace: utcp's segments to the replayer's address
 * (neighbour discovery and anything else ignored). */
static void input6(struct rp *rp, const uint8_t *f, unsigned len, utcp_time_t now)
{
	if (len < 14 + UTCP_IPV6_HLEN + 20 || rd16(f + 12) != 0x86dd || (f[14] >> 4) != 6 ||
	    f[14 + 6] != 6) {
		rp->rx_ignored++;
		return;
	}
	const uint8_t *ip = f + 14, *th = ip + UTCP_IPV6_HLEN;
	unsigned tlen = rd16(ip + 4);
	if (tlen > len - 14 - UTCP_IPV6_HLEN || tlen < 20) {
		rp->v_cksum++;
		replay_obs_fail(rp->obs, "utcp sent a bad IPv6 payload length");
		return;
	}
	if (memcmp(ip + 24, rp->ip6[rp->P].b, 16) != 0 || memcmp(th + 2, &rp->port[rp->P], 2) != 0 ||
	    memcmp(ip + 8, rp->ip6[rp->R].b, 16) != 0 || (th[12] >> 4) * 4u < 20 ||
	    (th[12] >> 4) * 4u > tlen) {
		rp->rx_ignored++;
		return;
	}
	uint32_t sum = utcp_csum_pseudo6(&rp->ip6[rp->R], &rp->ip6[rp->P], 6, tlen);
	if (utcp_csum_fold(utcp_csum_partial(th, tlen, sum)) != 0) {
		rp->v_cksum++;
		replay_obs_fail(rp->obs, "utcp sent a TCP segment with a bad checksum");
		return;
	}
	utcp_segment(rp, th, tlen, now);
}

/* A frame from utcp: checked, then the segment is taken in. */
static void input(struct rp *rp, const uint8_t *f, unsigned len, utcp_time_t now)
{
	rp->rx++;
	if (rp->v6) {
		input6(rp, f, len, now);
		return;
	}
	if (len < 14 + 20 || rd16(f + 12) != 0x0800 || (f[14] >> 4) != 4 || f[14 + 9] != 6) {
		rp->rx_ignored++;
		return;
	}
	const uint8_t *ip = f + 14;
	unsigned ihl = (ip[0] & 15u) * 4u, tot = rd16(ip + 2);
	if (ihl < 20 || tot < ihl + 20 || tot > len - 14 ||
	    utcp_csum_fold(utcp_csum_partial(ip, ihl, 0)) != 0) {
		rp->v_cksum++;
		replay_obs_fail(rp->obs, "utcp sent a bad IPv4 header");
		return;
	}
	const uint8_t *th = ip + ihl;
	unsigned tlen = tot - ihl;
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	if (dst != rp->ip[rp->P] || memcmp(th + 2, &rp->port[rp->P], 2) != 0 ||
	    src != rp->ip[rp->R] || (th[12] >> 4) * 4u < 20 || (th[12] >> 4) * 4u > tlen) {
		rp->rx_ignored++;
		return;
	}
	uint32_t sum = utcp_csum_pseudo(src, dst, 6, (uint16_t)tlen);
	if (utcp_csum_fold(utcp_csum_partial(th, tlen, sum)) != 0) {
		rp->v_cksum++;
		replay_obs_fail(rp->obs, "utcp sent a TCP segment with a bad checksum");
		return;
	}
	utcp_segment(rp, th, tlen, now);
}

void rp_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	struct rp *rp = arg;
	struct utcp_pkt *pk[32];
	uint16_t n;
	while ((n = utcp_nic_rx_burst(rp->nic, 0, pk, 32)) > 0) {
		for (uint16_t i = 0; i < n; i++) {
			input(rp, pk[i]->data, pk[i]->len, now);
			utcp_nic_free(rp->nic, pk[i]);
		}
	}
	timers(rp, now);
	utcp_time_t wake = send_due(rp, now);
	if (rp->rto_at < wake)
		wake = rp->rto_at;
	if (rp->dack_at < wake)
		wake = rp->dack_at;
	if (wake != UTCP_TIME_NEVER)
		utcp_sim_host_wake_at(h, wake > now ? wake : now + 1);
}

int rp_done(const struct rp *rp)
{
	return rp->reset || (rp->next == rp->npseg && SEQ_GEQ(rp->u_una, rp->snd_max));
}

uint32_t rp_peer_received(const struct rp *rp)
{
	if (!rp->have_isn)
		return 0;
	uint32_t n = rp->rcv_nxt - rp->t->isn[rp->R] - 1;
	return n > rp->t->stream_len[rp->R] ? rp->t->stream_len[rp->R] : n;
}

void rp_observe(const struct rp *rp, struct replay_obs *o)
{
	replay_obs_num(o, "replayed_segments", (uint64_t)rp->next);
	replay_obs_num(o, "trace_segments", (uint64_t)rp->npseg);
	replay_obs_num(o, "replayer_tx", rp->tx);
	replay_obs_num(o, "replayer_retransmits", rp->tx_rexmit);
	replay_obs_num(o, "replayer_acks_generated", rp->tx_gen_ack);
	replay_obs_num(o, "replayer_rst", rp->p_rst);
	replay_obs_num(o, "replayer_rst_answers", rp->rst_answers);
	replay_obs_num(o, "peer_received_bytes", rp_peer_received(rp));
	replay_obs_str(o, "utcp_syn_options", rp->u_synopts[0] ? rp->u_synopts : "-");
	replay_obs_num(o, "utcp_syn", rp->u_syn);
	replay_obs_num(o, "utcp_data_segments", rp->u_data_segs);
	replay_obs_num(o, "utcp_retransmits", rp->u_rexmit);
	replay_obs_num(o, "utcp_zero_window_probes", rp->u_probes);
	replay_obs_num(o, "utcp_fin", rp->u_fin);
	replay_obs_num(o, "utcp_rst", rp->u_rst);
	replay_obs_num(o, "utcp_out_of_order", rp->u_ooo);
	replay_obs_num(o, "utcp_sack_segments", rp->u_sack_segs);
	replay_obs_num(o, "utcp_ts_unnegotiated", rp->u_ts_unneg);
	replay_obs_num(o, "utcp_sack_unnegotiated", rp->u_sack_unneg);
	replay_obs_num(o, "utcp_window_violations", rp->v_window);
	replay_obs_num(o, "utcp_bad_acks", rp->v_ack);
	replay_obs_num(o, "utcp_stream_mismatches", rp->v_stream);
	replay_obs_num(o, "utcp_bad_checksums", rp->v_cksum);
}
