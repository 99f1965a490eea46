/*
 * core/net/nd.c - IPv6 neighbour discovery over Ethernet (RFC 4861):
 * the neighbour cache, solicitations and advertisements, and duplicate
 * address detection for our addresses (RFC 4862 §5.4).
 *
 * Call order:
 *   utcp_net_init -> utcp_addr6_init -> utcp_nd_init (static entries from
 *                    cfg->neigh6; DAD of each tentative address scheduled)
 *   utcp_ipv6_output -> utcp_nd_resolve (hit: MAC; miss: NS + queue)
 *   utcp_icmp6_input -> utcp_nd_input (NS: learn, answer; NA: resolve,
 *                    confirm, release the queue; DAD conflicts)
 *   utcp_timer_run -> nd_timer (retransmit or give up solicitations,
 *                    REACHABLE -> STALE, DELAY -> PROBE, probes, DAD steps)
 *   core/tcp (progress, timeouts) -> utcp_nd_confirm, utcp_nd_suspect
 *   utcp_net_destroy -> utcp_nd_destroy (free waiting frames)
 *
 * The cache works as the ARP cache does (arp.c): open addressing with
 * backward-shift deletion, one bounded FIFO of frames per unresolved
 * entry (UTCP_ND_PENDING_MAX; core/net/pending.c, ARP's too),
 * one wheel timer that scans the table at the earliest step due.  Its
 * states are RFC 4861 §7.3.2's: INCOMPLETE (multicast solicitations, one
 * per RetransTimer, MAX_MULTICAST_SOLICIT of them), REACHABLE (for a
 * random ReachableTime after a solicited advertisement), STALE (usable;
 * the first use starts DELAY), DELAY (DELAY_FIRST_PROBE_TIME for a
 * confirmation), PROBE (unicast solicitations, MAX_UNICAST_SOLICIT), and
 * STATIC for `<port>.neigh6`.  A STALE entry unused for arp_timeout
 * seconds is removed.
 *
 * DAD runs on the context of core 0 (the one that answers and sends on
 * the link for the stack); the other contexts take the addresses as
 * PREFERRED.  A tentative address gets ip6_dad_transmits solicitations
 * from :: to its solicited-node group after a random delay in
 * [0, MAX_RTR_SOLICITATION_DELAY) (RFC 4862 §5.4.2), then RetransTimer of
 * silence makes it PREFERRED; an NA for it, or an NS from :: for it (another
 * node's DAD) makes it DUPLICATE (§5.4.3-5.4.5): never used, counted.
 */
#include <stdlib.h>
#include <string.h>

#include "core/base/bytes.h"
#include "core/base/hash.h"
#include "core/net/net.h"

struct utcp_nd_cache {
	struct utcp_nd_entry e[UTCP_ND_CACHE_SIZE];
	uint32_t used;
	struct utcp_timer timer;
	struct utcp_prng prng;   /* ReachableTime and DAD delays: a stream of its own */
	uint8_t mcast_mac[UTCP_ETH_ALEN]; /* the last group address resolve returned */
};

#define ND_MASK (UTCP_ND_CACHE_SIZE - 1)
#define ND_MAX_USED (UTCP_ND_CACHE_SIZE * 3 / 4)
#define ND_HLIM 255       /* §7.1: every ND message, sent and received */
#define ND_NS 135
#define ND_NA 136
#define ND_MSG_LEN 24     /* type, code, checksum, flags/reserved, target */
#define ND_OPT_SLLA 1     /* §4.6.1 */
#define ND_OPT_TLLA 2
#define ND_NA_ROUTER 0x80 /* §4.4 */
#define ND_NA_SOLICITED 0x40
#define ND_NA_OVERRIDE 0x20

_Static_assert((UTCP_ND_CACHE_SIZE & ND_MASK) == 0, "ND cache size: a power of two");

/* ---- the table ---------------------------------------------------------- */

static inline uint32_t nd_home(const struct utcp_in6 *a)
{
	uint32_t w[4];
	memcpy(w, a->b, 16);
	return utcp_fmix32(w[0] ^ w[1] ^ w[2] ^ utcp_fmix32(w[3])) & ND_MASK;
}

