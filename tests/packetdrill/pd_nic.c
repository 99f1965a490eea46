/*
 * tests/packetdrill/pd_nic.c - the packetdrill adapter's NIC and clock.
 *
 * A one-queue NIC through the public vtable (include/utcp/nic.h): frames
 * packetdrill injects wait in rx (an Ethernet header in front of the IP
 * datagram), frames the stack transmits wait in tx stamped with the virtual
 * time they left at.  The clock is pd->now: it moves only when the adapter
 * moves it (pd_advance_to), so the stack sees a virtual time and a script
 * spanning minutes runs in milliseconds.  Buffers are malloc'ed one by one
 * and counted.
 *
 * Call order: pd_nic_new -> (stack) -> pd_nic_inject / pd_run /
 * pd_advance_to / pd_nic_pop_tx -> close (by utcp_stack_close).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd.h"

#define PD_BUF_SIZE (UTCP_PKT_HEADROOM + 65536 + 64)
#define PD_MAX_BUFS 8192
#define PD_RUN_ROUNDS 256
#define PD_ADVANCE_STEPS 100000

static struct pd *pd_of(struct utcp_nic *nic)
{
	return nic->priv;
}

static void fifo_push(struct pd_fifo *f, struct utcp_pkt *p)
{
	p->next = NULL;
	if (f->tail != NULL)
		f->tail->next = p;
	else
		f->head = p;
	f->tail = p;
	f->n++;
}

static struct utcp_pkt *fifo_pop(struct pd_fifo *f)
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

static struct utcp_pkt *nic_alloc(struct utcp_nic *nic, uint16_t q)
{
	struct pd *pd = pd_of(nic);
	(void)q;
	if (pd->bufs >= PD_MAX_BUFS)
		return NULL;
	struct utcp_pkt *p = calloc(1, sizeof(*p) + PD_BUF_SIZE);
	if (p == NULL)
		return NULL;
	p->buf = (uint8_t *)(p + 1);
	p->buf_len = PD_BUF_SIZE;
	utcp_pkt_reset(p);
	pd->bufs++;
	return p;
}

static void nic_free(struct utcp_nic *nic, struct utcp_pkt *p)
{
	pd_of(nic)->bufs--;
	free(p);
}

static uint16_t nic_rx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct pd *pd = pd_of(nic);
	uint16_t i = 0;
	(void)q;
	while (i < n && pd->rx.head != NULL)
		pkts[i++] = fifo_pop(&pd->rx);
	return i;
}

static uint16_t nic_tx_burst(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n)
{
	struct pd *pd = pd_of(nic);
	(void)q;
	for (uint16_t i = 0; i < n; i++) {
		pkts[i]->ts = pd->now; /* the emission time packetdrill checks */
		fifo_push(&pd->tx, pkts[i]);
	}
	return n;
}

/* Only a blocking utcp call waits here, and the adapter makes none (its
 * sockets are non-blocking inside utcp); should one come, time moves on to
 * its deadline or the next timer, as in the simulator. */
static int nic_wait(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline)
{
	struct pd *pd = pd_of(nic);
	(void)q;
	if (pd->rx.head != NULL)
		return 1;
	utcp_time_t t = deadline;
	if (pd->ctx != NULL && utcp_ctx_next_deadline(pd->ctx) < t)
		t = utcp_ctx_next_deadline(pd->ctx);
	if (t != UTCP_TIME_NEVER && t > pd->now)
		pd->now = t;
	return 0;
}

static utcp_time_t nic_now(struct utcp_nic *nic)
{
	return pd_of(nic)->now;
}

static void nic_close(struct utcp_nic *nic)
{
	struct pd *pd = pd_of(nic);
	struct utcp_pkt *p;
	while ((p = fifo_pop(&pd->rx)) != NULL)
		nic_free(nic, p);
	while ((p = fifo_pop(&pd->tx)) != NULL)
		nic_free(nic, p);
	if (pd->bufs != 0)
		fprintf(stderr, "utcp-packetdrill: %llu packet buffer(s) not freed\n",
			(unsigned long long)pd->bufs);
	free(nic);
	pd->nic = NULL;
}

static const struct utcp_nic_ops pd_nic_ops = {
	.name = "packetdrill",
	.rx_burst = nic_rx_burst,
	.tx_burst = nic_tx_burst,
	.alloc = nic_alloc,
	.free = nic_free,
	.wait = nic_wait,
	.now = nic_now,
	.stats = NULL,
	.close = nic_close,
};

struct utcp_nic *pd_nic_new(struct pd *pd, uint16_t mtu)
{
	static const uint8_t mac[UTCP_ETH_ALEN] = PD_MAC_LOCAL;
	struct utcp_nic *nic = calloc(1, sizeof(*nic));
	if (nic == NULL)
		return NULL;
	nic->ops = &pd_nic_ops;
	nic->priv = pd;
	snprintf(nic->name, sizeof(nic->name), "pd0");
	nic->caps.nb_queues = nic->caps.max_queues = 1;
	nic->caps.mtu = mtu;
	memcpy(nic->caps.mac, mac, UTCP_ETH_ALEN);
	nic->caps.rss = UTCP_RSS_NONE;
	nic->caps.buf_size = PD_BUF_SIZE;
	pd->nic = nic;
	return nic;
}

int pd_nic_inject(struct pd *pd, const void *ip, size_t len)
{
	static const uint8_t local[UTCP_ETH_ALEN] = PD_MAC_LOCAL;
	static const uint8_t peer[UTCP_ETH_ALEN] = PD_MAC_PEER;
	if (len < 1 || len > 65535 - 14)
		return -1;
	struct utcp_pkt *p = nic_alloc(pd->nic, 0);
	if (p == NULL)
		return -1;
	uint8_t version = ((const uint8_t *)ip)[0] >> 4;
	uint16_t type = version == 6 ? 0x86dd : 0x0800;
	memcpy(p->data, local, 6);
	memcpy(p->data + 6, peer, 6);
	p->data[12] = (uint8_t)(type >> 8);
	p->data[13] = (uint8_t)type;
	memcpy(p->data + 14, ip, len);
	p->len = (uint16_t)(len + 14);
	p->ts = pd->now;
	fifo_push(&pd->rx, p);
	return 0;
}

struct utcp_pkt *pd_nic_pop_tx(struct pd *pd)
{
	return fifo_pop(&pd->tx);
}

void pd_nic_free_pkt(struct pd *pd, struct utcp_pkt *p)
{
	nic_free(pd->nic, p);
}

void pd_run(struct pd *pd)
{
	for (int i = 0; i < PD_RUN_ROUNDS; i++)
		if (utcp_ctx_poll(pd->ctx) == 0 && pd->rx.head == NULL)
			return;
}

void pd_advance_to(struct pd *pd, utcp_time_t t)
{
	for (int i = 0; i < PD_ADVANCE_STEPS; i++) {
		utcp_time_t d = utcp_ctx_next_deadline(pd->ctx);
		if (d > t)
			break;
		if (d > pd->now)
			pd->now = d;
		else if (i > 0)
			pd->now += UTCP_NSEC_PER_USEC; /* a deadline the round did not move */
		pd_run(pd);
	}
	if (t > pd->now)
		pd->now = t;
	pd_run(pd);
}
