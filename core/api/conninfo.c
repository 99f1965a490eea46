/*
 * core/api/conninfo.c - a context's TCP endpoints as snapshots
 * (struct utcp_conn_info, <utcp/conninfo.h>): the listing utcp-ss shows
 * and the sender-state trace.
 *
 * Call order: utcp_ctx_conns (any time, on the context's thread) walks the
 * listener table, the flow table, then the TIME-WAIT records; utcp_conn_addr writes a snapshot's
 * address as ss(8) does; utcp_ctx_set_trace installs
 * conn_trace as core/tcp's trace hook (tcp->trace), which core/tcp calls at
 * each ACK, state change and RTO (tcp_trace), and which fills a snapshot
 * and hands it to the user's callback.  Nothing here does I/O.  An IPv6
 * endpoint (tp->is6, a listener's TCP_LIS_V6) is AF_INET6 with its full
 * addresses in laddr6/raddr6.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <utcp/conninfo.h>

#include "core/tcp/tcp.h"

static void conn_fill(const struct utcp_tcb *tp, struct utcp_conn_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->laddr = tp->laddr;
	ci->raddr = tp->raddr;
	ci->lport = tp->lport;
	ci->rport = tp->rport;
	ci->state = tp->state < TCPS_NSTATES ? tcp_state_names[tp->state] : "?";
	ci->send_q = tp->snd.len;
	ci->recv_q = tp->rcv.len;
	ci->mss = tp->mss;
	ci->cwnd = tp->cwnd;
	ci->ssthresh = tp->ssthresh;
	ci->flight = tcp_flight_size(tp);
	ci->pipe = (tp->flags & TF_SACK) ? tcp_sack_pipe(tp) : ci->flight;
	ci->snd_wnd = tp->snd_wnd;
	ci->rcv_wnd = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	ci->srtt = tp->srtt;
	ci->rttvar = tp->rttvar;
	ci->rto = tp->rto;
	ci->retrans = tp->total_retrans;
	ci->backoff = tp->rxtshift;
	ci->recovery = (tp->flags & (TF_RECOVERY | TF_LOSS)) != 0 || tp->rxtshift > 0;
	ci->cc = tp->cc != NULL ? tp->cc->name : "";
	ci->snd_una = tp->snd_una;
	ci->snd_nxt = tp->snd_nxt;
	ci->snd_max = tp->snd_max;
	ci->rcv_nxt = tp->rcv_nxt;
	ci->family = tp->is6 ? AF_INET6 : AF_INET;
	if (tp->is6) {
		memcpy(ci->laddr6, tp->a6.laddr.b, 16);
		memcpy(ci->raddr6, tp->a6.raddr.b, 16);
	}
}

/* A TIME-WAIT record (core/tcp/tcp_timewait.c): its addresses and sequence
 * numbers; what it no longer keeps (RTT, window, congestion state) is 0. */
static void tw_fill(const struct utcp_tcp_ctx *t, uint32_t i, struct utcp_conn_info *ci)
{
	const struct tcp_tw *w = tcp_tw_rec(t, i);
	memset(ci, 0, sizeof(*ci));
	ci->laddr = w->laddr;
	ci->raddr = w->raddr;
	ci->lport = w->lport;
	ci->rport = w->rport;
	ci->state = tcp_state_names[TCPS_TIME_WAIT];
	ci->rcv_wnd = w->rcv_wnd;
	ci->cc = "";
	ci->snd_una = ci->snd_nxt = ci->snd_max = w->snd_nxt;
	ci->rcv_nxt = w->rcv_nxt;
	ci->family = (w->flags & TW_IS6) ? AF_INET6 : AF_INET;
	if (w->flags & TW_IS6) {
		memcpy(ci->laddr6, t->twr6[i - 1].laddr.b, 16);
		memcpy(ci->raddr6, t->twr6[i - 1].raddr.b, 16);
	}
}

static void listener_fill(const struct tcp_listener *l, struct utcp_conn_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->laddr = l->laddr;
	ci->lport = l->lport;
	ci->state = tcp_state_names[TCPS_LISTEN];
	ci->send_q = (uint32_t)l->backlog; /* as ss: a listener's Send-Q is its backlog */
	ci->recv_q = l->naccept;
	ci->cc = l->cc != NULL ? l->cc->name : "";
	ci->family = (l->fam & TCP_LIS_V6) ? AF_INET6 : AF_INET;
	if (l->fam & TCP_LIS_V6)
		memcpy(ci->laddr6, l->laddr6.b, 16);
}

int utcp_ctx_conns(struct utcp_ctx *ctx, void (*fn)(void *arg, const struct utcp_conn_info *ci),
		   void *arg)
{
	const struct utcp_tcp_ctx *t = ctx->tcp;
	struct utcp_conn_info ci;
	int n = 0;

	if (t == NULL)
		return 0;
	for (uint32_t i = 0; i <= t->lis_mask; i++)
		for (const struct tcp_listener *l = t->lis_hash[i]; l != NULL; l = l->next, n++) {
			listener_fill(l, &ci);
			fn(arg, &ci);
		}
	for (uint32_t i = 0; i <= t->flow_mask; i++)
		for (const struct utcp_tcb *tp = t->flows[i]; tp != NULL; tp = tp->hnext, n++) {
			conn_fill(tp, &ci);
			fn(arg, &ci);
		}
	for (uint32_t i = t->twr_head; i != 0; i = tcp_tw_rec(t, i)->next, n++) {
		tw_fill(t, i, &ci);
		fn(arg, &ci);
	}
	return n;
}

/* core/tcp's trace hook: a snapshot for the user's callback. */
static void conn_trace(struct utcp_tcb *tp, enum utcp_trace_event ev)
{
	const struct utcp_tcp_ctx *t = tp->ctx->tcp;
	struct utcp_conn_info ci;

	conn_fill(tp, &ci);
	t->trace_fn(t->trace_arg, tp->ctx->now, ev, &ci);
}

void utcp_ctx_set_trace(struct utcp_ctx *ctx, utcp_trace_fn fn, void *arg)
{
	struct utcp_tcp_ctx *t = ctx->tcp;

	if (t == NULL)
		return;
	t->trace_fn = fn;
	t->trace_arg = arg;
	t->trace = fn != NULL ? conn_trace : NULL;
}

const char *utcp_conn_addr(const struct utcp_conn_info *ci, int local, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned port = ntohs(local ? ci->lport : ci->rport);

	if (ci->family == AF_INET6) {
		inet_ntop(AF_INET6, local ? ci->laddr6 : ci->raddr6, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		inet_ntop(AF_INET, local ? &ci->laddr : &ci->raddr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, port);
	}
	return buf;
}

const char *utcp_trace_event_name(enum utcp_trace_event ev)
{
	static const char *const names[] = {
		[UTCP_TRACE_ACK] = "ack", [UTCP_TRACE_STATE] = "state", [UTCP_TRACE_RTO] = "rto",
	};
	if ((unsigned)ev >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[ev];
}
