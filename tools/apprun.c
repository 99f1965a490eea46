/*
 * tools/apprun.c - the real-backend side of epserver and epwget: config,
 * stack, one pinned thread per core (see tools/apprun.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tools/apprun.h"

int apprun_config(struct utcp_config *cfg, const char *prog, const char *path, int cores_opt)
{
	char err[512];
	utcp_config_defaults(cfg);
	if (cores_opt > 0)
		cfg->num_cores = cores_opt; /* the file's num_cores wins, as in mTCP */
	if (utcp_config_load(cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	return 0;
}

struct utcp_stack *apprun_open(struct utcp_config *cfg, const char *prog, int *status)
{
	char err[512];
	/* The message names the file itself (setup/config.c). */
	if (utcp_config_finish(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		*status = 2;
		return NULL;
	}
	struct utcp_stack *st = utcp_stack_open(cfg, err, sizeof(err));
	if (st == NULL)
		fprintf(stderr, "%s: %s\n", prog, err);
	*status = 1;
	return st;
}

struct core_run {
	struct utcp_stack *st;
	const char *prog;
	int core;
	apprun_fn fn;
	void *arg;
	int rc;
};

static void pin(int core)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	if (core >= ncpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(core, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *core_main(void *p)
{
	struct core_run *r = p;
	pin(r->core);
	struct utcp_ctx *ctx = utcp_ctx_create(r->st, r->core);
	if (ctx == NULL) {
		fprintf(stderr, "%s: core %d: no context: %s\n", r->prog, r->core, strerror(errno));
		r->rc = -1;
		return NULL;
	}
	r->rc = r->fn(r->arg, ctx);
	utcp_ctx_destroy(ctx);
	return NULL;
}

int apprun_cores(struct utcp_stack *st, const char *prog, apprun_fn fn, void *arg)
{
	int n = utcp_stack_config(st)->num_cores, rc = 0;
	struct core_run runs[UTCP_MAX_CORES];
	pthread_t th[UTCP_MAX_CORES];
	int started = 0;
	for (int c = 0; c < n; c++) {
		runs[c] = (struct core_run){ st, prog, c, fn, arg, 0 };
		if (pthread_create(&th[c], NULL, core_main, &runs[c]) != 0) {
			fprintf(stderr, "%s: core %d: cannot start a thread\n", prog, c);
			rc = -1;
			break;
		}
		started++;
	}
	for (int c = 0; c < started; c++) {
		pthread_join(th[c], NULL);
		if (runs[c].rc != 0)
			rc = -1;
	}
	return rc;
}

static void (*sig_stop)(void *arg);
static void *sig_arg;

static void on_signal(int sig)
{
	(void)sig;
	if (sig_stop != NULL)
		sig_stop(sig_arg);
}

void apprun_on_signal(void (*stop)(void *arg), void *arg)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sig_stop = stop;
	sig_arg = arg;
	sa.sa_handler = on_signal; /* no SA_RESTART: waits return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
