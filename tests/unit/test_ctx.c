/*
 * tests/unit/test_ctx.c - stacks, per-core contexts, transmit batching.
 *
 * A 2-queue test NIC under two contexts: each context sees only its own
 * queue, answers on it and keeps its own ARP cache, counters and echo
 * handler.  Then the context glue: creation errors, configured MACs, the
 * CTRL -> ACK -> DATA order in one burst, a NIC that refuses frames, exact
 * buffer accounting, waiting, and seeding.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/io/io.h"
#include "core/net/net.h"
#include "tests/unit/testnic.h"

static uint8_t f[TN_FRAME_MAX], want[TN_FRAME_MAX], out[TN_FRAME_MAX];

/* ---- two contexts on one 2-queue NIC ------------------------------------ */

static struct utcp_config cfg2;
static struct utcp_nic *nic2;
static struct utcp_stack *st2;
static struct utcp_ctx *c0, *c1;

static void two_setup(void)
{
	char err[128] = "";

	tn_host_config(&cfg2);
	cfg2.num_cores = 2;
	nic2 = tn_new("tn0", 2, tn_host_mac, 256);
	st2 = utcp_stack_open_nics(&cfg2, &nic2, 1, err, sizeof(err));
	ck_assert_msg(st2 != NULL, "%s", err);
	c0 = utcp_ctx_create(st2, 0);
	c1 = utcp_ctx_create(st2, 1);
	ck_assert_ptr_nonnull(c0);
	ck_assert_ptr_nonnull(c1);
}

static void two_teardown(void)
{
	utcp_ctx_destroy(c0);
	utcp_ctx_destroy(c1);
	tn_tx_drain(nic2);
	ck_assert_uint_eq(tn_bufs_in_use(nic2), 0);
	utcp_stack_close(st2);
}

struct echo_seen {
	int n;
	uint16_t seq;
};

static void on_echo(void *arg, uint32_t src, uint16_t id, uint16_t seq, const uint8_t *payload,
		    size_t len, utcp_time_t now)
{
	struct echo_seen *e = arg;

	(void)src, (void)id, (void)payload, (void)len, (void)now;
	e->n++;
	e->seq = seq;
}

