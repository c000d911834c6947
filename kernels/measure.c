/* Timing a model's own GEMM shapes and operator sizes (kernels/measure.h).
 *
 * Each GEMM runs with the system BLAS (what frameworks call on a CPU) and
 * dlprobe's packed kernel (the hardware's capability), each verified on
 * sampled entries of C against a double-precision dot product before its
 * time counts. The largest dimension is halved until one call does at most
 * CALL_GFLOP (a ResNet's full-batch convolution would otherwise take
 * seconds per call): the rate is flat past a few hundred rows, but not at
 * 256 cubed, where a cut at 0.05 GFLOP had left a 512 x 1024 x 1024 layer
 * at 0.8x its own rate.
 * Elementwise operators (activation, add, normalisation, pooling) are timed
 * as the streaming loops they are, on every thread, at the layer's size.
 * A rate is the fastest call's: see time_gemm(). */
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/bench.h"
#include "dlprobe/json.h"
#include "kernels/cpu/cpu.h"
#include "kernels/framework.h"
#include "kernels/harness.h"
#include "kernels/measure.h"

#define CALL_GFLOP 1.0           /* one GEMM call at most this much work */
#define ELEM_SHARE 0.25          /* of the budget, for the elementwise operators */
#define MIN_DIM 256.0            /* a cut dimension keeps at least this */
#define MAX_ELEMS (16u << 20)    /* elementwise tensors cut to 64 MiB (fp32) */
#define OP_ACTIVATION "activation" /* the request's name for it (estimator/model.c) */
/* Samples of one shape at most: its time slice, not a count, should end its
 * timing. At 50, the sub-millisecond GEMMs of an MLP were timed for 10 ms
 * each, the whole request in 0.1 s of its 4 s, and a 2-thread BLAS read
 * half its rate in two of four runs, as one short stretch of the host fell */
#define MAX_SAMPLES 2000
#define CHECK_ENTRIES 16         /* entries of C verified */
#define TOL_F32 1e-4             /* relative, per entry, against double */

static int cpus_allowed(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return 1;
}

/* Cut the largest dimension (never below MIN_DIM) until 2mnk <= CALL_GFLOP. */
static void cut_shape(double *m, double *n, double *k)
{
	double *d[3] = { m, n, k };
	int i, big;

	while (2 * *m * *n * *k * 1e-9 > CALL_GFLOP) {
		big = 0;
		for (i = 1; i < 3; i++)
			if (*d[i] > *d[big])
				big = i;
		if (*d[big] <= MIN_DIM)
			break;
		*d[big] = fmax(MIN_DIM, floor(*d[big] / 2));
	}
}

struct gemm_ctx {
	dlp_blas *blas;
	dlp_gemm_plan *plan;
	size_t m, n, k;
	float *a, *b, *c;
};

static int rep_blas(void *v, double *el)
{
	struct gemm_ctx *g = v;
	*el = -1;
	return dlp_blas_sgemm(g->blas, g->m, g->n, g->k, g->a, g->b, g->c);
}

static int rep_dlp(void *v, double *el)
{
	struct gemm_ctx *g = v;
	*el = -1;
	dlp_sgemm(g->plan, g->m, g->n, g->k, g->a, g->m, g->b, g->k, g->c, g->m);
	return 0;
}

/* Largest relative error of sampled entries of column-major C. */
static double check_c(const struct gemm_ctx *g)
{
	double worst = 0;
	size_t s, p;

	for (s = 0; s < CHECK_ENTRIES; s++) {
		size_t i = (s * 2654435761u) % g->m, j = (s * 40503u + 7) % g->n;
		double ref = 0, mag = 0, got = g->c[j * g->m + i];
		for (p = 0; p < g->k; p++) {
			double t = (double)g->a[p * g->m + i] * g->b[j * g->k + p];
			ref += t;
			mag += fabs(t);
		}
		if (!isfinite(got))
			return INFINITY;
		worst = fmax(worst, fabs(got - ref) / (mag > 0 ? mag : 1));
	}
	return worst;
}

