/* Hardware profiles: the rates the time model needs, read from a bench
 * document (measured) or a catalog instance (datasheet x efficiency). Every
 * figure that is not measured leaves a flag saying where it came from. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "dlprobe/json.h"
#include "estimator/constants.h"
#include "estimator/estimator.h"
#include "estimator/stack.h"

static void flag(dlp_profile *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void flag(dlp_profile *p, const char *fmt, ...)
{
	va_list ap;

	/* as long as the note is: a fixed buffer cut notes mid-sentence */
	va_start(ap, fmt);
	json_array_append_new(p->flags, json_vsprintf(fmt, ap));
	va_end(ap);
}

static void source(dlp_profile *p, const char *key, const char *src)
{
	json_object_set_new(p->sources, key, json_string(src ? src : "unknown"));
}

/* The modelling constants (estimator/constants.h). profile_init() fails when
 * they cannot be loaded, so every function after it may use K() unchecked. */
static const struct dlp_constants *K(void)
{
	return dlp_constants();
}

static int profile_init(dlp_profile *p, const char *name, const char *kind)
{
	int rc = -1;

	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->kind, sizeof p->kind, "%s", kind);
	p->flags = json_array();
	p->sources = json_object();
	p->devices = 1;
	if (!p->flags || !p->sources) {
		dlp_error_set("out of memory");
		goto out;
	}
	if (!K())
		goto out; /* its message names the missing constant */
	p->cart_sort_cost = K()->cart_sort_cost.value;
	p->loss_eval_cost = K()->loss_eval_cost.value;
	p->pool_cost = K()->pool_cost.value;
	rc = 0;
out:
	if (rc)
		dlp_profile_free(p);
	return rc;
}

void dlp_profile_free(dlp_profile *p)
{
	if (!p)
		return;
	free(p->configured.pts);
	free(p->capability.pts);
	json_decref(p->flags);
	json_decref(p->sources);
	memset(p, 0, sizeof *p);
}

static int rates_add(dlp_rateset *rs, enum dlp_dtype dt, double m, double n, double k, double g)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		dlp_gemm_point *np = realloc(rs->pts, cap * sizeof *np);
		if (!np)
			return dlp_error_set("out of memory");
		rs->pts = np;
		rs->cap = cap;
	}
	rs->pts[rs->n++] = (dlp_gemm_point){dt, m, n, k, g};
	return 0;
}

/* ---- the catalog -------------------------------------------------------- */

static json_t *catalog_doc;
static pthread_once_t catalog_once = PTHREAD_ONCE_INIT;

static void catalog_load(void)
{
	size_t len;
	const char *text = dlp_embedded_get("instances.json", &len);
	json_error_t err;

	if (text)
		catalog_doc = json_loadb(text, len, 0, &err);
}

const json_t *dlp_catalog(void)
{
	pthread_once(&catalog_once, catalog_load);
	return catalog_doc;
}

json_t *dlp_catalog_writable(void)
{
	pthread_once(&catalog_once, catalog_load);
	return catalog_doc;
}

const char *dlp_catalog_default(const char *list, size_t i)
{
	return json_string_value(json_array_get(json_object_get(json_object_get(dlp_catalog(), "defaults"), list), i));
}


/* Host CPU figures of an instance: cores from vCPUs (cores_per_vcpu), the
 * streaming dot rate from the FMA peak (dot_fraction). */
