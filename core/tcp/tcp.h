/*
 * core/tcp/tcp.h - TCP (RFC 9293) for one context: TCBs, flow table,
 * listeners, buffers, timers and the interface the socket layer uses.
 *
 * Call order:
 *   utcp_tcp_ctx_init (utcp_ctx_create) -> per round:
 *     utcp_tcp_input (from utcp_ipv4_input, protocol 6) -> timers fire from
 *     the context's wheel -> utcp_tcp_output (before the tx flush)
 *   -> utcp_tcp_ctx_destroy (utcp_ctx_destroy).
 * The socket layer (core/api) calls tcp_connect / tcp_listen_* / tcp_send /
 * tcp_recv / tcp_shutdown / tcp_close / tcp_abort between rounds; TCP tells
 * it about readiness changes through tcp->notify.
 *
 * Memory: TCBs, listeners and send/receive buffers come from pools
 * allocated once per context (max_concurrency, max_num_buffers, rcvbuf,
 * sndbuf); nothing on the data path calls malloc.
 *
 * Sequence variables use RFC 9293 §3.3.1 names.  One extension, as in BSD:
 * snd_max is the highest sequence number sent; snd_nxt is the next one to
 * send and is pulled back to snd_una by a retransmission timeout.  The RFC's
 * "SND.NXT" in acceptability tests is snd_max.
 */
#ifndef UTCP_CORE_TCP_H
#define UTCP_CORE_TCP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <utcp/conninfo.h>

#include "core/base/pool.h"
#include "core/net/net.h"
#include "core/wire/tcp.h"
#include "core/tcp/tcp_cc.h"

/* ---- constants ------------------------------------------------------ */
#define TCP_DEFAULT_MSS 536            /* RFC 9293 §3.7.1: when no MSS option */
#define TCP_MIN_MSS 88                 /* smallest TCP_MAXSEG accepted (Linux) */
#define TCP_RTO_INIT (1 * UTCP_NSEC_PER_SEC)   /* RFC 6298 §2.1 */
#define TCP_RTO_MIN (1 * UTCP_NSEC_PER_SEC)    /* RFC 6298 §2.4; tcp_rto_min */
#define TCP_RTO_MAX (60 * UTCP_NSEC_PER_SEC)   /* RFC 6298 §2.5 */
#define TCP_CLOCK_G UTCP_TIMER_TICK_NS         /* RFC 6298 §2: clock granularity */
#define TCP_SYN_RETRIES 7              /* RFC 1122 §4.2.3.5: >= 3 minutes */
#define TCP_DATA_RETRIES 12            /* RFC 1122 §4.2.3.5: R2 >= 100 s */
#define TCP_QUICKACK_SEGS 16 /* TCP_QUICKACK: Linux's TCP_MAX_QUICKACKS */
#define TCP_DELACK (40 * UTCP_NSEC_PER_MSEC)   /* RFC 1122 §4.2.3.2: < 0.5 s; tcp_delack */
#define TCP_PERSIST_MAX (60 * UTCP_NSEC_PER_SEC)
#define TCP_ZWP_IDLE (2 * TCP_RTO_MAX)   /* zero window, peer silent: give up */
#define TCP_FIN_WAIT_2_TIMEOUT (60 * UTCP_NSEC_PER_SEC) /* orphaned FIN-WAIT-2 */
#define TCP_KEEPIDLE_DEFAULT 7200      /* s, RFC 1122 §4.2.3.6 */
#define TCP_KEEPINTVL_DEFAULT 75       /* s */
#define TCP_KEEPCNT_DEFAULT 9
#define TCP_PAWS_IDLE (24ull * 24 * 3600 * UTCP_NSEC_PER_SEC) /* RFC 7323 §5.5 */
#define TCP_OOO_GRAIN 1024             /* receive-ring bytes per out-of-order range kept */
#define TCP_OOO_MIN 8                  /* out-of-order ranges kept, whatever the ring size */
#define TCP_SACK_HIST 4                /* ranges remembered as reported first (RFC 2018 §4) */
#define TCP_EPHEMERAL_LO 32768         /* Linux ip_local_port_range */
#define TCP_EPHEMERAL_HI 60999
#define TCP_CHALLENGE_ACK_LIMIT 1000   /* per second per context, RFC 5961 §7 */
#define TCP_BUF_MIN 2048               /* smallest SO_RCVBUF/SO_SNDBUF honoured */

enum tcp_state {
	TCPS_CLOSED = 0,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_FIN_WAIT_1,
	TCPS_FIN_WAIT_2,
	TCPS_CLOSE_WAIT,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_TIME_WAIT,
	TCPS_NSTATES
};
extern const char *const tcp_state_names[TCPS_NSTATES];

/* A received segment, parsed (tcp_input.c). */
/* The IPv6 addresses of a connection or segment (RFC 8200), seen from
 * our side (laddr ours), and the connection's flow label (RFC 6437).  The
 * 32-bit address fields beside it then hold tcp_addr6_key()s: keyed folds
 * in 0.0.0.0/8, which no IPv4 segment carries, so the IPv4 path (flow
 * hash, ISN, timestamp offset, SYN cookie) runs on them unchanged. */
struct tcp_addr6 {
	struct utcp_in6 laddr, raddr;
	uint32_t flow;          /* 20 bits; 0 for segments of no connection */
};

struct tcp_seg {
	uint32_t saddr, daddr;  /* network order (IPv6: tcp_addr6_key) */
	const struct tcp_addr6 *a6; /* IPv6 segment: its addresses; NULL: IPv4 */
	uint16_t sport, dport;  /* network order */
	uint32_t seq, ack;
	uint16_t wnd;           /* raw field */
	uint8_t flags;
	uint8_t ecn;            /* the IP header's ECN field (RFC 3168 §5) */
	const uint8_t *data;
	uint32_t len;           /* payload after trimming */
	uint32_t len0;          /* payload as received */
	struct tcp_opts opt;
	uint16_t lro_mss;       /* segments a NIC joined (UTCP_PKT_RX_LRO): their
				   size; 0: one segment as sent */
};


/* ---- buffers -------------------------------------------------------- */
/* Send buffer: bytes [snd_una, snd_una + len) of the stream, a ring. */
struct tcp_sndbuf {
	uint8_t *mem;
	uint32_t size;      /* ring bytes (pool object size) */
	uint32_t cap;       /* usable bytes (SO_SNDBUF) <= size, with or without mem */
	uint32_t want;      /* SO_SNDBUF as clamped (= cap) */
	uint32_t head;      /* ring index of the byte at snd_una */
	uint32_t len;       /* bytes queued, sent or not */
};

/* Send-buffer memory as Linux counts it (tcp_sndmem.c, utcp.conf tcp_wmem):
 * the queue [snd_una, snd_una + snd.len) as chunks, in runs of chunks
 * ending at run[i].end (cnt > 1 after the oldest runs merged). */
#define TCP_SNDMEM_RUNS 32
struct utcp_tcb;
#define TCP_SNDMEM_PUSH 0x01           /* the chunk ends with PSH (forced push) */
struct tcp_sndmem_run {
	uint32_t end;
	uint16_t cnt;
	uint16_t flags;
};
struct tcp_sndmem {
	uint32_t limit;      /* memory the queue may take (sk_sndbuf); 0: model off */
	uint32_t pend;       /* end of the latest transmission, not yet a split */
	uint32_t pushed;     /* a write's pushes sent up to here (tcp_push_one) */
	uint32_t push_seq;   /* the latest push (Linux's pushed_seq) */
	uint8_t locked;      /* SO_SNDBUF: no autotuning */
	uint8_t nospace;     /* the writer found no room (SOCK_NOSPACE) */
	uint8_t check;       /* an ACK came: tcp_sndmem_check after output */
	uint8_t n;           /* runs in use */
	struct tcp_sndmem_run *run;  /* [TCP_SNDMEM_RUNS] in the send ring's tcp_sndx;
				       NULL without a ring (then n is 0) */
};
void tcp_sndmem_init(struct utcp_tcb *tp);
void tcp_sndmem_set_limit(struct utcp_tcb *tp, uint32_t limit);
void tcp_sndmem_expand(struct utcp_tcb *tp);
uint32_t tcp_sndmem_queued(const struct utcp_tcb *tp);
uint32_t tcp_sndmem_take(struct utcp_tcb *tp, uint32_t want);
void tcp_sndmem_write_end(struct utcp_tcb *tp, uint32_t end);
void tcp_sndmem_sent(struct utcp_tcb *tp, uint32_t seq, uint32_t end, int psh);
void tcp_sndmem_acked(struct utcp_tcb *tp);
int tcp_sndmem_writable(const struct utcp_tcb *tp);
void tcp_sndmem_polled(struct utcp_tcb *tp);
void tcp_sndmem_check(struct utcp_tcb *tp);
int tcp_sndmem_pushes(const struct utcp_tcb *tp, uint32_t seq, uint32_t len, int *chunk_end);

