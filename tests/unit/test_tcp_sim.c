/*
 * tests/unit/test_tcp_sim.c - TCP end to end on the simulator: two hosts
 * on one impaired link (loss, reordering, duplication, corruption), an
 * epoll server and a client using blocking calls, both running as
 * coroutines, bulk data both ways verified byte for byte.  While the world
 * runs, every step checks the invariants of every connection (snd_una <=
 * snd_nxt <= snd_max, data in flight within the largest window offered,
 * no illegal state change); at the end no socket, TCB or packet buffer
 * may be left.
 *
 * With checksum offload on both NICs (utcp_sim_nic_set_offload) the same
 * transfer runs with segments that carry only their pseudo-header sum: the
 * capture must still show every TCP checksum right, and corruption on the
 * link must still be caught by the receiving stack.
 *
 * TCP_SIM_SEEDS=A-B, TCP_SIM_BYTES=N and TCP_SIM_LOSS=P in the environment
 * change the sweep (default seeds 1-6, 200000 bytes each way, loss 0.05).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utcp/sim.h>

#include "tests/unit/tcptest.h"

#define SRV_PORT 80
static utcp_time_t BOUND = 900 * TT_SEC;

struct app {
	struct utcp_sim_host *h;
	uint32_t peer;            /* address of the other host */
	size_t to_send, to_recv;  /* bytes each way */
	size_t sent, got;
	int ok, done;
	char why[160];
};

static uint8_t pat_byte(int dir, size_t i)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ (dir ? 0x5a5a5a5au : 0x3c3c3c3cu);
	return (uint8_t)(x >> 13);
}

static void fill(uint8_t *b, int dir, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pat_byte(dir, off + i);
}

static int check(struct app *a, const uint8_t *b, int dir, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != pat_byte(dir, a->got + i)) {
			snprintf(a->why, sizeof(a->why), "byte %zu differs", a->got + i);
			return -1;
		}
	a->got += n;
	return 0;
}

static int app_fail(struct app *a, const char *what)
{
	snprintf(a->why, sizeof(a->why), "%s: %s", what, strerror(errno));
	a->done = 1;
	return -1;
}

/* An application that is done keeps driving its context until its closed
 * connections have finished, TIME-WAIT included (the stack runs only when
 * the application polls it), within a virtual-time bound. */
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

/* ---- server: nonblocking, epoll, level-triggered ------------------------------------- */

static int serve_conn(struct app *a, struct utcp_ctx *ctx, int ep, int c, uint32_t ev, int *eof)
{
	static uint8_t buf[16384];
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR)) {
		for (;;) {
			ssize_t n = utcp_read(ctx, c, buf, sizeof(buf));
			if (n > 0 && check(a, buf, 0, (size_t)n) == 0)
				continue;
			if (n > 0)
				return -1;
			if (n == 0) { /* EOF: from now on only EPOLLOUT matters */
				*eof = 1;
				struct epoll_event e = { .events = EPOLLOUT, .data.fd = c };
				if (a->sent == a->to_send)
					utcp_epoll_ctl(ctx, ep, EPOLL_CTL_DEL, c, NULL);
				else
					utcp_epoll_ctl(ctx, ep, EPOLL_CTL_MOD, c, &e);
			} else if (errno != EAGAIN)
				return app_fail(a, "server read");
			break;
		}
	}
	while ((ev & EPOLLOUT) && a->sent < a->to_send) {
		size_t want = a->to_send - a->sent < sizeof(buf) ? a->to_send - a->sent : sizeof(buf);
		fill(buf, 1, a->sent, want);
		ssize_t n = utcp_write(ctx, c, buf, want);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return app_fail(a, "server write");
		a->sent += (size_t)n;
		if (a->sent == a->to_send) {
			utcp_shutdown(ctx, c, SHUT_WR);
			struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = c };
			if (*eof)
				utcp_epoll_ctl(ctx, ep, EPOLL_CTL_DEL, c, NULL);
			else
				utcp_epoll_ctl(ctx, ep, EPOLL_CTL_MOD, c, &e);
		}
	}
	return 0;
}

