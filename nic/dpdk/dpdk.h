/*
 * nic/dpdk/dpdk.h - the DPDK backend (nic/dpdk/dpdk.c).
 *
 * `io = dpdk` opens a DPDK ethdev port as a utcp NIC.  nic/dpdk/dpdk.c is
 * compiled with -DUTCP_DPDK_BACKEND when configure finds libdpdk, and the
 * registry (nic/registry.c) then lists it as built.  How include/utcp/nic.h
 * maps onto DPDK (the design the code follows; see dpdk.c for details):
 *
 * open(cfg, port, nb_queues)
 *   rte_eal_init() once per process with cfg->dpdk_args (for CI: "--no-huge
 *   -m 256 --vdev=net_ring0" or net_memif, net_tap, net_af_packet,
 *   net_af_xdp), reference-counted so several stacks share one EAL.
 *   rte_eth_dev_get_port_by_name(port->name); rte_eth_dev_info_get() gives
 *   max_queues and the offloads the PMD has.
 *   One mempool per queue: rte_pktmbuf_pool_create(name, cfg->max_pkt_buffers,
 *   cache, priv_size = RTE_ALIGN(sizeof(struct utcp_pkt), RTE_MBUF_PRIV_ALIGN),
 *   data room for one frame of the MTU (RTE_MBUF_DEFAULT_BUF_SIZE up to 1500;
 *   dpdk_mbuf_size smaller: a second pool of frame-sized mbufs for alloc(),
 *   nic/dpdk/seg.c), rte_eth_dev_socket_id()); a pool of large mbufs for TSO
 *   and GRO.
 *   rte_eth_dev_configure(nb_queues, nb_queues) with rxmode.mq_mode =
 *   RTE_ETH_MQ_RX_RSS, rss_conf.rss_key = the symmetric Toeplitz key (so both
 *   directions of a flow land on one core), rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP
 *   | RTE_ETH_RSS_IPV4, and the offloads below when dev_info offers them;
 *   rte_eth_rx_queue_setup / rte_eth_tx_queue_setup per queue with
 *   cfg->num_rx_desc / num_tx_desc; rte_eth_dev_start().
 *   caps: mac from rte_eth_macaddr_get(), mtu dpdk_mtu (rxmode.mtu) or
 *   rte_eth_dev_get_mtu() capped at 1500,
 *   rss = UTCP_RSS_TOEPLITZ with the key, reta from rte_eth_dev_rss_reta_query()
 *   (reta_size = dev_info.reta_size), buf_size = the frame pool's data room.
 *
 * Buffers (zero copy)
 *   struct utcp_pkt lives in the mbuf's private area (rte_mbuf_to_priv(m)):
 *   pkt->owner = m, pkt->buf = m->buf_addr, pkt->buf_len = m->buf_len,
 *   pkt->data = rte_pktmbuf_mtod(m) (headroom = RTE_PKTMBUF_HEADROOM, 128 by
 *   default, which is UTCP_PKT_HEADROOM).  alloc() = rte_pktmbuf_alloc(pool[q])
 *   then initialise the private utcp_pkt; free() = rte_pktmbuf_free(pkt->owner).
 *
 * rx_burst(q, pkts, n)
 *   rte_eth_rx_burst(port, q, mbufs, n); for each mbuf set data/len from
 *   data_off/data_len (a chain of mbufs is copied into one buffer first,
 *   nic/dpdk/seg.c; software GRO then joins segments, core/wire/gro.c), and
 *   translate ol_flags:
 *   RTE_MBUF_F_RX_IP_CKSUM_GOOD/BAD -> UTCP_PKT_RX_IP_CKSUM_GOOD/BAD,
 *   RTE_MBUF_F_RX_L4_CKSUM_GOOD/BAD -> UTCP_PKT_RX_L4_CKSUM_GOOD/BAD,
 *   RTE_MBUF_F_RX_RSS_HASH -> UTCP_PKT_RX_RSS_HASH with rss_hash = m->hash.rss.
 *
 * tx_burst(q, pkts, n)
 *   For each pkt: m->data_off = pkt->data - m->buf_addr, data_len = pkt_len =
 *   pkt->len, l2_len/l3_len from the pkt; UTCP_PKT_TX_IP_CKSUM ->
 *   RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM, UTCP_PKT_TX_TCP_CKSUM ->
 *   RTE_MBUF_F_TX_TCP_CKSUM (the core has stored the pseudo-header sum, as
 *   rte_ipv4_phdr_cksum() would).  rte_eth_tx_burst() returns how many the PMD
 *   took; it frees those mbufs once sent, the rest stay the caller's (the
 *   utcp ownership rule is DPDK's).
 *
 * wait(q, deadline)
 *   Poll mode: return 1 at once (frames may be ready) unless the PMD supports
 *   rx interrupts, in which case rte_eth_dev_rx_intr_enable() +
 *   rte_epoll_wait() with the deadline as timeout, after a short spin.
 *
 * now = utcp_nic_monotonic_now; stats = rte_eth_stats_get() (ipackets,
 * opackets, imissed, ierrors, oerrors) and rte_eth_link_get_nowait();
 * close = rte_eth_dev_stop + rte_eth_dev_close + rte_mempool_free, and
 * rte_eal_cleanup() when the last port closes.
 *
 * EAL's interrupt thread
 *   PMDs change their queues from EAL's interrupt thread (memif maps the
 *   peer's rings there on connect and unmaps them when the peer leaves,
 *   raising no ethdev event).  rx/tx bursts and stats enter the PMD through
 *   a gate (nic/dpdk/gate.h) that thread closes, waiting for the bursts in
 *   flight, before it runs any callback; a burst that finds it closed moves
 *   no frame.
 */
