/*
 * tests/unit/test_rss6_sim.c - RSS over IPv6 on a multi-queue NIC: each
 * context's IPv6 connections get their replies on its own queue.
 *
 * World: client (2001:db8::2, one sim NIC with 2 queues, 2 contexts) -- a
 * clean 1 ms link -- server (2001:db8::1, one queue, listening on [::]:80;
 * it writes one byte on every connection it accepts).  Each client context
 * opens CONNS IPv6 connections with ephemeral ports.  The sim NIC steers
 * by the Toeplitz hash of the IPv6 4-tuple (symmetric key): a SYN-ACK for
 * a port chosen without RSS would reach the other context, which has no
 * such connection and resets it.  Checked: every connection reads its
 * byte, the port's hash selects the connecting context's queue, no RST
 * was sent or received.  Six seeds (address keys and port choices differ by seed).
 * Call order: world_up -> client_step / server_step ->
 * utcp_sim_world_run_until -> checks -> world_shutdown (nothing leaked).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/sim.h>
#include <utcp/utcp.h>

#include "core/io/io.h"
#include "core/wire/wire.h"
#include "nic/fanout.h"

#define CORES 2
#define CONNS 16
#define MS 1000000ull

struct client {
	int fd[CORES][CONNS];
	int got[CORES][CONNS];
	int started, done, errors;
};

struct server {
	int lfd;
	int acc[CORES * CONNS];
	int nacc;
};

static struct sockaddr_in6 sa6(const char *a, uint16_t port)
{
	struct sockaddr_in6 s;
	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
	return s;
}

static void client_start(struct utcp_sim_host *h, struct client *c)
{
	struct sockaddr_in6 srv = sa6("2001:db8::1", 80);
	for (int k = 0; k < CORES; k++) {
		struct utcp_ctx *ctx = utcp_sim_host_ctx(h, k);
		for (int i = 0; i < CONNS; i++) {
			int fd = utcp_socket(ctx, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
			ck_assert_int_ge(fd, 0);
			int r = utcp_connect(ctx, fd, (struct sockaddr *)&srv, sizeof(srv));
			ck_assert(r == 0 || errno == EINPROGRESS);
			c->fd[k][i] = fd;
		}
	}
	c->started = 1;
}

static void client_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	struct client *c = arg;
	(void)now;
	if (!c->started) {
		client_start(h, c);
		return;
	}
	for (int k = 0; k < CORES; k++)
		for (int i = 0; i < CONNS; i++) {
			char b;
			if (c->got[k][i])
				continue;
			ssize_t n = utcp_read(utcp_sim_host_ctx(h, k), c->fd[k][i], &b, 1);
			if (n == 1 && b == 'x') {
				c->got[k][i] = 1;
				c->done++;
			} else if (n == 0 || (n < 0 && errno != EAGAIN)) {
				c->got[k][i] = -1;
				c->errors++;
			}
		}
}

static void server_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	struct server *s = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(h, 0);
	int fd;
	(void)now;
	while (s->nacc < CORES * CONNS && (fd = utcp_accept(ctx, s->lfd, NULL, NULL)) >= 0) {
		ck_assert_int_eq(utcp_write(ctx, fd, "x", 1), 1);
		s->acc[s->nacc++] = fd;
	}
}

static void host_cfg(struct utcp_config *cfg, int cores, uint32_t ip, const char *ip6,
		     uint64_t seed)
{
	char err[200];
	utcp_config_defaults(cfg);
	strcpy(cfg->io, "sim");
	cfg->num_cores = cores;
	cfg->seed = seed;
	cfg->has_seed = 1;
	cfg->tcp_timeout = -1;
	cfg->ip6_dad_transmits = 0;
	cfg->nb_ports = 1;
	strcpy(cfg->ports[0].name, "sim0");
	cfg->ports[0].ip = ip;
	cfg->ports[0].prefix = 24;
	ck_assert_int_eq(inet_pton(AF_INET6, ip6, cfg->ports[0].ip6.b), 1);
	cfg->ports[0].prefix6 = 64;
	ck_assert_msg(utcp_config_finish(cfg, err, sizeof(err)) == 0, "%s", err);
}

static int all_read(struct utcp_sim_world *w, void *arg)
{
	const struct client *c = arg;
	(void)w;
	return c->done + c->errors == CORES * CONNS;
}

/* The queue the client's NIC gives a segment from the server to lport. */
static uint16_t reply_queue(struct utcp_nic *nic, uint16_t lport)
{
	struct utcp_in6 srv, cli;
	inet_pton(AF_INET6, "2001:db8::1", srv.b);
	inet_pton(AF_INET6, "2001:db8::2", cli.b);
	return utcp_rss_queue(&nic->caps, utcp_rss_hash_v6(nic->caps.rss_key, &srv, &cli, htons(80),
							   lport));
}

static void check_ports(struct utcp_sim_host *h, struct client *c)
{
	struct utcp_nic *nic = utcp_sim_host_nic(h, 0);
	ck_assert_int_eq(nic->caps.rss, UTCP_RSS_TOEPLITZ);
	for (int k = 0; k < CORES; k++) {
		struct utcp_ctx *ctx = utcp_sim_host_ctx(h, k);
		ck_assert_uint_eq(ctx->queue, k);
		for (int i = 0; i < CONNS; i++) {
			struct sockaddr_in6 me;
			socklen_t len = sizeof(me);
			ck_assert_int_eq(utcp_getsockname(ctx, c->fd[k][i], (struct sockaddr *)&me,
							  &len), 0);
			ck_assert_msg(reply_queue(nic, me.sin6_port) == k,
				      "context %d port %u: replies reach queue %u", k,
				      ntohs(me.sin6_port), reply_queue(nic, me.sin6_port));
		}
	}
}

