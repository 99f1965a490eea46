/*
 * tools/utcp-sim.c - run a scenario on the deterministic simulator.
 *
 *   utcp-sim [--seed N | --seeds A-B] [--pcap FILE] [-q] [--cores N]
 *            [link options] SCENARIO [scenario options]
 *
 * Call order: parse the global options (up to the scenario name) -> find
 * the scenario in the table -> its parse() reads the rest -> for each seed:
 * build a testbed (tools/sim_common.c) -> the scenario's run() drives the
 * world and decides -> testbed teardown counts leaked buffers -> a verdict
 * line "PASS|FAIL <scenario> seed=N ...".  A sweep (--seeds) ends with a
 * line counting the runs that passed and naming every failing seed.
 * Exit status: 0 every run passed, 1 a run failed, 2 bad usage.
 *
 * Each scenario lives in its own file (tools/sim_<name>.c) and is listed in
 * the table below.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/progress.h"
#include "tools/sim_common.h"

static const struct scenario *const scenarios[] = {
	&sim_scenario_ping,
	&sim_scenario_transfer,
	&sim_scenario_rr,
	&sim_scenario_synflood,
	&sim_scenario_exhaust,
	&sim_scenario_blind_inject,
	&sim_scenario_reboot,
	&sim_scenario_http,
	&sim_scenario_udp,
	&sim_scenario_idle,
};
#define NB_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

void sim_usage(FILE *f)
{
	fprintf(f,
		"usage: utcp-sim [global options] [link options] SCENARIO [scenario options]\n"
		"\n"
		"Runs SCENARIO between two simulated hosts, A (10.0.0.1/24) and B (10.0.0.2/24),\n"
		"joined by one link, in virtual time.  The same seed gives the same run, frame\n"
		"for frame.  The last line is the verdict: PASS|FAIL SCENARIO seed=N ...\n"
		"Exit status: 0 pass, 1 fail, 2 bad usage.\n"
		"\n"
		"global options:\n"
		"  --seed N          seed of the world (default 1)\n"
		"  --seeds A-B       run every seed from A to B (only verdict lines)\n"
		"  --pcap FILE       record every frame entering the link (pcap, ns timestamps)\n"
		"  --trace FILE      each connection's sender state at every ACK, state change\n"
		"                    and timeout, as CSV (time, cwnd, ssthresh, flight, SRTT, RTO)\n"
		"  --plot DIR        SVG graphs per connection into DIR (gnuplot): time-sequence\n"
		"                    and sender state, from the capture and the trace (kept there\n"
		"                    as capture.pcap and trace.csv unless --pcap or --trace)\n"
		"  --cores N         queues per NIC and contexts per host (default 1)\n"
		"  --ip6             TCP over IPv6, A 2001:db8::1 and B 2001:db8::2 (/64):\n"
		"                    transfer, rr, reboot, http, exhaust, synflood, blind-inject,\n"
		"                    idle-million, ping (ICMPv6 echo after neighbour discovery)\n"
		"  -q, --quiet       print the verdict line only\n"
		"  -h, --help        this text\n"
		"\n"
		"link options (both directions; each draws its own random stream):\n"
		"  --delay T         one-way latency, e.g. 10ms, 500us (default 0)\n"
		"  --rate R          bandwidth: 100mbit, 1gbit, 10gbit, unlimited (default 1gbit)\n"
		"  --queue N         drop-tail queue limit in frames (default 1000, 0: none)\n"
		"  --loss P          random loss probability (0.1 or 10%%)\n"
		"  --burst-loss P    probability a frame starts a loss burst (Gilbert-Elliott)\n"
		"  --burst-len N     a burst lasts as long as N full-size frames take at the\n"
		"                    link's rate, on average (>= 1, default 1)\n"
		"  --burst-time T    mean duration of a loss burst instead, e.g. 200us\n"
		"  --reorder P       probability a frame is overtaken by the next one\n"
		"  --dup P           duplication probability\n"
		"  --corrupt P       probability a frame is damaged on the wire: the\n"
		"                    receiver's FCS check drops it (counted fcs-errors)\n"
		"  --corrupt-undetected P\n"
		"                    probability one byte is flipped past the FCS: the\n"
		"                    receiving stack gets the damaged frame\n"
		"  --jitter T        uniform extra delay in [0, T)\n"
		"  --flap AT:FOR     the link goes down at AT for FOR, e.g. 2s:3s\n"
		"  --mac-change AT   B's interface takes a new MAC at AT, unannounced\n"
		"                    (TCP scenarios; A must re-resolve B by ARP)\n"
		"  --mtu-drop AT:MTU[:noicmp]\n"
		"                    from AT the path drops IPv4 packets over MTU octets,\n"
		"                    answering each with ICMP frag-needed (noicmp: silently)\n"
		"  --ecn-mark P      probability a frame meets congestion at an ECN queue:\n"
		"                    marked CE if its sender made it ECT, else dropped\n"
		"  --ecn             both hosts ask for ECN when connecting (tcp_ecn = 1)\n"
		"  --mtu-probing N   both hosts' tcp_mtu_probing (0, 1, 2; RFC 4821 black holes)\n"
		"  --tso             both NICs offer TCP segmentation offload, frames up to\n"
		"                    64 KiB (as loopback's; see --frame-mtu)\n"
		"  --gro             both NICs join in-order segments of a flow in an rx burst\n"
		"                    (with TCP checksum offload, which GRO needs)\n"
		"  --frame-mtu N     the longest IP packet the wire carries whole (default 65535):\n"
		"                    a longer TSO frame is cut into MSS segments by the NIC, so\n"
		"                    that queue and impairments act on each (e.g. 1500)\n"
		"\n"
		"scenarios:\n");
	for (size_t i = 0; i < NB_SCENARIOS; i++)
		fprintf(f, "  %-8s %s\n    %s\n", scenarios[i]->name, scenarios[i]->summary,
			scenarios[i]->usage);
	fprintf(f, "\nexample: utcp-sim --seed 7 --loss 0.1 --pcap a.pcap ping --count 20\n");
}

/* ---- global options -------------------------------------------------------- */

