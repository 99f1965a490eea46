/*
 * sim/replay_trace.c - read a recorded TCP conversation from a pcap file.
 *
 * Call order: utcp_replay_trace_load -> (the replay engine reads the
 * struct) -> utcp_replay_trace_free.
 *
 * The connection is the one opened by the first SYN without ACK in the
 * file; its sender is the client.  Every frame is checked (link header, IPv4
 * version, lengths and header checksum, or IPv6 version and payload length
 * with no extension header before TCP; TCP header length and checksum): a
 * file that fails a check is refused with the frame number, since a replay
 * of damaged input would prove nothing.  Frames of other connections and
 * non-TCP frames are skipped.  Each side's byte stream is reassembled from
 * its ISN + 1, each byte once, up to the first hole.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire/wire.h"
#include "sim/replay.h"
#include "core/base/bytes.h"

#define MAX_STREAM (64u << 20)

struct loader {
	struct replay_trace *t;
	char *err;
	size_t errlen;
	int have_conn;
	utcp_time_t t0;
	size_t arena_used, arena_cap;
	int cap;
	uint32_t max_end[2];       /* highest stream offset seen per side */
};

static int fail(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct loader *l, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(l->err, l->errlen, "%s: ", l->t->path);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < l->errlen)
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int is_ip_type(uint16_t type)
{
	return type == 0x0800 || type == 0x86dd;
}

/* Offset of the IP header (IPv4 or IPv6) for the link type, or -1 if not IP. */
static int l3_offset(int dlt, const uint8_t *f, uint32_t len)
{
	switch (dlt) {
	case DLT_EN10MB:
		return len >= 14 && is_ip_type(rd16(f + 12)) ? 14 : -1;
	case DLT_LINUX_SLL:
		return len >= 16 && is_ip_type(rd16(f + 14)) ? 16 : -1;
	case DLT_RAW:
		return 0;
	default:
		return -1;
	}
}

/* Options of a SYN: window scale, timestamps, SACK permitted. */
static void syn_options(struct replay_trace *t, int side, const uint8_t *o, unsigned n)
{
	for (unsigned i = 0; i < n;) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			break;
		if (o[i] == 3 && o[i + 1] == 3) {
			t->has_wscale[side] = 1;
			t->wscale[side] = o[i + 2] > 14 ? 14 : o[i + 2];
		} else if (o[i] == 8 && o[i + 1] == 10) {
			t->has_ts[side] = 1;
		} else if (o[i] == 4) {
			t->has_sackok[side] = 1;
		}
		i += o[i + 1];
	}
}

static int add_seg(struct loader *l, const struct replay_seg *s, const uint8_t *payload)
{
	struct replay_trace *t = l->t;
	if (t->nseg == l->cap) {
		int ncap = l->cap ? l->cap * 2 : 256;
		struct replay_seg *p = realloc(t->seg, (size_t)ncap * sizeof(*p));
		if (p == NULL)
			return fail(l, "out of memory");
		t->seg = p;
		l->cap = ncap;
	}
	if (l->arena_used + s->len > l->arena_cap) {
		/* The arena is sized from the file before reading; cannot overflow. */
		return fail(l, "internal: payload arena full");
	}
	struct replay_seg *d = &t->seg[t->nseg++];
	*d = *s;
	memcpy(t->arena + l->arena_used, payload, s->len);
	d->payload = t->arena + l->arena_used;
	l->arena_used += s->len;
	return 0;
}

/* Which side sent (sip, sport); -1 if the frame is of another connection. */
static int side_of(const struct replay_trace *t, uint32_t sip, uint16_t sport, uint32_t dip,
		   uint16_t dport)
{
	for (int s = 0; s < 2; s++)
		if (sip == t->ip[s] && sport == t->port[s] && dip == t->ip[1 - s] &&
		    dport == t->port[1 - s])
			return s;
	return -1;
}

/* What the IP header says about a TCP segment (either family). */
struct ipinfo {
	const uint8_t *th;
	uint32_t tlen;
	uint32_t sip, dip;         /* IPv6: folds of src6, dst6 */
	uint32_t sum;              /* pseudo-header sum */
	uint8_t tos, df;
	uint16_t ip_id;
	const struct utcp_in6 *src6, *dst6; /* IPv6; NULL: IPv4 */
};

/* An IPv6 address folded to 32 bits (XOR of its words): enough to tell
 * the two ends of one recorded connection from other traffic. */
