/*
 * tests/unit/test_apps_sim.c - epwget against epserver, the same
 * application code the programs run, on the simulator: server host A
 * (10.0.0.1) and client host B (10.0.0.2) on one link, each context's app
 * loop a coroutine.  Every test checks the client's verdict (completes,
 * errors by kind, incompletes), what the server counted, and that no
 * socket, connection or packet buffer is left at the end.
 *
 *   clean link, new connection per request, bodies byte-exact
 *   impaired link (loss, reordering, duplication, corruption), seeds 1-3
 *   keep-alive: one connection per concurrency slot
 *   404: every request answered 404 and counted as a status error
 *   two cores on each host (RSS spreads the flows)
 *   the HTTP parsers on their own
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utcp/sim.h>

#include "tools/apps.h"

#define SEC UTCP_NSEC_PER_SEC
#define IP_A htonl(0x0a000001)
#define IP_B htonl(0x0a000002)

struct coro_arg {
	struct epserver *srv;
	struct epwget *cli;
	struct utcp_ctx *ctx;
	int done;
};

static int srv_coro(void *p)
{
	struct coro_arg *a = p;
	int rc = epserver_core(a->srv, a->ctx);
	a->done = 1;
	return rc;
}

static int cli_coro(void *p)
{
	struct coro_arg *a = p;
	int rc = epwget_core(a->cli, a->ctx);
	a->done = 1;
	return rc;
}

struct bed {
	struct utcp_sim_world *w;
	struct utcp_sim_host *h[2];
	int cores;
	struct coro_arg sa[UTCP_MAX_CORES], ca[UTCP_MAX_CORES];
};

static int srv_max_sockets; /* server's max_concurrency (0: default) */

