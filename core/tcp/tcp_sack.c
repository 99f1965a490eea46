/*
 * core/tcp/tcp_sack.c - the sender's SACK scoreboard and loss accounting
 * (RFC 6675), Proportional Rate Reduction (RFC 6937), and the receiver's
 * D-SACK bookkeeping (RFC 2883).
 *
 * Call order: tcp_in_ack (every ACK on a SACK connection) ->
 * tcp_sack_update (Update(): SACKed ranges in, cumulatively acked ones
 * out) -> tcp_sack_is_lost decides recovery entry -> tcp_prr_ack sets cwnd
 * for the ACK -> the recovery sender in tcp_output.c asks tcp_sack_pipe
 * (SetPipe()) and tcp_sack_next_rexmt (NextSeg() rules 1 and 3).
 *
 * RACK (RFC 8985, tcp_rack.c) adds its own lost marks: IsLost() is true
 * for them too, SetPipe() leaves them out, and NextSeg() sends them first.
 *
 * The scoreboard keeps byte ranges, not segments: blk[] holds the SACKed
 * ranges above snd_una, sorted and merged.  IsLost() is monotone in the
 * sequence number (the higher it is, the less is SACKed above it), so it
 * reduces to one edge: every unSACKed octet below tcp_sack_lost_edge() is
 * lost, every one above it is still in flight.
 */
#include <string.h>

#include "core/tcp/tcp.h"

void tcp_sack_reset(struct utcp_tcb *tp)
{
	struct tcp_sack_block *blk = tp->sb.blk; /* the send ring's (tcp_buf.c) */
	memset(&tp->sb, 0, sizeof(tp->sb));
	tp->sb.blk = blk;
	tp->sb.high_rxt = tp->snd_una;
	tp->sb.loss_point = tp->snd_una;
}

static void sb_remove(struct tcp_sack_scoreboard *sb, unsigned i)
{
	sb->sacked -= sb->blk[i].end - sb->blk[i].start;
	memmove(&sb->blk[i], &sb->blk[i + 1], (sb->n - i - 1) * sizeof(sb->blk[0]));
	sb->n--;
}

/* Ranges wholly or partly below the new left edge leave the scoreboard. */
static void sb_trim(struct tcp_sack_scoreboard *sb, uint32_t una)
{
	while (sb->n > 0 && SEQ_LEQ(sb->blk[0].end, una))
		sb_remove(sb, 0);
	if (sb->n > 0 && SEQ_LT(sb->blk[0].start, una)) {
		sb->sacked -= una - sb->blk[0].start;
		sb->blk[0].start = una;
	}
}

/* Merge [start, end) in.  When the table is full the highest range is
 * forgotten: that data is merely resent if it looks lost (safe). */
static void sb_insert(struct tcp_sack_scoreboard *sb, uint32_t start, uint32_t end)
{
	unsigned i = 0;
	if (sb->blk == NULL) /* no send ring: nothing of ours in flight to SACK */
		return;
	while (i < sb->n && SEQ_LT(sb->blk[i].end, start))
		i++;
	if (i == sb->n || SEQ_LT(end, sb->blk[i].start)) {
		if (sb->n == TCP_SB_MAX) {
			if (i == sb->n)
				return;
			sb_remove(sb, sb->n - 1);
		}
		memmove(&sb->blk[i + 1], &sb->blk[i], (sb->n - i) * sizeof(sb->blk[0]));
		sb->blk[i].start = start;
		sb->blk[i].end = end;
		sb->sacked += end - start;
		sb->n++;
		return;
	}
	struct tcp_sack_block *b = &sb->blk[i];
	sb->sacked -= b->end - b->start;
	b->start = SEQ_MIN(b->start, start);
	b->end = SEQ_MAX(b->end, end);
	while (i + 1 < sb->n && SEQ_LEQ(sb->blk[i + 1].start, b->end)) {
		uint32_t e = sb->blk[i + 1].end;
		sb_remove(sb, i + 1);
		b->end = SEQ_MAX(b->end, e);
	}
	sb->sacked += b->end - b->start;
}

/* RFC 6675 §4 Update() for an ACK up to `ack` (already checked to be in
 * [snd_una, snd_max]).  Blocks outside (ack, snd_max] -- a
 * D-SACK (RFC 2883 §4) or garbage -- are ignored.  Returns the change in
 * SACKed bytes, the second term of RFC 6937's DeliveredData. */
