/*
 * core/tcp/tcp_cc.c - the congestion control interface: the module table
 * (cc_newreno.c, cc_cubic.c), the initial window and FlightSize.
 *
 * Call order: tcp_init_cc_and_rtt -> cc->init; ACK processing -> on_ack
 * (new data acked, outside recovery) | on_loss (recovery entry) |
 * on_recovery_end (full ACK, non-SACK NewReno recovery); every RTT
 * measurement -> on_rtt; RTO -> on_rto; output after idle -> after_idle.
 * The loss-recovery mechanics (which segment to resend, NewReno's window
 * inflation and deflation (RFC 6582), PRR's cwnd during SACK recovery
 * (RFC 6937, tcp_sack.c)) live in tcp_input.c and tcp_output.c; a module
 * decides ssthresh, and cwnd outside recovery.
 */
#include <string.h>

#include "core/tcp/tcp.h"

/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)); RFC 5681 §3.1: one
 * segment if the SYN or SYN-ACK had to be retransmitted. */
uint32_t tcp_initial_window(const struct utcp_tcb *tp)
{
	uint32_t mss = tp->mss;
	if (tp->flags & TF_SYN_REXMT)
		return mss;
	uint32_t iw = 2 * mss > 14600 ? 2 * mss : 14600;
	return iw < 10 * mss ? iw : 10 * mss;
}

/* RFC 5681 §2: FlightSize, data sent but not yet acknowledged. */
uint32_t tcp_flight_size(const struct utcp_tcb *tp)
{
	return tp->snd_max - tp->snd_una;
}

static const struct utcp_cc_ops *const tcp_cc_modules[] = {
	&tcp_cc_newreno,
	&tcp_cc_cubic,
};

/* The module called `name` ("reno" is NewReno; "" the default), or NULL. */
const struct utcp_cc_ops *tcp_cc_find(const char *name)
{
	if (name == NULL || name[0] == '\0' || strcmp(name, "reno") == 0)
		return &tcp_cc_newreno;
	for (size_t i = 0; i < sizeof(tcp_cc_modules) / sizeof(tcp_cc_modules[0]); i++)
		if (strcmp(tcp_cc_modules[i]->name, name) == 0)
			return tcp_cc_modules[i];
	return NULL;
}
