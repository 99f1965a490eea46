/*
 * tools/apps.h - epserver and epwget as application code that runs on any
 * backend: one call per core, given that core's context.
 *
 * The same functions run in a program's threads on a real backend (tools/
 * epserver.c, tools/epwget.c start one thread per core: tools/apprun.c)
 * and as coroutines of simulated hosts (tools/sim_http.c): they only use
 * the public socket/epoll API, wait in utcp_epoll_wait for what they need
 * and read time from the context, so virtual time works as well as real.
 *
 * Call order (server): fill struct epserver_opts (files in memory) ->
 *   epserver_create -> epserver_core(s, ctx) on every core, each returning
 *   when epserver_stop was called -> epserver_destroy.
 * Call order (client): fill struct epwget_opts -> epwget_create ->
 *   epwget_core(c, ctx) on every core, each returning when its share of
 *   the requests is done (or at the time limit, or on epwget_stop) ->
 *   epwget_report (final lines; 0 if every request succeeded) ->
 *   epwget_destroy.
 *
 * The shared objects are read by every core; each core writes only its own
 * slot, and the cross-core figures (epwget's per-second line) are atomic.
 */
#ifndef UTCP_TOOLS_APPS_H
#define UTCP_TOOLS_APPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <utcp/statprint.h>
#include <utcp/utcp.h>

/* A file the server serves, by name ("index.html" is also "/"). */
struct http_file {
	const char *name;
	const uint8_t *data;
	size_t len;
};

/* ---- epserver ------------------------------------------------------------ */

struct epserver_opts {
	uint16_t port;                 /* host order; mTCP's is 80 */
	int backlog;                   /* listen backlog (<= max_concurrency) */
	const struct http_file *files; /* the caller keeps them alive */
	int nb_files;
	struct utcp_statprint *stats;  /* per-second lines (NULL: none) */
	FILE *log;                     /* errors (stderr) */
};

/* What one core did. */
struct epserver_core_stats {
	uint64_t accepted, requests, responses_200, responses_404, responses_other;
	uint64_t bytes_out, conn_errors;
};

struct epserver;

struct epserver *epserver_create(const struct epserver_opts *o, int nb_cores);
int epserver_core(struct epserver *s, struct utcp_ctx *ctx);
/* Every core leaves its loop within 100 ms of its clock (async-signal-safe). */
void epserver_stop(struct epserver *s);
const struct epserver_core_stats *epserver_stats(const struct epserver *s, int core);
void epserver_destroy(struct epserver *s);

/* ---- epwget -------------------------------------------------------------- */

struct epwget_opts {
	uint32_t daddr;                /* network order */
	uint8_t daddr6[16];            /* an IPv6 target ([ADDR] in the URL) */
	int v6;                        /* daddr6, not daddr */
	uint16_t dport;                /* host order */
	char host[64];                 /* Host: header */
	char path[256];                /* "/..." */
	uint64_t requests;             /* total, over every core */
	int concurrency;               /* total connections in flight */
	int keepalive;                 /* several requests per connection */
	int expect_status;             /* 200 unless testing errors */
	const uint8_t *expect_body;    /* byte-exact check (NULL: all bodies alike) */
	size_t expect_len;
	const char *outfile;           /* core 0 writes its first body here */
	utcp_time_t time_limit;        /* ns of context time (0: none) */
	int print_seconds;             /* mTCP's per-second [ ALL ] line */
	struct utcp_statprint *stats;
	FILE *out;                     /* lines (stdout) */
};

#define EPWGET_ERR_KINDS 5
enum epwget_err { EW_ERR_CONN, EW_ERR_STATUS, EW_ERR_HEADER, EW_ERR_LENGTH, EW_ERR_BODY };

struct epwget_core_stats {
	uint64_t connects, completes, bytes_in, bytes_out;
	uint64_t errors, err[EPWGET_ERR_KINDS];
	uint64_t incompletes;          /* started, neither complete nor failed */
	uint64_t resp_sum_ns, resp_max_ns;
	utcp_time_t t_start, t_end;
	char first_error[160];
};

struct epwget;

/* NULL with errno EINVAL (bad options: message in err) or ENOMEM. */
struct epwget *epwget_create(const struct epwget_opts *o, int nb_cores, char *err, size_t errlen);
int epwget_core(struct epwget *c, struct utcp_ctx *ctx);
void epwget_stop(struct epwget *c);
/* Final lines: per core and [ ALL ].  0 if every request completed
 * without error, 1 otherwise. */
int epwget_report(struct epwget *c, FILE *f);
const struct epwget_core_stats *epwget_stats(const struct epwget *c, int core);
/* Sums over the cores. */
void epwget_totals(const struct epwget *c, struct epwget_core_stats *sum);
void epwget_destroy(struct epwget *c);

/* ---- shared by both (tools/http.c) ---------------------------------------- */

#define HTTP_MAX_HEADER 8192

/* Position just past "\r\n\r\n" in buf[0..len), or 0 when not there yet. */
size_t http_header_end(const char *buf, size_t len);

struct http_request {
	char method[16];
	char path[256];
	int minor;                     /* HTTP/1.minor */
	int keepalive;                 /* RFC 9112 §9.3 persistence */
};
/* Parse a request head; 0, or the status to answer with (400, 414, 501, 505). */
int http_parse_request(const char *buf, size_t len, struct http_request *rq);

struct http_response {
	int status;
	int minor;
	int64_t content_length;        /* -1: none */
	int close;                     /* Connection: close, or HTTP/1.0 without keep-alive */
};
/* Parse a response head; 0, or -1 when malformed. */
int http_parse_response(const char *buf, size_t len, struct http_response *rs);

/* Keep driving the context until no connection is left but those in
 * TIME-WAIT (the stack only runs while the application polls it), at
 * most limit ns of context time. */
void app_drain(struct utcp_ctx *ctx, utcp_time_t limit);
/* An epoll timeout: at most max_ms, less when the statistics are due. */
int app_timeout_ms(struct utcp_ctx *ctx, struct utcp_statprint *sp, int max_ms);

/* FNV-1a 64, continued from h (start with HTTP_HASH_INIT). */
#define HTTP_HASH_INIT 0xcbf29ce484222325ull
uint64_t http_hash(uint64_t h, const uint8_t *p, size_t n);

#endif
