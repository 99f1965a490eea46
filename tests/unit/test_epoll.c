/*
 * tests/unit/test_epoll.c - utcp_epoll_* with Linux semantics: error
 * cases, level- and edge-triggered reporting, EPOLLONESHOT re-arming,
 * EPOLLOUT on connect and when the send buffer drains, EPOLLRDHUP,
 * EPOLLHUP, EPOLLERR, and epoll_wait driving the stack on the context
 * clock (timeouts and timers in virtual time); wake-up sockets (eventfd
 * semantics, signalled as another thread would).
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/tcptest.h"

static struct utcp_ctx *X;
static int EP, L;

static void setup(void)
{
	tt_up(NULL);
	X = tt_h.ctx;
	EP = utcp_epoll_create(X, 16);
	ck_assert_int_ge(EP, 0);
	L = tt_listen(TT_HOST_PORT, 8);
}

static void teardown(void)
{
	if (L >= 0)
		tt_ok(utcp_close(X, L));
	tt_ok(utcp_close(X, EP));
	tt_down();
}

static int add(int sock, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = 1000 + (uint64_t)sock };
	return utcp_epoll_ctl(X, EP, EPOLL_CTL_ADD, sock, &ev);
}

static int mod(int sock, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = 1000 + (uint64_t)sock };
	return utcp_epoll_ctl(X, EP, EPOLL_CTL_MOD, sock, &ev);
}

/* One wait with timeout 0; returns the number of events, the first in *ev. */
static int wait0(struct epoll_event *ev)
{
	struct epoll_event evs[8];
	int n = utcp_epoll_wait(X, EP, evs, 8, 0);
	ck_assert_int_ge(n, 0);
	if (n > 0)
		*ev = evs[0];
	return n;
}

START_TEST(epoll_errors)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[2];
	int s = utcp_socket(X, AF_INET, SOCK_STREAM, 0), ep2 = utcp_epoll_create1(X, 0);
	tt_err(utcp_epoll_create(X, 0), EINVAL);
	tt_err(utcp_epoll_create1(X, 12345), EINVAL);
	tt_err(utcp_epoll_ctl(X, 999, EPOLL_CTL_ADD, s, &ev), EBADF);
	tt_err(utcp_epoll_ctl(X, EP, EPOLL_CTL_ADD, 999, &ev), EBADF);
	tt_err(utcp_epoll_ctl(X, s, EPOLL_CTL_ADD, s, &ev), EINVAL);   /* not an epoll */
	tt_err(utcp_epoll_ctl(X, EP, EPOLL_CTL_ADD, EP, &ev), EINVAL); /* itself */
	tt_err(utcp_epoll_ctl(X, EP, EPOLL_CTL_ADD, ep2, &ev), EINVAL); /* no nesting */
	tt_err(utcp_epoll_ctl(X, EP, EPOLL_CTL_ADD, s, NULL), EFAULT);
	tt_err(utcp_epoll_ctl(X, EP, EPOLL_CTL_MOD, s, &ev), ENOENT);
	tt_err(utcp_epoll_ctl(X, EP, EPOLL_CTL_DEL, s, &ev), ENOENT);
	tt_err(utcp_epoll_ctl(X, EP, 77, s, &ev), EINVAL);
	tt_ok(utcp_epoll_ctl(X, EP, EPOLL_CTL_ADD, s, &ev));
	tt_err(utcp_epoll_ctl(X, EP, EPOLL_CTL_ADD, s, &ev), EEXIST);
	tt_err(utcp_epoll_ctl(X, ep2, EPOLL_CTL_ADD, s, &ev), EEXIST); /* one instance at a time */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	tt_err(utcp_epoll_ctl(X, EP, EPOLL_CTL_MOD, s, &ev), EINVAL);
	tt_err(utcp_epoll_wait(X, EP, out, 0, 0), EINVAL);
	tt_err(utcp_epoll_wait(X, EP, NULL, 2, 0), EFAULT);
	tt_err(utcp_epoll_wait(X, s, out, 2, 0), EINVAL);
	tt_err(utcp_epoll_wait(X, 999, out, 2, 0), EBADF);
	tt_ok(utcp_epoll_ctl(X, EP, EPOLL_CTL_DEL, s, NULL));
	tt_ok(utcp_close(X, s));
	tt_ok(utcp_close(X, ep2));
}
END_TEST

