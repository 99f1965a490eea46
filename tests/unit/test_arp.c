/*
 * tests/unit/test_arp.c - ARP (RFC 826) as traces on the test NIC.
 *
 * The host is 10.0.0.1 (02:..:01) on 10.0.0.0/24, gateway 10.0.0.254; the
 * peer is 10.0.0.2 (02:..:02).  Each test injects frames, polls the context
 * and asserts the exact frames that come out and the counters that moved;
 * the fixture asserts at teardown that no buffer leaked.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/net.h"
#include "tests/unit/testnic.h"

#define SEC UTCP_NSEC_PER_SEC
#define MSEC UTCP_NSEC_PER_MSEC

static struct tn_host h;
static uint8_t f[TN_FRAME_MAX], want[TN_FRAME_MAX];
static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x33 };

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(h.ctx);
}

static void up(struct utcp_config *c)
{
	tn_host_up(&h, c, 1);
}

static void setup(void)
{
	struct utcp_config c;

	tn_host_config(&c);
	up(&c);
}

static void teardown(void)
{
	tn_host_down(&h);
}

/* Deliver one frame and run one round. */
static void rx(const uint8_t *frame, size_t len)
{
	ck_assert_int_eq(tn_inject(h.nic, 0, frame, len), 0);
	utcp_ctx_poll(h.ctx);
}

static void at(utcp_time_t t)
{
	tn_set_now(h.nic, t);
	utcp_ctx_poll(h.ctx);
}

/* who-has `tpa` tell `spa` (sha), broadcast. */
static size_t request(const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
	return tn_arp(f, tn_bcast, sha, 1, sha, spa, tn_zero_mac, tpa);
}

/* `spa` is-at `sha`, to us. */
static size_t reply(const uint8_t *sha, uint32_t spa)
{
	return tn_arp(f, tn_host_mac, sha, 2, sha, spa, tn_host_mac, TN_HOST_IP);
}

/* What the host sends: who-has `tpa` tell 10.0.0.1. */
static void expect_request_for(uint32_t tpa)
{
	size_t wl = tn_arp(want, tn_bcast, tn_host_mac, 1, tn_host_mac, TN_HOST_IP, tn_zero_mac,
			   tpa);
	tn_expect_tx(h.nic, 0, want, wl);
}

/* What the host sends: 10.0.0.1 is-at 02:..:01, to (tha, tpa). */
static void expect_reply_to(const uint8_t *tha, uint32_t tpa)
{
	size_t wl = tn_arp(want, tha, tn_host_mac, 2, tn_host_mac, TN_HOST_IP, tha, tpa);
	tn_expect_tx(h.nic, 0, want, wl);
}

static void expect_echo(const uint8_t *dst_mac, uint32_t dst, uint16_t seq, const char *data)
{
	size_t wl = tn_icmp_echo(want, dst_mac, tn_host_mac, TN_HOST_IP, dst, 8, 7, seq, data,
				 strlen(data));
	tn_expect_tx_ipv4(h.nic, 0, want, wl);
}

static void ping(uint32_t dst, uint16_t seq, const char *data)
{
	ck_assert_int_eq(utcp_ping(h.ctx, dst, 7, seq, data, strlen(data)), 0);
}

static int cached(uint32_t ip, const uint8_t *mac, int state)
{
	const struct utcp_arp_entry_rt *e = utcp_arp_lookup(h.ctx, ip);

	return e != NULL && e->state == state && (mac == NULL || memcmp(e->mac, mac, 6) == 0);
}

/* ---- answering ---------------------------------------------------------- */

START_TEST(request_for_us_is_answered_and_learned)
{
	rx(f, request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP));
	expect_reply_to(tn_peer_mac, TN_PEER_IP);
	tn_expect_no_tx(h.nic, 0);
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_REACHABLE));
	ck_assert_uint_eq(st()->arp_rx, 1);
	ck_assert_uint_eq(st()->arp_rep_tx, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

START_TEST(request_for_another_host_is_ignored)
{
	rx(f, request(tn_peer_mac, TN_PEER_IP, TN_IP(10, 0, 0, 3)));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, TN_PEER_IP)); /* RFC 826: learn only if target */
	ck_assert_uint_eq(st()->drop_arp_not_us, 1);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

