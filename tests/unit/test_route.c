/*
 * tests/unit/test_route.c - longest-prefix match over the route table.
 *
 * Tables built by hand; then the same decisions seen on the wire: a ping to a
 * directly connected host ARPs for the host, one beyond the gateway ARPs for
 * the gateway, and one with no route fails with ENETUNREACH.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/net.h"
#include "tests/unit/testnic.h"

static struct utcp_config cfg;

static void add_route(uint32_t dst, uint8_t prefix, uint32_t gw, int port)
{
	cfg.routes[cfg.nb_routes++] =
		(struct utcp_route){ .dst = dst, .prefix = prefix, .gateway = gw, .port = port };
}

static void table_setup(void)
{
	utcp_config_defaults(&cfg);
	cfg.nb_ports = 2;
	cfg.ports[0].ip = TN_IP(10, 0, 0, 1);
	cfg.ports[1].ip = TN_IP(10, 1, 0, 1);
	cfg.nb_routes = 0;
}

/* Expect dst -> (port, nexthop). */
static void expect(uint32_t dst, int port, uint32_t nexthop)
{
	int p = -1;
	uint32_t nh = 0;

	ck_assert_int_eq(utcp_route_lookup(&cfg, dst, &p, &nh), 0);
	ck_assert_int_eq(p, port);
	ck_assert_uint_eq(nh, nexthop);
}

START_TEST(longest_prefix_wins_whatever_the_order)
{
	/* Least specific first: mTCP's first match would always answer /0. */
	add_route(0, 0, TN_IP(10, 0, 0, 254), 0);
	add_route(TN_IP(10, 0, 0, 0), 8, TN_IP(10, 0, 0, 253), 0);
	add_route(TN_IP(10, 1, 0, 0), 16, 0, 1);
	add_route(TN_IP(10, 1, 2, 0), 24, TN_IP(10, 1, 0, 254), 1);
	add_route(TN_IP(10, 1, 2, 99), 32, TN_IP(10, 0, 0, 9), 0);

	expect(TN_IP(8, 8, 8, 8), 0, TN_IP(10, 0, 0, 254));       /* default */
	expect(TN_IP(10, 200, 0, 1), 0, TN_IP(10, 0, 0, 253));     /* /8 */
	expect(TN_IP(10, 1, 7, 7), 1, TN_IP(10, 1, 7, 7));         /* /16 direct */
	expect(TN_IP(10, 1, 2, 3), 1, TN_IP(10, 1, 0, 254));       /* /24 via gw */
	expect(TN_IP(10, 1, 2, 99), 0, TN_IP(10, 0, 0, 9));        /* /32 host */
}
END_TEST

START_TEST(equal_prefixes_first_listed)
{
	add_route(TN_IP(192, 168, 0, 0), 16, TN_IP(10, 0, 0, 7), 0);
	add_route(TN_IP(192, 168, 0, 0), 16, 0, 1);
	expect(TN_IP(192, 168, 3, 4), 0, TN_IP(10, 0, 0, 7));
}
END_TEST

START_TEST(default_route_only)
{
	add_route(0, 0, TN_IP(10, 0, 0, 254), 0);
	expect(TN_IP(1, 2, 3, 4), 0, TN_IP(10, 0, 0, 254));
	expect(TN_IP(255, 255, 255, 254), 0, TN_IP(10, 0, 0, 254));
	expect(0, 0, TN_IP(10, 0, 0, 254));
}
END_TEST

START_TEST(no_route_is_enetunreach)
{
	int port = 77;
	uint32_t nh = 77;

	add_route(TN_IP(10, 0, 0, 0), 24, 0, 0);
	errno = 0;
	ck_assert_int_eq(utcp_route_lookup(&cfg, TN_IP(10, 0, 1, 1), &port, &nh), -1);
	ck_assert_int_eq(errno, ENETUNREACH);
	ck_assert_int_eq(port, 77); /* outputs untouched */
	ck_assert_uint_eq(nh, 77);
	cfg.nb_routes = 0;
	ck_assert_int_eq(utcp_route_lookup(&cfg, TN_IP(10, 0, 0, 1), &port, &nh), -1);
}
END_TEST

