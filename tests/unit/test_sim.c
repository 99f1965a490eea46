/*
 * tests/unit/test_sim.c - the deterministic simulator (sim).
 *
 * Raw-frame tests put two sim NICs on a link, send frames with tx_burst and
 * check when (pkt->ts, the virtual arrival time) and in what order they
 * come out of the far end's rx rings: latency, serialization at the link
 * rate, the drop-tail queue, tie order, idle-time jumps, RSS steering.
 * Host tests run step callbacks and coroutines (raw frames, then the real
 * stack answering pings) and check that the same seed gives the same run.
 * Every test ends in teardown(), which shuts the world down and asserts that
 * no packet buffer leaked.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/sim.h>

#include "core/net/net.h"
#include "nic/mw/impair.h"

#define US UTCP_NSEC_PER_USEC
#define MS UTCP_NSEC_PER_MSEC
#define SEC UTCP_NSEC_PER_SEC
#define ETH_P_TEST 0x88b5 /* IEEE 802 local experimental */

static struct utcp_sim_world *w;
static struct utcp_nic *na, *nb;    /* side 0 and side 1 of the link */
static struct utcp_sim_link *lnk;

static void teardown(void)
{
	if (w == NULL)
		return;
	uint64_t leaked = utcp_sim_world_shutdown(w, stderr);
	utcp_sim_world_destroy(w);
	w = NULL;
	ck_assert_uint_eq(leaked, 0);
}

/* A world with one link; NICs of nb_queues queues, no hosts. */
static void make_pair(uint64_t seed, const struct utcp_sim_link_params *p, uint16_t nb_queues)
{
	char err[128];
	w = utcp_sim_world_create(seed);
	ck_assert_ptr_nonnull(w);
	lnk = utcp_sim_link_create(w, p, NULL);
	na = utcp_sim_nic_create(w, NULL, "a", nb_queues, 64, 0, NULL, err, sizeof(err));
	nb = utcp_sim_nic_create(w, NULL, "b", nb_queues, 64, 0, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(na);
	ck_assert_ptr_nonnull(nb);
	ck_assert_int_eq(utcp_sim_link_attach(lnk, 0, na), 0);
	ck_assert_int_eq(utcp_sim_link_attach(lnk, 1, nb), 0);
}

/* An Ethernet frame of len bytes from nic's queue q, tagged in its payload. */
static struct utcp_pkt *frame(struct utcp_nic *nic, uint16_t q, uint16_t len, uint32_t tag)
{
	struct utcp_pkt *p = utcp_nic_alloc(nic, q);
	ck_assert_ptr_nonnull(p);
	memset(p->data, 0, len);
	memset(p->data, 0xff, 6);
	memcpy(p->data + 6, nic->caps.mac, 6);
	p->data[12] = ETH_P_TEST >> 8;
	p->data[13] = ETH_P_TEST & 0xff;
	memcpy(p->data + 14, &tag, sizeof(tag));
	p->len = len;
	return p;
}

static uint32_t tag_of(const struct utcp_pkt *p)
{
	uint32_t t;
	memcpy(&t, p->data + 14, sizeof(t));
	return t;
}

static void send1(struct utcp_nic *nic, struct utcp_pkt *p)
{
	ck_assert_uint_eq(utcp_nic_tx_burst(nic, 0, &p, 1), 1);
}

/* Receive everything queued on nic's queue q. */
static uint16_t drain(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t max)
{
	return utcp_nic_rx_burst(nic, q, pkts, max);
}

static void free_all(struct utcp_nic *nic, struct utcp_pkt **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		utcp_nic_free(nic, pkts[i]);
}

static int b_has_frames(struct utcp_sim_world *world, void *arg)
{
	(void)world;
	return utcp_sim_nic_rx_pending(nb, 0) >= *(uint32_t *)arg;
}

/* ---- clock ------------------------------------------------------------- */

START_TEST(test_idle_time_is_free)
{
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.latency = 120 * SEC; /* two minutes on the wire */
	p.rate = 0;
	make_pair(1, &p, 1);
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	ck_assert_uint_eq(utcp_sim_world_now(w), 0);

	send1(na, frame(na, 0, 60, 1));
	ck_assert_uint_eq(utcp_sim_world_next_event(w), 120 * SEC);
	/* A bound before the arrival: the clock stops at the bound. */
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, 5 * SEC), UTCP_SIM_BOUND);
	ck_assert_uint_eq(utcp_sim_world_now(w), 5 * SEC);
	uint64_t steps = utcp_sim_world_steps(w);
	uint32_t one = 1;
	ck_assert_int_eq(utcp_sim_world_run_until(w, b_has_frames, &one, UTCP_TIME_NEVER),
			 UTCP_SIM_DONE);
	ck_assert_uint_eq(utcp_sim_world_now(w), 120 * SEC);
	ck_assert_uint_eq(utcp_sim_world_steps(w) - steps, 1); /* one jump */
	ck_assert_uint_eq(utcp_nic_now(nb), 120 * SEC);

	struct utcp_pkt *rx[4];
	ck_assert_uint_eq(drain(nb, 0, rx, 4), 1);
	ck_assert_uint_eq(rx[0]->ts, 120 * SEC);
	free_all(nb, rx, 1);
	ck_assert_int_eq(utcp_sim_world_step(w), 0); /* idle again */
}
END_TEST

/* ---- link model -------------------------------------------------------- */

