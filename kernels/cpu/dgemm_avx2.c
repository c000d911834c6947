/* dgemm_avx2_8x6: BLIS haswell's 6x8 tile seen column-major; 12 ymm
 * accumulators. */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

#define ROW(j)                                                          \
	do {                                                            \
		__m256d bj = _mm256_broadcast_sd(b + (j));              \
		c0_##j = _mm256_fmadd_pd(a0, bj, c0_##j);               \
		c1_##j = _mm256_fmadd_pd(a1, bj, c1_##j);               \
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

void dgemm_avx2_8x6(size_t k, const double *a, const double *b, double *c, size_t ldc, int acc)
{
	DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5);
	size_t p;

	for (p = 0; p < k; p++) {
		__m256d a0 = _mm256_load_pd(a), a1 = _mm256_load_pd(a + 4);

		ROW(0); ROW(1); ROW(2); ROW(3); ROW(4); ROW(5);
		a += 8;
		b += 6;
	}
	STORE(0); STORE(1); STORE(2); STORE(3); STORE(4); STORE(5);
}
