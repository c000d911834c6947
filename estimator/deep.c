/* Training time and memory of a deep model on a profile (docs/references.md,
 * "The estimator model"): per layer and phase, max(FLOPs / GEMM rate at that
 * shape, bytes / bandwidth) + per-operator overhead; the optimizer step;
 * input transfer; the data-parallel all-reduce (estimator/allreduce.c).
 *
 * On a GPU the software stack (data/stacks.json: tuned, eager, legacy) sets
 * how much of the library's GEMM rate is kept, how much elementwise traffic
 * is fused away, what an operator costs, how attention is computed, whether
 * the all-reduce overlaps the backward pass and what is kept in memory.
 * "expected" is the stack asked for; "low" the tuned and "high" the legacy
 * stack, each widened by the data file's margin (at most 3x apart). On a
 * CPU the range is the earlier one: "high" is low x stack_spread and
 * "expected" their geometric mean (data/estimator.json gives the spread and
 * its basis), except for what the framework probe measured through the
 * framework itself (its overheads, its pooling, its convolutions charged at
 * its measured convolution rate: estimator/fw_reference.c),
 * which spreads by its own samples: the fastest at low, the median at
 * high, each moved out by 1 + the bench's jitter (its median sample
 * spread). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimator/allreduce.h"
#include "estimator/constants.h"
#include "estimator/estimator.h"
#include "estimator/deep_impl.h"
#include "estimator/stack.h"

/* high / low at most this on a GPU (issue 10: a range a planner can use) */
#define MAX_SPAN 3.0

static int batch_default(const dlp_model *m)
{
	/* common published settings: 256 for ImageNet-size CNNs, 32 for long
	 * sequences, 128 otherwise */
	if (strcmp(m->task, "text") == 0)
		return m->in_h >= 512 ? 8 : 32;
	return m->in_h >= 128 ? 64 : 128;
}

int dlp_train_batch(const dlp_model *m, const dlp_train *t)
{
	return t->batch > 0 ? t->batch : batch_default(m);
}

/* Framework operators dispatched per step, each paying the per-operator
 * overhead (profile op_overhead_s). A layer: ops_per_layer_fwd_bwd
 * (data/estimator.json). The optimizer: per
 * weighted layer, two parameter tensors (weight, bias) times the in-place
 * tensor ops of PyTorch's single-tensor loops (torch/optim/sgd.py, adam.py in
 * 1.13) plus zero_grad: SGD 1+1, momentum 3+1 (buf.mul_.add_, param.add_),
 * Adam 9+1 (step += 1, exp_avg mul_/add_, exp_avg_sq mul_/addcmul_, sqrt,
 * div, add_ eps, param addcdiv_). These are counts read from the framework's
 * source, not fitted. On a GPU, frameworks step the optimizer with
 * multi-tensor (foreach/fused) kernels: one op per weighted layer is kept
 * there. The cost of one op is torch's measured dispatch time where
 * bench --framework ran (estimator/fw_reference.c), else measured
 * separately (scripts/validate/calibrate.py, data/instances.json
 * assumptions). */
