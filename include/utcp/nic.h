/**
 * @file utcp/nic.h
 * @brief The one abstract multiqueue NIC interface.
 *
 * Every backend (sim, tap, dpdk, psio) and every middleware (pcap capture,
 * fault injection) implements struct utcp_nic_ops.  The TCP/IP core only
 * ever talks to a NIC through these calls.  The model is DPDK's burst API:
 *
 *   open (N queues) -> per queue: alloc / rx_burst / tx_burst / free,
 *   wait(deadline) [ended early by wake(), from any thread] -> close
 *
 * Buffer ownership (the rule every backend and the core follow):
 *   - alloc():    the caller owns the returned buffer.
 *   - rx_burst(): ownership of every returned buffer passes to the caller.
 *   - tx_burst(): ownership of the first `ret` buffers passes to the NIC,
 *                 which frees them when sent (or dropped); buffers from index
 *                 `ret` on remain the caller's (DPDK semantics).
 *   - free():     the caller gives a buffer it owns back to the NIC.
 * A buffer must be freed through the NIC (or middleware chain) it came from.
 *
 * Buffers may be backend memory wrapped zero-copy (DPDK: the utcp_pkt lives in
 * the mbuf's private area and `data` points into the mbuf); PSIO-style chunk
 * engines copy frames between their chunks and utcp_pkt buffers.
 */
#ifndef UTCP_NIC_H
#define UTCP_NIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Time in nanoseconds on the context's clock (virtual in the simulator). */
typedef uint64_t utcp_time_t;
/** A deadline that never comes. */
#define UTCP_TIME_NEVER UINT64_MAX
/** @{ */
/** Nanoseconds per microsecond, millisecond, second. */
#define UTCP_NSEC_PER_USEC 1000ull
#define UTCP_NSEC_PER_MSEC 1000000ull
#define UTCP_NSEC_PER_SEC 1000000000ull
/** @} */

/** Bytes of an Ethernet (MAC) address. */
#define UTCP_ETH_ALEN 6
/** Most queues per NIC (and so most contexts per stack). */
#define UTCP_MAX_QUEUES 16
/** Bytes of a Toeplitz RSS key. */
#define UTCP_RSS_KEY_LEN 40

/** Room every transmit buffer reserves in front of its data for headers
 * pushed by lower layers (Ethernet 14 + IPv4 60 + slack). */
#define UTCP_PKT_HEADROOM 128
/** Default size of a packet buffer: headroom + a 1518-byte frame, rounded. */
#define UTCP_PKT_BUF_SIZE 2048

/** @{ */
/** pkt->ol_flags: receive side, set by a NIC that verified checksums. */
#define UTCP_PKT_RX_IP_CKSUM_GOOD (1u << 0)
#define UTCP_PKT_RX_L4_CKSUM_GOOD (1u << 1)
#define UTCP_PKT_RX_IP_CKSUM_BAD (1u << 2)
#define UTCP_PKT_RX_L4_CKSUM_BAD (1u << 3)
/** @} */
#define UTCP_PKT_RX_RSS_HASH (1u << 4) /**< rss_hash is valid */
/** A copy of a frame that the NIC delivered to several queues (ARP goes to
 * every context, so each learns): learn from it, but let the context that
 * got the original (the one without this flag) answer it. */
#define UTCP_PKT_RX_COPY (1u << 5)
/** pkt->ol_flags: transmit side, set by the core when the NIC offers it. */
#define UTCP_PKT_TX_IP_CKSUM (1u << 8)  /**< NIC fills the IPv4 checksum */
#define UTCP_PKT_TX_TCP_CKSUM (1u << 9) /**< NIC fills the TCP checksum;
					   the core stores the pseudo-header sum */
/** TCP segmentation offload (a NIC with UTCP_NIC_TX_TCP_TSO; DPDK's
 * RTE_MBUF_F_TX_TCP_SEG): the frame is one TCP segment longer than the
 * path takes, and the NIC cuts its payload into segments of tso_segsz
 * bytes (the last may be shorter), each with the headers copied: IPv4 ID
 * incremented per segment, lengths and checksums fixed, the sequence number
 * advanced, FIN and PSH only on the last segment, CWR only on the first.
 * The frame also carries UTCP_PKT_TX_TCP_CKSUM (the pseudo-header sum over
 * the whole frame's TCP length). */
