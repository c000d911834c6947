/* The classical models from kernels measured on the machine itself: every
 * term is its work over the rate of the kernel that does that work the way
 * the library does (docs/estimator.md, "Classical models"), so no constant
 * fitted on one CPU decides another's estimate. */
#include <math.h>
#include <string.h>

#include "dlprobe/bench.h"
#include "estimator/classical_impl.h"
#include "estimator/constants.h"

static void term(dlp_classical_estimate *out, const char *name, double s)
{
	if (out->n_terms < (int)(sizeof out->terms / sizeof out->terms[0])) {
		out->terms[out->n_terms].name = name;
		out->terms[out->n_terms++].s = s;
	}
}

static void assumed(dlp_classical_estimate *out, const char *name)
{
	if (out->n_assumed < (int)(sizeof out->assumed / sizeof out->assumed[0]))
		out->assumed[out->n_assumed++] = name;
}

static void used(dlp_classical_estimate *out, const char *kernel)
{
	if (out->n_measured < (int)(sizeof out->measured / sizeof out->measured[0]))
		out->measured[out->n_measured++] = kernel;
}

/* The GBDT formula's row terms, the node term's two forms after them. */
#define GBDT_ROW_TERMS "rows x features / bin_sketch rate + trees x (rows / logistic_loss rate + rows x features / " \
		       "histogram rate + (depth-1) x rows/2 x features / hist_gathered rate + depth x rows / row_partition rate"

/* A node splits with a share that ramps from 0 to 1 over this many
 * doublings of its rows about gbdt_min_split_rows: node sizes and hessians
 * vary about the model's one size per class. */
#define GBDT_SPLIT_RAMP_LOG2 2.0
#define GBDT_MAX_LEVELS 64

/* The nodes xgboost evaluates per tree (searches for a split): the root and
 * both children of every node split above the last level (it evaluates no
 * children at max_depth). Full trees: 2^depth - 1. A split sends a share
 * q of its rows one way, with q's binary entropy cart_split_entropy_bits,
 * so the nodes of level l come in classes of N q^i (1-q)^(l-i) rows, and a
 * class splits about gbdt_min_split_rows rows (xgboost's min_child_weight
 * against the hessian sums of a fitting model); at most the full trees'. */
static double gbdt_full_nodes(const dlp_classical *c, double rows)
{
	double full = 0;
	int l;

	/* levels 0 to depth-1, at most one node per row */
	for (l = 0; l < c->depth; l++)
		full += fmin(pow(2, l), rows);
	return full;
}

static double gbdt_evaluated_nodes(const dlp_classical *c, double rows, double bits, double min_rows)
{
	double cls[GBDT_MAX_LEVELS + 1] = { 1 }, next[GBDT_MAX_LEVELS + 1], lo = 0, hi = 0.5, q, nodes = 1;
	int depth = c->depth < GBDT_MAX_LEVELS ? c->depth : GBDT_MAX_LEVELS, l, i, k;

	for (k = 0; k < 60; k++) { /* q: H(q) = bits, by bisection on (0, 1/2] */
		double m = (lo + hi) / 2, h = -(m * log2(m) + (1 - m) * log2(1 - m));

		*(h < bits ? &lo : &hi) = m;
	}
	q = (lo + hi) / 2;
	for (l = 0; l + 1 < depth; l++) {
		memset(next, 0, sizeof next);
		for (i = 0; i <= l; i++) {
			double size = rows * pow(q, i) * pow(1 - q, l - i);
			double split = cls[i] * fmin(1, fmax(0, 0.5 + log2(size / min_rows) / GBDT_SPLIT_RAMP_LOG2));

			nodes += 2 * split;
			next[i] += split;
			next[i + 1] += split;
		}
		memcpy(cls, next, sizeof cls);
	}
	return fmin(nodes, gbdt_full_nodes(c, rows));
}

/* Per tree, the work of every node that does not depend on its rows: the
 * nodes evaluated each try every bin of every feature (at most one bin per
 * row) with the siblings' histograms made by subtraction, at the gbdt_node
 * rate; a document without that kernel keeps the scan at the dot rate. */
