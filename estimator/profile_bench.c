/* Hardware profiles from bench documents (docs/json.md): which devices a
 * document's estimate reads (the host CPU for the classical models, the
 * fastest accelerator with a verified GEMM for the deep model), how each
 * kernel's results become the profile's figures (include/dlprobe/bench.h's
 * reader table), robust figures from a disturbed bench, and the framework
 * probe's "as configured" figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/order.h"
#include "dlprobe/json.h"
#include "estimator/constants.h"
#include "estimator/estimator.h"
#include "estimator/profile_impl.h"
#include "estimator/stack.h"

/* The modelling constants (estimator/constants.h): loaded by
 * dlp_profile_init(), which fails without them. */
static const struct dlp_constants *K(void)
{
	return dlp_constants();
}

/* ---- bench documents ------------------------------------------------------ */

static int result_ok(const json_t *r)
{
	const char *st = json_string_value(json_object_get(r, "status"));
	return st && strcmp(st, "ok") == 0;
}

/* A result's thread count: any JSON number may stand there (null on GPU
 * results, 1e300 in a damaged file), so it is range-checked before the cast;
 * what is not a count in [0, MAX_THREADS] reads as 0 (unknown). */
#define MAX_THREADS 1048576
static int threads_of(const json_t *r)
{
	double v = dlp_json_num(r, "threads");

	return isfinite(v) && v >= 0 && v <= MAX_THREADS ? (int)v : 0;
}

/* Plausibility limits for bench figures. A GEMM cannot beat the FMA peak of
 * the same dtype (device_bounds: the ceiling at its thread count); PEAK_MARGIN allows for a
 * peak loop slowed by a busy machine (the bench notes GEMMs above 100% of it
 * then). bf16 points are not held to the bf16 peak: that is the VDPBF16PS
 * loop, and AMX tiles (or a BLAS using them) legitimately run faster. Above
 * MAX_GFLOPS / MAX_GBPS per device (100 PFLOP/s, 100 TB/s: far above any
 * device in the catalog) a figure is taken as damaged whatever the peak. */
#define PEAK_MARGIN 1.5
/* An exbibyte: no device or host holds more memory. A larger figure (or a
 * negative one) is a damaged document, refused before it reaches an
 * integer (largest batch) or a comparison that would make it "fits". */
#define MAX_MEM_BYTES 1152921504606846976.0
#define MAX_GFLOPS 1e8
#define MAX_GBPS 1e5
/* STREAM's rule: each array at least this many last-level caches */
#define STREAM_LLC_RULE 4.0

/* A result's figure: its fastest sample's, whether or not the bench saw
 * interference. Other work only ever slows a sample, so the fastest is
 * the one closest to the machine (a latency: its lowest sample); reading
 * the median on a device marked stable and the fastest on an unstable one
 * made the flag, not the machine, move the estimate (ResNet-18 997-1020 s
 * from stable benches, 900-975 s from unstable ones, minutes apart on the
 * Zen 5 VM: docs/validation.md, seventh session). Where the bench read the
 * threads' time off their CPUs, the fastest sample less it, if faster: with
 * another task on one of two CPUs, a 2-thread sample longer than the
 * scheduler's slice is never undisturbed (the 2-thread bin sketch took
 * 3.4 ms clean, 7.5 disturbed: fifth session), so its fastest sample alone
 * follows the luck of the slices. The unstable flag widens the range. */
static double rate_of(const json_t *r, const char *key)
{
	double v = dlp_json_num(r, key), med = dlp_json_num(r, "median_s"), lo = dlp_json_num(r, "min_s");
	double quiet = dlp_json_num(r, "quiet_min_s");

	if (quiet > 0 && quiet < lo)
		lo = quiet;
	if (!isfinite(v) || !(med > 0) || !(lo > 0) || lo > med)
		return v;
	return key && strcmp(key, DLP_RATE_LATENCY) == 0 ? v * lo / med : v * med / lo;
}

/* Keep, per kernel, the figure for the largest thread count measured: the
 * best at any count, since a device does at least what fewer of its threads
 * did (a figure below the one-thread one was measured while other work ran). */
static void best(double *val, int *at_threads, double v, int threads)
{
	if (!isfinite(v) || v <= 0)
		return;
	if (v > *val)
		*val = v;
	if (threads > *at_threads)
		*at_threads = threads;
}

