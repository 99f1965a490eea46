/*
 * sim/sim_nic.c - the simulated NIC: struct utcp_nic_ops over a link of
 * the simulated world.
 *
 * Call order: utcp_sim_nic_create (or utcp_sim_nic_open_cfg from the
 * registry) -> utcp_sim_link_attach -> per queue: alloc / tx_burst /
 * rx_burst / free, wait -> close (from utcp_stack_close).
 *
 * Per queue: a preallocated pool of packet buffers and an rx ring of frames
 * delivered by the link.  tx_burst hands the buffers themselves to the link
 * (zero copy); whoever finally frees a buffer returns it to the pool in
 * pkt->owner, the sending queue's pool (see sim_int.h for why that is
 * safe).  now() is the world's virtual clock; wait() yields to the world
 * when called from a coroutine (host.c) and returns at once otherwise.
 *
 * Receive steering, as an RSS NIC with the symmetric Toeplitz key does it:
 * IPv4 TCP/UDP frames (not fragments) go to the queue the hash of their
 * 4-tuple selects through the redirection table.  ARP and other non-IPv4
 * frames, and ICMP, go to every queue: each context keeps its own ARP
 * cache (no state is shared between contexts), and an echo reply or an ICMP
 * error must reach whichever context it concerns.  Queue 0 gets the frame,
 * the other queues a copy from their own pool flagged UTCP_PKT_RX_COPY (so
 * that only one context answers an ARP request).  The exception is the ICMP
 * echo request, which must be answered once: it goes to queue 0 only, like
 * every other IPv4 frame that carries no ports.
 *
 * Checksums: by default no offloads, so the stack computes and verifies every
 * checksum in software and corruption on a link is caught by the stack
 * itself.  utcp_sim_nic_set_offload() makes a NIC offer TCP checksum offload
 * the way a virtio NIC or the kernel's loopback does it: a segment leaves
 * with only its pseudo-header sum (the frame keeps UTCP_PKT_TX_TCP_CKSUM on
 * the wire) and an offloading receiver takes it as verified, so neither end
 * sums the segment.  Whatever must see a finished frame finishes it first:
 * a receiver without offload, the capture, and a link about to corrupt it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire/wire.h"
#include "sim/sim_int.h"
#include "core/base/bytes.h"

#define SIM_MTU 1500
#define SIM_RETA_SIZE 128
#define SIM_DEFAULT_RX_RING 1024
#define STEER_ALL 0xffff

static const struct utcp_nic_ops sim_ops;

struct sim_nic *sim_nic_of(const struct utcp_nic *nic)
{
	return nic != NULL && nic->ops == &sim_ops ? nic->priv : NULL;
}

int utcp_sim_nic_is_sim(const struct utcp_nic *nic)
{
	return sim_nic_of(nic) != NULL;
}

int utcp_sim_nic_set_offload(struct utcp_nic *nic, int on)
{
	struct sim_nic *n = sim_nic_of(nic);
	if (n == NULL) {
		errno = EINVAL;
		return -1;
	}
	n->offload = on != 0;
	nic->caps.offloads &= UTCP_NIC_TX_TCP_TSO | UTCP_NIC_RX_TCP_LRO;
	nic->caps.offloads |= on ? UTCP_NIC_RX_TCP_CKSUM | UTCP_NIC_TX_TCP_CKSUM : 0;
	return 0;
}

/* Bytes of a large buffer: the headroom and a 64 KiB frame. */
#define SIM_LARGE_BUF (UTCP_PKT_HEADROOM + 65536)

static int large_init(struct sim_nic *n)
{
	for (uint16_t q = 0; q < n->nb_queues; q++)
		if (utcp_pkt_pool_init(&n->q[q].large, n->q[q].pool_name, SIM_LARGE_BUF,
				       UTCP_SIM_TSO_BUFS) < 0) {
			while (q-- > 0)
				utcp_pkt_pool_destroy(&n->q[q].large);
			return -1;
		}
	n->has_large = 1;
	return 0;
}

int utcp_sim_nic_set_tso(struct utcp_nic *nic, uint32_t tso_max, int gro)
{
	struct sim_nic *n = sim_nic_of(nic);
	if (n == NULL || tso_max > 65535 || (tso_max != 0 && tso_max <= UTCP_ETH_HLEN + SIM_MTU)) {
		errno = EINVAL;
		return -1;
	}
	if ((tso_max != 0 || gro) && !n->has_large && large_init(n) < 0) {
		errno = ENOMEM;
		return -1;
	}
	n->tso_max = tso_max;
	n->gro = gro != 0;
	nic->caps.offloads &= ~(UTCP_NIC_TX_TCP_TSO | UTCP_NIC_RX_TCP_LRO);
	nic->caps.offloads |= (tso_max ? UTCP_NIC_TX_TCP_TSO : 0) | (gro ? UTCP_NIC_RX_TCP_LRO : 0);
	nic->caps.tso_max = tso_max;
	return 0;
}

