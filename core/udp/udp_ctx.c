/*
 * core/udp/udp_ctx.c - the per-context UDP state: PCBs, local ports,
 * demultiplexing, receive queues.
 *
 * Call order: utcp_udp_ctx_init (context creation) -> udp_pcb_new ->
 * udp_bind / udp_connect (ports: the bind rule, RSS-aware ephemeral
 * ports) -> udp_lookup (udp_input.c, per datagram) -> udp_rq_pop ->
 * udp_pcb_free -> utcp_udp_ctx_destroy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/udp/udp.h"

int utcp_udp_ctx_init(struct utcp_ctx *ctx)
{
	struct utcp_udp_ctx *u = calloc(1, sizeof(*u));
	uint32_t n = ctx->cfg->max_concurrency > 0 ? (uint32_t)ctx->cfg->max_concurrency : 1024;
	if (u == NULL || utcp_pool_init_lazy(&u->pcb_pool, "udp_pcb", sizeof(struct udp_pcb), n) < 0) {
		free(u);
		errno = ENOMEM;
		return -1;
	}
	/* SO_RCVBUF's default is the config's rcvbuf, as for TCP. */
	u->rcvbuf = ctx->cfg->rcvbuf >= UDP_RCVBUF_MIN ? (uint32_t)ctx->cfg->rcvbuf : UDP_RCVBUF_MIN;
	ctx->udp = u;
	return 0;
}

void utcp_udp_ctx_destroy(struct utcp_ctx *ctx)
{
	struct utcp_udp_ctx *u = ctx->udp;
	if (u == NULL)
		return;
	while (u->all != NULL)
		udp_pcb_free(ctx, u->all);
	utcp_pool_destroy(&u->pcb_pool);
	free(u);
	ctx->udp = NULL;
}

struct udp_pcb *udp_pcb_new(struct utcp_ctx *ctx, void *sock)
{
	struct utcp_udp_ctx *u = ctx->udp;
	struct udp_pcb *pcb = utcp_pool_get(&u->pcb_pool);
	if (pcb == NULL) {
		errno = ENOBUFS;
		return NULL;
	}
	memset(pcb, 0, sizeof(*pcb));
	pcb->sock = sock;
	pcb->rcvbuf = u->rcvbuf;
	pcb->next = u->all;
	if (u->all != NULL)
		u->all->prev = pcb;
	u->all = pcb;
	return pcb;
}

static struct udp_pcb **udp_chain(struct utcp_ctx *ctx, uint16_t port)
{
	return &ctx->udp->hash[ntohs(port) & (UDP_HASH - 1)];
}

static void udp_unhash(struct utcp_ctx *ctx, struct udp_pcb *pcb)
{
	if (!pcb->hashed)
		return;
	for (struct udp_pcb **pp = udp_chain(ctx, pcb->local.port); *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == pcb) {
			*pp = pcb->hnext;
			break;
		}
	pcb->hashed = 0;
}

void udp_pcb_free(struct utcp_ctx *ctx, struct udp_pcb *pcb)
{
	struct utcp_udp_ctx *u = ctx->udp;
	while (pcb->rq_head != NULL)
		udp_rq_pop(ctx, pcb);
	udp_unhash(ctx, pcb);
	if (pcb->prev != NULL)
		pcb->prev->next = pcb->next;
	else
		u->all = pcb->next;
	if (pcb->next != NULL)
		pcb->next->prev = pcb->prev;
	utcp_pool_put(&u->pcb_pool, pcb);
}

static int addr_any(const struct utcp_inaddr *a)
{
	static const uint8_t zero[16];
	if (a->family == AF_INET)
		return a->u.v4 == 0;
	return a->family == 0 || memcmp(a->u.v6, zero, 16) == 0;
}

static int addr_eq(const struct utcp_inaddr *a, const struct utcp_inaddr *b)
{
	if (a->family != b->family)
		return 0;
	return a->family == AF_INET ? a->u.v4 == b->u.v4 : memcmp(a->u.v6, b->u.v6, 16) == 0;
}

