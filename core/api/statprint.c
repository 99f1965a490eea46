/*
 * core/api/statprint.c - mTCP's per-second statistics lines, and utcp's
 * own counters, for every program (see include/utcp/statprint.h).
 *
 * Call order: utcp_statprint_create -> per core, from its own thread:
 * utcp_statprint_tick (publish a snapshot each second; core 0 prints the
 * differences to the snapshots it printed last) -> utcp_statprint_destroy.
 *
 * Each core owns one slot; it copies its counters into the slot under the
 * slot's lock once per second.  Only the printer (core 0) reads the other
 * slots, also under their locks, so no counter is ever read while its
 * owner writes it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/statprint.h>

#include "core/io/io.h"

#define SP_WIRE_OVERHEAD 24 /* preamble 8 + CRC 4 + inter-frame gap 12, as mTCP */

struct sp_snap {
	int valid;
	utcp_time_t t;
	uint32_t flows;
	struct utcp_port_stats port[UTCP_MAX_PORTS];
	struct utcp_stats stats;
	struct utcp_sock_usage usage;
	uint64_t pkt_bufs;
};

struct sp_slot {
	pthread_mutex_t lock;
	struct sp_snap snap;        /* published by the core */
	utcp_time_t next;           /* owner's: when to publish again */
} __attribute__((aligned(64)));

struct utcp_statprint {
	const struct utcp_stack *st;
	FILE *out;
	unsigned flags;
	int ports[UTCP_MAX_PORTS];  /* indices named by stat_print */
	int nb_ports;
	int nb_cores;
	struct sp_snap prev[UTCP_MAX_CORES]; /* printer's: what it printed last */
	struct sp_slot slot[UTCP_MAX_CORES];
};

static int port_index(const struct utcp_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nb_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return i;
	return -1;
}

