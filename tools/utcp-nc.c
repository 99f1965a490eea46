/*
 * tools/utcp-nc.c - a netcat over utcp: one TCP connection, blocking calls,
 * on any backend (`io =` in the config), for talking to the kernel's TCP
 * from a development box.
 *
 *   utcp-nc -f CONF [-s FILE] [-r FILE] [-t SECONDS] [-n] HOST PORT   connect
 *   utcp-nc -f CONF [-s FILE] [-r FILE] [-t SECONDS] [-n] -l PORT     accept one
 *   utcp-nc -f CONF -u [-c N] [-b BYTES] [-t SECONDS] HOST PORT      UDP requests
 *   utcp-nc -f CONF -u [-c N] [-t SECONDS] -l PORT                   UDP echo
 *
 * -t bounds the whole run, the connect or the wait for a connection
 * included (default 60 s).  -l 0 listens on a port the stack picks and
 * prints it on stderr ("utcp-nc: listening on port N") before waiting.
 * HOST is an IPv4 or an IPv6 address; -l listens on both (AF_INET6 on ::,
 * IPv4 peers as ::ffff:a.b.c.d).
 * Sends FILE (-s) then half-closes, while reading everything the peer sends
 * until its FIN into FILE (-r; default: discard).  Prints one line: bytes
 * each way, the FNV-1a digests of both streams (-n: not computed, for
 * benchmarks: a byte-at-a-time hash costs about as much as TCP), the seconds
 * taken and the CPU seconds used, and the stack's retransmission counters.
 * Exit 0 when both
 * streams ended cleanly, 1 on a connection error or timeout, 2 on bad
 * usage or configuration.
 *
 * Call order: config -> stack -> context 0 -> socket -> connect or
 * listen/accept -> loop { write what fits (nonblocking), read what came,
 * utcp_ctx_wait } -> close -> drain the context (FIN handshake) -> report.
 *
 * With -u, UDP (tools/nc_udp.c): as a client, N datagrams one at a
 * time (1..BYTES octets each, a pattern of their number), each waiting
 * for its echo, which must come back byte for byte; with -l, an echo
 * server that sends every datagram back to where it came from, until it
 * has echoed N (-c) or the time (-t) is up.  Both print one line: the
 * datagrams and bytes each way, their FNV-1a digest and the UDP counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <utcp/utcp.h>

#include "tools/nc.h"
#include "core/base/args.h"

#define CHUNK 65536

struct nc {
	struct utcp_ctx *ctx;
	int sock;
	FILE *in, *out;
	uint64_t sent, got, wdigest, rdigest;
	int in_eof, shut, rcv_eof;
	int no_digest;
	uint8_t pend[CHUNK];
	size_t pend_len, pend_off;
};

/* CPU time of this process, user and system (the kernel's work in our
 * read and write calls on the device included). */
static double cpu_s(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: utcp-nc -f CONF [-s FILE] [-r FILE] [-t SECONDS] [-n] HOST PORT\n"
			"       utcp-nc -f CONF [-s FILE] [-r FILE] [-t SECONDS] [-n] -l PORT\n"
			"       utcp-nc -f CONF -u [-c N] [-b BYTES] [-t SECONDS] HOST PORT\n"
			"       utcp-nc -f CONF -u [-c N] [-t SECONDS] -l PORT\n");
	return 2;
}

static int bad_arg(const char *what, const char *v, const char *want)
{
	fprintf(stderr, "utcp-nc: %s '%s': want %s\n", what, v, want);
	return 2;
}

/* Write from the file while the socket takes it; half-close at its end. */
static int nc_send(struct nc *n)
{
	while (!n->shut) {
		if (n->pend_off == n->pend_len && !n->in_eof) {
			n->pend_len = n->in != NULL ? fread(n->pend, 1, sizeof(n->pend), n->in) : 0;
			n->pend_off = 0;
			n->in_eof = n->pend_len == 0;
		}
		if (n->pend_off == n->pend_len) {
			n->shut = 1;
			return utcp_shutdown(n->ctx, n->sock, SHUT_WR);
		}
		ssize_t w = utcp_write(n->ctx, n->sock, n->pend + n->pend_off, n->pend_len - n->pend_off);
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		if (!n->no_digest)
			n->wdigest = nc_fnv(n->wdigest, n->pend + n->pend_off, (size_t)w);
		n->pend_off += (size_t)w;
		n->sent += (uint64_t)w;
	}
	return 0;
}

static int nc_recv(struct nc *n)
{
	static uint8_t buf[CHUNK];
	while (!n->rcv_eof) {
		ssize_t r = utcp_read(n->ctx, n->sock, buf, sizeof(buf));
		if (r < 0)
			return errno == EAGAIN ? 0 : -1;
		if (r == 0) {
			n->rcv_eof = 1;
			break;
		}
		if (!n->no_digest)
			n->rdigest = nc_fnv(n->rdigest, buf, (size_t)r);
		n->got += (uint64_t)r;
		if (n->out != NULL && fwrite(buf, 1, (size_t)r, n->out) != (size_t)r)
			return -1;
	}
	return 0;
}

