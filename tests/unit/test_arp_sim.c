/*
 * tests/unit/test_arp_sim.c - a forged ARP reply on the simulator: the
 * connection recovers.
 *
 * Host A (10.0.0.1) connects to an echo server on host B (10.0.0.2) over a
 * 5 ms link.  Right after B answers A's ARP request, an attacker on B's
 * side of the link sends A a reply of its own, "10.0.0.2 is-at
 * 02:66:66:66:66:66" (its Ethernet source the same forged MAC, so only
 * reachability can catch it), which reaches A just after the real one: A's
 * frames for B now go to a MAC nobody has.  With neighbour unreachability
 * detection A probes the entry when its retransmissions time out, the
 * broadcast probe draws B's answer, and the echo completes within 60 s of
 * virtual time.  Without it the wrong MAC stays until the entry ages out.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/sim.h>
#include <utcp/utcp.h>

#include "core/net/net.h"

#define SEC UTCP_NSEC_PER_SEC
#define MSEC UTCP_NSEC_PER_MSEC
#define LATENCY (5 * MSEC)
#define MSG 1000

static const uint8_t forged[6] = { 0x02, 0x66, 0x66, 0x66, 0x66, 0x66 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct app {
	struct utcp_ctx *ctx;
	int done, ok;
	utcp_time_t t_done;
};

static void linger(struct utcp_ctx *ctx)
{
	struct utcp_sock_usage u;
	utcp_time_t end = utcp_ctx_now(ctx) + 200 * SEC;
	for (utcp_ctx_sock_usage(ctx, &u); u.tcbs > 0 && utcp_ctx_now(ctx) < end;
	     utcp_ctx_sock_usage(ctx, &u))
		if (utcp_ctx_wait(ctx, end) < 0)
			break;
}

static int server(void *p)
{
	struct app *a = p;
	char buf[MSG];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(7) };
	int ls = utcp_socket(a->ctx, AF_INET, SOCK_STREAM, 0);
	if (utcp_bind(a->ctx, ls, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    utcp_listen(a->ctx, ls, 8) == 0) {
		int s = utcp_accept(a->ctx, ls, NULL, NULL);
		ssize_t n = -1;
		while (s >= 0 && (n = utcp_read(a->ctx, s, buf, sizeof(buf))) > 0)
			if (utcp_write(a->ctx, s, buf, (size_t)n) != n)
				break;
		a->ok = s >= 0 && n == 0;
		utcp_close(a->ctx, s);
	}
	utcp_close(a->ctx, ls);
	linger(a->ctx);
	a->done = 1;
	return 0;
}

static int client(void *p)
{
	struct app *a = p;
	char out[MSG], in[MSG];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(7),
				   .sin_addr.s_addr = htonl(0x0a000002) };
	memset(out, 'x', sizeof(out));
	int s = utcp_socket(a->ctx, AF_INET, SOCK_STREAM, 0);
	a->ok = utcp_connect(a->ctx, s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		utcp_write(a->ctx, s, out, MSG) == MSG &&
		utcp_recv(a->ctx, s, in, MSG, MSG_WAITALL) == MSG && memcmp(in, out, MSG) == 0;
	a->t_done = utcp_ctx_now(a->ctx);
	a->ok = a->ok && utcp_shutdown(a->ctx, s, SHUT_WR) == 0 &&
		utcp_read(a->ctx, s, in, sizeof(in)) == 0;
	utcp_close(a->ctx, s);
	linger(a->ctx);
	a->done = 1;
	return 0;
}

/* The attacker, on B's side: just after B's real reply, its own. */
static int attacker(void *p)
{
	struct utcp_ctx *ctx = p;
	uint32_t spa = htonl(0x0a000002), tpa = htonl(0x0a000001);
	if (utcp_sim_sleep_until(LATENCY + 1000) < 0)
		return 0;
	struct utcp_pkt *pkt = utcp_ctx_alloc(ctx, 0);
	uint8_t *a = pkt->data;
	static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 2 }; /* Ethernet, IPv4, reply */
	memcpy(a, hdr, 8);
	memcpy(a + 8, forged, 6);
	memcpy(a + 14, &spa, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, &tpa, 4);
	pkt->len = 28;
	/* Hand-built frame with the forged Ethernet source too. */
	utcp_eth_output(ctx, 0, pkt, bcast, UTCP_ETH_P_ARP, UTCP_TX_CTRL);
	memcpy(pkt->data + 6, forged, 6);
	utcp_ctx_poll(ctx);
	return 0;
}

