/*
 * tools/utcp-replay.c - replay one side of a recorded TCP conversation into
 * utcp on the simulator and check the result against the trace's
 * expectation file.
 *
 *   utcp-replay TRACE.pcap [--side client|server] [--pace time|react]
 *               [--seed N | --seeds A-B] [--loss P] [--burst-loss P --burst-len N]
 *               [--reorder P] [--dup P] [--corrupt P] [--jitter T]
 *               [--delay T|auto] [--expect FILE] [--out FILE] [--plot DIR] [-v]
 *
 * --side is the side played from the trace (default client: utcp serves).
 * Impairments apply to what the replayer sends.  --expect defaults to
 * TRACE with .pcap replaced by .expect; --delay (one way, both directions)
 * defaults to `auto`, half the trace's handshake round trip; `--expect none` checks only the
 * built-in invariants.  --out writes both directions of the replayed
 * conversation (as they entered the wire) to a pcap file.  -v prints every
 * observation.  --plot DIR draws the replayed conversation (tools/plot.c:
 * a time-sequence graph and utcp's sender state, from DIR/capture.pcap,
 * or --out, and DIR/trace.csv).  --seeds runs every seed from A to B.  The last line of each
 * run is its verdict, with the seed:
 *   PASS replay http-get side=client pace=time seed=1 ...
 * Exit status: 0 pass, 1 fail, 2 bad usage or unreadable input.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/base/args.h"
#include "sim/replay.h"
#include "tools/plot.h"

#define EXIT_USAGE 2

static int usage(const char *fmt, const char *arg)
{
	fputs("utcp-replay: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (see utcp-replay --help)\n", stderr);
	return EXIT_USAGE;
}

/* "A-B", A <= B, each decimal (core/base/args.h). */
static int parse_seed_range(const char *s, uint64_t *first, uint64_t *last)
{
	char buf[32];
	const char *dash = strchr(s, '-');
	if (dash == NULL || (size_t)(dash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (utcp_parse_u64(buf, 10, 0, UINT64_MAX, first) != 0 ||
	    utcp_parse_u64(dash + 1, 10, *first, UINT64_MAX, last) != 0)
		return -1;
	return 0;
}

static int parse_time(const char *s, utcp_time_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end), mult;
	if (end == s || errno || !isfinite(v) || v < 0)
		return -1;
	if (strcmp(end, "ns") == 0)
		mult = 1;
	else if (strcmp(end, "us") == 0)
		mult = 1e3;
	else if (strcmp(end, "ms") == 0)
		mult = 1e6;
	else if (strcmp(end, "s") == 0)
		mult = 1e9;
	else if (*end == 0 && v == 0)
		mult = 0;
	else
		return -1;
	if (v * mult > 1e15)
		return -1;
	*out = (utcp_time_t)(v * mult + 0.5);
	return 0;
}

static const char help[] =
	"usage: utcp-replay TRACE.pcap [--side client|server] [--pace time|react]\n"
	"         [--seed N | --seeds A-B]\n"
	"         [--loss P] [--burst-loss P --burst-len N] [--reorder P] [--dup P]\n"
	"         [--corrupt P] [--jitter T] [--delay T|auto] [--expect FILE|none] [--out FILE]\n"
	"         [--plot DIR] [-v]\n";

struct cli {
	struct replay_opts o;
	const char *trace, *expect;
	char expect_buf[600];
	const char *plot;             /* --plot DIR */
	char out_buf[4096], csv[4096];
	struct trace_sink sink;
	int impaired, verbose;
	uint64_t last_seed;
};

static int parse_opt(struct cli *c, int ch, const char *arg)
{
	struct utcp_fault_params *f = &c->o.link.fault;
	double d;
	switch (ch) {
	case 's':
		if (strcmp(arg, "client") && strcmp(arg, "server"))
			return usage("--side: client or server, not '%s'", arg);
		c->o.side = strcmp(arg, "client") == 0 ? REPLAY_CLIENT : REPLAY_SERVER;
		return 0;
	case 'p':
		if (strcmp(arg, "time") && strcmp(arg, "react"))
			return usage("--pace: time or react, not '%s'", arg);
		c->o.pace = strcmp(arg, "time") == 0 ? REPLAY_PACE_TIME : REPLAY_PACE_REACT;
		return 0;
	case 'S':
		if (utcp_parse_u64(arg, 10, 0, UINT64_MAX, &c->o.seed) != 0)
			return usage("--seed: a number, not '%s'", arg);
		c->last_seed = c->o.seed;
		return 0;
	case 'A':
		if (parse_seed_range(arg, &c->o.seed, &c->last_seed) < 0)
			return usage("--seeds: A-B, not '%s'", arg);
		return 0;
	case 'd':
		if (strcmp(arg, "auto") == 0) {
			c->o.latency = REPLAY_LATENCY_AUTO;
			return 0;
		}
		/* fall through */
	case 'j':
		if (parse_time(arg, ch == 'd' ? &c->o.latency : &f->jitter) < 0)
			return usage("a duration with a unit (500us, 10ms, 1s), not '%s'", arg);
		c->impaired |= ch == 'j' && f->jitter > 0;
		return 0;
	case 'n':
		if (utcp_parse_double(arg, 1.0, HUGE_VAL, &f->burst_len) != 0)
			return usage("--burst-len: a number >= 1, not '%s'", arg);
		return 0;
	default:
		if (utcp_parse_prob(arg, &d) != 0)
			return usage("a probability (0.05 or 5%%), not '%s'", arg);
		*(ch == 'l' ? &f->loss : ch == 'b' ? &f->burst_loss : ch == 'r' ? &f->reorder
			: ch == 'D' ? &f->dup : &f->corrupt) = d;
		c->impaired |= d > 0;
		return 0;
	}
}

static int parse_args(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "side", 1, 0, 's' }, { "pace", 1, 0, 'p' }, { "seed", 1, 0, 'S' }, { "seeds", 1, 0, 'A' },
		{ "loss", 1, 0, 'l' }, { "burst-loss", 1, 0, 'b' }, { "burst-len", 1, 0, 'n' },
		{ "reorder", 1, 0, 'r' }, { "dup", 1, 0, 'D' }, { "corrupt", 1, 0, 'c' },
		{ "jitter", 1, 0, 'j' }, { "delay", 1, 0, 'd' }, { "expect", 1, 0, 'e' },
		{ "out", 1, 0, 'o' }, { "plot", 1, 0, 'P' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int ch, rc;
	memset(c, 0, sizeof(*c));
	utcp_sim_link_params_default(&c->o.link);
	c->o.seed = c->last_seed = 1;
	c->o.latency = REPLAY_LATENCY_AUTO;
	while ((ch = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			exit(0);
		} else if (ch == 'v') {
			c->verbose = 1;
		} else if (ch == 'e') {
			c->expect = optarg;
		} else if (ch == 'o') {
			c->o.out = optarg;
		} else if (ch == 'P') {
			c->plot = optarg;
		} else if (ch == '?') {
			return EXIT_USAGE;
		} else if ((rc = parse_opt(c, ch, optarg)) != 0) {
			return rc;
		}
	}
	if (optind != argc - 1)
		return usage("%s", optind >= argc ? "a trace file is required" : "one trace only");
	c->trace = argv[optind];
	if (c->expect == NULL) {
		size_t n = strlen(c->trace);
		if (n > 5 && strcmp(c->trace + n - 5, ".pcap") == 0)
			n -= 5;
		snprintf(c->expect_buf, sizeof(c->expect_buf), "%.*s.expect", (int)n, c->trace);
		c->expect = c->expect_buf;
	}
	if (strcmp(c->expect, "none") == 0)
		c->expect = NULL;
	if (c->plot != NULL && c->last_seed != c->o.seed)
		return usage("%s", "--plot draws one run: use it with --seed, not --seeds");
	return 0;
}

/* --plot DIR: the capture (DIR/capture.pcap unless --out) and utcp's
 * sender-state trace (DIR/trace.csv) of the run. */
static int plot_begin(struct cli *c)
{
	char err[600];

	if (plot_dir(c->plot, err, sizeof(err)) < 0) {
		fprintf(stderr, "utcp-replay: --plot %s\n", err);
		return -1;
	}
	if (c->o.out == NULL) {
		snprintf(c->out_buf, sizeof(c->out_buf), "%s/capture.pcap", c->plot);
		c->o.out = c->out_buf;
	}
	snprintf(c->csv, sizeof(c->csv), "%s/trace.csv", c->plot);
	c->sink.f = fopen(c->csv, "w");
	if (c->sink.f == NULL) {
		fprintf(stderr, "utcp-replay: %s: %s\n", c->csv, strerror(errno));
		return -1;
	}
	snprintf(c->sink.who, sizeof(c->sink.who), "utcp/0");
	trace_csv_header(c->sink.f);
	c->o.trace = trace_csv_line;
	c->o.trace_arg = &c->sink;
	return 0;
}

static int plot_end(struct cli *c)
{
	char err[600];

	if (fclose(c->sink.f) != 0) {
		fprintf(stderr, "utcp-replay: %s: %s\n", c->csv, strerror(errno));
		return -1;
	}
	if (plot_capture(c->o.out, c->csv, c->plot, stdout, err, sizeof(err)) < 0) {
		fprintf(stderr, "utcp-replay: --plot: %s\n", err);
		return -1;
	}
	return 0;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void print_obs(const struct replay_obs *obs)
{
	for (int i = 0; i < obs->n; i++) {
		if (obs->v[i].str[0])
			printf("  %s = %s\n", obs->v[i].name, obs->v[i].str);
		else
			printf("  %s = %" PRIu64 "\n", obs->v[i].name, obs->v[i].num);
	}
}

static uint64_t num(const struct replay_obs *o, const char *name)
{
	int i = replay_obs_find(o, name);
	return i < 0 ? 0 : o->v[i].num;
}

static const char *str(const struct replay_obs *o, const char *name)
{
	int i = replay_obs_find(o, name);
	return i < 0 ? "?" : o->v[i].str;
}

/* One run with c->o.seed; 0 pass, 1 fail, EXIT_USAGE could not run. */
static int run_one(struct cli *c, const struct replay_trace *t)
{
	static struct replay_obs obs;
	char err[600];
	if (utcp_replay_run(t, &c->o, &obs, err, sizeof(err)) < 0) {
		fprintf(stderr, "utcp-replay: %s\n", err);
		return EXIT_USAGE;
	}
	if (c->verbose)
		print_obs(&obs);
	int failed = obs.failed;
	if (c->expect) {
		int n = utcp_replay_expect_check(c->expect, c->o.side, c->impaired, c->o.pace, &obs, stdout, err,
						 sizeof(err));
		if (n < 0) {
			fprintf(stderr, "utcp-replay: %s\n", err);
			return EXIT_USAGE;
		}
		if (n > 0 && !failed)
			snprintf(obs.why, sizeof(obs.why), "%d expectation%s of %s not met", n,
				 n == 1 ? "" : "s", base(c->expect));
		failed |= n > 0;
	}
	const char *name = base(c->trace);
	int nl = (int)strlen(name) - (strstr(name, ".pcap") ? 5 : 0);
	printf("%s replay %.*s side=%s pace=%s seed=%" PRIu64 " received=%" PRIu64
	       " sent=%" PRIu64 " end=%s state=%s virtual=%" PRIu64 "ms%s%s\n",
	       failed ? "FAIL" : "PASS", nl, name, c->o.side == REPLAY_CLIENT ? "client" : "server",
	       c->o.pace == REPLAY_PACE_TIME ? "time" : "react", c->o.seed,
	       num(&obs, "received_bytes"), num(&obs, "sent_bytes"), str(&obs, "end"),
	       str(&obs, "state"), num(&obs, "virtual_ms"), failed ? ": " : "",
	       failed ? obs.why : "");
	fflush(stdout);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct cli c;
	char err[600];
	int rc = parse_args(&c, argc, argv);
	if (rc != 0)
		return rc;
	/* The trace first: a missing pcap is the problem, not its .expect. */
	struct replay_trace *t = utcp_replay_trace_load(c.trace, err, sizeof(err));
	if (t == NULL) {
		fprintf(stderr, "utcp-replay: %s\n", err);
		return EXIT_USAGE;
	}
	if (c.expect && utcp_replay_expect_app(c.expect, c.o.side, &c.o.app_close_unread, err,
					       sizeof(err)) < 0) {
		fprintf(stderr, "utcp-replay: %s\n", err);
		utcp_replay_trace_free(t);
		return EXIT_USAGE;
	}
	uint64_t last = c.last_seed;
	if (c.plot != NULL && plot_begin(&c) < 0) {
		utcp_replay_trace_free(t);
		return 1;
	}
	for (; rc != EXIT_USAGE; c.o.seed++) {
		int r = run_one(&c, t);
		rc = r > rc ? r : rc;
		if (c.o.seed == last)
			break;
	}
	if (c.plot != NULL && plot_end(&c) < 0 && rc == 0)
		rc = 1;
	utcp_replay_trace_free(t);
	return rc;
}
