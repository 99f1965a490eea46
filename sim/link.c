/*
 * sim/link.c - point-to-point links of the simulated world.
 *
 * A frame handed to a link by a sim NIC's tx_burst (sim_link_send) goes
 * through its direction's model in this order:
 *   1. drop-tail queue: frames whose last bit has not yet left the
 *      serializer occupy it; a frame that finds it full (queue_frames or
 *      queue_bytes) is dropped (queue_drops);
 *   2. serializer: it starts when the previous frame is done and takes
 *      len * 8 / rate seconds (rounded up to a nanosecond);
 *   3. capture (world.c), as the frame enters the wire;
 *   4. impairments (nic/mw/impair.h, one seeded stream per direction, met
 *      when the last bit leaves): lost on the wire (loss bursts last in
 *      time, burst_time), damaged so that the receiver's FCS check drops
 *      it (corrupt_fcs: counted fcs_errors here and rx_errors by the
 *      receiving NIC), duplicated (a clean copy from the sender's pool),
 *      one byte corrupted past the FCS (fault.corrupt), delayed by delay +
 *      jitter, or held back until the next frame of the same direction has
 *      overtaken it (at most reorder_hold, after which it is released as
 *      it is);
 *   5. propagation: it arrives latency ns after its last bit left.
 * A link that is down (utcp_sim_link_flap) loses what is sent meanwhile
 * and what was in flight when it went down (down_drops).  A path MTU
 * (utcp_sim_link_mtu_drop) drops longer IPv4 packets before the queue
 * (mtu_drops), turning each into an ICMP "fragmentation needed" back to
 * its sender when asked (sim/link_mtu.c).
 * Arrival is an event in the world's heap (sim_link_event); at arrival the
 * frame goes into the receiving sim NIC's rx rings (sim_nic.c).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"

void utcp_sim_link_params_default(struct utcp_sim_link_params *p)
{
	memset(p, 0, sizeof(*p));
	p->rate = UTCP_SIM_DEFAULT_RATE;
	p->queue_frames = UTCP_SIM_DEFAULT_QUEUE;
	p->reorder_hold = UTCP_SIM_DEFAULT_REORDER_HOLD;
	p->fault.burst_len = 1.0;
}

static void dir_init(struct sim_dir *d, struct utcp_sim_link *l, int index,
		     const struct utcp_sim_link_params *p)
{
	d->link = l;
	d->index = index;
	if (p != NULL)
		d->p = *p;
	else
		utcp_sim_link_params_default(&d->p);
	if (d->p.reorder_hold == 0)
		d->p.reorder_hold = UTCP_SIM_DEFAULT_REORDER_HOLD;
	struct utcp_fault_params fp = d->p.fault;
	fp.seed ^= utcp_sim_world_derive_seed(l->world, "link", (uint64_t)l->index * 2 + index);
	utcp_impair_init(&d->imp, &fp);
	d->imp.corrupt_fcs = d->p.corrupt_fcs;
	d->imp.ecn_mark = d->p.ecn_mark;
	utcp_impair_set_burst_time(&d->imp, d->p.burst_time, d->p.rate);
	d->impaired = utcp_impair_active(&d->imp);
}

struct utcp_sim_link *utcp_sim_link_create(struct utcp_sim_world *w,
					   const struct utcp_sim_link_params *ab,
					   const struct utcp_sim_link_params *ba)
{
	if (w->nb_links == w->cap_links &&
	    sim_grow((void **)&w->links, &w->cap_links, sizeof(*w->links)) < 0)
		return NULL;
	struct utcp_sim_link *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->world = w;
	l->index = w->nb_links;
	dir_init(&l->dir[0], l, 0, ab);
	dir_init(&l->dir[1], l, 1, ba != NULL ? ba : ab);
	w->links[w->nb_links++] = l;
	return l;
}

int utcp_sim_link_attach(struct utcp_sim_link *l, int side, struct utcp_nic *nic)
{
	struct sim_nic *n = sim_nic_of(nic);
	if (n == NULL || (side != 0 && side != 1) || n->world != l->world) {
		errno = EINVAL;
		return -1;
	}
	if (l->ends[side] != NULL || n->link != NULL) {
		errno = EBUSY;
		return -1;
	}
	l->ends[side] = n;
	n->link = l;
	n->send = sim_link_send;
	n->send_dir = &l->dir[side];
	n->side = side;
	return 0;
}

int utcp_sim_link_flap(struct utcp_sim_link *l, utcp_time_t down_at, utcp_time_t up_at)
{
	if (up_at <= down_at) {
		errno = EINVAL;
		return -1;
	}
	size_t before = l->world->nb_ev;
	sim_schedule(l->world, down_at, SIM_EV_LINK_DOWN, &l->dir[0], NULL, 0);
	if (up_at != UTCP_TIME_NEVER)
		sim_schedule(l->world, up_at, SIM_EV_LINK_UP, &l->dir[0], NULL, 0);
	if (l->world->nb_ev == before) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int utcp_sim_link_is_up(const struct utcp_sim_link *l)
{
	return !l->down;
}

int utcp_sim_link_get_stats(const struct utcp_sim_link *l, int dir, struct utcp_sim_link_stats *st)
{
	if (dir != 0 && dir != 1) {
		errno = EINVAL;
		return -1;
	}
	*st = l->dir[dir].st;
	return 0;
}

void sim_link_destroy(struct utcp_sim_link *l)
{
	for (int d = 0; d < 2; d++) {
		if (l->dir[d].held != NULL)
			utcp_pkt_pool_put(l->dir[d].held);
		free(l->dir[d].q);
	}
	free(l);
}

/* Serialization time of len bytes at rate bit/s, rounded up. */
static utcp_time_t ser_time(uint32_t len, uint64_t rate)
{
	if (rate == 0)
		return 0;
	unsigned __int128 bits_ns = (unsigned __int128)len * 8u * UTCP_NSEC_PER_SEC;
	return (utcp_time_t)((bits_ns + rate - 1) / rate);
}

