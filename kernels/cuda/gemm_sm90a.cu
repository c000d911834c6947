/* dlprobe Hopper GEMM: wgmma tensor-core instructions fed by the TMA copy
 * engine. This file is compiled to its own PTX with -arch=compute_90a (wgmma
 * and setmaxnreg exist only on the "a" target).
 *   dlp_bgemm_wgmma  bf16 A (M x K) and B (N x K), both K-contiguous;
 *                    fp32 C[m][n] = sum_k A[m][k] * B[n][k], C row-major M x N
 *   dlp_hgemm_wgmma  the same with fp16 inputs
 *   dlp_tgemm_wgmma  the same with fp32 inputs read as tf32
 * All: grid (N / 256, M / 128, 1), 384 threads, DLP_WGMMA_SMEM bytes of
 * dynamic shared memory; M % 128, N % 256, K % 64 (tf32: K % 32) == 0. gemm_sm90a.h holds
 * these constants and the tensor-map layout the host must encode.
 *
 * Design. Warp-specialised: warpgroup 0 is the producer (one thread issues
 * every TMA load), warpgroups 1 and 2 are consumers, each computing 64 rows of
 * the 128 x 256 tile with m64n256k16 wgmma. The wide tile reads fewer shared-
 * and global-memory bytes per flop than 128 x 128, which published hand-written
 * Hopper GEMMs needed to get past half of cuBLAS; its 128 fp32 accumulators per
 * consumer thread fit next to the addressing registers without spilling because
 * setmaxnreg moves registers from the producer, which needs almost none, to the
 * consumers (232 each instead of 168). Dedicating a producer
 * keeps the copy engine STAGES - 1 k-blocks ahead without any CTA-wide
 * barrier in the main loop, so the two consumer warpgroups drift freely and
 * one's wgmma fills the other's waits.
 *
 * Synchronisation: per stage a "full" mbarrier (1 arrival, the producer's
 * arrive.expect_tx, plus the stage's byte count from the TMA) and an "empty"
 * mbarrier (one arrival from each of the 8 consumer warps once its wgmma
 * reading that stage has completed). Use u = kb / STAGES of a stage is phase u
 * of both barriers: the consumers wait on full with parity u & 1, the producer
 * waits on empty for phase u - 1 before reusing it, and does not wait at all
 * for the first STAGES k-blocks, so no wait relies on the parity of a phase
 * before the first. The two sides are in lockstep per stage (full phase u + 1
 * needs empty phase u, which needs full phase u), so a waiter never sees a
 * barrier two phases ahead, where the parity would alias.
 *
 * The consumers keep one wgmma group in flight: after committing k-block kb
 * they wait until at most one group is pending, so kb - 1 has finished reading
 * its stage, and release that stage. The last stage is never released: the
 * producer has nothing left to load into it.
 */
#include <cuda.h>
#include <stdint.h>

#include "gemm_sm90a.h"
#include "tile_order.cuh"

enum {
	BM = DLP_WGMMA_BM, BN = DLP_WGMMA_BN, BK = DLP_WGMMA_BK,
	STAGES = DLP_WGMMA_STAGES,
	/* a k-block row is 128 bytes whatever the type: 64 16-bit elements or
	 * 32 tf32 ones, so every dtype shares the stage layout and descriptors */
	ROW_BYTES = 128,
	A_BYTES = BM * ROW_BYTES, B_BYTES = BN * ROW_BYTES, STAGE_BYTES = A_BYTES + B_BYTES,
	CONSUMER_WARPS = (DLP_WGMMA_THREADS - 128) / 32,
	/* 168 registers at entry (65536 / 384, rounded down to 8) for all 384
	 * threads: 128 * 40 + 256 * 232 = 384 * 168, so the consumers' increase
	 * is exactly covered by what the producer releases. */
	PRODUCER_REGS = 40, CONSUMER_REGS = 232,
};

static_assert(BK * 2 == ROW_BYTES && DLP_WGMMA_BK_TF32 * 4 == ROW_BYTES,
	      "a k-block row must be the 128-byte swizzle span");
static_assert(BM == 128 && BN == 256 && DLP_WGMMA_THREADS == 384,
	      "two consumer warpgroups of 64 x 256 each");
static_assert(DLP_WGMMA_BOX_A_ROWS == BM, "one TMA box per A tile");
static_assert(BN % DLP_WGMMA_BOX_B_ROWS == 0 && DLP_WGMMA_BOX_B_ROWS % 8 == 0,
	      "B tile made of whole boxes of whole 8-row swizzle atoms");
static_assert(A_BYTES % 1024 == 0 && B_BYTES % 1024 == 0,
	      "every stage starts on the 1024-byte swizzle period");
