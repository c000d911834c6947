/* One node of scikit-learn 1.2's exact CART splitter (BestSplitter with the
 * Gini criterion) with the tree builder's per-node calls, doing the work
 * their code does: node_reset (the criterion's init over the node's
 * samples), node_impurity; per candidate feature a gather of the node's
 * float32 values, a sort carrying the 8-byte samples, the constant-feature
 * test, a reset and a scan that at each split between distinct values
 * checks min_samples_leaf, calls update (left sums from the nearer end,
 * every right sum recomputed) and the proxy (through children_impurity),
 * all through the criterion's method table; then the partition, the best
 * split's re-evaluation from a reset criterion (children_impurity,
 * impurity_improvement) and node_value. A forest's bootstrap is the
 * sample weights. */
#include <math.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

/* Values closer than this are one value (scikit-learn's FEATURE_THRESHOLD). */
#define SAME_VALUE 1e-7f
/* RandomForestClassifier's and DecisionTreeClassifier's default. */
#define MIN_SAMPLES_LEAF 1
#define MIN_WEIGHT_LEAF 0.0

/* One feature's scan over its sorted values; a better split goes to best. */
static void scan(dlp_criterion *c, const float *xf, size_t n, int f, double *best_proxy, dlp_cart_split *best)
{
	size_t p = 0;

	c->ops->reset(c);
	while (p < n) {
		double proxy;

		while (p + 1 < n && xf[p + 1] <= xf[p] + SAME_VALUE)
			p++;
		if (++p >= n)
			break;
		if (p < MIN_SAMPLES_LEAF || n - p < MIN_SAMPLES_LEAF)
			continue;
		c->ops->update(c, p);
		if (c->weighted_n_left < MIN_WEIGHT_LEAF || c->weighted_n_right < MIN_WEIGHT_LEAF)
			continue;
		proxy = c->ops->proxy_impurity_improvement(c);
		if (proxy > *best_proxy) {
			/* in double, as scikit-learn's threshold; rounding may
			 * land on the upper value: keep it left of it */
			double t = xf[p - 1] / 2.0 + xf[p] / 2.0;

			*best_proxy = proxy;
			best->feature = f;
			best->threshold = t == xf[p] || isinf(t) ? xf[p - 1] : t;
			best->left = p;
		}
	}
}

void dlp_cart_node_split(const float *x, size_t ld, const double *y, const double *w, intptr_t *samples, size_t n,
			 const int *feats, int nfeats, float *xf, dlp_cart_split *best)
{
	dlp_criterion c = { .ops = &dlp_gini_ops };
	double best_proxy = -INFINITY, impurity, left, right, value[DLP_CART_OUTPUTS * DLP_CART_CLASSES];
	size_t i, lo, hi;
	int j;

	best->feature = -1;
	best->threshold = 0;
	best->improvement = best->gain = 0;
	best->left = n;
	c.ops->init(&c, y, DLP_CART_OUTPUTS, w, samples, 0, n);
	/* one node stands for the tree: the improvement's weight n / N is 1 */
	c.weighted_n_samples = c.weighted_n_node_samples;
	impurity = c.ops->node_impurity(&c);
	for (j = 0; j < nfeats; j++) {
		for (i = 0; i < n; i++)
			xf[i] = x[(size_t)samples[i] * ld + (size_t)feats[j]];
		dlp_sort_samples(xf, samples, n);
		if (n < 2 || xf[n - 1] <= xf[0] + SAME_VALUE)
			continue;       /* a constant feature */
		scan(&c, xf, n, feats[j], &best_proxy, best);
	}
	if (best->feature >= 0) {
		/* the children's samples side by side, as the splitter leaves them */
		for (lo = 0, hi = n; lo < hi;) {
			if (x[(size_t)samples[lo] * ld + (size_t)best->feature] <= best->threshold) {
				lo++;
			} else {
				intptr_t t = samples[--hi];

				samples[hi] = samples[lo];
				samples[lo] = t;
			}
		}
		/* the chosen split's statistics from a reset criterion, as the
		 * splitter computes the improvement it stores */
		c.ops->reset(&c);
		c.ops->update(&c, lo);
		c.ops->children_impurity(&c, &left, &right);
		best->gain = c.ops->impurity_improvement(&c, impurity, left, right);
		best->improvement = best_proxy;
		best->left = lo;
	}
	c.ops->node_value(&c, value);
}
