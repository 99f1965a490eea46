/*
 * tools/progress.h - a progress line with an estimate of the time left, on
 * stderr when it is a terminal, nothing otherwise (logs stay clean).
 *
 * Call order: progress_start(&p, "seeds", total) -> progress_step(&p, done)
 * after each unit of work (redrawn at most 5 times a second) and
 * progress_clear(&p) before printing a line on stdout (it erases the
 * progress line when stdout is a terminal too) -> progress_end(&p) erases
 * it.  UTCP_PROGRESS=0 in the
 * environment turns it off (a script running several programs at once
 * shows its own); UTCP_PROGRESS=1 turns it on without a terminal (tests).
 */
#ifndef UTCP_TOOLS_PROGRESS_H
#define UTCP_TOOLS_PROGRESS_H

#include <stdint.h>

struct progress {
	int on;              /* drawing at all */
	int shown;           /* a line is on the terminal now */
	int stdout_tty;      /* stdout is a terminal too: clear before printing there */
	const char *what;    /* "seeds", "runs" */
	uint64_t total, done;
	double t0, last;     /* start, last redraw (s, CLOCK_MONOTONIC) */
};

void progress_start(struct progress *p, const char *what, uint64_t total);
void progress_step(struct progress *p, uint64_t done);
void progress_clear(struct progress *p);
void progress_end(struct progress *p);
/* "1 h 02 min", "3 min 05 s", "42 s": a duration for people. */
void progress_format_time(double s, char *buf, unsigned len);

#endif
