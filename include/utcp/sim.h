/**
 * @file utcp/sim.h
 * @brief The deterministic simulator: a world of hosts joined by links,
 * driven by a virtual clock.
 *
 * Run your own application in virtual time, over links with seeded loss,
 * reordering and delay, and check it: the same seed gives the same run,
 * frame for frame.  Idle time costs nothing (a 60 s timer fires at once).
 * examples/echo_sim.c is a complete program.
 *
 * Call order:
 *   utcp_sim_world_create(seed)
 *   -> utcp_sim_link_create(world, params A->B, params B->A)
 *   -> utcp_sim_host_create(world, name)
 *   -> utcp_sim_nic_create(world, host, name, queues, buffers, mac)
 *      + utcp_sim_link_attach(link, side, nic)
 *      (or utcp_sim_host_plug(host, name, link, side) and let the host's
 *       application open the NIC with `io = sim` through the registry)
 *   -> utcp_sim_host_open_stack(host, cfg)    [stack + one context per core]
 *   -> utcp_sim_host_set_step(host, fn) or utcp_sim_host_spawn(host, fn)
 *   -> utcp_sim_world_run_until(world, pred, bound) / utcp_sim_world_step
 *   -> utcp_sim_world_shutdown(world)  [closes hosts, drains links, counts leaks]
 *   -> utcp_sim_world_destroy(world).
 *
 * One step of the world (utcp_sim_world_step):
 *   1. find the next event: the earliest frame arrival (or link release)
 *      in the event queue, or the earliest host deadline (context timers,
 *      step-callback wake-ups, coroutine waits);
 *   2. jump the virtual clock to it (idle time costs nothing);
 *   3. pop every due event in (time, sequence) order: frames land in the
 *      receiving NIC's rx rings;
 *   4. run every host that is due, in creation order: hosts without
 *      coroutines have their contexts polled (then the step callback, then
 *      a second poll that flushes what the callback queued); coroutines are
 *      resumed in spawn order until they wait again.
 * Everything is single-threaded and ordered, so one seed gives one run.
 * A world and everything in it belong to one thread; other threads may
 * run worlds of their own at the same time.
 *
 * Links are point to point.  Each direction models, in order: a drop-tail
 * queue in front of a serializer (rate), the wire (latency), and seeded
 * impairments (struct utcp_fault_params): loss, bursty loss, duplication,
 * corruption, delay and jitter, reordering.
 *
 * Capture (utcp_sim_world_capture): one pcap file of every frame as it
 * enters the wire, from either side of every link: after the drop-tail
 * queue accepted it and before impairments, stamped with the virtual time
 * it was sent.  Frames lost on the wire are in the file (they were sent),
 * frames refused by a full queue are not (they never reached the wire).
 *
 * Stability: this header is part of libutcp's public API.  Within one
 * soname (libutcp.so.0) a declaration here keeps its signature and its
 * meaning; functions and struct members may be added.  A given seed gives
 * the same run for a given version of the library; across versions the
 * runs may differ (the stack's own behaviour changes).
 */
#ifndef UTCP_SIM_H
#define UTCP_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <utcp/nic.h>
#include <utcp/utcp.h>

