/*
 * tools/plot.c - pictures of TCP connections: the sender-state trace as
 * CSV (like FreeBSD's siftr), and per connection two SVG graphs that
 * gnuplot draws from a capture and the trace:
 *
 *   conn-N-tsg.svg    time-sequence graph of the direction that carried the
 *                     most data: segments (vertical bars from their first
 *                     to their last byte), retransmissions, the ACK line,
 *                     the receive window's right edge, SACK blocks;
 *   conn-N-state.svg  the sender's state over time: from the trace, cwnd,
 *                     ssthresh, bytes in flight, SRTT and RTO, timeouts
 *                     and state changes; without a trace, what the capture
 *                     shows of it (bytes in flight, RTT samples).
 *
 * Call order: plot_capture -> cap_read (pcap -> per-connection packet
 * records) -> per connection, largest first: conn_tsg and conn_state write
 * the data files and a gnuplot script -> run_gnuplot in DIR.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/base/bytes.h"
#include "tools/plot.h"

/* ---- the trace ----------------------------------------------------------- */

void trace_csv_header(FILE *f)
{
	fprintf(f, "time_s,who,local,remote,event,state,cwnd,ssthresh,flight,pipe,srtt_us,rttvar_us,"
		   "rto_us,snd_una,snd_max,retrans,recovery\n");
}

void trace_csv_line(void *arg, utcp_time_t now, enum utcp_trace_event ev,
		    const struct utcp_conn_info *ci)
{
	const struct trace_sink *s = arg;
	char la[UTCP_CONN_ADDRSTRLEN], ra[UTCP_CONN_ADDRSTRLEN];

	utcp_conn_addr(ci, 1, la, sizeof(la));
	utcp_conn_addr(ci, 0, ra, sizeof(ra));
	fprintf(s->f, "%.9f,%s,%s,%s,%s,%s,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64
		      ",%u,%u,%u,%d\n",
		(double)now / 1e9, s->who, la, ra,
		utcp_trace_event_name(ev), ci->state, ci->cwnd, ci->ssthresh, ci->flight, ci->pipe,
		(uint64_t)(ci->srtt / 1000), (uint64_t)(ci->rttvar / 1000),
		(uint64_t)(ci->rto / 1000), ci->snd_una, ci->snd_max, ci->retrans, ci->recovery);
}

/* ---- reading a capture ---------------------------------------------------- */

/* A little-endian 32-bit field (a pcap file written on this kind of host). */
static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

struct pkt {
	double t;              /* s since the capture's first packet */
	uint8_t dir;           /* 0: from ep[0], 1: from ep[1] */
	uint8_t flags, nsack, wscale; /* wscale: the SYN's option + 1, 0 none */
	uint32_t seq, ack, len;
	uint16_t win;
	uint32_t sack[4][2];
};

struct conn {
	uint32_t addr[2];      /* network order; ep[0] is the first sender seen */
	uint16_t port[2];
	struct pkt *p;
	size_t n, cap;
	uint64_t bytes[2];     /* payload each way */
};

struct cap {
	struct conn *c;
	size_t n, cap;
	double t0;
	int have_t0;
};

static int cap_add(struct cap *cp, uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp,
		   const struct pkt *pk)
{
	struct conn *c = NULL;
	int dir = 0;

	for (size_t i = 0; i < cp->n && c == NULL; i++) {
		struct conn *x = &cp->c[i];
		if (x->addr[0] == sa && x->port[0] == sp && x->addr[1] == da && x->port[1] == dp)
			c = x, dir = 0;
		else if (x->addr[1] == sa && x->port[1] == sp && x->addr[0] == da && x->port[0] == dp)
			c = x, dir = 1;
	}
	if (c == NULL) {
		if (cp->n == cp->cap) {
			size_t nc = cp->cap ? cp->cap * 2 : 16;
			struct conn *m = realloc(cp->c, nc * sizeof(*m));
			if (m == NULL)
				return -1;
			cp->c = m;
			cp->cap = nc;
		}
		c = &cp->c[cp->n++];
		memset(c, 0, sizeof(*c));
		c->addr[0] = sa, c->port[0] = sp, c->addr[1] = da, c->port[1] = dp;
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 256;
		struct pkt *m = realloc(c->p, nc * sizeof(*m));
		if (m == NULL)
			return -1;
		c->p = m;
		c->cap = nc;
	}
	c->p[c->n] = *pk;
	c->p[c->n].dir = (uint8_t)dir;
	c->bytes[dir] += pk->len;
	c->n++;
	return 0;
}

