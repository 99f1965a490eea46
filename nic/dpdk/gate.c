/*
 * nic/dpdk/gate.c - keeps the pollers out of the PMDs while DPDK's interrupt
 * thread runs, so a PMD may change its queues (unmap the shared memory of a
 * memif peer that left) without a context inside rte_eth_rx_burst or
 * rte_eth_tx_burst on them.
 *
 * The race (DPDK 22.11, net_memif; seen as SIGSEGV in epserver when epwget
 * exited).  The memif PMD runs its control channel from the EAL interrupt
 * thread ("eal-intr-thread"): when the peer disconnects, memif_intr_handler
 * -> memif_msg_receive (a DISCONNECT message, or EOF on the socket) ->
 * memif_disconnect(), which, on that thread and with nothing to wait for
 * the pollers:
 *   1. sets dev_link.link_status = DOWN and clears ETH_MEMIF_FLAG_CONNECTED
 *      (plain stores),
 *   2. drops the control channel, closes the queues' interrupt eventfds,
 *   3. memif_free_regions(): munmap()s every region, rte_free()s the
 *      region structs and sets proc_private->regions[i] = NULL.
 * eth_memif_rx/eth_memif_tx test ETH_MEMIF_FLAG_CONNECTED once on entry and
 * then read the rings and buffers through regions[]: a poller past that test
 * when step 3 runs reads unmapped memory or a NULL region.
 *
 * Why not an ethdev event (RTE_ETH_EVENT_INTR_LSC / _INTR_RMV): the memif
 * PMD of 22.11 never raises one.  memif_disconnect and memif_connect set
 * dev_link.link_status directly, and librte_net_memif.so.23 does not even
 * import rte_eth_dev_callback_process (`nm -D` lists no such symbol), so a
 * callback registered with rte_eth_dev_callback_register would never run,
 * neither before nor after the unmap.  memif_disconnect takes no lock a
 * poller could hold through a public API either (its pmd->cc_lock is private
 * and released before step 3).
 *
 * The hook that exists: every PMD callback the interrupt thread runs is run
 * between two of its epoll_wait() calls (lib/eal/linux/eal_interrupts.c:
 * eal_intr_handle_interrupts: epoll_wait, then eal_intr_process_interrupts
 * calls the callbacks of the ready fds, then epoll_wait again).  librte_eal
 * calls epoll_wait through the PLT, so the definition below (exported from
 * libutcp, found before libc's) wraps it.  On the interrupt thread only:
 *   - epoll_wait returned events: close the gate, then wait until no poller
 *     is inside any slot; only then does the thread go on to run callbacks;
 *   - epoll_wait is called again: the callbacks are done, open the gate.
 * On every other thread it is plain epoll_wait (epoll_pwait with no mask).
 *
 * The gate: one global word `closed` and, per queue, a count of threads
 * inside the PMD.  A poller increments its count and then reads `closed`;
 * the interrupt thread stores `closed` and then reads the counts; all four
 * accesses are sequentially consistent (Dekker), so either the poller sees
 * the gate closed and backs out, or the interrupt thread sees it inside and
 * waits for it to leave (a release store it then acquires: the poller's
 * reads of the regions happen before the munmap).  Opening is a store the
 * pollers' next enter reads: what the callbacks changed (regions mapped on
 * connect, flags) is visible to them.  A poller that finds the gate closed
 * does not wait: its rx_burst returns 0 frames and tx_burst takes none, as
 * with an empty or full ring, and the context polls again.
 *
 * The port's owner, too, must not meet the interrupt thread's callbacks.
 * memif's stop and close run memif_disconnect on the caller's thread: when
 * the peer leaves at that moment (both sides closing at once), both threads
 * unmap and rte_free the same regions and control channel ("EAL: Error:
 * Invalid memory", SIGSEGV).  And rte_eal_cleanup unmaps DPDK's memory but
 * leaves the interrupt thread running: a late event (the peer's EOF) makes
 * it read its interrupt sources, or run memif's callback, in unmapped memory
 * (SIGSEGV in rte_intr_fd_get on eal-intr-thread).  So the interrupt thread
 * also holds a mutex from an epoll_wait that returned events to its next
 * epoll_wait (callbacks, unregistrations pending on them, the rebuilding of
 * its wait list), and dpdk_gate_hold_intr takes it: the backend holds it
 * around rte_eth_dev_stop / rte_eth_dev_close, and takes it for good before
 * rte_eal_cleanup (the interrupt thread then stays parked in epoll_wait's
 * wrapper until the process exits).
 *
 * Cost: one locked add and one load per burst on the poller; the gate closes
 * for the few microseconds of each interrupt-thread wake-up (memif control
 * messages, link events, EAL alarms), rarely.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <rte_interrupts.h>
#include <rte_pause.h>

#include "nic/dpdk/gate.h"

#define GATE_LINE 64 /* a slot per cache line: pollers do not share lines */
#define GATE_SPINS 1024 /* pauses before the waiting thread yields its CPU */