START_TEST(routes_to_missing_ports_ignored)
{
	add_route(TN_IP(10, 9, 0, 0), 16, 0, 5); /* only 2 ports */
	add_route(TN_IP(10, 9, 0, 0), 16, 0, -1);
	add_route(TN_IP(10, 0, 0, 0), 8, 0, 1);
	expect(TN_IP(10, 9, 1, 1), 1, TN_IP(10, 9, 1, 1));
}
END_TEST

START_TEST(host_bits_in_route_ignored)
{
	/* route.conf writes "10.0.0.1/24 dpdk0": the host part does not matter. */
	add_route(TN_IP(10, 0, 0, 1), 24, 0, 0);
	expect(TN_IP(10, 0, 0, 200), 0, TN_IP(10, 0, 0, 200));
}
END_TEST

/* ---- the same decisions on the wire ---- */

static struct tn_host h;

static void host_setup(void)
{
	struct utcp_config c;

	tn_host_config(&c);
	tn_host_up(&h, &c, 1);
}

static void host_teardown(void)
{
	tn_host_down(&h);
}

/* The ARP request the host sends for `who`. */
static void expect_arp_request_for(uint32_t who)
{
	uint8_t out[TN_FRAME_MAX], want[TN_FRAME_MAX];
	size_t wl = tn_arp(want, tn_bcast, tn_host_mac, 1, tn_host_mac, TN_HOST_IP, tn_zero_mac,
			   who);

	ck_assert_uint_eq(tn_tx_pop(h.nic, 0, out, sizeof(out)), wl);
	ck_assert_mem_eq(out, want, wl);
}

START_TEST(wire_connected_host_arps_for_host)
{
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 1, "x", 1), 0);
	utcp_ctx_poll(h.ctx);
	expect_arp_request_for(TN_PEER_IP);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 0);
}
END_TEST

START_TEST(wire_remote_host_arps_for_gateway)
{
	ck_assert_int_eq(utcp_ping(h.ctx, TN_IP(8, 8, 8, 8), 1, 1, "x", 1), 0);
	utcp_ctx_poll(h.ctx);
	expect_arp_request_for(TN_GW_IP);
}
END_TEST

START_TEST(wire_no_route)
{
	/* Only the connected route left. */
	struct utcp_config c;

	tn_host_down(&h);
	tn_host_config(&c);
	c.nb_routes = 1;
	tn_host_up(&h, &c, 1);
	errno = 0;
	ck_assert_int_eq(utcp_ping(h.ctx, TN_IP(8, 8, 8, 8), 1, 1, "x", 1), -1);
	ck_assert_int_eq(errno, ENETUNREACH);
	ck_assert_uint_eq(utcp_ctx_stats(h.ctx)->drop_no_route, 1);
	utcp_ctx_poll(h.ctx);
	ck_assert_uint_eq(tn_tx_count(h.nic, 0), 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

static Suite *route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("lpm");
	TCase *wire = tcase_create("wire");

	tcase_add_checked_fixture(tc, table_setup, NULL);
	tcase_add_test(tc, longest_prefix_wins_whatever_the_order);
	tcase_add_test(tc, equal_prefixes_first_listed);
	tcase_add_test(tc, default_route_only);
	tcase_add_test(tc, no_route_is_enetunreach);
	tcase_add_test(tc, routes_to_missing_ports_ignored);
	tcase_add_test(tc, host_bits_in_route_ignored);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(wire, host_setup, host_teardown);
	tcase_add_test(wire, wire_connected_host_arps_for_host);
	tcase_add_test(wire, wire_remote_host_arps_for_gateway);
	tcase_add_test(wire, wire_no_route);
	suite_add_tcase(s, wire);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(route_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