static double optimizer_ops(enum dlp_optimizer o)
{
	return 2.0 * (o == DLP_OPT_ADAM ? 10 : o == DLP_OPT_MOMENTUM ? 4 : 2);
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
	/* the stack's fraction turns a datasheet link speed into achieved busbw;
	 * a measured busbw (a cluster document) is already what was achieved */
	double frac_intra = sd && !p->interconnect_measured ? sd->busbw_fraction : 1;
	double frac_net = sd ? sd->network_fraction : 1;

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

/* A GEMM-shaped layer's forward (r[0]), weight-gradient (r[1]: dW = X^T dY,
 * inner dimension the batched one) and input-gradient (r[2]: dX = dY W^T)
 * rates at their own shapes in rs, FLOP/s, unscaled; gk the forward's
 * inner dimension. */
static void layer_gemm_rates(const dlp_profile *p, const dlp_rateset *rs, enum dlp_dtype dt, const dlp_layer *l,
			     double B, double gk, double r[3], int *meas)
{
	double gm = l->gm_batched ? l->gm * B : l->gm;

	r[0] = 1e9 * dlp_profile_gemm_gflops(p, rs, dt, gm, l->gn, gk, meas);
	r[1] = 1e9 * dlp_profile_gemm_gflops(p, rs, dt, l->gk, l->gn, gm, NULL);
	r[2] = 1e9 * dlp_profile_gemm_gflops(p, rs, dt, gm, l->gk, l->gn, NULL);
}

double dlp_deep_layer_gemm_s(const dlp_profile *p, const dlp_layer *l, double B)
{
	double r[3], ff = B * l->flops;

	if (l->gm <= 0)
		return 0;
	layer_gemm_rates(p, &p->configured, DLP_FP32, l, B, l->gk, r, NULL);
	if (!(r[0] > 0 && r[1] > 0 && (r[2] > 0 || !l->needs_input_grad)))
		return 0;
	return ff / r[0] + (l->params > 0 ? ff / r[1] + (l->needs_input_grad ? ff / r[2] : 0) : 0);
}

/* The rate of a GEMM-shaped layer in this rate set, the stack's (or the
 * framework's) scale applied; *tb_gemm the backward GEMMs at their own
 * shapes; *spread where its time is measured through the framework. */
static double gemm_layer_rate(const dlp_profile *p, const dlp_rateset *rs, const dlp_layer *l,
			      const struct prec *pr, double B, const struct step_ctx *c, int fw, double vec_rate,
			      double *tb_gemm, int *any_measured, double *spread)
{
	const dlp_stack *st = c->st;
	double ff = B * l->flops, rate, gscale = 1, r[3];
	/* flash attention keeps the S x S tile on chip: it runs at the rate
	 * of a large GEMM, not at the roofline of a per-head S x S x d
	 * product writing its scores out */
	double gk = l->op == DLP_OP_ATTN && c->attention == DLP_ATTN_FLASH ? l->gn : l->gk;
	int meas = 0;

	*tb_gemm = 0;
	layer_gemm_rates(p, rs, pr->gemm, l, B, gk, r, &meas);
	rate = r[0];
	if (meas && any_measured)
		*any_measured = 1;
	if (rate <= 0)
		rate = vec_rate;
	if (st) {
		gscale = st->gemm_scale * (l->op == DLP_OP_CONV ? c->sd->conv_eff[pr->gemm] : 1);
	} else if (fw && l->op == DLP_OP_CONV && p->fw_conv_factor > 0 && pr->gemm == DLP_FP32) {
		/* torch's own convolution measured against its GEMMs
		 * (estimator/fw_reference.c): on its own threads already */
		gscale = p->fw_conv_factor;
		*spread = fmax(1, p->fw_conv_spread);
	} else if (fw && l->op == DLP_OP_CONV && p->fw_conv_ratio > 0 && p->fw_conv_ratio < 1) {
		gscale = p->fw_conv_ratio;
	}
	rate *= gscale;
	/* the backward GEMMs at their own shapes (the scale applies to them
	 * as to the forward) */
	if (l->params > 0) {
		double rw = gscale * r[1], rd = gscale * r[2];
		*tb_gemm = ff / (rw > 0 ? rw : rate) + (l->needs_input_grad ? ff / (rd > 0 ? rd : rate) : 0);
	}
	return rate;
}

/* Forward (*tf) and backward (*tb) seconds of one layer at batch B;
 * *meas_spread > 0 when its time is measured through the framework (its
 * pooling, its convolution): how far its samples spread, else 0. */
static void layer_time(const dlp_profile *p, const dlp_rateset *rs, const dlp_layer *l, const struct prec *pr,
		       double B, const struct step_ctx *c, int fw, double *tf_out, double *tb_out, double *meas_spread,
		       int *any_measured)
{
	const dlp_stack *st = c->st;
	const struct dlp_constants *K = dlp_constants(); /* checked by dlp_deep_compute */
	double wbytes = pr->abytes, bw = p->mem_bw_gbps * 1e9;
	double vec_rate = (p->peak_gflops[DLP_FP32] > 0 ? p->peak_gflops[DLP_FP32] : 1) * 1e9;
	double ff = B * l->flops, fb = B * (l->in_elems + l->out_elems) * pr->abytes + l->params * wbytes;
	double rate = vec_rate, tf, tb, bwd_flops_mult, fb_extra = 0, bb_extra = 0, tb_gemm = 0;
	const struct dlp_conv_time *mc;
	double fw_act_tf = 0, fw_act_tb = 0;
	/* a non-GEMM operator measured at its size (--measure) */
	double lbw = l->gm <= 0 && p->op_bw_gbps[l->op] > 0 ? p->op_bw_gbps[l->op] * 1e9
		     : l->gm <= 0 && fw && p->fw_bw_gbps > 0 ? p->fw_bw_gbps * 1e9 : bw;

	*meas_spread = 0;
	if (fw && (mc = dlp_profile_conv(p, l, pr->gemm))) {
		/* the workload's own convolution, timed through the framework
		 * (--measure), its memory traffic and all: forward and backward
		 * split by their FLOPs, as the probe times them together */
		*tf_out = B * mc->s / (l->needs_input_grad ? 3 : 2);
		*tb_out = B * mc->s - *tf_out;
		*meas_spread = mc->median_s / mc->s;
		if (any_measured)
			*any_measured = 1;
		return;
	}
	if (fw && !p->is_gpu && l->op == DLP_OP_ACT && p->fw_act_s > 0) {
		/* the framework's own activation kernel, timed through it
		 * (--measure at the workload's sizes, else bench --framework at
		 * one reference size), as a floor under the roofline below: a
		 * ReLU was timed, a GELU or a dropout costs at least as much */
		double t = B * fmax(l->in_elems, l->out_elems) * p->fw_act_s;

		fw_act_tf = t / (1 + K->bwd_traffic_eltwise.value);
		fw_act_tb = t - fw_act_tf;
	}
	if (l->gm > 0) {
		rate = gemm_layer_rate(p, rs, l, pr, B, c, fw, vec_rate, &tb_gemm, any_measured, meas_spread);
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
			fb_extra = B * dlp_scores_per_sample(l) * pr->abytes * (c->sd->attn_passes_fwd + extra);
			bb_extra = B * dlp_scores_per_sample(l) * pr->abytes * (c->sd->attn_passes_bwd + extra);
		}
	}
	/* backward traffic by tensor count (data/estimator.json
	 * backward_traffic_gemm, backward_traffic_elementwise) */
	tf = fmax(ff / rate, lbw > 0 ? (fb + fb_extra) / lbw : 0);
	/* CPU pooling is a scalar compare-and-select loop per window
	 * element (l->flops counts them), not a streaming kernel: its
	 * cost per element, in units of the measured histogram update,
	 * is an assumption (data/instances.json) */
	if (l->op == DLP_OP_POOL && !p->is_gpu && fw && p->fw_pool_s > 0) {
		/* measured through the framework, forward and backward */
		tf = B * l->flops * p->fw_pool_s;
		*meas_spread = fmax(1, p->fw_pool_spread);
	} else if (l->op == DLP_OP_POOL && !p->is_gpu && p->hist_gups > 0 && p->pool_cost > 0) {
		double hist = fw && p->fw_hist_gups > 0 ? p->fw_hist_gups : p->hist_gups;
		tf = fmax(tf, ff * p->pool_cost / (hist * 1e9));
	}
	/* Winograd shrank ff after the backward GEMMs were priced: scale them */
	if (tb_gemm > 0 && st && st->winograd && l->winograd && pr->gemm == DLP_FP32)
		tb_gemm /= c->sd->winograd_gain;
	tb = fmax(tb_gemm > 0 ? tb_gemm : bwd_flops_mult * ff / rate,
		  lbw > 0 ? ((l->gm > 0 ? K->bwd_traffic_gemm.value : K->bwd_traffic_eltwise.value) * fb + bb_extra) / lbw : 0);
	if (l->op == DLP_OP_POOL && *meas_spread > 0)
		tb = 0;
	/* the measured floor binds: measured, spread by its own samples */
	if (fw_act_tf + fw_act_tb > tf + tb) {
		tf = fw_act_tf;
		tb = fw_act_tb;
		*meas_spread = fmax(1, p->fw_act_spread);
		if (any_measured)
			*any_measured = 1;
	}
	/* a framework keeping activations NCHW (PyTorch's default) runs
	 * cuDNN's 16-bit tensor-core convolutions through NHWC transposes
	 * of their input and output, each way (data/stacks.json layout):
	 * separate kernels, so added, not hidden under the roofline */
	if (st && !st->channels_last && l->op == DLP_OP_CONV && (pr->gemm == DLP_FP16 || pr->gemm == DLP_BF16) &&
	    bw > 0) {
		double tr = c->sd->nchw_transpose_passes * B * (l->in_elems + l->out_elems) * pr->abytes / bw;

		tf += tr;
		tb += tr;
	}
	*tf_out = tf;
	*tb_out = tb;
}

