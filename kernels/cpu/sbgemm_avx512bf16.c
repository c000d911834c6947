/* dlp_sbgemm_avx512bf16_32x12: the sgemm register budget with VDPBF16PS: 24 zmm
 * fp32 accumulators (32 rows x 12 columns), per k pair two A vectors of 16
 * row pairs and 12 broadcast B pairs; each instruction does 16 lanes x 2
 * products, twice the work of an fp32 FMA per issue slot. */
#include <immintrin.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

static inline __m512bh bpair(const uint16_t *b)
{
	int32_t v;

	memcpy(&v, b, sizeof v);
	return (__m512bh)_mm512_set1_epi32(v);
}

#define ROW(j)                                                          \
	do {                                                            \
		__m512bh bj = bpair(b + 2 * (j));                        \
		c0_##j = _mm512_dpbf16_ps(c0_##j, a0, bj);              \
		c1_##j = _mm512_dpbf16_ps(c1_##j, a1, bj);              \
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

void dlp_sbgemm_avx512bf16_32x12(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc,
			     int acc)
{
	DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5);
	DECL(6); DECL(7); DECL(8); DECL(9); DECL(10); DECL(11);
	size_t p;

	for (p = 0; p < kp; p++) {
		__m512bh a0 = (__m512bh)_mm512_load_si512((const void *)a);
		__m512bh a1 = (__m512bh)_mm512_load_si512((const void *)(a + 32));

		_mm_prefetch((const char *)(a + 64 * 8), _MM_HINT_T0);
		ROW(0); ROW(1); ROW(2); ROW(3); ROW(4); ROW(5);
		ROW(6); ROW(7); ROW(8); ROW(9); ROW(10); ROW(11);
		a += 64;
		b += 24;
	}
	STORE(0); STORE(1); STORE(2); STORE(3); STORE(4); STORE(5);
	STORE(6); STORE(7); STORE(8); STORE(9); STORE(10); STORE(11);
}
