/*
 * setup/ctl.h - the control socket (setup/ctl.c), opened by utcp_stack_open.
 */
#ifndef UTCP_SETUP_CTL_H
#define UTCP_SETUP_CTL_H

#include <stddef.h>
#include <utcp/utcp.h>

/* Listen on path and have every context of st answer there from its own
 * poll round; closed with the stack.  0, or -1 with errno and err. */
int utcp_ctl_open(struct utcp_stack *st, const char *path, char *err, size_t errlen);

#endif
