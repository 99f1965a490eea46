/*
 * core/api/epoll.c - epoll instances over the context's sockets, with
 * Linux's level- and edge-triggered semantics.
 *
 * Call order: utcp_epoll_create -> utcp_epoll_ctl(ADD/MOD/DEL) ->
 * loop utcp_epoll_wait (drives the stack: poll, wake-up sockets signalled
 * by other threads (eventfd.c), collect, wait on the NIC until the deadline
 * or a wake-up) -> utcp_close(ep).
 *
 * Each instance keeps a ready list of the sockets that may have events:
 * TCP's readiness callback (sock_notify) appends a socket when something
 * happens to it, and ADD/MOD append it if it is ready already.  Waiting
 * recomputes each listed socket's readiness (sock_poll): nothing -> it
 * leaves the list; events -> reported, then a level-triggered socket goes
 * back to the tail (it is reported again while ready), an edge-triggered
 * one leaves until its next event, and a one-shot one is disabled until
 * EPOLL_CTL_MOD.  EPOLLERR and EPOLLHUP are always reported.
 */
#include <errno.h>
#include <limits.h>

#include "core/api/sock.h"

/* Linux tcp_poll for a connection's socket. */
static uint32_t sock_tcp_poll(const struct utcp_sock *so, struct utcp_tcb *tp)
{
	uint32_t ev = tcp_poll_events(tp);
	if (tp->tfo & TFO_DEFER) /* Linux: writable, the write sends the SYN */
		ev |= EPOLLOUT | EPOLLWRNORM;
	if (!(ev & EPOLLOUT) && tp->sndmem.limit != 0)
		tcp_sndmem_polled(tp); /* tcp_wmem: Linux's SOCK_NOSPACE */
	/* SO_RCVLOWAT: readable once that much is there, or at the end */
	if (tp->rcv.len < sock_rcvlowat(so) && tp->state != TCPS_CLOSED &&
	    !(tp->flags & (TF_RCVD_FIN | TF_RCV_SHUT)))
		ev &= ~(uint32_t)(EPOLLIN | EPOLLRDNORM);
	return ev | (so->so_error ? EPOLLERR : 0);
}

/* Linux tcp_poll for each kind of socket (a connection's first). */
uint32_t sock_poll(const struct utcp_sock *so)
{
	if (so->type == SOCK_T_TCP && so->lis == NULL && so->tcb != NULL)
		return sock_tcp_poll(so, so->tcb);
	if (so->type == SOCK_T_EVENT)
		return sock_event_poll(so);
	if (so->type == SOCK_T_UDP)
		return sock_udp_poll(so);
	if (so->type != SOCK_T_TCP)
		return 0;
	if (so->lis != NULL)
		return so->lis->acc_head != NULL ? EPOLLIN | EPOLLRDNORM : 0;
	return EPOLLOUT | EPOLLWRNORM | EPOLLHUP; /* never connected */
}

int utcp_sock_events(struct utcp_ctx *ctx, int sock)
{
	struct utcp_sock *so = sock_get(ctx, sock);
	return so == NULL ? -1 : (int)(sock_poll(so) & ~EP_PRIVATE);
}

int utcp_epoll_create(struct utcp_ctx *ctx, int size)
{
	if (size <= 0) {
		errno = EINVAL;
		return -1;
	}
	struct utcp_sock *ep = sock_alloc(ctx, SOCK_T_EPOLL);
	return ep == NULL ? -1 : ep->id;
}

int utcp_epoll_create1(struct utcp_ctx *ctx, int flags)
{
	if (flags & ~EPOLL_CLOEXEC) {
		errno = EINVAL;
		return -1;
	}
	return utcp_epoll_create(ctx, 1);
}

/* ADD and MOD: a socket that is ready already is queued at once. */
static void ep_set(struct utcp_ctx *ctx, struct utcp_sock *ep, struct utcp_sock *so,
		   const struct epoll_event *ev)
{
	so->ev_mask = ev->events | EPOLLERR | EPOLLHUP;
	so->ev_data = ev->data;
	if (sock_poll(so) & so->ev_mask & ~EP_PRIVATE)
		sock_rd_push(ctx, ep, so);
}

