/*
 * tests/psio/test_psio_fake.c - the PSIO backend (nic/psio/psio.c) driven
 * through a FAKE PacketShader I/O engine (tests/psio-fake: ps.h and an
 * in-memory libps).  No 82599 NIC or ps_ixgbe driver exists here, so this
 * checks the backend's use of the engine's API -- device lookup, one handle
 * per queue attached to (device, queue), chunk rx/tx, ps_select waits, the
 * release of every handle and chunk -- and that utcp runs TCP over it.  It
 * says nothing about the real driver's behaviour.
 *
 * The conversation: two fake devices xge0 (A, 10.98.0.1) and xge1 (B,
 * 10.98.0.2), 2 queues each, wired back to back; the fake steers frames by
 * the 82599's symmetric-key RSS.  A listens on :80 in both contexts; B
 * connects once from each context, and each connection carries PSIO_BYTES
 * (default 1 MB) each way, verified byte for byte, then both sides close.
 * Checks: each connection is accepted by A's context with the same index as
 * B's (symmetric RSS and utcp's choice of source port agree), both queues
 * of both devices carried frames, no socket, TCB or packet buffer is left,
 * and every engine handle and chunk was released.  Also: an idle wait
 * returns at its deadline, and bad device names / queue counts are errors
 * that say what is wrong.  Bounded by 60 s of wall time.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <ps.h>
#include <utcp/utcp.h>

#include "nic/psio/psio.h"

#define SRV_PORT 80
#define NB_Q 2

static size_t xfer_bytes = 1u << 20;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(1);
}

static uint8_t pat_byte(int dir, size_t i)
{
	uint32_t x = (uint32_t)i * 2246822519u ^ (dir ? 0x5a5a1234u : 0x0f0f4321u);
	return (uint8_t)(x >> 9);
}

static void cfg_set(struct utcp_config *cfg, const char *key, const char *value)
{
	char err[512];
	if (utcp_config_set(cfg, key, value, err, sizeof(err)) != 0)
		die("config %s = %s: %s", key, value, err);
}

static void make_config(struct utcp_config *cfg, const char *port, const char *ip,
			const char *seed)
{
	char key[64], err[512];
	utcp_config_defaults(cfg);
	cfg_set(cfg, "io", "psio");
	cfg_set(cfg, "port", port);
	snprintf(key, sizeof(key), "%s.ip", port);
	cfg_set(cfg, key, ip);
	cfg_set(cfg, "num_cores", "2");
	cfg_set(cfg, "max_pkt_buffers", "2048");
	cfg_set(cfg, "rcvbuf", "131072");
	cfg_set(cfg, "sndbuf", "131072");
	cfg_set(cfg, "tcp_timewait", "1");
	cfg_set(cfg, "seed", seed);
	if (utcp_config_finish(cfg, err, sizeof(err)) != 0)
		die("config: %s", err);
}

/* ---- one connection end ---------------------------------------------------- */

struct end {
	char name[8];
	struct utcp_ctx *ctx;
	int sock, dir, peer_core; /* peer_core: the client context (server ends) */
	size_t sent, got;
	int shut_wr, eof, closed;
};

static void end_send(struct end *e)
{
	uint8_t buf[8192];
	while (e->sent < xfer_bytes) {
		size_t n = xfer_bytes - e->sent < sizeof(buf) ? xfer_bytes - e->sent : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pat_byte(e->dir, e->sent + i);
		ssize_t w = utcp_write(e->ctx, e->sock, buf, n);
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0)
			die("%s: write: %s", e->name, strerror(errno));
		e->sent += (size_t)w;
	}
	if (!e->shut_wr && utcp_shutdown(e->ctx, e->sock, SHUT_WR) != 0)
		die("%s: shutdown: %s", e->name, strerror(errno));
	e->shut_wr = 1;
}

