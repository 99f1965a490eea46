/*
 * tests/unit/test_icmp.c - ICMP echo (RFC 792) as traces.
 *
 * peer -> host echo request: the exact echo reply comes back (same id, seq
 * and data, checksum right); host -> peer ping: the exact echo request goes
 * out and the peer's reply reaches the echo handler.  Damaged messages and
 * other types are dropped and counted; the fixture asserts no leak.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/net.h"
#include "tests/unit/testnic.h"

static struct tn_host h;
static uint8_t f[TN_FRAME_MAX], want[TN_FRAME_MAX];

static const struct utcp_stats *st(void)
{
	return utcp_ctx_stats(h.ctx);
}

static void rx(const uint8_t *frame, size_t len)
{
	ck_assert_int_eq(tn_inject(h.nic, 0, frame, len), 0);
	utcp_ctx_poll(h.ctx);
}

static void setup(void)
{
	struct utcp_config c;

	tn_host_config(&c);
	tn_host_up(&h, &c, 1);
	rx(f, tn_arp(f, tn_bcast, tn_peer_mac, 1, tn_peer_mac, TN_PEER_IP, tn_zero_mac,
		     TN_HOST_IP));
	ck_assert_uint_eq(tn_tx_drain(h.nic), 1);
}

static void teardown(void)
{
	tn_host_down(&h);
}

/* An ICMP message of `len` bytes from the peer, as given (checksum too). */
static size_t icmp_from_peer(const uint8_t *icmp, size_t len)
{
	return tn_ipv4(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 1, icmp, len);
}

START_TEST(echo_request_gets_exact_reply)
{
	static const char data[] = "abcdefghijklmnopqrstuvwabcdefghi"; /* Windows ping's */
	size_t wl;

	rx(f, tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 8, 0x0001, 0x0042,
			   data, 32));
	wl = tn_icmp_echo(want, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 0, 0x0001, 0x0042,
			  data, 32);
	tn_expect_tx_ipv4(h.nic, 0, want, wl);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->icmp_rx, 1);
	ck_assert_uint_eq(st()->icmp_echo_req_rx, 1);
	ck_assert_uint_eq(st()->icmp_echo_rep_tx, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
}
END_TEST

START_TEST(echo_reply_sizes)
{
	/* Empty, odd (checksum pads), and the largest that fits 1500. */
	static const size_t sizes[] = { 0, 1, 57, 1471, 1472 };
	static uint8_t data[1472];
	size_t n = sizes[_i], wl;

	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(0xff - i);
	rx(f, tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 8, 0xbeef,
			   (uint16_t)n, data, n));
	wl = tn_icmp_echo(want, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 0, 0xbeef,
			  (uint16_t)n, data, n);
	tn_expect_tx_ipv4(h.nic, 0, want, wl);
}
END_TEST

START_TEST(bad_checksum_dropped)
{
	size_t len = tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 8, 1, 1,
				  "data", 4);

	f[len - 1] ^= 0x40; /* data damaged, ICMP checksum now wrong */
	rx(f, len);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_icmp_cksum, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

START_TEST(truncated_dropped)
{
	static const uint8_t icmp[7] = { 8, 0, 0xf7, 0xff, 0, 0, 0 };

	rx(f, icmp_from_peer(icmp, _i)); /* 0..7 bytes: less than a header */
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_icmp_short, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
}
END_TEST

START_TEST(other_types_dropped)
{
	static const uint8_t types[] = { 3 /* unreachable */, 4 /* quench */, 5 /* redirect */,
					 11 /* time exceeded */, 13 /* timestamp */, 255 };
	uint8_t icmp[36] = { types[_i], 0 };
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(icmp, sizeof(icmp), 0));

	memcpy(icmp + 2, &ck, 2);
	rx(f, icmp_from_peer(icmp, sizeof(icmp)));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_icmp_type, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
}
END_TEST

/* ---- ping --------------------------------------------------------------- */

struct echo_seen {
	int n;
	uint32_t src;
	uint16_t id, seq;
	uint8_t data[64];
	size_t len;
	utcp_time_t now;
};

