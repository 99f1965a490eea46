/*
 * core/udp/udp_output.c - datagrams out (RFC 768).
 *
 * Call order: the socket layer (send, sendto, sendmsg, write) ->
 *   udp_output -> (autobind) -> route (IPv4 or IPv6, by the destination's
 *   family) -> size check against the path MTU (EMSGSIZE: utcp never
 *   fragments) -> source address -> buffer from the route's port ->
 *   header, payload, checksum over the pseudo-header -> utcp_ipv4_output
 *   or utcp_ipv6_output (class DATA; it leaves with the round's flush, or
 *   behind ARP / neighbour discovery).
 */
#include <errno.h>
#include <string.h>

#include "core/base/bytes.h"
#include "core/udp/udp.h"

static uint32_t udp_nic_mtu(const struct utcp_ctx *ctx, int port)
{
	const struct utcp_nic *nic = ctx_nic(ctx, port);
	return nic->caps.mtu ? nic->caps.mtu : 1500;
}

/* The NIC port toward dst and the largest payload a datagram to it may
 * carry: the link MTU less the IP and UDP headers (RFC 8200 §5: IPv6
 * never fragments on the way; utcp does not at the source either).  0
 * when there is no route. */
static uint32_t udp_route_room(const struct utcp_ctx *ctx, const struct udp_ep *dst, int *port)
{
	uint32_t mtu, hlen;
	if (dst->addr.family == AF_INET) {
		uint32_t nexthop;
		if (utcp_route_lookup(ctx->cfg, dst->addr.u.v4, port, &nexthop) != 0)
			return 0;
		mtu = udp_nic_mtu(ctx, *port);
		hlen = UTCP_IPV4_HLEN;
	} else if (dst->addr.family == AF_INET6) {
		struct utcp_in6 d6, nexthop;
		memcpy(d6.b, dst->addr.u.v6, 16);
		/* No group membership of our own to send from, no loopback. */
		if (utcp_in6_is_multicast(&d6) || utcp_in6_is_unspec(&d6) ||
		    utcp_route6_lookup(ctx->cfg, &d6, port, &nexthop) != 0)
			return 0;
		mtu = udp_nic_mtu(ctx, *port);
		hlen = UTCP_IPV6_HLEN;
	} else {
		return 0;
	}
	return mtu > hlen + UTCP_UDP_HLEN ? mtu - hlen - UTCP_UDP_HLEN : 0;
}

uint32_t udp_max_payload(const struct utcp_ctx *ctx, const struct udp_ep *dst)
{
	int port;
	return udp_route_room(ctx, dst, &port);
}

/* The source for a datagram to dst out of NIC port `port`: the PCB's
 * address, or the port's (IPv4) / the RFC 6724 choice (IPv6) when it is
 * any.  0, or -1 with errno ENETUNREACH (the PCB is bound to the other
 * family) / EADDRNOTAVAIL (the IPv6 address needed is tentative). */
static int udp_source(struct utcp_ctx *ctx, const struct udp_pcb *pcb, const struct udp_ep *dst,
		      int port, struct utcp_inaddr *src)
{
	static const uint8_t zero[16];
	*src = pcb->local.addr;
	int any = src->family == 0 || (src->family == AF_INET && src->u.v4 == 0) ||
		  (src->family == AF_INET6 && memcmp(src->u.v6, zero, 16) == 0);
	if (!any) {
		if (src->family == dst->addr.family)
			return 0;
		errno = ENETUNREACH;
		return -1;
	}
	src->family = dst->addr.family;
	if (dst->addr.family == AF_INET) {
		src->u.v4 = ctx->cfg->ports[port].ip;
		return 0;
	}
	struct utcp_in6 d6;
	memcpy(d6.b, dst->addr.u.v6, 16);
	const struct utcp_in6 *s6 = utcp_addr6_source(ctx, port, &d6);
	if (s6 == NULL) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	memcpy(src->u.v6, s6->b, 16);
	return 0;
}