START_TEST(fresh_socket_is_out_and_hup)
{
	struct epoll_event ev;
	int s = utcp_socket(X, AF_INET, SOCK_STREAM, 0);
	tt_ok(add(s, EPOLLIN | EPOLLOUT));
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLOUT | EPOLLHUP); /* as Linux */
	ck_assert_uint_eq(ev.data.u64, 1000 + (uint64_t)s);
	tt_ok(utcp_close(X, s)); /* closing removes it */
	ck_assert_int_eq(wait0(&ev), 0);
}
END_TEST

START_TEST(listener_level_triggered)
{
	struct epoll_event ev;
	struct tt_conn c;
	tt_ok(add(L, EPOLLIN));
	ck_assert_int_eq(wait0(&ev), 0);
	struct tt_seg syn = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 1, .flags = TH_SYN,
			      .win = 65535 }, sa;
	tt_in(&syn);
	tt_out(&sa);
	ck_assert_int_eq(wait0(&ev), 0); /* half open: not yet */
	struct tt_seg ack = { .sport = 40001, .dport = TT_HOST_PORT, .seq = 2, .ack = sa.seq + 1,
			      .flags = TH_ACK, .win = 65535 };
	tt_in(&ack);
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLIN);
	ck_assert_int_eq(wait0(&ev), 1); /* level: again, until accepted */
	int a = utcp_accept(X, L, NULL, NULL);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(wait0(&ev), 0);
	tt_ok(utcp_abort(X, a));
	(void)c;
}
END_TEST

/* utcp_sock_events: the events poll(2) and select(2) over utcp sockets
 * need, whatever epoll instance a socket is in; utcp_ctx_poll_fd: none on
 * this NIC. */
START_TEST(sock_events_outside_epoll)
{
	tt_err(utcp_sock_events(X, 999), EBADF);
	int s = utcp_socket(X, AF_INET, SOCK_STREAM, 0);
	int ev = utcp_sock_events(X, s);
	ck_assert_int_eq(ev & (EPOLLIN | EPOLLOUT | EPOLLHUP), EPOLLOUT | EPOLLHUP); /* as Linux */
	tt_ok(add(L, EPOLLIN));
	ck_assert_int_eq(utcp_sock_events(X, L), 0);
	struct tt_seg syn = { .sport = 40002, .dport = TT_HOST_PORT, .seq = 1, .flags = TH_SYN,
			      .win = 65535 }, sa;
	tt_in(&syn);
	tt_out(&sa);
	ck_assert_int_eq(utcp_sock_events(X, L), 0); /* half open */
	struct tt_seg ack = { .sport = 40002, .dport = TT_HOST_PORT, .seq = 2, .ack = sa.seq + 1,
			      .flags = TH_ACK, .win = 65535 };
	tt_in(&ack);
	ck_assert_int_eq(utcp_sock_events(X, L) & EPOLLIN, EPOLLIN);
	int a = utcp_accept(X, L, NULL, NULL);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(utcp_sock_events(X, L), 0);
	ck_assert_int_eq(utcp_sock_events(X, a) & (EPOLLOUT | EPOLLIN), EPOLLOUT);
	tt_ok(utcp_abort(X, a));
	tt_ok(utcp_close(X, s));
	tt_err(utcp_ctx_poll_fd(X), ENOTSUP);
}
END_TEST

START_TEST(read_level_and_edge)
{
	struct epoll_event ev;
	struct tt_conn c;
	char b[8];
	tt_passive(&c, L, TT_OPT_MSS);
	tt_ok(add(c.sock, EPOLLIN));
	ck_assert_int_eq(wait0(&ev), 0);
	tt_pin(&c, TH_ACK | TH_PSH, "abc", 3);
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLIN);
	ck_assert_int_eq(wait0(&ev), 1); /* level-triggered: still readable */
	ck_assert_int_eq(utcp_read(X, c.sock, b, 2), 2);
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_int_eq(utcp_read(X, c.sock, b, 8), 1);
	ck_assert_int_eq(wait0(&ev), 0);
	/* Edge-triggered: once per arrival. */
	tt_ok(mod(c.sock, EPOLLIN | EPOLLET));
	tt_pin(&c, TH_ACK | TH_PSH, "de", 2);
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_int_eq(wait0(&ev), 0); /* unread, but no new edge */
	tt_pin(&c, TH_ACK | TH_PSH, "f", 1);
	ck_assert_int_eq(wait0(&ev), 1); /* new data: a new edge */
	ck_assert_int_eq(utcp_read(X, c.sock, b, 8), 3);
	tt_advance(40 * TT_MS);
	tn_tx_drain(tt_h.nic);
	tt_finish(&c);
}
END_TEST

