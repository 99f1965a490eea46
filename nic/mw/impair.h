/*
 * nic/mw/impair.h - seeded impairment decisions, shared by the fault-injection
 * middleware (any NIC) and the simulator's links.
 *
 * For each frame, utcp_impair_decide() draws from the impairment's own PRNG
 * (seeded from utcp_fault_params.seed) and says what happens to it: dropped
 * (random, or in a Gilbert-Elliott loss burst), duplicated, one byte
 * corrupted, delayed (fixed delay + uniform jitter), held back so that
 * the next frame overtakes it (reordering), or damaged so that the
 * receiver's Ethernet FCS check throws it away (fcs_bad).  The caller
 * carries it out.  The same seed and the same sequence of frames (and
 * times, for time-based bursts) give the same decisions.
 *
 * Loss bursts: a frame in the good state starts a burst with probability
 * burst_loss and is lost.  Then either
 *   - per frame (burst_mean 0, the fault middleware): each next frame stays
 *     in the bad state with probability 1 - 1/burst_len, and is lost; or
 *   - in time (burst_mean > 0, the simulator's links): the bad state lasts
 *     a duration drawn from an exponential distribution of mean burst_mean,
 *     and every frame that meets it is lost.  A sender that backs off
 *     outlives the burst instead of staying in it.
 * Call order: utcp_impair_init -> optionally utcp_impair_set_burst_time and
 * im->corrupt_fcs -> utcp_impair_decide_at (or utcp_impair_decide) per frame.
 */
#ifndef UTCP_NIC_IMPAIR_H
#define UTCP_NIC_IMPAIR_H

#include <stdint.h>
#include <utcp/nic.h>

#include "core/base/prng.h"

struct utcp_impair {
	struct utcp_fault_params p;
	struct utcp_prng prng;
	int in_burst;            /* Gilbert-Elliott, per frame: in the bad state */
	utcp_time_t burst_mean;  /* time-based bad state: its mean duration (0: per frame) */
	utcp_time_t bad_until;   /* time-based: the bad state lasts until then */
	double corrupt_fcs;      /* probability the frame fails the receiver's FCS check */
	double ecn_mark;         /* probability the frame meets congestion (CE or drop) */
};

struct utcp_impair_verdict {
	int drop;                /* 1: the frame is lost */
	int dup;                 /* extra copies to deliver (0 or 1) */
	int corrupt_at;          /* byte offset to damage, or -1 */
	uint8_t corrupt_xor;     /* non-zero mask XORed into that byte */
	int reorder;             /* 1: hold it back behind the next frame */
	utcp_time_t delay;       /* extra delay for this frame (delay + jitter) */
	int fcs_bad;             /* 1: damaged on the wire, the receiving NIC drops it */
	int congest;             /* 1: congested: CE if the packet is ECT, else dropped */
};

/* Full-size Ethernet frame without FCS: what a burst of burst_len frames
 * is measured in when a link derives its burst duration from its rate. */
#define UTCP_IMPAIR_FRAME_BYTES 1514u

void utcp_impair_init(struct utcp_impair *im, const struct utcp_fault_params *p);
/* Time-based bursts of mean duration `mean` ns; mean 0 and rate > 0: the
 * mean that makes a back-to-back stream of full-size frames at `rate`
 * bit/s lose burst_len frames per burst on average; both 0: per frame. */
void utcp_impair_set_burst_time(struct utcp_impair *im, utcp_time_t mean, uint64_t rate);
/* 1 if any impairment is configured. */
int utcp_impair_active(const struct utcp_impair *im);
/* The decisions for a frame that meets the impairment at time `now`. */
void utcp_impair_decide_at(struct utcp_impair *im, uint32_t frame_len, utcp_time_t now,
			   struct utcp_impair_verdict *v);
/* The same with no time: bursts per frame. */
void utcp_impair_decide(struct utcp_impair *im, uint32_t frame_len, struct utcp_impair_verdict *v);
/* Natural logarithm of x > 0, in plain arithmetic (the same bits on every
 * IEEE 754 machine, no libm). */
double utcp_impair_ln(double x);

#endif
