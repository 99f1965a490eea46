/*
 * core/base/prng.h - the context's seeded pseudo-random generator.
 *
 * xoshiro256** (Blackman & Vigna, 2018), seeded through splitmix64.  Every
 * random choice in core/ (ISNs, ephemeral ports, secrets, hash seeds) comes
 * from here, so one seed reproduces a whole run.
 */
#ifndef UTCP_CORE_PRNG_H
#define UTCP_CORE_PRNG_H

#include <stdint.h>

struct utcp_prng {
	uint64_t s[4];
};

void utcp_prng_seed(struct utcp_prng *r, uint64_t seed);
uint64_t utcp_prng_next(struct utcp_prng *r);
/* Uniform in [0, bound) without modulo bias; bound 0 gives 0. */
uint64_t utcp_prng_below(struct utcp_prng *r, uint64_t bound);
/* Uniform double in [0, 1). */
double utcp_prng_double(struct utcp_prng *r);
/* 1 with probability p. */
int utcp_prng_chance(struct utcp_prng *r, double p);
void utcp_prng_fill(struct utcp_prng *r, void *buf, unsigned len);

#endif