START_TEST(padded_and_oversized_requests_are_answered)
{
	size_t len = request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP);

	memset(f + len, 0, 60 - len); /* Ethernet minimum: 18 bytes of padding */
	rx(f, 60);
	expect_reply_to(tn_peer_mac, TN_PEER_IP);
	memset(f + len, 0xee, 1514 - len); /* a full-size frame of trailing junk */
	rx(f, 1514);
	expect_reply_to(tn_peer_mac, TN_PEER_IP);
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
}
END_TEST

START_TEST(unsolicited_reply_to_us_is_learned)
{
	rx(f, reply(tn_peer_mac, TN_PEER_IP));
	tn_expect_no_tx(h.nic, 0);
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_REACHABLE));
}
END_TEST

START_TEST(probe_is_answered_not_learned)
{
	/* RFC 5227 probe: sender address 0.0.0.0, asking for ours. */
	rx(f, request(tn_peer_mac, 0, TN_HOST_IP));
	expect_reply_to(tn_peer_mac, 0);
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, 0));
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
}
END_TEST

/* ---- malformed ---------------------------------------------------------- */

enum { M_SHORT, M_HTYPE, M_PTYPE, M_HLEN, M_PLEN, M_OP0, M_OP3, M_SHA_BCAST, M_SHA_OURS,
       M_SPA_OURS, M_COUNT };

START_TEST(malformed_is_dropped_and_counted)
{
	size_t len = request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP);
	uint8_t *a = f + 14;

	switch (_i) {
	case M_SHORT: len = 14 + 27; break;
	case M_HTYPE: a[1] = 6; break;            /* IEEE 802 */
	case M_PTYPE: a[2] = 0x86; a[3] = 0xdd; break;
	case M_HLEN: a[4] = 8; break;
	case M_PLEN: a[5] = 16; break;
	case M_OP0: a[7] = 0; break;
	case M_OP3: a[7] = 3; break;             /* RARP */
	case M_SHA_BCAST: memset(a + 8, 0xff, 6); break;
	case M_SHA_OURS: memcpy(a + 8, tn_host_mac, 6); break;
	case M_SPA_OURS: memcpy(a + 14, &(uint32_t){ TN_HOST_IP }, 4); break; /* conflict */
	}
	rx(f, len);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->arp_rx, 1);
	if (_i == M_SHORT)
		ck_assert_uint_eq(st()->drop_arp_short, 1);
	else
		ck_assert_uint_eq(st()->drop_arp_bad, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, TN_PEER_IP));
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, TN_HOST_IP));
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

START_TEST(garbage_never_crashes_or_leaks)
{
	srand(26);
	for (int i = 0; i < 2000; i++) {
		size_t len = 14 + (size_t)(rand() % 80);
		tn_eth(f, rand() & 1 ? tn_bcast : tn_host_mac, tn_peer_mac, 0x0806);
		for (size_t j = 14; j < len; j++)
			f[j] = (uint8_t)rand();
		if (rand() & 1) { /* plausible header, random rest */
			static const uint8_t hdr[6] = { 0, 1, 8, 0, 6, 4 };
			memcpy(f + 14, hdr, 6);
		}
		rx(f, len);
	}
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->arp_rx, 2000);
	ck_assert_uint_eq(utcp_stats_drops(st()), 2000);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

/* ---- resolution --------------------------------------------------------- */

