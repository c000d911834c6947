/* The framework as installed, in a CPU profile (issue 9, "as configured"):
 * bench --framework measured torch's per-operator dispatch, its own GEMMs,
 * one reference training step, its pooling and its ReLU, on torch's own intra-op
 * threads. Here they become the profile's figures:
 *
 * - the reference step, less the step the time model computes for that very
 *   model (built by the same model builder, its operators counted by the
 *   same code as any estimate's) and less its operators at the measured
 *   dispatch time, is the framework's cost per step beyond its operators
 *   (the autograd engine, the optimizer's Python loop);
 * - torch's own operators (convolutions, pooling, elementwise) are charged
 *   at the bench's figures for torch's thread count, not the whole CPU's:
 *   Debian's torch runs one intra-op thread while its GEMMs go to a BLAS
 *   with a thread per CPU;
 * - its convolutions run through oneDNN, not through that GEMM: a
 *   reference convolution's measured forward + backward, over the time this
 *   estimator gives its im2col GEMMs at torch's GEMM rates, is the factor
 *   a convolution layer's GEMM rate is scaled by. It replaces the GEMM
 *   thread-count ratio above, which it already holds (it ran on torch's own
 *   threads); without it (an older document, a part the budget skipped)
 *   the ratio stays, flagged;
 * - each figure is its fastest sample; the median of its samples over it
 *   is how far the measured part of the CPU range spreads (its high end;
 *   both ends then move out by the bench's jitter, estimator/deep.c):
 *   a step is not always the fastest one, and a case that is nearly all
 *   framework overhead would otherwise get a range narrower than its own
 *   measurement noise. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/constants.h"
#include "estimator/estimator.h"
#include "estimator/profile_impl.h"

/* the plausibility limits of estimator/profile_bench.c */
#define MAX_GFLOPS 1e8
#define MAX_THREADS 1048576
/* a reference step takes more than nothing and less than a minute, a
 * pooled element less than a millisecond, a batch is at most a million */
#define MAX_STEP_S 60.0
#define MAX_POOL_S 1e-3
#define MAX_ACT_S 1e-3
#define MAX_BATCH 1000000
/* the reference convolution's geometry: each from 1 to this */
#define MAX_CONV_DIM 4096
static const char *const conv_dims[8] = {"batch", "in", "out", "h", "w", "k", "stride", "pad"};
#define CONV_FALLBACK "its convolutions are charged as GEMMs at their im2col shapes at torch's GEMM rate (at its " \
	"thread count), not at its measured convolution rate"

