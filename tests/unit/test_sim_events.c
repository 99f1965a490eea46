/*
 * tests/unit/test_sim_events.c - the simulator's event queue (sim/sched.c):
 * whatever mix of in-order streams (FIFO lanes, more streams than lanes)
 * and out-of-order times (the heap) is scheduled, events pop in (time,
 * sequence) order, each one the least of all pending, none lost; and pop
 * gives nothing before its bound.  The check is a plain list of what is
 * pending, searched for its least at every pop.
 */
#include <check.h>
#include <stdlib.h>

#include "sim/sim_int.h"

#define MAXPEND 4096

struct ref {
	utcp_time_t t;
	uint64_t seq;
};

static struct ref pend[MAXPEND];
static int npend;

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

static void sched(struct utcp_sim_world *w, utcp_time_t t)
{
	ck_assert_int_lt(npend, MAXPEND);
	pend[npend++] = (struct ref){ t, w->seq };
	sim_schedule(w, t, SIM_EV_LINK_UP, NULL, NULL, 0);
}

/* Pop one event and check it against the least pending one. */
static utcp_time_t pop_check(struct utcp_sim_world *w)
{
	struct sim_event ev;
	int best = 0;
	for (int i = 1; i < npend; i++)
		if (pend[i].t < pend[best].t || (pend[i].t == pend[best].t && pend[i].seq < pend[best].seq))
			best = i;
	ck_assert_uint_eq(sim_event_next_time(w), pend[best].t);
	if (pend[best].t > 0)
		ck_assert_int_eq(sim_event_pop(w, pend[best].t - 1, &ev), 0); /* not due yet */
	ck_assert_int_eq(sim_event_pop(w, pend[best].t, &ev), 1);
	ck_assert_uint_eq(ev.t, pend[best].t);
	ck_assert_uint_eq(ev.seq, pend[best].seq);
	pend[best] = pend[--npend];
	ck_assert_uint_eq(w->nb_ev, (size_t)npend);
	return ev.t;
}

/* A world's life: every popped event schedules the next ones at "now" plus
 * one of `nlat` latencies (in-order streams), or plus a random delay, or at
 * now itself (ties); `random_pct` percent are random. */
static void run(int nlat, int random_pct, int steps)
{
	static const utcp_time_t lat[] = { 1000, 0, 5000, 250, 70000, 3, 1000000, 42 };
	struct utcp_sim_world *w = utcp_sim_world_create(1);
	ck_assert_ptr_nonnull(w);
	npend = 0;
	utcp_time_t now = 0;
	for (int i = 0; i < 64; i++)
		sched(w, lat[i % nlat]);
	for (int s = 0; s < steps && npend > 0; s++) {
		now = pop_check(w);
		int n = (int)(next_rand() % 3); /* 0, 1 or 2 new events: the count wanders */
		if (npend < 16)
			n = 2;
		for (int k = 0; k < n && npend < MAXPEND - 1; k++) {
			uint64_t r = next_rand();
			if ((int)(r % 100) < random_pct)
				sched(w, now + (r >> 8) % 200000);
			else
				sched(w, now + lat[(r >> 8) % (uint64_t)nlat]);
		}
	}
	while (npend > 0)
		pop_check(w);
	struct sim_event ev;
	ck_assert_int_eq(sim_event_pop(w, UTCP_TIME_NEVER, &ev), 0);
	ck_assert_uint_eq(sim_event_next_time(w), UTCP_TIME_NEVER);
	utcp_sim_world_destroy(w);
}

START_TEST(one_latency_stays_in_order)
{
	run(1, 0, 20000);
}
END_TEST

START_TEST(as_many_latencies_as_lanes)
{
	run(SIM_LANES, 0, 20000);
}
END_TEST

START_TEST(more_latencies_than_lanes)
{
	run(8, 0, 20000);
}
END_TEST

START_TEST(random_delays_and_ties)
{
	run(2, 30, 20000);
	run(8, 100, 20000);
}
END_TEST

static Suite *events_suite(void)
{
	Suite *s = suite_create("sim_events");
	TCase *tc = tcase_create("order");
	tcase_add_test(tc, one_latency_stays_in_order);
	tcase_add_test(tc, as_many_latencies_as_lanes);
	tcase_add_test(tc, more_latencies_than_lanes);
	tcase_add_test(tc, random_delays_and_ties);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(events_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
