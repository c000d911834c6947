/* Training time and memory of a deep model on a profile (DESIGN.md, "The
 * estimator model"): per layer and phase, max(FLOPs / GEMM rate at that
 * shape, bytes / bandwidth) + per-operator overhead; the optimizer step;
 * input transfer; the data-parallel all-reduce (estimator/allreduce.c).
 *
 * On a GPU the software stack (data/stacks.json: tuned, eager, legacy) sets
 * how much of the library's GEMM rate is kept, how much elementwise traffic
 * is fused away, what an operator costs, how attention is computed, whether
 * the all-reduce overlaps the backward pass and what is kept in memory.
 * "expected" is the stack asked for; "low" the tuned stack and "high" the
 * legacy stack, each widened by the data file's margin: published runs of
 * any stack fall inside (scripts/published_runs.py). On a CPU the framework
 * overhead is measured (scripts/validate/calibrate.py) and the range is the
 * earlier one: the same ResNet-50 on the same 8xA100 differs 2.3x between
 * stacks (REFERENCE.md), so "high" is 2.3x "low", "expected" their
 * geometric mean. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/allreduce.h"
#include "estimator/estimator.h"
#include "estimator/stack.h"

#define STACK_SPREAD 2.3
/* high / low at most this on a GPU (issue 10: a range a planner can use) */
#define MAX_SPAN 3.0

void dlp_train_defaults(dlp_train *t)
{
	memset(t, 0, sizeof *t);
	t->epochs = 1;
	t->batch = 0; /* chosen per model: see batch_default() */
	t->precision = DLP_PREC_FP32;
	t->optimizer = DLP_OPT_ADAM;
	t->price_override = -1;
	t->stack = DLP_STACK_EAGER;
	t->grad_accum = 1;
	t->nodes = 1;
}

static const char *const precision_names[] = {
	[DLP_PREC_FP32] = "fp32", [DLP_PREC_TF32] = "tf32", [DLP_PREC_FP16] = "fp16",
	[DLP_PREC_BF16] = "bf16", [DLP_PREC_MIXED] = "mixed",
};
static const char *const optimizer_names[] = {
	[DLP_OPT_SGD] = "sgd", [DLP_OPT_MOMENTUM] = "momentum", [DLP_OPT_ADAM] = "adam",
};
#define NPRECISION (sizeof precision_names / sizeof precision_names[0])
#define NOPTIMIZER (sizeof optimizer_names / sizeof optimizer_names[0])

const char *dlp_precision_name(enum dlp_precision p)
{
	return (unsigned)p < NPRECISION ? precision_names[p] : "?";
}

const char *dlp_optimizer_name(enum dlp_optimizer o)
{
	return (unsigned)o < NOPTIMIZER ? optimizer_names[o] : "?";
}

int dlp_precision_parse(const char *s, enum dlp_precision *out)
{
	size_t i;

	for (i = 0; s && i < NPRECISION; i++)
		if (strcmp(s, precision_names[i]) == 0) {
			*out = (enum dlp_precision)i;
			return 0;
		}
	return dlp_error_set("unknown precision \"%s\" (fp32, tf32, bf16, fp16, mixed)", s ? s : "");
}

int dlp_optimizer_parse(const char *s, enum dlp_optimizer *out)
{
	size_t i;

	for (i = 0; s && i < NOPTIMIZER; i++)
		if (strcmp(s, optimizer_names[i]) == 0) {
			*out = (enum dlp_optimizer)i;
			return 0;
		}
	return dlp_error_set("unknown optimizer \"%s\" (sgd, momentum, adam)", s ? s : "");
}

double dlp_duration_parse(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v <= 0)
		return -1;
	if (!*end || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	if (strcmp(end, "d") == 0)
		return v * 86400;
	if (strcmp(end, "w") == 0)
		return v * 7 * 86400;
	if (strcmp(end, "mo") == 0)
		return v * 30.44 * 86400;
	return -1;
}

