/*
 * examples/echo_sim.c - test your own server and client in virtual time,
 * over a lossy link, for many seeds.
 *
 * A world with two hosts joined by one link (5 ms each way, 10 Mbit/s, 2 %
 * loss, 2 % reordering, 1 % duplication): host A (10.0.0.1) runs an echo
 * server, host B (10.0.0.2) a client that sends messages of varied sizes
 * and checks that each comes back byte for byte.  Both are ordinary
 * blocking socket code, each run as a coroutine: a blocking call yields to
 * the world until a frame arrives or a timer is due.  After each run no
 * socket, connection or packet buffer may be left.
 *
 *   cc -o echo_sim echo_sim.c $(pkg-config --cflags --libs utcp)
 *   ./echo_sim 1-100        seeds 1 to 100 (default 1-20); or one seed: ./echo_sim 7
 *
 * Call order: world -> link -> per host: sim NIC, attach, config, stack ->
 * spawn the coroutines -> run until both return (each lingers until its
 * connection is gone) -> check sockets, connections and packet buffers ->
 * shut the world down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utcp/sim.h>
#include <utcp/utcp.h>

#define PORT 7
#define MESSAGES 100
#define MAX_MSG 4000
#define SEC UTCP_NSEC_PER_SEC

struct app {
	struct utcp_ctx *ctx;
	int done;             /* the coroutine returned */
	int ok;               /* and found nothing wrong */
	unsigned long bytes;  /* bytes echoed back and checked */
};

/*
 * The world runs a host with coroutines only through them: before it
 * returns, an application keeps driving its context until its closed
 * connections are gone (FIN exchange, then 60 s of TIME-WAIT in virtual
 * time, which costs microseconds).
 */
static void linger(struct utcp_ctx *ctx)
{
	struct utcp_sock_usage u;
	utcp_time_t end = utcp_ctx_now(ctx) + 120 * SEC;
	for (utcp_ctx_sock_usage(ctx, &u); u.tcbs > 0 && utcp_ctx_now(ctx) < end;
	     utcp_ctx_sock_usage(ctx, &u))
		if (utcp_ctx_wait(ctx, end) < 0)
			break;
}

/* Echo one connection until the client closes its side. */
static int server(void *p)
{
	struct app *a = p;
	char buf[MAX_MSG];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int ls = utcp_socket(a->ctx, AF_INET, SOCK_STREAM, 0);
	if (utcp_bind(a->ctx, ls, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    utcp_listen(a->ctx, ls, 8) == 0) {
		int s = utcp_accept(a->ctx, ls, NULL, NULL);
		ssize_t n = -1;
		while (s >= 0 && (n = utcp_read(a->ctx, s, buf, sizeof(buf))) > 0)
			if (utcp_write(a->ctx, s, buf, (size_t)n) != n)
				break;
		a->ok = s >= 0 && n == 0;
		utcp_close(a->ctx, s);
	}
	utcp_close(a->ctx, ls);
	linger(a->ctx);
	a->done = 1;
	return 0;
}

/* Send MESSAGES messages of 1..MAX_MSG bytes, read each one back. */
static int client(void *p)
{
	struct app *a = p;
	char out[MAX_MSG], in[MAX_MSG];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT),
				   .sin_addr.s_addr = htonl(0x0a000001) };
	int s = utcp_socket(a->ctx, AF_INET, SOCK_STREAM, 0);
	a->ok = utcp_connect(a->ctx, s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	for (int i = 0; a->ok && i < MESSAGES; i++) {
		size_t len = 1 + (size_t)(i * 997) % MAX_MSG;
		for (size_t k = 0; k < len; k++)
			out[k] = (char)(i + k * 7);
		a->ok = utcp_write(a->ctx, s, out, len) == (ssize_t)len &&
			utcp_recv(a->ctx, s, in, len, MSG_WAITALL) == (ssize_t)len &&
			memcmp(in, out, len) == 0;
		a->bytes += a->ok ? len : 0;
	}
	/* Close our side; the server closes its own once it has read the FIN. */
	a->ok = a->ok && utcp_shutdown(a->ctx, s, SHUT_WR) == 0 &&
		utcp_read(a->ctx, s, in, sizeof(in)) == 0;
	utcp_close(a->ctx, s);
	linger(a->ctx);
	a->done = 1;
	return 0;
}

