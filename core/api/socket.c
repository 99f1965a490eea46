/*
 * core/api/socket.c - the connection calls:
 * socket, bind, listen, accept, connect, close, shutdown, abort,
 * getsockname, getpeername.
 *
 * Call order: utcp_socket -> (utcp_bind) -> utcp_listen -> utcp_accept ...
 * or utcp_connect ... -> utcp_close.  The table is socktab.c's, data calls
 * are in sockio.c, options in sockopt.c, epoll in epoll.c.  Errors are
 * Linux's errno values.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/api/sock.h"

/* ---- socket ------------------------------------------------------------------- */

int utcp_socket(struct utcp_ctx *ctx, int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (domain != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (base <= 0 || base > SOCK_PACKET) {
		errno = EINVAL;
		return -1;
	}
	if (base == SOCK_DGRAM)
		return sock_udp_socket(ctx, type, protocol);
	if (base == SOCK_RAW) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if (base != SOCK_STREAM) {
		errno = ESOCKTNOSUPPORT;
		return -1;
	}
	if (protocol != 0 && protocol != IPPROTO_TCP) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	struct utcp_sock *so = sock_alloc(ctx, SOCK_T_TCP);
	if (so == NULL)
		return -1;
	if (type & SOCK_NONBLOCK)
		so->flags |= SF_NONBLOCK;
	so->opts.rcvbuf = ctx->tcp->rcvbuf;
	so->opts.sndbuf = ctx->tcp->sndbuf;
	so->opts.cc = ctx->tcp->cc;
	return so->id;
}

/* ---- bind -------------------------------------------------------------------- */

static int sock_addr_in(const struct sockaddr *addr, socklen_t addrlen, struct sockaddr_in *sin)
{
	if (addr == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (addrlen < sizeof(struct sockaddr_in)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sin, addr, sizeof(*sin));
	if (sin->sin_family != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return 0;
}

/* A free port for bind(port 0) or listen without bind (Linux autobind). */
static uint16_t sock_autobind_port(struct utcp_ctx *ctx, uint32_t laddr, int reuse)
{
	const uint32_t n = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1;
	uint32_t start = (uint32_t)utcp_prng_below(&ctx->prng, n);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = htons((uint16_t)(TCP_EPHEMERAL_LO + (start + i) % n));
		if (ctx->tcp->ports[ntohs(port)].refs == 0 &&
		    tcp_port_bindable(ctx, laddr, port, reuse))
			return port;
	}
	return 0;
}

static int sock_do_bind(struct utcp_ctx *ctx, struct utcp_sock *so, uint32_t laddr, uint16_t port)
{
	int reuse = (so->opts.tflags & TF_REUSEADDR) != 0;
	if (port == 0 && (so->flags & SF_NO_PORT)) {
		/* connect picks the port, one whose replies reach this context */
		so->laddr = laddr;
		so->flags |= SF_BOUND;
		return 0;
	}
	if (port == 0 && (port = sock_autobind_port(ctx, laddr, reuse)) == 0) {
		errno = EADDRINUSE;
		return -1;
	}
	if (!tcp_port_bindable(ctx, laddr, port, reuse)) {
		errno = EADDRINUSE;
		return -1;
	}
	tcp_port_ref(ctx, port, reuse, 0);
	so->laddr = laddr;
	so->lport = port;
	so->flags |= SF_BOUND | SF_PORT_REF | (reuse ? SF_REF_REUSE : 0);
	return 0;
}

int utcp_bind(struct utcp_ctx *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen)
{
	if (sock_udp(ctx, sock) != NULL)
		return sock_udp_bind(ctx, sock_udp(ctx, sock), addr, addrlen);
	struct sockaddr_in sin;
	struct utcp_sock *so = sock_get_tcp(ctx, sock);
	if (so == NULL || sock_addr_in(addr, addrlen, &sin) < 0)
		return -1;
	if ((so->flags & SF_BOUND) || so->state != SS_UNCONNECTED || so->tcb != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (sin.sin_addr.s_addr != INADDR_ANY && !tcp_is_local_addr(ctx, sin.sin_addr.s_addr)) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return sock_do_bind(ctx, so, sin.sin_addr.s_addr, sin.sin_port);
}

/* ---- listen / accept --------------------------------------------------------- */

int utcp_listen(struct utcp_ctx *ctx, int sock, int backlog)
{
	if (sock_udp(ctx, sock) != NULL) { /* Linux sock_no_listen */
		errno = EOPNOTSUPP;
		return -1;
	}
	struct utcp_sock *so = sock_get_tcp(ctx, sock);
	if (so == NULL)
		return -1;
	int max = ctx->cfg->max_concurrency > 0 ? ctx->cfg->max_concurrency : 1024;
	if (backlog < 0 || backlog > max) /* Linux: (unsigned)backlog > somaxconn */
		backlog = max;
	if (so->state == SS_LISTENING) {
		so->lis->backlog = backlog;
		return 0;
	}
	if (so->state != SS_UNCONNECTED || so->tcb != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (so->lport == 0) { /* unbound, or bound without a port: take one now */
		uint32_t no_port = so->flags & SF_NO_PORT;
		so->flags &= ~SF_NO_PORT;
		int rc = sock_do_bind(ctx, so, so->laddr, 0);
		so->flags |= no_port;
		if (rc < 0)
			return -1;
	}
	struct tcp_listener *l = tcp_listen(ctx, &so->opts, so->laddr, so->lport, backlog, so);
	if (l == NULL)
		return -1;
	so->lis = l;
	so->state = SS_LISTENING;
	return 0;
}

static void sock_fill_addr(struct sockaddr *addr, socklen_t *addrlen, uint32_t ip, uint16_t port)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = ip;
	sin.sin_port = port;
	socklen_t n = *addrlen < sizeof(sin) ? *addrlen : (socklen_t)sizeof(sin);
	memcpy(addr, &sin, n);
	*addrlen = sizeof(sin);
}

static int sock_acceptable(struct utcp_sock *so)
{
	return so->lis == NULL || so->lis->acc_head != NULL;
}

int utcp_accept(struct utcp_ctx *ctx, int sock, struct sockaddr *addr, socklen_t *addrlen)
{
	if (sock_udp(ctx, sock) != NULL) { /* Linux sock_no_accept */
		errno = EOPNOTSUPP;
		return -1;
	}
	struct utcp_sock *so = sock_get_tcp(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->state != SS_LISTENING) {
		errno = EINVAL;
		return -1;
	}
	if (addr != NULL && addrlen == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (so->lis->acc_head == NULL) {
		if (so->flags & SF_NONBLOCK) {
			errno = EAGAIN;
			return -1;
		}
		if (sock_drive(ctx, so, sock_acceptable, UTCP_TIME_NEVER) < 0)
			return -1;
		if (so->lis == NULL || so->lis->acc_head == NULL) {
			errno = EINVAL;
			return -1;
		}
	}
	struct utcp_sock *ns = sock_alloc(ctx, SOCK_T_TCP);
	if (ns == NULL)
		return -1; /* EMFILE: the connection stays queued */
	struct utcp_tcb *tp = tcp_accept(so->lis);
	ns->tcb = tp;
	tp->sock = ns;
	ns->state = SS_CONNECTED;
	ns->opts = so->opts;
	ns->linger_s = so->linger_s;
	ns->rcvlowat = so->rcvlowat;
	sock_opts_apply(ns);
	ns->flags |= so->flags & (SF_LINGER | SF_ZEROCOPY);
	ns->laddr = tp->laddr;
	ns->lport = tp->lport;
	if (addr != NULL)
		sock_fill_addr(addr, addrlen, tp->raddr, tp->rport);
	return ns->id;
}

/* ---- connect --------------------------------------------------------------- */

static int sock_connect_done(struct utcp_sock *so)
{
	return so->tcb == NULL || (so->tcb->state != TCPS_SYN_SENT &&
				   so->tcb->state != TCPS_SYN_RECEIVED);
}

/* The handshake finished one way or the other (Linux __inet_stream_connect). */
static int sock_connect_result(struct utcp_ctx *ctx, struct utcp_sock *so)
{
	struct utcp_tcb *tp = so->tcb;
	if (tp->state != TCPS_CLOSED) {
		so->state = SS_CONNECTED;
		return 0;
	}
	int err = tp->so_error ? tp->so_error : ECONNABORTED;
	tcp_bufs_release(tp);
	tcp_tcb_free(tp);
	so->tcb = NULL;
	so->state = SS_UNCONNECTED;
	(void)ctx;
	errno = err;
	return -1;
}

static int sock_start_connect(struct utcp_ctx *ctx, struct utcp_sock *so,
			      const struct sockaddr_in *sin)
{
	if (so->tcb != NULL) { /* a finished earlier attempt */
		tcp_close(so->tcb);
		so->tcb = NULL;
	}
	struct utcp_tcb *tp = tcp_connect(ctx, &so->opts, so->laddr, so->lport,
					  (so->flags & SF_PORT_REF) != 0, sin->sin_addr.s_addr,
					  sin->sin_port, so);
	if (tp == NULL)
		return -1;
	sock_release_port(ctx, so); /* the connection holds the port now */
	so->tcb = tp;
	so->laddr = tp->laddr;
	so->lport = tp->lport;
	so->flags |= SF_BOUND;
	so->state = SS_CONNECTING;
	return 0;
}

int utcp_connect(struct utcp_ctx *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen)
{
	if (sock_udp(ctx, sock) != NULL)
		return sock_udp_connect(ctx, sock_udp(ctx, sock), addr, addrlen);
	struct sockaddr_in sin;
	struct utcp_sock *so = sock_get_tcp(ctx, sock);
	if (so == NULL || sock_addr_in(addr, addrlen, &sin) < 0)
		return -1;
	utcp_ctx_clock_sync(ctx); /* the SYN timer and the handshake's RTT */
	switch (so->state) {
	case SS_LISTENING:
	case SS_CONNECTED:
		errno = EISCONN;
		return -1;
	case SS_CONNECTING:
		if (sock_connect_done(so))
			return sock_connect_result(ctx, so);
		if (so->flags & SF_NONBLOCK) {
			errno = EALREADY;
			return -1;
		}
		break;
	default:
		if (sin.sin_addr.s_addr == INADDR_ANY || sin.sin_addr.s_addr == INADDR_BROADCAST) {
			errno = ENETUNREACH;
			return -1;
		}
		if (sock_start_connect(ctx, so, &sin) < 0)
			return -1;
		if (so->tcb->tfo & TFO_DEFER)
			return 0; /* RFC 7413, Linux: the SYN leaves with the first write */
		if (so->flags & SF_NONBLOCK) {
			errno = EINPROGRESS;
			return -1;
		}
		break;
	}
	if (sock_drive(ctx, so, sock_connect_done, UTCP_TIME_NEVER) < 0)
		return -1; /* still connecting, as after EINTR on Linux */
	return sock_connect_result(ctx, so);
}

/* ---- close / shutdown / abort ------------------------------------------------- */

static int sock_linger_done(struct utcp_sock *so)
{
	uint8_t st = so->tcb->state;
	return st != TCPS_FIN_WAIT_1 && st != TCPS_CLOSING && st != TCPS_LAST_ACK &&
	       st != TCPS_ESTABLISHED && st != TCPS_CLOSE_WAIT;
}

/* SO_LINGER with a time: wait (driving the stack) until our FIN is
 * acknowledged or the time is up, then close as usual. */
static void sock_linger(struct utcp_ctx *ctx, struct utcp_sock *so)
{
	struct utcp_tcb *tp = so->tcb;
	if (tp->rcv.len > 0 || tp->state == TCPS_CLOSED)
		return; /* RST or nothing to wait for */
	tcp_shutdown_send(tp);
	if (so->tcb->state == TCPS_CLOSED)
		return;
	utcp_ctx_clock_sync(ctx); /* the linger time runs from now */
	utcp_time_t deadline = utcp_ctx_now(ctx) + (utcp_time_t)so->linger_s * UTCP_NSEC_PER_SEC;
	sock_drive(ctx, so, sock_linger_done, deadline);
}

static void sock_close_tcp(struct utcp_ctx *ctx, struct utcp_sock *so, int abort)
{
	if (so->lis != NULL) {
		tcp_listen_free(ctx, so->lis);
		so->lis = NULL;
	}
	if (so->tcb != NULL) {
		struct utcp_tcb *tp = so->tcb;
		if (abort || ((so->flags & SF_LINGER) && so->linger_s == 0)) {
			tp->sock = NULL;
			tp->flags |= TF_ORPHAN;
			tcp_abort(tp);
		} else {
			if ((so->flags & SF_LINGER) && so->linger_s > 0)
				sock_linger(ctx, so);
			tcp_close(so->tcb);
		}
		so->tcb = NULL;
	}
	sock_release_port(ctx, so);
}

int utcp_close(struct utcp_ctx *ctx, int sock)
{
	struct utcp_sock *so = sock_get(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->type == SOCK_T_EPOLL) {
		sock_epoll_close(ctx, so);
	} else if (so->type == SOCK_T_EVENT) {
		sock_epoll_forget(ctx, so);
		sock_event_close(ctx, so);
	} else if (so->type == SOCK_T_UDP) {
		sock_epoll_forget(ctx, so);
		sock_udp_close(ctx, so);
	} else {
		sock_epoll_forget(ctx, so);
		sock_close_tcp(ctx, so, 0);
	}
	sock_free(ctx, so);
	return 0;
}

int utcp_abort(struct utcp_ctx *ctx, int sock)
{
	if (sock_udp(ctx, sock) != NULL) /* nothing to reset */
		return utcp_close(ctx, sock);
	struct utcp_sock *so = sock_get_tcp(ctx, sock);
	if (so == NULL)
		return -1;
	sock_epoll_forget(ctx, so);
	sock_close_tcp(ctx, so, 1);
	sock_free(ctx, so);
	return 0;
}

/* Linux inet_shutdown. */
int utcp_shutdown(struct utcp_ctx *ctx, int sock, int how)
{
	if (sock_udp(ctx, sock) != NULL)
		return sock_udp_shutdown(ctx, sock_udp(ctx, sock), how);
	struct utcp_sock *so = sock_get_tcp(ctx, sock);
	if (so == NULL)
		return -1;
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) {
		errno = EINVAL;
		return -1;
	}
	if (so->state == SS_LISTENING) {
		if (how != SHUT_WR) { /* stop listening; the socket is unconnected again */
			tcp_listen_free(ctx, so->lis);
			so->lis = NULL;
			so->state = SS_UNCONNECTED;
		}
		return 0;
	}
	struct utcp_tcb *tp = so->tcb;
	if (tp == NULL || tp->state == TCPS_CLOSED) {
		errno = ENOTCONN;
		return -1;
	}
	if (tp->state == TCPS_SYN_SENT) { /* disconnect: unconnected again */
		tcp_drop(tp, 0);
		tcp_close(tp);
		so->tcb = NULL;
		so->state = SS_UNCONNECTED;
		return 0;
	}
	if (how != SHUT_WR) {
		tp->flags |= TF_RCV_SHUT;
		sock_notify(ctx, so, EPOLLIN | EPOLLRDHUP);
	}
	if (how != SHUT_RD)
		tcp_shutdown_send(tp);
	return 0;
}

/* ---- names ------------------------------------------------------------------ */

int utcp_getsockname(struct utcp_ctx *ctx, int sock, struct sockaddr *addr, socklen_t *addrlen)
{
	if (sock_udp(ctx, sock) != NULL)
		return sock_udp_name(sock_udp(ctx, sock), addr, addrlen, 0);
	struct utcp_sock *so = sock_get_tcp(ctx, sock);
	if (so == NULL)
		return -1;
	if (addr == NULL || addrlen == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (so->tcb != NULL)
		sock_fill_addr(addr, addrlen, so->tcb->laddr, so->tcb->lport);
	else
		sock_fill_addr(addr, addrlen, so->laddr, so->lport);
	return 0;
}

int utcp_getpeername(struct utcp_ctx *ctx, int sock, struct sockaddr *addr, socklen_t *addrlen)
{
	if (sock_udp(ctx, sock) != NULL)
		return sock_udp_name(sock_udp(ctx, sock), addr, addrlen, 1);
	struct utcp_sock *so = sock_get_tcp(ctx, sock);
	if (so == NULL)
		return -1;
	if (addr == NULL || addrlen == NULL) {
		errno = EFAULT;
		return -1;
	}
	struct utcp_tcb *tp = so->tcb;
	if (tp == NULL || tp->state == TCPS_CLOSED || tp->state == TCPS_SYN_SENT) {
		errno = ENOTCONN;
		return -1;
	}
	sock_fill_addr(addr, addrlen, tp->raddr, tp->rport);
	return 0;
}