START_TEST(queued_packets_released_in_order)
{
	ping(TN_PEER_IP, 1, "one");
	ping(TN_PEER_IP, 2, "two");
	ping(TN_PEER_IP, 3, "three");
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_PEER_IP); /* one request for three packets */
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->arp_req_tx, 1);
	ck_assert_uint_eq(st()->arp_req_ratelimited, 2);
	ck_assert(cached(TN_PEER_IP, NULL, UTCP_ARP_INCOMPLETE));
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 3); /* waiting in the entry */

	rx(f, reply(tn_peer_mac, TN_PEER_IP));
	expect_echo(tn_peer_mac, TN_PEER_IP, 1, "one");
	expect_echo(tn_peer_mac, TN_PEER_IP, 2, "two");
	expect_echo(tn_peer_mac, TN_PEER_IP, 3, "three");
	tn_expect_no_tx(h.nic, 0);
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_REACHABLE));
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);

	ping(TN_PEER_IP, 4, "four"); /* now straight out */
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 4, "four");
	ck_assert_uint_eq(st()->arp_req_tx, 1);
}
END_TEST

START_TEST(request_from_awaited_host_also_resolves)
{
	ping(TN_PEER_IP, 1, "x");
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_PEER_IP);
	/* Our request crossed theirs. */
	rx(f, request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP));
	expect_echo(tn_peer_mac, TN_PEER_IP, 1, "x");
	expect_reply_to(tn_peer_mac, TN_PEER_IP);
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

START_TEST(remote_destination_resolves_gateway)
{
	ping(TN_IP(192, 0, 2, 9), 1, "far");
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_GW_IP);
	rx(f, reply(tn_gw_mac, TN_GW_IP));
	expect_echo(tn_gw_mac, TN_IP(192, 0, 2, 9), 1, "far");
}
END_TEST

START_TEST(pending_queue_is_bounded)
{
	for (int i = 0; i < UTCP_ARP_PENDING_MAX + 3; i++)
		ping(TN_PEER_IP, (uint16_t)i, "p");
	utcp_ctx_poll(h.ctx);
	ck_assert_uint_eq(st()->arp_queue_drop, 3);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), UTCP_ARP_PENDING_MAX);
	expect_request_for(TN_PEER_IP);
	rx(f, reply(tn_peer_mac, TN_PEER_IP));
	for (int i = 0; i < UTCP_ARP_PENDING_MAX; i++)
		expect_echo(tn_peer_mac, TN_PEER_IP, (uint16_t)i, "p");
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

START_TEST(requests_rate_limited_then_give_up)
{
	utcp_time_t t0 = utcp_ctx_now(h.ctx);

	ping(TN_PEER_IP, 1, "a");
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_PEER_IP);

	tn_set_now(h.nic, t0 + 500 * MSEC); /* a second packet within the second */
	ping(TN_PEER_IP, 2, "b");
	at(t0 + 500 * MSEC);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->arp_req_ratelimited, 1);
	at(t0 + 999 * MSEC);
	tn_expect_no_tx(h.nic, 0);

	at(t0 + 1 * SEC); /* retry 2 */
	expect_request_for(TN_PEER_IP);
	at(t0 + 1500 * MSEC);
	tn_expect_no_tx(h.nic, 0);
	at(t0 + 2 * SEC); /* retry 3 */
	expect_request_for(TN_PEER_IP);
	ck_assert_uint_eq(st()->arp_req_tx, UTCP_ARP_MAX_TRIES);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 2);

	at(t0 + 3 * SEC); /* no answer to 3 requests: give up */
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->arp_queue_drop, 2);
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, TN_PEER_IP));
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
	ck_assert_uint_eq(utcp_ctx_next_deadline(h.ctx), UTCP_TIME_NEVER);

	ping(TN_PEER_IP, 3, "c"); /* a later packet starts afresh */
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_PEER_IP);
}
END_TEST