/* The TCP options we draw: SACK blocks and the SYN's window scale. */
static void tcp_opts(const uint8_t *o, size_t len, struct pkt *pk)
{
	size_t i = 0;
	while (i < len && o[i] != 0) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			return;
		if (o[i] == 3 && o[i + 1] == 3)
			pk->wscale = (uint8_t)(o[i + 2] + 1);
		if (o[i] == 5)
			for (size_t b = 0; b < (size_t)(o[i + 1] - 2) / 8 && b < 4; b++) {
				pk->sack[b][0] = rd32(o + i + 2 + 8 * b);
				pk->sack[b][1] = rd32(o + i + 6 + 8 * b);
				pk->nsack = (uint8_t)(b + 1);
			}
		i += o[i + 1];
	}
}

/* One IPv4 packet at time t; anything but TCP is skipped. */
static int cap_ipv4(struct cap *cp, const uint8_t *ip, size_t len, double t)
{
	struct pkt pk = { .t = t };
	size_t ihl, tot, thl;

	if (len < 20 || (ip[0] >> 4) != 4 || ip[9] != 6)
		return 0;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = rd16(ip + 2);
	if (ihl < 20 || len < ihl + 20)
		return 0;
	const uint8_t *th = ip + ihl;
	thl = (size_t)(th[12] >> 4) * 4;
	if (thl < 20 || ihl + thl > len || tot < ihl + thl)
		return 0; /* (a snapped payload: the length the header gives) */
	pk.seq = rd32(th + 4);
	pk.ack = rd32(th + 8);
	pk.flags = th[13];
	pk.win = rd16(th + 14);
	pk.len = (uint32_t)(tot - ihl - thl);
	tcp_opts(th + 20, thl - 20, &pk);
	uint32_t sa, da;
	uint16_t sp, dp;
	memcpy(&sa, ip + 12, 4);
	memcpy(&da, ip + 16, 4);
	memcpy(&sp, th, 2);
	memcpy(&dp, th + 2, 2);
	return cap_add(cp, sa, sp, da, dp, &pk);
}

/* The IPv4 packet in a frame of the capture's link type, or NULL. */
static const uint8_t *cap_l3(uint32_t linktype, const uint8_t *f, size_t *len)
{
	size_t off, type_at;
	if (linktype == 101 || linktype == 228) /* raw IP, raw IPv4 */
		return f;
	if (linktype == 1)
		off = 14, type_at = 12;
	else if (linktype == 113) /* Linux cooked capture */
		off = 16, type_at = 14;
	else
		return NULL;
	if (*len < off || rd16(f + type_at) != 0x0800)
		return NULL;
	*len -= off;
	return f + off;
}

static int cap_read(const char *path, struct cap *cp, char *err, size_t errlen)
{
	uint8_t gh[24], rh[16];
	static uint8_t frame[262144];
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	uint32_t magic = fread(gh, 1, 24, f) == 24 ? rd32le(gh) : 0;
	int swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	int ns = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
	if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d && !swap) {
		snprintf(err, errlen, "%s: not a pcap file (pcapng: convert it with editcap -F pcap)", path);
		fclose(f);
		return -1;
	}
#define RD32(p) (swap ? rd32(p) : rd32le(p))
	uint32_t linktype = RD32(gh + 20);
	while (fread(rh, 1, 16, f) == 16) {
		uint32_t caplen = RD32(rh + 8);
		double t = RD32(rh) + RD32(rh + 4) / (ns ? 1e9 : 1e6);
		if (caplen > sizeof(frame) || fread(frame, 1, caplen, f) != caplen) {
			snprintf(err, errlen, "%s: truncated record", path);
			fclose(f);
			return -1;
		}
		if (!cp->have_t0)
			cp->t0 = t, cp->have_t0 = 1;
		size_t len = caplen;
		const uint8_t *ip = cap_l3(linktype, frame, &len);
		if (ip != NULL && cap_ipv4(cp, ip, len, t - cp->t0) < 0) {
			snprintf(err, errlen, "out of memory");
			fclose(f);
			return -1;
		}
	}
#undef RD32
	fclose(f);
	return 0;
}

/* ---- drawing ---------------------------------------------------------------- */

struct view {                  /* one connection, seen from its data sender */
	const struct conn *c;
	int idx, d;            /* conn-IDX; d: the sender's direction */
	uint32_t isn[2];       /* each direction's ISN (or first sequence seen) */
	uint8_t ws[2];         /* each direction's window scale */
	char name[2][32];      /* "A.B.C.D:P" of each end */
	double t0, t1;         /* the connection's first and last packet */
};

