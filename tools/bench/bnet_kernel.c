/*
 * tools/bench/bnet_kernel.c - the workloads on the Linux kernel's TCP over
 * loopback: struct bnet mapped to system calls, and one run driven by one
 * epoll loop in the calling thread (client and server sockets in the same
 * epoll instance).  The caller pins the thread to one CPU; loopback's
 * receive processing (softirq) then runs on that CPU in this thread's
 * context and is part of its CPU time.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tools/bench/bench.h"

#define KERNEL_EVENTS 512

static int k_socket(void *c)
{
	(void)c;
	return socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
}

static int k_listen(void *c, int s, uint32_t ip, uint16_t *port, int backlog)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(*port),
				  .sin_addr.s_addr = htonl(ip) };
	socklen_t len = sizeof(sa);
	int one = 1;
	(void)c;
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, backlog) < 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return 0;
}

static int k_accept(void *c, int l)
{
	(void)c;
	return accept4(l, NULL, NULL, SOCK_NONBLOCK);
}

static int k_connect(void *c, int s, uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	(void)c;
	return connect(s, (struct sockaddr *)&sa, sizeof(sa));
}

static ssize_t k_read(void *c, int s, void *buf, size_t len)
{
	(void)c;
	return read(s, buf, len);
}

static ssize_t k_write(void *c, int s, const void *buf, size_t len)
{
	(void)c;
	return send(s, buf, len, MSG_NOSIGNAL);
}

static int k_shutdown_wr(void *c, int s)
{
	(void)c;
	return shutdown(s, SHUT_WR);
}

static int k_close(void *c, int s)
{
	(void)c;
	return close(s);
}

static int k_nodelay(void *c, int s)
{
	int one = 1;
	(void)c;
	return setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int k_so_error(void *c, int s)
{
	int err = 0;
	socklen_t len = sizeof(err);
	(void)c;
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static int k_epoll_create(void *c)
{
	(void)c;
	return epoll_create1(0);
}

static int k_epoll_ctl(void *c, int ep, int op, int s, struct epoll_event *ev)
{
	(void)c;
	return epoll_ctl(ep, op, s, ev);
}

static int k_epoll_wait(void *c, int ep, struct epoll_event *evs, int n, int timeout_ms)
{
	(void)c;
	return epoll_wait(ep, evs, n, timeout_ms);
}

const struct bnet_ops bnet_kernel_ops = {
	.socket = k_socket, .listen = k_listen, .accept = k_accept, .connect = k_connect,
	.read = k_read, .write = k_write, .shutdown_wr = k_shutdown_wr, .close = k_close,
	.nodelay = k_nodelay, .so_error = k_so_error, .epoll_create = k_epoll_create,
	.epoll_ctl = k_epoll_ctl, .epoll_wait = k_epoll_wait,
};

/* Close what a failed run left open (the epoll instance goes last). */
static void k_cleanup(struct wl_run *r)
{
	if (r->lfd >= 0)
		close(r->lfd);
	for (int fd = 0; fd < r->sc_cap; fd++)
		if (wl_server_fd_open(r, fd))
			close(fd);
	for (int i = 0; i < r->sp->conns; i++)
		if (wl_client_fd(r, i) >= 0)
			close(wl_client_fd(r, i));
}

static void k_loop(struct wl_run *r, struct bnet *net)
{
	struct epoll_event evs[KERNEL_EVENTS];
	struct bclock start, now;
	bclock_now(&start);
	while (!wl_server_finished(r)) {
		int n = epoll_wait(net->ep, evs, KERNEL_EVENTS, 1000);
		if (n < 0 && errno != EINTR) {
			wl_fail(r, "epoll_wait: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++)
			if (wl_dispatch(r, net, &evs[i]) < 0)
				return;
		bclock_now(&now);
		if (now.wall - start.wall > 3 * r->sp->max_wall + 10) {
			wl_fail(r, "no progress: %llu of %llu done after %.0f s",
				(unsigned long long)r->done, (unsigned long long)r->sp->count,
				now.wall - start.wall);
			return;
		}
	}
}

int bench_kernel_run(const struct wl_spec *sp, struct wl_result *res)
{
	struct bnet net = { .ops = &bnet_kernel_ops, .c = NULL, .ep = epoll_create1(0) };
	struct wl_run r;
	if (net.ep < 0) {
		snprintf(res->why, sizeof(res->why), "epoll_create1: %s", strerror(errno));
		res->ok = 0;
		return -1;
	}
	if (wl_init(&r, sp, &net, &net, INADDR_LOOPBACK, 0) == 0 && wl_server_start(&r) == 0 &&
	    wl_client_start(&r) == 0)
		k_loop(&r, &net);
	wl_result(&r, res);
	if (r.cc != NULL && r.sc != NULL)
		k_cleanup(&r);
	close(net.ep);
	wl_free(&r);
	snprintf(res->note, sizeof(res->note), "-");
	return res->ok ? 0 : -1;
}
