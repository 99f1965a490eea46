/*
 * preload/wait.c - waits over utcp sockets and kernel descriptors together:
 * poll, ppoll, select, pselect, epoll_ctl, epoll_wait, epoll_pwait,
 * epoll_pwait2 (and glibc's __poll_chk, __ppoll_chk).
 *
 * Call order of a wait that holds utcp sockets:
 *   loop { drive the context once (utcp_ctx_poll, or utcp_epoll_wait with
 *          timeout 0, which also flushes what the program wrote)
 *          -> the utcp sockets' events (utcp_sock_events; epoll: the utcp
 *          epoll instance that mirrors the program's utcp registrations)
 *          -> the kernel's wait on the program's own descriptors plus the
 *          context's poll descriptor (utcp_ctx_poll_fd: TAP's queue),
 *          timeout 0 if a utcp socket is ready, else until the program's
 *          timeout or the context's next timer, whichever comes first
 *          -> events of either kind: return; a signal: -1 EINTR }
 * So an idle program sleeps in the kernel (no core spins on TAP) and wakes
 * for a frame, a timer, its own descriptors or a signal.  A context without
 * a poll descriptor (dpdk, several ports) sleeps 1 ms at most at a time.
 *
 * epoll: a kernel instance stays the program's; one that holds utcp
 * sockets gets a side entry (upl_eps) with a utcp epoll instance of the
 * sockets' context, and the context's poll descriptor is added to the
 * kernel instance under a mark (UPL_MARK) that is never reported.  A utcp
 * socket is in at most one epoll instance (utcp's rule): a second one gets
 * EEXIST.  All utcp sockets of one instance belong to one context (thread).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "preload/preload.h"

#define UPL_MARK 0x7574637021706f6cull /* data of the poll descriptor's entry */
#define UPL_POLL_STACK 64

/* Milliseconds the kernel may sleep: the program's end, the context's
 * next timer, 1 ms without a poll descriptor. */
static int wait_budget(struct upl_ctx *c, int64_t end_ms)
{
	int64_t ms = -1;
	if (end_ms >= 0) {
		ms = end_ms - upl_now_ms();
		if (ms < 0)
			ms = 0;
	}
	if (c != NULL) {
		utcp_time_t dl = utcp_ctx_next_deadline(c->ctx), now = utcp_ctx_now(c->ctx);
		if (dl != UTCP_TIME_NEVER) {
			int64_t d = dl > now ? (int64_t)((dl - now + UTCP_NSEC_PER_MSEC - 1) /
							 UTCP_NSEC_PER_MSEC)
					     : 0;
			if (ms < 0 || d < ms)
				ms = d;
		}
		if (c->poll_fd < 0 && (ms < 0 || ms > 1))
			ms = 1;
	}
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int64_t end_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : upl_now_ms() + timeout_ms;
}

static int64_t end_of_ts(const struct timespec *ts)
{
	if (ts == NULL)
		return -1;
	return upl_now_ms() + (int64_t)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
}

/* ---- poll ----------------------------------------------------------------- */

static short sock_revents(struct upl_sock *s, short events)
{
	short want = events | POLLERR | POLLHUP;
	switch (s->state) {
	case UPL_LIVE: {
		if (upl_own(s) == NULL)
			return POLLNVAL;
		int ev = utcp_sock_events(s->owner->ctx, s->id);
		return ev < 0 ? POLLNVAL : (short)(ev & want);
	}
	case UPL_STALE:
		return POLLERR;
	default: /* never connected (Linux: OUT|HUP); a listener that failed */
		return s->listening ? POLLERR : (short)((POLLOUT | POLLHUP) & want);
	}
}

/* The context of the first utcp socket; listeners made on the way. */
static struct upl_ctx *poll_ctx(struct pollfd *fds, nfds_t n)
{
	struct upl_ctx *c = NULL;
	for (nfds_t i = 0; i < n; i++) {
		struct upl_sock *s = upl_get(fds[i].fd);
		if (s == NULL)
			continue;
		if (s->state == UPL_NEW && s->listening)
			upl_live(s);
		if (c == NULL && s->state == UPL_LIVE && upl_own(s) != NULL)
			c = s->owner;
	}
	return c;
}

static int kernel_poll(struct pollfd *k, nfds_t n, int ms, const sigset_t *mask)
{
	if (mask == NULL)
		return REAL(poll)(k, n, ms);
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 }, *tsp = ms < 0 ? NULL : &ts;
	return REAL(ppoll)(k, n, tsp, mask);
}