/* The best rate of the same GEMM (impl, dtype, shape) as r at up to its th
 * threads, by another result (fewer threads, or another ISA: AVX512_BF16
 * and AMX both run dlprobe's bf16 GEMM): the whole device runs it at least
 * that fast, and one point a shape keeps the interpolation from averaging
 * the slower ISA in. Results above ceiling are not counted (those at the
 * whole device's thread count are dropped with a flag of their own). */
static double gemm_same_best(const json_t *dev, const json_t *r, int th, double ceiling)
{
	const json_t *o;
	size_t i;
	double b = 0;
	const char *impl = json_string_value(json_object_get(r, "impl"));
	const char *dt = json_string_value(json_object_get(r, "dtype"));

	json_array_foreach(json_object_get(dev, "results"), i, o) {
		const char *oi = json_string_value(json_object_get(o, "impl"));
		const char *od = json_string_value(json_object_get(o, "dtype"));
		const char *ok = json_string_value(json_object_get(o, "kernel"));
		double g = rate_of(o, DLP_RATE_GFLOPS);

		if (o == r || !result_ok(o) || !ok || strcmp(ok, DLP_KERNEL_GEMM) != 0 || !impl || !oi ||
		    strcmp(impl, oi) != 0 || !dt || !od || strcmp(dt, od) != 0 || threads_of(o) > th ||
		    dlp_json_num(o, "m") != dlp_json_num(r, "m") || dlp_json_num(o, "n") != dlp_json_num(r, "n") ||
		    dlp_json_num(o, "k") != dlp_json_num(r, "k") || !isfinite(g) || g > ceiling)
			continue;
		if (g > b)
			b = g;
	}
	return b;
}

/* What one device's results add up to while they are read. */
struct device_read {
	int max_threads;                 /* the thread count of the whole-device GEMMs */
	double gemm_peak[DLP_NDTYPE];    /* fma_peak at that count: the bound on GEMMs */
	int th_peak[DLP_NDTYPE], th_bw, th_hist, th_dot, th_h2d;
	int llc_flagged;                 /* a STREAM array below STREAM_LLC_RULE said so */
	double dot, h2d, lat;
};

/* GEMM points at the thread count that used the whole device, and the
 * ceiling per dtype that bounds them: the FMA peak (best ISA) measured at t
 * threads times max_threads / t, since threads add at most their own pipes.
 * A ceiling has to be an upper bound; the measured peak at the GEMMs' own
 * count is only a lower one: on the 2-vCPU Zen 5 VM one quick bench in
 * three read the 2-thread fp32 peak at the 1-thread rate (232 against 450
 * GFLOP/s, a thread descheduled), and its correct, verified 2-thread GEMMs
 * at 360-420 GFLOP/s were dropped, moving GPT-2's estimate by 1.1x. */
static void device_bounds(const json_t *dev, struct device_read *d)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(dev, "results"), i, r) {
		int th = threads_of(r);
		const char *kern = json_string_value(json_object_get(r, "kernel"));
		if (result_ok(r) && kern && strcmp(kern, DLP_KERNEL_GEMM) == 0 && th > d->max_threads)
			d->max_threads = th;
	}
	json_array_foreach(json_object_get(dev, "results"), i, r) {
		const char *kern = json_string_value(json_object_get(r, "kernel"));
		int dt = dlp_dtype_parse(json_string_value(json_object_get(r, "dtype")));
		double v = rate_of(r, DLP_RATE_GFLOPS);

		if (!result_ok(r) || !kern || strcmp(kern, DLP_KERNEL_FMA_PEAK) != 0 || dt < 0 || dt == DLP_BF16 ||
		    threads_of(r) > d->max_threads || !isfinite(v) || v <= 0 || v > MAX_GFLOPS)
			continue;
		v *= (double)d->max_threads / (threads_of(r) > 0 ? threads_of(r) : 1);
		if (v > d->gemm_peak[dt])
			d->gemm_peak[dt] = v;
	}
}