START_TEST(wait_sleeps_until_the_retry)
{
	ping(TN_PEER_IP, 1, "a");
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_PEER_IP);
	ck_assert_uint_eq(utcp_ctx_next_deadline(h.ctx), utcp_ctx_now(h.ctx) + UTCP_ARP_RETRY_NS);
	utcp_time_t t0 = utcp_ctx_now(h.ctx);
	utcp_ctx_wait(h.ctx, UTCP_TIME_NEVER); /* the test NIC jumps to the deadline */
	ck_assert_uint_eq(utcp_ctx_now(h.ctx), t0 + UTCP_ARP_RETRY_NS);
	expect_request_for(TN_PEER_IP);
}
END_TEST

/* ---- aging -------------------------------------------------------------- */

START_TEST(learned_entries_expire)
{
	utcp_time_t t0 = utcp_ctx_now(h.ctx);

	rx(f, request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP));
	expect_reply_to(tn_peer_mac, TN_PEER_IP);
	ck_assert_uint_eq(utcp_ctx_next_deadline(h.ctx), t0 + 60 * SEC);
	at(t0 + 60 * SEC - 1);
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_REACHABLE));
	at(t0 + 60 * SEC);
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, TN_PEER_IP));
	ck_assert_uint_eq(st()->arp_expired, 1);

	ping(TN_PEER_IP, 1, "again"); /* resolves again */
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_PEER_IP);
}
END_TEST

START_TEST(traffic_from_peer_refreshes_entry)
{
	utcp_time_t t0 = utcp_ctx_now(h.ctx);

	rx(f, request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP));
	at(t0 + 50 * SEC);
	rx(f, request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP)); /* lives to t0 + 110 s */
	at(t0 + 100 * SEC);
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_REACHABLE));
	at(t0 + 110 * SEC);
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, TN_PEER_IP));
	tn_tx_drain(h.nic);
}
END_TEST

START_TEST(zero_timeout_never_expires)
{
	struct utcp_config c;

	tn_host_down(&h);
	tn_host_config(&c);
	c.arp_timeout = 0;
	up(&c);
	rx(f, request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP));
	ck_assert_uint_eq(utcp_ctx_next_deadline(h.ctx), UTCP_TIME_NEVER);
	at(utcp_ctx_now(h.ctx) + 100000 * SEC);
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_REACHABLE));
	tn_tx_drain(h.nic);
}
END_TEST

/* ---- gratuitous ARP ----------------------------------------------------- */

START_TEST(gratuitous_updates_known_host)
{
	rx(f, request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP));
	expect_reply_to(tn_peer_mac, TN_PEER_IP);
	/* The peer moved to another NIC and announces it (spa == tpa). */
	rx(f, tn_arp(f, tn_bcast, other_mac, 1, other_mac, TN_PEER_IP, tn_zero_mac, TN_PEER_IP));
	tn_expect_no_tx(h.nic, 0);
	ck_assert(cached(TN_PEER_IP, other_mac, UTCP_ARP_REACHABLE));
	/* Gratuitous reply form too. */
	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 2, tn_peer_mac, TN_PEER_IP, tn_bcast, TN_PEER_IP));
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_REACHABLE));
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
	ping(TN_PEER_IP, 1, "moved");
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 1, "moved");
}
END_TEST

START_TEST(gratuitous_for_stranger_not_learned)
{
	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
		     TN_PEER_IP));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, TN_PEER_IP));
	ck_assert_uint_eq(st()->drop_arp_not_us, 1);
}
END_TEST

/* ---- trust and reachability (RFC 4861 §7.3 applied to ARP) --------------- */

static int nud(uint32_t ip)
{
	const struct utcp_arp_entry_rt *e = utcp_arp_lookup(h.ctx, ip);

	return e != NULL ? e->nud : -1;
}

/* Unicast probe: who-has `tpa` tell 10.0.0.1, to the cached MAC. */
static void expect_probe_to(const uint8_t *mac, uint32_t tpa)
{
	size_t wl = tn_arp(want, mac, tn_host_mac, 1, tn_host_mac, TN_HOST_IP, mac, tpa);
	tn_expect_tx(h.nic, 0, want, wl);
}

