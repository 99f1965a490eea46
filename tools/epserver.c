/*
 * tools/epserver.c - mTCP's epserver on a real backend:
 *
 *   epserver -p WWW_DIR -f CONF [-N cores] [-b backlog] [-P port] [-s]
 *
 * Loads every regular file of WWW_DIR into memory, opens the stack of CONF
 * (io = tap | dpdk | psio), and serves the files over HTTP/1.1 on port 80
 * (or -P) from one thread per core (tools/epserver_app.c) until SIGINT or
 * SIGTERM.  The per-second statistics of the ports named by `stat_print`
 * go to stderr, as mTCP's do; -s adds utcp's own counters.
 * Exit status: 0 after a signal, 1 on a runtime error, 2 on bad usage or
 * a bad config.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/args.h"
#include "tools/apprun.h"
#include "tools/apps.h"

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f, "usage: epserver -p WWW_DIR -f CONF [-N cores] [-b backlog] [-P port] [-s]\n"
		   "  -p DIR      serve the regular files of DIR (loaded into memory)\n"
		   "  -f CONF     utcp.conf (mTCP's keys; see sample_utcp.conf)\n"
		   "  -N cores    contexts, one thread each (num_cores in CONF wins)\n"
		   "  -b backlog  listen backlog (default 4096, at most max_concurrency)\n"
		   "  -P port     TCP port (default 80)\n"
		   "  -s          each second, also utcp's own counters\n"
		   "  -h, --help  this text\n");
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "epserver: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see epserver -h)\n");
	return EXIT_USAGE;
}

static int read_file(const char *path, struct http_file *f)
{
	FILE *fp = fopen(path, "rb");
	struct stat sb;
	if (fp == NULL || fstat(fileno(fp), &sb) < 0) {
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	uint8_t *data = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
	size_t n = data != NULL ? fread(data, 1, (size_t)sb.st_size, fp) : 0;
	fclose(fp);
	if (data == NULL || n != (size_t)sb.st_size) {
		free(data);
		return -1;
	}
	f->data = data;
	f->len = n;
	return 0;
}

static void free_files(struct http_file *files, int nb)
{
	for (int i = 0; i < nb; i++) {
		free((void *)files[i].data);
		free((void *)files[i].name);
	}
	free(files);
}

/* Every regular file of dir, by name. */
static int load_dir(const char *dir, struct http_file **files, int *nb)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int cap = 0;
	if (d == NULL) {
		fprintf(stderr, "epserver: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	*files = NULL;
	*nb = 0;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat sb;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		if (*nb == cap) {
			cap = cap ? 2 * cap : 16;
			struct http_file *nf = realloc(*files, sizeof(**files) * (size_t)cap);
			if (nf == NULL)
				break;
			*files = nf;
		}
		struct http_file *f = &(*files)[*nb];
		if (read_file(path, f) < 0) {
			fprintf(stderr, "epserver: %s: %s\n", path, strerror(errno));
			closedir(d);
			free_files(*files, *nb);
			*files = NULL;
			*nb = 0;
			return -1;
		}
		f->name = strdup(de->d_name);
		(*nb)++;
	}
	closedir(d);
	return 0;
}

static void stop_server(void *arg)
{
	epserver_stop(arg);
}

static int core_fn(void *arg, struct utcp_ctx *ctx)
{
	return epserver_core(arg, ctx);
}

struct args {
	const char *www, *conf;
	int cores, backlog, port, utcp_stats;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	int c;
	/* getopt knows short options only: --help is -h, as in the usage
	 * text, and any other long option is named whole. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strncmp(argv[i], "--", 2) == 0)
			return bad("unknown option %s", argv[i]);
	}
	opterr = 0;
	while ((c = getopt(argc, argv, ":p:f:N:b:P:c:sh")) != -1) {
		switch (c) {
		case 'p': a->www = optarg; break;
		case 'f': a->conf = optarg; break;
		case 'N':
			if (utcp_parse_int(optarg, 1, UTCP_MAX_CORES, &a->cores) < 0)
				return bad("-N %s: want 1 to 16 cores", optarg);
			break;
		case 'b':
			if (utcp_parse_int(optarg, 1, 16777216, &a->backlog) < 0)
				return bad("-b %s: want a backlog of at least 1", optarg);
			break;
		case 'P':
			if (utcp_parse_int(optarg, 1, 65535, &a->port) < 0)
				return bad("-P %s: want a port from 1 to 65535", optarg);
			break;
		case 'c': return bad("-c %s: multi-process mode is not supported", optarg);
		case 's': a->utcp_stats = 1; break;
		case 'h': usage(stdout); exit(0);
		case ':': return bad("-%s needs a value", (char[]){ (char)optopt, 0 });
		default: return bad("unknown option -%s", (char[]){ (char)optopt, 0 });
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (a->www == NULL)
		return bad("%s", "-p WWW_DIR is required");
	if (a->conf == NULL)
		return bad("%s", "-f CONF is required");
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { .backlog = 4096, .port = 80 };
	struct utcp_config cfg;
	struct http_file *files = NULL;
	int nb_files = 0, rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc;
	if (apprun_config(&cfg, "epserver", a.conf, a.cores) < 0)
		return EXIT_USAGE;
	if (load_dir(a.www, &files, &nb_files) < 0)
		return 1;
	struct utcp_stack *st = apprun_open(&cfg, "epserver", &rc);
	if (st == NULL) {
		free_files(files, nb_files);
		return rc;
	}
	if (a.backlog > cfg.max_concurrency)
		a.backlog = cfg.max_concurrency;
	struct utcp_statprint *sp = utcp_statprint_create(st, stderr,
							  a.utcp_stats ? UTCP_STATPRINT_UTCP |
								 UTCP_STATPRINT_ALWAYS : 0);
	struct epserver_opts o = { .port = (uint16_t)a.port, .backlog = a.backlog,
				   .files = files, .nb_files = nb_files, .stats = sp,
				   .log = stderr };
	struct epserver *s = epserver_create(&o, cfg.num_cores);
	if (sp == NULL || s == NULL) {
		fprintf(stderr, "epserver: out of memory\n");
		return 1;
	}
	printf("epserver: %d file%s from %s, port %d, %d core%s\n", nb_files,
	       nb_files == 1 ? "" : "s", a.www, a.port, cfg.num_cores, cfg.num_cores == 1 ? "" : "s");
	fflush(stdout);
	apprun_on_signal(stop_server, s);
	rc = apprun_cores(st, "epserver", core_fn, s) == 0 ? 0 : 1;
	utcp_stack_close(st);
	epserver_destroy(s);
	utcp_statprint_destroy(sp);
	free_files(files, nb_files);
	return rc;
}
