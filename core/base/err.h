/*
 * core/base/err.h - filling a caller's error buffer (char *err, size_t
 * errlen), the convention of every open and load call: NULL or 0 bytes
 * means the caller does not want the text.
 */
#ifndef UTCP_CORE_BASE_ERR_H
#define UTCP_CORE_BASE_ERR_H

#include <stddef.h>

void utcp_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
