/* One "estimates" entry per hardware profile, and the verdict over them. The
 * verdict only states what the numbers or a cited rule support. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/estimator.h"

#define SECONDS_PER_MONTH (30.44 * 86400)

static json_t *hardware_json(const dlp_profile *p)
{
	json_t *h = json_pack("{s:s,s:s,s:b,s:i,s:i,s:o,s:o}", "name", p->name, "kind", p->kind, "gpu", p->is_gpu,
			      "devices", p->devices, "cpus", p->cpus, "memory_bytes_per_device",
			      p->mem_bytes > 0 ? dlp_json_whole(p->mem_bytes) : json_null(), "mem_bw_gbps",
			      p->mem_bw_gbps > 0 ? dlp_json_real(p->mem_bw_gbps) : json_null());
	json_t *peaks = json_object();
	int d;

	for (d = 0; d < DLP_NDTYPE; d++)
		if (p->peak_gflops[d] > 0)
			json_object_set_new(peaks, dlp_dtype_name(d), dlp_json_real(p->peak_gflops[d]));
	json_object_set_new(h, "peak_gflops_per_device", peaks);
	json_object_set_new(h, "price_usd_per_h", p->price_per_h > 0 ? dlp_json_real(p->price_per_h) : json_null());
	json_object_set_new(h, "price_date", dlp_json_str(p->price_date));
	json_object_set_new(h, "price_source", dlp_json_str(p->price_source));
	json_object_set_new(h, "sources", json_deep_copy(p->sources));
	json_object_set_new(h, "flags", json_deep_copy(p->flags));
	return h;
}

static json_t *retrain_json(double train_s, double cost, const dlp_train *t)
{
	double runs = SECONDS_PER_MONTH / t->retrain_every_s;

	return json_pack("{s:o,s:o,s:o,s:o}", "every_s", dlp_json_real(t->retrain_every_s), "runs_per_month",
			 dlp_json_real(runs), "monthly_cost_usd", dlp_json_real(cost * runs), "fits_window",
			 isfinite(train_s) ? json_boolean(train_s <= t->retrain_every_s) : json_null());
}

/* Where the price came from, so that no figure is read as the catalog's
 * when the user gave it: "catalog" (with its date and source), "user"
 * (--price), or null (no price: cost unknown). */
static void price_origin(json_t *h, const dlp_profile *p, const dlp_train *t, double price)
{
	const char *origin = t->price_override >= 0 ? "user" : p->price_per_h > 0 ? "catalog" : NULL;

	json_object_set_new(h, "price_origin", dlp_json_str(origin));
	if (t->price_override < 0)
		return;
	json_object_set_new(h, "price_usd_per_h", dlp_json_real(price));
	json_object_set_new(h, "price_date", json_null());
	json_object_set_new(h, "price_source", json_string("user (--price)"));
}

/* Whether one training run ends within the deadline, at the expected and at
 * the high estimate: a planner who must not miss it reads met_high. */
static json_t *deadline_json(const json_t *side, const dlp_train *t)
{
	double e = dlp_json_num_at(side, "train_s", "expected", NULL), h = dlp_json_num_at(side, "train_s", "high", NULL);

	if (t->deadline_s <= 0)
		return json_null();
	return json_pack("{s:o,s:o,s:o}", "deadline_s", dlp_json_real(t->deadline_s), "met_expected",
			 isfinite(e) ? json_boolean(e <= t->deadline_s) : json_null(), "met_high",
			 isfinite(h) ? json_boolean(h <= t->deadline_s) : json_null());
}

