/*
 * core/net/pending.c - frames waiting for a next hop's link-layer address,
 * one bounded FIFO per unresolved neighbour, for ARP (arp.c) and IPv6
 * neighbour discovery (nd.c) alike.
 *
 * Call order: a resolution misses -> utcp_pending_add (the frame, its
 * network header built, joins the FIFO; its transmit class rides in
 * pkt->user) -> the answer comes -> utcp_pending_release (each frame gets
 * its Ethernet header and is enqueued, in arrival order) | the neighbour
 * never answers, or the context goes -> utcp_pending_drop (freed; the
 * caller counts them under its own reason).
 */
#include <string.h>

#include "core/net/net.h"

int utcp_pending_add(struct utcp_pending *q, struct utcp_pkt *pkt, enum utcp_tx_class cls,
		     unsigned max)
{
	if (q->n >= max)
		return -1;
	pkt->next = NULL;
	pkt->user = (uint64_t)cls;
	q->n++;
	if (q->tail != NULL)
		q->tail->next = pkt;
	else
		q->head = pkt;
	q->tail = pkt;
	return 0;
}

unsigned utcp_pending_drop(struct utcp_ctx *ctx, int port, struct utcp_pending *q)
{
	struct utcp_pkt *p = q->head;
	unsigned n = 0;

	*q = (struct utcp_pending){ 0 };
	while (p != NULL) {
		struct utcp_pkt *next = p->next;
		p->next = NULL;
		utcp_ctx_free(ctx, port, p);
		n++;
		p = next;
	}
	return n;
}

void utcp_pending_release(struct utcp_ctx *ctx, int port, struct utcp_pending *q,
			  const uint8_t *mac, uint16_t type)
{
	struct utcp_pkt *p = q->head;
	uint8_t dst[UTCP_ETH_ALEN];

	memcpy(dst, mac, sizeof(dst)); /* mac may live in the entry q belongs to */
	*q = (struct utcp_pending){ 0 };
	while (p != NULL) {
		struct utcp_pkt *next = p->next;
		p->next = NULL;
		utcp_eth_output(ctx, port, p, dst, type, (enum utcp_tx_class)p->user);
		p = next;
	}
}
