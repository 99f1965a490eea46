/*
 * tests/unit/test_timer.c - the timer wheel (core/base/timer.c).
 *
 * Each test arms timers on a fresh wheel, moves time with utcp_timer_run and
 * checks which callbacks ran, when, and in what order; utcp_timer_next is
 * checked against the earliest deadline rounded up to a tick.  The random
 * test compares thousands of operations with a plain sorted reference.  The
 * fixture checks that the wheel is empty (nothing pending, no slot in use)
 * at teardown.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/prng.h"
#include "core/base/timer.h"

/* Check records every ck_assert; hot loops test first and fail via this. */
#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			ck_abort_msg(__VA_ARGS__);                             \
	} while (0)

#define MS UTCP_NSEC_PER_MSEC
#define SEC UTCP_NSEC_PER_SEC
#define HOUR (3600 * SEC)
#define DAY (24 * HOUR)

struct rec {
	struct utcp_timer t;
	int id;
	int fires;
	utcp_time_t fired_at;
	utcp_time_t period;     /* re-arm at now + period when non-zero */
	struct rec *victim;     /* cancel this one when firing */
	struct rec *rearm;      /* arm this one at now + period when firing */
};

#define LOG_MAX 20000
static struct utcp_timer_wheel tw;
static int log_ids[LOG_MAX];
static utcp_time_t log_exp[LOG_MAX];
static int nlog;

static void on_fire(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct rec *r = arg;
	CHECK(t == &r->t && !utcp_timer_pending(t), "callback for timer %d", r->id);
	if (nlog < LOG_MAX) {
		log_ids[nlog] = r->id;
		log_exp[nlog] = t->expires;
	}
	nlog++;
	r->fires++;
	r->fired_at = now;
	if (r->victim)
		utcp_timer_cancel(&tw, &r->victim->t);
	if (r->rearm)
		utcp_timer_add(&tw, &r->rearm->t, now + r->period);
	else if (r->period)
		utcp_timer_add(&tw, t, now + r->period);
}

static void rec_init(struct rec *r, int id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	utcp_timer_init(&r->t, on_fire, r);
}

static utcp_time_t round_up(utcp_time_t t)
{
	return (t + MS - 1) / MS * MS;
}

static int wheel_is_empty(const struct utcp_timer_wheel *w)
{
	for (int l = 0; l < UTCP_TW_LEVELS; l++)
		for (unsigned s = 0; s < UTCP_TW_SLOTS; s++)
			if (w->slots[l][s])
				return 0;
	return w->overflow == NULL && w->pending == 0;
}

static void setup(void)
{
	utcp_timer_wheel_init(&tw, 0);
	nlog = 0;
}

static void teardown(void)
{
	/* Tests cancel whatever they leave armed; nothing may remain filed. */
	ck_assert_msg(wheel_is_empty(&tw), "timers left in the wheel: %u", tw.pending);
}

START_TEST(test_empty_wheel)
{
	ck_assert_uint_eq(utcp_timer_next(&tw), UTCP_TIME_NEVER);
	ck_assert_int_eq(utcp_timer_run(&tw, 10 * SEC), 0);
	ck_assert_uint_eq(utcp_timer_next(&tw), UTCP_TIME_NEVER);
}
END_TEST

START_TEST(test_fires_in_deadline_order)
{
	struct rec r[5];
	const utcp_time_t at[5] = { 5 * MS, 3 * MS, 10 * MS, 3 * MS + 500000, 3 * MS + 1 };
	for (int i = 0; i < 5; i++) {
		rec_init(&r[i], i);
		utcp_timer_add(&tw, &r[i].t, at[i]);
	}
	ck_assert_uint_eq(tw.pending, 5);
	ck_assert_uint_eq(utcp_timer_next(&tw), 3 * MS);
	ck_assert_int_eq(utcp_timer_run(&tw, 20 * MS), 5);
	/* 3 ms, then 3 ms + 1 ns and 3.5 ms (both due at tick 4), 5 ms, 10 ms. */
	const int want[5] = { 1, 4, 3, 0, 2 };
	ck_assert_int_eq(nlog, 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(log_ids[i], want[i]);
	ck_assert_uint_eq(utcp_timer_next(&tw), UTCP_TIME_NEVER);
}
END_TEST

START_TEST(test_never_early_at_most_one_tick_late)
{
	const utcp_time_t at[] = { 1, MS - 1, MS, MS + 1, 7 * MS + 999999, 300 * MS, 2 * SEC + 3 };
	const int n = sizeof(at) / sizeof(at[0]);
	struct rec r[sizeof(at) / sizeof(at[0])];
	for (int i = 0; i < n; i++) {
		rec_init(&r[i], i);
		utcp_timer_add(&tw, &r[i].t, at[i]);
	}
	/* Walk time in 37 us steps: each fires at the first run whose now is
	 * at or after its deadline rounded up to a tick. */
	for (utcp_time_t now = 0; now <= 3 * SEC; now += 37 * UTCP_NSEC_PER_USEC) {
		utcp_timer_run(&tw, now);
		for (int i = 0; i < n; i++) {
			CHECK(now >= at[i] || r[i].fires == 0, "timer %d early at %llu", i,
			      (unsigned long long)now);
			CHECK(now < round_up(at[i]) || r[i].fires == 1, "timer %d late at %llu", i,
			      (unsigned long long)now);
		}
	}
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(r[i].fires, 1);
		ck_assert_uint_ge(r[i].fired_at, at[i]);
		ck_assert_uint_lt(r[i].fired_at, at[i] + MS + 37 * UTCP_NSEC_PER_USEC);
	}
}
END_TEST

