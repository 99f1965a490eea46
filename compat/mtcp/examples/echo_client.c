/*
 * compat/mtcp/examples/echo_client.c - an echo client written against
 * mTCP's API alone, one context per thread, as mTCP's epwget is.
 *
 *   mtcp-echo-client -f CONF -s A.B.C.D [-p port] [-N cores] [-c conns per core]
 *                    [-m messages per connection] [-z bytes per message]
 *
 * Call order: mtcp_getconf/mtcp_setconf (num_cores) -> mtcp_init ->
 * mtcp_register_signal(SIGINT) -> per thread: mtcp_core_affinitize ->
 * mtcp_create_context -> mtcp_init_rss(INADDR_ANY, 1, server, port) ->
 * mtcp_epoll_create -> conns nonblocking mtcp_connect (EINPROGRESS, then
 * OUT) -> per connection, m times: write a message, read it back and check
 * it byte for byte -> mtcp_close -> mtcp_destroy_context; main: join ->
 * mtcp_destroy.
 *
 * Each thread prints "[CPU n] connections: C, messages: M, errors: E";
 * exit status 0 when every connection of every thread sent and got back
 * every message, or when SIGINT stopped the threads before the end without
 * an error (the last line says "interrupted"); 1 otherwise.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <mtcp_api.h>
#include <mtcp_epoll.h>

#define MAX_CORES 16
#define MAX_EVENTS 256

static volatile sig_atomic_t done;
static int num_cores = 1, port = 7000, conns = 4, msgs = 100, size = 1000;
static in_addr_t server;

struct conn {
	int s, sent_msgs, got;   /* messages sent; bytes of the current one back */
	int wrote;               /* bytes of the current one written */
	char *rx;
};

struct worker {
	int core;
	mctx_t mctx;
	int ep;
	long completed, messages, errors;
};

static void on_sigint(int sig)
{
	(void)sig;
	done = 1;
}

static char pattern(int core, int k, int i)
{
	return (char)('a' + (core * 7 + k * 3 + i) % 26);
}

