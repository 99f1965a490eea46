/*
 * core/base/prng.c - xoshiro256** seeded by splitmix64.
 * Reference: https://prng.di.unimi.it/ (public-domain algorithm description).
 */
#include "core/base/hash.h"
#include "core/base/prng.h"

#include <string.h>

static uint64_t splitmix64(uint64_t *x)
{
	return utcp_splitmix64_mix(*x += 0x9e3779b97f4a7c15ull);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void utcp_prng_seed(struct utcp_prng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t utcp_prng_next(struct utcp_prng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t utcp_prng_below(struct utcp_prng *r, uint64_t bound)
{
	if (bound == 0)
		return 0;
	/* Rejection sampling: discard the top partial range. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	uint64_t v;
	do
		v = utcp_prng_next(r);
	while (v >= limit);
	return v % bound;
}

double utcp_prng_double(struct utcp_prng *r)
{
	return (double)(utcp_prng_next(r) >> 11) * 0x1.0p-53;
}

int utcp_prng_chance(struct utcp_prng *r, double p)
{
	if (p <= 0.0)
		return 0;
	if (p >= 1.0)
		return 1;
	return utcp_prng_double(r) < p;
}

void utcp_prng_fill(struct utcp_prng *r, void *buf, unsigned len)
{
	uint8_t *p = buf;
	while (len > 0) {
		uint64_t v = utcp_prng_next(r);
		unsigned n = len < 8 ? len : 8;
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}
