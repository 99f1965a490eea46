/*
 * tests/unit/test_replay.c - the parts of trace replay (sim/replay*):
 * SHA-256 against FIPS 180-4 test vectors, reading a recorded trace, the
 * expectation file's grammar, and whole replays whose observations are
 * checked against the trace's manifest line (digests, byte counts).  Every
 * replay ends with no packet buffer left (leaked_buffers = 0).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/replay.h"

static char path[1024];

static const char *trace(const char *name, const char *ext)
{
	const char *top = getenv("top_srcdir");
	snprintf(path, sizeof(path), "%s/traces/%s.%s", top ? top : ".", name, ext);
	return path;
}

static void sha(const void *data, size_t len, size_t reps, char out[65])
{
	struct replay_sha256 s;
	replay_sha256_init(&s);
	for (size_t i = 0; i < reps; i++)
		replay_sha256_update(&s, data, len);
	replay_sha256_hex(&s, out);
}

START_TEST(sha256_fips_vectors)
{
	char h[65];
	sha("", 0, 1, h);
	ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha("abc", 3, 1, h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, 1, h);
	ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	sha("a", 1, 1000000, h); /* one byte at a time: the buffering */
	ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(trace_load_http_get)
{
	char err[600];
	struct replay_trace *t = utcp_replay_trace_load(trace("http-get", "pcap"), err, sizeof(err));
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_uint_eq(t->ip[REPLAY_CLIENT], inet_addr("10.55.0.1"));
	ck_assert_uint_eq(t->ip[REPLAY_SERVER], inet_addr("10.55.0.2"));
	ck_assert_uint_eq(ntohs(t->port[REPLAY_CLIENT]), 40001);
	ck_assert_uint_eq(ntohs(t->port[REPLAY_SERVER]), 8080);
	ck_assert_int_eq(t->nseg, 33); /* manifest: 33 segments */
	ck_assert_uint_eq(t->stream_len[REPLAY_CLIENT], 86);
	ck_assert_uint_eq(t->stream_len[REPLAY_SERVER], 20203);
	ck_assert(t->fin[0] && t->fin[1] && !t->rst[0] && !t->rst[1]);
	ck_assert(t->has_ts[0] && t->has_sackok[0] && t->has_wscale[0] && t->wscale[0] == 10);
	ck_assert_uint_eq(t->seg[0].flags, 0x02); /* the SYN */
	ck_assert_uint_eq(t->seg[0].seq, t->isn[REPLAY_CLIENT]);
	ck_assert(t->rtt > 0);
	char h[65];
	sha(t->stream[REPLAY_CLIENT], t->stream_len[REPLAY_CLIENT], 1, h);
	ck_assert_str_eq(h, "de258fb9f9becced0c797f78cd915e73da52a8b8405317437b6df66c200e9256");
	utcp_replay_trace_free(t);
}
END_TEST

START_TEST(trace_load_refused)
{
	char err[600];
	struct replay_trace *t = utcp_replay_trace_load(trace("refused", "pcap"), err, sizeof(err));
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(t->nseg, 2);
	ck_assert(t->has_syn[REPLAY_CLIENT] && !t->has_syn[REPLAY_SERVER]);
	ck_assert(t->rst[REPLAY_SERVER]);
	utcp_replay_trace_free(t);
	t = utcp_replay_trace_load(trace("no-such-trace", "pcap"), err, sizeof(err));
	ck_assert(t == NULL);
	ck_assert_msg(strstr(err, "no-such-trace.pcap") != NULL, "%s", err);
}
END_TEST