static json_t *time_gemm(struct gemm_ctx *g, int own, double budget_s)
{
	json_t *r = json_pack("{s:s}", "impl", own ? "dlprobe" : "blas");
	/* the verified call before the clock is the warm-up */
	dlp_budget b = { .warmups = 0, .budget_s = budget_s, .min_samples = 1, .max_samples = MAX_SAMPLES };
	dlp_stats st = { 0 };
	double err;

	memset(g->c, 0, g->m * g->n * sizeof *g->c);
	if (own ? rep_dlp(g, &err) : rep_blas(g, &err)) {
		dlp_json_set_status(r, DLP_STATUS_ERROR, dlp_error_message());
		return r;
	}
	err = check_c(g);
	json_object_set_new(r, "max_rel_err", dlp_json_real(err));
	if (!(err <= TOL_F32)) {
		json_object_set_new(r, "verified", json_false());
		dlp_json_set_status(r, DLP_STATUS_ERROR, "verification failed: sampled entries of C are wrong");
		return r;
	}
	json_object_set_new(r, "verified", json_true());
	if (dlp_measure(own ? rep_dlp : rep_blas, g, &b, &st)) {
		dlp_json_set_status(r, DLP_STATUS_ERROR, dlp_error_message());
		return r;
	}
	/* the fastest call: short calls on a shared machine are either run or
	 * preempted, and the preempted ones measure the other work */
	json_object_set_new(r, "rate_gflops", dlp_json_real(2.0 * g->m * g->n * g->k * 1e-9 / st.min_s));
	json_object_set_new(r, "median_gflops", dlp_json_real(2.0 * g->m * g->n * g->k * 1e-9 / st.median_s));
	json_object_set_new(r, "samples", json_integer((json_int_t)st.n));
	json_object_set_new(r, "spread", dlp_json_real(st.spread));
	dlp_json_set_status(r, DLP_STATUS_OK, NULL);
	dlp_stats_free(&st);
	return r;
}

/* ---- elementwise operators ------------------------------------------------ */

struct elem_ctx {
	dlp_team *team;
	int threads;
	const char *op;
	size_t n;
	float *x, *y, *z;
};

/* a > b ? a : b, which compiles to one maxss; fmaxf is a libm call
 * unless -ffinite-math-only (the pooling loop ran at 9 GB/s with it) */
static inline float max2(float a, float b)
{
	return a > b ? a : b;
}

static void elem_thread(void *v, int tid, int nt)
{
	struct elem_ctx *e = v;
	size_t lo = e->n * (size_t)tid / (size_t)nt, hi = e->n * (size_t)(tid + 1) / (size_t)nt, i;

	if (strcmp(e->op, "add") == 0) {
		for (i = lo; i < hi; i++)
			e->z[i] = e->x[i] + e->y[i];
	} else if (strcmp(e->op, "batchnorm") == 0 || strcmp(e->op, "layernorm") == 0) {
		/* a statistics pass, then normalise: two reads, one write */
		double s = 0, s2 = 0, mean, inv;
		for (i = lo; i < hi; i++) {
			s += e->x[i];
			s2 += (double)e->x[i] * e->x[i];
		}
		mean = hi > lo ? s / (double)(hi - lo) : 0;
		inv = 1 / sqrt(fmax(1e-5, (hi > lo ? s2 / (double)(hi - lo) : 0) - mean * mean));
		for (i = lo; i < hi; i++)
			e->y[i] = (float)((e->x[i] - mean) * inv);
	} else if (strcmp(e->op, "pool") == 0) {
		/* 2x2 max over pairs of rows: four reads per output (max2: see
		 * the ReLU below) */
		const float *x = e->x;
		float *y = e->y;

		for (i = lo / 4; i < hi / 4; i++)
			y[i] = max2(max2(x[4 * i], x[4 * i + 1]), max2(x[4 * i + 2], x[4 * i + 3]));
	} else {
		/* branch-free, as a framework's ReLU is: the sign bit masks
		 * the value out. A compare-and-branch, on random signs,
		 * mispredicts half the time (it ran at 3 GB/s where the add
		 * above streams at 40) */
		const uint32_t *x = (const uint32_t *)e->x;
		uint32_t *y = (uint32_t *)e->y;

		for (i = lo; i < hi; i++)
			y[i] = x[i] & ~(uint32_t)((int32_t)x[i] >> 31);
	}
}

/* Whether the outputs from input element i (a multiple of 4) on are the
 * operation's: ReLU and add elementwise, a pooling window of four. */
static int elem_check(const struct elem_ctx *c, size_t i)
{
	size_t j;

	if (strcmp(c->op, OP_ACTIVATION) == 0) {
		for (j = i; j < i + 4; j++)
			if (c->y[j] != (c->x[j] > 0 ? c->x[j] : 0.0f))
				return 0;
	} else if (strcmp(c->op, "add") == 0) {
		for (j = i; j < i + 4; j++)
			if (c->z[j] != c->x[j] + c->y[j])
				return 0;
	} else if (strcmp(c->op, "pool") == 0) {
		return c->y[i / 4] == max2(max2(c->x[i], c->x[i + 1]), max2(c->x[i + 2], c->x[i + 3]));
	}
	return 1;
}

