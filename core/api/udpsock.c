/*
 * core/api/udpsock.c - SOCK_DGRAM sockets over core/udp, with Linux's
 * semantics and errno values.
 *
 * Call order: utcp_socket(AF_INET, SOCK_DGRAM) -> sock_udp_socket (a slot
 * of the socket table and a PCB) -> bind / connect (AF_UNSPEC:
 * disconnect) -> sendmsg (every send call: one datagram) / recvmsg
 * (every receive call: one datagram; MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT)
 * -> close.  socket.c, sockio.c, sockopt.c, sockmsg.c and epoll.c hand a
 * UDP socket over here in one line each (sock_udp); core/udp reports
 * readiness through udp->notify = sock_notify.
 *
 * Errors: an ICMP error kept for a connected socket (RFC 1122 §4.1.3.3:
 * ECONNREFUSED for port unreachable) is returned, and cleared, by the next
 * send or receive call, as Linux does; until then epoll reports EPOLLERR.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h> /* SIOCOUTQ */

#include "core/api/sock.h"

int sock_udp_socket(struct utcp_ctx *ctx, int type, int protocol)
{
	if (protocol != 0 && protocol != IPPROTO_UDP) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	struct utcp_sock *so = sock_alloc(ctx, SOCK_T_UDP);
	if (so == NULL)
		return -1;
	so->udp = udp_pcb_new(ctx, so);
	if (so->udp == NULL) {
		sock_free(ctx, so);
		return -1;
	}
	ctx->udp->notify = sock_notify;
	so->domain = AF_INET;
	if (type & SOCK_NONBLOCK)
		so->flags |= SF_NONBLOCK;
	return so->id;
}

/* The address a call was handed, by sockaddr.c's rules for this socket. */
static int udp_addr(const struct utcp_sock *so, const struct sockaddr *addr, socklen_t len,
		    enum sock_addr_call call, struct udp_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	return sock_addr_parse(addr, len, so->domain, (so->flags & SF_V6ONLY) != 0, call, &ep->addr,
			       &ep->port);
}

static int udp_local_addr(const struct utcp_ctx *ctx, uint32_t a)
{
	for (int i = 0; i < ctx->cfg->nb_ports; i++)
		if (ctx->cfg->ports[i].ip == a)
			return 1;
	return 0;
}

int sock_udp_bind(struct utcp_ctx *ctx, struct utcp_sock *so, const struct sockaddr *addr,
		  socklen_t addrlen)
{
	struct udp_ep ep;
	if (udp_addr(so, addr, addrlen, SA_BIND, &ep) < 0)
		return -1;
	if (so->udp->local.port != 0) { /* Linux inet_bind: bound already */
		errno = EINVAL;
		return -1;
	}
	if (ep.addr.u.v4 != INADDR_ANY && !udp_local_addr(ctx, ep.addr.u.v4)) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	if (udp_bind(ctx, so->udp, &ep, (so->opts.tflags & TF_REUSEADDR) != 0, NULL) < 0) {
		if (errno == EAGAIN)
			errno = EADDRINUSE;
		return -1;
	}
	so->flags |= SF_BOUND | (ep.addr.u.v4 ? SF_ADDR_LOCK : 0) | (ep.port ? SF_PORT_LOCK : 0);
	return 0;
}

static void udp_sock_disconnect(struct utcp_ctx *ctx, struct utcp_sock *so)
{
	udp_disconnect(ctx, so->udp, !(so->flags & SF_ADDR_LOCK), !(so->flags & SF_PORT_LOCK));
	so->state = SS_UNCONNECTED;
}

int sock_udp_connect(struct utcp_ctx *ctx, struct utcp_sock *so, const struct sockaddr *addr,
		     socklen_t addrlen)
{
	struct udp_ep ep;
	int r = udp_addr(so, addr, addrlen, SA_CONNECT, &ep);
	if (r < 0)
		return -1;
	if (r == SOCK_ADDR_UNSPEC) {
		udp_sock_disconnect(ctx, so); /* Linux udp_disconnect */
		return 0;
	}
	if (ep.addr.u.v4 == INADDR_BROADCAST) { /* no SO_BROADCAST */
		errno = EACCES;
		return -1;
	}
	/* No loopback, no multicast: nothing to reach at any or 224/4 up. */
	if (ep.addr.u.v4 == INADDR_ANY || (ntohl(ep.addr.u.v4) >> 28) >= 14) {
		errno = ENETUNREACH;
		return -1;
	}
	if (udp_connect(ctx, so->udp, &ep) < 0)
		return -1;
	so->state = SS_CONNECTED;
	return 0;
}

