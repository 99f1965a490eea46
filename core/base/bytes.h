/*
 * core/base/bytes.h - big-endian (network order) loads and stores at any
 * alignment.  The one copy every layer, backend and tool uses.
 */
#ifndef UTCP_CORE_BASE_BYTES_H
#define UTCP_CORE_BASE_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Bytes per memcpy call of utcp_copy: below the C library's threshold for
 * `rep movsb` (2048 bytes at the least), so that every piece takes the
 * vector loop that already copies each segment (the compiler, seeing the
 * bound, would inline a `rep movsq` instead: the empty asm hides it). */
#define UTCP_COPY_BLOCK 2016u

/* memcpy of a stream's bytes (a write into the send ring, a read out of
 * the receive ring, a segment of up to 64 KiB) in UTCP_COPY_BLOCK pieces:
 * one copy routine for every size, whose cost is proportional to the
 * bytes whatever the CPU's string instructions do (and whatever a
 * simulator of them counts). */
void utcp_copy_blocks(void *dst, const void *src, size_t n);
static inline void utcp_copy(void *dst, const void *src, size_t n)
{
	if (n > UTCP_COPY_BLOCK)
		utcp_copy_blocks(dst, src, n);
	else
		memcpy(dst, src, n);
}

#endif