static struct utcp_nd_entry *nd_find(const struct utcp_nd_cache *c, const struct utcp_in6 *a)
{
	uint32_t i = nd_home(a);

	for (uint32_t n = 0; n < UTCP_ND_CACHE_SIZE; n++, i = (i + 1) & ND_MASK) {
		const struct utcp_nd_entry *e = &c->e[i];
		if (e->state == UTCP_ND_FREE)
			return NULL;
		if (utcp_in6_eq(&e->ip, a))
			return (struct utcp_nd_entry *)e;
	}
	return NULL;
}

static struct utcp_nd_entry *nd_insert(struct utcp_nd_cache *c, const struct utcp_in6 *a,
				       int port, uint8_t state)
{
	uint32_t i = nd_home(a);

	if (c->used >= ND_MAX_USED)
		return NULL;
	while (c->e[i].state != UTCP_ND_FREE)
		i = (i + 1) & ND_MASK;
	memset(&c->e[i], 0, sizeof(c->e[i]));
	c->e[i].ip = *a;
	c->e[i].port = (uint8_t)port;
	c->e[i].state = state;
	c->used++;
	return &c->e[i];
}

/* Knuth 6.4 Algorithm R, as arp_remove. */
static void nd_remove(struct utcp_nd_cache *c, uint32_t i)
{
	uint32_t j = i;

	c->e[i].state = UTCP_ND_FREE;
	c->used--;
	for (;;) {
		j = (j + 1) & ND_MASK;
		if (c->e[j].state == UTCP_ND_FREE)
			return;
		uint32_t k = nd_home(&c->e[j].ip);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		c->e[i] = c->e[j];
		c->e[j].state = UTCP_ND_FREE;
		i = j;
	}
}

static void nd_arm(struct utcp_ctx *ctx, utcp_time_t when)
{
	struct utcp_timer *t = &ctx->nd->timer;

	if (when == UTCP_TIME_NEVER)
		return;
	if (!utcp_timer_pending(t) || when < t->expires)
		utcp_timer_add(&ctx->timers, t, when);
}

/* ---- messages ----------------------------------------------------------- */

/* An NS or NA to dst (MAC dst_mac) from src: §4.3, §4.4, with the link-layer
 * address option of our MAC unless src is :: (§4.3: "MUST NOT be included
 * when the source IP address is the unspecified address"). */
static void nd_send(struct utcp_ctx *ctx, int port, uint8_t type, uint8_t flags,
		    const struct utcp_in6 *target, const struct utcp_in6 *src,
		    const struct utcp_in6 *dst, const uint8_t *dst_mac)
{
	struct utcp_pkt *pkt = utcp_ctx_alloc(ctx, port);
	uint16_t len = ND_MSG_LEN, ck;
	uint8_t *m;

	if (pkt == NULL)
		return;
	m = pkt->data + UTCP_IPV6_HLEN;
	memset(m, 0, ND_MSG_LEN);
	m[0] = type;
	m[4] = flags;
	memcpy(m + 8, target->b, 16);
	if (!utcp_in6_is_unspec(src)) {
		m[24] = type == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
		m[25] = 1; /* units of 8 octets */
		memcpy(m + 26, ctx_mac(ctx, port), UTCP_ETH_ALEN);
		len += 8;
	}
	ck = utcp_csum_fold(utcp_csum_partial(m, len, utcp_csum_pseudo6(src, dst,
									 UTCP_IPPROTO_ICMPV6, len)));
	memcpy(m + 2, &ck, 2);
	utcp_ipv6_build(pkt->data, src, dst, UTCP_IPPROTO_ICMPV6, len, ND_HLIM, 0);
	pkt->len = (uint16_t)(UTCP_IPV6_HLEN + len);
	pkt->l3_len = UTCP_IPV6_HLEN;
	if (type == ND_NS)
		ctx->stats.nd_ns_tx++;
	else
		ctx->stats.nd_na_tx++;
	ctx->stats.ip6_tx++;
	utcp_eth_output(ctx, port, pkt, dst_mac, UTCP_ETH_P_IPV6, UTCP_TX_CTRL);
}