/* One replay with the trace's expectation file; the observations. */
static void replay(const char *name, int side, int pace, struct replay_obs *obs, int *unmet)
{
	char err[600];
	struct replay_trace *t = utcp_replay_trace_load(trace(name, "pcap"), err, sizeof(err));
	ck_assert_msg(t != NULL, "%s", err);
	struct replay_opts o = { .side = side, .pace = pace, .seed = 1,
				 .latency = REPLAY_LATENCY_AUTO };
	utcp_sim_link_params_default(&o.link);
	char ex[1024];
	snprintf(ex, sizeof(ex), "%s", trace(name, "expect"));
	ck_assert_int_eq(utcp_replay_expect_app(ex, side, &o.app_close_unread, err, sizeof(err)), 0);
	ck_assert_msg(utcp_replay_run(t, &o, obs, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(!obs->failed, "%s", obs->why);
	*unmet = utcp_replay_expect_check(ex, side, 0, pace, obs, stderr, err, sizeof(err));
	utcp_replay_trace_free(t);
}

static const char *obs_str(const struct replay_obs *o, const char *name)
{
	int i = replay_obs_find(o, name);
	ck_assert_msg(i >= 0, "no observation %s", name);
	return o->v[i].str[0] ? o->v[i].str : NULL;
}

static uint64_t obs_num(const struct replay_obs *o, const char *name)
{
	int i = replay_obs_find(o, name);
	ck_assert_msg(i >= 0, "no observation %s", name);
	return o->v[i].num;
}

START_TEST(replay_http_get_both_sides)
{
	static struct replay_obs o;
	int unmet;
	/* utcp serves the recorded request: it receives the 86 bytes, sends 20203, closes first */
	replay("http-get", REPLAY_CLIENT, REPLAY_PACE_TIME, &o, &unmet);
	ck_assert_int_eq(unmet, 0);
	ck_assert_str_eq(obs_str(&o, "received_sha256"),
			 "de258fb9f9becced0c797f78cd915e73da52a8b8405317437b6df66c200e9256");
	ck_assert_uint_eq(obs_num(&o, "peer_received_bytes"), 20203);
	ck_assert_str_eq(obs_str(&o, "end"), "fin");
	ck_assert_str_eq(obs_str(&o, "state"), "TIME-WAIT");
	ck_assert_uint_eq(obs_num(&o, "leaked_buffers"), 0);
	/* utcp is the client: it receives the page and closes second */
	replay("http-get", REPLAY_SERVER, REPLAY_PACE_REACT, &o, &unmet);
	ck_assert_int_eq(unmet, 0);
	ck_assert_str_eq(obs_str(&o, "received_sha256"),
			 "b8d04a95e0780ddec8dc4eecf99d60fe9f4671f75fec30c221b5722cdb3c9604");
	ck_assert_str_eq(obs_str(&o, "state"), "CLOSED");
	ck_assert_uint_eq(obs_num(&o, "utcp_window_violations"), 0);
	ck_assert_uint_eq(obs_num(&o, "leaked_buffers"), 0);
}
END_TEST

START_TEST(replay_refused_and_zero_window)
{
	static struct replay_obs o;
	int unmet;
	replay("refused", REPLAY_CLIENT, REPLAY_PACE_TIME, &o, &unmet);
	ck_assert_int_eq(unmet, 0);
	ck_assert_str_eq(obs_str(&o, "end"), "refused");
	ck_assert_uint_eq(obs_num(&o, "utcp_rst"), 1);
	replay("zero-window", REPLAY_SERVER, REPLAY_PACE_TIME, &o, &unmet);
	ck_assert_int_eq(unmet, 0);
	ck_assert_uint_ge(obs_num(&o, "utcp_zero_window_probes"), 1);
	ck_assert_uint_eq(obs_num(&o, "peer_received_bytes"), 40000);
}
END_TEST

START_TEST(expect_grammar)
{
	static struct replay_obs o;
	char err[300], p[] = "/tmp/utcp-test-replay-XXXXXX";
	int fd = mkstemp(p);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("# comment\n[replay client]\nend = fin\nbytes >= 10\nclean: bytes = 12\n"
	      "clean react: bytes = 99\ntime: bytes != 12\n[replay server]\nend != rst\n", f);
	fclose(f);
	memset(&o, 0, sizeof(o));
	replay_obs_str(&o, "end", "fin");
	replay_obs_num(&o, "bytes", 12);
	FILE *null = fopen("/dev/null", "w");
	/* clean, recorded pacing: "time: bytes != 12" fails */
	ck_assert_int_eq(utcp_replay_expect_check(p, REPLAY_CLIENT, 0, REPLAY_PACE_TIME, &o, null,
						  err, sizeof(err)), 1);
	/* clean, reactive: "clean react: bytes = 99" fails */
	ck_assert_int_eq(utcp_replay_expect_check(p, REPLAY_CLIENT, 0, REPLAY_PACE_REACT, &o, null,
						  err, sizeof(err)), 1);
	/* impaired, reactive: neither applies */
	ck_assert_int_eq(utcp_replay_expect_check(p, REPLAY_CLIENT, 1, REPLAY_PACE_REACT, &o, null,
						  err, sizeof(err)), 0);
	ck_assert_int_eq(utcp_replay_expect_check(p, REPLAY_SERVER, 0, REPLAY_PACE_TIME, &o, null,
						  err, sizeof(err)), 0);
	f = fopen(p, "w");
	fputs("[replay client]\nsometimes: end = fin\n", f);
	fclose(f);
	ck_assert_int_eq(utcp_replay_expect_check(p, REPLAY_CLIENT, 0, REPLAY_PACE_TIME, &o, null,
						  err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":2:") != NULL, "%s", err);
	fclose(null);
	unlink(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("replay");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, sha256_fips_vectors);
	tcase_add_test(tc, trace_load_http_get);
	tcase_add_test(tc, trace_load_refused);
	tcase_add_test(tc, replay_http_get_both_sides);
	tcase_add_test(tc, replay_refused_and_zero_window);
	tcase_add_test(tc, expect_grammar);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
