/* CPU backend internals: ISA dispatch, the thread team, the BLIS-style GEMM
 * framework and the measured kernels. The framework (loops, packing,
 * threading) lives apart from the per-ISA micro-kernels, which are compiled
 * with their own flags (files ending _avx2.c, _avx512.c, _avx512bf16.c, _amx.c). */
#ifndef DLPROBE_KERNELS_CPU_H
#define DLPROBE_KERNELS_CPU_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "dlprobe/dlprobe.h"
#include "kernels/host.h"   /* random inputs, bf16 conversion */

typedef enum dlp_cpu_isa {
	DLP_CPU_GENERIC = 0,
	DLP_CPU_AVX2 = 1,     /* AVX2 + FMA */
	DLP_CPU_AVX512 = 2,   /* AVX-512 F/BW/VL/DQ */
	DLP_CPU_NISA
} dlp_cpu_isa;

const char *dlp_cpu_isa_name(dlp_cpu_isa isa);
/* 1 when this process may run code for isa (CPUID + XGETBV, then the
 * DLPROBE_CPU_ISA=generic|avx2|avx512 ceiling, which forces a lower path). */
int dlp_cpu_isa_ok(dlp_cpu_isa isa);
/* 0 when DLPROBE_CPU_ISA is unset or names a level; else -1 with the message. */
int dlp_cpu_isa_env_check(void);
/* DLPROBE_BLAS_TIMEOUT_S: 0 unset, 1 with *timeout_s set, -1 (message set)
 * when it is not a number of seconds in (0, 86400]. */
int dlp_cpu_blas_timeout_env(double *timeout_s);
/* The best ISA allowed. */
dlp_cpu_isa dlp_cpu_isa_best(void);
/* DLPROBE_CPU_ISA may also name avx512_bf16 and amx (the default ceiling):
 * "avx512" keeps fp32 AVX-512 and forbids the bf16 paths above it. */
/* bf16 dot products (AVX512_BF16) usable and not masked by the override. */
int dlp_cpu_bf16_ok(void);
/* Why dlp_cpu_bf16_ok() is 0 (a static string), NULL when it is 1. */
const char *dlp_cpu_bf16_why(void);
/* AMX tile + bf16 usable (CPUID, XCR0) and not masked by the override; the
 * per-process permission is separate (dlp_cpu_amx_request()). */
int dlp_cpu_amx_ok(void);
/* 1 when DLPROBE_CPU_ISA sets a ceiling below amx. */
int dlp_cpu_amx_forbidden(void);

/* ---- thread team (pinned with hwloc) ------------------------------------ */
typedef struct dlp_team dlp_team;
typedef void (*dlp_team_fn)(void *arg, int tid, int nthreads);
/* The largest team (and so the most threads the CPU backend runs). */
#define DLP_TEAM_MAX 1024

/* Up to n threads (the caller is thread 0), each bound to its own PU from
 * the process's allowed set, one per core first. NULL on failure (message). */
dlp_team *dlp_team_new(int n);
void dlp_team_free(dlp_team *t);
int dlp_team_size(const dlp_team *t);
/* Run fn on threads 0..n-1 (n <= size) and wait for all of them. */
void dlp_team_run(dlp_team *t, int n, dlp_team_fn fn, void *arg);
/* The same for work shared dynamically, where any subset of the threads
 * that start (thread 0 always does) completes it: a worker that has not
 * started when thread 0 returns from fn is skipped instead of waited for,
 * so a worker the OS has not scheduled yet costs nothing. fn must not use
 * dlp_team_barrier (it counts all n). */
void dlp_team_run_dynamic(dlp_team *t, int n, dlp_team_fn fn, void *arg);
/* Barrier among the n threads of the current run. */
void dlp_team_barrier(dlp_team *t);
/* Tracked (on: 1), each run of threads with a core each times how long
 * they were off their CPUs while they had work (runnable while another task
 * or the hypervisor held the CPU), at two thread-CPU-clock reads per thread
 * per run. dlp_team_wait_s: how long the runs since the last call were held
 * up by it, in seconds, NaN when none was tracked; call it between runs. */
