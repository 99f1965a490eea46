/*
 * core/api/socktab.c - the context's socket table: ids, allocation, each
 * socket's registration in an epoll instance, and what the calls share:
 * the drive loop of blocking calls, the iovec checks of the data calls.
 *
 * Call order: sock_table(ctx) on first use (it installs sock_notify as TCP's
 * readiness callback) -> sock_alloc / sock_get / sock_free ... ; TCP event
 * (or UDP's, through udp->notify, which udpsock.c installs) -> sock_notify
 * -> the socket joins its epoll instance's ready list ;
 * context teardown -> sock_table_destroy (through TCP's api_destroy hook).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/api/sock.h"

static void sock_table_destroy(struct utcp_ctx *ctx);

struct utcp_socktab *sock_table(struct utcp_ctx *ctx)
{
	struct utcp_tcp_ctx *t = ctx->tcp;
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (t->api != NULL)
		return t->api;
	struct utcp_socktab *tab = calloc(1, sizeof(*tab));
	uint32_t n = ctx->cfg->max_concurrency > 0 ? (uint32_t)ctx->cfg->max_concurrency : 1024;
	if (tab == NULL || (tab->s = calloc(n, sizeof(*tab->s))) == NULL) {
		free(tab);
		errno = ENOMEM;
		return NULL;
	}
	tab->n = n;
	for (uint32_t i = 0; i < n; i++) {
		tab->s[i].id = (int)i;
		tab->s[i].free_next = i + 1 < n ? (int)i + 1 : -1;
	}
	tab->free_head = 0;
	tab->free_tail = (int)n - 1;
	tab->ev_head = -1;
	t->api = tab;
	t->api_destroy = sock_table_destroy;
	t->notify = sock_notify;
	return tab;
}

struct utcp_sock *sock_get_bad(void)
{
	errno = EBADF;
	return NULL;
}
struct utcp_sock *sock_get_notsock(void)
{
	errno = ENOTSOCK;
	return NULL;
}

struct utcp_sock *sock_get_tcp(struct utcp_ctx *ctx, int id)
{
	struct utcp_sock *so = sock_get(ctx, id);
	if (so != NULL && so->type != SOCK_T_TCP) {
		errno = ENOTSOCK;
		return NULL;
	}
	return so;
}

struct utcp_sock *sock_alloc(struct utcp_ctx *ctx, enum sock_type type)
{
	struct utcp_socktab *tab = sock_table(ctx);
	if (tab == NULL)
		return NULL;
	if (tab->free_head < 0) {
		ctx->stats.tcp_no_sock_buf++;
		errno = EMFILE;
		return NULL;
	}
	struct utcp_sock *so = &tab->s[tab->free_head];
	tab->free_head = so->free_next;
	if (tab->free_head < 0)
		tab->free_tail = -1;
	int id = so->id;
	memset(so, 0, sizeof(*so));
	so->id = id;
	so->type = (uint8_t)type;
	so->ep = -1;
	so->rd_next = so->rd_prev = so->rd_head = so->rd_tail = -1;
	so->free_next = -1;
	tab->in_use++;
	return so;
}

/* Freed ids go to the tail: not reused at once. */
void sock_free(struct utcp_ctx *ctx, struct utcp_sock *so)
{
	struct utcp_socktab *tab = ctx->tcp->api;
	so->type = SOCK_T_FREE;
	so->free_next = -1;
	if (tab->free_tail >= 0)
		tab->s[tab->free_tail].free_next = so->id;
	else
		tab->free_head = so->id;
	tab->free_tail = so->id;
	tab->in_use--;
}

void sock_release_port(struct utcp_ctx *ctx, struct utcp_sock *so)
{
	if (so->flags & SF_PORT_REF)
		tcp_port_unref(ctx, so->lport, so->flags & SF_REF_REUSE, 0);
	so->flags &= ~(SF_PORT_REF | SF_REF_REUSE);
}

