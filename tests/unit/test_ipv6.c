/*
 * tests/unit/test_ipv6.c - IPv6 (RFC 8200) and ICMPv6 (RFC 4443) as traces.
 *
 * The wire view: extension headers walked (hop-by-hop, routing,
 * destination options skipped; fragments, misplaced or truncated headers,
 * options that say discard refused), every truncation of a good packet
 * refused without reading past it; the address helpers and the
 * pseudo-header sum.  Through a host on the test NIC: echo requests to the
 * global, link-local and all-nodes addresses answered exactly; short,
 * wrong-version, overlong, fragmented, misaddressed and damaged packets
 * dropped and counted; an unknown next header answered with a parameter
 * problem (rate-limited, never to a group); ICMPv6 errors handed to the
 * quoted protocol.  Every fixture ends with a leak check.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/bytes.h"
#include "core/net/net.h"
#include "tests/unit/ip6test.h"

static struct tn_host h;
static uint8_t f[TN_FRAME_MAX], want[TN_FRAME_MAX];
static const uint8_t data[] = "abcdefghijklmnopqrstuvwabcdefghi";

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

	t6_config(&c, 0);
	/* The peer's MAC is known (static), so replies go out at once. */
	c.nb_neigh6 = 2;
	c.neigh6[0] = (struct utcp_neigh6_entry){ .ip6 = t6_peer, .port = 0 };
	c.neigh6[1] = (struct utcp_neigh6_entry){ .ip6 = t6_peer_ll, .port = 0 };
	memcpy(c.neigh6[0].mac, tn_peer_mac, 6);
	memcpy(c.neigh6[1].mac, tn_peer_mac, 6);
	tn_host_up(&h, &c, 1);
}

static void teardown(void)
{
	tn_host_down(&h);
}

/* ---- the wire view ------------------------------------------------------ */

/* An IPv6 packet (no Ethernet) with the extension headers ext (nxt names
 * the first) and 8 bytes of ICMPv6 after them. */
static size_t pkt6(uint8_t *p, uint8_t nxt, const uint8_t *ext, size_t ext_len)
{
	size_t plen = ext_len + 8;
	memset(p, 0, 40);
	p[0] = 0x60;
	wr16(p + 4, (uint16_t)plen);
	p[6] = nxt;
	p[7] = 64;
	memcpy(p + 8, t6_peer.b, 16);
	memcpy(p + 24, t6_host.b, 16);
	if (ext_len > 0) /* memcpy's source may not be NULL, even for 0 bytes */
		memcpy(p + 40, ext, ext_len);
	memset(p + 40 + ext_len, 0x80, 8);
	return 40 + plen;
}

START_TEST(wire_walks_extension_headers)
{
	/* hop-by-hop (PadN 4, Pad1 x2), destination options (unknown 00
	 * option skipped), routing with segments left 0, then ICMPv6. */
	static const uint8_t ext[] = {
		60, 0, 1, 4, 0, 0, 0, 0,              /* HBH -> dstopts */
		43, 0, 0x1e, 2, 0, 0, 0, 0,           /* dstopts -> routing; type 0x1e: 00 skip */
		58, 0, 4, 0, 0, 0, 0, 0,              /* routing type 4, segments left 0 */
	};
	uint8_t p[256];
	struct utcp_ipv6_view v;
	size_t len = pkt6(p, 0, ext, sizeof(ext));

	ck_assert_int_eq(utcp_ipv6_parse(p, len, &v), UTCP_PARSE_OK);
	ck_assert_uint_eq(v.nxt, 58);
	ck_assert_uint_eq(v.payload - p, 40 + 24);
	ck_assert_uint_eq(v.payload_len, 8);
	ck_assert_uint_eq(v.nxt_off, 56);
	ck_assert_uint_eq(v.hlim, 64);
	ck_assert(utcp_in6_eq(&v.src, &t6_peer) && utcp_in6_eq(&v.dst, &t6_host));
	/* Every truncation is refused, never read past. */
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = malloc(n ? n : 1);
		memcpy(cut, p, n);
		ck_assert_int_ne(utcp_ipv6_parse(cut, n, &v), UTCP_PARSE_OK);
		free(cut);
	}
}
END_TEST

