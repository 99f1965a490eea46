/*
 * tools/sim_reboot.c - utcp-sim's reboot scenario: the peer of a connection
 * loses all its state at once, as a host that reboots does.
 *
 * A sends B a stream on one connection.  At --at, or once B has received
 * the stream's first bytes if the handshake took longer (a lost SYN costs
 * its 1 s RTO), B reboots: every TCB of
 * its stack disappears without a segment sent (its application sees the
 * connection fail and exits, as a rebooted program would not be there), and
 * the link is down for --boot (the boot).  Expected outcome: A's next
 * retransmission after B is back reaches a stack with no connection, which
 * answers with a RST at SEG.ACK (RFC 9293 §3.10.7.1), that is A's RCV.NXT,
 * so RFC 5961 §3.2 lets it reset the connection: A's write fails with
 * ECONNRESET within a few RTO back-offs of B's return (at most 2 x --boot +
 * 5 s), instead of A retrying until its own retry limit.  Judged: the
 * errno, that bound, and no socket, TCB or buffer left on either host.
 *
 * Call order: testbed_open -> spawn A's sender, B's receiver, and the hand
 * that reboots B (on A, sleeping until --at) -> run_apps -> judge.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/tcp/tcp.h" /* the reboot drops B's TCBs */
#include "tools/sim_tcp.h"

struct reboot_opts {
	struct tcp_common_opts c;
	utcp_time_t at, boot;
};

struct reboot {
	const struct reboot_opts *ro;
	struct testbed *tb;
	utcp_time_t t_reboot, t_back, t_reset; /* B down; B back up; A's error */
	int a_err, b_err, rebooted;
	uint64_t sent, got, dropped;
};

/* Every TCB and TIME-WAIT record of host h's contexts disappears, no segment sent. */
static uint64_t reboot_host(struct utcp_sim_host *h)
{
	uint64_t n = 0;
	for (int c = 0; c < utcp_sim_host_nb_ctx(h); c++) {
		struct utcp_ctx *ctx = utcp_sim_host_ctx(h, c);
		struct utcp_tcp_ctx *t = ctx->tcp;
		for (uint32_t b = 0; b <= t->flow_mask; b++)
			while (t->flows[b] != NULL && n < 1000000) {
				tcp_drop(t->flows[b], ECONNABORTED);
				n++;
			}
		n += t->ntimewait; /* the TIME-WAIT records are state too */
		tcp_tw_destroy(ctx);
	}
	return n;
}

/* On A: sleeps until --at and until B has data (a reboot before the
 * connection exists tests nothing), then reboots B. */
static int reboot_hand(void *arg)
{
	struct reboot *rb = arg;
	utcp_time_t t = rb->ro->at, end = rb->ro->at + rb->ro->c.limit;
	while (utcp_sim_sleep_until(t) == 0 && rb->got == 0 && t < end)
		t += 100 * UTCP_NSEC_PER_MSEC;
	if (rb->got == 0)
		return 0;
	utcp_time_t now = utcp_sim_world_now(rb->tb->w);
	rb->t_reboot = now;
	rb->dropped = reboot_host(rb->tb->host[1]);
	rb->t_back = now + rb->ro->boot;
	rb->rebooted = 1;
	utcp_sim_link_flap(rb->tb->link, now, rb->t_back);
	return 0;
}

/* On A: write until the connection fails. */
static int reboot_sender(void *arg)
{
	static uint8_t buf[16384];
	struct reboot *rb = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(rb->tb->host[0], 0);
	struct epoll_event e = { .events = EPOLLOUT };
	int ep = utcp_epoll_create1(ctx, 0), s = connect_to(ctx, rb->tb->ip[1], NULL);
	memset(buf, 0x5a, sizeof(buf));
	if (s < 0 || ep < 0 || utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, s, &e) < 0) {
		rb->a_err = -1;
		return 0;
	}
	for (utcp_time_t end = rb->ro->at + rb->ro->c.limit; utcp_ctx_now(ctx) < end;) {
		ssize_t n = utcp_write(ctx, s, buf, sizeof(buf));
		if (n > 0) {
			rb->sent += (uint64_t)n;
		} else if (errno != EAGAIN) {
			rb->a_err = errno;
			rb->t_reset = utcp_ctx_now(ctx);
			break;
		} else if (utcp_epoll_wait(ctx, ep, &e, 1, 100) < 0) {
			break;
		}
	}
	utcp_close(ctx, s);
	utcp_close(ctx, ep);
	drain(ctx);
	return 0;
}