/* Receive buffer: unread in-order bytes, then (at their sequence offsets)
 * out-of-order ranges, all within the advertised window (tcp_ooo.c). */
struct tcp_rcvbuf {
	uint8_t *mem;
	uint32_t size;
	uint32_t cap;       /* SO_RCVBUF <= size, with or without mem (tcp_rcv_space) */
	uint32_t want;      /* SO_RCVBUF as clamped (= cap) */
	uint32_t head;      /* ring index of the first unread byte */
	uint32_t len;       /* unread in-order bytes (end at rcv_nxt) */
	/* Out-of-order ranges: sorted by start, disjoint and not adjacent,
	 * inside (rcv_nxt, rcv_adv]; room for ooo_max of them came with the
	 * ring (tcp_ooo_room). */
	struct tcp_sack_block *ooo;
	uint32_t nooo, ooo_max;
	/* RFC 2018 §4: a sequence number inside each of the last ranges that
	 * went first in a SACK option, the most recent first; each in a
	 * different range of ooo[]. */
	uint32_t hist[TCP_SACK_HIST];
	uint8_t nhist;
};

/* ---- congestion control interface --------------------------------- */
/* The hooks the stack calls, on the TCB.  Each is the adapter of tcp_cc.c,
 * which runs the module (algo) on a struct tcp_cc_var (tcp_cc.h). */
struct utcp_tcb;
struct utcp_cc_ops {
	const char *name;
	const struct tcp_cc_algo *algo;
	void (*init)(struct utcp_tcb *tp);
	void (*on_ack)(struct utcp_tcb *tp, uint32_t acked);
	void (*on_loss)(struct utcp_tcb *tp);
	void (*on_recovery_end)(struct utcp_tcb *tp);
	void (*on_rtt)(struct utcp_tcb *tp, utcp_time_t rtt);
	void (*on_rto)(struct utcp_tcb *tp);
	void (*after_idle)(struct utcp_tcb *tp);
};
const struct utcp_cc_ops *tcp_cc_find(const char *name);
extern const struct utcp_cc_ops tcp_cc_newreno;
extern const struct utcp_cc_ops tcp_cc_cubic;
uint32_t tcp_initial_window(const struct utcp_tcb *tp);

/* Loss-recovery scoreboard (RFC 6675 §3), tcp_sack.c: the SACKed ranges
 * above snd_una, sorted and merged, and the recovery variables. */
#define TCP_SB_MAX 32                  /* SACKed ranges remembered */
#define TCP_DUPTHRESH 3                /* RFC 6675 §2 DupThresh */
struct tcp_sack_scoreboard {
	uint8_t n;                      /* ranges in use */
	struct tcp_sack_block *blk;     /* [TCP_SB_MAX], with the send ring (tcp_buf.c);
					   NULL without it (n stays 0) */
	uint32_t sacked;                /* bytes in blk[] */
	uint32_t high_rxt;              /* RFC 6675 HighRxt */
	uint32_t loss_point;            /* RTO: unSACKed below it is lost */
	uint8_t fast_rexmt;             /* RFC 6675 §5 step 4.3 still owed */
	/* RFC 6937 PRR */
	uint32_t prr_delivered, prr_out, recover_fs;
};
void tcp_sack_reset(struct utcp_tcb *tp);
/* Take the SACK blocks of an ACK (RFC 6675 Update()); returns the bytes
 * newly SACKed (may be negative when cumulatively acked ranges leave). */
int64_t tcp_sack_update(struct utcp_tcb *tp, uint32_t ack, const struct tcp_opts *o);
int tcp_sack_is_lost(const struct utcp_tcb *tp, uint32_t seq);   /* IsLost() */
uint32_t tcp_sack_pipe(const struct utcp_tcb *tp);                /* SetPipe() */
/* NextSeg() rules 1 and 3: a retransmission [*seq, *seq + *len) or 0. */
int tcp_sack_next_rexmt(const struct utcp_tcb *tp, uint32_t mss, int rule3, uint32_t *seq,
			uint32_t *len);
int tcp_sack_is_sacked(const struct utcp_tcb *tp, uint32_t seq, uint32_t *end);
/* NextSeg()'s range extended over the rest of a partly SACKed segment. */
uint32_t tcp_sack_whole_segment(const struct utcp_tcb *tp, uint32_t seq, uint32_t len,
				uint32_t mss);
/* RFC 6937: the congestion window for the ACK just processed; safe: it
 * advanced SND.UNA and found no further loss. */
void tcp_prr_ack(struct utcp_tcb *tp, uint32_t delivered, int safe);
/* Receiver: RFC 2883 D-SACK for a duplicate [start, end). */
void tcp_dsack_note(struct utcp_tcb *tp, uint32_t start, uint32_t end);
/* Octets of [a, b) not SACKed. */
uint32_t tcp_sack_unsacked(const struct utcp_tcb *tp, uint32_t a, uint32_t b);

/* RACK-TLP (RFC 8985), tcp_rack.c: transmit times per run of sequence
 * space sent at one instant, RACK's state and the Tail Loss Probe. */
#define TCP_RACK_RUNS 64               /* runs remembered (merged beyond) */
#define TCP_RACK_RETRANS 0x01          /* Segment.retransmitted */
#define TCP_RACK_LOST 0x02             /* Segment.lost, not resent since */
#define TCP_RACK_T_REO 1               /* t_rack: reordering timer (§6.3) */
#define TCP_RACK_T_PTO 2               /* t_rack: probe timeout (§7.2) */
struct tcp_rack_run {
	uint32_t start;
	uint32_t ts, ts_lo;             /* latest and earliest send (us) */
	uint32_t base;                  /* its segments began at base + k * seg */
	uint16_t seg;                   /* (0: not known, after a merge) */
	uint16_t flags;                 /* TCP_RACK_* */
};
struct tcp_rack {
	uint16_t n;
	uint32_t end;                   /* end of the last run */
	struct tcp_rack_run *run;       /* [TCP_RACK_RUNS], with the send ring (tcp_buf.c);
					   NULL without it (n stays 0) */
	uint32_t xmit_ts, end_seq;      /* RACK.xmit_ts, RACK.end_seq */
	uint32_t fack;                  /* RACK.fack (when fack_on) */
	uint32_t rtt, min_rtt, srtt;    /* RACK.rtt, RACK.min_RTT, SRTT (us) */
	uint32_t dsack_round;           /* RACK.dsack_round (when dsack_round_on) */
	uint32_t tlp_end_seq;           /* TLP.end_seq (when tlp_on) */
	uint8_t have_xmit, reordering_seen, reo_wnd_mult, reo_wnd_persist;
	uint8_t dsack_round_on, dsack, timer, tlp_on, tlp_is_retrans, fack_on;
	uint8_t tlp_again;              /* probes sent again in this episode (tcp_tlp_again) */
};
void tcp_rack_xmit(struct utcp_tcb *tp, uint32_t seq, uint32_t len, int rexmt);
/* The same for new data [seq, seq + len) sent at once in segments of seg
 * (a TSO frame): as many tcp_rack_xmit calls, in one step. */
void tcp_rack_xmit_segs(struct utcp_tcb *tp, uint32_t seq, uint32_t len, uint32_t seg);
/* tcp_undo.c: a reduction that D-SACKs show was spurious, undone; its
 * record (struct tcp_undo) lives with the send ring, in struct tcp_sndx. */
void tcp_undo_cancel(struct utcp_tcb *tp);
void tcp_undo_start(struct utcp_tcb *tp);
void tcp_undo_rexmt(struct utcp_tcb *tp, uint32_t seq, uint32_t len);
void tcp_undo_dsack(struct utcp_tcb *tp, uint32_t ack, uint32_t start, uint32_t end);
void tcp_undo_check(struct utcp_tcb *tp);
void tcp_rack_ack_begin(struct utcp_tcb *tp, uint32_t ack, const struct tcp_opts *o);
/* Returns the runs newly marked lost. */
unsigned tcp_rack_ack_end(struct utcp_tcb *tp, int advanced, int exited);
void tcp_rack_pto_arm(struct utcp_tcb *tp);
void tcp_rack_recovery_arm(struct utcp_tcb *tp);
int tcp_rack_is_lost(const struct utcp_tcb *tp, uint32_t seq);
int tcp_rack_is_resent(const struct utcp_tcb *tp, uint32_t seq, uint32_t *end);
int tcp_rack_next_lost(const struct utcp_tcb *tp, uint32_t mss, uint32_t *seq, uint32_t *len);
uint32_t tcp_rack_lost_pipe(const struct utcp_tcb *tp, uint32_t rxt, uint32_t edge);
void tcp_rack_on_rto(struct utcp_tcb *tp);
void tcp_rack_probe(struct utcp_tcb *tp);
int tcp_rack_pto_due(const struct utcp_tcb *tp);
int tcp_rack_last_segment(const struct utcp_tcb *tp, uint32_t *start);
uint32_t tcp_rack_seg_end(const struct utcp_tcb *tp, uint32_t seq);
void tcp_rack_timer_fire(struct utcp_timer *t, void *arg, utcp_time_t now);

