/*
 * core/base/args.h - values from configuration files and command lines:
 * numbers with range checks, and shell-style word splitting.
 *
 * Numbers: the whole string is the number -- no blanks around it, nothing
 * after it.  Each parser returns 0 and writes *out, or returns
 * UTCP_NUM_SYNTAX (not a number of that kind) or UTCP_NUM_RANGE (a
 * number outside min..max) and leaves *out alone, so that the caller words
 * the message ("'x' is not an integer", "'x' is out of range (1..16)").
 *
 * Words: used for `dpdk_args` (DPDK's EAL command line): the config parser checks
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
#include <stdint.h>

enum { UTCP_NUM_OK = 0, UTCP_NUM_SYNTAX = -1, UTCP_NUM_RANGE = -2 };

/*
 * An unsigned integer; no sign.  base 10: decimal digits only; 16:
 * hexadecimal, "0x" optional; 0: decimal, or hexadecimal after "0x" (a
 * leading 0 is not octal).  A value beyond 64 bits is out of range.
 */
int utcp_parse_u64(const char *s, int base, uint64_t min, uint64_t max, uint64_t *out);
/* A decimal integer with an optional sign; beyond a long is out of range. */
int utcp_parse_long(const char *s, long min, long max, long *out);
int utcp_parse_int(const char *s, int min, int max, int *out);
/* A finite number in strtod's syntax; one that does not fit a double
 * (1e999, or so small it underflows) is not a number. */
int utcp_parse_double(const char *s, double min, double max, double *out);
/* A probability: "0.05" or "5%", in 0..1. */
int utcp_parse_prob(const char *s, double *out);

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