/* Wait until sock (nonblocking) has one of the events in mask, or t_end
 * passes: 0, or -1 with errno ETIMEDOUT (or the epoll call's). */
static int nc_wait(struct nc *n, int sock, uint32_t mask, double t_end)
{
	int ep = utcp_epoll_create1(n->ctx, 0), rc = -1;
	struct epoll_event e = { .events = mask };
	if (ep < 0)
		return -1;
	if (utcp_epoll_ctl(n->ctx, ep, EPOLL_CTL_ADD, sock, &e) == 0) {
		for (;;) {
			if (utcp_epoll_wait(n->ctx, ep, &e, 1, 100) > 0) {
				rc = 0;
				break;
			}
			if (nc_now_s() > t_end) {
				errno = ETIMEDOUT;
				break;
			}
		}
	}
	int saved = errno;
	utcp_close(n->ctx, ep);
	errno = saved;
	return rc;
}

/* Connect to host:port before t_end (the socket is nonblocking). */
static int nc_connect(struct nc *n, int s, const char *host, int port, double t_end)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	int err = 0, v6 = strchr(host, ':') != NULL;
	socklen_t el = sizeof(err);
	n->sock = s;
	if (v6 ? inet_pton(AF_INET6, host, &sa6.sin6_addr) != 1
	       : inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "utcp-nc: '%s' is not an IPv4 address (A.B.C.D) or an IPv6 one\n",
			host);
		return -1;
	}
	if (utcp_connect(n->ctx, s, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa,
			 v6 ? sizeof(sa6) : sizeof(sa)) < 0 && errno != EINPROGRESS)
		err = errno;
	else if (nc_wait(n, s, EPOLLOUT | EPOLLERR | EPOLLHUP, t_end) < 0)
		err = errno;
	else if (utcp_getsockopt(n->ctx, s, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err == 0)
		return 0;
	fprintf(stderr, "utcp-nc: connect to %s port %d: %s%s\n", host, port, strerror(err),
		err == ETIMEDOUT ? " (the -t limit)" : "");
	return -1;
}

/* Listen on port (0: one the stack picks, printed) and accept one
 * connection before t_end. */