static int server(void *arg)
{
	struct app *a = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(a->h, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	struct epoll_event evs[8], e = { .events = EPOLLIN };
	int l = utcp_socket(ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), c = -1, eof = 0;
	int ep = utcp_epoll_create(ctx, 8);
	if (utcp_bind(ctx, l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || utcp_listen(ctx, l, 8) < 0)
		return app_fail(a, "listen");
	e.data.fd = l;
	utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, l, &e);
	while (!(eof && a->sent == a->to_send)) {
		int n = utcp_epoll_wait(ctx, ep, evs, 8, 1000);
		if (n < 0)
			return app_fail(a, "epoll_wait");
		if (utcp_ctx_now(ctx) > BOUND)
			return app_fail(a, "server: too long");
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == l) {
				c = utcp_accept(ctx, l, NULL, NULL);
				if (c < 0)
					return app_fail(a, "accept");
				utcp_setsock_nonblock(ctx, c);
				struct epoll_event ce = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP,
							  .data.fd = c };
				utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, c, &ce);
			} else if (serve_conn(a, ctx, ep, c, evs[i].events, &eof) < 0) {
				a->done = 1;
				return -1;
			}
		}
	}
	utcp_close(ctx, c);
	utcp_close(ctx, l);
	utcp_close(ctx, ep);
	drain(ctx);
	a->ok = a->got == a->to_recv;
	a->done = 1;
	return 0;
}

/* ---- client: blocking calls ------------------------------------------------------------- */

static int client(void *arg)
{
	static uint8_t buf[20000];
	struct app *a = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(a->h, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT),
				  .sin_addr.s_addr = a->peer };
	int s = utcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	if (utcp_connect(ctx, s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return app_fail(a, "connect");
	/* Writes of odd sizes, then the half-close, then read to EOF. */
	while (a->sent < a->to_send) {
		size_t want = 7777 + a->sent % 5000;
		if (want > a->to_send - a->sent)
			want = a->to_send - a->sent;
		fill(buf, 0, a->sent, want);
		ssize_t n = utcp_write(ctx, s, buf, want);
		if (n <= 0)
			return app_fail(a, "client write");
		a->sent += (size_t)n;
	}
	if (utcp_shutdown(ctx, s, SHUT_WR) < 0)
		return app_fail(a, "shutdown");
	for (;;) {
		ssize_t n = utcp_read(ctx, s, buf, 3000 + a->got % 9000);
		if (n < 0)
			return app_fail(a, "client read");
		if (n == 0)
			break;
		if (check(a, buf, 1, (size_t)n) < 0) {
			a->done = 1;
			return -1;
		}
	}
	utcp_close(ctx, s);
	drain(ctx);
	a->ok = a->got == a->to_recv;
	a->done = 1;
	return 0;
}

/* ---- request/response: many connections, a new one per request ---------------------- */

#define RR_SIZE 3000
#define RR_MAX 256

struct rr {
	struct utcp_sim_host *h;
	uint32_t peer;
	int conns, requests;          /* concurrent connections, requests each */
	int completed, ok, done;
	char why[160];
};

struct rr_conn {
	int fd;
	size_t sent, got;
	int left;                     /* requests still to make (client) */
};

/* Server: accept, read RR_SIZE bytes, answer RR_SIZE bytes, close. */
static int rr_server(void *arg)
{
	static struct rr_conn c[RR_MAX * 2];
	static uint8_t buf[RR_SIZE];
	struct rr *r = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(r->h, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	struct epoll_event evs[32], e = { .events = EPOLLIN, .data.fd = -1 };
	int l = utcp_socket(ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int ep = utcp_epoll_create(ctx, 64), served = 0, total = r->conns * r->requests;
	memset(c, 0, sizeof(c));
	if (utcp_bind(ctx, l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    utcp_listen(ctx, l, 128) < 0)
		return -1;
	utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, l, &e);
	while (served < total && utcp_ctx_now(ctx) < BOUND) {
		int n = utcp_epoll_wait(ctx, ep, evs, 32, 1000);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd < 0) {
				int a;
				while ((a = utcp_accept(ctx, l, NULL, NULL)) >= 0) {
					utcp_setsock_nonblock(ctx, a);
					c[a] = (struct rr_conn){ .fd = a };
					struct epoll_event ce = { .events = EPOLLIN, .data.fd = a };
					utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, a, &ce);
				}
				continue;
			}
			struct rr_conn *k = &c[fd];
			ssize_t m;
			while (k->got < RR_SIZE && (m = utcp_read(ctx, fd, buf, RR_SIZE - k->got)) > 0)
				k->got += (size_t)m;
			if (k->got == RR_SIZE && k->sent < RR_SIZE) {
				memset(buf, 'r', sizeof(buf));
				m = utcp_write(ctx, fd, buf, RR_SIZE - k->sent);
				if (m > 0)
					k->sent += (size_t)m;
				struct epoll_event ce = { .events = EPOLLOUT, .data.fd = fd };
				utcp_epoll_ctl(ctx, ep, EPOLL_CTL_MOD, fd, &ce);
			}
			if (k->sent == RR_SIZE) {
				utcp_close(ctx, fd); /* the server closes first: TIME-WAIT here */
				served++;
			} else if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
				utcp_close(ctx, fd);
				served++;
			}
		}
	}
	utcp_close(ctx, l);
	utcp_close(ctx, ep);
	drain(ctx);
	r->done = 1;
	return 0;
}

