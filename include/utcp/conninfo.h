/**
 * @file utcp/conninfo.h
 * @brief A context's TCP connections as `ss -tin` shows the kernel's, and
 * the per-connection sender-state trace (like FreeBSD's siftr).
 *
 * Call order, on the context's own thread:
 *   utcp_ctx_conns(ctx, fn, arg): fn once per listener and connection;
 *   utcp_ctx_set_trace(ctx, fn, arg): from then on fn at every ACK a
 *   connection takes in, every state change and every retransmission
 *   timeout, until utcp_ctx_set_trace(ctx, NULL, NULL).
 *
 * The stack never writes anything itself: the callback (a tool's) does.
 */
#ifndef UTCP_CONNINFO_H
#define UTCP_CONNINFO_H

#include <stddef.h>
#include <stdint.h>
#include <utcp/nic.h>

#ifdef __cplusplus
extern "C" {
#endif

struct utcp_ctx;

/** One TCP endpoint (a listener or a connection), a snapshot.  Its
 * addresses: family says which fields hold them (laddr/raddr for
 * AF_INET, laddr6/raddr6 for AF_INET6); the fields come first as they
 * always were, the IPv6 ones at the end. */
struct utcp_conn_info {
	/** @{ */
	uint32_t laddr, raddr;  /**< AF_INET: addresses, network order (raddr 0: a listener);
				     AF_INET6: 32-bit keys of the addresses, not addresses */
	uint16_t lport, rport;  /**< ports, network order */
	/** @} */
	const char *state;      /**< "LISTEN", "ESTABLISHED", ... (RFC 9293 names) */
	uint32_t send_q;        /**< bytes queued to send, sent or not (a listener: its backlog) */
	uint32_t recv_q;        /**< bytes received, not yet read (a listener: connections to accept) */
	uint32_t mss;           /**< send MSS */
	/** @{ */
	uint32_t cwnd, ssthresh; /**< congestion window and slow-start threshold, bytes */
	/** @} */
	uint32_t flight;        /**< bytes sent, not yet acknowledged (SND.MAX - SND.UNA) */
	uint32_t pipe;          /**< of them, those the sender counts in the network (RFC 6675
				     SetPipe with SACK: not SACKed, not lost; else flight) */
	uint32_t snd_wnd;       /**< the peer's offered window, bytes */
	uint32_t rcv_wnd;       /**< our offered window, bytes */
	/** @{ */
	utcp_time_t srtt, rttvar, rto; /**< RFC 6298 estimates, ns */
	/** @} */
	uint32_t retrans;       /**< segments this connection retransmitted */
	uint32_t backoff;       /**< consecutive retransmission timeouts */
	int recovery;           /**< 1: in fast recovery or after a timeout */
	const char *cc;         /**< congestion control module */
	/** @{ */
	uint32_t snd_una, snd_nxt, snd_max, rcv_nxt; /**< sequence variables */
	/** @} */
	int family;             /**< AF_INET or AF_INET6 (an AF_INET6 listener: IPv6, and
				     IPv4-mapped too unless IPV6_V6ONLY) */
	/** @{ */
	uint8_t laddr6[16], raddr6[16]; /**< AF_INET6: addresses, network order (raddr6 ::
					     for a listener); all zero for AF_INET */
	/** @} */
};

/** Room for utcp_conn_addr's text: "[" IPv6 "]:" port and a NUL. */
#define UTCP_CONN_ADDRSTRLEN 56

/** ci's local (local != 0) or peer address and port as ss(8) writes them:
 * "10.0.0.1:80", "[2001:db8::1]:80" (AF_INET6).  buf has len bytes
 * (UTCP_CONN_ADDRSTRLEN is enough); returns buf. */
const char *utcp_conn_addr(const struct utcp_conn_info *ci, int local, char *buf, size_t len);

/** Why a trace line is written. */
enum utcp_trace_event {
	UTCP_TRACE_ACK = 0,  /**< an acceptable ACK was processed */
	UTCP_TRACE_STATE,    /**< the connection changed state (ci->state is the new one) */
	UTCP_TRACE_RTO,      /**< the retransmission timer fired */
};

/** A trace callback: called on the context's thread, inside the stack. */
typedef void (*utcp_trace_fn)(void *arg, utcp_time_t now, enum utcp_trace_event ev,
			      const struct utcp_conn_info *ci);

/** Call fn once per TCP listener and connection of ctx (a snapshot; fn must
 * not call into ctx).  Returns how many it reported. */
int utcp_ctx_conns(struct utcp_ctx *ctx, void (*fn)(void *arg, const struct utcp_conn_info *ci),
		   void *arg);

/** Set (fn != NULL) or clear the context's sender-state trace. */
void utcp_ctx_set_trace(struct utcp_ctx *ctx, utcp_trace_fn fn, void *arg);

/** The name of a trace event ("ack", "state", "rto"). */
const char *utcp_trace_event_name(enum utcp_trace_event ev);

#ifdef __cplusplus
}
#endif

#endif