START_TEST(wire_refuses_bad_chains)
{
	uint8_t p[512];
	struct utcp_ipv6_view v;
	size_t len;

	/* A fragment header. */
	static const uint8_t frag[] = { 58, 0, 0, 1, 0, 0, 0, 1 };
	len = pkt6(p, 44, frag, sizeof(frag));
	ck_assert_int_eq(utcp_ipv6_parse(p, len, &v), UTCP_PARSE_FRAG);
	/* Hop-by-hop after a destination options header (§4.1). */
	static const uint8_t late[] = { 0, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4, 0, 0, 0, 0 };
	len = pkt6(p, 60, late, sizeof(late));
	ck_assert_int_eq(utcp_ipv6_parse(p, len, &v), UTCP_PARSE_EXT);
	ck_assert_uint_eq(v.err_ptr, 40);
	/* Hdr Ext Len past the payload. */
	static const uint8_t longer[] = { 58, 3, 1, 4, 0, 0, 0, 0 };
	len = pkt6(p, 60, longer, sizeof(longer));
	ck_assert_int_eq(utcp_ipv6_parse(p, len, &v), UTCP_PARSE_EXT);
	/* An option running past its header. */
	static const uint8_t opt_over[] = { 58, 0, 1, 9, 0, 0, 0, 0 };
	len = pkt6(p, 60, opt_over, sizeof(opt_over));
	ck_assert_int_eq(utcp_ipv6_parse(p, len, &v), UTCP_PARSE_EXT);
	/* An unknown option of action 10 (discard, ICMP): pointer at it. */
	static const uint8_t opt_bad[] = { 58, 0, 0x9e, 4, 0, 0, 0, 0 };
	len = pkt6(p, 60, opt_bad, sizeof(opt_bad));
	ck_assert_int_eq(utcp_ipv6_parse(p, len, &v), UTCP_PARSE_OPT);
	ck_assert_uint_eq(v.err_ptr, 42);
	ck_assert_uint_eq(v.opt_action, 2);
	/* A routing header with segments left: pointer at its type. */
	static const uint8_t rt[] = { 58, 0, 4, 1, 0, 0, 0, 0 };
	len = pkt6(p, 43, rt, sizeof(rt));
	ck_assert_int_eq(utcp_ipv6_parse(p, len, &v), UTCP_PARSE_ROUTING);
	ck_assert_uint_eq(v.err_ptr, 42);
	/* More extension headers than any legal packet has. */
	uint8_t many[8 * 12];
	for (int i = 0; i < 12; i++) {
		memset(many + 8 * i, 0, 8);
		many[8 * i] = i == 11 ? 58 : 60;
		many[8 * i + 2] = 1;
		many[8 * i + 3] = 4;
	}
	len = pkt6(p, 60, many, sizeof(many));
	ck_assert_int_eq(utcp_ipv6_parse(p, len, &v), UTCP_PARSE_EXT);
	/* Version, length. */
	len = pkt6(p, 58, NULL, 0);
	p[0] = 0x40;
	ck_assert_int_eq(utcp_ipv6_parse(p, len, &v), UTCP_PARSE_VERSION);
	p[0] = 0x60;
	ck_assert_int_eq(utcp_ipv6_parse(p, len - 1, &v), UTCP_PARSE_LEN);
	ck_assert_int_eq(utcp_ipv6_parse(p, len + 6, &v), UTCP_PARSE_OK); /* padding */
	ck_assert_uint_eq(v.payload_len, 8);
}
END_TEST

