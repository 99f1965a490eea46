/**
 * @file utcp/stats.h
 * @brief Per-context counters.
 *
 * One X-macro list so that every counter has a name for printing and a field
 * in struct utcp_stats.  Counters are per context (per core) and summed when
 * printed (utcp_stats_add).  Drops are counted per reason: every malformed or
 * refused frame increments exactly one drop_* counter.
 */
#ifndef UTCP_STATS_H
#define UTCP_STATS_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Link-layer counters: frames in and out, Ethernet drops. */
#define UTCP_STATS_LINK(X)                                                     \
	X(rx_frames)        /* frames received from the NIC */                 \
	X(rx_bytes)                                                            \
	X(tx_frames)        /* frames handed to the NIC */                      \
	X(tx_bytes)                                                            \
	X(tx_full)          /* frames the NIC refused (ring full), freed */     \
	X(drop_no_buf)      /* a buffer was needed and the pool was empty */    \
	X(drop_eth_short)   /* frame shorter than an Ethernet header */         \
	X(drop_eth_dst)     /* not our MAC, not broadcast */                    \
	X(drop_eth_type)    /* EtherType we do not speak */

/** ARP counters: requests and replies, cache expiry, drops. */
#define UTCP_STATS_ARP(X)                                                      \
	X(arp_rx)                                                              \
	X(arp_req_tx)                                                          \
	X(arp_rep_tx)                                                          \
	X(arp_req_ratelimited) /* a request not sent: one is outstanding */     \
	X(arp_expired)      /* cache entries that aged out */                   \
	X(arp_queue_drop)   /* packets waiting for resolution that were dropped */ \
	X(drop_arp_short)                                                      \
	X(drop_arp_bad)     /* not Ethernet/IPv4, bad lengths or opcode */      \
	X(drop_arp_not_us)  /* request for an address that is not ours */

/** IPv4 and ICMP counters, IPv4 drops by reason. */
#define UTCP_STATS_IP(X)                                                       \
	X(ip_rx)                                                               \
	X(ip_tx)                                                               \
	X(drop_ip_short)    /* shorter than 20 bytes or than its IHL */         \
	X(drop_ip_version)                                                     \
	X(drop_ip_ihl)      /* IHL < 5 */                                       \
	X(drop_ip_len)      /* total length < IHL or > frame */                 \
	X(drop_ip_cksum)                                                       \
	X(drop_ip_frag)     /* fragments: no reassembly */                      \
	X(drop_ip_dst)      /* not addressed to us */                           \
	X(drop_ip_src)      /* source not unicast (RFC 1122 §3.2.1.3) */        \
	X(drop_ip_proto)    /* protocol we do not speak */                      \
	X(drop_no_route)                                                       \
	X(icmp_rx)                                                             \
	X(icmp_echo_req_rx)                                                    \
	X(icmp_echo_rep_tx)                                                    \
	X(icmp_echo_rep_rx)                                                    \
	X(icmp_echo_req_tx)                                                    \
	X(drop_icmp_short)                                                     \
	X(drop_icmp_cksum)                                                     \
	X(drop_icmp_type)   /* ICMP types we ignore, errors quoting nothing of ours */ \
	X(icmp_err_rx)      /* ICMP errors handed to the quoted protocol */

