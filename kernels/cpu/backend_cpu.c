/* The CPU backend: measured FMA peak, dlprobe's own SGEMM/DGEMM (and bf16)
 * beside the system BLAS, STREAM bandwidth, and the classical-ML kernels.
 * Every kernel checks its output before its time counts. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "kernels/backend.h"
#include "kernels/cpu/cpu.h"

/* GEMM data types: fp32, fp64, bf16 in / fp32 out on AVX512_BF16, and the
 * same on AMX tiles. */
enum { F32 = 0, F64 = 1, BF16 = 2, AMX = 3 };

struct cpu {
	const dlp_bench_opts *o;
	dlp_budget bud;
	int T;
	dlp_team *team;
	long long l1, l2, l3, mem;
	double mhz;
	/* measured FMA peak [isa][dtype][0: 1 thread, 1: T threads], GFLOP/s */
	double peak[DLP_CPU_NISA][2][2];
	/* measured VDPBF16PS peak [0: 1 thread, 1: T threads], GFLOP/s */
	double peak_bf16[2];
	json_t *dev, *results;
	dlp_blas *blas;
};

static void note(struct cpu *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct cpu *c, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	if (!c->o->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	c->o->progress(c->o->progress_user, buf);
}

static const char *dtype_name(int dt)
{
	return dt == F64 ? "fp64" : dt >= BF16 ? "bf16" : "fp32";
}

static void set_int(json_t *r, const char *key, long long v)
{
	json_object_set_new(r, key, dlp_json_count(v));
}

/* ---- FMA peak ------------------------------------------------------------ */

struct fma_rep {
	struct cpu *c;
	dlp_cpu_isa isa;
	int f64, threads, bf16;
	long iters;
	double *flops;  /* one per thread */
	double *sink;
};

/* Chains and lanes of each peak kernel ([isa][f64]), as they are written in
 * fma_peak_*.c; chain j (0-based) starts at j + 1 in every lane. */
static const int fma_chains[DLP_CPU_NISA] = { 12, 12, 16 };
static const int fma_lanes[DLP_CPU_NISA][2] = { { 4, 2 }, { 8, 4 }, { 16, 8 } };

void dlp_fma_peak_expect(dlp_cpu_isa isa, int f64, int bf16, long iters, double *lo, double *hi)
{
	double n = iters > 0 ? (double)iters : 0, lanes, start = 0, exact = 0, e;
	int ch, j;

	if (bf16) {
		/* VDPBF16PS adds 2 products of 2^-10 x 2^-12 = 2^-22 to every lane
		 * per step, rounded to fp32 (the SDM: one rounding per product,
		 * nearest even). Below 4 the fp32 spacing is at most 2^-22, so a
		 * chain grows exactly by n x 2^-21 while it stays under 4; at or
		 * above 4 each add is a tie or less and may be lost (a fused dot
		 * product would still grow up to 8). Bounds: exact growth below 4,
		 * none above, and exact growth everywhere. */
		ch = 16;
		lanes = 16;
		e = n * 0x1p-21;
		for (j = 0; j < ch; j++) {
			start += j + 1;
			if (j + 1 < 4)
				exact += fmin(e, 4.0 - (j + 1));
		}
		/* 2^-16: the fp32 rounding of the final 256-term reduction. */
		*lo = lanes * (start + exact) * (1 - 0x1p-16);
		*hi = lanes * (start + ch * e) * (1 + 0x1p-16);
		return;
	}
	/* c <- 0.999 c + 0.001 from c0 = j + 1: c_n = 1 + j 0.999^n exactly in
	 * real arithmetic. fp32 moves the fixed point by ~1.3e-5 (0.999 and
	 * 0.001 are not representable) and rounding can stall a chain ~3e-5
	 * from it; 1e-3 covers both with a wide margin, yet rejects a loop that
	 * ran 0, 1 or a few hundred iterations. */
	ch = fma_chains[isa];
	lanes = fma_lanes[isa][f64 != 0];
	e = lanes * (ch + pow(0.999, n) * ch * (ch - 1) / 2.0);
	*lo = e * (1 - 1e-3);
	*hi = e * (1 + 1e-3);
}

int dlp_fma_peak_check(double sink, double lo, double hi)
{
	if (sink >= lo && sink <= hi)
		return 0;
	return dlp_error_set("FMA chains did not reach the expected value (sum %.9g, expected "
			     "%.9g..%.9g): the loop was miscompiled or did not run", sink, lo, hi);
}

static void fma_thread(void *arg, int tid, int n)
{
	struct fma_rep *r = arg;
	float fs = 0;
	double ds = 0, fl;

	switch (r->bf16 ? -1 : (int)r->isa * 2 + r->f64) {
	case -1:
		fl = fma_peak_avx512bf16(r->iters, &fs);
		break;
	case DLP_CPU_GENERIC * 2:
		fl = fma_peak_generic_f32(r->iters, &fs);
		break;
	case DLP_CPU_GENERIC * 2 + 1:
		fl = fma_peak_generic_f64(r->iters, &ds);
		break;
	case DLP_CPU_AVX2 * 2:
		fl = fma_peak_avx2_f32(r->iters, &fs);
		break;
	case DLP_CPU_AVX2 * 2 + 1:
		fl = fma_peak_avx2_f64(r->iters, &ds);
		break;
	case DLP_CPU_AVX512 * 2:
		fl = fma_peak_avx512_f32(r->iters, &fs);
		break;
	default:
		fl = fma_peak_avx512_f64(r->iters, &ds);
		break;
	}
	r->flops[tid] = fl;
	r->sink[tid] = fs + ds;
}

static int fma_rep_fn(void *ctx, double *e)
{
	struct fma_rep *r = ctx;

	dlp_team_run(r->c->team, r->threads, fma_thread, r);
	return 0;
}

/* bf16: VDPBF16PS chains (isa AVX512 stands for AVX512_BF16 then). */
static void fma_peak(struct cpu *c, dlp_cpu_isa isa, int f64, int threads, int bf16)
{
	struct fma_rep r = { .c = c, .isa = isa, .f64 = f64, .threads = threads, .bf16 = bf16,
			     .iters = 1000000 };
	json_t *res = dlp_result_new(DLP_KERNEL_FMA_PEAK, "dlprobe", bf16 ? "bf16" : dtype_name(f64));
	const char *isan = bf16 ? "avx512_bf16" : dlp_cpu_isa_name(isa);
	dlp_stats s = { 0 };
	double work = 0, computed = NAN, lo, hi;
	int i;

	json_object_set_new(res, "isa", json_string(isan));
	set_int(res, "threads", threads);
	note(c, "cpu: fma peak %s %s %d thread(s)", isan, bf16 ? "bf16" : dtype_name(f64), threads);
	r.flops = calloc((size_t)threads, sizeof *r.flops);
	r.sink = calloc((size_t)threads, sizeof *r.sink);
	if (!r.flops || !r.sink) {
		dlp_result_fail(res, DLP_STATUS_SKIPPED, "could not allocate the per-thread results");
		goto out;
	}
	if (dlp_measure(fma_rep_fn, &r, &c->bud, &s) != 0) {
		dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
		goto out;
	}
	for (i = 0; i < threads; i++)
		work += r.flops[i];
	/* Every thread's sum over chains and lanes must be the value the
	 * recurrence reaches after r.iters steps; anything else means the loop
	 * was miscompiled or cut short. */
	dlp_fma_peak_expect(isa, f64, bf16, r.iters, &lo, &hi);
	for (i = 0; i < threads; i++)
		if (dlp_fma_peak_check(r.sink[i], lo, hi) != 0) {
			dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
			goto out;
		}
	json_object_set_new(res, "verified", json_true());
	dlp_result_set_stats(res, &s, "rate_gflops", work * 1e-9);
	/* A peak is an upper bound and noise only slows a loop down: the best
	 * sample, not the median, is what ratios are taken against. */
	json_object_set_new(res, "best_gflops", dlp_json_real(work * 1e-9 / s.min_s));
	if (bf16)
		c->peak_bf16[threads > 1] = work * 1e-9 / s.min_s;
	else
		c->peak[isa][f64][threads > 1] = work * 1e-9 / s.min_s;
	/* bf16: each fp32 lane does two products per instruction. */
	if (c->mhz > 0)
		computed = c->mhz * 1e-3 * 2 * fma_lanes[isa][f64] * (bf16 ? 2 : 1) * 2 * threads;
	json_object_set_new(res, "computed_peak_gflops", dlp_json_real(computed));
	/* Generic: the same 2 x lanes x 2 as the FMA ISAs, i.e. an assumed 2
	 * SSE2 multiplies and 2 SSE2 adds issued per cycle (two mul and two add
	 * ports); a core with fewer has a lower real bound. */
	json_object_set_new(res, "computed_from",
			    json_string(isa == DLP_CPU_GENERIC
					? (f64 ? "nominal_mhz x 8 fp64 flops/cycle (assumed: 2 mulpd + 2 addpd issued "
						 "per cycle x 2 lanes) x threads"
					       : "nominal_mhz x 16 fp32 flops/cycle (assumed: 2 mulps + 2 addps issued "
						 "per cycle x 4 lanes) x threads")
					: bf16 ? "nominal_mhz x 2 FMA pipes x 16 fp32 lanes x 2 bf16 pairs x 2 flops x threads"
					: "nominal_mhz x 2 FMA pipes x lanes x 2 flops x threads"));
out:
	dlp_stats_free(&s);
	free(r.flops);
	free(r.sink);
	json_array_append_new(c->results, res);
}

/* ---- GEMM ---------------------------------------------------------------- */

struct gemm_rep {
	dlp_gemm_plan *plan;
	dlp_amx_plan *amx;
	dlp_blas *blas;
	int f64;  /* the data type: F32, F64, BF16 or AMX */
	size_t m, n, k;
	void *a, *b, *c;
};

static int gemm_rep_fn(void *ctx, double *e)
{
	struct gemm_rep *g = ctx;

	if (g->blas)
		return g->f64 ? dlp_blas_dgemm(g->blas, g->m, g->n, g->k, g->a, g->b, g->c)
			      : dlp_blas_sgemm(g->blas, g->m, g->n, g->k, g->a, g->b, g->c);
	switch (g->f64) {
	case F64:
		dlp_dgemm(g->plan, g->m, g->n, g->k, g->a, g->m, g->b, g->k, g->c, g->m);
		break;
	case BF16:
		dlp_sbgemm(g->plan, g->m, g->n, g->k, g->a, g->m, g->b, g->k, g->c, g->m);
		break;
	case AMX:
		dlp_amx_sbgemm(g->amx, g->m, g->n, g->k, g->a, g->m, g->b, g->k, g->c, g->m);
		break;
	default:
		dlp_sgemm(g->plan, g->m, g->n, g->k, g->a, g->m, g->b, g->k, g->c, g->m);
	}
	return 0;
}

/* A full reference costs m*n*k naive flops, too slow for n = 2048 inside a
 * 5 s budget: 256 entries (always including the corners, where edge tiles
 * live) are checked against a double-precision dot product. */
static double gemm_check(const struct gemm_rep *g)
{
	uint64_t s = 0x2545F4914F6CDD1Dull ^ (g->m * 31 + g->n * 17 + g->k);
	double worst = 0;
	int t;

	if (g->m == 0 || g->n == 0)
		return 0;
	for (t = 0; t < 256; t++) {
		size_t i, j, p;
		double ref = 0, got, e;

		if (t < 4) {
			i = (t & 1) ? g->m - 1 : 0;
			j = (t & 2) ? g->n - 1 : 0;
		} else {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			i = (size_t)(s % g->m);
			j = (size_t)((s >> 32) % g->n);
		}
		/* bf16: the reference multiplies the same bf16 values, so only
		 * the fp32 accumulation is judged, not the input rounding. */
		for (p = 0; p < g->k; p++)
			ref += g->f64 == F64 ? ((const double *)g->a)[i + p * g->m] *
					       ((const double *)g->b)[p + j * g->k]
			     : g->f64 >= BF16 ? (double)dlp_bf16_to_f32(((const uint16_t *)g->a)[i + p * g->m]) *
						(double)dlp_bf16_to_f32(((const uint16_t *)g->b)[p + j * g->k])
			     : (double)((const float *)g->a)[i + p * g->m] *
			       (double)((const float *)g->b)[p + j * g->k];
		got = g->f64 == F64 ? ((const double *)g->c)[i + j * g->m] : ((const float *)g->c)[i + j * g->m];
		e = fabs(got - ref) / (fabs(ref) + sqrt((double)g->k));
		if (isnan(e))
			return INFINITY;
		if (e > worst)
			worst = e;
	}
	return worst;
}

/* The bound for bf16 results (against the double reference on the same
 * bf16 values, error scaled by |ref| + sqrt(k)): bf16 products are exact in
 * fp32, so the error is fp32 accumulation alone, as in SGEMM. Each of the k
 * roundings is at most 2^-24 of a partial sum of size ~sqrt(p); random signs
 * give ~2^-24 k / sqrt(2) in total, ~2^-24 sqrt(k/2) after scaling: 1.9e-6 at
 * k = 2048, 4e-6 at k = 8192. 1e-4 keeps a 25x margin there and still fails
 * any real bug (a dropped k pair costs ~1/sqrt(k), 2e-2 at k = 2048). */
#define BF16_TOL 1e-4

static json_t *gemm_one(struct cpu *c, int f64, dlp_cpu_isa isa, int threads, size_t m,
			size_t n, size_t k, dlp_blas *blas, const dlp_gemm_blocking *bl)
{
	const size_t es = f64 == F64 ? 8 : f64 >= BF16 ? 2 : 4, esc = f64 == F64 ? 8 : 4;
	struct gemm_rep g = { .blas = blas, .f64 = f64, .m = m, .n = n, .k = k };
	json_t *res = dlp_result_new(DLP_KERNEL_GEMM, blas ? "blas" : "dlprobe", dtype_name(f64));
	dlp_stats s = { 0 };
	double err, tol = f64 == F64 ? 1e-12 : f64 >= BF16 ? BF16_TOL : 1e-4, peak, pct;

	json_object_set_new(res, "isa", blas ? json_null()
					     : json_string(f64 == AMX ? "amx"
							   : f64 == BF16 ? "avx512_bf16"
							   : dlp_cpu_isa_name(isa)));
	set_int(res, "m", (long long)m);
	set_int(res, "n", (long long)n);
	set_int(res, "k", (long long)k);
	set_int(res, "threads", threads);
	note(c, "cpu: %s %s %zux%zux%zu %d thread(s)", blas ? "blas" : "dlprobe",
	     f64 == F64 ? "dgemm" : f64 == AMX ? "sbgemm amx" : f64 == BF16 ? "sbgemm" : "sgemm",
	     m, n, k, threads);
	g.a = dlp_cpu_alloc(m * k * es);
	g.b = dlp_cpu_alloc(k * n * es);
	g.c = dlp_cpu_alloc(m * n * esc);
	if (!g.a || !g.b || !g.c) {
		dlp_result_fail(res, DLP_STATUS_SKIPPED, "not enough memory for the matrices");
		goto out;
	}
	if (blas) {
		/* Without thread control the BLAS runs on its own count: the result
		 * says so (threads null) instead of claiming `threads`. */
		dlp_cpu_blas_threads(blas, threads, res);
	} else if (f64 == AMX) {
		/* KC 512 (16 tile steps), MC 256 x KC in L2, NC 1024: a guess
		 * from the Sapphire Rapids caches (2 MiB L2), not tuned here. */
		g.amx = dlp_amx_plan_new(sbgemm_amx_32x32, 512, 256, 1024);
		if (!g.amx) {
			dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
			goto out;
		}
		json_object_set_new(res, "variant", json_string("sbgemm_amx_32x32"));
	} else {
		g.plan = dlp_gemm_plan_new(isa, f64 == BF16 ? 2 : (int)es, bl, c->team, threads);
		if (!g.plan) {
			dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
			goto out;
		}
		json_object_set_new(res, "variant", json_string(dlp_gemm_plan_ukr(g.plan)->name));
	}
	if (f64 == F64) {
		dlp_fill_normal_f64(g.a, m * k, 1);
		dlp_fill_normal_f64(g.b, k * n, 2);
	} else if (f64 >= BF16) {
		dlp_fill_normal_bf16(g.a, m * k, 1);
		dlp_fill_normal_bf16(g.b, k * n, 2);
	} else {
		dlp_fill_normal_f32(g.a, m * k, 1);
		dlp_fill_normal_f32(g.b, k * n, 2);
	}
	gemm_rep_fn(&g, NULL);
	err = gemm_check(&g);
	json_object_set_new(res, "max_rel_err", dlp_json_real(err));
	if (!(err <= tol)) {
		char why[128];

		snprintf(why, sizeof why, "verification failed: max relative error %g > %g", err, tol);
		dlp_result_fail(res, DLP_STATUS_ERROR, why);
		goto out;
	}
	json_object_set_new(res, "verified", json_true());
	if (dlp_measure(gemm_rep_fn, &g, &c->bud, &s) != 0) {
		dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
		goto out;
	}
	dlp_result_set_stats(res, &s, "rate_gflops", 2e-9 * (double)m * (double)n * (double)k);
	/* bf16 against the measured VDPBF16PS peak; AMX has no measured peak. */
	/* A BLAS on an unknown thread count has no peak to compare with. */
	peak = f64 == AMX || json_is_null(json_object_get(res, "threads")) ? 0
	     : f64 == BF16 ? c->peak_bf16[threads > 1]
	     : c->peak[blas ? dlp_cpu_isa_best() : isa][f64][threads > 1];
	pct = peak > 0 ? 100.0 * (2e-9 * m * n * k / s.median_s) / peak : NAN;
	json_object_set_new(res, "pct_of_measured_peak", dlp_json_real(pct));
	/* Above 100% the peak loop itself was slowed (a shared machine): say so
	 * rather than let a ratio claim more than the hardware does. */
	if (pct > 100.0)
		json_object_set_new(res, "note", json_string("faster than the measured peak: the machine was "
							     "busy while the peak was measured; re-run on a quiet machine"));
	json_object_set_new(res, "vs_reference", json_null());
out:
	dlp_stats_free(&s);
	dlp_gemm_plan_free(g.plan);
	dlp_amx_plan_free(g.amx);
	free(g.a);
	free(g.b);
	free(g.c);
	return res;
}

static double rate_of(const json_t *r)
{
	return dlp_json_num(r, DLP_RATE_GFLOPS);
}

int dlp_cpu_blas_threads(dlp_blas *b, int threads, json_t *res)
{
	char why[200];

	if (dlp_blas_set_threads(b, threads) == 0)
		return 0;
	snprintf(why, sizeof why, "%s: ran on the library's own thread count, not %d; "
		 "not compared with dlprobe's kernel", dlp_error_message(), threads);
	json_object_set_new(res, "threads", json_null());
	json_object_set_new(res, "note", json_string(why));
	return -1;
}

void dlp_cpu_vs_reference(json_t *own, json_t *ref)
{
	json_t *to = json_object_get(own, "threads"), *tr = json_object_get(ref, "threads");

	/* Unlike runs (a BLAS that ignored the thread count) compare nothing. */
	if (!json_is_integer(to) || !json_is_integer(tr) ||
	    json_integer_value(to) != json_integer_value(tr))
		return;
	if (!isfinite(rate_of(own)) || !isfinite(rate_of(ref)))
		return;
	json_object_set_new(own, "vs_reference", dlp_json_real(rate_of(own) / rate_of(ref)));
	json_object_set_new(ref, "vs_reference", dlp_json_real(rate_of(ref) / rate_of(own)));
}

struct shape {
	size_t m, n, k;
	int full_only, both_threads, blas, f64;
};

/* Square sizes and the training shapes REFERENCE.md lists (DeepBench
 * gemm_problems.h, LLM layers), skinny batch-sized ones included. */
static const struct shape shapes[] = {
	{ 256, 256, 256, 0, 0, 0, 0 },
	{ 512, 512, 512, 0, 0, 0, 0 },
	{ 1024, 1024, 1024, 0, 1, 1, 0 },
	{ 2048, 2048, 2048, 0, 1, 1, 0 },
	{ 1760, 64, 1760, 0, 0, 1, 0 },      /* DeepBench, batch-sized N */
	{ 4096, 16, 4096, 1, 0, 1, 0 },      /* decode-like skinny */
	{ 2560, 128, 2560, 1, 0, 1, 0 },
	{ 512, 4096, 4096, 1, 0, 1, 0 },     /* LLM layer, 512 tokens */
	{ 512, 11008, 4096, 1, 0, 0, 0 },
	{ 4096, 4096, 4096, 1, 0, 0, 0 },
	{ 1024, 1024, 1024, 0, 1, 1, 1 },
	{ 2048, 2048, 2048, 1, 1, 1, 1 },
	{ 512, 512, 512, 1, 0, 0, 1 },
};

static void gemm_all(struct cpu *c)
{
	dlp_cpu_isa isa = dlp_cpu_isa_best();
	dlp_gemm_blocking bl[2];
	json_t *blk = json_object();
	size_t i;
	int f, t;

	for (f = 0; f < 2; f++) {
		json_t *b = json_object();

		dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(isa, f ? 8 : 4), f ? 8 : 4, c->l1,
					      c->l2, c->l3, &bl[f]);
		json_object_set_new(b, "micro_kernel", json_string(dlp_gemm_ukr_get(isa, f ? 8 : 4)->name));
		json_object_set_new(b, "mc", json_integer(bl[f].mc));
		json_object_set_new(b, "kc", json_integer(bl[f].kc));
		json_object_set_new(b, "nc", json_integer(bl[f].nc));
		json_object_set_new(blk, f ? "dgemm" : "sgemm", b);
	}
	json_object_set_new(c->dev, "gemm_blocking", blk);
	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const struct shape *sh = &shapes[i];

		if (sh->full_only && !c->o->full)
			continue;
		for (t = 0; t < 2; t++) {
			int threads = t ? c->T : 1;
			json_t *own, *ref = NULL;

			if ((t == 0 && !sh->both_threads && c->T > 1) || (t == 1 && c->T == 1))
				continue;
			own = gemm_one(c, sh->f64, isa, threads, sh->m, sh->n, sh->k, NULL, &bl[sh->f64]);
			if (c->blas && sh->blas) {
				ref = gemm_one(c, sh->f64, isa, threads, sh->m, sh->n, sh->k, c->blas, NULL);
				dlp_cpu_vs_reference(own, ref);
			}
			json_array_append_new(c->results, own);
			if (ref)
				json_array_append_new(c->results, ref);
		}
	}
	/* A lower ISA at one shape shows what dispatch is worth (full only). */
	if (c->o->full)
		for (i = 0; i < (size_t)isa; i++)
			json_array_append_new(c->results, gemm_one(c, F32, (dlp_cpu_isa)i, 1, 1024, 1024, 1024,
								  NULL, &bl[F32]));
}

