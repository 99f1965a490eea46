/*
 * tests/preload/calls.c - a plain libc program (it knows nothing of utcp)
 * run under libutcp-preload against a kernel echo server: each intercepted
 * call as a program sees it.
 *
 *   calls ADDR PORT     the checks below, against an echo server
 *   calls badconf       socket() with a bad UTCP_CONF: -1 ENETDOWN, twice
 *
 * Prints "ok: ..." per check, "FAIL: ..." and exit 1 at the first failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in peer;

#define CHECK(what, cond)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			printf("FAIL: %s (errno %d %s)\n", what, errno, strerror(errno)); \
			exit(1);                                                   \
		}                                                                  \
		printf("ok: %s\n", what);                                          \
	} while (0)

static int connected(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0)
		return -1;
	return fd;
}

/* Read exactly n bytes (blocking socket), 0 or -1. */
static int read_all(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* SIGALRM in 100 ms, then every 100 ms until disarmed: a signal that comes
 * before the wait starts (a loaded machine) is followed by another. */
static void arm_alarm(void)
{
	struct itimerval it = { { 0, 100000 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm_alarm(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static void basics(int *fdp)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK("socket(AF_INET, SOCK_STREAM)", fd >= 0);
	int v = 0;
	socklen_t len = sizeof(v);
	CHECK("getsockopt SO_TYPE before connect: SOCK_STREAM",
	      getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM);
	CHECK("fcntl F_GETFL: blocking", (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	v = 1;
	CHECK("setsockopt TCP_NODELAY before connect (recorded)",
	      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) == 0);
	CHECK("read before connect: ENOTCONN", read(fd, &v, 1) < 0 && errno == ENOTCONN);
	CHECK("connect (blocking)", connect(fd, (struct sockaddr *)&peer, sizeof(peer)) == 0);
	v = 0;
	len = sizeof(v);
	CHECK("TCP_NODELAY recorded before connect is set",
	      getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1);
	struct sockaddr_in a;
	len = sizeof(a);
	CHECK("getpeername: the server",
	      getpeername(fd, (struct sockaddr *)&a, &len) == 0 && a.sin_port == peer.sin_port &&
		      a.sin_addr.s_addr == peer.sin_addr.s_addr);
	char buf[64];
	CHECK("write / read: echoed",
	      write(fd, "ping", 4) == 4 && read_all(fd, buf, 4) == 0 && memcmp(buf, "ping", 4) == 0);
	*fdp = fd;
}

static void mixed_poll(int fd)
{
	int p[2];
	CHECK("pipe (kernel)", pipe(p) == 0);
	struct pollfd pf[2] = { { .fd = p[0], .events = POLLIN }, { .fd = fd, .events = POLLIN } };
	CHECK("poll, nothing ready: 0 after the timeout", poll(pf, 2, 50) == 0);
	CHECK("write to the pipe", write(p[1], "x", 1) == 1);
	CHECK("poll: the pipe readable, the utcp socket not",
	      poll(pf, 2, 2000) == 1 && (pf[0].revents & POLLIN) && pf[1].revents == 0);
	char c;
	CHECK("read the pipe", read(p[0], &c, 1) == 1);
	CHECK("send \"abc\"", send(fd, "abc", 3, 0) == 3);
	CHECK("poll: the utcp socket readable (the echo), the pipe not",
	      poll(pf, 2, 2000) == 1 && (pf[1].revents & POLLIN) && pf[0].revents == 0);
	int n = 0;
	CHECK("ioctl FIONREAD: 3", ioctl(fd, FIONREAD, &n) == 0 && n == 3);
	char buf[8];
	CHECK("recv: \"abc\"", recv(fd, buf, sizeof(buf), 0) == 3 && memcmp(buf, "abc", 3) == 0);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(fd, &r);
	FD_SET(p[0], &r);
	struct timeval tv = { 0, 50000 };
	CHECK("select: nothing within 50 ms", select(fd > p[0] ? fd + 1 : p[0] + 1, &r, NULL, NULL, &tv) == 0);
	CHECK("send \"d\"", send(fd, "d", 1, MSG_NOSIGNAL) == 1);
	FD_ZERO(&r);
	FD_SET(fd, &r);
	FD_SET(p[0], &r);
	tv.tv_sec = 2;
	int rc = select(fd > p[0] ? fd + 1 : p[0] + 1, &r, NULL, NULL, &tv);
	CHECK("select: the utcp socket readable", rc == 1 && FD_ISSET(fd, &r) && !FD_ISSET(p[0], &r));
	CHECK("read \"d\"", read(fd, buf, 1) == 1 && buf[0] == 'd');
	double c0 = cpu_s();
	CHECK("poll idle 300 ms", poll(pf, 2, 300) == 0);
	double used = cpu_s() - c0;
	printf("   (%.3f s of CPU while idle)\n", used);
	CHECK("an idle poll sleeps: less than 0.1 s of CPU in 0.3 s", used < 0.1);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: waits end with EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	arm_alarm();
	int rc2 = poll(pf, 2, -1);
	disarm_alarm();
	if (rc2 >= 0)
		printf("   (poll: %d, revents 0x%x 0x%x)\n", rc2, pf[0].revents, pf[1].revents);
	CHECK("poll(-1) ended by a signal: -1 EINTR", rc2 < 0 && errno == EINTR);
	close(p[0]);
	close(p[1]);
}

static void mixed_epoll(int fd)
{
	int p[2];
	CHECK("pipe", pipe(p) == 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK("epoll_create1", ep >= 0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 111 };
	CHECK("epoll_ctl ADD the utcp socket", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	CHECK("epoll_ctl ADD it again: EEXIST", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST);
	ev.data.u64 = 222;
	CHECK("epoll_ctl ADD the pipe", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	struct epoll_event out[4];
	CHECK("epoll_wait: nothing within 50 ms", epoll_wait(ep, out, 4, 50) == 0);
	CHECK("write to the pipe", write(p[1], "x", 1) == 1);
	int n = epoll_wait(ep, out, 4, 2000);
	CHECK("epoll_wait: the pipe (data 222)", n == 1 && out[0].data.u64 == 222);
	char c;
	CHECK("read the pipe", read(p[0], &c, 1) == 1);
	CHECK("write \"hi\" to the utcp socket", write(fd, "hi", 2) == 2);
	n = epoll_wait(ep, out, 4, 2000);
	CHECK("epoll_wait: the utcp socket (data 111)", n == 1 && out[0].data.u64 == 111 &&
							       (out[0].events & EPOLLIN));
	char buf[4];
	CHECK("read \"hi\"", read_all(fd, buf, 2) == 0 && memcmp(buf, "hi", 2) == 0);
	arm_alarm();
	n = epoll_wait(ep, out, 4, -1);
	disarm_alarm();
	if (n > 0)
		printf("   (epoll_wait: %d events, the first 0x%x data %llu)\n", n, out[0].events,
		       (unsigned long long)out[0].data.u64);
	CHECK("epoll_wait(-1) ended by a signal: -1 EINTR", n < 0 && errno == EINTR);
	ev.events = EPOLLOUT;
	ev.data.u64 = 333;
	CHECK("epoll_ctl MOD: EPOLLOUT", epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == 0);
	n = epoll_wait(ep, out, 4, 2000);
	CHECK("epoll_wait: writable (data 333)", n == 1 && out[0].data.u64 == 333);
	CHECK("epoll_ctl DEL", epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) == 0);
	CHECK("epoll_ctl DEL again: ENOENT", epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) < 0 && errno == ENOENT);
	CHECK("write to the pipe", write(p[1], "y", 1) == 1);
	n = epoll_wait(ep, out, 4, 200);
	CHECK("a kernel-only instance again: only the pipe is reported", n == 1 && out[0].data.u64 == 222);
	CHECK("read the pipe", read(p[0], &c, 1) == 1);
	CHECK("write \"z\" to the utcp socket", write(fd, "z", 1) == 1);
	CHECK("send it (a wait on the socket drives the stack)", poll(&(struct pollfd){ .fd = fd }, 1, 0) == 0);
	n = epoll_wait(ep, out, 4, 200);
	CHECK("its echo reaches no epoll entry of the program's", n == 0);
	CHECK("read \"z\"", read_all(fd, buf, 1) == 0 && buf[0] == 'z');
	CHECK("epoll_ctl ADD on a pipe's descriptor: EINVAL",
	      epoll_ctl(p[0], EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EINVAL);
	CHECK("epoll_ctl ADD on a closed descriptor: EBADF",
	      epoll_ctl(999, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EBADF);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void descriptors(int fd)
{
	int d = dup(fd);
	CHECK("dup", d >= 0 && d != fd);
	int d2 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	CHECK("fcntl F_DUPFD_CLOEXEC 100", d2 >= 100);
	int d3 = dup2(d, 200);
	CHECK("dup2 to 200", d3 == 200);
	char buf[8];
	CHECK("write on the dup, read on the dup2",
	      write(d, "dup", 3) == 3 && read_all(d3, buf, 3) == 0 && memcmp(buf, "dup", 3) == 0);
	CHECK("close the dups", close(d) == 0 && close(d2) == 0 && close(d3) == 0);
	CHECK("the socket lives on its first number",
	      write(fd, "one", 3) == 3 && read_all(fd, buf, 3) == 0);
	int on = 1;
	CHECK("ioctl FIONBIO 1", ioctl(fd, FIONBIO, &on) == 0);
	CHECK("fcntl F_GETFL: O_NONBLOCK", fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK("read with nothing there: EAGAIN", read(fd, buf, 1) < 0 && errno == EAGAIN);
	CHECK("fcntl F_SETFL 0: blocking again", fcntl(fd, F_SETFL, 0) == 0 &&
							!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK("recv MSG_DONTWAIT on a blocking socket: EAGAIN",
	      recv(fd, buf, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
}

static void vectors(int fd)
{
	static char src[1024][4], dst[1024][4];
	struct iovec iov[1024], rio[1024];
	for (int i = 0; i < 1024; i++) {
		memcpy(src[i], &i, 4);
		iov[i] = (struct iovec){ src[i], 4 };
		rio[i] = (struct iovec){ dst[i], 4 };
	}
	CHECK("writev with 1024 iovecs", writev(fd, iov, 1024) == 4096);
	struct msghdr m = { .msg_iov = rio, .msg_iovlen = 1024 };
	size_t got = 0;
	while (got < 4096) {
		ssize_t r = recvmsg(fd, &m, MSG_WAITALL);
		if (r <= 0)
			break;
		got += (size_t)r;
		/* MSG_WAITALL: one call for everything */
	}
	CHECK("recvmsg MSG_WAITALL over 1024 iovecs: 4096 bytes back, in order",
	      got == 4096 && memcmp(src, dst, sizeof(src)) == 0);
	struct msghdr sm = { .msg_iov = iov, .msg_iovlen = 2 };
	CHECK("sendmsg", sendmsg(fd, &sm, 0) == 8);
	char buf[8];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t r = 0;
	while (r < 8) {
		ssize_t k = recvfrom(fd, buf + r, 8 - (size_t)r, 0, (struct sockaddr *)&from, &flen);
		if (k <= 0)
			break;
		r += k;
	}
	CHECK("recvfrom: the 8 bytes", r == 8 && memcmp(buf, src, 8) == 0);
}

static void file_to_socket(void)
{
	char path[] = "/tmp/utcp-calls.XXXXXX";
	int f = mkstemp(path);
	CHECK("a temporary file", f >= 0);
	unlink(path);
	static char data[300000], back[300000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + i / 251);
	CHECK("fill it", write(f, data, sizeof(data)) == (ssize_t)sizeof(data));
	int fd = connected();
	CHECK("a second connection", fd >= 0);
	off_t off = 1000;
	size_t left = sizeof(data) - 1000, sent = 0;
	while (left > 0) {
		ssize_t w = sendfile(fd, f, &off, left < 20000 ? left : 20000);
		if (w <= 0)
			break;
		left -= (size_t)w;
		sent += (size_t)w;
		/* read what came back so the echo server never stalls */
		if (read_all(fd, back + sent - (size_t)w, (size_t)w) < 0)
			break;
	}
	CHECK("sendfile from offset 1000: every byte echoed back",
	      left == 0 && off == (off_t)sizeof(data) &&
		      memcmp(back, data + 1000, sizeof(data) - 1000) == 0);
	CHECK("shutdown SHUT_WR", shutdown(fd, SHUT_WR) == 0);
	char c;
	CHECK("the server closes: read 0", read(fd, &c, 1) == 0);
	close(fd);
	close(f);
}

/* glibc's _FORTIFY_SOURCE entry points, called as a fortified build would. */
extern ssize_t __read_chk(int, void *, size_t, size_t);
extern ssize_t __recv_chk(int, void *, size_t, size_t, int);
extern ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
extern int __poll_chk(struct pollfd *, nfds_t, int, size_t);

static void fortified(int fd)
{
	char buf[8];
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	CHECK("write \"fort\"", write(fd, "fort", 4) == 4);
	CHECK("__poll_chk: readable", __poll_chk(&pf, 1, 2000, sizeof(pf)) == 1 && (pf.revents & POLLIN));
	CHECK("__recv_chk MSG_WAITALL: \"fo\"",
	      __recv_chk(fd, buf, 2, sizeof(buf), MSG_WAITALL) == 2 && memcmp(buf, "fo", 2) == 0);
	CHECK("__read_chk: \"r\"", __read_chk(fd, buf, 1, sizeof(buf)) == 1 && buf[0] == 'r');
	CHECK("__recvfrom_chk: \"t\"",
	      __recvfrom_chk(fd, buf, 1, sizeof(buf), 0, NULL, NULL) == 1 && buf[0] == 't');
}

static void *other_thread(void *arg)
{
	char c;
	int fd = *(int *)arg;
	return (void *)(long)(read(fd, &c, 1) < 0 && errno == EBADFD);
}

static void threads(int fd)
{
	pthread_t t;
	void *ok = NULL;
	CHECK("another thread reads the socket: EBADFD (it stays with its thread's context)",
	      pthread_create(&t, NULL, other_thread, &fd) == 0 && pthread_join(t, &ok) == 0 &&
		      ok != NULL);
	char buf[4];
	CHECK("the socket still works in its own thread",
	      write(fd, "thr", 3) == 3 && read_all(fd, buf, 3) == 0 && memcmp(buf, "thr", 3) == 0);
}

static void fork_child(int fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		int bad = read(fd, &c, 1) < 0 && errno == EBADFD;
		bad = bad && write(fd, "x", 1) < 0 && errno == EBADFD;
		bad = bad && close(fd) == 0;
		_exit(bad ? 0 : 1);
	}
	CHECK("fork", pid > 0);
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK("a connection inherited across fork: read and write fail with EBADFD in the child, "
	      "close works",
	      WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char buf[4];
	CHECK("the parent's connection still works after the fork",
	      write(fd, "par", 3) == 3 && read_all(fd, buf, 3) == 0 && memcmp(buf, "par", 3) == 0);
}

static void kernel_sockets(void)
{
	int sv[2];
	CHECK("socketpair stays the kernel's", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	char c = 0;
	CHECK("and works", write(sv[0], "k", 1) == 1 && read(sv[1], &c, 1) == 1 && c == 'k');
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int dom = 0;
	socklen_t len = sizeof(dom);
	CHECK("an AF_INET datagram socket stays the kernel's (SO_PROTOCOL UDP)",
	      u >= 0 && getsockopt(u, SOL_SOCKET, SO_PROTOCOL, &dom, &len) == 0 && dom == IPPROTO_UDP);
	close(u);
	close(sv[0]);
	close(sv[1]);
	int s2 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK("close_range over a utcp socket", s2 >= 0 && close_range((unsigned)s2, (unsigned)s2, 0) == 0);
	int p[2];
	CHECK("its number, taken again by a pipe, is the kernel's",
	      pipe(p) == 0 && p[0] == s2 && write(p[1], "z", 1) == 1 && read(p[0], &c, 1) == 1 &&
		      c == 'z');
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && strcmp(argv[1], "badconf") == 0) {
		int a = socket(AF_INET, SOCK_STREAM, 0);
		int e1 = errno;
		int b = socket(AF_INET, SOCK_STREAM, 0);
		CHECK("bad config: socket() fails with ENETDOWN, twice",
		      a < 0 && b < 0 && e1 == ENETDOWN && errno == ENETDOWN);
		int u = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK("bad config: other sockets still work", u >= 0);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: calls ADDR PORT | calls badconf\n");
		return 2;
	}
	peer.sin_family = AF_INET;
	peer.sin_port = htons((uint16_t)atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &peer.sin_addr);
	int fd;
	basics(&fd);
	mixed_poll(fd);
	mixed_epoll(fd);
	descriptors(fd);
	vectors(fd);
	fortified(fd);
	threads(fd);
	fork_child(fd);
	file_to_socket();
	kernel_sockets();
	CHECK("close", close(fd) == 0);
	CHECK("close again: EBADF", close(fd) < 0 && errno == EBADF);
	return 0;
}
