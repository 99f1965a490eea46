/**
 * @file utcp/utcp.h
 * @brief The public API: configuration, stacks, per-core contexts.
 *
 * Call order:
 *   utcp_config_defaults -> utcp_config_load (utcp.conf, arp.conf, route.conf)
 *   -> utcp_stack_open (opens one NIC per port with num_cores queues)
 *   -> utcp_ctx_create(stack, core) on each core's thread
 *   -> loop: utcp_ctx_poll / utcp_ctx_wait (epoll_wait does this for you)
 *   -> utcp_ctx_destroy -> utcp_stack_close.
 *
 * A stack is read-only after open and may be shared by the contexts; a context
 * belongs to one thread and is never touched by another.  No globals: several
 * stacks live in one process (the simulator runs many hosts).
 *
 * Addresses (uint32_t) and ports (uint16_t) are in network byte order
 * throughout, as in struct sockaddr_in.
 */
#ifndef UTCP_UTCP_H
#define UTCP_UTCP_H

#include <stddef.h>
#include <stdint.h>
#include <utcp/nic.h>
#include <utcp/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most ports (interfaces) one stack drives. */
#define UTCP_MAX_PORTS 8
/** Most static ARP entries (arp.conf). */
#define UTCP_MAX_ARP_ENTRIES 64
/** Most routes (route.conf, connected routes, the default route). */
#define UTCP_MAX_ROUTES 64
/** Most cores (contexts) per stack: one NIC queue each. */
#define UTCP_MAX_CORES UTCP_MAX_QUEUES

/** An IPv6 address (RFC 4291), its 16 octets in network order, as in
 * struct in6_addr. */
struct utcp_in6 {
	uint8_t b[16]; /**< the address, most significant octet first */
};

/** One interface (a `port` in mTCP's config). */
struct utcp_port_config {
	char name[32];        /**< the port's name (`port = NAME`), the NIC's name */
	uint32_t ip;          /**< our address */
	uint8_t prefix;       /**< netmask length */
	uint8_t mac[UTCP_ETH_ALEN]; /**< our MAC address, when has_mac */
	int has_mac;          /**< 0: use the NIC's MAC */
	uint32_t gateway;     /**< 0: none */
	uint32_t peer_ip;     /**< tap: the kernel side's address (0: leave it alone) */
	struct utcp_in6 ip6;  /**< our global IPv6 address (`<port>.ip6`; :: none) */
	uint8_t prefix6;      /**< its prefix length (on-link prefix) */
	struct utcp_in6 gateway6; /**< IPv6 default router (`<port>.gateway6`; :: none) */
};

/** A static IPv6 neighbour (`<port>.neigh6`): never expires, never
 * overwritten by what the wire says. */
struct utcp_neigh6_entry {
	struct utcp_in6 ip6;  /**< the neighbour's address */
	uint8_t mac[UTCP_ETH_ALEN]; /**< its MAC address */
	int port;             /**< index into ports[] */
};

/** An IPv6 route: connected prefixes and the default route via gateway6,
 * added by utcp_config_finish. */
struct utcp_route6 {
	struct utcp_in6 dst;  /**< destination prefix */
	uint8_t prefix;       /**< its length */
	struct utcp_in6 gateway; /**< :: directly connected */
	int port;             /**< index into ports[] */
};

/** A static ARP entry (arp.conf). */
struct utcp_arp_entry {
	uint32_t ip;          /**< IPv4 address (or prefix) */
	uint8_t prefix;       /**< entries may cover a prefix, as in mTCP */
	uint8_t mac[UTCP_ETH_ALEN]; /**< its MAC address */
};

/** A route (route.conf, or added by utcp_config_finish). */
struct utcp_route {
	uint32_t dst;         /**< destination network */
	uint8_t prefix;       /**< its prefix length */
	uint32_t gateway;     /**< 0: directly connected */
	int port;             /**< index into ports[] */
};

/** A stack's configuration: utcp.conf's keys (utcp.conf(5)), arp.conf and
 * route.conf.  Fill it with utcp_config_defaults, then utcp_config_load or
 * utcp_config_set, then utcp_config_finish. */
