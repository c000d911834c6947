/* Tensor-core GEMM for 16-bit inputs (fp16, bf16) with fp32 accumulation,
 * through wmma (mma.sync underneath). C = A * B^T: A is M x K and B is N x K,
 * both row-major (K contiguous, the layout of nn.Linear weights), C is M x N
 * fp32. A 128x128 block tile, 8 warps of 64x32, k step 32 staged in shared
 * memory with 16-byte loads; rows padded by 8 elements against bank
 * conflicts. The simple reference beside the pipelined mma.sync kernels.
 * Shapes must be multiples of 128 (M, N) and 32 (K); the host checks. */
#include <mma.h>

template <typename T>
__device__ __forceinline__ void wmma_gemm_16bit(int M, int N, int K, const T *__restrict__ A,
						const T *__restrict__ B, float *__restrict__ C)
{
	using namespace nvcuda;
	enum { BM = 128, BN = 128, BK = 32, PAD = 8 };
	__shared__ __align__(16) T As[BM][BK + PAD];
	__shared__ __align__(16) T Bs[BN][BK + PAD];
	const int tid = threadIdx.x, warp = tid / 32;
	const int wm = (warp / 4) * 64, wn = (warp % 4) * 32;
	const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
	wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[4][2];

	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 2; j++)
			wmma::fill_fragment(acc[i][j], 0.0f);
	for (int k0 = 0; k0 < K; k0 += BK) {
		/* 128x32 of A and of B: 512 16-byte vectors each, 2 per thread. */
		for (int v = tid; v < BM * BK / 8; v += 256) {
			int r = v / (BK / 8), c = (v % (BK / 8)) * 8;
			*(uint4 *)&As[r][c] = *(const uint4 *)&A[(size_t)(row0 + r) * K + k0 + c];
			*(uint4 *)&Bs[r][c] = *(const uint4 *)&B[(size_t)(col0 + r) * K + k0 + c];
		}
		__syncthreads();
		for (int kk = 0; kk < BK; kk += 16) {
			wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a[4];
			wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> b[2];

			for (int i = 0; i < 4; i++)
				wmma::load_matrix_sync(a[i], &As[wm + i * 16][kk], BK + PAD);
			for (int j = 0; j < 2; j++)
				wmma::load_matrix_sync(b[j], &Bs[wn + j * 16][kk], BK + PAD);
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