START_TEST(ipv6_connects_land_on_own_queue)
{
	char err[200];
	struct utcp_sim_link_params lp;
	struct utcp_sim_world *w = utcp_sim_world_create(16 + (uint64_t)_i);
	utcp_sim_link_params_default(&lp);
	lp.latency = MS;
	struct utcp_sim_link *link = utcp_sim_link_create(w, &lp, NULL);
	struct utcp_sim_host *hs = utcp_sim_host_create(w, "server");
	struct utcp_sim_host *hc = utcp_sim_host_create(w, "client");
	struct utcp_nic *ns = utcp_sim_nic_create(w, hs, "sim0", 1, 1024, 0, NULL, err, sizeof(err));
	struct utcp_nic *nc = utcp_sim_nic_create(w, hc, "sim0", CORES, 1024, 0, NULL, err,
						  sizeof(err));
	ck_assert_msg(ns != NULL && nc != NULL, "%s", err);
	ck_assert_int_eq(utcp_sim_link_attach(link, 0, ns), 0);
	ck_assert_int_eq(utcp_sim_link_attach(link, 1, nc), 0);
	struct utcp_config cs, cc;
	host_cfg(&cs, 1, htonl(0x0a000001), "2001:db8::1", 1);
	host_cfg(&cc, CORES, htonl(0x0a000002), "2001:db8::2", 2 + (uint64_t)_i);
	ck_assert_msg(utcp_sim_host_open_stack(hs, &cs, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(utcp_sim_host_open_stack(hc, &cc, err, sizeof(err)) == 0, "%s", err);

	static struct server srv;
	static struct client cli;
	memset(&srv, 0, sizeof(srv));
	memset(&cli, 0, sizeof(cli));
	struct utcp_ctx *sctx = utcp_sim_host_ctx(hs, 0);
	struct sockaddr_in6 any = sa6("::", 80);
	srv.lfd = utcp_socket(sctx, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_eq(utcp_bind(sctx, srv.lfd, (struct sockaddr *)&any, sizeof(any)), 0);
	ck_assert_int_eq(utcp_listen(sctx, srv.lfd, 128), 0);
	utcp_sim_host_set_step(hs, server_step, &srv);
	utcp_sim_host_set_step(hc, client_step, &cli);
	utcp_sim_host_wake_at(hc, MS);

	utcp_sim_world_run_until(w, all_read, &cli, 10000 * MS);
	ck_assert_msg(cli.done == CORES * CONNS, "%d connections read their byte, %d failed",
		      cli.done, cli.errors);
	check_ports(hc, &cli);
	struct utcp_stats st;
	utcp_sim_host_stats(hc, &st);
	ck_assert_uint_eq(st.tcp_rst_tx, 0);
	ck_assert_uint_eq(st.tcp_rst_rx, 0);

	for (int k = 0; k < CORES; k++)
		for (int i = 0; i < CONNS; i++)
			ck_assert_int_eq(utcp_close(utcp_sim_host_ctx(hc, k), cli.fd[k][i]), 0);
	for (int i = 0; i < srv.nacc; i++)
		ck_assert_int_eq(utcp_close(sctx, srv.acc[i]), 0);
	ck_assert_int_eq(utcp_close(sctx, srv.lfd), 0);
	utcp_sim_host_set_step(hs, NULL, NULL);
	utcp_sim_host_set_step(hc, NULL, NULL);
	utcp_sim_world_run_until(w, NULL, NULL, utcp_sim_world_now(w) + 200000 * MS);
	ck_assert_uint_eq(utcp_sim_world_shutdown(w, stderr), 0);
	utcp_sim_world_destroy(w);
}
END_TEST

/* Backends whose NIC spreads by the 4-tuple (DPDK, PSIO) copy to every
 * queue only what every context must see: IPv6 TCP and UDP stay on the
 * queue RSS chose, ICMPv6 but echo requests reaches all. */
START_TEST(fanout_ipv6)
{
	uint8_t f[14 + 40 + 8];
	memset(f, 0, sizeof(f));
	f[12] = 0x86, f[13] = 0xdd, f[14] = 0x60;
	f[14 + 6] = UTCP_IPPROTO_TCP;
	ck_assert_int_eq(utcp_fanout_wanted(f, sizeof(f)), 0);
	f[14 + 6] = 17;
	ck_assert_int_eq(utcp_fanout_wanted(f, sizeof(f)), 0);
	f[14 + 6] = UTCP_IPPROTO_ICMPV6;
	f[14 + 40] = 135; /* neighbour solicitation */
	ck_assert_int_eq(utcp_fanout_wanted(f, sizeof(f)), 1);
	f[14 + 40] = 2; /* packet too big */
	ck_assert_int_eq(utcp_fanout_wanted(f, sizeof(f)), 1);
	f[14 + 40] = 128; /* echo request */
	ck_assert_int_eq(utcp_fanout_wanted(f, sizeof(f)), 0);
	f[12] = 0x08, f[13] = 0x06; /* ARP */
	ck_assert_int_eq(utcp_fanout_wanted(f, sizeof(f)), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rss6_sim");
	TCase *tc = tcase_create("multiqueue");
	tcase_set_timeout(tc, 60);
	/* Seeds: each gives the client other address keys (and the port scan
	 * another start), so a port choice that ignored the IPv6 addresses
	 * would agree with the NIC by chance on some seeds, never on all. */
	tcase_add_loop_test(tc, ipv6_connects_land_on_own_queue, 0, 6);
	tcase_add_test(tc, fanout_ipv6);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
