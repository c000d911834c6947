/* dlp_fma_peak_generic_f32: 12 independent xmm multiply-add chains (SSE2 has no
 * FMA: a multiply and an add count as 2 flops), enough to cover latency
 * times the ports on current cores; each chain converges to 1.0 so no
 * value ever becomes denormal. */
#include <emmintrin.h>

#include "kernels/cpu/cpu.h"

double dlp_fma_peak_generic_f32(long iters, float *sink)
{
	__m128 c0 = _mm_set1_ps((float)1);
	__m128 c1 = _mm_set1_ps((float)2);
	__m128 c2 = _mm_set1_ps((float)3);
	__m128 c3 = _mm_set1_ps((float)4);
	__m128 c4 = _mm_set1_ps((float)5);
	__m128 c5 = _mm_set1_ps((float)6);
	__m128 c6 = _mm_set1_ps((float)7);
	__m128 c7 = _mm_set1_ps((float)8);
	__m128 c8 = _mm_set1_ps((float)9);
	__m128 c9 = _mm_set1_ps((float)10);
	__m128 c10 = _mm_set1_ps((float)11);
	__m128 c11 = _mm_set1_ps((float)12);
	const __m128 mul = _mm_set1_ps((float)0.999), add = _mm_set1_ps((float)0.001);
	__m128 s;
	long i;

	for (i = 0; i < iters; i++) {
		c0 = _mm_add_ps(_mm_mul_ps(c0, mul), add);
		c1 = _mm_add_ps(_mm_mul_ps(c1, mul), add);
		c2 = _mm_add_ps(_mm_mul_ps(c2, mul), add);
		c3 = _mm_add_ps(_mm_mul_ps(c3, mul), add);
		c4 = _mm_add_ps(_mm_mul_ps(c4, mul), add);
		c5 = _mm_add_ps(_mm_mul_ps(c5, mul), add);
		c6 = _mm_add_ps(_mm_mul_ps(c6, mul), add);
		c7 = _mm_add_ps(_mm_mul_ps(c7, mul), add);
		c8 = _mm_add_ps(_mm_mul_ps(c8, mul), add);
		c9 = _mm_add_ps(_mm_mul_ps(c9, mul), add);
		c10 = _mm_add_ps(_mm_mul_ps(c10, mul), add);
		c11 = _mm_add_ps(_mm_mul_ps(c11, mul), add);
	}
	s = _mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_add_ps(c0, c1), c2), c3), c4), c5), c6), c7), c8), c9), c10), c11);
	*sink = s[0] + s[1] + s[2] + s[3];
	return (double)iters * 12 * 4 * 2.0;
}

double dlp_fma_peak_generic_f64(long iters, double *sink)
{
	__m128d c0 = _mm_set1_pd((double)1);
	__m128d c1 = _mm_set1_pd((double)2);
	__m128d c2 = _mm_set1_pd((double)3);
	__m128d c3 = _mm_set1_pd((double)4);
	__m128d c4 = _mm_set1_pd((double)5);
	__m128d c5 = _mm_set1_pd((double)6);
	__m128d c6 = _mm_set1_pd((double)7);
	__m128d c7 = _mm_set1_pd((double)8);
	__m128d c8 = _mm_set1_pd((double)9);
	__m128d c9 = _mm_set1_pd((double)10);
	__m128d c10 = _mm_set1_pd((double)11);
	__m128d c11 = _mm_set1_pd((double)12);
	const __m128d mul = _mm_set1_pd((double)0.999), add = _mm_set1_pd((double)0.001);
	__m128d s;
	long i;

	for (i = 0; i < iters; i++) {
		c0 = _mm_add_pd(_mm_mul_pd(c0, mul), add);
		c1 = _mm_add_pd(_mm_mul_pd(c1, mul), add);
		c2 = _mm_add_pd(_mm_mul_pd(c2, mul), add);
		c3 = _mm_add_pd(_mm_mul_pd(c3, mul), add);
		c4 = _mm_add_pd(_mm_mul_pd(c4, mul), add);
		c5 = _mm_add_pd(_mm_mul_pd(c5, mul), add);
		c6 = _mm_add_pd(_mm_mul_pd(c6, mul), add);
		c7 = _mm_add_pd(_mm_mul_pd(c7, mul), add);
		c8 = _mm_add_pd(_mm_mul_pd(c8, mul), add);
		c9 = _mm_add_pd(_mm_mul_pd(c9, mul), add);
		c10 = _mm_add_pd(_mm_mul_pd(c10, mul), add);
		c11 = _mm_add_pd(_mm_mul_pd(c11, mul), add);
	}
	s = _mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_add_pd(c0, c1), c2), c3), c4), c5), c6), c7), c8), c9), c10), c11);
	*sink = s[0] + s[1];
	return (double)iters * 12 * 2 * 2.0;
}