START_TEST(test_latency_and_rate)
{
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.latency = 10 * US;
	p.rate = 1000000000ull; /* 1 Gbit/s: 8 ns per byte */
	make_pair(1, &p, 1);
	struct utcp_pkt *tx[3] = { frame(na, 0, 1000, 0), frame(na, 0, 1000, 1),
				   frame(na, 0, 100, 2) };
	ck_assert_uint_eq(utcp_nic_tx_burst(na, 0, tx, 3), 3);
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);

	struct utcp_pkt *rx[4];
	ck_assert_uint_eq(drain(nb, 0, rx, 4), 3);
	/* Back to back through the serializer, then 10 us of wire. */
	ck_assert_uint_eq(rx[0]->ts, 8000 + 10 * US);
	ck_assert_uint_eq(rx[1]->ts, 16000 + 10 * US);
	ck_assert_uint_eq(rx[2]->ts, 16800 + 10 * US);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(tag_of(rx[i]), i);
	free_all(nb, rx, 3);

	/* A frame sent after the serializer went idle starts at once. */
	ck_assert_uint_eq(utcp_sim_world_now(w), 26800);
	send1(na, frame(na, 0, 125, 9)); /* 1000 bits = 1 us */
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	ck_assert_uint_eq(drain(nb, 0, rx, 4), 1);
	ck_assert_uint_eq(rx[0]->ts, 26800 + 1 * US + 10 * US);
	free_all(nb, rx, 1);

	struct utcp_sim_link_stats st;
	utcp_sim_link_get_stats(lnk, 0, &st);
	ck_assert_uint_eq(st.tx_frames, 4);
	ck_assert_uint_eq(st.tx_bytes, 2225);
	ck_assert_uint_eq(st.delivered, 4);
	ck_assert_uint_eq(st.queue_high_water, 3);
}
END_TEST

START_TEST(test_drop_tail)
{
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.rate = 8000000; /* 1 byte per us */
	p.queue_frames = 2;
	make_pair(1, &p, 1);
	struct utcp_pkt *tx[5];
	for (int i = 0; i < 5; i++)
		tx[i] = frame(na, 0, 100, (uint32_t)i);
	/* The NIC takes all five; the queue holds two (one in the serializer). */
	ck_assert_uint_eq(utcp_nic_tx_burst(na, 0, tx, 5), 5);
	struct utcp_sim_link_stats st;
	utcp_sim_link_get_stats(lnk, 0, &st);
	ck_assert_uint_eq(st.queue_drops, 3);
	ck_assert_uint_eq(utcp_sim_nic_bufs_in_use(na), 2);

	/* At 100 us the first frame has left: room for one more. */
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, 100 * US), UTCP_SIM_BOUND);
	send1(na, frame(na, 0, 100, 7));
	send1(na, frame(na, 0, 100, 8)); /* dropped: queue full again */
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	struct utcp_pkt *rx[8];
	ck_assert_uint_eq(drain(nb, 0, rx, 8), 3);
	ck_assert_uint_eq(tag_of(rx[0]), 0);
	ck_assert_uint_eq(tag_of(rx[1]), 1);
	ck_assert_uint_eq(tag_of(rx[2]), 7);
	ck_assert_uint_eq(rx[2]->ts, 300 * US);
	free_all(nb, rx, 3);
	utcp_sim_link_get_stats(lnk, 0, &st);
	ck_assert_uint_eq(st.queue_drops, 4);
	ck_assert_uint_eq(st.queue_high_water, 2);
}
END_TEST

START_TEST(test_drop_tail_bytes)
{
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.rate = 8000000;
	p.queue_frames = 0;
	p.queue_bytes = 250;
	make_pair(1, &p, 1);
	struct utcp_pkt *tx[4] = { frame(na, 0, 100, 0), frame(na, 0, 100, 1),
				   frame(na, 0, 100, 2), frame(na, 0, 50, 3) };
	ck_assert_uint_eq(utcp_nic_tx_burst(na, 0, tx, 4), 4);
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	struct utcp_pkt *rx[8];
	ck_assert_uint_eq(drain(nb, 0, rx, 8), 3); /* 100 + 100 + 50 fit, the third 100 not */
	ck_assert_uint_eq(tag_of(rx[2]), 3);
	free_all(nb, rx, 3);
}
END_TEST

/* Frames due at the same nanosecond come out in the order they were sent. */
START_TEST(test_tie_order)
{
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.rate = 0;
	p.latency = 5 * US;
	make_pair(1, &p, 1);
	struct utcp_pkt *tx[32];
	for (int i = 0; i < 32; i++)
		tx[i] = frame(na, 0, 64, (uint32_t)(i * 7919 % 32));
	ck_assert_uint_eq(utcp_nic_tx_burst(na, 0, tx, 32), 32);
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	struct utcp_pkt *rx[32];
	ck_assert_uint_eq(drain(nb, 0, rx, 32), 32);
	for (int i = 0; i < 32; i++) {
		ck_assert_uint_eq(rx[i]->ts, 5 * US);
		ck_assert_uint_eq(tag_of(rx[i]), (uint32_t)(i * 7919 % 32));
	}
	free_all(nb, rx, 32);
}
END_TEST

/* A frame sent to a side with no NIC, or by a NIC on no lnk, is counted
 * and freed. */