static_assert(2 * STAGES * 8 <= 256, "the mbarriers fit the 256 bytes reserved for them");
static_assert(DLP_WGMMA_SMEM == STAGES * STAGE_BYTES + 256 + 1024, "header out of step");
static_assert(DLP_WGMMA_SMEM <= 227 * 1024, "over the sm_90 per-block shared memory limit");

extern __shared__ unsigned char dlp_wgmma_smem[];

static __device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count)
{
	asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" :: "r"(bar), "r"(count) : "memory");
}

/* One arrival plus the byte count the TMA loads of this phase will deliver:
 * the phase completes only when both are in. */
static __device__ __forceinline__ void mbar_arrive_tx(uint32_t bar, uint32_t bytes)
{
	asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;"
		     :: "r"(bar), "r"(bytes) : "memory");
}

static __device__ __forceinline__ void mbar_arrive(uint32_t bar)
{
	asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" :: "r"(bar) : "memory");
}

/* Returns once the phase of the given parity has completed (acquire, so the
 * TMA's shared-memory writes are visible to the wgmma that follows). */
static __device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity)
{
	uint32_t done;

	do {
		asm volatile("{\n\t.reg .pred p;\n\t"
			     "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n\t"
			     "selp.u32 %0, 1, 0, p;\n\t}"
			     : "=r"(done) : "r"(bar), "r"(parity) : "memory");
	} while (!done);
}

/* Box {BK, rows} at element coordinates {k, row} (innermost first), completing
 * on bar. A CTA launched without clusters is its own cluster of one, so its
 * shared::cta addresses are valid shared::cluster addresses. */
static __device__ __forceinline__ void tma_load(uint32_t dst, const CUtensorMap *map, int k,
						int row, uint32_t bar)
{
	asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"
		     " [%0], [%1, {%2, %3}], [%4];"
		     :: "r"(dst), "l"((uint64_t)map), "r"(k), "r"(row), "r"(bar) : "memory");
}

/* Shared-memory matrix descriptor for a K-major tile of 128-byte rows written
 * by TMA with SWIZZLE_128B: 8-row core-matrix groups 1024 bytes apart (stride
 * byte offset), leading byte offset unused for this layout (1 by convention),
 * base offset 0 because every tile starts on a 1024-byte boundary. */
static __device__ __forceinline__ uint64_t smem_desc(uint32_t addr)
{
	return (uint64_t)((addr & 0x3FFFF) >> 4) | (uint64_t)1 << 16 |
	       (uint64_t)(1024 >> 4) << 32 | (uint64_t)1 << 62;
}

/* Ties the accumulators to this point so the compiler cannot read them before
 * the wgmma.wait_group that makes them valid. */
static __device__ __forceinline__ void fence_acc(float (&d)[128])
{
#pragma unroll
	for (int i = 0; i < 128; i++)
		asm volatile("" : "+f"(d[i]) :: "memory");
}

#define DLP_D8(i) "+f"(d[i]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3]), \
		  "+f"(d[i + 4]), "+f"(d[i + 5]), "+f"(d[i + 6]), "+f"(d[i + 7])

/* D (64 x 256, fp32) += A (64 x 16) * B (256 x 16)^T, both from shared memory,
 * both K-major (no transpose), scale-d 1: the accumulators start at zero. */
#define DLP_WGMMA_M64N256K16(T) \
	asm volatile("{\n\t.reg .pred p;\n\tsetp.ne.b32 p, %130, 0;\n\t" \
		     "wgmma.mma_async.sync.aligned.m64n256k16.f32." T "." T " {" \
		     "%0, %1, %2, %3, %4, %5, %6, %7, " \
		     "%8, %9, %10, %11, %12, %13, %14, %15, " \
		     "%16, %17, %18, %19, %20, %21, %22, %23, " \
		     "%24, %25, %26, %27, %28, %29, %30, %31, " \
		     "%32, %33, %34, %35, %36, %37, %38, %39, " \
		     "%40, %41, %42, %43, %44, %45, %46, %47, " \
		     "%48, %49, %50, %51, %52, %53, %54, %55, " \
		     "%56, %57, %58, %59, %60, %61, %62, %63, " \
		     "%64, %65, %66, %67, %68, %69, %70, %71, " \
		     "%72, %73, %74, %75, %76, %77, %78, %79, " \
		     "%80, %81, %82, %83, %84, %85, %86, %87, " \
		     "%88, %89, %90, %91, %92, %93, %94, %95, " \
		     "%96, %97, %98, %99, %100, %101, %102, %103, " \
		     "%104, %105, %106, %107, %108, %109, %110, %111, " \
		     "%112, %113, %114, %115, %116, %117, %118, %119, " \
		     "%120, %121, %122, %123, %124, %125, %126, %127" \
		     "}, %128, %129, p, 1, 1, 0, 0;\n\t}" \
		     : \
		     DLP_D8(0), \
		     DLP_D8(8), \
		     DLP_D8(16), \
		     DLP_D8(24), \
		     DLP_D8(32), \
		     DLP_D8(40), \
		     DLP_D8(48), \
		     DLP_D8(56), \
		     DLP_D8(64), \
		     DLP_D8(72), \
		     DLP_D8(80), \
		     DLP_D8(88), \
		     DLP_D8(96), \
		     DLP_D8(104), \
		     DLP_D8(112), \
		     DLP_D8(120) \
		     : "l"(da), "l"(db), "r"(1))

