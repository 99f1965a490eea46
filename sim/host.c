/*
 * sim/host.c - simulated hosts: a utcp stack on sim NICs, driven either
 * by the world (poll + step callback) or by application coroutines.
 *
 * Call order: utcp_sim_host_create -> NICs (sim_nic.c) -> optionally
 * utcp_sim_host_open_stack -> utcp_sim_host_set_step and/or
 * utcp_sim_host_spawn -> the world runs it (sim_host_next, sim_host_run)
 * -> sim_host_shutdown -> sim_host_destroy.
 *
 * A host without coroutines is run by the world: every context is polled
 * (utcp_ctx_poll), then the step callback runs, then every context is
 * polled once more so that what the callback queued is sent in the same
 * round.  It is due when a frame waits in one of its rx rings, a context
 * timer is due (utcp_ctx_next_deadline) or a wake-up it asked for is due.
 *
 * A host with coroutines runs application code (a main loop around
 * utcp_ctx_wait or utcp_epoll_wait) that polls its own contexts; the world
 * only resumes coroutines, in spawn order, each until it waits again.  A
 * coroutine is due when it has not started yet, when a frame waits for the
 * queue it waits on (on any NIC of its host), or when its deadline is due.
 * Once every coroutine has returned, the host's stack goes on as a real
 * host's would after its applications end: the world polls its contexts
 * again, on frames and at their timer deadlines (ARP answered, RSTs sent,
 * closing connections finished), as for a host without coroutines.
 * Coroutines are ucontext contexts (makecontext/swapcontext) on fixed-size
 * mmap'd stacks with a guard page; one thread runs the world and all of
 * them, so the order of everything is fixed.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/sim_int.h"

#define SIM_CORO_STACK (256 * 1024)
#define SIM_SHUTDOWN_RESUMES 8

struct utcp_sim_host *utcp_sim_host_create(struct utcp_sim_world *w, const char *name)
{
	if (w->nb_hosts == w->cap_hosts &&
	    sim_grow((void **)&w->hosts, &w->cap_hosts, sizeof(*w->hosts)) < 0)
		return NULL;
	struct utcp_sim_host *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->world = w;
	h->index = w->nb_hosts;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->wake_at = UTCP_TIME_NEVER;
	w->hosts[w->nb_hosts++] = h;
	return h;
}

const char *utcp_sim_host_name(const struct utcp_sim_host *h)
{
	return h->name;
}

struct utcp_sim_world *utcp_sim_host_world(const struct utcp_sim_host *h)
{
	return h->world;
}

int utcp_sim_host_plug(struct utcp_sim_host *h, const char *port, struct utcp_sim_link *l,
		       int side)
{
	if (h->nb_plugs >= UTCP_MAX_PORTS || (side != 0 && side != 1) || l->world != h->world) {
		errno = EINVAL;
		return -1;
	}
	struct sim_plug *p = &h->plugs[h->nb_plugs++];
	snprintf(p->name, sizeof(p->name), "%s", port);
	p->link = l;
	p->side = side;
	return 0;
}

struct utcp_stack *utcp_sim_host_stack(const struct utcp_sim_host *h)
{
	return h->stack;
}

struct utcp_ctx *utcp_sim_host_ctx(const struct utcp_sim_host *h, int core)
{
	return core >= 0 && core < h->nb_ctx ? h->ctxs[core] : NULL;
}

int utcp_sim_host_nb_ctx(const struct utcp_sim_host *h)
{
	return h->nb_ctx;
}

struct utcp_nic *utcp_sim_host_nic(const struct utcp_sim_host *h, int i)
{
	return i >= 0 && i < h->nb_nics ? &h->nics[i]->nic : NULL;
}

void utcp_sim_host_stats(const struct utcp_sim_host *h, struct utcp_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < h->nb_ctx; i++)
		utcp_stats_add(sum, utcp_ctx_stats(h->ctxs[i]));
}

static void close_stack(struct utcp_sim_host *h)
{
	while (h->nb_ctx > 0)
		utcp_ctx_destroy(h->ctxs[--h->nb_ctx]);
	if (h->stack != NULL)
		utcp_stack_close(h->stack);
	h->stack = NULL;
}

int utcp_sim_host_open_stack(struct utcp_sim_host *h, const struct utcp_config *cfg, char *err,
			     size_t errlen)
{
	if (h->stack != NULL) {
		snprintf(err, errlen, "host %s: stack already open", h->name);
		errno = EBUSY;
		return -1;
	}
	if (cfg->nb_ports != h->nb_nics || cfg->num_cores < 1 || cfg->num_cores > UTCP_MAX_CORES) {
		snprintf(err, errlen, "host %s: %d ports and %d cores configured, %d sim NICs",
			 h->name, cfg->nb_ports, cfg->num_cores, h->nb_nics);
		errno = EINVAL;
		return -1;
	}
	struct utcp_nic *nics[UTCP_MAX_PORTS];
	for (int i = 0; i < h->nb_nics; i++) {
		/* A queue no context reads would hold its frames forever. */
		if (h->nics[i]->nb_queues != cfg->num_cores) {
			snprintf(err, errlen, "host %s: NIC %s has %u queues, num_cores is %d",
				 h->name, h->nics[i]->nic.name, h->nics[i]->nb_queues,
				 cfg->num_cores);
			errno = EINVAL;
			return -1;
		}
		nics[i] = &h->nics[i]->nic;
	}
	struct utcp_sim_world *prev_w = utcp_sim_world_current();
	struct utcp_sim_host *prev_h = sim_current_host();
	utcp_sim_world_set_current(h->world, h);
	h->stack = utcp_stack_open_nics(cfg, nics, h->nb_nics, err, errlen);
	for (int c = 0; h->stack != NULL && c < cfg->num_cores; c++) {
		struct utcp_ctx *ctx = utcp_ctx_create(h->stack, c);
		if (ctx == NULL) {
			snprintf(err, errlen, "host %s: context for core %d: %s", h->name, c,
				 strerror(errno));
			close_stack(h);
			break;
		}
		h->ctxs[h->nb_ctx++] = ctx;
	}
	utcp_sim_world_set_current(prev_w, prev_h);
	return h->stack != NULL ? 0 : -1;
}

