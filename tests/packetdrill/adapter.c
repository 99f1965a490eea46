/*
 * tests/packetdrill/adapter.c - utcp as a packetdrill shared object.
 *
 * `packetdrill --so_filename=utcp_packetdrill.so --so_flags=FLAGS` loads
 * this file's packetdrill_interface_init and runs a script against one utcp
 * stack built on the public API only: a NIC of its own (pd_nic.c) whose
 * clock is virtual, so timers, RTO backoff and idle minutes cost no real
 * time and every run of a script is the same.
 *
 * The clock (virtual, ns): gettimeofday moves it 1 us per call (packetdrill
 * spins on it), usleep moves it and fires the timers due on the way;
 * netdev_receive, when the stack has sent nothing, moves it to the stack's
 * next deadline (utcp_ctx_next_deadline) and polls, until a frame leaves
 * or pd->idle_limit of virtual time passed (then an empty packet and a
 * message: packetdrill fails the script).  Frames carry the virtual time
 * they left at.
 *
 * Sockets: every socket is non-blocking inside utcp; the adapter keeps the
 * O_NONBLOCK the script sees and makes a blocking call wait on a condition
 * variable (packetdrill's syscall thread must sleep for real), retrying
 * whenever another entry changed the stack.  A blocked call that nothing
 * else will ever wake (its completion is a timer, and packetdrill's main
 * thread is waiting for it) moves the clock itself after PD_GRACE_MS of
 * real time without any other entry.  Every descriptor packetdrill sees is
 * a real one (/dev/null), since its teardown closes them with close(2).
 *
 * FLAGS: words split by spaces, commas or semicolons, each KEY=VALUE:
 * local_ip (default 192.168.0.1, packetdrill's --local_ip; an IPv6 address
 * for --ip_version=ipv6, with remote_ip the peer's), mtu (1500),
 * idle_limit (virtual seconds, 30), verbose (0/1); any other key is a
 * utcp.conf key (rcvbuf, sndbuf, cc, tcp_timewait, seed, ...).
 *
 * Call order: packetdrill_interface_init -> the members, from two threads,
 * each under pd->mu -> free.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "pd.h"
#include "pd_ifc.h"

#define PD_GRACE_MS 200      /* real time a blocked call waits before moving the clock
				(a loaded machine may take tens of ms to run the script's next line) */
#define PD_SYNC_MS 200       /* real time the main thread waits for a woken call */
#define PD_START_NS (1 * UTCP_NSEC_PER_SEC)

/* ---- locking, waking and blocking ---------------------------------------- */

static int pd_is_blocker(const struct pd *pd)
{
	return pd->blocked && pthread_equal(pd->blocker, pthread_self());
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += ms * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

/* Let a blocked call that was woken retry before this thread moves on, so
 * what it sends is stamped with the time it could send it (bounded). */
static void pd_sync(struct pd *pd)
{
	struct timespec ts;
	deadline_in(&ts, PD_SYNC_MS);
	while (pd->blocked && !pd_is_blocker(pd) && pd->seen_seq != pd->wake_seq)
		if (pthread_cond_timedwait(&pd->done_cv, &pd->mu, &ts) != 0)
			break;
}

static void pd_enter(struct pd *pd)
{
	pthread_mutex_lock(&pd->mu);
	if (!pd_is_blocker(pd)) {
		pd->gen++;
		pd_sync(pd);
	}
}

/* changed: the stack may have changed, a blocked call should retry. */
static void pd_leave(struct pd *pd, int changed)
{
	if (changed) {
		pd->wake_seq++;
		pthread_cond_broadcast(&pd->cv);
	}
	pthread_mutex_unlock(&pd->mu);
}

static void pd_kick(struct pd *pd)
{
	pd->wake_seq++;
	pthread_cond_broadcast(&pd->cv);
	pd_sync(pd);
}

/* Sleep until another entry changes the stack; if none comes within the
 * grace period, move the clock to the next stack deadline (or `deadline`,
 * the call's own), since nobody else will. */
static void pd_block(struct pd *pd, utcp_time_t deadline)
{
	struct timespec ts;
	uint64_t gen = pd->gen;
	deadline_in(&ts, PD_GRACE_MS);
	if (pthread_cond_timedwait(&pd->cv, &pd->mu, &ts) != ETIMEDOUT || pd->gen != gen)
		return;
	utcp_time_t t = utcp_ctx_next_deadline(pd->ctx);
	if (deadline < t)
		t = deadline;
	if (t != UTCP_TIME_NEVER)
		pd_advance_to(pd, t > pd->now ? t : pd->now);
}

/* ---- descriptors ----------------------------------------------------------- */

static struct pd_fd *pd_fd(struct pd *pd, int fd)
{
	if (fd < 0 || fd >= PD_MAX_FDS || !pd->fds[fd].used) {
		errno = EBADF;
		return NULL;
	}
	return &pd->fds[fd];
}

/* A real descriptor for utcp socket `sock` (packetdrill closes it itself). */
static int pd_fd_new(struct pd *pd, int sock, int nonblock)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || fd >= PD_MAX_FDS) {
		if (fd >= 0)
			close(fd);
		utcp_close(pd->ctx, sock);
		errno = EMFILE;
		return -1;
	}
	utcp_setsock_nonblock(pd->ctx, sock);
	pd->fds[fd] = (struct pd_fd){ .used = 1, .sock = sock, .nonblock = nonblock };
	return fd;
}