static int rr_start(struct utcp_ctx *ctx, int ep, struct rr *r, struct rr_conn *k)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT),
				  .sin_addr.s_addr = r->peer };
	k->fd = utcp_socket(ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	k->sent = k->got = 0;
	if (k->fd < 0 || (utcp_connect(ctx, k->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
			  errno != EINPROGRESS)) {
		snprintf(r->why, sizeof(r->why), "connect: %s", strerror(errno));
		return -1;
	}
	struct epoll_event e = { .events = EPOLLOUT | EPOLLIN, .data.ptr = k };
	return utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, k->fd, &e);
}

/* One step of a client connection; 1 when its response is complete. */
static int rr_step(struct utcp_ctx *ctx, int ep, struct rr *r, struct rr_conn *k, uint32_t ev)
{
	static uint8_t buf[RR_SIZE];
	if (ev & EPOLLERR) {
		int e;
		socklen_t el = sizeof(e);
		utcp_getsockopt(ctx, k->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		snprintf(r->why, sizeof(r->why), "connection error %s", strerror(e));
		return -1;
	}
	if (k->sent < RR_SIZE) {
		memset(buf, 'q', sizeof(buf));
		ssize_t m = utcp_write(ctx, k->fd, buf, RR_SIZE - k->sent);
		if (m > 0)
			k->sent += (size_t)m;
		if (k->sent == RR_SIZE) { /* request queued: only the response matters now */
			struct epoll_event e = { .events = EPOLLIN, .data.ptr = k };
			utcp_epoll_ctl(ctx, ep, EPOLL_CTL_MOD, k->fd, &e);
		}
	}
	ssize_t m;
	while ((m = utcp_read(ctx, k->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < m; i++)
			if (buf[i] != 'r')
				return -1;
		k->got += (size_t)m;
	}
	if (m == 0 && k->got == RR_SIZE)
		return 1; /* EOF after the whole response */
	if (m == 0 || (m < 0 && errno != EAGAIN)) {
		snprintf(r->why, sizeof(r->why), "response cut at %zu", k->got);
		return -1;
	}
	return 0;
}

static int rr_client(void *arg)
{
	static struct rr_conn c[RR_MAX];
	struct rr *r = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(r->h, 0);
	struct epoll_event evs[32];
	int ep = utcp_epoll_create(ctx, 64), active = r->conns;
	for (int i = 0; i < r->conns; i++) {
		c[i].left = r->requests;
		if (rr_start(ctx, ep, r, &c[i]) < 0)
			goto out;
	}
	while (active > 0 && utcp_ctx_now(ctx) < BOUND) {
		int n = utcp_epoll_wait(ctx, ep, evs, 32, 1000);
		for (int i = 0; i < n; i++) {
			struct rr_conn *k = evs[i].data.ptr;
			int st = rr_step(ctx, ep, r, k, evs[i].events);
			if (st < 0)
				goto out;
			if (st == 0)
				continue;
			utcp_close(ctx, k->fd);
			r->completed++;
			if (--k->left > 0) {
				if (rr_start(ctx, ep, r, k) < 0)
					goto out;
			} else {
				active--;
			}
		}
	}
	r->ok = active == 0;
out:
	for (int i = 0; i < r->conns; i++)
		if (c[i].left > 0 && c[i].fd >= 0 && !r->ok)
			utcp_close(ctx, c[i].fd);
	utcp_close(ctx, ep);
	drain(ctx);
	r->done = 1;
	return 0;
}

/* ---- invariants ------------------------------------------------------------------------------ */

static char inv_msg[200];

static void check_tcbs(struct utcp_ctx *ctx)
{
	if (inv_msg[0] == 0)
		utcp_ctx_check_invariants(ctx, inv_msg, sizeof(inv_msg));
}

struct run {
	struct app *srv, *cli;
	int *done[2];
	struct utcp_sim_host *h[2];
};

static int both_done(struct utcp_sim_world *w, void *arg)
{
	struct run *r = arg;
	(void)w;
	for (int i = 0; i < 2; i++)
		check_tcbs(utcp_sim_host_ctx(r->h[i], 0));
	return inv_msg[0] != 0 || (*r->done[0] && *r->done[1]);
}

static void dump(struct run *r, struct utcp_sim_world *w)
{
	if (r->srv != NULL)
		fprintf(stderr, "at %.3f s: server sent %zu got %zu done %d (%s); client sent %zu "
			"got %zu done %d (%s)\n", utcp_sim_world_now(w) / 1e9, r->srv->sent,
			r->srv->got, r->srv->done, r->srv->why, r->cli->sent, r->cli->got,
			r->cli->done, r->cli->why);
	for (int i = 0; i < 2; i++) {
		struct utcp_ctx *ctx = utcp_sim_host_ctx(r->h[i], 0);
		struct utcp_tcp_ctx *t = ctx->tcp;
		for (uint32_t b = 0; b <= t->flow_mask; b++)
			for (struct utcp_tcb *tp = t->flows[b]; tp != NULL; tp = tp->hnext)
				fprintf(stderr,
					" host %d %s una %u nxt %u max %u sndlen %u rcvlen %u snd_wnd %u "
					"cwnd %u rcv_nxt %u rcv_adv %u flags %#x rexmt %d sock %p srtt %.3f rttvar %.3f rto %.3f shift %u\n",
					i, tcp_state_names[tp->state], tp->snd_una - tp->iss,
					tp->snd_nxt - tp->iss, tp->snd_max - tp->iss, tp->snd.len,
					tp->rcv.len, tp->snd_wnd, tp->cwnd, tp->rcv_nxt - tp->irs,
					tp->rcv_adv - tp->irs, tp->flags,
					utcp_timer_pending(&tp->t_rexmt), tp->sock, tp->srtt / 1e9,
					tp->rttvar / 1e9, tp->rto / 1e9, tp->rxtshift);
		utcp_stats_print(stderr, i ? " cli " : " srv ", &ctx->stats);
	}
}

/* ---- one seed ---------------------------------------------------------------------------------- */

static void host_cfg(struct utcp_config *cfg, uint32_t ip, uint64_t seed)
{
	char err[200];
	utcp_config_defaults(cfg);
	strcpy(cfg->io, "sim");
	cfg->num_cores = 1;
	cfg->max_concurrency = 512;
	cfg->max_num_buffers = 512;
	cfg->rcvbuf = 65536;
	cfg->sndbuf = 65536;
	cfg->tcp_timeout = -1;
	strcpy(cfg->cc, "newreno");
	cfg->seed = seed;
	cfg->has_seed = 1;
	cfg->nb_ports = 1;
	strcpy(cfg->ports[0].name, "sim0");
	cfg->ports[0].ip = ip;
	cfg->ports[0].prefix = 24;
	ck_assert_msg(utcp_config_finish(cfg, err, sizeof(err)) == 0, "%s", err);
}

/* How world_up builds the next world (tests that need otherwise set them). */
static int nic_offload = 0;            /* both NICs offer checksum offload */
static double link_corrupt = 0.001;
static const char *capture_path = NULL;

static struct utcp_sim_world *world_up(uint64_t seed, double loss, struct run *r)
{
	char err[200];
	struct utcp_sim_link_params lp;
	struct utcp_sim_world *w = utcp_sim_world_create(seed);
	const char *pcap = capture_path != NULL ? capture_path : getenv("TCP_SIM_PCAP");
	if (pcap != NULL)
		ck_assert_int_eq(utcp_sim_world_capture(w, pcap, err, sizeof(err)), 0);
	utcp_sim_link_params_default(&lp);
	lp.latency = 2 * TT_MS;
	lp.rate = 100000000ull;
	lp.fault.loss = loss;
	lp.fault.reorder = 0.05;
	lp.fault.dup = 0.01;
	lp.fault.corrupt = link_corrupt;
	struct utcp_sim_link *link = utcp_sim_link_create(w, &lp, NULL);
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 2; i++) {
		struct utcp_config cfg;
		r->h[i] = utcp_sim_host_create(w, i ? "client" : "server");
		struct utcp_nic *nic = utcp_sim_nic_create(w, r->h[i], "sim0", 1, 4096, 0, NULL, err,
							   sizeof(err));
		ck_assert_msg(nic != NULL, "%s", err);
		ck_assert_int_eq(utcp_sim_nic_set_offload(nic, nic_offload), 0);
		ck_assert_int_eq(utcp_sim_link_attach(link, i, nic), 0);
		host_cfg(&cfg, TN_IP(10, 0, 0, 1 + i), utcp_sim_world_derive_seed(w, "host", (uint64_t)i));
		ck_assert_msg(utcp_sim_host_open_stack(r->h[i], &cfg, err, sizeof(err)) == 0, "%s",
			      err);
	}
	inv_msg[0] = 0;
	return w;
}

/* Run to completion, then let TIME-WAIT pass: nothing may be left. */
static enum utcp_sim_run_result world_run(struct utcp_sim_world *w, struct run *r)
{
	enum utcp_sim_run_result res;
	if (getenv("TCP_SIM_TRACE") != NULL) {
		utcp_time_t step = (utcp_time_t)atoi(getenv("TCP_SIM_TRACE")) * TT_SEC;
		do {
			res = utcp_sim_world_run_until(w, both_done, r, utcp_sim_world_now(w) + step);
			dump(r, w);
		} while (res == UTCP_SIM_BOUND && utcp_sim_world_now(w) < BOUND);
	} else {
		res = utcp_sim_world_run_until(w, both_done, r, BOUND);
	}
	return res;
}

static void world_down(struct utcp_sim_world *w, struct run *r, uint64_t seed)
{
	for (int i = 0; i < 2; i++) {
		struct utcp_sock_usage u;
		utcp_ctx_sock_usage(utcp_sim_host_ctx(r->h[i], 0), &u);
		ck_assert_msg(u.sockets == 0 && u.tcbs == 0 && u.rcvbufs == 0 && u.sndbufs == 0,
			      "seed %llu host %d: %u sockets %u tcbs left", (unsigned long long)seed,
			      i, u.sockets, u.tcbs);
		ck_assert_uint_eq(utcp_sim_host_ctx(r->h[i], 0)->stats.tcp_illegal_transitions, 0);
	}
	ck_assert_uint_eq(utcp_sim_world_shutdown(w, stderr), 0);
	utcp_sim_world_destroy(w);
}

static uint64_t last_cksum_drops[2]; /* drop_tcp_cksum of each host in the last run_seed */

static void run_seed(uint64_t seed, size_t bytes, double loss)
{
	struct run r;
	struct app srv = { 0 }, cli = { 0 };
	struct utcp_sim_world *w = world_up(seed, loss, &r);
	uint32_t ip[2] = { TN_IP(10, 0, 0, 1), TN_IP(10, 0, 0, 2) };
	srv = (struct app){ .h = r.h[0], .peer = ip[1], .to_send = bytes, .to_recv = bytes };
	cli = (struct app){ .h = r.h[1], .peer = ip[0], .to_send = bytes, .to_recv = bytes };
	r.srv = &srv;
	r.cli = &cli;
	r.done[0] = &srv.done;
	r.done[1] = &cli.done;
	ck_assert_int_ge(utcp_sim_host_spawn(r.h[0], server, &srv, 0), 0);
	ck_assert_int_ge(utcp_sim_host_spawn(r.h[1], client, &cli, 0), 0);
	enum utcp_sim_run_result res = world_run(w, &r);
	if (res != UTCP_SIM_DONE || inv_msg[0] || !srv.ok || !cli.ok)
		dump(&r, w);
	ck_assert_msg(inv_msg[0] == 0, "seed %llu: invariant: %s", (unsigned long long)seed,
		      inv_msg);
	ck_assert_msg(res == UTCP_SIM_DONE, "seed %llu: run ended %d at %llu ns", (unsigned long long)seed,
		      res, (unsigned long long)utcp_sim_world_now(w));
	ck_assert_msg(srv.ok && cli.ok, "seed %llu: server %s (%zu/%zu), client %s (%zu/%zu)",
		      (unsigned long long)seed, srv.why, srv.got, srv.to_recv, cli.why, cli.got,
		      cli.to_recv);
	if (getenv("TCP_SIM_VERBOSE") != NULL) {
		struct utcp_stats a, b;
		utcp_sim_host_stats(r.h[0], &a);
		utcp_sim_host_stats(r.h[1], &b);
		printf("seed %llu: %zu bytes each way in %.3f s virtual; segments %llu/%llu, "
		       "retransmits %llu/%llu, rto %llu/%llu, fast %llu/%llu\n",
		       (unsigned long long)seed, bytes, utcp_sim_world_now(w) / 1e9,
		       (unsigned long long)a.tcp_tx, (unsigned long long)b.tcp_tx,
		       (unsigned long long)a.tcp_retransmits, (unsigned long long)b.tcp_retransmits,
		       (unsigned long long)a.tcp_rto, (unsigned long long)b.tcp_rto,
		       (unsigned long long)a.tcp_fast_retransmits,
		       (unsigned long long)b.tcp_fast_retransmits);
	}
	for (int i = 0; i < 2; i++)
		last_cksum_drops[i] = utcp_sim_host_ctx(r.h[i], 0)->stats.drop_tcp_cksum;
	world_down(w, &r, seed);
}

static void run_rr(uint64_t seed, int conns, int requests, double loss)
{
	struct run r;
	struct utcp_sim_world *w = world_up(seed, loss, &r);
	struct rr srv = { .h = r.h[0], .conns = conns, .requests = requests };
	struct rr cli = { .h = r.h[1], .peer = TN_IP(10, 0, 0, 1), .conns = conns,
			  .requests = requests };
	r.done[0] = &srv.done;
	r.done[1] = &cli.done;
	ck_assert_int_ge(utcp_sim_host_spawn(r.h[0], rr_server, &srv, 0), 0);
	ck_assert_int_ge(utcp_sim_host_spawn(r.h[1], rr_client, &cli, 0), 0);
	enum utcp_sim_run_result res = world_run(w, &r);
	if (res != UTCP_SIM_DONE || inv_msg[0] || !cli.ok)
		dump(&r, w);
	ck_assert_msg(inv_msg[0] == 0, "seed %llu: invariant: %s", (unsigned long long)seed,
		      inv_msg);
	ck_assert_msg(res == UTCP_SIM_DONE && cli.ok, "seed %llu: rr: %d of %d done (%s) run %d",
		      (unsigned long long)seed, cli.completed, conns * requests, cli.why, res);
	if (getenv("TCP_SIM_VERBOSE") != NULL)
		printf("seed %llu: rr %d x %d in %.3f s virtual\n", (unsigned long long)seed, conns,
		       requests, utcp_sim_world_now(w) / 1e9);
	world_down(w, &r, seed);
}

/* ---- an application that never waits ------------------------------------------------ */

/* Server: accept, wait 50 ms of virtual time, answer one byte, close. */
static int late_server(void *arg)
{
	struct rr *r = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(r->h, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	int l = utcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	if (utcp_bind(ctx, l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || utcp_listen(ctx, l, 4) < 0)
		return -1;
	int c = utcp_accept(ctx, l, NULL, NULL);
	utcp_time_t t = utcp_ctx_now(ctx) + 50 * TT_MS;
	while (utcp_ctx_now(ctx) < t)
		utcp_ctx_wait(ctx, t);
	utcp_write(ctx, c, "x", 1);
	utcp_close(ctx, c);
	utcp_close(ctx, l);
	drain(ctx);
	r->done = 1;
	return 0;
}

/* Client: EPOLLOUT stays registered, level-triggered, so every epoll_wait
 * returns at once; the stack must still let virtual time pass. */
static int spinning_client(void *arg)
{
	struct rr *r = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(r->h, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT),
				  .sin_addr.s_addr = r->peer };
	int s = utcp_socket(ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), ep = utcp_epoll_create1(ctx, 0);
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT, .data.fd = s }, ev;
	utcp_connect(ctx, s, (struct sockaddr *)&sa, sizeof(sa));
	utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, s, &e);
	char b;
	while (utcp_ctx_now(ctx) < BOUND && !r->ok)
		if (utcp_epoll_wait(ctx, ep, &ev, 1, 1000) > 0 && (ev.events & EPOLLIN))
			r->ok = utcp_read(ctx, s, &b, 1) == 1 && b == 'x';
	utcp_close(ctx, s);
	utcp_close(ctx, ep);
	drain(ctx);
	r->done = 1;
	return 0;
}