/* What only a sender with data in flight needs (loss recovery's tables):
 * taken and given back with the send ring (tcp_buf.c), so that a TCB
 * without one stays small (tcp_sndx_pool, one per send ring). */
struct tcp_undo {
	uint32_t cwnd, ssthresh;        /* before the reduction */
	uint32_t lo, hi;                /* the octets resent in the episode */
	uint32_t rexmt;                 /* octets resent and not yet D-SACKed */
	uint32_t end;                   /* SND.MAX when the episode ended */
	uint8_t on, over, sent;
	uint64_t cc_priv[TCP_CC_PRIV_WORDS]; /* the module's state before it */
};
struct tcp_sndx {
	struct tcp_undo undo;           /* tcp_undo.c */
	struct tcp_sack_block blk[TCP_SB_MAX];
	struct tcp_rack_run run[TCP_RACK_RUNS];
	struct tcp_sndmem_run mrun[TCP_SNDMEM_RUNS]; /* tcp_wmem's chunks of the queue */
};

/* ---- TCB ------------------------------------------------------------ */
#define TF_ACKNOW 0x0001      /* send an ACK at the next output */
#define TF_DELACK 0x0002      /* an ACK is being delayed */
#define TF_NODELAY 0x0004     /* TCP_NODELAY: Nagle off */
#define TF_KEEPALIVE 0x0008   /* SO_KEEPALIVE */
#define TF_FIN_QUEUED 0x0010  /* user closed the sending side: FIN after the data */
#define TF_RCVD_FIN 0x0020    /* FIN received and processed (RCV_SHUTDOWN) */
#define TF_RCV_WSCALE 0x0040  /* window scaling in effect (both sent it) */
#define TF_TS 0x0080          /* timestamps in effect */
#define TF_SACK 0x0100        /* SACK permitted both ways */
#define TF_PASSIVE 0x0200     /* opened from a listener */
#define TF_PERSIST 0x0400     /* t_rexmt is the persist timer */
#define TF_SYN_REXMT 0x0800   /* SYN or SYN-ACK was retransmitted (IW = 1) */
#define TF_RECOVERY 0x1000    /* in fast recovery (RFC 6582) */
#define TF_REUSEADDR 0x2000
#define TF_ORPHAN 0x4000      /* the socket was closed; nobody reads */
#define TF_IN_OUTQ 0x8000     /* on the context's output list */
#define TF_RTT_TIMING 0x10000 /* timing a segment for RTT (Karn) */
#define TF_OOO_FIN 0x20000    /* a FIN beyond rcv_nxt is remembered */
#define TF_RCV_SHUT 0x40000   /* shutdown(SHUT_RD) by the user */
#define TF_EPHEMERAL 0x80000  /* local port picked by connect */
#define TF_FIN_SENT 0x100000  /* our FIN has been sent at least once */
#define TF_HAVE_RTT 0x200000  /* SRTT and RTTVAR hold a measurement */
#define TF_PORT_REF 0x400000  /* holds a reference on its local port */
#define TF_PARTIAL_ACKED 0x800000 /* a partial ACK was seen in this recovery */
#define TF_ACCEPTQ 0x1000000  /* on its listener's accept queue (else SYN queue) */
#define TF_LOSS 0x2000000     /* SACK: RTO recovery from the scoreboard (RFC 6675 §5.1) */
#define TF_DSACK 0x4000000    /* a D-SACK block is owed (RFC 2883) */
#define TF_BUFWAIT 0x8000000  /* in the FIFO of connections waiting for rings (tcp_buf.c) */
#define TCP_BW_RCV 0x01       /* bufwait: for a receive ring */
#define TCP_RING_IDLE UTCP_NSEC_PER_SEC /* a drained ring goes back after this idle */
#define TCP_BW_SND 0x02       /* bufwait: for a send ring */

struct tcp_listener;

struct utcp_tcb {
	/* identity: addresses and ports in network order */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	int port;                       /* NIC port the route uses */
	struct utcp_ctx *ctx;
	struct utcp_tcb *hnext, **hpprev; /* flow table chain */
	uint32_t hash;
	uint8_t state;                  /* enum tcp_state */
	uint8_t is6;                    /* an IPv6 connection: a6 (below) holds its addresses */
	uint8_t ecn;                    /* TCP_ECN_* (tcp_ecn.c); 0: no ECN */
	uint32_t flags;                 /* TF_* */

	/* send sequence variables (RFC 9293 §3.3.1) */
	uint32_t snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, iss;
	uint32_t snd_max;               /* highest sequence sent + 1 */
	uint32_t max_sndwnd;            /* largest window the peer offered */
	uint32_t snd_sml;               /* end of the last short segment sent (Nagle) */
	uint32_t snd_push;              /* end of the latest write (tcp_push_each_write) */
	uint32_t fpush_from, fpush_step; /* tcp_push_each_write = 2: forced pushes (tcp_forced_push) */
	/* receive sequence variables */
	uint32_t rcv_nxt, rcv_wnd, irs;
	uint32_t rcv_adv;               /* right edge promised (never shrinks) */
	uint32_t rcv_fin_seq;           /* TF_OOO_FIN: sequence of that FIN */
	uint32_t syn_text;              /* text a SYN carried in simultaneous open, held
					   in the ring at RCV.NXT until ESTABLISHED */
	uint8_t snd_wscale, rcv_wscale; /* RFC 7323 shift counts */

	uint16_t mss;                   /* effective send MSS (no options) */
	uint16_t our_mss;               /* MSS we advertised */
	uint16_t user_mss;              /* TCP_MAXSEG, 0 = none */
	uint32_t rcv_unacked;           /* bytes received since the last ACK sent */
	uint8_t quickack;               /* segments still to ACK at once (TCP_QUICKACK) */
	uint8_t tfo;                    /* TFO_*: TCP Fast Open (tcp_fastopen.c); 0: none */
	uint32_t rcv_mss;               /* largest segment received (delayed ACK) */

	/* timestamps (RFC 7323) */
	uint32_t ts_recent;
	utcp_time_t ts_recent_age;
	uint32_t ts_offset;
	uint32_t ts_rtx;                /* our TSval when we last retransmitted */
	uint32_t last_ack_sent;

	/* round-trip time (RFC 6298), ns */
	utcp_time_t srtt, rttvar, rto;
	utcp_time_t rtt_start;
	uint32_t rtt_seq;
	uint8_t rxtshift;               /* consecutive timeouts (backoff) */
	uint8_t keep_probes;
	uint8_t dupacks;

	/* congestion control */
	uint32_t cwnd, ssthresh, recover, bytes_acked;
	/* tcp_cwnd_limited (Linux's tcp_cwnd_validate): the most in flight
	 * since cwnd_usage_seq was sent, and whether cwnd was filled */
	uint32_t max_flight, cwnd_usage_seq;
	uint8_t cwnd_filled;
	const struct utcp_cc_ops *cc;
	uint64_t cc_priv[TCP_CC_PRIV_WORDS]; /* the module's state (tcp_cc.h) */
	struct tcp_sack_scoreboard sb;  /* sender: SACK scoreboard */
	struct tcp_sack_block dsack;    /* receiver: duplicate to report (TF_DSACK) */
	struct tcp_rack rack;           /* sender: RACK-TLP (RFC 8985) */

	struct tcp_sndbuf snd;
	struct tcp_rcvbuf rcv;

	/* timers */
	struct utcp_timer t_rexmt;      /* RTO, SYN/FIN retransmission, or persist */
	struct utcp_timer t_delack;
	struct utcp_timer t_keep;       /* keepalive, idle, FIN-WAIT-2, TIME-WAIT */
	struct utcp_timer t_rack;       /* RACK reordering timer or TLP PTO */
	utcp_time_t last_rcv, last_snd;
	utcp_time_t nh_recheck;         /* next forward-progress advice to ARP/ND */

	/* options inherited from the socket */
	uint16_t keepidle, keepintvl;   /* s */
	uint8_t keepcnt;