int64_t tcp_sack_update(struct utcp_tcb *tp, uint32_t ack, const struct tcp_opts *o)
{
	struct tcp_sack_scoreboard *sb = &tp->sb;
	int64_t before = sb->sacked;
	sb_trim(sb, ack);
	if (o != NULL && (o->flags & TOF_SACK)) {
		for (unsigned i = 0; i < o->nsack; i++) {
			uint32_t s = o->sack[i].start, e = o->sack[i].end;
			if (SEQ_GEQ(s, e) || SEQ_LEQ(s, ack) || SEQ_GT(e, tp->snd_max))
				continue;
			sb_insert(sb, s, e);
		}
	}
	return (int64_t)sb->sacked - before;
}

/* Every unSACKed octet below this edge is lost (RFC 6675 §4 IsLost():
 * DupThresh discontiguous SACKed ranges above it, or more than
 * (DupThresh - 1) * SMSS SACKed bytes above it); after an RTO, everything
 * unSACKed that was outstanding then (§5.1). */
static uint32_t tcp_sack_lost_edge(const struct utcp_tcb *tp)
{
	const struct tcp_sack_scoreboard *sb = &tp->sb;
	uint32_t edge = tp->snd_una;
	uint32_t bytes = 0, limit = (TCP_DUPTHRESH - 1) * (uint32_t)tp->mss;
	for (unsigned k = sb->n; k-- > 0;) {
		bytes += sb->blk[k].end - sb->blk[k].start;
		if (bytes > limit || sb->n - k >= TCP_DUPTHRESH) {
			edge = sb->blk[k].start;
			break;
		}
	}
	if ((tp->flags & TF_LOSS) && SEQ_GT(sb->loss_point, edge))
		edge = SEQ_MIN(sb->loss_point, tp->snd_max);
	return edge;
}

int tcp_sack_is_lost(const struct utcp_tcb *tp, uint32_t seq)
{
	uint32_t end;
	if (tcp_sack_is_sacked(tp, seq, &end))
		return 0;
	return SEQ_LT(seq, tcp_sack_lost_edge(tp)) || tcp_rack_is_lost(tp, seq);
}

/* 1 if seq is SACKed; *end is then the end of its range. */
int tcp_sack_is_sacked(const struct utcp_tcb *tp, uint32_t seq, uint32_t *end)
{
	const struct tcp_sack_scoreboard *sb = &tp->sb;
	for (unsigned i = 0; i < sb->n; i++) {
		if (SEQ_LT(seq, sb->blk[i].start))
			return 0;
		if (SEQ_LT(seq, sb->blk[i].end)) {
			*end = sb->blk[i].end;
			return 1;
		}
	}
	return 0;
}

/* Bytes of [a, b) that are not SACKed. */
static uint32_t sb_unsacked(const struct tcp_sack_scoreboard *sb, uint32_t a, uint32_t b)
{
	if (!SEQ_LT(a, b))
		return 0;
	uint32_t n = b - a;
	for (unsigned i = 0; i < sb->n; i++) {
		uint32_t s = SEQ_MAX(sb->blk[i].start, a), e = SEQ_MIN(sb->blk[i].end, b);
		if (SEQ_LT(s, e))
			n -= e - s;
	}
	return n;
}

uint32_t tcp_sack_unsacked(const struct utcp_tcb *tp, uint32_t a, uint32_t b)
{
	return sb_unsacked(&tp->sb, a, b);
}

/* RFC 6675 §4 SetPipe(): octets not SACKed and not lost count once; lost
 * ones that were retransmitted (below HighRxt) count once more... as
 * their retransmission is what is in flight.  What RACK marked lost is
 * not in flight (RFC 8985 §6.2 step 5): it leaves the count. */
uint32_t tcp_sack_pipe(const struct utcp_tcb *tp)
{
	const struct tcp_sack_scoreboard *sb = &tp->sb;
	uint32_t edge = tcp_sack_lost_edge(tp);
	uint32_t rxt = SEQ_MIN(SEQ_MAX(sb->high_rxt, tp->snd_una), edge);
	uint32_t pipe = sb_unsacked(sb, edge, tp->snd_max) + sb_unsacked(sb, tp->snd_una, rxt);
	uint32_t lost = tcp_rack_lost_pipe(tp, rxt, edge);
	return pipe > lost ? pipe - lost : 0;
}