static __device__ __forceinline__ void wgmma_bf16(float (&d)[128], uint64_t da, uint64_t db)
{
	DLP_WGMMA_M64N256K16("bf16");
}

static __device__ __forceinline__ void wgmma_f16(float (&d)[128], uint64_t da, uint64_t db)
{
	DLP_WGMMA_M64N256K16("f16");
}

/* The tf32 form: k8 per instruction (32 bytes, as k16 for 16-bit types) and
 * no transpose immediates (tf32 operands are K-major only, as here). The
 * tensor cores read fp32 bit patterns and drop the low 13 mantissa bits. */
static __device__ __forceinline__ void wgmma_tf32(float (&d)[128], uint64_t da, uint64_t db)
{
	asm volatile("{\n\t.reg .pred p;\n\tsetp.ne.b32 p, %130, 0;\n\t"
		     "wgmma.mma_async.sync.aligned.m64n256k8.f32.tf32.tf32 {"
		     "%0, %1, %2, %3, %4, %5, %6, %7, "
		     "%8, %9, %10, %11, %12, %13, %14, %15, "
		     "%16, %17, %18, %19, %20, %21, %22, %23, "
		     "%24, %25, %26, %27, %28, %29, %30, %31, "
		     "%32, %33, %34, %35, %36, %37, %38, %39, "
		     "%40, %41, %42, %43, %44, %45, %46, %47, "
		     "%48, %49, %50, %51, %52, %53, %54, %55, "
		     "%56, %57, %58, %59, %60, %61, %62, %63, "
		     "%64, %65, %66, %67, %68, %69, %70, %71, "
		     "%72, %73, %74, %75, %76, %77, %78, %79, "
		     "%80, %81, %82, %83, %84, %85, %86, %87, "
		     "%88, %89, %90, %91, %92, %93, %94, %95, "
		     "%96, %97, %98, %99, %100, %101, %102, %103, "
		     "%104, %105, %106, %107, %108, %109, %110, %111, "
		     "%112, %113, %114, %115, %116, %117, %118, %119, "
		     "%120, %121, %122, %123, %124, %125, %126, %127"
		     "}, %128, %129, p, 1, 1;\n\t}"
		     : DLP_D8(0), DLP_D8(8), DLP_D8(16), DLP_D8(24), DLP_D8(32), DLP_D8(40),
		       DLP_D8(48), DLP_D8(56), DLP_D8(64), DLP_D8(72), DLP_D8(80), DLP_D8(88),
		       DLP_D8(96), DLP_D8(104), DLP_D8(112), DLP_D8(120)
		     : "l"(da), "l"(db), "r"(1));
}

enum { KIND_F16, KIND_BF16, KIND_TF32 };

/* One kernel body, about 110 lines, kept whole on purpose: the TMA
 * producer warp group and the wgmma consumers (setmaxnreg split) share
 * the stage buffers and their mbarriers, which helpers would only pass
 * around. */
