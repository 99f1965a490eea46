/*
 * tests/packetdrill/pd.h - the packetdrill adapter's state: one utcp stack
 * on a NIC of its own (pd_nic.c) with a virtual clock, and a table from the
 * descriptors packetdrill sees to utcp socket ids (adapter.c).
 *
 * Call order: pd_nic_new -> utcp_stack_open_nics -> utcp_ctx_create;
 * then, under pd->mu, pd_inject / pd_advance_to / pd_next_out; at the end
 * utcp_ctx_destroy -> utcp_stack_close (which closes the NIC).
 *
 * Threads: packetdrill's main thread and its syscall thread (blocking
 * calls) both enter; pd->mu is held around every use of the context, so
 * the context is only ever driven by one thread at a time.
 */
#ifndef UTCP_TESTS_PD_H
#define UTCP_TESTS_PD_H

#include <pthread.h>
#include <stdint.h>
#include <utcp/utcp.h>

#define PD_MAX_FDS 1024
#define PD_MAC_LOCAL { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }
#define PD_MAC_PEER { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }

struct pd_fifo {
	struct utcp_pkt *head, *tail;
	unsigned n;
};

struct pd_fd {
	int used;
	int sock;       /* utcp socket or epoll id */
	int nonblock;   /* O_NONBLOCK as the script sees it (utcp's is always set) */
};

struct pd {
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* state changed: a blocked call retries */
	pthread_cond_t done_cv;  /* a blocked call has retried */
	utcp_time_t now;         /* the virtual clock, ns */
	struct pd_fifo rx, tx;   /* frames into the stack; frames it sent (pkt->ts) */
	uint64_t bufs;           /* NIC buffers allocated and not freed */
	struct utcp_nic *nic;
	struct utcp_stack *st;
	struct utcp_ctx *ctx;
	struct pd_fd fds[PD_MAX_FDS];
	/* blocking calls */
	int blocked;             /* a call is in its blocking loop */
	pthread_t blocker;
	uint64_t gen;            /* entries by any other thread */
	uint64_t wake_seq, seen_seq;
	utcp_time_t idle_limit;  /* netdev_receive gives up after this much virtual idle time */
	uint16_t mtu;
	int verbose;
};

struct utcp_nic *pd_nic_new(struct pd *pd, uint16_t mtu);
/* Copy an IP datagram into the NIC's receive queue behind an Ethernet header. */
int pd_nic_inject(struct pd *pd, const void *ip, size_t len);
/* The oldest frame the stack sent, or NULL; the caller frees it. */
struct utcp_pkt *pd_nic_pop_tx(struct pd *pd);
void pd_nic_free_pkt(struct pd *pd, struct utcp_pkt *p);

/* Run the stack until a round handles nothing (bounded). */
void pd_run(struct pd *pd);
/* Move the clock to t, firing every timer due on the way at its time. */
void pd_advance_to(struct pd *pd, utcp_time_t t);

#endif /* UTCP_TESTS_PD_H */