void dlp_team_track_wait(dlp_team *t, int on);
double dlp_team_wait_s(dlp_team *t);
/* How much slower thread 0 and each of the next few of the team's threads
 * with a core each run a compute loop beside each other than alone
 * (kernels/cpu/core_share.c), the worst pair: about 1 when each has its
 * core to itself, 1.5 when the two are one core's hardware threads. NaN
 * with fewer than two such threads. */
double dlp_cpu_core_share(dlp_team *t);
/* How many of the team's threads, the first, have a core each (0: unknown). */
int dlp_team_whole_cores(const dlp_team *t);
/* The binding each thread obtained, as an array of {"thread","cpuset","pu"}. */
json_t *dlp_team_binding_json(const dlp_team *t);

/* ---- GEMM --------------------------------------------------------------- */
/* Column-major C (m x n) = A (m x k) * B (k x n), beta = 0, alpha = 1. */
typedef struct dlp_gemm_blocking {
	int mc, kc, nc;
} dlp_gemm_blocking;

/* Micro-kernel: C[0:mr,0:nr] (ldc, column-major) = (acc ? C : 0) + sum over
 * k of packed A (k steps of MR contiguous elements) times packed B (k steps
 * of NR). It writes the full MR x NR tile; the framework handles edges. */
typedef void (*dlp_ukr_s)(size_t k, const float *a, const float *b, float *c, size_t ldc, int acc);
typedef void (*dlp_ukr_d)(size_t k, const double *a, const double *b, double *c, size_t ldc, int acc);
/* bf16 in, fp32 out: kp steps of k pairs; packed A holds MR pairs
 * {a(i,2p), a(i,2p+1)} per step and packed B NR pairs {b(2p,j), b(2p+1,j)},
 * the layout VDPBF16PS and the AMX B operand (VNNI) take. */
typedef void (*dlp_ukr_sb)(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc,
			   int acc);

/* Blocking per kernel (dlp_gemm_blocking_from_caches): the KC x NR B
 * micro-panel takes l1_pct of L1 and the KC x NC B panel l3_pct of L3 (BLIS:
 * 50 and 25), KC at most kc_max k values; gemm.c says where each was
 * measured. */
typedef struct dlp_gemm_ukr {
	const char *name;
	int mr, nr;
	void *fn;
	int kc_max, l1_pct, l3_pct;
} dlp_gemm_ukr;

/* The micro-kernel for isa and element size (4 or 8; 2 is bf16 in, fp32
 * out, with a kernel only for GENERIC (emulation, tests) and AVX512, which
 * then means AVX512_BF16: check dlp_cpu_bf16_ok() first). NULL when none. */
const dlp_gemm_ukr *dlp_gemm_ukr_get(dlp_cpu_isa isa, int elsize);
/* Blocking derived from cache sizes (bytes; <= 0 unknown: BLIS defaults). */
void dlp_gemm_blocking_from_caches(const dlp_gemm_ukr *u, int elsize, long long l1,
				   long long l2, long long l3, dlp_gemm_blocking *b);

typedef struct dlp_gemm_plan dlp_gemm_plan;
/* Buffers for a GEMM of at most this size on team (NULL team: 1 thread). */
dlp_gemm_plan *dlp_gemm_plan_new(dlp_cpu_isa isa, int elsize, const dlp_gemm_blocking *b,
				 dlp_team *team, int threads);
void dlp_gemm_plan_free(dlp_gemm_plan *p);
const dlp_gemm_ukr *dlp_gemm_plan_ukr(const dlp_gemm_plan *p);
void dlp_sgemm(dlp_gemm_plan *p, size_t m, size_t n, size_t k, const float *a, size_t lda,
	       const float *b, size_t ldb, float *c, size_t ldc);
void dlp_dgemm(dlp_gemm_plan *p, size_t m, size_t n, size_t k, const double *a, size_t lda,
	       const double *b, size_t ldb, double *c, size_t ldc);
/* C (fp32) = A (bf16) * B (bf16), fp32 accumulation; plan made with elsize 2. */
void dlp_sbgemm(dlp_gemm_plan *p, size_t m, size_t n, size_t k, const uint16_t *a, size_t lda,
		const uint16_t *b, size_t ldb, float *c, size_t ldc);