	/* links */
	struct tcp_listener *listener;  /* SYN or accept queue we are on */
	struct utcp_tcb *qnext, *qprev;
	struct utcp_tcb *out_next, *out_prev; /* output list */
	struct utcp_tcb *tw_next, *tw_prev; /* TIME-WAIT FIFO (oldest reclaimed first) */
	/* The FIFO of connections waiting for rings (TF_BUFWAIT), or the one of
	 * connections holding a drained ring (drained): never both at once. */
	struct utcp_tcb *bw_next, *bw_prev;
	uint8_t bufwait;                /* TCP_BW_*: what it waits for */
	uint8_t drained;                /* in the FIFO of drained rings (tcp_bufs_drained) */
	utcp_time_t dr_since;           /* when it joined it */
	void *sock;                     /* the socket layer's object, NULL if none */
	int so_error;                   /* pending error for the user */
	int soft_error;                 /* last ICMP soft error (tcp_icmp.c): reported
					   instead of ETIMEDOUT */

	/* socket options on the data path (core/api/sockopt.c, sockio.c) */
	uint8_t cork;                   /* TCP_CORK_* */
	uint32_t cork_una;              /* snd_una when a MSG_MORE write came */
	uint32_t notsent_lowat;         /* TCP_NOTSENT_LOWAT, bytes; 0: none */
	uint32_t user_timeout;          /* TCP_USER_TIMEOUT, ms; 0: the retry counts */
	utcp_time_t rexmt_since;        /* first timeout of the current run of them */
	uint32_t total_retrans;         /* segments resent (TCP_INFO) */
	uint8_t ip_tos;                 /* IP_TOS */
	uint8_t ip_pmtudisc;            /* IP_MTU_DISCOVER + 1; 0: unset (utcp's PMTUD) */
	struct tcp_sndmem sndmem;       /* tcp_wmem: the send buffer as Linux counts it */
	uint32_t ecn_high;              /* snd_max at the last cwnd reduction (RFC 3168 §6.1.2) */
	/* IPv6 (tcp_addr6.c): is6 (above) set, laddr/raddr hold the keys of a6's */
	struct tcp_addr6 a6;
	/* pacing (tcp_pacing.c) */
	uint8_t pacing;                 /* on: tcp_pacing, or SO_MAX_PACING_RATE set */
	uint8_t pace_segs;              /* segments sent, up to the unpaced first ten */
	uint8_t pkt_segs;               /* segments of the packet being sent */
	uint32_t pkt_bytes;             /* its payload */
	utcp_time_t pace_next;          /* earliest departure of the next packet */
	uint64_t max_pacing_rate;       /* SO_MAX_PACING_RATE, bytes/s; UINT64_MAX: none */
	struct utcp_timer t_pace;       /* fires at pace_next */
};

/* ECN (RFC 3168 §6.1), tcp_ecn.c.  tcp_ecn's values, as Linux's sysctl: */
#define TCP_ECN_OFF 0                /* never */
#define TCP_ECN_ON 1                 /* request on active opens, accept on passive */
#define TCP_ECN_PASSIVE 2            /* accept only */
/* tp->ecn: */
#define TCP_ECN_SETUP 0x01           /* our SYN was an ECN-setup SYN */
#define TCP_ECN_OK 0x02              /* negotiated: data goes ECT(0) */
#define TCP_ECN_ECHO 0x04            /* receiver: ECE until CWR arrives (§6.1.3) */
#define TCP_ECN_CWR 0x08             /* sender: CWR on the next new data (§6.1.2) */
#define TCP_ECN_REDUCED 0x10         /* sender: ecn_high holds the last reduction's */
struct tcp_out;
void tcp_ecn_syn_out(struct utcp_tcb *tp, struct tcp_out *o);
void tcp_ecn_syn_in(struct utcp_tcb *tp, const struct tcp_seg *s);
void tcp_ecn_data_out(struct utcp_tcb *tp, struct tcp_out *o, int rexmt);
uint8_t tcp_ecn_flags(const struct utcp_tcb *tp, uint8_t flags);
void tcp_ecn_rcv(struct utcp_tcb *tp, const struct tcp_seg *s);
void tcp_ecn_ack(struct utcp_tcb *tp, const struct tcp_seg *s);
int tcp_ecn_reduced(struct utcp_tcb *tp);

/* Pacing (tcp_pacing.c). */
int tcp_pace_wait(struct utcp_tcb *tp);
void tcp_pace_sent(struct utcp_tcb *tp, uint32_t len, int end);
void tcp_pace_fire(struct utcp_timer *t, void *arg, utcp_time_t now);
void tcp_pace_set_max(struct utcp_tcb *tp, uint64_t rate);

/* IP_MTU_DISCOVER's values, as Linux's <linux/in.h>: DONT (0), WANT (1)
 * and DO (2) as utcp without the option (DF, RFC 1191) but for DONT's
 * missing DF; PROBE (3) keeps DF; DONT, PROBE, INTERFACE (4) and OMIT (5)
 * ignore ICMP "fragmentation needed"; INTERFACE and OMIT send without DF
 * (as Linux's ip_dont_fragment). */
#define TCP_PMTUDISC_DONT 0
#define TCP_PMTUDISC_PROBE 3
#define TCP_PMTUDISC_OMIT 5
static inline int tcp_pmtud_off(const struct utcp_tcb *tp)
{
	return tp->ip_pmtudisc == TCP_PMTUDISC_DONT + 1 ||
	       tp->ip_pmtudisc >= TCP_PMTUDISC_PROBE + 1;
}
static inline int tcp_no_df(const struct utcp_tcb *tp)
{
	return tp->ip_pmtudisc == TCP_PMTUDISC_DONT + 1 ||
	       tp->ip_pmtudisc > TCP_PMTUDISC_PROBE + 1;
}

/* Corking (Linux's TCP_CORK and MSG_MORE): segments shorter than the MSS
 * wait while corked, until the cork is pulled or the probe timer fires
 * (tcp_cork_arm).  MSG_MORE corks until a write without it, or until an
 * ACK moves SND.UNA past where it was (then Nagle decides, as Linux). */
#define TCP_CORK_ON 0x01   /* TCP_CORK set */
#define TCP_CORK_MORE 0x02 /* the latest write had MSG_MORE */
static inline int tcp_corked(const struct utcp_tcb *tp)
{
	return (tp->cork & TCP_CORK_ON) ||
	       ((tp->cork & TCP_CORK_MORE) && tp->snd_una == tp->cork_una);
}

/* A listening endpoint: SYN queue and accept queue bounded by backlog. */
#define TCP_LIS_V4 0x01 /* takes IPv4 segments (an AF_INET6 one: IPv4-mapped) */
#define TCP_LIS_V6 0x02 /* takes IPv6 segments */
struct tcp_listener {
	uint32_t laddr;                 /* INADDR_ANY or one of ours (IPv6: its key) */
	uint16_t lport;
	uint8_t fam;                    /* TCP_LIS_* */
	struct utcp_in6 laddr6;         /* TCP_LIS_V6: :: or one of ours */
	int backlog;
	uint32_t nsyn, naccept;
	struct utcp_tcb *acc_head, *acc_tail; /* established, not yet accepted */
	struct utcp_tcb *syn_head;      /* SYN-RECEIVED children */
	struct tcp_listener *next;      /* listener hash chain */
	void *sock;
	/* options the children inherit */
	uint32_t tflags;                /* TF_NODELAY | TF_KEEPALIVE | TF_REUSEADDR */
	uint16_t user_mss, keepidle, keepintvl;
	uint8_t keepcnt;
	uint32_t rcvbuf, sndbuf;
	const struct utcp_cc_ops *cc;
};

struct tcp_portinfo {
	uint32_t refs;      /* TCBs, bound sockets and listeners on this port */
	uint32_t noreuse;   /* of them, without SO_REUSEADDR */
	uint32_t eph;       /* of them, connections that picked it as ephemeral */
};

/* Readiness changes reported to the socket layer (EPOLL* bits). */
typedef void (*tcp_notify_fn)(struct utcp_ctx *ctx, void *sock, uint32_t events);

/* TCP Fast Open (RFC 7413), client side (tcp_fastopen.c). */
#define TFO_CLIENT 1 /* tcp_fastopen bits, as Linux's */
#define TFO_SERVER 2
#define TFO_ON 0x01      /* tcb: TCP_FASTOPEN_CONNECT or MSG_FASTOPEN */
#define TFO_DEFER 0x02   /* cookie cached: the SYN waits for the first write */
#define TFO_SYN_DATA 0x04 /* the SYN carried data */
#define TFO_COOKIE 0x08  /* the SYN carried a cookie (else a request) */
#define TCP_FO_CACHE 16  /* servers whose cookies are kept (LRU) */
struct tcp_fo_entry {
	uint32_t raddr;
	uint8_t len;                    /* 0: free */
	uint8_t cookie[TCP_FO_COOKIE_MAX];
	uint16_t mss;                   /* the server's MSS option (0: none) */
	utcp_time_t used;
};
struct tcp_fo_cache {
	struct tcp_fo_entry e[TCP_FO_CACHE];
};

