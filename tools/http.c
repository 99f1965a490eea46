/*
 * tools/http.c - what epserver and epwget share: the little HTTP/1.x they
 * speak (finding the end of a head, parsing a request line and a status
 * line with the headers that matter, Connection and Content-Length; the
 * hash used to compare bodies) and two loop helpers (epoll timeout,
 * draining a context before it is destroyed).
 *
 * Message syntax is RFC 9112 (HTTP/1.1): start line, header fields each
 * ending in CRLF, an empty line.  Bodies are framed by Content-Length only
 * (no chunked coding: epserver never sends it, epwget reports it as a
 * header error).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tools/apps.h"

size_t http_header_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* The next line of the head: [*p, eol) without CRLF; 0 at the end. */
static int next_line(const char **p, const char *end, const char **ls, size_t *ll)
{
	const char *s = *p;
	const char *e = memchr(s, '\n', (size_t)(end - s));
	if (e == NULL || e == s || e[-1] != '\r')
		return 0;
	*ls = s;
	*ll = (size_t)(e - 1 - s);
	*p = e + 1;
	return 1;
}

/* "Name: value" with a case-insensitive name; value without blanks around. */
static int header_is(const char *l, size_t n, const char *name, const char **v, size_t *vl)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(l, name, k) != 0 || l[k] != ':')
		return 0;
	const char *s = l + k + 1, *e = l + n;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*v = s;
	*vl = (size_t)(e - s);
	return 1;
}

/* A Connection header's option list holds token (RFC 9110 §7.6.1). */
static int has_token(const char *v, size_t vl, const char *token)
{
	size_t k = strlen(token);
	for (size_t i = 0; i + k <= vl; i++) {
		if (strncasecmp(v + i, token, k) != 0)
			continue;
		int start = i == 0 || v[i - 1] == ',' || v[i - 1] == ' ';
		int stop = i + k == vl || v[i + k] == ',' || v[i + k] == ' ';
		if (start && stop)
			return 1;
	}
	return 0;
}

/* "HTTP/1.x" at s: the minor version, or -1. */
static int http_version(const char *s, size_t n)
{
	if (n != 8 || memcmp(s, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)s[7]))
		return -1;
	return s[7] - '0';
}

/* Connection: close / keep-alive, applied to the version's default
 * (RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive"). */
static void connection_option(const char *v, size_t vl, int *close_opt, int *ka_opt)
{
	if (has_token(v, vl, "close"))
		*close_opt = 1;
	if (has_token(v, vl, "keep-alive"))
		*ka_opt = 1;
}

int http_parse_request(const char *buf, size_t len, struct http_request *rq)
{
	const char *p = buf, *end = buf + len, *l, *v;
	size_t n, vl;
	int close_opt = 0, ka_opt = 0;
	memset(rq, 0, sizeof(*rq));
	if (!next_line(&p, end, &l, &n))
		return 400;
	/* request-line = method SP request-target SP HTTP-version (RFC 9112 §3) */
	const char *sp1 = memchr(l, ' ', n);
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(l + n - sp1 - 1)) : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1 == l || sp2 == sp1 + 1)
		return 400;
	if ((size_t)(sp1 - l) >= sizeof(rq->method))
		return 501;
	if ((size_t)(sp2 - sp1 - 1) >= sizeof(rq->path))
		return 414;
	memcpy(rq->method, l, (size_t)(sp1 - l));
	memcpy(rq->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	if (strncmp(sp2 + 1, "HTTP/", 5) != 0)
		return 400;
	rq->minor = http_version(sp2 + 1, (size_t)(l + n - sp2 - 1));
	if (rq->minor < 0)
		return 505;
	while (next_line(&p, end, &l, &n))
		if (header_is(l, n, "Connection", &v, &vl))
			connection_option(v, vl, &close_opt, &ka_opt);
	rq->keepalive = !close_opt && (rq->minor >= 1 || ka_opt);
	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0)
		return 501;
	return 0;
}

int http_parse_response(const char *buf, size_t len, struct http_response *rs)
{
	const char *p = buf, *end = buf + len, *l, *v;
	size_t n, vl;
	int close_opt = 0, ka_opt = 0;
	memset(rs, 0, sizeof(*rs));
	rs->content_length = -1;
	/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (§4) */
	if (!next_line(&p, end, &l, &n) || n < 12 || l[8] != ' ' || l[12] != ' ')
		return -1;
	rs->minor = http_version(l, 8);
	if (rs->minor < 0 || !isdigit((unsigned char)l[9]) || !isdigit((unsigned char)l[10]) ||
	    !isdigit((unsigned char)l[11]))
		return -1;
	rs->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	while (next_line(&p, end, &l, &n)) {
		if (header_is(l, n, "Connection", &v, &vl)) {
			connection_option(v, vl, &close_opt, &ka_opt);
		} else if (header_is(l, n, "Content-Length", &v, &vl)) {
			char num[24];
			char *e;
			if (vl == 0 || vl >= sizeof(num) || rs->content_length >= 0)
				return -1; /* absent value, or two of them */
			memcpy(num, v, vl);
			num[vl] = '\0';
			long long cl = strtoll(num, &e, 10);
			if (*e != '\0' || cl < 0 || !isdigit((unsigned char)num[0]))
				return -1;
			rs->content_length = cl;
		} else if (header_is(l, n, "Transfer-Encoding", &v, &vl)) {
			return -1; /* not spoken here */
		}
	}
	rs->close = close_opt || (rs->minor == 0 && !ka_opt);
	return 0;
}

uint64_t http_hash(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void app_drain(struct utcp_ctx *ctx, utcp_time_t limit)
{
	struct utcp_sock_usage u;
	utcp_time_t end = utcp_ctx_now(ctx) + limit;
	for (;;) {
		utcp_ctx_sock_usage(ctx, &u);
		if (u.tcbs <= u.timewait || utcp_ctx_now(ctx) >= end)
			return;
		utcp_time_t until = utcp_ctx_now(ctx) + 100 * UTCP_NSEC_PER_MSEC;
		if (utcp_ctx_wait(ctx, until < end ? until : end) < 0 && errno != EINTR)
			return; /* e.g. ESHUTDOWN: the simulated world ends */
	}
}

int app_timeout_ms(struct utcp_ctx *ctx, struct utcp_statprint *sp, int max_ms)
{
	if (sp == NULL || !utcp_statprint_enabled(sp))
		return max_ms;
	utcp_time_t next = utcp_statprint_tick(sp, ctx), now = utcp_ctx_now(ctx);
	if (next <= now)
		return 0;
	uint64_t ms = (next - now + UTCP_NSEC_PER_MSEC - 1) / UTCP_NSEC_PER_MSEC;
	return ms < (uint64_t)max_ms ? (int)ms : max_ms;
}
