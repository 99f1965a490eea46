/*
 * preload/state.c - libutcp-preload's process-wide state: the libc
 * functions behind ours, the config (UTCP_CONF, read once), the stack and
 * one context per thread (opened lazily by the first thread that needs the
 * NIC), the descriptor table, and fork().
 *
 * Call order: the constructor resolves libc's functions (dlsym RTLD_NEXT)
 * and registers the fork handler -> upl_conf_ok (first AF_INET stream
 * socket: utcp_config_load + finish; a bad config is said once on stderr,
 * every such socket() then fails with ENETDOWN) -> upl_ctx_get (the stack
 * opens on first use; each thread takes the next core; more threads than
 * num_cores: EAGAIN) -> upl_live (the utcp socket, with what was recorded
 * replayed: options, O_NONBLOCK, bind, listen) -> upl_detach on close.
 *
 * fork(): the child starts generation gen + 1 with no stack and no
 * contexts (the parent's stay the parent's: the child never touches them).
 * Its listeners go back to UPL_NEW, made again on the child's own context
 * (as SO_REUSEPORT would: on TAP each process attaches its own queue of
 * the multiqueue device); its connections become UPL_STALE (EBADFD).
 * At exit the calling thread's context runs a little longer (at most
 * 500 ms) so that what close() queued (FINs, the last data) leaves.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload/preload.h"

struct upl_proc upl_proc = { .lock = PTHREAD_MUTEX_INITIALIZER, .next_core = 0 };
struct upl_sock *upl_tab[UPL_MAXFD];
struct upl_ep *upl_eps[UPL_MAXFD];
struct upl_real upl_real;

static __thread struct upl_ctx *tl_ctx __attribute__((tls_model("initial-exec")));

#define RESOLVE(f) (upl_real.f = (__typeof__(upl_real.f))dlsym(RTLD_NEXT, #f))

void upl_resolve(void)
{
	RESOLVE(socket); RESOLVE(bind); RESOLVE(listen); RESOLVE(accept); RESOLVE(accept4);
	RESOLVE(connect); RESOLVE(read); RESOLVE(write); RESOLVE(readv); RESOLVE(writev);
	RESOLVE(recv); RESOLVE(send); RESOLVE(recvfrom); RESOLVE(sendto); RESOLVE(recvmsg);
	RESOLVE(sendmsg); RESOLVE(close); RESOLVE(close_range); RESOLVE(closefrom); RESOLVE(shutdown); RESOLVE(getsockopt);
	RESOLVE(setsockopt); RESOLVE(getsockname); RESOLVE(getpeername); RESOLVE(fcntl);
	RESOLVE(fcntl64); RESOLVE(ioctl); RESOLVE(dup); RESOLVE(dup2); RESOLVE(dup3);
	RESOLVE(poll); RESOLVE(ppoll); RESOLVE(select); RESOLVE(pselect); RESOLVE(epoll_create);
	RESOLVE(epoll_create1); RESOLVE(epoll_ctl); RESOLVE(epoll_wait); RESOLVE(epoll_pwait); RESOLVE(epoll_pwait2);
	RESOLVE(sendfile); RESOLVE(pread); RESOLVE(lseek);
	if (upl_real.fcntl64 == NULL)
		upl_real.fcntl64 = upl_real.fcntl;
	/* libutcp's own epoll_wait when it has one (the DPDK backend's gate
	 * around EAL's interrupt thread, nic/dpdk/gate.c): RTLD_NEXT would
	 * find libc's first, since libutcp loads after the program's libraries */
	Dl_info di;
	if (dladdr((void *)utcp_ctx_poll, &di) != 0 && di.dli_fname != NULL) {
		void *h = dlopen(di.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
		void *f = h != NULL ? dlsym(h, "epoll_wait") : NULL;
		if (f != NULL)
			upl_real.epoll_wait = (__typeof__(upl_real.epoll_wait))f;
	}
}

