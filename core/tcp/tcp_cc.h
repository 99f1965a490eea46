/*
 * core/tcp/tcp_cc.h - what a congestion control module sees, after
 * FreeBSD's struct cc_var: the few numbers it reads and the two it sets,
 * and its private state.  A module (cc_newreno.c, cc_cubic.c) includes
 * this header only; it never sees the TCB.
 *
 * Call order: tcp_cc.c, the adapter, fills a struct tcp_cc_var from the
 * TCB, calls the module's hook and writes cwnd, ssthresh and bytes_acked
 * back (and counts hystart_exits); see tcp_cc.c for when each hook runs.
 * Every value is a copy taken at the call: a module changes the connection
 * only through cwnd, ssthresh, bytes_acked and its private state.
 */
#ifndef UTCP_CORE_TCP_CC_H
#define UTCP_CORE_TCP_CC_H

#include <stdint.h>
#include <utcp/nic.h> /* utcp_time_t */

#define TCP_CC_PRIV_WORDS 10 /* a module's private state, in uint64_t */

struct tcp_cc_var {
	/* read and written back */
	uint32_t cwnd, ssthresh;        /* bytes (RFC 5681 §2) */
	uint32_t bytes_acked;           /* bytes counted toward the next cwnd step (RFC 3465) */
	uint32_t hystart_exits;         /* out: slow starts ended on RTT increase (RFC 9406) */
	/* read only */
	uint32_t mss;                   /* SMSS */
	uint32_t ss_max;                /* slow start: cwnd grows at most this per ACK
					   (RFC 3465 §2.2: L * SMSS) */
	uint32_t flight;                /* FlightSize (RFC 5681 §2) */
	uint8_t md_cwnd;                /* tcp_cubic_md_cwnd: CUBIC reduces from cwnd */
	uint32_t snd_una, snd_max;      /* where the ACKs and the sender are: RTT rounds */
	utcp_time_t srtt;               /* smoothed RTT (RFC 6298), ns; 0 before a sample */
	utcp_time_t now;                /* the context's time, ns */
	void *priv;                     /* TCP_CC_PRIV_WORDS words, the module's own */
};

/* A module: every hook but on_rtt is required. */
struct tcp_cc_algo {
	/* New connection: cwnd = iw (RFC 6928), ssthresh = "arbitrarily high"
	 * (RFC 5681 §3.1). */
	void (*init)(struct tcp_cc_var *v, uint32_t iw);
	/* `acked` new bytes were acknowledged outside loss recovery. */
	void (*on_ack)(struct tcp_cc_var *v, uint32_t acked);
	/* Loss detected by duplicate ACKs or SACK: ssthresh (and cwnd) for recovery. */
	void (*on_loss)(struct tcp_cc_var *v);
	/* Fast recovery ended by a full ACK (RFC 6582 §3.2 step 3). */
	void (*on_recovery_end)(struct tcp_cc_var *v);
	/* An RTT measurement (ns); may be NULL.  It sees cwnd, ssthresh,
	 * bytes_acked, mss, srtt, now and priv; ss_max, flight, md_cwnd,
	 * snd_una and snd_max read 0 (the per-ACK figures of on_ack). */
	void (*on_rtt)(struct tcp_cc_var *v, utcp_time_t rtt);
	/* Retransmission timeout (RFC 5681 §3.1 eq. 4, cwnd = LW). */
	void (*on_rto)(struct tcp_cc_var *v);
	/* Sending after an idle period longer than the RTO: cwnd at most the
	 * restart window rw (RFC 5681 §4.1). */
	void (*after_idle)(struct tcp_cc_var *v, uint32_t rw);
};
extern const struct tcp_cc_algo tcp_cc_algo_newreno;
extern const struct tcp_cc_algo tcp_cc_algo_cubic;

/* Slow-start exit on RTT increase after HyStart++ (RFC 9406 §4.2), shared
 * by the modules (cc_hystart.c); each keeps one in its private state. */
struct tcp_hystart {
	utcp_time_t cur_min, last_min;  /* min RTT of this and the last round */
	uint32_t round_end;             /* the round ends when snd_una passes it */
	uint32_t samples;               /* RTT samples in this round */
};
void tcp_hystart_reset(const struct tcp_cc_var *v, struct tcp_hystart *hs);
void tcp_hystart_rtt(const struct tcp_cc_var *v, struct tcp_hystart *hs, utcp_time_t rtt);
void tcp_hystart_ack(struct tcp_cc_var *v, struct tcp_hystart *hs); /* in slow start */

#endif