static int nc_accept(struct nc *n, int s, int port, double t_end)
{
	/* AF_INET6 on :: takes IPv4 peers too (IPV6_V6ONLY 0) */
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	socklen_t sl = sizeof(sa);
	if (utcp_bind(n->ctx, s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    utcp_listen(n->ctx, s, 1) < 0 ||
	    utcp_getsockname(n->ctx, s, (struct sockaddr *)&sa, &sl) < 0) {
		fprintf(stderr, "utcp-nc: listen on port %d: %s\n", port, strerror(errno));
		utcp_close(n->ctx, s);
		return -1;
	}
	port = ntohs(sa.sin6_port);
	fprintf(stderr, "utcp-nc: listening on port %d\n", port);
	fflush(stderr);
	while ((n->sock = utcp_accept(n->ctx, s, NULL, NULL)) < 0) {
		if (errno != EAGAIN || nc_wait(n, s, EPOLLIN, t_end) < 0) {
			fprintf(stderr, "utcp-nc: no connection on port %d: %s%s\n", port,
				strerror(errno), errno == ETIMEDOUT ? " (the -t limit)" : "");
			utcp_close(n->ctx, s);
			return -1;
		}
	}
	utcp_close(n->ctx, s);
	return utcp_setsock_nonblock(n->ctx, n->sock);
}

/* Connect (host given) or accept one connection on port, before t_end.
 * Prints what failed. */
static int nc_open(struct nc *n, const char *host, int port, double t_end)
{
	int af = host == NULL || strchr(host, ':') != NULL ? AF_INET6 : AF_INET;
	int s = utcp_socket(n->ctx, af, SOCK_STREAM, 0);
	if (s < 0 || utcp_setsock_nonblock(n->ctx, s) < 0) {
		fprintf(stderr, "utcp-nc: socket: %s\n", strerror(errno));
		return -1;
	}
	return host != NULL ? nc_connect(n, s, host, port, t_end) : nc_accept(n, s, port, t_end);
}

static int nc_run(struct nc *n, double t_end, double limit)
{
	while (!(n->shut && n->rcv_eof)) {
		if (nc_send(n) < 0 || nc_recv(n) < 0) {
			fprintf(stderr, "utcp-nc: %s\n", strerror(errno));
			return -1;
		}
		if (n->shut && n->rcv_eof)
			break;
		if (nc_now_s() > t_end) {
			fprintf(stderr, "utcp-nc: the transfer did not end within %g s (-t)\n", limit);
			return -1;
		}
		utcp_ctx_wait(n->ctx, utcp_ctx_now(n->ctx) + 100 * UTCP_NSEC_PER_MSEC);
	}
	return 0;
}

/* After close: let the FIN handshake finish (TIME-WAIT is not waited for). */
static void nc_drain(struct utcp_ctx *ctx, double limit)
{
	double t_end = nc_now_s() + limit;
	struct utcp_sock_usage u;
	for (utcp_ctx_sock_usage(ctx, &u); u.tcbs > u.timewait && nc_now_s() < t_end;
	     utcp_ctx_sock_usage(ctx, &u))
		utcp_ctx_wait(ctx, utcp_ctx_now(ctx) + 10 * UTCP_NSEC_PER_MSEC);
}

int main(int argc, char **argv)
{
	const char *conf = NULL, *sfile = NULL, *rfile = NULL;
	int lport = -1, c, no_digest = 0, udp = 0;
	long count = -1, size = -1;
	double limit = 60;
	while ((c = getopt(argc, argv, "f:s:r:t:l:nuc:b:h")) != -1) {
		switch (c) {
		case 'u': udp = 1; break;
		case 'c': count = atol(optarg); break;
		case 'b': size = atol(optarg); break;
		case 'f': conf = optarg; break;
		case 's': sfile = optarg; break;
		case 'r': rfile = optarg; break;
		case 't':
			if (utcp_parse_double(optarg, 0.001, 1e6, &limit) != UTCP_NUM_OK)
				return bad_arg("-t", optarg, "seconds, 0.001..1000000");
			break;
		case 'l':
			if (utcp_parse_int(optarg, 0, 65535, &lport) != UTCP_NUM_OK)
				return bad_arg("-l", optarg, "a port, 0..65535 (0: any)");
			break;
		case 'n': no_digest = 1; break;
		default: return usage();
		}
	}
	int nargs = argc - optind, rport = 0;
	if (conf == NULL || (lport < 0 ? nargs != 2 : nargs != 0))
		return usage();
	if (lport < 0 && utcp_parse_int(argv[optind + 1], 1, 65535, &rport) != UTCP_NUM_OK)
		return bad_arg("PORT", argv[optind + 1], "a port, 1..65535");
	if (!udp && (count != -1 || size != -1))
		return usage();
	if (size == -1)
		size = 1024;
	if (udp && (sfile != NULL || rfile != NULL || no_digest || count == 0 || count < -1 ||
		    size < 4 || size > 65507))
		return usage();
	if (udp)
		return nc_udp_main(conf, lport < 0 ? argv[optind] : NULL,
				   lport < 0 ? rport : lport, count, (uint32_t)size,
				   limit);
	struct nc n = { .sock = -1, .wdigest = 0xcbf29ce484222325ull, .rdigest = 0xcbf29ce484222325ull,
			.no_digest = no_digest };
	if ((sfile != NULL && (n.in = fopen(sfile, "rb")) == NULL) ||
	    (rfile != NULL && (n.out = fopen(rfile, "wb")) == NULL)) {
		perror(sfile != NULL && n.in == NULL ? sfile : rfile);
		return 2;
	}
	struct utcp_config cfg;
	struct utcp_stack *st = nc_stack(conf, &cfg);
	if (st == NULL)
		return 2;
	n.ctx = utcp_ctx_create(st, 0);
	double t0 = nc_now_s(), c0 = cpu_s();
	if (n.ctx == NULL)
		fprintf(stderr, "utcp-nc: context: %s\n", strerror(errno));
	int rc = n.ctx == NULL ||
		 nc_open(&n, lport < 0 ? argv[optind] : NULL, lport < 0 ? rport : lport,
			 t0 + limit) < 0 ||
		 nc_run(&n, t0 + limit, limit) < 0;
	double dt = nc_now_s() - t0, dcpu = cpu_s() - c0;
	if (n.ctx != NULL) {
		if (n.sock >= 0)
			utcp_close(n.ctx, n.sock);
		nc_drain(n.ctx, 5);
		const struct utcp_stats *s = utcp_ctx_stats(n.ctx);
		printf("utcp-nc: sent %" PRIu64 " (fnv %016" PRIx64 ") received %" PRIu64
		       " (fnv %016" PRIx64 ") in %.3f s (CPU %.3f s); retransmits %" PRIu64
		       " rto %" PRIu64 " fast-recoveries %" PRIu64 " undos %" PRIu64 "\n",
		       n.sent, n.wdigest, n.got, n.rdigest, dt, dcpu, s->tcp_retransmits,
		       s->tcp_rto, s->tcp_fast_recoveries, s->tcp_undos);
		struct utcp_port_stats ps;
		if (utcp_ctx_port_stats(n.ctx, 0, &ps) == 0) /* TSO frames count once */
			printf("utcp-nc: port 0 sent %" PRIu64 " frames (%" PRIu64 " bytes), "
			       "received %" PRIu64 "\n", ps.tx_frames, ps.tx_bytes, ps.rx_frames);
		utcp_ctx_destroy(n.ctx);
	}
	utcp_stack_close(st);
	if (n.in != NULL)
		fclose(n.in);
	if (n.out != NULL && fclose(n.out) != 0)
		rc = 1;
	return rc;
}