static void view_init(struct view *v, const struct conn *c, int idx)
{
	int seen[2] = { 0, 0 }, wsyn[2] = { 0, 0 };

	memset(v, 0, sizeof(*v));
	v->c = c;
	v->idx = idx;
	v->d = c->bytes[1] > c->bytes[0];
	v->t0 = c->n ? c->p[0].t : 0;
	v->t1 = c->n ? c->p[c->n - 1].t : 0;
	if (v->t1 <= v->t0)
		v->t1 = v->t0 + 1e-3;
	for (size_t i = 0; i < c->n; i++) {
		const struct pkt *p = &c->p[i];
		if ((p->flags & TH_SYN) || !seen[p->dir]) {
			v->isn[p->dir] = p->seq;
			seen[p->dir] = 1;
		}
		if (p->flags & TH_SYN)
			wsyn[p->dir] = p->wscale;
	}
	for (int d = 0; d < 2; d++) { /* RFC 7323 §2.2: both SYNs carry it, or neither scales */
		v->ws[d] = wsyn[0] && wsyn[1] ? (uint8_t)(wsyn[d] - 1) : 0;
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &c->addr[d], a, sizeof(a));
		snprintf(v->name[d], sizeof(v->name[d]), "%s:%u", a, ntohs(c->port[d]));
	}
}

static FILE *open_in(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return f;
}

static void tsg_data(const struct view *v, FILE *f, int n[5])
{
	const struct conn *c = v->c;
	int d = v->d;
	double snd_max = 0;
	char *buf[5] = { 0 };
	size_t len[5] = { 0 };
	FILE *blk[5];

	for (int k = 0; k < 5; k++)
		blk[k] = open_memstream(&buf[k], &len[k]);
	for (size_t i = 0; i < c->n; i++) {
		const struct pkt *p = &c->p[i];
		double t = p->t - v->t0;
		if (p->dir == d && p->len > 0) {
			double s = (double)(uint32_t)(p->seq - v->isn[d]);
			int k = s + p->len <= snd_max ? 1 : 0; /* 1: all of it was sent before */
			fprintf(blk[k], "%.9f %.0f %u\n", t, s, p->len);
			n[k]++;
			if (s + p->len > snd_max)
				snd_max = s + p->len;
		} else if (p->dir != d && (p->flags & TH_ACK) && !(p->flags & TH_SYN)) {
			double a = (double)(uint32_t)(p->ack - v->isn[d]);
			fprintf(blk[2], "%.9f %.0f\n", t, a);
			fprintf(blk[3], "%.9f %.0f\n", t, a + (double)((uint32_t)p->win << v->ws[p->dir]));
			n[2]++, n[3]++;
			for (int b = 0; b < p->nsack; b++) {
				double l = (double)(uint32_t)(p->sack[b][0] - v->isn[d]);
				fprintf(blk[4], "%.9f %.0f %u\n", t, l, p->sack[b][1] - p->sack[b][0]);
				n[4]++;
			}
		}
	}
	for (int k = 0; k < 5; k++) {
		fclose(blk[k]);
		fprintf(f, "%s\n\n", n[k] ? buf[k] : "NaN NaN NaN\n" /* an empty block still counts */);
		free(buf[k]);
	}
}

static void gp_head(FILE *g, const char *svg, const struct view *v, const char *what)
{
	fprintf(g, "reset\nset terminal svg size 1000,600 dynamic enhanced font 'sans,11' "
		   "background rgb 'white'\n"
		   "set output '%s'\n"
		   "set title \"%s → %s: %s\" noenhanced\n"
		   "set xlabel 'time (s)'\nset grid\nset key below\n",
		svg, v->name[v->d], v->name[1 - v->d], what);
}