template <int KIND>
static __device__ __forceinline__ void wgmma_gemm(const CUtensorMap *tmA, const CUtensorMap *tmB,
						  int M, int N, int K, float *__restrict__ C)
{
	/* Swizzle is applied to absolute shared addresses, so align the window
	 * address, not the generic pointer. */
	const uint32_t base = ((uint32_t)__cvta_generic_to_shared(dlp_wgmma_smem) + 1023) & ~1023u;
	const uint32_t sA = base, sB = sA + STAGES * A_BYTES;
	const uint32_t full = sB + STAGES * B_BYTES, empty = full + STAGES * 8;
	const int wg = threadIdx.x / 128, tid = threadIdx.x % 128;
	int tm, tn;

	dlp_tile_grouped(16, &tm, &tn);
	const int m0 = tm * BM, n0 = tn * BN;
	/* k-block width in elements, the TMA box's inner dimension */
	const int bk = KIND == KIND_TF32 ? DLP_WGMMA_BK_TF32 : BK;
	const int nk = K / bk;

	(void)M;
	if (threadIdx.x == 0) {
		for (int s = 0; s < STAGES; s++) {
			mbar_init(full + 8 * s, 1);
			mbar_init(empty + 8 * s, CONSUMER_WARPS);
		}
		/* Makes the initialised barriers visible to the copy engine (the
		 * async proxy); the __syncthreads covers the other threads. */
		asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
	}
	__syncthreads();

	if (wg == 0) {
		/* Every producer warp must execute this, or the consumers' increase
		 * below waits forever for registers nobody released. */
		asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;" :: "n"((int)PRODUCER_REGS));
		if (tid == 0) {
			asm volatile("prefetch.tensormap [%0];" :: "l"((uint64_t)tmA) : "memory");
			asm volatile("prefetch.tensormap [%0];" :: "l"((uint64_t)tmB) : "memory");
			for (int kb = 0; kb < nk; kb++) {
				const int s = kb % STAGES;
				const uint32_t fb = full + 8 * s;

				if (kb >= STAGES)
					mbar_wait(empty + 8 * s, (kb / STAGES - 1) & 1);
				mbar_arrive_tx(fb, STAGE_BYTES);
				tma_load(sA + s * A_BYTES, tmA, kb * bk, m0, fb);
#pragma unroll
				for (int r = 0; r < BN; r += DLP_WGMMA_BOX_B_ROWS)
					tma_load(sB + s * B_BYTES + r * ROW_BYTES, tmB, kb * bk,
						 n0 + r, fb);
			}
		}
	} else {
		asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;" :: "n"((int)CONSUMER_REGS));
		const int c = wg - 1, warp = tid / 32, lane = tid % 32;
		/* This warpgroup's 64 rows of A: 64 rows x 128 bytes further on. */
		const uint32_t a_off = c * 64 * ROW_BYTES;
		float d[128];

#pragma unroll
		for (int i = 0; i < 128; i++)
			d[i] = 0.0f;
		for (int kb = 0; kb < nk; kb++) {
			const int s = kb % STAGES;
			const uint64_t da = smem_desc(sA + s * A_BYTES + a_off);
			const uint64_t db = smem_desc(sB + s * B_BYTES);

			mbar_wait(full + 8 * s, (kb / STAGES) & 1);
			/* Lanes may leave the spin loop in different rounds, and the
			 * wgmma instructions below are .aligned: reconverge first. */
			__syncwarp();
			/* Needed before each batch of wgmma; the first one also
			 * orders the zeroing of d before the wgmma reads it. */
			asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
			/* k advances 16 elements = 32 bytes (2 in descriptor units)
			 * inside the swizzle atom; the hardware applies the swizzle
			 * to the resulting address. */
#pragma unroll
			for (int kk = 0; kk < ROW_BYTES / 32; kk++) {
				if (KIND == KIND_BF16)
					wgmma_bf16(d, da + 2 * kk, db + 2 * kk);
				else if (KIND == KIND_F16)
					wgmma_f16(d, da + 2 * kk, db + 2 * kk);
				else
					wgmma_tf32(d, da + 2 * kk, db + 2 * kk);
			}
			asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
			asm volatile("wgmma.wait_group.sync.aligned 1;" ::: "memory");
			/* wait_group is warp-synchronous (.sync.aligned), so lane 0
			 * arriving here means the whole warp is done with k-block
			 * kb - 1. */
			if (kb > 0 && lane == 0)
				mbar_arrive(empty + 8 * ((kb - 1) % STAGES));
		}
		asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
		fence_acc(d);

		/* wgmma D layout: thread (warp w, lane l) holds, for each 8-column
		 * group j, d[4j], d[4j+1] at row 16w + l/4, columns 8j + 2(l%4) + {0,1},
		 * and d[4j+2], d[4j+3] eight rows further down. */
		const int row = m0 + c * 64 + warp * 16 + lane / 4;
		float *c0 = C + (size_t)row * N + n0 + (lane % 4) * 2;
		float *c1 = c0 + (size_t)8 * N;

#pragma unroll
		for (int j = 0; j < BN / 8; j++) {
			*(float2 *)(c0 + 8 * j) = make_float2(d[4 * j], d[4 * j + 1]);
			*(float2 *)(c1 + 8 * j) = make_float2(d[4 * j + 2], d[4 * j + 3]);
		}
	}
}

extern "C" __global__ void __launch_bounds__(DLP_WGMMA_THREADS, 1)
dlp_bgemm_wgmma(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB,
		int M, int N, int K, float *__restrict__ C)
{
	wgmma_gemm<KIND_BF16>(&tmA, &tmB, M, N, K, C);
}

extern "C" __global__ void __launch_bounds__(DLP_WGMMA_THREADS, 1)
dlp_hgemm_wgmma(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB,
		int M, int N, int K, float *__restrict__ C)
{
	wgmma_gemm<KIND_F16>(&tmA, &tmB, M, N, K, C);
}

extern "C" __global__ void __launch_bounds__(DLP_WGMMA_THREADS, 1)
dlp_tgemm_wgmma(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB,
		int M, int N, int K, float *__restrict__ C)
{
	wgmma_gemm<KIND_TF32>(&tmA, &tmB, M, N, K, C);
}