/* One training step (one micro-batch, with the optimizer and all-reduce
 * shared out over the micro-batches of gradient accumulation) on one device
 * for one rate set; fills layer_s (forward + backward seconds per layer)
 * when given. */
static double step_time(const dlp_profile *p, const dlp_rateset *rs, const dlp_model *m,
			const struct prec *pr, int batch, const struct step_ctx *c, dlp_phases *ph,
			double *layer_s, int *any_measured)
{
	size_t i;
	const dlp_stack *st = c->st;
	double B = batch, bw = p->mem_bw_gbps * 1e9;
	double ovh = st ? fmax(p->op_overhead_s, st->gpu_op_overhead_s) : p->op_overhead_s;
	double nparam_layers = 0, ops = 0, accum = c->grad_accum > 0 ? c->grad_accum : 1, total_ar;
	int fused_opt = st ? st->fused_optimizer : p->is_gpu;
	/* on a CPU "as configured" is the framework as installed: its own
	 * operators (convolutions, pooling, elementwise) run on its intra-op
	 * threads, at the rates the bench measured for that many
	 * (estimator/fw_reference.c); GEMMs are the framework's own already */
	int fw = !st && !p->is_gpu && rs == &p->configured;
	const struct dlp_constants *K = dlp_constants(); /* checked by dlp_deep_compute */

	memset(ph, 0, sizeof *ph);
	for (i = 0; i < m->n_layers; i++) {
		const dlp_layer *l = &m->layers[i];
		double tf, tb, meas_spread;

		if (l->op == DLP_OP_RESHAPE)
			continue;
		layer_time(p, rs, l, pr, B, c, fw, &tf, &tb, &meas_spread, any_measured);
		/* activation checkpointing runs the forward pass again in the backward */
		if (c->checkpoint)
			tb += tf;
		if (meas_spread > 0) {
			ph->measured += tf + tb;
			ph->measured_median += (tf + tb) * meas_spread;
		}
		/* a recurrence launches one GEMM per time step */
		ph->fwd += tf;
		ph->bwd += tb;
		ops += l->seq_steps * K->ops_per_layer.value * (c->checkpoint ? 4.0 / 3 : 1);
		if (layer_s)
			layer_s[i] = tf + tb;
		if (l->params > 0)
			nparam_layers++;
	}
	/* the framework's per-step cost beyond its operators (autograd engine,
	 * the optimizer's Python loop): measured on a CPU, else none */
	ph->step_overhead = st ? 0 : p->step_overhead_s;
	ph->overhead = ovh * ops + ph->step_overhead;
	ph->opt_ops = nparam_layers * (fused_opt ? 1 : optimizer_ops(pr->optimizer));
	/* ZeRO shards the optimizer step as well: each rank updates its slice */
	ph->opt = ((bw > 0 ? m->params * pr->opt_traffic / bw : 0) /
		   (c->shard > 0 ? c->ranks_per_node * c->nodes : 1) + ovh * ph->opt_ops) / accum;
	ph->ops = ops + ph->opt_ops / accum;
	if (!st && p->overhead_measured) {
		double o = ph->overhead + ovh * ph->opt_ops / accum;

		ph->measured += o;
		ph->measured_median += o * fmax(1, p->fw_ovh_spread);
	}
	if (p->is_gpu && p->h2d_gbps > 0)
		ph->xfer = B * m->input_elems * (strcmp(m->task, "text") == 0 ? 8 : 4) / (p->h2d_gbps * 1e9);
	/* the all-reduce runs once per optimizer step, overlapping the backward
	 * pass of the last micro-batch only */
	/* the backward pass's wall time includes dispatching its operators (two
	 * of the three per layer): buckets are reduced during all of it */
	allreduce_times(p, m, pr, c, ph->bwd + ovh * ops * (K->ops_per_layer.value - 1) / K->ops_per_layer.value, &total_ar,
			&ph->allreduce);
	ph->allreduce /= accum;
	ph->allreduce_total = total_ar / accum;
	/* synchronous data parallelism waits for the slowest rank every step
	 * (the stack's sync_wait_s), but a rank's lag is jitter of its own
	 * step: never more than sync_wait_fraction of it, so a tiny model's
	 * step waits microseconds; the all-reduce's latency is charged above */
	if (st && c->ranks_per_node * c->nodes > 1)
		ph->sync = fmin(st->sync_wait_s / accum,
				st->sync_wait_fraction * (ph->fwd + ph->bwd + ph->opt + ph->xfer + ph->overhead));
	return ph->fwd + ph->bwd + ph->opt + ph->xfer + ph->overhead + ph->allreduce + ph->sync;
}