/* ---- bf16 (AVX512_BF16 and AMX) -------------------------------------------- */

json_t *dlp_cpu_bf16_unavailable(int amx)
{
	json_t *r;
	const char *why;

	if (!amx) {
		why = dlp_cpu_bf16_why();
		if (!why)
			return NULL;
		r = dlp_result_new(DLP_KERNEL_GEMM, "dlprobe", "bf16");
		json_object_set_new(r, "isa", json_string("avx512_bf16"));
		dlp_result_fail(r, strstr(why, "DLPROBE_CPU_ISA") ? DLP_STATUS_SKIPPED
								  : DLP_STATUS_UNAVAILABLE, why);
		return r;
	}
	r = dlp_result_new(DLP_KERNEL_GEMM, "dlprobe", "bf16");
	json_object_set_new(r, "isa", json_string("amx"));
	if (dlp_cpu_amx_forbidden()) {
		dlp_result_fail(r, DLP_STATUS_SKIPPED, "DLPROBE_CPU_ISA forbids amx");
		return r;
	}
	/* The request's own message says why (no AMX, no XCR0 state, refused);
	 * a CPU with AMX whose permission is refused is an error of the OS
	 * setup, a CPU without it simply has nothing to measure. */
	if (dlp_cpu_amx_request() != 0) {
		dlp_result_fail(r, dlp_cpu_isa_usable() & DLP_ISA_AMX_TILE ? DLP_STATUS_ERROR
									   : DLP_STATUS_UNAVAILABLE,
				dlp_error_message());
		return r;
	}
	if (!dlp_cpu_amx_ok()) {
		dlp_result_fail(r, DLP_STATUS_UNAVAILABLE, "the CPU has AMX tiles but no AMX_BF16");
		return r;
	}
	json_decref(r);
	return NULL;
}

