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
#include "estimator/profile_impl.h"
#include "estimator/stack.h"

void dlp_profile_flag(dlp_profile *p, const char *fmt, ...)
{
	va_list ap;

	/* as long as the note is: a fixed buffer cut notes mid-sentence */
	va_start(ap, fmt);
	json_array_append_new(p->flags, json_vsprintf(fmt, ap));
	va_end(ap);
}

void dlp_profile_source(dlp_profile *p, const char *key, const char *src)
{
	json_object_set_new(p->sources, key, json_string(src ? src : "unknown"));
}

/* The modelling constants (estimator/constants.h). dlp_profile_init() fails when
 * they cannot be loaded, so every function after it may use K() unchecked. */
static const struct dlp_constants *K(void)
{
	return dlp_constants();
}

int dlp_profile_init(dlp_profile *p, const char *name, const char *kind)
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
	free(p->convs);
	json_decref(p->flags);
	json_decref(p->sources);
	memset(p, 0, sizeof *p);
}

int dlp_rates_add(dlp_rateset *rs, enum dlp_dtype dt, double m, double n, double k, double g)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		dlp_gemm_point *np = realloc(rs->pts, cap * sizeof *np);
		if (!np)
			return dlp_error_set("out of memory");
		rs->pts = np;
		rs->cap = cap;
	}
	rs->pts[rs->n++] = (dlp_gemm_point){dt, m, n, k, g, 0};
	return 0;
}

int dlp_profile_add_shape(dlp_rateset *rs, enum dlp_dtype dt, double m, double n, double k, double gflops)
{
	if (dlp_rates_add(rs, dt, m, n, k, gflops))
		return -1;
	rs->pts[rs->n - 1].exact = 1;
	return 0;
}

