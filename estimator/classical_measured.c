/* The classical models from kernels measured on the machine itself: every
 * term is its work over the rate of the kernel that does that work the way
 * the library does (docs/estimator.md, "Classical models"), so no constant
 * fitted on one CPU decides another's estimate. */
#include <math.h>
#include <string.h>

#include "dlprobe/bench.h"
#include "estimator/classical_impl.h"

static void term(dlp_classical_estimate *out, const char *name, double s)
{
	if (out->n_terms < (int)(sizeof out->terms / sizeof out->terms[0])) {
		out->terms[out->n_terms].name = name;
		out->terms[out->n_terms++].s = s;
	}
}

static void used(dlp_classical_estimate *out, const char *kernel)
{
	if (out->n_measured < (int)(sizeof out->measured / sizeof out->measured[0]))
		out->measured[out->n_measured++] = kernel;
}

/* The GBDT formula's row terms, the node term's two forms after them. */
#define GBDT_ROW_TERMS "rows x features / bin_sketch rate + trees x (rows / logistic_loss rate + rows x features / " \
		       "histogram rate + (depth-1) x rows/2 x features / hist_gathered rate + depth x rows / row_partition rate"

/* Per tree, the work of every node that does not depend on its rows: the
 * nodes split (xgboost grows no children at max_depth: levels 0 to
 * depth-1, at most one node per row) each try every bin of every feature
 * (at most one bin per row) with the siblings' histograms made by
 * subtraction, at the gbdt_node rate; a document without that kernel keeps
 * the scan at the dot rate. */
static double gbdt_nodes(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
			 dlp_classical_estimate *out)
{
	double dot = p->dot_gflops * 1e9, bins = fmin(c->bins, rows), nodes = 0, s;
	int l;

	if (!(p->cls.node[1] > 0)) {
		s = dot > 0 ? 4 * c->trees * pow(2, c->depth) * c->bins * feats / dot : 0;
		term(out, "split_scans", s);
		out->formula = GBDT_ROW_TERMS ") + trees x 2^depth x bins x features split scans / dot rate (all threads)";
		return s;
	}
	for (l = 0; l < c->depth; l++)
		nodes += fmin(pow(2, l), rows);
	s = c->trees * nodes * feats * bins / p->cls.node[1];
	term(out, "node_splits", s);
	used(out, DLP_KERNEL_GBDT_NODE);
	out->formula = GBDT_ROW_TERMS " + (2^depth - 1) nodes x features x bins / gbdt_node rate) (all threads)";
	return s;
}

double dlp_classical_gbdt_measured(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
				   dlp_classical_estimate *out)
{
	const dlp_classical_rates *r = &p->cls;
	double hist = p->hist_gups * 1e9;
	double sketch, grad, root, below, part, split;

	if (!(hist > 0 && r->ghist[1] > 0 && r->partition[1] > 0 && r->sketch[1] > 0 && r->loss[1] > 0))
		return NAN;
	/* once: every feature's bin edges and every value's bin */
	sketch = rows * feats / r->sketch[1];
	/* per tree: the loss gradient and hessian of every row, the root's
	 * histogram over all rows, at each of the depth-1 levels below it the
	 * smaller children's histograms (at most half the rows, gathered; the
	 * siblings by subtraction), and at every level each row moved to its
	 * child (the last level's places the rows in their leaves) */
	grad = c->trees * rows / r->loss[1];
	root = c->trees * rows * feats / hist;
	below = c->trees * (c->depth - 1) * rows / 2 * feats / r->ghist[1];
	part = c->trees * c->depth * rows / r->partition[1];
	term(out, "bin_sketch", sketch);
	term(out, "gradients", grad);
	term(out, "root_histograms", root);
	term(out, "gathered_histograms", below);
	term(out, "row_partitions", part);
	used(out, DLP_KERNEL_QUANTILE_SKETCH);
	used(out, DLP_KERNEL_LOGISTIC_LOSS);
	used(out, DLP_KERNEL_HISTOGRAM);
	used(out, DLP_KERNEL_HIST_GATHER);
	used(out, DLP_KERNEL_ROW_PARTITION);
	out->histogram_updates = c->trees * rows * feats * (1 + (c->depth - 1) / 2.0);
	split = gbdt_nodes(p, c, rows, feats, out);
	return sketch + grad + root + below + part + split;
}

