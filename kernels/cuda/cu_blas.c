/* cuBLAS and cuBLASLt measured at the shapes, dtypes and layouts of
 * dlprobe's own GEMMs (the libraries are loaded in vendor.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cuda/cu_impl.h"

void dlp_cu_vendor_open(struct cu_dev *d, dlp_cu_blas *blas, const char *why,
			dlp_cu_blaslt *lt, const char *lt_why, json_t *dev)
{
	if (blas) {
		int ver = 0;

		d->blas = blas;
		if (blas->create(&d->blas_handle) != 0) {
			d->blas_handle = NULL;
			json_object_set_new(dev, "cublas", json_string("cublasCreate_v2 failed"));
		} else {
			json_t *cb = json_object();

			json_object_set_new(cb, "library", json_string(blas->lib));
			if (blas->get_version && blas->get_version(d->blas_handle, &ver) == 0)
				json_object_set_new(cb, "version", json_integer(ver));
			json_object_set_new(dev, "cublas", cb);
		}
	} else {
		json_object_set_new(dev, "cublas", json_string(why));
	}
	if (lt) {
		d->lt = lt;
		if (lt->create(&d->lt_handle) != 0) {
			d->lt_handle = NULL;
			json_object_set_new(dev, "cublaslt", json_string("cublasLtCreate failed"));
		} else {
			json_t *cb = json_object();

			json_object_set_new(cb, "library", json_string(lt->lib));
			if (lt->get_version)
				json_object_set_new(cb, "version",
						    json_integer((json_int_t)lt->get_version()));
			json_object_set_new(dev, "cublaslt", cb);
		}
	} else {
		json_object_set_new(dev, "cublaslt", json_string(lt_why));
	}
}

int dlp_cu_vendor_launch(struct gemm_run *g)
{
	struct cu_dev *d = g->d;
	const float one = 1.0f, zero = 0.0f;
	int st;

	if (g->lt) {
		const struct lt_plan *p = g->lt;

		/* the same operand order as cublasGemmEx below; D is C */
		st = d->lt->matmul(d->lt_handle, p->desc, &one, (const void *)(uintptr_t)g->B, p->la,
				   (const void *)(uintptr_t)g->A, p->lb, &zero,
				   (const void *)(uintptr_t)g->C, p->lc, (void *)(uintptr_t)g->C, p->lc,
				   p->algo.algo, (void *)(uintptr_t)p->ws, p->algo.workspace, NULL);
		if (st != 0)
			return dlp_error_set("cublasLtMatmul returned cuBLAS status %d", st);
		return 0;
	}
	/* Column-major cuBLAS computes C^T = B^T A^T, the row-major C = A B;
	 * with B stored N x K, B^T is B read transposed (OP_T). */
	st = d->blas->gemm_ex(d->blas_handle, g->nt ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N,
			      g->n, g->n, g->n, &one, (const void *)(uintptr_t)g->B,
			      g->atype, g->n, (const void *)(uintptr_t)g->A, g->atype, g->n,
			      &zero, (void *)(uintptr_t)g->C, g->ctype, g->n, g->compute,
			      CUBLAS_GEMM_DEFAULT);
	if (st != 0)
		return dlp_error_set("cublasGemmEx returned cuBLAS status %d", st);
	return 0;
}

/* cuBLAS at the shape, dtype and layout of dlprobe's kernels; fp32 both
 * pedantic (no tensor cores) and default math, which the library may turn
 * into TF32. The first pass is the reference the own kernels are rated by. */
void dlp_cu_gemm_cublas(struct gemm_run *g, struct gemm_host *h, enum dlp_dtype dt,
			const dlp_cu_cfg *c, json_t **own, int nown, json_t *results)
{
	struct cu_dev *d = g->d;
	int pass, passes = dt == DLP_FP32 ? 2 : 1, i;

	for (pass = 0; pass < passes; pass++) {
		json_t *ref = dlp_result_new(DLP_KERNEL_GEMM, "cublas", dlp_dtype_name(dt));
		int mode;
		const char *mname;

		dlp_cu_set_shape(ref, g->n, g->nt);
		json_array_append_new(results, ref);
		g->k = NULL;
		g->atype = dt == DLP_FP16 ? CUDA_R_16F : dt == DLP_BF16 ? CUDA_R_16BF : CUDA_R_32F;
		g->ctype = CUDA_R_32F;
		if (dt == DLP_FP32 && pass == 0) {
			mode = CUBLAS_PEDANTIC_MATH;
			g->compute = CUBLAS_COMPUTE_32F_PEDANTIC;
			mname = "CUBLAS_PEDANTIC_MATH/CUBLAS_COMPUTE_32F_PEDANTIC";
		} else if (dt == DLP_TF32) {
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
		dlp_cu_gemm_measure(g, h, dt, &c->budget, ref);
		for (i = 0; pass == 0 && i < nown; i++)
			dlp_result_vs_reference(own[i], ref);
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
static int lt_plan_make(struct gemm_run *g, enum dlp_dtype dt, int compute, struct lt_plan *p)
{
	struct cu_dev *d = g->d;
	dlp_cu_blaslt *lt = d->lt;
	const int ta = g->nt ? CUBLAS_OP_T : CUBLAS_OP_N, tb = CUBLAS_OP_N;
	const int type = dt == DLP_FP16 ? CUDA_R_16F : dt == DLP_BF16 ? CUDA_R_16BF : CUDA_R_32F;
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
void dlp_cu_gemm_cublaslt(struct gemm_run *g, struct gemm_host *h, enum dlp_dtype dt,
			  const dlp_cu_cfg *c, json_t *results)
{
	const int compute = dt == DLP_TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
	const char *cname = dt == DLP_TF32 ? "CUBLAS_COMPUTE_32F_FAST_TF32" : "CUBLAS_COMPUTE_32F";
	json_t *r = dlp_result_new(DLP_KERNEL_GEMM, "cublaslt", dlp_dtype_name(dt));
	struct lt_plan plan;
	char v[80];

	dlp_cu_set_shape(r, g->n, g->nt);
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
	dlp_cu_gemm_measure(g, h, dt, &c->budget, r);
	g->lt = NULL;
	lt_plan_free(g->d, &plan);
}
