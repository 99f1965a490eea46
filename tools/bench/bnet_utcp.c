/*
 * tools/bench/bnet_utcp.c - the workloads on utcp: struct bnet mapped to
 * utcp's socket calls on one context, and one run on the simulator: two
 * hosts on one link (latency 1 us, no rate limit, no queue limit, no
 * impairment), the server's and the client's application each a coroutine
 * running its own epoll loop.  The world, both stacks and both
 * applications run in the calling thread, so its CPU time counts both
 * endpoints.  After the run both applications wait for their connections
 * to finish (TIME-WAIT included, in virtual time, outside the timed phase)
 * and the world's shutdown must find no packet buffer leaked.
 * With wl_spec.ip6 the same over IPv6: AF_INET6 sockets, 10.0.0.N read as
 * 2001:db8::N, static neighbour entries in place of ARP's.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <utcp/sim.h>
#include <utcp/utcp.h>

#include "tools/bench/bench.h"

#define U_EVENTS 512
#define U_PORT 80
#define U_SRV_IP 0x0a000001u /* 10.0.0.1 */
#define U_CLI_IP 0x0a000002u
#define U_LINK_LATENCY (1 * UTCP_NSEC_PER_USEC)
#define U_BOUND (3600 * UTCP_NSEC_PER_SEC) /* virtual */
#define U_DRAIN (300 * UTCP_NSEC_PER_SEC)

static __thread int u_ip6; /* this run is over IPv6 (bench_utcp_run sets it) */

