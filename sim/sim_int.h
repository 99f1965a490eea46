/*
 * sim/sim_int.h - the simulator's internal structures, shared by
 * world.c (clock, event queue, stepping), link.c (wire model), sim_nic.c (the
 * NIC vtable) and host.c (stacks, step callbacks, coroutines).
 *
 * Ownership of packet buffers in the simulator: every sim NIC queue has a
 * preallocated utcp_pkt_pool.  A frame sent on a link is the sender's buffer
 * itself (zero copy): it travels through the link's event queue into the
 * receiver's rx ring and on into the receiving stack, which frees it through
 * its own NIC; the sim NIC's free() returns it to the pool recorded in
 * pkt->owner, i.e. the sending queue's pool.  This is safe because the whole
 * world runs in one thread.  For the same reason pools outlive their NIC's
 * close() and are destroyed only with the world.
 */
#ifndef UTCP_NIC_SIM_INT_H
#define UTCP_NIC_SIM_INT_H

#include <pcap/pcap.h>
#include <ucontext.h>
#include <utcp/sim.h>

#include "core/base/pool.h"
#include "core/base/prng.h"
#include "core/wire/wire.h"
#include "nic/mw/impair.h"

#define SIM_DEFAULT_LIVELOCK 1000000ull /* steps at one instant before ELOOP */
#define SIM_DEFAULT_BUFS 1024          /* buffers per queue of an `io = sim` NIC */

enum sim_event_type {
	SIM_EV_ARRIVE = 1, /* a frame reaches the far end of a link direction */
	SIM_EV_RELEASE,    /* a frame held back for reordering gives up waiting */
	SIM_EV_LINK_DOWN,  /* utcp_sim_link_flap: the link goes down */
	SIM_EV_LINK_UP,    /* ... and up again */
};

struct sim_dir;

struct sim_event {
	utcp_time_t t;
	uint64_t seq;             /* tie-break: scheduling order */
	struct sim_dir *dir;
	struct utcp_pkt *pkt;     /* ARRIVE */
	uint64_t gen;             /* RELEASE: the hold it belongs to; ARRIVE: the
				     link's downs when the frame left */
	int type;
};

/* A FIFO of events in (time, sequence) order (a ring): an event joins a
 * lane whose last event is not later than it (sched.c). */
#define SIM_LANES 4
struct sim_lane {
	struct sim_event *ev;
	size_t head, n, cap;
};

struct sim_qent {
	utcp_time_t finish;       /* when its last bit leaves the serializer */
	uint32_t len;
};

/* One direction of a link. */
struct sim_dir {
	struct utcp_sim_link *link;
	int index;                /* 0: side 0 -> side 1 */
	struct utcp_sim_link_params p;
	struct utcp_impair imp;
	int impaired;
	utcp_time_t busy_until;   /* serializer busy until */
	struct sim_qent *q;       /* frames not yet serialized, FIFO ring */
	uint32_t qcap, qhead, qlen;
	uint64_t qbytes;
	struct utcp_pkt *held;    /* frame held back for reordering */
	utcp_time_t held_arrival;
	uint64_t held_gen;
	struct utcp_sim_link_stats st;
};

struct utcp_sim_link {
	struct utcp_sim_world *world;
	int index;
	struct sim_nic *ends[2];
	struct sim_dir dir[2];
	int down;                 /* 1 while the link is down */
	uint32_t mtu;             /* utcp_sim_link_mtu_drop: 0 none */
	utcp_time_t mtu_at;
	int mtu_icmp;
	uint64_t downs;           /* times it went down: frames in flight then are lost */
};

struct sim_queue {
	struct utcp_pkt_pool pool;
	struct utcp_pkt_pool large; /* TSO frames, GRO: made by utcp_sim_nic_set_tso */
	char pool_name[64];
	struct utcp_pkt **ring;   /* delivered frames, FIFO */
	uint32_t cap, head, count;
};

struct sim_nic {
	struct utcp_nic nic;      /* nic.priv points back here */
	struct utcp_sim_world *world;
	struct utcp_sim_host *host;
	int index;                /* in the world */
	struct utcp_sim_link *link;
	int side;
	/* Where tx_burst hands frames: set by the link it is attached to. */
	void (*send)(struct sim_dir *d, struct utcp_pkt *pkt);
	struct sim_dir *send_dir;
	int closed;
	int offload;              /* TCP checksums left partial on the wire */
	uint32_t tso_max;         /* TSO frames up to this many bytes; 0: none */
	int gro;                  /* rx_burst joins segments (sim_tso.c) */
	int has_large;            /* q[].large made */
	uint16_t nb_queues;
	struct sim_queue q[UTCP_MAX_QUEUES];
	struct utcp_nic_stats st;
	struct utcp_rss_table rss;   /* caps.rss_key, as a table: one hash per frame */
};

struct sim_coro {
	struct utcp_sim_host *host;
	int index;
	utcp_sim_coro_fn fn;
	void *arg;
	ucontext_t uc;
	void *stack;              /* mmap'd, with a guard page below */
	size_t map_len;
	int started, done, ret;
	int abandoned;
	struct sim_nic *wait_nic; /* NULL: sleeping, not waiting for frames */
	uint16_t wait_q;
	utcp_time_t wake;         /* deadline of the current wait */
};

struct sim_plug {
	char name[32];
	struct utcp_sim_link *link;
	int side;
};

struct utcp_sim_host {
	struct utcp_sim_world *world;
	int index;
	char name[32];
	struct sim_nic *nics[UTCP_MAX_PORTS];
	int nb_nics;
	struct sim_plug plugs[UTCP_MAX_PORTS];
	int nb_plugs;
	struct utcp_stack *stack;
	struct utcp_ctx *ctxs[UTCP_MAX_CORES];
	int nb_ctx;
	utcp_sim_step_fn step;
	void *step_arg;
	utcp_time_t wake_at;
	struct sim_coro **coros;
	int nb_coros, cap_coros;
};