static void bf16_all(struct cpu *c)
{
	/* --quick: one square shape, 1 and T threads; --full adds the LLM
	 * and skinny training shapes. */
	static const struct { size_t m, n, k; int full_only, both; } sh[] = {
		{ 1024, 1024, 1024, 0, 1 },
		{ 2048, 2048, 2048, 1, 1 },
		{ 512, 4096, 4096, 1, 0 },
		{ 1760, 64, 1760, 1, 0 },
	};
	dlp_gemm_blocking bl;
	json_t *un;
	size_t i;
	int t;

	un = dlp_cpu_bf16_unavailable(0);
	if (un) {
		json_array_append_new(c->results, un);
	} else {
		for (t = 0; t < 2; t++)
			if (t == 0 || c->T > 1)
				fma_peak(c, DLP_CPU_AVX512, 0, t ? c->T : 1, 1);
		if (c->T == 1)
			c->peak_bf16[1] = c->peak_bf16[0];
		dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(DLP_CPU_AVX512, 2), 2, c->l1, c->l2,
					      c->l3, &bl);
		for (i = 0; i < sizeof sh / sizeof sh[0]; i++) {
			if (sh[i].full_only && !c->o->full)
				continue;
			for (t = 0; t < 2; t++) {
				if ((t == 0 && !sh[i].both && c->T > 1) || (t == 1 && c->T == 1))
					continue;
				json_array_append_new(c->results,
						      gemm_one(c, BF16, DLP_CPU_AVX512, t ? c->T : 1, sh[i].m,
							       sh[i].n, sh[i].k, NULL, &bl));
			}
		}
	}
	un = dlp_cpu_bf16_unavailable(1);
	if (un) {
		json_array_append_new(c->results, un);
		return;
	}
	/* One core: the AMX target (REFERENCE.md) is per core. */
	for (i = 0; i < 2; i++)
		if (i == 0 || c->o->full)
			json_array_append_new(c->results, gemm_one(c, AMX, DLP_CPU_AVX512, 1, sh[i].m,
								   sh[i].n, sh[i].k, NULL, NULL));
}

