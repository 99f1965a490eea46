/*
 * core/api/tcpinfo.c - getsockopt(TCP_INFO): a connection's state in
 * Linux's struct tcp_info layout (<netinet/tcp.h>), so that programs and
 * tools written for Linux read it unchanged.
 *
 * Call order: utcp_getsockopt(IPPROTO_TCP, TCP_INFO) -> sock_tcp_info.
 * As on Linux, the caller gets min(*optlen, sizeof(struct tcp_info)) bytes
 * and *optlen says how many; a socket without a connection reads as CLOSE
 * (or LISTEN).  Fields utcp does not keep (ato, fackets, rcv_rtt,
 * last_ack_sent) are 0; counts Linux gives in packets are bytes / MSS.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

#include "core/api/sock.h"

/* Linux's numbering of the states (include/net/tcp_states.h). */
static uint8_t linux_state(const struct utcp_sock *so)
{
	static const uint8_t map[TCPS_NSTATES] = {
		[TCPS_CLOSED] = 7,      [TCPS_LISTEN] = 10,    [TCPS_SYN_SENT] = 2,
		[TCPS_SYN_RECEIVED] = 3, [TCPS_ESTABLISHED] = 1, [TCPS_FIN_WAIT_1] = 4,
		[TCPS_FIN_WAIT_2] = 5,  [TCPS_CLOSE_WAIT] = 8, [TCPS_CLOSING] = 11,
		[TCPS_LAST_ACK] = 9,    [TCPS_TIME_WAIT] = 6,
	};
	if (so->state == SS_LISTENING)
		return 10;
	return so->tcb != NULL ? map[so->tcb->state] : 7;
}

static uint32_t us(utcp_time_t ns)
{
	utcp_time_t v = ns / UTCP_NSEC_PER_USEC;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint32_t ms_since(const struct utcp_tcb *tp, utcp_time_t t)
{
	if (t == 0 || t > tp->ctx->now)
		return 0;
	utcp_time_t v = (tp->ctx->now - t) / UTCP_NSEC_PER_MSEC;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Linux's ca_state: 0 open, 1 disorder, 3 recovery, 4 loss. */
static uint8_t ca_state(const struct utcp_tcb *tp)
{
	if (tp->flags & TF_LOSS)
		return 4;
	if (tp->flags & TF_RECOVERY)
		return 3;
	return tp->dupacks > 0 || tp->sb.sacked > 0 ? 1 : 0;
}

static void fill_tcb(const struct utcp_tcb *tp, struct tcp_info *ti)
{
	uint32_t mss = tp->mss - ((tp->flags & TF_TS) ? 12 : 0); /* Linux's mss_cache */
	if (mss == 0)
		mss = 1;
	ti->tcpi_ca_state = ca_state(tp);
	ti->tcpi_retransmits = tp->rxtshift;
	ti->tcpi_backoff = tp->rxtshift;
	ti->tcpi_options = (uint8_t)(((tp->flags & TF_TS) ? TCPI_OPT_TIMESTAMPS : 0) |
				     ((tp->flags & TF_SACK) ? TCPI_OPT_SACK : 0) |
				     ((tp->flags & TF_RCV_WSCALE) ? TCPI_OPT_WSCALE : 0));
	if (tp->flags & TF_RCV_WSCALE) {
		ti->tcpi_snd_wscale = tp->snd_wscale & 0xf;
		ti->tcpi_rcv_wscale = tp->rcv_wscale & 0xf;
	}
	ti->tcpi_rto = us(tcp_rto_backoff(tp));
	ti->tcpi_snd_mss = mss;
	ti->tcpi_rcv_mss = tp->rcv_mss ? tp->rcv_mss : TCP_DEFAULT_MSS;
	ti->tcpi_unacked = (tcp_flight_size(tp) + mss - 1) / mss;
	ti->tcpi_sacked = tp->sb.sacked / mss;
	ti->tcpi_lost = tcp_rack_lost_pipe(tp, tp->snd_una, tp->snd_una) / mss;
	ti->tcpi_last_data_sent = ms_since(tp, tp->last_snd);
	ti->tcpi_last_data_recv = ms_since(tp, tp->last_rcv);
	ti->tcpi_last_ack_recv = ms_since(tp, tp->last_rcv);
	ti->tcpi_pmtu = (uint32_t)tcp_route_mss(tp->ctx, tp->port) + UTCP_IPV4_HLEN + TCP_HLEN;
	ti->tcpi_rcv_ssthresh = tp->rcv_wnd;
	ti->tcpi_rtt = us(tp->srtt);
	ti->tcpi_rttvar = us(tp->rttvar);
	ti->tcpi_snd_ssthresh = tp->ssthresh >= 0x7fffffff ? 0x7fffffff : tp->ssthresh / mss;
	ti->tcpi_snd_cwnd = tp->cwnd / mss;
	ti->tcpi_advmss = tp->our_mss;
	ti->tcpi_reordering = TCP_DUPTHRESH;
	ti->tcpi_rcv_space = tp->rcv.cap;
	ti->tcpi_total_retrans = tp->total_retrans;
}

int sock_tcp_info(struct utcp_sock *so, void *val, socklen_t *len)
{
	struct tcp_info ti;
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = linux_state(so);
	if (so->tcb != NULL && so->tcb->state != TCPS_CLOSED)
		fill_tcb(so->tcb, &ti);
	socklen_t n = *len < sizeof(ti) ? *len : (socklen_t)sizeof(ti);
	memcpy(val, &ti, n);
	*len = n;
	return 0;
}