/** TCP counters: segments, drops by reason, retransmissions, recovery. */
#define UTCP_STATS_TCP(X)                                                      \
	X(tcp_rx)           /* segments received */                             \
	X(tcp_tx)           /* segments sent */                                 \
	X(drop_tcp_short)                                                      \
	X(drop_tcp_hlen)    /* data offset < 5 or beyond the segment */         \
	X(drop_tcp_cksum)                                                      \
	X(drop_tcp_opt)     /* malformed options */                             \
	X(drop_tcp_no_sock) /* no socket: answered with RST */                  \
	X(drop_tcp_unacceptable) /* failed the acceptability test */            \
	X(drop_tcp_paws)    /* RFC 7323 PAWS rejection */                       \
	X(drop_tcp_ooo_mem) /* out-of-order data over its memory bound */        \
	X(drop_tcp_backlog) /* SYN refused: SYN or accept queue full */         \
	X(tcp_active_opens)                                                    \
	X(tcp_passive_opens)                                                   \
	X(tcp_estab_resets)                                                    \
	X(tcp_rst_tx)                                                          \
	X(tcp_rst_rx)                                                          \
	X(tcp_retransmits)  /* segments retransmitted */                        \
	X(tcp_rto)          /* retransmission timeouts */                       \
	X(tcp_fast_retransmits)                                                \
	X(tcp_fast_recoveries)                                                 \
	X(tcp_dup_acks)                                                        \
	X(tcp_ooo_segs)     /* segments queued out of order */                  \
	X(tcp_zero_window_probes)                                              \
	X(tcp_keepalive_probes)                                                \
	X(tcp_delayed_acks)                                                    \
	X(tcp_timewait_reused)                                                 \
	X(tcp_timeouts)     /* connections that gave up (ETIMEDOUT) */          \
	X(tcp_challenge_acks)                                                  \
	X(tcp_syn_cookies_sent)                                                \
	X(tcp_syn_cookies_ok)                                                  \
	X(tcp_sack_blocks_tx)                                                  \
	X(tcp_dsack_tx)                                                        \
	X(tcp_no_sock_buf)  /* EMFILE/ENOBUFS: socket or buffer pool empty */   \
	X(drop_tcp_no_ts)   /* RFC 7323 §3.2: no TSopt after negotiating it */  \
	X(drop_tcp_state)   /* not valid in the connection's state (no ACK...) */ \
	X(drop_tcp_rst)     /* RST not exactly at RCV.NXT (RFC 5961 §3.2) */     \
	X(drop_tcp_syn)     /* SYN in a synchronized state (RFC 5961 §4) */      \
	X(drop_tcp_ack)     /* ACK of unsent data or too old (RFC 5961 §5) */    \
	X(drop_tcp_rcv_closed) /* data after the user closed: RST sent */      \
	X(tcp_timewait_recycled) /* TIME-WAIT TCB reclaimed for a new connection */ \
	X(tcp_syn_retransmits) /* SYN and SYN-ACK retransmissions */            \
	X(tcp_conn_refused) /* active opens answered with RST */                \
	X(tcp_keepalive_drops) /* connections closed by keepalive */            \
	X(tcp_idle_timeouts) /* connections closed by tcp_timeout */          \
	X(tcp_illegal_transitions) /* state changes outside RFC 9293 Fig. 5 (bugs) */ \
	X(tcp_sack_recoveries) /* of tcp_fast_recoveries, SACK-based (RFC 6675) */ \
	X(tcp_hystart_exits) /* slow start ended by an RTT increase (RFC 9406) */ \
	X(tcp_rack_marks)   /* runs of segments RACK found lost (RFC 8985 §6.2) */ \
	X(tcp_tlp_probes)   /* tail loss probes sent (RFC 8985 §7.3) */          \
	X(tcp_tlp_recoveries) /* losses a resent probe repaired (RFC 8985 §7.4) */ \
	X(tcp_recovery_probes) /* probes sent when fast recovery's ACKs stopped */ \
	X(tcp_undos) /* reductions undone: every retransmission D-SACKed (RFC 3708) */ \
	X(tcp_tlp_again) /* tail loss probes sent once more, unanswered (tcp_tlp_again) */ \
	X(tcp_mtu_blackholes) /* MSS lowered after timeouts in a row (RFC 4821, tcp_mtu_probing) */ \
	X(drop_tcp_icmp)    /* ICMP error for no connection or outside SND.UNA..SND.NXT */ \
	X(tcp_icmp_aborts)  /* opening connections ended by an ICMP hard error */ \
	X(tcp_pmtu_updates) /* MSS lowered by "fragmentation needed" (RFC 1191) */

/** Neighbour reachability counters (ARP, RFC 4861 §7.3), after every older
 * counter so that struct utcp_stats keeps its earlier layout. */
#define UTCP_STATS_NEIGH(X)                                                    \
	X(drop_arp_sha)     /* sender MAC differs from the Ethernet source */    \
	X(arp_probes)       /* reachability probes sent (unicast, broadcast) */  \
	X(arp_unreachable)  /* entries removed: probes unanswered */

/** UDP counters (RFC 768), and the ICMP errors utcp sends: after every
 * older counter, so that struct utcp_stats keeps its earlier layout. */
#define UTCP_STATS_UDP(X)                                                      \
	X(udp_rx)           /* datagrams received (before any check) */         \
	X(udp_rx_delivered) /* datagrams queued on a socket */                  \
	X(udp_tx)           /* datagrams sent */                                \
	X(drop_udp_short)   /* shorter than the 8-byte header */                \
	X(drop_udp_len)     /* Length < 8 or beyond the IP datagram */          \
	X(drop_udp_cksum)                                                      \
	X(drop_udp_no_port) /* no socket: answered with port unreachable */     \
	X(drop_udp_rcvbuf)  /* the socket's receive buffer was full */          \
	X(drop_udp_icmp)    /* ICMP error for no connected socket */            \
	X(udp_icmp_errors)  /* ICMP errors given to a connected socket */       \
	X(icmp_unreach_tx)  /* destination unreachable messages sent */         \
	X(icmp_ratelimited) /* ICMP errors not sent: over the rate limit */

/** IPv6 (RFC 8200), ICMPv6 (RFC 4443), neighbour discovery (RFC 4861) and
 * duplicate address detection (RFC 4862). */
