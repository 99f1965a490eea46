/*
 * core/api/sock.h - the per-context socket table (socktab.c), shared by
 * socket.c, sockio.c, sockopt.c and epoll.c (internal).
 *
 * A socket id indexes a slot: a TCP socket (unbound, bound, listening or
 * holding a connection's TCB), an epoll instance or a wake-up socket
 * (eventfd.c).  Free ids are reused
 * in FIFO order (as mTCP), so a stale id rarely names a new socket.
 * The table is created by the first socket call of a context and freed
 * with the context's TCP state.
 *
 * Call order: sock_table(ctx) -> sock_get(ctx, id) -> ... ; TCP reports
 * readiness through sock_notify, which queues the socket on its epoll
 * instance's ready list; utcp_epoll_wait drains it.
 */
#ifndef UTCP_CORE_API_SOCK_H
#define UTCP_CORE_API_SOCK_H

#include <limits.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "core/tcp/tcp.h"
#include "core/udp/udp.h"

enum sock_type { SOCK_T_FREE = 0, SOCK_T_TCP, SOCK_T_EPOLL, SOCK_T_EVENT, SOCK_T_UDP };

/* Socket-level state, as Linux's sock->state. */
enum sock_state {
	SS_UNCONNECTED = 0,
	SS_CONNECTING,
	SS_CONNECTED,
	SS_LISTENING,
};

#define SF_NONBLOCK 0x01   /* O_NONBLOCK */
#define SF_BOUND 0x02      /* laddr/lport set by bind (or autobind) */
#define SF_PORT_REF 0x04   /* holds a reference on lport */
#define SF_REF_REUSE 0x08  /* ...taken with SO_REUSEADDR */
#define SF_LINGER 0x10     /* SO_LINGER on */
#define SF_NO_PORT 0x20    /* IP_BIND_ADDRESS_NO_PORT: bind(addr, 0) leaves the port to connect */
#define SF_ADDR_LOCK 0x100 /* UDP: bind gave the address (Linux SOCK_BINDADDR_LOCK) */
#define SF_PORT_LOCK 0x200 /* UDP: bind gave the port (SOCK_BINDPORT_LOCK) */
#define SF_RD_SHUT 0x400   /* UDP: shutdown(SHUT_RD) */
#define SF_WR_SHUT 0x800   /* UDP: shutdown(SHUT_WR) */
#define SF_ZEROCOPY 0x1000 /* SO_ZEROCOPY: taken; MSG_ZEROCOPY copies (sock_sendv) */
#define SF_V6ONLY 0x2000   /* IPV6_V6ONLY: an AF_INET6 socket takes no IPv4-mapped address */

struct utcp_sock {
	int id;
	uint8_t type;                  /* enum sock_type */
	uint8_t state;                 /* enum sock_state */
	uint8_t domain;                /* AF_INET or AF_INET6 (0: AF_INET) */
	uint32_t flags;                /* SF_* */
	uint32_t laddr;                /* AF_INET6: the IPv4 one of ::ffff:a.b.c.d, or
					  the key of laddr6 (tcp_addr6_key) */
	uint16_t lport;
	struct utcp_in6 laddr6;        /* TCP, AF_INET6: the bound address (:: none) */
	struct utcp_tcb *tcb;
	struct tcp_listener *lis;
	struct udp_pcb *udp;           /* a UDP socket's endpoint (udpsock.c) */
	struct tcp_conn_opts opts;     /* for connections made from this socket */
	int linger_s;
	int rcvlowat;                  /* SO_RCVLOWAT; 0: 1 */
	int so_error;                  /* errors not tied to a TCB */
	int free_next;
	/* zero-copy send (sockzc.c): the room the last reserve gave */
	uint8_t *zc_at;                /* where it began in the send ring */
	uint32_t zc_len;               /* its bytes; 0: none */

	/* registration in an epoll instance (at most one) */
	int ep;                        /* epoll id, -1 if none */
	uint32_t ev_mask;              /* requested events (with EPOLLET / EPOLLONESHOT) */
	epoll_data_t ev_data;
	int rd_next, rd_prev;          /* ready list links, -1 */
	uint8_t on_ready;

