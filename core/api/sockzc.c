/*
 * core/api/sockzc.c - zero-copy data calls on TCP sockets: the application
 * reads the received bytes where they lie in the connection's receive ring
 * and writes what it sends straight into the send ring's free room, one
 * copy less each way than utcp_read / utcp_write.
 *
 * Call order: utcp_recv_zc (spans of the unread bytes; blocking as
 * utcp_read) -> the application reads them -> utcp_recv_zc_done(n)
 * (consumed: the window update a read of n bytes would send).
 * utcp_send_zc_reserve (spans of the room a write could take; blocking as
 * utcp_write) -> the application writes its bytes there ->
 * utcp_send_zc_commit(n) (queued and pushed as a write of n bytes), with
 * no call that runs the stack in between (the socket remembers where the
 * room began and refuses a commit once it moved).  Errors as
 * utcp_read / utcp_write's; a UDP socket gets EINVAL.
 */
#include <errno.h>

#include "core/api/sock.h"

/* The TCP socket of a zero-copy call: NULL with errno EBADF, ENOTSOCK, or
 * EINVAL for a UDP socket (a datagram has no ring to lend). */
static struct utcp_sock *zc_sock(struct utcp_ctx *ctx, int sock)
{
	if (sock_udp(ctx, sock) != NULL) {
		errno = EINVAL;
		return NULL;
	}
	return sock_get_tcp(ctx, sock);
}

static int zc_iov_check(const struct iovec *iov, int iovcnt)
{
	if (iovcnt < 1) {
		errno = EINVAL;
		return -1;
	}
	if (iov == NULL) {
		errno = EFAULT;
		return -1;
	}
	return 0;
}

/* ---- receive ------------------------------------------------------------------ */

static uint32_t zc_avail(const struct utcp_tcb *tp)
{
	return tp->rcv.mem != NULL ? tp->rcv.len : 0;
}

/* No more bytes will come (the peer's FIN, SHUT_RD, the connection gone). */
static int zc_rcv_end(const struct utcp_tcb *tp)
{
	return tp->state == TCPS_CLOSED || (tp->flags & (TF_RCVD_FIN | TF_RCV_SHUT));
}

/* A blocking utcp_recv_zc may return: SO_RCVLOWAT bytes, an error, the end. */
static int zc_readable(struct utcp_sock *so)
{
	const struct utcp_tcb *tp = so->tcb;
	return zc_avail(tp) >= sock_rcvlowat(so) || tp->so_error != 0 || zc_rcv_end(tp);
}

ssize_t utcp_recv_zc(struct utcp_ctx *ctx, int sock, struct iovec *iov, int iovcnt)
{
	struct utcp_sock *so = zc_sock(ctx, sock);
	if (so == NULL || zc_iov_check(iov, iovcnt) < 0)
		return -1;
	struct utcp_tcb *tp = so->tcb;
	if (tp == NULL || so->state == SS_LISTENING) {
		errno = ENOTCONN;
		return -1;
	}
	int nonblock = (so->flags & SF_NONBLOCK) != 0;
	for (;;) { /* as sock_recvv: SO_RCVLOWAT, then the error, then the end */
		uint32_t avail = zc_avail(tp);
		if (avail > 0 && (nonblock || avail >= sock_rcvlowat(so)))
			return (ssize_t)tcp_recv_zc(tp, iov, iovcnt);
		if (tp->so_error != 0)
			return avail > 0 ? (ssize_t)tcp_recv_zc(tp, iov, iovcnt) : sock_error(tp);
		if (zc_rcv_end(tp))
			return (ssize_t)tcp_recv_zc(tp, iov, iovcnt); /* 0: end of stream */
		if (nonblock) {
			errno = EAGAIN;
			return -1;
		}
		if (sock_drive(ctx, so, zc_readable, UTCP_TIME_NEVER) < 0)
			return -1;
	}
}