START_TEST(oneshot_rearmed_by_mod)
{
	struct epoll_event ev;
	struct tt_conn c;
	char b[8];
	tt_passive(&c, L, TT_OPT_MSS);
	tt_ok(add(c.sock, EPOLLIN | EPOLLONESHOT));
	tt_pin(&c, TH_ACK | TH_PSH, "abc", 3);
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_int_eq(wait0(&ev), 0); /* disabled after one report */
	tt_pin(&c, TH_ACK | TH_PSH, "d", 1);
	ck_assert_int_eq(wait0(&ev), 0); /* even for new data */
	tt_ok(mod(c.sock, EPOLLIN | EPOLLONESHOT)); /* re-armed: ready now */
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLIN);
	ck_assert_int_eq(utcp_read(X, c.sock, b, 8), 4);
	tt_ok(utcp_epoll_ctl(X, EP, EPOLL_CTL_DEL, c.sock, NULL));
	tt_advance(40 * TT_MS);
	tn_tx_drain(tt_h.nic);
	tt_finish(&c);
}
END_TEST

START_TEST(out_on_connect_and_after_drain)
{
	struct epoll_event ev;
	struct tt_conn c;
	struct tt_seg s;
	tt_ok(utcp_close(X, L));
	L = -1;
	/* Nonblocking connect: EPOLLOUT once established. */
	int so = utcp_socket(X, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7),
				 .sin_addr.s_addr = TN_PEER_IP };
	tt_err(utcp_connect(X, so, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	tt_ok(add(so, EPOLLOUT | EPOLLET));
	ck_assert_int_eq(wait0(&ev), 0); /* SYN-SENT: nothing */
	tt_out(&s);
	struct tt_seg sa = { .sport = 7, .dport = s.sport, .seq = 500, .ack = s.seq + 1,
			     .flags = TH_SYN | TH_ACK, .win = 0 };
	tt_in(&sa);
	tt_out(&s);
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLOUT);
	tt_ok(utcp_connect(X, so, (struct sockaddr *)&a, sizeof(a)));
	/* Fill the send buffer (the peer's window is 0), then drain it. */
	static uint8_t big[70000];
	ck_assert_int_eq(utcp_write(X, so, big, sizeof(big)), 65536);
	ck_assert_int_eq(wait0(&ev), 0);
	memset(&c, 0, sizeof(c));
	c.pport = 7;
	c.hport = s.sport;
	c.pnxt = 501;
	c.hnxt = s.seq;
	struct tt_seg ack = { .sport = 7, .dport = s.sport, .seq = 501, .ack = s.seq + 1,
			      .flags = TH_ACK, .win = 65535 };
	tt_in(&ack); /* the window opens */
	/* Writable again (as Linux) once the free space is at least half of
	 * what is still queued: one edge then. */
	int rounds = 0, n = 0;
	while (n == 0 && rounds++ < 20) {
		while (tt_out(&s))
			;
		ack.ack = s.seq + s.len;
		tt_in(&ack);
		n = wait0(&ev);
	}
	ck_assert_int_eq(n, 1);
	ck_assert_int_gt(rounds, 1); /* not at the first small ACK */
	ck_assert_uint_eq(ev.events, EPOLLOUT);
	ck_assert_int_eq(wait0(&ev), 0);
	tt_ok(utcp_abort(X, so));
}
END_TEST

