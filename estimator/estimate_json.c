/* The JSON of estimates and verdicts (docs/json.md "estimates"): the one
 * place it is built, from the structs the estimator computed; nothing reads
 * it back. */
#include <math.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/estimator.h"

/* The largest batch is reported as an integer; memory is bounded (2^60
 * bytes, profile.c) and a sample takes at least 4 bytes, so this cap only
 * guards the cast. */
#define MAX_BATCH_COUNT 9e18

static json_t *range_json(dlp_range r)
{
	return json_pack("{s:o,s:o,s:o}", "low", dlp_json_real(r.low), "expected", dlp_json_real(r.expected), "high",
			 dlp_json_real(r.high));
}

static json_t *retrain_json(const dlp_retrain *r)
{
	return json_pack("{s:o,s:o,s:o,s:o}", "every_s", dlp_json_real(r->every_s), "runs_per_month",
			 dlp_json_real(r->runs_per_month), "monthly_cost_usd", dlp_json_real(r->monthly_cost_usd),
			 "fits_window", r->fits_window < 0 ? json_null() : json_boolean(r->fits_window));
}

static json_t *deadline_json(const dlp_deadline *d)
{
	if (!d->set)
		return json_null();
	return json_pack("{s:o,s:o,s:o}", "deadline_s", dlp_json_real(d->deadline_s), "met_expected",
			 d->met_expected < 0 ? json_null() : json_boolean(d->met_expected), "met_high",
			 d->met_high < 0 ? json_null() : json_boolean(d->met_high));
}

static json_t *notes_json(const dlp_notes *n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n->n; i++)
		json_array_append_new(a, json_string(n->text[i]));
	return a;
}

/* train_s, cost_usd, step_s, samples_per_s into o. */
static void run_into(json_t *o, const dlp_run *r)
{
	json_object_set_new(o, "train_s", range_json(r->train_s));
	json_object_set_new(o, "cost_usd", range_json(r->cost_usd));
	json_object_set_new(o, "step_s", dlp_json_real(r->step_s));
	json_object_set_new(o, "samples_per_s", dlp_json_real(r->samples_per_s));
}

static json_t *phases_json(const dlp_deep_estimate *d)
{
	const dlp_phases *ph = &d->phases;
	json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "forward_s", dlp_json_real(ph->fwd), "backward_s",
			      dlp_json_real(ph->bwd), "optimizer_s", dlp_json_real(ph->opt), "input_transfer_s",
			      dlp_json_real(ph->xfer), "allreduce_s", dlp_json_real(ph->allreduce), "op_overhead_s",
			      dlp_json_real(ph->overhead));

	json_object_set_new(o, "allreduce_total_s", dlp_json_real(ph->allreduce_total));
	json_object_set_new(o, "sync_wait_s", dlp_json_real(ph->sync));
	json_object_set_new(o, "ops_per_step", dlp_json_whole(ph->ops));
	/* of the step, what was measured through the framework (a CPU's range
	 * does not spread it) and the framework's per-step overhead in it */
	json_object_set_new(o, "framework_measured_s", dlp_json_real(ph->measured));
	json_object_set_new(o, "step_overhead_s", dlp_json_real(ph->step_overhead));
	json_object_set_new(o, "op_overhead_per_op_s", dlp_json_real(d->op_overhead_per_op_s));
	return o;
}

static json_t *memory_json(const dlp_deep_estimate *d)
{
	double b = d->largest_batch;
	json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:o}", "params_grads_optimizer_bytes",
			      dlp_json_whole(ceil(d->static_bytes)), "activations_bytes",
			      dlp_json_whole(ceil(d->activation_bytes)), "required_bytes",
			      dlp_json_whole(ceil(d->required_bytes)), "available_bytes",
			      d->available_bytes > 0 ? dlp_json_whole(d->available_bytes) : json_null(), "largest_batch",
			      isfinite(b) ? dlp_json_count(b <= 0 ? 0 : b < MAX_BATCH_COUNT ? (long long)b
										 : (long long)MAX_BATCH_COUNT)
					  : json_null());

	json_object_set_new(o, "fits", d->fits < 0 ? json_null() : json_boolean(d->fits));
	json_object_set_new(o, "largest_batch_limited_by",
			    isfinite(b) ? json_string(d->largest_batch_limited_by) : json_null());
	return o;
}