int dlp_deep_step_parts(const dlp_profile *p, const dlp_model *m, int batch, enum dlp_optimizer o,
			double *modelled_s, double *measured_s, double *ops)
{
	dlp_profile q = *p; /* shares p's rate arrays, read only */
	dlp_train t;
	struct prec pr;
	struct step_ctx c;
	dlp_phases ph;
	double total;

	if (!dlp_constants())
		return -1;
	q.op_overhead_s = q.step_overhead_s = 0;
	q.overhead_measured = 0;
	dlp_train_defaults(&t);
	t.optimizer = o;
	t.precision = DLP_PREC_FP32;
	pr = dlp_deep_precision(&q, &t);
	memset(&c, 0, sizeof c);
	c.ranks_per_node = c.nodes = c.grad_accum = 1;
	c.attention = DLP_ATTN_MATERIALIZED;
	total = step_time(&q, q.configured.n ? &q.configured : &q.capability, m, &pr, batch, &c, &ph, NULL, NULL);
	*measured_s = ph.measured;
	*modelled_s = total - ph.measured;
	*ops = ph.ops;
	return 0;
}

static dlp_range range_times(double low, double expected, double high, double k)
{
	return (dlp_range){low * k, expected * k, high * k};
}

/* Times for the whole run from one rate set: on a GPU the stack asked for
 * (expected) and the tuned and legacy stacks (the range); on a CPU the
 * fixed spread. ph receives the low end's breakdown. */
