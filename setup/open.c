/*
 * setup/open.c - a stack from a config: the backend registry opens each
 * port's NIC (with its middleware), then core/stack adopts them.
 *
 * Call order: utcp_config_load / utcp_config_finish (setup/config.c)
 *   -> utcp_stack_open: check the config -> utcp_nic_open per port
 *   (nic/registry.c) -> utcp_stack_open_nics: the seed (cfg->seed, or the
 *   kernel entropy source without one) -> utcp_stack_create (core/stack).
 */
#include <errno.h>
#include <utcp/nic.h>
#include <utcp/utcp.h>

#include "core/stack/stack.h"
#include "setup/ctl.h"

static void close_all(struct utcp_nic **nics, int n)
{
	for (int i = 0; i < n; i++)
		utcp_nic_close(nics[i]);
}

/* DESIGN.md §3: a config's seed reproduces a run; without one, real
 * backends seed from the kernel's entropy (getrandom). */
struct utcp_stack *utcp_stack_open_nics(const struct utcp_config *cfg, struct utcp_nic **nics,
					int nb_nics, char *err, size_t errlen)
{
	uint64_t seed = 0;

	if (cfg != NULL)
		seed = cfg->has_seed ? cfg->seed : utcp_nic_entropy_seed();
	return utcp_stack_create(cfg, seed, nics, nb_nics, err, errlen);
}

struct utcp_stack *utcp_stack_open(const struct utcp_config *cfg, char *err, size_t errlen)
{
	struct utcp_config c;
	struct utcp_nic *nics[UTCP_MAX_PORTS];
	struct utcp_stack *st;

	if (utcp_stack_check_config(cfg, err, errlen) != 0)
		return NULL;
	c = *cfg;
	for (int i = 0; i < c.nb_ports; i++) {
		nics[i] = utcp_nic_open(&c, &c.ports[i], (uint16_t)c.num_cores, err, errlen);
		if (nics[i] == NULL) {
			int e = errno ? errno : EIO;
			close_all(nics, i);
			errno = e;
			return NULL;
		}
	}
	st = utcp_stack_open_nics(&c, nics, c.nb_ports, err, errlen);
	if (st == NULL) {
		int e = errno;
		close_all(nics, c.nb_ports);
		errno = e;
	} else if (c.control_socket[0] != '\0' &&
		   utcp_ctl_open(st, c.control_socket, err, errlen) != 0) {
		int e = errno;
		utcp_stack_close(st); /* closes the NICs */
		errno = e;
		return NULL;
	}
	return st;
}