START_TEST(rdhup_then_hup)
{
	struct epoll_event ev;
	struct tt_conn c;
	struct tt_seg s;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_ok(add(c.sock, EPOLLIN | EPOLLRDHUP | EPOLLET));
	tt_pin(&c, TH_FIN | TH_ACK, NULL, 0);
	tt_hout(&c, &s, TH_ACK, c.pnxt, 0);
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLIN | EPOLLRDHUP);
	tt_ok(mod(c.sock, EPOLLIN | EPOLLOUT | EPOLLRDHUP));
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	tt_ok(utcp_shutdown(X, c.sock, SHUT_WR)); /* both directions shut: HUP */
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
	tt_hout(&c, &s, TH_FIN | TH_ACK, c.pnxt, 0);
	tt_pack(&c);
	tt_ok(utcp_close(X, c.sock));
}
END_TEST

START_TEST(rst_reports_err_and_hup)
{
	struct epoll_event ev;
	struct tt_conn c;
	tt_passive(&c, L, TT_OPT_MSS);
	tt_ok(add(c.sock, EPOLLIN | EPOLLET)); /* ERR and HUP need no asking */
	struct tt_seg r;
	tt_pseg(&c, &r, TH_RST, NULL, 0);
	tt_in(&r);
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLIN | EPOLLERR | EPOLLHUP);
	int e;
	socklen_t el = sizeof(e);
	tt_ok(utcp_getsockopt(X, c.sock, SOL_SOCKET, SO_ERROR, &e, &el));
	ck_assert_int_eq(e, ECONNRESET);
	tt_ok(utcp_close(X, c.sock));
}
END_TEST

START_TEST(wait_timeout_in_virtual_time)
{
	struct epoll_event ev[2];
	utcp_time_t t = tt_now();
	ck_assert_int_eq(utcp_epoll_wait(X, EP, ev, 2, 250), 0);
	ck_assert_uint_eq(tt_now() - t, 250 * TT_MS);
	/* Waiting forever with nothing that could happen: the NIC says so. */
	tt_err(utcp_epoll_wait(X, EP, ev, 2, -1), EDEADLK);
}
END_TEST

START_TEST(wait_runs_timers_until_the_event)
{
	struct epoll_event ev[2];
	int so = utcp_socket(X, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7),
				 .sin_addr.s_addr = TN_PEER_IP };
	tt_err(utcp_connect(X, so, (struct sockaddr *)&a, sizeof(a)), EINPROGRESS);
	tt_ok(add(so, EPOLLOUT));
	utcp_time_t t = tt_now();
	/* Nobody answers: SYN retransmissions run inside the wait, which
	 * returns when the connection gives up, 183 s later. */
	ck_assert_int_eq(utcp_epoll_wait(X, EP, ev, 2, -1), 1);
	ck_assert_uint_eq(tt_now() - t, 183 * TT_SEC);
	ck_assert_uint_eq(ev[0].events, EPOLLOUT | EPOLLERR | EPOLLHUP);
	tt_err(utcp_connect(X, so, (struct sockaddr *)&a, sizeof(a)), ETIMEDOUT);
	tn_tx_drain(tt_h.nic);
	tt_ok(utcp_close(X, so));
}
END_TEST

START_TEST(more_ready_than_maxevents)
{
	struct epoll_event ev[2];
	int s[3];
	for (int i = 0; i < 3; i++) {
		s[i] = utcp_socket(X, AF_INET, SOCK_STREAM, 0);
		tt_ok(add(s[i], EPOLLOUT));
	}
	/* Level-triggered sockets rotate: everyone is reported in turn. */
	int seen[3] = { 0 };
	for (int round = 0; round < 3; round++) {
		int n = utcp_epoll_wait(X, EP, ev, 2, 0);
		ck_assert_int_eq(n, 2);
		for (int i = 0; i < n; i++)
			seen[ev[i].data.u64 - 1000 - (uint64_t)s[0]]++;
	}
	ck_assert_int_eq(seen[0] + seen[1] + seen[2], 6);
	ck_assert_int_eq(seen[0], 2);
	ck_assert_int_eq(seen[1], 2);
	ck_assert_int_eq(seen[2], 2);
	for (int i = 0; i < 3; i++)
		tt_ok(utcp_close(X, s[i]));
}
END_TEST

