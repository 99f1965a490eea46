/*
 * core/api/ctx.c - stacks (the NICs of a config) and per-core contexts.
 *
 * Call order:
 *   utcp_stack_open | utcp_stack_open_nics -> utcp_ctx_create (per core)
 *   -> utcp_ctx_poll | utcp_ctx_wait, round after round:
 *        now = NIC clock -> one rx burst per port -> utcp_eth_input
 *        -> utcp_timer_run -> TCP output -> utcp_tx_flush
 *   -> utcp_ctx_destroy -> utcp_stack_close.
 *
 * Transmit batching (mTCP's order): every layer enqueues complete frames in
 * one of three classes per port; utcp_tx_flush hands each port's CTRL, then
 * ACK, then DATA frames to the NIC in one tx_burst.  Frames the NIC refuses
 * (ring full) are freed and counted as tx_full; TCP recovers them as loss.
 *
 * Buffer accounting: every buffer the context takes from a NIC (alloc or
 * rx_burst) adds one to ctx->bufs_held, every buffer it gives back (free, or
 * accepted by tx_burst) subtracts one.  All of core/ allocates and frees
 * through utcp_ctx_alloc / utcp_ctx_free, so utcp_ctx_bufs_in_use() is exact
 * and a test can assert that nothing leaked.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/net/net.h"
#include "core/tcp/tcp.h"
#include "core/base/hash.h"

/* With several ports, utcp_ctx_wait sleeps on port 0 at most this long
 * before looking at the others again. */
#define UTCP_WAIT_SLICE_NS UTCP_NSEC_PER_MSEC

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- stacks ------------------------------------------------------------- */

static struct utcp_stack *stack_new(const struct utcp_config *cfg, char *err, size_t errlen)
{
	struct utcp_stack *st;

	if (cfg == NULL || cfg->nb_ports < 1 || cfg->nb_ports > UTCP_MAX_PORTS) {
		set_err(err, errlen, "need 1 to %d ports", UTCP_MAX_PORTS);
		errno = EINVAL;
		return NULL;
	}
	if (cfg->num_cores < 1 || cfg->num_cores > UTCP_MAX_CORES) {
		set_err(err, errlen, "num_cores %d: need 1 to %d", cfg->num_cores, UTCP_MAX_CORES);
		errno = EINVAL;
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		set_err(err, errlen, "out of memory");
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
			set_err(err, errlen, "port %s: NIC has %u queues, num_cores is %d",
				pc->name, nic ? nic->caps.nb_queues : 0, st->cfg.num_cores);
			errno = EINVAL;
			return -1;
		}
		memcpy(st->macs[i], pc->has_mac ? pc->mac : nic->caps.mac, UTCP_ETH_ALEN);
	}
	return 0;
}

struct utcp_stack *utcp_stack_open(const struct utcp_config *cfg, char *err, size_t errlen)
{
	struct utcp_stack *st = stack_new(cfg, err, errlen);

	if (st == NULL)
		return NULL;
	for (int i = 0; i < st->cfg.nb_ports; i++) {
		st->nics[i] = utcp_nic_open(&st->cfg, &st->cfg.ports[i],
					    (uint16_t)st->cfg.num_cores, err, errlen);
		if (st->nics[i] == NULL) {
			int e = errno ? errno : EIO;
			utcp_stack_close(st);
			errno = e;
			return NULL;
		}
		st->nb_nics = i + 1;
	}
	if (stack_adopt(st, err, errlen) != 0) {
		utcp_stack_close(st);
		errno = EINVAL;
		return NULL;
	}
	return st;
}

/* On failure the NICs stay the caller's. */
struct utcp_stack *utcp_stack_open_nics(const struct utcp_config *cfg, struct utcp_nic **nics,
					int nb_nics, char *err, size_t errlen)
{
	struct utcp_stack *st = stack_new(cfg, err, errlen);

	if (st == NULL)
		return NULL;
	if (nics == NULL || nb_nics != st->cfg.nb_ports) {
		set_err(err, errlen, "%d NICs for %d ports", nb_nics, st->cfg.nb_ports);
		free(st);
		errno = EINVAL;
		return NULL;
	}
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
	free(st);
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
	uint64_t seed;

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
	seed = st->cfg.has_seed ? st->cfg.seed : utcp_nic_entropy_seed();
	utcp_prng_seed(&ctx->prng, seed ^ utcp_fmix64((uint64_t)core + 1));
	ctx->ip_id = (uint16_t)utcp_prng_next(&ctx->prng);
	utcp_timer_wheel_init(&ctx->timers, ctx->now);
	utcp_arp_init(ctx);
	if (utcp_tcp_ctx_init(ctx) != 0) { /* sockets, flows, listeners */
		utcp_arp_destroy(ctx);
		free(ctx);
		errno = ENOMEM;
		return NULL;
	}
	st->ctxs[core] = ctx;
	return ctx;
}

