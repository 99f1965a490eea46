/*
 * tests/unit/test_config.c - utcp.conf, arp.conf, route.conf (setup/config.c).
 *
 * Each test writes small files into a fresh temporary directory, loads them
 * and asserts either the parsed struct or the exact error message, with its
 * file, line and key.  The shipped samples (config/sample_*.conf) must load
 * and must mention every key.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <utcp/utcp.h>

#include "core/base/args.h"
#include "core/net/net.h"

#define IP(a, b, c, d) htonl(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static char dir[64];
static char files[16][512];
static int nfiles;
static struct utcp_config cfg;
static char err[512];

static void setup(void)
{
	strcpy(dir, "/tmp/utcp-test-config-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	nfiles = 0;
	utcp_config_defaults(&cfg);
	err[0] = '\0';
}

static void teardown(void)
{
	char sub[128];
	for (int i = nfiles - 1; i >= 0; i--)
		unlink(files[i]);
	snprintf(sub, sizeof(sub), "%s/config", dir);
	rmdir(sub);
	ck_assert_int_eq(rmdir(dir), 0);
}

/* Write dir/name (name may be "config/x": the subdirectory is made). */
static const char *put(const char *name, const char *text)
{
	char want[512];
	snprintf(want, sizeof(want), "%s/%s", dir, name);
	int i = 0;
	while (i < nfiles && strcmp(files[i], want) != 0)
		i++;
	ck_assert_int_lt(i, 16);
	if (i == nfiles)
		nfiles++;
	char *path = files[i];
	strcpy(path, want);
	if (strncmp(name, "config/", 7) == 0) {
		char sub[128];
		snprintf(sub, sizeof(sub), "%s/config", dir);
		mkdir(sub, 0700);
	}
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Load text as utcp.conf; returns what utcp_config_load returned. */
static int load(const char *text)
{
	return utcp_config_load(&cfg, put("utcp.conf", text), err, sizeof(err));
}

/* Assert the error message: fmt with "%s" for the file path(s). */
static void expect_err(const char *fmt, ...)
{
	char want[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	ck_assert_str_eq(err, want);
}

static const char *conf_path(void)
{
	static char p[512];
	snprintf(p, sizeof(p), "%s/utcp.conf", dir);
	return p;
}

/* Load text, expect failure and the message "<path>:<rest>". */
static void load_fails(const char *text, const char *rest)
{
	ck_assert_int_eq(load(text), -1);
	expect_err("%s:%s", conf_path(), rest);
}

#define BASE "port = eth0\neth0.ip = 10.0.0.1/24\n"

/* ---- defaults and good files ------------------------------------------- */

START_TEST(test_defaults)
{
	ck_assert_str_eq(cfg.io, "sim");
	ck_assert_int_eq(cfg.num_cores, 1);
	ck_assert_int_eq(cfg.max_concurrency, 10000);
	ck_assert_int_eq(cfg.max_num_buffers, 10000);
	ck_assert_int_eq(cfg.max_pkt_buffers, 8192);
	ck_assert_int_eq(cfg.rcvbuf, 8192);
	ck_assert_int_eq(cfg.sndbuf, 8192);
	ck_assert_int_eq(cfg.tcp_timeout, 30);
	ck_assert_int_eq(cfg.tcp_timewait, 60);
	ck_assert_int_eq(cfg.tcp_rto_min, 1000);
	ck_assert_int_eq(cfg.tcp_delack, 40);
	ck_assert_int_eq(cfg.tcp_timestamps, 1);
	ck_assert_int_eq(cfg.tcp_sack, 1);
	ck_assert_int_eq(cfg.tcp_window_scaling, 1);
	ck_assert_int_eq(cfg.tcp_wscale, 0);
	ck_assert_int_eq(cfg.tcp_syn_retries, 7);
	ck_assert_int_eq(cfg.tcp_retries2, 12);
	ck_assert_int_eq(cfg.tcp_undo, 1);
	ck_assert_int_eq(cfg.tcp_tlp_again, 2);
	ck_assert_int_eq(cfg.tcp_ecn, 2);
	ck_assert_int_eq(cfg.tcp_pacing, 0);
	ck_assert_int_eq(cfg.tcp_pacing_ss_ratio, 200);
	ck_assert_int_eq(cfg.tcp_pacing_ca_ratio, 120);
	ck_assert_int_eq(cfg.sock_buf_double, 0);
	ck_assert_str_eq(cfg.cc, "cubic");
	ck_assert_int_eq(cfg.arp_timeout, 300);
	ck_assert_uint_eq(cfg.pcap_snaplen, 65535);
	ck_assert_int_eq(cfg.num_rx_desc, 1024);
	ck_assert_int_eq(cfg.num_tx_desc, 1024);
	ck_assert_int_eq(cfg.has_seed, 0);
	ck_assert_int_eq(cfg.fault_enabled, 0);
	ck_assert_int_eq(cfg.nb_ports, 0);
	ck_assert_int_eq(cfg.nb_routes, 0);
	ck_assert_int_eq(cfg.nb_arp, 0);
	ck_assert_str_eq(cfg.pcap, "");
}
END_TEST

START_TEST(test_good_file)
{
	ck_assert_int_eq(load("# a comment\n"
			      "\n"
			      "io = tap   # trailing comment\n"
			      "num_cores 4\n"
			      "max_concurrency=5000\n"
			      "  max_num_buffers\t =\t 200  \r\n"
			      "max_pkt_buffers = 1024\n"
			      "tcp_timeout = -1\n"
			      "tcp_timewait = 0\n"
			      "tcp_rto_min = 200\n"
			      "tcp_delack = 100\n"
			      "port = eth0 eth1\n"
			      "eth0.ip = 10.0.0.1/24\n"
			      "eth0.mac = 02:00:0A:bc:00:01\n"
			      "eth0.gateway = 10.0.0.254\n"
			      "eth0.peer_ip = 10.0.0.2\n"
			      "eth1.ip = 192.168.7.9/16\n"
			      "stat_print = eth1 eth0\n"
			      "seed = 0x1234\n"
			      "cc = newreno\n"
			      "arp_timeout = 0\n"
			      "pcap = /tmp/x y.pcap\n"
			      "pcap_snaplen = 128\n"
			      "tap_name = utcp7\n"
			      "dpdk_args = -l 0-1 --vdev=net_ring0\n"
			      "psio_dev = xge0\n"
			      "num_rx_desc = 512\n"
			      "num_tx_desc = 256\n"
			      "core_mask = f0\n"
			      "num_mem_ch = 4\n"),
			 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(cfg.path, conf_path());
	ck_assert_str_eq(cfg.io, "tap");
	ck_assert_int_eq(cfg.num_cores, 4);
	ck_assert_int_eq(cfg.max_concurrency, 5000);
	ck_assert_int_eq(cfg.max_num_buffers, 200);
	ck_assert_int_eq(cfg.max_pkt_buffers, 1024);
	ck_assert_int_eq(cfg.tcp_timeout, -1);
	ck_assert_int_eq(cfg.tcp_timewait, 0);
	ck_assert_int_eq(cfg.tcp_rto_min, 200);
	ck_assert_int_eq(cfg.tcp_delack, 100);
	ck_assert_int_eq(cfg.nb_ports, 2);
	ck_assert_str_eq(cfg.ports[0].name, "eth0");
	ck_assert_uint_eq(cfg.ports[0].ip, IP(10, 0, 0, 1));
	ck_assert_uint_eq(cfg.ports[0].prefix, 24);
	ck_assert_int_eq(cfg.ports[0].has_mac, 1);
	const uint8_t mac[6] = { 0x02, 0x00, 0x0a, 0xbc, 0x00, 0x01 };
	ck_assert_mem_eq(cfg.ports[0].mac, mac, 6);
	ck_assert_uint_eq(cfg.ports[0].gateway, IP(10, 0, 0, 254));
	ck_assert_uint_eq(cfg.ports[0].peer_ip, IP(10, 0, 0, 2));
	ck_assert_str_eq(cfg.ports[1].name, "eth1");
	ck_assert_uint_eq(cfg.ports[1].ip, IP(192, 168, 7, 9));
	ck_assert_uint_eq(cfg.ports[1].prefix, 16);
	ck_assert_int_eq(cfg.ports[1].has_mac, 0);
	ck_assert_uint_eq(cfg.ports[1].gateway, 0);
	ck_assert_int_eq(cfg.nb_stat_print, 2);
	ck_assert_str_eq(cfg.stat_print[0], "eth1");
	ck_assert_str_eq(cfg.stat_print[1], "eth0");
	ck_assert_uint_eq(cfg.seed, 0x1234);
	ck_assert_int_eq(cfg.has_seed, 1);
	ck_assert_str_eq(cfg.cc, "newreno");
	ck_assert_int_eq(cfg.arp_timeout, 0);
	ck_assert_str_eq(cfg.pcap, "/tmp/x y.pcap");
	ck_assert_uint_eq(cfg.pcap_snaplen, 128);
	ck_assert_str_eq(cfg.tap_name, "utcp7");
	ck_assert_str_eq(cfg.dpdk_args, "-l 0-1 --vdev=net_ring0");
	ck_assert_str_eq(cfg.psio_dev, "xge0");
	ck_assert_int_eq(cfg.num_rx_desc, 512);
	ck_assert_int_eq(cfg.num_tx_desc, 256);
	ck_assert_uint_eq(cfg.core_mask, 0xf0);
	ck_assert_int_eq(cfg.num_mem_ch, 4);
	ck_assert_int_eq(cfg.fault_enabled, 0);
	/* No arp.conf / route.conf next to it: nothing loaded. */
	ck_assert_int_eq(cfg.nb_arp, 0);
	ck_assert_int_eq(cfg.nb_routes, 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), 0);
	/* Connected routes for both ports, then the default via eth0's gateway. */
	ck_assert_int_eq(cfg.nb_routes, 3);
	ck_assert_uint_eq(cfg.routes[0].dst, IP(10, 0, 0, 0));
	ck_assert_uint_eq(cfg.routes[0].prefix, 24);
	ck_assert_uint_eq(cfg.routes[0].gateway, 0);
	ck_assert_int_eq(cfg.routes[0].port, 0);
	ck_assert_uint_eq(cfg.routes[1].dst, IP(192, 168, 0, 0));
	ck_assert_uint_eq(cfg.routes[1].prefix, 16);
	ck_assert_int_eq(cfg.routes[1].port, 1);
	ck_assert_uint_eq(cfg.routes[2].dst, 0);
	ck_assert_uint_eq(cfg.routes[2].prefix, 0);
	ck_assert_uint_eq(cfg.routes[2].gateway, IP(10, 0, 0, 254));
	ck_assert_int_eq(cfg.routes[2].port, 0);
	/* finish is idempotent. */
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.nb_routes, 3);
}
END_TEST

START_TEST(test_fault_keys)
{
	ck_assert_int_eq(load(BASE "fault_loss = 0.01\n"
				   "fault_burst_loss = 0.002\n"
				   "fault_burst_len = 4.5\n"
				   "fault_reorder = 0.25\n"
				   "fault_dup = 1\n"
				   "fault_corrupt = 0\n"
				   "fault_delay_us = 1500\n"
				   "fault_jitter_us = 20\n"
				   "fault_seed = 99\n"),
			 0);
	ck_assert_int_eq(cfg.fault_enabled, 1);
	ck_assert(cfg.fault.loss == 0.01);
	ck_assert(cfg.fault.burst_loss == 0.002);
	ck_assert(cfg.fault.burst_len == 4.5);
	ck_assert(cfg.fault.reorder == 0.25);
	ck_assert(cfg.fault.dup == 1.0);
	ck_assert(cfg.fault.corrupt == 0.0);
	ck_assert_uint_eq(cfg.fault.delay, 1500 * UTCP_NSEC_PER_USEC);
	ck_assert_uint_eq(cfg.fault.jitter, 20 * UTCP_NSEC_PER_USEC);
	ck_assert_uint_eq(cfg.fault.seed, 99);
	/* Any single fault_* key turns injection on. */
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(utcp_config_set(&cfg, "fault_seed", "1", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.fault_enabled, 1);
}
END_TEST

START_TEST(test_buffers_copy)
{
	ck_assert_int_eq(load(BASE "rcvbuf = 16384\n"), 0);
	ck_assert_int_eq(cfg.rcvbuf, 16384);
	ck_assert_int_eq(cfg.sndbuf, 16384);

	utcp_config_defaults(&cfg);
	ck_assert_int_eq(load(BASE "sndbuf = 4096\n"), 0);
	ck_assert_int_eq(cfg.rcvbuf, 4096);
	ck_assert_int_eq(cfg.sndbuf, 4096);

	/* Both given, in either order: each keeps its own. */
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(load(BASE "sndbuf = 4096\nrcvbuf = 65536\n"), 0);
	ck_assert_int_eq(cfg.rcvbuf, 65536);
	ck_assert_int_eq(cfg.sndbuf, 4096);

	utcp_config_defaults(&cfg);
	ck_assert_int_eq(utcp_config_set(&cfg, "rcvbuf", "1000", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.sndbuf, 1000);
	ck_assert_int_eq(utcp_config_set(&cfg, "sndbuf", "2000", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.rcvbuf, 1000);
	ck_assert_int_eq(cfg.sndbuf, 2000);
}
END_TEST

START_TEST(test_set_overrides)
{
	ck_assert_int_eq(load(BASE "num_cores = 2\n"), 0);
	/* A command-line override is not a duplicate. */
	ck_assert_int_eq(utcp_config_set(&cfg, "num_cores", "3", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.num_cores, 3);
	ck_assert_int_eq(cfg.tcp_wmem, 0); /* off: payload bytes, up to sndbuf */
	ck_assert_int_eq(utcp_config_set(&cfg, "tcp_wmem", "262144", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.tcp_wmem, 262144);
	ck_assert_int_eq(cfg.tcp_fastopen, 1); /* Linux's default: the client side */
	ck_assert_int_eq(utcp_config_set(&cfg, "tcp_fastopen", "0", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.tcp_fastopen, 0);
	ck_assert_int_eq(utcp_config_set(&cfg, "eth0.ip", "10.9.0.1/16", err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.ports[0].ip, IP(10, 9, 0, 1));
	/* Errors from set have no file or line. */
	ck_assert_int_eq(utcp_config_set(&cfg, "rcvbuf", "lots", err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	expect_err("key 'rcvbuf': 'lots' is not an integer");
	ck_assert_int_eq(utcp_config_set(&cfg, "nope", "1", err, sizeof(err)), -1);
	expect_err("key 'nope': unknown key");
	/* A new port list keeps the settings of ports it still names. */
	ck_assert_int_eq(utcp_config_set(&cfg, "port", "eth1 eth0", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.nb_ports, 2);
	ck_assert_str_eq(cfg.ports[1].name, "eth0");
	ck_assert_uint_eq(cfg.ports[1].ip, IP(10, 9, 0, 1));
	ck_assert_uint_eq(cfg.ports[0].ip, 0);
	/* A tiny err buffer is never overrun. */
	char small[8];
	ck_assert_int_eq(utcp_config_set(&cfg, "io", "x", small, sizeof(small)), -1);
	ck_assert_str_eq(small, "key 'io");
	ck_assert_int_eq(utcp_config_set(&cfg, "io", "x", NULL, 0), -1);
}
END_TEST

/* ---- utcp.conf errors ---------------------------------------------------- */

START_TEST(test_err_unknown_key)
{
	load_fails(BASE "\n# ok\nmultiprocess = 1\n", "5: key 'multiprocess': unknown key");
}
END_TEST

START_TEST(test_err_numbers)
{
	load_fails("num_cores = two\n", "1: key 'num_cores': 'two' is not an integer");
	utcp_config_defaults(&cfg);
	load_fails("num_cores = 4x\n", "1: key 'num_cores': '4x' is not an integer");
	utcp_config_defaults(&cfg);
	load_fails("num_cores = 4.0\n", "1: key 'num_cores': '4.0' is not an integer");
	utcp_config_defaults(&cfg);
	load_fails("num_cores = 17\n", "1: key 'num_cores': '17' is out of range (1..16)");
	utcp_config_defaults(&cfg);
	load_fails("num_cores = 0\n", "1: key 'num_cores': '0' is out of range (1..16)");
	utcp_config_defaults(&cfg);
	load_fails("\nrcvbuf = 63\n", "2: key 'rcvbuf': '63' is out of range (64..1073741824)");
	utcp_config_defaults(&cfg);
	load_fails("sndbuf = 99999999999999999999999\n",
		   "1: key 'sndbuf': '99999999999999999999999' is out of range (64..1073741824)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_timeout = -2\n", "1: key 'tcp_timeout': '-2' is out of range (-1..86400)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_timewait = -1\n", "1: key 'tcp_timewait': '-1' is out of range (0..3600)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_rto_min = 0\n", "1: key 'tcp_rto_min': '0' is out of range (1..60000)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_delack = 501\n", "1: key 'tcp_delack': '501' is out of range (1..500)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_quickack = 256\n", "1: key 'tcp_quickack': '256' is out of range (0..255)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_abc = 3\n", "1: key 'tcp_abc': '3' is out of range (1..2)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_sack = 2\n", "1: key 'tcp_sack': '2' is out of range (0..1)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_wscale = 15\n", "1: key 'tcp_wscale': '15' is out of range (0..14)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_retries2 = 0\n", "1: key 'tcp_retries2': '0' is out of range (1..127)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_fastopen = 4\n", "1: key 'tcp_fastopen': '4' is out of range (0..3)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_wmem = -1\n",
		   "1: key 'tcp_wmem': '-1' is out of range (0..1073741824)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_ecn = 3\n", "1: key 'tcp_ecn': '3' is out of range (0..2)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_pacing = 2\n", "1: key 'tcp_pacing': '2' is out of range (0..1)");
	utcp_config_defaults(&cfg);
	load_fails("tcp_pacing_ss_ratio = 0\n",
		   "1: key 'tcp_pacing_ss_ratio': '0' is out of range (1..1000)");
	utcp_config_defaults(&cfg);
	load_fails("max_concurrency = 0\n",
		   "1: key 'max_concurrency': '0' is out of range (1..16777216)");
	utcp_config_defaults(&cfg);
	load_fails("num_rx_desc = 8\n", "1: key 'num_rx_desc': '8' is out of range (16..32768)");
	utcp_config_defaults(&cfg);
	load_fails("seed = -1\n", "1: key 'seed': '-1' is not an unsigned 64-bit integer");
	utcp_config_defaults(&cfg);
	load_fails("seed = 0x\n", "1: key 'seed': '0x' is not an unsigned 64-bit integer");
	utcp_config_defaults(&cfg);
	load_fails("core_mask = 0\n", "1: key 'core_mask': the CPU mask is empty");
	utcp_config_defaults(&cfg);
	load_fails("core_mask = fg\n", "1: key 'core_mask': 'fg' is not a hexadecimal CPU mask");
	utcp_config_defaults(&cfg);
	load_fails("num_mem_ch = 0\n", "1: key 'num_mem_ch': '0' is out of range (1..64)");
}
END_TEST

START_TEST(test_err_fault_values)
{
	load_fails("fault_loss = 1.5\n", "1: key 'fault_loss': '1.5' is out of range (0..1)");
	utcp_config_defaults(&cfg);
	load_fails("fault_dup = often\n", "1: key 'fault_dup': 'often' is not a number");
	utcp_config_defaults(&cfg);
	load_fails("fault_reorder = nan\n", "1: key 'fault_reorder': 'nan' is not a number");
	utcp_config_defaults(&cfg);
	load_fails("fault_burst_len = 0.5\n",
		   "1: key 'fault_burst_len': '0.5' is out of range (1..1000000)");
	utcp_config_defaults(&cfg);
	load_fails("fault_delay_us = 1.5\n", "1: key 'fault_delay_us': '1.5' is not an integer");
	utcp_config_defaults(&cfg);
	load_fails("fault_jitter_us = 60000001\n",
		   "1: key 'fault_jitter_us': '60000001' is out of range (0..60000000)");
}
END_TEST

START_TEST(test_err_choices_and_strings)
{
	load_fails("io = netmap\n", "1: key 'io': 'netmap' is not one of sim, tap, dpdk, psio");
	utcp_config_defaults(&cfg);
	load_fails("cc = bbr\n", "1: key 'cc': 'bbr' is not one of cubic, newreno");
	utcp_config_defaults(&cfg);
	load_fails("tap_name = a-very-long-name\n",
		   "1: key 'tap_name': 'a-very-long-name' is too long (at most 15 characters)");
	utcp_config_defaults(&cfg);
	load_fails("io =\n", "1: key 'io': missing value");
	utcp_config_defaults(&cfg);
	load_fails("pcap   # no value\n", "1: key 'pcap': missing value");
	utcp_config_defaults(&cfg);
	load_fails("= 5\n", "1: line has no key");
}
END_TEST

/* dpdk_args is an EAL command line: it must split into words (core/base/args.h). */
START_TEST(test_dpdk_args)
{
	char *argv[UTCP_MAX_ARGS], buf[512];
	const char *why = NULL;
	ck_assert_int_eq(load(BASE "dpdk_args = -l 0 --log-level='*:warning' --vdev=\"net_tap0,iface=a b\"\n"), 0);
	ck_assert_int_eq(utcp_split_args(cfg.dpdk_args, argv, UTCP_MAX_ARGS, buf, sizeof(buf), &why), 4);
	ck_assert_str_eq(argv[0], "-l");
	ck_assert_str_eq(argv[1], "0");
	ck_assert_str_eq(argv[2], "--log-level=*:warning");
	ck_assert_str_eq(argv[3], "--vdev=net_tap0,iface=a b");
	ck_assert_int_eq(utcp_split_args("a\\ b \"c\\\"d\"", argv, 4, buf, sizeof(buf), &why), 2);
	ck_assert_str_eq(argv[0], "a b");
	ck_assert_str_eq(argv[1], "c\"d");
	ck_assert_int_eq(utcp_split_args("a b c", argv, 2, buf, sizeof(buf), &why), -1);
	ck_assert_str_eq(why, "too many words");
	ck_assert_int_eq(utcp_split_args("abcdef", argv, 2, buf, 4, &why), -1);
	ck_assert_str_eq(why, "too long");
	ck_assert_int_eq(utcp_split_args("  ", argv, 2, buf, sizeof(buf), &why), 0);

	utcp_config_defaults(&cfg);
	load_fails("\ndpdk_args = --vdev='net_tap0\n",
		   "2: key 'dpdk_args': cannot split '--vdev='net_tap0' into arguments: "
		   "unterminated quote");
	utcp_config_defaults(&cfg);
	load_fails("dpdk_args = -l 0 \\\n",
		   "1: key 'dpdk_args': cannot split '-l 0 \\' into arguments: "
		   "ends with a backslash");
}
END_TEST

START_TEST(test_err_duplicate)
{
	load_fails("rcvbuf = 8192\n" BASE "rcvbuf = 8192\n",
		   "4: key 'rcvbuf': duplicate key (first set on line 1)");
	utcp_config_defaults(&cfg);
	load_fails(BASE "eth0.ip = 10.0.0.2/24\n",
		   "3: key 'eth0.ip': duplicate key (first set on line 2)");
	utcp_config_defaults(&cfg);
	load_fails(BASE "port = eth0\n", "3: key 'port': duplicate key (first set on line 1)");
}
END_TEST

START_TEST(test_err_ports)
{
	load_fails("port = all\n",
		   "1: key 'port': 'all' is not supported: list the interface names");
	utcp_config_defaults(&cfg);
	load_fails("port = eth0 eth1 eth0\n", "1: key 'port': 'eth0' is listed twice");
	utcp_config_defaults(&cfg);
	load_fails("port = a b c d e f g h i\n", "1: key 'port': too many names (at most 8)");
	utcp_config_defaults(&cfg);
	load_fails("port = abcdefghijabcdefghijabcdefghij12\n",
		   "1: key 'port': name 'abcdefghijabcdefghijabcdefghij12' is too long "
		   "(at most 31 characters)");
	utcp_config_defaults(&cfg);
	load_fails(BASE "eth1.ip = 10.0.1.1/24\n",
		   "3: key 'eth1.ip': unknown port 'eth1' (not listed in 'port')");
	utcp_config_defaults(&cfg);
	/* Per-port keys come after the port list. */
	load_fails("eth0.ip = 10.0.0.1/24\nport = eth0\n",
		   "1: key 'eth0.ip': unknown port 'eth0' (not listed in 'port')");
	utcp_config_defaults(&cfg);
	load_fails(BASE "eth0.mtu = 9000\n", "3: key 'eth0.mtu': unknown key");
	utcp_config_defaults(&cfg);
	/* A port name with a dot (a VLAN device): the last dot splits. */
	ck_assert_int_eq(load("port = eth0.100\neth0.100.ip = 10.1.0.1/24\n"), 0);
	ck_assert_uint_eq(cfg.ports[0].ip, IP(10, 1, 0, 1));
}
END_TEST

START_TEST(test_err_addresses)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{ "eth0.ip = 10.0.0.256/24", "'10.0.0.256/24' is not A.B.C.D/PREFIX" },
		{ "eth0.ip = 10.0.0/24", "'10.0.0/24' is not A.B.C.D/PREFIX" },
		{ "eth0.ip = 10.0.0.1.2/24", "'10.0.0.1.2/24' is not A.B.C.D/PREFIX" },
		{ "eth0.ip = 010.0.0.1/24", "'010.0.0.1/24' is not A.B.C.D/PREFIX" },
		{ "eth0.ip = 10.0.0.1", "'10.0.0.1' has no prefix (expected A.B.C.D/PREFIX)" },
		{ "eth0.ip = 10.0.0.1/33", "the prefix of '10.0.0.1/33' is not in 1..32" },
		{ "eth0.ip = 10.0.0.1/0", "the prefix of '10.0.0.1/0' is not in 1..32" },
		{ "eth0.ip = 10.0.0.1/-8", "the prefix of '10.0.0.1/-8' is not in 1..32" },
		{ "eth0.ip = 10.0.0.1/24x", "the prefix of '10.0.0.1/24x' is not in 1..32" },
		{ "eth0.ip = 0.0.0.0/8", "'0.0.0.0/8' is not a usable address" },
		{ "eth0.mac = 00:11:22:33:44", "'00:11:22:33:44' is not a MAC address "
					       "(xx:xx:xx:xx:xx:xx)" },
		{ "eth0.mac = 00:11:22:33:44:5", "'00:11:22:33:44:5' is not a MAC address "
						 "(xx:xx:xx:xx:xx:xx)" },
		{ "eth0.mac = 00-11-22-33-44-55", "'00-11-22-33-44-55' is not a MAC address "
						  "(xx:xx:xx:xx:xx:xx)" },
		{ "eth0.mac = 00:11:22:33:44:55:66", "'00:11:22:33:44:55:66' is not a MAC address "
						     "(xx:xx:xx:xx:xx:xx)" },
		{ "eth0.mac = 01:00:5e:00:00:01", "'01:00:5e:00:00:01' is a multicast address" },
		{ "eth0.gateway = 10.0.0", "'10.0.0' is not an IPv4 address (A.B.C.D)" },
		{ "eth0.gateway = 10.0.0.1/24", "'10.0.0.1/24' is not an IPv4 address (A.B.C.D)" },
		{ "eth0.peer_ip = 0.0.0.0", "'0.0.0.0' is not a usable address" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256], want[256], key[32];
		utcp_config_defaults(&cfg);
		snprintf(text, sizeof(text), "port = eth0\n%s\n", cases[i].line);
		sscanf(cases[i].line, "%31s", key);
		snprintf(want, sizeof(want), "2: key '%s': %s", key, cases[i].msg);
		load_fails(text, want);
	}
}
END_TEST

START_TEST(test_ip6_keys)
{
	char a[UTCP_IN6_STRLEN];
	ck_assert_int_eq(load(BASE "eth0.ip6 = 2001:db8:0:1::5/64\neth0.gateway6 = fe80::1\n"
			      "eth0.neigh6 = 2001:db8:0:1::2 02:00:00:00:00:02, fe80::1 "
			      "02:00:00:00:00:fe\nip6_dad_transmits = 0\n"), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(utcp_in6_format(&cfg.ports[0].ip6, a, sizeof(a)), "2001:db8:0:1::5");
	ck_assert_uint_eq(cfg.ports[0].prefix6, 64);
	ck_assert_int_eq(cfg.nb_neigh6, 2);
	ck_assert_str_eq(utcp_in6_format(&cfg.neigh6[1].ip6, a, sizeof(a)), "fe80::1");
	ck_assert_uint_eq(cfg.neigh6[1].mac[5], 0xfe);
	ck_assert_int_eq(cfg.ip6_dad_transmits, 0);
	/* The connected prefix and the default route. */
	ck_assert_int_eq(cfg.nb_routes6, 2);
	ck_assert_str_eq(utcp_in6_format(&cfg.routes6[0].dst, a, sizeof(a)), "2001:db8:0:1::");
	ck_assert_uint_eq(cfg.routes6[0].prefix, 64);
	ck_assert_uint_eq(cfg.routes6[1].prefix, 0);
	ck_assert_str_eq(utcp_in6_format(&cfg.routes6[1].gateway, a, sizeof(a)), "fe80::1");
	int port;
	struct utcp_in6 dst, nh;
	utcp_in6_parse("2001:db8:0:1::77", &dst);
	ck_assert_int_eq(utcp_route6_lookup(&cfg, &dst, &port, &nh), 0);
	ck_assert(utcp_in6_eq(&dst, &nh));
	utcp_in6_parse("2001:db8:ffff::1", &dst);
	ck_assert_int_eq(utcp_route6_lookup(&cfg, &dst, &port, &nh), 0);
	ck_assert_str_eq(utcp_in6_format(&nh, a, sizeof(a)), "fe80::1");

	static const struct {
		const char *line, *msg;
	} cases[] = {
		{ "eth0.ip6 = 2001:db8::1", "'2001:db8::1' is not an IPv6 address with a prefix "
					    "(ADDR/PREFIX)" },
		{ "eth0.ip6 = 2001:db8::g/64", "'2001:db8::g/64' is not an IPv6 address with a "
					       "prefix (ADDR/PREFIX)" },
		{ "eth0.ip6 = 2001:db8::1/0", "the prefix of '2001:db8::1/0' is not in 1..128" },
		{ "eth0.ip6 = fe80::1/64", "'fe80::1/64' is not a usable global address (the "
					   "link-local one comes from the MAC)" },
		{ "eth0.ip6 = ff02::1/64", "'ff02::1/64' is not a usable global address (the "
					   "link-local one comes from the MAC)" },
		{ "eth0.gateway6 = 10.0.0.1", "'10.0.0.1' is not an IPv6 address" },
		{ "eth0.gateway6 = ::", "'::' is not a usable address" },
		{ "eth0.neigh6 = 2001:db8::2", "'2001:db8::2' is not 'ADDR xx:xx:xx:xx:xx:xx'" },
		{ "eth0.neigh6 = 2001:db8::2 02:00:00:00:00:02 x",
		  "'2001:db8::2 02:00:00:00:00:02 x' is not 'ADDR xx:xx:xx:xx:xx:xx'" },
		{ "eth0.neigh6 = ff02::2 02:00:00:00:00:02",
		  "'ff02::2 02:00:00:00:00:02': not a unicast address and MAC" },
		{ "ip6_dad_transmits = 11", "'11' is out of range (0..10)" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256], want[256], key[32];
		utcp_config_defaults(&cfg);
		snprintf(text, sizeof(text), "port = eth0\n%s\n", cases[i].line);
		sscanf(cases[i].line, "%31s", key);
		snprintf(want, sizeof(want), "2: key '%s': %s", key, cases[i].msg);
		load_fails(text, want);
	}
	/* Cross-key rules at finish. */
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(load(BASE "eth0.ip6 = 2001:db8::1/64\neth0.gateway6 = 2001:db9::1\n"), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("%s: key 'eth0.gateway6': not link-local and not on eth0's prefix", conf_path());
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(load(BASE "eth0.gateway6 = fe80::1\n"), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("%s: key 'eth0.gateway6': needs eth0.ip6", conf_path());
}
END_TEST

START_TEST(test_err_missing_file)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	ck_assert_int_eq(utcp_config_load(&cfg, path, err, sizeof(err)), -1);
	expect_err("%s: cannot open: No such file or directory", path);
}
END_TEST

/* ---- utcp_config_finish ------------------------------------------------- */

START_TEST(test_finish_required)
{
	ck_assert_int_eq(load("io = sim\n"), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("%s: key 'port': required key is missing", conf_path());

	utcp_config_defaults(&cfg);
	ck_assert_int_eq(load("port = eth0 eth1\neth0.ip = 10.0.0.1/24\n"), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("%s: key 'eth1.ip': required key is missing", conf_path());
}
END_TEST

START_TEST(test_finish_cross_checks)
{
	ck_assert_int_eq(load(BASE "eth0.gateway = 10.1.0.1\n"), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("%s: key 'eth0.gateway': 10.1.0.1 is not on 10.0.0.0/24", conf_path());

	utcp_config_defaults(&cfg);
	ck_assert_int_eq(load(BASE "stat_print = eth0 eth3\n"), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("%s: key 'stat_print': unknown port 'eth3' (not listed in 'port')",
		   conf_path());

	utcp_config_defaults(&cfg);
	ck_assert_int_eq(load(BASE "num_cores = 3\ncore_mask = 0x5\n"), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("%s: key 'core_mask': 0x5 has fewer CPUs than num_cores (3)", conf_path());
}
END_TEST

START_TEST(test_finish_programmatic)
{
	/* A config filled in by code (the simulator does this). */
	cfg.nb_ports = 1;
	strcpy(cfg.ports[0].name, "sim0");
	cfg.ports[0].ip = IP(10, 0, 0, 1);
	cfg.ports[0].prefix = 24;
	cfg.num_cores = UTCP_MAX_CORES + 1;
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("key 'num_cores': 17 is out of range (1..16)");
	cfg.num_cores = 2;
	cfg.rcvbuf = 10;
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("key 'rcvbuf': 10 is out of range (64..1073741824)");
	cfg.rcvbuf = 8192;
	strcpy(cfg.cc, "vegas");
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("key 'cc': 'vegas' is not one of cubic, newreno");
	strcpy(cfg.cc, "cubic");
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.nb_routes, 1);
	ck_assert_uint_eq(cfg.routes[0].dst, IP(10, 0, 0, 0));
	ck_assert_uint_eq(cfg.routes[0].prefix, 24);
	ck_assert_int_eq(cfg.routes[0].port, 0);
}
END_TEST

/* ---- arp.conf ------------------------------------------------------------ */

static int arp(const char *text)
{
	return utcp_config_load_arp(&cfg, put("arp.conf", text), err, sizeof(err));
}

static void arp_fails(const char *text, const char *rest)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/arp.conf", dir);
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(arp(text), -1);
	expect_err("%s:%s", path, rest);
}

START_TEST(test_arp_good)
{
	ck_assert_int_eq(arp("# static ARP\n"
			     "ARP_ENTRY 3\n"
			     "10.0.0.1/32 00:00:00:00:00:01\n"
			     "\n"
			     "  10.0.1.77/24\t02:AA:bb:cc:dd:ee   # a whole subnet\n"
			     "10.0.2.5 00:00:00:00:00:03\n"),
			 0);
	ck_assert_int_eq(cfg.nb_arp, 3);
	ck_assert_uint_eq(cfg.arp[0].ip, IP(10, 0, 0, 1));
	ck_assert_uint_eq(cfg.arp[0].prefix, 32);
	const uint8_t m0[6] = { 0, 0, 0, 0, 0, 1 };
	ck_assert_mem_eq(cfg.arp[0].mac, m0, 6);
	ck_assert_uint_eq(cfg.arp[1].ip, IP(10, 0, 1, 0));
	ck_assert_uint_eq(cfg.arp[1].prefix, 24);
	const uint8_t m1[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	ck_assert_mem_eq(cfg.arp[1].mac, m1, 6);
	ck_assert_uint_eq(cfg.arp[2].ip, IP(10, 0, 2, 5));
	ck_assert_uint_eq(cfg.arp[2].prefix, 32);
	/* A missing file is fine. */
	char path[128];
	snprintf(path, sizeof(path), "%s/none.conf", dir);
	ck_assert_int_eq(utcp_config_load_arp(&cfg, path, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.nb_arp, 3);
	/* An empty file (or only comments) is zero entries. */
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(arp("# nothing\n"), 0);
	ck_assert_int_eq(cfg.nb_arp, 0);
}
END_TEST

START_TEST(test_arp_errors)
{
	arp_fails("ARP_ENTRY 3\n10.0.0.1/32 00:00:00:00:00:01\n# end\n",
		  "1: 'ARP_ENTRY 3' announced 3 entries, found 1");
	arp_fails("# c\nARP_ENTRY 1\n"
		  "10.0.0.1/32 00:00:00:00:00:01\n10.0.0.2/32 00:00:00:00:00:02\n",
		  "4: more entries than 'ARP_ENTRY 1' on line 2 announced");
	arp_fails("10.0.0.1/32 00:00:00:00:00:01\n", "1: expected 'ARP_ENTRY <count>'");
	arp_fails("ARP_ENTRY\n", "1: expected 'ARP_ENTRY <count>'");
	arp_fails("ARP_ENTRY two\n", "1: 'two' is not a count");
	arp_fails("ARP_ENTRY 65\n", "1: 65 entries, at most 64 fit");
	arp_fails("ARP_ENTRY 1\n10.0.0.1/33 00:00:00:00:00:01\n",
		  "2: the prefix of '10.0.0.1/33' is not in 0..32");
	arp_fails("ARP_ENTRY 1\n10.0.0.x 00:00:00:00:00:01\n",
		  "2: '10.0.0.x' is not A.B.C.D/PREFIX");
	arp_fails("ARP_ENTRY 1\n10.0.0.1/32 00:00:00:00:01\n",
		  "2: '00:00:00:00:01' is not a MAC address (xx:xx:xx:xx:xx:xx)");
	arp_fails("ARP_ENTRY 1\n10.0.0.1/32\n",
		  "2: expected 'A.B.C.D/PREFIX xx:xx:xx:xx:xx:xx'");
	arp_fails("ARP_ENTRY 1\n10.0.0.1/32 00:00:00:00:00:01 extra\n",
		  "2: expected 'A.B.C.D/PREFIX xx:xx:xx:xx:xx:xx'");
}
END_TEST

/* ---- route.conf ------------------------------------------------------------ */

static int route(const char *text)
{
	return utcp_config_load_route(&cfg, put("route.conf", text), err, sizeof(err));
}

static void two_ports(void)
{
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(utcp_config_set(&cfg, "port", "dpdk0 dpdk1", err, sizeof(err)), 0);
	ck_assert_int_eq(utcp_config_set(&cfg, "dpdk0.ip", "10.0.0.1/24", err, sizeof(err)), 0);
	ck_assert_int_eq(utcp_config_set(&cfg, "dpdk1.ip", "10.0.1.1/24", err, sizeof(err)), 0);
}

static void route_fails(const char *text, const char *rest)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/route.conf", dir);
	two_ports();
	ck_assert_int_eq(route(text), -1);
	expect_err("%s:%s", path, rest);
}

START_TEST(test_route_good)
{
	two_ports();
	ck_assert_int_eq(route("ROUTES 4\n"
			       "10.0.0.1/24 dpdk0\n"
			       "172.16.0.0/12 dpdk1 via 10.0.1.254\n"
			       "10.0.1.1/24 dpdk1   # connected, as mTCP lists it\n"
			       "0.0.0.0/0 dpdk0\n"),
			 0);
	ck_assert_int_eq(cfg.nb_routes, 4);
	ck_assert_uint_eq(cfg.routes[0].dst, IP(10, 0, 0, 0));
	ck_assert_uint_eq(cfg.routes[0].prefix, 24);
	ck_assert_int_eq(cfg.routes[0].port, 0);
	ck_assert_uint_eq(cfg.routes[0].gateway, 0);
	ck_assert_uint_eq(cfg.routes[1].dst, IP(172, 16, 0, 0));
	ck_assert_uint_eq(cfg.routes[1].prefix, 12);
	ck_assert_int_eq(cfg.routes[1].port, 1);
	ck_assert_uint_eq(cfg.routes[1].gateway, IP(10, 0, 1, 254));
	ck_assert_uint_eq(cfg.routes[3].dst, 0);
	ck_assert_uint_eq(cfg.routes[3].prefix, 0);
	/* finish: connected routes are already there, and route.conf has a
	 * default route, so a gateway adds nothing. */
	ck_assert_int_eq(utcp_config_set(&cfg, "dpdk1.gateway", "10.0.1.254", err, sizeof(err)),
			 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.nb_routes, 4);
	ck_assert_int_eq(cfg.routes[3].port, 0);
	ck_assert_uint_eq(cfg.routes[3].gateway, 0);
}
END_TEST

START_TEST(test_route_errors)
{
	route_fails("ROUTES 1\n10.0.0.0/24 dpdk7\n",
		    "2: unknown interface 'dpdk7' (not listed in 'port')");
	route_fails("ROUTES 2\n10.0.0.0/24 dpdk0\n", "1: 'ROUTES 2' announced 2 entries, found 1");
	route_fails("ROUTES 0\n10.0.0.0/24 dpdk0\n",
		    "2: more entries than 'ROUTES 0' on line 1 announced");
	route_fails("ROUTE 1\n", "1: expected 'ROUTES <count>'");
	route_fails("ROUTES 2\n10.0.0.0/24 dpdk0\n10.0.0.9/24 dpdk1\n",
		    "3: duplicate route 10.0.0.0/24");
	route_fails("ROUTES 1\n10.0.0.0/24\n",
		    "2: expected 'A.B.C.D/PREFIX ifname [via A.B.C.D]'");
	route_fails("ROUTES 1\n10.0.0.0/24 dpdk0 through 10.0.0.1\n",
		    "2: expected 'A.B.C.D/PREFIX ifname [via A.B.C.D]'");
	route_fails("ROUTES 1\n10.2.0.0/16 dpdk0 via 10.0.0\n",
		    "2: gateway '10.0.0' is not an IPv4 address (A.B.C.D)");
	route_fails("ROUTES 1\n10.2.0.0/40 dpdk0\n",
		    "2: the prefix of '10.2.0.0/40' is not in 0..32");
	/* A gateway off the port's subnet is caught by finish. */
	two_ports();
	ck_assert_int_eq(route("ROUTES 1\n10.2.0.0/16 dpdk0 via 10.0.1.1\n"), 0);
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("route 10.2.0.0/16 via 10.0.1.1: gateway is not on dpdk0's subnet");
}
END_TEST

START_TEST(test_route_table_full)
{
	char text[4096];
	int n = snprintf(text, sizeof(text), "ROUTES 64\n");
	for (int i = 0; i < 64; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "10.%d.0.0/16 dpdk0\n", 100 + i);
	two_ports();
	ck_assert_int_eq(route(text), 0);
	ck_assert_int_eq(cfg.nb_routes, 64);
	/* No room for the connected routes. */
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), -1);
	expect_err("too many routes (at most 64)");
}
END_TEST

/* ---- side files found by utcp_config_load --------------------------------- */

START_TEST(test_load_finds_side_files)
{
	put("config/arp.conf", "ARP_ENTRY 1\n10.0.0.2/32 00:00:00:00:00:02\n");
	put("config/route.conf", "ROUTES 1\n0.0.0.0/0 eth0 via 10.0.0.254\n");
	ck_assert_int_eq(load(BASE), 0);
	ck_assert_int_eq(cfg.nb_arp, 1);
	ck_assert_uint_eq(cfg.arp[0].ip, IP(10, 0, 0, 2));
	ck_assert_int_eq(cfg.nb_routes, 1);
	ck_assert_uint_eq(cfg.routes[0].gateway, IP(10, 0, 0, 254));
	ck_assert_int_eq(utcp_config_finish(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.nb_routes, 2);
}
END_TEST

START_TEST(test_load_named_side_files)
{
	put("my_arp", "ARP_ENTRY 1\n10.0.0.3/32 00:00:00:00:00:03\n");
	put("my_route", "ROUTES 1\n10.5.0.0/16 eth0\n");
	/* Named files win over config/arp.conf. */
	put("config/arp.conf", "ARP_ENTRY 1\n10.0.0.2/32 00:00:00:00:00:02\n");
	ck_assert_int_eq(load(BASE "arp_file = my_arp\nroute_file = my_route\n"), 0);
	ck_assert_int_eq(cfg.nb_arp, 1);
	ck_assert_uint_eq(cfg.arp[0].ip, IP(10, 0, 0, 3));
	ck_assert_int_eq(cfg.nb_routes, 1);
	ck_assert_uint_eq(cfg.routes[0].dst, IP(10, 5, 0, 0));

	/* An error in a side file names that file and line. */
	utcp_config_defaults(&cfg);
	put("bad_route", "ROUTES 1\n10.5.0.0/16 eth9\n");
	ck_assert_int_eq(load(BASE "route_file = bad_route\n"), -1);
	expect_err("%s/bad_route:2: unknown interface 'eth9' (not listed in 'port')", dir);

	/* A named file must exist: the error names the config's line and key. */
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(load(BASE "arp_file = nowhere\n"), -1);
	expect_err("%s/utcp.conf:3: key 'arp_file': %s/nowhere: cannot open: No such file or "
		   "directory", dir, dir);
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(load(BASE "# routes\nroute_file = /nonexistent/r.conf\n"), -1);
	expect_err("%s/utcp.conf:4: key 'route_file': /nonexistent/r.conf: cannot open: No such "
		   "file or directory", dir);
}
END_TEST

/* ---- the shipped samples ----------------------------------------------------- */

static const char *sample(const char *name)
{
	static char path[3][512];
	static int i;
	const char *top = getenv("top_srcdir");
	char *p = path[i++ % 3];
	snprintf(p, 512, "%s/config/%s", top ? top : "../..", name);
	return p;
}

START_TEST(test_samples_load)
{
	const char *conf = sample("sample_utcp.conf");
	if (access(conf, R_OK) != 0) {
		/* Run outside the build tree: nothing to check. */
		fprintf(stderr, "test_samples_load: %s not found (set top_srcdir)\n", conf);
		return;
	}
	ck_assert_msg(utcp_config_load(&cfg, conf, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(utcp_config_load_arp(&cfg, sample("sample_arp.conf"), err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_msg(utcp_config_load_route(&cfg, sample("sample_route.conf"), err,
					     sizeof(err)) == 0, "%s", err);
	ck_assert_msg(utcp_config_finish(&cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cfg.io, "dpdk");
	ck_assert_int_eq(cfg.nb_ports, 2);
	ck_assert_int_eq(cfg.nb_arp, 2);
	/* Two from route.conf (the connected ones) plus the default route. */
	ck_assert_int_eq(cfg.nb_routes, 3);
	ck_assert_uint_eq(cfg.routes[2].gateway, IP(10, 0, 0, 254));
}
END_TEST

/* Every key appears in the sample, set or as `#key = value`, and every
 * commented-out example is itself a valid setting. */
START_TEST(test_sample_documents_every_key)
{
	static const char *const all[] = {
		"io", "num_cores", "max_concurrency", "max_num_buffers", "max_pkt_buffers",
		"rcvbuf", "sndbuf", "tcp_timeout", "tcp_timewait", "tcp_rto_min", "tcp_delack",
		"tcp_quickack", "tcp_abc", "tcp_timestamps", "tcp_sack", "tcp_window_scaling",
		"tcp_wscale", "tcp_syn_retries", "tcp_retries2", "sock_buf_double",
		"tcp_abc_nolimit", "tcp_prr_safeack", "tcp_rto_min_var", "tcp_pto_cap", "tcp_rst_ack",
		"tcp_min_tso_segs", "tcp_zwp_empty", "tcp_cubic_md_cwnd",
		"tcp_cwnd_limited", "tcp_wmem", "tcp_ecn", "tcp_pacing", "tcp_pacing_ss_ratio",
		"tcp_pacing_ca_ratio",
		"tcp_recovery_probe", "tcp_undo", "tcp_tlp_again", "tcp_mtu_probing", "tcp_base_mss",
		"tcp_fastopen",
		"stat_print", "port",
		"num_rx_desc", "num_tx_desc", "core_mask", "num_mem_ch", "seed", "cc",
		"arp_timeout", "pcap", "pcap_snaplen", "fault_loss", "fault_burst_loss",
		"fault_burst_len", "fault_reorder", "fault_dup", "fault_corrupt",
		"fault_delay_us", "fault_jitter_us", "fault_seed", "tap_name", "dpdk_args",
		"psio_dev", "arp_file", "route_file", "dpdk0.ip", "dpdk0.mac", "dpdk0.gateway",
		"dpdk0.peer_ip", "dpdk0.ip6", "dpdk0.gateway6", "dpdk0.neigh6", "ip6_dad_transmits",
	};
	const char *conf = sample("sample_utcp.conf");
	FILE *f = fopen(conf, "r");
	if (f == NULL) {
		fprintf(stderr, "test_sample_documents_every_key: %s not found\n", conf);
		return;
	}
	ck_assert_int_eq(utcp_config_load(&cfg, conf, err, sizeof(err)), 0);
	int found[sizeof(all) / sizeof(all[0])] = { 0 };
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char *s = line[0] == '#' && line[1] != ' ' && line[1] != '\n' ? line + 1 : line;
		char key[64], value[400];
		if (s[0] == '#' || sscanf(s, "%63s = %399[^\n]", key, value) != 2)
			continue;
		for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (strcmp(key, all[i]) == 0)
				found[i] = 1;
		if (s != line) {
			if (strcmp(key, "arp_file") == 0 || strcmp(key, "route_file") == 0)
				continue; /* would be read relative to the sample */
			ck_assert_msg(utcp_config_set(&cfg, key, value, err, sizeof(err)) == 0,
				      "sample line '%s': %s", key, err);
		}
	}
	fclose(f);
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		ck_assert_msg(found[i], "key '%s' is not in sample_utcp.conf", all[i]);
	ck_assert_msg(utcp_config_finish(&cfg, err, sizeof(err)) == 0, "%s", err);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_good_file);
	tcase_add_test(tc, test_fault_keys);
	tcase_add_test(tc, test_buffers_copy);
	tcase_add_test(tc, test_set_overrides);
	tcase_add_test(tc, test_dpdk_args);
	tcase_add_test(tc, test_err_unknown_key);
	tcase_add_test(tc, test_err_numbers);
	tcase_add_test(tc, test_err_fault_values);
	tcase_add_test(tc, test_err_choices_and_strings);
	tcase_add_test(tc, test_err_duplicate);
	tcase_add_test(tc, test_err_ports);
	tcase_add_test(tc, test_err_addresses);
	tcase_add_test(tc, test_err_missing_file);
	tcase_add_test(tc, test_finish_required);
	tcase_add_test(tc, test_finish_cross_checks);
	tcase_add_test(tc, test_finish_programmatic);
	tcase_add_test(tc, test_arp_good);
	tcase_add_test(tc, test_arp_errors);
	tcase_add_test(tc, test_route_good);
	tcase_add_test(tc, test_route_errors);
	tcase_add_test(tc, test_route_table_full);
	tcase_add_test(tc, test_load_finds_side_files);
	tcase_add_test(tc, test_load_named_side_files);
	tcase_add_test(tc, test_samples_load);
	tcase_add_test(tc, test_sample_documents_every_key);
	tcase_add_test(tc, test_ip6_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