START_TEST(test_unplugged)
{
	char err[128];
	w = utcp_sim_world_create(3);
	lnk = utcp_sim_link_create(w, NULL, NULL);
	na = utcp_sim_nic_create(w, NULL, "a", 1, 8, 0, NULL, err, sizeof(err));
	nb = utcp_sim_nic_create(w, NULL, "b", 1, 8, 0, NULL, err, sizeof(err));
	ck_assert_int_eq(utcp_sim_link_attach(lnk, 0, na), 0);
	ck_assert_int_eq(utcp_sim_link_attach(lnk, 0, nb), -1);
	ck_assert_int_eq(errno, EBUSY);
	send1(na, frame(na, 0, 60, 0));
	send1(nb, frame(nb, 0, 60, 0));
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	struct utcp_sim_link_stats st;
	utcp_sim_link_get_stats(lnk, 0, &st);
	ck_assert_uint_eq(st.no_nic, 1);
	struct utcp_nic_stats ns;
	nb->ops->stats(nb, &ns);
	ck_assert_uint_eq(ns.tx_errors, 1);
	ck_assert_uint_eq(utcp_sim_world_bufs_in_use(w), 0);
}
END_TEST

/* Teardown counts what is still taken, and frees what is still in flight. */
START_TEST(test_leak_detection)
{
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.latency = 1 * SEC;
	make_pair(1, &p, 2);
	send1(na, frame(na, 0, 60, 0));         /* still on the wire at shutdown: fine */
	struct utcp_pkt *kept = frame(nb, 1, 60, 0); /* never freed: a leak */
	(void)kept;
	ck_assert_uint_eq(utcp_sim_world_bufs_in_use(w), 2);
	FILE *f = tmpfile();
	ck_assert_uint_eq(utcp_sim_world_shutdown(w, f), 1);
	ck_assert_uint_eq(utcp_sim_world_shutdown(w, f), 1); /* idempotent */
	char line[256] = "";
	rewind(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_ptr_nonnull(strstr(line, "leak: 1 packet buffer of b(nic 1) queue 1"));
	fclose(f);
	utcp_sim_world_destroy(w);
	w = NULL;
}
END_TEST

/* ---- impairments and determinism ---------------------------------------- */

struct trace {
	uint64_t hash;
	uint32_t n;
	uint32_t sent;
};

static void trace_add(struct trace *t, const struct utcp_pkt *p)
{
	uint64_t h = t->hash ^ p->ts;
	for (uint16_t i = 0; i < p->len; i++)
		h = (h ^ p->data[i]) * 0x100000001b3ull;
	t->hash = h * 31 + p->len;
	t->n++;
}

/* Host A sends a frame every 10 us; host B records what arrives. */
static void sender_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	struct trace *t = arg;
	struct utcp_nic *nic = utcp_sim_host_nic(h, 0);
	if (t->sent >= 500)
		return;
	send1(nic, frame(nic, 0, (uint16_t)(60 + t->sent % 1400), t->sent));
	t->sent++;
	utcp_sim_host_wake_at(h, now + 10 * US);
}

static void receiver_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	struct trace *t = arg;
	struct utcp_nic *nic = utcp_sim_host_nic(h, 0);
	struct utcp_pkt *rx[32];
	uint16_t n;
	(void)now;
	while ((n = drain(nic, 0, rx, 32)) > 0) {
		for (uint16_t i = 0; i < n; i++)
			trace_add(t, rx[i]);
		free_all(nic, rx, n);
	}
}

static struct trace impaired_run(uint64_t seed, struct utcp_sim_link_stats *st)
{
	char err[128];
	struct trace ta = { 0 }, tb = { 0 };
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.latency = 50 * US;
	p.fault.loss = 0.05;
	p.fault.burst_loss = 0.01;
	p.fault.burst_len = 3;
	p.fault.dup = 0.05;
	p.fault.corrupt = 0.05;
	p.fault.reorder = 0.05;
	p.fault.jitter = 20 * US;
	w = utcp_sim_world_create(seed);
	lnk = utcp_sim_link_create(w, &p, NULL);
	struct utcp_sim_host *a = utcp_sim_host_create(w, "A");
	struct utcp_sim_host *b = utcp_sim_host_create(w, "B");
	na = utcp_sim_nic_create(w, a, "a", 1, 256, 0, NULL, err, sizeof(err));
	nb = utcp_sim_nic_create(w, b, "b", 1, 256, 0, NULL, err, sizeof(err));
	utcp_sim_link_attach(lnk, 0, na);
	utcp_sim_link_attach(lnk, 1, nb);
	utcp_sim_host_set_step(a, sender_step, &ta);
	utcp_sim_host_set_step(b, receiver_step, &tb);
	utcp_sim_host_wake_at(a, 0);
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, 1 * SEC), UTCP_SIM_IDLE);
	ck_assert_uint_eq(ta.sent, 500);
	utcp_sim_link_get_stats(lnk, 0, st);
	teardown();
	return tb;
}

START_TEST(test_impairments_deterministic)
{
	struct utcp_sim_link_stats s1, s2, s3;
	struct trace t1 = impaired_run(42, &s1);
	struct trace t2 = impaired_run(42, &s2);
	struct trace t3 = impaired_run(43, &s3);
	ck_assert_uint_eq(t1.hash, t2.hash);
	ck_assert_uint_eq(t1.n, t2.n);
	ck_assert(memcmp(&s1, &s2, sizeof(s1)) == 0);
	ck_assert_uint_ne(t1.hash, t3.hash);
	/* Every impairment happened, and the books balance. */
	ck_assert_uint_gt(s1.lost, 0);
	ck_assert_uint_gt(s1.duplicated, 0);
	ck_assert_uint_gt(s1.corrupted, 0);
	ck_assert_uint_gt(s1.reordered, 0);
	ck_assert_uint_eq(s1.tx_frames, 500);
	ck_assert_uint_eq(s1.delivered, s1.tx_frames - s1.lost + s1.duplicated);
	ck_assert_uint_eq(t1.n, s1.delivered);
}
END_TEST