/* ---- AMX bf16 GEMM ------------------------------------------------------- */
/* The AMX path has its own driver (one thread: the target is per core):
 * 32x32 blocks of C as 2x2 16x16 fp32 tiles; A packed as the VNNI "B"
 * operand (16 i-pairs per 64-byte row, one row per k pair), B packed as the
 * "A" operand (per 32-k chunk, one 64-byte row of 32 k values per column j),
 * so the tile product is C^T and a tile row stores straight into a column of
 * column-major C. kp (pairs) is a multiple of 16. */
enum { DLP_AMX_MR = 32, DLP_AMX_NR = 32, DLP_AMX_KP = 16 };
typedef void (*dlp_amx_ukr)(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc,
			    int acc);
/* The real tile micro-kernel (sbgemm_amx.c); call only where AMX is usable
 * and permitted. dlp_amx_tile_config()/release() bracket its use per thread. */
void dlp_sbgemm_amx_32x32(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc, int acc);
void dlp_amx_tile_config(void);
void dlp_amx_tile_release(void);
/* The same micro-kernel on tiles emulated in C (TILELOADD, TDPBF16PS,
 * TILESTORED as the SDM pseudo-code defines them): runs on any CPU. */
void dlp_sbgemm_amx_emu_32x32(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc,
			  int acc);
/* Emulated TDPBF16PS on tiles of rows x colsb bytes (row-major, 64-byte
 * stride): c[m][n] += a[m].bf16[2k]*b[k].bf16[2n] then the odd pair,
 * each product exact in fp32, denormal inputs and outputs flushed. */
void dlp_amx_emu_dpbf16ps(float c[16][16], const uint16_t a[16][32], const uint16_t b[16][32],
			  int m_rows, int n_cols, int k_pairs);
typedef struct dlp_amx_plan dlp_amx_plan;
dlp_amx_plan *dlp_amx_plan_new(dlp_amx_ukr ukr, int kc, int mc, int nc);
void dlp_amx_plan_free(dlp_amx_plan *p);
void dlp_amx_sbgemm(dlp_amx_plan *p, size_t m, size_t n, size_t k, const uint16_t *a, size_t lda,
		    const uint16_t *b, size_t ldb, float *c, size_t ldc);
/* Thread tid's share of the same GEMM among nt (each with its own plan):
 * whole 32-wide tile blocks of the longer side of C, so that the nt shares
 * make up C exactly once whatever the shape. */
void dlp_amx_sbgemm_share(dlp_amx_plan *p, int tid, int nt, size_t m, size_t n, size_t k, const uint16_t *a,
			  size_t lda, const uint16_t *b, size_t ldb, float *c, size_t ldc);

/* Micro-kernels, named for what they are. */
void dlp_sgemm_generic_8x4(size_t k, const float *a, const float *b, float *c, size_t ldc, int acc);
void dlp_dgemm_generic_4x4(size_t k, const double *a, const double *b, double *c, size_t ldc, int acc);
void dlp_sgemm_avx2_16x6(size_t k, const float *a, const float *b, float *c, size_t ldc, int acc);
void dlp_dgemm_avx2_8x6(size_t k, const double *a, const double *b, double *c, size_t ldc, int acc);
void dlp_sgemm_avx512_32x12(size_t k, const float *a, const float *b, float *c, size_t ldc, int acc);
void dlp_dgemm_avx512_16x12(size_t k, const double *a, const double *b, double *c, size_t ldc, int acc);
void dlp_sbgemm_generic_8x4(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc, int acc);
void dlp_sbgemm_avx512bf16_32x12(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc,
			     int acc);

/* The bf16 GEMM result when that path cannot run here (amx 0: AVX512_BF16,
 * 1: AMX, whose permission this requests): status "unavailable" (no such
 * CPU feature, the request's reason), "skipped" (DLPROBE_CPU_ISA forbids it)
 * or "error" (AMX present, permission refused). NULL when it can run. */
json_t *dlp_cpu_bf16_unavailable(int amx);

/* ---- FMA peak ------------------------------------------------------------ */
/* Runs iters iterations of independent FMA chains; returns flops done and
 * stores a value depending on every chain in *sink. */
