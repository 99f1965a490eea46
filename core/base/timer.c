/*
 * core/base/timer.c - the context's hierarchical hashed timing wheel.
 *
 * Call order:
 *   utcp_timer_wheel_init(now) -> utcp_timer_init(t, fn, arg) for each timer
 *   -> utcp_timer_add / utcp_timer_cancel at any time
 *   -> each poll round: utcp_timer_run(now), then utcp_timer_next() to learn
 *      how long the context may sleep (or how far a simulator may jump).
 *
 * Time is counted in ticks of UTCP_TIMER_TICK_NS.  A timer's tick is its
 * deadline rounded up (ceil(expires / tick)), and utcp_timer_run(now) fires
 * the timers whose tick is <= floor(now / tick): a timer never fires before
 * its deadline and at most one tick after it.  utcp_timer_next() returns the
 * earliest tick (times the tick length), which is exactly the time at which
 * utcp_timer_run fires that timer.
 *
 * Layout (Varghese & Lauck's scheme 6, placed the way tokio's wheel does it so
 * that time can jump): `now_tick` is the last tick processed.  A timer due at
 * tick T > now_tick lives on level L, where L is the position of the highest
 * byte in which T and now_tick differ, in slot (T >> 8L) & 255.  So level 0
 * holds the rest of the current 256-tick block, level 1 the rest of the
 * current 65536-tick block, and so on; a timer more than UTCP_TW_LEVELS bytes
 * away goes on the overflow list.  Invariant: every occupied slot of level L
 * lies strictly after now_tick's own slot on that level, so
 *   - the earliest occupied slot of the lowest non-empty level holds the
 *     earliest timer, and its first tick ("start") is the earliest moment
 *     anything has to happen;
 *   - advancing time is: jump now_tick to that start, take the slot, fire
 *     the timers due at start (level 0, or a timer due exactly at start) and
 *     re-file the others, which land on lower levels (a cascade).
 * Idle time costs nothing: a 60 s timer is reached in a handful of steps,
 * however far `now` jumps.  Add and cancel are O(1) list operations; every
 * timer is cascaded at most UTCP_TW_LEVELS times.  The search for the
 * earliest occupied slot reads a bitmap per level (a bit set when a timer
 * is filed in the slot, cleared when the search finds the slot empty), 64
 * slots per word, instead of up to 255 slot heads per level.
 *
 * Callbacks run from utcp_timer_run with the timer already disarmed; they may
 * add or cancel any timer, themselves included.  The timers due at one tick
 * are detached onto a local list (doubly linked like a slot, so a callback can
 * cancel a timer that is still waiting on it) and fired in deadline order.
 * A timer armed for a tick that has already been processed fires at the next
 * tick.  utcp_timer_run is not reentrant.
 */
#include "core/base/timer.h"

#include <stddef.h>
#include <string.h>

#define TW_MASK (UTCP_TW_SLOTS - 1)
#define TW_TOP_BITS (UTCP_TW_BITS * UTCP_TW_LEVELS)
#define TW_OVERFLOW UTCP_TW_LEVELS /* pseudo level for the overflow list */

static uint64_t deadline_tick(utcp_time_t expires)
{
	return expires / UTCP_TIMER_TICK_NS + (expires % UTCP_TIMER_TICK_NS != 0);
}

static utcp_time_t tick_time(uint64_t tick)
{
	if (tick > UTCP_TIME_NEVER / UTCP_TIMER_TICK_NS)
		return UTCP_TIME_NEVER;
	return tick * UTCP_TIMER_TICK_NS;
}

/* The tick at which t will actually fire. */
static uint64_t effective_tick(const struct utcp_timer_wheel *tw, const struct utcp_timer *t)
{
	uint64_t tick = deadline_tick(t->expires);
	return tick > tw->now_tick ? tick : tw->now_tick + 1;
}

static void list_push(struct utcp_timer **head, struct utcp_timer *t)
{
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
}

