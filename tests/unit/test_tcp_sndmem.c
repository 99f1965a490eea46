/*
 * tests/unit/test_tcp_sndmem.c - tcp_wmem, the send buffer counted as
 * Linux counts it (core/tcp/tcp_sndmem.c), as traces: chunks of the size
 * goal costing 1280 bytes each, the first one split where the initial
 * window ends, the limit grown with cwnd after the ACKs of a writer that
 * found no room, SO_SNDBUF fixing it, a blocked writer woken only at half,
 * and TCP_NOTSENT_LOWAT letting a write run to the end of its chunk.
 *
 * The peer offers MSS 1460 and a window of 65535 (no scaling): the size
 * goal is 22 segments, 32120 bytes, half the window.  Each fixture brings
 * a stack up with tcp_wmem = 50000 (1 MiB rings) and ends with tt_down's
 * leak check.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>

#include "tests/unit/tcptest.h"

#define MSS 1460
#define GOAL (22 * MSS)  /* 64 KiB and half the peer's window, in segments */
#define IW (10 * MSS)    /* initial window */
#define CHUNK 1280       /* each chunk's cost beyond its payload */

static char data[800000];

static void setup(void)
{
	struct utcp_config cfg;
	tt_config(&cfg);
	cfg.sndbuf = 1024 * 1024;
	cfg.max_num_buffers = 4;
	cfg.tcp_abc = 2;
	cfg.tcp_abc_nolimit = 1;
	cfg.tcp_wmem = 50000;
	tt_up(&cfg);
}

static void teardown(void)
{
	tt_down();
}

static int set_int(int sock, int level, int name, int v)
{
	return utcp_setsockopt(tt_h.ctx, sock, level, name, &v, sizeof(v));
}

static int get_int(int sock, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);
	tt_ok(utcp_getsockopt(tt_h.ctx, sock, level, name, &v, &len));
	return v;
}

static int writable(const struct tt_conn *c)
{
	return (utcp_sock_events(tt_h.ctx, c->sock) & EPOLLOUT) != 0;
}

static void expect_again(const struct tt_conn *c)
{
	ck_assert_int_eq(utcp_write(tt_h.ctx, c->sock, data, 1000), -1);
	ck_assert_int_eq(errno, EAGAIN);
}

/* n full segments out, then nothing; last: the last empties the queue
 * (PSH, RFC 9293 §3.9.1 as utcp places it by default). */
static void expect_segments(struct tt_conn *c, int n, int last)
{
	struct tt_seg s;
	for (int i = 1; i <= n; i++)
		tt_hout(c, &s, TH_ACK | (last && i == n ? TH_PSH : 0), c->pnxt, MSS);
	tt_expect_none();
}

static void conn_up(struct tt_conn *c, int *l)
{
	*l = tt_listen(TT_HOST_PORT, 8);
	tt_passive(c, *l, TT_OPT_MSS);
	tt_ok(utcp_setsock_nonblock(tt_h.ctx, c->sock));
}

static void conn_down(struct tt_conn *c, int l)
{
	tt_ok(utcp_abort(tt_h.ctx, c->sock));
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(tt_h.ctx, l));
}

/* At establishment the limit is already 2 x 10 x 4352 (Linux's
 * tcp_sndbuf_expand for MSS 1460 and the initial window), above 50000.
 * The first chunk is sent at once as far as the initial window goes and
 * splits there; its rest is filled on, and chunks open while less than the
 * limit is queued: 14600 + 3 x 32120 bytes in 4 chunks.  The ACKs of 10
 * and then 20 segments let 20 and 40 go, filling cwnd each time: no
 * growth, more than the limit queued.  The next ACK leaves 6 segments to
 * send and room for 80: the limit grows to 2 x 80 x 4352, and the writer
 * is woken. */
START_TEST(chunks_and_autotuning)
{
	struct tt_conn c;
	int l;
	conn_up(&c, &l);
	ck_assert_int_eq(get_int(c.sock, SOL_SOCKET, SO_SNDBUF), 2 * 10 * 4352);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, 200000), IW + 3 * GOAL);
	ck_assert(!writable(&c));
	utcp_ctx_poll(tt_h.ctx);
	expect_segments(&c, 10, 0);
	tt_pack(&c);
	expect_segments(&c, 20, 0);
	ck_assert(!writable(&c));
	expect_again(&c);
	tt_pack(&c);
	expect_segments(&c, 40, 0);
	ck_assert(!writable(&c));
	ck_assert_int_eq(get_int(c.sock, SOL_SOCKET, SO_SNDBUF), 2 * 10 * 4352);
	tt_pack(&c);
	expect_segments(&c, 6, 1);
	ck_assert(writable(&c));
	ck_assert_int_eq(get_int(c.sock, SOL_SOCKET, SO_SNDBUF), 2 * 80 * 4352);
	/* 8760 + 1280 queued: 22 more chunks fit.  The peer's window lets 38
	 * segments go at once: the second chunk is sent up to there and
	 * splits, its first 16 segments a chunk of their own, the rest filled
	 * on.  20 full chunks and that part. */
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, sizeof(data)), 20 * GOAL + 16 * MSS);
	conn_down(&c, l);
}
END_TEST

/* SO_SNDBUF fixes the limit: two chunks (46720 bytes) fill 40000.  After
 * the ACK of the initial window 32120 + 1280 bytes stay queued: under the
 * limit, but the free 6600 bytes are less than half of it, so the socket
 * is not writable; the next ACK leaves 2920 + 1280 and it is, and the
 * limit has not grown though the flight is below cwnd. */
START_TEST(sndbuf_fixed_and_wake_at_half)
{
	struct tt_conn c;
	int l;
	conn_up(&c, &l);
	tt_ok(set_int(c.sock, SOL_SOCKET, SO_SNDBUF, 40000));
	ck_assert_int_eq(get_int(c.sock, SOL_SOCKET, SO_SNDBUF), 40000);
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, 200000), IW + GOAL);
	utcp_ctx_poll(tt_h.ctx);
	expect_segments(&c, 10, 0);
	tt_pack(&c);
	expect_segments(&c, 20, 0);
	ck_assert(!writable(&c));
	tt_pack(&c);
	expect_segments(&c, 2, 1);
	ck_assert(writable(&c));
	ck_assert_int_eq(get_int(c.sock, SOL_SOCKET, SO_SNDBUF), 40000);
	conn_down(&c, l);
}
END_TEST

/* TCP_NOTSENT_LOWAT 20000: the write runs on to the end of the chunk it
 * is filling (14600 sent at once, 32120 unsent, past the mark), where
 * counting bytes would stop at 14600 + 20000. */
START_TEST(notsent_lowat_runs_to_chunk_end)
{
	struct tt_conn c;
	int l;
	conn_up(&c, &l);
	tt_ok(set_int(c.sock, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 20000));
	ck_assert_int_eq(utcp_write(tt_h.ctx, c.sock, data, 200000), IW + GOAL);
	utcp_ctx_poll(tt_h.ctx);
	expect_segments(&c, 10, 0);
	ck_assert(!writable(&c));
	conn_down(&c, l);
}
END_TEST

static Suite *tcp_sndmem_suite(void)
{
	Suite *su = suite_create("tcp_sndmem");
	TCase *tc = tcase_create("tcp_wmem");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, chunks_and_autotuning);
	tcase_add_test(tc, sndbuf_fixed_and_wake_at_half);
	tcase_add_test(tc, notsent_lowat_runs_to_chunk_end);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_sndmem_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
