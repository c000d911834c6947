/* The formats a deep model's training step runs in and the memory it holds
 * (docs/references.md, "The estimator model"): bytes per parameter for
 * weights, gradients and optimizer state (ZeRO's accounting), the
 * activations kept for the backward pass, and the largest batch that fits. */
#include <math.h>
#include <string.h>

#include "estimator/deep_impl.h"

/* Per-parameter memory: fp32 weights 4 + grads 4 + state (momentum 4, Adam
 * 8). Mixed precision (fp16 weights 2 + grads 2 + fp32 master 4 + Adam 8)
 * gives the 16 bytes per parameter of ZeRO (Rajbhandari et al., docs/references.md). */
struct prec dlp_deep_precision(const dlp_profile *p, const dlp_train *t)
{
	double state = t->optimizer == DLP_OPT_ADAM ? 8 : t->optimizer == DLP_OPT_MOMENTUM ? 4 : 0;
	struct prec r;

	switch (t->precision) {
	case DLP_PREC_TF32:
		r = (struct prec){DLP_TF32, 4, 8 + state, 4, 12 + 2 * state, t->optimizer, 0, 0};
		break;
	case DLP_PREC_BF16:
		r = (struct prec){DLP_BF16, 2, 4 + state, 2, 6 + 2 * state, t->optimizer, 0, 0};
		break;
	case DLP_PREC_FP16:
		r = (struct prec){DLP_FP16, 2, 4 + state, 2, 6 + 2 * state, t->optimizer, 0, 0};
		break;
	case DLP_PREC_MIXED:
		r = (struct prec){p->peak_gflops[DLP_FP16] > 0 || p->capability.n || p->configured.n ? DLP_FP16
											       : DLP_BF16,
				  2, 8 + state, 2, 16 + 2 * state, t->optimizer, 0, 0};
		if (p->peak_gflops[DLP_FP16] <= 0 && p->peak_gflops[DLP_BF16] > 0)
			r.gemm = DLP_BF16;
		break;
	default:
		r = (struct prec){DLP_FP32, 4, 8 + state, 4, 12 + 2 * state, t->optimizer, 0, 0};
		break;
	}
	/* ZeRO's accounting (Rajbhandari et al. 2020 sec. 3.1): mixed precision
	 * holds 2-byte weights and gradients, the fp32 master copy counts with
	 * the optimizer state; PyTorch AMP keeps fp32 gradients, which DDP
	 * all-reduces */
	if (t->precision == DLP_PREC_MIXED) {
		r.w_bytes = r.g_bytes = 2;
		r.grad_bytes = 4;
	} else {
		r.w_bytes = r.g_bytes = r.abytes;
	}
	return r;
}

/* Whether the profile executes dt: a datasheet peak, or a measured GEMM of
 * that format (not the fp32 fallback the rate lookup would give). */
static int executes(const dlp_profile *p, enum dlp_dtype dt)
{
	const dlp_rateset *sets[2] = {&p->configured, &p->capability};
	size_t i, k;

	if (dt == DLP_FP32 || p->peak_gflops[dt] > 0)
		return 1;
	for (k = 0; k < 2; k++)
		for (i = 0; i < sets[k]->n; i++)
			if (sets[k]->pts[i].dtype == dt && sets[k]->pts[i].gflops > 0)
				return 1;
	return 0;
}

/* The format the hardware executes for a requested one: a GPU without bf16
 * (or tf32) arithmetic runs fp32 (PyTorch refuses bf16 autocast on a V100,
 * and TF32 mode does not exist before Ampere); mixed precision on a CPU is
 * bf16 autocast where the CPU has bf16 arithmetic (AVX512-BF16, AMX), else
 * fp32. The estimate says which. */
