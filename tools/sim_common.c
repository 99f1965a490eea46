/*
 * tools/sim_common.c - utcp-sim's shared parts: error reporting, value
 * parsers and formatters, and the testbed (two hosts, A 10.0.0.1 and B
 * 10.0.0.2, joined by one link).  See tools/sim_common.h for the call order.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h> /* isfinite: a macro, no libm */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tools/sim_common.h"

void usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("utcp-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see utcp-sim --help)\n", stderr);
}

/* Record the first reason a run fails. */
void fail_at(struct verdict *v, const char *fmt, ...)
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
const char *opt_name(const struct option *opts, int c)
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


/* ---- value parsers ------------------------------------------------------ */

/* "10ms", "500us", "1.5s", "100ns", "0". */
int parse_time(const char *s, utcp_time_t *out)
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
int parse_rate(const char *s, uint64_t *out)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { "tbit", 1e12 },
	};
	if (strcasecmp(s, "unlimited") == 0) {
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

/* "4M", "64k", "1000": a byte count (k, M, G are powers of 1024). */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const char sfx[] = "kMG";
	char *end;
	errno = 0;
	if (*s == '-' || *s == '\0')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (*end != '\0') {
		const char *p = strchr(sfx, *end);
		if (p == NULL || end[1] != '\0')
			return -1;
		for (int k = 0; k <= p - sfx; k++) {
			if (v > UINT64_MAX / 1024)
				return -1;
			v *= 1024;
		}
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "A-B" (A <= B) or a single seed. */
int parse_seeds(const char *s, uint64_t *first, uint64_t *last)
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
const char *fmt_dur(char *buf, size_t len, utcp_time_t ns)
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

const char *fmt_rate(char *buf, size_t len, uint64_t r)
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

int sim_ip6;

void sim_host_in6(int i, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0x20;
	a->s6_addr[1] = 0x01;
	a->s6_addr[2] = 0x0d;
	a->s6_addr[3] = 0xb8;
	a->s6_addr[15] = (uint8_t)(i + 1);
}

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
	if (o->ecn)
		cfg->tcp_ecn = 1; /* --ecn: ask for it (RFC 3168 §6.1.1) */
	cfg->tcp_mtu_probing = o->mtu_probing;
	if (o->ip6) { /* the link-local and global addresses, in use at once */
		struct in6_addr a;
		sim_host_in6((int)(ntohl(ip) & 0xff) - 1, &a);
		memcpy(cfg->ports[0].ip6.b, &a, 16);
		cfg->ports[0].prefix6 = 64;
		cfg->ip6_dad_transmits = 0;
	}
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
	if ((o->gro && utcp_sim_nic_set_offload(nic, 1) < 0) ||
	    ((o->tso || o->gro) && utcp_sim_nic_set_tso(nic, o->tso ? 65535 : 0, o->gro) < 0)) {
		snprintf(err, errlen, "host %s: --tso/--gro: %s", names[i], strerror(errno));
		return -1;
	}
	host_config(&cfg, o, tb->ip[i], utcp_sim_world_derive_seed(tb->w, "host", (uint64_t)i));
	if (o->sc != NULL && o->sc->config != NULL)
		o->sc->config(&cfg, i, o->sopts);
	if (utcp_config_finish(&cfg, msg, sizeof(msg)) < 0 ||
	    utcp_sim_host_open_stack(tb->host[i], &cfg, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "host %s: %.200s", names[i], msg);
		return -1;
	}
	return 0;
}

/* --trace: every context of both hosts writes its connections' sender
 * state to f (tools/plot.c), "A/0" for host A's context 0. */
static void testbed_trace(struct testbed *tb, FILE *f)
{
	for (int i = 0; i < 2; i++)
		for (int c = 0; c < utcp_sim_host_nb_ctx(tb->host[i]); c++) {
			struct trace_sink *s = &tb->sink[i][c];
			s->f = f;
			snprintf(s->who, sizeof(s->who), "%s/%d", utcp_sim_host_name(tb->host[i]), c);
			utcp_ctx_set_trace(utcp_sim_host_ctx(tb->host[i], c), trace_csv_line, s);
		}
}

int testbed_open(struct testbed *tb, const struct sim_opts *o, uint64_t seed, char *err,
			size_t errlen)
{
	memset(tb, 0, sizeof(*tb));
	tb->ip[0] = htonl(0x0a000001); /* 10.0.0.1 */
	tb->ip[1] = htonl(0x0a000002); /* 10.0.0.2 */
	tb->o = o;
	sim_ip6 = o->ip6;
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
	if (o->mtu_drop && utcp_sim_link_mtu_drop(tb->link, o->mtu_at, o->mtu, o->mtu_icmp) < 0) {
		snprintf(err, errlen, "path MTU: %s", strerror(errno));
		return -1;
	}
	if (o->flap && utcp_sim_link_flap(tb->link, o->flap_at, o->flap_at + o->flap_for) < 0) {
		snprintf(err, errlen, "link flap: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++)
		if (testbed_host(tb, o, i, err, errlen) < 0)
			return -1;
	if (o->trace_f != NULL)
		testbed_trace(tb, o->trace_f);
	return 0;
}

/* Teardown; leaked buffers make the run fail. */
void testbed_close(struct testbed *tb, struct verdict *v)
{
	if (tb->w == NULL)
		return;
	uint64_t leaked = utcp_sim_world_shutdown(tb->w, stderr);
	if (leaked > 0)
		fail_at(v, "%" PRIu64 " packet buffer%s leaked", leaked, leaked == 1 ? "" : "s");
	utcp_sim_world_destroy(tb->w);
	tb->w = NULL;
}

void print_drops(const struct utcp_stats *s)
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

void print_counters(const struct testbed *tb)
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
		if (sim_ip6)
			printf("; icmp6 echo req rx %" PRIu64 " rep tx/rx %" PRIu64 "/%" PRIu64,
			       s.icmp6_echo_req_rx, s.icmp6_echo_rep_tx, s.icmp6_echo_rep_rx);
		print_drops(&s);
	}
	for (int d = 0; d < 2; d++) {
		struct utcp_sim_link_stats ls;
		utcp_sim_link_get_stats(tb->link, d, &ls);
		printf("link %s: frames %" PRIu64 " delivered %" PRIu64 "; queue drops %" PRIu64
		       " (high water %u); lost %" PRIu64 " dup %" PRIu64 " corrupt %" PRIu64
		       " reordered %" PRIu64,
		       d == 0 ? "A->B" : "B->A", ls.tx_frames, ls.delivered, ls.queue_drops,
		       ls.queue_high_water, ls.lost, ls.duplicated, ls.corrupted, ls.reordered);
		if (ls.fcs_errors > 0)
			printf(" fcs-errors %" PRIu64, ls.fcs_errors);
		if (ls.ce_marked > 0)
			printf(" ce-marked %" PRIu64, ls.ce_marked);
		if (ls.down_drops > 0)
			printf(" link-down %" PRIu64, ls.down_drops);
		if (ls.mtu_drops > 0)
			printf(" mtu-drops %" PRIu64 " icmp-needfrag %" PRIu64, ls.mtu_drops,
			       ls.icmp_needfrag);
		printf("\n");
	}
}

void print_link(const struct sim_opts *o, uint64_t seed)
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
	if (p->burst_time > 0)
		printf(", burst-time %s", fmt_dur(j, sizeof(j), p->burst_time));
	if (p->corrupt_fcs > 0)
		printf(", corrupt %g", p->corrupt_fcs);
	if (p->ecn_mark > 0)
		printf(", ecn-mark %g", p->ecn_mark);
	if (o->ecn)
		printf(", ecn");
	if (p->fault.corrupt > 0)
		printf(", corrupt-undetected %g", p->fault.corrupt);
	if (p->fault.jitter > 0)
		printf(", jitter %s", fmt_dur(j, sizeof(j), p->fault.jitter));
	if (o->flap) {
		printf(", down at %s", fmt_dur(j, sizeof(j), o->flap_at));
		printf(" for %s", fmt_dur(j, sizeof(j), o->flap_for));
	}
	if (o->mac_change)
		printf(", B's MAC changes at %s", fmt_dur(j, sizeof(j), o->mac_change_at));
	if (o->mtu_drop)
		printf(", path MTU %u from %s (%s)", o->mtu, fmt_dur(j, sizeof(j), o->mtu_at),
		       o->mtu_icmp ? "ICMP frag-needed" : "black hole, no ICMP");
	printf("\n");
}

/* Run the world until *done, within bound (virtual ns from now). */
static int done_pred(struct utcp_sim_world *w, void *arg)
{
	(void)w;
	return *(int *)arg;
}

void run_world(struct testbed *tb, int *done, utcp_time_t bound, struct verdict *v)
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
