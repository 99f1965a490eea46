/*
 * tools/sim_timed.c - utcp-sim's faults that arrive at a moment of the run
 * rather than per frame (the link flap is the link's own, sim/link.c):
 *
 *   --mac-change AT   host B's interface takes a new MAC address at AT and
 *                     says nothing (no gratuitous ARP), as after a NIC swap
 *                     behind the same address.  A's frames to the old MAC
 *                     are dropped by B's Ethernet input; the expected
 *                     outcome is that A's ARP entry, no longer confirmed by
 *                     TCP progress, is probed again (RFC 4861 §7.3's states
 *                     applied to ARP), B answers with its new MAC and every
 *                     connection carries on: the scenario passes.
 *
 * Call order: sim_timed_step(tb) from the world's step predicate (run_apps)
 * applies what is due (print_link in sim_common.c names the faults).
 */
#include "config.h"

#include "core/io/io.h" /* the stack's MAC per port */
#include "tools/sim_common.h"

void sim_timed_step(struct testbed *tb)
{
	const struct sim_opts *o = tb->o;
	if (o == NULL || !o->mac_change || tb->mac_changed ||
	    utcp_sim_world_now(tb->w) < o->mac_change_at)
		return;
	struct utcp_stack *st = utcp_sim_host_stack(tb->host[1]);
	if (st == NULL)
		return;
	st->macs[0][5] ^= 0x5a; /* still unicast, locally administered as before */
	st->macs[0][4] ^= 0xa5;
	tb->mac_changed = 1;
}