/* On B: read until the connection fails (the reboot). */
static int reboot_receiver(void *arg)
{
	static uint8_t buf[16384];
	struct reboot *rb = arg;
	struct utcp_ctx *ctx = utcp_sim_host_ctx(rb->tb->host[1], 0);
	struct epoll_event e;
	int ep, l = listen_on(ctx, &ep, 4), s = -1;
	while (l >= 0 && utcp_epoll_wait(ctx, ep, &e, 1, 100) >= 0) {
		if (s < 0) {
			if ((s = utcp_accept(ctx, l, NULL, NULL)) >= 0) {
				e = (struct epoll_event){ .events = EPOLLIN, .data.fd = s };
				utcp_setsock_nonblock(ctx, s);
				utcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, s, &e);
			}
			continue;
		}
		ssize_t n;
		while ((n = utcp_read(ctx, s, buf, sizeof(buf))) > 0)
			rb->got += (uint64_t)n;
		if (n == 0 || errno != EAGAIN) {
			rb->b_err = n == 0 ? 0 : errno;
			break;
		}
	}
	if (s >= 0)
		utcp_close(ctx, s);
	utcp_close(ctx, l);
	utcp_close(ctx, ep);
	drain(ctx);
	return 0;
}

static void reboot_judge(const struct reboot *rb, struct verdict *v)
{
	char t1[32], t2[32], t3[32];
	utcp_time_t bound = 2 * rb->ro->boot + 5 * UTCP_NSEC_PER_SEC;
	snprintf(v->summary, sizeof(v->summary),
		 "A sent %" PRIu64 " B got %" PRIu64 "; B rebooted at %s (%" PRIu64
		 " TCBs lost), back at %s; A's write failed: %s, %s after B was back",
		 rb->sent, rb->got, fmt_dur(t1, sizeof(t1), rb->t_reboot), rb->dropped,
		 fmt_dur(t2, sizeof(t2), rb->t_back), rb->a_err > 0 ? strerror(rb->a_err) : "no",
		 rb->t_reset > rb->t_back ? fmt_dur(t3, sizeof(t3), rb->t_reset - rb->t_back) : "-");
	if (!rb->rebooted)
		fail_at(v, "no reboot: the connection ended, or carried no data, before it");
	else if (rb->a_err != ECONNRESET)
		fail_at(v, "A's write failed with %s, want ECONNRESET (B's RST)",
			rb->a_err > 0 ? strerror(rb->a_err) : "nothing");
	else if (rb->t_reset > rb->t_back + bound)
		fail_at(v, "A learnt of the reboot only %s after B was back",
			fmt_dur(t1, sizeof(t1), rb->t_reset - rb->t_back));
}

static void reboot_run(const struct sim_opts *o, const void *sopts, uint64_t seed,
		       struct verdict *v)
{
	const struct reboot_opts *ro = sopts;
	struct testbed tb;
	struct reboot rb = { .ro = ro, .tb = &tb };
	char err[256];
	if (testbed_open(&tb, o, seed, err, sizeof(err)) < 0) {
		fail_at(v, "setup: %s", err);
	} else if (utcp_sim_host_spawn(tb.host[1], reboot_receiver, &rb, 0) < 0 ||
		   utcp_sim_host_spawn(tb.host[0], reboot_sender, &rb, 0) < 0 ||
		   utcp_sim_host_spawn(tb.host[0], reboot_hand, &rb, 0) < 0) {
		fail_at(v, "setup: spawn: %s", strerror(errno));
	} else {
		run_apps(&tb, ro->at + ro->c.limit + TCP_DRAIN_BOUND, v);
		check_empty(&tb, v);
		reboot_judge(&rb, v);
		if (!o->quiet)
			print_tcp_counters(&tb);
	}
	testbed_close(&tb, v);
}

static void reboot_defaults(void *p)
{
	struct reboot_opts *ro = p;
	common_defaults(&ro->c, 256 * 1024);
	ro->at = 1 * UTCP_NSEC_PER_SEC;
	ro->boot = 3 * UTCP_NSEC_PER_SEC;
}

enum { OPT_R_AT = 900, OPT_R_BOOT };

static int reboot_opt(void *so, int opt, const char *v)
{
	struct reboot_opts *ro = so;
	switch (opt) {
	case OPT_R_AT: return parse_time(v, &ro->at) < 0 || ro->at == 0 ? -1 : 0;
	case OPT_R_BOOT: return parse_time(v, &ro->boot) < 0 || ro->boot == 0 ? -1 : 0;
	}
	return -1;
}

static int reboot_parse(int argc, char **argv, void *p)
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, OPT_R_AT },
		{ "boot", required_argument, NULL, OPT_R_BOOT },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct reboot_opts *ro = p;
	return parse_scenario("reboot", argc, argv, ":h", longopts, &ro->c, reboot_opt, ro);
}

static void reboot_config(struct utcp_config *cfg, int host, const void *p)
{
	const struct reboot_opts *ro = p;
	(void)host;
	common_config(cfg, &ro->c);
}

const struct scenario sim_scenario_reboot = {
	.name = "reboot",
	.ip6 = 1,
	.summary = "B reboots (its TCBs lost, down for --boot) under A's stream: A must get B's RST",
	.usage = "reboot [--at T (1s)] [--boot T (3s)] [--rcvbuf B] [--sndbuf B] (256k)\n"
		 "     [--cc NAME] [--time-limit T (600s, after --at)]",
	.opts_size = sizeof(struct reboot_opts),
	.defaults = reboot_defaults,
	.parse = reboot_parse,
	.config = reboot_config,
	.run = reboot_run,
};