/* The time-sequence graph: the data file, then the script. */
static int conn_tsg(const struct view *v, const char *dir, FILE *g, char *err, size_t errlen)
{
	/* Drawn in this order (the last on top).  A segment is a bar from its
	 * first to its last byte, and a dot at its end: at a whole transfer's
	 * scale a bar is shorter than a pixel. */
	static const int order[5] = { 3, 2, 0, 4, 1 };
	static const char *const style[5] = {
		"using 1:2:(0):3 with vectors nohead lw 2 lc rgb '#1f77b4' title 'data', \\\n"
		"     '' index 0 using 1:($2+$3) with points pt 7 ps 0.2 lc rgb '#1f77b4' notitle",
		"using 1:2:(0):3 with vectors nohead lw 3 lc rgb '#d62728' title 'retransmission', \\\n"
		"     '' index 1 using 1:($2+$3) with points pt 7 ps 0.6 lc rgb '#d62728' notitle",
		"using 1:2 with steps lc rgb '#2ca02c' title 'ACK'",
		"using 1:2 with steps lc rgb '#9467bd' title 'receive window edge'",
		"using 1:2:(0):3 with vectors nohead lw 3 lc rgb '#ff7f0e' title 'SACK block'",
	};
	char name[64], svg[64];
	int n[5] = { 0 }, first = 1;

	snprintf(name, sizeof(name), "conn-%d-tsg.dat", v->idx);
	snprintf(svg, sizeof(svg), "conn-%d-tsg.svg", v->idx);
	FILE *f = open_in(dir, name, err, errlen);
	if (f == NULL)
		return -1;
	tsg_data(v, f, n);
	fclose(f);
	gp_head(g, svg, v, "time-sequence graph");
	fprintf(g, "set ylabel 'sequence offset (bytes)'\nset xrange [0:%.9f]\nplot ",
		v->t1 - v->t0);
	for (int i = 0; i < 5; i++) {
		int k = order[i];
		if (n[k] == 0)
			continue;
		fprintf(g, "%s'%s' index %d %s", first ? "" : ", \\\n     ", name, k, style[k]);
		first = 0;
	}
	fprintf(g, "\n");
	return 0;
}

/* The time of the trace's first line about the sender of v, or -1. */
static double trace_first(const struct view *v, FILE *tr)
{
	char line[512], loc[64], rem[64];
	double t;

	rewind(tr);
	while (fgets(line, sizeof(line), tr) != NULL)
		if (sscanf(line, "%lf,%*[^,],%63[^,],%63[^,],", &t, loc, rem) == 3 &&
		    strcmp(loc, v->name[v->d]) == 0 && strcmp(rem, v->name[1 - v->d]) == 0)
			return t;
	return -1;
}

/* The trace's lines for the sender of v: time, cwnd, ssthresh, flight,
 * srtt (ms), rto (ms), pipe into block 0; RTO events into block 1 (*nrto);
 * state changes as gnuplot labels on lab.  Returns the lines taken. */
static int state_from_trace(const struct view *v, FILE *tr, FILE *f, FILE *lab, double toff,
			    int *nrto_out, int *nssth_out)
{
	char line[512], who[32], loc[64], rem[64], ev[16], st[24];
	double t;
	unsigned long cwnd, ssth, flight, pipe, srtt, rttvar, rto;
	int n = 0, nrto = 0, nssth = 0;
	double ms_max = 1;
	char *rbuf = NULL;
	size_t rlen = 0;
	FILE *r = open_memstream(&rbuf, &rlen);

	rewind(tr);
	while (fgets(line, sizeof(line), tr) != NULL) {
		if (sscanf(line, "%lf,%31[^,],%63[^,],%63[^,],%15[^,],%23[^,],%lu,%lu,%lu,%lu,%lu,%lu,%lu",
			   &t, who, loc, rem, ev, st, &cwnd, &ssth, &flight, &pipe, &srtt, &rttvar,
			   &rto) != 13)
			continue;
		if (strcmp(loc, v->name[v->d]) != 0 || strcmp(rem, v->name[1 - v->d]) != 0)
			continue;
		t -= toff;
		if (rto / 1e3 > ms_max)
			ms_max = rto / 1e3;
		if (srtt / 1e3 > ms_max)
			ms_max = srtt / 1e3;
		if (ssth == 0 || ssth >= 0x7fffffffUL) /* not set yet: no line */
			fprintf(f, "%.9f %lu NaN %lu %.3f %.3f %lu\n", t, cwnd, flight, srtt / 1e3,
				rto / 1e3, pipe);
		else
			fprintf(f, "%.9f %lu %lu %lu %.3f %.3f %lu\n", t, cwnd, ssth, flight,
				srtt / 1e3, rto / 1e3, pipe), nssth++;
		n++;
		if (strcmp(ev, "rto") == 0) {
			fprintf(r, "%.9f %lu\n", t, flight);
			nrto++;
		} else if (strcmp(ev, "state") == 0 && t <= v->t1 - v->t0) {
			fprintf(lab, "set label \"%s\" at %.9f, graph 0.03 rotate by 90 "
				     "font ',8' tc rgb '#555555' front\n", st, t);
		}
	}
	fclose(r);
	fprintf(f, "\n\n%s\n\n", nrto ? rbuf : "NaN NaN NaN\n" /* an empty block still counts */);
	free(rbuf);
	*nrto_out = nrto;
	*nssth_out = nssth;
	fprintf(lab, "set y2range [0:%.3f]\n", ms_max * 1.1); /* RTO clear of the frame */
	return n;
}