struct utcp_tcp_ctx {
	/* Lazy pools (core/base/pool.h): objects touched only when first used. */
	struct utcp_pool tcb_pool, lis_pool, sndbuf_pool, rcvbuf_pool;
	struct utcp_pool ooo_pool;      /* out-of-order ranges, one array per receive ring */
	struct utcp_pool sndx_pool;     /* sender's SACK scoreboard and RACK runs, one per send ring */
	struct utcp_tcb **flows;        /* flow table buckets */
	uint32_t flow_mask, nflows;
	uint32_t hash_seed;
	struct tcp_listener **lis_hash;
	uint32_t lis_mask;
	struct tcp_portinfo *ports;     /* [65536] */
	uint8_t isn_key[16];            /* RFC 6528 secret */
	struct {                        /* tcp_ts_offset of the last address pair */
		uint32_t laddr, raddr, off;
		int valid;
	} ts_last;
	/* the config's TCP timers and slow-start limit, read once */
	utcp_time_t rto_min, delack;    /* tcp_rto_min, tcp_delack, ns */
	uint8_t abc_shift;              /* tcp_abc: L = SMSS << abc_shift */
	uint8_t abc_nolimit;            /* tcp_abc_nolimit: no L */
	uint8_t prr_safeack;            /* tcp_prr_safeack */
	uint8_t rto_min_var;            /* tcp_rto_min_var */
	uint8_t pto_cap;                /* tcp_pto_cap */
	uint8_t recovery_probe;         /* tcp_recovery_probe */
	uint8_t undo;                   /* tcp_undo */
	uint8_t tlp_again;              /* tcp_tlp_again */
	uint8_t mtu_probing;            /* tcp_mtu_probing: 0, 1, 2 */
	uint16_t base_mss;              /* tcp_base_mss (1024 when unset) */
	uint8_t rst_ack;                /* tcp_rst_ack */
	uint8_t push_each_write;        /* tcp_push_each_write */
	uint8_t min_tso_segs;           /* tcp_min_tso_segs (2 when unset) */
	uint8_t zwp_empty;              /* tcp_zwp_empty */
	uint8_t cubic_md_cwnd;          /* tcp_cubic_md_cwnd */
	uint8_t cwnd_limited;           /* tcp_cwnd_limited */
	uint32_t wmem;                  /* tcp_wmem: 0, or the send buffer's first limit */
	uint8_t no_ts, no_sack, no_ws;  /* tcp_timestamps, tcp_sack, tcp_window_scaling = 0 */
	uint8_t wscale;                 /* tcp_wscale; 0: from the ring size */
	uint8_t syn_retries, retries2;  /* tcp_syn_retries, tcp_retries2 */
	uint8_t ecn;                    /* tcp_ecn: TCP_ECN_OFF, _ON, _PASSIVE */
	uint8_t pacing;                 /* tcp_pacing */
	uint16_t pacing_ss_ratio, pacing_ca_ratio; /* tcp_pacing_ss_ratio, _ca_ratio, % */
	struct utcp_tcb *out_head, *out_tail;
	struct utcp_tcb *tw_head, *tw_tail;
	struct utcp_tcb *bw_head, *bw_tail; /* waiting for rings (TF_BUFWAIT), oldest first */
	struct utcp_tcb *dr_head, *dr_tail; /* holding a drained ring, oldest first */
	uint32_t ntimewait;             /* TIME-WAIT: TCBs (tw_head) and records (twr_*) */
	/* TIME-WAIT records (tcp_timewait.c): a pool of tcp_max_tw_buckets,
	 * their table by 4-tuple and their FIFO by expiry, as index + 1 (0: none). */
	struct utcp_pool twr_pool;      /* struct tcp_tw */
	struct tcp_addr6 *twr6;         /* [twr_pool.count]: an IPv6 record's addresses */
	uint32_t *twr_hash;             /* buckets */
	uint32_t twr_mask;
	uint32_t twr_head, twr_tail;    /* oldest (first to expire) to newest */
	struct utcp_timer twr_timer;    /* at the head's expiry */
	const struct utcp_cc_ops *cc;   /* the context's default (cfg->cc) */
	uint32_t rcvbuf, sndbuf;        /* defaults (cfg) */
	utcp_time_t challenge_sec;
	uint32_t challenge_count;
	uint8_t fastopen;               /* tcp_fastopen: TFO_CLIENT | TFO_SERVER */
	struct tcp_fo_cache fo_cache;   /* cookies of servers (tcp_fastopen.c) */
	int quiet;                      /* tearing down: send nothing */
	tcp_notify_fn notify;
	void *api;                      /* the socket layer's state */
	void (*api_destroy)(struct utcp_ctx *ctx);
	/* The sender-state trace (core/api/conninfo.c installs it; NULL: off):
	 * called at each ACK taken in, state change and RTO (tcp_trace). */
	void (*trace)(struct utcp_tcb *tp, enum utcp_trace_event ev);
	utcp_trace_fn trace_fn;         /* its user's callback and argument */
	void *trace_arg;
};

static inline void tcp_trace(struct utcp_tcb *tp, enum utcp_trace_event ev)
{
	if (tp->ctx->tcp->trace != NULL)
		tp->ctx->tcp->trace(tp, ev);
}

/* ---- hooks called by the context and the net layer ------------------ */
int utcp_tcp_ctx_init(struct utcp_ctx *ctx);
void utcp_tcp_ctx_destroy(struct utcp_ctx *ctx);
/* A segment for us (ip validated; pkt->data/len still the whole frame). */
void utcp_tcp_input(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		    const struct utcp_ipv4_view *ip);
/* Send what the connections on the output list may send; returns how
 * many connections were looked at. */
int utcp_tcp_output(struct utcp_ctx *ctx);
/* An ICMP error quoting one of our segments (ctx->l4_error, tcp_icmp.c). */
void utcp_tcp_icmp_error(struct utcp_ctx *ctx, const struct utcp_icmp_error *e,
			 const struct utcp_ipv4_view *quoted);
/* RFC 1191 path MTU: never below Linux's min_pmtu. */
#define TCP_PMTU_MIN 552
#define TCP_BASE_MSS 1024       /* Linux's tcp_base_mss */
#define TCP_MTU_PROBE_FLOOR 48  /* Linux's tcp_mtu_probe_floor */
#define TCP_MTU_PROBE_RTOS 3    /* timeouts in a row before a black hole (Linux: tcp_retries1) */
/* The errno of a connection that gave up: the last ICMP soft error it
 * heard, else ETIMEDOUT (RFC 1122 §4.2.3.9; Linux's tcp_write_err). */
static inline int tcp_timeout_errno(const struct utcp_tcb *tp)
{
	return tp->soft_error != 0 ? tp->soft_error : ETIMEDOUT;
}

/* Forward progress (new data acknowledged, or received in order) confirms
 * the next hop's ARP or neighbour cache entry (RFC 4861 §7.3.1); a lookup
 * only when the entry may be near the end of its reachable time. */
static inline void tcp_nh_confirm(struct utcp_tcb *tp)
{
	if (tp->ctx->now >= tp->nh_recheck)
		tp->nh_recheck = tp->is6 ? utcp_nd_confirm(tp->ctx, &tp->a6.raddr)
					 : utcp_arp_confirm(tp->ctx, tp->raddr);
}

/* A repeated retransmission timeout: the next hop may be gone; ARP or ND
 * probes it (RFC 1122 §2.3.2.1, RFC 4861 §7.3.1). */
static inline void tcp_nh_suspect(struct utcp_tcb *tp)
{
	if (tp->is6)
		utcp_nd_suspect(tp->ctx, &tp->a6.raddr);
	else
		utcp_arp_suspect(tp->ctx, tp->raddr);
}

/* ---- internal: TCBs and TIME-WAIT (tcp_tcb.c), buffers (tcp_buf.c) -- */
struct utcp_tcb *tcp_tcb_alloc(struct utcp_ctx *ctx);
void tcp_tcb_free(struct utcp_tcb *tp);
int tcp_tcb_room(const struct utcp_ctx *ctx);
void tcp_timewait_link(struct utcp_tcb *tp);
void tcp_timewait_unlink(struct utcp_tcb *tp);
void tcp_bufs_defer(struct utcp_tcb *tp, uint32_t rcvbuf, uint32_t sndbuf);
void tcp_bufs_attach(struct utcp_tcb *tp);
int tcp_bufs_room(const struct utcp_tcp_ctx *t);
int tcp_bufs_offer(const struct utcp_tcp_ctx *t);
void tcp_bufs_release(struct utcp_tcb *tp);
uint32_t tcp_rcv_space(struct utcp_tcb *tp); /* free space a window may offer */
int tcp_snd_take_ring(struct utcp_tcb *tp);
void tcp_bufs_drained(struct utcp_tcb *tp);
void tcp_bufs_sweep(struct utcp_tcp_ctx *t, utcp_time_t now); /* each round (utcp_tcp_output) */
/* The rings' comings and goings on the data path, tested inline (the
 * pools' work in tcp_buf.c): a write needs the send ring (-1: none to be
 * had, EAGAIN); all written acknowledged, or all received read, drains a
 * ring: it goes back once idle TCP_RING_IDLE, or at once when a connection
 * waits for one (tcp_bufs_drained). */
