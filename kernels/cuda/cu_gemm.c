/* dlprobe's own CUDA GEMMs: the kernel table, launch, verify-then-time, and
 * the per-shape loop that measures them beside cuBLAS and cuBLASLt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cuda/cu_impl.h"
#include "kernels/cuda/gemm_sm80.h"
#include "kernels/cuda/gemm_sm90a.h"

/* dlprobe's GEMM kernels, each measured on its own: a simple and a tuned
 * kernel per dtype, so a regression in one shows against the other. */
struct cu_gemm_kernel {
	const char *name;
	enum dlp_dtype dt;
	enum cu_mod mod;
	int bm, bn, kmul, threads;  /* grid (n/bn, n/bm); n % kmul == 0 */
	unsigned smem;              /* dynamic shared memory, bytes */
	int tma;                    /* takes two CUtensorMaps instead of A, B pointers */
};

static const struct cu_gemm_kernel gemm_kernels[] = {
	{ "dlp_sgemm_128x128", DLP_FP32, MOD_BASE, 128, 128, 8, 256, 0, 0 },
	{ "dlp_sgemm_128x128_db", DLP_FP32, MOD_BASE, 128, 128, 8, 256, 0, 0 },
	{ "dlp_tgemm_wmma", DLP_TF32, MOD_SM80, 128, 128, 16, 256, 0, 0 },
	{ "dlp_tgemm_wgmma", DLP_TF32, MOD_SM90A, DLP_WGMMA_BM, DLP_WGMMA_BN, DLP_WGMMA_BK_TF32,
	  DLP_WGMMA_THREADS, DLP_WGMMA_SMEM, 1 },
	{ "dlp_hgemm_wmma", DLP_FP16, MOD_BASE, 128, 128, 32, 256, 0, 0 },
	{ "dlp_hgemm_mma", DLP_FP16, MOD_SM80, DLP_MMA_BM, DLP_MMA_BN, DLP_MMA_BK,
	  DLP_MMA_THREADS, DLP_MMA_SMEM, 0 },
	{ "dlp_hgemm_wgmma", DLP_FP16, MOD_SM90A, DLP_WGMMA_BM, DLP_WGMMA_BN, DLP_WGMMA_BK,
	  DLP_WGMMA_THREADS, DLP_WGMMA_SMEM, 1 },
	{ "dlp_bgemm_wmma", DLP_BF16, MOD_SM80, 128, 128, 32, 256, 0, 0 },
	{ "dlp_bgemm_mma", DLP_BF16, MOD_SM80, DLP_MMA_BM, DLP_MMA_BN, DLP_MMA_BK,
	  DLP_MMA_THREADS, DLP_MMA_SMEM, 0 },
	{ "dlp_bgemm_wgmma", DLP_BF16, MOD_SM90A, DLP_WGMMA_BM, DLP_WGMMA_BN, DLP_WGMMA_BK,
	  DLP_WGMMA_THREADS, DLP_WGMMA_SMEM, 1 },
};
#define N_GEMM_KERNELS (sizeof gemm_kernels / sizeof gemm_kernels[0])
#define MAX_OWN_PER_DT 4

