/*
 * core/tcp/tcp_conn.c - connection life cycle and the user calls of
 * RFC 9293 §3.10 (OPEN, SEND, RECEIVE, CLOSE, ABORT) used by core/api.
 *
 * Call order: tcp_connect | (listener SYN -> tcp_input) -> tcp_established
 * -> tcp_send / tcp_recv ... -> tcp_shutdown_send / tcp_close / tcp_abort
 * -> (FIN handshake in tcp_input) -> tcp_enter_time_wait -> tcp_drop (an
 * orphan's TIME-WAIT: tcp_tw_take, a record, tcp_timewait.c).
 *
 * A TCB with a socket stays allocated after it reaches CLOSED so that the
 * user can read what is left and collect the error; an orphan (socket
 * closed, or never accepted) is freed as soon as it reaches CLOSED.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "core/tcp/tcp.h"

const char *const tcp_state_names[TCPS_NSTATES] = {
	"CLOSED",      "LISTEN",     "SYN-SENT",   "SYN-RECEIVED",
	"ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",
	"CLOSING",     "LAST-ACK",   "TIME-WAIT",
};

/* RFC 9293 §3.3.2 Figure 5 (plus simultaneous open and close). */
static int tcp_transition_legal(enum tcp_state from, enum tcp_state to)
{
	static const uint16_t next[TCPS_NSTATES] = {
		[TCPS_CLOSED] = 1u << TCPS_SYN_SENT | 1u << TCPS_SYN_RECEIVED,
		[TCPS_SYN_SENT] = 1u << TCPS_SYN_RECEIVED | 1u << TCPS_ESTABLISHED,
		[TCPS_SYN_RECEIVED] = 1u << TCPS_ESTABLISHED | 1u << TCPS_FIN_WAIT_1 |
				      1u << TCPS_CLOSE_WAIT,
		[TCPS_ESTABLISHED] = 1u << TCPS_FIN_WAIT_1 | 1u << TCPS_CLOSE_WAIT,
		[TCPS_FIN_WAIT_1] = 1u << TCPS_FIN_WAIT_2 | 1u << TCPS_CLOSING |
				    1u << TCPS_TIME_WAIT,
		[TCPS_FIN_WAIT_2] = 1u << TCPS_TIME_WAIT,
		[TCPS_CLOSE_WAIT] = 1u << TCPS_LAST_ACK,
		[TCPS_CLOSING] = 1u << TCPS_TIME_WAIT,
	};
	return to == TCPS_CLOSED || (next[from] & (1u << to)) != 0;
}

void tcp_set_state(struct utcp_tcb *tp, enum tcp_state st)
{
	if (!tcp_transition_legal(tp->state, st))
		tp->ctx->stats.tcp_illegal_transitions++;
	tp->state = (uint8_t)st;
	tcp_trace(tp, UTCP_TRACE_STATE);
}

void tcp_notify(struct utcp_tcb *tp, uint32_t events)
{
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (tp->sock != NULL && t->notify != NULL)
		t->notify(tp->ctx, tp->sock, events);
}

uint16_t tcp_route_mss(struct utcp_ctx *ctx, int port)
{
	uint16_t mtu = ctx_nic(ctx, port)->caps.mtu;
	if (mtu == 0)
		mtu = 1500;
	return (uint16_t)(mtu - UTCP_IPV4_HLEN - TCP_HLEN); /* RFC 9293 §3.7.1 */
}

/* RFC 7323 §2.3: the smallest shift that lets the whole buffer be offered,
 * or tcp_wscale's (Linux's shift follows tcp_rmem's maximum, not the
 * socket's buffer). */
uint8_t tcp_wscale_for(const struct utcp_ctx *ctx, uint32_t bufsize)
{
	if (ctx->tcp->wscale > 0)
		return ctx->tcp->wscale;
	uint8_t s = 0;
	while (s < TCP_MAX_WSCALE && (bufsize >> s) > 65535)
		s++;
	return s;
}

