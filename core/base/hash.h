/*
 * core/base/hash.h - integer finalizers and a keyed PRF.
 *
 * utcp_fmix32 / utcp_fmix64: MurmurHash3's finalizers (spread every input
 * bit over the output; not keyed).  utcp_splitmix64_mix: splitmix64's output
 * function (derives independent seeds from one).  utcp_siphash: SipHash-2-4,
 * keyed with 16 bytes, the PRF F() of RFC 6528 §3 (ISNs, SYN cookies).
 */
#ifndef UTCP_CORE_BASE_HASH_H
#define UTCP_CORE_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t utcp_fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline uint64_t utcp_fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static inline uint64_t utcp_splitmix64_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t utcp_siphash(const uint8_t key[16], const uint8_t *in, size_t len);

#endif
