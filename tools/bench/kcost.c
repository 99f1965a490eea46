/*
 * tools/bench/kcost.c - what this machine's kernel charges per operation,
 * printed in utcp-bench's header so that figures from different machines
 * (or VMs) can be compared: a null system call (getppid), socket()+close(),
 * and a TCP round trip over loopback (1 byte each way, both sockets in
 * this thread, TCP_NODELAY).  CPU time of the calling thread
 * (CLOCK_THREAD_CPUTIME_ID); each loop is bounded in count and time.
 *
 * Call order: report_header -> report_kernel_costs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tools/bench/report.h"

#define KC_BOUND 0.2 /* CPU seconds per measurement at most */

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU us per getppid(2), which the C library does not cache. */
static double kc_syscall(void)
{
	double t0 = thread_cpu(), t;
	long n = 0;
	do {
		for (int i = 0; i < 1000; i++)
			(void)syscall(SYS_getppid);
		n += 1000;
	} while ((t = thread_cpu() - t0) < KC_BOUND && n < 10000000);
	return 1e6 * t / (double)n;
}

static double kc_socket(void)
{
	double t0 = thread_cpu(), t;
	long n = 0;
	do {
		for (int i = 0; i < 100; i++) {
			int s = socket(AF_INET, SOCK_STREAM, 0);
			if (s < 0)
				return -1;
			close(s);
		}
		n += 100;
	} while ((t = thread_cpu() - t0) < KC_BOUND && n < 1000000);
	return 1e6 * t / (double)n;
}

/* A connected pair over loopback: 0, or -1 (the fds closed). */
static int kc_pair(int *a, int *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
	*a = *b = -1;
	if (l < 0)
		return -1;
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 1) == 0 &&
	    getsockname(l, (struct sockaddr *)&sa, &len) == 0 && (*a = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
	    connect(*a, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		*b = accept(l, NULL, NULL);
	close(l);
	if (*b < 0) {
		if (*a >= 0)
			close(*a);
		return -1;
	}
	setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(*b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static double kc_loopback(void)
{
	int a, b;
	char c = 'x';
	if (kc_pair(&a, &b) < 0)
		return -1;
	double t0 = thread_cpu(), t;
	long n = 0;
	do {
		for (int i = 0; i < 100; i++)
			if (write(a, &c, 1) != 1 || read(b, &c, 1) != 1 || write(b, &c, 1) != 1 ||
			    read(a, &c, 1) != 1) {
				n = -1;
				break;
			}
		n = n < 0 ? n : n + 100;
	} while (n > 0 && (t = thread_cpu() - t0) < KC_BOUND && n < 1000000);
	close(a);
	close(b);
	return n > 0 ? 1e6 * t / (double)n : -1;
}

void report_kernel_costs(void)
{
	double sys = kc_syscall(), sock = kc_socket(), rt = kc_loopback();
	printf("utcp-bench: this kernel, CPU us per operation: null system call %.3f, "
	       "socket+close %.2f, loopback TCP round trip (1 B, one thread) %.2f\n",
	       sys, sock, rt);
}
