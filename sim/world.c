/*
 * sim/world.c - the simulated world as a whole: creation, stepping, running
 * until a predicate holds, shutdown with leak accounting, teardown.
 *
 * Call order: utcp_sim_world_create -> (links, hosts, NICs: link.c, host.c,
 * sim_nic.c) -> utcp_sim_world_step / utcp_sim_world_run_until ->
 * utcp_sim_world_shutdown -> utcp_sim_world_destroy.
 *
 * A step delivers the events due (sched.c's queue: frame arrivals and
 * reorder releases, handed to link.c) and runs every host that is due.
 * Host deadlines are not events: each step asks every host for its next
 * deadline (host.c), which keeps timers owned by the stack's own timer
 * wheel.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"


struct utcp_sim_world *utcp_sim_world_create(uint64_t seed)
{
	struct utcp_sim_world *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->seed = seed;
	utcp_prng_seed(&w->prng, seed);
	w->livelock_limit = SIM_DEFAULT_LIVELOCK;
	/* From now on `io = sim` opens a NIC on the current host (host.c). */
	(void)utcp_nic_backend_provide("sim", utcp_sim_nic_open_cfg);
	return w;
}

/* ---- stepping ---------------------------------------------------------- */

utcp_time_t utcp_sim_world_next_event(struct utcp_sim_world *w)
{
	utcp_time_t t = sim_event_next_time(w);
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
	while (sim_event_pop(w, w->now, &ev))
		sim_link_event(w, &ev);
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
	struct utcp_sim_world *prev_w = utcp_sim_world_current();
	struct utcp_sim_host *prev_h = sim_current_host();
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

/* ---- teardown ---------------------------------------------------------- */

uint64_t utcp_sim_world_bufs_in_use(const struct utcp_sim_world *w)
{
	uint64_t n = 0;
	for (int i = 0; i < w->nb_nics; i++)
		n += utcp_sim_nic_bufs_in_use(&w->nics[i]->nic);
	return n;
}

/* Free every frame still on a wire: in the event queue or held back. */
static void drain_links(struct utcp_sim_world *w)
{
	struct sim_event ev;
	while (sim_event_pop(w, UTCP_TIME_NEVER, &ev)) {
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
	struct utcp_sim_world *prev_w = utcp_sim_world_current();
	struct utcp_sim_host *prev_h = sim_current_host();
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
	sim_capture_close(w);
	w->leaked = leaked;
	w->shut_down = 1;
	return leaked;
}

void utcp_sim_world_destroy(struct utcp_sim_world *w)
{
	if (w == NULL)
		return;
	utcp_sim_world_shutdown(w, NULL);
	if (utcp_sim_world_current() == w)
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
	sim_events_free(w);
	free(w);
}
