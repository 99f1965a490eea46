/*
 * compat/mtcp/mtcp_int.h - libutcp-mtcp's own state (internal): the
 * process-wide state mTCP's API implies (one configuration, one stack, the
 * contexts by CPU, the SIGINT handler) and what each mTCP context adds to a
 * utcp context (a wake-up socket, pipes, the mtcp_init_rss pool).
 *
 * Everything here stands on libutcp's public API (<utcp/utcp.h>); nothing of
 * it lives in libutcp itself.
 *
 * Call order: mtcp_init (core.c; the file through conf.c) -> the first
 * mtcp_create_context opens the stack -> socket calls (socket.c, pipes in
 * pipe.c) and epoll (epoll.c) -> mtcp_destroy_context -> mtcp_destroy.
 */
#ifndef UTCP_COMPAT_MTCP_INT_H
#define UTCP_COMPAT_MTCP_INT_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <utcp/utcp.h>

#include <mtcp/mtcp_api.h>
#include <mtcp/mtcp_epoll.h>

struct mpipe;

struct mtcp_context {
	int cpu;                       /* first, as in mTCP */
	struct utcp_ctx *ctx;
	int wake;                      /* wake-up socket: SIGINT reaches epoll_wait */
	int wake_ep;                   /* the epoll it is registered with, -1 */
	atomic_int interrupt;          /* an EINTR for the next mtcp_epoll_wait */
	struct epoll_event *evbuf;     /* mtcp_epoll_wait's conversion buffer */
	int evcap;
	struct mpipe **pipe_of;        /* by socket id: the pipe an id is an end of */
	uint32_t nslots;
	/* mtcp_init_rss: source addresses for connections to (daddr, dport) */
	int rss_set;
	uint32_t saddr_base;           /* host order */
	uint32_t num_addr, next_addr;
	uint32_t daddr;                /* network order */
	uint16_t dport;
};

/* The one process-wide state. */
struct mtcp_proc {
	pthread_mutex_t lock;          /* init, setconf, contexts */
	int inited;
	struct mtcp_conf pre;          /* mtcp_setconf before mtcp_init */
	int pre_set;
	struct utcp_config cfg;
	struct utcp_stack *stack;      /* opened by the first context */
	_Atomic(struct mtcp_context *) ctxs[UTCP_MAX_CORES];
	_Atomic(mtcp_sighandler_t) app_sigint;
	atomic_int exit_all;           /* SIGINT without an application handler */
	atomic_int in_handler;         /* SIGINT handlers running now */
	struct sigaction old_int;
};
extern struct mtcp_proc mtcp_proc;

/* conf.c: defaults, `pre`, the file, port addresses from Linux interfaces,
 * finish.  0, or -1 with the message on stderr. */
int mtcp_conf_load(struct utcp_config *cfg, const char *path, const struct mtcp_conf *pre);
/* conf.c: apply mtcp_conf fields through the config's own checks. */
int mtcp_conf_apply(struct utcp_config *cfg, const struct mtcp_conf *conf, char *err,
		    size_t errlen);

/* A context pointer from an application, or NULL with errno EBADF. */
static inline struct utcp_ctx *mtcp_uctx(mctx_t mctx)
{
	if (mctx == NULL || mctx->ctx == NULL) {
		errno = EBADF;
		return NULL;
	}
	return mctx->ctx;
}

/* pipe.c */
static inline struct mpipe *mtcp_pipe_of(mctx_t mctx, int id)
{
	return id >= 0 && (uint32_t)id < mctx->nslots ? mctx->pipe_of[id] : NULL;
}
ssize_t mpipe_read(mctx_t mctx, struct mpipe *p, int id, char *buf, size_t len);
ssize_t mpipe_write(mctx_t mctx, struct mpipe *p, int id, const char *buf, size_t len);
int mpipe_close(mctx_t mctx, struct mpipe *p, int id);
void mpipe_destroy_all(mctx_t mctx);

#endif
