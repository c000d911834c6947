/* One node of scikit-learn's exact CART splitter (BestSplitter with the
 * Gini criterion): per candidate feature a gather, a sort with the sample
 * indices, and one scan that moves samples from the right child to the
 * left and evaluates the criterion between distinct values. */
#include "kernels/cpu/cpu.h"

/* Values closer than this are one value (scikit-learn's FEATURE_THRESHOLD). */
#define SAME_VALUE 1e-7f

static double gini_proxy(const double l[2], const double r[2])
{
	double nl = l[0] + l[1], nr = r[0] + r[1];

	return (l[0] * l[0] + l[1] * l[1]) / nl + (r[0] * r[0] + r[1] * r[1]) / nr;
}

/* The best split of the sorted values of one feature into best. */
static void scan(const float *xf, const uint32_t *samples, size_t n, const uint8_t *y, const double total[2],
		 int f, dlp_cart_split *best)
{
	double l[2] = { 0, 0 }, r[2] = { total[0], total[1] };
	size_t p;

	for (p = 1; p < n; p++) {
		int c = y[samples[p - 1]] & 1;
		double g;

		l[c] += 1, r[c] -= 1;
		if (xf[p] <= xf[p - 1] + SAME_VALUE)
			continue;
		g = gini_proxy(l, r);
		if (best->feature < 0 || g > best->improvement) {
			float t = xf[p - 1] / 2.0f + xf[p] / 2.0f;

			best->feature = f;
			best->improvement = g;
			/* rounding may land on the upper value: keep it left of it */
			best->threshold = t >= xf[p] ? xf[p - 1] : t;
		}
	}
}

void dlp_cart_node_split(const float *x, size_t ld, const uint8_t *y, uint32_t *samples, size_t n,
			 const int *feats, int nfeats, float *xf, dlp_cart_split *best)
{
	double total[2] = { 0, 0 };
	size_t i, lo, hi;
	int j;

	best->feature = -1;
	best->threshold = 0;
	best->improvement = 0;
	best->left = 0;
	for (i = 0; i < n; i++)
		total[y[samples[i]] & 1] += 1;
	for (j = 0; j < nfeats; j++) {
		for (i = 0; i < n; i++)
			xf[i] = x[(size_t)samples[i] * ld + (size_t)feats[j]];
		dlp_sort_pairs(xf, samples, n);
		scan(xf, samples, n, y, total, feats[j], best);
	}
	if (best->feature < 0)
		return;
	/* the children's samples side by side, as the splitter leaves them */
	for (lo = 0, hi = n; lo < hi;) {
		if (x[(size_t)samples[lo] * ld + (size_t)best->feature] <= best->threshold) {
			lo++;
		} else {
			uint32_t t = samples[--hi];

			samples[hi] = samples[lo];
			samples[lo] = t;
		}
	}
	best->left = lo;
}
