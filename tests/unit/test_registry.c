/*
 * tests/unit/test_registry.c - the NIC backend table and utcp_nic_open()
 * (nic/registry.c).
 *
 * Every backend is listed; unknown names and backends not built give the
 * documented messages; `io = sim` in a simulated world opens a NIC wrapped
 * in fault injection and, on top, pcap capture (one file per port when there
 * are several); the real clock moves forward and entropy differs per call.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utcp/nic.h>
#include <utcp/utcp.h>
#include <utcp/sim.h>

#include "config.h"

static struct utcp_config cfg;
static char err[512];

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.num_cores = 1;
	cfg.nb_ports = 1;
	snprintf(cfg.ports[0].name, sizeof(cfg.ports[0].name), "eth0");
	err[0] = '\0';
}

START_TEST(test_every_backend_is_listed)
{
	size_t n = 0;
	const struct utcp_nic_backend *b = utcp_nic_backends(&n);
	const char *want[] = { "sim", "tap", "dpdk", "psio" };
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(b[i].name, want[i]);
		ck_assert_ptr_eq(utcp_nic_backend_find(want[i]), &b[i]);
		/* either it opens, or it says why not */
		ck_assert((b[i].open != NULL) != (b[i].missing != NULL));
	}
	ck_assert_ptr_nonnull(utcp_nic_backend_find("sim")->open);
	ck_assert_ptr_nonnull(utcp_nic_backend_find("tap")->open);
	ck_assert_ptr_null(utcp_nic_backend_find("nope"));
	ck_assert_ptr_null(utcp_nic_backend_find(""));
	ck_assert_ptr_null(utcp_nic_backend_find(NULL));
}
END_TEST

START_TEST(test_unknown_backend_names_it_and_lists_known)
{
	snprintf(cfg.io, sizeof(cfg.io), "nope");
	errno = 0;
	ck_assert_ptr_null(utcp_nic_open(&cfg, &cfg.ports[0], 1, err, sizeof(err)));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(err, "io = nope: unknown NIC backend (known backends: sim, tap, dpdk, psio)");

	cfg.io[0] = '\0';
	ck_assert_ptr_null(utcp_nic_open(&cfg, &cfg.ports[0], 1, err, sizeof(err)));
	ck_assert_str_eq(err, "io is not set (known backends: sim, tap, dpdk, psio)");
}
END_TEST

START_TEST(test_dpdk_not_built_says_how)
{
#ifdef HAVE_DPDK
	/* built in: opening it (EAL, ports) is what tests/dpdk does */
	ck_assert_ptr_nonnull(utcp_nic_backend_find("dpdk")->open);
#else
	snprintf(cfg.io, sizeof(cfg.io), "dpdk");
	errno = 0;
	ck_assert_ptr_null(utcp_nic_open(&cfg, &cfg.ports[0], 1, err, sizeof(err)));
	ck_assert_int_eq(errno, ENOTSUP);
	ck_assert_str_eq(err, "io = dpdk: utcp was built without DPDK; install libdpdk-dev and "
			      "re-run configure (--with-dpdk)");
#endif
}
END_TEST

START_TEST(test_psio_not_built_says_how)
{
#ifdef HAVE_PSIO
	/* built in: tests/psio runs it (against a fake engine) */
	ck_assert_ptr_nonnull(utcp_nic_backend_find("psio")->open);
#else
	snprintf(cfg.io, sizeof(cfg.io), "psio");
	errno = 0;
	ck_assert_ptr_null(utcp_nic_open(&cfg, &cfg.ports[0], 1, err, sizeof(err)));
	ck_assert_int_eq(errno, ENOTSUP);
	ck_assert_msg(strncmp(err, "io = psio: ", 11) == 0, "%s", err);
	ck_assert_msg(strstr(err, "--with-psio=DIR") != NULL, "%s", err);
#endif
}
END_TEST

