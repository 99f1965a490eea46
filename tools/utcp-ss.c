/*
 * tools/utcp-ss.c - the connections of a running utcp program, as `ss -tin`
 * shows the kernel's: it reads the program's control socket (utcp.conf's
 * `control_socket = PATH`, setup/ctl.c), where every context writes its
 * listeners, connections and counters from its own poll round.
 *
 *   utcp-ss [-a | -l] [-r] PATH    connections (-a: and listeners; -l: listeners only)
 *   utcp-ss -s PATH                connections by state, and the counters summed
 *
 * Addresses print as ss(8) prints them: 10.0.0.1:80, [2001:db8::1]:80.
 *
 * Call order: connect -> read every line until the program closes (each
 * context's part in turn) -> print.  Exit 0, 1 when the program does not
 * answer (or not every context did), 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#define MAX_STATS 256
#define NSTATES 11

struct ss {
	int all, listen_only, summary, raw;
	int cores, ctxs, core;                 /* announced, seen, current */
	int nconn, by_state[NSTATES];
	char stat_name[MAX_STATS][48];
	uint64_t stat_sum[MAX_STATS];
	int nstats;
};

static const char *const states[NSTATES][2] = { /* utcp's name, ss's */
	{ "CLOSED", "UNCONN" },     { "LISTEN", "LISTEN" },       { "SYN-SENT", "SYN-SENT" },
	{ "SYN-RECEIVED", "SYN-RECV" }, { "ESTABLISHED", "ESTAB" }, { "FIN-WAIT-1", "FIN-WAIT-1" },
	{ "FIN-WAIT-2", "FIN-WAIT-2" }, { "CLOSE-WAIT", "CLOSE-WAIT" }, { "CLOSING", "CLOSING" },
	{ "LAST-ACK", "LAST-ACK" },   { "TIME-WAIT", "TIME-WAIT" },
};

static int usage(void)
{
	fprintf(stderr, "usage: utcp-ss [-a | -l] [-r] PATH\n"
			"       utcp-ss -s PATH\n"
			"  -a  listeners too\n"
			"  -l  listeners only\n"
			"  -r  the control socket's lines as they come\n"
			"  -s  connections by state and the counters, summed over the contexts\n");
	return 2;
}

/* The value of " key=" in a conn line ("" if absent). */
static const char *field(const char *line, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);
	const char *p = line;

	buf[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if ((p == line || p[-1] == ' ') && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, " \n");
			if (n >= len)
				n = len - 1;
			memcpy(buf, p + kl + 1, n);
			buf[n] = '\0';
			break;
		}
		p += kl;
	}
	return buf;
}

static unsigned long long num(const char *line, const char *key)
{
	char b[32];
	return strtoull(field(line, key, b, sizeof(b)), NULL, 10);
}

static int state_index(const char *name)
{
	for (int i = 0; i < NSTATES; i++)
		if (strcmp(states[i][0], name) == 0)
			return i;
	return 0;
}

static void print_conn(const char *line, int st, int core)
{
	char la[64], pa[64], cc[32]; /* "[IPv6]:port" fits */
	unsigned long long mss = num(line, "mss"), cwnd = num(line, "cwnd");
	unsigned long long ssth = num(line, "ssthresh");

	field(line, "local", la, sizeof(la));
	field(line, "peer", pa, sizeof(pa));
	printf("%-11s %-7llu %-7llu %-22s %-22s %d\n", states[st][1], num(line, "recv_q"),
	       num(line, "send_q"), la, st != 1 ? pa : la[0] == '[' ? "[::]:*" : "0.0.0.0:*",
	       core);
	if (st == 1)
		return;
	if (mss == 0)
		mss = 1;
	printf("\t %s mss:%llu rto:%.3f rtt:%.3f/%.3f cwnd:%llu", field(line, "cc", cc, sizeof(cc)),
	       mss, num(line, "rto_us") / 1e3, num(line, "srtt_us") / 1e3,
	       num(line, "rttvar_us") / 1e3, cwnd / mss);
	if (ssth < 0x7fffffffull)
		printf(" ssthresh:%llu", ssth / mss);
	printf(" bytes_in_flight:%llu retrans:%llu/%llu snd_wnd:%llu rcv_wnd:%llu%s\n",
	       num(line, "flight"), num(line, "backoff"), num(line, "retrans"),
	       num(line, "snd_wnd"), num(line, "rcv_wnd"),
	       num(line, "recovery") ? " recovery" : "");
}