json_t *dlp_estimate_one(const dlp_profile *p, const dlp_model *m, const dlp_classical *c,
			 const dlp_dataset *ds, const dlp_train *t)
{
	json_t *e = json_object(), *deep = NULL, *cl = NULL;
	double price = t->price_override >= 0 ? t->price_override : p->price_per_h;

	json_object_set_new(e, "hardware", hardware_json(p));
	price_origin(json_object_get(e, "hardware"), p, t, price);
	if (m) {
		if (!(deep = dlp_estimate_deep(p, m, ds, t)))
			goto fail;
		if (t->retrain_every_s > 0)
			json_object_set_new(deep, "retrain",
					    retrain_json(dlp_json_num_at(deep, "train_s", "expected", NULL),
							 dlp_json_num_at(deep, "cost_usd", "expected", NULL), t));
		json_object_set_new(deep, "deadline", deadline_json(deep, t));
		if (price > 0 && dlp_json_num_at(deep, "settings", "devices", NULL) < p->devices)
			json_array_append_new(json_object_get(deep, "flags"),
					      json_sprintf("uses %d of the %d devices and is priced for the whole "
							   "instance ($%.2f/h)", (int)dlp_json_num_at(deep, "settings",
							   "devices", NULL), p->devices, price));
	}
	json_object_set_new(e, "deep", deep ? deep : json_null());
	if (c && c->kind[0]) {
		if (!(cl = dlp_estimate_classical(p, c, ds, t)))
			goto fail;
		if (t->retrain_every_s > 0)
			json_object_set_new(cl, "retrain", retrain_json(dlp_json_num_at(cl, "train_s", "expected", NULL),
									dlp_json_num_at(cl, "cost_usd", "expected", NULL), t));
		json_object_set_new(cl, "deadline", deadline_json(cl, t));
	}
	json_object_set_new(e, "classical", cl ? cl : json_null());
	return e;
fail:
	json_decref(e);
	return NULL;
}

/* Index of the estimate with the smallest value of key among those that
 * meet the deadline (and fit in memory for deep). -1 when none. */
static int pick(const json_t *ests, const char *side, const char *key, double deadline)
{
	size_t i;
	const json_t *e;
	int best = -1;
	double bv = INFINITY;

	json_array_foreach(ests, i, e) {
		const json_t *s = json_object_get(e, side);
		double v = dlp_json_num_at(s, key, "expected", NULL), ts = dlp_json_num_at(s, "train_s", "expected", NULL);
		if (!json_is_object(s) || !isfinite(v) || !isfinite(ts))
			continue;
		if (deadline > 0 && ts > deadline)
			continue;
		if (json_is_false(json_object_get(json_object_get(s, "memory"), "fits")))
			continue;
		if (v < bv) {
			bv = v;
			best = (int)i;
		}
	}
	return best;
}

static json_t *pick_json(const json_t *ests, int i)
{
	if (i < 0)
		return json_null();
	return json_string(json_string_value(json_object_get(json_object_get(json_array_get(ests, (size_t)i),
									      "hardware"), "name")));
}

/* Each machine by how surely it meets the deadline: even at the high
 * estimate, only at the expected one, or not at all. */
static json_t *deadline_side(const json_t *ests, const char *side)
{
	static const char *const bucket[] = { "met_at_high", "met_at_expected_only", "missed" };
	json_t *o = json_object(), *arr[3];
	const json_t *e;
	size_t i;
	int b;

	for (b = 0; b < 3; b++)
		json_object_set_new(o, bucket[b], arr[b] = json_array());
	json_array_foreach(ests, i, e) {
		const json_t *d = json_object_get(json_object_get(e, side), "deadline");

		if (!json_is_object(d))
			continue;
		b = json_is_true(json_object_get(d, "met_high")) ? 0 : json_is_true(json_object_get(d, "met_expected")) ? 1 : 2;
		json_array_append_new(arr[b], json_string(json_string_value(
			json_object_get(json_object_get(e, "hardware"), "name"))));
	}
	return o;
}

static void rule(json_t *flags, const char *id, const char *text, const char *src)
{
	json_array_append_new(flags, json_pack("{s:s,s:s,s:s}", "rule", id, "finding", text, "source", src));
}

/* The one sentence the verdict leads with: which side the numbers favour,
 * by how much, and on how many of the machines estimated. Only ratios that
 * were computed are cited; with no classical model it names the hardware. */
/* A ratio for a sentence: two significant digits, never an exponent
 * ("0.52", "3.2", "140", "1400"). */
static void ratio_fmt(char *b, size_t n, double x)
{
	snprintf(b, n, x >= 100 ? "%.0f" : "%.2g", x);
}

