/*
 * tests/unit/test_tap.c - the TAP backend (nic/tap/tap.c) through the
 * registry.  Needs root (CAP_NET_ADMIN) and /dev/net/tun: without them it
 * exits 77 and says why.
 *
 * The tests run in a network namespace of their own when they may create
 * one (unshare(CLONE_NEWNET) at start), so the tap devices and the address
 * given to their kernel side never touch the host's network, and disappear
 * with the process.  The tests open a tap, check its
 * capabilities, ask the kernel side for its MAC with an ARP request (RFC 826)
 * and read the reply (with and without the virtio_net_hdr of checksum
 * offload, tap_vnet_hdr), check that another thread's wake() ends a wait
 * (alone and through fault injection), and that closing removes the device.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utcp/nic.h>
#include <utcp/utcp.h>

static struct utcp_config cfg;
static char err[512];

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.io, sizeof(cfg.io), "tap");
	snprintf(cfg.tap_name, sizeof(cfg.tap_name), "utcpt%d", (int)getpid() % 100000);
	cfg.num_cores = 1;
	cfg.nb_ports = 1;
	cfg.max_pkt_buffers = 64;
	snprintf(cfg.ports[0].name, sizeof(cfg.ports[0].name), "port0");
	err[0] = '\0';
}

static struct utcp_nic *open_tap(uint16_t queues)
{
	struct utcp_nic *nic = utcp_nic_open(&cfg, &cfg.ports[0], queues, err, sizeof(err));
	ck_assert_msg(nic != NULL, "%s", err);
	return nic;
}

static void close_tap(struct utcp_nic *nic)
{
	struct utcp_nic_stats st;
	ck_assert_int_eq(nic->ops->stats(nic, &st), 0);
	ck_assert_uint_eq(st.bufs_in_use, 0); /* no packet buffer leaked */
	utcp_nic_close(nic);
	ck_assert_uint_eq(if_nametoindex(cfg.tap_name), 0); /* the device is gone */
}

START_TEST(test_open_multiqueue_caps)
{
	struct utcp_nic *nic = open_tap(2);
	ck_assert_str_eq(nic->ops->name, "tap");
	ck_assert_str_eq(nic->name, "port0");
	ck_assert_uint_ne(if_nametoindex(cfg.tap_name), 0);
	ck_assert_uint_eq(nic->caps.nb_queues, 2);
	ck_assert_uint_eq(nic->caps.mtu, 1500);
	ck_assert_int_eq(nic->caps.rss, UTCP_RSS_OPAQUE);
	ck_assert_uint_ge(nic->caps.buf_size, UTCP_PKT_HEADROOM + 1514);
	/* locally administered unicast, derived from the name */
	ck_assert_uint_eq(nic->caps.mac[0] & 0x03, 0x02);
	uint8_t mac[UTCP_ETH_ALEN];
	memcpy(mac, nic->caps.mac, sizeof(mac));
	struct utcp_pkt *p = utcp_nic_alloc(nic, 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(utcp_pkt_headroom(p), UTCP_PKT_HEADROOM);
	utcp_nic_free(nic, p);
	close_tap(nic);

	nic = open_tap(1);
	ck_assert_int_eq(nic->caps.rss, UTCP_RSS_NONE);
	ck_assert_mem_eq(nic->caps.mac, mac, UTCP_ETH_ALEN); /* same name, same MAC */
	close_tap(nic);
}
END_TEST

START_TEST(test_configured_mac_is_used)
{
	memcpy(cfg.ports[0].mac, "\x02\x11\x22\x33\x44\x55", UTCP_ETH_ALEN);
	cfg.ports[0].has_mac = 1;
	struct utcp_nic *nic = open_tap(1);
	ck_assert_mem_eq(nic->caps.mac, "\x02\x11\x22\x33\x44\x55", UTCP_ETH_ALEN);
	close_tap(nic);
}
END_TEST

static uint32_t kernel_addr(const char *ifname)
{
	struct ifreq ifr;
	struct sockaddr_in sin;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%.15s", ifname);
	int r = ioctl(s, SIOCGIFADDR, &ifr);
	close(s);
	if (r != 0)
		return 0;
	memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
	return sin.sin_addr.s_addr;
}

/* RFC 826 request from (mac, 10.213.0.2) for 10.213.0.1. */
static void send_arp_request(struct utcp_nic *nic, const uint8_t *mac)
{
	struct utcp_pkt *p = utcp_nic_alloc(nic, 0);
	ck_assert_ptr_nonnull(p);
	uint8_t *f = p->data;
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	memcpy(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, "\x0a\xd5\x00\x02", 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, "\x0a\xd5\x00\x01", 4);
	p->len = 42;
	ck_assert_uint_eq(utcp_nic_tx_burst(nic, 0, &p, 1), 1);
}

START_TEST(test_kernel_side_answers_arp)
{
	cfg.tap_vnet_hdr = _i;
	cfg.ports[0].peer_ip = inet_addr("10.213.0.1");
	cfg.ports[0].prefix = 24;
	cfg.ports[0].ip = inet_addr("10.213.0.2");
	struct utcp_nic *nic = open_tap(1);
	ck_assert_uint_eq(nic->caps.offloads,
			  _i ? UTCP_NIC_RX_TCP_CKSUM | UTCP_NIC_TX_TCP_CKSUM : 0u);
	ck_assert_uint_eq(kernel_addr(cfg.tap_name), inet_addr("10.213.0.1"));
	struct utcp_nic_stats st;
	ck_assert_int_eq(nic->ops->stats(nic, &st), 0);
	ck_assert_int_eq(st.link_up, 1);

	send_arp_request(nic, nic->caps.mac);
	utcp_time_t end = utcp_nic_now(nic) + 3 * UTCP_NSEC_PER_SEC;
	int replied = 0;
	while (!replied && utcp_nic_now(nic) < end) {
		struct utcp_pkt *p[8];
		if (utcp_nic_wait(nic, 0, end) < 0)
			ck_assert_int_eq(errno, EINTR);
		uint16_t n = utcp_nic_rx_burst(nic, 0, p, 8);
		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *f = p[i]->data;
			/* other frames (IPv6 autoconfiguration) are ignored */
			if (p[i]->len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2) {
				ck_assert_mem_eq(f, nic->caps.mac, 6); /* to us */
				ck_assert_mem_eq(f + 28, "\x0a\xd5\x00\x01", 4);
				ck_assert_mem_eq(f + 38, "\x0a\xd5\x00\x02", 4);
				replied = 1;
			}
			utcp_nic_free(nic, p[i]);
		}
	}
	ck_assert_msg(replied, "no ARP reply from the kernel side");
	ck_assert_int_eq(nic->ops->stats(nic, &st), 0);
	ck_assert_uint_ge(st.tx_pkts, 1);
	ck_assert_uint_ge(st.rx_pkts, 1);
	close_tap(nic);
}
END_TEST

