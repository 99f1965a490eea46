/*
 * core/api/sockio.c - data calls: read, readv, recv, write, writev, send.
 *
 * Call order: utcp_read* / utcp_recv -> sock_recvv -> tcp_recv (copy out of
 * the receive ring; may announce a window update); utcp_write* /
 * utcp_send -> sock_sendv -> tcp_send (copy into the send ring; the data
 * leaves at the next TCP output).  A blocking socket drives the stack
 * (sock_drive) until the call can complete.  A UDP socket's calls go to
 * udpsock.c (one datagram each).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "core/api/sock.h"

/* Move data for the part of iov after the first `skip` bytes, one element
 * at a time; stops at the first short transfer. */
static size_t iov_xfer(struct utcp_tcb *tp, const struct iovec *iov, int iovcnt, size_t skip,
		       int out)
{
	size_t done = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		struct iovec one = { (char *)iov[i].iov_base + skip, iov[i].iov_len - skip };
		skip = 0;
		size_t n = out ? tcp_send(tp, &one, 1) : tcp_recv(tp, &one, 1, 0);
		done += n;
		if (n < one.iov_len)
			break;
	}
	return done;
}

static int sock_readable(struct utcp_sock *so)
{
	const struct utcp_tcb *tp = so->tcb;
	return tp->rcv.len > 0 || tp->so_error != 0 || tp->state == TCPS_CLOSED ||
	       (tp->flags & (TF_RCVD_FIN | TF_RCV_SHUT));
}

int sock_writable(struct utcp_sock *so)
{
	const struct utcp_tcb *tp = so->tcb;
	return tp->so_error != 0 || tp->state == TCPS_CLOSED || (tp->flags & TF_FIN_QUEUED) ||
	       (tp->tfo & TFO_DEFER) != 0 || /* Linux tcp_poll: the first write sends the SYN */
	       (tp->state != TCPS_SYN_SENT && tp->state != TCPS_SYN_RECEIVED &&
		tcp_send_room(tp) > 0);
}

ssize_t sock_error(struct utcp_tcb *tp)
{
	errno = tp->so_error;
	tp->so_error = 0;
	return -1;
}

/* A read after its first transfer (done bytes, maybe 0): more bytes, a
 * wait, or the error, until the call can return. */
static __attribute__((noinline)) ssize_t sock_recvv_more(struct utcp_ctx *ctx, struct utcp_sock *so,
							 const struct iovec *iov, int iovcnt, int flags,
							 size_t total, size_t done)
{
	struct utcp_tcb *tp = so->tcb;
	int peek = (flags & MSG_PEEK) != 0;
	int nonblock = (so->flags & SF_NONBLOCK) || (flags & MSG_DONTWAIT);
	/* A blocking read returns once it has SO_RCVLOWAT bytes (or all it
	 * asked for, with MSG_WAITALL). */
	size_t lowat = (flags & MSG_WAITALL) ? total : sock_rcvlowat(so);
	for (;;) {
		if (done == total || (done > 0 && (peek || done >= lowat)))
			return (ssize_t)done;
		if (tp->so_error != 0)
			return done > 0 ? (ssize_t)done : sock_error(tp);
		if (sock_readable(so)) /* end of stream */
			return (ssize_t)done;
		if (nonblock) {
			if (done > 0)
				return (ssize_t)done;
			errno = EAGAIN;
			return -1;
		}
		if (sock_drive(ctx, so, sock_readable, UTCP_TIME_NEVER) < 0)
			return done > 0 ? (ssize_t)done : -1;
		done += done == 0 ? tcp_recv(tp, iov, iovcnt, peek) : iov_xfer(tp, iov, iovcnt, done, 0);
	}
}

ssize_t sock_recvv(struct utcp_ctx *ctx, struct utcp_sock *so, const struct iovec *iov,
			  int iovcnt, int flags)
{
	size_t total;
	if (sock_iov_check(iov, iovcnt, &total) < 0)
		return -1;
	if (flags & MSG_OOB) { /* no urgent data is ever kept apart */
		errno = EINVAL;
		return -1;
	}
	struct utcp_tcb *tp = so->tcb;
	if (tp == NULL || so->state == SS_LISTENING) {
		errno = ENOTCONN;
		return -1;
	}
	if (total == 0)
		return 0;
	size_t done = tcp_recv(tp, iov, iovcnt, (flags & MSG_PEEK) != 0);
	/* the usual end: all asked for, or SO_RCVLOWAT's bytes (sock_recvv_more's first test) */
	if (done == total || (done > 0 && !(flags & MSG_WAITALL) && done >= sock_rcvlowat(so)))
		return (ssize_t)done;
	return sock_recvv_more(ctx, so, iov, iovcnt, flags, total, done);
}

/* A write's loop (Linux tcp_sendmsg_locked), entered at its top, or after
 * a first transfer of done bytes (sent). */
static __attribute__((noinline)) ssize_t sock_sendv_more(struct utcp_ctx *ctx, struct utcp_sock *so,
							 const struct iovec *iov, int iovcnt, int flags,
							 size_t total, size_t done, int sent)
{
	struct utcp_tcb *tp = so->tcb;
	int nonblock = (so->flags & SF_NONBLOCK) || (flags & MSG_DONTWAIT);
	if (sent)
		goto check;
	for (;;) {
		if (tp->so_error != 0)
			return done > 0 ? (ssize_t)done : sock_error(tp);
		if (tp->state == TCPS_CLOSED || (tp->flags & TF_FIN_QUEUED)) {
			if (done > 0)
				return (ssize_t)done;
			errno = EPIPE;
			return -1;
		}
		int connecting = tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED;
		if (tp->tfo & TFO_DEFER) { /* RFC 7413 §4.2.1: the SYN carries the data */
			utcp_ctx_clock_sync(ctx);
			done = tcp_fastopen_write(tp, iov, iovcnt, nonblock);
			if (done == total || nonblock)
				return (ssize_t)done;
			continue;
		}
		if (!connecting) {
			if (total == 0)
				return 0;
			done += done == 0 ? tcp_send(tp, iov, iovcnt) : iov_xfer(tp, iov, iovcnt, done, 1);
check:
			if (done == total || (done > 0 && nonblock))
				return (ssize_t)done;
		}
		if (nonblock) {
			errno = EAGAIN;
			return -1;
		}
		if (sock_drive(ctx, so, sock_writable, UTCP_TIME_NEVER) < 0)
			return done > 0 ? (ssize_t)done : -1;
	}
}