/* Wake-up sockets (eventfd semantics). */
START_TEST(eventfd_counter)
{
	uint64_t v = 3;
	char small[4];
	int s = utcp_socket(X, AF_INET, SOCK_STREAM, 0);
	tt_err(utcp_eventfd(X, 0, EFD_SEMAPHORE), EINVAL);
	int e = utcp_eventfd(X, 2, EFD_NONBLOCK);
	ck_assert_int_ge(e, 0);
	tt_err(utcp_read(X, e, small, sizeof(small)), EINVAL);
	ck_assert_int_eq(utcp_write(X, e, &v, sizeof(v)), 8);
	ck_assert_int_eq(utcp_eventfd_signal(X, e, 4), 0);
	v = 0;
	ck_assert_int_eq(utcp_read(X, e, &v, sizeof(v)), 8);
	ck_assert_uint_eq(v, 9);
	tt_err(utcp_read(X, e, &v, sizeof(v)), EAGAIN); /* back to 0 */
	v = UINT64_MAX;
	tt_err(utcp_write(X, e, &v, sizeof(v)), EINVAL);
	tt_err(utcp_eventfd_signal(X, e, UINT64_MAX), EINVAL);
	tt_ok(utcp_eventfd_signal(X, e, UINT64_MAX - 1));
	tt_err(utcp_eventfd_signal(X, e, 1), EAGAIN); /* it would pass UINT64_MAX - 1 */
	tt_err(utcp_eventfd_signal(X, s, 1), EBADF);   /* a TCP socket */
	tt_err(utcp_eventfd_signal(X, 999, 1), EBADF);
	tt_err(utcp_accept(X, e, NULL, NULL), ENOTSOCK);
	tt_ok(utcp_close(X, e));
	tt_err(utcp_eventfd_signal(X, e, 1), EBADF); /* closed */
	tt_ok(utcp_close(X, s));
}
END_TEST

START_TEST(eventfd_signal_wakes_epoll)
{
	struct epoll_event ev;
	uint64_t v;
	int e = utcp_eventfd(X, 0, EFD_NONBLOCK);
	ck_assert_int_ge(e, 0);
	tt_ok(add(e, EPOLLIN));
	ck_assert_int_eq(wait0(&ev), 0);
	/* what another thread does: no call of its own reaches the ready list */
	tt_ok(utcp_eventfd_signal(X, e, 1));
	ck_assert_int_eq(wait0(&ev), 1);
	ck_assert_uint_eq(ev.events, EPOLLIN);
	ck_assert_uint_eq(ev.data.u64, 1000 + (uint64_t)e);
	ck_assert_int_eq(wait0(&ev), 1); /* level-triggered: until read */
	ck_assert_int_eq(utcp_read(X, e, &v, sizeof(v)), 8);
	ck_assert_int_eq(wait0(&ev), 0);
	/* a blocking wait with nobody to wake it sleeps in slices on a NIC without
	 * wake(): its timeout still holds on the context clock */
	utcp_time_t t0 = utcp_ctx_now(X);
	ck_assert_int_eq(utcp_epoll_wait(X, EP, &ev, 1, 20), 0);
	ck_assert_uint_ge(utcp_ctx_now(X) - t0, 20 * UTCP_NSEC_PER_MSEC);
	tt_ok(utcp_close(X, e));
	ck_assert_int_eq(wait0(&ev), 0);
}
END_TEST

Suite *epoll_suite(void)
{
	Suite *su = suite_create("epoll");
	TCase *tc = tcase_create("epoll");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, epoll_errors);
	tcase_add_test(tc, fresh_socket_is_out_and_hup);
	tcase_add_test(tc, listener_level_triggered);
	tcase_add_test(tc, sock_events_outside_epoll);
	tcase_add_test(tc, read_level_and_edge);
	tcase_add_test(tc, oneshot_rearmed_by_mod);
	tcase_add_test(tc, out_on_connect_and_after_drain);
	tcase_add_test(tc, rdhup_then_hup);
	tcase_add_test(tc, rst_reports_err_and_hup);
	tcase_add_test(tc, wait_timeout_in_virtual_time);
	tcase_add_test(tc, wait_runs_timers_until_the_event);
	tcase_add_test(tc, more_ready_than_maxevents);
	tcase_add_test(tc, eventfd_counter);
	tcase_add_test(tc, eventfd_signal_wakes_epoll);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(epoll_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
