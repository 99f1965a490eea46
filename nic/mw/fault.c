/*
 * nic/mw/fault.c - fault-injection middleware: wraps any NIC and impairs the
 * frames that pass, on receive and/or transmit, from a seeded PRNG.
 *
 * utcp_fault_parse() (per config key) -> utcp_fault_wrap(lower, params)
 * -> the stack uses the returned NIC -> close() frees every frame still
 * held and closes `lower`.
 *
 * Each direction of each queue is a "line": its own impairment state
 * (nic/mw/impair.h, seeded from the seed, the queue and the direction, so
 * queues driven by different threads never share state) and a bounded FIFO
 * of frames with the time each may leave.  For every frame entering a line,
 * utcp_impair_decide() says what happens, and this file carries it out:
 *
 *   drop      the buffer is freed (through `lower`, where it came from)
 *   corrupt   one byte is XORed with a non-zero mask, as on the wire: a
 *             received frame loses the NIC's checksum verdict, and a frame
 *             to send gets the checksums the NIC was to fill in first, so
 *             the receiver can see the damage
 *   duplicate a copy, in a buffer from lower->alloc, follows the original
 *   reorder   the frame is held back and leaves right behind the next frame
 *             of its line, or after FAULT_REORDER_HOLD with no next frame
 *   delay     it leaves at now + delay + jitter, but never before the frame
 *             ahead of it (a line is FIFO: jitter alone does not reorder)
 *
 * Transmit: tx_burst takes frames into the tx line (refusing them only when
 * the line is full) and sends those due to `lower`; frames `lower` refuses
 * stay at the head of the line for the next call.  Receive: rx_burst pulls
 * frames from `lower` into the rx line (dropping them when it is full, as a
 * full queue would) and returns those due.  rx_burst and
 * wait also send due tx frames, and wait() never sleeps past the moment the
 * earliest held frame becomes due, so delayed frames leave on time.
 * Time is the lower NIC's clock (virtual in the simulator): same seed, same
 * frames, same times => same result.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "core/wire/wire.h"
#include "nic/mw/impair.h"
#include "nic/mw/mw.h"
#include "core/base/args.h"
#include "core/base/hash.h"

#define FAULT_LINE_MAX 1024u  /* frames one line may hold */
#define FAULT_REORDER_HOLD (1 * UTCP_NSEC_PER_MSEC) /* longest wait for an overtaker */
#define FAULT_TX_RETRY (10 * UTCP_NSEC_PER_USEC)    /* retry after lower refused frames */
#define FAULT_TX_BATCH 64
#define FAULT_SLOTS_PER_FRAME 3 /* a frame, its duplicate and a released held frame */

struct fault_slot {
	struct utcp_pkt *pkt;
	utcp_time_t at;          /* when it may leave */
};

struct fault_line {
	int on;                  /* this direction is impaired */
	int tx;                  /* the transmit line */
	struct utcp_impair im;
	struct fault_slot *ring; /* FAULT_LINE_MAX slots */
	uint32_t head, count;
	utcp_time_t last_at;     /* leave time of the newest frame in the line */
	struct utcp_pkt *held;   /* reordered frame waiting for the next one */
	utcp_time_t held_until;
	struct utcp_fault_stats st;
};

struct fault_queue {
	struct fault_line rx, tx;
};

struct fault_mw {
	uint16_t nb_queues;
	struct fault_queue q[];
};

static const struct utcp_nic_ops fault_ops;

/* ---- lines ------------------------------------------------------------- */

static uint32_t line_space(const struct fault_line *l)
{
	return FAULT_LINE_MAX - l->count;
}

static void line_push(struct fault_line *l, struct utcp_pkt *pkt, utcp_time_t at)
{
	if (at < l->last_at)
		at = l->last_at;
	l->ring[(l->head + l->count) % FAULT_LINE_MAX] = (struct fault_slot){ pkt, at };
	l->count++;
	l->last_at = at;
}

/* 1 if the head of the line may leave at `now`. */
static int line_due(const struct fault_line *l, utcp_time_t now)
{
	return l->count > 0 && l->ring[l->head].at <= now;
}

static struct utcp_pkt *line_pop(struct fault_line *l)
{
	struct utcp_pkt *pkt = l->ring[l->head].pkt;
	l->head = (l->head + 1) % FAULT_LINE_MAX;
	l->count--;
	return pkt;
}