void utcp_sim_host_set_step(struct utcp_sim_host *h, utcp_sim_step_fn fn, void *arg)
{
	h->step = fn;
	h->step_arg = arg;
}

void utcp_sim_host_wake_at(struct utcp_sim_host *h, utcp_time_t t)
{
	if (t < h->wake_at)
		h->wake_at = t;
}

/* ---- coroutines ---------------------------------------------------------- */

static utcp_time_t coro_next(const struct sim_coro *c, utcp_time_t now)
{
	if (c->done || c->abandoned)
		return UTCP_TIME_NEVER;
	if (!c->started || sim_coro_rx_ready(c))
		return now;
	return c->wake;
}

static void coro_entry(unsigned lo, unsigned hi)
{
	struct sim_coro *c = (struct sim_coro *)(((uintptr_t)hi << 32) | (uintptr_t)lo);
	c->ret = c->fn(c->arg);
	c->done = 1;
	/* returning switches to uc_link: the world's context */
}

static void coro_free_stack(struct sim_coro *c)
{
	if (c->stack != NULL)
		munmap(c->stack, c->map_len);
	c->stack = NULL;
}

static void coro_resume(struct utcp_sim_world *w, struct sim_coro *c)
{
	c->started = 1;
	w->running = c;
	swapcontext(&w->sched, &c->uc);
	w->running = NULL;
	if (c->done)
		coro_free_stack(c); /* we are back on the world's stack */
}

/* The coroutine's context: entry point coro_entry(c) on c's stack, and back
 * to the world's context when it returns.  Only c's fields are used after
 * getcontext(), which returns twice. */