/* ---- system BLAS --------------------------------------------------------- */

static void blas_open(struct cpu *c)
{
	json_t *sb;

	c->blas = dlp_blas_open();
	if (!c->blas) {
		sb = json_object();
		dlp_json_set_status(sb, DLP_STATUS_UNAVAILABLE, dlp_error_message());
		json_object_set_new(c->dev, "system_blas", sb);
		return;
	}
	sb = dlp_blas_identity(c->blas);
	dlp_json_set_status(sb, DLP_STATUS_OK, NULL);
	json_object_set_new(c->dev, "system_blas", sb);
}

/* The OpenBLAS finding (issue 3): when the library runs far below the
 * hardware, say how far and the likely reason. */
static void blas_finding(struct cpu *c)
{
	json_t *sb = json_object_get(c->dev, "system_blas"), *r;
	const char *core, *forced;
	double own = NAN, ref = NAN, ratio;
	char msg[400];
	size_t i;

	if (!c->blas || !sb)
		return;
	json_array_foreach(c->results, i, r) {
		const char *k = json_string_value(json_object_get(r, "kernel"));
		const char *impl = json_string_value(json_object_get(r, "impl"));

		if (!k || strcmp(k, "gemm") || json_integer_value(json_object_get(r, "n")) != 2048 ||
		    strcmp(json_string_value(json_object_get(r, "dtype")), "fp32"))
			continue;
		if (impl && !strcmp(impl, "dlprobe") && !isfinite(own))
			own = rate_of(r);
		/* threads null: the BLAS ran on a count of its own, unlike ours. */
		if (impl && !strcmp(impl, "blas") && !isfinite(ref) &&
		    json_is_integer(json_object_get(r, "threads")))
			ref = rate_of(r);
	}
	core = json_string_value(json_object_get(sb, "corename"));
	forced = json_string_value(json_object_get(json_object_get(sb, "env"), "OPENBLAS_CORETYPE"));
	ratio = ref / own;
	json_object_set_new(sb, "sgemm_2048_vs_dlprobe", dlp_json_real(ratio));
	if (!isfinite(ratio)) {
		json_object_set_new(sb, "finding", json_null());
		return;
	}
	if (ratio < 0.7) {
		snprintf(msg, sizeof msg,
			 "system BLAS sgemm runs at %.0f%% of dlprobe's own kernel at n=2048%s%s%s%s; "
			 "frameworks using it get the lower figure%s",
			 100 * ratio, core ? " (OpenBLAS core \"" : "", core ? core : "", core ? "\")" : "",
			 forced ? " with OPENBLAS_CORETYPE set in the environment" : "",
			 core && dlp_cpu_isa_ok(DLP_CPU_AVX512) && !strstr(core, "SkylakeX") &&
			 !strstr(core, "Cooperlake") && !strstr(core, "SapphireRapids")
			 ? "; its kernels for this core do not use AVX-512: OPENBLAS_CORETYPE=SkylakeX selects them"
			 : "");
	} else {
		snprintf(msg, sizeof msg, "system BLAS sgemm at n=2048 is %.2fx dlprobe's own kernel%s%s%s",
			 ratio, core ? " (OpenBLAS core \"" : "", core ? core : "", core ? "\")" : "");
	}
	json_object_set_new(sb, "finding", json_string(msg));
}

