/*
 * nic/psio/psio.c - the PSIO backend: the PacketShader I/O engine (io_engine:
 * the ps_ixgbe driver for Intel 82599 NICs and its user library libps, the
 * original mTCP driver) as a utcp NIC.
 *
 * Call order:
 *   utcp_psio_open(cfg, port, nb_queues)
 *     -> ps_list_devices(): the device named cfg->psio_dev, else port->name
 *     -> per queue q: ps_init_handle(), ps_attach_rx_device({ifindex, q}),
 *        ps_alloc_chunk() for rx and for tx, a utcp packet pool
 *   per queue (only the context owning q calls these):
 *     rx_burst: copies of ARP/ICMP frames other queues received first
 *               (nic/fanout.h), then ps_recv_chunk() (nonblocking), each
 *               frame copied from the chunk into a utcp buffer
 *     tx_burst: frames copied into the tx chunk, ps_send_chunk(); the frames
 *               the engine took are freed at once, the rest stay the caller's
 *     wait:     ps_select() on the queue, as mTCP's psio_module does when a
 *               core is idle, until a frame or the deadline
 *   close: ps_free_chunk(), ps_close_handle(), the pools.
 *
 * The engine hands out no buffers of its own: chunks are rewritten by every
 * call, so frames are copied between chunks and utcp buffers (as mTCP did).
 * RSS: the ps_ixgbe driver programs the 82599 with the symmetric Toeplitz key
 * and a 128-entry redirection table i -> i % rx queues, so caps.rss says
 * Toeplitz over all of the device's rx queues; every queue must then have a
 * context (nb_queues == the device's rx queues), or flows hashed to a queue
 * nobody reads would be lost.  No checksum offloads are used.
 *
 * Tested only against the in-memory fake in tests/psio-fake (no 82599 NIC or
 * ps_ixgbe driver exists on the test machines): see README.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ps.h>

#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "core/base/err.h"
#include "core/base/pool.h"
#include "core/wire/wire.h"
#include "nic/fanout.h"
#include "nic/psio/psio.h"

#define PSIO_DEFAULT_BUFS 8192
#define PSIO_SELECT_MAX_US 100000 /* one ps_select sleeps at most 100 ms */
#define PSIO_RETA_SIZE 128        /* the 82599's redirection table */

struct psio_queue {
	struct ps_handle handle;
	struct ps_chunk rx, tx;
	int has_handle, has_rx, has_tx, has_pool;
	struct utcp_pkt_pool pool;
	uint64_t rx_missed, rx_errors, tx_errors;
};

struct psio_priv {
	struct ps_device dev;
	struct utcp_fanout fan; /* ARP/ICMP copies for the other queues */
	uint16_t nb_queues;
	struct psio_queue q[];
};

static struct psio_queue *psq(struct utcp_nic *nic, uint16_t q)
{
	return &((struct psio_priv *)nic->priv)->q[q];
}

static int psio_ifindex(struct utcp_nic *nic)
{
	return ((struct psio_priv *)nic->priv)->dev.ifindex;
}

/* ---- data path ----------------------------------------------------------- */

/* Frame i of the rx chunk into a utcp buffer, or NULL (counted). */
static struct utcp_pkt *copy_in(struct psio_priv *pp, int i, uint16_t q)
{
	struct psio_queue *pq = &pp->q[q];
	const struct ps_pkt_info *pi = &pq->rx.info[i];
	struct utcp_pkt *pkt = utcp_pkt_pool_get(&pq->pool);
	if (pkt == NULL) {
		pq->rx_missed++; /* the chunk is reused: the frame is lost */
		return NULL;
	}
	if (pi->len == 0 || pi->len > utcp_pkt_tailroom(pkt)) {
		pq->rx_errors++;
		utcp_pkt_pool_put(pkt);
		return NULL;
	}
	memcpy(pkt->data, pq->rx.buf + pi->offset, pi->len);
	if (utcp_fanout_wanted(pkt->data, pi->len))
		utcp_fanout_push(&pp->fan, q, pkt->data, pi->len);
	pkt->len = pi->len;
	pkt->queue = q;
	/* one verdict for the whole frame: trust GOOD, let software judge the rest */
	if (pi->checksum_rx == PS_CHECKSUM_RX_GOOD)
		pkt->ol_flags = UTCP_PKT_RX_IP_CKSUM_GOOD | UTCP_PKT_RX_L4_CKSUM_GOOD;
	return pkt;
}

