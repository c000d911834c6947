/* The measured FMA peak per ISA and dtype, 1 thread and all threads, each
 * run checked against the value its recurrence must reach. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

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
		fl = dlp_fma_peak_avx512bf16(r->iters, &fs);
		break;
	case DLP_CPU_GENERIC * 2:
		fl = dlp_fma_peak_generic_f32(r->iters, &fs);
		break;
	case DLP_CPU_GENERIC * 2 + 1:
		fl = dlp_fma_peak_generic_f64(r->iters, &ds);
		break;
	case DLP_CPU_AVX2 * 2:
		fl = dlp_fma_peak_avx2_f32(r->iters, &fs);
		break;
	case DLP_CPU_AVX2 * 2 + 1:
		fl = dlp_fma_peak_avx2_f64(r->iters, &ds);
		break;
	case DLP_CPU_AVX512 * 2:
		fl = dlp_fma_peak_avx512_f32(r->iters, &fs);
		break;
	default:
		fl = dlp_fma_peak_avx512_f64(r->iters, &ds);
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
void dlp_cpu_fma_peak(struct cpu *c, dlp_cpu_isa isa, int f64, int threads, int bf16)
{
	struct fma_rep r = { .c = c, .isa = isa, .f64 = f64, .threads = threads, .bf16 = bf16,
			     .iters = 1000000 };
	const char *dtn = dlp_dtype_name(bf16 ? DLP_BF16 : f64 ? DLP_FP64 : DLP_FP32);
	json_t *res = dlp_result_new(DLP_KERNEL_FMA_PEAK, "dlprobe", dtn);
	const char *isan = bf16 ? "avx512_bf16" : dlp_cpu_isa_name(isa);
	dlp_stats s = { 0 };
	double work = 0, computed = NAN, lo, hi;
	int i;

	json_object_set_new(res, "isa", json_string(isan));
	dlp_cpu_set_int(res, "threads", threads);
	dlp_cpu_note(c, "cpu: fma peak %s %s %d thread(s)", isan, dtn, threads);
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
	dlp_result_set_stats(res, &s, DLP_RATE_GFLOPS, work * 1e-9);
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


void dlp_cpu_fma_all(struct cpu *c)
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
				dlp_cpu_fma_peak(c, (dlp_cpu_isa)isa, f, t ? c->T : 1, 0);
			}
	}
	if (c->T == 1)
		for (isa = 0; isa < DLP_CPU_NISA; isa++)
			for (f = 0; f < 2; f++)
				c->peak[isa][f][1] = c->peak[isa][f][0];
}
