/* sgemm_avx2_16x6: BLIS haswell's 6x16 tile seen column-major; 12 ymm
 * accumulators, 2 A loads and 6 broadcasts per k step. */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

#define ROW(j)                                                          \
	do {                                                            \
		__m256 bj = _mm256_broadcast_ss(b + (j));               \
		c0_##j = _mm256_fmadd_ps(a0, bj, c0_##j);               \
		c1_##j = _mm256_fmadd_ps(a1, bj, c1_##j);               \
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

void sgemm_avx2_16x6(size_t k, const float *a, const float *b, float *c, size_t ldc, int acc)
{
	DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5);
	size_t p;

	for (p = 0; p < k; p++) {
		__m256 a0 = _mm256_load_ps(a), a1 = _mm256_load_ps(a + 8);

		ROW(0); ROW(1); ROW(2); ROW(3); ROW(4); ROW(5);
		a += 16;
		b += 6;
	}
	STORE(0); STORE(1); STORE(2); STORE(3); STORE(4); STORE(5);
}