	/* an epoll instance */
	int rd_head, rd_tail;
	uint32_t nregs;

	/* a wake-up socket (eventfd.c): its counter, added to from any thread */
	_Atomic uint64_t ev_count;
	int ev_next;                   /* the table's list of wake-up sockets, -1 */
};

struct utcp_socktab {
	struct utcp_sock *s;
	uint32_t n;
	int free_head, free_tail;
	uint32_t in_use;
	int ev_head;                   /* wake-up sockets, linked by ev_next; -1 */
	uint32_t nevents;
	atomic_uint ev_pending;        /* set by utcp_eventfd_signal, any thread */
};

/* The context's table, created on first use (NULL with errno ENOMEM). */
struct utcp_socktab *sock_table(struct utcp_ctx *ctx);
/* Slot `id` of a live socket of any type, or NULL with errno EBADF
 * (sock_get_bad, socktab.c). */
struct utcp_sock *sock_get_bad(void);
static inline struct utcp_sock *sock_get(struct utcp_ctx *ctx, int id)
{
	struct utcp_socktab *tab = ctx->tcp != NULL ? ctx->tcp->api : NULL;
	if (tab == NULL || id < 0 || (uint32_t)id >= tab->n || tab->s[id].type == SOCK_T_FREE)
		return sock_get_bad();
	return &tab->s[id];
}
/* A live TCP socket, or NULL with errno EBADF / ENOTSOCK. */
struct utcp_sock *sock_get_tcp(struct utcp_ctx *ctx, int id);
/* A live TCP or UDP socket, with one look-up; NULL with errno EBADF, or
 * ENOTSOCK for the other kinds (as sock_get_tcp). */
struct utcp_sock *sock_get_notsock(void);
static inline struct utcp_sock *sock_get_io(struct utcp_ctx *ctx, int id)
{
	struct utcp_sock *so = sock_get(ctx, id);
	if (so != NULL && so->type != SOCK_T_TCP && so->type != SOCK_T_UDP)
		return sock_get_notsock();
	return so;
}
struct utcp_sock *sock_alloc(struct utcp_ctx *ctx, enum sock_type type);
void sock_free(struct utcp_ctx *ctx, struct utcp_sock *so);
/* Drop the socket's reference on its local port, if it holds one. */
void sock_release_port(struct utcp_ctx *ctx, struct utcp_sock *so);

/* getsockopt(TCP_INFO), Linux's struct tcp_info (tcpinfo.c). */
int sock_tcp_info(struct utcp_sock *so, void *val, socklen_t *len);
/* The socket's options (so->opts) onto its connection (sockopt.c). */
void sock_opts_apply(struct utcp_sock *so);
/* SO_RCVLOWAT: bytes a read waits for, and EPOLLIN asks for (at least 1). */
static inline uint32_t sock_rcvlowat(const struct utcp_sock *so)
{
	return so->rcvlowat > 1 ? (uint32_t)so->rcvlowat : 1;
}

/* readv(2) / writev(2)'s EINVAL and EFAULT checks; total bytes in *total.
 * One buffer that passes them is the usual case, checked here; anything
 * else goes to sock_iov_check_all (socktab.c), which sets errno. */
int sock_iov_check_all(const struct iovec *iov, int iovcnt, size_t *total);
static inline int sock_iov_check(const struct iovec *iov, int iovcnt, size_t *total)
{
	if (iovcnt == 1 && iov != NULL && iov->iov_base != NULL && iov->iov_len <= (size_t)SSIZE_MAX) {
		*total = iov->iov_len;
		return 0;
	}
	return sock_iov_check_all(iov, iovcnt, total);
}
/* sockio.c's TCP data path, for sendmsg / recvmsg (sockmsg.c). */
ssize_t sock_sendv(struct utcp_ctx *ctx, struct utcp_sock *so, const struct iovec *iov,
		   int iovcnt, int flags);
ssize_t sock_recvv(struct utcp_ctx *ctx, struct utcp_sock *so, const struct iovec *iov,
		   int iovcnt, int flags);
/* sockio.c for sockzc.c: EPOLLOUT as a blocking write waits for it; the
 * connection's pending error as -1 with errno (and cleared). */