static void catalog_cpu(dlp_profile *p, const json_t *inst, double *peak, double *bw, double *bf16)
{
	const json_t *cpu = json_object_get(json_object_get(dlp_catalog(), "cpu_models"),
					    json_string_value(json_object_get(inst, "cpu")));
	double vcpus = json_number_value(json_object_get(inst, "vcpus"));
	double cores = vcpus * K()->cores_per_vcpu.value, ghz = json_number_value(json_object_get(cpu, "ghz"));
	double per_socket = json_number_value(json_object_get(cpu, "vcpus_per_socket"));
	double sockets_bw = json_number_value(json_object_get(cpu, "socket_bw_gbps"));

	*peak = cores * ghz * json_number_value(json_object_get(cpu, "fp32_flops_per_cycle"));
	*bf16 = cores * ghz * json_number_value(json_object_get(cpu, "bf16_flops_per_cycle"));
	/* an instance gets its vCPU share of the socket's memory channels */
	*bw = per_socket > 0 ? sockets_bw * fmin(1.0, vcpus / per_socket) : 0;
	if (vcpus > per_socket && per_socket > 0)
		*bw = sockets_bw * ceil(vcpus / per_socket);
	source(p, "cpu", json_string_value(json_object_get(cpu, "source")));
	p->cpus = (int)vcpus;
	p->hist_gups_1t = ghz * K()->hist_per_cycle.value;
	p->hist_gups = p->hist_gups_1t * pow(cores, K()->thread_scaling.value);
	flag(p, "histogram rate for classical models: %s", K()->hist_per_cycle.basis);
	p->dot_gflops = *peak * K()->dot_fraction.value;
	p->host_bw_gbps = *bw;
	flag(p, "host CPU peak and bandwidth derived from datasheet figures (cores x GHz x FLOP/cycle; "
		"vCPU share of the socket's memory bandwidth), not measured");
}

int dlp_profile_from_catalog(const char *instance, dlp_profile *p)
{
	const json_t *cat = dlp_catalog(), *inst = NULL, *it, *gpu;
	size_t i;
	double cpu_peak, cpu_bw, cpu_bf16;

	if (!cat)
		return dlp_error_set("the instance catalog is not compiled in");
	json_array_foreach(json_object_get(cat, "instances"), i, it)
		if (strcmp(json_string_value(json_object_get(it, "name")), instance) == 0)
			inst = it;
	if (!inst)
		return dlp_error_set("unknown instance \"%s\" (see `dlprobe list instances`)", instance);
	if (profile_init(p, instance, "catalog"))
		return -1;
	catalog_cpu(p, inst, &cpu_peak, &cpu_bw, &cpu_bf16);
	p->price_per_h = json_number_value(json_object_get(inst, "price_usd_per_h"));
	p->network_gbps = json_number_value(json_object_get(inst, "network_gbps"));
	snprintf(p->price_date, sizeof p->price_date, "%s",
		 json_is_string(json_object_get(inst, "price_date")) ? json_string_value(json_object_get(inst, "price_date"))
								     : "");
	snprintf(p->price_source, sizeof p->price_source, "%s",
		 json_is_string(json_object_get(inst, "price_source"))
			 ? json_string_value(json_object_get(inst, "price_source"))
			 : "");
	gpu = json_object_get(json_object_get(cat, "gpu_models"), json_string_value(json_object_get(inst, "gpu")));
	if (gpu) {
		const json_t *pk = json_object_get(gpu, "peak_tflops");
		int d;

		p->is_gpu = 1;
		p->devices = (int)json_integer_value(json_object_get(inst, "gpus"));
		snprintf(p->gpu_key, sizeof p->gpu_key, "%s", json_string_value(json_object_get(inst, "gpu")));
		snprintf(p->arch, sizeof p->arch, "%s",
			 json_is_string(json_object_get(gpu, "arch")) ? json_string_value(json_object_get(gpu, "arch")) : "");
		for (d = 0; d < DLP_NDTYPE; d++) {
			const char *eb = NULL;

			p->peak_gflops[d] = 1e3 * json_number_value(json_object_get(pk, dlp_dtype_name(d)));
			/* the library's efficiency for this GPU and format (data/stacks.json) */
			p->eff[d] = dlp_stack_gemm_efficiency(p->gpu_key, p->arch, (enum dlp_dtype)d, &eb);
			if (p->eff[d] <= 0)
				return dlp_error_set("%s", dlp_error_message());
			if (p->peak_gflops[d] > 0 && eb) {
				char key[32];
				snprintf(key, sizeof key, "gemm_efficiency_%s", dlp_dtype_name(d));
				source(p, key, eb);
			}
		}
		p->mem_bytes = json_number_value(json_object_get(gpu, "memory_bytes"));
		p->mem_bw_gbps = json_number_value(json_object_get(gpu, "mem_bw_gbps"));
		p->h2d_gbps = json_number_value(json_object_get(gpu, "pcie_gbps"));
		p->interconnect_gbps = json_number_value(json_object_get(gpu, "nvlink_gbps"));
		if (p->interconnect_gbps <= 0)
			p->interconnect_gbps = p->h2d_gbps; /* no NVLink: gradients cross PCIe */
		p->power_w = p->devices * json_number_value(json_object_get(gpu, "power_w"));
		p->op_overhead_s = K()->gpu_launch_overhead_s.value;
		flag(p, "per-operator overhead: %s", K()->gpu_launch_overhead_s.basis);
		source(p, "gpu", json_string_value(json_object_get(gpu, "source")));
		flag(p, "GPU rates are datasheet peaks x the library efficiency per format (data/stacks.json), "
			"not measured here");
	} else {
		const dlp_constant *eff = &K()->cpu_efficiency;

		p->peak_gflops[DLP_FP32] = cpu_peak;
		p->peak_gflops[DLP_FP64] = cpu_peak * K()->fp64_fraction.value;
		p->peak_gflops[DLP_BF16] = cpu_bf16;
		p->eff[DLP_FP32] = p->eff[DLP_FP64] = p->eff[DLP_BF16] = eff->value;
		p->mem_bytes = json_number_value(json_object_get(inst, "memory_gib")) * 1073741824.0;
		p->mem_bw_gbps = cpu_bw;
		p->op_overhead_s = K()->cpu_op_overhead_s.value;
		flag(p, "per-operator overhead: %s", K()->cpu_op_overhead_s.basis);
		source(p, "cpu_efficiency", eff->basis);
	}
	return 0;
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
 * the same dtype measured at the same thread count; PEAK_MARGIN allows for a
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

/* Keep, per kernel, the figure at the largest thread count measured. */
static void best(double *val, int *at_threads, double v, int threads)
{
	if (!isfinite(v) || v <= 0)
		return;
	if (threads > *at_threads || (threads == *at_threads && v > *val)) {
		*val = v;
		*at_threads = threads;
	}
}

/* What one device's results add up to while they are read. */
struct device_read {
	int max_threads;                 /* the thread count of the whole-device GEMMs */
	double gemm_peak[DLP_NDTYPE];    /* fma_peak at that count: the bound on GEMMs */
	int th_peak[DLP_NDTYPE], th_bw, th_hist, th_dot, th_h2d;
	double dot, h2d, lat;
};

/* GEMM points at the thread count that used the whole device, and the FMA
 * peak (best ISA) per dtype at that thread count that bounds them. */
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
		double v = dlp_json_num(r, DLP_RATE_GFLOPS);

		if (result_ok(r) && kern && strcmp(kern, DLP_KERNEL_FMA_PEAK) == 0 && dt >= 0 && dt != DLP_BF16 &&
		    threads_of(r) == d->max_threads && isfinite(v) && v > 0 && v <= MAX_GFLOPS && v > d->gemm_peak[dt])
			d->gemm_peak[dt] = v;
	}
}