struct utcp_config {
	char path[256];          /**< file it came from, for messages */
	char io[16];             /**< sim | tap | dpdk | psio */
	int num_cores;           /**< contexts (and NIC queues per port) */
	int max_concurrency;     /**< sockets per core */
	int max_num_buffers;     /**< send/receive buffers per core */
	int max_pkt_buffers;     /**< packet buffers per queue */
	/** @{ */
	int rcvbuf, sndbuf;      /**< per-socket buffer bytes */
	/** @} */
	int tcp_timeout;         /**< idle timeout, s; -1 disables */
	int tcp_timewait;        /**< TIME-WAIT, s */
	int tcp_syncookies;      /**< 1: SYN cookies when a SYN queue overflows */
	int tcp_rto_min;         /**< floor of the RTO, ms (RFC 6298 §2.4); 0: 1000 */
	int tcp_delack;          /**< delayed-ACK timeout, ms (RFC 1122 §4.2.3.2); 0: 40 */
	int tcp_quickack;        /**< first in-order segments ACKed at once (Linux: 16); 0 */
	int tcp_abc;             /**< slow start: SMSS per ACK at most, RFC 3465 L (1, 2); 0: 1 */
	int tcp_abc_nolimit;     /**< 1: slow start grows by all an ACK acknowledges, no L (Linux) */
	int tcp_prr_safeack;     /**< 1: PRR's slow start bound only on safe ACKs (RFC 6937bis, Linux) */
	int tcp_rto_min_var;     /**< 1: RTO = SRTT + max(4 * RTTVAR, tcp_rto_min) (Linux) */
	int tcp_pto_cap;         /**< 1: a PTO due after the RTO fires in its place (RFC 8985 §7.2, Linux) */
	int tcp_recovery_probe;  /**< 1 (default): a loss probe when fast recovery's ACKs stop (2 SRTT); 0: the RTO (Linux) */
	int tcp_undo;            /**< 1 (default): a reduction all of whose retransmissions were D-SACKed is undone (RFC 3708, Linux) */
	int tcp_tlp_again;       /**< tail loss probes sent again, the highest segment, when nothing answered (backed off from 2 SRTT, RFC 9002 §6.2); default 2; 0: the RTO (RFC 8985, Linux) */
	int tcp_mtu_probing;     /**< RFC 4821 black-hole detection as Linux's sysctl: 0 (default) off; 1 MSS to tcp_base_mss after 3 timeouts in a row; 2 from the start */
	int tcp_base_mss;        /**< the MSS tcp_mtu_probing falls back to (Linux's tcp_base_mss); 0: 1024 */
	int tcp_rst_ack;         /**< 1: an abort's RST carries ACK = RCV.NXT (Linux) */
	int tcp_push_each_write; /**< 1: PSH on the segment holding each write's last byte (Linux), and on each burst's end; 2: and on each TSO packet's end as Linux sends them; 0: on the one emptying the queue */
	int tcp_min_tso_segs;    /**< tcp_push_each_write = 2: the smallest TSO packet modelled, segments (Linux's sysctl); 0: 2 */
	int tcp_zwp_empty;       /**< 1: a zero-window probe is <SEQ=SND.UNA-1>, no data (Linux); 0: the next octet (RFC 9293 §3.8.6.1) */
	int tcp_cubic_md_cwnd;   /**< 1: CUBIC's ssthresh = beta * cwnd (RFC 8312 §4.5, Linux); 0: beta * FlightSize (RFC 9438 §4.6) */
	int tcp_wmem;            /**< send buffer counted as Linux counts it, first limit in bytes, grown with cwnd up to sndbuf (Linux's tcp_wmem default); 0 (default): sndbuf bytes of payload */
	int tcp_cwnd_limited;    /**< 1: cwnd grows only while the sender uses it (Linux's tcp_is_cwnd_limited, RFC 7661's aim); 0: on every ACK (RFC 5681) */
	int tcp_fastopen;        /**< TCP Fast Open (RFC 7413), Linux's bits: 1 (default) client (TCP_FASTOPEN_CONNECT, MSG_FASTOPEN), 2 server; 0: off */
	int tcp_timestamps;      /**< 1 (default): offer RFC 7323 timestamps; 0: never */
	int tcp_sack;            /**< 1 (default): offer SACK (RFC 2018); 0: never */
	int tcp_window_scaling;  /**< 1 (default): offer window scaling (RFC 7323 §2); 0: never */
	int tcp_wscale;          /**< our window shift, 1..14; 0 (default): the smallest that covers rcvbuf */
	int tcp_syn_retries;     /**< SYN / SYN-ACK retransmissions before ETIMEDOUT (default 7) */
	int tcp_retries2;        /**< data retransmissions before ETIMEDOUT (default 12) */
	int tcp_ecn;             /**< ECN (RFC 3168): 0 off, 1 request and accept, 2 (default) accept when the peer requests */
	int tcp_pacing;          /**< 1: pace every connection's packets (Linux with fq); 0 (default): only sockets with SO_MAX_PACING_RATE */
	int tcp_pacing_ss_ratio; /**< pacing rate in slow start, % of cwnd / SRTT (default 200, Linux's) */
	int tcp_pacing_ca_ratio; /**< pacing rate in congestion avoidance, % (default 120, Linux's) */
	int sock_buf_double;     /**< 1: SO_SNDBUF / SO_RCVBUF double the value set, as Linux; 0 (default) */
	int tcp_ts_required;     /**< 1: with timestamps negotiated, drop in-window segments without TSopt (RFC 7323 §3.2) */
	char cc[16];             /**< congestion control module */
	uint64_t seed;           /**< PRNG seed */
	int has_seed;            /**< 0: real backends take one from getrandom */
	char stat_print[UTCP_MAX_PORTS][32]; /**< ports whose statistics lines are printed */
	int nb_stat_print;       /**< entries of stat_print */
	struct utcp_port_config ports[UTCP_MAX_PORTS]; /**< the interfaces (`port`) */
	int nb_ports;            /**< entries of ports */
	struct utcp_arp_entry arp[UTCP_MAX_ARP_ENTRIES]; /**< static ARP entries */
	int nb_arp;              /**< entries of arp */
	struct utcp_route routes[UTCP_MAX_ROUTES]; /**< the routing table */
	int nb_routes;           /**< entries of routes */
	int arp_timeout;         /**< s a dynamic ARP entry lives */
	/** middleware */
	char pcap[256];          /**< capture file ("" = off) */
	uint32_t pcap_snaplen;   /**< bytes captured per frame */
	struct utcp_fault_params fault; /**< fault injection (`fault_*` keys) */
	int fault_enabled;       /**< 1: wrap each NIC in fault injection */
	/** backend specific */
	char tap_name[32];
	int tap_vnet_hdr;        /**< tap: IFF_VNET_HDR checksum offload (default 1); 2: and TSO/GSO */
	char dpdk_args[512];     /**< dpdk: the EAL command line */
	int dpdk_tso;            /**< dpdk: TCP segmentation offload where the port offers it (default 1) */
	int dpdk_mtu;            /**< dpdk: the port's MTU, up to 9000 (0: the port's own, at most 1500) */
	int dpdk_mbuf_size;      /**< dpdk: receive mbufs' data room (0: one frame of the MTU fits) */
	int dpdk_gro;            /**< dpdk: 1: software GRO on receive where the port checks TCP sums (default 0) */
	/** @{ */
	int num_rx_desc, num_tx_desc; /**< dpdk: descriptors per rx / tx ring */
	/** @} */
	char psio_dev[32];       /**< psio: the device */
	/** static tables ("" = config/arp.conf, config/route.conf next to the file) */
	char arp_file[256];      /**< arp.conf's path */
	char route_file[256];    /**< route.conf's path */
	char control_socket[108]; /**< unix socket utcp-ss reads the contexts from ("" = none) */
	/** accepted for mTCP compatibility, not used by utcp */
	uint64_t core_mask;      /**< mTCP's core mask (ignored) */
	int num_mem_ch;          /**< mTCP's memory channels (ignored) */
	/** read by libutcp-mtcp: 1 makes mtcp_setsockopt of an option utcp does
	 * not have a logged no-op (mTCP ignored every option), 0 ENOPROTOOPT */
	int mtcp_ignore_unknown_sockopt;
	unsigned set_keys;       /**< keys given explicitly (private to setup/config.c) */
	/** IPv6 (RFC 8200): static neighbours, routes, duplicate address detection */
	struct utcp_neigh6_entry neigh6[UTCP_MAX_ARP_ENTRIES];
	int nb_neigh6;           /**< entries of neigh6 */
	struct utcp_route6 routes6[UTCP_MAX_ROUTES]; /**< the IPv6 routing table */
	int nb_routes6;          /**< entries of routes6 */
	int ip6_dad_transmits;   /**< RFC 4862 DupAddrDetectTransmits (default 1; 0: off) */
};