/* A reordered frame arrives right behind the next one. */
START_TEST(test_reorder_overtake)
{
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.rate = 0;
	p.latency = 1 * US;
	p.fault.reorder = 1.0; /* every frame wants to be held; one at a time is */
	make_pair(5, &p, 1);
	send1(na, frame(na, 0, 60, 0)); /* held */
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, 3 * US), UTCP_SIM_BOUND);
	send1(na, frame(na, 0, 60, 1)); /* goes, and releases 0 behind it */
	send1(na, frame(na, 0, 60, 2)); /* held; nothing follows: released after the hold */
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	struct utcp_pkt *rx[4];
	ck_assert_uint_eq(drain(nb, 0, rx, 4), 3);
	ck_assert_uint_eq(tag_of(rx[0]), 1);
	ck_assert_uint_eq(tag_of(rx[1]), 0);
	ck_assert_uint_eq(rx[0]->ts, 4 * US);
	ck_assert_uint_eq(rx[1]->ts, 4 * US);
	ck_assert_uint_eq(tag_of(rx[2]), 2);
	ck_assert_uint_eq(rx[2]->ts, 4 * US + UTCP_SIM_DEFAULT_REORDER_HOLD);
	free_all(nb, rx, 3);
}
END_TEST

/* ---- RSS steering ---------------------------------------------------------- */

static struct utcp_pkt *ipv4_frame(struct utcp_nic *nic, uint8_t proto, uint32_t src, uint32_t dst,
				   uint16_t sport, uint16_t dport, uint8_t icmp_type)
{
	struct utcp_pkt *p = frame(nic, 0, 64, 0);
	uint8_t *ip = p->data + 14;
	p->data[12] = 0x08;
	p->data[13] = 0x00;
	ip[0] = 0x45;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	memcpy(ip + 20, &sport, 2);
	memcpy(ip + 22, &dport, 2);
	if (proto == UTCP_IPPROTO_ICMP)
		ip[20] = icmp_type;
	return p;
}

START_TEST(test_rss_steering)
{
	make_pair(1, NULL, 4);
	uint32_t a = htonl(0x0a000001), b = htonl(0x0a000002);
	int seen[4] = { 0 };
	for (uint16_t port = 1000; port < 1064; port++) {
		uint16_t sp = htons(port), dp = htons(80);
		uint32_t h = utcp_rss_hash_v4(utcp_rss_symmetric_key, a, b, sp, dp);
		uint16_t q = utcp_rss_queue(&nb->caps, h);
		/* Symmetric key: the reverse direction lands on the same queue. */
		ck_assert_uint_eq(h, utcp_rss_hash_v4(utcp_rss_symmetric_key, b, a, dp, sp));
		send1(na, ipv4_frame(na, UTCP_IPPROTO_TCP, a, b, sp, dp, 0));
		ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER),
				 UTCP_SIM_IDLE);
		struct utcp_pkt *rx[2];
		ck_assert_uint_eq(drain(nb, q, rx, 2), 1);
		ck_assert_uint_eq(rx[0]->queue, q);
		ck_assert(rx[0]->ol_flags & UTCP_PKT_RX_RSS_HASH);
		ck_assert_uint_eq(rx[0]->rss_hash, h);
		free_all(nb, rx, 1);
		seen[q]++;
		for (uint16_t o = 0; o < 4; o++)
			ck_assert_uint_eq(utcp_sim_nic_rx_pending(nb, o), 0);
	}
	for (int q = 0; q < 4; q++)
		ck_assert_int_gt(seen[q], 0);

	/* ARP-like (non-IPv4) and ICMP echo replies: every queue gets a copy;
	 * an echo request: queue 0 only. */
	send1(na, frame(na, 0, 60, 77));
	send1(na, ipv4_frame(na, UTCP_IPPROTO_ICMP, a, b, 0, 0, 0));
	send1(na, ipv4_frame(na, UTCP_IPPROTO_ICMP, a, b, 0, 0, 8));
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	for (uint16_t q = 0; q < 4; q++) {
		struct utcp_pkt *rx[4];
		uint16_t n = drain(nb, q, rx, 4);
		ck_assert_uint_eq(n, q == 0 ? 3 : 2);
		ck_assert_uint_eq(tag_of(rx[0]), 77);
		for (uint16_t i = 0; i < n; i++)
			ck_assert_uint_eq(!!(rx[i]->ol_flags & UTCP_PKT_RX_COPY), q != 0);
		free_all(nb, rx, n);
	}
}
END_TEST

/* ---- coroutines ------------------------------------------------------------ */

struct pingpong {
	struct utcp_nic *nic;
	int rounds;
	int done_rounds;
	utcp_time_t rtts[8];
	int timeouts;
	int shutdown_seen;
};

/* Client: send, wait for the echo, 8 times; then a wait that times out. */
static int client_main(void *arg)
{
	struct pingpong *pp = arg;
	struct utcp_nic *nic = pp->nic;
	for (int i = 0; i < pp->rounds; i++) {
		utcp_time_t t0 = utcp_nic_now(nic);
		send1(nic, frame(nic, 0, 125, (uint32_t)i));
		struct utcp_pkt *rx[2];
		uint16_t n = 0;
		while (n == 0) {
			ck_assert_int_ge(utcp_nic_wait(nic, 0, UTCP_TIME_NEVER), 0);
			n = drain(nic, 0, rx, 2);
		}
		ck_assert_uint_eq(tag_of(rx[0]), i);
		free_all(nic, rx, n);
		pp->rtts[i] = utcp_nic_now(nic) - t0;
		pp->done_rounds++;
	}
	utcp_time_t t0 = utcp_nic_now(nic);
	if (utcp_nic_wait(nic, 0, t0 + 3 * MS) == 0 && utcp_nic_now(nic) == t0 + 3 * MS)
		pp->timeouts++;
	ck_assert_int_eq(utcp_sim_sleep_until(t0 + 1 * SEC), 0);
	return 7;
}