static int read_gemm(dlp_profile *p, const json_t *r, const struct device_read *d, int dt, int th)
{
	const char *impl = json_string_value(json_object_get(r, "impl"));
	dlp_rateset *rs = impl && strcmp(impl, "dlprobe") == 0 ? &p->capability : &p->configured;
	double g = dlp_json_num(r, DLP_RATE_GFLOPS);

	if (dt < 0 || th != d->max_threads || !isfinite(g))
		return 0;
	if (g > MAX_GFLOPS || (d->gemm_peak[dt] > 0 && g > PEAK_MARGIN * d->gemm_peak[dt])) {
		flag(p, "dropped %s %s gemm %.0fx%.0fx%.0f at %d threads: %.3g GFLOP/s is above %s %.3g "
		     "GFLOP/s", impl ? impl : "?", dlp_dtype_name(dt), dlp_json_num(r, "m"), dlp_json_num(r, "n"),
		     dlp_json_num(r, "k"),
		     th, g, g > MAX_GFLOPS ? "the plausibility ceiling of" : "1.5x the measured fma_peak of",
		     g > MAX_GFLOPS ? MAX_GFLOPS : d->gemm_peak[dt]);
		return 0;
	}
	return rates_add(rs, (enum dlp_dtype)dt, dlp_json_num(r, "m"), dlp_json_num(r, "n"), dlp_json_num(r, "k"), g);
}

/* One ok result into the profile field its kernel feeds (the table in
 * include/dlprobe/bench.h says which, and which result counts). */