/* ---- one call, blocking or not ---------------------------------------------- */

struct pd_call {
	ssize_t (*op)(struct pd *pd, struct pd_call *c);
	int fd, sock;
	int dontwait;            /* never block (MSG_DONTWAIT, epoll timeout 0) */
	utcp_time_t deadline;    /* virtual; UTCP_TIME_NEVER: none */
	int again;               /* set by op: would block */
	void *buf;
	size_t len, done;
	int flags;
	struct sockaddr *addr;
	socklen_t *addrlen;
	const struct sockaddr *caddr;
	socklen_t caddrlen;
	int ret_fd;              /* accept: the new descriptor */
};

static ssize_t pd_do(struct pd *pd, struct pd_call *c)
{
	ssize_t r = -1;
	int err = 0, mine = 0;
	pd_enter(pd);
	for (;;) {
		struct pd_fd *f = pd_fd(pd, c->fd);
		if (f == NULL) {
			err = EBADF;
			break;
		}
		c->sock = f->sock;
		c->again = 0;
		errno = 0;
		r = c->op(pd, c);
		err = errno;
		pd_run(pd);
		if (mine) {
			pd->seen_seq = pd->wake_seq;
			pthread_cond_broadcast(&pd->done_cv);
		}
		if (!c->again || f->nonblock || c->dontwait || pd->now >= c->deadline)
			break;
		if (!pd->blocked) {
			pd->blocked = mine = 1;
			pd->blocker = pthread_self();
		}
		pd_block(pd, c->deadline);
	}
	if (mine)
		pd->blocked = 0;
	pd_leave(pd, 1);
	errno = err;
	return r;
}

static int would_block(ssize_t r)
{
	return r < 0 && (errno == EAGAIN || errno == EINPROGRESS || errno == EALREADY);
}

static ssize_t op_read(struct pd *pd, struct pd_call *c)
{
	ssize_t r = utcp_recv(pd->ctx, c->sock, c->buf, c->len, c->flags & ~MSG_DONTWAIT);
	c->again = would_block(r);
	return r;
}

/* A blocking send returns when all of it is queued, as on Linux; once it
 * waited, it goes on only when the socket is writable again (Linux wakes
 * a writer in sk_stream_write_space, not whenever memory is freed). */
