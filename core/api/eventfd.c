/*
 * core/api/eventfd.c - wake-up sockets: Linux's eventfd in the context's
 * socket ids, so that another thread (or a signal handler) can wake a
 * context blocked in utcp_epoll_wait.
 *
 * Call order:
 *   owner:      utcp_eventfd -> utcp_epoll_ctl(ADD, EPOLLIN) -> loop
 *               utcp_epoll_wait (sock_event_check each round) -> utcp_read
 *               (the counter, back to 0) -> utcp_close
 *   any thread: utcp_eventfd_signal(ctx, sock, n) -> atomic add to the
 *               counter -> ev_pending = 1 -> utcp_ctx_wake (the NIC's wake)
 *
 * Nothing here locks.  The counter is atomic; the table's ev_pending flag
 * tells the owner, after its NIC wait, that some counter moved, and the
 * owner then queues the readable ones on their epoll's ready list (the
 * ready list is the owner's alone).  A signaller reads only the table
 * pointer and the slot's type, both set before the socket id could have
 * reached it; closing the socket while another thread signals it is the
 * caller's race, as with a file descriptor.
 */
#include <errno.h>
#include <string.h>

#include "core/api/sock.h"

#define EV_MAX (UINT64_MAX - 1) /* the largest value the counter may hold */

int utcp_eventfd(struct utcp_ctx *ctx, unsigned int initval, int flags)
{
	if (flags & ~(EFD_NONBLOCK | EFD_CLOEXEC)) {
		errno = EINVAL;
		return -1;
	}
	struct utcp_sock *so = sock_alloc(ctx, SOCK_T_EVENT);
	if (so == NULL)
		return -1;
	struct utcp_socktab *tab = ctx->tcp->api;
	atomic_store_explicit(&so->ev_count, initval, memory_order_relaxed);
	if (flags & EFD_NONBLOCK)
		so->flags |= SF_NONBLOCK;
	so->ev_next = tab->ev_head;
	tab->ev_head = so->id;
	tab->nevents++;
	return so->id;
}

/* Add v unless the counter would pass EV_MAX: 0, or -1 with EAGAIN. */
static int ev_add(struct utcp_sock *so, uint64_t v)
{
	uint64_t c = atomic_load_explicit(&so->ev_count, memory_order_relaxed);
	do {
		if (v > EV_MAX - c) {
			errno = EAGAIN;
			return -1;
		}
	} while (!atomic_compare_exchange_weak_explicit(&so->ev_count, &c, c + v,
							memory_order_release, memory_order_relaxed));
	return 0;
}

int utcp_eventfd_signal(struct utcp_ctx *ctx, int sock, uint64_t value)
{
	struct utcp_socktab *tab = ctx != NULL && ctx->tcp != NULL ? ctx->tcp->api : NULL;
	if (tab == NULL || sock < 0 || (uint32_t)sock >= tab->n ||
	    tab->s[sock].type != SOCK_T_EVENT) {
		errno = EBADF;
		return -1;
	}
	if (value == UINT64_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (ev_add(&tab->s[sock], value) < 0)
		return -1;
	atomic_store_explicit(&tab->ev_pending, 1, memory_order_release);
	utcp_ctx_wake(ctx); /* no wake op: the owner sleeps in slices */
	return 0;
}

void sock_event_check(struct utcp_ctx *ctx)
{
	struct utcp_socktab *tab = ctx->tcp->api;
	if (atomic_load_explicit(&tab->ev_pending, memory_order_relaxed) == 0)
		return;
	atomic_exchange_explicit(&tab->ev_pending, 0, memory_order_acquire);
	for (int id = tab->ev_head; id >= 0; id = tab->s[id].ev_next) {
		struct utcp_sock *so = &tab->s[id];
		if (atomic_load_explicit(&so->ev_count, memory_order_relaxed) != 0)
			sock_notify(ctx, so, EPOLLIN | EPOLLRDNORM);
	}
}

uint32_t sock_event_poll(const struct utcp_sock *so)
{
	uint64_t c = atomic_load_explicit(&((struct utcp_sock *)so)->ev_count,
					  memory_order_acquire);
	return (c != 0 ? EPOLLIN | EPOLLRDNORM : 0) | (c < EV_MAX ? EPOLLOUT | EPOLLWRNORM : 0);
}

static int ev_readable(struct utcp_sock *so)
{
	return atomic_load_explicit(&so->ev_count, memory_order_acquire) != 0;
}

utcp_time_t sock_event_deadline(struct utcp_ctx *ctx, utcp_time_t deadline)
{
	struct utcp_socktab *tab = ctx->tcp->api;
	if (tab == NULL || tab->nevents == 0 || ctx_nic(ctx, 0)->ops->wake != NULL)
		return deadline;
	utcp_time_t slice = utcp_ctx_now(ctx) + SOCK_EVENT_SLICE_NS;
	return slice < deadline ? slice : deadline;
}

ssize_t sock_event_read(struct utcp_ctx *ctx, struct utcp_sock *so, void *buf, size_t len)
{
	if (len < sizeof(uint64_t)) {
		errno = EINVAL;
		return -1;
	}
	while (!ev_readable(so)) {
		if (so->flags & SF_NONBLOCK) {
			errno = EAGAIN;
			return -1;
		}
		utcp_time_t until = sock_event_deadline(ctx, UTCP_TIME_NEVER);
		if (sock_drive(ctx, so, ev_readable, until) < 0)
			return -1;
	}
	uint64_t v = atomic_exchange_explicit(&so->ev_count, 0, memory_order_acquire);
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

ssize_t sock_event_write(struct utcp_ctx *ctx, struct utcp_sock *so, const void *buf, size_t len)
{
	uint64_t v;
	if (len < sizeof(v)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (ev_add(so, v) < 0)
		return -1;
	if (v != 0)
		sock_notify(ctx, so, EPOLLIN | EPOLLRDNORM);
	return sizeof(v);
}

/* Leave the table's list; the caller frees the slot. */
void sock_event_close(struct utcp_ctx *ctx, struct utcp_sock *so)
{
	struct utcp_socktab *tab = ctx->tcp->api;
	int *link = &tab->ev_head;
	while (*link >= 0 && *link != so->id)
		link = &tab->s[*link].ev_next;
	if (*link == so->id)
		*link = so->ev_next;
	so->ev_next = -1;
	tab->nevents--;
}