struct utcp_tcb *tcp_tcb_new(struct utcp_ctx *ctx, int port, uint32_t laddr, uint16_t lport,
			     uint32_t raddr, uint16_t rport)
{
	struct utcp_tcb *tp = tcp_tcb_alloc(ctx);
	if (tp == NULL)
		return NULL;
	tp->port = port;
	tp->laddr = laddr;
	tp->lport = lport;
	tp->raddr = raddr;
	tp->rport = rport;
	tp->state = TCPS_CLOSED;
	tp->rto = TCP_RTO_INIT;
	tp->mss = TCP_DEFAULT_MSS;
	tp->our_mss = tcp_route_mss(ctx, port);
	tp->ts_offset = tcp_ts_offset(ctx, laddr, raddr); /* RFC 7323 §5.4, RFC 6191 §3 */
	tp->ts_rtx = tcp_ts_now(tp);
	tp->keepidle = TCP_KEEPIDLE_DEFAULT;
	tp->keepintvl = TCP_KEEPINTVL_DEFAULT;
	tp->keepcnt = TCP_KEEPCNT_DEFAULT;
	tp->cc = ctx->tcp->cc;
	tp->pacing = ctx->tcp->pacing;
	tp->max_pacing_rate = UINT64_MAX;
	tp->last_rcv = ctx->now;
	/* A connection younger than an ARP retry interval confirms nothing:
	 * short ones cost no lookup (their next hop is probed now and then). */
	tp->nh_recheck = ctx->now + UTCP_ARP_RETRY_NS;
	tcp_timers_init(tp);
	return tp;
}

static void tcp_apply_opts(struct utcp_tcb *tp, const struct tcp_conn_opts *o)
{
	tp->flags |= o->tflags & (TF_NODELAY | TF_KEEPALIVE | TF_REUSEADDR);
	tp->user_mss = o->user_mss;
	if (o->keepidle)
		tp->keepidle = o->keepidle;
	if (o->keepintvl)
		tp->keepintvl = o->keepintvl;
	if (o->keepcnt)
		tp->keepcnt = o->keepcnt;
	if (o->cc != NULL)
		tp->cc = o->cc;
	if (tp->user_mss != 0 && tp->user_mss < tp->our_mss)
		tp->our_mss = tp->user_mss;
	tcp_apply_sock_opts(tp, o);
}

void tcp_apply_sock_opts(struct utcp_tcb *tp, const struct tcp_conn_opts *o)
{
	tp->cork = (uint8_t)((tp->cork & ~TCP_CORK_ON) | o->cork);
	tp->notsent_lowat = o->notsent_lowat;
	tp->user_timeout = o->user_timeout;
	tp->ip_tos = o->ip_tos;
	tp->ip_pmtudisc = o->ip_pmtudisc;
	if (o->max_pacing1 != 0)
		tcp_pace_set_max(tp, o->max_pacing1 - 1);
}

static void tcp_take_port(struct utcp_tcb *tp, int eph)
{
	tcp_port_ref(tp->ctx, tp->lport, tp->flags & TF_REUSEADDR, eph);
	tp->flags |= TF_PORT_REF | (eph ? TF_EPHEMERAL : 0);
}

/* RFC 9293 §3.10.1 OPEN (active) on the route's port, either family (a6
 * not NULL: IPv6, laddr and raddr its keys): pick the ISS, send the SYN,
 * SYN-SENT. */