START_TEST(test_wait_times_out_on_idle_queue)
{
	struct utcp_nic *nic = open_tap(1);
	struct utcp_pkt *p[8];
	int r = 1;
	/* the kernel may send a few autoconfiguration frames: drain, retry */
	for (int tries = 0; tries < 20 && r != 0; tries++) {
		uint16_t n;
		while ((n = utcp_nic_rx_burst(nic, 0, p, 8)) > 0)
			for (uint16_t i = 0; i < n; i++)
				utcp_nic_free(nic, p[i]);
		utcp_time_t t0 = utcp_nic_now(nic);
		r = utcp_nic_wait(nic, 0, t0 + 20 * UTCP_NSEC_PER_MSEC);
		if (r == 0)
			ck_assert_uint_ge(utcp_nic_now(nic) - t0, 19 * UTCP_NSEC_PER_MSEC);
	}
	ck_assert_int_eq(r, 0);
	uint16_t n;
	while ((n = utcp_nic_rx_burst(nic, 0, p, 8)) > 0)
		for (uint16_t i = 0; i < n; i++)
			utcp_nic_free(nic, p[i]);
	close_tap(nic);
}
END_TEST

/* Another thread's wake() ends a wait that has no frame to end it. */
struct waker {
	struct utcp_nic *nic;
	int rc;
};

static void *wake_later(void *arg)
{
	struct waker *w = arg;
	usleep(100 * 1000);
	w->rc = utcp_nic_wake(w->nic, 0);
	return NULL;
}

/* Take and free every frame the kernel sent, including one the fault
 * middleware still holds for its delay (bounded: 1 s). */
static void drain(struct utcp_nic *nic)
{
	struct utcp_pkt *p[8];
	struct utcp_nic_stats st;
	for (int round = 0; round < 1000; round++) {
		uint16_t n;
		while ((n = utcp_nic_rx_burst(nic, 0, p, 8)) > 0)
			for (uint16_t i = 0; i < n; i++)
				utcp_nic_free(nic, p[i]);
		if (nic->ops->stats(nic, &st) == 0 && st.bufs_in_use == 0)
			return;
		usleep(1000);
	}
}

