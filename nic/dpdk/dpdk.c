/*
 * nic/dpdk/dpdk.c - the DPDK backend: one DPDK ethdev port as a utcp NIC
 * (DPDK 22.11 API names).
 *
 * Call order:
 *   utcp_dpdk_open(cfg, port, nb_queues)
 *     -> utcp_dpdk_eal_acquire(cfg): rte_eal_init() once per process with
 *        argv = "utcp" + the words of cfg->dpdk_args (core/base/args.h),
 *        reference-counted; the last release calls rte_eal_cleanup().
 *     -> find the port: an ethdev named port->name, else "dpdkN" / "N" as
 *        port id N (mTCP's names)
 *     -> one mbuf pool per queue (the struct utcp_pkt lives in each mbuf's
 *        private area), rte_eth_dev_configure with RSS and the checksum
 *        offloads dev_info offers, one rx and one tx queue per context,
 *        rte_eth_dev_start, the redirection table.
 *   per queue: alloc / rx_burst / tx_burst / free / wait, called only by the
 *     context that owns the queue.
 *   close: stop and close the port, free the pools, release the EAL; the
 *     stop and close, and the EAL's shutdown, with DPDK's interrupt thread
 *     held out of its callbacks (a memif peer leaving meanwhile; gate.c).
 *
 * Frames that every context must see (ARP, ICMP errors) arrive on one
 * queue; that queue's rx_burst leaves a copy for each other queue, which
 * its own rx_burst hands up flagged UTCP_PKT_RX_COPY (nic/fanout.h).
 *
 * Buffers are mbufs wrapped zero copy: rx hands the stack the received mbuf
 * itself (pkt->data points into it), and tx sends the mbuf the stack built
 * its headers in.  A frame that arrives as a chain of mbufs (scattered
 * receive, dpdk_mbuf_size smaller than a frame) is copied into one buffer
 * first, as the stack reads frames whole (nic/dpdk/seg.c); jumbo frames
 * (dpdk_mtu) get buffers sized for them.
 *
 * GRO: with dpdk_gro = 1 (0 is the default) and a port that verifies TCP
 * checksums, in-order segments of one flow next to each other in a burst
 * are joined into one UTCP_PKT_RX_LRO frame in a large mbuf
 * (core/wire/gro.c), so TCP handles one frame for several segments.
 *
 * RSS: when the device hashes IPv4/TCP with a programmable Toeplitz key and
 * a redirection table, the symmetric key (core/net/rss.c) is programmed so
 * both directions of a flow land on one queue, the table is filled with a
 * period of 128 entries (what caps.reta holds), and caps.rss says
 * UTCP_RSS_TOEPLITZ; otherwise several queues are UTCP_RSS_OPAQUE (memif,
 * tap and ring spread by rules of their own).
 *
 * Checksums: offloads are requested only as far as dev_info offers them
 * (asking for more makes rte_eth_dev_configure fail); caps.offloads tells
 * the core which checksums it must still compute in software.
 *
 * TSO: when the port offers RTE_ETH_TX_OFFLOAD_TCP_TSO and dpdk_tso is 1,
 * each queue gets a second, small pool of large mbufs (a 64 KiB data room)
 * for alloc_large, and a UTCP_PKT_TX_TCP_SEG frame goes out with
 * RTE_MBUF_F_TX_TCP_SEG | IPV4 | IP_CKSUM | TCP_CKSUM, l2/l3/l4_len and
 * tso_segsz.  net_tap segments in software (librte_gso): TCP/IPv4 only
 * (caps say UTCP_NIC_TX_TCP_TSO4_ONLY), at most 64 segments a frame, and it
 * counts the Ethernet header against the MTU, so its segments are cut to
 * mtu - headers bytes of payload (smaller than the MSS, as TCP allows).
 *
 * wait() is poll mode: it returns at once, 1 while the deadline is ahead.
 *
 * Every call into the PMD's queues (rx/tx burst, tx_prepare) and its
 * statistics goes through a gate (nic/dpdk/gate.c): while DPDK's interrupt
 * thread handles an event (memif's peer leaving, which unmaps the rings) no
 * context is inside the PMD, and a context that finds the gate closed
 * receives and sends nothing that time.  DPDK 22.11's memif raises no
 * link-state event a callback could act on; gate.c says why and what it
 * hooks instead.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>

#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "core/base/err.h"
#include "core/base/args.h"
#include "core/wire/wire.h"
#include "nic/dpdk/dpdk.h"
#include "nic/dpdk/gate.h"
#include "core/wire/gro.h"
#include "nic/dpdk/seg.h"
#include "nic/fanout.h"

#define DPDK_BURST 64
#define DPDK_MIN_BUFS 1024
#define DPDK_PRIV_SIZE RTE_ALIGN(sizeof(struct utcp_pkt), RTE_MBUF_PRIV_ALIGN)
#define DPDK_RETA_PERIOD 128 /* sizeof caps.reta / sizeof caps.reta[0] */
#define DPDK_LARGE_BUFS 128  /* large mbufs per queue, for TSO frames */
#define DPDK_LARGE_ROOM 65535 /* their data room (a uint16_t) */
#define DPDK_GSO_MAX_SEGS 64 /* net_tap's MAX_GSO_MBUFS */