/* Which datagrams of family fam (AF_INET, AF_INET6) an endpoint bound to
 * `a` takes: 0 none, 1 those to a, 2 every one (bound to any).  An AF_INET
 * socket takes IPv4; an AF_INET6 one (RFC 3493 §3.7, Linux's rules) IPv4
 * too unless v6only, but a mapped address binds it to IPv4 alone and an
 * IPv6 address to IPv6 alone. */
static int ep_takes(const struct udp_pcb *p, const struct utcp_inaddr *a, int fam)
{
	if (a->family == AF_INET)
		return fam != AF_INET ? 0 : a->u.v4 == 0 ? 2 : 1;
	if (!p->v6)
		return fam == AF_INET ? 2 : 0; /* an AF_INET socket not bound yet */
	if (!addr_any(a))
		return fam == AF_INET6;
	return fam == AF_INET6 || !p->v6only ? 2 : 0;
}

/* Two endpoints share an address of some family (Linux's
 * inet_rcv_saddr_equal, with the IPv6 socket's IPv4 side). */
static int ep_overlap(const struct udp_pcb *p, const struct utcp_inaddr *a,
		      const struct udp_pcb *q, const struct utcp_inaddr *b)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	for (int i = 0; i < 2; i++) {
		int ta = ep_takes(p, a, fams[i]), tb = ep_takes(q, b, fams[i]);
		if (ta && tb && (ta == 2 || tb == 2 || addr_eq(a, b)))
			return 1;
	}
	return 0;
}

/* Linux's bind rule for UDP (udp_lib_lport_inuse): another endpoint on
 * the port whose address overlaps ours conflicts unless both set
 * SO_REUSEADDR. */
static int udp_port_free(struct utcp_ctx *ctx, const struct udp_pcb *self,
			 const struct utcp_inaddr *addr, uint16_t port, int reuse)
{
	for (const struct udp_pcb *p = *udp_chain(ctx, port); p != NULL; p = p->hnext) {
		if (p == self || p->local.port != port)
			continue;
		if (!ep_overlap(self, addr, p, &p->local.addr))
			continue;
		if (!(reuse && p->reuse))
			return 0;
	}
	return 1;
}

/* The same for IPv6: the NIC hashes the full addresses (utcp_rss_hash_v6),
 * ours the source the datagrams will carry (RFC 6724, utcp_addr6_source). */
static int udp_rss_ok6(struct utcp_ctx *ctx, const struct utcp_inaddr *addr, uint16_t port,
		       const struct udp_ep *toward)
{
	int nic_port;
	struct utcp_in6 d6, l6, nexthop;
	memcpy(d6.b, toward->addr.u.v6, 16);
	if (utcp_route6_lookup(ctx->cfg, &d6, &nic_port, &nexthop) != 0)
		return 1;
	const struct utcp_nic_caps *caps = &ctx_nic(ctx, nic_port)->caps;
	if (caps->rss != UTCP_RSS_TOEPLITZ || caps->nb_queues <= 1)
		return 1;
	memcpy(l6.b, addr->u.v6, 16);
	if (addr->family != AF_INET6 || utcp_in6_is_unspec(&l6)) {
		const struct utcp_in6 *s6 = utcp_addr6_source(ctx, nic_port, &d6);
		if (s6 == NULL)
			return 1; /* nothing to send from yet: udp_output refuses it */
		l6 = *s6;
	}
	uint32_t h = utcp_rss_hash_v6(caps->rss_key, &d6, &l6, toward->port, port);
	return utcp_rss_queue(caps, h) == ctx->queue;
}

/* Would a datagram from toward to addr:port reach our queue?  (RSS over
 * the 4-tuple, as the NIC hashes UDP; mTCP's mtcp_init_rss per flow.) */
