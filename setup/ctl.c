/*
 * setup/ctl.c - the control socket (utcp.conf's `control_socket = PATH`):
 * a unix stream socket on which a running program answers utcp-ss with
 * its contexts' connections and counters.
 *
 * Call order: utcp_stack_open (setup/open.c) -> utcp_ctl_open: bind and
 * listen, hand the stack its hooks (core/stack/stack.h).  Then, on each
 * context's own thread, from its poll round every UTCP_CTL_PERIOD:
 * ctl_tick.  Context 0 accepts a client and writes its part; the client's
 * socket is then handed to the next context through that context's inbox
 * (one atomic slot, written only by the context before it) with a wake-up,
 * which writes its part and hands it on; the last one closes it.  No lock,
 * nothing in the data path: a context reads only its own state.
 * utcp_stack_close -> ctl_stack_close: the socket file is removed.
 *
 * What a client reads (text, one record per line, fields key=value):
 *   utcp-ctl 1 cores=N
 *   ctx C
 *   conn state=S local=A:P peer=A:P send_q= recv_q= mss= cwnd= ssthresh=
 *        flight= snd_wnd= rcv_wnd= srtt_us= rttvar_us= rto_us= retrans=
 *        backoff= recovery= cc=
 *   stat NAME VALUE              (every counter of <utcp/stats.h>)
 * An IPv6 address is written in brackets, as ss(8) does: [2001:db8::1]:80.
 * A client that stops reading for a second loses the rest (SO_SNDTIMEO).
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <utcp/conninfo.h>
#include <utcp/utcp.h>

#include "core/base/err.h"
#include "core/stack/stack.h"
#include "setup/ctl.h"

/* How often each context looks at the control socket (low rate: one
 * timer per context, nothing per packet). */
#define UTCP_CTL_PERIOD (20 * UTCP_NSEC_PER_MSEC)

struct utcp_ctl {
	struct utcp_stack_hooks hooks;
	int lfd;                                  /* listening socket */
	int ncores;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	_Atomic(struct utcp_ctx *) ctxs[UTCP_MAX_CORES];
	atomic_int inbox[UTCP_MAX_CORES];         /* a client for core c; -1: none */
	int held[UTCP_MAX_CORES];                 /* core c's: served, not yet passed on */
};

static void ctl_conn(void *arg, const struct utcp_conn_info *ci)
{
	FILE *f = arg;
	char la[UTCP_CONN_ADDRSTRLEN], ra[UTCP_CONN_ADDRSTRLEN];

	utcp_conn_addr(ci, 1, la, sizeof(la));
	utcp_conn_addr(ci, 0, ra, sizeof(ra));
	fprintf(f, "conn state=%s local=%s peer=%s send_q=%u recv_q=%u mss=%u cwnd=%u "
		"ssthresh=%u flight=%u snd_wnd=%u rcv_wnd=%u srtt_us=%llu rttvar_us=%llu "
		"rto_us=%llu retrans=%u backoff=%u recovery=%d cc=%s\n",
		ci->state, la, ra, ci->send_q, ci->recv_q,
		ci->mss, ci->cwnd, ci->ssthresh, ci->flight, ci->snd_wnd, ci->rcv_wnd,
		(unsigned long long)(ci->srtt / 1000), (unsigned long long)(ci->rttvar / 1000),
		(unsigned long long)(ci->rto / 1000), ci->retrans, ci->backoff, ci->recovery,
		ci->cc[0] ? ci->cc : "-");
}

/* This context's part of the answer. */
static void ctl_serve(struct utcp_ctl *ctl, struct utcp_ctx *ctx, int fd)
{
	int dfd = dup(fd);
	FILE *f = dfd >= 0 ? fdopen(dfd, "w") : NULL;
	const struct utcp_stats *s = utcp_ctx_stats(ctx);

	if (f == NULL) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	if (utcp_ctx_core(ctx) == 0)
		fprintf(f, "utcp-ctl 1 cores=%d\n", ctl->ncores);
	fprintf(f, "ctx %d\n", utcp_ctx_core(ctx));
	utcp_ctx_conns(ctx, ctl_conn, f);
#define CTL_STAT(name) fprintf(f, "stat " #name " %llu\n", (unsigned long long)s->name);
	UTCP_STATS_ALL(CTL_STAT)
#undef CTL_STAT
	fclose(f);
}