static void take_stat(struct ss *s, const char *line)
{
	char name[48];
	unsigned long long v;
	int i;

	if (sscanf(line, "stat %47s %llu", name, &v) != 2)
		return;
	for (i = 0; i < s->nstats; i++)
		if (strcmp(s->stat_name[i], name) == 0)
			break;
	if (i == s->nstats) {
		if (s->nstats == MAX_STATS)
			return;
		snprintf(s->stat_name[s->nstats++], sizeof(s->stat_name[0]), "%s", name);
	}
	s->stat_sum[i] += v;
}

static void take_line(struct ss *s, const char *line)
{
	char b[32];

	if (s->raw)
		fputs(line, stdout);
	if (sscanf(line, "utcp-ctl 1 cores=%d", &s->cores) == 1)
		return;
	if (sscanf(line, "ctx %d", &s->core) == 1) {
		s->ctxs++;
		return;
	}
	if (strncmp(line, "stat ", 5) == 0) {
		take_stat(s, line);
		return;
	}
	if (strncmp(line, "conn ", 5) != 0)
		return;
	int st = state_index(field(line, "state", b, sizeof(b)));
	s->nconn++;
	s->by_state[st]++;
	if (s->raw || s->summary || (st == 1 && !s->all && !s->listen_only) ||
	    (st != 1 && s->listen_only))
		return;
	print_conn(line, st, s->core);
}

static FILE *ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "utcp-ss: %s: path too long\n", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "utcp-ss: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)); /* a program that hangs */
	return fdopen(fd, "r");
}

static void print_summary(const struct ss *s)
{
	printf("Total: %d (contexts: %d)\n", s->nconn, s->ctxs);
	printf("TCP:   %d (estab %d, closed %d, timewait %d, listen %d, synrecv %d)\n\n",
	       s->nconn, s->by_state[4], s->by_state[0], s->by_state[10], s->by_state[1],
	       s->by_state[3]);
	for (int i = 0; i < NSTATES; i++)
		if (s->by_state[i] > 0)
			printf("state %-12s %d\n", states[i][0], s->by_state[i]);
	for (int i = 0; i < s->nstats; i++)
		printf("stat %-24s %" PRIu64 "\n", s->stat_name[i], s->stat_sum[i]);
}

int main(int argc, char **argv)
{
	static struct ss s;
	char line[1024];
	int c;

	while ((c = getopt(argc, argv, "alrsh")) != -1) {
		switch (c) {
		case 'a': s.all = 1; break;
		case 'l': s.listen_only = 1; break;
		case 'r': s.raw = 1; break;
		case 's': s.summary = 1; break;
		default: return usage();
		}
	}
	if (optind != argc - 1 || (s.all && s.listen_only))
		return usage();
	FILE *f = ctl_connect(argv[optind]);
	if (f == NULL)
		return 1;
	if (!s.raw && !s.summary)
		printf("%-11s %-7s %-7s %-22s %-22s %s\n", "State", "Recv-Q", "Send-Q",
		       "Local Address:Port", "Peer Address:Port", "Core");
	while (fgets(line, sizeof(line), f) != NULL)
		take_line(&s, line);
	fclose(f);
	if (s.summary)
		print_summary(&s);
	if (s.cores == 0 || s.ctxs != s.cores) {
		fprintf(stderr, "utcp-ss: %s: %d of %d contexts answered\n", argv[optind], s.ctxs,
			s.cores);
		return 1;
	}
	return 0;
}
