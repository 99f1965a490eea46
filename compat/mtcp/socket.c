/*
 * compat/mtcp/socket.c - mTCP's socket calls on utcp's: the same ids, the
 * same errno values, and what mTCP does its own way.
 *
 * Call order: mtcp_socket -> mtcp_bind / mtcp_listen / mtcp_accept, or
 * [mtcp_init_rss] -> mtcp_connect -> mtcp_read / mtcp_write ... -> mtcp_close.
 * An id that is an end of an mtcp_pipe goes to pipe.c instead.
 *
 * Differences kept from mTCP where they are visible:
 *   - mtcp_setsockopt: mTCP accepted every option and did nothing; utcp sets
 *     the options it has and refuses the others with ENOPROTOOPT, unless the
 *     config says `mtcp_ignore_unknown_sockopt = 1`: then an unknown option
 *     is a no-op that returns 0, logged once per (level, option).
 *   - mtcp_init_rss(mctx, saddr_base, num_addr, daddr, dport): connections of
 *     the context to daddr:dport take their source address from saddr_base,
 *     saddr_base + 1, ... (num_addr of them, in turn; INADDR_ANY: the output
 *     interface's) with IP_BIND_ADDRESS_NO_PORT, so utcp_connect picks a port
 *     whose replies reach this context.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compat/mtcp/mtcp_int.h"

#define CTX_OR(ret)                                   \
	struct utcp_ctx *ctx = mtcp_uctx(mctx);       \
	if (ctx == NULL)                              \
		return ret

int mtcp_socket(mctx_t mctx, int domain, int type, int protocol)
{
	CTX_OR(-1);
	return utcp_socket(ctx, domain, type, protocol);
}

int mtcp_bind(mctx_t mctx, int sockid, const struct sockaddr *addr, socklen_t addrlen)
{
	CTX_OR(-1);
	return utcp_bind(ctx, sockid, addr, addrlen);
}

int mtcp_listen(mctx_t mctx, int sockid, int backlog)
{
	CTX_OR(-1);
	return utcp_listen(ctx, sockid, backlog);
}

int mtcp_accept(mctx_t mctx, int sockid, struct sockaddr *addr, socklen_t *addrlen)
{
	CTX_OR(-1);
	return utcp_accept(ctx, sockid, addr, addrlen);
}

int mtcp_init_rss(mctx_t mctx, in_addr_t saddr_base, int num_addr, in_addr_t daddr,
		  in_addr_t dport)
{
	CTX_OR(-1);
	(void)ctx;
	if (num_addr < 1 || dport > 0xffff) {
		errno = EINVAL;
		return -1;
	}
	mctx->rss_set = 1; /* a second call replaces the first, as in mTCP */
	mctx->saddr_base = ntohl(saddr_base);
	mctx->num_addr = (uint32_t)num_addr;
	mctx->next_addr = 0;
	mctx->daddr = daddr;
	mctx->dport = (uint16_t)dport;
	return 0;
}

/* The next source address of the mtcp_init_rss pool, if addr is its
 * destination and the socket is not bound yet. */
static int rss_bind(mctx_t mctx, int sockid, const struct sockaddr *addr, socklen_t addrlen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	struct sockaddr_in own;
	socklen_t len = sizeof(own);
	int on = 1;
	if (!mctx->rss_set || mctx->saddr_base == INADDR_ANY || addr == NULL ||
	    addrlen < sizeof(*sin) || sin->sin_family != AF_INET ||
	    sin->sin_addr.s_addr != mctx->daddr || sin->sin_port != mctx->dport)
		return 0;
	if (utcp_getsockname(mctx->ctx, sockid, (struct sockaddr *)&own, &len) < 0)
		return -1;
	if (own.sin_addr.s_addr != INADDR_ANY || own.sin_port != 0)
		return 0; /* the application bound it */
	memset(&own, 0, sizeof(own));
	own.sin_family = AF_INET;
	own.sin_addr.s_addr = htonl(mctx->saddr_base + mctx->next_addr);
	mctx->next_addr = (mctx->next_addr + 1) % mctx->num_addr;
	if (utcp_setsockopt(mctx->ctx, sockid, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on,
			    sizeof(on)) < 0)
		return -1;
	return utcp_bind(mctx->ctx, sockid, (struct sockaddr *)&own, sizeof(own));
}

int mtcp_connect(mctx_t mctx, int sockid, const struct sockaddr *addr, socklen_t addrlen)
{
	CTX_OR(-1);
	if (rss_bind(mctx, sockid, addr, addrlen) < 0)
		return -1;
	return utcp_connect(ctx, sockid, addr, addrlen);
}

