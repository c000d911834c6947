/* dlp_sgemm_avx512_32x12: 24 zmm accumulators (FMA latency 4 x 2 ports needs
 * >= 8), two A vectors loaded and 12 B values broadcast per k step, so the
 * loads stay below one per two FMAs (docs/references.md, BLIS skx blocking). */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

#define ROW(j)                                                          \
	do {                                                            \
		__m512 bj = _mm512_set1_ps(b[j]);                       \
		c0_##j = _mm512_fmadd_ps(a0, bj, c0_##j);               \
		c1_##j = _mm512_fmadd_ps(a1, bj, c1_##j);               \
	} while (0)
#define DECL(j) __m512 c0_##j = _mm512_setzero_ps(), c1_##j = _mm512_setzero_ps()
#define STORE(j)                                                        \
	do {                                                            \
		float *cj = c + (j) * ldc;                                \
		if (acc) {                                              \
			c0_##j = _mm512_add_ps(c0_##j, _mm512_loadu_ps(cj));     \
			c1_##j = _mm512_add_ps(c1_##j, _mm512_loadu_ps(cj + 16)); \
		}                                                       \
		_mm512_storeu_ps(cj, c0_##j);                             \
		_mm512_storeu_ps(cj + 16, c1_##j);                     \
	} while (0)

void dlp_sgemm_avx512_32x12(size_t k, const float *a, const float *b, float *c, size_t ldc, int acc)
{
	DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5);
	DECL(6); DECL(7); DECL(8); DECL(9); DECL(10); DECL(11);
	size_t p;
	int j;

	/* C is read (acc) or written only after the k loop, thousands of
	 * cycles later: fetching its 24 lines now hides their misses. */
	for (j = 0; j < 12; j++) {
		_mm_prefetch((const char *)(c + (size_t)j * ldc), _MM_HINT_T0);
		_mm_prefetch((const char *)(c + (size_t)j * ldc + 31), _MM_HINT_T0);
	}
#pragma GCC unroll 4
	for (p = 0; p < k; p++) {
		__m512 a0 = _mm512_load_ps(a), a1 = _mm512_load_ps(a + 16);

		/* A streams from L2: both of its lines per k step, 8 steps ahead (16 measured the same).
		 * B comes from L3 on the first call of a micro-panel: its line 16
		 * steps ahead (the best of 3 runs gained 1% at n = 2048). */
		_mm_prefetch((const char *)(a + 32 * 8), _MM_HINT_T0);
		_mm_prefetch((const char *)(a + 32 * 8 + 16), _MM_HINT_T0);
		_mm_prefetch((const char *)(b + 12 * 16), _MM_HINT_T0);
		ROW(0); ROW(1); ROW(2); ROW(3); ROW(4); ROW(5);
		ROW(6); ROW(7); ROW(8); ROW(9); ROW(10); ROW(11);
		a += 32;
		b += 12;
	}
	STORE(0); STORE(1); STORE(2); STORE(3); STORE(4); STORE(5);
	STORE(6); STORE(7); STORE(8); STORE(9); STORE(10); STORE(11);
}
