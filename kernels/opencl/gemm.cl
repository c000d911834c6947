/* dlprobe OpenCL GEMM kernels, C = A * B, row-major, alpha = 1, beta = 0.
 * Built once per dtype with -DDLP_FP64 or -DDLP_FP16 (fp16 storage, fp32
 * accumulation through vload_half: no cl_khr_fp16 arithmetic needed) or
 * neither (fp32). Shapes must be multiples of the tile sizes, except M for
 * the kernels that read a packed, zero-padded A; the host checks.
 *
 * Two families, because the best OpenCL GEMM for a CPU device and for a GPU
 * are shaped differently:
 *  - gemm_cpu_*, gemm_pb32_*, gemm_packed*_*: each work-item owns an MR x 16
 *    or MR x 32 block of C in vector registers and streams A and B from cache
 *    (no local memory, no barriers: PoCL turns barriers into work-item loops,
 *    and its vectoriser emits the same 512-bit FMAs a BLIS micro-kernel uses
 *    for explicit 16-wide vectors). The packed variants read A and/or B
 *    through panels laid out in the order the kernel walks them, so every
 *    load is contiguous (GEMM_PANEL below).
 *  - gemm_tiled_*: the GPU shape: a work-group stages TK-deep tiles of A and B
 *    in local memory with vector loads, each work-item accumulating an RT x RT
 *    register tile strided by WG so that global stores coalesce.
 */
#ifdef DLP_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
typedef double4 real4;
typedef double16 real16;
typedef double store;
typedef ulong raw;
typedef ulong16 raw16;
#define LD1(i, p) ((p)[i])
#define LD4(i, p) vload4(i, p)
#define LD16(i, p) vload16(i, p)
#elif defined(DLP_FP16)
typedef float real;
typedef float4 real4;
typedef float16 real16;
typedef half store;
typedef ushort raw;
typedef ushort16 raw16;
#define LD1(i, p) vload_half(i, p)
#define LD4(i, p) vload_half4(i, p)
#define LD16(i, p) vload_half16(i, p)
#else
typedef float real;
typedef float4 real4;
typedef float16 real16;
typedef float store;
typedef uint raw;
typedef uint16 raw16;
#define LD1(i, p) ((p)[i])
#define LD4(i, p) vload4(i, p)
#define LD16(i, p) vload16(i, p)
#endif

/* One macro for every CPU-shaped kernel. A work-item owns an MR x (16*NB)
 * block of C in MR*NB vector accumulators for the whole k loop:
 *  - APACKED: A is Ap, [Mp/MR][K][MR] with rows past M zero (pack_a), so the
 *    MR broadcasts of a k step are one contiguous run; otherwise A is read
 *    row-major (MR streams, one cache line serves 16 k steps).
 *  - BPACKED: B is Bp, [N/NR][K][NR] (pack_b), so the B vectors of a k step
 *    are contiguous and consecutive k are adjacent; otherwise B rows are read
 *    with stride N, which for N = 1024 maps every row to one L1 set.
 * Work-item (ib, jb) = (global id 0, global id 1): PoCL hands consecutive
 * work-groups (dimension 0 fastest) to a thread, so neighbours share the
 * large B panel (NR x K, kept in L2) and stream the small A panel.
 * The loops over r and q are unrolled explicitly and the pointers are
 * restrict: without both, the MR=8 x 32 kernel ran at less than half the
 * speed on PoCL 3.1 (most likely acc[][] stayed in memory).
 * NB = 2 halves the broadcasts per FMA (BLIS: at most one load per two FMAs);
 * MR*NB accumulators + NB B vectors + 1 broadcast must fit 32 zmm registers. */