static int poll_round(struct pollfd *fds, nfds_t n, struct pollfd *k, struct upl_ctx *c,
		      int64_t end_ms, const sigset_t *mask)
{
	int nu = 0;
	if (c != NULL)
		utcp_ctx_poll(c->ctx);
	for (nfds_t i = 0; i < n; i++) {
		struct upl_sock *s = upl_get(fds[i].fd);
		if (s != NULL) {
			fds[i].revents = sock_revents(s, fds[i].events);
			nu += fds[i].revents != 0;
		}
	}
	int r = kernel_poll(k, n + 1, nu > 0 ? 0 : wait_budget(c, end_ms), mask);
	if (r < 0 && nu == 0)
		return -1;
	int nk = 0;
	for (nfds_t i = 0; i < n; i++)
		if (upl_get(fds[i].fd) == NULL) {
			fds[i].revents = r < 0 ? 0 : k[i].revents;
			nk += fds[i].revents != 0;
		}
	return nu + nk;
}

static int poll_mixed(struct pollfd *fds, nfds_t n, int64_t end_ms, const sigset_t *mask)
{
	struct pollfd stackbuf[UPL_POLL_STACK], *k = stackbuf;
	if (n + 1 > UPL_POLL_STACK && (k = malloc((n + 1) * sizeof(*k))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	struct upl_ctx *c = poll_ctx(fds, n);
	for (nfds_t i = 0; i < n; i++) {
		k[i] = fds[i];
		if (upl_get(fds[i].fd) != NULL)
			k[i].fd = -1;
	}
	k[n].fd = c != NULL ? c->poll_fd : -1;
	k[n].events = POLLIN;
	int r;
	for (;;) {
		r = poll_round(fds, n, k, c, end_ms, mask);
		if (r != 0 || (end_ms >= 0 && upl_now_ms() >= end_ms))
			break;
	}
	if (k != stackbuf)
		free(k);
	return r;
}

static int has_utcp(const struct pollfd *fds, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++)
		if (upl_get(fds[i].fd) != NULL)
			return 1;
	return 0;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (fds == NULL || !has_utcp(fds, n))
		return REAL(poll)(fds, n, timeout);
	return poll_mixed(fds, n, end_of(timeout), NULL);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	if (fds == NULL || !has_utcp(fds, n))
		return REAL(ppoll)(fds, n, ts, mask);
	return poll_mixed(fds, n, end_of_ts(ts), mask);
}

extern void __chk_fail(void) __attribute__((noreturn));

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return poll(fds, n, timeout);
}

int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask,
		size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return ppoll(fds, n, ts, mask);
}

/* ---- select ----------------------------------------------------------------- */

static int sets_have_utcp(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
		if (upl_get(fd) != NULL && ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) ||
					    (e && FD_ISSET(fd, e))))
			return 1;
	return 0;
}

