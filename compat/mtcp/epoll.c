/*
 * compat/mtcp/epoll.c - mTCP's epoll on utcp's.
 *
 * Call order: mtcp_epoll_create (utcp_epoll_create; the context's wake-up
 * socket joins it) -> mtcp_epoll_ctl (events converted: mTCP's structure is
 * 16 bytes, Linux's 12 on x86-64; the bits are the same) -> mtcp_epoll_wait
 * (utcp_epoll_wait; the wake-up socket's own events are taken out, and after
 * SIGINT the call returns -1 with EINTR) -> mtcp_close.
 *
 * mTCP has one epoll per context; so has the wake-up socket: a second
 * mtcp_epoll_create takes it over, as mTCP's second epoll replaced its first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat/mtcp/mtcp_int.h"

/* data of the wake-up socket's registration ('mtcp-wak') */
#define WAKE_MARK 0x6d7463702d77616bull

static int wake_join(mctx_t mctx, int ep)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_MARK };
	if (mctx->wake_ep >= 0)
		utcp_epoll_ctl(mctx->ctx, mctx->wake_ep, EPOLL_CTL_DEL, mctx->wake, NULL);
	mctx->wake_ep = -1;
	if (utcp_epoll_ctl(mctx->ctx, ep, EPOLL_CTL_ADD, mctx->wake, &ev) < 0)
		return -1;
	mctx->wake_ep = ep;
	return 0;
}

int mtcp_epoll_create(mctx_t mctx, int size)
{
	struct utcp_ctx *ctx = mtcp_uctx(mctx);
	if (ctx == NULL)
		return -1;
	int ep = utcp_epoll_create(ctx, size);
	if (ep >= 0 && wake_join(mctx, ep) < 0) {
		int e = errno;
		utcp_close(ctx, ep);
		errno = e;
		return -1;
	}
	return ep;
}

int mtcp_epoll_create1(mctx_t mctx, int flags)
{
	if (flags & ~EPOLL_CLOEXEC) {
		errno = EINVAL;
		return -1;
	}
	struct utcp_ctx *ctx = mtcp_uctx(mctx);
	if (ctx == NULL)
		return -1;
	return mtcp_epoll_create(mctx, 3 * utcp_ctx_config(ctx)->max_concurrency);
}

int mtcp_epoll_ctl(mctx_t mctx, int epid, int op, int sockid, struct mtcp_epoll_event *event)
{
	struct utcp_ctx *ctx = mtcp_uctx(mctx);
	if (ctx == NULL)
		return -1;
	if (sockid == mctx->wake) {
		errno = EBADF;
		return -1;
	}
	struct epoll_event ev, *evp = NULL;
	if (event != NULL) {
		memset(&ev, 0, sizeof(ev));
		ev.events = event->events;
		ev.data.u64 = event->data.u64;
		evp = &ev;
	}
	return utcp_epoll_ctl(ctx, epid, op, sockid, evp);
}

static int take_interrupt(mctx_t mctx)
{
	if (atomic_load(&mtcp_proc.exit_all))
		return 1;
	return atomic_exchange(&mctx->interrupt, 0) != 0;
}

static int evbuf_reserve(mctx_t mctx, int n)
{
	if (mctx->evcap >= n)
		return 0;
	struct epoll_event *b = realloc(mctx->evbuf, (size_t)n * sizeof(*b));
	if (b == NULL) {
		errno = ENOMEM;
		return -1;
	}
	mctx->evbuf = b;
	mctx->evcap = n;
	return 0;
}

/* The application's events out of utcp's; the wake-up socket is drained. */
static int convert(mctx_t mctx, int n, struct mtcp_epoll_event *events)
{
	int out = 0;
	for (int i = 0; i < n; i++) {
		if (mctx->evbuf[i].data.u64 == WAKE_MARK) {
			uint64_t v;
			utcp_read(mctx->ctx, mctx->wake, &v, sizeof(v));
			continue;
		}
		events[out].events = mctx->evbuf[i].events;
		events[out].data.u64 = mctx->evbuf[i].data.u64;
		out++;
	}
	return out;
}

int mtcp_epoll_wait(mctx_t mctx, int epid, struct mtcp_epoll_event *events, int maxevents,
		    int timeout)
{
	struct utcp_ctx *ctx = mtcp_uctx(mctx);
	if (ctx == NULL)
		return -1;
	if (events == NULL || maxevents <= 0) {
		errno = events == NULL ? EFAULT : EINVAL;
		return -1;
	}
	if (evbuf_reserve(mctx, maxevents) < 0)
		return -1;
	utcp_time_t end = timeout < 0 ? UTCP_TIME_NEVER
			  : utcp_ctx_now(ctx) + (utcp_time_t)timeout * UTCP_NSEC_PER_MSEC;
	for (;;) {
		if (take_interrupt(mctx)) {
			errno = EINTR;
			return -1;
		}
		int left = -1;
		if (end != UTCP_TIME_NEVER) {
			utcp_time_t now = utcp_ctx_now(ctx);
			left = now >= end ? 0 : (int)((end - now + UTCP_NSEC_PER_MSEC - 1) /
						      UTCP_NSEC_PER_MSEC);
		}
		int n = utcp_epoll_wait(ctx, epid, mctx->evbuf, maxevents, left);
		if (n < 0)
			return -1;
		int out = convert(mctx, n, events);
		if (out > 0)
			return out; /* an interrupt waits for the next call */
		if (take_interrupt(mctx)) {
			errno = EINTR;
			return -1;
		}
		if (n == 0 || left == 0)
			return 0; /* the timeout passed */
	}
}

char *EventToString(uint32_t event)
{
	switch (event) {
	case MTCP_EPOLLNONE:
		return "NONE";
	case MTCP_EPOLLIN:
		return "IN";
	case MTCP_EPOLLPRI:
		return "PRI";
	case MTCP_EPOLLOUT:
		return "OUT";
	case MTCP_EPOLLERR:
		return "ERR";
	case MTCP_EPOLLHUP:
		return "HUP";
	case MTCP_EPOLLRDHUP:
		return "RDHUP";
	default:
		return "UNKNOWN";
	}
}
