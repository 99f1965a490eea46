/*
 * core/net/ipv4.c - Internet Protocol version 4 (RFC 791), no fragmentation.
 *
 * Receive: utcp_eth_input -> utcp_ipv4_input -> utcp_ipv4_parse (checked view)
 *          -> destination check -> ctx->l4_input[protocol]: utcp_icmp_input,
 *          utcp_tcp_input, ... (each upper layer registers itself at context
 *          creation with utcp_ipv4_set_handler).
 * Transmit: ICMP / TCP -> utcp_ipv4_output -> utcp_route_lookup -> header
 *           -> utcp_arp_resolve -> utcp_eth_output (or wait behind ARP);
 *           the last destination's route and MAC come from utcp_arp_memo.
 *
 * Fragments are dropped (drop_ip_frag): utcp always sends with DF and TCP
 * segments fit the MSS, so reassembly buys nothing but an attack surface.
 * Options are accepted and skipped (RFC 1122 §3.2.1.8: "silently ignore" the
 * ones not implemented).  Only datagrams for the receiving port's address are
 * accepted (strong end system model, RFC 1122 §3.3.4.2).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/net/net.h"
#include "core/net/ipv4_out.h"
#include "core/base/bytes.h"

/* Count a parse failure under its one drop reason. */
static void ipv4_count_drop(struct utcp_stats *s, int err)
{
	switch (err) {
	case UTCP_PARSE_SHORT:
		s->drop_ip_short++;
		break;
	case UTCP_PARSE_VERSION:
		s->drop_ip_version++;
		break;
	case UTCP_PARSE_IHL:
		s->drop_ip_ihl++;
		break;
	case UTCP_PARSE_LEN:
		s->drop_ip_len++;
		break;
	case UTCP_PARSE_CKSUM:
		s->drop_ip_cksum++;
		break;
	default:
		s->drop_ip_frag++;
		break;
	}
}

/* RFC 1122 §3.2.1.3: a source must be a unicast address of another host:
 * not 0.0.0.0 (we speak no BOOTP), not loopback (127/8), not multicast or
 * class E (224/3, which includes limited broadcast), and not our own. */
static int ipv4_src_ok(uint32_t src, uint32_t our)
{
	uint8_t first = (uint8_t)(ntohl(src) >> 24);

	return src != 0 && first != 127 && first < 224 && src != our;
}

void utcp_ipv4_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_eth_view *eth)
{
	int verify = !(pkt->ol_flags & UTCP_PKT_RX_IP_CKSUM_GOOD);
	struct utcp_ipv4_view ip;
	int err;

	ctx->stats.ip_rx++;
	err = utcp_ipv4_parse(eth->payload, eth->payload_len, verify, &ip);
	if (err != UTCP_PARSE_OK) {
		ipv4_count_drop(&ctx->stats, err);
		goto drop;
	}
	if (ip.dst != ctx->cfg->ports[port].ip) {
		ctx->stats.drop_ip_dst++;
		goto drop;
	}
	if (!ipv4_src_ok(ip.src, ip.dst)) {
		ctx->stats.drop_ip_src++;
		goto drop;
	}
	/* The packet now starts at the L4 header and ends with the datagram. */
	utcp_pkt_pull(pkt, (uint16_t)(UTCP_ETH_HLEN + ip.hlen));
	pkt->len = ip.payload_len;
	pkt->l2_len = UTCP_ETH_HLEN;
	pkt->l3_len = ip.hlen;
	/* RFC 791 §3.1 Protocol: the upper layer registered for it, if any
	 * (RFC 1122 §3.2.2.1 would answer Protocol Unreachable; utcp counts). */
	if (ctx->l4_input[ip.proto] != NULL) {
		ctx->l4_input[ip.proto](ctx, port, pkt, &ip);
		return;
	}
	ctx->stats.drop_ip_proto++;
drop:
	utcp_ctx_free(ctx, port, pkt);
}

static uint16_t ipv4_mtu(const struct utcp_nic *nic)
{
	return nic->caps.mtu ? nic->caps.mtu : 1500;
}

/* A TSO frame's segments on the wire (pkt->data at the IPv4 header, the
 * TCP header behind it): each takes an identification of its own. */
static uint32_t ipv4_tso_segs(const struct utcp_pkt *pkt)
{
	const uint8_t *th = pkt->data + UTCP_IPV4_HLEN;
	uint32_t pay = pkt->len - UTCP_IPV4_HLEN - (uint32_t)(th[12] >> 4) * 4u;
	return pkt->tso_segsz ? (pay + pkt->tso_segsz - 1u) / pkt->tso_segsz : 1;
}