struct dpdk_queue {
	struct rte_mempool *pool;   /* receive mbufs */
	struct rte_mempool *frames; /* alloc(): one frame of the MTU; pool when it fits */
	struct rte_mempool *large; /* TSO and GRO frames; NULL without either */
	uint64_t held;        /* buffers the stack owns (alloc + rx - free - tx) */
	uint64_t rx_dropped;  /* chains or foreign mbufs without a buffer to copy into */
	uint64_t rx_joined;   /* chains (or foreign mbufs) copied into one buffer */
	uint64_t gro_joined, gro_frames; /* segments joined; frames they made */
	uint64_t tx_chains;   /* frames sent as chains (seg.c) */
	uint64_t tx_bad;      /* frames rte_eth_tx_prepare refused, dropped */
};

struct dpdk_priv {
	uint16_t port_id;
	uint16_t nb_queues;
	int configured, started;
	int eal_ref;
	uint64_t tx_offloads;  /* RTE_ETH_TX_OFFLOAD_* enabled */
	int gso_tap;           /* net_tap: software GSO's limits (see the top) */
	int gro;               /* software GRO on receive */
	uint16_t mtu;          /* caps.mtu */
	struct dpdk_seg_plan seg; /* MTU and data rooms (nic/dpdk/seg.c) */
	struct utcp_fanout fan; /* ARP/ICMP copies for the other queues */
	struct dpdk_gate *gate; /* slot q: queue q; slot nb_queues: statistics */
	struct dpdk_queue q[];
};

static struct dpdk_priv *dpriv(struct utcp_nic *nic)
{
	return nic->priv;
}

/* ---- EAL: once per process ---------------------------------------------- */

/* The EAL is process-wide by DPDK's design; this is its one reference count. */
static pthread_mutex_t eal_lock = PTHREAD_MUTEX_INITIALIZER;
static int eal_refs;
static int eal_done; /* rte_eal_cleanup() ran: DPDK cannot start again */
static uint64_t mbufs_lost; /* mbufs missing from pools freed at close */
static int dpdk_logtype = RTE_LOGTYPE_PMD; /* "utcp.dpdk" once the EAL runs */

static int eal_init(const struct utcp_config *cfg, char *err, size_t errlen)
{
	char buf[sizeof(cfg->dpdk_args) + 8], *argv[UTCP_MAX_ARGS + 2];
	const char *why = "?";
	argv[0] = (char *)"utcp";
	int n = utcp_split_args(cfg->dpdk_args, argv + 1, UTCP_MAX_ARGS, buf, sizeof(buf), &why);
	if (n < 0) {
		utcp_set_err(err, errlen, "dpdk_args: %s", why);
		errno = EINVAL;
		return -1;
	}
	argv[n + 1] = NULL;
	if (rte_eal_init(n + 1, argv) < 0) {
		int e = rte_errno;
		utcp_set_err(err, errlen, "dpdk: rte_eal_init(\"%s\") failed: %s%s", cfg->dpdk_args,
			rte_strerror(e),
			e == EACCES ? " (no hugepages: reserve some, or add --no-huge -m 256 to "
				      "dpdk_args)" : "");
		errno = e == EALREADY ? EBUSY : EINVAL;
		return -1;
	}
	/* --log-level=utcp.dpdk:info shows each port's counters at close */
	int t = rte_log_register_type_and_pick_level("utcp.dpdk", RTE_LOG_NOTICE);
	if (t >= 0)
		dpdk_logtype = t;
	return 0;
}

int utcp_dpdk_eal_acquire(const struct utcp_config *cfg, char *err, size_t errlen)
{
	int rc = 0;
	pthread_mutex_lock(&eal_lock);
	if (eal_done) {
		utcp_set_err(err, errlen, "dpdk: the EAL was shut down in this process and cannot "
				     "start again (DPDK initialises once per process)");
		errno = EBUSY;
		rc = -1;
	} else if (eal_refs == 0) {
		rc = eal_init(cfg, err, errlen);
	}
	if (rc == 0)
		eal_refs++;
	pthread_mutex_unlock(&eal_lock);
	return rc;
}

void utcp_dpdk_eal_release(void)
{
	pthread_mutex_lock(&eal_lock);
	if (eal_refs > 0 && --eal_refs == 0) {
		/* never released: the interrupt thread, which rte_eal_cleanup
		 * leaves running, must not run a callback (nor rebuild its wait
		 * list) on the memory the cleanup unmaps; it stays parked */
		dpdk_gate_hold_intr();
		rte_eal_cleanup();
		eal_done = 1;
	}
	pthread_mutex_unlock(&eal_lock);
}

/* ---- buffers: struct utcp_pkt in the mbuf's private area ----------------- */

static struct utcp_pkt *mbuf_pkt(struct rte_mbuf *m)
{
	return rte_mbuf_to_priv(m);
}

/* The view of a received (or fresh) mbuf as a utcp buffer. */
static struct utcp_pkt *wrap_mbuf(struct rte_mbuf *m, uint16_t q)
{
	struct utcp_pkt *pkt = mbuf_pkt(m);
	pkt->buf = m->buf_addr;
	pkt->buf_len = m->buf_len;
	pkt->data = rte_pktmbuf_mtod(m, uint8_t *);
	pkt->len = m->data_len;
	pkt->queue = q;
	pkt->l2_len = pkt->l3_len = 0;
	pkt->ol_flags = 0;
	pkt->rss_hash = 0;
	pkt->tso_segsz = pkt->lro_segs = 0; /* the mbuf's last use may have set them */
	pkt->next = NULL;
	pkt->ts = 0;
	pkt->owner = m;
	pkt->user = 0;
	return pkt;
}