/* Resolve the peer by request and solicited reply: REACHABLE. */
static utcp_time_t resolve_peer(void)
{
	ping(TN_PEER_IP, 1, "r");
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_PEER_IP);
	rx(f, reply(tn_peer_mac, TN_PEER_IP));
	expect_echo(tn_peer_mac, TN_PEER_IP, 1, "r");
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_REACHABLE);
	return utcp_ctx_now(h.ctx);
}

START_TEST(sender_mac_not_frame_source_is_dropped)
{
	/* A reply claiming 02:..:33 in a frame from 02:..:02 (one corrupted
	 * byte, or a forgery): neither learned nor merged. */
	rx(f, tn_arp(f, tn_host_mac, tn_peer_mac, 2, other_mac, TN_PEER_IP, tn_host_mac,
		     TN_HOST_IP));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, TN_PEER_IP));
	ck_assert_uint_eq(st()->drop_arp_sha, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
	/* Nor does it replace a resolved entry, nor draw a reply when a request. */
	resolve_peer();
	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 1, other_mac, TN_PEER_IP, tn_zero_mac, TN_HOST_IP));
	tn_expect_no_tx(h.nic, 0);
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_REACHABLE));
	ck_assert_uint_eq(st()->drop_arp_sha, 2);
}
END_TEST

START_TEST(stale_entry_in_use_is_probed_then_replaced)
{
	utcp_time_t t0 = resolve_peer();

	at(t0 + 45 * SEC); /* past any reachable time (15-45 s): STALE, no timer */
	tn_expect_no_tx(h.nic, 0);
	ping(TN_PEER_IP, 2, "s"); /* still used as it is; DELAY */
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 2, "s");
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_DELAY);
	ck_assert_uint_eq(utcp_ctx_next_deadline(h.ctx), t0 + 50 * SEC);
	at(t0 + 50 * SEC); /* no confirmation: PROBE, unicast to the cached MAC */
	expect_probe_to(tn_peer_mac, TN_PEER_IP);
	at(t0 + 51 * SEC);
	expect_probe_to(tn_peer_mac, TN_PEER_IP);
	at(t0 + 52 * SEC);
	expect_probe_to(tn_peer_mac, TN_PEER_IP);
	at(t0 + 53 * SEC); /* then broadcast */
	expect_request_for(TN_PEER_IP);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->arp_probes, 4);
	/* The peer moved to another NIC: its answer replaces the MAC. */
	rx(f, reply(other_mac, TN_PEER_IP));
	ck_assert(cached(TN_PEER_IP, other_mac, UTCP_ARP_REACHABLE));
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_REACHABLE);
	ping(TN_PEER_IP, 3, "m");
	utcp_ctx_poll(h.ctx);
	expect_echo(other_mac, TN_PEER_IP, 3, "m");
	at(t0 + 60 * SEC); /* the answer also renewed its lifetime */
	ck_assert(cached(TN_PEER_IP, other_mac, UTCP_ARP_REACHABLE));
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

START_TEST(unanswered_probes_remove_the_entry)
{
	struct utcp_config c;

	tn_host_down(&h);
	tn_host_config(&c);
	c.arp_timeout = 300;
	up(&c);
	utcp_time_t t0 = resolve_peer();
	at(t0 + 46 * SEC);
	ping(TN_PEER_IP, 2, "s");
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 2, "s");
	for (int i = 0; i < UTCP_ARP_UCAST_PROBES; i++) {
		at(t0 + (51 + i) * SEC);
		expect_probe_to(tn_peer_mac, TN_PEER_IP);
	}
	for (int i = 0; i < UTCP_ARP_MCAST_PROBES; i++) {
		at(t0 + (54 + i) * SEC);
		expect_request_for(TN_PEER_IP);
	}
	at(t0 + 57 * SEC);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_ptr_null(utcp_arp_lookup(h.ctx, TN_PEER_IP));
	ck_assert_uint_eq(st()->arp_unreachable, 1);
	ping(TN_PEER_IP, 3, "n"); /* resolves afresh, the packet waits */
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_PEER_IP);
	ck_assert(cached(TN_PEER_IP, NULL, UTCP_ARP_INCOMPLETE));
}
END_TEST