int sim_nic_has_rx(const struct sim_nic *n, uint16_t q)
{
	return !n->closed && q < n->nb_queues && n->q[q].count > 0;
}

int sim_nic_any_rx(const struct sim_nic *n)
{
	for (uint16_t q = 0; q < n->nb_queues; q++)
		if (sim_nic_has_rx(n, q))
			return 1;
	return 0;
}

uint32_t utcp_sim_nic_rx_pending(const struct utcp_nic *nic, uint16_t q)
{
	const struct sim_nic *n = sim_nic_of(nic);
	return n != NULL && q < n->nb_queues ? n->q[q].count : 0;
}

uint64_t utcp_sim_nic_bufs_in_use(const struct utcp_nic *nic)
{
	const struct sim_nic *n = sim_nic_of(nic);
	uint64_t used = 0;
	for (uint16_t q = 0; n != NULL && q < n->nb_queues; q++)
		used += n->q[q].pool.pool.in_use + (n->has_large ? n->q[q].large.pool.in_use : 0);
	return used;
}

/* ---- receive side (called by link.c at arrival) ------------------------- */

static void rx_enqueue(struct sim_nic *n, uint16_t q, struct utcp_pkt *pkt)
{
	struct sim_queue *sq = &n->q[q];
	if (sq->count == sq->cap) {
		n->st.rx_missed++;
		utcp_pkt_pool_put(pkt);
		return;
	}
	pkt->queue = q;
	sq->ring[(sq->head + sq->count) % sq->cap] = pkt;
	sq->count++;
}

/* IPv6 (RFC 8200 §3's fixed header; a packet with extension headers goes
 * to queue 0): TCP and UDP by the RSS hash of the 4-tuple, an echo request
 * to queue 0, other ICMPv6 (neighbour discovery, errors) to every queue. */
static uint16_t steer6(const struct sim_nic *n, struct utcp_pkt *pkt)
{
	const uint8_t *ip = pkt->data + UTCP_ETH_HLEN;
	if (pkt->len < UTCP_ETH_HLEN + UTCP_IPV6_HLEN + 4 || (ip[0] >> 4) != 6)
		return 0;
	uint8_t nxt = ip[6];
	if (nxt == UTCP_IPPROTO_ICMPV6)
		return ip[UTCP_IPV6_HLEN] == 128 ? 0 : STEER_ALL;
	if (nxt != UTCP_IPPROTO_TCP && nxt != 17 /* UDP */)
		return 0;
	struct utcp_in6 src, dst;
	uint16_t sport, dport;
	memcpy(src.b, ip + 8, 16);
	memcpy(dst.b, ip + 24, 16);
	memcpy(&sport, ip + UTCP_IPV6_HLEN, 2);
	memcpy(&dport, ip + UTCP_IPV6_HLEN + 2, 2);
	pkt->rss_hash = utcp_rss_hash_v6(n->nic.caps.rss_key, &src, &dst, sport, dport);
	pkt->ol_flags |= UTCP_PKT_RX_RSS_HASH;
	return utcp_rss_queue(&n->nic.caps, pkt->rss_hash);
}

/* The queue for a frame (STEER_ALL: every queue); sets the RSS hash. */
static uint16_t steer(const struct sim_nic *n, struct utcp_pkt *pkt)
{
	const uint8_t *d = pkt->data;
	uint32_t len = pkt->len;
	if (len < UTCP_ETH_HLEN)
		return 0;
	if (rd16(d + 12) == UTCP_ETH_P_IPV6)
		return steer6(n, pkt);
	if (rd16(d + 12) != UTCP_ETH_P_IPV4)
		return STEER_ALL;
	const uint8_t *ip = d + UTCP_ETH_HLEN;
	if (len < UTCP_ETH_HLEN + UTCP_IPV4_HLEN || (ip[0] >> 4) != 4)
		return 0;
	uint32_t ihl = (ip[0] & 0xfu) * 4u;
	uint8_t proto = ip[9];
	if (proto == UTCP_IPPROTO_ICMP)
		return ihl >= UTCP_IPV4_HLEN && len > UTCP_ETH_HLEN + ihl &&
		       ip[ihl] == 8 /* RFC 792 echo request */ ? 0 : STEER_ALL;
	if ((proto != UTCP_IPPROTO_TCP && proto != 17 /* UDP */) || ihl < UTCP_IPV4_HLEN ||
	    (rd16(ip + 6) & 0x3fff) != 0 || len < UTCP_ETH_HLEN + ihl + 4)
		return 0;
	uint32_t src, dst;
	uint16_t sport, dport;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(&sport, ip + ihl, 2);
	memcpy(&dport, ip + ihl + 2, 2);
	pkt->rss_hash = utcp_rss_table_hash_v4(&n->rss, src, dst, sport, dport);
	pkt->ol_flags |= UTCP_PKT_RX_RSS_HASH;
	/* one queue takes every frame (sim_nic_receive): no table to read */
	return n->nb_queues > 1 ? utcp_rss_queue(&n->nic.caps, pkt->rss_hash) : 0;
}

