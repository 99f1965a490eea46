/*
 * tools/nc.h - what utcp-nc's TCP part (utcp-nc.c) and its UDP part
 * (nc_udp.c) share: the helpers of nc_common.c, and the UDP entry point.
 */
#ifndef UTCP_TOOLS_NC_H
#define UTCP_TOOLS_NC_H

#include <stdint.h>
#include <utcp/utcp.h>

/* FNV-1a over n bytes, continuing from h. */
uint64_t nc_fnv(uint64_t h, const uint8_t *b, size_t n);
/* CLOCK_MONOTONIC, seconds. */
double nc_now_s(void);
/* The config (loaded, finished) and the stack it opens; NULL after
 * printing why. */
struct utcp_stack *nc_stack(const char *conf, struct utcp_config *cfg);
/* -u: host NULL: echo server on port; else the client.  count -1: no
 * limit (server) / 1 (client).  Returns the exit status. */
int nc_udp_main(const char *conf, const char *host, int port, long count, uint32_t size,
		double limit);

#endif