START_TEST(upper_layer_progress_keeps_entry_reachable)
{
	utcp_time_t t0 = resolve_peer();

	at(t0 + 14 * SEC); /* within any reachable time */
	utcp_time_t next = utcp_arp_confirm(h.ctx, TN_PEER_IP);
	ck_assert_uint_ge(next, t0 + 14 * SEC + 7 * SEC); /* no lookup before half of it */
	ck_assert_uint_lt(next, t0 + 14 * SEC + 23 * SEC);
	at(t0 + 28 * SEC);
	ck_assert_uint_ge(utcp_arp_confirm(h.ctx, TN_IP(192, 0, 2, 9)), t0 + 28 * SEC); /* via gw: none */
	utcp_arp_confirm(h.ctx, TN_PEER_IP);
	at(t0 + 42 * SEC);
	ping(TN_PEER_IP, 2, "c");
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 2, "c");
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_REACHABLE);
	at(t0 + 50 * SEC);
	tn_expect_no_tx(h.nic, 0); /* no probe */
	/* Confirmation also stops probing that started. */
	utcp_arp_suspect(h.ctx, TN_PEER_IP);
	utcp_ctx_poll(h.ctx);
	expect_probe_to(tn_peer_mac, TN_PEER_IP);
	utcp_arp_confirm(h.ctx, TN_PEER_IP);
	at(t0 + 52 * SEC);
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

START_TEST(timeout_advice_probes_at_once)
{
	utcp_time_t t0 = resolve_peer();

	utcp_arp_suspect(h.ctx, TN_PEER_IP); /* just confirmed: nothing */
	utcp_ctx_poll(h.ctx);
	tn_expect_no_tx(h.nic, 0);
	at(t0 + 2 * SEC);
	utcp_arp_suspect(h.ctx, TN_PEER_IP);
	utcp_ctx_poll(h.ctx);
	expect_probe_to(tn_peer_mac, TN_PEER_IP);
	utcp_arp_suspect(h.ctx, TN_PEER_IP); /* probing already */
	utcp_ctx_poll(h.ctx);
	tn_expect_no_tx(h.nic, 0);
	rx(f, reply(tn_peer_mac, TN_PEER_IP)); /* the answer confirms */
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_REACHABLE);
	at(t0 + 10 * SEC);
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

START_TEST(unsolicited_new_mac_is_stale_and_checked)
{
	utcp_time_t t0 = resolve_peer();

	/* A reply nobody asked for, consistent Ethernet source, new MAC: taken
	 * (RFC 826 merge) but unconfirmed, so its first use leads to probes. */
	rx(f, tn_arp(f, tn_host_mac, other_mac, 2, other_mac, TN_PEER_IP, tn_host_mac, TN_HOST_IP));
	ck_assert(cached(TN_PEER_IP, other_mac, UTCP_ARP_REACHABLE));
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_STALE);
	ping(TN_PEER_IP, 2, "f");
	utcp_ctx_poll(h.ctx);
	expect_echo(other_mac, TN_PEER_IP, 2, "f");
	at(t0 + 5 * SEC);
	expect_probe_to(other_mac, TN_PEER_IP);
	/* The same MAC repeated changes nothing. */
	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac, TN_PEER_IP));
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_REACHABLE));
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_STALE);
}
END_TEST

