/*
 * preload/preload.h - libutcp-preload's own state (internal): the table of
 * descriptors that are utcp sockets, the epoll instances that hold some,
 * the per-thread contexts and the libc functions it stands in front of.
 *
 * Everything here stands on libutcp's public API (<utcp/utcp.h>).
 *
 * Call order: the program's first socket(AF_INET, SOCK_STREAM) loads the
 * config (state.c: once; a bad one is reported once) and reserves a kernel
 * descriptor whose number the socket takes (sock.c); bind/listen/setsockopt
 * only record; the first call that needs the NIC (connect, accept, a wait
 * on the socket) opens the stack and this thread's context (upl_ctx_get)
 * and makes the utcp socket (upl_live); reads and writes go to it (io.c);
 * poll/select/epoll drive the context and sleep in the kernel beside the
 * program's own descriptors (wait.c); close releases both.  fork(): the
 * child starts a new generation (state.c): listeners are made again on the
 * child's own context when it first uses them, connections fail with
 * EBADFD.
 */
#ifndef UTCP_PRELOAD_H
#define UTCP_PRELOAD_H

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <utcp/utcp.h>

/* Descriptors at or above this stay the kernel's. */
#define UPL_MAXFD 65536
/* Socket options recorded before the utcp socket exists. */
#define UPL_MAXOPT 12

/* A thread's context (one per thread that used the network, per process). */
struct upl_ctx {
	struct utcp_ctx *ctx;
	unsigned gen;        /* the process generation it belongs to */
	int poll_fd;         /* utcp_ctx_poll_fd, -1: sleep at most 1 ms */
};

struct upl_opt {
	int level, name;
	socklen_t len;
	unsigned char val[16];
};

enum upl_state {
	UPL_NEW,             /* no utcp socket yet (maybe bound, listening) */
	UPL_LIVE,            /* id is a utcp socket of owner */
	UPL_STALE,           /* a connection inherited across fork(): EBADFD */
};

/* One utcp socket; several descriptors may share it (dup). */
struct upl_sock {
	int refs;
	enum upl_state state;
	struct upl_ctx *owner;
	int id;
	int nonblock;
	int bound;
	struct sockaddr_in baddr;
	int listening, backlog;
	struct upl_opt opts[UPL_MAXOPT];
	int nopts;
	int ep_fd;           /* the program's epoll instance it is in, -1 */
	struct epoll_event ep_ev; /* the program's registration (events, data) */
};

/* A kernel epoll instance of the program's that holds utcp sockets. */
struct upl_ep {
	unsigned gen;
	struct upl_ctx *c;   /* the context of its utcp sockets */
	int uep;             /* utcp epoll instance in c, -1 */
	int nsocks;          /* utcp sockets registered */
	int poll_fd_added;   /* c->poll_fd is in the kernel instance */
};

/* The process. */
struct upl_proc {
	pthread_mutex_t lock;
	int conf_state;      /* 0 not read, 1 good, -1 bad (reported) */
	struct utcp_config cfg;
	unsigned gen;        /* +1 in each fork() child */
	struct utcp_stack *stack;
	int next_core;
	int stack_failed;    /* reported once per generation */
};
extern struct upl_proc upl_proc;
extern struct upl_sock *upl_tab[UPL_MAXFD];
extern struct upl_ep *upl_eps[UPL_MAXFD];

/* The libc functions behind ours (dlsym(RTLD_NEXT)), resolved at load. */
struct upl_real {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*close)(int);
	int (*close_range)(unsigned, unsigned, int);
	void (*closefrom)(int);
	int (*shutdown)(int, int);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		       const sigset_t *);
	int (*epoll_create)(int);
	int (*epoll_create1)(int);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
			    const sigset_t *);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
	off_t (*lseek)(int, off_t, int);
};
extern struct upl_real upl_real;
/* libc's f, resolved on first use when a call comes before the constructor
 * (another library's constructor). */
#define REAL(f)                                                                      \
	(__builtin_expect(upl_real.f != NULL, 1) ? upl_real.f : (upl_resolve(), upl_real.f))

/* state.c */
void upl_resolve(void);
int upl_conf_ok(void);                    /* 1, or 0 with errno ENETDOWN */
struct upl_ctx *upl_ctx_get(void);        /* this thread's, or NULL + errno */
struct upl_ctx *upl_live(struct upl_sock *s); /* make the utcp socket */
struct upl_sock *upl_sock_new(void);
int upl_attach(int fd, struct upl_sock *s); /* fd takes s (refs + 1) */
void upl_detach(int fd);                  /* the utcp side of close(fd) */
void upl_note_once(const char *what);     /* one line on stderr per text */
int64_t upl_now_ms(void);

static inline struct upl_sock *upl_get(int fd)
{
	return fd >= 0 && fd < UPL_MAXFD ? upl_tab[fd] : NULL;
}

/* A live socket's context when the calling thread's own, else NULL with
 * EBADFD (said once on stderr). */
struct upl_ctx *upl_own(struct upl_sock *s);
/* A live socket's context, or NULL with errno (EBADFD inherited across fork,
 * ENOTCONN not connected and no utcp socket yet). */
struct upl_ctx *upl_io_ctx(struct upl_sock *s, int err_new);

/* wait.c */
void upl_ep_forget(struct upl_sock *s);   /* s leaves its epoll instance */
void upl_ep_close(int epfd);

#endif
