/*
 * nic/mw/impair.c - seeded impairment decisions (see impair.h for the model
 * and the call order).
 */
#include "nic/mw/impair.h"

#include <string.h>

#define LN2 0.69314718055994530942
#define SQRT2 1.41421356237309504880

void utcp_impair_init(struct utcp_impair *im, const struct utcp_fault_params *p)
{
	memset(im, 0, sizeof(*im));
	im->p = *p;
	utcp_prng_seed(&im->prng, p->seed ^ 0x696d70616972ull /* "impair" */);
}

double utcp_impair_ln(double x)
{
	if (!(x > 0))
		return -1e308;
	uint64_t b;
	memcpy(&b, &x, sizeof(b));
	int e = (int)((b >> 52) & 0x7ff) - 1023;
	b = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull; /* mantissa in [1, 2) */
	double m;
	memcpy(&m, &b, sizeof(m));
	if (m > SQRT2) {
		m /= 2;
		e++;
	}
	/* ln m = 2 atanh(z), z = (m - 1) / (m + 1), |z| < 0.172: 12 terms */
	double z = (m - 1) / (m + 1), z2 = z * z, t = z, s = 0;
	for (int k = 0; k < 12; k++) {
		s += t / (2 * k + 1);
		t *= z2;
	}
	return 2 * s + e * LN2;
}

void utcp_impair_set_burst_time(struct utcp_impair *im, utcp_time_t mean, uint64_t rate)
{
	double len = im->p.burst_len;
	if (mean == 0 && rate > 0) {
		/* Frames T apart meet a bad state of exponential length D: the
		 * first is lost, and floor(D / T) more, 1 / (e^(T/m) - 1) on
		 * average; that is burst_len - 1 when m = T / ln(L / (L - 1)). */
		double t = (double)UTCP_IMPAIR_FRAME_BYTES * 8 * 1e9 / (double)rate;
		double m = len > 1.0 ? t / -utcp_impair_ln((len - 1) / len) : 0;
		mean = m >= 1 ? (utcp_time_t)(m + 0.5) : 1; /* 1 ns: the first frame alone */
	}
	im->burst_mean = mean;
}

int utcp_impair_active(const struct utcp_impair *im)
{
	const struct utcp_fault_params *p = &im->p;
	return p->loss > 0 || p->burst_loss > 0 || p->reorder > 0 || p->dup > 0 ||
	       p->corrupt > 0 || p->delay > 0 || p->jitter > 0 || im->corrupt_fcs > 0 ||
	       im->ecn_mark > 0;
}

/* Gilbert-Elliott two-state loss, per frame: enter the bad state with
 * burst_loss, stay there with probability 1 - 1/burst_len, lose every
 * frame while in it. */
static int burst_drop_frames(struct utcp_impair *im)
{
	const struct utcp_fault_params *p = &im->p;
	if (im->in_burst) {
		double stay = p->burst_len > 1.0 ? 1.0 - 1.0 / p->burst_len : 0.0;
		im->in_burst = utcp_prng_chance(&im->prng, stay);
		return 1;
	}
	if (p->burst_loss > 0 && utcp_prng_chance(&im->prng, p->burst_loss)) {
		double stay = p->burst_len > 1.0 ? 1.0 - 1.0 / p->burst_len : 0.0;
		im->in_burst = utcp_prng_chance(&im->prng, stay);
		return 1;
	}
	return 0;
}

/* The same in time: the bad state lasts an exponential duration of mean
 * burst_mean from the frame that started it. */
static int burst_drop_time(struct utcp_impair *im, utcp_time_t now)
{
	if (now < im->bad_until)
		return 1;
	if (im->p.burst_loss > 0 && utcp_prng_chance(&im->prng, im->p.burst_loss)) {
		double u = utcp_prng_double(&im->prng); /* [0, 1) */
		double d = -utcp_impair_ln(1.0 - u) * (double)im->burst_mean;
		im->bad_until = now + (d < 1e15 ? (utcp_time_t)d : (utcp_time_t)1e15);
		return 1;
	}
	return 0;
}

void utcp_impair_decide_at(struct utcp_impair *im, uint32_t frame_len, utcp_time_t now,
			   struct utcp_impair_verdict *v)
{
	const struct utcp_fault_params *p = &im->p;
	memset(v, 0, sizeof(*v));
	v->corrupt_at = -1;
	/* Draw every decision in a fixed order so that one frame consumes the
	 * same amount of randomness whatever the outcome (a probability of 0
	 * draws nothing: a new impairment left at 0 changes no stream). */
	int lost = utcp_prng_chance(&im->prng, p->loss);
	int burst = im->burst_mean > 0 ? burst_drop_time(im, now) : burst_drop_frames(im);
	int dup = utcp_prng_chance(&im->prng, p->dup);
	int corrupt = utcp_prng_chance(&im->prng, p->corrupt);
	uint64_t where = utcp_prng_next(&im->prng);
	int reorder = utcp_prng_chance(&im->prng, p->reorder);
	uint64_t jit = p->jitter > 0 ? utcp_prng_below(&im->prng, p->jitter) : 0;

	v->drop = lost || burst;
	v->dup = dup;
	if (corrupt && frame_len > 0) {
		v->corrupt_at = (int)(where % frame_len);
		v->corrupt_xor = (uint8_t)((where >> 32) | 1); /* never 0 */
	}
	v->reorder = reorder;
	v->delay = p->delay + jit;
	v->fcs_bad = utcp_prng_chance(&im->prng, im->corrupt_fcs);
	v->congest = utcp_prng_chance(&im->prng, im->ecn_mark);
}

void utcp_impair_decide(struct utcp_impair *im, uint32_t frame_len, struct utcp_impair_verdict *v)
{
	utcp_impair_decide_at(im, frame_len, 0, v);
}