static int read_result(dlp_profile *p, const json_t *r, const dlp_kernel_info *ki, struct device_read *d)
{
	int dt = dlp_dtype_parse(json_string_value(json_object_get(r, "dtype")));
	int th = threads_of(r);
	double v = dlp_json_num(r, ki->rate_key);

	switch (ki->field) {
	case DLP_FIELD_GEMM_RATES:
		return read_gemm(p, r, d, dt, th);
	case DLP_FIELD_PEAK:
		if (dt < 0)
			break;
		if (v > MAX_GFLOPS)
			flag(p, "dropped %s fma_peak at %d threads: %.3g GFLOP/s is above the plausibility ceiling",
			     dlp_dtype_name(dt), th, v);
		else
			best(&p->peak_gflops[dt], &d->th_peak[dt], v, th);
		break;
	case DLP_FIELD_MEM_BW:
		if (v > MAX_GBPS)
			flag(p, "dropped stream_triad at %d threads: %.3g GB/s is above the plausibility ceiling", th, v);
		else
			best(&p->mem_bw_gbps, &d->th_bw, v, th);
		break;
	case DLP_FIELD_HISTOGRAM:
		if (th <= 1 && isfinite(v) && v > p->hist_gups_1t)
			p->hist_gups_1t = v;
		best(&p->hist_gups, &d->th_hist, v, th);
		break;
	case DLP_FIELD_DOT:
		if (!isfinite(v))
			v = dlp_json_num(r, DLP_RATE_GBPS) / 4; /* fp32: 2 FLOPs per 8 bytes read */
		best(&d->dot, &d->th_dot, v, th);
		break;
	case DLP_FIELD_H2D: {
		/* pinned transfers are what data loaders use for the device */
		const char *variant = json_string_value(json_object_get(r, "variant"));
		int pinned = variant && strcmp(variant, "pinned") == 0;
		if (v > MAX_GBPS)
			flag(p, "dropped h2d: %.3g GB/s is above the plausibility ceiling", v);
		else
			best(&d->h2d, &d->th_h2d, v, pinned ? 2 : 1);
		break;
	}
	case DLP_FIELD_OP_OVERHEAD:
		/* a launch takes more than nothing and less than a second */
		if (v > 0 && v < 1 && (!isfinite(d->lat) || v < d->lat))
			d->lat = v;
		break;
	case DLP_FIELD_NONE:
		break;
	}
	return 0;
}

static int read_device(dlp_profile *p, const json_t *dev, int gpu)
{
	struct device_read d = {.lat = NAN};
	const json_t *r;
	size_t i;
	int dt;

	device_bounds(dev, &d);
	json_array_foreach(json_object_get(dev, "results"), i, r) {
		const dlp_kernel_info *ki = dlp_kernel_find(json_string_value(json_object_get(r, "kernel")));

		if (!ki || !result_ok(r))
			continue;
		if (read_result(p, r, ki, &d))
			return -1;
	}
	if (gpu) {
		p->h2d_gbps = d.h2d;
		if (isfinite(d.lat)) {
			p->op_overhead_s = d.lat;
			source(p, "op_overhead_s", "measured launch_latency");
		}
		if (d.h2d <= 0)
			flag(p, "no h2d result: input transfer not modelled");
	} else {
		p->dot_gflops = d.dot;
		p->host_bw_gbps = p->mem_bw_gbps;
	}
	for (dt = 0; dt < DLP_NDTYPE; dt++)
		if (p->peak_gflops[dt] > 0)
			source(p, dlp_dtype_name(dt), "measured fma_peak");
	return 0;
}

/* What a bench document did not measure: flags, and the assumed figures
 * that stand in for it. */