static int udp_rss_ok(struct utcp_ctx *ctx, const struct utcp_inaddr *addr, uint16_t port,
		      const struct udp_ep *toward)
{
	int nic_port;
	uint32_t nexthop;
	if (toward != NULL && toward->addr.family == AF_INET6)
		return udp_rss_ok6(ctx, addr, port, toward);
	if (toward == NULL || toward->addr.family != AF_INET ||
	    utcp_route_lookup(ctx->cfg, toward->addr.u.v4, &nic_port, &nexthop) != 0)
		return 1;
	const struct utcp_nic_caps *caps = &ctx_nic(ctx, nic_port)->caps;
	if (caps->rss != UTCP_RSS_TOEPLITZ || caps->nb_queues <= 1)
		return 1;
	uint32_t laddr = addr->family != AF_INET || addr->u.v4 == 0 ? ctx->cfg->ports[nic_port].ip
								     : addr->u.v4;
	uint32_t h = utcp_rss_hash_v4(caps->rss_key, toward->addr.u.v4, laddr, toward->port, port);
	return utcp_rss_queue(caps, h) == ctx->queue;
}

/* An unused port of the ephemeral range, from a random start; 0 if none. */
static uint16_t udp_ephemeral(struct utcp_ctx *ctx, const struct udp_pcb *pcb,
			      const struct utcp_inaddr *addr, const struct udp_ep *toward)
{
	const uint32_t n = UDP_EPHEMERAL_HI - UDP_EPHEMERAL_LO + 1;
	uint32_t start = (uint32_t)utcp_prng_below(&ctx->prng, n);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = htons((uint16_t)(UDP_EPHEMERAL_LO + (start + i) % n));
		if (udp_port_free(ctx, pcb, addr, port, 0) && udp_rss_ok(ctx, addr, port, toward))
			return port;
	}
	return 0;
}

int udp_bind(struct utcp_ctx *ctx, struct udp_pcb *pcb, const struct udp_ep *local, int reuse,
	     const struct udp_ep *toward)
{
	uint16_t port = local->port;
	if (port == 0 && (port = udp_ephemeral(ctx, pcb, &local->addr, toward)) == 0) {
		errno = EAGAIN; /* Linux: the range is exhausted */
		return -1;
	}
	if (!udp_port_free(ctx, pcb, &local->addr, port, reuse)) {
		errno = EADDRINUSE;
		return -1;
	}
	udp_unhash(ctx, pcb);
	pcb->local.addr = local->addr;
	pcb->local.port = port;
	pcb->reuse = (uint8_t)(reuse != 0);
	struct udp_pcb **head = udp_chain(ctx, port);
	pcb->hnext = *head;
	*head = pcb;
	pcb->hashed = 1;
	return 0;
}

/* The NIC port toward remote and, when the PCB's address is any, the
 * source the route gives (Linux: the route's preferred source; RFC 6724
 * for IPv6).  0, or -1 with errno. */
static int udp_route_src(struct utcp_ctx *ctx, const struct udp_pcb *pcb,
			 const struct udp_ep *remote, struct utcp_inaddr *src)
{
	int nic_port;
	*src = pcb->local.addr;
	if (remote->addr.family == AF_INET) {
		uint32_t nexthop;
		if ((src->family == AF_INET6 && !addr_any(src)) ||
		    utcp_route_lookup(ctx->cfg, remote->addr.u.v4, &nic_port, &nexthop) != 0)
			goto unreach;
		if (addr_any(src)) {
			src->family = AF_INET;
			src->u.v4 = ctx->cfg->ports[nic_port].ip;
		}
		return 0;
	}
	struct utcp_in6 dst, nexthop;
	memcpy(dst.b, remote->addr.u.v6, 16);
	if (remote->addr.family != AF_INET6 || src->family == AF_INET ||
	    utcp_route6_lookup(ctx->cfg, &dst, &nic_port, &nexthop) != 0)
		goto unreach;
	if (addr_any(src)) {
		const struct utcp_in6 *s6 = utcp_addr6_source(ctx, nic_port, &dst);
		if (s6 == NULL) {
			errno = EADDRNOTAVAIL;
			return -1;
		}
		src->family = AF_INET6;
		memcpy(src->u.v6, s6->b, 16);
	}
	return 0;
unreach:
	errno = ENETUNREACH;
	return -1;
}

int udp_connect(struct utcp_ctx *ctx, struct udp_pcb *pcb, const struct udp_ep *remote)
{
	struct utcp_inaddr src;
	if (udp_route_src(ctx, pcb, remote, &src) < 0)
		return -1;
	if (pcb->local.port == 0) {
		struct udp_ep l = pcb->local;
		if (!pcb->v6)
			l.addr.family = AF_INET;
		if (udp_bind(ctx, pcb, &l, pcb->reuse, remote) < 0)
			return -1;
	}
	pcb->local.addr = src; /* Linux: the route's source when it was any */
	pcb->remote = *remote;
	pcb->so_error = 0;
	pcb->pmtu = 0; /* a new path */
	return 0;
}