static void end_recv(struct end *e)
{
	uint8_t buf[8192];
	while (!e->eof) {
		ssize_t r = utcp_read(e->ctx, e->sock, buf, sizeof(buf));
		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0)
			die("%s: read: %s", e->name, strerror(errno));
		if (r == 0) {
			e->eof = 1;
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pat_byte(!e->dir, e->got + (size_t)i))
				die("%s: byte %zu differs", e->name, e->got + (size_t)i);
		e->got += (size_t)r;
	}
}

static void end_step(struct end *e)
{
	if (e->sock < 0 || e->closed)
		return;
	end_send(e);
	end_recv(e);
	if (e->eof && e->shut_wr) {
		if (e->got != xfer_bytes)
			die("%s: %zu bytes received, %zu expected", e->name, e->got, xfer_bytes);
		if (utcp_close(e->ctx, e->sock) != 0)
			die("%s: close: %s", e->name, strerror(errno));
		printf("%s: %zu bytes each way, closed\n", e->name, xfer_bytes);
		e->closed = 1;
	}
}

/* ---- the two stacks ------------------------------------------------------------ */

struct host {
	struct utcp_stack *st;
	struct utcp_nic *nic;
	struct utcp_ctx *ctx[NB_Q];
	int lsock[NB_Q];
};

static void host_open(struct host *h, const struct utcp_config *cfg)
{
	char err[512];
	h->nic = utcp_psio_open(cfg, &cfg->ports[0], NB_Q, err, sizeof(err));
	if (h->nic == NULL)
		die("psio open: %s", err);
	struct utcp_nic *nics[1] = { h->nic };
	h->st = utcp_stack_open_nics(cfg, nics, 1, err, sizeof(err));
	if (h->st == NULL)
		die("stack: %s", err);
	for (int c = 0; c < NB_Q; c++) {
		h->ctx[c] = utcp_ctx_create(h->st, c);
		if (h->ctx[c] == NULL)
			die("context %d: %s", c, strerror(errno));
		h->lsock[c] = -1;
	}
}

static void host_poll(struct host *h)
{
	for (int c = 0; c < NB_Q; c++)
		utcp_ctx_poll(h->ctx[c]);
}

static int host_tcbs(struct host *h)
{
	int n = 0;
	for (int c = 0; c < NB_Q; c++) {
		struct utcp_sock_usage u;
		utcp_ctx_sock_usage(h->ctx[c], &u);
		n += (int)u.tcbs;
	}
	return n;
}