int64_t upl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A few distinct notes, each printed once. */
void upl_note_once(const char *what)
{
	static char seen[32][96];
	static int nseen;
	pthread_mutex_lock(&upl_proc.lock);
	for (int i = 0; i < nseen; i++)
		if (strncmp(seen[i], what, sizeof(seen[i]) - 1) == 0) {
			pthread_mutex_unlock(&upl_proc.lock);
			return;
		}
	if (nseen < 32)
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", what);
	pthread_mutex_unlock(&upl_proc.lock);
	fprintf(stderr, "utcp-preload: %s\n", what);
}

static int conf_load(struct utcp_config *cfg)
{
	char err[512];
	const char *path = getenv("UTCP_CONF");
	if (path == NULL || path[0] == '\0') {
		fprintf(stderr, "utcp-preload: UTCP_CONF is not set (the utcp.conf to use); "
				"AF_INET stream sockets fail with ENETDOWN\n");
		return -1;
	}
	utcp_config_defaults(cfg);
	/* Linux closes no idle connection: no tcp_timeout unless the file asks */
	if (utcp_config_set(cfg, "tcp_timeout", "-1", err, sizeof(err)) < 0 ||
	    utcp_config_load(cfg, path, err, sizeof(err)) < 0 ||
	    utcp_config_finish(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "utcp-preload: %s; AF_INET stream sockets fail with ENETDOWN\n", err);
		return -1;
	}
	if (cfg->num_cores < 1)
		cfg->num_cores = 1;
	return 0;
}

int upl_conf_ok(void)
{
	struct upl_proc *P = &upl_proc;
	pthread_mutex_lock(&P->lock);
	if (P->conf_state == 0)
		P->conf_state = conf_load(&P->cfg) == 0 ? 1 : -1;
	int ok = P->conf_state == 1;
	pthread_mutex_unlock(&P->lock);
	if (!ok)
		errno = ENETDOWN;
	return ok;
}

/* Under the lock: this thread's context, the stack opened first. */
static struct upl_ctx *ctx_open(struct upl_proc *P)
{
	char err[512];
	if (P->stack == NULL && !P->stack_failed) {
		P->stack = utcp_stack_open(&P->cfg, err, sizeof(err));
		if (P->stack == NULL) {
			fprintf(stderr, "utcp-preload: %s: %s; utcp sockets fail with ENETDOWN\n",
				P->cfg.path, err);
			P->stack_failed = 1;
		}
	}
	if (P->stack == NULL) {
		errno = ENETDOWN;
		return NULL;
	}
	if (P->next_core >= P->cfg.num_cores) {
		fprintf(stderr, "utcp-preload: a thread more than num_cores = %d uses the "
				"network; its utcp sockets fail with EAGAIN\n", P->cfg.num_cores);
		errno = EAGAIN;
		return NULL;
	}
	struct upl_ctx *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ctx = utcp_ctx_create(P->stack, P->next_core);
	if (c->ctx == NULL) {
		int e = errno;
		free(c);
		errno = e;
		return NULL;
	}
	P->next_core++;
	c->gen = P->gen;
	c->poll_fd = utcp_ctx_poll_fd(c->ctx);
	return c;
}

struct upl_ctx *upl_ctx_get(void)
{
	struct upl_proc *P = &upl_proc;
	struct upl_ctx *c = tl_ctx;
	if (c != NULL && c->gen == P->gen)
		return c;
	if (upl_conf_ok() == 0)
		return NULL;
	pthread_mutex_lock(&P->lock);
	c = ctx_open(P);
	int e = errno;
	pthread_mutex_unlock(&P->lock);
	if (c == NULL) {
		errno = e;
		return NULL;
	}
	tl_ctx = c;
	return c;
}

/* What socket() and the recording calls asked for, on the new utcp socket. */
static int replay(struct utcp_ctx *ctx, struct upl_sock *s, int id)
{
	for (int i = 0; i < s->nopts; i++) {
		struct upl_opt *o = &s->opts[i];
		utcp_setsockopt(ctx, id, o->level, o->name, o->val, o->len); /* noted at record */
	}
	if (s->nonblock && utcp_setsock_nonblock(ctx, id) < 0)
		return -1;
	if (s->bound && utcp_bind(ctx, id, (struct sockaddr *)&s->baddr, sizeof(s->baddr)) < 0)
		return -1;
	if (s->listening && utcp_listen(ctx, id, s->backlog) < 0)
		return -1;
	return 0;
}

