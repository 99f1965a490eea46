/*
 * preload/sock.c - the socket calls of libc, in front of it: AF_INET
 * SOCK_STREAM sockets are utcp's, every other descriptor goes to the
 * kernel untouched.
 *
 * Call order: socket (a kernel descriptor reserved: an unconnected
 * AF_UNIX stream socket, close-on-exec, whose number the utcp socket takes;
 * a call this library does not intercept then fails on it with the
 * kernel's ENOTCONN or EINVAL instead of reading or writing something else)
 * -> setsockopt / bind / listen / fcntl(O_NONBLOCK) / ioctl(FIONBIO): only
 * recorded until the utcp socket exists -> connect, accept: the utcp
 * socket made (upl_live) -> ... -> close.  dup/dup2/dup3/F_DUPFD: the new
 * number shares the utcp socket; the socket closes with its last number.
 *
 * Options utcp does not have (SO_REUSEPORT, TCP_CORK, IP_TOS, ...) are
 * accepted and ignored, each said once on stderr: the programs this serves
 * treat a failed setsockopt as fatal where Linux would have succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/close_range.h>
#include <unistd.h>

#include "preload/preload.h"

static __thread int tl_inside __attribute__((tls_model("initial-exec")));

static int ours(int domain, int type, int protocol)
{
	return domain == AF_INET && (type & 0xf) == SOCK_STREAM &&
	       (protocol == 0 || protocol == IPPROTO_TCP) && !tl_inside;
}

/* A reserved descriptor for s: the number the program sees. */
static int reserve(struct upl_sock *s)
{
	tl_inside = 1;
	int fd = REAL(socket)(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	tl_inside = 0;
	if (fd < 0)
		return -1;
	return upl_attach(fd, s);
}

/* The utcp side of close(fd): the socket closes with its last number. */
void upl_detach(int fd)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return;
	upl_tab[fd] = NULL;
	if (--s->refs > 0)
		return;
	upl_ep_forget(s);
	if (s->state == UPL_LIVE && upl_own(s) != NULL)
		utcp_close(s->owner->ctx, s->id); /* another thread's: left open, said once */
	free(s);
}

int socket(int domain, int type, int protocol)
{
	if (!ours(domain, type, protocol))
		return REAL(socket)(domain, type, protocol);
	if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		errno = EINVAL;
		return -1;
	}
	if (!upl_conf_ok())
		return -1;
	struct upl_sock *s = upl_sock_new();
	if (s == NULL)
		return -1;
	s->nonblock = (type & SOCK_NONBLOCK) != 0;
	int fd = reserve(s);
	if (fd < 0)
		free(s);
	return fd;
}

static int check_sin(const struct sockaddr *addr, socklen_t len)
{
	if (addr == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (len < sizeof(struct sockaddr_in)) {
		errno = EINVAL;
		return -1;
	}
	if (addr->sa_family != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return 0;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(bind)(fd, addr, len);
	if (check_sin(addr, len) < 0)
		return -1;
	if (s->bound || s->state == UPL_STALE) {
		errno = EINVAL;
		return -1;
	}
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	if (s->state == UPL_LIVE || sin->sin_port == 0) {
		/* an ephemeral port is the stack's to pick: it needs the NIC */
		struct upl_ctx *c = upl_live(s);
		if (c == NULL || utcp_bind(c->ctx, s->id, addr, len) < 0)
			return -1;
	}
	s->baddr = *sin;
	s->bound = 1;
	return 0;
}

int listen(int fd, int backlog)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(listen)(fd, backlog);
	if (s->state == UPL_STALE) {
		errno = EBADFD;
		return -1;
	}
	if (s->state == UPL_LIVE &&
	    (upl_own(s) == NULL || utcp_listen(s->owner->ctx, s->id, backlog) < 0))
		return -1;
	s->listening = 1;
	s->backlog = backlog;
	return 0;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(accept4)(fd, addr, len, flags);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		errno = EINVAL;
		return -1;
	}
	if (!s->listening) {
		errno = EINVAL;
		return -1;
	}
	struct upl_ctx *c = upl_live(s);
	if (c == NULL)
		return -1;
	int id = utcp_accept(c->ctx, s->id, addr, len);
	if (id < 0)
		return -1;
	struct upl_sock *n = upl_sock_new();
	if (n == NULL) {
		utcp_abort(c->ctx, id);
		errno = ENOMEM;
		return -1;
	}
	n->state = UPL_LIVE;
	n->owner = c;
	n->id = id;
	if (flags & SOCK_NONBLOCK) {
		n->nonblock = 1;
		utcp_setsock_nonblock(c->ctx, id);
	}
	int nfd = reserve(n);
	if (nfd < 0) {
		int e = errno;
		utcp_abort(c->ctx, id);
		free(n);
		errno = e == EMFILE || e == ENFILE ? e : ENOBUFS;
		return -1;
	}
	return nfd;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (upl_get(fd) == NULL)
		return REAL(accept)(fd, addr, len);
	return accept4(fd, addr, len, 0);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(connect)(fd, addr, len);
	if (check_sin(addr, len) < 0)
		return -1;
	struct upl_ctx *c = upl_live(s);
	if (c == NULL)
		return -1;
	return utcp_connect(c->ctx, s->id, addr, len);
}

