/* dlprobe OpenCL GEMM kernels, C = A * B, row-major, alpha = 1, beta = 0.
 * Built once per dtype with -DDLP_FP64 or -DDLP_FP16 (fp16 storage, fp32
 * accumulation through vload_half: no cl_khr_fp16 arithmetic needed) or
 * neither (fp32). Shapes must be multiples of the tile sizes; the host checks.
 *
 * Two families, because the best OpenCL GEMM for a CPU device and for a GPU
 * are shaped differently:
 *  - gemm_cpu_*: each work-item owns an MR x 16 block of C in MR vector
 *    registers and streams A and B from cache (no local memory, no barriers:
 *    PoCL turns barriers into work-item loops, and its vectoriser emits the
 *    same 512-bit FMAs a BLIS micro-kernel uses for explicit 16-wide vectors).
 *    The packed variants read A and B through panels laid out in the order the
 *    kernel walks them, so every load is contiguous.
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
#define LD1(i, p) ((p)[i])
#define LD4(i, p) vload4(i, p)
#define LD16(i, p) vload16(i, p)
#elif defined(DLP_FP16)
typedef float real;
typedef float4 real4;
typedef float16 real16;
typedef half store;
typedef ushort raw;
#define LD1(i, p) vload_half(i, p)
#define LD4(i, p) vload_half4(i, p)
#define LD16(i, p) vload_half16(i, p)
#else
typedef float real;
typedef float4 real4;
typedef float16 real16;
typedef float store;
typedef uint raw;
#define LD1(i, p) ((p)[i])
#define LD4(i, p) vload4(i, p)
#define LD16(i, p) vload16(i, p)
#endif

#define GEMM_CPU(MR)                                                           \
__kernel void gemm_cpu_mr##MR(const int M, const int N, const int K,          \
			      __global const store *A,                         \
			      __global const store *B, __global real *C)       \
{                                                                              \
	const int jb = get_global_id(0), ib = get_global_id(1);                \
	__global const store *a = A + (size_t)ib * MR * K;                     \
	__global const store *b = B + (size_t)jb * 16;                         \
	real16 acc[MR];                                                        \
	for (int r = 0; r < MR; r++)                                           \
		acc[r] = (real16)(0);                                          \
	for (int k = 0; k < K; k++) {                                          \
		const real16 bv = LD16(0, b + (size_t)k * N);                  \
		for (int r = 0; r < MR; r++)                                   \
			acc[r] = fma((real16)(LD1((size_t)r * K + k, a)), bv,  \
				     acc[r]);                                  \
	}                                                                      \
	for (int r = 0; r < MR; r++)                                           \
		vstore16(acc[r], jb, C + (size_t)(ib * MR + r) * N);           \
}

/* Ap is [M/MR][K][MR], Bp is [N/16][K][16] (pack_a / pack_b below). */
#define GEMM_PACKED(MR)                                                        \
__kernel void gemm_packed_mr##MR(const int M, const int N, const int K,       \
				 __global const store *Ap,                     \
				 __global const store *Bp, __global real *C)   \
{                                                                              \
	const int jb = get_global_id(0), ib = get_global_id(1);                \
	__global const store *a = Ap + (size_t)ib * MR * K;                    \
	__global const store *b = Bp + (size_t)jb * 16 * K;                    \
	real16 acc[MR];                                                        \
	for (int r = 0; r < MR; r++)                                           \
		acc[r] = (real16)(0);                                          \
	for (int k = 0; k < K; k++) {                                          \
		const real16 bv = LD16(k, b);                                  \
		for (int r = 0; r < MR; r++)                                   \
			acc[r] = fma((real16)(LD1(k * MR + r, a)), bv, acc[r]);\
	}                                                                      \
	for (int r = 0; r < MR; r++)                                           \
		vstore16(acc[r], jb, C + (size_t)(ib * MR + r) * N);           \
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

/* MR x 32: two B vectors per k halve the broadcasts per FMA (the rule of at
 * most one load per two FMAs that BLIS micro-kernels follow). Bp is
 * [N/32][K][32]. */
#define GEMM_PACKED32(MR)                                                      \
__kernel void gemm_packed32_mr##MR(const int M, const int N, const int K,     \
				   __global const store *Ap,                   \
				   __global const store *Bp, __global real *C) \
{                                                                              \
	const int jb = get_global_id(0), ib = get_global_id(1);                \
	__global const store *a = Ap + (size_t)ib * MR * K;                    \
	__global const store *b = Bp + (size_t)jb * 32 * K;                    \
	real16 c0[MR], c1[MR];                                                 \
	for (int r = 0; r < MR; r++)                                           \
		c0[r] = c1[r] = (real16)(0);                                   \
	for (int k = 0; k < K; k++) {                                          \
		const real16 b0 = LD16(2 * k, b), b1 = LD16(2 * k + 1, b);     \
		for (int r = 0; r < MR; r++) {                                 \
			const real16 av = (real16)(LD1(k * MR + r, a));        \
			c0[r] = fma(av, b0, c0[r]);                            \
			c1[r] = fma(av, b1, c1[r]);                            \
		}                                                              \
	}                                                                      \
	for (int r = 0; r < MR; r++) {                                         \
		vstore16(c0[r], 2 * jb, C + (size_t)(ib * MR + r) * N);        \
		vstore16(c1[r], 2 * jb + 1, C + (size_t)(ib * MR + r) * N);    \
	}                                                                      \
}

GEMM_CPU(8)
GEMM_PACKED32(4)
GEMM_PACKED32(8)
GEMM_PACKED(4)
GEMM_PACKED(8)
GEMM_PACKED(16)
GEMM_TILED(16, 4, 16)
GEMM_TILED(8, 4, 16)

/* Packing copies raw bits, so it works for every dtype without arithmetic
 * on half (which would need cl_khr_fp16). */
__kernel void pack_a(const int M, const int K, const int MR,
		     __global const raw *A, __global raw *Ap)
{
	const int k = get_global_id(0), i = get_global_id(1);

	Ap[(size_t)(i / MR) * MR * K + (size_t)k * MR + i % MR] = A[(size_t)i * K + k];
}

__kernel void pack_b(const int K, const int N, const int NR, __global const raw *B,
		     __global raw *Bp)
{
	const int j = get_global_id(0), k = get_global_id(1);

	Bp[(size_t)(j / NR) * NR * K + (size_t)k * NR + (j % NR)] = B[(size_t)k * N + j];
}