static int select_mixed(int nfds, fd_set *r, fd_set *w, fd_set *e, int64_t end_ms,
			const sigset_t *mask)
{
	struct pollfd p[FD_SETSIZE];
	nfds_t n = 0;
	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	for (int fd = 0; fd < nfds; fd++) {
		short ev = (short)((r && FD_ISSET(fd, r) ? POLLIN : 0) |
				   (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
				   (e && FD_ISSET(fd, e) ? POLLPRI : 0));
		if (ev != 0)
			p[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	int rc = poll_mixed(p, n, end_ms, mask);
	if (rc < 0)
		return -1;
	for (nfds_t i = 0; i < n; i++) /* POLLNVAL: select's EBADF */
		if (p[i].revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
	int count = 0;
	for (nfds_t i = 0; i < n; i++) {
		int fd = p[i].fd;
		short re = p[i].revents;
		if (r && FD_ISSET(fd, r) && !(re & (POLLIN | POLLHUP | POLLERR)))
			FD_CLR(fd, r);
		if (w && FD_ISSET(fd, w) && !(re & (POLLOUT | POLLERR)))
			FD_CLR(fd, w);
		if (e && FD_ISSET(fd, e) && !(re & POLLPRI))
			FD_CLR(fd, e);
		count += (r && FD_ISSET(fd, r)) + (w && FD_ISSET(fd, w)) + (e && FD_ISSET(fd, e));
	}
	return count;
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	if (nfds < 0 || !sets_have_utcp(nfds, r, w, e))
		return REAL(select)(nfds, r, w, e, tv);
	int64_t end = tv == NULL ? -1 : upl_now_ms() + tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;
	int rc = select_mixed(nfds, r, w, e, end, NULL);
	if (tv != NULL) { /* Linux: the time not slept */
		int64_t left = end - upl_now_ms();
		if (left < 0)
			left = 0;
		tv->tv_sec = left / 1000;
		tv->tv_usec = (left % 1000) * 1000;
	}
	return rc;
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
	    const sigset_t *mask)
{
	if (nfds < 0 || !sets_have_utcp(nfds, r, w, e))
		return REAL(pselect)(nfds, r, w, e, ts, mask);
	return select_mixed(nfds, r, w, e, end_of_ts(ts), mask);
}

/* ---- epoll ------------------------------------------------------------------ */

static struct upl_ep *ep_side(int epfd)
{
	if (epfd < 0 || epfd >= UPL_MAXFD) {
		errno = EBADF;
		return NULL;
	}
	if (upl_eps[epfd] == NULL) {
		struct upl_ep *e = calloc(1, sizeof(*e));
		if (e == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		e->uep = -1;
		upl_eps[epfd] = e;
	}
	return upl_eps[epfd];
}

/* The instance's utcp epoll in context c, and c's poll descriptor in the
 * kernel instance. */
static int ep_bind(int epfd, struct upl_ep *e, struct upl_ctx *c)
{
	if (e->uep < 0 || e->gen != upl_proc.gen) {
		e->uep = utcp_epoll_create(c->ctx, 1);
		if (e->uep < 0)
			return -1;
		e->c = c;
		e->gen = upl_proc.gen;
		e->poll_fd_added = 0;
	}
	if (e->c != c) {
		errno = EINVAL; /* utcp sockets of another thread's context */
		return -1;
	}
	if (!e->poll_fd_added && c->poll_fd >= 0) {
		struct epoll_event pe = { .events = EPOLLIN, .data.u64 = UPL_MARK };
		if (REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, c->poll_fd, &pe) < 0 && errno != EEXIST)
			return -1;
		e->poll_fd_added = 1;
	}
	return 0;
}

static int ep_add(int epfd, struct upl_ep *e, struct upl_sock *s, int fd)
{
	struct upl_ctx *c = upl_live(s);
	if (c == NULL || ep_bind(epfd, e, c) < 0)
		return -1;
	struct epoll_event uev = { .events = s->ep_ev.events & ~EPOLLEXCLUSIVE,
				   .data.u64 = (uint64_t)fd };
	return utcp_epoll_ctl(c->ctx, e->uep, EPOLL_CTL_ADD, s->id, &uev);
}

void upl_ep_forget(struct upl_sock *s)
{
	if (s->ep_fd < 0)
		return;
	struct upl_ep *e = upl_eps[s->ep_fd];
	if (e != NULL) {
		if (s->state == UPL_LIVE && e->uep >= 0 && e->c == s->owner &&
		    e->gen == upl_proc.gen && upl_own(s) != NULL)
			utcp_epoll_ctl(s->owner->ctx, e->uep, EPOLL_CTL_DEL, s->id, NULL);
		if (--e->nsocks == 0 && e->poll_fd_added) {
			/* a kernel-only instance again: its waits go straight to the
			 * kernel, which must not report the context's descriptor */
			REAL(epoll_ctl)(s->ep_fd, EPOLL_CTL_DEL, e->c->poll_fd, NULL);
			e->poll_fd_added = 0;
		}
	}
	s->ep_fd = -1;
}

void upl_ep_close(int epfd)
{
	struct upl_ep *e = upl_eps[epfd];
	upl_eps[epfd] = NULL;
	if (e == NULL)
		return;
	if (e->uep >= 0 && e->c != NULL && e->gen == upl_proc.gen)
		utcp_close(e->c->ctx, e->uep);
	for (int fd = 0; e->nsocks > 0 && fd < UPL_MAXFD; fd++)
		if (upl_tab[fd] != NULL && upl_tab[fd]->ep_fd == epfd) {
			upl_tab[fd]->ep_fd = -1;
			e->nsocks--;
		}
	free(e);
}

static int ep_ctl_sock(int epfd, int op, int fd, struct upl_sock *s, struct epoll_event *ev)
{
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && ev == NULL) {
		errno = EFAULT;
		return -1;
	}
	/* epfd must be an epoll instance: the kernel tells, with the socket's
	 * reserved descriptor, which it never holds (EBADF, EINVAL; ENOENT: yes) */
	if (REAL(epoll_ctl)(epfd, EPOLL_CTL_DEL, fd, NULL) == 0 || errno != ENOENT)
		return -1;
	struct upl_ep *e = ep_side(epfd);
	if (e == NULL)
		return -1;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (s->ep_fd >= 0) {
			errno = EEXIST;
			return -1;
		}
		s->ep_ev = *ev;
		if (ep_add(epfd, e, s, fd) < 0)
			return -1;
		s->ep_fd = epfd;
		e->nsocks++;
		return 0;
	case EPOLL_CTL_MOD: {
		if (s->ep_fd != epfd) {
			errno = ENOENT;
			return -1;
		}
		struct epoll_event uev = { .events = ev->events & ~EPOLLEXCLUSIVE,
					   .data.u64 = (uint64_t)fd };
		if (s->state == UPL_LIVE &&
		    (upl_own(s) == NULL || utcp_epoll_ctl(s->owner->ctx, e->uep, op, s->id, &uev) < 0))
			return -1;
		s->ep_ev = *ev;
		return 0;
	}
	case EPOLL_CTL_DEL:
		if (s->ep_fd != epfd) {
			errno = ENOENT;
			return -1;
		}
		upl_ep_forget(s);
		return 0;
	default:
		errno = EINVAL;
		return -1;
	}
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(epoll_ctl)(epfd, op, fd, ev);
	if (upl_get(epfd) != NULL) {
		errno = EINVAL;
		return -1;
	}
	return ep_ctl_sock(epfd, op, fd, s, ev);
}

/* After fork(): the instance's utcp sockets (listeners) on the child's own
 * context; connections inherited stay out (EBADFD on use). */
static int ep_revive(int epfd, struct upl_ep *e)
{
	e->uep = -1;
	for (int fd = 0; fd < UPL_MAXFD; fd++) {
		struct upl_sock *s = upl_tab[fd];
		if (s != NULL && s->ep_fd == epfd && s->state != UPL_STALE && ep_add(epfd, e, s, fd) < 0)
			return -1;
	}
	if (e->uep < 0) {
		errno = EBADFD;
		return -1;
	}
	return 0;
}

static int drop_marks(struct epoll_event *ev, int n)
{
	int out = 0;
	for (int i = 0; i < n; i++)
		if (ev[i].data.u64 != UPL_MARK)
			ev[out++] = ev[i];
	return out;
}

static int ep_round(int epfd, struct upl_ep *e, struct epoll_event *ev, int max, int64_t end_ms,
		    const sigset_t *mask)
{
	struct upl_ctx *c = e->c;
	int n = utcp_epoll_wait(c->ctx, e->uep, ev, max, 0);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct upl_sock *s = upl_get((int)ev[i].data.u64);
		ev[i].data = s != NULL ? s->ep_ev.data : ev[i].data;
	}
	if (n == max)
		return n;
	int k = REAL(epoll_pwait)(epfd, ev + n, max - n, n > 0 ? 0 : wait_budget(c, end_ms),
				     mask);
	if (k < 0)
		return n > 0 ? n : -1;
	return n + drop_marks(ev + n, k);
}

static int ep_wait(int epfd, struct epoll_event *ev, int max, int64_t end_ms, const sigset_t *mask)
{
	struct upl_ep *e = upl_eps[epfd];
	if (max <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (ev == NULL) {
		errno = EFAULT;
		return -1;
	}
	if ((e->uep < 0 || e->gen != upl_proc.gen) && ep_revive(epfd, e) < 0)
		return -1;
	for (;;) {
		int r = ep_round(epfd, e, ev, max, end_ms, mask);
		if (r != 0 || (end_ms >= 0 && upl_now_ms() >= end_ms))
			return r;
	}
}

static int ep_ours(int epfd)
{
	return epfd >= 0 && epfd < UPL_MAXFD && upl_eps[epfd] != NULL && upl_eps[epfd]->nsocks > 0;
}

int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	if (!ep_ours(epfd))
		return REAL(epoll_wait)(epfd, ev, max, timeout);
	return ep_wait(epfd, ev, max, end_of(timeout), NULL);
}

int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	if (!ep_ours(epfd))
		return REAL(epoll_pwait)(epfd, ev, max, timeout, mask);
	return ep_wait(epfd, ev, max, end_of(timeout), mask);
}

int epoll_pwait2(int epfd, struct epoll_event *ev, int max, const struct timespec *ts,
		 const sigset_t *mask)
{
	if (!ep_ours(epfd)) {
		if (REAL(epoll_pwait2) == NULL) {
			errno = ENOSYS;
			return -1;
		}
		return REAL(epoll_pwait2)(epfd, ev, max, ts, mask);
	}
	return ep_wait(epfd, ev, max, end_of_ts(ts), mask);
}

/* A descriptor number taken again: whatever side entry it had is gone. */
static int ep_fresh(int fd)
{
	if (fd >= 0 && fd < UPL_MAXFD && upl_eps[fd] != NULL)
		upl_ep_close(fd);
	return fd;
}

int epoll_create(int size)
{
	return ep_fresh(REAL(epoll_create)(size));
}

int epoll_create1(int flags)
{
	return ep_fresh(REAL(epoll_create1)(flags));
}