START_TEST(busy_polling_application_lets_virtual_time_pass)
{
	struct run r;
	struct utcp_sim_world *w = world_up(3, 0.0, &r);
	struct rr srv = { .h = r.h[0] };
	struct rr cli = { .h = r.h[1], .peer = TN_IP(10, 0, 0, 1) };
	r.done[0] = &srv.done;
	r.done[1] = &cli.done;
	ck_assert_int_ge(utcp_sim_host_spawn(r.h[0], late_server, &srv, 0), 0);
	ck_assert_int_ge(utcp_sim_host_spawn(r.h[1], spinning_client, &cli, 0), 0);
	ck_assert_int_eq(world_run(w, &r), UTCP_SIM_DONE);
	ck_assert_msg(cli.ok, "the reply never arrived");
	world_down(w, &r, 3);
}
END_TEST

static unsigned seed_lo = 1, seed_hi = 6;
static size_t sweep_bytes = 200000;
static double sweep_loss = 0.05;

START_TEST(request_response_many_connections)
{
	for (unsigned s = seed_lo; s <= seed_hi; s++)
		run_rr(s, 50, 4, sweep_loss);
}
END_TEST

START_TEST(bulk_both_ways_clean_link)
{
	run_seed(1000, 300000, 0.0);
}
END_TEST

