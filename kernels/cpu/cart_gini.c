/* scikit-learn's Gini criterion (ClassificationCriterion and Gini in
 * sklearn/tree/_criterion.pyx), reached through a table of methods as the
 * splitter reaches its criterion's: Cython calls cdef methods through the
 * object's vtable, so each update and proxy is an indirect call the
 * compiler cannot inline. This file is its own translation unit for that
 * reason. Labels are y[i * n_outputs + k] in float64, sample weights
 * float64, sample indices intp, as scikit-learn stores them. */
#include <string.h>

#include "kernels/cpu/cpu.h"

static void gini_init(dlp_criterion *c, const double *y, size_t n_outputs, const double *w,
		      const intptr_t *samples, size_t start, size_t end)
{
	size_t p, k;

	c->y = y, c->n_outputs = n_outputs, c->w = w, c->samples = samples;
	c->start = start, c->end = end;
	c->weighted_n_node_samples = 0;
	memset(c->sum_total, 0, sizeof c->sum_total);
	for (p = start; p < end; p++) {
		intptr_t i = samples[p];
		double wi = w ? w[i] : 1.0;

		for (k = 0; k < n_outputs; k++)
			c->sum_total[k][(intptr_t)y[(size_t)i * n_outputs + k]] += wi;
		c->weighted_n_node_samples += wi;
	}
	c->ops->reset(c);
}

static void gini_reset(dlp_criterion *c)
{
	c->pos = c->start;
	c->weighted_n_left = 0;
	c->weighted_n_right = c->weighted_n_node_samples;
	memset(c->sum_left, 0, sizeof c->sum_left);
	memcpy(c->sum_right, c->sum_total, sizeof c->sum_right);
}

static void gini_reverse_reset(dlp_criterion *c)
{
	c->pos = c->end;
	c->weighted_n_left = c->weighted_n_node_samples;
	c->weighted_n_right = 0;
	memset(c->sum_right, 0, sizeof c->sum_right);
	memcpy(c->sum_left, c->sum_total, sizeof c->sum_left);
}

/* Samples [pos, new_pos) join the left child, counted from whichever end
 * is nearer; then every right sum is recomputed, as scikit-learn does.
 * update takes a local reference to the sample weights' memoryview: with
 * weights, Cython's compiled update (1.2.1) increments its acquisition
 * count on entry and decrements it on return, each a locked
 * read-modify-write, which are part of every position's cost. */
static void gini_update(dlp_criterion *c, size_t new_pos)
{
	const double *y = c->y;
	size_t p, k, n_out = c->n_outputs;
	int cl;

	if (c->w)
		__atomic_fetch_add(&c->w_acquired, 1, __ATOMIC_SEQ_CST);
	if (new_pos - c->pos <= c->end - new_pos) {
		for (p = c->pos; p < new_pos; p++) {
			intptr_t i = c->samples[p];
			double wi = c->w ? c->w[i] : 1.0;

			for (k = 0; k < n_out; k++)
				c->sum_left[k][(intptr_t)y[(size_t)i * n_out + k]] += wi;
			c->weighted_n_left += wi;
		}
	} else {
		c->ops->reverse_reset(c);
		for (p = c->end; p-- > new_pos;) {
			intptr_t i = c->samples[p];
			double wi = c->w ? c->w[i] : 1.0;

			for (k = 0; k < n_out; k++)
				c->sum_left[k][(intptr_t)y[(size_t)i * n_out + k]] -= wi;
			c->weighted_n_left -= wi;
		}
	}
	c->weighted_n_right = c->weighted_n_node_samples - c->weighted_n_left;
	for (k = 0; k < n_out; k++)
		for (cl = 0; cl < DLP_CART_CLASSES; cl++)
			c->sum_right[k][cl] = c->sum_total[k][cl] - c->sum_left[k][cl];
	c->pos = new_pos;
	if (c->w)
		__atomic_fetch_sub(&c->w_acquired, 1, __ATOMIC_SEQ_CST);
}

static double gini_of(const double *sum, double n)
{
	double sq = 0;
	int cl;

	for (cl = 0; cl < DLP_CART_CLASSES; cl++)
		sq += sum[cl] * sum[cl];
	return 1.0 - sq / (n * n);
}

static double gini_node_impurity(dlp_criterion *c)
{
	double g = 0;
	size_t k;

	for (k = 0; k < c->n_outputs; k++)
		g += gini_of(c->sum_total[k], c->weighted_n_node_samples);
	return g / (double)c->n_outputs;
}

static void gini_children_impurity(dlp_criterion *c, double *left, double *right)
{
	double gl = 0, gr = 0;
	size_t k;

	for (k = 0; k < c->n_outputs; k++) {
		gl += gini_of(c->sum_left[k], c->weighted_n_left);
		gr += gini_of(c->sum_right[k], c->weighted_n_right);
	}
	*left = gl / (double)c->n_outputs;
	*right = gr / (double)c->n_outputs;
}

static void gini_node_value(dlp_criterion *c, double *dest)
{
	memcpy(dest, c->sum_total, c->n_outputs * sizeof c->sum_total[0]);
}

/* Criterion's: the weighted impurity decrease the tree stores. */
static double gini_impurity_improvement(dlp_criterion *c, double parent, double left, double right)
{
	double n = c->weighted_n_node_samples;

	return n / c->weighted_n_samples *
	       (parent - c->weighted_n_right / n * right - c->weighted_n_left / n * left);
}

/* Criterion's: the children's part of the improvement, through the
 * children_impurity method (Gini does not override it in 1.2). */
static double gini_proxy_impurity_improvement(dlp_criterion *c)
{
	double left, right;

	c->ops->children_impurity(c, &left, &right);
	return -c->weighted_n_right * right - c->weighted_n_left * left;
}

const struct dlp_criterion_ops dlp_gini_ops = {
	.init = gini_init,
	.reset = gini_reset,
	.reverse_reset = gini_reverse_reset,
	.update = gini_update,
	.node_impurity = gini_node_impurity,
	.children_impurity = gini_children_impurity,
	.node_value = gini_node_value,
	.impurity_improvement = gini_impurity_improvement,
	.proxy_impurity_improvement = gini_proxy_impurity_improvement,
};