/* A held frame nobody overtook within FAULT_REORDER_HOLD goes on alone. */
static void line_release_held(struct fault_line *l, utcp_time_t now)
{
	if (l->held != NULL && now >= l->held_until && l->count < FAULT_LINE_MAX) {
		line_push(l, l->held, l->held_until);
		l->held = NULL;
	}
}

/* Earliest time something in the line needs attention (UTCP_TIME_NEVER: none). */
static utcp_time_t line_next(const struct fault_line *l)
{
	utcp_time_t t = UTCP_TIME_NEVER;
	if (l->count > 0)
		t = l->ring[l->head].at;
	if (l->held != NULL && l->held_until < t)
		t = l->held_until;
	return t;
}

static void line_free(struct utcp_nic *lower, struct fault_line *l)
{
	while (l->count > 0)
		utcp_nic_free(lower, line_pop(l));
	if (l->held != NULL)
		utcp_nic_free(lower, l->held);
	l->held = NULL;
	free(l->ring);
	l->ring = NULL;
}

/* ---- impairments ------------------------------------------------------- */

static struct utcp_pkt *clone_frame(struct utcp_nic *lower, uint16_t q, const struct utcp_pkt *src)
{
	struct utcp_pkt *c = utcp_nic_alloc(lower, q);
	if (c == NULL)
		return NULL;
	if (src->len > utcp_pkt_headroom(c) + utcp_pkt_tailroom(c)) {
		utcp_nic_free(lower, c);
		return NULL;
	}
	if (src->len > utcp_pkt_tailroom(c))
		c->data = c->buf;
	memcpy(c->data, src->data, src->len);
	c->len = src->len;
	c->queue = src->queue;
	c->l2_len = src->l2_len;
	c->l3_len = src->l3_len;
	c->ol_flags = src->ol_flags;
	c->rss_hash = src->rss_hash;
	return c;
}

static void corrupt_frame(struct fault_line *l, struct utcp_pkt *pkt, uint32_t at, uint8_t mask)
{
	if (l->tx)
		utcp_csum_finish_tx(pkt);
	else
		pkt->ol_flags &= ~(UTCP_PKT_RX_IP_CKSUM_GOOD | UTCP_PKT_RX_L4_CKSUM_GOOD);
	pkt->data[at] ^= mask;
	l->st.corrupted++;
}

/* Decide the fate of one frame entering line `l` at `now` and carry it out.
 * The line must have FAULT_SLOTS_PER_FRAME free slots. */
static void impair_one(struct utcp_nic *lower, struct fault_line *l, uint16_t q,
		       struct utcp_pkt *pkt, utcp_time_t now)
{
	struct utcp_impair_verdict v;
	utcp_impair_decide(&l->im, pkt->len, &v);
	if (v.drop) {
		utcp_nic_free(lower, pkt);
		l->st.dropped++;
		return;
	}
	if (v.corrupt_at >= 0 && (uint32_t)v.corrupt_at < pkt->len)
		corrupt_frame(l, pkt, (uint32_t)v.corrupt_at, v.corrupt_xor);
	struct utcp_pkt *copy = v.dup ? clone_frame(lower, q, pkt) : NULL;
	if (copy != NULL)
		l->st.duplicated++;
	if (v.delay > 0)
		l->st.delayed++;
	utcp_time_t at = now + v.delay;
	if (v.reorder && l->held == NULL) {
		l->held = pkt;
		l->held_until = at + FAULT_REORDER_HOLD;
		l->st.reordered++;
		if (copy != NULL)
			line_push(l, copy, at);
		return;
	}
	line_push(l, pkt, at);
	if (copy != NULL)
		line_push(l, copy, at);
	if (l->held != NULL) {
		line_push(l, l->held, at);
		l->held = NULL;
	}
}

/* Send the tx frames that are due; stop at the first one `lower` refuses. */
static void tx_pump(struct utcp_nic *nic, uint16_t q, utcp_time_t now)
{
	struct fault_line *l = &((struct fault_mw *)nic->priv)->q[q].tx;
	struct utcp_pkt *batch[FAULT_TX_BATCH];

	line_release_held(l, now);
	while (line_due(l, now)) {
		uint16_t n = 0;
		for (uint32_t i = 0; i < l->count && n < FAULT_TX_BATCH; i++) {
			const struct fault_slot *s = &l->ring[(l->head + i) % FAULT_LINE_MAX];
			if (s->at > now)
				break;
			batch[n++] = s->pkt;
		}
		uint16_t sent = utcp_nic_tx_burst(nic->lower, q, batch, n);
		l->head = (l->head + sent) % FAULT_LINE_MAX;
		l->count -= sent;
		if (sent < n)
			break;
	}
}

