/*
 * compat/mtcp/examples/echo_server.c - an epoll echo server written against
 * mTCP's API alone (<mtcp_api.h>, <mtcp_epoll.h>), as an mTCP program is.
 *
 *   mtcp-echo-server -f CONF [-N cores] [-p port] [-t tick_ms]
 *
 * Call order: mtcp_getconf/mtcp_setconf (num_cores) -> mtcp_init ->
 * mtcp_register_signal(SIGINT) -> one thread per core: mtcp_core_affinitize
 * -> mtcp_create_context -> mtcp_epoll_create -> a nonblocking listener on
 * INADDR_ANY:port, and an mtcp_pipe whose read end is in the epoll -> loop
 * mtcp_epoll_wait(timeout -1) { accept, read and write back, pipe ticks }
 * until SIGINT (-1/EINTR) -> mtcp_destroy_context; main: join -> mtcp_destroy.
 *
 * The main thread writes a tick into every context's pipe every tick_ms
 * (default 200): the contexts wait with no timeout, so only that write from
 * another thread (or a frame) ends their wait.  Each thread prints, at the
 * end, "[CPU n] connections: C, bytes: B, pipe ticks: T"; exit status 0.
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
#define MAX_EVENTS 1024
#define BUF 16384

static volatile sig_atomic_t done;
static int num_cores = 1, port = 7000, tick_ms = 200, max_fds = 10000;
static mctx_t ctxs[MAX_CORES];
static int pipes[MAX_CORES][2];
static volatile int ready[MAX_CORES];
static volatile int main_quiet; /* the main thread writes to no pipe any more */

struct conn {
	int eof; /* the peer closed: close once everything is written back */
	int len; /* bytes waiting to be written back */
	char buf[BUF];
};

struct worker {
	int core;
	mctx_t mctx;
	int ep;
	struct conn **conns;
	long nconns, bytes, ticks;
};

static void on_sigint(int sig)
{
	(void)sig;
	done = 1;
}

static void conn_close(struct worker *w, int s)
{
	mtcp_epoll_ctl(w->mctx, w->ep, MTCP_EPOLL_CTL_DEL, s, NULL);
	mtcp_close(w->mctx, s);
	free(w->conns[s]);
	w->conns[s] = NULL;
}

static void arm(struct worker *w, int s, uint32_t events)
{
	struct mtcp_epoll_event ev = { .events = events };
	ev.data.sockid = s;
	mtcp_epoll_ctl(w->mctx, w->ep, MTCP_EPOLL_CTL_MOD, s, &ev);
}

/* Write back what is waiting; OUT while some is left. */
static void flush(struct worker *w, int s)
{
	struct conn *c = w->conns[s];
	int off = 0;
	while (off < c->len) {
		ssize_t n = mtcp_write(w->mctx, s, c->buf + off, (size_t)(c->len - off));
		if (n <= 0)
			break;
		off += (int)n;
		w->bytes += n;
	}
	memmove(c->buf, c->buf + off, (size_t)(c->len - off));
	c->len -= off;
	if (c->eof && c->len == 0)
		conn_close(w, s);
	else
		arm(w, s, c->len > 0 ? MTCP_EPOLLOUT : MTCP_EPOLLIN);
}

static void on_readable(struct worker *w, int s)
{
	struct conn *c = w->conns[s];
	while (c->len < BUF) {
		ssize_t n = mtcp_read(w->mctx, s, c->buf + c->len, (size_t)(BUF - c->len));
		if (n < 0 && errno != EAGAIN) {
			conn_close(w, s);
			return;
		}
		if (n == 0) {
			c->eof = 1; /* write back what came before the FIN */
			break;
		}
		if (n < 0)
			break;
		c->len += (int)n;
	}
	flush(w, s);
}

static void on_accept(struct worker *w, int lsock)
{
	for (;;) {
		int s = mtcp_accept(w->mctx, lsock, NULL, NULL);
		if (s < 0)
			return;
		if (s >= max_fds || (w->conns[s] = calloc(1, sizeof(struct conn))) == NULL) {
			mtcp_close(w->mctx, s);
			continue;
		}
		mtcp_setsock_nonblock(w->mctx, s);
		struct mtcp_epoll_event ev = { .events = MTCP_EPOLLIN };
		ev.data.sockid = s;
		mtcp_epoll_ctl(w->mctx, w->ep, MTCP_EPOLL_CTL_ADD, s, &ev);
		w->nconns++;
	}
}