static inline int tcp_snd_need(struct utcp_tcb *tp)
{
	return tp->snd.mem != NULL ? 0 : tcp_snd_take_ring(tp);
}
static inline void tcp_snd_drained(struct utcp_tcb *tp)
{
	if (tp->snd.len == 0 && tp->snd.mem != NULL)
		tcp_bufs_drained(tp);
}
static inline void tcp_rcv_drained(struct utcp_tcb *tp)
{
	if (tp->rcv.len == 0 && tp->rcv.mem != NULL && tp->rcv.nooo == 0 && tp->syn_text == 0)
		tcp_bufs_drained(tp);
}
/* 1 if a write could have a send ring now (tcp_writable). */
static inline int tcp_snd_ready(const struct utcp_tcb *tp)
{
	const struct utcp_tcp_ctx *t = tp->ctx->tcp;
	return tp->snd.mem != NULL || t->dr_head != NULL || /* drained rings can be reclaimed */
	       (utcp_pool_avail(&t->sndbuf_pool) > 0 && utcp_pool_avail(&t->sndx_pool) > 0);
}

/* ---- internal: TIME-WAIT records (tcp_timewait.c) --------------------- */
/* What RFC 9293 §3.10.7.4 needs of a connection in TIME-WAIT whose socket
 * is gone: 64 bytes on IPv4 (an IPv6 one's addresses in twr6[], 36 more)
 * where its TCB took sizeof(struct utcp_tcb). */
#define TW_TS 0x01        /* timestamps were in effect (TF_TS) */
#define TW_SACK 0x02      /* SACK was (TF_SACK) */
#define TW_IS6 0x04       /* IPv6: twr6[] holds the addresses, laddr/raddr their keys */
#define TW_PORT_REF 0x08  /* holds the TCB's reference on its local port (TF_PORT_REF) */
#define TW_REUSEADDR 0x10 /* ... taken with SO_REUSEADDR (TF_REUSEADDR) */
#define TW_EPHEMERAL 0x20 /* ... as an ephemeral port (TF_EPHEMERAL) */
#define TW_NO_DF 0x40     /* its segments leave without DF (tcp_no_df) */
struct tcp_tw {
	utcp_time_t expire;             /* end of 2*MSL, ns */
	uint32_t laddr, raddr;          /* network order, as the TCB's */
	uint16_t lport, rport;
	uint32_t hnext;                 /* table chain: index + 1 */
	uint32_t next, prev;            /* FIFO by expiry: index + 1 */
	uint32_t rcv_nxt, snd_nxt;      /* RCV.NXT; SND.NXT (= SND.UNA = SND.MAX) */
	uint32_t rcv_wnd;               /* RCV.WND: the edge last offered, never moved */
	uint32_t max_sndwnd;            /* RFC 5961 §5.2's bound on old ACKs */
	uint32_t ts_recent, ts_offset;  /* RFC 7323 TS.Recent; our TSval's offset */
	uint32_t ts_age;                /* when TS.Recent was taken, s of ctx->now */
	uint8_t flags;                  /* TW_* */
	uint8_t rcv_wscale;             /* Rcv.Wind.Shift (0 without scaling) */
	uint8_t port;                   /* NIC port */
	uint8_t tos;                    /* IP_TOS */
};
int tcp_tw_init(struct utcp_ctx *ctx, struct utcp_tcp_ctx *t);
void tcp_tw_destroy(struct utcp_ctx *ctx);
/* tp, an orphan in TIME-WAIT until `expire`, becomes a record and its TCB
 * goes back: 0, or -1 (tp unchanged: it stays a TCB). */
int tcp_tw_take(struct utcp_tcb *tp, utcp_time_t expire);
/* A segment for a record: 1 if it had one (s handled), else 0. */
int tcp_tw_input(struct utcp_ctx *ctx, struct tcp_seg *s);
/* 1 if a record holds the 4-tuple (a6 not NULL: IPv6, laddr/raddr keys). */
int tcp_tw_holds(struct utcp_ctx *ctx, const struct tcp_addr6 *a6, uint32_t laddr,
		 uint16_t lport, uint32_t raddr, uint16_t rport);
static inline const struct tcp_tw *tcp_tw_rec(const struct utcp_tcp_ctx *t, uint32_t i)
{
	return i == 0 ? NULL : (const struct tcp_tw *)t->twr_pool.mem + (i - 1);
}
/* The records' invariants (tcp_check.c): 0, or -1 with msg. */
int tcp_tw_check(const struct utcp_tcp_ctx *t, char *msg, size_t len);
/* RFC 5961 §7: 1 if a challenge ACK may go now (counted), per context. */
int tcp_challenge_ok(struct utcp_ctx *ctx);
/* RFC 9293 §3.10.7.2 for SYN s on l (tcp_input.c); iss 0: RFC 6528's. */
void tcp_passive_open(struct utcp_ctx *ctx, struct tcp_listener *l, const struct tcp_seg *s,
		      uint32_t iss);
uint32_t tcp_tw_hash(const struct utcp_tcp_ctx *t, uint32_t laddr, uint16_t lport, uint32_t raddr,
		     uint16_t rport); /* tcp_flow.c: the flow table's */

/* ---- internal: flow and listener tables (tcp_flow.c) ------------------ */
struct utcp_tcb *tcp_flow_lookup(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport,
				 uint32_t raddr, uint16_t rport);
void tcp_flow_insert(struct utcp_tcb *tp);
void tcp_flow_remove(struct utcp_tcb *tp);
struct tcp_listener *tcp_listener_lookup(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport);
struct tcp_listener *tcp_listener_find_exact(struct utcp_ctx *ctx, uint32_t laddr,
					     uint16_t lport);
/* 1 if a listener on lport would take segments for laddr (or the reverse). */
int tcp_listener_overlaps(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport);

/* ---- IPv6 (tcp_addr6.c) ------------------------------------------------ */
struct tcp_conn_opts;
/* The key of an IPv6 address in the 32-bit fields: a seeded fold in
 * 0.0.0.0/8, never 0 (:: is the one address whose key is 0). */
uint32_t tcp_addr6_key(const struct utcp_ctx *ctx, const struct utcp_in6 *a);
/* RFC 8200 §5, RFC 9293 §3.7.1: the MSS the port's MTU allows over IPv6. */
uint16_t tcp_route_mss6(struct utcp_ctx *ctx, int port);
/* The port (and so the NIC) a segment to the peer of s goes out of. */
int tcp_seg_route(struct utcp_ctx *ctx, const struct tcp_seg *s, int *port);
/* Make a new TCB an IPv6 one: addresses, flow label, MSS. */
void tcp_tcb_set6(struct utcp_tcb *tp, const struct tcp_addr6 *a6);
struct utcp_tcb *tcp_flow_lookup6(struct utcp_ctx *ctx, const struct tcp_addr6 *a,
				  uint32_t lkey, uint16_t lport, uint32_t rkey, uint16_t rport);
struct tcp_listener *tcp_listener_lookup6(struct utcp_ctx *ctx, const struct utcp_in6 *laddr,
					  uint32_t lkey, uint16_t lport);
/* An AF_INET6 listener on laddr (:: any, or ::ffff:a.b.c.d an IPv4 one);
 * v6only: IPV6_V6ONLY.  NULL with errno EADDRINUSE / ENOBUFS. */
struct tcp_listener *tcp_listen6(struct utcp_ctx *ctx, const struct tcp_conn_opts *o,
				 const struct utcp_in6 *laddr, int v6only, uint16_t lport,
				 int backlog, void *sock);
/* Active open to raddr (IPv6): laddr NULL or :: picks the source. */
struct utcp_tcb *tcp_connect6(struct utcp_ctx *ctx, const struct tcp_conn_opts *o,
			      const struct utcp_in6 *laddr, uint16_t lport, int port_owned,
			      const struct utcp_in6 *raddr, uint16_t rport, void *sock);
/* A segment from ip for us (ctx->l6_input[6]), and an ICMPv6 error quoting
 * one of ours (ctx->l6_error[6], tcp_icmp.c). */