/* ---- the NIC ----------------------------------------------------------- */

static uint16_t fault_tx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct fault_line *l = &((struct fault_mw *)nic->priv)->q[q].tx;
	if (!l->on)
		return utcp_nic_tx_burst(nic->lower, q, pkts, n);

	utcp_time_t now = utcp_nic_now(nic->lower);
	tx_pump(nic, q, now);
	uint16_t i;
	for (i = 0; i < n && line_space(l) >= FAULT_SLOTS_PER_FRAME; i++)
		impair_one(nic->lower, l, q, pkts[i], now);
	tx_pump(nic, q, now);
	return i;
}

static uint16_t fault_rx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct fault_queue *fq = &((struct fault_mw *)nic->priv)->q[q];
	struct fault_line *l = &fq->rx;
	utcp_time_t now = utcp_nic_now(nic->lower);

	if (fq->tx.on)
		tx_pump(nic, q, now);
	if (!l->on)
		return utcp_nic_rx_burst(nic->lower, q, pkts, n);

	/* pkts[] is scratch for the pull: every frame pulled enters the line,
	 * or is dropped when the line is full (a full queue drops its tail). */
	uint16_t got = utcp_nic_rx_burst(nic->lower, q, pkts, n);
	for (uint16_t i = 0; i < got; i++) {
		if (line_space(l) >= FAULT_SLOTS_PER_FRAME) {
			impair_one(nic->lower, l, q, pkts[i], now);
		} else {
			utcp_nic_free(nic->lower, pkts[i]);
			l->st.dropped++;
		}
	}
	line_release_held(l, now);

	uint16_t out = 0;
	while (out < n && line_due(l, now))
		pkts[out++] = line_pop(l);
	return out;
}

/* Sleep in `lower`, but wake when the earliest held frame becomes due. */
static int fault_wait(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline)
{
	struct fault_queue *fq = &((struct fault_mw *)nic->priv)->q[q];
	utcp_time_t now = utcp_nic_now(nic->lower);
	utcp_time_t next = UTCP_TIME_NEVER;

	if (fq->tx.on) {
		tx_pump(nic, q, now);
		next = line_next(&fq->tx);
		if (next <= now) /* lower refused frames: try again shortly */
			next = now + FAULT_TX_RETRY;
	}
	if (fq->rx.on) {
		utcp_time_t r = line_next(&fq->rx);
		if (r <= now)
			return 1;
		if (r < next)
			next = r;
	}
	utcp_time_t until = next < deadline ? next : deadline;
	int ret = utcp_nic_wait(nic->lower, q, until);
	if (ret == 0 && until < deadline)
		return 1; /* our own wake-up: a held frame is due */
	return ret;
}

static struct utcp_pkt *fault_alloc(struct utcp_nic *nic, uint16_t q)
{
	return utcp_nic_alloc(nic->lower, q);
}

static void fault_free(struct utcp_nic *nic, struct utcp_pkt *pkt)
{
	utcp_nic_free(nic->lower, pkt);
}

static utcp_time_t fault_now(struct utcp_nic *nic)
{
	return utcp_nic_now(nic->lower);
}

static int fault_stats(struct utcp_nic *nic, struct utcp_nic_stats *st)
{
	if (nic->lower->ops->stats == NULL) {
		errno = ENOTSUP;
		return -1;
	}
	return nic->lower->ops->stats(nic->lower, st);
}

static void fault_mw_free(struct utcp_nic *lower, struct fault_mw *fm)
{
	for (uint16_t q = 0; q < fm->nb_queues; q++) {
		line_free(lower, &fm->q[q].rx);
		line_free(lower, &fm->q[q].tx);
	}
	free(fm);
}

static void fault_close(struct utcp_nic *nic)
{
	fault_mw_free(nic->lower, nic->priv);
	utcp_nic_close(nic->lower);
	free(nic);
}

/* Any thread: the wait in progress is the lower NIC's. */
static int fault_wake(struct utcp_nic *nic, uint16_t q)
{
	return utcp_nic_wake(nic->lower, q);
}