static void bed_host(struct bed *b, struct utcp_sim_link *l, int i, uint64_t seed)
{
	char err[256];
	struct utcp_config cfg;
	b->h[i] = utcp_sim_host_create(b->w, i ? "B" : "A");
	struct utcp_nic *nic = utcp_sim_nic_create(b->w, b->h[i], "sim0", (uint16_t)b->cores, 4096, 0,
						   NULL, err, sizeof(err));
	ck_assert_msg(nic != NULL, "%s", err);
	ck_assert_int_eq(utcp_sim_link_attach(l, i, nic), 0);
	utcp_config_defaults(&cfg);
	strcpy(cfg.io, "sim");
	cfg.num_cores = b->cores;
	cfg.max_pkt_buffers = 4096;
	cfg.rcvbuf = cfg.sndbuf = 16384;
	if (i == 0 && srv_max_sockets > 0)
		cfg.max_concurrency = srv_max_sockets;
	cfg.seed = utcp_sim_world_derive_seed(b->w, "host", (uint64_t)i) ^ seed;
	cfg.has_seed = 1;
	cfg.nb_ports = 1;
	strcpy(cfg.ports[0].name, "sim0");
	cfg.ports[0].ip = i ? IP_B : IP_A;
	cfg.ports[0].prefix = 24;
	ck_assert_msg(utcp_config_finish(&cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(utcp_sim_host_open_stack(b->h[i], &cfg, err, sizeof(err)) == 0, "%s", err);
}

static void bed_up(struct bed *b, uint64_t seed, int cores, double loss)
{
	struct utcp_sim_link_params lp;
	memset(b, 0, sizeof(*b));
	b->cores = cores;
	b->w = utcp_sim_world_create(seed);
	utcp_sim_link_params_default(&lp);
	lp.latency = 100 * UTCP_NSEC_PER_USEC;
	if (loss > 0) {
		lp.fault.loss = loss;
		lp.fault.reorder = 0.02;
		lp.fault.dup = 0.01;
		lp.fault.corrupt = 0.002;
	}
	struct utcp_sim_link *l = utcp_sim_link_create(b->w, &lp, NULL);
	for (int i = 0; i < 2; i++)
		bed_host(b, l, i, seed);
}

static int all_done(struct utcp_sim_world *w, void *p)
{
	struct coro_arg *a = p;
	(void)w;
	for (int i = 0; a[i].ctx != NULL && i < UTCP_MAX_CORES; i++)
		if (!a[i].done)
			return 0;
	return 1;
}

/* Run the apps: the client to the end, then stop the server. */
static void bed_run(struct bed *b, struct epserver *srv, struct epwget *cli)
{
	for (int c = 0; c < b->cores; c++) {
		b->sa[c] = (struct coro_arg){ .srv = srv, .ctx = utcp_sim_host_ctx(b->h[0], c) };
		b->ca[c] = (struct coro_arg){ .cli = cli, .ctx = utcp_sim_host_ctx(b->h[1], c) };
		ck_assert_int_ge(utcp_sim_host_spawn(b->h[0], srv_coro, &b->sa[c], 0), 0);
		ck_assert_int_ge(utcp_sim_host_spawn(b->h[1], cli_coro, &b->ca[c], 0), 0);
	}
	utcp_time_t bound = utcp_sim_world_now(b->w) + 600 * SEC;
	ck_assert_int_eq(utcp_sim_world_run_until(b->w, all_done, b->ca, bound), UTCP_SIM_DONE);
	epserver_stop(srv);
	ck_assert_int_eq(utcp_sim_world_run_until(b->w, all_done, b->sa, bound + 60 * SEC),
			 UTCP_SIM_DONE);
}

/* One port: its counters are the context's frames, bytes and drops. */
static void check_port_stats(struct utcp_ctx *ctx)
{
	struct utcp_port_stats ps;
	const struct utcp_stats *s = utcp_ctx_stats(ctx);
	ck_assert_int_eq(utcp_ctx_port_stats(ctx, 0, &ps), 0);
	ck_assert_uint_gt(ps.rx_frames, 0);
	ck_assert_uint_eq(ps.rx_frames, s->rx_frames);
	ck_assert_uint_eq(ps.rx_bytes, s->rx_bytes);
	ck_assert_uint_eq(ps.tx_frames, s->tx_frames);
	ck_assert_uint_eq(ps.tx_bytes, s->tx_bytes);
	ck_assert_uint_eq(ps.rx_err, utcp_stats_drops(s));
	ck_assert_int_eq(utcp_ctx_port_stats(ctx, 1, &ps), -1);
}

static void bed_down(struct bed *b)
{
	for (int i = 0; i < 2; i++)
		for (int c = 0; c < b->cores; c++) {
			struct utcp_sock_usage u;
			check_port_stats(utcp_sim_host_ctx(b->h[i], c));
			utcp_ctx_sock_usage(utcp_sim_host_ctx(b->h[i], c), &u);
			ck_assert_msg(u.sockets == 0 && u.tcbs == u.timewait,
				      "host %d core %d: %u sockets, %u tcbs (%u TIME-WAIT) left", i, c,
				      u.sockets, u.tcbs, u.timewait);
		}
	ck_assert_uint_eq(utcp_sim_world_shutdown(b->w, stderr), 0);
	utcp_sim_world_destroy(b->w);
}

/* ---- the files -------------------------------------------------------------------------------- */

static uint8_t body_small[1000], body_big[150000];
static const struct http_file files[] = {
	{ "index.html", body_small, sizeof(body_small) },
	{ "big.bin", body_big, sizeof(body_big) },
	{ "empty", (const uint8_t *)"", 0 },
};

static void fill_bodies(void)
{
	for (size_t i = 0; i < sizeof(body_small); i++)
		body_small[i] = (uint8_t)('a' + i % 26);
	for (size_t i = 0; i < sizeof(body_big); i++)
		body_big[i] = (uint8_t)((i * 2654435761u) >> 13);
}

struct run_spec {
	uint64_t seed;
	int cores;
	double loss;
	const char *path;
	uint64_t requests;
	int conc, keepalive, status;
	const struct http_file *expect;
	const char *outfile;
};

struct run_out {
	struct epwget_core_stats cli;
	struct epserver_core_stats srv;
	int report;
};

static void run_http(const struct run_spec *r, struct run_out *out)
{
	struct bed b;
	char err[200];
	bed_up(&b, r->seed, r->cores, r->loss);
	struct epserver_opts so = { .port = 80, .backlog = 1024, .files = files, .nb_files = 3,
				    .log = stderr };
	struct epwget_opts co = { .daddr = IP_A, .dport = 80, .requests = r->requests,
				  .concurrency = r->conc, .keepalive = r->keepalive,
				  .expect_status = r->status, .outfile = r->outfile };
	snprintf(co.host, sizeof(co.host), "10.0.0.1");
	snprintf(co.path, sizeof(co.path), "%s", r->path);
	if (r->expect != NULL) {
		co.expect_body = r->expect->data;
		co.expect_len = r->expect->len;
	}
	struct epserver *srv = epserver_create(&so, r->cores);
	struct epwget *cli = epwget_create(&co, r->cores, err, sizeof(err));
	ck_assert_msg(srv != NULL && cli != NULL, "%s", err);
	bed_run(&b, srv, cli);
	/* APPS_SIM_VERBOSE=1: the client's final lines on stdout */
	FILE *f = getenv("APPS_SIM_VERBOSE") != NULL ? stdout : fopen("/dev/null", "w");
	out->report = epwget_report(cli, f);
	if (f != stdout)
		fclose(f);
	else
		printf("virtual time %.3f s\n", (double)utcp_sim_world_now(b.w) / 1e9);
	if (f == stdout)
		for (int i = 0; i < 2; i++) {
			struct utcp_stats st;
			utcp_sim_host_stats(b.h[i], &st);
			utcp_stats_print(stdout, i ? "  B " : "  A ", &st);
		}
	epwget_totals(cli, &out->cli);
	memset(&out->srv, 0, sizeof(out->srv));
	for (int c = 0; c < r->cores; c++) {
		const struct epserver_core_stats *s = epserver_stats(srv, c);
		out->srv.accepted += s->accepted;
		out->srv.requests += s->requests;
		out->srv.responses_200 += s->responses_200;
		out->srv.responses_404 += s->responses_404;
		out->srv.responses_other += s->responses_other;
	}
	bed_down(&b);
	epwget_destroy(cli);
	epserver_destroy(srv);
}

#define CK_CLEAN(o, n)                                                                       \
	ck_assert_msg((o).cli.completes == (n) && (o).cli.errors == 0 &&                      \
		      (o).cli.incompletes == 0 && (o).report == 0,                            \
		      "completes %llu errors %llu incompletes %llu: %s",                      \
		      (unsigned long long)(o).cli.completes, (unsigned long long)(o).cli.errors, \
		      (unsigned long long)(o).cli.incompletes, (o).cli.first_error)

/* A file's whole content. */
static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

START_TEST(clean_link_new_connection_each)
{
	struct run_out o;
	char out[] = "/tmp/utcp-apps-XXXXXX";
	static uint8_t got[sizeof(body_small) + 1];
	int fd = mkstemp(out);
	ck_assert_int_ge(fd, 0);
	close(fd);
	run_http(&(struct run_spec){ .seed = 1, .cores = 1, .path = "/", .requests = 2000,
				     .conc = 100, .expect = &files[0], .outfile = out }, &o);
	CK_CLEAN(o, 2000);
	/* -o: the first body, whole */
	ck_assert_uint_eq(slurp(out, got, sizeof(got)), sizeof(body_small));
	ck_assert_mem_eq(got, body_small, sizeof(body_small));
	unlink(out);
	ck_assert_uint_eq(o.cli.connects, 2000);
	ck_assert_uint_eq(o.srv.accepted, 2000);
	ck_assert_uint_eq(o.srv.responses_200, 2000);
	ck_assert_uint_eq(o.cli.bytes_in, 2000 * (sizeof(body_small) + 83)); /* 83-byte head */
}
END_TEST

START_TEST(impaired_link_big_bodies)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct run_out o;
		run_http(&(struct run_spec){ .seed = seed, .cores = 1, .loss = 0.02,
					     .path = "/big.bin", .requests = 60, .conc = 12,
					     .expect = &files[1] }, &o);
		CK_CLEAN(o, 60);
		ck_assert_uint_eq(o.srv.responses_200, 60);
	}
}
END_TEST