struct utcp_statprint *utcp_statprint_create(const struct utcp_stack *st, FILE *out,
					     unsigned flags)
{
	struct utcp_statprint *sp;
	if (posix_memalign((void **)&sp, 64, sizeof(*sp)) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	memset(sp, 0, sizeof(*sp));
	sp->st = st;
	sp->out = out;
	sp->flags = flags;
	sp->nb_cores = st->cfg.num_cores;
	for (int i = 0; i < st->cfg.nb_stat_print; i++) {
		int p = port_index(&st->cfg, st->cfg.stat_print[i]);
		if (p >= 0 && sp->nb_ports < UTCP_MAX_PORTS)
			sp->ports[sp->nb_ports++] = p;
	}
	for (int c = 0; c < UTCP_MAX_CORES; c++) {
		pthread_mutex_init(&sp->slot[c].lock, NULL);
		sp->slot[c].next = 0;
	}
	return sp;
}

void utcp_statprint_destroy(struct utcp_statprint *sp)
{
	if (sp == NULL)
		return;
	for (int c = 0; c < UTCP_MAX_CORES; c++)
		pthread_mutex_destroy(&sp->slot[c].lock);
	free(sp);
}

int utcp_statprint_enabled(const struct utcp_statprint *sp)
{
	return sp != NULL && (sp->nb_ports > 0 || (sp->flags & UTCP_STATPRINT_ALWAYS));
}

int utcp_statprint_format_port(char *buf, size_t len, int core, const char *port,
			       uint32_t flows, const struct utcp_port_stats *d, utcp_time_t dt)
{
	char who[16];
	double s = dt > 0 ? (double)dt / 1e9 : 1.0;
	double rx_bits = (double)(d->rx_bytes + SP_WIRE_OVERHEAD * d->rx_frames) * 8;
	double tx_bits = (double)(d->tx_bytes + SP_WIRE_OVERHEAD * d->tx_frames) * 8;
	if (core < 0)
		snprintf(who, sizeof(who), " ALL ");
	else
		snprintf(who, sizeof(who), "CPU%2d", core);
	return snprintf(buf, len,
			"[%s] %s flows: %6" PRIu32 ", RX: %7.0f(pps) (err: %5.0f), %5.2f(Gbps), "
			"TX: %7.0f(pps), %5.2f(Gbps)",
			who, port, flows, (double)d->rx_frames / s, (double)d->rx_err / s,
			rx_bits / s / 1e9, (double)d->tx_frames / s, tx_bits / s / 1e9);
}

static void snap_take(struct sp_snap *s, struct utcp_ctx *ctx)
{
	s->valid = 1;
	s->t = utcp_ctx_now(ctx);
	for (int p = 0; p < ctx->stack->nb_nics; p++)
		utcp_ctx_port_stats(ctx, p, &s->port[p]);
	s->stats = ctx->stats;
	utcp_ctx_sock_usage(ctx, &s->usage);
	s->flows = s->usage.tcbs;
	s->pkt_bufs = utcp_ctx_bufs_in_use(ctx);
}

static void port_delta(struct utcp_port_stats *d, const struct utcp_port_stats *a,
		       const struct utcp_port_stats *b)
{
	d->rx_frames = a->rx_frames - b->rx_frames;
	d->rx_bytes = a->rx_bytes - b->rx_bytes;
	d->rx_err = a->rx_err - b->rx_err;
	d->tx_frames = a->tx_frames - b->tx_frames;
	d->tx_bytes = a->tx_bytes - b->tx_bytes;
}

static void port_sum(struct utcp_port_stats *s, const struct utcp_port_stats *d)
{
	s->rx_frames += d->rx_frames;
	s->rx_bytes += d->rx_bytes;
	s->rx_err += d->rx_err;
	s->tx_frames += d->tx_frames;
	s->tx_bytes += d->tx_bytes;
}

/* The per-core and ALL lines of one port. */
static void print_port(struct utcp_statprint *sp, const struct sp_snap *cur, int p)
{
	char line[256];
	const char *name = sp->st->cfg.ports[p].name;
	struct utcp_port_stats all = { 0 };
	uint32_t flows = 0;
	utcp_time_t dt_max = 0;
	for (int c = 0; c < sp->nb_cores; c++) {
		struct utcp_port_stats d = { 0 };
		utcp_time_t dt = 0;
		if (cur[c].valid && sp->prev[c].valid) {
			port_delta(&d, &cur[c].port[p], &sp->prev[c].port[p]);
			dt = cur[c].t - sp->prev[c].t;
		}
		if (dt > dt_max)
			dt_max = dt;
		port_sum(&all, &d);
		flows += cur[c].flows;
		utcp_statprint_format_port(line, sizeof(line), c, name, cur[c].flows, &d,
					   dt ? dt : UTCP_NSEC_PER_SEC);
		fprintf(sp->out, "%s\n", line);
	}
	utcp_statprint_format_port(line, sizeof(line), -1, name, flows, &all,
				   dt_max ? dt_max : UTCP_NSEC_PER_SEC);
	fprintf(sp->out, "%s\n", line);
}

/* utcp's own counters: per-second deltas summed over the cores, and pool use. */
static void print_utcp(struct utcp_statprint *sp, const struct sp_snap *cur)
{
	const struct utcp_config *cfg = &sp->st->cfg;
	struct utcp_stats d = { 0 };
	uint64_t pkt = 0, socks = 0, bufs = 0;
	for (int c = 0; c < sp->nb_cores; c++) {
		if (!cur[c].valid)
			continue;
		for (unsigned i = 0; i < UTCP_STATS_COUNT; i++)
			((uint64_t *)&d)[i] += utcp_stats_get(&cur[c].stats, i) -
					       (sp->prev[c].valid ? utcp_stats_get(&sp->prev[c].stats, i) : 0);
		pkt += cur[c].pkt_bufs;
		socks += cur[c].usage.sockets;
		bufs += cur[c].usage.rcvbufs + cur[c].usage.sndbufs;
	}
	fprintf(sp->out, "[ ALL ] utcp: retransmits: %" PRIu64 ", rto: %" PRIu64
		", fast_recoveries: %" PRIu64 ", drops: %" PRIu64,
		d.tcp_retransmits, d.tcp_rto, d.tcp_fast_recoveries, utcp_stats_drops(&d));
	const char *sep = " (";
	for (unsigned i = 0; i < UTCP_STATS_COUNT; i++) {
		uint64_t v = utcp_stats_get(&d, i);
		if (v == 0 || strncmp(utcp_stats_names[i], "drop_", 5) != 0)
			continue;
		fprintf(sp->out, "%s%s: %" PRIu64, sep, utcp_stats_names[i], v);
		sep = ", ";
	}
	fprintf(sp->out, "%s, pkt_bufs: %" PRIu64 "/%" PRIu64 ", sockets: %" PRIu64 "/%" PRIu64
		", bufs: %" PRIu64 "/%" PRIu64 "\n",
		sep[0] == ',' ? ")" : "", pkt,
		(uint64_t)cfg->max_pkt_buffers * (uint64_t)cfg->nb_ports * (uint64_t)sp->nb_cores,
		socks, (uint64_t)cfg->max_concurrency * (uint64_t)sp->nb_cores, bufs,
		2 * (uint64_t)cfg->max_num_buffers * (uint64_t)sp->nb_cores);
}

/* UDP's counters, when there was UDP traffic in the second: datagrams in
 * and out, those read by no one (each drop reason), port unreachables. */
static void print_udp(struct utcp_statprint *sp, const struct sp_snap *cur)
{
	struct utcp_stats d = { 0 };
	for (int c = 0; c < sp->nb_cores; c++) {
		if (!cur[c].valid)
			continue;
		const struct utcp_stats *a = &cur[c].stats, *b = &sp->prev[c].stats;
		int pv = sp->prev[c].valid;
#define UDP_DELTA(name) d.name += a->name - (pv ? b->name : 0);
		UTCP_STATS_UDP(UDP_DELTA)
#undef UDP_DELTA
	}
	if (d.udp_rx == 0 && d.udp_tx == 0 && d.icmp_unreach_tx == 0)
		return;
	fprintf(sp->out, "[ ALL ] udp: in: %" PRIu64 ", out: %" PRIu64 ", rcvbuf_drops: %" PRIu64
		", cksum_drops: %" PRIu64 ", len_drops: %" PRIu64 ", no_port: %" PRIu64
		", unreach_tx: %" PRIu64 ", ratelimited: %" PRIu64 "\n",
		d.udp_rx, d.udp_tx, d.drop_udp_rcvbuf, d.drop_udp_cksum,
		d.drop_udp_short + d.drop_udp_len, d.drop_udp_no_port, d.icmp_unreach_tx,
		d.icmp_ratelimited);
}

static void print_all(struct utcp_statprint *sp)
{
	struct sp_snap cur[UTCP_MAX_CORES];
	for (int c = 0; c < sp->nb_cores; c++) {
		pthread_mutex_lock(&sp->slot[c].lock);
		cur[c] = sp->slot[c].snap;
		pthread_mutex_unlock(&sp->slot[c].lock);
	}
	for (int i = 0; i < sp->nb_ports; i++)
		print_port(sp, cur, sp->ports[i]);
	if (sp->flags & UTCP_STATPRINT_UTCP) {
		print_utcp(sp, cur);
		print_udp(sp, cur);
	}
	fflush(sp->out);
	memcpy(sp->prev, cur, sizeof(cur[0]) * (size_t)sp->nb_cores);
}

utcp_time_t utcp_statprint_tick(struct utcp_statprint *sp, struct utcp_ctx *ctx)
{
	int core = utcp_ctx_core(ctx);
	struct sp_slot *sl = &sp->slot[core];
	utcp_time_t now = utcp_ctx_now(ctx);
	if (!utcp_statprint_enabled(sp))
		return UTCP_TIME_NEVER;
	if (now < sl->next)
		return sl->next;
	int first = sl->next == 0;
	sl->next = now + UTCP_NSEC_PER_SEC;
	pthread_mutex_lock(&sl->lock);
	snap_take(&sl->snap, ctx);
	pthread_mutex_unlock(&sl->lock);
	if (core == 0) {
		if (first) /* the baseline: the first line covers the first second */
			memset(sp->prev, 0, sizeof(sp->prev));
		else
			print_all(sp);
		if (first)
			for (int c = 0; c < sp->nb_cores; c++) {
				pthread_mutex_lock(&sp->slot[c].lock);
				sp->prev[c] = sp->slot[c].snap;
				pthread_mutex_unlock(&sp->slot[c].lock);
			}
	}
	return sl->next;
}
