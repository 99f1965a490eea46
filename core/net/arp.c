/*
 * core/net/arp.c - Address Resolution Protocol for IPv4 over Ethernet (RFC 826).
 *
 * Call order:
 *   utcp_ctx_create -> utcp_arp_init (static /32 entries from cfg->arp)
 *   utcp_ipv4_output -> utcp_arp_memo (the last destination, still usable)
 *                    -> else utcp_route_lookup, utcp_arp_resolve (hit: MAC;
 *                       miss: request + queue), utcp_arp_memo_set
 *   utcp_eth_input -> utcp_arp_input (merge, learn, answer, release queue)
 *   utcp_timer_run -> arp_timer (age entries, retry or give up requests,
 *                     DELAY -> PROBE, probes, remove the unanswered)
 *   core/tcp (progress, timeouts) -> utcp_arp_confirm, utcp_arp_suspect
 *   utcp_ctx_destroy -> utcp_arp_destroy (free waiting frames)
 *
 * The cache is per context, and so each context must see the ARP frames
 * that concern it: a NIC with several queues delivers ARP to every queue
 * (copies flagged UTCP_PKT_RX_COPY, which teach but are not answered, so a
 * request draws one reply).  The table is open-addressed (linear probing,
 * backward-shift deletion) keyed by the next hop's address.  Dynamic entries
 * live cfg->arp_timeout seconds (<= 0: forever); static entries never age
 * and are never overwritten by what the wire says.  Static entries may cover
 * a prefix (mTCP's arp.conf): the longest one covering a next hop answers
 * for it, and is then cached as a STATIC entry for that address.
 *
 * A miss creates an INCOMPLETE entry, broadcasts one request and parks the
 * frame (IPv4 header built, Ethernet not yet) in the entry's bounded FIFO
 * (UTCP_ARP_PENDING_MAX, core/net/pending.c, shared with IPv6's ND).  Further misses only queue: at most one request
 * per UTCP_ARP_RETRY_NS per address.  After UTCP_ARP_MAX_TRIES requests
 * without an answer, the waiting frames are dropped (arp_queue_drop) and the
 * entry is removed.  One wheel timer per cache fires at the earliest expiry
 * or retry and scans the table (it is small).
 *
 * Trust (RFC 4861 §7.3's neighbour unreachability detection applied to
 * ARP, as Linux does): a frame whose sender MAC is not its Ethernet source
 * is dropped (drop_arp_sha).  A resolved entry is REACHABLE for a random
 * 15-45 s after a confirmation (a reply to our own request, or the upper
 * layer's forward progress through utcp_arp_confirm), then STALE: still
 * used, but its first use moves it to DELAY, and 5 s without a
 * confirmation to PROBE (unicast requests to the cached MAC, then
 * broadcast); unanswered, it is removed.  A repeated retransmission timeout
 * (utcp_arp_suspect, RFC 1122 §2.3.2.1 "higher-layer advice") probes an
 * entry at once.  STALE needs no timer: it is a REACHABLE entry past its
 * time, seen when used.  What the wire teaches otherwise (a request, a
 * gratuitous ARP, a reply we did not ask for) still updates the entry
 * (RFC 826 merge) but leaves it STALE when the MAC changes.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/net.h"

/* The cache: one per context, reached through ctx->arp. */
struct utcp_arp_cache {
	struct utcp_arp_entry_rt e[UTCP_ARP_CACHE_SIZE];
	uint32_t used;
	struct utcp_timer timer;    /* ages entries, retries requests */
	/* Reachable times: a stream of its own, branched off the context's
	 * PRNG without drawing from it (the context's sequence, and so ISNs
	 * and ports, stays what it was). */
	struct utcp_prng prng;
	/* The destination last sent to, its route and its entry's slot
	 * (utcp_arp_memo): one route lookup and one hash less per segment
	 * while a connection talks to one peer. */
	struct {
		uint32_t dst, nexthop, slot;
		int port, valid;
	} last;
};