/* Context teardown: nothing is sent; TCBs are handed back to TCP. */
static void sock_table_destroy(struct utcp_ctx *ctx)
{
	struct utcp_socktab *tab = ctx->tcp->api;
	for (uint32_t i = 0; i < tab->n; i++) {
		struct utcp_sock *so = &tab->s[i];
		if (so->type != SOCK_T_TCP)
			continue;
		if (so->lis != NULL)
			tcp_listen_free(ctx, so->lis);
		if (so->tcb != NULL) {
			struct utcp_tcb *tp = so->tcb;
			tp->sock = NULL;
			tp->flags |= TF_ORPHAN;
			if (tp->state == TCPS_CLOSED) {
				tcp_bufs_release(tp);
				tcp_tcb_free(tp);
			}
		}
		sock_release_port(ctx, so);
	}
	free(tab->s);
	free(tab);
	ctx->tcp->api = NULL;
	ctx->tcp->notify = NULL;
}

void utcp_ctx_sock_usage(const struct utcp_ctx *ctx, struct utcp_sock_usage *u)
{
	memset(u, 0, sizeof(*u));
	const struct utcp_tcp_ctx *t = ctx->tcp;
	if (t == NULL)
		return;
	const struct utcp_socktab *tab = t->api;
	u->sockets = tab != NULL ? tab->in_use : 0;
	u->tcbs = t->tcb_pool.in_use + t->twr_pool.in_use; /* TIME-WAIT records too */
	u->timewait = t->ntimewait;
	u->listeners = t->lis_pool.in_use;
	u->rcvbufs = t->rcvbuf_pool.in_use;
	u->sndbufs = t->sndbuf_pool.in_use;
}

/* Drive the stack (rx, timers, tx, then wait on the NIC) until done(so).
 * 1: done; 0: deadline; -1: the wait failed (errno, e.g. EINTR). */
int sock_drive(struct utcp_ctx *ctx, struct utcp_sock *so, int (*done)(struct utcp_sock *so),
	       utcp_time_t deadline)
{
	utcp_ctx_poll(ctx);
	for (;;) {
		if (done(so))
			return 1;
		if (utcp_ctx_now(ctx) >= deadline)
			return 0;
		if (utcp_ctx_wait(ctx, deadline) < 0)
			return -1;
		utcp_ctx_poll(ctx);
	}
}

#define SOCK_IOV_MAX 1024 /* Linux UIO_MAXIOV */

/* EINVAL / EFAULT checks of readv(2) and writev(2); total bytes in *total. */
int sock_iov_check_all(const struct iovec *iov, int iovcnt, size_t *total)
{
	if (iovcnt < 0 || iovcnt > SOCK_IOV_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (iovcnt > 0 && iov == NULL) {
		errno = EFAULT;
		return -1;
	}
	size_t sum = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_base == NULL && iov[i].iov_len > 0) {
			errno = EFAULT;
			return -1;
		}
		if (iov[i].iov_len > (size_t)SSIZE_MAX - sum) {
			errno = EINVAL;
			return -1;
		}
		sum += iov[i].iov_len;
	}
	*total = sum;
	return 0;
}

/* ---- registration in an epoll instance ---------------------------------- */

void sock_notify(struct utcp_ctx *ctx, void *sock, uint32_t events)
{
	struct utcp_sock *so = sock;
	if (so->ep < 0 || !(events & so->ev_mask & ~EP_PRIVATE))
		return;
	sock_rd_push(ctx, sock_slot(ctx, so->ep), so);
}

void sock_epoll_forget(struct utcp_ctx *ctx, struct utcp_sock *so)
{
	if (so->ep < 0)
		return;
	struct utcp_sock *ep = sock_slot(ctx, so->ep);
	sock_rd_remove(ctx, ep, so);
	ep->nregs--;
	so->ep = -1;
}

void sock_epoll_close(struct utcp_ctx *ctx, struct utcp_sock *ep)
{
	struct utcp_socktab *tab = ctx->tcp->api;
	for (uint32_t i = 0; i < tab->n && ep->nregs > 0; i++)
		if (tab->s[i].type != SOCK_T_FREE && tab->s[i].ep == ep->id)
			sock_epoll_forget(ctx, &tab->s[i]);
}

