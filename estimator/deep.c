/* Training time and memory of a deep model on a profile (DESIGN.md, "The
 * estimator model"): per layer and phase, max(FLOPs / GEMM rate at that
 * shape, bytes / bandwidth) + per-operator overhead; the optimizer step;
 * input transfer; a ring all-reduce across devices.
 *
 * The range: the per-layer roofline sum is what the best software stack gets
 * ("low"). The same ResNet-50 on the same 8xA100 differs 2.3x between stacks
 * (MLPerf MXNet+DALI vs Lambda PyTorch, REFERENCE.md), so "high" is 2.3x
 * "low" and "expected" their geometric mean. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "dlprobe/json.h"
#include "estimator/estimator.h"

#define STACK_SPREAD 2.3
/* The largest batch is reported as an integer; memory is bounded (2^60
 * bytes, profile.c) and a sample takes at least 4 bytes, so this cap only
 * guards the cast. */
#define MAX_BATCH_COUNT 9e18

void dlp_train_defaults(dlp_train *t)
{
	memset(t, 0, sizeof *t);
	t->epochs = 1;
	t->batch = 0; /* chosen per model: see batch_default() */
	t->precision = DLP_PREC_FP32;
	t->optimizer = DLP_OPT_ADAM;
	t->price_override = -1;
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

/* A century: no training deadline or retraining cadence is longer, and a
 * bound keeps "1e306h" (infinite once in seconds) from meaning "none". */
#define MAX_DURATION_S (100 * 365.25 * 86400)

double dlp_duration_parse(const char *s)
{
	static const struct { const char *suffix; double s; } units[] = {
		{"", 1}, {"s", 1}, {"m", 60}, {"min", 60}, {"h", 3600}, {"d", 86400},
		{"w", 7 * 86400}, {"mo", 30.44 * 86400},
	};
	const char *end;
	double v;
	size_t i;

	if (!s || dlp_decimal_double(s, &end, &v) != 0 || v <= 0)
		return dlp_error_set("\"%s\" is not a duration such as 30m, 2h, 1d", s ? s : "");
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(end, units[i].suffix) == 0)
			break;
	if (i == sizeof units / sizeof units[0])
		return dlp_error_set("\"%s\" is not a duration such as 30m, 2h, 1d", s);
	v *= units[i].s;
	if (!(v <= MAX_DURATION_S))
		return dlp_error_set("\"%s\" is out of range: at most 100 years", s);
	return v;
}

