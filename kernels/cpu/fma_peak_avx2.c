/* dlp_fma_peak_avx2_f32: 12 independent ymm FMA chains, enough to cover FMA latency
 * times the FMA ports on current cores; each chain converges to 1.0 so no
 * value ever becomes denormal. */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

double dlp_fma_peak_avx2_f32(long iters, float *sink)
{
	__m256 c0 = _mm256_set1_ps((float)1);
	__m256 c1 = _mm256_set1_ps((float)2);
	__m256 c2 = _mm256_set1_ps((float)3);
	__m256 c3 = _mm256_set1_ps((float)4);
	__m256 c4 = _mm256_set1_ps((float)5);
	__m256 c5 = _mm256_set1_ps((float)6);
	__m256 c6 = _mm256_set1_ps((float)7);
	__m256 c7 = _mm256_set1_ps((float)8);
	__m256 c8 = _mm256_set1_ps((float)9);
	__m256 c9 = _mm256_set1_ps((float)10);
	__m256 c10 = _mm256_set1_ps((float)11);
	__m256 c11 = _mm256_set1_ps((float)12);
	const __m256 mul = _mm256_set1_ps((float)0.999), add = _mm256_set1_ps((float)0.001);
	__m256 s;
	long i;

	for (i = 0; i < iters; i++) {
		c0 = _mm256_fmadd_ps(c0, mul, add);
		c1 = _mm256_fmadd_ps(c1, mul, add);
		c2 = _mm256_fmadd_ps(c2, mul, add);
		c3 = _mm256_fmadd_ps(c3, mul, add);
		c4 = _mm256_fmadd_ps(c4, mul, add);
		c5 = _mm256_fmadd_ps(c5, mul, add);
		c6 = _mm256_fmadd_ps(c6, mul, add);
		c7 = _mm256_fmadd_ps(c7, mul, add);
		c8 = _mm256_fmadd_ps(c8, mul, add);
		c9 = _mm256_fmadd_ps(c9, mul, add);
		c10 = _mm256_fmadd_ps(c10, mul, add);
		c11 = _mm256_fmadd_ps(c11, mul, add);
	}
	s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), c2), c3), c4), c5), c6), c7), c8), c9), c10), c11);
	*sink = s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
	return (double)iters * 12 * 8 * 2.0;
}

double dlp_fma_peak_avx2_f64(long iters, double *sink)
{
	__m256d c0 = _mm256_set1_pd((double)1);
	__m256d c1 = _mm256_set1_pd((double)2);
	__m256d c2 = _mm256_set1_pd((double)3);
	__m256d c3 = _mm256_set1_pd((double)4);
	__m256d c4 = _mm256_set1_pd((double)5);
	__m256d c5 = _mm256_set1_pd((double)6);
	__m256d c6 = _mm256_set1_pd((double)7);
	__m256d c7 = _mm256_set1_pd((double)8);
	__m256d c8 = _mm256_set1_pd((double)9);
	__m256d c9 = _mm256_set1_pd((double)10);
	__m256d c10 = _mm256_set1_pd((double)11);
	__m256d c11 = _mm256_set1_pd((double)12);
	const __m256d mul = _mm256_set1_pd((double)0.999), add = _mm256_set1_pd((double)0.001);
	__m256d s;
	long i;

	for (i = 0; i < iters; i++) {
		c0 = _mm256_fmadd_pd(c0, mul, add);
		c1 = _mm256_fmadd_pd(c1, mul, add);
		c2 = _mm256_fmadd_pd(c2, mul, add);
		c3 = _mm256_fmadd_pd(c3, mul, add);
		c4 = _mm256_fmadd_pd(c4, mul, add);
		c5 = _mm256_fmadd_pd(c5, mul, add);
		c6 = _mm256_fmadd_pd(c6, mul, add);
		c7 = _mm256_fmadd_pd(c7, mul, add);
		c8 = _mm256_fmadd_pd(c8, mul, add);
		c9 = _mm256_fmadd_pd(c9, mul, add);
		c10 = _mm256_fmadd_pd(c10, mul, add);
		c11 = _mm256_fmadd_pd(c11, mul, add);
	}
	s = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(c0, c1), c2), c3), c4), c5), c6), c7), c8), c9), c10), c11);
	*sink = s[0] + s[1] + s[2] + s[3];
	return (double)iters * 12 * 4 * 2.0;
}
