/*
 * core/base/args.h - split a configuration value into words, shell style.
 *
 * Used for `dpdk_args` (DPDK's EAL command line): the config parser checks
 * the value when it reads the line, so a mistake is reported with file, line
 * and key; the DPDK backend splits the same value into argv.
 *
 * Rules: words are separated by blanks; 'single quotes' keep everything
 * literally; "double quotes" keep everything but a backslash escapes " and
 * \ inside them; outside quotes a backslash escapes the next character.
 */
#ifndef UTCP_CORE_ARGS_H
#define UTCP_CORE_ARGS_H

#include <stddef.h>

/* Most words a split value may have (argv slots). */
#define UTCP_MAX_ARGS 64

/*
 * Split `s` into at most `max` words written into `buf` (buflen bytes,
 * NUL-terminated words) with pointers in argv.  Returns the number of words,
 * or -1 with *why set to a static message ("unterminated quote", "too many
 * words", "too long", "ends with a backslash").
 */
int utcp_split_args(const char *s, char **argv, int max, char *buf, size_t buflen,
		    const char **why);

#endif