START_TEST(test_queue_count_checked)
{
	snprintf(cfg.io, sizeof(cfg.io), "tap");
	errno = 0;
	ck_assert_ptr_null(utcp_nic_open(&cfg, &cfg.ports[0], 0, err, sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(utcp_nic_open(&cfg, &cfg.ports[0], UTCP_MAX_QUEUES + 1, err,
					 sizeof(err)));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_sim_outside_a_world_fails_cleanly)
{
	snprintf(cfg.io, sizeof(cfg.io), "sim");
	ck_assert_ptr_null(utcp_nic_open(&cfg, &cfg.ports[0], 1, err, sizeof(err)));
	ck_assert_msg(strstr(err, "io = sim") != NULL, "%s", err);
}
END_TEST

/* Two ports on sim NICs, fault injection and capture: pcap(fault(sim)),
 * one capture file per port. */
START_TEST(test_open_wraps_fault_then_pcap_per_port)
{
	char base[200], f0[300], f1[300];
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(base, sizeof(base), "%s/utcp-test-registry-%d", dir, (int)getpid());
	snprintf(cfg.pcap, sizeof(cfg.pcap), "%s.pcap", base);
	snprintf(f0, sizeof(f0), "%s-eth0.pcap", base);
	snprintf(f1, sizeof(f1), "%s-eth1.pcap", base);
	snprintf(cfg.io, sizeof(cfg.io), "sim");
	cfg.nb_ports = 2;
	snprintf(cfg.ports[1].name, sizeof(cfg.ports[1].name), "eth1");
	cfg.fault_enabled = 1;
	cfg.fault.loss = 0.5;
	cfg.fault.seed = 9;

	struct utcp_sim_world *w = utcp_sim_world_create(1);
	ck_assert_ptr_nonnull(w);
	utcp_sim_world_set_current(w, NULL);
	struct utcp_nic *n0 = utcp_nic_open(&cfg, &cfg.ports[0], 2, err, sizeof(err));
	ck_assert_msg(n0 != NULL, "%s", err);
	struct utcp_nic *n1 = utcp_nic_open(&cfg, &cfg.ports[1], 2, err, sizeof(err));
	ck_assert_msg(n1 != NULL, "%s", err);

	ck_assert_str_eq(n0->ops->name, "pcap");
	ck_assert_str_eq(n0->lower->ops->name, "fault");
	ck_assert_ptr_null(n0->lower->lower->lower); /* the backend itself */
	ck_assert(utcp_sim_nic_is_sim(n0->lower->lower));
	ck_assert_uint_eq(n0->caps.nb_queues, 2);
	ck_assert_str_eq(n1->name, "eth1");
	ck_assert_int_eq(access(f0, F_OK), 0);
	ck_assert_int_eq(access(f1, F_OK), 0);
	ck_assert_int_ne(access(cfg.pcap, F_OK), 0); /* no unsuffixed file */
	struct utcp_fault_stats fs;
	ck_assert_int_eq(utcp_fault_get_stats(n1, &fs), 0);

	struct utcp_nic_stats st;
	ck_assert_int_eq(n0->ops->stats(n0, &st), 0);
	ck_assert_uint_eq(st.bufs_in_use, 0);
	utcp_nic_close(n0);
	utcp_nic_close(n1);
	utcp_sim_world_set_current(NULL, NULL);
	utcp_sim_world_destroy(w);
	unlink(f0);
	unlink(f1);
}
END_TEST

START_TEST(test_bad_pcap_path_fails_and_closes_backend)
{
	snprintf(cfg.io, sizeof(cfg.io), "sim");
	snprintf(cfg.pcap, sizeof(cfg.pcap), "/nonexistent-dir/cap.pcap");
	struct utcp_sim_world *w = utcp_sim_world_create(1);
	utcp_sim_world_set_current(w, NULL);
	ck_assert_ptr_null(utcp_nic_open(&cfg, &cfg.ports[0], 1, err, sizeof(err)));
	ck_assert_msg(strstr(err, "/nonexistent-dir/cap.pcap") != NULL, "%s", err);
	utcp_sim_world_set_current(NULL, NULL);
	utcp_sim_world_destroy(w);
}
END_TEST

START_TEST(test_clock_and_entropy)
{
	utcp_time_t a = utcp_nic_monotonic_now(NULL);
	usleep(1000);
	utcp_time_t b = utcp_nic_monotonic_now(NULL);
	ck_assert_uint_ge(b - a, UTCP_NSEC_PER_MSEC);
	ck_assert_uint_lt(b - a, 10 * UTCP_NSEC_PER_SEC);
	uint64_t s1 = utcp_nic_entropy_seed(), s2 = utcp_nic_entropy_seed();
	ck_assert_uint_ne(s1, s2);
}
END_TEST

/* The backends' and middleware's key tables: every key found by name at its
 * own index, indexes within the bound, names unique, nothing past the end;
 * and the config parser reads them (fault_* turn fault injection on). */
START_TEST(test_config_key_tables)
{
	static const char *const owned[] = { "tap_name", "tap_vnet_hdr", "dpdk_args", "psio_dev",
					      "pcap", "pcap_snaplen", "fault_loss", "fault_seed" };
	const struct utcp_config_key *k;
	int n = 0, idx = -1;
	for (; (k = utcp_nic_config_key_at(n)) != NULL; n++) {
		ck_assert_ptr_eq(utcp_nic_config_key_find(k->name, &idx), k);
		ck_assert_int_eq(idx, n);
	}
	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n, UTCP_NIC_MAX_CONFIG_KEYS);
	ck_assert_ptr_null(utcp_nic_config_key_at(-1));
	ck_assert_ptr_null(utcp_nic_config_key_find("io", &idx));
	ck_assert_ptr_null(utcp_nic_config_key_find(NULL, &idx));
	for (unsigned i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		ck_assert_msg(utcp_nic_config_key_find(owned[i], NULL) != NULL, "%s", owned[i]);

	struct utcp_config cfg;
	char err[256];
	utcp_config_defaults(&cfg);
	ck_assert_int_eq(cfg.fault_enabled, 0);
	ck_assert_int_eq(utcp_config_set(&cfg, "fault_seed", "0x10", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.fault_enabled, 1);
	ck_assert_uint_eq(cfg.fault.seed, 16);
	ck_assert_int_eq(utcp_config_set(&cfg, "tap_vnet_hdr", "0", err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.tap_vnet_hdr, 0);

	char names[64];
	utcp_nic_backend_names(names, sizeof(names));
	ck_assert_str_eq(names, "sim, tap, dpdk, psio");
}
END_TEST

static Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("backends");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_every_backend_is_listed);
	tcase_add_test(tc, test_unknown_backend_names_it_and_lists_known);
	tcase_add_test(tc, test_dpdk_not_built_says_how);
	tcase_add_test(tc, test_psio_not_built_says_how);
	tcase_add_test(tc, test_queue_count_checked);
	tcase_add_test(tc, test_sim_outside_a_world_fails_cleanly);
	tcase_add_test(tc, test_open_wraps_fault_then_pcap_per_port);
	tcase_add_test(tc, test_bad_pcap_path_fails_and_closes_backend);
	tcase_add_test(tc, test_clock_and_entropy);
	tcase_add_test(tc, test_config_key_tables);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(registry_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