static void list_unlink(struct utcp_timer *t)
{
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

/* Detach a whole list onto a local head; returns its first element. */
static struct utcp_timer *list_take(struct utcp_timer **head)
{
	struct utcp_timer *first = *head;
	*head = NULL;
	return first;
}

static int level_of(uint64_t now_tick, uint64_t tick)
{
	uint64_t diff = now_tick ^ tick;
	if (diff <= TW_MASK)
		return 0;
	int level = (63 - __builtin_clzll(diff)) / UTCP_TW_BITS;
	return level < UTCP_TW_LEVELS ? level : TW_OVERFLOW;
}

static unsigned slot_of(uint64_t tick, int level)
{
	return (unsigned)(tick >> (level * UTCP_TW_BITS)) & TW_MASK;
}

/* File a timer (not on any list) that fires at `tick` > now_tick (inline:
 * utcp_timer_add runs it on every arming). */
static inline __attribute__((always_inline)) void file_timer(struct utcp_timer_wheel *tw, struct utcp_timer *t, uint64_t tick)
{
	int level = level_of(tw->now_tick, tick);
	if (level == TW_OVERFLOW) {
		list_push(&tw->overflow, t);
	} else {
		unsigned s = slot_of(tick, level);
		list_push(&tw->slots[level][s], t);
		tw->occupied[level][s / 64] |= 1ull << (s % 64);
	}
}

/* Re-file every timer of a detached list (no callbacks run). */
static void refile_list(struct utcp_timer_wheel *tw, struct utcp_timer *list)
{
	while (list) {
		struct utcp_timer *next = list->next;
		file_timer(tw, list, effective_tick(tw, list));
		list = next;
	}
}

void utcp_timer_wheel_init(struct utcp_timer_wheel *tw, utcp_time_t now)
{
	memset(tw, 0, sizeof(*tw));
	tw->now_tick = now / UTCP_TIMER_TICK_NS;
	tw->next_cache = UTCP_TIME_NEVER;
}

void utcp_timer_cancel_pending(struct utcp_timer_wheel *tw, struct utcp_timer *t)
{
	/* The cached minimum stays right unless t was (one of) the earliest. */
	if (tw->next_cache != 0 && tick_time(effective_tick(tw, t)) <= tw->next_cache)
		tw->next_cache = 0;
	list_unlink(t);
	tw->pending--;
}

/* utcp_timer_add of a timer on no list. */
static inline __attribute__((always_inline)) void timer_add_idle(struct utcp_timer_wheel *tw,
								 struct utcp_timer *t,
								 utcp_time_t expires)
{
	t->expires = expires;
	uint64_t tick = effective_tick(tw, t);
	if ((tw->now_tick ^ tick) <= TW_MASK) {
		/* file_timer's level 0, the usual arming (due within the
		 * current 256-tick block): the same list and bit */
		unsigned s = (unsigned)tick & TW_MASK;
		list_push(&tw->slots[0][s], t);
		tw->occupied[0][s / 64] |= 1ull << (s % 64);
		tw->pending++;
		utcp_time_t at = tick_time(tick);
		if (at < tw->next_cache) /* and so next_cache != 0 */
			tw->next_cache = at;
		return;
	}
	file_timer(tw, t, tick);
	tw->pending++;
	if (tw->next_cache != 0 && tick_time(tick) < tw->next_cache)
		tw->next_cache = tick_time(tick);
}

/* utcp_timer_add of a pending timer (out of line, so that arming an idle
 * one, the usual case, calls nothing and saves no registers). */
static __attribute__((noinline)) void timer_readd(struct utcp_timer_wheel *tw,
						  struct utcp_timer *t, utcp_time_t expires)
{
	utcp_timer_cancel_pending(tw, t);
	timer_add_idle(tw, t, expires);
}

void utcp_timer_add(struct utcp_timer_wheel *tw, struct utcp_timer *t, utcp_time_t expires)
{
	if (utcp_timer_pending(t))
		timer_readd(tw, t, expires);
	else
		timer_add_idle(tw, t, expires);
}

/* First tick of slot `slot` on `level`, in now_tick's block of that level. */
static uint64_t slot_start(const struct utcp_timer_wheel *tw, int level, unsigned slot)
{
	int shift = (level + 1) * UTCP_TW_BITS;
	uint64_t base = tw->now_tick >> shift << shift;
	return base | ((uint64_t)slot << (level * UTCP_TW_BITS));
}

/* Smallest first tick over the overflow list (each entry's 2^32-tick block). */
static uint64_t overflow_start(const struct utcp_timer_wheel *tw)
{
	uint64_t best = UINT64_MAX;
	for (const struct utcp_timer *t = tw->overflow; t; t = t->next) {
		uint64_t start = effective_tick(tw, t) >> TW_TOP_BITS << TW_TOP_BITS;
		if (start < best)
			best = start;
	}
	return best;
}

/*
 * The earliest occupied slot: *level (TW_OVERFLOW for the overflow list) and
 * *head.  Returns its first tick, or UINT64_MAX when the wheel is empty.
 */
static uint64_t earliest_slot(struct utcp_timer_wheel *tw, int *level, struct utcp_timer ***head)
{
	for (int l = 0; l < UTCP_TW_LEVELS; l++) {
		unsigned s = slot_of(tw->now_tick, l) + 1;
		while (s < UTCP_TW_SLOTS) {
			uint64_t *word = &tw->occupied[l][s / 64];
			uint64_t bits = *word >> (s % 64); /* slots s.. of this word */
			if (bits == 0) {
				s = (s | 63) + 1;
				continue;
			}
			s += (unsigned)__builtin_ctzll(bits);
			if (tw->slots[l][s]) {
				*level = l;
				*head = &tw->slots[l][s];
				return slot_start(tw, l, s);
			}
			*word &= ~(1ull << (s % 64)); /* emptied since: forget it */
			s++;
		}
	}
	*level = TW_OVERFLOW;
	*head = &tw->overflow;
	return tw->overflow ? overflow_start(tw) : UINT64_MAX;
}

utcp_time_t utcp_timer_next(struct utcp_timer_wheel *tw)
{
	if (tw->next_cache != 0)
		return tw->next_cache;
	if (tw->pending == 0) {
		tw->next_cache = UTCP_TIME_NEVER;
		return tw->next_cache;
	}
	int level;
	struct utcp_timer **head;
	uint64_t start = earliest_slot(tw, &level, &head);
	uint64_t best = UINT64_MAX;
	if (level == 0) {
		best = start;
	} else {
		/* A slot above level 0 spans many ticks: find its earliest. */
		for (const struct utcp_timer *t = *head; t; t = t->next) {
			uint64_t tick = effective_tick(tw, t);
			if (tick < best)
				best = tick;
		}
	}
	tw->next_cache = tick_time(best);
	return tw->next_cache;
}

/* Merge two lists linked through next, ordered by expires (stable). */
static struct utcp_timer *merge(struct utcp_timer *a, struct utcp_timer *b)
{
	struct utcp_timer *head = NULL, **tail = &head;
	while (a && b) {
		struct utcp_timer **from = b->expires < a->expires ? &b : &a;
		*tail = *from;
		tail = &(*from)->next;
		*from = (*from)->next;
	}
	*tail = a ? a : b;
	return head;
}

/* Bottom-up merge sort of a singly linked list by expires. */
static struct utcp_timer *sort_by_deadline(struct utcp_timer *list)
{
	struct utcp_timer *bins[64] = { NULL };
	int top = 0;
	while (list) {
		struct utcp_timer *one = list;
		list = list->next;
		one->next = NULL;
		int i = 0;
		for (; i < top && bins[i]; i++) {
			one = merge(bins[i], one);
			bins[i] = NULL;
		}
		if (i == top && top < 63)
			top++;
		bins[i] = one;
	}
	struct utcp_timer *out = NULL;
	for (int i = 0; i < top; i++)
		out = merge(bins[i], out);
	return out;
}

/* Fire a sorted list of due timers; callbacks may touch any timer. */
static int fire_list(struct utcp_timer_wheel *tw, struct utcp_timer *list, utcp_time_t now)
{
	struct utcp_timer *due = list;
	struct utcp_timer **pp = &due;
	for (struct utcp_timer *t = due; t; t = t->next) {
		t->pprev = pp;
		pp = &t->next;
	}
	int fired = 0;
	while (due) {
		struct utcp_timer *t = due;
		list_unlink(t);
		tw->pending--;
		fired++;
		if (t->fn)
			t->fn(t, t->arg, now);
	}
	return fired;
}

/*
 * Process the slot at *head, whose first tick `start` is now_tick: timers due
 * by now_tick fire (in deadline order), the others move to lower levels.
 */
static int process_slot(struct utcp_timer_wheel *tw, struct utcp_timer **head, utcp_time_t now)
{
	struct utcp_timer *list = list_take(head), *due = NULL;
	while (list) {
		struct utcp_timer *t = list, *next = t->next;
		uint64_t tick = deadline_tick(t->expires);
		if (tick > tw->now_tick) {
			file_timer(tw, t, tick);
		} else {
			t->next = due;
			due = t;
		}
		list = next;
	}
	return due ? fire_list(tw, sort_by_deadline(due), now) : 0;
}

/*
 * now_tick moved forward without processing anything (nothing was due).  A
 * slot that now_tick has entered, and overflow timers that now share its
 * top block, must move down so that the layout invariant holds again.
 */
static void advance_idle(struct utcp_timer_wheel *tw, uint64_t target)
{
	uint64_t old = tw->now_tick;
	tw->now_tick = target;
	if (old >> TW_TOP_BITS != target >> TW_TOP_BITS)
		refile_list(tw, list_take(&tw->overflow));
	for (int l = UTCP_TW_LEVELS - 1; l > 0; l--) {
		struct utcp_timer **head = &tw->slots[l][slot_of(target, l)];
		if (*head)
			refile_list(tw, list_take(head));
	}
}

int utcp_timer_run(struct utcp_timer_wheel *tw, utcp_time_t now)
{
	uint64_t target = now / UTCP_TIMER_TICK_NS;
	if (target <= tw->now_tick)
		return 0;
	if (tw->next_cache != 0 && tw->next_cache > tick_time(target)) {
		advance_idle(tw, target);
		return 0;
	}
	int fired = 0;
	tw->next_cache = 0;
	for (;;) {
		int level;
		struct utcp_timer **head;
		uint64_t start = earliest_slot(tw, &level, &head);
		if (start > target)
			break;
		/* Every tick before start is empty: jump straight to it.  (For
		 * the overflow list, start opens the block of its earliest
		 * timer; the others go back on the list.) */
		tw->now_tick = start;
		fired += process_slot(tw, head, now);
	}
	tw->now_tick = target;
	tw->next_cache = 0;
	return fired;
}