/* A solicitation for target: to its solicited-node group (resolution,
 * DAD) or to the cached MAC (a NUD probe, §7.3.3). */
static void nd_solicit(struct utcp_ctx *ctx, int port, const struct utcp_in6 *target,
		       const struct utcp_in6 *src, const uint8_t *ucast_mac)
{
	struct utcp_in6 dst;
	uint8_t mac[UTCP_ETH_ALEN];

	if (ucast_mac != NULL) {
		dst = *target;
		memcpy(mac, ucast_mac, UTCP_ETH_ALEN);
	} else {
		utcp_in6_solicited_node(target, &dst);
		utcp_in6_mcast_mac(&dst, mac);
	}
	nd_send(ctx, port, ND_NS, 0, target, src, &dst, mac);
}

/* Resolution and probes come from the address that suits the target, or
 * the link-local one (§7.2.2). */
static void nd_solicit_entry(struct utcp_ctx *ctx, struct utcp_nd_entry *e, int ucast)
{
	const struct utcp_in6 *src = utcp_addr6_source(ctx, e->port, &e->ip);
	if (src == NULL)
		src = utcp_addr6_source(ctx, e->port, &utcp_in6_all_nodes);
	e->tries++; /* a try even unsent, so that the entry gives up in time */
	if (src == NULL)
		return; /* no address in use (tentative or duplicate) */
	if (ucast)
		ctx->stats.nd_probes++;
	nd_solicit(ctx, e->port, &e->ip, src, ucast ? e->mac : NULL);
}

/* ---- the pending queue -------------------------------------------------- */

static void nd_pending_drop(struct utcp_ctx *ctx, struct utcp_nd_entry *e)
{
	ctx->stats.nd_queue_drop += utcp_pending_drop(ctx, e->port, &e->pending);
}

static void nd_pending_release(struct utcp_ctx *ctx, struct utcp_nd_entry *e)
{
	utcp_pending_release(ctx, e->port, &e->pending, e->mac, UTCP_ETH_P_IPV6);
}

static void nd_pending_add(struct utcp_ctx *ctx, struct utcp_nd_entry *e, struct utcp_pkt *pkt,
			   enum utcp_tx_class cls)
{
	if (utcp_pending_add(&e->pending, pkt, cls, UTCP_ND_PENDING_MAX) != 0) {
		ctx->stats.nd_queue_drop++;
		utcp_ctx_free(ctx, e->port, pkt);
	}
}

/* ---- states ------------------------------------------------------------- */

/* §6.3.2 ReachableTime: random in [1/2, 3/2) of REACHABLE_TIME. */
static void nd_reachable(struct utcp_ctx *ctx, struct utcp_nd_entry *e)
{
	e->state = UTCP_ND_REACHABLE;
	e->tries = 0;
	e->confirmed = ctx->now;
	e->due = ctx->now + UTCP_ND_REACHABLE_NS / 2 +
		 utcp_prng_below(&ctx->nd->prng, UTCP_ND_REACHABLE_NS);
	nd_arm(ctx, e->due);
}

static void nd_stale(struct utcp_ctx *ctx, struct utcp_nd_entry *e)
{
	e->state = UTCP_ND_STALE;
	e->tries = 0;
	e->due = ctx->cfg->arp_timeout > 0
			 ? ctx->now + (utcp_time_t)ctx->cfg->arp_timeout * UTCP_NSEC_PER_SEC
			 : UTCP_TIME_NEVER;
	nd_arm(ctx, e->due);
}