static int gemm_launch(struct gemm_run *g)
{
	struct cu_dev *d = g->d;
	const struct cu_gemm_kernel *k = g->k;
	int n = g->n;
	void *args_ptr[] = { &n, &n, &n, &g->A, &g->B, &g->C };
	void *args_tma[] = { g->tmap[0], g->tmap[1], &n, &n, &n, &g->C };
	dlp_cu_result r;

	if (!k)
		return dlp_cu_vendor_launch(g);
	r = d->api->cuLaunchKernel(g->f, (unsigned)(n / k->bn), (unsigned)(n / k->bm), 1,
				   (unsigned)k->threads, 1, 1, k->smem, NULL,
				   k->tma ? args_tma : args_ptr, NULL);
	if (r != 0)
		return dlp_cu_fail(d->api, r, "cuLaunchKernel");
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

void dlp_cu_set_shape(json_t *r, int n, int nt)
{
	json_object_set_new(r, "m", json_integer(n));
	json_object_set_new(r, "n", json_integer(n));
	json_object_set_new(r, "k", json_integer(n));
	json_object_set_new(r, "layout", json_string(nt ? "A*B^T" : "A*B"));
}

/* Verify then time g; fills r. */
void dlp_cu_gemm_measure(struct gemm_run *g, struct gemm_host *h, enum dlp_dtype dt,
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
	if (dlp_cu_host_verify(h, dt, g->nt, &err) != 0) {
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

/* TMA descriptors for A (n x n, K contiguous) and B (N x K): boxes of one
 * 128-byte row along K (64 16-bit or 32 fp32 elements), 128-byte swizzle, as
 * gemm_sm90a.cu reads them. tf32 kernels take the fp32 data as it is. */
static int gemm_tensor_maps(struct gemm_run *g, enum dlp_dtype dt)
{
	struct cu_dev *d = g->d;
	const unsigned long long es = dlp_dtype_size(dt);
	const unsigned long long dims[2] = { (unsigned long long)g->n, (unsigned long long)g->n };
	const unsigned long long strides[1] = { (unsigned long long)g->n * es };
	const unsigned bk = dt == DLP_TF32 ? DLP_WGMMA_BK_TF32 : DLP_WGMMA_BK;
	const unsigned estr[2] = { 1, 1 };
	const unsigned box_a[2] = { bk, DLP_WGMMA_BOX_A_ROWS };
	const unsigned box_b[2] = { bk, DLP_WGMMA_BOX_B_ROWS };
	const int type = dt == DLP_FP16 ? DLP_CU_TMAP_FLOAT16 : dt == DLP_BF16 ? DLP_CU_TMAP_BFLOAT16
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

void dlp_cu_bench_gemm(struct cu_dev *d, const dlp_cu_cfg *c, const dlp_bench_opts *o, int n,
		       json_t *results)
{
	struct gemm_host h = { 0 };
	struct gemm_run *g = NULL;
	size_t nn = (size_t)n * (size_t)n, i;
	char what[96];
	enum dlp_dtype dt;

	if (dlp_cu_host_init(&h, n) != 0)
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
	for (dt = DLP_FP32; dt <= DLP_BF16; dt++) {
		size_t es = dlp_dtype_size(dt);
		json_t *own[MAX_OWN_PER_DT];
		int nown = 0, inputs_ok;

		g->nt = dlp_cu_dt_nt(dt);
		dlp_cu_host_round(&h, dt);
		inputs_ok = !d->api->cuMemcpyHtoD(g->A, es == 2 ? (void *)h.a16 : (void *)h.ar, nn * es) &&
			    !d->api->cuMemcpyHtoD(g->B, es == 2 ? (void *)h.b16 : (void *)h.br, nn * es);
		for (i = 0; i < N_GEMM_KERNELS; i++) {
			const struct cu_gemm_kernel *k = &gemm_kernels[i];
			json_t *r;

			if (k->dt != dt || nown == MAX_OWN_PER_DT)
				continue;
			snprintf(what, sizeof what, "cuda: gemm %s n=%d", k->name, n);
			dlp_cu_progress(o, what);
			r = own[nown++] = dlp_result_new(DLP_KERNEL_GEMM, "dlprobe", dlp_dtype_name(dt));
			dlp_cu_set_shape(r, n, g->nt);
			json_object_set_new(r, "variant", json_string(k->name));
			json_array_append_new(results, r);
			if (!inputs_ok)
				dlp_result_fail(r, DLP_STATUS_ERROR, "cuMemcpyHtoD of the inputs failed");
			else if (gemm_prepare(g, k, r) == 0)
				dlp_cu_gemm_measure(g, &h, dt, &c->budget, r);
		}
		snprintf(what, sizeof what, "cuda: cublas %s n=%d", dlp_dtype_name(dt), n);
		dlp_cu_progress(o, what);
		if (d->blas_handle && inputs_ok)
			dlp_cu_gemm_cublas(g, &h, dt, c, own, nown, results);
		if (d->lt_handle && inputs_ok)
			dlp_cu_gemm_cublaslt(g, &h, dt, c, results);
	}
out:
	if (!g || !g->C) {
		json_t *r = dlp_result_new(DLP_KERNEL_GEMM, "dlprobe", "fp32");

		dlp_cu_set_shape(r, n, 0);
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
	dlp_cu_host_free(&h);
}