#define UTCP_PKT_TX_TCP_SEG (1u << 10)
/** pkt->ol_flags, receive side: the frame holds lro_segs TCP segments of
 * one flow joined (a NIC with UTCP_NIC_RX_TCP_LRO, or a TSO frame that
 * crossed a link whole, as on loopback), each tso_segsz payload bytes but
 * perhaps the last.  Frames a NIC joined carry UTCP_PKT_RX_L4_CKSUM_GOOD (it
 * verified each segment; the header's checksum field is the first one's). */
#define UTCP_PKT_RX_LRO (1u << 6)

/**
 * A packet buffer.  The frame occupies [data, data + len) inside
 * [buf, buf + buf_len).  Layers push headers by moving `data` back into the
 * headroom (utcp_pkt_push) and strip them by moving it forward (utcp_pkt_pull).
 */
struct utcp_pkt {
	uint8_t *data;        /**< first byte of the frame (or of the current layer) */
	uint16_t len;         /**< bytes from data */
	uint16_t queue;       /**< queue it arrived on, or is to be sent on */
	/** @{ */
	uint16_t l2_len;      /**< header lengths, for tx offloads */
	uint16_t l3_len;
	/** @} */
	uint32_t ol_flags;    /**< UTCP_PKT_* */
	uint32_t rss_hash;    /**< valid when UTCP_PKT_RX_RSS_HASH */
	uint8_t *buf;         /**< start of the buffer */
	uint32_t buf_len;     /**< size of the buffer */
	uint16_t tso_segsz;   /**< TX_TCP_SEG, RX_LRO: payload bytes per segment */
	uint16_t lro_segs;    /**< RX_LRO: segments joined in the frame */
	struct utcp_pkt *next; /**< free for the current owner (queues, lists) */
	utcp_time_t ts;       /**< free for the current owner (e.g. arrival time) */
	void *owner;          /**< backend private: the pool or mbuf it came from */
	uint64_t user;        /**< free for the current owner */
};

/** Bytes free in front of data. */
static inline uint32_t utcp_pkt_headroom(const struct utcp_pkt *p)
{
	return (uint32_t)(p->data - p->buf);
}

/** Bytes free after data + len. */
static inline uint32_t utcp_pkt_tailroom(const struct utcp_pkt *p)
{
	return p->buf_len - utcp_pkt_headroom(p) - p->len;
}

/** Prepend n bytes; returns the new data pointer or NULL if no headroom. */
static inline uint8_t *utcp_pkt_push(struct utcp_pkt *p, uint16_t n)
{
	if (utcp_pkt_headroom(p) < n)
		return NULL;
	p->data -= n;
	p->len += n;
	return p->data;
}

/** Remove n bytes from the front; returns the new data pointer or NULL. */
static inline uint8_t *utcp_pkt_pull(struct utcp_pkt *p, uint16_t n)
{
	if (p->len < n)
		return NULL;
	p->data += n;
	p->len -= n;
	return p->data;
}

/** Reset an empty buffer to the standard headroom. */
static inline void utcp_pkt_reset(struct utcp_pkt *p)
{
	p->data = p->buf + (p->buf_len > UTCP_PKT_HEADROOM ? UTCP_PKT_HEADROOM : 0);
	p->len = 0;
	p->l2_len = p->l3_len = 0;
	p->ol_flags = 0;
	p->rss_hash = 0;
	p->tso_segsz = p->lro_segs = 0;
	p->next = NULL;
	p->ts = 0;
	p->user = 0;
}

/** How the NIC spreads received flows over its queues. */
enum utcp_rss_kind {
	UTCP_RSS_NONE = 0,     /**< one queue, or no spreading */
	UTCP_RSS_TOEPLITZ,     /**< Toeplitz over (saddr, daddr, sport, dport) with rss_key */
	UTCP_RSS_OPAQUE,       /**< spreads, but by a hash utcp cannot compute (tun, fanout) */
};

/** @{ */
/** Offload capabilities (caps.offloads). */
#define UTCP_NIC_RX_IPV4_CKSUM (1u << 0)
#define UTCP_NIC_RX_TCP_CKSUM (1u << 1)
#define UTCP_NIC_TX_IPV4_CKSUM (1u << 2)
#define UTCP_NIC_TX_TCP_CKSUM (1u << 3)
/** TCP segmentation offload: frames flagged UTCP_PKT_TX_TCP_SEG up to
 * caps.tso_max bytes, in buffers from ops->alloc_large. */
