/*
 * core/base/stats.c - names, sums and printing of the per-context counters.
 */
#include <string.h>
#include <utcp/stats.h>

const char *const utcp_stats_names[] = {
#define UTCP_STATS_NAME(name) #name,
	UTCP_STATS_ALL(UTCP_STATS_NAME)
#undef UTCP_STATS_NAME
};

void utcp_stats_add(struct utcp_stats *dst, const struct utcp_stats *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	for (unsigned i = 0; i < UTCP_STATS_COUNT; i++)
		d[i] += s[i];
}

uint64_t utcp_stats_drops(const struct utcp_stats *s)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < UTCP_STATS_COUNT; i++)
		if (strncmp(utcp_stats_names[i], "drop_", 5) == 0)
			sum += utcp_stats_get(s, i);
	return sum;
}

void utcp_stats_print(FILE *f, const char *prefix, const struct utcp_stats *s)
{
	for (unsigned i = 0; i < UTCP_STATS_COUNT; i++) {
		uint64_t v = utcp_stats_get(s, i);
		if (v != 0)
			fprintf(f, "%s%s %llu\n", prefix, utcp_stats_names[i], (unsigned long long)v);
	}
}