static int rep_elem(void *v, double *el)
{
	struct elem_ctx *e = v;
	*el = -1;
	dlp_team_run(e->team, e->threads, elem_thread, e);
	return 0;
}

/* Input + output elements the time model counts for the operator. */
static double elem_bytes(const char *op, size_t n)
{
	if (strcmp(op, "add") == 0)
		return 12.0 * (double)n;
	if (strcmp(op, "pool") == 0)
		return 5.0 * (double)n;
	return 8.0 * (double)n;
}

static void time_elem(json_t *e, dlp_team *team, int threads, double budget_s)
{
	struct elem_ctx c = { team, threads, json_string_value(json_object_get(e, "op")), 0, NULL, NULL, NULL };
	double want = dlp_json_num(e, "elements");
	dlp_budget b = { .warmups = 0, .budget_s = budget_s, .min_samples = 1, .max_samples = MAX_SAMPLES };
	dlp_stats st = { 0 };

	c.n = isfinite(want) && want >= 4 ? (size_t)fmin(want, MAX_ELEMS) & ~(size_t)3 : 4;
	c.x = dlp_cpu_alloc(c.n * sizeof *c.x);
	c.y = dlp_cpu_alloc(c.n * sizeof *c.y);
	c.z = dlp_cpu_alloc(c.n * sizeof *c.z);
	if (!c.x || !c.y || !c.z || !c.op) {
		dlp_json_set_status(e, DLP_STATUS_ERROR, "out of memory");
		goto out;
	}
	dlp_fill_normal_f32(c.x, c.n, 3);
	dlp_fill_normal_f32(c.y, c.n, 4);
	rep_elem(&c, &want);
	/* verification: the first and the last outputs (the first and the
	 * last thread's) against the same operation here */
	if (!elem_check(&c, 0) || !elem_check(&c, c.n - 4)) {
		dlp_json_set_status(e, DLP_STATUS_ERROR, "verification failed");
		goto out;
	}
	if (dlp_measure(rep_elem, &c, &b, &st)) {
		dlp_json_set_status(e, DLP_STATUS_ERROR, dlp_error_message());
		goto out;
	}
	json_object_set_new(e, "timed_elements", json_integer((json_int_t)c.n));
	json_object_set_new(e, DLP_RATE_GBPS, dlp_json_real(elem_bytes(c.op, c.n) * 1e-9 / st.min_s));
	json_object_set_new(e, "median_gbps", dlp_json_real(elem_bytes(c.op, c.n) * 1e-9 / st.median_s));
	dlp_json_set_status(e, DLP_STATUS_OK, NULL);
	dlp_stats_free(&st);
out:
	free(c.x);
	free(c.y);
	free(c.z);
}

static int by_flops_desc(const void *a, const void *b)
{
	double x = dlp_json_num(*(json_t *const *)a, "flops"), y = dlp_json_num(*(json_t *const *)b, "flops");
	return (x < y) - (x > y);
}

static void measure_gemm(json_t *g, dlp_blas *blas, dlp_gemm_plan *plan, double slice)
{
	double m = dlp_json_num(g, "m"), n = dlp_json_num(g, "n"), k = dlp_json_num(g, "k");
	struct gemm_ctx c = { blas, plan, 0, 0, 0, NULL, NULL, NULL };
	json_t *res = json_array();

	json_object_set_new(g, "results", res);
	if (!(m >= 1 && n >= 1 && k >= 1)) {
		dlp_json_set_status(g, DLP_STATUS_SKIPPED, "no shape");
		return;
	}
	cut_shape(&m, &n, &k);
	c.m = (size_t)m, c.n = (size_t)n, c.k = (size_t)k;
	json_object_set_new(g, "timed_as", json_pack("{s:I,s:I,s:I}", "m", (json_int_t)c.m, "n", (json_int_t)c.n,
						     "k", (json_int_t)c.k));
	c.a = dlp_cpu_alloc(c.m * c.k * sizeof *c.a);
	c.b = dlp_cpu_alloc(c.k * c.n * sizeof *c.b);
	c.c = dlp_cpu_alloc(c.m * c.n * sizeof *c.c);
	if (c.a && c.b && c.c) {
		dlp_fill_normal_f32(c.a, c.m * c.k, 1);
		dlp_fill_normal_f32(c.b, c.k * c.n, 2);
		/* the two implementations share the shape's slice */
		if (blas)
			json_array_append_new(res, time_gemm(&c, 0, slice / 2));
		if (plan)
			json_array_append_new(res, time_gemm(&c, 1, slice / 2));
		dlp_json_set_status(g, DLP_STATUS_OK, NULL);
	} else {
		dlp_json_set_status(g, DLP_STATUS_ERROR, "out of memory");
	}
	free(c.a);
	free(c.b);
	free(c.c);
}

