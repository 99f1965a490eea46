/*
 * preload/io.c - the data calls of libc, in front of it: read, write,
 * readv, writev, recv, send, recvfrom, sendto, recvmsg, sendmsg, sendfile
 * (a file to a utcp socket) and glibc's fortified variants (_FORTIFY_SOURCE
 * builds call __read_chk, __recv_chk, __recvfrom_chk).
 *
 * Call order: upl_get(fd) -> not a utcp socket: libc's own function ->
 * else the socket's context (upl_io_ctx: EBADFD for a connection inherited
 * across fork, ENOTCONN / EPIPE before connect) -> utcp_read / utcp_write
 * / ... (a blocking socket drives the stack until the call can return).
 *
 * A stream socket has no source address to report: recvfrom and recvmsg
 * set the address length to 0, as Linux does for TCP.  Ancillary data is
 * neither sent nor received (msg_controllen 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "preload/preload.h"

#define UPL_SENDFILE_CHUNK 65536

ssize_t read(int fd, void *buf, size_t len)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(read)(fd, buf, len);
	struct upl_ctx *c = upl_io_ctx(s, ENOTCONN);
	return c == NULL ? -1 : utcp_read(c->ctx, s->id, buf, len);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(write)(fd, buf, len);
	struct upl_ctx *c = upl_io_ctx(s, EPIPE);
	return c == NULL ? -1 : utcp_write(c->ctx, s->id, buf, len);
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(readv)(fd, iov, iovcnt);
	struct upl_ctx *c = upl_io_ctx(s, ENOTCONN);
	return c == NULL ? -1 : utcp_readv(c->ctx, s->id, iov, iovcnt);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(writev)(fd, iov, iovcnt);
	struct upl_ctx *c = upl_io_ctx(s, EPIPE);
	return c == NULL ? -1 : utcp_writev(c->ctx, s->id, iov, iovcnt);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(recv)(fd, buf, len, flags);
	struct upl_ctx *c = upl_io_ctx(s, ENOTCONN);
	return c == NULL ? -1 : utcp_recv(c->ctx, s->id, buf, len, flags & ~MSG_NOSIGNAL);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(send)(fd, buf, len, flags);
	struct upl_ctx *c = upl_io_ctx(s, EPIPE);
	return c == NULL ? -1 : utcp_send(c->ctx, s->id, buf, len, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
		 socklen_t *alen)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(recvfrom)(fd, buf, len, flags, addr, alen);
	ssize_t n = recv(fd, buf, len, flags);
	if (n >= 0 && addr != NULL && alen != NULL)
		*alen = 0;
	return n;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
	       socklen_t alen)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(sendto)(fd, buf, len, flags, addr, alen);
	return send(fd, buf, len, flags); /* connected: the address is ignored */
}

/* Flags readv/writev cannot carry: through one contiguous buffer. */
static ssize_t recvmsg_flags(struct upl_ctx *c, struct upl_sock *s, struct msghdr *m, int flags)
{
	if (m->msg_iovlen == 1)
		return utcp_recv(c->ctx, s->id, m->msg_iov[0].iov_base, m->msg_iov[0].iov_len, flags);
	size_t total = 0;
	for (size_t i = 0; i < m->msg_iovlen; i++)
		total += m->msg_iov[i].iov_len;
	char *tmp = malloc(total ? total : 1);
	if (tmp == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ssize_t n = utcp_recv(c->ctx, s->id, tmp, total, flags);
	size_t off = 0;
	for (size_t i = 0; n > 0 && i < m->msg_iovlen && off < (size_t)n; i++) {
		size_t k = m->msg_iov[i].iov_len;
		if (k > (size_t)n - off)
			k = (size_t)n - off;
		memcpy(m->msg_iov[i].iov_base, tmp + off, k);
		off += k;
	}
	free(tmp);
	return n;
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(recvmsg)(fd, m, flags);
	if (m == NULL) {
		errno = EFAULT;
		return -1;
	}
	struct upl_ctx *c = upl_io_ctx(s, ENOTCONN);
	if (c == NULL)
		return -1;
	flags &= ~(MSG_NOSIGNAL | MSG_CMSG_CLOEXEC);
	ssize_t n = flags == 0 ? utcp_readv(c->ctx, s->id, m->msg_iov, (int)m->msg_iovlen)
			       : recvmsg_flags(c, s, m, flags);
	if (n >= 0) {
		m->msg_namelen = 0;
		m->msg_controllen = 0;
		m->msg_flags = 0;
	}
	return n;
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct upl_sock *s = upl_get(fd);
	if (s == NULL)
		return REAL(sendmsg)(fd, m, flags);
	if (m == NULL) {
		errno = EFAULT;
		return -1;
	}
	struct upl_ctx *c = upl_io_ctx(s, EPIPE);
	if (c == NULL)
		return -1;
	if (!(flags & MSG_DONTWAIT) || s->nonblock)
		return utcp_writev(c->ctx, s->id, m->msg_iov, (int)m->msg_iovlen);
	/* MSG_DONTWAIT on a blocking socket: one element at a time */
	ssize_t done = 0;
	for (size_t i = 0; i < m->msg_iovlen; i++) {
		ssize_t w = utcp_send(c->ctx, s->id, m->msg_iov[i].iov_base, m->msg_iov[i].iov_len,
				      MSG_DONTWAIT);
		if (w < 0)
			return done > 0 ? done : -1;
		done += w;
		if ((size_t)w < m->msg_iov[i].iov_len)
			break;
	}
	return done;
}

/* ---- sendfile: a file to a utcp socket ------------------------------------ */

static __thread char *tl_buf __attribute__((tls_model("initial-exec")));

/* One chunk: read at *off (or the file's offset), write what fits. */
static ssize_t sendfile_chunk(struct upl_ctx *c, struct upl_sock *s, int in, off_t *off,
			      size_t want)
{
	ssize_t r = off != NULL ? REAL(pread)(in, tl_buf, want, *off)
				: REAL(read)(in, tl_buf, want);
	if (r <= 0)
		return r;
	ssize_t w = utcp_write(c->ctx, s->id, tl_buf, (size_t)r);
	ssize_t kept = w < 0 ? 0 : w;
	if (off != NULL)
		*off += kept;
	else if (kept < r)
		REAL(lseek)(in, kept - r, SEEK_CUR); /* the rest is sent next time */
	return w;
}

ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	struct upl_sock *s = upl_get(out);
	if (s == NULL)
		return REAL(sendfile)(out, in, off, count);
	struct upl_ctx *c = upl_io_ctx(s, EPIPE);
	if (c == NULL)
		return -1;
	if (tl_buf == NULL && (tl_buf = malloc(UPL_SENDFILE_CHUNK)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	size_t done = 0;
	while (done < count) {
		size_t want = count - done < UPL_SENDFILE_CHUNK ? count - done : UPL_SENDFILE_CHUNK;
		ssize_t w = sendfile_chunk(c, s, in, off, want);
		if (w < 0)
			return done > 0 ? (ssize_t)done : -1;
		done += (size_t)w;
		if ((size_t)w < want)
			break; /* end of file, or the send ring is full */
	}
	return (ssize_t)done;
}

ssize_t sendfile64(int out, int in, off_t *off, size_t count)
{
	return sendfile(out, in, off, count);
}

/* ---- glibc's fortified variants ------------------------------------------- */

extern void __chk_fail(void) __attribute__((noreturn));

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return read(fd, buf, len);
}

ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		__chk_fail();
	return recv(fd, buf, len, flags);
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *alen)
{
	if (len > buflen)
		__chk_fail();
	return recvfrom(fd, buf, len, flags, addr, alen);
}