#ifndef UTCP_NIC_DPDK_H
#define UTCP_NIC_DPDK_H

#include <utcp/nic.h>

/* Its utcp.conf keys: dpdk_args, dpdk_tso, dpdk_mtu, dpdk_mbuf_size, dpdk_gro
 * (nic/dpdk/keys.c, built with or without DPDK so that any build reads a DPDK
 * machine's config). */
#define UTCP_DPDK_NB_KEYS 5
extern const struct utcp_config_key utcp_dpdk_keys[UTCP_DPDK_NB_KEYS];

struct utcp_nic *utcp_dpdk_open(const struct utcp_config *cfg, const struct utcp_port_config *port,
				uint16_t nb_queues, char *err, size_t errlen);

/* The process-wide EAL, reference-counted: the first acquire runs
 * rte_eal_init() with cfg->dpdk_args, the last release rte_eal_cleanup()
 * (after which DPDK cannot start again in this process).  Every open port
 * holds one reference; a program that creates ports itself before opening
 * stacks (rte_eth_from_rings, rte_vdev_init) takes one of its own first. */
int utcp_dpdk_eal_acquire(const struct utcp_config *cfg, char *err, size_t errlen);
void utcp_dpdk_eal_release(void);

/* mbufs of this NIC's pools not back in them (held by the stack, a ring, a
 * peer or the PMD); 0 after a clean shutdown. */
uint64_t utcp_dpdk_mbufs_in_use(struct utcp_nic *nic);
/* mbufs missing from their pool when a closed port's pools were freed (the
 * port stopped, so its PMD held none): the process-wide leak count. */
uint64_t utcp_dpdk_mbufs_lost(void);
uint16_t utcp_dpdk_port_id(struct utcp_nic *nic);

/* What the receive side did with chains and GRO, every queue summed (also
 * logged at close: --log-level=utcp.dpdk:info). */
struct utcp_dpdk_seg_stats {
	uint64_t rx_joined;  /* chained (or foreign) mbufs copied into one buffer */
	uint64_t rx_dropped; /* the same without a buffer to copy into: dropped */
	uint64_t gro_joined; /* segments GRO appended to an earlier one */
	uint64_t gro_frames; /* frames GRO made of several segments */
	uint64_t tx_chains;  /* frames sent as chains of mbufs */
};
void utcp_dpdk_seg_stats(struct utcp_nic *nic, struct utcp_dpdk_seg_stats *st);

#endif