static dlp_run run_of(const dlp_profile *p, const dlp_rateset *rs, const dlp_model *m, const struct prec *pr,
		      int batch, struct step_ctx *c, enum dlp_stack_id asked, double steps, double price,
		      double *layer_s, int *measured, dlp_phases *ph)
{
	dlp_phases tmp;
	double low, high, expected;
	dlp_run r;

	if (c->sd && p->is_gpu) {
		double t_tuned, t_legacy;

		c->st = &c->sd->stack[asked];
		expected = step_time(p, rs, m, pr, batch, c, &tmp, layer_s, measured);
		c->st = &c->sd->stack[DLP_STACK_TUNED];
		t_tuned = step_time(p, rs, m, pr, batch, c, ph, NULL, NULL);
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
		double spread = dlp_constants()->stack_spread.value; /* checked by dlp_deep_compute */
		double compute, jit = 1 + p->jitter;

		c->st = NULL;
		compute = step_time(p, rs, m, pr, batch, c, ph, layer_s, measured);
		compute -= ph->allreduce + ph->sync + ph->measured;
		/* the best stack hides the all-reduce behind the backward pass,
		 * the others pay it; what was measured through the framework
		 * itself spreads as its samples did, from the fastest to the
		 * median, expected their geometric mean as for the rest. Its
		 * samples span a fraction of a second; the training runs
		 * minutes later: each end moves out by the bench's jitter too
		 * (a CNN trained 1-2% faster than its fastest probe sample) */
		low = compute + ph->measured / jit + ph->allreduce + ph->sync;
		high = compute * spread + ph->measured_median * jit + ph->allreduce_total + ph->sync;
		expected = compute * sqrt(spread) + sqrt(ph->measured * ph->measured_median) + ph->allreduce_total +
			   ph->sync;
	}
	low *= steps;
	high *= steps;
	expected *= steps;
	r.train_s = (dlp_range){low, expected, high};
	r.cost_usd = price >= 0 ? range_times(low / 3600, expected / 3600, high / 3600, price)
			       : (dlp_range){NAN, NAN, NAN};
	r.step_s = expected / steps;
	r.samples_per_s = expected > 0 ? steps * batch * c->ranks_per_node * c->nodes / expected : NAN;
	return r;
}

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
 * consumed (summed into each group's first layer). -1 when out of memory. */
static int dominant_layers(dlp_deep_estimate *d, const dlp_model *m, double *layer_s)
{
	char (*key)[sizeof m->layers[0].name] = calloc(m->n_layers ? m->n_layers : 1, sizeof *key);
	int *count = calloc(m->n_layers ? m->n_layers : 1, sizeof *count);
	double total = 0;
	size_t i, j, k;
	int rc = -1;

	if (!key || !count) {
		dlp_error_set("out of memory");
		goto out;
	}
	for (i = 0; i < m->n_layers; i++)
		total += layer_s[i];
	rc = 0;
	if (total <= 0)
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
	for (k = 0; k < DLP_DOMINANT_LAYERS; k++) {
		size_t best = 0;

		for (i = 1; i < m->n_layers; i++)
			if (layer_s[i] > layer_s[best])
				best = i;
		if (m->n_layers == 0 || layer_s[best] <= 0)
			break;
		d->dominant[k].layer = best;
		snprintf(d->dominant[k].name, sizeof d->dominant[k].name, "%s",
			 count[best] > 1 ? key[best] : m->layers[best].name);
		d->dominant[k].count = count[best];
		d->dominant[k].share = layer_s[best] / total;
		d->dominant[k].fwd_bwd_s = layer_s[best];
		d->n_dominant++;
		layer_s[best] = -1;
	}
out:
	free(key);
	free(count);
	return rc;
}

int dlp_deep_compute(const dlp_profile *p, const dlp_model *m, const dlp_dataset *ds, const dlp_train *t,
		     dlp_deep_estimate *d)
{
	struct prec pr = dlp_deep_precision(p, t);
	int devices = t->devices > 0 ? t->devices : p->devices, batch = dlp_train_batch(m, t);
	int nodes = t->nodes > 0 ? t->nodes : 1, accum = t->grad_accum > 0 ? t->grad_accum : 1;
	double samples = ds->samples, price = dlp_train_price(p, t);
	double *layer_s = NULL;
	const dlp_rateset *primary = p->configured.n ? &p->configured : &p->capability;
	const dlp_stack_data *sd = NULL;
	enum dlp_stack_id asked = t->stack >= 0 && t->stack < DLP_NSTACK ? (enum dlp_stack_id)t->stack : DLP_STACK_EAGER;
	struct step_ctx ctx;
	dlp_phases ph2;
	int measured = 0, measured2 = 0;

	memset(d, 0, sizeof *d);
	if (!dlp_constants())
		return -1;
	if (devices > p->devices)
		return dlp_error_set("%s has %d device(s), %d asked", p->name, p->devices, devices);
	if (ds->tokens > 0 && samples <= 0)
		samples = ceil(ds->tokens / m->in_h);
	if (samples <= 0)
		return dlp_error_set("no training-set size: give --dataset or --samples");
	if (t->epochs <= 0)
		return dlp_error_set("epochs must be positive");
	if (t->shard < 0 || t->shard > 3)
		return dlp_error_set("ZeRO stage %d is not 0-3", t->shard);
	if (p->is_gpu && !(sd = dlp_stacks()))
		return -1;
	memset(&ctx, 0, sizeof ctx);
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
				     "--nodes %d", p->name, nodes);
	if (!(layer_s = calloc(m->n_layers ? m->n_layers : 1, sizeof *layer_s)))
		return dlp_error_set("out of memory");
	dlp_deep_precision_check(p, t, &pr, &d->flags);
	d->model = m;
	d->batch = batch;
	d->devices = devices;
	d->nodes = nodes;
	d->grad_accum = accum;
	d->stack = sd && p->is_gpu ? sd->stack[asked].name : NULL;
	d->attention = dlp_attention_name(ctx.attention);
	d->checkpoint = t->checkpoint;
	d->zero_stage = t->shard;
	d->range_basis = sd && p->is_gpu ? "expected: the stack asked for; low: the tuned stack, high: the legacy "
					   "stack, each widened by data/stacks.json's margin (at most 3x apart)"
					 : "CPU: low the roofline with measured framework overhead, high stack_spread "
					   "x it (data/estimator.json), expected their geometric mean; what was measured "
					   "through the framework from its fastest to its median sample, each end moved out by 1 + the "
					   "bench's jitter";
	d->gemm_dtype = pr.gemm;
	d->epochs = t->epochs;
	d->samples = samples;
	/* micro-steps: gradient accumulation divides the optimizer's share */
	d->steps = ceil(samples / ((double)batch * devices * nodes)) * t->epochs;
	d->run = run_of(p, primary, m, &pr, batch, &ctx, asked, d->steps, price, layer_s, &measured, &d->phases);
	d->rates = primary->n == 0 ? (p->kind[0] == 'c' ? "datasheet peak x efficiency" : "measured peak x efficiency")
		   : primary == &p->configured ? "as configured (vendor library, measured)"
					       : "hardware capability (dlprobe kernels, measured)";
	/* both rate sets when both were measured */
	if (p->configured.n && p->capability.n) {
		d->has_capability = 1;
		d->capability = run_of(p, &p->capability, m, &pr, batch, &ctx, asked, d->steps, price, NULL,
				       &measured2, &ph2);
		d->speedup_vs_configured = d->run.train_s.expected / d->capability.train_s.expected;
		if (d->speedup_vs_configured > 2)
			dlp_notes_add(&d->flags, "the vendor library runs this workload %.1fx slower than dlprobe's own kernels "
			     "on the same hardware (as configured vs hardware capability)", d->speedup_vs_configured);
	}
	d->op_overhead_per_op_s = p->op_overhead_s;
	if (dominant_layers(d, m, layer_s)) {
		free(layer_s);
		return -1;
	}
	ctx.st = sd && p->is_gpu ? &sd->stack[asked] : NULL;
	dlp_deep_memory_fit(d, p, m, &pr, &ctx, t->shard);
	if (d->fits == 0)
		dlp_notes_add(&d->flags, "does not fit: %.1f GiB needed, %.1f GiB available per device%s",
		     d->required_bytes / 1073741824.0, p->mem_bytes / 1073741824.0,
		     d->largest_batch >= 1 ? " (a smaller batch fits)" : " (try --checkpoint or --shard)");
	else if (p->mem_bytes > 0 && (t->checkpoint || t->shard) && m->params * pr.per_param > p->mem_bytes)
		dlp_notes_add(&d->flags, "fits only %s: the unsharded weights, gradients and optimizer state alone "
			      "need %.1f GiB", t->shard ? "sharded" : "checkpointed",
			      m->params * pr.per_param / 1073741824.0);
	if (p->power_w > 0) {
		double kw = p->power_w * devices / p->devices * nodes / 1000;
		d->has_energy = 1;
		d->energy_kwh = range_times(d->run.train_s.low / 3600, d->run.train_s.expected / 3600,
					    d->run.train_s.high / 3600, kw);
	}
	free(layer_s);
	return 0;
}
