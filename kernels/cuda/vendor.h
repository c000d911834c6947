/* The NVIDIA libraries measured or queried beside dlprobe's CUDA kernels,
 * each loaded at run time so that a machine without them runs the same
 * binary: cuBLAS (cublasGemmEx), cuBLASLt (cublasLtMatmul, what frameworks
 * call for their matmuls) and NVML (clocks, power limit, PCIe link). */
#ifndef DLPROBE_KERNELS_CUDA_VENDOR_H
#define DLPROBE_KERNELS_CUDA_VENDOR_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* cublas_api.h, cublasLt.h and library_types.h values used here (stable
 * from CUDA 11 to 13). */
enum {
	CUBLAS_OP_N = 0, CUBLAS_OP_T = 1,
	CUBLAS_DEFAULT_MATH = 0, CUBLAS_PEDANTIC_MATH = 2, CUBLAS_TF32_TENSOR_OP_MATH = 3,
	CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_32F_PEDANTIC = 69,
	CUBLAS_COMPUTE_32F_FAST_TF32 = 77,
	CUBLAS_GEMM_DEFAULT = -1,
	CUDA_R_32F = 0, CUDA_R_16F = 2, CUDA_R_16BF = 14,
	CUBLASLT_MATMUL_DESC_TRANSA = 3, CUBLASLT_MATMUL_DESC_TRANSB = 4,
	CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1,
};

typedef struct dlp_cu_blas {
	void *so;
	char lib[64];
	int (*create)(void **);
	int (*destroy)(void *);
	int (*set_math)(void *, int);
	int (*get_version)(void *, int *);              /* optional */
	int (*gemm_ex)(void *, int, int, int, int, int, const void *, const void *, int, int,
		       const void *, int, int, const void *, void *, int, int, int, int);
} dlp_cu_blas;

/* cublasLtMatmulHeuristicResult_t: the 64-byte algorithm, then what it
 * needs (96 bytes in all, checked against cublasLt.h of CUDA 13). */
typedef struct dlp_cu_lt_heuristic {
	uint64_t algo[8];
	size_t workspace;
	int state;
	float waves;
	int reserved[4];
} dlp_cu_lt_heuristic;

typedef struct dlp_cu_blaslt {
	void *so;
	char lib[64];
	int (*create)(void **);
	int (*destroy)(void *);
	size_t (*get_version)(void);                     /* optional */
	int (*desc_create)(void **, int compute, int scale);
	int (*desc_destroy)(void *);
	int (*desc_set)(void *, int attr, const void *buf, size_t len);
	int (*layout_create)(void **, int type, uint64_t rows, uint64_t cols, int64_t ld);
	int (*layout_destroy)(void *);
	int (*pref_create)(void **);
	int (*pref_destroy)(void *);
	int (*pref_set)(void *, int attr, const void *buf, size_t len);
	int (*heuristic)(void *lt, void *desc, void *a, void *b, void *c, void *d, void *pref,
			 int requested, dlp_cu_lt_heuristic *results, int *returned);
	int (*matmul)(void *lt, void *desc, const void *alpha, const void *A, void *adesc,
		      const void *B, void *bdesc, const void *beta, const void *C, void *cdesc,
		      void *D, void *ddesc, const void *algo, void *workspace, size_t ws_bytes,
		      void *stream);
} dlp_cu_blaslt;

/* Load from lib, or NULL: the newest soname first (.so.13, .12, .11).
 * 0 on success; -1 with why filled (not found, or the symbol it lacks). */
int dlp_cu_blas_load(dlp_cu_blas *b, const char *lib, char *why, size_t len);
int dlp_cu_blaslt_load(dlp_cu_blaslt *b, const char *lib, char *why, size_t len);

/* NVML facts for the device at pci (a "0000:18:00.0" bus id); an object
 * with a status, never NULL unless out of memory. */
json_t *dlp_cu_nvml_info(const char *lib, const char *pci);

#endif