/* Copies of ARP/ICMP frames another queue received (nic/fanout.h). */
static uint16_t take_copies(struct psio_priv *pp, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	uint16_t out = 0;
	while (out < n && utcp_fanout_pending(&pp->fan, q)) {
		struct utcp_pkt *pkt = utcp_pkt_pool_get(&pp->q[q].pool);
		if (pkt == NULL)
			break;
		pkt->len = (uint16_t)utcp_fanout_pop(&pp->fan, q, pkt->data, utcp_pkt_tailroom(pkt));
		if (pkt->len == 0) {
			utcp_pkt_pool_put(pkt);
			break;
		}
		pkt->queue = q;
		pkt->ol_flags = UTCP_PKT_RX_COPY;
		pkts[out++] = pkt;
	}
	return out;
}

static uint16_t psio_rx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts,
			      uint16_t n)
{
	struct psio_priv *pp = nic->priv;
	struct psio_queue *pq = &pp->q[q];
	uint16_t out = take_copies(pp, q, pkts, n);
	if (out == n)
		return out;
	pq->rx.cnt = n - out < MAX_CHUNK_SIZE ? n - out : MAX_CHUNK_SIZE;
	pq->rx.recv_blocking = 0;
	int got = ps_recv_chunk(&pq->handle, &pq->rx);
	if (got < 0) {
		if (errno != EAGAIN && errno != EINTR)
			pq->rx_errors++;
		return out;
	}
	for (int i = 0; i < got && out < n; i++) {
		struct utcp_pkt *pkt = copy_in(pp, i, q);
		if (pkt != NULL)
			pkts[out++] = pkt;
	}
	return out;
}

static uint16_t psio_tx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts,
			      uint16_t n)
{
	struct psio_queue *pq = psq(nic, q);
	int k = 0;
	for (; k < n && k < MAX_CHUNK_SIZE; k++) {
		if (pkts[k]->len > MAX_PACKET_SIZE)
			break; /* cannot happen with MTU-sized buffers; not taken */
		pq->tx.info[k].offset = (uint32_t)k * MAX_PACKET_SIZE;
		pq->tx.info[k].len = pkts[k]->len;
		memcpy(pq->tx.buf + pq->tx.info[k].offset, pkts[k]->data, pkts[k]->len);
	}
	pq->tx.cnt = k;
	pq->tx.queue.ifindex = psio_ifindex(nic);
	pq->tx.queue.qidx = q;
	int sent = k > 0 ? ps_send_chunk(&pq->handle, &pq->tx) : 0;
	if (sent < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0; /* not taken: still the caller's */
		pq->tx_errors += (uint64_t)k; /* the engine failed: taken and dropped */
		sent = k;
	}
	for (int i = 0; i < sent; i++)
		utcp_pkt_pool_put(pkts[i]);
	return (uint16_t)sent;
}

static struct utcp_pkt *psio_alloc(struct utcp_nic *nic, uint16_t q)
{
	return utcp_pkt_pool_get(&psq(nic, q)->pool);
}

static void psio_free(struct utcp_nic *nic, struct utcp_pkt *pkt)
{
	(void)nic;
	utcp_pkt_pool_put(pkt);
}

/* ps_select on queue q in slices of at most 100 ms until a frame or the
 * deadline. */
