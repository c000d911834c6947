/* Pipelined tensor-core GEMM for 16-bit inputs (fp16, bf16), fp32
 * accumulation, on mma.sync m16n8k16 (compute_80 and later).
 * C = A * B^T: A is M x K, B is N x K, both row-major (K contiguous), C is
 * M x N fp32 row-major.
 *
 * Why this shape: the wmma kernel waits on every global load. Here a
 * 128x256 block tile moves through DLP_MMA_STAGES shared-memory stages filled by
 * cp.async, so the loads of tile k+3 fly while tile k is multiplied; 8 warps
 * of 64x64 give 32 mma per 8 ldmatrix.x4, enough reuse to keep the tensor
 * cores ahead of shared memory. Rows are padded to 40 elements (80 bytes):
 * the 8 row addresses of one ldmatrix phase then fall in 8 different 16-byte
 * bank groups.
 * Launch and shapes: gemm_sm80.h (grid (N/256, M/128), 256 threads,
 * DLP_MMA_SMEM bytes of dynamic shared memory, above the 48 KiB default, so
 * the host raises the limit; M % 128, N % 256, K % 32 == 0). */
#include <stdint.h>

#include "gemm_sm80.h"
#include "tile_order.cuh"

/* d += a * b for one m16n8k16 tile; T names the PTX input type. */
#define DLP_MMA_M16N8K16(T)                                                                    \
	asm volatile("mma.sync.aligned.m16n8k16.row.col.f32." T "." T ".f32 "                   \
		     "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"                    \
		     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])                             \
		     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]))

template <typename T> struct mma_op;
template <> struct mma_op<__half> {
	static __device__ __forceinline__ void run(float *d, const uint32_t *a, const uint32_t *b)
	{
		DLP_MMA_M16N8K16("f16");
	}
};
template <> struct mma_op<__nv_bfloat16> {
	static __device__ __forceinline__ void run(float *d, const uint32_t *a, const uint32_t *b)
	{
		DLP_MMA_M16N8K16("bf16");
	}
};

static __device__ __forceinline__ void mma_cp16(uint32_t dst, const void *src)
{
	asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(src));
}

static __device__ __forceinline__ void mma_ldsm_x4(uint32_t *r, uint32_t addr)
{
	asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
		     : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
		     : "r"(addr));
}