struct prec {
	enum dlp_dtype gemm;   /* GEMM dtype */
	double abytes;         /* activation element */
	double per_param;      /* bytes per parameter held: weights, grads, optimizer state */
	double grad_bytes;     /* gradient element exchanged in all-reduce */
	double opt_traffic;    /* bytes moved per parameter by the optimizer step */
	enum dlp_optimizer optimizer;
	double w_bytes, g_bytes; /* of per_param: weights and gradients (the rest is state) */
};

/* Per-parameter memory: fp32 weights 4 + grads 4 + state (momentum 4, Adam
 * 8). Mixed precision (fp16 weights 2 + grads 2 + fp32 master 4 + Adam 8)
 * gives the 16 bytes per parameter of ZeRO (Rajbhandari et al., REFERENCE.md). */
static struct prec precision_of(const dlp_profile *p, const dlp_train *t)
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

static int batch_default(const dlp_model *m)
{
	/* common published settings: 256 for ImageNet-size CNNs, 32 for long
	 * sequences, 128 otherwise */
	if (strcmp(m->task, "text") == 0)
		return m->in_h >= 512 ? 8 : 32;
	return m->in_h >= 128 ? 64 : 128;
}

struct phase_times {
	double fwd, bwd, opt, xfer, allreduce, overhead, sync;
	double allreduce_total;  /* the whole all-reduce; allreduce is its exposed part */
	double ops, opt_ops;     /* framework operators dispatched per step */
};

/* Framework operators dispatched per step, each paying the per-operator
 * overhead (profile op_overhead_s). A layer: one forward op and about two
 * backward ops (input gradient, weight gradient or the elementwise gradient;
 * bias sums and gradient accumulation ride along). The optimizer: per
 * weighted layer, two parameter tensors (weight, bias) times the in-place
 * tensor ops of PyTorch's single-tensor loops (torch/optim/sgd.py, adam.py in
 * 1.13) plus zero_grad: SGD 1+1, momentum 3+1 (buf.mul_.add_, param.add_),
 * Adam 9+1 (step += 1, exp_avg mul_/add_, exp_avg_sq mul_/addcmul_, sqrt,
 * div, add_ eps, param addcdiv_). These are counts read from the framework's
 * source, not fitted. On a GPU, frameworks step the optimizer with
 * multi-tensor (foreach/fused) kernels: one op per weighted layer is kept
 * there. The cost of one op is measured separately
 * (scripts/validate/calibrate.py, data/instances.json assumptions). */
#define OPS_FWD_BWD_PER_LAYER 3
static double optimizer_ops(enum dlp_optimizer o)
{
	return 2.0 * (o == DLP_OPT_ADAM ? 10 : o == DLP_OPT_MOMENTUM ? 4 : 2);
}

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
static double scores_per_sample(const dlp_layer *l)
{
	return l->gemm_count / 2 * l->gm * l->gn;
}

/* The gradient all-reduce of one optimizer step, and the part of it the
 * backward pass does not hide. ZeRO-3 all-gathers the weights in the
 * forward and backward passes as well: 1.5x the traffic (Rajbhandari et al.
 * 2020 sec. 7.2.2). */
static void allreduce_times(const dlp_profile *p, const dlp_model *m, const struct prec *pr,
			    const struct step_ctx *c, double bwd_s, double *total, double *exposed)
{
	const dlp_stack_data *sd = c->sd;
	dlp_allreduce a;
	double bytes = m->params * pr->grad_bytes * (c->shard == 3 ? 1.5 : 1), tail;
	double frac_intra = sd ? sd->busbw_fraction : 1, frac_net = sd ? sd->network_fraction : 1;

	*total = *exposed = 0;
	if (c->ranks_per_node * c->nodes <= 1 || !(p->interconnect_gbps > 0))
		return;
	a.ranks_per_node = c->ranks_per_node;
	a.nodes = c->nodes;
	a.intra.busbw_bytes_s = p->interconnect_gbps * 1e9 * frac_intra;
	a.intra.latency_s = sd ? sd->latency_intra_s : 0;
	a.inter.busbw_bytes_s = c->network_gbps / 8 * 1e9 * frac_net / c->ranks_per_node;
	a.inter.latency_s = sd ? sd->latency_inter_s : 0;
	a.bucket_bytes = sd ? sd->bucket_bytes : 0;
	if (c->nodes > 1 && !(a.inter.busbw_bytes_s > 0))
		return;
	*total = dlp_allreduce_seconds(&a, bytes);
	tail = dlp_allreduce_tail_seconds(&a, bytes);
	if (*total < 0 || tail < 0) {
		*total = *exposed = 0;
		return;
	}
	/* buckets are reduced while the backward pass fills the next ones: what
	 * outlasts the backward pass, and at least the last bucket, is exposed */
	*exposed = c->st && c->st->allreduce_overlap ? fmax(tail, *total - bwd_s) : *total;
}

