/*
 * core/api/sockopt.c - socket options, fcntl and ioctl.
 *
 * Call order: utcp_setsockopt / utcp_getsockopt at any time; an option is
 * stored in the socket (for connections it will make or accept) and, when
 * a connection exists, applied to its TCB at once.  Every option not
 * listed in utcp.h fails with ENOPROTOOPT; none is silently ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h> /* SIOCOUTQ */

#include "core/api/sock.h"

/* The keepalive timer runs from the call, not from the last poll round. */
static void sock_keep_arm(struct utcp_tcb *tp)
{
	utcp_ctx_clock_sync(tp->ctx);
	tcp_keep_arm(tp);
}

static int opt_int(const void *optval, socklen_t optlen, int *v)
{
	if (optval == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (optlen < sizeof(int)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(v, optval, sizeof(int));
	return 0;
}

static int opt_put(void *optval, socklen_t *optlen, const void *v, socklen_t len)
{
	if (optval == NULL || optlen == NULL) {
		errno = EFAULT;
		return -1;
	}
	socklen_t n = *optlen < len ? *optlen : len;
	memcpy(optval, v, n);
	*optlen = n;
	return 0;
}

static void sock_set_tflag(struct utcp_sock *so, uint32_t flag, int on)
{
	if (on)
		so->opts.tflags |= flag;
	else
		so->opts.tflags &= ~flag;
	if (so->lis != NULL)
		so->lis->tflags = so->opts.tflags;
	if (so->tcb != NULL && flag != TF_REUSEADDR) {
		if (on)
			so->tcb->flags |= flag;
		else
			so->tcb->flags &= ~flag;
	}
}

static void sock_sync_listener(struct utcp_sock *so)
{
	struct tcp_listener *l = so->lis;
	if (l == NULL)
		return;
	l->user_mss = so->opts.user_mss;
	l->keepidle = so->opts.keepidle;
	l->keepintvl = so->opts.keepintvl;
	l->keepcnt = so->opts.keepcnt;
	l->rcvbuf = so->opts.rcvbuf;
	l->sndbuf = so->opts.sndbuf;
	l->cc = so->opts.cc;
}

/* SO_SNDBUF / SO_RCVBUF: the value set, or twice it with sock_buf_double
 * (Linux doubles it to make room for its bookkeeping, and reads back the
 * doubled value).  The pools' object size caps either. */
static int sock_buf_value(const struct utcp_ctx *ctx, int v)
{
	if (v > 0 && ctx->cfg->sock_buf_double)
		return v > INT_MAX / 2 ? INT_MAX : 2 * v;
	return v;
}

/* SO_MAX_PACING_RATE (Linux): bytes per second, an unsigned int or an
 * unsigned long, ~0 for no limit.  A finite rate paces the connection
 * (tcp_pacing.c); an accepted socket inherits it. */
static int set_max_pacing(struct utcp_sock *so, const void *val, socklen_t len)
{
	uint64_t rate;
	if (len >= sizeof(uint64_t)) {
		if (val == NULL) {
			errno = EFAULT;
			return -1;
		}
		memcpy(&rate, val, sizeof(rate));
	} else {
		int v;
		if (opt_int(val, len, &v) < 0)
			return -1;
		rate = (unsigned)v == ~0u ? UINT64_MAX : (unsigned)v;
	}
	so->opts.max_pacing1 = rate + 1; /* UINT64_MAX: 0, none */
	sock_opts_apply(so);
	return 0;
}

/* Its value: an unsigned long, or in an int the rate up to ~0u. */
static int get_max_pacing(const struct utcp_sock *so, void *val, socklen_t *len)
{
	uint64_t rate = so->opts.max_pacing1 - 1;
	if (len != NULL && *len >= sizeof(uint64_t))
		return opt_put(val, len, &rate, sizeof(rate));
	unsigned v = rate > UINT32_MAX ? UINT32_MAX : (unsigned)rate;
	return opt_put(val, len, &v, sizeof(v));
}

static int set_sol_socket(struct utcp_ctx *ctx, struct utcp_sock *so, int name, const void *val,
			  socklen_t len)
{
	int v;
	struct utcp_tcb *tp = so->tcb;
	if (name == SO_LINGER) {
		struct linger lg;
		if (val == NULL || len < sizeof(lg)) {
			errno = val == NULL ? EFAULT : EINVAL;
			return -1;
		}
		memcpy(&lg, val, sizeof(lg));
		so->flags = lg.l_onoff ? so->flags | SF_LINGER : so->flags & ~SF_LINGER;
		so->linger_s = lg.l_linger < 0 ? 0 : lg.l_linger;
		return 0;
	}
	if (name == SO_MAX_PACING_RATE)
		return set_max_pacing(so, val, len);
	switch (name) {
	case SO_REUSEADDR:
	case SO_KEEPALIVE:
	case SO_RCVBUF:
	case SO_SNDBUF:
	case SO_RCVLOWAT:
	case SO_ZEROCOPY:
		if (opt_int(val, len, &v) < 0)
			return -1;
		break;
	default:
		errno = ENOPROTOOPT; /* SO_ERROR, SO_TYPE are read-only; others unsupported */
		return -1;
	}
	if (name == SO_RCVLOWAT) { /* as Linux: negative is INT_MAX, 0 is 1 */
		so->rcvlowat = v < 0 ? INT_MAX : v == 0 ? 1 : v;
		return 0;
	}
	if (name == SO_ZEROCOPY) { /* as Linux's sock_setsockopt: 0 or 1 */
		if (v < 0 || v > 1) {
			errno = EINVAL;
			return -1;
		}
		so->flags = v ? so->flags | SF_ZEROCOPY : so->flags & ~(uint32_t)SF_ZEROCOPY;
		return 0;
	}
	if (name == SO_REUSEADDR) {
		sock_set_tflag(so, TF_REUSEADDR, v != 0);
	} else if (name == SO_KEEPALIVE) {
		sock_set_tflag(so, TF_KEEPALIVE, v != 0);
		if (tp != NULL && tp->state != TCPS_CLOSED)
			sock_keep_arm(tp);
	} else if (name == SO_RCVBUF) {
		so->opts.rcvbuf = tcp_clamp_buf(&ctx->tcp->rcvbuf_pool, sock_buf_value(ctx, v));
		if (tp != NULL)
			tcp_set_rcvbuf(tp, so->opts.rcvbuf);
	} else {
		so->opts.sndbuf = tcp_clamp_buf(&ctx->tcp->sndbuf_pool, sock_buf_value(ctx, v));
		if (tp != NULL)
			tcp_set_sndbuf(tp, so->opts.sndbuf);
	}
	sock_sync_listener(so);
	return 0;
}

static int set_congestion(struct utcp_sock *so, const void *val, socklen_t len)
{
	char name[16];
	if (val == NULL) {
		errno = EFAULT;
		return -1;
	}
	size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1;
	memcpy(name, val, n);
	name[n] = '\0';
	const struct utcp_cc_ops *cc = tcp_cc_find(name);
	if (cc == NULL || name[0] == '\0') {
		errno = ENOENT; /* as Linux for an unknown module */
		return -1;
	}
	so->opts.cc = cc;
	struct utcp_tcb *tp = so->tcb;
	if (tp != NULL && tp->state == TCPS_SYN_SENT) {
		tp->cc = cc;
	} else if (tp != NULL && tp->state != TCPS_CLOSED && tp->cc != cc) {
		/* As Linux: the new module starts from the current window. */
		uint32_t cwnd = tp->cwnd, ssthresh = tp->ssthresh;
		tp->cc = cc;
		cc->init(tp);
		tp->cwnd = cwnd;
		tp->ssthresh = ssthresh;
	}
	sock_sync_listener(so); /* a listener's future children use it */
	return 0;
}

/* TCP_QUICKACK (Linux): on, the next TCP_QUICKACK_SEGS segments are
 * acknowledged at once and an ACK being delayed goes now; off, back to
 * delayed ACKs.  Not sticky; without a connection there is nothing to do. */
static int set_quickack(struct utcp_sock *so, const void *val, socklen_t len)
{
	int v;
	struct utcp_tcb *tp = so->tcb;
	if (opt_int(val, len, &v) < 0)
		return -1;
	if (tp == NULL || tp->state == TCPS_CLOSED)
		return 0;
	tp->quickack = v != 0 ? TCP_QUICKACK_SEGS : 0;
	if (v != 0 && (tp->flags & TF_DELACK)) {
		tp->flags |= TF_ACKNOW;
		tcp_output_schedule(tp);
	}
	return 0;
}

void sock_opts_apply(struct utcp_sock *so)
{
	if (so->tcb != NULL)
		tcp_apply_sock_opts(so->tcb, &so->opts);
}

/* TCP_CORK (Linux): on, segments shorter than the MSS wait (at most one
 * probe timeout, tcp_cork_arm); off, what waited goes now. */
static void set_cork(struct utcp_sock *so, int on)
{
	struct utcp_tcb *tp = so->tcb;
	so->opts.cork = on ? TCP_CORK_ON : 0;
	if (tp == NULL)
		return;
	sock_opts_apply(so);
	if (!on && tp->state != TCPS_CLOSED)
		tcp_output_schedule(tp);
}

/* TCP_NODELAY on: Nagle off, and what Nagle or a cork holds goes now (as
 * Linux, even while TCP_CORK stays on). */
static void set_nodelay(struct utcp_sock *so, int on)
{
	struct utcp_tcb *tp = so->tcb;
	sock_set_tflag(so, TF_NODELAY, on);
	if (tp == NULL || !on || tp->state == TCPS_CLOSED)
		return;
	if (tp->cork != 0) {
		utcp_ctx_clock_sync(tp->ctx);
		tcp_output_push(tp);
	} else {
		tcp_output_schedule(tp);
	}
}

/* Options of Linux's that take any int and need no connection. */
static int set_tcp_linux(struct utcp_sock *so, int name, int v)
{
	struct utcp_tcb *tp = so->tcb;
	switch (name) {
	case TCP_CORK:
		set_cork(so, v != 0);
		return 0;
	case TCP_NOTSENT_LOWAT: /* Linux: 0 is the default, no limit */
		so->opts.notsent_lowat = (uint32_t)v;
		if (tp != NULL) {
			sock_opts_apply(so);
			tcp_notify(tp, EPOLLOUT);
		}
		return 0;
	default: /* TCP_USER_TIMEOUT, RFC 5482: ms, 0 is none */
		if (v < 0) {
			errno = EINVAL;
			return -1;
		}
		so->opts.user_timeout = (uint32_t)v;
		sock_opts_apply(so);
		return 0;
	}
}

/* TCP_FASTOPEN_CONNECT (Linux do_tcp_setsockopt): 0 or 1, only before
 * connect (EINVAL after), and not without tcp_fastopen's client bit
 * (EOPNOTSUPP). */
static int set_fastopen_connect(struct utcp_ctx *ctx, struct utcp_sock *so, const void *val,
				socklen_t len)
{
	int v;
	if (opt_int(val, len, &v) < 0)
		return -1;
	if (v < 0 || v > 1) {
		errno = EINVAL;
		return -1;
	}
	if (!(ctx->tcp->fastopen & TFO_CLIENT)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (so->tcb != NULL || so->state != SS_UNCONNECTED) {
		errno = EINVAL;
		return -1;
	}
	so->opts.fastopen = (uint8_t)v;
	return 0;
}

static int set_ipproto_tcp(struct utcp_sock *so, int name, const void *val, socklen_t len)
{
	int v;
	struct utcp_tcb *tp = so->tcb;
	if (name == TCP_CONGESTION)
		return set_congestion(so, val, len);
	if (name == TCP_QUICKACK)
		return set_quickack(so, val, len);
	if (name == TCP_CORK || name == TCP_NOTSENT_LOWAT || name == TCP_USER_TIMEOUT) {
		if (opt_int(val, len, &v) < 0)
			return -1;
		return set_tcp_linux(so, name, v);
	}
	if (name != TCP_NODELAY && name != TCP_MAXSEG && name != TCP_KEEPIDLE &&
	    name != TCP_KEEPINTVL && name != TCP_KEEPCNT) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (opt_int(val, len, &v) < 0)
		return -1;
	if ((name == TCP_MAXSEG && v != 0 && (v < TCP_MIN_MSS || v > 65535)) ||
	    ((name == TCP_KEEPIDLE || name == TCP_KEEPINTVL) && (v < 1 || v > 32767)) ||
	    (name == TCP_KEEPCNT && (v < 1 || v > 127))) {
		errno = EINVAL;
		return -1;
	}
	switch (name) {
	case TCP_NODELAY:
		set_nodelay(so, v != 0);
		return 0;
	case TCP_MAXSEG:
		so->opts.user_mss = (uint16_t)v;
		if (tp != NULL)
			tp->user_mss = (uint16_t)v;
		break;
	case TCP_KEEPIDLE:
		so->opts.keepidle = (uint16_t)v;
		if (tp != NULL)
			tp->keepidle = (uint16_t)v;
		break;
	case TCP_KEEPINTVL:
		so->opts.keepintvl = (uint16_t)v;
		if (tp != NULL)
			tp->keepintvl = (uint16_t)v;
		break;
	default:
		so->opts.keepcnt = (uint8_t)v;
		if (tp != NULL)
			tp->keepcnt = (uint8_t)v;
		break;
	}
	if (tp != NULL && name != TCP_MAXSEG && tp->state != TCPS_CLOSED)
		sock_keep_arm(tp);
	sock_sync_listener(so);
	return 0;
}

/* IP_TOS and IP_MTU_DISCOVER take an int or, as on Linux, one byte. */
static int opt_int_or_byte(const void *val, socklen_t len, int *v)
{
	if (len >= sizeof(int))
		return opt_int(val, len, v);
	*v = 0;
	if (len > 0) {
		if (val == NULL) {
			errno = EFAULT;
			return -1;
		}
		*v = *(const unsigned char *)val;
	}
	return 0;
}

/* IP_TOS: the TOS byte of the connection's segments, less the two ECN
 * bits (Linux keeps those for TCP).  IP_MTU_DISCOVER: IP_PMTUDISC_DONT ..
 * IP_PMTUDISC_OMIT (tcp_pmtud_off, tcp_no_df). */
static int set_ip_tos_pmtu(struct utcp_sock *so, int name, const void *val, socklen_t len)
{
	int v;
	if (opt_int_or_byte(val, len, &v) < 0)
		return -1;
	if (name == IP_MTU_DISCOVER) {
		if (v < TCP_PMTUDISC_DONT || v > TCP_PMTUDISC_OMIT) {
			errno = EINVAL;
			return -1;
		}
		so->opts.ip_pmtudisc = (uint8_t)(v + 1);
	} else {
		so->opts.ip_tos = (uint8_t)(v & ~0x03);
	}
	sock_opts_apply(so);
	return 0;
}

/* IPPROTO_IP: IP_BIND_ADDRESS_NO_PORT (Linux 4.2), IP_TOS, IP_MTU_DISCOVER. */
static int set_ipproto_ip(struct utcp_sock *so, int name, const void *val, socklen_t len)
{
	int v;
	if (name == IP_TOS || name == IP_MTU_DISCOVER)
		return set_ip_tos_pmtu(so, name, val, len);
	if (name != IP_BIND_ADDRESS_NO_PORT) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (opt_int(val, len, &v) < 0)
		return -1;
	so->flags = v ? so->flags | SF_NO_PORT : so->flags & ~SF_NO_PORT;
	return 0;
}

/* IPPROTO_IPV6 on an AF_INET6 socket (Linux do_ipv6_setsockopt):
 * IPV6_V6ONLY before bind (EINVAL after), IPV6_TCLASS (-1: the default 0;
 * the ECN bits kept for TCP, as IP_TOS) for the connection's segments. */
static int set_ipproto_ipv6(struct utcp_sock *so, int name, const void *val, socklen_t len)
{
	int v;
	if (so->domain != AF_INET6) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (name != IPV6_V6ONLY && name != IPV6_TCLASS) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (opt_int(val, len, &v) < 0)
		return -1;
	if (name == IPV6_V6ONLY) {
		if (so->lport != 0 || (so->flags & SF_BOUND)) {
			errno = EINVAL;
			return -1;
		}
		so->flags = v ? so->flags | SF_V6ONLY : so->flags & ~SF_V6ONLY;
		return 0;
	}
	if (v < -1 || v > 255) {
		errno = EINVAL;
		return -1;
	}
	so->opts.ip_tos = (uint8_t)(v < 0 ? 0 : v & ~0x03);
	sock_opts_apply(so);
	return 0;
}

static int get_ipproto_ipv6(struct utcp_sock *so, int name, void *val, socklen_t *len)
{
	int v;
	if (so->domain != AF_INET6 || (name != IPV6_V6ONLY && name != IPV6_TCLASS)) {
		errno = ENOPROTOOPT;
		return -1;
	}
	v = name == IPV6_V6ONLY ? (so->flags & SF_V6ONLY) != 0 : so->opts.ip_tos;
	return opt_put(val, len, &v, sizeof(v));
}

int utcp_setsockopt(struct utcp_ctx *ctx, int sock, int level, int optname, const void *optval,
		    socklen_t optlen)
{
	struct utcp_sock *so = sock_get_io(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->type == SOCK_T_UDP) /* udpsock.c */
		return sock_udp_setsockopt(so, level, optname, optval, optlen);
	if (level == SOL_SOCKET)
		return set_sol_socket(ctx, so, optname, optval, optlen);
	if (level == IPPROTO_TCP && optname == TCP_FASTOPEN_CONNECT) /* RFC 7413 */
		return set_fastopen_connect(ctx, so, optval, optlen);
	if (level == IPPROTO_TCP)
		return set_ipproto_tcp(so, optname, optval, optlen);
	if (level == IPPROTO_IP)
		return set_ipproto_ip(so, optname, optval, optlen);
	if (level == IPPROTO_IPV6)
		return set_ipproto_ipv6(so, optname, optval, optlen);
	errno = ENOPROTOOPT;
	return -1;
}

static int get_sol_socket(struct utcp_sock *so, int name, void *val, socklen_t *len)
{
	int v;
	struct utcp_tcb *tp = so->tcb;
	switch (name) {
	case SO_LINGER: {
		struct linger lg = { (so->flags & SF_LINGER) ? 1 : 0, so->linger_s };
		return opt_put(val, len, &lg, sizeof(lg));
	}
	case SO_ERROR:
		v = so->so_error;
		so->so_error = 0;
		if (v == 0 && tp != NULL) {
			v = tp->so_error;
			tp->so_error = 0;
		}
		break;
	case SO_REUSEADDR:
		v = (so->opts.tflags & TF_REUSEADDR) != 0;
		break;
	case SO_KEEPALIVE:
		v = (so->opts.tflags & TF_KEEPALIVE) != 0;
		break;
	case SO_RCVBUF:
		v = (int)(tp != NULL && tp->rcv.cap != 0 ? tp->rcv.cap : so->opts.rcvbuf);
		break;
	case SO_SNDBUF:
		v = (int)(tp != NULL && tp->snd.cap != 0 ? tcp_sndbuf_limit(tp) : so->opts.sndbuf);
		break;
	case SO_TYPE:
		v = SOCK_STREAM;
		break;
	case SO_RCVLOWAT:
		v = (int)sock_rcvlowat(so);
		break;
	case SO_ACCEPTCONN:
		v = so->state == SS_LISTENING;
		break;
	case SO_ZEROCOPY:
		v = (so->flags & SF_ZEROCOPY) != 0;
		break;
	case SO_MAX_PACING_RATE:
		return get_max_pacing(so, val, len);
	default:
		errno = ENOPROTOOPT;
		return -1;
	}
	return opt_put(val, len, &v, sizeof(v));
}

static int get_ipproto_tcp(struct utcp_sock *so, int name, void *val, socklen_t *len)
{
	int v;
	struct utcp_tcb *tp = so->tcb;
	int synced = tp != NULL && tp->state != TCPS_CLOSED && tp->state != TCPS_SYN_SENT;
	switch (name) {
	case TCP_CONGESTION: {
		const char *n = (tp != NULL ? tp->cc : so->opts.cc)->name;
		char buf[16] = { 0 };
		strncpy(buf, n, sizeof(buf) - 1);
		return opt_put(val, len, buf, sizeof(buf));
	}
	case TCP_NODELAY:
		v = (so->opts.tflags & TF_NODELAY) != 0;
		break;
	case TCP_QUICKACK:
		v = tp != NULL && tp->quickack > 0;
		break;
	case TCP_MAXSEG: /* Linux: the current MSS less options once connected */
		if (synced)
			v = tp->mss - ((tp->flags & TF_TS) ? 12 : 0);
		else
			v = so->opts.user_mss ? so->opts.user_mss : TCP_DEFAULT_MSS;
		break;
	case TCP_KEEPIDLE:
		v = so->opts.keepidle ? so->opts.keepidle : TCP_KEEPIDLE_DEFAULT;
		break;
	case TCP_KEEPINTVL:
		v = so->opts.keepintvl ? so->opts.keepintvl : TCP_KEEPINTVL_DEFAULT;
		break;
	case TCP_KEEPCNT:
		v = so->opts.keepcnt ? so->opts.keepcnt : TCP_KEEPCNT_DEFAULT;
		break;
	case TCP_CORK:
		v = so->opts.cork != 0;
		break;
	case TCP_NOTSENT_LOWAT:
		v = (int)so->opts.notsent_lowat;
		break;
	case TCP_USER_TIMEOUT:
		v = (int)so->opts.user_timeout;
		break;
	case TCP_FASTOPEN_CONNECT:
		v = so->opts.fastopen;
		break;
	case TCP_INFO:
		return sock_tcp_info(so, val, len);
	default:
		errno = ENOPROTOOPT;
		return -1;
	}
	return opt_put(val, len, &v, sizeof(v));
}

/* Linux's do_ip_getsockopt: a value below 256 fits a shorter buffer as
 * one byte. */
static int get_ipproto_ip(struct utcp_sock *so, int name, void *val, socklen_t *len)
{
	int v;
	if (name == IP_BIND_ADDRESS_NO_PORT)
		v = (so->flags & SF_NO_PORT) != 0;
	else if (name == IP_TOS)
		v = so->opts.ip_tos;
	else if (name == IP_MTU_DISCOVER) /* unset: Linux's default, WANT */
		v = so->opts.ip_pmtudisc ? so->opts.ip_pmtudisc - 1 : IP_PMTUDISC_WANT;
	else {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (*len < (socklen_t)sizeof(int) && *len > 0 && v >= 0 && v <= 255) {
		unsigned char c = (unsigned char)v;
		return opt_put(val, len, &c, 1);
	}
	return opt_put(val, len, &v, sizeof(v));
}

int utcp_getsockopt(struct utcp_ctx *ctx, int sock, int level, int optname, void *optval,
		    socklen_t *optlen)
{
	struct utcp_sock *so = sock_get_io(ctx, sock);
	if (so == NULL)
		return -1;
	if (so->type == SOCK_T_UDP) /* udpsock.c */
		return sock_udp_getsockopt(so, level, optname, optval, optlen);
	if (optval == NULL || optlen == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (level == SOL_SOCKET)
		return get_sol_socket(so, optname, optval, optlen);
	if (level == IPPROTO_TCP)
		return get_ipproto_tcp(so, optname, optval, optlen);
	if (level == IPPROTO_IP)
		return get_ipproto_ip(so, optname, optval, optlen);
	if (level == IPPROTO_IPV6)
		return get_ipproto_ipv6(so, optname, optval, optlen);
	errno = ENOPROTOOPT;
	return -1;
}

/* ---- fcntl / ioctl -------------------------------------------------------- */

int utcp_setsock_nonblock(struct utcp_ctx *ctx, int sock)
{
	struct utcp_sock *so = sock_get(ctx, sock);
	if (so == NULL)
		return -1;
	so->flags |= SF_NONBLOCK;
	return 0;
}

int utcp_fcntl(struct utcp_ctx *ctx, int sock, int cmd, int arg)
{
	struct utcp_sock *so = sock_get(ctx, sock);
	if (so == NULL)
		return -1;
	switch (cmd) {
	case F_GETFL:
		return O_RDWR | ((so->flags & SF_NONBLOCK) ? O_NONBLOCK : 0);
	case F_SETFL:
		so->flags = (arg & O_NONBLOCK) ? so->flags | SF_NONBLOCK : so->flags & ~SF_NONBLOCK;
		return 0;
	default:
		errno = EINVAL;
		return -1;
	}
}

int utcp_ioctl(struct utcp_ctx *ctx, int sock, unsigned long request, void *argp)
{
	struct utcp_sock *so = sock_get(ctx, sock);
	if (so == NULL)
		return -1;
	if (argp == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (so->type == SOCK_T_UDP && request != FIONBIO)
		return sock_udp_ioctl(so, request, argp);
	if (request == FIONBIO) {
		int on;
		memcpy(&on, argp, sizeof(on));
		so->flags = on ? so->flags | SF_NONBLOCK : so->flags & ~SF_NONBLOCK;
		return 0;
	}
	/* FIONREAD (SIOCINQ): readable bytes; SIOCOUTQ (TIOCOUTQ's number):
	 * bytes written and not yet acknowledged, sent or not (Linux). */
	if ((request != FIONREAD && request != SIOCOUTQ) || so->type != SOCK_T_TCP) {
		errno = ENOTTY;
		return -1;
	}
	if (so->state == SS_LISTENING) {
		errno = EINVAL;
		return -1;
	}
	int n = 0;
	if (so->tcb != NULL)
		n = (int)(request == FIONREAD ? tcp_readable(so->tcb) : so->tcb->snd.len);
	memcpy(argp, &n, sizeof(n));
	return 0;
}
