/*
 * tools/bench/bench.h - utcp-bench: the same workloads on utcp (on the
 * simulated wire) and on the Linux kernel (over loopback), side by side.
 *
 * Call order (one measured run):
 *   wl_init(run, spec, server net, client net)
 *   -> wl_server_start / wl_client_start (each on its own net)
 *   -> loop: epoll_wait on a net, wl_dispatch(run, net, event) for each event
 *      until wl_client_finished / wl_server_finished
 *   -> wl_result (figures) -> wl_free.
 *
 * The workload code (wl.c) is written once against struct bnet, a table of
 * socket calls: bnet_kernel.c maps it to the system calls, bnet_utcp.c to
 * utcp's calls on one context.  The kernel run drives client and server
 * from one epoll loop in one thread; the utcp run gives each simulated host
 * its own coroutine and loop.  Either way one thread on one CPU does all
 * the work of both endpoints, and CPU time is measured on that thread.
 * --path memif (bpath_memif.c) instead runs the server and the client in
 * two processes, each wl_init'ed with one net only, and adds the two
 * processes' CPU times.
 */
#ifndef UTCP_TOOLS_BENCH_H
#define UTCP_TOOLS_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>
#include <sys/uio.h>

enum wl_kind { WL_SHORT, WL_PINGPONG, WL_BULK, WL_LATENCY, WL_NKINDS };

extern const char *const wl_names[WL_NKINDS];

struct wl_spec {
	enum wl_kind kind;
	int conns;          /* connections in flight */
	uint64_t count;     /* transactions (bulk: bytes) */
	size_t msg;         /* request and response size (bytes) */
	size_t wsize;       /* bulk: bytes per write() */
	double max_wall;    /* stop starting new work after this many wall seconds */
	int no_offload;     /* utcp: simulated NICs without TCP checksum offload */
	int ip6;            /* utcp: over IPv6 (2001:db8::1 and ::2) */
	int no_tso;         /* utcp bulk: simulated NICs without TSO (MSS-sized frames) */
	int zc;             /* bulk: the stack's zero-copy calls where it has them (utcp) */
};

/* Socket calls on one stack.  Sockets are non-blocking; addresses and
 * ports in host byte order.  Errors: -1 with errno, as Linux. */
struct bnet_ops {
	int (*socket)(void *c);
	int (*listen)(void *c, int s, uint32_t ip, uint16_t *port, int backlog); /* 0: any */
	int (*accept)(void *c, int l);
	int (*connect)(void *c, int s, uint32_t ip, uint16_t port);
	ssize_t (*read)(void *c, int s, void *buf, size_t len);
	ssize_t (*write)(void *c, int s, const void *buf, size_t len);
	int (*shutdown_wr)(void *c, int s);
	int (*close)(void *c, int s);
	int (*nodelay)(void *c, int s);
	int (*so_error)(void *c, int s);
	int (*epoll_create)(void *c);
	int (*epoll_ctl)(void *c, int ep, int op, int s, struct epoll_event *ev);
	int (*epoll_wait)(void *c, int ep, struct epoll_event *evs, int n, int timeout_ms);
	/* Zero-copy data calls (utcp_recv_zc, utcp_recv_zc_done,
	 * utcp_send_zc_reserve, utcp_send_zc_commit); NULL: the stack has
	 * none (the kernel's side reads and writes). */
	ssize_t (*recv_zc)(void *c, int s, struct iovec *iov, int n);
	int (*recv_zc_done)(void *c, int s, size_t len);
	ssize_t (*send_zc_reserve)(void *c, int s, struct iovec *iov, int n);
	ssize_t (*send_zc_commit)(void *c, int s, size_t len);
};

struct bnet {
	const struct bnet_ops *ops;
	void *c;            /* the utcp context, or NULL for the kernel */
	int ep;             /* the epoll instance the workload's sockets are in */
};

extern const struct bnet_ops bnet_kernel_ops;
extern const struct bnet_ops bnet_utcp_ops;

/* CPU and wall clocks of the calling thread. */
struct bclock {
	double wall, cpu;   /* s: CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID */
	double user, sys;   /* s: getrusage(RUSAGE_THREAD) */
};
void bclock_now(struct bclock *c);