/* Forget frames that have left the serializer by now. */
static void queue_retire(struct sim_dir *d, utcp_time_t now)
{
	while (d->qlen > 0 && d->q[d->qhead].finish <= now) {
		d->qbytes -= d->q[d->qhead].len;
		d->qhead = (d->qhead + 1) % d->qcap;
		d->qlen--;
	}
}

static int queue_push(struct sim_dir *d, utcp_time_t finish, uint32_t len)
{
	if (d->qlen == d->qcap) {
		uint32_t ncap = d->qcap ? d->qcap * 2 : 64;
		struct sim_qent *q = malloc(ncap * sizeof(*q));
		if (q == NULL)
			return -1;
		for (uint32_t i = 0; i < d->qlen; i++)
			q[i] = d->q[(d->qhead + i) % d->qcap];
		free(d->q);
		d->q = q;
		d->qcap = ncap;
		d->qhead = 0;
	}
	d->q[(d->qhead + d->qlen) % d->qcap] = (struct sim_qent){ finish, len };
	d->qlen++;
	d->qbytes += len;
	if (d->qlen > d->st.queue_high_water)
		d->st.queue_high_water = d->qlen;
	return 0;
}

static int queue_full(const struct sim_dir *d, uint32_t len)
{
	return (d->p.queue_frames && d->qlen >= d->p.queue_frames) ||
	       (d->p.queue_bytes && d->qbytes + len > d->p.queue_bytes);
}

/* The receiving NIC's FCS check fails: it drops the frame, as a real NIC
 * does, and counts it. */
static void fcs_drop(struct sim_dir *d, struct utcp_pkt *pkt)
{
	struct sim_nic *to = d->link->ends[1 - d->index];
	d->st.fcs_errors++;
	if (to != NULL && !to->closed)
		to->st.rx_errors++;
	utcp_pkt_pool_put(pkt);
}

/* Congestion at an ECN queue (RFC 3168 §5): an ECT packet gets CE (1),
 * anything else is for dropping (0).  The IPv4 header checksum is
 * updated for the new TOS byte (RFC 1624); the TCP checksum does not
 * cover it. */
