/* One estimate per machine, and the verdict over them, computed on structs
 * (estimate_json.c serialises them). The verdict only states what the
 * numbers or a cited rule support. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimator/estimator.h"

#define SECONDS_PER_MONTH (30.44 * 86400)

/* A number as a document would carry it: what is not finite is unknown. */
static double known(double v)
{
	return isfinite(v) ? v : NAN;
}

void dlp_notes_add(dlp_notes *n, const char *fmt, ...)
{
	va_list ap;

	if (n->n == DLP_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(n->text[n->n++], sizeof n->text[0], fmt, ap);
	va_end(ap);
}

static dlp_retrain retrain_of(double train_s, double cost, const dlp_train *t)
{
	dlp_retrain r;

	r.every_s = t->retrain_every_s;
	r.runs_per_month = SECONDS_PER_MONTH / t->retrain_every_s;
	r.monthly_cost_usd = cost * r.runs_per_month;
	r.fits_window = isfinite(train_s) ? train_s <= t->retrain_every_s : -1;
	return r;
}

/* Whether one training run ends within the deadline, at the expected and at
 * the high estimate: a planner who must not miss it reads met_high. */
static dlp_deadline deadline_of(const dlp_range *train_s, const dlp_train *t)
{
	double e = known(train_s->expected), h = known(train_s->high);
	dlp_deadline d = {t->deadline_s > 0, -1, -1, t->deadline_s};

	if (isfinite(e))
		d.met_expected = e <= t->deadline_s;
	if (isfinite(h))
		d.met_high = h <= t->deadline_s;
	return d;
}

/* Widen a range (low / f, high x f) by a disturbed bench's spread. */
static void widen(dlp_range *r, double f)
{
	r->low /= f;
	r->high *= f;
}

int dlp_estimate_compute(const dlp_profile *p, const dlp_model *m, const dlp_classical *c,
			 const dlp_dataset *ds, const dlp_train *t, dlp_estimate *e)
{
	memset(e, 0, sizeof *e);
	e->hw = p;
	e->price_overridden = t->price_override >= 0;
	e->price_per_h = e->price_overridden ? t->price_override : p->price_per_h;
	if (m) {
		if (dlp_deep_compute(p, m, ds, t, &e->deep))
			return -1;
		e->has_deep = 1;
		if (p->noise_spread > 0) {
			widen(&e->deep.run.train_s, 1 + p->noise_spread);
			widen(&e->deep.run.cost_usd, 1 + p->noise_spread);
			widen(&e->deep.capability.train_s, 1 + p->noise_spread);
			widen(&e->deep.capability.cost_usd, 1 + p->noise_spread);
			widen(&e->deep.energy_kwh, 1 + p->noise_spread);
		}
		e->deep.has_retrain = t->retrain_every_s > 0;
		if (e->deep.has_retrain)
			e->deep.retrain = retrain_of(known(e->deep.run.train_s.expected),
						     known(e->deep.run.cost_usd.expected), t);
		e->deep.deadline = deadline_of(&e->deep.run.train_s, t);
		if (e->price_per_h > 0 && e->deep.devices < p->devices)
			dlp_notes_add(&e->deep.flags, "uses %d of the %d devices and is priced for the whole instance "
				      "($%.2f/h)", e->deep.devices, p->devices, e->price_per_h);
	}
	if (c && c->kind[0]) {
		if (dlp_classical_compute(p, c, ds, t, &e->classical))
			return -1;
		e->has_classical = 1;
		if (p->noise_spread > 0) {
			widen(&e->classical.train_s, 1 + p->noise_spread);
			widen(&e->classical.cost_usd, 1 + p->noise_spread);
		}
		e->classical.has_retrain = t->retrain_every_s > 0;
		if (e->classical.has_retrain)
			e->classical.retrain = retrain_of(known(e->classical.train_s.expected),
							  known(e->classical.cost_usd.expected), t);
		e->classical.deadline = deadline_of(&e->classical.train_s, t);
	}
	return 0;
}

double dlp_estimate_rank_time(const dlp_estimate *e, int deep)
{
	double v = deep ? (e->has_deep ? e->deep.run.train_s.expected : NAN)
			: (e->has_classical ? e->classical.train_s.expected : NAN);

	return isfinite(v) ? v : INFINITY;
}

/* ---- the verdict ------------------------------------------------------------ */

/* The expected time and cost of one side of an estimate, and whether it
 * fits; 0 when that side was not estimated. */
static int side_of(const dlp_estimate *e, int deep, double *train_s, double *cost, int *fits)
{
	if (deep ? !e->has_deep : !e->has_classical)
		return 0;
	*train_s = known(deep ? e->deep.run.train_s.expected : e->classical.train_s.expected);
	*cost = known(deep ? e->deep.run.cost_usd.expected : e->classical.cost_usd.expected);
	*fits = deep ? e->deep.fits : -1;
	return 1;
}

/* Index of the estimate with the smallest expected cost (by_cost) or time
 * among those that meet the deadline (and fit in memory). -1 when none. */
static int pick(const dlp_estimate *ests, size_t n, int deep, int by_cost, double deadline)
{
	size_t i;
	int best = -1, fits;
	double bv = INFINITY, ts, cost, v;

	for (i = 0; i < n; i++) {
		if (!side_of(&ests[i], deep, &ts, &cost, &fits))
			continue;
		v = by_cost ? cost : ts;
		if (!isfinite(v) || !isfinite(ts))
			continue;
		if (deadline > 0 && ts > deadline)
			continue;
		if (fits == 0)
			continue;
		if (v < bv) {
			bv = v;
			best = (int)i;
		}
	}
	return best;
}

static const char *hw_name(const dlp_verdict *v, int i)
{
	return i < 0 ? NULL : v->ests[i].hw->name;
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

/* "lo-hi", or one value when both ends print the same ("0.45-0.45x" reads
 * as a range that is not there). */
static void ratio_range_fmt(char *b, size_t n, double lo, double hi)
{
	char l[32], h[32];

	ratio_fmt(l, sizeof l, lo);
	ratio_fmt(h, sizeof h, hi);
	if (strcmp(l, h) == 0)
		snprintf(b, n, "%s", l);
	else
		snprintf(b, n, "%s-%s", l, h);
}

/* A deadline for a sentence, in the largest unit it fills ("1 h", "90 min"). */
static void deadline_fmt(char *b, size_t n, double s)
{
	static const struct { double s; const char *unit; } units[] = {
		{ 86400, "days" }, { 3600, "h" }, { 60, "min" }, { 1, "s" },
	};
	size_t i;

	for (i = 0; i + 1 < sizeof units / sizeof units[0] && s < units[i].s; i++)
		;
	snprintf(b, n, "%.3g %s", s / units[i].s, units[i].unit);
}

static void summary(dlp_verdict *v, const dlp_model *m, const dlp_classical *c)
{
	double tmin = INFINITY, tmax = 0, cmin = INFINITY, cmax = 0;
	int n = 0, deep_wins = 0, priced = 0;
	char cost[160] = "", tail[160] = "", rt[72], rc[72];
	const char *where;
	size_t i;

	for (i = 0; i < v->n_ratios; i++) {
		double rt = v->ratios[i].time, rc = v->ratios[i].cost;

		if (!isfinite(rt))
			continue;
		n++;
		deep_wins += rt < 1;
		tmin = fmin(tmin, rt);
		tmax = fmax(tmax, rt);
		if (isfinite(rc)) {
			priced++;
			cmin = fmin(cmin, rc);
			cmax = fmax(cmax, rc);
		}
	}
	if (n == 0) {
		const char *ch = hw_name(v, v->deep_cheapest), *fa = hw_name(v, v->deep_fastest);
		/* with a deadline the picks are among the machines that meet it, and
		 * the sentence must say so: a cheaper machine may only miss it */
		char dl[32] = "", meets[64] = "";

		if (v->deadline_s > 0) {
			deadline_fmt(dl, sizeof dl, v->deadline_s);
			snprintf(meets, sizeof meets, " that meets the %s deadline", dl);
		}
		if (!m)
			snprintf(v->summary, sizeof v->summary, "classical model only: no deep model to compare with");
		/* no fastest: nothing fits or meets the deadline; a fastest but no
		 * cheapest: no estimate has a price (bench files without --price) */
		else if (!fa && *dl && pick(v->ests, v->n, 1, 0, 0) >= 0)
			snprintf(v->summary, sizeof v->summary,
				 "no hardware given trains the deep model within the limits asked for: none meets "
				 "the %s deadline", dl);
		else if (!fa)
			snprintf(v->summary, sizeof v->summary,
				 "no hardware given trains the deep model within the limits asked for");
		else if (!ch)
			snprintf(v->summary, sizeof v->summary, "no classical alternative was estimated; for the deep "
				 "model the fastest hardware%s is %s (cost unknown without a price: give --price)",
				 meets, fa);
		else
			snprintf(v->summary, sizeof v->summary, "no classical alternative was estimated; for the deep "
				 "model the cheapest hardware%s is %s and the fastest %s", meets, ch, fa);
		return;
	}
	ratio_range_fmt(rt, sizeof rt, tmin, tmax);
	ratio_range_fmt(rc, sizeof rc, cmin, cmax);
	/* the cost ratio covers only the priced machines (a bench file without
	 * --price has none): said apart when some estimated machine has no price,
	 * short enough that the default run's verdict keeps to two lines */
	if (priced == n)
		snprintf(cost, sizeof cost, " and costs %sx as much", rc);
	else if (priced)
		snprintf(tail, sizeof tail, ", %sx the cost where priced", rc);
	where = n == 1 ? "the one machine estimated" : *tail ? "every machine" : "every machine estimated";
	if (deep_wins == 0)
		snprintf(v->summary, sizeof v->summary, "the numbers favour the classical model (%s): the deep model "
			 "takes %sx its training time%s on %s%s", c ? c->kind : "classical", rt, cost, where, tail);
	else if (deep_wins == n)
		snprintf(v->summary, sizeof v->summary, "the numbers favour the deep model: it takes %sx the "
			 "classical model's training time%s on %s%s", rt, cost, where, tail);
	else
		snprintf(v->summary, sizeof v->summary, "the numbers are mixed: the deep model is faster on %d of %d "
			 "machines (%sx the classical model's training time)", deep_wins, n, rt);
}

static dlp_finding *finding(dlp_verdict *v, const char *rule, const char *source)
{
	dlp_finding *f = &v->findings[v->n_findings++];

	f->rule = rule;
	f->source = source;
	f->text[0] = '\0';
	return f;
}

/* The rules the numbers support, each with where the rule comes from. */
static void findings(dlp_verdict *v, const dlp_model *m, const dlp_classical *c, const dlp_dataset *ds,
		     const dlp_train *t)
{
	double samples = ds->samples;
	size_t i;

	/* data size against model size */
	if (m && strcmp(m->task, "text") == 0 && ds->tokens > 0) {
		double ratio = ds->tokens / m->params;
		snprintf(finding(v, "tokens_per_parameter",
				 "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models (Chinchilla)")->text,
			 sizeof v->findings[0].text, "%.3g training tokens for %.3g parameters: %.2g tokens per "
			 "parameter (compute-optimal is about 20)%s", ds->tokens, m->params, ratio,
			 ratio < 20 ? ": the model is larger than this data supports" : "");
	}
	if (m && samples > 0 && m->params > 10 * samples && strcmp(m->task, "text") != 0)
		snprintf(finding(v, "params_vs_samples", "stated as a ratio only: no cited threshold for this model "
				 "family")->text, sizeof v->findings[0].text,
			 "%.3g parameters for %.3g training samples (%.0f per sample)", m->params, samples,
			 m->params / samples);
	if (strcmp(ds->task, "tabular") == 0)
		snprintf(finding(v, "tabular_evidence",
				 samples <= 50000 ? "Grinsztajn, Oyallon, Varoquaux, NeurIPS 2022 Datasets and Benchmarks"
						  : "Shwartz-Ziv and Armon, Information Fusion 2022; szilard/benchm-ml "
						    "README")->text, sizeof v->findings[0].text, "%s",
			 samples <= 50000
				 ? "tabular data of this size: on 45 medium-sized datasets (~10K samples) tree-based "
				   "models stayed ahead of deep models even after tuning"
				 : "tabular data: tree models led deep tabular models on most benchmark datasets and "
				   "needed less tuning; on 10M airline rows a 2x200 MLP reached AUC 73.1 where random "
				   "forest and GBM reached 80-81");
	if (c && (strcmp(c->kind, "gbdt") == 0 || strcmp(c->kind, "forest") == 0))
		snprintf(finding(v, "transparency", "model structure (no benchmark figure)")->text,
			 sizeof v->findings[0].text, "%s",
			 "a tree ensemble's prediction is an exact sum of root-to-leaf decision paths over the input "
			 "features; a deep model needs post-hoc attribution where the product must explain decisions");
	for (i = 0; t->retrain_every_s > 0 && i < v->n; i++) {
		const dlp_estimate *e = &v->ests[i];
		if (e->has_deep && e->deep.has_retrain && e->deep.retrain.fits_window == 0)
			snprintf(finding(v, "retrain_window", "this estimate")->text, sizeof v->findings[0].text,
				 "%s: one deep training run (expected) takes longer than the retraining window",
				 e->hw->name);
	}
}

/* The fixed rules above, plus one retrain_window finding per estimate. */
#define FIXED_FINDINGS 4

int dlp_verdict_compute(const dlp_estimate *ests, size_t n, const dlp_model *m, const dlp_classical *c,
			const dlp_dataset *ds, const dlp_train *t, dlp_verdict *v)
{
	size_t i;

	memset(v, 0, sizeof *v);
	v->ests = ests;
	v->n = n;
	v->ratios = calloc(n ? n : 1, sizeof *v->ratios);
	v->nofit = calloc(n ? n : 1, sizeof *v->nofit);
	v->findings = calloc(n + FIXED_FINDINGS, sizeof *v->findings);
	if (!v->ratios || !v->nofit || !v->findings) {
		dlp_verdict_free(v);
		return dlp_error_set("out of memory");
	}
	for (i = 0; i < n; i++) {
		double dt = NAN, dc = NAN, ct = NAN, cc = NAN;
		int fits = -1, no_memory;
		int has_deep = side_of(&ests[i], 1, &dt, &dc, &fits);
		int has_classical = side_of(&ests[i], 0, &ct, &cc, &no_memory);

		if (has_deep && has_classical) {
			v->ratios[v->n_ratios].est = i;
			v->ratios[v->n_ratios].time = known(ct > 0 ? dt / ct : NAN);
			/* both costs are their times at one price, so the cost ratio is
			 * the time ratio at any price: at $0 too, where 0/0 says nothing */
			v->ratios[v->n_ratios].cost = known(cc > 0 ? dc / cc : cc == 0 && dc == 0 && ct > 0 ? dt / ct : NAN);
			v->n_ratios++;
		}
		if (fits == 0)
			v->nofit[v->n_nofit++] = i;
	}
	v->deadline_s = t->deadline_s;
	v->deep_cheapest = pick(ests, n, 1, 1, t->deadline_s);
	v->deep_fastest = pick(ests, n, 1, 0, t->deadline_s);
	v->classical_cheapest = pick(ests, n, 0, 1, t->deadline_s);
	v->classical_fastest = pick(ests, n, 0, 0, t->deadline_s);
	findings(v, m, c, ds, t);
	summary(v, m, c);
	return 0;
}

void dlp_verdict_free(dlp_verdict *v)
{
	free(v->ratios);
	free(v->nofit);
	free(v->findings);
	memset(v, 0, sizeof *v);
}