struct sconn;
struct cconn;

struct wl_run {
	const struct wl_spec *sp;
	struct bnet *srv, *cli;  /* the same object in the kernel run */
	uint32_t srv_ip;
	uint16_t port;
	/* server */
	int lfd;
	struct sconn *sc;        /* indexed by socket id */
	int sc_cap, srv_open;
	uint64_t srv_bytes;      /* bulk: bytes received and verified */
	/* client */
	struct cconn *cc;
	int cli_open, cli_ready;
	uint64_t issued, done;   /* transactions started / verified */
	uint64_t sent;           /* bulk: bytes written */
	int started, stop, measured;
	/* measurement: from the start of the timed phase to its end */
	struct bclock t0, t1;
	double *lat;             /* latency: per round trip, wall s */
	uint64_t nlat;
	int failed;
	char why[200];
	/* two processes (one of srv, cli NULL; see wl.c) */
	void (*on_measure)(struct wl_run *r, int end); /* client: timed phase begins/ends */
	void *arg;               /* the driver's */
	int peer_done;           /* server: the client has finished */
};

/* srv or cli NULL: this process runs the other side only (wl.c). */
int wl_init(struct wl_run *r, const struct wl_spec *sp, struct bnet *srv, struct bnet *cli,
	    uint32_t srv_ip, uint16_t port);
void wl_free(struct wl_run *r);
int wl_server_start(struct wl_run *r);
int wl_client_start(struct wl_run *r);
/* Handle one epoll event that `net` returned.  -1 when the run failed. */
int wl_dispatch(struct wl_run *r, struct bnet *net, const struct epoll_event *ev);
int wl_client_finished(const struct wl_run *r);
int wl_server_finished(const struct wl_run *r);
/* Server side of two processes: the client's timed phase began (end 0) or
 * ended (end 1); this process's clocks are read now. */
void wl_measure(struct wl_run *r, int end);
/* For cleaning up after a failed run: the socket of client connection i
 * (-1 if none), and whether server socket fd is open. */
int wl_client_fd(const struct wl_run *r, int i);
int wl_server_fd_open(const struct wl_run *r, int fd);
/* Record a failure (first one wins); returns -1. */
int wl_fail(struct wl_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Figures of one run. */
struct wl_result {
	int ok;
	char why[200];
	uint64_t units;          /* transactions, or bytes for bulk */
	double cpu, user, sys, wall;
	double p50, p99;         /* latency: wall s per round trip */
	double other;            /* s of its CPU other processes used meanwhile */
	double softirqd;         /* s the CPU's ksoftirqd thread ran meanwhile */
	char note[200];          /* counters worth knowing (utcp: retransmits, ...) */
};
void wl_result(const struct wl_run *r, struct wl_result *res);

/* The two stacks: run one workload once, pinned to `cpu` (-1: leave). */
int bench_kernel_run(const struct wl_spec *sp, struct wl_result *res);
int bench_utcp_run(const struct wl_spec *sp, uint64_t seed, struct wl_result *res);

/* --path tap (bpath_tap.c): utcp's server on TAP against a kernel client,
 * beside a kernel server and client over a veth pair between two network
 * namespaces.  Setup -1 (with the reason) when not root / no TAP. */
int bench_tap_setup(char *err, size_t errlen);
void bench_tap_teardown(void);
int bench_tap_utcp_run(const struct wl_spec *sp, struct wl_result *res);
int bench_tap_kernel_run(const struct wl_spec *sp, struct wl_result *res);

/* --path memif (bpath_memif.c): the server in one process, the client in
 * another, pinned to cpus[0] and cpus[1]: utcp on DPDK net_memif, the
 * kernel over loopback; CPU time both processes'.  Setup -1 (with the
 * reason) without two CPUs, or (need_utcp) when utcp has no DPDK backend or
 * memif does not start. */
int bench_memif_setup(const int cpus[2], int need_utcp, char *err, size_t errlen);
int bench_memif_run(const struct wl_spec *sp, int utcp, struct wl_result *res);

#endif
