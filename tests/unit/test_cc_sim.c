/*
 * tests/unit/test_cc_sim.c - congestion control and loss recovery measured
 * in virtual time: bulk transfers from a sender host to a receiver host
 * over one bottleneck link (rate, one-way delay, drop-tail queue, seeded
 * random loss), with NewReno and CUBIC.
 *
 *   goodput_snapshot   a table of goodput by (cc, loss, RTT), compared
 *                      with tests/sim/cc_goodput.snap: any change in
 *                      behaviour shows up as a diff and must be accepted
 *                      deliberately (CC_SNAPSHOT_UPDATE=1 rewrites it).
 *   link_utilization   a clean 100 Mbit/s, 20 ms RTT, 100-frame queue:
 *                      goodput >= 90 % of the link rate per module.
 *   sack_recovers_loss 1 % random loss: SACK recovery without timeouts
 *                      in the common case (RTOs few, recoveries many).
 *   two_flows_fair     two flows of one module share the bottleneck:
 *                      Jain's index >= 0.95.
 *
 * Each run prints one line (cc, parameters, goodput, counters) with its
 * seed.  Goodput is payload bytes delivered to the application over the
 * time from connect() to the last byte read.  CC_SIM_VERBOSE=1 prints the
 * link's, receiver's and sender's counters as well; CC_SIM_RUN=cc,loss,
 * rtt_ms,bytes,flows[,seed] makes one run of one's choosing instead of the
 * suite (CC_SIM_PCAP=file captures it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/sim.h>

#include "tests/unit/tcptest.h"

#define SRV_PORT 5001
#define MAX_FLOWS 4
#define BOUND (600 * TT_SEC)

struct cc_params {
	const char *cc;
	double loss;
	utcp_time_t delay;   /* one way */
	uint64_t rate;       /* bit/s */
	uint32_t queue;      /* frames */
	size_t bytes;        /* per flow */
	int flows;
	uint64_t seed;
};

struct cc_result {
	utcp_time_t t0, t_done[MAX_FLOWS];
	size_t got[MAX_FLOWS], got_at_first[MAX_FLOWS];
	int eof[MAX_FLOWS], first_done;
	double goodput[MAX_FLOWS];  /* bit/s per flow */
	double total;               /* bit/s, all flows, to the last byte */
	double jain;                /* over bytes delivered until the first flow ended */
	struct utcp_stats snd, rcv;
	struct utcp_sim_link_stats link[2]; /* data direction, ACK direction */
	int ok;
	char why[160];
};

struct cc_app {
	const struct cc_params *p;
	struct cc_result *r;
	struct utcp_sim_host *h;
	uint32_t peer;
	int done;
};

static int cc_fail(struct cc_app *a, const char *what)
{
	snprintf(a->r->why, sizeof(a->r->why), "%s: %s", what, strerror(errno));
	a->done = 1;
	return -1;
}

static void drain(struct utcp_ctx *ctx)
{
	struct utcp_sock_usage u;
	utcp_time_t end = utcp_ctx_now(ctx) + 600 * TT_SEC;
	for (;;) {
		utcp_ctx_sock_usage(ctx, &u);
		if (u.tcbs == 0 || utcp_ctx_now(ctx) > end)
			break;
		if (utcp_ctx_wait(ctx, utcp_ctx_now(ctx) + 100 * TT_MS) < 0)
			break;
	}
}

/* ---- receiver: accept the flows, read to EOF ------------------------------------------ */

static void rcv_flow(struct cc_app *a, struct utcp_ctx *ctx, int fd, int i, int *open)
{
	static uint8_t buf[65536];
	struct cc_result *r = a->r;
	ssize_t n;
	while ((n = utcp_read(ctx, fd, buf, sizeof(buf))) > 0) {
		r->got[i] += (size_t)n;
		r->t_done[i] = utcp_ctx_now(ctx);
	}
	if (n == 0 && !r->eof[i]) {
		r->eof[i] = 1;
		(*open)--;
		if (!r->first_done) { /* fairness: what each had when the first ended */
			r->first_done = 1;
			memcpy(r->got_at_first, r->got, sizeof(r->got));
		}
		utcp_close(ctx, fd);
	}
}