void dlp_deep_precision_check(const dlp_profile *p, const dlp_train *t, struct prec *pr, dlp_notes *flags)
{
	if (!p->is_gpu && t->precision == DLP_PREC_MIXED) {
		pr->gemm = executes(p, DLP_BF16) ? DLP_BF16 : executes(p, DLP_FP16) ? DLP_FP16 : DLP_FP32;
		if (pr->gemm == DLP_FP32) {
			pr->abytes = 4;
			dlp_notes_add(flags, "mixed precision: this CPU has no bf16 or fp16 arithmetic, so "
				      "frameworks run fp32: estimated at fp32");
		}
		return;
	}
	if (executes(p, pr->gemm))
		return;
	if (p->is_gpu) {
		dlp_notes_add(flags, "%s has no %s arithmetic: estimated at fp32, as a framework would run it",
			      p->name, dlp_dtype_name(pr->gemm));
		pr->gemm = DLP_FP32;
	} else {
		dlp_notes_add(flags, "no %s rate on this CPU: computed at the fp32 rate", dlp_dtype_name(pr->gemm));
	}
}

enum dlp_dtype dlp_train_cpu_conv_dtype(const dlp_profile *p, const dlp_train *t)
{
	struct prec pr = dlp_deep_precision(p, t);
	dlp_notes said = { 0 };

	/* autocast is mixed precision's; a model cast to bf16 whole runs no
	 * casts, and a CPU without bf16 arithmetic is estimated at fp32 */
	if (t->precision != DLP_PREC_MIXED)
		return DLP_FP32;
	dlp_deep_precision_check(p, t, &pr, &said);
	return pr.gemm == DLP_BF16 ? DLP_BF16 : DLP_FP32;
}

/* Elements kept per sample for the backward pass, as the stack keeps them:
 * in-place ReLUs add nothing, flash attention keeps no heads x S x S
 * probabilities, a fused LM head and loss keep no S x vocabulary logits;
 * with checkpointing, only the residual-stream tensors at block boundaries
 * (the ADD layers) plus one segment's activations live at once. */
static double kept_elems(const dlp_profile *p, const dlp_model *m, const struct step_ctx *c)
{
	double total = 0, boundary = 0, adds = 0;
	double logits = m->vocab > 0 ? (double)m->in_h * m->vocab : 0;
	size_t i;

	for (i = 0; i < m->n_layers; i++) {
		const dlp_layer *l = &m->layers[i];
		double a = l->act_elems;

		if (p->is_gpu && l->inplace)
			a = 0;
		if (l->op == DLP_OP_ATTN && c->attention == DLP_ATTN_FLASH)
			a -= dlp_scores_per_sample(l);
		if (c->st && c->st->fused_logits && logits > 0 && l->out_elems >= logits)
			a = 0;
		a = fmax(a, 0);
		total += a;
		if (l->op == DLP_OP_ADD) {
			boundary += l->out_elems;
			adds++;
		}
	}
	if (!c->checkpoint)
		return total;
	if (adds < 2)
		adds = ceil(sqrt((double)m->n_layers));
	return boundary + total / adds;
}

/* Memory: a replica per rank (data parallel), ZeRO dividing the optimizer
 * state (stage 1), the gradients (2) and the weights (3) over the ranks
 * (Rajbhandari et al. 2020 fig. 1); activations as the stack keeps them. */
void dlp_deep_memory_fit(dlp_deep_estimate *d, const dlp_profile *p, const dlp_model *m, const struct prec *pr,
		       const struct step_ctx *c, int shard)
{
	double per_sample = kept_elems(p, m, c) * pr->abytes + m->input_elems * 4;
	double ranks = (double)c->ranks_per_node * c->nodes, div = shard > 0 ? ranks : 1;

	d->static_bytes = m->params * ((shard >= 3 ? pr->w_bytes / div : pr->w_bytes) +
				       (shard >= 2 ? pr->g_bytes / div : pr->g_bytes) +
				       (pr->per_param - pr->w_bytes - pr->g_bytes) / div);
	d->activation_bytes = d->batch * per_sample;
	d->required_bytes = d->static_bytes + d->activation_bytes;
	d->available_bytes = p->mem_bytes > 0 ? p->mem_bytes : 0;
	d->largest_batch = p->mem_bytes > 0 ? floor((p->mem_bytes - d->static_bytes) / per_sample) : NAN;
	d->largest_batch_limited_by = "memory";
	/* a batch larger than each rank's share of the data is no batch */
	if (isfinite(d->largest_batch) && d->largest_batch > ceil(d->samples / ranks)) {
		d->largest_batch = ceil(d->samples / ranks);
		d->largest_batch_limited_by = "dataset";
	}
	d->fits = p->mem_bytes > 0 ? d->required_bytes <= p->mem_bytes : -1;
}