int utcp_epoll_ctl(struct utcp_ctx *ctx, int epid, int op, int sock, struct epoll_event *event)
{
	struct utcp_sock *ep = sock_get(ctx, epid);
	struct utcp_sock *so = ep != NULL ? sock_get(ctx, sock) : NULL;
	if (so == NULL)
		return -1;
	if (ep->type != SOCK_T_EPOLL || so == ep || so->type == SOCK_T_EPOLL) {
		errno = EINVAL;
		return -1;
	}
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && event == NULL) {
		errno = EFAULT;
		return -1;
	}
	switch (op) {
	case EPOLL_CTL_ADD:
		if (so->ep >= 0) { /* here, or in another instance */
			errno = EEXIST;
			return -1;
		}
		so->ep = ep->id;
		ep->nregs++;
		ep_set(ctx, ep, so, event);
		return 0;
	case EPOLL_CTL_MOD:
		if (so->ep != ep->id) {
			errno = ENOENT;
			return -1;
		}
		if (event->events & EPOLLEXCLUSIVE) {
			errno = EINVAL;
			return -1;
		}
		ep_set(ctx, ep, so, event);
		return 0;
	case EPOLL_CTL_DEL:
		if (so->ep != ep->id) {
			errno = ENOENT;
			return -1;
		}
		sock_epoll_forget(ctx, so);
		return 0;
	default:
		errno = EINVAL;
		return -1;
	}
}

/* Report the ready sockets, at most max; each listed socket is visited once. */
static int ep_collect(struct utcp_ctx *ctx, struct utcp_sock *ep, struct epoll_event *events,
		      int max)
{
	int n = 0, last = ep->rd_tail;
	while (n < max && ep->rd_head >= 0) {
		struct utcp_sock *so = sock_slot(ctx, ep->rd_head);
		int was_last = so->id == last;
		uint32_t m = sock_poll(so) & so->ev_mask & ~EP_PRIVATE;
		if (m != 0) {
			events[n].events = m;
			events[n].data = so->ev_data;
			n++;
			if (so->ev_mask & EPOLLONESHOT)
				so->ev_mask &= EP_PRIVATE; /* disabled until EPOLL_CTL_MOD */
		}
		if (m != 0 && !(so->ev_mask & EP_PRIVATE))
			sock_rd_rotate(ctx, ep, so); /* level-triggered: still ready */
		else
			sock_rd_remove(ctx, ep, so);
		if (was_last)
			break;
	}
	return n;
}

/* See UTCP_BUSY_POLL_YIELD (core/ctx.h). */
static void ep_busy_poll(struct utcp_ctx *ctx, int waited)
{
	if (waited) {
		ctx->busy_polls = 0;
	} else if (++ctx->busy_polls >= UTCP_BUSY_POLL_YIELD) {
		ctx->busy_polls = 0;
		utcp_nic_wait(ctx_nic(ctx, 0), ctx->queue, ctx->now);
	}
}

int utcp_epoll_wait(struct utcp_ctx *ctx, int epid, struct epoll_event *events, int maxevents,
		    int timeout_ms)
{
	struct utcp_sock *ep = sock_get(ctx, epid);
	if (ep == NULL)
		return -1;
	if (ep->type != SOCK_T_EPOLL || maxevents <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (events == NULL) {
		errno = EFAULT;
		return -1;
	}
	utcp_time_t deadline = timeout_ms < 0 ? UTCP_TIME_NEVER
			       : utcp_ctx_now(ctx) + (utcp_time_t)timeout_ms * UTCP_NSEC_PER_MSEC;
	utcp_ctx_poll(ctx);
	for (int waited = 0;; waited = 1) {
		sock_event_check(ctx); /* wake-up sockets signalled by other threads */
		int n = ep_collect(ctx, ep, events, maxevents);
		if (n > 0 || timeout_ms == 0 || utcp_ctx_now(ctx) >= deadline) {
			ep_busy_poll(ctx, waited);
			return n;
		}
		if (utcp_ctx_wait(ctx, sock_event_deadline(ctx, deadline)) < 0)
			return -1; /* errno from the NIC's wait, e.g. EINTR */
		utcp_ctx_poll(ctx);
	}
}