static struct utcp_tcb *tcp_open(struct utcp_ctx *ctx, const struct tcp_conn_opts *o, int port,
				 uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
				 const struct tcp_addr6 *a6, void *sock)
{
	int eph = lport == 0;
	if (eph && (lport = tcp_ephemeral_port(ctx, port, laddr, raddr, rport, a6)) == 0) {
		errno = EADDRNOTAVAIL;
		return NULL;
	}
	if (!eph && ((a6 != NULL ? tcp_flow_lookup6(ctx, a6, laddr, lport, raddr, rport)
				 : tcp_flow_lookup(ctx, laddr, lport, raddr, rport)) != NULL ||
		     tcp_tw_holds(ctx, a6, laddr, lport, raddr, rport))) {
		errno = EADDRNOTAVAIL;
		return NULL;
	}
	struct utcp_tcb *tp = tcp_tcb_new(ctx, port, laddr, lport, raddr, rport);
	if (tp == NULL) {
		errno = ENOBUFS;
		return NULL;
	}
	if (a6 != NULL)
		tcp_tcb_set6(tp, a6);
	tcp_bufs_defer(tp, o->rcvbuf, o->sndbuf); /* rings when data needs them */
	tcp_apply_opts(tp, o);
	tp->sock = sock;
	tp->rcv_wscale = tcp_wscale_for(ctx, tp->rcv.size);
	tp->iss = tcp_isn(ctx, laddr, lport, raddr, rport);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->snd_sml = tp->snd_push = tp->iss;
	tp->recover = tp->iss;
	tcp_set_state(tp, TCPS_SYN_SENT);
	tcp_flow_insert(tp);
	tcp_take_port(tp, eph);
	tp->rtt_start = ctx->now;
	ctx->stats.tcp_active_opens++;
	if (o->fastopen && tcp_fastopen_connect(tp))
		return tp; /* RFC 7413: the SYN waits for the first write's data */
	tcp_send_syn(tp);
	return tp;
}

struct utcp_tcb *tcp_connect(struct utcp_ctx *ctx, const struct tcp_conn_opts *o, uint32_t laddr,
			     uint16_t lport, int port_owned, uint32_t raddr, uint16_t rport,
			     void *sock)
{
	int port;
	uint32_t nexthop;
	(void)port_owned;
	if (utcp_route_lookup(ctx->cfg, raddr, &port, &nexthop) < 0) {
		errno = ENETUNREACH;
		return NULL;
	}
	if (laddr == 0)
		laddr = ctx->cfg->ports[port].ip;
	return tcp_open(ctx, o, port, laddr, lport, raddr, rport, NULL, sock);
}

/* The same over IPv6: the route6 port, and the source address RFC 6724
 * gives for raddr there (utcp_addr6_source) unless bound to one. */
struct utcp_tcb *tcp_connect6(struct utcp_ctx *ctx, const struct tcp_conn_opts *o,
			      const struct utcp_in6 *laddr, uint16_t lport, int port_owned,
			      const struct utcp_in6 *raddr, uint16_t rport, void *sock)
{
	int port;
	struct tcp_addr6 a6 = { .raddr = *raddr };
	(void)port_owned;
	if (utcp_in6_is_unspec(raddr) || utcp_in6_is_multicast(raddr) ||
	    utcp_route6_lookup(ctx->cfg, raddr, &port, &a6.laddr) < 0) {
		errno = ENETUNREACH;
		return NULL;
	}
	if (laddr != NULL && !utcp_in6_is_unspec(laddr)) {
		a6.laddr = *laddr;
	} else {
		const struct utcp_in6 *src = utcp_addr6_source(ctx, port, raddr);
		if (src == NULL) {
			errno = EADDRNOTAVAIL; /* tentative (DAD) or duplicate */
			return NULL;
		}
		a6.laddr = *src;
	}
	return tcp_open(ctx, o, port, tcp_addr6_key(ctx, &a6.laddr), lport,
			tcp_addr6_key(ctx, raddr), rport, &a6, sock);
}

/* Round-trip and congestion state once the handshake is done. */
void tcp_init_cc_and_rtt(struct utcp_tcb *tp)
{
	tp->cc->init(tp);
	tcp_sack_reset(tp);
	/* RFC 6298 §5.7: a lost SYN and no measurement: RTO = 3 s. */
	if ((tp->flags & TF_SYN_REXMT) && !(tp->flags & TF_HAVE_RTT))
		tp->rto = 3 * UTCP_NSEC_PER_SEC;
	tp->rxtshift = 0;
}

