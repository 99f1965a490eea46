/*
 * core/api/socket.c - the connection calls:
 * socket, bind, listen, accept, connect, close, shutdown, abort,
 * getsockname, getpeername.
 *
 * Call order: utcp_socket -> (utcp_bind) -> utcp_listen -> utcp_accept ...
 * or utcp_connect ... -> utcp_close.  The table is socktab.c's, data calls
 * are in sockio.c, options in sockopt.c, epoll in epoll.c.  Errors are
 * Linux's errno values.  AF_INET6 stream sockets take struct sockaddr_in6
 * (sock_addr_get over sockaddr.c's sock_addr_parse): IPv6 peers through tcp_connect6 / tcp_listen6, IPv4
 * ones as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) unless IPV6_V6ONLY, as Linux.
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
	if (domain != AF_INET && !(domain == AF_INET6 && (base == SOCK_STREAM || base == SOCK_DGRAM ||
							   base <= 0 || base > SOCK_PACKET))) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (base <= 0 || base > SOCK_PACKET) {
		errno = EINVAL;
		return -1;
	}
	if (base == SOCK_DGRAM)
		return sock_udp_socket(ctx, domain, type, protocol);
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
	so->domain = (uint8_t)domain;
	so->opts.rcvbuf = ctx->tcp->rcvbuf;
	so->opts.sndbuf = ctx->tcp->sndbuf;
	so->opts.cc = ctx->tcp->cc;
	return so->id;
}

/* ---- bind -------------------------------------------------------------------- */

/* The address bind or connect was handed (sockaddr.c's rules, Linux's
 * errno) in TCP's terms: v4 the IPv4 address or an IPv6 one's key (is6
 * set), v6 its IPv6 form (::ffff:a.b.c.d for IPv4).  AF_UNSPEC, which
 * would disconnect a Linux TCP socket, is refused (EAFNOSUPPORT). */
struct sock_addr {
	uint32_t v4;
	struct utcp_in6 v6;
	uint16_t port;
	uint8_t is6;
};

static void sock_v4mapped(uint32_t v4, struct utcp_in6 *a)
{
	memset(a, 0, sizeof(*a));
	if (v4 == 0)
		return;
	a->b[10] = a->b[11] = 0xff;
	memcpy(a->b + 12, &v4, 4);
}

static int sock_addr_get(struct utcp_ctx *ctx, const struct utcp_sock *so,
			 const struct sockaddr *addr, socklen_t addrlen, enum sock_addr_call call,
			 struct sock_addr *sa)
{
	struct utcp_inaddr ia;
	memset(sa, 0, sizeof(*sa));
	int rc = sock_addr_parse(addr, addrlen, so->domain, (so->flags & SF_V6ONLY) != 0, call,
				 &ia, &sa->port);
	if (rc == SOCK_ADDR_UNSPEC) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (rc < 0)
		return -1;
	if (ia.family == AF_INET6) {
		sa->is6 = 1;
		memcpy(sa->v6.b, ia.u.v6, 16);
		sa->v4 = tcp_addr6_key(ctx, &sa->v6);
	} else {
		sa->v4 = ia.u.v4;
		sock_v4mapped(sa->v4, &sa->v6);
	}
	return 0;
}

