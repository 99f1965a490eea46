/*
 * sim/sched.c - what every part of the simulated world stands on: the
 * world's clock and seed, the event queue, the current world and host, the
 * capture, and the switch between the world and a coroutine.
 *
 * Events (frame arrivals, reorder releases) are kept in order of (time,
 * sequence number): the sequence number is the order in which events were
 * scheduled, so events due at the same nanosecond always pop in the same
 * order.  In-order events queue in FIFO lanes (O(1)), the others in a
 * binary min-heap; the next event is the least of their heads.
 *
 * Floors inside sim/: sched.c <- sim_nic.c <- link.c <- host.c <- world.c
 * <- replay*.c; each file calls only the ones to its left.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/hash.h"
#include "sim/sim_int.h"

/* The world (and host) `io = sim` opens attach to; per thread. */
static __thread struct utcp_sim_world *cur_world;
static __thread struct utcp_sim_host *cur_host;

void utcp_sim_world_set_current(struct utcp_sim_world *w, struct utcp_sim_host *h)
{
	cur_world = w;
	cur_host = h;
}

struct utcp_sim_world *utcp_sim_world_current(void)
{
	return cur_world;
}

/* Host the next `io = sim` NIC belongs to (sim_nic.c). */
struct utcp_sim_host *sim_current_host(void)
{
	return cur_host;
}

int sim_grow(void **arr, int *cap, size_t elem)
{
	int ncap = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, (size_t)ncap * elem);
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*arr = p;
	*cap = ncap;
	return 0;
}

utcp_time_t utcp_sim_world_now(const struct utcp_sim_world *w)
{
	return w->now;
}

uint64_t utcp_sim_world_seed(const struct utcp_sim_world *w)
{
	return w->seed;
}

uint64_t utcp_sim_world_steps(const struct utcp_sim_world *w)
{
	return w->steps;
}

void utcp_sim_world_set_livelock_limit(struct utcp_sim_world *w, uint64_t steps)
{
	w->livelock_limit = steps ? steps : SIM_DEFAULT_LIVELOCK;
}

uint64_t utcp_sim_world_derive_seed(const struct utcp_sim_world *w, const char *what,
				    uint64_t index)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of the name */
	for (const char *s = what; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return utcp_splitmix64_mix(w->seed ^ utcp_splitmix64_mix(h + 0x9e3779b97f4a7c15ull * (index + 1)));
}

/* ---- events: lanes and a heap ---------------------------------------------
 *
 * Every event has a key (time, sequence number); events pop in key order.
 * The sequence number grows with each event scheduled, so an event never
 * precedes one scheduled before it at the same time or earlier.  Most
 * events are frames arriving one link latency from now, and now never goes
 * back: their keys arrive in order.  Such an event joins a lane, a FIFO
 * whose last event is not later than it (the fullest-fitting lane, else an
 * empty one): O(1).  The rest (random delays, reordering, several
 * latencies beyond SIM_LANES) go to a binary min-heap.  Each lane is
 * sorted and so is the heap's top, so the next event is the least of
 * SIM_LANES + 1 heads: the same order as one heap, in O(1) for the usual
 * world.
 */

static int ev_before(const struct sim_event *a, const struct sim_event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static struct sim_event *lane_head(struct sim_lane *l)
{
	return &l->ev[l->head];
}

static const struct sim_event *lane_tail(const struct sim_lane *l)
{
	return &l->ev[(l->head + l->n - 1) & (l->cap - 1)];
}

/* Double a full lane's ring (its size a power of two), keeping its order;
 * -1 when out of memory. */
static int lane_grow(struct sim_lane *l)
{
	size_t ncap = l->cap ? l->cap * 2 : 256;
	struct sim_event *e = realloc(l->ev, ncap * sizeof(*e));
	if (e == NULL)
		return -1;
	/* the part that wrapped round to the front moves after the old end */
	if (l->head + l->n > l->cap)
		memcpy(e + l->cap, e, (l->head + l->n - l->cap) * sizeof(*e));
	l->ev = e;
	l->cap = ncap;
	return 0;
}

/* The lane ev may join (its last event is not later), or NULL. */
static struct sim_lane *lane_for(struct utcp_sim_world *w, const struct sim_event *ev)
{
	struct sim_lane *best = NULL, *empty = NULL;
	if (w->nb_lanes == 1 && (w->lane[0].n == 0 || lane_tail(&w->lane[0])->t <= ev->t))
		return &w->lane[0]; /* the usual world: one lane */
	for (int i = 0; i < w->nb_lanes; i++) {
		struct sim_lane *l = &w->lane[i];
		if (l->n == 0) {
			if (empty == NULL)
				empty = l;
			continue;
		}
		const struct sim_event *tail = lane_tail(l);
		if (tail->t <= ev->t && (best == NULL || tail->t > lane_tail(best)->t))
			best = l;
	}
	if (best == NULL && empty == NULL && w->nb_lanes < SIM_LANES)
		empty = &w->lane[w->nb_lanes++];
	return best != NULL ? best : empty;
}

static int lane_push(struct sim_lane *l, const struct sim_event *ev)
{
	if (l->n == l->cap && lane_grow(l) < 0)
		return -1;
	l->ev[(l->head + l->n++) & (l->cap - 1)] = *ev;
	return 0;
}

static int heap_push(struct utcp_sim_world *w, const struct sim_event *ev)
{
	if (w->nb_heap == w->cap_heap) {
		size_t ncap = w->cap_heap ? w->cap_heap * 2 : 256;
		struct sim_event *h = realloc(w->heap, ncap * sizeof(*h));
		if (h == NULL)
			return -1;
		w->heap = h;
		w->cap_heap = ncap;
	}
	size_t i = w->nb_heap++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!ev_before(ev, &w->heap[parent]))
			break;
		w->heap[i] = w->heap[parent];
		i = parent;
	}
	w->heap[i] = *ev;
	return 0;
}