/* A host with one sim NIC on side `side` of the link, and its stack. */
static struct utcp_sim_host *host(struct utcp_sim_world *w, struct utcp_sim_link *l, int side,
				  const char *ip)
{
	char err[256], seed[32];
	struct utcp_config cfg;
	struct utcp_sim_host *h = utcp_sim_host_create(w, side ? "B" : "A");
	struct utcp_nic *nic = utcp_sim_nic_create(w, h, "sim0", 1, 1024, 0, NULL, err, sizeof(err));
	snprintf(seed, sizeof(seed), "%llu",
		 (unsigned long long)utcp_sim_world_derive_seed(w, "host", (uint64_t)side));
	utcp_config_defaults(&cfg);
	if (nic == NULL || utcp_sim_link_attach(l, side, nic) < 0 ||
	    utcp_config_set(&cfg, "io", "sim", err, sizeof(err)) < 0 ||
	    utcp_config_set(&cfg, "port", "sim0", err, sizeof(err)) < 0 ||
	    utcp_config_set(&cfg, "sim0.ip", ip, err, sizeof(err)) < 0 ||
	    utcp_config_set(&cfg, "seed", seed, err, sizeof(err)) < 0 ||
	    utcp_config_finish(&cfg, err, sizeof(err)) < 0 ||
	    utcp_sim_host_open_stack(h, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "echo_sim: host %s: %s\n", ip, nic ? err : "no NIC");
		exit(2);
	}
	return h;
}

static int both_done(struct utcp_sim_world *w, void *p)
{
	struct app *a = p;
	(void)w;
	return a[0].done && a[1].done;
}

/* One run; 1 if it passed. */
static int run(uint64_t seed)
{
	struct utcp_sim_world *w = utcp_sim_world_create(seed);
	struct utcp_sim_link_params lp;
	utcp_sim_link_params_default(&lp);
	lp.latency = 5 * UTCP_NSEC_PER_MSEC;
	lp.rate = 10000000;
	lp.fault.loss = 0.02;
	lp.fault.reorder = 0.02;
	lp.fault.dup = 0.01;
	struct utcp_sim_link *l = utcp_sim_link_create(w, &lp, NULL);
	struct utcp_sim_host *ha = host(w, l, 0, "10.0.0.1/24");
	struct utcp_sim_host *hb = host(w, l, 1, "10.0.0.2/24");
	struct app a[2] = { { .ctx = utcp_sim_host_ctx(ha, 0) }, { .ctx = utcp_sim_host_ctx(hb, 0) } };
	utcp_sim_host_spawn(ha, server, &a[0], 0);
	utcp_sim_host_spawn(hb, client, &a[1], 0);

	enum utcp_sim_run_result r = utcp_sim_world_run_until(w, both_done, a, 600 * SEC);
	utcp_time_t t_done = utcp_sim_world_now(w);
	struct utcp_sock_usage ua, ub;
	utcp_ctx_sock_usage(a[0].ctx, &ua);
	utcp_ctx_sock_usage(a[1].ctx, &ub);
	struct utcp_sim_link_stats st;
	utcp_sim_link_get_stats(l, 0, &st);
	uint64_t leaked = utcp_sim_world_shutdown(w, stderr);
	utcp_sim_world_destroy(w);

	int pass = r == UTCP_SIM_DONE && a[0].ok && a[1].ok && ua.sockets + ua.tcbs + ub.sockets + ub.tcbs == 0 &&
		   leaked == 0;
	printf("%s echo seed=%llu bytes=%lu virtual=%llums lost_a_to_b=%llu left=%u leaked=%llu\n",
	       pass ? "PASS" : "FAIL", (unsigned long long)seed, a[1].bytes,
	       (unsigned long long)(t_done / UTCP_NSEC_PER_MSEC), (unsigned long long)st.lost,
	       ua.sockets + ua.tcbs + ub.sockets + ub.tcbs, (unsigned long long)leaked);
	return pass;
}

int main(int argc, char **argv)
{
	const char *seeds = argc > 1 ? argv[1] : "1-20";
	char *end;
	unsigned long long first = strtoull(seeds, &end, 10), last = first;
	if (*end == '-')
		last = strtoull(end + 1, &end, 10);
	if (argc > 2 || end == seeds || *end != '\0' || last < first) {
		fprintf(stderr, "usage: echo_sim [SEED | FIRST-LAST]\n");
		return 2;
	}
	unsigned long long failed = 0;
	for (unsigned long long s = first; s <= last && s >= first; s++)
		failed += !run(s);
	printf("%s echo: %llu of %llu seeds passed\n", failed ? "FAIL" : "PASS",
	       last - first + 1 - failed, last - first + 1);
	return failed ? 1 : 0;
}