static int read_gemm(dlp_profile *p, const json_t *dev, const json_t *r, const struct device_read *d, int dt,
		     int th)
{
	const char *impl = json_string_value(json_object_get(r, "impl"));
	dlp_rateset *rs = impl && strcmp(impl, "dlprobe") == 0 ? &p->capability : &p->configured;
	double g = rate_of(r, DLP_RATE_GFLOPS), ceiling;

	if (dt < 0 || th != d->max_threads || !isfinite(g))
		return 0;
	ceiling = d->gemm_peak[dt] > 0 ? fmin(MAX_GFLOPS, PEAK_MARGIN * d->gemm_peak[dt]) : MAX_GFLOPS;
	if (g > ceiling) {
		dlp_profile_flag(p, "dropped %s %s gemm %.0fx%.0fx%.0f at %d thread%s: %.3g GFLOP/s is above %s %.3g "
		     "GFLOP/s", impl ? impl : "?", dlp_dtype_name(dt), dlp_json_num(r, "m"), dlp_json_num(r, "n"),
		     dlp_json_num(r, "k"),
		     th, th == 1 ? "" : "s", g, g > MAX_GFLOPS ? "the plausibility ceiling of" : "1.5x the fma_peak ceiling of",
		     g > MAX_GFLOPS ? MAX_GFLOPS : d->gemm_peak[dt]);
		return 0;
	}
	g = fmax(g, gemm_same_best(dev, r, th, ceiling));
	return dlp_rates_add(rs, (enum dlp_dtype)dt, dlp_json_num(r, "m"), dlp_json_num(r, "n"), dlp_json_num(r, "k"), g);
}

/* A classical kernel's rate (G per second) at th threads into r[0] (one
 * thread) and r[1] (the best at any count). */
static void cls_slot(double r[2], double v, int th)
{
	if (!isfinite(v) || v <= 0 || v > MAX_GFLOPS)
		return;
	v *= 1e9;
	if (th <= 1 && v > r[0])
		r[0] = v;
	if (v > r[1])
		r[1] = v;
}

/* A result by its size (CART node rows, bytes of X), kept ascending. */
static void sized_slot(dlp_sized_rates *s, double size, double v, int th)
{
	int i, j;

	if (!(size >= 2) || !isfinite(size) || !isfinite(v))
		return;
	for (i = 0; i < s->n && s->size[i] < size; i++)
		;
	if (i == s->n || s->size[i] != size) {
		if (s->n == DLP_RATE_SIZES)
			return;
		for (j = s->n; j > i; j--) {
			s->size[j] = s->size[j - 1];
			s->rate[j][0] = s->rate[j - 1][0];
			s->rate[j][1] = s->rate[j - 1][1];
		}
		s->size[i] = size;
		s->rate[i][0] = s->rate[i][1] = 0;
		s->n++;
	}
	cls_slot(s->rate[i], v, th);
}

/* The system BLAS's result beside dlprobe's (impl "blas"). */
static int is_blas(const json_t *r)
{
	const char *impl = json_string_value(json_object_get(r, "impl"));

	return impl && strcmp(impl, "blas") == 0;
}

static int is_variant(const json_t *r, const char *variant)
{
	const char *v = json_string_value(json_object_get(r, "variant"));

	return v && strcmp(v, variant) == 0;
}

static void read_classical(dlp_classical_rates *c, const json_t *r, const char *kernel, double v, int th)
{
	if (strcmp(kernel, DLP_KERNEL_HIST_GATHER) == 0)
		cls_slot(c->ghist, v, th);
	else if (strcmp(kernel, DLP_KERNEL_ROW_PARTITION) == 0)
		cls_slot(c->partition, v, th);
	else if (strcmp(kernel, DLP_KERNEL_GBDT_NODE) == 0)
		cls_slot(c->node, v, th);
	else if (strcmp(kernel, DLP_KERNEL_QUANTILE_SKETCH) == 0)
		cls_slot(c->sketch, v, th);
	else if (strcmp(kernel, DLP_KERNEL_LOGISTIC_LOSS) == 0)
		cls_slot(c->loss, v, th);
	else if (strcmp(kernel, DLP_KERNEL_LINEAR_PASS) == 0 && is_blas(r))
		sized_slot(&c->blas_linear, dlp_json_num(r, "bytes"), v, th);
	else if (strcmp(kernel, DLP_KERNEL_LINEAR_PASS) == 0)
		cls_slot(c->linear, v, th);
	else if (strcmp(kernel, DLP_KERNEL_FIRST_TOUCH) == 0 && is_variant(r, DLP_VARIANT_HUGEPAGE))
		cls_slot(c->touch_huge, v, th);
	else if (strcmp(kernel, DLP_KERNEL_FIRST_TOUCH) == 0)
		cls_slot(c->touch, v, th);
	else if (strcmp(kernel, DLP_KERNEL_CART_SPLIT) == 0)
		sized_slot(&c->cart, dlp_json_num(r, "m"), v, th);
}

