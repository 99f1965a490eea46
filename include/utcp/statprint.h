/**
 * @file utcp/statprint.h
 * @brief The per-second statistics lines every program prints.
 *
 * mTCP's per-interface line, for each port named by the config's
 * `stat_print`, one per core and one summed over the cores:
 *
 *   [CPU 0] dpdk0 flows:    100, RX:   81234(pps) (err:     0),  0.12(Gbps), TX:   80123(pps),  0.11(Gbps)
 *   [ ALL ] dpdk0 flows:    200, RX:  162468(pps) (err:     0),  0.24(Gbps), TX:  160246(pps),  0.22(Gbps)
 *
 * flows: connections the core holds (TIME-WAIT included); RX/TX: frames
 * per second; err: frames per second dropped for any reason (drop_*
 * counters); Gbps counts 24 bytes of wire overhead per frame (preamble 8,
 * CRC 4, inter-frame gap 12), as mTCP does.  With UTCP_STATPRINT_UTCP, a
 * line of utcp's own counters follows (per second, summed over the cores):
 *
 *   [ ALL ] utcp: retransmits: 3, rto: 1, fast_recoveries: 1, drops: 2 (drop_tcp_cksum: 2), pkt_bufs: 140/8192, sockets: 201/10000, bufs: 200/10000
 *
 * pkt_bufs: packet buffers held by the contexts / packet buffers of all
 * their queues; sockets: socket ids in use / max_concurrency x cores;
 * bufs: receive plus send buffers in use / 2 x max_num_buffers x cores.
 * In a second with UDP traffic, a line of UDP's counters follows it:
 *
 *   [ ALL ] udp: in: 1000, out: 990, rcvbuf_drops: 10, cksum_drops: 0, len_drops: 0, no_port: 0, unreach_tx: 0, ratelimited: 0
 *
 * in / out: datagrams received / sent; rcvbuf_drops: refused by a full
 * receive buffer; cksum_drops, len_drops: damaged; no_port: for no socket
 * (each answered with a port unreachable, unreach_tx, unless the rate
 * limit held it back, ratelimited).
 *
 * Call order: utcp_statprint_create(stack) once -> every core's thread
 * calls utcp_statprint_tick(sp, ctx) from its loop (it returns when it
 * wants to be called again: use it in the epoll timeout) -> after every
 * core stopped, utcp_statprint_destroy.  Each core publishes its counters
 * once per second of its own clock (virtual time in the simulator); core 0
 * prints.  Publishing takes a per-core lock once per second, nothing else
 * is shared.
 */
#ifndef UTCP_STATPRINT_H
#define UTCP_STATPRINT_H

#include <stdio.h>
#include <utcp/utcp.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UTCP_STATPRINT_UTCP 1u    /**< also utcp's own counters */
#define UTCP_STATPRINT_ALWAYS 2u  /**< print even when stat_print names no port */

struct utcp_statprint;

/** NULL with errno ENOMEM.  out: where lines go (mTCP: stderr). */
struct utcp_statprint *utcp_statprint_create(const struct utcp_stack *st, FILE *out,
					     unsigned flags);
/** Free what utcp_statprint_create made (after every core stopped ticking). */
void utcp_statprint_destroy(struct utcp_statprint *sp);
/** Publish this core's counters when a second has passed; on core 0 also
 * print.  Returns the context time at which it is due again. */
utcp_time_t utcp_statprint_tick(struct utcp_statprint *sp, struct utcp_ctx *ctx);
/** 1 if the statistics print anything at all. */
int utcp_statprint_enabled(const struct utcp_statprint *sp);

/** One mTCP line ("[CPU n]" or "[ ALL ]" for core < 0) for counters that
 * grew by d over dt nanoseconds.  Returns snprintf's count. */
int utcp_statprint_format_port(char *buf, size_t len, int core, const char *port,
			       uint32_t flows, const struct utcp_port_stats *d, utcp_time_t dt);

#ifdef __cplusplus
}
#endif
#endif /* UTCP_STATPRINT_H */