START_TEST(test_next_is_exact_and_cached)
{
	struct rec a, b, c;
	rec_init(&a, 1);
	rec_init(&b, 2);
	rec_init(&c, 3);
	utcp_timer_add(&tw, &a.t, 40 * SEC + 1);
	ck_assert_uint_eq(utcp_timer_next(&tw), 40 * SEC + MS);
	ck_assert_uint_eq(tw.next_cache, 40 * SEC + MS);
	/* An earlier timer lowers the cached value without a rescan. */
	utcp_timer_add(&tw, &b.t, 1500 * MS);
	ck_assert_uint_eq(tw.next_cache, 1500 * MS);
	/* A later one leaves it alone. */
	utcp_timer_add(&tw, &c.t, 9 * HOUR);
	ck_assert_uint_eq(tw.next_cache, 1500 * MS);
	ck_assert_uint_eq(utcp_timer_next(&tw), 1500 * MS);
	/* Cancelling a later timer keeps the cache; the earliest drops it. */
	utcp_timer_cancel(&tw, &c.t);
	ck_assert_uint_eq(tw.next_cache, 1500 * MS);
	utcp_timer_cancel(&tw, &b.t);
	ck_assert_uint_eq(utcp_timer_next(&tw), 40 * SEC + MS);
	/* Re-arming moves it. */
	utcp_timer_add(&tw, &a.t, 2 * SEC);
	ck_assert_uint_eq(utcp_timer_next(&tw), 2 * SEC);
	/* A run that fires nothing keeps next(). */
	ck_assert_int_eq(utcp_timer_run(&tw, 1999 * MS), 0);
	ck_assert_uint_eq(utcp_timer_next(&tw), 2 * SEC);
	ck_assert_int_eq(utcp_timer_run(&tw, 2 * SEC), 1);
	ck_assert_uint_eq(utcp_timer_next(&tw), UTCP_TIME_NEVER);
}
END_TEST

START_TEST(test_cancel)
{
	struct rec a, b;
	rec_init(&a, 1);
	rec_init(&b, 2);
	utcp_timer_cancel(&tw, &a.t); /* not pending: harmless */
	ck_assert(!utcp_timer_pending(&a.t));
	utcp_timer_add(&tw, &a.t, 10 * MS);
	utcp_timer_add(&tw, &b.t, 10 * MS);
	ck_assert(utcp_timer_pending(&a.t));
	utcp_timer_cancel(&tw, &a.t);
	utcp_timer_cancel(&tw, &a.t);
	ck_assert(!utcp_timer_pending(&a.t));
	ck_assert_uint_eq(tw.pending, 1);
	ck_assert_int_eq(utcp_timer_run(&tw, 50 * MS), 1);
	ck_assert_int_eq(a.fires, 0);
	ck_assert_int_eq(b.fires, 1);
	/* Re-adding a pending timer moves it rather than filing it twice. */
	utcp_timer_add(&tw, &a.t, 60 * MS);
	utcp_timer_add(&tw, &a.t, 90 * MS);
	ck_assert_uint_eq(tw.pending, 1);
	ck_assert_int_eq(utcp_timer_run(&tw, 80 * MS), 0);
	ck_assert_int_eq(utcp_timer_run(&tw, 90 * MS), 1);
	ck_assert_int_eq(a.fires, 1);
}
END_TEST