ssize_t sock_sendv(struct utcp_ctx *ctx, struct utcp_sock *so, const struct iovec *iov,
			  int iovcnt, int flags)
{
	size_t total;
	if (sock_iov_check(iov, iovcnt, &total) < 0)
		return -1;
	if (flags & MSG_OOB) {
		errno = EOPNOTSUPP;
		return -1;
	}
	/* MSG_ZEROCOPY (with SO_ZEROCOPY or without) copies, as Linux does
	 * without SO_ZEROCOPY: the bytes go to the send ring at once. */
	struct utcp_tcb *tp = so->tcb;
	if (tp == NULL || so->state == SS_LISTENING) { /* Linux: EPIPE, not ENOTCONN */
		errno = EPIPE;
		return -1;
	}
	/* MSG_MORE (Linux): corks this write's tail, until a write without it
	 * or the next ACK (tcp_corked). */
	if (flags & MSG_MORE) {
		tp->cork |= TCP_CORK_MORE;
		tp->cork_una = tp->snd_una;
	} else {
		tp->cork &= (uint8_t)~TCP_CORK_MORE;
	}
	/* The usual case, the loop's first pass: a synchronized connection
	 * that can send, bytes to send, all of them taken. */
	if (tp->so_error != 0 || (tp->flags & TF_FIN_QUEUED) || (tp->tfo & TFO_DEFER) ||
	    tp->state == TCPS_CLOSED || tp->state == TCPS_SYN_SENT ||
	    tp->state == TCPS_SYN_RECEIVED || total == 0)
		return sock_sendv_more(ctx, so, iov, iovcnt, flags, total, 0, 0);
	size_t done = tcp_send(tp, iov, iovcnt);
	if (done == total)
		return (ssize_t)done;
	return sock_sendv_more(ctx, so, iov, iovcnt, flags, total, done, 1);
}

/* A UDP socket's read, recv, write, send: one datagram (udpsock.c). */
static ssize_t sock_udp_io(struct utcp_ctx *ctx, struct utcp_sock *so, const struct iovec *iov,
			   int iovcnt, int flags, int out)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	return out ? sock_udp_sendmsg(ctx, so, &m, flags) : sock_udp_recvmsg(ctx, so, &m, flags);
}

ssize_t utcp_readv(struct utcp_ctx *ctx, int sock, const struct iovec *iov, int iovcnt)
{
	struct utcp_sock *so = sock_get_io(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->type == SOCK_T_UDP)
		return sock_udp_io(ctx, so, iov, iovcnt, 0, 0);
	return sock_recvv(ctx, so, iov, iovcnt, 0);
}

ssize_t utcp_recv(struct utcp_ctx *ctx, int sock, void *buf, size_t len, int flags)
{
	struct iovec v = { buf, len };
	struct utcp_sock *so = sock_get_io(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->type == SOCK_T_UDP)
		return sock_udp_io(ctx, so, &v, 1, flags, 0);
	return sock_recvv(ctx, so, &v, 1, flags);
}

ssize_t utcp_read(struct utcp_ctx *ctx, int sock, void *buf, size_t len)
{
	struct iovec v = { buf, len };
	struct utcp_sock *so = sock_get(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->type == SOCK_T_TCP)
		return sock_recvv(ctx, so, &v, 1, 0);
	if (so->type == SOCK_T_UDP)
		return sock_udp_io(ctx, so, &v, 1, 0, 0);
	if (so->type == SOCK_T_EVENT)
		return sock_event_read(ctx, so, buf, len);
	errno = ENOTSOCK;
	return -1;
}

ssize_t utcp_writev(struct utcp_ctx *ctx, int sock, const struct iovec *iov, int iovcnt)
{
	struct utcp_sock *so = sock_get_io(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->type == SOCK_T_UDP)
		return sock_udp_io(ctx, so, iov, iovcnt, 0, 1);
	return sock_sendv(ctx, so, iov, iovcnt, 0);
}

ssize_t utcp_send(struct utcp_ctx *ctx, int sock, const void *buf, size_t len, int flags)
{
	struct iovec v = { (void *)buf, len };
	struct utcp_sock *so = sock_get_io(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->type == SOCK_T_UDP)
		return sock_udp_io(ctx, so, &v, 1, flags, 1);
	return sock_sendv(ctx, so, &v, 1, flags);
}

ssize_t utcp_write(struct utcp_ctx *ctx, int sock, const void *buf, size_t len)
{
	struct iovec v = { (void *)buf, len };
	struct utcp_sock *so = sock_get(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->type == SOCK_T_TCP)
		return sock_sendv(ctx, so, &v, 1, 0);
	if (so->type == SOCK_T_UDP)
		return sock_udp_io(ctx, so, &v, 1, 0, 1);
	if (so->type == SOCK_T_EVENT)
		return sock_event_write(ctx, so, buf, len);
	errno = ENOTSOCK;
	return -1;
}