/* One training step (one micro-batch, with the optimizer and all-reduce
 * shared out over the micro-batches of gradient accumulation) on one device
 * for one rate set; fills layer_s (forward + backward seconds per layer)
 * when given. */
static double step_time(const dlp_profile *p, const dlp_rateset *rs, const dlp_model *m,
			const struct prec *pr, int batch, const struct step_ctx *c, struct phase_times *ph,
			double *layer_s, int *any_measured)
{
	size_t i;
	const dlp_stack *st = c->st;
	double B = batch, wbytes = pr->abytes, bw = p->mem_bw_gbps * 1e9;
	double ovh = st ? fmax(p->op_overhead_s, st->gpu_op_overhead_s) : p->op_overhead_s;
	double vec_rate = (p->peak_gflops[DLP_FP32] > 0 ? p->peak_gflops[DLP_FP32] : 1) * 1e9;
	double nparam_layers = 0, ops = 0, accum = c->grad_accum > 0 ? c->grad_accum : 1, total_ar;
	int fused_opt = st ? st->fused_optimizer : p->is_gpu;

	memset(ph, 0, sizeof *ph);
	for (i = 0; i < m->n_layers; i++) {
		const dlp_layer *l = &m->layers[i];
		double ff = B * l->flops, fb = B * (l->in_elems + l->out_elems) * pr->abytes + l->params * wbytes;
		double rate = vec_rate, tf, tb, bwd_flops_mult, fb_extra = 0, bb_extra = 0;
		int meas = 0;

		if (l->op == DLP_OP_RESHAPE)
			continue;
		if (l->gm > 0) {
			double gm = l->gm_batched ? l->gm * B : l->gm;
			/* flash attention keeps the S x S tile on chip: it runs at
			 * the rate of a large GEMM, not at the roofline of a
			 * per-head S x S x d product writing its scores out */
			double gk = l->op == DLP_OP_ATTN && c->attention == DLP_ATTN_FLASH ? l->gn : l->gk;
			rate = 1e9 * dlp_profile_gemm_gflops(p, rs, pr->gemm, gm, l->gn, gk, &meas);
			if (meas && any_measured)
				*any_measured = 1;
			if (rate <= 0)
				rate = vec_rate;
			if (st)
				rate *= st->gemm_scale * (l->op == DLP_OP_CONV ? c->sd->conv_eff[pr->gemm] : 1);
		} else if (st) {
			/* fused elementwise kernels read and write fewer tensors */
			fb *= st->eltwise_traffic;
		}
		/* cuDNN's Winograd for 3x3 stride-1 fp32 convolutions: fewer
		 * multiplies (data/stacks.json winograd); tensor-core formats run
		 * implicit GEMM instead */
		if (st && st->winograd && l->winograd && pr->gemm == DLP_FP32)
			ff -= B * 2 * l->macs * (1 - 1 / c->sd->winograd_gain);
		/* backward: input gradient and weight gradient, each ~ the forward
		 * work; the first weighted layer needs no input gradient. Attention
		 * has no weights but two gradients per product (dQ, dK from the
		 * scores, dP, dV from the weighted sum); flash attention recomputes
		 * the scores as well */
		bwd_flops_mult = l->params > 0 ? (l->needs_input_grad ? 2 : 1) : 1;
		if (l->op == DLP_OP_ATTN) {
			bwd_flops_mult = c->attention == DLP_ATTN_FLASH && c->sd ? c->sd->flash_bwd_flops : 2;
			/* materialised scores and probabilities travel through memory */
			if (c->attention == DLP_ATTN_MATERIALIZED && c->sd) {
				double extra = l->attn_dropout ? c->sd->attn_dropout_passes : 0;
				fb_extra = B * scores_per_sample(l) * pr->abytes * (c->sd->attn_passes_fwd + extra);
				bb_extra = B * scores_per_sample(l) * pr->abytes * (c->sd->attn_passes_bwd + extra);
			}
		}
		/* backward traffic by tensor count: a GEMM layer's input and
		 * weight gradients each read and write what the forward did (2x);
		 * an elementwise layer reads the output gradient and its saved
		 * tensor and writes one gradient (3 tensors against 2: 1.5x) */
		tf = fmax(ff / rate, bw > 0 ? (fb + fb_extra) / bw : 0);
		/* CPU pooling is a scalar compare-and-select loop per window
		 * element (l->flops counts them), not a streaming kernel: its
		 * cost per element, in units of the measured histogram update,
		 * is an assumption (data/instances.json) */
		if (l->op == DLP_OP_POOL && !p->is_gpu && p->hist_gups > 0 && p->pool_cost > 0)
			tf = fmax(tf, ff * p->pool_cost / (p->hist_gups * 1e9));
		tb = fmax(bwd_flops_mult * ff / rate, bw > 0 ? ((l->gm > 0 ? 2 : 1.5) * fb + bb_extra) / bw : 0);
		/* activation checkpointing runs the forward pass again in the backward */
		if (c->checkpoint)
			tb += tf;
		/* a recurrence launches one GEMM per time step */
		ph->fwd += tf;
		ph->bwd += tb;
		ops += l->seq_steps * OPS_FWD_BWD_PER_LAYER * (c->checkpoint ? 4.0 / 3 : 1);
		if (layer_s)
			layer_s[i] = tf + tb;
		if (l->params > 0)
			nparam_layers++;
	}
	ph->overhead = ovh * ops;
	ph->opt_ops = nparam_layers * (fused_opt ? 1 : optimizer_ops(pr->optimizer));
	/* ZeRO shards the optimizer step as well: each rank updates its slice */
	ph->opt = ((bw > 0 ? m->params * pr->opt_traffic / bw : 0) /
		   (c->shard > 0 ? c->ranks_per_node * c->nodes : 1) + ovh * ph->opt_ops) / accum;
	ph->ops = ops + ph->opt_ops / accum;
	if (p->is_gpu && p->h2d_gbps > 0)
		ph->xfer = B * m->input_elems * (strcmp(m->task, "text") == 0 ? 8 : 4) / (p->h2d_gbps * 1e9);
	/* the all-reduce runs once per optimizer step, overlapping the backward
	 * pass of the last micro-batch only */
	/* the backward pass's wall time includes dispatching its operators (two
	 * of the three per layer): buckets are reduced during all of it */
	allreduce_times(p, m, pr, c, ph->bwd + ph->overhead * 2 / OPS_FWD_BWD_PER_LAYER, &total_ar,
			&ph->allreduce);
	ph->allreduce /= accum;
	ph->allreduce_total = total_ar / accum;
	/* synchronous data parallelism waits for the slowest rank every step
	 * (the stack's sync_wait_s) */
	if (st && c->ranks_per_node * c->nodes > 1)
		ph->sync = st->sync_wait_s / accum;
	return ph->fwd + ph->bwd + ph->opt + ph->xfer + ph->overhead + ph->allreduce + ph->sync;
}