void sim_nic_receive(struct sim_nic *n, struct utcp_pkt *pkt)
{
	int partial = (pkt->ol_flags & UTCP_PKT_TX_TCP_CKSUM) != 0;
	uint16_t tso = (pkt->ol_flags & UTCP_PKT_TX_TCP_SEG) ? pkt->tso_segsz : 0;
	if (partial && !n->offload)
		utcp_csum_finish_tx(pkt);
	pkt->ol_flags = partial && n->offload ? UTCP_PKT_RX_L4_CKSUM_GOOD : 0;
	if (tso != 0) { /* a TSO frame the link carried whole, as loopback's */
		pkt->tso_segsz = 0;
		sim_tso_arrived(pkt, tso);
	}
	pkt->rss_hash = 0;
	pkt->ts = n->world->now;
	pkt->next = NULL;
	uint16_t q = steer(n, pkt);
	if (q != STEER_ALL) {
		rx_enqueue(n, q < n->nb_queues ? q : 0, pkt);
		return;
	}
	for (uint16_t i = 1; i < n->nb_queues; i++) {
		struct utcp_pkt *copy = utcp_pkt_pool_clone(&n->q[i].pool, pkt);
		if (copy == NULL) {
			n->st.rx_missed++;
			continue;
		}
		copy->ts = pkt->ts;
		copy->ol_flags |= UTCP_PKT_RX_COPY; /* learn from it, do not answer it */
		rx_enqueue(n, i, copy);
	}
	rx_enqueue(n, 0, pkt);
}

void sim_nic_drain(struct sim_nic *n)
{
	for (uint16_t q = 0; q < n->nb_queues; q++) {
		struct sim_queue *sq = &n->q[q];
		while (sq->count > 0) {
			utcp_pkt_pool_put(sq->ring[sq->head]);
			sq->head = (sq->head + 1) % sq->cap;
			sq->count--;
		}
	}
}

uint64_t sim_nic_report_leaks(struct sim_nic *n, FILE *f)
{
	uint64_t leaked = 0;
	for (uint16_t q = 0; q < n->nb_queues; q++) {
		uint32_t used = n->q[q].pool.pool.in_use +
				(n->has_large ? n->q[q].large.pool.in_use : 0);
		if (used > 0 && f != NULL)
			fprintf(f, "leak: %u packet buffer%s of %s (%s) not returned\n", used,
				used == 1 ? "" : "s", n->q[q].pool_name,
				n->host != NULL ? n->host->name : "no host");
		leaked += used;
	}
	return leaked;
}

void sim_nic_destroy(struct sim_nic *n)
{
	for (uint16_t q = 0; q < n->nb_queues; q++) {
		utcp_pkt_pool_destroy(&n->q[q].pool);
		if (n->has_large)
			utcp_pkt_pool_destroy(&n->q[q].large);
		free(n->q[q].ring);
	}
	free(n);
}

/* ---- the vtable ------------------------------------------------------------ */

static uint16_t sim_rx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct sim_nic *s = nic->priv;
	if (s->closed || q >= s->nb_queues)
		return 0;
	struct sim_queue *sq = &s->q[q];
	uint16_t got = 0;
	while (got < n && sq->count > 0) {
		struct utcp_pkt *p = sq->ring[sq->head];
		sq->head = (sq->head + 1) % sq->cap;
		sq->count--;
		s->st.rx_pkts++;
		s->st.rx_bytes += p->len;
		pkts[got++] = p;
	}
	if (s->gro && got > 1)
		got = sim_gro(pkts, got, &sq->large, 65535);
	return got;
}

/* A TSO frame longer than the wire's frames, cut as hardware does
 * (sim_tso.c) from the queue's pool; each segment to the link. */
