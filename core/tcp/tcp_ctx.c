/*
 * core/tcp/tcp_ctx.c - per-context TCP tables: pools, the flow table, the
 * listener table, local port accounting, ISNs and ephemeral ports.
 *
 * Call order: utcp_tcp_ctx_init (context creation) -> lookups and inserts
 * from input and the socket layer -> utcp_tcp_ctx_destroy.
 *
 * The flow table is a power-of-two array of chains keyed by a seeded hash
 * of the 4-tuple: O(1) lookup at load factor <= 1.  Pools are carved from
 * one allocation each; objects are touched only when first handed out, so
 * a large max_num_buffers costs address space, not resident memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/base/hash.h"
#include "core/tcp/tcp.h"

#define TCP_LIS_BUCKETS 256

/* ---- hashing ------------------------------------------------------------ */

static uint32_t tcp_flow_hash(const struct utcp_tcp_ctx *t, uint32_t laddr, uint16_t lport,
			      uint32_t raddr, uint16_t rport)
{
	uint32_t h = utcp_fmix32(t->hash_seed ^ raddr);
	h = utcp_fmix32(h ^ laddr);
	return utcp_fmix32(h ^ (((uint32_t)lport << 16) | rport));
}

/* RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a timer.  RFC 793's 4 us tick assumed 2 Mbit/s links: a connection that
 * moves more than 1 sequence number per 4 us and closes leaves its
 * successor on the same 4-tuple, opened at once, an ISN below the old
 * RCV.NXT, which TIME-WAIT at the peer must refuse (RFC 6191 §2, when the
 * timestamps are equal too).  M ticks every 64 ns, as Linux's: 2^32 ticks
 * are 275 s, still more than an MSL, so M does not wrap within one
 * (RFC 9293 §3.4.1). */
uint32_t tcp_isn(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport, uint32_t raddr,
		 uint16_t rport)
{
	uint8_t in[12];
	memcpy(in, &laddr, 4);
	memcpy(in + 4, &lport, 2);
	memcpy(in + 6, &raddr, 4);
	memcpy(in + 10, &rport, 2);
	uint32_t f = (uint32_t)utcp_siphash(ctx->tcp->isn_key, in, sizeof(in));
	uint32_t m = (uint32_t)(ctx->now >> 6);
	return m + f;
}

/* RFC 7323 §5.4 / RFC 6191 §3: the TSval offset, a keyed hash of the two
 * addresses (as Linux's secure_tcp_ts_off).  Random per connection would
 * hide nothing more, but a new connection on a 4-tuple still in TIME-WAIT
 * at the peer could then carry a smaller TSval than the old one and be
 * refused (RFC 6191 needs timestamps to grow across connections between
 * the same two hosts).  The flows of one 4-tuple always meet the same
 * context (RSS), so the per-context key is enough. */
uint32_t tcp_ts_offset(struct utcp_ctx *ctx, uint32_t laddr, uint32_t raddr)
{
	uint8_t in[9];
	memcpy(in, &laddr, 4);
	memcpy(in + 4, &raddr, 4);
	in[8] = 'T'; /* not the ISN's input */
	return (uint32_t)utcp_siphash(ctx->tcp->isn_key, in, sizeof(in));
}

/* ---- flow table --------------------------------------------------------- */

struct utcp_tcb *tcp_flow_lookup(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport,
				 uint32_t raddr, uint16_t rport)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	uint32_t h = tcp_flow_hash(t, laddr, lport, raddr, rport);
	for (struct utcp_tcb *tp = t->flows[h & t->flow_mask]; tp != NULL; tp = tp->hnext)
		if (tp->hash == h && tp->lport == lport && tp->rport == rport &&
		    tp->laddr == laddr && tp->raddr == raddr)
			return tp;
	return NULL;
}

void tcp_flow_insert(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	tp->hash = tcp_flow_hash(t, tp->laddr, tp->lport, tp->raddr, tp->rport);
	struct utcp_tcb **head = &t->flows[tp->hash & t->flow_mask];
	tp->hnext = *head;
	if (*head != NULL)
		(*head)->hpprev = &tp->hnext;
	*head = tp;
	tp->hpprev = head;
	t->nflows++;
}

void tcp_flow_remove(struct utcp_tcb *tp)
{
	if (tp->hpprev == NULL)
		return;
	*tp->hpprev = tp->hnext;
	if (tp->hnext != NULL)
		tp->hnext->hpprev = tp->hpprev;
	tp->hnext = NULL;
	tp->hpprev = NULL;
	tp->ctx->tcp->nflows--;
}

