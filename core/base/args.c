/*
 * core/base/args.c - shell-style word splitting for configuration values
 * (see args.h for the quoting rules).  One pass over the string; a word
 * ends at an unquoted blank or at the end.
 */
#include <ctype.h>
#include <stddef.h>

#include "core/base/args.h"

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