#define DLP_PRAGMA(x) _Pragma(#x)
#define GEMM_PANEL(NAME, MR, NB, APACKED, BPACKED)                             \
__kernel void NAME(const int M, const int N, const int K,                      \
		   __global const store *restrict A,                           \
		   __global const store *restrict B, __global real *restrict C) \
{                                                                              \
	const int ib = get_global_id(0), jb = get_global_id(1);                \
	__global const store *a = A + (size_t)ib * MR * K;                     \
	__global const store *b = BPACKED ? B + (size_t)jb * 16 * NB * K       \
					  : B + (size_t)jb * 16 * NB;          \
	const int rows = min(MR, M - ib * MR);                                 \
	real16 acc[NB][MR];                                                    \
	DLP_PRAGMA(unroll)                                                     \
	for (int r = 0; r < MR; r++) {                                         \
		DLP_PRAGMA(unroll)                                             \
		for (int q = 0; q < NB; q++)                                   \
			acc[q][r] = (real16)(0);                               \
	}                                                                      \
	for (int k = 0; k < K; k++) {                                          \
		real16 bv[NB];                                                 \
		DLP_PRAGMA(unroll)                                             \
		for (int q = 0; q < NB; q++)                                   \
			bv[q] = BPACKED ? LD16(k * NB + q, b)                  \
					: LD16(q, b + (size_t)k * N);          \
		DLP_PRAGMA(unroll)                                             \
		for (int r = 0; r < MR; r++) {                                 \
			const real16 av = (real16)(APACKED ?                   \
				LD1(k * MR + r, a) : LD1((size_t)r * K + k, a)); \
			DLP_PRAGMA(unroll)                                     \
			for (int q = 0; q < NB; q++)                           \
				acc[q][r] = fma(av, bv[q], acc[q][r]);         \
		}                                                              \
	}                                                                      \
	/* Padded rows (r >= rows) were computed from zeros: not stored. */    \
	DLP_PRAGMA(unroll)                                                     \
	for (int r = 0; r < MR; r++) {                                         \
		if (r < rows) {                                                \
			DLP_PRAGMA(unroll)                                     \
			for (int q = 0; q < NB; q++)                           \
				vstore16(acc[q][r], jb * NB + q,               \
					 C + (size_t)(ib * MR + r) * N);       \
		}                                                              \
	}                                                                      \
}

#define GEMM_TILED(WG, RT, TK)                                                 \
__kernel __attribute__((reqd_work_group_size(WG, WG, 1)))                      \
void gemm_tiled_wg##WG##_rt##RT(const int M, const int N, const int K,         \
				__global const store *A,                       \
				__global const store *B, __global real *C)     \
{                                                                              \
	__local real As[TK][WG * RT];                                          \
	__local real Bs[TK][WG * RT];                                          \
	const int tx = get_local_id(0), ty = get_local_id(1);                  \
	const int tid = ty * WG + tx;                                          \
	const int col0 = get_group_id(0) * WG * RT;                            \
	const int row0 = get_group_id(1) * WG * RT;                            \
	real acc[RT][RT];                                                      \
	for (int i = 0; i < RT; i++)                                           \
		for (int j = 0; j < RT; j++)                                   \
			acc[i][j] = 0;                                         \
	for (int k0 = 0; k0 < K; k0 += TK) {                                   \
		for (int e = tid; e < WG * RT * TK / 4; e += WG * WG) {        \
			const int r = e / (TK / 4), kq = e % (TK / 4);         \
			const real4 av = LD4(0, A + (size_t)(row0 + r) * K +   \
					     k0 + kq * 4);                     \
			As[kq * 4 + 0][r] = av.s0;                             \
			As[kq * 4 + 1][r] = av.s1;                             \
			As[kq * 4 + 2][r] = av.s2;                             \
			As[kq * 4 + 3][r] = av.s3;                             \
			const int kb = e / (WG * RT / 4), cq = e % (WG * RT / 4); \
			const real4 bv = LD4(0, B + (size_t)(k0 + kb) * N +    \
					     col0 + cq * 4);                   \
			Bs[kb][cq * 4 + 0] = bv.s0;                            \
			Bs[kb][cq * 4 + 1] = bv.s1;                            \
			Bs[kb][cq * 4 + 2] = bv.s2;                            \
			Bs[kb][cq * 4 + 3] = bv.s3;                            \
		}                                                              \
		barrier(CLK_LOCAL_MEM_FENCE);                                  \
		for (int kk = 0; kk < TK; kk++) {                              \
			real av[RT], bv[RT];                                   \
			for (int i = 0; i < RT; i++)                           \
				av[i] = As[kk][ty + i * WG];                   \
			for (int j = 0; j < RT; j++)                           \
				bv[j] = Bs[kk][tx + j * WG];                   \
			for (int i = 0; i < RT; i++)                           \
				for (int j = 0; j < RT; j++)                   \
					acc[i][j] = fma(av[i], bv[j], acc[i][j]); \
		}                                                              \
		barrier(CLK_LOCAL_MEM_FENCE);                                  \
	}                                                                      \
	for (int i = 0; i < RT; i++)                                           \
		for (int j = 0; j < RT; j++)                                   \
			C[(size_t)(row0 + ty + i * WG) * N + col0 + tx + j * WG] = \
				acc[i][j];                                     \
}

