/*
 * core/base/copy.c - utcp_copy's long case (core/base/bytes.h): a copy of
 * more than UTCP_COPY_BLOCK bytes in pieces of that size.
 */
#include "core/base/bytes.h"

void utcp_copy_blocks(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	for (;;) {
		size_t b = n < UTCP_COPY_BLOCK ? n : UTCP_COPY_BLOCK;
		__asm__("" : "+r"(b)); /* the C library's memcpy, not an inline `rep movsq` */
		memcpy(d, s, b);
		if (b == n)
			return;
		d += b;
		s += b;
		n -= b;
	}
}
