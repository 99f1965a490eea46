/*
 * tools/nc_common.c - what utcp-nc's TCP part (utcp-nc.c) and its UDP part
 * (nc_udp.c) share: the digest, the clock, the stack from a config.
 */
#include <stdio.h>
#include <time.h>

#include "tools/nc.h"

uint64_t nc_fnv(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

double nc_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct utcp_stack *nc_stack(const char *conf, struct utcp_config *cfg)
{
	char err[512];
	utcp_config_defaults(cfg);
	if (utcp_config_load(cfg, conf, err, sizeof(err)) < 0 ||
	    utcp_config_finish(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "utcp-nc: %s\n", err);
		return NULL;
	}
	struct utcp_stack *st = utcp_stack_open(cfg, err, sizeof(err));
	if (st == NULL)
		fprintf(stderr, "utcp-nc: %s\n", err);
	return st;
}