static void tcp_listener_unlink_tcb(struct utcp_tcb *tp)
{
	struct tcp_listener *l = tp->listener;
	if (l == NULL)
		return;
	if (!(tp->flags & TF_ACCEPTQ)) {
		if (tp->qprev != NULL)
			tp->qprev->qnext = tp->qnext;
		else
			l->syn_head = tp->qnext;
		if (tp->qnext != NULL)
			tp->qnext->qprev = tp->qprev;
		l->nsyn--;
	} else {
		if (tp->qprev != NULL)
			tp->qprev->qnext = tp->qnext;
		else
			l->acc_head = tp->qnext;
		if (tp->qnext != NULL)
			tp->qnext->qprev = tp->qprev;
		else
			l->acc_tail = tp->qprev;
		l->naccept--;
	}
	tp->flags &= ~TF_ACCEPTQ;
	tp->listener = NULL;
	tp->qnext = tp->qprev = NULL;
}

/* Passive side: the SYN queue entry joins the accept queue. */
static void tcp_listener_complete(struct utcp_tcb *tp)
{
	struct tcp_listener *l = tp->listener;
	tcp_listener_unlink_tcb(tp);
	tp->listener = l;
	tp->qnext = NULL;
	tp->qprev = l->acc_tail;
	if (l->acc_tail != NULL)
		l->acc_tail->qnext = tp;
	else
		l->acc_head = tp;
	l->acc_tail = tp;
	l->naccept++;
	tp->flags |= TF_ACCEPTQ;
	struct utcp_tcp_ctx *t = tp->ctx->tcp;
	if (l->sock != NULL && t->notify != NULL)
		t->notify(tp->ctx, l->sock, EPOLLIN);
}

void tcp_established(struct utcp_tcb *tp)
{
	tcp_set_state(tp, TCPS_ESTABLISHED);
	tcp_init_cc_and_rtt(tp);
	tp->quickack = (uint8_t)tp->ctx->cfg->tcp_quickack; /* Linux's quick-ACK start */
	tcp_rexmt_stop(tp);
	tp->last_rcv = tp->ctx->now;
	tcp_keep_arm(tp);
	if (tp->flags & TF_PASSIVE)
		tcp_bufs_attach(tp); /* a zero window offered: open it if a ring can be had */
	tcp_sndmem_init(tp); /* tcp_wmem */
	if (tp->flags & TF_PASSIVE)
		tcp_listener_complete(tp);
	else
		tcp_notify(tp, EPOLLOUT);
}

struct utcp_tcb *tcp_accept(struct tcp_listener *l)
{
	struct utcp_tcb *tp = l->acc_head;
	if (tp == NULL)
		return NULL;
	tcp_listener_unlink_tcb(tp);
	return tp;
}

/* RFC 9293 §3.10.7.4: the connection is closed; the TCB leaves every table. */
void tcp_drop(struct utcp_tcb *tp, int err)
{
	struct utcp_ctx *ctx = tp->ctx;
	tcp_timers_cancel(tp);
	tcp_output_unschedule(tp);
	tcp_flow_remove(tp);
	if (tp->state == TCPS_TIME_WAIT)
		tcp_timewait_unlink(tp);
	tcp_listener_unlink_tcb(tp);
	if (tp->flags & TF_PORT_REF) {
		tcp_port_unref(ctx, tp->lport, tp->flags & TF_REUSEADDR, tp->flags & TF_EPHEMERAL);
		tp->flags &= ~TF_PORT_REF;
	}
	tcp_set_state(tp, TCPS_CLOSED);
	if (err != 0)
		tp->so_error = err;
	tp->snd.len = 0; /* RFC 9293 §3.10.7.4: queues are flushed */
	if (tp->sock == NULL) {
		tcp_bufs_release(tp);
		tcp_tcb_free(tp);
		return;
	}
	tcp_notify(tp, EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP | (err ? EPOLLERR : 0));
}