double dlp_fma_peak_generic_f32(long iters, float *sink);
double dlp_fma_peak_generic_f64(long iters, double *sink);
double dlp_fma_peak_avx2_f32(long iters, float *sink);
double dlp_fma_peak_avx2_f64(long iters, double *sink);
double dlp_fma_peak_avx512_f32(long iters, float *sink);
double dlp_fma_peak_avx512_f64(long iters, double *sink);
/* VDPBF16PS chains: flops counted as 2 per bf16 product pair element (a
 * multiply and an add per bf16 pair member, as vendors count bf16 peak). */
double dlp_fma_peak_avx512bf16(long iters, float *sink);
/* The range [*lo, *hi] the sink of the peak kernel for (isa, f64; bf16:
 * VDPBF16PS) must fall in after iters iterations, from the recurrence each
 * kernel runs (chains, lanes and start values are the kernels'). */
void dlp_fma_peak_expect(dlp_cpu_isa isa, int f64, int bf16, long iters, double *lo, double *hi);
/* 0 when sink lies in [lo, hi]; else -1 with the reason (message). */
int dlp_fma_peak_check(double sink, double lo, double hi);

/* ---- memory and classical-ML kernels ------------------------------------ */
enum dlp_stream_op { DLP_STREAM_COPY, DLP_STREAM_SCALE, DLP_STREAM_ADD, DLP_STREAM_TRIAD };
/* a = f(b, c) over [i0, i1); nt: non-temporal stores. Arrays 64-byte aligned. */
void dlp_stream_kernel(int op, int nt, double *a, const double *b, const double *c,
		       double s, size_t i0, size_t i1);
void dlp_stream_avx512(int op, int nt, double *a, const double *b, const double *c, double s,
		       size_t i0, size_t i1);

/* Histogram accumulation (histogram GBDT): for each row r and feature f,
 * hist[f][bins[r*nf+f]] += {grad[r], hess[r]}. Histograms are per feature,
 * nbins pairs of doubles each. */
void dlp_hist_accumulate(const uint8_t *bins, const float *grad, const float *hess,
			 size_t r0, size_t r1, size_t nf, size_t nbins, double *hist);
/* The same over a node's rows only (xgboost hist, LightGBM: the smaller
 * child's histogram is built from its gathered row-index list). */
void dlp_hist_gather(const uint8_t *bins, const float *grad, const float *hess, const uint32_t *rows,
		     size_t n, size_t nf, size_t nbins, double *hist);
/* Thread tid of n sums its slice of the n per-thread histograms (cells
 * doubles each, side by side in part) into out: after a team barrier, every
 * thread reduces a disjoint slice, so no thread waits on one reducer. */
void dlp_hist_reduce(const double *part, size_t cells, int tid, int n, double *out);
/* A node's split applied to its row list, stably: rows whose bin of feature
 * f is <= split go to left, the others to right, each in the order they
 * came. Returns the count that went left. */
size_t dlp_rows_partition(const uint8_t *bins, size_t nf, size_t f, unsigned split, const uint32_t *rows,
			  size_t n, uint32_t *left, uint32_t *right);
/* The per-node work of a histogram GBDT level (gbdt_node.c), as xgboost 1.7
 * hist: its training parameters (reg_lambda, reg_alpha, min_child_weight,
 * max_delta_step), a node's best split (loss: the gain over the node's own,
 * as a float; bins <= bin go left; missing_left: the rows missing from the
 * feature go left), the out-of-line gain of a candidate (both children's
 * weights, then both gains: CalcSplitGain), a node's own gain, and every
 * bin of one feature tried as a split (fh: its nbins {grad, hess} pairs),
 * the backward scan only when the histogram's total differs from node's. */
typedef struct dlp_gbdt_param {
	double lambda, alpha, min_child_weight, max_delta_step;
} dlp_gbdt_param;
typedef struct dlp_gbdt_split {
	float loss;
	int feature, bin, missing_left;
	double left[2], right[2];
} dlp_gbdt_split;
void dlp_gbdt_split_init(dlp_gbdt_split *b);
/* b.Update(s): the threads' bests of a node into one, in thread order. */
void dlp_gbdt_split_merge(dlp_gbdt_split *b, const dlp_gbdt_split *s);
float dlp_gbdt_split_gain(const dlp_gbdt_param *p, double gl, double hl, double gr, double hr);
float dlp_gbdt_node_gain(const dlp_gbdt_param *p, const double stats[2]);
void dlp_gbdt_feature_split(const dlp_gbdt_param *p, const double *fh, int nbins, const double node[2],
			    float root_gain, int f, dlp_gbdt_split *best);
