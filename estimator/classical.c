/* Classical models on the same rows and features, from the complexity models
 * in REFERENCE.md driven by measured CPU rates:
 *  - histogram GBDT (LightGBM docs/Features.rst; XGBoost paper sec. 4.1):
 *    per tree, histogram building c_h x rows x features per level for the
 *    smaller child only, plus split finding over leaves x bins x features;
 *  - random forest / CART: features_per_split x rows x log2(rows) per tree;
 *  - logistic regression / linear SVM: iterations x nnz per gradient, plus
 *    the pointwise loss per row.
 * Constants the bench cannot measure (a sort comparison, a row's loss
 * evaluation, in units of the measured histogram update) are assumptions in
 * data/instances.json, measured once by scripts/validate/calibrate.py.
 * The range is x/÷ 2 around the model: these formulas fix the shape of the
 * cost, not its constant, until `make validate` measures it (docs/validation.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/estimator.h"

#define CLASSICAL_SPREAD 2.0

static int kv(const char *s, const char *key, int *out)
{
	size_t n = strlen(key);
	char *end;
	long v;

	if (strncmp(s, key, n) || s[n] != '=')
		return 0;
	v = strtol(s + n + 1, &end, 10);
	if (end == s + n + 1 || (*end && *end != ',') || v < 1 || v > 1000000)
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

/* The classical model as deep.model describes a network: a name, its task,
 * the source of its cost model, and its settings (what a zoo entry fixes). */
static json_t *classical_model_json(const dlp_classical *c)
{
	json_t *m = json_pack("{s:s,s:s,s:s}", "name", c->kind, "task", "tabular", "source",
			      "complexity formula in docs/estimator.md driven by measured CPU rates");
	json_t *set = json_object();

	if (c->trees)
		json_object_set_new(set, "trees", json_integer(c->trees));
	if (c->depth)
		json_object_set_new(set, "depth", json_integer(c->depth));
	if (c->bins)
		json_object_set_new(set, "bins", json_integer(c->bins));
	if (c->iterations)
		json_object_set_new(set, "iterations", json_integer(c->iterations));
	json_object_set_new(m, "settings", set);
	return m;
}

json_t *dlp_estimate_classical(const dlp_profile *p, const dlp_classical *c, const dlp_dataset *ds,
			       const dlp_train *t)
{
	double rows = ds->samples, feats = ds->features > 0 ? ds->features : (double)ds->in_c * ds->in_h * ds->in_w;
	double s = NAN, price = t->price_override >= 0 ? t->price_override : p->price_per_h;
	double hist = p->hist_gups * 1e9, bw = p->host_bw_gbps * 1e9, dot = p->dot_gflops * 1e9;
	json_t *o, *detail = json_object();
	const char *formula = "";

	if (rows <= 0 || feats <= 0) {
		json_decref(detail);
		return dlp_error_set("classical models need rows and features (--dataset tabular:ROWSxFEATURES)"),
		       NULL;
	}
	if (strcmp(c->kind, "gbdt") == 0) {
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
		formula = "(trees x rows x features x (1 + (depth-1)/2) histogram updates + trees x rows x "
			  "(loss_eval_cost + depth) + features x rows x log2 rows x cart_sort_cost binning) / "
			  "histogram rate + trees x 2^depth x bins x features split scans / dot rate + gradient "
			  "traffic / bandwidth";
		json_object_set_new(detail, "binning_updates", dlp_json_real(binning));
		json_object_set_new(detail, "assumed_constants",
				    json_pack("[s,s]", "loss_eval_cost_histogram_updates",
					      "cart_sort_comparison_cost_histogram_updates"));
		json_object_set_new(detail, "histogram_updates", dlp_json_real(updates));
		json_object_set_new(detail, "per_row_updates", dlp_json_real(per_row));
	} else if (strcmp(c->kind, "forest") == 0) {
		/* scikit-learn's exact CART splitter (the REFERENCE.md model,
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
		double depth = c->depth > 0 ? fmin(c->depth, floor(log2(r))) : floor(log2(r));
		double cmp = 0, rate;
		int l;

		for (l = 0; l < (int)depth; l++)
			cmp += mtry * r * fmax(1, log2(r / pow(2, l)));
		cmp *= c->trees;
		rate = c->trees >= p->cpus ? hist
		       : p->hist_gups_1t > 0 ? p->hist_gups_1t * 1e9 * c->trees : hist * c->trees / p->cpus;
		if (rate > 0 && p->cart_sort_cost > 0)
			s = cmp * p->cart_sort_cost / rate;
		formula = "trees x sqrt(features) x sum over levels of 0.632 rows x log2(node rows) sort comparisons "
			  "x cart_sort_cost / measured histogram rate";
		json_object_set_new(detail, "sort_comparisons", dlp_json_real(cmp));
		json_object_set_new(detail, "cart_sort_cost_histogram_updates", dlp_json_real(p->cart_sort_cost));
		json_object_set_new(detail, "assumed_constants",
				    json_pack("[s]", "cart_sort_comparison_cost_histogram_updates"));
	} else { /* logreg, svm: X w and X^T r per iteration */
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
		formula = "iterations x (max(4 rows features / dot rate, 2 passes over float64 X / bandwidth) + "
			  "rows x loss_eval_cost / one-thread histogram rate)";
		json_object_set_new(detail, "loss_eval_cost_histogram_updates", dlp_json_real(p->loss_eval_cost));
		json_object_set_new(detail, "assumed_constants", json_pack("[s]", "loss_eval_cost_histogram_updates"));
	}
	json_object_set_new(detail, "formula", json_string(formula));
	json_object_set_new(detail, "threads", json_integer(p->cpus));
	json_object_set_new(detail, "histogram_gupdates_per_s", dlp_json_real(p->hist_gups));
	json_object_set_new(detail, "dot_gflops", dlp_json_real(p->dot_gflops));
	o = json_pack("{s:o,s:o,s:o}", "model", classical_model_json(c), "rows", dlp_json_whole(rows), "features",
		      dlp_json_whole(feats));
	json_object_set_new(o, "train_s", json_pack("{s:o,s:o,s:o}", "low", dlp_json_real(s / CLASSICAL_SPREAD),
						    "expected", dlp_json_real(s), "high",
						    dlp_json_real(s * CLASSICAL_SPREAD)));
	json_object_set_new(o, "cost_usd",
			    json_pack("{s:o,s:o,s:o}", "low", dlp_json_real(price > 0 ? s / CLASSICAL_SPREAD / 3600 * price : NAN),
				      "expected", dlp_json_real(price > 0 ? s / 3600 * price : NAN), "high",
				      dlp_json_real(price > 0 ? s * CLASSICAL_SPREAD / 3600 * price : NAN)));
	json_object_set_new(o, "detail", detail);
	(void)t;
	return o;
}
