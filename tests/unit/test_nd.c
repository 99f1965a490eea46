/*
 * tests/unit/test_nd.c - neighbour discovery (RFC 4861) and duplicate
 * address detection (RFC 4862 §5.4) as traces.
 *
 * peer NS -> host NA (solicited, override, our MAC), the peer learned
 * STALE; invalid NS dropped and counted; resolution: the host's NS to the
 * solicited-node group, frames waiting in a bounded queue and released in
 * order by the NA, or dropped after MAX_MULTICAST_SOLICIT; reachability:
 * REACHABLE -> STALE -> DELAY -> unicast probes -> removed; advertisements
 * without override leave the MAC alone; upper-layer advice (TCP's):
 * confirmation keeps or makes an entry REACHABLE, suspicion probes it at
 * once, static entries take none; DAD: solicitations from :: before
 * an address is used, and an NA or another node's DAD making it
 * duplicate.  Every fixture ends with a leak check.
 */
#include <check.h>
#include <string.h>

#include "core/base/bytes.h"
#include "core/net/net.h"
#include "tests/unit/ip6test.h"

static struct tn_host h;
static uint8_t f[TN_FRAME_MAX], want[TN_FRAME_MAX];
static const uint8_t data[8] = "pingping";
static const uint8_t peer_sn_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 2 };
static const struct utcp_in6 peer_sn = { { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2 } };
static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x77 };

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(h.ctx);
}

static void rx(const uint8_t *frame, size_t len)
{
	ck_assert_int_eq(tn_inject(h.nic, 0, frame, len), 0);
	utcp_ctx_poll(h.ctx);
}

static void tick(utcp_time_t dt)
{
	tn_advance(h.nic, dt);
	utcp_ctx_poll(h.ctx);
}

static void up(int dad)
{
	struct utcp_config c;
	t6_config(&c, dad);
	tn_host_up(&h, &c, 1);
}

static void setup(void)
{
	up(0);
}

static void setup_dad(void)
{
	up(1);
}

static void teardown(void)
{
	tn_host_down(&h);
}

static const struct utcp_nd_entry *peer_entry(void)
{
	return utcp_nd_lookup(h.ctx, &t6_peer);
}

/* The peer pings the host's global address. */
static void ping_from_peer(uint16_t seq)
{
	rx(f, t6_echo(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 128, 9, seq, data, 8));
}

static void expect_reply(uint16_t seq)
{
	size_t wl = t6_echo(want, tn_peer_mac, tn_host_mac, &t6_host, &t6_peer, 129, 9, seq, data, 8);
	tn_expect_tx(h.nic, 0, want, wl);
}

/* The host's NS resolving the peer (to its solicited-node group). */
static void expect_resolution_ns(void)
{
	size_t wl = t6_ns(want, peer_sn_mac, tn_host_mac, &t6_host, &peer_sn, &t6_peer,
			  tn_host_mac);
	tn_expect_tx(h.nic, 0, want, wl);
}

/* ---- NS -> NA -------------------------------------------------------------- */

START_TEST(ns_answered_with_na)
{
	rx(f, t6_ns(f, t6_host_sn_mac, tn_peer_mac, &t6_peer, &t6_host_sn, &t6_host, tn_peer_mac));
	size_t wl = t6_na(want, tn_peer_mac, tn_host_mac, &t6_host, &t6_peer, &t6_host, 0x60,
			  tn_host_mac);
	tn_expect_tx(h.nic, 0, want, wl);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->nd_ns_rx, 1);
	ck_assert_uint_eq(st()->nd_na_tx, 1);
	/* §7.2.3: the peer is learned, STALE. */
	ck_assert_ptr_nonnull(peer_entry());
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_STALE);
	ck_assert_mem_eq(peer_entry()->mac, tn_peer_mac, 6);
	/* The link-local address is answered for too. */
	rx(f, t6_ns(f, t6_host_sn_mac, tn_peer_mac, &t6_peer_ll, &t6_host_sn, &t6_host_ll,
		    tn_peer_mac));
	wl = t6_na(want, tn_peer_mac, tn_host_mac, &t6_host_ll, &t6_peer_ll, &t6_host_ll, 0x60,
		   tn_host_mac);
	tn_expect_tx(h.nic, 0, want, wl);
}
END_TEST