/* RTE_MBUF_F_RX_* -> UTCP_PKT_RX_* */
static uint32_t rx_flags(const struct rte_mbuf *m)
{
	uint64_t ol = m->ol_flags;
	uint32_t f = 0;
	if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		f |= UTCP_PKT_RX_IP_CKSUM_GOOD;
	else if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		f |= UTCP_PKT_RX_IP_CKSUM_BAD;
	if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		f |= UTCP_PKT_RX_L4_CKSUM_GOOD;
	else if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		f |= UTCP_PKT_RX_L4_CKSUM_BAD;
	if (ol & RTE_MBUF_F_RX_RSS_HASH)
		f |= UTCP_PKT_RX_RSS_HASH;
	return f;
}

static struct utcp_pkt *dpdk_alloc(struct utcp_nic *nic, uint16_t q)
{
	struct dpdk_queue *dq = &dpriv(nic)->q[q];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dq->frames);
	if (m == NULL)
		return NULL;
	struct utcp_pkt *pkt = wrap_mbuf(m, q);
	utcp_pkt_reset(pkt);
	pkt->data = rte_pktmbuf_mtod(m, uint8_t *); /* RTE_PKTMBUF_HEADROOM in */
	dq->held++;
	return pkt;
}

static struct utcp_pkt *dpdk_alloc_large(struct utcp_nic *nic, uint16_t q)
{
	struct dpdk_queue *dq = &dpriv(nic)->q[q];
	struct rte_mbuf *m = dq->large ? rte_pktmbuf_alloc(dq->large) : NULL;
	if (m == NULL)
		return NULL;
	struct utcp_pkt *pkt = wrap_mbuf(m, q);
	utcp_pkt_reset(pkt);
	pkt->data = rte_pktmbuf_mtod(m, uint8_t *);
	dq->held++;
	return pkt;
}

static struct dpdk_queue *held_queue(struct utcp_nic *nic, const struct utcp_pkt *pkt)
{
	struct dpdk_priv *dp = dpriv(nic);
	return &dp->q[pkt->queue < dp->nb_queues ? pkt->queue : 0];
}

static void dpdk_free(struct utcp_nic *nic, struct utcp_pkt *pkt)
{
	held_queue(nic, pkt)->held--;
	rte_pktmbuf_free(pkt->owner);
}

/* ---- data path ------------------------------------------------------------ */

/* A large mbuf of the queue that coalesces (struct gro_q). */
struct gro_q {
	struct utcp_nic *nic;
	uint16_t q;
};

static struct utcp_pkt *gro_alloc(void *arg)
{
	struct gro_q *g = arg;
	return dpdk_alloc_large(g->nic, g->q);
}

static void gro_free(void *arg, struct utcp_pkt *pkt)
{
	dpdk_free(((struct gro_q *)arg)->nic, pkt);
}

/* Software GRO over the frames of one burst (core/wire/gro.c), into large
 * mbufs of queue q. */
static uint16_t rx_gro(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct dpdk_queue *dq = &dpriv(nic)->q[q];
	struct gro_q gq = { .nic = nic, .q = q };
	struct utcp_gro g = {
		.max = DPDK_LARGE_ROOM - RTE_PKTMBUF_HEADROOM,
		.alloc_large = gro_alloc, .free = gro_free, .arg = &gq,
	};
	n = utcp_gro_burst(pkts, n, &g);
	dq->gro_joined += g.joined;
	dq->gro_frames += g.frames;
	return n;
}

static uint16_t rx_chunk(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct dpdk_priv *dp = dpriv(nic);
	struct dpdk_queue *dq = &dp->q[q];
	struct rte_mbuf *m[DPDK_BURST];
	if (!dpdk_gate_enter(dp->gate, q)) {
		/* the interrupt thread is changing the port: let it have this
		 * CPU if it is waiting for one (a machine with fewer cores than
		 * threads), then poll again */
		sched_yield();
		return 0;
	}
	uint16_t got = rte_eth_rx_burst(dp->port_id, q, m, n), out = 0;
	dpdk_gate_leave(dp->gate, q); /* the mbufs are ours, the rings no longer */
	for (uint16_t i = 0; i < got; i++) {
		/* one segment, and an mbuf with room for our struct (a pool of
		 * ours); else a copy into one that is */
		if (m[i]->nb_segs != 1 || m[i]->priv_size < DPDK_PRIV_SIZE) {
			m[i] = dpdk_seg_join(m[i], dq->frames, dq->large);
			if (m[i] == NULL) {
				dq->rx_dropped++;
				continue;
			}
			dq->rx_joined++;
		}
		struct utcp_pkt *pkt = wrap_mbuf(m[i], q);
		pkt->ol_flags = rx_flags(m[i]);
		pkt->rss_hash = m[i]->hash.rss;
		if (utcp_fanout_wanted(pkt->data, pkt->len))
			utcp_fanout_push(&dp->fan, q, pkt->data, pkt->len);
		pkts[out++] = pkt;
	}
	dq->held += out;
	return dp->gro && out > 1 ? rx_gro(nic, q, pkts, out) : out;
}

/* Copies of ARP/ICMP frames another queue received (nic/fanout.h). */
static uint16_t take_copies(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct dpdk_priv *dp = dpriv(nic);
	uint16_t out = 0;
	while (out < n && utcp_fanout_pending(&dp->fan, q)) {
		struct utcp_pkt *pkt = dpdk_alloc(nic, q);
		if (pkt == NULL)
			break;
		pkt->len = (uint16_t)utcp_fanout_pop(&dp->fan, q, pkt->data, utcp_pkt_tailroom(pkt));
		if (pkt->len == 0) {
			dpdk_free(nic, pkt);
			break;
		}
		pkt->ol_flags = UTCP_PKT_RX_COPY;
		pkts[out++] = pkt;
	}
	return out;
}

