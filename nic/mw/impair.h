/*
 * nic/mw/impair.h - seeded impairment decisions, shared by the fault-injection
 * middleware (any NIC) and the simulator's links.
 *
 * For each frame, utcp_impair_decide() draws from the impairment's own PRNG
 * (seeded from utcp_fault_params.seed) and says what happens to it: dropped
 * (random, or in a Gilbert-Elliott loss burst), duplicated, one byte
 * corrupted, delayed (fixed delay + uniform jitter), or held back so that
 * the next frame overtakes it (reordering).  The caller carries it out.
 * The same seed and the same sequence of frames give the same decisions.
 */
#ifndef UTCP_NIC_IMPAIR_H
#define UTCP_NIC_IMPAIR_H

#include <stdint.h>
#include <utcp/nic.h>

#include "core/base/prng.h"

struct utcp_impair {
	struct utcp_fault_params p;
	struct utcp_prng prng;
	int in_burst;            /* Gilbert-Elliott: currently in the bad state */
};

struct utcp_impair_verdict {
	int drop;                /* 1: the frame is lost */
	int dup;                 /* extra copies to deliver (0 or 1) */
	int corrupt_at;          /* byte offset to damage, or -1 */
	uint8_t corrupt_xor;     /* non-zero mask XORed into that byte */
	int reorder;             /* 1: hold it back behind the next frame */
	utcp_time_t delay;       /* extra delay for this frame (delay + jitter) */
};

void utcp_impair_init(struct utcp_impair *im, const struct utcp_fault_params *p);
/* 1 if any impairment is configured. */
int utcp_impair_active(const struct utcp_impair *im);
void utcp_impair_decide(struct utcp_impair *im, uint32_t frame_len, struct utcp_impair_verdict *v);

#endif