/* Returns 1 if slot i was removed (another entry may now occupy it). */
static int nd_age_one(struct utcp_ctx *ctx, uint32_t i, utcp_time_t now, utcp_time_t *next)
{
	struct utcp_nd_entry *e = &ctx->nd->e[i];

	if (e->state == UTCP_ND_FREE || e->state == UTCP_ND_STATIC)
		return 0;
	if (e->due <= now) {
		switch (e->state) {
		case UTCP_ND_INCOMPLETE: /* §7.2.2: MAX_MULTICAST_SOLICIT, then give up */
		case UTCP_ND_PROBE:      /* §7.3.3: MAX_UNICAST_SOLICIT */
			if (e->tries >= (e->state == UTCP_ND_PROBE ? UTCP_ND_MAX_UCAST_SOLICIT
								   : UTCP_ND_MAX_MCAST_SOLICIT)) {
				ctx->stats.nd_unreachable++;
				nd_pending_drop(ctx, e);
				nd_remove(ctx->nd, i);
				return 1;
			}
			nd_solicit_entry(ctx, e, e->state == UTCP_ND_PROBE);
			e->due = now + UTCP_ND_RETRANS_NS;
			break;
		case UTCP_ND_REACHABLE:
			nd_stale(ctx, e);
			break;
		case UTCP_ND_STALE:
			ctx->stats.nd_expired++;
			nd_remove(ctx->nd, i);
			return 1;
		case UTCP_ND_DELAY: /* §7.3.3: no confirmation came: probe */
			e->state = UTCP_ND_PROBE;
			e->tries = 0;
			nd_solicit_entry(ctx, e, 1);
			e->due = now + UTCP_ND_RETRANS_NS;
			break;
		}
	}
	if (e->due < *next)
		*next = e->due;
	return 0;
}

/* ---- duplicate address detection (RFC 4862 §5.4) ------------------------ */

static void nd_dad_step(struct utcp_ctx *ctx, int port, struct utcp_addr6 *a, utcp_time_t now,
			utcp_time_t *next)
{
	static const struct utcp_in6 unspec;

	if (a->state != UTCP_ADDR6_TENTATIVE)
		return;
	if (a->dad_at <= now) {
		if (a->dad_sent >= ctx->cfg->ip6_dad_transmits) {
			a->state = UTCP_ADDR6_PREFERRED; /* §5.4.5 not reached: unique */
			return;
		}
		a->dad_sent++;
		nd_solicit(ctx, port, &a->a, &unspec, NULL); /* §5.4.2 */
		a->dad_at = now + UTCP_ND_RETRANS_NS;
	}
	if (a->dad_at < *next)
		*next = a->dad_at;
}

static void nd_dad_duplicate(struct utcp_ctx *ctx, struct utcp_addr6 *a)
{
	ctx->stats.dad_conflicts++;
	a->state = UTCP_ADDR6_DUPLICATE; /* §5.4.5: not assigned; an operator must act */
}

static void nd_timer(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct utcp_ctx *ctx = arg;
	utcp_time_t next = UTCP_TIME_NEVER;

	(void)t;
	for (uint32_t i = 0; i < UTCP_ND_CACHE_SIZE; i++)
		while (nd_age_one(ctx, i, now, &next))
			;
	for (int p = 0; p < ctx->cfg->nb_ports; p++)
		for (int k = 0; k < UTCP_ADDR6_PER_PORT; k++)
			nd_dad_step(ctx, p, &ctx->ip6->addr[p][k], now, &next);
	nd_arm(ctx, next);
}

/* ---- init / destroy ----------------------------------------------------- */

static void nd_dad_schedule(struct utcp_ctx *ctx)
{
	for (int p = 0; p < ctx->cfg->nb_ports; p++) {
		for (int k = 0; k < UTCP_ADDR6_PER_PORT; k++) {
			struct utcp_addr6 *a = &ctx->ip6->addr[p][k];
			if (a->state != UTCP_ADDR6_TENTATIVE)
				continue;
			if (ctx->core != 0) {
				a->state = UTCP_ADDR6_PREFERRED;
				continue;
			}
			a->dad_at = ctx->now + utcp_prng_below(&ctx->nd->prng,
							       UTCP_ND_MAX_RTR_SOLICIT_DELAY_NS);
			nd_arm(ctx, a->dad_at);
		}
	}
}