/* ---- STREAM -------------------------------------------------------------- */

struct stream_rep {
	dlp_team *team;
	int threads, op, nt;
	double *a, *b, *c;
	size_t n;
};

static void stream_thread(void *arg, int tid, int n)
{
	struct stream_rep *r = arg;
	/* Chunks start on 4 KiB pages (512 doubles; the arrays are page
	 * aligned): no page is shared by two threads, in the first touch nor
	 * later, and every chunk starts on a whole line for the 64-byte
	 * streaming stores. The last thread takes the remainder. */
	size_t i0 = r->n * (size_t)tid / (size_t)n / 512 * 512;
	size_t i1 = tid + 1 == n ? r->n : r->n * (size_t)(tid + 1) / (size_t)n / 512 * 512;

	if (r->op < 0) {
		/* Parallel first touch: pages land near the thread that uses them. */
		size_t i;

		for (i = i0; i < i1; i++) {
			r->a[i] = 0.0;
			r->b[i] = 1.0 + (double)(i & 7);
			r->c[i] = 2.0 - (double)(i & 3);
		}
		return;
	}
	dlp_stream_kernel(r->op, r->nt, r->a, r->b, r->c, 3.0, i0, i1);
}

static int stream_rep_fn(void *ctx, double *e)
{
	struct stream_rep *r = ctx;

	dlp_team_run(r->team, r->threads, stream_thread, r);
	return 0;
}

