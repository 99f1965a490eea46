/*
 * tests/unit/testnic.c - the in-memory test NIC and frame builders.
 *
 * Call order: tn_new -> (stack takes it) -> tn_inject / utcp_ctx_poll /
 * tn_tx_pop ... -> utcp_nic_close (by utcp_stack_close).
 *
 * Each queue has a FIFO of injected frames (rx) and of frames the stack sent
 * (tx), linked through pkt->next, which belongs to the NIC while it owns the
 * buffer.  wait() never blocks: if frames are queued it says so, otherwise
 * it moves the clock to the deadline (virtual time), and a wait without a
 * deadline on an empty queue fails with EDEADLK instead of hanging a test.
 */
#include "tests/unit/testnic.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/net.h"
#include "core/base/bytes.h"

const uint8_t tn_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const uint8_t tn_zero_mac[6];
const uint8_t tn_host_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t tn_peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
const uint8_t tn_gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };

/* ---- FIFOs -------------------------------------------------------------- */

static void fifo_push(struct tn_fifo *f, struct utcp_pkt *p)
{
	p->next = NULL;
	if (f->tail)
		f->tail->next = p;
	else
		f->head = p;
	f->tail = p;
	f->n++;
}

static struct utcp_pkt *fifo_pop(struct tn_fifo *f)
{
	struct utcp_pkt *p = f->head;

	if (p == NULL)
		return NULL;
	f->head = p->next;
	if (f->head == NULL)
		f->tail = NULL;
	f->n--;
	p->next = NULL;
	return p;
}

/* ---- the vtable --------------------------------------------------------- */

struct testnic *tn_of(struct utcp_nic *nic)
{
	return (struct testnic *)nic;
}

static uint16_t tn_rx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct testnic *tn = tn_of(nic);
	uint16_t i = 0;

	while (i < n && tn->rx[q].n > 0)
		pkts[i++] = fifo_pop(&tn->rx[q]);
	return i;
}

static uint16_t tn_tx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct testnic *tn = tn_of(nic);
	uint16_t i = 0;

	if (n > 0)
		tn->tx_calls++;
	for (; i < n && tn->tx_room > 0; i++) {
		if (tn->tx_room != UINT32_MAX)
			tn->tx_room--;
		fifo_push(&tn->tx[q], pkts[i]);
	}
	return i;
}

static struct utcp_pkt *tn_alloc(struct utcp_nic *nic, uint16_t q)
{
	struct utcp_pkt *p = utcp_pkt_pool_get(&tn_of(nic)->pool);

	if (p != NULL)
		p->queue = q;
	return p;
}

static void tn_free(struct utcp_nic *nic, struct utcp_pkt *pkt)
{
	struct testnic *tn = tn_of(nic);
	ck_assert_msg(utcp_pool_owns(&tn->pool.pool, pkt) ||
			      (tn->has_large && utcp_pool_owns(&tn->large.pool, pkt)),
		      "buffer freed through a NIC it does not belong to");
	utcp_pkt_pool_put(pkt);
}

static int tn_wait(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline)
{
	struct testnic *tn = tn_of(nic);

	tn->waits++;
	tn->last_wait = deadline;
	if (tn->rx[q].n > 0)
		return 1;
	if (deadline == UTCP_TIME_NEVER) {
		errno = EDEADLK;
		return -1;
	}
	if (deadline > tn->now)
		tn->now = deadline;
	return 0;
}

static utcp_time_t tn_now(struct utcp_nic *nic)
{
	return tn_of(nic)->now;
}

static int tn_stats(struct utcp_nic *nic, struct utcp_nic_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->bufs_in_use = tn_bufs_in_use(nic);
	st->link_up = 1;
	return 0;
}

static void tn_close(struct utcp_nic *nic)
{
	struct testnic *tn = tn_of(nic);

	utcp_pkt_pool_destroy(&tn->pool);
	if (tn->has_large)
		utcp_pkt_pool_destroy(&tn->large);
	free(tn);
}