/** Every field to its default (utcp.conf(5)): io = sim, one core, no ports. */
void utcp_config_defaults(struct utcp_config *cfg);
/** Parse utcp.conf.  On error returns -1 and writes "FILE:LINE: key 'K': what"
 * into err.  Unknown keys are errors.  arp_file / route_file: when a path
 * is NULL, the default `config/arp.conf` / `config/route.conf` next to the
 * config file is read if it exists. */
int utcp_config_load(struct utcp_config *cfg, const char *path, char *err, size_t errlen);
/** @{ */
/** Parse mTCP-format arp.conf / route.conf (missing file: 0 and nothing read). */
int utcp_config_load_arp(struct utcp_config *cfg, const char *path, char *err, size_t errlen);
int utcp_config_load_route(struct utcp_config *cfg, const char *path, char *err, size_t errlen);
/** @} */
/** Set one key as if read from a line (also for command-line overrides). */
int utcp_config_set(struct utcp_config *cfg, const char *key, const char *value, char *err,
		    size_t errlen);
/** Check required keys and cross-key rules (after all sets).  Adds connected
 * routes for each port and the default gateway route. */
int utcp_config_finish(struct utcp_config *cfg, char *err, size_t errlen);

struct utcp_stack;
struct utcp_ctx;

/** Open every port's NIC through the registry (cfg->io) with num_cores queues. */
struct utcp_stack *utcp_stack_open(const struct utcp_config *cfg, char *err, size_t errlen);
/** Use NICs the caller opened (the simulator); the stack takes ownership
 * (on failure they remain the caller's).  Each needs >= num_cores queues. */
