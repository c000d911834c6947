/* STREAM kernels with 64-byte vectors, normal and non-temporal stores in the
 * same loop shape: the two variants differ only in the store instruction, so
 * their ratio measures what skipping the write-allocate read is worth.
 * Non-temporal: one _mm512_stream_pd per 64-byte line, aligned, so every
 * write-combining buffer leaves full; the sfence orders the streamed lines
 * before the caller's next synchronisation (the team's end-of-run mutex). */
#include <immintrin.h>

#include "kernels/cpu/cpu.h"

/* OP(i): the value for a[i..i+7], from loads of b and c at i. */
#define STREAM_LOOP(STORE, OP)                                                  \
	do {                                                                    \
		for (; i + 16 <= i1; i += 16) {                                 \
			STORE(a + i, OP(i));                                    \
			STORE(a + i + 8, OP(i + 8));                            \
		}                                                               \
		for (; i + 8 <= i1; i += 8)                                     \
			STORE(a + i, OP(i));                                    \
	} while (0)
#define COPY(i) _mm512_loadu_pd(b + (i))
#define SCALE(i) _mm512_mul_pd(vs, _mm512_loadu_pd(b + (i)))
#define ADD(i) _mm512_add_pd(_mm512_loadu_pd(b + (i)), _mm512_loadu_pd(c + (i)))
#define TRIAD(i) _mm512_fmadd_pd(vs, _mm512_loadu_pd(c + (i)), _mm512_loadu_pd(b + (i)))

static double scalar(int op, const double *b, const double *c, double s, size_t i)
{
	return op == DLP_STREAM_COPY ? b[i] : op == DLP_STREAM_SCALE ? s * b[i]
	     : op == DLP_STREAM_ADD ? b[i] + c[i] : b[i] + s * c[i];
}

void dlp_stream_avx512(int op, int nt, double *a, const double *b, const double *c, double s,
		       size_t i0, size_t i1)
{
	const __m512d vs = _mm512_set1_pd(s);
	size_t i = i0;

	/* Both variants start at a line boundary of a (the arrays are 64-byte
	 * aligned, so b and c are then too): the same aligned loads for both. */
	for (; i < i1 && ((uintptr_t)(a + i) & 63); i++)
		a[i] = scalar(op, b, c, s, i);
	switch (op * 2 + !!nt) {
	case DLP_STREAM_COPY * 2:
		STREAM_LOOP(_mm512_store_pd, COPY);
		break;
	case DLP_STREAM_COPY * 2 + 1:
		STREAM_LOOP(_mm512_stream_pd, COPY);
		break;
	case DLP_STREAM_SCALE * 2:
		STREAM_LOOP(_mm512_store_pd, SCALE);
		break;
	case DLP_STREAM_SCALE * 2 + 1:
		STREAM_LOOP(_mm512_stream_pd, SCALE);
		break;
	case DLP_STREAM_ADD * 2:
		STREAM_LOOP(_mm512_store_pd, ADD);
		break;
	case DLP_STREAM_ADD * 2 + 1:
		STREAM_LOOP(_mm512_stream_pd, ADD);
		break;
	case DLP_STREAM_TRIAD * 2:
		STREAM_LOOP(_mm512_store_pd, TRIAD);
		break;
	default:
		STREAM_LOOP(_mm512_stream_pd, TRIAD);
		break;
	}
	if (nt)
		_mm_sfence();
	for (; i < i1; i++)
		a[i] = scalar(op, b, c, s, i);
}