static struct utcp_pkt *tn_alloc_large(struct utcp_nic *nic, uint16_t q)
{
	struct testnic *tn = tn_of(nic);
	struct utcp_pkt *p = tn->has_large ? utcp_pkt_pool_get(&tn->large) : NULL;

	if (p != NULL)
		p->queue = q;
	return p;
}

void tn_set_tso(struct utcp_nic *nic, uint32_t tso_max, uint32_t nb_large)
{
	struct testnic *tn = tn_of(nic);

	ck_assert(!tn->has_large);
	ck_assert_int_eq(utcp_pkt_pool_init(&tn->large, "test large", UTCP_PKT_HEADROOM + 65536,
					    nb_large), 0);
	tn->has_large = 1;
	nic->caps.offloads |= UTCP_NIC_TX_TCP_TSO;
	nic->caps.tso_max = tso_max;
}

static const struct utcp_nic_ops tn_ops = {
	.name = "test",
	.rx_burst = tn_rx_burst,
	.tx_burst = tn_tx_burst,
	.alloc = tn_alloc,
	.free = tn_free,
	.wait = tn_wait,
	.now = tn_now,
	.stats = tn_stats,
	.close = tn_close,
	.alloc_large = tn_alloc_large,
};

struct utcp_nic *tn_new(const char *name, uint16_t nb_queues, const uint8_t mac[6],
			uint32_t nb_bufs)
{
	struct testnic *tn = calloc(1, sizeof(*tn));

	ck_assert_ptr_nonnull(tn);
	ck_assert_int_eq(utcp_pkt_pool_init(&tn->pool, name, UTCP_PKT_BUF_SIZE, nb_bufs), 0);
	tn->nic.ops = &tn_ops;
	snprintf(tn->nic.name, sizeof(tn->nic.name), "%s", name);
	tn->nic.caps.nb_queues = nb_queues;
	tn->nic.caps.max_queues = UTCP_MAX_QUEUES;
	tn->nic.caps.mtu = 1500;
	memcpy(tn->nic.caps.mac, mac, 6);
	tn->nic.caps.rss = UTCP_RSS_TOEPLITZ;
	memcpy(tn->nic.caps.rss_key, utcp_rss_symmetric_key, UTCP_RSS_KEY_LEN);
	tn->nic.caps.buf_size = UTCP_PKT_BUF_SIZE;
	tn->nic.priv = tn;
	tn->tx_room = UINT32_MAX;
	tn->now = UTCP_NSEC_PER_SEC; /* not 0, so "time 0" bugs show */
	return &tn->nic;
}

/* ---- test controls ------------------------------------------------------ */

void tn_set_now(struct utcp_nic *nic, utcp_time_t now)
{
	tn_of(nic)->now = now;
}

void tn_advance(struct utcp_nic *nic, utcp_time_t dt)
{
	tn_of(nic)->now += dt;
}

int tn_inject_flags(struct utcp_nic *nic, uint16_t q, const void *frame, size_t len,
		    uint32_t ol_flags)
{
	struct testnic *tn = tn_of(nic);
	struct utcp_pkt *p = utcp_pkt_pool_get(&tn->pool);

	if (p == NULL)
		return -1;
	ck_assert_uint_le(len, utcp_pkt_tailroom(p));
	memcpy(p->data, frame, len);
	p->len = (uint16_t)len;
	p->queue = q;
	p->ol_flags = ol_flags;
	fifo_push(&tn->rx[q], p);
	return 0;
}

int tn_inject(struct utcp_nic *nic, uint16_t q, const void *frame, size_t len)
{
	return tn_inject_flags(nic, q, frame, len, 0);
}

unsigned tn_tx_count(struct utcp_nic *nic, uint16_t q)
{
	return tn_of(nic)->tx[q].n;
}