static const struct utcp_nic_ops fault_ops = {
	.name = "fault",
	.rx_burst = fault_rx_burst,
	.tx_burst = fault_tx_burst,
	.alloc = fault_alloc,
	.free = fault_free,
	.wait = fault_wait,
	.now = fault_now,
	.stats = fault_stats,
	.close = fault_close,
	.wake = fault_wake,
};

/* ---- setup ------------------------------------------------------------- */

static int line_init(struct fault_line *l, const struct utcp_fault_params *fp, uint16_t q, int dir)
{
	struct utcp_fault_params p = *fp;
	p.seed ^= utcp_fmix64(((uint64_t)q << 1 | (uint64_t)dir) + 0x6661756c74ull /* "fault" */);
	utcp_impair_init(&l->im, &p);
	l->on = 1;
	l->tx = dir;
	l->ring = calloc(FAULT_LINE_MAX, sizeof(*l->ring));
	return l->ring != NULL ? 0 : -1;
}

static const char *check_params(const struct utcp_fault_params *fp)
{
	const double pr[] = { fp->loss, fp->burst_loss, fp->reorder, fp->dup, fp->corrupt };
	for (size_t i = 0; i < sizeof(pr) / sizeof(pr[0]); i++)
		if (!(pr[i] >= 0.0 && pr[i] <= 1.0))
			return "a probability is outside [0, 1]";
	if (fp->burst_len != 0 && !(fp->burst_len >= 1.0))
		return "burst_len must be at least 1";
	return NULL;
}

/* On failure returns NULL with err set; `lower` is left open (the caller's). */
struct utcp_nic *utcp_fault_wrap(struct utcp_nic *lower, const struct utcp_fault_params *fp,
				 char *err, size_t errlen)
{
	const char *bad = check_params(fp);
	if (bad != NULL) {
		snprintf(err, errlen, "fault: %s", bad);
		errno = EINVAL;
		return NULL;
	}
	uint16_t nq = lower->caps.nb_queues ? lower->caps.nb_queues : 1;
	struct fault_mw *fm = calloc(1, sizeof(*fm) + nq * sizeof(fm->q[0]));
	struct utcp_nic *nic = calloc(1, sizeof(*nic));
	if (fm == NULL || nic == NULL)
		goto nomem;
	fm->nb_queues = nq;
	int both = !fp->rx && !fp->tx;
	for (uint16_t q = 0; q < nq; q++) {
		if ((fp->rx || both) && line_init(&fm->q[q].rx, fp, q, 0) != 0)
			goto nomem;
		if ((fp->tx || both) && line_init(&fm->q[q].tx, fp, q, 1) != 0)
			goto nomem;
	}
	nic->ops = &fault_ops;
	nic->caps = lower->caps;
	/* Impairments act per wire frame: no TSO frame of many segments
	 * through here (a coalesced frame the lower NIC receives is still
	 * impaired as one). */
	nic->caps.offloads &= ~UTCP_NIC_TX_TCP_TSO;
	memcpy(nic->name, lower->name, sizeof(nic->name));
	nic->lower = lower;
	nic->priv = fm;
	return nic;
nomem:
	if (fm != NULL)
		fault_mw_free(lower, fm);
	free(nic);
	snprintf(err, errlen, "fault: out of memory");
	errno = ENOMEM;
	return NULL;
}

int utcp_fault_get_stats(struct utcp_nic *nic, struct utcp_fault_stats *st)
{
	while (nic != NULL && nic->ops != &fault_ops)
		nic = nic->lower;
	if (nic == NULL) {
		errno = EINVAL;
		return -1;
	}
	const struct fault_mw *fm = nic->priv;
	memset(st, 0, sizeof(*st));
	for (uint16_t q = 0; q < fm->nb_queues; q++) {
		const struct utcp_fault_stats *d[2] = { &fm->q[q].rx.st, &fm->q[q].tx.st };
		for (int i = 0; i < 2; i++) {
			st->dropped += d[i]->dropped;
			st->reordered += d[i]->reordered;
			st->duplicated += d[i]->duplicated;
			st->corrupted += d[i]->corrupted;
			st->delayed += d[i]->delayed;
		}
	}
	return 0;
}

/* ---- configuration ----------------------------------------------------- */