START_TEST(test_wake_from_another_thread)
{
	/* through the middleware too: each forwards wake() to the NIC below */
	if (_i == 1) {
		cfg.fault_enabled = 1;
		cfg.fault.delay = 1000;
	}
	struct utcp_nic *nic = open_tap(1);
	drain(nic);
	/* a wake-up before the wait ends it at once, and is used up */
	ck_assert_int_eq(utcp_nic_wake(nic, 0), 0);
	utcp_time_t t0 = utcp_nic_now(nic);
	ck_assert_int_eq(utcp_nic_wait(nic, 0, t0 + 10 * UTCP_NSEC_PER_SEC), 1);
	ck_assert_uint_lt(utcp_nic_now(nic) - t0, UTCP_NSEC_PER_SEC);
	struct waker w = { nic, -1 };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, wake_later, &w), 0);
	t0 = utcp_nic_now(nic);
	int r;
	do { /* a frame from the kernel may end a wait first: wait again */
		drain(nic);
		r = utcp_nic_wait(nic, 0, t0 + 10 * UTCP_NSEC_PER_SEC);
	} while (r == 1 && __atomic_load_n(&w.rc, __ATOMIC_ACQUIRE) != 0 &&
		 utcp_nic_now(nic) - t0 < 10 * UTCP_NSEC_PER_SEC);
	utcp_time_t took = utcp_nic_now(nic) - t0;
	pthread_join(th, NULL);
	ck_assert_int_eq(w.rc, 0);
	ck_assert_int_eq(r, 1);
	ck_assert_uint_lt(took, 2 * UTCP_NSEC_PER_SEC);
	drain(nic);
	close_tap(nic);
}
END_TEST

START_TEST(test_open_with_fault_and_pcap)
{
	char path[256];
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(path, sizeof(path), "%s/utcp-test-tap-%d.pcap", dir, (int)getpid());
	snprintf(cfg.pcap, sizeof(cfg.pcap), "%s", path);
	cfg.fault_enabled = 1;
	cfg.fault.delay = 1000;
	struct utcp_nic *nic = open_tap(1);
	ck_assert_str_eq(nic->ops->name, "pcap");
	ck_assert_str_eq(nic->lower->ops->name, "fault");
	ck_assert_str_eq(nic->lower->lower->ops->name, "tap");
	close_tap(nic);
	ck_assert_int_eq(access(path, F_OK), 0);
	unlink(path);
}
END_TEST

START_TEST(test_name_too_long)
{
	snprintf(cfg.tap_name, sizeof(cfg.tap_name), "a-name-much-too-long-for-linux");
	ck_assert_ptr_null(utcp_nic_open(&cfg, &cfg.ports[0], 1, err, sizeof(err)));
	ck_assert_msg(strstr(err, "longer than 15") != NULL, "%s", err);
}
END_TEST

static Suite *tap_suite(void)
{
	Suite *s = suite_create("tap");
	TCase *tc = tcase_create("device");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_open_multiqueue_caps);
	tcase_add_test(tc, test_configured_mac_is_used);
	tcase_add_loop_test(tc, test_kernel_side_answers_arp, 0, 2); /* tap_vnet_hdr 0, 1 */
	tcase_add_test(tc, test_wait_times_out_on_idle_queue);
	tcase_add_test(tc, test_open_with_fault_and_pcap);
	tcase_add_loop_test(tc, test_wake_from_another_thread, 0, 2); /* tap; fault over tap */
	tcase_add_test(tc, test_name_too_long);
	suite_add_tcase(s, tc);
	return s;
}

/* 77 (skip) when this process may not create tap devices. */
static void require_tap(void)
{
	char e[256];
	struct utcp_config c;
	memset(&c, 0, sizeof(c));
	snprintf(c.io, sizeof(c.io), "tap");
	snprintf(c.tap_name, sizeof(c.tap_name), "utcpp%d", (int)getpid() % 100000);
	c.nb_ports = 1;
	c.max_pkt_buffers = 4;
	struct utcp_nic *nic = utcp_nic_open(&c, &c.ports[0], 1, e, sizeof(e));
	if (nic == NULL) {
		printf("test_tap: skipped: %s\n", e);
		exit(77);
	}
	utcp_nic_close(nic);
}

int main(void)
{
	if (geteuid() != 0)
		fprintf(stderr, "test_tap: not root; trying anyway (CAP_NET_ADMIN may suffice)\n");
	if (unshare(CLONE_NEWNET) != 0)
		fprintf(stderr, "test_tap: no private network namespace (%s), using the current "
			"one\n", strerror(errno));
	require_tap();
	SRunner *sr = srunner_create(tap_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