static json_t *summary(const json_t *v, const dlp_model *m, const dlp_classical *c)
{
	const json_t *x;
	double tmin = INFINITY, tmax = 0, cmin = INFINITY, cmax = 0;
	int n = 0, deep_wins = 0, priced = 0;
	char buf[512], cost[160] = "", r[4][32];
	size_t i;

	json_array_foreach(json_object_get(v, "ratios"), i, x) {
		double rt = json_number_value(json_object_get(x, "deep_over_classical_time"));
		double rc = json_number_value(json_object_get(x, "deep_over_classical_cost"));

		if (!json_is_number(json_object_get(x, "deep_over_classical_time")))
			continue;
		n++;
		deep_wins += rt < 1;
		tmin = fmin(tmin, rt);
		tmax = fmax(tmax, rt);
		if (json_is_number(json_object_get(x, "deep_over_classical_cost"))) {
			priced++;
			cmin = fmin(cmin, rc);
			cmax = fmax(cmax, rc);
		}
	}
	if (n == 0) {
		const char *ch = json_string_value(json_object_get(v, "deep_cheapest"));
		const char *fa = json_string_value(json_object_get(v, "deep_fastest"));

		if (!m)
			return json_string("classical model only: no deep model to compare with");
		/* no fastest: nothing fits or meets the deadline; a fastest but no
		 * cheapest: no estimate has a price (bench files without --price) */
		if (!fa)
			return json_string("no hardware given trains the deep model within the limits asked for");
		if (!ch)
			snprintf(buf, sizeof buf, "no classical alternative was estimated; for the deep model the fastest "
				 "hardware is %s (cost unknown without a price: give --price)", fa);
		else
			snprintf(buf, sizeof buf, "no classical alternative was estimated; for the deep model the "
				 "cheapest hardware is %s and the fastest %s", ch, fa);
		return json_string(buf);
	}
	ratio_fmt(r[0], sizeof r[0], tmin);
	ratio_fmt(r[1], sizeof r[1], tmax);
	ratio_fmt(r[2], sizeof r[2], cmin);
	ratio_fmt(r[3], sizeof r[3], cmax);
	if (priced)
		snprintf(cost, sizeof cost, " and costs %s-%sx as much", r[2], r[3]);
	if (deep_wins == 0)
		snprintf(buf, sizeof buf, "the numbers favour the classical model (%s): the deep model takes "
			 "%s-%sx its training time%s on %s estimated", c ? c->kind : "classical",
			 r[0], r[1], cost, n == 1 ? "the one machine" : "every machine");
	else if (deep_wins == n)
		snprintf(buf, sizeof buf, "the numbers favour the deep model: it takes %s-%sx the classical "
			 "model's training time%s on %s estimated", r[0], r[1], cost,
			 n == 1 ? "the one machine" : "every machine");
	else
		snprintf(buf, sizeof buf, "the numbers are mixed: the deep model is faster on %d of %d machines "
			 "(%s-%sx the classical model's training time)", deep_wins, n, r[0], r[1]);
	return json_string(buf);
}