static json_t *range_json(double low, double expected, double high)
{
	return json_pack("{s:o,s:o,s:o}", "low", dlp_json_real(low), "expected", dlp_json_real(expected),
			 "high", dlp_json_real(high));
}

/* Times for the whole run from one rate set: on a GPU the stack asked for
 * (expected) and the tuned and legacy stacks (the range); on a CPU the
 * fixed spread. */
static json_t *run_json(const dlp_profile *p, const dlp_rateset *rs, const dlp_model *m,
			const struct prec *pr, int batch, struct step_ctx *c, enum dlp_stack_id asked,
			double steps, double price, double *exp_out, double *low_out, double *high_out,
			double *layer_s, int *measured, struct phase_times *ph_out)
{
	struct phase_times ph, tmp;
	double low, high, expected;
	json_t *o;

	if (c->sd && p->is_gpu) {
		double t_tuned, t_legacy;

		c->st = &c->sd->stack[asked];
		expected = step_time(p, rs, m, pr, batch, c, &tmp, layer_s, measured);
		/* the reported breakdown is the low end's, as its name says */
		c->st = &c->sd->stack[DLP_STACK_TUNED];
		t_tuned = step_time(p, rs, m, pr, batch, c, &ph, NULL, NULL);
		c->st = &c->sd->stack[DLP_STACK_LEGACY];
		t_legacy = step_time(p, rs, m, pr, batch, c, &tmp, NULL, NULL);
		c->st = &c->sd->stack[asked];
		low = fmin(expected, t_tuned) / c->sd->low_margin;
		high = fmax(expected, t_legacy) * c->sd->high_margin;
		/* the range promises a factor of at most MAX_SPAN: beyond it the
		 * legacy end is cut, never below the stack asked for (and when
		 * that stack is itself beyond it, the tuned end moves up) */
		if (high > MAX_SPAN * low) {
			high = fmax(expected, MAX_SPAN * low);
			low = fmax(low, high / MAX_SPAN);
		}
	} else {
		double compute;

		c->st = NULL;
		compute = step_time(p, rs, m, pr, batch, c, &ph, layer_s, measured);
		compute -= ph.allreduce + ph.sync;
		/* the best stack hides the all-reduce behind the backward pass,
		 * the others pay it */
		low = compute + ph.allreduce + ph.sync;
		high = compute * STACK_SPREAD + ph.allreduce_total + ph.sync;
		expected = compute * sqrt(STACK_SPREAD) + ph.allreduce_total + ph.sync;
	}
	low *= steps;
	high *= steps;
	expected *= steps;
	*exp_out = expected;
	*low_out = low;
	*high_out = high;
	*ph_out = ph;
	o = json_object();
	json_object_set_new(o, "train_s", range_json(low, expected, high));
	json_object_set_new(o, "cost_usd", price > 0 ? range_json(low / 3600 * price, expected / 3600 * price,
								   high / 3600 * price)
						     : range_json(NAN, NAN, NAN));
	json_object_set_new(o, "step_s", dlp_json_real(expected / steps));
	json_object_set_new(o, "samples_per_s",
			    dlp_json_real(expected > 0 ? steps * batch * c->ranks_per_node * c->nodes / expected : NAN));
	return o;
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
static void precision_check(const dlp_profile *p, const dlp_train *t, struct prec *pr, json_t *flags)
{
	if (!p->is_gpu && t->precision == DLP_PREC_MIXED) {
		pr->gemm = executes(p, DLP_BF16) ? DLP_BF16 : executes(p, DLP_FP16) ? DLP_FP16 : DLP_FP32;
		if (pr->gemm == DLP_FP32) {
			pr->abytes = 4;
			json_array_append_new(flags, json_string("mixed precision: this CPU has no bf16 or fp16 "
								 "arithmetic, so frameworks run fp32: estimated at fp32"));
		}
		return;
	}
	if (executes(p, pr->gemm))
		return;
	if (p->is_gpu) {
		json_array_append_new(flags, json_sprintf("%s has no %s arithmetic: estimated at fp32, as a "
							  "framework would run it", p->name,
							  dlp_dtype_name(pr->gemm)));
		pr->gemm = DLP_FP32;
	} else {
		json_array_append_new(flags, json_sprintf("no %s rate on this CPU: computed at the fp32 rate",
							  dlp_dtype_name(pr->gemm)));
	}
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
			a -= scores_per_sample(l);
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

#define DOMINANT_MAX 5

/* A layer's group: its name with every run of digits as '*', so that the
 * same layer of repeated blocks ("block3.fc1", "layer2.1.conv2") is one
 * line ("block*.fc1 x 12") rather than five near-identical ones. */
static void layer_group(const char *name, char *key, size_t n)
{
	size_t u = 0;

	while (*name && u + 1 < n) {
		if (*name >= '0' && *name <= '9') {
			key[u++] = '*';
			while (*name >= '0' && *name <= '9')
				name++;
		} else {
			key[u++] = *name++;
		}
	}
	key[u] = '\0';
}

/* The groups of layers that take most of a step, largest first. layer_s is
 * consumed (summed into each group's first layer). */
static json_t *dominant_layers(const dlp_model *m, double *layer_s, double total)
{
	json_t *dom = json_array();
	char (*key)[sizeof m->layers[0].name] = calloc(m->n_layers ? m->n_layers : 1, sizeof *key);
	int *count = calloc(m->n_layers ? m->n_layers : 1, sizeof *count);
	size_t i, j, k;

	if (!key || !count || total <= 0)
		goto out;
	for (i = 0; i < m->n_layers; i++) {
		layer_group(m->layers[i].name, key[i], sizeof key[i]);
		count[i] = 1;
	}
	for (i = 0; i < m->n_layers; i++)
		for (j = i + 1; j < m->n_layers && layer_s[i] > 0; j++)
			if (layer_s[j] > 0 && m->layers[j].op == m->layers[i].op && !strcmp(key[i], key[j])) {
				layer_s[i] += layer_s[j];
				layer_s[j] = -1;
				count[i]++;
			}
	for (k = 0; k < DOMINANT_MAX; k++) {
		size_t best = 0;

		for (i = 1; i < m->n_layers; i++)
			if (layer_s[i] > layer_s[best])
				best = i;
		if (m->n_layers == 0 || layer_s[best] <= 0)
			break;
		json_array_append_new(dom, json_pack("{s:s,s:s,s:i,s:o,s:o}", "layer",
						     count[best] > 1 ? key[best] : m->layers[best].name, "op",
						     dlp_op_name(m->layers[best].op), "count", count[best], "share",
						     dlp_json_real(layer_s[best] / total), "fwd_bwd_s",
						     dlp_json_real(layer_s[best])));
		layer_s[best] = -1;
	}
out:
	free(key);
	free(count);
	return dom;
}

json_t *dlp_estimate_deep(const dlp_profile *p, const dlp_model *m, const dlp_dataset *ds,
			  const dlp_train *t)
{
	json_t *o = NULL, *mem, *phases, *dom, *rates, *flags;
	struct prec pr = precision_of(p, t);
	int devices = t->devices > 0 ? t->devices : p->devices, batch = t->batch > 0 ? t->batch : batch_default(m);
	int nodes = t->nodes > 0 ? t->nodes : 1, accum = t->grad_accum > 0 ? t->grad_accum : 1;
	double samples = ds->samples, steps, price = t->price_override >= 0 ? t->price_override : p->price_per_h;
	double low, exp_s, high, l2, e2, h2, static_b, per_sample, need, max_batch, ranks, shard_div;
	double *layer_s = NULL, total_layer = 0;
	const dlp_rateset *primary = p->configured.n ? &p->configured : &p->capability;
	const dlp_stack_data *sd = NULL;
	enum dlp_stack_id asked = t->stack >= 0 && t->stack < DLP_NSTACK ? (enum dlp_stack_id)t->stack : DLP_STACK_EAGER;
	struct phase_times ph, ph2;
	struct step_ctx ctx;
	int measured = 0, measured2 = 0;
	const char *limit = "memory";
	size_t i;

	if (devices > p->devices)
		return dlp_error_set("%s has %d device(s), %d asked", p->name, p->devices, devices), NULL;
	if (ds->tokens > 0 && samples <= 0)
		samples = ceil(ds->tokens / m->in_h);
	if (samples <= 0)
		return dlp_error_set("no training-set size: give --dataset or --samples"), NULL;
	if (t->epochs <= 0)
		return dlp_error_set("epochs must be positive"), NULL;
	if (t->shard < 0 || t->shard > 3)
		return dlp_error_set("ZeRO stage %d is not 0-3", t->shard), NULL;
	memset(&ctx, 0, sizeof ctx);
	if (p->is_gpu && !(sd = dlp_stacks()))
		return NULL;
	ctx.sd = sd;
	ctx.ranks_per_node = devices;
	ctx.nodes = nodes;
	ctx.grad_accum = accum;
	ctx.shard = t->shard;
	ctx.checkpoint = t->checkpoint;
	ctx.network_gbps = t->network_gbps > 0 ? t->network_gbps : p->network_gbps;
	ctx.attention = t->attention == DLP_ATTN_FLASH || t->attention == DLP_ATTN_MATERIALIZED
				? (enum dlp_attention)t->attention
				: sd ? sd->stack[asked].attention : DLP_ATTN_MATERIALIZED;
	if (nodes > 1 && !(ctx.network_gbps > 0))
		return dlp_error_set("%s has no network bandwidth in the catalog: give --network-gbps for "
				     "--nodes %d", p->name, nodes), NULL;
	if (!(layer_s = calloc(m->n_layers ? m->n_layers : 1, sizeof *layer_s)))
		return dlp_error_set("out of memory"), NULL;
	ranks = (double)devices * nodes;
	/* micro-steps: gradient accumulation divides the optimizer's share */
	steps = ceil(samples / ((double)batch * ranks)) * t->epochs;
	o = json_object();
	flags = json_array();
	precision_check(p, t, &pr, flags);
	json_object_set_new(o, "model", dlp_model_summary_json(m));
	json_object_set_new(o, "settings",
			    json_pack("{s:i,s:i,s:s,s:o,s:o,s:o}", "batch_per_device", batch, "devices", devices,
				      "gemm_dtype", dlp_dtype_name(pr.gemm), "epochs", dlp_json_real(t->epochs),
				      "samples", dlp_json_whole(samples), "steps", dlp_json_whole(ceil(steps))));
	json_object_set_new(json_object_get(o, "settings"), "nodes", json_integer(nodes));
	json_object_set_new(json_object_get(o, "settings"), "grad_accum", json_integer(accum));
	json_object_set_new(json_object_get(o, "settings"), "stack",
			    sd && p->is_gpu ? json_string(sd->stack[asked].name) : json_null());
	json_object_set_new(json_object_get(o, "settings"), "attention",
			    json_string(dlp_attention_name(ctx.attention)));
	json_object_set_new(json_object_get(o, "settings"), "checkpoint", json_boolean(t->checkpoint));
	json_object_set_new(json_object_get(o, "settings"), "zero_stage", json_integer(t->shard));
	rates = run_json(p, primary, m, &pr, batch, &ctx, asked, steps, price, &exp_s, &low, &high, layer_s,
			 &measured, &ph);
	json_object_update(o, rates);
	json_decref(rates);
	json_object_set_new(o, "range_basis",
			    json_string(sd && p->is_gpu ? "expected: the stack asked for; low: the tuned stack, high: "
							  "the legacy stack, each widened by data/stacks.json's margin"
							: "CPU: low the roofline with measured framework overhead, high "
							  "2.3x it (REFERENCE.md), expected their geometric mean"));
	json_object_set_new(o, "rates", json_string(primary->n == 0 ? (p->kind[0] == 'c' ? "datasheet peak x efficiency"
											  : "measured peak x efficiency")
						: primary == &p->configured ? "as configured (vendor library, measured)"
									    : "hardware capability (dlprobe kernels, measured)"));
	/* both rate sets when both were measured */
	if (p->configured.n && p->capability.n) {
		json_t *cap = run_json(p, &p->capability, m, &pr, batch, &ctx, asked, steps, price, &e2, &l2, &h2,
				       NULL, &measured2, &ph2);
		json_object_set_new(cap, "speedup_vs_configured", dlp_json_real(exp_s / e2));
		json_object_set_new(o, "hardware_capability", cap);
		if (exp_s / e2 > 2)
			json_array_append_new(flags, json_sprintf("the vendor library runs this workload %.1fx "
								  "slower than dlprobe's own kernels on the same "
								  "hardware (as configured vs hardware capability)",
								  exp_s / e2));
	}
	phases = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "forward_s", dlp_json_real(ph.fwd),
			   "backward_s", dlp_json_real(ph.bwd), "optimizer_s", dlp_json_real(ph.opt),
			   "input_transfer_s", dlp_json_real(ph.xfer), "allreduce_s", dlp_json_real(ph.allreduce),
			   "op_overhead_s", dlp_json_real(ph.overhead));
	json_object_set_new(phases, "allreduce_total_s", dlp_json_real(ph.allreduce_total));
	json_object_set_new(phases, "sync_wait_s", dlp_json_real(ph.sync));
	json_object_set_new(phases, "ops_per_step", dlp_json_whole(ph.ops));
	json_object_set_new(phases, "op_overhead_per_op_s", dlp_json_real(p->op_overhead_s));
	json_object_set_new(o, "step_breakdown_low_s", phases);
	/* the layers that dominate a step */
	for (i = 0; i < m->n_layers; i++)
		total_layer += layer_s[i];
	dom = dominant_layers(m, layer_s, total_layer);
	json_object_set_new(o, "dominant_layers", dom);
	/* memory: a replica per device (data parallel), ZeRO dividing the
	 * optimizer state (stage 1), the gradients (2) and the weights (3)
	 * over the ranks (Rajbhandari et al. 2020 fig. 1) */
	shard_div = t->shard > 0 ? ranks : 1;
	static_b = m->params * ((t->shard >= 3 ? pr.w_bytes / shard_div : pr.w_bytes) +
				(t->shard >= 2 ? pr.g_bytes / shard_div : pr.g_bytes) +
				(pr.per_param - pr.w_bytes - pr.g_bytes) / shard_div);
	ctx.st = sd && p->is_gpu ? &sd->stack[asked] : NULL;
	per_sample = kept_elems(p, m, &ctx) * pr.abytes + m->input_elems * 4;
	need = static_b + batch * per_sample;
	max_batch = p->mem_bytes > 0 ? floor((p->mem_bytes - static_b) / per_sample) : NAN;
	/* a batch larger than each rank's share of the data is no batch */
	if (isfinite(max_batch) && max_batch > ceil(samples / ranks)) {
		max_batch = ceil(samples / ranks);
		limit = "dataset";
	}
	mem = json_pack("{s:o,s:o,s:o,s:o,s:o}", "params_grads_optimizer_bytes", dlp_json_whole(ceil(static_b)),
			"activations_bytes", dlp_json_whole(ceil(batch * per_sample)), "required_bytes", dlp_json_whole(ceil(need)),
			"available_bytes", p->mem_bytes > 0 ? dlp_json_whole(p->mem_bytes) : json_null(),
			"largest_batch", isfinite(max_batch) ? dlp_json_count(max_batch > 0 ? (long long)max_batch : 0)
							     : json_null());
	json_object_set_new(mem, "fits", p->mem_bytes > 0 ? json_boolean(need <= p->mem_bytes) : json_null());
	json_object_set_new(mem, "largest_batch_limited_by", isfinite(max_batch) ? json_string(limit) : json_null());
	json_object_set_new(o, "memory", mem);
	if (p->mem_bytes > 0 && need > p->mem_bytes)
		json_array_append_new(flags, json_sprintf("does not fit: %.1f GiB needed, %.1f GiB available "
							  "per device%s", need / 1073741824.0,
							  p->mem_bytes / 1073741824.0,
							  max_batch >= 1 ? " (a smaller batch fits)"
									 : " (try --checkpoint or --shard)"));
	else if (p->mem_bytes > 0 && (t->checkpoint || t->shard) && m->params * pr.per_param > p->mem_bytes)
		json_array_append_new(flags, json_sprintf("fits only %s: the unsharded weights, gradients and "
							  "optimizer state alone need %.1f GiB",
							  t->shard ? "sharded" : "checkpointed",
							  m->params * pr.per_param / 1073741824.0));
	if (p->power_w > 0) {
		double kw = p->power_w * devices / p->devices * nodes / 1000;
		json_object_set_new(o, "energy_kwh", range_json(low / 3600 * kw, exp_s / 3600 * kw, high / 3600 * kw));
	} else {
		json_object_set_new(o, "energy_kwh", json_null());
	}
	json_object_set_new(o, "flags", flags);
	free(layer_s);
	return o;
}