/* The datagram built at pkt->data, to IPv4 or IPv6. */
static int udp_ip_output(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
			 const struct utcp_inaddr *src, const struct utcp_inaddr *dst)
{
	if (dst->family == AF_INET)
		return utcp_ipv4_output(ctx, pkt, src->u.v4, dst->u.v4, UTCP_IPPROTO_UDP,
					UTCP_TX_DATA);
	struct utcp_in6 s6, d6;
	memcpy(s6.b, src->u.v6, 16);
	memcpy(d6.b, dst->u.v6, 16);
	return utcp_ipv6_output(ctx, port, pkt, &s6, &d6, UTCP_IPPROTO_UDP, 0, UTCP_TX_DATA);
}

/* Gather iov into the buffer after the header. */
static void udp_gather(uint8_t *d, const struct iovec *iov, int iovcnt, size_t total)
{
	size_t off = 0;
	for (int i = 0; i < iovcnt && off < total; i++) {
		size_t n = iov[i].iov_len < total - off ? iov[i].iov_len : total - off;
		if (n > 0)
			memcpy(d + off, iov[i].iov_base, n);
		off += n;
	}
}

/* dst is the connected IPv6 peer's address (whose path MTU we know). */
static int udp_to_peer(const struct udp_pcb *pcb, const struct udp_ep *dst)
{
	return dst == &pcb->remote ||
	       (dst->addr.family == AF_INET6 && pcb->remote.addr.family == AF_INET6 &&
		memcmp(dst->addr.u.v6, pcb->remote.addr.u.v6, 16) == 0);
}

ssize_t udp_output(struct utcp_ctx *ctx, struct udp_pcb *pcb, const struct udp_ep *dst,
		   const struct iovec *iov, int iovcnt, size_t total)
{
	int port;
	struct utcp_inaddr src;
	if (dst == NULL)
		dst = &pcb->remote;
	if (pcb->local.port == 0) {
		/* Linux inet_autobind: any address, a free port; here one whose
		 * replies from this first destination reach our queue (RSS). */
		struct udp_ep any = { .addr = { .family = pcb->v6 ? 0 : AF_INET } };
		if (udp_bind(ctx, pcb, &any, pcb->reuse, dst) < 0)
			return -1;
	}
	uint32_t room = udp_route_room(ctx, dst, &port);
	if (room == 0) {
		ctx->stats.drop_no_route++;
		errno = ENETUNREACH;
		return -1;
	}
	if (pcb->pmtu != 0 && udp_to_peer(pcb, dst) &&
	    room > (uint32_t)pcb->pmtu - UTCP_IPV6_HLEN - UTCP_UDP_HLEN)
		room = (uint32_t)pcb->pmtu - UTCP_IPV6_HLEN - UTCP_UDP_HLEN; /* RFC 8201 */
	/* RFC 1122 §4.1.4 leaves fragmentation to IP; utcp sends with DF and
	 * never fragments (RFC 8200 §5 for IPv6), so a datagram beyond the
	 * path MTU is refused. */
	if (total > UTCP_UDP_MAX_PAYLOAD || total > room) {
		errno = EMSGSIZE;
		return -1;
	}
	if (udp_source(ctx, pcb, dst, port, &src) < 0)
		return -1;
	struct utcp_pkt *pkt = utcp_ctx_alloc(ctx, port);
	if (pkt == NULL) {
		errno = ENOBUFS;
		return -1;
	}
	if (utcp_pkt_tailroom(pkt) < total + UTCP_UDP_HLEN) {
		utcp_ctx_free(ctx, port, pkt);
		errno = EMSGSIZE;
		return -1;
	}
	/* RFC 768: source port, destination port, length, checksum (RFC 8200
	 * §8.1: over the IPv6 pseudo-header, never left out). */
	uint8_t *d = pkt->data;
	memcpy(d, &pcb->local.port, 2);
	memcpy(d + 2, &dst->port, 2);
	wr16(d + 4, (uint16_t)(total + UTCP_UDP_HLEN));
	d[6] = d[7] = 0;
	udp_gather(d + UTCP_UDP_HLEN, iov, iovcnt, total);
	pkt->len = (uint16_t)(total + UTCP_UDP_HLEN);
	uint16_t ck = utcp_udp_csum(&src, &dst->addr, d, pkt->len);
	memcpy(d + 6, &ck, 2);
	if (udp_ip_output(ctx, port, pkt, &src, &dst->addr) != 0)
		return -1;
	ctx->stats.udp_tx++;
	return (ssize_t)total;
}