static void tx_segment(struct sim_nic *s, uint16_t q, struct utcp_pkt *p)
{
	uint32_t lost;
	struct utcp_pkt *seg = sim_tso_segment(p, &s->q[q].pool, &lost);
	s->st.tx_errors += lost;
	while (seg != NULL) {
		struct utcp_pkt *next = seg->next;
		seg->next = NULL;
		s->send(s->send_dir, seg);
		seg = next;
	}
}

/* The wire's frame MTU (utcp_sim_link_params.frame_mtu). */
static uint32_t wire_mtu(const struct sim_nic *s)
{
	uint32_t m = s->send_dir->p.frame_mtu;
	return m != 0 ? m : 65535;
}

static uint16_t sim_tx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct sim_nic *s = nic->priv;
	if (s->closed || q >= s->nb_queues)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		struct utcp_pkt *p = pkts[i];
		s->st.tx_pkts++;
		s->st.tx_bytes += p->len;
		if (s->send == NULL) {
			s->st.tx_errors++; /* no cable: the frame goes nowhere */
			utcp_pkt_pool_put(p);
			continue;
		}
		if ((p->ol_flags & UTCP_PKT_TX_TCP_SEG) && p->len > UTCP_ETH_HLEN + wire_mtu(s)) {
			tx_segment(s, q, p);
			continue;
		}
		s->send(s->send_dir, p);
	}
	return n;
}

static struct utcp_pkt *sim_alloc(struct utcp_nic *nic, uint16_t q)
{
	struct sim_nic *s = nic->priv;
	if (s->closed || q >= s->nb_queues)
		return NULL;
	struct utcp_pkt *p = utcp_pkt_pool_get(&s->q[q].pool);
	if (p != NULL)
		p->queue = q;
	return p;
}

static struct utcp_pkt *sim_alloc_large(struct utcp_nic *nic, uint16_t q)
{
	struct sim_nic *s = nic->priv;
	if (s->closed || q >= s->nb_queues || s->tso_max == 0)
		return NULL;
	struct utcp_pkt *p = utcp_pkt_pool_get(&s->q[q].large);
	if (p != NULL)
		p->queue = q;
	return p;
}

static void sim_free(struct utcp_nic *nic, struct utcp_pkt *pkt)
{
	(void)nic;
	utcp_pkt_pool_put(pkt); /* to the pool it came from: pkt->owner */
}

int sim_coro_rx_ready(const struct sim_coro *c)
{
	const struct sim_nic *n = c->wait_nic;
	if (n == NULL)
		return 0;
	if (n->host == NULL)
		return sim_nic_has_rx(n, c->wait_q);
	for (int i = 0; i < n->host->nb_nics; i++)
		if (sim_nic_has_rx(n->host->nics[i], c->wait_q))
			return 1;
	return 0;
}


/* The NIC's wait: inside a coroutine, yield to the world until a frame or
 * the deadline. */
static int coro_wait(struct sim_nic *n, uint16_t q, utcp_time_t deadline)
{
	struct utcp_sim_world *w = n->world;
	struct sim_coro *c = w->running;
	if (c == NULL)
		return sim_nic_has_rx(n, q) ? 1 : 0; /* not in a coroutine: never block */
	/* Always yield, even with frames ready, so that a loop that never drains
	 * them cannot stall the world (it shows up as a livelock instead). */
	if (deadline <= w->now)
		deadline = w->now + UTCP_SIM_POLL_NS;
	if (sim_coro_block(w, c, n, q, deadline) < 0)
		return -1;
	c->wait_nic = n;
	c->wait_q = q;
	int ready = sim_coro_rx_ready(c);
	c->wait_nic = NULL;
	return ready;
}


static int sim_wait(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline)
{
	return coro_wait(nic->priv, q, deadline);
}

static utcp_time_t sim_now(struct utcp_nic *nic)
{
	struct sim_nic *s = nic->priv;
	return s->world->now;
}

static int sim_stats(struct utcp_nic *nic, struct utcp_nic_stats *st)
{
	struct sim_nic *s = nic->priv;
	*st = s->st;
	st->bufs_in_use = utcp_sim_nic_bufs_in_use(nic);
	st->link_up = s->link != NULL && !s->link->down && s->link->ends[1 - s->side] != NULL;
	return 0;
}

/* Off the wire; the memory stays with the world (buffers may still travel). */
static void sim_close(struct utcp_nic *nic)
{
	struct sim_nic *s = nic->priv;
	if (s->closed)
		return;
	sim_nic_drain(s);
	s->closed = 1;
}