#define UTCP_NIC_TX_TCP_TSO (1u << 4)
/** Receive coalescing (LRO/GRO): a received frame may hold several
 * segments of one flow (UTCP_PKT_RX_LRO). */
#define UTCP_NIC_RX_TCP_LRO (1u << 5)
/** With UTCP_NIC_TX_TCP_TSO: IPv4 frames only (DPDK's software GSO, which
 * net_tap uses, cuts no TCP/IPv6); IPv6 connections send MSS segments. */
#define UTCP_NIC_TX_TCP_TSO4_ONLY (1u << 6)
/** @} */

/** What a NIC is and can do, filled by its backend at open. */
struct utcp_nic_caps {
	uint16_t nb_queues;             /**< queues opened */
	uint16_t max_queues;            /**< queues the device could open */
	uint16_t mtu;                   /**< IP MTU (1500 for Ethernet) */
	uint8_t mac[UTCP_ETH_ALEN];     /**< the NIC's MAC address */
	uint32_t offloads;              /**< UTCP_NIC_* */
	enum utcp_rss_kind rss;         /**< how received flows are spread */
	uint8_t rss_key[UTCP_RSS_KEY_LEN]; /**< UTCP_RSS_TOEPLITZ: the key */
	uint16_t reta_size;             /**< redirection table size; 0: hash % nb_queues */
	uint16_t reta[128];             /**< queue for each hash & (reta_size - 1) */
	uint32_t buf_size;              /**< bytes per packet buffer (>= headroom + mtu + 14) */
	uint32_t tso_max;               /**< UTCP_NIC_TX_TCP_TSO: most bytes of a frame (<= 65535) */
};

/** A NIC's counters (ops->stats). */
struct utcp_nic_stats {
	/** @{ */
	uint64_t rx_pkts, rx_bytes, rx_missed, rx_errors; /**< received; missed (ring full); errors */
	/** @} */
	/** @{ */
	uint64_t tx_pkts, tx_bytes, tx_errors; /**< sent; errors */
	/** @} */
	uint64_t bufs_in_use;           /**< buffers allocated and not yet freed */
	int link_up;                    /**< 1 up, 0 down, -1 unknown */
};

struct utcp_nic;

/** A NIC's operations: what every backend and middleware implements. */
struct utcp_nic_ops {
	const char *name;       /**< the backend's name (sim, tap, dpdk, psio, pcap, fault) */
	/** Receive up to n frames from queue q; caller owns the returned buffers. */
	uint16_t (*rx_burst)(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n);
	/** Send up to n frames on queue q; the NIC owns the first `ret` buffers. */
	uint16_t (*tx_burst)(struct utcp_nic *nic, uint16_t q, struct utcp_pkt **pkts, uint16_t n);
	/** A fresh buffer (utcp_pkt_reset state) for queue q, or NULL if exhausted. */
	struct utcp_pkt *(*alloc)(struct utcp_nic *nic, uint16_t q);
	/** Give back a buffer the caller owns. */
	void (*free)(struct utcp_nic *nic, struct utcp_pkt *pkt);
	/** Block until queue q may have frames or the clock reaches deadline
	 * (UTCP_TIME_NEVER: no deadline).  Returns 1 if frames may be ready,
	 * 0 on deadline, -1 with errno on error (EINTR allowed). */
	int (*wait)(struct utcp_nic *nic, uint16_t q, utcp_time_t deadline);
	/** The NIC's clock, in ns (monotonic; virtual in the simulator). */
	utcp_time_t (*now)(struct utcp_nic *nic);
	/** Counters; may be NULL. */
	int (*stats)(struct utcp_nic *nic, struct utcp_nic_stats *st);
	/** Release everything; buffers still owned by the caller are invalid after. */
	void (*close)(struct utcp_nic *nic);
	/** Optional (NULL: none).  Make queue q's current or next wait() return
	 * at once.  The one op any thread may call, and a signal handler too:
	 * it touches nothing but what it was made for (an eventfd, an atomic).
	 * 0, or -1 with errno. */
	int (*wake)(struct utcp_nic *nic, uint16_t q);
	/** Optional (NULL: none).  A kernel descriptor that polls readable
	 * (POLLIN) while queue q may have frames (tap: the queue's own fd), for
	 * callers that sleep in poll(2) or epoll(7) beside descriptors of their
	 * own instead of in wait(); -1 when there is none. */
	int (*poll_fd)(struct utcp_nic *nic, uint16_t q);
	/** Optional (NULL: none, and no TSO).  A fresh buffer with room for a
	 * frame of caps.tso_max bytes behind the standard headroom, for a
	 * UTCP_PKT_TX_TCP_SEG frame; NULL when the NIC's few large buffers are
	 * all in use (the caller then sends MSS-sized segments).  Freed with
	 * free() as any other. */
	struct utcp_pkt *(*alloc_large)(struct utcp_nic *nic, uint16_t q);
};