int utcp_nd_init(struct utcp_ctx *ctx)
{
	const struct utcp_config *cfg = ctx->cfg;

	ctx->nd = calloc(1, sizeof(*ctx->nd));
	if (ctx->nd == NULL)
		return -1;
	utcp_timer_init(&ctx->nd->timer, nd_timer, ctx);
	utcp_prng_seed(&ctx->nd->prng, ctx->prng.s[1] ^ ctx->prng.s[2] ^ 0x6e642d6e75642d36ull);
	for (int i = 0; i < cfg->nb_neigh6; i++) {
		const struct utcp_neigh6_entry *s = &cfg->neigh6[i];
		if (nd_find(ctx->nd, &s->ip6) != NULL)
			continue;
		struct utcp_nd_entry *e = nd_insert(ctx->nd, &s->ip6, s->port, UTCP_ND_STATIC);
		if (e != NULL)
			memcpy(e->mac, s->mac, UTCP_ETH_ALEN);
	}
	nd_dad_schedule(ctx);
	return 0;
}

void utcp_nd_destroy(struct utcp_ctx *ctx)
{
	if (ctx->nd == NULL)
		return;
	utcp_timer_cancel(&ctx->timers, &ctx->nd->timer);
	for (uint32_t i = 0; i < UTCP_ND_CACHE_SIZE; i++)
		if (ctx->nd->e[i].state == UTCP_ND_INCOMPLETE)
			nd_pending_drop(ctx, &ctx->nd->e[i]);
	free(ctx->nd);
	ctx->nd = NULL;
}

/* ---- resolution (§7.2.2) ------------------------------------------------ */

const struct utcp_nd_entry *utcp_nd_lookup(const struct utcp_ctx *ctx, const struct utcp_in6 *ip)
{
	return nd_find(ctx->nd, ip);
}

const uint8_t *utcp_nd_resolve(struct utcp_ctx *ctx, int port, const struct utcp_in6 *ip,
			       struct utcp_pkt *pkt, enum utcp_tx_class cls)
{
	struct utcp_nd_entry *e;

	if (utcp_in6_is_multicast(ip)) { /* §7.2.1: mapped, never resolved */
		utcp_in6_mcast_mac(ip, ctx->nd->mcast_mac);
		return ctx->nd->mcast_mac;
	}
	e = nd_find(ctx->nd, ip);
	if (e != NULL && e->state != UTCP_ND_INCOMPLETE) {
		if (e->state == UTCP_ND_STALE) { /* §7.3.3: first use of a STALE entry */
			e->state = UTCP_ND_DELAY;
			e->due = ctx->now + UTCP_ND_DELAY_NS;
			nd_arm(ctx, e->due);
		}
		return e->mac;
	}
	if (e == NULL) {
		e = nd_insert(ctx->nd, ip, port, UTCP_ND_INCOMPLETE);
		if (e == NULL) {
			if (pkt != NULL) {
				ctx->stats.nd_queue_drop++;
				utcp_ctx_free(ctx, port, pkt);
			}
			return NULL;
		}
		nd_solicit_entry(ctx, e, 0);
		e->due = ctx->now + UTCP_ND_RETRANS_NS;
		nd_arm(ctx, e->due);
	}
	if (pkt != NULL)
		nd_pending_add(ctx, e, pkt, cls);
	return NULL;
}

/* ---- upper-layer advice (§7.3.1) ---------------------------------------- */

/* The resolved, dynamic entry of dst's next hop, or NULL. */
static struct utcp_nd_entry *nd_nexthop(struct utcp_ctx *ctx, const struct utcp_in6 *dst)
{
	struct utcp_in6 nh;
	int port;

	if (utcp_route6_lookup(ctx->cfg, dst, &port, &nh) < 0)
		return NULL;
	struct utcp_nd_entry *e = nd_find(ctx->nd, &nh);
	if (e == NULL || e->state == UTCP_ND_INCOMPLETE || e->state == UTCP_ND_STATIC)
		return NULL;
	return e;
}

/* §7.3.1: "hints from upper-layer protocols that indicate a connection is
 * making forward progress" confirm reachability: REACHABLE from any
 * resolved state (a PROBE or DELAY entry stops probing). */
utcp_time_t utcp_nd_confirm(struct utcp_ctx *ctx, const struct utcp_in6 *dst)
{
	struct utcp_nd_entry *e = nd_nexthop(ctx, dst);
	if (e == NULL) /* static, or not resolved: nothing to confirm for now */
		return ctx->now + UTCP_ND_RETRANS_NS;
	nd_reachable(ctx, e);
	return ctx->now + (e->due - ctx->now) / 2;
}