void utcp_tcp_input6(struct utcp_ctx *ctx, int port, struct utcp_pkt *pkt,
		     const struct utcp_ipv6_view *ip);
void utcp_tcp_icmp6_error(struct utcp_ctx *ctx, const struct utcp_icmp6_error *e,
			  const struct utcp_ipv6_view *quoted);
/* RST in reply to segment s (of no connection, or of tp when tp is not
 * NULL: its addresses), either family. */
void tcp_respond_rst_seg(struct utcp_ctx *ctx, const struct tcp_seg *s, uint32_t seq,
			 uint32_t ack, uint8_t flags);
void tcp_respond_rst_tcb(struct utcp_tcb *tp, uint32_t seq, uint32_t ack, uint8_t flags);

/* ---- internal: local ports (tcp_port.c) ------------------------------- */
void tcp_port_ref(struct utcp_ctx *ctx, uint16_t port, int reuse, int eph);
void tcp_port_unref(struct utcp_ctx *ctx, uint16_t port, int reuse, int eph);
int tcp_port_bindable(struct utcp_ctx *ctx, uint32_t laddr, uint16_t port, int reuse);
uint16_t tcp_ephemeral_port(struct utcp_ctx *ctx, int nic_port, uint32_t laddr, uint32_t raddr,
			    uint16_t rport, const struct tcp_addr6 *a6);
int tcp_is_local_addr(const struct utcp_ctx *ctx, uint32_t addr);

/* ---- internal: ISN and TSval offset (tcp_isn.c) ----------------------- */
uint32_t tcp_ts_offset(struct utcp_ctx *ctx, uint32_t laddr, uint32_t raddr);
uint32_t tcp_isn(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport, uint32_t raddr,
		 uint16_t rport);

/* ---- internal: state changes (tcp_conn.c) --------------------------- */
void tcp_set_state(struct utcp_tcb *tp, enum tcp_state st);
void tcp_notify(struct utcp_tcb *tp, uint32_t events);
/* The connection is over: CLOSED, err for the user (0 = none).  Frees an
 * orphan; a TCB with a socket stays until the socket is closed. */
void tcp_drop(struct utcp_tcb *tp, int err);
void tcp_enter_time_wait(struct utcp_tcb *tp);
void tcp_established(struct utcp_tcb *tp);
void tcp_init_cc_and_rtt(struct utcp_tcb *tp);
struct utcp_tcb *tcp_tcb_new(struct utcp_ctx *ctx, int port, uint32_t laddr, uint16_t lport,
			     uint32_t raddr, uint16_t rport);
uint16_t tcp_route_mss(struct utcp_ctx *ctx, int port);
uint8_t tcp_wscale_for(const struct utcp_ctx *ctx, uint32_t bufsize);

/* ---- internal: loss recovery on the ACK path (tcp_recovery.c) -------- */
/* New data acknowledged, `data` bytes of the send buffer: 1 if the
 * retransmission timer restarts. */
int tcp_recovery_advance(struct utcp_tcb *tp, const struct tcp_seg *s, uint32_t data);
/* SEG.ACK = SND.UNA; wnd is the segment's window, scaled. */
void tcp_recovery_dupack(struct utcp_tcb *tp, const struct tcp_seg *s, uint32_t wnd);
/* SACK connections, after the ACK field: recovery entry or PRR. */
void tcp_recovery_sack_ack(struct utcp_tcb *tp, uint32_t delivered, unsigned rack_lost,
			   int advanced);
/* Loss detected outside ACK processing (RACK's timer): fast recovery
 * (RFC 6675 §5) and output. */
void tcp_sack_loss_detected(struct utcp_tcb *tp);

/* ---- internal: output (tcp_output.c) -------------------------------- */
void tcp_output_schedule(struct utcp_tcb *tp); /* onto the context's output list */
void tcp_output_unschedule(struct utcp_tcb *tp);
int tcp_output(struct utcp_tcb *tp);
int tcp_output_forced(struct utcp_tcb *tp); /* persist: one segment however small */
void tcp_forced_push(struct utcp_tcb *tp, uint32_t from); /* a write appended at `from` */
/* Send now what the cork holds (TCP_NODELAY set while corked); MSG_MORE's
 * cork is gone after, TCP_CORK's stays. */
int tcp_output_push(struct utcp_tcb *tp);
/* A segment to send (tcp_output.c). */
struct tcp_out {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint8_t opt[TCP_MAX_OPTLEN];
	unsigned optlen;
	uint32_t data_off, data_len; /* from the send ring (snd_una + data_off) */
	uint8_t tos, no_df;          /* the connection's IP_TOS, IP_PMTUDISC_DONT */
	const struct tcp_addr6 *a6;  /* IPv6: addresses and flow label (tos: the
					traffic class); NULL: IPv4 */
	struct utcp_pkt *pkt;        /* a TSO frame's large buffer, taken already;
					NULL: tcp_xmit takes one */
	uint16_t tso_segsz;          /* with pkt: payload bytes per wire segment */
};
/* Header + options (+ payload from snd) into a fresh buffer, checksum, IPv4
 * output.  For segments of no connection snd is NULL. */
int tcp_xmit(struct utcp_ctx *ctx, int port, uint32_t laddr, uint16_t lport, uint32_t raddr,
	     uint16_t rport, const struct tcp_out *o, const struct tcp_sndbuf *snd,
	     enum utcp_tx_class cls);
int tcp_send_syn(struct utcp_tcb *tp);      /* SYN or SYN-ACK by state */
int tcp_send_ack(struct utcp_tcb *tp);      /* pure ACK now */
int tcp_send_rst(struct utcp_tcb *tp);      /* RST for an open connection */
int tcp_send_keepalive(struct utcp_tcb *tp);
int tcp_send_probe(struct utcp_tcb *tp);    /* zero-window probe */
int tcp_retransmit_first(struct utcp_tcb *tp);
/* SACK loss recovery and RTO recovery: NextSeg() while cwnd - pipe allows. */
int tcp_output_recovery(struct utcp_tcb *tp);
/* RFC 8985 §7.3 loss probe: 0 new data sent, 1 resent, -1 nothing. */
int tcp_output_tlp(struct utcp_tcb *tp);
int tcp_output_tlp_resend(struct utcp_tcb *tp);
int tcp_output_recovery_probe(struct utcp_tcb *tp);
/* RST in reply to a segment with no connection (RFC 9293 §3.10.7.1). */
void tcp_respond_rst(struct utcp_ctx *ctx, uint32_t laddr, uint16_t lport, uint32_t raddr,
		     uint16_t rport, uint32_t seq, uint32_t ack, uint8_t flags);
uint32_t tcp_rcv_window(struct utcp_tcb *tp); /* window to advertise (bytes) */
uint32_t tcp_ts_now(const struct utcp_tcb *tp);

/* ---- internal: timers (tcp_timer.c) --------------------------------- */
void tcp_timers_init(struct utcp_tcb *tp);
void tcp_timers_cancel(struct utcp_tcb *tp);
void tcp_rexmt_arm(struct utcp_tcb *tp);     /* RTO with backoff */
void tcp_rexmt_stop(struct utcp_tcb *tp);
void tcp_persist_arm(struct utcp_tcb *tp);
void tcp_cork_arm(struct utcp_tcb *tp);      /* flush a corked tail later */
void tcp_delack_arm(struct utcp_tcb *tp);
void tcp_keep_arm(struct utcp_tcb *tp);      /* keepalive or idle timeout */
void tcp_rtt_sample(struct utcp_tcb *tp, utcp_time_t rtt);
utcp_time_t tcp_rto_backoff(const struct utcp_tcb *tp);

/* ---- internal: buffers (tcp_buf.c) ---------------------------------- */
uint32_t tcp_sndbuf_space(const struct tcp_sndbuf *b);
uint32_t tcp_sndbuf_append(struct tcp_sndbuf *b, const uint8_t *data, uint32_t len);
void tcp_sndbuf_copy(const struct tcp_sndbuf *b, uint32_t off, uint8_t *dst, uint32_t len);
void tcp_sndbuf_drop(struct tcp_sndbuf *b, uint32_t n);
/* Store [seq, seq + len) (inside the window); returns bytes newly in order
 * (rcv_nxt advanced), or UINT32_MAX if the out-of-order bound refused it. */
/* Text that may not be taken yet (a SYN's, RFC 9293 §3.10.7.3): written
 * at RCV.NXT but not readable; tcp_rcvbuf_unhold makes len of it readable
 * (and what out-of-order data it reaches) and returns how much that was. */
int tcp_rcvbuf_hold(struct utcp_tcb *tp, const uint8_t *data, uint32_t len);
uint32_t tcp_rcvbuf_unhold(struct utcp_tcb *tp, uint32_t len);
uint32_t tcp_rcvbuf_store(struct utcp_tcb *tp, uint32_t seq, const uint8_t *data, uint32_t len);
uint32_t tcp_rcvbuf_read(struct tcp_rcvbuf *b, const struct iovec *iov, int iovcnt, int peek);

