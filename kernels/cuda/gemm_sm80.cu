/* dlprobe CUDA kernels that need compute_80 (bf16, tf32, mma.sync m16n8k16,
 * cp.async): this file is compiled to its own PTX with -arch=compute_80
 * (see the Makefile). Every tensor-core GEMM computes C = A * B^T with A
 * M x K and B N x K row-major (the nn.Linear layout), C fp32.
 *   dlp_hgemm_mma, dlp_bgemm_mma   fp16 / bf16, pipelined (mma_gemm.cuh):
 *                     grid (N/256, M/128), 256 threads, DLP_MMA_SMEM dynamic
 *                     shared bytes (gemm_sm80.h); M % 128, N % 256, K % 32
 *   dlp_bgemm_wmma    as dlp_hgemm_wmma (gemm.cu), bf16 inputs
 *   dlp_tgemm_wmma    fp32 inputs rounded to tf32, fp32 accumulation;
 *                     grid (N/128, M/128), 256 threads; M, N % 128, K % 16
 *                     (wmma_gemm.cuh, as the 16-bit ones) */
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

template <> struct wmma_traits<__nv_bfloat16> : wmma_traits_16bit<__nv_bfloat16> {};

/* fp32 in shared memory, rounded to tf32 (not truncated) as fragments load. */
template <> struct wmma_traits<float> {
	typedef nvcuda::wmma::precision::tf32 frag;
	enum { KM = 8 };
	template <typename Frag> static __device__ __forceinline__ void convert(Frag &f)
	{
		for (int t = 0; t < f.num_elements; t++)
			f.x[t] = nvcuda::wmma::__float_to_tf32(f.x[t]);
	}
};

extern "C" __global__ void __launch_bounds__(256)
dlp_bgemm_wmma(int M, int N, int K, const __nv_bfloat16 *A, const __nv_bfloat16 *B, float *C)
{
	wmma_gemm<__nv_bfloat16>(M, N, K, A, B, C);
}

extern "C" __global__ void __launch_bounds__(256)
dlp_tgemm_wmma(int M, int N, int K, const float *__restrict__ A, const float *__restrict__ B,
	       float *__restrict__ C)
{
	wmma_gemm<float>(M, N, K, A, B, C);
}