START_TEST(invalid_ns_dropped)
{
	size_t len;
	/* Hop limit not 255 (§7.1.1): could come from off the link. */
	len = t6_ns(f, t6_host_sn_mac, tn_peer_mac, &t6_peer, &t6_host_sn, &t6_host, tn_peer_mac);
	f[14 + 7] = 64;
	rx(f, len);
	/* From :: with a source link-layer address option. */
	rx(f, t6_ns(f, t6_host_sn_mac, tn_peer_mac, &t6_unspec, &t6_host_sn, &t6_host,
		    tn_peer_mac));
	/* An option of length 0. */
	uint8_t m[32] = { 135, 0, 0, 0 };
	memcpy(m + 8, t6_host.b, 16);
	m[24] = 1;
	rx(f, t6_icmp6(f, t6_host_sn_mac, tn_peer_mac, &t6_peer, &t6_host_sn, 255, m, 32));
	/* A group as target. */
	rx(f, t6_ns(f, t6_host_sn_mac, tn_peer_mac, &t6_peer, &t6_host_sn, &t6_all_nodes, NULL));
	ck_assert_uint_eq(st()->drop_nd_bad, 4);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_ptr_null(peer_entry());
	/* A valid NS for someone else's address: nothing to answer. */
	struct utcp_in6 other = t6_host;
	other.b[14] = 1;
	rx(f, t6_ns(f, t6_host_sn_mac, tn_peer_mac, &t6_peer, &t6_host_sn, &other, tn_peer_mac));
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

/* ---- resolution ------------------------------------------------------------ */

START_TEST(resolution_releases_queue_in_order)
{
	ping_from_peer(1);
	expect_resolution_ns();
	ping_from_peer(2);
	ping_from_peer(3);
	tn_expect_no_tx(h.nic, 0); /* one solicitation per RetransTimer */
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_INCOMPLETE);
	ck_assert_uint_eq(peer_entry()->pending.n, 3);
	rx(f, t6_na(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, &t6_peer, 0x60, tn_peer_mac));
	expect_reply(1);
	expect_reply(2);
	expect_reply(3);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_REACHABLE);
}
END_TEST

START_TEST(resolution_gives_up)
{
	ping_from_peer(1);
	expect_resolution_ns();
	tick(UTCP_ND_RETRANS_NS);
	expect_resolution_ns();
	tick(UTCP_ND_RETRANS_NS);
	expect_resolution_ns();
	tick(UTCP_ND_RETRANS_NS);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_ptr_null(peer_entry());
	ck_assert_uint_eq(st()->nd_queue_drop, 1);
	ck_assert_uint_eq(st()->nd_unreachable, 1);
}
END_TEST

START_TEST(pending_queue_bounded)
{
	for (int i = 0; i < UTCP_ND_PENDING_MAX + 3; i++)
		ping_from_peer((uint16_t)i);
	ck_assert_uint_eq(peer_entry()->pending.n, UTCP_ND_PENDING_MAX);
	ck_assert_uint_eq(st()->nd_queue_drop, 3);
	ck_assert_uint_eq(tn_tx_drain(h.nic), 1); /* the solicitation */
	rx(f, t6_na(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, &t6_peer, 0x60, tn_peer_mac));
	ck_assert_uint_eq(tn_tx_drain(h.nic), UTCP_ND_PENDING_MAX);
}
END_TEST

/* Off-link: the reply goes by the default route to gateway6 (fe80::fe),
 * resolved from the link-local address. */