size_t tn_tx_pop_meta(struct utcp_nic *nic, uint16_t q, uint8_t *out, size_t cap,
		      struct tn_meta *m)
{
	struct utcp_pkt *p = fifo_pop(&tn_of(nic)->tx[q]);
	size_t len;

	if (p == NULL)
		return 0;
	len = p->len;
	memcpy(out, p->data, len < cap ? len : cap);
	if (m != NULL) {
		m->ol_flags = p->ol_flags;
		m->l2_len = p->l2_len;
		m->l3_len = p->l3_len;
		m->queue = p->queue;
		m->tso_segsz = p->tso_segsz;
	}
	utcp_pkt_pool_put(p);
	return len;
}

size_t tn_tx_pop(struct utcp_nic *nic, uint16_t q, uint8_t *out, size_t cap)
{
	return tn_tx_pop_meta(nic, q, out, cap, NULL);
}

unsigned tn_tx_drain(struct utcp_nic *nic)
{
	struct testnic *tn = tn_of(nic);
	unsigned n = 0;

	for (int q = 0; q < UTCP_MAX_QUEUES; q++) {
		struct utcp_pkt *p;
		while ((p = fifo_pop(&tn->tx[q])) != NULL) {
			utcp_pkt_pool_put(p);
			n++;
		}
	}
	return n;
}

void tn_set_tx_room(struct utcp_nic *nic, uint32_t n)
{
	tn_of(nic)->tx_room = n;
}

uint32_t tn_bufs_in_use(struct utcp_nic *nic)
{
	struct testnic *tn = tn_of(nic);
	return tn->pool.pool.in_use + (tn->has_large ? tn->large.pool.in_use : 0);
}

/* ---- frame builders ----------------------------------------------------- */

size_t tn_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	wr16(f + 12, type);
	return 14;
}

size_t tn_arp(uint8_t *f, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint16_t op,
	      const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	uint8_t *a = f + tn_eth(f, eth_dst, eth_src, 0x0806);

	wr16(a, 1);
	wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, &spa, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, &tpa, 4);
	return 14 + 28;
}

void tn_ipv4_fix_cksum(uint8_t *f)
{
	uint8_t *h = f + 14;
	unsigned hlen = (h[0] & 0x0f) * 4u;
	uint16_t ck;

	h[10] = h[11] = 0;
	ck = utcp_csum_fold(utcp_csum_partial(h, hlen, 0));
	memcpy(h + 10, &ck, 2);
}

uint16_t tn_ipv4_id_of(const uint8_t *f)
{
	return (uint16_t)(f[18] << 8 | f[19]);
}

size_t tn_ipv4_id(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6], uint32_t src,
		  uint32_t dst, uint8_t proto, uint16_t id, const void *l4, size_t l4_len)
{
	uint8_t *h = f + tn_eth(f, dst_mac, src_mac, 0x0800);

	h[0] = 0x45;
	h[1] = 0;
	wr16(h + 2, (uint16_t)(20 + l4_len));
	wr16(h + 4, id);
	wr16(h + 6, 0x4000);
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	if (l4_len)
		memcpy(h + 20, l4, l4_len);
	tn_ipv4_fix_cksum(f);
	return 14 + 20 + l4_len;
}

size_t tn_ipv4(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6], uint32_t src,
	       uint32_t dst, uint8_t proto, const void *l4, size_t l4_len)
{
	return tn_ipv4_id(f, dst_mac, src_mac, src, dst, proto, 0, l4, l4_len);
}

size_t tn_icmp_echo(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6], uint32_t src,
		    uint32_t dst, uint8_t type, uint16_t id, uint16_t seq, const void *payload,
		    size_t len)
{
	uint8_t icmp[TN_FRAME_MAX];
	uint16_t ck;

	ck_assert_uint_le(len + 8, sizeof(icmp));
	icmp[0] = type;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	wr16(icmp + 4, id);
	wr16(icmp + 6, seq);
	if (len)
		memcpy(icmp + 8, payload, len);
	ck = utcp_csum_fold(utcp_csum_partial(icmp, len + 8, 0));
	memcpy(icmp + 2, &ck, 2);
	return tn_ipv4(f, dst_mac, src_mac, src, dst, 1, icmp, len + 8);
}