START_TEST(test_periodic_rearm_from_callback)
{
	struct rec p;
	rec_init(&p, 1);
	p.period = 10 * MS;
	utcp_timer_add(&tw, &p.t, 10 * MS);
	for (utcp_time_t now = 0; now <= SEC; now += MS)
		utcp_timer_run(&tw, now);
	ck_assert_int_eq(p.fires, 100);
	ck_assert_uint_eq(p.fired_at, SEC);
	ck_assert_uint_eq(utcp_timer_next(&tw), SEC + 10 * MS);
	utcp_timer_cancel(&tw, &p.t);
}
END_TEST

START_TEST(test_rearm_due_fires_next_tick)
{
	/* A callback that re-arms itself for "now" does not loop within one
	 * run: it fires again one tick later. */
	struct rec p;
	rec_init(&p, 1);
	p.period = 0;
	p.rearm = &p;
	utcp_timer_add(&tw, &p.t, 5 * MS);
	ck_assert_int_eq(utcp_timer_run(&tw, 5 * MS), 1);
	ck_assert(utcp_timer_pending(&p.t));
	ck_assert_uint_eq(utcp_timer_next(&tw), 6 * MS);
	ck_assert_int_eq(utcp_timer_run(&tw, 5 * MS + 999999), 0);
	ck_assert_int_eq(utcp_timer_run(&tw, 6 * MS), 1);
	p.rearm = NULL;
	utcp_timer_cancel(&tw, &p.t);
	/* Adding a timer in the past outside run: due at the next tick. */
	utcp_timer_add(&tw, &p.t, 1 * MS);
	ck_assert_uint_eq(utcp_timer_next(&tw), 7 * MS);
	ck_assert_int_eq(utcp_timer_run(&tw, 7 * MS), 1);
}
END_TEST

START_TEST(test_callback_cancels_and_arms_others)
{
	struct rec a, b, c, d;
	rec_init(&a, 1);
	rec_init(&b, 2);
	rec_init(&c, 3);
	rec_init(&d, 4);
	/* a and b are due at the same tick; a fires first and cancels b. */
	utcp_timer_add(&tw, &a.t, 5 * MS - 10);
	utcp_timer_add(&tw, &b.t, 5 * MS);
	a.victim = &b;
	/* c (later, far away) arms d for 3 ms after it and cancels itself. */
	utcp_timer_add(&tw, &c.t, 2 * HOUR);
	c.victim = &c;
	c.rearm = &d;
	c.period = 3 * MS;
	ck_assert_int_eq(utcp_timer_run(&tw, 5 * MS), 1);
	ck_assert_int_eq(a.fires, 1);
	ck_assert_int_eq(b.fires, 0);
	ck_assert(!utcp_timer_pending(&b.t));
	ck_assert_int_eq(utcp_timer_run(&tw, 2 * HOUR), 1);
	ck_assert_int_eq(c.fires, 1);
	ck_assert(!utcp_timer_pending(&c.t));
	ck_assert(utcp_timer_pending(&d.t));
	ck_assert_uint_eq(utcp_timer_next(&tw), 2 * HOUR + 3 * MS);
	ck_assert_int_eq(utcp_timer_run(&tw, 3 * HOUR), 1);
	ck_assert_uint_eq(d.fired_at, 3 * HOUR);
}
END_TEST

START_TEST(test_callback_cancels_later_timer_in_same_jump)
{
	/* In one long jump, a firing callback cancels a timer due later in the
	 * same jump, and arms one that is still inside it. */
	struct rec a, b, c;
	rec_init(&a, 1);
	rec_init(&b, 2);
	rec_init(&c, 3);
	utcp_timer_add(&tw, &a.t, 1 * SEC);
	utcp_timer_add(&tw, &b.t, 30 * SEC);
	a.victim = &b;
	a.rearm = &c;
	a.period = 0;
	ck_assert_int_eq(utcp_timer_run(&tw, 60 * SEC), 2);
	ck_assert_int_eq(b.fires, 0);
	ck_assert_int_eq(c.fires, 1);
	ck_assert_int_eq(log_ids[0], 1);
	ck_assert_int_eq(log_ids[1], 3);
}
END_TEST

/* What a simulator does: jump straight to next() until nothing is left. */
static int drive_to_idle(int max_steps)
{
	int steps = 0;
	utcp_time_t n;
	while ((n = utcp_timer_next(&tw)) != UTCP_TIME_NEVER && steps < max_steps) {
		CHECK(utcp_timer_run(&tw, n) >= 1, "nothing fired at next()");
		steps++;
	}
	return steps;
}