static int mark_ce(struct utcp_pkt *pkt)
{
	uint8_t *f = pkt->data;
	if (pkt->len < UTCP_ETH_HLEN + 40)
		return 0;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	uint8_t *ip = f + UTCP_ETH_HLEN;
	if (type == UTCP_ETH_P_IPV4) {
		if ((ip[1] & UTCP_IP_ECN_MASK) == UTCP_IP_ECN_NOT_ECT)
			return 0;
		utcp_csum_finish_tx(pkt); /* the sums are right before the queue marks it */
		uint16_t old = (uint16_t)(ip[0] << 8 | ip[1]);
		ip[1] |= UTCP_IP_ECN_CE;
		uint32_t sum = (uint16_t)~(ip[10] << 8 | ip[11]);
		sum += (uint16_t)~old + (uint16_t)(ip[0] << 8 | ip[1]);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		ip[10] = (uint8_t)(~sum >> 8);
		ip[11] = (uint8_t)~sum;
		return 1;
	}
	if (type == 0x86dd && ((ip[1] >> 4) & UTCP_IP_ECN_MASK) != UTCP_IP_ECN_NOT_ECT) {
		ip[1] |= UTCP_IP_ECN_CE << 4; /* Traffic Class's low bits: no checksum */
		return 1;
	}
	return 0;
}

/* Steps 4 and 5: impairments at `left` (the last bit leaves), then the
 * arrival event(s). */
static void to_wire(struct sim_dir *d, struct utcp_pkt *pkt, utcp_time_t left)
{
	struct utcp_sim_world *w = d->link->world;
	utcp_time_t arrival = left + d->p.latency;

	if (!d->impaired && d->held == NULL) { /* a clean wire: the arrival only */
		sim_schedule(w, arrival, SIM_EV_ARRIVE, d, pkt, d->link->downs);
		return;
	}
	struct utcp_impair_verdict v = { .corrupt_at = -1 };
	struct utcp_pkt *copy = NULL;
	if (d->impaired)
		utcp_impair_decide_at(&d->imp, pkt->len, left, &v);
	if (v.drop) {
		d->st.lost++;
		utcp_pkt_pool_put(pkt);
		return;
	}
	if (v.fcs_bad) {
		fcs_drop(d, pkt);
		return;
	}
	if (v.congest) {
		if (!mark_ce(pkt)) {
			d->st.lost++;
			utcp_pkt_pool_put(pkt);
			return;
		}
		d->st.ce_marked++;
	}
	if (v.dup && (copy = utcp_pkt_pool_clone(pkt->owner, pkt)) != NULL)
		d->st.duplicated++;
	if (v.corrupt_at >= 0 && v.corrupt_at < pkt->len) {
		utcp_csum_finish_tx(pkt); /* the sums are right before the wire damages it */
		pkt->data[v.corrupt_at] ^= v.corrupt_xor;
		d->st.corrupted++;
	}
	if (v.delay > 0) {
		arrival += v.delay;
		d->st.delayed++;
	}
	if (v.reorder && d->held == NULL) {
		d->held = pkt;
		d->held_arrival = arrival;
		d->held_gen++;
		d->st.reordered++;
		sim_schedule(w, arrival + d->p.reorder_hold, SIM_EV_RELEASE, d, NULL, d->held_gen);
	} else {
		uint64_t downs = d->link->downs;
		sim_schedule(w, arrival, SIM_EV_ARRIVE, d, pkt, downs);
		if (d->held != NULL) {
			/* The held frame lands right behind the one that overtook it. */
			utcp_time_t t = d->held_arrival > arrival ? d->held_arrival : arrival;
			sim_schedule(w, t, SIM_EV_ARRIVE, d, d->held, downs);
			d->held = NULL;
		}
	}
	if (copy != NULL)
		sim_schedule(w, arrival, SIM_EV_ARRIVE, d, copy, d->link->downs);
}

static __attribute__((noinline)) void link_send_any(struct sim_dir *d, struct utcp_pkt *pkt);

/* Steps 1-5 for a frame, the usual one first: no MTU rule, the link up,
 * an unlimited rate with nothing queued, no capture, a clean wire: the
 * frame arrives after the latency (what link_send_any does then, without
 * its calls: the usual send saves no registers). */
