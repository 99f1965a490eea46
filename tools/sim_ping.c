/*
 * tools/sim_ping.c - utcp-sim scenario `ping`: A resolves B by ARP, then
 * sends ICMP echo requests at an interval; loss and RTTs in virtual time.
 * With --ip6, A resolves 2001:db8::2 by neighbour discovery (RFC 4861) and
 * sends ICMPv6 echo requests (RFC 4443 §4.1); A's ICMPv6 input is wrapped
 * (ping6_input) to see the replies before utcp_icmp6_input counts them.
 *
 * Call order: ping_run -> testbed_open -> ping_setup -> run_world (ping_step:
 * ping_arp, ping_send, drain) -> ping_judge -> testbed_close.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/net.h" /* utcp_arp_resolve / utcp_arp_lookup: the ARP phase */
#include "tools/sim_common.h"

struct ping_opts {
	uint64_t count;
	uint64_t size;
	utcp_time_t interval;
	utcp_time_t timeout;    /* wait for replies after the last request */
};

#define PING_MAX_PAYLOAD 1472 /* 1500 - IPv4 20 - ICMP 8 */
#define PING6_MAX_PAYLOAD 1452 /* 1500 - IPv6 40 - ICMPv6 8 */
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define PING_ARP_BOUND (10 * UTCP_NSEC_PER_SEC)

enum ping_phase { PING_ARP, PING_SEND, PING_DRAIN, PING_DONE };

