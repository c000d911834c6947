/* The CUDA backend: host code on the driver API loaded at run time
 * (probe/cuda_driver.c), dlprobe's kernels as PTX embedded at build time
 * (kernels/cuda/NAME.cu) and loaded with cuModuleLoadData, cuBLAS and NVML
 * loaded at run time when present. Kernel times are CUDA events; copies
 * through the driver's synchronous calls are timed on the host clock. */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/backend.h"
#include "kernels/cuda/cu.h"
#include "kernels/cuda/gemm_sm80.h"
#include "kernels/cuda/gemm_sm90a.h"
#include "kernels/cuda/vendor.h"
#include "kernels/opencl/ocl.h"   /* dlp_ocl_randn, fp16 conversion: host helpers */

#define MIB ((size_t)1 << 20)

void dlp_cu_cfg_from_opts(dlp_cu_cfg *c, const dlp_bench_opts *o)
{
	int full = o && o->full;
	double bs = o && o->budget_s > 0.0 ? o->budget_s : full ? 1.0 : 0.25;

	memset(c, 0, sizeof *c);
	c->budget = (dlp_budget){ .warmups = 2, .budget_s = bs, .min_samples = 3, .max_samples = 500 };
	if (full) {
		c->gemm_n[0] = 2048;
		c->gemm_n[1] = 4096;
		c->gemm_n[2] = 8192;
		c->bw_bytes = 1024 * MIB;
		c->xfer_bytes = 512 * MIB;
	} else {
		c->gemm_n[0] = 4096;
		c->bw_bytes = 256 * MIB;
		c->xfer_bytes = 256 * MIB;
	}
	c->cublas = 1;
}

static int cu_fail(const dlp_cuda_api *api, dlp_cu_result r, const char *what)
{
	char b[64];

	return dlp_error_set("%s (%d) at %s", dlp_cuda_error_name(api, r, b, sizeof b), r, what);
}

#define CU(d, call, what)                                          \
	do {                                                       \
		dlp_cu_result r_ = (call);                         \
		if (r_ != 0) {                                     \
			cu_fail((d)->api, r_, what);               \
			goto out;                                  \
		}                                                  \
	} while (0)

/* The optional driver entry points the backend needs, or the first missing. */
static const char *missing_symbol(const dlp_cuda_api *a)
{
#define NEED(f) if (!a->f) return #f
	NEED(cuCtxCreate);
	NEED(cuCtxDestroy);
	NEED(cuCtxSetCurrent);
	NEED(cuCtxSynchronize);
	NEED(cuMemAlloc);
	NEED(cuMemFree);
	NEED(cuMemcpyHtoD);
	NEED(cuMemcpyDtoH);
	NEED(cuMemcpyDtoD);
	NEED(cuEventCreate);
	NEED(cuEventDestroy);
	NEED(cuEventRecord);
	NEED(cuEventSynchronize);
	NEED(cuEventElapsedTime);
#undef NEED
	return NULL;
}

static const char *missing_kernel_symbol(const dlp_cuda_api *a)
{
	if (!a->cuModuleLoadData)
		return "cuModuleLoadData";
	if (!a->cuModuleGetFunction)
		return "cuModuleGetFunction";
	if (!a->cuModuleUnload)
		return "cuModuleUnload";
	if (!a->cuLaunchKernel)
		return "cuLaunchKernel";
	return NULL;
}

/* ---- per-device state ------------------------------------------------------ */
/* The embedded PTX modules. sm_90a PTX (wgmma, TMA) is arch-specific: the
 * driver JITs it for compute capability 9.0 only, not for later GPUs. */
enum cu_mod { MOD_BASE, MOD_SM80, MOD_SM90A, MOD_COUNT };
static const struct {
	const char *file;
	int cc;         /* minimum compute capability, x10 */
	int exact;      /* and maximum */
} mod_desc[MOD_COUNT] = {
	{ "ptx/gemm.ptx", 75, 0 },
	{ "ptx/gemm_sm80.ptx", 80, 0 },
	{ "ptx/gemm_sm90a.ptx", 90, 1 },
};

struct cu_dev {
	dlp_cuda_api *api;
	int ord, ccmaj, ccmin, sms;
	dlp_cu_device dev;
	dlp_cu_context ctx;
	dlp_cu_module mod[MOD_COUNT];
	char mod_why[MOD_COUNT][256];
	dlp_status mod_st[MOD_COUNT];  /* why a module is NULL: unavailable or error */
	dlp_cu_event e0, e1;
	dlp_cu_blas *blas;
	void *blas_handle;
	dlp_cu_blaslt *lt;
	void *lt_handle;
};

static int load_module(struct cu_dev *d, const char *name, dlp_cu_module *m, char *why,
		       size_t len, dlp_status *st)
{
	size_t n;
	const char *ptx = dlp_embedded_get(name, &n);
	const char *miss = missing_kernel_symbol(d->api);
	dlp_cu_result r;
	char b[64];

	*st = DLP_STATUS_UNAVAILABLE;
	if (!ptx) {
		snprintf(why, len, "the CUDA kernels were not built (no nvcc at build time)");
		return -1;
	}
	*st = DLP_STATUS_ERROR;
	if (miss) {
		snprintf(why, len, "the CUDA driver lacks %s", miss);
		return -1;
	}
	r = d->api->cuModuleLoadData(m, ptx);
	if (r != 0) {
		*m = NULL;
		snprintf(why, len, "%s (%d) at cuModuleLoadData(%s)",
			 dlp_cuda_error_name(d->api, r, b, sizeof b), r, name);
		return -1;
	}
	return 0;
}

/* ---- host data ------------------------------------------------------------ */
enum cu_dt { DT_FP32, DT_TF32, DT_FP16, DT_BF16 };
static const char *const dt_name[] = { "fp32", "tf32", "fp16", "bf16" };