START_TEST(last_destination_memo_follows_its_entry)
{
	utcp_time_t t0 = resolve_peer();

	/* The first send after resolution remembers the peer; the next ones
	 * skip the route lookup and the hash (utcp_arp_memo). */
	ping(TN_PEER_IP, 2, "a");
	ping(TN_PEER_IP, 3, "b");
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 2, "a");
	expect_echo(tn_peer_mac, TN_PEER_IP, 3, "b");
	/* A new MAC nobody asked for: the remembered entry is unconfirmed now,
	 * so the next send takes the full path, uses the new MAC and starts
	 * the check (DELAY, then a probe). */
	rx(f, tn_arp(f, tn_host_mac, other_mac, 2, other_mac, TN_PEER_IP, tn_host_mac, TN_HOST_IP));
	ping(TN_PEER_IP, 4, "c");
	utcp_ctx_poll(h.ctx);
	expect_echo(other_mac, TN_PEER_IP, 4, "c");
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_DELAY);
	at(t0 + 5 * SEC);
	expect_probe_to(other_mac, TN_PEER_IP);
	/* Past its reachable time the same holds. */
	rx(f, reply(tn_peer_mac, TN_PEER_IP));
	ping(TN_PEER_IP, 5, "d");
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 5, "d");
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_REACHABLE);
	at(t0 + 60 * SEC);
	tn_expect_no_tx(h.nic, 0);
	ping(TN_PEER_IP, 6, "e");
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 6, "e");
	ck_assert_int_eq(nud(TN_PEER_IP), UTCP_ARP_NUD_DELAY);
}
END_TEST

/* ---- static entries ----------------------------------------------------- */

static void static_setup(void)
{
	struct utcp_config c;

	tn_host_config(&c);
	c.nb_arp = 2;
	c.arp[0] = (struct utcp_arp_entry){ .ip = TN_PEER_IP, .prefix = 32,
					    .mac = { 0x02, 0, 0, 0, 0, 0x02 } };
	/* mTCP-style prefix entry: covers the whole subnet, the gateway too. */
	c.arp[1] = (struct utcp_arp_entry){ .ip = TN_IP(10, 0, 0, 0), .prefix = 24,
					    .mac = { 0x02, 0, 0, 0, 0, 0x33 } };
	up(&c);
}

START_TEST(static_entries_need_no_request)
{
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_STATIC));
	ping(TN_PEER_IP, 1, "s");
	ping(TN_IP(10, 0, 0, 7), 2, "p");     /* prefix entry */
	ping(TN_IP(198, 51, 100, 1), 3, "g"); /* via gateway, covered by the prefix */
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 1, "s");
	expect_echo(other_mac, TN_IP(10, 0, 0, 7), 2, "p");
	expect_echo(other_mac, TN_IP(198, 51, 100, 1), 3, "g");
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->arp_req_tx, 0);
	ck_assert(cached(TN_IP(10, 0, 0, 7), other_mac, UTCP_ARP_STATIC));
}
END_TEST

START_TEST(static_entries_ignore_the_wire_and_never_age)
{
	rx(f, reply(other_mac, TN_PEER_IP));
	rx(f, tn_arp(f, tn_bcast, other_mac, 1, other_mac, TN_PEER_IP, tn_zero_mac, TN_PEER_IP));
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_STATIC));
	at(utcp_ctx_now(h.ctx) + 10000 * SEC);
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_STATIC));
	ck_assert_uint_eq(st()->arp_expired, 0);
	/* A request from the static host is still answered. */
	rx(f, request(tn_peer_mac, TN_PEER_IP, TN_HOST_IP));
	expect_reply_to(tn_peer_mac, TN_PEER_IP);
}
END_TEST

START_TEST(static_entries_take_no_advice)
{
	utcp_arp_suspect(h.ctx, TN_PEER_IP);
	ck_assert_uint_ge(utcp_arp_confirm(h.ctx, TN_PEER_IP), utcp_ctx_now(h.ctx));
	at(utcp_ctx_now(h.ctx) + 100 * SEC);
	ping(TN_PEER_IP, 1, "s");
	utcp_ctx_poll(h.ctx);
	expect_echo(tn_peer_mac, TN_PEER_IP, 1, "s");
	at(utcp_ctx_now(h.ctx) + 10 * SEC);
	tn_expect_no_tx(h.nic, 0);
	ck_assert(cached(TN_PEER_IP, tn_peer_mac, UTCP_ARP_STATIC));
	ck_assert_uint_eq(st()->arp_probes, 0);
}
END_TEST

