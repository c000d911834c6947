/* The CPU backend's measurement families (bench_fma.c, bench_gemm.c,
 * bench_blas.c, bench_stream.c, bench_gbdt.c, bench_sketch.c, bench_cart.c,
 * bench_linear.c, bench_classical.c) and the state the device
 * loop in backend_cpu.c hands each of them. Private to kernels/cpu/. */
#ifndef DLPROBE_KERNELS_CPU_BENCH_CPU_H
#define DLPROBE_KERNELS_CPU_BENCH_CPU_H

#include <sched.h>

#include <jansson.h>

#include "dlprobe/bench.h"
#include "kernels/backend.h"
#include "kernels/cpu/cpu.h"

/* The GEMM inputs of the last shape (bench_gemm.c reuses them). */
struct cpu_mats {
	size_t es, m, n, k;
	void *a, *b;
};

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
	/* the process's CPUs before the team pinned this thread: a BLAS child
	 * gets them back, so the library's threads are not all on one PU */
	cpu_set_t allowed;
	int have_allowed;
	json_t *dev, *results;
	struct cpu_mats mats;
};

/* A progress line (nothing when the caller asked for none). */
void dlp_cpu_note(struct cpu *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A result's rate_gflops, NaN when it has none. */
double dlp_cpu_rate_of(const json_t *r);
/* One FMA peak run (bf16: VDPBF16PS chains); fills c->peak / c->peak_bf16. */
void dlp_cpu_fma_peak(struct cpu *c, dlp_cpu_isa isa, int f64, int threads, int bf16);
void dlp_cpu_set_int(json_t *r, const char *key, long long v);
/* The budget of the classical kernels' small results (c->bud, shorter in
 * --quick). */
dlp_budget dlp_cpu_small_budget(const struct cpu *c);
/* A result whose output was checked (err: its largest relative error,
 * tol: the most allowed; what names the output in the failure) and, when
 * it passed, timed: rate_key = work / median. Appended to c->results. */
void dlp_cpu_check_time(struct cpu *c, json_t *res, double err, double tol, const char *what, dlp_rep_fn fn,
			void *ctx, const char *rate_key, double work);
/* A skipped result (its inputs could not be allocated), appended. */
void dlp_cpu_skip(struct cpu *c, const char *kernel, const char *dtype, const char *why);

/* The families, in the order the device loop runs them; each appends its
 * results to c->results. */
void dlp_cpu_fma_all(struct cpu *c);
void dlp_cpu_gemm_all(struct cpu *c);
void dlp_cpu_bf16_all(struct cpu *c);
/* The BLAS references (the system's, then BLIS or what DLPROBE_BLAS_LIB
 * names), each in a child process, at the shapes dlprobe's GEMMs ran:
 * system_blas and other_blas on the device, vs_reference on dlprobe's
 * results against the fastest, and the finding. Run after dlp_cpu_gemm_all. */
void dlp_cpu_blas_all(struct cpu *c);
/* In a BLAS child: the library's X w and X^T r (cblas_dgemv) on float64 X
 * in the caches and from memory, at 1 and T threads, appended to out. */
void dlp_cpu_blas_linear(struct cpu *c, dlp_blas *b, json_t *out);
/* The most memory those passes hold at once (X, w, r and the products). */
long long dlp_cpu_blas_linear_bytes(const struct cpu *c);
void dlp_cpu_stream_all(struct cpu *c);
void dlp_cpu_hist_all(struct cpu *c);
/* the gathered histogram and the row partition of a GBDT level */
void dlp_cpu_gbdt_all(struct cpu *c);
/* the per-node work of a GBDT level: sibling histograms and split search */
void dlp_cpu_gbdt_node_all(struct cpu *c);
void dlp_cpu_sketch_all(struct cpu *c);
void dlp_cpu_cart_all(struct cpu *c);
/* the logistic loss per row and the X w, X^T r passes */
void dlp_cpu_linear_all(struct cpu *c);
void dlp_cpu_vec_all(struct cpu *c);

/* One verified, timed GEMM: dlprobe's (blas NULL; bl its blocking) or the
 * BLAS's at the same shape. dt is DLP_FP32, DLP_FP64 or DLP_BF16 (bf16 in,
 * fp32 out); amx runs a bf16 GEMM on AMX tiles instead of AVX512_BF16 (the
 * same dtype, another kernel: isa and bl are then unused). */
json_t *dlp_cpu_gemm_one(struct cpu *c, enum dlp_dtype dt, int amx, dlp_cpu_isa isa, int threads,
			 size_t m, size_t n, size_t k, dlp_blas *blas, const dlp_gemm_blocking *bl);

/* Free the kept GEMM inputs (done when the GEMMs are over). */
void dlp_cpu_mats_free(struct cpu *c);

/* The shapes both dlprobe and the BLAS references run. threads: which
 * thread counts (enum below); blas: the references run it too. */
enum { SH_ALL = 0, SH_BOTH = 1, SH_BOTH_FULL = 2 };
struct dlp_cpu_shape {
	size_t m, n, k;
	int full_only, threads, blas;
	enum dlp_dtype dt;        /* DLP_FP32 or DLP_FP64 */
	int focus;                /* measured in a focused re-run too */
};
extern const struct dlp_cpu_shape dlp_cpu_shapes[];
extern const size_t dlp_cpu_nshapes;
/* 1 when shape sh runs on t = 0 (1 thread) or t = 1 (all threads) in this
 * mode: SH_ALL all threads only, SH_BOTH 1 and all, SH_BOTH_FULL 1 thread
 * only in --full (the estimator reads the all-thread figures); a focused
 * re-run runs the focus shapes only. */
int dlp_cpu_shape_runs(const struct cpu *c, const struct dlp_cpu_shape *sh, int t);

#endif