static uint32_t fold6(const struct utcp_in6 *a)
{
	uint32_t w[4];
	memcpy(w, a->b, 16);
	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

/* Parse one TCP segment. */
static int tcp_frame(struct loader *l, const struct ipinfo *in, utcp_time_t ts, uint32_t frame)
{
	struct replay_trace *t = l->t;
	const uint8_t *th = in->th;
	uint32_t tlen = in->tlen, sip = in->sip, dip = in->dip;
	if (tlen < 20 || (th[12] >> 4) * 4u < 20 || (th[12] >> 4) * 4u > tlen)
		return fail(l, "frame %u: malformed TCP header", frame);
	if (utcp_csum_fold(utcp_csum_partial(th, tlen, in->sum)) != 0)
		return fail(l, "frame %u: bad TCP checksum", frame);
	uint16_t sport, dport;
	memcpy(&sport, th, 2);
	memcpy(&dport, th + 2, 2);
	uint8_t flags = th[13] & 0x3f;
	if (!l->have_conn) {
		if ((flags & 0x12) != 0x02) {
			t->other_tcp++;
			return 0;
		}
		l->have_conn = 1;
		t->v6 = in->src6 != NULL;
		if (t->v6) {
			t->ip6[REPLAY_CLIENT] = *in->src6;
			t->ip6[REPLAY_SERVER] = *in->dst6;
		}
		t->ip[REPLAY_CLIENT] = sip;
		t->ip[REPLAY_SERVER] = dip;
		t->port[REPLAY_CLIENT] = sport;
		t->port[REPLAY_SERVER] = dport;
		l->t0 = ts;
	}
	int side = (in->src6 != NULL) == t->v6 ? side_of(t, sip, sport, dip, dport) : -1;
	if (side < 0) {
		t->other_tcp++;
		return 0;
	}
	unsigned doff = (th[12] >> 4) * 4u;
	struct replay_seg s = {
		.t = ts >= l->t0 ? ts - l->t0 : 0, .from = side, .seq = rd32(th + 4),
		.ack = rd32(th + 8), .flags = flags, .win = rd16(th + 14), .tos = in->tos,
		.df = in->df, .ip_id = in->ip_id, .optlen = (uint8_t)(doff - 20),
		.len = (uint16_t)(tlen - doff), .frame = frame,
	};
	memcpy(s.opt, th + 20, doff - 20);
	if ((flags & 0x02) && !t->has_syn[side]) {
		if (side == REPLAY_SERVER)
			t->rtt = s.t;
		t->has_syn[side] = 1;
		t->isn[side] = s.seq;
		syn_options(t, side, s.opt, s.optlen);
	}
	if (flags & 0x04)
		t->rst[side] = 1;
	return add_seg(l, &s, th + doff);
}

static int ip6_frame(struct loader *l, const uint8_t *ip, uint32_t caplen, utcp_time_t ts,
		     uint32_t frame);

/* Validate the IPv4 header of a frame; pass TCP on. */
static int ip_frame(struct loader *l, const uint8_t *ip, uint32_t caplen, utcp_time_t ts,
		    uint32_t frame)
{
	if (caplen >= 1 && (ip[0] >> 4) == 6)
		return ip6_frame(l, ip, caplen, ts, frame);
	if (caplen < 20 || (ip[0] >> 4) != 4)
		return 0; /* not IP: skipped */
	unsigned ihl = (ip[0] & 15u) * 4u;
	uint32_t tot = rd16(ip + 2);
	if (ihl < 20 || tot < ihl || tot > caplen)
		return fail(l, "frame %u: bad IPv4 lengths (header %u, total %u, captured %u)",
			    frame, ihl, tot, caplen);
	if (utcp_csum_fold(utcp_csum_partial(ip, ihl, 0)) != 0)
		return fail(l, "frame %u: bad IPv4 header checksum", frame);
	if (ip[9] != 6)
		return 0;
	if ((rd16(ip + 6) & 0x3fff) != 0)
		return fail(l, "frame %u: IPv4 fragment (not supported in traces)", frame);
	struct ipinfo in = { .th = ip + ihl, .tlen = tot - ihl, .tos = ip[1],
			     .df = (ip[6] & 0x40) != 0, .ip_id = rd16(ip + 4) };
	memcpy(&in.sip, ip + 12, 4);
	memcpy(&in.dip, ip + 16, 4);
	in.sum = utcp_csum_pseudo(in.sip, in.dip, 6, (uint16_t)in.tlen);
	return tcp_frame(l, &in, ts, frame);
}

/* Validate the IPv6 header of a frame (RFC 8200 §3); pass TCP on.  A TCP
 * segment behind extension headers is refused, as fragments are. */
static int ip6_frame(struct loader *l, const uint8_t *ip, uint32_t caplen, utcp_time_t ts,
		     uint32_t frame)
{
	struct utcp_in6 src, dst;
	if (caplen < 40)
		return fail(l, "frame %u: IPv6 header cut short (%u bytes)", frame, caplen);
	uint32_t plen = rd16(ip + 4);
	if (40 + plen > caplen)
		return fail(l, "frame %u: bad IPv6 payload length %u (captured %u)", frame, plen,
			    caplen);
	if (ip[6] != 6) {
		if (ip[6] == 0 || ip[6] == 43 || ip[6] == 44 || ip[6] == 60)
			return fail(l, "frame %u: IPv6 extension header %u (not supported in "
				    "traces)", frame, ip[6]);
		return 0;
	}
	memcpy(src.b, ip + 8, 16);
	memcpy(dst.b, ip + 24, 16);
	struct ipinfo in = { .th = ip + 40, .tlen = plen, .sip = fold6(&src), .dip = fold6(&dst),
			     .sum = utcp_csum_pseudo6(&src, &dst, 6, plen),
			     .tos = (uint8_t)(rd16(ip) >> 4), .df = 1, .src6 = &src, .dst6 = &dst };
	return tcp_frame(l, &in, ts, frame);
}

static int read_frames(struct loader *l, pcap_t *pc)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int dlt = pcap_datalink(pc), rc;
	uint32_t frame = 0;
	int nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
	if (dlt != DLT_EN10MB && dlt != DLT_LINUX_SLL && dlt != DLT_RAW)
		return fail(l, "link type %s is not supported (Ethernet, Linux cooked, raw IP)",
			    pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?");
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		frame++;
		if (h->caplen < h->len)
			return fail(l, "frame %u: cut to %u of %u bytes by the snap length", frame,
				    h->caplen, h->len);
		utcp_time_t ts = (utcp_time_t)h->ts.tv_sec * UTCP_NSEC_PER_SEC +
				 (utcp_time_t)h->ts.tv_usec * (nano ? 1 : 1000);
		int off = l3_offset(dlt, data, h->caplen);
		if (off >= 0 && ip_frame(l, data + off, h->caplen - (uint32_t)off, ts, frame) < 0)
			return -1;
	}
	if (rc == PCAP_ERROR)
		return fail(l, "after frame %u: %s", frame, pcap_geterr(pc));
	return 0;
}