/* sibling[i] = parent[i] - built[i] over [i0, i1): the histogram not built. */
void dlp_hist_subtract(double *sibling, const double *parent, const double *built, size_t i0, size_t i1);
/* Sort keys ascending and carry idx along (scikit-learn's splitter sorts a
 * node's feature values with its sample indices): introsort, median-of-3
 * pivot, three-way partition, heapsort past 2 log2 n levels. */
void dlp_sort_pairs(float *key, uint32_t *idx, size_t n);
/* A quantile sketch of one feature column (histogram GBDT's bin edges):
 * the column (x[i * xstride]) sorted in blocks of DLP_SKETCH_BLOCK values,
 * each block summarised by nbins values at equal ranks, the summaries
 * sorted together and nbins-1 edges taken from them at equal ranks into
 * cuts; then every value's bin into out[i * stride]. scratch and idx hold
 * dlp_sketch_scratch(n, nbins) entries. */
#define DLP_SKETCH_BLOCK 2048
size_t dlp_sketch_scratch(size_t n, size_t nbins);
void dlp_sketch_column(const float *x, size_t xstride, size_t n, size_t nbins, float *scratch, uint32_t *idx,
		       float *cuts, uint8_t *out, size_t stride);
/* The bin of v among ncuts ascending edges: the first edge >= v. */
unsigned dlp_sketch_bin(const float *cuts, size_t ncuts, float v);
/* Sort xf ascending and carry the tree splitter's 8-byte samples along
 * (the same introsort; scikit-learn's depth limit, 2 ln n). */
void dlp_sort_samples(float *xf, intptr_t *samples, size_t n);
/* scikit-learn's criterion object (cart_gini.c): its statistics and its
 * methods, called through the table as Cython calls them through the
 * vtable. One output, DLP_CART_CLASSES classes. */
#define DLP_CART_CLASSES 2
#define DLP_CART_OUTPUTS 1
typedef struct dlp_criterion dlp_criterion;
struct dlp_criterion_ops {
	void (*init)(dlp_criterion *c, const double *y, size_t n_outputs, const double *w, const intptr_t *samples,
		     size_t start, size_t end);
	void (*reset)(dlp_criterion *c);
	void (*reverse_reset)(dlp_criterion *c);
	void (*update)(dlp_criterion *c, size_t new_pos);
	double (*node_impurity)(dlp_criterion *c);
	void (*children_impurity)(dlp_criterion *c, double *left, double *right);
	void (*node_value)(dlp_criterion *c, double *dest);
	double (*impurity_improvement)(dlp_criterion *c, double parent, double left, double right);
	double (*proxy_impurity_improvement)(dlp_criterion *c);
};
struct dlp_criterion {
	const struct dlp_criterion_ops *ops;
	const double *y, *w;
	const intptr_t *samples;
	size_t n_outputs, start, pos, end;
	double weighted_n_samples, weighted_n_node_samples, weighted_n_left, weighted_n_right;
	double sum_total[DLP_CART_OUTPUTS][DLP_CART_CLASSES], sum_left[DLP_CART_OUTPUTS][DLP_CART_CLASSES],
		sum_right[DLP_CART_OUTPUTS][DLP_CART_CLASSES];
	int w_acquired;       /* the weights memoryview's acquisition count */
};
extern const struct dlp_criterion_ops dlp_gini_ops;
/* scikit-learn's exact (best) splitter at one node (cart.c), organised as
 * BestSplitter.node_split with the builder's per-node calls around it: the
 * criterion's init over the node, its impurity; for each feature in feats
 * a gather of x[samples[i] * ld + f] (row-major float32), a sort with the
 * samples, the constant-feature test and one scan calling the criterion's
 * update and proxy at every split between distinct values; the partition,
 * the best split's re-evaluation and the node's value. y: the class (0 ..
 * DLP_CART_CLASSES-1) as float64, as scikit-learn stores labels; w: sample
 * weights (a forest's bootstrap counts), NULL for all 1. */