struct utcp_stack *utcp_stack_open_nics(const struct utcp_config *cfg, struct utcp_nic **nics,
					int nb_nics, char *err, size_t errlen);
/** Close the stack and its NICs (after every context was destroyed). */
void utcp_stack_close(struct utcp_stack *st);
/** The configuration the stack was opened with. */
const struct utcp_config *utcp_stack_config(const struct utcp_stack *st);
/** The NIC of port `port` (index into the config's ports), or NULL. */
struct utcp_nic *utcp_stack_nic(const struct utcp_stack *st, int port);

/** The context for `core` (0 <= core < num_cores), driving queue `core` of
 * every port.  NULL with errno EINVAL/EEXIST/ENOMEM on failure. */
struct utcp_ctx *utcp_ctx_create(struct utcp_stack *st, int core);
/** Destroy a context: its sockets, connections and buffers are released. */
void utcp_ctx_destroy(struct utcp_ctx *ctx);

/** One run-to-completion round: rx burst, process, timers, tx flush.
 * Returns the number of frames and timers handled. */
int utcp_ctx_poll(struct utcp_ctx *ctx);
/** Earliest time the context must run again (UTCP_TIME_NEVER if none). */
utcp_time_t utcp_ctx_next_deadline(const struct utcp_ctx *ctx);
/** Poll, then wait on the NICs until a frame, `deadline`, or the next timer. */
int utcp_ctx_wait(struct utcp_ctx *ctx, utcp_time_t deadline);
/** The context's clock as of its last round, ns (virtual in the simulator). */
utcp_time_t utcp_ctx_now(const struct utcp_ctx *ctx);
/** End the context's current or next NIC wait at once.  The one context call
 * any thread may make, and a signal handler too (it touches only the NIC's
 * wake op: an eventfd write on tap, nothing on dpdk, whose wait never
 * sleeps).  0; -1 when the NIC has no wake op (sim, psio).  The context
 * learns nothing else from it: utcp_eventfd_signal says what happened. */
int utcp_ctx_wake(struct utcp_ctx *ctx);
/** A kernel descriptor that polls readable (POLLIN) while frames may wait
 * for the context, for a program that sleeps in its own poll(2) or
 * epoll_wait(2) beside descriptors of its own (libutcp-preload): sleep there
 * until it is readable or utcp_ctx_next_deadline, then utcp_ctx_poll.  The
 * context's NIC queue's descriptor on tap (one port); -1 with ENOTSUP
 * where there is none (dpdk, sim, psio, fault injection, several ports):
 * such a caller must poll.  Never read from it or close it. */