static int stream_verify(const struct stream_rep *r)
{
	size_t i, step = r->n / 4099 + 1;

	for (i = 0; i < r->n; i += step) {
		double b = 1.0 + (double)(i & 7), c = 2.0 - (double)(i & 3), want;

		want = r->op == DLP_STREAM_COPY ? b : r->op == DLP_STREAM_SCALE ? 3.0 * b
		     : r->op == DLP_STREAM_ADD ? b + c : b + 3.0 * c;
		if (r->a[i] != want)
			return -1;
	}
	return 0;
}

static void stream_all(struct cpu *c)
{
	static const char *const names[] = { DLP_KERNEL_STREAM_COPY, DLP_KERNEL_STREAM_SCALE, DLP_KERNEL_STREAM_ADD, DLP_KERNEL_STREAM_TRIAD };
	struct stream_rep r = { .team = c->team };
	long long l3 = c->l3 > 0 ? c->l3 : 32ll << 20, per = 4 * l3;
	int op, nt, t;

	if (per < (32ll << 20))
		per = 32ll << 20;
	/* STREAM: each array >= 4x LLC; all three within a quarter of the
	 * effective memory, so a cgroup limit is never the thing measured. */
	if (c->mem > 0 && 3 * per > c->mem / 4) {
		json_t *res = dlp_result_new(DLP_KERNEL_STREAM_TRIAD, "dlprobe", "fp64");

		dlp_result_fail(res, DLP_STATUS_SKIPPED,
				"arrays of 4x the last-level cache do not fit in a quarter of the effective memory");
		json_array_append_new(c->results, res);
		return;
	}
	r.n = (size_t)per / sizeof(double);
	/* Page aligned (aligned_alloc wants a size that is a multiple). */
	per = (per + 4095) / 4096 * 4096;
	r.a = aligned_alloc(4096, (size_t)per);
	r.b = aligned_alloc(4096, (size_t)per);
	r.c = aligned_alloc(4096, (size_t)per);
	if (!r.a || !r.b || !r.c) {
		json_t *res = dlp_result_new(DLP_KERNEL_STREAM_TRIAD, "dlprobe", "fp64");

		dlp_result_fail(res, DLP_STATUS_SKIPPED, "could not allocate the STREAM arrays");
		json_array_append_new(c->results, res);
		goto out;
	}
	r.op = -1;
	r.threads = c->T;
	stream_rep_fn(&r, NULL);
	for (op = 0; op < 4; op++) {
		if (!c->o->full && (op == DLP_STREAM_SCALE || op == DLP_STREAM_ADD))
			continue;
		for (t = 1; t >= 0; t--) {
			int threads = t ? c->T : 1;

			if (t == 0 && (c->T == 1 || (!c->o->full && op != DLP_STREAM_TRIAD)))
				continue;
			for (nt = 0; nt < 2; nt++) {
				json_t *res = dlp_result_new(names[op], "dlprobe", "fp64");
				double words = op < DLP_STREAM_ADD ? 2 : 3;
				dlp_stats s = { 0 };

				note(c, "cpu: %s%s %d thread(s)", names[op], nt ? " nt" : "", threads);
				json_object_set_new(res, "variant", json_string(nt ? "nt" : "normal"));
				set_int(res, "bytes", (long long)(words * r.n * sizeof(double)));
				set_int(res, "threads", threads);
				r.op = op;
				r.nt = nt;
				r.threads = threads;
				stream_rep_fn(&r, NULL);
				if (stream_verify(&r) != 0) {
					dlp_result_fail(res, DLP_STATUS_ERROR, "verification failed: wrong values stored");
				} else if (dlp_measure(stream_rep_fn, &r, &c->bud, &s) != 0) {
					dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
				} else {
					json_object_set_new(res, "verified", json_true());
					json_object_set_new(res, "max_rel_err", json_real(0));
					dlp_result_set_stats(res, &s, "rate_gbps",
							     1e-9 * words * (double)r.n * sizeof(double));
				}
				dlp_stats_free(&s);
				json_array_append_new(c->results, res);
			}
		}
	}
out:
	free(r.a);
	free(r.b);
	free(r.c);
}

/* ---- histogram (GBDT) and dot/axpy (linear models) ------------------------ */

enum { HIST_NF = 32, HIST_BINS = 256 };

struct hist_rep {
	struct cpu *c;
	int threads;
	size_t rows;
	uint8_t *bins;
	float *grad, *hess;
	double *part;   /* threads x HIST_NF x HIST_BINS x 2 */
	double *out;
};

static void hist_thread(void *arg, int tid, int n)
{
	struct hist_rep *h = arg;
	const size_t cells = (size_t)HIST_NF * HIST_BINS * 2;
	size_t r0 = h->rows * (size_t)tid / (size_t)n, r1 = h->rows * (size_t)(tid + 1) / (size_t)n;
	double *mine = h->part + cells * (size_t)tid;
	size_t i;
	int t;

	memset(mine, 0, cells * sizeof *mine);
	dlp_hist_accumulate(h->bins, h->grad, h->hess, r0, r1, HIST_NF, HIST_BINS, mine);
	dlp_team_barrier(n > 1 ? h->c->team : NULL);
	/* Reduce the per-thread histograms, each thread a slice of cells. */
	for (i = cells * (size_t)tid / (size_t)n; i < cells * (size_t)(tid + 1) / (size_t)n; i++) {
		double s = 0;

		for (t = 0; t < n; t++)
			s += h->part[cells * (size_t)t + i];
		h->out[i] = s;
	}
}

