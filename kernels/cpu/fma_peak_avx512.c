/* dlp_fma_peak_avx512_f32: 16 independent zmm FMA chains, enough to cover FMA latency
 * times the FMA ports on current cores; each chain converges to 1.0 so no
 * value ever becomes denormal. */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

double dlp_fma_peak_avx512_f32(long iters, float *sink)
{
	__m512 c0 = _mm512_set1_ps((float)1);
	__m512 c1 = _mm512_set1_ps((float)2);
	__m512 c2 = _mm512_set1_ps((float)3);
	__m512 c3 = _mm512_set1_ps((float)4);
	__m512 c4 = _mm512_set1_ps((float)5);
	__m512 c5 = _mm512_set1_ps((float)6);
	__m512 c6 = _mm512_set1_ps((float)7);
	__m512 c7 = _mm512_set1_ps((float)8);
	__m512 c8 = _mm512_set1_ps((float)9);
	__m512 c9 = _mm512_set1_ps((float)10);
	__m512 c10 = _mm512_set1_ps((float)11);
	__m512 c11 = _mm512_set1_ps((float)12);
	__m512 c12 = _mm512_set1_ps((float)13);
	__m512 c13 = _mm512_set1_ps((float)14);
	__m512 c14 = _mm512_set1_ps((float)15);
	__m512 c15 = _mm512_set1_ps((float)16);
	const __m512 mul = _mm512_set1_ps((float)0.999), add = _mm512_set1_ps((float)0.001);
	__m512 s;
	long i;

	for (i = 0; i < iters; i++) {
		c0 = _mm512_fmadd_ps(c0, mul, add);
		c1 = _mm512_fmadd_ps(c1, mul, add);
		c2 = _mm512_fmadd_ps(c2, mul, add);
		c3 = _mm512_fmadd_ps(c3, mul, add);
		c4 = _mm512_fmadd_ps(c4, mul, add);
		c5 = _mm512_fmadd_ps(c5, mul, add);
		c6 = _mm512_fmadd_ps(c6, mul, add);
		c7 = _mm512_fmadd_ps(c7, mul, add);
		c8 = _mm512_fmadd_ps(c8, mul, add);
		c9 = _mm512_fmadd_ps(c9, mul, add);
		c10 = _mm512_fmadd_ps(c10, mul, add);
		c11 = _mm512_fmadd_ps(c11, mul, add);
		c12 = _mm512_fmadd_ps(c12, mul, add);
		c13 = _mm512_fmadd_ps(c13, mul, add);
		c14 = _mm512_fmadd_ps(c14, mul, add);
		c15 = _mm512_fmadd_ps(c15, mul, add);
	}
	s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), c2), c3), c4), c5), c6), c7), c8), c9), c10), c11), c12), c13), c14), c15);
	*sink = _mm512_reduce_add_ps(s);
	return (double)iters * 16 * 16 * 2.0;
}

double dlp_fma_peak_avx512_f64(long iters, double *sink)
{
	__m512d c0 = _mm512_set1_pd((double)1);
	__m512d c1 = _mm512_set1_pd((double)2);
	__m512d c2 = _mm512_set1_pd((double)3);
	__m512d c3 = _mm512_set1_pd((double)4);
	__m512d c4 = _mm512_set1_pd((double)5);
	__m512d c5 = _mm512_set1_pd((double)6);
	__m512d c6 = _mm512_set1_pd((double)7);
	__m512d c7 = _mm512_set1_pd((double)8);
	__m512d c8 = _mm512_set1_pd((double)9);
	__m512d c9 = _mm512_set1_pd((double)10);
	__m512d c10 = _mm512_set1_pd((double)11);
	__m512d c11 = _mm512_set1_pd((double)12);
	__m512d c12 = _mm512_set1_pd((double)13);
	__m512d c13 = _mm512_set1_pd((double)14);
	__m512d c14 = _mm512_set1_pd((double)15);
	__m512d c15 = _mm512_set1_pd((double)16);
	const __m512d mul = _mm512_set1_pd((double)0.999), add = _mm512_set1_pd((double)0.001);
	__m512d s;
	long i;

	for (i = 0; i < iters; i++) {
		c0 = _mm512_fmadd_pd(c0, mul, add);
		c1 = _mm512_fmadd_pd(c1, mul, add);
		c2 = _mm512_fmadd_pd(c2, mul, add);
		c3 = _mm512_fmadd_pd(c3, mul, add);
		c4 = _mm512_fmadd_pd(c4, mul, add);
		c5 = _mm512_fmadd_pd(c5, mul, add);
		c6 = _mm512_fmadd_pd(c6, mul, add);
		c7 = _mm512_fmadd_pd(c7, mul, add);
		c8 = _mm512_fmadd_pd(c8, mul, add);
		c9 = _mm512_fmadd_pd(c9, mul, add);
		c10 = _mm512_fmadd_pd(c10, mul, add);
		c11 = _mm512_fmadd_pd(c11, mul, add);
		c12 = _mm512_fmadd_pd(c12, mul, add);
		c13 = _mm512_fmadd_pd(c13, mul, add);
		c14 = _mm512_fmadd_pd(c14, mul, add);
		c15 = _mm512_fmadd_pd(c15, mul, add);
	}
	s = _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_add_pd(c0, c1), c2), c3), c4), c5), c6), c7), c8), c9), c10), c11), c12), c13), c14), c15);
	*sink = _mm512_reduce_add_pd(s);
	return (double)iters * 16 * 8 * 2.0;
}
