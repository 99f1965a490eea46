/*
 * tools/progress.c - the progress line of long runs (utcp-sim --seeds,
 * utcp-bench, make check-long through utcp-progress): done of total, the
 * percentage, the time taken and an estimate of the time left (the mean
 * time per unit so far times the units left), redrawn in place on stderr.
 * See tools/progress.h for the call order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/progress.h"

#define PROGRESS_REDRAW_S 0.2

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_format_time(double s, char *buf, unsigned len)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, len, "%ld h %02ld min", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, len, "%ld min %02ld s", t / 60, t % 60);
	else
		snprintf(buf, len, "%ld s", t);
}

void progress_start(struct progress *p, const char *what, uint64_t total)
{
	const char *env = getenv("UTCP_PROGRESS");

	memset(p, 0, sizeof(*p));
	p->what = what;
	p->total = total;
	p->t0 = mono_s();
	p->stdout_tty = isatty(1);
	p->on = total > 1 && (env != NULL && env[0] != '\0' ? strcmp(env, "0") != 0 : isatty(2));
}

static void progress_draw(struct progress *p, double now)
{
	char took[32], left[32] = "?";
	double el = now - p->t0;

	progress_format_time(el, took, sizeof(took));
	if (p->done > 0)
		progress_format_time(el / (double)p->done * (double)(p->total - p->done), left,
				     sizeof(left));
	fprintf(stderr, "\r\033[K%llu/%llu %s (%.0f%%), %s, about %s left",
		(unsigned long long)p->done, (unsigned long long)p->total, p->what,
		100.0 * (double)p->done / (double)p->total, took, left);
	fflush(stderr);
	p->shown = 1;
	p->last = now;
}

void progress_step(struct progress *p, uint64_t done)
{
	double now;

	if (!p->on)
		return;
	p->done = done > p->total ? p->total : done;
	now = mono_s();
	if (p->shown && now - p->last < PROGRESS_REDRAW_S && p->done < p->total)
		return;
	progress_draw(p, now);
}

static void progress_erase(struct progress *p)
{
	if (!p->on || !p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = 0;
}

void progress_clear(struct progress *p)
{
	if (p->stdout_tty)
		progress_erase(p);
}

void progress_end(struct progress *p)
{
	progress_erase(p);
	p->on = 0;
}