static int is_ok(const json_t *r)
{
	const char *st = json_string_value(json_object_get(r, "status"));
	return st && strcmp(st, "ok") == 0;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

static int threads_of(const json_t *r)
{
	double v = dlp_json_num(r, "threads");
	return isfinite(v) && v >= 1 && v <= MAX_THREADS ? (int)v : 0;
}

static int is_kernel(const json_t *r, const char *k)
{
	const char *s = json_string_value(json_object_get(r, "kernel"));
	return s && strcmp(s, k) == 0 && is_ok(r);
}

static int same_shape(const json_t *a, const json_t *b)
{
	return dlp_json_num(a, "m") == dlp_json_num(b, "m") && dlp_json_num(a, "n") == dlp_json_num(b, "n") &&
	       dlp_json_num(a, "k") == dlp_json_num(b, "k");
}

/* The best fp32 GEMM at exactly th threads and r's shape (0: none). */
static double gemm_at(const json_t *results, const json_t *r, int th)
{
	const json_t *o;
	size_t i;
	double best = 0;

	json_array_foreach(results, i, o) {
		double g = dlp_json_num(o, DLP_RATE_GFLOPS);
		if (is_kernel(o, DLP_KERNEL_GEMM) && threads_of(o) == th && same_shape(o, r) &&
		    dlp_dtype_parse(str_or(o, "dtype", "")) == DLP_FP32 && isfinite(g) && g > best && g <= MAX_GFLOPS)
			best = g;
	}
	return best;
}

/* The bench's figures at the framework's thread count T: those of the
 * largest thread count measured that is not above T (a measured figure, a
 * lower bound where T itself was not measured). */
static void thread_figures(dlp_profile *p, const json_t *cpu_dev)
{
	const json_t *results = json_object_get(cpu_dev, "results"), *r, *shape = NULL;
	size_t i;
	int T = p->fw_threads, all = 0, t1 = 0;
	double size = 0, g1, ga;

	json_array_foreach(results, i, r) {
		int th = threads_of(r);
		if (!is_kernel(r, DLP_KERNEL_GEMM))
			continue;
		if (th > all)
			all = th;
		if (th <= T && th > t1)
			t1 = th;
	}
	if (T <= 0 || all <= 0 || T >= all)
		return;
	if (t1 <= 0) {
		if (!(p->fw_conv_s > 0))
			dlp_profile_flag(p, "torch runs %d intra-op thread(s) where the bench's GEMMs ran %d, and no "
					 "GEMM was measured at so few: its convolutions are charged at the whole CPU's "
					 "rate (optimistic)", T, all);
		return;
	}
	/* the largest shape measured at both counts: the least disturbed ratio */
	json_array_foreach(results, i, r) {
		double s = dlp_json_num(r, "m") * dlp_json_num(r, "n") * dlp_json_num(r, "k");
		if (is_kernel(r, DLP_KERNEL_GEMM) && threads_of(r) == t1 && isfinite(s) && s > size &&
		    gemm_at(results, r, all) > 0 && gemm_at(results, r, t1) > 0) {
			size = s;
			shape = r;
		}
	}
	if (shape) {
		g1 = gemm_at(results, shape, t1);
		ga = gemm_at(results, shape, all);
		p->fw_conv_ratio = fmin(1, g1 / ga);
	}
	json_array_foreach(results, i, r) {
		double v = dlp_json_num(r, DLP_RATE_GBPS), u = dlp_json_num(r, DLP_RATE_GUPDATES);
		if (threads_of(r) != t1)
			continue;
		/* streams that write what they read, as an elementwise operator does */
		if ((is_kernel(r, DLP_KERNEL_STREAM_TRIAD) || is_kernel(r, DLP_KERNEL_STREAM_ADD) ||
		     is_kernel(r, DLP_KERNEL_STREAM_COPY) || is_kernel(r, DLP_KERNEL_STREAM_SCALE) ||
		     is_kernel(r, DLP_KERNEL_AXPY)) && isfinite(v) && v > p->fw_bw_gbps && v < 1e5)
			p->fw_bw_gbps = v;
		if (is_kernel(r, DLP_KERNEL_HISTOGRAM) && isfinite(u) && u > p->fw_hist_gups && u < 1e5)
			p->fw_hist_gups = u;
	}
	dlp_profile_flag(p, "torch runs %d intra-op thread(s) where the bench's GEMMs ran %d: its convolutions are "
			 "charged at %s, its elementwise operators at %s and its pooling at the figures measured at "
			 "%d thread(s)", T, all, p->fw_conv_s > 0 ? "torch's own measured convolution rate" : shape ?
			 "the measured GEMM rate for that many" : "the whole CPU's rate (no GEMM shape measured at both "
			 "counts)", p->fw_bw_gbps > 0 ? "the bandwidth" : "the whole "
			 "CPU's bandwidth (none measured at so few)", t1);
	if (shape) {
		char src[200];
		snprintf(src, sizeof src, "measured: %d-thread / %d-thread GEMM at %.0fx%.0fx%.0f, %.3g / %.3g GFLOP/s",
			 t1, all, dlp_json_num(shape, "m"), dlp_json_num(shape, "n"), dlp_json_num(shape, "k"), g1, ga);
		dlp_profile_source(p, "conv_rate_at_framework_threads", src);
	}
}

/* The spread of one figure measured through the framework into *spread (the
 * largest so far): its median over its fastest sample, both kept in the
 * probe's output. 0 when o has no valid median. */
static int read_spread(double *spread, const json_t *o, const char *best_key, const char *median_key)
{
	double best = dlp_json_num(o, best_key), med = dlp_json_num(o, median_key);

	if (!(isfinite(best) && best > 0 && isfinite(med) && med >= best && med < MAX_STEP_S))
		return 0;
	*spread = fmax(*spread, med / best);
	return 1;
}

/* The usable GEMMs of a framework's list (ok, a rate in range) into
 * "as configured" in dt; replace: they replace what is there (the BLAS),
 * once one is usable. How many, or -1 (message). */
static int add_torch_gemms(dlp_profile *p, const json_t *list, enum dlp_dtype dt, int replace)
{
	const json_t *g;
	size_t i;
	int n = 0;

	json_array_foreach(list, i, g) {
		double r = dlp_json_num(g, DLP_RATE_GFLOPS);

		if (!is_ok(g) || !isfinite(r) || r <= 0 || r > MAX_GFLOPS)
			continue;
		if (n++ == 0 && replace)
			p->configured.n = 0;
		if (dlp_rates_add(&p->configured, dt, dlp_json_num(g, "m"), dlp_json_num(g, "n"), dlp_json_num(g, "k"),
				  r))
			return -1;
	}
	return n;
}

/* torch's bf16 GEMMs, "as configured" for a bf16 estimate at torch's own
 * threads, where the bench's bf16 figures (AMX) are at all of the CPU's:
 * on the 2-vCPU Xeon torch ran 560-760 GFLOP/s on its one thread against
 * AMX's 1000-1100 on two. Only where the CPU runs bf16: elsewhere the
 * estimate runs fp32 and torch's bf16 is an emulation. */
static int read_torch_gemm_bf16(dlp_profile *p, const json_t *torch)
{
	int n;

	if (!(p->peak_gflops[DLP_BF16] > 0))
		return 0;
	n = add_torch_gemms(p, json_object_get(torch, "gemm_bf16"), DLP_BF16, 0);
	if (n < 0)
		return -1;
	if (n)
		dlp_profile_flag(p, "'as configured' bf16 rates are torch's own bf16 GEMMs at %d thread(s) (bench "
				 "--framework)", threads_of(torch));
	return 0;
}

/* The reference training step and the pooling torch measured; unspread
 * counts those used without a recorded spread. */
static void read_torch_steps(dlp_profile *p, const json_t *torch, int *unspread)
{
	const json_t *ref = json_object_get(torch, "mlp_step"), *pool = json_object_get(torch, "pool");
	const char *model = json_string_value(json_object_get(ref, "model"));
	const char *opt = json_string_value(json_object_get(ref, "optimizer"));
	double step = dlp_json_num(ref, "step_s"), batch = dlp_json_num(ref, "batch");
	double ps = dlp_json_num(pool, "s_per_window_elem");
	enum dlp_optimizer o;

	/* only an mlp: spec: a document naming a file would have the estimator
	 * read whatever path it names */
	if (ref && model && opt && strncmp(model, "mlp:", 4) == 0 && strlen(model) < sizeof p->fw_ref_model && strlen(opt) < sizeof p->fw_ref_optimizer &&
	    dlp_optimizer_parse(opt, &o) == 0 && isfinite(step) && step > 0 && step < MAX_STEP_S &&
	    isfinite(batch) && batch >= 1 && batch <= MAX_BATCH && batch == floor(batch)) {
		snprintf(p->fw_ref_model, sizeof p->fw_ref_model, "%s", model);
		snprintf(p->fw_ref_optimizer, sizeof p->fw_ref_optimizer, "%s", opt);
		p->fw_ref_batch = (int)batch;
		p->fw_ref_step_s = step;
		*unspread += !read_spread(&p->fw_ovh_spread, ref, "step_s", "step_median_s");
	} else if (ref) {
		dlp_profile_flag(p, "torch's reference training step is incomplete or out of range: not used");
	}
	if (pool && is_ok(pool) && isfinite(ps) && ps > 0 && ps < MAX_POOL_S) {
		char src[200];
		p->fw_pool_s = ps;
		*unspread += !read_spread(&p->fw_pool_spread, pool, "fwd_bwd_s", "fwd_bwd_median_s");
		snprintf(src, sizeof src, "measured: torch max_pool2d 2x2 forward + backward, %.3g ns per window "
			 "element at %d thread(s) (bench --framework)", ps * 1e9, threads_of(pool));
		dlp_profile_source(p, "pool_s_per_window_elem", src);
	} else if (pool) {
		dlp_profile_flag(p, "torch's pooling measurement is %s: pooling is the assumed cost per window element",
				 is_ok(pool) ? "out of range" : "not verified");
	}
}

int dlp_fw_act_read(const json_t *a, double *s, double *spread, double *elements)
{
	double best = dlp_json_num(a, "fwd_bwd_s_per_elem"), med = dlp_json_num(a, "fwd_bwd_median_s_per_elem");
	double n = dlp_json_num(a, "timed_elements");

	if (!is_ok(a) || !json_is_true(json_object_get(a, "verified")) || !(isfinite(best) && best > 0 &&
	    best < MAX_ACT_S) || !(isfinite(n) && n >= 1))
		return 0;
	*s = best;
	*spread = isfinite(med) && med >= best ? med / best : 1;
	*elements = n;
	return 1;
}

/* torch's ReLU forward + backward at one reference size (bench
 * --framework): without --measure, the floor under every activation layer
 * (estimator/deep.c). The streaming roofline alone charged 0.3-0.5 ns an
 * element where torch's non-AVX kernels (ATEN_CPU_CAPABILITY=default) take
 * 7.5 (docs/validation.md, eighth session). --measure's own sizes replace
 * it (dlp_profile_add_measured). */
static void read_torch_act(dlp_profile *p, const json_t *torch)
{
	const json_t *act = json_object_get(torch, "act");
	double s, spread, n;
	char src[200];

	if (!act)
		return;
	if (!dlp_fw_act_read(act, &s, &spread, &n)) {
		dlp_profile_flag(p, "torch's activation measurement (bench --framework) is %s: without --measure, "
				 "activations are charged at the streaming bandwidth alone",
				 is_ok(act) ? "unverified or out of range" : str_or(act, "reason", "not verified"));
		return;
	}
	p->fw_act_s = s;
	p->fw_act_spread = spread;
	snprintf(src, sizeof src, "measured: torch ReLU forward + backward, %.3g ns per element at %.0f elements, %d "
		 "thread(s) (bench --framework); a floor under each activation layer's roofline", s * 1e9, n,
		 threads_of(act));
	dlp_profile_source(p, "act_s_per_elem", src);
}

/* torch's reference convolution (probe_conv in data/framework_probe.py):
 * its shape, fastest time and threads; the factor is derived once every
 * rate is read (dlp_profile_fw_conv). A missing or failed part is flagged
 * there. */
static void read_torch_conv(dlp_profile *p, const json_t *torch, int *unspread)
{
	const json_t *conv = json_object_get(torch, "conv");
	double s = dlp_json_num(conv, "fwd_bwd_s");
	int dims[8];
	size_t i;

	if (!conv) {
		dlp_profile_flag(p, "torch's convolution was not measured (a document from an older dlprobe): %s",
				 CONV_FALLBACK);
		return;
	}
	for (i = 0; i < 8; i++) {
		double v = dlp_json_num(conv, conv_dims[i]);
		/* pad alone may be 0 */
		if (!(isfinite(v) && v == floor(v) && v >= (i == 7 ? 0 : 1) && v <= MAX_CONV_DIM))
			break;
		dims[i] = (int)v;
	}
	if (!is_ok(conv) || i < 8 || !(isfinite(s) && s > 0 && s < MAX_STEP_S)) {
		dlp_profile_flag(p, "torch's convolution measurement is %s: %s",
				 !is_ok(conv) ? str_or(conv, "reason", "not verified") : "incomplete or out of range",
				 CONV_FALLBACK);
		return;
	}
	memcpy(p->fw_conv_shape, dims, sizeof dims);
	p->fw_conv_s = s;
	p->fw_conv_threads = threads_of(conv);
	*unspread += !read_spread(&p->fw_conv_spread, conv, "fwd_bwd_s", "fwd_bwd_median_s");
}

/* Says how the figures measured through the framework spread the range. */
static void spread_note(dlp_profile *p, int unspread)
{
	char src[320];

	if (unspread)
		dlp_profile_flag(p, "the framework probe recorded no median for %d of its figures (a document from an "
				 "older dlprobe): they are taken as exact", unspread);
	if (!(p->fw_ovh_spread > 1) && !(p->fw_pool_spread > 1) && !(p->fw_conv_spread > 1) &&
	    !(p->fw_act_spread > 1) && !(p->jitter > 0))
		return;
	snprintf(src, sizeof src, "measured: median / fastest of the framework probe's samples, %.3fx for its "
		 "overheads, %.3fx for pooling, %.3fx for convolutions and %.3fx for activations (bench "
		 "--framework); each end moved out by 1 + the bench's median sample spread, %.4f (jitter)",
		 fmax(1, p->fw_ovh_spread), fmax(1, p->fw_pool_spread), fmax(1, p->fw_conv_spread),
		 fmax(1, p->fw_act_spread), p->jitter);
	dlp_profile_source(p, "framework_spread", src);
}

int dlp_profile_read_framework(dlp_profile *p, const json_t *fw, const json_t *cpu_dev)
{
	const json_t *torch = json_object_get(json_object_get(fw, "frameworks"), "torch"), *f;
	const char *st = json_string_value(json_object_get(fw, "status"));
	double d = dlp_json_num(torch, "op_dispatch_s");
	size_t i;
	int n, unspread = 0;

	if (!fw)
		return 0;
	/* a probe stopped at its time limit keeps the parts it finished, each
	 * with its own status: those are used */
	if (!st || strcmp(st, "ok") != 0) {
		if (!is_ok(torch)) {
			dlp_profile_flag(p, "framework probe %s (%s): per-operator overhead and rates are dlprobe's "
					 "constants and kernels", st ? st : "?", str_or(fw, "reason", "no reason"));
			return 0;
		}
		dlp_profile_flag(p, "framework probe %s (%s): only the figures it finished are used", st ? st : "?",
				 str_or(fw, "reason", "no reason"));
	}
	if (!is_ok(torch)) {
		dlp_profile_flag(p, "torch not measured (%s): per-operator overhead is an assumption",
				 str_or(torch, "reason", "?"));
	} else {
		if (isfinite(d) && d > 0 && d < 1) {
			p->op_overhead_s = d;
			dlp_profile_source(p, "op_overhead_s", "measured: torch per-op dispatch (bench --framework)");
			unspread += !read_spread(&p->fw_ovh_spread, torch, "op_dispatch_s", "op_dispatch_median_s");
		}
		/* the framework's own GEMMs replace the BLAS measured beside it */
		n = add_torch_gemms(p, json_object_get(torch, "gemm"), DLP_FP32, 1);
		if (n < 0)
			return -1;
		p->fw_threads = threads_of(torch);
		if (n)
			dlp_profile_flag(p, "'as configured' rates are torch %s's own GEMMs at %d thread(s) (bench "
					 "--framework)", str_or(torch, "version", "?"), p->fw_threads);
		if (read_torch_gemm_bf16(p, torch))
			return -1;
		read_torch_steps(p, torch, &unspread);
		read_torch_act(p, torch);
		read_torch_conv(p, torch, &unspread);
		if (cpu_dev)
			thread_figures(p, cpu_dev);
		spread_note(p, unspread);
	}
	json_array_foreach(json_object_get(fw, "findings"), i, f)
		dlp_profile_flag(p, "framework: %s", str_or(f, "detail", "?"));
	return 0;
}

int dlp_profile_fw_reference(dlp_profile *p)
{
	dlp_model *m = NULL;
	enum dlp_optimizer o;
	double modelled, measured, ops, compute, per_step, effective;
	char src[320];
	int rc = 0;

	if (!(p->fw_ref_step_s > 0)) {
		if (p->fw_threads > 0)
			dlp_profile_flag(p, "no reference training step measured through torch: the per-step cost "
					 "beyond operator dispatch is not modelled (optimistic for small models)");
		goto out;
	}
	if (dlp_optimizer_parse(p->fw_ref_optimizer, &o) || !(m = dlp_model_from_spec(p->fw_ref_model, 0, 0, 0, 0))) {
		dlp_profile_flag(p, "torch's reference step (%s, %s) is not a model and optimizer this estimator "
				 "builds: not used", p->fw_ref_model, p->fw_ref_optimizer);
		goto out;
	}
	if (dlp_deep_step_parts(p, m, p->fw_ref_batch, o, &modelled, &measured, &ops)) {
		rc = -1;
		goto out;
	}
	/* the step the estimate's "expected" gives that model without
	 * overhead: the modelled part at the stack spread's midpoint */
	compute = modelled * sqrt(dlp_constants()->stack_spread.value) + measured;
	effective = ops > 0 ? (p->fw_ref_step_s - compute) / ops : 0;
	per_step = p->fw_ref_step_s - compute - ops * p->op_overhead_s;
	if (per_step < 0) {
		dlp_profile_flag(p, "torch's reference step (%s, batch %d, %s) took %.0f us, less than the %.0f us "
				 "modelled compute plus %.0f operators at the %.2f us dispatch time: no per-step cost added",
				 p->fw_ref_model, p->fw_ref_batch, p->fw_ref_optimizer, p->fw_ref_step_s * 1e6,
				 compute * 1e6, ops, p->op_overhead_s * 1e6);
		per_step = 0;
	}
	p->step_overhead_s = per_step;
	p->overhead_measured = 1;
	snprintf(src, sizeof src, "measured: torch reference step %s batch %d %s, %.0f us = %.1f us modelled "
		 "compute + %.0f operators x %.2f us dispatch + %.0f us per step (bench --framework); %.2f us per "
		 "operator were it all per operator", p->fw_ref_model, p->fw_ref_batch, p->fw_ref_optimizer,
		 p->fw_ref_step_s * 1e6, compute * 1e6, ops, p->op_overhead_s * 1e6, per_step * 1e6, effective * 1e6);
	dlp_profile_source(p, "step_overhead_s", src);
	dlp_profile_flag(p, "framework overhead from torch's own reference step: %.0f us per step plus %.2f us per "
			 "operator, spread by the probe's own samples, not the stack range (sources.step_overhead_s, "
			 "sources.framework_spread)", per_step * 1e6,
			 p->op_overhead_s * 1e6);
out:
	dlp_model_free(m);
	return rc;
}

/* The reference convolution as this estimator builds it: one conv layer of
 * the probe's geometry, with its input gradient (the probe computes it). */
static dlp_model *conv_reference(const dlp_profile *p)
{
	const int *d = p->fw_conv_shape;
	json_t *desc = json_pack("{s:s,s:s,s:[i,i,i],s:i,s:[{s:s,s:i,s:i,s:i,s:i,s:b}]}", "name", "fw_conv_ref",
				 "task", "image", "input", d[1], d[3], d[4], "classes", d[2], "layers", "op", "conv",
				 "out", d[2], "k", d[5], "stride", d[6], "pad", d[7], "bias", 1);
	dlp_model *m = NULL;

	if (desc)
		m = dlp_model_from_json(desc, 0, 0, 0, 0);
	json_decref(desc);
	return m;
}

int dlp_profile_fw_conv(dlp_profile *p)
{
	dlp_model *m = NULL;
	dlp_layer l;
	const int *d = p->fw_conv_shape;
	double gemm_s = 0, flops;
	char src[480];
	size_t i;

	if (!(p->fw_conv_s > 0) || p->is_gpu || !p->configured.n)
		goto out;
	if (!(m = conv_reference(p))) {
		dlp_profile_flag(p, "torch's reference convolution is not one this estimator builds (%s): %s",
				 dlp_error_message(), CONV_FALLBACK);
		goto out;
	}
	for (i = 0; i < m->n_layers && m->layers[i].op != DLP_OP_CONV; i++)
		;
	if (i < m->n_layers) {
		l = m->layers[i];
		l.needs_input_grad = 1;
		gemm_s = dlp_deep_layer_gemm_s(p, &l, d[0]);
	}
	if (!(gemm_s > 0)) {
		dlp_profile_flag(p, "no GEMM rate for torch's reference convolution's im2col shapes: %s",
				 CONV_FALLBACK);
		goto out;
	}
	p->fw_conv_factor = gemm_s / p->fw_conv_s;
	/* forward, weight gradient and input gradient, each the forward's work */
	flops = 3.0 * d[0] * l.flops;
	snprintf(src, sizeof src, "measured: torch conv2d %dx%d stride %d pad %d, %d to %d channels at %dx%d, batch "
		 "%d, forward + backward at %d thread(s): %.3g ms, %.3g GFLOP/s; its im2col GEMMs (forward, "
		 "backward-weight, backward-data) at torch's GEMM rates as this estimator prices them: %.3g ms, "
		 "%.3g GFLOP/s; factor %.3f on a convolution layer's GEMM rate (bench --framework)", d[5], d[5],
		 d[6], d[7], d[1], d[2], d[3], d[4], d[0], p->fw_conv_threads, p->fw_conv_s * 1e3,
		 flops / p->fw_conv_s * 1e-9, gemm_s * 1e3, flops / gemm_s * 1e-9, p->fw_conv_factor);
	dlp_profile_source(p, "conv_factor", src);
	dlp_profile_flag(p, "torch's convolutions are charged at its measured convolution rate, %.2fx its GEMM rate "
			 "at the same im2col shapes (sources.conv_factor), spread by the probe's own samples; in "
			 "place of the GEMM thread-count ratio", p->fw_conv_factor);
out:
	dlp_model_free(m);
	return 0;
}
