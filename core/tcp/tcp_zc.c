/*
 * core/tcp/tcp_zc.c - the user's data calls without the copy: the bytes
 * are read where they lie in the receive ring and written straight into
 * the send ring's free room (utcp_recv_zc, utcp_send_zc_reserve).
 *
 * Call order: receive: tcp_recv_zc (spans of the unread in-order bytes,
 * tcp_rcvbuf_view; nothing consumed) -> the user reads them ->
 * tcp_recv_zc_done (tcp_rcvbuf_consume, then what tcp_recv does after its
 * copy: the window update check and the drained ring).  Send:
 * tcp_send_zc_reserve (tcp_snd_need takes the ring; spans of the room a
 * write could take now, tcp_sndbuf_free_view) -> the user writes there ->
 * tcp_send_zc_commit (tcp_sndbuf_commit, then tcp_send_queued as after a
 * write's copy: push marks, tcp_wmem's chunks, the output scheduled).
 *
 * The spans stay where they are until the bytes are consumed: new text
 * goes after the unread bytes, out-of-order text after RCV.NXT.  A
 * reservation holds only while the stack does not run: an ACK that empties
 * the send ring rewinds it, and a drained ring may go back to its pool
 * (core/api checks that the room is still where it was at commit).
 */
#include <string.h>

#include "core/tcp/tcp.h"

uint32_t tcp_recv_zc(struct utcp_tcb *tp, struct iovec *iov, int iovcnt)
{
	if (tp->rcv.mem == NULL || tp->rcv.len == 0) {
		iov[0].iov_base = NULL;
		iov[0].iov_len = 0;
		if (iovcnt > 1)
			iov[1] = iov[0];
		return 0;
	}
	return tcp_rcvbuf_view(&tp->rcv, iov, iovcnt);
}

/* n <= rcv.len.  RFC 9293 §3.8.6.2.2 (receiver SWS avoidance) and RFC
 * 1122 §4.2.3.3 as after a read of n bytes: the window update check
 * tcp_recv runs. */
void tcp_recv_zc_done(struct utcp_tcb *tp, uint32_t n)
{
	if (n == 0)
		return;
	tcp_rcvbuf_consume(&tp->rcv, n);
	tcp_window_update_check(tp);
	tcp_rcv_drained(tp); /* read out: the ring goes back */
}

/* What tcp_sndmem_take would let a write of the ring's whole space queue
 * now, without recording it: its chunk state is put back as it was. */
static uint32_t tcp_zc_sndmem_room(struct utcp_tcb *tp, uint32_t space)
{
	struct tcp_sndmem save = tp->sndmem;
	struct tcp_sndmem_run run[TCP_SNDMEM_RUNS];
	memcpy(run, save.run, sizeof(run));
	uint32_t room = tcp_sndmem_take(tp, space);
	memcpy(save.run, run, sizeof(run));
	tp->sndmem = save;
	if (room == 0)
		tp->sndmem.nospace = 1; /* the writer found no room: EPOLLOUT will tell */
	return room;
}

/* The room a write could take now as spans of the send ring, 0 when none
 * (no ring to be had, or none of it free: EAGAIN). */
uint32_t tcp_send_zc_reserve(struct utcp_tcb *tp, struct iovec *iov, int iovcnt)
{
	if (tcp_snd_need(tp) < 0) /* no send ring to be had: EAGAIN */
		return 0;
	uint32_t room = tp->sndmem.limit == 0 ? tcp_send_room(tp)
					      : tcp_zc_sndmem_room(tp, tcp_sndbuf_space(&tp->snd));
	if (room == 0)
		return 0;
	return tcp_sndbuf_free_view(&tp->snd, room, iov, iovcnt);
}

/* n bytes written at the start of the reserved room (n no more than was
 * reserved) are queued, as tcp_send queues what it copied; returns them. */
uint32_t tcp_send_zc_commit(struct utcp_tcb *tp, uint32_t n)
{
	uint32_t from = tp->snd_una + tp->snd.len;
	if (n == 0)
		return 0;
	if (tp->sndmem.limit != 0) /* tcp_wmem: the same chunks as a write's */
		n = tcp_sndmem_take(tp, n);
	tcp_sndbuf_commit(&tp->snd, n);
	tcp_send_queued(tp, from);
	return n;
}