static void bench_fallbacks(dlp_profile *p, const json_t *probe)
{
	if (p->configured.n == 0 && p->capability.n > 0)
		flag(p, "no vendor-library GEMM measured: 'as configured' rates are dlprobe's own kernels");
	if (p->mem_bw_gbps <= 0)
		flag(p, "no stream_triad result: memory-bound time not modelled (estimate is optimistic)");
	if (p->hist_gups <= 0 && p->hist_gups_1t > 0) {
		p->hist_gups = p->hist_gups_1t * pow(p->cpus, K()->thread_scaling.value);
		flag(p, "histogram measured on one thread only: %s", K()->thread_scaling.basis);
	}
	if (p->hist_gups <= 0) {
		double ghz = dlp_json_num_at(probe, "cpu", "nominal_mhz", NULL) / 1000;
		if (ghz > 0) {
			p->hist_gups_1t = ghz * K()->hist_per_cycle.value;
			p->hist_gups = p->hist_gups_1t * pow(p->cpus, K()->thread_scaling.value);
			flag(p, "no histogram result: %s", K()->hist_per_cycle.basis);
		} else {
			flag(p, "no histogram result and no CPU frequency: GBDT/forest time unknown");
		}
	}
	if (p->dot_gflops <= 0 && p->peak_gflops[DLP_FP32] > 0) {
		p->dot_gflops = p->peak_gflops[DLP_FP32] * K()->dot_fraction.value;
		flag(p, "no dot result: streaming dot rate taken as half the FMA peak (bandwidth still caps it)");
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

int dlp_profile_from_bench(const json_t *doc, const char *label, dlp_profile *p)
{
	const json_t *backends = json_object_get(json_object_get(doc, "bench"), "backends");
	const json_t *probe = json_object_get(doc, "probe"), *be, *dev, *cpu_dev = NULL, *gpu_dev = NULL;
	size_t i, j;
	int d;
	char name[96];

	if (dlp_json_check_schema(doc))
		return -1;
	if (!json_is_array(backends))
		return dlp_error_set("%s: not a bench document (no bench.backends)", label);
	json_array_foreach(backends, i, be) {
		const char *bn = json_string_value(json_object_get(be, "backend"));
		json_array_foreach(json_object_get(be, "devices"), j, dev) {
			if (!result_ok(dev) || !bn)
				continue;
			if (strcmp(bn, "cpu") == 0 && !cpu_dev)
				cpu_dev = dev;
			else if (strcmp(bn, "cuda") == 0 && !gpu_dev)
				gpu_dev = dev;
		}
	}
	if (!cpu_dev && !gpu_dev)
		return dlp_error_set("%s: the bench document has no measured CPU or CUDA device", label);
	snprintf(name, sizeof name, "%s", label);
	if (profile_init(p, name, "bench"))
		return -1;
	{
		const json_t *ec = json_object_get(json_object_get(probe, "resources"), "effective_cpus");
		json_int_t n = json_integer_value(ec);

		/* range-checked before the cast; out of range is flagged, then 1 */
		p->cpus = json_is_integer(ec) && n >= 1 && n <= MAX_THREADS ? (int)n : 0;
		if (json_is_integer(ec) && !p->cpus)
			flag(p, "probe.resources.effective_cpus %lld is out of range (1 to %d)", (long long)n,
			     MAX_THREADS);
	}
	/* the CPU device first: it drives the classical models either way */
	if (cpu_dev && read_device(p, cpu_dev, 0))
		goto fail;
	if (gpu_dev) {
		double hist = p->hist_gups, hist1 = p->hist_gups_1t, dot = p->dot_gflops, hbw = p->host_bw_gbps;
		free(p->configured.pts);
		free(p->capability.pts);
		memset(&p->configured, 0, sizeof p->configured);
		memset(&p->capability, 0, sizeof p->capability);
		memset(p->peak_gflops, 0, sizeof p->peak_gflops);
		p->mem_bw_gbps = 0;
		p->is_gpu = 1;
		if (read_device(p, gpu_dev, 1))
			goto fail;
		p->hist_gups = hist;
		p->hist_gups_1t = hist1;
		p->dot_gflops = dot;
		p->host_bw_gbps = hbw;
		if (mem_field(label, gpu_dev, "memory_bytes", "the CUDA device's memory_bytes", &p->mem_bytes))
			goto fail;
		p->interconnect_gbps = p->h2d_gbps;
		flag(p, "one CUDA device measured; several devices would exchange gradients over PCIe "
			"at the measured h2d rate");
	} else {
		const json_t *mem = json_object_get(probe, "memory");
		if (mem_field(label, mem, "effective_bytes", "probe.memory.effective_bytes", &p->mem_bytes))
			goto fail;
		if (!isfinite(p->mem_bytes) &&
		    mem_field(label, cpu_dev, "memory_bytes", "the CPU device's memory_bytes", &p->mem_bytes))
			goto fail;
		p->op_overhead_s = K()->cpu_op_overhead_s.value;
		flag(p, "per-operator overhead: %s", K()->cpu_op_overhead_s.basis);
	}
	if (!isfinite(p->mem_bytes) || p->mem_bytes <= 0) {
		p->mem_bytes = 0;
		flag(p, "device memory unknown: memory fit not checked");
	}
	if (p->cpus <= 0) {
		p->cpus = 1;
		flag(p, "probe.resources.effective_cpus missing: 1 CPU assumed");
	}
	/* a format the bench did not measure: the library figure of data/stacks.json */
	for (d = 0; d < DLP_NDTYPE; d++)
		p->eff[d] = p->is_gpu ? dlp_stack_gemm_efficiency(NULL, NULL, (enum dlp_dtype)d, NULL)
				      : K()->cpu_efficiency.value;
	if (p->configured.n == 0 && p->capability.n == 0) {
		if (p->peak_gflops[DLP_FP32] <= 0) {
			dlp_profile_free(p);
			return dlp_error_set("%s: no GEMM and no fma_peak result to estimate from", label);
		}
		flag(p, "no GEMM result: rates are the measured FMA peak x catalog efficiency");
	}
	bench_fallbacks(p, probe);
	return 0;
fail:
	dlp_profile_free(p);
	return -1;
}
/* ---- GEMM rate at a shape -------------------------------------------------- */

static double shape_key(double m, double n, double k)
{
	return log(cbrt(fmax(m, 1) * fmax(n, 1) * fmax(k, 1)));
}

/* Interpolate linearly in log(geometric-mean size) between measured points of
 * the dtype; clamp outside the measured range (no extrapolation). */
static double interp(const dlp_rateset *rs, enum dlp_dtype dt, double key)
{
	double lo_k = -INFINITY, lo_r = 0, hi_k = INFINITY, hi_r = 0;
	size_t i;

	for (i = 0; i < rs->n; i++) {
		double kk = shape_key(rs->pts[i].m, rs->pts[i].n, rs->pts[i].k);
		if (rs->pts[i].dtype != dt)
			continue;
		if (kk <= key && (kk > lo_k || (kk == lo_k && rs->pts[i].gflops > lo_r))) {
			lo_k = kk;
			lo_r = rs->pts[i].gflops;
		}
		if (kk >= key && (kk < hi_k || (kk == hi_k && rs->pts[i].gflops > hi_r))) {
			hi_k = kk;
			hi_r = rs->pts[i].gflops;
		}
	}
	if (!isfinite(lo_k) && !isfinite(hi_k))
		return 0;
	if (!isfinite(lo_k))
		return hi_r;
	if (!isfinite(hi_k) || hi_k == lo_k)
		return lo_r;
	return lo_r + (hi_r - lo_r) * (key - lo_k) / (hi_k - lo_k);
}

double dlp_profile_gemm_gflops(const dlp_profile *p, const dlp_rateset *rs, enum dlp_dtype dt,
			       double m, double n, double k, int *measured)
{
	double r = 0, ai, cap;
	enum dlp_dtype use = dt;

	if (measured)
		*measured = 0;
	if (rs && rs->n) {
		r = interp(rs, dt, shape_key(m, n, k));
		if (r <= 0 && p->peak_gflops[dt] <= 0 && dt != DLP_FP32) {
			/* no such dtype here: frameworks run it as fp32 */
			r = interp(rs, DLP_FP32, shape_key(m, n, k));
			use = DLP_FP32;
		}
		if (r > 0 && measured)
			*measured = 1;
	}
	if (r <= 0) {
		if (p->peak_gflops[dt] <= 0)
			use = DLP_FP32;
		r = p->peak_gflops[use] * (p->eff[use] > 0 ? p->eff[use] : 1);
	}
	/* roofline: each operand read once, the result written once */
	if (p->mem_bw_gbps > 0) {
		ai = 2 * m * n * k / ((double)dlp_dtype_size(use) * (m * k + k * n + m * n));
		cap = ai * p->mem_bw_gbps;
		if (cap < r)
			r = cap;
	}
	return r;
}