START_TEST(each_context_serves_its_own_queue)
{
	struct tn_meta m;
	size_t wl;

	/* The peer's ARP request lands on queue 1: only context 1 sees it. */
	tn_inject(nic2, 1, f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP,
				     tn_zero_mac, TN_HOST_IP));
	ck_assert_int_eq(utcp_ctx_poll(c0), 0);
	ck_assert_uint_eq(utcp_ctx_stats(c0)->rx_frames, 0);
	ck_assert_int_eq(utcp_ctx_poll(c1), 1);
	tn_expect_no_tx(nic2, 0);
	wl = tn_arp(want, tn_peer_mac, tn_host_mac, 2, tn_host_mac, TN_HOST_IP, tn_peer_mac,
		    TN_PEER_IP);
	ck_assert_uint_eq(tn_tx_pop_meta(nic2, 1, out, sizeof(out), &m), wl);
	ck_assert_mem_eq(out, want, wl);
	ck_assert_uint_eq(m.queue, 1);
	ck_assert_ptr_nonnull(utcp_arp_lookup(c1, TN_PEER_IP));
	ck_assert_ptr_null(utcp_arp_lookup(c0, TN_PEER_IP)); /* caches are per context */

	/* Context 1 answers the peer's ping at once: it knows the peer. */
	tn_inject(nic2, 1, f, tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 8,
					   5, 1, "q1", 2));
	utcp_ctx_poll(c1);
	wl = tn_icmp_echo(want, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 0, 5, 1, "q1", 2);
	tn_expect_tx_ipv4(nic2, 1, want, wl);

	/* Context 0 pings the peer: ARP first, on queue 0. */
	struct echo_seen s0 = { 0 }, s1 = { 0 };
	utcp_ctx_set_echo_handler(c0, on_echo, &s0);
	utcp_ctx_set_echo_handler(c1, on_echo, &s1);
	ck_assert_int_eq(utcp_ping(c0, TN_PEER_IP, 77, 3, "q0", 2), 0);
	utcp_ctx_poll(c0);
	wl = tn_arp(want, tn_bcast, tn_host_mac, 1, tn_host_mac, TN_HOST_IP, tn_zero_mac,
		    TN_PEER_IP);
	tn_expect_tx(nic2, 0, want, wl);
	tn_inject(nic2, 0, f, tn_arp(f, tn_host_mac, tn_peer_mac, 2, tn_peer_mac, TN_PEER_IP,
				     tn_host_mac, TN_HOST_IP));
	utcp_ctx_poll(c0);
	wl = tn_icmp_echo(want, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 8, 77, 3, "q0",
			  2);
	tn_expect_tx_ipv4(nic2, 0, want, wl);
	tn_inject(nic2, 0, f, tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 0,
					   77, 3, "q0", 2));
	utcp_ctx_poll(c1);
	utcp_ctx_poll(c0);
	ck_assert_int_eq(s0.n, 1);
	ck_assert_uint_eq(s0.seq, 3);
	ck_assert_int_eq(s1.n, 0);
	tn_expect_no_tx(nic2, 0);
	tn_expect_no_tx(nic2, 1);

	ck_assert_uint_eq(utcp_ctx_stats(c0)->icmp_echo_rep_rx, 1);
	ck_assert_uint_eq(utcp_ctx_stats(c1)->icmp_echo_rep_tx, 1);
	ck_assert_uint_eq(utcp_ctx_stats(c0)->icmp_echo_rep_tx, 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(c0), 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(c1), 0);
	ck_assert_int_eq(utcp_ctx_core(c0), 0);
	ck_assert_int_eq(utcp_ctx_core(c1), 1);
}
END_TEST

START_TEST(arp_copies_teach_every_context_one_answers)
{
	size_t len = tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
			    TN_HOST_IP);
	size_t wl;

	/* A NIC that hands ARP to every queue: the original to queue 0, a
	 * flagged copy to queue 1. */
	tn_inject(nic2, 0, f, len);
	tn_inject_flags(nic2, 1, f, len, UTCP_PKT_RX_COPY);
	utcp_ctx_poll(c0);
	utcp_ctx_poll(c1);
	wl = tn_arp(want, tn_peer_mac, tn_host_mac, 2, tn_host_mac, TN_HOST_IP, tn_peer_mac,
		    TN_PEER_IP);
	tn_expect_tx(nic2, 0, want, wl);
	tn_expect_no_tx(nic2, 1); /* one request, one reply */
	ck_assert_ptr_nonnull(utcp_arp_lookup(c0, TN_PEER_IP));
	ck_assert_ptr_nonnull(utcp_arp_lookup(c1, TN_PEER_IP));
	/* Context 1 learned from the copy: its ping needs no request. */
	ck_assert_int_eq(utcp_ping(c1, TN_PEER_IP, 1, 1, "c", 1), 0);
	utcp_ctx_poll(c1);
	wl = tn_icmp_echo(want, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 8, 1, 1, "c", 1);
	tn_expect_tx_ipv4(nic2, 1, want, wl);
	ck_assert_uint_eq(utcp_ctx_stats(c1)->arp_req_tx, 0);
}
END_TEST

START_TEST(create_errors)
{
	errno = 0;
	ck_assert_ptr_null(utcp_ctx_create(st2, 0));
	ck_assert_int_eq(errno, EEXIST);
	errno = 0;
	ck_assert_ptr_null(utcp_ctx_create(st2, 2));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(utcp_ctx_create(st2, -1));
	ck_assert_int_eq(errno, EINVAL);
	/* Destroyed, a core can be created again. */
	utcp_ctx_destroy(c1);
	c1 = utcp_ctx_create(st2, 1);
	ck_assert_ptr_nonnull(c1);
}
END_TEST

