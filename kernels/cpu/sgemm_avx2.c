/* dlp_sgemm_avx2_16x6: BLIS haswell's 6x16 tile seen column-major; 12 ymm
 * accumulators (FMA latency 4-5 x 2 pipes needs >= 10 in flight), 2 A loads
 * and 6 broadcasts per k step. The k loop is unrolled by 4 so that each
 * line of packed A and B is prefetched exactly once (a k step of A is one
 * 64-byte line, of B 24 bytes). */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

/* Prefetch distances in k steps: A streams from L2 (one line per step),
 * B from L1/L2 after the first micro-panel of a block. */
enum { A_AHEAD = 8, B_AHEAD = 16 };

#define ROW(j)                                                          \
	do {                                                            \
		__m256 bj = _mm256_broadcast_ss(b + (j));               \
		c0_##j = _mm256_fmadd_ps(a0, bj, c0_##j);               \
		c1_##j = _mm256_fmadd_ps(a1, bj, c1_##j);               \
	} while (0)
#define STEP()                                                          \
	do {                                                            \
		__m256 a0 = _mm256_load_ps(a), a1 = _mm256_load_ps(a + 8); \
		ROW(0); ROW(1); ROW(2); ROW(3); ROW(4); ROW(5);         \
		a += 16;                                                \
		b += 6;                                                 \
	} while (0)
#define DECL(j) __m256 c0_##j = _mm256_setzero_ps(), c1_##j = _mm256_setzero_ps()
#define STORE(j)                                                        \
	do {                                                            \
		float *cj = c + (j) * ldc;                                \
		if (acc) {                                              \
			c0_##j = _mm256_add_ps(c0_##j, _mm256_loadu_ps(cj));     \
			c1_##j = _mm256_add_ps(c1_##j, _mm256_loadu_ps(cj + 8)); \
		}                                                       \
		_mm256_storeu_ps(cj, c0_##j);                             \
		_mm256_storeu_ps(cj + 8, c1_##j);                     \
	} while (0)

void dlp_sgemm_avx2_16x6(size_t k, const float *a, const float *b, float *c, size_t ldc, int acc)
{
	DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5);
	size_t p;
	int j;

	/* C is read (acc) or written only after the k loop: fetching its
	 * lines now hides their misses (a column of the tile is 64 bytes, two
	 * lines when C is not aligned). */
	for (j = 0; j < 6; j++) {
		_mm_prefetch((const char *)(c + (size_t)j * ldc), _MM_HINT_T0);
		_mm_prefetch((const char *)(c + (size_t)j * ldc + 15), _MM_HINT_T0);
	}
	for (p = 0; p + 4 <= k; p += 4) {
		_mm_prefetch((const char *)(a + 16 * A_AHEAD), _MM_HINT_T0);
		_mm_prefetch((const char *)(a + 16 * (A_AHEAD + 1)), _MM_HINT_T0);
		_mm_prefetch((const char *)(a + 16 * (A_AHEAD + 2)), _MM_HINT_T0);
		_mm_prefetch((const char *)(a + 16 * (A_AHEAD + 3)), _MM_HINT_T0);
		_mm_prefetch((const char *)(b + 6 * B_AHEAD), _MM_HINT_T0);
		_mm_prefetch((const char *)(b + 6 * B_AHEAD + 16), _MM_HINT_T0);
		STEP();
		STEP();
		STEP();
		STEP();
	}
	for (; p < k; p++)
		STEP();
	STORE(0); STORE(1); STORE(2); STORE(3); STORE(4); STORE(5);
}
