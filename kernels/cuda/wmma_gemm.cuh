/* Tensor-core GEMM through wmma (mma.sync underneath), fp32 accumulation.
 * C = A * B^T: A is M x K and B is N x K, both row-major (K contiguous, the
 * layout of nn.Linear weights), C is M x N fp32. A 128x128 block tile, 8
 * warps of 64x32, a k-slice of 64 bytes per row staged in shared memory with
 * 16-byte loads, rows padded by 16 bytes against bank conflicts. The simple
 * reference beside the pipelined kernels, one body for every input type:
 * wmma_traits<T> (defined where the type is usable: bf16 and tf32 need
 * compute_80) gives the fragment type, the k of one mma and the conversion
 * applied to loaded fragments. Shapes: M, N % 128, K % (32 bytes / element);
 * the host checks. */
#include <mma.h>

template <typename T> struct wmma_traits;

template <typename T>
__device__ __forceinline__ void wmma_gemm(int M, int N, int K, const T *__restrict__ A,
					  const T *__restrict__ B, float *__restrict__ C)
{
	using namespace nvcuda;
	typedef wmma_traits<T> tr;
	typedef typename tr::frag F;
	enum {
		BM = 128, BN = 128,
		VEC = 16 / sizeof(T),          /* elements per 16-byte load */
		BK = 64 / sizeof(T), PAD = VEC,
		KM = tr::KM,                   /* k of one wmma */
	};
	__shared__ __align__(16) T As[BM][BK + PAD];
	__shared__ __align__(16) T Bs[BN][BK + PAD];
	const int tid = threadIdx.x, warp = tid / 32;
	const int wm = (warp / 4) * 64, wn = (warp % 4) * 32;
	const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
	wmma::fragment<wmma::accumulator, 16, 16, KM, float> acc[4][2];

	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 2; j++)
			wmma::fill_fragment(acc[i][j], 0.0f);
	for (int k0 = 0; k0 < K; k0 += BK) {
		/* 128 rows of A and of B, 4 vectors each: 2 per thread and matrix */
		for (int v = tid; v < BM * BK / VEC; v += 256) {
			int r = v / (BK / VEC), c = (v % (BK / VEC)) * VEC;
			*(uint4 *)&As[r][c] = *(const uint4 *)&A[(size_t)(row0 + r) * K + k0 + c];
			*(uint4 *)&Bs[r][c] = *(const uint4 *)&B[(size_t)(col0 + r) * K + k0 + c];
		}
		__syncthreads();
		for (int kk = 0; kk < BK; kk += KM) {
			wmma::fragment<wmma::matrix_a, 16, 16, KM, F, wmma::row_major> a[4];
			wmma::fragment<wmma::matrix_b, 16, 16, KM, F, wmma::col_major> b[2];

			for (int i = 0; i < 4; i++) {
				wmma::load_matrix_sync(a[i], &As[wm + i * 16][kk], BK + PAD);
				tr::convert(a[i]);
			}
			for (int j = 0; j < 2; j++) {
				wmma::load_matrix_sync(b[j], &Bs[wn + j * 16][kk], BK + PAD);
				tr::convert(b[j]);
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
	(void)M;
}

/* 16-bit inputs go to the tensor cores as loaded. */
template <typename T> struct wmma_traits_16bit {
	typedef T frag;
	enum { KM = 16 };
	template <typename Frag> static __device__ __forceinline__ void convert(Frag &) {}
};
template <> struct wmma_traits<__half> : wmma_traits_16bit<__half> {};
