/*
 * tools/epwget.c - mTCP's epwget on a real backend:
 *
 *   epwget HOST[:PORT][/path] REQUESTS -f CONF [-N cores] [-c concurrency]
 *          [-o outfile] [-k] [-t seconds] [-e FILE] [-s]
 *
 * Opens the stack of CONF, then one thread per core keeps its share of the
 * concurrency in flight until its share of REQUESTS is done
 * (tools/epwget_app.c).  Prints mTCP's per-second line
 *   [ ALL ] connect: N, read: N MB, write: N MB, completes: N (resp_time avg: N, max: N us)
 * and a summary; exit status 0 only if every request completed with the
 * expected status and body (1 otherwise, 2 on bad usage or a bad config).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/args.h"
#include "tools/apprun.h"
#include "tools/apps.h"

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: epwget HOST[:PORT][/path] REQUESTS -f CONF [-N cores] [-c concurrency]\n"
		"              [-o outfile] [-k] [-t seconds] [-e FILE] [-s]\n"
		"  HOST        IPv4 address of the server, or [IPv6 address] (port 80 unless :PORT)\n"
		"  REQUESTS    requests in total, shared by the cores\n"
		"  -f CONF     utcp.conf (mTCP's keys; see sample_utcp.conf)\n"
		"  -N cores    contexts, one thread each (num_cores in CONF wins)\n"
		"  -c N        connections in flight in total (default 100)\n"
		"  -o FILE     write the first response body to FILE\n"
		"  -k          keep-alive: several requests per connection\n"
		"  -t SECONDS  stop after this long; unfinished requests are incomplete\n"
		"  -e FILE     every body must equal FILE byte for byte\n"
		"  -s          each second, also the stack's statistics (stat_print ports,\n"
		"              utcp's own counters)\n"
		"  -h, --help  this text\n");
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "epwget: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see epwget -h)\n");
	return EXIT_USAGE;
}

/* HOST[:PORT][/path], HOST an IPv4 address or [an IPv6 one] */
static int parse_target(const char *t, struct epwget_opts *o)
{
	char host[64];
	const char *slash = strchr(t, '/');
	size_t hl = slash ? (size_t)(slash - t) : strlen(t);
	uint64_t port = 80;
	if (hl == 0 || hl >= sizeof(host) || (slash && strlen(slash) >= sizeof(o->path)))
		return -1;
	memcpy(host, t, hl);
	host[hl] = '\0';
	snprintf(o->host, sizeof(o->host), "%s", host);
	char *addr = host;
	if (host[0] == '[') { /* RFC 3986 §3.2.2: an IPv6 literal in brackets */
		char *end = strchr(host, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return -1;
		*end = '\0';
		addr = host + 1;
		if (end[1] == ':' && utcp_parse_u64(end + 2, 10, 1, 65535, &port) < 0)
			return -1;
		o->v6 = 1;
	} else {
		char *colon = strchr(host, ':');
		if (colon != NULL) {
			*colon = '\0';
			if (utcp_parse_u64(colon + 1, 10, 1, 65535, &port) < 0)
				return -1;
		}
	}
	if (o->v6 ? inet_pton(AF_INET6, addr, o->daddr6) != 1
		  : inet_pton(AF_INET, addr, &o->daddr) != 1)
		return -1;
	o->dport = (uint16_t)port;
	snprintf(o->path, sizeof(o->path), "%s", slash ? slash : "/");
	return 0;
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	if (f == NULL || fstat(fileno(f), &sb) < 0) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	uint8_t *d = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
	*len = d != NULL ? fread(d, 1, (size_t)sb.st_size, f) : 0;
	fclose(f);
	if (d != NULL && *len != (size_t)sb.st_size) {
		free(d);
		return NULL;
	}
	return d;
}

struct args {
	const char *conf, *expect;
	uint64_t cores, conc, secs;
	int utcp_stats;
};

static int parse_args(int argc, char **argv, struct args *a, struct epwget_opts *o)
{
	int c;
	/* getopt knows short options only: --help is -h, as in the usage
	 * text, and any other long option is named whole. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strncmp(argv[i], "--", 2) == 0)
			return bad("unknown option %s", argv[i]);
	}
	opterr = 0;
	while ((c = getopt(argc, argv, ":f:N:c:o:kt:e:n:sh")) != -1) {
		switch (c) {
		case 'f': a->conf = optarg; break;
		case 'N':
			if (utcp_parse_u64(optarg, 10, 1, UTCP_MAX_CORES, &a->cores) < 0)
				return bad("-N %s: want 1 to 16 cores", optarg);
			break;
		case 'c':
			if (utcp_parse_u64(optarg, 10, 1, 1000000, &a->conc) < 0)
				return bad("-c %s: want 1 to 1000000 connections", optarg);
			break;
		case 'o': o->outfile = optarg; break;
		case 'k': o->keepalive = 1; break;
		case 't':
			if (utcp_parse_u64(optarg, 10, 1, 86400, &a->secs) < 0)
				return bad("-t %s: want 1 to 86400 seconds", optarg);
			break;
		case 'e': a->expect = optarg; break;
		case 'n': return bad("-n %s: multi-process mode is not supported", optarg);
		case 's': a->utcp_stats = 1; break;
		case 'h': usage(stdout); exit(0);
		case ':': return bad("-%s needs a value", (char[]){ (char)optopt, 0 });
		default: return bad("unknown option -%s", (char[]){ (char)optopt, 0 });
		}
	}
	if (argc - optind != 2)
		return bad("%s", "want HOST[/path] and REQUESTS");
	if (parse_target(argv[optind], o) < 0)
		return bad("'%s': want an IPv4 address, optionally :PORT and /path",
			   argv[optind]);
	if (utcp_parse_u64(argv[optind + 1], 10, 1, UINT64_MAX / 2, &o->requests) < 0)
		return bad("REQUESTS '%s': want a number of at least 1", argv[optind + 1]);
	if (a->conf == NULL)
		return bad("%s", "-f CONF is required");
	return 0;
}

static void stop_client(void *arg)
{
	epwget_stop(arg);
}

static int core_fn(void *arg, struct utcp_ctx *ctx)
{
	return epwget_core(arg, ctx);
}

int main(int argc, char **argv)
{
	struct args a = { .conc = 100 };
	struct epwget_opts o = { .print_seconds = 1, .out = stdout };
	struct utcp_config cfg;
	char err[256];
	int rc = parse_args(argc, argv, &a, &o);
	if (rc != 0)
		return rc;
	if (a.expect != NULL && (o.expect_body = read_all(a.expect, &o.expect_len)) == NULL) {
		fprintf(stderr, "epwget: %s: %s\n", a.expect, strerror(errno));
		return EXIT_USAGE;
	}
	if (apprun_config(&cfg, "epwget", a.conf, (int)a.cores) < 0)
		return EXIT_USAGE;
	/* As mTCP's epwget: sockets and buffers for 3 x the per-core concurrency. */
	uint64_t per_core = (a.conc + (uint64_t)cfg.num_cores - 1) / (uint64_t)cfg.num_cores;
	if ((uint64_t)cfg.max_concurrency < 3 * per_core)
		cfg.max_concurrency = (int)(3 * per_core);
	if ((uint64_t)cfg.max_num_buffers < 3 * per_core)
		cfg.max_num_buffers = (int)(3 * per_core);
	o.concurrency = (int)a.conc;
	o.time_limit = a.secs * UTCP_NSEC_PER_SEC;
	struct utcp_stack *st = apprun_open(&cfg, "epwget", &rc);
	if (st == NULL) {
		free((void *)o.expect_body);
		return rc;
	}
	o.stats = utcp_statprint_create(st, stderr, a.utcp_stats ? UTCP_STATPRINT_UTCP |
								       UTCP_STATPRINT_ALWAYS : 0);
	struct epwget *c = epwget_create(&o, cfg.num_cores, err, sizeof(err));
	if (c == NULL || o.stats == NULL) {
		fprintf(stderr, "epwget: %s\n", c == NULL ? err : "out of memory");
		return c == NULL && errno == EINVAL ? EXIT_USAGE : 1;
	}
	apprun_on_signal(stop_client, c);
	int run = apprun_cores(st, "epwget", core_fn, c);
	rc = epwget_report(c, stdout) != 0 || run != 0 ? 1 : 0;
	utcp_stack_close(st);
	epwget_destroy(c);
	utcp_statprint_destroy(o.stats);
	free((void *)o.expect_body);
	return rc;
}