static void on_echo(void *arg, uint32_t src, uint16_t id, uint16_t seq, const uint8_t *payload,
		    size_t len, utcp_time_t now)
{
	struct echo_seen *e = arg;

	e->n++;
	e->src = src;
	e->id = id;
	e->seq = seq;
	e->len = len;
	memcpy(e->data, payload, len < sizeof(e->data) ? len : sizeof(e->data));
	e->now = now;
}

START_TEST(ping_sends_exact_request_and_reports_reply)
{
	struct echo_seen seen = { 0 };
	size_t wl;

	utcp_ctx_set_echo_handler(h.ctx, on_echo, &seen);
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 0x4d2, 9, "hello", 5), 0);
	utcp_ctx_poll(h.ctx);
	wl = tn_icmp_echo(want, tn_peer_mac, tn_host_mac, TN_HOST_IP, TN_PEER_IP, 8, 0x4d2, 9,
			  "hello", 5);
	tn_expect_tx_ipv4(h.nic, 0, want, wl);
	ck_assert_uint_eq(st()->icmp_echo_req_tx, 1);

	tn_advance(h.nic, 250 * UTCP_NSEC_PER_USEC);
	rx(f, tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 0, 0x4d2, 9,
			   "hello", 5));
	ck_assert_int_eq(seen.n, 1);
	ck_assert_uint_eq(seen.src, TN_PEER_IP);
	ck_assert_uint_eq(seen.id, 0x4d2);
	ck_assert_uint_eq(seen.seq, 9);
	ck_assert_uint_eq(seen.len, 5);
	ck_assert_mem_eq(seen.data, "hello", 5);
	ck_assert_uint_eq(seen.now, utcp_ctx_now(h.ctx));
	ck_assert_uint_eq(st()->icmp_echo_rep_rx, 1);
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

START_TEST(reply_without_handler_is_consumed)
{
	rx(f, tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 0, 1, 1, "x", 1));
	ck_assert_uint_eq(st()->icmp_echo_rep_rx, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 0);
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

START_TEST(ping_errors)
{
	static char big[1500];

	errno = 0;
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 1, big, sizeof(big)), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	errno = 0;
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 1, NULL, 4), -1);
	ck_assert_int_eq(errno, EFAULT);
	ck_assert_uint_eq(st()->icmp_echo_req_tx, 0);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

START_TEST(ping_without_buffers_is_enobufs)
{
	static struct utcp_pkt *held[2048];
	int n = 0;

	while (n < 2048 && (held[n] = utcp_ctx_alloc(h.ctx, 0)) != NULL)
		n++;
	ck_assert_int_lt(n, 2048); /* the pool ran dry */
	errno = 0;
	ck_assert_int_eq(utcp_ping(h.ctx, TN_PEER_IP, 1, 1, "x", 1), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	ck_assert_uint_ge(st()->drop_no_buf, 1);
	/* An echo request cannot be answered either; counted, not crashed. */
	utcp_ctx_free(h.ctx, 0, held[--n]);
	rx(f, tn_icmp_echo(f, tn_host_mac, tn_peer_mac, TN_PEER_IP, TN_HOST_IP, 8, 1, 1, "x", 1));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->icmp_echo_req_rx, 1);
	ck_assert_uint_ge(st()->drop_no_buf, 2);
	while (n > 0)
		utcp_ctx_free(h.ctx, 0, held[--n]);
	ck_assert_uint_eq(utcp_ctx_bufs_in_use(h.ctx), 0);
}
END_TEST

static Suite *icmp_suite(void)
{
	Suite *s = suite_create("icmp");
	TCase *tc = tcase_create("echo");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, echo_request_gets_exact_reply);
	tcase_add_loop_test(tc, echo_reply_sizes, 0, 5);
	tcase_add_test(tc, bad_checksum_dropped);
	tcase_add_loop_test(tc, truncated_dropped, 0, 8);
	tcase_add_loop_test(tc, other_types_dropped, 0, 6);
	tcase_add_test(tc, ping_sends_exact_request_and_reports_reply);
	tcase_add_test(tc, reply_without_handler_is_consumed);
	tcase_add_test(tc, ping_errors);
	tcase_add_test(tc, ping_without_buffers_is_enobufs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(icmp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
