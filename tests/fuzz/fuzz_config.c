/*
 * tests/fuzz/fuzz_config.c - fuzz target: the configuration parser
 * (core/base/config.c): utcp.conf, arp.conf, route.conf, then the cross-key
 * checks of utcp_config_finish.
 *
 * Input: the three files separated by NUL bytes (utcp.conf NUL arp.conf NUL
 * route.conf); each is written to an in-memory file (memfd) and loaded by
 * its path.  Beyond not crashing: a load that fails must say why, starting
 * with the name of the file at fault (the one loaded, or the arp_file /
 * route_file it names; README: errors name file, line and key), and the
 * message must be a terminated string within the buffer.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* An in-memory file holding [p, p+n); its path goes to path. */
static int memfile(const char *name, const uint8_t *p, size_t n, char *path, size_t cap)
{
	int fd = memfd_create(name, 0);
	if (fd < 0 || (n > 0 && write(fd, p, n) != (ssize_t)n)) {
		perror("memfd");
		abort();
	}
	snprintf(path, cap, "/proc/self/fd/%d", fd);
	return fd;
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
	char path[64];
	memset(err, 'x', sizeof(err));
	int fd = memfile(name, p, n, path, sizeof(path));
	int r = fn(cfg, path, err, sizeof(err));
	close(fd);
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

	utcp_config_defaults(&cfg);
	if (load(&cfg, utcp_config_load, "utcp.conf", conf, nconf) < 0)
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