json_t *dlp_verdict(const json_t *ests, const dlp_model *m, const dlp_classical *c, const dlp_dataset *ds,
		    const dlp_train *t)
{
	json_t *v = json_object(), *flags = json_array(), *ratios = json_array(), *nofit = json_array();
	size_t i;
	const json_t *e;
	char buf[400];
	double samples = ds->samples;

	json_array_foreach(ests, i, e) {
		const json_t *d = json_object_get(e, "deep"), *cl = json_object_get(e, "classical");
		double dt = dlp_json_num_at(d, "train_s", "expected", NULL);
		double ct = dlp_json_num_at(cl, "train_s", "expected", NULL);
		double dc = dlp_json_num_at(d, "cost_usd", "expected", NULL);
		double cc = dlp_json_num_at(cl, "cost_usd", "expected", NULL);
		const char *hw = json_string_value(json_object_get(json_object_get(e, "hardware"), "name"));

		if (json_is_object(d) && json_is_object(cl))
			json_array_append_new(ratios, json_pack("{s:s,s:o,s:o}", "hardware", hw, "deep_over_classical_time",
								dlp_json_real(ct > 0 ? dt / ct : NAN),
								"deep_over_classical_cost",
								dlp_json_real(cc > 0 ? dc / cc : NAN)));
		if (json_is_false(json_object_get(json_object_get(d, "memory"), "fits")))
			json_array_append_new(nofit, json_string(hw));
	}
	json_object_set_new(v, "ratios", ratios);
	json_object_set_new(v, "deadline_s", t->deadline_s > 0 ? dlp_json_real(t->deadline_s) : json_null());
	json_object_set_new(v, "deep_cheapest", pick_json(ests, pick(ests, "deep", "cost_usd", t->deadline_s)));
	json_object_set_new(v, "deep_fastest", pick_json(ests, pick(ests, "deep", "train_s", t->deadline_s)));
	json_object_set_new(v, "classical_cheapest",
			    pick_json(ests, pick(ests, "classical", "cost_usd", t->deadline_s)));
	json_object_set_new(v, "classical_fastest",
			    pick_json(ests, pick(ests, "classical", "train_s", t->deadline_s)));
	json_object_set_new(v, "deep_does_not_fit", nofit);
	/* the picks above meet the deadline at the expected estimate; this says
	 * which machines meet it even at the high one */
	json_object_set_new(v, "deadline", t->deadline_s > 0
		? json_pack("{s:o,s:s,s:o,s:o}", "deadline_s", dlp_json_real(t->deadline_s), "picks_judged_at",
			    "expected", "deep", deadline_side(ests, "deep"), "classical", deadline_side(ests, "classical"))
		: json_null());

	/* data size against model size */
	if (m && strcmp(m->task, "text") == 0 && ds->tokens > 0) {
		double ratio = ds->tokens / m->params;
		snprintf(buf, sizeof buf, "%.3g training tokens for %.3g parameters: %.2g tokens per parameter "
			 "(compute-optimal is about 20)%s", ds->tokens, m->params, ratio,
			 ratio < 20 ? ": the model is larger than this data supports" : "");
		rule(flags, "tokens_per_parameter", buf,
		     "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models (Chinchilla)");
	}
	if (m && samples > 0 && m->params > 10 * samples && strcmp(m->task, "text") != 0) {
		snprintf(buf, sizeof buf, "%.3g parameters for %.3g training samples (%.0f per sample)", m->params,
			 samples, m->params / samples);
		rule(flags, "params_vs_samples", buf,
		     "stated as a ratio only: no cited threshold for this model family");
	}
	if (strcmp(ds->task, "tabular") == 0) {
		rule(flags, "tabular_evidence",
		     samples <= 50000
			     ? "tabular data of this size: on 45 medium-sized datasets (~10K samples) tree-based "
			       "models stayed ahead of deep models even after tuning"
			     : "tabular data: tree models led deep tabular models on most benchmark datasets and "
			       "needed less tuning; on 10M airline rows a 2x200 MLP reached AUC 73.1 where random "
			       "forest and GBM reached 80-81",
		     samples <= 50000 ? "Grinsztajn, Oyallon, Varoquaux, NeurIPS 2022 Datasets and Benchmarks"
				      : "Shwartz-Ziv and Armon, Information Fusion 2022; szilard/benchm-ml README");
	}
	if (c && (strcmp(c->kind, "gbdt") == 0 || strcmp(c->kind, "forest") == 0))
		rule(flags, "transparency",
		     "a tree ensemble's prediction is an exact sum of root-to-leaf decision paths over the input "
		     "features; a deep model needs post-hoc attribution where the product must explain decisions",
		     "model structure (no benchmark figure)");
	if (t->retrain_every_s > 0) {
		json_array_foreach(ests, i, e) {
			const json_t *d = json_object_get(e, "deep");
			if (json_is_false(json_object_get(json_object_get(d, "retrain"), "fits_window"))) {
				snprintf(buf, sizeof buf, "%s: one deep training run (expected) takes longer than the "
					 "retraining window", json_string_value(json_object_get(
								  json_object_get(e, "hardware"), "name")));
				rule(flags, "retrain_window", buf, "this estimate");
			}
		}
	}
	json_object_set_new(v, "flags", flags);
	json_object_set_new(v, "summary", summary(v, m, c));
	return v;
}