static int coro_context(struct sim_coro *c, struct utcp_sim_world *w, size_t page)
{
	if (getcontext(&c->uc) != 0)
		return -1;
	c->uc.uc_stack.ss_sp = (char *)c->stack + page; /* the guard page stays below */
	c->uc.uc_stack.ss_size = c->map_len - page;
	c->uc.uc_link = &w->sched;
	uintptr_t p = (uintptr_t)c;
	makecontext(&c->uc, (void (*)(void))coro_entry, 2, (unsigned)(p & 0xffffffffu),
		    (unsigned)(p >> 32));
	return 0;
}

int utcp_sim_host_spawn(struct utcp_sim_host *h, utcp_sim_coro_fn fn, void *arg,
			size_t stack_size)
{
	if (h->nb_coros == h->cap_coros &&
	    sim_grow((void **)&h->coros, &h->cap_coros, sizeof(*h->coros)) < 0)
		return -1;
	struct sim_coro *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -1;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = stack_size ? stack_size : SIM_CORO_STACK;
	c->map_len = ((size + page - 1) & ~(page - 1)) + page;
	c->stack = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (c->stack == MAP_FAILED || mprotect(c->stack, page, PROT_NONE) != 0 ||
	    coro_context(c, h->world, page) != 0) {
		if (c->stack != MAP_FAILED)
			munmap(c->stack, c->map_len);
		free(c);
		errno = ENOMEM;
		return -1;
	}
	c->host = h;
	c->index = h->nb_coros;
	c->fn = fn;
	c->arg = arg;
	h->coros[h->nb_coros++] = c;
	return c->index;
}

int utcp_sim_host_coro_done(const struct utcp_sim_host *h, int i, int *ret)
{
	if (i < 0 || i >= h->nb_coros || !h->coros[i]->done)
		return 0;
	if (ret != NULL)
		*ret = h->coros[i]->ret;
	return 1;
}

int utcp_sim_host_coros_done(const struct utcp_sim_host *h)
{
	for (int i = 0; i < h->nb_coros; i++)
		if (!h->coros[i]->done)
			return 0;
	return 1;
}

struct utcp_sim_host *utcp_sim_current_host(void)
{
	struct utcp_sim_world *w = utcp_sim_world_current();
	return w != NULL && w->running != NULL ? w->running->host : NULL;
}

int utcp_sim_sleep_until(utcp_time_t t)
{
	struct utcp_sim_world *w = utcp_sim_world_current();
	if (w == NULL || w->running == NULL) {
		errno = EPERM;
		return -1;
	}
	return sim_coro_block(w, w->running, NULL, 0, t);
}

/* ---- the world's view ------------------------------------------------------ */

/* 1 while a coroutine has yet to return: it drives the contexts itself. */
static int coros_live(const struct utcp_sim_host *h)
{
	for (int i = 0; i < h->nb_coros; i++)
		if (!h->coros[i]->done && !h->coros[i]->abandoned)
			return 1;
	return 0;
}

static int host_any_rx(const struct utcp_sim_host *h)
{
	for (int i = 0; i < h->nb_nics; i++)
		if (sim_nic_any_rx(h->nics[i]))
			return 1;
	return 0;
}

utcp_time_t sim_host_next(struct utcp_sim_host *h)
{
	utcp_time_t now = h->world->now;
	utcp_time_t t = h->step != NULL ? h->wake_at : UTCP_TIME_NEVER;
	if (coros_live(h)) {
		for (int i = 0; i < h->nb_coros && t > now; i++) {
			utcp_time_t ct = coro_next(h->coros[i], now);
			if (ct < t)
				t = ct;
		}
		return t;
	}
	if ((h->nb_ctx > 0 || h->step != NULL) && host_any_rx(h))
		return now;
	for (int i = 0; i < h->nb_ctx; i++) {
		utcp_time_t ct = utcp_ctx_next_deadline(h->ctxs[i]);
		if (ct < t)
			t = ct;
	}
	return t;
}

