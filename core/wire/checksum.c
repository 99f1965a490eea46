/*
 * core/wire/checksum.c - the Internet checksum (RFC 1071).
 *
 * Call order: sum = utcp_csum_partial(hdr, n, 0) -> sum = utcp_csum_partial(
 * payload, m, sum) ... -> field = utcp_csum_fold(sum).  For TCP, start from
 * utcp_csum_pseudo().  Only the last chunk of a running sum may have an odd
 * length (RFC 1071 §4.1: the odd byte is padded with a zero on the right).
 *
 * Byte order: RFC 1071 §2(B) - the one's-complement sum is independent of
 * byte order, so words are summed as they lie in memory (native loads) and the
 * folded result is already in network byte order: store it with memcpy or a
 * plain uint16_t store, never through htons().  A received header whose
 * checksum is correct sums to 0xffff, so utcp_csum_fold() of it gives 0.
 *
 * Speed: 32-bit unaligned loads (memcpy, one instruction on x86/arm64) into
 * a 64-bit accumulator, 16 bytes per iteration; carries are folded once at
 * the end (2^16 = 1 mod 0xffff, so summing 32-bit words is equivalent).
 */
#include <string.h>

#include "core/wire/wire.h"

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint16_t load16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

/* Fold a 64-bit accumulator to 32 bits with end-around carries. */
static inline uint32_t fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint32_t utcp_csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	while (len >= 16) {
		acc += load32(p);
		acc += load32(p + 4);
		acc += load32(p + 8);
		acc += load32(p + 12);
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		acc += load32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		acc += load16(p);
		p += 2;
		len -= 2;
	}
	if (len) {
		/* RFC 1071 §4.1: pad the odd byte with zero on the right. */
		uint8_t last[2] = { p[0], 0 };
		acc += load16(last);
	}
	return fold64(acc);
}

uint16_t utcp_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t utcp_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len)
{
	/* RFC 9293 §3.1: src, dst, zero, protocol, TCP length - as they would
	 * lie in memory, so that the sum matches utcp_csum_partial's. */
	uint8_t ph[4] = { 0, proto, (uint8_t)(l4_len >> 8), (uint8_t)l4_len };

	/* utcp_csum_partial of the 12 bytes, without the loop: the same sum */
	return fold64((uint64_t)src + dst + load32(ph));
}

/* What a NIC does for a frame whose checksums were left to it (the TCP field
 * holds the pseudo-header sum, so summing the segment as it stands completes
 * it); for whoever must put such a frame on a wire in software. */
void utcp_csum_finish_tx(struct utcp_pkt *pkt)
{
	uint32_t l4off = (uint32_t)pkt->l2_len + pkt->l3_len;
	uint8_t *ip = pkt->data + pkt->l2_len;
	if (!(pkt->ol_flags & (UTCP_PKT_TX_IP_CKSUM | UTCP_PKT_TX_TCP_CKSUM)) || l4off > pkt->len)
		return;
	if (pkt->ol_flags & UTCP_PKT_TX_IP_CKSUM) {
		memset(ip + 10, 0, 2);
		uint16_t ck = utcp_csum_fold(utcp_csum_partial(ip, pkt->l3_len, 0));
		memcpy(ip + 10, &ck, 2);
	}
	if ((pkt->ol_flags & UTCP_PKT_TX_TCP_CKSUM) && l4off + 20 <= pkt->len) {
		uint8_t *th = pkt->data + l4off;
		uint16_t ck = utcp_csum_fold(utcp_csum_partial(th, pkt->len - l4off, 0));
		memcpy(th + 16, &ck, 2);
	}
	pkt->ol_flags &= ~(UTCP_PKT_TX_IP_CKSUM | UTCP_PKT_TX_TCP_CKSUM);
}