GEMM_PANEL(gemm_cpu_mr8, 8, 1, 0, 0)
GEMM_PANEL(gemm_pb32_mr8, 8, 2, 0, 1)
GEMM_PANEL(gemm_packed32_mr4, 4, 2, 1, 1)
GEMM_PANEL(gemm_packed32_mr8, 8, 2, 1, 1)
GEMM_PANEL(gemm_packed32_mr12, 12, 2, 1, 1)
GEMM_PANEL(gemm_packed_mr8, 8, 1, 1, 1)
GEMM_PANEL(gemm_packed_mr16, 16, 1, 1, 1)
GEMM_TILED(16, 4, 16)
GEMM_TILED(8, 4, 16)

/* Packing copies raw bits, so it works for every dtype without arithmetic
 * on half (which would need cl_khr_fp16). Each work-item moves 16 elements
 * with vector loads (K and N are multiples of 16; the host checks): one
 * element per work-item ran 3-5x slower and was a fifth of the GEMM time.
 * pack_a: global (K/16, Mp/MR); rows i >= M are written as zeros, so the
 * GEMM needs no bounds check in its k loop. */
__kernel void pack_a(const int M, const int K, const int MR,
		     __global const raw *restrict A, __global raw *restrict Ap)
{
	const int k0 = get_global_id(0) * 16, ib = get_global_id(1);
	__global raw *o = Ap + ((size_t)ib * K + k0) * MR;

	for (int r = 0; r < MR; r++) {
		const int i = ib * MR + r;
		const raw16 v = i < M ? vload16(0, A + (size_t)i * K + k0) : (raw16)(0);

		o[0 * MR + r] = v.s0;
		o[1 * MR + r] = v.s1;
		o[2 * MR + r] = v.s2;
		o[3 * MR + r] = v.s3;
		o[4 * MR + r] = v.s4;
		o[5 * MR + r] = v.s5;
		o[6 * MR + r] = v.s6;
		o[7 * MR + r] = v.s7;
		o[8 * MR + r] = v.s8;
		o[9 * MR + r] = v.s9;
		o[10 * MR + r] = v.sa;
		o[11 * MR + r] = v.sb;
		o[12 * MR + r] = v.sc;
		o[13 * MR + r] = v.sd;
		o[14 * MR + r] = v.se;
		o[15 * MR + r] = v.sf;
	}
}

/* pack_b: global (N/16, K); NR is a multiple of 16. */
__kernel void pack_b(const int K, const int N, const int NR, __global const raw *restrict B,
		     __global raw *restrict Bp)
{
	const int j0 = get_global_id(0) * 16, k = get_global_id(1);

	vstore16(vload16(0, B + (size_t)k * N + j0), 0,
		 Bp + ((size_t)(j0 / NR) * K + k) * NR + j0 % NR);
}