int utcp_ctx_poll_fd(const struct utcp_ctx *ctx);
/** The core (context index) the context was created for. */
int utcp_ctx_core(const struct utcp_ctx *ctx);
/** The configuration of the context's stack. */
const struct utcp_config *utcp_ctx_config(const struct utcp_ctx *ctx);
/** The context's counters (live: they change as it runs). */
const struct utcp_stats *utcp_ctx_stats(const struct utcp_ctx *ctx);
/** Frames and bytes of one port (index into the config's ports); -1 EINVAL. */
int utcp_ctx_port_stats(const struct utcp_ctx *ctx, int port, struct utcp_port_stats *ps);
/** Packet buffers currently allocated by this context and not freed. */
uint64_t utcp_ctx_bufs_in_use(const struct utcp_ctx *ctx);

/** ICMP echo (ping).  Replies are delivered to the handler.  id and seq are
 * in host byte order. */
typedef void (*utcp_echo_handler)(void *arg, uint32_t src, uint16_t id, uint16_t seq,
				  const uint8_t *payload, size_t len, utcp_time_t now);
/** Deliver ICMP echo replies to fn(arg, ...) (NULL: drop them). */
void utcp_ctx_set_echo_handler(struct utcp_ctx *ctx, utcp_echo_handler fn, void *arg);
/** Send an echo request; it may wait for ARP resolution.  0, or -1 with errno
 * (ENETUNREACH no route, ENOBUFS no buffer, EMSGSIZE too long). */
int utcp_ping(struct utcp_ctx *ctx, uint32_t dst, uint16_t id, uint16_t seq, const void *payload,
	      size_t len);

#ifdef __cplusplus
}
#endif
#endif /* UTCP_UTCP_H */

/* =====================================================================
 * Sockets and epoll (core/api).
 *
 * Linux semantics on per-context socket ids (small integers, as in mTCP):
 * every call takes the context that owns the socket, returns -1 with
 * errno as Linux would on error, and never raises SIGPIPE.  Blocking
 * calls (a socket without O_NONBLOCK) drive the stack -- utcp_ctx_poll,
 * then utcp_ctx_wait -- until they can return; utcp_epoll_wait is where a
 * non-blocking application drives it.  Timeouts run on the context clock
 * (virtual in the simulator).  Epoll ids share the socket id space.
 *
 * Call order (server): utcp_socket -> utcp_bind -> utcp_listen ->
 *   utcp_epoll_create / utcp_epoll_ctl -> loop { utcp_epoll_wait ->
 *   utcp_accept / utcp_read / utcp_write } -> utcp_close.
 * Call order (client): utcp_socket -> utcp_connect (the source port is
 *   picked so that replies reach this context's queue) -> ... -> utcp_close.
 * ===================================================================== */
#ifndef UTCP_UTCP_SOCKET_H
#define UTCP_UTCP_SOCKET_H

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** AF_INET; SOCK_STREAM (protocol 0 or IPPROTO_TCP) or SOCK_DGRAM (UDP:
 * protocol 0 or IPPROTO_UDP), optionally | SOCK_NONBLOCK; AF_INET6 with
 * SOCK_DGRAM (struct sockaddr_in6, dual-stack with IPv4-mapped addresses
 * unless IPPROTO_IPV6 IPV6_V6ONLY is set before bind, as Linux).  A datagram
 * socket's send calls send one datagram each (EMSGSIZE beyond the path
 * MTU: no fragmentation) and its receive calls take one; connect sets the
 * default peer (AF_UNSPEC: none); an ICMP port unreachable about a
 * connected socket's datagram fails its next call with ECONNREFUSED. */
int utcp_socket(struct utcp_ctx *ctx, int domain, int type, int protocol);
/** Bind a socket to a local address and port (port 0: an ephemeral one). */
int utcp_bind(struct utcp_ctx *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen);
/** Any number of listeners per context; the same port in every context. */
int utcp_listen(struct utcp_ctx *ctx, int sock, int backlog);
/** The next connection of a listening socket (blocking unless O_NONBLOCK);
 * addr (may be NULL) receives the peer's address. */
int utcp_accept(struct utcp_ctx *ctx, int sock, struct sockaddr *addr, socklen_t *addrlen);
/** Open a connection (blocking: until established or refused; O_NONBLOCK:
 * -1 with EINPROGRESS, then EPOLLOUT and SO_ERROR). */
