/*
 * sim/world.c - the simulated world: virtual clock, seeded PRNG, event
 * heap, stepping, capture and teardown.
 *
 * Call order: utcp_sim_world_create -> (links, hosts, NICs: link.c, host.c,
 * sim_nic.c) -> utcp_sim_world_step / utcp_sim_world_run_until ->
 * utcp_sim_world_shutdown -> utcp_sim_world_destroy.
 *
 * Events (frame arrivals, reorder releases) live in a binary min-heap keyed
 * by (time, sequence number): the sequence number is the order in which
 * events were scheduled, so events due at the same nanosecond always pop
 * in the same order.  Host deadlines are not events: each step asks every
 * host for its next deadline (host.c), which keeps timers owned by the
 * stack's own timer wheel.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"
#include "core/base/hash.h"

#define SIM_DEFAULT_LIVELOCK 1000000ull

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

struct utcp_sim_world *utcp_sim_world_create(uint64_t seed)
{
	struct utcp_sim_world *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->seed = seed;
	utcp_prng_seed(&w->prng, seed);
	w->livelock_limit = SIM_DEFAULT_LIVELOCK;
	return w;
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

/* ---- event heap -------------------------------------------------------- */

static int ev_before(const struct sim_event *a, const struct sim_event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

void sim_schedule(struct utcp_sim_world *w, utcp_time_t t, int type, struct sim_dir *dir,
		  struct utcp_pkt *pkt, uint64_t gen)
{
	if (w->nb_ev == w->cap_ev) {
		size_t ncap = w->cap_ev ? w->cap_ev * 2 : 256;
		struct sim_event *h = realloc(w->heap, ncap * sizeof(*h));
		if (h == NULL) {
			/* Out of memory: the frame is lost (counted), the world goes on. */
			if (pkt != NULL) {
				dir->st.lost++;
				utcp_pkt_pool_put(pkt);
			}
			return;
		}
		w->heap = h;
		w->cap_ev = ncap;
	}
	struct sim_event ev = { .t = t, .seq = w->seq++, .dir = dir, .pkt = pkt, .gen = gen,
				.type = type };
	size_t i = w->nb_ev++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!ev_before(&ev, &w->heap[parent]))
			break;
		w->heap[i] = w->heap[parent];
		i = parent;
	}
	w->heap[i] = ev;
}