int sock_writable(struct utcp_sock *so);
ssize_t sock_error(struct utcp_tcb *tp);

/* ---- a user's socket address (sockaddr.c) ---- */
/* The call an address is handed to: Linux reads it by different rules. */
enum sock_addr_call {
	SA_BIND,           /* inet_bind / inet6_bind */
	SA_CONNECT,        /* a datagram socket's (ip4_ / ip6_datagram_connect) */
	SA_CONNECT_STREAM, /* tcp_v4_connect / tcp_v6_connect */
	SA_SEND,           /* sendto / sendmsg (udp_sendmsg / udpv6_sendmsg) */
};
/* sock_addr_parse: AF_UNSPEC where the call gives it a meaning (connect:
 * disconnect; an IPv6 socket's sendto: no address given). */
#define SOCK_ADDR_UNSPEC 1
/* The address `addr` of `len` bytes, handed to `call` on a socket of
 * `domain` (AF_INET6 with v6only: IPV6_V6ONLY), into *ia and *port (network
 * order).  An IPv4-mapped ::ffff:a.b.c.d, or an AF_INET address a
 * dual-stack socket takes, comes back as AF_INET; :: as AF_INET6 zeros.
 * Returns 0, SOCK_ADDR_UNSPEC, or -1 with Linux's errno: EINVAL (shorter
 * than the family's address, or longer than sockaddr_storage, or a mapped
 * address bound on a v6-only socket), EFAULT (NULL), EAFNOSUPPORT (a
 * family the socket's domain does not take), ENETUNREACH (a mapped or
 * IPv4 destination for a v6-only socket). */
int sock_addr_parse(const struct sockaddr *addr, socklen_t len, int domain, int v6only,
		    enum sock_addr_call call, struct utcp_inaddr *ia, uint16_t *port);
/* ia:port into addr as a socket of `domain` names it (AF_INET6: a
 * sockaddr_in6, IPv4 as ::ffff:a.b.c.d, family 0 as ::), cut to *addrlen
 * bytes; *addrlen becomes the full length.  0, or -1 with errno EFAULT
 * (NULL), EINVAL (a negative length). */
int sock_addr_fill(struct sockaddr *addr, socklen_t *addrlen, int domain,
		   const struct utcp_inaddr *ia, uint16_t port);

/* ---- UDP sockets (udpsock.c): each call of the API hands a UDP socket
 * over with one line (sock_udp). ---- */
/* The live UDP socket `id`, or NULL (errno untouched). */
static inline struct utcp_sock *sock_udp(struct utcp_ctx *ctx, int id)
{
	struct utcp_socktab *tab = ctx->tcp != NULL ? ctx->tcp->api : NULL;
	if (tab == NULL || id < 0 || (uint32_t)id >= tab->n || tab->s[id].type != SOCK_T_UDP)
		return NULL;
	return &tab->s[id];
}
int sock_udp_socket(struct utcp_ctx *ctx, int domain, int type, int protocol);
int sock_udp_bind(struct utcp_ctx *ctx, struct utcp_sock *so, const struct sockaddr *addr,
		  socklen_t addrlen);
int sock_udp_connect(struct utcp_ctx *ctx, struct utcp_sock *so, const struct sockaddr *addr,
		     socklen_t addrlen);
void sock_udp_close(struct utcp_ctx *ctx, struct utcp_sock *so);
int sock_udp_shutdown(struct utcp_ctx *ctx, struct utcp_sock *so, int how);
/* getsockname (peer 0) / getpeername (peer 1). */
int sock_udp_name(struct utcp_sock *so, struct sockaddr *addr, socklen_t *addrlen, int peer);
ssize_t sock_udp_sendmsg(struct utcp_ctx *ctx, struct utcp_sock *so, const struct msghdr *msg,
			 int flags);
ssize_t sock_udp_recvmsg(struct utcp_ctx *ctx, struct utcp_sock *so, struct msghdr *msg,
			 int flags);
uint32_t sock_udp_poll(const struct utcp_sock *so);
int sock_udp_getsockopt(struct utcp_sock *so, int level, int name, void *val, socklen_t *len);
int sock_udp_setsockopt(struct utcp_sock *so, int level, int name, const void *val,
			socklen_t len);