enum {
	OPT_SEED = 256, OPT_SEEDS, OPT_PCAP, OPT_CORES, OPT_DELAY, OPT_RATE, OPT_QUEUE,
	OPT_LOSS, OPT_BURST_LOSS, OPT_BURST_LEN, OPT_REORDER, OPT_DUP, OPT_CORRUPT, OPT_JITTER,
	OPT_BURST_TIME, OPT_CORRUPT_UNDETECTED, OPT_FLAP, OPT_TRACE, OPT_PLOT, OPT_MAC_CHANGE,
	OPT_MTU_DROP, OPT_ECN_MARK, OPT_ECN, OPT_MTU_PROBING, OPT_IP6,
	OPT_TSO, OPT_GRO, OPT_FRAME_MTU,
};

/* "AT:MTU" or "AT:MTU:noicmp". */
static int parse_mtu_drop(const char *v, struct sim_opts *o)
{
	char at[64], *end;
	const char *colon = strchr(v, ':');
	if (colon == NULL || (size_t)(colon - v) >= sizeof(at))
		return -1;
	memcpy(at, v, (size_t)(colon - v));
	at[colon - v] = 0;
	errno = 0;
	unsigned long mtu = strtoul(colon + 1, &end, 10);
	if (parse_time(at, &o->mtu_at) < 0 || errno != 0 || end == colon + 1 || mtu < 68 ||
	    mtu > 65535 || (*end != '\0' && strcmp(end, ":noicmp") != 0))
		return -1;
	o->mtu = (uint32_t)mtu;
	o->mtu_icmp = *end == '\0';
	o->mtu_drop = 1;
	return 0;
}

/* "AT:FOR": two durations. */
static int parse_flap(const char *v, struct sim_opts *o)
{
	char at[64];
	const char *colon = strchr(v, ':');
	if (colon == NULL || (size_t)(colon - v) >= sizeof(at))
		return -1;
	memcpy(at, v, (size_t)(colon - v));
	at[colon - v] = 0;
	if (parse_time(at, &o->flap_at) < 0 || parse_time(colon + 1, &o->flap_for) < 0 ||
	    o->flap_for == 0)
		return -1;
	o->flap = 1;
	return 0;
}