json_t *dlp_deep_json(const dlp_deep_estimate *d)
{
	json_t *o = json_object(), *dom = json_array();
	size_t i;

	json_object_set_new(o, "model", dlp_model_summary_json(d->model));
	json_object_set_new(o, "settings",
			    json_pack("{s:i,s:i,s:s,s:o,s:o,s:o}", "batch_per_device", d->batch, "devices", d->devices,
				      "gemm_dtype", dlp_dtype_name(d->gemm_dtype), "epochs", dlp_json_real(d->epochs),
				      "samples", dlp_json_whole(d->samples), "steps", dlp_json_whole(ceil(d->steps))));
	{
		json_t *st = json_object_get(o, "settings");
		json_object_set_new(st, "nodes", json_integer(d->nodes));
		json_object_set_new(st, "grad_accum", json_integer(d->grad_accum));
		json_object_set_new(st, "stack", d->stack ? json_string(d->stack) : json_null());
		json_object_set_new(st, "attention", json_string(d->attention ? d->attention : "stack"));
		json_object_set_new(st, "checkpoint", json_boolean(d->checkpoint));
		json_object_set_new(st, "zero_stage", json_integer(d->zero_stage));
	}
	run_into(o, &d->run);
	if (d->range_basis)
		json_object_set_new(o, "range_basis", json_string(d->range_basis));
	json_object_set_new(o, "rates", json_string(d->rates));
	if (d->has_capability) {
		json_t *cap = json_object();
		run_into(cap, &d->capability);
		json_object_set_new(cap, "speedup_vs_configured", dlp_json_real(d->speedup_vs_configured));
		json_object_set_new(o, "hardware_capability", cap);
	}
	json_object_set_new(o, "step_breakdown_low_s", phases_json(d));
	for (i = 0; i < d->n_dominant; i++) {
		const dlp_layer *l = &d->model->layers[d->dominant[i].layer];
		json_array_append_new(dom, json_pack("{s:s,s:s,s:i,s:o,s:o}", "layer", d->dominant[i].name, "op",
						     dlp_op_name(l->op), "count", d->dominant[i].count, "share",
						     dlp_json_real(d->dominant[i].share), "fwd_bwd_s",
						     dlp_json_real(d->dominant[i].fwd_bwd_s)));
	}
	json_object_set_new(o, "dominant_layers", dom);
	json_object_set_new(o, "memory", memory_json(d));
	json_object_set_new(o, "energy_kwh", d->has_energy ? range_json(d->energy_kwh) : json_null());
	json_object_set_new(o, "flags", notes_json(&d->flags));
	if (d->has_retrain)
		json_object_set_new(o, "retrain", retrain_json(&d->retrain));
	json_object_set_new(o, "deadline", deadline_json(&d->deadline));
	return o;
}

/* The classical model's terms from the measured kernels: which kernels,
 * and the seconds of each term. */
static json_t *classical_measured_detail(const dlp_classical_estimate *c)
{
	json_t *d = json_object(), *k = json_array(), *t = json_object();
	int i;

	for (i = 0; i < c->n_measured; i++)
		json_array_append_new(k, json_string(c->measured[i]));
	for (i = 0; i < c->n_terms; i++)
		json_object_set_new(t, c->terms[i].name, dlp_json_real(c->terms[i].s));
	json_object_set_new(d, "measured_kernels", k);
	json_object_set_new(d, "terms_s", t);
	if (c->n_assumed > 0) {
		json_t *a = json_array();

		for (i = 0; i < c->n_assumed; i++)
			json_array_append_new(a, json_string(c->assumed[i]));
		json_object_set_new(d, "assumed_constants", a);
	}
	if (strcmp(c->spec.kind, "gbdt") == 0)
		json_object_set_new(d, "histogram_updates", dlp_json_real(c->histogram_updates));
	else if (strcmp(c->spec.kind, "forest") == 0)
		json_object_set_new(d, "sort_comparisons", dlp_json_real(c->sort_comparisons));
	return d;
}

/* The terms of the classical formula, by model: from the measured kernels,
 * else with the assumptions named in assumed_constants. */
