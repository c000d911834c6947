/* dlp_dgemm_avx512_16x12: the sgemm register budget with 8-wide doubles:
 * 24 zmm accumulators, 2 A loads and 12 broadcasts per k step. */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

#define ROW(j)                                                          \
	do {                                                            \
		__m512d bj = _mm512_set1_pd(b[j]);                      \
		c0_##j = _mm512_fmadd_pd(a0, bj, c0_##j);               \
		c1_##j = _mm512_fmadd_pd(a1, bj, c1_##j);               \
	} while (0)
#define DECL(j) __m512d c0_##j = _mm512_setzero_pd(), c1_##j = _mm512_setzero_pd()
#define STORE(j)                                                        \
	do {                                                            \
		double *cj = c + (j) * ldc;                                \
		if (acc) {                                              \
			c0_##j = _mm512_add_pd(c0_##j, _mm512_loadu_pd(cj));     \
			c1_##j = _mm512_add_pd(c1_##j, _mm512_loadu_pd(cj + 8)); \
		}                                                       \
		_mm512_storeu_pd(cj, c0_##j);                             \
		_mm512_storeu_pd(cj + 8, c1_##j);                     \
	} while (0)

void dlp_dgemm_avx512_16x12(size_t k, const double *a, const double *b, double *c, size_t ldc, int acc)
{
	DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5);
	DECL(6); DECL(7); DECL(8); DECL(9); DECL(10); DECL(11);
	size_t p;

	for (p = 0; p < k; p++) {
		__m512d a0 = _mm512_load_pd(a), a1 = _mm512_load_pd(a + 8);

		_mm_prefetch((const char *)(a + 16 * 8), _MM_HINT_T0);
		ROW(0); ROW(1); ROW(2); ROW(3); ROW(4); ROW(5);
		ROW(6); ROW(7); ROW(8); ROW(9); ROW(10); ROW(11);
		a += 16;
		b += 12;
	}
	STORE(0); STORE(1); STORE(2); STORE(3); STORE(4); STORE(5);
	STORE(6); STORE(7); STORE(8); STORE(9); STORE(10); STORE(11);
}