/* §7.3.3: a neighbour whose reachability is in doubt is probed with
 * unicast solicitations, MAX_UNICAST_SOLICIT of them. */
void utcp_nd_suspect(struct utcp_ctx *ctx, const struct utcp_in6 *dst)
{
	struct utcp_nd_entry *e = nd_nexthop(ctx, dst);
	if (e == NULL || e->state == UTCP_ND_PROBE ||
	    ctx->now - e->confirmed < UTCP_ND_RETRANS_NS)
		return;
	e->state = UTCP_ND_PROBE;
	e->tries = 0;
	nd_solicit_entry(ctx, e, 1);
	e->due = ctx->now + UTCP_ND_RETRANS_NS;
	nd_arm(ctx, e->due);
}

/* ---- input -------------------------------------------------------------- */

/* §7.1: the checks common to NS and NA, and the link-layer address option
 * of type opt_type (NULL if absent).  -1: discard. */
static int nd_validate(const struct utcp_pkt *pkt, const struct utcp_ipv6_view *ip,
		       uint8_t opt_type, const uint8_t **lla)
{
	const uint8_t *m = pkt->data;
	struct utcp_in6 target;

	*lla = NULL;
	if (ip->hlim != ND_HLIM || m[1] != 0 || pkt->len < ND_MSG_LEN)
		return -1;
	memcpy(target.b, m + 8, 16);
	if (utcp_in6_is_multicast(&target))
		return -1;
	/* §7.1.1, §7.1.2: every option has a length greater than zero. */
	for (uint32_t off = ND_MSG_LEN; off < pkt->len;) {
		if (off + 2 > pkt->len || m[off + 1] == 0 || off + m[off + 1] * 8u > pkt->len)
			return -1;
		if (m[off] == opt_type && m[off + 1] == 1)
			*lla = m + off + 2;
		off += m[off + 1] * 8u;
	}
	return 0;
}

/* §7.2.3: what an NS from a unicast source with its link-layer address
 * teaches (the entry is created or its MAC updated, STALE). */
static void nd_learn(struct utcp_ctx *ctx, int port, const struct utcp_in6 *src,
		     const uint8_t *lla)
{
	struct utcp_nd_entry *e = nd_find(ctx->nd, src);

	if (e == NULL) {
		e = nd_insert(ctx->nd, src, port, UTCP_ND_STALE);
		if (e == NULL)
			return;
		memcpy(e->mac, lla, UTCP_ETH_ALEN);
		nd_stale(ctx, e);
		return;
	}
	if (e->state == UTCP_ND_STATIC)
		return;
	int was_incomplete = e->state == UTCP_ND_INCOMPLETE;
	if (was_incomplete || memcmp(e->mac, lla, UTCP_ETH_ALEN) != 0) {
		memcpy(e->mac, lla, UTCP_ETH_ALEN);
		nd_stale(ctx, e);
	}
	if (was_incomplete)
		nd_pending_release(ctx, e);
}

static void nd_ns_input(struct utcp_ctx *ctx, int port, const struct utcp_pkt *pkt,
			const struct utcp_ipv6_view *ip)
{
	struct utcp_in6 target, sn;
	const uint8_t *lla;
	int from_dad = utcp_in6_is_unspec(&ip->src);

	ctx->stats.nd_ns_rx++;
	memcpy(target.b, pkt->data + 8, 16);
	utcp_in6_solicited_node(&target, &sn);
	/* §7.1.1: from ::, only to a solicited-node group, without SLLA. */
	if (nd_validate(pkt, ip, ND_OPT_SLLA, &lla) < 0 ||
	    (from_dad && (!utcp_in6_eq(&ip->dst, &sn) || lla != NULL))) {
		ctx->stats.drop_nd_bad++;
		return;
	}
	struct utcp_addr6 *a = utcp_addr6_find(ctx, port, &target);
	if (a == NULL || a->state == UTCP_ADDR6_DUPLICATE)
		return; /* §7.2.3: not a target of ours */
	if (a->state == UTCP_ADDR6_TENTATIVE) {
		/* RFC 4862 §5.4.3: another node's DAD for the same address. */
		if (from_dad)
			nd_dad_duplicate(ctx, a);
		return;
	}
	if (!from_dad && lla != NULL)
		nd_learn(ctx, port, &ip->src, lla);
	if (pkt->ol_flags & UTCP_PKT_RX_COPY)
		return; /* a copy for this queue's cache: the original is answered */
	/* §7.2.4: solicited, override, to the source; to all nodes when the
	 * source is ::. */
	const uint8_t *eth_src = pkt->data - pkt->l3_len - UTCP_ETH_HLEN + UTCP_ETH_ALEN;
	uint8_t mac[UTCP_ETH_ALEN];
	if (from_dad) {
		utcp_in6_mcast_mac(&utcp_in6_all_nodes, mac);
		nd_send(ctx, port, ND_NA, ND_NA_OVERRIDE, &target, &a->a, &utcp_in6_all_nodes, mac);
		return;
	}
	memcpy(mac, lla != NULL ? lla : eth_src, UTCP_ETH_ALEN);
	nd_send(ctx, port, ND_NA, ND_NA_SOLICITED | ND_NA_OVERRIDE, &target, &a->a, &ip->src, mac);
}