static int open_listener(struct worker *w)
{
	struct sockaddr_in a;
	int s = mtcp_socket(w->mctx, AF_INET, SOCK_STREAM, 0);
	if (s < 0 || mtcp_setsock_nonblock(w->mctx, s) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = INADDR_ANY;
	a.sin_port = htons((uint16_t)port);
	if (mtcp_bind(w->mctx, s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    mtcp_listen(w->mctx, s, 4096) < 0)
		return -1;
	struct mtcp_epoll_event ev = { .events = MTCP_EPOLLIN };
	ev.data.sockid = s;
	return mtcp_epoll_ctl(w->mctx, w->ep, MTCP_EPOLL_CTL_ADD, s, &ev) < 0 ? -1 : s;
}

static void drain_pipe(struct worker *w, int rd)
{
	char b[256];
	ssize_t n;
	while ((n = mtcp_read(w->mctx, rd, b, sizeof(b))) > 0)
		w->ticks += n;
}

static void loop(struct worker *w, int lsock, int rd)
{
	struct mtcp_epoll_event *evs = calloc(MAX_EVENTS, sizeof(*evs));
	while (!done && evs != NULL) {
		int n = mtcp_epoll_wait(w->mctx, w->ep, evs, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno != EINTR)
				perror("mtcp_epoll_wait");
			break; /* EINTR: SIGINT; done is set */
		}
		for (int i = 0; i < n; i++) {
			int s = evs[i].data.sockid;
			if (s == lsock)
				on_accept(w, lsock);
			else if (s == rd)
				drain_pipe(w, rd);
			else if (w->conns[s] == NULL)
				continue;
			else if (evs[i].events & (MTCP_EPOLLERR | MTCP_EPOLLHUP))
				conn_close(w, s);
			else if (evs[i].events & MTCP_EPOLLIN)
				on_readable(w, s);
			else if (evs[i].events & MTCP_EPOLLOUT)
				flush(w, s);
		}
	}
	free(evs);
}

static void *run(void *arg)
{
	struct worker *w = arg;
	mtcp_core_affinitize(w->core);
	w->mctx = mtcp_create_context(w->core);
	if (w->mctx == NULL)
		return (void *)1;
	w->conns = calloc((size_t)max_fds, sizeof(*w->conns));
	w->ep = mtcp_epoll_create(w->mctx, 3 * max_fds);
	int lsock = w->ep >= 0 ? open_listener(w) : -1;
	int *pp = pipes[w->core];
	struct mtcp_epoll_event ev = { .events = MTCP_EPOLLIN };
	if (lsock < 0 || w->conns == NULL || mtcp_pipe(w->mctx, pp) < 0) {
		perror("mtcp-echo-server: set-up");
		return (void *)1;
	}
	ev.data.sockid = pp[0];
	mtcp_epoll_ctl(w->mctx, w->ep, MTCP_EPOLL_CTL_ADD, pp[0], &ev);
	ctxs[w->core] = w->mctx;
	__atomic_store_n(&ready[w->core], 1, __ATOMIC_RELEASE);
	loop(w, lsock, pp[0]);
	__atomic_store_n(&ready[w->core], 0, __ATOMIC_RELEASE);
	for (int s = 0; s < max_fds; s++)
		if (w->conns[s] != NULL)
			conn_close(w, s);
	printf("[CPU %d] connections: %ld, bytes: %ld, pipe ticks: %ld\n", w->core, w->nconns,
	       w->bytes, w->ticks);
	fflush(stdout);
	for (int i = 0; i < 5000 && !__atomic_load_n(&main_quiet, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	mtcp_destroy_context(w->mctx);
	free(w->conns);
	return NULL;
}

static void usage(const char *me)
{
	fprintf(stderr, "usage: %s -f CONF [-N cores] [-p port] [-t tick_ms]\n", me);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *conf = NULL;
	int o;
	while ((o = getopt(argc, argv, "f:N:p:t:h")) != -1) {
		switch (o) {
		case 'f': conf = optarg; break;
		case 'N': num_cores = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 't': tick_ms = atoi(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (conf == NULL || num_cores < 1 || num_cores > MAX_CORES || tick_ms < 1)
		usage(argv[0]);
	struct mtcp_conf mc;
	mtcp_getconf(&mc);
	mc.num_cores = num_cores;
	mtcp_setconf(&mc);
	if (mtcp_init(conf) < 0) {
		fprintf(stderr, "mtcp-echo-server: mtcp_init failed\n");
		return 1;
	}
	mtcp_getconf(&mc);
	max_fds = mc.max_concurrency;
	mtcp_register_signal(SIGINT, on_sigint);
	pthread_t th[MAX_CORES];
	struct worker w[MAX_CORES];
	memset(w, 0, sizeof(w));
	for (int i = 0; i < num_cores; i++) {
		w[i].core = i;
		pthread_create(&th[i], NULL, run, &w[i]);
	}
	/* another thread's writes wake the contexts out of epoll_wait(-1) */
	while (!done) {
		usleep((useconds_t)tick_ms * 1000);
		for (int i = 0; i < num_cores && !done; i++)
			if (__atomic_load_n(&ready[i], __ATOMIC_ACQUIRE))
				mtcp_write(ctxs[i], pipes[i][1], "t", 1);
	}
	__atomic_store_n(&main_quiet, 1, __ATOMIC_RELEASE);
	int rc = 0;
	for (int i = 0; i < num_cores; i++) {
		void *r;
		pthread_join(th[i], &r);
		rc |= r != NULL;
	}
	mtcp_destroy();
	return rc;
}
