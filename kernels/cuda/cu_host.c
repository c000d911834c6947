/* Host data of the CUDA GEMMs: fp32 random normal inputs, their fp16/bf16
 * roundings as the device stores them, and the check of C. */
#include <stdlib.h>
#include <string.h>

#include "kernels/cuda/cu_impl.h"

void dlp_cu_host_free(struct gemm_host *h)
{
	free(h->a0);
	free(h->b0);
	free(h->ar);
	free(h->br);
	free(h->a16);
	free(h->b16);
	free(h->c);
	memset(h, 0, sizeof *h);
}

int dlp_cu_host_init(struct gemm_host *h, int n)
{
	size_t nn = (size_t)n * (size_t)n;

	memset(h, 0, sizeof *h);
	h->n = n;
	h->a0 = malloc(nn * 4);
	h->b0 = malloc(nn * 4);
	h->ar = malloc(nn * 4);
	h->br = malloc(nn * 4);
	h->a16 = malloc(nn * 2);
	h->b16 = malloc(nn * 2);
	h->c = malloc(nn * 4);
	if (!h->a0 || !h->b0 || !h->ar || !h->br || !h->a16 || !h->b16 || !h->c) {
		dlp_cu_host_free(h);
		return dlp_error_set("out of memory for %dx%d GEMM inputs", n, n);
	}
	dlp_fill_normal_f32(h->a0, nn, 12345);
	dlp_fill_normal_f32(h->b0, nn, 67890);
	return 0;
}

/* Round the inputs to dt; the reference uses the rounded values. */
void dlp_cu_host_round(struct gemm_host *h, enum dlp_dtype dt)
{
	size_t nn = (size_t)h->n * (size_t)h->n, i;

	for (i = 0; i < nn; i++) {
		if (dt == DLP_FP16) {
			h->a16[i] = dlp_f32_to_f16(h->a0[i]);
			h->b16[i] = dlp_f32_to_f16(h->b0[i]);
			h->ar[i] = dlp_f16_to_f32(h->a16[i]);
			h->br[i] = dlp_f16_to_f32(h->b16[i]);
		} else if (dt == DLP_BF16) {
			h->a16[i] = dlp_f32_to_bf16(h->a0[i]);
			h->b16[i] = dlp_f32_to_bf16(h->b0[i]);
			h->ar[i] = dlp_bf16_to_f32(h->a16[i]);
			h->br[i] = dlp_bf16_to_f32(h->b16[i]);
		} else {
			h->ar[i] = h->a0[i];
			h->br[i] = h->b0[i];
		}
	}
}

/* Sampled check against a double reference (kernels/host.c). tf32 keeps 10
 * mantissa bits of the inputs on the device (rounded by wmma, truncated by
 * wgmma): within the 2e-3 tolerance either way. */
int dlp_cu_host_verify(const struct gemm_host *h, enum dlp_dtype dt, int nt, double *max_err)
{
	const dlp_gemm_sample_check g = { (size_t)h->n, h->ar, h->br, nt, h->c, 0,
					  dt == DLP_TF32 ? 2e-3 : 1e-5 };

	return dlp_gemm_check_sampled(&g, max_err);
}