START_TEST(test_time_wait_costs_one_step)
{
	struct rec tw60;
	rec_init(&tw60, 1);
	utcp_timer_run(&tw, 1234 * MS);
	utcp_timer_add(&tw, &tw60.t, 1234 * MS + 60 * SEC);
	ck_assert_uint_eq(utcp_timer_next(&tw), 61234 * MS);
	ck_assert_int_eq(drive_to_idle(10), 1);
	ck_assert_uint_eq(tw60.fired_at, 61234 * MS);
}
END_TEST

START_TEST(test_far_future_timers)
{
	/* Minutes, hours, days, beyond the 2^32-tick wheel (49.7 days), and a
	 * year: next() names each exactly and one run fires each. */
	const utcp_time_t at[] = { 90 * SEC + 7, 3 * HOUR, 5 * DAY + 1, 49 * DAY, 50 * DAY,
				   120 * DAY + 5 * MS, 365 * DAY };
	const int n = sizeof(at) / sizeof(at[0]);
	struct rec r[sizeof(at) / sizeof(at[0])];
	for (int i = n - 1; i >= 0; i--) {
		rec_init(&r[i], i);
		utcp_timer_add(&tw, &r[i].t, at[i]);
	}
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(utcp_timer_next(&tw), round_up(at[i]));
		ck_assert_int_eq(utcp_timer_run(&tw, round_up(at[i]) - 1), 0);
		ck_assert_int_eq(utcp_timer_run(&tw, round_up(at[i])), 1);
		ck_assert_int_eq(r[i].fires, 1);
		ck_assert_uint_eq(r[i].fired_at, round_up(at[i]));
	}
	ck_assert_uint_eq(utcp_timer_next(&tw), UTCP_TIME_NEVER);
}
END_TEST

START_TEST(test_huge_deadline)
{
	/* A deadline at the end of time never overflows next(). */
	struct rec r;
	rec_init(&r, 1);
	utcp_timer_add(&tw, &r.t, UTCP_TIME_NEVER - 1);
	ck_assert_uint_eq(utcp_timer_next(&tw), UTCP_TIME_NEVER);
	ck_assert_int_eq(utcp_timer_run(&tw, 1000 * DAY), 0);
	ck_assert(utcp_timer_pending(&r.t));
	utcp_timer_cancel(&tw, &r.t);
}
END_TEST

START_TEST(test_large_jump_fires_in_order)
{
	enum { N = 3000 };
	static struct rec r[N];
	struct utcp_prng prng;
	utcp_prng_seed(&prng, 42);
	for (int i = 0; i < N; i++) {
		rec_init(&r[i], i);
		utcp_timer_add(&tw, &r[i].t, 1 + utcp_prng_below(&prng, 10 * HOUR));
	}
	ck_assert_int_eq(utcp_timer_run(&tw, 10 * HOUR), N);
	ck_assert_int_eq(nlog, N);
	for (int i = 1; i < N; i++)
		CHECK(log_exp[i - 1] <= log_exp[i], "out of order at %d", i);
	for (int i = 0; i < N; i++)
		CHECK(r[i].fires == 1, "timer %d fired %d times", i, r[i].fires);
}
END_TEST

START_TEST(test_block_boundaries)
{
	/* Start just before 2^32 ticks so that level and overflow boundaries
	 * are crossed by small steps. */
	const uint64_t base = (1ull << 32) - 3;
	utcp_timer_wheel_init(&tw, base * MS);
	const int64_t off[] = { 1, 2, 3, 4, 255, 256, 257, 70000, 1 << 24, 5ll << 32 };
	const int n = sizeof(off) / sizeof(off[0]);
	struct rec r[sizeof(off) / sizeof(off[0])];
	for (int i = 0; i < n; i++) {
		rec_init(&r[i], i);
		utcp_timer_add(&tw, &r[i].t, (base + off[i]) * MS);
	}
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(utcp_timer_next(&tw), (base + off[i]) * MS);
		ck_assert_int_eq(utcp_timer_run(&tw, (base + off[i]) * MS), 1);
		ck_assert_int_eq(r[i].fires, 1);
	}
	/* A timer added in the past right at a 2^32 boundary. */
	utcp_timer_wheel_init(&tw, ((1ull << 32) - 1) * MS);
	rec_init(&r[0], 0);
	utcp_timer_add(&tw, &r[0].t, 0);
	ck_assert_uint_eq(utcp_timer_next(&tw), (1ull << 32) * MS);
	ck_assert_int_eq(utcp_timer_run(&tw, (1ull << 32) * MS), 1);
}
END_TEST