static void run_step(struct utcp_sim_host *h, int poll)
{
	utcp_time_t now = h->world->now;
	if (h->wake_at <= now)
		h->wake_at = UTCP_TIME_NEVER;
	h->step(h, h->step_arg, now);
	for (int i = 0; poll && i < h->nb_ctx; i++)
		utcp_ctx_poll(h->ctxs[i]);
}

void sim_host_run(struct utcp_sim_host *h)
{
	struct utcp_sim_world *w = h->world;
	if (!coros_live(h)) {
		for (int i = 0; i < h->nb_ctx; i++)
			utcp_ctx_poll(h->ctxs[i]);
		if (h->step != NULL)
			run_step(h, 1);
		return;
	}
	if (h->step != NULL)
		run_step(h, 0);
	int nb = h->nb_coros; /* one spawned meanwhile starts next step */
	for (int i = 0; i < nb; i++) {
		struct sim_coro *c = h->coros[i];
		if (coro_next(c, w->now) <= w->now)
			coro_resume(w, c);
	}
}

void sim_host_shutdown(struct utcp_sim_host *h, FILE *f)
{
	struct utcp_sim_world *w = h->world;
	/* Waits now fail with ESHUTDOWN: give each coroutine a few chances to
	 * leave its loop and clean up. */
	for (int i = 0; i < h->nb_coros; i++) {
		struct sim_coro *c = h->coros[i];
		for (int k = 0; c->started && !c->done && k < SIM_SHUTDOWN_RESUMES; k++)
			coro_resume(w, c);
		if (!c->done && !c->abandoned) {
			c->abandoned = 1;
			if (c->started && f != NULL)
				fprintf(f, "host %s: coroutine %d did not return at shutdown\n",
					h->name, i);
		}
	}
	close_stack(h);
	for (int i = 0; i < h->nb_nics; i++)
		utcp_nic_close(&h->nics[i]->nic);
}

void sim_host_destroy(struct utcp_sim_host *h)
{
	for (int i = 0; i < h->nb_coros; i++) {
		coro_free_stack(h->coros[i]);
		free(h->coros[i]);
	}
	free(h->coros);
	free(h);
}

/* ---- `io = sim` through the backend registry ------------------------------ */

/* A sim NIC on the current host, plugged into the link that host has for
 * the port (utcp_sim_host_plug), if any. */
struct utcp_nic *utcp_sim_nic_open_cfg(const struct utcp_config *cfg,
				       const struct utcp_port_config *port, uint16_t nb_queues,
				       char *err, size_t errlen)
{
	struct utcp_sim_world *w = utcp_sim_world_current();
	if (w == NULL) {
		snprintf(err, errlen, "io = sim: no simulated world to attach port %s to (sim "
			 "NICs live in a world made by the simulator, e.g. tools/utcp-sim)",
			 port->name);
		errno = ENODEV;
		return NULL;
	}
	struct utcp_sim_host *h = sim_current_host();
	uint32_t bufs = cfg->max_pkt_buffers > 0 ? (uint32_t)cfg->max_pkt_buffers
						 : SIM_DEFAULT_BUFS;
	uint32_t ring = cfg->num_rx_desc > 0 ? (uint32_t)cfg->num_rx_desc : 0;
	struct utcp_nic *nic = utcp_sim_nic_create(w, h, port->name, nb_queues, bufs, ring,
						   port->has_mac ? port->mac : NULL, err, errlen);
	if (nic == NULL || h == NULL)
		return nic;
	for (int i = 0; i < h->nb_plugs; i++) {
		struct sim_plug *pl = &h->plugs[i];
		if (strcmp(pl->name, port->name) != 0)
			continue;
		if (utcp_sim_link_attach(pl->link, pl->side, nic) < 0) {
			snprintf(err, errlen, "io = sim: port %s: link side %d is taken",
				 port->name, pl->side);
			utcp_nic_close(nic);
			return NULL;
		}
		break;
	}
	return nic;
}