typedef struct dlp_cart_split {
	int feature;          /* -1: no split (every feature constant) */
	double threshold;     /* SplitRecord's, a double */
	double improvement;   /* the best proxy: -n_r gini_r - n_l gini_l, weighted */
	double gain;          /* impurity_improvement: the weighted impurity decrease */
	size_t left;          /* samples that went left */
} dlp_cart_split;
void dlp_cart_node_split(const float *x, size_t ld, const double *y, const double *w, intptr_t *samples, size_t n,
			 const int *feats, int nfeats, float *xf, dlp_cart_split *best);
/* Logistic loss and its gradient per row in float64, as scikit-learn's
 * HalfBinomialLoss: grad[i] = sigmoid(raw[i]) - y[i]; returns the summed
 * loss log(1 + exp(raw)) - y raw. */
double dlp_logistic_loss_grad(const double *y, const double *raw, size_t n, double *grad);
/* The two passes of a linear model's loss/gradient over row-major float64
 * X (rows x cols): z[i] = X[i,:] w over rows [r0, r1), and acc[j] +=
 * sum_i X[i,j] r[i] over the same rows. */
void dlp_gemv_f64(const double *x, size_t cols, const double *w, size_t r0, size_t r1, double *z);
void dlp_gemv_t_f64(const double *x, size_t cols, const double *r, size_t r0, size_t r1, double *acc);
/* Fresh anonymous memory, as malloc returns a large block: mapped (NULL
 * when the map fails), every page of `bytes` faulted in by one write (page
 * k's word k % (page / 8) set to k + 1), unmapped. */
double *dlp_fresh_map(size_t bytes);
/* The 2 MiB page of x86-64's transparent huge pages. */
#define DLP_HUGE_PAGE ((size_t)2 << 20)
/* bytes of fresh memory at a huge-page boundary, advised MADV_HUGEPAGE;
 * unmap *base, *len bytes, with dlp_fresh_unmap. */
double *dlp_fresh_map_huge(size_t bytes, void **base, size_t *len);
void dlp_fresh_touch(double *mem, size_t bytes, size_t page);
void dlp_fresh_unmap(double *mem, size_t bytes);
/* The serial references of the classical kernels (classical_check.c),
 * each computed another way than the kernel: the largest relative error of
 * a histogram; the stable partition, lefts then rights, into out; the
 * values whose bin differs from the sketch's (scratch: as the sketch's);
 * a split's error against a libc sort and scan (the proxy's relative, the
 * Gini decrease's absolute; INFINITY for another feature, threshold or left
 * count); the gradient's largest
 * absolute and the summed loss's relative error; z = X w's and X^T r's
 * largest error relative to the sum of magnitudes. */
double dlp_hist_rel_err(const double *got, const double *want, size_t n);
void dlp_hist_gather_ref(const uint8_t *bins, const float *grad, const float *hess, const uint32_t *rows,
			 size_t n, size_t nf, size_t nbins, double *hist);
void dlp_rows_partition_ref(const uint8_t *bins, size_t nf, size_t f, unsigned split, const uint32_t *rows,
			    size_t n, uint32_t *out);
size_t dlp_sketch_check(const float *x, size_t xstride, size_t n, size_t nbins, const uint8_t *got, size_t stride,
			float *scratch);
double dlp_cart_split_check(const float *x, size_t ld, const double *y, const double *w, const intptr_t *samples,
			    size_t n, const int *feats, int nfeats, const dlp_cart_split *got);
/* A node's split against every candidate's gain in closed form from prefix
 * sums: the larger of got's loss against its own candidate's gain and of
 * that gain short of the best, relative to the best plus the node's own
 * gain (the float loss is their rounded difference); INFINITY when got
 * names no candidate (or none where one exists), 0 when none exists and got
 * has none. hist: nf features x nbins {grad, hess} pairs. */
double dlp_gbdt_split_check(const dlp_gbdt_param *p, const double *hist, int nf, int nbins, const double node[2],
			    const dlp_gbdt_split *got);
