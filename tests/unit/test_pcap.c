/*
 * tests/unit/test_pcap.c - the pcap capture middleware (nic/mw/pcap.c).
 *
 * A loopback NIC (tests/unit/loopnic.h) is wrapped in utcp_pcap_wrap(); the
 * test sends ARP and IPv4/UDP frames at set virtual times, receives them
 * back, closes, and reads the file with libpcap: every frame sent and
 * received is there, once, byte for byte, with its nanosecond timestamp.
 * Frames the lower NIC refused are not.  tshark, when installed, must read
 * the file without a malformed frame.
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utcp/nic.h>

#include "tests/unit/loopnic.h"

static struct loop_nic loop;
static char path[256];

static void setup(void)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	ck_assert_int_eq(loop_init(&loop), 0);
	snprintf(path, sizeof(path), "%s/utcp-test-pcap-XXXXXX", dir);
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	if (!loop.closed)
		utcp_nic_close(&loop.nic);
	ck_assert_uint_eq(loop.leaked, 0); /* no packet buffer leaked */
	unlink(path);
}

/* ---- frames ------------------------------------------------------------ */

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* RFC 826 request: who has 10.0.0.2? tell 10.0.0.1 (42 bytes). */
static uint16_t arp_request(uint8_t *f)
{
	static const uint8_t arp[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06,
		0, 1, 0x08, 0x00, 6, 4, 0, 1, 0x02, 0, 0, 0, 0, 1, 10, 0, 0, 1,
		0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
	};
	memcpy(f, arp, sizeof(arp));
	return sizeof(arp);
}

/* Ethernet + IPv4 (RFC 791, valid header checksum) + UDP (no checksum). */
static uint16_t udp_frame(uint8_t *f, uint16_t payload, uint8_t fill)
{
	static const uint8_t eth[] = { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00 };
	uint16_t ip_len = (uint16_t)(20 + 8 + payload);
	memcpy(f, eth, sizeof(eth));
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	uint16_t c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *udp = ip + 20;
	memcpy(udp, "\xc0\x00\xc0\x01", 4); /* 49152 -> 49153: no dissector claims it */
	udp[4] = (uint8_t)((8 + payload) >> 8);
	udp[5] = (uint8_t)(8 + payload);
	udp[6] = udp[7] = 0;
	memset(udp + 8, fill, payload);
	return (uint16_t)(14 + ip_len);
}

static struct utcp_pkt *frame_pkt(struct utcp_nic *nic, const uint8_t *f, uint16_t len)
{
	struct utcp_pkt *p = utcp_nic_alloc(nic, 0);
	ck_assert_ptr_nonnull(p);
	memcpy(p->data, f, len);
	p->len = len;
	return p;
}

/* ---- reading the capture back ------------------------------------------ */

struct rec {
	utcp_time_t ts;
	uint32_t caplen, len;
	uint8_t data[1600];
};

static int read_capture(const char *file, struct rec *out, int max)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *pd = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, eb);
	ck_assert_msg(pd != NULL, "pcap_open_offline: %s", eb);
	ck_assert_int_eq(pcap_datalink(pd), DLT_EN10MB);
	struct pcap_pkthdr *h;
	const u_char *d;
	int n = 0, r;
	while ((r = pcap_next_ex(pd, &h, &d)) == 1) {
		ck_assert_int_lt(n, max);
		out[n].ts = (utcp_time_t)h->ts.tv_sec * UTCP_NSEC_PER_SEC + (utcp_time_t)h->ts.tv_usec;
		out[n].caplen = h->caplen;
		out[n].len = h->len;
		memcpy(out[n].data, d, h->caplen < sizeof(out[n].data) ? h->caplen : sizeof(out[n].data));
		n++;
	}
	ck_assert_int_eq(r, PCAP_ERROR_BREAK); /* clean end of file, no truncated record */
	pcap_close(pd);
	return n;
}

/* The scenario most tests share: three frames out at t1, back in at t2. */
#define T1 (1 * UTCP_NSEC_PER_SEC + 500 * UTCP_NSEC_PER_MSEC + 123)
#define T2 (2 * UTCP_NSEC_PER_SEC + 7)

static uint8_t fr[3][1600];
static uint16_t frlen[3];

static void build_frames(void)
{
	frlen[0] = arp_request(fr[0]);
	frlen[1] = udp_frame(fr[1], 18, 0xab);   /* 60 bytes */
	frlen[2] = udp_frame(fr[2], 1472, 0x5a); /* 1514 bytes */
}