static int set_global(struct sim_opts *o, int c, const char *v)
{
	struct utcp_fault_params *f = &o->link.fault;
	uint64_t u;
	switch (c) {
	case OPT_SEED:
		if (parse_u64(v, 0, UINT64_MAX, &o->seed_first) < 0)
			return -1;
		o->seed_last = o->seed_first;
		o->sweep = 0;
		return 0;
	case OPT_SEEDS:
		if (parse_seeds(v, &o->seed_first, &o->seed_last) < 0)
			return -1;
		o->sweep = 1;
		return 0;
	case OPT_PCAP: o->pcap = v; return 0;
	case OPT_TRACE: o->trace = v; return 0;
	case OPT_PLOT: o->plot = v; return 0;
	case OPT_CORES:
		if (parse_u64(v, 1, UTCP_MAX_CORES, &u) < 0)
			return -1;
		o->cores = (int)u;
		return 0;
	case OPT_DELAY: return parse_time(v, &o->link.latency);
	case OPT_RATE: return parse_rate(v, &o->link.rate);
	case OPT_QUEUE:
		if (parse_u64(v, 0, UINT32_MAX, &u) < 0)
			return -1;
		o->link.queue_frames = (uint32_t)u;
		return 0;
	case OPT_LOSS: return parse_prob(v, &f->loss);
	case OPT_BURST_LOSS: return parse_prob(v, &f->burst_loss);
	case OPT_BURST_LEN: return parse_double_min(v, 1.0, &f->burst_len);
	case OPT_REORDER: return parse_prob(v, &f->reorder);
	case OPT_DUP: return parse_prob(v, &f->dup);
	case OPT_CORRUPT: return parse_prob(v, &o->link.corrupt_fcs);
	case OPT_CORRUPT_UNDETECTED: return parse_prob(v, &f->corrupt);
	case OPT_JITTER: return parse_time(v, &f->jitter);
	case OPT_BURST_TIME:
		if (parse_time(v, &o->link.burst_time) < 0 || o->link.burst_time == 0)
			return -1;
		return 0;
	case OPT_FLAP: return parse_flap(v, o);
	case OPT_MAC_CHANGE: o->mac_change = 1; return parse_time(v, &o->mac_change_at);
	case OPT_MTU_DROP: return parse_mtu_drop(v, o);
	case OPT_ECN_MARK: return parse_prob(v, &o->link.ecn_mark);
	case OPT_FRAME_MTU: {
		uint64_t m;
		if (utcp_parse_u64(v, 10, 68, 65535, &m) < 0)
			return -1;
		o->link.frame_mtu = (uint32_t)m;
		return 0;
	}
	case OPT_MTU_PROBING:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0 && strcmp(v, "2") != 0)
			return -1;
		o->mtu_probing = v[0] - '0';
		return 0;
	}
	return -1;
}

static const char *global_hint(int c)
{
	switch (c) {
	case OPT_SEED: return "a number";
	case OPT_SEEDS: return "FIRST-LAST, e.g. 1-100";
	case OPT_CORES: return "1 to 16";
	case OPT_RATE: return "a rate: 100mbit, 1gbit, 10gbit, or unlimited (no serialization delay)";
	case OPT_QUEUE: return "a number of frames (0: no limit)";
	case OPT_BURST_LEN: return "a number >= 1";
	case OPT_DELAY: case OPT_JITTER: return HINT_TIME;
	case OPT_BURST_TIME: return "a duration above 0 with a unit: 200us, 5ms";
	case OPT_FLAP: return "AT:FOR, two durations with units, e.g. 2s:3s (FOR above 0)";
	case OPT_MAC_CHANGE: return "a duration with its unit, e.g. 2s";
	case OPT_MTU_DROP: return "AT:MTU or AT:MTU:noicmp, e.g. 1s:1280 (MTU 68..65535)";
	case OPT_MTU_PROBING: return "0, 1 or 2 (tcp_mtu_probing)";
	case OPT_FRAME_MTU: return "an IP packet length, 68 to 65535";
	default: return HINT_PROB;
	}
}