/* The best measured rate at exactly this shape, 0 when none. */
static double exact_rate(const dlp_rateset *rs, enum dlp_dtype dt, double m, double n, double k)
{
	size_t i;
	double r = 0;

	for (i = 0; rs && i < rs->n; i++)
		if (rs->pts[i].exact && rs->pts[i].dtype == dt && rs->pts[i].m == m && rs->pts[i].n == n &&
		    rs->pts[i].k == k && rs->pts[i].gflops > r)
			r = rs->pts[i].gflops;
	return r;
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
	dlp_profile_source(p, "cpu", json_string_value(json_object_get(cpu, "source")));
	p->cpus = (int)vcpus;
	p->hist_gups_1t = ghz * K()->hist_per_cycle.value;
	p->hist_gups = p->hist_gups_1t * pow(cores, K()->thread_scaling.value);
	dlp_profile_flag(p, "histogram rate for classical models: %s", K()->hist_per_cycle.basis);
	p->dot_gflops = *peak * K()->dot_fraction.value;
	p->host_bw_gbps = *bw;
	dlp_profile_flag(p, "host CPU peak and bandwidth derived from datasheet figures (cores x GHz x FLOP/cycle; "
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
	if (dlp_profile_init(p, instance, "catalog"))
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
				dlp_profile_source(p, key, eb);
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
		dlp_profile_flag(p, "per-operator overhead: %s", K()->gpu_launch_overhead_s.basis);
		dlp_profile_source(p, "gpu", json_string_value(json_object_get(gpu, "source")));
		dlp_profile_flag(p, "GPU rates are datasheet peaks x the library efficiency per format (data/stacks.json), "
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
		dlp_profile_flag(p, "per-operator overhead: %s", K()->cpu_op_overhead_s.basis);
		dlp_profile_source(p, "cpu_efficiency", eff->basis);
	}
	return 0;
}

/* ---- GEMM rate at a shape -------------------------------------------------- */

/* Where a shape sits on the two axes a GEMM's rate varies along: the log of
 * its geometric-mean size (how much work there is to block and spread over
 * threads) and its aspect, the log of that size over its smallest dimension
 * (0 for a square; large for a product that streams one big operand past a
 * thin one, as 4096x16x4096 does). Size alone put a CIFAR convolution
 * (8192x64x576: size 671, aspect 2.35) next to 4096x16x4096 (size 645,
 * aspect 3.70), the point a busy core moves most, instead of next to
 * 1760x64x1760 (583, 2.21). Aspect rather than the smallest dimension
 * itself: a set of square shapes only (aspect 0) then says nothing about
 * thinness, and a thin shape takes the rate of the squares of its size, not
 * that of the small squares. */
struct shape_pos {
	double size, aspect;
};

static struct shape_pos shape_pos(double m, double n, double k)
{
	double size;

	m = fmax(m, 1);
	n = fmax(n, 1);
	k = fmax(k, 1);
	size = log(cbrt(m * n * k));
	return (struct shape_pos){size, size - log(fmin(m, fmin(n, k)))};
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Two shapes closer than this (in log units: 0.1%) are the same point. */
#define SAME_POINT 1e-3
/* How many of the nearest points a rate comes from: three span a triangle
 * on the two axes. */
#define INTERP_NEAR 3

/* A point interpolation may use: of the dtype, measured, not a workload's
 * own exact shape. */
static int interp_point(const dlp_gemm_point *pt, enum dlp_dtype dt)
{
	return pt->dtype == dt && !pt->exact && pt->gflops > 0;
}

static double pos_dist(struct shape_pos a, struct shape_pos b)
{
	return hypot(a.size - b.size, a.aspect - b.aspect);
}

/* The box the usable points span; how many there are. */
static size_t interp_box(const dlp_rateset *rs, enum dlp_dtype dt, struct shape_pos *lo, struct shape_pos *hi)
{
	size_t i, used = 0;

	*lo = (struct shape_pos){INFINITY, INFINITY};
	*hi = (struct shape_pos){-INFINITY, -INFINITY};
	for (i = 0; i < rs->n; i++) {
		struct shape_pos s;

		if (!interp_point(&rs->pts[i], dt))
			continue;
		s = shape_pos(rs->pts[i].m, rs->pts[i].n, rs->pts[i].k);
		*lo = (struct shape_pos){fmin(lo->size, s.size), fmin(lo->aspect, s.aspect)};
		*hi = (struct shape_pos){fmax(hi->size, s.size), fmax(hi->aspect, s.aspect)};
		used++;
	}
	return used;
}

/* The distance of the (INTERP_NEAR+1)-th nearest usable point to q (of the
 * farthest, when there are fewer), where the weights reach zero. */
static double interp_radius(const dlp_rateset *rs, enum dlp_dtype dt, struct shape_pos q)
{
	double nd[INTERP_NEAR + 1];
	size_t i, j, nn = 0;

	for (i = 0; i < rs->n; i++) {
		double d;

		if (!interp_point(&rs->pts[i], dt))
			continue;
		d = pos_dist(q, shape_pos(rs->pts[i].m, rs->pts[i].n, rs->pts[i].k));
		/* insertion into the sorted nearest few */
		for (j = nn < INTERP_NEAR + 1 ? nn++ : INTERP_NEAR + 1; j > 0 && nd[j - 1] > d; j--)
			if (j < INTERP_NEAR + 1)
				nd[j] = nd[j - 1];
		if (j < INTERP_NEAR + 1)
			nd[j] = d;
	}
	return nn ? nd[nn - 1] : 0;
}

/* The rate at a shape from the measured (not exact-shape) points of the
 * dtype, on the two axes: the shape is first clamped into the box the
 * points span, so a shape beyond the measured sizes or aspects takes the
 * rates at the edge (no extrapolation); then the log-rates of its nearest
 * INTERP_NEAR points are averaged with Franke and Little's weights
 * ((R - d) / (R d))^2, R the next point's distance: the nearest points
 * decide, a weight falls to zero as its point stops being among the nearest
 * (no jump), and the result lies between the slowest and the fastest point.
 * A point at the very place wins (the fastest of several: the same shape at
 * two thread counts). */
static double interp(const dlp_rateset *rs, enum dlp_dtype dt, double m, double n, double k)
{
	struct shape_pos q = shape_pos(m, n, k), lo, hi;
	double wsum = 0, lsum = 0, same = 0, nearest = INFINITY, nearest_r = 0, R;
	size_t i;

	if (!interp_box(rs, dt, &lo, &hi))
		return 0;
	q = (struct shape_pos){clampd(q.size, lo.size, hi.size), clampd(q.aspect, lo.aspect, hi.aspect)};
	R = interp_radius(rs, dt, q);
	for (i = 0; i < rs->n; i++) {
		const dlp_gemm_point *pt = &rs->pts[i];
		double d, w;

		if (!interp_point(pt, dt))
			continue;
		d = pos_dist(q, shape_pos(pt->m, pt->n, pt->k));
		if (d < SAME_POINT)
			same = fmax(same, pt->gflops);
		if (d < nearest || (d == nearest && pt->gflops > nearest_r)) {
			nearest = d;
			nearest_r = pt->gflops;
		}
		if (d < SAME_POINT || d >= R)
			continue;
		w = (R - d) / (R * d);
		wsum += w * w;
		lsum += w * w * log(pt->gflops);
	}
	if (same > 0)
		return same;
	/* one point, or all at the same distance: the nearest */
	return wsum > 0 ? exp(lsum / wsum) : nearest_r;
}

double dlp_profile_gemm_gflops(const dlp_profile *p, const dlp_rateset *rs, enum dlp_dtype dt,
			       double m, double n, double k, int *measured)
{
	double r = 0, ai, cap;
	enum dlp_dtype use = dt;

	if (measured)
		*measured = 0;
	if (rs && rs->n) {
		r = exact_rate(rs, dt, m, n, k);
		if (rs == &p->capability)
			r = fmax(r, exact_rate(&p->configured, dt, m, n, k));
		if (r > 0) {
			/* measured at this very shape: only the roofline below applies */
			if (measured)
				*measured = 1;
			goto roofline;
		}
		r = interp(rs, dt, m, n, k);
		/* capability is the best verified implementation at each shape:
		 * where the vendor library beats dlprobe's kernels, it is the
		 * vendor's rate */
		if (rs == &p->capability)
			r = fmax(r, interp(&p->configured, dt, m, n, k));
		/* a CPU's vendor library not timed in this dtype (a BLAS has
		 * no bf16 GEMM; frameworks run bf16 through their own
		 * kernels): dlprobe's measured kernel stands in, not the FMA
		 * peak x efficiency, which put "as configured" above the
		 * measured capability and moved 2x with a busy core */
		if (r <= 0 && rs == &p->configured && !p->is_gpu)
			r = interp(&p->capability, dt, m, n, k);
		if (r <= 0 && p->peak_gflops[dt] <= 0 && dt != DLP_FP32) {
			/* no such dtype here: frameworks run it as fp32 */
			r = interp(rs, DLP_FP32, m, n, k);
			if (rs == &p->capability)
				r = fmax(r, interp(&p->configured, DLP_FP32, m, n, k));
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
roofline:
	/* roofline: each operand read once, the result written once */
	if (p->mem_bw_gbps > 0) {
		ai = 2 * m * n * k / ((double)dlp_dtype_size(use) * (m * k + k * n + m * n));
		cap = ai * p->mem_bw_gbps;
		if (cap < r)
			r = cap;
	}
	return r;
}
