/*
 * sim/replay.h - trace replay: one side of a TCP connection recorded in a
 * pcap file is played into a utcp stack on a simulated host, which plays the
 * other side through the socket API.
 *
 * Call order:
 *   utcp_replay_trace_load(path)          the connection, its segments, streams
 *   -> utcp_replay_run(trace, opts, out)  world, two hosts, one link; the
 *        replayer host plays side opts->side from the trace, the utcp host
 *        runs the built-in application (replay_app.c) for the other side;
 *        fills the observations
 *   -> utcp_replay_expect_check(path, obs) expectation file (NAME.expect)
 *   -> utcp_replay_trace_free.
 *
 * Sequence spaces: the replayer keeps the recorded side's own sequence
 * numbers.  Everything about utcp's stream is kept in the trace's space of
 * the side utcp plays ("recorded space": utcp's seq - utcp's ISN + the
 * recorded ISN), so recorded acknowledgments compare directly; on the way
 * out acknowledgment numbers and SACK blocks are mapped back to utcp's ISN,
 * TSecr echoes utcp's latest TSval, addresses, ports and MACs are the
 * simulated hosts', and both checksums are recomputed.
 */
#ifndef UTCP_NIC_SIM_REPLAY_H
#define UTCP_NIC_SIM_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <utcp/nic.h>
#include <utcp/conninfo.h>
#include <utcp/sim.h>
#include <utcp/utcp.h>

#define REPLAY_CLIENT 0
#define REPLAY_SERVER 1

/* One TCP segment of the connection, as recorded. */
struct replay_seg {
	utcp_time_t t;             /* since the first segment of the connection */
	int from;                  /* REPLAY_CLIENT or REPLAY_SERVER */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;              /* raw window field */
	uint8_t tos, df;
	uint16_t ip_id;
	uint8_t optlen;
	uint8_t opt[40];
	uint16_t len;
	const uint8_t *payload;    /* into the trace's arena */
	uint32_t frame;            /* frame number in the file (1-based) */
};

struct replay_trace {
	char path[512];
	uint32_t ip[2];            /* network order; [REPLAY_CLIENT], [REPLAY_SERVER]
				    * (IPv6: a fold of ip6, for matching frames) */
	int v6;                    /* an IPv6 connection: its addresses in ip6 */
	struct utcp_in6 ip6[2];
	uint16_t port[2];          /* network order */
	struct replay_seg *seg;
	int nseg;
	uint32_t isn[2];           /* from each side's SYN */
	int has_syn[2];
	uint8_t wscale[2];         /* shift from each SYN (0: none) */
	int has_wscale[2], has_ts[2], has_sackok[2];
	uint8_t *stream[2];        /* each side's byte stream, each byte once */
	uint32_t stream_len[2];    /* up to the first hole */
	int fin[2];                /* the side sent a FIN (at isn + 1 + stream_len) */
	int rst[2];                /* the side sent a RST */
	uint32_t other_tcp;        /* TCP segments of other connections (ignored) */
	utcp_time_t rtt;           /* first SYN to first SYN-ACK (0: no SYN-ACK) */
	uint8_t *arena;
};

/* Load the first TCP connection (the first SYN) in a pcap file (Ethernet,
 * Linux cooked or raw IPv4; IPv4 or IPv6 without extension headers).  NULL with "FILE: problem" in err for a file
 * that cannot be read, is truncated or corrupt (bad checksums, bad lengths),
 * or holds no TCP connection. */
struct replay_trace *utcp_replay_trace_load(const char *path, char *err, size_t errlen);
void utcp_replay_trace_free(struct replay_trace *t);

enum replay_pace {
	REPLAY_PACE_TIME = 0,      /* recorded gaps between segments, in virtual time */
	REPLAY_PACE_REACT,         /* as soon as utcp has acknowledged what the trace shows */
};

struct replay_opts {
	int side;                  /* side played from the trace; utcp plays 1 - side */
	enum replay_pace pace;
	uint64_t seed;
	struct utcp_sim_link_params link;  /* replayer -> utcp (impairments) */
	utcp_time_t latency;       /* both directions; REPLAY_LATENCY_AUTO: half
				      the trace's handshake round trip */
	const char *out;           /* pcap of the replayed conversation, or NULL */
	int app_close_unread;      /* utcp's side resets by closing with unread data */
	utcp_time_t bound;         /* virtual time limit (0: 600 s) */
	int verbose;
	utcp_trace_fn trace;       /* utcp's sender-state trace (<utcp/conninfo.h>), or NULL */
	void *trace_arg;
};

#define REPLAY_LATENCY_AUTO UTCP_TIME_NEVER
#define REPLAY_MAX_OBS 48

/* What a run showed: named numbers and strings, compared with NAME.expect. */
struct replay_obs {
	int n;
	struct {
		char name[40];
		char str[72];          /* "" for a number */
		uint64_t num;
	} v[REPLAY_MAX_OBS];
	int failed;                /* an invariant broke (see why) */
	char why[256];
};

void replay_obs_num(struct replay_obs *o, const char *name, uint64_t v);
void replay_obs_str(struct replay_obs *o, const char *name, const char *s);
void replay_obs_fail(struct replay_obs *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Index of name, or -1. */
int replay_obs_find(const struct replay_obs *o, const char *name);

/* Run one replay.  0 when it ran (obs->failed says whether an invariant
 * broke), -1 with err when it could not be set up. */
int utcp_replay_run(const struct replay_trace *t, const struct replay_opts *opts,
		    struct replay_obs *obs, char *err, size_t errlen);

/*
 * Expectation file: sections `[replay client]` / `[replay server]` (the side
 * played from the trace), lines `NAME OP VALUE` (OP one of = != >= <= > <)
 * checked against the observations; `clean: NAME OP VALUE` only when the
 * run had no impairment, `time:` / `react:` only with that pacing; `app = close-unread` sets the application's mode
 * (read before the run: utcp_replay_expect_app).  Returns the number of
 * failed lines (each described on f), or -1 with err for a bad file
 * ("FILE:LINE: problem").  A side with no section is an error.
 */
int utcp_replay_expect_check(const char *path, int side, int impaired, int pace,
			     const struct replay_obs *obs, FILE *f, char *err, size_t errlen);
/* Read only the `app = ...` setting of a side; 0 or -1 with err. */
int utcp_replay_expect_app(const char *path, int side, int *close_unread, char *err,
			   size_t errlen);

/* SHA-256 (FIPS 180-4) for stream digests. */
struct replay_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	uint32_t nbuf;
};
void replay_sha256_init(struct replay_sha256 *s);
void replay_sha256_update(struct replay_sha256 *s, const void *data, size_t len);
void replay_sha256_hex(struct replay_sha256 *s, char out[65]);

#endif
