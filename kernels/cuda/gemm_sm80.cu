/* dlprobe CUDA kernels that need compute_80 (bf16, tf32, mma.sync m16n8k16,
 * cp.async): this file is compiled to its own PTX with -arch=compute_80
 * (see the Makefile). Every tensor-core GEMM computes C = A * B^T with A
 * M x K and B N x K row-major (the nn.Linear layout), C fp32.
 *   dlp_hgemm_mma, dlp_bgemm_mma   fp16 / bf16, pipelined (mma_gemm.cuh):
 *                     grid (N/256, M/128), 256 threads, DLP_MMA_SMEM dynamic
 *                     shared bytes (gemm_sm80.h); M % 128, N % 256, K % 32
 *   dlp_bgemm_wmma    as dlp_hgemm_wmma (gemm.cu), bf16 inputs
 *   dlp_tgemm_wmma    fp32 inputs rounded to tf32, fp32 accumulation;
 *                     grid (N/128, M/128), 256 threads; M, N % 128, K % 16 */
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "wmma_gemm.cuh"
#include "mma_gemm.cuh"

extern "C" __global__ void __launch_bounds__(256)
dlp_hgemm_mma(int M, int N, int K, const __half *A, const __half *B, float *C)
{
	mma_gemm_16bit<__half>(M, N, K, A, B, C);
}

extern "C" __global__ void __launch_bounds__(256)
dlp_bgemm_mma(int M, int N, int K, const __nv_bfloat16 *A, const __nv_bfloat16 *B, float *C)
{
	mma_gemm_16bit<__nv_bfloat16>(M, N, K, A, B, C);
}

extern "C" __global__ void __launch_bounds__(256)
dlp_bgemm_wmma(int M, int N, int K, const __nv_bfloat16 *A, const __nv_bfloat16 *B, float *C)
{
	wmma_gemm_16bit<__nv_bfloat16>(M, N, K, A, B, C);
}

extern "C" __global__ void __launch_bounds__(256)
dlp_tgemm_wmma(int M, int N, int K, const float *__restrict__ A, const float *__restrict__ B,
	       float *__restrict__ C)
{
	using namespace nvcuda;
	enum { BM = 128, BN = 128, BK = 16, PAD = 4 };
	__shared__ __align__(16) float As[BM][BK + PAD];
	__shared__ __align__(16) float Bs[BN][BK + PAD];
	const int tid = threadIdx.x, warp = tid / 32;
	const int wm = (warp / 4) * 64, wn = (warp % 4) * 32;
	const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
	wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];

	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 2; j++)
			wmma::fill_fragment(acc[i][j], 0.0f);
	for (int k0 = 0; k0 < K; k0 += BK) {
		for (int v = tid; v < BM * BK / 4; v += 256) {
			int r = v / (BK / 4), c = (v % (BK / 4)) * 4;
			*(float4 *)&As[r][c] = *(const float4 *)&A[(size_t)(row0 + r) * K + k0 + c];
			*(float4 *)&Bs[r][c] = *(const float4 *)&B[(size_t)(col0 + r) * K + k0 + c];
		}
		__syncthreads();
		for (int kk = 0; kk < BK; kk += 8) {
			wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32,
				       wmma::row_major> a[4];
			wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32,
				       wmma::col_major> b[2];

			for (int i = 0; i < 4; i++) {
				wmma::load_matrix_sync(a[i], &As[wm + i * 16][kk], BK + PAD);
				for (int t = 0; t < a[i].num_elements; t++)
					a[i].x[t] = wmma::__float_to_tf32(a[i].x[t]);
			}
			for (int j = 0; j < 2; j++) {
				wmma::load_matrix_sync(b[j], &Bs[wn + j * 16][kk], BK + PAD);
				for (int t = 0; t < b[j].num_elements; t++)
					b[j].x[t] = wmma::__float_to_tf32(b[j].x[t]);
			}
			for (int i = 0; i < 4; i++)
				for (int j = 0; j < 2; j++)
					wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
		}
		__syncthreads();
	}
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 2; j++)
			wmma::store_matrix_sync(&C[(size_t)(row0 + wm + i * 16) * N + col0 + wn + j * 16],
						acc[i][j], N, wmma::mem_row_major);
}