/* RFC 9293 §3.10.7.4: TIME-WAIT for 2*MSL (tcp_timewait seconds; 0 closes
 * at once, as in mTCP).  The final ACK goes out first.  An orphan goes on
 * as a compact record (tcp_timewait.c) and its TCB goes back; one with a
 * socket keeps its TCB until the socket is closed (tcp_close). */
void tcp_enter_time_wait(struct utcp_tcb *tp)
{
	struct utcp_ctx *ctx = tp->ctx;
	if (tp->flags & TF_ACKNOW)
		tcp_send_ack(tp);
	tcp_set_state(tp, TCPS_TIME_WAIT);
	tcp_rexmt_stop(tp);
	tp->flags &= ~TF_DELACK;
	utcp_timer_cancel(&ctx->timers, &tp->t_delack);
	tcp_output_unschedule(tp);
	if (ctx->cfg->tcp_timewait <= 0) {
		tcp_drop(tp, 0);
		return;
	}
	utcp_time_t end = ctx->now + (utcp_time_t)ctx->cfg->tcp_timewait * UTCP_NSEC_PER_SEC;
	if (tp->sock == NULL && tcp_tw_take(tp, end) == 0)
		return;
	tcp_timewait_link(tp);
	if (tp->sock == NULL)
		tcp_bufs_release(tp);
	utcp_timer_add(&ctx->timers, &tp->t_keep, end);
	tcp_notify(tp, EPOLLIN | EPOLLHUP | EPOLLRDHUP);
}

/* ---- user calls ---------------------------------------------------------- */

size_t tcp_send(struct utcp_tcb *tp, const struct iovec *iov, int iovcnt)
{
	size_t done = 0;
	if (tcp_snd_need(tp) < 0) /* no send ring to be had: EAGAIN */
		return 0;
	uint32_t from = tp->snd_una + tp->snd.len;
	for (int i = 0; i < iovcnt; i++) {
		uint32_t want = iov[i].iov_len > UINT32_MAX ? UINT32_MAX : (uint32_t)iov[i].iov_len;
		/* tcp_wmem's share, or TCP_NOTSENT_LOWAT's room; without either,
		 * the ring's space, which tcp_sndbuf_append takes as it is */
		uint32_t room = tp->sndmem.limit != 0   ? tcp_sndmem_take(tp, want)
				: tp->notsent_lowat != 0 ? tcp_send_room(tp)
							 : want;
		if (want > room)
			want = room;
		uint32_t n = tcp_sndbuf_append(&tp->snd, iov[i].iov_base, want);
		done += n;
		if (n < want || want < iov[i].iov_len)
			break;
	}
	if (done > 0)
		tcp_send_queued(tp, from);
	return done;
}

/* After a write queued bytes from sequence `from` on (tcp_send, or
 * tcp_send_zc_commit): the push marks, tcp_wmem's write end, the output
 * scheduled, so that Nagle, TCP_CORK and pacing decide alike. */
void tcp_send_queued(struct utcp_tcb *tp, uint32_t from)
{
	if (!(tp->cork & TCP_CORK_MORE)) /* Linux marks no push under MSG_MORE */
		tp->snd_push = tp->snd_una + tp->snd.len; /* tcp_push_each_write */
	tcp_forced_push(tp, from);
	if (tp->sndmem.limit != 0 && !(tp->cork & TCP_CORK_MORE))
		tcp_sndmem_write_end(tp, tp->snd_push);
	tcp_output_schedule(tp);
}

/* RFC 1122 §4.2.3.3 / Linux tcp_cleanup_rbuf: after the user reads,
 * announce the window at once if it at least doubled.  The window that
 * can be offered is the buffer's free space up to what the field carries
 * (65535 << Rcv.Wind.Shift, RFC 7323 §2.3): a read that frees space
 * beyond it does not open the window, and an update moving the edge by
 * less than min(RCV.BUFF / 2, MSS) would be silly window syndrome (RFC
 * 9293 §3.8.6.2.2). */
