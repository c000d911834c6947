/* Classical models on the same rows and features, from the complexity models
 * of docs/references.md driven by measured CPU rates. Where the bench
 * measured the classical kernels (kernels/cpu/bench_gbdt.c, bench_sketch.c,
 * bench_cart.c, bench_linear.c), each term is work / that kernel's rate on
 * this machine (classical_measured.c), and nothing assumed. Otherwise, as older documents and
 * catalog instances need:
 *  - histogram GBDT (LightGBM docs/Features.rst; XGBoost paper sec. 4.1):
 *    per tree, histogram building c_h x rows x features per level for the
 *    smaller child only, plus split finding over leaves x bins x features;
 *  - random forest / CART: features_per_split x rows x log2(rows) per tree;
 *  - logistic regression / linear SVM: iterations x nnz per gradient, plus
 *    the pointwise loss per row.
 * Constants the bench cannot measure (a sort comparison, a row's loss
 * evaluation, in units of the measured histogram update) are assumptions in
 * data/instances.json, measured once by scripts/validate/calibrate.py.
 * The range is x/÷ classical_spread around the model (data/estimator.json):
 * these formulas fix the shape of the cost, not its constant, until `make
 * validate` measures it (docs/validation.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "estimator/classical_impl.h"
#include "estimator/constants.h"
#include "estimator/estimator.h"

static int kv(const char *s, const char *key, int *out)
{
	size_t n = strlen(key);
	const char *end;
	long long v;

	if (strncmp(s, key, n) || s[n] != '=')
		return 0;
	if (dlp_decimal_ll(s + n + 1, &end, 1, 1000000, &v) != 0 || (*end && *end != ','))
		return -1;
	*out = (int)v;
	return 1;
}

int dlp_classical_parse(const char *spec, dlp_classical *out)
{
	const char *p;
	size_t kl;

	memset(out, 0, sizeof *out);
	if (!spec || !*spec || strcmp(spec, "none") == 0)
		return 0;
	p = strchr(spec, ':');
	kl = p ? (size_t)(p - spec) : strlen(spec);
	if (kl >= sizeof out->kind)
		goto bad;
	memcpy(out->kind, spec, kl);
	out->kind[kl] = '\0';
	/* defaults: XGBoost's depth 6 and 256 bins, 100 trees; sklearn's 100
	 * trees, logreg max_iter 100 */
	if (strcmp(out->kind, "gbdt") == 0) {
		out->trees = 100, out->depth = 6, out->bins = 256;
	} else if (strcmp(out->kind, "forest") == 0) {
		out->trees = 100, out->depth = 0;
	} else if (strcmp(out->kind, "logreg") == 0 || strcmp(out->kind, "svm") == 0) {
		out->iterations = 100;
	} else {
		return dlp_error_set("unknown classical model \"%s\" (gbdt, forest, logreg, svm, none)", spec);
	}
	while (p && *p) {
		int r = 0;
		p++;
		if ((r = kv(p, "trees", &out->trees)) || (r = kv(p, "depth", &out->depth)) ||
		    (r = kv(p, "bins", &out->bins)) || (r = kv(p, "iterations", &out->iterations))) {
			if (r < 0)
				goto bad;
		} else {
			goto bad;
		}
		p = strchr(p, ',');
	}
	return 0;
bad:
	return dlp_error_set("malformed classical spec \"%s\" (e.g. gbdt:trees=100,depth=6,bins=256)", spec);
}

/* Seconds for each model (NAN when a rate it needs is unknown), with the
 * terms of its formula into out. hist, bw, dot: the profile's histogram
 * update, host bandwidth and dot rates per second. */
struct rates {
	double hist, bw, dot;
};

static double gbdt_s(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
		     const struct rates *rt, dlp_classical_estimate *out)
{
	double s = NAN, hist = rt->hist, bw = rt->bw, dot = rt->dot;

	/* the root level scans every row; each deeper level builds the
	 * smaller child's histogram (at most half the rows) and derives
	 * the sibling by subtraction. One update is a (gradient, hessian)
	 * pair added into a row's bin, exactly what the bench's histogram
	 * kernel counts, so c_h = 1 in the bench's unit. */
	double levels = 1 + (c->depth - 1) / 2.0;
	double updates = c->trees * rows * feats * levels;
	double split = c->trees * pow(2, c->depth) * c->bins * feats;
	/* per tree and row, outside the histograms: the loss gradient
	 * and hessian (one exp per row: loss_eval_cost histogram
	 * updates, spread over the threads like the histograms) and the
	 * row partition at every level (one indexed move per row and
	 * level, counted as one histogram update) */
	double per_row = c->trees * rows * (p->loss_eval_cost + c->depth);
	/* gradients, hessians and row indices stream through each level */
	double bytes = c->trees * rows * 16.0 * c->depth;
	/* once per run, before the first tree: the quantile sketch that
	 * picks each feature's bin edges sorts the feature's values
	 * (features x rows x log2 rows comparisons, each cart_sort_cost
	 * histogram updates), then every value gets its bin */
	double binning = feats * rows * (log2(fmax(rows, 2)) * p->cart_sort_cost + 1);

	if (hist > 0)
		s = (updates + per_row + binning) / hist + (dot > 0 ? 4 * split / dot : 0) +
		    (bw > 0 ? bytes / bw : 0);
	out->formula = "(trees x rows x features x (1 + (depth-1)/2) histogram updates + trees x rows x "
		       "(loss_eval_cost + depth) + features x rows x log2 rows x cart_sort_cost binning) / "
		       "histogram rate + trees x 2^depth x bins x features split scans / dot rate + gradient "
		       "traffic / bandwidth";
	out->binning_updates = binning;
	out->histogram_updates = updates;
	out->per_row_updates = per_row;
	return s;
}