static const struct utcp_nic_ops sim_ops = {
	.name = "sim",
	.rx_burst = sim_rx_burst,
	.tx_burst = sim_tx_burst,
	.alloc = sim_alloc,
	.free = sim_free,
	.wait = sim_wait,
	.now = sim_now,
	.stats = sim_stats,
	.close = sim_close,
	.alloc_large = sim_alloc_large,
};

/* ---- creation ---------------------------------------------------------- */

static void set_caps(struct sim_nic *n, uint16_t nb_queues, const uint8_t *mac)
{
	struct utcp_nic_caps *c = &n->nic.caps;
	c->nb_queues = nb_queues;
	c->max_queues = UTCP_MAX_QUEUES;
	c->mtu = SIM_MTU;
	if (mac != NULL) {
		memcpy(c->mac, mac, UTCP_ETH_ALEN);
	} else {
		/* Locally administered, unicast: 02:00:00:00:hi:lo of index + 1. */
		uint16_t id = (uint16_t)(n->index + 1);
		const uint8_t m[UTCP_ETH_ALEN] = { 0x02, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id };
		memcpy(c->mac, m, UTCP_ETH_ALEN);
	}
	c->offloads = 0; /* utcp_sim_nic_set_offload() */
	c->rss = UTCP_RSS_TOEPLITZ;
	memcpy(c->rss_key, utcp_rss_symmetric_key, UTCP_RSS_KEY_LEN);
	utcp_rss_table_init(&n->rss, c->rss_key);
	c->reta_size = SIM_RETA_SIZE;
	for (int i = 0; i < SIM_RETA_SIZE; i++)
		c->reta[i] = (uint16_t)(i % nb_queues);
	c->buf_size = UTCP_PKT_BUF_SIZE;
}

static int queues_init(struct sim_nic *n, uint32_t nb_bufs, uint32_t rx_ring)
{
	for (uint16_t q = 0; q < n->nb_queues; q++) {
		struct sim_queue *sq = &n->q[q];
		snprintf(sq->pool_name, sizeof(sq->pool_name), "%s(nic %d) queue %u",
			 n->nic.name, n->index, q);
		sq->cap = rx_ring;
		sq->ring = calloc(rx_ring, sizeof(*sq->ring));
		if (sq->ring == NULL ||
		    utcp_pkt_pool_init(&sq->pool, sq->pool_name, UTCP_PKT_BUF_SIZE, nb_bufs) < 0) {
			n->nb_queues = (uint16_t)(q + 1);
			return -1;
		}
	}
	return 0;
}

struct utcp_nic *utcp_sim_nic_create(struct utcp_sim_world *w, struct utcp_sim_host *h,
				     const char *name, uint16_t nb_queues, uint32_t nb_bufs,
				     uint32_t rx_ring, const uint8_t *mac, char *err,
				     size_t errlen)
{
	if (nb_queues == 0 || nb_queues > UTCP_MAX_QUEUES || nb_bufs == 0) {
		snprintf(err, errlen, "sim NIC %s: %u queues, %u buffers (1 to %d queues)",
			 name, nb_queues, nb_bufs, UTCP_MAX_QUEUES);
		errno = EINVAL;
		return NULL;
	}
	if (h != NULL && h->nb_nics >= UTCP_MAX_PORTS) {
		snprintf(err, errlen, "host %s: more than %d NICs", h->name, UTCP_MAX_PORTS);
		errno = ENOSPC;
		return NULL;
	}
	struct sim_nic *n = calloc(1, sizeof(*n));
	if (n == NULL || (w->nb_nics == w->cap_nics &&
			  sim_grow((void **)&w->nics, &w->cap_nics, sizeof(*w->nics)) < 0)) {
		free(n);
		snprintf(err, errlen, "sim NIC %s: out of memory", name);
		errno = ENOMEM;
		return NULL;
	}
	n->nic.ops = &sim_ops;
	n->nic.priv = n;
	snprintf(n->nic.name, sizeof(n->nic.name), "%s", name);
	n->world = w;
	n->host = h;
	n->index = w->nb_nics;
	n->nb_queues = nb_queues;
	set_caps(n, nb_queues, mac);
	if (rx_ring == 0)
		rx_ring = nb_bufs > SIM_DEFAULT_RX_RING ? nb_bufs : SIM_DEFAULT_RX_RING;
	w->nics[w->nb_nics++] = n; /* the world frees it, even on failure below */
	if (queues_init(n, nb_bufs, rx_ring) < 0) {
		n->closed = 1;
		snprintf(err, errlen, "sim NIC %s: cannot allocate %u buffers per queue", name,
			 nb_bufs);
		errno = ENOMEM;
		return NULL;
	}
	if (h != NULL)
		h->nics[h->nb_nics++] = n;
	return &n->nic;
}