static int receiver(void *arg)
{
	struct cc_app *a = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(a->h, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	struct epoll_event evs[8], e = { .events = EPOLLIN, .data.u32 = 1000 };
	int l = utcp_socket(ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int ep = utcp_epoll_create(ctx, 8), nacc = 0, open = a->p->flows, fds[MAX_FLOWS];
	if (utcp_bind(ctx, l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || utcp_listen(ctx, l, 8) < 0)
		return cc_fail(a, "listen");
	utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, l, &e);
	while (open > 0 && utcp_ctx_now(ctx) < BOUND) {
		int n = utcp_epoll_wait(ctx, ep, evs, 8, 1000);
		if (n < 0)
			return cc_fail(a, "epoll_wait");
		for (int k = 0; k < n; k++) {
			uint32_t id = evs[k].data.u32;
			if (id != 1000) {
				rcv_flow(a, ctx, fds[id], (int)id, &open);
				continue;
			}
			int c;
			while (nacc < a->p->flows && (c = utcp_accept(ctx, l, NULL, NULL)) >= 0) {
				utcp_setsock_nonblock(ctx, c);
				/* flows are told apart by their order of connect */
				struct sockaddr_in pa;
				socklen_t pl = sizeof(pa);
				utcp_getpeername(ctx, c, (struct sockaddr *)&pa, &pl);
				int i = ntohs(pa.sin_port) % MAX_FLOWS;
				fds[i] = c;
				nacc++;
				struct epoll_event ce = { .events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)i };
				utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, c, &ce);
			}
		}
	}
	utcp_close(ctx, l);
	utcp_close(ctx, ep);
	drain(ctx);
	a->done = 1;
	return 0;
}

/* ---- sender: N flows from one host, each writes `bytes` and closes ----------------------- */