static ssize_t op_write(struct pd *pd, struct pd_call *c)
{
	int ev = c->done > 0 ? utcp_sock_events(pd->ctx, c->sock) : EPOLLOUT;
	if (ev >= 0 && !(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		c->again = 1;
		return (ssize_t)c->done;
	}
	ssize_t r = utcp_send(pd->ctx, c->sock, (const char *)c->buf + c->done, c->len - c->done,
			      c->flags & ~MSG_DONTWAIT);
	if (r > 0)
		c->done += (size_t)r;
	c->again = c->done < c->len && (r > 0 || would_block(r));
	return c->done > 0 ? (ssize_t)c->done : r;
}

static ssize_t op_connect(struct pd *pd, struct pd_call *c)
{
	ssize_t r = utcp_connect(pd->ctx, c->sock, c->caddr, c->caddrlen);
	c->again = would_block(r);
	return r;
}

static ssize_t op_accept(struct pd *pd, struct pd_call *c)
{
	int s = utcp_accept(pd->ctx, c->sock, c->addr, c->addrlen);
	c->again = would_block(s);
	if (s < 0)
		return -1;
	return c->ret_fd = pd_fd_new(pd, s, 0);
}

static ssize_t op_epoll_wait(struct pd *pd, struct pd_call *c)
{
	int r = utcp_epoll_wait(pd->ctx, c->sock, c->buf, (int)c->len, 0);
	c->again = r == 0;
	return r;
}

/* ---- the members ------------------------------------------------------------- */

static int pd_socket(void *u, int domain, int type, int protocol)
{
	struct pd *pd = u;
	pd_enter(pd);
	int fd = -1, s = utcp_socket(pd->ctx, domain, type, protocol);
	if (s >= 0)
		fd = pd_fd_new(pd, s, !!(type & SOCK_NONBLOCK));
	int err = errno;
	pd_leave(pd, 0);
	errno = err;
	return fd;
}

/* A call on a socket that never blocks: look the descriptor up, call, run. */
#define PD_SIMPLE(pd, fd, expr)                          \
	do {                                             \
		pd_enter(pd);                            \
		struct pd_fd *f_ = pd_fd(pd, fd);        \
		int r_ = -1, err_ = EBADF;               \
		if (f_ != NULL) {                        \
			int sock = f_->sock;             \
			(void)sock;                      \
			r_ = (expr);                     \
			err_ = errno;                    \
			pd_run(pd);                      \
		}                                        \
		pd_leave(pd, 1);                         \
		errno = err_;                            \
		return r_;                               \
	} while (0)

static int pd_bind(void *u, int fd, const struct sockaddr *a, socklen_t al)
{
	PD_SIMPLE((struct pd *)u, fd, utcp_bind(((struct pd *)u)->ctx, sock, a, al));
}

static int pd_listen(void *u, int fd, int backlog)
{
	PD_SIMPLE((struct pd *)u, fd, utcp_listen(((struct pd *)u)->ctx, sock, backlog));
}

static int pd_shutdown(void *u, int fd, int how)
{
	PD_SIMPLE((struct pd *)u, fd, utcp_shutdown(((struct pd *)u)->ctx, sock, how));
}

static int pd_getsockopt(void *u, int fd, int level, int name, void *val, socklen_t *len)
{
	PD_SIMPLE((struct pd *)u, fd,
		  utcp_getsockopt(((struct pd *)u)->ctx, sock, level, name, val, len));
}

static int pd_setsockopt(void *u, int fd, int level, int name, const void *val, socklen_t len)
{
	PD_SIMPLE((struct pd *)u, fd,
		  utcp_setsockopt(((struct pd *)u)->ctx, sock, level, name, val, len));
}

static int pd_epoll_ctl(void *u, int epfd, int op, int fd, struct epoll_event *ev)
{
	struct pd *pd = u;
	pd_enter(pd);
	struct pd_fd *e = pd_fd(pd, epfd), *f = pd_fd(pd, fd);
	int r = -1, err = EBADF;
	if (e != NULL && f != NULL) {
		r = utcp_epoll_ctl(pd->ctx, e->sock, op, f->sock, ev);
		err = errno;
	}
	pd_leave(pd, 1);
	errno = err;
	return r;
}

static int pd_close(void *u, int fd)
{
	struct pd *pd = u;
	pd_enter(pd);
	struct pd_fd *f = pd_fd(pd, fd);
	int r = -1, err = EBADF;
	if (f != NULL) {
		r = utcp_close(pd->ctx, f->sock);
		err = errno;
		f->used = 0;
		close(fd);
		pd_run(pd);
	}
	pd_leave(pd, 1);
	errno = err;
	return r;
}

static int pd_accept(void *u, int fd, struct sockaddr *a, socklen_t *al)
{
	struct pd_call c = { .op = op_accept, .fd = fd, .addr = a, .addrlen = al,
			     .deadline = UTCP_TIME_NEVER };
	return (int)pd_do(u, &c);
}

static int pd_connect(void *u, int fd, const struct sockaddr *a, socklen_t al)
{
	struct pd_call c = { .op = op_connect, .fd = fd, .caddr = a, .caddrlen = al,
			     .deadline = UTCP_TIME_NEVER };
	return (int)pd_do(u, &c);
}

static ssize_t pd_recv(void *u, int fd, void *buf, size_t len, int flags)
{
	struct pd_call c = { .op = op_read, .fd = fd, .buf = buf, .len = len, .flags = flags,
			     .dontwait = !!(flags & MSG_DONTWAIT), .deadline = UTCP_TIME_NEVER };
	return pd_do(u, &c);
}

static ssize_t pd_read(void *u, int fd, void *buf, size_t len)
{
	return pd_recv(u, fd, buf, len, 0);
}

static ssize_t pd_send(void *u, int fd, const void *buf, size_t len, int flags)
{
	struct pd_call c = { .op = op_write, .fd = fd, .buf = (void *)buf, .len = len,
			     .flags = flags, .dontwait = !!(flags & MSG_DONTWAIT),
			     .deadline = UTCP_TIME_NEVER };
	return pd_do(u, &c);
}

static ssize_t pd_write(void *u, int fd, const void *buf, size_t len)
{
	return pd_send(u, fd, buf, len, 0);
}

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;
	for (int i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

static ssize_t pd_sendv(void *u, int fd, const struct iovec *iov, int n, int flags)
{
	size_t len = iov_total(iov, n), off = 0;
	char *buf = malloc(len ? len : 1);
	if (buf == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (int i = 0; i < n; i++, off += iov[i - 1].iov_len)
		memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
	ssize_t r = pd_send(u, fd, buf, len, flags);
	free(buf);
	return r;
}

static ssize_t pd_recvv(void *u, int fd, const struct iovec *iov, int n, int flags)
{
	size_t len = iov_total(iov, n), off = 0;
	char *buf = malloc(len ? len : 1);
	if (buf == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ssize_t r = pd_recv(u, fd, buf, len, flags);
	for (int i = 0; i < n && r > 0 && off < (size_t)r; i++) {
		size_t k = iov[i].iov_len < (size_t)r - off ? iov[i].iov_len : (size_t)r - off;
		memcpy(iov[i].iov_base, buf + off, k);
		off += k;
	}
	int err = errno;
	free(buf);
	errno = err;
	return r;
}

static ssize_t pd_writev(void *u, int fd, const struct iovec *iov, int n)
{
	return pd_sendv(u, fd, iov, n, 0);
}

static ssize_t pd_readv(void *u, int fd, const struct iovec *iov, int n)
{
	return pd_recvv(u, fd, iov, n, 0);
}

/* sendto with MSG_FASTOPEN (RFC 7413): connect and write in one call, on
 * the address given; it does not block (the scripts' sockets are
 * non-blocking). */
static ssize_t op_sendto_fastopen(struct pd *pd, struct pd_call *c)
{
	return utcp_sendto(pd->ctx, c->sock, c->buf, c->len, c->flags & ~MSG_DONTWAIT, c->caddr,
			   c->caddrlen);
}

static ssize_t pd_sendto(void *u, int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *a, socklen_t al)
{
	if (flags & MSG_FASTOPEN) {
		struct pd_call c = { .op = op_sendto_fastopen, .fd = fd, .buf = (void *)buf,
				     .len = len, .flags = flags, .caddr = a, .caddrlen = al,
				     .deadline = UTCP_TIME_NEVER };
		return pd_do(u, &c);
	}
	(void)a, (void)al; /* TCP: the destination is the connection's */
	return pd_send(u, fd, buf, len, flags);
}

static ssize_t pd_sendmsg(void *u, int fd, const struct msghdr *m, int flags)
{
	return pd_sendv(u, fd, m->msg_iov, (int)m->msg_iovlen, flags);
}

static ssize_t pd_recvfrom(void *u, int fd, void *buf, size_t len, int flags,
			   struct sockaddr *a, socklen_t *al)
{
	struct pd *pd = u;
	ssize_t r = pd_recv(u, fd, buf, len, flags);
	if (r >= 0 && a != NULL && al != NULL) {
		int err = errno;
		pthread_mutex_lock(&pd->mu);
		struct pd_fd *f = pd_fd(pd, fd);
		if (f != NULL)
			utcp_getpeername(pd->ctx, f->sock, a, al);
		pthread_mutex_unlock(&pd->mu);
		errno = err;
	}
	return r;
}

static ssize_t pd_recvmsg(void *u, int fd, struct msghdr *m, int flags)
{
	m->msg_flags = 0;
	m->msg_controllen = 0;
	return pd_recvv(u, fd, m->msg_iov, (int)m->msg_iovlen, flags);
}

/* F_GETFL / F_SETFL: the O_NONBLOCK the script sees. */
static int pd_fcntl(void *u, int fd, int cmd, ...)
{
	struct pd *pd = u;
	va_list ap;
	va_start(ap, cmd);
	int arg = (cmd == F_SETFL) ? va_arg(ap, int) : 0;
	va_end(ap);
	pd_enter(pd);
	struct pd_fd *f = pd_fd(pd, fd);
	int r = -1, err = EBADF;
	if (f != NULL && cmd == F_GETFL) {
		r = O_RDWR | (f->nonblock ? O_NONBLOCK : 0);
	} else if (f != NULL && cmd == F_SETFL) {
		f->nonblock = !!(arg & O_NONBLOCK);
		r = 0;
	} else if (f != NULL) {
		err = EINVAL;
	}
	pd_leave(pd, 0);
	errno = err;
	return r;
}

static int pd_ioctl(void *u, int fd, unsigned long req, ...)
{
	struct pd *pd = u;
	va_list ap;
	va_start(ap, req);
	int *argp = va_arg(ap, int *);
	va_end(ap);
	pd_enter(pd);
	struct pd_fd *f = pd_fd(pd, fd);
	int r = -1, err = EBADF;
	if (f != NULL && req == FIONBIO) {
		f->nonblock = argp != NULL && *argp != 0;
		r = 0;
	} else if (f != NULL) {
		r = utcp_ioctl(pd->ctx, f->sock, req, argp);
		err = errno;
	}
	pd_leave(pd, 0);
	errno = err;
	return r;
}

static int pd_epoll_create(void *u, int size)
{
	struct pd *pd = u;
	pd_enter(pd);
	int fd = -1, e = utcp_epoll_create(pd->ctx, size);
	if (e >= 0)
		fd = pd_fd_new(pd, e, 0);
	int err = errno;
	pd_leave(pd, 0);
	errno = err;
	return fd;
}

static int pd_epoll_wait(void *u, int epfd, struct epoll_event *ev, int max, int timeout)
{
	struct pd *pd = u;
	pthread_mutex_lock(&pd->mu);
	utcp_time_t deadline = timeout < 0 ? UTCP_TIME_NEVER
					   : pd->now + (utcp_time_t)timeout * UTCP_NSEC_PER_MSEC;
	pthread_mutex_unlock(&pd->mu);
	struct pd_call c = { .op = op_epoll_wait, .fd = epfd, .buf = ev, .len = (size_t)max,
			     .dontwait = timeout == 0, .deadline = deadline };
	return (int)pd_do(u, &c);
}

static int pd_poll(void *u, struct pollfd *fds, nfds_t n, int timeout)
{
	(void)u, (void)fds, (void)n, (void)timeout;
	errno = ENOSYS;
	return -1;
}

static int pd_pipe(void *u, int fds[2])
{
	(void)u, (void)fds;
	errno = ENOSYS;
	return -1;
}

static int pd_splice(void *u, int in, loff_t *oin, int out, loff_t *oout, size_t len,
		     unsigned int flags)
{
	(void)u, (void)in, (void)oin, (void)out, (void)oout, (void)len, (void)flags;
	errno = ENOSYS;
	return -1;
}

/* ---- packets and time -------------------------------------------------------- */

static int pd_netdev_send(void *u, const void *buf, size_t count)
{
	struct pd *pd = u;
	pd_enter(pd);
	int r = pd_nic_inject(pd, buf, count);
	pd_run(pd);
	pd_leave(pd, 1);
	return r;
}

/* Copy an IP frame out; 0 if it is not one (ARP, which packetdrill never sees). */
static size_t pd_copy_ip(struct utcp_pkt *p, void *buf, size_t room)
{
	if (p->len < 14 || !((p->data[12] == 0x08 && p->data[13] == 0x00) ||
			     (p->data[12] == 0x86 && p->data[13] == 0xdd)))
		return 0;
	size_t n = p->len - 14u;
	if (n > room)
		n = room;
	memcpy(buf, p->data + 14, n);
	return n;
}

static int pd_netdev_receive(void *u, void *buf, size_t *count, long long *time_usecs)
{
	struct pd *pd = u;
	pd_enter(pd);
	utcp_time_t start = pd->now;
	size_t room = *count;
	*count = 0;
	for (;;) {
		struct utcp_pkt *p = pd_nic_pop_tx(pd);
		if (p != NULL) {
			*count = pd_copy_ip(p, buf, room);
			*time_usecs = (long long)(p->ts / UTCP_NSEC_PER_USEC);
			pd_nic_free_pkt(pd, p);
			if (*count == 0)
				continue;
			break;
		}
		utcp_time_t d = utcp_ctx_next_deadline(pd->ctx);
		if (d == UTCP_TIME_NEVER || d > start + pd->idle_limit) {
			fprintf(stderr, "utcp-packetdrill: the stack sent nothing in %llu s of "
				"virtual time (now %.6f s)\n",
				(unsigned long long)(pd->idle_limit / UTCP_NSEC_PER_SEC),
				(double)pd->now / 1e9);
			*time_usecs = (long long)(pd->now / UTCP_NSEC_PER_USEC);
			break;
		}
		pd_advance_to(pd, d > pd->now ? d : pd->now);
		pd_kick(pd);
	}
	pd_leave(pd, 0);
	return 0;
}

static int pd_usleep(void *u, useconds_t us)
{
	struct pd *pd = u;
	pd_enter(pd);
	pd_advance_to(pd, pd->now + (utcp_time_t)us * UTCP_NSEC_PER_USEC);
	pd_leave(pd, 1);
	return 0;
}

static int pd_gettimeofday(void *u, struct timeval *tv, struct timezone *tz)
{
	struct pd *pd = u;
	(void)tz;
	pd_enter(pd);
	pd->now += UTCP_NSEC_PER_USEC;
	int due = utcp_ctx_next_deadline(pd->ctx) <= pd->now;
	if (due)
		pd_run(pd);
	tv->tv_sec = (time_t)(pd->now / UTCP_NSEC_PER_SEC);
	tv->tv_usec = (suseconds_t)(pd->now % UTCP_NSEC_PER_SEC / UTCP_NSEC_PER_USEC);
	pd_leave(pd, due);
	return 0;
}

/* ---- set-up and teardown -------------------------------------------------------- */

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "utcp-packetdrill: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static void pd_config_base(struct utcp_config *cfg)
{
	utcp_config_defaults(cfg);
	snprintf(cfg->io, sizeof(cfg->io), "packetdrill");
	cfg->num_cores = 1;
	cfg->has_seed = 1;
	cfg->seed = 1;
	cfg->max_concurrency = 64;
	cfg->max_num_buffers = 64;
	cfg->tcp_timeout = -1;
	/* Linux's defaults as packetdrill's defaults.sh sets them: tcp_rmem's
	 * maximum (15 MiB: the window scale 8 the scripts expect), 512 KiB of
	 * send buffer (tcp_wmem's default is 256 KiB, but one ring size is
	 * both the default and the largest SO_SNDBUF, and a script may set
	 * 200000, which Linux doubles, as sock_buf_double does), CUBIC; and
	 * the choices the RFCs leave open where
	 * utcp has a knob for Linux's: quick-ACK for the first 16 segments,
	 * a 200 ms minimum RTO, slow start by every byte an ACK acknowledges
	 * (tcp_abc_nolimit: no per-ACK limit L), PRR's slow start bound only
	 * on safe ACKs (tcp_prr_safeack), the RTO floor on its variation term
	 * (tcp_rto_min_var), a loss probe in the place of a timeout due first
	 * (tcp_pto_cap), no probe in fast recovery (tcp_recovery_probe = 0), one tail loss probe before the RTO (tcp_tlp_again = 0), RST,ACK on abort (tcp_rst_ack), PSH on each write's
	 * last segment and each TSO packet's (tcp_push_each_write = 2), empty
	 * zero-window probes (tcp_zwp_empty), CUBIC's decrease from cwnd
	 * (tcp_cubic_md_cwnd), cwnd grown only while used (tcp_cwnd_limited),
	 * the send buffer counted and autotuned as Linux's (tcp_wmem).
	 * Each can be set back with --so_flags. */
	cfg->rcvbuf = 15 * 1024 * 1024;
	cfg->sndbuf = 512 * 1024;
	cfg->sock_buf_double = 1;
	snprintf(cfg->cc, sizeof(cfg->cc), "cubic");
	cfg->tcp_quickack = 16;
	cfg->tcp_rto_min = 200;
	cfg->tcp_abc = 2;
	cfg->tcp_abc_nolimit = 1;
	cfg->tcp_prr_safeack = 1;
	cfg->tcp_rto_min_var = 1;
	cfg->tcp_pto_cap = 1;
	cfg->tcp_recovery_probe = 0;
	cfg->tcp_tlp_again = 0;
	cfg->tcp_rst_ack = 1;
	cfg->tcp_push_each_write = 2;
	cfg->tcp_zwp_empty = 1;
	cfg->tcp_cubic_md_cwnd = 1;
	cfg->tcp_cwnd_limited = 1;
	cfg->tcp_wmem = 256 * 1024; /* defaults.sh's tcp_wmem default */
	cfg->nb_ports = 1;
	memset(&cfg->ports[0], 0, sizeof(cfg->ports[0]));
	snprintf(cfg->ports[0].name, sizeof(cfg->ports[0].name), "pd0");
	cfg->ports[0].ip = htonl(0xc0a80001); /* 192.168.0.1 */
	cfg->ports[0].prefix = 16;
}

/* packetdrill --ip_version=ipv6: our address on a /48 (packetdrill's
 * DEFAULT_V6_LIVE_PREFIX_LEN), the peer (2001:db8::1, off that prefix)
 * reached as the default router with a static neighbour entry, so no
 * neighbour discovery and no duplicate address detection (RFC 4862 §5.4,
 * DupAddrDetectTransmits 0) delay or add packets the script does not have. */
static void pd_config_ip6(struct utcp_config *cfg, const uint8_t *peer)
{
	static const struct utcp_in6 any;
	struct utcp_port_config *p = &cfg->ports[0];
	if (memcmp(&p->ip6, &any, sizeof(any)) == 0)
		return;
	p->prefix6 = 48;
	cfg->ip6_dad_transmits = 0;
	cfg->nb_routes6 = 2;
	cfg->routes6[0] = (struct utcp_route6){ .dst = p->ip6, .prefix = 48, .port = 0 };
	memset(cfg->routes6[0].dst.b + 6, 0, 10);
	cfg->routes6[1] = (struct utcp_route6){ .prefix = 0, .gateway = p->gateway6, .port = 0 };
	cfg->nb_neigh6 = 1;
	cfg->neigh6[0] = (struct utcp_neigh6_entry){ .ip6 = p->gateway6, .port = 0 };
	memcpy(cfg->neigh6[0].mac, peer, UTCP_ETH_ALEN);
}

/* One KEY=VALUE word of --so_flags. */
static void pd_flag(struct pd *pd, struct utcp_config *cfg, char *word)
{
	char err[256], *eq = strchr(word, '=');
	if (eq == NULL)
		die("--so_flags: expected KEY=VALUE, got", word);
	*eq = '\0';
	const char *v = eq + 1;
	struct in_addr a;
	struct in6_addr a6;
	if (strcmp(word, "local_ip") == 0) {
		if (inet_pton(AF_INET, v, &a) == 1)
			cfg->ports[0].ip = a.s_addr;
		else if (inet_pton(AF_INET6, v, &a6) == 1)
			memcpy(cfg->ports[0].ip6.b, &a6, 16);
		else
			die("--so_flags: local_ip is neither an IPv4 nor an IPv6 address", v);
	} else if (strcmp(word, "remote_ip") == 0) {
		/* IPv4: every destination is on the wire (the ARP entry below).
		 * IPv6: the peer is the default router (pd_config). */
		if (inet_pton(AF_INET6, v, &a6) == 1)
			memcpy(cfg->ports[0].gateway6.b, &a6, 16);
	} else if (strcmp(word, "mtu") == 0) {
		pd->mtu = (uint16_t)atoi(v);
		if (pd->mtu < 576 || pd->mtu > 9000)
			die("--so_flags: mtu must be 576..9000", v);
	} else if (strcmp(word, "idle_limit") == 0) {
		pd->idle_limit = (utcp_time_t)atoi(v) * UTCP_NSEC_PER_SEC;
	} else if (strcmp(word, "verbose") == 0) {
		pd->verbose = atoi(v);
	} else if (utcp_config_set(cfg, word, v, err, sizeof(err)) < 0) {
		die("--so_flags", err);
	}
}

static void pd_config(struct pd *pd, struct utcp_config *cfg, const char *flags)
{
	pd_config_base(cfg);
	char *copy = strdup(flags ? flags : ""), *save = NULL;
	for (char *w = strtok_r(copy, " ,;", &save); w != NULL; w = strtok_r(NULL, " ,;", &save))
		pd_flag(pd, cfg, w);
	free(copy);
	/* Everything is on the wire, and the peer's MAC is static: no ARP. */
	static const uint8_t peer[UTCP_ETH_ALEN] = PD_MAC_PEER;
	cfg->nb_routes = 1;
	cfg->routes[0] = (struct utcp_route){ .dst = 0, .prefix = 0, .gateway = 0, .port = 0 };
	cfg->nb_arp = 1;
	cfg->arp[0] = (struct utcp_arp_entry){ .ip = 0, .prefix = 0 };
	memcpy(cfg->arp[0].mac, peer, UTCP_ETH_ALEN);
	pd_config_ip6(cfg, peer);
}

static void pd_free(void *u)
{
	struct pd *pd = u;
	for (int fd = 0; fd < PD_MAX_FDS; fd++)
		if (pd->fds[fd].used)
			utcp_abort(pd->ctx, pd->fds[fd].sock); /* packetdrill closes the fd */
	pd_run(pd);
	utcp_ctx_destroy(pd->ctx);
	utcp_stack_close(pd->st);
	pthread_mutex_destroy(&pd->mu);
	pthread_cond_destroy(&pd->cv);
	pthread_cond_destroy(&pd->done_cv);
	free(pd);
}

static void pd_fill(struct packetdrill_interface *ifc)
{
	ifc->free = pd_free;
	ifc->socket = pd_socket;
	ifc->bind = pd_bind;
	ifc->listen = pd_listen;
	ifc->accept = pd_accept;
	ifc->connect = pd_connect;
	ifc->read = pd_read;
	ifc->readv = pd_readv;
	ifc->recv = pd_recv;
	ifc->recvfrom = pd_recvfrom;
	ifc->recvmsg = pd_recvmsg;
	ifc->write = pd_write;
	ifc->writev = pd_writev;
	ifc->send = pd_send;
	ifc->sendto = pd_sendto;
	ifc->sendmsg = pd_sendmsg;
	ifc->fcntl = pd_fcntl;
	ifc->ioctl = pd_ioctl;
	ifc->close = pd_close;
	ifc->shutdown = pd_shutdown;
	ifc->getsockopt = pd_getsockopt;
	ifc->setsockopt = pd_setsockopt;
	ifc->poll = pd_poll;
	ifc->netdev_send = pd_netdev_send;
	ifc->netdev_receive = pd_netdev_receive;
	ifc->usleep = pd_usleep;
	ifc->gettimeofday = pd_gettimeofday;
	ifc->epoll_create = pd_epoll_create;
	ifc->epoll_ctl = pd_epoll_ctl;
	ifc->epoll_wait = pd_epoll_wait;
	ifc->pipe = pd_pipe;
	ifc->splice = pd_splice;
}

void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc)
{
	struct pd *pd = calloc(1, sizeof(*pd));
	struct utcp_config cfg;
	char err[256] = "";
	if (pd == NULL)
		die("out of memory", NULL);
	pthread_mutex_init(&pd->mu, NULL);
	pthread_cond_init(&pd->cv, NULL);
	pthread_cond_init(&pd->done_cv, NULL);
	pd->now = PD_START_NS;
	pd->mtu = 1500;
	pd->idle_limit = 30 * UTCP_NSEC_PER_SEC;
	pd_config(pd, &cfg, flags);
	struct utcp_nic *nic = pd_nic_new(pd, pd->mtu);
	if (nic == NULL)
		die("out of memory", NULL);
	pd->st = utcp_stack_open_nics(&cfg, &nic, 1, err, sizeof(err));
	if (pd->st == NULL)
		die("cannot open the stack", err);
	pd->ctx = utcp_ctx_create(pd->st, 0);
	if (pd->ctx == NULL)
		die("cannot create the context", strerror(errno));
	utcp_ctx_poll(pd->ctx);
	ifc->userdata = pd;
	pd_fill(ifc);
}