static int parse_globals(int argc, char **argv, struct sim_opts *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "seeds", required_argument, NULL, OPT_SEEDS },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "cores", required_argument, NULL, OPT_CORES },
		{ "delay", required_argument, NULL, OPT_DELAY },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "queue", required_argument, NULL, OPT_QUEUE },
		{ "loss", required_argument, NULL, OPT_LOSS },
		{ "burst-loss", required_argument, NULL, OPT_BURST_LOSS },
		{ "burst-len", required_argument, NULL, OPT_BURST_LEN },
		{ "reorder", required_argument, NULL, OPT_REORDER },
		{ "dup", required_argument, NULL, OPT_DUP },
		{ "corrupt", required_argument, NULL, OPT_CORRUPT },
		{ "jitter", required_argument, NULL, OPT_JITTER },
		{ "burst-time", required_argument, NULL, OPT_BURST_TIME },
		{ "corrupt-undetected", required_argument, NULL, OPT_CORRUPT_UNDETECTED },
		{ "flap", required_argument, NULL, OPT_FLAP },
		{ "mac-change", required_argument, NULL, OPT_MAC_CHANGE },
		{ "mtu-drop", required_argument, NULL, OPT_MTU_DROP },
		{ "ecn-mark", required_argument, NULL, OPT_ECN_MARK },
		{ "ecn", no_argument, NULL, OPT_ECN },
		{ "mtu-probing", required_argument, NULL, OPT_MTU_PROBING },
		{ "ip6", no_argument, NULL, OPT_IP6 },
		{ "tso", no_argument, NULL, OPT_TSO },
		{ "gro", no_argument, NULL, OPT_GRO },
		{ "frame-mtu", required_argument, NULL, OPT_FRAME_MTU },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qh", longopts, NULL)) != -1) {
		if (c == 'h') {
			sim_usage(stdout);
			exit(0);
		}
		if (c == 'q' || c == OPT_ECN) {
			*(c == 'q' ? &o->quiet : &o->ecn) = 1;
			continue;
		}
		if (c == OPT_IP6 || c == OPT_TSO || c == OPT_GRO) {
			*(c == OPT_IP6 ? &o->ip6 : c == OPT_TSO ? &o->tso : &o->gro) = 1;
			continue;
		}
		if (c == ':' || c == '?') {
			usage_error(c == ':' ? "%s needs a value" : "unknown option '%s'",
				    argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (c == OPT_RATE && utcp_parse_u64(optarg, 10, 0, 0, &(uint64_t){ 0 }) == 0) {
			usage_error("--rate %s: a link's rate must be above 0 (--rate unlimited: "
				    "no serialization delay)", optarg);
			return EXIT_USAGE;
		}
		if (set_global(o, c, optarg) < 0) {
			usage_error("bad value '%s' for %s: want %s", optarg, opt_name(longopts, c),
				    global_hint(c));
			return EXIT_USAGE;
		}
	}
	return 0;
}

static void opts_defaults(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed_first = o->seed_last = 1;
	o->cores = 1;
	utcp_sim_link_params_default(&o->link);
}

static int opts_check(struct sim_opts *o)
{
	const struct utcp_fault_params *f = &o->link.fault;
	if (o->sweep && (o->pcap != NULL || o->trace != NULL || o->plot != NULL)) {
		usage_error("%s records one run: use it with --seed, not --seeds",
			    o->pcap != NULL ? "--pcap" : o->trace != NULL ? "--trace" : "--plot");
		return EXIT_USAGE;
	}
	if (f->burst_loss > 0 && f->burst_len < 1.0) {
		usage_error("--burst-len must be at least 1");
		return EXIT_USAGE;
	}
	o->impaired = f->loss > 0 || f->burst_loss > 0 || f->reorder > 0 || f->dup > 0 ||
		      f->corrupt > 0 || f->jitter > 0 || o->link.corrupt_fcs > 0 || o->flap ||
		      o->link.ecn_mark > 0 ||
		      o->mac_change || o->mtu_drop;
	if (o->sweep)
		o->quiet = 1;
	return 0;
}

static const struct scenario *find_scenario(const char *name)
{
	for (size_t i = 0; i < NB_SCENARIOS; i++)
		if (strcmp(scenarios[i]->name, name) == 0)
			return scenarios[i];
	return NULL;
}

/* One run: prints its verdict line; 1 if it passed. */
static int run_one(const struct scenario *sc, const struct sim_opts *o, const void *sopts,
		   uint64_t seed)
{
	struct verdict v = { .pass = 1 };
	sc->run(o, sopts, seed, &v);
	if (v.pass)
		printf("PASS %s seed=%" PRIu64 " %s\n", sc->name, seed, v.summary);
	else
		printf("FAIL %s seed=%" PRIu64 "%s%s (%s)\n", sc->name, seed,
		       v.summary[0] ? " " : "", v.summary, v.reason);
	fflush(stdout);
	return v.pass;
}