int utcp_connect(struct utcp_ctx *ctx, int sock, const struct sockaddr *addr, socklen_t addrlen);
/** @{ */
/** Read what has arrived, up to len bytes; 0 at end of stream. */
ssize_t utcp_read(struct utcp_ctx *ctx, int sock, void *buf, size_t len);
ssize_t utcp_readv(struct utcp_ctx *ctx, int sock, const struct iovec *iov, int iovcnt);
/** @} */
/** flags: MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL (MSG_OOB: EINVAL). */
ssize_t utcp_recv(struct utcp_ctx *ctx, int sock, void *buf, size_t len, int flags);
/** @{ */
/** Queue bytes on the send ring (blocking: until all fit; O_NONBLOCK: as many
 * as fit, or -1 with EAGAIN). */
ssize_t utcp_write(struct utcp_ctx *ctx, int sock, const void *buf, size_t len);
ssize_t utcp_writev(struct utcp_ctx *ctx, int sock, const struct iovec *iov, int iovcnt);
/** @} */
/** flags: MSG_DONTWAIT, MSG_NOSIGNAL (always implied), MSG_MORE (ignored). */
ssize_t utcp_send(struct utcp_ctx *ctx, int sock, const void *buf, size_t len, int flags);
/** @{ */
/** With an address: sendto on a datagram socket sends there (connected or
 * not; none and not connected: EDESTADDRREQ); a stream socket ignores it.
 * recvfrom / recvmsg give the datagram's source (a stream socket: a name
 * length of 0); flags MSG_PEEK, MSG_DONTWAIT, MSG_TRUNC (the datagram's
 * whole length is returned); msg_flags gets MSG_TRUNC when it was cut. */
ssize_t utcp_sendto(struct utcp_ctx *ctx, int sock, const void *buf, size_t len, int flags,
		    const struct sockaddr *dest, socklen_t addrlen);
ssize_t utcp_recvfrom(struct utcp_ctx *ctx, int sock, void *buf, size_t len, int flags,
		      struct sockaddr *src, socklen_t *addrlen);
ssize_t utcp_sendmsg(struct utcp_ctx *ctx, int sock, const struct msghdr *msg, int flags);
ssize_t utcp_recvmsg(struct utcp_ctx *ctx, int sock, struct msghdr *msg, int flags);
/** @} */
/** @{ */
/** Zero-copy data calls on a TCP socket (one copy less each way than
 * utcp_read / utcp_write; no Linux equivalent of this form).
 *
 * utcp_recv_zc fills iov[0] and, when the bytes wrap around the ring,
 * iov[1] (iovcnt 1: the first span only; an unused iov[1] gets {NULL, 0})
 * with the unread in-order bytes where they lie in the connection's
 * receive ring, and returns how many bytes they hold; nothing is consumed
 * (a second call gives the same bytes, and more if more came).  0 at end
 * of stream; blocking as utcp_read (until SO_RCVLOWAT bytes, the end or an
 * error), or -1 with EAGAIN on an O_NONBLOCK socket with nothing there.
 * The bytes stay valid, where they are, until consumed (new data goes
 * after them), the socket is closed or the connection is reset.
 * utcp_recv_zc_done consumes the first n of them (any n up to what is
 * unread, EINVAL beyond it) and announces the window exactly as a
 * utcp_read of n bytes would (RFC 9293 §3.8.6.2.2 SWS avoidance); 0.
 *
 * utcp_send_zc_reserve fills iov[0] (and iov[1] when the room wraps) with
 * the free room of the connection's send ring a utcp_write could take now
 * (it takes the ring if the connection has none) and returns its bytes;
 * blocking as utcp_write (until there is room), or -1 with EAGAIN on an
 * O_NONBLOCK socket; EPIPE when the sending side is shut or the socket
 * not connected (never SIGPIPE).  A deferred TCP_FASTOPEN_CONNECT sends
 * its SYN without data at the first reserve.  The application writes its
 * bytes from the start of the room, then utcp_send_zc_commit(n) queues the
 * first n and sends them as a utcp_write of them would (Nagle, TCP_CORK,
 * pacing decide the same) and returns n; 0 ends the reservation
 * unused (so does a new reserve, or close: nothing is held after the
 * connection ends).  Between reserve and commit no call may run the stack
 * (utcp_ctx_poll / utcp_ctx_wait / utcp_epoll_wait, a blocking call, a
 * write on the socket): an ACK may move or free the room, and a commit
 * after the room moved, or of more than was reserved, fails with EINVAL.
 *
 * All four: EBADF (no such socket), ENOTSOCK (an epoll or wake-up
 * socket), EINVAL (a UDP socket; iovcnt < 1), EFAULT (iov NULL), ENOTCONN
 * (receive) / EPIPE (send) on a listening or unconnected socket, and the
 * connection's pending error (ECONNRESET, ETIMEDOUT...) as utcp_read and
 * utcp_write report it. */
