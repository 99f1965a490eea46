/*
 * tools/sim_udp.c - utcp-sim scenario `udp`: datagrams between A and B
 * over the impaired link, every one checked, every loss accounted for.
 *
 *   stream: A sends --count datagrams to B at --interval; B reads them
 *           (at once, or every --read-interval, so that its receive
 *           buffer can overflow).
 *   rr:     A sends a request and waits for B's echo (or --timeout) before
 *           the next one; B echoes each datagram to where it came from.
 *   --ip6:  over IPv6 (A 2001:db8::1, B 2001:db8::2, static neighbours, no
 *           DAD): B's sockets dual-stack AF_INET6 ones, A's connected to
 *           [2001:db8::2]; datagrams up to 1452 octets.  IPv6 is not
 *           steered by RSS: with --cores N every context gets a copy, which
 *           only a connected socket takes (counted drop_udp_no_port
 *           otherwise, and balanced as such).
 *
 * Call order: utcp_sim: testbed_open (static ARP entries: the link carries
 * nothing but datagrams) -> udp_setup (B: a socket on the port in every
 * context; A: a socket connected to B, whose port RSS steers replies to
 * its context) -> run_world: A's and B's step callbacks send, read, echo
 * -> udp_judge: B's queues drained, then per direction the frame count
 * must balance exactly:
 *     sent + duplicated by the link = received + dropped by the link
 *                                     + dropped by the receive buffer
 * (over IPv6, less the ICMPv6 errors damaged frames drew, which the link
 * carried too)
 * where "dropped by the link" is every frame the link lost (loss, queue,
 * FCS, down) or damaged past the FCS so that the receiver's checks
 * dropped it, and "received" counts what the application read, copies
 * included.  A datagram whose length or any byte is wrong fails the run.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/hash.h"
#include "tools/sim_common.h"

#define UDP_PORT 7000
#define UDP_MAX_PAYLOAD 1472
#define UDP6_MAX_PAYLOAD 1452 /* 1500 - 40 - 8 */
#define UDP_HDR 6 /* our own: seq (4), length (2) */

enum udp_mode { MODE_STREAM, MODE_RR };

struct udp_opts {
	int mode;
	uint64_t count;
	uint64_t size;               /* largest datagram; each is size/2..size */
	utcp_time_t interval;        /* stream: between datagrams */
	utcp_time_t read_interval;   /* stream: B reads this often (0: at once) */
	utcp_time_t timeout;         /* rr: per request; both: after the last one */
	uint64_t rcvbuf;             /* SO_RCVBUF of B's sockets (0: the config's) */
	int ip6;                     /* --ip6 */
};

/* One direction's application counts. */
struct udp_dir {
	uint64_t sent, send_errors;  /* datagrams handed to the stack, refused */
	uint64_t read, dups;         /* datagrams read (copies included), copies */
	uint8_t *got;                /* per seq: read once */
};

struct udp_state {
	const struct udp_opts *uo;
	struct testbed *tb;
	struct verdict *v;
	int a_sock;                  /* A, context 0 */
	int b_sock[UTCP_MAX_CORES];  /* B, one per context */
	int nb_b;
	uint64_t next_seq;
	utcp_time_t next_send, rr_deadline, next_read, end;
	int waiting;                 /* rr: a request is out */
	struct udp_dir dir[2];       /* 0: A -> B (requests, stream), 1: B -> A (echoes) */
	uint8_t *buf;
	int done;
	uint32_t salt;
};

static void udp_defaults(void *p)
{
	struct udp_opts *uo = p;
	uo->mode = MODE_STREAM;
	uo->count = 1000;
	uo->size = 512;
	uo->interval = 10 * UTCP_NSEC_PER_USEC;
	uo->read_interval = 0;
	uo->timeout = 50 * UTCP_NSEC_PER_MSEC;
	uo->rcvbuf = 0;
	uo->ip6 = 0;
}

