/*
 * core/base/timer.h - the context's timer wheel.
 *
 * A hashed, hierarchical timing wheel (Varghese & Lauck): O(1) add and
 * cancel, expiry in O(1) amortized per timer.  Granularity is one tick
 * (UTCP_TIMER_TICK_NS, 1 ms); a timer never fires early, and fires at most
 * one tick late.  utcp_timer_next() gives the earliest pending deadline so an
 * idle context (or the simulator) can sleep or jump straight to it.
 *
 * Timers are embedded in their owner (a TCB, an ARP entry) and carry a
 * callback; the wheel never allocates.
 */
#ifndef UTCP_CORE_TIMER_H
#define UTCP_CORE_TIMER_H

#include <stddef.h>
#include <stdint.h>
#include <utcp/nic.h>

#define UTCP_TIMER_TICK_NS UTCP_NSEC_PER_MSEC

struct utcp_timer;
typedef void (*utcp_timer_fn)(struct utcp_timer *t, void *arg, utcp_time_t now);

struct utcp_timer {
	struct utcp_timer *next, **pprev; /* slot list; pprev NULL when not pending */
	utcp_time_t expires;              /* absolute deadline, ns */
	utcp_timer_fn fn;
	void *arg;
};

#define UTCP_TW_BITS 8
#define UTCP_TW_SLOTS (1u << UTCP_TW_BITS)
#define UTCP_TW_LEVELS 4

struct utcp_timer_wheel {
	uint64_t now_tick;                 /* last tick processed */
	uint32_t pending;                  /* timers armed */
	struct utcp_timer *slots[UTCP_TW_LEVELS][UTCP_TW_SLOTS];
	/* A bit per slot, set when a timer is filed there (cleared when the
	 * search for the earliest slot finds it empty): the search skips
	 * 64 empty slots at a time. */
	uint64_t occupied[UTCP_TW_LEVELS][UTCP_TW_SLOTS / 64];
	struct utcp_timer *overflow;       /* beyond the top level */
	utcp_time_t next_cache;            /* cached utcp_timer_next(), or 0 if stale */
};

void utcp_timer_wheel_init(struct utcp_timer_wheel *tw, utcp_time_t now);
static inline void utcp_timer_init(struct utcp_timer *t, utcp_timer_fn fn, void *arg)
{
	t->next = NULL;
	t->pprev = NULL;
	t->expires = 0;
	t->fn = fn;
	t->arg = arg;
}
/* Arm (or re-arm) t to fire at `expires` (absolute ns). */
void utcp_timer_add(struct utcp_timer_wheel *tw, struct utcp_timer *t, utcp_time_t expires);
static inline int utcp_timer_pending(const struct utcp_timer *t)
{
	return t->pprev != 0;
}
/* utcp_timer_cancel of a pending timer. */
void utcp_timer_cancel_pending(struct utcp_timer_wheel *tw, struct utcp_timer *t);
/* Disarm; harmless if not pending (inline: most calls find nothing to do). */
static inline void utcp_timer_cancel(struct utcp_timer_wheel *tw, struct utcp_timer *t)
{
	if (utcp_timer_pending(t))
		utcp_timer_cancel_pending(tw, t);
}
/* Fire every timer whose deadline is <= now (a callback may re-arm timers).
 * Returns the number fired. */
int utcp_timer_run(struct utcp_timer_wheel *tw, utcp_time_t now);
/* Earliest pending deadline (rounded up to a tick), or UTCP_TIME_NEVER. */
utcp_time_t utcp_timer_next(struct utcp_timer_wheel *tw);

#endif
