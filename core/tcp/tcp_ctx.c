/*
 * core/tcp/tcp_ctx.c - the per-context TCP state: creation and teardown.
 *
 * Call order: utcp_tcp_ctx_init (context creation) -> everything else in
 * core/tcp -> utcp_tcp_ctx_destroy.
 *
 * What lives where: the flow and listener tables in tcp_flow.c, local
 * ports in tcp_port.c, ISNs and timestamp offsets in tcp_isn.c, TCBs and
 * the TIME-WAIT FIFO in tcp_tcb.c, TIME-WAIT records in tcp_timewait.c,
 * buffers in tcp_buf.c, the output list in tcp_output.c.  All of it is
 * allocated here, once (the records' pool and table by tcp_tw_init): lazy
 * pools (objects touched only when first handed out, so a large
 * max_num_buffers costs address space, not resident memory) and the hash
 * tables.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/tcp/tcp.h"

#define TCP_LIS_BUCKETS 256

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;
	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

static int tcp_ctx_alloc_tables(struct utcp_ctx *ctx, struct utcp_tcp_ctx *t)
{
	const struct utcp_config *cfg = ctx->cfg;
	uint32_t nconn = cfg->max_concurrency > 0 ? (uint32_t)cfg->max_concurrency : 1024;
	uint32_t nbuf = cfg->max_num_buffers > 0 ? (uint32_t)cfg->max_num_buffers : nconn;
	t->rcvbuf = cfg->rcvbuf >= 64 ? (uint32_t)cfg->rcvbuf : 8192;
	t->sndbuf = cfg->sndbuf >= 64 ? (uint32_t)cfg->sndbuf : 8192;
	/* Lazy pools: a large max_num_buffers costs address space, not memory. */
	if (utcp_pool_init_lazy(&t->tcb_pool, "tcb", sizeof(struct utcp_tcb), nconn) < 0 ||
	    utcp_pool_init_lazy(&t->lis_pool, "listener", sizeof(struct tcp_listener), nconn) < 0 ||
	    utcp_pool_init_lazy(&t->rcvbuf_pool, "rcvbuf", t->rcvbuf, nbuf) < 0 ||
	    utcp_pool_init_lazy(&t->ooo_pool, "ooo",
				tcp_ooo_room(t->rcvbuf) * sizeof(struct tcp_sack_block), nbuf) < 0 ||
	    utcp_pool_init_lazy(&t->sndbuf_pool, "sndbuf", t->sndbuf, nbuf) < 0 ||
	    utcp_pool_init_lazy(&t->sndx_pool, "sndx", sizeof(struct tcp_sndx), nbuf) < 0)
		return -1;
	t->flow_mask = pow2_at_least(nconn) - 1;
	t->flows = calloc((size_t)t->flow_mask + 1, sizeof(*t->flows));
	t->lis_mask = TCP_LIS_BUCKETS - 1;
	t->lis_hash = calloc(TCP_LIS_BUCKETS, sizeof(*t->lis_hash));
	t->ports = calloc(65536, sizeof(*t->ports));
	if (t->flows == NULL || t->lis_hash == NULL || t->ports == NULL)
		return -1;
	return tcp_tw_init(ctx, t);
}

static void tcp_ctx_free_tables(struct utcp_tcp_ctx *t)
{
	free(t->flows);
	free(t->lis_hash);
	free(t->ports);
	free(t->twr_hash);
	free(t->twr6);
	utcp_pool_destroy(&t->twr_pool);
	utcp_pool_destroy(&t->tcb_pool);
	utcp_pool_destroy(&t->lis_pool);
	utcp_pool_destroy(&t->rcvbuf_pool);
	utcp_pool_destroy(&t->ooo_pool);
	utcp_pool_destroy(&t->sndbuf_pool);
	utcp_pool_destroy(&t->sndx_pool);
}

/* The SYN options offered and the retry limits (utcp.conf(5)); a zero
 * retry count is unset (the RFC 1122 §4.2.3.5 defaults). */