void tcp_window_update_check(struct utcp_tcb *tp)
{
	if (tp->flags & TF_RCVD_FIN)
		return;
	if (tp->state != TCPS_ESTABLISHED && tp->state != TCPS_FIN_WAIT_1 &&
	    tp->state != TCPS_FIN_WAIT_2)
		return;
	uint32_t cur = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	uint8_t s = (tp->flags & TF_RCV_WSCALE) ? tp->rcv_wscale : 0;
	uint32_t max = (uint32_t)65535 << s;
	uint32_t clamp = tp->rcv.cap < max ? tp->rcv.cap : max;
	if (2 * cur > clamp)
		return;
	uint32_t free = tp->rcv.cap > tp->rcv.len ? tp->rcv.cap - tp->rcv.len : 0;
	if (free > max)
		free = max;
	uint32_t sws = tp->rcv.cap / 2 < tp->our_mss ? tp->rcv.cap / 2 : tp->our_mss;
	if (free > cur && free - cur >= sws && free >= 2 * cur) {
		tp->flags |= TF_ACKNOW;
		tcp_output_schedule(tp);
	}
}

size_t tcp_recv(struct utcp_tcb *tp, const struct iovec *iov, int iovcnt, int peek)
{
	if (tp->rcv.mem == NULL)
		return 0;
	size_t n = tcp_rcvbuf_read(&tp->rcv, iov, iovcnt, peek);
	if (n > 0 && !peek) {
		tcp_window_update_check(tp);
		tcp_rcv_drained(tp); /* read out: the ring goes back */
	}
	return n;
}