/* Server: echo every frame back, in the same buffer, until shutdown. */
static int server_main(void *arg)
{
	struct pingpong *pp = arg;
	struct utcp_nic *nic = pp->nic;
	for (;;) {
		if (utcp_nic_wait(nic, 0, UTCP_TIME_NEVER) < 0) {
			pp->shutdown_seen = errno == ESHUTDOWN;
			return 0;
		}
		struct utcp_pkt *rx[8];
		uint16_t n = drain(nic, 0, rx, 8);
		if (n > 0)
			ck_assert_uint_eq(utcp_nic_tx_burst(nic, 0, rx, n), n);
	}
}

START_TEST(test_coroutines)
{
	char err[128];
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.latency = 100 * US;
	p.rate = 1000000000ull; /* 125 bytes: 1 us */
	w = utcp_sim_world_create(9);
	lnk = utcp_sim_link_create(w, &p, NULL);
	struct utcp_sim_host *a = utcp_sim_host_create(w, "client");
	struct utcp_sim_host *b = utcp_sim_host_create(w, "server");
	struct pingpong cl = { .rounds = 8 }, sv = { 0 };
	cl.nic = na = utcp_sim_nic_create(w, a, "a", 1, 16, 0, NULL, err, sizeof(err));
	sv.nic = nb = utcp_sim_nic_create(w, b, "b", 1, 16, 0, NULL, err, sizeof(err));
	utcp_sim_link_attach(lnk, 0, na);
	utcp_sim_link_attach(lnk, 1, nb);
	ck_assert_int_eq(utcp_sim_host_spawn(a, client_main, &cl, 0), 0);
	ck_assert_int_eq(utcp_sim_host_spawn(b, server_main, &sv, 64 * 1024), 0);
	/* Outside a coroutine a wait never blocks. */
	ck_assert_int_eq(utcp_nic_wait(na, 0, 5 * SEC), 0);
	ck_assert_int_eq(utcp_sim_sleep_until(1), -1);
	ck_assert_int_eq(errno, EPERM);

	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, 10 * SEC), UTCP_SIM_IDLE);
	int ret = 0;
	ck_assert(utcp_sim_host_coro_done(a, 0, &ret));
	ck_assert_int_eq(ret, 7);
	ck_assert(!utcp_sim_host_coros_done(b));
	ck_assert_int_eq(cl.done_rounds, 8);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(cl.rtts[i], 2 * (100 * US + 1 * US));
	ck_assert_int_eq(cl.timeouts, 1);
	ck_assert_uint_eq(utcp_sim_world_now(w), 8 * 202 * US + 1 * SEC);
	/* The server still waits; shutdown makes its wait fail so it returns. */
	ck_assert_uint_eq(utcp_sim_world_shutdown(w, stderr), 0);
	ck_assert(utcp_sim_host_coros_done(b));
	ck_assert_int_eq(sv.shutdown_seen, 1);
	teardown();
}
END_TEST

/* Calling step() from inside a coroutine is refused. */
static int nested_main(void *arg)
{
	struct utcp_sim_world *world = arg;
	int r = utcp_sim_world_step(world);
	return r == -1 && errno == EDEADLK ? 1 : 0;
}

START_TEST(test_coroutine_no_nested_step)
{
	w = utcp_sim_world_create(1);
	struct utcp_sim_host *a = utcp_sim_host_create(w, "A");
	ck_assert_int_eq(utcp_sim_host_spawn(a, nested_main, w, 0), 0);
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, SEC), UTCP_SIM_IDLE);
	int ret = 0;
	ck_assert(utcp_sim_host_coro_done(a, 0, &ret));
	ck_assert_int_eq(ret, 1);
	teardown();
}
END_TEST

/* A step host that never drains its rx ring makes step() fail, not hang. */
static void lazy_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	(void)h;
	(void)arg;
	(void)now;
}

START_TEST(test_livelock_detected)
{
	char err[128];
	w = utcp_sim_world_create(1);
	lnk = utcp_sim_link_create(w, NULL, NULL);
	struct utcp_sim_host *b = utcp_sim_host_create(w, "B");
	na = utcp_sim_nic_create(w, NULL, "a", 1, 8, 0, NULL, err, sizeof(err));
	nb = utcp_sim_nic_create(w, b, "b", 1, 8, 0, NULL, err, sizeof(err));
	utcp_sim_link_attach(lnk, 0, na);
	utcp_sim_link_attach(lnk, 1, nb);
	utcp_sim_host_set_step(b, lazy_step, NULL);
	utcp_sim_world_set_livelock_limit(w, 100);
	send1(na, frame(na, 0, 60, 0));
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, SEC), UTCP_SIM_ERROR);
	ck_assert_int_eq(errno, ELOOP);
	teardown(); /* the frame in b's ring is freed at shutdown */
}
END_TEST

/* ---- hosts with the real stack -------------------------------------------- */

#define ip_a htonl(0x0a000001) /* 10.0.0.1 */
#define ip_b htonl(0x0a000002) /* 10.0.0.2 */