void sock_udp_close(struct utcp_ctx *ctx, struct utcp_sock *so)
{
	udp_pcb_free(ctx, so->udp); /* queued datagrams go back with it */
	so->udp = NULL;
}

/* Linux inet_shutdown on a datagram socket: ENOTCONN unless connected. */
int sock_udp_shutdown(struct utcp_ctx *ctx, struct utcp_sock *so, int how)
{
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) {
		errno = EINVAL;
		return -1;
	}
	if (so->state != SS_CONNECTED) {
		errno = ENOTCONN;
		return -1;
	}
	if (how != SHUT_WR)
		so->flags |= SF_RD_SHUT;
	if (how != SHUT_RD)
		so->flags |= SF_WR_SHUT;
	sock_notify(ctx, so, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
	return 0;
}

int sock_udp_name(struct utcp_sock *so, struct sockaddr *addr, socklen_t *addrlen, int peer)
{
	if (addr == NULL || addrlen == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (peer && so->state != SS_CONNECTED) {
		errno = ENOTCONN;
		return -1;
	}
	const struct udp_ep *ep = peer ? &so->udp->remote : &so->udp->local;
	return sock_addr_fill(addr, addrlen, so->domain, &ep->addr, ep->port);
}

/* The error an ICMP message left, reported once. */
static ssize_t udp_take_error(struct utcp_sock *so)
{
	errno = so->udp->so_error;
	so->udp->so_error = 0;
	return -1;
}

ssize_t sock_udp_sendmsg(struct utcp_ctx *ctx, struct utcp_sock *so, const struct msghdr *msg,
			 int flags)
{
	struct udp_ep to, *dst = NULL;
	size_t total;
	if (msg == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (sock_iov_check(msg->msg_iov, (int)msg->msg_iovlen, &total) < 0)
		return -1;
	if (flags & MSG_OOB) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (so->flags & SF_WR_SHUT) {
		errno = EPIPE;
		return -1;
	}
	/* Linux udp_sendmsg: the address wins (a name of 0 bytes is none) */
	int r = msg->msg_name == NULL || msg->msg_namelen == 0
			? SOCK_ADDR_UNSPEC
			: udp_addr(so, msg->msg_name, msg->msg_namelen, SA_SEND, &to);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (to.port == 0) {
			errno = EINVAL;
			return -1;
		}
		if (to.addr.u.v4 == INADDR_BROADCAST) {
			errno = EACCES;
			return -1;
		}
		dst = &to;
	} else if (so->state != SS_CONNECTED) {
		errno = EDESTADDRREQ;
		return -1;
	}
	if (so->udp->so_error != 0)
		return udp_take_error(so);
	return udp_output(ctx, so->udp, dst, msg->msg_iov, (int)msg->msg_iovlen, total);
}

static int udp_readable(struct utcp_sock *so)
{
	return udp_rq_head(so->udp) != NULL || so->udp->so_error != 0 || (so->flags & SF_RD_SHUT);
}

/* Copy one datagram's payload into iov; returns the bytes copied. */
static size_t udp_scatter(const struct utcp_pkt *pkt, const struct iovec *iov, size_t iovcnt)
{
	const uint8_t *d = udp_dgram_data(pkt);
	size_t len = udp_dgram_len(pkt), off = 0;
	for (size_t i = 0; i < iovcnt && off < len; i++) {
		size_t n = iov[i].iov_len < len - off ? iov[i].iov_len : len - off;
		if (n > 0)
			memcpy(iov[i].iov_base, d + off, n);
		off += n;
	}
	return off;
}

ssize_t sock_udp_recvmsg(struct utcp_ctx *ctx, struct utcp_sock *so, struct msghdr *msg,
			 int flags)
{
	size_t total;
	if (msg == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (sock_iov_check(msg->msg_iov, (int)msg->msg_iovlen, &total) < 0)
		return -1;
	if (msg->msg_name != NULL && (int)msg->msg_namelen < 0) { /* copy_msghdr_from_user */
		errno = EINVAL;
		return -1;
	}
	int nonblock = (so->flags & SF_NONBLOCK) || (flags & MSG_DONTWAIT);
	for (;;) {
		/* Linux __skb_recv_udp: a pending error first, then the queue. */
		if (so->udp->so_error != 0)
			return udp_take_error(so);
		if (udp_rq_head(so->udp) != NULL)
			break;
		if (so->flags & SF_RD_SHUT)
			return 0;
		if (nonblock) {
			errno = EAGAIN;
			return -1;
		}
		if (sock_drive(ctx, so, udp_readable, UTCP_TIME_NEVER) < 0)
			return -1;
	}
	const struct utcp_pkt *pkt = udp_rq_head(so->udp);
	size_t len = udp_dgram_len(pkt), got = udp_scatter(pkt, msg->msg_iov, msg->msg_iovlen);
	if (msg->msg_name != NULL) {
		struct udp_ep src;
		udp_dgram_source(pkt, &src);
		sock_addr_fill(msg->msg_name, &msg->msg_namelen, so->domain, &src.addr, src.port);
	}
	msg->msg_controllen = 0;
	msg->msg_flags = got < len ? MSG_TRUNC : 0;
	if (!(flags & MSG_PEEK))
		udp_rq_pop(ctx, so->udp);
	return (ssize_t)((flags & MSG_TRUNC) ? len : got); /* MSG_TRUNC: the real length */
}

uint32_t sock_udp_poll(const struct utcp_sock *so)
{
	uint32_t ev = 0;
	if (udp_rq_head(so->udp) != NULL)
		ev |= EPOLLIN | EPOLLRDNORM;
	if (so->udp->so_error != 0)
		ev |= EPOLLERR;
	if (so->flags & SF_RD_SHUT)
		ev |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if ((so->flags & (SF_RD_SHUT | SF_WR_SHUT)) == (SF_RD_SHUT | SF_WR_SHUT))
		ev |= EPOLLHUP;
	return ev | EPOLLOUT | EPOLLWRNORM; /* a datagram never waits for room */
}

static int udp_opt_int(const void *val, socklen_t len, int *v)
{
	if (val == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (len < (socklen_t)sizeof(int)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(v, val, sizeof(int));
	return 0;
}

/* SOL_SOCKET: SO_REUSEADDR, SO_RCVBUF (the receive bound, as set, within
 * UDP_RCVBUF_MIN..UDP_RCVBUF_MAX, as Linux within rmem_max but not
 * doubled), SO_SNDBUF (accepted: a datagram never waits to be sent). */
int sock_udp_setsockopt(struct utcp_sock *so, int level, int name, const void *val,
			socklen_t len)
{
	int v;
	if (level != SOL_SOCKET ||
	    (name != SO_REUSEADDR && name != SO_RCVBUF && name != SO_SNDBUF)) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (udp_opt_int(val, len, &v) < 0)
		return -1;
	if (name == SO_REUSEADDR) {
		so->opts.tflags = v ? so->opts.tflags | TF_REUSEADDR : so->opts.tflags & ~TF_REUSEADDR;
		so->udp->reuse = v != 0; /* taken into account at the next bind */
	} else if (name == SO_RCVBUF) {
		so->udp->rcvbuf = v < UDP_RCVBUF_MIN ? UDP_RCVBUF_MIN
				  : (uint32_t)v > UDP_RCVBUF_MAX ? UDP_RCVBUF_MAX : (uint32_t)v;
	}
	return 0;
}

int sock_udp_getsockopt(struct utcp_sock *so, int level, int name, void *val, socklen_t *len)
{
	int v;
	if (val == NULL || len == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (level != SOL_SOCKET) {
		errno = ENOPROTOOPT;
		return -1;
	}
	switch (name) {
	case SO_TYPE: v = SOCK_DGRAM; break;
	case SO_PROTOCOL: v = IPPROTO_UDP; break;
	case SO_DOMAIN: v = AF_INET; break;
	case SO_REUSEADDR: v = (so->opts.tflags & TF_REUSEADDR) != 0; break;
	case SO_RCVBUF: v = (int)so->udp->rcvbuf; break;
	case SO_ERROR:
		v = so->udp->so_error;
		so->udp->so_error = 0;
		break;
	default:
		errno = ENOPROTOOPT;
		return -1;
	}
	socklen_t n = *len < (socklen_t)sizeof(v) ? *len : (socklen_t)sizeof(v);
	memcpy(val, &v, n);
	*len = n;
	return 0;
}

/* FIONREAD (SIOCINQ): the size of the next datagram (Linux udp_ioctl);
 * SIOCOUTQ: 0, nothing waits to be sent. */
int sock_udp_ioctl(struct utcp_sock *so, unsigned long request, void *argp)
{
	int n = 0;
	if (request != FIONREAD && request != SIOCOUTQ) {
		errno = ENOTTY;
		return -1;
	}
	if (request == FIONREAD && udp_rq_head(so->udp) != NULL)
		n = (int)udp_dgram_len(udp_rq_head(so->udp));
	memcpy(argp, &n, sizeof(n));
	return 0;
}