START_TEST(keepalive_reuses_connections)
{
	struct run_out o;
	run_http(&(struct run_spec){ .seed = 2, .cores = 1, .loss = 0.01, .path = "/index.html",
				     .requests = 1000, .conc = 10, .keepalive = 1,
				     .expect = &files[0] }, &o);
	CK_CLEAN(o, 1000);
	ck_assert_uint_eq(o.cli.connects, 10);
	ck_assert_uint_eq(o.srv.accepted, 10);
	ck_assert_uint_eq(o.srv.requests, 1000);
}
END_TEST

START_TEST(missing_file_is_404)
{
	struct run_out o;
	run_http(&(struct run_spec){ .seed = 3, .cores = 1, .path = "/nope", .requests = 50,
				     .conc = 5 }, &o);
	ck_assert_uint_eq(o.cli.completes, 0);
	ck_assert_uint_eq(o.cli.errors, 50);
	ck_assert_uint_eq(o.cli.err[EW_ERR_STATUS], 50);
	ck_assert_str_eq(o.cli.first_error, "status 404");
	ck_assert_int_eq(o.report, 1);
	ck_assert_uint_eq(o.srv.responses_404, 50);
	/* told to expect it, the same run is clean */
	run_http(&(struct run_spec){ .seed = 3, .cores = 1, .path = "/nope", .requests = 50,
				     .conc = 5, .keepalive = 1, .status = 404 }, &o);
	CK_CLEAN(o, 50);
	ck_assert_uint_eq(o.srv.responses_404, 50);
}
END_TEST