START_TEST(wire_addresses)
{
	struct utcp_in6 a, b;
	uint8_t mac[6], plen;
	char s[UTCP_IN6_STRLEN];

	utcp_in6_linklocal(tn_host_mac, &a);
	ck_assert(utcp_in6_eq(&a, &t6_host_ll));
	ck_assert_str_eq(utcp_in6_format(&a, s, sizeof(s)), "fe80::ff:fe00:1");
	static const uint8_t umac[6] = { 0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e };
	utcp_in6_linklocal(umac, &a); /* RFC 4291 appendix A: U/L bit inverted */
	ck_assert_str_eq(utcp_in6_format(&a, s, sizeof(s)), "fe80::21b:21ff:fe3c:4d5e");
	ck_assert_int_eq(utcp_in6_parse("2001:db8::a:bc00:1", &a), 0);
	utcp_in6_solicited_node(&a, &b);
	ck_assert_str_eq(utcp_in6_format(&b, s, sizeof(s)), "ff02::1:ff00:1");
	utcp_in6_mcast_mac(&b, mac);
	static const uint8_t want_mac[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x01 };
	ck_assert_mem_eq(mac, want_mac, 6);
	ck_assert_int_eq(utcp_in6_parse_net("2001:db8::1/64", &a, &plen, 1), 0);
	ck_assert_uint_eq(plen, 64);
	ck_assert_int_eq(utcp_in6_parse_net("2001:db8::1", &a, &plen, 1), -1);
	ck_assert_int_eq(utcp_in6_parse_net("2001:db8::1/129", &a, &plen, 1), -1);
	ck_assert_int_eq(utcp_in6_parse_net("2001:db8::1/6x", &a, &plen, 1), -1);
	ck_assert_int_eq(utcp_in6_parse("1.2.3.4", &a), -1);
	ck_assert_int_eq(utcp_in6_parse("::ffff:1.2.3.4", &a), 0);
	ck_assert(utcp_in6_is_v4mapped(&a));
	ck_assert(utcp_in6_prefix_eq(&t6_host, &t6_peer, 64));
	ck_assert(utcp_in6_prefix_eq(&t6_host, &t6_peer, 126));
	ck_assert(!utcp_in6_prefix_eq(&t6_host, &t6_peer, 127));
	ck_assert(utcp_in6_is_linklocal(&t6_gw_ll) && !utcp_in6_is_linklocal(&t6_host));
	/* The pseudo-header sum agrees with a plain RFC 1071 sum. */
	uint8_t msg[9] = { 128, 0, 0, 0, 1, 2, 3, 4, 5 };
	uint16_t ck = utcp_csum_fold(utcp_csum_partial(msg, sizeof(msg),
			utcp_csum_pseudo6(&t6_peer, &t6_host, 58, sizeof(msg))));
	ck_assert_uint_eq(rd16((uint8_t *)&ck), t6_csum(&t6_peer, &t6_host, 58, msg, sizeof(msg)));
}
END_TEST

/* ---- echo ----------------------------------------------------------------- */

START_TEST(echo_global_gets_exact_reply)
{
	rx(f, t6_echo(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 128, 7, 42, data, 32));
	size_t wl = t6_echo(want, tn_peer_mac, tn_host_mac, &t6_host, &t6_peer, 129, 7, 42, data, 32);
	tn_expect_tx(h.nic, 0, want, wl);
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->icmp6_echo_req_rx, 1);
	ck_assert_uint_eq(st()->icmp6_echo_rep_tx, 1);
}
END_TEST

START_TEST(echo_link_local_and_all_nodes)
{
	size_t wl;

	rx(f, t6_echo(f, tn_host_mac, tn_peer_mac, &t6_peer_ll, &t6_host_ll, 128, 1, 1, data, 8));
	wl = t6_echo(want, tn_peer_mac, tn_host_mac, &t6_host_ll, &t6_peer_ll, 129, 1, 1, data, 8);
	tn_expect_tx(h.nic, 0, want, wl);
	/* To all nodes: answered from the link-local address. */
	rx(f, t6_echo(f, t6_all_nodes_mac, tn_peer_mac, &t6_peer_ll, &t6_all_nodes, 128, 1, 2,
		      data, 8));
	wl = t6_echo(want, tn_peer_mac, tn_host_mac, &t6_host_ll, &t6_peer_ll, 129, 1, 2, data, 8);
	tn_expect_tx(h.nic, 0, want, wl);
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

/* ---- drops ---------------------------------------------------------------- */

static void expect_drop(const uint64_t *counter)
{
	ck_assert_uint_eq(*counter, 1);
	ck_assert_uint_eq(utcp_stats_drops(st()), 1);
	tn_expect_no_tx(h.nic, 0);
}

START_TEST(short_packet_dropped)
{
	size_t len = t6_echo(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 128, 1, 1, NULL, 0);
	rx(f, 14 + 39);
	(void)len;
	expect_drop(&st()->drop_ip6_short);
}
END_TEST

START_TEST(wrong_version_dropped)
{
	size_t len = t6_echo(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 128, 1, 1, NULL, 0);
	f[14] = 0x45;
	rx(f, len);
	expect_drop(&st()->drop_ip6_version);
}
END_TEST

START_TEST(payload_past_frame_dropped)
{
	size_t len = t6_echo(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 128, 1, 1, data, 8);
	rx(f, len - 1);
	expect_drop(&st()->drop_ip6_len);
}
END_TEST

START_TEST(fragment_dropped)
{
	uint8_t m[16] = { 58, 0, 0, 0, 0, 0, 0, 9, 128 };
	rx(f, t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 44, 64, m, sizeof(m)));
	expect_drop(&st()->drop_ip6_frag);
}
END_TEST

