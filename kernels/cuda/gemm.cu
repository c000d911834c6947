/* dlprobe CUDA kernels for compute_70 and later (the driver JITs the PTX for
 * newer GPUs). Launch shapes are fixed by the host (kernels/cuda/backend_cuda.c):
 *   dlp_sgemm_128x128  grid (N/128, M/128), 256 threads; M, N % 128, K % 8
 *   dlp_hgemm_wmma     grid (N/128, M/128), 256 threads; M, N % 128, K % 32
 *   dlp_copy_f4        any grid, grid-stride over n float4
 *   dlp_noop           1 thread */
#include <cuda_fp16.h>

#include "wmma_gemm.cuh"

/* FP32 SGEMM on CUDA cores, following siboehm's steps: a 128x128 block tile
 * in shared memory (A stored transposed so the inner loop reads both tiles
 * with 16-byte loads), an 8x8 register tile per thread, float4 global loads.
 * Warp-tiling, the last step, is left out. */
extern "C" __global__ void __launch_bounds__(256)
dlp_sgemm_128x128(int M, int N, int K, const float *__restrict__ A,
		  const float *__restrict__ B, float *__restrict__ C)
{
	enum { BM = 128, BN = 128, BK = 8, TM = 8, TN = 8 };
	__shared__ __align__(16) float As[BK][BM];
	__shared__ __align__(16) float Bs[BK][BN];
	const int tid = threadIdx.x;
	const int trow = (tid / (BN / TN)) * TM, tcol = (tid % (BN / TN)) * TN;
	const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
	/* A tile 128x8: one float4 per thread; B tile 8x128: one float4 per thread. */
	const int ar = tid / 2, ac = (tid % 2) * 4;
	const int br = tid / 32, bc = (tid % 32) * 4;
	float acc[TM][TN] = { { 0.0f } };
	float ra[TM], rb[TN];

	A += (size_t)row0 * K;
	B += col0;
	for (int k0 = 0; k0 < K; k0 += BK) {
		float4 a4 = *(const float4 *)&A[(size_t)ar * K + k0 + ac];
		As[ac + 0][ar] = a4.x;
		As[ac + 1][ar] = a4.y;
		As[ac + 2][ar] = a4.z;
		As[ac + 3][ar] = a4.w;
		*(float4 *)&Bs[br][bc] = *(const float4 *)&B[(size_t)(k0 + br) * N + bc];
		__syncthreads();
#pragma unroll
		for (int k = 0; k < BK; k++) {
#pragma unroll
			for (int i = 0; i < TM; i += 4)
				*(float4 *)&ra[i] = *(const float4 *)&As[k][trow + i];
#pragma unroll
			for (int j = 0; j < TN; j += 4)
				*(float4 *)&rb[j] = *(const float4 *)&Bs[k][tcol + j];
#pragma unroll
			for (int i = 0; i < TM; i++)
#pragma unroll
				for (int j = 0; j < TN; j++)
					acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
		}
		__syncthreads();
	}
#pragma unroll
	for (int i = 0; i < TM; i++)
#pragma unroll
		for (int j = 0; j < TN; j += 4)
			*(float4 *)&C[(size_t)(row0 + trow + i) * N + col0 + tcol + j] =
				make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
}

extern "C" __global__ void __launch_bounds__(256)
dlp_hgemm_wmma(int M, int N, int K, const __half *A, const __half *B, float *C)
{
	wmma_gemm_16bit<__half>(M, N, K, A, B, C);
}

extern "C" __global__ void dlp_copy_f4(size_t n, const float4 *__restrict__ a,
				       float4 *__restrict__ b)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		b[i] = a[i];
}

extern "C" __global__ void dlp_noop(int *p)
{
	if (p)
		*p = 42;
}
