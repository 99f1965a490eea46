/*
 * tests/unit/test_pool.c - object pools and packet-buffer pools (core/base/pool.c).
 *
 * Drains a pool to exhaustion and back, checks ownership and alignment, and
 * the packet pool's buffer layout (standard headroom, owner), push/pull and
 * clone.  The fixture asserts that nothing is still handed out at teardown.
 * Lazy pools (utcp_pool_init_lazy): carved in address order on demand, the
 * free list first, untouched until handed out, the same bound and counters.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/nic.h>

#include "core/base/pool.h"

#define N 16
static struct utcp_pool pool;
static struct utcp_pkt_pool pp;

static void setup(void)
{
	ck_assert_int_eq(utcp_pool_init(&pool, "objs", 100, N), 0);
	ck_assert_int_eq(utcp_pkt_pool_init(&pp, "pkts", UTCP_PKT_BUF_SIZE, 4), 0);
}

static void teardown(void)
{
	ck_assert_uint_eq(pool.in_use, 0);
	ck_assert_uint_eq(pp.pool.in_use, 0);
	utcp_pool_destroy(&pool);
	utcp_pkt_pool_destroy(&pp);
}

START_TEST(test_init)
{
	ck_assert_uint_eq(pool.count, N);
	ck_assert_uint_eq(pool.size, 128); /* 100 rounded up to 64 */
	ck_assert_uint_eq(utcp_pool_avail(&pool), N);
	ck_assert_str_eq(pool.name, "objs");
	struct utcp_pool p;
	errno = 0;
	ck_assert_int_eq(utcp_pool_init(&p, "none", 64, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(utcp_pool_init(&p, "tiny", 1, 3), 0);
	ck_assert_uint_eq(p.size, 64);
	utcp_pool_destroy(&p);
}
END_TEST

START_TEST(test_get_put_exhaustion)
{
	void *objs[N];
	for (int i = 0; i < N; i++) {
		objs[i] = utcp_pool_get(&pool);
		ck_assert_ptr_nonnull(objs[i]);
		ck_assert_uint_eq((uintptr_t)objs[i] % 64, 0);
		/* Handed out in address order, never twice. */
		if (i > 0)
			ck_assert_ptr_eq(objs[i], (char *)objs[i - 1] + pool.size);
		memset(objs[i], 0x5a, 100);
	}
	ck_assert_uint_eq(pool.in_use, N);
	ck_assert_uint_eq(utcp_pool_avail(&pool), 0);
	ck_assert_uint_eq(pool.failures, 0);
	/* Empty: NULL, counted each time. */
	ck_assert_ptr_null(utcp_pool_get(&pool));
	ck_assert_ptr_null(utcp_pool_get(&pool));
	ck_assert_uint_eq(pool.failures, 2);
	ck_assert_uint_eq(pool.in_use, N);
	/* One back: the next get returns it. */
	utcp_pool_put(&pool, objs[5]);
	ck_assert_uint_eq(utcp_pool_avail(&pool), 1);
	void *again = utcp_pool_get(&pool);
	ck_assert_ptr_eq(again, objs[5]);
	ck_assert_ptr_null(utcp_pool_get(&pool));
	ck_assert_uint_eq(pool.failures, 3);
	for (int i = 0; i < N; i++)
		utcp_pool_put(&pool, objs[i]);
	ck_assert_uint_eq(pool.in_use, 0);
	ck_assert_uint_eq(pool.high_water, N);
	/* Fully recovered. */
	for (int i = 0; i < N; i++)
		ck_assert_ptr_nonnull(objs[i] = utcp_pool_get(&pool));
	for (int i = 0; i < N; i++)
		utcp_pool_put(&pool, objs[i]);
}
END_TEST

START_TEST(test_high_water)
{
	void *a = utcp_pool_get(&pool), *b = utcp_pool_get(&pool), *c = utcp_pool_get(&pool);
	utcp_pool_put(&pool, b);
	utcp_pool_put(&pool, a);
	void *d = utcp_pool_get(&pool);
	ck_assert_uint_eq(pool.in_use, 2);
	ck_assert_uint_eq(pool.high_water, 3);
	utcp_pool_put(&pool, c);
	utcp_pool_put(&pool, d);
}
END_TEST

START_TEST(test_owns)
{
	char *o = utcp_pool_get(&pool);
	ck_assert_int_eq(utcp_pool_owns(&pool, o), 1);
	ck_assert_int_eq(utcp_pool_owns(&pool, o + 1), 0);
	ck_assert_int_eq(utcp_pool_owns(&pool, o + pool.size), 1);
	ck_assert_int_eq(utcp_pool_owns(&pool, (char *)pool.mem - pool.size), 0);
	ck_assert_int_eq(utcp_pool_owns(&pool, (char *)pool.mem + pool.size * N), 0);
	ck_assert_int_eq(utcp_pool_owns(&pool, NULL), 0);
	int local;
	ck_assert_int_eq(utcp_pool_owns(&pool, &local), 0);
	/* A packet from another pool is not ours. */
	struct utcp_pkt *pkt = utcp_pkt_pool_get(&pp);
	ck_assert_int_eq(utcp_pool_owns(&pool, pkt), 0);
	ck_assert_int_eq(utcp_pool_owns(&pp.pool, pkt), 1);
	utcp_pkt_pool_put(pkt);
	utcp_pool_put(&pool, o);
}
END_TEST

START_TEST(test_pkt_layout)
{
	struct utcp_pkt *p = utcp_pkt_pool_get(&pp);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(p->owner, &pp);
	ck_assert_uint_eq(p->buf_len, UTCP_PKT_BUF_SIZE);
	ck_assert_uint_eq(utcp_pkt_headroom(p), UTCP_PKT_HEADROOM);
	ck_assert_uint_eq(p->len, 0);
	ck_assert_uint_eq(utcp_pkt_tailroom(p), UTCP_PKT_BUF_SIZE - UTCP_PKT_HEADROOM);
	ck_assert_uint_eq(p->ol_flags, 0);
	ck_assert_ptr_null(p->next);
	/* The buffer lies inside the pool object, after the header. */
	ck_assert(p->buf > (uint8_t *)p);
	ck_assert(p->buf + p->buf_len <= (uint8_t *)p + pp.pool.size);
	/* Build a frame: payload, then push headers into the headroom. */
	memset(p->data, 0xee, 20);
	p->len = 20;
	uint8_t *h = utcp_pkt_push(p, 14);
	ck_assert_ptr_eq(h, p->data);
	ck_assert_uint_eq(p->len, 34);
	ck_assert_uint_eq(utcp_pkt_headroom(p), UTCP_PKT_HEADROOM - 14);
	ck_assert_ptr_null(utcp_pkt_push(p, UTCP_PKT_HEADROOM));
	ck_assert_ptr_nonnull(utcp_pkt_pull(p, 14));
	ck_assert_ptr_null(utcp_pkt_pull(p, 21));
	ck_assert_uint_eq(p->len, 20);
	/* A buffer that comes back is reset on the next get. */
	p->ol_flags = 7;
	p->user = 9;
	utcp_pkt_pool_put(p);
	struct utcp_pkt *q = utcp_pkt_pool_get(&pp);
	ck_assert_ptr_eq(q, p);
	ck_assert_uint_eq(q->ol_flags, 0);
	ck_assert_uint_eq(q->user, 0);
	ck_assert_uint_eq(utcp_pkt_headroom(q), UTCP_PKT_HEADROOM);
	utcp_pkt_pool_put(q);
}
END_TEST

START_TEST(test_pkt_exhaustion)
{
	struct utcp_pkt *p[4];
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(p[i] = utcp_pkt_pool_get(&pp));
	ck_assert_ptr_null(utcp_pkt_pool_get(&pp));
	ck_assert_uint_eq(pp.pool.failures, 1);
	/* Clone fails too when nothing is left, and leaks nothing. */
	ck_assert_ptr_null(utcp_pkt_pool_clone(&pp, p[0]));
	ck_assert_uint_eq(pp.pool.in_use, 4);
	utcp_pkt_pool_put(p[2]);
	ck_assert_ptr_eq(utcp_pkt_pool_get(&pp), p[2]);
	for (int i = 0; i < 4; i++)
		utcp_pkt_pool_put(p[i]);
}
END_TEST

START_TEST(test_pkt_clone)
{
	struct utcp_pkt *src = utcp_pkt_pool_get(&pp);
	/* A received-looking frame: data not at the standard headroom. */
	src->data = src->buf + 40;
	for (int i = 0; i < 60; i++)
		src->data[i] = (uint8_t)i;
	src->len = 60;
	src->queue = 3;
	src->ol_flags = UTCP_PKT_RX_RSS_HASH | UTCP_PKT_RX_IP_CKSUM_GOOD;
	src->rss_hash = 0xdeadbeef;
	src->l2_len = 14;
	src->l3_len = 20;
	struct utcp_pkt *c = utcp_pkt_pool_clone(&pp, src);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_ne(c, src);
	ck_assert_uint_eq(c->len, 60);
	ck_assert_mem_eq(c->data, src->data, 60);
	ck_assert_uint_eq(utcp_pkt_headroom(c), UTCP_PKT_HEADROOM);
	ck_assert_uint_eq(c->queue, 3);
	ck_assert_uint_eq(c->ol_flags, src->ol_flags);
	ck_assert_uint_eq(c->rss_hash, 0xdeadbeef);
	ck_assert_uint_eq(c->l2_len, 14);
	ck_assert_uint_eq(c->l3_len, 20);
	ck_assert_ptr_eq(c->owner, &pp);
	/* The copy is independent. */
	c->data[0] = 0xff;
	ck_assert_uint_eq(src->data[0], 0);
	utcp_pkt_pool_put(c);
	/* A frame longer than the clone's tailroom is refused, nothing leaks. */
	src->data = src->buf;
	src->len = (uint16_t)(UTCP_PKT_BUF_SIZE - UTCP_PKT_HEADROOM + 1);
	ck_assert_ptr_null(utcp_pkt_pool_clone(&pp, src));
	ck_assert_uint_eq(pp.pool.in_use, 1);
	utcp_pkt_pool_put(src);
}
END_TEST

/* ---- lazy mode -------------------------------------------------------------- */

#define LN 8
#define LSIZE 200

START_TEST(test_lazy_init)
{
	struct utcp_pool p;
	ck_assert_int_eq(utcp_pool_init_lazy(&p, "lazy", LSIZE, LN), 0);
	ck_assert_uint_eq(p.count, LN);
	ck_assert_uint_eq(p.size, 256);     /* 200 rounded up to 64 */
	ck_assert_uint_eq(p.obj_size, LSIZE); /* as asked */
	ck_assert_uint_eq(p.fresh, 0);      /* nothing carved yet */
	ck_assert_ptr_null(p.free_list);
	ck_assert_uint_eq(utcp_pool_avail(&p), LN);
	ck_assert_str_eq(p.name, "lazy");
	utcp_pool_destroy(&p);
	errno = 0;
	ck_assert_int_eq(utcp_pool_init_lazy(&p, "none", 64, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(utcp_pool_init_lazy(&p, "huge", SIZE_MAX / 2, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* The eager pool keeps the size asked for too, and has nothing fresh. */
	ck_assert_uint_eq(pool.obj_size, 100);
	ck_assert_uint_eq(pool.fresh, N);
}
END_TEST

START_TEST(test_lazy_carve_order_and_cap)
{
	struct utcp_pool p;
	void *o[LN];
	ck_assert_int_eq(utcp_pool_init_lazy(&p, "lazy", LSIZE, LN), 0);
	for (int i = 0; i < LN; i++) {
		o[i] = utcp_pool_get(&p);
		ck_assert_ptr_eq(o[i], (char *)p.mem + (size_t)i * p.size);
		ck_assert_uint_eq((uintptr_t)o[i] % 64, 0);
		ck_assert_uint_eq(p.fresh, (uint32_t)i + 1);
		ck_assert_uint_eq(p.in_use, (uint32_t)i + 1);
	}
	ck_assert_uint_eq(p.high_water, LN);
	ck_assert_uint_eq(utcp_pool_avail(&p), 0);
	ck_assert_uint_eq(p.failures, 0);
	ck_assert_ptr_null(utcp_pool_get(&p)); /* the cap */
	ck_assert_ptr_null(utcp_pool_get(&p));
	ck_assert_uint_eq(p.failures, 2);
	ck_assert_uint_eq(p.in_use, LN);
	ck_assert_uint_eq(p.fresh, LN);
	for (int i = 0; i < LN; i++)
		utcp_pool_put(&p, o[i]);
	ck_assert_uint_eq(p.in_use, 0);
	ck_assert_uint_eq(utcp_pool_avail(&p), LN);
	utcp_pool_destroy(&p);
}
END_TEST

START_TEST(test_lazy_reuse_before_carving)
{
	struct utcp_pool p;
	ck_assert_int_eq(utcp_pool_init_lazy(&p, "lazy", LSIZE, LN), 0);
	void *a = utcp_pool_get(&p), *b = utcp_pool_get(&p), *c = utcp_pool_get(&p);
	ck_assert_uint_eq(p.fresh, 3);
	/* Returned objects come back last in, first out, before a fresh one. */
	utcp_pool_put(&p, a);
	utcp_pool_put(&p, c);
	ck_assert_ptr_eq(utcp_pool_get(&p), c);
	ck_assert_ptr_eq(utcp_pool_get(&p), a);
	ck_assert_uint_eq(p.fresh, 3);
	/* The free list empty again: carving resumes where it stopped. */
	void *d = utcp_pool_get(&p);
	ck_assert_ptr_eq(d, (char *)p.mem + 3 * p.size);
	ck_assert_uint_eq(p.fresh, 4);
	ck_assert_uint_eq(p.in_use, 4);
	ck_assert_uint_eq(p.high_water, 4);
	utcp_pool_put(&p, a);
	utcp_pool_put(&p, b);
	utcp_pool_put(&p, c);
	utcp_pool_put(&p, d);
	ck_assert_uint_eq(p.in_use, 0);
	utcp_pool_destroy(&p);
}
END_TEST

/* Creation and carving write nothing into the objects; only put() writes,
 * and only the first word of the object it takes back. */
START_TEST(test_lazy_untouched)
{
	struct utcp_pool p;
	ck_assert_int_eq(utcp_pool_init_lazy(&p, "lazy", LSIZE, LN), 0);
	memset(p.mem, 0xa5, p.size * LN);
	unsigned char *o = utcp_pool_get(&p);
	for (size_t i = 0; i < p.size * LN; i++)
		ck_assert_uint_eq(((unsigned char *)p.mem)[i], 0xa5);
	utcp_pool_put(&p, o);
	for (size_t i = sizeof(void *); i < p.size * LN; i++)
		ck_assert_uint_eq(((unsigned char *)p.mem)[i], 0xa5);
	utcp_pool_destroy(&p);
}
END_TEST

START_TEST(test_lazy_owns)
{
	struct utcp_pool p;
	ck_assert_int_eq(utcp_pool_init_lazy(&p, "lazy", LSIZE, LN), 0);
	char *o = utcp_pool_get(&p);
	ck_assert_int_eq(utcp_pool_owns(&p, o), 1);
	ck_assert_int_eq(utcp_pool_owns(&p, o + 1), 0);
	/* Not yet carved, but of this pool. */
	ck_assert_int_eq(utcp_pool_owns(&p, (char *)p.mem + (LN - 1) * p.size), 1);
	ck_assert_int_eq(utcp_pool_owns(&p, (char *)p.mem + LN * p.size), 0);
	ck_assert_int_eq(utcp_pool_owns(&pool, o), 0);
	utcp_pool_put(&p, o);
	utcp_pool_destroy(&p);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_get_put_exhaustion);
	tcase_add_test(tc, test_high_water);
	tcase_add_test(tc, test_owns);
	tcase_add_test(tc, test_pkt_layout);
	tcase_add_test(tc, test_pkt_exhaustion);
	tcase_add_test(tc, test_pkt_clone);
	tcase_add_test(tc, test_lazy_init);
	tcase_add_test(tc, test_lazy_carve_order_and_cap);
	tcase_add_test(tc, test_lazy_reuse_before_carving);
	tcase_add_test(tc, test_lazy_untouched);
	tcase_add_test(tc, test_lazy_owns);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pool_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