static void tcp_ctx_options(struct utcp_tcp_ctx *t, const struct utcp_config *cfg)
{
	t->no_ts = cfg->tcp_timestamps == 0;
	t->no_sack = cfg->tcp_sack == 0;
	t->no_ws = cfg->tcp_window_scaling == 0;
	t->wscale = (uint8_t)(cfg->tcp_wscale > 0 && cfg->tcp_wscale <= TCP_MAX_WSCALE
				      ? cfg->tcp_wscale : 0);
	t->syn_retries = (uint8_t)(cfg->tcp_syn_retries > 0 ? cfg->tcp_syn_retries
							      : TCP_SYN_RETRIES);
	t->retries2 = (uint8_t)(cfg->tcp_retries2 > 0 ? cfg->tcp_retries2 : TCP_DATA_RETRIES);
	t->ecn = (uint8_t)cfg->tcp_ecn; /* 0, 1, 2 (RFC 3168; Linux's values) */
	t->pacing = cfg->tcp_pacing != 0;
	t->pacing_ss_ratio = (uint16_t)(cfg->tcp_pacing_ss_ratio > 0 ? cfg->tcp_pacing_ss_ratio : 200);
	t->pacing_ca_ratio = (uint16_t)(cfg->tcp_pacing_ca_ratio > 0 ? cfg->tcp_pacing_ca_ratio : 120);
}

int utcp_tcp_ctx_init(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (tcp_ctx_alloc_tables(ctx, t) < 0) {
		tcp_ctx_free_tables(t);
		free(t);
		errno = ENOMEM;
		return -1;
	}
	t->hash_seed = (uint32_t)utcp_prng_next(&ctx->prng);
	utcp_prng_fill(&ctx->prng, t->isn_key, sizeof(t->isn_key));
	int rto_min = ctx->cfg->tcp_rto_min, delack = ctx->cfg->tcp_delack; /* 0: unset */
	t->rto_min = rto_min > 0 ? (utcp_time_t)rto_min * UTCP_NSEC_PER_MSEC : TCP_RTO_MIN;
	t->delack = delack > 0 ? (utcp_time_t)delack * UTCP_NSEC_PER_MSEC : TCP_DELACK;
	t->abc_shift = ctx->cfg->tcp_abc == 2;
	t->abc_nolimit = ctx->cfg->tcp_abc_nolimit != 0;
	t->prr_safeack = ctx->cfg->tcp_prr_safeack != 0;
	t->rto_min_var = ctx->cfg->tcp_rto_min_var != 0;
	t->pto_cap = ctx->cfg->tcp_pto_cap != 0;
	t->recovery_probe = ctx->cfg->tcp_recovery_probe != 0;
	t->undo = ctx->cfg->tcp_undo != 0;
	t->tlp_again = (uint8_t)ctx->cfg->tcp_tlp_again; /* 0..8 */
	t->mtu_probing = (uint8_t)ctx->cfg->tcp_mtu_probing;
	int base_mss = ctx->cfg->tcp_base_mss > 0 ? ctx->cfg->tcp_base_mss : TCP_BASE_MSS;
	t->base_mss = (uint16_t)(base_mss < TCP_MTU_PROBE_FLOOR ? TCP_MTU_PROBE_FLOOR : base_mss);
	t->rst_ack = ctx->cfg->tcp_rst_ack != 0;
	t->push_each_write = (uint8_t)ctx->cfg->tcp_push_each_write; /* 0, 1, 2 */
	int min_tso = ctx->cfg->tcp_min_tso_segs; /* 0: unset */
	t->min_tso_segs = (uint8_t)(min_tso > 0 ? min_tso : 2);
	t->zwp_empty = ctx->cfg->tcp_zwp_empty != 0;
	t->cubic_md_cwnd = ctx->cfg->tcp_cubic_md_cwnd != 0;
	t->cwnd_limited = ctx->cfg->tcp_cwnd_limited != 0;
	t->wmem = ctx->cfg->tcp_wmem > 0 ? (uint32_t)ctx->cfg->tcp_wmem : 0;
	t->fastopen = (uint8_t)ctx->cfg->tcp_fastopen;
	tcp_ctx_options(t, ctx->cfg);
	t->cc = tcp_cc_find(ctx->cfg->cc);
	if (t->cc == NULL)
		t->cc = &tcp_cc_newreno;
	ctx->tcp = t;
	return 0;
}

/* Tear down without sending anything: every TCB and listener goes back. */
void utcp_tcp_ctx_destroy(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	if (t == NULL)
		return;
	t->quiet = 1;
	if (t->api_destroy != NULL)
		t->api_destroy(ctx);
	for (uint32_t i = 0; i <= t->flow_mask; i++) {
		struct utcp_tcb *tp;
		while ((tp = t->flows[i]) != NULL) {
			tp->sock = NULL;
			tp->flags |= TF_ORPHAN;
			tcp_drop(tp, 0);
		}
	}
	tcp_tw_destroy(ctx);
	tcp_ctx_free_tables(t);
	free(t);
	ctx->tcp = NULL;
}