template <typename T>
__device__ __forceinline__ void mma_gemm_16bit(int M, int N, int K, const T *__restrict__ A,
					       const T *__restrict__ B, float *__restrict__ C)
{
	extern __shared__ __align__(16) unsigned char mma_smem[];
	const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
	const int wm = (warp / 4) * 64, wn = (warp % 4) * 64;
	int tm, tn;

	dlp_tile_grouped(16, &tm, &tn);
	const int row0 = tm * DLP_MMA_BM, col0 = tn * DLP_MMA_BN;
	const int KT = K / DLP_MMA_BK;
	const uint32_t sbase = (uint32_t)__cvta_generic_to_shared(mma_smem);
	float acc[4][8][4];

#pragma unroll
	for (int i = 0; i < 4; i++)
#pragma unroll
		for (int j = 0; j < 8; j++)
#pragma unroll
			for (int e = 0; e < 4; e++)
				acc[i][j][e] = 0.0f;

	A += (size_t)row0 * K;
	B += (size_t)col0 * K;
	/* One stage: A rows 0-127 then B rows 0-255, each row DLP_MMA_BK elements
	 * (four 16-byte chunks) at a stride of DLP_MMA_LD. 1536 chunks, 6 per thread. */
	auto load_stage = [&](int kt, int s) {
		const uint32_t st = sbase + (uint32_t)(s * DLP_MMA_STAGE_ELEMS * 2);
#pragma unroll
		for (int v = 0; v < 6; v++) {
			const int id = tid + v * 256, r = id / 4, c = (id % 4) * 8;
			const T *src = r < DLP_MMA_BM ? A + (size_t)r * K + kt * DLP_MMA_BK + c
						  : B + (size_t)(r - DLP_MMA_BM) * K + kt * DLP_MMA_BK + c;
			mma_cp16(st + (uint32_t)((r * DLP_MMA_LD + c) * 2), src);
		}
	};

	/* Fragments for k step kk of the tile in stage st: A of rows i*16.. (lanes
	 * 0-15 address rows 0-15 at k, lanes 16-31 the same rows at k+8: a0..a3
	 * in mma order); B rows are output columns, one x4 gives two n8
	 * fragments (lanes 0-7 n 0-7 at k, 8-15 n 0-7 at k+8, 16-23 n 8-15 at k,
	 * 24-31 n 8-15 at k+8). */
	auto load_frags = [&](uint32_t (*af)[4], uint32_t (*bf)[2], int st, int kk) {
		const uint32_t sa = sbase + (uint32_t)(st * DLP_MMA_STAGE_ELEMS * 2);
		const uint32_t sb = sa + (uint32_t)(DLP_MMA_BM * DLP_MMA_LD * 2);
#pragma unroll
		for (int i = 0; i < 4; i++)
			mma_ldsm_x4(af[i], sa + (uint32_t)(((wm + i * 16 + lane % 16) * DLP_MMA_LD +
							   kk + (lane / 16) * 8) * 2));
#pragma unroll
		for (int j = 0; j < 8; j += 2) {
			uint32_t r4[4];

			mma_ldsm_x4(r4, sb + (uint32_t)(((wn + j * 8 + (lane & 7) + (lane >> 4) * 8) *
								 DLP_MMA_LD + kk + ((lane >> 3) & 1) * 8) * 2));
			bf[j][0] = r4[0];
			bf[j][1] = r4[1];
			bf[j + 1][0] = r4[2];
			bf[j + 1][1] = r4[3];
		}
	};
	enum { KSTEPS = DLP_MMA_BK / 16 };
	static_assert(KSTEPS >= 2 && KSTEPS % 2 == 0, "the register double buffer alternates per step");
	uint32_t af[2][4][4], bf[2][8][2];

#pragma unroll
	for (int s = 0; s < DLP_MMA_STAGES - 1; s++) {
		if (s < KT)
			load_stage(s, s);
		asm volatile("cp.async.commit_group;\n" ::);
	}
	asm volatile("cp.async.wait_group %0;\n" ::"n"(DLP_MMA_STAGES - 2));
	__syncthreads();
	load_frags(af[0], bf[0], 0, 0);
	/* Fragments are double-buffered in registers: step kk+1's (or the next
	 * tile's first) are read while step kk's mma run. Before the last step
	 * of tile kt, tile kt+1 must have landed: cp.async groups committed so
	 * far are STAGES-1+kt, so at most STAGES-2 may still be pending. The
	 * barrier there also ends every read of tile kt-1's stage (its last
	 * fragments are in registers), which the first step of tile kt refills. */
	for (int kt = 0; kt < KT; kt++) {
		const int st = kt % DLP_MMA_STAGES;

#pragma unroll
		for (int kk = 0; kk < KSTEPS; kk++) {
			const int cur = kk % 2, nxt = (kk + 1) % 2;

			if (kk == KSTEPS - 1) {
				asm volatile("cp.async.wait_group %0;\n" ::"n"(DLP_MMA_STAGES - 2));
				__syncthreads();
				/* past the last tile this reads a stale stage, never used */
				load_frags(af[nxt], bf[nxt], (kt + 1) % DLP_MMA_STAGES, 0);
			} else {
				load_frags(af[nxt], bf[nxt], st, (kk + 1) * 16);
			}
			if (kk == 0) {
				if (kt + DLP_MMA_STAGES - 1 < KT)
					load_stage(kt + DLP_MMA_STAGES - 1, (kt + DLP_MMA_STAGES - 1) % DLP_MMA_STAGES);
				asm volatile("cp.async.commit_group;\n" ::);
			}
#pragma unroll
			for (int i = 0; i < 4; i++)
#pragma unroll
				for (int j = 0; j < 8; j++)
					mma_op<T>::run(acc[i][j], af[cur][i], bf[cur][j]);
		}
	}
	asm volatile("cp.async.wait_group 0;\n" ::);

	/* Accumulator e0,e1 sit at row lane/4, columns 2*(lane%4)+{0,1}; e2,e3 eight rows below. */
#pragma unroll
	for (int i = 0; i < 4; i++)
#pragma unroll
		for (int j = 0; j < 8; j++) {
			const int r = row0 + wm + i * 16 + lane / 4, c = col0 + wn + j * 8 + (lane % 4) * 2;

			*(float2 *)&C[(size_t)r * N + c] = make_float2(acc[i][j][0], acc[i][j][1]);
			*(float2 *)&C[(size_t)(r + 8) * N + c] = make_float2(acc[i][j][2], acc[i][j][3]);
		}
	(void)M;
}
