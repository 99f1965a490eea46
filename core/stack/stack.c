/*
 * core/stack/stack.c - stacks (the NICs of a config) and per-core contexts.
 *
 * Call order:
 *   utcp_stack_open | utcp_stack_open_nics (setup/) -> utcp_stack_create
 *   -> utcp_ctx_create (per core)
 *        -> utcp_net_init, utcp_tcp_ctx_init, utcp_udp_ctx_init (each layer's
 *           slot in the context)
 *   -> utcp_ctx_poll | utcp_ctx_wait, round after round:
 *        now = NIC clock -> one rx burst per port -> utcp_eth_input
 *        -> utcp_timer_run -> TCP output -> utcp_tx_flush
 *   -> utcp_ctx_destroy -> utcp_stack_close.

 *
 * The stack reaches its NICs only through the vtable of <utcp/nic.h>;
 * opening them from a config (the backend registry) and choosing the seed
 * when the config has none are setup/'s job: nothing here reads a clock
 * or an entropy source (DESIGN.md §3, tests/determinism.sh).
 * Buffers and transmit batches are core/io's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/err.h"
#include "core/base/hash.h"
#include "core/net/net.h"
#include "core/stack/stack.h"
#include "core/tcp/tcp.h"
#include "core/udp/udp.h"

/* With several ports, utcp_ctx_wait sleeps on port 0 at most this long
 * before looking at the others again. */
#define UTCP_WAIT_SLICE_NS UTCP_NSEC_PER_MSEC

/* ---- stacks ------------------------------------------------------------- */