START_TEST(seeds_differ_per_core_and_repeat_per_seed)
{
	struct utcp_nic *n = tn_new("tn0", 2, tn_host_mac, 16);
	struct utcp_stack *again = utcp_stack_open_nics(&cfg2, &n, 1, NULL, 0);
	struct utcp_ctx *a0 = utcp_ctx_create(again, 0);

	uint64_t x0 = utcp_prng_next(&c0->prng), y0 = utcp_prng_next(&a0->prng);
	uint64_t z1 = utcp_prng_next(&c1->prng);

	ck_assert_uint_eq(c0->ip_id, a0->ip_id); /* same seed, same core: same draws */
	ck_assert_uint_eq(x0, y0);
	ck_assert_uint_ne(x0, z1); /* another core: another stream */
	utcp_stack_close(again); /* also destroys a0 */
}
END_TEST

START_TEST(stack_accessors)
{
	ck_assert_ptr_eq(utcp_stack_nic(st2, 0), nic2);
	ck_assert_ptr_null(utcp_stack_nic(st2, 1));
	ck_assert_ptr_null(utcp_stack_nic(st2, -1));
	ck_assert_int_eq(utcp_stack_config(st2)->num_cores, 2);
	ck_assert_uint_eq(utcp_stack_config(st2)->ports[0].ip, TN_HOST_IP);
}
END_TEST

/* ---- stack opening ------------------------------------------------------ */

START_TEST(open_nics_checks_queues_and_count)
{
	struct utcp_config c;
	struct utcp_nic *n = tn_new("tn0", 1, tn_host_mac, 16);
	char err[128] = "";

	tn_host_config(&c);
	c.num_cores = 2;
	errno = 0;
	ck_assert_ptr_null(utcp_stack_open_nics(&c, &n, 1, err, sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err, "queues") != NULL, "message: %s", err);
	c.num_cores = 1;
	errno = 0;
	ck_assert_ptr_null(utcp_stack_open_nics(&c, &n, 0, err, sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	c.nb_ports = 0;
	ck_assert_ptr_null(utcp_stack_open_nics(&c, &n, 0, err, sizeof(err)));
	c.nb_ports = 1;
	c.num_cores = 0;
	ck_assert_ptr_null(utcp_stack_open_nics(&c, &n, 1, err, sizeof(err)));
	utcp_nic_close(n); /* a failed open leaves the NIC to its caller */
}
END_TEST

START_TEST(open_unknown_backend_fails)
{
	struct utcp_config c;
	char err[256] = "";

	tn_host_config(&c);
	snprintf(c.io, sizeof(c.io), "nosuch");
	ck_assert_ptr_null(utcp_stack_open(&c, err, sizeof(err)));
}
END_TEST

/* ---- one context: batching, accounting, waiting ------------------------- */

static struct tn_host h;

static void one_setup(void)
{
	struct utcp_config c;

	tn_host_config(&c);
	tn_host_up(&h, &c, 1);
}

static void one_teardown(void)
{
	tn_host_down(&h);
}

/* A one-byte frame holding `tag`, from our NIC. */
static struct utcp_pkt *frame(char tag)
{
	struct utcp_pkt *p = utcp_ctx_alloc(h.ctx, 0);

	ck_assert_ptr_nonnull(p);
	p->data[0] = (uint8_t)tag;
	p->len = 1;
	return p;
}

START_TEST(flush_sends_ctrl_ack_data_in_one_burst)
{
	utcp_tx_enqueue(h.ctx, 0, frame('d'), UTCP_TX_DATA);
	utcp_tx_enqueue(h.ctx, 0, frame('a'), UTCP_TX_ACK);
	utcp_tx_enqueue(h.ctx, 0, frame('D'), UTCP_TX_DATA);
	utcp_tx_enqueue(h.ctx, 0, frame('c'), UTCP_TX_CTRL);
	utcp_tx_enqueue(h.ctx, 0, frame('A'), UTCP_TX_ACK);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 0); /* nothing before the flush */
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 5);
	utcp_tx_flush(h.ctx);
	ck_assert_uint_eq(tn_of(h.nic)->tx_calls, 1);
	const char *order = "caAdD";
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(tn_tx_pop(h.nic, 0, out, sizeof(out)), 1);
		ck_assert_int_eq(out[0], order[i]);
	}
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->tx_frames, 5);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->tx_bytes, 5);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
	utcp_tx_flush(h.ctx); /* empty: no call */
	ck_assert_uint_eq(tn_of(h.nic)->tx_calls, 1);
}
END_TEST