START_TEST(bulk_both_ways_impaired)
{
	for (unsigned s = seed_lo; s <= seed_hi; s++)
		run_seed(s, sweep_bytes, sweep_loss);
}
END_TEST

/* Every TCP segment in a capture: its checksum verifies.  Returns how many. */
static int capture_tcp_cksums_ok(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	ck_assert_msg(pc != NULL, "%s", err);
	struct pcap_pkthdr *h;
	const u_char *f;
	int n = 0;
	while (pcap_next_ex(pc, &h, &f) == 1) {
		if (h->caplen < 54 || f[12] != 0x08 || f[13] != 0x00 || f[23] != UTCP_IPPROTO_TCP)
			continue;
		uint16_t l4 = (uint16_t)(((f[16] << 8) | f[17]) - 20);
		uint32_t src, dst;
		memcpy(&src, f + 26, 4);
		memcpy(&dst, f + 30, 4);
		ck_assert_uint_eq(utcp_csum_fold(utcp_csum_partial(f + 34, l4,
				  utcp_csum_pseudo(src, dst, UTCP_IPPROTO_TCP, l4))), 0);
		n++;
	}
	pcap_close(pc);
	return n;
}

START_TEST(bulk_with_checksum_offload)
{
	char path[] = "/tmp/utcp-test-offload-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	nic_offload = 1;
	capture_path = path;
	run_seed(1001, 300000, 0.0);
	capture_path = NULL;
	ck_assert_int_gt(capture_tcp_cksums_ok(path), 400); /* finished on the wire */
	unlink(path);
	/* damage on the link is still caught by the receiving stack */
	link_corrupt = 0.02;
	run_seed(1002, 300000, 0.0);
	ck_assert_uint_gt(last_cksum_drops[0], 0);
	ck_assert_uint_gt(last_cksum_drops[1], 0);
	link_corrupt = 0.001;
	nic_offload = 0;
}
END_TEST

Suite *tcp_sim_suite(void)
{
	Suite *su = suite_create("tcp_sim");
	TCase *tc = tcase_create("sim");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, bulk_both_ways_clean_link);
	tcase_add_test(tc, bulk_with_checksum_offload);
	tcase_add_test(tc, bulk_both_ways_impaired);
	tcase_add_test(tc, request_response_many_connections);
	tcase_add_test(tc, busy_polling_application_lets_virtual_time_pass);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	const char *e = getenv("TCP_SIM_SEEDS");
	if (e != NULL && sscanf(e, "%u-%u", &seed_lo, &seed_hi) != 2)
		seed_lo = seed_hi = (unsigned)atoi(e);
	if ((e = getenv("TCP_SIM_BOUND")) != NULL)
		BOUND = (utcp_time_t)atol(e) * TT_SEC;
	if ((e = getenv("TCP_SIM_BYTES")) != NULL)
		sweep_bytes = (size_t)atol(e);
	if ((e = getenv("TCP_SIM_LOSS")) != NULL)
		sweep_loss = atof(e);
	SRunner *sr = srunner_create(tcp_sim_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