START_TEST(off_link_through_gateway6)
{
	static const struct utcp_in6 far = { { 0x20, 0x01, 0x0d, 0xb9, [15] = 5 } };
	static const struct utcp_in6 gw_sn = { { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 0xfe } };
	static const uint8_t gw_sn_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 0xfe };
	rx(f, t6_echo(f, tn_host_mac, tn_gw_mac, &far, &t6_host, 128, 3, 1, data, 8));
	size_t wl = t6_ns(want, gw_sn_mac, tn_host_mac, &t6_host_ll, &gw_sn, &t6_gw_ll,
			  tn_host_mac);
	tn_expect_tx(h.nic, 0, want, wl);
	rx(f, t6_na(f, tn_host_mac, tn_gw_mac, &t6_gw_ll, &t6_host_ll, &t6_gw_ll, 0xe0,
		    tn_gw_mac));
	wl = t6_echo(want, tn_gw_mac, tn_host_mac, &t6_host, &far, 129, 3, 1, data, 8);
	tn_expect_tx(h.nic, 0, want, wl);
	tn_expect_no_tx(h.nic, 0);
	const struct utcp_nd_entry *e = utcp_nd_lookup(h.ctx, &t6_gw_ll);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->state, UTCP_ND_REACHABLE);
	ck_assert_uint_eq(e->is_router, 1);
	ck_assert_ptr_null(utcp_nd_lookup(h.ctx, &far)); /* never resolved itself */
}
END_TEST

/* ---- reachability ---------------------------------------------------------- */

START_TEST(reachable_stale_delay_probe_removed)
{
	ping_from_peer(1);
	expect_resolution_ns();
	rx(f, t6_na(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, &t6_peer, 0x60, tn_peer_mac));
	expect_reply(1);
	/* ReachableTime is at most 3/2 of REACHABLE_TIME. */
	tick(UTCP_ND_REACHABLE_NS * 3 / 2);
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_STALE);
	ping_from_peer(2);
	expect_reply(2); /* a STALE entry is used at once */
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_DELAY);
	tick(UTCP_ND_DELAY_NS);
	/* §7.3.3: unicast probes to the cached MAC. */
	size_t wl = t6_ns(want, tn_peer_mac, tn_host_mac, &t6_host, &t6_peer, &t6_peer,
			  tn_host_mac);
	for (int i = 0; i < UTCP_ND_MAX_UCAST_SOLICIT; i++) {
		ck_assert_uint_eq(peer_entry()->state, UTCP_ND_PROBE);
		tn_expect_tx(h.nic, 0, want, wl);
		tick(UTCP_ND_RETRANS_NS);
	}
	tn_expect_no_tx(h.nic, 0);
	ck_assert_ptr_null(peer_entry());
	ck_assert_uint_eq(st()->nd_probes, UTCP_ND_MAX_UCAST_SOLICIT);
	ck_assert_uint_eq(st()->nd_unreachable, 1);
}
END_TEST

START_TEST(probe_answered_reachable_again)
{
	ping_from_peer(1);
	expect_resolution_ns();
	rx(f, t6_na(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, &t6_peer, 0x60, tn_peer_mac));
	expect_reply(1);
	tick(UTCP_ND_REACHABLE_NS * 3 / 2);
	ping_from_peer(2);
	expect_reply(2);
	tick(UTCP_ND_DELAY_NS);
	ck_assert_uint_eq(tn_tx_drain(h.nic), 1);
	rx(f, t6_na(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, &t6_peer, 0x60, tn_peer_mac));
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_REACHABLE);
}
END_TEST

/* ---- upper-layer advice (§7.3.1): what TCP gives ---------------------------- */

static void resolve_peer(void)
{
	ping_from_peer(1);
	expect_resolution_ns();
	rx(f, t6_na(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, &t6_peer, 0x60, tn_peer_mac));
	expect_reply(1);
}