/* ---- internal: zero-copy access to the rings (tcp_buf.c views, tcp_zc.c
 * the user calls): the receive ring's unread bytes and the send ring's
 * free room as at most two spans each, consumed or committed after. ---- */
uint32_t tcp_rcvbuf_view(const struct tcp_rcvbuf *b, struct iovec *iov, int iovcnt);
void tcp_rcvbuf_consume(struct tcp_rcvbuf *b, uint32_t n);
uint32_t tcp_sndbuf_free_view(const struct tcp_sndbuf *b, uint32_t room, struct iovec *iov,
			      int iovcnt);
void tcp_sndbuf_commit(struct tcp_sndbuf *b, uint32_t n);
uint32_t tcp_recv_zc(struct utcp_tcb *tp, struct iovec *iov, int iovcnt);
void tcp_recv_zc_done(struct utcp_tcb *tp, uint32_t n);
uint32_t tcp_send_zc_reserve(struct utcp_tcb *tp, struct iovec *iov, int iovcnt);
uint32_t tcp_send_zc_commit(struct utcp_tcb *tp, uint32_t n);

/* ---- internal: out-of-order ranges and SACK blocks (tcp_ooo.c) ------- */
/* Ranges kept for a receive ring of size bytes. */
uint32_t tcp_ooo_room(uint32_t size);
/* Record [start, end), above rcv_nxt, as held: 0, or -1 (nothing changed)
 * if it needs a new range and ooo_max are in use. */
int tcp_ooo_insert(struct tcp_rcvbuf *b, uint32_t start, uint32_t end);
/* In-order data moved RCV.NXT to rcv_nxt: the ranges it reaches join the
 * in-order data; returns the new RCV.NXT (past the last range joined). */
uint32_t tcp_ooo_advance(struct tcp_rcvbuf *b, uint32_t rcv_nxt);
/* The first range overlapping [start, end) (1, in *blk), or 0. */
int tcp_ooo_overlap(const struct tcp_rcvbuf *b, uint32_t start, uint32_t end,
		    struct tcp_sack_block *blk);
/* RFC 2018 §4 / RFC 2883 §4: at most max blocks for the next ACK: the range
 * holding *first if first is not NULL (a D-SACK's start), then the ranges
 * last reported first, the most recent first, then the lowest others. */
unsigned tcp_ooo_sack_blocks(const struct tcp_rcvbuf *b, const uint32_t *first,
			     struct tcp_sack_block *out, unsigned max);
/* The ranges' invariants; 0, or -1 with msg (tcp_check.c). */
int tcp_ooo_check(const struct utcp_tcb *tp, char *msg, size_t len);

/* ---- internal: sending user data (tcp_conn.c), used by core/api ------ */
struct tcp_conn_opts {
	uint32_t tflags;          /* TF_NODELAY | TF_KEEPALIVE | TF_REUSEADDR */
	uint16_t user_mss, keepidle, keepintvl;
	uint8_t keepcnt;
	uint32_t rcvbuf, sndbuf;
	const struct utcp_cc_ops *cc;
	uint8_t cork;             /* TCP_CORK: TCP_CORK_ON or 0 */
	uint8_t ip_tos;           /* IP_TOS */
	uint8_t ip_pmtudisc;      /* IP_MTU_DISCOVER + 1; 0: unset */
	uint32_t notsent_lowat;   /* TCP_NOTSENT_LOWAT; 0: none */
	uint32_t user_timeout;    /* TCP_USER_TIMEOUT, ms; 0: none */
	uint64_t max_pacing1;     /* SO_MAX_PACING_RATE + 1 (0: none set) */
	uint8_t fastopen;         /* TCP_FASTOPEN_CONNECT */
};
/* The options above that live in the TCB onto it (tcp_conn.c). */
void tcp_apply_sock_opts(struct utcp_tcb *tp, const struct tcp_conn_opts *o);
/* Active open (RFC 9293 §3.10.1).  lport 0: pick an ephemeral port.
 * Returns the TCB in SYN-SENT or NULL with errno. */
struct utcp_tcb *tcp_connect(struct utcp_ctx *ctx, const struct tcp_conn_opts *o, uint32_t laddr,
			     uint16_t lport, int port_owned, uint32_t raddr, uint16_t rport,
			     void *sock);
struct tcp_listener *tcp_listen(struct utcp_ctx *ctx, const struct tcp_conn_opts *o,
				uint32_t laddr, uint16_t lport, int backlog, void *sock);
void tcp_listen_close(struct tcp_listener *l);      /* resets its queued children */
void tcp_listen_free(struct utcp_ctx *ctx, struct tcp_listener *l); /* close + release */
struct utcp_tcb *tcp_accept(struct tcp_listener *l);
/* TCP Fast Open (tcp_fastopen.c).  tcp_connect: 1 if the SYN waits for
 * the first write (a cookie is cached); tcp_send_syn: the option (and the
 * data) of the SYN; SYN-SENT: the SYN-ACK's cookie and what it acked;
 * tcp_fastopen_write: the deferred SYN leaves with what was written. */
int tcp_fastopen_connect(struct utcp_tcb *tp);
void tcp_fastopen_syn(struct utcp_tcb *tp, struct tcp_out *o);
void tcp_fastopen_synack(struct utcp_tcb *tp, const struct tcp_seg *s);
size_t tcp_fastopen_write(struct utcp_tcb *tp, const struct iovec *iov, int iovcnt,
			  int nonblock);
/* Copy user data into the send buffer; returns bytes queued (may be 0). */
size_t tcp_send(struct utcp_tcb *tp, const struct iovec *iov, int iovcnt);
void tcp_send_queued(struct utcp_tcb *tp, uint32_t from);
/* RFC 1122 §4.2.3.3: after the user consumed received bytes. */
void tcp_window_update_check(struct utcp_tcb *tp);
size_t tcp_recv(struct utcp_tcb *tp, const struct iovec *iov, int iovcnt, int peek);
void tcp_shutdown_send(struct utcp_tcb *tp);      /* RFC 9293 §3.10.4 CLOSE, one side */
/* The user closed the socket: orphan the TCB (FIN, or RST if data was
 * left unread, RFC 1122 §4.2.2.13). */
void tcp_close(struct utcp_tcb *tp);
void tcp_abort(struct utcp_tcb *tp);               /* RFC 9293 §3.10.5 ABORT */
void tcp_set_rcvbuf(struct utcp_tcb *tp, uint32_t cap);
void tcp_set_sndbuf(struct utcp_tcb *tp, uint32_t cap);
uint32_t tcp_poll_events(const struct utcp_tcb *tp);
/* Bytes a write may queue now: the send buffer's space, and with
 * TCP_NOTSENT_LOWAT no more than brings the unsent bytes to it. */
uint32_t tcp_send_room(const struct utcp_tcb *tp);
/* SO_SNDBUF as read back: the ring's cap, or tcp_wmem's limit. */
uint32_t tcp_sndbuf_limit(const struct utcp_tcb *tp);
uint32_t tcp_clamp_buf(const struct utcp_pool *pool, int want);

/* RFC 5681 §2: FlightSize, data sent but not yet acknowledged. */
static inline uint32_t tcp_flight_size(const struct utcp_tcb *tp)
{
	return tp->snd_max - tp->snd_una;
}

static inline uint32_t tcp_readable(const struct utcp_tcb *tp)
{
	return tp->rcv.len;
}

/* ---- SYN cookies (tcp_syncookie.c, RFC 4987 §3.6) ---------------------- */
/* The SYN queue of l is full: answer SYN s with a cookie SYN-ACK. */
void tcp_syncookie_send(struct utcp_ctx *ctx, const struct tcp_listener *l,
			const struct tcp_seg *s);
/* An ACK s for listener l: if it carries a valid cookie, the connection it
 * completes, in SYN-RECEIVED with its SYN-ACK sent (the caller runs the
 * SYN-RECEIVED handler on s); else NULL, with *drop set when s was a valid
 * cookie that cannot be taken now (accept queue full: ignore it, the peer
 * retransmits) and clear when it was no cookie (answer with RST). */
struct utcp_tcb *tcp_syncookie_check(struct utcp_ctx *ctx, struct tcp_listener *l,
				     const struct tcp_seg *s, int *drop);
/* A SYN-RECEIVED TCB for SYN s on l, iss given (0: RFC 6528), nothing sent
 * (tcp_input.c). */
struct utcp_tcb *tcp_passive_tcb(struct utcp_ctx *ctx, struct tcp_listener *l,
				 const struct tcp_seg *s, uint32_t iss);

#endif