int utcp_stack_check_config(const struct utcp_config *cfg, char *err, size_t errlen)
{
	if (cfg == NULL || cfg->nb_ports < 1 || cfg->nb_ports > UTCP_MAX_PORTS) {
		utcp_set_err(err, errlen, "need 1 to %d ports", UTCP_MAX_PORTS);
		errno = EINVAL;
		return -1;
	}
	if (cfg->num_cores < 1 || cfg->num_cores > UTCP_MAX_CORES) {
		utcp_set_err(err, errlen, "num_cores %d: need 1 to %d", cfg->num_cores, UTCP_MAX_CORES);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static struct utcp_stack *stack_new(const struct utcp_config *cfg, char *err, size_t errlen)
{
	struct utcp_stack *st;

	if (utcp_stack_check_config(cfg, err, errlen) != 0)
		return NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		utcp_set_err(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	st->cfg = *cfg;
	return st;
}

/* Check the NICs against the config and fix each port's effective MAC. */
static int stack_adopt(struct utcp_stack *st, char *err, size_t errlen)
{
	for (int i = 0; i < st->nb_nics; i++) {
		const struct utcp_port_config *pc = &st->cfg.ports[i];
		const struct utcp_nic *nic = st->nics[i];

		if (nic == NULL || nic->caps.nb_queues < st->cfg.num_cores) {
			utcp_set_err(err, errlen, "port %s: NIC has %u queues, num_cores is %d",
				pc->name, nic ? nic->caps.nb_queues : 0, st->cfg.num_cores);
			errno = EINVAL;
			return -1;
		}
		memcpy(st->macs[i], pc->has_mac ? pc->mac : nic->caps.mac, UTCP_ETH_ALEN);
	}
	return 0;
}

/* On failure the NICs stay the caller's. */
struct utcp_stack *utcp_stack_create(const struct utcp_config *cfg, uint64_t seed,
				     struct utcp_nic **nics, int nb_nics, char *err, size_t errlen)
{
	struct utcp_stack *st = stack_new(cfg, err, errlen);

	if (st == NULL)
		return NULL;
	if (nics == NULL || nb_nics != st->cfg.nb_ports) {
		utcp_set_err(err, errlen, "%d NICs for %d ports", nb_nics, st->cfg.nb_ports);
		free(st);
		errno = EINVAL;
		return NULL;
	}
	st->seed = seed;
	st->nb_nics = nb_nics;
	memcpy(st->nics, nics, sizeof(*nics) * (size_t)nb_nics);
	if (stack_adopt(st, err, errlen) != 0) {
		free(st);
		errno = EINVAL;
		return NULL;
	}
	return st;
}

void utcp_stack_close(struct utcp_stack *st)
{
	if (st == NULL)
		return;
	/* Contexts hold buffers of these NICs: give them back first. */
	for (int c = 0; c < UTCP_MAX_CORES; c++)
		if (st->ctxs[c] != NULL)
			utcp_ctx_destroy(st->ctxs[c]);
	for (int i = 0; i < st->nb_nics; i++)
		if (st->nics[i] != NULL)
			utcp_nic_close(st->nics[i]);
	if (st->hooks != NULL && st->hooks->stack_close != NULL)
		st->hooks->stack_close(st->hooks->arg);
	free(st);
}

void utcp_stack_set_hooks(struct utcp_stack *st, struct utcp_stack_hooks *h)
{
	st->hooks = h;
}

/* A context's tick (struct utcp_stack_hooks), re-armed each time. */
static void stack_tick(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct utcp_ctx *ctx = arg;
	struct utcp_stack_hooks *h = ctx->stack->hooks;

	h->tick(ctx, h->arg);
	utcp_timer_add(&ctx->timers, t, now + h->period);
}

static void stack_hooks_open(struct utcp_ctx *ctx)
{
	struct utcp_stack_hooks *h = ctx->stack->hooks;

	if (h == NULL)
		return;
	if (h->ctx_open != NULL)
		h->ctx_open(ctx, h->arg);
	if (h->tick != NULL) {
		utcp_timer_init(&h->ticks[ctx->core], stack_tick, ctx);
		utcp_timer_add(&ctx->timers, &h->ticks[ctx->core], ctx->now + h->period);
	}
}

static void stack_hooks_close(struct utcp_ctx *ctx)
{
	struct utcp_stack_hooks *h = ctx->stack->hooks;

	if (h == NULL)
		return;
	if (h->tick != NULL)
		utcp_timer_cancel(&ctx->timers, &h->ticks[ctx->core]);
	if (h->ctx_close != NULL)
		h->ctx_close(ctx, h->arg);
}

const struct utcp_config *utcp_stack_config(const struct utcp_stack *st)
{
	return &st->cfg;
}

struct utcp_nic *utcp_stack_nic(const struct utcp_stack *st, int port)
{
	if (st == NULL || port < 0 || port >= st->nb_nics)
		return NULL;
	return st->nics[port];
}

/* ---- contexts ----------------------------------------------------------- */

struct utcp_ctx *utcp_ctx_create(struct utcp_stack *st, int core)
{
	struct utcp_ctx *ctx;
	if (st == NULL || core < 0 || core >= st->cfg.num_cores) {
		errno = EINVAL;
		return NULL;
	}
	if (st->ctxs[core] != NULL) {
		errno = EEXIST;
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ctx->stack = st;
	ctx->cfg = &st->cfg;
	ctx->core = core;
	ctx->queue = (uint16_t)core;
	ctx->now = utcp_nic_now(st->nics[0]);
	utcp_prng_seed(&ctx->prng, st->seed ^ utcp_fmix64((uint64_t)core + 1));
	utcp_timer_wheel_init(&ctx->timers, ctx->now);
	if (utcp_net_init(ctx) != 0) { /* ARP cache, ICMP */
		free(ctx);
		errno = ENOMEM;
		return NULL;
	}
	if (utcp_tcp_ctx_init(ctx) != 0) { /* sockets, flows, listeners */
		utcp_net_destroy(ctx);
		free(ctx);
		errno = ENOMEM;
		return NULL;
	}
	if (utcp_udp_ctx_init(ctx) != 0) { /* datagram endpoints */
		utcp_tcp_ctx_destroy(ctx);
		utcp_net_destroy(ctx);
		free(ctx);
		errno = ENOMEM;
		return NULL;
	}
	utcp_ipv4_set_handler(ctx, UTCP_IPPROTO_TCP, utcp_tcp_input);
	utcp_ipv4_set_error_handler(ctx, UTCP_IPPROTO_TCP, utcp_tcp_icmp_error);
	utcp_ipv6_set_handler(ctx, UTCP_IPPROTO_TCP, utcp_tcp_input6);
	utcp_ipv6_set_error_handler(ctx, UTCP_IPPROTO_TCP, utcp_tcp_icmp6_error);
	utcp_ipv4_set_handler(ctx, UTCP_IPPROTO_UDP, utcp_udp_input);
	utcp_ipv4_set_error_handler(ctx, UTCP_IPPROTO_UDP, utcp_udp_icmp_error);
	utcp_ipv6_set_handler(ctx, UTCP_IPPROTO_UDP, utcp_udp6_input);
	utcp_ipv6_set_error_handler(ctx, UTCP_IPPROTO_UDP, utcp_udp6_icmp_error);
	st->ctxs[core] = ctx;
	stack_hooks_open(ctx); /* setup/'s (the control socket) */
	return ctx;
}

void utcp_ctx_destroy(struct utcp_ctx *ctx)
{
	if (ctx == NULL)
		return;
	stack_hooks_close(ctx);
	utcp_tcp_ctx_destroy(ctx); /* frees sockets, flows, their buffers */
	utcp_udp_ctx_destroy(ctx); /* after the sockets: PCBs, queued datagrams */
	utcp_net_destroy(ctx);
	utcp_tx_flush(ctx); /* what was queued (final RSTs, replies) still leaves */
	ctx->stack->ctxs[ctx->core] = NULL;
	free(ctx);
}

int utcp_ctx_poll(struct utcp_ctx *ctx)
{
	struct utcp_stack *st = ctx->stack;
	struct utcp_pkt *pkts[UTCP_RX_BURST];
	int handled = 0;

	ctx->now = utcp_nic_now(st->nics[0]);
	for (int port = 0; port < st->nb_nics; port++) {
		uint16_t n = utcp_nic_rx_burst(st->nics[port], ctx->queue, pkts, UTCP_RX_BURST);
		struct utcp_port_stats *ps = &ctx->port_stats[port];
		/* Drops are counted per reason for the whole context; with several
		 * ports, those that happen during a port's burst are its rx errors. */
		uint64_t drops = st->nb_nics > 1 && n > 0 ? utcp_stats_drops(&ctx->stats) : 0;
		ctx->bufs_held += n;
		ps->rx_frames += n;
		for (uint16_t i = 0; i < n; i++) {
			pkts[i]->ts = ctx->now;
			ps->rx_bytes += pkts[i]->len;
			utcp_eth_input(ctx, port, pkts[i]);
		}
		if (st->nb_nics > 1 && n > 0)
			ps->rx_err += utcp_stats_drops(&ctx->stats) - drops;
		handled += n;
	}
	handled += utcp_timer_run(&ctx->timers, ctx->now);
	handled += utcp_tcp_output(ctx); /* control, ACKs, data into the tx classes */
	utcp_tx_flush(ctx);
	return handled;
}

utcp_time_t utcp_ctx_next_deadline(const struct utcp_ctx *ctx)
{
	/* The wheel caches its answer, hence the cast; nothing visible changes. */
	return utcp_timer_next((struct utcp_timer_wheel *)&ctx->timers);
}

int utcp_ctx_wait(struct utcp_ctx *ctx, utcp_time_t deadline)
{
	struct utcp_nic *nic = ctx->stack->nics[0];
	utcp_time_t until;
	int n = utcp_ctx_poll(ctx);

	if (n > 0)
		return n;
	until = utcp_ctx_next_deadline(ctx);
	if (deadline < until)
		until = deadline;
	if (until <= ctx->now)
		return 0;
	/* The vtable waits on one queue of one NIC.  With several ports, sleep
	 * on port 0 in short slices so the others are looked at regularly. */
	if (ctx->stack->nb_nics > 1 && until - ctx->now > UTCP_WAIT_SLICE_NS)
		until = ctx->now + UTCP_WAIT_SLICE_NS;
	if (utcp_nic_wait(nic, ctx->queue, until) < 0)
		return -1;
	return utcp_ctx_poll(ctx);
}

/* Any thread: reads only what never changes after utcp_ctx_create. */
int utcp_ctx_wake(struct utcp_ctx *ctx)
{
	return utcp_nic_wake(ctx->stack->nics[0], ctx->queue); /* the NIC ctx_wait sleeps on */
}

/* One port only: with several, no one descriptor tells of every queue. */
int utcp_ctx_poll_fd(const struct utcp_ctx *ctx)
{
	struct utcp_nic *nic = ctx->stack->nics[0];
	int fd = ctx->stack->nb_nics == 1 && nic->ops->poll_fd != NULL
			 ? nic->ops->poll_fd(nic, ctx->queue) : -1;
	if (fd < 0)
		errno = ENOTSUP;
	return fd;
}

utcp_time_t utcp_ctx_now(const struct utcp_ctx *ctx)
{
	return ctx->now;
}

int utcp_ctx_core(const struct utcp_ctx *ctx)
{
	return ctx->core;
}

const struct utcp_config *utcp_ctx_config(const struct utcp_ctx *ctx)
{
	return ctx->cfg;
}

const struct utcp_stats *utcp_ctx_stats(const struct utcp_ctx *ctx)
{
	return &ctx->stats;
}

int utcp_ctx_port_stats(const struct utcp_ctx *ctx, int port, struct utcp_port_stats *ps)
{
	if (port < 0 || port >= ctx->stack->nb_nics) {
		errno = EINVAL;
		return -1;
	}
	*ps = ctx->port_stats[port];
	if (ctx->stack->nb_nics == 1) /* one port: every drop is its rx error */
		ps->rx_err = utcp_stats_drops(&ctx->stats);
	return 0;
}

uint64_t utcp_ctx_bufs_in_use(const struct utcp_ctx *ctx)
{
	return ctx->bufs_held;
}

