// Device-copy variants on one GPU: 256 MiB, best of 20 after 3 warm-ups, CUDA events.
// The exploration behind dlp_copy_f4_oneshot (kernels/cuda/gemm.cu); the output of one
// run on an NVIDIA H200 is docs/device-runs/h200-2026-11-27-copy-sweep.log. Not part of
// the build; on a machine with a GPU and nvcc:
//   nvcc -O3 -arch=sm_90 -std=c++17 scripts/gpu/copy_sweep.cu -o copy_sweep && ./copy_sweep
#include <cstdio>
#include <cuda_runtime.h>

// U vectors per thread, strided by the block: all loads before any store
template <int U, int B>
__global__ void __launch_bounds__(B) oneshot(size_t n, const float4 *__restrict__ a, float4 *__restrict__ b)
{
	size_t i0 = (size_t)blockIdx.x * B * U + threadIdx.x;
	float4 v[U];
#pragma unroll
	for (int u = 0; u < U; u++) if (i0 + (size_t)u * B < n) v[u] = a[i0 + (size_t)u * B];
#pragma unroll
	for (int u = 0; u < U; u++) if (i0 + (size_t)u * B < n) b[i0 + (size_t)u * B] = v[u];
}
// U consecutive vectors per thread
template <int U, int B>
__global__ void __launch_bounds__(B) contig(size_t n, const float4 *__restrict__ a, float4 *__restrict__ b)
{
	size_t i0 = ((size_t)blockIdx.x * B + threadIdx.x) * U;
	float4 v[U];
#pragma unroll
	for (int u = 0; u < U; u++) v[u] = a[i0 + u];
#pragma unroll
	for (int u = 0; u < U; u++) b[i0 + u] = v[u];
}
// grid-stride over W blocks per SM, unrolled by U
template <int U, int B>
__global__ void __launch_bounds__(B) gstride(size_t n, const float4 *__restrict__ a, float4 *__restrict__ b)
{
	size_t s = (size_t)gridDim.x * B;
	size_t i = (size_t)blockIdx.x * B + threadIdx.x;
	for (; i + (U - 1) * s < n; i += U * s) {
		float4 v[U];
#pragma unroll
		for (int u = 0; u < U; u++) v[u] = a[i + u * s];
#pragma unroll
		for (int u = 0; u < U; u++) b[i + u * s] = v[u];
	}
	for (; i < n; i += s) b[i] = a[i];
}
static float4 *A, *Bf; static size_t n = (256u << 20) / 16; static cudaEvent_t e0, e1;
template <typename F> static void timeit(const char *name, F f)
{
	float best = 1e9;
	for (int r = 0; r < 23; r++) { cudaEventRecord(e0); f(); cudaEventRecord(e1); cudaEventSynchronize(e1);
		float ms; cudaEventElapsedTime(&ms, e0, e1); if (r >= 3 && ms < best) best = ms; }
	cudaError_t err = cudaGetLastError();
	printf("%-28s %8.1f GB/s %s\n", name, 2.0 * n * 16 / (best * 1e-3) / 1e9, err ? cudaGetErrorString(err) : "");
}
int main()
{
	int sms; cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
	cudaMalloc(&A, n * 16); cudaMalloc(&Bf, n * 16); cudaMemset(A, 1, n * 16);
	cudaEventCreate(&e0); cudaEventCreate(&e1);
	timeit("cudaMemcpy d2d", [] { cudaMemcpyAsync(Bf, A, n * 16, cudaMemcpyDeviceToDevice); });
#define OS(U, B) timeit("oneshot U=" #U " B=" #B, [] { oneshot<U, B><<<(n + U * B - 1) / (U * B), B>>>(n, A, Bf); });
	OS(1, 256) OS(2, 256) OS(4, 256) OS(8, 256) OS(16, 256) OS(4, 512) OS(8, 512) OS(4, 1024) OS(8, 128)
#define CO(U, B) timeit("contig U=" #U " B=" #B, [] { contig<U, B><<<n / (U * B), B>>>(n, A, Bf); });
	CO(1, 256) CO(2, 256) CO(4, 256) CO(2, 512) CO(4, 128)
#define GS(U, B, W) timeit("gstride U=" #U " B=" #B " W=" #W, [sms] { gstride<U, B><<<sms * W, B>>>(n, A, Bf); });
	GS(1, 256, 32) GS(4, 256, 8) GS(4, 256, 32) GS(8, 256, 8) GS(2, 1024, 2) GS(4, 512, 4)
	return 0;
}
