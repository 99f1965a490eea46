/*
 * core/stack/stack.h - what setup/ needs of core/stack beyond <utcp/utcp.h>.
 */
#ifndef UTCP_CORE_STACK_STACK_H
#define UTCP_CORE_STACK_STACK_H

#include <stddef.h>
#include <stdint.h>
#include <utcp/utcp.h>

#include "core/base/timer.h"

/* The checks utcp_stack_open_nics makes of cfg before it looks at a NIC
 * (ports and cores in range): 0, or -1 with errno EINVAL and err filled. */
int utcp_stack_check_config(const struct utcp_config *cfg, char *err, size_t errlen);

/* The stack over nb_nics NICs already open (one per cfg port, each with at
 * least cfg->num_cores queues); every context's PRNG derives from seed.  On
 * failure the NICs stay the caller's (NULL, errno EINVAL / ENOMEM). */
struct utcp_stack *utcp_stack_create(const struct utcp_config *cfg, uint64_t seed,
				     struct utcp_nic **nics, int nb_nics, char *err, size_t errlen);

/* What a floor above (setup/ctl.c, the control socket) hands the stack to
 * run on each context's own thread: ctx_open at the end of utcp_ctx_create,
 * tick every period from the poll round's timers (the context's wait never
 * sleeps past it), ctx_close at the start of utcp_ctx_destroy, stack_close
 * at the end of utcp_stack_close.  The hooks belong to the caller; the
 * timers in it are the stack's. */
struct utcp_stack_hooks {
	void (*ctx_open)(struct utcp_ctx *ctx, void *arg);
	void (*tick)(struct utcp_ctx *ctx, void *arg);
	void (*ctx_close)(struct utcp_ctx *ctx, void *arg);
	void (*stack_close)(void *arg);
	void *arg;
	utcp_time_t period;                    /* ns between ticks */
	struct utcp_timer ticks[UTCP_MAX_CORES]; /* the stack's: one per context */
};

/* Install h (before any context is created); NULL removes it. */
void utcp_stack_set_hooks(struct utcp_stack *st, struct utcp_stack_hooks *h);

#endif