#define FAULT_KEY(name, type, field, min, max)                                        \
	{ name, type, offsetof(struct utcp_config, field), min, max, 1,               \
	  offsetof(struct utcp_config, fault_enabled) }

/* utcp.conf: probabilities in 0..1, a mean burst length >= 1, whole
 * microseconds of delay; any of them turns fault injection on. */
const struct utcp_config_key utcp_fault_keys[UTCP_FAULT_NB_KEYS] = {
	FAULT_KEY("fault_loss", UTCP_KEY_DOUBLE, fault.loss, 0, 1),
	FAULT_KEY("fault_burst_loss", UTCP_KEY_DOUBLE, fault.burst_loss, 0, 1),
	FAULT_KEY("fault_burst_len", UTCP_KEY_DOUBLE, fault.burst_len, 1, 1000000),
	FAULT_KEY("fault_reorder", UTCP_KEY_DOUBLE, fault.reorder, 0, 1),
	FAULT_KEY("fault_dup", UTCP_KEY_DOUBLE, fault.dup, 0, 1),
	FAULT_KEY("fault_corrupt", UTCP_KEY_DOUBLE, fault.corrupt, 0, 1),
	FAULT_KEY("fault_delay_us", UTCP_KEY_USEC, fault.delay, 0, 60000000),
	FAULT_KEY("fault_jitter_us", UTCP_KEY_USEC, fault.jitter, 0, 60000000),
	FAULT_KEY("fault_seed", UTCP_KEY_U64, fault.seed, 0, 0),
};

/* Microseconds, fractions allowed, into ns. */
static int parse_usec(const char *s, utcp_time_t *out)
{
	double v;
	if (utcp_parse_double(s, 0.0, 1e12, &v) != 0)
		return -1;
	*out = (utcp_time_t)(v * (double)UTCP_NSEC_PER_USEC + 0.5);
	return 0;
}

/*
 * One `key = value` of the fault configuration:
 *   loss, burst_loss, reorder, dup, corrupt   probability, 0..1 or "N%"
 *   burst_len                                 mean frames per loss burst, >= 1
 *   delay_us, jitter_us                       microseconds (fractions allowed)
 *   seed                                      integer (0x... accepted)
 *   rx, tx                                    0/1: impair only that direction
 * Numbers as core/base/args.h reads them.  Keys may carry the "fault_"
 * prefix they have in utcp.conf.  Returns 0, or -1 with errno ENOENT
 * (unknown key) or EINVAL (bad value, in which case *fp is unchanged).
 */
int utcp_fault_parse(struct utcp_fault_params *fp, const char *key, const char *value)
{
	static const struct {
		const char *key;
		size_t off;
	} probs[] = {
		{ "loss", offsetof(struct utcp_fault_params, loss) },
		{ "burst_loss", offsetof(struct utcp_fault_params, burst_loss) },
		{ "reorder", offsetof(struct utcp_fault_params, reorder) },
		{ "dup", offsetof(struct utcp_fault_params, dup) },
		{ "corrupt", offsetof(struct utcp_fault_params, corrupt) },
	};
	int rc = -1;
	uint64_t u;

	if (strncmp(key, "fault_", 6) == 0) /* as spelled in utcp.conf */
		key += 6;
	for (size_t i = 0; i < sizeof(probs) / sizeof(probs[0]); i++)
		if (strcmp(key, probs[i].key) == 0) {
			rc = utcp_parse_prob(value, (double *)((char *)fp + probs[i].off));
			goto done;
		}
	if (strcmp(key, "burst_len") == 0) {
		rc = utcp_parse_double(value, 1.0, HUGE_VAL, &fp->burst_len);
	} else if (strcmp(key, "delay_us") == 0) {
		rc = parse_usec(value, &fp->delay);
	} else if (strcmp(key, "jitter_us") == 0) {
		rc = parse_usec(value, &fp->jitter);
	} else if (strcmp(key, "seed") == 0) {
		rc = utcp_parse_u64(value, 0, 0, UINT64_MAX, &fp->seed);
	} else if (strcmp(key, "rx") == 0 || strcmp(key, "tx") == 0) {
		if ((rc = utcp_parse_u64(value, 0, 0, 1, &u)) == 0)
			*(key[0] == 'r' ? &fp->rx : &fp->tx) = (int)u;
	} else {
		errno = ENOENT;
		return -1;
	}
done:
	if (rc != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