/** An open NIC: its operations, capabilities and name. */
struct utcp_nic {
	const struct utcp_nic_ops *ops; /**< the vtable */
	struct utcp_nic_caps caps; /**< what it is and can do */
	char name[32];           /**< interface name as in the config's `port` */
	struct utcp_nic *lower;  /**< the wrapped NIC, for middleware; NULL for a backend */
	void *priv;              /**< backend state */
};

/** @{ */
/** Convenience wrappers (all are the vtable calls). */
static inline uint16_t utcp_nic_rx_burst(struct utcp_nic *n, uint16_t q, struct utcp_pkt **p, uint16_t c)
{
	return n->ops->rx_burst(n, q, p, c);
}
static inline uint16_t utcp_nic_tx_burst(struct utcp_nic *n, uint16_t q, struct utcp_pkt **p, uint16_t c)
{
	return n->ops->tx_burst(n, q, p, c);
}
static inline struct utcp_pkt *utcp_nic_alloc(struct utcp_nic *n, uint16_t q)
{
	return n->ops->alloc(n, q);
}
static inline void utcp_nic_free(struct utcp_nic *n, struct utcp_pkt *p)
{
	n->ops->free(n, p);
}
static inline int utcp_nic_wait(struct utcp_nic *n, uint16_t q, utcp_time_t deadline)
{
	return n->ops->wait(n, q, deadline);
}
static inline utcp_time_t utcp_nic_now(struct utcp_nic *n)
{
	return n->ops->now(n);
}
static inline void utcp_nic_close(struct utcp_nic *n)
{
	n->ops->close(n);
}
/** -1 when the NIC has no wake op: its waits then end only by a frame or
 * their deadline, and whoever needs waking must not sleep long. */
static inline int utcp_nic_wake(struct utcp_nic *n, uint16_t q)
{
	return n->ops->wake != NULL ? n->ops->wake(n, q) : -1;
}
/** @} */

struct utcp_config;
struct utcp_port_config;

/**
 * Backend registry: `io = sim|tap|dpdk|psio` picks an entry.  A backend that
 * was not built (no DPDK, no PSIO tree) is still listed, and its open fails
 * with a message saying how to enable it.
 *
 * An entry's open function: a NIC for `port` with nb_queues queues, or NULL
 * with a message in err.
 */
typedef struct utcp_nic *(*utcp_nic_open_fn)(const struct utcp_config *cfg,
					      const struct utcp_port_config *port,
					      uint16_t nb_queues, char *err, size_t errlen);

/** An entry of the backend registry. */
struct utcp_nic_backend {
	const char *name;        /**< the value of `io` that picks it */
	utcp_nic_open_fn open;   /**< NULL: not built in */
	const char *missing;     /**< why it is not built in, and how to enable it */
};

/** The entry named name, or NULL. */
const struct utcp_nic_backend *utcp_nic_backend_find(const char *name);
/** Every entry; their number in *count (count may be NULL). */
const struct utcp_nic_backend *utcp_nic_backends(size_t *count);
/** Their names for a message: "sim, tap, dpdk, psio" (truncated to len). */
void utcp_nic_backend_names(char *buf, size_t len);
/** The simulator, which lives above the registry, hands over the function
 * that opens a NIC for `io = sim` (name "sim") when it makes a world.
 * 0; -1 with errno ENOENT (not "sim") or EEXIST (another function). */
int utcp_nic_backend_provide(const char *name, utcp_nic_open_fn open);

/**
 * Configuration keys a backend or middleware owns (tap_name, dpdk_args,
 * psio_dev, pcap, fault_loss, ...).  Each lists its keys in a table of
 * struct utcp_config_key; the registry gathers the tables, and the config
 * parser (setup/config.c) reads a key it does not know itself through them,
 * with the same checks and messages as its own keys.  An entry says where
 * the value goes and what it may be; the parsing is the config parser's.
 */