/* The result keys of a framework's answer: what it may add to an entry of
 * the request (the request's own keys, its geometry, stay the request's). */
static const char *const answer_keys[] = { "status", "reason", "verified", "max_rel_err", "timed_batch", "threads",
					   "fwd_bwd_s", "fwd_bwd_median_s", "reps", "windows", "timed_elements",
					   "fwd_bwd_s_per_elem", "fwd_bwd_median_s_per_elem", NULL };
/* What an answer must repeat of its entry: a convolution's geometry (and
 * its input_grad and dtype, where the entry has them), an activation's
 * size. */
static const char *const conv_keys[] = { DLP_CONV_GEOM_KEYS, NULL };
static const char *const act_keys[] = { "elements", NULL };

/* The answer's result keys onto the entry, when it answers this entry
 * (every key of same[] equal, and input_grad where the entry has one):
 * 0, else -1. */
static int take_answer(json_t *entry, const json_t *one, const char *const same[])
{
	size_t k;

	if (!json_is_object(one))
		return -1;
	for (k = 0; same && same[k]; k++)
		if (!json_equal(json_object_get(entry, same[k]), json_object_get(one, same[k])))
			return -1;
	if (json_object_get(entry, "input_grad") &&
	    !json_equal(json_object_get(entry, "input_grad"), json_object_get(one, "input_grad")))
		return -1;
	/* a convolution run in another format answers another question */
	if (json_object_get(entry, "dtype") && !json_equal(json_object_get(entry, "dtype"), json_object_get(one, "dtype")))
		return -1;
	for (k = 0; answer_keys[k]; k++) {
		json_t *v = json_object_get(one, answer_keys[k]);

		if (v)
			json_object_set(entry, answer_keys[k], v);
	}
	return json_is_string(json_object_get(entry, "status")) ? 0 : -1;
}

/* Why an entry has no answer: the child's own reason, else that it gave none. */
static const char *no_answer(const json_t *r)
{
	const char *why = r ? json_string_value(json_object_get(r, "reason")) : "out of memory";

	return why ? why : "the framework's answer does not match the request (another entry, or none)";
}

static int is_activation(const json_t *e)
{
	const char *op = json_string_value(json_object_get(e, "op"));

	return op && strcmp(op, OP_ACTIVATION) == 0;
}

/* Whether the request asks for anything to be timed through a framework. */
static int through_framework(const json_t *request)
{
	const char *through = json_string_value(json_object_get(request, "conv_through"));
	const json_t *e;
	size_t i;

	if (!through || strcmp(through, DLP_MEASURE_CONV_TORCH) != 0)
		return 0;
	if (json_array_size(json_object_get(request, "conv")))
		return 1;
	json_array_foreach(json_object_get(request, "elementwise"), i, e)
		if (is_activation(e))
			return 1;
	return 0;
}

/* The request's convolutions and activations, timed through the framework
 * it names ("conv_through"): the framework's own kernels (oneDNN under
 * torch, its elementwise ones at its CPU capability) run them, so nothing
 * here can stand in for them. An activation's answer goes in its
 * elementwise entry as "framework". */
static void measure_through_framework(json_t *ans, double budget_s)
{
	json_t *convs = json_object_get(ans, "conv"), *acts = json_array(), *refs = json_array(), *c, *r = NULL, *got;
	json_t *none = json_array();
	double batch = dlp_json_num(ans, "batch");
	size_t i;

	if (!acts || !refs || !none)
		goto out;
	if (!json_is_array(convs))
		convs = none;
	json_array_foreach(json_object_get(ans, "elementwise"), i, c)
		if (is_activation(c) && json_is_number(json_object_get(c, "elements")) &&
		    json_array_append_new(acts, json_pack("{s:s,s:O}", "op", OP_ACTIVATION, "elements",
							   json_object_get(c, "elements"))) == 0)
			json_array_append(refs, c);
	if (!json_array_size(convs) && !json_array_size(acts))
		goto out;
	if (!through_framework(ans)) {
		json_array_foreach(convs, i, c)
			dlp_json_set_status(c, DLP_STATUS_SKIPPED, DLP_MEASURE_NO_FRAMEWORK);
		goto out;
	}
	if (!(batch >= 1 && batch <= DLP_MEASURE_MAX_BATCH)) {
		json_array_foreach(convs, i, c)
			dlp_json_set_status(c, DLP_STATUS_ERROR, "the request's batch is out of range");
		goto out;
	}
	r = dlp_framework_conv(convs, acts, (int)batch, budget_s);
	got = json_object_get(r, "conv");
	json_array_foreach(convs, i, c)
		if (take_answer(c, json_array_get(got, i), conv_keys) != 0)
			dlp_json_set_status(c, DLP_STATUS_ERROR, no_answer(r));
	got = json_object_get(r, "activation");
	json_array_foreach(refs, i, c) {
		json_t *fw = json_pack("{s:O}", "elements", json_object_get(c, "elements"));

		if (fw && take_answer(fw, json_array_get(got, i), act_keys) != 0)
			dlp_json_set_status(fw, DLP_STATUS_ERROR, no_answer(r));
		if (fw)
			json_object_del(fw, "elements");
		json_object_set_new(c, "framework", fw);
	}
	if (r) {
		json_object_del(r, "conv");
		json_object_del(r, "activation");
		json_object_set_new(ans, "conv_probe", r);
	}
out:
	json_decref(acts);
	json_decref(refs);
	json_decref(none);
}