struct utcp_sim_world {
	uint64_t seed;
	struct utcp_prng prng;
	utcp_time_t now;
	uint64_t seq;
	struct sim_event *heap;   /* events that fit no lane (sched.c) */
	size_t nb_heap, cap_heap;
	struct sim_lane lane[SIM_LANES];
	int nb_lanes;             /* lanes used so far (the rest never were) */
	size_t nb_ev;             /* events pending: heap and lanes */
	utcp_time_t next_t;       /* the time of the first of them (if any) */
	struct utcp_sim_host **hosts;
	int nb_hosts, cap_hosts;
	struct utcp_sim_link **links;
	int nb_links, cap_links;
	struct sim_nic **nics;
	int nb_nics, cap_nics;
	pcap_t *pd;
	pcap_dumper_t *dumper;
	uint64_t steps, same_time_steps, livelock_limit;
	ucontext_t sched;         /* the world's own context while a coroutine runs */
	struct sim_coro *running;
	struct utcp_sim_host *running_host;
	int shutting_down, shut_down;
	uint64_t leaked;
};

/* sched.c */
void sim_schedule(struct utcp_sim_world *w, utcp_time_t t, int type, struct sim_dir *dir,
		  struct utcp_pkt *pkt, uint64_t gen);
/* Pop the first event (there is one). */
void sim_event_pop_first(struct utcp_sim_world *w, struct sim_event *out);
/* Pop the next event if it is due by `until`: 1, else 0. */
static inline int sim_event_pop(struct utcp_sim_world *w, utcp_time_t until, struct sim_event *out)
{
	if (w->nb_ev == 0 || w->next_t > until)
		return 0;
	sim_event_pop_first(w, out);
	return 1;
}
/* The time of the next event, UTCP_TIME_NEVER if none. */
static inline utcp_time_t sim_event_next_time(const struct utcp_sim_world *w)
{
	return w->nb_ev > 0 ? w->next_t : UTCP_TIME_NEVER;
}
void sim_events_free(struct utcp_sim_world *w);
void sim_capture_frame(struct utcp_sim_world *w, const struct utcp_pkt *pkt);
/* A frame entering the link, into the capture if one is open (the test
 * inline: most worlds capture nothing). */
static inline void sim_capture(struct utcp_sim_world *w, const struct utcp_pkt *pkt)
{
	if (w->dumper != NULL)
		sim_capture_frame(w, pkt);
}
void sim_capture_close(struct utcp_sim_world *w);
int sim_grow(void **arr, int *cap, size_t elem);
struct utcp_sim_host *sim_current_host(void);
/* Give control back to the world until c is due again; -1 (ESHUTDOWN) when
 * the world shuts down meanwhile. */
int sim_coro_block(struct utcp_sim_world *w, struct sim_coro *c, struct sim_nic *n, uint16_t q,
		   utcp_time_t wake);
void sim_coro_yield(struct utcp_sim_world *w, struct sim_coro *c);

/* link.c */
void sim_link_send(struct sim_dir *d, struct utcp_pkt *pkt);
/* sim/link_mtu.c: 0 if pkt is within the path MTU; beyond it, 1 if it was
 * dropped, 2 if it became the ICMP error to send on the other direction. */
int sim_link_mtu_check(struct sim_dir *d, struct utcp_pkt *pkt);
void sim_link_event(struct utcp_sim_world *w, const struct sim_event *ev);
void sim_link_destroy(struct utcp_sim_link *l);

/* sim_nic.c */
struct sim_nic *sim_nic_of(const struct utcp_nic *nic);
void sim_nic_receive(struct sim_nic *n, struct utcp_pkt *pkt);
int sim_nic_has_rx(const struct sim_nic *n, uint16_t q);
int sim_nic_any_rx(const struct sim_nic *n);
/* A frame waits for c's queue on its NIC, or on any NIC of that NIC's host. */
int sim_coro_rx_ready(const struct sim_coro *c);
void sim_nic_drain(struct sim_nic *n);
uint64_t sim_nic_report_leaks(struct sim_nic *n, FILE *f);
void sim_nic_destroy(struct sim_nic *n);

/* sim_tso.c: a TSO frame cut into wire segments from pp (a list by
 * ->next; pkt freed, *lost the segments that found no buffer); a TSO
 * frame that arrived whole marked UTCP_PKT_RX_LRO; in-order segments of a
 * flow in pkts[0..n) joined into large buffers of lg (frames up to max
 * bytes), the new count returned. */
struct utcp_pkt *sim_tso_segment(struct utcp_pkt *pkt, struct utcp_pkt_pool *pp, uint32_t *lost);
void sim_tso_arrived(struct utcp_pkt *pkt, uint16_t segsz);
uint16_t sim_gro(struct utcp_pkt **pkts, uint16_t n, struct utcp_pkt_pool *lg, uint32_t max);

/* host.c */
/* The registry's `io = sim` entry: a NIC in the current world, plugged into
 * the link the current host reserved under port->name (utcp_sim_host_plug),
 * or on no wire at all if none was reserved. */
struct utcp_nic *utcp_sim_nic_open_cfg(const struct utcp_config *cfg,
				       const struct utcp_port_config *port, uint16_t nb_queues,
				       char *err, size_t errlen);
utcp_time_t sim_host_next(struct utcp_sim_host *h);
void sim_host_run(struct utcp_sim_host *h);
void sim_host_shutdown(struct utcp_sim_host *h, FILE *f);
void sim_host_destroy(struct utcp_sim_host *h);

#endif