static double gbdt_nodes(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
			 dlp_classical_estimate *out)
{
	const struct dlp_constants *k = dlp_constants();
	double dot = p->dot_gflops * 1e9, bins = fmin(c->bins, rows), full = gbdt_full_nodes(c, rows), nodes = full, s;

	if (!(p->cls.node[1] > 0)) {
		s = dot > 0 ? 4 * c->trees * pow(2, c->depth) * c->bins * feats / dot : 0;
		term(out, "split_scans", s);
		out->formula = GBDT_ROW_TERMS ") + trees x 2^depth x bins x features split scans / dot rate (all threads)";
		return s;
	}
	if (k && k->gbdt_min_split_rows.value > 0 && k->cart_split_bits.value > 0 && k->cart_split_bits.value <= 1) {
		nodes = gbdt_evaluated_nodes(c, rows, k->cart_split_bits.value, k->gbdt_min_split_rows.value);
		/* named only where they changed the count */
		if (nodes < 0.99 * full) {
			assumed(out, "gbdt_min_split_rows");
			assumed(out, "cart_split_entropy_bits");
		}
	}
	s = c->trees * nodes * feats * bins / p->cls.node[1];
	term(out, "node_splits", s);
	used(out, DLP_KERNEL_GBDT_NODE);
	out->formula = GBDT_ROW_TERMS " + evaluated nodes (2^depth - 1 in full trees, fewer where nodes fall below "
				      "gbdt_min_split_rows) x features x bins / gbdt_node rate) (all threads)";
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

double dlp_sized_rate(const dlp_sized_rates *s, double n, int at)
{
	double x = log2(fmax(n, 2)), x0, x1;
	int i;

	if (s->n == 0)
		return 0;
	if (n <= s->size[0])
		return s->rate[0][at];
	for (i = 1; i < s->n; i++)
		if (n <= s->size[i])
			break;
	if (i == s->n)
		return s->rate[s->n - 1][at];
	x0 = log2(s->size[i - 1]), x1 = log2(s->size[i]);
	return s->rate[i - 1][at] + (s->rate[i][at] - s->rate[i - 1][at]) * (x - x0) / (x1 - x0);
}

double dlp_classical_forest_measured(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
				     dlp_classical_estimate *out)
{
	const dlp_classical_rates *r = &p->cls;
	const struct dlp_constants *k = dlp_constants();
	/* as forest_s: mtry = sqrt(features), a bootstrap sample's 63.2%
	 * distinct rows (the splitter keeps the rows of non-zero weight) */
	double mtry = fmax(1, floor(sqrt(feats))), n = 0.632 * rows, top = log2(fmax(n, 2));
	int T = p->cpus > 0 ? p->cpus : 1, busy = c->trees < T ? c->trees : T, at = busy > 1, l, i, levels;
	double tree_s = 0, units = 0, rounds = ceil((double)c->trees / busy), bits;

	for (i = 0; i < r->cart.n; i++)
		if (!(r->cart.rate[i][0] > 0 && r->cart.rate[i][1] > 0))
			return NAN;
	if (r->cart.n == 0 || !k || !(k->cart_split_bits.value > 0 && k->cart_split_bits.value <= 1))
		return NAN;
	/* a split shrinks a row's node by 2^-bits, not by half: the best Gini
	 * split is rarely the median, so the larger child carries most rows
	 * down (an assumption, data/instances.json); unlimited depth grows
	 * until the nodes hold 2 rows */
	bits = k->cart_split_bits.value;
	levels = (int)floor((top - 1) / bits) + 1;
	if (c->depth > 0 && c->depth < levels)
		levels = c->depth;
	/* one tree on one thread: at level l a row's node has 2^(top - bits l)
	 * rows, and each of its mtry candidate features is gathered, sorted
	 * and scanned. Trees run one per thread (joblib threads,
	 * RandomForestClassifier.fit's Parallel(prefer="threads")); with
	 * every thread busy each runs at the all-thread rate's share. */
	for (l = 0; l < levels; l++) {
		double lg = fmax(1, top - bits * l), u = mtry * n * lg;
		double rate = dlp_sized_rate(&r->cart, exp2(lg), at) / (at ? T : 1);

		units += u;
		tree_s += u / rate;
	}
	term(out, "trees", rounds * tree_s);
	used(out, DLP_KERNEL_CART_SPLIT);
	assumed(out, "cart_split_entropy_bits");
	out->sort_comparisons = units * c->trees;
	out->formula = "ceil(trees / threads) x sum over levels l of sqrt(features) x 0.632 rows x (log2(0.632 rows) "
		       "- cart_split_entropy_bits x l) / cart_split rate at that node size (per thread)";
	return rounds * tree_s;
}

/* glibc malloc's default M_MMAP_THRESHOLD (mallopt(3)): smaller blocks
 * come from the heap, whose pages stay mapped between evaluations. */
#define MALLOC_MMAP_THRESHOLD (128.0 * 1024)
/* Row-length float64 arrays live at once in one loss/gradient evaluation
 * (scikit-learn 1.2 LinearModelLoss.loss_gradient): X w and X w +
 * intercept (weight_intercept_raw), then loss_out and gradient_out
 * (BaseLoss.loss_gradient), loss_out in the freed product's place. */
#define LINEAR_FRESH_ARRAYS 3
/* numpy (1.24, core/src/multiarray/alloc.c, indicate_hugepages) advises
 * arrays from 4 MiB MADV_HUGEPAGE: where transparent huge pages honour
 * the advice, their first writes fault 2 MiB at a time (first_touch
 * variant "hugepage", which measures what the advice does here). */
#define NUMPY_HUGEPAGE_BYTES (4.0 * 1024 * 1024)

double dlp_classical_linear_measured(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
				     dlp_classical_estimate *out)
{
	const dlp_classical_rates *r = &p->cls;
	double bw = p->host_bw_gbps * 1e9, passes, loss, fresh = 0;
	int logreg = strcmp(c->kind, "logreg") == 0;
	/* scikit-learn's lbfgs makes X w and X^T r numpy products, that is
	 * the system BLAS's dgemv, measured at X in the caches and from
	 * memory (bench_blas_linear.c): at this X's size between the two.
	 * Without them (older documents, a BLAS without cblas_dgemv, the
	 * svm's own loops) dlprobe's pass, bounded by memory once float64 X
	 * outgrows the caches: on the Zen 5 VM that bound (the triad) was
	 * 1.2-2x faster than scikit-learn's passes were. */
	double blas = logreg ? dlp_sized_rate(&r->blas_linear, rows * feats * 8, 1) : 0;

	if (!((blas > 0 || r->linear[1] > 0) && r->loss[0] > 0))
		return NAN;
	/* per loss/gradient evaluation: the two passes and the loss per row,
	 * which scikit-learn computes on one thread (LogisticRegression.fit
	 * passes n_threads=1 to the loss) */
	if (blas > 0)
		passes = c->iterations * 4 * rows * feats / blas;
	else
		passes = c->iterations * fmax(4 * rows * feats / r->linear[1], bw > 0 ? 2 * rows * feats * 8 / bw : 0);
	loss = c->iterations * rows / r->loss[0];
	term(out, "x_passes", passes);
	term(out, "loss_per_row", loss);
	used(out, DLP_KERNEL_LINEAR_PASS);
	used(out, DLP_KERNEL_LOGISTIC_LOSS);
	/* and the new pages of its row-length arrays, when malloc maps them
	 * anew (a document without first_touch: no term, as before; the svm
	 * shares the passes, not scikit-learn's loss code) */
	if (logreg && r->touch[0] > 0 && rows * 8 >= MALLOC_MMAP_THRESHOLD) {
		double touch = rows * 8 >= NUMPY_HUGEPAGE_BYTES && r->touch_huge[0] > 0 ? r->touch_huge[0] : r->touch[0];

		fresh = c->iterations * LINEAR_FRESH_ARRAYS * rows * 8 / touch;
		term(out, "fresh_arrays", fresh);
		used(out, DLP_KERNEL_FIRST_TOUCH);
	}
	out->formula = blas > 0 ? "iterations x (4 rows features / the system BLAS's linear_pass rate at X's size + "
				  "rows / one-thread logistic_loss rate + 3 x rows x 8 bytes / first_touch rate (from 4 MiB "
				  "its hugepage variant))"
				: "iterations x (max(4 rows features / linear_pass rate, 2 passes over float64 X / "
				  "bandwidth) + rows / one-thread logistic_loss rate + logreg: 3 x rows x 8 bytes / "
				  "first_touch rate (from 4 MiB its hugepage variant))";
	return passes + loss + fresh;
}