int mtcp_close(mctx_t mctx, int sockid)
{
	CTX_OR(-1);
	struct mpipe *p = mtcp_pipe_of(mctx, sockid);
	if (p != NULL)
		return mpipe_close(mctx, p, sockid);
	if (sockid == mctx->wake) {
		errno = EBADF;
		return -1;
	}
	if (sockid == mctx->wake_ep)
		mctx->wake_ep = -1; /* closing the epoll unregisters the wake-up socket */
	return utcp_close(ctx, sockid);
}

int mtcp_abort(mctx_t mctx, int sockid)
{
	CTX_OR(-1);
	return utcp_abort(ctx, sockid);
}

int mtcp_getsockname(mctx_t mctx, int sock, struct sockaddr *addr, socklen_t *addrlen)
{
	CTX_OR(-1);
	return utcp_getsockname(ctx, sock, addr, addrlen);
}

int mtcp_getpeername(mctx_t mctx, int sockid, struct sockaddr *addr, socklen_t *addrlen)
{
	CTX_OR(-1);
	return utcp_getpeername(ctx, sockid, addr, addrlen);
}

ssize_t mtcp_read(mctx_t mctx, int sockid, char *buf, size_t len)
{
	CTX_OR(-1);
	struct mpipe *p = mtcp_pipe_of(mctx, sockid);
	if (p != NULL)
		return mpipe_read(mctx, p, sockid, buf, len);
	return utcp_read(ctx, sockid, buf, len);
}

ssize_t mtcp_recv(mctx_t mctx, int sockid, char *buf, size_t len, int flags)
{
	CTX_OR(-1);
	if (flags & ~MSG_PEEK) {
		errno = EINVAL;
		return -1;
	}
	return utcp_recv(ctx, sockid, buf, len, flags);
}

int mtcp_readv(mctx_t mctx, int sockid, const struct iovec *iov, int numIOV)
{
	CTX_OR(-1);
	return (int)utcp_readv(ctx, sockid, iov, numIOV);
}

/* Any thread may write to the write end of a pipe (the reason pipes exist). */
ssize_t mtcp_write(mctx_t mctx, int sockid, const char *buf, size_t len)
{
	CTX_OR(-1);
	struct mpipe *p = mtcp_pipe_of(mctx, sockid);
	if (p != NULL)
		return mpipe_write(mctx, p, sockid, buf, len);
	return utcp_write(ctx, sockid, buf, len);
}

int mtcp_writev(mctx_t mctx, int sockid, const struct iovec *iov, int numIOV)
{
	CTX_OR(-1);
	return (int)utcp_writev(ctx, sockid, iov, numIOV);
}

/* Once per (level, option): the program learns nothing, the log says it. */
static void log_ignored(int level, int optname)
{
	static _Atomic uint64_t seen[16];
	uint64_t key = (uint64_t)(uint32_t)level << 32 | (uint32_t)optname;
	for (int i = 0; i < 16; i++) {
		uint64_t cur = atomic_load(&seen[i]), zero = 0;
		if (cur == key + 1)
			return;
		if (cur == 0 && atomic_compare_exchange_strong(&seen[i], &zero, key + 1))
			break;
	}
	fprintf(stderr, "mtcp_setsockopt: level %d option %d is not supported by utcp; ignored "
			"(mtcp_ignore_unknown_sockopt = 1)\n", level, optname);
}

int mtcp_setsockopt(mctx_t mctx, int sockid, int level, int optname, const void *optval,
		    socklen_t optlen)
{
	CTX_OR(-1);
	int rc = utcp_setsockopt(ctx, sockid, level, optname, optval, optlen);
	if (rc < 0 && errno == ENOPROTOOPT && utcp_ctx_config(ctx)->mtcp_ignore_unknown_sockopt) {
		log_ignored(level, optname);
		return 0;
	}
	return rc;
}

int mtcp_getsockopt(mctx_t mctx, int sockid, int level, int optname, void *optval,
		    socklen_t *optlen)
{
	CTX_OR(-1);
	return utcp_getsockopt(ctx, sockid, level, optname, optval, optlen);
}

int mtcp_setsock_nonblock(mctx_t mctx, int sockid)
{
	CTX_OR(-1);
	if (mtcp_pipe_of(mctx, sockid) != NULL)
		return 0; /* pipe ends never block */
	return utcp_setsock_nonblock(ctx, sockid);
}

/* FIONREAD and FIONBIO (mTCP's FIONBIO only sets: so does a 0 here not clear). */
int mtcp_socket_ioctl(mctx_t mctx, int sockid, int request, void *argp)
{
	CTX_OR(-1);
	if (request != FIONREAD && request != FIONBIO) {
		errno = EINVAL;
		return -1;
	}
	if (request == FIONBIO)
		return mtcp_setsock_nonblock(mctx, sockid);
	return utcp_ioctl(ctx, sockid, (unsigned long)request, argp);
}