static void listen_all(struct host *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	for (int c = 0; c < NB_Q; c++) {
		int s = utcp_socket(a->ctx[c], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s < 0 || utcp_bind(a->ctx[c], s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
		    utcp_listen(a->ctx[c], s, 8) != 0)
			die("A%d: listen: %s", c, strerror(errno));
		a->lsock[c] = s;
	}
	printf("A: listening on :%d in contexts 0 and 1\n", SRV_PORT);
}

static void connect_all(struct host *b, struct end *cl)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	sin.sin_addr.s_addr = inet_addr("10.98.0.1");
	for (int c = 0; c < NB_Q; c++) {
		struct end *e = &cl[c];
		snprintf(e->name, sizeof(e->name), "B%d", c);
		e->ctx = b->ctx[c];
		e->dir = 1;
		e->sock = utcp_socket(e->ctx, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (e->sock < 0 ||
		    (utcp_connect(e->ctx, e->sock, (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
		     errno != EINPROGRESS))
			die("B%d: connect: %s", c, strerror(errno));
		struct sockaddr_in me;
		socklen_t len = sizeof(me);
		utcp_getsockname(e->ctx, e->sock, (struct sockaddr *)&me, &len);
		printf("B%d: connecting from port %u\n", c, ntohs(me.sin_port));
	}
}

/* Accept in every context of A; record which B context each came from. */
static void accept_all(struct host *a, struct end *sv, int *nb_sv, const struct end *cl)
{
	for (int c = 0; c < NB_Q; c++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int s = utcp_accept(a->ctx[c], a->lsock[c], (struct sockaddr *)&peer, &len);
		if (s < 0 && errno == EAGAIN)
			continue;
		if (s < 0 || *nb_sv == NB_Q)
			die("A%d: accept: %s", c, s < 0 ? strerror(errno) : "one too many");
		struct end *e = &sv[(*nb_sv)++];
		snprintf(e->name, sizeof(e->name), "A%d", c);
		e->ctx = a->ctx[c];
		e->sock = s;
		e->dir = 0;
		e->peer_core = -1;
		for (int k = 0; k < NB_Q; k++) {
			struct sockaddr_in me;
			socklen_t ml = sizeof(me);
			utcp_getsockname(cl[k].ctx, cl[k].sock, (struct sockaddr *)&me, &ml);
			if (me.sin_port == peer.sin_port)
				e->peer_core = k;
		}
		printf("A%d: accepted port %u (from B%d)\n", c, ntohs(peer.sin_port), e->peer_core);
		if (e->peer_core != c)
			die("A%d accepted B%d's connection: RSS and utcp's port choice disagree", c,
			    e->peer_core);
		utcp_setsock_nonblock(e->ctx, s);
	}
}

static int all_closed(const struct end *e, int n)
{
	for (int i = 0; i < n; i++)
		if (!e[i].closed)
			return 0;
	return 1;
}

static void run(struct host *a, struct host *b)
{
	struct end cl[NB_Q], sv[NB_Q];
	int nb_sv = 0;
	memset(cl, 0, sizeof(cl));
	memset(sv, 0, sizeof(sv));
	listen_all(a);
	connect_all(b, cl);
	utcp_time_t end = utcp_nic_now(a->nic) + 60 * UTCP_NSEC_PER_SEC;
	while (!(nb_sv == NB_Q && all_closed(sv, NB_Q) && all_closed(cl, NB_Q) &&
		 host_tcbs(b) == 0 && host_tcbs(a) == 0)) {
		if (utcp_nic_now(a->nic) > end)
			die("not done after 60 s (%d accepted, TCBs %d/%d)", nb_sv, host_tcbs(a),
			    host_tcbs(b));
		host_poll(a);
		host_poll(b);
		accept_all(a, sv, &nb_sv, cl);
		for (int i = 0; i < NB_Q; i++) {
			end_step(&cl[i]);
			if (i < nb_sv)
				end_step(&sv[i]);
		}
	}
	for (int c = 0; c < NB_Q; c++)
		if (utcp_close(a->ctx[c], a->lsock[c]) != 0)
			die("A%d: close listener: %s", c, strerror(errno));
}

/* ---- checks ----------------------------------------------------------------------- */

static void check_host(const char *name, struct host *h, int ifindex)
{
	struct utcp_nic_stats ns;
	h->nic->ops->stats(h->nic, &ns);
	for (int c = 0; c < NB_Q; c++) {
		struct utcp_sock_usage u;
		utcp_ctx_sock_usage(h->ctx[c], &u);
		if (u.sockets || u.tcbs || utcp_ctx_bufs_in_use(h->ctx[c]))
			die("%s%d: %u sockets, %u TCBs, %llu buffers left", name, c, u.sockets,
			    u.tcbs, (unsigned long long)utcp_ctx_bufs_in_use(h->ctx[c]));
		if (ps_fake_rx_count(ifindex, c) == 0)
			die("%s: queue %d received nothing", name, c);
		if (utcp_stats_drops(utcp_ctx_stats(h->ctx[c])) != 0)
			die("%s%d: %llu frames dropped", name, c,
			    (unsigned long long)utcp_stats_drops(utcp_ctx_stats(h->ctx[c])));
	}
	printf("%s: rx %llu frames (queue 0: %llu, queue 1: %llu), tx %llu, errors %llu/%llu, "
	       "missed %llu, buffers in use %llu\n",
	       name, (unsigned long long)ns.rx_pkts,
	       (unsigned long long)ps_fake_rx_count(ifindex, 0),
	       (unsigned long long)ps_fake_rx_count(ifindex, 1), (unsigned long long)ns.tx_pkts,
	       (unsigned long long)ns.rx_errors, (unsigned long long)ns.tx_errors,
	       (unsigned long long)ns.rx_missed, (unsigned long long)ns.bufs_in_use);
	if (ns.bufs_in_use != 0 || ns.rx_errors || ns.tx_errors || ns.rx_missed)
		die("%s: NIC counters not clean", name);
}

static void check_idle_wait(struct host *h)
{
	utcp_time_t t0 = utcp_nic_now(h->nic);
	int r = utcp_nic_wait(h->nic, 1, t0 + 20 * UTCP_NSEC_PER_MSEC);
	utcp_time_t dt = utcp_nic_now(h->nic) - t0;
	if (r != 0 || dt < 19 * UTCP_NSEC_PER_MSEC)
		die("idle wait returned %d after %llu ns", r, (unsigned long long)dt);
	printf("idle queue: wait returned at its deadline (%llu us)\n",
	       (unsigned long long)(dt / 1000));
}

static void check_open_errors(void)
{
	struct utcp_config cfg;
	char err[512];
	make_config(&cfg, "xge9", "10.98.9.1/24", "3");
	if (utcp_psio_open(&cfg, &cfg.ports[0], NB_Q, err, sizeof(err)) != NULL || errno != ENODEV ||
	    strcmp(err, "psio: no device 'xge9' (the engine has: xge0, xge1)") != 0)
		die("unknown device: '%s'", err);
	make_config(&cfg, "xge0", "10.98.9.1/24", "3");
	if (utcp_psio_open(&cfg, &cfg.ports[0], 1, err, sizeof(err)) != NULL || errno != EINVAL ||
	    strstr(err, "num_cores must equal its rx queues") == NULL)
		die("queue count: '%s'", err);
	if (ps_fake_open_handles() != 0 || ps_fake_open_chunks() != 0)
		die("a failed open left %d handles, %d chunks", ps_fake_open_handles(),
		    ps_fake_open_chunks());
	printf("open errors: unknown device and wrong queue count are refused\n");
}

int main(void)
{
	struct utcp_config ca, cb;
	struct host a, b;
	const char *env = getenv("PSIO_BYTES");
	if (env != NULL)
		xfer_bytes = strtoul(env, NULL, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	int ia = ps_fake_add_device("xge0", (const uint8_t *)"\x02\x00\x00\x98\x00\x01", NB_Q);
	int ib = ps_fake_add_device("xge1", (const uint8_t *)"\x02\x00\x00\x98\x00\x02", NB_Q);
	if (ia < 0 || ib < 0 || ps_fake_link(ia, ib, 4096) != 0)
		die("fake devices");
	check_open_errors();
	make_config(&ca, "xge0", "10.98.0.1/24", "1");
	make_config(&cb, "xge1", "10.98.0.2/24", "2");
	host_open(&a, &ca);
	host_open(&b, &cb);
	run(&a, &b);
	check_host("A", &a, ia);
	check_host("B", &b, ib);
	check_idle_wait(&a);
	for (int c = 0; c < NB_Q; c++) {
		utcp_ctx_destroy(a.ctx[c]);
		utcp_ctx_destroy(b.ctx[c]);
	}
	utcp_stack_close(a.st);
	utcp_stack_close(b.st);
	if (ps_fake_open_handles() != 0 || ps_fake_open_chunks() != 0)
		die("%d engine handles, %d chunks not released", ps_fake_open_handles(),
		    ps_fake_open_chunks());
	ps_fake_reset();
	printf("PASS psio (fake engine): 2 queues, RSS steering, %zu bytes each way on 2 "
	       "connections, every handle and chunk released\n", xfer_bytes);
	return 0;
}