/* Each side's stream from its ISN + 1, each byte once, up to the first hole. */
static int reassemble(struct loader *l)
{
	struct replay_trace *t = l->t;
	for (int s = 0; s < 2; s++) {
		uint32_t end = 0;
		for (int i = 0; i < t->nseg; i++) {
			const struct replay_seg *g = &t->seg[i];
			uint32_t off = g->seq - t->isn[s] - 1;
			if (g->from == s && g->len > 0 && off < MAX_STREAM && off + g->len > end)
				end = off + g->len;
		}
		t->stream[s] = calloc(end ? end : 1, 1);
		uint8_t *have = calloc(end ? end : 1, 1);
		if (t->stream[s] == NULL || have == NULL) {
			free(have);
			return fail(l, "out of memory");
		}
		for (int i = 0; i < t->nseg; i++) {
			const struct replay_seg *g = &t->seg[i];
			uint32_t off = g->seq - t->isn[s] - 1;
			if (g->from != s || g->len == 0 || off >= MAX_STREAM)
				continue;
			memcpy(t->stream[s] + off, g->payload, g->len);
			memset(have + off, 1, g->len);
		}
		uint32_t n = 0;
		while (n < end && have[n])
			n++;
		t->stream_len[s] = n;
		free(have);
		for (int i = 0; i < t->nseg; i++)
			if (t->seg[i].from == s && (t->seg[i].flags & 0x01))
				t->fin[s] = 1;
	}
	return 0;
}

struct replay_trace *utcp_replay_trace_load(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct replay_trace *t = calloc(1, sizeof(*t));
	struct loader l = { .t = t, .err = err, .errlen = errlen };
	if (t == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	snprintf(t->path, sizeof(t->path), "%s", path);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fail(&l, "%s", strerror(errno));
		free(t);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	l.arena_cap = size > 0 ? (size_t)size : 1;
	t->arena = malloc(l.arena_cap);
	pcap_t *pc = t->arena ? pcap_fopen_offline_with_tstamp_precision(
					f, PCAP_TSTAMP_PRECISION_NANO, perr)
			      : NULL;
	if (pc == NULL) {
		fail(&l, "not a readable pcap file: %s", t->arena ? perr : "out of memory");
		fclose(f);
		utcp_replay_trace_free(t);
		return NULL;
	}
	int rc = read_frames(&l, pc);
	pcap_close(pc); /* closes f */
	if (rc == 0 && !l.have_conn)
		rc = fail(&l, "no TCP connection (no SYN without ACK) in the file");
	if (rc == 0 && !t->has_syn[REPLAY_SERVER] && !t->rst[REPLAY_SERVER])
		rc = fail(&l, "the server neither answered the SYN nor refused it");
	if (rc == 0)
		rc = reassemble(&l);
	if (rc < 0) {
		utcp_replay_trace_free(t);
		return NULL;
	}
	return t;
}

void utcp_replay_trace_free(struct replay_trace *t)
{
	if (t == NULL)
		return;
	free(t->seg);
	free(t->stream[0]);
	free(t->stream[1]);
	free(t->arena);
	free(t);
}