static void host_cfg(struct utcp_config *cfg, uint32_t ip, int cores)
{
	char err[256];
	utcp_config_defaults(cfg);
	cfg->num_cores = cores;
	cfg->max_pkt_buffers = 256;
	cfg->seed = ip;
	cfg->has_seed = 1;
	cfg->nb_ports = 1;
	strcpy(cfg->ports[0].name, "sim0");
	cfg->ports[0].ip = ip;
	cfg->ports[0].prefix = 24;
	ck_assert_msg(utcp_config_finish(cfg, err, sizeof(err)) == 0, "%s", err);
}

static struct utcp_sim_host *stack_host(const char *name, uint32_t ip, int side, int cores)
{
	char err[256];
	struct utcp_config cfg;
	struct utcp_sim_host *h = utcp_sim_host_create(w, name);
	struct utcp_nic *nic = utcp_sim_nic_create(w, h, "sim0", (uint16_t)cores, 256, 0, NULL,
						   err, sizeof(err));
	ck_assert_ptr_nonnull(nic);
	ck_assert_int_eq(utcp_sim_link_attach(lnk, side, nic), 0);
	host_cfg(&cfg, ip, cores);
	ck_assert_msg(utcp_sim_host_open_stack(h, &cfg, err, sizeof(err)) == 0, "%s", err);
	return h;
}

struct pinger {
	struct utcp_ctx *ctx;
	int sent, replies;
	utcp_time_t last_reply;
};

static void on_reply(void *arg, uint32_t src, uint16_t id, uint16_t seq, const uint8_t *payload,
		     size_t len, utcp_time_t now)
{
	struct pinger *pg = arg;
	ck_assert_uint_eq(src, ip_b);
	ck_assert_uint_eq(id, 0x1234);
	ck_assert_uint_eq(seq, pg->replies);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(payload, "ping", 4) == 0);
	pg->replies++;
	pg->last_reply = now;
}

/* Step callback: one echo request every 10 ms. */
static void pinger_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	struct pinger *pg = arg;
	if (pg->sent >= 5 || now < (utcp_time_t)pg->sent * 10 * MS)
		return;
	ck_assert_int_eq(utcp_ping(pg->ctx, ip_b, 0x1234, (uint16_t)pg->sent, "ping", 4), 0);
	pg->sent++;
	utcp_sim_host_wake_at(h, (utcp_time_t)pg->sent * 10 * MS);
}

static int five_replies(struct utcp_sim_world *world, void *arg)
{
	(void)world;
	return ((struct pinger *)arg)->replies == 5;
}

static void stack_world(uint64_t seed)
{
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.latency = 1 * MS;
	w = utcp_sim_world_create(seed);
	lnk = utcp_sim_link_create(w, &p, NULL);
}

START_TEST(test_ping_step_host)
{
	stack_world(11);
	struct utcp_sim_host *a = stack_host("A", ip_a, 0, 2);
	struct utcp_sim_host *b = stack_host("B", ip_b, 1, 2);
	struct pinger pg = { .ctx = utcp_sim_host_ctx(a, 0) };
	utcp_ctx_set_echo_handler(pg.ctx, on_reply, &pg);
	utcp_sim_host_set_step(a, pinger_step, &pg);
	utcp_sim_host_wake_at(a, 0);
	ck_assert_int_eq(utcp_sim_world_run_until(w, five_replies, &pg, 10 * SEC), UTCP_SIM_DONE);
	/* The last request leaves at 40 ms: 1 ms of wire and 368 ns of
	 * serialization (a 46-byte frame) each way. */
	ck_assert_uint_eq(pg.last_reply, 40 * MS + 2 * MS + 2 * 368);
	struct utcp_stats sa, sb;
	utcp_sim_host_stats(a, &sa);
	utcp_sim_host_stats(b, &sb);
	ck_assert_uint_eq(sb.icmp_echo_rep_tx, 5); /* answered once, by one context */
	ck_assert_uint_eq(sb.arp_rep_tx, 1);
	ck_assert_uint_eq(sa.arp_req_tx, 1);
	ck_assert_uint_eq(utcp_stats_drops(&sa) + utcp_stats_drops(&sb), 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(pg.ctx), 0);
	teardown();
}
END_TEST

/* The same exchange written as an application main loop in a coroutine. */
static int pinger_main(void *arg)
{
	struct pinger *pg = arg;
	while (pg->replies < 5) {
		utcp_time_t now = utcp_ctx_now(pg->ctx);
		if (pg->sent < 5 && now >= (utcp_time_t)pg->sent * 10 * MS) {
			if (utcp_ping(pg->ctx, ip_b, 0x1234, (uint16_t)pg->sent, "ping", 4) < 0)
				return -1;
			pg->sent++;
		}
		utcp_time_t next = pg->sent < 5 ? (utcp_time_t)pg->sent * 10 * MS
						 : UTCP_TIME_NEVER;
		if (utcp_ctx_wait(pg->ctx, next) < 0)
			return -1;
	}
	return pg->replies;
}

static int coros_done(struct utcp_sim_world *world, void *arg)
{
	(void)world;
	return utcp_sim_host_coros_done(arg);
}

static int run_coro_ping(uint64_t seed, utcp_time_t *last)
{
	stack_world(seed);
	struct utcp_sim_host *a = stack_host("A", ip_a, 0, 1);
	stack_host("B", ip_b, 1, 1);
	struct pinger pg = { .ctx = utcp_sim_host_ctx(a, 0) };
	utcp_ctx_set_echo_handler(pg.ctx, on_reply, &pg);
	ck_assert_int_eq(utcp_sim_host_spawn(a, pinger_main, &pg, 0), 0);
	ck_assert_int_eq(utcp_sim_world_run_until(w, coros_done, a, 10 * SEC), UTCP_SIM_DONE);
	int ret = 0;
	ck_assert(utcp_sim_host_coro_done(a, 0, &ret));
	*last = pg.last_reply;
	teardown();
	return ret;
}

