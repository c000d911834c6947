/* Bin edges of a histogram GBDT: a feature column's quantiles, then every
 * value's bin by binary search over them (xgboost's cut matrix and
 * GHistIndexMatrix, LightGBM's BinMapper). The quantiles come from a
 * mergeable summary as in xgboost's weighted quantile sketch: the column is
 * sorted a buffer at a time, not whole, so the cost per value does not grow
 * with the rows. */
#include <string.h>

#include "kernels/cpu/cpu.h"

unsigned dlp_sketch_bin(const float *cuts, size_t ncuts, float v)
{
	size_t lo = 0, hi = ncuts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cuts[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (unsigned)lo;
}

static size_t ranks(const float *sorted, size_t n, size_t nbins, float *out)
{
	size_t b, k = nbins < n ? nbins : n;

	for (b = 0; b < k; b++)
		out[b] = sorted[(b + 1) * n / k - 1];
	return k;
}

size_t dlp_sketch_scratch(size_t n, size_t nbins)
{
	return n + (n / DLP_SKETCH_BLOCK + 1) * nbins;
}

void dlp_sketch_column(const float *x, size_t xstride, size_t n, size_t nbins, float *scratch, uint32_t *idx,
		       float *cuts, uint8_t *out, size_t stride)
{
	float *sum = scratch + n;
	size_t i, b, ns = 0, ncuts = nbins > 1 ? nbins - 1 : 0;

	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		scratch[i] = x[i * xstride];
		idx[i] = (uint32_t)i;
	}
	/* each block sorted and summarised by its equal-rank values, then the
	 * summaries merged (sorted) and the edges read off at equal ranks */
	for (b = 0; b < n; b += DLP_SKETCH_BLOCK) {
		size_t len = n - b < DLP_SKETCH_BLOCK ? n - b : DLP_SKETCH_BLOCK;

		dlp_sort_pairs(scratch + b, idx + b, len);
		ns += ranks(scratch + b, len, nbins, sum + ns);
	}
	dlp_sort_pairs(sum, idx, ns);
	ncuts = ranks(sum, ns, ncuts, cuts);
	for (i = 0; i < n; i++)
		out[i * stride] = (uint8_t)dlp_sketch_bin(cuts, ncuts, x[i * xstride]);
}
