/* The built-in scenario the default `dlprobe` run ends with. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "dlprobe/json.h"

/* Seconds spent timing each scenario workload's own shapes (three workloads). */
#define SCENARIO_MEASURE_S 2.0

/* One workload of the scenario on this machine (bench_doc, when given) and
 * the catalog's reference instances: its estimates appended to ests, its
 * verdict returned (NULL: out of memory). A machine that cannot be estimated
 * (a partial bench) is left out; the others still answer. */
static json_t *scenario_group(const json_t *bench_doc, int measure, const struct workload *wl,
			      const dlp_train *train, size_t n_refs, json_t *ests, const char *title)
{
	size_t nh = (bench_doc ? 1 : 0) + n_refs, h, n = 0;
	dlp_profile *profiles = calloc(nh + 1, sizeof *profiles);
	dlp_estimate *group = calloc(nh + 1, sizeof *group);
	dlp_train t = *train;
	dlp_verdict v;
	json_t *vj = NULL;

	if (!profiles || !group)
		goto out;
	t.devices = 0; /* every device of an instance: its price is the whole instance's */
	for (h = 0; h < nh; h++) {
		dlp_profile *p = &profiles[n];
		int r = bench_doc && h == 0 ? dlp_profile_from_bench(bench_doc, dlp_cli.label ? dlp_cli.label
												    : "this machine", p)
					     : dlp_profile_from_catalog(dlp_catalog_default("scenario_references",
										    h - (bench_doc ? 1 : 0)), p);
		json_t *measured = NULL, *ej;

		if (r)
			continue;
		/* this machine's CPU runs the deep model: its own shapes, timed */
		if (measure && bench_doc && h == 0 && !p->is_gpu &&
		    (measured = dlp_cli_measure_workload(wl, &t, p, SCENARIO_MEASURE_S)) &&
		    dlp_profile_add_measured(p, measured)) {
			json_decref(measured);
			measured = NULL;
		}
		if (dlp_estimate_compute(p, wl->model, &wl->cl, &wl->ds, &t, &group[n])) {
			json_decref(measured);
			dlp_profile_free(p);
			continue;
		}
		group[n].workload = wl->name;
		ej = dlp_estimate_json(&group[n]);
		if (ej && measured)
			json_object_set(ej, "measured_shapes", measured);
		json_decref(measured);
		json_array_append_new(ests, ej);
		n++;
	}
	if (dlp_verdict_compute(group, n, wl->model, &wl->cl, &wl->ds, &t, &v) == 0) {
		vj = dlp_verdict_json(&v);
		json_object_set_new(vj, "workload", json_string(wl->name));
		json_object_set_new(vj, "scenario", json_string(title));
		dlp_verdict_free(&v);
	}
out:
	for (h = 0; profiles && h < n; h++)
		dlp_profile_free(&profiles[h]);
	free(profiles);
	free(group);
	return vj;
}

/* A fraud-detection-like tabular product problem (the article's case: a deep
 * tabular model against GBDT), and one image and one language reference,
 * each on this machine (when a bench is given) and the catalog's reference
 * instances (data/instances.json "defaults"). */
int dlp_cli_default_scenario(const json_t *bench_doc, int measure, json_t *doc_out)
{
	static const struct {
		const char *title; /* why it is estimated, as the output labels it */
		const char *model, *dataset, *classical;
		double epochs;
		enum dlp_precision prec;
		double retrain_every_s;
	} sc[] = {
		{"tabular product, daily retraining", "mlp:30,256,256,2", "tabular:1000000x30", "gbdt", 20,
		 DLP_PREC_FP32, 86400},
		{"image reference", "resnet18", "cifar10", "none", 30, DLP_PREC_MIXED, 0},
		{"language reference", "gpt2", "text:2.5e9", "none", 1, DLP_PREC_MIXED, 0},
	};
	json_t *ests = json_array(), *refv = json_array(), *verdict = NULL;
	size_t s, n_refs = 0;
	int rc = DLP_EXIT_RUNTIME;

	while (dlp_catalog_default("scenario_references", n_refs))
		n_refs++;
	for (s = 0; s < sizeof sc / sizeof sc[0]; s++) {
		struct workload wl;
		struct est_opts o;
		json_t *v;

		memset(&o, 0, sizeof o);
		dlp_train_defaults(&o.train);
		o.model = sc[s].model;
		o.dataset = sc[s].dataset;
		o.classical = sc[s].classical;
		o.train.epochs = sc[s].epochs;
		o.train.precision = sc[s].prec;
		o.train.retrain_every_s = sc[s].retrain_every_s;
		if (dlp_cli_workload(&o, &wl) != DLP_EXIT_OK)
			goto out;
		v = scenario_group(bench_doc, measure, &wl, &o.train, n_refs, ests, sc[s].title);
		dlp_cli_workload_free(&wl);
		if (!v) {
			rc = dlp_cli_fail("out of memory");
			goto out;
		}
		if (s == 0)
			verdict = v;
		else
			json_array_append_new(refv, v);
	}
	json_object_set_new(doc_out, "verdict", verdict);
	json_object_set_new(doc_out, "estimates", ests);
	json_object_set_new(doc_out, "reference_verdicts", refv);
	return DLP_EXIT_OK;
out:
	json_decref(verdict);
	json_decref(ests);
	json_decref(refv);
	return rc;
}
