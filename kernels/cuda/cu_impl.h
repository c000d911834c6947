/* Shared by the CUDA backend's files (tests use cu.h): the per-device
 * state, the embedded modules, the GEMM problem and the measurement
 * families. backend_cuda.c is the device loop over them. */
#ifndef DLPROBE_KERNELS_CUDA_CU_IMPL_H
#define DLPROBE_KERNELS_CUDA_CU_IMPL_H

#include <stdint.h>
#include <jansson.h>

#include "dlprobe/bench.h"
#include "kernels/cuda/cu.h"
#include "kernels/cuda/vendor.h"
#include "kernels/host.h"

/* dlp_error_set("NAME (code) at WHAT") and return -1. */
int dlp_cu_fail(const dlp_cuda_api *api, dlp_cu_result r, const char *what);

/* Run a driver call on device d; on failure set the message and goto out. */
#define CU(d, call, what)                                          \
	do {                                                       \
		dlp_cu_result r_ = (call);                         \
		if (r_ != 0) {                                     \
			dlp_cu_fail((d)->api, r_, what);           \
			goto out;                                  \
		}                                                  \
	} while (0)

/* ---- per-device state (cu_module.c) ---------------------------------------- */
/* The embedded PTX modules: base (compute 7.5), sm80 and the arch-specific sm90a. */
enum cu_mod { MOD_BASE, MOD_SM80, MOD_SM90A, MOD_COUNT };

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

/* The driver entry points the backend cannot run without, or NULL. */
const char *dlp_cu_missing_symbol(const dlp_cuda_api *a);
/* Load every module d's compute capability runs (the driver JITs the PTX:
 * untimed, like any first call); for the others d->mod_why says why. */
void dlp_cu_modules_load(struct cu_dev *d);
void dlp_cu_modules_unload(struct cu_dev *d);

/* ---- host data (cu_host.c) ---------------------------------------------------- */
/* The GEMMs run DLP_FP32 through DLP_BF16 of dlprobe/bench.h, in that order. */

/* fp32 on CUDA cores is C = A B; the tensor-core dtypes take B as N x K and
 * compute C = A B^T, the nn.Linear layout frameworks run (and the one every
 * tensor-core kernel and cuBLAS is fastest at). cuBLAS runs the same layout. */
static inline int dlp_cu_dt_nt(enum dlp_dtype dt)
{
	return dt != DLP_FP32;
}

struct gemm_host {
	int n;
	float *a0, *b0;     /* fp32 inputs */
	float *ar, *br;     /* inputs as the kernel sees them (after fp16/bf16 rounding) */
	uint16_t *a16, *b16;
	float *c;
};

int dlp_cu_host_init(struct gemm_host *h, int n);
void dlp_cu_host_free(struct gemm_host *h);
/* Round the inputs to dt; the reference uses the rounded values. */
void dlp_cu_host_round(struct gemm_host *h, enum dlp_dtype dt);
/* Check h->c (C = A B, or A B^T when nt) on sampled entries. */
int dlp_cu_host_verify(const struct gemm_host *h, enum dlp_dtype dt, int nt, double *max_err);

/* ---- one GEMM problem on the device (cu_gemm.c, cu_blas.c) --------------------- */
struct cu_gemm_kernel;

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

/* m, n, k and the layout of a square GEMM result. */
void dlp_cu_set_shape(json_t *r, int n, int nt);
/* Verify then time g (own kernel or library); fills r. */
void dlp_cu_gemm_measure(struct gemm_run *g, struct gemm_host *h, enum dlp_dtype dt,
			 const dlp_budget *b, json_t *r);
/* dlprobe's kernels and the libraries at n x n x n, every dtype. */
void dlp_cu_bench_gemm(struct cu_dev *d, const dlp_cu_cfg *c, const dlp_bench_opts *o, int n,
		       json_t *results);

/* ---- cuBLAS and cuBLASLt (cu_blas.c; loading in vendor.c) ------------------------ */
/* Create d's library handles and describe them in dev ("cublas", "cublaslt"):
 * blas and lt NULL when not loaded, with why. */
void dlp_cu_vendor_open(struct cu_dev *d, dlp_cu_blas *blas, const char *why,
			dlp_cu_blaslt *lt, const char *lt_why, json_t *dev);
/* One library call for g (g->lt: cuBLASLt, else cuBLAS). */
int dlp_cu_vendor_launch(struct gemm_run *g);
/* cuBLAS at g's problem; the first pass sets own[]'s vs_reference. */
void dlp_cu_gemm_cublas(struct gemm_run *g, struct gemm_host *h, enum dlp_dtype dt,
			const dlp_cu_cfg *c, json_t **own, int nown, json_t *results);
void dlp_cu_gemm_cublaslt(struct gemm_run *g, struct gemm_host *h, enum dlp_dtype dt,
			  const dlp_cu_cfg *c, json_t *results);

/* ---- memory: device copy, transfers, latency, peer (cu_mem.c) --------------------- */
void dlp_cu_bench_d2d(struct cu_dev *d, const dlp_cu_cfg *c, json_t *results);
void dlp_cu_bench_xfer(struct cu_dev *d, const dlp_cu_cfg *c, json_t *results);
void dlp_cu_bench_latency(struct cu_dev *d, const dlp_cu_cfg *c, json_t *results);
void dlp_cu_bench_peer(struct cu_dev *s, struct cu_dev *t, const dlp_cu_cfg *c, json_t *results);

/* o->progress, when there is one. */
void dlp_cu_progress(const dlp_bench_opts *o, const char *what);

#endif
