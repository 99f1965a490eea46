/*
 * core/api/sockmsg.c - the calls with an address or a message header:
 * sendto, recvfrom, sendmsg, recvmsg, for every kind of socket.
 *
 * Call order: utcp_sendto / utcp_sendmsg -> a UDP socket: sock_udp_sendmsg
 * (udpsock.c), a TCP one: sock_sendv (sockio.c; the address is ignored,
 * as Linux's TCP does); utcp_recvfrom / utcp_recvmsg -> sock_udp_recvmsg,
 * or sock_recvv with no address (Linux reports a name length of 0).
 */
#include <errno.h>
#include <string.h>

#include "core/api/sock.h"

ssize_t utcp_sendmsg(struct utcp_ctx *ctx, int sock, const struct msghdr *msg, int flags)
{
	struct utcp_sock *so = sock_udp(ctx, sock);
	if (so != NULL)
		return sock_udp_sendmsg(ctx, so, msg, flags);
	if ((so = sock_get_tcp(ctx, sock)) == NULL)
		return -1;
	if (msg == NULL) {
		errno = EFAULT;
		return -1;
	}
	return sock_sendv(ctx, so, msg->msg_iov, (int)msg->msg_iovlen, flags);
}

ssize_t utcp_recvmsg(struct utcp_ctx *ctx, int sock, struct msghdr *msg, int flags)
{
	struct utcp_sock *so = sock_udp(ctx, sock);
	if (so != NULL)
		return sock_udp_recvmsg(ctx, so, msg, flags);
	if ((so = sock_get_tcp(ctx, sock)) == NULL)
		return -1;
	if (msg == NULL) {
		errno = EFAULT;
		return -1;
	}
	msg->msg_namelen = 0;
	msg->msg_controllen = 0;
	msg->msg_flags = 0;
	return sock_recvv(ctx, so, msg->msg_iov, (int)msg->msg_iovlen, flags);
}

ssize_t utcp_sendto(struct utcp_ctx *ctx, int sock, const void *buf, size_t len, int flags,
		    const struct sockaddr *dest, socklen_t addrlen)
{
	struct iovec v = { (void *)buf, len };
	struct msghdr m = { .msg_name = (void *)dest, .msg_namelen = addrlen, .msg_iov = &v,
			    .msg_iovlen = 1 };
	/* __sys_sendto hands a datagram socket every address it is given
	 * (sendmsg takes a name of 0 bytes as none, and cuts a long one). */
	if (dest != NULL && sock_udp(ctx, sock) != NULL &&
	    (addrlen == 0 || addrlen > sizeof(struct sockaddr_storage))) {
		errno = EINVAL;
		return -1;
	}
	return utcp_sendmsg(ctx, sock, &m, flags);
}

ssize_t utcp_recvfrom(struct utcp_ctx *ctx, int sock, void *buf, size_t len, int flags,
		      struct sockaddr *src, socklen_t *addrlen)
{
	struct iovec v = { buf, len };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
	if (src != NULL) {
		if (addrlen == NULL) {
			errno = EFAULT;
			return -1;
		}
		m.msg_name = src;
		m.msg_namelen = *addrlen;
	}
	ssize_t n = utcp_recvmsg(ctx, sock, &m, flags);
	if (n >= 0 && src != NULL)
		*addrlen = m.msg_namelen;
	return n;
}
