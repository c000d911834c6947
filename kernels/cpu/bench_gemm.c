/* dlprobe's own SGEMM/DGEMM/bf16 GEMM at the training shapes, each result
 * verified before it is timed; the same measurement serves the BLAS
 * references (bench_blas.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "kernels/cpu/bench_cpu.h"
#include "kernels/interference.h"

struct gemm_rep {
	dlp_gemm_plan *plan;
	dlp_amx_plan **amx;  /* one plan (packing buffers) per thread */
	dlp_team *team;
	int threads;
	dlp_blas *blas;
	enum dlp_dtype dt;
	int use_amx;  /* bf16 on AMX tiles (g->amx) instead of g->plan */
	size_t m, n, k;
	void *a, *b, *c;
};

/* Each thread packs its own operands and loads its own tile configuration
 * (tile state is per thread). */
static void amx_thread(void *arg, int tid, int nt)
{
	const struct gemm_rep *g = arg;

	dlp_amx_sbgemm_share(g->amx[tid], tid, nt, g->m, g->n, g->k, g->a, g->m, g->b, g->k, g->c, g->m);
}

static int gemm_rep_fn(void *ctx, double *e)
{
	struct gemm_rep *g = ctx;

	if (g->blas)
		return g->dt == DLP_FP64 ? dlp_blas_dgemm(g->blas, g->m, g->n, g->k, g->a, g->b, g->c)
			      : dlp_blas_sgemm(g->blas, g->m, g->n, g->k, g->a, g->b, g->c);
	if (g->use_amx) {
		if (g->threads > 1)
			dlp_team_run(g->team, g->threads, amx_thread, g);
		else
			amx_thread(g, 0, 1);
		return 0;
	}
	switch (g->dt) {
	case DLP_FP64:
		dlp_dgemm(g->plan, g->m, g->n, g->k, g->a, g->m, g->b, g->k, g->c, g->m);
		break;
	case DLP_BF16:
		dlp_sbgemm(g->plan, g->m, g->n, g->k, g->a, g->m, g->b, g->k, g->c, g->m);
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
			ref += g->dt == DLP_FP64 ? ((const double *)g->a)[i + p * g->m] *
					       ((const double *)g->b)[p + j * g->k]
			     : g->dt == DLP_BF16 ? (double)dlp_bf16_to_f32(((const uint16_t *)g->a)[i + p * g->m]) *
						(double)dlp_bf16_to_f32(((const uint16_t *)g->b)[p + j * g->k])
			     : (double)((const float *)g->a)[i + p * g->m] *
			       (double)((const float *)g->b)[p + j * g->k];
		got = g->dt == DLP_FP64 ? ((const double *)g->c)[i + j * g->m] : ((const float *)g->c)[i + j * g->m];
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

/* GEMM inputs: uniform in [-1, 1) from xorshift64*, in the element type
 * (bf16 rounded to nearest even, so the check multiplies the same values).
 * Not Box-Muller normals: their sin/cos/log took a fifth of a --quick run's
 * CPU time, and the speed of a GEMM does not depend on the distribution.
 * The check's error scale (|ref| + sqrt(k)) only gets more lenient by the
 * smaller spread (products of variance 1/9), far from what a bug costs. */
static void fill_uniform(void *x, size_t n, size_t es, uint64_t seed)
{
	uint64_t s = 0x9E3779B97F4A7C15ull * (seed + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t r;
		double v;

		s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
		r = s * 0x2545F4914F6CDD1Dull;
		v = (double)(r >> 11) * 0x1p-52 - 1.0;
		if (es == 8)
			((double *)x)[i] = v;
		else if (es == 2)
			((uint16_t *)x)[i] = dlp_f32_to_bf16((float)v);
		else
			((float *)x)[i] = (float)v;
	}
}

/* A and B of the last shape, kept for the next result at the same shape
 * (the other thread count, the BLAS after dlprobe): filling 2 x 2048^2
 * random normals costs about as much as a timed call. Element size 2 is
 * bf16 (AVX512_BF16 and AMX fill the same values). NULL a/b when out of
 * memory. */
static void mats_get(struct cpu *c, size_t es, size_t m, size_t n, size_t k, void **a, void **b)
{
	struct cpu_mats *x = &c->mats;

	if (!x->a || x->es != es || x->m != m || x->n != n || x->k != k) {
		dlp_cpu_mats_free(c);
		x->a = dlp_cpu_alloc(m * k * es);
		x->b = dlp_cpu_alloc(k * n * es);
		if (!x->a || !x->b) {
			dlp_cpu_mats_free(c);
			goto out;
		}
		x->es = es;
		x->m = m;
		x->n = n;
		x->k = k;
		fill_uniform(x->a, m * k, es, 1);
		fill_uniform(x->b, k * n, es, 2);
	}
out:
	*a = x->a;
	*b = x->b;
}

void dlp_cpu_mats_free(struct cpu *c)
{
	free(c->mats.a);
	free(c->mats.b);
	memset(&c->mats, 0, sizeof c->mats);
}

json_t *dlp_cpu_gemm_one(struct cpu *c, enum dlp_dtype dt, int amx, dlp_cpu_isa isa, int threads,
			size_t m, size_t n, size_t k, dlp_blas *blas, const dlp_gemm_blocking *bl)
{
	const size_t es = dlp_dtype_size(dt), esc = dt == DLP_FP64 ? 8 : 4;
	struct gemm_rep g = { .blas = blas, .dt = dt, .use_amx = amx, .team = c->team, .threads = threads,
			      .m = m, .n = n, .k = k };
	json_t *res = dlp_result_new(DLP_KERNEL_GEMM, blas ? "blas" : "dlprobe", dlp_dtype_name(dt));
	dlp_stats s = { 0 };
	dlp_budget bud;
	double err, tol = dt == DLP_FP64 ? 1e-12 : dt == DLP_BF16 ? BF16_TOL : 1e-4, peak;
	int t;

	json_object_set_new(res, "isa", blas ? json_null()
					     : json_string(amx ? "amx"
							   : dt == DLP_BF16 ? "avx512_bf16"
							   : dlp_cpu_isa_name(isa)));
	dlp_cpu_set_int(res, "m", (long long)m);
	dlp_cpu_set_int(res, "n", (long long)n);
	dlp_cpu_set_int(res, "k", (long long)k);
	dlp_cpu_set_int(res, "threads", threads);
	dlp_cpu_note(c, "cpu: %s %s %zux%zux%zu %d thread(s)", blas ? "blas" : "dlprobe",
	     dt == DLP_FP64 ? "dgemm" : amx ? "sbgemm amx" : dt == DLP_BF16 ? "sbgemm" : "sgemm",
	     m, n, k, threads);
	mats_get(c, es, m, n, k, &g.a, &g.b);
	g.c = dlp_cpu_alloc(m * n * esc);
	if (!g.a || !g.b || !g.c) {
		dlp_result_fail(res, DLP_STATUS_SKIPPED, "not enough memory for the matrices");
		goto out;
	}
	if (blas) {
		/* Without thread control the BLAS runs on its own count: the result
		 * says so (threads null) instead of claiming `threads`. */
		dlp_cpu_blas_threads(blas, threads, res);
	} else if (amx) {
		/* KC 512 (16 tile steps), MC 256 x KC in L2, NC 1024: a guess
		 * from the Sapphire Rapids caches (2 MiB L2 per core), not tuned
		 * here; per thread, as the L2 is per core. */
		g.amx = calloc((size_t)threads, sizeof *g.amx);
		for (t = 0; g.amx && t < threads; t++)
			if (!(g.amx[t] = dlp_amx_plan_new(dlp_sbgemm_amx_32x32, 512, 256, 1024)))
				break;
		if (!g.amx || t < threads) {
			dlp_result_fail(res, DLP_STATUS_ERROR, g.amx ? dlp_error_message() : "out of memory");
			goto out;
		}
		json_object_set_new(res, "variant", json_string("sbgemm_amx_32x32"));
	} else {
		g.plan = dlp_gemm_plan_new(isa, (int)es, bl, c->team, threads);
		if (!g.plan) {
			dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
			goto out;
		}
		json_object_set_new(res, "variant", json_string(dlp_gemm_plan_ukr(g.plan)->name));
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
	/* --quick: the verified call just made was the warm-up. */
	bud = c->bud;
	if (!c->o->full)
		bud.warmups = 0;
	/* a BLAS's threads are not the team's; operands past the last-level
	 * cache stream from the memory both threads share */
	bud.shares_memory = blas || !(c->l3 > 0) ||
			    (double)((m * k + k * n) * es + m * n * esc) > (double)c->l3;
	if (dlp_measure(gemm_rep_fn, &g, &bud, &s) != 0) {
		dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
		goto out;
	}
	dlp_result_set_stats(res, &s, DLP_RATE_GFLOPS, 2e-9 * (double)m * (double)n * (double)k);
	/* bf16 against the measured VDPBF16PS peak; AMX has no measured peak. */
	/* A BLAS on an unknown thread count has no peak to compare with. */
	peak = amx || json_is_null(json_object_get(res, "threads")) ? 0
	     : dt == DLP_BF16 ? c->peak_bf16[threads > 1]
	     : c->peak[blas ? dlp_cpu_isa_best() : isa][dt == DLP_FP64][threads > 1];
	dlp_interference_pct_set(res, peak);
	json_object_set_new(res, "vs_reference", json_null());
out:
	dlp_stats_free(&s);
	dlp_gemm_plan_free(g.plan);
	for (t = 0; g.amx && t < threads; t++)
		dlp_amx_plan_free(g.amx[t]);
	free(g.amx);
	free(g.c);
	return res;
}



/* Square sizes and the training shapes docs/references.md lists (DeepBench
 * gemm_problems.h, LLM layers), skinny batch-sized ones included. */
const struct dlp_cpu_shape dlp_cpu_shapes[] = {
	{ 256, 256, 256, 0, SH_ALL, 0, DLP_FP32, 0 },
	{ 512, 512, 512, 0, SH_ALL, 0, DLP_FP32, 0 },
	/* the point the default scenario's MLP layers take their
	 * "as configured" rate from (the smallest the BLAS runs): re-measured
	 * in a focused re-run */
	{ 1024, 1024, 1024, 0, SH_BOTH, 1, DLP_FP32, 1 },
	{ 2048, 2048, 2048, 0, SH_BOTH_FULL, 1, DLP_FP32, 0 },
	{ 1760, 64, 1760, 0, SH_ALL, 1, DLP_FP32, 0 },      /* DeepBench, batch-sized N */
	/* the skinny points in --quick too: the estimator interpolates between
	 * shapes, and without them a quick document put a CIFAR ResNet-18 25%
	 * faster than a full one of the same machine (issue 13: same answer) */
	{ 4096, 16, 4096, 0, SH_ALL, 1, DLP_FP32, 0 },      /* decode-like skinny */
	{ 2560, 128, 2560, 0, SH_ALL, 1, DLP_FP32, 0 },
	/* in --quick too: the large layers of the default scenario's language
	 * model sit above 2048^3, where --full has this point and 4096^3 */
	{ 512, 4096, 4096, 0, SH_ALL, 1, DLP_FP32, 0 },     /* LLM layer, 512 tokens */
	{ 512, 11008, 4096, 1, SH_ALL, 0, DLP_FP32, 0 },
	{ 4096, 4096, 4096, 1, SH_ALL, 0, DLP_FP32, 0 },
	{ 1024, 1024, 1024, 0, SH_BOTH_FULL, 1, DLP_FP64, 0 },
	{ 2048, 2048, 2048, 1, SH_BOTH, 1, DLP_FP64, 0 },
	{ 512, 512, 512, 1, SH_ALL, 0, DLP_FP64, 0 },
};

const size_t dlp_cpu_nshapes = sizeof dlp_cpu_shapes / sizeof dlp_cpu_shapes[0];

int dlp_cpu_shape_runs(const struct cpu *c, const struct dlp_cpu_shape *sh, int t)
{
	if ((sh->full_only && !c->o->full) || (c->o->focus && !sh->focus))
		return 0;
	if (t == 1)
		return c->T > 1;
	/* One thread only: that is the all-thread run. */
	if (c->T == 1)
		return 1;
	return sh->threads == SH_BOTH || (sh->threads == SH_BOTH_FULL && c->o->full);
}

void dlp_cpu_gemm_all(struct cpu *c)
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
	for (i = 0; i < dlp_cpu_nshapes; i++) {
		const struct dlp_cpu_shape *sh = &dlp_cpu_shapes[i];

		for (t = 0; t < 2; t++) {
			int threads = t ? c->T : 1;

			if (!dlp_cpu_shape_runs(c, sh, t))
				continue;
			json_array_append_new(c->results, dlp_cpu_gemm_one(c, sh->dt, 0, isa, threads, sh->m,
									   sh->n, sh->k, NULL,
									   &bl[sh->dt == DLP_FP64]));
		}
	}
	/* A lower ISA at one shape shows what dispatch is worth (full only). */
	if (c->o->full)
		for (i = 0; i < (size_t)isa; i++)
			json_array_append_new(c->results, dlp_cpu_gemm_one(c, DLP_FP32, 0, (dlp_cpu_isa)i, 1, 1024, 1024,
								  1024, NULL, &bl[0]));
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

/* The bf16 shapes. --quick: one square shape at 1 and T threads and the
 * skinny training shape (a CNN's im2col GEMMs have n = its channels: AMX
 * ran 1760x64x1760 at 258 GFLOP/s against 705 at 1024^3, and without it a
 * quick bench put ResNet-18 at 0.56x what a full one did); --full adds the
 * large square and the LLM shape, which --quick runs on AMX alone
 * (amx_quick): AMX's rate there is 2.7x its rate at the skinny shape, and
 * without it GPT-2's layers read the skinny rate, 0.63x of what a full
 * bench gave (2-vCPU Intel VM, scripts/bench_quick.sh); at 1 TFLOP/s it
 * costs tens of ms, on AVX512_BF16 near a second. */
static const struct { size_t m, n, k; int full_only, both, amx_quick; } bf16_shapes[] = {
	{ 1024, 1024, 1024, 0, 1, 0 },
	{ 1760, 64, 1760, 0, 0, 0 },
	{ 2048, 2048, 2048, 1, 1, 0 },
	{ 512, 4096, 4096, 1, 0, 1 },
};

/* One ISA's bf16 GEMMs (amx: on tiles, else AVX512_BF16 with bl) at the
 * shapes and thread counts above: one thread where `both`, else the whole
 * device alone. AMX runs at the same ones as AVX512_BF16: with AMX at the
 * squares alone, the estimator read the other shapes at AVX512_BF16's
 * 150-190 GFLOP/s against AMX's 260-700 (ResNet-18 and GPT-2 2.6-3.8x
 * slower from a full bench than from a quick one, Intel VM), and a
 * one-core AMX figure understated the device by its core count. */
static void bf16_gemms(struct cpu *c, int amx, const dlp_gemm_blocking *bl)
{
	size_t i;
	int t;

	for (i = 0; i < sizeof bf16_shapes / sizeof bf16_shapes[0]; i++) {
		if (bf16_shapes[i].full_only && !(amx && bf16_shapes[i].amx_quick) && !c->o->full)
			continue;
		for (t = 0; t < 2; t++) {
			if ((t == 0 && !bf16_shapes[i].both && c->T > 1) || (t == 1 && c->T == 1))
				continue;
			json_array_append_new(c->results, dlp_cpu_gemm_one(c, DLP_BF16, amx, DLP_CPU_AVX512, t ? c->T : 1,
									   bf16_shapes[i].m, bf16_shapes[i].n,
									   bf16_shapes[i].k, NULL, bl));
		}
	}
}

void dlp_cpu_bf16_all(struct cpu *c)
{
	dlp_gemm_blocking bl;
	json_t *un;
	int t;

	un = dlp_cpu_bf16_unavailable(0);
	if (un) {
		json_array_append_new(c->results, un);
	} else {
		for (t = 0; t < 2; t++)
			if (t == 0 || c->T > 1)
				dlp_cpu_fma_peak(c, DLP_CPU_AVX512, 0, t ? c->T : 1, 1);
		if (c->T == 1)
			c->peak_bf16[1] = c->peak_bf16[0];
		dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(DLP_CPU_AVX512, 2), 2, c->l1, c->l2,
					      c->l3, &bl);
		bf16_gemms(c, 0, &bl);
	}
	un = dlp_cpu_bf16_unavailable(1);
	if (un)
		json_array_append_new(c->results, un);
	else
		bf16_gemms(c, 1, NULL);
}

