/*
 * compat/mtcp/core.c - mTCP's process-wide calls on utcp: configuration,
 * contexts and signals.
 *
 * Call order:
 *   [mtcp_getconf / mtcp_setconf: kept in `pre`, the file overrides them]
 *   -> mtcp_init(file): the config (conf.c), SIGINT's handler installed
 *   -> [mtcp_setconf: changes the config until the first context]
 *   -> mtcp_create_context(cpu) on each thread: the first opens the stack
 *      (utcp_stack_open) with the config as it is then; each gets a utcp
 *      context and a wake-up socket (utcp_eventfd)
 *   -> mtcp_destroy_context -> mtcp_destroy (the stack closes, the old SIGINT
 *      action comes back).
 *
 * SIGINT (mTCP's semantics): the handler registered with
 * mtcp_register_signal(SIGINT, h) runs first; then every context is told to
 * return -1/EINTR from its next mtcp_epoll_wait (once; for good when no
 * handler is registered) and is woken through its wake-up socket
 * (utcp_eventfd_signal: an atomic add and the NIC's wake, both safe in a
 * signal handler), so a thread blocked in epoll_wait leaves it at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/mtcp/mtcp_int.h"

struct mtcp_proc mtcp_proc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void on_sigint(int sig)
{
	struct mtcp_proc *P = &mtcp_proc;
	int saved = errno;
	atomic_fetch_add(&P->in_handler, 1);
	mtcp_sighandler_t app = atomic_load(&P->app_sigint);
	if (app != NULL)
		app(sig);
	else
		atomic_store(&P->exit_all, 1);
	for (int i = 0; i < UTCP_MAX_CORES; i++) {
		struct mtcp_context *m = atomic_load(&P->ctxs[i]);
		if (m == NULL)
			continue;
		atomic_store(&m->interrupt, 1);
		utcp_eventfd_signal(m->ctx, m->wake, 1);
	}
	atomic_fetch_sub(&P->in_handler, 1);
	errno = saved;
}

int mtcp_init(const char *config_file)
{
	struct mtcp_proc *P = &mtcp_proc;
	if (config_file == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&P->lock);
	if (P->inited) {
		pthread_mutex_unlock(&P->lock);
		fprintf(stderr, "mtcp_init: called twice\n");
		errno = EEXIST;
		return -1;
	}
	int rc = mtcp_conf_load(&P->cfg, config_file, P->pre_set ? &P->pre : NULL);
	if (rc == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &P->old_int);
		atomic_store(&P->exit_all, 0);
		P->inited = 1;
	}
	pthread_mutex_unlock(&P->lock);
	if (rc < 0)
		errno = EINVAL;
	return rc;
}

void mtcp_destroy()
{
	struct mtcp_proc *P = &mtcp_proc;
	pthread_mutex_lock(&P->lock);
	if (P->inited) {
		sigaction(SIGINT, &P->old_int, NULL);
		for (int i = 0; i < UTCP_MAX_CORES; i++)
			if (atomic_load(&P->ctxs[i]) != NULL)
				fprintf(stderr, "mtcp_destroy: context %d was not destroyed\n", i);
		if (P->stack != NULL)
			utcp_stack_close(P->stack);
		P->stack = NULL;
		P->inited = 0;
		P->pre_set = 0;
		atomic_store(&P->app_sigint, NULL);
	}
	pthread_mutex_unlock(&P->lock);
}

static void conf_from(struct mtcp_conf *c, const struct utcp_config *cfg)
{
	c->num_cores = cfg->num_cores;
	c->max_concurrency = cfg->max_concurrency;
	c->max_num_buffers = cfg->max_num_buffers;
	c->rcvbuf_size = cfg->rcvbuf;
	c->sndbuf_size = cfg->sndbuf;
	c->tcp_timewait = cfg->tcp_timewait;
	c->tcp_timeout = cfg->tcp_timeout;
}

int mtcp_getconf(struct mtcp_conf *conf)
{
	struct mtcp_proc *P = &mtcp_proc;
	if (conf == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&P->lock);
	if (P->inited) {
		conf_from(conf, &P->cfg);
	} else if (P->pre_set) {
		*conf = P->pre;
	} else {
		struct utcp_config d;
		utcp_config_defaults(&d);
		conf_from(conf, &d);
	}
	pthread_mutex_unlock(&P->lock);
	return 0;
}

/* Before mtcp_init: kept for it (the file overrides).  After it and before
 * the first context: applied to the config, with its checks.  Later: EBUSY
 * (the stack and its contexts are sized already). */
