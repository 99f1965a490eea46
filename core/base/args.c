/*
 * core/base/args.c - number parsers with range checks, and shell-style word
 * splitting for configuration values (see args.h for the rules).  Word
 * splitting is one pass over the string; a word ends at an unquoted blank
 * or at the end.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/args.h"

/* ---- numbers ------------------------------------------------------------- */

int utcp_parse_u64(const char *s, int base, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (base != 10 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base != 16) {
		base = 10;
	}
	if (base == 16 ? !isxdigit((unsigned char)*s) : !isdigit((unsigned char)*s))
		return UTCP_NUM_SYNTAX;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return UTCP_NUM_SYNTAX; /* strtoull would take a second "0x" */
	int saved = errno;
	errno = 0;
	unsigned long long x = strtoull(s, &end, base);
	int overflow = errno == ERANGE;
	errno = saved;
	if (*end != '\0')
		return UTCP_NUM_SYNTAX;
	if (overflow || x < min || x > max)
		return UTCP_NUM_RANGE;
	*out = x;
	return UTCP_NUM_OK;
}

int utcp_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	if (*s == '\0' || isspace((unsigned char)*s))
		return UTCP_NUM_SYNTAX;
	int saved = errno;
	errno = 0;
	long x = strtol(s, &end, 10);
	int overflow = errno == ERANGE;
	errno = saved;
	if (end == s || *end != '\0')
		return UTCP_NUM_SYNTAX;
	if (overflow || x < min || x > max)
		return UTCP_NUM_RANGE;
	*out = x;
	return UTCP_NUM_OK;
}

int utcp_parse_int(const char *s, int min, int max, int *out)
{
	long x;
	int rc = utcp_parse_long(s, min, max, &x);
	if (rc == UTCP_NUM_OK)
		*out = (int)x;
	return rc;
}

/* A finite number, the whole string; "N%" is N / 100 when pct_ok. */
static int parse_finite(const char *s, int pct_ok, double *out)
{
	char *end;
	if (*s == '\0' || isspace((unsigned char)*s))
		return UTCP_NUM_SYNTAX;
	int saved = errno;
	errno = 0;
	double x = strtod(s, &end);
	int overflow = errno == ERANGE;
	errno = saved;
	if (end == s || overflow || !isfinite(x))
		return UTCP_NUM_SYNTAX;
	if (pct_ok && strcmp(end, "%") == 0)
		x /= 100.0;
	else if (*end != '\0')
		return UTCP_NUM_SYNTAX;
	*out = x;
	return UTCP_NUM_OK;
}

int utcp_parse_double(const char *s, double min, double max, double *out)
{
	double x;
	if (parse_finite(s, 0, &x) < 0)
		return UTCP_NUM_SYNTAX;
	if (x < min || x > max)
		return UTCP_NUM_RANGE;
	*out = x;
	return UTCP_NUM_OK;
}

int utcp_parse_prob(const char *s, double *out)
{
	double x;
	if (parse_finite(s, 1, &x) < 0)
		return UTCP_NUM_SYNTAX;
	if (x < 0.0 || x > 1.0)
		return UTCP_NUM_RANGE;
	*out = x;
	return UTCP_NUM_OK;
}

/* ---- words --------------------------------------------------------------- */

struct splitter {
	char *out, *end;
	const char *why;
};

static int put(struct splitter *sp, char c)
{
	if (sp->out == sp->end) {
		sp->why = "too long";
		return -1;
	}
	*sp->out++ = c;
	return 0;
}

/* Copy one word starting at *sp; advance past it.  0 or -1 (why set). */
static int one_word(struct splitter *sp, const char **ps)
{
	const char *s = *ps;
	char quote = 0;
	for (; *s != '\0'; s++) {
		char c = *s;
		if (quote == '\'' && c != '\'') {
			if (put(sp, c) < 0)
				return -1;
		} else if (quote == '"' && c == '\\' && (s[1] == '"' || s[1] == '\\')) {
			if (put(sp, *++s) < 0)
				return -1;
		} else if (c == quote) {
			quote = 0;
		} else if (quote == 0 && (c == '\'' || c == '"')) {
			quote = c;
		} else if (quote == 0 && c == '\\') {
			if (s[1] == '\0') {
				sp->why = "ends with a backslash";
				return -1;
			}
			if (put(sp, *++s) < 0)
				return -1;
		} else if (quote == 0 && isspace((unsigned char)c)) {
			break;
		} else if (put(sp, c) < 0) {
			return -1;
		}
	}
	if (quote != 0) {
		sp->why = "unterminated quote";
		return -1;
	}
	*ps = s;
	return put(sp, '\0');
}

int utcp_split_args(const char *s, char **argv, int max, char *buf, size_t buflen,
		    const char **why)
{
	struct splitter sp = { buf, buf + buflen, NULL };
	int n = 0;
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return n;
		if (n == max) {
			*why = "too many words";
			return -1;
		}
		argv[n] = sp.out;
		if (one_word(&sp, &s) < 0) {
			*why = sp.why;
			return -1;
		}
		n++;
	}
}