/* ---- assertions ------------------------------------------------------- */

void tn_expect_tx(struct utcp_nic *nic, uint16_t q, const uint8_t *want, size_t wl)
{
	uint8_t out[TN_FRAME_MAX];
	size_t len;

	ck_assert_msg(tn_tx_count(nic, q) > 0, "expected a %zu-byte frame, nothing was sent", wl);
	len = tn_tx_pop(nic, q, out, sizeof(out));
	ck_assert_uint_eq(len, wl);
	ck_assert_mem_eq(out, want, wl);
}

uint16_t tn_expect_tx_ipv4(struct utcp_nic *nic, uint16_t q, uint8_t *want, size_t wl)
{
	uint8_t out[TN_FRAME_MAX];
	size_t len;

	ck_assert_msg(tn_tx_count(nic, q) > 0, "expected a %zu-byte frame, nothing was sent", wl);
	len = tn_tx_pop(nic, q, out, sizeof(out));
	ck_assert_uint_eq(len, wl);
	ck_assert_uint_ge(len, 34);
	want[18] = out[18];
	want[19] = out[19];
	tn_ipv4_fix_cksum(want);
	ck_assert_mem_eq(out, want, wl);
	return tn_ipv4_id_of(out);
}

void tn_expect_no_tx(struct utcp_nic *nic, uint16_t q)
{
	ck_assert_msg(tn_tx_count(nic, q) == 0, "%u unexpected frame(s) sent", tn_tx_count(nic, q));
}

/* ---- a one-port host ---------------------------------------------------- */

void tn_host_config(struct utcp_config *cfg)
{
	utcp_config_defaults(cfg);
	snprintf(cfg->io, sizeof(cfg->io), "test");
	cfg->num_cores = 1;
	cfg->has_seed = 1;
	cfg->seed = 1;
	cfg->arp_timeout = 60;
	cfg->nb_ports = 1;
	memset(&cfg->ports[0], 0, sizeof(cfg->ports[0]));
	snprintf(cfg->ports[0].name, sizeof(cfg->ports[0].name), "tn0");
	cfg->ports[0].ip = TN_HOST_IP;
	cfg->ports[0].prefix = 24;
	cfg->ports[0].gateway = TN_GW_IP;
	cfg->nb_arp = 0;
	cfg->nb_routes = 2;
	cfg->routes[0] = (struct utcp_route){ .dst = TN_IP(10, 0, 0, 0), .prefix = 24, .port = 0 };
	cfg->routes[1] = (struct utcp_route){ .dst = 0, .prefix = 0, .gateway = TN_GW_IP,
					      .port = 0 };
}

unsigned tn_host_nb_bufs = 1024;

void tn_host_up(struct tn_host *h, const struct utcp_config *cfg, uint16_t nb_queues)
{
	char err[256] = "";
	struct utcp_nic *nics[1];

	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	h->nic = tn_new("tn0", nb_queues, tn_host_mac, tn_host_nb_bufs);
	nics[0] = h->nic;
	h->st = utcp_stack_open_nics(&h->cfg, nics, 1, err, sizeof(err));
	ck_assert_msg(h->st != NULL, "utcp_stack_open_nics: %s", err);
	h->ctx = utcp_ctx_create(h->st, 0);
	ck_assert_ptr_nonnull(h->ctx);
}

void tn_host_down(struct tn_host *h)
{
	if (h->ctx != NULL) {
		utcp_ctx_destroy(h->ctx);
		h->ctx = NULL;
	}
	tn_tx_drain(h->nic);
	ck_assert_uint_eq(tn_bufs_in_use(h->nic), 0);
	utcp_stack_close(h->st);
	h->st = NULL;
	h->nic = NULL;
}