/* One ok result into the profile field its kernel feeds (the table in
 * include/dlprobe/bench.h says which, and which result counts). */
static int read_result(dlp_profile *p, const json_t *dev, const json_t *r, const dlp_kernel_info *ki,
		       struct device_read *d)
{
	int dt = dlp_dtype_parse(json_string_value(json_object_get(r, "dtype")));
	int th = threads_of(r);
	double v = rate_of(r, ki->rate_key);

	switch (ki->field) {
	case DLP_FIELD_GEMM_RATES:
		return read_gemm(p, dev, r, d, dt, th);
	case DLP_FIELD_PEAK:
		if (dt < 0)
			break;
		if (v > MAX_GFLOPS)
			dlp_profile_flag(p, "dropped %s fma_peak at %d thread%s: %.3g GFLOP/s is above the plausibility "
					 "ceiling", dlp_dtype_name(dt), th, th == 1 ? "" : "s", v);
		else
			best(&p->peak_gflops[dt], &d->th_peak[dt], v, th);
		break;
	case DLP_FIELD_MEM_BW: {
		double llc = dlp_json_num(r, "llc_multiple");

		/* --quick caps the arrays (kernels/cpu/bench_stream.c): on a
		 * cache that large the triad may count some hits */
		if (isfinite(llc) && llc > 0 && llc < STREAM_LLC_RULE && !d->llc_flagged) {
			d->llc_flagged = 1;
			dlp_profile_flag(p, "stream_triad's arrays held %.2g last-level caches each (STREAM's rule: %g; "
					 "--quick caps their size): its bandwidth may count cache hits (--full keeps "
					 "the rule)", llc, STREAM_LLC_RULE);
		}
		if (v > MAX_GBPS)
			dlp_profile_flag(p, "dropped stream_triad at %d thread%s: %.3g GB/s is above the plausibility ceiling",
					 th, th == 1 ? "" : "s", v);
		else
			best(&p->mem_bw_gbps, &d->th_bw, v, th);
		break;
	}
	case DLP_FIELD_HISTOGRAM:
		if (th <= 1 && isfinite(v) && v > p->hist_gups_1t)
			p->hist_gups_1t = v;
		best(&p->hist_gups, &d->th_hist, v, th);
		break;
	case DLP_FIELD_DOT:
		if (!isfinite(v))
			v = rate_of(r, DLP_RATE_GBPS) / 4; /* fp32: 2 FLOPs per 8 bytes read */
		best(&d->dot, &d->th_dot, v, th);
		break;
	case DLP_FIELD_H2D: {
		/* pinned transfers are what data loaders use for the device */
		const char *variant = json_string_value(json_object_get(r, "variant"));
		int pinned = variant && strcmp(variant, "pinned") == 0;
		if (v > MAX_GBPS)
			dlp_profile_flag(p, "dropped h2d: %.3g GB/s is above the plausibility ceiling", v);
		else
			best(&d->h2d, &d->th_h2d, v, pinned ? 2 : 1);
		break;
	}
	case DLP_FIELD_OP_OVERHEAD:
		/* a launch takes more than nothing and less than a second */
		if (v > 0 && v < 1 && (!isfinite(d->lat) || v < d->lat))
			d->lat = v;
		break;
	case DLP_FIELD_CLASSICAL:
		read_classical(&p->cls, r, ki->kernel, v, th);
		break;
	case DLP_FIELD_NONE:
		break;
	}
	return 0;
}

/* The median sample spread of the figures the estimator reads is the
 * profile's jitter; on a device the bench marked unstable
 * (kernels/interference.h) it widens the whole range. */