/* Build the 20-byte header in front of the L4 data (RFC 791 §3.1). */
static void ipv4_build(struct utcp_ctx *ctx, const struct utcp_nic *nic, struct utcp_pkt *pkt,
		       uint32_t src, uint32_t dst, uint8_t proto, uint8_t tos, int df)
{
	uint8_t *h = pkt->data;

	h[0] = 0x45;                /* version 4, IHL 5: we send no options */
	h[1] = tos;                 /* DSCP/ECN */
	wr16(h + 2, pkt->len);
	wr16(h + 4, ctx->ip_id++);  /* RFC 6864: unique per (src, dst, proto) while in flight */
	if (pkt->ol_flags & UTCP_PKT_TX_TCP_SEG) /* the NIC numbers the segments on */
		ctx->ip_id = (uint16_t)(ctx->ip_id + ipv4_tso_segs(pkt) - 1);
	wr16(h + 6, df ? UTCP_IP_DF : 0); /* RFC 1191: path MTU discovery, never fragmented */
	h[8] = UTCP_IP_DEFAULT_TTL; /* RFC 1700 / RFC 1122 §3.2.1.7 */
	h[9] = proto;
	h[10] = h[11] = 0;
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	pkt->l2_len = UTCP_ETH_HLEN;
	pkt->l3_len = UTCP_IPV4_HLEN;
	if (nic->caps.offloads & UTCP_NIC_TX_IPV4_CKSUM) {
		pkt->ol_flags |= UTCP_PKT_TX_IP_CKSUM;
	} else {
		uint16_t ck = utcp_csum_fold(utcp_csum_hdr20(h));
		memcpy(h + 10, &ck, 2);
	}
}

int utcp_ipv4_output(struct utcp_ctx *ctx, struct utcp_pkt *pkt, uint32_t src, uint32_t dst,
		     uint8_t proto, enum utcp_tx_class cls)
{
	return utcp_ipv4_output_tos(ctx, pkt, src, dst, proto, cls, 0, 1);
}

int utcp_ipv4_output_tos(struct utcp_ctx *ctx, struct utcp_pkt *pkt, uint32_t src, uint32_t dst,
			 uint8_t proto, enum utcp_tx_class cls, uint8_t tos, int df)
{
	const struct utcp_nic *nic;
	const uint8_t *mac;
	uint32_t nexthop;
	int port, err;

	if (utcp_ipv4_out_memo(ctx, pkt, src, dst, proto, cls, tos, df))
		return 0; /* the usual case */
	mac = utcp_arp_memo(ctx, dst, &port, &nexthop);
	if (mac == NULL && utcp_route_lookup(ctx->cfg, dst, &port, &nexthop) != 0) {
		ctx->stats.drop_no_route++;
		/* The caller allocated without a route: only port 0 is possible. */
		utcp_ctx_free(ctx, 0, pkt);
		errno = ENETUNREACH;
		return -1;
	}
	nic = ctx_nic(ctx, port);
	if (pkt->len > ipv4_mtu(nic) - UTCP_IPV4_HLEN && !(pkt->ol_flags & UTCP_PKT_TX_TCP_SEG)) {
		err = EMSGSIZE;
		goto fail;
	}
	if (utcp_pkt_push(pkt, UTCP_IPV4_HLEN) == NULL) {
		err = ENOBUFS;
		goto fail;
	}
	if (src == 0)
		src = ctx->cfg->ports[port].ip;
	ipv4_build(ctx, nic, pkt, src, dst, proto, tos, df);
	ctx->stats.ip_tx++;
	if (mac == NULL) {
		mac = utcp_arp_resolve(ctx, port, nexthop, pkt, cls);
		if (mac != NULL && nexthop != INADDR_BROADCAST)
			utcp_arp_memo_set(ctx, dst, port, nexthop);
	}
	if (mac != NULL)
		utcp_eth_output(ctx, port, pkt, mac, UTCP_ETH_P_IPV4, cls);
	return 0;
fail:
	utcp_ctx_free(ctx, port, pkt);
	errno = err;
	return -1;
}

void utcp_ipv4_set_handler(struct utcp_ctx *ctx, uint8_t proto, utcp_l4_input_fn fn)
{
	ctx->l4_input[proto] = fn;
}

void utcp_ipv4_set_error_handler(struct utcp_ctx *ctx, uint8_t proto, utcp_l4_error_fn fn)
{
	ctx->l4_error[proto] = fn;
}