START_TEST(test_ping_coroutine_host)
{
	utcp_time_t t1, t2;
	ck_assert_int_eq(run_coro_ping(5, &t1), 5);
	ck_assert_int_eq(run_coro_ping(5, &t2), 5);
	ck_assert_uint_eq(t1, t2);
	ck_assert_uint_eq(t1, 40 * MS + 2 * MS + 2 * 368);
}
END_TEST

/* A host whose application has returned still runs its stack: B's only
 * coroutine returns at once, and B must still resolve ARP and answer every
 * echo request, as a real host does after a program exits. */
static int quit_main(void *arg)
{
	(void)arg;
	return 0;
}

START_TEST(test_host_answers_after_its_app_ends)
{
	stack_world(12);
	struct utcp_sim_host *a = stack_host("A", ip_a, 0, 1);
	struct utcp_sim_host *b = stack_host("B", ip_b, 1, 1);
	ck_assert_int_eq(utcp_sim_host_spawn(b, quit_main, NULL, 0), 0);
	struct pinger pg = { .ctx = utcp_sim_host_ctx(a, 0) };
	utcp_ctx_set_echo_handler(pg.ctx, on_reply, &pg);
	utcp_sim_host_set_step(a, pinger_step, &pg);
	utcp_sim_host_wake_at(a, 0);
	ck_assert_int_eq(utcp_sim_world_run_until(w, five_replies, &pg, 10 * SEC), UTCP_SIM_DONE);
	ck_assert(utcp_sim_host_coros_done(b));
	struct utcp_stats sb;
	utcp_sim_host_stats(b, &sb);
	ck_assert_uint_eq(sb.arp_rep_tx, 1);
	ck_assert_uint_eq(sb.icmp_echo_rep_tx, 5);
	teardown();
}
END_TEST

/* Damage on the wire is caught by the receiver's FCS: dropped, counted by
 * the link and by the receiving NIC, never handed to it. */
START_TEST(test_fcs_drops_damaged_frames)
{
	char err[128];
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.corrupt_fcs = 0.3;
	w = utcp_sim_world_create(5);
	lnk = utcp_sim_link_create(w, &p, NULL);
	struct utcp_sim_host *a = utcp_sim_host_create(w, "A");
	struct utcp_sim_host *b = utcp_sim_host_create(w, "B");
	na = utcp_sim_nic_create(w, a, "a", 1, 256, 0, NULL, err, sizeof(err));
	nb = utcp_sim_nic_create(w, b, "b", 1, 256, 0, NULL, err, sizeof(err));
	utcp_sim_link_attach(lnk, 0, na);
	utcp_sim_link_attach(lnk, 1, nb);
	for (int i = 0; i < 100; i++)
		send1(na, frame(na, 0, 100, (uint32_t)i));
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	struct utcp_sim_link_stats st;
	struct utcp_nic_stats ns;
	utcp_sim_link_get_stats(lnk, 0, &st);
	nb->ops->stats(nb, &ns);
	ck_assert_uint_gt(st.fcs_errors, 10);
	ck_assert_uint_lt(st.fcs_errors, 60);
	ck_assert_uint_eq(st.corrupted, 0);
	ck_assert_uint_eq(st.delivered, 100 - st.fcs_errors);
	ck_assert_uint_eq(ns.rx_errors, st.fcs_errors);
	struct utcp_pkt *rx[128];
	uint16_t got = drain(nb, 0, rx, 128);
	ck_assert_uint_eq(got, st.delivered);
	free_all(nb, rx, got);
	teardown();
}
END_TEST

/* A flap: frames sent while the link is down, or in flight when it goes
 * down, are lost; the NICs report the link down meanwhile. */
START_TEST(test_link_flap)
{
	char err[128];
	struct utcp_sim_link_params p;
	utcp_sim_link_params_default(&p);
	p.latency = 1 * MS;
	w = utcp_sim_world_create(1);
	lnk = utcp_sim_link_create(w, &p, NULL);
	struct utcp_sim_host *a = utcp_sim_host_create(w, "A");
	struct utcp_sim_host *b = utcp_sim_host_create(w, "B");
	na = utcp_sim_nic_create(w, a, "a", 1, 16, 0, NULL, err, sizeof(err));
	nb = utcp_sim_nic_create(w, b, "b", 1, 16, 0, NULL, err, sizeof(err));
	utcp_sim_link_attach(lnk, 0, na);
	utcp_sim_link_attach(lnk, 1, nb);
	ck_assert_int_eq(utcp_sim_link_flap(lnk, 5 * MS, 4 * MS), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(utcp_sim_link_flap(lnk, 500 * US, 10 * MS), 0);
	struct utcp_pkt *rx[4];
	struct utcp_nic_stats ns;
	send1(na, frame(na, 0, 100, 1)); /* in flight when the link goes down */
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, 2 * MS), UTCP_SIM_BOUND);
	ck_assert(!utcp_sim_link_is_up(lnk));
	nb->ops->stats(nb, &ns);
	ck_assert_int_eq(ns.link_up, 0);
	send1(na, frame(na, 0, 100, 2)); /* sent while it is down */
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, 20 * MS), UTCP_SIM_IDLE);
	ck_assert(utcp_sim_link_is_up(lnk));
	send1(na, frame(na, 0, 100, 3)); /* up again */
	ck_assert_int_eq(utcp_sim_world_run_until(w, NULL, NULL, UTCP_TIME_NEVER), UTCP_SIM_IDLE);
	ck_assert_uint_eq(drain(nb, 0, rx, 4), 1);
	ck_assert_uint_eq(tag_of(rx[0]), 3);
	utcp_nic_free(nb, rx[0]);
	struct utcp_sim_link_stats st;
	utcp_sim_link_get_stats(lnk, 0, &st);
	ck_assert_uint_eq(st.down_drops, 2);
	ck_assert_uint_eq(st.delivered, 1);
	teardown();
}
END_TEST