#define MAX_NOISE_WIDEN 1.0
static void read_stability(dlp_profile *p, const json_t *dev)
{
	const json_t *r, *reasons = json_object_get(json_object_get(dev, "stability"), "reasons");
	double sp[256];
	size_t i, n = 0;

	json_array_foreach(json_object_get(dev, "results"), i, r) {
		const dlp_kernel_info *ki = dlp_kernel_find(json_string_value(json_object_get(r, "kernel")));
		double v = dlp_json_num(r, "spread");
		if (ki && ki->field != DLP_FIELD_NONE && ki->field != DLP_FIELD_OP_OVERHEAD && result_ok(r) &&
		    isfinite(v) && v >= 0 && n < sizeof sp / sizeof sp[0])
			sp[n++] = v;
	}
	if (n)
		qsort(sp, n, sizeof sp[0], dlp_cmp_double);
	p->jitter = fmin(MAX_NOISE_WIDEN, n ? sp[n / 2] : 0);
	if (!json_is_false(json_object_get(dev, "stable")))
		return;
	p->noise_spread = p->jitter;
	dlp_profile_flag(p, "measured while other work disturbed the bench (%zu sign%s, first: %s): the range is "
		"widened by the median sample spread, %.0f%%",
	     json_array_size(reasons), json_array_size(reasons) == 1 ? "" : "s",
	     json_string_value(json_array_get(reasons, 0)) ? json_string_value(json_array_get(reasons, 0)) : "?",
	     100 * p->noise_spread);
}

static int read_device(dlp_profile *p, const json_t *dev, int gpu)
{
	struct device_read d = {.lat = NAN};
	const json_t *r;
	size_t i;
	int dt;

	device_bounds(dev, &d);
	read_stability(p, dev);
	json_array_foreach(json_object_get(dev, "results"), i, r) {
		const dlp_kernel_info *ki = dlp_kernel_find(json_string_value(json_object_get(r, "kernel")));

		if (!ki || !result_ok(r))
			continue;
		if (read_result(p, dev, r, ki, &d))
			return -1;
	}
	if (gpu) {
		p->h2d_gbps = d.h2d;
		if (isfinite(d.lat)) {
			p->op_overhead_s = d.lat;
			dlp_profile_source(p, "op_overhead_s", "measured launch_latency");
		}
		if (d.h2d <= 0)
			dlp_profile_flag(p, "no h2d result: input transfer not modelled");
	} else {
		p->dot_gflops = d.dot;
		p->host_bw_gbps = p->mem_bw_gbps;
	}
	for (dt = 0; dt < DLP_NDTYPE; dt++)
		if (p->peak_gflops[dt] > 0)
			dlp_profile_source(p, dlp_dtype_name(dt), "measured fma_peak");
	return 0;
}

/* The best verified GEMM rate of a device, any dtype: how devices of one
 * document are ranked ("the fastest measured device"). */
static double device_best_gemm(const json_t *dev)
{
	const json_t *r;
	size_t i;
	double best_g = 0;

	json_array_foreach(json_object_get(dev, "results"), i, r) {
		const char *kern = json_string_value(json_object_get(r, "kernel"));
		double g = dlp_json_num(r, DLP_RATE_GFLOPS);
		if (result_ok(r) && kern && strcmp(kern, DLP_KERNEL_GEMM) == 0 && isfinite(g) && g <= MAX_GFLOPS &&
		    g > best_g)
			best_g = g;
	}
	return best_g;
}

/* The devices a document's estimate reads: the host CPU (the cpu backend, or
 * an OpenCL device of type cpu when the document has no cpu backend) drives
 * the classical models; the fastest accelerator (a CUDA device, or an OpenCL
 * device that is not a CPU) drives the deep model. */
struct doc_devices {
	const json_t *cpu, *ocl_cpu, *accel;
	const char *accel_backend;
	double accel_gemm;
	int n_accel;
	const json_t *no_gemm;   /* an accelerator without a verified GEMM (not used) */
};

static void pick_devices(const json_t *backends, struct doc_devices *dd)
{
	const json_t *be, *dev;
	size_t i, j;

	memset(dd, 0, sizeof *dd);
	json_array_foreach(backends, i, be) {
		const char *bn = json_string_value(json_object_get(be, "backend"));
		json_array_foreach(json_object_get(be, "devices"), j, dev) {
			const char *type = json_string_value(json_object_get(dev, "type"));
			int ocl = bn && strcmp(bn, "opencl") == 0;
			double g;

			if (!result_ok(dev) || !bn)
				continue;
			if (strcmp(bn, "cpu") == 0) {
				if (!dd->cpu)
					dd->cpu = dev;
				continue;
			}
			if (ocl && type && strcmp(type, "cpu") == 0) {
				if (!dd->ocl_cpu)
					dd->ocl_cpu = dev;
				continue;
			}
			if (!ocl && strcmp(bn, "cuda") != 0)
				continue;
			g = device_best_gemm(dev);
			if (g <= 0) {
				/* its copies may be fine, but nothing says how fast it computes */
				if (!dd->no_gemm)
					dd->no_gemm = dev;
				continue;
			}
			dd->n_accel++;
			if (!dd->accel || g > dd->accel_gemm) {
				dd->accel = dev;
				dd->accel_backend = bn;
				dd->accel_gemm = g;
			}
		}
	}
	if (!dd->cpu)
		dd->cpu = dd->ocl_cpu;
}