/* ---- listeners ---------------------------------------------------------- */

static struct tcp_listener **lis_bucket(struct utcp_tcp_ctx *t, uint16_t lport)
{
	return &t->lis_hash[utcp_fmix32(t->hash_seed ^ lport) & t->lis_mask];
}

struct tcp_listener *tcp_listener_find_exact(struct utcp_ctx *ctx, uint32_t laddr,
					     uint16_t lport)
{
	for (struct tcp_listener *l = *lis_bucket(ctx->tcp, lport); l != NULL; l = l->next)
		if (l->lport == lport && l->laddr == laddr)
			return l;
	return NULL;
}

/* A specific address wins over INADDR_ANY. */
struct tcp_listener *tcp_listener_lookup(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport)
{
	struct tcp_listener *l = tcp_listener_find_exact(ctx, laddr, lport);
	return l != NULL ? l : tcp_listener_find_exact(ctx, 0, lport);
}

static int tcp_listener_overlaps(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport)
{
	for (struct tcp_listener *l = *lis_bucket(ctx->tcp, lport); l != NULL; l = l->next)
		if (l->lport == lport && (l->laddr == 0 || laddr == 0 || l->laddr == laddr))
			return 1;
	return 0;
}

struct tcp_listener *tcp_listen(struct utcp_ctx *ctx, const struct tcp_conn_opts *o,
				uint32_t laddr, uint16_t lport, int backlog, void *sock)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	if (tcp_listener_overlaps(ctx, laddr, lport)) {
		errno = EADDRINUSE;
		return NULL;
	}
	struct tcp_listener *l = utcp_pool_get(&t->lis_pool);
	if (l == NULL) {
		ctx->stats.tcp_no_sock_buf++;
		errno = ENOBUFS;
		return NULL;
	}
	memset(l, 0, sizeof(*l));
	l->laddr = laddr;
	l->lport = lport;
	l->backlog = backlog;
	l->sock = sock;
	l->tflags = o->tflags;
	l->user_mss = o->user_mss;
	l->keepidle = o->keepidle;
	l->keepintvl = o->keepintvl;
	l->keepcnt = o->keepcnt;
	l->rcvbuf = o->rcvbuf;
	l->sndbuf = o->sndbuf;
	l->cc = o->cc;
	struct tcp_listener **b = lis_bucket(t, lport);
	l->next = *b;
	*b = l;
	return l;
}

static void tcp_listener_unlink(struct tcp_listener *l, struct utcp_ctx *ctx)
{
	for (struct tcp_listener **pp = lis_bucket(ctx->tcp, l->lport); *pp != NULL;
	     pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			return;
		}
	}
}

/* Closing a listener resets every connection it still holds (Linux
 * inet_csk_listen_stop): nobody will accept them. */
void tcp_listen_close(struct tcp_listener *l)
{
	struct utcp_tcb *tp;
	while ((tp = l->acc_head) != NULL || (tp = l->syn_head) != NULL) {
		tp->flags |= TF_ORPHAN;
		tp->sock = NULL;
		tcp_abort(tp); /* unlinks it from l and frees it */
	}
}

void tcp_listen_free(struct utcp_ctx *ctx, struct tcp_listener *l)
{
	tcp_listen_close(l);
	tcp_listener_unlink(l, ctx);
	utcp_pool_put(&ctx->tcp->lis_pool, l);
}

/* ---- local ports ---------------------------------------------------------- */

void tcp_port_ref(struct utcp_ctx *ctx, uint16_t port, int reuse, int eph)
{
	struct tcp_portinfo *pi = &ctx->tcp->ports[ntohs(port)];
	pi->refs++;
	pi->noreuse += !reuse;
	pi->eph += !!eph;
}

void tcp_port_unref(struct utcp_ctx *ctx, uint16_t port, int reuse, int eph)
{
	struct tcp_portinfo *pi = &ctx->tcp->ports[ntohs(port)];
	pi->refs--;
	pi->noreuse -= !reuse;
	pi->eph -= !!eph;
}

/* bind(2) rule as in Linux: a listener on the port always conflicts;
 * other users conflict unless all of them and the newcomer set SO_REUSEADDR. */
int tcp_port_bindable(struct utcp_ctx *ctx, uint32_t laddr, uint16_t port, int reuse)
{
	const struct tcp_portinfo *pi = &ctx->tcp->ports[ntohs(port)];
	if (tcp_listener_overlaps(ctx, laddr, port))
		return 0;
	if (pi->refs == 0)
		return 1;
	return reuse && pi->noreuse == 0;
}