void udp_disconnect(struct utcp_ctx *ctx, struct udp_pcb *pcb, int reset_addr, int reset_port)
{
	memset(&pcb->remote, 0, sizeof(pcb->remote));
	pcb->pmtu = 0;
	if (reset_addr) { /* any again: 0.0.0.0, or :: for an AF_INET6 socket */
		memset(&pcb->local.addr, 0, sizeof(pcb->local.addr));
		if (!pcb->v6)
			pcb->local.addr.family = AF_INET;
	}
	if (reset_port) {
		udp_unhash(ctx, pcb);
		pcb->local.port = 0;
	}
	pcb->so_error = 0;
}

struct udp_pcb *udp_lookup(struct utcp_ctx *ctx, const struct udp_ep *dst, const struct udp_ep *src)
{
	struct udp_pcb *best = NULL;
	int best_score = -1;
	for (struct udp_pcb *p = *udp_chain(ctx, dst->port); p != NULL; p = p->hnext) {
		if (p->local.port != dst->port)
			continue;
		int takes = ep_takes(p, &p->local.addr, dst->addr.family);
		if (takes == 0 || (takes == 1 && !addr_eq(&p->local.addr, &dst->addr)))
			continue;
		/* Linux compute_score: the datagram's own family first */
		int score = p->v6 == (dst->addr.family == AF_INET6) ? 1 : 0;
		if (takes == 1)
			score += 2;
		if (p->remote.port != 0) {
			if (p->remote.port != src->port || !addr_eq(&p->remote.addr, &src->addr))
				continue;
			score += 4;
		}
		if (score > best_score) {
			best = p;
			best_score = score;
		}
	}
	return best;
}

static uint32_t udp_charge(const struct utcp_pkt *pkt)
{
	return udp_dgram_len(pkt) + UDP_DGRAM_OVERHEAD;
}

void udp_rq_pop(struct utcp_ctx *ctx, struct udp_pcb *pcb)
{
	struct utcp_pkt *pkt = pcb->rq_head;
	if (pkt == NULL)
		return;
	pcb->rq_head = pkt->next;
	if (pcb->rq_head == NULL)
		pcb->rq_tail = NULL;
	pcb->rq_count--;
	pcb->rq_charge -= udp_charge(pkt);
	pkt->next = NULL;
	utcp_ctx_free(ctx, (int)pkt->user, pkt);
}

void udp_dgram_source(const struct utcp_pkt *pkt, struct udp_ep *src)
{
	const uint8_t *ip = pkt->data - pkt->l3_len;
	memset(src, 0, sizeof(*src));
	if ((ip[0] >> 4) == 4) {
		src->addr.family = AF_INET;
		memcpy(&src->addr.u.v4, ip + 12, 4);
	} else { /* RFC 8200 §3: the source at octet 8 of the fixed header */
		src->addr.family = AF_INET6;
		memcpy(src->addr.u.v6, ip + 8, 16);
	}
	memcpy(&src->port, pkt->data, 2);
}

int udp_rq_push(struct utcp_ctx *ctx, struct udp_pcb *pcb, int port, struct utcp_pkt *pkt)
{
	(void)ctx;
	/* Linux __udp_enqueue_schedule_skb: refused once the charge would pass
	 * the bound, except into an empty queue (a datagram larger than a
	 * small SO_RCVBUF still gets through, one at a time). */
	if (pcb->rq_count > 0 && pcb->rq_charge + udp_charge(pkt) > pcb->rcvbuf)
		return -1;
	pkt->user = (uint64_t)port;
	pkt->next = NULL;
	if (pcb->rq_tail != NULL)
		pcb->rq_tail->next = pkt;
	else
		pcb->rq_head = pkt;
	pcb->rq_tail = pkt;
	pcb->rq_count++;
	pcb->rq_charge += udp_charge(pkt);
	return 0;
}