START_TEST(refused_frames_are_freed_and_counted)
{
	tn_set_tx_room(h.nic, 1);
	utcp_tx_enqueue(h.ctx, 0, frame('1'), UTCP_TX_DATA);
	utcp_tx_enqueue(h.ctx, 0, frame('2'), UTCP_TX_DATA);
	utcp_tx_enqueue(h.ctx, 0, frame('3'), UTCP_TX_CTRL);
	utcp_tx_flush(h.ctx);
	ck_assert_uint_eq(tn_tx_pop(h.nic, 0, out, sizeof(out)), 1);
	ck_assert_int_eq(out[0], '3');
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->tx_frames, 1);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->tx_full, 2);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

START_TEST(full_batch_flushes_early)
{
	for (int i = 0; i < UTCP_TX_BATCH; i++)
		utcp_tx_enqueue(h.ctx, 0, frame('x'), UTCP_TX_DATA);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 0);
	utcp_tx_enqueue(h.ctx, 0, frame('y'), UTCP_TX_DATA); /* batch full: flush first */
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), UTCP_TX_BATCH);
	utcp_tx_flush(h.ctx);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), UTCP_TX_BATCH + 1);
	ck_assert_uint_eq(tn_tx_drain(h.nic), UTCP_TX_BATCH + 1);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

START_TEST(buffer_accounting_is_exact)
{
	struct utcp_pkt *a = frame('a'), *b = frame('b');

	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 2);
	utcp_ctx_free(h.ctx, 0, a);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 1);
	utcp_tx_enqueue(h.ctx, 0, b, UTCP_TX_CTRL);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 1); /* queued: still ours */
	utcp_ctx_poll(h.ctx);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0); /* the NIC has it */
	/* A received frame is ours until it is consumed. */
	tn_inject(h.nic, 0, f, tn_eth(f, tn_host_mac, tn_peer_mac, 0x86dd));
	utcp_ctx_poll(h.ctx);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
	ck_assert_uint_eq(tn_bufs_in_use(h.nic), 1); /* 'b', captured by the test NIC */
}
END_TEST

START_TEST(destroy_gives_everything_back)
{
	/* Frames waiting for ARP and frames batched but unsent. */
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 1, "w", 1), 0);
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 2, "w", 1), 0);
	utcp_tx_enqueue(h.ctx, 0, frame('q'), UTCP_TX_DATA);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 4); /* 2 pings, ARP request, 'q' */
	/* the fixture destroys the context and checks the NIC's pool */
}
END_TEST