/* Would a segment from raddr:rport to laddr:lport arrive on our queue?
 * (mTCP's mtcp_init_rss, done per connection.) */
static int tcp_rss_ok(struct utcp_ctx *ctx, int nic_port, uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport)
{
	const struct utcp_nic_caps *caps = &ctx_nic(ctx, nic_port)->caps;
	if (caps->rss != UTCP_RSS_TOEPLITZ || caps->nb_queues <= 1)
		return 1;
	uint32_t h = utcp_rss_hash_v4(caps->rss_key, raddr, laddr, rport, lport);
	return utcp_rss_queue(caps, h) == ctx->queue;
}

/* An ephemeral port for a connection to raddr:rport, starting at a random
 * point of the range and scanning: only ports nobody bound explicitly, a
 * 4-tuple not in use, and return traffic steered to our own queue.
 * Returns 0 if none (EADDRNOTAVAIL). */
uint16_t tcp_ephemeral_port(struct utcp_ctx *ctx, int nic_port, uint32_t laddr, uint32_t raddr,
			    uint16_t rport)
{
	const uint32_t n = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1;
	uint32_t start = (uint32_t)utcp_prng_below(&ctx->prng, n);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t hport = (uint16_t)(TCP_EPHEMERAL_LO + (start + i) % n);
		uint16_t port = htons(hport);
		const struct tcp_portinfo *pi = &ctx->tcp->ports[hport];
		if (pi->refs != pi->eph || tcp_listener_overlaps(ctx, laddr, port))
			continue;
		if (!tcp_rss_ok(ctx, nic_port, laddr, port, raddr, rport))
			continue;
		if (pi->refs != 0 && tcp_flow_lookup(ctx, laddr, port, raddr, rport) != NULL)
			continue;
		return port;
	}
	return 0;
}

int tcp_is_local_addr(const struct utcp_ctx *ctx, uint32_t addr)
{
	for (int i = 0; i < ctx->cfg->nb_ports; i++)
		if (ctx->cfg->ports[i].ip == addr)
			return 1;
	return 0;
}

/* ---- TCBs and buffers ------------------------------------------------------- */

struct utcp_tcb *tcp_tcb_alloc(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	struct utcp_tcb *tp = utcp_pool_get(&t->tcb_pool);
	if (tp == NULL && t->tw_head != NULL) {
		/* Out of TCBs: the oldest TIME-WAIT connection gives way. */
		ctx->stats.tcp_timewait_recycled++;
		tcp_drop(t->tw_head, 0);
		tp = utcp_pool_get(&t->tcb_pool);
	}
	if (tp == NULL) {
		ctx->stats.tcp_no_sock_buf++;
		return NULL;
	}
	memset(tp, 0, sizeof(*tp));
	tp->ctx = ctx;
	return tp;
}

void tcp_tcb_free(struct utcp_tcb *tp)
{
	utcp_pool_put(&tp->ctx->tcp->tcb_pool, tp);
}

/* Pool objects are rounded up to 64 bytes; the buffers use the size asked for. */
uint32_t tcp_clamp_buf(const struct utcp_pool *pool, int want)
{
	uint32_t max = (uint32_t)pool->obj_size;
	uint32_t min = max < TCP_BUF_MIN ? max : TCP_BUF_MIN;
	if (want <= 0 || (uint32_t)want > max)
		return max;
	return (uint32_t)want < min ? min : (uint32_t)want;
}

/* The receive ring comes with its out-of-order range array (tcp_ooo.c);
 * both pools hold max_num_buffers objects. */
int tcp_bufs_alloc(struct utcp_tcb *tp, uint32_t rcvbuf, uint32_t sndbuf)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	uint8_t *r = utcp_pool_get(&t->rcvbuf_pool);
	void *q = r != NULL ? utcp_pool_get(&t->ooo_pool) : NULL;
	uint8_t *s = q != NULL ? utcp_pool_get(&t->sndbuf_pool) : NULL;
	if (s == NULL) {
		if (q != NULL)
			utcp_pool_put(&t->ooo_pool, q);
		if (r != NULL)
			utcp_pool_put(&t->rcvbuf_pool, r);
		tp->ctx->stats.tcp_no_sock_buf++;
		return -1;
	}
	memset(&tp->rcv, 0, sizeof(tp->rcv));
	memset(&tp->snd, 0, sizeof(tp->snd));
	tp->rcv.mem = r;
	tp->rcv.size = t->rcvbuf;
	tp->rcv.cap = tcp_clamp_buf(&t->rcvbuf_pool, (int)rcvbuf);
	tp->rcv.ooo = q;
	tp->rcv.ooo_max = tcp_ooo_room(tp->rcv.size);
	tp->snd.mem = s;
	tp->snd.size = t->sndbuf;
	tp->snd.cap = tcp_clamp_buf(&t->sndbuf_pool, (int)sndbuf);
	return 0;
}

