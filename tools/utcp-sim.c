/*
 * tools/utcp-sim.c - run a scenario on the deterministic simulator.
 *
 *   utcp-sim [--seed N | --seeds A-B] [--pcap FILE] [-q] [--cores N]
 *            [link options] SCENARIO [scenario options]
 *
 * Call order: parse the global options (up to the scenario name) -> find
 * the scenario in the table -> its parse() reads the rest -> for each seed:
 * build a testbed (world, one link, hosts A 10.0.0.1 and B 10.0.0.2 with
 * configs built in code, io = sim) -> the scenario's run() drives the
 * world and decides -> testbed teardown counts leaked buffers -> a verdict
 * line "PASS|FAIL <scenario> seed=N ...".  Exit status: 0 every run passed,
 * 1 a run failed, 2 bad usage.
 *
 * A scenario is a table entry (name, options struct, parse, run); the TCP
 * scenarios plug in the same way and share the testbed and the link options.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h> /* isfinite: a macro, no libm */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utcp/utcp.h>

#include "core/net/net.h" /* utcp_arp_resolve / utcp_arp_lookup: the ARP phase */
#include "nic/sim/sim.h"

#define EXIT_USAGE 2
#define PKT_BUFS 2048 /* packet buffers per queue in the testbed */

/* ---- options shared by every scenario ----------------------------------- */

struct sim_opts {
	uint64_t seed_first, seed_last;
	int sweep;                       /* --seeds given */
	const char *pcap;
	int quiet;
	int cores;
	struct utcp_sim_link_params link;
	int impaired;                    /* any impairment given */
};

struct verdict {
	int pass;
	char summary[160];               /* "sent=10 received=9 loss=10.0%" */
	char reason[160];                /* why it failed */
};

struct testbed {
	struct utcp_sim_world *w;
	struct utcp_sim_link *link;
	struct utcp_sim_host *host[2];
	uint32_t ip[2];
};

struct scenario {
	const char *name;
	const char *summary;
	const char *usage;
	size_t opts_size;
	void (*defaults)(void *sopts);
	/* 0, or EXIT_USAGE after printing the problem */
	int (*parse)(int argc, char **argv, void *sopts);
	void (*run)(const struct sim_opts *o, const void *sopts, uint64_t seed, struct verdict *v);
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("utcp-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see utcp-sim --help)\n", stderr);
}

static void fail_at(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first reason a run fails. */
static void fail_at(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	if (!v->pass)
		return;
	v->pass = 0;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/* "--name" of the long option whose value is c. */
static const char *opt_name(const struct option *opts, int c)
{
	static char buf[40];
	for (; opts->name != NULL; opts++) {
		if (opts->val == c) {
			snprintf(buf, sizeof(buf), "--%s", opts->name);
			return buf;
		}
	}
	return "option";
}

#define HINT_TIME "a duration with a unit: 500us, 10ms, 1.5s"
#define HINT_PROB "a probability: 0.1 or 10%"

/* ---- value parsers ------------------------------------------------------ */

/* "10ms", "500us", "1.5s", "100ns", "0". */
static int parse_time(const char *s, utcp_time_t *out)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0 || !isfinite(v))
		return -1;
	if (*end == '\0') {
		if (v != 0)
			return -1; /* a unit is required */
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].unit) == 0 && v * units[i].ns < 1e19) {
			*out = (utcp_time_t)(v * units[i].ns + 0.5);
			return 0;
		}
	}
	return -1;
}

/* "100mbit", "1gbit", "10gbit", "64kbit", "1000000bit"; "0" or "unlimited":
 * no serialization delay. */
static int parse_rate(const char *s, uint64_t *out)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { "tbit", 1e12 },
	};
	if (strcasecmp(s, "unlimited") == 0 || strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno != 0 || v <= 0 || !isfinite(v))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].unit) == 0 && v * units[i].mult >= 1 &&
		    v * units[i].mult < 1e18) {
			*out = (uint64_t)(v * units[i].mult + 0.5);
			return 0;
		}
	}
	return -1;
}

/* "0.1" or "10%", in [0, 1]. */
static int parse_prob(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v))
		return -1;
	if (strcmp(end, "%") == 0)
		v /= 100.0;
	else if (*end != '\0')
		return -1;
	if (v < 0 || v > 1)
		return -1;
	*out = v;
	return 0;
}