START_TEST(wait_until_deadline_or_frame)
{
	utcp_time_t t0 = utcp_ctx_now(h.ctx);

	/* Nothing to do: sleep until the deadline (the test NIC jumps there). */
	ck_assert_int_eq(utcp_ctx_wait(h.ctx, t0 + 5 * UTCP_NSEC_PER_MSEC), 0);
	ck_assert_uint_eq(utcp_ctx_now(h.ctx), t0 + 5 * UTCP_NSEC_PER_MSEC);
	ck_assert_uint_eq(tn_of(h.nic)->last_wait, t0 + 5 * UTCP_NSEC_PER_MSEC);
	/* A deadline already past: poll only. */
	unsigned waits = tn_of(h.nic)->waits;
	ck_assert_int_eq(utcp_ctx_wait(h.ctx, t0), 0);
	ck_assert_uint_eq(tn_of(h.nic)->waits, waits);
	/* A frame ready: handled at once, no sleep. */
	tn_inject(h.nic, 0, f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP,
				      tn_zero_mac, TN_HOST_IP));
	ck_assert_int_eq(utcp_ctx_wait(h.ctx, UTCP_TIME_NEVER), 1);
	ck_assert_uint_eq(tn_of(h.nic)->waits, waits);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 1);
	/* Nothing pending and no deadline: the next timer bounds the sleep
	 * (the peer's ARP entry ages out in 60 s). */
	utcp_time_t t1 = utcp_ctx_now(h.ctx);
	ck_assert_uint_eq(utcp_ctx_next_deadline(h.ctx), t1 + 60 * UTCP_NSEC_PER_SEC);
	ck_assert_int_eq(utcp_ctx_wait(h.ctx, UTCP_TIME_NEVER), 1); /* one timer fired */
	ck_assert_uint_eq(utcp_ctx_now(h.ctx), t1 + 60 * UTCP_NSEC_PER_SEC);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->arp_expired, 1);
	ck_assert_uint_eq(utcp_ctx_next_deadline(h.ctx), UTCP_TIME_NEVER);
}
END_TEST

START_TEST(configured_mac_overrides_nic_mac)
{
	static const uint8_t cmac[6] = { 0x02, 0xaa, 0, 0, 0, 0x01 };
	struct utcp_config c;
	size_t wl;

	tn_host_down(&h);
	tn_host_config(&c);
	memcpy(c.ports[0].mac, cmac, 6);
	c.ports[0].has_mac = 1;
	tn_host_up(&h, &c, 1);
	/* To the configured MAC: answered from it. */
	tn_inject(h.nic, 0, f, tn_arp(f, cmac, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
				      TN_HOST_IP));
	utcp_ctx_poll(h.ctx);
	wl = tn_arp(want, tn_peer_mac, cmac, 2, cmac, TN_HOST_IP, tn_peer_mac, TN_PEER_IP);
	tn_expect_tx(h.nic, 0, want, wl);
	/* To the NIC's own MAC: not ours any more. */
	tn_inject(h.nic, 0, f, tn_arp(f, tn_host_mac, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP,
				      tn_zero_mac, TN_HOST_IP));
	utcp_ctx_poll(h.ctx);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->drop_eth_dst, 1);
}
END_TEST

static Suite *ctx_suite(void)
{
	Suite *s = suite_create("ctx");
	TCase *two = tcase_create("two_contexts");
	TCase *open = tcase_create("open");
	TCase *one = tcase_create("one_context");

	tcase_add_checked_fixture(two, two_setup, two_teardown);
	tcase_add_test(two, each_context_serves_its_own_queue);
	tcase_add_test(two, arp_copies_teach_every_context_one_answers);
	tcase_add_test(two, create_errors);
	tcase_add_test(two, seeds_differ_per_core_and_repeat_per_seed);
	tcase_add_test(two, stack_accessors);
	suite_add_tcase(s, two);

	tcase_add_test(open, open_nics_checks_queues_and_count);
	tcase_add_test(open, open_unknown_backend_fails);
	suite_add_tcase(s, open);

	tcase_add_checked_fixture(one, one_setup, one_teardown);
	tcase_add_test(one, flush_sends_ctrl_ack_data_in_one_burst);
	tcase_add_test(one, refused_frames_are_freed_and_counted);
	tcase_add_test(one, full_batch_flushes_early);
	tcase_add_test(one, buffer_accounting_is_exact);
	tcase_add_test(one, destroy_gives_everything_back);
	tcase_add_test(one, wait_until_deadline_or_frame);
	tcase_add_test(one, configured_mac_overrides_nic_mac);
	suite_add_tcase(s, one);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ctx_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