int mtcp_setconf(const struct mtcp_conf *conf)
{
	struct mtcp_proc *P = &mtcp_proc;
	char err[256];
	int rc = 0;
	if (conf == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&P->lock);
	if (!P->inited) {
		P->pre = *conf;
		P->pre_set = 1;
	} else if (P->stack != NULL) {
		fprintf(stderr, "mtcp_setconf: the contexts are created already; "
				"call it before the first mtcp_create_context\n");
		errno = EBUSY;
		rc = -1;
	} else {
		struct utcp_config c = P->cfg;
		rc = mtcp_conf_apply(&c, conf, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "mtcp_setconf: %s\n", err);
			errno = EINVAL;
		} else {
			P->cfg = c;
		}
	}
	pthread_mutex_unlock(&P->lock);
	return rc;
}

int mtcp_core_affinitize(int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpu < 0 || n <= 0) {
		errno = EINVAL;
		return -1;
	}
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu % n, &set);
	int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

/* The stack, opened by the first context with the config as it is then. */
static int open_stack(struct mtcp_proc *P)
{
	char err[512];
	if (P->stack != NULL)
		return 0;
	P->stack = utcp_stack_open(&P->cfg, err, sizeof(err));
	if (P->stack == NULL) {
		fprintf(stderr, "mtcp_create_context: %s\n", err);
		return -1;
	}
	return 0;
}

static struct mtcp_context *context_new(struct mtcp_proc *P, int cpu)
{
	struct mtcp_context *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->cpu = cpu;
	m->wake_ep = -1;
	m->ctx = utcp_ctx_create(P->stack, cpu);
	if (m->ctx == NULL)
		goto fail;
	m->nslots = (uint32_t)utcp_ctx_config(m->ctx)->max_concurrency;
	m->pipe_of = calloc(m->nslots, sizeof(*m->pipe_of));
	if (m->pipe_of == NULL)
		goto fail;
	m->wake = utcp_eventfd(m->ctx, 0, EFD_NONBLOCK);
	if (m->wake < 0)
		goto fail;
	return m;
fail:
	if (m->ctx != NULL)
		utcp_ctx_destroy(m->ctx);
	free(m->pipe_of);
	free(m);
	return NULL;
}

mctx_t mtcp_create_context(int cpu)
{
	struct mtcp_proc *P = &mtcp_proc;
	struct mtcp_context *m = NULL;
	int e = 0;
	pthread_mutex_lock(&P->lock);
	if (!P->inited)
		e = EINVAL; /* mtcp_init first */
	else if (cpu < 0 || cpu >= P->cfg.num_cores || cpu >= UTCP_MAX_CORES)
		e = EINVAL;
	else if (atomic_load(&P->ctxs[cpu]) != NULL)
		e = EEXIST;
	else if (open_stack(P) < 0)
		e = EIO;
	else if ((m = context_new(P, cpu)) == NULL)
		e = errno ? errno : ENOMEM;
	else
		atomic_store(&P->ctxs[cpu], m); /* the SIGINT handler sees it now */
	pthread_mutex_unlock(&P->lock);
	if (m == NULL) {
		fprintf(stderr, "mtcp_create_context(%d): %s\n", cpu, strerror(e));
		errno = e;
	}
	return m;
}

void mtcp_destroy_context(mctx_t mctx)
{
	struct mtcp_proc *P = &mtcp_proc;
	if (mctx == NULL)
		return;
	pthread_mutex_lock(&P->lock);
	atomic_store(&P->ctxs[mctx->cpu], NULL);
	/* a SIGINT handler that took the pointer before may still use it */
	for (int i = 0; i < 100000 && atomic_load(&P->in_handler) > 0; i++)
		sched_yield();
	mpipe_destroy_all(mctx);
	utcp_close(mctx->ctx, mctx->wake);
	utcp_ctx_destroy(mctx->ctx);
	pthread_mutex_unlock(&P->lock);
	free(mctx->pipe_of);
	free(mctx->evbuf);
	free(mctx);
}

/* SIGINT: the application's handler, run by libutcp-mtcp's own (see the
 * top of this file); any other signal: signal(2). */
mtcp_sighandler_t mtcp_register_signal(int signum, mtcp_sighandler_t handler)
{
	if (signum == SIGINT)
		return atomic_exchange(&mtcp_proc.app_sigint, handler);
	return signal(signum, handler);
}