/* Without a trace: what the capture shows of the sender, bytes in flight
 * (highest sequence sent minus highest ACK) and RTT samples (a segment to
 * the first ACK that covers it, none across a retransmission: Karn). */
static int state_from_capture(const struct view *v, FILE *f, int *nrtt)
{
	const struct conn *c = v->c;
	int d = v->d, n = 0;
	double snd_max = 0, una = 0, pend_end = -1, pend_t = 0;
	char *rbuf = NULL;
	size_t rlen = 0;
	FILE *r = open_memstream(&rbuf, &rlen);
	int nr = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct pkt *p = &c->p[i];
		double t = p->t - v->t0;
		if (p->dir == d && p->len > 0) {
			double s = (double)(uint32_t)(p->seq - v->isn[d]), e = s + p->len;
			if (e <= snd_max)
				pend_end = -1; /* retransmission: no sample until new data */
			else if (pend_end < 0)
				pend_end = e, pend_t = t;
			if (e > snd_max)
				snd_max = e;
		} else if (p->dir != d && (p->flags & TH_ACK) && !(p->flags & TH_SYN)) {
			double a = (double)(uint32_t)(p->ack - v->isn[d]);
			if (a > una && a <= snd_max + 1)
				una = a;
			if (pend_end >= 0 && a >= pend_end) {
				fprintf(r, "%.9f %.3f\n", t, (t - pend_t) * 1e3);
				nr++;
				pend_end = -1;
			}
		} else {
			continue;
		}
		fprintf(f, "%.9f %.0f\n", t, snd_max > una ? snd_max - una : 0);
		n++;
	}
	fclose(r);
	fprintf(f, "\n\n%s\n\n", nr ? rbuf : "NaN NaN NaN\n" /* an empty block still counts */);
	free(rbuf);
	*nrtt = nr;
	return n;
}

/* The sender-state graph; toff: the capture's time of the connection's
 * first packet.  A trace from the simulator counts on the capture's clock;
 * one from a real backend (CLOCK_MONOTONIC beside a capture's wall clock)
 * is aligned by its first line about the connection (the SYN's state
 * change) on the first packet. */
static int conn_state(const struct view *v, const char *dir, FILE *tr, double toff, FILE *g,
		      char *err, size_t errlen)
{
	char name[64], svg[64];
	char *lbuf = NULL;
	size_t llen = 0;
	int n = 0, extra = 0, nssth = 0;

	snprintf(name, sizeof(name), "conn-%d-state.dat", v->idx);
	snprintf(svg, sizeof(svg), "conn-%d-state.svg", v->idx);
	FILE *f = open_in(dir, name, err, errlen);
	FILE *lab = open_memstream(&lbuf, &llen);
	if (f == NULL) {
		fclose(lab);
		free(lbuf);
		return -1;
	}
	if (tr != NULL) {
		double t1 = trace_first(v, tr);
		if (t1 >= 0 && (t1 - toff > 3600 || toff - t1 > 3600))
			toff = t1;
		n = state_from_trace(v, tr, f, lab, toff, &extra, &nssth);
	}
	fclose(lab);
	int traced = n > 0;
	if (!traced) {
		rewind(f);
		if (ftruncate(fileno(f), 0) != 0) { /* nothing of this connection in the trace */
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			fclose(f);
			free(lbuf);
			return -1;
		}
		n = state_from_capture(v, f, &extra);
	}
	fclose(f);
	gp_head(g, svg, v, traced ? "sender state (trace)" : "sender state (capture)");
	fprintf(g, "set ylabel 'bytes'\nset y2label 'ms'\nset ytics nomirror\nset y2tics\n"
		   "set yrange [0:*]\nset y2range [0:*]\nset xrange [*:%.9f]\n%s",
		v->t1 - v->t0, traced ? lbuf : "");
	if (traced)
		fprintf(g, "plot '%s' index 0 using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'cwnd', \\\n"
			   "%s"
			   "     '' index 0 using 1:4 with steps lc rgb '#2ca02c' title 'bytes in flight', \\\n"
			   "     '' index 0 using 1:7 with steps lc rgb '#17becf' title 'pipe (RFC 6675)', \\\n"
			   "     '' index 0 using 1:5 axes x1y2 with lines lc rgb '#9467bd' title 'SRTT (ms)', \\\n"
			   "     '' index 0 using 1:6 axes x1y2 with steps lc rgb '#8c564b' title 'RTO (ms)'%s\n",
			name, nssth ? "     '' index 0 using 1:3 with steps lc rgb '#d62728' "
				      "title 'ssthresh', \\\n" : "",
			extra ? ", \\\n     '' index 1 using 1:2 with points pt 7 ps 0.8 "
					    "lc rgb '#000000' title 'RTO fired'" : "");
	else
		fprintf(g, "plot '%s' index 0 using 1:2 with steps lc rgb '#2ca02c' title 'bytes in flight'%s\n",
			name, extra ? ", \\\n     '' index 1 using 1:2 axes x1y2 with points pt 7 "
					    "ps 0.5 lc rgb '#9467bd' title 'RTT sample (ms)'" : "");
	free(lbuf);
	return 0;
}