static uint16_t f32_to_bf16(float f)
{
	uint32_t x;

	memcpy(&x, &f, sizeof x);
	if ((x & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((x >> 16) | 0x40);
	x += 0x7fffu + ((x >> 16) & 1u);
	return (uint16_t)(x >> 16);
}

static float bf16_to_f32(uint16_t h)
{
	uint32_t x = (uint32_t)h << 16;
	float f;

	memcpy(&f, &x, sizeof f);
	return f;
}

struct gemm_host {
	int n;
	float *a0, *b0;     /* fp32 inputs */
	float *ar, *br;     /* inputs as the kernel sees them (after fp16/bf16 rounding) */
	uint16_t *a16, *b16;
	float *c;
};

static void host_free(struct gemm_host *h)
{
	free(h->a0);
	free(h->b0);
	free(h->ar);
	free(h->br);
	free(h->a16);
	free(h->b16);
	free(h->c);
	memset(h, 0, sizeof *h);
}

static int host_init(struct gemm_host *h, int n)
{
	size_t nn = (size_t)n * (size_t)n;

	memset(h, 0, sizeof *h);
	h->n = n;
	h->a0 = malloc(nn * 4);
	h->b0 = malloc(nn * 4);
	h->ar = malloc(nn * 4);
	h->br = malloc(nn * 4);
	h->a16 = malloc(nn * 2);
	h->b16 = malloc(nn * 2);
	h->c = malloc(nn * 4);
	if (!h->a0 || !h->b0 || !h->ar || !h->br || !h->a16 || !h->b16 || !h->c) {
		host_free(h);
		return dlp_error_set("out of memory for %dx%d GEMM inputs", n, n);
	}
	dlp_ocl_randn(h->a0, nn, 12345);
	dlp_ocl_randn(h->b0, nn, 67890);
	return 0;
}

/* Round the inputs to dt; the reference uses the rounded values. */
static void host_round(struct gemm_host *h, enum cu_dt dt)
{
	size_t nn = (size_t)h->n * (size_t)h->n, i;

	for (i = 0; i < nn; i++) {
		if (dt == DT_FP16) {
			h->a16[i] = dlp_ocl_f32_to_f16(h->a0[i]);
			h->b16[i] = dlp_ocl_f32_to_f16(h->b0[i]);
			h->ar[i] = dlp_ocl_f16_to_f32(h->a16[i]);
			h->br[i] = dlp_ocl_f16_to_f32(h->b16[i]);
		} else if (dt == DT_BF16) {
			h->a16[i] = f32_to_bf16(h->a0[i]);
			h->b16[i] = f32_to_bf16(h->b0[i]);
			h->ar[i] = bf16_to_f32(h->a16[i]);
			h->br[i] = bf16_to_f32(h->b16[i]);
		} else {
			h->ar[i] = h->a0[i];
			h->br[i] = h->b0[i];
		}
	}
}

/* Sampled check against a double reference, for C = A B or (nt) C = A B^T;
 * the error is normalised by sum |a_ik b_kj|. tf32 keeps 10 mantissa bits of
 * the inputs on the device (rounded by wmma, truncated by wgmma): within the
 * 2e-3 tolerance either way. */
static int host_verify(const struct gemm_host *h, enum cu_dt dt, int nt, double *max_err)
{
	const size_t n = (size_t)h->n;
	const double tol = dt == DT_TF32 ? 2e-3 : 1e-5;
	double worst = 0.0;
	size_t s, k, x;

	for (x = 0; x < n * n; x++)
		if (!isfinite(h->c[x]))
			return dlp_error_set("verification failed: C[%zu] is not finite", x);
	for (s = 0; s < 257; s++) {
		size_t i = s == 0 ? 0 : s == 1 ? n - 1 : (s * 7919u + 13u) % n;
		size_t j = s == 0 ? 0 : s == 1 ? n - 1 : (s * 104729u + 7u) % n;
		double ref = 0.0, mag = 0.0, e;

		for (k = 0; k < n; k++) {
			double p = (double)h->ar[i * n + k] * (double)h->br[nt ? j * n + k : k * n + j];

			ref += p;
			mag += fabs(p);
		}
		e = fabs((double)h->c[i * n + j] - ref) / (mag > 0.0 ? mag : 1.0);
		if (e > worst)
			worst = e;
		if (!(e <= tol)) {
			*max_err = e;
			return dlp_error_set("verification failed: C[%zu][%zu] = %g, reference %g "
					     "(error %.3g of sum|ab|, tolerance %.1g)",
					     i, j, (double)h->c[i * n + j], ref, e, tol);
		}
	}
	*max_err = worst;
	return 0;
}

/* ---- GEMM ------------------------------------------------------------------ */
/* dlprobe's GEMM kernels, each measured on its own: a simple and a tuned
 * kernel per dtype, so a regression in one shows against the other. */
struct cu_gemm_kernel {
	const char *name;
	enum cu_dt dt;
	enum cu_mod mod;
	int bm, bn, kmul, threads;  /* grid (n/bn, n/bm); n % kmul == 0 */
	unsigned smem;              /* dynamic shared memory, bytes */
	int tma;                    /* takes two CUtensorMaps instead of A, B pointers */
};

static const struct cu_gemm_kernel gemm_kernels[] = {
	{ "dlp_sgemm_128x128", DT_FP32, MOD_BASE, 128, 128, 8, 256, 0, 0 },
	{ "dlp_sgemm_128x128_db", DT_FP32, MOD_BASE, 128, 128, 8, 256, 0, 0 },
	{ "dlp_tgemm_wmma", DT_TF32, MOD_SM80, 128, 128, 16, 256, 0, 0 },
	{ "dlp_tgemm_wgmma", DT_TF32, MOD_SM90A, DLP_WGMMA_BM, DLP_WGMMA_BN, DLP_WGMMA_BK_TF32,
	  DLP_WGMMA_THREADS, DLP_WGMMA_SMEM, 1 },
	{ "dlp_hgemm_wmma", DT_FP16, MOD_BASE, 128, 128, 32, 256, 0, 0 },
	{ "dlp_hgemm_mma", DT_FP16, MOD_SM80, DLP_MMA_BM, DLP_MMA_BN, DLP_MMA_BK,
	  DLP_MMA_THREADS, DLP_MMA_SMEM, 0 },
	{ "dlp_hgemm_wgmma", DT_FP16, MOD_SM90A, DLP_WGMMA_BM, DLP_WGMMA_BN, DLP_WGMMA_BK,
	  DLP_WGMMA_THREADS, DLP_WGMMA_SMEM, 1 },
	{ "dlp_bgemm_wmma", DT_BF16, MOD_SM80, 128, 128, 32, 256, 0, 0 },
	{ "dlp_bgemm_mma", DT_BF16, MOD_SM80, DLP_MMA_BM, DLP_MMA_BN, DLP_MMA_BK,
	  DLP_MMA_THREADS, DLP_MMA_SMEM, 0 },
	{ "dlp_bgemm_wgmma", DT_BF16, MOD_SM90A, DLP_WGMMA_BM, DLP_WGMMA_BN, DLP_WGMMA_BK,
	  DLP_WGMMA_THREADS, DLP_WGMMA_SMEM, 1 },
};
#define N_GEMM_KERNELS (sizeof gemm_kernels / sizeof gemm_kernels[0])
#define MAX_OWN_PER_DT 4

/* fp32 on CUDA cores is C = A B; the tensor-core dtypes take B as N x K and
 * compute C = A B^T, the nn.Linear layout frameworks run (and the one every
 * tensor-core kernel and cuBLAS is fastest at). cuBLAS runs the same layout. */
static int dt_nt(enum cu_dt dt)
{
	return dt != DT_FP32;
}

/* One cublasLtMatmul problem: its descriptors, the heuristic's first
 * algorithm and the workspace that algorithm asked for. */
struct lt_plan {
	void *desc, *la, *lb, *lc, *pref;
	dlp_cu_lt_heuristic algo;
	dlp_cu_deviceptr ws;
};

struct gemm_run {
	struct cu_dev *d;
	const struct cu_gemm_kernel *k;   /* own kernel, or NULL for a library */
	struct lt_plan *lt;               /* cuBLASLt, else cuBLAS */
	dlp_cu_function f;
	dlp_cu_deviceptr A, B, C;
	int n, nt;
	/* cuBLAS */
	int atype, ctype, compute;
	/* CUtensorMap: 128 bytes, 64-byte aligned (cuda.h) */
	_Alignas(64) unsigned char tmap[2][128];
};

static int gemm_launch(struct gemm_run *g)
{
	struct cu_dev *d = g->d;
	dlp_cu_result r;

	if (g->k) {
		const struct cu_gemm_kernel *k = g->k;
		int n = g->n;
		void *args_ptr[] = { &n, &n, &n, &g->A, &g->B, &g->C };
		void *args_tma[] = { g->tmap[0], g->tmap[1], &n, &n, &n, &g->C };

		r = d->api->cuLaunchKernel(g->f, (unsigned)(n / k->bn), (unsigned)(n / k->bm), 1,
					   (unsigned)k->threads, 1, 1, k->smem, NULL,
					   k->tma ? args_tma : args_ptr, NULL);
		if (r != 0)
			return cu_fail(d->api, r, "cuLaunchKernel");
	} else if (g->lt) {
		const float one = 1.0f, zero = 0.0f;
		const struct lt_plan *p = g->lt;
		int st;

		/* the same operand order as cublasGemmEx below; D is C */
		st = d->lt->matmul(d->lt_handle, p->desc, &one, (const void *)(uintptr_t)g->B, p->la,
				   (const void *)(uintptr_t)g->A, p->lb, &zero,
				   (const void *)(uintptr_t)g->C, p->lc, (void *)(uintptr_t)g->C, p->lc,
				   p->algo.algo, (void *)(uintptr_t)p->ws, p->algo.workspace, NULL);
		if (st != 0)
			return dlp_error_set("cublasLtMatmul returned cuBLAS status %d", st);
	} else {
		const float one = 1.0f, zero = 0.0f;
		int st;

		/* Column-major cuBLAS computes C^T = B^T A^T, the row-major C = A B;
		 * with B stored N x K, B^T is B read transposed (OP_T). */
		st = d->blas->gemm_ex(d->blas_handle, g->nt ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N,
				      g->n, g->n, g->n, &one, (const void *)(uintptr_t)g->B,
				      g->atype, g->n, (const void *)(uintptr_t)g->A, g->atype, g->n,
				      &zero, (void *)(uintptr_t)g->C, g->ctype, g->n, g->compute,
				      CUBLAS_GEMM_DEFAULT);
		if (st != 0)
			return dlp_error_set("cublasGemmEx returned cuBLAS status %d", st);
	}
	return 0;
}

static int gemm_rep(void *vc, double *elapsed_s)
{
	struct gemm_run *g = vc;
	struct cu_dev *d = g->d;
	float ms = 0.0f;
	int rc = -1;

	CU(d, d->api->cuEventRecord(d->e0, NULL), "cuEventRecord");
	if (gemm_launch(g) != 0)
		goto out;
	CU(d, d->api->cuEventRecord(d->e1, NULL), "cuEventRecord");
	CU(d, d->api->cuEventSynchronize(d->e1), "cuEventSynchronize (the kernel failed)");
	CU(d, d->api->cuEventElapsedTime(&ms, d->e0, d->e1), "cuEventElapsedTime");
	if (elapsed_s)
		*elapsed_s = (double)ms * 1e-3;
	rc = 0;
out:
	return rc;
}

static void set_shape(json_t *r, int n, int nt)
{
	json_object_set_new(r, "m", json_integer(n));
	json_object_set_new(r, "n", json_integer(n));
	json_object_set_new(r, "k", json_integer(n));
	json_object_set_new(r, "layout", json_string(nt ? "A*B^T" : "A*B"));
}

/* Verify then time g; fills r. */
static void gemm_measure(struct gemm_run *g, struct gemm_host *h, enum cu_dt dt,
			 const dlp_budget *b, json_t *r)
{
	struct cu_dev *d = g->d;
	size_t nn = (size_t)g->n * (size_t)g->n;
	double err = 0.0;
	int ok = 0;

	/* All-ones bytes are a NaN in every element: an element the kernel never
	 * wrote fails the full finiteness scan, not just the sampled check. */
	CU(d, d->api->cuMemsetD8 ? d->api->cuMemsetD8(g->C, 0xff, nn * 4) : 0, "cuMemsetD8");
	if (gemm_rep(g, NULL) != 0)
		goto out;
	CU(d, d->api->cuMemcpyDtoH(h->c, g->C, nn * 4), "cuMemcpyDtoH(C)");
	if (host_verify(h, dt, g->nt, &err) != 0) {
		json_object_set_new(r, "max_rel_err", dlp_json_real(err));
		goto out;
	}
	json_object_set_new(r, "verified", json_true());
	json_object_set_new(r, "max_rel_err", dlp_json_real(err));
	if (dlp_result_measure(r, gemm_rep, g, b, "rate_gflops",
			       2.0 * (double)g->n * g->n * g->n * 1e-9) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
}

static void vs_ref(json_t *own, const json_t *ref)
{
	json_t *a = json_object_get(own, "rate_gflops"), *b = json_object_get(ref, "rate_gflops");

	if (json_is_number(a) && json_is_number(b) && json_number_value(b) > 0.0)
		json_object_set_new(own, "vs_reference",
				    dlp_json_real(json_number_value(a) / json_number_value(b)));
}

/* TMA descriptors for A (n x n, K contiguous) and B (N x K): boxes of one
 * 128-byte row along K (64 16-bit or 32 fp32 elements), 128-byte swizzle, as
 * gemm_sm90a.cu reads them. tf32 kernels take the fp32 data as it is. */
static int gemm_tensor_maps(struct gemm_run *g, enum cu_dt dt)
{
	struct cu_dev *d = g->d;
	const unsigned long long es = dt == DT_TF32 ? 4 : 2;
	const unsigned long long dims[2] = { (unsigned long long)g->n, (unsigned long long)g->n };
	const unsigned long long strides[1] = { (unsigned long long)g->n * es };
	const unsigned bk = dt == DT_TF32 ? DLP_WGMMA_BK_TF32 : DLP_WGMMA_BK;
	const unsigned estr[2] = { 1, 1 };
	const unsigned box_a[2] = { bk, DLP_WGMMA_BOX_A_ROWS };
	const unsigned box_b[2] = { bk, DLP_WGMMA_BOX_B_ROWS };
	const int type = dt == DT_FP16 ? DLP_CU_TMAP_FLOAT16 : dt == DT_BF16 ? DLP_CU_TMAP_BFLOAT16
								     : DLP_CU_TMAP_FLOAT32;
	int rc = -1;

	if (!d->api->cuTensorMapEncodeTiled)
		return dlp_error_set("the CUDA driver lacks cuTensorMapEncodeTiled (CUDA 12 or later)");
	CU(d, d->api->cuTensorMapEncodeTiled(g->tmap[0], type, 2, (void *)(uintptr_t)g->A, dims,
					     strides, box_a, estr, 0, DLP_CU_TMAP_SWIZZLE_128B,
					     DLP_CU_TMAP_L2_256B, 0),
	   "cuTensorMapEncodeTiled(A)");
	CU(d, d->api->cuTensorMapEncodeTiled(g->tmap[1], type, 2, (void *)(uintptr_t)g->B, dims,
					     strides, box_b, estr, 0, DLP_CU_TMAP_SWIZZLE_128B,
					     DLP_CU_TMAP_L2_256B, 0),
	   "cuTensorMapEncodeTiled(B)");
	rc = 0;
out:
	return rc;
}

/* DLPROBE_CUDA_SKIP: a comma-separated list of kernel names left out, so
 * that one kernel hanging or faulting on a GPU does not cost the rest. */
static int kernel_skipped(const char *name)
{
	const char *l = getenv("DLPROBE_CUDA_SKIP"), *p;
	size_t n = strlen(name);

	for (p = l; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Ready own kernel k for g, or fill r with why it cannot run here. */
static int gemm_prepare(struct gemm_run *g, const struct cu_gemm_kernel *k, json_t *r)
{
	struct cu_dev *d = g->d;
	dlp_status st = DLP_STATUS_ERROR;   /* what a failure below is */
	int rc = -1;

	g->k = NULL;
	if (kernel_skipped(k->name)) {
		st = DLP_STATUS_SKIPPED;
		dlp_error_set("named in DLPROBE_CUDA_SKIP");
		goto out;
	}
	if (!d->mod[k->mod]) {
		st = d->mod_st[k->mod];
		dlp_error_set("%s", d->mod_why[k->mod]);
		goto out;
	}
	if (g->n % k->bm || g->n % k->bn || g->n % k->kmul) {
		st = DLP_STATUS_UNAVAILABLE;
		dlp_error_set("n = %d is not a multiple of the %dx%d tile and k step %d", g->n, k->bm,
			      k->bn, k->kmul);
		goto out;
	}
	CU(d, d->api->cuModuleGetFunction(&g->f, d->mod[k->mod], k->name), "cuModuleGetFunction");
	if (k->smem > 48u * 1024u) {
		if (!d->api->cuFuncSetAttribute) {
			dlp_error_set("the CUDA driver lacks cuFuncSetAttribute");
			goto out;
		}
		CU(d, d->api->cuFuncSetAttribute(g->f, DLP_CU_FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES,
						 (int)k->smem),
		   "cuFuncSetAttribute(max dynamic shared memory)");
	}
	if (k->tma && gemm_tensor_maps(g, k->dt) != 0)
		goto out;
	g->k = k;
	rc = 0;
out:
	if (rc != 0)
		dlp_result_fail(r, st, dlp_error_message());
	return rc;
}

/* cuBLAS at the shape, dtype and layout of dlprobe's kernels; fp32 both
 * pedantic (no tensor cores) and default math, which the library may turn
 * into TF32. The first pass is the reference the own kernels are rated by. */
static void gemm_cublas(struct gemm_run *g, struct gemm_host *h, enum cu_dt dt,
			const dlp_cu_cfg *c, json_t **own, int nown, json_t *results)
{
	struct cu_dev *d = g->d;
	int pass, passes = dt == DT_FP32 ? 2 : 1, i;

	for (pass = 0; pass < passes; pass++) {
		json_t *ref = dlp_result_new(DLP_KERNEL_GEMM, "cublas", dt_name[dt]);
		int mode;
		const char *mname;

		set_shape(ref, g->n, g->nt);
		json_array_append_new(results, ref);
		g->k = NULL;
		g->atype = dt == DT_FP16 ? CUDA_R_16F : dt == DT_BF16 ? CUDA_R_16BF : CUDA_R_32F;
		g->ctype = CUDA_R_32F;
		if (dt == DT_FP32 && pass == 0) {
			mode = CUBLAS_PEDANTIC_MATH;
			g->compute = CUBLAS_COMPUTE_32F_PEDANTIC;
			mname = "CUBLAS_PEDANTIC_MATH/CUBLAS_COMPUTE_32F_PEDANTIC";
		} else if (dt == DT_TF32) {
			mode = CUBLAS_TF32_TENSOR_OP_MATH;
			g->compute = CUBLAS_COMPUTE_32F_FAST_TF32;
			mname = "CUBLAS_TF32_TENSOR_OP_MATH/CUBLAS_COMPUTE_32F_FAST_TF32";
		} else {
			mode = CUBLAS_DEFAULT_MATH;
			g->compute = CUBLAS_COMPUTE_32F;
			mname = "CUBLAS_DEFAULT_MATH/CUBLAS_COMPUTE_32F";
		}
		json_object_set_new(ref, "variant", json_string(mname));
		json_object_set_new(ref, "math_mode", json_string(mname));
		if (d->blas->set_math(d->blas_handle, mode) != 0) {
			dlp_result_fail(ref, DLP_STATUS_ERROR, "cublasSetMathMode failed");
			continue;
		}
		gemm_measure(g, h, dt, &c->budget, ref);
		for (i = 0; pass == 0 && i < nown; i++)
			vs_ref(own[i], ref);
	}
}

#define LT(call, what)                                                              \
	do {                                                                        \
		int s_ = (call);                                                    \
		if (s_ != 0) {                                                      \
			dlp_error_set("%s returned cuBLAS status %d", what, s_);    \
			goto out;                                                   \
		}                                                                   \
	} while (0)

static void lt_plan_free(struct cu_dev *d, struct lt_plan *p)
{
	if (p->ws)
		d->api->cuMemFree(p->ws);
	if (p->pref)
		d->lt->pref_destroy(p->pref);
	if (p->lc)
		d->lt->layout_destroy(p->lc);
	if (p->lb)
		d->lt->layout_destroy(p->lb);
	if (p->la)
		d->lt->layout_destroy(p->la);
	if (p->desc)
		d->lt->desc_destroy(p->desc);
	memset(p, 0, sizeof *p);
}

/* Descriptors for g's problem (square, column-major view as for
 * cublasGemmEx) and the algorithm cuBLASLt's heuristic ranks first, with up
 * to 32 MiB of workspace: what a framework's matmul gets. */
static int lt_plan_make(struct gemm_run *g, enum cu_dt dt, int compute, struct lt_plan *p)
{
	struct cu_dev *d = g->d;
	dlp_cu_blaslt *lt = d->lt;
	const int ta = g->nt ? CUBLAS_OP_T : CUBLAS_OP_N, tb = CUBLAS_OP_N;
	const int type = dt == DT_FP16 ? CUDA_R_16F : dt == DT_BF16 ? CUDA_R_16BF : CUDA_R_32F;
	const uint64_t n = (uint64_t)g->n, max_ws = 32u << 20;
	int got = 0, rc = -1;

	memset(p, 0, sizeof *p);
	LT(lt->desc_create(&p->desc, compute, CUDA_R_32F), "cublasLtMatmulDescCreate");
	LT(lt->desc_set(p->desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta),
	   "cublasLtMatmulDescSetAttribute(TRANSA)");
	LT(lt->desc_set(p->desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb),
	   "cublasLtMatmulDescSetAttribute(TRANSB)");
	LT(lt->layout_create(&p->la, type, n, n, (int64_t)n), "cublasLtMatrixLayoutCreate(A)");
	LT(lt->layout_create(&p->lb, type, n, n, (int64_t)n), "cublasLtMatrixLayoutCreate(B)");
	LT(lt->layout_create(&p->lc, CUDA_R_32F, n, n, (int64_t)n), "cublasLtMatrixLayoutCreate(C)");
	LT(lt->pref_create(&p->pref), "cublasLtMatmulPreferenceCreate");
	LT(lt->pref_set(p->pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &max_ws, sizeof max_ws),
	   "cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)");
	LT(lt->heuristic(d->lt_handle, p->desc, p->la, p->lb, p->lc, p->lc, p->pref, 1, &p->algo,
			 &got), "cublasLtMatmulAlgoGetHeuristic");
	if (got < 1 || p->algo.state != 0) {
		dlp_error_set("cuBLASLt offers no algorithm for this problem");
		goto out;
	}
	if (p->algo.workspace > max_ws) {
		dlp_error_set("cuBLASLt asked for %zu bytes of workspace, above the %llu allowed",
			      p->algo.workspace, (unsigned long long)max_ws);
		goto out;
	}
	if (p->algo.workspace)
		CU(d, d->api->cuMemAlloc(&p->ws, p->algo.workspace), "cuMemAlloc(cuBLASLt workspace)");
	rc = 0;
out:
	if (rc != 0)
		lt_plan_free(d, p);
	return rc;
}

/* cuBLASLt at the shape, dtype and layout of the rest: fp32 as fp32, tf32
 * through FAST_TF32, fp16/bf16 with fp32 accumulation. */
static void gemm_cublaslt(struct gemm_run *g, struct gemm_host *h, enum cu_dt dt,
			  const dlp_cu_cfg *c, json_t *results)
{
	const int compute = dt == DT_TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
	const char *cname = dt == DT_TF32 ? "CUBLAS_COMPUTE_32F_FAST_TF32" : "CUBLAS_COMPUTE_32F";
	json_t *r = dlp_result_new(DLP_KERNEL_GEMM, "cublaslt", dt_name[dt]);
	struct lt_plan plan;
	char v[80];

	set_shape(r, g->n, g->nt);
	snprintf(v, sizeof v, "cublasLtMatmul/%s", cname);
	json_object_set_new(r, "variant", json_string(v));
	json_object_set_new(r, "math_mode", json_string(cname));
	json_array_append_new(results, r);
	g->k = NULL;
	if (lt_plan_make(g, dt, compute, &plan) != 0) {
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
		return;
	}
	json_object_set_new(r, "workspace_bytes", json_integer((json_int_t)plan.algo.workspace));
	g->lt = &plan;
	gemm_measure(g, h, dt, &c->budget, r);
	g->lt = NULL;
	lt_plan_free(g->d, &plan);
}

static void progress(const dlp_bench_opts *o, const char *what);

static void bench_gemm(struct cu_dev *d, const dlp_cu_cfg *c, const dlp_bench_opts *o, int n,
		       json_t *results)
{
	struct gemm_host h = { 0 };
	struct gemm_run *g = NULL;
	size_t nn = (size_t)n * (size_t)n, i;
	char what[96];
	int dt;

	if (host_init(&h, n) != 0)
		goto out;
	/* aligned_alloc: the tensor maps inside need 64-byte alignment */
	if (!(g = aligned_alloc(64, sizeof *g))) {
		dlp_error_set("out of memory");
		goto out;
	}
	memset(g, 0, sizeof *g);
	g->d = d;
	g->n = n;
	CU(d, d->api->cuMemAlloc(&g->A, nn * 4), "cuMemAlloc(A)");
	CU(d, d->api->cuMemAlloc(&g->B, nn * 4), "cuMemAlloc(B)");
	CU(d, d->api->cuMemAlloc(&g->C, nn * 4), "cuMemAlloc(C)");
	for (dt = DT_FP32; dt <= DT_BF16; dt++) {
		size_t es = dt >= DT_FP16 ? 2 : 4;
		json_t *own[MAX_OWN_PER_DT];
		int nown = 0, inputs_ok;

		g->nt = dt_nt((enum cu_dt)dt);
		host_round(&h, (enum cu_dt)dt);
		inputs_ok = !d->api->cuMemcpyHtoD(g->A, es == 2 ? (void *)h.a16 : (void *)h.ar, nn * es) &&
			    !d->api->cuMemcpyHtoD(g->B, es == 2 ? (void *)h.b16 : (void *)h.br, nn * es);
		for (i = 0; i < N_GEMM_KERNELS; i++) {
			const struct cu_gemm_kernel *k = &gemm_kernels[i];
			json_t *r;

			if (k->dt != (enum cu_dt)dt || nown == MAX_OWN_PER_DT)
				continue;
			snprintf(what, sizeof what, "cuda: gemm %s n=%d", k->name, n);
			progress(o, what);
			r = own[nown++] = dlp_result_new(DLP_KERNEL_GEMM, "dlprobe", dt_name[dt]);
			set_shape(r, n, g->nt);
			json_object_set_new(r, "variant", json_string(k->name));
			json_array_append_new(results, r);
			if (!inputs_ok)
				dlp_result_fail(r, DLP_STATUS_ERROR, "cuMemcpyHtoD of the inputs failed");
			else if (gemm_prepare(g, k, r) == 0)
				gemm_measure(g, &h, (enum cu_dt)dt, &c->budget, r);
		}
		snprintf(what, sizeof what, "cuda: cublas %s n=%d", dt_name[dt], n);
		progress(o, what);
		if (d->blas_handle && inputs_ok)
			gemm_cublas(g, &h, (enum cu_dt)dt, c, own, nown, results);
		if (d->lt_handle && inputs_ok)
			gemm_cublaslt(g, &h, (enum cu_dt)dt, c, results);
	}
out:
	if (!g || !g->C) {
		json_t *r = dlp_result_new(DLP_KERNEL_GEMM, "dlprobe", "fp32");

		set_shape(r, n, 0);
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
		json_array_append_new(results, r);
	}
	if (g && g->A)
		d->api->cuMemFree(g->A);
	if (g && g->B)
		d->api->cuMemFree(g->B);
	if (g && g->C)
		d->api->cuMemFree(g->C);
	free(g);
	host_free(&h);
}

/* ---- device copy, transfers, latency, peer ----------------------------------- */
struct copy_run {
	struct cu_dev *d;
	dlp_cu_function f;       /* NULL: cuMemcpyDtoD */
	int oneshot;             /* dlp_copy_f4_oneshot: one vector per thread */
	dlp_cu_deviceptr a, b;
	size_t bytes;
};

static int copy_rep(void *vc, double *elapsed_s)
{
	struct copy_run *c = vc;
	struct cu_dev *d = c->d;
	float ms = 0.0f;
	int rc = -1;

	CU(d, d->api->cuEventRecord(d->e0, NULL), "cuEventRecord");
	if (c->f) {
		size_t n4 = c->bytes / 16;
		/* grid-stride: four waves of 8 blocks of 256 per SM */
		unsigned grid = c->oneshot ? (unsigned)((n4 + 255) / 256)
					   : (unsigned)(n4 / 256 < (size_t)d->sms * 32 ? n4 / 256
										  : (size_t)d->sms * 32);
		void *args[] = { &n4, &c->a, &c->b };

		CU(d, d->api->cuLaunchKernel(c->f, grid ? grid : 1, 1, 1, 256, 1, 1, 0, NULL, args,
					     NULL), "cuLaunchKernel(copy)");
	} else {
		CU(d, d->api->cuMemcpyDtoD(c->b, c->a, c->bytes), "cuMemcpyDtoD");
	}
	CU(d, d->api->cuEventRecord(d->e1, NULL), "cuEventRecord");
	CU(d, d->api->cuEventSynchronize(d->e1), "cuEventSynchronize (the copy failed)");
	CU(d, d->api->cuEventElapsedTime(&ms, d->e0, d->e1), "cuEventElapsedTime");
	if (elapsed_s)
		*elapsed_s = (double)ms * 1e-3;
	rc = 0;
out:
	return rc;
}

static void bench_d2d(struct cu_dev *d, const dlp_cu_cfg *c, json_t *results)
{
	unsigned char *src = NULL, *got = NULL;
	struct copy_run cr = { 0 };
	size_t bytes = c->bw_bytes - c->bw_bytes % 4096, i;
	int pass;

	cr.d = d;
	cr.bytes = bytes;
	src = malloc(bytes);
	got = malloc(bytes);
	/* dlprobe's two copy kernels, then the driver's own copy */
	for (pass = 0; pass < 3; pass++) {
		static const char *const vname[] = { "dlp_copy_f4", "dlp_copy_f4_oneshot",
						     "cuMemcpyDtoD" };
		json_t *r = dlp_result_new(DLP_KERNEL_D2D, "dlprobe", NULL);
		int ok = 0;

		json_object_set_new(r, "variant", json_string(vname[pass]));
		json_object_set_new(r, "bytes", json_integer((json_int_t)bytes));
		json_object_set_new(r, "counts", json_string("read+write"));
		json_array_append_new(results, r);
		cr.f = NULL;
		cr.oneshot = pass == 1;
		if (pass < 2) {
			if (!d->mod[MOD_BASE]) {
				dlp_result_fail(r, d->mod_st[MOD_BASE], d->mod_why[MOD_BASE]);
				continue;
			}
			CU(d, d->api->cuModuleGetFunction(&cr.f, d->mod[MOD_BASE], vname[pass]),
			   "cuModuleGetFunction(copy kernel)");
		}
		if (!src || !got) {
			dlp_error_set("out of memory for %zu-byte host buffers", bytes);
			goto out;
		}
		if (!cr.a)
			CU(d, d->api->cuMemAlloc(&cr.a, bytes), "cuMemAlloc");
		if (!cr.b)
			CU(d, d->api->cuMemAlloc(&cr.b, bytes), "cuMemAlloc");
		for (i = 0; i < bytes; i++)
			src[i] = (unsigned char)(i * 131u + 7u + (unsigned)pass);
		CU(d, d->api->cuMemcpyHtoD(cr.a, src, bytes), "cuMemcpyHtoD");
		if (copy_rep(&cr, NULL) != 0)
			goto out;
		CU(d, d->api->cuMemcpyDtoH(got, cr.b, bytes), "cuMemcpyDtoH");
		if (memcmp(src, got, bytes) != 0) {
			dlp_error_set("verification failed: the copy differs from its source");
			goto out;
		}
		json_object_set_new(r, "verified", json_true());
		json_object_set_new(r, "max_rel_err", json_real(0.0));
		if (dlp_result_measure(r, copy_rep, &cr, &c->budget, "rate_gbps",
				       2.0 * (double)bytes * 1e-9) != 0)
			goto out;
		ok = 1;
out:
		if (!ok)
			dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	}
	if (cr.a)
		d->api->cuMemFree(cr.a);
	if (cr.b)
		d->api->cuMemFree(cr.b);
	free(src);
	free(got);
}

struct xfer_run {
	struct cu_dev *d;
	void *host;
	dlp_cu_deviceptr dev;
	size_t bytes;
	int h2d;
};

static int xfer_rep(void *vc, double *elapsed_s)
{
	struct xfer_run *x = vc;
	struct cu_dev *d = x->d;
	int rc = -1;

	/* Host clock: the synchronous copy as an application waits for it. */
	(void)elapsed_s;
	if (x->h2d)
		CU(d, d->api->cuMemcpyHtoD(x->dev, x->host, x->bytes), "cuMemcpyHtoD");
	else
		CU(d, d->api->cuMemcpyDtoH(x->host, x->dev, x->bytes), "cuMemcpyDtoH");
	rc = 0;
out:
	return rc;
}

static void bench_xfer(struct cu_dev *d, const dlp_cu_cfg *c, json_t *results)
{
	unsigned char *check = malloc(c->xfer_bytes);
	size_t i;
	int dir, pinned;

	for (dir = 0; dir < 2; dir++)
		for (pinned = 1; pinned >= 0; pinned--) {
			struct xfer_run x = { d, NULL, 0, c->xfer_bytes, dir == 0 };
			json_t *r = dlp_result_new(dir == 0 ? DLP_KERNEL_H2D : DLP_KERNEL_D2H, "dlprobe", NULL);
			int ok = 0;

			json_object_set_new(r, "variant", json_string(pinned ? "pinned" : "pageable"));
			json_object_set_new(r, "bytes", json_integer((json_int_t)x.bytes));
			json_array_append_new(results, r);
			if (pinned && (!d->api->cuMemAllocHost || !d->api->cuMemFreeHost)) {
				dlp_result_fail(r, DLP_STATUS_UNAVAILABLE,
						"the CUDA driver lacks cuMemAllocHost_v2");
				continue;
			}
			if (!check) {
				dlp_error_set("out of memory");
				goto out;
			}
			if (pinned)
				CU(d, d->api->cuMemAllocHost(&x.host, x.bytes), "cuMemAllocHost");
			else if (!(x.host = malloc(x.bytes))) {
				dlp_error_set("out of memory for a %zu-byte host buffer", x.bytes);
				goto out;
			}
			CU(d, d->api->cuMemAlloc(&x.dev, x.bytes), "cuMemAlloc");
			for (i = 0; i < x.bytes; i++)
				check[i] = (unsigned char)(i * 131u + 7u);
			if (x.h2d) {
				memcpy(x.host, check, x.bytes);
				if (xfer_rep(&x, NULL) != 0)
					goto out;
				memset(x.host, 0, x.bytes);
				CU(d, d->api->cuMemcpyDtoH(x.host, x.dev, x.bytes), "cuMemcpyDtoH");
			} else {
				CU(d, d->api->cuMemcpyHtoD(x.dev, check, x.bytes), "cuMemcpyHtoD");
				memset(x.host, 0, x.bytes);
				if (xfer_rep(&x, NULL) != 0)
					goto out;
			}
			if (memcmp(x.host, check, x.bytes) != 0) {
				dlp_error_set("verification failed: the bytes differ from those sent");
				goto out;
			}
			json_object_set_new(r, "verified", json_true());
			json_object_set_new(r, "max_rel_err", json_real(0.0));
			if (dlp_result_measure(r, xfer_rep, &x, &c->budget, "rate_gbps",
					       (double)x.bytes * 1e-9) != 0)
				goto out;
			ok = 1;
out:
			if (!ok)
				dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
			if (x.dev)
				d->api->cuMemFree(x.dev);
			if (x.host && pinned)
				d->api->cuMemFreeHost(x.host);
			else
				free(x.host);
		}
	free(check);
}

struct launch_run {
	struct cu_dev *d;
	dlp_cu_function f;
	dlp_cu_deviceptr p;
};

static int launch_rep(void *vc, double *elapsed_s)
{
	struct launch_run *l = vc;
	struct cu_dev *d = l->d;
	void *args[] = { &l->p };
	int rc = -1;

	/* Host clock: launch to completion, what dependent small kernels wait for. */
	(void)elapsed_s;
	CU(d, d->api->cuLaunchKernel(l->f, 1, 1, 1, 1, 1, 1, 0, NULL, args, NULL),
	   "cuLaunchKernel(dlp_noop)");
	CU(d, d->api->cuCtxSynchronize(), "cuCtxSynchronize (the kernel failed)");
	rc = 0;
out:
	return rc;
}

static void bench_latency(struct cu_dev *d, const dlp_cu_cfg *c, json_t *results)
{
	struct launch_run l = { d, NULL, 0 };
	json_t *r = dlp_result_new(DLP_KERNEL_LAUNCH_LATENCY, "dlprobe", NULL);
	int got = 0, ok = 0;

	json_object_set_new(r, "variant", json_string("launch+synchronize"));
	json_array_append_new(results, r);
	if (!d->mod[MOD_BASE]) {
		dlp_result_fail(r, d->mod_st[MOD_BASE], d->mod_why[MOD_BASE]);
		return;
	}
	CU(d, d->api->cuModuleGetFunction(&l.f, d->mod[MOD_BASE], "dlp_noop"), "cuModuleGetFunction(dlp_noop)");
	CU(d, d->api->cuMemAlloc(&l.p, sizeof got), "cuMemAlloc");
	CU(d, d->api->cuMemcpyHtoD(l.p, &got, sizeof got), "cuMemcpyHtoD");
	if (launch_rep(&l, NULL) != 0)
		goto out;
	CU(d, d->api->cuMemcpyDtoH(&got, l.p, sizeof got), "cuMemcpyDtoH");
	if (got != 42) {
		dlp_error_set("verification failed: the empty kernel did not run");
		goto out;
	}
	json_object_set_new(r, "verified", json_true());
	l.p = 0;
	if (dlp_result_measure(r, launch_rep, &l, &c->budget, "latency_s",
			       0.0) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	if (l.p)
		d->api->cuMemFree(l.p);
}

struct peer_run {
	struct cu_dev *src, *dst;
	dlp_cu_deviceptr a, b;
	size_t bytes;
};

static int peer_rep(void *vc, double *elapsed_s)
{
	struct peer_run *p = vc;
	struct cu_dev *d = p->src;
	int rc = -1;

	(void)elapsed_s;
	CU(d, d->api->cuMemcpyPeer(p->b, p->dst->ctx, p->a, p->src->ctx, p->bytes), "cuMemcpyPeer");
	CU(d, d->api->cuCtxSynchronize(), "cuCtxSynchronize");
	rc = 0;
out:
	return rc;
}

static void bench_peer(struct cu_dev *s, struct cu_dev *t, const dlp_cu_cfg *c, json_t *results)
{
	struct peer_run p = { s, t, 0, 0, c->xfer_bytes };
	json_t *r = dlp_result_new(DLP_KERNEL_P2P, "dlprobe", NULL);
	int can = 0, ok = 0;
	dlp_cu_result e;

	json_object_set_new(r, "peer", json_integer(t->ord));
	json_object_set_new(r, "bytes", json_integer((json_int_t)p.bytes));
	json_array_append_new(results, r);
	if (!s->api->cuDeviceCanAccessPeer || !s->api->cuCtxEnablePeerAccess ||
	    !s->api->cuMemcpyPeer) {
		dlp_result_fail(r, DLP_STATUS_UNAVAILABLE, "the CUDA driver lacks the peer calls");
		return;
	}
	CU(s, s->api->cuDeviceCanAccessPeer(&can, s->dev, t->dev), "cuDeviceCanAccessPeer");
	json_object_set_new(r, "variant", json_string(can ? "peer access" : "staged by the driver"));
	CU(s, s->api->cuCtxSetCurrent(t->ctx), "cuCtxSetCurrent");
	CU(s, s->api->cuMemAlloc(&p.b, p.bytes), "cuMemAlloc(peer)");
	CU(s, s->api->cuCtxSetCurrent(s->ctx), "cuCtxSetCurrent");
	CU(s, s->api->cuMemAlloc(&p.a, p.bytes), "cuMemAlloc");
	/* 704: CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED */
	if (can && (e = s->api->cuCtxEnablePeerAccess(t->ctx, 0)) != 0 && e != 704) {
		cu_fail(s->api, e, "cuCtxEnablePeerAccess");
		goto out;
	}
	if (peer_rep(&p, NULL) != 0)
		goto out;
	json_object_set_new(r, "verified", json_false());
	if (dlp_result_measure(r, peer_rep, &p, &c->budget, "rate_gbps",
			       (double)p.bytes * 1e-9) != 0)
		goto out;
	/* The bytes are not compared: the copy is the driver's own call. */
	json_object_set_new(r, "verified", json_false());
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	if (p.a)
		s->api->cuMemFree(p.a);
	if (p.b && s->api->cuCtxSetCurrent(t->ctx) == 0) {
		s->api->cuMemFree(p.b);
	}
	s->api->cuCtxSetCurrent(s->ctx);
}

/* ---- devices ------------------------------------------------------------------ */
static void dev_close(struct cu_dev *d)
{
	int m;

	if (!d->ctx)
		return;
	d->api->cuCtxSetCurrent(d->ctx);
	if (d->blas_handle)
		d->blas->destroy(d->blas_handle);
	if (d->lt_handle)
		d->lt->destroy(d->lt_handle);
	if (d->e0)
		d->api->cuEventDestroy(d->e0);
	if (d->e1)
		d->api->cuEventDestroy(d->e1);
	for (m = 0; m < MOD_COUNT; m++)
		if (d->mod[m])
			d->api->cuModuleUnload(d->mod[m]);
	d->api->cuCtxDestroy(d->ctx);
	d->ctx = NULL;
}

static json_t *dev_object(struct cu_dev *d, const dlp_cu_cfg *c)
{
	json_t *dev = json_object();
	char name[256] = "", pci[64] = "";
	size_t mem = 0;
	int v = -1;

	d->api->cuDeviceGetName(name, sizeof name, d->dev);
	d->api->cuDeviceTotalMem(&mem, d->dev);
	d->api->cuDeviceGetAttribute(&d->ccmaj, DLP_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, d->dev);
	d->api->cuDeviceGetAttribute(&d->ccmin, DLP_CU_ATTR_COMPUTE_CAPABILITY_MINOR, d->dev);
	d->api->cuDeviceGetAttribute(&d->sms, DLP_CU_ATTR_MULTIPROCESSOR_COUNT, d->dev);
	if (d->sms <= 0)
		d->sms = 1;
	json_object_set_new(dev, "name", dlp_json_str(name));
	json_object_set_new(dev, "type", json_string("gpu"));
	json_object_set_new(dev, "ordinal", json_integer(d->ord));
	json_object_set_new(dev, "memory_bytes", mem ? json_integer((json_int_t)mem) : json_null());
	{
		char cc[16];

		snprintf(cc, sizeof cc, "%d.%d", d->ccmaj, d->ccmin);
		json_object_set_new(dev, "compute_capability", json_string(cc));
	}
	json_object_set_new(dev, "sm_count", json_integer(d->sms));
	if (d->api->cuDeviceGetAttribute(&v, DLP_CU_ATTR_CLOCK_RATE, d->dev) == 0 && v > 0)
		json_object_set_new(dev, "clock_mhz", json_real(v / 1000.0));
	if (d->api->cuDeviceGetPCIBusId && d->api->cuDeviceGetPCIBusId(pci, sizeof pci, d->dev) == 0) {
		json_object_set_new(dev, "pci_bus_id", json_string(pci));
		json_object_set_new(dev, "nvml", dlp_cu_nvml_info(c->nvml_lib, pci));
	}
	json_object_set_new(dev, "cuda_kernels_built", json_boolean(dlp_build_cuda_kernels()));
	json_object_set_new(dev, "results", json_array());
	return dev;
}

static void device_status(json_t *dev)
{
	json_t *results = json_object_get(dev, "results"), *r;
	const char *first = NULL;
	size_t i, nok = 0;

	json_array_foreach(results, i, r) {
		const char *st = json_string_value(json_object_get(r, "status"));

		if (st && strcmp(st, "ok") == 0)
			nok++;
		else if (st && strcmp(st, "error") == 0 && !first)
			first = json_string_value(json_object_get(r, "reason"));
	}
	if (nok)
		dlp_json_set_status(dev, DLP_STATUS_OK, NULL);
	else
		dlp_json_set_status(dev, DLP_STATUS_ERROR, first ? first : "nothing could be measured");
}

static void append_status(json_t *devices, dlp_status st, const char *why)
{
	json_t *dev = json_object();

	json_object_set_new(dev, "name", json_null());
	json_object_set_new(dev, "type", json_null());
	json_object_set_new(dev, "memory_bytes", json_null());
	dlp_json_set_status(dev, st, why);
	json_object_set_new(dev, "results", json_array());
	json_array_append_new(devices, dev);
}

static void progress(const dlp_bench_opts *o, const char *what)
{
	if (o && o->progress)
		o->progress(o->progress_user, what);
}

int dlp_cu_run_api(dlp_cuda_api *api, const dlp_cu_cfg *c, const dlp_bench_opts *o,
		   json_t *devices)
{
	struct cu_dev *devs = NULL;
	json_t **objs = NULL;
	dlp_cu_blas blas;
	dlp_cu_blaslt lt;
	char why[256], lt_why[256], b[64];
	const char *miss;
	dlp_cu_result r;
	int n = 0, i, j, have_blas = 0, have_lt = 0;

	r = api->cuInit(0);
	if (r == DLP_CUDA_ERROR_NO_DEVICE) {
		append_status(devices, DLP_STATUS_UNAVAILABLE, "no CUDA device (CUDA_ERROR_NO_DEVICE)");
		return 0;
	}
	if (r != 0 || (r = api->cuDeviceGetCount(&n)) != 0) {
		snprintf(why, sizeof why, "%s (%d) at cuInit", dlp_cuda_error_name(api, r, b, sizeof b), r);
		append_status(devices, DLP_STATUS_ERROR, why);
		return 0;
	}
	if (n <= 0) {
		append_status(devices, DLP_STATUS_UNAVAILABLE, "the CUDA driver reports no device");
		return 0;
	}
	if ((miss = missing_symbol(api))) {
		snprintf(why, sizeof why, "the CUDA driver %.160s lacks %s", api->path, miss);
		append_status(devices, DLP_STATUS_ERROR, why);
		return 0;
	}
	devs = calloc((size_t)n, sizeof *devs);
	objs = calloc((size_t)n, sizeof *objs);
	if (!devs || !objs) {
		append_status(devices, DLP_STATUS_ERROR, "out of memory");
		goto out;
	}
	if (c->cublas) {
		have_blas = dlp_cu_blas_load(&blas, c->cublas_lib, why, sizeof why) == 0;
		have_lt = dlp_cu_blaslt_load(&lt, c->cublaslt_lib, lt_why, sizeof lt_why) == 0;
	} else {
		snprintf(why, sizeof why, "cuBLAS not requested");
		snprintf(lt_why, sizeof lt_why, "cuBLASLt not requested");
	}
	for (i = 0; i < n; i++) {
		struct cu_dev *d = &devs[i];
		json_t *dev, *res;
		int k, m;

		d->api = api;
		d->ord = i;
		if ((r = api->cuDeviceGet(&d->dev, i)) != 0) {
			cu_fail(api, r, "cuDeviceGet");
			append_status(devices, DLP_STATUS_ERROR, dlp_error_message());
			continue;
		}
		dev = objs[i] = dev_object(d, c);
		json_array_append_new(devices, dev);
		res = json_object_get(dev, "results");
		if ((r = api->cuCtxCreate(&d->ctx, 0, d->dev)) != 0) {
			d->ctx = NULL;
			cu_fail(api, r, "cuCtxCreate");
			dlp_json_set_status(dev, DLP_STATUS_ERROR, dlp_error_message());
			continue;
		}
		if ((r = api->cuEventCreate(&d->e0, 0)) != 0 || (r = api->cuEventCreate(&d->e1, 0)) != 0) {
			cu_fail(api, r, "cuEventCreate");
			dlp_json_set_status(dev, DLP_STATUS_ERROR, dlp_error_message());
			continue;
		}
		/* Module loads JIT the PTX for this GPU: untimed, like any first call. */
		progress(o, "cuda: load kernels");
		for (m = 0; m < MOD_COUNT; m++) {
			const int cc = d->ccmaj * 10 + d->ccmin;

			if (cc < mod_desc[m].cc || (mod_desc[m].exact && cc != mod_desc[m].cc)) {
				snprintf(d->mod_why[m], sizeof d->mod_why[m],
					 mod_desc[m].exact ? "needs compute capability %d.%d exactly"
							     " (arch-specific PTX)"
							   : "needs compute capability %d.%d",
					 mod_desc[m].cc / 10, mod_desc[m].cc % 10);
				d->mod_st[m] = DLP_STATUS_UNAVAILABLE;
				continue;
			}
			load_module(d, mod_desc[m].file, &d->mod[m], d->mod_why[m],
				    sizeof d->mod_why[m], &d->mod_st[m]);
		}
		json_object_set_new(dev, "module", json_string(d->mod[MOD_BASE] ? "ok"
									: d->mod_why[MOD_BASE]));
		if (have_blas) {
			int ver = 0;

			d->blas = &blas;
			if (blas.create(&d->blas_handle) != 0) {
				d->blas_handle = NULL;
				json_object_set_new(dev, "cublas", json_string("cublasCreate_v2 failed"));
			} else {
				json_t *cb = json_object();

				json_object_set_new(cb, "library", json_string(blas.lib));
				if (blas.get_version && blas.get_version(d->blas_handle, &ver) == 0)
					json_object_set_new(cb, "version", json_integer(ver));
				json_object_set_new(dev, "cublas", cb);
			}
		} else {
			json_object_set_new(dev, "cublas", json_string(why));
		}
		if (have_lt) {
			d->lt = &lt;
			if (lt.create(&d->lt_handle) != 0) {
				d->lt_handle = NULL;
				json_object_set_new(dev, "cublaslt", json_string("cublasLtCreate failed"));
			} else {
				json_t *cb = json_object();

				json_object_set_new(cb, "library", json_string(lt.lib));
				if (lt.get_version)
					json_object_set_new(cb, "version",
							    json_integer((json_int_t)lt.get_version()));
				json_object_set_new(dev, "cublaslt", cb);
			}
		} else {
			json_object_set_new(dev, "cublaslt", json_string(lt_why));
		}
		for (k = 0; k < 4 && c->gemm_n[k] > 0; k++) {
			bench_gemm(d, c, o, c->gemm_n[k], res);
		}
		progress(o, "cuda: memory");
		bench_d2d(d, c, res);
		progress(o, "cuda: transfers");
		bench_xfer(d, c, res);
		bench_latency(d, c, res);
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (i != j && devs[i].ctx && devs[j].ctx) {
				progress(o, "cuda: peer to peer");
				api->cuCtxSetCurrent(devs[i].ctx);
				bench_peer(&devs[i], &devs[j], c, json_object_get(objs[i], "results"));
			}
	for (i = 0; i < n; i++)
		if (objs[i] && devs[i].ctx)
			device_status(objs[i]);
out:
	for (i = 0; devs && i < n; i++)
		dev_close(&devs[i]);
	/* cuBLAS and cuBLASLt stay loaded: unloading them with the driver still up is not
	 * something its static state is known to survive. */
	free(devs);
	free(objs);
	return 0;
}

static int run(const dlp_bench_opts *o, json_t *devices)
{
	dlp_cuda_api api;
	dlp_cu_cfg c;
	int rc;

	if (dlp_cuda_load(&api) != 0) {
		append_status(devices, DLP_STATUS_UNAVAILABLE, dlp_error_message());
		return 0;
	}
	dlp_cu_cfg_from_opts(&c, o);
	rc = dlp_cu_run_api(&api, &c, o, devices);
	dlp_cuda_unload(&api);
	return rc;
}

const dlp_backend dlp_backend_cuda = { "cuda", run };
