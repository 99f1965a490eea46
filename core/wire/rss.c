/*
 * core/wire/rss.c - the Toeplitz hash of Microsoft's Receive Side Scaling.
 *
 * Call order: a backend or core/tcp (choosing a source port whose return
 * traffic lands on its own queue) -> utcp_rss_hash_v4 or utcp_rss_hash_v6
 * -> utcp_rss_queue.
 *
 * Toeplitz (Microsoft, "RSS hashing functions"): for every bit of the input,
 * most significant bit of the first byte first, if the bit is set XOR into
 * the result the 32 key bits that start at that bit's position.  The input
 * for IPv4 with TCP is source address, destination address, source port,
 * destination port, all in network order (12 bytes; a 40-byte key covers up
 * to 36); for IPv6 with TCP the same four fields with 16-byte addresses
 * (36 bytes, Microsoft's "NdisHashFunctionToeplitz" over IPv6 with TCP,
 * no extension-header addresses).  Checked against the RSS verification
 * suite's IPv4 and IPv6 tables in test_rss.
 *
 * utcp_rss_symmetric_key is 0x6d5a repeated (Woo & Park, "Scalable TCP
 * Session Monitoring with Symmetric Receive-side Scaling", 2012): the key
 * has period 16 bits, and both addresses (32 bits apart; IPv6: 128) and both
 * ports (16 apart) lie at offsets that are multiples of 16, so swapping source and
 * destination leaves every key window - and the hash - unchanged.  Both
 * directions of a flow reach the same queue.
 */
#include <string.h>

#include "core/wire/wire.h"

const uint8_t utcp_rss_symmetric_key[UTCP_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static inline uint8_t key_byte(const uint8_t *key, size_t key_len, size_t i)
{
	return i < key_len ? key[i] : 0;
}

uint32_t utcp_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len)
{
	/* window = key bits [i*8 + b, i*8 + b + 32) as the loop walks the input */
	uint32_t window = (uint32_t)key_byte(key, key_len, 0) << 24 |
			  (uint32_t)key_byte(key, key_len, 1) << 16 |
			  (uint32_t)key_byte(key, key_len, 2) << 8 | key_byte(key, key_len, 3);
	uint32_t hash = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t next = key_byte(key, key_len, i + 4);
		for (int b = 7; b >= 0; b--) {
			if (data[i] & (1u << b))
				hash ^= window;
			window = window << 1 | ((next >> b) & 1);
		}
	}
	return hash;
}

uint32_t utcp_rss_hash_v4(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport,
			  uint16_t dport)
{
	const uint8_t *s = (const uint8_t *)&src, *d = (const uint8_t *)&dst;
	const uint8_t *sp = (const uint8_t *)&sport, *dp = (const uint8_t *)&dport;
	uint8_t in[12] = { s[0], s[1], s[2], s[3], d[0], d[1], d[2], d[3],
			   sp[0], sp[1], dp[0], dp[1] };

	return utcp_toeplitz(key, UTCP_RSS_KEY_LEN, in, sizeof(in));
}

uint32_t utcp_rss_hash_v6(const uint8_t *key, const struct utcp_in6 *src,
			  const struct utcp_in6 *dst, uint16_t sport, uint16_t dport)
{
	uint8_t in[UTCP_RSS_V6_INPUT];

	memcpy(in, src->b, 16);
	memcpy(in + 16, dst->b, 16);
	memcpy(in + 32, &sport, 2);
	memcpy(in + 34, &dport, 2);
	return utcp_toeplitz(key, UTCP_RSS_KEY_LEN, in, sizeof(in));
}

/*
 * Toeplitz is linear over XOR: the hash of the input is the XOR of the
 * hashes of each byte alone at its position.  t[i][v] is the hash of byte
 * value v at input offset i (all other bytes zero), so a 4-tuple costs 12
 * lookups (IPv6: 36).  Same results as utcp_toeplitz, checked in test_rss.
 */
/* Key bits [p, p + 32): the window XORed in for input bit p. */
static uint32_t key_window(const uint8_t *key, unsigned p)
{
	uint64_t w = 0;
	for (unsigned j = 0; j < 5; j++)
		w = w << 8 | key_byte(key, UTCP_RSS_KEY_LEN, p / 8 + j);
	return (uint32_t)(w >> (8 - p % 8));
}

void utcp_rss_table_init(struct utcp_rss_table *tab, const uint8_t *key)
{
	for (unsigned i = 0; i < UTCP_RSS_V6_INPUT; i++) {
		tab->t[i][0] = 0;
		for (unsigned v = 1; v < 256; v++) {
			unsigned low = v & (~v + 1), bit = (unsigned)__builtin_ctz(v);
			tab->t[i][v] = tab->t[i][v ^ low] ^ key_window(key, 8 * i + 7 - bit);
		}
	}
}

uint32_t utcp_rss_table_hash_v4(const struct utcp_rss_table *tab, uint32_t src, uint32_t dst,
				uint16_t sport, uint16_t dport)
{
	const uint8_t *s = (const uint8_t *)&src, *d = (const uint8_t *)&dst;
	const uint8_t *sp = (const uint8_t *)&sport, *dp = (const uint8_t *)&dport;
	return tab->t[0][s[0]] ^ tab->t[1][s[1]] ^ tab->t[2][s[2]] ^ tab->t[3][s[3]] ^
	       tab->t[4][d[0]] ^ tab->t[5][d[1]] ^ tab->t[6][d[2]] ^ tab->t[7][d[3]] ^
	       tab->t[8][sp[0]] ^ tab->t[9][sp[1]] ^ tab->t[10][dp[0]] ^ tab->t[11][dp[1]];
}

uint32_t utcp_rss_table_hash_v6(const struct utcp_rss_table *tab, const struct utcp_in6 *src,
				const struct utcp_in6 *dst, uint16_t sport, uint16_t dport)
{
	const uint8_t *sp = (const uint8_t *)&sport, *dp = (const uint8_t *)&dport;
	uint32_t h = tab->t[32][sp[0]] ^ tab->t[33][sp[1]] ^ tab->t[34][dp[0]] ^ tab->t[35][dp[1]];
	for (unsigned i = 0; i < 16; i++)
		h ^= tab->t[i][src->b[i]] ^ tab->t[16 + i][dst->b[i]];
	return h;
}

uint16_t utcp_rss_queue(const struct utcp_nic_caps *caps, uint32_t hash)
{
	if (caps->reta_size > 0) {
		/* Redirection table: the low bits of the hash index it
		 * (Microsoft RSS "indirection table"; sizes are powers of two). */
		uint32_t size = caps->reta_size;
		if (size > sizeof(caps->reta) / sizeof(caps->reta[0]))
			size = sizeof(caps->reta) / sizeof(caps->reta[0]);
		return caps->reta[hash % size];
	}
	return caps->nb_queues > 1 ? (uint16_t)(hash % caps->nb_queues) : 0;
}