START_TEST(other_destination_dropped)
{
	struct utcp_in6 other = t6_host;
	other.b[15] = 0x99;
	rx(f, t6_echo(f, tn_host_mac, tn_peer_mac, &t6_peer, &other, 128, 1, 1, NULL, 0));
	expect_drop(&st()->drop_ip6_dst);
}
END_TEST

START_TEST(other_group_dropped_by_ethernet)
{
	static const struct utcp_in6 routers = { { 0xff, 0x02, [15] = 2 } };
	static const uint8_t routers_mac[6] = { 0x33, 0x33, 0, 0, 0, 2 };
	rx(f, t6_echo(f, routers_mac, tn_peer_mac, &t6_peer, &routers, 128, 1, 1, NULL, 0));
	expect_drop(&st()->drop_eth_dst);
}
END_TEST

START_TEST(multicast_source_dropped)
{
	rx(f, t6_echo(f, tn_host_mac, tn_peer_mac, &t6_all_nodes, &t6_host, 128, 1, 1, NULL, 0));
	expect_drop(&st()->drop_ip6_src);
}
END_TEST

START_TEST(bad_icmp6_checksum_dropped)
{
	size_t len = t6_echo(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 128, 1, 1, data, 8);
	f[len - 1] ^= 1;
	rx(f, len);
	expect_drop(&st()->drop_icmp6_cksum);
}
END_TEST

/* ---- errors sent ---------------------------------------------------------- */

/* The parameter problem about the packet p (IPv6 header on), pointer ptr. */
static size_t param_problem(uint8_t *w, uint8_t code, uint32_t ptr, const uint8_t *p,
			    size_t len)
{
	uint8_t m[TN_FRAME_MAX] = { 4, code };
	wr32(m + 4, ptr);
	memcpy(m + 8, p, len);
	return t6_icmp6(w, tn_peer_mac, tn_host_mac, &t6_host, &t6_peer, 64, m, 8 + len);
}

START_TEST(unknown_next_header_parameter_problem)
{
	uint8_t l4[12] = { 1, 2, 3 };
	size_t len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 253, 64, l4,
			     sizeof(l4));
	rx(f, len);
	size_t wl = param_problem(want, 1, 6, f + 14, len - 14);
	tn_expect_tx(h.nic, 0, want, wl);
	ck_assert_uint_eq(st()->drop_ip6_proto, 1);
	ck_assert_uint_eq(st()->icmp6_err_tx, 1);
	/* To a group: never answered (RFC 4443 §2.4(e.3)). */
	rx(f, t6_ipv6(f, t6_all_nodes_mac, tn_peer_mac, &t6_peer, &t6_all_nodes, 253, 64, l4,
		      sizeof(l4)));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_ip6_proto, 2);
	/* No Next Header: quietly ignored. */
	rx(f, t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 59, 64, NULL, 0));
	tn_expect_no_tx(h.nic, 0);
}
END_TEST

START_TEST(bad_option_parameter_problem_code_2)
{
	uint8_t m[16] = { 58, 0, 0x9e, 4, 0, 0, 0, 0, 128 };
	size_t len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 60, 64, m,
			     sizeof(m));
	rx(f, len);
	size_t wl = param_problem(want, 2, 42, f + 14, len - 14);
	tn_expect_tx(h.nic, 0, want, wl);
	ck_assert_uint_eq(st()->drop_ip6_ext, 1);
}
END_TEST

START_TEST(errors_rate_limited)
{
	uint8_t l4[8] = { 0 };
	size_t len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 253, 64, l4,
			     sizeof(l4));
	for (int i = 0; i < UTCP_ICMP_BURST + 2; i++)
		rx(f, len);
	ck_assert_uint_eq(tn_tx_drain(h.nic), UTCP_ICMP_BURST);
	ck_assert_uint_eq(st()->icmp_ratelimited, 2);
	tn_advance(h.nic, UTCP_NSEC_PER_SEC / UTCP_ICMP_RATE);
	rx(f, len);
	ck_assert_uint_eq(tn_tx_drain(h.nic), 1);
}
END_TEST

/* RFC 8200 §4.1: a hop-by-hop header after another is an unrecognized
 * Next Header (code 1) at the field that names it. */