#ifdef __cplusplus
extern "C" {
#endif

struct utcp_sim_world;
struct utcp_sim_link;
struct utcp_sim_host;

/* ---- world ------------------------------------------------------------ */

/** A new world at virtual time 0; every random choice in it derives from
 * seed.  NULL with errno ENOMEM. */
struct utcp_sim_world *utcp_sim_world_create(uint64_t seed);
/** Shuts down first if that was not done; frees everything. */
void utcp_sim_world_destroy(struct utcp_sim_world *w);
/** The virtual clock, ns. */
utcp_time_t utcp_sim_world_now(const struct utcp_sim_world *w);
/** The seed the world was created with. */
uint64_t utcp_sim_world_seed(const struct utcp_sim_world *w);
/** A seed for a part of the world (a host's PRNG, a link direction),
 * derived from the world seed and the part's name and index. */
uint64_t utcp_sim_world_derive_seed(const struct utcp_sim_world *w, const char *what,
				    uint64_t index);

/** Record every frame entering any link to a pcap file (see above). */
int utcp_sim_world_capture(struct utcp_sim_world *w, const char *path, char *err, size_t errlen);

/**
 * The world `io = sim` NICs opened through the registry belong to
 * (utcp_sim_nic_open_cfg), and the host they are plugged into (may be
 * NULL).  The world sets itself (and the host it runs) current while it
 * steps, so an application coroutine calling utcp_stack_open() finds it.
 * Per thread.
 */
/** @{ */
void utcp_sim_world_set_current(struct utcp_sim_world *w, struct utcp_sim_host *h);
struct utcp_sim_world *utcp_sim_world_current(void);
/** @} */

/** Time of the next event (frame arrival, host deadline), or UTCP_TIME_NEVER. */
utcp_time_t utcp_sim_world_next_event(struct utcp_sim_world *w);

/** One step (see above).  1 if something ran, 0 if the world is idle (no
 * event will ever happen), -1 with errno EDEADLK when called from inside a
 * coroutine or ELOOP when the world runs without time advancing for too
 * many steps (a host that never drains its rx ring, a timer in the past). */
int utcp_sim_world_step(struct utcp_sim_world *w);

/** How utcp_sim_world_run_until ended. */
enum utcp_sim_run_result {
	UTCP_SIM_ERROR = -1,  /**< step failed, errno set */
	UTCP_SIM_BOUND = 0,   /**< reached the time bound (the clock stands at it) */
	UTCP_SIM_DONE = 1,    /**< pred returned non-zero */
	UTCP_SIM_IDLE = 2,    /**< nothing left to happen, pred still zero */
};
/** The condition utcp_sim_world_run_until waits for: non-zero when it holds.
 * Called after every step with the world and run_until's arg. */
typedef int (*utcp_sim_pred_fn)(struct utcp_sim_world *w, void *arg);
/** Step until pred (NULL: never true) holds, the world is idle, or the next
 * event lies beyond `bound` (absolute virtual time). */
enum utcp_sim_run_result utcp_sim_world_run_until(struct utcp_sim_world *w, utcp_sim_pred_fn pred,
						  void *arg, utcp_time_t bound);

/** Steps taken so far (for reports and tests). */
uint64_t utcp_sim_world_steps(const struct utcp_sim_world *w);
/** Bound on consecutive steps at one virtual time before step() fails with
 * ELOOP (default 1000000). */
void utcp_sim_world_set_livelock_limit(struct utcp_sim_world *w, uint64_t steps);

/**
 * Teardown: stops every coroutine (their waits return -1 with errno
 * ESHUTDOWN; one that does not return within a few resumptions is
 * abandoned and reported), destroys every host's contexts and stack,
 * drains every link and rx ring, then counts packet buffers still taken
 * from any sim NIC pool.  Returns that count (0 = no leak) and, when `f` is
 * not NULL, writes one line per leaking pool to it.  Idempotent.
 */
uint64_t utcp_sim_world_shutdown(struct utcp_sim_world *w, FILE *f);

/** Buffers currently taken from every sim NIC pool of the world. */
uint64_t utcp_sim_world_bufs_in_use(const struct utcp_sim_world *w);

/* ---- links ------------------------------------------------------------ */

/** One direction of a link.  Start from utcp_sim_link_params_default. */
struct utcp_sim_link_params {
	utcp_time_t latency;      /**< propagation delay, ns */
	uint64_t rate;            /**< bits per second; 0: no serialization delay */
	uint32_t queue_frames;    /**< drop-tail limit in frames; 0: unlimited */
	uint32_t queue_bytes;     /**< drop-tail limit in bytes; 0: unlimited */
	utcp_time_t reorder_hold; /**< a reordered frame waits at most this long for
				     the next frame to overtake it (0: 10 ms) */
	struct utcp_fault_params fault; /**< impairments (seed: mixed with the world's);
					   fault.corrupt damages frames past the FCS: the
					   receiver gets them */
	/** Loss bursts last in time: the bad state lasts an exponential
	 * duration of this mean (ns).  0: the mean that loses fault.burst_len
	 * back-to-back full-size frames per burst at `rate` (per frame when
	 * rate is 0). */
	utcp_time_t burst_time;
	/** Probability a frame is damaged on the wire and dropped by the
	 * receiving NIC's FCS check (counted in fcs_errors and the NIC's
	 * rx_errors), as a real NIC does with nearly every damaged frame. */
	double corrupt_fcs;
	/** Probability a frame meets congestion, as at a router with an ECN
	 * queue (RFC 3168 §5): an IPv4 or IPv6 packet marked ECT(0) or ECT(1)
	 * is marked CE and delivered (counted in ce_marked), any other frame
	 * is dropped (counted in lost). */
	double ecn_mark;
	/** The longest IP packet the wire carries in one frame (0: 65535, as
	 * loopback).  Only TSO frames (utcp_sim_nic_set_tso) exceed a NIC's
	 * MTU; one longer than this is cut by the sending NIC into segments of
	 * its MSS, as hardware does, so that the queue, the serializer and
	 * the impairments act on each wire frame. */
	uint32_t frame_mtu;
};

#define UTCP_SIM_DEFAULT_RATE 1000000000ull /**< 1 Gbit/s */
#define UTCP_SIM_DEFAULT_QUEUE 1000         /**< frames */
/** Default reorder_hold: 10 ms. */
#define UTCP_SIM_DEFAULT_REORDER_HOLD (10 * UTCP_NSEC_PER_MSEC)

/** Zero latency and impairments, default rate and queue. */
void utcp_sim_link_params_default(struct utcp_sim_link_params *p);

/** A point-to-point link; side 0 sends on direction 0 (0 -> 1), side 1 on
 * direction 1.  ba NULL: the same parameters both ways.  Each direction's
 * impairments draw from their own stream (world seed, link index, direction). */
struct utcp_sim_link *utcp_sim_link_create(struct utcp_sim_world *w,
					   const struct utcp_sim_link_params *ab,
					   const struct utcp_sim_link_params *ba);
/** Plug a sim NIC into side 0 or 1.  -1 with errno EINVAL (not a sim NIC,
 * bad side) or EBUSY (side taken, NIC already attached). */
int utcp_sim_link_attach(struct utcp_sim_link *l, int side, struct utcp_nic *nic);

/** One direction's counters (utcp_sim_link_get_stats). */
struct utcp_sim_link_stats {
	/** @{ */
	uint64_t tx_frames, tx_bytes;  /**< frames and bytes handed to this direction */
	/** @} */
	uint64_t queue_drops;          /**< refused by the full drop-tail queue */
	uint64_t lost;                 /**< lost on the wire (impairment) */
	/** @{ */
	uint64_t duplicated, corrupted, reordered, delayed; /**< frames each impairment touched */
	/** @} */
	uint64_t delivered;            /**< frames (copies included) that reached a NIC */
	uint64_t no_nic;               /**< arrived at a side with no open NIC */
	uint32_t queue_high_water;     /**< most frames ever in the queue */
	uint64_t fcs_errors;           /**< damaged on the wire, dropped by the receiver's FCS check */
	uint64_t down_drops;           /**< sent or in flight while the link was down */
	uint64_t mtu_drops;            /**< IPv4 frames beyond the path MTU (utcp_sim_link_mtu_drop) */
	uint64_t icmp_needfrag;        /**< ICMP "fragmentation needed" sent back for them */
	uint64_t ce_marked;            /**< ECT packets marked CE instead of dropped (ecn_mark) */
};
/** Take the link down at down_at and up again at up_at (virtual ns,
 * up_at > down_at; UTCP_TIME_NEVER: it stays down): frames sent while it is
 * down, or in flight when it goes down, are lost (down_drops), and both
 * NICs report link_up 0 meanwhile.  -1 with errno EINVAL or ENOMEM. */
int utcp_sim_link_flap(struct utcp_sim_link *l, utcp_time_t down_at, utcp_time_t up_at);
/** From virtual time at on, both directions drop IPv4 packets longer than
 * mtu octets (a router further on with a smaller MTU, DF set as TCP sets
 * it); with icmp, each drop sends the sender an ICMP "fragmentation needed"
 * (type 3 code 4, RFC 1191 §4) naming mtu, from the dropped packet's
 * destination address, quoting its IPv4 header and 8 octets; without, the
 * path is a black hole (RFC 2923 §2.1).  -1 with errno EINVAL (mtu < 68). */
int utcp_sim_link_mtu_drop(struct utcp_sim_link *l, utcp_time_t at, uint32_t mtu, int icmp);
/** 1 if the link is up now. */
int utcp_sim_link_is_up(const struct utcp_sim_link *l);

/** dir 0: side 0 -> side 1; dir 1: side 1 -> side 0. */
int utcp_sim_link_get_stats(const struct utcp_sim_link *l, int dir, struct utcp_sim_link_stats *st);

/* ---- sim NICs --------------------------------------------------------- */

/**
 * A simulated NIC with nb_queues queues, each with its own pool of nb_bufs
 * packet buffers (UTCP_PKT_BUF_SIZE bytes) and an rx ring of rx_ring
 * entries (0: max(nb_bufs, 1024)).  mac NULL: a locally administered
 * address made from the NIC's index in the world.  The world owns the
 * NIC's memory: close() (from utcp_stack_close) only takes it off the wire,
 * and the pools live until the world is destroyed, because buffers travel.
 */
struct utcp_nic *utcp_sim_nic_create(struct utcp_sim_world *w, struct utcp_sim_host *h,
				     const char *name, uint16_t nb_queues, uint32_t nb_bufs,
				     uint32_t rx_ring, const uint8_t *mac, char *err,
				     size_t errlen);
/** 1 if nic is a sim NIC. */
int utcp_sim_nic_is_sim(const struct utcp_nic *nic);
/** Offer TCP checksum offload (on = 1) or not (0, the default), before the
 * stack opens the NIC: segments travel with their pseudo-header sum only
 * and an offloading receiver does not verify them (see sim_nic.c). */
int utcp_sim_nic_set_offload(struct utcp_nic *nic, int on);
/** TCP segmentation offload (UTCP_NIC_TX_TCP_TSO) with frames up to
 * tso_max bytes (0: off; at most 65535), as loopback's 64 KiB frames or a
 * NIC's TSO on a link whose frame_mtu is smaller (the NIC cuts them), and
 * with gro receive coalescing (UTCP_NIC_RX_TCP_LRO: in-order segments of
 * one flow that arrive in one rx burst are joined, as Linux's GRO, when
 * the NIC verified their checksums: with utcp_sim_nic_set_offload on).
 * Each queue gets a pool of UTCP_SIM_TSO_BUFS large buffers (the first
 * call only).  0, or -1 with errno EINVAL (not a sim NIC, tso_max out of
 * range) or ENOMEM. */
int utcp_sim_nic_set_tso(struct utcp_nic *nic, uint32_t tso_max, int gro);
/** Large buffers per queue of a NIC with TSO or GRO. */
#define UTCP_SIM_TSO_BUFS 64
/** Frames waiting in queue q's rx ring. */
uint32_t utcp_sim_nic_rx_pending(const struct utcp_nic *nic, uint16_t q);
/** Buffers taken from this NIC's pools and not yet returned, wherever they
 * are now (its own stack, the wire, the peer). */
uint64_t utcp_sim_nic_bufs_in_use(const struct utcp_nic *nic);

/* ---- hosts ------------------------------------------------------------ */

/** A host named name (for messages), without NICs or stack yet; the world
 * owns it.  NULL with errno. */
struct utcp_sim_host *utcp_sim_host_create(struct utcp_sim_world *w, const char *name);
/** The host's name. */
const char *utcp_sim_host_name(const struct utcp_sim_host *h);
/** The world the host lives in. */
struct utcp_sim_world *utcp_sim_host_world(const struct utcp_sim_host *h);

/** Reserve link side `side` for the port named `port` of this host, for an
 * application that opens its stack itself with `io = sim`. */
int utcp_sim_host_plug(struct utcp_sim_host *h, const char *port, struct utcp_sim_link *l,
		       int side);

/** Open a stack on the host's sim NICs (in creation order, one per port of
 * cfg) and one context per core.  0, or -1 with a message in err. */
int utcp_sim_host_open_stack(struct utcp_sim_host *h, const struct utcp_config *cfg, char *err,
			     size_t errlen);
/** The stack utcp_sim_host_open_stack opened, or NULL. */
struct utcp_stack *utcp_sim_host_stack(const struct utcp_sim_host *h);
/** The context of core `core` of that stack, or NULL. */
struct utcp_ctx *utcp_sim_host_ctx(const struct utcp_sim_host *h, int core);
/** The number of contexts (cores) of the host's stack. */
int utcp_sim_host_nb_ctx(const struct utcp_sim_host *h);
/** The host's i-th sim NIC, in creation order, or NULL. */
struct utcp_nic *utcp_sim_host_nic(const struct utcp_sim_host *h, int i);

/** Sum of the host's per-context counters. */
void utcp_sim_host_stats(const struct utcp_sim_host *h, struct utcp_stats *sum);

/** (a) Step callback: runs after the host's contexts were polled, whenever
 * the host runs (frames arrived, a context timer or a wake-up is due); the
 * contexts are polled again after it, so what it queued leaves at once.  On
 * a host with coroutines the world polls nothing itself: the callback then
 * runs only for its wake-ups, before the coroutines. */
typedef void (*utcp_sim_step_fn)(struct utcp_sim_host *h, void *arg, utcp_time_t now);
/** Set the host's step callback (fn NULL: none), called with arg. */
void utcp_sim_host_set_step(struct utcp_sim_host *h, utcp_sim_step_fn fn, void *arg);
/** Ask for the host to run again at t (the earliest request wins; a request
 * is consumed when the host runs at or after it). */
void utcp_sim_host_wake_at(struct utcp_sim_host *h, utcp_time_t t);

/** (b) Coroutines: fn(arg) runs ordinary application code on its own stack
 * (stack_size 0: 256 KiB).  A wait on a sim NIC (utcp_ctx_wait,
 * utcp_epoll_wait, ...) yields to the world until a frame is queued for
 * that queue on any of the host's NICs, or until the deadline.  A wait
 * whose deadline has already passed yields for UTCP_SIM_POLL_NS, so a
 * busy-polling application still lets virtual time advance.
 *
 * The world polls a host with coroutines only through them: once they have
 * returned, nothing drives its contexts.  An application that closes
 * connections keeps waiting on its context (utcp_ctx_wait) until
 * utcp_ctx_sock_usage shows none left, TIME-WAIT included, before it
 * returns (examples/echo_sim.c, linger()). */
typedef int (*utcp_sim_coro_fn)(void *arg);
/** Run fn(arg) as a coroutine of h, from the next step on (see
 * utcp_sim_coro_fn).  Returns the coroutine's index on the host, or -1 with
 * errno. */
int utcp_sim_host_spawn(struct utcp_sim_host *h, utcp_sim_coro_fn fn, void *arg,
			size_t stack_size);
/** How long a wait whose deadline has passed yields: 1 us. */
#define UTCP_SIM_POLL_NS 1000ull
/** 1 if coroutine i of h has returned (its return value in *ret). */
int utcp_sim_host_coro_done(const struct utcp_sim_host *h, int i, int *ret);
/** 1 when every coroutine of h has returned. */
int utcp_sim_host_coros_done(const struct utcp_sim_host *h);

/** From inside a coroutine: give the world control until virtual time t
 * (t <= now: until the next step).  0, or -1 with errno EPERM outside a
 * coroutine, ESHUTDOWN when the world is shutting down. */
int utcp_sim_sleep_until(utcp_time_t t);
/** The host whose coroutine is running, or NULL. */
struct utcp_sim_host *utcp_sim_current_host(void);

#ifdef __cplusplus
}
#endif
#endif /* UTCP_SIM_H */