START_TEST(advice_confirms_and_suspects)
{
	static const struct utcp_in6 far = { { 0x20, 0x01, 0x0d, 0xb9, [15] = 5 } };
	uint8_t probe[TN_FRAME_MAX];
	size_t wl = t6_ns(probe, tn_peer_mac, tn_host_mac, &t6_host, &t6_peer, &t6_peer,
			  tn_host_mac);
	resolve_peer();
	utcp_nd_suspect(h.ctx, &t6_peer); /* just confirmed: nothing */
	utcp_ctx_poll(h.ctx);
	tn_expect_no_tx(h.nic, 0);
	/* Confirmation: REACHABLE again, asked again at half its time. */
	tick(UTCP_ND_REACHABLE_NS);
	utcp_time_t now = utcp_ctx_now(h.ctx);
	utcp_time_t next = utcp_nd_confirm(h.ctx, &t6_peer);
	ck_assert_uint_ge(next, now + UTCP_ND_REACHABLE_NS / 4);
	ck_assert_uint_lt(next, now + UTCP_ND_REACHABLE_NS * 3 / 4);
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_REACHABLE);
	/* No entry for the next hop (the gateway): nothing, ask in a while. */
	ck_assert_uint_eq(utcp_nd_confirm(h.ctx, &far), now + UTCP_ND_RETRANS_NS);
	utcp_nd_suspect(h.ctx, &far);
	utcp_ctx_poll(h.ctx);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_ptr_null(utcp_nd_lookup(h.ctx, &t6_gw_ll));
	/* Suspicion: a unicast probe at once, once. */
	tick(UTCP_ND_RETRANS_NS);
	utcp_nd_suspect(h.ctx, &t6_peer);
	utcp_ctx_poll(h.ctx);
	tn_expect_tx(h.nic, 0, probe, wl);
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_PROBE);
	utcp_nd_suspect(h.ctx, &t6_peer); /* probing already */
	utcp_ctx_poll(h.ctx);
	tn_expect_no_tx(h.nic, 0);
	/* Confirmation stops the probing. */
	utcp_nd_confirm(h.ctx, &t6_peer);
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_REACHABLE);
	tick(UTCP_ND_RETRANS_NS * 3);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->nd_probes, 1);
}
END_TEST

/* Static entries (`<port>.neigh6`) take no advice. */
START_TEST(static_neighbour_takes_no_advice)
{
	struct utcp_config c;
	tn_host_down(&h);
	t6_config(&c, 0);
	c.nb_neigh6 = 1;
	c.neigh6[0] = (struct utcp_neigh6_entry){ .ip6 = t6_peer, .port = 0 };
	memcpy(c.neigh6[0].mac, tn_peer_mac, 6);
	tn_host_up(&h, &c, 1);
	tick(10 * UTCP_NSEC_PER_SEC);
	utcp_nd_suspect(h.ctx, &t6_peer);
	ck_assert_uint_ge(utcp_nd_confirm(h.ctx, &t6_peer), utcp_ctx_now(h.ctx));
	tick(10 * UTCP_NSEC_PER_SEC);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_STATIC);
	ck_assert_uint_eq(st()->nd_probes, 0);
}
END_TEST

START_TEST(na_without_override_keeps_mac)
{
	ping_from_peer(1);
	expect_resolution_ns();
	rx(f, t6_na(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, &t6_peer, 0x60, tn_peer_mac));
	expect_reply(1);
	/* §7.2.5: O clear and a different MAC: REACHABLE -> STALE, MAC kept. */
	rx(f, t6_na(f, tn_host_mac, other_mac, &t6_peer, &t6_host, &t6_peer, 0x00, other_mac));
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_STALE);
	ck_assert_mem_eq(peer_entry()->mac, tn_peer_mac, 6);
	/* O set: the new MAC, STALE (unsolicited). */
	rx(f, t6_na(f, t6_all_nodes_mac, other_mac, &t6_peer, &t6_all_nodes, &t6_peer, 0x20,
		    other_mac));
	ck_assert_uint_eq(peer_entry()->state, UTCP_ND_STALE);
	ck_assert_mem_eq(peer_entry()->mac, other_mac, 6);
	/* Solicited to a group: invalid (§7.1.2). */
	rx(f, t6_na(f, t6_all_nodes_mac, tn_peer_mac, &t6_peer, &t6_all_nodes, &t6_peer, 0x60,
		    tn_peer_mac));
	ck_assert_uint_eq(st()->drop_nd_bad, 1);
	ck_assert_mem_eq(peer_entry()->mac, other_mac, 6);
}
END_TEST

/* ---- duplicate address detection ------------------------------------------- */

/* DAD's solicitation for target: from ::, to its solicited-node group, no
 * link-layer address option. */
static void expect_dad_ns(const struct utcp_in6 *target)
{
	size_t wl = t6_ns(want, t6_host_sn_mac, tn_host_mac, &t6_unspec, &t6_host_sn, target,
			  NULL);
	tn_expect_tx(h.nic, 0, want, wl);
}

