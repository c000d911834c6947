/* The per-level work of a histogram GBDT tree beyond the root's histogram:
 * the smaller child's histogram over its gathered row list, and the stable
 * partition of a node's rows by its split (xgboost hist's row partitioner
 * and LightGBM's DataPartition keep each child's rows in their old order,
 * so the next gather walks memory forward). */
#include "kernels/cpu/cpu.h"

void dlp_hist_gather(const uint8_t *bins, const float *grad, const float *hess, const uint32_t *rows,
		     size_t n, size_t nf, size_t nbins, double *hist)
{
	size_t i, f;

	for (i = 0; i < n; i++) {
		const uint8_t *row = bins + (size_t)rows[i] * nf;
		double g = grad[rows[i]], h = hess[rows[i]];

		for (f = 0; f < nf; f++) {
			double *cell = hist + 2 * (f * nbins + row[f]);

			cell[0] += g;
			cell[1] += h;
		}
	}
}

size_t dlp_rows_partition(const uint8_t *bins, size_t nf, size_t f, unsigned split, const uint32_t *rows,
			  size_t n, uint32_t *left, uint32_t *right)
{
	size_t i, nl = 0, nr = 0;

	/* a branch on the data, as xgboost's PartitionBuilder::PartitionKernel
	 * (1.7) takes it: mispredicted as often as the split is uneven in row
	 * order, which is what the library pays */
	for (i = 0; i < n; i++) {
		uint32_t r = rows[i];

		if (bins[(size_t)r * nf + f] <= split)
			left[nl++] = r;
		else
			right[nr++] = r;
	}
	return nl;
}

void dlp_hist_reduce(const double *part, size_t cells, int tid, int n, double *out)
{
	size_t i;
	int t;

	for (i = cells * (size_t)tid / (size_t)n; i < cells * (size_t)(tid + 1) / (size_t)n; i++) {
		double s = 0;

		for (t = 0; t < n; t++)
			s += part[cells * (size_t)t + i];
		out[i] = s;
	}
}
