/* Training time and memory of a deep model on a profile (docs/references.md,
 * "The estimator model"): per layer and phase, max(FLOPs / GEMM rate at that
 * shape, bytes / bandwidth) + per-operator overhead; the optimizer step;
 * input transfer; a ring all-reduce across devices.
 *
 * The range: the per-layer roofline sum is what the best software stack gets
 * ("low"); "high" is low x stack_spread and "expected" their geometric mean
 * (data/estimator.json gives the spread and its basis). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimator/constants.h"
#include "estimator/estimator.h"

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
 * gives the 16 bytes per parameter of ZeRO (Rajbhandari et al., docs/references.md). */
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
 * there. The cost of one op is measured separately
 * (scripts/validate/calibrate.py, data/instances.json assumptions). */
static double optimizer_ops(enum dlp_optimizer o)
{
	return 2.0 * (o == DLP_OPT_ADAM ? 10 : o == DLP_OPT_MOMENTUM ? 4 : 2);
}

/* One training step on one device for one rate set; fills layer_s (forward +
 * backward seconds per layer) when given. */
static double step_time(const dlp_profile *p, const dlp_rateset *rs, const dlp_model *m,
			const struct prec *pr, int batch, int devices, dlp_phases *ph,
			double *layer_s, int *any_measured)
{
	size_t i;
	double B = batch, wbytes = pr->abytes, ovh = p->op_overhead_s, bw = p->mem_bw_gbps * 1e9;
	double vec_rate = (p->peak_gflops[DLP_FP32] > 0 ? p->peak_gflops[DLP_FP32] : 1) * 1e9;
	double nparam_layers = 0, ops = 0;
	const struct dlp_constants *K = dlp_constants(); /* checked by dlp_estimate_deep */

	memset(ph, 0, sizeof *ph);
	for (i = 0; i < m->n_layers; i++) {
		const dlp_layer *l = &m->layers[i];
		double ff = B * l->flops, fb = B * (l->in_elems + l->out_elems) * pr->abytes + l->params * wbytes;
		double rate = vec_rate, tf, tb, bwd_flops_mult, tb_gemm = 0;
		/* a non-GEMM operator measured at its size (--measure) */
		double lbw = l->gm <= 0 && p->op_bw_gbps[l->op] > 0 ? p->op_bw_gbps[l->op] * 1e9 : bw;
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
			/* the backward GEMMs at their own shapes: dW = X^T dY (inner
			 * dimension the batched one), dX = dY W^T */
			if (l->params > 0) {
				double rw = 1e9 * dlp_profile_gemm_gflops(p, rs, pr->gemm, l->gk, l->gn, gm, NULL);
				double rd = 1e9 * dlp_profile_gemm_gflops(p, rs, pr->gemm, gm, l->gk, l->gn, NULL);
				tb_gemm = ff / (rw > 0 ? rw : rate) + (l->needs_input_grad ? ff / (rd > 0 ? rd : rate) : 0);
			}
		}
		/* backward: input gradient and weight gradient, each ~ the forward
		 * work; the first weighted layer needs no input gradient */
		bwd_flops_mult = l->params > 0 ? (l->needs_input_grad ? 2 : 1) : 1;
		/* backward traffic by tensor count (data/estimator.json
		 * backward_traffic_gemm, backward_traffic_elementwise) */
		tf = fmax(ff / rate, lbw > 0 ? fb / lbw : 0);
		/* CPU pooling is a scalar compare-and-select loop per window
		 * element (l->flops counts them), not a streaming kernel: its
		 * cost per element, in units of the measured histogram update,
		 * is an assumption (data/instances.json) */
		if (l->op == DLP_OP_POOL && !p->is_gpu && p->hist_gups > 0 && p->pool_cost > 0)
			tf = fmax(tf, ff * p->pool_cost / (p->hist_gups * 1e9));
		tb = fmax(tb_gemm > 0 ? tb_gemm : bwd_flops_mult * ff / rate,
			  lbw > 0 ? (l->gm > 0 ? K->bwd_traffic_gemm.value : K->bwd_traffic_eltwise.value) * fb / lbw : 0);
		/* a recurrence launches one GEMM per time step */
		ph->fwd += tf;
		ph->bwd += tb;
		ops += l->seq_steps * K->ops_per_layer.value;
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

static dlp_range range_times(double low, double expected, double high, double k)
{
	return (dlp_range){low * k, expected * k, high * k};
}

/* Times for the whole run from one rate set. */
static dlp_run run_of(const dlp_profile *p, const dlp_rateset *rs, const dlp_model *m, const struct prec *pr,
		      int batch, int devices, double steps, double price, double *layer_s, int *measured,
		      dlp_phases *ph)
{
	double spread = dlp_constants()->stack_spread.value; /* checked by dlp_deep_compute */
	double compute = step_time(p, rs, m, pr, batch, devices, ph, layer_s, measured);
	/* gradients are reduced while the backward pass runs: the best stack
	 * hides the all-reduce behind it, the others pay it */
	double low = (compute + fmax(0, ph->allreduce - ph->bwd)) * steps;
	double high = (compute * spread + ph->allreduce) * steps;
	double expected = (compute * sqrt(spread) + ph->allreduce) * steps;
	dlp_run r;

	r.train_s = (dlp_range){low, expected, high};
	r.cost_usd = price > 0 ? range_times(low / 3600, expected / 3600, high / 3600, price)
			       : (dlp_range){NAN, NAN, NAN};
	r.step_s = expected / steps;
	r.samples_per_s = expected > 0 ? steps * batch * devices / expected : NAN;
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

/* Memory: a full replica per device (data parallel). */
static void memory_fit(dlp_deep_estimate *d, const dlp_profile *p, const dlp_model *m, const struct prec *pr)
{
	double per_sample = m->act_elems * pr->abytes + m->input_elems * 4;

	d->static_bytes = m->params * pr->per_param;
	d->activation_bytes = d->batch * per_sample;
	d->required_bytes = d->static_bytes + d->activation_bytes;
	d->available_bytes = p->mem_bytes > 0 ? p->mem_bytes : 0;
	d->largest_batch = p->mem_bytes > 0 ? floor((p->mem_bytes - d->static_bytes) / per_sample) : NAN;
	d->largest_batch_limited_by = "memory";
	/* a batch larger than each device's share of the data is no batch */
	if (isfinite(d->largest_batch) && d->largest_batch > ceil(d->samples / d->devices)) {
		d->largest_batch = ceil(d->samples / d->devices);
		d->largest_batch_limited_by = "dataset";
	}
	d->fits = p->mem_bytes > 0 ? d->required_bytes <= p->mem_bytes : -1;
}

int dlp_deep_compute(const dlp_profile *p, const dlp_model *m, const dlp_dataset *ds, const dlp_train *t,
		     dlp_deep_estimate *d)
{
	struct prec pr = precision_of(p, t);
	int devices = t->devices > 0 ? t->devices : p->devices, batch = dlp_train_batch(m, t);
	double samples = ds->samples, price = t->price_override >= 0 ? t->price_override : p->price_per_h;
	double *layer_s = NULL;
	const dlp_rateset *primary = p->configured.n ? &p->configured : &p->capability;
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
	if (!(layer_s = calloc(m->n_layers ? m->n_layers : 1, sizeof *layer_s)))
		return dlp_error_set("out of memory");
	d->model = m;
	d->batch = batch;
	d->devices = devices;
	d->gemm_dtype = pr.gemm;
	d->epochs = t->epochs;
	d->samples = samples;
	d->steps = ceil(samples / ((double)batch * devices)) * t->epochs;
	d->run = run_of(p, primary, m, &pr, batch, devices, d->steps, price, layer_s, &measured, &d->phases);
	d->rates = primary->n == 0 ? (p->kind[0] == 'c' ? "datasheet peak x efficiency" : "measured peak x efficiency")
		   : primary == &p->configured ? "as configured (vendor library, measured)"
					       : "hardware capability (dlprobe kernels, measured)";
	/* both rate sets when both were measured */
	if (p->configured.n && p->capability.n) {
		d->has_capability = 1;
		d->capability = run_of(p, &p->capability, m, &pr, batch, devices, d->steps, price, NULL, &measured2,
				       &ph2);
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
	memory_fit(d, p, m, &pr);
	if (d->fits == 0)
		dlp_notes_add(&d->flags, "does not fit: %.1f GiB needed, %.1f GiB available per device%s",
		     d->required_bytes / 1073741824.0, p->mem_bytes / 1073741824.0,
		     d->largest_batch >= 1 ? " (a smaller batch fits)" : "");
	if (p->power_w > 0) {
		double kw = p->power_w * devices / p->devices / 1000;
		d->has_energy = 1;
		d->energy_kwh = range_times(d->run.train_s.low / 3600, d->run.train_s.expected / 3600,
					    d->run.train_s.high / 3600, kw);
	}
	if (p->is_gpu == 0 && pr.gemm != DLP_FP32 && p->peak_gflops[pr.gemm] <= 0 && !measured)
		dlp_notes_add(&d->flags, "no %s rate on this CPU: computed at the fp32 rate", dlp_dtype_name(pr.gemm));
	free(layer_s);
	return 0;
}