int sock_udp_ioctl(struct utcp_sock *so, unsigned long request, void *argp);

/* Readiness of a socket (EPOLL* bits), as Linux's poll would report. */
uint32_t sock_poll(const struct utcp_sock *so);
/* TCP's readiness callback. */
void sock_notify(struct utcp_ctx *ctx, void *sock, uint32_t events);
/* Leave whatever epoll instance the socket is registered with. */
void sock_epoll_forget(struct utcp_ctx *ctx, struct utcp_sock *so);
/* An epoll instance is closed: unregister every socket from it. */
void sock_epoll_close(struct utcp_ctx *ctx, struct utcp_sock *ep);

/* Run the stack until done(so) or the deadline: 1 done, 0 deadline, -1
 * the NIC wait failed (errno, e.g. EINTR). */
int sock_drive(struct utcp_ctx *ctx, struct utcp_sock *so, int (*done)(struct utcp_sock *so),
	       utcp_time_t deadline);

/* Wake-up sockets (eventfd.c).  Once per utcp_epoll_wait round: sockets
 * signalled from another thread join their epoll's ready list. */
void sock_event_check(struct utcp_ctx *ctx);
uint32_t sock_event_poll(const struct utcp_sock *so);
ssize_t sock_event_read(struct utcp_ctx *ctx, struct utcp_sock *so, void *buf, size_t len);
ssize_t sock_event_write(struct utcp_ctx *ctx, struct utcp_sock *so, const void *buf, size_t len);
void sock_event_close(struct utcp_ctx *ctx, struct utcp_sock *so);
/* The deadline a NIC wait may sleep to: without a NIC wake op, a context
 * with wake-up sockets sleeps in slices (SOCK_EVENT_SLICE_NS). */
utcp_time_t sock_event_deadline(struct utcp_ctx *ctx, utcp_time_t deadline);
#define SOCK_EVENT_SLICE_NS UTCP_NSEC_PER_MSEC

/* Events an epoll registration keeps for itself, never reported. */
#define EP_PRIVATE (EPOLLET | EPOLLONESHOT)

/* ---- an epoll instance's ready list, threaded through the table's slots
 * (rd_next / rd_prev ids; ep->rd_head / rd_tail) ---- */
static inline struct utcp_sock *sock_slot(struct utcp_ctx *ctx, int id)
{
	return &((struct utcp_socktab *)ctx->tcp->api)->s[id];
}

static inline void sock_rd_push(struct utcp_ctx *ctx, struct utcp_sock *ep, struct utcp_sock *so)
{
	if (so->on_ready)
		return;
	so->on_ready = 1;
	so->rd_next = -1;
	so->rd_prev = ep->rd_tail;
	if (ep->rd_tail >= 0)
		sock_slot(ctx, ep->rd_tail)->rd_next = so->id;
	else
		ep->rd_head = so->id;
	ep->rd_tail = so->id;
}

/* so, the head, goes to the tail: sock_rd_remove then sock_rd_push. */
static inline void sock_rd_rotate(struct utcp_ctx *ctx, struct utcp_sock *ep, struct utcp_sock *so)
{
	if (so->rd_next < 0)
		return; /* the only one */
	ep->rd_head = so->rd_next;
	sock_slot(ctx, so->rd_next)->rd_prev = -1;
	so->rd_next = -1;
	so->rd_prev = ep->rd_tail;
	sock_slot(ctx, ep->rd_tail)->rd_next = so->id;
	ep->rd_tail = so->id;
}
static inline void sock_rd_remove(struct utcp_ctx *ctx, struct utcp_sock *ep, struct utcp_sock *so)
{
	if (!so->on_ready)
		return;
	if (so->rd_prev >= 0)
		sock_slot(ctx, so->rd_prev)->rd_next = so->rd_next;
	else
		ep->rd_head = so->rd_next;
	if (so->rd_next >= 0)
		sock_slot(ctx, so->rd_next)->rd_prev = so->rd_prev;
	else
		ep->rd_tail = so->rd_prev;
	so->rd_next = so->rd_prev = -1;
	so->on_ready = 0;
}

#endif
