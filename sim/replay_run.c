/*
 * sim/replay_run.c - one replay run: the world, the two hosts, and the
 * small application that plays utcp's side through the socket API.
 *
 * Call order: utcp_replay_run -> build the world (replayer host on link
 * side 0 with the engine as its step callback, utcp host on side 1 with the
 * application as a coroutine; impairments on the replayer -> utcp
 * direction) -> run until the application is done -> observations ->
 * shutdown (leaked packet buffers fail the run).  The link's latency is by
 * default half the trace's handshake round trip, so that what crossed on the
 * recorded wire (simultaneous FINs, data against a window update) can cross
 * here too.
 *
 * The application's script comes from the trace: for each segment of the
 * side utcp plays that carries new bytes it writes them once it has
 * received what that segment acknowledged (and the peer's FIN, if it was
 * acknowledged) and, with REPLAY_PACE_TIME, not before the segment's
 * recorded time (virtual time starts with the trace); the side's first FIN is shutdown(SHUT_WR) at the same
 * point; its first RST is utcp_abort() once the replayer has received
 * everything written (or, with `app = close-unread`, close() with data left
 * unread: RFC 1122 §4.2.2.13).  It reads eagerly (except close-unread),
 * checks every byte against the recorded stream, and closes after EOF or a
 * reset.  A server side whose trace refused the SYN does not listen.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/replay_int.h"

enum { ST_WRITE, ST_SHUT, ST_RESET };

struct step {
	int op;
	uint32_t off, len;         /* ST_WRITE: stream bytes */
	uint32_t need;             /* bytes received (read + unread) first */
	int need_eof;
	utcp_time_t t;             /* REPLAY_PACE_TIME: not before its recorded time */
};

struct app {
	struct rp *rp;
	struct utcp_sim_host *h;
	struct step *steps;
	int nsteps, cur;
	int refuse;                /* server side: do not listen */
	utcp_time_t latency;       /* one way, both directions */
	int close_unread;
	int fd, ep, done, eof, reset, closed, refused;
	uint32_t got, wrote;
	struct replay_sha256 sha;
	char err[160];
};

/* ---- the script ---------------------------------------------------------- */

static void add_step(struct app *a, const struct step *s)
{
	struct step *last = a->nsteps ? &a->steps[a->nsteps - 1] : NULL;
	if (last && s->op == ST_WRITE && last->op == ST_WRITE && last->need == s->need &&
	    last->need_eof == s->need_eof && last->off + last->len == s->off) {
		last->len += s->len;
		return;
	}
	a->steps[a->nsteps++] = *s;
}

static int build_script(struct app *a)
{
	const struct replay_trace *t = a->rp->t;
	int R = a->rp->R, P = a->rp->P, fin = 0;
	uint32_t wrote = 0;
	a->steps = calloc((size_t)t->nseg + 1, sizeof(*a->steps));
	if (a->steps == NULL)
		return -1;
	for (int i = 0; i < t->nseg; i++) {
		const struct replay_seg *s = &t->seg[i];
		if (s->from != R)
			continue;
		if ((s->flags & 0x04) && !t->has_syn[R]) {
			a->refuse = 1; /* RST answering the SYN */
			break;
		}
		struct step st = { .t = a->rp->o->pace == REPLAY_PACE_TIME ? s->t : 0 };
		/* the capture was on the client's side: the server sent a latency earlier */
		if (R == REPLAY_SERVER && st.t > a->latency)
			st.t -= a->latency;
		if ((s->flags & 0x10) && t->has_syn[P]) {
			uint32_t n = s->ack - t->isn[P] - 1;
			if (n != UINT32_MAX && n > t->stream_len[P]) {
				st.need_eof = t->fin[P];
				n = t->stream_len[P];
			}
			st.need = n == UINT32_MAX ? 0 : n;
		}
		uint32_t end = s->seq + s->len - t->isn[R] - 1;
		if (s->len > 0 && end > wrote && end <= t->stream_len[R]) {
			st.op = ST_WRITE;
			st.off = wrote;
			st.len = end - wrote;
			add_step(a, &st);
			wrote = end;
		}
		if ((s->flags & 0x01) && !fin) {
			fin = 1;
			st.op = ST_SHUT;
			add_step(a, &st);
		}
		if (s->flags & 0x04) {
			st.op = ST_RESET;
			add_step(a, &st);
			break;
		}
	}
	return 0;
}

/* ---- the application ------------------------------------------------------ */