/* A plain number >= min. */
static int parse_double_min(const char *s, double min, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < min)
		return -1;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s == '-' || *s == '\0')
		return -1;
	unsigned long long v = strtoull(s, &end, 0);
	if (*end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "A-B" (A <= B) or a single seed. */
static int parse_seeds(const char *s, uint64_t *first, uint64_t *last)
{
	char buf[64];
	const char *dash = strchr(s, '-');
	if (dash == NULL)
		return parse_u64(s, 0, UINT64_MAX, first) == 0 ? (*last = *first, 0) : -1;
	if ((size_t)(dash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (parse_u64(buf, 0, UINT64_MAX, first) < 0 ||
	    parse_u64(dash + 1, 0, UINT64_MAX, last) < 0 || *last < *first)
		return -1;
	return 0;
}

/* "1.568 us": a duration in the unit that fits it. */
static const char *fmt_dur(char *buf, size_t len, utcp_time_t ns)
{
	if (ns < UTCP_NSEC_PER_USEC)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < UTCP_NSEC_PER_MSEC)
		snprintf(buf, len, "%.3f us", (double)ns / 1e3);
	else if (ns < UTCP_NSEC_PER_SEC)
		snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	return buf;
}

static const char *fmt_rate(char *buf, size_t len, uint64_t r)
{
	if (r == 0)
		snprintf(buf, len, "unlimited");
	else if (r % 1000000000 == 0)
		snprintf(buf, len, "%" PRIu64 "gbit", r / 1000000000);
	else if (r % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64 "mbit", r / 1000000);
	else if (r % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "kbit", r / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "bit", r);
	return buf;
}

/* ---- the testbed: two hosts on one link ---------------------------------- */

static void host_config(struct utcp_config *cfg, const struct sim_opts *o, uint32_t ip,
			uint64_t seed)
{
	utcp_config_defaults(cfg);
	snprintf(cfg->io, sizeof(cfg->io), "sim");
	cfg->num_cores = o->cores;
	cfg->max_pkt_buffers = PKT_BUFS;
	cfg->seed = seed;
	cfg->has_seed = 1;
	cfg->nb_ports = 1;
	snprintf(cfg->ports[0].name, sizeof(cfg->ports[0].name), "sim0");
	cfg->ports[0].ip = ip;
	cfg->ports[0].prefix = 24;
}

static int testbed_host(struct testbed *tb, const struct sim_opts *o, int i, char *err,
			size_t errlen)
{
	static const char *const names[2] = { "A", "B" };
	struct utcp_config cfg;
	char msg[256];

	tb->host[i] = utcp_sim_host_create(tb->w, names[i]);
	if (tb->host[i] == NULL) {
		snprintf(err, errlen, "host %s: out of memory", names[i]);
		return -1;
	}
	struct utcp_nic *nic = utcp_sim_nic_create(tb->w, tb->host[i], "sim0",
						   (uint16_t)o->cores, PKT_BUFS, 0, NULL, err,
						   errlen);
	if (nic == NULL || utcp_sim_link_attach(tb->link, i, nic) < 0)
		return -1;
	host_config(&cfg, o, tb->ip[i], utcp_sim_world_derive_seed(tb->w, "host", (uint64_t)i));
	if (utcp_config_finish(&cfg, msg, sizeof(msg)) < 0 ||
	    utcp_sim_host_open_stack(tb->host[i], &cfg, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "host %s: %.200s", names[i], msg);
		return -1;
	}
	return 0;
}

static int testbed_open(struct testbed *tb, const struct sim_opts *o, uint64_t seed, char *err,
			size_t errlen)
{
	memset(tb, 0, sizeof(*tb));
	tb->ip[0] = htonl(0x0a000001); /* 10.0.0.1 */
	tb->ip[1] = htonl(0x0a000002); /* 10.0.0.2 */
	tb->w = utcp_sim_world_create(seed);
	if (tb->w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->pcap != NULL && utcp_sim_world_capture(tb->w, o->pcap, err, errlen) < 0)
		return -1;
	tb->link = utcp_sim_link_create(tb->w, &o->link, NULL);
	if (tb->link == NULL) {
		snprintf(err, errlen, "link: out of memory");
		return -1;
	}
	for (int i = 0; i < 2; i++)
		if (testbed_host(tb, o, i, err, errlen) < 0)
			return -1;
	return 0;
}

/* Teardown; leaked buffers make the run fail. */
static void testbed_close(struct testbed *tb, struct verdict *v)
{
	if (tb->w == NULL)
		return;
	uint64_t leaked = utcp_sim_world_shutdown(tb->w, stderr);
	if (leaked > 0)
		fail_at(v, "%" PRIu64 " packet buffer%s leaked", leaked, leaked == 1 ? "" : "s");
	utcp_sim_world_destroy(tb->w);
	tb->w = NULL;
}

static void print_drops(const struct utcp_stats *s)
{
	int first = 1;
	for (unsigned i = 0; i < UTCP_STATS_COUNT; i++) {
		uint64_t n = utcp_stats_get(s, i);
		if (n == 0 || strncmp(utcp_stats_names[i], "drop_", 5) != 0)
			continue;
		printf("%s%s=%" PRIu64, first ? " (" : " ", utcp_stats_names[i], n);
		first = 0;
	}
	printf("%s\n", first ? "" : ")");
}

static void print_counters(const struct testbed *tb)
{
	char ip[INET_ADDRSTRLEN];
	for (int i = 0; i < 2; i++) {
		struct utcp_stats s;
		utcp_sim_host_stats(tb->host[i], &s);
		inet_ntop(AF_INET, &tb->ip[i], ip, sizeof(ip));
		printf("host %s %s: frames rx %" PRIu64 " tx %" PRIu64 "; arp rx %" PRIu64
		       " req_tx %" PRIu64 " rep_tx %" PRIu64 "; icmp echo req tx/rx %" PRIu64
		       "/%" PRIu64 " rep tx/rx %" PRIu64 "/%" PRIu64 "; drops %" PRIu64,
		       utcp_sim_host_name(tb->host[i]), ip, s.rx_frames, s.tx_frames, s.arp_rx,
		       s.arp_req_tx, s.arp_rep_tx, s.icmp_echo_req_tx, s.icmp_echo_req_rx,
		       s.icmp_echo_rep_tx, s.icmp_echo_rep_rx, utcp_stats_drops(&s));
		print_drops(&s);
	}
	for (int d = 0; d < 2; d++) {
		struct utcp_sim_link_stats ls;
		utcp_sim_link_get_stats(tb->link, d, &ls);
		printf("link %s: frames %" PRIu64 " delivered %" PRIu64 "; queue drops %" PRIu64
		       " (high water %u); lost %" PRIu64 " dup %" PRIu64 " corrupt %" PRIu64
		       " reordered %" PRIu64 "\n",
		       d == 0 ? "A->B" : "B->A", ls.tx_frames, ls.delivered, ls.queue_drops,
		       ls.queue_high_water, ls.lost, ls.duplicated, ls.corrupted, ls.reordered);
	}
}

static void print_link(const struct sim_opts *o, uint64_t seed)
{
	const struct utcp_sim_link_params *p = &o->link;
	char d[32], r[32], j[32];
	printf("utcp-sim: seed=%" PRIu64 " link: delay %s, rate %s, queue %u", seed,
	       fmt_dur(d, sizeof(d), p->latency), fmt_rate(r, sizeof(r), p->rate), p->queue_frames);
	if (p->fault.loss > 0)
		printf(", loss %g", p->fault.loss);
	if (p->fault.burst_loss > 0)
		printf(", burst-loss %g (len %g)", p->fault.burst_loss, p->fault.burst_len);
	if (p->fault.reorder > 0)
		printf(", reorder %g", p->fault.reorder);
	if (p->fault.dup > 0)
		printf(", dup %g", p->fault.dup);
	if (p->fault.corrupt > 0)
		printf(", corrupt %g", p->fault.corrupt);
	if (p->fault.jitter > 0)
		printf(", jitter %s", fmt_dur(j, sizeof(j), p->fault.jitter));
	printf("\n");
}

/* Run the world until *done, within bound (virtual ns from now). */
static void run_world(struct testbed *tb, int *done, utcp_time_t bound, struct verdict *v);

static int done_pred(struct utcp_sim_world *w, void *arg)
{
	(void)w;
	return *(int *)arg;
}

static void run_world(struct testbed *tb, int *done, utcp_time_t bound, struct verdict *v)
{
	char b[32];
	utcp_time_t until = utcp_sim_world_now(tb->w) + bound;
	switch (utcp_sim_world_run_until(tb->w, done_pred, done, until)) {
	case UTCP_SIM_DONE:
		break;
	case UTCP_SIM_BOUND:
		fail_at(v, "did not finish within %s of virtual time",
			fmt_dur(b, sizeof(b), bound));
		break;
	case UTCP_SIM_IDLE:
		fail_at(v, "the world went idle at %s before the scenario finished",
			fmt_dur(b, sizeof(b), utcp_sim_world_now(tb->w)));
		break;
	case UTCP_SIM_ERROR:
		fail_at(v, "simulation stopped at %s: %s",
			fmt_dur(b, sizeof(b), utcp_sim_world_now(tb->w)),
			errno == ELOOP ? "livelock (no progress in virtual time)"
				       : strerror(errno));
		break;
	}
}

/* ---- scenario: ping --------------------------------------------------------- */

struct ping_opts {
	uint64_t count;
	uint64_t size;
	utcp_time_t interval;
	utcp_time_t timeout;    /* wait for replies after the last request */
};

#define PING_MAX_PAYLOAD 1472 /* 1500 - IPv4 20 - ICMP 8 */
#define PING_ARP_BOUND (10 * UTCP_NSEC_PER_SEC)

enum ping_phase { PING_ARP, PING_SEND, PING_DRAIN, PING_DONE };

struct ping_state {
	const struct ping_opts *po;
	struct testbed *tb;
	struct utcp_ctx *ctx;
	int quiet;
	enum ping_phase phase;
	uint32_t dst;
	uint16_t id;
	uint64_t next_seq;          /* requests sent so far */
	utcp_time_t next_send, deadline;
	utcp_time_t *sent_at;
	uint8_t *got;
	uint64_t received, dups, bad, send_errors;
	utcp_time_t rtt_min, rtt_max, rtt_sum;
	uint8_t *payload;           /* scratch */
	int done;
	struct verdict *v;
};

static void ping_defaults(void *p)
{
	struct ping_opts *po = p;
	po->count = 10;
	po->size = 56;
	po->interval = UTCP_NSEC_PER_MSEC;
	po->timeout = UTCP_NSEC_PER_SEC;
}

static void usage(FILE *f);

static int ping_help(void)
{
	usage(stdout);
	exit(0);
}

static int ping_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ping_opts *po = p;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:s:i:W:h", longopts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 'h': return ping_help();
		case 'c': bad = parse_u64(optarg, 1, 65535, &po->count); break;
		case 's': bad = parse_u64(optarg, 0, PING_MAX_PAYLOAD, &po->size); break;
		case 'i': bad = parse_time(optarg, &po->interval); break;
		case 'W': bad = parse_time(optarg, &po->timeout); break;
		case ':':
			usage_error("ping: %s needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			usage_error("ping: unknown option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (bad) {
			usage_error("ping: bad value '%s' for %s: want %s", optarg,
				    opt_name(longopts, c),
				    c == 'c'   ? "1 to 65535"
				    : c == 's' ? "0 to 1472 bytes"
					       : HINT_TIME);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_error("ping: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

/* The payload of request seq: a pattern a corrupted copy would not match. */
static void ping_fill(const struct ping_state *s, uint16_t seq, uint8_t *buf)
{
	for (uint64_t k = 0; k < s->po->size; k++)
		buf[k] = (uint8_t)(seq * 31u + k * 7u + s->id);
}

static void ping_reply(void *arg, uint32_t src, uint16_t id, uint16_t seq, const uint8_t *payload,
		       size_t len, utcp_time_t now)
{
	struct ping_state *s = arg;
	char b[32];
	if (id != s->id || src != s->dst || seq >= s->next_seq) {
		s->bad++;
		fail_at(s->v, "unexpected echo reply (id %u seq %u)", id, seq);
		return;
	}
	ping_fill(s, seq, s->payload);
	if (len != s->po->size || memcmp(payload, s->payload, len) != 0) {
		s->bad++;
		fail_at(s->v, "corrupt echo reply accepted (seq %u)", seq);
		return;
	}
	utcp_time_t rtt = now - s->sent_at[seq];
	if (!s->quiet)
		printf("%zu bytes from 10.0.0.2: icmp_seq=%u time=%s%s\n", len + 8, seq,
		       fmt_dur(b, sizeof(b), rtt), s->got[seq] ? " (DUP!)" : "");
	if (s->got[seq]) {
		s->dups++;
		return;
	}
	s->got[seq] = 1;
	s->received++;
	s->rtt_sum += rtt;
	if (s->received == 1 || rtt < s->rtt_min)
		s->rtt_min = rtt;
	if (rtt > s->rtt_max)
		s->rtt_max = rtt;
}

/* ARP phase: (re)start resolution until B's address is known. */
static void ping_arp(struct ping_state *s, utcp_time_t now)
{
	const struct utcp_arp_entry_rt *e = utcp_arp_lookup(s->ctx, s->dst);
	if (e != NULL && e->state != UTCP_ARP_INCOMPLETE) {
		s->phase = PING_SEND;
		s->next_send = now;
		return;
	}
	if (now >= s->deadline) {
		/* Heavy impairment: send anyway; the requests wait behind ARP in
		 * the stack, and a clean link fails the run by its missing replies. */
		if (!s->quiet)
			printf("ARP: 10.0.0.2 unresolved after %u s, sending anyway\n",
			       (unsigned)(PING_ARP_BOUND / UTCP_NSEC_PER_SEC));
		s->phase = PING_SEND;
		s->next_send = now;
		return;
	}
	if (e == NULL) /* first attempt, or the last one gave up */
		utcp_arp_resolve(s->ctx, 0, s->dst, NULL, UTCP_TX_CTRL);
	utcp_sim_host_wake_at(s->tb->host[0], now + UTCP_ARP_RETRY_NS);
}

static void ping_send(struct ping_state *s, utcp_time_t now)
{
	while (s->next_seq < s->po->count && now >= s->next_send) {
		uint16_t seq = (uint16_t)s->next_seq;
		ping_fill(s, seq, s->payload);
		s->sent_at[seq] = now;
		s->next_seq++;
		s->next_send += s->po->interval;
		if (utcp_ping(s->ctx, s->dst, s->id, seq, s->payload, s->po->size) < 0)
			s->send_errors++;
	}
	if (s->next_seq < s->po->count) {
		utcp_sim_host_wake_at(s->tb->host[0], s->next_send);
		return;
	}
	s->phase = PING_DRAIN;
	s->deadline = now + s->po->timeout;
}

static void ping_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	struct ping_state *s = arg;
	(void)h;
	if (s->phase == PING_ARP)
		ping_arp(s, now);
	if (s->phase == PING_SEND)
		ping_send(s, now);
	if (s->phase == PING_DRAIN) {
		if (s->received == s->po->count || now >= s->deadline)
			s->phase = PING_DONE;
		else
			utcp_sim_host_wake_at(h, s->deadline);
	}
	if (s->phase == PING_DONE)
		s->done = 1;
}

static void ping_summary(const struct ping_state *s, const struct ping_opts *po)
{
	char a[32], b[32], c[32];
	uint64_t sent = s->next_seq;
	double loss = sent ? 100.0 * (double)(sent - s->received) / (double)sent : 0.0;
	printf("--- 10.0.0.2 ping statistics ---\n");
	printf("%" PRIu64 " packets transmitted, %" PRIu64 " received", sent, s->received);
	if (s->dups)
		printf(", +%" PRIu64 " duplicates", s->dups);
	if (s->send_errors)
		printf(", %" PRIu64 " send errors", s->send_errors);
	printf(", %.1f%% packet loss, %" PRIu64 "-byte payloads\n", loss, po->size);
	if (s->received > 0)
		printf("rtt min/avg/max = %s / %s / %s (virtual time)\n",
		       fmt_dur(a, sizeof(a), s->rtt_min),
		       fmt_dur(b, sizeof(b), s->rtt_sum / s->received),
		       fmt_dur(c, sizeof(c), s->rtt_max));
}

/* With no impairment and no queue drops every request must be answered. */
static void ping_judge(const struct ping_state *s, const struct sim_opts *o, struct verdict *v)
{
	uint64_t sent = s->next_seq, qdrops = 0;
	for (int d = 0; d < 2; d++) {
		struct utcp_sim_link_stats ls;
		utcp_sim_link_get_stats(s->tb->link, d, &ls);
		qdrops += ls.queue_drops;
	}
	if (!o->impaired && qdrops == 0 && s->received < sent)
		fail_at(v, "%" PRIu64 " of %" PRIu64 " replies missing on a clean link",
			sent - s->received, sent);
	if (s->dups > 0 && o->link.fault.dup <= 0)
		fail_at(v, "%" PRIu64 " duplicate replies without --dup", s->dups);
	if (s->received > sent)
		fail_at(v, "more replies than requests");
	double loss = sent ? 100.0 * (double)(sent - s->received) / (double)sent : 0.0;
	snprintf(v->summary, sizeof(v->summary), "sent=%" PRIu64 " received=%" PRIu64
		 " loss=%.1f%%", sent, s->received, loss);
	if (s->dups > 0) {
		size_t n = strlen(v->summary);
		snprintf(v->summary + n, sizeof(v->summary) - n, " dup=%" PRIu64, s->dups);
	}
}

static int ping_setup(struct ping_state *s, struct testbed *tb, const struct ping_opts *po,
		      int quiet, struct verdict *v)
{
	memset(s, 0, sizeof(*s));
	s->po = po;
	s->tb = tb;
	s->v = v;
	s->quiet = quiet;
	s->ctx = utcp_sim_host_ctx(tb->host[0], 0);
	s->dst = tb->ip[1];
	s->id = (uint16_t)utcp_sim_world_derive_seed(tb->w, "ping id", 0);
	s->sent_at = calloc(po->count, sizeof(*s->sent_at));
	s->got = calloc(po->count, 1);
	s->payload = malloc(po->size + 1);
	if (s->sent_at == NULL || s->got == NULL || s->payload == NULL)
		return -1;
	s->phase = PING_ARP;
	s->deadline = utcp_sim_world_now(tb->w) + PING_ARP_BOUND;
	utcp_ctx_set_echo_handler(s->ctx, ping_reply, s);
	utcp_sim_host_set_step(tb->host[0], ping_step, s);
	utcp_sim_host_wake_at(tb->host[0], utcp_sim_world_now(tb->w));
	return 0;
}

static void ping_run(const struct sim_opts *o, const void *sopts, uint64_t seed, struct verdict *v)
{
	const struct ping_opts *po = sopts;
	struct testbed tb;
	struct ping_state s;
	char err[256];

	memset(&s, 0, sizeof(s));
	if (testbed_open(&tb, o, seed, err, sizeof(err)) < 0) {
		fail_at(v, "setup: %s", err);
	} else if (ping_setup(&s, &tb, po, o->quiet, v) < 0) {
		fail_at(v, "setup: out of memory");
	} else {
		if (!o->quiet) {
			print_link(o, seed);
			printf("PING 10.0.0.2 from 10.0.0.1: %" PRIu64 " data bytes, %" PRIu64
			       " requests\n", po->size, po->count);
		}
		utcp_time_t bound = PING_ARP_BOUND + po->count * po->interval + po->timeout +
				    UTCP_NSEC_PER_SEC;
		run_world(&tb, &s.done, bound, v);
		if (!o->quiet) {
			ping_summary(&s, po);
			print_counters(&tb);
		}
		ping_judge(&s, o, v);
		utcp_ctx_set_echo_handler(s.ctx, NULL, NULL);
	}
	testbed_close(&tb, v);
	free(s.sent_at);
	free(s.got);
	free(s.payload);
}

/* ---- the scenario table ------------------------------------------------------ */

static const struct scenario scenarios[] = {
	{
		.name = "ping",
		.summary = "A resolves B by ARP, then sends ICMP echo requests",
		.usage = "ping [-c|--count N (10, max 65535)] [-s|--size BYTES (56, max 1472)]\n"
			 "     [-i|--interval T (1ms)] [-W|--timeout T (1s): wait after the last "
			 "request]",
		.opts_size = sizeof(struct ping_opts),
		.defaults = ping_defaults,
		.parse = ping_parse,
		.run = ping_run,
	},
};
#define NB_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"usage: utcp-sim [global options] [link options] SCENARIO [scenario options]\n"
		"\n"
		"Runs SCENARIO between two simulated hosts, A (10.0.0.1/24) and B (10.0.0.2/24),\n"
		"joined by one link, in virtual time.  The same seed gives the same run, frame\n"
		"for frame.  The last line is the verdict: PASS|FAIL SCENARIO seed=N ...\n"
		"Exit status: 0 pass, 1 fail, 2 bad usage.\n"
		"\n"
		"global options:\n"
		"  --seed N          seed of the world (default 1)\n"
		"  --seeds A-B       run every seed from A to B (only verdict lines)\n"
		"  --pcap FILE       record every frame entering the link (pcap, ns timestamps)\n"
		"  --cores N         queues per NIC and contexts per host (default 1)\n"
		"  -q, --quiet       print the verdict line only\n"
		"  -h, --help        this text\n"
		"\n"
		"link options (both directions; each draws its own random stream):\n"
		"  --delay T         one-way latency, e.g. 10ms, 500us (default 0)\n"
		"  --rate R          bandwidth: 100mbit, 1gbit, 10gbit, unlimited (default 1gbit)\n"
		"  --queue N         drop-tail queue limit in frames (default 1000, 0: none)\n"
		"  --loss P          random loss probability (0.1 or 10%%)\n"
		"  --burst-loss P    probability a loss burst starts (Gilbert-Elliott)\n"
		"  --burst-len N     mean frames lost per burst (>= 1, default 1)\n"
		"  --reorder P       probability a frame is overtaken by the next one\n"
		"  --dup P           duplication probability\n"
		"  --corrupt P       probability one byte of a frame is flipped\n"
		"  --jitter T        uniform extra delay in [0, T)\n"
		"\n"
		"scenarios:\n");
	for (size_t i = 0; i < NB_SCENARIOS; i++)
		fprintf(f, "  %-8s %s\n    %s\n", scenarios[i].name, scenarios[i].summary,
			scenarios[i].usage);
	fprintf(f, "\nexample: utcp-sim --seed 7 --loss 0.1 --pcap a.pcap ping --count 20\n");
}

/* ---- global options -------------------------------------------------------- */

enum {
	OPT_SEED = 256, OPT_SEEDS, OPT_PCAP, OPT_CORES, OPT_DELAY, OPT_RATE, OPT_QUEUE,
	OPT_LOSS, OPT_BURST_LOSS, OPT_BURST_LEN, OPT_REORDER, OPT_DUP, OPT_CORRUPT, OPT_JITTER,
};

static int set_global(struct sim_opts *o, int c, const char *v)
{
	struct utcp_fault_params *f = &o->link.fault;
	uint64_t u;
	switch (c) {
	case OPT_SEED:
		if (parse_u64(v, 0, UINT64_MAX, &o->seed_first) < 0)
			return -1;
		o->seed_last = o->seed_first;
		o->sweep = 0;
		return 0;
	case OPT_SEEDS:
		if (parse_seeds(v, &o->seed_first, &o->seed_last) < 0)
			return -1;
		o->sweep = 1;
		return 0;
	case OPT_PCAP: o->pcap = v; return 0;
	case OPT_CORES:
		if (parse_u64(v, 1, UTCP_MAX_CORES, &u) < 0)
			return -1;
		o->cores = (int)u;
		return 0;
	case OPT_DELAY: return parse_time(v, &o->link.latency);
	case OPT_RATE: return parse_rate(v, &o->link.rate);
	case OPT_QUEUE:
		if (parse_u64(v, 0, UINT32_MAX, &u) < 0)
			return -1;
		o->link.queue_frames = (uint32_t)u;
		return 0;
	case OPT_LOSS: return parse_prob(v, &f->loss);
	case OPT_BURST_LOSS: return parse_prob(v, &f->burst_loss);
	case OPT_BURST_LEN: return parse_double_min(v, 1.0, &f->burst_len);
	case OPT_REORDER: return parse_prob(v, &f->reorder);
	case OPT_DUP: return parse_prob(v, &f->dup);
	case OPT_CORRUPT: return parse_prob(v, &f->corrupt);
	case OPT_JITTER: return parse_time(v, &f->jitter);
	}
	return -1;
}

static const char *global_hint(int c)
{
	switch (c) {
	case OPT_SEED: return "a number";
	case OPT_SEEDS: return "FIRST-LAST, e.g. 1-100";
	case OPT_CORES: return "1 to 16";
	case OPT_RATE: return "a rate: 100mbit, 1gbit, 10gbit, unlimited";
	case OPT_QUEUE: return "a number of frames (0: no limit)";
	case OPT_BURST_LEN: return "a number >= 1";
	case OPT_DELAY: case OPT_JITTER: return HINT_TIME;
	default: return HINT_PROB;
	}
}

static int parse_globals(int argc, char **argv, struct sim_opts *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "seeds", required_argument, NULL, OPT_SEEDS },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "cores", required_argument, NULL, OPT_CORES },
		{ "delay", required_argument, NULL, OPT_DELAY },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "queue", required_argument, NULL, OPT_QUEUE },
		{ "loss", required_argument, NULL, OPT_LOSS },
		{ "burst-loss", required_argument, NULL, OPT_BURST_LOSS },
		{ "burst-len", required_argument, NULL, OPT_BURST_LEN },
		{ "reorder", required_argument, NULL, OPT_REORDER },
		{ "dup", required_argument, NULL, OPT_DUP },
		{ "corrupt", required_argument, NULL, OPT_CORRUPT },
		{ "jitter", required_argument, NULL, OPT_JITTER },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qh", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == 'q') {
			o->quiet = 1;
			continue;
		}
		if (c == ':' || c == '?') {
			usage_error(c == ':' ? "%s needs a value" : "unknown option '%s'",
				    argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (set_global(o, c, optarg) < 0) {
			usage_error("bad value '%s' for %s: want %s", optarg, opt_name(longopts, c),
				    global_hint(c));
			return EXIT_USAGE;
		}
	}
	return 0;
}