json_t *dlp_measure_workload(const json_t *request, double budget_s, int threads)
{
	json_t *ans = json_deep_copy(request), *e, **order = NULL;
	/* what is timed through the framework takes its share of the budget
	 * from the GEMMs and operators */
	double conv_s = through_framework(request) ? budget_s * DLP_MEASURE_CONV_SHARE : 0;
	dlp_team *team = NULL;
	dlp_blas *blas = NULL;
	dlp_gemm_plan *plan = NULL;
	dlp_gemm_blocking bl;
	size_t i, ng, ne;
	double t0 = dlp_harness_now(), elem_end;

	if (!ans)
		return NULL;
	if (threads <= 0)
		threads = cpus_allowed();
	ng = json_array_size(json_object_get(ans, "gemm"));
	ne = json_array_size(json_object_get(ans, "elementwise"));
	/* the BLAS before the team: the team binds this thread to one CPU,
	 * and a BLAS loaded after it starts its threads with that binding,
	 * all on the one CPU (its 2-thread GEMMs ran at its 1-thread rate) */
	blas = dlp_blas_open();
	if (blas)
		dlp_blas_set_threads(blas, threads);
	team = dlp_team_new(threads);
	if (team && dlp_team_size(team) < threads) {
		threads = dlp_team_size(team);
		if (blas)
			dlp_blas_set_threads(blas, threads);
	}
	dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(dlp_cpu_isa_best(), 4), 4, 0, 0, 0, &bl);
	plan = team ? dlp_gemm_plan_new(dlp_cpu_isa_best(), 4, &bl, team, threads) : NULL;
	json_object_set_new(ans, "threads", json_integer(threads));
	json_object_set_new(ans, "budget_s", dlp_json_real(budget_s));
	budget_s -= conv_s;
	/* the operators first, in their share; then the GEMMs, most FLOPs first */
	elem_end = t0 + (ng ? ELEM_SHARE : 1.0) * budget_s;
	json_array_foreach(json_object_get(ans, "elementwise"), i, e) {
		double left = elem_end - dlp_harness_now();

		if (left <= 0 || !team)
			dlp_json_set_status(e, DLP_STATUS_SKIPPED, team ? "the --measure budget was spent" : dlp_error_message());
		else
			time_elem(e, team, threads, left / (double)(ne - i));
	}
	order = ng ? calloc(ng, sizeof *order) : NULL;
	for (i = 0; order && i < ng; i++)
		order[i] = json_array_get(json_object_get(ans, "gemm"), i);
	if (order)
		qsort(order, ng, sizeof *order, by_flops_desc);
	for (i = 0; i < ng; i++) {
		json_t *g = order ? order[i] : json_array_get(json_object_get(ans, "gemm"), i);
		double left = budget_s - (dlp_harness_now() - t0);

		if (left <= 0 || !order) {
			json_object_set_new(g, "results", json_array());
			dlp_json_set_status(g, DLP_STATUS_SKIPPED, order ? "the --measure budget was spent" : "out of memory");
			continue;
		}
		measure_gemm(g, blas, plan, left / (double)(ng - i));
	}
	free(order);
	dlp_gemm_plan_free(plan);
	dlp_blas_close(blas);
	/* the team gone, this thread has its own binding back: the framework's
	 * child inherits it */
	dlp_team_free(team);
	measure_through_framework(ans, conv_s);
	json_object_set_new(ans, "elapsed_s", dlp_json_real(dlp_harness_now() - t0));
	return ans;
}