static int open_conn(struct worker *w, struct conn *c)
{
	struct sockaddr_in a;
	memset(c, 0, sizeof(*c));
	c->rx = malloc((size_t)size);
	c->s = mtcp_socket(w->mctx, AF_INET, SOCK_STREAM, 0);
	if (c->rx == NULL || c->s < 0 || mtcp_setsock_nonblock(w->mctx, c->s) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = server;
	a.sin_port = htons((uint16_t)port);
	if (mtcp_connect(w->mctx, c->s, (struct sockaddr *)&a, sizeof(a)) < 0 &&
	    errno != EINPROGRESS)
		return -1;
	struct mtcp_epoll_event ev = { .events = MTCP_EPOLLOUT | MTCP_EPOLLIN };
	ev.data.sockid = c->s;
	return mtcp_epoll_ctl(w->mctx, w->ep, MTCP_EPOLL_CTL_ADD, c->s, &ev);
}

static void finish(struct worker *w, struct conn *c, int ok)
{
	mtcp_epoll_ctl(w->mctx, w->ep, MTCP_EPOLL_CTL_DEL, c->s, NULL);
	mtcp_close(w->mctx, c->s);
	c->s = -1;
	free(c->rx);
	c->rx = NULL;
	if (ok)
		w->completed++;
	else
		w->errors++;
}

/* Write what is left of the current message. */
static int send_some(struct worker *w, struct conn *c)
{
	char b[4096];
	while (c->wrote < size) {
		int n = size - c->wrote < (int)sizeof(b) ? size - c->wrote : (int)sizeof(b);
		for (int i = 0; i < n; i++)
			b[i] = pattern(w->core, c->sent_msgs, c->wrote + i);
		ssize_t r = mtcp_write(w->mctx, c->s, b, (size_t)n);
		if (r < 0)
			return errno == EAGAIN ? 0 : -1;
		c->wrote += (int)r;
	}
	return 0;
}

/* Read the echo; check it; next message or the end. */
static int recv_some(struct worker *w, struct conn *c)
{
	for (;;) {
		ssize_t r = mtcp_read(w->mctx, c->s, c->rx + c->got, (size_t)(size - c->got));
		if (r == 0)
			return -1; /* the server closed early */
		if (r < 0)
			return errno == EAGAIN ? 0 : -1;
		c->got += (int)r;
		if (c->got < size)
			continue;
		for (int i = 0; i < size; i++)
			if (c->rx[i] != pattern(w->core, c->sent_msgs, i))
				return -1;
		w->messages++;
		c->sent_msgs++;
		c->got = c->wrote = 0;
		if (c->sent_msgs == msgs)
			return 1;
		if (send_some(w, c) < 0)
			return -1;
	}
}

static void on_event(struct worker *w, struct conn *c, uint32_t events)
{
	int rc = 0;
	if (events & (MTCP_EPOLLERR | MTCP_EPOLLHUP))
		rc = -1;
	if (rc == 0 && (events & MTCP_EPOLLOUT)) {
		rc = send_some(w, c);
		struct mtcp_epoll_event ev = { .events = MTCP_EPOLLIN };
		ev.data.sockid = c->s;
		if (c->wrote == size)
			mtcp_epoll_ctl(w->mctx, w->ep, MTCP_EPOLL_CTL_MOD, c->s, &ev);
	}
	if (rc == 0 && (events & MTCP_EPOLLIN))
		rc = recv_some(w, c);
	if (rc != 0)
		finish(w, c, rc > 0);
}

static void *run(void *arg)
{
	struct worker *w = arg;
	mtcp_core_affinitize(w->core);
	w->mctx = mtcp_create_context(w->core);
	if (w->mctx == NULL)
		return (void *)1;
	mtcp_init_rss(w->mctx, INADDR_ANY, 1, server, htons((uint16_t)port));
	w->ep = mtcp_epoll_create(w->mctx, 3 * conns + 16);
	struct conn *cs = calloc((size_t)conns, sizeof(*cs));
	struct mtcp_epoll_event *evs = calloc(MAX_EVENTS, sizeof(*evs));
	if (w->ep < 0 || cs == NULL || evs == NULL)
		return (void *)1;
	int open = 0;
	for (int i = 0; i < conns; i++) {
		if (open_conn(w, &cs[i]) < 0) {
			perror("mtcp-echo-client: connect");
			finish(w, &cs[i], 0);
			continue;
		}
		open++;
	}
	while (!done && w->completed + w->errors < conns) {
		int n = mtcp_epoll_wait(w->mctx, w->ep, evs, MAX_EVENTS, 1000);
		if (n < 0)
			break; /* EINTR: SIGINT */
		for (int i = 0; i < n; i++)
			for (int k = 0; k < conns; k++)
				if (cs[k].s == evs[i].data.sockid && cs[k].rx != NULL)
					on_event(w, &cs[k], evs[i].events);
	}
	for (int k = 0; k < conns; k++) {
		if (cs[k].rx == NULL)
			continue;
		long errors = w->errors;
		finish(w, &cs[k], 0);
		if (done)
			w->errors = errors; /* stopped by SIGINT: not an error */
	}
	printf("[CPU %d] connections: %ld, messages: %ld, errors: %ld\n", w->core, w->completed,
	       w->messages, w->errors);
	fflush(stdout);
	free(cs);
	free(evs);
	mtcp_destroy_context(w->mctx);
	return w->errors == 0 && (w->completed == conns || done) ? NULL : (void *)1;
}

static void usage(const char *me)
{
	fprintf(stderr, "usage: %s -f CONF -s A.B.C.D [-p port] [-N cores] [-c conns] "
			"[-m messages] [-z bytes]\n", me);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *conf = NULL, *srv = NULL;
	int o;
	while ((o = getopt(argc, argv, "f:s:p:N:c:m:z:h")) != -1) {
		switch (o) {
		case 'f': conf = optarg; break;
		case 's': srv = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'N': num_cores = atoi(optarg); break;
		case 'c': conns = atoi(optarg); break;
		case 'm': msgs = atoi(optarg); break;
		case 'z': size = atoi(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (conf == NULL || srv == NULL || inet_pton(AF_INET, srv, &server) != 1 ||
	    num_cores < 1 || num_cores > MAX_CORES || conns < 1 || msgs < 1 || size < 1)
		usage(argv[0]);
	struct mtcp_conf mc;
	mtcp_getconf(&mc);
	mc.num_cores = num_cores;
	mtcp_setconf(&mc);
	if (mtcp_init(conf) < 0) {
		fprintf(stderr, "mtcp-echo-client: mtcp_init failed\n");
		return 1;
	}
	mtcp_register_signal(SIGINT, on_sigint);
	pthread_t th[MAX_CORES];
	struct worker w[MAX_CORES];
	memset(w, 0, sizeof(w));
	for (int i = 0; i < num_cores; i++) {
		w[i].core = i;
		pthread_create(&th[i], NULL, run, &w[i]);
	}
	int rc = 0;
	long total = 0;
	for (int i = 0; i < num_cores; i++) {
		void *r;
		pthread_join(th[i], &r);
		rc |= r != NULL;
		total += w[i].completed;
	}
	printf("total: connections: %ld of %d%s\n", total, num_cores * conns,
	       done ? " (interrupted)" : "");
	mtcp_destroy();
	return rc;
}
