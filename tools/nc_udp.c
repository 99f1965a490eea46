/*
 * tools/nc_udp.c - utcp-nc -u: UDP over utcp against the kernel.
 *
 * Client (HOST PORT; HOST an IPv4 or IPv6 address, the socket AF_INET or
 * AF_INET6 to match): count datagrams, one at a time: datagram i has
 * 1 + (i * 7919) % size octets, the first four its number (big-endian,
 * when it has room), octet k = i * 31 + k * 7 + 11; each waits up to a
 * second for its echo, which must be the same octets.  An ICMP port
 * unreachable ends it with ECONNREFUSED (the socket is connected).
 * Server (-l PORT): every datagram goes back to its source, until count
 * were echoed or the time is up; on a config with an IPv6 address
 * (`<port>.ip6`) a dual-stack AF_INET6 socket (IPv4 peers as
 * ::ffff:a.b.c.d), else an AF_INET one.
 *
 * Call order: nc_stack -> context 0 -> socket (SOCK_DGRAM, nonblocking)
 * -> connect (client) or bind (server) -> loop { send / recvfrom / sendto,
 * utcp_ctx_wait } -> report -> close.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tools/nc.h"

#define UDP_BUF 65536
#define UDP_WAIT_S 1.0 /* client: for each echo */

struct udp_nc {
	struct utcp_ctx *ctx;
	int sock;
	uint64_t sent, got, sent_bytes, got_bytes, bad;
	uint64_t wdigest, rdigest;
	uint8_t out[UDP_BUF], in[UDP_BUF];
};

static size_t udp_fill(uint8_t *b, uint64_t i, uint32_t size)
{
	size_t len = 1 + (size_t)((i * 7919u) % size);
	for (size_t k = 0; k < len; k++)
		b[k] = (uint8_t)(i * 31u + k * 7u + 11u);
	if (len >= 4) {
		b[0] = (uint8_t)(i >> 24);
		b[1] = (uint8_t)(i >> 16);
		b[2] = (uint8_t)(i >> 8);
		b[3] = (uint8_t)i;
	}
	return len;
}

/* Wait for the echo of the datagram in u->out; 0 when it came back. */
static int udp_await(struct udp_nc *u, size_t len)
{
	double until = nc_now_s() + UDP_WAIT_S;
	for (;;) {
		ssize_t r = utcp_recv(u->ctx, u->sock, u->in, sizeof(u->in), 0);
		if (r >= 0) {
			u->got++;
			u->got_bytes += (uint64_t)r;
			u->rdigest = nc_fnv(u->rdigest, u->in, (size_t)r);
			if ((size_t)r == len && memcmp(u->in, u->out, len) == 0)
				return 0;
			u->bad++; /* not what was sent */
			continue;
		}
		if (errno != EAGAIN)
			return -1;
		if (nc_now_s() > until) {
			errno = ETIMEDOUT;
			return -1;
		}
		utcp_ctx_wait(u->ctx, utcp_ctx_now(u->ctx) + 10 * UTCP_NSEC_PER_MSEC);
	}
}