/* §7.2.5: an advertisement for an entry we have. */
static void nd_na_update(struct utcp_ctx *ctx, struct utcp_nd_entry *e, uint8_t flags,
			 const uint8_t *lla)
{
	int solicited = flags & ND_NA_SOLICITED, override = flags & ND_NA_OVERRIDE;

	if (e->state == UTCP_ND_STATIC)
		return;
	if (e->state == UTCP_ND_INCOMPLETE) {
		if (lla == NULL)
			return;
		memcpy(e->mac, lla, UTCP_ETH_ALEN);
		if (solicited)
			nd_reachable(ctx, e);
		else
			nd_stale(ctx, e);
		e->is_router = (flags & ND_NA_ROUTER) != 0;
		nd_pending_release(ctx, e);
		return;
	}
	int differs = lla != NULL && memcmp(e->mac, lla, UTCP_ETH_ALEN) != 0;
	if (!override && differs) {
		if (e->state == UTCP_ND_REACHABLE)
			nd_stale(ctx, e);
		return;
	}
	if (lla != NULL)
		memcpy(e->mac, lla, UTCP_ETH_ALEN);
	if (solicited)
		nd_reachable(ctx, e);
	else if (differs)
		nd_stale(ctx, e);
	e->is_router = (flags & ND_NA_ROUTER) != 0;
}

static void nd_na_input(struct utcp_ctx *ctx, int port, const struct utcp_pkt *pkt,
			const struct utcp_ipv6_view *ip)
{
	struct utcp_in6 target;
	const uint8_t *lla;
	uint8_t flags = pkt->len >= ND_MSG_LEN ? pkt->data[4] : 0;

	ctx->stats.nd_na_rx++;
	/* §7.1.2: to a group, the solicited flag must be clear. */
	if (nd_validate(pkt, ip, ND_OPT_TLLA, &lla) < 0 ||
	    (utcp_in6_is_multicast(&ip->dst) && (flags & ND_NA_SOLICITED))) {
		ctx->stats.drop_nd_bad++;
		return;
	}
	memcpy(target.b, pkt->data + 8, 16);
	struct utcp_addr6 *a = utcp_addr6_find(ctx, port, &target);
	if (a != NULL) {
		/* RFC 4862 §5.4.4: someone owns our tentative address.  For
		 * one in use (§5.4.4's last paragraph) it is only counted. */
		if (a->state == UTCP_ADDR6_TENTATIVE)
			nd_dad_duplicate(ctx, a);
		else
			ctx->stats.dad_conflicts++;
		return;
	}
	struct utcp_nd_entry *e = nd_find(ctx->nd, &target);
	if (e != NULL)
		nd_na_update(ctx, e, flags, lla);
}

void utcp_nd_input(struct utcp_ctx *ctx, int port, const struct utcp_pkt *pkt,
		   const struct utcp_ipv6_view *ip)
{
	if (pkt->data[0] == ND_NS)
		nd_ns_input(ctx, port, pkt, ip);
	else
		nd_na_input(ctx, port, pkt, ip);
}