static int app_fail(struct app *a, const char *what)
{
	snprintf(a->err, sizeof(a->err), "%s: %s", what, strerror(errno));
	return -1;
}

/* Read what is there; every byte must be the replayed side's stream. */
static int app_read(struct app *a, struct utcp_ctx *ctx)
{
	const struct replay_trace *t = a->rp->t;
	uint8_t buf[16384];
	while (!a->eof && !a->reset && !a->close_unread) {
		ssize_t n = utcp_read(ctx, a->fd, buf, sizeof(buf));
		if (n == 0) {
			a->eof = 1;
		} else if (n < 0 && errno == EAGAIN) {
			break;
		} else if (n < 0) {
			if (errno != ECONNRESET && errno != EPIPE)
				return app_fail(a, "read");
			a->reset = 1;
		} else {
			uint32_t len = (uint32_t)n;
			if (a->got + len > t->stream_len[a->rp->P] ||
			    memcmp(buf, t->stream[a->rp->P] + a->got, len) != 0) {
				snprintf(a->err, sizeof(a->err), "read %u bytes at offset %u that are "
					 "not the recorded stream", len, a->got);
				return -1;
			}
			replay_sha256_update(&a->sha, buf, len);
			a->got += len;
		}
	}
	return 0;
}

static uint32_t arrived(struct app *a, struct utcp_ctx *ctx)
{
	int unread = 0;
	if (!a->closed && utcp_ioctl(ctx, a->fd, FIONREAD, &unread) < 0)
		unread = 0;
	return a->got + (uint32_t)unread;
}

/* Carry out the current step if its conditions hold; 1 if it advanced. */
static int app_advance(struct app *a, struct utcp_ctx *ctx)
{
	const struct step *s = &a->steps[a->cur];
	if (arrived(a, ctx) < s->need || (s->need_eof && !a->eof && !a->close_unread) ||
	    utcp_ctx_now(ctx) < s->t)
		return 0;
	if (s->op == ST_WRITE) {
		uint32_t done = a->wrote - s->off;
		ssize_t n = utcp_write(ctx, a->fd, a->rp->t->stream[a->rp->R] + a->wrote,
				       s->len - done);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			if (errno == ECONNRESET || errno == EPIPE) {
				a->reset = 1;
				return 0;
			}
			return app_fail(a, "write");
		}
		a->wrote += (uint32_t)n;
		if (a->wrote < s->off + s->len)
			return 1;
	} else if (s->op == ST_SHUT) {
		if (utcp_shutdown(ctx, a->fd, SHUT_WR) < 0)
			return app_fail(a, "shutdown");
	} else {
		if (rp_peer_received(a->rp) < a->wrote)
			return 0;
		if ((a->close_unread ? utcp_close(ctx, a->fd) : utcp_abort(ctx, a->fd)) < 0)
			return app_fail(a, "close");
		a->closed = 1;
	}
	a->cur++;
	return 1;
}

/* Keepalive, so that a connection whose peer vanished (its RST lost to an
 * impairment) still ends, as it would on a real host (RFC 1122 §4.2.3.6). */
