/* STREAM kernels (jeffhammond/STREAM rules) and the classical-ML building
 * blocks: histogram accumulation (histogram GBDT) and dot/axpy (linear models). */
#include <emmintrin.h>

#include "kernels/cpu/cpu.h"

void dlp_stream_kernel(int op, int nt, double *a, const double *b, const double *c,
		       double s, size_t i0, size_t i1)
{
	size_t i = i0;

	/* 64-byte vectors where the CPU (and DLPROBE_CPU_ISA) allows, for both
	 * variants, so the NT / normal ratio compares like with like (the plain
	 * loops below stay scalar in this baseline x86-64 file). */
	if (dlp_cpu_isa_ok(DLP_CPU_AVX512)) {
		dlp_stream_avx512(op, nt, a, b, c, s, i0, i1);
		i = i1;  /* done: the tail loops below run zero times */
	} else if (nt) {
		/* Non-temporal stores skip the write-allocate read of a; SSE2
		 * streaming stores fill whole lines through write combining. */
		const __m128d vs = _mm_set1_pd(s);

		for (; i < i1 && ((uintptr_t)(a + i) & 15); i++)
			a[i] = op == DLP_STREAM_COPY ? b[i] : op == DLP_STREAM_SCALE ? s * b[i]
			     : op == DLP_STREAM_ADD ? b[i] + c[i] : b[i] + s * c[i];
		switch (op) {
		case DLP_STREAM_COPY:
			for (; i + 2 <= i1; i += 2)
				_mm_stream_pd(a + i, _mm_loadu_pd(b + i));
			break;
		case DLP_STREAM_SCALE:
			for (; i + 2 <= i1; i += 2)
				_mm_stream_pd(a + i, _mm_mul_pd(vs, _mm_loadu_pd(b + i)));
			break;
		case DLP_STREAM_ADD:
			for (; i + 2 <= i1; i += 2)
				_mm_stream_pd(a + i, _mm_add_pd(_mm_loadu_pd(b + i), _mm_loadu_pd(c + i)));
			break;
		default:
			for (; i + 2 <= i1; i += 2)
				_mm_stream_pd(a + i, _mm_add_pd(_mm_loadu_pd(b + i),
								_mm_mul_pd(vs, _mm_loadu_pd(c + i))));
			break;
		}
		_mm_sfence();
	}
	switch (op) {
	case DLP_STREAM_COPY:
		for (; i < i1; i++)
			a[i] = b[i];
		break;
	case DLP_STREAM_SCALE:
		for (; i < i1; i++)
			a[i] = s * b[i];
		break;
	case DLP_STREAM_ADD:
		for (; i < i1; i++)
			a[i] = b[i] + c[i];
		break;
	default:
		for (; i < i1; i++)
			a[i] = b[i] + s * c[i];
		break;
	}
}

void dlp_hist_accumulate(const uint8_t *bins, const float *grad, const float *hess,
			 size_t r0, size_t r1, size_t nf, size_t nbins, double *hist)
{
	size_t r, f;

	for (r = r0; r < r1; r++) {
		const uint8_t *row = bins + r * nf;
		double g = grad[r], h = hess[r];

		for (f = 0; f < nf; f++) {
			double *cell = hist + 2 * (f * nbins + row[f]);

			cell[0] += g;
			cell[1] += h;
		}
	}
}

double dlp_dot(const float *x, const float *y, size_t n)
{
	/* Eight partial sums: one chain would be bound by add latency. */
	float s[8] = { 0 };
	size_t i;
	int j;

	for (i = 0; i + 8 <= n; i += 8)
		for (j = 0; j < 8; j++)
			s[j] += x[i + j] * y[i + j];
	for (; i < n; i++)
		s[0] += x[i] * y[i];
	return (double)s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

void dlp_axpy(float a, const float *x, float *y, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		y[i] += a * x[i];
}
