/* Launch constants of the Hopper wgmma GEMM (kernels/cuda/gemm_sm90a.cu),
 * shared by that kernel and the host code that encodes its tensor maps and
 * launches it; plain preprocessor constants so that gcc can include it.
 *
 * Kernels: dlp_bgemm_wgmma (bf16), dlp_hgemm_wgmma (fp16), dlp_tgemm_wgmma
 *   (fp32 inputs read as tf32, K-block DLP_WGMMA_BK_TF32), all
 *   (tmA, tmB, int M, int N, int K, float *C), C[m][n] = sum_k A[m][k] * B[n][k],
 *   A row-major M x K, B row-major N x K (both K-contiguous), C row-major M x N fp32.
 * Preconditions: M % DLP_WGMMA_BM == 0, N % DLP_WGMMA_BN == 0,
 *   K % DLP_WGMMA_BK == 0, K >= DLP_WGMMA_BK.
 * Launch: gridDim = (N / DLP_WGMMA_BN, M / DLP_WGMMA_BM, 1), no clusters,
 *   blockDim = (DLP_WGMMA_THREADS, 1, 1), DLP_WGMMA_SMEM bytes of dynamic shared
 *   memory (raise CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES to it first).
 * Tensor maps (cuTensorMapEncodeTiled), 16-bit elements, rank 2, SWIZZLE_128B,
 * INTERLEAVE_NONE, elementStrides {1, 1}, OOB_FILL_NONE:
 *   tmA: globalDim {K, M}, globalStrides {K * 2}, boxDim {DLP_WGMMA_BK, DLP_WGMMA_BOX_A_ROWS}
 *   tmB: globalDim {K, N}, globalStrides {K * 2}, boxDim {DLP_WGMMA_BK, DLP_WGMMA_BOX_B_ROWS}
 *   tf32: FLOAT32 elements, strides {K * 4}, box inner dimension DLP_WGMMA_BK_TF32.
 */
#ifndef DLP_GEMM_SM90A_H
#define DLP_GEMM_SM90A_H

#define DLP_WGMMA_BM 128
#define DLP_WGMMA_BN 256
/* 64 16-bit elements = 128 bytes: the 128-byte swizzle span, the widest box
 * row that SWIZZLE_128B allows. */
#define DLP_WGMMA_BK 64
#define DLP_WGMMA_BK_TF32 32
#define DLP_WGMMA_STAGES 4
/* One producer warpgroup and two consumer warpgroups. */
#define DLP_WGMMA_THREADS 384
#define DLP_WGMMA_BOX_A_ROWS 128
/* The 256-row B tile is loaded as two boxes of 128 rows. */
#define DLP_WGMMA_BOX_B_ROWS 128
/* The operand stages, 256 bytes for the mbarriers, and 1024 bytes of slack to
 * align the base to the 1024-byte period of the 128-byte swizzle. */
#define DLP_WGMMA_SMEM \
	(DLP_WGMMA_STAGES * (DLP_WGMMA_BM + DLP_WGMMA_BN) * DLP_WGMMA_BK * 2 + 256 + 1024)

#endif