static struct utcp_sim_host *host(struct utcp_sim_world *w, struct utcp_sim_link *l, int side,
				  const char *ip)
{
	char err[256];
	struct utcp_config cfg;
	struct utcp_sim_host *h = utcp_sim_host_create(w, side ? "B" : "A");
	struct utcp_nic *nic = utcp_sim_nic_create(w, h, "sim0", 1, 1024, 0, NULL, err, sizeof(err));
	utcp_config_defaults(&cfg);
	ck_assert_ptr_nonnull(nic);
	ck_assert_int_eq(utcp_sim_link_attach(l, side, nic), 0);
	ck_assert_int_eq(utcp_config_set(&cfg, "io", "sim", err, sizeof(err)), 0);
	ck_assert_int_eq(utcp_config_set(&cfg, "port", "sim0", err, sizeof(err)), 0);
	ck_assert_int_eq(utcp_config_set(&cfg, "sim0.ip", ip, err, sizeof(err)), 0);
	ck_assert_int_eq(utcp_config_set(&cfg, "seed", side ? "2" : "1", err, sizeof(err)), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(utcp_sim_host_open_stack(h, &cfg, err, sizeof(err)), 0);
	return h;
}

static int both_done(struct utcp_sim_world *w, void *p)
{
	struct app *a = p;
	(void)w;
	return a[0].done && a[1].done;
}

START_TEST(forged_reply_recovered_within_60s)
{
	struct utcp_sim_world *w = utcp_sim_world_create(1);
	struct utcp_sim_link_params lp;
	utcp_sim_link_params_default(&lp);
	lp.latency = LATENCY;
	struct utcp_sim_link *l = utcp_sim_link_create(w, &lp, NULL);
	struct utcp_sim_host *ha = host(w, l, 0, "10.0.0.1/24");
	struct utcp_sim_host *hb = host(w, l, 1, "10.0.0.2/24");
	struct app a[2] = { { .ctx = utcp_sim_host_ctx(ha, 0) }, { .ctx = utcp_sim_host_ctx(hb, 0) } };
	ck_assert_int_ge(utcp_sim_host_spawn(hb, server, &a[1], 0), 0);
	ck_assert_int_ge(utcp_sim_host_spawn(hb, attacker, a[1].ctx, 0), 0);
	ck_assert_int_ge(utcp_sim_host_spawn(ha, client, &a[0], 0), 0);
	ck_assert_int_eq(utcp_sim_world_run_until(w, both_done, a, 600 * SEC), UTCP_SIM_DONE);
	const struct utcp_stats *sa = utcp_ctx_stats(a[0].ctx), *sb = utcp_ctx_stats(a[1].ctx);
	ck_assert_uint_gt(sb->drop_eth_dst, 0); /* the forgery took: frames went astray */
	ck_assert_msg(a[0].ok && a[1].ok, "echo failed");
	ck_assert_msg(a[0].t_done < 60 * SEC, "echo done at %.3f s", (double)a[0].t_done / 1e9);
	ck_assert_uint_gt(sa->arp_probes, 0);
	const struct utcp_arp_entry_rt *e = utcp_arp_lookup(a[0].ctx, htonl(0x0a000002));
	ck_assert(e == NULL || memcmp(e->mac, forged, 6) != 0);
	ck_assert_uint_eq(utcp_sim_world_shutdown(w, stderr), 0);
	utcp_sim_world_destroy(w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arp_sim");
	TCase *tc = tcase_create("forged");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, forged_reply_recovered_within_60s);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
