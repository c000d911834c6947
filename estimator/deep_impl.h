/* What estimator/deep.c (the time of a training step) and
 * estimator/deep_memory.c (the formats it runs in, the memory it holds)
 * share; not a public API. */
#ifndef DLPROBE_ESTIMATOR_DEEP_IMPL_H
#define DLPROBE_ESTIMATOR_DEEP_IMPL_H

#include "estimator/estimator.h"
#include "estimator/stack.h"

/* The formats of one estimate and the bytes they move and hold. */
struct prec {
	enum dlp_dtype gemm;   /* GEMM dtype */
	double abytes;         /* activation element */
	double per_param;      /* bytes per parameter held: weights, grads, optimizer state */
	double grad_bytes;     /* gradient element exchanged in all-reduce */
	double opt_traffic;    /* bytes moved per parameter by the optimizer step */
	enum dlp_optimizer optimizer;
	double w_bytes, g_bytes; /* of per_param: weights and gradients (the rest is state) */
};

/* What one estimate is asked: the stack (NULL on a CPU profile: the
 * measured framework overhead applies), attention, data parallelism. */
struct step_ctx {
	const dlp_stack *st;
	const dlp_stack_data *sd;
	enum dlp_attention attention; /* resolved: flash or materialized */
	int ranks_per_node, nodes, grad_accum, shard, checkpoint;
	double network_gbps;
};

/* heads x S x S per sample of an attention layer (gemm_count is 2 x heads,
 * gm and gn the sequence length) */
static inline double dlp_scores_per_sample(const dlp_layer *l)
{
	return l->gemm_count / 2 * l->gm * l->gn;
}

/* The formats a precision runs in on p, and what they hold per parameter. */
struct prec dlp_deep_precision(const dlp_profile *p, const dlp_train *t);
/* The format the hardware really executes for the one asked (a flag says so). */
void dlp_deep_precision_check(const dlp_profile *p, const dlp_train *t, struct prec *pr, dlp_notes *flags);
/* The memory a replica holds and the largest batch that fits, into d. */
void dlp_deep_memory_fit(dlp_deep_estimate *d, const dlp_profile *p, const dlp_model *m, const struct prec *pr,
			 const struct step_ctx *c, int shard);

#endif