START_TEST(empty_file)
{
	struct run_out o;
	run_http(&(struct run_spec){ .seed = 4, .cores = 1, .path = "/empty", .requests = 20,
				     .conc = 4, .expect = &files[2] }, &o);
	CK_CLEAN(o, 20);
}
END_TEST

START_TEST(two_cores_each_side)
{
	struct run_out o;
	run_http(&(struct run_spec){ .seed = 5, .cores = 2, .loss = 0.01, .path = "/",
				     .requests = 1000, .conc = 40, .expect = &files[0] }, &o);
	CK_CLEAN(o, 1000);
	ck_assert_uint_eq(o.srv.responses_200, 1000);
}
END_TEST

/* The server runs out of sockets (8: listener, epoll and 6 connections)
 * while 40 clients want in: connections wait in the accept queue, the
 * listener is not reported ready while nothing can be accepted (else the
 * server would spin and virtual time stand still), every request is served. */
START_TEST(server_out_of_sockets)
{
	struct run_out o;
	srv_max_sockets = 8;
	run_http(&(struct run_spec){ .seed = 6, .cores = 1, .path = "/big.bin", .requests = 100,
				     .conc = 40, .expect = &files[1] }, &o);
	srv_max_sockets = 0;
	CK_CLEAN(o, 100);
	ck_assert_uint_eq(o.srv.accepted, 100);
}
END_TEST

/* ---- the parsers ------------------------------------------------------------------------------ */