/* RFC 9293 §3.10.4 CLOSE for the sending side: FIN after the queued data. */
void tcp_shutdown_send(struct utcp_tcb *tp)
{
	switch (tp->state) {
	case TCPS_SYN_SENT:
		tcp_drop(tp, 0);
		return;
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tcp_set_state(tp, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		tcp_set_state(tp, TCPS_LAST_ACK);
		break;
	default:
		return; /* already closing */
	}
	tp->flags |= TF_FIN_QUEUED;
	tcp_output_schedule(tp);
}

/* The socket is gone.  RFC 1122 §4.2.2.13: unread data means RST. */
void tcp_close(struct utcp_tcb *tp)
{
	tp->sock = NULL;
	tp->flags |= TF_ORPHAN;
	switch (tp->state) {
	case TCPS_CLOSED:
		tcp_bufs_release(tp);
		tcp_tcb_free(tp);
		return;
	case TCPS_SYN_SENT:
		tcp_drop(tp, 0);
		return;
	case TCPS_TIME_WAIT: /* the rest of its 2*MSL as a record */
		if (tcp_tw_take(tp, tp->t_keep.expires) == 0)
			return;
		tcp_bufs_release(tp);
		return;
	default:
		break;
	}
	if (tp->rcv.len > 0) {
		tcp_abort(tp);
		return;
	}
	tcp_shutdown_send(tp);
	if (tp->state == TCPS_FIN_WAIT_2)
		tcp_keep_arm(tp);
}

/* RFC 9293 §3.10.5 ABORT: RST in the states where the peer has a TCB. */
void tcp_abort(struct utcp_tcb *tp)
{
	switch (tp->state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
	case TCPS_FIN_WAIT_1:
	case TCPS_FIN_WAIT_2:
	case TCPS_CLOSE_WAIT:
		tcp_send_rst(tp);
		break;
	default:
		break;
	}
	if (tp->state == TCPS_CLOSED && tp->sock == NULL) {
		tcp_bufs_release(tp);
		tcp_tcb_free(tp);
		return;
	}
	if (tp->state != TCPS_CLOSED)
		tcp_drop(tp, 0);
}

void tcp_set_rcvbuf(struct utcp_tcb *tp, uint32_t cap)
{
	tp->rcv.want = cap < tp->rcv.size ? cap : tp->rcv.size;
	tp->rcv.cap = tp->rcv.want;
	tcp_window_update_check(tp);
}

void tcp_set_sndbuf(struct utcp_tcb *tp, uint32_t cap)
{
	if (tp->sndmem.limit != 0) { /* tcp_wmem: the memory limit, fixed */
		tcp_sndmem_set_limit(tp, cap);
		if (tcp_sndmem_writable(tp))
			tcp_notify(tp, EPOLLOUT);
		return;
	}
	tp->snd.want = cap < tp->snd.size ? cap : tp->snd.size;
	tp->snd.cap = tp->snd.want;
	if (tcp_sndbuf_space(&tp->snd) > 0)
		tcp_notify(tp, EPOLLOUT);
}

/* Linux sk_stream_is_writeable: free space at least half of what is
 * queued, and fewer unsent bytes than TCP_NOTSENT_LOWAT. */
static int tcp_writable(const struct utcp_tcb *tp)
{
	uint32_t space = tcp_sndbuf_space(&tp->snd);
	if (space == 0 || space < tp->snd.len / 2 || !tcp_snd_ready(tp)) /* a ring, or one to be had */
		return 0;
	if (tp->sndmem.limit != 0) /* tcp_wmem: as Linux counts memory */
		return tcp_sndmem_writable(tp);
	return tp->notsent_lowat == 0 || tcp_send_room(tp) > 0;
}

uint32_t tcp_send_room(const struct utcp_tcb *tp)
{
	uint32_t space = tcp_sndbuf_space(&tp->snd);
	if (tp->sndmem.limit != 0) /* tcp_wmem: a writer waits to be woken */
		return tcp_sndmem_writable(tp) ? space : 0;
	if (tp->notsent_lowat == 0)
		return space;
	uint32_t out = tp->snd_max - tp->snd_una;
	uint32_t notsent = tp->snd.len > out ? tp->snd.len - out : 0;
	uint32_t room = notsent < tp->notsent_lowat ? tp->notsent_lowat - notsent : 0;
	return room < space ? room : space;
}

uint32_t tcp_sndbuf_limit(const struct utcp_tcb *tp)
{
	return tp->sndmem.limit != 0 ? tp->sndmem.limit : tp->snd.cap;
}

/* Readiness as Linux tcp_poll reports it: a connection that is neither
 * shut down, synchronizing nor in error here, any other in
 * tcp_poll_events_all. */
static __attribute__((noinline)) uint32_t tcp_poll_events_all(const struct utcp_tcb *tp);

uint32_t tcp_poll_events(const struct utcp_tcb *tp)
{
	if ((tp->flags & (TF_RCVD_FIN | TF_RCV_SHUT | TF_FIN_QUEUED)) || tp->so_error != 0 ||
	    tp->state == TCPS_CLOSED || tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED)
		return tcp_poll_events_all(tp);
	return (tp->rcv.len > 0 ? EPOLLIN | EPOLLRDNORM : 0) |
	       (tcp_writable(tp) ? EPOLLOUT | EPOLLWRNORM : 0);
}

static uint32_t tcp_poll_events_all(const struct utcp_tcb *tp)
{
	uint32_t mask = 0;
	int closed = tp->state == TCPS_CLOSED;
	int rcv_shut = closed || (tp->flags & (TF_RCVD_FIN | TF_RCV_SHUT));
	int snd_shut = closed || (tp->flags & TF_FIN_QUEUED);
	if ((rcv_shut && snd_shut) || closed)
		mask |= EPOLLHUP;
	if (rcv_shut)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (tp->state != TCPS_SYN_SENT && tp->state != TCPS_SYN_RECEIVED) {
		if (tp->rcv.len > 0)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (snd_shut || tcp_writable(tp))
			mask |= EPOLLOUT | EPOLLWRNORM;
	}
	if (tp->so_error != 0)
		mask |= EPOLLERR;
	return mask;
}