/*
 * Random operations against a reference.  Each timer's expected firing tick
 * is max(ceil(deadline), last processed tick + 1), fixed when it is armed;
 * inside a run the last processed tick is that of the timer firing.  In the
 * "chaos" variants callbacks cancel and re-arm random timers, the reference
 * following along, and every firing is checked on the spot: it is armed, due,
 * and no armed timer is earlier.
 */
#define RN 1000
static struct rec rr[RN];
static uint64_t ref_tick[RN];
static int ref_armed[RN];
static uint64_t ref_last;
static uint64_t run_target;
static struct utcp_prng chaos_prng;
static int chaos;

static utcp_time_t ref_next(void)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < RN; i++)
		if (ref_armed[i] && ref_tick[i] < best)
			best = ref_tick[i];
	return best == UINT64_MAX ? UTCP_TIME_NEVER : best * MS;
}

static utcp_time_t random_delay(struct utcp_prng *p)
{
	switch (utcp_prng_below(p, 6)) {
	case 0: return utcp_prng_below(p, 3 * MS);
	case 1: return utcp_prng_below(p, 300 * MS);
	case 2: return utcp_prng_below(p, 70 * SEC);
	case 3: return utcp_prng_below(p, 20 * HOUR);
	case 4: return utcp_prng_below(p, 200 * DAY);
	default: return utcp_prng_below(p, 2 * SEC);
	}
}

static void ref_arm(int i, utcp_time_t expires, uint64_t processed)
{
	utcp_timer_add(&tw, &rr[i].t, expires);
	uint64_t tick = (expires + MS - 1) / MS;
	ref_tick[i] = tick > processed ? tick : processed + 1;
	ref_armed[i] = 1;
}

static void chaos_fire(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct rec *r = arg;
	int i = r->id;
	CHECK(!utcp_timer_pending(t), "timer %d still pending in its callback", i);
	CHECK(ref_armed[i], "timer %d fired but was not armed", i);
	CHECK(ref_tick[i] <= run_target, "timer %d fired early", i);
	for (int j = 0; j < RN; j++) {
		if (!ref_armed[j] || j == i)
			continue;
		CHECK(ref_tick[j] > ref_tick[i] ||
			      (ref_tick[j] == ref_tick[i] && rr[j].t.expires >= t->expires),
		      "timer %d fired before %d", i, j);
	}
	ref_armed[i] = 0;
	if (nlog < LOG_MAX)
		log_ids[nlog] = i;
	nlog++;
	uint64_t cur = ref_tick[i];
	for (int k = chaos ? (int)utcp_prng_below(&chaos_prng, 4) : 0; k > 0; k--) {
		int j = (int)utcp_prng_below(&chaos_prng, RN);
		if (utcp_prng_chance(&chaos_prng, 0.4)) {
			utcp_timer_cancel(&tw, &rr[j].t);
			ref_armed[j] = 0;
		} else {
			utcp_time_t d = utcp_prng_chance(&chaos_prng, 0.3)
						? utcp_prng_below(&chaos_prng, 3 * MS)
						: random_delay(&chaos_prng);
			/* Sometimes in the past: due at the next tick. */
			utcp_time_t at = utcp_prng_chance(&chaos_prng, 0.1) && now > 4 * MS
						 ? now - 4 * MS : now + d;
			ref_arm(j, at, cur);
		}
	}
}

static void random_run(utcp_time_t now)
{
	uint64_t target = now / MS;
	run_target = target;
	int expect = 0;
	for (int i = 0; i < RN; i++)
		if (ref_armed[i] && ref_tick[i] <= target)
			expect++;
	int before = nlog;
	int fired = utcp_timer_run(&tw, now);
	CHECK(fired == nlog - before, "run returned %d, %d callbacks ran", fired, nlog - before);
	CHECK(chaos || fired == expect, "run fired %d, expected %d", fired, expect);
	for (int i = 0; i < RN; i++)
		CHECK(!ref_armed[i] || ref_tick[i] > target, "timer %d did not fire", i);
	if (target > ref_last)
		ref_last = target;
}