double dlp_classical_cart_rate(const dlp_classical_rates *r, double n, int at)
{
	double x = log2(fmax(n, 2)), x0, x1;
	int i;

	if (r->ncart == 0)
		return 0;
	if (n <= r->cart_rows[0])
		return r->cart[0][at];
	for (i = 1; i < r->ncart; i++)
		if (n <= r->cart_rows[i])
			break;
	if (i == r->ncart)
		return r->cart[r->ncart - 1][at];
	x0 = log2(r->cart_rows[i - 1]), x1 = log2(r->cart_rows[i]);
	return r->cart[i - 1][at] + (r->cart[i][at] - r->cart[i - 1][at]) * (x - x0) / (x1 - x0);
}

double dlp_classical_forest_measured(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
				     dlp_classical_estimate *out)
{
	const dlp_classical_rates *r = &p->cls;
	/* as forest_s: mtry = sqrt(features), a bootstrap sample's 63.2%
	 * distinct rows, unlimited depth taken as log2(rows) levels */
	double mtry = fmax(1, floor(sqrt(feats))), n = 0.632 * rows;
	double depth = c->depth > 0 ? fmin(c->depth, floor(log2(n))) : floor(log2(n));
	int T = p->cpus > 0 ? p->cpus : 1, busy = c->trees < T ? c->trees : T, at = busy > 1, l, i;
	double tree_s = 0, units = 0, rounds = ceil((double)c->trees / busy);

	for (i = 0; i < r->ncart; i++)
		if (!(r->cart[i][0] > 0 && r->cart[i][1] > 0))
			return NAN;
	if (r->ncart == 0)
		return NAN;
	/* one tree on one thread: at level l, 2^l nodes of n / 2^l rows each
	 * gather, sort and scan mtry features. Trees run one per thread; with
	 * every thread busy each runs at the all-thread rate's share. */
	for (l = 0; l < (int)depth; l++) {
		double rows_l = n / pow(2, l), u = mtry * n * fmax(1, log2(rows_l));
		double rate = dlp_classical_cart_rate(r, rows_l, at) / (at ? T : 1);

		units += u;
		tree_s += u / rate;
	}
	term(out, "trees", rounds * tree_s);
	used(out, DLP_KERNEL_CART_SPLIT);
	out->sort_comparisons = units * c->trees;
	out->formula = "ceil(trees / threads) x sum over levels of sqrt(features) x 0.632 rows x log2(node rows) / "
		       "cart_split rate at that node size (per thread)";
	return rounds * tree_s;
}

double dlp_classical_linear_measured(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
				     dlp_classical_estimate *out)
{
	const dlp_classical_rates *r = &p->cls;
	double bw = p->host_bw_gbps * 1e9, passes, loss;

	if (!(r->linear[1] > 0 && r->loss[0] > 0))
		return NAN;
	/* per loss/gradient evaluation: X w and X^T r (threaded BLAS, bounded
	 * by memory once float64 X outgrows the caches) and the loss per row,
	 * which scikit-learn computes on one thread */
	passes = c->iterations * fmax(4 * rows * feats / r->linear[1], bw > 0 ? 2 * rows * feats * 8 / bw : 0);
	loss = c->iterations * rows / r->loss[0];
	term(out, "x_passes", passes);
	term(out, "loss_per_row", loss);
	used(out, DLP_KERNEL_LINEAR_PASS);
	used(out, DLP_KERNEL_LOGISTIC_LOSS);
	out->formula = "iterations x (max(4 rows features / linear_pass rate, 2 passes over float64 X / bandwidth) + "
		       "rows / one-thread logistic_loss rate)";
	return passes + loss;
}