static void heap_pop(struct utcp_sim_world *w, struct sim_event *out)
{
	*out = w->heap[0];
	struct sim_event last = w->heap[--w->nb_heap];
	size_t i = 0, n = w->nb_heap;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct sim_event *best = &last;
		if (l < n && ev_before(&w->heap[l], best)) {
			m = l;
			best = &w->heap[l];
		}
		if (r < n && ev_before(&w->heap[r], best))
			m = r;
		if (m == i)
			break;
		w->heap[i] = w->heap[m];
		i = m;
	}
	if (n > 0)
		w->heap[i] = last;
}

/* sim_schedule's general way: a lane chosen among several, a lane to grow,
 * or the heap (out of line: the usual scheduling calls nothing). */
static __attribute__((noinline)) void schedule_any(struct utcp_sim_world *w, utcp_time_t t,
						   int type, struct sim_dir *dir,
						   struct utcp_pkt *pkt, uint64_t gen);

void sim_schedule(struct utcp_sim_world *w, utcp_time_t t, int type, struct sim_dir *dir,
		  struct utcp_pkt *pkt, uint64_t gen)
{
	struct sim_lane *l0 = &w->lane[0];
	if (w->nb_lanes == 1 && l0->n < l0->cap && (l0->n == 0 || lane_tail(l0)->t <= t)) {
		/* the usual world: lane_for's one lane, lane_push with room,
		 * the event written in place */
		struct sim_event *e = &l0->ev[(l0->head + l0->n++) & (l0->cap - 1)];
		*e = (struct sim_event){ .t = t, .seq = w->seq++, .dir = dir, .pkt = pkt,
					 .gen = gen, .type = type };
		if (w->nb_ev++ == 0 || t < w->next_t)
			w->next_t = t;
		return;
	}
	schedule_any(w, t, type, dir, pkt, gen);
}

static void schedule_any(struct utcp_sim_world *w, utcp_time_t t, int type, struct sim_dir *dir,
			 struct utcp_pkt *pkt, uint64_t gen)
{
	struct sim_event ev = { .t = t, .seq = w->seq++, .dir = dir, .pkt = pkt, .gen = gen,
				.type = type };
	struct sim_lane *l = lane_for(w, &ev);
	if ((l != NULL && lane_push(l, &ev) == 0) || heap_push(w, &ev) == 0) {
		if (w->nb_ev++ == 0 || t < w->next_t)
			w->next_t = t;
		return;
	}
	/* Out of memory: the frame is lost (counted), the world goes on. */
	if (pkt != NULL) {
		dir->st.lost++;
		utcp_pkt_pool_put(pkt);
	}
}

/* The lane whose head comes first, or NULL (then the heap's top, if any). */
static struct sim_lane *first_lane(struct utcp_sim_world *w)
{
	struct sim_lane *best = NULL;
	if (w->nb_heap == 0 && w->nb_lanes == 1) /* the usual world: one lane */
		return w->lane[0].n > 0 ? &w->lane[0] : NULL;
	for (int i = 0; i < w->nb_lanes; i++) {
		struct sim_lane *l = &w->lane[i];
		if (l->n > 0 && (best == NULL || ev_before(lane_head(l), lane_head(best))))
			best = l;
	}
	if (best != NULL && w->nb_heap > 0 && ev_before(&w->heap[0], lane_head(best)))
		return NULL;
	return best;
}

/* The time of the next event, after it changed (w->next_t). */
static utcp_time_t next_time(struct utcp_sim_world *w)
{
	struct sim_lane *l = first_lane(w);
	if (l != NULL)
		return lane_head(l)->t;
	return w->nb_heap > 0 ? w->heap[0].t : UTCP_TIME_NEVER;
}