static int psio_wait(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline)
{
	struct psio_queue *pq = psq(nic, q);
	for (;;) {
		utcp_time_t now = utcp_nic_monotonic_now(nic);
		if (deadline != UTCP_TIME_NEVER && now >= deadline)
			return 0;
		utcp_time_t left_us = deadline == UTCP_TIME_NEVER ? PSIO_SELECT_MAX_US
								  : (deadline - now + 999) / 1000;
		struct ps_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.timeout = (long)(left_us < PSIO_SELECT_MAX_US ? left_us : PSIO_SELECT_MAX_US);
		ev.qidx = q;
		NID_SET(psio_ifindex(nic), ev.rx_nids);
		if (ps_select(&pq->handle, &ev) < 0)
			return -1;
		if (NID_ISSET(psio_ifindex(nic), ev.rx_nids))
			return 1;
	}
}

static int psio_stats(struct utcp_nic *nic, struct utcp_nic_stats *st)
{
	struct psio_priv *pp = nic->priv;
	int d = pp->dev.ifindex;
	memset(st, 0, sizeof(*st));
	for (uint16_t q = 0; q < pp->nb_queues; q++) {
		const struct psio_queue *pq = &pp->q[q];
		st->rx_pkts += pq->handle.rx_packets[d];
		st->rx_bytes += pq->handle.rx_bytes[d];
		st->tx_pkts += pq->handle.tx_packets[d];
		st->tx_bytes += pq->handle.tx_bytes[d];
		st->rx_missed += pq->rx_missed;
		st->rx_errors += pq->rx_errors;
		st->tx_errors += pq->tx_errors;
		st->bufs_in_use += pq->pool.pool.in_use;
	}
	st->rx_missed += utcp_fanout_dropped(&pp->fan);
	st->link_up = -1; /* the engine's user API has no link query */
	return 0;
}

static void priv_free(struct psio_priv *pp)
{
	for (uint16_t q = 0; q < pp->nb_queues; q++) {
		struct psio_queue *pq = &pp->q[q];
		if (pq->has_rx)
			ps_free_chunk(&pq->rx);
		if (pq->has_tx)
			ps_free_chunk(&pq->tx);
		if (pq->has_handle)
			ps_close_handle(&pq->handle);
		if (pq->has_pool)
			utcp_pkt_pool_destroy(&pq->pool);
	}
	utcp_fanout_destroy(&pp->fan);
	free(pp);
}

static void psio_close(struct utcp_nic *nic)
{
	priv_free(nic->priv);
	free(nic);
}

static const struct utcp_nic_ops psio_ops = {
	.name = "psio",
	.rx_burst = psio_rx_burst,
	.tx_burst = psio_tx_burst,
	.alloc = psio_alloc,
	.free = psio_free,
	.wait = psio_wait,
	.now = utcp_nic_monotonic_now,
	.stats = psio_stats,
	.close = psio_close,
};

/* ---- setup ------------------------------------------------------------------ */

static int find_device(const char *name, struct ps_device *out, char *err, size_t errlen)
{
	struct ps_device devs[MAX_DEVICES];
	char names[MAX_DEVICES * (IFNAMSIZ + 2)] = "";
	int n = ps_list_devices(devs);
	if (n < 0) {
		utcp_set_err(err, errlen, "psio: ps_list_devices: %s (is the ps_ixgbe driver loaded?)",
			strerror(errno));
		return -1;
	}
	for (int i = 0; i < n && i < MAX_DEVICES; i++) {
		if (strncmp(devs[i].name, name, IFNAMSIZ) == 0) {
			*out = devs[i];
			return 0;
		}
		size_t len = strlen(names);
		snprintf(names + len, sizeof(names) - len, "%s%.*s", i ? ", " : "", IFNAMSIZ,
			 devs[i].name);
	}
	utcp_set_err(err, errlen, "psio: no device '%s' (the engine has: %s)", name,
		n > 0 ? names : "none");
	errno = ENODEV;
	return -1;
}

