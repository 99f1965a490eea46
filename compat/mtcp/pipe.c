/*
 * compat/mtcp/pipe.c - mtcp_pipe: an in-process pipe whose read end a
 * context can wait for in mtcp_epoll_wait, so that another thread can wake
 * it with mtcp_write.
 *
 * Call order: mtcp_pipe(mctx, ids) -> owner: mtcp_epoll_ctl(ADD, ids[0],
 * EPOLLIN) ; any thread: mtcp_write(mctx, ids[1], ...) -> owner: the epoll
 * reports ids[0] readable -> mtcp_read(mctx, ids[0], ...) -> mtcp_close of
 * each end, in the owning thread.
 *
 * Both ends are utcp wake-up sockets (utcp_eventfd), so they have ids of
 * the context and work in its epoll.  The bytes are in a ring of
 * MPIPE_SIZE bytes (mTCP's size) under a mutex, touched by the writer's
 * thread and the owner's; after putting bytes in, the writer signals the
 * read end (utcp_eventfd_signal: an atomic add and the NIC's wake), and the
 * reader clears that signal when it has emptied the ring.  Reads and writes
 * never block: -1/EAGAIN when empty or full (mTCP's application loops are
 * nonblocking); a read returns 0 once the write end is closed and the ring
 * is empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat/mtcp/mtcp_int.h"

#define MPIPE_SIZE 10240

struct mpipe {
	pthread_mutex_t lock;
	int rd, wr;                /* ids; -1 once closed */
	size_t head, len;
	char ring[MPIPE_SIZE];
};

int mtcp_pipe(mctx_t mctx, int pipeid[2])
{
	struct utcp_ctx *ctx = mtcp_uctx(mctx);
	if (ctx == NULL)
		return -1;
	if (pipeid == NULL) {
		errno = EFAULT;
		return -1;
	}
	struct mpipe *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->rd = utcp_eventfd(ctx, 0, EFD_NONBLOCK);
	p->wr = p->rd >= 0 ? utcp_eventfd(ctx, 0, EFD_NONBLOCK) : -1;
	if (p->wr < 0 || (uint32_t)p->rd >= mctx->nslots || (uint32_t)p->wr >= mctx->nslots) {
		int e = p->wr < 0 ? errno : EMFILE;
		if (p->rd >= 0)
			utcp_close(ctx, p->rd);
		if (p->wr >= 0)
			utcp_close(ctx, p->wr);
		pthread_mutex_destroy(&p->lock);
		free(p);
		errno = e;
		return -1;
	}
	mctx->pipe_of[p->rd] = p; /* before the ids can reach another thread */
	mctx->pipe_of[p->wr] = p;
	pipeid[0] = p->rd;
	pipeid[1] = p->wr;
	return 0;
}

ssize_t mpipe_read(mctx_t mctx, struct mpipe *p, int id, char *buf, size_t len)
{
	if (id != p->rd) {
		errno = EBADF; /* the write end */
		return -1;
	}
	pthread_mutex_lock(&p->lock);
	size_t n = len < p->len ? len : p->len;
	for (size_t i = 0; i < n; i++)
		buf[i] = p->ring[(p->head + i) % MPIPE_SIZE];
	p->head = (p->head + n) % MPIPE_SIZE;
	p->len -= n;
	int eof = p->wr < 0;
	if (p->len == 0 && !eof) { /* empty: no longer readable */
		uint64_t v;
		utcp_read(mctx->ctx, p->rd, &v, sizeof(v));
	}
	pthread_mutex_unlock(&p->lock);
	if (n == 0 && len > 0 && !eof) {
		errno = EAGAIN;
		return -1;
	}
	return (ssize_t)n;
}

/* Any thread. */
ssize_t mpipe_write(mctx_t mctx, struct mpipe *p, int id, const char *buf, size_t len)
{
	if (id != p->wr) {
		errno = EBADF; /* the read end */
		return -1;
	}
	pthread_mutex_lock(&p->lock);
	if (p->rd < 0) {
		pthread_mutex_unlock(&p->lock);
		errno = EPIPE;
		return -1;
	}
	size_t room = MPIPE_SIZE - p->len, n = len < room ? len : room;
	for (size_t i = 0; i < n; i++)
		p->ring[(p->head + p->len + i) % MPIPE_SIZE] = buf[i];
	p->len += n;
	int rd = p->rd;
	pthread_mutex_unlock(&p->lock);
	if (n == 0 && len > 0) {
		errno = EAGAIN;
		return -1;
	}
	if (n > 0)
		utcp_eventfd_signal(mctx->ctx, rd, 1);
	return (ssize_t)n;
}

/* The owning thread.  The pipe is freed with its second end. */
int mpipe_close(mctx_t mctx, struct mpipe *p, int id)
{
	pthread_mutex_lock(&p->lock);
	int was_rd = id == p->rd, rd = p->rd;
	if (was_rd)
		p->rd = -1;
	else
		p->wr = -1;
	int last = p->rd < 0 && p->wr < 0;
	pthread_mutex_unlock(&p->lock);
	mctx->pipe_of[id] = NULL;
	utcp_close(mctx->ctx, id);
	if (!was_rd && rd >= 0)
		utcp_eventfd_signal(mctx->ctx, rd, 1); /* the reader sees the end */
	if (last) {
		pthread_mutex_destroy(&p->lock);
		free(p);
	}
	return 0;
}

void mpipe_destroy_all(mctx_t mctx)
{
	for (uint32_t id = 0; id < mctx->nslots; id++) {
		struct mpipe *p = mctx->pipe_of[id];
		if (p != NULL)
			mpipe_close(mctx, p, (int)id);
	}
}