static __attribute__((noinline)) void pop_any(struct utcp_sim_world *w, struct sim_event *out);

void sim_event_pop_first(struct utcp_sim_world *w, struct sim_event *out)
{
	struct sim_lane *l0 = &w->lane[0];
	if (w->nb_heap == 0 && w->nb_lanes == 1) { /* the usual world, without calls */
		*out = *lane_head(l0);
		l0->head = (l0->head + 1) & (l0->cap - 1);
		l0->n--;
		w->nb_ev--;
		w->next_t = l0->n > 0 ? lane_head(l0)->t : UTCP_TIME_NEVER;
		return;
	}
	pop_any(w, out);
}

/* sim_event_pop_first among several lanes or from the heap. */
static void pop_any(struct utcp_sim_world *w, struct sim_event *out)
{
	int one_lane = w->nb_heap == 0 && w->nb_lanes == 1; /* the usual world */
	struct sim_lane *l = one_lane ? &w->lane[0] : first_lane(w);
	if (l != NULL) {
		*out = *lane_head(l);
		l->head = (l->head + 1) & (l->cap - 1);
		l->n--;
	} else {
		heap_pop(w, out);
	}
	w->nb_ev--;
	if (one_lane)
		w->next_t = l->n > 0 ? lane_head(l)->t : UTCP_TIME_NEVER;
	else
		w->next_t = next_time(w);
}

void sim_events_free(struct utcp_sim_world *w)
{
	free(w->heap);
	w->heap = NULL;
	w->nb_heap = w->cap_heap = 0;
	for (int i = 0; i < SIM_LANES; i++) {
		free(w->lane[i].ev);
		w->lane[i] = (struct sim_lane){ NULL, 0, 0, 0 };
	}
	w->nb_ev = 0;
	w->nb_lanes = 0;
	w->next_t = UTCP_TIME_NEVER;
}

/* ---- capture ----------------------------------------------------------- */

int utcp_sim_world_capture(struct utcp_sim_world *w, const char *path, char *err, size_t errlen)
{
	if (w->dumper != NULL) {
		snprintf(err, errlen, "a capture is already open");
		errno = EBUSY;
		return -1;
	}
	w->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
						    PCAP_TSTAMP_PRECISION_NANO);
	if (w->pd == NULL) {
		snprintf(err, errlen, "pcap_open_dead failed");
		errno = ENOMEM;
		return -1;
	}
	w->dumper = pcap_dump_open(w->pd, path);
	if (w->dumper == NULL) {
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(w->pd));
		pcap_close(w->pd);
		w->pd = NULL;
		errno = EIO;
		return -1;
	}
	return 0;
}

void sim_capture_frame(struct utcp_sim_world *w, const struct utcp_pkt *pkt)
{
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof(h));
	/* With PCAP_TSTAMP_PRECISION_NANO, tv_usec carries nanoseconds. */
	h.ts.tv_sec = (time_t)(w->now / UTCP_NSEC_PER_SEC);
	h.ts.tv_usec = (suseconds_t)(w->now % UTCP_NSEC_PER_SEC);
	h.len = h.caplen = pkt->len;
	if (pkt->ol_flags & UTCP_PKT_TX_TCP_CKSUM) {
		/* an offloading NIC's segment: the wire carries the finished sum */
		uint8_t frame[UTCP_PKT_BUF_SIZE];
		struct utcp_pkt copy = *pkt;
		copy.data = frame;
		if (h.caplen > sizeof(frame))
			h.caplen = copy.len = sizeof(frame);
		memcpy(frame, pkt->data, h.caplen);
		utcp_csum_finish_tx(&copy);
		pcap_dump((u_char *)w->dumper, &h, frame);
		return;
	}
	pcap_dump((u_char *)w->dumper, &h, pkt->data);
}

void sim_capture_close(struct utcp_sim_world *w)
{
	if (w->dumper != NULL)
		pcap_dump_close(w->dumper);
	if (w->pd != NULL)
		pcap_close(w->pd);
	w->dumper = NULL;
	w->pd = NULL;
}


/* ---- coroutines ---------------------------------------------------------- */

void sim_coro_yield(struct utcp_sim_world *w, struct sim_coro *c)
{
	swapcontext(&c->uc, &w->sched);
}


/* Give control back to the world until c is due again (coro_next). */
int sim_coro_block(struct utcp_sim_world *w, struct sim_coro *c, struct sim_nic *n,
		      uint16_t q, utcp_time_t wake)
{
	c->wait_nic = n;
	c->wait_q = q;
	c->wake = wake;
	sim_coro_yield(w, c);
	c->wait_nic = NULL;
	if (w->shutting_down) {
		errno = ESHUTDOWN;
		return -1;
	}
	return 0;
}