/* ---- capacity ----------------------------------------------------------- */

START_TEST(full_cache_still_answers)
{
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0x10, 0 };
	int learned = 0;

	for (int i = 0; i < UTCP_ARP_CACHE_SIZE; i++) {
		mac[5] = (uint8_t)i;
		uint32_t ip = TN_IP(10, 0, 1 + i / 200, 1 + i % 200);
		rx(f, request(mac, ip, TN_HOST_IP));
		expect_reply_to(mac, ip);
		learned += utcp_arp_lookup(h.ctx, ip) != NULL;
	}
	ck_assert_int_lt(learned, UTCP_ARP_CACHE_SIZE); /* bounded */
	ck_assert_int_ge(learned, UTCP_ARP_CACHE_SIZE / 2);
	/* No room for a new resolution: the packet is dropped and counted. */
	ck_assert_int_eq(utcp_ping(h.ctx, TN_IP(10, 0, 0, 99), 1, 1, "z", 1), 0);
	utcp_ctx_poll(h.ctx);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->arp_queue_drop, 1);
	/* Entries age out and make room again. */
	at(utcp_ctx_now(h.ctx) + 61 * SEC);
	ck_assert_uint_eq(st()->arp_expired, (uint64_t)learned);
	ck_assert_int_eq(utcp_ping(h.ctx, TN_IP(10, 0, 0, 99), 1, 2, "z", 1), 0);
	utcp_ctx_poll(h.ctx);
	expect_request_for(TN_IP(10, 0, 0, 99));
}
END_TEST

static Suite *arp_suite(void)
{
	Suite *s = suite_create("arp");
	TCase *tc = tcase_create("dynamic");
	TCase *ts = tcase_create("static");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, request_for_us_is_answered_and_learned);
	tcase_add_test(tc, request_for_another_host_is_ignored);
	tcase_add_test(tc, padded_and_oversized_requests_are_answered);
	tcase_add_test(tc, unsolicited_reply_to_us_is_learned);
	tcase_add_test(tc, probe_is_answered_not_learned);
	tcase_add_loop_test(tc, malformed_is_dropped_and_counted, 0, M_COUNT);
	tcase_add_test(tc, garbage_never_crashes_or_leaks);
	tcase_add_test(tc, queued_packets_released_in_order);
	tcase_add_test(tc, request_from_awaited_host_also_resolves);
	tcase_add_test(tc, remote_destination_resolves_gateway);
	tcase_add_test(tc, pending_queue_is_bounded);
	tcase_add_test(tc, requests_rate_limited_then_give_up);
	tcase_add_test(tc, wait_sleeps_until_the_retry);
	tcase_add_test(tc, learned_entries_expire);
	tcase_add_test(tc, traffic_from_peer_refreshes_entry);
	tcase_add_test(tc, zero_timeout_never_expires);
	tcase_add_test(tc, gratuitous_updates_known_host);
	tcase_add_test(tc, gratuitous_for_stranger_not_learned);
	tcase_add_test(tc, full_cache_still_answers);
	tcase_add_test(tc, sender_mac_not_frame_source_is_dropped);
	tcase_add_test(tc, stale_entry_in_use_is_probed_then_replaced);
	tcase_add_test(tc, unanswered_probes_remove_the_entry);
	tcase_add_test(tc, upper_layer_progress_keeps_entry_reachable);
	tcase_add_test(tc, timeout_advice_probes_at_once);
	tcase_add_test(tc, unsolicited_new_mac_is_stale_and_checked);
	tcase_add_test(tc, last_destination_memo_follows_its_entry);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(ts, static_setup, teardown);
	tcase_add_test(ts, static_entries_need_no_request);
	tcase_add_test(ts, static_entries_ignore_the_wire_and_never_age);
	tcase_add_test(ts, static_entries_take_no_advice);
	suite_add_tcase(s, ts);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(arp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
