/*
 * sim/replay_int.h - state shared by the replay engine (replay.c, the
 * recorded side on a NIC of its own) and the run and its built-in
 * application (replay_run.c, the side utcp plays).
 */
#ifndef UTCP_NIC_SIM_REPLAY_INT_H
#define UTCP_NIC_SIM_REPLAY_INT_H

#include "sim/replay.h"

#define RP_RTO_INIT (300 * UTCP_NSEC_PER_MSEC)
#define RP_RTO_MAX (10 * UTCP_NSEC_PER_SEC)
#define RP_DELACK (200 * UTCP_NSEC_PER_MSEC)

struct rp {
	const struct replay_trace *t;
	const struct replay_opts *o;
	struct replay_obs *obs;
	int P, R;                    /* side replayed, side utcp plays */
	struct utcp_nic *nic;        /* the replayer's NIC */
	uint8_t mac[2][6];           /* by side */
	uint32_t ip[2];              /* simulated addresses, network order, by side */
	int v6;                      /* the trace is IPv6: ip6 are the addresses */
	struct utcp_in6 ip6[2];
	uint16_t port[2];

	/* the recorded side's segments, in trace order */
	int *pseg, npseg, next;
	uint32_t *need_hw;           /* utcp must have sent this far (no-ACK segments) */
	uint32_t *need_una;          /* REACT: utcp must have acknowledged this far */
	uint8_t *has_need_una;
	utcp_time_t last_send;       /* virtual time the previous one left */

	/* utcp's side, in the recorded space of side R */
	int have_isn;
	uint32_t utcp_isn;           /* utcp's real ISN */
	uint32_t rcv_nxt;            /* in order received from utcp */
	int u_ws, u_ts, u_sack;      /* options of utcp's SYN */
	uint8_t u_wscale;
	uint32_t u_una;              /* utcp's highest ACK, in P's space */
	uint32_t u_edge;             /* right edge of utcp's window, P's space */
	int have_edge;
	uint32_t ts_recent;          /* utcp's latest TSval */
	int have_tsr;

	/* the replayer's own side, P's space */
	uint32_t snd_max;
	uint32_t last_ack;           /* recorded space of R */
	int have_last_ack;
	uint16_t last_win;
	uint32_t last_tsval;
	uint32_t right_edge;         /* furthest edge offered to utcp (R space) */
	int have_right;
	int established;             /* both SYNs seen */
	int reset;                   /* a RST went either way */
	utcp_time_t rto, rto_at, dack_at;

	/* counters (observations) */
	uint64_t p_syn, p_fin, p_rst;     /* recorded SYN, FIN, RST sent */
	int fins_before_rst;              /* both FINs went before the first RST */
	uint64_t rst_answers;             /* RSTs sent after ours */
	uint64_t tx, tx_rexmit, tx_gen_ack, rx, rx_ignored;
	uint64_t u_data_segs, u_rexmit, u_probes, u_rst, u_fin, u_syn, u_ooo;
	uint64_t u_ts_unneg, u_sack_unneg, u_sack_segs;
	uint64_t v_window, v_ack, v_stream, v_cksum;
	char u_synopts[64];
};

int rp_init(struct rp *rp, const struct replay_trace *t, const struct replay_opts *o,
	    struct replay_obs *obs);
void rp_free(struct rp *rp);
/* The replayer host's step callback. */
void rp_step(struct utcp_sim_host *h, void *arg, utcp_time_t now);
/* All recorded segments sent (or a RST ended it) and nothing unacknowledged. */
int rp_done(const struct rp *rp);
/* Bytes of utcp's stream received in order by the replayer. */
uint32_t rp_peer_received(const struct rp *rp);
/* Counters into the observations. */
void rp_observe(const struct rp *rp, struct replay_obs *obs);

#endif