int utcp_recv_zc_done(struct utcp_ctx *ctx, int sock, size_t n)
{
	struct utcp_sock *so = zc_sock(ctx, sock);
	if (so == NULL)
		return -1;
	struct utcp_tcb *tp = so->tcb;
	if (tp == NULL || so->state == SS_LISTENING) {
		errno = ENOTCONN;
		return -1;
	}
	if (n > zc_avail(tp)) {
		errno = EINVAL;
		return -1;
	}
	tcp_recv_zc_done(tp, (uint32_t)n);
	return 0;
}

/* ---- send ------------------------------------------------------------------------ */

/* A reservation ends: a send ring it took and left empty drains (it goes
 * back once idle, as after a write all acknowledged). */
static void zc_release(struct utcp_sock *so)
{
	so->zc_len = 0;
	so->zc_at = NULL;
	if (so->tcb != NULL)
		tcp_snd_drained(so->tcb);
}

ssize_t utcp_send_zc_reserve(struct utcp_ctx *ctx, int sock, struct iovec *iov, int iovcnt)
{
	struct utcp_sock *so = zc_sock(ctx, sock);
	if (so == NULL || zc_iov_check(iov, iovcnt) < 0)
		return -1;
	struct utcp_tcb *tp = so->tcb;
	if (tp == NULL || so->state == SS_LISTENING) { /* Linux: EPIPE, not ENOTCONN */
		errno = EPIPE;
		return -1;
	}
	so->zc_len = 0; /* a new reservation replaces the last */
	int nonblock = (so->flags & SF_NONBLOCK) != 0;
	for (;;) { /* as sock_sendv */
		if (tp->so_error != 0)
			return sock_error(tp);
		if (tp->state == TCPS_CLOSED || (tp->flags & TF_FIN_QUEUED)) {
			errno = EPIPE;
			return -1;
		}
		if (tp->tfo & TFO_DEFER) { /* RFC 7413: the SYN goes, without data */
			utcp_ctx_clock_sync(ctx);
			tcp_fastopen_write(tp, NULL, 0, nonblock);
			continue;
		}
		if (tp->state != TCPS_SYN_SENT && tp->state != TCPS_SYN_RECEIVED) {
			uint32_t n = tcp_send_zc_reserve(tp, iov, iovcnt);
			if (n > 0) {
				so->zc_at = iov[0].iov_base;
				so->zc_len = n;
				return (ssize_t)n;
			}
		}
		if (nonblock) {
			errno = EAGAIN;
			return -1;
		}
		if (sock_drive(ctx, so, sock_writable, UTCP_TIME_NEVER) < 0)
			return -1;
	}
}

/* The reserved room is where it was: the same ring, its free room still
 * beginning at zc_at, n bytes of it still free. */
static int zc_room_holds(struct utcp_sock *so, uint32_t n)
{
	struct utcp_tcb *tp = so->tcb;
	struct iovec v[2];
	return tp->snd.mem != NULL && tcp_sndbuf_free_view(&tp->snd, n, v, 2) == n &&
	       v[0].iov_base == so->zc_at;
}

ssize_t utcp_send_zc_commit(struct utcp_ctx *ctx, int sock, size_t n)
{
	struct utcp_sock *so = zc_sock(ctx, sock);
	if (so == NULL)
		return -1;
	struct utcp_tcb *tp = so->tcb;
	if (tp == NULL || so->state == SS_LISTENING) {
		errno = EPIPE;
		return -1;
	}
	if (n > so->zc_len || (n > 0 && !zc_room_holds(so, (uint32_t)n))) {
		zc_release(so); /* more than was given, or the stack ran since */
		errno = EINVAL;
		return -1;
	}
	if (tp->so_error != 0 || tp->state == TCPS_CLOSED || (tp->flags & TF_FIN_QUEUED)) {
		zc_release(so);
		if (tp->so_error != 0)
			return sock_error(tp);
		errno = EPIPE;
		return -1;
	}
	so->zc_len = 0;
	tp->cork &= (uint8_t)~TCP_CORK_MORE; /* a write without MSG_MORE */
	uint32_t done = tcp_send_zc_commit(tp, (uint32_t)n);
	if (done == 0)
		zc_release(so);
	return (ssize_t)done;
}