struct ping_state {
	const struct ping_opts *po;
	struct testbed *tb;
	struct utcp_ctx *ctx;
	int quiet;
	enum ping_phase phase;
	uint32_t dst;
	int v6;                     /* --ip6: dst6, ICMPv6 */
	struct utcp_in6 dst6;
	const char *dst_name;       /* "10.0.0.2" or "2001:db8::2" */
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

static int ping_help(void)
{
	sim_usage(stdout);
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

/* A reply from B (from_b) to request seq: counted once, its RTT kept. */
static void ping_got(struct ping_state *s, int from_b, uint16_t id, uint16_t seq,
		     const uint8_t *payload, size_t len, utcp_time_t now)
{
	char b[32];
	if (id != s->id || !from_b || seq >= s->next_seq) {
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
		printf("%zu bytes from %s: icmp_seq=%u time=%s%s\n", len + 8, s->dst_name, seq,
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

static void ping_reply(void *arg, uint32_t src, uint16_t id, uint16_t seq, const uint8_t *payload,
		       size_t len, utcp_time_t now)
{
	struct ping_state *s = arg;
	ping_got(s, src == s->dst, id, seq, payload, len, now);
}

/* --ip6: the ping under way (A's ICMPv6 input has no argument to carry it). */
static struct ping_state *ping6_state;

/* A's ICMPv6 input: an echo reply (RFC 4443 §4.2) with a correct checksum
 * (§2.3) goes to ping_got, then everything to utcp_icmp6_input. */
static void ping6_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
			const struct utcp_ipv6_view *ip)
{
	struct ping_state *s = ping6_state;
	const uint8_t *d = pkt->data;
	if (s != NULL && pkt->len >= 8 && d[0] == ICMP6_ECHO_REPLY && d[1] == 0 &&
	    utcp_csum_fold(utcp_csum_partial(d, pkt->len, utcp_csum_pseudo6(
		    &ip->src, &ip->dst, UTCP_IPPROTO_ICMPV6, pkt->len))) == 0)
		ping_got(s, memcmp(&ip->src, &s->dst6, sizeof(s->dst6)) == 0,
			 (uint16_t)(d[4] << 8 | d[5]), (uint16_t)(d[6] << 8 | d[7]), d + 8,
			 pkt->len - 8u, utcp_ctx_now(ctx));
	utcp_icmp6_input(ctx, port, pkt, ip);
}

/* An ICMPv6 echo request (RFC 4443 §4.1) to dst6; 0, or -1 with errno. */
static int ping6_send(struct ping_state *s, uint16_t seq, const uint8_t *payload, size_t len)
{
	struct utcp_pkt *pkt = utcp_ctx_alloc(s->ctx, 0);
	if (pkt == NULL) {
		errno = ENOBUFS;
		return -1;
	}
	uint8_t *h = pkt->data;
	h[0] = ICMP6_ECHO_REQUEST;
	h[1] = 0;
	h[2] = h[3] = 0;
	h[4] = (uint8_t)(s->id >> 8);
	h[5] = (uint8_t)s->id;
	h[6] = (uint8_t)(seq >> 8);
	h[7] = (uint8_t)seq;
	memcpy(h + 8, payload, len);
	pkt->len = (uint16_t)(8 + len);
	const struct utcp_in6 *src = utcp_addr6_source(s->ctx, 0, &s->dst6);
	if (src == NULL) {
		utcp_ctx_free(s->ctx, 0, pkt);
		errno = EADDRNOTAVAIL;
		return -1;
	}
	uint16_t sum = utcp_csum_fold(utcp_csum_partial(
		h, pkt->len, utcp_csum_pseudo6(src, &s->dst6, UTCP_IPPROTO_ICMPV6, pkt->len)));
	memcpy(h + 2, &sum, 2);
	return utcp_ipv6_output(s->ctx, 0, pkt, src, &s->dst6, UTCP_IPPROTO_ICMPV6, 0,
				UTCP_TX_CTRL);
}

/* B's link-layer address known: by ARP, or ND with --ip6; (re)started. */
static int ping_resolved(struct ping_state *s)
{
	if (s->v6) {
		const struct utcp_nd_entry *n = utcp_nd_lookup(s->ctx, &s->dst6);
		if (n == NULL)
			utcp_nd_resolve(s->ctx, 0, &s->dst6, NULL, UTCP_TX_CTRL);
		return n != NULL && n->state != UTCP_ND_INCOMPLETE;
	}
	const struct utcp_arp_entry_rt *e = utcp_arp_lookup(s->ctx, s->dst);
	if (e == NULL) /* first attempt, or the last one gave up */
		utcp_arp_resolve(s->ctx, 0, s->dst, NULL, UTCP_TX_CTRL);
	return e != NULL && e->state != UTCP_ARP_INCOMPLETE;
}

/* ARP (ND) phase: (re)start resolution until B's address is known. */
static void ping_arp(struct ping_state *s, utcp_time_t now)
{
	if (ping_resolved(s)) {
		s->phase = PING_SEND;
		s->next_send = now;
		return;
	}
	if (now >= s->deadline) {
		/* Heavy impairment: send anyway; the requests wait behind ARP in
		 * the stack, and a clean link fails the run by its missing replies. */
		if (!s->quiet)
			printf("%s: %s unresolved after %u s, sending anyway\n",
			       s->v6 ? "ND" : "ARP", s->dst_name,
			       (unsigned)(PING_ARP_BOUND / UTCP_NSEC_PER_SEC));
		s->phase = PING_SEND;
		s->next_send = now;
		return;
	}
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
		if ((s->v6 ? ping6_send(s, seq, s->payload, s->po->size)
			   : utcp_ping(s->ctx, s->dst, s->id, seq, s->payload, s->po->size)) < 0)
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
	printf("--- %s ping statistics ---\n", s->dst_name);
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
	s->v6 = tb->o->ip6;
	s->dst_name = s->v6 ? "2001:db8::2" : "10.0.0.2";
	struct in6_addr b;
	sim_host_in6(1, &b);
	memcpy(s->dst6.b, &b, 16);
	s->id = (uint16_t)utcp_sim_world_derive_seed(tb->w, "ping id", 0);
	s->sent_at = calloc(po->count, sizeof(*s->sent_at));
	s->got = calloc(po->count, 1);
	s->payload = malloc(po->size + 1);
	if (s->sent_at == NULL || s->got == NULL || s->payload == NULL)
		return -1;
	s->phase = PING_ARP;
	s->deadline = utcp_sim_world_now(tb->w) + PING_ARP_BOUND;
	utcp_ctx_set_echo_handler(s->ctx, ping_reply, s);
	if (s->v6) {
		ping6_state = s;
		utcp_ipv6_set_handler(s->ctx, UTCP_IPPROTO_ICMPV6, ping6_input);
	}
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
	if (o->ip6 && po->size > PING6_MAX_PAYLOAD) { /* 1500 - 40 - 8 */
		fail_at(v, "setup: --ip6: --size %" PRIu64 " exceeds %d bytes", po->size,
			PING6_MAX_PAYLOAD);
		return;
	}
	if (testbed_open(&tb, o, seed, err, sizeof(err)) < 0) {
		fail_at(v, "setup: %s", err);
	} else if (ping_setup(&s, &tb, po, o->quiet, v) < 0) {
		fail_at(v, "setup: out of memory");
	} else {
		if (!o->quiet) {
			print_link(o, seed);
			printf("PING %s from %s: %" PRIu64 " data bytes, %" PRIu64 " requests\n",
			       s.dst_name, o->ip6 ? "2001:db8::1" : "10.0.0.1", po->size,
			       po->count);
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
		if (s.v6)
			utcp_ipv6_set_handler(s.ctx, UTCP_IPPROTO_ICMPV6, utcp_icmp6_input);
		ping6_state = NULL;
	}
	testbed_close(&tb, v);
	free(s.sent_at);
	free(s.got);
	free(s.payload);
}

const struct scenario sim_scenario_ping = {
	.name = "ping",
	.summary = "A resolves B by ARP, then sends ICMP echo requests",
	.usage = "ping [-c|--count N (10, max 65535)] [-s|--size BYTES (56, max 1472)]\n"
		 "     [-i|--interval T (1ms)] [-W|--timeout T (1s): wait after the last "
		 "request]",
	.opts_size = sizeof(struct ping_opts),
	.defaults = ping_defaults,
	.parse = ping_parse,
	.ip6 = 1,
	.run = ping_run,
};