static json_t *classical_detail(const dlp_classical_estimate *c)
{
	json_t *d;

	if (c->n_measured > 0) {
		d = classical_measured_detail(c);
	} else if (strcmp(c->spec.kind, "gbdt") == 0) {
		d = json_object();
		json_object_set_new(d, "binning_updates", dlp_json_real(c->binning_updates));
		json_object_set_new(d, "assumed_constants", json_pack("[s,s]", "loss_eval_cost_histogram_updates",
								      "cart_sort_comparison_cost_histogram_updates"));
		json_object_set_new(d, "histogram_updates", dlp_json_real(c->histogram_updates));
		json_object_set_new(d, "per_row_updates", dlp_json_real(c->per_row_updates));
	} else if (strcmp(c->spec.kind, "forest") == 0) {
		d = json_object();
		json_object_set_new(d, "sort_comparisons", dlp_json_real(c->sort_comparisons));
		json_object_set_new(d, "cart_sort_cost_histogram_updates", dlp_json_real(c->cart_sort_cost));
		json_object_set_new(d, "assumed_constants",
				    json_pack("[s]", "cart_sort_comparison_cost_histogram_updates"));
	} else {
		d = json_object();
		json_object_set_new(d, "loss_eval_cost_histogram_updates", dlp_json_real(c->loss_eval_cost));
		json_object_set_new(d, "assumed_constants", json_pack("[s]", "loss_eval_cost_histogram_updates"));
	}
	json_object_set_new(d, "formula", json_string(c->formula));
	json_object_set_new(d, "threads", json_integer(c->threads));
	json_object_set_new(d, "histogram_gupdates_per_s", dlp_json_real(c->histogram_gupdates_per_s));
	json_object_set_new(d, "dot_gflops", dlp_json_real(c->dot_gflops));
	return d;
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

json_t *dlp_classical_json(const dlp_classical_estimate *c)
{
	json_t *o = json_pack("{s:o,s:o,s:o}", "model", classical_model_json(&c->spec), "rows",
			      dlp_json_whole(c->rows), "features", dlp_json_whole(c->features));

	json_object_set_new(o, "train_s", range_json(c->train_s));
	json_object_set_new(o, "cost_usd", range_json(c->cost_usd));
	json_object_set_new(o, "detail", classical_detail(c));
	if (c->has_retrain)
		json_object_set_new(o, "retrain", retrain_json(&c->retrain));
	json_object_set_new(o, "deadline", deadline_json(&c->deadline));
	return o;
}

static json_t *hardware_json(const dlp_estimate *e)
{
	const dlp_profile *p = e->hw;
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
	/* a price the user gave is not the catalog's: no date, the user as source */
	json_object_set_new(h, "price_usd_per_h", e->price_overridden ? dlp_json_real(e->price_per_h)
				: p->price_per_h > 0 ? dlp_json_real(p->price_per_h) : json_null());
	json_object_set_new(h, "price_date", e->price_overridden ? json_null() : dlp_json_str(p->price_date));
	json_object_set_new(h, "price_source", e->price_overridden ? json_string("user (--price)")
				: dlp_json_str(p->price_source));
	json_object_set_new(h, "sources", json_deep_copy(p->sources));
	json_object_set_new(h, "flags", json_deep_copy(p->flags));
	/* where the price came from: "catalog" (with its date and source),
	 * "user" (--price), or null (no price: cost unknown) */
	json_object_set_new(h, "price_origin", dlp_json_str(e->price_overridden ? "user"
							    : p->price_per_h > 0 ? "catalog" : NULL));
	return h;
}

json_t *dlp_estimate_json(const dlp_estimate *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "hardware", hardware_json(e));
	json_object_set_new(o, "deep", e->has_deep ? dlp_deep_json(&e->deep) : json_null());
	json_object_set_new(o, "classical", e->has_classical ? dlp_classical_json(&e->classical) : json_null());
	if (e->workload)
		json_object_set_new(o, "workload", json_string(e->workload));
	if (e->rank > 0)
		json_object_set_new(o, "rank", json_integer(e->rank));
	return o;
}