START_TEST(parse_requests)
{
	struct http_request rq;
	const char *r11 = "GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n";
	ck_assert_int_eq(http_header_end(r11, strlen(r11)), strlen(r11));
	ck_assert_int_eq(http_header_end(r11, strlen(r11) - 1), 0);
	ck_assert_int_eq(http_parse_request(r11, strlen(r11), &rq), 0);
	ck_assert_str_eq(rq.path, "/a?x=1");
	ck_assert_int_eq(rq.keepalive, 1);
	const char *c11 = "GET / HTTP/1.1\r\nconnection: Close\r\n\r\n";
	ck_assert_int_eq(http_parse_request(c11, strlen(c11), &rq), 0);
	ck_assert_int_eq(rq.keepalive, 0);
	const char *k10 = "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	ck_assert_int_eq(http_parse_request(k10, strlen(k10), &rq), 0);
	ck_assert_int_eq(rq.keepalive, 1);
	const char *p10 = "GET / HTTP/1.0\r\n\r\n";
	ck_assert_int_eq(http_parse_request(p10, strlen(p10), &rq), 0);
	ck_assert_int_eq(rq.keepalive, 0);
	ck_assert_int_eq(http_parse_request("POST / HTTP/1.1\r\n\r\n", 19, &rq), 501);
	ck_assert_int_eq(http_parse_request("GET / HTTP/2.0\r\n\r\n", 18, &rq), 505);
	ck_assert_int_eq(http_parse_request("GET /\r\n\r\n", 9, &rq), 400);
	ck_assert_int_eq(http_parse_request("GET  HTTP/1.1\r\n\r\n", 17, &rq), 400);
}
END_TEST

START_TEST(parse_responses)
{
	struct http_response rs;
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n";
	ck_assert_int_eq(http_parse_response(ok, strlen(ok), &rs), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_int_eq(rs.content_length, 12);
	ck_assert_int_eq(rs.close, 1);
	const char *ka = "HTTP/1.1 404 Not Found\r\ncontent-length:0\r\n\r\n";
	ck_assert_int_eq(http_parse_response(ka, strlen(ka), &rs), 0);
	ck_assert_int_eq(rs.status, 404);
	ck_assert_int_eq(rs.content_length, 0);
	ck_assert_int_eq(rs.close, 0);
	const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n";
	ck_assert_int_eq(http_parse_response(two, strlen(two), &rs), -1);
	const char *neg = "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n";
	ck_assert_int_eq(http_parse_response(neg, strlen(neg), &rs), -1);
	const char *chk = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	ck_assert_int_eq(http_parse_response(chk, strlen(chk), &rs), -1);
	ck_assert_int_eq(http_parse_response("HTTP/1.1 2x0 OK\r\n\r\n", 19, &rs), -1);
}
END_TEST

START_TEST(statprint_line_format)
{
	char line[256];
	struct utcp_port_stats d = { .rx_frames = 1000, .rx_bytes = 100000, .rx_err = 2,
				     .tx_frames = 500, .tx_bytes = 1476000 };
	utcp_statprint_format_port(line, sizeof(line), 0, "dpdk0", 42, &d, SEC);
	/* Gbps with 24 B of wire overhead per frame: (100000 + 24000) * 8 / 1e9 */
	ck_assert_str_eq(line, "[CPU 0] dpdk0 flows:     42, RX:    1000(pps) (err:     2),  0.00(Gbps), "
			       "TX:     500(pps),  0.01(Gbps)");
	utcp_statprint_format_port(line, sizeof(line), -1, "dpdk0", 42, &d, SEC / 2);
	ck_assert_str_eq(line, "[ ALL ] dpdk0 flows:     42, RX:    2000(pps) (err:     4),  0.00(Gbps), "
			       "TX:    1000(pps),  0.02(Gbps)");
}
END_TEST

int main(void)
{
	fill_bodies();
	Suite *su = suite_create("apps_sim");
	TCase *tc = tcase_create("http");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, parse_requests);
	tcase_add_test(tc, parse_responses);
	tcase_add_test(tc, statprint_line_format);
	tcase_add_test(tc, clean_link_new_connection_each);
	tcase_add_test(tc, impaired_link_big_bodies);
	tcase_add_test(tc, keepalive_reuses_connections);
	tcase_add_test(tc, missing_file_is_404);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, two_cores_each_side);
	tcase_add_test(tc, server_out_of_sockets);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