static uint16_t dpdk_rx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts,
			      uint16_t n)
{
	uint16_t total = take_copies(nic, q, pkts, n);
	while (total < n) {
		uint16_t want = n - total > DPDK_BURST ? DPDK_BURST : n - total;
		uint16_t got = rx_chunk(nic, q, pkts + total, want);
		total += got;
		if (got < want)
			break;
	}
	return total;
}

/* Point the mbuf at the frame the stack built in it; UTCP_PKT_TX_* ->
 * RTE_MBUF_F_TX_* (the core stored the pseudo-header sum for TCP). */
static struct rte_mbuf *tx_mbuf(struct utcp_pkt *pkt)
{
	struct rte_mbuf *m = pkt->owner;
	dpdk_seg_unsplit(m); /* a chain an earlier burst made and did not send */
	m->data_off = (uint16_t)(pkt->data - (uint8_t *)m->buf_addr);
	m->data_len = pkt->len;
	m->pkt_len = pkt->len;
	m->ol_flags = 0;
	if (pkt->ol_flags & (UTCP_PKT_TX_IP_CKSUM | UTCP_PKT_TX_TCP_CKSUM)) {
		m->l2_len = pkt->l2_len;
		m->l3_len = pkt->l3_len;
		/* the version nibble: an IPv6 segment's pseudo-header is RFC 8200's */
		m->ol_flags |= (pkt->data[pkt->l2_len] >> 4) == 6 ? RTE_MBUF_F_TX_IPV6
								  : RTE_MBUF_F_TX_IPV4;
	}
	if (pkt->ol_flags & UTCP_PKT_TX_IP_CKSUM)
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	if (pkt->ol_flags & UTCP_PKT_TX_TCP_CKSUM)
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
	return m;
}

/* UTCP_PKT_TX_TCP_SEG -> RTE_MBUF_F_TX_TCP_SEG (after tx_mbuf, which set
 * the checksum flags the frame carries), l4_len from the TCP data offset;
 * 0 when the PMD could not cut it (the caller drops it). */
static int tx_tso(const struct dpdk_priv *dp, struct utcp_pkt *pkt, struct rte_mbuf *m)
{
	uint32_t l4 = pkt->l2_len + pkt->l3_len;
	if (pkt->len < l4 + 20 || pkt->tso_segsz == 0)
		return 0;
	m->l4_len = (pkt->data[l4 + 12] >> 4) * 4;
	uint32_t hdrs = l4 + m->l4_len, segsz = pkt->tso_segsz;
	if (dp->gso_tap && hdrs + segsz > dp->mtu) /* its check counts the L2 header */
		segsz = dp->mtu > hdrs ? dp->mtu - hdrs : 0;
	if (segsz == 0 || pkt->len <= hdrs ||
	    (dp->gso_tap && (pkt->len - hdrs + segsz - 1) / segsz > DPDK_GSO_MAX_SEGS))
		return 0;
	m->tso_segsz = (uint16_t)segsz;
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
	/* DPDK's TSO wants the pseudo-header sum without the length */
	uint8_t *l3 = pkt->data + pkt->l2_len, *th_sum = pkt->data + l4 + 16;
	uint16_t phdr;
	if (m->ol_flags & RTE_MBUF_F_TX_IPV4) {
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
		phdr = rte_ipv4_phdr_cksum((const struct rte_ipv4_hdr *)l3, m->ol_flags);
	} else {
		phdr = rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)l3, m->ol_flags);
	}
	memcpy(th_sum, &phdr, sizeof(phdr));
	return 1;
}

static uint16_t tx_chunk(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct dpdk_priv *dp = dpriv(nic);
	struct dpdk_queue *dq = &dp->q[q];
	struct rte_mbuf *m[DPDK_BURST];
	if (!dpdk_gate_enter(dp->gate, q))
		return 0; /* the interrupt thread is changing the port: nothing taken */
	uint16_t ok = n;
	for (uint16_t i = 0; i < n; i++) {
		m[i] = tx_mbuf(pkts[i]);
		if ((pkts[i]->ol_flags & UTCP_PKT_TX_TCP_SEG) && !tx_tso(dp, pkts[i], m[i])) {
			ok = i; /* dropped below, as a frame tx_prepare refuses */
			break;
		}
		/* longer than the port's mbufs: a chain (seg.c), else whole */
		if (pkts[i]->len > dp->seg.tx_seg && dp->seg.tx_seg != 0 &&
		    !(pkts[i]->ol_flags & UTCP_PKT_TX_TCP_SEG) &&
		    dpdk_seg_split(m[i], dp->seg.tx_seg, dq->pool) == 0 && m[i]->nb_segs > 1)
			dq->tx_chains++;
	}
	if (dp->tx_offloads != 0)
		ok = rte_eth_tx_prepare(dp->port_id, q, m, ok);
	uint16_t sent = rte_eth_tx_burst(dp->port_id, q, m, ok);
	dpdk_gate_leave(dp->gate, q);
	for (uint16_t i = 0; i < sent; i++)
		held_queue(nic, pkts[i])->held--;
	if (sent == ok && ok < n) {
		/* frame `ok` cannot be sent as built: taken and dropped */
		dq->tx_bad++;
		dpdk_free(nic, pkts[ok]);
		sent++;
	}
	return sent;
}

