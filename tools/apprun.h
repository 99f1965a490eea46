/*
 * tools/apprun.h - what epserver's and epwget's main() share on the real
 * backends: load the config (num_cores from -N unless the file sets it),
 * open the stack, run one thread per core, each with its own context.
 *
 * Call order: apprun_config -> (adjust the config) -> apprun_open ->
 * apprun_cores(fn) -> utcp_stack_close.
 */
#ifndef UTCP_TOOLS_APPRUN_H
#define UTCP_TOOLS_APPRUN_H

#include <utcp/utcp.h>

/* Defaults, -N (cores_opt > 0), then the file.  Prints "prog: message" and
 * returns -1 on error. */
int apprun_config(struct utcp_config *cfg, const char *prog, const char *path, int cores_opt);
/* Check the config and open its NICs; NULL after printing why, with
 * *status the exit status: 2 for a config that fails its checks (bad usage
 * or input, as a bad line), 1 for a stack that could not open. */
struct utcp_stack *apprun_open(struct utcp_config *cfg, const char *prog, int *status);

/* One thread per core: pinned to that CPU when it exists (as mTCP's
 * mtcp_core_affinitize), creates the core's context, runs fn, destroys
 * the context.  Returns 0 if every fn returned 0. */
typedef int (*apprun_fn)(void *arg, struct utcp_ctx *ctx);
int apprun_cores(struct utcp_stack *st, const char *prog, apprun_fn fn, void *arg);

/* SIGINT and SIGTERM call stop(arg) (once per signal; async-signal-safe
 * callbacks only). */
void apprun_on_signal(void (*stop)(void *arg), void *arg);

#endif