/* Each machine by how surely it meets the deadline: even at the high
 * estimate, only at the expected one, or not at all. */
static json_t *deadline_side(const dlp_verdict *v, int deep)
{
	static const char *const bucket[] = { "met_at_high", "met_at_expected_only", "missed" };
	json_t *o = json_object(), *arr[3];
	size_t i;
	int b;

	for (b = 0; b < 3; b++)
		json_object_set_new(o, bucket[b], arr[b] = json_array());
	for (i = 0; i < v->n; i++) {
		const dlp_estimate *e = &v->ests[i];
		const dlp_deadline *d = deep ? (e->has_deep ? &e->deep.deadline : NULL)
					     : (e->has_classical ? &e->classical.deadline : NULL);

		if (!d || !d->set)
			continue;
		b = d->met_high == 1 ? 0 : d->met_expected == 1 ? 1 : 2;
		json_array_append_new(arr[b], json_string(e->hw->name));
	}
	return o;
}

static json_t *name_or_null(const dlp_verdict *v, int i)
{
	return i < 0 ? json_null() : json_string(v->ests[i].hw->name);
}

json_t *dlp_verdict_json(const dlp_verdict *v)
{
	json_t *o = json_object(), *ratios = json_array(), *nofit = json_array(), *flags = json_array();
	size_t i;

	for (i = 0; i < v->n_ratios; i++)
		json_array_append_new(ratios, json_pack("{s:s,s:o,s:o}", "hardware", v->ests[v->ratios[i].est].hw->name,
							"deep_over_classical_time", dlp_json_real(v->ratios[i].time),
							"deep_over_classical_cost", dlp_json_real(v->ratios[i].cost)));
	for (i = 0; i < v->n_nofit; i++)
		json_array_append_new(nofit, json_string(v->ests[v->nofit[i]].hw->name));
	for (i = 0; i < v->n_findings; i++)
		json_array_append_new(flags, json_pack("{s:s,s:s,s:s}", "rule", v->findings[i].rule, "finding",
						       v->findings[i].text, "source", v->findings[i].source));
	json_object_set_new(o, "ratios", ratios);
	json_object_set_new(o, "deadline_s", v->deadline_s > 0 ? dlp_json_real(v->deadline_s) : json_null());
	json_object_set_new(o, "deep_cheapest", name_or_null(v, v->deep_cheapest));
	json_object_set_new(o, "deep_fastest", name_or_null(v, v->deep_fastest));
	json_object_set_new(o, "classical_cheapest", name_or_null(v, v->classical_cheapest));
	json_object_set_new(o, "classical_fastest", name_or_null(v, v->classical_fastest));
	json_object_set_new(o, "deep_does_not_fit", nofit);
	/* the picks above meet the deadline at the expected estimate; this says
	 * which machines meet it even at the high one */
	json_object_set_new(o, "deadline", v->deadline_s > 0
		? json_pack("{s:o,s:s,s:o,s:o}", "deadline_s", dlp_json_real(v->deadline_s), "picks_judged_at",
			    "expected", "deep", deadline_side(v, 1), "classical", deadline_side(v, 0))
		: json_null());
	json_object_set_new(o, "flags", flags);
	json_object_set_new(o, "summary", json_string(v->summary));
	return o;
}

/* ---- compute and serialise in one call -------------------------------------- */

json_t *dlp_estimate_deep(const dlp_profile *p, const dlp_model *m, const dlp_dataset *ds, const dlp_train *t)
{
	dlp_deep_estimate d;

	return dlp_deep_compute(p, m, ds, t, &d) ? NULL : dlp_deep_json(&d);
}

json_t *dlp_estimate_classical(const dlp_profile *p, const dlp_classical *c, const dlp_dataset *ds,
			       const dlp_train *t)
{
	dlp_classical_estimate e;

	return dlp_classical_compute(p, c, ds, t, &e) ? NULL : dlp_classical_json(&e);
}

json_t *dlp_estimate_one(const dlp_profile *p, const dlp_model *m, const dlp_classical *c, const dlp_dataset *ds,
			 const dlp_train *t)
{
	dlp_estimate e;

	return dlp_estimate_compute(p, m, c, ds, t, &e) ? NULL : dlp_estimate_json(&e);
}