void sim_link_send(struct sim_dir *d, struct utcp_pkt *pkt)
{
	struct utcp_sim_link *link = d->link;
	struct utcp_sim_world *w = link->world;
	utcp_time_t now = w->now;
	if (link->mtu == 0 && !link->down && d->qlen == 0 && d->p.rate == 0 &&
	    d->busy_until <= now && !queue_full(d, pkt->len) && w->dumper == NULL &&
	    !d->impaired && d->held == NULL) {
		d->st.tx_frames++;
		d->st.tx_bytes += pkt->len;
		if (d->st.queue_high_water < 1)
			d->st.queue_high_water = 1;
		d->busy_until = now;
		sim_schedule(w, now + d->p.latency, SIM_EV_ARRIVE, d, pkt, link->downs);
		return;
	}
	link_send_any(d, pkt);
}

static void link_send_any(struct sim_dir *d, struct utcp_pkt *pkt)
{
	struct utcp_sim_world *w = d->link->world;
	utcp_time_t now = w->now;

	d->st.tx_frames++;
	d->st.tx_bytes += pkt->len;
	if (d->link->mtu != 0 && now >= d->link->mtu_at) {
		int r = sim_link_mtu_check(d, pkt);
		if (r == 2) /* now the ICMP error, back to its sender */
			sim_link_send(&d->link->dir[1 - d->index], pkt);
		if (r != 0)
			return;
	}
	if (d->link->down) {
		d->st.down_drops++;
		utcp_pkt_pool_put(pkt);
		return;
	}
	queue_retire(d, now);
	if (queue_full(d, pkt->len)) {
		d->st.queue_drops++;
		utcp_pkt_pool_put(pkt);
		return;
	}
	if (d->p.rate == 0 && d->qlen == 0 && d->busy_until <= now) {
		/* An unlimited rate and an idle serializer: the frame leaves
		 * now, and the next send's queue_retire would take it off the
		 * queue before anything reads it; only the high-water mark
		 * sees it. */
		if (d->st.queue_high_water < 1)
			d->st.queue_high_water = 1;
		d->busy_until = now;
		sim_capture(w, pkt);
		to_wire(d, pkt, now);
		return;
	}
	utcp_time_t start = d->busy_until > now ? d->busy_until : now;
	utcp_time_t finish = start + ser_time(pkt->len, d->p.rate);
	if (queue_push(d, finish, pkt->len) < 0) {
		d->st.queue_drops++;
		utcp_pkt_pool_put(pkt);
		return;
	}
	d->busy_until = finish;
	sim_capture(w, pkt);
	to_wire(d, pkt, finish);
}

/* downs: the link's count of downs when the frame left (UINT64_MAX: a
 * frame held back for reordering, judged by the link's state alone). */
static void deliver(struct sim_dir *d, struct utcp_pkt *pkt, uint64_t downs)
{
	struct sim_nic *to = d->link->ends[1 - d->index];
	if (d->link->down || (downs != UINT64_MAX && downs != d->link->downs)) {
		d->st.down_drops++;
		utcp_pkt_pool_put(pkt);
		return;
	}
	if (to == NULL || to->closed) {
		d->st.no_nic++;
		utcp_pkt_pool_put(pkt);
		return;
	}
	d->st.delivered++;
	sim_nic_receive(to, pkt);
}

void sim_link_event(struct utcp_sim_world *w, const struct sim_event *ev)
{
	struct sim_dir *d = ev->dir;
	(void)w;
	switch (ev->type) {
	case SIM_EV_ARRIVE:
		deliver(d, ev->pkt, ev->gen);
		break;
	case SIM_EV_LINK_DOWN:
		d->link->down = 1;
		d->link->downs++;
		break;
	case SIM_EV_LINK_UP:
		d->link->down = 0;
		break;
	case SIM_EV_RELEASE:
		/* Nothing overtook the held frame in time: let it go as it is. */
		if (d->held != NULL && d->held_gen == ev->gen) {
			struct utcp_pkt *pkt = d->held;
			d->held = NULL;
			deliver(d, pkt, UINT64_MAX);
		}
		break;
	}
}
