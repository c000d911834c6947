/* dlp_dgemm_avx2_8x6: BLIS haswell's 6x8 tile seen column-major; 12 ymm
 * accumulators, 2 A loads and 6 broadcasts per k step, k unrolled by 4 so
 * each line of packed A (one per step) and B (48 bytes per step) is
 * prefetched once. */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

/* Prefetch distances in k steps (as dlp_sgemm_avx2_16x6). */
enum { A_AHEAD = 8, B_AHEAD = 16 };

#define ROW(j)                                                          \
	do {                                                            \
		__m256d bj = _mm256_broadcast_sd(b + (j));              \
		c0_##j = _mm256_fmadd_pd(a0, bj, c0_##j);               \
		c1_##j = _mm256_fmadd_pd(a1, bj, c1_##j);               \
	} while (0)
#define STEP()                                                          \
	do {                                                            \
		__m256d a0 = _mm256_load_pd(a), a1 = _mm256_load_pd(a + 4); \
		ROW(0); ROW(1); ROW(2); ROW(3); ROW(4); ROW(5);         \
		a += 8;                                                 \
		b += 6;                                                 \
	} while (0)
#define DECL(j) __m256d c0_##j = _mm256_setzero_pd(), c1_##j = _mm256_setzero_pd()
#define STORE(j)                                                        \
	do {                                                            \
		double *cj = c + (j) * ldc;                                \
		if (acc) {                                              \
			c0_##j = _mm256_add_pd(c0_##j, _mm256_loadu_pd(cj));     \
			c1_##j = _mm256_add_pd(c1_##j, _mm256_loadu_pd(cj + 4)); \
		}                                                       \
		_mm256_storeu_pd(cj, c0_##j);                             \
		_mm256_storeu_pd(cj + 4, c1_##j);                     \
	} while (0)

void dlp_dgemm_avx2_8x6(size_t k, const double *a, const double *b, double *c, size_t ldc, int acc)
{
	DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5);
	size_t p;
	int j;

	for (j = 0; j < 6; j++) {
		_mm_prefetch((const char *)(c + (size_t)j * ldc), _MM_HINT_T0);
		_mm_prefetch((const char *)(c + (size_t)j * ldc + 7), _MM_HINT_T0);
	}
	for (p = 0; p + 4 <= k; p += 4) {
		_mm_prefetch((const char *)(a + 8 * A_AHEAD), _MM_HINT_T0);
		_mm_prefetch((const char *)(a + 8 * (A_AHEAD + 1)), _MM_HINT_T0);
		_mm_prefetch((const char *)(a + 8 * (A_AHEAD + 2)), _MM_HINT_T0);
		_mm_prefetch((const char *)(a + 8 * (A_AHEAD + 3)), _MM_HINT_T0);
		_mm_prefetch((const char *)(b + 6 * B_AHEAD), _MM_HINT_T0);
		_mm_prefetch((const char *)(b + 6 * B_AHEAD + 8), _MM_HINT_T0);
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
