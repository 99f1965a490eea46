/*
 * core/udp/udp_output.c - datagrams out (RFC 768).
 *
 * Call order: the socket layer (send, sendto, sendmsg, write) ->
 *   udp_output -> (autobind) -> route -> size check against the path MTU
 *   (EMSGSIZE: utcp never fragments) -> buffer from the route's port ->
 *   header, payload, checksum over the pseudo-header -> utcp_ipv4_output
 *   (class DATA; it leaves with the round's flush, or behind ARP).
 */
#include <errno.h>
#include <string.h>

#include "core/base/bytes.h"
#include "core/udp/udp.h"

static uint32_t udp_route_mtu(const struct utcp_ctx *ctx, uint32_t dst, int *port)
{
	uint32_t nexthop;
	if (utcp_route_lookup(ctx->cfg, dst, port, &nexthop) != 0)
		return 0;
	const struct utcp_nic *nic = ctx_nic(ctx, *port);
	return nic->caps.mtu ? nic->caps.mtu : 1500;
}

uint32_t udp_max_payload(const struct utcp_ctx *ctx, const struct udp_ep *dst)
{
	int port;
	uint32_t mtu = dst->addr.family == AF_INET ? udp_route_mtu(ctx, dst->addr.u.v4, &port) : 0;
	return mtu > UTCP_IPV4_HLEN + UTCP_UDP_HLEN ? mtu - UTCP_IPV4_HLEN - UTCP_UDP_HLEN : 0;
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

ssize_t udp_output(struct utcp_ctx *ctx, struct udp_pcb *pcb, const struct udp_ep *dst,
		   const struct iovec *iov, int iovcnt, size_t total)
{
	int port;
	if (dst == NULL)
		dst = &pcb->remote;
	if (pcb->local.port == 0) {
		/* Linux inet_autobind: any address, a free port; here one whose
		 * replies from this first destination reach our queue (RSS). */
		struct udp_ep any = { .addr = { .family = AF_INET } };
		if (udp_bind(ctx, pcb, &any, pcb->reuse, dst) < 0)
			return -1;
	}
	uint32_t mtu = dst->addr.family == AF_INET ? udp_route_mtu(ctx, dst->addr.u.v4, &port) : 0;
	if (mtu == 0) {
		ctx->stats.drop_no_route++;
		errno = ENETUNREACH;
		return -1;
	}
	/* RFC 1122 §4.1.4 leaves fragmentation to IP; utcp sends with DF and
	 * never fragments, so a datagram beyond the path MTU is refused. */
	if (total > UTCP_UDP_MAX_PAYLOAD || total + UTCP_UDP_HLEN + UTCP_IPV4_HLEN > mtu) {
		errno = EMSGSIZE;
		return -1;
	}
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
	struct utcp_inaddr src = pcb->local.addr;
	if (src.family != AF_INET || src.u.v4 == 0) {
		src.family = AF_INET;
		src.u.v4 = ctx->cfg->ports[port].ip;
	}
	/* RFC 768: source port, destination port, length, checksum. */
	uint8_t *d = pkt->data;
	memcpy(d, &pcb->local.port, 2);
	memcpy(d + 2, &dst->port, 2);
	wr16(d + 4, (uint16_t)(total + UTCP_UDP_HLEN));
	d[6] = d[7] = 0;
	udp_gather(d + UTCP_UDP_HLEN, iov, iovcnt, total);
	pkt->len = (uint16_t)(total + UTCP_UDP_HLEN);
	uint16_t ck = utcp_udp_csum(&src, &dst->addr, d, pkt->len);
	memcpy(d + 6, &ck, 2);
	if (utcp_ipv4_output(ctx, pkt, src.u.v4, dst->addr.u.v4, UTCP_IPPROTO_UDP, UTCP_TX_DATA) != 0)
		return -1;
	ctx->stats.udp_tx++;
	return (ssize_t)total;
}