/* RFC 6675 §4 NextSeg(): rule 1 (the first lost, unSACKed range above
 * HighRxt), or with rule3 set rule 3 (the first unSACKed range above
 * HighRxt below the highest SACKed octet).  At most mss octets, never
 * into a SACKed range, never what was resent and is not known lost (RACK
 * watches that retransmission, RFC 8985 §6.2). */
int tcp_sack_next_rexmt(const struct utcp_tcb *tp, uint32_t mss, int rule3, uint32_t *seq,
			uint32_t *len)
{
	const struct tcp_sack_scoreboard *sb = &tp->sb;
	uint32_t s = SEQ_MAX(sb->high_rxt, tp->snd_una);
	uint32_t end;
	while (SEQ_LT(s, tp->snd_max) &&
	       (tcp_sack_is_sacked(tp, s, &end) || tcp_rack_is_resent(tp, s, &end)))
		s = end;
	if (!SEQ_LT(s, tp->snd_max))
		return 0;
	uint32_t limit = tcp_sack_lost_edge(tp);
	if (rule3)
		limit = sb->n > 0 ? sb->blk[sb->n - 1].end : tp->snd_una;
	if (!SEQ_LT(s, limit))
		return 0;
	uint32_t stop = tp->snd_max;
	for (unsigned i = 0; i < sb->n; i++)
		if (SEQ_GT(sb->blk[i].start, s)) {
			stop = sb->blk[i].start;
			break;
		}
	*seq = s;
	*len = stop - s < mss ? stop - s : mss;
	return 1;
}

/* RFC 6675 §4: NextSeg() sends "one segment of up to SMSS octets".  A
 * range [seq, seq + len) that stops where a SACK block begins inside a
 * segment as first sent (a block not on its edges, RACK's runs know them)
 * extends to that segment's end: the segment goes again whole, the SACKed
 * octets in it a harmless duplicate, not a piece one octet short. */
uint32_t tcp_sack_whole_segment(const struct utcp_tcb *tp, uint32_t seq, uint32_t len,
				uint32_t mss)
{
	uint32_t stop = seq + len, end;
	if (len >= mss || !SEQ_LT(stop, tp->snd_max) || !tcp_sack_is_sacked(tp, stop, &end))
		return len;
	uint32_t e = tcp_rack_seg_end(tp, stop - 1);
	if (e != 0 && SEQ_GT(e, stop) && e - seq <= mss)
		return e - seq;
	return len;
}

/* RFC 6937 §3, on every ACK during fast recovery: cwnd = pipe + sndcnt.
 * Below ssthresh: the slow start reduction bound (PRR-SSRB, one SMSS more
 * than delivered).  With tcp_prr_safeack, only on a safe ACK (SND.UNA
 * advanced, no further loss found) and the conservative bound (PRR-CRB)
 * on the others, as the revision of RFC 6937 (draft-ietf-tcpm-prr-
 * rfc6937bis, "SafeACK") and Linux do: an ACK that only SACKs while RACK
 * finds more losses does not add to the burst. */
void tcp_prr_ack(struct utcp_tcb *tp, uint32_t delivered, int safe)
{
	struct tcp_sack_scoreboard *sb = &tp->sb;
	uint32_t pipe = tcp_sack_pipe(tp);
	int64_t sndcnt;
	sb->prr_delivered += delivered;
	if (pipe > tp->ssthresh) { /* proportional part */
		uint64_t fs = sb->recover_fs ? sb->recover_fs : 1;
		sndcnt = (int64_t)(((uint64_t)sb->prr_delivered * tp->ssthresh + fs - 1) / fs) -
			 sb->prr_out;
	} else { /* PRR-CRB, or PRR-SSRB on a safe ACK */
		int64_t d = (int64_t)sb->prr_delivered - sb->prr_out;
		int ssrb = safe || !tp->ctx->tcp->prr_safeack;
		int64_t limit = (d > delivered ? d : (int64_t)delivered) + (ssrb ? tp->mss : 0);
		int64_t room = (int64_t)tp->ssthresh - pipe;
		sndcnt = room < limit ? room : limit;
	}
	if (sndcnt < 0)
		sndcnt = 0;
	tp->cwnd = pipe + (uint32_t)sndcnt;
}

/* RFC 2883 §4: the first SACK block of the next ACK reports [start, end),
 * data received more than once. */
void tcp_dsack_note(struct utcp_tcb *tp, uint32_t start, uint32_t end)
{
	if (!(tp->flags & TF_SACK) || !SEQ_LT(start, end))
		return;
	tp->dsack.start = start;
	tp->dsack.end = end;
	tp->flags |= TF_DSACK;
}
