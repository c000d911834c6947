/* dlp_fma_peak_avx512bf16: 16 independent VDPBF16PS chains (latency x ports on
 * Zen 4/5 and Sapphire Rapids is at most 12). Each step adds 2 x 2^-22 per
 * lane, so no chain overflows or goes denormal over any budget; the sum
 * stays above 16 x 16 (the start values are 1..16 per chain). */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

#define CH(i) __m512 c##i = _mm512_set1_ps((float)(i + 1))
#define STEP(i) c##i = _mm512_dpbf16_ps(c##i, x, y)

double dlp_fma_peak_avx512bf16(long iters, float *sink)
{
	CH(0); CH(1); CH(2); CH(3); CH(4); CH(5); CH(6); CH(7);
	CH(8); CH(9); CH(10); CH(11); CH(12); CH(13); CH(14); CH(15);
	/* bf16 0x3a80 = 2^-10, 0x3980 = 2^-12: pairs of them in every dword. */
	const __m512bh x = (__m512bh)_mm512_set1_epi32(0x3a803a80);
	const __m512bh y = (__m512bh)_mm512_set1_epi32(0x39803980);
	__m512 s;
	long i;

	for (i = 0; i < iters; i++) {
		STEP(0); STEP(1); STEP(2); STEP(3); STEP(4); STEP(5); STEP(6); STEP(7);
		STEP(8); STEP(9); STEP(10); STEP(11); STEP(12); STEP(13); STEP(14); STEP(15);
	}
	s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
			  _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
	s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)),
					   _mm512_add_ps(_mm512_add_ps(c12, c13), _mm512_add_ps(c14, c15))));
	*sink = _mm512_reduce_add_ps(s);
	/* 16 lanes x 2 bf16 products x (multiply + add) per instruction. */
	return (double)iters * 16 * 16 * 2 * 2.0;
}