START_TEST(dad_then_preferred)
{
	ping_from_peer(1); /* tentative: not ours yet */
	ck_assert_uint_eq(st()->drop_ip6_dst, 1);
	tn_expect_no_tx(h.nic, 0);
	tick(UTCP_ND_MAX_RTR_SOLICIT_DELAY_NS);
	expect_dad_ns(&t6_host_ll);
	expect_dad_ns(&t6_host);
	tn_expect_no_tx(h.nic, 0);
	tick(UTCP_ND_RETRANS_NS);
	tn_expect_no_tx(h.nic, 0);
	ping_from_peer(2);
	expect_resolution_ns();
	ck_assert_uint_eq(st()->dad_conflicts, 0);
}
END_TEST

START_TEST(dad_conflict_by_na)
{
	tick(UTCP_ND_MAX_RTR_SOLICIT_DELAY_NS);
	ck_assert_uint_eq(tn_tx_drain(h.nic), 2);
	/* The owner defends 2001:db8::1 (§7.2.4: to all nodes, override). */
	rx(f, t6_na(f, t6_all_nodes_mac, other_mac, &t6_host, &t6_all_nodes, &t6_host, 0x20,
		    other_mac));
	ck_assert_uint_eq(st()->dad_conflicts, 1);
	tick(UTCP_ND_RETRANS_NS);
	ping_from_peer(1);
	ck_assert_uint_eq(st()->drop_ip6_dst, 1);
	tn_expect_no_tx(h.nic, 0);
	/* The link-local address passed: answered. */
	rx(f, t6_echo(f, tn_host_mac, tn_peer_mac, &t6_peer_ll, &t6_host_ll, 128, 1, 1, data, 8));
	ck_assert_uint_eq(st()->icmp6_echo_rep_tx, 1);
	tn_tx_drain(h.nic);
}
END_TEST

START_TEST(dad_conflict_by_other_dad)
{
	tick(UTCP_ND_MAX_RTR_SOLICIT_DELAY_NS);
	ck_assert_uint_eq(tn_tx_drain(h.nic), 2);
	/* Another node runs DAD for the same address (RFC 4862 §5.4.3). */
	rx(f, t6_ns(f, t6_host_sn_mac, other_mac, &t6_unspec, &t6_host_sn, &t6_host, NULL));
	ck_assert_uint_eq(st()->dad_conflicts, 1);
	tn_expect_no_tx(h.nic, 0);
	tick(UTCP_ND_RETRANS_NS);
	/* Its NS for the address now gets no answer from us. */
	rx(f, t6_ns(f, t6_host_sn_mac, tn_peer_mac, &t6_peer, &t6_host_sn, &t6_host, tn_peer_mac));
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

/* Once in use, an address is defended: a DAD probe for it is answered. */
START_TEST(preferred_address_defended)
{
	rx(f, t6_ns(f, t6_host_sn_mac, other_mac, &t6_unspec, &t6_host_sn, &t6_host, NULL));
	size_t wl = t6_na(want, t6_all_nodes_mac, tn_host_mac, &t6_host, &t6_all_nodes, &t6_host,
			  0x20, tn_host_mac);
	tn_expect_tx(h.nic, 0, want, wl);
	ck_assert_uint_eq(st()->dad_conflicts, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nd");
	TCase *tc = tcase_create("nd");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ns_answered_with_na);
	tcase_add_test(tc, invalid_ns_dropped);
	tcase_add_test(tc, resolution_releases_queue_in_order);
	tcase_add_test(tc, resolution_gives_up);
	tcase_add_test(tc, pending_queue_bounded);
	tcase_add_test(tc, off_link_through_gateway6);
	tcase_add_test(tc, reachable_stale_delay_probe_removed);
	tcase_add_test(tc, probe_answered_reachable_again);
	tcase_add_test(tc, advice_confirms_and_suspects);
	tcase_add_test(tc, static_neighbour_takes_no_advice);
	tcase_add_test(tc, na_without_override_keeps_mac);
	tcase_add_test(tc, preferred_address_defended);
	suite_add_tcase(s, tc);
	TCase *dad = tcase_create("dad");
	tcase_add_checked_fixture(dad, setup_dad, teardown);
	tcase_add_test(dad, dad_then_preferred);
	tcase_add_test(dad, dad_conflict_by_na);
	tcase_add_test(dad, dad_conflict_by_other_dad);
	suite_add_tcase(s, dad);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