int close(int fd)
{
	if (upl_get(fd) != NULL)
		upl_detach(fd);
	else if (fd >= 0 && fd < UPL_MAXFD && upl_eps[fd] != NULL)
		upl_ep_close(fd);
	return REAL(close)(fd);
}

/* The table forgets what the kernel is about to close. */
static void forget_range(unsigned first, unsigned last)
{
	for (unsigned fd = first; fd <= last && fd < UPL_MAXFD; fd++) {
		if (upl_tab[fd] != NULL)
			upl_detach((int)fd);
		else if (upl_eps[fd] != NULL)
			upl_ep_close((int)fd);
	}
}

int close_range(unsigned first, unsigned last, int flags)
{
	if (REAL(close_range) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	int r = REAL(close_range)(first, last, flags);
	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		forget_range(first, last);
	return r;
}

void closefrom(int low)
{
	if (low < 0)
		low = 0;
	forget_range((unsigned)low, UPL_MAXFD - 1);
	if (REAL(closefrom) != NULL)
		REAL(closefrom)(low);
}

int shutdown(int fd, int how)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(shutdown)(fd, how);
	struct upl_ctx *c = upl_io_ctx(s, ENOTCONN);
	return c == NULL ? -1 : utcp_shutdown(c->ctx, s->id, how);
}

/* ---- options --------------------------------------------------------------- */

static int record_opt(struct upl_sock *s, int level, int name, const void *val, socklen_t len)
{
	if (val == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (len > sizeof(s->opts[0].val)) {
		errno = EINVAL;
		return -1;
	}
	int i;
	for (i = 0; i < s->nopts; i++)
		if (s->opts[i].level == level && s->opts[i].name == name)
			break;
	if (i == UPL_MAXOPT) {
		errno = ENOMEM;
		return -1;
	}
	s->opts[i].level = level;
	s->opts[i].name = name;
	s->opts[i].len = len;
	memcpy(s->opts[i].val, val, len);
	if (i == s->nopts)
		s->nopts++;
	return 0;
}

/* An option utcp does not know: the probe socket tells. */
static int known_opt(int level, int name)
{
	switch (level) {
	case SOL_SOCKET:
		return name == SO_REUSEADDR || name == SO_RCVBUF || name == SO_SNDBUF ||
		       name == SO_LINGER || name == SO_KEEPALIVE;
	case IPPROTO_TCP:
		return name == TCP_NODELAY || name == TCP_MAXSEG || name == TCP_KEEPIDLE ||
		       name == TCP_KEEPINTVL || name == TCP_KEEPCNT || name == TCP_CONGESTION ||
		       name == TCP_QUICKACK;
	case IPPROTO_IP:
		return name == IP_BIND_ADDRESS_NO_PORT;
	default:
		return 0;
	}
}

static void note_ignored(int level, int name)
{
	char what[96];
	snprintf(what, sizeof(what), "setsockopt(level %d, option %d) ignored: utcp has no such option",
		 level, name);
	upl_note_once(what);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(setsockopt)(fd, level, name, val, len);
	if (!known_opt(level, name)) {
		note_ignored(level, name);
		return 0;
	}
	if (s->state == UPL_STALE) {
		errno = EBADFD;
		return -1;
	}
	if (s->state == UPL_LIVE)
		return upl_own(s) == NULL ? -1
					  : utcp_setsockopt(s->owner->ctx, s->id, level, name, val, len);
	return record_opt(s, level, name, val, len);
}

static int put_int(void *val, socklen_t *len, int v)
{
	if (val == NULL || len == NULL) {
		errno = EFAULT;
		return -1;
	}
	socklen_t n = *len < sizeof(int) ? *len : sizeof(int);
	memcpy(val, &v, n);
	*len = n;
	return 0;
}

/* Before the utcp socket exists: what was recorded, or Linux's defaults. */
static int getsockopt_new(struct upl_sock *s, int level, int name, void *val, socklen_t *len)
{
	for (int i = 0; i < s->nopts; i++)
		if (s->opts[i].level == level && s->opts[i].name == name && val != NULL &&
		    len != NULL) {
			socklen_t n = *len < s->opts[i].len ? *len : s->opts[i].len;
			memcpy(val, s->opts[i].val, n);
			*len = n;
			return 0;
		}
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE:
			return put_int(val, len, SOCK_STREAM);
		case SO_DOMAIN:
			return put_int(val, len, AF_INET);
		case SO_PROTOCOL:
			return put_int(val, len, IPPROTO_TCP);
		case SO_ACCEPTCONN:
			return put_int(val, len, s->listening);
		case SO_ERROR:
		case SO_REUSEADDR:
		case SO_KEEPALIVE:
			return put_int(val, len, 0);
		}
	}
	errno = ENOPROTOOPT;
	return -1;
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(getsockopt)(fd, level, name, val, len);
	if (s->state == UPL_LIVE) {
		if (level == SOL_SOCKET && (name == SO_DOMAIN || name == SO_PROTOCOL))
			return put_int(val, len, name == SO_DOMAIN ? AF_INET : IPPROTO_TCP);
		return upl_own(s) == NULL ? -1
					  : utcp_getsockopt(s->owner->ctx, s->id, level, name, val, len);
	}
	if (s->state == UPL_STALE) {
		errno = EBADFD;
		return -1;
	}
	return getsockopt_new(s, level, name, val, len);
}