static void run_scenario(const char *file, uint32_t snaplen)
{
	char err[256];
	struct utcp_nic *nic = utcp_pcap_wrap(&loop.nic, file, snaplen, err, sizeof(err));
	ck_assert_msg(nic != NULL, "%s", err);
	ck_assert_str_eq(nic->name, "loop0");
	ck_assert_mem_eq(nic->caps.mac, loop.nic.caps.mac, UTCP_ETH_ALEN);

	build_frames();
	struct utcp_pkt *p[3];
	for (int i = 0; i < 3; i++)
		p[i] = frame_pkt(nic, fr[i], frlen[i]);
	loop.now = T1;
	ck_assert_uint_eq(utcp_nic_tx_burst(nic, 0, p, 3), 3);
	loop.now = T2;
	ck_assert_uint_eq(utcp_nic_rx_burst(nic, 0, p, 3), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_mem_eq(p[i]->data, fr[i], frlen[i]);
		utcp_nic_free(nic, p[i]);
	}
	struct utcp_nic_stats st;
	ck_assert_int_eq(nic->ops->stats(nic, &st), 0);
	ck_assert_uint_eq(st.bufs_in_use, 0);
	utcp_nic_close(nic);
	ck_assert(loop.closed);
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(test_tx_then_rx_recorded_with_ns_timestamps)
{
	struct rec r[8];
	run_scenario(path, 0);
	ck_assert_int_eq(read_capture(path, r, 8), 6);
	for (int i = 0; i < 6; i++) {
		int f = i % 3;
		ck_assert_uint_eq(r[i].ts, i < 3 ? T1 : T2);
		ck_assert_uint_eq(r[i].len, frlen[f]);
		ck_assert_uint_eq(r[i].caplen, frlen[f]);
		ck_assert_mem_eq(r[i].data, fr[f], frlen[f]);
	}
}
END_TEST

START_TEST(test_snaplen_truncates_capture_not_frame)
{
	struct rec r[8];
	run_scenario(path, 64);
	ck_assert_int_eq(read_capture(path, r, 8), 6);
	ck_assert_uint_eq(r[0].caplen, 42); /* the ARP frame fits */
	ck_assert_uint_eq(r[1].caplen, 60);
	ck_assert_uint_eq(r[2].caplen, 64); /* 1514-byte frame cut at the snaplen */
	ck_assert_uint_eq(r[2].len, 1514);
	ck_assert_mem_eq(r[2].data, fr[2], 64);
}
END_TEST

START_TEST(test_refused_frames_not_recorded)
{
	char err[256];
	struct rec r[8];
	struct utcp_nic *nic = utcp_pcap_wrap(&loop.nic, path, 0, err, sizeof(err));
	ck_assert_msg(nic != NULL, "%s", err);
	build_frames();
	struct utcp_pkt *p[3];
	for (int i = 0; i < 3; i++)
		p[i] = frame_pkt(nic, fr[i], frlen[i]);

	loop.now = 1000;
	loop.tx_room = 1; /* the ring takes one frame: p[1], p[2] stay ours */
	ck_assert_uint_eq(utcp_nic_tx_burst(nic, 0, p, 3), 1);
	loop.now = 2000;
	loop.tx_room = UINT32_MAX;
	ck_assert_uint_eq(utcp_nic_tx_burst(nic, 0, p + 1, 2), 2); /* the retry */
	loop.now = 3000;
	ck_assert_uint_eq(utcp_nic_rx_burst(nic, 0, p, 3), 3);
	for (int i = 0; i < 3; i++)
		utcp_nic_free(nic, p[i]);
	utcp_nic_close(nic);

	ck_assert_int_eq(read_capture(path, r, 8), 6);
	const utcp_time_t ts[6] = { 1000, 2000, 2000, 3000, 3000, 3000 };
	for (int i = 0; i < 6; i++) {
		ck_assert_uint_eq(r[i].ts, ts[i]);
		ck_assert_mem_eq(r[i].data, fr[i % 3], frlen[i % 3]);
	}
}
END_TEST

static long slurp(const char *file, uint8_t *buf, size_t max)
{
	FILE *f = fopen(file, "rb");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, max, f);
	fclose(f);
	return (long)n;
}