/* Without an fma_peak result for a dtype (GPU and OpenCL documents have
 * none), the best verified GEMM of that dtype is the peak: a measured lower
 * bound, and the rate of every non-GEMM operator's arithmetic. */
static void peaks_from_gemm(dlp_profile *p)
{
	const dlp_rateset *sets[2] = {&p->configured, &p->capability};
	double best_g[DLP_NDTYPE] = {0};
	size_t s, i;
	int dt;

	for (s = 0; s < 2; s++)
		for (i = 0; i < sets[s]->n; i++)
			if (sets[s]->pts[i].gflops > best_g[sets[s]->pts[i].dtype])
				best_g[sets[s]->pts[i].dtype] = sets[s]->pts[i].gflops;
	for (dt = 0; dt < DLP_NDTYPE; dt++)
		if (p->peak_gflops[dt] <= 0 && best_g[dt] > 0) {
			p->peak_gflops[dt] = best_g[dt];
			dlp_profile_source(p, dlp_dtype_name(dt), "best measured GEMM (no fma_peak: a lower bound of the peak)");
		}
}

/* What a bench document did not measure: flags, and the assumed figures
 * that stand in for it. */
static void bench_fallbacks(dlp_profile *p, const json_t *probe)
{
	if (p->configured.n == 0 && p->capability.n > 0)
		dlp_profile_flag(p, "no vendor-library GEMM measured: 'as configured' rates are dlprobe's own kernels");
	if (p->mem_bw_gbps <= 0)
		dlp_profile_flag(p, "no stream_triad result: memory-bound time not modelled (estimate is optimistic)");
	if (p->hist_gups <= 0 && p->hist_gups_1t > 0) {
		p->hist_gups = p->hist_gups_1t * pow(p->cpus, K()->thread_scaling.value);
		dlp_profile_flag(p, "histogram measured on one thread only: %s", K()->thread_scaling.basis);
	}
	if (p->hist_gups <= 0) {
		double ghz = dlp_json_num_at(probe, "cpu", "nominal_mhz", NULL) / 1000;
		if (ghz > 0) {
			p->hist_gups_1t = ghz * K()->hist_per_cycle.value;
			p->hist_gups = p->hist_gups_1t * pow(p->cpus, K()->thread_scaling.value);
			dlp_profile_flag(p, "no histogram result: %s", K()->hist_per_cycle.basis);
		} else {
			dlp_profile_flag(p, "no histogram result and no CPU frequency: GBDT/forest time unknown");
		}
	}
	if (p->dot_gflops <= 0 && p->peak_gflops[DLP_FP32] > 0) {
		p->dot_gflops = p->peak_gflops[DLP_FP32] * K()->dot_fraction.value;
		dlp_profile_flag(p, "no dot result: streaming dot rate taken as half the FMA peak (bandwidth still caps it)");
	}
	if (p->host_bw_gbps <= 0)
		p->host_bw_gbps = p->mem_bw_gbps;
}

/* A memory size from the document: NAN when absent or null (unknown), -1
 * with a message naming the field when it is no size a machine has. */
static int mem_field(const char *label, const json_t *o, const char *key, const char *field, double *out)
{
	const json_t *v = json_object_get(o, key);

	*out = NAN;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return dlp_error_set("%s: %s is not a number", label, field);
	if (!(json_number_value(v) >= 0 && json_number_value(v) <= MAX_MEM_BYTES))
		return dlp_error_set("%s: %s %.6g is out of range (0 to 2^60 bytes)", label, field,
				     json_number_value(v));
	*out = json_number_value(v);
	return 0;
}

/* A device's name for a flag, "?" when the document gives none. */
static const char *dev_name(const json_t *dev)
{
	const char *n = json_string_value(json_object_get(dev, "name"));
	return n ? n : "?";
}

/* The CPU count the probe saw: range-checked before the cast; out of range
 * is flagged and left 0 (profile_defaults() then assumes 1). */