struct prec {
	enum dlp_dtype gemm;   /* GEMM dtype */
	double abytes;         /* activation element */
	double per_param;      /* bytes per parameter held: weights, grads, optimizer state */
	double grad_bytes;     /* gradient element exchanged in all-reduce */
	double opt_traffic;    /* bytes moved per parameter by the optimizer step */
	enum dlp_optimizer optimizer;
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
		r = (struct prec){DLP_TF32, 4, 8 + state, 4, 12 + 2 * state, t->optimizer};
		break;
	case DLP_PREC_BF16:
		r = (struct prec){DLP_BF16, 2, 4 + state, 2, 6 + 2 * state, t->optimizer};
		break;
	case DLP_PREC_FP16:
		r = (struct prec){DLP_FP16, 2, 4 + state, 2, 6 + 2 * state, t->optimizer};
		break;
	case DLP_PREC_MIXED:
		r = (struct prec){p->peak_gflops[DLP_FP16] > 0 || p->capability.n || p->configured.n ? DLP_FP16
											       : DLP_BF16,
				  2, 8 + state, 2, 16 + 2 * state, t->optimizer};
		if (p->peak_gflops[DLP_FP16] <= 0 && p->peak_gflops[DLP_BF16] > 0)
			r.gemm = DLP_BF16;
		break;
	default:
		r = (struct prec){DLP_FP32, 4, 8 + state, 4, 12 + 2 * state, t->optimizer};
		break;
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
	double fwd, bwd, opt, xfer, allreduce, overhead;
	double ops, opt_ops; /* framework operators dispatched per step */
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

/* One training step on one device for one rate set; fills layer_s (forward +
 * backward seconds per layer) when given. */
static double step_time(const dlp_profile *p, const dlp_rateset *rs, const dlp_model *m,
			const struct prec *pr, int batch, int devices, struct phase_times *ph,
			double *layer_s, int *any_measured)
{
	size_t i;
	double B = batch, wbytes = pr->abytes, ovh = p->op_overhead_s, bw = p->mem_bw_gbps * 1e9;
	double vec_rate = (p->peak_gflops[DLP_FP32] > 0 ? p->peak_gflops[DLP_FP32] : 1) * 1e9;
	double nparam_layers = 0, ops = 0;

	memset(ph, 0, sizeof *ph);
	for (i = 0; i < m->n_layers; i++) {
		const dlp_layer *l = &m->layers[i];
		double ff = B * l->flops, fb = B * (l->in_elems + l->out_elems) * pr->abytes + l->params * wbytes;
		double rate = vec_rate, tf, tb, bwd_flops_mult;
		int meas = 0;

		if (l->op == DLP_OP_RESHAPE)
			continue;
		if (l->gm > 0) {
			double gm = l->gm_batched ? l->gm * B : l->gm;
			rate = 1e9 * dlp_profile_gemm_gflops(p, rs, pr->gemm, gm, l->gn, l->gk, &meas);
			if (meas && any_measured)
				*any_measured = 1;
			if (rate <= 0)
				rate = vec_rate;
		}
		/* backward: input gradient and weight gradient, each ~ the forward
		 * work; the first weighted layer needs no input gradient */
		bwd_flops_mult = l->params > 0 ? (l->needs_input_grad ? 2 : 1) : 1;
		/* backward traffic by tensor count: a GEMM layer's input and
		 * weight gradients each read and write what the forward did (2x);
		 * an elementwise layer reads the output gradient and its saved
		 * tensor and writes one gradient (3 tensors against 2: 1.5x) */
		tf = fmax(ff / rate, bw > 0 ? fb / bw : 0);
		/* CPU pooling is a scalar compare-and-select loop per window
		 * element (l->flops counts them), not a streaming kernel: its
		 * cost per element, in units of the measured histogram update,
		 * is an assumption (data/instances.json) */
		if (l->op == DLP_OP_POOL && !p->is_gpu && p->hist_gups > 0 && p->pool_cost > 0)
			tf = fmax(tf, ff * p->pool_cost / (p->hist_gups * 1e9));
		tb = fmax(bwd_flops_mult * ff / rate, bw > 0 ? (l->gm > 0 ? 2 : 1.5) * fb / bw : 0);
		/* a recurrence launches one GEMM per time step */
		ph->fwd += tf;
		ph->bwd += tb;
		ops += l->seq_steps * OPS_FWD_BWD_PER_LAYER;
		if (layer_s)
			layer_s[i] = tf + tb;
		if (l->params > 0)
			nparam_layers++;
	}
	ph->overhead = ovh * ops;
	ph->opt_ops = nparam_layers * (p->is_gpu ? 1 : optimizer_ops(pr->optimizer));
	ph->opt = (bw > 0 ? m->params * pr->opt_traffic / bw : 0) + ovh * ph->opt_ops;
	ph->ops = ops + ph->opt_ops;
	if (p->is_gpu && p->h2d_gbps > 0)
		ph->xfer = B * m->input_elems * (strcmp(m->task, "text") == 0 ? 8 : 4) / (p->h2d_gbps * 1e9);
	if (devices > 1 && p->interconnect_gbps > 0)
		ph->allreduce = 2.0 * (devices - 1) / devices * m->params * pr->grad_bytes /
				(p->interconnect_gbps * 1e9);
	return ph->fwd + ph->bwd + ph->opt + ph->xfer + ph->overhead;
}

static json_t *range_json(double low, double expected, double high)
{
	return json_pack("{s:o,s:o,s:o}", "low", dlp_json_real(low), "expected", dlp_json_real(expected),
			 "high", dlp_json_real(high));
}

/* Times for the whole run from one rate set. */
static json_t *run_json(const dlp_profile *p, const dlp_rateset *rs, const dlp_model *m,
			const struct prec *pr, int batch, int devices, double steps, double price,
			double *exp_out, double *low_out, double *high_out, double *layer_s, int *measured,
			struct phase_times *ph_out)
{
	struct phase_times ph;
	double compute = step_time(p, rs, m, pr, batch, devices, &ph, layer_s, measured);
	/* gradients are reduced while the backward pass runs: the best stack
	 * hides the all-reduce behind it, the others pay it */
	double low = compute + fmax(0, ph.allreduce - ph.bwd);
	double high = compute * STACK_SPREAD + ph.allreduce;
	double expected = compute * sqrt(STACK_SPREAD) + ph.allreduce;
	json_t *o;

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
			    dlp_json_real(expected > 0 ? steps * batch * devices / expected : NAN));
	return o;
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
	double samples = ds->samples, steps, price = t->price_override >= 0 ? t->price_override : p->price_per_h;
	double low, exp_s, high, l2, e2, h2, static_b, per_sample, need, max_batch;
	double *layer_s = NULL, total_layer = 0;
	const dlp_rateset *primary = p->configured.n ? &p->configured : &p->capability;
	struct phase_times ph, ph2;
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
	if (!(layer_s = calloc(m->n_layers ? m->n_layers : 1, sizeof *layer_s)))
		return dlp_error_set("out of memory"), NULL;
	steps = ceil(samples / ((double)batch * devices)) * t->epochs;
	o = json_object();
	flags = json_array();
	json_object_set_new(o, "model", dlp_model_summary_json(m));
	json_object_set_new(o, "settings",
			    json_pack("{s:i,s:i,s:s,s:o,s:o,s:o}", "batch_per_device", batch, "devices", devices,
				      "gemm_dtype", dlp_dtype_name(pr.gemm), "epochs", dlp_json_real(t->epochs),
				      "samples", dlp_json_whole(samples), "steps", dlp_json_whole(ceil(steps))));
	rates = run_json(p, primary, m, &pr, batch, devices, steps, price, &exp_s, &low, &high, layer_s,
			 &measured, &ph);
	json_object_update(o, rates);
	json_decref(rates);
	json_object_set_new(o, "rates", json_string(primary->n == 0 ? (p->kind[0] == 'c' ? "datasheet peak x efficiency"
											  : "measured peak x efficiency")
						: primary == &p->configured ? "as configured (vendor library, measured)"
									    : "hardware capability (dlprobe kernels, measured)"));
	/* both rate sets when both were measured */
	if (p->configured.n && p->capability.n) {
		json_t *cap = run_json(p, &p->capability, m, &pr, batch, devices, steps, price, &e2, &l2, &h2,
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
	json_object_set_new(phases, "ops_per_step", dlp_json_whole(ph.ops));
	json_object_set_new(phases, "op_overhead_per_op_s", dlp_json_real(p->op_overhead_s));
	json_object_set_new(o, "step_breakdown_low_s", phases);
	/* the layers that dominate a step */
	for (i = 0; i < m->n_layers; i++)
		total_layer += layer_s[i];
	dom = dominant_layers(m, layer_s, total_layer);
	json_object_set_new(o, "dominant_layers", dom);
	/* memory: a full replica per device (data parallel) */
	static_b = m->params * pr.per_param;
	per_sample = m->act_elems * pr.abytes + m->input_elems * 4;
	need = static_b + batch * per_sample;
	max_batch = p->mem_bytes > 0 ? floor((p->mem_bytes - static_b) / per_sample) : NAN;
	/* a batch larger than each device's share of the data is no batch */
	if (isfinite(max_batch) && max_batch > ceil(samples / devices)) {
		max_batch = ceil(samples / devices);
		limit = "dataset";
	}
	mem = json_pack("{s:o,s:o,s:o,s:o,s:o}", "params_grads_optimizer_bytes", dlp_json_whole(ceil(static_b)),
			"activations_bytes", dlp_json_whole(ceil(batch * per_sample)), "required_bytes", dlp_json_whole(ceil(need)),
			"available_bytes", p->mem_bytes > 0 ? dlp_json_whole(p->mem_bytes) : json_null(),
			"largest_batch", isfinite(max_batch) ? dlp_json_count(max_batch <= 0 ? 0
									 : max_batch < MAX_BATCH_COUNT ? (long long)max_batch
									 : (long long)MAX_BATCH_COUNT)
							     : json_null());
	json_object_set_new(mem, "fits", p->mem_bytes > 0 ? json_boolean(need <= p->mem_bytes) : json_null());
	json_object_set_new(mem, "largest_batch_limited_by", isfinite(max_batch) ? json_string(limit) : json_null());
	json_object_set_new(o, "memory", mem);
	if (p->mem_bytes > 0 && need > p->mem_bytes)
		json_array_append_new(flags, json_sprintf("does not fit: %.1f GiB needed, %.1f GiB available "
							  "per device%s", need / 1073741824.0,
							  p->mem_bytes / 1073741824.0,
							  max_batch >= 1 ? " (a smaller batch fits)" : ""));
	if (p->power_w > 0) {
		double kw = p->power_w * devices / p->devices / 1000;
		json_object_set_new(o, "energy_kwh", range_json(low / 3600 * kw, exp_s / 3600 * kw, high / 3600 * kw));
	} else {
		json_object_set_new(o, "energy_kwh", json_null());
	}
	if (p->is_gpu == 0 && pr.gemm != DLP_FP32 && p->peak_gflops[pr.gemm] <= 0 && !measured)
		json_array_append_new(flags, json_sprintf("no %s rate on this CPU: computed at the fp32 rate",
							  dlp_dtype_name(pr.gemm)));
	json_object_set_new(o, "flags", flags);
	free(layer_s);
	return o;
}
