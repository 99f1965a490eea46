/*
 * nic/clock.c - the real clock and entropy that real backends hand the
 * stack (core/ never reads a clock or calls getrandom itself; DESIGN.md §3).
 */
#include "config.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <utcp/nic.h>

#include "core/base/hash.h"

utcp_time_t utcp_nic_monotonic_now(struct utcp_nic *nic)
{
	struct timespec ts;
	(void)nic;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (utcp_time_t)ts.tv_sec * UTCP_NSEC_PER_SEC + (utcp_time_t)ts.tv_nsec;
}

uint64_t utcp_nic_entropy_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), 0) == (ssize_t)sizeof(seed))
		return seed;
	/* No entropy source (very old kernel, seccomp): mix clock and pid. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 48);
	return utcp_fmix64(seed);
}