static void heap_pop(struct utcp_sim_world *w, struct sim_event *out)
{
	*out = w->heap[0];
	struct sim_event last = w->heap[--w->nb_ev];
	size_t i = 0, n = w->nb_ev;
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

/* ---- stepping ---------------------------------------------------------- */

utcp_time_t utcp_sim_world_next_event(struct utcp_sim_world *w)
{
	utcp_time_t t = w->nb_ev ? w->heap[0].t : UTCP_TIME_NEVER;
	for (int i = 0; i < w->nb_hosts; i++) {
		utcp_time_t ht = sim_host_next(w->hosts[i]);
		if (ht < t)
			t = ht;
	}
	return t;
}

/* Deliver every event due at w->now, in (time, sequence) order. */
static void deliver_due(struct utcp_sim_world *w)
{
	struct sim_event ev;
	while (w->nb_ev > 0 && w->heap[0].t <= w->now) {
		heap_pop(w, &ev);
		sim_link_event(w, &ev);
	}
}

int utcp_sim_world_step(struct utcp_sim_world *w)
{
	if (w->running != NULL || w->shut_down) {
		errno = EDEADLK;
		return -1;
	}
	utcp_time_t t = utcp_sim_world_next_event(w);
	if (t == UTCP_TIME_NEVER)
		return 0;
	if (t > w->now) {
		w->now = t; /* idle time costs nothing */
		w->same_time_steps = 0;
	} else if (++w->same_time_steps > w->livelock_limit) {
		errno = ELOOP;
		return -1;
	}
	struct utcp_sim_world *prev_w = cur_world;
	struct utcp_sim_host *prev_h = cur_host;
	deliver_due(w);
	/* Hosts run in creation order; one created meanwhile waits a step. */
	int nb = w->nb_hosts;
	for (int i = 0; i < nb; i++) {
		struct utcp_sim_host *h = w->hosts[i];
		if (sim_host_next(h) > w->now)
			continue;
		utcp_sim_world_set_current(w, h);
		w->running_host = h;
		sim_host_run(h);
		w->running_host = NULL;
	}
	utcp_sim_world_set_current(prev_w, prev_h);
	w->steps++;
	return 1;
}

enum utcp_sim_run_result utcp_sim_world_run_until(struct utcp_sim_world *w, utcp_sim_pred_fn pred,
						  void *arg, utcp_time_t bound)
{
	for (;;) {
		if (pred != NULL && pred(w, arg))
			return UTCP_SIM_DONE;
		utcp_time_t t = utcp_sim_world_next_event(w);
		if (t == UTCP_TIME_NEVER)
			return UTCP_SIM_IDLE;
		if (t > bound) {
			if (w->now < bound)
				w->now = bound;
			return UTCP_SIM_BOUND;
		}
		if (utcp_sim_world_step(w) < 0)
			return UTCP_SIM_ERROR;
	}
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

void sim_capture(struct utcp_sim_world *w, const struct utcp_pkt *pkt)
{
	if (w->dumper == NULL)
		return;
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

static void capture_close(struct utcp_sim_world *w)
{
	if (w->dumper != NULL)
		pcap_dump_close(w->dumper);
	if (w->pd != NULL)
		pcap_close(w->pd);
	w->dumper = NULL;
	w->pd = NULL;
}

/* ---- teardown ---------------------------------------------------------- */

uint64_t utcp_sim_world_bufs_in_use(const struct utcp_sim_world *w)
{
	uint64_t n = 0;
	for (int i = 0; i < w->nb_nics; i++)
		n += utcp_sim_nic_bufs_in_use(&w->nics[i]->nic);
	return n;
}

/* Free every frame still on a wire: in the event heap or held back. */
static void drain_links(struct utcp_sim_world *w)
{
	struct sim_event ev;
	while (w->nb_ev > 0) {
		heap_pop(w, &ev);
		if (ev.pkt != NULL)
			utcp_pkt_pool_put(ev.pkt);
	}
	for (int i = 0; i < w->nb_links; i++) {
		for (int d = 0; d < 2; d++) {
			struct sim_dir *dir = &w->links[i]->dir[d];
			if (dir->held != NULL)
				utcp_pkt_pool_put(dir->held);
			dir->held = NULL;
		}
	}
}

uint64_t utcp_sim_world_shutdown(struct utcp_sim_world *w, FILE *f)
{
	if (w->shut_down)
		return w->leaked;
	struct utcp_sim_world *prev_w = cur_world;
	struct utcp_sim_host *prev_h = cur_host;
	w->shutting_down = 1;
	for (int i = 0; i < w->nb_hosts; i++) {
		utcp_sim_world_set_current(w, w->hosts[i]);
		sim_host_shutdown(w->hosts[i], f);
	}
	utcp_sim_world_set_current(prev_w, prev_h);
	drain_links(w);
	for (int i = 0; i < w->nb_nics; i++) {
		sim_nic_drain(w->nics[i]);
		w->nics[i]->closed = 1;
	}
	uint64_t leaked = 0;
	for (int i = 0; i < w->nb_nics; i++)
		leaked += sim_nic_report_leaks(w->nics[i], f);
	capture_close(w);
	w->leaked = leaked;
	w->shut_down = 1;
	return leaked;
}

void utcp_sim_world_destroy(struct utcp_sim_world *w)
{
	if (w == NULL)
		return;
	utcp_sim_world_shutdown(w, NULL);
	if (cur_world == w)
		utcp_sim_world_set_current(NULL, NULL);
	for (int i = 0; i < w->nb_hosts; i++)
		sim_host_destroy(w->hosts[i]);
	for (int i = 0; i < w->nb_links; i++)
		sim_link_destroy(w->links[i]);
	for (int i = 0; i < w->nb_nics; i++)
		sim_nic_destroy(w->nics[i]);
	free(w->hosts);
	free(w->links);
	free(w->nics);
	free(w->heap);
	free(w);
}