static int hist_rep_fn(void *ctx, double *e)
{
	struct hist_rep *h = ctx;

	dlp_team_run(h->c->team, h->threads, hist_thread, h);
	return 0;
}

static void hist_all(struct cpu *c)
{
	const size_t cells = (size_t)HIST_NF * HIST_BINS * 2;
	struct hist_rep h = { .c = c, .rows = c->o->full ? 1u << 21 : 1u << 18 };
	double *ref = NULL, err = 0;
	uint64_t s = 88172645463325252ull;
	size_t i;
	int t;

	h.bins = malloc(h.rows * HIST_NF);
	h.grad = malloc(h.rows * sizeof *h.grad);
	h.hess = malloc(h.rows * sizeof *h.hess);
	h.part = malloc(cells * (size_t)c->T * sizeof *h.part);
	h.out = malloc(cells * sizeof *h.out);
	ref = calloc(cells, sizeof *ref);
	if (!h.bins || !h.grad || !h.hess || !h.part || !h.out || !ref) {
		json_t *res = dlp_result_new(DLP_KERNEL_HISTOGRAM, "dlprobe", "fp32");

		dlp_result_fail(res, DLP_STATUS_SKIPPED, "could not allocate the histogram data");
		json_array_append_new(c->results, res);
		goto out;
	}
	for (i = 0; i < h.rows * HIST_NF; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		h.bins[i] = (uint8_t)(s >> 24);
	}
	dlp_fill_normal_f32(h.grad, h.rows, 5);
	for (i = 0; i < h.rows; i++)
		h.hess[i] = 0.25f + 0.5f * (float)(i & 1);
	dlp_hist_accumulate(h.bins, h.grad, h.hess, 0, h.rows, HIST_NF, HIST_BINS, ref);
	for (t = 1; t >= 0; t--) {
		json_t *res = dlp_result_new(DLP_KERNEL_HISTOGRAM, "dlprobe", "fp32");
		dlp_stats st = { 0 };

		if (t == 0 && c->T == 1)
			continue;
		h.threads = t ? c->T : 1;
		note(c, "cpu: histogram %d thread(s)", h.threads);
		set_int(res, "threads", h.threads);
		set_int(res, "m", (long long)h.rows);
		set_int(res, "n", HIST_NF);
		json_object_set_new(res, "bins", json_integer(HIST_BINS));
		set_int(res, "bytes", (long long)(h.rows * (HIST_NF + 8)));
		hist_rep_fn(&h, NULL);
		err = 0;
		for (i = 0; i < cells; i++) {
			double e = fabs(h.out[i] - ref[i]) / (fabs(ref[i]) + 1.0);

			if (!(e <= err))
				err = isnan(e) ? INFINITY : e;
		}
		json_object_set_new(res, "max_rel_err", dlp_json_real(err));
		if (!(err <= 1e-9))
			dlp_result_fail(res, DLP_STATUS_ERROR, "verification failed: histograms differ from the serial reference");
		else if (dlp_measure(hist_rep_fn, &h, &c->bud, &st) != 0)
			dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
		else {
			json_object_set_new(res, "verified", json_true());
			dlp_result_set_stats(res, &st, "rate_gupdates_per_s", 1e-9 * (double)h.rows * HIST_NF);
		}
		dlp_stats_free(&st);
		json_array_append_new(c->results, res);
	}
out:
	free(h.bins);
	free(h.grad);
	free(h.hess);
	free(h.part);
	free(h.out);
	free(ref);
}

struct vec_rep {
	dlp_team *team;
	int threads, axpy;
	size_t n;
	float *x, *y;
	double *part;  /* one per thread */
	double sum;
};

static void vec_thread(void *arg, int tid, int n)
{
	struct vec_rep *v = arg;
	size_t i0 = v->n * (size_t)tid / (size_t)n, i1 = v->n * (size_t)(tid + 1) / (size_t)n;

	if (v->axpy)
		dlp_axpy(1.0f / 1024, v->x + i0, v->y + i0, i1 - i0);
	else
		v->part[tid] = dlp_dot(v->x + i0, v->y + i0, i1 - i0);
}

static int vec_rep_fn(void *ctx, double *e)
{
	struct vec_rep *v = ctx;
	int t;

	dlp_team_run(v->team, v->threads, vec_thread, v);
	if (!v->axpy)
		for (v->sum = 0, t = 0; t < v->threads; t++)
			v->sum += v->part[t];
	return 0;
}