#define ARP_HLEN 28
#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_MASK (UTCP_ARP_CACHE_SIZE - 1)
#define ARP_MAX_USED (UTCP_ARP_CACHE_SIZE * 3 / 4) /* keep probe chains short */

static const uint8_t eth_bcast[UTCP_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t eth_zero[UTCP_ETH_ALEN];

/* ---- the table ---------------------------------------------------------- */

_Static_assert((UTCP_ARP_CACHE_SIZE & ARP_MASK) == 0, "ARP cache size: a power of two");

/* Fibonacci hashing of the address; the top bits index the table. */
static inline uint32_t arp_home(uint32_t ip)
{
	return (ntohl(ip) * 2654435761u) >> 16 & ARP_MASK;
}

static struct utcp_arp_entry_rt *arp_find(const struct utcp_arp_cache *c, uint32_t ip)
{
	uint32_t i = arp_home(ip);

	for (uint32_t n = 0; n < UTCP_ARP_CACHE_SIZE; n++, i = (i + 1) & ARP_MASK) {
		const struct utcp_arp_entry_rt *e = &c->e[i];
		if (e->state == UTCP_ARP_FREE)
			return NULL;
		if (e->ip == ip)
			return (struct utcp_arp_entry_rt *)e;
	}
	return NULL;
}

static struct utcp_arp_entry_rt *arp_insert(struct utcp_arp_cache *c, uint32_t ip, int port,
					    uint8_t state)
{
	uint32_t i = arp_home(ip);

	if (c->used >= ARP_MAX_USED)
		return NULL;
	while (c->e[i].state != UTCP_ARP_FREE)
		i = (i + 1) & ARP_MASK;
	memset(&c->e[i], 0, sizeof(c->e[i]));
	c->e[i].ip = ip;
	c->e[i].port = (uint8_t)port;
	c->e[i].state = state;
	c->used++;
	return &c->e[i];
}

/* Remove slot i; later members of its probe chain shift back into the hole
 * (Knuth 6.4 Algorithm R), so lookups never need tombstones. */
static void arp_remove(struct utcp_arp_cache *c, uint32_t i)
{
	uint32_t j = i;

	c->e[i].state = UTCP_ARP_FREE;
	c->used--;
	for (;;) {
		j = (j + 1) & ARP_MASK;
		if (c->e[j].state == UTCP_ARP_FREE)
			return;
		uint32_t k = arp_home(c->e[j].ip);
		/* Leave e[j] if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		c->e[i] = c->e[j];
		c->e[j].state = UTCP_ARP_FREE;
		i = j;
	}
}

/* ---- timer -------------------------------------------------------------- */

static void arp_arm(struct utcp_ctx *ctx, utcp_time_t when)
{
	struct utcp_timer *t = &ctx->arp->timer;

	if (when == UTCP_TIME_NEVER)
		return;
	if (!utcp_timer_pending(t) || when < t->expires)
		utcp_timer_add(&ctx->timers, t, when);
}

/* When an entry learned now ages out (cfg->arp_timeout s; <= 0: never). */
static utcp_time_t arp_expiry(const struct utcp_ctx *ctx)
{
	if (ctx->cfg->arp_timeout <= 0)
		return UTCP_TIME_NEVER;
	return ctx->now + (utcp_time_t)ctx->cfg->arp_timeout * UTCP_NSEC_PER_SEC;
}

/* RFC 4861 §6.3.2: ReachableTime, random in [1/2, 3/2) of the base. */
static utcp_time_t arp_reachable_time(struct utcp_ctx *ctx)
{
	return UTCP_ARP_REACHABLE_NS / 2 + utcp_prng_below(&ctx->arp->prng, UTCP_ARP_REACHABLE_NS);
}

/* The entry is known to work now: REACHABLE, and not aged out soon. */
static void arp_confirm_entry(struct utcp_ctx *ctx, struct utcp_arp_entry_rt *e)
{
	e->nud = UTCP_ARP_NUD_REACHABLE;
	e->confirmed = ctx->now;
	e->reach_until = ctx->now + arp_reachable_time(ctx);
	e->tries = 0;
	e->expires = arp_expiry(ctx);
	arp_arm(ctx, e->expires);
}

/* ---- frames ------------------------------------------------------------- */

static void arp_send(struct utcp_ctx *ctx, int port, uint16_t op, const uint8_t *tha,
		     uint32_t tpa, const uint8_t *eth_dst)
{
	struct utcp_pkt *pkt = utcp_ctx_alloc(ctx, port);
	uint32_t spa = ctx->cfg->ports[port].ip;
	uint8_t *a;

	if (pkt == NULL)
		return;
	a = pkt->data;
	pkt->len = ARP_HLEN;
	/* RFC 826 "Packet format": hrd, pro, hln, pln, op, sha, spa, tha, tpa. */
	a[0] = 0;
	a[1] = ARP_HTYPE_ETHER;
	a[2] = UTCP_ETH_P_IPV4 >> 8;
	a[3] = UTCP_ETH_P_IPV4 & 0xff;
	a[4] = UTCP_ETH_ALEN;
	a[5] = 4;
	a[6] = 0;
	a[7] = (uint8_t)op;
	memcpy(a + 8, ctx_mac(ctx, port), UTCP_ETH_ALEN);
	memcpy(a + 14, &spa, 4);
	memcpy(a + 18, tha, UTCP_ETH_ALEN);
	memcpy(a + 24, &tpa, 4);
	if (op == ARP_OP_REQUEST)
		ctx->stats.arp_req_tx++;
	else
		ctx->stats.arp_rep_tx++;
	utcp_eth_output(ctx, port, pkt, eth_dst, UTCP_ETH_P_ARP, UTCP_TX_CTRL);
}

static void arp_request(struct utcp_ctx *ctx, struct utcp_arp_entry_rt *e, utcp_time_t now)
{
	e->tries++;
	e->last_request = now;
	arp_send(ctx, e->port, ARP_OP_REQUEST, eth_zero, e->ip, eth_bcast);
}

/* RFC 4861 §7.3.3 PROBE: unicast to the cached MAC first, then broadcast. */
static void arp_probe(struct utcp_ctx *ctx, struct utcp_arp_entry_rt *e, utcp_time_t now)
{
	int ucast = e->tries < UTCP_ARP_UCAST_PROBES;
	e->nud = UTCP_ARP_NUD_PROBE;
	e->tries++;
	e->last_request = now;
	e->probe_at = now + UTCP_ARP_RETRY_NS;
	ctx->stats.arp_probes++;
	arp_send(ctx, e->port, ARP_OP_REQUEST, ucast ? e->mac : eth_zero, e->ip,
		 ucast ? e->mac : eth_bcast);
	arp_arm(ctx, e->probe_at);
}

static void arp_pending_drop(struct utcp_ctx *ctx, struct utcp_arp_entry_rt *e)
{
	ctx->stats.arp_queue_drop += utcp_pending_drop(ctx, e->port, &e->pending);
}

/* The next hop answered: send what waited for it, in the order it came. */
static void arp_pending_release(struct utcp_ctx *ctx, struct utcp_arp_entry_rt *e)
{
	utcp_pending_release(ctx, e->port, &e->pending, e->mac, UTCP_ETH_P_IPV4);
}

static void arp_pending_add(struct utcp_ctx *ctx, struct utcp_arp_entry_rt *e,
			    struct utcp_pkt *pkt, enum utcp_tx_class cls)
{
	if (utcp_pending_add(&e->pending, pkt, cls, UTCP_ARP_PENDING_MAX) != 0) {
		ctx->stats.arp_queue_drop++;
		utcp_ctx_free(ctx, e->port, pkt);
	}
}

/* ---- aging and retries -------------------------------------------------- */

/* DELAY or PROBE, on the timer: the next probe when it is due.  1 when
 * every probe went unanswered (the entry is to go). */
static int arp_nud_step(struct utcp_ctx *ctx, struct utcp_arp_entry_rt *e, utcp_time_t now)
{
	if (e->probe_at > now)
		return 0;
	if (e->nud == UTCP_ARP_NUD_DELAY)
		e->tries = 0;
	else if (e->tries >= UTCP_ARP_UCAST_PROBES + UTCP_ARP_MCAST_PROBES)
		return 1;
	arp_probe(ctx, e, now);
	return 0;
}

/* Returns 1 if slot i was removed (another entry may now occupy it). */
static int arp_age_one(struct utcp_ctx *ctx, uint32_t i, utcp_time_t now, utcp_time_t *next)
{
	struct utcp_arp_entry_rt *e = &ctx->arp->e[i];
	utcp_time_t due;

	switch (e->state) {
	case UTCP_ARP_REACHABLE:
		if (e->expires <= now) {
			ctx->stats.arp_expired++;
			arp_remove(ctx->arp, i);
			return 1;
		}
		due = e->expires;
		if (e->nud == UTCP_ARP_NUD_DELAY || e->nud == UTCP_ARP_NUD_PROBE) {
			if (arp_nud_step(ctx, e, now)) {
				ctx->stats.arp_unreachable++;
				arp_remove(ctx->arp, i);
				return 1;
			}
			if (e->nud != UTCP_ARP_NUD_REACHABLE && e->probe_at < due)
				due = e->probe_at;
		}
		break;
	case UTCP_ARP_INCOMPLETE:
		due = e->last_request + UTCP_ARP_RETRY_NS;
		if (due <= now) {
			if (e->tries >= UTCP_ARP_MAX_TRIES) {
				arp_pending_drop(ctx, e);
				arp_remove(ctx->arp, i);
				return 1;
			}
			arp_request(ctx, e, now);
			due = now + UTCP_ARP_RETRY_NS;
		}
		break;
	default:
		return 0;
	}
	if (due < *next)
		*next = due;
	return 0;
}

static void arp_timer(struct utcp_timer *t, void *arg, utcp_time_t now)
{
	struct utcp_ctx *ctx = arg;
	utcp_time_t next = UTCP_TIME_NEVER;

	(void)t;
	for (uint32_t i = 0; i < UTCP_ARP_CACHE_SIZE; i++) {
		/* A removal shifts a later entry into slot i: look at it again.
		 * Entries wrapped round from the table's start may be seen twice;
		 * aging is idempotent for a given `now`. */
		while (arp_age_one(ctx, i, now, &next))
			;
	}
	arp_arm(ctx, next);
}

/* ---- init / destroy ----------------------------------------------------- */

int utcp_arp_init(struct utcp_ctx *ctx)
{
	const struct utcp_config *cfg = ctx->cfg;

	ctx->arp = calloc(1, sizeof(*ctx->arp));
	if (ctx->arp == NULL)
		return -1;
	utcp_timer_init(&ctx->arp->timer, arp_timer, ctx);
	utcp_prng_seed(&ctx->arp->prng, ctx->prng.s[0] ^ ctx->prng.s[3] ^ 0x6172702d6e7564ull);
	for (int i = 0; i < cfg->nb_arp; i++) {
		const struct utcp_arp_entry *s = &cfg->arp[i];
		struct utcp_arp_entry_rt *e;
		int port = 0;
		uint32_t nh;

		if (s->prefix < 32 || arp_find(ctx->arp, s->ip) != NULL)
			continue; /* prefixes are matched on demand */
		if (utcp_route_lookup(cfg, s->ip, &port, &nh) != 0)
			port = 0;
		e = arp_insert(ctx->arp, s->ip, port, UTCP_ARP_STATIC);
		if (e != NULL)
			memcpy(e->mac, s->mac, UTCP_ETH_ALEN);
	}
	return 0;
}

void utcp_arp_destroy(struct utcp_ctx *ctx)
{
	if (ctx->arp == NULL)
		return;
	utcp_timer_cancel(&ctx->timers, &ctx->arp->timer);
	for (uint32_t i = 0; i < UTCP_ARP_CACHE_SIZE; i++) {
		struct utcp_arp_entry_rt *e = &ctx->arp->e[i];
		if (e->state == UTCP_ARP_INCOMPLETE)
			arp_pending_drop(ctx, e);
	}
	free(ctx->arp);
	ctx->arp = NULL;
}

/* ---- resolution --------------------------------------------------------- */

/* Longest static prefix entry covering ip (mTCP arp.conf semantics). */
static const struct utcp_arp_entry *arp_static_match(const struct utcp_config *cfg, uint32_t ip)
{
	const struct utcp_arp_entry *best = NULL;

	for (int i = 0; i < cfg->nb_arp; i++) {
		const struct utcp_arp_entry *s = &cfg->arp[i];
		uint8_t plen = s->prefix > 32 ? 32 : s->prefix;
		uint32_t mask = plen == 0 ? 0 : htonl(~0u << (32 - plen));
		if (((ip ^ s->ip) & mask) == 0 && (best == NULL || plen > best->prefix))
			best = s;
	}
	return best;
}

const struct utcp_arp_entry_rt *utcp_arp_lookup(const struct utcp_ctx *ctx, uint32_t ip)
{
	return arp_find(ctx->arp, ip);
}

/* RFC 4861 §7.3.3: a REACHABLE entry past its time is STALE; a STALE
 * entry in use goes to DELAY (probes follow unless confirmed meanwhile). */
static void arp_use_unconfirmed(struct utcp_ctx *ctx, struct utcp_arp_entry_rt *e)
{
	if (e->nud != UTCP_ARP_NUD_REACHABLE && e->nud != UTCP_ARP_NUD_STALE)
		return; /* DELAY or PROBE already */
	e->nud = UTCP_ARP_NUD_DELAY;
	e->probe_at = ctx->now + UTCP_ARP_DELAY_NS;
	arp_arm(ctx, e->probe_at);
}

static struct utcp_arp_entry_rt *arp_nexthop(struct utcp_ctx *ctx, uint32_t dst)
{
	int port;
	uint32_t nh;
	if (utcp_route_lookup(ctx->cfg, dst, &port, &nh) < 0)
		return NULL;
	struct utcp_arp_entry_rt *e = arp_find(ctx->arp, nh);
	return e != NULL && e->state == UTCP_ARP_REACHABLE ? e : NULL;
}

utcp_time_t utcp_arp_confirm(struct utcp_ctx *ctx, uint32_t dst)
{
	struct utcp_arp_entry_rt *e = arp_nexthop(ctx, dst);
	if (e == NULL) /* static, or not resolved: nothing to confirm for now */
		return ctx->now + UTCP_ARP_RETRY_NS;
	arp_confirm_entry(ctx, e);
	return ctx->now + (e->reach_until - ctx->now) / 2;
}

void utcp_arp_suspect(struct utcp_ctx *ctx, uint32_t dst)
{
	struct utcp_arp_entry_rt *e = arp_nexthop(ctx, dst);
	if (e == NULL || e->nud == UTCP_ARP_NUD_PROBE ||
	    ctx->now - e->confirmed < UTCP_ARP_RETRY_NS)
		return;
	e->tries = 0;
	arp_probe(ctx, e, ctx->now);
}

const uint8_t *utcp_arp_resolve(struct utcp_ctx *ctx, int port, uint32_t ip, struct utcp_pkt *pkt,
				enum utcp_tx_class cls)
{
	struct utcp_arp_entry_rt *e = arp_find(ctx->arp, ip);
	const struct utcp_arp_entry *s;

	if (ip == INADDR_BROADCAST)
		return eth_bcast;
	if (e != NULL && e->state != UTCP_ARP_INCOMPLETE) {
		if (e->state == UTCP_ARP_REACHABLE && (e->nud != UTCP_ARP_NUD_REACHABLE ||
						       ctx->now >= e->reach_until))
			arp_use_unconfirmed(ctx, e);
		return e->mac;
	}
	if (e != NULL) {
		/* A request is outstanding; the timer sends the next one. */
		ctx->stats.arp_req_ratelimited++;
		if (pkt != NULL)
			arp_pending_add(ctx, e, pkt, cls);
		return NULL;
	}
	s = arp_static_match(ctx->cfg, ip);
	if (s != NULL) {
		e = arp_insert(ctx->arp, ip, port, UTCP_ARP_STATIC);
		if (e == NULL)
			return s->mac;
		memcpy(e->mac, s->mac, UTCP_ETH_ALEN);
		return e->mac;
	}
	e = arp_insert(ctx->arp, ip, port, UTCP_ARP_INCOMPLETE);
	if (e == NULL) {
		if (pkt != NULL) {
			ctx->stats.arp_queue_drop++;
			utcp_ctx_free(ctx, port, pkt);
		}
		return NULL;
	}
	arp_request(ctx, e, ctx->now);
	if (pkt != NULL)
		arp_pending_add(ctx, e, pkt, cls);
	arp_arm(ctx, ctx->now + UTCP_ARP_RETRY_NS);
	return NULL;
}

/* The routing table is read-only once the stack is open, so the route of
 * the last destination stays right; its entry is checked again on every
 * use (the slot still holds its next hop, STATIC or REACHABLE and
 * confirmed: what utcp_arp_resolve would return with no side effect), so
 * an entry removed, moved, changed or gone stale since falls back to the
 * full path. */
const uint8_t *utcp_arp_memo(struct utcp_ctx *ctx, uint32_t dst, int *port, uint32_t *nexthop)
{
	const struct utcp_arp_cache *c = ctx->arp;
	if (!c->last.valid || c->last.dst != dst)
		return NULL;
	const struct utcp_arp_entry_rt *e = &c->e[c->last.slot];
	if (e->ip != c->last.nexthop ||
	    (e->state != UTCP_ARP_STATIC &&
	     (e->state != UTCP_ARP_REACHABLE || e->nud != UTCP_ARP_NUD_REACHABLE ||
	      ctx->now >= e->reach_until)))
		return NULL;
	*port = c->last.port;
	*nexthop = c->last.nexthop;
	return e->mac;
}

void utcp_arp_memo_set(struct utcp_ctx *ctx, uint32_t dst, int port, uint32_t nexthop)
{
	struct utcp_arp_cache *c = ctx->arp;
	const struct utcp_arp_entry_rt *e = arp_find(c, nexthop);
	c->last.valid = e != NULL;
	if (e == NULL)
		return;
	c->last.dst = dst;
	c->last.nexthop = nexthop;
	c->last.port = port;
	c->last.slot = (uint32_t)(e - c->e);
}

/* ---- input -------------------------------------------------------------- */

/* RFC 826 "Packet Reception": if <pro, spa> is in the table, update its
 * hardware address (merge).  Returns 1 if an entry was found. */
static int arp_merge(struct utcp_ctx *ctx, uint32_t spa, const uint8_t *sha, int reply)
{
	struct utcp_arp_entry_rt *e = arp_find(ctx->arp, spa);

	if (e == NULL)
		return 0;
	if (e->state == UTCP_ARP_STATIC)
		return 1; /* configured entries win over the wire */
	/* RFC 4861 §7.2.5: a reply to a request of ours (resolution or probe)
	 * confirms; anything else that changes the MAC leaves it STALE. */
	int asked = e->state == UTCP_ARP_INCOMPLETE || e->nud == UTCP_ARP_NUD_DELAY ||
		    e->nud == UTCP_ARP_NUD_PROBE;
	int changed = memcmp(e->mac, sha, UTCP_ETH_ALEN) != 0;
	memcpy(e->mac, sha, UTCP_ETH_ALEN);
	e->expires = arp_expiry(ctx);
	arp_arm(ctx, e->expires);
	if (reply && asked)
		arp_confirm_entry(ctx, e);
	else if (changed || e->state == UTCP_ARP_INCOMPLETE)
		e->nud = UTCP_ARP_NUD_STALE;
	if (e->state == UTCP_ARP_INCOMPLETE) {
		e->state = UTCP_ARP_REACHABLE;
		arp_pending_release(ctx, e);
	}
	return 1;
}

/* RFC 826: "If Merge_flag is false, add the triplet" (only when we are the
 * target: a host learns from those that talk to it). */
static void arp_learn(struct utcp_ctx *ctx, int port, uint32_t spa, const uint8_t *sha)
{
	struct utcp_arp_entry_rt *e = arp_insert(ctx->arp, spa, port, UTCP_ARP_REACHABLE);

	if (e == NULL)
		return; /* table full: answer anyway, resolve on demand later */
	memcpy(e->mac, sha, UTCP_ETH_ALEN);
	e->expires = arp_expiry(ctx);
	arp_arm(ctx, e->expires);
}

struct arp_view {
	uint16_t op;
	const uint8_t *sha, *tha;
	uint32_t spa, tpa;
};

static int arp_parse(const struct utcp_eth_view *eth, struct arp_view *a)
{
	const uint8_t *p = eth->payload;

	if (eth->payload_len < ARP_HLEN)
		return UTCP_PARSE_SHORT;
	/* Only Ethernet hardware and IPv4 protocol addresses (RFC 826 ar$hrd,
	 * ar$pro, with the matching lengths). */
	if (p[0] != 0 || p[1] != ARP_HTYPE_ETHER || p[2] != (UTCP_ETH_P_IPV4 >> 8) ||
	    p[3] != (UTCP_ETH_P_IPV4 & 0xff) || p[4] != UTCP_ETH_ALEN || p[5] != 4)
		return UTCP_PARSE_BAD;
	a->op = (uint16_t)(p[6] << 8 | p[7]);
	if (a->op != ARP_OP_REQUEST && a->op != ARP_OP_REPLY)
		return UTCP_PARSE_BAD;
	a->sha = p + 8;
	memcpy(&a->spa, p + 14, 4);
	a->tha = p + 18;
	memcpy(&a->tpa, p + 24, 4);
	return UTCP_PARSE_OK;
}

void utcp_arp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		    const struct utcp_eth_view *eth)
{
	uint32_t our_ip = ctx->cfg->ports[port].ip;
	struct arp_view a;
	int err, merged = 0;

	ctx->stats.arp_rx++;
	err = arp_parse(eth, &a);
	if (err == UTCP_PARSE_SHORT) {
		ctx->stats.drop_arp_short++;
		goto out;
	}
	/* A sender hardware address that is a group address or our own, or a
	 * sender claiming our address (RFC 5227 §2.4 conflict: we keep it),
	 * is not something to learn from. */
	if (err != UTCP_PARSE_OK || (a.sha[0] & 1) ||
	    memcmp(a.sha, ctx_mac(ctx, port), UTCP_ETH_ALEN) == 0 ||
	    (a.spa == our_ip && our_ip != 0)) {
		ctx->stats.drop_arp_bad++;
		goto out;
	}
	/* The sender's MAC must be the frame's own source: a corrupted or
	 * forged address is not learned (Linux drops these too). */
	if (memcmp(a.sha, eth->src, UTCP_ETH_ALEN) != 0) {
		ctx->stats.drop_arp_sha++;
		goto out;
	}
	/* spa 0.0.0.0 is an RFC 5227 probe: answer it, learn nothing. */
	if (a.spa != 0)
		merged = arp_merge(ctx, a.spa, a.sha,
				   a.op == ARP_OP_REPLY && our_ip != 0 && a.tpa == our_ip);
	if (our_ip != 0 && a.tpa == our_ip) {
		if (!merged && a.spa != 0)
			arp_learn(ctx, port, a.spa, a.sha);
		/* RFC 826: "If the opcode is ares_op$REQUEST ... send the
		 * packet to the (new) target hardware address".  When the NIC
		 * hands every queue a copy, only the original is answered. */
		if (a.op == ARP_OP_REQUEST && !(pkt->ol_flags & UTCP_PKT_RX_COPY))
			arp_send(ctx, port, ARP_OP_REPLY, a.sha, a.spa, a.sha);
	} else if (!merged) {
		/* Not for us and nothing cached about the sender (this
		 * includes gratuitous ARP for hosts we never talked to). */
		ctx->stats.drop_arp_not_us++;
	}
out:
	utcp_ctx_free(ctx, port, pkt);
}