static void read_cpus(dlp_profile *p, const json_t *probe)
{
	const json_t *ec = json_object_get(json_object_get(probe, "resources"), "effective_cpus");
	json_int_t n = json_integer_value(ec);

	p->cpus = json_is_integer(ec) && n >= 1 && n <= MAX_THREADS ? (int)n : 0;
	if (json_is_integer(ec) && !p->cpus)
		dlp_profile_flag(p, "probe.resources.effective_cpus %lld is out of range (1 to %d)", (long long)n,
				 MAX_THREADS);
}

/* The deep model on the accelerator: its rates replace the CPU's, while
 * the CPU's histogram, dot and host-bandwidth figures (the classical
 * models and the input pipeline run on the host) are kept. */
static int read_accelerator(dlp_profile *p, const char *label, const struct doc_devices *dd)
{
	double hist = p->hist_gups, hist1 = p->hist_gups_1t, dot = p->dot_gflops, hbw = p->host_bw_gbps;
	double cpu_noise = p->noise_spread;

	free(p->configured.pts);
	free(p->capability.pts);
	memset(&p->configured, 0, sizeof p->configured);
	memset(&p->capability, 0, sizeof p->capability);
	memset(p->peak_gflops, 0, sizeof p->peak_gflops);
	p->mem_bw_gbps = 0;
	p->is_gpu = 1;
	if (read_device(p, dd->accel, 1))
		return -1;
	p->noise_spread = fmax(p->noise_spread, cpu_noise);
	p->hist_gups = hist;
	p->hist_gups_1t = hist1;
	p->dot_gflops = dot;
	p->host_bw_gbps = hbw;
	if (mem_field(label, dd->accel, "memory_bytes", "the accelerator's memory_bytes", &p->mem_bytes))
		return -1;
	p->interconnect_gbps = p->h2d_gbps;
	peaks_from_gemm(p);
	dlp_profile_flag(p, "deep model on %s device \"%s\" (the fastest of %d measured accelerator%s); several "
			 "devices would exchange gradients over PCIe at the measured h2d rate",
			 dd->accel_backend, dev_name(dd->accel), dd->n_accel, dd->n_accel == 1 ? "" : "s");
	if (p->mem_bw_gbps <= 0)
		dlp_profile_flag(p, "no device memory bandwidth result (d2d or stream_triad)");
	return 0;
}

/* The deep model on the CPU (no accelerator with a verified GEMM): the
 * memory the process may use, the per-operator overhead and the framework
 * probe's "as configured" figures. */
static int read_host(dlp_profile *p, const json_t *doc, const char *label, const struct doc_devices *dd)
{
	const json_t *probe = json_object_get(doc, "probe");
	const json_t *cpu_dev = dd->cpu;

	if (mem_field(label, json_object_get(probe, "memory"), "effective_bytes", "probe.memory.effective_bytes",
		      &p->mem_bytes))
		return -1;
	if (!isfinite(p->mem_bytes) &&
	    mem_field(label, cpu_dev, "memory_bytes", "the CPU device's memory_bytes", &p->mem_bytes))
		return -1;
	p->op_overhead_s = K()->cpu_op_overhead_s.value;
	if (dlp_profile_read_framework(p, json_object_get(json_object_get(doc, "bench"), "framework"), cpu_dev))
		return -1;
	if (!json_object_get(p->sources, "op_overhead_s"))
		dlp_profile_flag(p, "per-operator overhead: %s", K()->cpu_op_overhead_s.basis);
	if (cpu_dev == dd->ocl_cpu) {
		peaks_from_gemm(p);
		dlp_profile_flag(p, "no cpu backend in the document: the CPU is read from its OpenCL device \"%s\"",
				 dev_name(cpu_dev));
	}
	return 0;
}

/* Unknown memory and CPU count, and the efficiency of formats the bench did
 * not measure (the library figure of data/stacks.json on a GPU). */
static void profile_defaults(dlp_profile *p)
{
	int d;

	if (!isfinite(p->mem_bytes) || p->mem_bytes <= 0) {
		p->mem_bytes = 0;
		dlp_profile_flag(p, "device memory unknown: memory fit not checked");
	}
	if (p->cpus <= 0) {
		p->cpus = 1;
		dlp_profile_flag(p, "probe.resources.effective_cpus missing: 1 CPU assumed");
	}
	for (d = 0; d < DLP_NDTYPE; d++)
		p->eff[d] = p->is_gpu ? dlp_stack_gemm_efficiency(NULL, NULL, (enum dlp_dtype)d, NULL)
				      : K()->cpu_efficiency.value;
}

