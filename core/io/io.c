/*
 * core/io/io.c - packet buffers and transmit batches of a context.
 *
 * Buffer accounting: every buffer the context takes from a NIC (alloc or
 * rx_burst) adds one to ctx->bufs_held, every buffer it gives back (free, or
 * accepted by tx_burst) subtracts one.  All of core/ allocates and frees
 * through utcp_ctx_alloc / utcp_ctx_free, so utcp_ctx_bufs_in_use() is exact
 * and a test can assert that nothing leaked.
 *
 * Transmit batching (mTCP's order): every layer enqueues complete frames in
 * one of three classes per port; utcp_tx_flush hands each port's CTRL, then
 * ACK, then DATA frames to the NIC in one tx_burst.  Frames the NIC refuses
 * (ring full) are freed and counted as tx_full; TCP recovers them as loss.
 */
#include "core/io/io.h"

struct utcp_pkt *utcp_ctx_alloc(struct utcp_ctx *ctx, int port)
{
	struct utcp_pkt *pkt = utcp_nic_alloc(ctx_nic(ctx, port), ctx->queue);

	if (pkt == NULL) {
		ctx->stats.drop_no_buf++;
		return NULL;
	}
	pkt->queue = ctx->queue;
	ctx->bufs_held++;
	return pkt;
}

struct utcp_pkt *utcp_ctx_alloc_large(struct utcp_ctx *ctx, int port)
{
	struct utcp_nic *nic = ctx_nic(ctx, port);
	if (!(nic->caps.offloads & UTCP_NIC_TX_TCP_TSO) || nic->ops->alloc_large == NULL)
		return NULL;
	struct utcp_pkt *pkt = nic->ops->alloc_large(nic, ctx->queue);
	if (pkt == NULL)
		return NULL;
	pkt->queue = ctx->queue;
	ctx->bufs_held++;
	return pkt;
}

void utcp_ctx_free(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt)
{
	utcp_nic_free(ctx_nic(ctx, port), pkt);
	ctx->bufs_held--;
}

/* One burst for one port: CTRL, then ACK, then DATA. */
static void tx_flush_port(struct utcp_ctx *ctx, int port)
{
	struct utcp_txq *q = &ctx->txq[port];
	struct utcp_pkt *burst[UTCP_TX_NCLASS * UTCP_TX_BATCH];
	uint16_t lens[UTCP_TX_NCLASS * UTCP_TX_BATCH];
	uint16_t n = 0, sent = 0;

	for (int cls = 0; cls < UTCP_TX_NCLASS; cls++) {
		for (uint16_t i = 0; i < q->n[cls]; i++) {
			lens[n] = q->pkts[cls][i]->len;
			burst[n++] = q->pkts[cls][i];
		}
		q->n[cls] = 0;
	}
	/* Normally one call; a NIC that takes a burst in parts is asked again
	 * until it takes nothing. */
	while (sent < n) {
		uint16_t r = utcp_nic_tx_burst(ctx_nic(ctx, port), ctx->queue, burst + sent,
					       (uint16_t)(n - sent));
		if (r == 0)
			break;
		for (uint16_t i = sent; i < sent + r; i++)
			ctx->stats.tx_bytes += lens[i];
		sent = (uint16_t)(sent + r);
	}
	ctx->stats.tx_frames += sent;
	ctx->port_stats[port].tx_frames += sent;
	for (uint16_t i = 0; i < sent; i++)
		ctx->port_stats[port].tx_bytes += lens[i];
	ctx->bufs_held -= sent;
	for (uint16_t i = sent; i < n; i++) {
		ctx->stats.tx_full++;
		utcp_ctx_free(ctx, port, burst[i]);
	}
}

/* utcp_tx_enqueue when the class's batch is full: flush, then queue (out
 * of line, so that the usual enqueue saves no registers). */
static __attribute__((noinline)) void tx_enqueue_full(struct utcp_ctx *ctx, int port,
						      struct utcp_pkt *pkt,
						      enum utcp_tx_class cls)
{
	struct utcp_txq *q = &ctx->txq[port];
	tx_flush_port(ctx, port);
	pkt->queue = ctx->queue;
	q->pkts[cls][q->n[cls]++] = pkt;
}

void utcp_tx_enqueue(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt, enum utcp_tx_class cls)
{
	struct utcp_txq *q = &ctx->txq[port];
	uint16_t n = q->n[cls];
	if (n == UTCP_TX_BATCH) {
		tx_enqueue_full(ctx, port, pkt, cls);
		return;
	}
	pkt->queue = ctx->queue;
	q->pkts[cls][n] = pkt;
	q->n[cls] = (uint16_t)(n + 1);
}

void utcp_tx_flush(struct utcp_ctx *ctx)
{
	for (int port = 0; port < ctx->stack->nb_nics; port++) {
		const struct utcp_txq *q = &ctx->txq[port];
		if (q->n[UTCP_TX_CTRL] | q->n[UTCP_TX_ACK] | q->n[UTCP_TX_DATA])
			tx_flush_port(ctx, port);
	}
}