static int sender(void *arg)
{
	static uint8_t buf[65536];
	struct cc_app *a = arg;
	const struct cc_params *p = a->p;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(a->h, 0);
	struct epoll_event evs[8];
	int ep = utcp_epoll_create(ctx, 8), fds[MAX_FLOWS], active = p->flows;
	size_t sent[MAX_FLOWS] = { 0 };
	memset(buf, 'x', sizeof(buf));
	a->r->t0 = utcp_ctx_now(ctx);
	for (int i = 0; i < p->flows; i++) {
		/* local port = i mod MAX_FLOWS tells the receiver which flow it is */
		struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(40000 + i)) };
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT),
					  .sin_addr.s_addr = a->peer };
		fds[i] = utcp_socket(ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (utcp_setsockopt(ctx, fds[i], IPPROTO_TCP, TCP_CONGESTION, p->cc,
				    (socklen_t)strlen(p->cc)) < 0 ||
		    utcp_bind(ctx, fds[i], (struct sockaddr *)&la, sizeof(la)) < 0)
			return cc_fail(a, "socket");
		if (utcp_connect(ctx, fds[i], (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
			return cc_fail(a, "connect");
		struct epoll_event e = { .events = EPOLLOUT, .data.u32 = (uint32_t)i };
		utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, fds[i], &e);
	}
	while (active > 0 && utcp_ctx_now(ctx) < BOUND) {
		int n = utcp_epoll_wait(ctx, ep, evs, 8, 1000);
		if (n < 0)
			return cc_fail(a, "epoll_wait");
		for (int k = 0; k < n; k++) {
			int i = (int)evs[k].data.u32;
			while (sent[i] < p->bytes) {
				size_t want = p->bytes - sent[i] < sizeof(buf) ? p->bytes - sent[i] : sizeof(buf);
				ssize_t m = utcp_write(ctx, fds[i], buf, want);
				if (m < 0 && errno == EAGAIN)
					break;
				if (m < 0)
					return cc_fail(a, "write");
				sent[i] += (size_t)m;
			}
			if (sent[i] == p->bytes) {
				utcp_epoll_ctl(ctx, ep, EPOLL_CTL_DEL, fds[i], NULL);
				utcp_close(ctx, fds[i]); /* FIN after the data */
				active--;
			}
		}
	}
	utcp_close(ctx, ep);
	drain(ctx);
	a->done = 1;
	return 0;
}

/* ---- one run ----------------------------------------------------------------------------- */

static void host_cfg(struct utcp_config *cfg, uint32_t ip, uint64_t seed, const char *cc)
{
	char err[200];
	utcp_config_defaults(cfg);
	strcpy(cfg->io, "sim");
	cfg->num_cores = 1;
	cfg->max_concurrency = 8;
	cfg->max_num_buffers = 8;    /* one per socket: 2 MiB rings, address space stays small */
	cfg->rcvbuf = 2 << 20;  /* never the limit: the network is */
	cfg->sndbuf = 2 << 20;
	cfg->tcp_timeout = -1;
	snprintf(cfg->cc, sizeof(cfg->cc), "%s", cc);
	cfg->seed = seed;
	cfg->has_seed = 1;
	cfg->nb_ports = 1;
	strcpy(cfg->ports[0].name, "sim0");
	cfg->ports[0].ip = ip;
	cfg->ports[0].prefix = 24;
	ck_assert_msg(utcp_config_finish(cfg, err, sizeof(err)) == 0, "%s", err);
}

struct pair {
	struct cc_app *a[2];
};

static int both_done(struct utcp_sim_world *w, void *arg)
{
	struct pair *pr = arg;
	(void)w;
	return pr->a[0]->done && pr->a[1]->done;
}

static double jain(const size_t *x, int n)
{
	double s = 0, s2 = 0;
	for (int i = 0; i < n; i++) {
		s += (double)x[i];
		s2 += (double)x[i] * (double)x[i];
	}
	return s2 > 0 ? s * s / (n * s2) : 0;
}

static void cc_run(const struct cc_params *p, struct cc_result *r)
{
	char err[200];
	struct utcp_sim_link_params lp;
	struct utcp_sim_host *h[2];
	memset(r, 0, sizeof(*r));
	struct utcp_sim_world *w = utcp_sim_world_create(p->seed);
	const char *pcap = getenv("CC_SIM_PCAP");
	if (pcap != NULL)
		ck_assert_int_eq(utcp_sim_world_capture(w, pcap, err, sizeof(err)), 0);
	utcp_sim_link_params_default(&lp);
	lp.latency = p->delay;
	lp.rate = p->rate;
	lp.queue_frames = p->queue;
	lp.fault.loss = p->loss;
	struct utcp_sim_link *link = utcp_sim_link_create(w, &lp, NULL);
	for (int i = 0; i < 2; i++) {
		struct utcp_config cfg;
		h[i] = utcp_sim_host_create(w, i ? "receiver" : "sender");
		struct utcp_nic *nic = utcp_sim_nic_create(w, h[i], "sim0", 1, 8192, 0, NULL, err,
							   sizeof(err));
		ck_assert_msg(nic != NULL, "%s", err);
		ck_assert_int_eq(utcp_sim_link_attach(link, i, nic), 0);
		host_cfg(&cfg, TN_IP(10, 0, 0, 1 + i), utcp_sim_world_derive_seed(w, "host", (uint64_t)i),
			 p->cc);
		ck_assert_msg(utcp_sim_host_open_stack(h[i], &cfg, err, sizeof(err)) == 0, "%s", err);
	}
	struct cc_app snd = { .p = p, .r = r, .h = h[0], .peer = TN_IP(10, 0, 0, 2) };
	struct cc_app rcv = { .p = p, .r = r, .h = h[1], .peer = TN_IP(10, 0, 0, 1) };
	struct pair pr = { { &snd, &rcv } };
	ck_assert_int_ge(utcp_sim_host_spawn(h[1], receiver, &rcv, 0), 0);
	ck_assert_int_ge(utcp_sim_host_spawn(h[0], sender, &snd, 0), 0);
	enum utcp_sim_run_result res = utcp_sim_world_run_until(w, both_done, &pr, BOUND + 700 * TT_SEC);
	utcp_sim_host_stats(h[0], &r->snd);
	utcp_sim_host_stats(h[1], &r->rcv);
	utcp_sim_link_get_stats(link, 0, &r->link[0]);
	utcp_sim_link_get_stats(link, 1, &r->link[1]);
	utcp_time_t last = r->t0;
	size_t total = 0;
	r->ok = res == UTCP_SIM_DONE && r->why[0] == 0;
	for (int i = 0; i < p->flows; i++) {
		r->ok = r->ok && r->got[i] == p->bytes && r->eof[i];
		r->goodput[i] = r->t_done[i] > r->t0 ? r->got[i] * 8e9 / (double)(r->t_done[i] - r->t0) : 0;
		last = r->t_done[i] > last ? r->t_done[i] : last;
		total += r->got[i];
	}
	r->total = last > r->t0 ? total * 8e9 / (double)(last - r->t0) : 0;
	r->jain = jain(r->got_at_first, p->flows);
	ck_assert_uint_eq(utcp_sim_world_shutdown(w, stderr), 0);
	utcp_sim_world_destroy(w);
	if (!r->ok)
		fprintf(stderr, "seed %llu: %s %s run %d got %zu/%zu\n", (unsigned long long)p->seed,
			p->cc, r->why, res, r->got[0], p->bytes);
}

static void report(const struct cc_params *p, const struct cc_result *r)
{
	printf("%-7s loss %.3f rtt %3llu ms rate %llu Mbit/s queue %u flows %d bytes %zu seed %llu: "
	       "goodput %.2f Mbit/s (%.1f %%)",
	       p->cc, p->loss, (unsigned long long)(2 * p->delay / TT_MS),
	       (unsigned long long)(p->rate / 1000000), p->queue, p->flows, p->bytes,
	       (unsigned long long)p->seed, r->total / 1e6, 100.0 * r->total / (double)p->rate);
	if (p->flows > 1) {
		for (int i = 0; i < p->flows; i++)
			printf(" flow%d %.2f", i, r->goodput[i] / 1e6);
		printf(" jain %.4f", r->jain);
	}
	printf("; rto %llu fast_recoveries %llu sack_recoveries %llu retransmits %llu "
	       "hystart %llu sack_blocks_rx_side %llu dsack %llu\n",
	       (unsigned long long)r->snd.tcp_rto, (unsigned long long)r->snd.tcp_fast_recoveries,
	       (unsigned long long)r->snd.tcp_sack_recoveries,
	       (unsigned long long)r->snd.tcp_retransmits, (unsigned long long)r->snd.tcp_hystart_exits,
	       (unsigned long long)r->rcv.tcp_sack_blocks_tx, (unsigned long long)r->rcv.tcp_dsack_tx);
	if (getenv("CC_SIM_VERBOSE") != NULL) {
		printf(" link data: %llu frames, %llu queue drops, %llu lost; acks: %llu frames, "
		       "%llu queue drops, %llu lost\n",
		       (unsigned long long)r->link[0].tx_frames, (unsigned long long)r->link[0].queue_drops,
		       (unsigned long long)r->link[0].lost, (unsigned long long)r->link[1].tx_frames,
		       (unsigned long long)r->link[1].queue_drops, (unsigned long long)r->link[1].lost);
		utcp_stats_print(stdout, " snd ", &r->snd);
		utcp_stats_print(stdout, " rcv ", &r->rcv);
	}
	fflush(stdout);
}

static struct cc_params base(const char *cc)
{
	struct cc_params p = { .cc = cc, .delay = 10 * TT_MS, .rate = 100000000ull, .queue = 100,
			       .bytes = 64 << 20, .flows = 1, .seed = 1 };
	const char *e = getenv("CC_SIM_BYTES");
	if (e != NULL)
		p.bytes = (size_t)atol(e);
	return p;
}

static const char *const ccs[] = { "newreno", "cubic" };

START_TEST(link_utilization)
{
	for (int i = 0; i < 2; i++) {
		struct cc_params p = base(ccs[i]);
		struct cc_result r;
		cc_run(&p, &r);
		report(&p, &r);
		ck_assert_msg(r.ok, "%s: transfer incomplete", p.cc);
		ck_assert_msg(r.total >= 0.90 * (double)p.rate, "%s: %.2f Mbit/s < 90 %% of %llu",
			      p.cc, r.total / 1e6, (unsigned long long)(p.rate / 1000000));
	}
}
END_TEST

START_TEST(sack_recovers_loss)
{
	for (int i = 0; i < 2; i++) {
		struct cc_params p = base(ccs[i]);
		struct cc_result r;
		p.loss = 0.01;
		cc_run(&p, &r);
		report(&p, &r);
		ck_assert_msg(r.ok, "%s: transfer incomplete", p.cc);
		/* Every loss is repaired; SACK recovery does it, timeouts are
		 * the rare exception (a lost retransmission). */
		ck_assert_uint_gt(r.snd.tcp_sack_recoveries, 50);
		ck_assert_uint_eq(r.snd.tcp_sack_recoveries, r.snd.tcp_fast_recoveries);
		ck_assert_msg(r.snd.tcp_rto * 20 <= r.snd.tcp_sack_recoveries,
			      "%s: %llu timeouts for %llu recoveries", p.cc,
			      (unsigned long long)r.snd.tcp_rto,
			      (unsigned long long)r.snd.tcp_sack_recoveries);
		ck_assert_uint_gt(r.rcv.tcp_sack_blocks_tx, 0);
	}
}
END_TEST

START_TEST(two_flows_fair)
{
	for (int i = 0; i < 2; i++) {
		struct cc_params p = base(ccs[i]);
		struct cc_result r;
		p.flows = 2;
		cc_run(&p, &r);
		report(&p, &r);
		ck_assert_msg(r.ok, "%s: transfer incomplete", p.cc);
		ck_assert_msg(r.jain >= 0.95, "%s: Jain's index %.4f < 0.95", p.cc, r.jain);
	}
}
END_TEST

/* ---- the snapshot ------------------------------------------------------------------------ */

static const double snap_loss[] = { 0, 0.001, 0.01, 0.03 };
static const unsigned snap_rtt[] = { 10, 40, 100 };

static void snap_line(char *b, size_t n, const struct cc_params *p, const struct cc_result *r)
{
	snprintf(b, n, "%-7s %5.3f %4u %9.3f %4llu %5llu %5llu %6llu\n", p->cc, p->loss,
		 (unsigned)(2 * p->delay / TT_MS), r->total / 1e6, (unsigned long long)r->snd.tcp_rto,
		 (unsigned long long)r->snd.tcp_fast_recoveries,
		 (unsigned long long)r->snd.tcp_sack_recoveries,
		 (unsigned long long)r->snd.tcp_retransmits);
}

START_TEST(goodput_snapshot)
{
	static char table[8192];
	char path[1024], line[160];
	const char *dir = getenv("srcdir");
	snprintf(path, sizeof(path), "%s/tests/sim/cc_goodput.snap", dir != NULL ? dir : ".");
	size_t len = (size_t)snprintf(table, sizeof(table),
		"# Goodput (Mbit/s) of one 8 MiB transfer over a 100 Mbit/s link with a\n"
		"# 100-frame drop-tail queue and random loss in both directions, seed 1;\n"
		"# written by tests/unit/test_cc_sim (goodput_snapshot).  A change in\n"
		"# recovery or congestion control behaviour changes this table: rerun\n"
		"# with CC_SNAPSHOT_UPDATE=1 and commit the new table with the change.\n"
		"# cc     loss   rtt   goodput  rto  fast  sack retrans\n");
	for (int i = 0; i < 2; i++)
		for (size_t l = 0; l < sizeof(snap_loss) / sizeof(snap_loss[0]); l++)
			for (size_t t = 0; t < sizeof(snap_rtt) / sizeof(snap_rtt[0]); t++) {
				struct cc_params p = base(ccs[i]);
				struct cc_result r;
				p.bytes = 8 << 20;
				p.loss = snap_loss[l];
				p.delay = snap_rtt[t] * TT_MS / 2;
				cc_run(&p, &r);
				ck_assert_msg(r.ok, "%s loss %g rtt %u: transfer incomplete", p.cc,
					      p.loss, snap_rtt[t]);
				snap_line(line, sizeof(line), &p, &r);
				len += (size_t)snprintf(table + len, sizeof(table) - len, "%s", line);
			}
	fputs(table, stdout);
	if (getenv("CC_SNAPSHOT_UPDATE") != NULL) {
		FILE *f = fopen(path, "w");
		ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
		fputs(table, f);
		fclose(f);
		return;
	}
	static char want[8192];
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	size_t n = fread(want, 1, sizeof(want) - 1, f);
	fclose(f);
	want[n] = 0;
	ck_assert_msg(strcmp(want, table) == 0,
		      "goodput table differs from %s (above: the new one); if the change is "
		      "intended, rerun with CC_SNAPSHOT_UPDATE=1 and commit it", path);
}
END_TEST

/* CC_SIM_RUN=cc,loss,rtt_ms,bytes,flows[,seed]: one run, reported, instead of the suite. */
START_TEST(one_run)
{
	char cc[16];
	double loss;
	unsigned rtt, flows;
	unsigned long long bytes, seed = 1;
	ck_assert_msg(sscanf(getenv("CC_SIM_RUN"), "%15[^,],%lf,%u,%llu,%u,%llu", cc, &loss, &rtt,
			     &bytes, &flows, &seed) >= 5 && flows >= 1 && flows <= MAX_FLOWS,
		      "CC_SIM_RUN=cc,loss,rtt_ms,bytes,flows[,seed]");
	struct cc_params p = base(cc);
	struct cc_result r;
	p.loss = loss;
	p.delay = rtt * TT_MS / 2;
	p.bytes = (size_t)bytes;
	p.flows = (int)flows;
	p.seed = seed;
	cc_run(&p, &r);
	report(&p, &r);
	ck_assert(r.ok);
}
END_TEST

Suite *cc_sim_suite(void)
{
	Suite *su = suite_create("cc_sim");
	TCase *tc = tcase_create("cc");
	tcase_set_timeout(tc, 600);
	if (getenv("CC_SIM_RUN") != NULL) {
		tcase_add_test(tc, one_run);
		suite_add_tcase(su, tc);
		return su;
	}
	tcase_add_test(tc, link_utilization);
	tcase_add_test(tc, sack_recovers_loss);
	tcase_add_test(tc, two_flows_fair);
	tcase_add_test(tc, goodput_snapshot);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(cc_sim_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
