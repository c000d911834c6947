/* Portable micro-kernels for any x86-64 (baseline SSE2): plain C the
 * compiler vectorises; the register tile is small enough to stay in the 16
 * xmm registers. */
#include "kernels/cpu/cpu.h"

void dlp_sgemm_generic_8x4(size_t k, const float *a, const float *b, float *c, size_t ldc, int accumulate)
{
	float acc[4][8] = { { 0 } };
	size_t p;
	int i, j;

	for (p = 0; p < k; p++) {
		for (j = 0; j < 4; j++)
			for (i = 0; i < 8; i++)
				acc[j][i] += a[i] * b[j];
		a += 8;
		b += 4;
	}
	for (j = 0; j < 4; j++)
		for (i = 0; i < 8; i++)
			c[i + j * ldc] = (accumulate ? c[i + j * ldc] : 0) + acc[j][i];
}

void dlp_dgemm_generic_4x4(size_t k, const double *a, const double *b, double *c, size_t ldc, int accumulate)
{
	double acc[4][4] = { { 0 } };
	size_t p;
	int i, j;

	for (p = 0; p < k; p++) {
		for (j = 0; j < 4; j++)
			for (i = 0; i < 4; i++)
				acc[j][i] += a[i] * b[j];
		a += 4;
		b += 4;
	}
	for (j = 0; j < 4; j++)
		for (i = 0; i < 4; i++)
			c[i + j * ldc] = (accumulate ? c[i + j * ldc] : 0) + acc[j][i];
}

/* VDPBF16PS in C: per lane, the odd pair's product then the even pair's is
 * added to the fp32 accumulator, each product exact in fp32 (8-bit
 * significands), so only the two additions round, as in the instruction.
 * Used by tests on any CPU, never benchmarked. */
static float bf16f(uint16_t h)
{
	return dlp_bf16_to_f32(h);
}

void dlp_sbgemm_generic_8x4(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc,
			int accumulate)
{
	float acc[4][8] = { { 0 } };
	size_t p;
	int i, j;

	for (p = 0; p < kp; p++) {
		for (j = 0; j < 4; j++)
			for (i = 0; i < 8; i++) {
				float t = acc[j][i] + bf16f(a[2 * i + 1]) * bf16f(b[2 * j + 1]);

				acc[j][i] = t + bf16f(a[2 * i]) * bf16f(b[2 * j]);
			}
		a += 16;
		b += 8;
	}
	for (j = 0; j < 4; j++)
		for (i = 0; i < 8; i++)
			c[i + j * ldc] = (accumulate ? c[i + j * ldc] : 0) + acc[j][i];
}