static void opts_defaults(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed_first = o->seed_last = 1;
	o->cores = 1;
	utcp_sim_link_params_default(&o->link);
}

static int opts_check(struct sim_opts *o)
{
	const struct utcp_fault_params *f = &o->link.fault;
	if (o->sweep && o->pcap != NULL) {
		usage_error("--pcap records one run: use it with --seed, not --seeds");
		return EXIT_USAGE;
	}
	if (f->burst_loss > 0 && f->burst_len < 1.0) {
		usage_error("--burst-len must be at least 1");
		return EXIT_USAGE;
	}
	o->impaired = f->loss > 0 || f->burst_loss > 0 || f->reorder > 0 || f->dup > 0 ||
		      f->corrupt > 0 || f->jitter > 0;
	if (o->sweep)
		o->quiet = 1;
	return 0;
}

static const struct scenario *find_scenario(const char *name)
{
	for (size_t i = 0; i < NB_SCENARIOS; i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return &scenarios[i];
	return NULL;
}

/* One run: prints its verdict line; 1 if it passed. */
static int run_one(const struct scenario *sc, const struct sim_opts *o, const void *sopts,
		   uint64_t seed)
{
	struct verdict v = { .pass = 1 };
	sc->run(o, sopts, seed, &v);
	if (v.pass)
		printf("PASS %s seed=%" PRIu64 " %s\n", sc->name, seed, v.summary);
	else
		printf("FAIL %s seed=%" PRIu64 "%s%s (%s)\n", sc->name, seed,
		       v.summary[0] ? " " : "", v.summary, v.reason);
	fflush(stdout);
	return v.pass;
}

int main(int argc, char **argv)
{
	struct sim_opts o;
	opts_defaults(&o);
	int rc = parse_globals(argc, argv, &o);
	if (rc != 0 || (rc = opts_check(&o)) != 0)
		return rc;
	if (optind >= argc) {
		usage_error("no scenario given");
		return EXIT_USAGE;
	}
	const struct scenario *sc = find_scenario(argv[optind]);
	if (sc == NULL) {
		usage_error("unknown scenario '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	void *sopts = calloc(1, sc->opts_size);
	if (sopts == NULL)
		return 1;
	sc->defaults(sopts);
	if ((rc = sc->parse(argc - optind, argv + optind, sopts)) != 0) {
		free(sopts);
		return rc;
	}
	uint64_t passed = 0, runs = 0;
	for (uint64_t seed = o.seed_first;; seed++) {
		passed += (uint64_t)run_one(sc, &o, sopts, seed);
		runs++;
		if (seed == o.seed_last)
			break;
	}
	if (o.sweep)
		printf("%s %s seeds=%" PRIu64 "-%" PRIu64 ": %" PRIu64 " of %" PRIu64 " passed\n",
		       passed == runs ? "PASS" : "FAIL", sc->name, o.seed_first, o.seed_last,
		       passed, runs);
	free(sopts);
	return passed == runs ? 0 : 1;
}
