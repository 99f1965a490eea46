/*
 * nic/mw/impair.c - seeded impairment decisions (see impair.h).
 */
#include "nic/mw/impair.h"

#include <string.h>

void utcp_impair_init(struct utcp_impair *im, const struct utcp_fault_params *p)
{
	memset(im, 0, sizeof(*im));
	im->p = *p;
	utcp_prng_seed(&im->prng, p->seed ^ 0x696d70616972ull /* "impair" */);
}

int utcp_impair_active(const struct utcp_impair *im)
{
	const struct utcp_fault_params *p = &im->p;
	return p->loss > 0 || p->burst_loss > 0 || p->reorder > 0 || p->dup > 0 ||
	       p->corrupt > 0 || p->delay > 0 || p->jitter > 0;
}

/* Gilbert-Elliott two-state loss: enter the bad state with burst_loss, stay
 * there with probability 1 - 1/burst_len, lose every frame while in it. */
static int burst_drop(struct utcp_impair *im)
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

void utcp_impair_decide(struct utcp_impair *im, uint32_t frame_len, struct utcp_impair_verdict *v)
{
	const struct utcp_fault_params *p = &im->p;
	memset(v, 0, sizeof(*v));
	v->corrupt_at = -1;
	/* Draw every decision in a fixed order so that one frame consumes the
	 * same amount of randomness whatever the outcome. */
	int lost = utcp_prng_chance(&im->prng, p->loss);
	int burst = burst_drop(im);
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
}