static void random_ops(uint64_t seed, utcp_time_t start, int ops)
{
	struct utcp_prng p;
	utcp_prng_seed(&p, seed);
	utcp_prng_seed(&chaos_prng, seed + 1);
	utcp_timer_wheel_init(&tw, start);
	memset(ref_armed, 0, sizeof(ref_armed));
	ref_last = start / MS;
	for (int i = 0; i < RN; i++) {
		rec_init(&rr[i], i);
		rr[i].t.fn = chaos_fire;
	}
	utcp_time_t now = start;
	for (int op = 0; op < ops; op++) {
		int i = (int)utcp_prng_below(&p, RN);
		uint64_t what = utcp_prng_below(&p, 100);
		if (what < 55) {
			utcp_time_t d = now + random_delay(&p);
			if (utcp_prng_chance(&p, 0.05) && d > 5 * MS)
				d -= 5 * MS; /* deadlines in the past are allowed */
			ref_arm(i, d, ref_last);
		} else if (what < 70) {
			utcp_timer_cancel(&tw, &rr[i].t);
			ref_armed[i] = 0;
		} else if (what < 95) {
			now += random_delay(&p) / (utcp_prng_chance(&p, 0.8) ? 100 : 1);
			random_run(now);
		} else {
			/* Jump straight to the next deadline, as a simulator does. */
			utcp_time_t n = utcp_timer_next(&tw);
			if (n != UTCP_TIME_NEVER) {
				CHECK(n > now, "next() %llu is not after now",
				      (unsigned long long)n);
				int before = nlog;
				now = n;
				random_run(now);
				CHECK(nlog > before, "nothing fired at next()");
			}
		}
		utcp_time_t want = ref_next(), got = utcp_timer_next(&tw);
		CHECK(got == want, "op %d: next() %llu, expected %llu", op,
		      (unsigned long long)got, (unsigned long long)want);
		uint32_t armed = 0;
		for (int k = 0; k < RN; k++)
			armed += ref_armed[k];
		CHECK(tw.pending == armed, "op %d: %u pending, expected %u", op, tw.pending, armed);
	}
	for (int i = 0; i < RN; i++)
		utcp_timer_cancel(&tw, &rr[i].t);
}

START_TEST(test_random_against_reference)
{
	/* Start at 0, just below the 2^16, 2^24 and 2^32 tick boundaries, and
	 * far out; callbacks stay quiet in the first half of the variants. */
	static const utcp_time_t starts[] = { 0, ((1ull << 16) - 5) * MS, ((1ull << 24) - 2) * MS,
					      ((1ull << 32) - 40) * MS, 123456789ull * SEC + 7 };
	chaos = _i >= 5;
	random_ops(20240601 + (uint64_t)_i, starts[_i % 5], 12000);
}
END_TEST

START_TEST(test_many_timers_drain_quickly)
{
	/* 20000 timers spread over a day, drained by jumping to next(): one
	 * step per distinct tick, never one per idle tick. */
	enum { N = 20000 };
	static struct rec r[N];
	struct utcp_prng p;
	utcp_prng_seed(&p, 7);
	for (int i = 0; i < N; i++) {
		rec_init(&r[i], i);
		utcp_timer_add(&tw, &r[i].t, utcp_prng_below(&p, DAY));
	}
	int steps = drive_to_idle(N + 1);
	ck_assert_int_le(steps, N);
	ck_assert_int_eq(nlog, N);
	for (int i = 1; i < N; i++)
		CHECK(log_exp[i - 1] <= log_exp[i], "out of order at %d", i);
}
END_TEST

static Suite *timer_suite(void)
{
	Suite *s = suite_create("timer");
	TCase *tc = tcase_create("wheel");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_wheel);
	tcase_add_test(tc, test_fires_in_deadline_order);
	tcase_add_test(tc, test_never_early_at_most_one_tick_late);
	tcase_add_test(tc, test_next_is_exact_and_cached);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_periodic_rearm_from_callback);
	tcase_add_test(tc, test_rearm_due_fires_next_tick);
	tcase_add_test(tc, test_callback_cancels_and_arms_others);
	tcase_add_test(tc, test_callback_cancels_later_timer_in_same_jump);
	tcase_add_test(tc, test_time_wait_costs_one_step);
	tcase_add_test(tc, test_far_future_timers);
	tcase_add_test(tc, test_huge_deadline);
	tcase_add_test(tc, test_large_jump_fires_in_order);
	tcase_add_test(tc, test_block_boundaries);
	tcase_add_loop_test(tc, test_random_against_reference, 0, 10);
	tcase_add_test(tc, test_many_timers_drain_quickly);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(timer_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