void tcp_bufs_release(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->rcv.mem != NULL)
		utcp_pool_put(&t->rcvbuf_pool, tp->rcv.mem);
	if (tp->rcv.ooo != NULL)
		utcp_pool_put(&t->ooo_pool, tp->rcv.ooo);
	if (tp->snd.mem != NULL)
		utcp_pool_put(&t->sndbuf_pool, tp->snd.mem);
	tp->rcv.mem = NULL;
	tp->rcv.ooo = NULL;
	tp->snd.mem = NULL;
	tp->rcv.len = tp->rcv.nooo = tp->rcv.ooo_max = 0;
	tp->rcv.nhist = 0;
	tp->snd.len = 0;
}

/* ---- output list and TIME-WAIT FIFO --------------------------------------- */

void tcp_output_schedule(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->flags & TF_IN_OUTQ)
		return;
	tp->flags |= TF_IN_OUTQ;
	tp->out_next = NULL;
	tp->out_prev = t->out_tail;
	if (t->out_tail != NULL)
		t->out_tail->out_next = tp;
	else
		t->out_head = tp;
	t->out_tail = tp;
}

void tcp_output_unschedule(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (!(tp->flags & TF_IN_OUTQ))
		return;
	tp->flags &= ~TF_IN_OUTQ;
	if (tp->out_prev != NULL)
		tp->out_prev->out_next = tp->out_next;
	else
		t->out_head = tp->out_next;
	if (tp->out_next != NULL)
		tp->out_next->out_prev = tp->out_prev;
	else
		t->out_tail = tp->out_prev;
	tp->out_next = tp->out_prev = NULL;
}

int utcp_tcp_output(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	int n = 0;
	if (t == NULL)
		return 0;
	/* tcp_output may schedule again (it never does for itself); bound the
	 * walk to what was queued when we started. */
	uint32_t budget = t->tcb_pool.in_use + 1;
	struct utcp_tcb *tp;
	while (budget-- > 0 && (tp = t->out_head) != NULL) {
		tcp_output_unschedule(tp);
		tcp_output(tp);
		n++;
	}
	return n;
}

void tcp_timewait_link(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	tp->tw_next = NULL;
	tp->tw_prev = t->tw_tail;
	if (t->tw_tail != NULL)
		t->tw_tail->tw_next = tp;
	else
		t->tw_head = tp;
	t->tw_tail = tp;
	t->ntimewait++;
}

void tcp_timewait_unlink(struct utcp_tcb *tp)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->tw_prev == NULL && t->tw_head != tp)
		return;
	if (tp->tw_prev != NULL)
		tp->tw_prev->tw_next = tp->tw_next;
	else
		t->tw_head = tp->tw_next;
	if (tp->tw_next != NULL)
		tp->tw_next->tw_prev = tp->tw_prev;
	else
		t->tw_tail = tp->tw_prev;
	tp->tw_next = tp->tw_prev = NULL;
	t->ntimewait--;
}

/* ---- context init / destroy ------------------------------------------------ */

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
	    utcp_pool_init_lazy(&t->sndbuf_pool, "sndbuf", t->sndbuf, nbuf) < 0)
		return -1;
	t->flow_mask = pow2_at_least(nconn) - 1;
	t->flows = calloc((size_t)t->flow_mask + 1, sizeof(*t->flows));
	t->lis_mask = TCP_LIS_BUCKETS - 1;
	t->lis_hash = calloc(TCP_LIS_BUCKETS, sizeof(*t->lis_hash));
	t->ports = calloc(65536, sizeof(*t->ports));
	if (t->flows == NULL || t->lis_hash == NULL || t->ports == NULL)
		return -1;
	return 0;
}

static void tcp_ctx_free_tables(struct utcp_tcp_ctx *t)
{
	free(t->flows);
	free(t->lis_hash);
	free(t->ports);
	utcp_pool_destroy(&t->tcb_pool);
	utcp_pool_destroy(&t->lis_pool);
	utcp_pool_destroy(&t->rcvbuf_pool);
	utcp_pool_destroy(&t->ooo_pool);
	utcp_pool_destroy(&t->sndbuf_pool);
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
	tcp_ctx_free_tables(t);
	free(t);
	ctx->tcp = NULL;
}