static int udp_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "read-interval", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "rcvbuf", required_argument, NULL, 'b' },
		{ "ip6", no_argument, NULL, '6' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct udp_opts *uo = p;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:c:s:i:r:W:b:6h", longopts, NULL)) != -1) {
		int bad = 0;
		const char *want = HINT_TIME;
		switch (c) {
		case 'h': sim_usage(stdout); exit(0);
		case '6': uo->ip6 = 1; break;
		case 'm':
			uo->mode = strcmp(optarg, "rr") == 0 ? MODE_RR : MODE_STREAM;
			bad = strcmp(optarg, "rr") != 0 && strcmp(optarg, "stream") != 0;
			want = "stream or rr";
			break;
		case 'c': bad = parse_u64(optarg, 1, 1000000, &uo->count); want = "1 to 1000000"; break;
		case 's':
			bad = parse_u64(optarg, 2 * UDP_HDR, UDP_MAX_PAYLOAD, &uo->size);
			want = "12 to 1472 bytes";
			break;
		case 'i': bad = parse_time(optarg, &uo->interval); break;
		case 'r': bad = parse_time(optarg, &uo->read_interval); break;
		case 'W': bad = parse_time(optarg, &uo->timeout) || uo->timeout == 0; break;
		case 'b':
			bad = parse_size(optarg, 2048, 1 << 22, &uo->rcvbuf);
			want = "2048 to 4194304 bytes";
			break;
		case ':':
			usage_error("udp: %s needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			usage_error("udp: unknown option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (bad) {
			usage_error("udp: bad value '%s' for %s: want %s", optarg,
				    opt_name(longopts, c), want);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_error("udp: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (uo->ip6 && uo->size > UDP6_MAX_PAYLOAD) {
		usage_error("udp: --size %" PRIu64 " with --ip6: want at most %d bytes", uo->size,
			    UDP6_MAX_PAYLOAD);
		return EXIT_USAGE;
	}
	return 0;
}

/* A's (0) or B's (1) IPv6 address, 2001:db8::1 / ::2. */
static struct utcp_in6 udp_in6(int host)
{
	struct utcp_in6 a = { { 0x20, 0x01, 0x0d, 0xb8 } };
	a.b[15] = (uint8_t)(host + 1);
	return a;
}

/* Static ARP (and neighbour entries) both ways, no DAD: the link carries
 * datagrams and nothing else, so its counters account for them alone. */
static void udp_config(struct utcp_config *cfg, int host, const void *sopts)
{
	const struct udp_opts *uo = sopts;
	struct utcp_arp_entry *e = &cfg->arp[cfg->nb_arp++];
	e->ip = htonl(host == 0 ? 0x0a000002 : 0x0a000001);
	e->prefix = 32;
	/* The sim NICs' MACs: locally administered, from the NIC's index. */
	static const uint8_t mac[2][6] = { { 0x02, 0, 0, 0, 0, 1 }, { 0x02, 0, 0, 0, 0, 2 } };
	memcpy(e->mac, mac[host == 0 ? 1 : 0], 6);
	memcpy(cfg->ports[0].mac, mac[host], 6);
	cfg->ports[0].has_mac = 1;
	if (!uo->ip6)
		return;
	cfg->ports[0].ip6 = udp_in6(host);
	cfg->ports[0].prefix6 = 64;
	cfg->ip6_dad_transmits = 0;
	struct utcp_neigh6_entry *n = &cfg->neigh6[cfg->nb_neigh6++];
	n->ip6 = udp_in6(1 - host);
	n->port = 0;
	memcpy(n->mac, mac[1 - host], 6);
}

static uint32_t dgram_len(const struct udp_state *s, uint64_t seq)
{
	uint32_t max = (uint32_t)s->uo->size, min = max / 2 > 2 * UDP_HDR ? max / 2 : 2 * UDP_HDR;
	return min + (uint32_t)(utcp_fmix64(seq ^ s->salt) % (max - min + 1));
}

static void dgram_fill(const struct udp_state *s, uint64_t seq, uint8_t *b, uint32_t len)
{
	b[0] = (uint8_t)(seq >> 24);
	b[1] = (uint8_t)(seq >> 16);
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(len >> 8);
	b[5] = (uint8_t)len;
	for (uint32_t k = UDP_HDR; k < len; k++)
		b[k] = (uint8_t)(seq * 131u + k * 7u + s->salt);
}

/* A datagram read in direction d: its seq, length and every byte. */
static void dgram_check(struct udp_state *s, int d, const uint8_t *b, ssize_t n)
{
	struct udp_dir *dir = &s->dir[d];
	uint64_t seq = n >= UDP_HDR ? (uint64_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : 0;
	dir->read++;
	if (n < 2 * UDP_HDR || seq >= s->uo->count || (uint32_t)n != dgram_len(s, seq)) {
		fail_at(s->v, "%s: a datagram of %zd bytes that was never sent",
			d ? "B -> A" : "A -> B", n);
		return;
	}
	dgram_fill(s, seq, s->buf + 2048, (uint32_t)n);
	if (memcmp(b, s->buf + 2048, (size_t)n) != 0) {
		fail_at(s->v, "%s: datagram %" PRIu64 " corrupt", d ? "B -> A" : "A -> B", seq);
		return;
	}
	if (dir->got[seq])
		dir->dups++;
	dir->got[seq] = 1;
}

/* B: read everything queued in every context; rr: echo it back. */
static void udp_b_read(struct udp_state *s)
{
	for (int c = 0; c < s->nb_b; c++) {
		struct utcp_ctx *ctx = utcp_sim_host_ctx(s->tb->host[1], c);
		struct sockaddr_storage from;
		socklen_t fl;
		ssize_t n;
		while ((fl = sizeof(from),
			n = utcp_recvfrom(ctx, s->b_sock[c], s->buf, 2048, 0,
					  (struct sockaddr *)&from, &fl)) >= 0) {
			dgram_check(s, 0, s->buf, n);
			if (s->uo->mode != MODE_RR)
				continue;
			if (utcp_sendto(ctx, s->b_sock[c], s->buf, (size_t)n, 0,
					(struct sockaddr *)&from, fl) == n)
				s->dir[1].sent++;
			else
				s->dir[1].send_errors++;
		}
		if (errno != EAGAIN)
			fail_at(s->v, "B: recvfrom: %s", strerror(errno));
	}
}

static void udp_b_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	struct udp_state *s = arg;
	if (s->uo->read_interval == 0) {
		udp_b_read(s);
		return;
	}
	if (now >= s->next_read) {
		udp_b_read(s);
		s->next_read = now + s->uo->read_interval;
	}
	utcp_sim_host_wake_at(h, s->next_read);
}

static void udp_send_one(struct udp_state *s, struct utcp_ctx *ctx)
{
	uint64_t seq = s->next_seq++;
	uint32_t len = dgram_len(s, seq);
	dgram_fill(s, seq, s->buf, len);
	if (utcp_send(ctx, s->a_sock, s->buf, len, 0) == (ssize_t)len)
		s->dir[0].sent++;
	else
		s->dir[0].send_errors++;
}

/* A: stream at the interval, or one request at a time. */
static void udp_a_step(struct utcp_sim_host *h, void *arg, utcp_time_t now)
{
	struct udp_state *s = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(h, 0);
	ssize_t n;
	while ((n = utcp_recv(ctx, s->a_sock, s->buf, 2048, 0)) >= 0) {
		dgram_check(s, 1, s->buf, n);
		if (s->waiting && n >= UDP_HDR &&
		    ((uint64_t)s->buf[0] << 24 | s->buf[1] << 16 | s->buf[2] << 8 | s->buf[3]) ==
			    s->next_seq - 1)
			s->waiting = 0;
	}
	if (s->uo->mode == MODE_RR) {
		if (s->waiting && now >= s->rr_deadline)
			s->waiting = 0; /* lost: on to the next */
		if (!s->waiting && s->next_seq < s->uo->count) {
			udp_send_one(s, ctx);
			s->waiting = 1;
			s->rr_deadline = now + s->uo->timeout;
		}
		if (s->waiting)
			utcp_sim_host_wake_at(h, s->rr_deadline);
	} else {
		while (s->next_seq < s->uo->count && now >= s->next_send) {
			udp_send_one(s, ctx);
			s->next_send += s->uo->interval;
		}
		if (s->next_seq < s->uo->count)
			utcp_sim_host_wake_at(h, s->next_send);
	}
	if (s->next_seq == s->uo->count && !s->waiting) {
		if (s->end == 0)
			s->end = now + s->uo->timeout; /* whatever is in flight lands */
		if (now >= s->end)
			s->done = 1;
		else
			utcp_sim_host_wake_at(h, s->end);
	}
}

static int udp_open(struct utcp_ctx *ctx, int domain, uint16_t port, uint64_t rcvbuf)
{
	int fd = utcp_socket(ctx, domain, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	/* the port at the same offset in sockaddr_in and sockaddr_in6; any */
	struct sockaddr_in6 a = { .sin6_family = (sa_family_t)domain, .sin6_port = htons(port) };
	socklen_t al = domain == AF_INET6 ? sizeof(a) : sizeof(struct sockaddr_in);
	int rb = (int)rcvbuf;
	if (fd < 0 || (port && utcp_bind(ctx, fd, (struct sockaddr *)&a, al) < 0) ||
	    (rcvbuf && utcp_setsockopt(ctx, fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb)) < 0))
		return -1;
	return fd;
}

static int udp_setup(struct udp_state *s, struct testbed *tb, const struct udp_opts *uo,
		     struct verdict *v)
{
	memset(s, 0, sizeof(*s));
	s->uo = uo;
	s->tb = tb;
	s->v = v;
	s->salt = (uint32_t)utcp_sim_world_derive_seed(tb->w, "udp salt", 0);
	s->buf = malloc(4096);
	for (int d = 0; d < 2; d++)
		s->dir[d].got = calloc(uo->count, 1);
	if (s->buf == NULL || s->dir[0].got == NULL || s->dir[1].got == NULL)
		return -1;
	s->nb_b = utcp_sim_host_nb_ctx(tb->host[1]);
	int domain = uo->ip6 ? AF_INET6 : AF_INET;
	for (int c = 0; c < s->nb_b; c++)
		if ((s->b_sock[c] = udp_open(utcp_sim_host_ctx(tb->host[1], c), domain, UDP_PORT,
					     uo->rcvbuf)) < 0)
			return -1;
	struct utcp_ctx *a = utcp_sim_host_ctx(tb->host[0], 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(UDP_PORT),
				  .sin_addr.s_addr = tb->ip[1] };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_port = htons(UDP_PORT) };
	struct utcp_in6 b6 = udp_in6(1);
	memcpy(&to6.sin6_addr, b6.b, 16);
	if ((s->a_sock = udp_open(a, domain, 0, 0)) < 0 ||
	    (uo->ip6 ? utcp_connect(a, s->a_sock, (struct sockaddr *)&to6, sizeof(to6))
		     : utcp_connect(a, s->a_sock, (struct sockaddr *)&to, sizeof(to))) < 0)
		return -1;
	utcp_time_t now = utcp_sim_world_now(tb->w);
	s->next_send = s->next_read = now;
	utcp_sim_host_set_step(tb->host[0], udp_a_step, s);
	utcp_sim_host_set_step(tb->host[1], udp_b_step, s);
	utcp_sim_host_wake_at(tb->host[0], now);
	return 0;
}

/* The frame count of direction d (sender host d) must balance. */
static void udp_balance(struct udp_state *s, int d, struct verdict *v, char *line, size_t len)
{
	struct utcp_stats snd, rcv;
	struct utcp_sim_link_stats ls;
	utcp_sim_host_stats(s->tb->host[d], &snd);
	utcp_sim_host_stats(s->tb->host[1 - d], &rcv);
	utcp_sim_link_get_stats(s->tb->link, d, &ls);
	const struct udp_dir *dir = &s->dir[d];
	const char *name = d ? "B -> A" : "A -> B";
	if (snd.udp_tx != dir->sent || snd.tx_frames != ls.tx_frames + snd.tx_full)
		fail_at(v, "%s: %" PRIu64 " datagrams sent, %" PRIu64 " counted, %" PRIu64
			" frames on the link", name, dir->sent, snd.udp_tx, ls.tx_frames);
	/* IPv6 has no header checksum: a Next Header damaged past the FCS
	 * draws an ICMPv6 parameter problem, a frame on the link that is no
	 * datagram.  The receiver drops it (counted) or, quoting something
	 * that parses as our UDP, gives its socket the error (accepted). */
	uint64_t extra_tx = snd.icmp6_err_tx, accepted = rcv.udp_icmp_errors;
	if (rcv.rx_frames != rcv.udp_rx_delivered + utcp_stats_drops(&rcv) + accepted ||
	    rcv.udp_rx_delivered != dir->read)
		fail_at(v, "%s: %" PRIu64 " frames in, %" PRIu64 " queued, %" PRIu64 " read",
			name, rcv.rx_frames, rcv.udp_rx_delivered, dir->read);
	uint64_t by_buffer = rcv.drop_udp_rcvbuf;
	uint64_t by_link = ls.tx_frames + ls.duplicated + snd.tx_full - rcv.rx_frames +
			   (utcp_stats_drops(&rcv) - by_buffer) - (extra_tx - accepted);
	if (dir->sent + ls.duplicated != dir->read + by_link + by_buffer)
		fail_at(v, "%s: sent %" PRIu64 " + duplicated %" PRIu64 " != received %" PRIu64
			" + dropped by link %" PRIu64 " + by buffer %" PRIu64, name, dir->sent,
			ls.duplicated, dir->read, by_link, by_buffer);
	if (dir->dups > 0 && ls.duplicated == 0)
		fail_at(v, "%s: %" PRIu64 " copies read, none made by the link", name, dir->dups);
	/* No datagram for a closed port (over IPv6 with several contexts, the
	 * copies the others get are counted there as no socket). */
	if (rcv.icmp_unreach_tx != 0 ||
	    (utcp_sim_host_nb_ctx(s->tb->host[1 - d]) == 1 && rcv.drop_udp_no_port != 0))
		fail_at(v, "%s: %" PRIu64 " port unreachable sent, %" PRIu64 " for no socket", name,
			rcv.icmp_unreach_tx, rcv.drop_udp_no_port);
	snprintf(line, len, "%s sent=%" PRIu64 " received=%" PRIu64 " dup=%" PRIu64
		 " link_drops=%" PRIu64 " buf_drops=%" PRIu64, d ? " back" : "", dir->sent,
		 dir->read, ls.duplicated, by_link, by_buffer);
}

static void udp_judge(struct udp_state *s, const struct sim_opts *o, struct verdict *v)
{
	char l0[160], l1[160] = "";
	udp_b_read(s); /* what B's application had not read yet */
	udp_balance(s, 0, v, l0, sizeof(l0));
	if (s->uo->mode == MODE_RR)
		udp_balance(s, 1, v, l1, sizeof(l1));
	struct utcp_sim_link_stats ls;
	utcp_sim_link_get_stats(s->tb->link, 0, &ls);
	int clean = !o->impaired && ls.queue_drops == 0 && s->uo->read_interval == 0;
	if (clean && (s->dir[0].read != s->uo->count ||
		      (s->uo->mode == MODE_RR && s->dir[1].read != s->uo->count)))
		fail_at(v, "datagrams missing on a clean link");
	snprintf(v->summary, sizeof(v->summary), "%s%s", l0, l1);
}

static void udp_run(const struct sim_opts *o, const void *sopts, uint64_t seed, struct verdict *v)
{
	const struct udp_opts *uo = sopts;
	struct testbed tb;
	struct udp_state s;
	char err[256];

	memset(&s, 0, sizeof(s));
	if (testbed_open(&tb, o, seed, err, sizeof(err)) < 0) {
		fail_at(v, "setup: %s", err);
	} else if (udp_setup(&s, &tb, uo, v) < 0) {
		fail_at(v, "setup: %s", strerror(errno));
	} else {
		if (!o->quiet) {
			print_link(o, seed);
			printf("UDP %s %s: %" PRIu64 " datagrams of %" PRIu64 "..%" PRIu64
			       " bytes\n", uo->mode == MODE_RR ? "rr" : "stream",
			       uo->ip6 ? "2001:db8::1 -> [2001:db8::2]:7000"
				       : "10.0.0.1 -> 10.0.0.2:7000",
			       uo->count, uo->size / 2, uo->size);
		}
		utcp_time_t per = uo->mode == MODE_RR ? uo->timeout : uo->interval;
		utcp_time_t bound = uo->count * (per + uo->read_interval) + 2 * uo->timeout +
				    10 * UTCP_NSEC_PER_SEC;
		run_world(&tb, &s.done, bound, v);
		udp_judge(&s, o, v);
		if (!o->quiet)
			print_counters(&tb);
	}
	testbed_close(&tb, v);
	free(s.buf);
	free(s.dir[0].got);
	free(s.dir[1].got);
}

const struct scenario sim_scenario_udp = {
	.name = "udp",
	.summary = "datagrams A -> B (stream) or A <-> B (rr), every byte and loss accounted",
	.usage = "udp [-m|--mode stream|rr] [-c|--count N (1000)] [-s|--size BYTES (512,\n"
		 "     12..1472; each datagram size/2..size)] [-i|--interval T (10us)]\n"
		 "     [-r|--read-interval T (0: B reads at once)] [-W|--timeout T (50ms)]\n"
		 "     [-b|--rcvbuf BYTES (B's SO_RCVBUF)] [-6|--ip6 (over IPv6; size <= 1452)]",
	.opts_size = sizeof(struct udp_opts),
	.defaults = udp_defaults,
	.parse = udp_parse,
	.config = udp_config,
	.run = udp_run,
};