enum utcp_config_key_type {
	UTCP_KEY_INT,        /**< int: a decimal integer in min..max */
	UTCP_KEY_STR,        /**< char[max]: at most max - 1 characters */
	UTCP_KEY_ARGS,       /**< as STR, and it must split into words (shell quoting) */
	UTCP_KEY_DOUBLE,     /**< double: a finite number in min..max */
	UTCP_KEY_USEC,       /**< utcp_time_t: integer microseconds in min..max, stored in ns */
	UTCP_KEY_U64,        /**< uint64_t: decimal, or hexadecimal after 0x */
};

/** One configuration key of a backend or middleware (see above). */
struct utcp_config_key {
	const char *name;              /**< as written in utcp.conf */
	enum utcp_config_key_type type; /**< what the value is */
	size_t off;                    /**< the field: offsetof(struct utcp_config, ...) */
	/** @{ */
	long min, max;                 /**< numbers: the range; STR, ARGS: the field's size */
	/** @} */
	/** @{ */
	int enables;                   /**< 1: setting the key also sets the int at enable_off to 1 */
	size_t enable_off;
	/** @} */
};

/** Most keys all the tables together may hold (the registry checks it). */
#define UTCP_NIC_MAX_CONFIG_KEYS 32

/** The key `name` from the tables, with *index its place among all their keys
 * (0 <= *index < UTCP_NIC_MAX_CONFIG_KEYS); NULL if no table has it. */
const struct utcp_config_key *utcp_nic_config_key_find(const char *name, int *index);
/** The key at `index` in the same order, NULL past the last: to walk them. */
const struct utcp_config_key *utcp_nic_config_key_at(int index);

/** Open the backend named by cfg->io for one port, wrapped in the middleware the
 * config asks for (fault injection, then pcap capture on top, so the capture
 * shows what the stack sent and what it received after impairment). */
struct utcp_nic *utcp_nic_open(const struct utcp_config *cfg, const struct utcp_port_config *port,
			       uint16_t nb_queues, char *err, size_t errlen);

/** @{ */
/** Real clock and entropy for real backends (CLOCK_MONOTONIC, getrandom). */
utcp_time_t utcp_nic_monotonic_now(struct utcp_nic *nic);
uint64_t utcp_nic_entropy_seed(void);
/** @} */

/* ---- middleware: wraps any NIC through the same vtable ---------------- */

/** pcap capture of every frame received and sent (libpcap, DLT_EN10MB,
 * nanosecond timestamps from the NIC clock).  snaplen 0 means 65535. */
struct utcp_nic *utcp_pcap_wrap(struct utcp_nic *lower, const char *path, uint32_t snaplen,
				char *err, size_t errlen);

/** Seeded fault injection on both directions. */
struct utcp_fault_params {
	double loss;         /**< probability a frame is dropped */
	double burst_loss;   /**< probability a drop starts a burst (Gilbert-Elliott bad state) */
	double burst_len;    /**< mean frames lost per burst (>= 1) */
	double reorder;      /**< probability a frame is held back behind the next one(s) */
	double dup;          /**< probability a frame is duplicated */
	double corrupt;      /**< probability one random byte is flipped */
	utcp_time_t delay;   /**< added delay (ns) */
	utcp_time_t jitter;  /**< uniform extra delay in [0, jitter) */
	uint64_t seed;       /**< the impairments' PRNG seed */
	/** @{ */
	int rx, tx;          /**< apply on receive / on transmit (both if both 0) */
	/** @} */
};
/** Wrap lower in fault injection with fp; NULL with a message in err. */
struct utcp_nic *utcp_fault_wrap(struct utcp_nic *lower, const struct utcp_fault_params *fp,
				 char *err, size_t errlen);
/** Set one field of fp from a key as in utcp.conf, with or without its
 * "fault_" prefix (loss = 0.05 or 5%, delay_us = 1000, ...).  0, or -1 with errno
 * ENOENT (unknown key) or EINVAL (bad value; *fp unchanged). */
int utcp_fault_parse(struct utcp_fault_params *fp, const char *key, const char *value);

/** What fault injection did, both directions and every queue summed. */
struct utcp_fault_stats {
	/** @{ */
	uint64_t dropped, reordered, duplicated, corrupted, delayed; /**< frames per impairment */
	/** @} */
};
/** The counters of the fault middleware in fault_nic's chain (fault_nic or a
 * NIC below it); -1 with errno EINVAL if there is none. */
int utcp_fault_get_stats(struct utcp_nic *fault_nic, struct utcp_fault_stats *st);

#ifdef __cplusplus
}
#endif
#endif /* UTCP_NIC_H */
