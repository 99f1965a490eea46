/*
 * tools/sim_http.c - utcp-sim's http scenario: epwget on host B against
 * epserver on host A, the very application code of the two programs
 * (tools/epserver_app.c, tools/epwget_app.c), one coroutine per context.
 *
 *   utcp-sim http [--conns C (100)] [--requests R (10000)] [--size BYTES (1000)]
 *                 [--keepalive] [--path /P] [--expect-status N] [--stats]
 *
 * A serves one file, index.html, of --size bytes drawn from the seed; B
 * asks for --path (default /) R times with C requests in flight, a new
 * connection each unless --keepalive, and checks every body byte for byte
 * against the file.  Output: epwget's per-second line and the server's
 * per-port statistics line, both in virtual seconds (--stats adds utcp's
 * own counters), epwget's summary, the hosts' counters, then the verdict:
 *   PASS http seed=1 requests=10000 completes=10000 errors=0 incompletes=0 ...
 * The run passes when every request completed with the expected status and
 * body, the server answered exactly that many, and no packet buffer leaked.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/apps.h"
#include "tools/sim_common.h"

#define HTTP_BOUND (600 * UTCP_NSEC_PER_SEC) /* virtual time for the client */
#define HTTP_STOP_BOUND (60 * UTCP_NSEC_PER_SEC)
#define HTTP_MAX_SIZE (64ull << 20)

struct http_opts {
	uint64_t conns, requests, size;
	int keepalive, stats;
	uint64_t expect_status;
	char path[256];
};

static void http_defaults(void *p)
{
	struct http_opts *ho = p;
	ho->conns = 100;
	ho->requests = 10000;
	ho->size = 1000;
	ho->expect_status = 200;
	snprintf(ho->path, sizeof(ho->path), "/");
}

enum { OPT_CONNS = 300, OPT_REQUESTS, OPT_SIZE, OPT_KEEPALIVE, OPT_PATH, OPT_STATUS, OPT_STATS };

static int http_opt(struct http_opts *ho, int c, const char *v)
{
	switch (c) {
	case OPT_CONNS: return parse_u64(v, 1, 100000, &ho->conns);
	case OPT_REQUESTS: return parse_u64(v, 1, 100000000, &ho->requests);
	case OPT_SIZE: return parse_u64(v, 0, HTTP_MAX_SIZE, &ho->size);
	case OPT_STATUS: return parse_u64(v, 100, 599, &ho->expect_status);
	case OPT_PATH:
		if (v[0] != '/' || strlen(v) >= sizeof(ho->path))
			return -1;
		snprintf(ho->path, sizeof(ho->path), "%s", v);
		return 0;
	}
	return -1;
}

