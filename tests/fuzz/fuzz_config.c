/*
 * tests/fuzz/fuzz_config.c - fuzz target: the configuration parser
 * (setup/config.c): utcp.conf, arp.conf, route.conf, then the cross-key
 * checks of utcp_config_finish.
 *
 * Input: the three files separated by NUL bytes (utcp.conf NUL arp.conf NUL
 * route.conf); each is written to a file in a private directory and loaded
 * by its path.  Beyond not crashing: a load that fails must say why, starting
 * with the name of the file at fault (the one loaded, or the arp_file /
 * route_file it names; README: errors name file, line and key), and the
 * message must be a terminated string within the buffer.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utcp/utcp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const char *err)
{
	if (!ok) {
		fprintf(stderr, "config: %s (err \"%s\")\n", what, err);
		abort();
	}
}

/* The files live in a private directory made once, so that the names an
 * input gives to arp_file / route_file resolve there (next to utcp.conf)
 * and never reach the machine's own files. */
static char fz_dir[64];

static void fz_cleanup(void)
{
	static const char *const names[] = { "utcp.conf", "arp.conf", "route.conf" };
	char p[128];
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", fz_dir, names[i]);
		unlink(p);
	}
	rmdir(fz_dir);
}

static void putfile(const char *name, const uint8_t *p, size_t n, char *path, size_t cap)
{
	if (fz_dir[0] == '\0') {
		const char *t = getenv("TMPDIR");
		snprintf(fz_dir, sizeof(fz_dir), "%s/utcp-fuzz-config.XXXXXX", t && *t ? t : "/tmp");
		if (mkdtemp(fz_dir) == NULL) {
			perror("mkdtemp");
			abort();
		}
		atexit(fz_cleanup);
	}
	snprintf(path, cap, "%s/%s", fz_dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

/* arp_file / route_file lines lose their '/': no absolute path, no way out
 * of the directory (a device or a FIFO there would block or never end). */
static void confine(uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && (p[j] == ' ' || p[j] == '\t'))
			j++;
		int side = (n - j >= 8 && memcmp(p + j, "arp_file", 8) == 0) ||
			   (n - j >= 10 && memcmp(p + j, "route_file", 10) == 0);
		for (; j < n && p[j] != '\n'; j++)
			if (side && p[j] == '/')
				p[j] = '_';
		i = j + 1;
	}
}

/* Next NUL-separated part of the input. */
static size_t part(const uint8_t **p, size_t *n, const uint8_t **out)
{
	const uint8_t *z = memchr(*p, 0, *n);
	size_t k = z ? (size_t)(z - *p) : *n;
	*out = *p;
	*p += k + (z != NULL);
	*n -= k + (z != NULL);
	return k;
}

typedef int (*loader)(struct utcp_config *, const char *, char *, size_t);

/* Length of the file name an error starts with ("FILE: ..." or
 * "FILE:LINE: ..."): the file loaded, or the arp_file / route_file it named
 * (resolved next to it), where the fault is; 0 if it starts with neither.
 * Names may hold ':' themselves, so every ':' is tried. */
static size_t names_file(const char *err, const char *path, const struct utcp_config *cfg)
{
	size_t n = strlen(path);
	if (strncmp(err, path, n) == 0 && err[n] == ':')
		return n;
	for (const char *c = err; (c = strchr(c, ':')) != NULL; c++) {
		size_t k = (size_t)(c - err);
		const char *names[2] = { cfg->arp_file, cfg->route_file };
		for (int i = 0; i < 2; i++) {
			size_t t = strlen(names[i]);
			if (t > 0 && t <= k && memcmp(err + k - t, names[i], t) == 0)
				return k;
		}
	}
	return 0;
}

static int load(struct utcp_config *cfg, loader fn, const char *name, const uint8_t *p, size_t n)
{
	/* Room for any name the input can hold (max_len 4096) and the message:
	 * a truncated message could not be checked. */
	static char err[16384];
	char path[128];
	memset(err, 'x', sizeof(err));
	putfile(name, p, n, path, sizeof(path));
	int r = fn(cfg, path, err, sizeof(err));
	check(r == 0 || r == -1, "returns neither 0 nor -1", "");
	if (r < 0) {
		check(memchr(err, 0, sizeof(err)) != NULL, "error message not terminated", "");
		check(strlen(err) < sizeof(err) - 1, "error message fills the buffer", "");
		size_t k = names_file(err, path, cfg);
		check(k > 0, "error does not name the file", err);
		check(strlen(err) > k + 2, "error says nothing after the file", err);
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct utcp_config cfg;
	const uint8_t *conf, *arp, *route;
	size_t nconf = part(&data, &size, &conf);
	size_t narp = part(&data, &size, &arp);
	size_t nroute = part(&data, &size, &route);
	char err[256];

	uint8_t *cconf = malloc(nconf ? nconf : 1);
	memcpy(cconf, conf, nconf);
	confine(cconf, nconf);
	utcp_config_defaults(&cfg);
	int r = load(&cfg, utcp_config_load, "utcp.conf", cconf, nconf);
	free(cconf);
	if (r < 0)
		return 0;
	if (load(&cfg, utcp_config_load_arp, "arp.conf", arp, narp) < 0)
		return 0;
	if (load(&cfg, utcp_config_load_route, "route.conf", route, nroute) < 0)
		return 0;
	memset(err, 'x', sizeof(err));
	if (utcp_config_finish(&cfg, err, sizeof(err)) < 0) {
		check(memchr(err, 0, sizeof(err)) != NULL, "finish: error not terminated", "");
		check(err[0] != '\0', "finish failed without a message", err);
	}
	return 0;
}