static uint16_t dpdk_tx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts,
			      uint16_t n)
{
	uint16_t total = 0;
	while (total < n) {
		uint16_t want = n - total > DPDK_BURST ? DPDK_BURST : n - total;
		uint16_t took = tx_chunk(nic, q, pkts + total, want);
		total += took;
		if (took < want)
			break;
	}
	return total;
}

static int dpdk_wait(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline)
{
	(void)q;
	if (deadline != UTCP_TIME_NEVER && utcp_nic_monotonic_now(nic) >= deadline)
		return 0;
	return 1; /* poll mode: frames may be ready at any time */
}

/* wait() never sleeps, so there is nothing to end: a waker's news is seen
 * in the next round. */
static int dpdk_wake(struct utcp_nic *nic, uint16_t q)
{
	(void)nic;
	(void)q;
	return 0;
}

/* The port's counters and link, -1 for an unknown link.  Statistics are
 * asked for rarely: this waits (briefly) for the interrupt thread rather
 * than report zeros. */
static int port_counters(struct dpdk_priv *dp, struct rte_eth_stats *es)
{
	struct rte_eth_link link;
	int up = -1;
	memset(&link, 0, sizeof(link));
	while (!dpdk_gate_enter(dp->gate, dp->nb_queues))
		rte_pause();
	if (rte_eth_stats_get(dp->port_id, es) != 0)
		memset(es, 0, sizeof(*es));
	if (rte_eth_link_get_nowait(dp->port_id, &link) == 0)
		up = link.link_status == RTE_ETH_LINK_UP;
	dpdk_gate_leave(dp->gate, dp->nb_queues);
	return up;
}

static int dpdk_stats(struct utcp_nic *nic, struct utcp_nic_stats *st)
{
	struct dpdk_priv *dp = dpriv(nic);
	struct rte_eth_stats es;
	memset(st, 0, sizeof(*st));
	st->link_up = port_counters(dp, &es);
	st->rx_pkts = es.ipackets;
	st->rx_bytes = es.ibytes;
	st->rx_missed = es.imissed + es.rx_nombuf;
	st->rx_errors = es.ierrors;
	st->tx_pkts = es.opackets;
	st->tx_bytes = es.obytes;
	st->tx_errors = es.oerrors;
	for (uint16_t q = 0; q < dp->nb_queues; q++) {
		st->bufs_in_use += dp->q[q].held;
		st->rx_errors += dp->q[q].rx_dropped;
		st->tx_errors += dp->q[q].tx_bad;
	}
	st->rx_missed += utcp_fanout_dropped(&dp->fan);
	return 0;
}

/* Queue q's pools, each once: receive, frames (when separate), large. */
static int queue_pools(const struct dpdk_queue *dq, struct rte_mempool **pools)
{
	int n = 0;
	if (dq->pool != NULL)
		pools[n++] = dq->pool;
	if (dq->frames != NULL && dq->frames != dq->pool)
		pools[n++] = dq->frames;
	if (dq->large != NULL)
		pools[n++] = dq->large;
	return n;
}

uint64_t utcp_dpdk_mbufs_in_use(struct utcp_nic *nic)
{
	struct dpdk_priv *dp = dpriv(nic);
	uint64_t n = 0;
	for (uint16_t q = 0; q < dp->nb_queues; q++) {
		struct rte_mempool *pools[3];
		int k = queue_pools(&dp->q[q], pools);
		for (int i = 0; i < k; i++)
			n += rte_mempool_in_use_count(pools[i]);
	}
	return n;
}

void utcp_dpdk_seg_stats(struct utcp_nic *nic, struct utcp_dpdk_seg_stats *st)
{
	struct dpdk_priv *dp = dpriv(nic);
	memset(st, 0, sizeof(*st));
	for (uint16_t q = 0; q < dp->nb_queues; q++) {
		st->rx_joined += dp->q[q].rx_joined;
		st->rx_dropped += dp->q[q].rx_dropped;
		st->gro_joined += dp->q[q].gro_joined;
		st->gro_frames += dp->q[q].gro_frames;
		st->tx_chains += dp->q[q].tx_chains;
	}
}

/* At close, at INFO (--log-level=utcp.dpdk:info): what seg.c and GRO did. */
static void log_counters(struct utcp_nic *nic)
{
	struct dpdk_priv *dp = dpriv(nic);
	struct utcp_dpdk_seg_stats st;
	utcp_dpdk_seg_stats(nic, &st);
	rte_log(RTE_LOG_INFO, (uint32_t)dpdk_logtype,
		"utcp.dpdk: port %u: MTU %u, mbuf data room %u (frames %u); %" PRIu64
		" chained frames joined, %" PRIu64 " dropped; GRO %s: %" PRIu64
		" segments joined into %" PRIu64 " frames; %" PRIu64 " frames sent as chains\n",
		dp->port_id, dp->mtu, dp->seg.rx_room, dp->seg.frame_room, st.rx_joined,
		st.rx_dropped, dp->gro ? "on" : "off", st.gro_joined, st.gro_frames, st.tx_chains);
}

uint64_t utcp_dpdk_mbufs_lost(void)
{
	return __atomic_load_n(&mbufs_lost, __ATOMIC_RELAXED);
}

uint16_t utcp_dpdk_port_id(struct utcp_nic *nic)
{
	return dpriv(nic)->port_id;
}