static int http_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "conns", required_argument, NULL, OPT_CONNS },
		{ "requests", required_argument, NULL, OPT_REQUESTS },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "keepalive", no_argument, NULL, OPT_KEEPALIVE },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "expect-status", required_argument, NULL, OPT_STATUS },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const hints[] = {
		"1 to 100000", "1 to 100000000", "0 to 67108864 bytes", "", "a path starting with /",
		"an HTTP status, 100 to 599",
	};
	struct http_opts *ho = p;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			sim_usage(stdout);
			exit(0);
		} else if (c == OPT_KEEPALIVE) {
			ho->keepalive = 1;
		} else if (c == OPT_STATS) {
			ho->stats = 1;
		} else if (c == ':' || c == '?') {
			usage_error(c == ':' ? "http: %s needs a value" : "http: unknown option '%s'",
				    argv[optind - 1]);
			return EXIT_USAGE;
		} else if (http_opt(ho, c, optarg) < 0) {
			usage_error("http: bad value '%s' for %s: want %s", optarg,
				    opt_name(longopts, c), hints[c - OPT_CONNS]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_error("http: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (ho->conns > ho->requests)
		ho->conns = ho->requests; /* no connection without a request */
	return 0;
}

static void http_config(struct utcp_config *cfg, int host, const void *p)
{
	const struct http_opts *ho = p;
	(void)host; /* the same for server A and client B */
	if (cfg->max_concurrency < (int)ho->conns * 3)
		cfg->max_concurrency = (int)ho->conns * 3; /* as epwget: 3 x concurrency */
	if (cfg->max_num_buffers < (int)ho->conns * 3)
		cfg->max_num_buffers = (int)ho->conns * 3;
	snprintf(cfg->stat_print[0], sizeof(cfg->stat_print[0]), "%s", cfg->ports[0].name);
	cfg->nb_stat_print = 1;
}

/* ---- the run ------------------------------------------------------------------------ */

struct http_coro {
	struct epserver *srv;
	struct epwget *cli;
	struct utcp_ctx *ctx;
	int done, rc;
};

struct http_run {
	struct http_coro srv[UTCP_MAX_CORES], cli[UTCP_MAX_CORES];
	int cores;
};

static int srv_coro(void *p)
{
	struct http_coro *c = p;
	c->rc = epserver_core(c->srv, c->ctx);
	c->done = 1;
	return c->rc;
}

static int cli_coro(void *p)
{
	struct http_coro *c = p;
	c->rc = epwget_core(c->cli, c->ctx);
	c->done = 1;
	return c->rc;
}

static int coros_done(const struct http_coro *c, int n)
{
	for (int i = 0; i < n; i++)
		if (!c[i].done)
			return 0;
	return 1;
}

/* The file A serves, drawn from the seed. */
static uint8_t *http_body(uint64_t seed, uint64_t size)
{
	uint8_t *b = malloc(size > 0 ? size : 1);
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	for (uint64_t i = 0; b != NULL && i < size; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)(' ' + (x >> 32) % 95); /* printable */
	}
	return b;
}

static int http_spawn(struct testbed *tb, struct http_run *r, struct epserver *srv,
		      struct epwget *cli)
{
	for (int c = 0; c < r->cores; c++) {
		r->srv[c] = (struct http_coro){ .srv = srv, .ctx = utcp_sim_host_ctx(tb->host[0], c) };
		r->cli[c] = (struct http_coro){ .cli = cli, .ctx = utcp_sim_host_ctx(tb->host[1], c) };
		if (utcp_sim_host_spawn(tb->host[0], srv_coro, &r->srv[c], 0) < 0 ||
		    utcp_sim_host_spawn(tb->host[1], cli_coro, &r->cli[c], 0) < 0)
			return -1;
	}
	return 0;
}

static int cli_done(struct utcp_sim_world *w, void *arg)
{
	const struct http_run *r = arg;
	(void)w;
	return coros_done(r->cli, r->cores);
}

static int srv_done(struct utcp_sim_world *w, void *arg)
{
	const struct http_run *r = arg;
	(void)w;
	return coros_done(r->srv, r->cores);
}

/* Run the world until pred holds; a failure names who did not finish. */
static void http_until(struct testbed *tb, utcp_sim_pred_fn pred, struct http_run *r,
		       utcp_time_t bound, const char *who, struct verdict *v)
{
	char t[32];
	switch (utcp_sim_world_run_until(tb->w, pred, r, utcp_sim_world_now(tb->w) + bound)) {
	case UTCP_SIM_DONE:
		return;
	case UTCP_SIM_BOUND:
		fail_at(v, "%s did not finish within %s of virtual time", who,
			fmt_dur(t, sizeof(t), bound));
		return;
	case UTCP_SIM_IDLE:
		fail_at(v, "the world went idle at %s before %s finished",
			fmt_dur(t, sizeof(t), utcp_sim_world_now(tb->w)), who);
		return;
	case UTCP_SIM_ERROR:
		fail_at(v, "simulation stopped at %s: %s", fmt_dur(t, sizeof(t), utcp_sim_world_now(tb->w)),
			errno == ELOOP ? "livelock (no progress in virtual time)" : strerror(errno));
		return;
	}
}

/* The client to the end, then the server stops and closes. */
static void http_drive(struct testbed *tb, struct http_run *r, struct epserver *srv,
		       struct verdict *v)
{
	http_until(tb, cli_done, r, HTTP_BOUND, "epwget", v);
	epserver_stop(srv);
	if (v->pass)
		http_until(tb, srv_done, r, HTTP_STOP_BOUND, "epserver", v);
}

static void http_judge(const struct http_opts *ho, struct epwget *cli, struct epserver *srv,
		       int cores, int report, struct verdict *v)
{
	struct epwget_core_stats s;
	uint64_t answered = 0;
	epwget_totals(cli, &s);
	for (int c = 0; c < cores; c++)
		answered += epserver_stats(srv, c)->requests;
	double secs = (double)(s.t_end - s.t_start) / 1e9;
	char vt[32];
	snprintf(v->summary, sizeof(v->summary),
		 "requests=%" PRIu64 " completes=%" PRIu64 " errors=%" PRIu64 " incompletes=%" PRIu64
		 " conns=%" PRIu64 "%s size=%" PRIu64 " virtual=%s rate=%.0f/s",
		 ho->requests, s.completes, s.errors, s.incompletes, ho->conns,
		 ho->keepalive ? " keepalive" : "", ho->size,
		 fmt_dur(vt, sizeof(vt), s.t_end - s.t_start),
		 secs > 0 ? (double)s.completes / secs : 0.0);
	if (report != 0)
		fail_at(v, "%" PRIu64 " errors, %" PRIu64 " incomplete%s%s", s.errors, s.incompletes,
			s.first_error[0] ? "; first: " : "", s.first_error);
	else if (answered != s.completes)
		fail_at(v, "the server answered %" PRIu64 " requests, the client completed %" PRIu64,
			answered, s.completes);
}

static void http_run_bed(const struct sim_opts *o, const struct http_opts *ho, struct testbed *tb,
			 uint64_t seed, struct verdict *v)
{
	char err[256];
	struct http_run r = { .cores = o->cores };
	uint8_t *body = http_body(seed, ho->size);
	struct http_file file = { "index.html", body, ho->size };
	FILE *out = o->quiet ? NULL : stdout;
	FILE *devnull = fopen("/dev/null", "w");
	unsigned flags = ho->stats ? UTCP_STATPRINT_UTCP : 0;
	struct utcp_statprint *sp = o->quiet ? NULL
				   : utcp_statprint_create(utcp_sim_host_stack(tb->host[0]), stdout, flags);
	struct epserver_opts so = { .port = 80, .backlog = 4096, .files = &file, .nb_files = 1,
				    .stats = sp, .log = stderr };
	struct epwget_opts co = { .daddr = tb->ip[0], .dport = 80, .requests = ho->requests,
				  .concurrency = (int)ho->conns, .keepalive = ho->keepalive,
				  .expect_status = (int)ho->expect_status, .print_seconds = !o->quiet,
				  .out = out };
	if (ho->expect_status == 200) {
		co.expect_body = body;
		co.expect_len = ho->size;
	}
	if (o->ip6) { /* --ip6: to [2001:db8::1], epserver listening on :: */
		struct in6_addr a;
		sim_host_in6(0, &a);
		memcpy(co.daddr6, &a, 16);
		co.v6 = 1;
	}
	snprintf(co.host, sizeof(co.host), "%s", o->ip6 ? "[2001:db8::1]" : "10.0.0.1");
	snprintf(co.path, sizeof(co.path), "%s", ho->path);
	struct epserver *srv = epserver_create(&so, o->cores);
	struct epwget *cli = epwget_create(&co, o->cores, err, sizeof(err));
	if (body == NULL || devnull == NULL || srv == NULL || cli == NULL || (!o->quiet && sp == NULL))
		fail_at(v, "setup: %s", cli == NULL ? err : "out of memory");
	else if (http_spawn(tb, &r, srv, cli) < 0)
		fail_at(v, "setup: cannot start the applications");
	else
		http_drive(tb, &r, srv, v);
	if (!o->quiet)
		print_counters(tb);
	/* Coroutines still running (a failed run) stop here: their requests
	 * count as incomplete (testbed_close's shutdown then only reports). */
	utcp_sim_world_shutdown(tb->w, stderr);
	if (srv != NULL && cli != NULL) {
		int report = epwget_report(cli, o->quiet ? devnull : stdout);
		http_judge(ho, cli, srv, o->cores, report, v);
	}
	epwget_destroy(cli);
	epserver_destroy(srv);
	utcp_statprint_destroy(sp);
	if (devnull != NULL)
		fclose(devnull);
	free(body);
}

static void http_run(const struct sim_opts *o, const void *sopts, uint64_t seed, struct verdict *v)
{
	const struct http_opts *ho = sopts;
	struct testbed tb;
	char err[256];
	if (testbed_open(&tb, o, seed, err, sizeof(err)) < 0) {
		fail_at(v, "setup: %s", err);
	} else {
		if (!o->quiet) {
			print_link(o, seed);
			printf("epwget %s%s %" PRIu64 " -c %" PRIu64 "%s against epserver "
			       "(index.html, %" PRIu64 " bytes), %d core%s each\n",
			       o->ip6 ? "[2001:db8::1]" : "10.0.0.1", ho->path,
			       ho->requests, ho->conns, ho->keepalive ? " -k" : "", ho->size, o->cores,
			       o->cores == 1 ? "" : "s");
		}
		http_run_bed(o, ho, &tb, seed, v);
	}
	testbed_close(&tb, v);
}

const struct scenario sim_scenario_http = {
	.name = "http",
	.summary = "epwget on B against epserver on A (the programs' own code), bodies checked",
	.usage = "http [--conns C (100)] [--requests R (10000)] [--size BYTES (1000)]\n"
		 "     [--keepalive] [--path /P (/)] [--expect-status N (200)]\n"
		 "     [--stats: also utcp's own counters each second]",
	.opts_size = sizeof(struct http_opts),
	.defaults = http_defaults,
	.parse = http_parse,
	.ip6 = 1,
	.config = http_config,
	.run = http_run,
};