/* Loss bursts last in time: a sender that waits longer than a burst loses
 * only the frame that started it, while back-to-back frames at the line
 * rate lose burst_len frames per burst on average. */
static double burst_frames(uint64_t rate, utcp_time_t gap)
{
	struct utcp_impair im;
	struct utcp_impair_verdict v;
	struct utcp_fault_params fp = { .burst_loss = 0.01, .burst_len = 5, .seed = 7 };
	utcp_impair_init(&im, &fp);
	utcp_impair_set_burst_time(&im, 0, rate);
	uint64_t lost = 0, bursts = 0;
	int prev = 0;
	for (uint64_t i = 0; i < 200000; i++) {
		utcp_impair_decide_at(&im, 1514, i * gap, &v);
		lost += (uint64_t)v.drop;
		bursts += (uint64_t)(v.drop && !prev);
		prev = v.drop;
	}
	return (double)lost / (double)bursts;
}

START_TEST(test_bursts_last_in_time)
{
	utcp_time_t t = 12112; /* 1514 bytes at 1 Gbit/s */
	double back_to_back = burst_frames(1000000000ull, t);
	ck_assert_msg(back_to_back > 4.5 && back_to_back < 5.5, "%.2f frames a burst", back_to_back);
	double slow = burst_frames(1000000000ull, 1000 * t);
	ck_assert_msg(slow < 1.05, "a slow sender stays in bursts: %.2f frames a burst", slow);
	ck_assert(utcp_impair_ln(1.0) == 0.0);
	ck_assert(utcp_impair_ln(0.25) < -1.386294361 && utcp_impair_ln(0.25) > -1.386294362);
}
END_TEST

/* io = sim through the registry: the NIC joins the current host's plug. */
static int app_main(void *arg)
{
	char err[256];
	struct utcp_config cfg;
	host_cfg(&cfg, ip_b, 1);
	struct utcp_stack *st = utcp_stack_open(&cfg, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	struct utcp_ctx *ctx = utcp_ctx_create(st, 0);
	ck_assert_ptr_nonnull(ctx);
	*(int *)arg = 1;
	while (utcp_ctx_wait(ctx, UTCP_TIME_NEVER) >= 0)
		;
	ck_assert_int_eq(errno, ESHUTDOWN);
	utcp_ctx_destroy(ctx);
	utcp_stack_close(st);
	return 0;
}

START_TEST(test_registry_io_sim)
{
	char err[256];
	struct utcp_config cfg;
	host_cfg(&cfg, ip_b, 1);
	utcp_sim_world_set_current(NULL, NULL);
	ck_assert_ptr_null(utcp_stack_open(&cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no simulated world"));

	stack_world(3);
	struct utcp_sim_host *a = stack_host("A", ip_a, 0, 1);
	struct utcp_sim_host *b = utcp_sim_host_create(w, "B");
	ck_assert_int_eq(utcp_sim_host_plug(b, "sim0", lnk, 1), 0);
	int opened = 0;
	ck_assert_int_eq(utcp_sim_host_spawn(b, app_main, &opened, 0), 0);
	struct pinger pg = { .ctx = utcp_sim_host_ctx(a, 0) };
	utcp_ctx_set_echo_handler(pg.ctx, on_reply, &pg);
	utcp_sim_host_set_step(a, pinger_step, &pg);
	utcp_sim_host_wake_at(a, 0);
	ck_assert_int_eq(utcp_sim_world_run_until(w, five_replies, &pg, 10 * SEC), UTCP_SIM_DONE);
	ck_assert_int_eq(opened, 1);
	ck_assert_uint_eq(utcp_sim_world_shutdown(w, stderr), 0);
	ck_assert(utcp_sim_host_coros_done(b));
	teardown();
}
END_TEST

static Suite *sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("link");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_idle_time_is_free);
	tcase_add_test(tc, test_latency_and_rate);
	tcase_add_test(tc, test_drop_tail);
	tcase_add_test(tc, test_drop_tail_bytes);
	tcase_add_test(tc, test_tie_order);
	tcase_add_test(tc, test_unplugged);
	tcase_add_test(tc, test_leak_detection);
	tcase_add_test(tc, test_impairments_deterministic);
	tcase_add_test(tc, test_reorder_overtake);
	tcase_add_test(tc, test_rss_steering);
	tcase_add_test(tc, test_fcs_drops_damaged_frames);
	tcase_add_test(tc, test_link_flap);
	tcase_add_test(tc, test_bursts_last_in_time);
	suite_add_tcase(s, tc);

	tc = tcase_create("hosts");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_coroutines);
	tcase_add_test(tc, test_coroutine_no_nested_step);
	tcase_add_test(tc, test_livelock_detected);
	tcase_add_test(tc, test_ping_step_host);
	tcase_add_test(tc, test_ping_coroutine_host);
	tcase_add_test(tc, test_registry_io_sim);
	tcase_add_test(tc, test_host_answers_after_its_app_ends);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sim_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