static void priv_free(struct dpdk_priv *dp)
{
	/* memif's stop and close disconnect (unmap the regions, free the
	 * control channel) as the interrupt thread does when the peer leaves:
	 * never both at once */
	dpdk_gate_hold_intr();
	if (dp->started)
		rte_eth_dev_stop(dp->port_id);
	if (dp->configured)
		rte_eth_dev_close(dp->port_id);
	dpdk_gate_release_intr();
	for (uint16_t q = 0; q < dp->nb_queues; q++) {
		struct rte_mempool *pools[3];
		int k = queue_pools(&dp->q[q], pools);
		for (int i = 0; i < k; i++) {
			/* the port is stopped: every mbuf should be home */
			__atomic_add_fetch(&mbufs_lost, rte_mempool_in_use_count(pools[i]),
					   __ATOMIC_RELAXED);
			rte_mempool_free(pools[i]);
		}
	}
	if (dp->eal_ref)
		utcp_dpdk_eal_release();
	utcp_fanout_destroy(&dp->fan);
	dpdk_gate_free(dp->gate);
	free(dp);
}

static void dpdk_close(struct utcp_nic *nic)
{
	log_counters(nic);
	priv_free(nic->priv);
	free(nic);
}

static const struct utcp_nic_ops dpdk_ops = {
	.name = "dpdk",
	.rx_burst = dpdk_rx_burst,
	.tx_burst = dpdk_tx_burst,
	.alloc = dpdk_alloc,
	.free = dpdk_free,
	.wait = dpdk_wait,
	.now = utcp_nic_monotonic_now,
	.stats = dpdk_stats,
	.close = dpdk_close,
	.wake = dpdk_wake,
	.alloc_large = dpdk_alloc_large,
};

/* ---- setup ------------------------------------------------------------------ */

/* An ethdev named `name`, else "dpdkN" or "N" as port id N. */
static int find_port(const char *name, uint16_t *port_id)
{
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	const char *digits = strncmp(name, "dpdk", 4) == 0 ? name + 4 : name;
	uint64_t id;
	if (utcp_parse_u64(digits, 10, 0, RTE_MAX_ETHPORTS - 1, &id) != 0 ||
	    !rte_eth_dev_is_valid_port((uint16_t)id))
		return -1;
	*port_id = (uint16_t)id;
	return 0;
}