/* The socket's name or its peer's, in its family (v6 NULL: IPv4 v4). */
static void sock_fill_name(const struct utcp_sock *so, struct sockaddr *addr, socklen_t *addrlen,
			   uint32_t v4, const struct utcp_in6 *v6, uint16_t port)
{
	struct utcp_inaddr ia;
	memset(&ia, 0, sizeof(ia));
	if (v6 != NULL && !utcp_in6_is_v4mapped(v6)) {
		ia.family = AF_INET6;
		memcpy(ia.u.v6, v6->b, 16);
	} else {
		ia.family = AF_INET;
		ia.u.v4 = v4;
	}
	sock_addr_fill(addr, addrlen, so->domain, &ia, port);
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

/* :: or one of our IPv6 addresses, on any port. */
static int sock_is_local6(struct utcp_ctx *ctx, const struct utcp_in6 *a)
{
	if (utcp_in6_is_unspec(a))
		return 1;
	for (int p = 0; p < ctx->cfg->nb_ports; p++)
		if (utcp_addr6_enabled(ctx, p) && utcp_addr6_find(ctx, p, a) != NULL)
			return 1;
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
	struct sock_addr sa;
	struct utcp_sock *so = sock_get_tcp(ctx, sock);
	if (so == NULL || sock_addr_get(ctx, so, addr, addrlen, SA_BIND, &sa) < 0)
		return -1;
	if ((so->flags & SF_BOUND) || so->state != SS_UNCONNECTED || so->tcb != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (sa.is6 ? !sock_is_local6(ctx, &sa.v6)
		   : sa.v4 != INADDR_ANY && !tcp_is_local_addr(ctx, sa.v4)) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	if (sock_do_bind(ctx, so, sa.v4, sa.port) < 0)
		return -1;
	so->laddr6 = sa.v6;
	return 0;
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
	struct tcp_listener *l =
		so->domain == AF_INET6
			? tcp_listen6(ctx, &so->opts, &so->laddr6, (so->flags & SF_V6ONLY) != 0,
				      so->lport, backlog, so)
			: tcp_listen(ctx, &so->opts, so->laddr, so->lport, backlog, so);
	if (l == NULL)
		return -1;
	so->lis = l;
	so->state = SS_LISTENING;
	return 0;
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
	ns->domain = so->domain;
	ns->flags |= so->flags & SF_V6ONLY;
	if (tp->is6)
		ns->laddr6 = tp->a6.laddr;
	else
		sock_v4mapped(tp->laddr, &ns->laddr6);
	if (addr != NULL)
		sock_fill_name(ns, addr, addrlen, tp->raddr, tp->is6 ? &tp->a6.raddr : NULL,
			       tp->rport);
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

/* AF_INET6 (Linux tcp_v6_connect): a mapped peer is IPv4's, refused from
 * an IPv6 local address (with IPV6_V6ONLY by sock_addr_parse); an IPv6
 * peer is refused from an IPv4-mapped local address. */
static int sock_connect_family_ok(const struct utcp_sock *so, const struct sock_addr *sa)
{
	int bound6 = !utcp_in6_is_unspec(&so->laddr6) && !utcp_in6_is_v4mapped(&so->laddr6);
	int bound4 = utcp_in6_is_v4mapped(&so->laddr6);
	if (so->domain == AF_INET6 && (sa->is6 ? bound4 : bound6)) {
		errno = ENETUNREACH;
		return 0;
	}
	return 1;
}

static int sock_start_connect(struct utcp_ctx *ctx, struct utcp_sock *so,
			      const struct sock_addr *sa)
{
	if (so->tcb != NULL) { /* a finished earlier attempt */
		tcp_close(so->tcb);
		so->tcb = NULL;
	}
	if (!sock_connect_family_ok(so, sa))
		return -1;
	int owned = (so->flags & SF_PORT_REF) != 0;
	struct utcp_tcb *tp =
		sa->is6 ? tcp_connect6(ctx, &so->opts, &so->laddr6, so->lport, owned, &sa->v6,
				       sa->port, so)
			: tcp_connect(ctx, &so->opts, so->laddr, so->lport, owned, sa->v4, sa->port, so);
	if (tp == NULL)
		return -1;
	sock_release_port(ctx, so); /* the connection holds the port now */
	so->tcb = tp;
	so->laddr = tp->laddr;
	if (tp->is6)
		so->laddr6 = tp->a6.laddr;
	else
		sock_v4mapped(tp->laddr, &so->laddr6);
	so->lport = tp->lport;
	so->flags |= SF_BOUND;
	so->state = SS_CONNECTING;
	return 0;
}

int utcp_connect(struct utcp_ctx *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen)
{
	struct sock_addr sa;
	struct utcp_sock *so = sock_get_io(ctx, sock);
	if (so != NULL && so->type == SOCK_T_UDP)
		return sock_udp_connect(ctx, so, addr, addrlen);
	if (so == NULL || sock_addr_get(ctx, so, addr, addrlen, SA_CONNECT_STREAM, &sa) < 0)
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
		if (!sa.is6 && (sa.v4 == INADDR_ANY || sa.v4 == INADDR_BROADCAST)) {
			errno = ENETUNREACH;
			return -1;
		}
		if (sock_start_connect(ctx, so, &sa) < 0)
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
	struct utcp_tcb *tp = so->tcb;
	if (tp != NULL)
		sock_fill_name(so, addr, addrlen, tp->laddr, tp->is6 ? &tp->a6.laddr : NULL,
			       tp->lport);
	else
		sock_fill_name(so, addr, addrlen, so->laddr,
			       utcp_in6_is_v4mapped(&so->laddr6) ? NULL : &so->laddr6, so->lport);
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
	sock_fill_name(so, addr, addrlen, tp->raddr, tp->is6 ? &tp->a6.raddr : NULL, tp->rport);
	return 0;
}