/* gnuplot SCRIPT, run in dir. */
static int run_gnuplot(const char *dir, const char *script, char *err, size_t errlen)
{
	pid_t pid = fork();
	int st;

	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (chdir(dir) != 0)
			_exit(126);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		snprintf(err, errlen, code == 127 ? "gnuplot not found (apt-get install gnuplot-nox)"
						  : "gnuplot %s/%s failed (exit %d)", dir, script, code);
		return -1;
	}
	return 0;
}

int plot_dir(const char *dir, char *err, size_t errlen)
{
	struct stat sb;
	char path[4096];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) { /* as mkdir -p */
		if (p != NULL)
			*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (p == NULL)
			break;
		*p = '/';
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	return 0;
}

static int by_bytes(const void *a, const void *b)
{
	const struct conn *x = a, *y = b;
	uint64_t bx = x->bytes[0] + x->bytes[1], by = y->bytes[0] + y->bytes[1];
	return bx < by ? 1 : bx > by ? -1 : 0;
}

/* Every connection, the largest first, into one gnuplot script. */
static int plot_conns(struct cap *cp, FILE *tr, const char *dir, FILE *log, char *err,
		      size_t errlen)
{
	int drawn = 0;
	FILE *g = open_in(dir, "plot.gp", err, errlen);

	if (g == NULL)
		return -1;
	qsort(cp->c, cp->n, sizeof(cp->c[0]), by_bytes);
	for (size_t i = 0; i < cp->n && drawn < PLOT_MAX_CONNS; i++) {
		struct view v;
		view_init(&v, &cp->c[i], drawn + 1);
		if (conn_tsg(&v, dir, g, err, errlen) < 0 ||
		    conn_state(&v, dir, tr, cp->t0 + v.t0, g, err, errlen) < 0) {
			fclose(g);
			return -1;
		}
		if (log != NULL)
			fprintf(log, "%s/conn-%d-tsg.svg %s/conn-%d-state.svg: %s -> %s, %" PRIu64
				     " bytes\n", dir, v.idx, dir, v.idx, v.name[v.d],
				v.name[1 - v.d], v.c->bytes[v.d]);
		drawn++;
	}
	fclose(g);
	if (log != NULL && cp->n > PLOT_MAX_CONNS)
		fprintf(log, "%zu connections: the %d that carried the most data drawn\n", cp->n,
			PLOT_MAX_CONNS);
	if (drawn > 0 && run_gnuplot(dir, "plot.gp", err, errlen) < 0)
		return -1;
	return drawn;
}

int plot_capture(const char *pcap, const char *trace, const char *dir, FILE *log, char *err,
		 size_t errlen)
{
	struct cap cp = { 0 };
	FILE *tr = NULL;
	int rc = -1;

	if (plot_dir(dir, err, errlen) < 0 || cap_read(pcap, &cp, err, errlen) < 0)
		goto out;
	if (trace != NULL && (tr = fopen(trace, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", trace, strerror(errno));
		goto out;
	}
	rc = plot_conns(&cp, tr, dir, log, err, errlen);
out:
	if (tr != NULL)
		fclose(tr);
	for (size_t i = 0; i < cp.n; i++)
		free(cp.c[i].p);
	free(cp.c);
	return rc;
}