ssize_t utcp_recv_zc(struct utcp_ctx *ctx, int sock, struct iovec *iov, int iovcnt);
int utcp_recv_zc_done(struct utcp_ctx *ctx, int sock, size_t n);
ssize_t utcp_send_zc_reserve(struct utcp_ctx *ctx, int sock, struct iovec *iov, int iovcnt);
ssize_t utcp_send_zc_commit(struct utcp_ctx *ctx, int sock, size_t n);
/** @} */
/** Release the socket; its connection closes with a FIN (or an RST with
 * SO_LINGER 0 or unread data) and lives on in the stack until it is done. */
int utcp_close(struct utcp_ctx *ctx, int sock);
/** Close one direction or both (SHUT_RD, SHUT_WR, SHUT_RDWR). */
int utcp_shutdown(struct utcp_ctx *ctx, int sock, int how);
/** Reset the connection (RST) and release the socket. */
int utcp_abort(struct utcp_ctx *ctx, int sock);
/** The socket's local address. */
int utcp_getsockname(struct utcp_ctx *ctx, int sock, struct sockaddr *addr, socklen_t *addrlen);
/** The connected peer's address (ENOTCONN when there is none). */
int utcp_getpeername(struct utcp_ctx *ctx, int sock, struct sockaddr *addr, socklen_t *addrlen);
/** SOL_SOCKET: SO_REUSEADDR, SO_RCVBUF, SO_SNDBUF, SO_LINGER, SO_KEEPALIVE,
 * SO_RCVLOWAT (a blocking read waits for that many bytes, EPOLLIN too),
 * SO_ERROR (get), SO_TYPE (get), SO_ACCEPTCONN (get), SO_ZEROCOPY (0 or 1,
 * inherited by accept; send's MSG_ZEROCOPY copies as without it, and no
 * completion is queued for MSG_ERRQUEUE).  IPPROTO_TCP:
 * TCP_NODELAY, TCP_MAXSEG, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT,
 * TCP_CONGESTION, TCP_QUICKACK (1: the next TCP_QUICKACK_SEGS segments are
 * acknowledged at once and a delayed ACK goes now; not sticky, as Linux),
 * TCP_CORK (segments shorter than the MSS wait until it is cleared, or
 * one RTO at most; MSG_MORE corks one write's tail the same way),
 * TCP_NOTSENT_LOWAT (writes and EPOLLOUT only while fewer bytes are unsent;
 * 0: no limit), TCP_USER_TIMEOUT (RFC 5482, ms: the connection gives up
 * when data stays unacknowledged that long, instead of after tcp_retries2
 * retransmissions; 0: off), TCP_INFO (get: Linux's struct tcp_info).
 * IPPROTO_IP: IP_BIND_ADDRESS_NO_PORT (bind with port 0 sets the address
 * only; connect then picks a port whose replies reach this context),
 * IP_TOS, IP_MTU_DISCOVER (IP_PMTUDISC_DONT: no DF, the path MTU ignored).
 * Anything else: ENOPROTOOPT; bad values get Linux's errno.
 * SO_RCVBUF/SO_SNDBUF are capped by the context's rcvbuf/sndbuf and
 * reported as set, or doubled first with sock_buf_double (as Linux). */
/** @{ */
int utcp_getsockopt(struct utcp_ctx *ctx, int sock, int level, int optname, void *optval,
		    socklen_t *optlen);
int utcp_setsockopt(struct utcp_ctx *ctx, int sock, int level, int optname, const void *optval,
		    socklen_t optlen);