static int open_queue(struct psio_priv *pp, uint16_t q, uint32_t bufs, char *err, size_t errlen)
{
	struct psio_queue *pq = &pp->q[q];
	struct ps_queue attach = { .ifindex = pp->dev.ifindex, .qidx = q };
	const char *what = "ps_init_handle";
	if (ps_init_handle(&pq->handle) != 0)
		goto fail;
	pq->has_handle = 1;
	what = "ps_attach_rx_device";
	if (ps_attach_rx_device(&pq->handle, &attach) != 0)
		goto fail;
	what = "ps_alloc_chunk";
	if (ps_alloc_chunk(&pq->handle, &pq->rx) != 0)
		goto fail;
	pq->has_rx = 1;
	if (ps_alloc_chunk(&pq->handle, &pq->tx) != 0)
		goto fail;
	pq->has_tx = 1;
	what = "packet pool";
	if (utcp_pkt_pool_init(&pq->pool, "psio", UTCP_PKT_BUF_SIZE, bufs) != 0)
		goto fail;
	pq->has_pool = 1;
	return 0;
fail:
	utcp_set_err(err, errlen, "psio %.*s queue %u: %s: %s", IFNAMSIZ, pp->dev.name, q, what,
		strerror(errno));
	return -1;
}

static void fill_caps(struct utcp_nic *nic, const struct psio_priv *pp,
		      const struct utcp_port_config *port)
{
	struct utcp_nic_caps *c = &nic->caps;
	c->nb_queues = pp->nb_queues;
	c->max_queues = (uint16_t)pp->dev.num_rx_queues;
	c->mtu = 1500;
	memcpy(c->mac, port->has_mac ? (const char *)port->mac : pp->dev.dev_addr, UTCP_ETH_ALEN);
	c->offloads = 0;
	c->buf_size = UTCP_PKT_BUF_SIZE;
	c->rss = UTCP_RSS_NONE;
	if (pp->nb_queues > 1) {
		c->rss = UTCP_RSS_TOEPLITZ;
		memcpy(c->rss_key, utcp_rss_symmetric_key, UTCP_RSS_KEY_LEN);
		c->reta_size = PSIO_RETA_SIZE;
		for (uint16_t i = 0; i < PSIO_RETA_SIZE; i++)
			c->reta[i] = (uint16_t)(i % pp->nb_queues);
	}
}

struct utcp_nic *utcp_psio_open(const struct utcp_config *cfg, const struct utcp_port_config *port,
				uint16_t nb_queues, char *err, size_t errlen)
{
	const char *name = cfg->psio_dev[0] != '\0' ? cfg->psio_dev : port->name;
	struct psio_priv *pp = calloc(1, sizeof(*pp) + nb_queues * sizeof(pp->q[0]));
	struct utcp_nic *nic = calloc(1, sizeof(*nic));
	if (pp == NULL || nic == NULL) {
		free(pp);
		free(nic);
		utcp_set_err(err, errlen, "psio: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (find_device(name, &pp->dev, err, errlen) != 0)
		goto fail;
	if (pp->dev.num_rx_queues != nb_queues || pp->dev.num_tx_queues < nb_queues) {
		utcp_set_err(err, errlen, "psio %s: %u queues wanted (num_cores), the device has %d rx / "
				     "%d tx; the 82599 spreads flows over every rx queue, so "
				     "num_cores must equal its rx queues", name, nb_queues,
			pp->dev.num_rx_queues, pp->dev.num_tx_queues);
		errno = EINVAL;
		goto fail;
	}
	uint32_t bufs = cfg->max_pkt_buffers > 0 ? (uint32_t)cfg->max_pkt_buffers : PSIO_DEFAULT_BUFS;
	pp->nb_queues = nb_queues;
	if (utcp_fanout_init(&pp->fan, nb_queues) != 0) {
		utcp_set_err(err, errlen, "psio %s: out of memory", name);
		goto fail;
	}
	for (uint16_t q = 0; q < nb_queues; q++)
		if (open_queue(pp, q, bufs, err, errlen) != 0)
			goto fail;
	nic->ops = &psio_ops;
	nic->priv = pp;
	snprintf(nic->name, sizeof(nic->name), "%s", port->name[0] ? port->name : name);
	fill_caps(nic, pp, port);
	return nic;
fail:;
	int e = errno ? errno : EIO;
	priv_free(pp);
	free(nic);
	errno = e;
	return NULL;
}