#define UTCP_STATS_IP6(X)                                                      \
	X(ip6_rx)                                                              \
	X(ip6_tx)                                                              \
	X(drop_ip6_short)   /* shorter than 40 bytes */                         \
	X(drop_ip6_version)                                                    \
	X(drop_ip6_len)     /* payload length past the frame */                 \
	X(drop_ip6_ext)     /* extension header malformed, out of place, an option or routing type that says discard */ \
	X(drop_ip6_frag)    /* fragments: no reassembly */                      \
	X(drop_ip6_dst)     /* not one of our addresses or groups (or tentative) */ \
	X(drop_ip6_src)     /* source multicast, loopback or our own */         \
	X(drop_ip6_proto)   /* next header we do not speak (or none) */         \
	X(icmp6_rx)                                                            \
	X(icmp6_echo_req_rx)                                                   \
	X(icmp6_echo_rep_tx)                                                   \
	X(icmp6_echo_rep_rx)                                                   \
	X(drop_icmp6_short)                                                    \
	X(drop_icmp6_cksum)                                                    \
	X(drop_icmp6_type)  /* types we ignore, errors quoting nothing of ours */ \
	X(icmp6_err_rx)     /* ICMPv6 errors handed to the quoted protocol */   \
	X(icmp6_err_tx)     /* errors we sent (RFC 4443 §2.4; rate: icmp_ratelimited) */ \
	X(nd_ns_rx)                                                            \
	X(nd_ns_tx)                                                            \
	X(nd_na_rx)                                                            \
	X(nd_na_tx)                                                            \
	X(drop_nd_bad)      /* ND messages failing RFC 4861 §7.1 validation */  \
	X(nd_queue_drop)    /* packets waiting for resolution that were dropped */ \
	X(nd_expired)       /* neighbour entries that aged out */               \
	X(nd_probes)        /* unicast reachability probes (RFC 4861 §7.3.3) */ \
	X(nd_unreachable)   /* entries removed: resolution or probes unanswered */ \
	X(dad_conflicts)    /* our addresses found duplicate (RFC 4862 §5.4.5) */

/** ECN (RFC 3168 §6.1), after every older counter. */
#define UTCP_STATS_ECN(X)                                                      \
	X(tcp_ecn_ce_rx)    /* data segments received marked CE */              \
	X(tcp_ecn_ece_rx)   /* ECN-Echo ACKs that reduced cwnd */               \
	X(tcp_ecn_reductions) /* cwnd reductions for ECN-Echo (no loss) */      \
	X(tcp_ecn_cwr_tx)   /* segments sent with CWR */

/** TCP header prediction (core/tcp/tcp_input.c), after every older counter. */
#define UTCP_STATS_FAST(X)                                                     \
	X(tcp_fast_acks)    /* pure ACKs taken by the fast path */              \
	X(tcp_fast_data)    /* in-order data segments taken by the fast path */ \
	X(tcp_fast_tx)      /* segments sent by the transmit fast path */

/** Every counter, in the order of struct utcp_stats: X(name) for each. */
#define UTCP_STATS_ALL(X) UTCP_STATS_LINK(X) UTCP_STATS_ARP(X) UTCP_STATS_IP(X) UTCP_STATS_TCP(X) \
	UTCP_STATS_NEIGH(X) UTCP_STATS_UDP(X) UTCP_STATS_IP6(X) UTCP_STATS_ECN(X) UTCP_STATS_FAST(X)

/** A context's counters: one uint64_t per name of UTCP_STATS_ALL, in that
 * order (the comments of the lists above say what each counts). */
struct utcp_stats {
/** One field of struct utcp_stats. */
#define UTCP_STATS_FIELD(name) uint64_t name;
	UTCP_STATS_ALL(UTCP_STATS_FIELD)
#undef UTCP_STATS_FIELD
};

/** What one context moved through one port (utcp_ctx_port_stats): the
 * figures of mTCP's per-interface statistics line. */
struct utcp_port_stats {
	/** @{ */
	uint64_t rx_frames, rx_bytes; /**< frames and bytes received */
	/** @} */
	uint64_t rx_err;      /**< frames dropped while processing (every drop_* reason) */
	/** @{ */
	uint64_t tx_frames, tx_bytes; /**< frames and bytes sent */
	/** @} */
};

/** Field names, in struct order (utcp_stats_names[i] names counter i). */
extern const char *const utcp_stats_names[];
/** Number of counters in struct utcp_stats. */
#define UTCP_STATS_COUNT (sizeof(struct utcp_stats) / sizeof(uint64_t))

/** Counter i (0 <= i < UTCP_STATS_COUNT) of s, in struct order. */
static inline uint64_t utcp_stats_get(const struct utcp_stats *s, unsigned i)
{
	return ((const uint64_t *)s)[i];
}

/** dst += src, field by field (summing per-core stats). */
void utcp_stats_add(struct utcp_stats *dst, const struct utcp_stats *src);
/** Sum of every drop_* counter. */
uint64_t utcp_stats_drops(const struct utcp_stats *s);
/** Print every non-zero counter as "name value", one per line, with prefix. */
void utcp_stats_print(FILE *f, const char *prefix, const struct utcp_stats *s);

#ifdef __cplusplus
}
#endif
#endif /* UTCP_STATS_H */