static int u_socket(void *c)
{
	return utcp_socket(c, u_ip6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
}

/* 10.0.0.N -> 2001:db8::N (0 -> ::) */
static void u_in6(uint32_t ip, uint8_t b[16])
{
	memset(b, 0, 16);
	if (ip == 0)
		return;
	b[0] = 0x20, b[1] = 0x01, b[2] = 0x0d, b[3] = 0xb8;
	b[15] = (uint8_t)ip;
}

/* The socket address of ip:port in this run's family; its length. */
static socklen_t u_sa(struct sockaddr_storage *ss, uint32_t ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (u_ip6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		u_in6(ip, s6->sin6_addr.s6_addr);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	s4->sin_addr.s_addr = htonl(ip);
	return sizeof(*s4);
}

static int u_listen(void *c, int s, uint32_t ip, uint16_t *port, int backlog)
{
	if (*port == 0)
		*port = U_PORT;
	struct sockaddr_storage sa;
	socklen_t len = u_sa(&sa, ip, *port);
	if (utcp_bind(c, s, (struct sockaddr *)&sa, len) < 0)
		return -1;
	return utcp_listen(c, s, backlog);
}

static int u_accept(void *c, int l)
{
	int s = utcp_accept(c, l, NULL, NULL);
	if (s >= 0 && utcp_setsock_nonblock(c, s) < 0) {
		utcp_close(c, s);
		return -1;
	}
	return s;
}

static int u_connect(void *c, int s, uint32_t ip, uint16_t port)
{
	struct sockaddr_storage sa;
	socklen_t len = u_sa(&sa, ip, port);
	return utcp_connect(c, s, (struct sockaddr *)&sa, len);
}

static ssize_t u_read(void *c, int s, void *buf, size_t len)
{
	return utcp_read(c, s, buf, len);
}

static ssize_t u_write(void *c, int s, const void *buf, size_t len)
{
	return utcp_write(c, s, buf, len);
}

static ssize_t u_recv_zc(void *c, int s, struct iovec *iov, int n)
{
	return utcp_recv_zc(c, s, iov, n);
}

static int u_recv_zc_done(void *c, int s, size_t len)
{
	return utcp_recv_zc_done(c, s, len);
}

static ssize_t u_send_zc_reserve(void *c, int s, struct iovec *iov, int n)
{
	return utcp_send_zc_reserve(c, s, iov, n);
}

static ssize_t u_send_zc_commit(void *c, int s, size_t len)
{
	return utcp_send_zc_commit(c, s, len);
}

static int u_shutdown_wr(void *c, int s)
{
	return utcp_shutdown(c, s, SHUT_WR);
}

static int u_close(void *c, int s)
{
	return utcp_close(c, s);
}

static int u_nodelay(void *c, int s)
{
	int one = 1;
	return utcp_setsockopt(c, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int u_so_error(void *c, int s)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (utcp_getsockopt(c, s, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static int u_epoll_create(void *c)
{
	return utcp_epoll_create1(c, 0);
}

static int u_epoll_ctl(void *c, int ep, int op, int s, struct epoll_event *ev)
{
	return utcp_epoll_ctl(c, ep, op, s, ev);
}

static int u_epoll_wait(void *c, int ep, struct epoll_event *evs, int n, int timeout_ms)
{
	return utcp_epoll_wait(c, ep, evs, n, timeout_ms);
}

const struct bnet_ops bnet_utcp_ops = {
	.socket = u_socket, .listen = u_listen, .accept = u_accept, .connect = u_connect,
	.read = u_read, .write = u_write, .shutdown_wr = u_shutdown_wr, .close = u_close,
	.nodelay = u_nodelay, .so_error = u_so_error, .epoll_create = u_epoll_create,
	.epoll_ctl = u_epoll_ctl, .epoll_wait = u_epoll_wait, .recv_zc = u_recv_zc,
	.recv_zc_done = u_recv_zc_done, .send_zc_reserve = u_send_zc_reserve,
	.send_zc_commit = u_send_zc_commit,
};

/* ---- one run on the simulator ----------------------------------------------------- */

struct ubench {
	struct wl_run r;
	struct bnet srv, cli;
	struct utcp_sim_host *h[2];   /* server, client */
	int done[2];
};

/* Wait until the context holds no connection (TIME-WAIT included). */
static void u_drain(struct utcp_ctx *ctx)
{
	struct utcp_sock_usage u;
	utcp_time_t end = utcp_ctx_now(ctx) + U_DRAIN;
	for (;;) {
		utcp_ctx_sock_usage(ctx, &u);
		if (u.tcbs == 0 || utcp_ctx_now(ctx) > end)
			return;
		if (utcp_ctx_wait(ctx, utcp_ctx_now(ctx) + 100 * UTCP_NSEC_PER_MSEC) < 0)
			return;
	}
}

static void u_loop(struct wl_run *r, struct bnet *n, int (*finished)(const struct wl_run *))
{
	struct epoll_event evs[U_EVENTS];
	while (!finished(r)) {
		int m = n->ops->epoll_wait(n->c, n->ep, evs, U_EVENTS, 100);
		if (m < 0) {
			wl_fail(r, "epoll_wait: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < m; i++)
			if (wl_dispatch(r, n, &evs[i]) < 0)
				return;
	}
}

static int u_server(void *arg)
{
	struct ubench *b = arg;
	struct wl_run *r = &b->r;
	b->srv.ep = utcp_epoll_create1(b->srv.c, 0);
	if (b->srv.ep < 0)
		wl_fail(r, "server epoll_create: %s", strerror(errno));
	else if (wl_server_start(r) == 0)
		u_loop(r, &b->srv, wl_server_finished);
	for (int fd = 0; fd < r->sc_cap; fd++)
		if (wl_server_fd_open(r, fd))
			utcp_close(b->srv.c, fd);
	if (r->lfd >= 0)
		utcp_close(b->srv.c, r->lfd);
	utcp_close(b->srv.c, b->srv.ep);
	u_drain(b->srv.c);
	b->done[0] = 1;
	return 0;
}

static int u_client(void *arg)
{
	struct ubench *b = arg;
	struct wl_run *r = &b->r;
	b->cli.ep = utcp_epoll_create1(b->cli.c, 0);
	if (b->cli.ep < 0)
		wl_fail(r, "client epoll_create: %s", strerror(errno));
	else if (wl_client_start(r) == 0)
		u_loop(r, &b->cli, wl_client_finished);
	for (int i = 0; i < r->sp->conns; i++)
		if (wl_client_fd(r, i) >= 0)
			utcp_close(b->cli.c, wl_client_fd(r, i));
	utcp_close(b->cli.c, b->cli.ep);
	u_drain(b->cli.c);
	b->done[1] = 1;
	return 0;
}

static int u_both_done(struct utcp_sim_world *w, void *arg)
{
	struct ubench *b = arg;
	(void)w;
	return b->done[0] && b->done[1];
}

static void u_mac(uint8_t *mac, int host)
{
	static const uint8_t base[UTCP_ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	memcpy(mac, base, UTCP_ETH_ALEN);
	mac[5] = (uint8_t)(1 + host);
}

/* Static ARP entries for the peer (as mTCP's arp.conf): the timed phase
 * should not start with a thousand SYNs waiting for one ARP reply. */
static void u_config(struct utcp_config *cfg, const struct wl_spec *sp, int host, uint64_t seed)
{
	uint32_t ip = host ? U_CLI_IP : U_SRV_IP;
	utcp_config_defaults(cfg);
	strcpy(cfg->io, "sim");
	cfg->num_cores = 1;
	cfg->max_concurrency = 4 * sp->conns + 64;
	cfg->max_num_buffers = 2 * sp->conns + 64;
	cfg->rcvbuf = cfg->sndbuf = sp->kind == WL_BULK ? 1024 * 1024 : 16384;
	cfg->tcp_timeout = -1;
	cfg->seed = seed;
	cfg->has_seed = 1;
	cfg->nb_ports = 1;
	strcpy(cfg->ports[0].name, "sim0");
	cfg->ports[0].ip = htonl(ip);
	cfg->ports[0].prefix = 24;
	cfg->nb_arp = 1;
	cfg->arp[0].ip = htonl(host ? U_SRV_IP : U_CLI_IP);
	cfg->arp[0].prefix = 32;
	u_mac(cfg->arp[0].mac, !host);
	if (sp->ip6) { /* the same over IPv6: no DAD, the peer a static neighbour */
		u_in6(ip, cfg->ports[0].ip6.b);
		cfg->ports[0].prefix6 = 64;
		cfg->ip6_dad_transmits = 0;
		cfg->nb_neigh6 = 1;
		u_in6(host ? U_SRV_IP : U_CLI_IP, cfg->neigh6[0].ip6.b);
		u_mac(cfg->neigh6[0].mac, !host);
		cfg->neigh6[0].port = 0;
	}
}

static int u_host(struct utcp_sim_world *w, struct utcp_sim_link *l, struct ubench *b, int i,
		  const struct wl_spec *sp, char *err, size_t errlen)
{
	struct utcp_config cfg;
	uint8_t mac[UTCP_ETH_ALEN];
	uint32_t nbufs = sp->kind == WL_SHORT ? 8u * (uint32_t)sp->conns + 4096 : 16384;
	b->h[i] = utcp_sim_host_create(w, i ? "client" : "server");
	if (b->h[i] == NULL)
		return snprintf(err, errlen, "host: %s", strerror(errno)), -1;
	u_mac(mac, i);
	struct utcp_nic *nic = utcp_sim_nic_create(w, b->h[i], "sim0", 1, nbufs, 0, mac, err,
						   errlen);
	/* bulk: TSO frames up to 64 KiB, whole on the wire, as loopback's */
	uint32_t tso = sp->kind == WL_BULK && !sp->no_tso ? 65535 : 0;
	if (nic == NULL || utcp_sim_nic_set_offload(nic, !sp->no_offload) < 0 ||
	    (tso != 0 && utcp_sim_nic_set_tso(nic, tso, 0) < 0) ||
	    utcp_sim_link_attach(l, i, nic) < 0)
		return nic == NULL ? -1 : (snprintf(err, errlen, "attach: %s", strerror(errno)), -1);
	u_config(&cfg, sp, i, utcp_sim_world_derive_seed(w, "host", (uint64_t)i));
	if (utcp_config_finish(&cfg, err, errlen) < 0 ||
	    utcp_sim_host_open_stack(b->h[i], &cfg, err, errlen) < 0)
		return -1;
	return 0;
}

static struct utcp_sim_world *u_world(struct ubench *b, const struct wl_spec *sp, uint64_t seed,
				      char *err, size_t errlen)
{
	struct utcp_sim_link_params lp;
	struct utcp_sim_world *w = utcp_sim_world_create(seed);
	if (w == NULL)
		return snprintf(err, errlen, "world: %s", strerror(errno)), NULL;
	utcp_sim_link_params_default(&lp);
	lp.latency = U_LINK_LATENCY;
	lp.rate = 0;
	lp.queue_frames = 0;
	struct utcp_sim_link *l = utcp_sim_link_create(w, &lp, NULL);
	if (l == NULL || u_host(w, l, b, 0, sp, err, errlen) < 0 ||
	    u_host(w, l, b, 1, sp, err, errlen) < 0) {
		if (l == NULL)
			snprintf(err, errlen, "link: %s", strerror(errno));
		utcp_sim_world_destroy(w);
		return NULL;
	}
	return w;
}

/* Drop counters by reason, both hosts summed ("" if none). */
static void u_drops(const struct utcp_stats *s, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < UTCP_STATS_COUNT && at < len; i++) {
		uint64_t n = utcp_stats_get(&s[0], i) + utcp_stats_get(&s[1], i);
		if (n != 0 && strncmp(utcp_stats_names[i], "drop_", 5) == 0)
			at += (size_t)snprintf(buf + at, len - at, " %s=%" PRIu64, utcp_stats_names[i], n);
	}
}

static void u_note(struct ubench *b, struct wl_result *res)
{
	struct utcp_stats s[2];
	char drops[120];
	for (int i = 0; i < 2; i++)
		utcp_sim_host_stats(b->h[i], &s[i]);
	double units = res->units ? (double)res->units : 1;
	if (b->r.sp->kind == WL_BULK)
		units /= 1e6;
	u_drops(s, drops, sizeof(drops));
	snprintf(res->note, sizeof(res->note),
		 "segments/%s %.1f, retransmits %" PRIu64 ", RTOs %" PRIu64
		 ", TIME-WAIT recycled %" PRIu64 ", drops %" PRIu64 "%s",
		 b->r.sp->kind == WL_BULK ? "MB" : "transaction",
		 (double)(s[0].tcp_tx + s[1].tcp_tx) / units,
		 s[0].tcp_retransmits + s[1].tcp_retransmits, s[0].tcp_rto + s[1].tcp_rto,
		 s[0].tcp_timewait_recycled + s[1].tcp_timewait_recycled,
		 utcp_stats_drops(&s[0]) + utcp_stats_drops(&s[1]), drops);
}

/* After the run: nothing may be left in either context, nothing leaked. */
static void u_check_teardown(struct ubench *b, struct utcp_sim_world *w, struct wl_result *res)
{
	for (int i = 0; i < 2 && res->ok; i++) {
		struct utcp_sock_usage u;
		utcp_ctx_sock_usage(utcp_sim_host_ctx(b->h[i], 0), &u);
		if (u.sockets || u.tcbs || u.rcvbufs || u.sndbufs) {
			res->ok = 0;
			snprintf(res->why, sizeof(res->why), "%s: %u sockets, %u TCBs left",
				 utcp_sim_host_name(b->h[i]), u.sockets, u.tcbs);
		}
	}
	uint64_t leaked = utcp_sim_world_shutdown(w, stderr);
	if (leaked != 0 && res->ok) {
		res->ok = 0;
		snprintf(res->why, sizeof(res->why), "%" PRIu64 " packet buffers leaked", leaked);
	}
}

int bench_utcp_run(const struct wl_spec *sp, uint64_t seed, struct wl_result *res)
{
	static __thread struct ubench b;
	char err[160];
	memset(&b, 0, sizeof(b));
	memset(res, 0, sizeof(*res));
	u_ip6 = sp->ip6;
	struct utcp_sim_world *w = u_world(&b, sp, seed, err, sizeof(err));
	if (w == NULL) {
		snprintf(res->why, sizeof(res->why), "%s", err);
		return -1;
	}
	b.srv = (struct bnet){ .ops = &bnet_utcp_ops, .c = utcp_sim_host_ctx(b.h[0], 0), .ep = -1 };
	b.cli = (struct bnet){ .ops = &bnet_utcp_ops, .c = utcp_sim_host_ctx(b.h[1], 0), .ep = -1 };
	enum utcp_sim_run_result rr = UTCP_SIM_ERROR;
	if (wl_init(&b.r, sp, &b.srv, &b.cli, U_SRV_IP, 0) == 0 &&
	    utcp_sim_host_spawn(b.h[0], u_server, &b, 0) >= 0 &&
	    utcp_sim_host_spawn(b.h[1], u_client, &b, 0) >= 0)
		rr = utcp_sim_world_run_until(w, u_both_done, &b, U_BOUND);
	if (rr != UTCP_SIM_DONE)
		wl_fail(&b.r, "simulation ended (%d) at %.3f s virtual: %s", (int)rr,
			utcp_sim_world_now(w) / 1e9, strerror(errno));
	wl_result(&b.r, res);
	u_note(&b, res);
	u_check_teardown(&b, w, res);
	if (!res->ok)
		fprintf(stderr, "utcp-bench: utcp %s failed: %s (seed %" PRIu64 ")\n",
			wl_names[sp->kind], res->why, seed);
	utcp_sim_world_destroy(w);
	wl_free(&b.r);
	return res->ok ? 0 : -1;
}
