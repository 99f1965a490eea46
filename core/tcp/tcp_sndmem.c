/*
 * core/tcp/tcp_sndmem.c - send-buffer memory counted as Linux counts it
 * (utcp.conf tcp_wmem; off when 0).  The RFCs leave the send buffer to the
 * implementation; this is Linux's choice, for programs and tests written
 * against it, and it sizes the buffer after the bandwidth-delay product.
 *
 * The model, in five rules (Linux: tcp_sendmsg, sk_stream_memory_free,
 * sk_stream_write_space, tcp_sndbuf_expand):
 *  1. A write fills chunks (Linux's skbs) of the size goal: the segment size
 *     times as many segments as fit in 64 KiB and in half the peer's largest
 *     window.  Each chunk costs its payload plus TCP_SNDMEM_CHUNK bytes.
 *     Bytes go into the last chunk while none of it has been sent; a new
 *     chunk needs the memory queued below the limit and, with
 *     TCP_NOTSENT_LOWAT, fewer unsent bytes than the mark: a write runs on
 *     to the end of the chunk it opened.
 *  2. A chunk splits where a transmission stops inside it (the end of a
 *     packet or of a burst, a retransmission): the piece sent is a chunk of
 *     its own.  A chunk filled during a write is sent at once as far as the
 *     windows allow (Linux's tcp_push_one), so it splits there, and what is
 *     left is filled on.  An ACK frees the chunks below SND.UNA.
 *  3. The writer is woken (EPOLLOUT, a blocked write) only when the free
 *     memory is at least half of what is queued, and, with
 *     TCP_NOTSENT_LOWAT, twice the unsent bytes are below the mark; and
 *     only if it found no room before (Linux's SOCK_NOSPACE).
 *  4. Autotuning: after each ACK, a connection whose writer found no room
 *     and whose flight is below cwnd grows the limit to 2 x max(10, cwnd
 *     in segments, 4) x TCP_SNDMEM_SEG(MSS), at most the ring (sndbuf).
 *     SO_SNDBUF fixes the limit (no autotuning).
 *  5. A chunk full in a write that ends more than half the peer's largest
 *     window past the last push carries PSH (Linux's forced push), and
 *     Linux sends each chunk as packets of its own (tcp_output.c).
 *
 * Call order: tcp_established -> tcp_sndmem_init; tcp_send ->
 * tcp_sndmem_take (before copying into the ring) -> tcp_sndmem_write_end;
 * tcp_send_segment -> tcp_sndmem_sent; ACK -> tcp_sndmem_acked, then after
 * output tcp_sndmem_check; poll -> tcp_sndmem_writable / tcp_sndmem_polled.
 */
#include <string.h>

#include "core/tcp/tcp.h"

/* Linux's skb costs (x86-64): a chunk's head is a 1024-byte allocation
 * (MAX_TCP_HEADER 320 and skb_shared_info 320, rounded up by kmalloc) plus
 * the 256-byte sk_buff; a frame of mss bytes without GSO takes
 * roundup_pow_of_two(mss + 640) + 256 (tcp_sndbuf_expand's per_mss). */
#define TCP_SNDMEM_CHUNK 1280u
#define TCP_SNDMEM_GSO_MAX 65536u