static double forest_s(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
		       const struct rates *rt, dlp_classical_estimate *out)
{
	double s = NAN, hist = rt->hist;

	/* scikit-learn's exact CART splitter (the model of docs/references.md,
	 * features x rows x log rows per tree with max_features in place
	 * of features): at every node each of mtry candidate features is
	 * gathered and sorted, n_node x log2(n_node) comparisons, then
	 * scanned once. Summed over the levels of a balanced tree that
	 * is mtry x rows x sum_l log2(rows / 2^l). Defaults: max_features
	 * sqrt(features); a bootstrap sample holds about 63.2% distinct
	 * rows; unlimited depth grows until nodes are pure, taken as
	 * log2(rows) levels. A sort comparison (data-dependent branch,
	 * gathered operand) costs cart_sort_cost histogram updates: an
	 * assumption measured once (data/instances.json). Trees are
	 * independent: up to one per thread. */
	double mtry = fmax(1, floor(sqrt(feats))), r = 0.632 * rows;
	/* a root is split (searched) even when it holds a row or two: at
	 * least one level, as the measured model's log2(max(n, 2)) */
	double levels = fmax(1, floor(log2(r))), depth = c->depth > 0 ? fmin(c->depth, levels) : levels;
	double cmp = 0, rate;
	int l;

	for (l = 0; l < (int)depth; l++)
		cmp += mtry * r * fmax(1, log2(r / pow(2, l)));
	cmp *= c->trees;
	rate = c->trees >= p->cpus ? hist
	       : p->hist_gups_1t > 0 ? p->hist_gups_1t * 1e9 * c->trees : hist * c->trees / p->cpus;
	if (rate > 0 && p->cart_sort_cost > 0)
		s = cmp * p->cart_sort_cost / rate;
	out->formula = "trees x sqrt(features) x sum over levels of 0.632 rows x log2(node rows) sort comparisons "
		  "x cart_sort_cost / measured histogram rate";
	out->sort_comparisons = cmp;
	out->cart_sort_cost = p->cart_sort_cost;
	return s;
}

/* logreg, svm: X w and X^T r per iteration */
static double linear_s(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
		       const struct rates *rt, dlp_classical_estimate *out)
{
	double s = NAN, hist = rt->hist, bw = rt->bw, dot = rt->dot;

	/* per iteration (one loss and gradient evaluation): X w and
	 * X^T r, two passes over float64 X (memory-bound at this size;
	 * the dot rate caps it when X is cached), and the pointwise loss
	 * and gradient per row, which scikit-learn 1.2 computes on one
	 * thread (loss_eval_cost one-thread histogram updates per row) */
	double flops = c->iterations * 4 * rows * feats;
	double bytes = c->iterations * 2 * rows * feats * 8; /* float64 as sklearn stores it */
	double pointwise = c->iterations * rows * p->loss_eval_cost;
	double h1 = p->hist_gups_1t > 0 ? p->hist_gups_1t * 1e9 : hist;
	if (dot > 0)
		s = fmax(flops / dot, bw > 0 ? bytes / bw : 0) + (h1 > 0 ? pointwise / h1 : 0);
	out->formula = "iterations x (max(4 rows features / dot rate, 2 passes over float64 X / bandwidth) + "
		  "rows x loss_eval_cost / one-thread histogram rate)";
	out->loss_eval_cost = p->loss_eval_cost;
	return s;
}

int dlp_classical_compute(const dlp_profile *p, const dlp_classical *c, const dlp_dataset *ds,
			  const dlp_train *t, dlp_classical_estimate *out)
{
	double rows = ds->samples, feats = ds->features > 0 ? ds->features : (double)ds->in_c * ds->in_h * ds->in_w;
	double s, price = dlp_train_price(p, t);
	struct rates r = {p->hist_gups * 1e9, p->host_bw_gbps * 1e9, p->dot_gflops * 1e9};
	double spread;

	memset(out, 0, sizeof *out);
	out->binning_updates = out->histogram_updates = out->per_row_updates = out->sort_comparisons = NAN;
	out->cart_sort_cost = out->loss_eval_cost = NAN;
	out->formula = "";
	if (!dlp_constants())
		return -1;
	spread = dlp_constants()->classical_spread.value;
	if (rows <= 0 || feats <= 0)
		return dlp_error_set("classical models need rows and features (--dataset tabular:ROWSxFEATURES)");
	if (strcmp(c->kind, "gbdt") == 0)
		s = dlp_classical_gbdt_measured(p, c, rows, feats, out);
	else if (strcmp(c->kind, "forest") == 0)
		s = dlp_classical_forest_measured(p, c, rows, feats, out);
	else
		s = dlp_classical_linear_measured(p, c, rows, feats, out);
	/* NaN: a kernel the model needs was not measured */
	if (isnan(s)) {
		out->n_measured = out->n_terms = out->n_assumed = 0;
		if (strcmp(c->kind, "gbdt") == 0)
			s = gbdt_s(p, c, rows, feats, &r, out);
		else if (strcmp(c->kind, "forest") == 0)
			s = forest_s(p, c, rows, feats, &r, out);
		else
			s = linear_s(p, c, rows, feats, &r, out);
	}
	out->spec = *c;
	out->rows = rows;
	out->features = feats;
	out->threads = p->cpus;
	out->histogram_gupdates_per_s = p->hist_gups;
	out->dot_gflops = p->dot_gflops;
	out->train_s = (dlp_range){s / spread, s, s * spread};
	out->cost_usd = (dlp_range){price >= 0 ? s / spread / 3600 * price : NAN, price >= 0 ? s / 3600 * price : NAN,
				    price >= 0 ? s * spread / 3600 * price : NAN};
	return 0;
}
