/*
 * mtcp_api.h - mTCP's application interface, on utcp (libutcp-mtcp).
 *
 * The names, types, constants and signatures of mTCP's mtcp_api.h, so that
 * an mTCP program builds unchanged:
 *   cc $(pkg-config --cflags utcp-mtcp) app.c $(pkg-config --libs utcp-mtcp)
 *
 * Call order (as in mTCP):
 *   [mtcp_getconf / mtcp_setconf (num_cores)] -> mtcp_init(config file)
 *   -> [mtcp_setconf (max_concurrency, ...)] -> [mtcp_register_signal]
 *   -> per thread: mtcp_core_affinitize(cpu) -> mtcp_create_context(cpu)
 *        -> sockets and mtcp_epoll_* -> mtcp_destroy_context
 *   -> mtcp_destroy.
 *
 * Socket ids are small integers per context (not file descriptors); every
 * call takes the context that owns the id and returns -1 with errno on error.
 * What utcp does differently from mTCP is listed in README.md, "Moving from
 * mTCP".
 */
#ifndef MTCP_API_H
#define MTCP_API_H

#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef UNUSED
#define UNUSED(x) (void)x
#endif

#ifndef INPORT_ANY
#define INPORT_ANY (uint16_t)0
#endif

typedef struct mtcp_context *mctx_t;

enum socket_type {
	MTCP_SOCK_UNUSED,
	MTCP_SOCK_STREAM,
	MTCP_SOCK_PROXY,
	MTCP_SOCK_LISTENER,
	MTCP_SOCK_EPOLL,
	MTCP_SOCK_PIPE,
};

struct mtcp_conf {
	int num_cores;
	int max_concurrency;
	int max_num_buffers;
	int rcvbuf_size;
	int sndbuf_size;
	int tcp_timewait;
	int tcp_timeout;
};

typedef void (*mtcp_sighandler_t)(int);

int mtcp_init(const char *config_file);
void mtcp_destroy();
int mtcp_getconf(struct mtcp_conf *conf);
int mtcp_setconf(const struct mtcp_conf *conf);
int mtcp_core_affinitize(int cpu);
mctx_t mtcp_create_context(int cpu);
void mtcp_destroy_context(mctx_t mctx);
mtcp_sighandler_t mtcp_register_signal(int signum, mtcp_sighandler_t handler);
int mtcp_pipe(mctx_t mctx, int pipeid[2]);
int mtcp_getsockopt(mctx_t mctx, int sockid, int level, int optname, void *optval,
		    socklen_t *optlen);
int mtcp_setsockopt(mctx_t mctx, int sockid, int level, int optname, const void *optval,
		    socklen_t optlen);
int mtcp_setsock_nonblock(mctx_t mctx, int sockid);
/* FIONREAD, FIONBIO */
int mtcp_socket_ioctl(mctx_t mctx, int sockid, int request, void *argp);
int mtcp_socket(mctx_t mctx, int domain, int type, int protocol);
int mtcp_bind(mctx_t mctx, int sockid, const struct sockaddr *addr, socklen_t addrlen);
int mtcp_listen(mctx_t mctx, int sockid, int backlog);
int mtcp_accept(mctx_t mctx, int sockid, struct sockaddr *addr, socklen_t *addrlen);
int mtcp_init_rss(mctx_t mctx, in_addr_t saddr_base, int num_addr, in_addr_t daddr,
		  in_addr_t dport);
int mtcp_connect(mctx_t mctx, int sockid, const struct sockaddr *addr, socklen_t addrlen);
int mtcp_close(mctx_t mctx, int sockid);
/* Sends a RST and releases the socket (in mTCP's api.c, not its header). */
int mtcp_abort(mctx_t mctx, int sockid);
int mtcp_getsockname(mctx_t mctx, int sock, struct sockaddr *addr, socklen_t *addrlen);
int mtcp_getpeername(mctx_t mctx, int sockid, struct sockaddr *addr, socklen_t *addrlen);
/* mTCP declares this one `inline` (and builds with -fgnu89-inline); here it is
 * an ordinary function the library exports, so any C standard links it. */
ssize_t mtcp_read(mctx_t mctx, int sockid, char *buf, size_t len);
/* flags: 0 or MSG_PEEK */
ssize_t mtcp_recv(mctx_t mctx, int sockid, char *buf, size_t len, int flags);
int mtcp_readv(mctx_t mctx, int sockid, const struct iovec *iov, int numIOV);
ssize_t mtcp_write(mctx_t mctx, int sockid, const char *buf, size_t len);
int mtcp_writev(mctx_t mctx, int sockid, const struct iovec *iov, int numIOV);

#ifdef __cplusplus
}
#endif
#endif /* MTCP_API_H */