struct gate_slot {
	uint32_t inside; /* threads inside the PMD through this slot */
	uint64_t skips;  /* enters refused: the gate was closed */
} __attribute__((aligned(GATE_LINE)));

struct dpdk_gate {
	struct dpdk_gate *next; /* the registered gates, under gates_lock */
	unsigned nb_slots;
	struct gate_slot slot[];
};

/* Process-wide, as DPDK's interrupt thread is. */
static uint32_t closed;                 /* the interrupt thread runs callbacks */
static pthread_mutex_t gates_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dpdk_gate *gates;
static uint64_t closures;
static uint64_t freed_skips; /* skips of gates already freed */

struct dpdk_gate *dpdk_gate_new(unsigned nb_slots)
{
	size_t size = sizeof(struct dpdk_gate) + nb_slots * sizeof(struct gate_slot);
	size = (size + GATE_LINE - 1) / GATE_LINE * GATE_LINE;
	struct dpdk_gate *g = aligned_alloc(GATE_LINE, size);
	if (g == NULL)
		return NULL;
	memset(g, 0, size);
	g->nb_slots = nb_slots;
	pthread_mutex_lock(&gates_lock);
	g->next = gates;
	gates = g;
	pthread_mutex_unlock(&gates_lock);
	return g;
}

void dpdk_gate_free(struct dpdk_gate *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&gates_lock);
	for (struct dpdk_gate **p = &gates; *p != NULL; p = &(*p)->next) {
		if (*p == g) {
			*p = g->next;
			break;
		}
	}
	for (unsigned s = 0; s < g->nb_slots; s++)
		freed_skips += g->slot[s].skips;
	pthread_mutex_unlock(&gates_lock);
	free(g);
}

int dpdk_gate_enter(struct dpdk_gate *g, unsigned slot)
{
	struct gate_slot *s = &g->slot[slot];
	__atomic_add_fetch(&s->inside, 1, __ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(&closed, __ATOMIC_SEQ_CST) == 0, 1))
		return 1;
	__atomic_sub_fetch(&s->inside, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&s->skips, 1, __ATOMIC_RELAXED); /* a line this thread owns */
	return 0;
}

void dpdk_gate_leave(struct dpdk_gate *g, unsigned slot)
{
	__atomic_sub_fetch(&g->slot[slot].inside, 1, __ATOMIC_RELEASE);
}

uint64_t dpdk_gate_closures(void)
{
	return __atomic_load_n(&closures, __ATOMIC_RELAXED);
}

uint64_t dpdk_gate_skips(void)
{
	pthread_mutex_lock(&gates_lock);
	uint64_t n = freed_skips;
	for (struct dpdk_gate *g = gates; g != NULL; g = g->next)
		for (unsigned s = 0; s < g->nb_slots; s++)
			n += __atomic_load_n(&g->slot[s].skips, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&gates_lock);
	return n;
}

/* ---- the interrupt thread's side ------------------------------------------ */

static void wait_empty(const uint32_t *inside)
{
	for (unsigned spins = 0; __atomic_load_n(inside, __ATOMIC_SEQ_CST) != 0; spins++) {
		if (spins < GATE_SPINS)
			rte_pause();
		else
			sched_yield(); /* the poller may be waiting for this CPU */
	}
}

/* Close the gate and wait until every poller is out of the PMDs. */
static void gates_close(void)
{
	__atomic_store_n(&closed, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&gates_lock);
	for (struct dpdk_gate *g = gates; g != NULL; g = g->next)
		for (unsigned s = 0; s < g->nb_slots; s++)
			wait_empty(&g->slot[s].inside);
	pthread_mutex_unlock(&gates_lock);
	__atomic_add_fetch(&closures, 1, __ATOMIC_RELAXED);
}

/* ---- the port's owner against the interrupt thread ------------------------- */

/* Held by the interrupt thread from an epoll_wait that returned events until
 * its next epoll_wait (its callbacks, and its rebuilding of the wait list),
 * and by dpdk_gate_hold_intr's caller. */
static pthread_mutex_t intr_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread int intr_holds; /* this (interrupt) thread holds intr_mutex */

void dpdk_gate_hold_intr(void)
{
	pthread_mutex_lock(&intr_mutex);
}

void dpdk_gate_release_intr(void)
{
	pthread_mutex_unlock(&intr_mutex);
}

/* Wraps libc's epoll_wait for the whole process (see the top of this file);
 * it changes nothing on any thread but DPDK's interrupt thread. */
int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	int intr = rte_thread_is_intr();
	if (intr) {
		__atomic_store_n(&closed, 0, __ATOMIC_SEQ_CST); /* last wake-up handled */
		if (intr_holds) {
			intr_holds = 0;
			pthread_mutex_unlock(&intr_mutex);
		}
	}
	int n = epoll_pwait(epfd, events, maxevents, timeout, NULL);
	if (intr && n > 0) {
		pthread_mutex_lock(&intr_mutex); /* no port stopping or closing now */
		intr_holds = 1;
		gates_close(); /* callbacks run next, with no poller inside a PMD */
	}
	return n;
}