/* Hand fd to the next context there is; -1 when it is passed on or closed,
 * fd when the next one has not taken its last client yet. */
static int ctl_pass(struct utcp_ctl *ctl, int core, int fd)
{
	for (int c = core + 1; c < ctl->ncores; c++) {
		struct utcp_ctx *next = atomic_load(&ctl->ctxs[c]);
		int empty = -1;

		if (next == NULL)
			continue;
		if (!atomic_compare_exchange_strong(&ctl->inbox[c], &empty, fd))
			return fd;
		utcp_ctx_wake(next);
		return -1;
	}
	close(fd);
	return -1;
}

/* Context 0: a client waiting to be accepted, -1 if none. */
static int ctl_accept(struct utcp_ctl *ctl)
{
	struct timeval tv = { .tv_sec = 1 };
	int fd = accept4(ctl->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static void ctl_tick(struct utcp_ctx *ctx, void *arg)
{
	struct utcp_ctl *ctl = arg;
	int c = utcp_ctx_core(ctx);
	int fd = ctl->held[c];

	if (fd < 0) {
		fd = atomic_exchange(&ctl->inbox[c], -1);
		if (fd < 0 && c == 0)
			fd = ctl_accept(ctl);
		if (fd < 0)
			return;
		ctl_serve(ctl, ctx, fd);
	}
	ctl->held[c] = ctl_pass(ctl, c, fd);
}

static void ctl_ctx_open(struct utcp_ctx *ctx, void *arg)
{
	struct utcp_ctl *ctl = arg;
	atomic_store(&ctl->ctxs[utcp_ctx_core(ctx)], ctx);
}

static void ctl_ctx_close(struct utcp_ctx *ctx, void *arg)
{
	struct utcp_ctl *ctl = arg;
	int c = utcp_ctx_core(ctx);
	int fd = atomic_exchange(&ctl->inbox[c], -1);

	atomic_store(&ctl->ctxs[c], NULL);
	if (fd >= 0)
		close(fd);
	if (ctl->held[c] >= 0)
		close(ctl->held[c]);
	ctl->held[c] = -1;
}

static void ctl_stack_close(void *arg)
{
	struct utcp_ctl *ctl = arg;

	for (int c = 0; c < UTCP_MAX_CORES; c++) {
		int fd = atomic_exchange(&ctl->inbox[c], -1);
		if (fd >= 0)
			close(fd);
	}
	close(ctl->lfd);
	unlink(ctl->path);
	free(ctl);
}

/* A listening unix socket at path, non-blocking; a stale socket file (no
 * one listening) is replaced; a live one, or a file that is no socket, is
 * an error. */
static int ctl_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
		utcp_set_err(err, errlen, "control_socket %s: %s", path,
			     fd < 0 ? strerror(errno) : "path too long");
		if (fd >= 0)
			close(fd);
		errno = fd < 0 ? errno : ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN) {
		utcp_set_err(err, errlen, "control_socket %s: another program answers there", path);
		close(fd);
		errno = EADDRINUSE;
		return -1;
	}
	close(fd);
	struct stat sb;
	if (lstat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode)) {
		utcp_set_err(err, errlen, "control_socket %s: exists and is not a socket", path);
		errno = EEXIST;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(path); /* a stale socket: nobody listening */
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0) {
		int e = errno;
		utcp_set_err(err, errlen, "control_socket %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int utcp_ctl_open(struct utcp_stack *st, const char *path, char *err, size_t errlen)
{
	struct utcp_ctl *ctl = calloc(1, sizeof(*ctl));

	if (ctl == NULL) {
		utcp_set_err(err, errlen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	ctl->lfd = ctl_listen(path, err, errlen);
	if (ctl->lfd < 0) {
		free(ctl);
		return -1;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	ctl->ncores = utcp_stack_config(st)->num_cores;
	for (int c = 0; c < UTCP_MAX_CORES; c++) {
		atomic_init(&ctl->inbox[c], -1);
		ctl->held[c] = -1;
	}
	ctl->hooks = (struct utcp_stack_hooks){
		.ctx_open = ctl_ctx_open, .tick = ctl_tick, .ctx_close = ctl_ctx_close,
		.stack_close = ctl_stack_close, .arg = ctl, .period = UTCP_CTL_PERIOD,
	};
	utcp_stack_set_hooks(st, &ctl->hooks);
	return 0;
}
