/*
 * core/stack/stack.h - what setup/ needs of core/stack beyond <utcp/utcp.h>.
 */
#ifndef UTCP_CORE_STACK_STACK_H
#define UTCP_CORE_STACK_STACK_H

#include <stddef.h>
#include <stdint.h>
#include <utcp/utcp.h>

/* The checks utcp_stack_open_nics makes of cfg before it looks at a NIC
 * (ports and cores in range): 0, or -1 with errno EINVAL and err filled. */
int utcp_stack_check_config(const struct utcp_config *cfg, char *err, size_t errlen);

/* The stack over nb_nics NICs already open (one per cfg port, each with at
 * least cfg->num_cores queues); every context's PRNG derives from seed.  On
 * failure the NICs stay the caller's (NULL, errno EINVAL / ENOMEM). */
struct utcp_stack *utcp_stack_create(const struct utcp_config *cfg, uint64_t seed,
				     struct utcp_nic **nics, int nb_nics, char *err, size_t errlen);

#endif