static void vec_all(struct cpu *c)
{
	struct vec_rep v = { .team = c->team, .n = c->o->full ? 1u << 25 : 1u << 23 };
	float *y0 = NULL;
	double ref = 0, mag = 0;
	size_t i;
	int t, ax;

	v.x = dlp_cpu_alloc(v.n * sizeof *v.x);
	v.y = dlp_cpu_alloc(v.n * sizeof *v.y);
	y0 = malloc(v.n * sizeof *y0);
	v.part = calloc((size_t)c->T, sizeof *v.part);
	if (!v.x || !v.y || !y0 || !v.part) {
		json_t *res = dlp_result_new(DLP_KERNEL_DOT, "dlprobe", "fp32");

		dlp_result_fail(res, DLP_STATUS_SKIPPED, "could not allocate the vectors");
		json_array_append_new(c->results, res);
		goto out;
	}
	dlp_fill_normal_f32(v.x, v.n, 11);
	dlp_fill_normal_f32(y0, v.n, 12);
	for (i = 0; i < v.n; i++) {
		ref += (double)v.x[i] * y0[i];
		mag += fabs((double)v.x[i] * y0[i]);
	}
	for (ax = 0; ax < 2; ax++) {
		for (t = 1; t >= 0; t--) {
			json_t *res = dlp_result_new(ax ? DLP_KERNEL_AXPY : DLP_KERNEL_DOT, "dlprobe", "fp32");
			dlp_stats st = { 0 };
			double err = 0, bytes = (ax ? 3.0 : 2.0) * v.n * sizeof(float);

			if (t == 0 && c->T == 1)
				continue;
			v.axpy = ax;
			v.threads = t ? c->T : 1;
			note(c, "cpu: %s %d thread(s)", ax ? "axpy" : "dot", v.threads);
			set_int(res, "n", (long long)v.n);
			set_int(res, "threads", v.threads);
			set_int(res, "bytes", (long long)bytes);
			memcpy(v.y, y0, v.n * sizeof *y0);
			vec_rep_fn(&v, NULL);
			if (ax) {
				for (i = 0; i < v.n; i++) {
					double want = (double)y0[i] + (double)v.x[i] / 1024;
					double e = fabs(v.y[i] - want) / (fabs(want) + 1.0);

					if (!(e <= err))
						err = isnan(e) ? INFINITY : e;
				}
			} else {
				err = fabs(v.sum - ref) / (mag + 1e-30);
			}
			json_object_set_new(res, "max_rel_err", dlp_json_real(err));
			if (!(err <= 1e-5))
				dlp_result_fail(res, DLP_STATUS_ERROR, "verification failed against the double-precision reference");
			else if (dlp_measure(vec_rep_fn, &v, &c->bud, &st) != 0)
				dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
			else {
				json_object_set_new(res, "verified", json_true());
				dlp_result_set_stats(res, &st, "rate_gflops", 2e-9 * (double)v.n);
				json_object_set_new(res, "rate_gbps", dlp_json_real(1e-9 * bytes / st.median_s));
			}
			dlp_stats_free(&st);
			json_array_append_new(c->results, res);
		}
	}
out:
	free(v.x);
	free(v.y);
	free(y0);
	free(v.part);
}

/* ---- the backend ---------------------------------------------------------- */

static void fma_all(struct cpu *c)
{
	int isa, f, t;

	for (isa = 0; isa < DLP_CPU_NISA; isa++) {
		if (!dlp_cpu_isa_ok((dlp_cpu_isa)isa))
			continue;
		for (f = 0; f < 2; f++)
			for (t = 0; t < 2; t++) {
				if (t == 1 && c->T == 1)
					continue;
				/* Lower ISAs only once, single thread, in --quick. */
				if (!c->o->full && isa != (int)dlp_cpu_isa_best() && (t == 1 || f == 1))
					continue;
				fma_peak(c, (dlp_cpu_isa)isa, f, t ? c->T : 1, 0);
			}
	}
	if (c->T == 1)
		for (isa = 0; isa < DLP_CPU_NISA; isa++)
			for (f = 0; f < 2; f++)
				c->peak[isa][f][1] = c->peak[isa][f][0];
}

static int run(const dlp_bench_opts *o, json_t *devices)
{
	struct cpu c = { .o = o };
	const json_t *cpu = o->probe ? json_object_get(o->probe, "cpu") : NULL;
	const char *name = cpu ? json_string_value(json_object_get(cpu, "model_name")) : NULL;
	const char *ovr = getenv("DLPROBE_CPU_ISA");
	json_t *v;

	dlp_cpu_ftz_daz();
	c.T = o->threads > 0 ? o->threads : 1;
	/* The team's own limit; said, not silently applied. */
	if (c.T > DLP_TEAM_MAX)
		c.T = DLP_TEAM_MAX;
	c.bud.warmups = o->full ? 2 : 1;
	c.bud.budget_s = o->budget_s > 0 ? o->budget_s : (o->full ? 0.3 : 0.03);
	c.bud.min_samples = o->full ? 5 : 3;
	c.bud.max_samples = o->full ? 200 : 50;
	c.l1 = o->probe ? dlp_probe_cache_bytes(o->probe, 1) : -1;
	c.l2 = o->probe ? dlp_probe_cache_bytes(o->probe, 2) : -1;
	c.l3 = o->probe ? dlp_probe_cache_bytes(o->probe, 3) : -1;
	c.mem = o->probe ? dlp_probe_effective_memory(o->probe) : -1;
	v = cpu ? json_object_get(cpu, "nominal_mhz") : NULL;
	c.mhz = json_is_number(v) ? json_number_value(v) : -1;
	c.dev = json_object();
	c.results = json_array();
	json_object_set_new(c.dev, "name", dlp_json_str(name ? name : "cpu"));
	json_object_set_new(c.dev, "type", json_string("cpu"));
	dlp_json_set_status(c.dev, DLP_STATUS_OK, NULL);
	json_object_set_new(c.dev, "memory_bytes", dlp_json_count(c.mem));
	json_object_set_new(c.dev, "threads", json_integer(c.T));
	if (c.T < o->threads) {
		char capped[96];

		snprintf(capped, sizeof capped, "run capped at %d threads of the %d effective CPUs", c.T,
			 o->threads);
		json_object_set_new(c.dev, "note", json_string(capped));
	}
	json_object_set_new(c.dev, "isa", json_string(dlp_cpu_isa_name(dlp_cpu_isa_best())));
	json_object_set_new(c.dev, "isa_override", dlp_json_str(ovr));
	json_object_set_new(c.dev, "ftz_daz", json_true());
	/* OpenBLAS starts its threads when loaded and they inherit the loading
	 * thread's binding: load it before this thread is pinned to one PU, or
	 * every BLAS thread would share that PU. */
	blas_open(&c);
	c.team = dlp_team_new(c.T);
	if (!c.team) {
		dlp_json_set_status(c.dev, DLP_STATUS_ERROR, dlp_error_message());
		goto out;
	}
	json_object_set_new(c.dev, "binding", dlp_team_binding_json(c.team));
	fma_all(&c);
	gemm_all(&c);
	blas_finding(&c);
	bf16_all(&c);
	stream_all(&c);
	hist_all(&c);
	vec_all(&c);
out:
	json_object_set_new(c.dev, "results", c.results);
	json_array_append_new(devices, c.dev);
	dlp_team_free(c.team);
	dlp_blas_close(c.blas);
	return 0;
}

const dlp_backend dlp_backend_cpu = { "cpu", run };