double dlp_logistic_check(const double *y, const double *raw, size_t n, const double *grad, double loss);
/* The same in rows x cols / stride + rows products, for X of hundreds of
 * MiB: X w on every stride-th row, and X^T r through the identity
 * w . (X^T r) = r . (X w) over every row (Freivalds: a wrong X^T r passes
 * only if its error is orthogonal to w), each relative to its sum of
 * magnitudes. */
double dlp_gemv_check_sampled(const double *x, size_t rows, size_t cols, const double *w, const double *r,
			      const double *z, const double *xtr, size_t stride);
double dlp_gemv_check(const double *x, size_t rows, size_t cols, const double *w, const double *r, const double *z,
		      const double *xtr);
/* The words of touched fresh memory that differ from what
 * dlp_fresh_touch leaves: its mark in each page, zero everywhere else. */
size_t dlp_fresh_check(const double *mem, size_t bytes, size_t page);
double dlp_dot(const float *x, const float *y, size_t n);
void dlp_axpy(float a, const float *x, float *y, size_t n);

/* ---- system BLAS reference ---------------------------------------------- */
typedef struct dlp_blas dlp_blas;
/* Load the system BLAS: the first library $DLPROBE_BLAS_LIB names when set,
 * else libblas.so.3, libopenblas.so.0, libblis.so.4. NULL with the reason
 * when none is loadable. */
dlp_blas *dlp_blas_open(void);
/* Load one library by name or path (NULL: the system chain above). */
dlp_blas *dlp_blas_open_lib(const char *lib);
void dlp_blas_close(dlp_blas *b);
/* Identity: {"library","path","config","corename","num_threads",
 * "env":{"OPENBLAS_CORETYPE":...}, ...}; BLIS adds "blis":{"arch",
 * "version","threading","sgemm_ukr","dgemm_ukr"} and its arch as corename. */
json_t *dlp_blas_identity(const dlp_blas *b);
int dlp_blas_set_threads(dlp_blas *b, int n);
/* Set the BLAS thread count for the reference result res; where the BLAS
 * has no such control, res gets "threads": null and a "note", and -1. */
int dlp_cpu_blas_threads(dlp_blas *b, int threads, json_t *res);
/* Set "vs_reference" on both results when both have a rate and ran on a
 * known, equal thread count; otherwise leave them as they are (null). */
void dlp_cpu_vs_reference(json_t *own, json_t *ref);
int dlp_blas_sgemm(dlp_blas *b, size_t m, size_t n, size_t k, const float *a, const float *bm,
		   float *c);
int dlp_blas_dgemm(dlp_blas *b, size_t m, size_t n, size_t k, const double *a,
		   const double *bm, double *c);
/* X w and X^T r on row-major float64 X (rows x cols), as numpy runs them
 * through cblas_dgemv; -1 when the library has no cblas_dgemv. */
int dlp_blas_dgemv_pair(dlp_blas *b, size_t rows, size_t cols, const double *x, const double *w, const double *r,
			double *z, double *xtr);

/* ---- helpers ------------------------------------------------------------ */
/* Set FTZ/DAZ in MXCSR for this thread (denormals would fake a slow machine). */
void dlp_cpu_ftz_daz(void);
/* 64-byte aligned allocation (free with free()); NULL on failure. */
void *dlp_cpu_alloc(size_t bytes);
/* Naive column-major reference GEMM in double precision (tests, checks). */
void dlp_gemm_ref_f32(size_t m, size_t n, size_t k, const float *a, const float *b, double *c);
void dlp_gemm_ref_f64(size_t m, size_t n, size_t k, const double *a, const double *b, double *c);
void dlp_gemm_ref_bf16(size_t m, size_t n, size_t k, const uint16_t *a, const uint16_t *b,
		       double *c);
/* Max relative error of c against ref, scaled by the magnitude expected for
 * a k-term dot product of unit normals (|ref| + sqrt(k)). */
double dlp_max_rel_err_f32(size_t n, const float *c, const double *ref, size_t k);
double dlp_max_rel_err_f64(size_t n, const double *c, const double *ref, size_t k);

#endif
