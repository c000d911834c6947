/* CLBlast's SGEMM beside dlprobe's OpenCL GEMMs, the library loaded at run
 * time, checked and timed with the same tail as the own kernels. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/opencl/ocl.h"

/* clblast_c.h, without needing its header at build time. Enums are ints. */
enum { CLBLAST_ROW_MAJOR = 101, CLBLAST_NO_TRANS = 111 };
typedef int (*clblast_sgemm_fn)(int layout, int ta, int tb, size_t m, size_t n, size_t k,
				float alpha, cl_mem a, size_t ao, size_t lda, cl_mem b,
				size_t bo, size_t ldb, float beta, cl_mem c, size_t co,
				size_t ldc, cl_command_queue *q, cl_event *e);
typedef int (*clblast_clear_fn)(void);

struct clblast_run {
	dlp_ocl_dev *d;
	clblast_sgemm_fn sgemm;
	cl_mem A, B, C;
	size_t n;
};

static int clblast_rep(void *vc, double *elapsed_s)
{
	struct clblast_run *c = vc;
	cl_event e = NULL;
	cl_int err;
	int st;

	/* CLBlast may run helper kernels before the GEMM and its event covers
	 * only the last one, so this repetition is timed on the host clock
	 * (*elapsed_s stays negative), around a full clFinish. */
	(void)elapsed_s;
	st = c->sgemm(CLBLAST_ROW_MAJOR, CLBLAST_NO_TRANS, CLBLAST_NO_TRANS, c->n, c->n, c->n,
		      1.0f, c->A, 0, c->n, c->B, 0, c->n, 0.0f, c->C, 0, c->n, &c->d->q, &e);
	if (e)
		clReleaseEvent(e);
	if (st != 0) {
		/* CLBlast returns OpenCL codes as they are, and its own below -1000. */
		if (st > -1000)
			return dlp_ocl_fail(st, "CLBlastSgemm");
		return dlp_error_set("CLBlastSgemm returned CLBlast status %d", st);
	}
	err = clFinish(c->d->q);
	if (err != CL_SUCCESS)
		return dlp_ocl_fail(err, "clFinish after CLBlastSgemm");
	return 0;
}

json_t *dlp_ocl_clblast_sgemm(dlp_ocl_dev *d, int n, const dlp_budget *b, const char *lib)
{
	struct dlp_ocl_gemm_host h = { 0 };
	struct clblast_run run = { 0 };
	clblast_clear_fn clear = NULL;
	json_t *r;
	void *so;
	size_t nn = (size_t)n * (size_t)n;
	cl_int err;
	double t0;
	int ok = 0;

	r = dlp_result_new(DLP_KERNEL_GEMM, "clblast", "fp32");
	if (!r)
		return NULL;
	dlp_ocl_gemm_result_shape(r, n, "CLBlastSgemm");
	/* The library stays loaded for the life of the process: it is C++ with
	 * static state, and unloading it under a live ICD is not worth the risk. */
	so = dlopen(lib ? lib : "libclblast.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!so) {
		dlp_result_fail(r, DLP_STATUS_UNAVAILABLE, dlerror());
		return r;
	}
	run.sgemm = (clblast_sgemm_fn)(uintptr_t)dlsym(so, "CLBlastSgemm");
	clear = (clblast_clear_fn)(uintptr_t)dlsym(so, "CLBlastClearCache");
	if (!run.sgemm) {
		dlp_result_fail(r, DLP_STATUS_UNAVAILABLE, "CLBlastSgemm not found in the library");
		return r;
	}
	if (nn * 4 > d->max_alloc) {
		dlp_result_fail(r, DLP_STATUS_SKIPPED, "matrix exceeds CL_DEVICE_MAX_MEM_ALLOC_SIZE");
		return r;
	}
	if (dlp_ocl_gemm_host_init(&h, DLP_FP32, n) != 0)
		goto out;
	run.d = d;
	run.n = (size_t)n;
	run.A = clCreateBuffer(d->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nn * 4, h.ha, &err);
	if (run.A)
		run.B = clCreateBuffer(d->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nn * 4,
				       h.hb, &err);
	if (run.B)
		run.C = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, nn * 4, NULL, &err);
	if (!run.C) {
		dlp_ocl_fail(err, "clCreateBuffer");
		goto out;
	}
	/* CLBlast compiles its kernels on the first call (seconds on PoCL). */
	t0 = dlp_harness_now();
	if (clblast_rep(&run, NULL) != 0)
		goto out;
	json_object_set_new(r, "first_call_s", dlp_json_real(dlp_harness_now() - t0));
	if (dlp_ocl_gemm_verify_and_measure(d, run.C, &h, n, clblast_rep, &run, b, r) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	if (run.A)
		clReleaseMemObject(run.A);
	if (run.B)
		clReleaseMemObject(run.B);
	if (run.C)
		clReleaseMemObject(run.C);
	/* Its program cache holds our context alive; drop it with the context. */
	if (clear)
		clear();
	dlp_ocl_gemm_host_free(&h);
	return r;
}
