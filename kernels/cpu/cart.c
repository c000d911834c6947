/* One node of scikit-learn's exact CART splitter (BestSplitter with the
 * Gini criterion), organised as scikit-learn's is: per candidate feature a
 * gather, a sort with the sample indices, then a scan that, at each split
 * between distinct values, moves the samples since the last split from the
 * right child to the left (weighted class sums, float64 labels, as the
 * criterion's update does) and evaluates the children's impurity proxy;
 * the best split is then re-evaluated from a reset criterion (its exact
 * improvement) and the samples partitioned. A forest's bootstrap is the
 * sample weights. */
#include <string.h>

#include "kernels/cpu/cpu.h"

/* Values closer than this are one value (scikit-learn's FEATURE_THRESHOLD). */
#define SAME_VALUE 1e-7f

/* The criterion: weighted class sums of the node and of the left child. */
struct gini {
	double total[DLP_CART_CLASSES], left[DLP_CART_CLASSES];
	double n_total, n_left;
	size_t pos;
};

static void crit_reset(struct gini *g)
{
	int k;

	for (k = 0; k < DLP_CART_CLASSES; k++)
		g->left[k] = 0;
	g->n_left = 0;
	g->pos = 0;
}

/* Samples [pos, new_pos) of the sorted order join the left child. */
static void crit_update(struct gini *g, const uint32_t *samples, const double *y, const double *w,
			size_t new_pos)
{
	size_t p;

	for (p = g->pos; p < new_pos; p++) {
		uint32_t i = samples[p];
		double wi = w ? w[i] : 1.0;

		g->left[(int)y[i]] += wi;
		g->n_left += wi;
	}
	g->pos = new_pos;
}

/* The impurity proxy the splitter ranks splits by: sum_k l_k^2 / n_l +
 * sum_k r_k^2 / n_r (the weighted children's Gini, up to constants). */
static double crit_proxy(const struct gini *g)
{
	double sl = 0, sr = 0, n_right = g->n_total - g->n_left;
	int k;

	for (k = 0; k < DLP_CART_CLASSES; k++) {
		double r = g->total[k] - g->left[k];

		sl += g->left[k] * g->left[k];
		sr += r * r;
	}
	return sl / g->n_left + sr / n_right;
}

/* The best split of one feature's sorted values into best. */
static void scan(struct gini *g, const float *xf, const uint32_t *samples, size_t n, const double *y,
		 const double *w, int f, dlp_cart_split *best)
{
	size_t p = 0;

	crit_reset(g);
	if (n < 2 || xf[n - 1] <= xf[0] + SAME_VALUE)
		return;         /* a constant feature */
	while (p < n) {
		double proxy;

		while (p + 1 < n && xf[p + 1] <= xf[p] + SAME_VALUE)
			p++;
		if (++p >= n)
			break;
		crit_update(g, samples, y, w, p);
		proxy = crit_proxy(g);
		if (best->feature < 0 || proxy > best->improvement) {
			float t = xf[p - 1] / 2.0f + xf[p] / 2.0f;

			best->feature = f;
			best->improvement = proxy;
			/* rounding may land on the upper value: keep it left of it */
			best->threshold = t >= xf[p] ? xf[p - 1] : t;
			best->left = p;
		}
	}
}

void dlp_cart_node_split(const float *x, size_t ld, const double *y, const double *w, uint32_t *samples, size_t n,
			 const int *feats, int nfeats, float *xf, dlp_cart_split *best)
{
	struct gini g;
	size_t i, lo, hi;
	int j;

	best->feature = -1;
	best->threshold = 0;
	best->improvement = 0;
	best->left = 0;
	memset(&g, 0, sizeof g);
	for (i = 0; i < n; i++) {
		double wi = w ? w[samples[i]] : 1.0;

		g.total[(int)y[samples[i]]] += wi;
		g.n_total += wi;
	}
	for (j = 0; j < nfeats; j++) {
		for (i = 0; i < n; i++)
			xf[i] = x[(size_t)samples[i] * ld + (size_t)feats[j]];
		dlp_sort_pairs(xf, samples, n);
		scan(&g, xf, samples, n, y, w, feats[j], best);
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
	/* the chosen split's statistics from a reset criterion, as the
	 * splitter computes the improvement it stores */
	crit_reset(&g);
	crit_update(&g, samples, y, w, lo);
	best->improvement = crit_proxy(&g);
	best->left = lo;
}