static uint32_t pow2_ceil(uint32_t v)
{
	uint32_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

static uint32_t sndmem_seg_mss(const struct utcp_tcb *tp)
{
	uint32_t m = tp->mss - ((tp->flags & TF_TS) ? 12 : 0);
	return m > 0 ? m : 1;
}

/* Linux's tcp_xmit_size_goal with tcp_bound_to_half_wnd. */
static uint32_t sndmem_goal(const struct utcp_tcb *tp)
{
	uint32_t mss = sndmem_seg_mss(tp), w = TCP_SNDMEM_GSO_MAX;
	uint32_t half = tp->max_sndwnd > TCP_DEFAULT_MSS ? tp->max_sndwnd / 2 : tp->max_sndwnd;
	if (half > 0 && half < w)
		w = half;
	return w / mss > 0 ? w / mss * mss : mss;
}

static uint32_t sndmem_chunks(const struct tcp_sndmem *m)
{
	uint32_t c = 0;
	for (unsigned i = 0; i < m->n; i++)
		c += m->run[i].cnt;
	return c;
}

/* Memory queued: payload plus each chunk's overhead (sk_wmem_queued). */
uint32_t tcp_sndmem_queued(const struct utcp_tcb *tp)
{
	return tp->snd.len + TCP_SNDMEM_CHUNK * sndmem_chunks(&tp->sndmem);
}

static uint32_t run_start(const struct utcp_tcb *tp, unsigned i)
{
	return i == 0 ? tp->snd_una : tp->sndmem.run[i - 1].end;
}

/* Room for one more run: the two oldest merge (their overhead is then
 * freed together, when the later one is acknowledged). */
static void sndmem_make_room(struct tcp_sndmem *m)
{
	if (m->n < TCP_SNDMEM_RUNS)
		return;
	m->run[1].cnt += m->run[0].cnt;
	m->run[1].flags |= m->run[0].flags & ~TCP_SNDMEM_PUSH;
	memmove(&m->run[0], &m->run[1], (size_t)(m->n - 1) * sizeof(m->run[0]));
	m->n--;
}

/* The run holding seq, or m->n. */
static unsigned run_find(const struct tcp_sndmem *m, uint32_t seq)
{
	unsigned i = 0;
	while (i < m->n && SEQ_LEQ(m->run[i].end, seq))
		i++;
	return i;
}

/* Rule 2: the chunk holding seq (not at its start) becomes two. */
static void sndmem_split(struct utcp_tcb *tp, uint32_t seq)
{
	struct tcp_sndmem *m = &tp->sndmem;
	unsigned i = run_find(m, seq);
	if (i == m->n || SEQ_LEQ(seq, run_start(tp, i)))
		return;
	sndmem_make_room(m);
	i = run_find(m, seq);
	if (m->run[i].cnt > 1) { /* merged: its inner boundaries are gone */
		m->run[i].cnt++;
		return;
	}
	memmove(&m->run[i + 1], &m->run[i], (size_t)(m->n - i) * sizeof(m->run[0]));
	m->n++;
	m->run[i].end = seq;
	m->run[i].flags = 0;
}

void tcp_sndmem_init(struct utcp_tcb *tp)
{
	struct tcp_sndmem *m = &tp->sndmem;
	uint32_t wmem = tp->ctx->tcp->wmem;
	struct tcp_sndmem_run *run = m->run; /* the send ring's, if it has one */
	memset(m, 0, sizeof(*m));
	m->run = run;
	if (wmem == 0)
		return;
	/* SO_SNDBUF before the connection (the ring's cap) fixes the limit;
	 * the payload itself may run past it, so the ring is wholly usable. */
	m->locked = tp->snd.want != tp->snd.size;
	m->limit = m->locked ? tp->snd.want : (wmem < tp->snd.size ? wmem : tp->snd.size);
	tp->snd.want = tp->snd.size;
	tp->snd.cap = tp->snd.size; /* the ring's bound, with or without the ring yet */
	m->pend = m->pushed = m->push_seq = tp->snd_nxt;
	if (!m->locked)
		tcp_sndmem_expand(tp);
}

/* SO_SNDBUF on a connection: the limit, fixed. */
void tcp_sndmem_set_limit(struct utcp_tcb *tp, uint32_t limit)
{
	tp->sndmem.limit = limit;
	tp->sndmem.locked = 1;
}

/* Rule 4, Linux's tcp_sndbuf_expand (CUBIC and Reno ask for 2 windows). */
void tcp_sndmem_expand(struct utcp_tcb *tp)
{
	struct tcp_sndmem *m = &tp->sndmem;
	uint32_t per_mss = pow2_ceil((uint32_t)tp->mss + 640) + 256;
	uint32_t segs = tp->cwnd / sndmem_seg_mss(tp);
	if (segs < 10)
		segs = 10; /* TCP_INIT_CWND */
	uint64_t want = 2ull * segs * per_mss;
	if (want > tp->snd.size)
		want = tp->snd.size;
	if (m->limit < want)
		m->limit = (uint32_t)want;
}

/* Bytes sent or about to be: the write's pushes (rule 2) move it. */
static uint32_t sndmem_unsent(const struct utcp_tcb *tp, uint32_t end, uint32_t pushed)
{
	uint32_t sent = SEQ_MAX(tp->snd_max, pushed);
	return SEQ_GT(end, sent) ? end - sent : 0;
}

/* Where the windows let a push stop now: from SND.NXT, whole segments up
 * to SND.UNA + min(SND.WND, cwnd) (snd_max: Linux's snd_nxt). */
static uint32_t sndmem_push_edge(const struct utcp_tcb *tp)
{
	uint32_t mss = sndmem_seg_mss(tp);
	uint32_t wnd = tp->snd_wnd < tp->cwnd ? tp->snd_wnd : tp->cwnd;
	uint32_t edge = tp->snd_una + wnd;
	if (!SEQ_GT(edge, tp->snd_max))
		return tp->snd_max;
	return tp->snd_max + (edge - tp->snd_max) / mss * mss;
}

/* Rule 1: may a new chunk start? (sk_stream_memory_free) */
static int sndmem_may_open(const struct utcp_tcb *tp, uint32_t queued, uint32_t end,
			   uint32_t pushed)
{
	if (queued >= tp->sndmem.limit)
		return 0;
	return tp->notsent_lowat == 0 || sndmem_unsent(tp, end, pushed) < tp->notsent_lowat;
}

/* The last chunk takes bytes while none of it is sent. */
static uint32_t sndmem_tail_room(const struct utcp_tcb *tp, uint32_t goal)
{
	const struct tcp_sndmem *m = &tp->sndmem;
	if (m->n == 0 || m->run[m->n - 1].cnt != 1)
		return 0;
	uint32_t start = run_start(tp, m->n - 1), end = m->run[m->n - 1].end;
	if (SEQ_LT(start, tp->snd_max) || SEQ_LT(start, m->pushed) || end - start >= goal)
		return 0;
	return goal - (end - start);
}

/* A chunk just filled (rule 2's push, rule 5's forced push). */
static void sndmem_full(struct utcp_tcb *tp, uint32_t edge)
{
	struct tcp_sndmem *m = &tp->sndmem;
	struct tcp_sndmem_run *r = &m->run[m->n - 1];
	uint32_t start = run_start(tp, m->n - 1), end = r->end;
	if (SEQ_LT(start, edge) && SEQ_LT(edge, end)) {
		sndmem_split(tp, edge);
		m->pushed = SEQ_MAX(m->pushed, edge);
		return; /* the rest is the last chunk again, to be filled */
	}
	if (SEQ_LEQ(end, edge))
		m->pushed = SEQ_MAX(m->pushed, end);
	if (SEQ_GT(end, m->push_seq + tp->max_sndwnd / 2)) {
		r->flags |= TCP_SNDMEM_PUSH;
		m->push_seq = end;
	}
}

/* Rule 1: how many of want bytes a write may queue now (at most the
 * ring's free space); the chunks are recorded, the caller copies. */
uint32_t tcp_sndmem_take(struct utcp_tcb *tp, uint32_t want)
{
	struct tcp_sndmem *m = &tp->sndmem;
	uint32_t space = tcp_sndbuf_space(&tp->snd), goal = sndmem_goal(tp);
	uint32_t end = tp->snd_una + tp->snd.len, done = 0, edge = sndmem_push_edge(tp);
	if (want > space)
		want = space;
	sndmem_split(tp, m->pend);
	while (done < want) {
		uint32_t room = sndmem_tail_room(tp, goal);
		if (room == 0) {
			if (!sndmem_may_open(tp, tcp_sndmem_queued(tp) + done, end + done, m->pushed))
				break;
			sndmem_make_room(m);
			m->run[m->n].end = end + done;
			m->run[m->n].cnt = 1;
			m->run[m->n].flags = 0;
			m->n++;
			room = goal;
		}
		uint32_t n = want - done < room ? want - done : room;
		done += n;
		m->run[m->n - 1].end = end + done;
		if (n == room)
			sndmem_full(tp, edge);
	}
	if (done < want)
		m->nospace = 1;
	return done;
}

/* The write ended at end (Linux's tcp_push marks its last chunk). */
void tcp_sndmem_write_end(struct utcp_tcb *tp, uint32_t end)
{
	tp->sndmem.push_seq = end;
}

/* Rule 2: [seq, end) left in a segment; psh: its packet ends there. */
void tcp_sndmem_sent(struct utcp_tcb *tp, uint32_t seq, uint32_t end, int psh)
{
	struct tcp_sndmem *m = &tp->sndmem;
	if (seq != m->pend) {
		sndmem_split(tp, m->pend);
		sndmem_split(tp, seq);
	}
	m->pend = end;
	if (psh)
		sndmem_split(tp, end);
}

/* An ACK moved SND.UNA: free the chunks below it. */
void tcp_sndmem_acked(struct utcp_tcb *tp)
{
	struct tcp_sndmem *m = &tp->sndmem;
	if (m->limit == 0)
		return;
	sndmem_split(tp, m->pend);
	unsigned k = 0;
	while (k < m->n && SEQ_LEQ(m->run[k].end, tp->snd_una))
		k++;
	if (k > 0) {
		memmove(&m->run[0], &m->run[k], (size_t)(m->n - k) * sizeof(m->run[0]));
		m->n -= k;
	}
	if (SEQ_LT(m->pushed, tp->snd_una))
		m->pushed = tp->snd_una;
	m->check = 1;
}

/* Rule 3 (Linux's __sk_stream_is_writeable(sk, 1)). */
int tcp_sndmem_writable(const struct utcp_tcb *tp)
{
	const struct tcp_sndmem *m = &tp->sndmem;
	int64_t queued = tcp_sndmem_queued(tp);
	if (tcp_sndbuf_space(&tp->snd) == 0 || queued >= m->limit)
		return 0;
	if ((int64_t)m->limit - queued < queued / 2)
		return 0;
	if (tp->notsent_lowat == 0)
		return 1;
	uint64_t unsent = sndmem_unsent(tp, tp->snd_una + tp->snd.len, tp->snd_max);
	return 2 * unsent < tp->notsent_lowat;
}

/* poll found the socket not writable: its writer waits (SOCK_NOSPACE). */
void tcp_sndmem_polled(struct utcp_tcb *tp)
{
	if (!tcp_sndmem_writable(tp))
		tp->sndmem.nospace = 1;
}

/* After the output an ACK caused (tcp_check_space, tcp_new_space): grow
 * the limit while the flight is below cwnd, and wake a waiting writer. */
void tcp_sndmem_check(struct utcp_tcb *tp)
{
	struct tcp_sndmem *m = &tp->sndmem;
	m->check = 0;
	if (!m->nospace)
		return;
	uint32_t flight = (tp->flags & TF_SACK) ? tcp_sack_pipe(tp) : tcp_flight_size(tp);
	if (!m->locked && flight < tp->cwnd)
		tcp_sndmem_expand(tp);
	if (tcp_sndmem_writable(tp)) {
		m->nospace = 0;
		tcp_notify(tp, EPOLLOUT);
	}
}

/* Rule 5: does [seq, seq + len) end at a forced push?  chunk_end: at the
 * end of a chunk (the end of a Linux packet). */
int tcp_sndmem_pushes(const struct utcp_tcb *tp, uint32_t seq, uint32_t len, int *chunk_end)
{
	const struct tcp_sndmem *m = &tp->sndmem;
	uint32_t end = seq + len;
	*chunk_end = 0;
	for (unsigned i = 0; i < m->n; i++) {
		if (SEQ_LT(m->run[i].end, end))
			continue;
		if (m->run[i].end != end)
			return 0;
		*chunk_end = 1;
		return (m->run[i].flags & TCP_SNDMEM_PUSH) != 0;
	}
	return 0;
}
