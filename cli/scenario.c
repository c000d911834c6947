/* The built-in scenario the default `dlprobe` run ends with. */
#include <string.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "dlprobe/json.h"

/* A fraud-detection-like tabular product problem (the article's case: a deep
 * tabular model against GBDT), and one image and one language reference,
 * each on this machine (when a bench is given) and the catalog's reference
 * instances (data/instances.json "defaults"). */
int dlp_cli_default_scenario(const json_t *bench_doc, json_t *doc_out)
{
	static const struct {
		const char *title; /* why it is estimated, as the output labels it */
		const char *model, *dataset, *classical;
		double epochs;
		enum dlp_precision prec;
	} sc[] = {
		{"tabular product, daily retraining", "mlp:30,256,256,2", "tabular:1000000x30", "gbdt", 20,
		 DLP_PREC_FP32},
		{"image reference", "resnet18", "cifar10", "none", 30, DLP_PREC_MIXED},
		{"language reference", "gpt2", "text:2.5e9", "none", 1, DLP_PREC_MIXED},
	};
	json_t *ests = json_array(), *refv = json_array();
	size_t s, h, n_refs = 0;
	int rc = DLP_EXIT_RUNTIME;

	while (dlp_catalog_default("scenario_references", n_refs))
		n_refs++;

	for (s = 0; s < sizeof sc / sizeof sc[0]; s++) {
		struct workload wl;
		struct est_opts o;
		json_t *group = json_array(), *v;
		size_t nh = (bench_doc ? 1 : 0) + n_refs;

		memset(&o, 0, sizeof o);
		dlp_train_defaults(&o.train);
		o.model = sc[s].model;
		o.dataset = sc[s].dataset;
		o.classical = sc[s].classical;
		o.train.epochs = sc[s].epochs;
		o.train.precision = sc[s].prec;
		o.train.retrain_every_s = s == 0 ? 86400 : 0;
		if (dlp_cli_workload(&o, &wl) != DLP_EXIT_OK) {
			json_decref(group);
			goto out;
		}
		for (h = 0; h < nh; h++) {
			dlp_profile p;
			json_t *e;
			int r = bench_doc && h == 0 ? dlp_profile_from_bench(bench_doc, dlp_cli.label ? dlp_cli.label : "this machine", &p)
						     : dlp_profile_from_catalog(dlp_catalog_default("scenario_references",
											    h - (bench_doc ? 1 : 0)), &p);
			if (r)
				continue; /* a partial bench: the catalog references still answer */
			/* every device of an instance: its price is the whole instance's */
			o.train.devices = 0;
			e = dlp_estimate_one(&p, wl.model, &wl.cl, &wl.ds, &o.train);
			dlp_profile_free(&p);
			if (!e)
				continue;
			json_object_set_new(e, "workload", json_string(wl.name));
			json_array_append(group, e);
			json_array_append_new(ests, e);
		}
		v = dlp_verdict(group, wl.model, &wl.cl, &wl.ds, &o.train);
		json_object_set_new(v, "workload", json_string(wl.name));
		json_object_set_new(v, "scenario", json_string(sc[s].title));
		if (s == 0)
			json_object_set_new(doc_out, "verdict", v);
		else
			json_array_append_new(refv, v);
		json_decref(group);
		dlp_cli_workload_free(&wl);
	}
	json_object_set_new(doc_out, "estimates", ests);
	json_object_set_new(doc_out, "reference_verdicts", refv);
	return DLP_EXIT_OK;
out:
	json_decref(ests);
	json_decref(refv);
	return rc;
}