/* The figures of a successful result, each a number above 0 where
 * present. No measurement gives a negative or zero rate or time, or a
 * string: that is a damaged (or hand-edited) document, and read it would
 * drop the result silently and leave the estimate on fallbacks, hours off
 * with no note. A figure too large to be real (a clock's glitch: above
 * MAX_GFLOPS, or a GEMM above its peak) is dropped with a flag instead, as
 * read_device does, and threads out of range read as unknown. */
static const char *const figure_keys[] = {
	DLP_RATE_GFLOPS, DLP_RATE_GBPS, DLP_RATE_GUPDATES, DLP_RATE_GROWS, DLP_RATE_GVALUES, DLP_RATE_GNLOGN,
	DLP_RATE_LATENCY, "min_s", "median_s",
};

/* 0, or -1 naming the first such figure. */
static int check_figures(const json_t *backends, const char *label)
{
	const json_t *be, *dev, *r;
	size_t i, j, k, f;

	json_array_foreach(backends, i, be) {
		json_array_foreach(json_object_get(be, "devices"), j, dev) {
			json_array_foreach(json_object_get(dev, "results"), k, r) {
				const char *kern = json_string_value(json_object_get(r, "kernel"));

				if (!result_ok(r))
					continue;
				for (f = 0; f < sizeof figure_keys / sizeof figure_keys[0]; f++) {
					const json_t *v = json_object_get(r, figure_keys[f]);

					if (!v || json_is_null(v) || (json_is_number(v) && json_number_value(v) > 0))
						continue;
					if (json_is_number(v))
						return dlp_error_set("%s: bench result %zu of device %zu of backend %zu (%s): "
								     "%s %g is not a measured figure (not above 0): a "
								     "damaged document", label, k, j, i,
								     kern ? kern : "no kernel", figure_keys[f],
								     json_number_value(v));
					return dlp_error_set("%s: bench result %zu of device %zu of backend %zu (%s): %s "
							     "is not a number: a damaged document", label, k, j, i,
							     kern ? kern : "no kernel", figure_keys[f]);
				}
			}
		}
	}
	return 0;
}

int dlp_profile_from_bench(const json_t *doc, const char *label, dlp_profile *p)
{
	const json_t *backends = json_object_get(json_object_get(doc, "bench"), "backends");
	const json_t *probe = json_object_get(doc, "probe");
	struct doc_devices dd;
	char name[96];

	if (dlp_json_check_schema(doc))
		return -1;
	if (!json_is_array(backends))
		return dlp_error_set("%s: %s", label, DLP_NOT_BENCH_DOC);
	if (check_figures(backends, label))
		return -1;
	pick_devices(backends, &dd);
	if (!dd.cpu && !dd.accel)
		return dlp_error_set("%s: the bench document has no measured CPU, CUDA or OpenCL device", label);
	snprintf(name, sizeof name, "%s", label);
	if (dlp_profile_init(p, name, "bench"))
		return -1;
	if (dd.no_gemm)
		dlp_profile_flag(p, "accelerator \"%s\" was benched but has no verified GEMM result: %s",
				 dev_name(dd.no_gemm), dd.accel ? "not used" : "the deep model is estimated on the CPU");
	read_cpus(p, probe);
	/* the CPU device first: it drives the classical models either way */
	if (dd.cpu && read_device(p, dd.cpu, 0))
		goto fail;
	if (dd.accel ? read_accelerator(p, label, &dd) : read_host(p, doc, label, &dd))
		goto fail;
	profile_defaults(p);
	if (p->configured.n == 0 && p->capability.n == 0) {
		if (p->peak_gflops[DLP_FP32] <= 0) {
			dlp_profile_free(p);
			return dlp_error_set("%s: no GEMM and no fma_peak result to estimate from", label);
		}
		dlp_profile_flag(p, "no GEMM result: rates are the measured FMA peak x catalog efficiency");
	}
	bench_fallbacks(p, probe);
	/* last: the reference step is modelled on the figures read above */
	if (!p->is_gpu && dlp_profile_fw_reference(p))
		goto fail;
	dlp_profile_fw_conv(p);
	return 0;
fail:
	dlp_profile_free(p);
	return -1;
}