/* TSO and GRO: a few mbufs per queue with room for a 64 KiB frame. */
static int make_large_pools(struct dpdk_priv *dp, char *err, size_t errlen)
{
	for (uint16_t q = 0; q < dp->nb_queues; q++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		snprintf(name, sizeof(name), "utcp_p%u_q%u_tso", dp->port_id, q);
		dp->q[q].large = rte_pktmbuf_pool_create(name, DPDK_LARGE_BUFS, 0, DPDK_PRIV_SIZE,
							 DPDK_LARGE_ROOM,
							 rte_eth_dev_socket_id(dp->port_id));
		if (dp->q[q].large == NULL) {
			utcp_set_err(err, errlen, "dpdk port %u: pool of %u large (TSO, GRO) mbufs for "
					     "queue %u: %s (raise -m in dpdk_args or set dpdk_tso and "
					     "dpdk_gro to 0)",
				dp->port_id, DPDK_LARGE_BUFS, q, rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

/* One pool of n mbufs with a data room of room bytes, for queue q. */
static struct rte_mempool *make_pool(struct dpdk_priv *dp, uint16_t q, const char *what,
				     unsigned n, uint32_t room, char *err, size_t errlen)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned cache = n / 8 < 256 ? n / 8 : 256;
	snprintf(name, sizeof(name), "utcp_p%u_q%u%s", dp->port_id, q, what);
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, cache, DPDK_PRIV_SIZE,
							 (uint16_t)room,
							 rte_eth_dev_socket_id(dp->port_id));
	if (mp == NULL)
		utcp_set_err(err, errlen, "dpdk port %u: pool of %u mbufs (data room %u) for queue "
				     "%u: %s (raise -m in dpdk_args, lower max_pkt_buffers or "
				     "dpdk_mtu)", dp->port_id, n, room, q, rte_strerror(rte_errno));
	return mp;
}

/* Per queue: the receive pool, the frame pool (alloc(); the receive pool
 * itself unless its mbufs are smaller than a frame of the MTU: then enough
 * for the tx ring, a receive ring of joined chains and some bursts), and
 * the large pool for TSO and GRO. */
static int make_pools(struct dpdk_priv *dp, const struct utcp_config *cfg, char *err,
		      size_t errlen)
{
	unsigned n = cfg->max_pkt_buffers > 0 ? (unsigned)cfg->max_pkt_buffers : 8192;
	unsigned need = (unsigned)cfg->num_rx_desc + (unsigned)cfg->num_tx_desc + 2 * DPDK_BURST;
	if (n < need)
		n = need > DPDK_MIN_BUFS ? need : DPDK_MIN_BUFS;
	unsigned nf = need + 2 * DPDK_BURST < n ? need + 2 * DPDK_BURST : n;
	for (uint16_t q = 0; q < dp->nb_queues; q++) {
		struct dpdk_queue *dq = &dp->q[q];
		dq->pool = make_pool(dp, q, "", n, dp->seg.rx_room, err, errlen);
		if (dq->pool == NULL)
			return -1;
		dq->frames = dp->seg.rx_room >= dp->seg.frame_room
				     ? dq->pool
				     : make_pool(dp, q, "_f", nf, dp->seg.frame_room, err, errlen);
		if (dq->frames == NULL)
			return -1;
	}
	if ((dp->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) || dp->gro)
		return make_large_pools(dp, err, errlen);
	return 0;
}

/* Toeplitz with our key is usable: the device hashes IPv4/TCP and lets us
 * program the key and the redirection table. */
static int toeplitz_ok(const struct rte_eth_dev_info *di)
{
	return (di->flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) && di->reta_size > 0 &&
	       di->hash_key_size >= UTCP_RSS_KEY_LEN;
}

/* rss_key: the symmetric key repeated to the device's key length (Toeplitz
 * over an IPv4 4-tuple reads only the first 16 bytes, over an IPv6 one the
 * first 40, so the hash is the one core/wire/rss.c computes). */
static void fill_conf(struct rte_eth_conf *conf, const struct rte_eth_dev_info *di,
		      uint16_t nb_queues, int tso, uint8_t *rss_key, uint64_t *tx_off)
{
	memset(conf, 0, sizeof(*conf));
	if (nb_queues > 1 && toeplitz_ok(di)) {
		for (unsigned i = 0; i < di->hash_key_size; i++)
			rss_key[i] = utcp_rss_symmetric_key[i % UTCP_RSS_KEY_LEN];
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_key = rss_key;
		conf->rx_adv_conf.rss_conf.rss_key_len = di->hash_key_size;
		conf->rx_adv_conf.rss_conf.rss_hf =
			di->flow_type_rss_offloads & (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4 |
						      RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_IPV6);
	}
	conf->rxmode.offloads = di->rx_offload_capa &
				(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
	*tx_off = di->tx_offload_capa & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
	/* TSO needs both checksums filled per segment */
	if (tso && *tx_off == (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM))
		*tx_off |= di->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO;
	conf->txmode.offloads = *tx_off;
}

static uint32_t offload_caps(const struct rte_eth_conf *conf)
{
	uint32_t o = 0;
	if (conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		o |= UTCP_NIC_RX_IPV4_CKSUM;
	if (conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
		o |= UTCP_NIC_RX_TCP_CKSUM;
	if (conf->txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		o |= UTCP_NIC_TX_IPV4_CKSUM;
	if (conf->txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
		o |= UTCP_NIC_TX_TCP_CKSUM;
	if (conf->txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO)
		o |= UTCP_NIC_TX_TCP_TSO;
	return o;
}

static int setup_queues(struct dpdk_priv *dp, const struct utcp_config *cfg, char *err,
			size_t errlen)
{
	int socket = rte_eth_dev_socket_id(dp->port_id);
	uint16_t nb_rxd = (uint16_t)cfg->num_rx_desc, nb_txd = (uint16_t)cfg->num_tx_desc;
	int r = rte_eth_dev_adjust_nb_rx_tx_desc(dp->port_id, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; r == 0 && q < dp->nb_queues; q++) {
		r = rte_eth_rx_queue_setup(dp->port_id, q, nb_rxd, socket, NULL, dp->q[q].pool);
		if (r == 0)
			r = rte_eth_tx_queue_setup(dp->port_id, q, nb_txd, socket, NULL);
	}
	if (r != 0) {
		utcp_set_err(err, errlen, "dpdk port %u: queue setup (%u rx / %u tx descriptors): %s",
			dp->port_id, nb_rxd, nb_txd, rte_strerror(-r));
		return -1;
	}
	return 0;
}

/* The table sends hash h to queue (h % 128) % nb_queues, as caps.reta says. */
static int program_reta(struct dpdk_priv *dp, const struct rte_eth_dev_info *di,
			struct utcp_nic_caps *c)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t size = di->reta_size;
	if (size > RTE_ETH_RSS_RETA_SIZE_512)
		return -1;
	memset(reta, 0, sizeof(reta));
	for (uint16_t i = 0; i < size; i++) {
		struct rte_eth_rss_reta_entry64 *g = &reta[i / RTE_ETH_RETA_GROUP_SIZE];
		g->mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		g->reta[i % RTE_ETH_RETA_GROUP_SIZE] = (uint16_t)(i % DPDK_RETA_PERIOD % dp->nb_queues);
	}
	if (rte_eth_dev_rss_reta_update(dp->port_id, reta, size) != 0)
		return -1;
	c->reta_size = size < DPDK_RETA_PERIOD ? size : DPDK_RETA_PERIOD;
	for (uint16_t i = 0; i < c->reta_size; i++)
		c->reta[i] = (uint16_t)(i % dp->nb_queues);
	return 0;
}

static void fill_caps(struct utcp_nic *nic, const struct rte_eth_dev_info *di,
		      const struct rte_eth_conf *conf, const struct utcp_port_config *port)
{
	struct dpdk_priv *dp = dpriv(nic);
	struct utcp_nic_caps *c = &nic->caps;
	struct rte_ether_addr mac;
	uint16_t mtu = 1500;
	c->nb_queues = dp->nb_queues;
	c->max_queues = di->max_rx_queues < di->max_tx_queues ? di->max_rx_queues
							      : di->max_tx_queues;
	if (rte_eth_dev_get_mtu(dp->port_id, &mtu) != 0 || mtu > 1500)
		mtu = 1500; /* dpdk_mtu = 0: buffers for one standard frame */
	if (dp->seg.mtu != 0)
		mtu = dp->seg.mtu; /* set at configure (seg.c) */
	c->mtu = mtu;
	if (port->has_mac) {
		memcpy(c->mac, port->mac, UTCP_ETH_ALEN);
		rte_eth_promiscuous_enable(dp->port_id); /* frames to our own MAC */
	} else if (rte_eth_macaddr_get(dp->port_id, &mac) == 0) {
		memcpy(c->mac, mac.addr_bytes, UTCP_ETH_ALEN);
	}
	static const uint8_t no_ip6[16];
	if (memcmp(port->ip6.b, no_ip6, sizeof(no_ip6)) != 0)
		rte_eth_allmulticast_enable(dp->port_id); /* IPv6 solicited-node groups (33:33:...) */
	c->offloads = offload_caps(conf);
	if (dp->gro)
		c->offloads |= UTCP_NIC_RX_TCP_LRO;
	c->buf_size = dp->seg.frame_room;
	dp->mtu = mtu;
	if (c->offloads & UTCP_NIC_TX_TCP_TSO) {
		c->tso_max = DPDK_LARGE_ROOM - RTE_PKTMBUF_HEADROOM;
		if (dp->gso_tap)
			c->offloads |= UTCP_NIC_TX_TCP_TSO4_ONLY;
	}
	c->rss = dp->nb_queues > 1 ? UTCP_RSS_OPAQUE : UTCP_RSS_NONE;
	if (conf->rxmode.mq_mode == RTE_ETH_MQ_RX_RSS && program_reta(dp, di, c) == 0) {
		c->rss = UTCP_RSS_TOEPLITZ;
		memcpy(c->rss_key, utcp_rss_symmetric_key, UTCP_RSS_KEY_LEN);
	}
}

static int start_port(struct utcp_nic *nic, const struct utcp_config *cfg,
		      const struct utcp_port_config *port, char *err, size_t errlen)
{
	struct dpdk_priv *dp = dpriv(nic);
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf;
	uint8_t rss_key[256]; /* hash_key_size is a uint8_t */
	int r = rte_eth_dev_info_get(dp->port_id, &di);
	if (r != 0) {
		utcp_set_err(err, errlen, "dpdk port %u: dev_info: %s", dp->port_id, rte_strerror(-r));
		return -1;
	}
	if (dp->nb_queues > di.max_rx_queues || dp->nb_queues > di.max_tx_queues) {
		utcp_set_err(err, errlen, "dpdk port %u (%s): %u queues wanted (num_cores), the device "
				     "has %u rx / %u tx", dp->port_id, di.driver_name, dp->nb_queues,
			di.max_rx_queues, di.max_tx_queues);
		errno = EINVAL;
		return -1;
	}
	fill_conf(&conf, &di, dp->nb_queues, cfg->dpdk_tso, rss_key, &dp->tx_offloads);
	dp->gso_tap = strcmp(di.driver_name, "net_tap") == 0;
	/* GRO joins only segments whose TCP checksum the port verified */
	dp->gro = cfg->dpdk_gro && (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
	if (dpdk_seg_plan(&dp->seg, cfg, dp->port_id, &di, &conf, err, errlen) != 0)
		return -1;
	dp->tx_offloads = conf.txmode.offloads; /* MULTI_SEGS when frames go as chains */
	r = rte_eth_dev_configure(dp->port_id, dp->nb_queues, dp->nb_queues, &conf);
	if (r != 0) {
		utcp_set_err(err, errlen, "dpdk port %u (%s): configure: %s", dp->port_id, di.driver_name,
			rte_strerror(-r));
		return -1;
	}
	dp->configured = 1;
	if (make_pools(dp, cfg, err, errlen) != 0 || setup_queues(dp, cfg, err, errlen) != 0)
		return -1;
	r = rte_eth_dev_start(dp->port_id);
	if (r != 0) {
		utcp_set_err(err, errlen, "dpdk port %u (%s): start: %s", dp->port_id, di.driver_name,
			rte_strerror(-r));
		return -1;
	}
	dp->started = 1;
	fill_caps(nic, &di, &conf, port);
	return 0;
}

struct utcp_nic *utcp_dpdk_open(const struct utcp_config *cfg, const struct utcp_port_config *port,
				uint16_t nb_queues, char *err, size_t errlen)
{
	struct dpdk_priv *dp = calloc(1, sizeof(*dp) + nb_queues * sizeof(dp->q[0]));
	struct utcp_nic *nic = calloc(1, sizeof(*nic));
	if (dp == NULL || nic == NULL) {
		free(dp);
		free(nic);
		utcp_set_err(err, errlen, "dpdk: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (utcp_dpdk_eal_acquire(cfg, err, errlen) != 0) {
		free(dp);
		free(nic);
		return NULL;
	}
	dp->eal_ref = 1;
	nic->ops = &dpdk_ops;
	nic->priv = dp;
	snprintf(nic->name, sizeof(nic->name), "%s", port->name);
	if (find_port(port->name, &dp->port_id) != 0) {
		utcp_set_err(err, errlen, "dpdk: no port '%s' (%u ports: give a --vdev or a PCI device in "
				     "dpdk_args, and name the port by its ethdev name or dpdkN)",
			port->name, rte_eth_dev_count_avail());
		errno = ENODEV;
		goto fail;
	}
	dp->gate = dpdk_gate_new((unsigned)nb_queues + 1);
	if (dp->gate == NULL || utcp_fanout_init(&dp->fan, nb_queues) != 0) {
		utcp_set_err(err, errlen, "dpdk: out of memory");
		errno = ENOMEM;
		goto fail;
	}
	dp->nb_queues = nb_queues;
	if (start_port(nic, cfg, port, err, errlen) != 0)
		goto fail;
	return nic;
fail:
	if (errno == 0)
		errno = EIO;
	int e = errno;
	priv_free(dp);
	free(nic);
	errno = e;
	return NULL;
}