START_TEST(test_same_inputs_give_identical_files)
{
	static uint8_t a[8192], b[8192];
	char path2[sizeof(path) + 2];
	run_scenario(path, 0);
	snprintf(path2, sizeof(path2), "%s.2", path);
	ck_assert_int_eq(loop_init(&loop), 0);
	run_scenario(path2, 0);
	long na = slurp(path, a, sizeof(a)), nb = slurp(path2, b, sizeof(b));
	unlink(path2);
	/* 24-byte file header + 6 x 16-byte record headers + frames */
	ck_assert_int_eq(na, 24 + 6 * 16 + 2 * (42 + 60 + 1514));
	ck_assert_int_eq(na, nb);
	ck_assert_mem_eq(a, b, (size_t)na);
	ck_assert_uint_eq(a[0] | a[1] << 8 | a[2] << 16 | (uint32_t)a[3] << 24, 0xa1b23c4d);
}
END_TEST

START_TEST(test_tshark_reads_without_malformed_frames)
{
	const char *tshark = "/usr/bin/tshark";
	if (access(tshark, X_OK) != 0) {
		fprintf(stderr, "test_pcap: %s not installed, skipping the tshark check\n", tshark);
		run_scenario(path, 0);
		return;
	}
	run_scenario(path, 0);
	char cmd[512], line[512];
	snprintf(cmd, sizeof(cmd), "%s -n -r '%s' 2>&1", tshark, path);
	FILE *out = popen(cmd, "r");
	ck_assert_ptr_nonnull(out);
	int lines = 0;
	while (fgets(line, sizeof(line), out) != NULL) {
		ck_assert_msg(strstr(line, "Malformed") == NULL, "tshark: %s", line);
		if (strstr(line, "ARP") != NULL || strstr(line, "UDP") != NULL)
			lines++;
	}
	ck_assert_int_eq(pclose(out), 0);
	ck_assert_int_eq(lines, 6);
}
END_TEST

START_TEST(test_unwritable_path_fails_and_leaves_lower_open)
{
	char err[256] = "";
	struct utcp_nic *nic =
		utcp_pcap_wrap(&loop.nic, "/nonexistent-dir/x.pcap", 0, err, sizeof(err));
	ck_assert_ptr_null(nic);
	ck_assert_msg(strstr(err, "/nonexistent-dir/x.pcap") != NULL, "%s", err);
	ck_assert(!loop.closed);
}
END_TEST

/* TSO: large buffers come from the lower NIC through the capture (its TSO
 * frames are recorded as handed over, as tcpdump records Linux's GSO
 * frames); none when the lower NIC has none. */
static unsigned large_calls;
static struct utcp_pkt *loop_alloc_large(struct utcp_nic *nic, uint16_t q)
{
	large_calls++;
	return loop_alloc(nic, q);
}

START_TEST(test_large_buffers_from_the_lower_nic)
{
	char err[256], file[] = "/tmp/utcp-pcap-large-XXXXXX";
	int fd = mkstemp(file);
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct utcp_nic *nic = utcp_pcap_wrap(&loop.nic, file, 0, err, sizeof(err));
	ck_assert_msg(nic != NULL, "%s", err);
	ck_assert_ptr_nonnull(nic->ops->alloc_large);
	ck_assert_ptr_null(nic->ops->alloc_large(nic, 0)); /* the lower has none */
	static struct utcp_nic_ops large_ops;
	large_ops = loop_ops;
	large_ops.alloc_large = loop_alloc_large;
	loop.nic.ops = &large_ops;
	struct utcp_pkt *p = nic->ops->alloc_large(nic, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(large_calls, 1);
	utcp_nic_free(nic, p);
	utcp_nic_close(nic);
	unlink(file);
}
END_TEST

static Suite *pcap_suite(void)
{
	Suite *s = suite_create("pcap");
	TCase *tc = tcase_create("capture");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tx_then_rx_recorded_with_ns_timestamps);
	tcase_add_test(tc, test_snaplen_truncates_capture_not_frame);
	tcase_add_test(tc, test_refused_frames_not_recorded);
	tcase_add_test(tc, test_same_inputs_give_identical_files);
	tcase_add_test(tc, test_tshark_reads_without_malformed_frames);
	tcase_add_test(tc, test_unwritable_path_fails_and_leaves_lower_open);
	tcase_add_test(tc, test_large_buffers_from_the_lower_nic);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pcap_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