/** @} */
/** Make the socket non-blocking (as fcntl F_SETFL O_NONBLOCK). */
int utcp_setsock_nonblock(struct utcp_ctx *ctx, int sock);
/** F_GETFL / F_SETFL (O_NONBLOCK). */
int utcp_fcntl(struct utcp_ctx *ctx, int sock, int cmd, int arg);
/** FIONREAD (SIOCINQ), SIOCOUTQ (bytes written, not yet acknowledged), FIONBIO. */
int utcp_ioctl(struct utcp_ctx *ctx, int sock, unsigned long request, void *argp);

/** epoll with Linux semantics (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP,
 * EPOLLRDHUP, EPOLLET, EPOLLONESHOT).  A socket is in at most one epoll
 * instance at a time, and epoll instances do not nest. */
int utcp_epoll_create(struct utcp_ctx *ctx, int size);
/** An epoll instance (flags: 0 or EPOLL_CLOEXEC, which is ignored). */
int utcp_epoll_create1(struct utcp_ctx *ctx, int flags);
/** Add, modify or remove a socket (EPOLL_CTL_ADD, _MOD, _DEL). */
int utcp_epoll_ctl(struct utcp_ctx *ctx, int ep, int op, int sock, struct epoll_event *event);
/** Drives the stack until an event or timeout_ms (-1: forever, 0: poll once). */
int utcp_epoll_wait(struct utcp_ctx *ctx, int ep, struct epoll_event *events, int maxevents,
		    int timeout_ms);

/** The events a socket has now, as epoll would report them (EPOLLIN,
 * EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, with the RDNORM/WRNORM bits),
 * whatever epoll instance it is in, for poll(2) and select(2) over utcp
 * sockets.  Does not drive the stack.  -1 with EBADF for no such socket. */
int utcp_sock_events(struct utcp_ctx *ctx, int sock);

/** Wake-up sockets: Linux's eventfd, in the context's socket ids, the way
 * another thread (or a signal handler) wakes a context blocked in
 * utcp_epoll_wait.  utcp_eventfd makes one: a 64-bit counter starting at
 * initval; flags EFD_NONBLOCK, EFD_CLOEXEC (no meaning here); anything else
 * (EFD_SEMAPHORE) EINVAL.  The owning context reads it with utcp_read (8
 * bytes or more: the counter, which drops to 0; EAGAIN while it is 0, or a
 * blocking read drives the stack until it is not), adds to it with
 * utcp_write (8 bytes; EINVAL for UINT64_MAX, EAGAIN where it would pass
 * UINT64_MAX - 1) and closes it with utcp_close; epoll reports EPOLLIN
 * while the counter is not 0 and EPOLLOUT while it can grow.
 * utcp_eventfd_signal adds `value` from ANY thread, or a signal handler, and
 * wakes the context (utcp_ctx_wake): an atomic add, an atomic flag the
 * context looks at once per utcp_epoll_wait round, and the NIC's wake op;
 * no lock.  The socket must stay open while another thread may signal it.
 * On a NIC without a wake op (sim, psio) a context with wake-up sockets
 * sleeps at most 1 ms at a time in utcp_epoll_wait. */
/** @{ */
int utcp_eventfd(struct utcp_ctx *ctx, unsigned int initval, int flags);
int utcp_eventfd_signal(struct utcp_ctx *ctx, int sock, uint64_t value);
/** @} */

/** What a context holds right now (leak checks, monitoring). */
struct utcp_sock_usage {
	uint32_t sockets;     /**< socket and epoll ids in use */
	uint32_t tcbs;        /**< connections, including TIME-WAIT and unaccepted */
	uint32_t timewait;    /**< of tcbs, in TIME-WAIT */
	uint32_t listeners;   /**< listening sockets */
	/** @{ */
	uint32_t rcvbufs, sndbufs; /**< receive and send buffers taken from the pools */
	/** @} */
};
/** What ctx holds right now, into *u. */
void utcp_ctx_sock_usage(const struct utcp_ctx *ctx, struct utcp_sock_usage *u);
/** Check the invariants of every connection of ctx (sequence space ordered,
 * nothing in flight beyond the peer's window, buffers within their size, no
 * illegal state change).  0, or -1 with what is wrong written to msg. */
int utcp_ctx_check_invariants(const struct utcp_ctx *ctx, char *msg, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* UTCP_UTCP_SOCKET_H */
