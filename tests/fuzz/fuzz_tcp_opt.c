/*
 * tests/fuzz/fuzz_tcp_opt.c - fuzz target: TCP option parsing
 * (core/tcp/tcp_opt.c, tcp_opts_parse).
 *
 * Input: one byte whose low bit says SYN or not, then the options area.
 * The area is copied into a buffer of exactly its length, so a read past it
 * is an AddressSanitizer report.  Beyond not crashing, the parsed result must
 * keep the invariants the state handlers rely on (RFC 7323 §2.3: shift at
 * most 14; RFC 2018: at most 4 SACK blocks; MSS, window scale and
 * SACK-permitted only on a SYN; an MSS of 0 is never taken).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tcp/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "tcp_opts_parse: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int syn = data[0] & 1;
	size_t len = size - 1;
	uint8_t *area = malloc(len ? len : 1);
	struct tcp_opts o;
	memcpy(area, data + 1, len);
	int r = tcp_opts_parse(area, (unsigned)len, syn, &o);
	free(area);
	check(r == 0 || r == -1, "returns neither 0 nor -1");
	check(o.nsack <= 4, "more than 4 SACK blocks");
	check(!(o.flags & TOF_SACK) || o.nsack > 0, "SACK flag without blocks");
	check(o.wscale <= TCP_MAX_WSCALE, "window shift above 14");
	check(!(o.flags & TOF_MSS) || o.mss != 0, "MSS 0 taken");
	if (!syn)
		check(!(o.flags & (TOF_MSS | TOF_WSCALE | TOF_SACK_PERM)),
		      "SYN-only option taken from a non-SYN segment");
	return 0;
}