struct upl_ctx *upl_live(struct upl_sock *s)
{
	if (s->state == UPL_STALE) {
		errno = EBADFD;
		return NULL;
	}
	if (s->state == UPL_LIVE)
		return upl_own(s);
	struct upl_ctx *c = upl_ctx_get();
	if (c == NULL)
		return NULL;
	int id = utcp_socket(c->ctx, AF_INET, SOCK_STREAM, 0);
	if (id < 0)
		return NULL;
	if (replay(c->ctx, s, id) < 0) {
		int e = errno;
		utcp_close(c->ctx, id);
		errno = e;
		return NULL;
	}
	s->id = id;
	s->owner = c;
	s->state = UPL_LIVE;
	return c;
}

struct upl_ctx *upl_own(struct upl_sock *s)
{
	if (s->state == UPL_LIVE && s->owner == tl_ctx)
		return s->owner;
	if (s->state == UPL_LIVE)
		upl_note_once("a utcp socket was used from a thread other than the one whose "
			      "context holds it: the call fails with EBADFD (a utcp socket stays "
			      "with the thread that made it)");
	errno = EBADFD;
	return NULL;
}

struct upl_ctx *upl_io_ctx(struct upl_sock *s, int err_new)
{
	if (s->state == UPL_LIVE)
		return upl_own(s);
	errno = s->state == UPL_STALE ? EBADFD : err_new;
	return NULL;
}

struct upl_sock *upl_sock_new(void)
{
	struct upl_sock *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->id = -1;
	s->ep_fd = -1;
	s->state = UPL_NEW;
	return s;
}

int upl_attach(int fd, struct upl_sock *s)
{
	if (fd < 0 || fd >= UPL_MAXFD) {
		REAL(close)(fd);
		errno = EMFILE;
		return -1;
	}
	s->refs++;
	upl_tab[fd] = s;
	return fd;
}

/* The child of fork(): a new generation (see the top of the file). */
static void on_fork_child(void)
{
	struct upl_proc *P = &upl_proc;
	pthread_mutex_init(&P->lock, NULL);
	P->gen++;
	P->stack = NULL; /* the parent's: left alone */
	P->next_core = 0;
	P->stack_failed = 0;
	tl_ctx = NULL;
	for (int fd = 0; fd < UPL_MAXFD; fd++) {
		struct upl_sock *s = upl_tab[fd];
		if (s != NULL && s->state == UPL_LIVE) {
			s->state = s->listening ? UPL_NEW : UPL_STALE;
			s->id = -1;
			s->owner = NULL;
		}
		struct upl_ep *e = upl_eps[fd];
		if (e != NULL) {
			e->uep = -1;
			e->c = NULL;
			e->poll_fd_added = 0;
		}
	}
}

/* The calling thread's context runs until what close() queued has left
 * (connections other than TIME-WAIT gone), at most 500 ms. */
static void at_exit(void)
{
	struct upl_ctx *c = tl_ctx;
	if (c == NULL || c->gen != upl_proc.gen)
		return;
	utcp_time_t end = utcp_ctx_now(c->ctx) + 500 * UTCP_NSEC_PER_MSEC;
	for (int i = 0; i < 10000 && utcp_ctx_now(c->ctx) < end; i++) {
		struct utcp_sock_usage u;
		utcp_ctx_sock_usage(c->ctx, &u);
		if (u.tcbs <= u.timewait)
			break;
		utcp_ctx_wait(c->ctx, utcp_ctx_now(c->ctx) + 10 * UTCP_NSEC_PER_MSEC);
	}
}

__attribute__((constructor)) static void upl_init(void)
{
	upl_resolve();
	pthread_atfork(NULL, NULL, on_fork_child);
	atexit(at_exit);
}