/* Run every seed; a sweep ends with a line naming every failing seed. */
static int run_seeds(const struct scenario *sc, const struct sim_opts *o, const void *sopts)
{
	uint64_t passed = 0, runs = 0;
	char failed[512] = "";
	size_t flen = 0;
	struct progress pr;

	progress_start(&pr, "seeds", o->sweep ? o->seed_last - o->seed_first + 1 : 1);
	for (uint64_t seed = o->seed_first;; seed++) {
		progress_clear(&pr);
		int ok = run_one(sc, o, sopts, seed);
		passed += (uint64_t)ok;
		runs++;
		progress_step(&pr, runs);
		if (!ok && flen < sizeof(failed) - 1)
			flen += (size_t)snprintf(failed + flen, sizeof(failed) - flen, "%s%" PRIu64,
						 flen ? "," : "", seed);
		if (seed == o->seed_last)
			break;
	}
	progress_end(&pr);
	if (flen >= sizeof(failed) - 1)
		strcpy(failed + sizeof(failed) - 5, "...");
	if (o->sweep)
		printf("%s %s seeds=%" PRIu64 "-%" PRIu64 ": %" PRIu64 " of %" PRIu64 " passed%s%s\n",
		       passed == runs ? "PASS" : "FAIL", sc->name, o->seed_first, o->seed_last,
		       passed, runs, flen ? "; failing seeds: " : "", failed);
	return passed == runs ? 0 : 1;
}

/* --plot DIR and --trace: the directory, the capture's and the trace's
 * paths, the trace opened with its header. */
static int plot_open(struct sim_opts *o)
{
	static char pcap[4096], trace[4096];
	char err[512];

	if (o->plot != NULL) {
		if (plot_dir(o->plot, err, sizeof(err)) < 0) {
			fprintf(stderr, "utcp-sim: --plot %s\n", err);
			return -1;
		}
		if (o->pcap == NULL) {
			snprintf(pcap, sizeof(pcap), "%s/capture.pcap", o->plot);
			o->pcap = pcap;
		}
		if (o->trace == NULL) {
			snprintf(trace, sizeof(trace), "%s/trace.csv", o->plot);
			o->trace = trace;
		}
	}
	if (o->trace == NULL)
		return 0;
	o->trace_f = fopen(o->trace, "w");
	if (o->trace_f == NULL) {
		fprintf(stderr, "utcp-sim: --trace %s: %s\n", o->trace, strerror(errno));
		return -1;
	}
	trace_csv_header(o->trace_f);
	return 0;
}

/* After the run: the trace closed, the graphs drawn. */
static int plot_close(struct sim_opts *o)
{
	char err[512];

	if (o->trace_f != NULL && fclose(o->trace_f) != 0) {
		fprintf(stderr, "utcp-sim: --trace %s: %s\n", o->trace, strerror(errno));
		return -1;
	}
	o->trace_f = NULL;
	if (o->plot == NULL)
		return 0;
	if (plot_capture(o->pcap, o->trace, o->plot, o->quiet ? NULL : stdout, err,
			 sizeof(err)) < 0) {
		fprintf(stderr, "utcp-sim: --plot: %s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sim_opts o;
	opts_defaults(&o);
	int rc = parse_globals(argc, argv, &o);
	if (rc != 0 || (rc = opts_check(&o)) != 0)
		return rc;
	if (optind >= argc) {
		usage_error("no scenario given");
		return EXIT_USAGE;
	}
	const struct scenario *sc = find_scenario(argv[optind]);
	if (sc == NULL) {
		usage_error("unknown scenario '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (o.ip6 && (!sc->ip6 || o.mtu_drop)) { /* --mtu-drop's middlebox speaks ICMPv4 */
		usage_error("--ip6: %s", o.mtu_drop ? "--mtu-drop is IPv4's"
						    : "this scenario runs over IPv4 only");
		return EXIT_USAGE;
	}
	void *sopts = calloc(1, sc->opts_size);
	if (sopts == NULL)
		return 1;
	sc->defaults(sopts);
	if ((rc = sc->parse(argc - optind, argv + optind, sopts)) != 0) {
		free(sopts);
		return rc;
	}
	o.sc = sc;
	o.sopts = sopts;
	if (plot_open(&o) < 0) {
		free(sopts);
		return 1;
	}
	rc = run_seeds(sc, &o, sopts);
	if (plot_close(&o) < 0)
		rc = 1;
	free(sopts);
	return rc;
}