static void keepalive(struct utcp_ctx *ctx, int fd)
{
	int on = 1, idle = 20, intvl = 5, cnt = 4;
	utcp_setsockopt(ctx, fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	utcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	utcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	utcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static int app_open(struct app *a, struct utcp_ctx *ctx)
{
	struct rp *rp = a->rp;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr *sap = rp->v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa;
	socklen_t salen = rp->v6 ? sizeof(sa6) : sizeof(sa);
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT };
	int fd = utcp_socket(ctx, rp->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return app_fail(a, "socket");
	if (rp->R == REPLAY_CLIENT) {
		sa.sin_addr.s_addr = rp->ip[rp->P];
		sa.sin_port = rp->port[rp->P];
		memcpy(&sa6.sin6_addr, rp->ip6[rp->P].b, 16);
		sa6.sin6_port = rp->port[rp->P];
		if (utcp_connect(ctx, fd, sap, salen) < 0 &&
		    errno != EINPROGRESS)
			return app_fail(a, "connect");
		keepalive(ctx, fd);
		utcp_epoll_ctl(ctx, a->ep, EPOLL_CTL_ADD, fd, &e);
		while (utcp_epoll_wait(ctx, a->ep, &e, 1, 0) == 0)
			if (utcp_ctx_wait(ctx, utcp_ctx_now(ctx) + 100 * UTCP_NSEC_PER_MSEC) < 0)
				return app_fail(a, "wait");
		utcp_epoll_ctl(ctx, a->ep, EPOLL_CTL_DEL, fd, NULL);
		int soerr = 0;
		socklen_t l = sizeof(soerr);
		utcp_getsockopt(ctx, fd, SOL_SOCKET, SO_ERROR, &soerr, &l);
		a->fd = fd;
		if (soerr == ECONNREFUSED || soerr == ECONNRESET)
			a->refused = 1;
		else if (soerr != 0)
			return errno = soerr, app_fail(a, "connect");
		return 0;
	}
	sa.sin_port = rp->port[rp->R];
	sa6.sin6_port = rp->port[rp->R];
	if (utcp_bind(ctx, fd, sap, salen) < 0 || utcp_listen(ctx, fd, 4) < 0)
		return app_fail(a, "listen");
	while ((a->fd = utcp_accept(ctx, fd, NULL, NULL)) < 0) {
		if (errno != EAGAIN)
			return app_fail(a, "accept");
		if (utcp_ctx_wait(ctx, utcp_ctx_now(ctx) + 100 * UTCP_NSEC_PER_MSEC) < 0)
			return app_fail(a, "wait");
	}
	utcp_close(ctx, fd);
	utcp_setsock_nonblock(ctx, a->fd);
	keepalive(ctx, a->fd);
	return 0;
}

/* Script, then read to EOF or reset, then close. */
static int app_loop(struct app *a, struct utcp_ctx *ctx)
{
	while (!a->closed) {
		if (app_read(a, ctx) < 0)
			return -1;
		int r;
		while (a->cur < a->nsteps && !a->reset && !a->closed && (r = app_advance(a, ctx)) > 0)
			;
		if (a->err[0])
			return -1;
		if (a->cur == a->nsteps && (a->eof || a->reset))
			break;
		if (a->reset && !a->close_unread)
			break;
		/* Until a frame arrives or a short while has passed (a readiness
		 * wait would spin: the socket stays writable, and readable at EOF). */
		utcp_time_t until = utcp_ctx_now(ctx) +
				    (a->eof || a->close_unread ? 5 : 50) * UTCP_NSEC_PER_MSEC;
		if (a->cur < a->nsteps && a->steps[a->cur].t > utcp_ctx_now(ctx) &&
		    a->steps[a->cur].t < until)
			until = a->steps[a->cur].t;
		if (utcp_ctx_wait(ctx, until) < 0)
			return app_fail(a, "wait");
	}
	if (!a->closed && utcp_close(ctx, a->fd) < 0)
		return app_fail(a, "close");
	a->closed = 1;
	return 0;
}

static int app_main(void *arg)
{
	struct app *a = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(a->h, 0);
	struct utcp_sock_usage u;
	a->ep = utcp_epoll_create(ctx, 4);
	if (!a->refuse && app_open(a, ctx) == 0 && !a->refused)
		app_loop(a, ctx);
	else if (a->refused)
		utcp_close(ctx, a->fd);
	/* Keep the stack running until the replayer is done and utcp's
	 * connection is over (CLOSED or TIME-WAIT). */
	for (;;) {
		utcp_ctx_sock_usage(ctx, &u);
		if (rp_done(a->rp) && u.tcbs == u.timewait)
			break;
		if (utcp_ctx_wait(ctx, utcp_ctx_now(ctx) + 10 * UTCP_NSEC_PER_MSEC) < 0)
			break;
	}
	utcp_close(ctx, a->ep);
	a->done = 1;
	return 0;
}

/* ---- the run ------------------------------------------------------------------ */

static int world_up(struct utcp_sim_world *w, struct rp *rp, struct app *a,
		    const struct replay_opts *o, char *err, size_t errlen)
{
	struct utcp_sim_link_params ab = o->link, ba;
	utcp_sim_link_params_default(&ba);
	ab.latency = ba.latency = a->latency;
	struct utcp_sim_link *l = utcp_sim_link_create(w, &ab, &ba);
	struct utcp_sim_host *hp = utcp_sim_host_create(w, "replay");
	a->h = utcp_sim_host_create(w, "utcp");
	if (l == NULL || hp == NULL || a->h == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rp->nic = utcp_sim_nic_create(w, hp, "rp0", 1, 4096, 0, rp->mac[rp->P], err, errlen);
	struct utcp_nic *un = utcp_sim_nic_create(w, a->h, "sim0", 1, 4096, 0, rp->mac[rp->R],
						  err, errlen);
	if (rp->nic == NULL || un == NULL || utcp_sim_link_attach(l, 0, rp->nic) < 0 ||
	    utcp_sim_link_attach(l, 1, un) < 0)
		return -1;
	struct utcp_config cfg;
	utcp_config_defaults(&cfg);
	snprintf(cfg.io, sizeof(cfg.io), "sim");
	cfg.num_cores = 1;
	cfg.max_pkt_buffers = 4096;
	cfg.rcvbuf = cfg.sndbuf = 65536;
	cfg.tcp_timeout = -1;
	cfg.seed = utcp_sim_world_derive_seed(w, "utcp", 0);
	cfg.has_seed = 1;
	cfg.nb_ports = 1;
	snprintf(cfg.ports[0].name, sizeof(cfg.ports[0].name), "sim0");
	cfg.ports[0].ip = rp->ip[rp->R];
	cfg.ports[0].prefix = 24;
	cfg.arp[0].ip = rp->ip[rp->P];
	cfg.arp[0].prefix = 32;
	memcpy(cfg.arp[0].mac, rp->mac[rp->P], 6);
	cfg.nb_arp = 1;
	if (rp->v6) { /* no DAD; the replayer a static neighbour (it answers no NS) */
		cfg.ports[0].ip6 = rp->ip6[rp->R];
		cfg.ports[0].prefix6 = 64;
		cfg.ip6_dad_transmits = 0;
		cfg.neigh6[0].ip6 = rp->ip6[rp->P];
		memcpy(cfg.neigh6[0].mac, rp->mac[rp->P], 6);
		cfg.neigh6[0].port = 0;
		cfg.nb_neigh6 = 1;
	}
	char msg[256];
	if (utcp_config_finish(&cfg, msg, sizeof(msg)) < 0 ||
	    utcp_sim_host_open_stack(a->h, &cfg, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "utcp host: %.200s", msg);
		return -1;
	}
	if (o->trace != NULL)
		utcp_ctx_set_trace(utcp_sim_host_ctx(a->h, 0), o->trace, o->trace_arg);
	utcp_sim_host_set_step(hp, rp_step, rp);
	utcp_sim_host_wake_at(hp, 0);
	if (utcp_sim_host_spawn(a->h, app_main, a, 0) < 0) {
		snprintf(err, errlen, "spawn: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int app_done(struct utcp_sim_world *w, void *arg)
{
	(void)w;
	return ((struct app *)arg)->done;
}

/* How the connection ended, as seen on the wire: refused (a RST before the
 * handshake completed), rst, fin (both sides sent one before any RST: a
 * RST answering a stale duplicate after the close does not count) or open. */
static const char *ending(const struct rp *rp)
{
	if ((rp->u_rst || rp->p_rst) && !rp->fins_before_rst) {
		int synack = rp->R == REPLAY_SERVER ? rp->u_syn > 0 : rp->p_syn > 0;
		return synack ? "rst" : "refused";
	}
	return rp->u_fin && rp->p_fin ? "fin" : "open";
}

static void observe(struct rp *rp, struct app *a, struct replay_obs *obs, utcp_time_t now)
{
	char hex[65];
	struct utcp_sock_usage u;
	utcp_ctx_sock_usage(utcp_sim_host_ctx(a->h, 0), &u);
	replay_sha256_hex(&a->sha, hex);
	replay_obs_num(obs, "received_bytes", a->got);
	replay_obs_str(obs, "received_sha256", hex);
	replay_obs_num(obs, "sent_bytes", a->wrote);
	replay_obs_str(obs, "end", ending(rp));
	replay_obs_str(obs, "state", u.tcbs == 0 ? "CLOSED" : u.tcbs == u.timewait ? "TIME-WAIT"
									   : "OPEN");
	replay_obs_str(obs, "app_end", a->refused ? "refused" : a->reset ? "reset"
							 : a->eof ? "eof" : "none");
	replay_obs_num(obs, "app_steps_left", (uint64_t)(a->nsteps - a->cur));
	replay_obs_num(obs, "virtual_ms", now / UTCP_NSEC_PER_MSEC);
	replay_obs_num(obs, "latency_us", a->latency / UTCP_NSEC_PER_USEC);
	struct utcp_stats st;
	utcp_sim_host_stats(a->h, &st);
	replay_obs_num(obs, "utcp_drops", utcp_stats_drops(&st));
	for (unsigned i = 0; i < UTCP_STATS_COUNT; i++) /* the reasons, by name */
		if (utcp_stats_get(&st, i) && strncmp(utcp_stats_names[i], "drop_", 5) == 0)
			replay_obs_num(obs, utcp_stats_names[i], utcp_stats_get(&st, i));
	rp_observe(rp, obs);
	if (a->err[0])
		replay_obs_fail(obs, "utcp application: %s", a->err);
}

static void addresses(struct rp *rp)
{
	static const uint8_t macs[2][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 } };
	memcpy(rp->mac, macs, sizeof(macs));
	rp->ip[REPLAY_CLIENT] = htonl(0xc0000201); /* 192.0.2.1 */
	rp->ip[REPLAY_SERVER] = htonl(0xc0000202); /* 192.0.2.2 */
	rp->v6 = rp->t->v6;
	for (int i = 0; i < 2; i++) { /* 2001:db8::1 and ::2 (RFC 3849) */
		memset(rp->ip6[i].b, 0, 16);
		rp->ip6[i].b[0] = 0x20, rp->ip6[i].b[1] = 0x01;
		rp->ip6[i].b[2] = 0x0d, rp->ip6[i].b[3] = 0xb8;
		rp->ip6[i].b[15] = (uint8_t)(1 + i);
	}
	rp->port[REPLAY_SERVER] = rp->t->port[REPLAY_SERVER];
	rp->port[REPLAY_CLIENT] = rp->t->port[REPLAY_CLIENT]; /* utcp's own when it connects */
}

static void replay_drive(struct utcp_sim_world *w, struct app *a, const struct replay_opts *o,
		      struct replay_obs *obs)
{
	utcp_time_t bound = o->bound ? o->bound : 600 * UTCP_NSEC_PER_SEC;
	switch (utcp_sim_world_run_until(w, app_done, a, bound)) {
	case UTCP_SIM_DONE:
		/* what is still on the wire (a last RST or ACK) reaches its end */
		utcp_sim_world_run_until(w, NULL, NULL,
					 utcp_sim_world_now(w) + 2 * a->latency + UTCP_NSEC_PER_MSEC);
		break;
	case UTCP_SIM_BOUND:
		replay_obs_fail(obs, "not finished after %llu s of virtual time",
				(unsigned long long)(bound / UTCP_NSEC_PER_SEC));
		break;
	case UTCP_SIM_IDLE:
		replay_obs_fail(obs, "the world went idle before the replay finished");
		break;
	case UTCP_SIM_ERROR:
		replay_obs_fail(obs, "simulation error: %s", strerror(errno));
		break;
	}
}

int utcp_replay_run(const struct replay_trace *t, const struct replay_opts *o,
		    struct replay_obs *obs, char *err, size_t errlen)
{
	struct rp rp;
	struct app a;
	int rc = -1;
	memset(obs, 0, sizeof(*obs));
	memset(&a, 0, sizeof(a));
	struct utcp_sim_world *w = utcp_sim_world_create(o->seed);
	if (w == NULL || rp_init(&rp, t, o, obs) < 0) {
		snprintf(err, errlen, "out of memory");
		utcp_sim_world_destroy(w);
		return -1;
	}
	a.rp = &rp;
	a.close_unread = o->app_close_unread;
	a.latency = o->latency != REPLAY_LATENCY_AUTO ? o->latency
		    : t->rtt / 2 < UTCP_NSEC_PER_SEC ? t->rtt / 2 : UTCP_NSEC_PER_SEC;
	a.fd = -1;
	replay_sha256_init(&a.sha);
	addresses(&rp);
	if (build_script(&a) < 0 || (o->out && utcp_sim_world_capture(w, o->out, err, errlen) < 0))
		goto out;
	if (world_up(w, &rp, &a, o, err, errlen) < 0)
		goto out;
	replay_drive(w, &a, o, obs);
	observe(&rp, &a, obs, utcp_sim_world_now(w));
	uint64_t leaked = utcp_sim_world_shutdown(w, stderr);
	replay_obs_num(obs, "leaked_buffers", leaked);
	if (leaked)
		replay_obs_fail(obs, "%llu packet buffers leaked", (unsigned long long)leaked);
	rc = 0;
out:
	utcp_sim_world_destroy(w);
	rp_free(&rp);
	free(a.steps);
	return rc;
}