void utcp_ctx_destroy(struct utcp_ctx *ctx)
{
	if (ctx == NULL)
		return;
	utcp_tcp_ctx_destroy(ctx); /* frees sockets, flows, their buffers */
	utcp_arp_destroy(ctx);
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

/* ---- buffers and transmit batches --------------------------------------- */

struct utcp_pkt *utcp_ctx_alloc(struct utcp_ctx *ctx, int port)
{
	struct utcp_pkt *pkt = utcp_nic_alloc(ctx_nic(ctx, port), ctx->queue);

	if (pkt == NULL) {
		ctx->stats.drop_no_buf++;
		return NULL;
	}
	pkt->queue = ctx->queue;
	ctx->bufs_held++;
	return pkt;
}

void utcp_ctx_free(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt)
{
	utcp_nic_free(ctx_nic(ctx, port), pkt);
	ctx->bufs_held--;
}

/* One burst for one port: CTRL, then ACK, then DATA. */
static void tx_flush_port(struct utcp_ctx *ctx, int port)
{
	struct utcp_txq *q = &ctx->txq[port];
	struct utcp_pkt *burst[UTCP_TX_NCLASS * UTCP_TX_BATCH];
	uint16_t lens[UTCP_TX_NCLASS * UTCP_TX_BATCH];
	uint16_t n = 0, sent = 0;

	for (int cls = 0; cls < UTCP_TX_NCLASS; cls++) {
		for (uint16_t i = 0; i < q->n[cls]; i++) {
			lens[n] = q->pkts[cls][i]->len;
			burst[n++] = q->pkts[cls][i];
		}
		q->n[cls] = 0;
	}
	/* Normally one call; a NIC that takes a burst in parts is asked again
	 * until it takes nothing. */
	while (sent < n) {
		uint16_t r = utcp_nic_tx_burst(ctx_nic(ctx, port), ctx->queue, burst + sent,
					       (uint16_t)(n - sent));
		if (r == 0)
			break;
		for (uint16_t i = sent; i < sent + r; i++)
			ctx->stats.tx_bytes += lens[i];
		sent = (uint16_t)(sent + r);
	}
	ctx->stats.tx_frames += sent;
	ctx->port_stats[port].tx_frames += sent;
	for (uint16_t i = 0; i < sent; i++)
		ctx->port_stats[port].tx_bytes += lens[i];
	ctx->bufs_held -= sent;
	for (uint16_t i = sent; i < n; i++) {
		ctx->stats.tx_full++;
		utcp_ctx_free(ctx, port, burst[i]);
	}
}

void utcp_tx_enqueue(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt, enum utcp_tx_class cls)
{
	struct utcp_txq *q = &ctx->txq[port];

	if (q->n[cls] == UTCP_TX_BATCH)
		tx_flush_port(ctx, port);
	pkt->queue = ctx->queue;
	q->pkts[cls][q->n[cls]++] = pkt;
}

void utcp_tx_flush(struct utcp_ctx *ctx)
{
	for (int port = 0; port < ctx->stack->nb_nics; port++) {
		const struct utcp_txq *q = &ctx->txq[port];
		if (q->n[UTCP_TX_CTRL] | q->n[UTCP_TX_ACK] | q->n[UTCP_TX_DATA])
			tx_flush_port(ctx, port);
	}
}

/* ---- ping --------------------------------------------------------------- */

void utcp_ctx_set_echo_handler(struct utcp_ctx *ctx, utcp_echo_handler fn, void *arg)
{
	ctx->echo_fn = fn;
	ctx->echo_arg = arg;
}

int utcp_ping(struct utcp_ctx *ctx, uint32_t dst, uint16_t id, uint16_t seq, const void *payload,
	      size_t len)
{
	if (payload == NULL && len > 0) {
		errno = EFAULT;
		return -1;
	}
	return utcp_icmp_echo_output(ctx, 0, dst, 8 /* RFC 792 echo request */, id, seq, payload,
				     len);
}