/* HOST and PORT as a socket address of either family; 0, or -1 (EINVAL). */
static int udp_host_addr(const char *host, int port, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static int udp_client(struct udp_nc *u, const struct sockaddr_storage *sa, socklen_t sl,
		      uint64_t count, uint32_t size, double limit)
{
	if (utcp_connect(u->ctx, u->sock, (const struct sockaddr *)sa, sl) < 0)
		return -1;
	double t_end = nc_now_s() + limit;
	for (uint64_t i = 0; i < count; i++) {
		size_t len = udp_fill(u->out, i, size);
		ssize_t w;
		while ((w = utcp_send(u->ctx, u->sock, u->out, len, 0)) < 0 && errno == ENOBUFS)
			utcp_ctx_wait(u->ctx, utcp_ctx_now(u->ctx) + UTCP_NSEC_PER_MSEC);
		if (w < 0)
			return -1;
		u->sent++;
		u->sent_bytes += len;
		u->wdigest = nc_fnv(u->wdigest, u->out, len);
		if (udp_await(u, len) < 0)
			return -1;
		if (nc_now_s() > t_end) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

static int udp_server(struct udp_nc *u, int domain, int port, long count, double limit)
{
	/* The port sits at the same offset in sockaddr_in and sockaddr_in6. */
	struct sockaddr_in6 sa = { .sin6_family = (sa_family_t)domain,
				   .sin6_port = htons((uint16_t)port) };
	socklen_t sl = domain == AF_INET6 ? sizeof(sa) : sizeof(struct sockaddr_in);
	if (utcp_bind(u->ctx, u->sock, (struct sockaddr *)&sa, sl) < 0 ||
	    utcp_getsockname(u->ctx, u->sock, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	fprintf(stderr, "utcp-nc: listening on port %d\n", ntohs(sa.sin6_port)); /* as TCP's -l */
	double t_end = nc_now_s() + limit;
	while (count < 0 || u->sent < (uint64_t)count) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t r = utcp_recvfrom(u->ctx, u->sock, u->in, sizeof(u->in), 0,
					  (struct sockaddr *)&from, &fl);
		if (r < 0 && errno != EAGAIN)
			return -1;
		if (r < 0) {
			if (nc_now_s() > t_end) {
				if (count < 0)
					return 0; /* no count: the time ends it */
				errno = ETIMEDOUT;
				return -1;
			}
			utcp_ctx_wait(u->ctx, utcp_ctx_now(u->ctx) + 10 * UTCP_NSEC_PER_MSEC);
			continue;
		}
		u->got++;
		u->got_bytes += (uint64_t)r;
		u->rdigest = nc_fnv(u->rdigest, u->in, (size_t)r);
		ssize_t w;
		while ((w = utcp_sendto(u->ctx, u->sock, u->in, (size_t)r, 0,
					(struct sockaddr *)&from, fl)) < 0 && errno == ENOBUFS)
			utcp_ctx_wait(u->ctx, utcp_ctx_now(u->ctx) + UTCP_NSEC_PER_MSEC);
		if (w < 0)
			return -1;
		u->sent++;
		u->sent_bytes += (uint64_t)r;
		u->wdigest = nc_fnv(u->wdigest, u->in, (size_t)r);
		utcp_ctx_poll(u->ctx); /* the echo leaves now */
	}
	/* The last echoes leave with a final round. */
	utcp_ctx_poll(u->ctx);
	return 0;
}

static void udp_report(const struct udp_nc *u, double dt)
{
	const struct utcp_stats *s = utcp_ctx_stats(u->ctx);
	printf("utcp-nc: udp sent %" PRIu64 " datagrams %" PRIu64 " bytes (fnv %016" PRIx64
	       ") received %" PRIu64 " datagrams %" PRIu64 " bytes (fnv %016" PRIx64
	       ") bad %" PRIu64 " in %.3f s; udp_rx %" PRIu64 " udp_tx %" PRIu64
	       " drops %" PRIu64 " port-unreachable-tx %" PRIu64 " icmp6-errors-tx %" PRIu64
	       " udp-cksum-drops %" PRIu64 "\n",
	       u->sent, u->sent_bytes, u->wdigest, u->got, u->got_bytes, u->rdigest, u->bad, dt,
	       s->udp_rx, s->udp_tx, utcp_stats_drops(s), s->icmp_unreach_tx, s->icmp6_err_tx,
	       s->drop_udp_cksum);
}

int nc_udp_main(const char *conf, const char *host, int port, long count, uint32_t size,
		double limit)
{
	static struct udp_nc u;
	struct utcp_config cfg;
	struct utcp_stack *st = nc_stack(conf, &cfg);
	if (st == NULL)
		return 2;
	struct sockaddr_storage to;
	socklen_t tl = 0;
	int domain = AF_INET;
	if (host != NULL) {
		if (udp_host_addr(host, port, &to, &tl) < 0) {
			fprintf(stderr, "utcp-nc: %s: not an IPv4 or IPv6 address\n", host);
			utcp_stack_close(st);
			return 2;
		}
		domain = to.ss_family;
	} else {
		for (int i = 0; i < cfg.nb_ports; i++)
			for (int k = 0; k < 16; k++)
				if (cfg.ports[i].ip6.b[k] != 0)
					domain = AF_INET6;
	}
	u.wdigest = u.rdigest = 0xcbf29ce484222325ull;
	u.ctx = utcp_ctx_create(st, 0);
	double t0 = nc_now_s();
	int rc = u.ctx == NULL ||
		 (u.sock = utcp_socket(u.ctx, domain, SOCK_DGRAM | SOCK_NONBLOCK, 0)) < 0 ||
		 (host != NULL ? udp_client(&u, &to, tl, count < 0 ? 1 : (uint64_t)count, size,
					    limit)
			       : udp_server(&u, domain, port, count, limit)) < 0;
	if (rc)
		fprintf(stderr, "utcp-nc: %s\n", strerror(errno));
	if (u.ctx != NULL) {
		udp_report(&u, nc_now_s() - t0);
		if (u.bad > 0)
			rc = 1;
		utcp_close(u.ctx, u.sock);
		utcp_ctx_destroy(u.ctx);
	}
	utcp_stack_close(st);
	return rc;
}