static int put_sin(struct sockaddr *addr, socklen_t *len, const struct sockaddr_in *sin)
{
	if (addr == NULL || len == NULL) {
		errno = EFAULT;
		return -1;
	}
	socklen_t n = *len < sizeof(*sin) ? *len : sizeof(*sin);
	memcpy(addr, sin, n);
	*len = sizeof(*sin);
	return 0;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(getsockname)(fd, addr, len);
	if (s->state == UPL_LIVE)
		return upl_own(s) == NULL ? -1 : utcp_getsockname(s->owner->ctx, s->id, addr, len);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	if (s->bound)
		sin = s->baddr;
	return put_sin(addr, len, &sin);
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(getpeername)(fd, addr, len);
	struct upl_ctx *c = upl_io_ctx(s, ENOTCONN);
	return c == NULL ? -1 : utcp_getpeername(c->ctx, s->id, addr, len);
}

/* ---- descriptors: fcntl, ioctl, dup -------------------------------------- */

static int set_nonblock(struct upl_sock *s, int on)
{
	s->nonblock = on != 0;
	if (s->state != UPL_LIVE)
		return 0;
	if (upl_own(s) == NULL)
		return -1;
	return utcp_fcntl(s->owner->ctx, s->id, F_SETFL, on ? O_NONBLOCK : 0);
}

static int dup_into(int nfd, struct upl_sock *s)
{
	if (nfd < 0)
		return -1;
	return upl_attach(nfd, s);
}

static int fcntl_sock(int fd, struct upl_sock *s, int cmd, void *arg,
		      int (*real)(int, int, ...))
{
	switch (cmd) {
	case F_GETFL: {
		int fl = real(fd, F_GETFL);
		if (fl < 0)
			return -1;
		return (fl & ~O_NONBLOCK) | (s->nonblock ? O_NONBLOCK : 0);
	}
	case F_SETFL:
		return set_nonblock(s, ((int)(long)arg & O_NONBLOCK) != 0);
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return dup_into(real(fd, cmd, arg), s);
	default:
		return real(fd, cmd, arg);
	}
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(fcntl)(fd, cmd, arg);
	return fcntl_sock(fd, s, cmd, arg, REAL(fcntl));
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(fcntl64)(fd, cmd, arg);
	return fcntl_sock(fd, s, cmd, arg, REAL(fcntl64));
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(ioctl)(fd, req, arg);
	switch (req) {
	case FIONBIO:
		if (arg == NULL) {
			errno = EFAULT;
			return -1;
		}
		return set_nonblock(s, *(int *)arg);
	case FIONREAD:
	case TIOCOUTQ:
		if (s->state != UPL_LIVE) {
			if (arg == NULL) {
				errno = EFAULT;
				return -1;
			}
			if (s->state == UPL_STALE) {
				errno = EBADFD;
				return -1;
			}
			*(int *)arg = 0;
			return 0;
		}
		return upl_own(s) == NULL ? -1 : utcp_ioctl(s->owner->ctx, s->id, req, arg);
	default:
		return REAL(ioctl)(fd, req, arg);
	}
}

int dup(int fd)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(dup)(fd);
	return dup_into(REAL(dup)(fd), s);
}

static int dup_to(int old, int new, int flags, int three)
{
	struct upl_sock *s = upl_get(old);
	if (old == new && !three)
		return fcntl(old, F_GETFD) < 0 ? -1 : new;
	if (s != NULL && upl_get(new) == s && !three)
		return new;
	int r = three ? REAL(dup3)(old, new, flags) : REAL(dup2)(old, new);
	if (r < 0)
		return -1;
	if (upl_get(new) != NULL)
		upl_detach(new); /* dup2 closed it */
	else if (new < UPL_MAXFD && upl_eps[new] != NULL)
		upl_ep_close(new);
	return s != NULL ? dup_into(r, s) : r;
}

int dup2(int old, int new)
{
	return dup_to(old, new, 0, 0);
}

int dup3(int old, int new, int flags)
{
	return dup_to(old, new, flags, 1);
}
