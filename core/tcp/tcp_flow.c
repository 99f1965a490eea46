/*
 * core/tcp/tcp_flow.c - the context's flow table (established and
 * handshaking connections by 4-tuple) and listener table (by local port).
 *
 * Call order: utcp_tcp_input -> tcp_flow_lookup, else tcp_listener_lookup;
 * tcp_tcb_new / tcp_drop -> tcp_flow_insert / tcp_flow_remove; the socket
 * layer -> tcp_listen ... tcp_listen_free.
 *
 * The flow table is a power-of-two array of chains keyed by a seeded hash
 * of the 4-tuple (fmix32, core/base/hash.h; the seed is the context's
 * hash_seed): O(1) lookup at load factor <= 1.  Listeners hash on the
 * local port alone; a specific address wins over INADDR_ANY.  IPv6
 * connections share the table under their addresses' keys (tcp_addr6_key):
 * tcp_flow_lookup6 compares the full addresses; a listener says which
 * families it takes (TCP_LIS_*).
 */
#include <errno.h>
#include <string.h>

#include "core/base/hash.h"
#include "core/tcp/tcp.h"

/* ---- flow table --------------------------------------------------------- */

static uint32_t tcp_flow_hash(const struct utcp_tcp_ctx *t, uint32_t laddr, uint16_t lport,
			      uint32_t raddr, uint16_t rport)
{
	uint32_t h = utcp_fmix32(t->hash_seed ^ raddr);
	h = utcp_fmix32(h ^ laddr);
	return utcp_fmix32(h ^ (((uint32_t)lport << 16) | rport));
}

/* The same hash for the TIME-WAIT records' table (tcp_timewait.c). */
uint32_t tcp_tw_hash(const struct utcp_tcp_ctx *t, uint32_t laddr, uint16_t lport, uint32_t raddr,
		     uint16_t rport)
{
	return tcp_flow_hash(t, laddr, lport, raddr, rport);
}

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

/* IPv6: the same chains, keyed on the addresses' keys (tcp_addr6_key);
 * the full addresses decide. */
struct utcp_tcb *tcp_flow_lookup6(struct utcp_ctx *ctx, const struct tcp_addr6 *a,
				  uint32_t lkey, uint16_t lport, uint32_t rkey, uint16_t rport)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	uint32_t h = tcp_flow_hash(t, lkey, lport, rkey, rport);
	for (struct utcp_tcb *tp = t->flows[h & t->flow_mask]; tp != NULL; tp = tp->hnext)
		if (tp->hash == h && tp->is6 && tp->lport == lport && tp->rport == rport &&
		    utcp_in6_eq(&tp->a6.laddr, &a->laddr) && utcp_in6_eq(&tp->a6.raddr, &a->raddr))
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
		if (l->lport == lport && l->laddr == laddr && (l->fam & TCP_LIS_V4))
			return l;
	return NULL;
}

static struct tcp_listener *tcp_listener_find6(struct utcp_ctx *ctx, const struct utcp_in6 *laddr,
					       uint32_t lkey, uint16_t lport)
{
	for (struct tcp_listener *l = *lis_bucket(ctx->tcp, lport); l != NULL; l = l->next)
		if (l->lport == lport && l->laddr == lkey && (l->fam & TCP_LIS_V6) &&
		    (lkey == 0 || utcp_in6_eq(&l->laddr6, laddr)))
			return l;
	return NULL;
}

/* IPv6: a listener on laddr wins over one on :: (IPV6_V6ONLY or not). */
struct tcp_listener *tcp_listener_lookup6(struct utcp_ctx *ctx, const struct utcp_in6 *laddr,
					  uint32_t lkey, uint16_t lport)
{
	struct tcp_listener *l = tcp_listener_find6(ctx, laddr, lkey, lport);
	return l != NULL ? l : tcp_listener_find6(ctx, laddr, 0, lport);
}

/* A specific address wins over INADDR_ANY. */
struct tcp_listener *tcp_listener_lookup(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport)
{
	struct tcp_listener *l = tcp_listener_find_exact(ctx, laddr, lport);
	return l != NULL ? l : tcp_listener_find_exact(ctx, 0, lport);
}

/* laddr an IPv4 address or an IPv6 one's key: a wildcard meets every
 * listener on the port, whatever its family (as bind(2) on Linux, short of
 * IPV6_V6ONLY's exception); equal keys of two IPv6 addresses are taken for
 * a clash (a false one once in 2^24). */
int tcp_listener_overlaps(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport)
{
	for (struct tcp_listener *l = *lis_bucket(ctx->tcp, lport); l != NULL; l = l->next)
		if (l->lport == lport && (l->laddr == 0 || laddr == 0 || l->laddr == laddr))
			return 1;
	return 0;
}

static struct tcp_listener *tcp_listen_fam(struct utcp_ctx *ctx, const struct tcp_conn_opts *o,
					   uint32_t laddr, uint16_t lport, int backlog, void *sock,
					   uint8_t fam)
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
	l->fam = fam;
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

struct tcp_listener *tcp_listen(struct utcp_ctx *ctx, const struct tcp_conn_opts *o,
				uint32_t laddr, uint16_t lport, int backlog, void *sock)
{
	return tcp_listen_fam(ctx, o, laddr, lport, backlog, sock, TCP_LIS_V4);
}

/* RFC 4291 §2.5.5.2 / RFC 3493 §3.7 as Linux: an AF_INET6 listener on ::
 * takes IPv4 segments too (as ::ffff:a.b.c.d) unless IPV6_V6ONLY; on an
 * IPv4-mapped address, IPv4 ones only. */
struct tcp_listener *tcp_listen6(struct utcp_ctx *ctx, const struct tcp_conn_opts *o,
				 const struct utcp_in6 *laddr, int v6only, uint16_t lport,
				 int backlog, void *sock)
{
	struct tcp_listener *l;
	if (utcp_in6_is_v4mapped(laddr)) {
		uint32_t v4;
		memcpy(&v4, laddr->b + 12, 4);
		return v6only ? (errno = EADDRNOTAVAIL, NULL)
			      : tcp_listen_fam(ctx, o, v4, lport, backlog, sock, TCP_LIS_V4);
	}
	uint8_t fam = TCP_LIS_V6;
	if (utcp_in6_is_unspec(laddr) && !v6only)
		fam |= TCP_LIS_V4;
	l = tcp_listen_fam(ctx, o, tcp_addr6_key(ctx, laddr), lport, backlog, sock, fam);
	if (l != NULL)
		l->laddr6 = *laddr;
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