START_TEST(hop_by_hop_out_of_place_code_1)
{
	uint8_t m[24] = { 0, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4, 0, 0, 0, 0, 128 };
	size_t len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 60, 64, m,
			     sizeof(m));
	rx(f, len);
	size_t wl = param_problem(want, 1, 40, f + 14, len - 14);
	tn_expect_tx(h.nic, 0, want, wl);
	/* An extension header cut short: erroneous header field (code 0). */
	static const uint8_t cut[16] = { 58, 3, 1, 4 };
	len = t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 60, 64, cut, sizeof(cut));
	rx(f, len);
	wl = param_problem(want, 0, 41, f + 14, len - 14);
	tn_expect_tx(h.nic, 0, want, wl);
	ck_assert_uint_eq(st()->drop_ip6_ext, 2);
}
END_TEST

/* An error about an ICMPv6 error is never sent (§2.4(e.1)). */
START_TEST(no_error_about_an_error)
{
	uint8_t m[16] = { 58, 0, 0x9e, 4, 0, 0, 0, 0, 1 /* dest. unreachable */ };
	rx(f, t6_ipv6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 60, 64, m, sizeof(m)));
	tn_expect_no_tx(h.nic, 0);
	ck_assert_uint_eq(st()->drop_ip6_ext, 1);
}
END_TEST

/* ---- errors received ------------------------------------------------------ */

static struct utcp_icmp6_error got_err;
static int got_n;
static void err_handler(struct utcp_ctx *ctx, const struct utcp_icmp6_error *e,
			const struct utcp_ipv6_view *q)
{
	(void)ctx;
	got_err = *e;
	got_n++;
	ck_assert_uint_eq(q->nxt, 17);
	ck_assert_uint_eq(q->payload_len, 8);
}

START_TEST(error_reaches_quoted_protocol)
{
	uint8_t m[8 + 48] = { 2 /* packet too big */, 0 };
	wr32(m + 4, 1280);
	/* The quote: a UDP datagram we sent to the peer. */
	m[8] = 0x60;
	wr16(m + 8 + 4, 8);
	m[8 + 6] = 17;
	m[8 + 7] = 64;
	memcpy(m + 8 + 8, t6_host.b, 16);
	memcpy(m + 8 + 24, t6_peer.b, 16);
	utcp_ipv6_set_error_handler(h.ctx, 17, err_handler);
	got_n = 0;
	rx(f, t6_icmp6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 64, m, sizeof(m)));
	ck_assert_int_eq(got_n, 1);
	ck_assert_uint_eq(got_err.type, 2);
	ck_assert_uint_eq(got_err.param, 1280);
	ck_assert_uint_eq(st()->icmp6_err_rx, 1);
	/* Quoting a packet that is not ours: dropped and counted. */
	memcpy(m + 8 + 8, t6_peer.b, 16);
	rx(f, t6_icmp6(f, tn_host_mac, tn_peer_mac, &t6_peer, &t6_host, 64, m, sizeof(m)));
	ck_assert_int_eq(got_n, 1);
	ck_assert_uint_eq(st()->drop_icmp6_type, 1);
	utcp_ipv6_set_error_handler(h.ctx, 17, NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ipv6");
	TCase *w = tcase_create("wire");
	tcase_add_test(w, wire_walks_extension_headers);
	tcase_add_test(w, wire_refuses_bad_chains);
	tcase_add_test(w, wire_addresses);
	suite_add_tcase(s, w);
	TCase *tc = tcase_create("host");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, echo_global_gets_exact_reply);
	tcase_add_test(tc, echo_link_local_and_all_nodes);
	tcase_add_test(tc, short_packet_dropped);
	tcase_add_test(tc, wrong_version_dropped);
	tcase_add_test(tc, payload_past_frame_dropped);
	tcase_add_test(tc, fragment_dropped);
	tcase_add_test(tc, other_destination_dropped);
	tcase_add_test(tc, other_group_dropped_by_ethernet);
	tcase_add_test(tc, multicast_source_dropped);
	tcase_add_test(tc, bad_icmp6_checksum_dropped);
	tcase_add_test(tc, unknown_next_header_parameter_problem);
	tcase_add_test(tc, bad_option_parameter_problem_code_2);
	tcase_add_test(tc, errors_rate_limited);
	tcase_add_test(tc, hop_by_hop_out_of_place_code_1);
	tcase_add_test(tc, no_error_about_an_error);
	tcase_add_test(tc, error_reaches_quoted_protocol);
	suite_add_tcase(s, tc);
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
